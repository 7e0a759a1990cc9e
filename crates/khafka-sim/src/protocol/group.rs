//! The consumer-group APIs of the classic protocol, one request and one response enum with a
//! variant per API: FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
//! OffsetFetch (Kafka's `*RequestData`/`*ResponseData`, with the fields the model uses). They
//! travel boxed in [`Group`], the [`crate::msg::Msg::Group`] message.
//!
//! Partitions are named by their index in the topology ([`PartIdx`]); the consumer protocol's
//! subscription and assignment (`ConsumerProtocolSubscription`, `ConsumerProtocolAssignment`)
//! are carried as data rather than bytes.

use crate::client::consumer::assignor::TopicPartition;
use crate::msg::{ErrorCode, PartIdx};
use crate::spec::BrokerId;

/// A group API request or response on the wire (boxed: rare next to fetches, and every message is
/// as large as its largest kind).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Group {
    Request {
        req_id: u64,
        req: Box<GroupRequest>,
    },
    Response {
        req_id: u64,
        resp: Box<GroupResponse>,
    },
}

/// A member's JoinGroup metadata for one protocol (`ConsumerProtocolSubscription`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProtocolMetadata {
    pub topics: Vec<String>,
    /// `ownedPartitions` (empty for an eager member: it revoked everything before joining).
    pub owned_partitions: Vec<TopicPartition>,
    /// `generationId` (-1 when none).
    pub generation: i32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinGroupRequest {
    pub group_id: String,
    /// Empty on the first join (KIP-394: the coordinator answers `MEMBER_ID_REQUIRED` with one).
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub session_timeout_ms: u64,
    /// `max.poll.interval.ms`.
    pub rebalance_timeout_ms: u64,
    /// `(assignor name, metadata)` in the member's preference order.
    pub protocols: Vec<(String, ProtocolMetadata)>,
}

/// One member as the leader's JoinGroup response lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinGroupMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub metadata: ProtocolMetadata,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinGroupResponse {
    pub error: ErrorCode,
    pub generation: i32,
    pub protocol_name: Option<String>,
    pub leader: String,
    pub member_id: String,
    /// Every member with its metadata for the selected protocol: only in the leader's response.
    pub members: Vec<JoinGroupMember>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupRequest {
    /// `FindCoordinator(key_type=GROUP)`.
    FindCoordinator {
        key: String,
    },
    JoinGroup(JoinGroupRequest),
    SyncGroup {
        group_id: String,
        generation: i32,
        member_id: String,
        group_instance_id: Option<String>,
        /// The leader's assignment, member by member; empty from followers.
        assignments: Vec<(String, Vec<TopicPartition>)>,
    },
    Heartbeat {
        group_id: String,
        generation: i32,
        member_id: String,
        group_instance_id: Option<String>,
    },
    LeaveGroup {
        group_id: String,
        member_id: String,
    },
    /// `OffsetCommit`; generation -1 and an empty member id for a consumer outside the group's
    /// generation (a "simple" commit).
    OffsetCommit {
        group_id: String,
        generation: i32,
        member_id: String,
        /// `(partition, committed offset, leader epoch of the last consumed record)`.
        offsets: Vec<(PartIdx, u64, Option<u32>)>,
    },
    /// `OffsetFetch` for some partitions (`RequireStable` is moot: no transactional commits).
    OffsetFetch {
        group_id: String,
        partitions: Vec<PartIdx>,
    },
}

/// A committed offset as OffsetFetch returns it: `(offset, leader epoch)`; `None`: no commit.
pub type FetchedOffset = Option<(u64, Option<u32>)>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupResponse {
    FindCoordinator {
        error: ErrorCode,
        coordinator: Option<BrokerId>,
    },
    JoinGroup(JoinGroupResponse),
    SyncGroup {
        error: ErrorCode,
        assignment: Vec<TopicPartition>,
    },
    Heartbeat {
        error: ErrorCode,
    },
    LeaveGroup {
        error: ErrorCode,
    },
    OffsetCommit {
        error: ErrorCode,
    },
    OffsetFetch {
        error: ErrorCode,
        /// `(partition, committed offset and its leader epoch)`; `None`: no committed offset.
        offsets: Vec<(PartIdx, FetchedOffset)>,
    },
}

