//! A task of a stream–table join (`builder.stream(input).join(builder.table(table), …)`): task
//! `0_P` reads partition `P` of the input and of the table's topic, in timestamp order.
//!
//! - **Timestamp synchronisation** (`PartitionGroup`): the records the main consumer hands over
//!   wait in one queue per partition; the task takes the queue whose head has the smallest
//!   timestamp. With a queue empty it processes only when that partition is known to be caught
//!   up (its fetched lag is 0) and `max.task.idle.ms` has passed since it found it so; while the
//!   lag is unknown (no fetch answer yet) or above 0 it waits (`readyToProcess`). With
//!   `max.task.idle.ms=-1` it never waits. A queue above `buffered.records.per.partition` pauses
//!   its partition's fetching. Equal head timestamps: Kafka's priority queue leaves the order
//!   open; the simulator takes the table's record first, so a stream record joins the table as
//!   of its timestamp, inclusive.
//! - **The table side** (`KTableSource`): a record with a null key is skipped ("Skipping record
//!   due to null key."); a tombstone deletes the key; an update older than the stored value is
//!   applied with a warning ("Detected out-of-order KTable update"). The store
//!   (`<table>-STATE-STORE-0000000001`) is change-logged like the count's (at once without a
//!   cache, the last write per key at commit with one). A table update forwards nothing.
//! - **The stream side** (`KStreamKTableJoinProcessor`): a record with a null key or value is
//!   skipped ("Skipping record due to null join key or value.", `dropped-records`) — except that
//!   `leftJoin` forwards a null key with a value; otherwise the table's current value for the key
//!   is looked up: a match is forwarded joined, with the stream record's timestamp; no match is
//!   forwarded with null by `leftJoin` and dropped silently by `join`.
//!
//! The store holds, per key, the id of the table record whose value it is (and its timestamp):
//! a joined result names the two records it joined ([`Joined`]).

use crate::config::streams::JoinWindow;
use crate::consumer::Consumer;
use crate::ctx::Ctx;
use crate::kernel::vec_map::VecMap;
use crate::log::RecordId;
use serde::Serialize;
use std::collections::VecDeque;

/// A change-logged table value that is a tombstone (a deleted key): the value kept for the
/// changelog record, and in a cached store until the commit writes it.
pub const TABLE_TOMBSTONE: i64 = -1;

/// What a join result on the output topic joined: the stream record, and the table record whose
/// value it found (`None`: a `leftJoin` result without one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Joined {
    pub stream: RecordId,
    pub table: Option<RecordId>,
    /// A stream–stream outer join's result for a record of the other stream without a partner
    /// (then `stream` is that record and `table` is `None`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub other_only: bool,
}

/// A record handed to the task and not yet processed.
#[derive(Clone, Copy, Debug)]
pub struct Queued {
    pub offset: u64,
    pub rid: RecordId,
    pub ts: u64,
}

/// The join's part of a task.
#[derive(Clone, Debug, Default)]
pub struct JoinTask {
    /// The queues of the stream's partition and the table's (`RecordQueue`).
    pub queues: [VecDeque<Queued>; 2],
    /// `idlePartitionDeadlines`, µs.
    pub deadlines: [Option<u64>; 2],
    /// Times it processed with a partition empty after idling (`enforced-processing-total`).
    pub enforced: u64,
    /// Stream records joined with a table value, and those that found none.
    pub joined: u64,
    pub unmatched: u64,
    /// Table records applied to the store.
    pub table_updates: u64,
    /// The trace notes each warning's first occurrence per task.
    pub logged_null: bool,
    pub logged_table_null_key: bool,
    pub logged_out_of_order: bool,
    pub logged_enforced: bool,
    /// A stream–stream join's window stores.
    pub windows: Option<Box<WindowJoin>>,
}

/// Which queue to take from next, or `None` to wait (`PartitionGroup.readyToProcess` then
/// `nextRecord`). `parts` are the consumer's partitions of the stream and the table.
pub fn next_side(
    task: &mut JoinTask,
    consumer: &Consumer,
    parts: [u32; 2],
    max_task_idle_ms: i64,
    now_us: u64,
) -> Option<usize> {
    let heads = [
        task.queues[0].front().copied(),
        task.queues[1].front().copied(),
    ];
    let ready = if max_task_idle_ms == crate::config::streams::MAX_TASK_IDLE_MS_DISABLED {
        true
    } else {
        let mut enforced = false;
        for side in 0..2 {
            if heads[side].is_some() {
                task.deadlines[side] = None;
                continue;
            }
            // Records fetched and not yet handed over: Kafka's queue would hold them.
            if consumer.holds_unhanded(parts[side]) {
                return None;
            }
            match consumer.fetched_lag(parts[side]) {
                Some(0) => {
                    let idle = crate::time::ms_to_us(max_task_idle_ms.max(0) as u64);
                    let deadline = *task.deadlines[side].get_or_insert(now_us.saturating_add(idle));
                    if now_us < deadline {
                        return None;
                    }
                    enforced = true;
                }
                // Unknown, or records known to be on the broker: wait for them.
                _ => {
                    task.deadlines[side] = None;
                    return None;
                }
            }
        }
        if enforced && heads.iter().all(Option::is_none) {
            return None;
        }
        if enforced {
            task.enforced += 1;
        }
        true
    };
    if !ready {
        return None;
    }
    match heads {
        [Some(a), Some(b)] => Some(if b.ts <= a.ts { 1 } else { 0 }),
        [Some(_), None] => Some(0),
        [None, Some(_)] => Some(1),
        [None, None] => None,
    }
}

