//! The consumer group assignors against examples from Kafka's own assignor tests (apache/kafka
//! trunk of 2024-10, `clients/src/test/java/org/apache/kafka/clients/consumer/` and
//! `group-coordinator/src/test/java/org/apache/kafka/coordinator/group/assignor/`). Each test
//! names the Kafka test it reproduces; the expected assignments are copied from it. Then
//! property tests of the invariants.

#![cfg(feature = "groups")]

use khafka_sim::client::consumer::assignor::{
    ClientAssignor, GroupAssignment, PartitionsPerTopic, Subscription, TopicPartition,
};
use khafka_sim::coordinator::group::assignor::{MemberSpec, ServerAssignor};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

fn topics(list: &[(&str, i32)]) -> PartitionsPerTopic {
    list.iter().map(|(t, n)| (t.to_string(), *n)).collect()
}

fn tp(t: &str, p: i32) -> TopicPartition {
    TopicPartition::new(t, p)
}

fn member(id: &str, subscribed: &[&str], owned: &[(&str, i32)], generation: i32) -> Subscription {
    Subscription {
        owned_partitions: owned.iter().map(|(t, p)| tp(t, *p)).collect(),
        generation: Some(generation),
        ..Subscription::new(id, subscribed)
    }
}

fn with_instance(mut m: Subscription, instance: &str) -> Subscription {
    m.group_instance_id = Some(instance.to_string());
    m
}

/// The partitions of one member, in the order the assignor returned them.
fn got(a: &GroupAssignment, id: &str) -> Vec<TopicPartition> {
    a[id].clone()
}

fn list(items: &[(&str, i32)]) -> Vec<TopicPartition> {
    items.iter().map(|(t, p)| tp(t, *p)).collect()
}

/// The next cooperative round: every member now owns what the last round gave it.
fn next_round(members: &[Subscription], last: &GroupAssignment) -> Vec<Subscription> {
    members
        .iter()
        .map(|m| Subscription {
            owned_partitions: last[&m.member_id].clone(),
            ..m.clone()
        })
        .collect()
}

// ---- RangeAssignor (RangeAssignorTest) ----

#[test]
fn range_and_roundrobin_multiple_consumers_mixed_topics() {
    // RangeAssignorTest.testMultipleConsumersMixedTopics and
    // RoundRobinAssignorTest.testMultipleConsumersMixedTopics expect the same assignment.
    let t = topics(&[("topic1", 3), ("topic2", 2)]);
    let ms = [
        Subscription::new("consumer1", &["topic1"]),
        Subscription::new("consumer2", &["topic1", "topic2"]),
        Subscription::new("consumer3", &["topic1"]),
    ];
    for assignor in [ClientAssignor::Range, ClientAssignor::RoundRobin] {
        let a = assignor.assign(&t, &ms);
        assert_eq!(got(&a, "consumer1"), list(&[("topic1", 0)]));
        assert_eq!(
            got(&a, "consumer2"),
            list(&[("topic1", 1), ("topic2", 0), ("topic2", 1)])
        );
        assert_eq!(got(&a, "consumer3"), list(&[("topic1", 2)]));
    }
}

#[test]
fn range_static_member_sorts_first() {
    // RangeAssignorTest.testOneStaticConsumerAndOneDynamicConsumerTwoTopicsSixPartitions
    let t = topics(&[("topic1", 3), ("topic2", 3)]);
    let ms = [
        with_instance(
            Subscription::new("consumer-b", &["topic1", "topic2"]),
            "instance1",
        ),
        Subscription::new("consumer-a", &["topic1", "topic2"]),
    ];
    let a = ClientAssignor::Range.assign(&t, &ms);
    assert_eq!(
        got(&a, "consumer-b"),
        list(&[("topic1", 0), ("topic1", 1), ("topic2", 0), ("topic2", 1)])
    );
    assert_eq!(got(&a, "consumer-a"), list(&[("topic1", 2), ("topic2", 2)]));
}

// ---- RoundRobinAssignor (RoundRobinAssignorTest) ----

