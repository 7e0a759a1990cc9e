//! Configuration, spelled as Kafka spells it, with Kafka 4.1's defaults.
//!
//! Each config struct knows its keys (`KEYS`, used for "did you mean" hints) and parses a `key=value`
//! pair with [`BrokerConfig::set`] and friends. A few keys are the simulator's own (they start with
//! `sim.` or name a historical behaviour); every such key is listed in `docs/scenario-language.md`.

use serde::{Deserialize, Serialize};

/// Why a `key=value` pair was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// The key is not one this config knows.
    UnknownKey,
    /// The value does not fit the key; the string says what was expected.
    InvalidValue(String),
}

/// The broker keys of the group coordinator (`config/group_config.rs`), written once: `$then!`
/// receives them (the cluster line's full list with the `groups` feature, and the list alone).
macro_rules! broker_group_keys {
    ($then:ident) => {
        $then!(
            "offsets.topic.num.partitions",
            "offsets.topic.replication.factor",
            "group.initial.rebalance.delay.ms",
            "group.min.session.timeout.ms",
            "group.max.session.timeout.ms",
            "offsets.commit.timeout.ms",
            "offsets.retention.minutes",
            "offsets.retention.check.interval.ms",
            "group.consumer.heartbeat.interval.ms",
            "group.consumer.min.heartbeat.interval.ms",
            "group.consumer.max.heartbeat.interval.ms",
            "group.consumer.session.timeout.ms",
            "group.consumer.min.session.timeout.ms",
            "group.consumer.max.session.timeout.ms",
            "group.consumer.assignors",
        )
    };
}

/// The consumer keys of group membership and commits (`config/group_config.rs`), written once.
macro_rules! consumer_group_keys {
    ($then:ident) => {
        $then!(
            "group.id",
            "group.protocol",
            "group.remote.assignor",
            "partition.assignment.strategy",
            "group.instance.id",
            "session.timeout.ms",
            "heartbeat.interval.ms",
            "max.poll.interval.ms",
            "enable.auto.commit",
            "auto.commit.interval.ms",
            "default.api.timeout.ms",
            "sim.processing.time.ms",
            "sim.commit",
            "sim.commit.when",
        )
    };
}

/// A list of keys as a slice.
macro_rules! key_list {
    ($($k:literal,)*) => {
        &[$($k,)*]
    };
}

/// The broker keys of the group coordinator, listed without the `groups` feature too, so that
/// the scenario language can say why it refuses them.
pub const BROKER_GROUP_KEYS: &[&str] = broker_group_keys!(key_list);

/// The consumer keys of group membership and commits, listed without the `groups` feature too.
pub const CONSUMER_GROUP_KEYS: &[&str] = consumer_group_keys!(key_list);

/// A Kafka `long` setting: 0 to 2^63 - 1.
pub(crate) fn parse_u64(value: &str, what: &str) -> Result<u64, ConfigError> {
    parse_bounded(value, what, i64::MAX as u64, "2^63 - 1 (Kafka's long)")
}

/// A Kafka `int` setting held in a `u64`: 0 to 2^31 - 1.
pub(crate) fn parse_int(value: &str, what: &str) -> Result<u64, ConfigError> {
    parse_bounded(value, what, i32::MAX as u64, "2147483647 (Kafka's int)")
}

/// A Kafka `short` setting: 0 to 2^15 - 1.
#[cfg(feature = "groups")]
pub(crate) fn parse_short(value: &str, what: &str) -> Result<u32, ConfigError> {
    parse_bounded(value, what, i16::MAX as u64, "32767 (Kafka's short)").map(|v| v as u32)
}

/// A Kafka `int` setting: 0 to 2^31 - 1.
pub(crate) fn parse_u32(value: &str, what: &str) -> Result<u32, ConfigError> {
    parse_int(value, what).map(|v| v as u32)
}

fn parse_bounded(value: &str, what: &str, max: u64, max_text: &str) -> Result<u64, ConfigError> {
    match value.parse::<u64>() {
        Ok(v) if v <= max => Ok(v),
        Ok(_) => Err(ConfigError::InvalidValue(format!(
            "at most {max_text} ({what})"
        ))),
        Err(_) if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => Err(
            ConfigError::InvalidValue(format!("at most {max_text} ({what})")),
        ),
        Err(_) => Err(ConfigError::InvalidValue(format!(
            "a non-negative integer ({what})"
        ))),
    }
}

pub(crate) fn parse_bool(value: &str) -> Result<bool, ConfigError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ConfigError::InvalidValue("`true` or `false`".into())),
    }
}

/// Which controller the cluster runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ControllerMode {
    /// KRaft (the only mode since Kafka 4.0): heartbeats, fencing after `broker.session.timeout.ms`.
    Kraft,
    /// The ZooKeeper-era controller (Kafka ≤ 3.9): session expiry after `zookeeper.session.timeout.ms`,
    /// and every ISR change bumps the leader epoch.
    Zookeeper,
}

/// How the leader advances the high watermark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HwRule {
    /// Kafka ≥ 3.7 (KAFKA-15583): the HW is frozen while `|ISR| < min(min.insync.replicas, RF)`.
    StrictMinIsr,
    /// Before 3.7: the HW follows the ISR whatever its size.
    Pre37,
}

/// How a follower reconciles its log with a new leader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Truncation {
    /// KIP-101/279/320: truncate by leader epoch (the diverging epoch in the fetch response).
    LeaderEpoch,
    /// Before KIP-101 (Kafka < 0.11): truncate to the local high watermark on becoming a follower.
    HighWatermark,
}

