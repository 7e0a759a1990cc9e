//! End-of-run verdicts and views: provenance counts (lost, duplicated, reordered, unavailable), the
//! `kafka-topics --describe` view, and the [`Outcome`] that `expect` lines assert over.
//!
//! A record is **lost** when it was acknowledged but is absent from the log of its partition's final
//! leader; if the partition ends with no leader its acknowledged records are **unavailable** instead.
//! It is **duplicated** when it appears more than once in that log, and **reordered** when its first
//! copy comes after the first copy of a record its producer sent later to the same partition.
//!
//! "The final leader" is [`Sim::verdict_source`]: the leader while it runs. While a dead leader waits
//! to be fenced (the controller still names it), the verdicts read the replica the controller's
//! election will then pick (an in-sync replica, else an eligible one, else the last known leader, or
//! with unclean election any live replica), so a record held by a replica that can still be elected
//! cleanly is never called lost; with no such replica the partition's acknowledged records are
//! unavailable, as for a partition without a leader.

use crate::chunked::ChunkVec;
use crate::log::RecordId;
use crate::msg::{PartIdx, PartitionState};
use crate::outcome::{Outcome, PartitionView, ProvenanceCounts, ReplicaView};
use crate::sim::Sim;
use crate::spec::BrokerId;

/// What has been counted of each partition's leader log, so the verdict counts of a long run cost
/// only the records appended since the last count. Logs only grow between truncations and leader
/// changes; either resets the partition's count. Kept inside [`crate::provenance::Provenance`], so
/// checkpoints carry it (its big table shares storage between clones).
#[derive(Clone, Debug, Default)]
pub(crate) struct LeaderScan {
    /// Per record, one word: its copies in its partition's leader log as counted (low 8 bits,
    /// saturating), whether it was acknowledged ([`ACKED`]) and its producer (from bit 9). Four bytes
    /// instead of the record's 64-byte story, so a count walks little memory.
    meta: ChunkVec<u32>,
    parts: Vec<PartScan>,
    /// Per partition: acknowledged records deleted by retention or compaction (never lost, present
    /// or not; kept apart from the scans, which restart on a leader change).
    deleted_acked: Vec<u64>,
}

const COPIES: u32 = 0xff;
const ACKED: u32 = 1 << 8;
/// Deleted by retention or compaction on some replica (`Provenance::mark_deleted`).
const DELETED: u32 = 1 << 9;
const PRODUCER_SHIFT: u32 = 10;

#[derive(Clone, Debug, Default)]
struct PartScan {
    /// The broker whose log was counted, and that log's truncation count then.
    leader: Option<BrokerId>,
    truncations: u64,
    /// Offsets `[0, scanned)` of that log are counted.
    scanned: u64,
    /// Acknowledged records with at least one copy, not deleted.
    acked_present: u64,
    /// Records with two copies or more.
    duplicated: u64,
    /// First copies overtaken by a later record of the same producer.
    reordered: u64,
    /// Offsets holding something other than a record's first copy (ascending).
    not_first: Vec<u64>,
    /// Per producer: the highest record id counted.
    max_seen: Vec<RecordId>,
    /// Offset ranges `[from, to)` of the counted log that hold no record (before the history of a
    /// follower that truncated fully, gaps of a copied cleaned log), ascending.
    gaps: Vec<(u64, u64)>,
    /// The offset after the last record counted.
    next: u64,
}

impl PartScan {
    fn reset(&mut self, leader: Option<BrokerId>, truncations: u64) {
        *self = PartScan {
            leader,
            truncations,
            ..PartScan::default()
        };
    }
}

impl LeaderScan {
    pub(crate) fn clone_bytes(&self) -> u64 {
        self.meta.clone_bytes() + std::mem::size_of::<Self>() as u64
    }

    /// A record was sent (records are numbered in send order).
    pub(crate) fn sent(&mut self, producer: u32) {
        self.meta.push(producer << PRODUCER_SHIFT);
    }

    /// Copies of a record in its partition's leader log, as counted.
    pub(crate) fn copies_of(&self, id: RecordId) -> u8 {
        self.meta.get(id as usize).map_or(0, |m| (m & COPIES) as u8)
    }

    /// A record was acknowledged: if its copy was already counted it is now acknowledged and present.
    pub(crate) fn acked(&mut self, id: RecordId, part: usize) {
        let Some(m) = self.meta.get_mut(id as usize) else {
            return;
        };
        *m |= ACKED;
        if *m & DELETED != 0 {
            add_at(&mut self.deleted_acked, part);
        } else if *m & COPIES > 0 {
            if let Some(p) = self.parts.get_mut(part) {
                p.acked_present += 1;
            }
        }
    }

