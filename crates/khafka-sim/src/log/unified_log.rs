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

/// One batch of a replica's log: which stored batch, and when it reached this replica, as the µs
/// since the previous entry reached it (saturating at `u32::MAX`, 71 minutes; the log keeps the
/// last entry's time, so the times of a tail are exact). Only a power loss reads them, for the
/// tail appended within its unflushed window (at most an hour, below the saturation: an entry
/// behind a saturated gap is older than any window). Eight bytes: a 10-minute run keeps about two
/// million per replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    pub batch: BatchId,
    append_dt: u32,
}

/// What a segment needs to know of a batch: its size (as record batch v2 lays it out: the 61-byte
/// header and each record's key, value and overhead) and its largest record timestamp (ms: the
/// producer's send time, `CreateTime`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchMeta {
    pub bytes: u64,
    pub max_timestamp_ms: u64,
}

/// Kafka's `DefaultRecordBatch.RECORD_BATCH_OVERHEAD`: a batch header's bytes.
pub const BATCH_OVERHEAD_BYTES: u64 = 61;

/// When a new segment is rolled (`LogSegment.shouldRoll`): `segment.bytes` and `segment.ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RollConfig {
    pub segment_bytes: u64,
    pub segment_ms: u64,
}

impl RollConfig {
    /// Never rolls (tests that build logs by hand).
    pub const NEVER: RollConfig = RollConfig {
        segment_bytes: u64::MAX,
        segment_ms: u64::MAX,
    };
}

/// One segment of the live log (Kafka's `LogSegment`, without files or indexes): where it starts,
/// its size, its batches, and its timestamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub base_offset: u64,
    pub bytes: u64,
    pub batches: u32,
    /// The first batch's largest timestamp (`rollingBasedTimestamp`, what `segment.ms` counts from).
    pub first_batch_timestamp_ms: u64,
    /// The largest record timestamp (`largestTimestamp`, what `retention.ms` reads).
    pub max_timestamp_ms: u64,
}

/// Why segments were deleted (`SegmentDeletionReason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeletionReason {
    /// Wholly below the log start offset (`deleteLogStartOffsetBreachedSegments`).
    LogStartOffset,
    /// `retention.bytes` (`deleteRetentionSizeBreachedSegments`).
    RetentionBytes,
    /// `retention.ms` (`deleteRetentionMsBreachedSegments`).
    RetentionMs,
}

impl DeletionReason {
    /// What deleted the segments, as an operator names it: the topic config, or the log start
    /// offset (`DeleteRecords`, a leader's log start on a follower).
    pub fn cause(self) -> &'static str {
        match self {
            DeletionReason::RetentionMs => "retention.ms",
            DeletionReason::RetentionBytes => "retention.bytes",
            DeletionReason::LogStartOffset => "below the log start offset",
        }
    }
}

/// What moved a log's start offset forward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartMoveCause {
    /// Retention deleted segments (`retention.ms` or `retention.bytes`).
    Retention(DeletionReason),
    /// A `DeleteRecords` request, on the leader (`ReplicaManager.deleteRecords`).
    DeleteRecords,
    /// A follower read its leader's log start offset in a fetch response
    /// (`maybeIncrementLogStartOffset`).
    Leader,
}

impl StartMoveCause {
    /// The cause as an operator names it.
    pub fn cause(self) -> &'static str {
        match self {
            StartMoveCause::Retention(r) => r.cause(),
            StartMoveCause::DeleteRecords => "DeleteRecords",
            StartMoveCause::Leader => "its leader's log start offset",
        }
    }
}

/// A move of a log's start offset: when, to where, and why (what a record's story dates its
/// deleted copies by).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StartMove {
    pub at_us: u64,
    pub to: u64,
    pub cause: StartMoveCause,
}

/// Segments deleted in one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deletion {
    pub reason: DeletionReason,
    pub segments: u32,
    /// The log start offset before and after.
    pub old_log_start: u64,
    pub log_start_offset: u64,
    /// Whether the active segment was rolled first ("we must always have at least one segment").
    pub rolled: bool,
}

/// What `deleteOldSegments` reads of a partition's `LogConfig`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionConfig {
    /// `cleanup.policy` contains `delete`.
    pub delete: bool,
    /// Negative: no limit.
    pub retention_ms: i64,
    /// Negative: no limit.
    pub retention_bytes: i64,
}

impl Segment {
    fn empty(base_offset: u64) -> Segment {
        Segment {
            base_offset,
            bytes: 0,
            batches: 0,
            first_batch_timestamp_ms: 0,
            max_timestamp_ms: 0,
        }
    }

