//! The worked examples of `kafka-semantics.md` §11.2 ("Own examples"), and where Kafka's code
//! says otherwise: the session example holds only when the session store keeps sessions longer
//! than its default retention of `gap + grace`.

use khafka_streams::{
    Aggregation, Emit, Event, JavaDuration, Record, WindowSpec, WindowedAggregation,
};

/// Runs `KEY TS, …` (values are the record's position) and prints each event as the CLI does.
fn lines(mut p: WindowedAggregation, records: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, r) in records.split(',').enumerate() {
        let f: Vec<&str> = r.split_whitespace().collect();
        let record = Record {
            key: f[0].into(),
            value: i.to_string(),
            timestamp: f[1].parse().unwrap(),
        };
        for e in p.process(&record).unwrap() {
            out.push(match e {
                Event::Result {
                    key, window, value, ..
                } => {
                    format!(
                        "{key}@{window} {}",
                        value.map_or("null".into(), |v| v.to_string())
                    )
                }
                Event::Dropped(d) => format!("dropped {} {}", d.timestamp, d.log_message(None)),
            });
        }
    }
    out
}

fn ms(n: i64) -> JavaDuration {
    JavaDuration::of_millis(n)
}

fn eager(spec: WindowSpec) -> WindowedAggregation {
    WindowedAggregation::new(spec, Emit::Eager, Aggregation::Count)
}

#[test]
fn tumbling_size_10_grace_5() {
    let out = lines(
        eager(WindowSpec::tumbling(ms(10), ms(5)).unwrap()),
        "A 40, A 24, A 31",
    );
    assert_eq!(
        out,
        [
            "A@[40,50) 1",
            "dropped 24 Skipping record for expired window. Topic, partition, and offset not known. \
             timestamp=[24] window=[20,30) expiration=[35] streamTime=[40]",
            "A@[30,40) 1",
        ]
    );
}

#[test]
fn hopping_size_20_advance_15() {
    let out = lines(
        eager(WindowSpec::hopping(ms(20), ms(15), ms(100)).unwrap()),
        "A 31, B 3, C 15",
    );
    assert_eq!(
        out,
        [
            "A@[15,35) 1",
            "A@[30,50) 1",
            "B@[0,20) 1",
            "C@[0,20) 1",
            "C@[15,35) 1"
        ]
    );
}

#[test]
fn sliding_difference_10() {
    let out = lines(
        eager(WindowSpec::sliding(ms(10), ms(100)).unwrap()),
        "A 20, A 25, A 40",
    );
    // A@25: the previous record's right window first (`createWindows`), then its left window.
    assert_eq!(
        out,
        ["A@[10,20] 1", "A@[21,31] 1", "A@[15,25] 2", "A@[30,40] 1"]
    );
}

const SESSION_INPUT: &str = "A 0, A 15, A 8, A 25, A 40, A 2";

/// §11.2's narrative: A@8 merges [0,0] and [15,15]; A@25 extends to [0,25]; A@2 is dropped
/// against [0,25]. Kafka gives exactly this when the store keeps sessions long enough
/// (`Materialized.withRetention`, as `KStreamSessionWindowAggregateProcessorTest` does).
#[test]
fn session_gap_10_with_a_long_retention_is_the_documented_story() {
    let p = eager(WindowSpec::session(ms(10), ms(0)).unwrap()).with_session_retention(1000);
    assert_eq!(
        lines(p, SESSION_INPUT),
        [
            "A@[0,0] 1",
            "A@[15,15] 1",
            "A@[0,0] null",
            "A@[15,15] null",
            "A@[0,15] 3",
            "A@[0,15] null",
            "A@[0,25] 4",
            "A@[40,40] 1",
            "dropped 2 Skipping record for expired window. Topic, partition, and offset not known. \
             timestamp=[2] window=[0,25] expiration=[30] streamTime=[40]",
        ]
    );
}

/// With the default retention (`gap + grace` = 10), the store no longer returns [0,0] once a
/// session ending at 15 has been written (`actualFrom = 15 - 10 + 1 = 6`): A@8 merges only with
/// [15,15]. [0,0] had already closed (close time 15 - 0 - 10 = 5), so it is never revived.
#[test]
fn session_gap_10_with_the_default_retention() {
    let p = eager(WindowSpec::session(ms(10), ms(0)).unwrap());
    assert_eq!(
        lines(p, SESSION_INPUT),
        [
            "A@[0,0] 1",
            "A@[15,15] 1",
            "A@[15,15] null",
            "A@[8,15] 2",
            "A@[8,15] null",
            "A@[8,25] 3",
            "A@[40,40] 1",
            "dropped 2 Skipping record for expired window. Topic, partition, and offset not known. \
             timestamp=[2] window=[2,2] expiration=[30] streamTime=[40]",
        ]
    );
}