/// Cluster-wide (broker and controller) configuration.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BrokerConfig {
    pub controller: ControllerMode,
    pub hw_rule: HwRule,
    pub truncation: Truncation,
    pub broker_session_timeout_ms: u64,
    pub broker_heartbeat_interval_ms: u64,
    pub zookeeper_session_timeout_ms: u64,
    pub replica_lag_time_max_ms: u64,
    pub replica_fetch_wait_max_ms: u64,
    pub replica_fetch_backoff_ms: u64,
    pub auto_leader_rebalance_enable: bool,
    pub leader_imbalance_check_interval_seconds: u64,
    pub leader_imbalance_per_broker_percentage: u64,
    pub unclean_leader_election_enable: bool,
    pub min_insync_replicas: u32,
    pub default_replication_factor: u32,
    pub num_partitions: u32,
    pub eligible_leader_replicas_enable: bool,
    /// KIP-951 (Kafka 3.7+, Produce v10 and Fetch v16): a NOT_LEADER_OR_FOLLOWER answer names the
    /// partition's current leader and epoch (`CurrentLeader`) and the leader's endpoint. Older
    /// brokers name nobody, so their clients learn the new leader from a metadata refresh. Not a
    /// key of its own: `kafka.version` sets it.
    #[serde(default = "yes")]
    pub current_leader_hints: bool,
    pub replica_high_watermark_checkpoint_interval_ms: u64,
    /// Simulator knob: on a crash that loses unflushed data, records appended less than this long ago
    /// are gone. Kafka leaves flushing to the OS by default (`log.flush.interval.ms` unset); Linux
    /// writes dirty pages back after about 30 s (`vm.dirty_expire_centisecs`).
    pub sim_unflushed_window_ms: u64,
    /// The group coordinator's settings (`config/group_config.rs`).
    #[cfg(feature = "groups")]
    pub group: super::group_config::GroupCoordinatorConfig,
    /// Simulator key: the number of KRaft controllers (`controller.quorum.voters`), `1..=9`; `0`
    /// (the default) keeps the single controller that never fails.
    pub controllers: u32,
    pub controller_quorum_election_timeout_ms: u64,
    pub controller_quorum_fetch_timeout_ms: u64,
    pub controller_quorum_election_backoff_max_ms: u64,
    pub controller_quorum_request_timeout_ms: u64,
    /// The log defaults topics inherit (`log.segment.bytes`, `log.retention.ms`, …).
    #[serde(default)]
    pub log: BrokerLogConfig,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            controller: ControllerMode::Kraft,
            hw_rule: HwRule::StrictMinIsr,
            truncation: Truncation::LeaderEpoch,
            broker_session_timeout_ms: 9_000,
            broker_heartbeat_interval_ms: 2_000,
            zookeeper_session_timeout_ms: 18_000,
            replica_lag_time_max_ms: 30_000,
            replica_fetch_wait_max_ms: 500,
            replica_fetch_backoff_ms: 1_000,
            auto_leader_rebalance_enable: true,
            leader_imbalance_check_interval_seconds: 300,
            leader_imbalance_per_broker_percentage: 10,
            unclean_leader_election_enable: false,
            min_insync_replicas: 1,
            default_replication_factor: 1,
            num_partitions: 1,
            // Kafka 4.1 finalizes `eligible.leader.replicas.version=1` on a newly formatted cluster
            // (`EligibleLeaderReplicasVersion.ELRV_1` bootstraps at `IBP_4_1_IV0`; 4.1's latest
            // production metadata version is `IBP_4_1_IV1`).
            eligible_leader_replicas_enable: true,
            current_leader_hints: true,
            replica_high_watermark_checkpoint_interval_ms: 5_000,
            sim_unflushed_window_ms: 30_000,
            #[cfg(feature = "groups")]
            group: Default::default(),
            controllers: 0,
            // `QuorumConfig`: DEFAULT_QUORUM_ELECTION_TIMEOUT_MS, _FETCH_TIMEOUT_MS,
            // _ELECTION_BACKOFF_MAX_MS, _REQUEST_TIMEOUT_MS.
            controller_quorum_election_timeout_ms: 1_000,
            controller_quorum_fetch_timeout_ms: 2_000,
            controller_quorum_election_backoff_max_ms: 1_000,
            controller_quorum_request_timeout_ms: 2_000,
            log: BrokerLogConfig::default(),
        }
    }
}

/// The cluster line's keys, the group coordinator's (with the `groups` feature) in their place.
macro_rules! broker_keys {
    ($($group:literal,)*) => {
        &[
            "controller",
            "kafka.version",
            "high.watermark.rule",
            "truncation",
            "broker.session.timeout.ms",
            "broker.heartbeat.interval.ms",
            "zookeeper.session.timeout.ms",
            "replica.lag.time.max.ms",
            "replica.fetch.wait.max.ms",
            "replica.fetch.backoff.ms",
            "auto.leader.rebalance.enable",
            "leader.imbalance.check.interval.seconds",
            "leader.imbalance.per.broker.percentage",
            "unclean.leader.election.enable",
            "min.insync.replicas",
            "default.replication.factor",
            "num.partitions",
            "eligible.leader.replicas.enable",
            "replica.high.watermark.checkpoint.interval.ms",
            "sim.unflushed.window.ms",
            $($group,)*
            "controllers",
            "controller.quorum.election.timeout.ms",
            "controller.quorum.fetch.timeout.ms",
            "controller.quorum.election.backoff.max.ms",
            "controller.quorum.request.timeout.ms",
            "log.segment.bytes",
            "log.roll.ms",
            "log.retention.ms",
            "log.retention.bytes",
            "log.cleanup.policy",
            "log.cleaner.delete.retention.ms",
            "log.cleaner.min.compaction.lag.ms",
            "log.cleaner.min.cleanable.ratio",
            "log.retention.check.interval.ms",
            "log.initial.task.delay.ms",
            "log.cleaner.backoff.ms",
            "message.max.bytes",
        ]
    };
}

/// A consumer's keys, its group keys (with the `groups` feature) after them.
macro_rules! consumer_keys {
    ($($group:literal,)*) => {
        &[
            "isolation.level",
            "auto.offset.reset",
            "fetch.max.wait.ms",
            "max.poll.records",
            "request.timeout.ms",
            "metadata.max.age.ms",
            $($group,)*
        ]
    };
}

