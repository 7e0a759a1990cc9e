//! Record provenance: the story of every record a producer sent.
//!
//! When it was sent; where it was first appended (broker, offset, leader epoch); when it was
//! acknowledged (and at which offset) or failed (and with which error); when the leader's high
//! watermark passed it (committed); when a consumer first received it. The end-of-run verdicts —
//! lost, duplicated, reordered, unavailable — are computed from the final logs in `Sim::outcome`.

use crate::chunked::ChunkVec;
use crate::log::RecordId;
use crate::msg::{ErrorCode, PartIdx};
use crate::spec::BrokerId;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordInfo {
    pub producer: u32,
    pub part: PartIdx,
    /// Index into the producer's key set; `None` for a null key.
    pub key: Option<u32>,
    pub acks_all: bool,
    pub sent_us: u64,
    /// `(broker, offset, leader epoch, time)` of the first append on a leader.
    pub first_append: Option<(BrokerId, u64, u32, u64)>,
    /// Times the record was appended on a leader (more than one means a duplicate was written).
    pub leader_appends: u16,
    pub acked_us: Option<u64>,
    /// Offset in the acknowledgement (`None` for `acks=0`, which gets -1).
    pub ack_offset: Option<u64>,
    pub failed: Option<ErrorCode>,
    pub committed_us: Option<u64>,
    pub consumed_us: Option<u64>,
    pub attempts: u16,
}

#[derive(Clone, Debug, Default)]
pub struct Provenance {
    pub records: ChunkVec<RecordInfo>,
}

impl Provenance {
    pub fn get(&self, id: RecordId) -> Option<&RecordInfo> {
        self.records.get(id as usize)
    }
    pub fn get_mut(&mut self, id: RecordId) -> Option<&mut RecordInfo> {
        self.records.get_mut(id as usize)
    }
    pub fn push(&mut self, info: RecordInfo) -> RecordId {
        let id = self.records.len() as RecordId;
        self.records.push(info);
        id
    }
}
