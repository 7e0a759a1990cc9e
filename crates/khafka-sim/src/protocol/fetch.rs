//! Kafka's Fetch API (`FetchRequest`, `FetchResponse`) as followers and consumers use it: per
//! partition a fetch offset (and for followers the last fetched epoch), and back whole batches, the
//! high watermark, or the diverging epoch (KIP-320/KIP-595).

use super::{ErrorCode, PartIdx};
use crate::log::BatchId;
use crate::spec::BrokerId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchPartition {
    pub part: PartIdx,
    pub fetch_offset: u64,
    /// Epoch of the last record the follower has (KIP-595-style divergence check); `None` for consumers.
    pub last_fetched_epoch: Option<u32>,
    pub current_leader_epoch: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedPartition {
    pub part: PartIdx,
    pub error: ErrorCode,
    pub high_watermark: u64,
    pub log_end_offset: u64,
    /// The leader's log start offset (`FetchResponse`'s `logStartOffset`): followers move theirs
    /// to it; a consumer resetting to `earliest` reads it.
    pub log_start_offset: u64,
    /// The offset this answers (the request's fetch offset).
    pub fetch_offset: u64,
    /// Whole batches from the one holding the fetch offset (the store's ids: a follower appends the
    /// very batches the leader holds).
    pub batches: Vec<BatchId>,
    /// Base offset of the first batch (below the fetch offset when that is inside a batch).
    pub base_offset: u64,
    /// `(epoch, end offset)` when the follower's log diverges from the leader's.
    pub diverging_epoch: Option<(u32, u64)>,
    /// KIP-951: on a consumer's `NOT_LEADER_OR_FOLLOWER` or `FENCED_LEADER_EPOCH`, the leader the
    /// answering broker knows.
    pub current_leader: Option<super::CurrentLeader>,
    /// On a consumer's `OFFSET_OUT_OF_RANGE` (the stand-in for `ListOffsets`): the leader's high
    /// watermark is behind the start of its epoch, so `ListOffsets(LATEST)` would fail with
    /// `OFFSET_NOT_AVAILABLE` (`Partition.fetchOffsetForTimestamp`).
    pub latest_unavailable: bool,
}

/// Who sent a fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fetcher {
    Follower(BrokerId),
    Consumer,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetch {
    Request {
        req_id: u64,
        fetcher: Fetcher,
        max_wait_us: u64,
        partitions: Vec<FetchPartition>,
        /// The fetch session it belongs to (KIP-227), named by the request id of the full fetch
        /// that opened it: a fetch whose `session` is its own `req_id` is full, and its answer
        /// carries every partition. A follower opens one with its first fetch to a leader and
        /// after a fetch that failed; its later fetches are incremental, answered only with the
        /// partitions that have something new (records, a new high watermark or log start
        /// offset, an error, a diverging epoch). 0: no session, every answer full (consumers'
        /// fetches here).
        session: u64,
    },
    Response {
        req_id: u64,
        partitions: Vec<FetchedPartition>,
    },
}
