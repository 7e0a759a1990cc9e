//! The invariants of `kafka-semantics.md` §2, checked while the simulation runs.
//!
//! Cheap checks run after every event on the node that handled it (a broker's replicas, or the
//! controller's partition states); the log comparisons (StrongIsr, HW ≤ LEO of the ISR) run at every
//! metrics sample, after every fault and at the end, incrementally from the prefix already verified.
//! A violation is recorded with its time and, by the caller, the seed.

use crate::config::HwRule;
use crate::ctx::Node;
use crate::msg::PartIdx;
use crate::sim::Sim;
use crate::spec::BrokerId;

/// StrongIsr verified for `(leader, leader epoch, member)` up to `offset`, while both logs had the
/// given truncation counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Verified {
    leader: BrokerId,
    epoch: u32,
    member: BrokerId,
    truncations: (u64, u64),
    offset: u64,
}

#[derive(Clone, Debug, Default)]
pub struct InvariantState {
    /// Per partition: `(leader, leader epoch, HW, ISR size)` last seen on the leader.
    last_leader_hw: Vec<Option<(BrokerId, u32, u64, usize)>>,
    /// Per partition: how far StrongIsr is verified; a truncation of either log restarts from 0.
    verified: Vec<Vec<Verified>>,
    /// Per partition: highest leader epoch seen at the controller.
    max_epoch: Vec<u32>,
    /// The controller quorum's (`quorum_invariants.rs`).
    pub(crate) quorum: crate::observe::quorum_invariants::QuorumInvariants,
    /// `(consumer, generation)` of every JoinGroup answer a deposed coordinator sent: a broker
    /// the controller no longer has as the leader of the group's `__consumer_offsets` partition
    /// (cut off, it does not know yet). It forms generations in memory that no log holds (a
    /// JoinGroup answer needs no write), so its generation numbers are not the group's.
    #[cfg(feature = "groups")]
    pub(crate) zombie_generations: Vec<(u32, i32)>,
}

impl InvariantState {
    pub fn new(parts: usize) -> Self {
        InvariantState {
            last_leader_hw: vec![None; parts],
            verified: vec![Vec::new(); parts],
            max_epoch: vec![0; parts],
            quorum: Default::default(),
            #[cfg(feature = "groups")]
            zombie_generations: Vec::new(),
        }
    }
}

