//! Properties of every window kind over random out-of-order input (`kafka-semantics.md` §11.6):
//! stream time never decreases; a record is dropped iff it is late for every window it belongs
//! to; with emit final each window is emitted at most once and only after it has closed; a key's
//! sessions never overlap (they stay more than a gap apart) after merging.

use khafka_streams::time_windows::TimeWindows;
use khafka_streams::{Aggregation, Emit, Event, Record, WindowSpec, WindowedAggregation};
use proptest::prelude::*;
use std::collections::BTreeSet;

fn spec() -> impl Strategy<Value = WindowSpec> {
    prop_oneof![
        (1i64..30, 1i64..30, 0i64..30).prop_map(|(size, a, grace)| WindowSpec::Time {
            size,
            advance: a.min(size),
            grace
        }),
        (0i64..30, 0i64..30)
            .prop_map(|(difference, grace)| WindowSpec::Sliding { difference, grace }),
        (1i64..30, 0i64..30).prop_map(|(gap, grace)| WindowSpec::Session { gap, grace }),
    ]
}

fn records() -> impl Strategy<Value = Vec<Record>> {
    prop::collection::vec((0usize..3, 0i64..150), 1..40).prop_map(|rs| {
        rs.into_iter()
            .enumerate()
            .map(|(i, (k, ts))| Record {
                key: ["a", "b", "c"][k].to_string(),
                value: i.to_string(),
                timestamp: ts,
            })
            .collect()
    })
}

fn emit() -> impl Strategy<Value = Emit> {
    prop_oneof![Just(Emit::Eager), Just(Emit::Final)]
}

/// The close time a window's end is compared with, and whether an end that equals it is closed.
fn close_of(spec: WindowSpec, stream_time: i64) -> i64 {
    match spec {
        WindowSpec::Session { gap, grace } => stream_time - grace - gap,
        _ => stream_time - spec.grace(),
    }
}

fn is_closed(spec: WindowSpec, end: i64, close: i64) -> bool {
    match spec {
        WindowSpec::Time { .. } => end <= close,
        _ => end < close,
    }
}

proptest! {
    // A fixed seed, so CI judges the same cases every time, as the rest of the project is
    // deterministic; explore others by hand with another `RngSeed::Fixed` or `RngSeed::Random`.
    #![proptest_config(ProptestConfig {
        cases: 2048,
        rng_seed: proptest::test_runner::RngSeed::Fixed(10),
        ..ProptestConfig::default()
    })]

    #[test]
    fn windowed_aggregations_keep_kafkas_rules(spec in spec(), emit in emit(), records in records()) {
        let mut p = WindowedAggregation::new(spec, emit, Aggregation::Count);
        let mut max_seen = -1;
        let mut emitted = BTreeSet::new();
        for r in &records {
            let before = p.stream_time();
            let events = p.process(r).unwrap();
            let st = p.stream_time();
            max_seen = max_seen.max(r.timestamp);
            prop_assert!(st >= before);
            prop_assert_eq!(st, max_seen);
            let close = close_of(spec, st);
            // The processor states the close rule the test restates (the views read it there).
            prop_assert_eq!(p.close_time(), Some(close));
            let drops: Vec<_> = events.iter().filter_map(|e| match e {
                Event::Dropped(d) => Some(d),
                _ => None,
            }).collect();
            // Every skip names a window that had closed and the record's own timestamp.
            for d in &drops {
                prop_assert_eq!(d.timestamp, r.timestamp);
                let khafka_streams::DropReason::ExpiredWindow { window, expiration, stream_time } = &d.reason else {
                    return Err(TestCaseError::fail("a non-negative timestamp was skipped"));
                };
                prop_assert_eq!((*expiration, *stream_time), (close, st));
                prop_assert!(is_closed(spec, window.end, close));
            }
            match spec {
                WindowSpec::Time { size, advance, grace } => {
                    // Dropped for exactly the windows of `windowsFor(ts)` that have closed.
                    let all = TimeWindows { size, advance, grace }.windows_for(r.timestamp);
                    let late = all.iter().filter(|(_, end)| *end <= close).count();
                    prop_assert_eq!(drops.len(), late);
                }
                WindowSpec::Sliding { difference, .. } => {
                    // Dropped outright iff even the latest window holding ts, [ts, ts+d], closed.
                    if r.timestamp + difference < close {
                        prop_assert_eq!(events.len(), 1);
                        prop_assert_eq!(drops.len(), 1);
                    }
                }
                WindowSpec::Session { .. } => {
                    // Dropped iff its merged session has closed; a record at or after the close
                    // time always opens or extends a session.
                    prop_assert!(drops.len() <= 1);
                    if r.timestamp >= close {
                        prop_assert!(drops.is_empty());
                    }
                    if let Some(d) = drops.first() {
                        if let khafka_streams::DropReason::ExpiredWindow { window, .. } = &d.reason {
                            prop_assert!(window.contains(r.timestamp));
                        }
                    }
                }
            }
            for e in &events {
                if let Event::Result { key, window, value, timestamp } = e {
                    match emit {
                        Emit::Final => {
                            prop_assert!(value.is_some());
                            prop_assert!(is_closed(spec, window.end, close), "{key}@{window} emitted open at {st}");
                            prop_assert!(emitted.insert((key.clone(), *window)), "{key}@{window} emitted twice");
                        }
                        Emit::Eager => {
                            // Sliding windows' new right windows are forwarded unchecked, as in Kafka.
                            let sliding = matches!(spec, WindowSpec::Sliding { .. });
                            if value.is_some() && !sliding {
                                prop_assert!(!is_closed(spec, window.end, close), "{}@{} updated closed", key, window);
                            }
                        }
                    }
                    prop_assert!(*timestamp <= st);
                }
            }
            if let WindowedAggregation::Session(s) = &p {
                let WindowSpec::Session { gap, .. } = spec else { unreachable!() };
                let sessions = s.sessions();
                for pair in sessions.windows(2) {
                    let ((k1, _, e1), (k2, s2, _)) = (&pair[0], &pair[1]);
                    if k1 == k2 {
                        prop_assert!(s2 - e1 > gap, "sessions of {k1} overlap or touch: {sessions:?}");
                    }
                }
            }
        }
    }

    /// The store's changelog is enough to rebuild it: a processor that restores every write the
    /// first one logged holds every window the first still holds, with the same aggregate (the
    /// first may have forgotten more: expiring a window writes nothing, as Kafka's segments drop).
    #[test]
    fn a_store_restored_from_its_changelog_holds_what_it_held(spec in spec(), emit in emit(), records in records()) {
        let mut p = WindowedAggregation::new(spec, emit, Aggregation::Count);
        p.log_writes();
        let mut writes = Vec::new();
        for r in &records {
            p.process(r).unwrap();
            writes.extend(p.take_writes());
        }
        let mut q = WindowedAggregation::new(spec, emit, Aggregation::Count);
        q.log_writes();
        for w in &writes {
            q.restore(w);
        }
        prop_assert!(q.take_writes().is_empty(), "restoring is not a change");
        let restored = q.windows();
        for w in p.windows() {
            prop_assert!(restored.contains(&w), "{:?} missing from the restored store", w);
        }
    }
}
