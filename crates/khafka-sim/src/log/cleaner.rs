//! Log compaction for one replica's log: Kafka's `LogCleanerManager.cleanableOffsets` (what may be
//! cleaned), `LogToClean` (the dirty ratio) and `Cleaner.doClean` / `cleanSegments` /
//! `shouldRetainRecord` (what is kept), core/src/main/scala/kafka/log/LogCleaner.scala and
//! LogCleanerManager.scala.
//!
//! - **What may be cleaned**: from the cleaner's checkpoint (the first dirty offset, at least the
//!   log start offset) to the first uncleanable offset, the smallest of the last stable offset (the
//!   high watermark: no transactions here), the active segment's base offset and, with
//!   `min.compaction.lag.ms`, the base of the first segment holding a record younger than that;
//!   whole segments only (`calculateCleanableBytes`).
//! - **When**: the dirty ratio `cleanable bytes / (clean bytes + cleanable bytes)` is above
//!   `min.cleanable.dirty.ratio` (`grabFilthiestCompactedLog`; no `max.compaction.lag.ms`).
//! - **What is kept**: the offset map holds each key's last offset in the dirty range
//!   (`buildOffsetMap`); a record in the cleaned range survives if its offset is at or above its
//!   key's entry (or its key is not in the map), and a tombstone only until its batch's delete
//!   horizon, set to `now + delete.retention.ms` at the first cleaning of a batch holding a
//!   tombstone (KIP-534, `MemoryRecords.filterTo`). A record without a key is dropped (the parser
//!   refuses keyless producers on compacted topics, as Kafka's `LogValidator` refuses their
//!   records). Offsets never change: the kept records of a batch stay at their offsets, as pieces
//!   of the original batch ([`BatchStore::add_piece`]: one header between them, their kept
//!   records' largest timestamp); a batch kept whole is not copied, unless its first cleaning
//!   sets a tombstone's delete horizon, which goes into a rebuilt batch's header in Kafka and so
//!   into a piece here, where followers that fetch it find it.
//!
//! - **Segments**: the cleaned range's segments are merged in groups whose sizes before the
//!   cleaning fit in `segment.bytes` (`groupSegmentsBySize`), each group one segment whose largest
//!   timestamp is its kept records' (`Log::install_cleaned`).
//!
//! Simplified: a batch that loses all its records goes, even when it held its producer's last
//! sequence (Kafka keeps such a batch empty); a batch that loses its last records ends at its last
//! kept record (Kafka keeps the batch's last offset).

use super::{BatchId, BatchStore, Log, RecordId};
use crate::config::Ratio;
use std::collections::BTreeMap;

/// `LogToClean`: what one cleaning of a log would cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cleanable {
    pub first_dirty: u64,
    /// The first uncleanable segment's base offset: the cleaning covers `[log start, end)`.
    pub end: u64,
    pub clean_bytes: u64,
    pub cleanable_bytes: u64,
}

impl Cleanable {
    /// `cleanableRatio > minCleanableRatio` (`grabFilthiestCompactedLog`).
    pub fn eligible(&self, min_ratio: Ratio) -> bool {
        min_ratio.exceeded_by(
            self.cleanable_bytes,
            self.clean_bytes + self.cleanable_bytes,
        )
    }

    /// The dirty ratio (to pick the filthiest log), as Kafka's `LogToClean.cleanableRatio`.
    pub fn ratio(&self) -> f64 {
        self.cleanable_bytes as f64 / (self.clean_bytes + self.cleanable_bytes) as f64
    }
}

/// `LogCleanerManager.cleanableOffsets` and `calculateCleanableBytes` for `log` at `now_ms`.
pub fn cleanable(log: &Log, now_ms: u64, min_compaction_lag_ms: u64) -> Option<Cleanable> {
    let segs = log.segments();
    let active = segs.last()?;
    let start = log.log_start_offset();
    let first_dirty = if log.clean_end() < start || log.clean_end() > log.log_end_offset() {
        start
    } else {
        log.clean_end()
    };
    let end_of = |i: usize| {
        segs.get(i + 1)
            .map_or(log.log_end_offset(), |s| s.base_offset)
    };
    let mut uncleanable = log.high_watermark.min(active.base_offset);
    if min_compaction_lag_ms > 0 {
        let horizon = now_ms as i128 - min_compaction_lag_ms as i128;
        if let Some(s) = segs[..segs.len() - 1]
            .iter()
            .enumerate()
            .filter(|(i, _)| end_of(*i) > first_dirty)
            .find(|(_, s)| s.max_timestamp_ms as i128 > horizon)
        {
            uncleanable = uncleanable.min(s.1.base_offset);
        }
    }
    let uncleanable = uncleanable.max(first_dirty);
    // The segment holding the uncleanable offset (or the active one) bounds the cleaning.
    let end = segs
        .iter()
        .enumerate()
        .find(|(i, _)| end_of(*i) > uncleanable)
        .map_or(active.base_offset, |(_, s)| s.base_offset)
        .min(active.base_offset);
    let overlapping = |from: u64, to: u64| -> u64 {
        segs.iter()
            .enumerate()
            .filter(|(i, s)| s.base_offset < to && end_of(*i) > from)
            .map(|(_, s)| s.bytes)
            .sum()
    };
    let cleanable_bytes = overlapping(first_dirty.min(end), end);
    let clean_bytes = overlapping(0, first_dirty);
    Some(Cleanable {
        first_dirty,
        end,
        clean_bytes,
        cleanable_bytes,
    })
}

