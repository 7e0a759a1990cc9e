//! Topics, partitions and replica assignment.
//!
//! Assignment follows Kafka's `AdminUtils.assignReplicasToBrokers` (rack-unaware and rack-aware
//! variants): the first replica of partition `p` is broker `(p + start) % n` of the (rack-alternated)
//! broker list, and followers are shifted by `1 + (shift + j) % (n - 1)`, the shift growing every `n`
//! partitions. Kafka draws `start` and `shift` at random; the simulator uses 0 for both so that a
//! lesson's `orders-0` has replicas `1,2,3`.

use crate::config::{BrokerConfig, TopicConfig};
use crate::msg::PartIdx;
use crate::spec::{BrokerId, ScenarioSpec, TopicPartition, WorkloadSeq};
use serde::Serialize;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopicInfo {
    pub name: String,
    pub partitions: u32,
    pub replication_factor: u32,
    pub config: TopicConfig,
    pub first_part: PartIdx,
    /// `__consumer_offsets`: written by group coordinators, not by producers.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub internal: bool,
    /// The changelog of a Kafka Streams window or session store: its records' keys are windowed
    /// keys (the key and its window), which the log's key model (one key index a record) does
    /// not hold, so the cleaner leaves it alone (docs/what-khafka-models.md).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub windowed_keys: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartInfo {
    pub topic: u32,
    pub partition: u32,
    pub replicas: Vec<BrokerId>,
    pub name: Arc<str>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Topology {
    /// Every broker of the run, those added later (`add broker N`) included.
    pub brokers: u32,
    /// The brokers the cluster starts with (`brokers=` on the cluster line): topics are created
    /// over these; brokers `initial_brokers + 1 ..= brokers` join when an `add broker` action starts
    /// them.
    pub initial_brokers: u32,
    pub racks: Vec<Option<String>>,
    pub config: BrokerConfig,
    pub topics: Vec<TopicInfo>,
    pub parts: Vec<PartInfo>,
    /// What brokers know of each producer's records, by producer index: the bytes of a record's
    /// value and its key set (the log's segment sizes and the cleaner's keys read them; in Kafka
    /// both travel inside the record batch).
    pub producers: Vec<ProducerRecords>,
    /// Each topic's effective log settings, resolved once (every append reads them): kept in step
    /// by [`Topology::set_topic_config`].
    #[serde(skip)]
    logs: Vec<crate::config::LogConfig>,
}

/// The records a producer writes, as far as a broker's log sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProducerRecords {
    /// The producer's name in the scenario (for the trace; a broker knows only its producer id).
    pub name: Arc<str>,
    pub keys: crate::spec::KeySpec,
    /// Bytes of each record's value (0 for tombstones: `value=null`); with `values`, each
    /// record's own ([`ProducerRecords::value_bytes_of`]).
    pub value_bytes: u32,
    /// The set each record's value is drawn from (`values=`; `None`: values are opaque).
    #[serde(skip_serializing_if = "crate::spec::KeySpec::is_none")]
    pub values: crate::spec::KeySpec,
    /// Every record is a tombstone (a null value).
    pub null_value: bool,
    /// When each of its serializer's phases starts (`ProducerSpec::value_phases`), µs; empty
    /// without a serializer.
    pub phase_starts: Vec<u64>,
    /// Its records' timestamps lag their send time (`ProducerSpec::lateness`).
    pub lateness: Option<crate::spec::Lateness>,
    /// A Kafka Streams instance's producer: each record carries the timestamp its topology gave
    /// it (`Provenance::set_timestamp`), not its send time.
    pub explicit_timestamps: bool,
}

impl ProducerRecords {
    /// The serializer phase record `seq`, sent at `sent_us`, was written in (`None`: no
    /// serializer; [`crate::spec::phase_of`]).
    pub fn phase_at(&self, sent_us: u64, seq: WorkloadSeq) -> Option<usize> {
        let s = &self.phase_starts;
        if s.is_empty() {
            return None;
        }
        crate::spec::phase_of(s.len(), |i| s[i], sent_us, Some(seq))
    }