impl GroupRequest {
    pub fn kind(&self) -> &'static str {
        match self {
            GroupRequest::FindCoordinator { .. } => "FindCoordinator",
            GroupRequest::JoinGroup(_) => "JoinGroup",
            GroupRequest::SyncGroup { .. } => "SyncGroup",
            GroupRequest::Heartbeat { .. } => "Heartbeat",
            GroupRequest::LeaveGroup { .. } => "LeaveGroup",
            GroupRequest::OffsetCommit { .. } => "OffsetCommit",
            GroupRequest::OffsetFetch { .. } => "OffsetFetch",
        }
    }

    /// The group the request is for.
    pub fn group_id(&self) -> &str {
        match self {
            GroupRequest::FindCoordinator { key } => key,
            GroupRequest::JoinGroup(j) => &j.group_id,
            GroupRequest::SyncGroup { group_id, .. }
            | GroupRequest::Heartbeat { group_id, .. }
            | GroupRequest::LeaveGroup { group_id, .. }
            | GroupRequest::OffsetCommit { group_id, .. }
            | GroupRequest::OffsetFetch { group_id, .. } => group_id,
        }
    }

    /// The response carrying `error` alone (for requests refused before the group is read).
    pub fn error_response(&self, error: ErrorCode) -> GroupResponse {
        match self {
            GroupRequest::FindCoordinator { .. } => GroupResponse::FindCoordinator {
                error,
                coordinator: None,
            },
            GroupRequest::JoinGroup(j) => GroupResponse::JoinGroup(JoinGroupResponse {
                error,
                generation: -1,
                protocol_name: None,
                leader: String::new(),
                member_id: j.member_id.clone(),
                members: Vec::new(),
            }),
            GroupRequest::SyncGroup { .. } => GroupResponse::SyncGroup {
                error,
                assignment: Vec::new(),
            },
            GroupRequest::Heartbeat { .. } => GroupResponse::Heartbeat { error },
            GroupRequest::LeaveGroup { .. } => GroupResponse::LeaveGroup { error },
            GroupRequest::OffsetCommit { .. } => GroupResponse::OffsetCommit { error },
            GroupRequest::OffsetFetch { .. } => GroupResponse::OffsetFetch {
                error,
                offsets: Vec::new(),
            },
        }
    }
}

impl GroupResponse {
    pub fn kind(&self) -> &'static str {
        match self {
            GroupResponse::FindCoordinator { .. } => "FindCoordinatorResponse",
            GroupResponse::JoinGroup(_) => "JoinGroupResponse",
            GroupResponse::SyncGroup { .. } => "SyncGroupResponse",
            GroupResponse::Heartbeat { .. } => "HeartbeatResponse",
            GroupResponse::LeaveGroup { .. } => "LeaveGroupResponse",
            GroupResponse::OffsetCommit { .. } => "OffsetCommitResponse",
            GroupResponse::OffsetFetch { .. } => "OffsetFetchResponse",
        }
    }
}

/// Java's `String.hashCode`: `h = 31·h + c` over UTF-16 code units, wrapping at 32 bits.
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// The `__consumer_offsets` partition of a group: `Utils.abs(groupId.hashCode()) % partitions`
/// (`GroupCoordinatorService.partitionFor`); `Utils.abs(Integer.MIN_VALUE)` is 0.
pub fn partition_for(group_id: &str, partitions: u32) -> u32 {
    let h = java_string_hash(group_id);
    let abs = if h == i32::MIN { 0 } else { h.abs() };
    abs as u32 % partitions
}

#[cfg(test)]
mod tests {
    use super::*;

    /// kafka-semantics.md §7.4's table.
    #[test]
    fn groups_map_to_offsets_partitions_as_kafka_does() {
        assert_eq!(java_string_hash("orders-app"), 772757305);
        assert_eq!(partition_for("orders-app", 50), 5);
        assert_eq!(java_string_hash("billing"), -109829509);
        assert_eq!(partition_for("billing", 50), 9);
        assert_eq!(partition_for("payments-v2", 50), 0);
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        assert_eq!(partition_for("polygenelubricants", 50), 0);
    }
}