/// What one cleaning produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cleaned {
    /// The live log of `[log start, end)` after cleaning.
    pub kept: Vec<BatchId>,
    pub end: u64,
    /// Records the cleaning removed, in offset order.
    pub removed: Vec<RecordId>,
    /// New pieces: `(piece, source batch, first record kept, records kept)`.
    pub pieces: Vec<(BatchId, BatchId, u32, u32)>,
}

/// `Cleaner.doClean` over `[log start, c.end)` at `now_ms`: builds the offset map over the dirty
/// range, then keeps what `shouldRetainRecord` keeps. `read` writes record `id`'s key into its
/// buffer and says whether it is a tombstone.
pub fn clean(
    log: &Log,
    store: &mut BatchStore,
    c: &Cleanable,
    now_ms: u64,
    delete_retention_ms: u64,
    read: &mut dyn FnMut(RecordId, &mut String) -> CleanerRecordInfo,
) -> Cleaned {
    let mut key = String::new();
    // buildOffsetMap: each key's last offset in the dirty range. (`String` keys: the bundle
    // already has this map type, and each new one costs it about 650 B gzip.)
    let mut map: BTreeMap<String, u64> = BTreeMap::new();
    for e in live_batches(log, c.first_dirty, c.end, store) {
        let b = *store.get(e);
        for i in 0..b.count {
            let offset = b.base_offset + i as u64;
            if offset < c.first_dirty || offset >= c.end {
                continue;
            }
            let info = read(store.record_id(e, i), &mut key);
            if info.has_key {
                match map.get_mut(key.as_str()) {
                    Some(o) => *o = offset,
                    None => {
                        map.insert(key.clone(), offset);
                    }
                }
            }
        }
    }
    let mut out = Cleaned {
        end: c.end,
        ..Cleaned::default()
    };
    for e in live_batches(log, 0, c.end, store) {
        let b = *store.get(e);
        // The delete horizon in the batch's header (a piece a cleaning here or on the leader
        // wrote), `u64::MAX` for none.
        let horizon = store.delete_horizon_ms(e);
        let mut keep = vec![false; b.count as usize];
        let mut timestamps = vec![None; b.count as usize];
        let mut has_tombstone = false;
        for (i, k) in keep.iter_mut().enumerate() {
            let id = store.record_id(e, i as u32);
            let offset = b.base_offset + i as u64;
            let info = read(id, &mut key);
            timestamps[i] = info.timestamp_ms;
            *k = if offset >= c.end {
                true
            } else if !info.has_key {
                false
            } else {
                let latest = map.get(key.as_str()).is_none_or(|&o| offset >= o);
                // A tombstone stays until its batch's delete horizon has passed.
                let retained_value = !info.tombstone || now_ms < horizon;
                latest && retained_value
            };
            if *k && info.tombstone {
                has_tombstone = true;
            } else if !*k {
                out.removed.push(id);
            }
        }
        // The first cleaning of a batch holding a tombstone sets its delete horizon, in a
        // rebuilt batch (`MemoryRecords.filterTo`): even one kept whole becomes a piece, so the
        // replicas that fetch it from here get the horizon in its header.
        let (horizon, rebuilt) = if has_tombstone && horizon == u64::MAX {
            (now_ms.saturating_add(delete_retention_ms), true)
        } else {
            (horizon, false)
        };
        if keep.iter().all(|k| *k) && !rebuilt {
            out.kept.push(e);
            continue;
        }
        // Runs of kept records become pieces at their own offsets.
        let mut i = 0;
        let mut first = true;
        while i < keep.len() {
            if !keep[i] {
                i += 1;
                continue;
            }
            let from = i;
            while i < keep.len() && keep[i] {
                i += 1;
            }
            let max_ts = timestamps[from..i].iter().flatten().copied().max();
            let piece = store.add_piece(
                e,
                from as u32,
                (i - from) as u32,
                first,
                max_ts,
                // A horizon set before stays in every rebuild (`MemoryRecords.filterTo`:
                // `deleteHorizonMs().orElse(…)`).
                horizon,
            );
            first = false;
            out.pieces.push((piece, e, from as u32, (i - from) as u32));
            out.kept.push(piece);
        }
    }
    out
}

/// The live batches of `[from, to)` (whole batches starting below `to`), collected: the cleaning
/// adds pieces to the store while it walks them.
fn live_batches(log: &Log, from: u64, to: u64, store: &BatchStore) -> Vec<BatchId> {
    log.live_batches_from(from, store)
        .take_while(|&id| store.get(id).base_offset < to)
        .collect()
}

/// What the cleaner needs of a record besides its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CleanerRecordInfo {
    pub has_key: bool,
    pub tombstone: bool,
    /// Its timestamp (ms), if it has one: a rebuilt batch's largest timestamp is its kept
    /// records'.
    pub timestamp_ms: Option<u64>,
}