    /// A record was deleted by retention or compaction (once): an acknowledged one counts as
    /// deleted, not as present or lost.
    pub(crate) fn deleted(&mut self, id: RecordId, part: usize) {
        let Some(m) = self.meta.get_mut(id as usize) else {
            return;
        };
        *m |= DELETED;
        if *m & ACKED != 0 {
            add_at(&mut self.deleted_acked, part);
            if *m & COPIES > 0 {
                if let Some(p) = self.parts.get_mut(part) {
                    p.acked_present -= 1;
                }
            }
        }
    }
}

fn add_at(v: &mut Vec<u64>, i: usize) {
    if v.len() <= i {
        v.resize(i + 1, 0);
    }
    v[i] += 1;
}

impl Sim {
    /// The state of one partition, as the controller and its replicas see it now.
    pub fn partition_view(&self, part: PartIdx) -> PartitionView {
        let info = &self.topo.parts[part as usize];
        let st = &self.controller.parts[part as usize];
        // The replicas as the controller has them now (a reassignment changes them).
        let replica_states: Vec<ReplicaView> = st
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
                    log_start_offset: r.map_or(0, |r| r.log.log_start_offset()),
                }
            })
            .collect();
        let source = st
            .leader
            .or(self.controller.last_known_leader[part as usize]);
        let (hw, leo, log_start) = source
            .and_then(|l| replica_states.iter().find(|r| r.broker == l))
            .map_or((0, 0, 0), |r| {
                (r.high_watermark, r.log_end_offset, r.log_start_offset)
            });
        PartitionView {
            topic: self.topo.topics[info.topic as usize].name.clone(),
            partition: info.partition,
            leader: st.leader,
            leader_epoch: st.leader_epoch,
            replicas: st.replicas.clone(),
            isr: st.isr.clone(),
            elr: st.elr.clone(),
            adding: st.adding.clone(),
            removing: st.removing.clone(),
            high_watermark: hw,
            log_end_offset: leo,
            replica_states,
            log_start_offset: log_start,
        }
    }

    /// `kafka-topics --describe` for every topic.
    pub fn describe(&self) -> String {
        self.describe_topics(false)
    }

    /// [`Self::describe`], without `__consumer_offsets` when `exclude_internal`
    /// (`--exclude-internal`).
    pub fn describe_topics(&self, exclude_internal: bool) -> String {
        let mut out = String::new();
        for t in self
            .topo
            .topics
            .iter()
            .filter(|t| !(exclude_internal && t.internal))
        {
            let rf = t.replication_factor;
            let cfg = self.topo.topic_of(t.first_part);
            let min_isr = cfg
                .config
                .min_insync_replicas
                .unwrap_or(self.topo.config.min_insync_replicas);
            out.push_str(&format!(
                "Topic: {}\tPartitionCount: {}\tReplicationFactor: {}\tConfigs: min.insync.replicas={}",
                t.name, t.partitions, rf, min_isr
            ));
            // The topic's own log settings, as `kafka-topics --describe` lists a topic's
            // overrides.
            for key in [
                "cleanup.policy",
                "delete.retention.ms",
                "min.cleanable.dirty.ratio",
                "min.compaction.lag.ms",
                "retention.bytes",
                "retention.ms",
                "segment.bytes",
                "segment.ms",
            ] {
                if let Some(v) = cfg.config.log.get(key) {
                    out.push_str(&format!(",{key}={v}"));
                }
            }
            out.push('\n');
            for p in 0..t.partitions {
                out.push('\t');
                out.push_str(&self.partition_view(t.first_part + p).describe_line());
                out.push('\n');
            }
        }
        out
    }

    /// The replica whose log the verdicts read for `part` (see the module doc): the leader while it
    /// runs; while a dead leader is not yet fenced, the replica the controller's election will pick then;
    /// `None` when the partition has, or is about to have, no leader.
    pub fn verdict_source(&self, part: PartIdx) -> Option<BrokerId> {
        let st = &self.controller.parts[part as usize];
        let leader = st.leader?;
        let runs = |b: BrokerId| self.brokers[(b - 1) as usize].is_running();
        if runs(leader) {
            return Some(leader);
        }
        // The partition as fencing the dead leader will leave it, then the controller's own
        // election over it, with the brokers running now.
        let elr_on = self.topo.config.eligible_leader_replicas_enable;
        let min_isr = self.topo.effective_min_isr(part);
        let (isr, elr) = crate::controller::isr_after_fencing(st, leader, elr_on, min_isr);
        let target = PartitionState {
            isr,
            elr,
            ..st.clone()
        };
        let active = |b: BrokerId| b != leader && runs(b) && self.controller.is_active(b);
        crate::controller::elect_leader(&crate::controller::ElectionInput {
            target: &target,
            is_active: &active,
            elr_enabled: elr_on,
            unclean_enabled: self.topo.unclean_enabled(part),
            last_known_leader: self.controller.last_known_leader[part as usize],
        })
        .0
    }

    /// The highest high watermark a replica of `part` holds, a crashed leader's included: below
    /// it, a record whose batch a leader's high watermark passed is committed, although the new
    /// leader's own high watermark may not have caught up with it yet (it does at its followers'
    /// next fetches).
    pub(crate) fn highest_hw(&self, part: PartIdx) -> u64 {
        // Every broker hosting a replica: a reassigned-away one included until it deletes it.
        self.brokers
            .iter()
            .filter_map(|b| b.replicas.get(&part))
            .map(|r| r.log.high_watermark)
            .max()
            .unwrap_or(0)
    }

    /// Whether the copy at `offset` of stored batch `copy` in `log`, a replica of `part`, is
    /// committed: below the log's high watermark, or below the highest high watermark a replica
    /// of `part` holds (`top`, [`Sim::highest_hw`]) and passed by a leader's high watermark.
    pub(crate) fn copy_is_committed(
        &self,
        log: &crate::log::Log,
        top: u64,
        offset: u64,
        copy: crate::log::BatchId,
    ) -> bool {
        offset < log.high_watermark || (offset < top && self.prov.copy_committed(copy))
    }

    /// The verdict source of `part` now and its log (`None` log: no replica).
    fn leader_log(&self, part: usize) -> (Option<BrokerId>, Option<&crate::log::Log>) {
        let leader = self.verdict_source(part as PartIdx);
        let log = leader.and_then(|l| {
            self.brokers[(l - 1) as usize]
                .replicas
                .get(&(part as PartIdx))
                .map(|r| &r.log)
        });
        (leader, log)
    }

    /// Whether the count of `part` covers its current leader's whole log.
    fn scan_is_current(&self, part: usize) -> bool {
        let Some(ps) = self.prov.scan.parts.get(part) else {
            return false;
        };
        let (leader, log) = self.leader_log(part);
        ps.leader == leader
            && ps.truncations == log.map_or(0, |l| l.truncations)
            && ps.scanned == log.map_or(0, |l| l.log_end_offset())
    }

    /// Brings the counts of the leaders' logs up to date: appended records are counted; a partition
    /// whose leader changed or whose leader log was truncated is counted again from its start.
    /// Runs at the end of every [`Sim::run_until`]; cheap when little changed.
    pub(crate) fn refresh_verdicts(&mut self) {
        let n_parts = self.controller.parts.len();
        let n_producers = self.producers.len();
        let mut scan = std::mem::take(&mut self.prov.scan);
        if scan.parts.len() < n_parts {
            scan.parts.resize_with(n_parts, PartScan::default);
        }
        // Partitions to count again. Their old copies are uncounted by walking the old log when it
        // is intact, else by one pass over every record.
        let mut stale = vec![false; n_parts];
        let mut sweep_all = false;
        for (part, is_stale) in stale.iter_mut().enumerate() {
            let (leader, log) = self.leader_log(part);
            let ps = &scan.parts[part];
            let truncations = log.map_or(0, |l| l.truncations);
            if ps.leader == leader && ps.truncations == truncations {
                continue;
            }
            *is_stale = true;
            if ps.scanned == 0 {
                continue;
            }
            let old = ps.leader.and_then(|l| {
                self.brokers[(l - 1) as usize]
                    .replicas
                    .get(&(part as PartIdx))
                    .map(|r| &r.log)
            });
            match old {
                Some(old)
                    if old.truncations == ps.truncations && old.log_end_offset() >= ps.scanned =>
                {
                    old.for_each_record_id(0, ps.scanned, &self.batches, |_, id| {
                        if let Some(m) = scan.meta.get_mut(id as usize) {
                            *m &= !COPIES;
                        }
                    });
                }
                _ => sweep_all = true,
            }
        }
        if sweep_all {
            for (id, info) in self.prov.briefs() {
                let id = id as usize;
                if stale[info.part as usize] && scan.meta.get(id).is_some_and(|m| m & COPIES > 0) {
                    if let Some(m) = scan.meta.get_mut(id) {
                        *m &= !COPIES;
                    }
                }
            }
        }
        for (part, is_stale) in stale.iter().enumerate() {
            let (leader, log) = self.leader_log(part);
            let ps = &mut scan.parts[part];
            if *is_stale {
                ps.reset(leader, log.map_or(0, |l| l.truncations));
            }
            if ps.max_seen.len() < n_producers {
                ps.max_seen.resize(n_producers, 0);
            }
            let Some(log) = log else {
                continue;
            };
            let end = log.log_end_offset();
            if self.topo.is_internal(part as PartIdx) {
                // `__consumer_offsets` holds coordinator records, not producers' records.
                ps.scanned = end;
                continue;
            }
            ps.next = ps.next.max(ps.scanned);
            log.for_each_record_id(ps.scanned, end, &self.batches, |offset, id| {
                if offset > ps.next {
                    ps.gaps.push((ps.next, offset));
                }
                ps.next = offset + 1;
                let Some(m) = scan.meta.get_mut(id as usize) else {
                    ps.not_first.push(offset);
                    return;
                };
                let before = *m & COPIES;
                if before < COPIES {
                    *m += 1;
                }
                if before > 0 {
                    if before == 1 {
                        ps.duplicated += 1;
                    }
                    ps.not_first.push(offset);
                    return;
                }
                if *m & ACKED != 0 && *m & DELETED == 0 {
                    ps.acked_present += 1;
                }
                if let Some(max) = ps.max_seen.get_mut((*m >> PRODUCER_SHIFT) as usize) {
                    if id < *max {
                        ps.reordered += 1;
                    } else {
                        *max = id;
                    }
                }
            });
            if ps.next < end {
                ps.gaps.push((ps.next, end));
                ps.next = end;
            }
            ps.scanned = end;
        }
        self.prov.scan = scan;
    }

    /// Provenance counts of the current logs (final at the end of a run). Uses the running counts
    /// when they are current — always after [`Sim::run_until`] — and counts from scratch otherwise.
    pub fn provenance_counts(&self) -> ProvenanceCounts {
        self.provenance_counts_running()
            .unwrap_or_else(|| self.provenance_counts_recomputed())
    }

    /// The running counts, or `None` if events ran since they were brought up to date.
    pub fn provenance_counts_running(&self) -> Option<ProvenanceCounts> {
        let n_parts = self.controller.parts.len();
        if self.prov.scan.meta.len() != self.prov.len()
            || !(0..n_parts).all(|p| self.scan_is_current(p))
        {
            return None;
        }
        let sent = self.prov.len() as u64;
        let acknowledged: u64 = self.prov.acked_by_part.iter().sum();
        let mut c = ProvenanceCounts {
            sent,
            acknowledged,
            failed: self.prov.failed,
            pending: sent - acknowledged - self.prov.failed,
            consumed: self.prov.consumed,
            acked_before_commit: self.prov.acked_before_commit,
            deleted: self.prov.deleted,
            ..ProvenanceCounts::default()
        };
        for (part, ps) in self.prov.scan.parts.iter().enumerate() {
            let acked = self.prov.acked_by_part.get(part).copied().unwrap_or(0);
            c.duplicated += ps.duplicated;
            c.reordered += ps.reordered;
            let (leader, log) = self.leader_log(part);
            if leader.is_none() {
                c.unavailable += acked;
                continue;
            }
            let deleted = self.prov.scan.deleted_acked.get(part).copied().unwrap_or(0);
            c.lost += acked - ps.acked_present - deleted;
            if self.topo.is_internal(part as PartIdx) {
                continue;
            }
            let hw = log.map_or(0, |l| l.high_watermark).min(ps.scanned);
            let absent: u64 = ps
                .gaps
                .iter()
                .map(|&(from, to)| to.min(hw).saturating_sub(from))
                .sum();
            c.committed += hw - ps.not_first.partition_point(|o| *o < hw) as u64 - absent;
            // Above the source's high watermark, up to the highest a replica holds: the first
            // copies of batches a leader's high watermark passed (just after a leader change).
            let top = self.highest_hw(part as PartIdx).min(ps.scanned);
            if let (Some(log), true) = (log, top > hw) {
                // (`records_in` yields no offset of a gap.)
                c.committed += log
                    .records_with_batch_in(hw, top, &self.batches)
                    .filter(|(o, copy, _)| {
                        ps.not_first.binary_search(o).is_err() && self.prov.copy_committed(*copy)
                    })
                    .count() as u64;
            }
        }
        Some(c)
    }

    /// [`Sim::provenance_counts`] counted from scratch over every record (what the running counts must
    /// always equal; tests compare the two).
    pub fn provenance_counts_recomputed(&self) -> ProvenanceCounts {
        let mut c = ProvenanceCounts::default();
        let (copies, reordered, committed) = self.copies_on_leaders();
        let has_leader: Vec<bool> = (0..self.controller.parts.len() as PartIdx)
            .map(|p| self.verdict_source(p).is_some())
            .collect();
        for (id, info) in self.prov.briefs() {
            c.sent += 1;
            let part = info.part as usize;
            if info.acked {
                c.acknowledged += 1;
            } else if info.failed {
                c.failed += 1;
            } else {
                c.pending += 1;
            }
            if info.consumed {
                c.consumed += 1;
            }
            let deleted = self.prov.is_deleted(id);
            if deleted {
                c.deleted += 1;
            }
            let n = copies[id as usize];
            if n > 1 {
                c.duplicated += 1;
            }
            if info.acked {
                if !has_leader[part] {
                    c.unavailable += 1;
                } else if n == 0 && !deleted {
                    c.lost += 1;
                }
            }
        }
        c.reordered = reordered;
        c.committed = committed;
        c.acked_before_commit = self.prov.acked_before_commit_recounted();
        c
    }

    /// How many times each record appears in its partition's current leader log; how many first
    /// copies were overtaken by a later record of the same producer (reordered); how many distinct
    /// records have their first copy below the leader's high watermark (committed). One pass.
    fn copies_on_leaders(&self) -> (Vec<u32>, u64, u64) {
        let mut copies: Vec<u32> = vec![0; self.prov.len()];
        let (mut reordered, mut committed) = (0u64, 0u64);
        for part in 0..self.controller.parts.len() {
            if self.topo.is_internal(part as PartIdx) {
                continue;
            }
            let Some(l) = self.verdict_source(part as PartIdx) else {
                continue;
            };
            let Some(r) = self.brokers[(l - 1) as usize]
                .replicas
                .get(&(part as PartIdx))
            else {
                continue;
            };
            let top = self.highest_hw(part as PartIdx);
            // Record ids grow in send order, so a first copy below the highest id already seen from
            // the same producer was overtaken.
            let mut max_seen: Vec<u64> = vec![0; self.producers.len()];
            let history = r.log.records_with_batch(&self.batches);
            for (offset, copy, rec) in history {
                let Some(n) = copies.get_mut(rec.record_id as usize) else {
                    continue;
                };
                *n += 1;
                if *n > 1 {
                    continue;
                }
                if self.copy_is_committed(&r.log, top, offset, copy) {
                    committed += 1;
                }
                if let Some(m) = self
                    .prov
                    .brief(rec.record_id)
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

    /// A record that failed and was never acknowledged (the first batch to fail), if any.
    pub fn a_failed_record(&self) -> Option<RecordId> {
        self.prov.first_failed
    }

    /// Up to `limit` records with a given verdict (`lost`, `duplicated` or `unavailable`), oldest first.
    pub fn records_with_verdict(&self, verdict: &str, limit: usize) -> Vec<RecordId> {
        // The running counts say at once when there is none, and hold each record's copies.
        let running = self.provenance_counts_running();
        if let Some(c) = &running {
            let n = match verdict {
                "lost" => c.lost,
                "unavailable" => c.unavailable,
                "duplicated" => c.duplicated,
                _ => 0,
            };
            if n == 0 {
                return Vec::new();
            }
        }
        let full = if running.is_some() {
            Vec::new()
        } else {
            self.copies_on_leaders().0
        };
        let copies = |id: usize| -> u32 {
            match running {
                Some(_) => self.prov.scan.copies_of(id as RecordId) as u32,
                None => full[id],
            }
        };
        // Once per partition, not per record (a dead leader's successor is an election to run).
        let has_source: Vec<bool> = (0..self.controller.parts.len() as PartIdx)
            .map(|p| self.verdict_source(p).is_some())
            .collect();
        self.prov
            .briefs()
            .filter(|(id, info)| {
                let leader = has_source[info.part as usize];
                let acked = info.acked;
                let id = *id as usize;
                match verdict {
                    "lost" => {
                        acked && leader && copies(id) == 0 && !self.prov.is_deleted(id as RecordId)
                    }
                    "unavailable" => acked && !leader,
                    "duplicated" => copies(id) > 1,
                    _ => false,
                }
            })
            .map(|(id, _)| id)
            .take(limit)
            .collect()
    }

    /// Records each consumer with a reader schema could not decode.
    pub fn decode_failures(&self) -> std::collections::BTreeMap<String, u64> {
        // Inserts, not `collect`: a bulk build costs the notebook bundle more.
        let mut out = std::collections::BTreeMap::new();
        for c in self.consumers.iter().filter(|c| c.decoder.is_some()) {
            out.insert(c.name.to_string(), c.poison.len() as u64);
        }
        out
    }

    /// The Schema Registry subjects the producers' schemas are registered under, in order and
    /// without repeats: only phases a record was serialized with (a phase whose serializer
    /// threw, or that no record reached, registered nothing).
    pub fn registered_subjects(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in &self.producers {
            let phases = p.spec.value_phases.iter().zip(&p.phases_used);
            for (v, _) in phases.filter(|(v, used)| **used && v.bytes.is_ok()) {
                if !v.subject.is_empty() && !out.contains(&v.subject) {
                    out.push(v.subject.clone());
                }
            }
        }
        out
    }

    /// Everything `expect` lines and the CLI report.
    pub fn outcome(&self) -> Outcome {
        let partitions = (0..self.topo.parts.len() as PartIdx)
            .map(|p| self.partition_view(p))
            .collect();
        self.outcome_from(self.provenance_counts(), partitions)
    }

    /// The outcome around verdict counts and partition views already computed (a snapshot has
    /// them): everything else is read from the simulation now.
    pub(crate) fn outcome_from(
        &self,
        provenance: crate::view::outcome::ProvenanceCounts,
        partitions: Vec<crate::view::outcome::PartitionView>,
    ) -> Outcome {
        Outcome {
            provenance,
            partitions,
            producer_errors: crate::kernel::small::map_of(
                self.producer_errors
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v)),
            ),
            violations: self.violations.clone(),
            invariants_checked: self.opts.check_invariants,
            halted: self.halted().map(str::to_string),
            #[cfg(feature = "groups")]
            groups: self.groups(),
            quorum: self.quorum_outcome(),
            throughput: self.throughput_outcome(),
            decode_failures: self.decode_failures(),
            subjects: self.registered_subjects(),
            #[cfg(feature = "groups")]
            streams: self.streams_view().map(|v| v.outcome()),
            flow: if self.opts.flow_latency {
                self.flow_outcome()
            } else {
                Default::default()
            },
        }
    }

    /// The latency of each step of the data flow, over every record that made it so far.
    pub fn flow_outcome(&self) -> crate::view::outcome::FlowOutcome {
        use crate::view::outcome::{FlowOutcome, LatencyHistogram};
        let mut h: [LatencyHistogram; 4] = Default::default();
        self.prov.for_each_flow(|a, b, c, d| {
            for (h, v) in h.iter_mut().zip([a, b, c, d]) {
                if let Some(us) = v {
                    h.add(us);
                }
            }
        });
        FlowOutcome {
            to_leader: h[0].finish(),
            replication: h[1].finish(),
            to_consumer: h[2].finish(),
            end_to_end: h[3].finish(),
        }
    }

    /// Records and bytes acknowledged per second so far, and the acknowledged records' latencies.
    /// [`Sim::throughput_outcome`] without the latency percentiles (`None`), which read every
    /// acknowledged record: cheap enough for a frame of a long run.
    pub fn throughput_rates(&self) -> crate::ThroughputOutcome {
        self.throughput_with(|_| {})
    }

    pub fn throughput_outcome(&self) -> crate::ThroughputOutcome {
        self.throughput_with(|f| self.prov.for_each_ack_latency(f))
    }

    /// The throughput outcome with the latencies `latencies_us` feeds it (none, or every
    /// acknowledged record's).
    fn throughput_with(
        &self,
        latencies_us: impl FnOnce(&mut dyn FnMut(u64)),
    ) -> crate::ThroughputOutcome {
        let acked = self.prov.acked_by_part.iter().sum();
        crate::ThroughputOutcome::new(
            latencies_us,
            self.prov.acked_bytes(),
            acked,
            self.now
                .as_us()
                .saturating_sub(self.prov.first_sent_us().unwrap_or(0)),
        )
    }
}
