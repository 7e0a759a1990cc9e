//! End-of-run verdicts and views: provenance counts (lost, duplicated, reordered, unavailable), the
//! `kafka-topics --describe` view, and the [`Outcome`] that `expect` lines assert over.
//!
//! A record is **lost** when it was acknowledged but is absent from the log of its partition's final
//! leader; if the partition ends with no leader its acknowledged records are **unavailable** instead.
//! It is **duplicated** when it appears more than once in that log, and **reordered** when its first
//! copy comes after the first copy of a record its producer sent later to the same partition.

use crate::msg::PartIdx;
use crate::outcome::{Outcome, PartitionView, ProvenanceCounts, ReplicaView};
use crate::sim::Sim;

impl Sim {
    /// The state of one partition, as the controller and its replicas see it now.
    pub fn partition_view(&self, part: PartIdx) -> PartitionView {
        let info = &self.topo.parts[part as usize];
        let st = &self.controller.parts[part as usize];
        let replica_states: Vec<ReplicaView> = info
            .replicas
            .iter()
            .map(|b| {
                let broker = &self.brokers[(b - 1) as usize];
                let r = broker.replicas.get(&part);
                ReplicaView {
                    broker: *b,
                    log_end_offset: r.map_or(0, |r| r.log.log_end_offset()),
                    high_watermark: r.map_or(0, |r| r.log.high_watermark),
                    online: broker.is_running(),
                }
            })
            .collect();
        let source = st
            .leader
            .or(self.controller.last_known_leader[part as usize]);
        let (hw, leo) = source
            .and_then(|l| replica_states.iter().find(|r| r.broker == l))
            .map_or((0, 0), |r| (r.high_watermark, r.log_end_offset));
        PartitionView {
            topic: self.topo.topics[info.topic as usize].name.clone(),
            partition: info.partition,
            leader: st.leader,
            leader_epoch: st.leader_epoch,
            replicas: info.replicas.clone(),
            isr: st.isr.clone(),
            elr: st.elr.clone(),
            high_watermark: hw,
            log_end_offset: leo,
            replica_states,
        }
    }

    /// `kafka-topics --describe` for every topic.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for t in &self.topo.topics {
            let rf = t.replication_factor;
            let cfg = self.topo.topic_of(t.first_part);
            let min_isr = cfg
                .config
                .min_insync_replicas
                .unwrap_or(self.topo.config.min_insync_replicas);
            out.push_str(&format!(
                "Topic: {}\tPartitionCount: {}\tReplicationFactor: {}\tConfigs: min.insync.replicas={}\n",
                t.name, t.partitions, rf, min_isr
            ));
            for p in 0..t.partitions {
                out.push('\t');
                out.push_str(&self.partition_view(t.first_part + p).describe_line());
                out.push('\n');
            }
        }
        out
    }

    /// Provenance counts computed from the current logs (final at the end of a run).
    pub fn provenance_counts(&self) -> ProvenanceCounts {
        let mut c = ProvenanceCounts::default();
        let (copies, reordered, committed) = self.copies_on_leaders();
        let has_leader: Vec<bool> = self
            .controller
            .parts
            .iter()
            .map(|p| p.leader.is_some())
            .collect();
        for (id, info) in self.prov.records.iter().enumerate() {
            c.sent += 1;
            let part = info.part as usize;
            if info.acked_us().is_some() {
                c.acknowledged += 1;
            } else if info.failed.is_some() {
                c.failed += 1;
            } else {
                c.pending += 1;
            }
            if info.consumed_us().is_some() {
                c.consumed += 1;
            }
            let n = copies[id];
            if n > 1 {
                c.duplicated += 1;
            }
            if info.acked_us().is_some() {
                if !has_leader[part] {
                    c.unavailable += 1;
                } else if n == 0 {
                    c.lost += 1;
                }
            }
        }
        c.reordered = reordered;
        c.committed = committed;
        c
    }

    /// How many times each record appears in its partition's current leader log; how many first
    /// copies were overtaken by a later record of the same producer (reordered); how many distinct
    /// records have their first copy below the leader's high watermark (committed). One pass.
    fn copies_on_leaders(&self) -> (Vec<u32>, u64, u64) {
        let mut copies: Vec<u32> = vec![0; self.prov.records.len()];
        let (mut reordered, mut committed) = (0u64, 0u64);
        for (part, st) in self.controller.parts.iter().enumerate() {
            let Some(l) = st.leader else {
                continue;
            };
            let Some(r) = self.brokers[(l - 1) as usize]
                .replicas
                .get(&(part as PartIdx))
            else {
                continue;
            };
            let hw = r.log.high_watermark;
            // Record ids grow in send order, so a first copy below the highest id already seen from
            // the same producer was overtaken.
            let mut max_seen: Vec<u64> = vec![0; self.producers.len()];
            for (offset, rec) in r.log.records().iter().enumerate() {
                let Some(n) = copies.get_mut(rec.record_id as usize) else {
                    continue;
                };
                *n += 1;
                if *n > 1 {
                    continue;
                }
                if (offset as u64) < hw {
                    committed += 1;
                }
                if let Some(m) = self
                    .prov
                    .get(rec.record_id)
                    .and_then(|info| max_seen.get_mut(info.producer as usize))
                {
                    if rec.record_id < *m {
                        reordered += 1;
                    } else {
                        *m = rec.record_id;
                    }
                }
            }
        }
        (copies, reordered, committed)
    }

    /// Up to `limit` records with a given verdict (`lost`, `duplicated` or `unavailable`), oldest first.
    pub fn records_with_verdict(&self, verdict: &str, limit: usize) -> Vec<crate::log::RecordId> {
        let (copies, _, _) = self.copies_on_leaders();
        self.prov
            .records
            .iter()
            .enumerate()
            .filter(|(id, info)| {
                let leader = self.controller.parts[info.part as usize].leader.is_some();
                let acked = info.acked_us().is_some();
                match verdict {
                    "lost" => acked && leader && copies[*id] == 0,
                    "unavailable" => acked && !leader,
                    "duplicated" => copies[*id] > 1,
                    _ => false,
                }
            })
            .map(|(id, _)| id as crate::log::RecordId)
            .take(limit)
            .collect()
    }

    /// Everything `expect` lines and the CLI report.
    pub fn outcome(&self) -> Outcome {
        Outcome {
            provenance: self.provenance_counts(),
            partitions: (0..self.topo.parts.len() as PartIdx)
                .map(|p| self.partition_view(p))
                .collect(),
            producer_errors: self
                .producer_errors
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            violations: self.violations.clone(),
        }
    }
}
