//! Consumer-group settings, spelled and bounded as Kafka 4.1 spells and bounds them: the broker's
//! group coordinator (`GroupCoordinatorConfig`) and a consumer's group membership
//! (`ConsumerConfig`'s group keys). [`crate::config::BrokerConfig`] and
//! [`crate::config::ConsumerConfig`] hand these keys over, so the scenario language reads them
//! like every other key.

use super::kafka_config::{
    parse_bool, parse_int, parse_short, parse_u32, positive, positive32, ConfigError,
};
use crate::client::consumer::assignor::ClientAssignor;
use crate::coordinator::group::assignor::ServerAssignor;
use serde::{Deserialize, Serialize};

/// The broker's group-coordinator settings (`GroupCoordinatorConfig`, [4.1]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GroupCoordinatorConfig {
    /// `offsets.topic.num.partitions` (int, at least 1; 50).
    pub offsets_topic_num_partitions: u32,
    /// `offsets.topic.replication.factor` (short, at least 1; 3).
    pub offsets_topic_replication_factor: u32,
    /// `group.initial.rebalance.delay.ms` (int; 3000).
    pub group_initial_rebalance_delay_ms: u64,
    /// `group.min.session.timeout.ms` (int; 6000).
    pub group_min_session_timeout_ms: u64,
    /// `group.max.session.timeout.ms` (int; 1800000).
    pub group_max_session_timeout_ms: u64,
    /// `offsets.commit.timeout.ms` (int, at least 1; 5000): a commit waits this long for the
    /// `__consumer_offsets` replicas before failing with `REQUEST_TIMED_OUT`.
    pub offsets_commit_timeout_ms: u64,
    /// `offsets.retention.minutes` (int, at least 1; 10080 = 7 days): an Empty group's offsets
    /// expire this long after it became Empty.
    pub offsets_retention_minutes: u64,
    /// `offsets.retention.check.interval.ms` (long, at least 1; 600000): how often the
    /// coordinator looks for expired offsets.
    pub offsets_retention_check_interval_ms: u64,
    /// `group.consumer.heartbeat.interval.ms` (int, at least 1; 5000): the heartbeat interval
    /// the coordinator hands KIP-848 members, between the min and max below.
    pub consumer_heartbeat_interval_ms: u64,
    /// `group.consumer.min.heartbeat.interval.ms` (int, at least 1; 5000).
    pub consumer_min_heartbeat_interval_ms: u64,
    /// `group.consumer.max.heartbeat.interval.ms` (int, at least 1; 15000).
    pub consumer_max_heartbeat_interval_ms: u64,
    /// `group.consumer.session.timeout.ms` (int, at least 1; 45000): a KIP-848 member that sends
    /// no heartbeat for this long is fenced.
    pub consumer_session_timeout_ms: u64,
    /// `group.consumer.min.session.timeout.ms` (int, at least 1; 45000).
    pub consumer_min_session_timeout_ms: u64,
    /// `group.consumer.max.session.timeout.ms` (int, at least 1; 60000).
    pub consumer_max_session_timeout_ms: u64,
    /// `group.consumer.assignors` (list; `uniform,range`): the server-side assignors, the first
    /// the default.
    pub consumer_assignors: Vec<ServerAssignor>,
}

impl Default for GroupCoordinatorConfig {
    fn default() -> Self {
        GroupCoordinatorConfig {
            offsets_topic_num_partitions: 50,
            offsets_topic_replication_factor: 3,
            group_initial_rebalance_delay_ms: 3_000,
            group_min_session_timeout_ms: 6_000,
            group_max_session_timeout_ms: 1_800_000,
            offsets_commit_timeout_ms: 5_000,
            offsets_retention_minutes: 10_080,
            offsets_retention_check_interval_ms: 600_000,
            consumer_heartbeat_interval_ms: 5_000,
            consumer_min_heartbeat_interval_ms: 5_000,
            consumer_max_heartbeat_interval_ms: 15_000,
            consumer_session_timeout_ms: 45_000,
            consumer_min_session_timeout_ms: 45_000,
            consumer_max_session_timeout_ms: 60_000,
            consumer_assignors: vec![ServerAssignor::Uniform, ServerAssignor::Range],
        }
    }
}

