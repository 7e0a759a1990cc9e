//! KIP-848 server-side assignors (`group.consumer.assignors`, default `[uniform, range]`):
//! `uniform` (`UniformAssignor`: `UniformHomogeneousAssignmentBuilder` when every member
//! subscribes to the same topics, `UniformHeterogeneousAssignmentBuilder` otherwise) and
//! `range` (the coordinator's `RangeAssignor`, here `server-range`). Pure functions of the
//! topics' partition counts, the members' subscriptions and the previous target assignment.
//!
//! Orders Kafka leaves to Java hash tables, fixed here: members are visited in the order given
//! (`GroupSpec.memberIds()`: the coordinator's `HashMap` of member ids; Kafka's own tests use a
//! `TreeMap`, i.e. sorted ids), topics by name (Kafka: a `HashSet` of topic `Uuid`s; where Kafka
//! compares topic ids, names are compared), and a member's partitions of a topic ascending (a
//! `RangeSet`, or a `HashSet<Integer>` of small numbers, iterates ascending).

pub mod range;
pub mod uniform;

use std::collections::{BTreeMap, BTreeSet};

/// Topic name → partition count.
pub type TopicPartitions = BTreeMap<String, i32>;

/// A member's partitions: topic → partition numbers.
pub type MemberAssignment = BTreeMap<String, BTreeSet<i32>>;

/// One member of `GroupSpec`: its subscription and its previous target assignment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberSpec {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub topics: BTreeSet<String>,
    pub assignment: MemberAssignment,
}

impl MemberSpec {
    pub fn new(member_id: &str, topics: &[&str]) -> Self {
        MemberSpec {
            member_id: member_id.to_string(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            ..MemberSpec::default()
        }
    }
}

/// Member id → its new target assignment.
pub type GroupAssignment = BTreeMap<String, MemberAssignment>;

/// `PartitionAssignorException`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssignorError(pub String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ServerAssignor {
    Uniform,
    Range,
}

impl ServerAssignor {
    /// The name the coordinator knows it by (`ConsumerGroupPartitionAssignor.name()`).
    pub fn name(self) -> &'static str {
        match self {
            ServerAssignor::Uniform => "uniform",
            ServerAssignor::Range => "range",
        }
    }

    pub fn assign(
        self,
        topics: &TopicPartitions,
        members: &[MemberSpec],
    ) -> Result<GroupAssignment, AssignorError> {
        for m in members {
            if let Some(t) = m.topics.iter().find(|t| !topics.contains_key(*t)) {
                return Err(AssignorError(format!(
                    "Members are subscribed to topic {t} which doesn't exist in the topic metadata."
                )));
            }
        }
        let mut out: GroupAssignment = crate::kernel::small::map_of(
            members
                .iter()
                .map(|m| (m.member_id.clone(), MemberAssignment::new())),
        );
        if members.is_empty() {
            return Ok(out);
        }
        let computed = match self {
            ServerAssignor::Uniform => uniform::assign(topics, members)?,
            ServerAssignor::Range => range::assign(topics, members),
        };
        out.extend(computed);
        Ok(out)
    }
}

pub use crate::kernel::small::sorted_indices;

/// `SubscriptionType.HOMOGENEOUS`: every subscribed topic is subscribed by every member.
pub fn is_homogeneous(members: &[MemberSpec]) -> bool {
    members.windows(2).all(|w| w[0].topics == w[1].topics)
}