    fn add(&mut self, meta: BatchMeta) {
        if self.batches == 0 {
            self.first_batch_timestamp_ms = meta.max_timestamp_ms;
        }
        self.batches += 1;
        self.bytes += meta.bytes;
        self.max_timestamp_ms = self.max_timestamp_ms.max(meta.max_timestamp_ms);
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Log {
    /// Every batch appended and not truncated away, in offset order: the replica's history, which
    /// the verdicts read. Retention and compaction do not remove entries here; they move the log
    /// start offset and replace the cleaned part of the live log (`cleaned`).
    batches: ChunkVec<LogEntry>,
    /// Offset the history starts at (0, or the leader's log start after a follower truncated
    /// fully: `truncateFullyAndStartAt`).
    history_start: u64,
    /// Offset of the first readable record (moved by retention, or learned from the leader).
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
    /// The live segments, oldest first; the last is the active one. Empty until the first append.
    segments: Vec<Segment>,
    /// The live log below `clean_end`: what the cleaner kept, in offset order.
    cleaned: ChunkVec<BatchId>,
    /// The cleaner's checkpoint: offsets below it (and at or above the log start) are read from
    /// `cleaned`, the others from the history.
    clean_end: u64,
    /// The largest timestamp of a record this replica deleted by moving its log start (kept by the
    /// broker from the records themselves, for the retention invariant).
    #[serde(skip)]
    pub deleted_max_timestamp_ms: Option<u64>,
    /// `truncations` when the cleaner last installed its result (for the compaction invariant).
    #[serde(skip)]
    pub cleaned_at_truncations: u64,
    /// Base offset of the first batch of the history (0 when it is empty), and of the last
    /// [`RECENT`] batches, newest first (entries past the history's length are 0), kept with the
    /// batches: almost every lookup ([`Log::batch_index_of`]: a fetch's offset, the old high
    /// watermark) lands in the last few batches, and answering it from here saves two table reads
    /// per probe (a log entry, then its stored batch).
    #[serde(skip)]
    first_base: u64,
    /// When the last entry reached this replica (µs): the entries' append times are counted back
    /// from it (see [`LogEntry`]).
    last_append_us: u64,
    #[serde(skip)]
    recent_bases: [u64; RECENT],
    /// Every forward move of the log start offset, in time order.
    #[serde(skip)]
    start_moves: ChunkVec<StartMove>,
}

/// How many of the newest batches' base offsets a log keeps beside its batches.
const RECENT: usize = 8;

impl Log {
    /// Bytes a clone of the log copies rather than shares.
    pub(crate) fn clone_bytes(&self) -> u64 {
        self.batches.clone_bytes()
            + self.start_moves.clone_bytes()
            + (self.epoch_cache.len() * 16) as u64
    }

    /// Notes that the log start offset moved forward to `to` at `at_us`, for
    /// [`Log::start_move_past`].
    pub(crate) fn note_start_move(&mut self, at_us: u64, to: u64, cause: StartMoveCause) {
        self.start_moves.push(StartMove { at_us, to, cause });
    }

    /// The first move of the log start offset past `offset` at or after `from_us`: what deleted
    /// the copy of a record written at `offset` after `from_us`.
    pub fn start_move_past(&self, offset: u64, from_us: u64) -> Option<StartMove> {
        let (mut lo, mut hi) = (0, self.start_moves.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.start_moves.get(mid).expect("in range").at_us < from_us {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        self.start_moves
            .range(lo, self.start_moves.len())
            .find(|m| m.to > offset)
            .copied()
    }

    pub fn log_end_offset(&self) -> u64 {
        self.log_end_offset
    }

    pub fn log_start_offset(&self) -> u64 {
        self.log_start_offset
    }

    /// Where the history starts (see [`Log::batches`]).
    pub fn history_start(&self) -> u64 {
        self.history_start
    }

    /// The live segments, oldest first (the last is the active segment).
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The cleaner's checkpoint: the first offset not cleaned yet.
    pub fn clean_end(&self) -> u64 {
        self.clean_end
    }

    /// The live log's size in bytes (`UnifiedLog.size`).
    pub fn size_bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.bytes).sum()
    }

    /// The history's batches, oldest first: every batch appended and not truncated away, including
    /// those retention or the cleaner removed from the live log (read it with
    /// [`Log::live_batches_from`]).
    pub fn batches(&self) -> &ChunkVec<LogEntry> {
        &self.batches
    }

    /// Index (in [`Log::batches`]) of the last batch starting at or before `offset`, searching
    /// from the end (reads are almost always near it); `None` outside the history. With gaps (a
    /// follower that copied cleaned batches) the batch may end before `offset`.
    pub fn batch_index_of(&self, offset: u64, store: &BatchStore) -> Option<usize> {
        if offset < self.history_start || offset >= self.log_end_offset || self.batches.is_empty() {
            return None;
        }
        let base = |i: usize| {
            store
                .get(self.batches.get(i).expect("in range").batch)
                .base_offset
        };
        let n = self.batches.len();
        debug_assert_eq!(self.first_base, base(0));
        debug_assert!((0..n.min(RECENT)).all(|k| self.recent_bases[k] == base(n - 1 - k)));
        // The newest batch starting at or before `offset`, among the recent ones.
        for (k, &b) in self.recent_bases[..n.min(RECENT)].iter().enumerate() {
            if b <= offset {
                return Some(n - 1 - k);
            }
        }
        if self.first_base > offset {
            return None;
        }
        // Gallop back from the oldest recent batch (all of them start above `offset`, and there are
        // more batches: the first starts at or below it), then binary-search the bracket.
        let mut step = 1;
        let mut hi = n - RECENT; // batches[hi..] start above `offset`
        let mut lo = hi - 1;
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

    /// Index of the first history batch ending after `offset`.
    fn history_index_from(&self, offset: u64, store: &BatchStore) -> usize {
        match self.batch_index_of(offset, store) {
            Some(i) => {
                let e = self.batches.get(i).expect("in range");
                if store.get(e.batch).next_offset() > offset {
                    i
                } else {
                    i + 1
                }
            }
            None if offset >= self.log_end_offset => self.batches.len(),
            None => 0,
        }
    }

    /// The index of the first batch the cleaner kept that ends after `from` (binary search over
    /// the pieces); their number when `from` is at or above the cleaner's checkpoint.
    fn first_piece_after(&self, from: u64, store: &BatchStore) -> usize {
        if from >= self.clean_end {
            return self.cleaned.len();
        }
        let (mut lo, mut hi) = (0, self.cleaned.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let id = *self.cleaned.get(mid).expect("in range");
            if store.get(id).next_offset() <= from {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Every record the log still holds in `[from, to)`, whatever its log start offset: below
    /// the cleaner's checkpoint the records it kept (not those it removed), above it the
    /// history.
    pub fn for_each_live_record_id(
        &self,
        from: u64,
        to: u64,
        store: &BatchStore,
        mut f: impl FnMut(RecordId),
    ) {
        let to = to.min(self.log_end_offset);
        let cleaned_to = to.min(self.clean_end);
        let first = self.first_piece_after(from, store);
        for &batch in self.cleaned.range(first, self.cleaned.len()) {
            let b = store.get(batch);
            if b.base_offset >= cleaned_to {
                break;
            }
            let mut offset = b.base_offset;
            store.for_each_record_id(batch, 0, |id| {
                if offset >= from && offset < cleaned_to {
                    f(id);
                }
                offset += 1;
            });
        }
        let from = from.max(self.clean_end);
        if from < to {
            self.for_each_record_id(from, to, store, |_, id| f(id));
        }
    }

    /// The batches a read from `offset` returns, in offset order: the cleaned part below the
    /// cleaner's checkpoint, then the history; nothing below the log start offset. The first one
    /// holds `offset` or, in a gap the cleaner left, starts after it.
    pub fn live_batches_from<'a>(
        &'a self,
        offset: u64,
        store: &'a BatchStore,
    ) -> impl Iterator<Item = BatchId> + 'a {
        let from = offset.max(self.log_start_offset);
        let pieces = self.first_piece_after(from, store);
        let history = self.history_index_from(from.max(self.clean_end), store);
        self.cleaned
            .range(pieces, self.cleaned.len())
            .copied()
            .chain(
                self.batches
                    .range(history, self.batches.len())
                    .map(|e| e.batch),
            )
    }

    /// The record at `offset` in the history.
    pub fn get(&self, offset: u64, store: &BatchStore) -> Option<LogRecord> {
        let i = self.batch_index_of(offset, store)?;
        let id = self.batches.get(i)?.batch;
        let b = store.get(id);
        if offset >= b.next_offset() {
            return None;
        }
        let index = (offset - b.base_offset) as u32;
        Some(store.record(id, index))
    }

    /// Records of the history at offsets `[from, to)`, with their offsets.
    pub fn records_in<'a>(
        &'a self,
        from: u64,
        to: u64,
        store: &'a BatchStore,
    ) -> impl Iterator<Item = (u64, LogRecord)> + 'a {
        self.records_with_batch_in(from, to, store)
            .map(|(off, _, rec)| (off, rec))
    }

    /// [`Log::records_in`], each record with the stored batch it is in.
    pub fn records_with_batch_in<'a>(
        &'a self,
        from: u64,
        to: u64,
        store: &'a BatchStore,
    ) -> impl Iterator<Item = (u64, BatchId, LogRecord)> + 'a {
        let to = to.min(self.log_end_offset);
        let start = if from < to {
            self.history_index_from(from, store)
        } else {
            self.batches.len()
        };
        self.batches
            .range(start, self.batches.len())
            .map_while(move |e| {
                let b = store.get(e.batch);
                (b.base_offset < to).then_some((e.batch, b))
            })
            .flat_map(move |(id, b)| {
                let lo = from.max(b.base_offset);
                let hi = to.min(b.next_offset());
                (lo..hi).map(move |off| (off, id, store.record(id, (off - b.base_offset) as u32)))
            })
    }

