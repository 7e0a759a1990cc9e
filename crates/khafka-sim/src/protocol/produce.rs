//! Kafka's Produce API (`ProduceRequest`, `ProduceResponse`): a client's batches for the partitions
//! a broker leads, and per partition the error and base offset.

use super::{ErrorCode, PartIdx};
use crate::log::RecordId;

/// One partition's batch inside a produce request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProduceBatch {
    pub part: PartIdx,
    pub records: Vec<RecordId>,
    /// `(producer id, producer epoch, base sequence)` for idempotent producers.
    pub idempotence: Option<(u32, u16, i32)>,
    /// The batch's size on the wire: the 61-byte header and its records, compressed
    /// (`protocol/wire.rs`).
    pub bytes: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Produce {
    Request {
        req_id: u64,
        acks: crate::config::Acks,
        timeout_us: u64,
        batches: Vec<ProduceBatch>,
    },
    Response {
        req_id: u64,
        /// `(partition, error, base offset)`.
        results: Vec<(PartIdx, ErrorCode, Option<u64>)>,
    },
}