    /// The timestamp (`CreateTime`, ms) of record `seq`, sent at `sent_us`: its send time, or
    /// earlier by the producer's lateness (never before the epoch).
    pub fn timestamp_ms(&self, seq: WorkloadSeq, sent_us: u64) -> u64 {
        let sent_ms = sent_us / 1_000;
        match &self.lateness {
            Some(l) => sent_ms.saturating_sub(l.of(seq)),
            None => sent_ms,
        }
    }

    /// Writes key `i` of this producer's key set into `out` (as `StringSerializer` would write it).
    pub fn write_key(&self, i: u32, out: &mut String) {
        self.keys.write(i, out);
    }

    /// Record `seq`'s value: its index in the producer's `values=` set (`None`: opaque values,
    /// or tombstones).
    pub fn value_of(&self, seq: WorkloadSeq) -> Option<u32> {
        crate::spec::value_index(&self.values, seq)
    }

    /// The bytes of record `seq`'s value.
    pub fn value_bytes_of(&self, seq: WorkloadSeq) -> u32 {
        match self.value_of(seq) {
            Some(v) => self.values.byte_len(v),
            None => self.value_bytes,
        }
    }
}

/// Whether `topic` is the changelog of a Kafka Streams window store (a windowed count's or a
/// stream–stream join's).
#[cfg(feature = "groups")]
fn windowed_changelog(spec: &ScenarioSpec, topic: &str) -> bool {
    // A stream–stream join's window stores key each record by its key, timestamp and sequence
    // number (`WindowKeySchema`, duplicates retained).
    spec.streams.iter().any(|s| {
        (s.windowing.is_some() || s.join.as_ref().is_some_and(|j| j.window.is_some()))
            && s.changelog_topics().iter().any(|c| c == topic)
    })
}

#[cfg(not(feature = "groups"))]
fn windowed_changelog(_: &ScenarioSpec, _: &str) -> bool {
    false
}

/// The rack of each of the first `count` brokers (`broker.rack`): the cluster's rack list dealt
/// out in turn, or none without one.
pub fn broker_racks(spec: &ScenarioSpec, count: u32) -> Vec<Option<String>> {
    let r = &spec.cluster.racks;
    (0..count as usize)
        .map(|i| (!r.is_empty()).then(|| r[i % r.len()].clone()))
        .collect()
}

impl Topology {
    pub fn new(spec: &ScenarioSpec) -> Self {
        let n = spec.cluster.brokers;
        let total = n + spec.added_brokers();
        let racks = broker_racks(spec, total);
        let mut topics = Vec::new();
        let mut parts = Vec::new();
        for (ti, t) in spec.topics.iter().enumerate() {
            let assignment = match &t.assignment {
                Some(a) => a.clone(),
                None => {
                    assign_replicas(n, &racks[..n as usize], t.partitions, t.replication_factor)
                }
            };
            topics.push(TopicInfo {
                name: t.name.clone(),
                partitions: t.partitions,
                replication_factor: t.replication_factor,
                config: t.config.clone(),
                first_part: parts.len() as PartIdx,
                internal: false,
                windowed_keys: windowed_changelog(spec, &t.name),
            });
            for p in 0..t.partitions {
                parts.push(PartInfo {
                    topic: ti as u32,
                    partition: p,
                    replicas: assignment
                        .get(p as usize)
                        .cloned()
                        .unwrap_or_else(|| assignment[p as usize % assignment.len()].clone()),
                    name: format!("{}-{}", t.name, p).into(),
                });
            }
        }
        #[cfg(feature = "groups")]
        crate::coordinator::group::offsets_topic::add_to(
            spec,
            &racks[..n as usize],
            &mut topics,
            &mut parts,
        );
        let logs = topics
            .iter()
            .map(|t| spec.cluster.config.log.resolve(&t.config.log))
            .collect();
        Topology {
            brokers: total,
            initial_brokers: n,
            racks,
            config: spec.cluster.config.clone(),
            logs,
            topics,
            parts,
            producers: spec
                .producers
                .iter()
                .map(|p| ProducerRecords {
                    name: p.name.as_str().into(),
                    keys: p.keys.clone(),
                    value_bytes: if p.null_value { 0 } else { p.record_size },
                    values: p.values.clone(),
                    null_value: p.null_value,
                    phase_starts: p.value_phases.iter().map(|v| v.from.as_us()).collect(),
                    lateness: p.lateness,
                    explicit_timestamps: p.changelog.is_some(),
                })
                .collect(),
        }
    }