/// The table value the store holds for a key, ignoring a cached tombstone.
pub fn live(v: Option<&(i64, u64)>) -> Option<(RecordId, u64)> {
    v.filter(|(id, _)| *id >= 0)
        .map(|&(id, ts)| (id as RecordId, ts))
}

/// The consumer partitions of task `task`: the stream's and the table's.
pub fn parts(task: u32, partitions: u32) -> [u32; 2] {
    [task, partitions + task]
}

/// A task needs the instance to run: a record the consumer handed over, queued.
pub fn enqueue(task: &mut JoinTask, ctx: &Ctx, side: usize, offset: u64, rid: RecordId) {
    let ts = ctx.prov.timestamp_ms(rid, ctx.topo).unwrap_or(0);
    task.queues[side].push_back(Queued { offset, rid, ts });
}

/// One stream's window store in a stream–stream join (`KSTREAM-JOINTHIS-0000000004-store`,
/// `KSTREAM-JOINOTHER-0000000005-store`): a RocksDB window store with duplicates retained,
/// segmented by `max(retention / 2, 60000)` ms (`AbstractRocksDBSegmentedBytesStore`).
///
/// - `put` raises `observedStreamTime` to the record's timestamp, then skips the record if its
///   segment is older than the one holding `observedStreamTime − retention` (counted as
///   `dropped-records`, no log line); the changelog gets the record either way
///   (`ChangeLoggingWindowBytesStore.put`).
/// - `fetch(key, from, to)` returns the key's records with a timestamp in
///   `[max(from, observedStreamTime − retention + 1), to]`, in timestamp order (then put order).
///
/// Per key, the records put in timestamp order; records no fetch can return any more are removed.
#[derive(Clone, Debug, Default)]
pub struct WindowStore {
    entries: VecMap<u32, Vec<(u64, RecordId)>>,
    /// `observedStreamTime` (-1: nothing put yet).
    pub observed: i64,
    /// Records put (and restored) and not yet removed.
    pub len: u64,
}

impl WindowStore {
    pub fn new() -> Self {
        WindowStore {
            observed: -1,
            ..Default::default()
        }
    }

    /// `put(key, value, timestamp)`; `false`: skipped, its segment expired.
    pub fn put(&mut self, key: u32, ts: u64, rid: RecordId, w: &JoinWindow) -> bool {
        let (retention, segment) = (w.retention_ms() as i64, w.segment_ms() as i64);
        self.observed = self.observed.max(ts as i64);
        // `Segments.segmentId`: Java's division, toward zero.
        if (ts as i64) / segment < (self.observed - retention) / segment {
            return false;
        }
        let list = self.entries.get_or_default(key);
        let at = list.partition_point(|e| e.0 <= ts);
        list.insert(at, (ts, rid));
        self.len += 1;
        // What no fetch returns any more.
        let oldest = self.observed - retention + 1;
        let gone = list.partition_point(|e| (e.0 as i64) < oldest);
        if gone > 0 {
            list.drain(..gone);
            self.len -= gone as u64;
        }
        true
    }

    /// `fetch(key, from, to)`: the records and their timestamps.
    pub fn fetch(&self, key: u32, from: u64, to: u64, w: &JoinWindow) -> &[(u64, RecordId)] {
        let oldest = (self.observed - w.retention_ms() as i64 + 1).max(0) as u64;
        let from = from.max(oldest);
        let Some(list) = self.entries.get(&key) else {
            return &[];
        };
        let a = list.partition_point(|e| e.0 < from);
        let b = list.partition_point(|e| e.0 <= to);
        &list[a..b.max(a)]
    }
}

