//! A Kafka Streams application instance (`streams NAME application.id=… input=… output=…`): its
//! `StreamsConfig` and the clients one `StreamThread` runs (kafka-semantics.md, Kafka Streams).
//!
//! Kafka Streams builds every instance from three clients (`StreamThread.create`): the main
//! consumer, a member of the consumer group named by `application.id` that reads the input topic;
//! the restore consumer, assigned by hand, that reads changelog partitions back into state stores;
//! and one producer that writes both the output topic and the changelogs.
//! [`ScenarioSpec::add_streams`] adds them to the scenario as ordinary clients (so every view, fault
//! and invariant sees them), named after Kafka's client ids (`NAME-consumer`,
//! `NAME-restore-consumer`, `NAME-producer`), with the configs Streams gives them
//! (`StreamsConfig.getMainConsumerConfigs`, `getRestoreConsumerConfigs`, `getProducerConfigs`).
//!
//! The topology is `builder.stream(input).groupByKey().count().toStream().to(output)`: its state
//! store is `KSTREAM-AGGREGATE-STATE-STORE-0000000001`, backed by the compacted changelog topic
//! `<application.id>-KSTREAM-AGGREGATE-STATE-STORE-0000000001-changelog` with as many partitions
//! as the input topic (one per task, `InternalTopicManager`).

use crate::client::consumer::assignor::ClientAssignor;
use crate::config::group_config::AppCommit;
use crate::config::{CleanupPolicy, OffsetReset};
use crate::spec::{ConsumerSpec, KeySpec, ProducerSpec, ScenarioSpec, TopicSpec};
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

/// The bytes of a count's value on the wire: Kafka Streams' `count()` writes a `Long` (`LongSerde`).
pub const COUNT_VALUE_BYTES: u32 = 8;

/// `commit.interval.ms` under `at_least_once` (`StreamsConfig`: `DEFAULT_COMMIT_INTERVAL_MS`).
pub const DEFAULT_COMMIT_INTERVAL_MS: u64 = 30_000;

/// The largest `commit.interval.ms` the simulator accepts: an hour (Kafka takes any long ≥ 0; a
/// run lasts at most a day).
pub const MAX_COMMIT_INTERVAL_MS: u64 = 3_600_000;

/// `processing.guarantee`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessingGuarantee {
    AtLeastOnce,
}

/// One instance's `StreamsConfig` (the keys the simulator models).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StreamsConfig {
    /// `application.id`: the consumer group, the prefix of internal topics.
    pub application_id: String,
    pub processing_guarantee: ProcessingGuarantee,
    /// `commit.interval.ms` (long, at least 0; 30000 under `at_least_once`).
    pub commit_interval_ms: u64,
    /// `replication.factor` of internal topics (int, -1 or at least 1; -1: the brokers'
    /// `default.replication.factor`).
    pub replication_factor: i32,
    /// `statestore.cache.max.bytes` (long, at least 0; 10485760): with a cache, a store's updates
    /// are forwarded downstream and written to its changelog when the task commits, the last one
    /// per key; with 0, every update at once.
    pub cache_max_bytes: u64,
    /// `sim.processing.time.ms`: how long the topology takes per record (simulator key).
    pub processing_time_ms: u64,
    /// `max.task.idle.ms` (long; 0; -1 disables idling): how long a task with records of one
    /// input partition waits for another partition known to be empty on the broker before it
    /// processes out of timestamp order (`PartitionGroup.readyToProcess`). The simulator takes
    /// -1 to an hour.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_task_idle_ms: i64,
    /// `repartition.purge.interval.ms` (long, at least 0; 30000): how often, after a commit, the
    /// instance deletes what it committed of its repartition topics. The simulator takes up to an
    /// hour.
    #[serde(
        default = "default_purge_interval",
        skip_serializing_if = "is_default_purge_interval"
    )]
    pub repartition_purge_interval_ms: u64,
}

/// `repartition.purge.interval.ms`' default (`StreamsConfig`: 30 s).
pub const DEFAULT_REPARTITION_PURGE_INTERVAL_MS: u64 = 30_000;

fn default_purge_interval() -> u64 {
    DEFAULT_REPARTITION_PURGE_INTERVAL_MS
}

fn is_default_purge_interval(n: &u64) -> bool {
    *n == DEFAULT_REPARTITION_PURGE_INTERVAL_MS
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// `StreamsConfig.MAX_TASK_IDLE_MS_DISABLED`.
pub const MAX_TASK_IDLE_MS_DISABLED: i64 = -1;

/// The largest `max.task.idle.ms` the simulator accepts: an hour.
pub const MAX_TASK_IDLE_MS: i64 = 3_600_000;

/// `buffered.records.per.partition` (1000): a task's queue of one partition holding more pauses
/// the partition's fetching until the task works it down (`StreamTask.addRecords`, `process`).
pub const BUFFERED_RECORDS_PER_PARTITION: usize = 1_000;

/// `statestore.cache.max.bytes`' default: 10 MiB.
pub const DEFAULT_CACHE_MAX_BYTES: u64 = 10 * 1024 * 1024;

impl StreamsConfig {
    pub fn new(application_id: impl Into<String>) -> Self {
        StreamsConfig {
            application_id: application_id.into(),
            processing_guarantee: ProcessingGuarantee::AtLeastOnce,
            commit_interval_ms: DEFAULT_COMMIT_INTERVAL_MS,
            replication_factor: -1,
            cache_max_bytes: DEFAULT_CACHE_MAX_BYTES,
            processing_time_ms: 0,
            max_task_idle_ms: 0,
            repartition_purge_interval_ms: DEFAULT_REPARTITION_PURGE_INTERVAL_MS,
        }
    }

    /// The changelog topic of a plain count's store (`groupByKey().count()`, [`chain`]), for the
    /// parser's first check of an `application.id`'s length ([`ScenarioSpec::add_streams`] checks
    /// every internal topic the instance's topology creates).
    pub fn changelog_topic(&self) -> String {
        format!(
            "{}-{}-changelog",
            self.application_id,
            chain(false, Aggregate::Count).1
        )
    }
}

/// A stream–table join: `builder.stream(input).join(builder.table(table), joiner).to(output)`
/// (`leftJoin` with `left`); with `window`, a stream–stream join:
/// `builder.stream(input).join(builder.stream(table), joiner, JoinWindows…).to(output)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TableJoin {
    /// The table's topic (`builder.table(table)`), or the other stream's, co-partitioned with
    /// the input.
    pub table: String,
    /// `leftJoin`: a stream record without a table value is forwarded with null.
    pub left: bool,
    /// A stream–stream join's `JoinWindows`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<JoinWindow>,
    /// A stream–stream `outerJoin` (`left` is `leftJoin`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outer: bool,
}

/// A join topology's name numbered `n` as `InternalStreamsBuilder` numbers it without a filter,
/// one higher after `builder.stream(input).filter(…)` (the filter takes number 1, and the join's
/// nodes and stores come after it).
pub fn join_name(prefix: &str, n: u32, filter: bool) -> String {
    format!("{prefix}{:010}", n + u32::from(filter && n > 0))
}

/// A stream–stream left or outer join's shared store (`OuterStreamJoinStoreFactory`:
/// `KSTREAM-OUTERSHARED-` and the this side's number).
pub fn outer_shared_store(filter: bool) -> String {
    join_name("KSTREAM-OUTERSHARED-", 4, filter) + "-store"
}

/// `JoinWindows.ofTimeDifferenceAndGrace(d, grace)` (before = after = d), in ms: a record of the
/// input joins a record of the other stream with the same key whose timestamp is in
/// `[ts − before, ts + after]`, both ends inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct JoinWindow {
    pub before_ms: u64,
    pub after_ms: u64,
    pub grace_ms: u64,
}

