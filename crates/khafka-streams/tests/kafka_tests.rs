//! Examples from Kafka Streams' own tests (apache/kafka trunk `1eb7644349cb`, the commit
//! `kafka-semantics.md` tags `[Kafka]`), run through this crate. Every test names the Kafka test
//! method it reproduces; every expected value is copied from that test, not from this code.
//! `streams/src/test/java/org/apache/kafka/streams/kstream/` is written `kstream/` below.

use khafka_streams::sliding::Walk;
use khafka_streams::time_windows::TimeWindows;
use khafka_streams::{
    Aggregation, Emit, Event, JavaDuration, Record, RecordMetadata, WindowSpec, WindowedAggregation,
};
use std::collections::{BTreeMap, BTreeSet};

/// A forwarded result: key, window start, window end, value (`None` for a tombstone), timestamp.
type Out = (String, i64, i64, Option<String>, i64);

struct Run {
    results: Vec<Out>,
    /// Kafka's log line for each skip, with `topic=[topic] partition=[P] offset=[O]`.
    logs: Vec<String>,
    stream_time: i64,
    sessions: Vec<(String, i64, i64)>,
}

fn ms(n: i64) -> JavaDuration {
    JavaDuration::of_millis(n)
}

/// Runs `records` (key, value, ts) through one processor, the n-th record at offset n of
/// partition `partition` (or at the given `(partition, offset)`).
fn run_with<K: AsRef<str>, V: AsRef<str>>(
    spec: WindowSpec,
    emit: Emit,
    agg: Aggregation,
    walk: Walk,
    records: &[(K, V, i64)],
    meta: impl Fn(usize) -> (i32, i64),
    session_retention: Option<i64>,
) -> Run {
    let mut p = WindowedAggregation::with_walk(spec, emit, agg, walk);
    if let Some(r) = session_retention {
        p = p.with_session_retention(r);
    }
    let mut run = Run {
        results: Vec::new(),
        logs: Vec::new(),
        stream_time: -1,
        sessions: Vec::new(),
    };
    for (i, (k, v, ts)) in records.iter().enumerate() {
        let record = Record {
            key: k.as_ref().to_string(),
            value: v.as_ref().to_string(),
            timestamp: *ts,
        };
        for e in p.process(&record).unwrap() {
            match e {
                Event::Result {
                    key,
                    window,
                    value,
                    timestamp,
                } => run.results.push((
                    key,
                    window.start,
                    window.end,
                    value.map(|a| a.to_string()),
                    timestamp,
                )),
                Event::Dropped(d) => {
                    let (partition, offset) = meta(i);
                    run.logs.push(d.log_message(Some(&RecordMetadata {
                        topic: "topic".into(),
                        partition,
                        offset,
                    })))
                }
            }
        }
    }
    run.stream_time = p.stream_time();
    if let WindowedAggregation::Session(s) = &p {
        run.sessions = s.sessions();
    }
    run
}

fn run<K: AsRef<str>, V: AsRef<str>>(
    spec: WindowSpec,
    emit: Emit,
    agg: Aggregation,
    records: &[(K, V, i64)],
) -> Run {
    run_with(
        spec,
        emit,
        agg,
        Walk::Reverse,
        records,
        |i| (0, i as i64),
        None,
    )
}

/// Records written `KEY VALUE TS, …`.
fn recs(text: &str) -> Vec<(String, String, i64)> {
    text.split(',')
        .map(|r| {
            let f: Vec<&str> = r.split_whitespace().collect();
            (f[0].to_string(), f[1].to_string(), f[2].parse().unwrap())
        })
        .collect()
}

/// Results written `KEY START END VALUE TS; …`, `null` for a tombstone.
fn outs(text: &str) -> Vec<Out> {
    text.split(';')
        .map(|r| {
            let f: Vec<&str> = r.split_whitespace().collect();
            let value = (f[3] != "null").then(|| f[3].to_string());
            let n = |i: usize| f[i].parse::<i64>().unwrap();
            (f[0].to_string(), n(1), n(2), value, n(4))
        })
        .collect()
}

fn o(key: &str, start: i64, end: i64, value: &str, ts: i64) -> Out {
    (key.into(), start, end, Some(value.into()), ts)
}

fn hopping(size: i64, advance: i64, grace: i64) -> WindowSpec {
    WindowSpec::hopping(ms(size), ms(advance), ms(grace)).unwrap()
}

fn concat_from(init: &str) -> Aggregation {
    Aggregation::Concat { init: init.into() }
}

const STRING_INIT: fn() -> Aggregation = Aggregation::concat;

// ---------------------------------------------------------------- tumbling and hopping windows

