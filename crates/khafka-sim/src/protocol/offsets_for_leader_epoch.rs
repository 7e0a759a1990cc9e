//! Kafka's OffsetsForLeaderEpoch API as a consumer uses it to validate its position (KIP-320,
//! `OffsetsForLeaderEpochUtils.prepareRequest`): per partition the epoch of the position
//! (`leaderEpoch`, the epoch of the last record handed out) and the epoch of the leader the
//! consumer knows (`currentLeaderEpoch`); back the end offset of that epoch on the leader
//! (`Partition.lastOffsetForLeaderEpoch` → `LeaderEpochFileCache.endOffsetFor`).

use super::{ErrorCode, PartIdx};

/// One partition of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetForLeaderPartition {
    pub part: PartIdx,
    /// The epoch whose end offset is asked (the position's `offsetEpoch`).
    pub leader_epoch: u32,
    /// The leader epoch the consumer knows (fenced or unknown when it differs from the leader's).
    pub current_leader_epoch: u32,
}

/// One partition of a response (`EpochEndOffset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochEndOffset {
    pub part: PartIdx,
    pub error: ErrorCode,
    /// `(leader epoch, end offset)`; `None` is `UNDEFINED_EPOCH` / `UNDEFINED_EPOCH_OFFSET`.
    pub end: Option<(u32, u64)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OffsetsForLeaderEpoch {
    Request {
        req_id: u64,
        partitions: Vec<OffsetForLeaderPartition>,
    },
    Response {
        req_id: u64,
        partitions: Vec<EpochEndOffset>,
    },
}
