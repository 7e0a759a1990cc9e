//! What a run ended with: provenance counts, the state of every partition, producer errors.
//!
//! This is what `expect` lines assert over, what the CLI prints and what `--format json` serializes.

use crate::spec::BrokerId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Per-run counts of what happened to the records producers sent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProvenanceCounts {
    /// Records handed to a producer's `send()`.
    pub sent: u64,
    /// Records whose send completed successfully (for `acks=0`: once written to the socket).
    pub acknowledged: u64,
    /// Records whose send completed with an error (after retries, or a non-retriable error).
    pub failed: u64,
    /// Records neither acknowledged nor failed when the run ended.
    pub pending: u64,
    /// Records present below the high watermark of their partition's final leader.
    pub committed: u64,
    /// Acknowledged records absent from the final leader's log.
    pub lost: u64,
    /// Acknowledged records whose partition ends with no leader: not lost, but unreadable.
    pub unavailable: u64,
    /// Records that appear more than once in the final leader's log (counted once per record).
    pub duplicated: u64,
    /// Records that appear in the final leader's log before a record their producer sent earlier to the
    /// same partition.
    pub reordered: u64,
    /// Distinct records at least one consumer received.
    pub consumed: u64,
    /// Acknowledged records whose first acknowledgement came before a high watermark passed them
    /// (`acks=1`, `acks=0`, while the ISR has followers): the producer was told before the
    /// write was committed. With an ISR of the leader alone the high watermark moves at the
    /// append, so those records count as committed first.
    #[serde(default)]
    pub acked_before_commit: u64,
    /// Records deleted by retention or compaction on some replica after they were written: kept,
    /// then deleted by the topic's policy, so never counted lost (their copies in the final
    /// leader's history still count for duplicated, reordered and committed).
    #[serde(default)]
    pub deleted: u64,
}

/// One replica of a partition at the end of a run (or at a snapshot).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReplicaView {
    pub broker: BrokerId,
    pub log_end_offset: u64,
    pub high_watermark: u64,
    /// `false` if the broker is not running.
    pub online: bool,
    /// Its log start offset (moved by retention, or learned from the leader).
    #[serde(default)]
    pub log_start_offset: u64,
}

/// One partition as `kafka-topics --describe` and the `expect` lines see it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartitionView {
    pub topic: String,
    pub partition: u32,
    /// `None` when the partition is offline (no leader).
    pub leader: Option<BrokerId>,
    pub leader_epoch: u32,
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
    /// Eligible leader replicas (KIP-966); empty unless ELR is enabled.
    pub elr: Vec<BrokerId>,
    /// A reassignment in progress (KIP-455): replicas being added and removed (both in `replicas`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adding: Vec<BrokerId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removing: Vec<BrokerId>,
    /// The leader's high watermark (or the last one known if offline).
    pub high_watermark: u64,
    /// The leader's log end offset (or the last one known if offline).
    pub log_end_offset: u64,
    pub replica_states: Vec<ReplicaView>,
    /// The leader's log start offset (or the last one known if offline).
    #[serde(default)]
    pub log_start_offset: u64,
}

impl PartitionView {
    pub fn name(&self) -> String {
        format!("{}-{}", self.topic, self.partition)
    }

    /// The `kafka-topics --describe` line for this partition.
    pub fn describe_line(&self) -> String {
        let list = |v: &[BrokerId]| {
            v.iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        let leader = match self.leader {
            Some(l) => l.to_string(),
            None => "none".to_string(),
        };
        let mut line = format!(
            "Topic: {}\tPartition: {}\tLeader: {}\tLeaderEpoch: {}\tReplicas: {}\tIsr: {}",
            self.topic,
            self.partition,
            leader,
            self.leader_epoch,
            list(&self.replicas),
            list(&self.isr)
        );
        // TopicCommand prints a reassignment in progress after the ISR.
        if !self.adding.is_empty() {
            line.push_str(&format!("\tAdding Replicas: {}", list(&self.adding)));
        }
        if !self.removing.is_empty() {
            line.push_str(&format!("\tRemoving Replicas: {}", list(&self.removing)));
        }
        if !self.elr.is_empty() {
            line.push_str(&format!("\tElr: {}", list(&self.elr)));
        }
        line
    }
}

/// The end state of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Outcome {
    pub provenance: ProvenanceCounts,
    pub partitions: Vec<PartitionView>,
    /// Errors producers received from brokers or raised themselves, by Kafka error name
    /// (`NOT_ENOUGH_REPLICAS`, `REQUEST_TIMED_OUT`, …), counted per request-partition response.
    pub producer_errors: BTreeMap<String, u64>,
    /// Invariant violations seen during the run (empty in a correct engine).
    pub violations: Vec<String>,
    /// Whether the invariants were checked after every event ([`crate::SimOptions`]); when not,
    /// `violations` is empty because nothing looked, and an expectation on it cannot be evaluated.
    #[serde(default)]
    pub invariants_checked: bool,
    /// Why the run stopped before its end ([`crate::Sim::halted`]), if it did: then no expectation
    /// can be judged.
    #[serde(default)]
    pub halted: Option<String>,
    /// The consumer groups (`view/groups.rs`); none without a `group.id`.
    #[cfg(feature = "groups")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<crate::coordinator::group::GroupView>,
    /// With a controller quorum (`controllers=N`): the active controller at the end, if any, and
    /// the quorum's epoch (the largest a running controller is in).
    #[serde(default)]
    pub quorum: Option<QuorumOutcome>,
    /// Throughput and produce latency over the run so far.
    #[serde(default)]
    pub throughput: ThroughputOutcome,
    /// The latency of each step of the data flow (producer → leader → committed → consumer).
    #[serde(default)]
    pub flow: FlowOutcome,
    /// Records each consumer's value deserializer could not decode (poison pills), by consumer
    /// name; only consumers with a reader schema are listed.
    #[serde(default)]
    pub decode_failures: BTreeMap<String, u64>,
    /// The Schema Registry subjects the producers' value serializers registered under, in order
    /// of first registration (empty without serializers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// Kafka Streams' counts against the truth (`view/streams.rs`); none without a `streams` line.
    #[cfg(feature = "groups")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streams: Option<StreamsOutcome>,
}

