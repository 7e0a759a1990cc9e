//! Metrics under Kafka's own JMX names, sampled as time series a caller can chart.
//!
//! Each sample covers one interval (1 s by default): gauges are read from the state at the end of
//! the interval, rates are counts in the interval divided by its length, latency percentiles are over
//! the produce requests completed in it.

use crate::ctx::Counters;
use serde::Serialize;

/// `(short name, JMX MBean name)` of every series, in display order.
pub const METRICS: &[(&str, &str)] = &[
    (
        "UnderReplicatedPartitions",
        "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions",
    ),
    (
        "OfflinePartitionsCount",
        "kafka.controller:type=KafkaController,name=OfflinePartitionsCount",
    ),
    (
        "ActiveControllerCount",
        "kafka.controller:type=KafkaController,name=ActiveControllerCount",
    ),
    (
        "IsrShrinksPerSec",
        "kafka.server:type=ReplicaManager,name=IsrShrinksPerSec",
    ),
    (
        "IsrExpandsPerSec",
        "kafka.server:type=ReplicaManager,name=IsrExpandsPerSec",
    ),
    (
        "LeaderElectionRateAndTimeMs",
        "kafka.controller:type=ControllerStats,name=LeaderElectionRateAndTimeMs",
    ),
    (
        "UncleanLeaderElectionsPerSec",
        "kafka.controller:type=ControllerStats,name=UncleanLeaderElectionsPerSec",
    ),
    (
        "FailedProduceRequestsPerSec",
        "kafka.server:type=BrokerTopicMetrics,name=FailedProduceRequestsPerSec",
    ),
    (
        "TotalProduceRequestsPerSec",
        "kafka.server:type=BrokerTopicMetrics,name=TotalProduceRequestsPerSec",
    ),
    (
        "ProduceLatencyP50Ms.acks=0",
        "khafka:record latency, send() to acknowledgement (p50, acks=0)",
    ),
    (
        "ProduceLatencyP99Ms.acks=0",
        "khafka:record latency, send() to acknowledgement (p99, acks=0)",
    ),
    (
        "ProduceLatencyP50Ms.acks=1",
        "khafka:record latency, send() to acknowledgement (p50, acks=1)",
    ),
    (
        "ProduceLatencyP99Ms.acks=1",
        "khafka:record latency, send() to acknowledgement (p99, acks=1)",
    ),
    (
        "ProduceLatencyP50Ms.acks=all",
        "khafka:record latency, send() to acknowledgement (p50, acks=all)",
    ),
    (
        "ProduceLatencyP99Ms.acks=all",
        "khafka:record latency, send() to acknowledgement (p99, acks=all)",
    ),
    (
        "RecordsSent",
        "kafka.producer:type=producer-metrics,name=record-send-total",
    ),
    ("RecordsAcknowledged", "khafka:records acknowledged (total)"),
    (
        "RecordsCommitted",
        "khafka:records below the high watermark (total)",
    ),
    (
        "RecordsConsumed",
        "kafka.consumer:type=consumer-fetch-manager-metrics,name=records-consumed-total",
    ),
    (
        "RecordsAckedLost",
        "khafka:acknowledged records absent from their leader's log (lost)",
    ),
    (
        "RecordsUnavailable",
        "khafka:acknowledged records of partitions without a leader",
    ),
    (
        "RecordsDuplicated",
        "khafka:records written more than once in their leader's log",
    ),
    (
        "ConsumerLag",
        "kafka.consumer:type=consumer-fetch-manager-metrics,name=records-lag (sum)",
    ),
    ("IsrSizeMin", "khafka:smallest ISR over all partitions"),
    ("IsrSizeAvg", "khafka:average ISR size"),
    (
        "RecordsAckedPerSec",
        "khafka:records acknowledged per second (throughput)",
    ),
    (
        "BytesAckedPerSec",
        "kafka.producer:type=producer-metrics,name=byte-rate (acknowledged batches, compressed)",
    ),
    (
        "RecordsDeleted",
        "khafka:records deleted by retention, compaction or DeleteRecords on some replica (total)",
    ),
];

/// With a controller quorum, each controller's own `ActiveControllerCount` (1 on the active one),
/// as `ActiveControllerCount.controller=N` (index `N - 1`).
pub const ACTIVE_CONTROLLER_COUNT_OF: [&str; 9] = [
    "ActiveControllerCount.controller=1",
    "ActiveControllerCount.controller=2",
    "ActiveControllerCount.controller=3",
    "ActiveControllerCount.controller=4",
    "ActiveControllerCount.controller=5",
    "ActiveControllerCount.controller=6",
    "ActiveControllerCount.controller=7",
    "ActiveControllerCount.controller=8",
    "ActiveControllerCount.controller=9",
];