/// §2 item 16 and §10.3–10.4 on every replica of a compacted topic, against its history (every
/// batch it appended, which the cleaner never changes): offsets never change (a live record is
/// the history's record at that offset, in increasing order); the latest record of every key in
/// the cleaned range (below the cleaner's checkpoint) is still there, unless it is a tombstone at
/// least `delete.retention.ms` old;
/// the active segment is never cleaned.
pub fn compaction_problems(sim: &Sim) -> Vec<String> {
    let mut problems = Vec::new();
    let now_ms = sim.now().as_us() / 1_000;
    let store = &sim.batches;
    for broker in &sim.brokers {
        for (part, r) in &broker.replicas {
            let c = sim.topo.log_config(*part);
            let log = &r.log;
            if !c.cleanup.compact || log.clean_end() <= log.log_start_offset() {
                continue; // never cleaned
            }
            if sim.topo.unclean_enabled(*part) {
                // An unclean election can truncate a replica below what it cleaned: the record
                // that superseded a key's older value may be gone with the truncated tail.
                continue;
            }
            let name = sim.topo.part_name(*part);
            let b = broker.id;
            let start = log.log_start_offset();
            let end = log.clean_end();
            // (A truncation since the last cleaning may make a cleaned segment the active one.)
            if log.truncations == log.cleaned_at_truncations
                && log
                    .segments()
                    .last()
                    .is_some_and(|active| end > active.base_offset)
            {
                problems.push(format!(
                    "{name} on {b}: cleaned up to {end}, into the active segment"
                ));
            }
            // Key of a record (as the cleaner reads it), from its producer.
            let key_of = |id: u64| -> Option<(String, bool)> {
                let (p, k) = sim.prov.producer_and_key(id)?;
                let info = &sim.topo.producers[p as usize];
                let mut key = String::new();
                info.write_key(k?, &mut key);
                Some((key, info.null_value))
            };
            // Each key's latest offset (its record and tombstone flag are read back from the
            // history: the bundle has this map type already).
            let mut latest: std::collections::BTreeMap<String, u64> =
                std::collections::BTreeMap::new();
            // Offsets arrive in order: each insertion appends (a sorted vector, no map type of its
            // own in the bundle).
            let mut history: crate::kernel::vec_map::VecMap<u64, u64> =
                crate::kernel::vec_map::VecMap::new();
            for (o, r) in log.records_in(start, log.log_end_offset(), store) {
                *history.get_or_default(o) = r.record_id;
            }
            // Each key's latest record in the cleaned range (the cleaner never sees past it).
            for (&o, &id) in history.iter().take_while(|(o, _)| **o < end) {
                if let Some((k, _)) = key_of(id) {
                    latest.insert(k, o);
                }
            }
            // Offsets in increasing order (checked below): a sorted vector.
            let mut live: Vec<u64> = Vec::new();
            let mut last = None;
            for id in log.live_batches_from(start, store) {
                let sb = store.get(id);
                for i in 0..sb.count {
                    let o = sb.base_offset + i as u64;
                    if o < start {
                        continue;
                    }
                    let rid = store.record_id(id, i);
                    if history.get(&o) != Some(&rid) || last.is_some_and(|l| l >= o) {
                        problems.push(format!(
                            "{name} on {b}: live record {rid} at offset {o} is not the history's"
                        ));
                    }
                    last = Some(o);
                    live.push(o);
                }
            }
            let in_order = live.is_sorted();
            for (k, o) in latest {
                // Out of order (reported above), the vector is searched in full.
                let found = if in_order {
                    live.binary_search(&o).is_ok()
                } else {
                    live.contains(&o)
                };
                if found {
                    continue;
                }
                let id = history[&o];
                let tomb = key_of(id).is_some_and(|(_, tomb)| tomb);
                let ts = sim.prov.sent_us(id).unwrap_or(0) / 1_000;
                if !tomb || now_ms < ts.saturating_add(c.delete_retention_ms) {
                    problems.push(format!(
                        "{name} on {b}: the latest record of key {k} (offset {o}) was cleaned away"
                    ));
                }
            }
        }
    }
    problems
}

fn report(sim: &mut Sim, text: String) {
    let seed = sim.spec().seed;
    let msg = format!("seed {seed}, at {}: {text}", sim.now());
    if !sim.violations.contains(&msg) {
        sim.trace.emit(
            sim.now(),
            crate::trace::TraceKind::Violation { text: text.clone() },
        );
        sim.violations.push(msg);
    }
}

/// Checks after an event handled by `node`.
pub fn check_after(sim: &mut Sim, node: Node) {
    match node {
        Node::Broker(b) => check_broker(sim, b),
        Node::Controller => check_controller(sim),
        Node::QuorumController(_) => {
            check_controller(sim);
            for p in crate::observe::quorum_invariants::check(sim) {
                report(sim, p);
            }
        }
        _ => {}
    }
}

