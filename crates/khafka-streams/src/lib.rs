//! Kafka Streams' windowed aggregations as pure, deterministic code: what one task's windowed
//! aggregation processor does with each record, in arrival order.
//!
//! - [`spec`]: window specifications with Kafka's validation and exception messages
//!   (`TimeWindows`, `SlidingWindows`, `SessionWindows`) and Java's `Duration` rules;
//! - [`aggregate`]: the aggregations (`count`, `sum`, `concat`) and their session merger;
//! - [`time_windows`]: tumbling and hopping windows (`KStreamWindowAggregate`);
//! - [`sliding`]: sliding windows (`KStreamSlidingWindowAggregate`);
//! - [`session`]: session windows (`KStreamSessionWindowAggregate`);
//! - [`processor`]: one entry point over the three, plus the task-level skip of negative
//!   timestamps (`RecordQueue`);
//! - [`text`]: the text `khafka windows` and the site's window cells read and print, a run kept
//!   record by record, and a window cell's `expect` lines.
//!
//! Every processor keeps its own observed stream time (the largest timestamp it has seen, never
//! decreasing), closes windows with it and reports each skipped late record as a [`Dropped`]
//! event carrying Kafka's log wording. Emission follows the [`Emit`] strategy: `Eager` forwards
//! every update (Kafka with the record cache off), `Final` forwards each window once, when it
//! closes (`EmitStrategy.onWindowClose()` with the emit interval set to 0).
//!
//! The crate knows nothing of the engine: the future Streams application node calls it per task.

pub mod aggregate;
pub mod processor;
pub mod session;
pub mod sliding;
pub mod spec;
mod store;
pub mod text;
pub mod time_windows;

use std::fmt;

pub use aggregate::{Agg, Aggregation};
pub use processor::WindowedAggregation;
pub use spec::{JavaDuration, WindowSpec};

/// Kafka's `ConsumerRecord.NO_TIMESTAMP`: the observed stream time before any record.
pub const NO_TIMESTAMP: i64 = -1;

/// A processor's observed stream time: the largest timestamp seen so far, never decreasing
/// (`AbstractKStreamTimeWindowAggregateProcessor.updateObservedStreamTime`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamTime(i64);

impl Default for StreamTime {
    fn default() -> Self {
        StreamTime(NO_TIMESTAMP)
    }
}

impl StreamTime {
    /// Takes a record's timestamp into account and gives the new stream time.
    pub fn observe(&mut self, timestamp: i64) -> i64 {
        self.0 = self.0.max(timestamp);
        self.0
    }

    /// The stream time now ([`NO_TIMESTAMP`] before the first record).
    pub fn get(self) -> i64 {
        self.0
    }
}

/// Whether a window's end belongs to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bounds {
    /// `[start, end)`: `TimeWindow` (tumbling and hopping windows).
    HalfOpen,
    /// `[start, end]`: sliding windows and `SessionWindow`.
    Closed,
}

/// A window, printed as Kafka prints it in its log: `[start,end)` or `[start,end]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    pub start: i64,
    pub end: i64,
    pub bounds: Bounds,
}

impl Window {
    /// Whether `ts` lies in the window.
    pub fn contains(&self, ts: i64) -> bool {
        match self.bounds {
            Bounds::HalfOpen => self.start <= ts && ts < self.end,
            Bounds::Closed => self.start <= ts && ts <= self.end,
        }
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let close = match self.bounds {
            Bounds::HalfOpen => ')',
            Bounds::Closed => ']',
        };
        write!(f, "[{},{}{close}", self.start, self.end)
    }
}

/// How results leave the aggregation (`EmitStrategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emit {
    /// `EmitStrategy.onWindowUpdate()` with caching off: every update is forwarded.
    Eager,
    /// `EmitStrategy.onWindowClose()`: each window's final result once, when it closes.
    Final,
}

/// One input record of a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub key: String,
    pub value: String,
    pub timestamp: i64,
}

/// Where a record came from, for Kafka's log line (`RecordMetadata`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordMetadata {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

/// What a processor forwards or reports for one input record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A windowed result: `value` is `None` for a tombstone (a session merged away).
    Result {
        key: String,
        window: Window,
        value: Option<Agg>,
        timestamp: i64,
    },
    /// A record (or, for hopping and sliding windows, one of its windows) skipped as late.
    Dropped(Dropped),
}

/// A skip, counted once in the task's `dropped-records` metric.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dropped {
    pub key: String,
    pub value: String,
    pub timestamp: i64,
    pub reason: DropReason,
}

/// Why a record was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// `logSkippedRecordForExpiredWindow`: the window had closed. `expiration` is the close time
    /// the window's end was compared with (`streamTime - grace`, or `- gap` more for sessions).
    ExpiredWindow {
        window: Window,
        expiration: i64,
        stream_time: i64,
    },
    /// `RecordQueue`: a negative timestamp, skipped before any processor (with the
    /// `LogAndSkipOnInvalidTimestamp` extractor; Kafka's default extractor fails the task).
    NegativeTimestamp,
}