/// A server-side assignor's name as `group.consumer.assignors` and `group.remote.assignor` take
/// it (Kafka's short names; the class names are accepted too).
pub fn parse_server_assignor(text: &str) -> Option<ServerAssignor> {
    match text.trim() {
        "uniform" | "org.apache.kafka.coordinator.group.assignor.UniformAssignor" => {
            Some(ServerAssignor::Uniform)
        }
        "range" | "org.apache.kafka.coordinator.group.assignor.RangeAssignor" => {
            Some(ServerAssignor::Range)
        }
        _ => None,
    }
}

impl GroupCoordinatorConfig {
    pub const KEYS: &'static [&'static str] = super::kafka_config::BROKER_GROUP_KEYS;

    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        match key {
            "offsets.topic.num.partitions" => {
                self.offsets_topic_num_partitions = positive32(parse_u32(value, "partitions")?)?
            }
            "offsets.topic.replication.factor" => {
                let v = positive32(parse_short(value, "replicas")?)?;
                self.offsets_topic_replication_factor = v;
            }
            "group.initial.rebalance.delay.ms" => {
                self.group_initial_rebalance_delay_ms = parse_int(value, "milliseconds")?
            }
            "group.min.session.timeout.ms" => {
                self.group_min_session_timeout_ms = parse_int(value, "milliseconds")?
            }
            "group.max.session.timeout.ms" => {
                self.group_max_session_timeout_ms = parse_int(value, "milliseconds")?
            }
            "offsets.commit.timeout.ms" => {
                self.offsets_commit_timeout_ms = positive(parse_int(value, "milliseconds")?)?
            }
            "offsets.retention.minutes" => {
                self.offsets_retention_minutes = positive(parse_int(value, "minutes")?)?
            }
            "offsets.retention.check.interval.ms" => {
                self.offsets_retention_check_interval_ms =
                    positive(super::kafka_config::parse_u64(value, "milliseconds")?)?
            }
            "group.consumer.heartbeat.interval.ms" => {
                self.consumer_heartbeat_interval_ms = positive(parse_int(value, "milliseconds")?)?
            }
            "group.consumer.min.heartbeat.interval.ms" => {
                self.consumer_min_heartbeat_interval_ms =
                    positive(parse_int(value, "milliseconds")?)?
            }
            "group.consumer.max.heartbeat.interval.ms" => {
                self.consumer_max_heartbeat_interval_ms =
                    positive(parse_int(value, "milliseconds")?)?
            }
            "group.consumer.session.timeout.ms" => {
                self.consumer_session_timeout_ms = positive(parse_int(value, "milliseconds")?)?
            }
            "group.consumer.min.session.timeout.ms" => {
                self.consumer_min_session_timeout_ms = positive(parse_int(value, "milliseconds")?)?
            }
            "group.consumer.max.session.timeout.ms" => {
                self.consumer_max_session_timeout_ms = positive(parse_int(value, "milliseconds")?)?
            }
            "group.consumer.assignors" => {
                let mut list = Vec::new();
                for item in value.split(',').map(str::trim) {
                    let a = parse_server_assignor(item).ok_or_else(|| {
                        ConfigError::InvalidValue(format!(
                            "server-side assignors `uniform` and/or `range`; `{item}` is neither"
                        ))
                    })?;
                    if !list.contains(&a) {
                        list.push(a);
                    }
                }
                self.consumer_assignors = list;
            }
            _ => return Err(ConfigError::UnknownKey),
        }
        Ok(())
    }

    pub fn get(&self, key: &str) -> Option<String> {
        Some(match key {
            "offsets.topic.num.partitions" => self.offsets_topic_num_partitions.to_string(),
            "offsets.topic.replication.factor" => self.offsets_topic_replication_factor.to_string(),
            "group.initial.rebalance.delay.ms" => self.group_initial_rebalance_delay_ms.to_string(),
            "group.min.session.timeout.ms" => self.group_min_session_timeout_ms.to_string(),
            "group.max.session.timeout.ms" => self.group_max_session_timeout_ms.to_string(),
            "offsets.commit.timeout.ms" => self.offsets_commit_timeout_ms.to_string(),
            "offsets.retention.minutes" => self.offsets_retention_minutes.to_string(),
            "offsets.retention.check.interval.ms" => {
                self.offsets_retention_check_interval_ms.to_string()
            }
            "group.consumer.heartbeat.interval.ms" => {
                self.consumer_heartbeat_interval_ms.to_string()
            }
            "group.consumer.min.heartbeat.interval.ms" => {
                self.consumer_min_heartbeat_interval_ms.to_string()
            }
            "group.consumer.max.heartbeat.interval.ms" => {
                self.consumer_max_heartbeat_interval_ms.to_string()
            }
            "group.consumer.session.timeout.ms" => self.consumer_session_timeout_ms.to_string(),
            "group.consumer.min.session.timeout.ms" => {
                self.consumer_min_session_timeout_ms.to_string()
            }
            "group.consumer.max.session.timeout.ms" => {
                self.consumer_max_session_timeout_ms.to_string()
            }
            "group.consumer.assignors" => self
                .consumer_assignors
                .iter()
                .map(|a| a.name())
                .collect::<Vec<_>>()
                .join(","),
            _ => return None,
        })
    }

    /// The checks of `GroupCoordinatorConfig`'s constructor for the KIP-848 settings.
    pub fn check(&self) -> Result<(), String> {
        let pairs = [
            (
                "group.consumer.heartbeat.interval.ms",
                self.consumer_heartbeat_interval_ms,
                self.consumer_min_heartbeat_interval_ms,
                self.consumer_max_heartbeat_interval_ms,
                "heartbeat.interval",
            ),
            (
                "group.consumer.session.timeout.ms",
                self.consumer_session_timeout_ms,
                self.consumer_min_session_timeout_ms,
                self.consumer_max_session_timeout_ms,
                "session.timeout",
            ),
        ];
        for (key, v, min, max, stem) in pairs {
            if max < min {
                return Err(format!(
                    "group.consumer.max.{stem}.ms ({max}) must be greater than or equal to \
                     group.consumer.min.{stem}.ms ({min})"
                ));
            }
            if v < min || v > max {
                return Err(format!(
                    "{key} ({v}) must be between group.consumer.min.{stem}.ms ({min}) and \
                     group.consumer.max.{stem}.ms ({max})"
                ));
            }
        }
        if self.consumer_heartbeat_interval_ms >= self.consumer_session_timeout_ms {
            return Err(format!(
                "group.consumer.heartbeat.interval.ms ({}) must be less than \
                 group.consumer.session.timeout.ms ({})",
                self.consumer_heartbeat_interval_ms, self.consumer_session_timeout_ms
            ));
        }
        if self.consumer_assignors.is_empty() {
            return Err("group.consumer.assignors names no assignor".into());
        }
        Ok(())
    }
}