/// The processors of a stream–stream join: both sources, their `KStreamJoinWindow`s, the two
/// join processors (an inner join's), the merge and the sink (`KStreamImplJoin.join`, then
/// `.to`); each one higher after a filter.
pub fn stream_join_processors(filter: bool) -> [String; 8] {
    let mut n = 0;
    [
        "KSTREAM-SOURCE-",
        "KSTREAM-SOURCE-",
        "KSTREAM-WINDOWED-",
        "KSTREAM-WINDOWED-",
        "KSTREAM-JOINTHIS-",
        "KSTREAM-JOINOTHER-",
        "KSTREAM-MERGE-",
        "KSTREAM-SINK-",
    ]
    .map(|p| {
        n += 1;
        join_name(p, n - 1, filter)
    })
}

impl JoinWindow {
    /// Each side's window store keeps records for `size + grace` (`KStreamImplJoin`:
    /// `windows.size() + windows.gracePeriodMs()`, size = before + after).
    pub fn retention_ms(&self) -> u64 {
        self.before_ms
            .saturating_add(self.after_ms)
            .saturating_add(self.grace_ms)
    }

    /// The stores' segment interval: `max(retention / 2, 60000)` (`Stores.persistentWindowStore`).
    pub fn segment_ms(&self) -> u64 {
        (self.retention_ms() / 2).max(60_000)
    }

    /// The factory call, as Kafka Streams code writes it.
    pub fn java(&self) -> String {
        let d = self.before_ms;
        if self.grace_ms == 0 {
            format!("JoinWindows.ofTimeDifferenceWithNoGrace(Duration.ofMillis({d}))")
        } else {
            format!(
                "JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis({d}), Duration.ofMillis({}))",
                self.grace_ms
            )
        }
    }
}

/// The processors of `builder.stream(input)[.filter(…)].join(builder.table(table), …).to(output)`,
/// in the order `InternalStreamsBuilder` numbers them (the table's store takes number 1, or 2
/// after the filter): the stream's source, the table topic's source and its `KTableSource`, the
/// join, the sink.
pub fn join_processors(filter: bool) -> [String; 5] {
    [
        join_name("KSTREAM-SOURCE-", 0, filter),
        join_name("KSTREAM-SOURCE-", 2, filter),
        join_name("KTABLE-SOURCE-", 3, filter),
        join_name("KSTREAM-JOIN-", 4, filter),
        join_name("KSTREAM-SINK-", 5, filter),
    ]
}

impl TableJoin {
    /// The table's store: `<table topic>-STATE-STORE-0000000001` (`builder.table` names the store
    /// after its topic when the application names none); `filter`: a filter precedes the join.
    pub fn store(&self, filter: bool) -> String {
        if self.window.is_some() {
            return format!("{}-store", self.stream_processors(filter)[0]);
        }
        join_name(&format!("{}-STATE-STORE-", self.table), 1, filter)
    }

    /// Every store of the join: the table's, or each stream's window store (this, other) and,
    /// for a left or outer join, the shared store of records without a partner yet
    /// (`OuterStreamJoinStoreFactory`: `KSTREAM-OUTERSHARED-` and the this side's number).
    pub fn stores(&self, filter: bool) -> Vec<String> {
        let mut v = vec![self.store(filter)];
        if self.window.is_some() {
            v.push(format!("{}-store", self.stream_processors(filter)[1]));
            if self.left || self.outer {
                v.push(outer_shared_store(filter));
            }
        }
        v
    }

    /// A stream–stream join's two join processors, this side's and the other's:
    /// `JOINTHIS`/`JOINOTHER`, with `OUTER…` for a side whose unmatched records are forwarded
    /// (`KStreamImplJoin`: the other side is outer in a left join, both in an outer join).
    pub fn stream_processors(&self, filter: bool) -> [String; 2] {
        let this = if self.outer {
            "KSTREAM-OUTERTHIS-"
        } else {
            "KSTREAM-JOINTHIS-"
        };
        let other = if self.left || self.outer {
            "KSTREAM-OUTEROTHER-"
        } else {
            "KSTREAM-JOINOTHER-"
        };
        [join_name(this, 4, filter), join_name(other, 5, filter)]
    }

    /// Whether a stream–stream join forwards side `side`'s records that find no partner (with
    /// null for the other side): the input's in a left join, both in an outer join.
    pub fn outer_side(&self, side: usize) -> bool {
        self.outer || (self.left && side == 0)
    }

    /// The join processor's name: `KSTREAM-JOIN-` or `KSTREAM-LEFTJOIN-` (`KStreamImpl.doStreamTableJoin`).
    pub fn processor(&self, filter: bool) -> String {
        if self.window.is_some() {
            let [this, _] = self.stream_processors(filter);
            return this;
        }
        let prefix = if self.left {
            "KSTREAM-LEFTJOIN-"
        } else {
            "KSTREAM-JOIN-"
        };
        join_name(prefix, 4, filter)
    }
}

/// The windows of a windowed count (`groupByKey().windowedBy(…).count()`), in ms, as Kafka's
/// factories made them (`TimeWindows`, `SlidingWindows`, `SessionWindows`: the scenario parser
/// builds them through `khafka_streams::spec`, with Kafka's checks and messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Windows {
    /// Tumbling (`advance == size`) or hopping.
    Time {
        size: u64,
        advance: u64,
    },
    Sliding {
        difference: u64,
    },
    Session {
        gap: u64,
    },
}

/// `windowedBy(windows).emitStrategy(…)`: the windows, their grace and when results leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Windowing {
    pub windows: Windows,
    pub grace_ms: u64,
    /// `EmitStrategy.onWindowClose()`: one final result per window when it closes; otherwise
    /// `onWindowUpdate()` (every update, through the record cache when there is one).
    pub on_window_close: bool,
}

/// `windowstore.changelog.additional.retention.ms`: a window store's changelog keeps records this
/// much longer than the store (`StreamsConfig`, a day).
pub const WINDOW_CHANGELOG_ADDITIONAL_RETENTION_MS: u64 = 86_400_000;

impl Windowing {
    /// The store's retention: `size + grace` for time windows (`TimeWindowedKStreamImpl`),
    /// `2 × difference + grace` for sliding windows (`SlidingWindowedKStreamImpl`), `gap + grace`
    /// for sessions (`SessionStoreMaterializer`).
    pub fn store_retention_ms(&self) -> u64 {
        let base = match self.windows {
            Windows::Time { size, .. } => size,
            Windows::Sliding { difference } => 2 * difference,
            Windows::Session { gap } => gap,
        };
        base.saturating_add(self.grace_ms)
    }

    /// The window kind as the scenario language writes it.
    pub fn kind(&self) -> &'static str {
        match self.windows {
            Windows::Time { size, advance } if size == advance => "tumbling",
            Windows::Time { .. } => "hopping",
            Windows::Sliding { .. } => "sliding",
            Windows::Session { .. } => "session",
        }
    }

    /// The factory call, as Kafka Streams code writes it.
    pub fn java(&self) -> String {
        let grace = self.grace_ms;
        let with_grace = |factory: &str, d: u64| {
            if grace == 0 {
                format!("{factory}WithNoGrace(Duration.ofMillis({d}))")
            } else {
                format!("{factory}AndGrace(Duration.ofMillis({d}), Duration.ofMillis({grace}))")
            }
        };
        match self.windows {
            Windows::Time { size, advance } if size == advance => {
                format!("TimeWindows.{}", with_grace("ofSize", size))
            }
            Windows::Time { size, advance } => format!(
                "TimeWindows.{}.advanceBy(Duration.ofMillis({advance}))",
                with_grace("ofSize", size)
            ),
            Windows::Sliding { difference } => {
                format!(
                    "SlidingWindows.{}",
                    with_grace("ofTimeDifference", difference)
                )
            }
            Windows::Session { gap } => {
                format!("SessionWindows.{}", with_grace("ofInactivityGap", gap))
            }
        }
    }
}