fn check_broker(sim: &mut Sim, b: BrokerId) {
    let mut problems = Vec::new();
    let strict = sim.topo.config.hw_rule == HwRule::StrictMinIsr;
    let broker = &sim.brokers[(b - 1) as usize];
    // A starting process that applied the metadata log may hold, unreachable, a leadership its
    // previous process had (with the high watermark its log recovered): nobody reads it until it
    // is unfenced, by which time the controller has moved that leadership away.
    let serving = broker.is_listening(sim.topo.config.controller);
    for (part, r) in &broker.replicas {
        let name = sim.topo.part_name(*part);
        let leo = r.log.log_end_offset();
        if r.log.high_watermark > leo {
            problems.push(format!(
                "{name} on {b}: HW {} > LEO {leo}",
                r.log.high_watermark
            ));
        }
        // §10.4: logStartOffset ≤ HW — retention never deletes at or above the high watermark.
        if r.log.log_start_offset() > r.log.high_watermark {
            problems.push(format!(
                "{name} on {b}: log start offset {} > HW {}",
                r.log.log_start_offset(),
                r.log.high_watermark
            ));
        }
        // §10.2: with only a time limit, no record younger than `retention.ms` (by its batch's
        // largest timestamp, read from the records themselves) is ever below the log start.
        let c = sim.topo.log_config(*part);
        if c.cleanup.delete && c.retention_ms >= 0 && c.retention_bytes < 0 {
            if let Some(ts) = r.log.deleted_max_timestamp_ms {
                let now_ms = sim.now().as_us() / 1_000;
                if now_ms as i128 - ts as i128 <= c.retention_ms as i128 {
                    problems.push(format!(
                        "{name} on {b}: a record of timestamp {ts} ms deleted at {now_ms} ms, \
                         younger than retention.ms={}",
                        c.retention_ms
                    ));
                }
            }
        }
        let cache = r.log.epoch_cache();
        if cache
            .windows(2)
            .any(|w| w[0].0 >= w[1].0 || w[0].1 > w[1].1)
        {
            problems.push(format!(
                "{name} on {b}: epoch cache not increasing: {cache:?}"
            ));
        }
        if serving && r.is_leader(b) {
            let hw = r.log.high_watermark;
            let epoch = r.state.leader_epoch;
            let isr_len = r.state.isr.len();
            let min_isr = sim
                .topo
                .effective_min_isr_for(*part, r.state.replicas.len());
            if let Some((lb, le, lhw, lisr)) = sim.inv.last_leader_hw[*part as usize] {
                if lb == b && le == epoch {
                    if hw < lhw {
                        problems.push(format!(
                            "{name}: leader {b} HW went back from {lhw} to {hw}"
                        ));
                    }
                    if strict && hw != lhw && isr_len < min_isr && lisr < min_isr {
                        problems.push(format!(
                            "{name}: HW moved {lhw}→{hw} while ISR size {isr_len} < min ISR {min_isr}"
                        ));
                    }
                }
            }
            if !r.state.isr.contains(&b) {
                problems.push(format!(
                    "{name}: leader {b} not in its ISR {:?}",
                    r.state.isr
                ));
            }
        }
    }
    let updates: Vec<(PartIdx, (BrokerId, u32, u64, usize))> = broker
        .replicas
        .iter()
        .filter(|(_, r)| serving && r.is_leader(b))
        .map(|(p, r)| {
            (
                *p,
                (
                    b,
                    r.state.leader_epoch,
                    r.log.high_watermark,
                    r.state.isr.len(),
                ),
            )
        })
        .collect();
    for (p, u) in updates {
        sim.inv.last_leader_hw[p as usize] = Some(u);
    }
    for p in problems {
        report(sim, p);
    }
}

fn check_controller(sim: &mut Sim) {
    let elr = sim.topo.config.eligible_leader_replicas_enable;
    let mut problems = Vec::new();
    for (i, p) in sim.controller.parts.iter().enumerate() {
        let name = sim.topo.part_name(i as PartIdx);
        if let Some(l) = p.leader {
            if !p.isr.contains(&l) {
                problems.push(format!("{name}: leader {l} not in ISR {:?}", p.isr));
            }
        }
        if p.isr.is_empty() && !elr {
            problems.push(format!("{name}: empty ISR without ELR"));
        }
        if p.leader_epoch < sim.inv.max_epoch[i] {
            problems.push(format!(
                "{name}: leader epoch went back from {} to {}",
                sim.inv.max_epoch[i], p.leader_epoch
            ));
        }
    }
    for (i, p) in sim.controller.parts.iter().enumerate() {
        sim.inv.max_epoch[i] = sim.inv.max_epoch[i].max(p.leader_epoch);
    }
    for p in problems {
        report(sim, p);
    }
}

