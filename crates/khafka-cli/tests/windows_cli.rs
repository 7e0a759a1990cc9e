//! `khafka windows` end to end: the exact interface and output, Kafka's refusals, and the input
//! bounds. Outputs that come from Kafka's own tests say which (apache/kafka `1eb7644349cb`,
//! `streams/src/test/java/org/apache/kafka/streams/kstream/internals/`); the values are copied
//! from them, written in the command's format.

use std::process::Command;

/// A temporary path of this test run for `name`.
fn temp(name: &str) -> String {
    let pid = std::process::id();
    let path = std::env::temp_dir().join(format!("khafka-windows-cli-{pid}-{name}"));
    path.to_string_lossy().into_owned()
}

/// Writes an input file and gives its path.
fn file(name: &str, text: &str) -> String {
    let path = temp(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `khafka windows --window SPEC [--emit E] --aggregate A FILE`: (exit code, stdout, stderr).
fn windows(spec: &str, emit: Option<&str>, aggregate: &str, path: &str) -> (i32, String, String) {
    let mut args = vec!["windows", "--window", spec];
    if let Some(e) = emit {
        args.extend(["--emit", e]);
    }
    args.extend(["--aggregate", aggregate, path]);
    let run = Command::new(env!("CARGO_BIN_EXE_khafka"))
        .args(&args)
        .output();
    let run = run.unwrap();
    let stdout = String::from_utf8(run.stdout).unwrap();
    let stderr = String::from_utf8(run.stderr).unwrap();
    (run.status.code().unwrap_or(-1), stdout, stderr)
}

/// Expects success and gives stdout.
fn ok(spec: &str, emit: Option<&str>, aggregate: &str, path: &str) -> String {
    let (code, out, err) = windows(spec, emit, aggregate, path);
    assert_eq!(code, 0, "stderr: {err}");
    out
}

/// Expects exit code 2 and gives the first line of stderr.
fn refused(spec: &str, aggregate: &str, path: &str) -> String {
    let (code, out, err) = windows(spec, None, aggregate, path);
    assert_eq!(code, 2, "stdout: {out}");
    assert!(out.is_empty(), "{out}");
    err.lines().next().unwrap_or_default().to_string()
}

/// `KStreamWindowAggregateTest.testAggBasic`: hopping 10/5, grace 100, every update in order.
#[test]
fn hopping_eager_matches_kafkas_test_agg_basic() {
    let input = file(
        "agg-basic.txt",
        "A 1 0\nB 2 1\nC 3 2\nD 4 3\nA 1 4\nA 1 5\nB 2 6\nD 4 7\nB 2 8\nC 3 9\nA 1 10\nB 2 11\n\
         D 4 12\nB 2 13\nC 3 14\nB 1 3\nB 2 2\nB 3 9\n",
    );
    let spec = "hopping size=10ms advance=5ms grace=100ms";
    assert_eq!(
        ok(spec, None, "concat", &input),
        "A@[0,10) 0+1 @0\nB@[0,10) 0+2 @1\nC@[0,10) 0+3 @2\nD@[0,10) 0+4 @3\n\
         A@[0,10) 0+1+1 @4\nA@[0,10) 0+1+1+1 @5\nA@[5,15) 0+1 @5\nB@[0,10) 0+2+2 @6\n\
         B@[5,15) 0+2 @6\nD@[0,10) 0+4+4 @7\nD@[5,15) 0+4 @7\nB@[0,10) 0+2+2+2 @8\n\
         B@[5,15) 0+2+2 @8\nC@[0,10) 0+3+3 @9\nC@[5,15) 0+3 @9\nA@[5,15) 0+1+1 @10\n\
         A@[10,20) 0+1 @10\nB@[5,15) 0+2+2+2 @11\nB@[10,20) 0+2 @11\nD@[5,15) 0+4+4 @12\n\
         D@[10,20) 0+4 @12\nB@[5,15) 0+2+2+2+2 @13\nB@[10,20) 0+2+2 @13\nC@[5,15) 0+3+3 @14\n\
         C@[10,20) 0+3 @14\nB@[0,10) 0+2+2+2+1 @8\nB@[0,10) 0+2+2+2+1+2 @8\n\
         B@[0,10) 0+2+2+2+1+2+3 @9\nB@[5,15) 0+2+2+2+2+3 @13\ndropped-records-total 0\n"
    );
    // "Nothing processed since grace is 100L and no window closes"
    assert_eq!(
        ok(spec, Some("final"), "concat", &input),
        "dropped-records-total 0\n"
    );
}

/// `TimeWindowedKStreamImplTest.shouldCountWindowed`: tumbling 500 ms, no grace.
#[test]
fn tumbling_count_matches_kafkas_should_count_windowed() {
    let input = file(
        "count.txt",
        "1 1 10\n1 2 15\n1 3 500\n2 10 550\n2 20 500\n2 30 1000\n",
    );
    let spec = "tumbling size=500ms";
    assert_eq!(
        ok(spec, Some("eager"), "count", &input),
        "1@[0,500) 1 @10\n1@[0,500) 2 @15\n1@[500,1000) 1 @500\n2@[500,1000) 1 @550\n\
         2@[500,1000) 2 @550\n2@[1000,1500) 1 @1000\ndropped-records-total 0\n"
    );
    assert_eq!(
        ok(spec, Some("final"), "count", &input),
        "1@[0,500) 2 @15\n1@[500,1000) 1 @500\n2@[500,1000) 2 @550\ndropped-records-total 0\n"
    );
}

/// `KStreamWindowAggregateTest.shouldLogAndMeterWhenSkippingExpiredWindow` (hopping 10/5,
/// grace 90; Kafka's test starts concat from "" where the command starts from "0"): seven skips,
/// each at its record's arrival, and Kafka's log lines on stderr.
#[test]
fn late_records_are_dropped_where_kafkas_test_drops_them() {
    let input = file(
        "expired.txt",
        "k 100 100\nk 0 0\nk 1 1\nk 2 2\nk 3 3\nk 4 4\nk 5 5\nk 6 6\nk 105 105\nk 106 106\n",
    );
    let spec = "hopping size=10ms advance=5ms grace=90ms";
    let (code, out, err) = windows(spec, None, "concat", &input);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "k@[95,105) 0+100 @100\nk@[100,110) 0+100 @100\ndropped k 0 @0\ndropped k 1 @1\n\
         dropped k 2 @2\ndropped k 3 @3\ndropped k 4 @4\ndropped k 5 @5\nk@[5,15) 0+5 @5\n\
         dropped k 6 @6\nk@[5,15) 0+5+6 @6\nk@[100,110) 0+100+105 @105\nk@[105,115) 0+105 @105\n\
         k@[100,110) 0+100+105+106 @106\nk@[105,115) 0+105+106 @106\ndropped-records-total 7\n"
    );
    assert_eq!(err.lines().count(), 7);
    assert_eq!(
        err.lines().next().unwrap(),
        "WARN Skipping record for expired window. topic=[input] partition=[0] offset=[1] \
         timestamp=[0] window=[0,10) expiration=[10] streamTime=[100]"
    );
    // "Window close time is 15 when timestamp is 105"
    assert_eq!(
        ok(spec, Some("final"), "concat", &input),
        "dropped k 0 @0\ndropped k 1 @1\ndropped k 2 @2\ndropped k 3 @3\ndropped k 4 @4\n\
         dropped k 5 @5\ndropped k 6 @6\nk@[5,15) 0+5+6 @6\ndropped-records-total 7\n"
    );
}

/// `KStreamSlidingWindowAggregateTest.shouldLogAndMeterWhenSkippingExpiredWindowByGrace`
/// (difference 10, grace 90): inclusive windows, seven skips, both emit strategies.
#[test]
fn sliding_matches_kafkas_skipping_by_grace() {
    let input = file(
        "sliding.txt",
        "k 100 200\nk 0 100\nk 1 101\nk 2 102\nk 3 103\nk 4 104\nk 5 105\nk 6 15\nk 101 300\n\
         k 102 400\n",
    );
    let spec = "sliding difference=10ms grace=90ms";
    let drops = "dropped k 0 @100\ndropped k 1 @101\ndropped k 2 @102\ndropped k 3 @103\n\
                 dropped k 4 @104\ndropped k 5 @105\ndropped k 6 @15\n";
    assert_eq!(
        ok(spec, None, "concat", &input),
        format!(
            "k@[190,200] 0+100 @200\n{drops}k@[290,300] 0+101 @300\nk@[390,400] 0+102 @400\n\
             dropped-records-total 7\n"
        )
    );
    assert_eq!(
        ok(spec, Some("final"), "concat", &input),
        format!("{drops}k@[190,200] 0+100 @200\nk@[290,300] 0+101 @300\ndropped-records-total 7\n")
    );
}

/// `SessionWindowedKStreamImplTest.shouldAggregateSessionWindowed` and
/// `shouldCountSessionWindowedWithCachingDisabled` (gap 500): tombstones for merged sessions.
#[test]
fn session_matches_kafkas_session_windowed_tests() {
    let input = file("session.txt", "1 1 10\n1 2 15\n1 3 600\n2 1 600\n2 2 599\n");
    let spec = "session gap=500ms";
    assert_eq!(
        ok(spec, None, "concat", &input),
        "1@[10,10] 0+1 @10\n1@[10,10] null @10\n1@[10,15] 0+0+1+2 @15\n1@[600,600] 0+3 @600\n\
         2@[600,600] 0+1 @600\n2@[600,600] null @600\n2@[599,600] 0+0+1+2 @600\n\
         dropped-records-total 0\n"
    );
    assert_eq!(
        ok(spec, Some("final"), "count", &input),
        "1@[10,15] 2 @15\ndropped-records-total 0\n"
    );
}

/// The window specifications Kafka refuses, with Kafka's messages.
#[test]
fn kafka_refuses_bad_windows_with_its_messages() {
    let input = file("one.txt", "A 1 0\n");
    let cases = [
        (
            "tumbling size=0ms",
            "Window size (sizeMs) must be larger than zero.",
        ),
        (
            "tumbling size=-5s",
            "Window size (sizeMs) must be larger than zero.",
        ),
        (
            "tumbling size=10ms grace=-1ms",
            "Grace period must not be negative.",
        ),
        (
            "hopping size=10ms advance=11ms",
            "Window advancement interval should be more than zero and less than window duration \
             which is 10 ms, but given advancement interval is: 11 ms",
        ),
        (
            "hopping size=10ms advance=0ms",
            "Window advancement interval should be more than zero and less than window duration \
             which is 10 ms, but given advancement interval is: 0 ms",
        ),
        (
            "sliding difference=-1ms",
            "Window time difference must not be negative.",
        ),
        (
            "sliding difference=5ms grace=-1s",
            "Window grace period must not be negative.",
        ),
        ("session gap=0ms", "Gap time cannot be zero or negative."),
        (
            "session gap=1s grace=-2ms",
            "Grace period must not be negative.",
        ),
        (
            "session gap=9223372036854775807s",
            "Invalid value for parameter \"inactivityGap\" (value was: PT2562047788015215H30M7S). \
             It can't be converted to milliseconds.",
        ),
    ];
    for (spec, message) in cases {
        assert_eq!(refused(spec, "count", &input), message, "{spec}");
    }
}

/// khafka's own limits and input errors: each refused with a clear message, nothing printed.
#[test]
fn inputs_are_bounded() {
    let one = file("bounded.txt", "A 1 0\n");
    let hop = refused("hopping size=10001ms advance=1ms", "count", &one);
    assert!(
        hop.contains("10001 hopping windows") && hop.contains("10000"),
        "{hop}"
    );
    assert!(refused("weekly size=1s", "count", &one).contains("unknown window kind"));
    assert!(refused("tumbling size=10", "count", &one).contains("a duration is"));
    assert!(refused("tumbling size=10ms gap=1s", "count", &one).contains("not `gap`"));
    assert!(refused("hopping size=10ms", "count", &one).contains("need advance"));
    assert!(refused("tumbling size=10ms", "avg", &one).contains("invalid --aggregate"));
    let bad_sum = file("bad-sum.txt", "A x 0\n");
    assert!(refused("tumbling size=10ms", "sum", &bad_sum).contains(":1: value `x` is not a long"));
    let bad_line = file("bad-line.txt", "A 1\n");
    assert!(refused("tumbling size=10ms", "count", &bad_line)
        .contains("expected `KEY VALUE TIMESTAMP_MS`"));
    let huge_ts = file("huge-ts.txt", "A 1 9223372036854775808\n");
    assert!(refused("tumbling size=10ms", "count", &huge_ts).contains("long range"));
    let edge_ts = file("edge-ts.txt", "A 1 9223372036854775800\n");
    assert!(refused("tumbling size=10ms", "count", &edge_ts).contains("overflow a long"));
    let lines = file("too-many.txt", &"\n".repeat(1_000_001));
    assert!(refused("tumbling size=10ms", "count", &lines).contains("more than 1000000 lines"));
    let big = temp("too-big.txt");
    let sparse = std::fs::File::create(&big).unwrap();
    sparse.set_len(64 * 1024 * 1024 + 1).unwrap();
    assert!(refused("tumbling size=10ms", "count", &big).contains("64 MiB"));
    std::fs::remove_file(&big).unwrap();
    // Sliding windows over one key copy ever longer concat aggregates: the bytes copied count as
    // work (5,000 records took 30 s when only the updates counted).
    let input: String = (0..5_000).map(|i| format!("a {i} {i}\n")).collect();
    let one_key = file("one-key.txt", &input);
    let (code, out, err) = windows("sliding difference=1d", Some("final"), "concat", &one_key);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.starts_with("more than 100000000 window reads and updates by record 2034"),
        "{err}"
    );
}

/// Negative timestamps are skipped before the aggregation and counted (`RecordQueue`, with the
/// `LogAndSkipOnInvalidTimestamp` extractor); `sum` wraps like a Java long.
#[test]
fn negative_timestamps_are_skipped_and_sums_wrap() {
    let input = file("negative.txt", "A 9223372036854775807 5\nA -3 -1\nA 1 6\n");
    let (code, out, err) = windows("tumbling size=10ms", None, "sum", &input);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "A@[0,10) 9223372036854775807 @5\ndropped A -3 @-1\nA@[0,10) -9223372036854775808 @6\n\
         dropped-records-total 1\n"
    );
    assert_eq!(
        err,
        "WARN Skipping record due to negative extracted timestamp. topic=[input] partition=[0] \
         offset=[1] extractedTimestamp=[-1] \
         extractor=[org.apache.kafka.streams.processor.LogAndSkipOnInvalidTimestamp]\n"
    );
}
