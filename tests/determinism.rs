//! Determinism: the same scenario and seed give the same trace hash twice, and the hashes match the
//! golden file `tests/golden/trace-hashes.txt`, which the wasm32 build is checked against too
//! (`cargo xtask test` runs the same scenarios in Node and compares). Regenerate the golden file
//! after an intended behaviour change with `KHAFKA_UPDATE_GOLDEN=1 cargo test -p khafka-tests
//! --test determinism`.
//!
//! Beside each hash, `tests/golden/traces/` keeps the run's notable events as text (one JSON object a
//! line: faults, elections, ISR changes, truncations, errors…), so a behaviour change shows as a diff
//! of what happened, not only as a new hash.

use khafka_sim::trace::format_hash;
use khafka_sim::{Sim, SimOptions};
use khafka_tests::{load, runnable_scenarios, scenarios_dir};
use std::path::Path;

/// Every runnable scenario, named by its path under `tests/scenarios`.
fn runnable_by_name() -> impl Iterator<Item = (String, khafka_scenario::Scenario)> {
    let root = scenarios_dir();
    runnable_scenarios().into_iter().map(move |path| {
        let rel = path.strip_prefix(&root).unwrap().display().to_string();
        (rel, load(&path))
    })
}

/// Runs without the invariant checks (they do not change a run, only slow it).
fn unchecked() -> SimOptions {
    SimOptions {
        check_invariants: false,
        ..SimOptions::default()
    }
}

/// The trace hash of a run, and its notable events as text.
fn run_of(path: &Path) -> (String, String) {
    let scenario = load(path);
    let opts = SimOptions {
        check_invariants: false,
        ..SimOptions::default()
    };
    let mut sim = Sim::with_options(scenario.spec, opts);
    sim.run();
    let mut text = String::new();
    for ev in sim.notable_events() {
        text.push_str(&serde_json::to_string(ev).expect("trace events serialize"));
        text.push('\n');
    }
    (format_hash(sim.trace_hash()), text)
}

/// The first line where two texts differ, for a readable failure.
fn first_difference(want: &str, got: &str) -> String {
    let (mut w, mut g) = (want.lines(), got.lines());
    for n in 1.. {
        match (w.next(), g.next()) {
            (None, None) => break,
            (a, b) if a == b => continue,
            (a, b) => {
                return format!(
                    "line {n}:\n  golden: {}\n  now:    {}",
                    a.unwrap_or("(end)"),
                    b.unwrap_or("(end)")
                )
            }
        }
    }
    "no difference".into()
}

#[test]
fn same_seed_same_hash_and_matches_golden() {
    let root = scenarios_dir();
    let golden_path = root.join("../golden/trace-hashes.txt");
    let traces_dir = root.join("../golden/traces");
    let update = std::env::var("KHAFKA_UPDATE_GOLDEN").is_ok();
    let mut lines = Vec::new();
    let mut trace_diffs = Vec::new();
    for path in runnable_scenarios() {
        let rel = path.strip_prefix(&root).unwrap().display().to_string();
        let (a, trace) = run_of(&path);
        let (b, _) = run_of(&path);
        assert_eq!(a, b, "{rel}: two runs of the same seed differ");
        lines.push(format!("{rel} {a}"));
        let trace_path = traces_dir.join(rel.replace('/', "__").replace(".khafka", ".jsonl"));
        if update {
            std::fs::create_dir_all(&traces_dir).unwrap();
            std::fs::write(&trace_path, &trace).unwrap();
        } else {
            let golden = std::fs::read_to_string(&trace_path).unwrap_or_default();
            if golden != trace {
                trace_diffs.push(format!("{rel}: {}", first_difference(&golden, &trace)));
            }
        }
    }
    let text = lines.join("\n") + "\n";
    if update {
        std::fs::write(&golden_path, &text).unwrap();
        return;
    }
    assert!(
        trace_diffs.is_empty(),
        "notable events changed; if intended, regenerate with KHAFKA_UPDATE_GOLDEN=1:\n{}",
        trace_diffs.join("\n")
    );
    let golden = std::fs::read_to_string(&golden_path).unwrap_or_default();
    assert_eq!(
        golden, text,
        "trace hashes changed; if intended, regenerate with KHAFKA_UPDATE_GOLDEN=1"
    );
}