/// A `streams` line: one application instance with one stream thread.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StreamsSpec {
    pub name: String,
    pub config: StreamsConfig,
    /// The input topic (`builder.stream(input)`).
    pub input: String,
    /// The output topic (`.to(output)`).
    pub output: String,
    /// A windowed count (`windowedBy`), or the count per key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windowing: Option<Windowing>,
    /// A stream–table join instead of a count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<TableJoin>,
    /// `groupBy((key, value) -> value)` instead of `groupByKey()`: the count is per value, after
    /// a repartition topic (sub-topology 0 re-keys, sub-topology 1 counts).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub group_by_value: bool,
    /// `mapValues(Long::parseLong).groupByKey().reduce(Long::sum)` instead of `count()`: a sum of
    /// the input's values (integers, `values=1..100`) per key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reduce_sum: bool,
    /// `mapValues(Long::parseLong).groupByKey().aggregate(() -> 0L, (key, value, max) ->
    /// Math.max(max, value))` instead of `count()`: each key's largest value (an aggregation
    /// with an initializer, which processing a record twice cannot change).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aggregate_max: bool,
    /// `filter((key, value) -> …)` on the value before the count (`filter=value>50`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<ValueFilter>,
    /// `map((key, value) -> KeyValue.pair(…))` before `groupByKey()`: a possible key change, so
    /// the count runs after a repartition topic, as with `group_by_value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<KeyValueMap>,
    /// When the instance starts (`KafkaStreams.start()`).
    pub start: SimTime,
    /// [`ScenarioSpec::add_streams`] created the changelog topic for this line (the first
    /// instance of its application does; a topic the scenario declared itself is used as is).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub created_changelog: bool,
}

/// The nodes of `builder.stream(input)[.filter(…)].groupBy((k, v) -> v).count().toStream().to(output)`,
/// sub-topology by sub-topology, named and numbered as `InternalStreamsBuilder` does: the source,
/// the `filter` (if any), the key selector, the store (a number, no node), the aggregate, then
/// the repartition sink, its filter and its source (`KStreamImpl.createRepartitionedSource` burns
/// three numbers), `KTABLE-TOSTREAM` and the sink (`StreamsGraphTest`'
/// `expectedComplexMergeOptimizeTopology` numbers them so, [4.1]). Returns sub-topology 0 in
/// flow order (source, filter, key selector, repartition filter, repartition sink), sub-topology
/// 1 (repartition source, aggregate, `KTABLE-TOSTREAM`, sink) and the store: without a filter
/// `KSTREAM-AGGREGATE-STATE-STORE-0000000002`, which also names the repartition topic.
pub fn group_by_chain(filter: bool, map: bool) -> (Vec<String>, Vec<String>, String) {
    let f = filter as u32;
    let name = |prefix: &str, n: u32| format!("KSTREAM-{prefix}-{:010}", n + f);
    let mut first = vec!["KSTREAM-SOURCE-0000000000".to_string()];
    if filter {
        first.push(name("FILTER", 0));
    }
    // `map(…).groupByKey()` names its node `KSTREAM-MAP`, numbered as `groupBy`'s key selector.
    let select = if map { "MAP" } else { "KEY-SELECT" };
    first.extend([name(select, 1), name("FILTER", 5), name("SINK", 4)]);
    let second = vec![
        name("SOURCE", 6),
        name("AGGREGATE", 3),
        format!("KTABLE-TOSTREAM-{:010}", 7 + f),
        name("SINK", 8),
    ];
    (first, second, name("AGGREGATE-STATE-STORE", 2))
}

/// A `map` before `groupByKey()`: which of a record's key and value become its new key and value
/// (`map((k, v) -> KeyValue.pair(v, k))`). Kafka Streams cannot see inside the function: after
/// any `map` it repartitions before grouping, even when the key stays (`KStreamImpl.map` marks the
/// stream `repartitionRequired`). Serialized as the scenario writes it (`value,key`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum KeyValueMap {
    /// `KeyValue.pair(key, value)`: nothing changes, yet every record crosses a repartition topic.
    KeyValue,
    /// `KeyValue.pair(value, key)`: the count is per value.
    ValueKey,
}

impl KeyValueMap {
    /// As the scenario writes it.
    pub fn text(self) -> &'static str {
        match self {
            KeyValueMap::KeyValue => "key,value",
            KeyValueMap::ValueKey => "value,key",
        }
    }

    /// The function as Kafka Streams code writes it.
    pub fn java(self) -> &'static str {
        match self {
            KeyValueMap::KeyValue => "map((key, value) -> KeyValue.pair(key, value))",
            KeyValueMap::ValueKey => "map((key, value) -> KeyValue.pair(value, key))",
        }
    }
}

impl TryFrom<String> for KeyValueMap {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        match text.as_str() {
            "key,value" => Ok(KeyValueMap::KeyValue),
            "value,key" => Ok(KeyValueMap::ValueKey),
            _ => Err(format!(
                "invalid value `{text}` for `map`: expected `key,value` or `value,key`"
            )),
        }
    }
}

impl From<KeyValueMap> for String {
    fn from(m: KeyValueMap) -> String {
        m.text().to_string()
    }
}

/// A predicate on a record's value (`KStream.filter`): a string compared with `equals`, or the
/// value read as a number (`Long.parseLong`, the input's values are integers) compared with one.
/// A record without a value fails it. Serialized as the scenario writes it (`value>50`: a string,
/// whose serde code the bundle has, rather than an enum's of its own).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ValueFilter {
    Eq(String),
    Ne(String),
    Lt(i64),
    Le(i64),
    Gt(i64),
    Ge(i64),
    /// `"page-3".equals(key)`: on the key (a record without one fails).
    KeyEq(String),
    /// `!"page-3".equals(key)`.
    KeyNe(String),
}

impl ValueFilter {
    /// Whether record `id` of a producer writing `info`, with key `key`, passes.
    pub fn keeps(
        &self,
        info: &crate::topology::ProducerRecords,
        seq: crate::spec::WorkloadSeq,
        key: Option<u32>,
    ) -> bool {
        let key_is = |s: &str| key.is_some_and(|k| info.keys.is(k, s));
        // A record without a value fails every comparison of the value.
        let value = || info.value_of(seq);
        let value_is = |s: &str| value().map(|v| info.values.is(v, s));
        // Read as a number only by the comparisons that need one.
        let n = || value().map(|v| info.values.number(v).unwrap_or(0));
        match self {
            ValueFilter::KeyEq(s) => key_is(s),
            ValueFilter::KeyNe(s) => !key_is(s),
            ValueFilter::Eq(s) => value_is(s) == Some(true),
            ValueFilter::Ne(s) => value_is(s) == Some(false),
            ValueFilter::Lt(x) => n().is_some_and(|n| n < *x),
            ValueFilter::Le(x) => n().is_some_and(|n| n <= *x),
            ValueFilter::Gt(x) => n().is_some_and(|n| n > *x),
            ValueFilter::Ge(x) => n().is_some_and(|n| n >= *x),
        }
    }

    /// Whether it reads the key (`key==S`, `key!=S`) rather than the value.
    pub fn on_key(&self) -> bool {
        matches!(self, ValueFilter::KeyEq(_) | ValueFilter::KeyNe(_))
    }

