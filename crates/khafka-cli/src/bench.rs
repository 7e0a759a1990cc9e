//! `khafka bench`: the engine's performance figures, measured on this machine.
//!
//! - **standard**: `tests/scenarios/standard.khafka` (3 brokers, 12 partitions × RF 3, 10,000
//!   records/s, a leader crash at 20 s and restart at 40 s, 60 s simulated). Goals: ≥ 1,000× real
//!   time and ≥ 5 million events/s.
//! - **scale**: 50 brokers, 2,000 partitions × RF 3, 20 producers, 60 s simulated. Goals: ≥ 100× real
//!   time, peak memory < 500 MB.
//! - **seek**: a 10-minute standard run in a `Timeline`; seek to instants spread over it. Goal:
//!   ≤ 50 ms per seek.
//! - **groups**: the standard run with 3 consumer groups of 6 members each added (18 consumers,
//!   each group reading every record), classic and KIP-848. Goal (issue 8): within 1.5× of the
//!   standard run's time.
//!
//! Wall-clock time is read here, in the CLI, never inside the engine.

use khafka_scenario::parse;
use khafka_sim::spec::{ProducerSpec, ScenarioSpec, TopicSpec};
use khafka_sim::{Sim, SimOptions, SimTime, Timeline};
use std::time::Instant;

/// Checkpoint spacing of the seek benchmark (the replay after a restore is at most this long).
const CHECKPOINT_EVERY_S: u64 = 2;

const STANDARD: &str = include_str!("../../../tests/scenarios/standard.khafka");

