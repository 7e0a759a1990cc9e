//! One windowed aggregation for one task, whatever its windows: the entry point the engine and
//! the CLI call per record.
//!
//! Before a record reaches the processor, the task drops a negative timestamp
//! (`RecordQueue.updateHead`: "Skipping record due to negative extracted timestamp", counted in
//! `dropped-records`, stream time untouched). That is what Kafka does with the
//! `LogAndSkipOnInvalidTimestamp` extractor; its default `FailOnInvalidTimestamp` stops the
//! application instead.

use crate::session::SessionWindowAggregate;
use crate::sliding::{SlidingWindowAggregate, Walk};
use crate::store::Span;
use crate::time_windows::{TimeWindowAggregate, TimeWindows};
use crate::{
    Agg, Aggregation, Base, Bounds, DropReason, Dropped, Emit, Event, Record, Window, WindowSpec,
};

/// A write to the processor's store, as its changelog topic records it: the windowed key and the
/// new aggregate with its timestamp, `None` for a deletion (a session merged away).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreWrite {
    pub key: String,
    pub window: Window,
    pub value: Option<(Agg, i64)>,
}

/// A windowed aggregation processor of one of the three kinds.
#[derive(Clone, Debug)]
pub enum WindowedAggregation {
    Time(TimeWindowAggregate),
    Sliding(SlidingWindowAggregate),
    Session(SessionWindowAggregate),
}

impl WindowedAggregation {
    /// A processor for `spec` (sliding windows walk the store backwards, as Kafka does with
    /// every built-in store).
    pub fn new(spec: WindowSpec, emit: Emit, aggregation: Aggregation) -> Self {
        Self::with_walk(spec, emit, aggregation, Walk::Reverse)
    }

    /// As [`Self::new`], choosing the sliding-window walk.
    pub fn with_walk(spec: WindowSpec, emit: Emit, aggregation: Aggregation, walk: Walk) -> Self {
        match spec {
            WindowSpec::Time {
                size,
                advance,
                grace,
            } => WindowedAggregation::Time(TimeWindowAggregate::new(
                TimeWindows {
                    size,
                    advance,
                    grace,
                },
                emit,
                aggregation,
            )),
            WindowSpec::Sliding { difference, grace } => WindowedAggregation::Sliding(
                SlidingWindowAggregate::new(difference, grace, emit, walk, aggregation),
            ),
            WindowSpec::Session { gap, grace } => WindowedAggregation::Session(
                SessionWindowAggregate::new(gap, grace, emit, aggregation),
            ),
        }
    }

    /// For session windows, a store retention other than `gap + grace`
    /// ([`SessionWindowAggregate::with_retention`]); other kinds are unchanged.
    pub fn with_session_retention(self, retention: i64) -> Self {
        match self {
            WindowedAggregation::Session(p) => {
                WindowedAggregation::Session(p.with_retention(retention))
            }
            other => other,
        }
    }

    fn base(&self) -> &Base {
        match self {
            WindowedAggregation::Time(p) => &p.base,
            WindowedAggregation::Sliding(p) => &p.base,
            WindowedAggregation::Session(p) => &p.base,
        }
    }

    /// Processes one record and gives what it forwarded and skipped, in order. Refuses a value
    /// the aggregation cannot read (a `sum` of a non-integer) before touching any state.
    pub fn process(&mut self, record: &Record) -> Result<Vec<Event>, String> {
        let operand = self.base().aggregation.operand(&record.value)?;
        let mut out = Vec::new();
        if record.timestamp < 0 {
            out.push(Event::Dropped(Dropped {
                key: record.key.clone(),
                value: record.value.clone(),
                timestamp: record.timestamp,
                reason: DropReason::NegativeTimestamp,
            }));
            return Ok(out);
        }
        match self {
            WindowedAggregation::Time(p) => p.process(record, &operand, &mut out),
            WindowedAggregation::Sliding(p) => p.process(record, &operand, &mut out),
            WindowedAggregation::Session(p) => p.process(record, &operand, &mut out),
        }
        Ok(out)
    }

    /// Keeps every write to the store from now on, for [`Self::take_writes`] (the store is
    /// change-logged: each write goes to its changelog topic).
    pub fn log_writes(&mut self) {
        match self {
            WindowedAggregation::Time(p) => p.store.log = Some(Vec::new()),
            WindowedAggregation::Sliding(p) => p.store.log = Some(Vec::new()),
            WindowedAggregation::Session(p) => p.store.log = Some(Vec::new()),
        }
    }