/// `group.protocol`: `classic` (the default) or `consumer` (KIP-848).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GroupProtocol {
    Classic,
    Consumer,
}

/// The classic-only consumer keys a user set explicitly (Kafka refuses them with
/// `group.protocol=consumer`), as bits of [`ConsumerGroupConfig::classic_keys_set`].
const CLASSIC_ONLY_KEYS: [&str; 3] = [
    "partition.assignment.strategy",
    "session.timeout.ms",
    "heartbeat.interval.ms",
];

/// A consumer's group settings (`ConsumerConfig`, [4.1]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConsumerGroupConfig {
    /// `group.id` (string; null): `None` is a consumer outside any group.
    pub group_id: Option<String>,
    pub group_protocol: GroupProtocol,
    /// `partition.assignment.strategy` (list of classes; `[RangeAssignor,
    /// CooperativeStickyAssignor]`).
    pub partition_assignment_strategy: Vec<ClientAssignor>,
    /// `group.instance.id` (string; null): a static member (KIP-345).
    pub group_instance_id: Option<String>,
    /// `session.timeout.ms` (int; 45000).
    pub session_timeout_ms: u64,
    /// `heartbeat.interval.ms` (int; 3000).
    pub heartbeat_interval_ms: u64,
    /// `max.poll.interval.ms` (int, at least 1; 300000), also the JoinGroup rebalance timeout.
    pub max_poll_interval_ms: u64,
    /// `enable.auto.commit` (boolean; true, but false without a `group.id`). `None`: not given.
    pub enable_auto_commit: Option<bool>,
    /// `auto.commit.interval.ms` (int, at least 0; 5000).
    pub auto_commit_interval_ms: u64,
    /// `default.api.timeout.ms` (int, at least 0; 60000): how long `commitSync()` retries.
    pub default_api_timeout_ms: u64,
    /// `sim.processing.time.ms` (simulator key, 0 to [`MAX_PROCESSING_TIME_MS`]; 0): how long
    /// the application takes to process one record. 0 with `sim.commit=none`: records are
    /// processed as they arrive.
    pub processing_time_ms: u64,
    /// `sim.commit` (simulator key; `none`): what the application calls after each poll's records.
    pub commit: AppCommit,
    /// `sim.commit.when` (simulator key; `after-processing`): whether that call comes before the
    /// records are processed (at-most-once) or after (at-least-once).
    pub commit_before_processing: bool,
    /// `group.remote.assignor` (string; null): the server-side assignor a KIP-848 member asks
    /// for; `None` lets the coordinator pick.
    pub group_remote_assignor: Option<ServerAssignor>,
    /// Which of [`CLASSIC_ONLY_KEYS`] the scenario set (bit i for key i).
    pub classic_keys_set: u8,
    /// A Kafka Streams main consumer (`config/streams.rs`): the loop commits with `commitSync()`
    /// after processing once this many ms passed since its last commit, after flushing the
    /// instance's producer (`TaskManager.commit`). Not a consumer config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streams_commit_interval_ms: Option<u64>,
    /// A Kafka Streams main consumer whose topics after the first are repartition topics: after a
    /// commit, once this many ms passed since the last purge, it deletes what the commit covered
    /// of them (`repartition.purge.interval.ms`, `TaskManager.maybePurgeCommittedRecords`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streams_purge_interval_ms: Option<u64>,
}