#[test]
fn roundrobin_static_member_sorts_first() {
    // RoundRobinAssignorTest.testOneStaticConsumerAndOneDynamicConsumerTwoTopicsSixPartitions
    let t = topics(&[("topic1", 3), ("topic2", 3)]);
    let ms = [
        with_instance(
            Subscription::new("consumer-b", &["topic1", "topic2"]),
            "instance1",
        ),
        Subscription::new("consumer-a", &["topic1", "topic2"]),
    ];
    let a = ClientAssignor::RoundRobin.assign(&t, &ms);
    assert_eq!(
        got(&a, "consumer-b"),
        list(&[("topic1", 0), ("topic1", 2), ("topic2", 1)])
    );
    assert_eq!(
        got(&a, "consumer-a"),
        list(&[("topic1", 1), ("topic2", 0), ("topic2", 2)])
    );
}

// ---- StickyAssignor / CooperativeStickyAssignor (AbstractStickyAssignorTest) ----

#[test]
fn sticky_two_consumers_two_topics_six_partitions() {
    // AbstractStickyAssignorTest.testTwoConsumersTwoTopicsSixPartitions (both assignors)
    let t = topics(&[("topic1", 3), ("topic2", 3)]);
    let ms = [
        Subscription::new("consumer1", &["topic1", "topic2"]),
        Subscription::new("consumer2", &["topic1", "topic2"]),
    ];
    for a in [ClientAssignor::Sticky, ClientAssignor::CooperativeSticky] {
        let r = a.assign(&t, &ms);
        assert_eq!(
            got(&r, "consumer1"),
            list(&[("topic1", 0), ("topic1", 2), ("topic2", 1)])
        );
        assert_eq!(
            got(&r, "consumer2"),
            list(&[("topic1", 1), ("topic2", 0), ("topic2", 2)])
        );
    }
}

#[test]
fn sticky_consumer_owning_min_quota_expected_max_quota() {
    // AbstractStickyAssignorTest.testConsumerOwningMinQuotaExpectedMaxQuota
    let t = topics(&[("topic1", 2), ("topic2", 3)]);
    let sub = ["topic1", "topic2"];
    let ms = [
        member("consumer1", &sub, &[("topic1", 0), ("topic2", 1)], 1),
        member("consumer2", &sub, &[("topic1", 1), ("topic2", 2)], 1),
    ];
    for a in [ClientAssignor::Sticky, ClientAssignor::CooperativeSticky] {
        let r = a.assign(&t, &ms);
        assert_eq!(
            got(&r, "consumer1"),
            list(&[("topic1", 0), ("topic2", 1), ("topic2", 0)])
        );
        assert_eq!(got(&r, "consumer2"), list(&[("topic1", 1), ("topic2", 2)]));
    }
}

#[test]
fn sticky_all_consumers_under_min_quota() {
    // AbstractStickyAssignorTest.testAllConsumersAreUnderMinQuota
    let t = topics(&[("topic1", 2), ("topic2", 3)]);
    let sub = ["topic1", "topic2"];
    let ms = [
        member("consumer1", &sub, &[("topic1", 0)], 1),
        member("consumer2", &sub, &[("topic1", 1)], 1),
        member("consumer3", &sub, &[], 1),
    ];
    for a in [ClientAssignor::Sticky, ClientAssignor::CooperativeSticky] {
        let r = a.assign(&t, &ms);
        assert_eq!(got(&r, "consumer1"), list(&[("topic1", 0), ("topic2", 1)]));
        assert_eq!(got(&r, "consumer2"), list(&[("topic1", 1), ("topic2", 2)]));
        assert_eq!(got(&r, "consumer3"), list(&[("topic2", 0)]));
    }
}