    /// The writes to the store since the last call, in order.
    pub fn take_writes(&mut self) -> Vec<StoreWrite> {
        let (log, window): (_, &dyn Fn(i64, Option<i64>) -> Window) = match self {
            WindowedAggregation::Time(p) => {
                let size = p.size();
                (p.store.log.as_mut(), &move |start, _| Window {
                    start,
                    end: start + size,
                    bounds: Bounds::HalfOpen,
                })
            }
            WindowedAggregation::Sliding(p) => {
                let difference = p.difference();
                (p.store.log.as_mut(), &move |start, _| Window {
                    start,
                    end: start + difference,
                    bounds: Bounds::Closed,
                })
            }
            WindowedAggregation::Session(p) => (p.store.log.as_mut(), &|start, end| Window {
                start,
                end: end.unwrap_or(start),
                bounds: Bounds::Closed,
            }),
        };
        let Some(log) = log else {
            return Vec::new();
        };
        std::mem::take(log)
            .into_iter()
            .map(|(key, start, end, value)| StoreWrite {
                key,
                window: window(start, end),
                value,
            })
            .collect()
    }

    /// Puts a changelog record back into the store (a task restoring its state). The store's
    /// own log is not written: restoring is not a change.
    pub fn restore(&mut self, write: &StoreWrite) {
        let w = &write.window;
        match (self, &write.value) {
            (WindowedAggregation::Time(p), Some(v)) => {
                p.store.put_unlogged(&write.key, w.start, v.clone())
            }
            (WindowedAggregation::Sliding(p), Some(v)) => {
                p.store.put_unlogged(&write.key, w.start, v.clone())
            }
            (WindowedAggregation::Time(p), None) => p.store.remove(&write.key, w.start),
            (WindowedAggregation::Sliding(p), None) => p.store.remove(&write.key, w.start),
            (WindowedAggregation::Session(p), value) => {
                let span = Span {
                    start: w.start,
                    end: w.end,
                };
                let log = p.store.log.take();
                match value {
                    Some((agg, _)) => p.store.put(&write.key, span, agg.clone()),
                    None => p.store.remove(&write.key, span),
                }
                p.store.log = log;
            }
        }
    }

    /// The close time of the last final emission (`lastEmitWindowCloseTime`, `-1`: none), which
    /// Kafka Streams commits with the task's offsets as processor metadata.
    pub fn last_emit_close(&self) -> i64 {
        self.base().last_emit_close
    }

    /// Restores [`Self::last_emit_close`] from the committed processor metadata (`init`).
    pub fn set_last_emit_close(&mut self, close: i64) {
        match self {
            WindowedAggregation::Time(p) => p.base.last_emit_close = close,
            WindowedAggregation::Sliding(p) => p.base.last_emit_close = close,
            WindowedAggregation::Session(p) => p.base.last_emit_close = close,
        }
    }

    /// The windows or sessions in the store, as `(key, window, aggregate)`, by window start.
    pub fn windows(&self) -> Vec<(String, Window, Agg)> {
        let stored = |store: &crate::store::WindowStore, size: i64, bounds: Bounds| {
            store
                .entries()
                .map(|(k, start, (agg, _))| {
                    let end = start + size;
                    (k.to_string(), Window { start, end, bounds }, agg.clone())
                })
                .collect::<Vec<_>>()
        };
        let mut out = match self {
            WindowedAggregation::Time(p) => stored(&p.store, p.size(), Bounds::HalfOpen),
            WindowedAggregation::Sliding(p) => stored(&p.store, p.difference(), Bounds::Closed),
            WindowedAggregation::Session(p) => p
                .store
                .entries()
                .map(|(k, span, agg)| {
                    let (start, end) = (span.start, span.end);
                    let bounds = Bounds::Closed;
                    (k.to_string(), Window { start, end, bounds }, agg.clone())
                })
                .collect(),
        };
        out.sort_by(|a, b| (a.1.start, &a.0).cmp(&(b.1.start, &b.0)));
        out
    }

    /// How results leave the processor.
    pub fn emit(&self) -> Emit {
        self.base().emit
    }

    /// The processor's observed stream time (`-1` before the first record).
    pub fn stream_time(&self) -> i64 {
        self.base().stream_time.get()
    }

    /// The close time at the observed stream time (`None` before the first record): windows
    /// (sessions) ending at or before it for time windows, before it for sliding windows and
    /// sessions, take no more records.
    pub fn close_time(&self) -> Option<i64> {
        let st = self.stream_time();
        (st >= 0).then(|| match self {
            WindowedAggregation::Time(p) => p.close_time(st),
            WindowedAggregation::Sliding(p) => p.close_time(st),
            WindowedAggregation::Session(p) => p.close_time(st),
        })
    }

    /// Windows and sessions read, written or emitted so far (a measure of the work done, for
    /// callers that bound it).
    pub fn work(&self) -> u64 {
        self.base().work
    }

    /// How many windows or sessions the processor's store holds.
    pub fn live_windows(&self) -> usize {
        match self {
            WindowedAggregation::Time(p) => p.store.len(),
            WindowedAggregation::Sliding(p) => p.store.len(),
            WindowedAggregation::Session(p) => p.store.len(),
        }
    }
}