/// What `expect` reads of Kafka Streams instances.
#[cfg(feature = "groups")]
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StreamsOutcome {
    /// Keys counted (in the input or the output).
    pub keys: u64,
    /// Records counted twice: over the keys, what the output's last count says beyond the input.
    pub counted_twice: u64,
    /// Records not counted (yet): what the output's last count is missing.
    pub not_counted: u64,
    /// Changelog records the instances read back into their stores.
    pub restored_records: u64,
    /// The count's `dropped-records`: records skipped for a null key or value, and a late
    /// record's skip for each window it was late for.
    pub dropped_records: u64,
    /// Of those, a windowed count's skips of a record for an expired window (one per window).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub late_records: u64,
    /// Windows the output topic holds a result for (a windowed count).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub windows: u64,
    /// Windows whose final result (`onWindowClose`) the output holds more than once.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub final_results_twice: u64,
    /// A join's results with a table value (in the output).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub joined: u64,
    /// Stream records a join found no table value for (as the instances processed them).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unmatched: u64,
    /// Stream records the output holds more than one join result for.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub joined_twice: u64,
    /// Join results whose table value is not the one as of the stream record's time.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub join_mismatches: u64,
    /// A stream–stream join's pairs missing from the output because one of the records came
    /// too late for part of its window.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub join_pairs_missed_late: u64,
    /// A left or outer join's results without a partner (with null for the other side).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub joined_with_null: u64,
    /// Changelog records an instance wrote after it had lost its task to another instance (a
    /// zombie under `at_least_once`: its retried sends land after the new owner's results).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub zombie_writes: u64,
    /// The reference run of a windowed count or a stream–stream join reached the bound on
    /// windowed work: what is judged against it (`counted_twice`, `not_counted`,
    /// `join_mismatches`, `join_pairs_missed_late`) is not known.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reference_capped: bool,
}

#[cfg(feature = "groups")]
pub(crate) fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What the producers achieved: records and bytes acknowledged per second since the first record
/// was sent, and the latency of each acknowledged record from `send()` to its acknowledgement.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ThroughputOutcome {
    /// Records acknowledged per second of simulated time since the first record was sent (rounded
    /// down).
    pub records_per_sec: u64,
    /// Bytes on the wire (batches as sent, compressed) acknowledged per second (rounded down).
    pub bytes_per_sec: u64,
    /// Bytes on the wire of every batch acknowledged.
    pub acked_bytes: u64,
    /// Percentiles of the acknowledged records' latencies (nearest rank), in whole ms rounded
    /// down; `None` before any acknowledgement.
    pub latency_p50_ms: Option<u64>,
    pub latency_p99_ms: Option<u64>,
    pub latency_max_ms: Option<u64>,
}

impl ThroughputOutcome {
    /// From the acknowledged records' latencies (µs), the acknowledged bytes and the time since
    /// the first record was sent.
    pub fn new(
        latencies_us: impl FnOnce(&mut dyn FnMut(u64)),
        acked_bytes: u64,
        acked: u64,
        elapsed_us: u64,
    ) -> Self {
        let mut h = LatencyHistogram::default();
        latencies_us(&mut |us| h.add(us));
        let stats = h.finish();
        let per_sec = |x: u64| (x as u128 * 1_000_000 / elapsed_us.max(1) as u128) as u64;
        ThroughputOutcome {
            records_per_sec: per_sec(acked),
            bytes_per_sec: per_sec(acked_bytes),
            acked_bytes,
            latency_p50_ms: stats.p50_ms,
            latency_p99_ms: stats.p99_ms,
            latency_max_ms: stats.max_ms,
        }
    }
}

