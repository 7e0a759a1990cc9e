//! Tumbling and hopping windows: `TimeWindows.windowsFor` and `KStreamWindowAggregate`.
//!
//! - Windows are `[start, start + size)`, starts aligned to the epoch on multiples of `advance`
//!   (tumbling: `advance == size`). A record at `ts` falls in every window from
//!   `start = (max(0, ts - size + advance) / advance) * advance` while `start <= ts`.
//! - Per record: stream time `= max(stream time, ts)`, close time `= stream time - grace`; each of
//!   its windows with `end > close` is updated (output timestamp `max(ts, window's timestamp)`),
//!   every other one is skipped, logged and counted — once per window.
//! - Emit final (`AbstractKStreamTimeWindowAggregateProcessor.maybeForwardFinalResult`): when the
//!   close time has moved past the last emission's, the windows with start in
//!   `[lower, close - size]` are forwarded (by start, then key) with their stored timestamp, where
//!   `lower` is 0 the first time and `max(0, lastClose - size) + 1` after, unless
//!   `windowsFor(upper) == windowsFor(lower - 1)` (no new window can have closed).

use crate::aggregate::{Aggregation, Operand};
use crate::store::WindowStore;
use crate::{expired, forward_update, Base, Bounds, Emit, Event, Record, Window, NO_TIMESTAMP};

/// `TimeWindows` in milliseconds (already validated, see [`crate::spec`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeWindows {
    pub size: i64,
    pub advance: i64,
    pub grace: i64,
}

impl TimeWindows {
    /// `windowsFor(timestamp)`: the starts and ends of every window containing `timestamp`, by start.
    pub fn windows_for(&self, timestamp: i64) -> Vec<(i64, i64)> {
        let mut start =
            ((timestamp - self.size + self.advance).max(0) / self.advance) * self.advance;
        let mut out = Vec::new();
        while start <= timestamp {
            out.push((start, start + self.size));
            start += self.advance;
        }
        out
    }

    /// The window that starts at `start`.
    pub fn window(&self, start: i64) -> Window {
        Window {
            start,
            end: start + self.size,
            bounds: Bounds::HalfOpen,
        }
    }
}

/// `KStreamWindowAggregateProcessor` for one task.
#[derive(Clone, Debug)]
pub struct TimeWindowAggregate {
    windows: TimeWindows,
    pub(crate) base: Base,
    pub(crate) store: WindowStore,
}

impl TimeWindowAggregate {
    pub fn new(windows: TimeWindows, emit: Emit, aggregation: Aggregation) -> Self {
        TimeWindowAggregate {
            windows,
            base: Base::new(emit, aggregation),
            store: WindowStore::default(),
        }
    }

    /// The windows' size in ms.
    pub fn size(&self) -> i64 {
        self.windows.size
    }

    /// The close time at `stream_time`: windows ending at or before it take no more records.
    pub fn close_time(&self, stream_time: i64) -> i64 {
        stream_time - self.windows.grace
    }

    /// `process(record)`: the record has a non-negative timestamp and a checked operand.
    pub fn process(&mut self, record: &Record, operand: &Operand, out: &mut Vec<Event>) {
        let ts = record.timestamp;
        let stream_time = self.base.stream_time.observe(ts);
        let close = self.close_time(stream_time);
        let windows = self.windows.windows_for(ts);
        self.base.count(windows.len());
        for (start, end) in windows {
            let window = self.windows.window(start);
            if end > close {
                let (old, new_ts) = match self.store.get(&record.key, start) {
                    None => (self.base.aggregation.init(), ts),
                    Some((agg, t)) => (agg.clone(), ts.max(*t)),
                };
                let new = self.base.add(&old, operand);
                self.store.put(&record.key, start, (new.clone(), new_ts));
                forward_update(self.base.emit, out, &record.key, window, Some(new), new_ts);
            } else {
                out.push(expired(record, window, close, stream_time));
            }
        }
        self.maybe_forward_final(close, out);
        if self.base.emit == Emit::Eager {
            // A window with end <= close is never updated again (Kafka's store expires it too).
            self.store.purge_before(close - self.windows.size + 1);
        }
    }

    fn maybe_forward_final(&mut self, close: i64, out: &mut Vec<Event>) {
        if !self.base.should_emit_final(close) {
            return;
        }
        let upper = close - self.windows.size;
        if upper < 0 {
            return;
        }
        let lower = if self.base.last_emit_close == NO_TIMESTAMP {
            0
        } else {
            (self.base.last_emit_close - self.windows.size).max(0) + 1
        };
        if self.base.last_emit_close != NO_TIMESTAMP
            && self.windows.windows_for(upper) == self.windows.windows_for(lower - 1)
        {
            return;
        }
        let closed = self.store.fetch_all(lower, upper);
        self.base.count(closed.len());
        for (start, key) in closed {
            if let Some((agg, ts)) = self.store.get(&key, start) {
                out.push(Event::Result {
                    key: key.clone(),
                    window: self.windows.window(start),
                    value: Some(agg.clone()),
                    timestamp: *ts,
                });
            }
        }
        self.base.last_emit_close = close;
        // Emitted windows are closed for good: nothing reads them again.
        self.store.purge_before(upper + 1);
    }
}
