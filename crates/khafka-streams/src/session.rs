//! Session windows: `KStreamSessionWindowAggregate`.
//!
//! - A session is `[first ts, last ts]`, both inclusive. A record at `ts` merges with every
//!   session of its key that `findSessions(key, ts - gap, ts + gap)` returns (end `>= ts - gap`,
//!   start `<= ts + gap`): a record exactly `gap` away merges.
//! - Close time `= stream time - grace - gap`. The merged session is skipped (logged with the
//!   merged window) when its end `< close`; otherwise each merged-away session is removed and a
//!   tombstone forwarded for it, then the merged session with its new aggregate.
//! - Output timestamps are the session's end (`maybeForwardUpdate`, `fetchAndEmit`).
//! - The store keeps sessions for `gap + grace` ms (`SessionStoreMaterializer.retentionPeriod`):
//!   a search sees only sessions whose end is `>= observedStreamTime - retention + 1`, with the
//!   store's observed stream time the largest session end it has written
//!   (`AbstractRocksDBSegmentedBytesStore.getActualFrom`).
//! - Emit final: sessions with end in `[max(0, lastClose), close - 1]`, by end, key, start.

use crate::aggregate::{Aggregation, Operand};
use crate::store::{SessionStore, Span};
use crate::{expired, forward_update, Base, Bounds, Emit, Event, Record, Window};

/// `KStreamSessionWindowAggregateProcessor` for one task.
#[derive(Clone, Debug)]
pub struct SessionWindowAggregate {
    gap: i64,
    grace: i64,
    pub(crate) base: Base,
    pub(crate) store: SessionStore,
}

fn window(span: Span) -> Window {
    Window {
        start: span.start,
        end: span.end,
        bounds: Bounds::Closed,
    }
}

impl SessionWindowAggregate {
    pub fn new(gap: i64, grace: i64, emit: Emit, aggregation: Aggregation) -> Self {
        SessionWindowAggregate {
            gap,
            grace,
            base: Base::new(emit, aggregation),
            store: SessionStore::new(gap + grace),
        }
    }

    /// The store's retention instead of `gap + grace` (`Materialized.withRetention`; Kafka
    /// refuses one smaller than `gap + grace`, and so does this: it is raised to that).
    pub fn with_retention(mut self, retention: i64) -> Self {
        let least = self.gap.saturating_add(self.grace);
        self.store = SessionStore::new(retention.max(least));
        self
    }

    /// The sessions a search can still find, as `(key, start, end)`, by key then end.
    pub fn sessions(&self) -> Vec<(String, i64, i64)> {
        self.store
            .visible()
            .into_iter()
            .map(|(k, s)| (k, s.start, s.end))
            .collect()
    }

    /// The close time at `stream_time`: sessions ending before it take no more records.
    pub fn close_time(&self, stream_time: i64) -> i64 {
        stream_time - self.grace - self.gap
    }

    /// `process(record)`: the record has a non-negative timestamp and a checked operand.
    pub fn process(&mut self, record: &Record, operand: &Operand, out: &mut Vec<Event>) {
        let ts = record.timestamp;
        let stream_time = self.base.stream_time.observe(ts);
        let close = self.close_time(stream_time);
        let new_session = Span { start: ts, end: ts };
        let found = self.store.find(&record.key, ts - self.gap, ts + self.gap);
        self.base.count(found.len() + 1);
        let mut agg = self.base.aggregation.init();
        let mut merged = new_session;
        for (span, value) in &found {
            agg = self.base.merge(&agg, value);
            merged = Span {
                start: merged.start.min(span.start),
                end: merged.end.max(span.end),
            };
        }
        if merged.end < close {
            out.push(expired(record, window(merged), close, stream_time));
        } else {
            if merged != new_session {
                for (span, _) in &found {
                    self.store.remove(&record.key, *span);
                    forward_update(
                        self.base.emit,
                        out,
                        &record.key,
                        window(*span),
                        None,
                        span.end,
                    );
                }
            }
            let agg = self.base.add(&agg, operand);
            self.store.put(&record.key, merged, agg.clone());
            forward_update(
                self.base.emit,
                out,
                &record.key,
                window(merged),
                Some(agg),
                merged.end,
            );
        }
        self.maybe_forward_final(close, out);
        // A session a search can no longer see is dead once emitted (or at once when eager).
        let mut dead_before = self.store.visible_from();
        if self.base.emit == Emit::Final {
            dead_before = dead_before.min(self.base.last_emit_close.max(0));
        }
        self.store.purge_before(dead_before);
    }

    fn maybe_forward_final(&mut self, close: i64, out: &mut Vec<Event>) {
        if !self.base.should_emit_final(close) {
            return;
        }
        let upper = close - 1;
        if upper < 0 {
            return;
        }
        let lower = self.base.last_emit_close.max(0);
        if upper < lower {
            return;
        }
        let closed = self.store.find_all(lower, upper);
        self.base.count(closed.len());
        for (key, span, agg) in closed {
            out.push(Event::Result {
                key,
                window: window(span),
                value: Some(agg),
                timestamp: span.end,
            });
        }
        self.base.last_emit_close = close;
    }
}
