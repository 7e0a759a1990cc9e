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
    },
    Response {
        req_id: u64,
        partitions: Vec<FetchedPartition>,
    },
}