/// `kstream/internals/KStreamWindowAggregateTest.testAggBasic` (ON_WINDOW_UPDATE, no cache).
#[test]
fn kstream_window_aggregate_test_agg_basic_eager() {
    let records = recs(
        "A 1 0, B 2 1, C 3 2, D 4 3, A 1 4, A 1 5, B 2 6, D 4 7, B 2 8, C 3 9, A 1 10, \
             B 2 11, D 4 12, B 2 13, C 3 14, B 1 3, B 2 2, B 3 9",
    );
    let r = run(hopping(10, 5, 100), Emit::Eager, STRING_INIT(), &records);
    assert_eq!(
        r.results,
        outs(
            "A 0 10 0+1 0; B 0 10 0+2 1; C 0 10 0+3 2; D 0 10 0+4 3; A 0 10 0+1+1 4; \
             A 0 10 0+1+1+1 5; A 5 15 0+1 5; B 0 10 0+2+2 6; B 5 15 0+2 6; D 0 10 0+4+4 7; \
             D 5 15 0+4 7; B 0 10 0+2+2+2 8; B 5 15 0+2+2 8; C 0 10 0+3+3 9; C 5 15 0+3 9; \
             A 5 15 0+1+1 10; A 10 20 0+1 10; B 5 15 0+2+2+2 11; B 10 20 0+2 11; \
             D 5 15 0+4+4 12; D 10 20 0+4 12; B 5 15 0+2+2+2+2 13; B 10 20 0+2+2 13; \
             C 5 15 0+3+3 14; C 10 20 0+3 14; B 0 10 0+2+2+2+1 8; B 0 10 0+2+2+2+1+2 8; \
             B 0 10 0+2+2+2+1+2+3 9; B 5 15 0+2+2+2+2+3 13"
        )
    );
    // "Nothing processed since grace is 100L and no window closes" (the ON_WINDOW_CLOSE case).
    let r = run(hopping(10, 5, 100), Emit::Final, STRING_INIT(), &records);
    assert!(r.results.is_empty());
    assert!(r.logs.is_empty());
}

const EXPIRED_RECORDS: &str =
    "k 100 100, k 0 0, k 1 1, k 2 2, k 3 3, k 4 4, k 5 5, k 6 6, k 105 105, k 106 106";

/// `kstream/internals/KStreamWindowAggregateTest.shouldLogAndMeterWhenSkippingExpiredWindow`:
/// seven skips (`dropped-records` 7.0) with Kafka's log lines, then the outputs of both emit
/// strategies.
#[test]
fn kstream_window_aggregate_test_skipping_expired_window() {
    let expected_logs = vec![
        "Skipping record for expired window. topic=[topic] partition=[0] offset=[1] timestamp=[0] window=[0,10) expiration=[10] streamTime=[100]",
        "Skipping record for expired window. topic=[topic] partition=[0] offset=[2] timestamp=[1] window=[0,10) expiration=[10] streamTime=[100]",
        "Skipping record for expired window. topic=[topic] partition=[0] offset=[3] timestamp=[2] window=[0,10) expiration=[10] streamTime=[100]",
        "Skipping record for expired window. topic=[topic] partition=[0] offset=[4] timestamp=[3] window=[0,10) expiration=[10] streamTime=[100]",
        "Skipping record for expired window. topic=[topic] partition=[0] offset=[5] timestamp=[4] window=[0,10) expiration=[10] streamTime=[100]",
        "Skipping record for expired window. topic=[topic] partition=[0] offset=[6] timestamp=[5] window=[0,10) expiration=[10] streamTime=[100]",
        "Skipping record for expired window. topic=[topic] partition=[0] offset=[7] timestamp=[6] window=[0,10) expiration=[10] streamTime=[100]",
    ];
    let eager = run(
        hopping(10, 5, 90),
        Emit::Eager,
        concat_from(""),
        &recs(EXPIRED_RECORDS),
    );
    assert_eq!(eager.logs, expected_logs);
    assert_eq!(
        eager.results,
        outs(
            "k 95 105 +100 100; k 100 110 +100 100; k 5 15 +5 5; k 5 15 +5+6 6; \
             k 100 110 +100+105 105; k 105 115 +105 105; k 100 110 +100+105+106 106; \
             k 105 115 +105+106 106"
        )
    );
    let fin = run(
        hopping(10, 5, 90),
        Emit::Final,
        concat_from(""),
        &recs(EXPIRED_RECORDS),
    );
    assert_eq!(fin.logs, expected_logs);
    // "Window close time is 15 when timestamp is 105"
    assert_eq!(fin.results, outs("k 5 15 +5+6 6"));
}