/// The most `sim.processing.time.ms` may be: a minute a record.
pub const MAX_PROCESSING_TIME_MS: u64 = 60_000;

/// The commit call of the application's poll loop (`sim.commit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AppCommit {
    /// No manual commit (auto-commit, if enabled, still runs).
    None,
    /// `commitSync()`: blocks, retries retriable errors up to `default.api.timeout.ms`.
    Sync,
    /// `commitAsync()`: sent once, never retried; the callback sees the error.
    Async,
}

impl AppCommit {
    pub fn name(self) -> &'static str {
        match self {
            AppCommit::None => "none",
            AppCommit::Sync => "sync",
            AppCommit::Async => "async",
        }
    }
}

impl Default for ConsumerGroupConfig {
    fn default() -> Self {
        ConsumerGroupConfig {
            group_id: None,
            group_protocol: GroupProtocol::Classic,
            partition_assignment_strategy: vec![
                ClientAssignor::Range,
                ClientAssignor::CooperativeSticky,
            ],
            group_instance_id: None,
            session_timeout_ms: 45_000,
            heartbeat_interval_ms: 3_000,
            max_poll_interval_ms: 300_000,
            enable_auto_commit: None,
            auto_commit_interval_ms: 5_000,
            default_api_timeout_ms: 60_000,
            processing_time_ms: 0,
            commit: AppCommit::None,
            commit_before_processing: false,
            group_remote_assignor: None,
            classic_keys_set: 0,
            streams_commit_interval_ms: None,
            streams_purge_interval_ms: None,
        }
    }
}

/// The assignor classes Kafka ships, by the class name `partition.assignment.strategy` takes.
const ASSIGNOR_CLASSES: [(ClientAssignor, &str); 4] = [
    (
        ClientAssignor::Range,
        "org.apache.kafka.clients.consumer.RangeAssignor",
    ),
    (
        ClientAssignor::RoundRobin,
        "org.apache.kafka.clients.consumer.RoundRobinAssignor",
    ),
    (
        ClientAssignor::Sticky,
        "org.apache.kafka.clients.consumer.StickyAssignor",
    ),
    (
        ClientAssignor::CooperativeSticky,
        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
    ),
];

/// The class Kafka's consumer loads for an assignor.
pub fn assignor_class(a: ClientAssignor) -> &'static str {
    // Kafka Streams sets its own assignor on its main consumer; no consumer may name it.
    if a == ClientAssignor::StreamTasks {
        return "org.apache.kafka.streams.processor.internals.StreamsPartitionAssignor";
    }
    ASSIGNOR_CLASSES
        .iter()
        .find(|(x, _)| *x == a)
        .map(|(_, c)| *c)
        .expect("every assignor has a class")
}

/// One entry of `partition.assignment.strategy`: the full class name, or the class's simple name
/// (`RangeAssignor`), or the assignor's protocol name (`range`).
fn parse_assignor(text: &str) -> Option<ClientAssignor> {
    ASSIGNOR_CLASSES
        .iter()
        .find(|(a, class)| {
            *class == text || class.rsplit('.').next() == Some(text) || a.name() == text
        })
        .map(|(a, _)| *a)
}