#[test]
fn a_different_seed_gives_a_different_trace() {
    let path = scenarios_dir().join("standard.khafka");
    let mut s = load(&path);
    let mut a = Sim::new(s.spec.clone());
    a.run_until(khafka_sim::SimTime::from_secs(5));
    s.spec.seed += 1;
    let mut b = Sim::new(s.spec);
    b.run_until(khafka_sim::SimTime::from_secs(5));
    assert_ne!(a.trace_hash(), b.trace_hash());
}

/// Where a run stops to be observed changes nothing: stepping every scenario in uneven slices (as the
/// site's playback does) gives the hash of one uninterrupted run. Records are generated lazily
/// (`Producer::generate_next`), so this is what keeps their ids independent of observation points.
#[test]
fn observing_a_run_midway_changes_nothing() {
    for (rel, scenario) in runnable_by_name() {
        let opts = unchecked();
        let mut whole = Sim::with_options(scenario.spec.clone(), opts.clone());
        whole.run();
        let mut sliced = Sim::with_options(scenario.spec.clone(), opts);
        let end = scenario.spec.run_for.as_us();
        // Slices of 1 µs to ~17 ms, uneven so they fall between, on and beside events.
        let mut t = 0;
        let mut step = 1;
        while t < end {
            t = (t + step).min(end);
            sliced.run_until(khafka_sim::SimTime(t));
            step = (step * 7 + 3) % 17_011;
        }
        assert_eq!(
            format_hash(sliced.trace_hash()),
            format_hash(whole.trace_hash()),
            "{rel}: a run observed midway differs from a run in one go"
        );
        assert_eq!(sliced.outcome(), whole.outcome(), "{rel}");
    }
}

/// The site computes a scenario's formats table in two codec bundles when it has both Avro and
/// Protobuf schemas: each answers what it can and hands the rest on (`sim_table::step`), and the
/// page sends the request again with the table so far (`khafka_scenario::formats::relay_of`).
/// The same path here, with two builds that each lack a format, gives the native trace hash.
#[test]
fn two_codec_bundles_give_the_native_hash() {
    use khafka_formats::api::{Request, Response};
    use khafka_formats::sim_table::{step, Step};
    use khafka_formats::Format;
    let path = scenarios_dir().join("semantics/avro-and-protobuf-in-one-registry.khafka");
    let src = std::fs::read_to_string(&path).unwrap();
    let mut scenario = khafka_scenario::parse(&src).unwrap();
    let request = scenario.formats_request().expect("a formats request");
    let avro_only = |f: Format| f != Format::Protobuf;
    let protobuf_only = |f: Format| f != Format::Avro;
    let (mut text, mut on_avro, mut hops) = (request.clone(), true, 0);
    let answer = loop {
        let Request::SimTable(req) = Request::from_json(&text).unwrap() else {
            panic!("a sim_table request");
        };
        let built: &dyn Fn(Format) -> bool = if on_avro { &avro_only } else { &protobuf_only };
        let response = match step(&req, built).unwrap() {
            Step::Table(t) => Response::SimTable {
                ok: true,
                text: t.to_text(),
            },
            Step::Relay(relay, state) => Response::Relay {
                ok: true,
                relay,
                state,
            },
        };
        let answer = serde_json::to_string(&response).unwrap();
        match khafka_scenario::formats::relay_of(&answer, &request) {
            Some((format, next)) => {
                assert_eq!(format == "avro", !on_avro, "handed to the other bundle");
                (text, on_avro, hops) = (next, format == "avro", hops + 1);
            }
            None => break answer,
        }
    };
    assert!(hops >= 2, "{hops} hand-overs");
    // A refusal is read as the codecs' message (the notebook reads answers by hand).
    let refused = khafka_formats::api::handle_json(
        r#"{"op":"sim_table","schemas":[],"uses":[{"topic":"t","schema":3,"value":"1"}]}"#,
    );
    assert_eq!(
        scenario.clone().apply_formats(&refused),
        Err("no schema 3".to_string())
    );
    scenario.apply_formats(&answer).unwrap();
    let mut sim = Sim::new(scenario.spec);
    sim.run();
    let golden =
        std::fs::read_to_string(scenarios_dir().join("../golden/trace-hashes.txt")).unwrap();
    let want = golden
        .lines()
        .find_map(|l| l.strip_prefix("semantics/avro-and-protobuf-in-one-registry.khafka "))
        .unwrap();
    assert_eq!(format_hash(sim.trace_hash()), want);
}