    /// A partition's effective log settings (`LogConfig`: the topic's, else the broker's).
    pub fn log_config(&self, part: PartIdx) -> crate::config::LogConfig {
        self.logs[self.parts[part as usize].topic as usize]
    }

    /// Sets a topic's config key at run time (`kafka-configs --alter`), keeping its resolved log
    /// settings in step.
    pub fn set_topic_config(
        &mut self,
        topic: u32,
        key: &str,
        value: &str,
    ) -> Result<(), crate::config::ConfigError> {
        let t = &mut self.topics[topic as usize];
        let r = t.config.set(key, value);
        self.logs[topic as usize] = self.config.log.resolve(&t.config.log);
        r
    }

    /// The partition's name (`orders-0`), shared: cloning it does not allocate.
    pub fn part_name(&self, part: PartIdx) -> Arc<str> {
        self.parts[part as usize].name.clone()
    }

    /// The partition's name, borrowed (no reference-count traffic).
    pub fn part_name_ref(&self, part: PartIdx) -> &Arc<str> {
        &self.parts[part as usize].name
    }

    pub fn part_index(&self, tp: &TopicPartition) -> Option<PartIdx> {
        let t = self.topics.iter().find(|t| t.name == tp.topic)?;
        (tp.partition < t.partitions).then_some(t.first_part + tp.partition)
    }

    pub fn topic_index(&self, name: &str) -> Option<u32> {
        self.topics
            .iter()
            .position(|t| t.name == name)
            .map(|i| i as u32)
    }

    /// Whether `part` belongs to `__consumer_offsets`.
    pub fn is_internal(&self, part: PartIdx) -> bool {
        self.topic_of(part).internal
    }

    /// The `__consumer_offsets` topic, when the scenario has one.
    pub fn offsets_topic(&self) -> Option<&TopicInfo> {
        self.topics.iter().find(|t| t.internal)
    }

    /// The `__consumer_offsets` partition of a group (`GroupCoordinatorService.partitionFor`),
    /// if the topic exists.
    #[cfg(feature = "groups")]
    pub fn offsets_partition(&self, group_id: &str) -> Option<PartIdx> {
        let t = self.offsets_topic()?;
        Some(t.first_part + crate::protocol::group::partition_for(group_id, t.partitions))
    }

    pub fn topic_of(&self, part: PartIdx) -> &TopicInfo {
        &self.topics[self.parts[part as usize].topic as usize]
    }

    /// `min(min.insync.replicas, replication factor)` (Kafka ≥ 3.7 caps it at the replica count).
    pub fn effective_min_isr(&self, part: PartIdx) -> usize {
        let t = self.topic_of(part);
        let min_isr = t
            .config
            .min_insync_replicas
            .unwrap_or(self.config.min_insync_replicas);
        // Kafka 3.7 (KAFKA-15583, with the strict-min-ISR HW rule) caps it at the replica count;
        // before, a min.insync.replicas above the replication factor refused every acks=all write.
        if self.config.hw_rule == crate::config::HwRule::StrictMinIsr {
            min_isr.min(t.replication_factor) as usize
        } else {
            min_isr as usize
        }
    }

    /// The broker's `Partition.effectiveMinIsr`: `min(min.insync.replicas, replicas)` over the
    /// partition's current replica count (a reassignment changes it), under the 3.7 rule.
    pub fn effective_min_isr_for(&self, part: PartIdx, replicas: usize) -> usize {
        let min_isr = self.configured_min_isr(part) as usize;
        if self.config.hw_rule == crate::config::HwRule::StrictMinIsr {
            min_isr.min(replicas)
        } else {
            min_isr
        }
    }