#[cfg(feature = "groups")]
/// kafka-semantics.md §8.5: no partition is owned by two members of one generation of a group
/// (two running consumers of a group that believe they are in the same generation never both
/// fetch one partition). A generation is the coordinator's: a member whose generation came from
/// a deposed coordinator (`zombie_generations`) is in none of the group's, as the real
/// coordinator sees it (§2 item 12, "in the coordinator's view").
fn check_groups(sim: &mut Sim) {
    let mut owners: crate::vec_map::VecMap<(&str, i32, PartIdx), &str> =
        crate::vec_map::VecMap::new();
    let mut problems = Vec::new();
    for c in &sim.consumers {
        let Some(g) = c.group.as_ref().filter(|g| g.generation >= 0) else {
            continue;
        };
        if sim.inv.zombie_generations.contains(&(c.idx, g.generation)) {
            continue;
        }
        for p in 0..c.partitions {
            if !c.fetches(p as usize) {
                continue;
            }
            let part = c.subscribed.global(p);
            if let Some(other) = owners.insert((g.group_id.as_str(), g.generation, part), &c.name) {
                problems.push(format!(
                    "group {}: {} owned by {other} and {} in generation {}",
                    g.group_id,
                    sim.topo.part_name(part),
                    c.name,
                    g.generation
                ));
            }
        }
    }
    for p in problems {
        report(sim, p);
    }
}

/// The first offset in `[from, to)` where `leader`'s and `follower`'s records differ: a record
/// only one holds counts unless compaction or retention deleted it. Stretches of stored batches
/// both hold are the same records and are skipped (a follower copies the leader's batches);
/// record by record only between them.
fn first_difference(
    leader: &crate::log::Log,
    follower: &crate::log::Log,
    mut from: u64,
    to: u64,
    store: &crate::log::BatchStore,
    prov: &crate::observe::provenance::Provenance,
) -> Option<u64> {
    loop {
        from = leader.same_batches_until(follower, from, to, store);
        let mut ours = leader.records_with_batch_in(from, to, store).peekable();
        let mut theirs = follower.records_with_batch_in(from, to, store).peekable();
        loop {
            match (ours.peek(), theirs.peek()) {
                (None, None) => return None,
                (Some((o, x, a)), Some((t, y, b))) if o == t => {
                    if x == y {
                        // The same stored batch again: skipped from here.
                        from = *o;
                        break;
                    }
                    if (a.record_id, a.leader_epoch) != (b.record_id, b.leader_epoch) {
                        return Some(*o);
                    }
                    ours.next();
                    theirs.next();
                }
                (Some((o, _, a)), t) if t.is_none_or(|(t, ..)| o < t) => {
                    if !prov.is_deleted(a.record_id) {
                        return Some(*o);
                    }
                    ours.next();
                }
                (_, Some((t, _, b))) => {
                    if !prov.is_deleted(b.record_id) {
                        return Some(*t);
                    }
                    theirs.next();
                }
                (Some((o, ..)), None) => return Some(*o),
            }
        }
    }
}