/// Nearest-rank percentiles of a set of latencies, in whole ms rounded down; `None` when the set is
/// empty.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LatencyStats {
    /// How many latencies were counted (records that reached both ends of the step).
    pub records: u64,
    pub p50_ms: Option<u64>,
    pub p99_ms: Option<u64>,
    pub max_ms: Option<u64>,
}

/// Counts latencies by whole millisecond: an exact nearest-rank percentile of the rounded-down
/// values, in one pass and without keeping every latency.
#[derive(Clone, Debug)]
pub struct LatencyHistogram {
    dense: Vec<u32>,
    /// Latencies of 4,096 ms and more (few): a sorted vector.
    sparse: crate::kernel::vec_map::VecMap<u64, u64>,
    n: u64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram {
            dense: vec![0; 1 << 12],
            sparse: crate::kernel::vec_map::VecMap::new(),
            n: 0,
        }
    }
}

impl LatencyHistogram {
    pub fn add(&mut self, us: u64) {
        let ms = us / 1_000;
        self.n += 1;
        match self.dense.get_mut(ms as usize) {
            Some(c) => *c += 1,
            None => *self.sparse.get_or_default(ms) += 1,
        }
    }

    pub fn finish(&self) -> LatencyStats {
        let n = self.n;
        let rank = |pct: u64| (pct * n).div_ceil(100).max(1);
        let at_rank = |r: u64| -> Option<u64> {
            if n == 0 {
                return None;
            }
            let mut seen = 0u64;
            for (ms, &c) in self.dense.iter().enumerate() {
                seen += c as u64;
                if seen >= r {
                    return Some(ms as u64);
                }
            }
            for (&ms, &c) in &self.sparse {
                seen += c;
                if seen >= r {
                    return Some(ms);
                }
            }
            None
        };
        LatencyStats {
            records: n,
            p50_ms: at_rank(rank(50)),
            p99_ms: at_rank(rank(99)),
            max_ms: at_rank(n),
        }
    }
}

/// The example data flow, step by step: for every record that made the step, the time it took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FlowOutcome {
    /// From `send()` to the first append on the partition's leader: waiting in the producer's
    /// batch (`linger.ms`), the request on the wire, the leader's queue.
    pub to_leader: LatencyStats,
    /// From that append to the record's commit: followers fetch it and the high watermark passes
    /// it.
    pub replication: LatencyStats,
    /// From the commit to the first consumer that read it (its fetch and the response's trip).
    pub to_consumer: LatencyStats,
    /// From `send()` to the first consumption.
    pub end_to_end: LatencyStats,
}

/// The KRaft quorum at the end of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QuorumOutcome {
    pub active_controller: Option<u32>,
    pub epoch: u32,
}

impl Outcome {
    #[cfg(feature = "groups")]
    pub fn group(&self, group: &str) -> Option<&crate::coordinator::group::GroupView> {
        self.groups.iter().find(|g| g.group == group)
    }

    pub fn partition(&self, topic: &str, partition: u32) -> Option<&PartitionView> {
        self.partitions
            .iter()
            .find(|p| p.topic == topic && p.partition == partition)
    }
}

#[cfg(test)]
mod tests {
    use super::ThroughputOutcome;

    fn of(latencies_us: &[u64], bytes: u64, elapsed_us: u64) -> ThroughputOutcome {
        ThroughputOutcome::new(
            |f| latencies_us.iter().for_each(|&l| f(l)),
            bytes,
            latencies_us.len() as u64,
            elapsed_us,
        )
    }

    #[test]
    fn percentiles_are_nearest_rank_in_whole_ms() {
        // 100 records: 1..=100 ms and a bit. p50 is the 50th (50 ms), p99 the 99th, max the last.
        let l: Vec<u64> = (1..=100u64).map(|ms| ms * 1_000 + 999).collect();
        let t = of(&l, 2_000_000, 2_000_000);
        assert_eq!(t.latency_p50_ms, Some(50));
        assert_eq!(t.latency_p99_ms, Some(99));
        assert_eq!(t.latency_max_ms, Some(100));
        assert_eq!(t.records_per_sec, 50);
        assert_eq!(t.bytes_per_sec, 1_000_000);
        // Beyond the dense range (4 s) the same ranks hold.
        let t = of(&[1_000, 70_000_000, 3_600_000_000], 0, 1);
        assert_eq!(t.latency_p50_ms, Some(70_000));
        assert_eq!(t.latency_max_ms, Some(3_600_000));
        // One record: every percentile is it. None: no percentile, no division by zero.
        assert_eq!(of(&[5_500], 0, 0).latency_p99_ms, Some(5));
        let none = of(&[], 0, 0);
        assert_eq!(none.latency_p50_ms, None);
        assert_eq!(none.records_per_sec, 0);
    }
}