    /// Where the same stored batches end, reading `self` and `other` from offset `from` (up to
    /// `to`): the records of `[from, returned)` are the same in both logs, whatever they are (a
    /// follower copies the leader's stored batches, so a record-by-record comparison of two
    /// replicas can start there).
    pub fn same_batches_until(&self, other: &Log, from: u64, to: u64, store: &BatchStore) -> u64 {
        let to = to.min(self.log_end_offset).min(other.log_end_offset);
        if from >= to {
            return from;
        }
        let (mut i, mut j) = (
            self.history_index_from(from, store),
            other.history_index_from(from, store),
        );
        let mut at = from;
        // Each log's entries before `i` (`j`) end at or before `at`: records between `at` and a
        // batch both logs hold next are in neither.
        while let (Some(a), Some(b)) = (self.batches.get(i), other.batches.get(j)) {
            if a.batch != b.batch || at >= to {
                break;
            }
            at = store.get(a.batch).next_offset().min(to);
            i += 1;
            j += 1;
        }
        at
    }

    /// Calls `f(offset, record id)` for the history's records at offsets `[from, to)`: the verdict
    /// counts' walk, a tight loop over the stored ids.
    pub fn for_each_record_id(
        &self,
        from: u64,
        to: u64,
        store: &BatchStore,
        mut f: impl FnMut(u64, RecordId),
    ) {
        let to = to.min(self.log_end_offset);
        let from = from.max(self.history_start);
        if from >= to {
            return;
        }
        let first = self.history_index_from(from, store);
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

    /// [`Log::for_each_record_id`] through one `dyn` callback: the views' walks (not the
    /// engine's), one copy of the walk for all of them in the notebook bundle.
    pub fn for_each_record_id_dyn(
        &self,
        from: u64,
        to: u64,
        store: &BatchStore,
        f: &mut dyn FnMut(u64, RecordId),
    ) {
        self.for_each_record_id(from, to, store, f)
    }

    /// Every record of the history, with its offset.
    pub fn records<'a>(
        &'a self,
        store: &'a BatchStore,
    ) -> impl Iterator<Item = (u64, LogRecord)> + 'a {
        self.records_in(self.history_start, self.log_end_offset, store)
    }

    /// [`Log::records`], each record with the stored batch it is in.
    pub fn records_with_batch<'a>(
        &'a self,
        store: &'a BatchStore,
    ) -> impl Iterator<Item = (u64, BatchId, LogRecord)> + 'a {
        self.records_with_batch_in(self.history_start, self.log_end_offset, store)
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
    /// cache's latest; returns its base offset. Segments roll as [`Log::append_with`] with
    /// [`RollConfig::NEVER`].
    pub fn append(&mut self, id: BatchId, store: &BatchStore, now_us: u64) -> u64 {
        self.append_with(id, store, now_us, BatchMeta::default(), RollConfig::NEVER)
            .0
    }

    /// Appends stored batch `id` at or after the LEO (after it only when a follower copies a
    /// leader's cleaned log, which has gaps), rolling a new segment first when `roll` says so
    /// (`UnifiedLog.maybeRoll`, `LogSegment.shouldRoll`); returns its base offset and whether a
    /// segment was rolled.
    pub fn append_with(
        &mut self,
        id: BatchId,
        store: &BatchStore,
        now_us: u64,
        meta: BatchMeta,
        roll: RollConfig,
    ) -> (u64, bool) {
        let b = store.get(id);
        let offset = b.base_offset;
        assert!(
            offset >= self.log_end_offset,
            "a batch is appended at or after the LEO"
        );
        let leo = self.log_end_offset;
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
                    .is_some_and(|&(_, start)| start >= leo)
                {
                    self.epoch_cache.pop();
                }
                if self.epoch_cache.last().map(|e| e.0) != Some(b.leader_epoch) {
                    self.epoch_cache.push((b.leader_epoch, offset));
                }
            }
        }
        let rolled = self.maybe_roll(offset, meta, roll);
        let seg = self
            .segments
            .last_mut()
            .expect("maybe_roll leaves a segment");
        if seg.batches == 0 {
            seg.first_batch_timestamp_ms = meta.max_timestamp_ms;
        }
        seg.batches += 1;
        seg.bytes += meta.bytes;
        seg.max_timestamp_ms = seg.max_timestamp_ms.max(meta.max_timestamp_ms);
        if self.batches.is_empty() {
            self.first_base = offset;
        }
        self.recent_bases.copy_within(0..RECENT - 1, 1);
        self.recent_bases[0] = offset;
        self.batches.push(LogEntry {
            batch: id,
            append_dt: now_us
                .saturating_sub(self.last_append_us)
                .min(u32::MAX as u64) as u32,
        });
        self.last_append_us = self.last_append_us.max(now_us);
        self.log_end_offset = b.next_offset();
        self.last_epoch = Some(b.leader_epoch);
        (offset, rolled)
    }

    /// `LogSegment.shouldRoll` before appending a batch at `base`: the active segment is full
    /// (`size > segment.bytes - batch size`) or, when it holds a batch, the batch's largest
    /// timestamp is more than `segment.ms` after its first batch's (no `segment.jitter.ms`).
    /// `UnifiedLog.maybeRoll` before an append of batches starting at `base` whose sizes and
    /// largest timestamp `meta` sums up (`LogSegment.shouldRoll`): rolls a new segment there when
    /// the active one is full or old enough; returns whether it rolled.
    pub fn maybe_roll(&mut self, base: u64, meta: BatchMeta, roll: RollConfig) -> bool {
        let roll_now = match self.segments.last() {
            None => {
                self.segments
                    .push(Segment::empty(self.log_end_offset.min(base)));
                return false;
            }
            Some(seg) if seg.batches == 0 => false,
            Some(seg) => {
                let full = seg.bytes as i128 > roll.segment_bytes as i128 - meta.bytes as i128;
                let waited = meta.max_timestamp_ms as i128 - seg.first_batch_timestamp_ms as i128;
                full || waited > roll.segment_ms as i128
            }
        };
        if roll_now {
            self.segments.push(Segment::empty(base));
        }
        roll_now
    }

    /// Truncates to `offset`, keeping the batches that end at or before it, and returns the new
    /// LEO (segments recounted with [`BatchMeta::default`]; see [`Log::truncate_to_with`]).
    pub fn truncate_to(&mut self, offset: u64, store: &BatchStore) -> u64 {
        self.truncate_to_with(offset, store, &|_| BatchMeta::default())
    }

    /// Truncates to `offset`, keeping the batches that end at or before it, and returns the new
    /// LEO. As in Kafka (`LogSegment.truncateTo` removes from the position of the batch holding the
    /// offset), a batch holding `offset` goes whole; the offsets Kafka truncates to (epoch ends, a
    /// leader's LEO, the high watermark) are batch boundaries. Segments above the new end go; the
    /// one it falls in is recounted with `meta`.
    pub fn truncate_to_with(
        &mut self,
        offset: u64,
        store: &BatchStore,
        meta: &dyn Fn(BatchId) -> BatchMeta,
    ) -> u64 {
        if offset >= self.log_end_offset {
            return self.log_end_offset;
        }
        // `UnifiedLog.truncateTo`: an offset below the first segment keeps nothing, and the log
        // starts again there (`truncateFullyAndStartAt`) — a follower whose retention deleted
        // what a new leader's shorter log still ends below.
        let first_base = self
            .segments
            .first()
            .map_or(self.history_start, |s| s.base_offset);
        if offset < first_base {
            self.truncate_fully_and_start_at(offset);
            return offset;
        }
        let keep = match self.batch_index_of(offset, store) {
            Some(i) => {
                let e = self.batches.get(i).expect("in range");
                if store.get(e.batch).next_offset() <= offset {
                    i + 1
                } else {
                    i
                }
            }
            None => 0,
        };
        // The new last entry's time, counted back over the removed ones (an upper bound if a
        // saturated gap is crossed: then older than any unflushed window, as it really is).
        for i in (keep..self.batches.len()).rev() {
            let dt = self.batches.get(i).expect("in range").append_dt;
            self.last_append_us = self.last_append_us.saturating_sub(dt as u64);
        }
        self.batches.truncate(keep);
        self.recent_bases = [0; RECENT];
        for k in 0..keep.min(RECENT) {
            let e = self.batches.get(keep - 1 - k).expect("in range");
            self.recent_bases[k] = store.get(e.batch).base_offset;
        }
        if keep == 0 {
            self.first_base = 0;
        }
        let new_leo = match self.batches.last() {
            Some(e) => store.get(e.batch).next_offset(),
            None => self.history_start,
        };
        self.log_end_offset = new_leo;
        // Below the log start offset nothing is left to read: the log starts again at its end
        // (`UnifiedLog.truncateTo` → `truncateFullyAndStartAt`).
        self.log_start_offset = self.log_start_offset.min(new_leo);
        // Moves past the new start named offsets that will hold other records.
        let mut keep_moves = self.start_moves.len();
        while keep_moves > 0
            && self
                .start_moves
                .get(keep_moves - 1)
                .is_some_and(|m| m.to > self.log_start_offset)
        {
            keep_moves -= 1;
        }
        self.start_moves.truncate(keep_moves);
        self.last_epoch = self.batches.last().map(|e| store.get(e.batch).leader_epoch);
        self.truncations += 1;
        self.epoch_cache.retain(|&(_, start)| start < new_leo);
        self.high_watermark = self.high_watermark.min(new_leo);
        // The cleaned part above the new end goes too.
        if self.clean_end > new_leo {
            let mut n = self.cleaned.len();
            while n > 0
                && store
                    .get(*self.cleaned.get(n - 1).expect("in range"))
                    .next_offset()
                    > new_leo
            {
                n -= 1;
            }
            self.cleaned.truncate(n);
            self.clean_end = new_leo;
        }
        // `LocalLog.truncateTo`: the segments starting above the target go; one starting at it
        // stays, empty, as the active segment.
        while self
            .segments
            .last()
            .is_some_and(|s| s.base_offset > new_leo && self.segments.len() > 1)
        {
            self.segments.pop();
        }
        if let Some(last) = self.segments.last().copied() {
            let mut seg = Segment::empty(last.base_offset.min(new_leo));
            for id in self.live_batches_from(seg.base_offset, store) {
                if store.get(id).base_offset >= new_leo {
                    break;
                }
                seg.add(meta(id));
            }
            *self.segments.last_mut().expect("just read") = seg;
        }
        new_leo
    }

    /// Empties the log and starts it at `offset` (`UnifiedLog.truncateFullyAndStartAt`): a
    /// follower whose log ends below its leader's log start offset.
    pub fn truncate_fully_and_start_at(&mut self, offset: u64) {
        self.batches.truncate(0);
        self.first_base = 0;
        self.recent_bases = [0; RECENT];
        self.cleaned.truncate(0);
        self.segments.clear();
        self.epoch_cache.clear();
        self.history_start = offset;
        self.log_start_offset = offset;
        self.log_end_offset = offset;
        self.clean_end = offset;
        self.high_watermark = offset;
        self.last_epoch = None;
        self.truncations += 1;
        // No copy is left below the new start for the moves to date.
        self.start_moves.truncate(0);
    }

    /// `UnifiedLog.maybeIncrementLogStartOffset`: moves the log start forward, never past the
    /// high watermark; the leader-epoch cache forgets what lies before it
    /// (`LeaderEpochFileCache.truncateFromStart`). Returns whether it moved.
    pub fn maybe_increment_log_start(&mut self, offset: u64) -> bool {
        let offset = offset.min(self.high_watermark);
        if offset <= self.log_start_offset {
            return false;
        }
        self.log_start_offset = offset;
        // The last entry starting at or below the new start now starts there.
        let first_kept = self
            .epoch_cache
            .iter()
            .rposition(|&(_, start)| start <= offset);
        if let Some(i) = first_kept {
            self.epoch_cache.drain(..i);
            self.epoch_cache[0].1 = offset;
        }
        true
    }

    /// `UnifiedLog.deleteOldSegments` at `now_ms`: segments wholly below the log start offset, then
    /// with `cleanup.policy` containing `delete`, segments over `retention.bytes`, then past
    /// `retention.ms` — whole segments, oldest first, stopping at the first that stays, never one
    /// ending above the high watermark (`deletableSegments`), never an empty last segment. When
    /// every segment goes, a new empty active segment is rolled at the LEO first (`deleteSegments`:
    /// "we must always have at least one segment").
    pub fn delete_old_segments(&mut self, now_ms: u64, cfg: &RetentionConfig) -> Vec<Deletion> {
        let mut out = Vec::new();
        let start = self.log_start_offset;
        out.extend(
            self.delete_while(DeletionReason::LogStartOffset, |_, next| {
                next.is_some_and(|n| n <= start)
            }),
        );
        if !cfg.delete {
            return out;
        }
        let size = self.size_bytes() as i128;
        if cfg.retention_bytes >= 0 && size >= cfg.retention_bytes as i128 {
            let mut diff = size - cfg.retention_bytes as i128;
            out.extend(self.delete_while(DeletionReason::RetentionBytes, |seg, _| {
                let delete = diff - seg.bytes as i128 >= 0;
                if delete {
                    diff -= seg.bytes as i128;
                }
                delete
            }));
        }
        if cfg.retention_ms >= 0 {
            let retention = cfg.retention_ms as i128;
            out.extend(self.delete_while(DeletionReason::RetentionMs, |seg, _| {
                now_ms as i128 - seg.max_timestamp_ms as i128 > retention
            }));
        }
        out
    }

    /// `deleteOldSegments(predicate)`: the leading segments `predicate(segment, next base)` picks.
    fn delete_while(
        &mut self,
        reason: DeletionReason,
        mut predicate: impl FnMut(&Segment, Option<u64>) -> bool,
    ) -> Option<Deletion> {
        let n = self.segments.len();
        let mut k = 0;
        while k < n {
            let seg = &self.segments[k];
            let next = self.segments.get(k + 1).map(|s| s.base_offset);
            let last_and_empty = next.is_none() && seg.batches == 0;
            let upper = next.unwrap_or(self.log_end_offset);
            // "We don't delete segments with offsets at or beyond the high watermark".
            if self.high_watermark >= upper && predicate(seg, next) && !last_and_empty {
                k += 1;
            } else {
                break;
            }
        }
        if k == 0 {
            return None;
        }
        let rolled = k == n;
        if rolled {
            self.segments.push(Segment::empty(self.log_end_offset));
        }
        let old_log_start = self.log_start_offset;
        let new_start = self.segments[k].base_offset;
        self.segments.drain(..k);
        // `incrementStartOffset` (the high watermark is at or above it: see `upper`).
        self.maybe_increment_log_start(new_start);
        Some(Deletion {
            reason,
            segments: k as u32,
            old_log_start,
            log_start_offset: self.log_start_offset,
            rolled,
        })
    }

    /// Installs what the cleaner kept of the live log below `end`, with the segments recounted:
    /// `kept` replaces every live batch of `[log start, end)`, offsets unchanged.
    pub fn install_cleaned(
        &mut self,
        kept: Vec<BatchId>,
        end: u64,
        store: &BatchStore,
        meta: &dyn Fn(BatchId) -> BatchMeta,
        segment_bytes: u64,
    ) {
        let mut cleaned = ChunkVec::new();
        for e in kept {
            cleaned.push(e);
        }
        self.cleaned = cleaned;
        self.clean_end = end;
        self.cleaned_at_truncations = self.truncations;
        // `Cleaner.groupSegmentsBySize` and `cleanSegments`: the segments below `end` go in groups
        // of consecutive segments whose sizes before this cleaning add up to at most
        // `segment.bytes`; each group becomes one segment at its first base offset, holding what
        // the group kept, its largest timestamp the largest of the records kept (a group that kept
        // nothing: its last segment's, as Kafka's `largestTimestamp` falls back to the file's
        // modification time, which `cleanSegments` copies from the group's last segment).
        let below = self
            .segments
            .iter()
            .take_while(|g| g.base_offset < end)
            .count();
        let mut merged: Vec<Segment> = Vec::new();
        let mut last_ts: Vec<u64> = Vec::new();
        let mut size = 0u64;
        for g in &self.segments[..below] {
            if merged.is_empty() || size.saturating_add(g.bytes) > segment_bytes {
                merged.push(Segment::empty(g.base_offset));
                last_ts.push(0);
                size = 0;
            }
            size = size.saturating_add(g.bytes);
            *last_ts.last_mut().expect("pushed") = g.max_timestamp_ms;
        }
        let mut i = 0;
        for &batch in self.cleaned.iter() {
            let b = store.get(batch);
            while i + 1 < merged.len() && merged[i + 1].base_offset <= b.base_offset {
                i += 1;
            }
            if let Some(g) = merged.get_mut(i) {
                g.add(meta(batch));
            }
        }
        for (g, ts) in merged.iter_mut().zip(last_ts) {
            if g.batches == 0 {
                g.max_timestamp_ms = ts;
            }
        }
        self.segments.splice(..below, merged);
    }

    /// The offset from which every batch reached this replica after `cutoff_us` (appends are in
    /// time order, so they are a tail): what a power loss takes with an unflushed window.
    pub fn first_offset_appended_after(&self, cutoff_us: u64, store: &BatchStore) -> u64 {
        let mut keep = self.batches.len();
        let mut append_us = self.last_append_us;
        while keep > 0 && append_us > cutoff_us {
            keep -= 1;
            let dt = self.batches.get(keep).expect("in range").append_dt;
            append_us = append_us.saturating_sub(dt as u64);
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

    /// The cleaned part of the live log (see [`Log::clean_end`]).
    pub fn cleaned(&self) -> &ChunkVec<BatchId> {
        &self.cleaned
    }

    /// Sets the HW, clamped into `[log start, LEO]` (`UnifiedLog.updateHighWatermark`): a broker
    /// recovering an HW checkpoint older than its last retention never puts the HW below its log
    /// start.
    pub fn set_high_watermark(&mut self, hw: u64) {
        self.high_watermark = hw.max(self.log_start_offset).min(self.log_end_offset());
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
    fn two_replicas_share_records_as_far_as_they_share_stored_batches() {
        // The leader writes three one-record batches; the follower copies the first two, then
        // holds a batch of its own at offset 2 (written while it led).
        let (mut leader, mut s) = (Log::default(), BatchStore::default());
        let mut follower = Log::default();
        for id in 1..=3 {
            rec(&mut leader, &mut s, id, 0);
        }
        for i in 0..2 {
            let b = leader.batches().get(i).expect("written").batch;
            follower.append(b, &s, 0);
        }
        rec(&mut follower, &mut s, 9, 1);
        assert_eq!(leader.same_batches_until(&follower, 0, 3, &s), 2);
        // From inside the shared part, up to a bound within it, and from past it.
        assert_eq!(leader.same_batches_until(&follower, 1, 3, &s), 2);
        assert_eq!(leader.same_batches_until(&follower, 0, 1, &s), 1);
        assert_eq!(leader.same_batches_until(&follower, 2, 3, &s), 2);
        // Equal logs: the whole range, but not past the shorter one's end.
        follower.truncate_to(2, &s);
        assert_eq!(leader.same_batches_until(&follower, 0, 3, &s), 2);
        let b = leader.batches().get(2).expect("written").batch;
        follower.append(b, &s, 0);
        assert_eq!(leader.same_batches_until(&follower, 0, 3, &s), 3);
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
    fn append_times_are_exact_in_the_tail_and_old_behind_a_saturated_gap() {
        let (mut log, mut s) = (Log::default(), BatchStore::default());
        let hour = 3_600_000_000;
        // Batches of one record at offsets 0..5, appended at these µs.
        let times = [1_000, 2_000, 2 * hour, 2 * hour + 500, 2 * hour + 900];
        for (i, t) in times.into_iter().enumerate() {
            let b = s.add(log.log_end_offset(), 0, &[i as u64], None);
            log.append(b, &s, t);
        }
        // Everything appended after the cutoff goes, to the µs.
        assert_eq!(log.first_offset_appended_after(2 * hour + 499, &s), 3);
        assert_eq!(log.first_offset_appended_after(2 * hour + 500, &s), 4);
        assert_eq!(log.first_offset_appended_after(2 * hour - 1, &s), 2);
        // (A cutoff more than 71 minutes before the last append is never asked: windows are an
        // hour at most. Behind the saturated gap times are upper bounds, so it would cut more.)
        // Truncated back across the 2-hour gap (more than 32 bits of µs): the new tail's time is
        // known to be at least 71 minutes before 2 h, older than any window (an hour at most).
        log.truncate_to(2, &s);
        let b = s.add(2, 0, &[9], None);
        log.append(b, &s, 3 * hour);
        assert_eq!(log.first_offset_appended_after(3 * hour - 1, &s), 2);
        assert_eq!(log.first_offset_appended_after(2 * hour, &s), 2);
        assert_eq!(log.first_offset_appended_after(3 * hour, &s), 3);
    }

    #[test]
    fn a_truncation_below_the_first_segment_starts_the_log_there() {
        // Sweep seed 22302: a follower restarted its log at its old leader's log start (3,972,
        // retention had deleted the rest), then an unclean election made a replica whose log
        // ends at 887 leader. Told to truncate to 887, the engine kept the log at 3,972 (nothing
        // below it to keep), fetched from 3,972, got OFFSET_OUT_OF_RANGE, "truncated" to 3,972
        // again, forever. Kafka's `UnifiedLog.truncateTo` starts the log again at the target when
        // it lies below the first segment (`truncateFullyAndStartAt`).
        let (mut log, mut s) = (Log::default(), BatchStore::default());
        log.truncate_fully_and_start_at(3_972);
        for id in 0..5 {
            rec(&mut log, &mut s, id, 0);
        }
        log.set_high_watermark(3_977);
        assert_eq!(log.truncate_to(887, &s), 887);
        assert_eq!(log.log_end_offset(), 887);
        assert_eq!(log.log_start_offset(), 887);
        assert_eq!(log.high_watermark, 887);
        assert_eq!(log.epoch_cache(), &[]);
        // It goes on from there.
        rec(&mut log, &mut s, 9, 1);
        assert_eq!(log.log_end_offset(), 888);
        assert_eq!(log.epoch_cache(), &[(1, 887)]);
    }

    /// `LocalLog.truncateTo` deletes the segments whose base offset is *above* the target: a
    /// segment starting at the target stays, emptied, and is the active segment the next append
    /// writes to (the engine removed it too, and the next appends joined the segment before).
    #[test]
    fn a_truncation_at_a_segment_base_keeps_that_segment_empty() {
        let (mut log, mut s) = (Log::default(), BatchStore::default());
        let roll = RollConfig {
            segment_bytes: 150,
            segment_ms: u64::MAX,
        };
        for i in 0..3u64 {
            let b = s.add(log.log_end_offset(), 0, &[i], None);
            let meta = BatchMeta {
                bytes: 100,
                max_timestamp_ms: i,
            };
            log.append_with(b, &s, i * 1_000, meta, roll);
        }
        let bases = |log: &Log| {
            log.segments()
                .iter()
                .map(|g| g.base_offset)
                .collect::<Vec<_>>()
        };
        assert_eq!(bases(&log), vec![0, 1, 2]);
        log.truncate_to(1, &s);
        assert_eq!(bases(&log), vec![0, 1]);
        let last = log.segments()[1];
        assert_eq!((last.bytes, last.batches), (0, 0));
        let b = s.add(1, 0, &[9], None);
        let meta = BatchMeta {
            bytes: 100,
            max_timestamp_ms: 9,
        };
        log.append_with(b, &s, 9_000, meta, roll);
        assert_eq!(bases(&log), vec![0, 1]);
        assert_eq!(log.segments()[1].batches, 1);
    }

    /// `Cleaner.groupSegmentsBySize`: the cleaned range's segments merge while their sizes
    /// before the cleaning fit in `segment.bytes`, each group one segment holding what it kept,
    /// with the largest timestamp of the records kept (the engine kept every segment, and its
    /// timestamp from before the cleaning).
    #[test]
    fn a_cleaning_merges_small_segments() {
        let (mut log, mut s) = (Log::default(), BatchStore::default());
        let roll = RollConfig {
            segment_bytes: 150,
            segment_ms: u64::MAX,
        };
        let meta = |i: u64| BatchMeta {
            bytes: 100,
            max_timestamp_ms: 10 * i,
        };
        let mut ids = Vec::new();
        for i in 0..4u64 {
            let b = s.add(log.log_end_offset(), 0, &[i], None);
            log.append_with(b, &s, i * 1_000, meta(i), roll);
            ids.push(b);
        }
        let bases = |log: &Log| {
            log.segments()
                .iter()
                .map(|g| g.base_offset)
                .collect::<Vec<_>>()
        };
        assert_eq!(bases(&log), vec![0, 1, 2, 3]);
        // Offset 1's record was superseded; the cleaning covers [0, 3).
        let kept = [ids[0], ids[2]];
        let m = |id: BatchId| meta(s.get(id).base_offset);
        log.install_cleaned(kept.to_vec(), 3, &s, &m, 250);
        // 100 + 100 fit in 250, a third does not: {0, 1} and {2}; 3 is the active segment.
        assert_eq!(bases(&log), vec![0, 2, 3]);
        let g = log.segments()[0];
        assert_eq!((g.bytes, g.batches, g.max_timestamp_ms), (100, 1, 0));
        assert_eq!(log.segments()[1].max_timestamp_ms, 20);
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

    /// kafka-semantics.md §10.2's example: segments [0–99] (1000 bytes, largest timestamp T−3h),
    /// [100–199] (1000 bytes, T−40min) and active [200–249] (500 bytes, T−1min); HW=250.
    fn three_segments() -> (Log, BatchStore, u64) {
        let (mut log, mut s) = (Log::default(), BatchStore::default());
        let t = 10 * 3_600_000;
        let roll = RollConfig {
            segment_bytes: u64::MAX,
            segment_ms: 1,
        };
        for (base, n, bytes, ts) in [
            (0u64, 100u64, 1000, t - 3 * 3_600_000),
            (100, 100, 1000, t - 40 * 60_000),
            (200, 50, 500, t - 60_000),
        ] {
            let ids: Vec<u64> = (base..base + n).collect();
            let b = s.add(base, 0, &ids, None);
            let meta = BatchMeta {
                bytes,
                max_timestamp_ms: ts,
            };
            log.append_with(b, &s, 0, meta, roll);
        }
        log.set_high_watermark(250);
        assert_eq!(log.segments().len(), 3);
        assert_eq!(std::mem::size_of::<Segment>(), 40);
        (log, s, t)
    }

    #[test]
    fn retention_deletes_whole_segments_as_the_reference_example_says() {
        let cfg = |ms: i64, bytes: i64| RetentionConfig {
            delete: true,
            retention_ms: ms,
            retention_bytes: bytes,
        };
        let (mut log, _, t) = three_segments();
        let d = log.delete_old_segments(t, &cfg(-1, 1200));
        assert_eq!((d.len(), log.log_start_offset()), (1, 100), "{d:?}");
        let (mut log, _, t) = three_segments();
        log.delete_old_segments(t, &cfg(3_600_000, -1));
        assert_eq!(log.log_start_offset(), 100);
        // All three due: an empty active segment is rolled at 250 and the rest deleted.
        let (mut log, _, t) = three_segments();
        let d = log.delete_old_segments(t, &cfg(30_000, -1));
        assert!(d[0].rolled);
        assert_eq!(log.log_start_offset(), 250);
        assert_eq!(log.segments().len(), 1);
        assert_eq!(log.segments()[0].batches, 0);
        // Never above the high watermark: with HW=150 only [0–99] can go.
        let (mut log, _, t) = three_segments();
        log.high_watermark = 150;
        log.delete_old_segments(t, &cfg(30_000, -1));
        assert_eq!(log.log_start_offset(), 100);
        // `compact` alone: retention deletes nothing.
        let (mut log, _, t) = three_segments();
        let mut c = cfg(30_000, 0);
        c.delete = false;
        assert!(log.delete_old_segments(t, &c).is_empty());
    }
}
