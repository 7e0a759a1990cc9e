//! A task's windowed count (`groupByKey().windowedBy(windows).count()`): Kafka Streams' windowed
//! aggregation processor from `khafka-streams`, run on the task's records in offset order, with
//! its store change-logged and its results sent to the output topic.
//!
//! - Every write to the window (or session) store goes to the changelog partition of the task: at
//!   once without a record cache, or the last write per windowed key when the task commits with
//!   one (`CachingWindowStore`).
//! - Results leave as the emit strategy says: with `onWindowUpdate`, every update (through the
//!   cache when there is one: the last per windowed key at commit); with `onWindowClose`, each
//!   window once when stream time closes it, straight to the output.
//! - A record whose windows have all closed is skipped: counted in `dropped-records` and logged
//!   with Kafka's line ("Skipping record for expired window…"); its story says which window and
//!   how late it was.
//! - The processor's observed stream time lives in memory only (`observedStreamTime` starts at
//!   `NO_TIMESTAMP` in `AbstractKStreamTimeWindowAggregateProcessor.init`): a task restored after
//!   a crash starts again from the first record it reads. `lastEmitWindowCloseTime` is committed
//!   with the task's offsets (processor metadata) and restored with it.

use crate::config::streams::{Aggregate, Windowing, Windows};
use crate::log::RecordId;
use khafka_streams::processor::StoreWrite;
use khafka_streams::{Agg, Aggregation, Bounds, Emit, Window, WindowSpec, WindowedAggregation};
use serde::Serialize;

/// The most windows and sessions the windowed processors of one run may read or write: a bound
/// on the work and the memory a run accepted can ask for (sliding windows over a long difference
/// touch every window of the key that the record falls in; a hopping window advancing by 1 ms
/// keeps 10,000 windows open per key and second of size, each held by the task's store, the
/// view's reference run and the view's window table). Past it the run stops with the reason, and
/// the view's reference stops too (its output is then not judged). Measured natively
/// (`/usr/bin/time khafka run`): a sliding window of an hour over one key at 100 records/s stops
/// at 14 simulated seconds in 0.3 s; hopping windows of 10 s advancing by 1 ms over a million
/// keys at 4.5 s in 2.2 s, peaking at 341 MB (at the former bound of 5,000,000 they took 33 s and
/// 4.2 GB). The lessons' cells reach 40,000 and the seed sweep 570,000.
pub const MAX_WINDOW_WORK: u64 = 1_000_000;

/// A windowed result or store write on the wire: the window and the count (or the sum), `None`
/// for a tombstone (a session merged away).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WindowedValue {
    pub start: i64,
    pub end: i64,
    pub count: Option<i64>,
    /// The result's timestamp: the largest timestamp of the records in it.
    pub timestamp: i64,
}

impl WindowedValue {
    fn of(w: &StoreWrite) -> Self {
        WindowedValue {
            start: w.window.start,
            end: w.window.end,
            count: w.value.as_ref().map(|(a, _)| long(a)),
            timestamp: w.value.as_ref().map_or(w.window.end, |(_, t)| *t),
        }
    }
}

/// A record the windowed count skipped because its window had closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LateDrop {
    pub instance: String,
    /// The task that skipped it (`0_P`, or `1_P` after a repartition topic).
    pub task: String,
    /// The record's timestamp.
    pub timestamp: i64,
    /// The window it was dropped from, as Kafka prints it (`[0,60000)`).
    pub window: String,
    /// The close time the window's end was compared with.
    pub expiration: i64,
    /// The processor's stream time then.
    pub stream_time: i64,
    /// When it was processed, µs of simulated time.
    pub at_us: u64,
}

impl LateDrop {
    /// How far behind stream time the record was (`record-lateness`).
    pub fn lateness_ms(&self) -> i64 {
        self.stream_time - self.timestamp
    }
}

/// The hash of a windowed key in the cache's index.
fn window_hash(key: u32, v: &WindowedValue) -> u64 {
    use crate::kernel::position_index::mix;
    mix(key as u64 ^ mix(v.start as u64 ^ mix(v.end as u64)))
}

/// The windowed part of a task.
#[derive(Clone, Debug)]
pub struct WindowedTask {
    pub processor: WindowedAggregation,
    /// The cache: the last write per windowed key since the last commit, and the order of their
    /// last writes, which the flush follows (`NamedCache.put`).
    dirty: Vec<(u32, WindowedValue)>,
    order: crate::kernel::recency::Recency,
    /// Sessions only: the sessions the store under the cache holds (flushed with a value, not
    /// yet removed or expired), and the store's retention. A tombstone for a session the store
    /// never held (created and merged away between two commits) is neither logged nor forwarded
    /// (`CachingSessionStore.putAndMaybeForward`: "if this key did not exist in underlying store
    /// and also not in the cache, we can skip flushing").
    /// Sorted.
    stored: Vec<(u32, i64, i64)>,
    session_retention: Option<i64>,
    /// Where each windowed key is in `dirty` (a hopping window of 10,000 windows a record, over
    /// many keys, would otherwise scan the whole cache for every write).
    dirty_index: crate::kernel::position_index::PositionIndex,
    /// Records skipped as late.
    pub dropped: u64,
    /// The largest lateness seen (`record-lateness-max`, ms).
    pub lateness_max: i64,
    /// The trace noted its first late record (Kafka logs each).
    pub logged_late: bool,
}