impl BrokerConfig {
    #[cfg(feature = "groups")]
    pub const KEYS: &'static [&'static str] = broker_group_keys!(broker_keys);
    #[cfg(not(feature = "groups"))]
    pub const KEYS: &'static [&'static str] = broker_keys!();

    /// Most controllers a quorum may have here.
    pub const MAX_CONTROLLERS: u32 = 9;

    /// Applies one `key=value` pair.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        match key {
            "controller" => {
                self.controller = match value {
                    "kraft" => ControllerMode::Kraft,
                    "zookeeper" => ControllerMode::Zookeeper,
                    _ => return Err(ConfigError::InvalidValue("`kraft` or `zookeeper`".into())),
                }
            }
            "kafka.version" => self.apply_version(value)?,
            "high.watermark.rule" => {
                self.hw_rule = match value {
                    "strict-min-isr" => HwRule::StrictMinIsr,
                    "pre-3.7" => HwRule::Pre37,
                    _ => {
                        return Err(ConfigError::InvalidValue(
                            "`strict-min-isr` or `pre-3.7`".into(),
                        ))
                    }
                }
            }
            "truncation" => {
                self.truncation = match value {
                    "leader-epoch" => Truncation::LeaderEpoch,
                    "high-watermark" => Truncation::HighWatermark,
                    _ => {
                        return Err(ConfigError::InvalidValue(
                            "`leader-epoch` or `high-watermark`".into(),
                        ))
                    }
                }
            }
            "broker.session.timeout.ms" => {
                self.broker_session_timeout_ms = positive(parse_int(value, "milliseconds")?)?
            }
            "broker.heartbeat.interval.ms" => {
                self.broker_heartbeat_interval_ms = positive(parse_int(value, "milliseconds")?)?
            }
            "zookeeper.session.timeout.ms" => {
                self.zookeeper_session_timeout_ms = positive(parse_int(value, "milliseconds")?)?
            }
            "replica.lag.time.max.ms" => {
                self.replica_lag_time_max_ms = positive(parse_u64(value, "milliseconds")?)?
            }
            "replica.fetch.wait.max.ms" => {
                self.replica_fetch_wait_max_ms = parse_int(value, "milliseconds")?
            }
            "replica.fetch.backoff.ms" => {
                self.replica_fetch_backoff_ms = parse_int(value, "milliseconds")?
            }
            "auto.leader.rebalance.enable" => {
                self.auto_leader_rebalance_enable = parse_bool(value)?
            }
            "leader.imbalance.check.interval.seconds" => {
                self.leader_imbalance_check_interval_seconds =
                    positive(parse_u64(value, "seconds")?)?
            }
            "leader.imbalance.per.broker.percentage" => {
                self.leader_imbalance_per_broker_percentage = parse_int(value, "percent")?
            }
            "unclean.leader.election.enable" => {
                self.unclean_leader_election_enable = parse_bool(value)?
            }
            "min.insync.replicas" => {
                self.min_insync_replicas = positive32(parse_u32(value, "replicas")?)?
            }
            "default.replication.factor" => {
                self.default_replication_factor = positive32(parse_u32(value, "replicas")?)?
            }
            "num.partitions" => self.num_partitions = positive32(parse_u32(value, "partitions")?)?,
            "eligible.leader.replicas.enable" => {
                self.eligible_leader_replicas_enable = parse_bool(value)?
            }
            "replica.high.watermark.checkpoint.interval.ms" => {
                self.replica_high_watermark_checkpoint_interval_ms =
                    positive(parse_u64(value, "milliseconds")?)?
            }
            "sim.unflushed.window.ms" => {
                // At most an hour: a log keeps its entries' append times as 32-bit µs gaps
                // (`log/unified_log.rs`, `LogEntry`), exact within 71 minutes of the last append.
                self.sim_unflushed_window_ms =
                    parse_bounded(value, "milliseconds", 3_600_000, "3600000 (an hour)")?
            }
            "controllers" => {
                let n = parse_u32(value, "controllers")?;
                if n > Self::MAX_CONTROLLERS {
                    return Err(ConfigError::InvalidValue(format!(
                        "0 (one controller that never fails) or a quorum of 1 to {} controllers",
                        Self::MAX_CONTROLLERS
                    )));
                }
                self.controllers = n;
            }
            "controller.quorum.election.timeout.ms" => {
                self.controller_quorum_election_timeout_ms =
                    positive(parse_int(value, "milliseconds")?)?
            }
            "controller.quorum.fetch.timeout.ms" => {
                self.controller_quorum_fetch_timeout_ms =
                    positive(parse_int(value, "milliseconds")?)?
            }
            "controller.quorum.election.backoff.max.ms" => {
                self.controller_quorum_election_backoff_max_ms = parse_int(value, "milliseconds")?
            }
            "controller.quorum.request.timeout.ms" => {
                self.controller_quorum_request_timeout_ms =
                    positive(parse_int(value, "milliseconds")?)?
            }
            _ if key.starts_with("log.") || key == "message.max.bytes" => {
                return self.log.set(key, value)
            }
            #[cfg(feature = "groups")]
            _ => return self.group.set(key, value),
            #[cfg(not(feature = "groups"))]
            _ => return Err(ConfigError::UnknownKey),
        }
        Ok(())
    }

    /// The value of `key` as `set` reads it (`None` for `kafka.version`, which only sets others,
    /// and for unknown keys): `set(k, get(k))` leaves the config unchanged.
    pub fn get(&self, key: &str) -> Option<String> {
        let b = |v: bool| v.to_string();
        Some(match key {
            "controller" => match self.controller {
                ControllerMode::Kraft => "kraft".into(),
                ControllerMode::Zookeeper => "zookeeper".into(),
            },
            "high.watermark.rule" => match self.hw_rule {
                HwRule::StrictMinIsr => "strict-min-isr".into(),
                HwRule::Pre37 => "pre-3.7".into(),
            },
            "truncation" => match self.truncation {
                Truncation::LeaderEpoch => "leader-epoch".into(),
                Truncation::HighWatermark => "high-watermark".into(),
            },
            "broker.session.timeout.ms" => self.broker_session_timeout_ms.to_string(),
            "broker.heartbeat.interval.ms" => self.broker_heartbeat_interval_ms.to_string(),
            "zookeeper.session.timeout.ms" => self.zookeeper_session_timeout_ms.to_string(),
            "replica.lag.time.max.ms" => self.replica_lag_time_max_ms.to_string(),
            "replica.fetch.wait.max.ms" => self.replica_fetch_wait_max_ms.to_string(),
            "replica.fetch.backoff.ms" => self.replica_fetch_backoff_ms.to_string(),
            "auto.leader.rebalance.enable" => b(self.auto_leader_rebalance_enable),
            "leader.imbalance.check.interval.seconds" => {
                self.leader_imbalance_check_interval_seconds.to_string()
            }
            "leader.imbalance.per.broker.percentage" => {
                self.leader_imbalance_per_broker_percentage.to_string()
            }
            "unclean.leader.election.enable" => b(self.unclean_leader_election_enable),
            "min.insync.replicas" => self.min_insync_replicas.to_string(),
            "default.replication.factor" => self.default_replication_factor.to_string(),
            "num.partitions" => self.num_partitions.to_string(),
            "eligible.leader.replicas.enable" => b(self.eligible_leader_replicas_enable),
            "replica.high.watermark.checkpoint.interval.ms" => self
                .replica_high_watermark_checkpoint_interval_ms
                .to_string(),
            "sim.unflushed.window.ms" => self.sim_unflushed_window_ms.to_string(),
            "controllers" => self.controllers.to_string(),
            "controller.quorum.election.timeout.ms" => {
                self.controller_quorum_election_timeout_ms.to_string()
            }
            "controller.quorum.fetch.timeout.ms" => {
                self.controller_quorum_fetch_timeout_ms.to_string()
            }
            "controller.quorum.election.backoff.max.ms" => {
                self.controller_quorum_election_backoff_max_ms.to_string()
            }
            "controller.quorum.request.timeout.ms" => {
                self.controller_quorum_request_timeout_ms.to_string()
            }
            _ if key.starts_with("log.") || key == "message.max.bytes" => return self.log.get(key),
            #[cfg(feature = "groups")]
            _ => return self.group.get(key),
            #[cfg(not(feature = "groups"))]
            _ => return None,
        })
    }

    /// Sets the behaviours of a Kafka release: `4.1` (default), `3.7`…`4.0`, `3.6` and older (the HW
    /// follows the ISR below min ISR; ZooKeeper controller for ≤ 3.9 unless `controller=kraft` comes
    /// after), `0.10` (and older: truncation to the high watermark, before KIP-101).
    fn apply_version(&mut self, value: &str) -> Result<(), ConfigError> {
        let bad =
            || ConfigError::InvalidValue("a Kafka version such as `4.1`, `3.6` or `0.10`".into());
        let (major, minor) = value.split_once('.').ok_or_else(bad)?;
        let major: u32 = major.parse().map_err(|_| bad())?;
        let minor: u32 = minor
            .split('.')
            .next()
            .and_then(|m| m.parse().ok())
            .ok_or_else(bad)?;
        if major > 4 || (major == 4 && minor > 1) {
            return Err(ConfigError::InvalidValue(
                "a Kafka version up to `4.1` (the newest this simulator models)".into(),
            ));
        }
        let v = (major, minor);
        self.hw_rule = if v >= (3, 7) {
            HwRule::StrictMinIsr
        } else {
            HwRule::Pre37
        };
        self.controller = if v >= (4, 0) {
            ControllerMode::Kraft
        } else {
            ControllerMode::Zookeeper
        };
        self.truncation = if v >= (0, 11) {
            Truncation::LeaderEpoch
        } else {
            Truncation::HighWatermark
        };
        // ELR is on for clusters formatted by 4.1; 4.0 has it behind a feature upgrade (set
        // `eligible.leader.replicas.enable=true` after the version); older releases have none.
        self.eligible_leader_replicas_enable = v >= (4, 1);
        // KIP-951 shipped in 3.7.0 (`ProduceResponse` v10, `FetchResponse` v16).
        self.current_leader_hints = v >= (3, 7);
        Ok(())
    }

    /// The ZooKeeper-era controller runs the cluster (`controller=zookeeper`, or a version up to
    /// 3.9), not KRaft.
    pub fn zookeeper(&self) -> bool {
        self.controller == ControllerMode::Zookeeper
    }

    /// After a cluster's settings are applied: the ZooKeeper controller and the pre-3.7 HW rule
    /// belong to releases without eligible leader replicas, so they turn ELR off unless
    /// `eligible.leader.replicas.enable` was given; then [`Self::check_combination`].
    pub fn settle(&mut self, elr_given: bool) -> Result<(), String> {
        let old_release = self.zookeeper() || self.hw_rule == HwRule::Pre37;
        if old_release && !elr_given {
            self.eligible_leader_replicas_enable = false;
        }
        self.check_combination()
    }

    /// Settings no Kafka release combines, refused with the reason: KIP-966's eligible leader
    /// replicas exist only with the KRaft controller (4.0+) and rely on the strict min-ISR
    /// high-watermark rule (3.7+) to guarantee an ELR member holds everything committed.
    pub fn check_combination(&self) -> Result<(), String> {
        #[cfg(feature = "groups")]
        self.group.check()?;
        if self.controllers > 0 && self.controller == ControllerMode::Zookeeper {
            return Err(
                "a controller quorum (`controllers=`) is KRaft's; the ZooKeeper-era controller is \
                 one broker elected through ZooKeeper: remove `controllers=` or set `controller=kraft`"
                    .into(),
            );
        }
        if !self.eligible_leader_replicas_enable {
            return Ok(());
        }
        if self.hw_rule == HwRule::Pre37 {
            return Err(
                "eligible leader replicas need the strict min-ISR high-watermark rule \
                 (Kafka 3.7+): with `high.watermark.rule=pre-3.7` an ELR member may miss committed \
                 records; set `eligible.leader.replicas.enable=false`"
                    .into(),
            );
        }
        if self.controller == ControllerMode::Zookeeper {
            return Err(
                "eligible leader replicas exist only with the KRaft controller (Kafka \
                 4.0+); set `eligible.leader.replicas.enable=false` or `controller=kraft`"
                    .into(),
            );
        }
        Ok(())
    }
}

