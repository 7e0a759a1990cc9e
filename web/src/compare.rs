//! Pin a run, change it (a knob, an edit, a live fault), and see the current run against the pinned
//! one: "lost 0 → 200". The figures are the snapshot's provenance counts (the Records table's) and
//! the engine's produce-latency metrics, after the figures the cell is about: those its headline is
//! written from (`headline::figures`: Kafka Streams against its reference, each group's lag and
//! assignment).

use khafka_sim::snapshot::ClusterSnapshot;
use khafka_sim::view::streams::StreamsView;
use khafka_sim::{Sim, SimTime};
use yew::prelude::*;

/// What a run is compared by.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSummary {
    /// What the reader would call this run: the knob settings, or "pinned run".
    pub label: String,
    pub at: SimTime,
    pub sent: u64,
    pub acknowledged: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub unavailable: u64,
    pub failed: u64,
    /// Records some consumer received.
    pub consumed: u64,
    /// Records acknowledged per second since the first was sent.
    pub throughput: u64,
    /// Bytes on the wire (compressed batches) acknowledged per second.
    pub bytes_per_sec: u64,
    /// The run's p50 produce latency, send to acknowledgement (ms), as `latency_p50` reads it.
    pub p50_ms: Option<u64>,
    /// The run's p99 produce latency (ms), as `latency_p99` reads it.
    pub p99_ms: Option<u64>,
    /// With consumer groups, over all of them: partitions revoked, their pauses (ms, summed),
    /// the longest pause (ms), records processed twice, records never processed.
    pub groups: Option<[u64; 5]>,
    /// What the cell is about, first in the table and the line: the headline's figures.
    pub focus: Vec<(&'static str, String)>,
}

impl RunSummary {
    /// `streams`: the run's Kafka Streams view, if the caller has it (computed here otherwise).
    pub fn of(
        sim: &Sim,
        snapshot: &ClusterSnapshot,
        label: String,
        streams: Option<&StreamsView>,
    ) -> RunSummary {
        let p = &snapshot.provenance;
        let own;
        let streams = match streams {
            Some(v) => Some(v),
            None => {
                own = sim.streams_view();
                own.as_ref()
            }
        };
        let focus = crate::headline::figures(sim, streams);
        // Over the whole run, as `latency_p50` and `latency_p99` compute them (a prediction beside
        // the table says the same number).
        let throughput = sim.throughput_outcome();
        RunSummary {
            label,
            at: sim.now(),
            sent: p.sent,
            acknowledged: p.acknowledged,
            lost: p.lost,
            duplicated: p.duplicated,
            unavailable: p.unavailable,
            failed: p.failed,
            consumed: p.consumed,
            throughput: throughput.records_per_sec,
            bytes_per_sec: throughput.bytes_per_sec,
            p50_ms: throughput.latency_p50_ms,
            p99_ms: throughput.latency_p99_ms,
            groups: group_figures(sim),
            focus,
        }
    }

    /// `(name, value)` rows, counts first.
    fn rows(&self) -> Vec<(&'static str, String)> {
        let ms = |v: Option<u64>| v.map_or("–".to_string(), |v| format!("{v} ms"));
        let mut rows: Vec<(&'static str, String)> = vec![
            ("sent", self.sent.to_string()),
            ("acknowledged", self.acknowledged.to_string()),
            ("lost", self.lost.to_string()),
            ("duplicated", self.duplicated.to_string()),
            ("unavailable", self.unavailable.to_string()),
            ("failed", self.failed.to_string()),
            ("consumed", self.consumed.to_string()),
            ("records/s acknowledged", self.throughput.to_string()),
            ("bytes/s acknowledged", self.bytes_per_sec.to_string()),
            ("latency p50", ms(self.p50_ms)),
            ("latency p99", ms(self.p99_ms)),
        ];
        if let Some([revoked, pause, longest, twice, never]) = self.groups {
            rows.extend([
                ("partitions revoked", revoked.to_string()),
                ("partition pauses, summed", format!("{pause} ms")),
                ("longest partition pause", format!("{longest} ms")),
                ("processed twice", twice.to_string()),
                ("never processed", never.to_string()),
            ]);
        }
        let mut all = self.focus.clone();
        all.extend(rows);
        all
    }
}

/// The groups' rebalance figures added up, `None` without a group.
fn group_figures(sim: &Sim) -> Option<[u64; 5]> {
    let groups = sim.groups();
    (!groups.is_empty()).then(|| {
        groups.iter().fold([0; 5], |a, g| {
            [
                a[0] + g.partitions_revoked,
                a[1] + g.pause_ms,
                a[2].max(g.longest_pause_ms),
                a[3] + g.processed_twice,
                a[4] + g.never_processed,
            ]
        })
    })
}

