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
use crate::time_windows::{TimeWindowAggregate, TimeWindows};
use crate::{Aggregation, Base, DropReason, Dropped, Emit, Event, Record, WindowSpec};

/// A windowed aggregation processor of one of the three kinds.
#[derive(Debug)]
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

    /// The processor's observed stream time (`-1` before the first record).
    pub fn stream_time(&self) -> i64 {
        self.base().stream_time.get()
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
