//! Pin a run, change it (a knob, an edit, a live fault), and see the current run against the pinned
//! one: "lost 0 → 200". The figures are the snapshot's provenance counts (the Records table's) and
//! the engine's produce-latency metrics.

use khafka_sim::snapshot::ClusterSnapshot;
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
    /// Records acknowledged per second since the first was sent.
    pub throughput: u64,
    /// The median over the run's seconds of each second's p50 produce latency (ms), over the `acks`
    /// values the run used.
    pub p50_ms: Option<f64>,
    /// The highest p99 produce latency of any second of the run (ms).
    pub p99_ms: Option<f64>,
}

impl RunSummary {
    pub fn of(sim: &Sim, snapshot: &ClusterSnapshot, label: String) -> RunSummary {
        let p = &snapshot.provenance;
        let series = |prefix: &str| -> Vec<f64> {
            sim.metrics()
                .series
                .iter()
                .filter(|(name, _)| name.starts_with(prefix))
                .flat_map(|(_, v)| v.iter().copied())
                .filter(|v| *v > 0.0)
                .collect()
        };
        let mut p50 = series("ProduceLatencyP50Ms");
        khafka_sim::kernel::small::sort_by(&mut p50, f64::total_cmp);
        let p99 = series("ProduceLatencyP99Ms");
        RunSummary {
            label,
            at: sim.now(),
            sent: p.sent,
            acknowledged: p.acknowledged,
            lost: p.lost,
            duplicated: p.duplicated,
            unavailable: p.unavailable,
            failed: p.failed,
            throughput: sim.throughput_outcome().records_per_sec,
            p50_ms: p50.get(p50.len() / 2).copied(),
            p99_ms: p99.into_iter().reduce(f64::max),
        }
    }

    /// `(name, value)` rows, counts first.
    fn rows(&self) -> Vec<(&'static str, String)> {
        let ms = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.0} ms"));
        vec![
            ("sent", self.sent.to_string()),
            ("acknowledged", self.acknowledged.to_string()),
            ("lost", self.lost.to_string()),
            ("duplicated", self.duplicated.to_string()),
            ("unavailable", self.unavailable.to_string()),
            ("failed", self.failed.to_string()),
            ("records/s acknowledged", self.throughput.to_string()),
            ("latency p50", ms(self.p50_ms)),
            ("latency p99 (worst second)", ms(self.p99_ms)),
        ]
    }
}

/// Figures of several runs side by side: `(column head, rows or why it did not run)`. Returns the
/// rows whose values differ as `name a SEP b SEP c`, and the table.
fn side_by_side(cols: &[(String, Result<RunSummary, String>)], sep: &str) -> (Vec<String>, Html) {
    let rows: Vec<Vec<(&'static str, String)>> = cols
        .iter()
        .map(|(_, r)| r.as_ref().map(RunSummary::rows).unwrap_or_default())
        .collect();
    let names: Vec<&'static str> = rows
        .iter()
        .find(|r| !r.is_empty())
        .map(|r| r.iter().map(|(n, _)| *n).collect())
        .unwrap_or_default();
    let cell = |col: usize, row: usize| -> String {
        rows[col]
            .get(row)
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
    let table = html! {
        <div class="table-wrap"><table class="side-by-side">
            <thead><tr><th></th>{ for cols.iter().map(|(head, _)| html! { <th scope="col">{ head }</th> }) }</tr></thead>
            { for names.iter().enumerate().map(|(r, n)| html! {
                <tr class={classes!(differs(r).then_some("changed"))}><th scope="row">{ *n }</th>
                    { for (0..cols.len()).map(|c| html! { <td>{ cell(c, r) }</td> }) }</tr>
            }) }
            if cols.iter().any(|(_, r)| r.is_err()) {
                <tr><th scope="row">{ "did not run" }</th>{ for cols.iter().map(|(_, r)| html! { <td>{ r.as_ref().err().cloned().unwrap_or_default() }</td> }) }</tr>
            }
        </table></div>
    };
    (changed, table)
}

/// One line over a table: `lead` then what differs (or that nothing does), and a close button.
fn framed(
    class: &'static str,
    lead: String,
    changed: Vec<String>,
    table: Html,
    close: (&'static str, Callback<MouseEvent>),
) -> Html {
    let line = if changed.is_empty() {
        "the same figures".to_string()
    } else {
        changed.join(" · ")
    };
    html! {
        <div class={class}>
            <p class="compare-line"><strong>{ lead }</strong>{ line }
                <button class="small" onclick={close.1}>{ close.0 }</button></p>
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
    let (changed, table) = side_by_side(&cols, " → ");
    framed(
        "compare",
        format!("vs {}: ", pinned.label),
        changed,
        table,
        ("Unpin", on_unpin),
    )
}

/// Small multiples: one column per value of a knob, same seed and faults ("lost 312 | 200 | 0").
pub fn render_sweep(
    key: &str,
    runs: &[(String, Result<RunSummary, String>)],
    on_close: Callback<MouseEvent>,
) -> Html {
    let (changed, table) = side_by_side(runs, " | ");
    let values: Vec<&str> = runs
        .iter()
        .map(|(l, _)| l.split_once('=').map_or(l.as_str(), |(_, v)| v))
        .collect();
    framed(
        "sweep",
        format!("{key} {} → ", values.join(" | ")),
        changed,
        table,
        ("Close", on_close),
    )
}