/// The gauges the engine reads from its state at each sample.
#[derive(Clone, Debug, Default)]
pub struct Gauges {
    pub under_replicated: u64,
    pub offline: u64,
    pub active_controllers: u64,
    pub records_sent: u64,
    pub records_acknowledged: u64,
    pub records_committed: u64,
    pub records_consumed: u64,
    pub records_lost: u64,
    pub records_unavailable: u64,
    pub records_duplicated: u64,
    /// Records retention or the cleaner deleted on some replica.
    pub records_deleted: u64,
    pub consumer_lag: u64,
    pub isr_min: u64,
    pub isr_avg: f64,
    /// With a quorum: 1 for the active controller, 0 for the others (index `id - 1`).
    pub active_per_controller: Vec<u64>,
    /// Each consumer group's lag as its coordinator has it (`kafka-consumer-groups --describe`'s
    /// LAG, summed over the group's partitions, `Sim::group_lag_total`), in the order the scenario
    /// names the groups; `None` while no partition counts or no coordinator has it loaded.
    pub group_lag: Vec<(String, Option<u64>)>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// Sample times (µs).
    pub time_us: Vec<u64>,
    /// Values per metric (short name), aligned with `time_us`. Latencies are `None`-free: an interval
    /// without completed requests repeats 0.
    pub series: crate::vec_map::VecMap<&'static str, Vec<f64>>,
    /// Lag per consumer group, aligned with `time_us`: the high watermark minus the committed
    /// offset, summed over the partitions of the group's topics that have a committed offset, and
    /// in a group that resets to earliest the high watermark minus the log start offset of those
    /// without one (`Sim::group_lag_total`); `None` (JSON `null`) while nothing counts, or while
    /// its coordinator is failing over. The groups
    /// in the order the scenario names them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_lag: Vec<(String, Vec<Option<f64>>)>,
    /// Whether the run can delete records (`RecordsDeleted`): a compacted topic, retention that
    /// can act before the run ends, a DeleteRecords purge, a scheduled change of retention.
    #[serde(skip)]
    pub may_delete: bool,
}

fn percentile_ms(values: &mut [u64], pct: u64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let rank = ((pct * values.len() as u64).div_ceil(100)).max(1) as usize - 1;
    // The value at that rank in sorted order, without sorting the rest.
    let (_, v, _) = values.select_nth_unstable(rank.min(values.len() - 1));
    *v as f64 / 1_000.0
}

impl Metrics {
    /// Bytes a clone of the samples copies.
    pub(crate) fn clone_bytes(&self) -> u64 {
        ((self.time_us.len()
            + self.series.values().map(Vec::len).sum::<usize>()
            + self
                .group_lag
                .iter()
                .map(|(_, v)| v.len() * 2)
                .sum::<usize>())
            * 8) as u64
    }

    pub fn sample(&mut self, now_us: u64, interval_us: u64, c: &mut Counters, g: &Gauges) {
        let per_sec = |n: u64| n as f64 * 1_000_000.0 / interval_us.max(1) as f64;
        let mut lat = std::mem::take(&mut c.produce_latency_us);
        let values: [f64; 28] = [
            g.under_replicated as f64,
            g.offline as f64,
            g.active_controllers as f64,
            per_sec(c.isr_shrinks),
            per_sec(c.isr_expands),
            per_sec(c.leader_elections),
            per_sec(c.unclean_elections),
            per_sec(c.failed_produce_requests),
            per_sec(c.produce_requests),
            percentile_ms(&mut lat[0], 50),
            percentile_ms(&mut lat[0], 99),
            percentile_ms(&mut lat[1], 50),
            percentile_ms(&mut lat[1], 99),
            percentile_ms(&mut lat[2], 50),
            percentile_ms(&mut lat[2], 99),
            g.records_sent as f64,
            g.records_acknowledged as f64,
            g.records_committed as f64,
            g.records_consumed as f64,
            g.records_lost as f64,
            g.records_unavailable as f64,
            g.records_duplicated as f64,
            g.consumer_lag as f64,
            g.isr_min as f64,
            g.isr_avg,
            per_sec(c.acked_records),
            per_sec(c.acked_bytes),
            g.records_deleted as f64,
        ];
        self.time_us.push(now_us);
        for ((name, _), v) in METRICS.iter().zip(values) {
            self.series.get_or_default(name).push(v);
        }
        for (name, v) in ACTIVE_CONTROLLER_COUNT_OF
            .iter()
            .zip(&g.active_per_controller)
        {
            self.series.get_or_default(name).push(*v as f64);
        }
        for (group, lag) in &g.group_lag {
            let i = match self.group_lag.iter().position(|(n, _)| n == group) {
                Some(i) => i,
                None => {
                    // Samples before the group was seen: none.
                    let before = vec![None; self.time_us.len() - 1];
                    self.group_lag.push((group.clone(), before));
                    self.group_lag.len() - 1
                }
            };
            self.group_lag[i].1.push(lag.map(|l| l as f64));
        }
        for (_, v) in &mut self.group_lag {
            v.resize(self.time_us.len(), None);
        }
        *c = Counters::default();
    }

    /// One group's lag series (see [`Metrics::group_lag`]).
    pub fn group_lag(&self, group: &str) -> Option<&[Option<f64>]> {
        self.group_lag
            .iter()
            .find(|(n, _)| n == group)
            .map(|(_, v)| v.as_slice())
    }

    /// The last value of a series, if any sample was taken.
    pub fn last(&self, name: &str) -> Option<f64> {
        self.series.get(&name).and_then(|v| v.last().copied())
    }
}
