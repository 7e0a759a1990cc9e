//! What a run is made of: the cluster, topics, clients, network and the fault schedule.
//!
//! A [`ScenarioSpec`] is plain data. The scenario language (`khafka-scenario`) produces it from a
//! `.khafka` file; tests build it directly. The engine ([`crate::Sim`]) takes it as its only input
//! besides injected faults, so a spec plus its seed reproduces a run byte for byte.

use crate::config::{BrokerConfig, ConsumerConfig, ProducerConfig, TopicConfig};
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

/// A broker's id, as in Kafka's `node.id` (1-based here, like the lessons).
pub type BrokerId = u32;

/// A topic and partition, e.g. `orders-0`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: u32,
}

impl std::fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: u32) -> Self {
        TopicPartition {
            topic: topic.into(),
            partition,
        }
    }

    /// Parses `orders-0` (the topic name may itself contain dashes; the partition is after the last).
    pub fn parse(text: &str) -> Option<Self> {
        let (topic, p) = text.rsplit_once('-')?;
        if topic.is_empty() {
            return None;
        }
        Some(TopicPartition::new(topic, p.parse().ok()?))
    }
}

/// The whole input of a run.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ScenarioSpec {
    pub seed: u64,
    pub cluster: ClusterSpec,
    pub topics: Vec<TopicSpec>,
    pub producers: Vec<ProducerSpec>,
    pub consumers: Vec<ConsumerSpec>,
    pub network: LinkSpec,
    /// Per-link settings that override `network`, applied in order.
    pub links: Vec<LinkOverride>,
    /// Faults and actions at fixed instants, in the order written (ties keep that order).
    pub schedule: Vec<Scheduled>,
    /// How long the run lasts.
    pub run_for: SimTime,
    /// The scenario's schemas and its Schema Registry's settings (`schema` and `registry`
    /// lines): plain data the engine never reads; the scenario layer computes producers'
    /// [`ValuePhase`]s and consumers' [`ValueDecoder`] tables from them before a run.
    #[serde(default)]
    pub formats: FormatsSpec,
    /// Kafka Streams application instances (`streams` lines). Each comes with the clients a
    /// `StreamThread` has, added to `consumers` and `producers` by [`ScenarioSpec::add_streams`],
    /// and its application's changelog topic, added to `topics`.
    #[cfg(feature = "groups")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub streams: Vec<crate::config::streams::StreamsSpec>,
}

/// `schema` and `registry` lines.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FormatsSpec {
    /// `registry compatibility=LEVEL`: `schema.compatibility.level` (BACKWARD when `None`).
    pub level: Option<String>,
    /// `registry subject=S compatibility=LEVEL`, in order.
    pub subject_levels: Vec<(String, String)>,
    pub schemas: Vec<SchemaDecl>,
}

/// `schema NAME FORMAT [message=M] TEXT`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SchemaDecl {
    pub name: String,
    /// `avro`, `protobuf` or `json` (JSON Schema).
    pub format: String,
    /// The Protobuf message (the first top-level one when `None`).
    pub message: Option<String>,
    pub text: String,
}

/// A producer's `value.serializer` with a schema, and when it changes schema.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ValueSerializer {
    /// `avro`, `protobuf` or `json`.
    pub format: String,
    /// The schema and value from the start, then each `at T producer P value.schema=…`.
    pub uses: Vec<SchemaUse>,
    /// `value.subject.name.strategy`: `RecordNameStrategy` or `TopicRecordNameStrategy`
    /// (`TopicNameStrategy` when `None`).
    #[serde(default)]
    pub strategy: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SchemaUse {
    pub from: SimTime,
    /// A [`SchemaDecl`]'s name.
    pub schema: String,
    /// The value every record carries, as JSON text.
    pub value: String,
}