    /// Reads `value OP OPERAND` (`value>50`, `value!=home`) or `key==S`, `key!=S`; the error
    /// says what is wrong.
    pub fn parse(text: &str) -> Result<ValueFilter, String> {
        if let Some(rest) = text.strip_prefix("key") {
            let (eq, operand) = match (rest.strip_prefix("=="), rest.strip_prefix("!=")) {
                (Some(s), _) => (true, s),
                (_, Some(s)) => (false, s),
                _ => {
                    return Err(format!(
                    "invalid filter `{text}`: a key is compared with `==` or `!=` (`key==page-3`)"
                ))
                }
            };
            return match (eq, operand) {
                (_, "") => Err(format!("filter `{text}` compares the key with nothing")),
                (true, s) => Ok(ValueFilter::KeyEq(s.to_string())),
                (false, s) => Ok(ValueFilter::KeyNe(s.to_string())),
            };
        }
        let rest = text.strip_prefix("value").ok_or_else(|| {
            format!("invalid filter `{text}`: it must start with `value` or `key`")
        })?;
        let operand = rest.trim_start_matches(['=', '!', '<', '>']);
        let op = &rest[..rest.len() - operand.len()];
        if operand.is_empty() {
            return Err(format!("filter `{text}` compares the value with nothing"));
        }
        let number = || {
            operand.parse::<i64>().map_err(|_| {
                format!("filter `{text}` compares with `{operand}`, which is not a whole number")
            })
        };
        Ok(match op {
            "==" => ValueFilter::Eq(operand.to_string()),
            "!=" => ValueFilter::Ne(operand.to_string()),
            "<" => ValueFilter::Lt(number()?),
            "<=" => ValueFilter::Le(number()?),
            ">" => ValueFilter::Gt(number()?),
            ">=" => ValueFilter::Ge(number()?),
            _ => {
                return Err(format!(
                    "invalid filter `{text}`: unknown comparison `{op}`"
                ))
            }
        })
    }

    /// `(operator, operand)` as the scenario writes them (`value>50`: `(">", "50")`).
    pub fn parts(&self) -> (&'static str, String) {
        match self {
            ValueFilter::Eq(s) => ("==", s.clone()),
            ValueFilter::Ne(s) => ("!=", s.clone()),
            ValueFilter::Lt(x) => ("<", x.to_string()),
            ValueFilter::Le(x) => ("<=", x.to_string()),
            ValueFilter::Gt(x) => (">", x.to_string()),
            ValueFilter::Ge(x) => (">=", x.to_string()),
            ValueFilter::KeyEq(s) => ("==", s.clone()),
            ValueFilter::KeyNe(s) => ("!=", s.clone()),
        }
    }

    /// What it reads: `key` or `value`.
    pub fn subject(&self) -> &'static str {
        if self.on_key() {
            "key"
        } else {
            "value"
        }
    }

    /// The predicate as a reader reads it: `value > 50`, `value != home`, `key == page-3`.
    pub fn text(&self) -> String {
        let (op, operand) = self.parts();
        format!("{} {op} {operand}", self.subject())
    }
}

impl TryFrom<String> for ValueFilter {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        ValueFilter::parse(&text)
    }
}

impl From<ValueFilter> for String {
    fn from(f: ValueFilter) -> String {
        let (op, operand) = f.parts();
        format!("{}{op}{operand}", f.subject())
    }
}

/// A repartition topic's segments: `segment.bytes=52428800` (`RepartitionTopicConfig`).
pub const REPARTITION_SEGMENT_BYTES: u64 = 52_428_800;

/// The nodes of a count, a sum or a maximum in one sub-topology, named as
/// `InternalStreamsBuilder` names them, numbered in the order the code adds them
/// (`newProcessorName`, `newStoreName`): the source, the `filter`, `mapValues(Long::parseLong)`
/// (a sum or a maximum), the store (a number, no node), the aggregation (`KSTREAM-AGGREGATE`, or
/// `KSTREAM-REDUCE` for a sum), `KTABLE-TOSTREAM`, the sink; and the store's name. Without a
/// filter: `groupByKey().count()`'s store is `KSTREAM-AGGREGATE-STATE-STORE-0000000001`, the
/// sum's `KSTREAM-REDUCE-STATE-STORE-0000000002` (`KGroupedStreamImpl.reduce`), the maximum's
/// `KSTREAM-AGGREGATE-STATE-STORE-0000000002` (`KGroupedStreamImpl.aggregate`: the store's name,
/// then the processor's); a filter takes number 1 and moves every name after it.
pub fn chain(filter: bool, aggregate: Aggregate) -> (Vec<String>, String) {
    let mut n = 0u32;
    let mut next = |prefix: &str| {
        n += 1;
        format!("{prefix}{:010}", n - 1)
    };
    let mut nodes = vec![next("KSTREAM-SOURCE-")];
    if filter {
        nodes.push(next("KSTREAM-FILTER-"));
    }
    if aggregate != Aggregate::Count {
        nodes.push(next("KSTREAM-MAPVALUES-"));
    }
    let kind = if aggregate == Aggregate::Sum {
        "REDUCE"
    } else {
        "AGGREGATE"
    };
    let store = next(&format!("KSTREAM-{kind}-STATE-STORE-"));
    nodes.push(next(&format!("KSTREAM-{kind}-")));
    nodes.push(next("KTABLE-TOSTREAM-"));
    nodes.push(next("KSTREAM-SINK-"));
    (nodes, store)
}

/// What a count-shaped topology aggregates per key (or per window and key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    /// `count()`.
    Count,
    /// `mapValues(Long::parseLong)…reduce(Long::sum)`.
    Sum,
    /// `mapValues(Long::parseLong)…aggregate(() -> 0L, (k, v, max) -> Math.max(max, v))`.
    Max,
}

impl Aggregate {
    /// As the scenario writes it (`aggregate=sum`).
    pub fn name(self) -> &'static str {
        match self {
            Aggregate::Count => "count",
            Aggregate::Sum => "sum",
            Aggregate::Max => "max",
        }
    }

    /// The new aggregate after a record with `value` (1 for a count): the count and the sum add
    /// it, the maximum keeps the larger (`Math.max`). Longs wrap as Java's do.
    pub fn apply(self, agg: i64, value: i64) -> i64 {
        match self {
            Aggregate::Max => agg.max(value),
            _ => agg.wrapping_add(value),
        }
    }
}

impl StreamsSpec {
    /// Whether the topology runs in two sub-topologies around a repartition topic (`groupBy`, or
    /// `map` before `groupByKey`).
    pub fn repartitioned(&self) -> bool {
        self.group_by_value || self.map.is_some()
    }

    /// Whether the count is per input value (`groupBy((k, v) -> v)`, or a `map` that makes the
    /// value the key).
    pub fn keyed_by_value(&self) -> bool {
        self.group_by_value || self.map == Some(KeyValueMap::ValueKey)
    }

    /// What the topology aggregates.
    pub fn aggregate(&self) -> Aggregate {
        if self.reduce_sum {
            Aggregate::Sum
        } else if self.aggregate_max {
            Aggregate::Max
        } else {
            Aggregate::Count
        }
    }

    /// The state store's name: the count's, or the joined table's.
    pub fn store(&self) -> String {
        match &self.join {
            Some(j) => j.store(self.filter.is_some()),
            None if self.repartitioned() => {
                group_by_chain(self.filter.is_some(), self.map.is_some()).2
            }
            None => chain(self.filter.is_some(), self.aggregate()).1,
        }
    }