/// A count's value (`count()` aggregates `Long`s).
pub(crate) fn long(a: &Agg) -> i64 {
    match a {
        Agg::Long(n) => *n,
        Agg::Text(_) => 0,
    }
}

/// The bounds of the windows' kind.
pub fn bounds(w: &Windowing) -> Bounds {
    match w.windows {
        Windows::Time { .. } => Bounds::HalfOpen,
        _ => Bounds::Closed,
    }
}

/// A window printed as Kafka prints it.
pub fn window_text(w: &Windowing, start: i64, end: i64) -> String {
    Window {
        start,
        end,
        bounds: bounds(w),
    }
    .to_string()
}

/// A fresh count (or a sum of the values, `reduce(Long::sum)`, or their maximum) over `w`'s
/// windows, its store logged.
pub fn processor(w: &Windowing, aggregate: Aggregate) -> WindowedAggregation {
    let grace = w.grace_ms as i64;
    let spec = match w.windows {
        Windows::Time { size, advance } => WindowSpec::Time {
            size: size as i64,
            advance: advance as i64,
            grace,
        },
        Windows::Sliding { difference } => WindowSpec::Sliding {
            difference: difference as i64,
            grace,
        },
        Windows::Session { gap } => WindowSpec::Session {
            gap: gap as i64,
            grace,
        },
    };
    let emit = if w.on_window_close {
        Emit::Final
    } else {
        Emit::Eager
    };
    let aggregation = match aggregate {
        Aggregate::Count => Aggregation::Count,
        Aggregate::Sum => Aggregation::Sum,
        Aggregate::Max => Aggregation::Max,
    };
    let mut p = WindowedAggregation::new(spec, emit, aggregation);
    p.log_writes();
    p
}

/// What one record did.
pub struct Processed {
    /// Store writes for the changelog now (no cache).
    pub changelog: Vec<(u32, WindowedValue)>,
    /// Results for the output topic now.
    pub output: Vec<(u32, WindowedValue)>,
    /// The skip, if the record was late (its last expired window).
    pub dropped: Option<khafka_streams::Dropped>,
    /// How many of its windows had expired: `KStreamWindowAggregate` records `dropped-records`
    /// once for each (a hopping window's record can be late for several, and on time for others).
    pub dropped_windows: u64,
}

impl WindowedTask {
    pub fn new(w: &Windowing, aggregate: Aggregate, last_emit_close: Option<i64>) -> Self {
        let mut processor = processor(w, aggregate);
        if let Some(close) = last_emit_close {
            processor.set_last_emit_close(close);
        }
        WindowedTask {
            processor,
            dirty: Vec::new(),
            order: Default::default(),
            stored: Default::default(),
            session_retention: matches!(w.windows, Windows::Session { .. })
                .then(|| w.store_retention_ms() as i64),
            dirty_index: Default::default(),
            dropped: 0,
            lateness_max: 0,
            logged_late: false,
        }
    }

    /// Puts a changelog record back into the store.
    pub fn restore(&mut self, w: &Windowing, key: u32, v: &WindowedValue) {
        self.store(key, v);
        self.processor.restore(&StoreWrite {
            key: key.to_string(),
            window: Window {
                start: v.start,
                end: v.end,
                bounds: bounds(w),
            },
            value: v.count.map(|c| (Agg::Long(c), v.timestamp)),
        });
    }

    /// Counts one record with key `key` and timestamp `ts` (a sum adds `value`, a maximum keeps
    /// it if larger). With `cached`,
    /// store writes (and, emitting on update, results) wait in the cache for the next commit.
    pub fn process(&mut self, key: u32, ts: i64, value: i64, cached: bool) -> Processed {
        let lateness = (self.processor.stream_time() - ts).max(0);
        self.lateness_max = self.lateness_max.max(lateness);
        let record = khafka_streams::Record {
            key: key.to_string(),
            value: value.to_string(),
            timestamp: ts,
        };
        let events = self
            .processor
            .process(&record)
            .expect("a count reads no value, a sum a long");
        let mut out = Processed {
            changelog: Vec::new(),
            output: Vec::new(),
            dropped: None,
            dropped_windows: 0,
        };
        for w in self.processor.take_writes() {
            let v = WindowedValue::of(&w);
            if cached {
                let dirty = &self.dirty;
                let found = self.dirty_index.find(window_hash(key, &v), |p| {
                    let (k, d) = &dirty[p];
                    *k == key && d.start == v.start && d.end == v.end
                });
                match found {
                    Some(p) => {
                        self.dirty[p].1 = v;
                        self.order.touch(p);
                    }
                    None => {
                        self.dirty.push((key, v));
                        self.order.push();
                        let dirty = &self.dirty;
                        self.dirty_index
                            .insert(window_hash(key, &v), dirty.len() - 1, |p| {
                                window_hash(dirty[p].0, &dirty[p].1)
                            });
                    }
                }
            } else {
                out.changelog.push((key, v));
            }
        }
        let eager = self.processor.emit() == Emit::Eager;
        for e in events {
            match e {
                khafka_streams::Event::Result {
                    key: k,
                    window,
                    value,
                    timestamp,
                } => {
                    // Emitting on update through a cache: the cache forwards at commit.
                    if cached && eager {
                        continue;
                    }
                    let k: u32 = k.parse().unwrap_or(key);
                    out.output.push((
                        k,
                        WindowedValue {
                            start: window.start,
                            end: window.end,
                            count: value.as_ref().map(long),
                            timestamp,
                        },
                    ));
                }
                khafka_streams::Event::Dropped(d) => {
                    self.dropped += 1;
                    out.dropped_windows += 1;
                    out.dropped = Some(d);
                }
            }
        }
        out
    }

