//! The records the group coordinator writes to `__consumer_offsets` (Kafka's
//! `OffsetCommitKey`/`OffsetCommitValue` and `GroupMetadataKey`/`GroupMetadataValue`), kept in the
//! run's [`BatchStore`](super::BatchStore) beside ordinary batches.
//!
//! An ordinary record is a 32-bit id into the run's record table (its producer's story); a
//! coordinator record's id has bit 31 set and indexes the store's table of coordinator records
//! instead. So only `__consumer_offsets` carries content, and ordinary topics keep their four
//! bytes per record.

use std::sync::Arc;

/// Bit 31 of a record id: a coordinator record (the rest indexes its table).
pub const COORDINATOR_RECORD: u64 = 1 << 31;

/// Whether a record id names a coordinator record.
pub fn is_coordinator_record(id: u64) -> bool {
    id & COORDINATOR_RECORD != 0
}

/// A member as the group metadata record keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRecord {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    /// The member's subscribed topics and its assignment, as partition indexes.
    pub topics: Vec<String>,
    pub assignment: Vec<u32>,
}

/// One record of `__consumer_offsets`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoordinatorRecord {
    /// `OffsetCommitKey(group, topic, partition)` → `OffsetCommitValue(offset, leaderEpoch,
    /// metadata, commitTimestamp)`. The partition is its index in the topology.
    OffsetCommit {
        group: Arc<str>,
        part: u32,
        offset: u64,
        leader_epoch: Option<u32>,
        metadata: String,
        commit_us: u64,
    },
    /// `GroupMetadataKey(group)` → `GroupMetadataValue`: the generation, its protocol, leader and
    /// members with their assignments (written when a generation's assignment is known, and when
    /// the group becomes empty).
    GroupMetadata {
        group: Arc<str>,
        generation: i32,
        protocol: Option<String>,
        leader: Option<String>,
        members: Vec<MemberRecord>,
    },
    /// A tombstone for `OffsetCommitKey(group, partition)`: the offset expired (retention).
    OffsetTombstone { group: Arc<str>, part: u32 },
    /// A tombstone for `GroupMetadataKey(group)`: the group was deleted (all its offsets
    /// expired while it was Empty).
    GroupTombstone { group: Arc<str> },
    /// One of the records of a KIP-848 consumer group (`ConsumerGroupMetadata`,
    /// `ConsumerGroupTargetAssignmentMetadata`, and per member `ConsumerGroupMemberMetadata`,
    /// `ConsumerGroupTargetAssignmentMember` and `ConsumerGroupCurrentMemberAssignment`).
    ConsumerGroup {
        group: Arc<str>,
        part: crate::coordinator::group::consumer_group::ConsumerGroupPart,
    },
}

impl CoordinatorRecord {
    pub fn group(&self) -> &Arc<str> {
        match self {
            CoordinatorRecord::OffsetCommit { group, .. }
            | CoordinatorRecord::GroupMetadata { group, .. }
            | CoordinatorRecord::OffsetTombstone { group, .. }
            | CoordinatorRecord::GroupTombstone { group }
            | CoordinatorRecord::ConsumerGroup { group, .. } => group,
        }
    }
}
