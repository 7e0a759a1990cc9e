//! `khafka assign` run as a binary: exact output for examples from Kafka's assignor tests, and
//! the refusals of bad input.

mod common;

/// Runs `khafka assign ARGS...`: (exit code, stdout, stderr).
fn khafka(args: &[&str]) -> (i32, String, String) {
    let all: Vec<&str> = std::iter::once("assign")
        .chain(args.iter().copied())
        .collect();
    common::khafka(&all)
}

fn ok(args: &[&str]) -> String {
    let (code, out, err) = khafka(args);
    assert_eq!(code, 0, "stderr: {err}");
    out
}

fn refused(args: &[&str], needle: &str) {
    let (code, out, err) = khafka(args);
    assert_eq!(code, 2, "stdout: {out}");
    assert!(err.contains(needle), "stderr `{err}` lacks `{needle}`");
}

const MIXED: [&str; 10] = [
    "--topic",
    "topic1:3",
    "--topic",
    "topic2:2",
    "--member",
    "consumer1:topic1",
    "--member",
    "consumer2:topic1,topic2",
    "--member",
    "consumer3:topic1",
];

#[test]
fn range_mixed_topics() {
    // RangeAssignorTest.testMultipleConsumersMixedTopics
    let mut args = vec!["--assignor", "range"];
    args.extend(MIXED);
    assert_eq!(
        ok(&args),
        "consumer1\ttopic1-0\nconsumer2\ttopic1-1,topic2-0,topic2-1\nconsumer3\ttopic1-2\n"
    );
}

#[test]
fn sticky_mixed_topics() {
    // AbstractStickyAssignorTest.testMultipleConsumersMixedTopicSubscriptions
    let mut args = vec!["--assignor", "sticky"];
    args.extend(MIXED);
    assert_eq!(
        ok(&args),
        "consumer1\ttopic1-0,topic1-2\nconsumer2\ttopic2-0,topic2-1\nconsumer3\ttopic1-1\n"
    );
}

#[test]
fn roundrobin_static_member_first() {
    // RoundRobinAssignorTest.testOneStaticConsumerAndOneDynamicConsumerTwoTopicsSixPartitions
    let out = ok(&[
        "--assignor",
        "roundrobin",
        "--topic",
        "topic1:3",
        "--topic",
        "topic2:3",
        "--member",
        "consumer-b/instance1:topic1,topic2",
        "--member",
        "consumer-a:topic1,topic2",
    ]);
    assert_eq!(
        out,
        "consumer-b\ttopic1-0,topic1-2,topic2-1\nconsumer-a\ttopic1-1,topic2-0,topic2-2\n"
    );
}

#[test]
fn cooperative_round_withholds_the_moving_partition() {
    // AbstractStickyAssignorTest.testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers,
    // first cooperative round: topic2-0 leaves consumer1 and nobody gets it yet.
    let base = [
        "--topic",
        "topic1:2",
        "--topic",
        "topic2:2",
        "--member",
        "consumer1:topic1,topic2",
        "--member",
        "consumer2:topic1,topic2",
        "--member",
        "consumer3:topic1,topic2",
        "--owned",
        "consumer1:topic1-0,topic2-0",
        "--owned",
        "consumer2:topic1-1,topic2-1",
    ];
    let mut coop = vec!["--assignor", "cooperative-sticky"];
    coop.extend(base);
    assert_eq!(
        ok(&coop),
        "consumer1\ttopic1-0\nconsumer2\ttopic1-1,topic2-1\nconsumer3\t\n"
    );
    let mut eager = vec!["--assignor", "sticky"];
    eager.extend(base);
    assert_eq!(
        ok(&eager),
        "consumer1\ttopic1-0\nconsumer2\ttopic1-1,topic2-1\nconsumer3\ttopic2-0\n"
    );
}

#[test]
fn uniform_keeps_previous_assignment_up_to_quota() {
    // OptimizedUniformAssignmentBuilderTest.testReassignmentForTwoMembersTwoTopicsGivenUnbalancedPrevAssignment
    let out = ok(&[
        "--assignor",
        "uniform",
        "--topic",
        "topic1:3",
        "--topic",
        "topic2:3",
        "--member",
        "A:topic1,topic2",
        "--member",
        "B:topic1,topic2",
        "--owned",
        "A:topic1-0,topic1-1,topic2-0,topic2-1",
        "--owned",
        "B:topic1-2,topic2-2",
    ]);
    assert_eq!(
        out,
        "A\ttopic1-0,topic1-1,topic2-0\nB\ttopic1-2,topic2-1,topic2-2\n"
    );
}

#[test]
fn server_range_sorts_static_members_first() {
    // group-coordinator RangeAssignorTest.testMixedStaticMembership (A, C static; B dynamic)
    let out = ok(&[
        "--assignor",
        "server-range",
        "--topic",
        "topic1:5",
        "--member",
        "B:topic1",
        "--member",
        "A/instanceA:topic1",
        "--member",
        "C/instanceC:topic1",
    ]);
    assert_eq!(
        out,
        "B\ttopic1-4\nA\ttopic1-0,topic1-1\nC\ttopic1-2,topic1-3\n"
    );
}