/// Issue 11: no sender wake-up that sends nothing. The sender does not wake for batches only one of
/// its own events can release (a connection at its request limit, connecting or backing off, a
/// leader it waits to learn), nor for records not generated yet that could only land there. What
/// remains is the bound for records not generated yet, which cannot know the partition a record
/// will go to. Before, 284,770 of the 885,712 wake-ups of these scenarios sent nothing (32 %; the
/// standard run's leader crash 13,817 of 59,593); after, 4,190 of 605,132. A wake that expires a
/// batch (`delivery.timeout.ms`) did its work, and a wake the sender no longer needs (its next
/// batch to expire was sent meanwhile) is replaced: with a fire-and-forget producer that outruns
/// its link (a wake per expiring batch, half of them stale), 4,384 of 632,669.
#[test]
fn the_sender_seldom_wakes_for_nothing() {
    let (mut idle, mut wakes, mut standard) = (0, 0, false);
    for (rel, scenario) in runnable_by_name() {
        let mut sim = Sim::with_options(scenario.spec, unchecked());
        sim.run();
        let (w, i) = sim.sender_wakes();
        if rel == "standard.khafka" {
            standard = true;
            assert!(
                i * 200 < w,
                "{rel}: {i} of {w} sender wake-ups sent nothing"
            );
        }
        idle += i;
        wakes += w;
    }
    assert!(standard, "the standard run is among the scenarios");
    assert!(
        idle * 100 < wakes,
        "{idle} of {wakes} sender wake-ups sent nothing (at most 1 % expected)"
    );
}

/// What a record carries that is drawn rather than sent (its value from `values=`, its lateness)
/// is a hash of its place in the workload, not of its record id: the records a Kafka Streams
/// topology writes take ids too, so two runs that differ only in a streams setting (here the
/// join's grace, and how often it commits) must still send the same input, record for record.
/// Before, the join's writes renumbered the input and the lesson's two graces compared two
/// different sets of clicks (the reference 21,676 pairs against 21,645).
#[test]
fn a_streams_setting_changes_no_input_record() {
    /// An input record: its producer, send time, key, value and timestamp.
    type Input = (String, u64, Option<u32>, Option<String>, u64);
    let input = |streams: &str| -> Vec<Input> {
        let src = format!(
            "seed 7\ncluster brokers=3\n\
             topic impressions partitions=3 replication.factor=3\n\
             topic clicks partitions=3 replication.factor=3\n\
             topic attributed partitions=3 replication.factor=3\n\
             producer ads topic=impressions rate=50/s keys=ad-0..49 values=1..100\n\
             producer users topic=clicks rate=20/s keys=ad-0..49 lateness=0s..20s late=20%\n\
             {streams}\nrun 20s\n"
        );
        let scenario = khafka_scenario::parse(&src).expect("parses");
        let mut sim = Sim::with_options(scenario.spec, unchecked());
        sim.run();
        let mut records = Vec::new();
        let mut id = 0;
        while let Some(story) = sim.record_story(id) {
            if story.producer == "ads" || story.producer == "users" {
                records.push((
                    story.producer,
                    story.sent_us,
                    story.key,
                    story.value,
                    story.timestamp_ms,
                ));
            }
            id += 1;
        }
        records.sort();
        records
    };
    let short = input(
        "streams s1 application.id=attribution input=impressions stream=clicks window=join \
         difference=10s grace=2s output=attributed commit.interval.ms=1000",
    );
    let long = input(
        "streams s1 application.id=attribution input=impressions stream=clicks window=join \
         difference=10s grace=15s output=attributed commit.interval.ms=5000",
    );
    assert!(short.len() > 1_000, "{} records", short.len());
    assert!(
        short.iter().any(|r| r.4 * 1_000 < r.1),
        "some clicks are stamped late"
    );
    assert_eq!(short.len(), long.len(), "as many input records");
    let differ = short.iter().zip(&long).filter(|(a, b)| a != b).count();
    let first = short.iter().zip(&long).find(|(a, b)| a != b);
    assert_eq!(
        differ, 0,
        "the same input whatever the topology writes: {differ} records differ, the first {first:?}"
    );
}