fn yes() -> bool {
    true
}

pub(crate) fn positive(v: u64) -> Result<u64, ConfigError> {
    if v == 0 {
        Err(ConfigError::InvalidValue("a value greater than 0".into()))
    } else {
        Ok(v)
    }
}

pub(crate) fn positive32(v: u32) -> Result<u32, ConfigError> {
    if v == 0 {
        Err(ConfigError::InvalidValue("a value greater than 0".into()))
    } else {
        Ok(v)
    }
}

/// Per-topic configuration; `None` inherits the broker default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TopicConfig {
    pub min_insync_replicas: Option<u32>,
    pub unclean_leader_election_enable: Option<bool>,
    /// The log's settings (`LogConfig`): segments, retention and compaction.
    #[serde(default)]
    pub log: TopicLogConfig,
}

impl TopicConfig {
    pub const KEYS: &'static [&'static str] = &[
        "min.insync.replicas",
        "unclean.leader.election.enable",
        "segment.bytes",
        "segment.ms",
        "retention.ms",
        "retention.bytes",
        "cleanup.policy",
        "delete.retention.ms",
        "min.compaction.lag.ms",
        "min.cleanable.dirty.ratio",
        "max.message.bytes",
    ];

    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        match key {
            "min.insync.replicas" => {
                self.min_insync_replicas = Some(positive32(parse_u32(value, "replicas")?)?)
            }
            "unclean.leader.election.enable" => {
                self.unclean_leader_election_enable = Some(parse_bool(value)?)
            }
            _ => return self.log.set(key, value),
        }
        Ok(())
    }
    /// The value of `key` as `set` reads it (`None`: inherited from the broker, or unknown).
    pub fn get(&self, key: &str) -> Option<String> {
        match key {
            "min.insync.replicas" => self.min_insync_replicas.map(|v| v.to_string()),
            "unclean.leader.election.enable" => {
                self.unclean_leader_election_enable.map(|v| v.to_string())
            }
            _ => self.log.get(key),
        }
    }
}

/// Kafka's `cleanup.policy`: `delete` (retention), `compact`, or both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CleanupPolicy {
    pub delete: bool,
    pub compact: bool,
}

impl CleanupPolicy {
    pub const DELETE: CleanupPolicy = CleanupPolicy {
        delete: true,
        compact: false,
    };

    fn parse(value: &str) -> Result<Self, ConfigError> {
        let mut p = CleanupPolicy {
            delete: false,
            compact: false,
        };
        for item in value.split(',') {
            match item.trim() {
                "delete" if !p.delete => p.delete = true,
                "compact" if !p.compact => p.compact = true,
                _ => {
                    return Err(ConfigError::InvalidValue(
                        "`delete`, `compact` or `compact,delete`".into(),
                    ))
                }
            }
        }
        Ok(p)
    }

    pub fn as_str(self) -> &'static str {
        match (self.compact, self.delete) {
            (true, true) => "compact,delete",
            (true, false) => "compact",
            _ => "delete",
        }
    }
}

/// A `min.cleanable.dirty.ratio`: a `DOUBLE` between 0 and 1 (Kafka's
/// `ConfigDef.Range.between(0, 1)`), compared as Kafka compares it (`cleanableRatio >
/// minCleanableRatio`, in doubles). Kept as the double's bits so configs stay `Eq` and `Hash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ratio(u64);

impl Ratio {
    pub const HALF: Ratio = Ratio(0x3FE0_0000_0000_0000);

    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }

    /// Whether `part / total` is above the ratio, as Kafka computes it (`LogToClean`:
    /// `cleanableBytes / totalBytes.toDouble`; 0 / 0 is NaN, above nothing).
    pub fn exceeded_by(self, part: u64, total: u64) -> bool {
        part as f64 / total as f64 > self.get()
    }

    /// Written as Java's `Double.parseDouble` reads it (`0.5`, `.5`, `5e-1`, `0.5d`), any
    /// precision. Parsed by hand: the float parser would add 20 KB to the site's notebook. The
    /// double is exact (one correctly rounded division) for up to 15 significant digits and 22
    /// decimal places, as Java's; past that it is within an ulp of Java's.
    pub fn parse(value: &str) -> Result<Ratio, ConfigError> {
        let bad = || ConfigError::InvalidValue("a ratio between 0 and 1, such as `0.5`".into());
        let v = value.trim();
        let v = v.strip_prefix('+').unwrap_or(v);
        // Java's FloatingDecimal takes a type suffix.
        let v = v.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(v);
        let (mantissa, exp) = match v.find(['e', 'E']) {
            Some(i) => (&v[..i], v[i + 1..].parse::<i32>().map_err(|_| bad())?),
            None => (v, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = || int.bytes().chain(frac.bytes());
        if int.len() + frac.len() == 0 || !digits().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        // value = m × 10^e with m the first 19 significant digits (the rest only sticky).
        let (mut m, mut kept, mut e) = (0u64, 0u32, exp as i64 - frac.len() as i64);
        for b in digits() {
            let d = (b - b'0') as u64;
            if kept < 19 {
                m = m * 10 + d;
                kept += (m > 0) as u32;
            } else {
                e += 1;
            }
        }
        let x = if m == 0 || e < -400 {
            0.0
        } else if e > 1 {
            // At least m × 100: far above 1.
            return Err(bad());
        } else if e >= 0 {
            m as f64 * pow10(e as u32)
        } else if e >= -22 {
            m as f64 / pow10(-e as u32)
        } else {
            m as f64 / pow10(22) / pow10((-e - 22) as u32)
        };
        if !(0.0..=1.0).contains(&x) {
            return Err(bad());
        }
        Ok(Ratio(x.to_bits()))
    }
}

/// 10^n in a double (exact for n ≤ 22), by multiplications: the same bits on every target.
fn pow10(n: u32) -> f64 {
    (0..n).fold(1.0, |p, _| p * 10.0)
}

impl std::fmt::Display for Ratio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Java's Double.toString of the usual ratios: `0.5`, `1.0`, `0.0`.
        let x = self.get();
        if x.fract() == 0.0 {
            write!(f, "{x:.1}")
        } else {
            write!(f, "{x}")
        }
    }
}