#[test]
fn bad_input_is_refused_clearly() {
    let t = ["--assignor", "sticky", "--topic", "t:3"];
    let with = |extra: &[&'static str]| {
        let mut v: Vec<&str> = t.to_vec();
        v.extend_from_slice(extra);
        v
    };
    refused(
        &with(&["--member", "a:t", "--member", "a:t"]),
        "member `a` is given twice",
    );
    refused(&with(&["--member", "a:u"]), "no --topic declares");
    refused(
        &with(&["--member", "a:t", "--owned", "a:t-3"]),
        "partitions 0 to 2",
    );
    refused(
        &with(&["--member", "a:t", "--owned", "a:t3"]),
        "not TOPIC-PARTITION",
    );
    refused(
        &with(&["--member", "a:t", "--owned", "b:t-0"]),
        "no --member declares",
    );
    refused(
        &with(&["--member", "a:t", "--owned", "a:u-0"]),
        "no --topic declares `u`",
    );
    refused(
        &with(&["--topic", "t:4", "--member", "a:t"]),
        "topic `t` is given twice",
    );
    refused(
        &["--assignor", "sticky", "--topic", "t:0", "--member", "a:t"],
        "at least one partition",
    );
    refused(
        &[
            "--assignor",
            "sticky",
            "--topic",
            "t:99999999999",
            "--member",
            "a:t",
        ],
        "whole number",
    );
    refused(
        &[
            "--assignor",
            "range",
            "--topic",
            "t:60000",
            "--topic",
            "u:60000",
            "--member",
            "a:t",
        ],
        "at most 100000",
    );
    refused(
        &["--assignor", "nope", "--topic", "t:1", "--member", "a:t"],
        "unknown assignor",
    );
    refused(&["--topic", "t:1", "--member", "a:t"], "missing --assignor");
    refused(
        &["--assignor", "range", "--topic", "bad/name:1"],
        "not a legal Kafka topic name",
    );
    refused(
        &[
            "--assignor",
            "uniform",
            "--topic",
            "t:2",
            "--member",
            "a:t",
            "--member",
            "b:t",
            "--owned",
            "a:t-0",
            "--owned",
            "b:t-0",
        ],
        "owned by `a` and `b`",
    );
}

#[test]
fn a_partition_two_members_own_is_reassigned_as_kafka_does() {
    // CooperativeStickyAssignorTest.testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithEqualPartitionsPerConsumer
    let out = ok(&[
        "--assignor",
        "cooperative-sticky",
        "--topic",
        "topic:3",
        "--member",
        "consumer1:topic",
        "--member",
        "consumer2:topic",
        "--member",
        "consumer3:topic",
        "--owned",
        "consumer1:topic-0,topic-1",
        "--owned",
        "consumer2:topic-0,topic-2",
    ]);
    assert_eq!(out, "consumer1\ttopic-1\nconsumer2\ttopic-2\nconsumer3\t\n");
}

#[test]
fn an_empty_subscription_visited_first_is_kafkas_quirk() {
    // Kafka's allSubscriptionsEqual re-seeds its topic set from the next member when the first
    // one (here m0: "m0".hashCode() lands in an earlier bucket than "m1") subscribes to nothing.
    let (code, out, err) = khafka(&[
        "--assignor",
        "sticky",
        "--topic",
        "t:1",
        "--member",
        "m1:t",
        "--member",
        "m0:",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, "m1\t\nm0\tt-0\n");
    assert!(err.contains("subscribes to no topic"), "{err}");
}

/// Members with different subscriptions take the sticky assignors' general path, whose work (as
/// in Kafka) grows with partitions × members × partitions moved: 10,000 members on 100,000
/// partitions ran for minutes. Past 100 million partition-member pairs it is refused at once;
/// the range assignor and equal subscriptions are not bounded by it.
#[test]
fn the_sticky_general_path_is_bounded() {
    let mut args: Vec<String> = vec!["--assignor".into(), "sticky".into()];
    for t in 0..10 {
        args.extend(["--topic".into(), format!("t{t}:10000")]);
    }
    let members = |mixed: bool| -> Vec<String> {
        (0..1001)
            .flat_map(|m| {
                let topics = if mixed && m % 2 == 1 {
                    "t0".to_string()
                } else {
                    (0..10)
                        .map(|t| format!("t{t}"))
                        .collect::<Vec<_>>()
                        .join(",")
                };
                ["--member".to_string(), format!("m{m}:{topics}")]
            })
            .collect()
    };
    let mixed: Vec<String> = args.iter().cloned().chain(members(true)).collect();
    let mixed: Vec<&str> = mixed.iter().map(String::as_str).collect();
    refused(
        &mixed,
        "100000 partitions × 1001 members with different subscriptions",
    );
    let equal: Vec<String> = args.iter().cloned().chain(members(false)).collect();
    let equal: Vec<&str> = equal.iter().map(String::as_str).collect();
    let out = ok(&equal);
    assert_eq!(out.lines().count(), 1001);
}
