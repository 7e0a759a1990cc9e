//! Kafka's DeleteRecords API (`Admin.deleteRecords`, KIP-107), as Kafka Streams uses it to purge
//! what its tasks committed of a repartition topic (`TaskManager.maybePurgeCommittedRecords`).
//!
//! Each partition's leader moves the log start offset up to the offset asked
//! (`ReplicaManager.deleteRecords` → `Partition.deleteRecordsOnLeader`): a replica that is not the
//! leader answers `NOT_LEADER_OR_FOLLOWER`, a topic whose `cleanup.policy` has no `delete`
//! `POLICY_VIOLATION`, an offset above the high watermark `OFFSET_OUT_OF_RANGE`; the answer
//! carries the partition's new low watermark. Segments wholly
//! below the new log start offset go at the next retention check
//! (`deleteLogStartOffsetBreachedSegments`); followers move their log start offsets when a fetch
//! response tells them the leader's.

use super::{ErrorCode, PartIdx};

/// One partition of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeletedRecords {
    pub part: PartIdx,
    pub error: ErrorCode,
    /// The leader's log start offset after the request (with `ErrorCode::None`).
    pub low_watermark: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeleteRecords {
    Request {
        req_id: u64,
        /// Per partition, the offset below which records are deleted (`RecordsToDelete.beforeOffset`).
        partitions: Vec<(PartIdx, u64)>,
    },
    Response {
        req_id: u64,
        partitions: Vec<DeletedRecords>,
    },
}
