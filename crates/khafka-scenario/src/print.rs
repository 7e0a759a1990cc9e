//! The one printer of scenarios: a [`ScenarioSpec`] (and each fault) as `.khafka` text that parses
//! back to the same spec. The sweep prints a failing seed's scenario with it, so every failure comes
//! with a file `khafka run` reproduces; tests check the round trip on every scenario of the repo.

use khafka_sim::sim::{describe_fault, describe_link};
use khafka_sim::spec::{Fault, KeyDistribution, KeySpec, LinkSpec, ScenarioSpec, TopicSpec};
use khafka_sim::{BrokerConfig, ConsumerConfig, ProducerConfig, SimTime, TopicConfig};
use std::fmt::Write;

/// ` key=value` for every key whose value differs from the default's.
fn changed(
    keys: &[&str],
    get: impl Fn(&str) -> Option<String>,
    default: impl Fn(&str) -> Option<String>,
) -> String {
    let mut out = String::new();
    for k in keys {
        if let Some(v) = get(k) {
            if Some(&v) != default(k).as_ref() {
                let _ = write!(out, " {k}={v}");
            }
        }
    }
    out
}

fn topic(t: &TopicSpec) -> String {
    let mut s = format!(
        "topic {} partitions={} replication.factor={}",
        t.name, t.partitions, t.replication_factor
    );
    if let Some(a) = &t.assignment {
        let parts: Vec<String> = a
            .iter()
            .map(|r| {
                r.iter()
                    .map(|b| b.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        let _ = write!(s, " replicas={}", parts.join(";"));
    }
    let default = TopicConfig::default();
    s.push_str(&changed(
        TopicConfig::KEYS,
        |k| t.config.get(k),
        |k| default.get(k),
    ));
    s
}

/// `spec` as `.khafka` text (no `expect` lines: they are not part of the spec).
pub fn scenario(spec: &ScenarioSpec) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "seed {}", spec.seed);
    let c = &spec.cluster;
    let mut cluster = format!("cluster brokers={}", c.brokers);
    if !c.racks.is_empty() {
        let _ = write!(cluster, " racks={}", c.racks.join(","));
    }
    // `kafka.version` is not a key of its own (it sets others), but a release before 3.7 also
    // drops KIP-951's leader hints, which no other key sets: print it, and the keys that differ
    // from what it sets (0.10 for a log truncated to the high watermark, else 3.6).
    let mut bd = BrokerConfig::default();
    if !c.config.current_leader_hints {
        let version = match c.config.truncation {
            khafka_sim::config::Truncation::HighWatermark => "0.10",
            khafka_sim::config::Truncation::LeaderEpoch => "3.6",
        };
        bd.set("kafka.version", version)
            .expect("a version the parser takes");
        let _ = write!(cluster, " kafka.version={version}");
    }
    cluster.push_str(&changed(
        BrokerConfig::KEYS,
        |k| c.config.get(k),
        |k| bd.get(k),
    ));
    let _ = writeln!(out, "{cluster}");
    if spec.network != LinkSpec::default() {
        let _ = writeln!(out, "network {}", describe_link(&spec.network));
    }
    // What `streams` lines bring is written by them: changelog topics and the instances' clients.
    let streams_topics = streams_topics(spec);
    let streams_clients = streams_clients(spec);
    for t in &spec.topics {
        if !streams_topics.contains(&t.name) {
            let _ = writeln!(out, "{}", topic(t));
        }
    }
    if let Some(l) = &spec.formats.level {
        let _ = writeln!(out, "registry compatibility={l}");
    }
    for (subject, l) in &spec.formats.subject_levels {
        let _ = writeln!(out, "registry subject={subject} compatibility={l}");
    }
    for sc in &spec.formats.schemas {
        let message = sc
            .message
            .as_ref()
            .map(|m| format!(" message={m}"))
            .unwrap_or_default();
        let _ = writeln!(out, "schema {} {}{message} {}", sc.name, sc.format, sc.text);
    }
    let pd = ProducerConfig::default();
    for p in &spec.producers {
        if streams_clients.contains(&p.name) {
            continue;
        }
        let mut s = format!(
            "producer {} topic={} rate={}.{:03}/s",
            p.name,
            p.topic,
            p.rate_per_ks / 1_000,
            p.rate_per_ks % 1_000
        );
        for (name, set) in [("keys", &p.keys), ("values", &p.values)] {
            match set {
                KeySpec::None => {}
                KeySpec::Range { prefix, lo, hi } => {
                    let _ = write!(s, " {name}={prefix}{lo}..{hi}");
                }
                KeySpec::List(keys) => {
                    let _ = write!(s, " {name}={}", keys.join(","));
                }
            }
        }
        if p.key_distribution == KeyDistribution::Sequential {
            s.push_str(" key.distribution=sequential");
        }
        let defaults = khafka_sim::spec::ProducerSpec::new("", "");
        if p.record_size != defaults.record_size
            && p.value_serializer.is_none()
            && p.values.is_none()
        {
            let _ = write!(s, " record.size={}", p.record_size);
        }
        if let Some(n) = p.partition {
            let _ = write!(s, " partition={n}");
        }
        if p.start != SimTime::ZERO {
            let _ = write!(s, " start={}", p.start.exact());
        }
        if let Some(stop) = p.stop {
            let _ = write!(s, " stop={}", stop.exact());
        }
        if let Some(n) = p.count {
            let _ = write!(s, " count={n}");
        }
        if p.null_value {
            s.push_str(" value=null");
        }
        if let Some(l) = p.lateness {
            let _ = write!(
                s,
                " lateness={}ms..{}ms late={}.{:04}%",
                l.min_ms,
                l.max_ms,
                l.late_ppm / 10_000,
                l.late_ppm % 10_000
            );
        }
        if let Some(ser) = &p.value_serializer {
            s.push_str(&crate::formats::serializer_keys(ser));
        }
        s.push_str(&changed(
            ProducerConfig::KEYS,
            |k| p.config.get(k),
            |k| pd.get(k),
        ));
        let _ = writeln!(out, "{s}");
    }
    let cd = ConsumerConfig::default();
    for cs in &spec.consumers {
        if streams_clients.contains(&cs.name) {
            continue;
        }
        let topics: Vec<&str> = cs.topics().collect();
        let mut s = format!("consumer {} topic={}", cs.name, topics.join(","));
        if cs.start != SimTime::ZERO {
            let _ = write!(s, " start={}", cs.start.exact());
        }
        if let Some(d) = &cs.value_decoder {
            s.push_str(&crate::formats::decoder_keys(d));
        }
        s.push_str(&changed(
            ConsumerConfig::KEYS,
            |k| cs.config.get(k),
            |k| cd.get(k),
        ));
        let _ = writeln!(out, "{s}");
    }
    #[cfg(feature = "groups")]
    for st in &spec.streams {
        let _ = writeln!(out, "{}", streams_line(st));
    }
    // A link without a bandwidth under a `network` line with one says so: settings a `link` leaves
    // out are the network's.
    let unlimited = |l: &LinkSpec| {
        if l.bandwidth_bps == 0 && spec.network.bandwidth_bps != 0 {
            " bandwidth=unlimited"
        } else {
            ""
        }
    };
    for l in &spec.links {
        // A static link is written as the `link` fault would be, without `at`.
        let text = describe_fault(&Fault::Link(l.clone()));
        let _ = writeln!(out, "{text}{}", unlimited(&l.link));
    }
    for p in &spec.producers {
        for u in p
            .value_serializer
            .iter()
            .flat_map(|s| s.uses.iter().skip(1))
        {
            let _ = writeln!(
                out,
                "at {} producer {} value.schema={} value={}",
                u.from.exact(),
                p.name,
                u.schema,
                u.value
            );
        }
    }
    for s in &spec.schedule {
        let extra = match &s.fault {
            Fault::Link(o) => unlimited(&o.link),
            _ => "",
        };
        let _ = writeln!(
            out,
            "at {} {}{extra}",
            s.at.exact(),
            describe_fault(&s.fault)
        );
    }
    let _ = writeln!(out, "run {}", spec.run_for.exact());
    out
}

/// The changelog topics `streams` lines created.
fn streams_topics(spec: &ScenarioSpec) -> Vec<String> {
    #[cfg(feature = "groups")]
    return spec
        .streams
        .iter()
        .filter(|s| s.created_changelog)
        .flat_map(|s| s.internal_topics())
        .collect();
    #[cfg(not(feature = "groups"))]
    {
        let _ = spec;
        Vec::new()
    }
}

/// The clients `streams` lines brought.
fn streams_clients(spec: &ScenarioSpec) -> Vec<String> {
    #[cfg(feature = "groups")]
    return spec
        .streams
        .iter()
        .flat_map(|s| {
            [
                s.consumer_name(),
                s.restore_consumer_name(),
                s.producer_name(),
            ]
        })
        .collect();
    #[cfg(not(feature = "groups"))]
    {
        let _ = spec;
        Vec::new()
    }
}

/// A `streams` line: its name, topics and every setting that differs from Kafka's default.
#[cfg(feature = "groups")]
fn streams_line(st: &khafka_sim::config::streams::StreamsSpec) -> String {
    let c = &st.config;
    let d = khafka_sim::config::streams::StreamsConfig::new(c.application_id.clone());
    let mut s = format!(
        "streams {} application.id={} input={} output={}",
        st.name, c.application_id, st.input, st.output
    );
    if c.commit_interval_ms != d.commit_interval_ms {
        let _ = write!(s, " commit.interval.ms={}", c.commit_interval_ms);
    }
    if c.cache_max_bytes != d.cache_max_bytes {
        let _ = write!(s, " statestore.cache.max.bytes={}", c.cache_max_bytes);
    }
    if c.replication_factor != d.replication_factor {
        let _ = write!(s, " replication.factor={}", c.replication_factor);
    }
    if c.processing_time_ms != d.processing_time_ms {
        let _ = write!(s, " sim.processing.time.ms={}", c.processing_time_ms);
    }
    if st.repartitioned() && c.repartition_purge_interval_ms != d.repartition_purge_interval_ms {
        let _ = write!(
            s,
            " repartition.purge.interval.ms={}",
            c.repartition_purge_interval_ms
        );
    }
    if c.max_task_idle_ms != d.max_task_idle_ms {
        let _ = write!(s, " max.task.idle.ms={}", c.max_task_idle_ms);
    }
    if st.start != SimTime::ZERO {
        let _ = write!(s, " start={}", st.start.exact());
    }
    if let Some(j) = &st.join {
        match &j.window {
            Some(w) => {
                let _ = write!(
                    s,
                    " stream={} window=join difference={}ms",
                    j.table, w.before_ms
                );
                if w.grace_ms > 0 {
                    let _ = write!(s, " grace={}ms", w.grace_ms);
                }
            }
            None => {
                let _ = write!(s, " table={}", j.table);
            }
        }
        if j.left {
            s.push_str(" join=left");
        }
        if j.outer {
            s.push_str(" join=outer");
        }
    }
    if st.group_by_value {
        s.push_str(" group.by=value");
    }
    if let Some(m) = st.map {
        let _ = write!(s, " map={}", m.text());
    }
    if st.reduce_sum {
        s.push_str(" aggregate=sum");
    }
    if st.aggregate_max {
        s.push_str(" aggregate=max");
    }
    if let Some(f) = &st.filter {
        let _ = write!(s, " filter={}", String::from(f.clone()));
    }
    if let Some(w) = &st.windowing {
        use khafka_sim::config::streams::Windows;
        let _ = write!(s, " window={}", w.kind());
        match w.windows {
            Windows::Time { size, advance } if size == advance => {
                let _ = write!(s, " size={size}ms");
            }
            Windows::Time { size, advance } => {
                let _ = write!(s, " size={size}ms advance={advance}ms");
            }
            Windows::Sliding { difference } => {
                let _ = write!(s, " difference={difference}ms");
            }
            Windows::Session { gap } => {
                let _ = write!(s, " gap={gap}ms");
            }
        }
        if w.grace_ms > 0 {
            let _ = write!(s, " grace={}ms", w.grace_ms);
        }
        if w.on_window_close {
            s.push_str(" emit=onWindowClose");
        }
    }
    s
}