#[test]
fn sticky_max_quota_consumer_more_than_expected_max_capacity_members() {
    // AbstractStickyAssignorTest.testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers:
    // topic2-0 moves from consumer1 to consumer3. Eager: in one round. Cooperative: withheld in
    // round 1 (consumer1 revokes it), assigned in round 2 (Kafka's cooperative
    // verifyValidityAndBalance runs the follow-up round before the asserts). Both consumer1 and
    // consumer2 own maxQuota partitions and only one may keep them: Kafka's HashMap visits
    // consumer3, consumer2, consumer1 (buckets 10, 11, 12 of String.hashCode), so consumer2
    // keeps both; insertion order would have let consumer1 keep them.
    let t = topics(&[("topic1", 2), ("topic2", 2)]);
    let sub = ["topic1", "topic2"];
    let ms = [
        member("consumer1", &sub, &[("topic1", 0), ("topic2", 0)], 1),
        member("consumer2", &sub, &[("topic1", 1), ("topic2", 1)], 1),
        member("consumer3", &sub, &[], 1),
    ];
    let eager = ClientAssignor::Sticky.assign(&t, &ms);
    assert_eq!(got(&eager, "consumer1"), list(&[("topic1", 0)]));
    assert_eq!(
        got(&eager, "consumer2"),
        list(&[("topic1", 1), ("topic2", 1)])
    );
    assert_eq!(got(&eager, "consumer3"), list(&[("topic2", 0)]));

    let round1 = ClientAssignor::CooperativeSticky.assign(&t, &ms);
    assert_eq!(got(&round1, "consumer1"), list(&[("topic1", 0)]));
    assert_eq!(got(&round1, "consumer3"), list(&[]));
    let round2 = ClientAssignor::CooperativeSticky.assign(&t, &next_round(&ms, &round1));
    assert_eq!(got(&round2, "consumer1"), list(&[("topic1", 0)]));
    assert_eq!(
        got(&round2, "consumer2"),
        list(&[("topic1", 1), ("topic2", 1)])
    );
    assert_eq!(got(&round2, "consumer3"), list(&[("topic2", 0)]));
}

#[test]
fn sticky_mixed_topic_subscriptions_use_the_general_builder() {
    // AbstractStickyAssignorTest.testMultipleConsumersMixedTopicSubscriptions
    let t = topics(&[("topic1", 3), ("topic2", 2)]);
    let ms = [
        Subscription::new("consumer1", &["topic1"]),
        Subscription::new("consumer2", &["topic1", "topic2"]),
        Subscription::new("consumer3", &["topic1"]),
    ];
    for a in [ClientAssignor::Sticky, ClientAssignor::CooperativeSticky] {
        let r = a.assign(&t, &ms);
        assert_eq!(got(&r, "consumer1"), list(&[("topic1", 0), ("topic1", 2)]));
        assert_eq!(got(&r, "consumer2"), list(&[("topic2", 0), ("topic2", 1)]));
        assert_eq!(got(&r, "consumer3"), list(&[("topic1", 1)]));
    }
}

#[test]
fn cooperative_partition_claimed_twice_in_one_generation_is_withheld() {
    // CooperativeStickyAssignorTest.testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithEqualPartitionsPerConsumer
    let t = topics(&[("topic", 3)]);
    let ms = [
        member("consumer1", &["topic"], &[("topic", 0), ("topic", 1)], 1),
        member("consumer2", &["topic"], &[("topic", 0), ("topic", 2)], 1),
        member("consumer3", &["topic"], &[], 1),
    ];
    let r = ClientAssignor::CooperativeSticky.assign(&t, &ms);
    assert_eq!(got(&r, "consumer1"), list(&[("topic", 1)]));
    assert_eq!(got(&r, "consumer2"), list(&[("topic", 2)]));
    assert_eq!(got(&r, "consumer3"), list(&[]));
}

#[test]
fn cooperative_partition_claimed_twice_unequal_counts() {
    // CooperativeStickyAssignorTest.testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithUnequalPartitionsPerConsumer
    let t = topics(&[("topic", 4)]);
    let ms = [
        member("consumer1", &["topic"], &[("topic", 0), ("topic", 1)], 1),
        member("consumer2", &["topic"], &[("topic", 0), ("topic", 2)], 1),
        member("consumer3", &["topic"], &[], 1),
    ];
    let r = ClientAssignor::CooperativeSticky.assign(&t, &ms);
    assert_eq!(got(&r, "consumer1"), list(&[("topic", 1), ("topic", 3)]));
    assert_eq!(got(&r, "consumer2"), list(&[("topic", 2)]));
    assert_eq!(got(&r, "consumer3"), list(&[]));
}

