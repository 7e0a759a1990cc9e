//! Log compaction step by step (kafka-semantics.md §10.3): the tombstone scenario's live log read
//! at chosen instants, on every replica (each broker runs its own cleaner).
//!
//! `semantics/compaction-tombstone-kept-until-delete-retention.khafka`: user-3 is written once at
//! 0 s (offset 0) and deleted by a tombstone at 10 s; user-0..2 are written 50 times a second
//! throughout. Segments roll every 2 s; the cleaner wakes every second.

use khafka_sim::{Sim, SimOptions, SimTime};
use khafka_tests::{semantics_sim, traced_semantics_run};

/// `NAME`'s run with the invariants checked.
fn checked(name: &str) -> Sim {
    let opts = SimOptions {
        check_invariants: true,
        ..SimOptions::default()
    };
    semantics_sim(name, opts)
}

fn sim() -> Sim {
    checked("compaction-tombstone-kept-until-delete-retention")
}

/// `(offset, key, tombstone)` of every record of user-3 in broker `b`'s live log.
fn user3(sim: &Sim, b: u32) -> Vec<(u64, bool)> {
    sim.live_records("users-0", b)
        .expect("a replica")
        .into_iter()
        .filter(|r| r.key.as_deref() == Some("user-3"))
        .map(|r| (r.offset, r.tombstone))
        .collect()
}

#[test]
fn a_tombstone_deletes_its_key_then_goes_after_delete_retention() {
    let mut sim = sim();
    // Before the tombstone: user-3's only value, at offset 0, survives every cleaning (it is the
    // latest of its key: `record.offset() >= foundOffset`).
    sim.run_until(SimTime::from_ms(9_500));
    for b in 1..=3 {
        assert_eq!(user3(&sim, b), vec![(0, false)], "broker {b} at 9.5 s");
    }
    // The cleaning at 11 s covers the tombstone's segment: the old value goes, the tombstone stays
    // (its batch now has a delete horizon of 16 s).
    sim.run_until(SimTime::from_ms(11_500));
    let tomb: Vec<(u64, bool)> = user3(&sim, 1);
    assert_eq!(tomb.len(), 1, "{tomb:?}");
    assert!(
        tomb[0].1 && tomb[0].0 > 0,
        "the tombstone, at its own offset: {tomb:?}"
    );
    for b in 2..=3 {
        assert_eq!(user3(&sim, b), tomb, "broker {b} at 11.5 s");
    }
    // Cleanings at 13 s and 15 s are before the horizon: the tombstone is still there, so a
    // consumer reading from the start sees the delete.
    sim.run_until(SimTime::from_ms(16_500));
    for b in 1..=3 {
        assert_eq!(user3(&sim, b), tomb, "broker {b} at 16.5 s");
    }
    // The cleaning at 17 s is past the horizon: user-3 is gone.
    sim.run_until(SimTime::from_ms(17_500));
    for b in 1..=3 {
        assert_eq!(user3(&sim, b), vec![], "broker {b} at 17.5 s");
    }
    sim.run();
    let violations = &sim.outcome().violations;
    assert!(violations.is_empty(), "{violations:?}");
}

#[test]
fn offsets_never_change_and_each_key_keeps_its_latest_value() {
    let mut sim = sim();
    sim.run_until(SimTime::from_secs(20));
    let live = sim.live_records("users-0", 1).expect("a replica");
    assert!(
        live.windows(2).all(|w| w[0].offset < w[1].offset),
        "offsets increase"
    );
    // The log is sparse: far fewer records than offsets.
    let end = live.last().expect("records").offset + 1;
    assert!(
        (live.len() as u64) < end / 4,
        "{} records for {end} offsets",
        live.len()
    );
    // Below the active segment each key appears once (its latest value); above it, every record.
    let active = sim
        .log_dirs()
        .into_iter()
        .find(|r| r.partition == "users-0" && r.broker == 1)
        .and_then(|r| r.segments.last().map(|s| s.base_offset))
        .expect("segments");
    let cleaned: Vec<&str> = live
        .iter()
        .filter(|r| r.offset < active)
        .filter_map(|r| r.key.as_deref())
        .collect();
    let mut keys = cleaned.clone();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), cleaned.len(), "one record per key: {cleaned:?}");
    assert_eq!(keys, vec!["user-0", "user-1", "user-2"]);
    assert!(live
        .iter()
        .filter(|r| r.offset >= active)
        .map(|r| r.offset)
        .eq(active..end));
}

/// `semantics/compaction-follower-fetches-the-leaders-delete-horizon.khafka`: broker 3, shut down
/// from 5 s to 13 s, fetches the tombstone's batch after the leader's cleaning at 11 s stamped it with
/// a delete horizon of 16 s; it drops the tombstone once that horizon has passed, as the leader
/// does, not `delete.retention.ms` (5 s) after its own first cleaning of it (14 s or later).
#[test]
fn a_follower_keeps_the_delete_horizon_the_leader_wrote() {
    let mut sim = checked("compaction-follower-fetches-the-leaders-delete-horizon");
    sim.run_until(SimTime::from_ms(11_500));
    let tomb = user3(&sim, 1);
    assert!(
        tomb.len() == 1 && tomb[0].1,
        "the leader kept the tombstone alone: {tomb:?}"
    );
    assert_eq!(user3(&sim, 3), vec![(0, false)], "broker 3 is down");
    sim.run_until(SimTime::from_ms(15_500));
    assert_eq!(user3(&sim, 3), tomb, "broker 3 fetched the tombstone");
    sim.run_until(SimTime::from_ms(18_500));
    for b in 1..=3 {
        assert_eq!(user3(&sim, b), vec![], "broker {b} at 18.5 s");
    }
    sim.run();
    let violations = &sim.outcome().violations;
    assert!(violations.is_empty(), "{violations:?}");
}

/// `semantics/compaction-poll-counts-records-not-offsets.khafka`: a group member polling at most
/// 10 records at a time reads the 95 records of a compacted log in 10 polls (one `consumed`
/// event each: one partition), and its count of records received is 95, not the 1,000 offsets
/// they span.
#[test]
fn a_poll_counts_the_records_of_a_compacted_log_not_its_offsets() {
    let sim = traced_semantics_run("compaction-poll-counts-records-not-offsets");
    assert_eq!(sim.snapshot().consumers[0].received, 95, "records received");
    let polls = sim
        .trace_events()
        .iter()
        .filter(|e| matches!(e.kind, khafka_sim::trace::TraceKind::Consumed { .. }))
        .count();
    assert_eq!(polls, 10, "polls that returned records");
}
