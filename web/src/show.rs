//! What a cell shows under its headline, chosen by the lesson's author in the fence:
//! ```` ```khafka show=cluster,chart:lost ````. Everything not chosen stays one click away under
//! "Details". See `docs/writing-lessons.md`.

/// A chart a lesson can put on show (`chart:NAME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    Records,
    Lost,
    Latency,
    Throughput,
    Bytes,
    Lag,
    Isr,
}

pub const CHART_KINDS: &[(&str, ChartKind)] = &[
    ("records", ChartKind::Records),
    ("lost", ChartKind::Lost),
    ("latency", ChartKind::Latency),
    ("throughput", ChartKind::Throughput),
    ("bytes", ChartKind::Bytes),
    ("lag", ChartKind::Lag),
    ("isr", ChartKind::Isr),
];

impl ChartKind {
    pub fn chart(self, m: &khafka_sim::metrics::Metrics) -> khafka_charts::LineChart {
        match self {
            ChartKind::Records => khafka_charts::records(m),
            ChartKind::Lost => khafka_charts::acked_lost(m),
            ChartKind::Latency => khafka_charts::latency(m),
            ChartKind::Throughput => khafka_charts::throughput(m),
            ChartKind::Bytes => khafka_charts::throughput_bytes(m),
            ChartKind::Lag => khafka_charts::consumer_lag(m),
            ChartKind::Isr => khafka_charts::isr(m),
        }
    }
}

/// One part of a cell's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The wire and the broker cards.
    Cluster,
    Chart(ChartKind),
    /// The Records table (distinct records by what happened to them).
    Records,
    /// The event log.
    Events,
    /// `kafka-topics --describe`.
    Describe,
    /// Kafka's metrics at the last sample.
    Metrics,
    /// The record story picker.
    Story,
    /// Consumer groups: state, generation, members, committed offsets and lag
    /// (`kafka-consumer-groups --describe`).
    Groups,
    /// Kafka Streams instances: tasks, restorations, and the counts against the input.
    Streams,
}

const NAMES: &[(&str, Part)] = &[
    ("cluster", Part::Cluster),
    ("records", Part::Records),
    ("events", Part::Events),
    ("describe", Part::Describe),
    ("metrics", Part::Metrics),
    ("story", Part::Story),
    ("groups", Part::Groups),
    ("streams", Part::Streams),
];

/// The parts a cell shows, in the author's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Show(pub Vec<Part>);

impl Default for Show {
    /// A lesson cell without `show=`: the cluster picture (the headline and predictions always show).
    fn default() -> Self {
        Show(vec![Part::Cluster])
    }
}

impl Show {
    /// Parses `cluster,chart:lost,events`. An unknown name is an error naming the choices (a test
    /// parses every lesson's fences, so a typo fails CI rather than a reader's page).
    pub fn parse(spec: &str) -> Result<Show, String> {
        let mut parts = Vec::new();
        for word in spec.split(',').filter(|w| !w.is_empty()) {
            let part = if let Some(name) = word.strip_prefix("chart:") {
                CHART_KINDS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, k)| Part::Chart(*k))
                    .ok_or_else(|| {
                        let names: Vec<&str> = CHART_KINDS.iter().map(|(n, _)| *n).collect();
                        format!("unknown chart `{name}` (charts: {})", names.join(", "))
                    })?
            } else {
                NAMES
                    .iter()
                    .find(|(n, _)| *n == word)
                    .map(|(_, p)| *p)
                    .ok_or_else(|| {
                        let names: Vec<&str> = NAMES.iter().map(|(n, _)| *n).collect();
                        format!(
                            "unknown part `{word}` (parts: {}, chart:NAME)",
                            names.join(", ")
                        )
                    })?
            };
            if !parts.contains(&part) {
                parts.push(part);
            }
        }
        Ok(Show(parts))
    }

    pub fn has(&self, part: Part) -> bool {
        self.0.contains(&part)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_parses_parts_and_charts_and_refuses_typos() {
        let s = Show::parse("cluster,chart:lost,events").unwrap();
        assert_eq!(
            s.0,
            vec![Part::Cluster, Part::Chart(ChartKind::Lost), Part::Events]
        );
        assert!(Show::parse("chart:loss").unwrap_err().contains("lost"));
        assert!(Show::parse("clusters").unwrap_err().contains("cluster"));
        assert_eq!(Show::parse("").unwrap().0, vec![]);
    }
}