#[test]
fn sticky_worked_example_of_the_semantics_file() {
    // kafka-semantics.md §8.3 worked example: a and b own o-0..o-4, c joins.
    let t = topics(&[("o", 5)]);
    let ms = [
        member("a", &["o"], &[("o", 0), ("o", 2), ("o", 4)], 1),
        member("b", &["o"], &[("o", 1), ("o", 3)], 1),
        member("c", &["o"], &[], 1),
    ];
    let eager = ClientAssignor::Sticky.assign(&t, &ms);
    assert_eq!(got(&eager, "c"), list(&[("o", 4)]));
    let round1 = ClientAssignor::CooperativeSticky.assign(&t, &ms);
    assert_eq!(got(&round1, "a"), list(&[("o", 0), ("o", 2)]));
    assert_eq!(got(&round1, "c"), list(&[]));
    let round2 = ClientAssignor::CooperativeSticky.assign(&t, &next_round(&ms, &round1));
    assert_eq!(got(&round2, "c"), list(&[("o", 4)]));
}

// ---- Server side (group-coordinator) ----

fn spec(id: &str, subscribed: &[&str], owned: &[(&str, &[i32])]) -> MemberSpec {
    MemberSpec {
        assignment: owned
            .iter()
            .map(|(t, ps)| (t.to_string(), ps.iter().copied().collect()))
            .collect(),
        ..MemberSpec::new(id, subscribed)
    }
}

fn parts(a: &BTreeMap<String, BTreeSet<i32>>) -> Vec<(String, Vec<i32>)> {
    a.iter()
        .map(|(t, ps)| (t.clone(), ps.iter().copied().collect()))
        .collect()
}

fn expect(items: &[(&str, &[i32])]) -> Vec<(String, Vec<i32>)> {
    items
        .iter()
        .map(|(t, ps)| (t.to_string(), ps.to_vec()))
        .collect()
}

#[test]
fn uniform_homogeneous_unbalanced_previous_assignment() {
    // OptimizedUniformAssignmentBuilderTest.testReassignmentForTwoMembersTwoTopicsGivenUnbalancedPrevAssignment
    let t = topics(&[("topic1", 3), ("topic2", 3)]);
    let ms = [
        spec(
            "A",
            &["topic1", "topic2"],
            &[("topic1", &[0, 1]), ("topic2", &[0, 1])],
        ),
        spec(
            "B",
            &["topic1", "topic2"],
            &[("topic1", &[2]), ("topic2", &[2])],
        ),
    ];
    let r = ServerAssignor::Uniform.assign(&t, &ms).unwrap();
    assert_eq!(
        parts(&r["A"]),
        expect(&[("topic1", &[0, 1]), ("topic2", &[0])])
    );
    assert_eq!(
        parts(&r["B"]),
        expect(&[("topic1", &[2]), ("topic2", &[1, 2])])
    );
}

#[test]
fn uniform_heterogeneous_unbalanced_previous_assignment() {
    // UniformHeterogeneousAssignmentBuilderTest.testReassignmentForTwoMembersThreeTopicsGivenUnbalancedPrevAssignment
    let t = topics(&[("topic1", 6), ("topic2", 4), ("topic3", 4)]);
    let ms = [
        spec("A", &["topic1"], &[("topic1", &[0, 1, 2])]),
        spec(
            "B",
            &["topic1", "topic2"],
            &[("topic1", &[3]), ("topic2", &[0])],
        ),
        spec(
            "C",
            &["topic1", "topic2", "topic3"],
            &[
                ("topic1", &[4, 5]),
                ("topic2", &[1, 2, 3]),
                ("topic3", &[0, 1, 2, 3]),
            ],
        ),
    ];
    let r = ServerAssignor::Uniform.assign(&t, &ms).unwrap();
    assert_eq!(parts(&r["A"]), expect(&[("topic1", &[0, 1, 2, 5])]));
    assert_eq!(
        parts(&r["B"]),
        expect(&[("topic1", &[3]), ("topic2", &[0, 1, 2, 3])])
    );
    assert_eq!(
        parts(&r["C"]),
        expect(&[("topic1", &[4]), ("topic3", &[0, 1, 2, 3])])
    );
}

