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

/// `u32::MAX` / `u64::MAX` stand for "not yet" in the packed fields below.
const NONE32: u32 = u32::MAX;
const NONE64: u64 = u64::MAX;

/// One record's story, packed into 64 bytes: a 10-minute run at 10,000 records/s keeps six million
/// of these. Times after `sent_us` are stored as µs since it (up to 71 minutes; later instants
/// saturate there). Read it through the accessors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordInfo {
    pub sent_us: u64,
    first_append_offset: u64,
    ack_offset: u64,
    pub producer: u32,
    pub part: PartIdx,
    key: u32,
    first_append_epoch: u32,
    first_append_dt: u32,
    acked_dt: u32,
    committed_dt: u32,
    consumed_dt: u32,
    first_append_broker: u16,
    /// Times the record was appended on a leader (more than one means a duplicate was written).
    pub leader_appends: u16,
    pub attempts: u16,
    pub failed: Option<ErrorCode>,
    pub acks_all: bool,
}

impl RecordInfo {
    pub fn new(
        producer: u32,
        part: PartIdx,
        key: Option<u32>,
        acks_all: bool,
        sent_us: u64,
    ) -> Self {
        RecordInfo {
            sent_us,
            first_append_offset: NONE64,
            ack_offset: NONE64,
            producer,
            part,
            key: key.unwrap_or(NONE32),
            first_append_epoch: 0,
            first_append_dt: NONE32,
            acked_dt: NONE32,
            committed_dt: NONE32,
            consumed_dt: NONE32,
            first_append_broker: 0,
            leader_appends: 0,
            attempts: 0,
            failed: None,
            acks_all,
        }
    }

    fn dt(&self, at_us: u64) -> u32 {
        at_us.saturating_sub(self.sent_us).min(NONE32 as u64 - 1) as u32
    }

    fn at(&self, dt: u32) -> Option<u64> {
        (dt != NONE32).then(|| self.sent_us + dt as u64)
    }

    /// Index into the producer's key set; `None` for a null key.
    pub fn key(&self) -> Option<u32> {
        (self.key != NONE32).then_some(self.key)
    }

    /// `(broker, offset, leader epoch, time)` of the first append on a leader.
    pub fn first_append(&self) -> Option<(BrokerId, u64, u32, u64)> {
        let t = self.at(self.first_append_dt)?;
        Some((
            self.first_append_broker as BrokerId,
            self.first_append_offset,
            self.first_append_epoch,
            t,
        ))
    }

    pub fn set_first_append(&mut self, broker: BrokerId, offset: u64, epoch: u32, at_us: u64) {
        self.first_append_broker = broker as u16;
        self.first_append_offset = offset;
        self.first_append_epoch = epoch;
        self.first_append_dt = self.dt(at_us);
    }

    /// Whether the copy of this record at `offset` of a log is a later copy: the record was
    /// appended on a leader more than once and first at an earlier offset.
    pub fn is_later_copy(&self, offset: u64) -> bool {
        self.leader_appends > 1
            && self
                .first_append()
                .is_some_and(|(_, first, _, _)| first < offset)
    }

    pub fn acked_us(&self) -> Option<u64> {
        self.at(self.acked_dt)
    }

    /// Offset in the acknowledgement (`None` for `acks=0`, which gets -1).
    pub fn ack_offset(&self) -> Option<u64> {
        (self.ack_offset != NONE64).then_some(self.ack_offset)
    }

    pub fn set_acked(&mut self, at_us: u64, offset: Option<u64>) {
        self.acked_dt = self.dt(at_us);
        self.ack_offset = offset.unwrap_or(NONE64);
    }

    pub fn committed_us(&self) -> Option<u64> {
        self.at(self.committed_dt)
    }

    pub fn set_committed(&mut self, at_us: u64) {
        self.committed_dt = self.dt(at_us);
    }

    pub fn consumed_us(&self) -> Option<u64> {
        self.at(self.consumed_dt)
    }

    pub fn set_consumed(&mut self, at_us: u64) {
        self.consumed_dt = self.dt(at_us);
    }
}

/// Every record's story, with running counts kept as the stories change (so a picture of a long run
/// never has to walk six million records to say how many were acknowledged).
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    pub records: ChunkVec<RecordInfo>,
    /// Records acknowledged, by partition.
    pub(crate) acked_by_part: Vec<u64>,
    /// Records that failed and were never acknowledged.
    pub(crate) failed: u64,
    /// Records some consumer received.
    pub(crate) consumed: u64,
    /// What has been counted of the leaders' logs (see `verdict.rs`).
    pub(crate) scan: crate::verdict::LeaderScan,
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
        self.scan.sent(info.producer);
        self.records.push(info);
        id
    }

    /// The producer got an acknowledgement for the record (at `offset`; `None` for `acks=0`).
    pub fn ack(&mut self, id: RecordId, at_us: u64, offset: Option<u64>) {
        let Some(info) = self.records.get_mut(id as usize) else {
            return;
        };
        let first = info.acked_us().is_none();
        let was_failed = info.failed.is_some();
        let part = info.part as usize;
        info.set_acked(at_us, offset);
        if !first {
            return;
        }
        if was_failed {
            self.failed -= 1;
        }
        if self.acked_by_part.len() <= part {
            self.acked_by_part.resize(part + 1, 0);
        }
        self.acked_by_part[part] += 1;
        self.scan.acked(id, part);
    }

    /// The producer gave up on the record with `err`.
    pub fn fail(&mut self, id: RecordId, err: ErrorCode) {
        let Some(info) = self.records.get_mut(id as usize) else {
            return;
        };
        if info.failed.is_none() && info.acked_us().is_none() {
            self.failed += 1;
        }
        info.failed = Some(err);
    }

    /// A consumer received the record (the first time counts).
    pub fn consume(&mut self, id: RecordId, at_us: u64) {
        let Some(info) = self.records.get_mut(id as usize) else {
            return;
        };
        if info.consumed_us().is_none() {
            info.set_consumed(at_us);
            self.consumed += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_into_64_bytes_and_round_trips() {
        assert_eq!(std::mem::size_of::<RecordInfo>(), 64);
        let mut r = RecordInfo::new(1, 2, None, true, 5_000_000);
        assert_eq!(
            (r.key(), r.acked_us(), r.first_append()),
            (None, None, None)
        );
        r.set_first_append(3, 42, 7, 5_000_100);
        r.set_acked(5_000_900, Some(42));
        r.set_committed(5_000_800);
        assert_eq!(r.first_append(), Some((3, 42, 7, 5_000_100)));
        assert_eq!((r.acked_us(), r.ack_offset()), (Some(5_000_900), Some(42)));
        assert_eq!(r.committed_us(), Some(5_000_800));
        r.set_acked(5_001_000, None);
        assert_eq!(r.ack_offset(), None, "acks=0 has no offset");
        r.set_consumed(u64::MAX);
        assert!(r.consumed_us().is_some(), "saturates instead of wrapping");
    }
}
