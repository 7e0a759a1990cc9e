//! A replica's log: its batches in offset order (references into the run's
//! [`BatchStore`](super::BatchStore)), the log start and end offsets, the high watermark and the
//! leader-epoch cache.
//!
//! Kafka's words: the **log end offset** (LEO) is the offset the next record will get; the **high
//! watermark** (HW) is an exclusive bound below which records are committed (`UnifiedLog`). Every
//! record carries the epoch of the leader that appended it, and the **leader-epoch cache** holds
//! `(epoch, start offset)` pairs, strictly increasing in both (`LeaderEpochFileCache`), which is how a
//! follower finds where its log diverges from a new leader's (KIP-101, KIP-279).

use super::batch::{BatchId, BatchStore, LogRecord, RecordId};
use crate::chunked::ChunkVec;
use serde::Serialize;

/// One batch of a replica's log: which stored batch, and when it reached this replica (µs; the
/// unflushed-data window of a power loss reads it). Twelve bytes: a 10-minute run keeps two million
/// per replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, packed(4))]
pub struct LogEntry {
    pub batch: BatchId,
    pub append_us: u64,
}

impl Serialize for LogEntry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (batch, append_us) = (self.batch, self.append_us);
        (batch, append_us).serialize(s)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Log {
    /// The batches, in offset order, contiguous from the log start offset.
    batches: ChunkVec<LogEntry>,
    /// Offset of the first record (0 until retention deletes segments).
    log_start_offset: u64,
    log_end_offset: u64,
    /// `(epoch, start_offset)`, strictly increasing in both.
    epoch_cache: Vec<(u32, u64)>,
    pub high_watermark: u64,
    /// How many times records were removed from the end (lets checkers know a prefix changed).
    pub truncations: u64,
    /// Epoch of the last batch, kept with the batches: a follower sends it with every fetch.
    #[serde(skip)]
    last_epoch: Option<u32>,
}

impl Log {
    /// Bytes a clone of the log copies rather than shares.
    pub(crate) fn clone_bytes(&self) -> u64 {
        self.batches.clone_bytes() + (self.epoch_cache.len() * 16) as u64
    }

    pub fn log_end_offset(&self) -> u64 {
        self.log_end_offset
    }

    pub fn log_start_offset(&self) -> u64 {
        self.log_start_offset
    }

    /// The log's batches, oldest first.
    pub fn batches(&self) -> &ChunkVec<LogEntry> {
        &self.batches
    }