#[test]
fn server_range_static_member_keeps_its_range_under_a_new_member_id() {
    // group-coordinator RangeAssignorTest.testMixedStaticMembership
    let t = topics(&[("topic1", 5)]);
    let mut a = spec("A", &["topic1"], &[]);
    a.instance_id = Some("instanceA".into());
    let mut c = spec("C", &["topic1"], &[]);
    c.instance_id = Some("instanceC".into());
    let b = spec("B", &["topic1"], &[]);
    let first = ServerAssignor::Range
        .assign(&t, &[a.clone(), c.clone(), b.clone()])
        .unwrap();
    let mut a1 = a.clone();
    a1.member_id = "memberA1".into();
    let second = ServerAssignor::Range.assign(&t, &[c, b, a1]).unwrap();
    assert_eq!(first["A"], second["memberA1"]);
    assert_eq!(first["B"], second["B"]);
    assert_eq!(first["C"], second["C"]);
    // And what those ranges are: static A, C first (by instance id), then B.
    assert_eq!(parts(&first["A"]), expect(&[("topic1", &[0, 1])]));
    assert_eq!(parts(&first["C"]), expect(&[("topic1", &[2, 3])]));
    assert_eq!(parts(&first["B"]), expect(&[("topic1", &[4])]));
}

// ---- Properties ----

fn arb_group() -> impl Strategy<Value = (PartitionsPerTopic, Vec<Subscription>)> {
    (1usize..4, 1usize..7).prop_flat_map(|(n_topics, n_members)| {
        let counts = proptest::collection::vec(1i32..7, n_topics);
        let subs = proptest::collection::vec(
            proptest::collection::vec(any::<bool>(), n_topics),
            n_members,
        );
        let owners = proptest::collection::vec(0usize..10, 40);
        (counts, subs, owners).prop_map(move |(counts, subs, owners)| {
            let t: PartitionsPerTopic = counts
                .iter()
                .enumerate()
                .map(|(i, n)| (format!("t{i}"), *n))
                .collect();
            let mut members: Vec<Subscription> = subs
                .iter()
                .enumerate()
                .map(|(i, s)| Subscription {
                    member_id: format!("m{i}"),
                    // At least one topic each: with an empty subscription visited first, Kafka's
                    // `allSubscriptionsEqual` re-seeds from the next member and the constrained
                    // builder may hand the empty member partitions (reproduced, not tested here).
                    topics: (0..s.len())
                        .filter(|j| s[*j] || *j == i % s.len())
                        .map(|j| format!("t{j}"))
                        .collect(),
                    generation: Some(1),
                    ..Subscription::default()
                })
                .collect();
            // Each partition owned by at most one of its subscribers (or none): a previous
            // assignment. (Kafka's consumer revokes what it no longer subscribes to before it
            // rejoins.)
            let mut k = 0;
            for (topic, n) in &t {
                for p in 0..*n {
                    let o = owners[k % owners.len()];
                    k += 1;
                    if o < members.len() && members[o].topics.contains(topic) {
                        members[o]
                            .owned_partitions
                            .push(TopicPartition::new(topic, p));
                    }
                }
            }
            (t, members)
        })
    })
}

fn subscribed_partitions(t: &PartitionsPerTopic, ms: &[Subscription]) -> BTreeSet<TopicPartition> {
    t.iter()
        .filter(|(topic, _)| ms.iter().any(|m| m.topics.contains(topic)))
        .flat_map(|(topic, n)| (0..*n).map(move |p| TopicPartition::new(topic, p)))
        .collect()
}

fn check_exactly_once(
    a: &GroupAssignment,
    t: &PartitionsPerTopic,
    ms: &[Subscription],
) -> Result<(), TestCaseError> {
    let mut seen = BTreeSet::new();
    for m in ms {
        for tp in &a[&m.member_id] {
            prop_assert!(
                m.topics.contains(&tp.topic),
                "{tp} given to non-subscriber {}",
                m.member_id
            );
            prop_assert!(seen.insert(tp.clone()), "{tp} assigned twice");
        }
    }
    prop_assert_eq!(seen, subscribed_partitions(t, ms));
    Ok(())
}