/// `kstream/internals/KStreamWindowAggregateTest.shouldLogAndMeterWhenSkippingExpiredWindowByGrace`
/// (tumbling size 10, grace 90).
#[test]
fn kstream_window_aggregate_test_skipping_expired_window_by_grace() {
    let records = recs("k 100 200, k 0 100, k 1 101, k 2 102, k 3 103, k 4 104, k 5 105, k 6 6");
    let r = run(hopping(10, 10, 90), Emit::Eager, concat_from(""), &records);
    assert_eq!(
        r.logs,
        vec![
            "Skipping record for expired window. topic=[topic] partition=[0] offset=[1] timestamp=[100] window=[100,110) expiration=[110] streamTime=[200]",
            "Skipping record for expired window. topic=[topic] partition=[0] offset=[2] timestamp=[101] window=[100,110) expiration=[110] streamTime=[200]",
            "Skipping record for expired window. topic=[topic] partition=[0] offset=[3] timestamp=[102] window=[100,110) expiration=[110] streamTime=[200]",
            "Skipping record for expired window. topic=[topic] partition=[0] offset=[4] timestamp=[103] window=[100,110) expiration=[110] streamTime=[200]",
            "Skipping record for expired window. topic=[topic] partition=[0] offset=[5] timestamp=[104] window=[100,110) expiration=[110] streamTime=[200]",
            "Skipping record for expired window. topic=[topic] partition=[0] offset=[6] timestamp=[105] window=[100,110) expiration=[110] streamTime=[200]",
            "Skipping record for expired window. topic=[topic] partition=[0] offset=[7] timestamp=[6] window=[0,10) expiration=[110] streamTime=[200]",
        ]
    );
    assert_eq!(r.results, outs("k 200 210 +100 200"));
}

const ABCD: &str = "A 1 0, A 1 5, B 2 10, C 3 15, D 4 20";

/// `kstream/internals/KStreamWindowAggregateTest.shouldEmitWithInterval0` (hopping 10/5, grace 5).
#[test]
fn kstream_window_aggregate_test_emit_with_interval_0() {
    let fin = run(hopping(10, 5, 5), Emit::Final, STRING_INIT(), &recs(ABCD));
    assert_eq!(
        fin.results,
        outs("A 0 10 0+1+1 5; A 5 15 0+1 5; B 5 15 0+2 10")
    );
    let eager = run(hopping(10, 5, 5), Emit::Eager, STRING_INIT(), &recs(ABCD));
    assert_eq!(
        eager.results,
        outs(
            "A 0 10 0+1 0; A 0 10 0+1+1 5; A 5 15 0+1 5; B 5 15 0+2 10; B 10 20 0+2 10; \
             C 10 20 0+3 15; C 15 25 0+3 15; D 15 25 0+4 20; D 20 30 0+4 20"
        )
    );
}

/// `kstream/internals/KStreamWindowAggregateTest.shouldNotEmitFinalIfNotProgressEnough`.
#[test]
fn kstream_window_aggregate_test_not_emit_final_if_not_progress_enough() {
    let first = [("A", "1", 0), ("B", "2", 5), ("C", "3", 15)];
    let mut all = first.to_vec();
    let fin = run(hopping(10, 5, 5), Emit::Final, STRING_INIT(), &all);
    assert_eq!(fin.results, outs("A 0 10 0+1 0; B 0 10 0+2 5"));
    let eager = run(hopping(10, 5, 5), Emit::Eager, STRING_INIT(), &all);
    assert_eq!(
        eager.results,
        outs("A 0 10 0+1 0; B 0 10 0+2 5; B 5 15 0+2 5; C 10 20 0+3 15; C 15 25 0+3 15")
    );
    // "None emitted because observedTime doesn't progress"
    all.push(("D", "4", 15));
    let fin2 = run(hopping(10, 5, 5), Emit::Final, STRING_INIT(), &all);
    assert_eq!(fin2.results, fin.results);
    let eager2 = run(hopping(10, 5, 5), Emit::Eager, STRING_INIT(), &all);
    assert_eq!(
        eager2.results[eager.results.len()..],
        [o("D", 10, 20, "0+4", 15), o("D", 15, 25, "0+4", 15)]
    );
    // "None emitted because observedTime doesn't progress enough to cover new windows"
    all.push(("E", "5", 19));
    let fin3 = run(hopping(10, 5, 5), Emit::Final, STRING_INIT(), &all);
    assert_eq!(fin3.results, fin.results);
    let eager3 = run(hopping(10, 5, 5), Emit::Eager, STRING_INIT(), &all);
    assert_eq!(
        eager3.results[eager2.results.len()..],
        [o("E", 10, 20, "0+5", 19), o("E", 15, 25, "0+5", 19)]
    );
}

/// `kstream/internals/TimeWindowedKStreamImplTest.shouldCountWindowed` (tumbling 500, no grace).
#[test]
fn time_windowed_kstream_impl_test_count_windowed() {
    let records = recs("1 1 10, 1 2 15, 1 3 500, 2 10 550, 2 20 500, 2 30 1000");
    let spec = WindowSpec::tumbling(ms(500), ms(0)).unwrap();
    let fin = run(spec, Emit::Final, Aggregation::Count, &records);
    assert_eq!(
        fin.results,
        outs("1 0 500 2 15; 1 500 1000 1 500; 2 500 1000 2 550")
    );
    let eager = run(spec, Emit::Eager, Aggregation::Count, &records);
    assert_eq!(
        eager.results,
        outs(
            "1 0 500 1 10; 1 0 500 2 15; 1 500 1000 1 500; 2 500 1000 1 550; 2 500 1000 2 550; \
             2 1000 1500 1 1000"
        )
    );
}