impl Default for ScenarioSpec {
    fn default() -> Self {
        ScenarioSpec {
            seed: 0,
            cluster: ClusterSpec::default(),
            topics: Vec::new(),
            producers: Vec::new(),
            consumers: Vec::new(),
            network: LinkSpec::default(),
            links: Vec::new(),
            schedule: Vec::new(),
            run_for: SimTime::from_secs(10),
            formats: FormatsSpec::default(),
            #[cfg(feature = "groups")]
            streams: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClusterSpec {
    pub brokers: u32,
    /// Rack names; broker `i` (1-based) is in `racks[(i - 1) % racks.len()]`. Empty: no racks.
    pub racks: Vec<String>,
    pub config: BrokerConfig,
}

impl ScenarioSpec {
    /// How many brokers `add broker` actions start after the cluster came up (they are numbered
    /// after the cluster's own: `brokers + 1`, `brokers + 2`, …).
    pub fn added_brokers(&self) -> u32 {
        self.schedule
            .iter()
            .filter(|s| matches!(s.fault, Fault::AddBroker { .. }))
            .count() as u32
    }
}

impl Default for ClusterSpec {
    fn default() -> Self {
        ClusterSpec {
            brokers: 3,
            racks: Vec::new(),
            config: BrokerConfig::default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: u32,
    pub replication_factor: u32,
    /// Explicit replica assignment (`replicas=1,2,3;2,3,1`); when `None` Kafka's rack-aware
    /// round robin assigns replicas.
    pub assignment: Option<Vec<Vec<BrokerId>>>,
    pub config: TopicConfig,
}

impl TopicSpec {
    /// A topic with Kafka's replica assignment and default configs.
    pub fn new(name: impl Into<String>, partitions: u32, replication_factor: u32) -> Self {
        TopicSpec {
            name: name.into(),
            partitions,
            replication_factor,
            assignment: None,
            config: TopicConfig::default(),
        }
    }
}

/// Which keys a producer's records carry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeySpec {
    /// Null keys: the sticky partitioner (KIP-794) picks partitions.
    None,
    /// `prefix-lo..hi`, e.g. `user-0..99`: keys `user-0` … `user-99`.
    Range { prefix: String, lo: u64, hi: u64 },
    /// An explicit list: `keys=a,b,c`.
    List(Vec<String>),
}

/// The most keys (or values) a producer's set may hold: per-key tables (the partitioner's cache, a
/// Kafka Streams store) stay small, and an index fits 32 bits.
pub const MAX_KEY_SET: u64 = 1_000_000;

impl KeySpec {
    pub fn is_none(&self) -> bool {
        matches!(self, KeySpec::None)
    }

    /// How many strings the set holds (0 for `None`).
    pub fn size(&self) -> u64 {
        match self {
            KeySpec::None => 0,
            KeySpec::Range { lo, hi, .. } => hi - lo + 1,
            KeySpec::List(keys) => keys.len() as u64,
        }
    }

    /// Writes string `i` of the set into `out` (cleared first), as `StringSerializer` writes it.
    pub fn write(&self, i: u32, out: &mut String) {
        use std::fmt::Write;
        out.clear();
        match self {
            KeySpec::None => {}
            KeySpec::Range { prefix, lo, .. } => {
                let _ = write!(out, "{prefix}{}", lo + i as u64);
            }
            KeySpec::List(keys) => {
                if let Some(k) = keys.get(i as usize) {
                    out.push_str(k);
                }
            }
        }
    }

    /// The length in bytes of string `i`, without formatting it.
    pub fn byte_len(&self, i: u32) -> u32 {
        match self {
            KeySpec::None => 0,
            KeySpec::Range { prefix, lo, .. } => {
                prefix.len() as u32 + decimal_digits(lo + i as u64)
            }
            KeySpec::List(keys) => keys.get(i as usize).map_or(0, |k| k.len() as u32),
        }
    }

    /// String `i` read as a number (`Long.parseLong`): a range without a prefix, or a list entry
    /// that is an integer.
    pub fn number(&self, i: u32) -> Option<i64> {
        match self {
            KeySpec::None => None,
            KeySpec::Range { prefix, lo, .. } if prefix.is_empty() => {
                i64::try_from(lo + i as u64).ok()
            }
            KeySpec::Range { .. } => None,
            KeySpec::List(keys) => keys.get(i as usize)?.parse().ok(),
        }
    }

    /// Whether string `i` of the set is `s` (`equals`), without writing it.
    pub fn is(&self, i: u32, s: &str) -> bool {
        match self {
            KeySpec::Range { prefix, lo, .. } => {
                self.byte_len(i) as usize == s.len()
                    && s.strip_prefix(prefix.as_str())
                        .is_some_and(|d| d.parse::<u64>() == Ok(lo + i as u64))
            }
            KeySpec::List(k) => k.get(i as usize).is_some_and(|k| k == s),
            KeySpec::None => false,
        }
    }

    /// Whether every string of the set reads as a number ([`KeySpec::number`]).
    pub fn all_numbers(&self) -> bool {
        match self {
            KeySpec::None => false,
            KeySpec::Range { prefix, hi, .. } => prefix.is_empty() && i64::try_from(*hi).is_ok(),
            KeySpec::List(keys) => keys.iter().all(|k| k.parse::<i64>().is_ok()),
        }
    }

    /// The longest string's length in bytes.
    pub fn max_byte_len(&self) -> u32 {
        match self {
            KeySpec::None => 0,
            KeySpec::Range { prefix, hi, .. } => prefix.len() as u32 + decimal_digits(*hi),
            KeySpec::List(keys) => keys.iter().map(|k| k.len() as u32).max().unwrap_or(0),
        }
    }
}

/// Decimal digits of `n`: 1 + ilog10, by comparisons (most keys have few digits).
pub fn decimal_digits(n: u64) -> u32 {
    let mut digits = 1;
    let mut bound = 10u64;
    while n >= bound && digits < 20 {
        digits += 1;
        bound = bound.saturating_mul(10);
    }
    digits
}

/// splitmix64's finaliser: every bit of `x` moves every bit of the hash. Facts of a record that
/// are drawn by a hash of its place in the workload ([`WorkloadSeq`]: its lateness, its value)
/// change no random draw of the run.
pub fn mix64(x: u64) -> u64 {
    let mut h = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// A record's place among the records the scenario's producers generate (their workload, in the
/// order they are generated: merged by send time, then by producer), from 0. What a record
/// carries that is drawn rather than sent — its value from `values=`, its lateness, its pick in a
/// value template's pool — is a hash of it. Records a Kafka Streams topology writes (changelogs,
/// repartition topics, output) are not counted, so how and when a topology writes cannot change
/// the input it reads: two runs of one seed that differ only in a streams or consumer setting
/// hold the same records with the same values and timestamps (`Provenance::seq`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkloadSeq(pub u64);

/// Which value of its producer's `values=` set record `seq` carries (uniform over the set): a
/// hash of its place in the workload, independent of its lateness's.
pub fn value_index(values: &KeySpec, seq: WorkloadSeq) -> Option<u32> {
    let n = values.size();
    (n > 0).then(|| pick(n, seq) as u32)
}

/// One of `n` (> 0) picked by a hash of record `seq`, independent of its lateness's.
fn pick(n: u64, seq: WorkloadSeq) -> u64 {
    mix64(seq.0 ^ 0x5bd1_e995_0000_0000) % n
}

/// The serializer phase of record `id` sent at `sent_us`, among `n` phases whose starts
/// (`start(i)`, µs) never decrease: the last start at or before `sent_us` (the first, before any).
/// Consecutive phases with the same start are one phase's pool of values (a `value=` template),
/// and the record carries one of them, picked by a hash of its place in the workload; `seq`
/// `None`: the pool's last.
pub fn phase_of(
    n: usize,
    start: impl Fn(usize) -> u64,
    sent_us: u64,
    seq: Option<WorkloadSeq>,
) -> Option<usize> {
    // The first phase whose start is not `before` (a binary search over the closure).
    let first_not = |before: &dyn Fn(u64) -> bool| {
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if before(start(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    };
    let end = first_not(&|s| s <= sent_us).max(1).min(n);
    let from = start(end.checked_sub(1)?);
    let first = first_not(&|s| s < from);
    Some(match seq {
        Some(seq) => first + pick((end - first) as u64, seq) as usize,
        None => end - 1,
    })
}

/// How keys are drawn from the key set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyDistribution {
    Uniform,
    /// Round-robin over the key set, in order (handy for lessons that must show exact placement).
    Sequential,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProducerSpec {
    pub name: String,
    pub topic: String,
    pub config: ProducerConfig,
    /// Records per second (may be fractional in the language; stored as records per 1000 s).
    pub rate_per_ks: u64,
    pub keys: KeySpec,
    pub key_distribution: KeyDistribution,
    /// Bytes of value per record.
    pub record_size: u32,
    /// Each record's value drawn from a set (`values=page-0..19`, `values=1..100`), uniformly by
    /// a hash of its place in the workload ([`value_index`]); its size is the string's. `None`: `record_size` bytes
    /// the simulation does not look into.
    #[serde(default = "no_values", skip_serializing_if = "KeySpec::is_none")]
    pub values: KeySpec,
    /// Send every record to this partition (explicit `ProducerRecord.partition`).
    pub partition: Option<u32>,
    pub start: SimTime,
    pub stop: Option<SimTime>,
    /// Stop after this many records.
    pub count: Option<u64>,
    /// Every record has a null value: a tombstone (`value=null`), which deletes its key from a
    /// compacted topic.
    #[serde(default)]
    pub null_value: bool,
    /// A value serializer with a schema (`value.serializer=avro value.schema=…`): what each
    /// schema the producer uses makes of its value, in the order they come into force; a value
    /// template (`${1..100}` in `value=`) gives several phases with one start, its pool of values
    /// ([`phase_of`]). Computed before the run by the formats crate (the engine carries no
    /// codec); empty: every value is `record_size` bytes.
    #[serde(default)]
    pub value_phases: Vec<ValuePhase>,
    /// `value.serializer=avro|protobuf|json` with `value.schema` and `value` (and its changes).
    #[serde(default)]
    pub value_serializer: Option<ValueSerializer>,
    /// A Kafka Streams instance's producer also writes this topic (the state store's changelog),
    /// at partitions the instance names; `topic` is the output topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changelog: Option<String>,
    /// Out-of-order timestamps (`lateness=MIN..MAX`, `late=P%`): a record's `CreateTime` is its
    /// send time minus a lateness (a device that buffered it, a clock behind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lateness: Option<Lateness>,
}

fn no_values() -> KeySpec {
    KeySpec::None
}

/// The largest lateness a producer may give its records: a day (a run lasts at most a day).
pub const MAX_LATENESS_MS: u64 = 86_400_000;

/// How late a producer's records are: a share `late_ppm` (parts per million) of its records is
/// stamped `lateness` ms before it is sent, with `lateness` uniform in `min_ms..=max_ms`; the rest
/// on time. Which records and how late is a hash of the record's place in the workload
/// ([`WorkloadSeq`]): no random draw, so a producer
/// with lateness changes no other draw of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Lateness {
    pub min_ms: u64,
    pub max_ms: u64,
    pub late_ppm: u32,
}

impl Lateness {
    /// How many ms before its send time record `seq` is stamped.
    pub fn of(&self, seq: WorkloadSeq) -> u64 {
        let h = mix64(seq.0);
        if (h % 1_000_000) as u32 >= self.late_ppm {
            return 0;
        }
        let span = self.max_ms.saturating_sub(self.min_ms).saturating_add(1);
        self.min_ms + (h >> 20) % span
    }
}

/// From `from` on, the producer's serializer turns each value (or, with a template, each value of
/// its pool that a record picks) into `bytes` bytes on the wire, or throws (`error`): a Confluent
/// serializer whose schema the registry refused, or a value the schema does not fit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ValuePhase {
    pub from: SimTime,
    /// What a story says of it: format, subject, version and id (`avro orders-value v2, id 2`).
    pub label: String,
    /// The Schema Registry subject its schema is registered under (`orders-value`); empty in
    /// specs written before it was kept.
    #[serde(default)]
    pub subject: String,
    /// Bytes of the value (Confluent framing included); `Err`: `serialize` throws this
    /// `SerializationException` and the record never reaches the accumulator.
    pub bytes: Result<u32, String>,
    /// What the producer's `compression.type` makes of a batch of these records, measured with
    /// the real codec before the run (`khafka_formats::sim_table::compression_points`): `(records,
    /// ppm)` in increasing record counts, the compressed records over the framed records in parts
    /// per million; with a pool, on batches of records drawn from the whole pool (each of its
    /// phases carries the same). Empty: the codec's representative ratios
    /// (`CompressionType::compressed`).
    #[serde(default)]
    pub compression: Vec<(u32, u32)>,
}

impl ProducerSpec {
    /// The phase (its index) record `seq` sent at `sent_us` carries, if the producer has any
    /// ([`phase_of`]; `seq` `None`: the last of its pool, for what a pool shares).
    #[inline]
    pub fn phase_at(&self, sent_us: u64, seq: Option<WorkloadSeq>) -> Option<usize> {
        let p = &self.value_phases;
        if p.is_empty() {
            return None;
        }
        phase_of(p.len(), |i| p[i].from.as_us(), sent_us, seq)
    }
}

impl ProducerSpec {
    pub fn new(name: impl Into<String>, topic: impl Into<String>) -> Self {
        ProducerSpec {
            name: name.into(),
            topic: topic.into(),
            config: ProducerConfig::default(),
            rate_per_ks: 100_000,
            keys: KeySpec::None,
            key_distribution: KeyDistribution::Uniform,
            record_size: 100,
            values: KeySpec::None,
            partition: None,
            start: SimTime::ZERO,
            stop: None,
            count: None,
            null_value: false,
            value_phases: Vec::new(),
            value_serializer: None,
            changelog: None,
            lateness: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConsumerSpec {
    pub name: String,
    /// The (first) topic it subscribes to.
    pub topic: String,
    /// The other topics of its subscription (`topic=a,b,c`), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_topics: Vec<String>,
    pub config: ConsumerConfig,
    pub start: SimTime,
    /// A value deserializer with a reader schema (`value.deserializer=avro
    /// value.reader.schema=…`), computed before the run like [`ProducerSpec::value_phases`].
    #[serde(default)]
    pub value_decoder: Option<ValueDecoder>,
}

impl ConsumerSpec {
    /// A consumer of `topic` with Kafka's default configs, starting with the run.
    pub fn new(name: impl Into<String>, topic: impl Into<String>) -> Self {
        ConsumerSpec {
            name: name.into(),
            topic: topic.into(),
            more_topics: Vec::new(),
            config: ConsumerConfig::default(),
            start: SimTime::ZERO,
            value_decoder: None,
        }
    }

    /// Every topic of its subscription, in order.
    pub fn topics(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.topic.as_str()).chain(self.more_topics.iter().map(String::as_str))
    }
}

/// A consumer's value deserializer with a reader schema, and which records it cannot decode.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ValueDecoder {
    /// `value.deserializer`: `avro`, `protobuf` or `json`.
    pub format: String,
    /// `value.reader.schema`: a [`SchemaDecl`]'s name.
    pub reader: String,
    /// Whether `fails` was computed (the scenario layer's table); until then every record fails
    /// with a message saying so, never silently decodes.
    #[serde(default)]
    pub computed: bool,
    /// By producer index, then phase index: `Some(reason)` when the deserializer throws on the
    /// records of that phase. A producer with no phases (its values are not real encodings) is
    /// refused as bytes without the Confluent magic byte.
    pub fails: Vec<Vec<Option<String>>>,
    /// The application catches `RecordDeserializationException` and seeks past the record; when
    /// false it stops at that offset (a poison pill), as an application that does not catch it.
    pub skip: bool,
}

/// Latency and loss of a link, in integer units so runs are identical on every platform.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LinkSpec {
    /// One-way latency is drawn uniformly from `[latency_us_min, latency_us_max]`.
    pub latency_us_min: u64,
    pub latency_us_max: u64,
    /// Probability that a message is dropped, in parts per million.
    pub loss_ppm: u32,
    /// Bytes per second the link carries (0: unlimited). A message is serialized onto the link after
    /// the ones before it: it arrives `size / bandwidth` after the link is free, plus the latency.
    #[serde(default)]
    pub bandwidth_bps: u64,
}

impl Default for LinkSpec {
    fn default() -> Self {
        LinkSpec {
            latency_us_min: 500,
            latency_us_max: 1_500,
            loss_ppm: 0,
            bandwidth_bps: 0,
        }
    }
}

/// A node of the simulated network.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum NodeRef {
    Broker(BrokerId),
    /// The controller; with a quorum (`controllers=N`), every controller of it.
    Controller,
    /// A producer or consumer, by name.
    Client(String),
    /// One controller of a quorum, `1..=controllers` (written `controller 2`).
    QuorumController(u32),
}

impl std::fmt::Display for NodeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NodeRef::Broker(b) => write!(f, "{b}"),
            NodeRef::Controller => write!(f, "controller"),
            NodeRef::Client(c) => write!(f, "{c}"),
            NodeRef::QuorumController(c) => write!(f, "controller {c}"),
        }
    }
}

/// Settings for the links from every node of `from` to every node of `to` (one direction).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LinkOverride {
    pub from: Vec<NodeRef>,
    pub to: Vec<NodeRef>,
    pub link: LinkSpec,
}