proptest! {
    #[test]
    fn every_partition_assigned_once_to_a_subscriber((t, ms) in arb_group()) {
        for a in [ClientAssignor::Range, ClientAssignor::RoundRobin, ClientAssignor::Sticky] {
            check_exactly_once(&a.assign(&t, &ms), &t, &ms)?;
        }
        for a in [ServerAssignor::Uniform, ServerAssignor::Range] {
            let specs: Vec<MemberSpec> = ms.iter().map(|m| {
                let mut s = MemberSpec::new(&m.member_id, &[]);
                s.topics = m.topics.iter().cloned().collect();
                for tp in &m.owned_partitions {
                    s.assignment.entry(tp.topic.clone()).or_default().insert(tp.partition);
                }
                s
            }).collect();
            let r = a.assign(&t, &specs).unwrap();
            let flat: GroupAssignment = r.iter().map(|(id, asg)| {
                (id.clone(), asg.iter().flat_map(|(topic, ps)| ps.iter().map(move |p| TopicPartition::new(topic, *p))).collect())
            }).collect();
            check_exactly_once(&flat, &t, &ms)?;
        }
    }

    #[test]
    fn sticky_is_balanced_when_all_subscribe_to_everything((t, mut ms) in arb_group()) {
        let all: Vec<String> = t.keys().cloned().collect();
        for m in &mut ms {
            m.topics = all.clone();
        }
        let r = ClientAssignor::Sticky.assign(&t, &ms);
        let sizes: Vec<usize> = r.values().map(Vec::len).collect();
        let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        prop_assert!(max - min <= 1, "sizes {sizes:?}");
        // Cooperative: round 2 (after the revocations of round 1) is balanced too.
        let r1 = ClientAssignor::CooperativeSticky.assign(&t, &ms);
        let r2 = ClientAssignor::CooperativeSticky.assign(&t, &next_round(&ms, &r1));
        check_exactly_once(&r2, &t, &ms)?;
        let sizes: Vec<usize> = r2.values().map(Vec::len).collect();
        let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        prop_assert!(max - min <= 1, "round 2 sizes {sizes:?}");
    }

    #[test]
    fn cooperative_round_one_never_gives_away_an_owned_partition((t, ms) in arb_group()) {
        let r = ClientAssignor::CooperativeSticky.assign(&t, &ms);
        let mut seen = BTreeSet::new();
        for m in &ms {
            for tp in &r[&m.member_id] {
                prop_assert!(m.topics.contains(&tp.topic));
                prop_assert!(seen.insert(tp.clone()), "{tp} assigned twice");
                let other = ms.iter().find(|o| o.member_id != m.member_id && o.owned_partitions.contains(tp));
                prop_assert!(other.is_none(), "{tp} given to {} while {} still owns it", m.member_id, other.unwrap().member_id);
            }
        }
    }
}

// ---- More of Kafka's examples ----

#[test]
fn sticky_partitions_go_to_the_highest_generation() {
    // AbstractStickyAssignorTest.testEnsurePartitionsAssignedToHighestGeneration
    let t = topics(&[("topic", 3), ("topic2", 3), ("topic3", 3)]);
    let all = ["topic", "topic2", "topic3"];
    let ms = [
        member(
            "consumer1",
            &all,
            &[("topic", 0), ("topic2", 0), ("topic3", 0)],
            10,
        ),
        member(
            "consumer2",
            &all,
            &[("topic", 1), ("topic2", 1), ("topic3", 1)],
            9,
        ),
        member(
            "consumer3",
            &all,
            &[("topic2", 1), ("topic3", 0), ("topic3", 2)],
            8,
        ),
    ];
    for a in [ClientAssignor::Sticky, ClientAssignor::CooperativeSticky] {
        let r = a.assign(&t, &ms);
        let set = |id: &str| r[id].iter().cloned().collect::<BTreeSet<_>>();
        let want = |l: &[(&str, i32)]| list(l).into_iter().collect::<BTreeSet<_>>();
        assert_eq!(
            set("consumer1"),
            want(&[("topic", 0), ("topic2", 0), ("topic3", 0)])
        );
        assert_eq!(
            set("consumer2"),
            want(&[("topic", 1), ("topic2", 1), ("topic3", 1)])
        );
        assert_eq!(
            set("consumer3"),
            want(&[("topic", 2), ("topic2", 2), ("topic3", 2)])
        );
    }
}

