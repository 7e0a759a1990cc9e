//! The consumer's partition assignors, as Kafka's client runs them on the group leader:
//! `range` (`RangeAssignor`), `roundrobin` (`RoundRobinAssignor`), `sticky` (`StickyAssignor`)
//! and `cooperative-sticky` (`CooperativeStickyAssignor`), the last two on the shared
//! `AbstractStickyAssignor` logic (`abstract_sticky.rs`). Pure functions of the topics' partition
//! counts and the members' subscriptions; no broker, no clock. Rack-aware assignment is not
//! modelled (no member has a rack, which is Kafka's default).
//!
//! Member order: Kafka's leader hands the assignor a `HashMap<String, Subscription>` filled in
//! the order the JoinGroup response lists the members, so where an assignor walks that map
//! (the sticky ones) the order is Java's hash order of the member ids (`java_hash.rs`), with
//! `members` taken as the insertion order. Range and round robin sort members themselves
//! (`MemberInfo.compareTo`: static members first by `group.instance.id`, then by member id).

pub mod abstract_sticky;
pub mod cooperative_sticky;
pub mod java_hash;
pub mod range;
pub mod round_robin;
pub mod sticky;
pub mod stream_tasks;

use crate::kernel::small::map_of;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

/// A topic's name and one of its partitions (`TopicPartition`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: &str, partition: i32) -> Self {
        TopicPartition {
            topic: topic.to_string(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// Topic name → partition count (the leader's metadata).
pub type PartitionsPerTopic = BTreeMap<String, i32>;

/// What a member sends in its JoinGroup metadata (`ConsumerPartitionAssignor.Subscription`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subscription {
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    pub topics: Vec<String>,
    /// The partitions it owns now (`ownedPartitions`, or the sticky assignor's user data).
    pub owned_partitions: Vec<TopicPartition>,
    /// The generation those partitions come from (`generationId`); `None` for a member that
    /// never sent one.
    pub generation: Option<i32>,
}

impl Subscription {
    pub fn new(member_id: &str, topics: &[&str]) -> Self {
        Subscription {
            member_id: member_id.to_string(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            ..Subscription::default()
        }
    }
}

/// Member id → its partitions, in the order the assignor listed them.
pub type GroupAssignment = BTreeMap<String, Vec<TopicPartition>>;

/// The client-side assignors (`partition.assignment.strategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ClientAssignor {
    Range,
    RoundRobin,
    Sticky,
    CooperativeSticky,
    /// A Kafka Streams main consumer whose tasks read several co-partitioned topics
    /// (`stream_tasks.rs`); not a `partition.assignment.strategy` a consumer may name.
    StreamTasks,
}

impl ClientAssignor {
    pub const ALL: [ClientAssignor; 4] = [
        ClientAssignor::Range,
        ClientAssignor::RoundRobin,
        ClientAssignor::Sticky,
        ClientAssignor::CooperativeSticky,
    ];

    /// The name Kafka's `ConsumerPartitionAssignor.name()` returns.
    pub fn name(self) -> &'static str {
        match self {
            ClientAssignor::Range => "range",
            ClientAssignor::RoundRobin => "roundrobin",
            ClientAssignor::Sticky => "sticky",
            ClientAssignor::CooperativeSticky => "cooperative-sticky",
            ClientAssignor::StreamTasks => "stream",
        }
    }

    /// The assignor a consumer's `partition.assignment.strategy` may name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The assignor a group's selected protocol names (Kafka Streams' `stream` included).
    pub fn from_protocol(name: &str) -> Option<Self> {
        Self::from_name(name).or((name == "stream").then_some(ClientAssignor::StreamTasks))
    }

    /// Whether the assignor supports only the COOPERATIVE rebalance protocol.
    pub fn cooperative(self) -> bool {
        matches!(
            self,
            ClientAssignor::CooperativeSticky | ClientAssignor::StreamTasks
        )
    }

    /// `assign(partitionsPerTopic, subscriptions)`. Preconditions (checked by `validate`):
    /// distinct member ids, owned partitions within their topic's partition count.
    pub fn assign(self, topics: &PartitionsPerTopic, members: &[Subscription]) -> GroupAssignment {
        let topics = subscribed_topics(topics, members);
        match self {
            ClientAssignor::Range => range::assign(&topics, members),
            ClientAssignor::RoundRobin => round_robin::assign(&topics, members),
            ClientAssignor::Sticky => sticky::assign(&topics, members),
            ClientAssignor::CooperativeSticky => cooperative_sticky::assign(&topics, members),
            ClientAssignor::StreamTasks => stream_tasks::assign(&topics, members),
        }
    }
}

/// What `AbstractPartitionAssignor.assign(Cluster, …)` passes on: the topics some member
/// subscribes to that exist and have partitions.
fn subscribed_topics(topics: &PartitionsPerTopic, members: &[Subscription]) -> PartitionsPerTopic {
    // A scan, not a set of the wanted names: a group has few members and topics, and a B-tree
    // of `&str` would be a type of its own in the site's notebook bundle.
    map_of(
        topics
            .iter()
            .filter(|(t, n)| **n > 0 && members.iter().any(|m| m.topics.contains(t)))
            .map(|(t, n)| (t.clone(), *n)),
    )
}