/// `kstream/TimeWindowsTest.shouldComputeWindowsForHoppingWindows`,
/// `shouldComputeWindowsForBarelyOverlappingHoppingWindows`, `shouldComputeWindowsForTumblingWindows`.
#[test]
fn time_windows_test_windows_for() {
    let hop = TimeWindows {
        size: 12,
        advance: 5,
        grace: 0,
    };
    assert_eq!(hop.windows_for(21), vec![(10, 22), (15, 27), (20, 32)]);
    let barely = TimeWindows {
        size: 6,
        advance: 5,
        grace: 0,
    };
    assert_eq!(barely.windows_for(7), vec![(5, 11)]);
    let tumbling = TimeWindows {
        size: 12,
        advance: 12,
        grace: 0,
    };
    assert_eq!(tumbling.windows_for(21), vec![(12, 24)]);
}

/// `kstream/TimeWindowsTest`: `windowSizeMustNotBeZero`, `windowSizeMustNotBeNegative`,
/// `advanceIntervalMustNotBeZero`, `advanceIntervalMustNotBeNegative`,
/// `advanceIntervalMustNotBeLargerThanWindowSize`, `gracePeriodShouldEnforceBoundaries`; the
/// messages are `TimeWindows`' own.
#[test]
fn time_windows_test_validation() {
    let size_msg = "Window size (sizeMs) must be larger than zero.";
    assert_eq!(WindowSpec::tumbling(ms(0), ms(0)).unwrap_err(), size_msg);
    assert_eq!(WindowSpec::tumbling(ms(-1), ms(0)).unwrap_err(), size_msg);
    let adv = |a: i64| {
        format!(
            "Window advancement interval should be more than zero and less than window duration \
             which is 123 ms, but given advancement interval is: {a} ms"
        )
    };
    assert_eq!(
        WindowSpec::hopping(ms(123), ms(0), ms(0)).unwrap_err(),
        adv(0)
    );
    assert_eq!(
        WindowSpec::hopping(ms(123), ms(-1), ms(0)).unwrap_err(),
        adv(-1)
    );
    assert_eq!(
        WindowSpec::hopping(ms(123), ms(124), ms(0)).unwrap_err(),
        adv(124)
    );
    assert!(WindowSpec::tumbling(ms(3), ms(0)).is_ok());
    assert_eq!(
        WindowSpec::tumbling(ms(3), ms(-1)).unwrap_err(),
        "Grace period must not be negative."
    );
}

/// `kstream/SlidingWindowsTest.timeDifferenceMustNotBeNegative`, `gracePeriodMustNotBeNegative`;
/// `kstream/SessionWindowsTest.windowSizeMustNotBeNegative`, `windowSizeMustNotBeZero`,
/// `gracePeriodShouldEnforceBoundaries`.
#[test]
fn sliding_and_session_windows_test_validation() {
    assert_eq!(
        WindowSpec::sliding(ms(-1), ms(5)).unwrap_err(),
        "Window time difference must not be negative."
    );
    assert_eq!(
        WindowSpec::sliding(ms(10), ms(-1)).unwrap_err(),
        "Window grace period must not be negative."
    );
    let gap = "Gap time cannot be zero or negative.";
    assert_eq!(WindowSpec::session(ms(-1), ms(0)).unwrap_err(), gap);
    assert_eq!(WindowSpec::session(ms(0), ms(0)).unwrap_err(), gap);
    assert!(WindowSpec::session(ms(3), ms(0)).is_ok());
    assert_eq!(
        WindowSpec::session(ms(3), ms(-1)).unwrap_err(),
        "Grace period must not be negative."
    );
}

// ---------------------------------------------------------------------------- sliding windows

/// Kafka's `gatherOutput`: per window start, the set of (value, timestamp) forwarded.
fn gather(results: &[Out]) -> BTreeMap<i64, BTreeSet<(String, i64)>> {
    let mut m: BTreeMap<i64, BTreeSet<(String, i64)>> = BTreeMap::new();
    for (_, start, _, v, ts) in results {
        m.entry(*start)
            .or_default()
            .insert((v.clone().unwrap(), *ts));
    }
    m
}

/// Kafka's expected map written `START VALUE TS; …`.
fn sets(text: &str) -> BTreeMap<i64, BTreeSet<(String, i64)>> {
    let results: Vec<Out> = text
        .split(';')
        .map(|r| {
            let f: Vec<&str> = r.split_whitespace().collect();
            let n = |i: usize| f[i].parse::<i64>().unwrap();
            (String::new(), n(0), 0, Some(f[1].to_string()), n(2))
        })
        .collect();
    gather(&results)
}

