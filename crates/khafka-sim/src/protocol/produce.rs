//! Kafka's Produce API (`ProduceRequest`, `ProduceResponse`): a client's batches for the partitions
//! a broker leads, and per partition the error and base offset (and, with
//! `NOT_LEADER_OR_FOLLOWER`, the leader the broker knows: KIP-951).

use super::{ErrorCode, PartIdx};
use crate::log::RecordId;
use crate::spec::BrokerId;

/// One partition's answer (`PartitionProduceResponse`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartitionResponse {
    pub part: PartIdx,
    pub error: ErrorCode,
    /// Where the batch was written (`None` unless `error` is `NONE`).
    pub base_offset: Option<u64>,
    /// KIP-951's `CurrentLeader`, set with `NOT_LEADER_OR_FOLLOWER` (`KafkaApis.getCurrentLeader`):
    /// the partition's leader and leader epoch as this broker knows them, and whether the leader
    /// is alive (its endpoint is in the answer's `NodeEndpoints`).
    pub current_leader: Option<CurrentLeader>,
}

/// A partition's leader as the answering broker knows it (KIP-951).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CurrentLeader {
    pub leader: BrokerId,
    pub leader_epoch: u32,
    pub alive: bool,
}

impl PartitionResponse {
    /// An answer without leader information.
    pub fn new(part: PartIdx, error: ErrorCode, base_offset: Option<u64>) -> Self {
        PartitionResponse {
            part,
            error,
            base_offset,
            current_leader: None,
        }
    }
}

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
    /// What the producer counted against `batch.size`: its records' values (Kafka's producer
    /// counts bytes on the wire; see the leader's size check in `broker/produce.rs`).
    pub value_bytes: u32,
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
        results: Vec<PartitionResponse>,
    },
}