    pub fn configured_min_isr(&self, part: PartIdx) -> u32 {
        self.topic_of(part)
            .config
            .min_insync_replicas
            .unwrap_or(self.config.min_insync_replicas)
    }

    pub fn unclean_enabled(&self, part: PartIdx) -> bool {
        self.topic_of(part)
            .config
            .unclean_leader_election_enable
            .unwrap_or(self.config.unclean_leader_election_enable)
    }
}

/// Kafka's replica assignment with start index and shift 0 (see the module doc).
pub fn assign_replicas(
    brokers: u32,
    racks: &[Option<String>],
    partitions: u32,
    rf: u32,
) -> Vec<Vec<BrokerId>> {
    let n = brokers as usize;
    let rf = rf as usize;
    let rack_aware = racks.iter().all(|r| r.is_some()) && !racks.is_empty();
    let list: Vec<BrokerId> = if rack_aware {
        rack_alternated(racks)
    } else {
        (1..=brokers).collect()
    };
    let rack_of = |b: BrokerId| racks[(b - 1) as usize].clone();
    let num_racks = {
        let mut rs: Vec<_> = racks.iter().flatten().collect();
        crate::kernel::small::sort_by(&mut rs, Ord::cmp);
        rs.dedup();
        rs.len()
    };
    let mut out = Vec::with_capacity(partitions as usize);
    let mut shift = 0usize;
    for p in 0..partitions as usize {
        if p > 0 && p % n == 0 {
            shift += 1;
        }
        let first = p % n;
        let mut replicas = vec![list[first]];
        if !rack_aware {
            for j in 0..rf.saturating_sub(1) {
                let s = 1 + (shift + j) % (n - 1).max(1);
                replicas.push(list[(first + s) % n]);
            }
        } else {
            let mut racks_used = vec![rack_of(list[first])];
            let mut k = 0usize;
            while replicas.len() < rf && k < 4 * n * n {
                let s = 1 + (shift + k) % (n - 1).max(1);
                let b = list[(first + s) % n];
                k += 1;
                let rack = rack_of(b);
                if replicas.contains(&b) {
                    continue;
                }
                if racks_used.contains(&rack) && racks_used.len() < num_racks {
                    continue;
                }
                replicas.push(b);
                racks_used.push(rack);
                if racks_used.len() == num_racks {
                    racks_used.clear();
                }
            }
            // Fall back to any broker not yet used (more replicas than rack diversity allows).
            for b in &list {
                if replicas.len() >= rf {
                    break;
                }
                if !replicas.contains(b) {
                    replicas.push(*b);
                }
            }
        }
        out.push(replicas);
    }
    out
}

/// `getRackAlternatedBrokerList`: one broker from each rack in turn (racks and brokers sorted).
fn rack_alternated(racks: &[Option<String>]) -> Vec<BrokerId> {
    let mut names: Vec<&String> = racks.iter().flatten().collect();
    crate::kernel::small::sort_by(&mut names, Ord::cmp);
    names.dedup();
    let per_rack: Vec<Vec<BrokerId>> = names
        .iter()
        .map(|r| {
            (1..=racks.len() as u32)
                .filter(|b| racks[(*b - 1) as usize].as_ref() == Some(*r))
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while out.len() < racks.len() {
        for rack in &per_rack {
            if let Some(b) = rack.get(i) {
                out.push(*b);
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rack_unaware_matches_kafka_with_zero_start() {
        let a = assign_replicas(3, &[None, None, None], 4, 3);
        assert_eq!(
            a,
            vec![vec![1, 2, 3], vec![2, 3, 1], vec![3, 1, 2], vec![1, 3, 2]]
        );
    }

    #[test]
    fn rack_aware_spreads_racks() {
        let racks = vec![
            Some("a".to_string()),
            Some("a".to_string()),
            Some("b".to_string()),
            Some("b".to_string()),
        ];
        for replicas in assign_replicas(4, &racks, 8, 2) {
            let r0 = &racks[(replicas[0] - 1) as usize];
            let r1 = &racks[(replicas[1] - 1) as usize];
            assert_ne!(r0, r1, "{replicas:?} puts both replicas in one rack");
        }
    }
}