/// Runs `records` with both walks and both emit strategies against Kafka's expected maps.
fn check_sliding(spec: WindowSpec, records: &str, on_close: &str, on_update: &str) {
    let records = recs(records);
    for (emit, expected) in [(Emit::Final, on_close), (Emit::Eager, on_update)] {
        for r in both_walks(spec, emit, &records) {
            assert_eq!(gather(&r.results), sets(expected), "{emit:?}");
        }
    }
}

fn both_walks(spec: WindowSpec, emit: Emit, records: &[(String, String, i64)]) -> [Run; 2] {
    [Walk::Reverse, Walk::InOrder].map(|w| {
        run_with(
            spec,
            emit,
            STRING_INIT(),
            w,
            records,
            |i| (0, i as i64),
            None,
        )
    })
}

/// `kstream/internals/KStreamSlidingWindowAggregateTest.testAggregateSmallInput`
/// (difference 10, grace 5), both iterator orders, both emit strategies.
#[test]
fn kstream_sliding_window_aggregate_test_aggregate_small_input() {
    check_sliding(
        WindowSpec::sliding(ms(10), ms(5)).unwrap(),
        "A 1 10, A 2 10, A 3 14, A 4 15, A 5 20, A 6 22, A 7 30",
        // ON_WINDOW_CLOSE
        "0 0+1+2 10; 4 0+1+2+3 14; 5 0+1+2+3+4 15; 10 0+1+2+3+4+5 20; 11 0+3+4+5 20; \
         12 0+3+4+5+6 22",
        // ON_WINDOW_UPDATE
        "0 0+1 10; 0 0+1+2 10; 4 0+1+2+3 14; 5 0+1+2+3+4 15; 10 0+1+2+3+4+5 20; 11 0+3 14; \
         11 0+3+4 15; 11 0+3+4+5 20; 12 0+3+4+5+6 22; 15 0+4 15; 15 0+4+5 20; \
         15 0+4+5+6 22; 16 0+5 20; 16 0+5+6 22; 20 0+5+6+7 30; 21 0+6 22; 21 0+6+7 30; \
         23 0+7 30",
    );
}

/// `kstream/internals/KStreamSlidingWindowAggregateTest.testEarlyRecordsSmallInput`
/// (difference 50, grace 0): records before `difference` share the window `[0, 50]`.
#[test]
fn kstream_sliding_window_aggregate_test_early_records_small_input() {
    check_sliding(
        WindowSpec::sliding(ms(50), ms(0)).unwrap(),
        "A 1 0, A 2 5, A 3 6, A 4 3, A 5 13, A 6 10, A 7 70",
        // ON_WINDOW_CLOSE
        "0 0+1+2+3+4+5+6 13; 1 0+2+3+4+5+6 13; 4 0+2+3+5+6 13; 6 0+3+5+6 13; 7 0+5+6 13; \
         11 0+5 13",
        // ON_WINDOW_UPDATE
        "0 0+1 0; 0 0+1+2 5; 0 0+1+2+3 6; 0 0+1+2+3+4 6; 0 0+1+2+3+4+5 13; \
         0 0+1+2+3+4+5+6 13; 1 0+2 5; 1 0+2+3 6; 1 0+2+3+4 6; 1 0+2+3+4+5 13; \
         1 0+2+3+4+5+6 13; 4 0+2+3 6; 4 0+2+3+5 13; 4 0+2+3+5+6 13; 6 0+3 6; 6 0+3+5 13; \
         6 0+3+5+6 13; 7 0+5 13; 7 0+5+6 13; 11 0+5 13; 20 0+7 70",
    );
}

/// `kstream/internals/KStreamSlidingWindowAggregateTest.testEarlyRecordsRepeatedInput`
/// (difference 5, grace 0): early records at repeated timestamps.
#[test]
fn kstream_sliding_window_aggregate_test_early_records_repeated_input() {
    check_sliding(
        WindowSpec::sliding(ms(5), ms(0)).unwrap(),
        "A 1 0, A 2 2, A 3 4, A 4 0, A 5 2, A 6 2, A 7 0, A 8 7",
        // ON_WINDOW_CLOSE
        "0 0+1+2+3+4+5+6+7 4; 1 0+2+3+5+6 4",
        // ON_WINDOW_UPDATE
        "0 0+1 0; 0 0+1+2 2; 0 0+1+2+3+4+5 4; 0 0+1+2+3+4+5+6 4; 0 0+1+2+3 4; \
         0 0+1+2+3+4 4; 0 0+1+2+3+4+5+6+7 4; 1 0+2+3+5+6 4; 1 0+2 2; 1 0+2+3 4; \
         1 0+2+3+5 4; 2 0+2+3+5+6+8 7; 3 0+3 4; 3 0+3+8 7; 5 0+8 7",
    );
}