    /// Index (in [`Log::batches`]) of the batch holding `offset`, searching from the end (reads
    /// are almost always near it).
    pub fn batch_index_of(&self, offset: u64, store: &BatchStore) -> Option<usize> {
        if offset < self.log_start_offset || offset >= self.log_end_offset {
            return None;
        }
        let base = |i: usize| {
            store
                .get(self.batches.get(i).expect("in range").batch)
                .base_offset
        };
        let n = self.batches.len();
        // Gallop back from the end, then binary-search the bracket.
        let mut step = 1;
        let mut hi = n; // batches[hi..] start above `offset`
        let mut lo = n - 1;
        while base(lo) > offset {
            hi = lo;
            lo = lo.saturating_sub(step);
            step *= 2;
        }
        // base(lo) <= offset < base(hi) (or hi == n)
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if base(mid) <= offset {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(lo)
    }

    /// The record at `offset`.
    pub fn get(&self, offset: u64, store: &BatchStore) -> Option<LogRecord> {
        let i = self.batch_index_of(offset, store)?;
        let id = self.batches.get(i)?.batch;
        let index = (offset - store.get(id).base_offset) as u32;
        Some(store.record(id, index))
    }

    /// Records at offsets `[from, to)`, with their offsets.
    pub fn records_in<'a>(
        &'a self,
        from: u64,
        to: u64,
        store: &'a BatchStore,
    ) -> impl Iterator<Item = (u64, LogRecord)> + 'a {
        let to = to.min(self.log_end_offset);
        let first = if from < to {
            self.batch_index_of(from.max(self.log_start_offset), store)
        } else {
            None
        };
        let start = first.unwrap_or(self.batches.len());
        self.batches
            .range(start, self.batches.len())
            .map_while(move |e| {
                let b = store.get(e.batch);
                (b.base_offset < to).then_some((e.batch, b))
            })
            .flat_map(move |(id, b)| {
                let lo = from.max(b.base_offset);
                let hi = to.min(b.next_offset());
                (lo..hi).map(move |off| (off, store.record(id, (off - b.base_offset) as u32)))
            })
    }

    /// Calls `f(offset, record id)` for the records at offsets `[from, to)`: the verdict counts' walk,
    /// a tight loop over the stored ids.
    pub fn for_each_record_id(
        &self,
        from: u64,
        to: u64,
        store: &BatchStore,
        mut f: impl FnMut(u64, RecordId),
    ) {
        let to = to.min(self.log_end_offset);
        let from = from.max(self.log_start_offset);
        if from >= to {
            return;
        }
        let Some(first) = self.batch_index_of(from, store) else {
            return;
        };
        let mut stop = false;
        self.batches.for_each_in(first, self.batches.len(), |e| {
            if stop {
                return;
            }
            let b = store.get(e.batch);
            if b.base_offset >= to {
                stop = true;
                return;
            }
            let skip = from.saturating_sub(b.base_offset) as u32;
            let mut offset = b.base_offset + skip as u64;
            store.for_each_record_id(e.batch, skip, |id| {
                if offset < to {
                    f(offset, id);
                }
                offset += 1;
            });
        });
    }

    /// Every record, with its offset.
    pub fn records<'a>(
        &'a self,
        store: &'a BatchStore,
    ) -> impl Iterator<Item = (u64, LogRecord)> + 'a {
        self.records_in(self.log_start_offset, self.log_end_offset, store)
    }

    pub fn epoch_cache(&self) -> &[(u32, u64)] {
        &self.epoch_cache
    }

    /// The latest epoch in the cache, if any.
    pub fn latest_epoch(&self) -> Option<u32> {
        self.epoch_cache.last().map(|e| e.0)
    }

    /// Epoch of the last batch (what a follower sends as `LastFetchedEpoch`).
    pub fn last_record_epoch(&self) -> Option<u32> {
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

    /// Appends stored batch `id`, which must start at the LEO and whose epoch must not be below the
    /// cache's latest; returns its base offset.
    pub fn append(&mut self, id: BatchId, store: &BatchStore, now_us: u64) -> u64 {
        let b = store.get(id);
        let offset = self.log_end_offset;
        assert_eq!(b.base_offset, offset, "a batch is appended at the LEO");
        match self.epoch_cache.last() {
            Some(&(e, _)) if e == b.leader_epoch => {}
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
                if self.epoch_cache.last().map(|e| e.0) != Some(b.leader_epoch) {
                    self.epoch_cache.push((b.leader_epoch, offset));
                }
            }
        }
        self.batches.push(LogEntry {
            batch: id,
            append_us: now_us,
        });
        self.log_end_offset = b.next_offset();
        self.last_epoch = Some(b.leader_epoch);
        offset
    }

    /// Truncates to `offset`, keeping the batches that end at or before it, and returns the new
    /// LEO. As in Kafka (`LogSegment.truncateTo` removes from the position of the batch holding the
    /// offset), a batch holding `offset` goes whole; the offsets Kafka truncates to (epoch ends, a
    /// leader's LEO, the high watermark) are batch boundaries.
    pub fn truncate_to(&mut self, offset: u64, store: &BatchStore) -> u64 {
        if offset >= self.log_end_offset {
            return self.log_end_offset;
        }
        let keep = self
            .batch_index_of(offset.max(self.log_start_offset), store)
            .unwrap_or_default();
        self.batches.truncate(keep);
        let new_leo = match self.batches.last() {
            Some(e) => store.get(e.batch).next_offset(),
            None => self.log_start_offset,
        };
        self.log_end_offset = new_leo;
        self.last_epoch = self.batches.last().map(|e| store.get(e.batch).leader_epoch);
        self.truncations += 1;
        self.epoch_cache.retain(|&(_, start)| start < new_leo);
        self.high_watermark = self.high_watermark.min(new_leo);
        new_leo
    }

    /// The offset from which every batch reached this replica after `cutoff_us` (appends are in
    /// time order, so they are a tail): what a power loss takes with an unflushed window.
    pub fn first_offset_appended_after(&self, cutoff_us: u64, store: &BatchStore) -> u64 {
        let mut keep = self.batches.len();
        while keep > 0
            && self
                .batches
                .get(keep - 1)
                .is_some_and(|e| e.append_us > cutoff_us)
        {
            keep -= 1;
        }
        match self.batches.get(keep) {
            Some(e) => store.get(e.batch).base_offset,
            None => self.log_end_offset,
        }
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

    /// Appends a one-record batch of epoch `epoch`, as a leader would.
    fn rec(log: &mut Log, store: &mut BatchStore, id: u64, epoch: u32) {
        let b = store.add(log.log_end_offset(), epoch, &[id], None);
        log.append(b, store, 0);
    }

    #[test]
    fn epoch_cache_and_end_offsets() {
        let (mut log, mut s) = (Log::default(), BatchStore::default());
        rec(&mut log, &mut s, 1, 0);
        rec(&mut log, &mut s, 2, 0);
        rec(&mut log, &mut s, 3, 2);
        assert_eq!(log.epoch_cache(), &[(0, 0), (2, 2)]);
        // Largest epoch ≤ 1 is 0, which ends where epoch 2 starts.
        assert_eq!(log.end_offset_for(1), Some((0, 2)));
        assert_eq!(log.end_offset_for(2), Some((2, 3)));
        // Larger than every epoch: undefined (Kafka's "should never be hit" branch).
        assert_eq!(log.end_offset_for(7), None);
        assert_eq!(log.last_record_epoch(), Some(2));
        log.truncate_to(2, &s);
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
        let (mut log, mut s) = (Log::default(), BatchStore::default());
        rec(&mut log, &mut s, 1, 0);
        rec(&mut log, &mut s, 2, 0);
        log.assign_epoch_start(1);
        assert_eq!(log.epoch_cache(), &[(0, 0), (1, 2)]);
        rec(&mut log, &mut s, 3, 0);
        assert_eq!(log.epoch_cache(), &[(0, 0)]);
        rec(&mut log, &mut s, 4, 2);
        assert_eq!(log.epoch_cache(), &[(0, 0), (2, 3)]);
    }

    #[test]
    fn an_epoch_older_than_every_cached_epoch_ends_where_the_first_one_starts() {
        // A leader elected with an empty log at epoch 5 (its cache starts at offset 0), asked by a
        // follower whose last epoch is 3: Kafka answers (3, 0), so the follower truncates to 0 and
        // re-replicates; an undefined answer made it re-fetch forever.
        let (mut log, mut s) = (Log::default(), BatchStore::default());
        log.assign_epoch_start(5);
        rec(&mut log, &mut s, 1, 5);
        assert_eq!(log.end_offset_for(3), Some((3, 0)));
        let mut log = Log::default();
        assert_eq!(log.end_offset_for(0), None, "an empty cache knows no epoch");
        rec(&mut log, &mut s, 1, 2);
        rec(&mut log, &mut s, 2, 4);
        assert_eq!(log.end_offset_for(1), Some((1, 0)));
        assert_eq!(log.end_offset_for(3), Some((2, 1)));
        assert_eq!(log.end_offset_for(4), Some((4, 2)));
    }

    #[test]
    fn hw_is_clamped_to_leo() {
        let (mut log, mut s) = (Log::default(), BatchStore::default());
        rec(&mut log, &mut s, 1, 0);
        log.set_high_watermark(5);
        assert_eq!(log.high_watermark, 1);
        log.truncate_to(0, &s);
        assert_eq!(log.high_watermark, 0);
        assert_eq!(log.last_record_epoch(), None);
    }

    #[test]
    fn offsets_are_found_inside_batches_and_a_cut_batch_goes_whole() {
        let (mut log, mut s) = (Log::default(), BatchStore::default());
        for (i, n) in [3u64, 1, 4, 2, 5].into_iter().enumerate() {
            let ids: Vec<u64> = (0..n).map(|k| 100 * i as u64 + k).collect();
            let b = s.add(log.log_end_offset(), 0, &ids, None);
            log.append(b, &s, 10 * i as u64);
        }
        assert_eq!(log.log_end_offset(), 15);
        let all: Vec<(u64, u64)> = log.records(&s).map(|(o, r)| (o, r.record_id)).collect();
        assert_eq!(all.len(), 15);
        assert_eq!(all[3], (3, 100));
        assert_eq!(all[14], (14, 404));
        for off in 0..15 {
            assert_eq!(
                log.get(off, &s).map(|r| r.record_id),
                Some(all[off as usize].1)
            );
        }
        assert_eq!(log.get(15, &s), None);
        let mid: Vec<u64> = log.records_in(5, 9, &s).map(|(o, _)| o).collect();
        assert_eq!(mid, vec![5, 6, 7, 8]);
        for (from, to) in [(0, 15), (2, 12), (3, 4), (9, 9), (14, 20), (7, 3)] {
            let mut walked = Vec::new();
            log.for_each_record_id(from, to, &s, |o, id| walked.push((o, id)));
            let want: Vec<(u64, u64)> = log
                .records_in(from, to, &s)
                .map(|(o, r)| (o, r.record_id))
                .collect();
            assert_eq!(walked, want, "[{from}, {to})");
        }
        assert_eq!(log.first_offset_appended_after(15, &s), 4);
        assert_eq!(log.first_offset_appended_after(40, &s), 15);
        // Offset 9 is inside the batch [8, 10): the batch goes whole.
        assert_eq!(log.truncate_to(9, &s), 8);
        assert_eq!(log.log_end_offset(), 8);
        assert_eq!(
            log.truncate_to(8, &s),
            8,
            "a boundary truncates nothing more"
        );
        assert_eq!(log.truncate_to(4, &s), 4);
        assert_eq!(log.truncate_to(1, &s), 0);
        assert_eq!(log.batches().len(), 0);
    }
}