/// Figures of several runs side by side: `(column head, rows or why it did not run)`. Returns the
/// rows whose values differ as `name a SEP b SEP c`, a table of those rows, and the table of all.
/// Rows are matched by name (a knob can change which figures a run has: a sum's "added twice", a
/// maximum's "above the input's").
fn side_by_side(
    cols: &[(String, Result<RunSummary, String>)],
    sep: &str,
) -> (Vec<String>, Html, Html) {
    let rows: Vec<Vec<(&'static str, String)>> = cols
        .iter()
        .map(|(_, r)| r.as_ref().map(RunSummary::rows).unwrap_or_default())
        .collect();
    let mut names: Vec<&'static str> = Vec::new();
    for (n, _) in rows.iter().flatten() {
        if !names.contains(n) {
            names.push(n);
        }
    }
    let cell = |col: usize, row: usize| -> String {
        rows[col]
            .iter()
            .find(|(n, _)| *n == names[row])
            .map_or("–".to_string(), |(_, v)| v.clone())
    };
    let differs = |row: usize| (1..cols.len()).any(|c| cell(c, row) != cell(0, row));
    let changed: Vec<String> = (0..names.len())
        .filter(|r| differs(*r))
        .map(|r| {
            let values: Vec<String> = (0..cols.len()).map(|c| cell(c, r)).collect();
            format!("{} {}", names[r], values.join(sep))
        })
        .collect();
    let table = |only_changed: bool| {
        html! {
            <div class="table-wrap"><table class="side-by-side">
                <thead><tr><th></th>{ for cols.iter().map(|(head, _)| html! { <th scope="col">{ head }</th> }) }</tr></thead>
                { for names.iter().enumerate().filter(|(r, _)| !only_changed || differs(*r)).map(|(r, n)| html! {
                    <tr class={classes!((differs(r) && !only_changed).then_some("changed"))}><th scope="row">{ *n }</th>
                        { for (0..cols.len()).map(|c| html! { <td>{ cell(c, r) }</td> }) }</tr>
                }) }
                if cols.iter().any(|(_, r)| r.is_err()) {
                    <tr><th scope="row">{ "did not run" }</th>{ for cols.iter().map(|(_, r)| html! { <td>{ r.as_ref().err().cloned().unwrap_or_default() }</td> }) }</tr>
                }
            </table></div>
        }
    };
    (changed, table(true), table(false))
}

/// "`subject`: what differs" and a close button over a table of it (or "`subject`: the same
/// figures"), then every figure under "All figures side by side".
fn framed(
    class: &'static str,
    subject: String,
    (changed, changed_table, table): (Vec<String>, Html, Html),
    close: (&'static str, Callback<MouseEvent>),
) -> Html {
    html! {
        <div class={class}>
            <p class="compare-line"><strong>{ subject }</strong>
                { if changed.is_empty() { ": the same figures" } else { ": what differs" } }
                <button class="small" onclick={close.1}>{ close.0 }</button></p>
            if !changed.is_empty() { { changed_table } }
            <details class="compare-all"><summary>{ "All figures side by side" }</summary>{ table }</details>
        </div>
    }
}

/// The pinned run against the current one: "lost 0 → 200", and the full table.
pub fn render(pinned: &RunSummary, current: &RunSummary, on_unpin: Callback<MouseEvent>) -> Html {
    let when = |s: &RunSummary| crate::cluster_view::fmt_time(s.at);
    let cols = [
        (
            format!("pinned: {} (at {})", pinned.label, when(pinned)),
            Ok(pinned.clone()),
        ),
        (
            format!("now: {} (at {})", current.label, when(current)),
            Ok(current.clone()),
        ),
    ];
    framed(
        "compare",
        format!("vs {}", pinned.label),
        side_by_side(&cols, " → "),
        ("Unpin", on_unpin),
    )
}

/// Small multiples: one column per value of a knob, same seed and faults ("lost 312 | 200 | 0").
pub fn render_sweep(
    key: &str,
    runs: &[(String, Result<RunSummary, String>)],
    on_close: Callback<MouseEvent>,
) -> Html {
    // The title names the key: each column is its value alone (`zstd`, not
    // `compression.type=zstd`), so five values fit a 1280-pixel page.
    let prefix = format!("{key}=");
    let columns: Vec<(String, Result<RunSummary, String>)> = runs
        .iter()
        .map(|(label, run)| {
            let short = label.strip_prefix(&prefix).unwrap_or(label);
            (short.to_string(), run.clone())
        })
        .collect();
    framed(
        "sweep",
        format!("Every {key}"),
        side_by_side(&columns, " | "),
        ("Close", on_close),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `n`-th cell (from 0) of a lesson with `from` replaced by `to`, run to its end and
    /// summed up.
    fn summary_of(file: &str, n: usize, from: &str, to: &str) -> RunSummary {
        let cell = crate::headline::lesson_cells(file)[n].replace(from, to);
        let scenario = khafka_scenario::parse(&cell).unwrap();
        let mut sim = Sim::with_options(scenario.spec.clone(), scenario.sim_options());
        sim.run_until(scenario.spec.run_for);
        RunSummary::of(&sim, &sim.snapshot(), to.to_string(), None)
    }

    /// What differs between the runs, as the line over the table says it.
    fn changed(runs: &[RunSummary]) -> Vec<String> {
        let cols: Vec<(String, Result<RunSummary, String>)> = runs
            .iter()
            .map(|r| (r.label.clone(), Ok(r.clone())))
            .collect();
        side_by_side(&cols, " | ").0
    }

    /// Range against round robin on two topics: the cluster figures are the same, the assignment
    /// (what the cell is about) is not, and the line says so.
    #[test]
    fn a_sweep_compares_what_the_cell_is_about() {
        let file = "04c-partition-assignment.md";
        let cell = crate::headline::lesson_cells(file)
            .iter()
            .position(|c| c.contains("consumer c1 topic=orders,payments"))
            .unwrap();
        let runs = [
            summary_of(file, cell, "RangeAssignor", "RangeAssignor"),
            summary_of(file, cell, "RangeAssignor", "RoundRobinAssignor"),
        ];
        let line = changed(&runs);
        assert!(
            line.iter().any(|l| l.starts_with(
                "partitions per member c1 4 (orders-0 orders-1 payments-0 payments-1), c2 2 (orders-2 payments-2) | "
            ) && l.contains(" | c1 3 (")),
            "{line:?}"
        );
    }
}