/// `kstream/internals/KStreamSlidingWindowAggregateTest.testNoGracePeriodSmallInput`
/// (difference 50, no grace): out-of-order records whose left windows have closed.
#[test]
fn kstream_sliding_window_aggregate_test_no_grace_period_small_input() {
    check_sliding(
        WindowSpec::sliding(ms(50), ms(0)).unwrap(),
        "A 1 100, A 2 105, A 3 106, A 4 103, A 5 113, A 6 110",
        // ON_WINDOW_CLOSE
        "50 0+1 100; 55 0+1+2 105; 56 0+1+2+3+4 106",
        // ON_WINDOW_UPDATE
        "50 0+1 100; 55 0+1+2 105; 56 0+1+2+3 106; 56 0+1+2+3+4 106; \
         63 0+1+2+3+4+5 113; 63 0+1+2+3+4+5+6 113; 101 0+2 105; 101 0+2+3 106; \
         101 0+2+3+4 106; 101 0+2+3+4+5 113; 101 0+2+3+4+5+6 113; 104 0+2+3 106; \
         104 0+2+3+5 113; 104 0+2+3+5+6 113; 106 0+3 106; 106 0+3+5 113; \
         106 0+3+5+6 113; 107 0+5 113; 107 0+5+6 113; 111 0+5 113",
    );
}

/// `kstream/internals/KStreamSlidingWindowAggregateTest.shouldLogAndMeterWhenSkippingExpiredWindowByGrace`
/// (difference 10, grace 90): seven skips with Kafka's log lines, then the outputs.
#[test]
fn kstream_sliding_window_aggregate_test_skipping_expired_window_by_grace() {
    let records = recs(
        "k 100 200, k 0 100, k 1 101, k 2 102, k 3 103, k 4 104, k 5 105, k 6 15, \
             k 101 300, k 102 400",
    );
    let spec = WindowSpec::sliding(ms(10), ms(90)).unwrap();
    let logs = vec![
        "Skipping record for expired window. topic=[topic] partition=[0] offset=[1] timestamp=[100] window=[90,100] expiration=[110] streamTime=[200]",
        "Skipping record for expired window. topic=[topic] partition=[0] offset=[2] timestamp=[101] window=[91,101] expiration=[110] streamTime=[200]",
        "Skipping record for expired window. topic=[topic] partition=[0] offset=[3] timestamp=[102] window=[92,102] expiration=[110] streamTime=[200]",
        "Skipping record for expired window. topic=[topic] partition=[0] offset=[4] timestamp=[103] window=[93,103] expiration=[110] streamTime=[200]",
        "Skipping record for expired window. topic=[topic] partition=[0] offset=[5] timestamp=[104] window=[94,104] expiration=[110] streamTime=[200]",
        "Skipping record for expired window. topic=[topic] partition=[0] offset=[6] timestamp=[105] window=[95,105] expiration=[110] streamTime=[200]",
        "Skipping record for expired window. topic=[topic] partition=[0] offset=[7] timestamp=[15] window=[15,25] expiration=[110] streamTime=[200]",
    ];
    for r in both_walks(spec, Emit::Final, &records) {
        assert_eq!(r.logs, logs);
        assert_eq!(r.results, outs("k 190 200 0+100 200; k 290 300 0+101 300"));
    }
    for r in both_walks(spec, Emit::Eager, &records) {
        assert_eq!(r.logs, logs);
        assert_eq!(
            r.results,
            outs("k 190 200 0+100 200; k 290 300 0+101 300; k 390 400 0+102 400")
        );
    }
}

/// `kstream/internals/SlidingWindowedKStreamImplTest.shouldCountSlidingWindows`
/// (difference 100, grace 1000): the last value and timestamp of each window.
#[test]
fn sliding_windowed_kstream_impl_test_count_sliding_windows() {
    let records = recs("1 1 100, 1 2 150, 1 3 500, 2 10 200, 2 20 150");
    let spec = WindowSpec::sliding(ms(100), ms(1000)).unwrap();
    let r = run(spec, Emit::Eager, Aggregation::Count, &records);
    let mut last: BTreeMap<(String, i64, i64), (String, i64)> = BTreeMap::new();
    for (k, s, e, v, ts) in &r.results {
        last.insert((k.clone(), *s, *e), (v.clone().unwrap(), *ts));
    }
    let at = |k: &str, s: i64, e: i64| last[&(k.to_string(), s, e)].clone();
    assert_eq!(at("1", 0, 100), ("1".into(), 100));
    assert_eq!(at("1", 101, 201), ("1".into(), 150));
    assert_eq!(at("1", 50, 150), ("2".into(), 150));
    assert_eq!(at("1", 400, 500), ("1".into(), 500));
    assert_eq!(at("2", 100, 200), ("2".into(), 200));
    assert_eq!(at("2", 50, 150), ("1".into(), 150));
    assert_eq!(at("2", 151, 251), ("1".into(), 200));
}

// ---------------------------------------------------------------------------- session windows

const SESSION_DATA: &str = "1 1 10, 1 2 15, 1 3 600, 2 1 600, 2 2 599";