fn opts() -> SimOptions {
    SimOptions {
        keep_trace: false,
        check_invariants: false,
        metrics_interval_us: 1_000_000,
        flow_latency: false,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Peak resident memory of this process, from `/proc/self/status` (Linux only).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

pub fn standard_spec() -> ScenarioSpec {
    parse(STANDARD).expect("standard.khafka parses").spec
}

fn scale_spec() -> ScenarioSpec {
    let mut spec = ScenarioSpec {
        seed: 1,
        run_for: SimTime::from_secs(60),
        ..ScenarioSpec::default()
    };
    spec.cluster.brokers = 50;
    for t in 0..4 {
        spec.topics.push(TopicSpec {
            name: format!("t{t}"),
            partitions: 500,
            replication_factor: 3,
            assignment: None,
            config: Default::default(),
        });
    }
    for p in 0..20 {
        let mut ps = ProducerSpec::new(format!("p{p}"), format!("t{}", p % 4));
        ps.rate_per_ks = 1_000 * 1_000; // 1,000 records/s each
        ps.keys = khafka_sim::spec::KeySpec::Range {
            prefix: "k".into(),
            lo: 0,
            hi: 99_999,
        };
        spec.producers.push(ps);
    }
    spec
}

pub fn run(quick: bool) -> Result<u8, String> {
    // `KHAFKA_BENCH_ONLY=standard|scale|seek|groups|groups-classic|groups-consumer` runs one part
    // alone (for profilers).
    let only = std::env::var("KHAFKA_BENCH_ONLY").ok();
    if std::env::var("KHAFKA_BENCH_KINDS").is_ok() {
        // Events by kind, of the scale run with `KHAFKA_BENCH_ONLY=scale`, else the standard run;
        // every kind when one part is chosen, else the 25 most frequent.
        let spec = match only.as_deref() {
            Some("scale") => scale_spec(),
            Some("groups") => groups_spec("classic"),
            _ => standard_spec(),
        };
        let mut sim = Sim::with_options(spec, opts());
        sim.count_event_kinds();
        let secs = std::env::var("KHAFKA_BENCH_KINDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(60);
        sim.run_until(SimTime::from_secs(secs));
        let mut kinds: Vec<_> = sim.events_by_kind().iter().collect();
        kinds.sort_by_key(|(_, n)| std::cmp::Reverse(**n));
        let shown = if only.is_some() { usize::MAX } else { 25 };
        for (k, n) in kinds.iter().take(shown) {
            out!("{n:>10} {k}");
        }
    }
    let reps = if quick { 1 } else { 5 };
    let wanted = |part: &str| only.as_deref().is_none_or(|o| o == part);
    if wanted("standard") {
        bench_standard(reps);
    }
    if wanted("scale") {
        bench_scale();
    }
    if wanted("seek") {
        bench_seek();
    }
    if wanted("groups") {
        bench_groups(reps);
    }
    // One groups run alone (`groups-classic` or `groups-consumer`), for an instruction profile
    // of what groups add.
    if let Some(protocol @ ("classic" | "consumer")) =
        only.as_deref().and_then(|o| o.strip_prefix("groups-"))
    {
        let (wall, events) = time_runs(&groups_spec(protocol), 1);
        out!("groups-{protocol}: {:.1} ms ({events} events)", wall * 1e3);
    }
    Ok(0)
}

/// The standard scenario with 3 groups × 6 members, `group.protocol=PROTOCOL`.
pub fn groups_spec(protocol: &str) -> ScenarioSpec {
    let mut text = String::new();
    for line in STANDARD.lines() {
        if line.starts_with("at 20s") {
            for g in 1..=3 {
                for m in 1..=6 {
                    text.push_str(&format!(
                        "consumer g{g}c{m} topic=orders group.id=g{g} group.protocol={protocol} \
                         auto.offset.reset=earliest\n"
                    ));
                }
            }
        }
        text.push_str(line);
        text.push('\n');
    }
    parse(&text).expect("the groups benchmark parses").spec
}

/// Median wall time (s) of `reps` runs of `spec`, and its event count.
fn time_runs(spec: &ScenarioSpec, reps: usize) -> (f64, u64) {
    let mut walls = Vec::new();
    let mut events = 0;
    for _ in 0..reps {
        let mut sim = Sim::with_options(spec.clone(), opts());
        let t0 = Instant::now();
        sim.run();
        walls.push(t0.elapsed().as_secs_f64());
        events = sim.events_processed();
    }
    (median(walls), events)
}

fn bench_groups(reps: usize) {
    let (base, base_events) = time_runs(&standard_spec(), reps);
    out!(
        "groups: standard without groups {:.1} ms ({base_events} events, median of {reps})",
        base * 1e3
    );
    for protocol in ["classic", "consumer"] {
        let (wall, events) = time_runs(&groups_spec(protocol), reps);
        out!(
            "groups: + 3 groups x 6 members, group.protocol={protocol}: {:.1} ms ({events} events) = {:.2}x the standard run (goal <= 1.5x)",
            wall * 1e3,
            wall / base
        );
    }
}

fn bench_standard(reps: usize) {
    let spec = standard_spec();
    let sim_secs = spec.run_for.as_us() as f64 / 1e6;
    let mut walls = Vec::new();
    let mut events = 0;
    let mut hash = 0;
    let mut wakes = (0, 0);
    for _ in 0..reps {
        let mut sim = Sim::with_options(spec.clone(), opts());
        let t0 = Instant::now();
        sim.run();
        walls.push(t0.elapsed().as_secs_f64());
        events = sim.events_processed();
        hash = sim.trace_hash();
        wakes = sim.sender_wakes();
    }
    let wall = median(walls);
    out!(
        "standard: {sim_secs:.0} s simulated in {:.1} ms (median of {reps}) = {:.0}x real time; {events} events = {:.2} M events/s; trace hash {}",
        wall * 1e3,
        sim_secs / wall,
        events as f64 / wall / 1e6,
        khafka_sim::trace::format_hash(hash)
    );
    out!(
        "standard: {} sender wake-ups, {} of them sent nothing",
        wakes.0,
        wakes.1
    );
}

fn bench_scale() {
    let spec = scale_spec();
    let mut sim = Sim::with_options(spec.clone(), opts());
    let t0 = Instant::now();
    sim.run();
    let wall = t0.elapsed().as_secs_f64();
    // What the run did, so a faster figure cannot come from a run that does less.
    let counts = sim.outcome().provenance;
    let (sent, acked) = (counts.sent, counts.acknowledged);
    out!(
        "scale: 50 brokers, 2000 partitions, 20 producers (20,000 records/s): 60 s simulated in {:.2} s = {:.0}x real time; {} events = {:.2} M events/s; {sent} records sent, {acked} acknowledged; trace hash {}; peak RSS {} MB",
        wall,
        60.0 / wall,
        sim.events_processed(),
        sim.events_processed() as f64 / wall / 1e6,
        khafka_sim::trace::format_hash(sim.trace_hash()),
        peak_rss_mb().map_or("n/a".into(), |m| format!("{m:.0}"))
    );
}

/// Seek in a 10-minute standard run.
fn bench_seek() {
    let mut spec = standard_spec();
    spec.run_for = SimTime::from_secs(600);
    let mut tl = Timeline::new(spec, opts(), SimTime::from_secs(CHECKPOINT_EVERY_S));
    let t0 = Instant::now();
    tl.seek(SimTime::from_secs(600));
    let build = t0.elapsed().as_secs_f64();
    // The verdict counts (lost, duplicated, committed…): the running counts each picture reads,
    // and the same counted from scratch with one pass over every record.
    let t0 = Instant::now();
    let counts = tl.sim().provenance_counts();
    let verdict_ms = t0.elapsed().as_secs_f64() * 1e3;
    let t0 = Instant::now();
    let recomputed = tl.sim().provenance_counts_recomputed();
    let recomputed_ms = t0.elapsed().as_secs_f64() * 1e3;
    assert_eq!(counts, recomputed, "running verdict counts drifted");
    out!(
        "verdict counts over {} records at 600 s: {verdict_ms:.2} ms (from scratch: {recomputed_ms:.1} ms)",
        counts.sent
    );
    let mut seeks = Vec::new();
    // Instants spread over the run, including the worst case just before a checkpoint.
    let targets: Vec<u64> = (0..40u64)
        .map(|i| (i * 14_999_731 + 4_999_000) % 600_000_000)
        .collect();
    for t in targets {
        let t0 = Instant::now();
        tl.seek(SimTime(t));
        // What a picture needs besides the cluster state.
        std::hint::black_box(tl.sim().provenance_counts());
        seeks.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    // Seeks that land exactly on a checkpoint measure the restore alone (no replay).
    let mut restores = Vec::new();
    for i in 0..10u64 {
        let t0 = Instant::now();
        tl.seek(SimTime::from_secs(CHECKPOINT_EVERY_S * (i * 11 % 120)));
        restores.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    let max = seeks.iter().cloned().fold(0.0, f64::max);
    out!(
        "seek: 10-minute standard run built in {:.2} s with {} checkpoints; {} seeks (with verdict counts): median {:.1} ms, max {:.1} ms (restore alone: median {:.1} ms); peak RSS {} MB",
        build,
        tl.checkpoint_count(),
        seeks.len(),
        median(seeks),
        max,
        median(restores),
        peak_rss_mb().map_or("n/a".into(), |m| format!("{m:.0}"))
    );
}