/// A signed long (Kafka's `LONG`) at least `min`.
fn parse_long_at_least(value: &str, min: i64, what: &str) -> Result<i64, ConfigError> {
    match value.parse::<i64>() {
        Ok(v) if v >= min => Ok(v),
        Ok(_) => Err(ConfigError::InvalidValue(format!(
            "at least {min} ({what})"
        ))),
        Err(_) => Err(ConfigError::InvalidValue(format!(
            "an integer from {min} to 2^63 - 1 ({what})"
        ))),
    }
}

/// `segment.bytes` and `log.segment.bytes`: at least 1 MiB since Kafka 4.0 (KIP-1030,
/// KAFKA-16368; the topic-level minimum since KAFKA-19080), an `INT`.
const MIN_SEGMENT_BYTES: u64 = 1024 * 1024;

fn parse_segment_bytes(value: &str) -> Result<u64, ConfigError> {
    let v = parse_int(value, "bytes")?;
    if v < MIN_SEGMENT_BYTES {
        return Err(ConfigError::InvalidValue(
            "at least 1048576 (1 MiB, Kafka 4's minimum) (bytes)".into(),
        ));
    }
    Ok(v)
}

/// The per-topic log settings (`LogConfig`'s topic keys); `None` inherits the broker's `log.*`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TopicLogConfig {
    pub segment_bytes: Option<u64>,
    pub segment_ms: Option<u64>,
    pub retention_ms: Option<i64>,
    pub retention_bytes: Option<i64>,
    pub cleanup_policy: Option<CleanupPolicy>,
    pub delete_retention_ms: Option<u64>,
    pub min_compaction_lag_ms: Option<u64>,
    pub min_cleanable_dirty_ratio: Option<Ratio>,
    /// `max.message.bytes`: the largest record batch the topic takes.
    #[serde(default)]
    pub max_message_bytes: Option<u64>,
}

impl TopicLogConfig {
    /// Ranges as `LogConfig.CONFIG` defines them.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        match key {
            "segment.bytes" => self.segment_bytes = Some(parse_segment_bytes(value)?),
            "segment.ms" => self.segment_ms = Some(positive(parse_u64(value, "milliseconds")?)?),
            "retention.ms" => {
                self.retention_ms = Some(parse_long_at_least(
                    value,
                    -1,
                    "milliseconds, -1: no limit",
                )?)
            }
            "retention.bytes" => {
                self.retention_bytes = Some(parse_long_at_least(
                    value,
                    i64::MIN,
                    "bytes, negative: no limit",
                )?)
            }
            "cleanup.policy" => self.cleanup_policy = Some(CleanupPolicy::parse(value)?),
            "delete.retention.ms" => {
                self.delete_retention_ms = Some(parse_u64(value, "milliseconds")?)
            }
            "min.compaction.lag.ms" => {
                self.min_compaction_lag_ms = Some(parse_u64(value, "milliseconds")?)
            }
            "min.cleanable.dirty.ratio" => {
                self.min_cleanable_dirty_ratio = Some(Ratio::parse(value)?)
            }
            // `LogConfig`: an int, at least 0.
            "max.message.bytes" => self.max_message_bytes = Some(parse_int(value, "bytes")?),
            _ => return Err(ConfigError::UnknownKey),
        }
        Ok(())
    }

    pub fn get(&self, key: &str) -> Option<String> {
        match key {
            "segment.bytes" => self.segment_bytes.map(|v| v.to_string()),
            "segment.ms" => self.segment_ms.map(|v| v.to_string()),
            "retention.ms" => self.retention_ms.map(|v| v.to_string()),
            "retention.bytes" => self.retention_bytes.map(|v| v.to_string()),
            "cleanup.policy" => self.cleanup_policy.map(|p| p.as_str().to_string()),
            "delete.retention.ms" => self.delete_retention_ms.map(|v| v.to_string()),
            "min.compaction.lag.ms" => self.min_compaction_lag_ms.map(|v| v.to_string()),
            "min.cleanable.dirty.ratio" => self.min_cleanable_dirty_ratio.map(|r| r.to_string()),
            "max.message.bytes" => self.max_message_bytes.map(|v| v.to_string()),
            _ => None,
        }
    }
}

/// The broker's log defaults (`ServerLogConfigs`, `CleanerConfig`), which topics inherit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BrokerLogConfig {
    /// `log.segment.bytes` (1 GiB).
    pub segment_bytes: u64,
    /// `log.roll.ms` (`log.roll.hours` = 168: 7 days).
    pub roll_ms: u64,
    /// `log.retention.ms` (`log.retention.hours` = 168: 7 days); -1 keeps everything.
    pub retention_ms: i64,
    /// `log.retention.bytes` (-1: no limit).
    pub retention_bytes: i64,
    pub cleanup_policy: CleanupPolicy,
    /// `log.cleaner.delete.retention.ms` (1 day).
    pub delete_retention_ms: u64,
    /// `log.cleaner.min.compaction.lag.ms` (0).
    pub min_compaction_lag_ms: u64,
    /// `log.cleaner.min.cleanable.ratio` (0.5).
    pub min_cleanable_ratio: Ratio,
    /// `log.retention.check.interval.ms` (5 minutes).
    pub retention_check_interval_ms: u64,
    /// `log.initial.task.delay.ms` (30 s, an internal config): the first retention check after
    /// a broker starts.
    pub initial_task_delay_ms: u64,
    /// `log.cleaner.backoff.ms` (15 s).
    pub cleaner_backoff_ms: u64,
    /// `message.max.bytes` (1 MiB and the 12-byte log overhead: 1,048,588): the largest record
    /// batch a topic takes unless its `max.message.bytes` says otherwise.
    #[serde(default = "default_message_max_bytes")]
    pub message_max_bytes: u64,
}

/// `ServerLogConfigs.MAX_MESSAGE_BYTES_DEFAULT`: `1024 * 1024 + Records.LOG_OVERHEAD`.
pub const MESSAGE_MAX_BYTES_DEFAULT: u64 = 1024 * 1024 + 12;

fn default_message_max_bytes() -> u64 {
    MESSAGE_MAX_BYTES_DEFAULT
}

impl Default for BrokerLogConfig {
    fn default() -> Self {
        BrokerLogConfig {
            segment_bytes: 1024 * 1024 * 1024,
            roll_ms: 7 * 24 * 3_600_000,
            retention_ms: 7 * 24 * 3_600_000,
            retention_bytes: -1,
            cleanup_policy: CleanupPolicy::DELETE,
            delete_retention_ms: 24 * 3_600_000,
            min_compaction_lag_ms: 0,
            min_cleanable_ratio: Ratio::HALF,
            retention_check_interval_ms: 300_000,
            initial_task_delay_ms: 30_000,
            cleaner_backoff_ms: 15_000,
            message_max_bytes: MESSAGE_MAX_BYTES_DEFAULT,
        }
    }
}