/// `kstream/internals/SessionWindowedKStreamImplTest.shouldCountSessionWindowedWithCachingDisabled`
/// (gap 500, no grace).
#[test]
fn session_windowed_kstream_impl_test_count_caching_disabled() {
    let spec = WindowSpec::session(ms(500), ms(0)).unwrap();
    let fin = run(spec, Emit::Final, Aggregation::Count, &recs(SESSION_DATA));
    assert_eq!(fin.results, outs("1 10 15 2 15"));
    let eager = run(spec, Emit::Eager, Aggregation::Count, &recs(SESSION_DATA));
    assert_eq!(
        eager.results,
        outs(
            "1 10 10 1 10; 1 10 10 null 10; 1 10 15 2 15; 1 600 600 1 600; 2 600 600 1 600; \
             2 600 600 null 600; 2 599 600 2 600"
        )
    );
}

/// `kstream/internals/SessionWindowedKStreamImplTest.shouldAggregateSessionWindowed`: the merger
/// `aggOne + "+" + aggTwo` gives `0+0+1+2`.
#[test]
fn session_windowed_kstream_impl_test_aggregate_session_windowed() {
    let spec = WindowSpec::session(ms(500), ms(0)).unwrap();
    let fin = run(spec, Emit::Final, STRING_INIT(), &recs(SESSION_DATA));
    assert_eq!(fin.results, outs("1 10 15 0+0+1+2 15"));
    let eager = run(spec, Emit::Eager, STRING_INIT(), &recs(SESSION_DATA));
    assert_eq!(
        eager.results,
        outs(
            "1 10 10 0+1 10; 1 10 10 null 10; 1 10 15 0+0+1+2 15; 1 600 600 0+3 600; \
             2 600 600 0+1 600; 2 600 600 null 600; 2 599 600 0+0+1+2 600"
        )
    );
}

const GAP_MS: i64 = 5 * 60 * 1000;

/// The processor test's setup: `SessionWindows.ofInactivityGapWithNoGrace(GAP_MS)` over a store
/// kept `GAP_MS * 3` (`Stores.persistentSessionStore(STORE_NAME, ofMillis(GAP_MS * 3))`).
fn run_processor_test(emit: Emit, records: &[(&str, &str, i64)]) -> Run {
    run_with(
        WindowSpec::session(ms(GAP_MS), ms(0)).unwrap(),
        emit,
        Aggregation::Count,
        Walk::Reverse,
        records,
        |i| (0, i as i64),
        Some(GAP_MS * 3),
    )
}

/// `kstream/internals/KStreamSessionWindowAggregateProcessorTest.shouldImmediatelyForwardRemovedSessionsWhenMerging`.
#[test]
fn session_processor_test_forward_removed_sessions_when_merging() {
    let r = run_processor_test(Emit::Eager, &[("a", "1", 0), ("a", "1", 5)]);
    assert_eq!(r.results, outs("a 0 0 1 0; a 0 0 null 0; a 0 5 2 5"));
}

/// `kstream/internals/KStreamSessionWindowAggregateProcessorTest.shouldMergeSessions` and
/// `shouldUpdateSessionIfTheSameTime`: what the store holds afterwards.
#[test]
fn session_processor_test_merge_sessions() {
    let r = run_processor_test(
        Emit::Eager,
        &[
            ("mel", "first", 0),
            ("mel", "second", GAP_MS + 1),
            ("mel", "third", GAP_MS / 2),
        ],
    );
    assert_eq!(r.sessions, vec![("mel".to_string(), 0, GAP_MS + 1)]);
    assert_eq!(r.results.last().unwrap().3.as_deref(), Some("3"));
    let same = run_processor_test(Emit::Eager, &[("mel", "first", 0), ("mel", "second", 0)]);
    assert_eq!(same.sessions, vec![("mel".to_string(), 0, 0)]);
    assert_eq!(same.results.last().unwrap().3.as_deref(), Some("2"));
}

/// `kstream/internals/KStreamSessionWindowAggregateProcessorTest.shouldHaveMultipleSessionsForSameIdWhenTimestampApartBySessionGap`
/// (ON_WINDOW_CLOSE; the ON_WINDOW_UPDATE expectation there is the cached one).
#[test]
fn session_processor_test_multiple_sessions_apart_by_gap_final() {
    let now = GAP_MS + 1;
    let later = now + GAP_MS + 1;
    let r = run_processor_test(
        Emit::Final,
        &[
            ("mel", "first", 0),
            ("mel", "second", now),
            ("mel", "second", now),
            ("mel", "third", later),
            ("mel", "third", later),
            ("mel", "third", later),
        ],
    );
    assert_eq!(
        r.results,
        vec![
            o("mel", 0, 0, "1", 0),
            o("mel", GAP_MS + 1, GAP_MS + 1, "2", GAP_MS + 1)
        ]
    );
}

