//! A replica's log: records at dense offsets, the log end offset, the high watermark and the
//! leader-epoch cache.
//!
//! Kafka's words: the **log end offset** (LEO) is the offset the next record will get; the **high
//! watermark** (HW) is an exclusive bound below which records are committed (`UnifiedLog`). Every
//! record carries the epoch of the leader that appended it, and the **leader-epoch cache** holds
//! `(epoch, start offset)` pairs, strictly increasing in both (`LeaderEpochFileCache`), which is how a
//! follower finds where its log diverges from a new leader's (KIP-101, KIP-279).

use crate::chunked::ChunkVec;
use serde::Serialize;

/// Identifies a record a producer sent, across the whole run (in send order).
pub type RecordId = u64;

/// A record as stored in a replica's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct LogRecord {
    pub record_id: RecordId,
    /// Epoch of the leader that appended it.
    pub leader_epoch: u32,
    /// Producer id for idempotent producers, 0 otherwise.
    pub producer_id: u32,
    pub producer_epoch: u16,
    /// Sequence number for idempotent producers, -1 otherwise.
    pub sequence: i32,
    /// First record of a producer batch (idempotence keeps batch boundaries).
    pub batch_start: bool,
    /// Simulated time the record reached this replica (µs); used for the unflushed-data window.
    pub append_us: u64,
}