impl BrokerLogConfig {
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        match key {
            "log.segment.bytes" => self.segment_bytes = parse_segment_bytes(value)?,
            "log.roll.ms" => self.roll_ms = positive(parse_u64(value, "milliseconds")?)?,
            // No validator in `LogConfig`'s definition: any negative value means no limit
            // (`KafkaConfig.logRetentionTimeMillis` returns -1 for it), and 0 is refused
            // ("log.retention.ms must be unlimited (-1) or, greater than or equal to 1").
            "log.retention.ms" => {
                self.retention_ms =
                    parse_long_at_least(value, i64::MIN, "milliseconds, negative: no limit")?
                        .max(-1);
                if self.retention_ms == 0 {
                    return Err(ConfigError::InvalidValue(
                        "unlimited (-1) or at least 1 (Kafka: \"log.retention.ms must be \
                         unlimited (-1) or, greater than or equal to 1\")"
                            .into(),
                    ));
                }
            }
            "log.retention.bytes" => {
                self.retention_bytes =
                    parse_long_at_least(value, i64::MIN, "bytes, negative: no limit")?
            }
            "log.cleanup.policy" => self.cleanup_policy = CleanupPolicy::parse(value)?,
            "log.cleaner.delete.retention.ms" => {
                self.delete_retention_ms = parse_u64(value, "milliseconds")?
            }
            "log.cleaner.min.compaction.lag.ms" => {
                self.min_compaction_lag_ms = parse_u64(value, "milliseconds")?
            }
            "log.cleaner.min.cleanable.ratio" => self.min_cleanable_ratio = Ratio::parse(value)?,
            "log.retention.check.interval.ms" => {
                self.retention_check_interval_ms = positive(parse_u64(value, "milliseconds")?)?
            }
            "log.initial.task.delay.ms" => {
                self.initial_task_delay_ms = parse_u64(value, "milliseconds")?
            }
            "log.cleaner.backoff.ms" => self.cleaner_backoff_ms = parse_u64(value, "milliseconds")?,
            // `ServerLogConfigs`: an int, at least 0.
            "message.max.bytes" => self.message_max_bytes = parse_int(value, "bytes")?,
            _ => return Err(ConfigError::UnknownKey),
        }
        Ok(())
    }

    pub fn get(&self, key: &str) -> Option<String> {
        Some(match key {
            "log.segment.bytes" => self.segment_bytes.to_string(),
            "log.roll.ms" => self.roll_ms.to_string(),
            "log.retention.ms" => self.retention_ms.to_string(),
            "log.retention.bytes" => self.retention_bytes.to_string(),
            "log.cleanup.policy" => self.cleanup_policy.as_str().to_string(),
            "log.cleaner.delete.retention.ms" => self.delete_retention_ms.to_string(),
            "log.cleaner.min.compaction.lag.ms" => self.min_compaction_lag_ms.to_string(),
            "log.cleaner.min.cleanable.ratio" => self.min_cleanable_ratio.to_string(),
            "log.retention.check.interval.ms" => self.retention_check_interval_ms.to_string(),
            "log.initial.task.delay.ms" => self.initial_task_delay_ms.to_string(),
            "log.cleaner.backoff.ms" => self.cleaner_backoff_ms.to_string(),
            "message.max.bytes" => self.message_max_bytes.to_string(),
            _ => return None,
        })
    }

    /// A topic's effective log settings: its own, else these defaults.
    pub fn resolve(&self, t: &TopicLogConfig) -> LogConfig {
        LogConfig {
            segment_bytes: t.segment_bytes.unwrap_or(self.segment_bytes),
            segment_ms: t.segment_ms.unwrap_or(self.roll_ms),
            retention_ms: t.retention_ms.unwrap_or(self.retention_ms),
            retention_bytes: t.retention_bytes.unwrap_or(self.retention_bytes),
            cleanup: t.cleanup_policy.unwrap_or(self.cleanup_policy),
            delete_retention_ms: t.delete_retention_ms.unwrap_or(self.delete_retention_ms),
            min_compaction_lag_ms: t
                .min_compaction_lag_ms
                .unwrap_or(self.min_compaction_lag_ms),
            min_cleanable_ratio: t
                .min_cleanable_dirty_ratio
                .unwrap_or(self.min_cleanable_ratio),
            max_message_bytes: t.max_message_bytes.unwrap_or(self.message_max_bytes),
        }
    }
}

/// A partition's effective log settings (Kafka's `LogConfig` after inheriting broker defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogConfig {
    pub segment_bytes: u64,
    pub segment_ms: u64,
    /// Negative: no time limit.
    pub retention_ms: i64,
    /// Negative: no size limit.
    pub retention_bytes: i64,
    pub cleanup: CleanupPolicy,
    pub delete_retention_ms: u64,
    pub min_compaction_lag_ms: u64,
    pub min_cleanable_ratio: Ratio,
    /// The largest record batch a leader appends (`UnifiedLog.analyzeAndValidateRecords`).
    pub max_message_bytes: u64,
}

/// The producer's `acks`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Acks {
    #[serde(rename = "0")]
    Zero,
    #[serde(rename = "1")]
    One,
    #[serde(rename = "all")]
    All,
}

impl Acks {
    pub fn as_str(self) -> &'static str {
        match self {
            Acks::Zero => "0",
            Acks::One => "1",
            Acks::All => "all",
        }
    }
}

/// `metadata.max.age.ms`'s default, the producer's and the consumer's (5 minutes).
fn default_metadata_max_age_ms() -> u64 {
    300_000
}

/// Producer configuration (`ProducerConfig` in Kafka's client).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProducerConfig {
    pub acks: Acks,
    /// `None` when the scenario did not set it: then idempotence is on unless a conflicting setting
    /// is present (Kafka ≥ 3.0 behaviour).
    pub enable_idempotence: Option<bool>,
    pub retries: u32,
    pub delivery_timeout_ms: u64,
    pub request_timeout_ms: u64,
    pub max_in_flight_requests_per_connection: u32,
    pub linger_ms: u64,
    pub batch_size: u32,
    /// Largest produce request the sender builds (`max.request.size`).
    pub max_request_size: u32,
    pub retry_backoff_ms: u64,
    /// KIP-580 (Kafka 3.7): retries back off exponentially up to this.
    pub retry_backoff_max_ms: u64,
    pub reconnect_backoff_ms: u64,
    pub reconnect_backoff_max_ms: u64,
    /// `metadata.max.age.ms`: metadata is refreshed this long after the last answer even when
    /// nothing asked for it.
    #[serde(default = "default_metadata_max_age_ms")]
    pub metadata_max_age_ms: u64,
    /// How long a connection attempt may take (`socket.connection.setup.timeout.ms`).
    pub socket_connection_setup_timeout_ms: u64,
    pub partitioner_ignore_keys: bool,
    /// KIP-794: the sticky partitioner's next partition is weighted toward shorter queues
    /// (`partitioner.adaptive.partitioning.enable`, on by default).
    pub partitioner_adaptive_partitioning_enable: bool,
    /// `compression.type`: batches shrink by the codec's measured ratio on the wire
    /// (`protocol/wire.rs`).
    pub compression_type: crate::protocol::CompressionType,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            acks: Acks::All,
            enable_idempotence: None,
            retries: i32::MAX as u32,
            delivery_timeout_ms: 120_000,
            request_timeout_ms: 30_000,
            max_in_flight_requests_per_connection: 5,
            // KIP-1030 changed the default from 0 to 5 in Kafka 4.0.
            linger_ms: 5,
            batch_size: 16_384,
            max_request_size: 1_048_576,
            retry_backoff_ms: 100,
            retry_backoff_max_ms: 1_000,
            reconnect_backoff_ms: 50,
            reconnect_backoff_max_ms: 1_000,
            metadata_max_age_ms: default_metadata_max_age_ms(),
            socket_connection_setup_timeout_ms: 10_000,
            partitioner_ignore_keys: false,
            partitioner_adaptive_partitioning_enable: true,
            compression_type: crate::protocol::CompressionType::None,
        }
    }
}