/// The log comparisons: StrongIsr (with unclean election off) and HW ≤ LEO of every live ISR member.
pub fn check_global(sim: &mut Sim) {
    check_controller(sim);
    #[cfg(feature = "groups")]
    check_groups(sim);
    if sim.unflushed_loss {
        // Kafka's guarantees assume data acknowledged by a replica survives its crash; a power loss
        // with unflushed page cache breaks that assumption, so these checks no longer apply.
        return;
    }
    for p in compaction_problems(sim) {
        report(sim, p);
    }
    let mut problems = Vec::new();
    let mut new_verified = Vec::new();
    for (i, p) in sim.controller.parts.iter().enumerate() {
        let part = i as PartIdx;
        let Some(l) = p.leader else { continue };
        let leader = &sim.brokers[(l - 1) as usize];
        if !leader.is_running() {
            continue;
        }
        let Some(lr) = leader.replicas.get(&part) else {
            continue;
        };
        if !lr.is_leader(l) || lr.state.leader_epoch != p.leader_epoch {
            continue; // the leader has not learned of its election yet
        }
        if sim.topo.unclean_enabled(part) {
            continue;
        }
        let hw = lr.log.high_watermark;
        let name = sim.topo.part_name(part);
        for &m in &p.isr {
            if m == l {
                continue;
            }
            let mb = &sim.brokers[(m - 1) as usize];
            if !mb.is_running() {
                continue;
            }
            let Some(mr) = mb.replicas.get(&part) else {
                continue;
            };
            let truncs = (lr.log.truncations, mr.log.truncations);
            let from = sim.inv.verified[i]
                .iter()
                .find(|v| {
                    (v.leader, v.epoch, v.member, v.truncations) == (l, p.leader_epoch, m, truncs)
                })
                .map_or(0, |v| v.offset)
                .min(hw);
            let mleo = mr.log.log_end_offset();
            if mleo < hw {
                // A follower in the ISR may lag the leader's HW only until its next fetch, and only
                // if the HW was computed before it truncated — which StrongIsr forbids.
                let lagging_ok = mr.state.leader_epoch < p.leader_epoch;
                if !lagging_ok {
                    problems.push(format!(
                        "{name}: ISR member {m} has LEO {mleo} below leader {l}'s HW {hw}"
                    ));
                }
                continue;
            }
            let store = &sim.batches;
            // What both still keep: from the later log start (retention) or history start (a
            // follower that truncated fully). A record only one of them holds is a difference
            // unless compaction or retention deleted it (a follower that copied a cleaned log).
            let from = from
                .max(lr.log.log_start_offset().max(mr.log.history_start()))
                .max(mr.log.log_start_offset().max(lr.log.history_start()))
                .min(hw);
            let diverged = first_difference(&lr.log, &mr.log, from, hw, store, &sim.prov);
            match diverged {
                Some(off) => problems.push(format!(
                    "{name}: StrongIsr broken: ISR member {m} differs from leader {l} at offset {off} below HW {hw}"
                )),
                None => new_verified.push((
                    i,
                    Verified {
                        leader: l,
                        epoch: p.leader_epoch,
                        member: m,
                        truncations: truncs,
                        offset: hw,
                    },
                )),
            }
        }
    }
    for (i, v) in new_verified {
        let list = &mut sim.inv.verified[i];
        list.retain(|x| (x.leader, x.epoch, x.member) != (v.leader, v.epoch, v.member));
        list.push(v);
    }
    for p in problems {
        report(sim, p);
    }
}

#[cfg(test)]
mod tests {
    //! The checker itself must catch what it claims to: each test plants one violation.
    use super::*;
    use crate::spec::{ProducerSpec, ScenarioSpec, TopicSpec};
    use crate::time::SimTime;

    fn running_sim() -> (Sim, BrokerId, BrokerId) {
        let mut spec = ScenarioSpec {
            seed: 3,
            ..ScenarioSpec::default()
        };
        spec.topics.push(TopicSpec::new("t", 1, 3));
        spec.producers.push(ProducerSpec::new("p", "t"));
        let opts = crate::SimOptions {
            check_invariants: false,
            ..Default::default()
        };
        let mut sim = Sim::with_options(spec, opts);
        sim.run_until(SimTime::from_secs(3));
        check_global(&mut sim);
        assert!(sim.violations.is_empty(), "{:?}", sim.violations);
        let leader = sim.controller.parts[0].leader.unwrap();
        let member = *sim.controller.parts[0]
            .isr
            .iter()
            .find(|b| **b != leader)
            .unwrap();
        let hw = sim.brokers[(leader - 1) as usize].replicas[&0]
            .log
            .high_watermark;
        assert!(hw > 10, "the run should have committed records (HW {hw})");
        (sim, leader, member)
    }

    #[test]
    fn catches_an_isr_member_below_the_high_watermark() {
        let (mut sim, _, m) = running_sim();
        sim.brokers[(m - 1) as usize]
            .replicas
            .get_mut(&0)
            .unwrap()
            .log
            .truncate_to(1, &sim.batches);
        check_global(&mut sim);
        assert!(
            sim.violations.iter().any(|v| v.contains("below leader")),
            "{:?}",
            sim.violations
        );
    }