#[test]
fn sticky_stale_generation_loses_its_claims() {
    // AbstractStickyAssignorTest.testOwnedPartitionsAreInvalidatedForConsumerWithStaleGeneration
    let t = topics(&[("topic", 3), ("topic2", 3)]);
    let all = ["topic", "topic2"];
    let owned = [("topic", 0), ("topic", 2), ("topic2", 1)];
    let ms = [
        member("consumer1", &all, &owned, 10),
        member("consumer2", &all, &owned, 9),
    ];
    for a in [ClientAssignor::Sticky, ClientAssignor::CooperativeSticky] {
        let r = a.assign(&t, &ms);
        let set = |id: &str| r[id].iter().cloned().collect::<BTreeSet<_>>();
        let want = |l: &[(&str, i32)]| list(l).into_iter().collect::<BTreeSet<_>>();
        assert_eq!(set("consumer1"), want(&owned));
        assert_eq!(
            set("consumer2"),
            want(&[("topic", 1), ("topic2", 0), ("topic2", 2)])
        );
    }
}

#[test]
fn sticky_assignment_with_multiple_generations() {
    // StickyAssignorTest.testAssignmentWithMultipleGenerations1, both parameterizations
    // (isAllSubscriptionsEqual true: constrained builder; false: general builder).
    let t = topics(&[("topic", 6), ("topic2", 6)]);
    let all = ["topic", "topic2"];
    for equal in [true, false] {
        let sub2: &[&str] = if equal { &all } else { &["topic"] };
        let fresh = |id: &str, s: &[&str]| Subscription {
            generation: None,
            ..Subscription::new(id, s)
        };
        let r1 = ClientAssignor::Sticky.assign(
            &t,
            &[
                fresh("consumer1", &all),
                fresh("consumer2", sub2),
                fresh("consumer3", &all),
            ],
        );
        assert!(r1.values().all(|l| l.len() == 4), "{r1:?}");
        let own = |id: &str, s: &[&str], l: &[TopicPartition], g: i32| Subscription {
            owned_partitions: l.to_vec(),
            generation: Some(g),
            ..Subscription::new(id, s)
        };
        let r2 = ClientAssignor::Sticky.assign(
            &t,
            &[
                own("consumer1", &all, &r1["consumer1"], 1),
                own("consumer2", sub2, &r1["consumer2"], 1),
            ],
        );
        assert!(r2.values().all(|l| l.len() == 6), "{r2:?}");
        if equal {
            assert!(r1["consumer1"]
                .iter()
                .all(|tp| r2["consumer1"].contains(tp)));
        }
        assert!(r1["consumer2"]
            .iter()
            .all(|tp| r2["consumer2"].contains(tp)));
        assert!(r1["consumer3"]
            .iter()
            .any(|tp| r2["consumer2"].contains(tp)));
        let r3 = ClientAssignor::Sticky.assign(
            &t,
            &[
                own("consumer2", sub2, &r2["consumer2"], 2),
                own("consumer3", &all, &r1["consumer3"], 1),
            ],
        );
        assert!(r3.values().all(|l| l.len() == 6), "{r3:?}");
        assert!(r3["consumer2"]
            .iter()
            .all(|tp| !r3["consumer3"].contains(tp)));
    }
}

#[test]
fn uniform_heterogeneous_first_assignment() {
    // UniformHeterogeneousAssignmentBuilderTest.testFirstAssignmentTwoMembersTwoTopics
    let t = topics(&[("topic1", 3), ("topic3", 6)]);
    let ms = [
        spec("A", &["topic1", "topic3"], &[]),
        spec("B", &["topic3"], &[]),
    ];
    let r = ServerAssignor::Uniform.assign(&t, &ms).unwrap();
    assert_eq!(
        parts(&r["A"]),
        expect(&[("topic1", &[0, 1, 2]), ("topic3", &[4])])
    );
    assert_eq!(parts(&r["B"]), expect(&[("topic3", &[0, 1, 2, 3, 5])]));
}