/// A broker named directly or by role, resolved when the fault fires.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BrokerRef {
    Id(BrokerId),
    /// The current leader of a partition (`leader(orders-0)`); nothing happens if it has none.
    LeaderOf(TopicPartition),
}

impl std::fmt::Display for BrokerRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BrokerRef::Id(b) => write!(f, "{b}"),
            BrokerRef::LeaderOf(tp) => write!(f, "leader({tp})"),
        }
    }
}

/// A fault or operator action. Faults are data: scheduled at an instant or injected now.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Fault {
    /// The broker process dies. With `lose_unflushed`, the machine lost power too: records appended in
    /// the last `sim.unflushed.window.ms` are gone from its disk.
    Crash {
        broker: BrokerRef,
        lose_unflushed: bool,
    },
    /// Controlled shutdown: leadership moves away first, then the broker stops.
    Shutdown {
        broker: BrokerRef,
    },
    /// Start a stopped broker: log recovery, registration, catch-up.
    Restart {
        broker: BrokerRef,
    },
    /// A new broker joins the running cluster: its process starts for the first time with empty
    /// disks, registers with the controller and hosts nothing until a reassignment moves replicas
    /// to it. Its id follows the cluster's brokers (`brokers=3`: the first one added is 4).
    AddBroker {
        broker: BrokerId,
    },
    /// `kafka-reassign-partitions --execute` for one partition: its replicas become `replicas`
    /// (KIP-455: the new ones are added, catch up and join the ISR, then the old ones are removed).
    Reassign {
        partition: TopicPartition,
        replicas: Vec<BrokerId>,
    },
    /// Messages between the groups are dropped. `one_way`: only from `groups[0]` to `groups[1]`.
    /// Nodes not named keep talking to everyone.
    Partition {
        groups: Vec<Vec<NodeRef>>,
        one_way: bool,
    },
    /// Cut a node off from every other node.
    Isolate {
        node: NodeRef,
    },
    /// Remove every network partition and isolation.
    Heal,
    /// The broker handles every request this much later (a slow disk or a GC pause); 0 ends it.
    Slow {
        broker: BrokerRef,
        extra_us: u64,
    },
    /// Change link settings from now on.
    Link(LinkOverride),
    /// Run a preferred-leader election (`kafka-leader-election.sh --election-type preferred`) for one
    /// partition or, when `None`, all.
    ElectPreferred {
        partition: Option<TopicPartition>,
    },
    /// Change a topic config dynamically (`kafka-configs.sh --alter`).
    SetTopicConfig {
        topic: String,
        key: String,
        value: String,
    },
    /// Stop or resume a producer's workload.
    PauseProducer {
        producer: String,
    },
    ResumeProducer {
        producer: String,
    },
    /// The consumer's process dies: no commit, no LeaveGroup; its group notices at session expiry.
    #[cfg(feature = "groups")]
    CrashConsumer {
        consumer: String,
    },
    /// `close()`: a group member commits (with auto-commit) and leaves its group, then stops.
    #[cfg(feature = "groups")]
    StopConsumer {
        consumer: String,
    },
    /// A crashed or stopped consumer starts again (a new process: it rejoins its group and resumes
    /// from the committed offsets).
    #[cfg(feature = "groups")]
    RestartConsumer {
        consumer: String,
    },
    /// A Kafka Streams instance's process dies: its three clients, its stores and caches.
    #[cfg(feature = "groups")]
    CrashStreams {
        streams: String,
    },
    /// `KafkaStreams.close()`: the instance flushes and commits; it sends no LeaveGroup (Kafka
    /// Streams sets `internal.leave.group.on.close=false`), so its group notices at session expiry.
    #[cfg(feature = "groups")]
    StopStreams {
        streams: String,
    },
    /// A crashed or closed instance starts again: it rejoins, and restores the stores of the
    /// tasks it gets from their changelogs.
    #[cfg(feature = "groups")]
    RestartStreams {
        streams: String,
    },
    /// The application calls `seek` (`seek`, `seekToBeginning`, `seekToEnd`) for one partition of
    /// its topic.
    #[cfg(feature = "groups")]
    Seek {
        consumer: String,
        /// A partition of the consumer's topic.
        partition: TopicPartition,
        to: SeekTo,
    },
    /// `kafka-consumer-groups --reset-offsets` for a group, one topic or one partition of it.
    #[cfg(feature = "groups")]
    ResetOffsets(ResetOffsets),
    /// A KRaft controller's process dies (`controllers=N` on the cluster line).
    CrashController {
        controller: u32,
    },
    /// Start a crashed controller again: it rejoins the quorum as a follower or a candidate.
    RestartController {
        controller: u32,
    },
}