    #[test]
    fn replicas_are_compared_past_a_stretch_they_do_not_share() {
        use crate::log::{BatchStore, Log};
        // Leader: batches A B C D of two records each. Follower: A, B written again (the same
        // records in another stored batch), C, then its own D.
        let (mut store, mut leader, mut follower) =
            (BatchStore::default(), Log::default(), Log::default());
        let prov = crate::observe::provenance::Provenance::default();
        for (i, ids) in [[1, 2], [3, 4], [5, 6], [7, 8]].iter().enumerate() {
            let b = store.add(2 * i as u64, 0, ids, None);
            leader.append(b, &store, 0);
            let copy = match i {
                1 => store.add(2, 0, ids, None),
                3 => store.add(6, 0, &[7, 9], None),
                _ => b,
            };
            follower.append(copy, &store, 0);
        }
        assert_eq!(
            first_difference(&leader, &follower, 0, 8, &store, &prov),
            Some(7)
        );
        assert_eq!(
            first_difference(&leader, &follower, 0, 7, &store, &prov),
            None
        );
        assert_eq!(
            first_difference(&leader, &follower, 3, 6, &store, &prov),
            None
        );
    }

    #[test]
    fn catches_divergence_below_the_high_watermark() {
        let (mut sim, l, m) = running_sim();
        let leo = sim.brokers[(m - 1) as usize].replicas[&0]
            .log
            .log_end_offset();
        let log = &mut sim.brokers[(m - 1) as usize]
            .replicas
            .get_mut(&0)
            .unwrap()
            .log;
        let store = &mut sim.batches;
        let mut end = log.truncate_to(5, store);
        while end < leo {
            let b = store.add(end, 0, &[999_999_999], None);
            end = log.append(b, store, 0) + 1;
        }
        check_global(&mut sim);
        assert!(
            sim.violations
                .iter()
                .any(|v| v.contains("StrongIsr broken") && v.contains(&format!("leader {l}"))),
            "{:?}",
            sim.violations
        );
    }

    #[test]
    fn catches_a_leader_high_watermark_going_back() {
        let (mut sim, l, _) = running_sim();
        check_after(&mut sim, Node::Broker(l));
        let r = sim.brokers[(l - 1) as usize].replicas.get_mut(&0).unwrap();
        r.log.high_watermark -= 1;
        check_after(&mut sim, Node::Broker(l));
        assert!(
            sim.violations.iter().any(|v| v.contains("HW went back")),
            "{:?}",
            sim.violations
        );
    }

    #[test]
    fn catches_a_leader_outside_the_isr() {
        let (mut sim, l, _) = running_sim();
        sim.controller.parts[0].isr.retain(|b| *b != l);
        check_after(&mut sim, Node::Controller);
        assert!(
            sim.violations.iter().any(|v| v.contains("not in ISR")),
            "{:?}",
            sim.violations
        );
    }

    #[cfg(feature = "groups")]
    #[test]
    fn catches_a_partition_owned_twice_in_one_generation() {
        let mut spec = ScenarioSpec::default();
        spec.topics.push(TopicSpec::new("t", 2, 3));
        spec.producers.push(ProducerSpec::new("p1", "t"));
        for name in ["c1", "c2"] {
            let mut c = crate::spec::ConsumerSpec::new(name, "t");
            c.config.set("group.id", "g").unwrap();
            spec.consumers.push(c);
        }
        let mut sim = Sim::new(spec);
        sim.run_until(SimTime::from_secs(10));
        check_global(&mut sim);
        assert!(sim.violations.is_empty(), "{:?}", sim.violations);
        // Range gives each member one partition; plant c1's partition in c2's assignment too.
        let owned = (0..2)
            .find(|p| sim.consumers[0].fetches(*p))
            .expect("c1 fetches a partition");
        let g2 = sim.consumers[1].group.as_mut().unwrap();
        g2.assigned[owned] = true;
        g2.ready[owned] = true;
        check_global(&mut sim);
        assert!(
            sim.violations
                .iter()
                .any(|v| v.contains("owned by c1 and c2 in generation 1")),
            "{:?}",
            sim.violations
        );
    }
}