impl ConsumerGroupConfig {
    pub const KEYS: &'static [&'static str] = super::kafka_config::CONSUMER_GROUP_KEYS;

    /// Whether the application runs a poll loop of its own (processing time or manual commits):
    /// records are handed out by `poll()`, processed one after the other, and committed.
    pub fn app_loop(&self) -> bool {
        self.group_id.is_some()
            && (self.processing_time_ms > 0
                || self.commit != AppCommit::None
                || self.streams_commit_interval_ms.is_some())
    }

    /// Whether the consumer commits automatically: `enable.auto.commit` (default true), but never
    /// without a `group.id` (`ConsumerConfig.maybeOverrideEnableAutoCommit`).
    pub fn auto_commit(&self) -> bool {
        self.group_id.is_some() && self.enable_auto_commit.unwrap_or(true)
    }

    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        if let Some(i) = CLASSIC_ONLY_KEYS.iter().position(|k| *k == key) {
            self.classic_keys_set |= 1 << i;
        }
        match key {
            "group.id" => {
                if value.is_empty() {
                    return Err(ConfigError::InvalidValue(
                        "a non-empty group id (Kafka refuses an empty one with InvalidGroupIdException)"
                            .into(),
                    ));
                }
                self.group_id = Some(value.to_string());
            }
            "group.protocol" => match value.to_ascii_lowercase().as_str() {
                "classic" => self.group_protocol = GroupProtocol::Classic,
                "consumer" => self.group_protocol = GroupProtocol::Consumer,
                _ => return Err(ConfigError::InvalidValue("`classic` or `consumer`".into())),
            },
            "group.remote.assignor" => {
                self.group_remote_assignor =
                    Some(parse_server_assignor(value).ok_or_else(|| {
                        ConfigError::InvalidValue(format!(
                        "a server-side assignor the brokers run: `uniform` or `range` (Kafka's \
                         coordinator answers UNSUPPORTED_ASSIGNOR: \"ServerAssignor {value} is \
                         not supported. Supported assignors: uniform, range.\")"
                    ))
                    })?)
            }
            "partition.assignment.strategy" => {
                let mut list = Vec::new();
                for item in value.split(',').map(str::trim) {
                    let a = parse_assignor(item).ok_or_else(|| {
                        ConfigError::InvalidValue(format!(
                            "assignor classes, e.g. `org.apache.kafka.clients.consumer.RangeAssignor` \
                             (or `RangeAssignor`, `range`); `{item}` is none of Kafka's four"
                        ))
                    })?;
                    if !list.contains(&a) {
                        list.push(a);
                    }
                }
                self.partition_assignment_strategy = list;
            }
            "group.instance.id" => {
                if value.is_empty() {
                    return Err(ConfigError::InvalidValue(
                        "a non-empty group instance id".into(),
                    ));
                }
                self.group_instance_id = Some(value.to_string());
            }
            "session.timeout.ms" => self.session_timeout_ms = parse_int(value, "milliseconds")?,
            "heartbeat.interval.ms" => {
                self.heartbeat_interval_ms = parse_int(value, "milliseconds")?
            }
            "max.poll.interval.ms" => {
                self.max_poll_interval_ms = positive(parse_int(value, "milliseconds")?)?
            }
            "enable.auto.commit" => self.enable_auto_commit = Some(parse_bool(value)?),
            "auto.commit.interval.ms" => {
                self.auto_commit_interval_ms = parse_int(value, "milliseconds")?
            }
            "default.api.timeout.ms" => {
                self.default_api_timeout_ms = parse_int(value, "milliseconds")?
            }
            "sim.processing.time.ms" => {
                // A simulator key: its bound is the simulator's, whatever the number's size.
                let v = value
                    .parse::<u64>()
                    .ok()
                    .filter(|v| *v <= MAX_PROCESSING_TIME_MS);
                self.processing_time_ms = v.ok_or_else(|| {
                    ConfigError::InvalidValue(format!(
                        "at most {MAX_PROCESSING_TIME_MS} milliseconds a record (the simulator's limit)"
                    ))
                })?;
            }
            "sim.commit" => {
                self.commit = match value {
                    "none" => AppCommit::None,
                    "sync" | "commitSync" => AppCommit::Sync,
                    "async" | "commitAsync" => AppCommit::Async,
                    _ => {
                        return Err(ConfigError::InvalidValue(
                            "`none`, `sync` (commitSync) or `async` (commitAsync)".into(),
                        ))
                    }
                }
            }
            "sim.commit.when" => {
                self.commit_before_processing = match value {
                    "after-processing" => false,
                    "before-processing" => true,
                    _ => {
                        return Err(ConfigError::InvalidValue(
                            "`after-processing` (at-least-once) or `before-processing` \
                             (at-most-once)"
                                .into(),
                        ))
                    }
                }
            }
            _ => return Err(ConfigError::UnknownKey),
        }
        Ok(())
    }

    pub fn get(&self, key: &str) -> Option<String> {
        Some(match key {
            "group.id" => self.group_id.clone()?,
            "group.protocol" => match self.group_protocol {
                GroupProtocol::Classic => "classic",
                GroupProtocol::Consumer => "consumer",
            }
            .into(),
            "group.remote.assignor" => self.group_remote_assignor?.name().into(),
            "partition.assignment.strategy" => self
                .partition_assignment_strategy
                .iter()
                .map(|a| assignor_class(*a))
                .collect::<Vec<_>>()
                .join(","),
            "group.instance.id" => self.group_instance_id.clone()?,
            "session.timeout.ms" => self.session_timeout_ms.to_string(),
            "heartbeat.interval.ms" => self.heartbeat_interval_ms.to_string(),
            "max.poll.interval.ms" => self.max_poll_interval_ms.to_string(),
            "enable.auto.commit" => self.enable_auto_commit?.to_string(),
            "auto.commit.interval.ms" => self.auto_commit_interval_ms.to_string(),
            "default.api.timeout.ms" => self.default_api_timeout_ms.to_string(),
            "sim.processing.time.ms" => self.processing_time_ms.to_string(),
            "sim.commit" => self.commit.name().into(),
            "sim.commit.when" => if self.commit_before_processing {
                "before-processing"
            } else {
                "after-processing"
            }
            .into(),
            _ => return None,
        })
    }

    /// Checks across keys, as Kafka's consumer does when it is built: the heartbeat interval
    /// below the session timeout (`Heartbeat`: "Heartbeat must be set lower than the session
    /// timeout"), and no `enable.auto.commit=true` without a group id.
    pub fn check(&self) -> Result<(), String> {
        if self.group_id.is_none() {
            if self.enable_auto_commit == Some(true) {
                return Err(
                    "enable.auto.commit cannot be set to true when default group id (null) is used"
                        .into(),
                );
            }
            if self.group_instance_id.is_some() {
                return Err("group.instance.id needs a group.id".into());
            }
            if self.commit != AppCommit::None {
                return Err(
                    "sim.commit needs a group.id (Kafka: commits need a group id, \
                     InvalidGroupIdException)"
                        .into(),
                );
            }
            if self.processing_time_ms > 0 {
                return Err("sim.processing.time.ms is modelled for group members only".into());
            }
            return Ok(());
        }
        match self.group_protocol {
            GroupProtocol::Consumer => {
                if let Some(i) =
                    (0..CLASSIC_ONLY_KEYS.len()).find(|i| self.classic_keys_set & (1 << i) != 0)
                {
                    return Err(format!(
                        "{} cannot be set when group.protocol=CONSUMER (the coordinator \
                         decides it: group.consumer.* broker settings)",
                        CLASSIC_ONLY_KEYS[i]
                    ));
                }
                return Ok(());
            }
            GroupProtocol::Classic if self.group_remote_assignor.is_some() => {
                return Err(
                    "group.remote.assignor cannot be set when group.protocol=CLASSIC".into(),
                );
            }
            GroupProtocol::Classic => {}
        }
        if self.heartbeat_interval_ms >= self.session_timeout_ms {
            return Err(format!(
                "heartbeat.interval.ms ({}) must be lower than session.timeout.ms ({}) (Kafka: \
                 \"Heartbeat must be set lower than the session timeout\")",
                self.heartbeat_interval_ms, self.session_timeout_ms
            ));
        }
        if self.partition_assignment_strategy.is_empty() {
            return Err("partition.assignment.strategy names no assignor".into());
        }
        Ok(())
    }
}