/// `kafka-consumer-groups --reset-offsets --group GROUP --topic TOPIC[:P] --SCENARIO`.
#[cfg(feature = "groups")]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ResetOffsets {
    pub group: String,
    pub topic: String,
    pub partition: Option<u32>,
    pub to: ResetTo,
    /// `--dry-run`: print the plan only (the action executes otherwise, as `--execute`).
    pub dry_run: bool,
}

#[cfg(feature = "groups")]
impl std::fmt::Display for ResetOffsets {
    /// As the scenario language writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "reset-offsets {} {}", self.group, self.topic)?;
        if let Some(p) = self.partition {
            write!(f, ":{p}")?;
        }
        write!(f, " {}", self.to)?;
        if self.dry_run {
            write!(f, " dry-run")?;
        }
        Ok(())
    }
}

/// Where a `seek` goes.
#[cfg(feature = "groups")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SeekTo {
    Offset(u64),
    Beginning,
    End,
}

/// A `--reset-offsets` scenario of `kafka-consumer-groups` (`ConsumerGroupCommand
/// .prepareOffsetsToReset`).
#[cfg(feature = "groups")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResetTo {
    /// `--to-earliest`: the log start offset.
    Earliest,
    /// `--to-latest`: the log end as `ListOffsets(latest)` gives it (the high watermark).
    Latest,
    /// `--to-current`: the committed offset (the latest where there is none).
    Current,
    /// `--to-offset N`, clamped into the log's range.
    Offset(u64),
    /// `--shift-by N`: the committed offset plus N, clamped.
    ShiftBy(i64),
    /// `--to-datetime T` (simulated time, µs): the first offset with a timestamp at or after it.
    Datetime(u64),
}

#[cfg(feature = "groups")]
impl std::fmt::Display for ResetTo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResetTo::Earliest => write!(f, "to-earliest"),
            ResetTo::Latest => write!(f, "to-latest"),
            ResetTo::Current => write!(f, "to-current"),
            ResetTo::Offset(n) => write!(f, "to-offset={n}"),
            ResetTo::ShiftBy(n) => write!(f, "shift-by={n}"),
            ResetTo::Datetime(us) => write!(f, "to-datetime={}", crate::SimTime(*us).exact()),
        }
    }
}

/// A fault at a fixed instant.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Scheduled {
    pub at: SimTime,
    pub fault: Fault,
}
