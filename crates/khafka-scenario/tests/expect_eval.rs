//! `expect` evaluation against hand-built outcomes.

use khafka_scenario::{parse, Expect, ExpectResult};
use khafka_sim::{Outcome, PartitionView, ProvenanceCounts, ReplicaView};

fn outcome() -> Outcome {
    let replica = |broker, leo, hw| ReplicaView {
        broker,
        log_end_offset: leo,
        high_watermark: hw,
        online: true,
        log_start_offset: leo / 2,
    };
    let mut o = Outcome {
        provenance: ProvenanceCounts {
            sent: 100,
            acknowledged: 90,
            failed: 5,
            pending: 5,
            committed: 88,
            lost: 2,
            ..Default::default()
        },
        partitions: vec![
            PartitionView {
                topic: "orders".into(),
                partition: 0,
                leader: Some(2),
                leader_epoch: 3,
                replicas: vec![1, 2, 3],
                isr: vec![3, 2],
                elr: vec![],
                high_watermark: 40,
                log_end_offset: 42,
                replica_states: vec![replica(2, 42, 40), replica(3, 41, 40)],
                log_start_offset: 21,
            },
            PartitionView {
                topic: "orders".into(),
                partition: 1,
                leader: None,
                leader_epoch: 1,
                replicas: vec![1],
                isr: vec![],
                elr: vec![],
                high_watermark: 7,
                log_end_offset: 7,
                replica_states: vec![],
                log_start_offset: 0,
            },
        ],
        ..Default::default()
    };
    o.producer_errors.insert("NOT_ENOUGH_REPLICAS".into(), 4);
    o.producer_errors.insert("REQUEST_TIMED_OUT".into(), 3);
    o.violations.push("hw went backwards".into());
    o.invariants_checked = true;
    o
}

const HEADER: &str = "topic orders partitions=3 replication.factor=3\n";

fn expect(line: &str) -> Expect {
    let src = format!("{HEADER}expect {line}");
    match parse(&src) {
        Ok(mut s) => s.expects.remove(0),
        Err(e) => panic!("{}", e.render("t.khafka", &src)),
    }
}

fn eval(line: &str) -> ExpectResult {
    expect(line).evaluate(&outcome())
}

fn check(line: &str, passed: bool, actual: &str) {
    let r = eval(line);
    assert_eq!(
        (r.passed, r.actual.as_str()),
        (passed, actual),
        "expect {line}"
    );
}

#[test]
fn counters() {
    check("sent == 100", true, "100");
    check("acked >= 90", true, "90");
    check("acknowledged > 90", false, "90");
    check("lost == 0", false, "2");
    check("acked_lost < 3", true, "2");
    check("failed != 5", false, "5");
    check("pending <= 5", true, "5");
    check("committed==88", true, "88");
    check("duplicated == 0", true, "0");
    check("consumed > 0", false, "0");
}

#[test]
fn errors_and_global_metrics() {
    check("errors(NOT_ENOUGH_REPLICAS) == 4", true, "4");
    check("errors(FENCED_LEADER_EPOCH) == 0", true, "0");
    check("errors > 6", true, "7");
    check("violations == 0", false, "1");
    check("offline_partitions == 1", true, "1");
}

#[test]
fn leaders_and_none() {
    check("leader(orders-0) == 2", true, "2");
    check("leader(orders-0) != none", true, "2");
    check("leader(orders-0) == none", false, "2");
    check("leader(orders-1) == none", true, "none");
    check("leader(orders-1) != 2", true, "none");
    check("leader(orders-1) == 2", false, "none");
    check("leader_epoch(orders-0) == 3", true, "3");
}

#[test]
fn sets_are_order_insensitive() {
    check("isr(orders-0) == {2,3}", true, "{2,3}");
    check("isr(orders-0) == {3, 2}", true, "{2,3}");
    check("isr(orders-0) == {1,2,3}", false, "{2,3}");
    check("isr(orders-0) != {1,2,3}", true, "{2,3}");
    check("isr(orders-1) == {}", true, "{}");
    check("isr(orders-0) contains 3", true, "{2,3}");
    check("isr(orders-0) contains 1", false, "{2,3}");
    check("isr_size(orders-0) == 2", true, "2");
}

#[test]
fn offsets_of_leader_and_replicas() {
    check("hw(orders-0) == 40", true, "40");
    check("leo(orders-0) == 42", true, "42");
    check("leo(orders-0, 3) == 41", true, "41");
    check("hw(orders-0,3) >= 40", true, "40");
    check("log_start(orders-0) == 21", true, "21");
    check("log_start(orders-0, 3) == 20", true, "20");
    check("deleted == 0", true, "0");
    check(
        "leo(orders-0, 1) == 0",
        false,
        "broker 1 holds no replica of orders-0",
    );
}

#[test]
fn missing_partitions_fail() {
    check(
        "leader(orders-2) == none",
        false,
        "no partition orders-2 in the outcome",
    );
    check(
        "isr(orders-2) != {1}",
        false,
        "no partition orders-2 in the outcome",
    );
}

#[test]
fn expect_keeps_its_text_and_line() {
    let e = expect("isr(orders-0)   ==  {1, 2}   # trailing comment");
    assert_eq!(e.text, "isr(orders-0)   ==  {1, 2}");
    assert_eq!(e.line, 2);
    let s = parse(&format!("{HEADER}expect lost == 0\nexpect sent > 0")).unwrap();
    let results = s.evaluate(&outcome());
    assert_eq!(
        results.iter().map(|(_, r)| r.passed).collect::<Vec<_>>(),
        vec![false, true]
    );
}

#[test]
fn violations_are_not_zero_when_nobody_looked() {
    // A run without invariant checks has no violations list to read: the expectation fails with
    // the reason instead of passing on an empty list (it could not fail in a release build).
    let mut o = outcome();
    o.violations.clear();
    o.invariants_checked = false;
    let r = expect("violations == 0").evaluate(&o);
    assert!(!r.passed);
    assert!(r.actual.contains("not computed"), "{}", r.actual);
    o.invariants_checked = true;
    assert!(expect("violations == 0").evaluate(&o).passed);
    // And a scenario that reads the figure asks for the checks.
    let s = parse("run 1s\nexpect violations == 0\n").unwrap();
    assert!(s.sim_options().check_invariants);
    let s = parse("run 1s\nexpect lost == 0\n").unwrap();
    assert_eq!(s.sim_options().check_invariants, cfg!(debug_assertions));
}

#[test]
fn nothing_is_judged_on_a_run_that_stopped_early() {
    let mut o = outcome();
    o.halted = Some("the run stopped at 2s: more than 1000000 events at one instant".into());
    let r = expect("lost == 2").evaluate(&o);
    assert!(!r.passed);
    assert!(r.actual.contains("not judged"), "{}", r.actual);
    // And the engine halts a spec over the budget before running it (a spec that did not come
    // through the parser), keeping its clock at the start.
    let mut spec = parse("topic t\nproducer p topic=t rate=1/s\nrun 10s\n")
        .unwrap()
        .spec;
    spec.producers[0].rate_per_ks = 1_000_000_000; // a million records per second, for 10 s
    let mut sim = khafka_sim::Sim::new(spec);
    sim.run();
    assert!(sim.halted().is_some_and(|w| w.contains("not started")));
    assert_eq!(sim.now(), khafka_sim::SimTime::ZERO);
    assert!(sim.outcome().halted.is_some());
}