impl LogRecord {
    /// A record of a non-idempotent producer (no producer id or sequence), appended at time 0.
    pub fn plain(record_id: RecordId, leader_epoch: u32) -> Self {
        LogRecord {
            record_id,
            leader_epoch,
            producer_id: 0,
            producer_epoch: 0,
            sequence: -1,
            batch_start: true,
            append_us: 0,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Log {
    records: ChunkVec<LogRecord>,
    /// `(epoch, start_offset)`, strictly increasing in both.
    epoch_cache: Vec<(u32, u64)>,
    pub high_watermark: u64,
    /// How many times records were removed from the end (lets checkers know a prefix changed).
    pub truncations: u64,
    /// Epoch of the last record, kept with the records: a follower sends it with every fetch, and
    /// reading it from the last chunk was a cache miss per partition per fetch at scale.
    #[serde(skip)]
    last_epoch: Option<u32>,
}

impl Log {
    pub fn log_end_offset(&self) -> u64 {
        self.records.len() as u64
    }

    pub fn get(&self, offset: u64) -> Option<&LogRecord> {
        self.records.get(offset as usize)
    }

    pub fn records(&self) -> &ChunkVec<LogRecord> {
        &self.records
    }

    pub fn epoch_cache(&self) -> &[(u32, u64)] {
        &self.epoch_cache
    }

    /// The latest epoch in the cache, if any.
    pub fn latest_epoch(&self) -> Option<u32> {
        self.epoch_cache.last().map(|e| e.0)
    }

    /// Epoch of the last record (what a follower sends as `LastFetchedEpoch`).
    pub fn last_record_epoch(&self) -> Option<u32> {
        debug_assert_eq!(self.last_epoch, self.records.last().map(|r| r.leader_epoch));
        self.last_epoch
    }

    /// Records a new leader epoch starting at the current LEO (`maybeAssignEpochStartOffset`).
    pub fn assign_epoch_start(&mut self, epoch: u32) {
        if self.latest_epoch() == Some(epoch) {
            return; // already started (LeaderEpochFileCache.assign ignores a known epoch)
        }
        let leo = self.log_end_offset();
        // Entries at or after the new start offset, or with an epoch ≥ this one, are superseded.
        self.epoch_cache
            .retain(|&(e, start)| e < epoch && start < leo);
        self.epoch_cache.push((epoch, leo));
    }

    /// Appends a record (its epoch must not be below the cache's latest).
    pub fn append(&mut self, record: LogRecord) -> u64 {
        let offset = self.log_end_offset();
        match self.epoch_cache.last() {
            Some(&(e, _)) if e == record.leader_epoch => {}
            _ => {
                // Entries starting at the LEO are epochs without a record here: a replica that led
                // such an epoch and now follows another leader drops them, as Kafka's follower
                // does when its first fetch (which carries the cache's latest epoch) comes back
                // diverging and it truncates to its LEO (`LeaderEpochFileCache.truncateFromEnd`).
                while self
                    .epoch_cache
                    .last()
                    .is_some_and(|&(_, start)| start >= offset)
                {
                    self.epoch_cache.pop();
                }
                if self.epoch_cache.last().map(|e| e.0) != Some(record.leader_epoch) {
                    self.epoch_cache.push((record.leader_epoch, offset));
                }
            }
        }
        self.records.push(record);
        self.last_epoch = Some(record.leader_epoch);
        offset
    }

    /// Truncates to `offset` (keeps offsets `< offset`), fixing the epoch cache and clamping the HW.
    pub fn truncate_to(&mut self, offset: u64) {
        if offset >= self.log_end_offset() {
            return;
        }
        self.records.truncate(offset as usize);
        self.last_epoch = self.records.last().map(|r| r.leader_epoch);
        self.truncations += 1;
        self.epoch_cache.retain(|&(_, start)| start < offset);
        self.high_watermark = self.high_watermark.min(offset);
    }

    /// `LeaderEpochFileCache.endOffsetFor`, with its four branches. `None` is
    /// `(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)`.
    /// - the requested epoch is the latest: it ends at the LEO;
    /// - no epoch is larger (or the cache is empty): undefined;
    /// - no epoch is smaller or equal: the requested epoch itself, ending where the first larger
    ///   epoch starts (the records before it are gone; the follower must truncate to there);
    /// - otherwise the largest epoch ≤ the requested one, ending where the next larger one starts.
    pub fn end_offset_for(&self, requested: u32) -> Option<(u32, u64)> {
        if self.latest_epoch() == Some(requested) {
            return Some((requested, self.log_end_offset()));
        }
        let higher = self.epoch_cache.iter().position(|&(e, _)| e > requested)?;
        let end = self.epoch_cache[higher].1;
        match higher.checked_sub(1) {
            None => Some((requested, end)),
            Some(floor) => Some((self.epoch_cache[floor].0, end)),
        }
    }

    /// Sets the HW, clamped into `[0, LEO]` (`UnifiedLog.updateHighWatermark`).
    pub fn set_high_watermark(&mut self, hw: u64) {
        self.high_watermark = hw.min(self.log_end_offset());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: u64, epoch: u32) -> LogRecord {
        LogRecord::plain(id, epoch)
    }

    #[test]
    fn epoch_cache_and_end_offsets() {
        let mut log = Log::default();
        log.append(rec(1, 0));
        log.append(rec(2, 0));
        log.append(rec(3, 2));
        assert_eq!(log.epoch_cache(), &[(0, 0), (2, 2)]);
        // Largest epoch ≤ 1 is 0, which ends where epoch 2 starts.
        assert_eq!(log.end_offset_for(1), Some((0, 2)));
        assert_eq!(log.end_offset_for(2), Some((2, 3)));
        // Larger than every epoch: undefined (Kafka's "should never be hit" branch).
        assert_eq!(log.end_offset_for(7), None);
        assert_eq!(log.last_record_epoch(), Some(2));
        log.truncate_to(2);
        assert_eq!(log.last_record_epoch(), Some(0));
        assert_eq!(log.epoch_cache(), &[(0, 0)]);
        assert_eq!(log.end_offset_for(2), None);
        assert_eq!(log.end_offset_for(0), Some((0, 2)));
        log.assign_epoch_start(3);
        assert_eq!(log.epoch_cache(), &[(0, 0), (3, 2)]);
    }

    #[test]
    fn an_epoch_without_records_gives_way_to_the_records_that_follow() {
        // A replica led epoch 1 without appending anything, then follows a leader that still has
        // epoch 0 records after offset 2.
        let mut log = Log::default();
        log.append(rec(1, 0));
        log.append(rec(2, 0));
        log.assign_epoch_start(1);
        assert_eq!(log.epoch_cache(), &[(0, 0), (1, 2)]);
        log.append(rec(3, 0));
        assert_eq!(log.epoch_cache(), &[(0, 0)]);
        log.append(rec(4, 2));
        assert_eq!(log.epoch_cache(), &[(0, 0), (2, 3)]);
    }

    #[test]
    fn an_epoch_older_than_every_cached_epoch_ends_where_the_first_one_starts() {
        // A leader elected with an empty log at epoch 5 (its cache starts at offset 0), asked by a
        // follower whose last epoch is 3: Kafka answers (3, 0), so the follower truncates to 0 and
        // re-replicates; an undefined answer made it re-fetch forever.
        let mut log = Log::default();
        log.assign_epoch_start(5);
        log.append(rec(1, 5));
        assert_eq!(log.end_offset_for(3), Some((3, 0)));
        let mut log = Log::default();
        assert_eq!(log.end_offset_for(0), None, "an empty cache knows no epoch");
        log.append(rec(1, 2));
        log.append(rec(2, 4));
        assert_eq!(log.end_offset_for(1), Some((1, 0)));
        assert_eq!(log.end_offset_for(3), Some((2, 1)));
        assert_eq!(log.end_offset_for(4), Some((4, 2)));
    }

    #[test]
    fn hw_is_clamped_to_leo() {
        let mut log = Log::default();
        log.append(rec(1, 0));
        log.set_high_watermark(5);
        assert_eq!(log.high_watermark, 1);
        log.truncate_to(0);
        assert_eq!(log.high_watermark, 0);
        assert_eq!(log.last_record_epoch(), None);
    }
}