impl ProducerConfig {
    pub const KEYS: &'static [&'static str] = &[
        "acks",
        "enable.idempotence",
        "retries",
        "delivery.timeout.ms",
        "request.timeout.ms",
        "max.in.flight.requests.per.connection",
        "linger.ms",
        "batch.size",
        "max.request.size",
        "retry.backoff.ms",
        "retry.backoff.max.ms",
        "reconnect.backoff.ms",
        "reconnect.backoff.max.ms",
        "metadata.max.age.ms",
        "socket.connection.setup.timeout.ms",
        "partitioner.ignore.keys",
        "partitioner.adaptive.partitioning.enable",
        "compression.type",
    ];

    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        match key {
            "acks" => {
                self.acks = match value {
                    "0" => Acks::Zero,
                    "1" => Acks::One,
                    "all" | "-1" => Acks::All,
                    _ => {
                        return Err(ConfigError::InvalidValue(
                            "`0`, `1`, `all` or `-1` (INVALID_REQUIRED_ACKS)".into(),
                        ))
                    }
                }
            }
            "enable.idempotence" => self.enable_idempotence = Some(parse_bool(value)?),
            "retries" => self.retries = parse_u32(value, "retries")?,
            "delivery.timeout.ms" => {
                self.delivery_timeout_ms = positive(parse_int(value, "milliseconds")?)?
            }
            "request.timeout.ms" => {
                self.request_timeout_ms = positive(parse_int(value, "milliseconds")?)?
            }
            "max.in.flight.requests.per.connection" => {
                self.max_in_flight_requests_per_connection =
                    positive32(parse_u32(value, "requests")?)?
            }
            "linger.ms" => self.linger_ms = parse_u64(value, "milliseconds")?,
            "batch.size" => self.batch_size = parse_u32(value, "bytes")?,
            "max.request.size" => self.max_request_size = positive32(parse_u32(value, "bytes")?)?,
            "retry.backoff.ms" => self.retry_backoff_ms = parse_u64(value, "milliseconds")?,
            "retry.backoff.max.ms" => self.retry_backoff_max_ms = parse_u64(value, "milliseconds")?,
            "reconnect.backoff.ms" => self.reconnect_backoff_ms = parse_u64(value, "milliseconds")?,
            "reconnect.backoff.max.ms" => {
                self.reconnect_backoff_max_ms = parse_u64(value, "milliseconds")?
            }
            "metadata.max.age.ms" => self.metadata_max_age_ms = parse_u64(value, "milliseconds")?,
            "socket.connection.setup.timeout.ms" => {
                self.socket_connection_setup_timeout_ms =
                    positive(parse_u64(value, "milliseconds")?)?
            }
            "partitioner.ignore.keys" => self.partitioner_ignore_keys = parse_bool(value)?,
            "partitioner.adaptive.partitioning.enable" => {
                self.partitioner_adaptive_partitioning_enable = parse_bool(value)?
            }
            "compression.type" => {
                self.compression_type =
                    crate::protocol::CompressionType::parse(value).ok_or_else(|| {
                        ConfigError::InvalidValue(
                            "`none`, `gzip`, `snappy`, `lz4` or `zstd`".into(),
                        )
                    })?
            }
            _ => return Err(ConfigError::UnknownKey),
        }
        Ok(())
    }

    /// The value of `key` as `set` reads it (`None`: `enable.idempotence` left to Kafka's rule, or
    /// an unknown key): `set(k, get(k))` leaves the config unchanged.
    pub fn get(&self, key: &str) -> Option<String> {
        Some(match key {
            "acks" => self.acks.as_str().into(),
            "enable.idempotence" => return self.enable_idempotence.map(|v| v.to_string()),
            "retries" => self.retries.to_string(),
            "delivery.timeout.ms" => self.delivery_timeout_ms.to_string(),
            "request.timeout.ms" => self.request_timeout_ms.to_string(),
            "max.in.flight.requests.per.connection" => {
                self.max_in_flight_requests_per_connection.to_string()
            }
            "linger.ms" => self.linger_ms.to_string(),
            "batch.size" => self.batch_size.to_string(),
            "max.request.size" => self.max_request_size.to_string(),
            "retry.backoff.ms" => self.retry_backoff_ms.to_string(),
            "retry.backoff.max.ms" => self.retry_backoff_max_ms.to_string(),
            "reconnect.backoff.ms" => self.reconnect_backoff_ms.to_string(),
            "reconnect.backoff.max.ms" => self.reconnect_backoff_max_ms.to_string(),
            "metadata.max.age.ms" => self.metadata_max_age_ms.to_string(),
            "socket.connection.setup.timeout.ms" => {
                self.socket_connection_setup_timeout_ms.to_string()
            }
            "partitioner.ignore.keys" => self.partitioner_ignore_keys.to_string(),
            "partitioner.adaptive.partitioning.enable" => {
                self.partitioner_adaptive_partitioning_enable.to_string()
            }
            "compression.type" => self.compression_type.name().into(),
            _ => return None,
        })
    }

    /// Whether the producer is idempotent, as `KafkaProducer` decides it: an explicit setting wins
    /// (and must not conflict); otherwise on unless `acks != all`, `retries == 0` or
    /// `max.in.flight.requests.per.connection > 5`.
    pub fn idempotence(&self) -> Result<bool, String> {
        let conflict = if self.acks != Acks::All {
            Some("acks must be `all`")
        } else if self.retries == 0 {
            Some("retries must be greater than 0")
        } else if self.max_in_flight_requests_per_connection > 5 {
            Some("max.in.flight.requests.per.connection must be at most 5")
        } else {
            None
        };
        match (self.enable_idempotence, conflict) {
            (Some(true), Some(why)) => Err(format!(
                "enable.idempotence=true conflicts with this producer's settings: {why} (ConfigException)"
            )),
            (Some(explicit), _) => Ok(explicit),
            (None, Some(_)) => Ok(false),
            (None, None) => Ok(true),
        }
    }
}

/// `isolation.level` of a consumer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IsolationLevel {
    ReadUncommitted,
    ReadCommitted,
}

/// Where a consumer starts when it has no position (`auto.offset.reset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OffsetReset {
    Earliest,
    Latest,
    /// `none`: no reset; a partition without a committed offset is an error
    /// (`NoOffsetForPartitionException`) and is not fetched.
    None,
}