#[test]
fn uniform_heterogeneous_member_removed() {
    // UniformHeterogeneousAssignmentBuilderTest.testReassignmentWhenOneMemberRemovedAfterInitialAssignmentWithThreeMembersThreeTopics
    let t = topics(&[("topic1", 3), ("topic2", 8), ("topic3", 3)]);
    let ms = [
        spec(
            "A",
            &["topic1", "topic3"],
            &[("topic1", &[0, 1, 2]), ("topic3", &[0, 1])],
        ),
        spec("B", &["topic2"], &[("topic2", &[3, 4, 5, 6])]),
    ];
    let r = ServerAssignor::Uniform.assign(&t, &ms).unwrap();
    assert_eq!(
        parts(&r["A"]),
        expect(&[("topic1", &[0, 1, 2]), ("topic3", &[0, 1, 2])])
    );
    assert_eq!(
        parts(&r["B"]),
        expect(&[("topic2", &[0, 1, 2, 3, 4, 5, 6, 7])])
    );
}

#[test]
fn server_range_different_subscriptions() {
    // group-coordinator RangeAssignorTest.testFirstAssignmentThreeMembersThreeTopicsDifferentSubscriptions
    let t = topics(&[("topic1", 3), ("topic2", 3), ("topic3", 2)]);
    let ms = [
        spec("A", &["topic1", "topic2"], &[]),
        spec("B", &["topic3"], &[]),
        spec("C", &["topic2", "topic3"], &[]),
    ];
    let r = ServerAssignor::Range.assign(&t, &ms).unwrap();
    assert_eq!(
        parts(&r["A"]),
        expect(&[("topic1", &[0, 1, 2]), ("topic2", &[0, 1])])
    );
    assert_eq!(parts(&r["B"]), expect(&[("topic3", &[0])]));
    assert_eq!(
        parts(&r["C"]),
        expect(&[("topic2", &[2]), ("topic3", &[1])])
    );
}

#[test]
fn uniform_homogeneous_worked_example_of_the_semantics_file() {
    // kafka-semantics.md §8.4 worked example: t has 7 partitions, m1 owns 0-3, m2 owns 4-6, m3
    // joins; members visited m1, m2, m3. m1 keeps {0,1,2} (the extra slot), m2 keeps {4,5}.
    let t = topics(&[("t", 7)]);
    let ms = [
        spec("m1", &["t"], &[("t", &[0, 1, 2, 3])]),
        spec("m2", &["t"], &[("t", &[4, 5, 6])]),
        spec("m3", &["t"], &[]),
    ];
    let r = ServerAssignor::Uniform.assign(&t, &ms).unwrap();
    assert_eq!(parts(&r["m1"]), expect(&[("t", &[0, 1, 2])]));
    assert_eq!(parts(&r["m2"]), expect(&[("t", &[4, 5])]));
    assert_eq!(parts(&r["m3"]), expect(&[("t", &[3, 6])]));
}

#[test]
fn uniform_homogeneous_member_short_of_its_extra_slot_gives_it_up() {
    // Own example of the 4.x homogeneous builder (quotaHasExtraPartition), worked by hand: 5
    // partitions over 2 members. a, visited first, owns one partition, cannot fill its extra
    // slot and gives it up; b fills the extra slot with the three it owns. The older builder
    // (apache/kafka trunk 2024-10) gave the slot to a and took t-3 from b.
    let t = topics(&[("t", 5)]);
    let ms = [
        spec("a", &["t"], &[("t", &[0])]),
        spec("b", &["t"], &[("t", &[1, 2, 3])]),
    ];
    let r = ServerAssignor::Uniform.assign(&t, &ms).unwrap();
    assert_eq!(parts(&r["a"]), expect(&[("t", &[0, 4])]));
    assert_eq!(parts(&r["b"]), expect(&[("t", &[1, 2, 3])]));
}