    /// `groupBy`'s repartition topic: `<application.id>-<store>-repartition` (the store names it
    /// when the application names nothing, `GroupedStreamAggregateBuilder.build`).
    pub fn repartition_topic(&self) -> Option<String> {
        self.repartitioned().then(|| {
            format!(
                "{}-{}-repartition",
                self.config.application_id,
                self.store()
            )
        })
    }

    /// The topics the application creates: its changelogs, then its repartition topic (their
    /// partitions follow one another in the producer's list).
    pub fn internal_topics(&self) -> Vec<String> {
        let mut v = self.changelog_topics();
        v.extend(self.repartition_topic());
        v
    }

    /// The changelog topic of the instance's store: `<application.id>-<store>-changelog`
    /// (`ProcessorStateManager.storeChangelogTopic`).
    pub fn changelog_topic(&self) -> String {
        format!("{}-{}-changelog", self.config.application_id, self.store())
    }

    /// Every changelog topic of the instance's stores, in the order their partitions follow one
    /// another in the producer's and the restore consumer's lists.
    pub fn changelog_topics(&self) -> Vec<String> {
        match &self.join {
            Some(j) => j
                .stores(self.filter.is_some())
                .iter()
                .map(|s| format!("{}-{s}-changelog", self.config.application_id))
                .collect(),
            None => vec![self.changelog_topic()],
        }
    }

    /// `Topology.describe().toString()` of the instance's topology, as Kafka Streams prints it
    /// (`InternalTopologyBuilder.TopologyDescription`).
    pub fn describe_topology(&self) -> String {
        if let Some(j) = &self.join {
            if j.window.is_some() {
                return self.describe_stream_join(j);
            }
            return self.describe_join(j);
        }
        if let Some(topic) = self.repartition_topic() {
            let (first, second, store) = group_by_chain(self.filter.is_some(), self.map.is_some());
            // `describe()` names the topic without the application's prefix.
            let topic = &topic[self.config.application_id.len() + 1..];
            let mut out = format!(
                "Topologies:\n   Sub-topology: 0\n    Source: {} (topics: [{}])\n      --> {}\n",
                first[0], self.input, first[1]
            );
            let last = first.len() - 1;
            for i in 1..last {
                out.push_str(&format!(
                    "    Processor: {} (stores: [])\n      --> {}\n      <-- {}\n",
                    first[i],
                    first[i + 1],
                    first[i - 1]
                ));
            }
            let [rsource, aggregate, to_stream, sink] = [0, 1, 2, 3].map(|i| &second[i]);
            out.push_str(&format!(
                "    Sink: {} (topic: {topic})\n      <-- {}\n\n  \
                 Sub-topology: 1\n    \
                 Source: {rsource} (topics: [{topic}])\n      --> {aggregate}\n    \
                 Processor: {aggregate} (stores: [{store}])\n      --> {to_stream}\n      <-- {rsource}\n    \
                 Processor: {to_stream} (stores: [])\n      --> {sink}\n      <-- {aggregate}\n    \
                 Sink: {sink} (topic: {output})\n      <-- {to_stream}\n\n",
                first[last],
                first[last - 1],
                output = self.output,
            ));
            return out;
        }
        let (nodes, store) = chain(self.filter.is_some(), self.aggregate());
        let last = nodes.len() - 1;
        let mut out = format!(
            "Topologies:\n   Sub-topology: 0\n    Source: {} (topics: [{}])\n      --> {}\n",
            nodes[0], self.input, nodes[1]
        );
        for i in 1..last {
            // The aggregation keeps the store; the others none.
            let stores = if i == last - 2 { store.as_str() } else { "" };
            out.push_str(&format!(
                "    Processor: {} (stores: [{stores}])\n      --> {}\n      <-- {}\n",
                nodes[i],
                nodes[i + 1],
                nodes[i - 1]
            ));
        }
        out.push_str(&format!(
            "    Sink: {} (topic: {})\n      <-- {}\n\n",
            nodes[last],
            self.output,
            nodes[last - 1]
        ));
        out
    }

    /// The join's description. `TopologyDescription` lists a sub-topology's nodes by the size
    /// of the tree below each, largest first, then by name (`NodeComparator`): the stream's
    /// source (3), the join and the table's source (2 each, by name), the sink and the
    /// `KTableSource` (1 each, by name) — the order of `KStreamKTableJoinTest`'s expected
    /// descriptions. A filter comes right after the stream's source (one node fewer below it).
    fn describe_join(&self, j: &TableJoin) -> String {
        let f = self.filter.is_some();
        let [source, table_source, ktable, _, sink] = join_processors(f);
        let join = j.processor(f);
        let store = j.store(f);
        let (filter, into_join, before_join) = self.filter_node(&source, &join);
        format!(
            "Topologies:\n   Sub-topology: 0\n    \
             Source: {source} (topics: [{input}])\n      --> {into_join}\n    \
             {filter}\
             Processor: {join} (stores: [{store}])\n      --> {sink}\n      <-- {before_join}\n    \
             Source: {table_source} (topics: [{table}])\n      --> {ktable}\n    \
             Sink: {sink} (topic: {output})\n      <-- {join}\n    \
             Processor: {ktable} (stores: [{store}])\n      --> none\n      <-- {table_source}\n\n",
            input = self.input,
            table = j.table,
            output = self.output,
        )
    }

    /// A stream–stream join's description, in `TopologyTest.streamStreamJoinTopologyWithDefaultStoresNames`'
    /// order with the sink added: the sources (4 nodes below each), the `KSTREAM-WINDOWED`
    /// processors (3), the join processors (2; `JOINOTHER` before `JOINTHIS` by name), the
    /// merge, the sink.
    fn describe_stream_join(&self, j: &TableJoin) -> String {
        let f = self.filter.is_some();
        let [s0, s1, w2, w3, _, _, merge, sink] = stream_join_processors(f);
        let [this, other] = j.stream_processors(f);
        let stores = j.stores(f);
        let (filter, into_w2, before_w2) = self.filter_node(&s0, &w2);
        let shared = stores.get(2).map_or(String::new(), |s| format!(", {s}"));
        let (this_store, other_store) = (&stores[0], &stores[1]);
        let this_node = format!(
            "Processor: {this} (stores: [{other_store}{shared}])\n      --> {merge}\n      <-- {w2}\n    "
        );
        let other_node = format!(
            "Processor: {other} (stores: [{this_store}{shared}])\n      --> {merge}\n      <-- {w3}\n    "
        );
        // Equal subtrees: by name.
        let (first, second) = if other < this {
            (other_node, this_node)
        } else {
            (this_node, other_node)
        };
        format!(
            "Topologies:\n   Sub-topology: 0\n    \
             Source: {s0} (topics: [{input}])\n      --> {into_w2}\n    \
             {filter}\
             Source: {s1} (topics: [{table}])\n      --> {w3}\n    \
             Processor: {w2} (stores: [{this_store}])\n      --> {this}\n      <-- {before_w2}\n    \
             Processor: {w3} (stores: [{other_store}])\n      --> {other}\n      <-- {s1}\n    \
             {first}{second}\
             Processor: {merge} (stores: [])\n      --> {sink}\n      <-- {this}, {other}\n    \
             Sink: {sink} (topic: {output})\n      <-- {merge}\n\n",
            input = self.input,
            table = j.table,
            output = self.output,
        )
    }

    /// A join's filter node between the stream's source and `next` (its subtree is one node
    /// smaller than the source's: larger than any other's, or in a stream–stream join as large as
    /// the other stream's source, whose name sorts after it; so it is listed right after the
    /// source), the node the source links to (`-->`) and the node `next` comes from (`<--`):
    /// the filter for both, or without one, `next` and the source.
    fn filter_node(&self, source: &str, next: &str) -> (String, String, String) {
        match &self.filter {
            Some(_) => {
                let name = join_name("KSTREAM-FILTER-", 1, false);
                (
                    format!(
                        "Processor: {name} (stores: [])\n      --> {next}\n      <-- {source}\n    "
                    ),
                    name.clone(),
                    name,
                )
            }
            None => (String::new(), next.to_string(), source.to_string()),
        }
    }