/// Consumer configuration (a simple consumer assigned every partition of its topic).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConsumerConfig {
    pub isolation_level: IsolationLevel,
    pub auto_offset_reset: OffsetReset,
    pub fetch_max_wait_ms: u64,
    pub max_poll_records: u32,
    pub request_timeout_ms: u64,
    /// `metadata.max.age.ms`, as the producer's.
    #[serde(default = "default_metadata_max_age_ms")]
    pub metadata_max_age_ms: u64,
    /// Assigned partitions by hand (`KafkaConsumer.assign`), none at start: a Kafka Streams restore
    /// consumer. Not a Kafka config; `false`: every partition of the topic.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub manual_assignment: bool,
    /// Group membership and commits (`config/group_config.rs`).
    #[cfg(feature = "groups")]
    pub group: super::group_config::ConsumerGroupConfig,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            isolation_level: IsolationLevel::ReadUncommitted,
            auto_offset_reset: OffsetReset::Latest,
            fetch_max_wait_ms: 500,
            max_poll_records: 500,
            request_timeout_ms: 30_000,
            metadata_max_age_ms: default_metadata_max_age_ms(),
            manual_assignment: false,
            #[cfg(feature = "groups")]
            group: Default::default(),
        }
    }
}

impl ConsumerConfig {
    /// The value of `key` as `set` reads it (`None` for an unknown key).
    pub fn get(&self, key: &str) -> Option<String> {
        Some(match key {
            "isolation.level" => match self.isolation_level {
                IsolationLevel::ReadUncommitted => "read_uncommitted".into(),
                IsolationLevel::ReadCommitted => "read_committed".into(),
            },
            "auto.offset.reset" => match self.auto_offset_reset {
                OffsetReset::Earliest => "earliest".into(),
                OffsetReset::Latest => "latest".into(),
                OffsetReset::None => "none".into(),
            },
            "fetch.max.wait.ms" => self.fetch_max_wait_ms.to_string(),
            "max.poll.records" => self.max_poll_records.to_string(),
            "request.timeout.ms" => self.request_timeout_ms.to_string(),
            "metadata.max.age.ms" => self.metadata_max_age_ms.to_string(),
            #[cfg(feature = "groups")]
            _ => return self.group.get(key),
            #[cfg(not(feature = "groups"))]
            _ => return None,
        })
    }

    #[cfg(feature = "groups")]
    pub const KEYS: &'static [&'static str] = consumer_group_keys!(consumer_keys);
    #[cfg(not(feature = "groups"))]
    pub const KEYS: &'static [&'static str] = consumer_keys!();

    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        match key {
            "isolation.level" => {
                self.isolation_level = match value {
                    "read_uncommitted" => IsolationLevel::ReadUncommitted,
                    "read_committed" => IsolationLevel::ReadCommitted,
                    _ => {
                        return Err(ConfigError::InvalidValue(
                            "`read_uncommitted` or `read_committed`".into(),
                        ))
                    }
                }
            }
            "auto.offset.reset" => {
                self.auto_offset_reset = match value {
                    "earliest" => OffsetReset::Earliest,
                    "latest" => OffsetReset::Latest,
                    "none" => OffsetReset::None,
                    _ => {
                        return Err(ConfigError::InvalidValue(
                            "`earliest`, `latest` or `none` (`by_duration:` is not modelled)"
                                .into(),
                        ))
                    }
                }
            }
            "fetch.max.wait.ms" => self.fetch_max_wait_ms = parse_int(value, "milliseconds")?,
            "max.poll.records" => self.max_poll_records = positive32(parse_u32(value, "records")?)?,
            "request.timeout.ms" => {
                self.request_timeout_ms = positive(parse_int(value, "milliseconds")?)?
            }
            "metadata.max.age.ms" => self.metadata_max_age_ms = parse_u64(value, "milliseconds")?,
            #[cfg(feature = "groups")]
            _ => return self.group.set(key, value),
            #[cfg(not(feature = "groups"))]
            _ => return Err(ConfigError::UnknownKey),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `log.retention.ms`: any negative value means no limit (`KafkaConfig.logRetentionTimeMillis`
    /// returns -1), 0 is refused by `KafkaConfig`'s check, and so is a non-number.
    #[test]
    fn any_negative_log_retention_ms_keeps_everything() {
        let mut c = BrokerLogConfig::default();
        c.set("log.retention.ms", "-5").unwrap();
        assert_eq!(c.retention_ms, -1);
        c.set("log.retention.ms", "60000").unwrap();
        assert_eq!(c.retention_ms, 60_000);
        assert!(c.set("log.retention.ms", "soon").is_err());
        assert!(
            c.set("log.retention.ms", "0").is_err(),
            "KafkaConfig's check"
        );
    }

    /// `min.cleanable.dirty.ratio` is a `DOUBLE` in `[0, 1]`: any precision Java parses, the
    /// same double Java's `Double.parseDouble` gives.
    #[test]
    fn a_cleanable_ratio_is_any_double_between_0_and_1() {
        for (text, x) in [
            ("0.5", 0.5),
            ("0.3333333", 0.3333333),
            ("1", 1.0),
            (".25", 0.25),
            ("1e-1", 0.1),
            ("0.5d", 0.5),
            (" 0.75F ", 0.75),
            ("0.4999996", 0.4999996),
            ("0.1234567890123456", 0.1234567890123456),
            ("0.00000000000000000000000001", 1e-26),
            ("100e-2", 1.0),
            ("0", 0.0),
        ] {
            assert_eq!(Ratio::parse(text).map(Ratio::get), Ok(x), "{text}");
        }
        for text in [
            "1.0000001",
            "-0.1",
            "NaN",
            "inf",
            "",
            "half",
            "2e0",
            "0x1p-1",
            "1e400",
        ] {
            assert!(Ratio::parse(text).is_err(), "{text}");
        }
        assert_eq!(Ratio::HALF.get(), 0.5);
        assert_eq!(Ratio::parse("1").unwrap().to_string(), "1.0");
        assert_eq!(Ratio::parse("0.4999996").unwrap().to_string(), "0.4999996");
    }

    /// Just under a half is below half-dirty: a log exactly half dirty is cleaned, as Kafka's
    /// double comparison says (in millionths, 0.4999996 was 0.5 and it was not).
    #[test]
    fn a_ratio_compares_as_kafkas_doubles() {
        let r = Ratio::parse("0.4999996").unwrap();
        assert!(r.exceeded_by(1, 2));
        assert!(!Ratio::HALF.exceeded_by(1, 2));
        assert!(Ratio::HALF.exceeded_by(500_001, 1_000_000));
        assert!(!Ratio::parse("0").unwrap().exceeded_by(0, 0));
    }

    #[test]
    fn idempotence_defaults_follow_kafka() {
        let mut p = ProducerConfig::default();
        assert_eq!(p.idempotence(), Ok(true));
        p.set("acks", "1").unwrap();
        assert_eq!(p.idempotence(), Ok(false), "silently off on conflict");
        p.set("enable.idempotence", "true").unwrap();
        assert!(
            p.idempotence().is_err(),
            "explicit true with a conflict is an error"
        );
    }

    #[test]
    fn versions_select_behaviours() {
        let mut b = BrokerConfig::default();
        b.set("kafka.version", "3.6").unwrap();
        assert_eq!(b.hw_rule, HwRule::Pre37);
        assert_eq!(b.controller, ControllerMode::Zookeeper);
        b.set("kafka.version", "0.10").unwrap();
        assert_eq!(b.truncation, Truncation::HighWatermark);
        b.set("kafka.version", "4.1").unwrap();
        assert_eq!(
            (b.hw_rule, b.controller, b.truncation),
            (
                HwRule::StrictMinIsr,
                ControllerMode::Kraft,
                Truncation::LeaderEpoch
            )
        );
        assert!(b.set("kafka.version", "5.0").is_err());
        assert_eq!(
            b.set("min.insync.replica", "2"),
            Err(ConfigError::UnknownKey)
        );
    }
}
