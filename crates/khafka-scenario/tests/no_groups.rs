//! A build without the `groups` feature: every consumer-group feature of a scenario
//! (a group key on a consumer or the cluster line, a consumer fault, a group metric) is refused by
//! the parser where it is written, never ignored. Run with
//! `cargo test -p khafka-scenario --no-default-features`.

#![cfg(not(feature = "groups"))]

use khafka_scenario::{parse, ParseError};

const UNAVAILABLE: &str =
    "consumer groups are not available in this build (built without the `groups` feature)";

fn one_error(src: &str) -> ParseError {
    match parse(src) {
        Ok(_) => panic!("expected an error for:\n{src}"),
        Err(mut e) => {
            assert_eq!(e.0.len(), 1, "one error expected: {:#?}", e.0);
            e.0.remove(0)
        }
    }
}

/// The error is the refusal, at `(line, column, len)`.
fn refused(src: &str, line: u32, column: u32, len: u32) {
    let e = one_error(src);
    assert_eq!(e.message, UNAVAILABLE, "{e:#?}");
    assert_eq!((e.line, e.column, e.len), (line, column, len), "{e:#?}");
    assert!(e.hint.is_some_and(|h| h.contains("command line")));
}

const BASE: &str = "topic t partitions=2\nproducer p1 topic=t\n";

#[test]
fn a_consumer_without_group_keys_still_runs_as_on_main() {
    let s = parse(&format!(
        "{BASE}consumer c1 topic=t\nrun 2s\nexpect consumed > 0\n"
    ))
    .expect("a simple consumer parses");
    let mut sim = khafka_sim::Sim::with_options(s.spec.clone(), s.sim_options());
    sim.run();
    let outcome = sim.outcome();
    assert!(s.evaluate(&outcome).iter().all(|(_, r)| r.passed));
    // No `__consumer_offsets` without groups.
    assert!(sim.topology().offsets_topic().is_none());
}

#[test]
fn group_keys_on_a_consumer_are_refused_at_the_pair() {
    // `group.id=g1` starts at column 21 of line 3.
    refused(
        &format!("{BASE}consumer c1 topic=t group.id=g1\nrun 1s\n"),
        3,
        21,
        11,
    );
    refused(
        &format!("{BASE}consumer c1 topic=t session.timeout.ms=10000\nrun 1s\n"),
        3,
        21,
        24,
    );
}

#[test]
fn group_keys_on_the_cluster_line_are_refused() {
    refused(
        &format!("cluster brokers=3 offsets.topic.replication.factor=1\n{BASE}run 1s\n"),
        1,
        19,
        34,
    );
}

#[test]
fn consumer_faults_are_refused() {
    for fault in ["crash", "stop", "restart"] {
        let src = format!("{BASE}consumer c1 topic=t\nat 1s {fault} consumer c1\nrun 2s\n");
        // From the fault's keyword to the consumer's name.
        refused(&src, 4, 7, fault.len() as u32 + " consumer c1".len() as u32);
    }
    // `seek` and `reset-offsets`: from the keyword to the end of the action.
    let src = format!("{BASE}consumer c1 topic=t\nat 1s seek consumer c1 t-0 5\nrun 2s\n");
    refused(&src, 4, 7, "seek consumer c1 t-0 5".len() as u32);
    let src = format!("{BASE}consumer c1 topic=t\nat 1s reset-offsets g t to-earliest\nrun 2s\n");
    refused(&src, 4, 7, "reset-offsets g t to-earliest".len() as u32);
}

#[test]
fn group_metrics_are_refused_at_their_name() {
    for (expect, len) in [
        ("lag(g1, t-0) == 0", 3),
        ("group_state(g1) == Stable", 11),
        ("generation(g1) == 1", 10),
        ("group_members(g1) == 2", 13),
        ("processed_twice(g1) == 0", 15),
        ("never_processed(g1) == 0", 15),
        ("commits_failed(g1) == 0", 14),
        ("truncations_detected(g1) == 0", 20),
        ("log_truncation_exceptions(g1) == 0", 25),
        ("partitions_revoked(g1) == 0", 18),
        ("pause_ms(g1) == 0", 8),
        ("longest_pause_ms(g1) == 0", 16),
        ("assignment(g1, c1) == {t-0}", 10),
        ("committed(g1, t-0) >= 1", 9),
    ] {
        let src = format!("{BASE}consumer c1 topic=t\nrun 1s\nexpect {expect}\n");
        refused(&src, 5, 8, len);
    }
    // `__consumer_offsets` exists only with groups.
    refused(
        &format!("{BASE}run 1s\nexpect leader(__consumer_offsets-3) == 1\n"),
        4,
        15,
        20,
    );
    // `committed` without arguments is the producers' counter, as on main.
    parse(&format!("{BASE}run 1s\nexpect committed > 0\n")).expect("the counter parses");
}

/// Every scenario under `tests/scenarios` runs as in the full build: one without group features
/// gives its golden trace hash (the golden file the default build is held to), one with them is
/// refused with the groups error and nothing else.
#[test]
fn scenarios_without_groups_keep_their_golden_hashes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests");
    let golden = std::fs::read_to_string(root.join("golden/trace-hashes.txt")).unwrap();
    let (mut same, mut refused) = (0, 0);
    for line in golden.lines() {
        let (rel, want) = line.split_once(' ').unwrap();
        let src = std::fs::read_to_string(root.join("scenarios").join(rel)).unwrap();
        match parse(&src) {
            Ok(mut s) => {
                // Schema (de)serializers: the formats table, computed as the CLI does.
                if let Some(req) = s.formats_request() {
                    let answer = khafka_formats::api::handle_json(&req);
                    s.apply_formats(&answer).expect("the formats table");
                }
                let opts = khafka_sim::SimOptions {
                    check_invariants: false,
                    ..khafka_sim::SimOptions::default()
                };
                let mut sim = khafka_sim::Sim::with_options(s.spec, opts);
                sim.run();
                let got = khafka_sim::trace::format_hash(sim.trace_hash());
                assert_eq!(got, want, "{rel}: the trace hash differs without groups");
                same += 1;
            }
            Err(e) => {
                assert!(
                    e.0.iter().all(|e| e.message == UNAVAILABLE),
                    "{rel}: {:#?}",
                    e.0
                );
                refused += 1;
            }
        }
    }
    assert!(same > 0 && refused > 0, "{same} run, {refused} refused");
}