/// `kstream/internals/KStreamSessionWindowAggregateProcessorTest.shouldHandleMultipleSessionsAndMerging`
/// (ON_WINDOW_CLOSE).
#[test]
fn session_processor_test_multiple_sessions_and_merging_final() {
    let r = run_processor_test(
        Emit::Final,
        &[
            ("a", "1", 0),
            ("b", "1", 0),
            ("c", "1", 0),
            ("d", "1", 0),
            ("d", "2", GAP_MS / 2),
            ("a", "2", GAP_MS + 1),
            ("b", "2", GAP_MS + 1),
            ("a", "3", GAP_MS + 1 + GAP_MS / 2),
            ("c", "3", GAP_MS + 1 + GAP_MS / 2),
        ],
    );
    assert_eq!(
        r.results,
        vec![
            o("a", 0, 0, "1", 0),
            o("b", 0, 0, "1", 0),
            o("c", 0, 0, "1", 0),
            o("d", 0, GAP_MS / 2, "2", GAP_MS / 2),
        ]
    );
}

/// `kstream/internals/KStreamSessionWindowAggregateProcessorTest.shouldLogAndMeterWhenSkippingLateRecordWithZeroGrace`
/// and `…WithNonzeroGrace` (gap 10; records at partition -3, offset -2 as the test sets them).
#[test]
fn session_processor_test_skipping_late_record() {
    let late = |grace: i64, records: &str| {
        run_with(
            WindowSpec::session(ms(10), ms(grace)).unwrap(),
            Emit::Eager,
            Aggregation::Count,
            Walk::Reverse,
            &recs(records),
            |_| (-3, -2),
            Some(GAP_MS * 3),
        )
    };
    let zero = late(0, "dummy dummy 0, OnTime1 1 0, dummy dummy 11, Late1 1 0");
    assert_eq!(
        zero.logs,
        vec!["Skipping record for expired window. topic=[topic] partition=[-3] offset=[-2] timestamp=[0] window=[0,0] expiration=[1] streamTime=[11]"]
    );
    let nonzero = late(
        1,
        "dummy dummy 0, OnTime1 1 0, dummy dummy 11, OnTime2 1 0, dummy dummy 12, Late1 1 0",
    );
    assert_eq!(
        nonzero.logs,
        vec!["Skipping record for expired window. topic=[topic] partition=[-3] offset=[-2] timestamp=[0] window=[0,0] expiration=[1] streamTime=[12]"]
    );
    assert_eq!(nonzero.stream_time, 12);
}

/// `kstream/internals/KStreamWindowAggregateTest.shouldLogAndMeterWhenSkippingExpiredWindowByGrace`,
/// as a lesson's window cell writes it (`khafka_streams::text`): hopping windows of 10 ms advancing
/// by 10 ms (tumbling) with 90 ms of grace. After the record at 200 the windows `[100,110)` and
/// `[0,10)` are closed — the stream time each closes at (`closes_at`, what the cell's table shows)
/// is reached — so the seven later records are skipped, each at stream time 200. Kafka's lateness
/// metric (`streamTime - ts` per record) has max 194 and average 97.375; the cell shows each
/// skipped record's `streamTime - ts`. The one result is `[k@200/210]` `+100` at 200 (Kafka's
/// initializer is `""`; the cell's `concat` starts from `0`).
#[test]
fn kstream_window_aggregate_test_skipping_expired_window_by_grace_in_a_cell() {
    use khafka_streams::text::{lateness, output_line, parse_cell};
    let cell = parse_cell(
        "--window 'hopping size=10ms advance=10ms grace=90ms' --aggregate concat\n\
         k 100 200\nk 0 100\nk 1 101\nk 2 102\nk 3 103\nk 4 104\nk 5 105\nk 6 6\n",
    )
    .unwrap();
    let steps = cell.run().unwrap();
    let mut late = Vec::new();
    let mut results = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let ts = cell.records[i].1.timestamp;
        late.push(step.stream_time - ts);
        for e in &step.events {
            match e {
                Event::Dropped(d) => {
                    let (window, closes_at, now) = lateness(&cell.flags.spec, &d.reason).unwrap();
                    let expected_window = if ts == 6 { "[0,10)" } else { "[100,110)" };
                    assert_eq!(window.to_string(), expected_window);
                    assert_eq!((closes_at <= now, now), (true, 200), "{ts}");
                    if ts >= 100 {
                        // `expiration=[110]`: the window's end reached streamTime - grace exactly.
                        assert_eq!(closes_at, 200);
                    }
                }
                r => results.push(output_line(r)),
            }
        }
    }
    assert_eq!(late.iter().max(), Some(&194));
    assert_eq!(late.iter().sum::<i64>() as f64 / late.len() as f64, 97.375);
    assert_eq!(results, ["k@[200,210) 0+100 @200"]);
    assert_eq!(
        steps
            .iter()
            .flat_map(|s| &s.events)
            .filter(|e| matches!(e, Event::Dropped(_)))
            .count(),
        7
    );
}