/// The canonical name of the extractor that skips negative timestamps, as Kafka logs it.
pub const LOG_AND_SKIP_EXTRACTOR: &str =
    "org.apache.kafka.streams.processor.LogAndSkipOnInvalidTimestamp";

impl Dropped {
    /// Kafka's WARN line for this skip, word for word. Without metadata it is the variant Kafka
    /// logs when "Topic, partition, and offset [are] not known".
    pub fn log_message(&self, meta: Option<&RecordMetadata>) -> String {
        match (&self.reason, meta) {
            (
                DropReason::ExpiredWindow {
                    window,
                    expiration,
                    stream_time,
                },
                Some(m),
            ) => format!(
                "Skipping record for expired window. topic=[{}] partition=[{}] offset=[{}] \
                 timestamp=[{}] window={window} expiration=[{expiration}] streamTime=[{stream_time}]",
                m.topic, m.partition, m.offset, self.timestamp
            ),
            (
                DropReason::ExpiredWindow {
                    window,
                    expiration,
                    stream_time,
                },
                None,
            ) => format!(
                "Skipping record for expired window. Topic, partition, and offset not known. \
                 timestamp=[{}] window={window} expiration=[{expiration}] streamTime=[{stream_time}]",
                self.timestamp
            ),
            (DropReason::NegativeTimestamp, m) => {
                let (topic, partition, offset) = match m {
                    Some(m) => (m.topic.as_str(), m.partition, m.offset),
                    None => ("", -1, -1),
                };
                format!(
                    "Skipping record due to negative extracted timestamp. topic=[{topic}] \
                     partition=[{partition}] offset=[{offset}] extractedTimestamp=[{}] \
                     extractor=[{LOG_AND_SKIP_EXTRACTOR}]",
                    self.timestamp
                )
            }
        }
    }
}

/// What every windowed processor keeps besides its store.
/// Bytes of a `concat` aggregate copied per unit of work ([`Base::add`]).
pub const BYTES_PER_WORK: usize = 64;

#[derive(Clone, Debug)]
pub(crate) struct Base {
    pub emit: Emit,
    pub aggregation: Aggregation,
    pub stream_time: StreamTime,
    /// `lastEmitWindowCloseTime`: the close time of the last final emission.
    pub last_emit_close: i64,
    /// Windows and sessions read, written or emitted so far: a measure of the work done.
    pub work: u64,
}

impl Base {
    pub fn new(emit: Emit, aggregation: Aggregation) -> Self {
        Base {
            emit,
            aggregation,
            stream_time: StreamTime::default(),
            last_emit_close: NO_TIMESTAMP,
            work: 0,
        }
    }

    /// Counts `n` more windows read, written or emitted.
    pub fn count(&mut self, n: usize) {
        self.work = self.work.saturating_add(n as u64);
    }

    /// The aggregator, counted: a `concat` aggregate is copied whole on every update, so each
    /// [`BYTES_PER_WORK`] of it counts as one more unit of work (sliding windows over one key
    /// copy ever longer strings: 5,000 records took 30 s without this).
    pub fn add(&mut self, agg: &Agg, operand: &aggregate::Operand) -> Agg {
        let new = self.aggregation.add(agg, operand);
        self.count_copy(&new);
        new
    }

    /// The session merger, counted as [`Base::add`].
    pub fn merge(&mut self, one: &Agg, two: &Agg) -> Agg {
        let new = self.aggregation.merge(one, two);
        self.count_copy(&new);
        new
    }

    fn count_copy(&mut self, agg: &Agg) {
        if let Agg::Text(t) = agg {
            self.count(t.len() / BYTES_PER_WORK);
        }
    }

    /// `shouldEmitFinal` with the emit interval at 0: final results are wanted and the close
    /// time has moved past the last emission's.
    pub fn should_emit_final(&self, close: i64) -> bool {
        self.emit == Emit::Final
            && (self.last_emit_close == NO_TIMESTAMP || self.last_emit_close < close)
    }
}

/// Sends results to `out` only when emitting eagerly (`maybeForwardUpdate`).
pub(crate) fn forward_update(
    emit: Emit,
    out: &mut Vec<Event>,
    key: &str,
    window: Window,
    value: Option<Agg>,
    timestamp: i64,
) {
    if emit == Emit::Eager {
        out.push(Event::Result {
            key: key.to_string(),
            window,
            value,
            timestamp,
        });
    }
}

/// A skip for an expired window.
pub(crate) fn expired(record: &Record, window: Window, expiration: i64, stream_time: i64) -> Event {
    Event::Dropped(Dropped {
        key: record.key.clone(),
        value: record.value.clone(),
        timestamp: record.timestamp,
        reason: DropReason::ExpiredWindow {
            window,
            expiration,
            stream_time,
        },
    })
}
