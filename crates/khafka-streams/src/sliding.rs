//! Sliding windows: `KStreamSlidingWindowAggregate`, line for line.
//!
//! - Windows are `[start, start + difference]`, both ends inclusive, aligned to records: a
//!   record's left window `[ts - d, ts]`, its right window `[ts + 1, ts + 1 + d]` (only when a
//!   later record already falls in it), and the previous record's right window, created when the
//!   new record is its first member. Windows are never created empty.
//! - Per record: stream time and close time `= stream time - grace`; a record with
//!   `ts + d < close` is skipped at once (logged with the window `[ts,ts+d]`, and no final
//!   emission follows). Each window update checks `end >= close` again.
//! - Records with `ts < d` take `processEarly`: they share the window `[0, d]`.
//! - `processReverse` (the default: every built-in store iterates backwards) and `processInOrder`
//!   are both here; they forward the same updates in different orders.
//! - Emit final: windows with start in `[lower, close - d - 1]` (by start, then key), `lower` 0
//!   the first time and `max(0, lastClose - d)` after. `processEarly` and the early skip return
//!   before this step, as in Kafka.

use crate::aggregate::{Aggregation, Operand};
use crate::store::{Stamped, WindowStore};
use crate::{expired, forward_update, Base, Bounds, Emit, Event, Record, Window, NO_TIMESTAMP};
use std::collections::BTreeSet;

/// Which of Kafka's two window-creation walks to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Walk {
    /// `processReverse`: Kafka's choice with every built-in store.
    Reverse,
    /// `processInOrder`: a store without backward iteration.
    InOrder,
}

/// `KStreamSlidingWindowAggregateProcessor` for one task.
#[derive(Clone, Debug)]
pub struct SlidingWindowAggregate {
    difference: i64,
    grace: i64,
    walk: Walk,
    pub(crate) base: Base,
    pub(crate) store: WindowStore,
}

/// The record being processed, its operand and the close time.
#[derive(Clone, Copy)]
struct Step<'a> {
    record: &'a Record,
    operand: &'a Operand,
    close: i64,
}

/// What a walk over the existing windows found.
#[derive(Default)]
struct Found {
    starts: BTreeSet<i64>,
    left_agg: Option<Stamped>,
    right_agg: Option<Stamped>,
    left_created: bool,
    right_created: bool,
    previous: Option<i64>,
}

impl SlidingWindowAggregate {
    pub fn new(
        difference: i64,
        grace: i64,
        emit: Emit,
        walk: Walk,
        aggregation: Aggregation,
    ) -> Self {
        SlidingWindowAggregate {
            difference,
            grace,
            walk,
            base: Base::new(emit, aggregation),
            store: WindowStore::default(),
        }
    }

    /// The windows' time difference (their size) in ms.
    pub fn difference(&self) -> i64 {
        self.difference
    }

    fn window(&self, start: i64) -> Window {
        Window {
            start,
            end: start + self.difference,
            bounds: Bounds::Closed,
        }
    }

    /// The close time at `stream_time`: windows ending before it take no more records.
    pub fn close_time(&self, stream_time: i64) -> i64 {
        stream_time - self.grace
    }

    /// `process(record)`: the record has a non-negative timestamp and a checked operand.
    pub fn process(&mut self, record: &Record, operand: &Operand, out: &mut Vec<Event>) {
        let ts = record.timestamp;
        let stream_time = self.base.stream_time.observe(ts);
        let close = self.close_time(stream_time);
        if ts + self.difference < close {
            out.push(expired(record, self.window(ts), close, stream_time));
            return;
        }
        let step = Step {
            record,
            operand,
            close,
        };
        if ts < self.difference {
            self.process_early(&step, out);
            return;
        }
        match self.walk {
            Walk::Reverse => self.process_reverse(&step, out),
            Walk::InOrder => self.process_in_order(&step, out),
        }
        self.maybe_forward_final(close, out);
        // A record never looks at windows starting before `ts - 2d` with `ts >= close - d`.
        self.store
            .purge_before(close.saturating_sub(self.difference.saturating_mul(3)));
    }

    fn fetch(&mut self, key: &str, ts: i64) -> Vec<(i64, Stamped)> {
        let from = (ts - 2 * self.difference).max(0);
        let found = self.store.fetch(key, from, ts + 1);
        self.base.count(found.len() + 1);
        found
    }

    fn process_in_order(&mut self, step: &Step, out: &mut Vec<Event>) {
        let record = step.record;
        let ts = record.timestamp;
        let mut f = Found::default();
        for (start, value) in self.fetch(&record.key, ts) {
            f.starts.insert(start);
            let end = start + self.difference;
            let max_ts = value.1;
            if end < ts {
                f.left_agg = Some(value);
                f.previous = Some(max_ts);
            } else if end == ts {
                f.left_created = true;
                if max_ts < ts {
                    f.previous = Some(max_ts);
                }
                self.update(start, value, step, out);
            } else if start <= ts {
                f.right_agg = Some(value.clone());
                self.update(start, value, step, out);
            } else if start == ts + 1 {
                f.right_created = true;
            }
        }
        self.create_windows(step, f, out);
    }

