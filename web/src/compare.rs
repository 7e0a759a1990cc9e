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
            sim.metrics
                .series
                .iter()
                .filter(|(name, _)| name.starts_with(prefix))
                .flat_map(|(_, v)| v.iter().copied())
                .filter(|v| *v > 0.0)
                .collect()
        };
        let mut p50 = series("ProduceLatencyP50Ms");
        p50.sort_by(f64::total_cmp);
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
            p50_ms: p50.get(p50.len() / 2).copied(),
            p99_ms: p99.into_iter().reduce(f64::max),
        }
    }

    /// `(name, value)` rows, counts first.
    pub fn rows(&self) -> Vec<(&'static str, String)> {
        let ms = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.0} ms"));
        vec![
            ("sent", self.sent.to_string()),
            ("acknowledged", self.acknowledged.to_string()),
            ("lost", self.lost.to_string()),
            ("duplicated", self.duplicated.to_string()),
            ("unavailable", self.unavailable.to_string()),
            ("failed", self.failed.to_string()),
            ("latency p50", ms(self.p50_ms)),
            ("latency p99 (worst second)", ms(self.p99_ms)),
        ]
    }
}

/// The pinned run against the current one: a line with what changed, and the full table.
pub fn render(pinned: &RunSummary, current: &RunSummary, on_unpin: Callback<MouseEvent>) -> Html {
    let rows: Vec<_> = pinned.rows().into_iter().zip(current.rows()).collect();
    let changed: Vec<String> = rows
        .iter()
        .filter(|((_, a), (_, b))| a != b)
        .map(|((name, a), (_, b))| format!("{name} {a} → {b}"))
        .collect();
    let line = if changed.is_empty() {
        "the same figures as the pinned run".to_string()
    } else {
        changed.join(" · ")
    };
    let when = |s: &RunSummary| crate::cluster_view::fmt_time(s.at);
    html! {
        <div class="compare" aria-label="Compared with the pinned run">
            <p class="compare-line"><strong>{ format!("vs {}: ", pinned.label) }</strong>{ line }
                <button class="small" onclick={on_unpin}>{ "Unpin" }</button></p>
            <details class="compare-all"><summary>{ "All figures side by side" }</summary>
            <table class="compare-table">
                <thead><tr><th></th>
                    <th scope="col">{ format!("pinned: {} (at {})", pinned.label, when(pinned)) }</th>
                    <th scope="col">{ format!("now: {} (at {})", current.label, when(current)) }</th></tr></thead>
                { for rows.iter().map(|((name, a), (_, b))| html! {
                    <tr class={classes!((a != b).then_some("changed"))}><th scope="row">{ *name }</th><td>{ a }</td><td>{ b }</td></tr>
                }) }
            </table>
            </details>
        </div>
    }
}

/// Small multiples: one column per value of a knob, same seed and faults. The first line names
/// what differs ("lost 312 | 200 | 0").
pub fn render_sweep(
    key: &str,
    runs: &[(String, Result<RunSummary, String>)],
    current: Option<&str>,
    on_close: Callback<MouseEvent>,
) -> Html {
    let rows: Vec<Vec<(&'static str, String)>> = runs
        .iter()
        .map(|(_, r)| r.as_ref().map(RunSummary::rows).unwrap_or_default())
        .collect();
    let names: Vec<&'static str> = rows
        .iter()
        .find(|r| !r.is_empty())
        .map(|r| r.iter().map(|(n, _)| *n).collect())
        .unwrap_or_default();
    let cell = |run: usize, row: usize| -> String {
        match &runs[run].1 {
            Ok(_) => rows[run][row].1.clone(),
            Err(_) => "–".to_string(),
        }
    };
    let differs: Vec<String> = names
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            let first = cell(0, *i);
            (1..runs.len()).any(|r| cell(r, *i) != first)
        })
        .take(3)
        .map(|(i, n)| {
            let values: Vec<String> = (0..runs.len()).map(|r| cell(r, i)).collect();
            format!("{n} {}", values.join(" | "))
        })
        .collect();
    let values: Vec<&str> = runs
        .iter()
        .map(|(l, _)| l.split_once('=').map_or(l.as_str(), |(_, v)| v))
        .collect();
    html! {
        <div class="sweep" aria-label={format!("Every value of {key}")}>
            <p class="sweep-line"><strong>{ format!("{key} {} → ", values.join(" | ")) }</strong>
                { if differs.is_empty() { "the same figures for every value".to_string() } else { differs.join(" · ") } }
                <button class="small" onclick={on_close}>{ "Close" }</button></p>
            <div class="table-wrap"><table class="sweep-table">
                <thead><tr><th></th>{ for runs.iter().map(|(label, _)| {
                    let now = current.is_some_and(|c| label.split_once('=').is_some_and(|(_, v)| v == c));
                    html! { <th scope="col" class={classes!(now.then_some("current"))}>{ label }{ if now { " (editor)" } else { "" } }</th> }
                }) }</tr></thead>
                { for names.iter().enumerate().map(|(i, n)| html! {
                    <tr><th scope="row">{ *n }</th>{ for (0..runs.len()).map(|r| html! { <td>{ cell(r, i) }</td> }) }</tr>
                }) }
                if runs.iter().any(|(_, r)| r.is_err()) {
                    <tr><th scope="row">{ "did not run" }</th>{ for runs.iter().map(|(_, r)| html! { <td>{ r.as_ref().err().cloned().unwrap_or_default() }</td> }) }</tr>
                }
            </table></div>
        </div>
    }
}