    pub fn consumer_name(&self) -> String {
        format!("{}-consumer", self.name)
    }

    pub fn restore_consumer_name(&self) -> String {
        format!("{}-restore-consumer", self.name)
    }

    pub fn producer_name(&self) -> String {
        format!("{}-producer", self.name)
    }
}

/// Why a `streams` line cannot be added to a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamsError {
    /// `MissingSourceTopicException`, or an output topic that does not exist.
    NoTopic(String),
    /// The producers of the input topic draw their keys from different key sets.
    KeySets(String),
    /// `TopologyException`: the join's topics have different partition counts, or an internal
    /// topic's name would be too long.
    Invalid(String),
}

impl ScenarioSpec {
    /// Adds a Kafka Streams instance: its changelog topic (once per application), its main and
    /// restore consumers and its producer. Call it after every topic and producer is in the spec
    /// (the producer's key set is the input topic's).
    pub fn add_streams(&mut self, mut s: StreamsSpec) -> Result<(), StreamsError> {
        let Some(input) = self.topics.iter().find(|t| t.name == s.input) else {
            return Err(StreamsError::NoTopic(format!(
                "MissingSourceTopicException: One or more source topics were missing during \
                 rebalance: [{}]",
                s.input
            )));
        };
        let input_partitions = input.partitions;
        if let Some(j) = &s.join {
            // `InternalTopologyBuilder.validateTopicNotAlreadyRegistered`.
            if j.table == s.input {
                return Err(StreamsError::Invalid(format!(
                    "TopologyException: Invalid topology: Topic {} has already been registered by another source.",
                    j.table
                )));
            }
            let Some(table) = self.topics.iter().find(|t| t.name == j.table) else {
                return Err(StreamsError::NoTopic(format!(
                    "MissingSourceTopicException: One or more source topics were missing during \
                     rebalance: [{}]",
                    j.table
                )));
            };
            // `CopartitionedTopicsEnforcer.enforce`: the topics of a join must have the same
            // number of partitions (a sorted map of topic to count in the message).
            if table.partitions != input_partitions {
                let mut pairs = [
                    (s.input.as_str(), input_partitions),
                    (j.table.as_str(), table.partitions),
                ];
                // Sorted by name (two entries: a swap, not a sort's code in the bundle).
                if pairs[1] < pairs[0] {
                    pairs.swap(0, 1);
                }
                return Err(StreamsError::Invalid(format!(
                    "TopologyException: Invalid topology: Topics not co-partitioned: [{{{}={}, {}={}}}]",
                    pairs[0].0, pairs[0].1, pairs[1].0, pairs[1].1
                )));
            }
        }
        let aggregate = s.aggregate();
        if s.group_by_value && s.map.is_some() {
            return Err(StreamsError::Invalid(
                "`group.by=value` and `map=` both change the key: the simulator models one key change before the count".into(),
            ));
        }
        if aggregate != Aggregate::Count && (s.join.is_some() || s.repartitioned()) {
            return Err(StreamsError::Invalid(format!(
                "`aggregate={}` works per key or per window and key, without a join, `group.by=value` or `map=`: the simulator does not model those together yet",
                aggregate.name()
            )));
        }
        // What the input's producers write that a `mapValues(Long::parseLong)` or a `map`
        // cannot take as the simulator models them.
        let inputs = || self.producers.iter().filter(|p| p.topic == s.input);
        if let Some(p) = inputs().find(|p| p.null_value) {
            if aggregate != Aggregate::Count {
                return Err(StreamsError::KeySets(format!(
                    "`aggregate={}` parses each value with `Long.parseLong`, which throws on the tombstones of `{}` (`value=null`): Kafka Streams' thread would stop; give the sum a topic without tombstones",
                    aggregate.name(),
                    p.name
                )));
            }
            if s.map.is_some() {
                return Err(StreamsError::KeySets(format!(
                    "`map=` with the tombstones of `{}` (`value=null`): the simulator does not carry a null value through the repartition topic yet",
                    p.name
                )));
            }
        }
        if s.map == Some(KeyValueMap::ValueKey) {
            if let Some(p) = inputs().find(|p| p.keys.is_none()) {
                return Err(StreamsError::KeySets(format!(
                    "`map=value,key` makes each record's key its value, and the records of `{}` have no key: the simulator does not carry a null value through the repartition topic yet",
                    p.name
                )));
            }
        }
        if aggregate != Aggregate::Count {
            let what = format!("`aggregate={}`", aggregate.name());
            let values = input_values(self, &s.input, &what)?;
            if !values.all_numbers() {
                return Err(StreamsError::KeySets(format!(
                    "{what} reads the values of `{}` as numbers (`Long.parseLong`): its producers need integer values, e.g. `values=1..100`",
                    s.input
                )));
            }
        }
        if let Some(f) = &s.filter {
            // A filter on the key reads the keys every count has; on the value, a value set.
            let values = match f.on_key() {
                true => KeySpec::None,
                false => input_values(self, &s.input, "`filter=`")?,
            };
            if !matches!(
                f,
                ValueFilter::Eq(_)
                    | ValueFilter::Ne(_)
                    | ValueFilter::KeyEq(_)
                    | ValueFilter::KeyNe(_)
            ) && !values.all_numbers()
            {
                return Err(StreamsError::KeySets(format!(
                    "`filter=` compares the values of `{}` as numbers (`Long.parseLong`): its producers need integer values, e.g. `values=1..100`",
                    s.input
                )));
            }
        }
        if s.repartitioned() && s.join.is_some() {
            return Err(StreamsError::Invalid(
                "`group.by=value` and `map=` count after a repartition topic, without a join: the simulator does not model a repartitioned join yet".into(),
            ));
        }
        let changelogs = s.changelog_topics();
        let changelog = changelogs[0].clone();
        let internal = s.internal_topics();
        if let Some(topic) = internal.iter().find(|c| c.len() > 249) {
            return Err(StreamsError::Invalid(format!(
                "the internal topic `{topic}` would be longer than Kafka's 249 characters"
            )));
        }
        if !self.topics.iter().any(|t| t.name == s.output) {
            return Err(StreamsError::NoTopic(format!(
                "the output topic `{}` does not exist (Kafka Streams does not create it)",
                s.output
            )));
        }
        let mut keys = input_keys(self, &s.input)?;
        if let Some(j) = &s.join {
            // The simulator joins keys of one set: the table's records and the stream's name
            // keys the same way (a key is an index in its producer's set).
            let table_keys = input_keys(self, &j.table)?;
            match (&keys, &table_keys) {
                (_, KeySpec::None) => {}
                (KeySpec::None, _) => keys = table_keys,
                (a, b) if a == b => {}
                (a, b) => {
                    return Err(StreamsError::KeySets(format!(
                        "the producers of `{}` draw keys from {} and those of `{}` from {}; the \
                         simulator joins keys of one set",
                        s.input,
                        describe_keys(a),
                        j.table,
                        describe_keys(b)
                    )))
                }
            }
        }
        // A window store's retention (a windowed count's, or a stream–stream join's stores').
        let window_retention = match (&s.windowing, s.join.as_ref().and_then(|j| j.window)) {
            (Some(w), _) => Some(w.store_retention_ms()),
            (None, Some(jw)) => Some(jw.retention_ms()),
            (None, None) => None,
        };
        let declared: Vec<Option<usize>> = internal
            .iter()
            .map(|c| self.topics.iter().position(|t| t.name == *c))
            .collect();
        if declared.iter().all(Option::is_none) {
            let rf = match s.config.replication_factor {
                n if n >= 1 => n as u32,
                _ => self.cluster.config.default_replication_factor,
            };
            for (i, name) in internal.iter().enumerate() {
                let mut t = TopicSpec::new(name.clone(), input_partitions, rf);
                if i == changelogs.len() {
                    // The repartition topic (`RepartitionTopicConfig`): `delete`, kept for ever
                    // (`retention.ms=-1`; Kafka Streams purges what its tasks committed),
                    // 50 MB segments; as many partitions as the input (the largest source topic
                    // of the sub-topology that writes it, `RepartitionTopics`).
                    t.config.log.cleanup_policy = Some(CleanupPolicy {
                        delete: true,
                        compact: false,
                    });
                    t.config.log.retention_ms = Some(-1);
                    t.config.log.segment_bytes = Some(REPARTITION_SEGMENT_BYTES);
                    self.topics.push(t);
                    continue;
                }
                // Key-value stores (a join's shared outer store, the third, too): `compact`;
                // window and session stores: `compact,delete` with the store's retention and a
                // day more (`WindowedChangelogTopicConfig`).
                let window_retention = window_retention.filter(|_| i < 2);
                // A stream–stream join's window stores retain duplicates, so their changelogs are
                // `delete` only (`StreamJoinedStoreFactory`: "we should not compact").
                let join_window = i < 2 && s.join.as_ref().is_some_and(|j| j.window.is_some());
                t.config.log.cleanup_policy = Some(CleanupPolicy {
                    delete: window_retention.is_some(),
                    compact: !join_window,
                });
                if let Some(r) = window_retention {
                    t.config.log.retention_ms =
                        Some((r + WINDOW_CHANGELOG_ADDITIONAL_RETENTION_MS) as i64);
                }
                self.topics.push(t);
            }
            s.created_changelog = true;
        } else if internal.len() > 1 {
            // The producer and the restore consumer address a join's changelogs (and the
            // repartition topic) as one run of partitions: declared ones must follow one another,
            // with the input's partitions.
            let adjacent = declared
                .windows(2)
                .all(|w| matches!(w, [Some(a), Some(b)] if *b == a + 1));
            let same = declared
                .iter()
                .flatten()
                .all(|&i| self.topics[i].partitions == input_partitions);
            if !adjacent || !same {
                return Err(StreamsError::Invalid(format!(
                    "declare the application's internal topics {} together, in this order, with {input_partitions} partitions each (or let the application create them)",
                    internal.join(" and ")
                )));
            }
        }
        let mut consumer = ConsumerSpec::new(s.consumer_name(), s.input.clone());
        if let Some(j) = &s.join {
            consumer.more_topics.push(j.table.clone());
        }
        // Sub-topology 1 reads the repartition topic: task `1_P` its partition P.
        consumer.more_topics.extend(s.repartition_topic());

        consumer.start = s.start;
        // `StreamsConfig.getMainConsumerConfigs`: auto-commit off, `earliest`, 1000 records a poll.
        consumer.config.auto_offset_reset = OffsetReset::Earliest;
        consumer.config.max_poll_records = 1_000;
        let g = &mut consumer.config.group;
        g.group_id = Some(s.config.application_id.clone());
        g.enable_auto_commit = Some(false);
        // Streams' own assignor (`StreamsPartitionAssignor`) is cooperative and sticky by task; the
        // cooperative-sticky assignor stands in for it (docs/what-khafka-models.md), over tasks
        // when a task reads two topics.
        g.partition_assignment_strategy = vec![if s.join.is_some() {
            // A task reads partition P of both topics: they move together.
            ClientAssignor::StreamTasks
        } else {
            ClientAssignor::CooperativeSticky
        }];
        g.processing_time_ms = s.config.processing_time_ms;
        g.streams_commit_interval_ms = Some(s.config.commit_interval_ms);
        g.streams_purge_interval_ms = s
            .repartitioned()
            .then_some(s.config.repartition_purge_interval_ms);
        g.commit = AppCommit::Sync;
        self.consumers.push(consumer);
        // `getRestoreConsumerConfigs`: no group, assigned by hand. Kafka sets
        // `auto.offset.reset=none` and treats the `InvalidOffsetException` a restoration then meets
        // (the changelog truncated or deleted under it) as a corrupted task, wiped and restored
        // from the start (`StoreChangelogReader`, `TaskCorruptedException`): `earliest` does that.
        let mut restore = ConsumerSpec::new(s.restore_consumer_name(), changelog.clone());
        restore.more_topics = changelogs[1..].to_vec();
        restore.start = s.start;
        restore.config.auto_offset_reset = OffsetReset::Earliest;
        restore.config.max_poll_records = 1_000;
        restore.config.manual_assignment = true;
        self.consumers.push(restore);
        let mut producer = ProducerSpec::new(s.producer_name(), s.output.clone());
        producer.rate_per_ks = 0;
        // After `groupBy((k, v) -> v)` every record it writes (repartition, changelog, output)
        // is keyed by an input value.
        producer.keys = if s.keyed_by_value() {
            let what = if s.group_by_value {
                "`group.by=value`"
            } else {
                "`map=value,key`"
            };
            input_values(self, &s.input, what)?
        } else {
            keys
        };
        // A join's results carry both values (sized record by record); a count is a `Long`.
        producer.record_size = COUNT_VALUE_BYTES;
        producer.start = s.start;
        producer.changelog = Some(changelog);
        // `getProducerConfigs` under at_least_once: `linger.ms=100`.
        producer.config.linger_ms = 100;
        self.producers.push(producer);
        self.streams.push(s);
        Ok(())
    }
}

