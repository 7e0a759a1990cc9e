//! A run the browser tab cannot hold is refused before it starts, with an estimate, instead of
//! freezing the tab and then killing it when WebAssembly runs out of memory.
//!
//! The estimate is the scenario's record count (each producer's rate over its active time, capped
//! by its `count`) and its checkpoints. The two costs are the ones measured in issue 13 with
//! Chromium: 20,000 records/s for 1,300 s (26 M records) exhausted the 4 GB of WebAssembly memory,
//! about 165 bytes a record; an idle cluster grew about 390 KB per checkpoint (one a simulated
//! second then). Both are rough: the budget keeps well below the 4 GB limit.
//!
//! Checkpoints are spaced by the run's length ([`checkpoint_interval`]): at most
//! [`CHECKPOINTS_MAX`] of them, so a long quiet run costs a bounded amount, and a seek replays at
//! most one interval.

use khafka_sim::{ScenarioSpec, SimTime, Timeline};

const BYTES_PER_RECORD: u64 = 165;
const BYTES_PER_CHECKPOINT: u64 = 400_000;
/// The most checkpoints a run keeps.
pub const CHECKPOINTS_MAX: u64 = 300;

/// How far apart a run's checkpoints are: `at_least` (1 s in a cell, 2 s in the presenter), or
/// more for a run longer than [`CHECKPOINTS_MAX`] of those, in whole seconds.
pub fn checkpoint_interval(spec: &ScenarioSpec, at_least: SimTime) -> SimTime {
    let secs = spec
        .run_for
        .as_us()
        .div_ceil(1_000_000)
        .div_ceil(CHECKPOINTS_MAX);
    SimTime::from_secs(secs).max(at_least)
}
/// What a run's checkpoints (its history for seeking) may cost, within [`BUDGET_BYTES`]: beyond it
/// the engine keeps fewer, further apart (`Timeline::set_history_budget`).
pub const HISTORY_BYTES: u64 = 512 << 20;

/// A run's timeline as the site keeps it: checkpoints spaced by the run's length
/// ([`checkpoint_interval`], at least `at_least` apart) and within [`HISTORY_BYTES`].
pub fn timeline(spec: &ScenarioSpec, opts: khafka_sim::SimOptions, at_least: SimTime) -> Timeline {
    let every = checkpoint_interval(spec, at_least);
    let mut timeline = Timeline::new(spec.clone(), opts, every);
    timeline.set_history_budget(HISTORY_BYTES);
    timeline
}

/// What one run may take: half of what WebAssembly can address (the previous run is freed before
/// the next is built). The browser benchmark's 10-minute standard run, about 6 M records, fits.
pub const BUDGET_BYTES: u64 = 2 << 30;

/// `(records, bytes)` a run of `spec` is expected to need.
pub fn estimate(spec: &ScenarioSpec) -> (u64, u64) {
    let end_us = spec.run_for.as_us();
    // The engine's own estimate of the records (rates over active time, capped by counts).
    let records = khafka_sim::budget::estimate(spec).records;
    let interval = checkpoint_interval(spec, SimTime::from_secs(1))
        .as_us()
        .max(1);
    let bytes = records
        .saturating_mul(BYTES_PER_RECORD)
        .saturating_add((end_us / interval).saturating_mul(BYTES_PER_CHECKPOINT));
    (records, bytes)
}

/// Why `spec` will not run here, or `None` if it fits.
pub fn refusal(spec: &ScenarioSpec) -> Option<String> {
    let (records, bytes) = estimate(spec);
    (bytes > BUDGET_BYTES).then(|| {
        format!(
            "Not run: about {} records over {} s of simulated time would need about {} of memory, too much for a browser tab (this page allows {}). Lower the rate, shorten `run`, or run it with the command-line tool (`khafka run`).",
            human(records as f64, ""),
            spec.run_for.as_us() / 1_000_000,
            human(bytes as f64, "B"),
            human(BUDGET_BYTES as f64, "B"),
        )
    })
}

/// `12 M`, `1.1 GB`, `3,400`.
fn human(v: f64, unit: &str) -> String {
    let (div, prefix) = if v >= 1e9 {
        (1e9, " G")
    } else if v >= 1e6 {
        (1e6, " M")
    } else if v >= 1e3 && !unit.is_empty() {
        (1e3, " k")
    } else {
        (1.0, " ")
    };
    let x = v / div;
    let digits = if x < 10.0 && div > 1.0 { 1 } else { 0 };
    format!("{x:.digits$}{prefix}{unit}").trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use khafka_sim::spec::ProducerSpec;

    fn spec(rate_per_s: u64, run_s: u64) -> ScenarioSpec {
        let mut s = ScenarioSpec {
            run_for: SimTime::from_secs(run_s),
            ..ScenarioSpec::default()
        };
        let mut p = ProducerSpec::new("p", "t");
        p.rate_per_ks = rate_per_s * 1000;
        s.producers.push(p);
        s
    }

    #[test]
    fn the_runs_issue_13_saw_kill_the_tab_are_refused_and_lessons_are_not() {
        // rate=1000000/s for 30 s and 20,000/s for 1,300 s are refused.
        assert!(refusal(&spec(1_000_000, 30)).is_some());
        let r = refusal(&spec(20_000, 1_300)).unwrap();
        assert!(r.contains("about 26 M records"), "{r}");
        // Lesson-sized runs and the standard scenario's size run.
        assert!(refusal(&spec(2_000, 30)).is_none());
        assert!(refusal(&spec(10_000, 60)).is_none());
        assert!(
            refusal(&spec(10_000, 600)).is_none(),
            "the browser benchmark's long run"
        );
        // The engine's estimate: 100/s for 20 s, and the first record at the start.
        assert_eq!(estimate(&spec(100, 20)).0, 2_001);
        // An idle 10,000 s keeps 300 checkpoints (34 s apart), not 10,000: it runs.
        let idle = ScenarioSpec {
            run_for: SimTime::from_secs(10_000),
            ..ScenarioSpec::default()
        };
        assert_eq!(
            checkpoint_interval(&idle, SimTime::from_secs(1)),
            SimTime::from_secs(34)
        );
        assert!(estimate(&idle).1 < 130_000_000 && refusal(&idle).is_none());
        // A one-hour presenter session at the demo's 200 records/s: under 300 MB.
        assert!(estimate(&spec(200, 3_600)).1 < 300_000_000);
        // Lessons keep a checkpoint a second.
        assert_eq!(
            checkpoint_interval(&spec(100, 20), SimTime::from_secs(1)),
            SimTime::from_secs(1)
        );
    }
}