    /// The cache's content at a commit, in the order each windowed key was last written:
    /// `(key, value)`, with whether each goes downstream too (emitting on update). A session's
    /// tombstone the store under the cache never held a value for is left out.
    pub fn flush(&mut self) -> (Vec<(u32, WindowedValue)>, bool) {
        let eager = self.processor.emit() == Emit::Eager;
        self.dirty_index.clear();
        let dirty = std::mem::take(&mut self.dirty);
        let mut entries = Vec::with_capacity(dirty.len());
        for p in self.order.take() {
            let (key, v) = dirty[p];
            if self.store(key, &v) {
                entries.push((key, v));
            }
        }
        if let Some(retention) = self.session_retention {
            // The segmented store drops sessions that ended before stream time − retention.
            let expired = self.processor.stream_time().saturating_sub(retention);
            self.stored.retain(|&(_, _, end)| end >= expired);
        }
        (entries, eager)
    }

    /// A write reaches the store under the cache (sessions: whether it changes what the store
    /// holds; a write of another kind always does).
    fn store(&mut self, key: u32, v: &WindowedValue) -> bool {
        if self.session_retention.is_none() {
            return true;
        }
        let session = (key, v.start, v.end);
        match (self.stored.binary_search(&session), v.count) {
            (Err(at), Some(_)) => {
                self.stored.insert(at, session);
                true
            }
            (Ok(_), Some(_)) => true,
            (Ok(at), None) => {
                self.stored.remove(at);
                true
            }
            (Err(_), None) => false,
        }
    }

    /// Whether the cache holds writes.
    pub fn has_dirty(&self) -> bool {
        !self.dirty.is_empty()
    }
}

/// The windowed values the instances' producers sent, by record id (ids only grow).
#[derive(Clone, Debug, Default)]
pub struct WindowedValues {
    values: crate::chunked::ChunkVec<(RecordId, WindowedValue)>,
}

impl WindowedValues {
    pub fn push(&mut self, id: RecordId, v: WindowedValue) {
        debug_assert!(self.values.last().is_none_or(|l| l.0 < id), "ids grow");
        self.values.push((id, v));
    }

    pub fn get(&self, id: RecordId) -> Option<WindowedValue> {
        self.values.find_sorted(id)
    }

    pub fn clone_bytes(&self) -> u64 {
        self.values.clone_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::streams::{Aggregate, Windowing, Windows};

    fn task(windows: Windows) -> WindowedTask {
        let w = Windowing {
            windows,
            grace_ms: 0,
            on_window_close: false,
        };
        WindowedTask::new(&w, Aggregate::Count, None)
    }

    /// `NamedCache.put` moves a key updated again behind the others ("first remove and then add
    /// so we can maintain ordering as the arrival order of the records"): A, B, A flush as B, A.
    #[test]
    fn the_cache_flushes_in_the_order_of_last_update() {
        let mut t = task(Windows::Time {
            size: 1_000,
            advance: 1_000,
        });
        for (key, ts) in [(1, 0), (2, 10), (1, 20)] {
            t.process(key, ts, 1, true);
        }
        let (entries, _) = t.flush();
        let order: Vec<(u32, Option<i64>)> = entries.iter().map(|(k, v)| (*k, v.count)).collect();
        assert_eq!(order, vec![(2, Some(1)), (1, Some(2))]);
    }

    /// `CachingSessionStore.putAndMaybeForward`: a session created and merged away between two
    /// flushes leaves no tombstone; one the store held does.
    #[test]
    fn a_session_the_store_never_held_leaves_no_tombstone() {
        let mut t = task(Windows::Session { gap: 100 });
        t.process(1, 0, 1, true);
        let (first, _) = t.flush();
        assert_eq!(first.len(), 1, "[0,0] reaches the store");
        // [0,0] grows to [0,50], then to [0,120]: [0,50] never reaches the store.
        t.process(1, 50, 1, true);
        t.process(1, 120, 1, true);
        let (second, _) = t.flush();
        let windows: Vec<(i64, i64, Option<i64>)> = second
            .iter()
            .map(|(_, v)| (v.start, v.end, v.count))
            .collect();
        assert_eq!(windows, vec![(0, 0, None), (0, 120, Some(3))]);
    }
}