/// The key set the input topic's records come from: the one every producer of the topic with keys
/// draws from (the instance's producer writes counts under the same keys; records without a key
/// are skipped by the count).
fn input_keys(spec: &ScenarioSpec, topic: &str) -> Result<KeySpec, StreamsError> {
    let mut sets = spec
        .producers
        .iter()
        .filter(|p| p.topic == topic && p.changelog.is_none() && p.keys != KeySpec::None)
        .map(|p| &p.keys);
    let Some(first) = sets.next() else {
        return Ok(KeySpec::None);
    };
    if let Some(other) = sets.find(|k| *k != first) {
        return Err(StreamsError::KeySets(format!(
            "the producers of `{topic}` draw keys from different sets ({} and {}); the simulator \
             counts keys of one set",
            describe_keys(first),
            describe_keys(other)
        )));
    }
    Ok(first.clone())
}

/// The value set the input topic's records come from (`values=`), which `groupBy((k, v) -> v)`
/// makes the keys: every producer of the topic must draw its values from one set.
fn input_values(spec: &ScenarioSpec, topic: &str, what: &str) -> Result<KeySpec, StreamsError> {
    let mut sets = spec
        .producers
        .iter()
        // Tombstones have no value: `groupBy` gives them a null key, which the count skips.
        .filter(|p| p.topic == topic && p.changelog.is_none() && !p.null_value)
        .map(|p| &p.values);
    let first = sets.next().filter(|v| !v.is_none()).ok_or_else(|| {
        StreamsError::KeySets(format!(
            "{what} needs the producers of `{topic}` to draw their values from a set (`values=page-0..19`)"
        ))
    })?;
    if let Some(other) = sets.find(|v| *v != first) {
        return Err(StreamsError::KeySets(format!(
            "the producers of `{topic}` draw values from different sets ({} and {}); {what} \
             reads values of one set",
            describe_keys(first).replacen("keys", "values", 1),
            describe_keys(other).replacen("keys", "values", 1)
        )));
    }
    Ok(first.clone())
}