    fn process_reverse(&mut self, step: &Step, out: &mut Vec<Event>) {
        let record = step.record;
        let ts = record.timestamp;
        let mut f = Found::default();
        for (start, value) in self.fetch(&record.key, ts).into_iter().rev() {
            f.starts.insert(start);
            let end = start + self.difference;
            let max_ts = value.1;
            if start == ts + 1 {
                f.right_created = true;
            } else if end > ts {
                if f.right_agg.is_none() {
                    f.right_agg = Some(value.clone());
                }
                self.update(start, value, step, out);
            } else if end == ts {
                f.left_created = true;
                self.update(start, value, step, out);
                if max_ts < ts {
                    f.previous = Some(max_ts);
                } else {
                    // Kafka returns here: the left window already held a record at `ts`.
                    return;
                }
            } else {
                f.left_agg = Some(value);
                f.previous = Some(max_ts);
                break;
            }
        }
        self.create_windows(step, f, out);
    }

    /// `processEarly`: `0 <= ts < d`, whose left window would start before 0.
    fn process_early(&mut self, step: &Step, out: &mut Vec<Event>) {
        let record = step.record;
        let ts = record.timestamp;
        let mut combined: Option<Stamped> = None;
        let mut right_agg: Option<Stamped> = None;
        let mut right_created = false;
        let mut starts = BTreeSet::new();
        let mut previous = None;
        for (start, value) in self.store.fetch(&record.key, 0, ts + 1) {
            self.base.count(1);
            starts.insert(start);
            if start == 0 {
                if value.1 < ts {
                    previous = Some(value.1);
                }
                combined = Some(value);
            } else if start <= ts {
                right_agg = Some(value.clone());
                self.update(start, value, step, out);
            } else if start == ts + 1 {
                right_created = true;
            }
        }
        if right_agg.is_none() {
            if let Some(c) = combined.as_ref().filter(|c| c.1 > ts) {
                right_agg = Some(c.clone());
            }
        }
        if !right_created {
            if let Some(r) = right_agg.filter(|r| r.1 > ts) {
                self.create_current_right(record, r, out);
            }
        }
        if let Some(p) = previous {
            if !starts.contains(&(p + 1)) {
                self.update(p + 1, (self.base.aggregation.init(), ts), step, out);
            }
        }
        let value = combined.unwrap_or_else(|| (self.base.aggregation.init(), ts));
        self.update(0, value, step, out);
    }

    /// `createWindows`.
    fn create_windows(&mut self, step: &Step, f: Found, out: &mut Vec<Event>) {
        let record = step.record;
        let ts = record.timestamp;
        let d = self.difference;
        if let Some(p) = f.previous {
            let start = p + 1;
            if !f.starts.contains(&start) && start + d >= ts {
                self.update(start, (self.base.aggregation.init(), ts), step, out);
            }
        }
        if !f.left_created {
            let left_not_empty = f.previous.is_some_and(|p| ts - d <= p);
            let value = match f.left_agg {
                Some((agg, _)) if left_not_empty => (agg, ts),
                _ => (self.base.aggregation.init(), ts),
            };
            self.update(ts - d, value, step, out);
        }
        if !f.right_created {
            if let Some(r) = f.right_agg.filter(|r| r.1 > ts) {
                self.create_current_right(record, r, out);
            }
        }
    }

    /// `createCurrentRecordRightWindow`: stored and forwarded without a close check, as in Kafka.
    fn create_current_right(&mut self, record: &Record, value: Stamped, out: &mut Vec<Event>) {
        let start = record.timestamp + 1;
        self.store.put(&record.key, start, value.clone());
        let window = self.window(start);
        forward_update(
            self.base.emit,
            out,
            &record.key,
            window,
            Some(value.0),
            value.1,
        );
    }

    /// `updateWindowAndForward`.
    fn update(&mut self, start: i64, value: Stamped, step: &Step, out: &mut Vec<Event>) {
        let record = step.record;
        let window = self.window(start);
        if window.end >= step.close {
            let new = self.base.add(&value.0, step.operand);
            let new_ts = record.timestamp.max(value.1);
            self.store.put(&record.key, start, (new.clone(), new_ts));
            forward_update(self.base.emit, out, &record.key, window, Some(new), new_ts);
        } else {
            out.push(expired(
                record,
                window,
                step.close,
                self.base.stream_time.get(),
            ));
        }
    }

    fn maybe_forward_final(&mut self, close: i64, out: &mut Vec<Event>) {
        if !self.base.should_emit_final(close) {
            return;
        }
        let upper = close - self.difference - 1;
        if upper < 0 {
            return;
        }
        let lower = if self.base.last_emit_close == NO_TIMESTAMP {
            0
        } else {
            (self.base.last_emit_close - self.difference).max(0)
        };
        let closed = self.store.fetch_all(lower, upper);
        self.base.count(closed.len());
        for (start, key) in closed {
            if let Some((agg, ts)) = self.store.get(&key, start) {
                out.push(Event::Result {
                    key: key.clone(),
                    window: self.window(start),
                    value: Some(agg.clone()),
                    timestamp: *ts,
                });
            }
        }
        self.base.last_emit_close = close;
    }
}