/// `AbstractPartitionAssignor.MemberInfo.compareTo`: static members first, by instance id, then
/// dynamic members by member id.
pub fn member_info_cmp(a: &Subscription, b: &Subscription) -> Ordering {
    match (&a.group_instance_id, &b.group_instance_id) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.member_id.cmp(&b.member_id),
    }
}

/// Checks what the assignors take for granted: distinct member ids, distinct instance ids,
/// owned partitions that exist and are listed once per member.
pub fn validate(topics: &PartitionsPerTopic, members: &[Subscription]) -> Result<(), String> {
    // The errors in the order one pass with sets would find them (the first member with a
    // problem; in it, its id, its instance id, then its owned partitions in order), found with
    // the shared index sort rather than set types of their own in the bundle.
    let ids = first_repeat(members.len(), &|a, b| {
        members[a].member_id.cmp(&members[b].member_id)
    });
    let with_instance: Vec<usize> = (0..members.len())
        .filter(|i| members[*i].group_instance_id.is_some())
        .collect();
    let instances = first_repeat(with_instance.len(), &|a, b| {
        members[with_instance[a]]
            .group_instance_id
            .cmp(&members[with_instance[b]].group_instance_id)
    })
    .map(|k| with_instance[k]);
    for (i, m) in members.iter().enumerate() {
        if ids == Some(i) {
            return Err(format!("member `{}` is given twice", m.member_id));
        }
        if let Some(id) = m
            .group_instance_id
            .as_ref()
            .filter(|_| instances == Some(i))
        {
            return Err(format!(
                "group.instance.id `{id}` is given to two members (Kafka's coordinator fences the older one)"
            ));
        }
        let owned = &m.owned_partitions;
        let twice = first_repeat(owned.len(), &|a, b| owned[a].cmp(&owned[b]));
        for (j, tp) in owned.iter().enumerate() {
            let count = topics
                .get(&tp.topic)
                .ok_or_else(|| format!("member `{}` owns {tp} of an unknown topic", m.member_id))?;
            if tp.partition < 0 || tp.partition >= *count {
                return Err(format!(
                    "member `{}` owns {tp}, but `{}` has partitions 0 to {}",
                    m.member_id,
                    tp.topic,
                    count - 1
                ));
            }
            if twice == Some(j) {
                return Err(format!("member `{}` owns {tp} twice", m.member_id));
            }
        }
    }
    Ok(())
}

/// The first index whose item equals an earlier one's, by `cmp` over indices `0..n`.
fn first_repeat(n: usize, cmp: &dyn Fn(usize, usize) -> std::cmp::Ordering) -> Option<usize> {
    // Equal items sit together, in index order: each run's second index is a repeat.
    let order = crate::kernel::small::sorted_indices(n, cmp);
    order
        .windows(2)
        .filter(|w| cmp(w[0], w[1]).is_eq())
        .map(|w| w[1])
        .min()
}

#[cfg(test)]
mod tests {
    use super::{validate, PartitionsPerTopic, Subscription, TopicPartition};

    /// The first problem in member order, and in a member's owned partitions the first that is
    /// out of range or repeats an earlier one, as one pass with sets finds them.
    #[test]
    fn validate_names_the_first_problem_in_order() {
        let topics: PartitionsPerTopic = [("t".to_string(), 3)].into_iter().collect();
        let owning = |id: &str, parts: &[i32]| Subscription {
            owned_partitions: parts.iter().map(|p| TopicPartition::new("t", *p)).collect(),
            ..Subscription::new(id, &["t"])
        };
        let static_member = |id: &str, instance: &str| Subscription {
            group_instance_id: Some(instance.to_string()),
            ..Subscription::new(id, &["t"])
        };
        for (members, want) in [
            (vec![owning("a", &[0, 1]), owning("b", &[2])], None),
            // t-1 repeats before t-7 is out of range; among repeats, the first repeated wins.
            (
                vec![owning("a", &[2, 1, 1, 2, 7])],
                Some("member `a` owns t-1 twice"),
            ),
            (
                vec![owning("a", &[1, 7, 1])],
                Some("member `a` owns t-7, but `t` has partitions 0 to 2"),
            ),
            (
                vec![owning("a", &[0, 0]), owning("a", &[])],
                Some("member `a` owns t-0 twice"),
            ),
            (
                vec![owning("a", &[]), owning("b", &[]), owning("a", &[9])],
                Some("member `a` is given twice"),
            ),
            (
                vec![static_member("a", "i1"), static_member("b", "i1")],
                Some("group.instance.id `i1` is given to two members (Kafka's coordinator fences the older one)"),
            ),
        ] {
            assert_eq!(validate(&topics, &members).err().as_deref(), want);
        }
    }
}