fn describe_keys(k: &KeySpec) -> String {
    match k {
        KeySpec::None => "no keys".into(),
        KeySpec::Range { prefix, lo, hi } => format!("keys={prefix}{lo}..{prefix}{hi}"),
        KeySpec::List(l) => format!("keys={}", l.join(",")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kafka's own expectations: `TopologyTest.kGroupedStreamZeroArgCountWithTopologyConfig…`
    /// (source and aggregate, store number 1) and `KStreamImplTest.shouldNotMaterializedKTableFromKStream`
    /// (`KTABLE-TOSTREAM-0000000003` then `KSTREAM-SINK-0000000004 (topic: output)`), [4.1].
    #[test]
    fn the_topology_describes_itself_as_kafka_streams_does() {
        let s = StreamsSpec {
            name: "s1".into(),
            config: StreamsConfig::new("app"),
            input: "input".into(),
            output: "output".into(),
            start: SimTime::ZERO,
            created_changelog: false,
            windowing: None,
            join: None,
            group_by_value: false,
            reduce_sum: false,
            aggregate_max: false,
            map: None,
            filter: None,
        };
        assert_eq!(
            s.describe_topology(),
            "Topologies:\n\
             \x20  Sub-topology: 0\n\
             \x20   Source: KSTREAM-SOURCE-0000000000 (topics: [input])\n\
             \x20     --> KSTREAM-AGGREGATE-0000000002\n\
             \x20   Processor: KSTREAM-AGGREGATE-0000000002 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000001])\n\
             \x20     --> KTABLE-TOSTREAM-0000000003\n\
             \x20     <-- KSTREAM-SOURCE-0000000000\n\
             \x20   Processor: KTABLE-TOSTREAM-0000000003 (stores: [])\n\
             \x20     --> KSTREAM-SINK-0000000004\n\
             \x20     <-- KSTREAM-AGGREGATE-0000000002\n\
             \x20   Sink: KSTREAM-SINK-0000000004 (topic: output)\n\
             \x20     <-- KTABLE-TOSTREAM-0000000003\n\n"
        );
        assert_eq!(
            s.changelog_topic(),
            "app-KSTREAM-AGGREGATE-STATE-STORE-0000000001-changelog"
        );
        // A `filter` before the count takes number 1: the store, its changelog and every
        // processor after it move up by one (`InternalStreamsBuilder.newProcessorName`).
        let f = StreamsSpec {
            filter: Some(ValueFilter::Gt(50)),
            ..s
        };
        assert_eq!(
            f.describe_topology(),
            "Topologies:\n\
             \x20  Sub-topology: 0\n\
             \x20   Source: KSTREAM-SOURCE-0000000000 (topics: [input])\n\
             \x20     --> KSTREAM-FILTER-0000000001\n\
             \x20   Processor: KSTREAM-FILTER-0000000001 (stores: [])\n\
             \x20     --> KSTREAM-AGGREGATE-0000000003\n\
             \x20     <-- KSTREAM-SOURCE-0000000000\n\
             \x20   Processor: KSTREAM-AGGREGATE-0000000003 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000002])\n\
             \x20     --> KTABLE-TOSTREAM-0000000004\n\
             \x20     <-- KSTREAM-FILTER-0000000001\n\
             \x20   Processor: KTABLE-TOSTREAM-0000000004 (stores: [])\n\
             \x20     --> KSTREAM-SINK-0000000005\n\
             \x20     <-- KSTREAM-AGGREGATE-0000000003\n\
             \x20   Sink: KSTREAM-SINK-0000000005 (topic: output)\n\
             \x20     <-- KTABLE-TOSTREAM-0000000004\n\n"
        );
        assert_eq!(
            f.changelog_topic(),
            "app-KSTREAM-AGGREGATE-STATE-STORE-0000000002-changelog"
        );
        assert_eq!(f.filter.unwrap().text(), "value > 50");
    }

    /// Each comparison against the record's value as its string says, for a range and a list.
    #[test]
    fn a_filter_compares_the_records_own_value() {
        use crate::topology::ProducerRecords;
        let records = |values: KeySpec| ProducerRecords {
            name: "p".into(),
            keys: KeySpec::None,
            value_bytes: 0,
            values,
            null_value: false,
            phase_starts: Vec::new(),
            lateness: None,
            explicit_timestamps: false,
        };
        let numbers = records(KeySpec::Range {
            prefix: String::new(),
            lo: 1,
            hi: 100,
        });
        let pages = records(KeySpec::List(vec![
            "home".into(),
            "cart".into(),
            "hom".into(),
        ]));
        let mut text = String::new();
        let (mut passed, mut home) = (0, 0);
        for n in 0..2_000 {
            let id = crate::spec::WorkloadSeq(n);
            numbers
                .values
                .write(numbers.value_of(id).unwrap(), &mut text);
            let n: i64 = text.parse().unwrap();
            for (f, want) in [
                (ValueFilter::Gt(50), n > 50),
                (ValueFilter::Ge(50), n >= 50),
                (ValueFilter::Lt(7), n < 7),
                (ValueFilter::Le(7), n <= 7),
                (ValueFilter::Eq("42".into()), n == 42),
                (ValueFilter::Ne("42".into()), n != 42),
                (ValueFilter::Eq("042".into()), false),
                (ValueFilter::Eq("+42".into()), false),
            ] {
                assert_eq!(f.keeps(&numbers, id, None), want, "{f:?} on {text}");
            }
            passed += u32::from(ValueFilter::Gt(50).keeps(&numbers, id, None));
            pages.values.write(pages.value_of(id).unwrap(), &mut text);
            assert_eq!(
                ValueFilter::Eq("home".into()).keeps(&pages, id, None),
                text == "home"
            );
            assert_eq!(
                ValueFilter::Ne("home".into()).keeps(&pages, id, None),
                text != "home"
            );
            home += u32::from(text == "home");
        }
        // Values are drawn uniformly: about half above 50, a third `home`.
        assert!((900..1_100).contains(&passed), "{passed}");
        assert!((580..760).contains(&home), "{home}");
        // A producer without values, or a prefixed range that is not the operand.
        assert!(!ValueFilter::Ne("x".into()).keeps(
            &records(KeySpec::None),
            crate::spec::WorkloadSeq(1),
            None
        ));
        let prefixed = KeySpec::Range {
            prefix: "page-".into(),
            lo: 0,
            hi: 19,
        };
        assert!(prefixed.is(3, "page-3") && !prefixed.is(3, "page-03") && !prefixed.is(3, "3"));
        // On the key: `"page-3".equals(key)`, a record without a key failing it.
        let keyed = ProducerRecords {
            keys: prefixed,
            ..records(KeySpec::None)
        };
        let eq = ValueFilter::parse("key==page-3").unwrap();
        let ne = ValueFilter::parse("key!=page-3").unwrap();
        assert!(
            eq.keeps(&keyed, crate::spec::WorkloadSeq(0), Some(3))
                && !eq.keeps(&keyed, crate::spec::WorkloadSeq(0), Some(4))
        );
        assert!(
            !eq.keeps(&keyed, crate::spec::WorkloadSeq(0), None)
                && ne.keeps(&keyed, crate::spec::WorkloadSeq(0), None)
        );
        assert!(
            !ne.keeps(&keyed, crate::spec::WorkloadSeq(0), Some(3))
                && ne.keeps(&keyed, crate::spec::WorkloadSeq(0), Some(13))
        );
        assert_eq!(
            (eq.text(), String::from(ne)),
            ("key == page-3".into(), "key!=page-3".into())
        );
    }
}