/// A stream–stream join's part of a task: the two window stores (the input's, the other
/// stream's), the shared store of a left or outer join, and the task's times as the join
/// processors share them (`KStreamImplJoin.TimeTracker`).
#[derive(Clone, Debug, Default)]
pub struct WindowJoin {
    pub stores: [WindowStore; 2],
    /// `KSTREAM-OUTERSHARED-0000000004-store` (a list-value store): per `(timestamp, side, key)`
    /// the records of an outer side that found no partner, in Kafka's key order — timestamp,
    /// then the other stream's before the input's (`TimestampedKeyAndJoinSide` writes `false`
    /// for it), then the key (here its index in the key set, where Kafka compares key bytes).
    pub outer: VecMap<OuterKey, Vec<RecordId>>,
    /// `TimeTracker.streamTime` (-1: none), `minTime` (`i64::MAX`: none held) and
    /// `nextTimeToEmit` (ms of the simulated clock, which stands in for the wall clock).
    pub stream_time: i64,
    pub min_time: i64,
    pub next_emit_ms: u64,
    /// Records each store skipped as expired (`dropped-records`).
    pub expired: u64,
    /// The first skip is noted in the trace.
    pub logged_expired: bool,
}

/// A key of the shared outer store: timestamp, side byte ([`side_byte`]), key index.
pub type OuterKey = (u64, u8, u32);

/// A change of a stream–stream join's shared outer store, as its changelog carries it: the list
/// at `(ts, side, key)` got `record`, or was deleted (`record` -1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OuterChange {
    pub ts: u64,
    pub side: u8,
    pub key: u32,
    pub record: i64,
}

/// `__emit.interval.ms.kstreams.outer.join.spurious.results.fix__`: how often a left or outer
/// join looks for held records whose window closed (default 1000 ms of wall-clock time).
pub const OUTER_EMIT_INTERVAL_MS: u64 = 1_000;

/// The side byte of an outer-store key: Kafka serializes the input's side as `true`.
pub fn side_byte(side: usize) -> u8 {
    u8::from(side == 0)
}

impl WindowJoin {
    pub fn new() -> Self {
        WindowJoin {
            stores: [WindowStore::new(), WindowStore::new()],
            outer: VecMap::new(),
            stream_time: -1,
            min_time: i64::MAX,
            next_emit_ms: 0,
            expired: 0,
            logged_expired: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `JoinWindows.ofTimeDifferenceAndGrace(10s, 2s)`: retention 22 s, segments of 60 s
    /// (`Stores.persistentWindowStore`), as `AbstractRocksDBSegmentedBytesStore` keeps them.
    fn w() -> JoinWindow {
        JoinWindow {
            before_ms: 10_000,
            after_ms: 10_000,
            grace_ms: 2_000,
        }
    }

    #[test]
    fn a_window_store_expires_by_segment_and_fetches_from_observed_time_minus_retention() {
        let w = w();
        assert_eq!((w.retention_ms(), w.segment_ms()), (22_000, 60_000));
        let mut s = WindowStore::new();
        assert!(s.put(7, 0, 1, &w));
        assert_eq!(s.fetch(7, 0, 10_000, &w), &[(0, 1)]);
        // Observed time 100 s: fetches start at 100000 − 22000 + 1 (`getActualFrom`).
        assert!(s.put(7, 100_000, 2, &w));
        assert_eq!(s.observed, 100_000);
        assert!(s.fetch(7, 0, 90_000, &w).is_empty());
        // 70 s lies in segment 1, the segment of 100000 − 22000 = 78000: the put is kept, but
        // no fetch returns it (it is before 78001).
        assert!(s.put(7, 70_000, 3, &w));
        assert!(s.fetch(7, 60_000, 80_000, &w).is_empty());
        // 50 s lies in segment 0, older than segment 1: skipped ("expired segment").
        assert!(!s.put(7, 50_000, 4, &w));
        // 78001 is the first timestamp returned; equal timestamps in put order; other keys apart.
        assert!(s.put(7, 78_001, 5, &w));
        assert!(s.put(7, 78_001, 6, &w));
        assert!(s.put(8, 90_000, 9, &w));
        assert_eq!(
            s.fetch(7, 78_000, 100_000, &w),
            &[(78_001, 5), (78_001, 6), (100_000, 2)]
        );
        assert_eq!(s.fetch(8, 0, u64::MAX, &w), &[(90_000, 9)]);
    }

    #[test]
    fn an_outer_store_key_sorts_the_other_stream_first_at_one_timestamp() {
        // `TimestampedKeyAndJoinSide` writes the input's side as `true`: at one timestamp the
        // other stream's records come first, then the key decides.
        let mut keys = [
            (5u64, side_byte(0), 1u32),
            (5, side_byte(1), 0),
            (4, side_byte(0), 9),
        ];
        keys.sort_unstable();
        assert_eq!(keys, [(4, 1, 9), (5, 0, 0), (5, 1, 1)]);
    }
}
