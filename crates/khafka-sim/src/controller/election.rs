//! Leader election as a pure function (`PartitionChangeBuilder.electAnyLeader`), table-tested in
//! `tests/tables/election.txt`, and the controller's elections and partition changes: clean, ELR,
//! last known leader, unclean, preferred, automatic rebalance, and the leader epoch rules (KRaft and
//! the ZooKeeper era).

use super::*;

/// Where [`elect_leader`] found the leader (`PartitionChangeBuilder.electAnyLeader`'s branches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Election {
    /// An active ISR member: a clean election.
    Isr,
    /// An active eligible leader replica, the ISR being empty (KIP-966): clean.
    Elr,
    /// The last known leader, ISR and ELR both empty (KIP-966): clean.
    LastKnownLeader,
    /// Any active replica (`unclean.leader.election.enable`): may lose committed records.
    Unclean,
    /// Nobody: the partition is offline.
    None,
}

/// What a leader election looks at (a pure function of it: [`elect_leader`]).
pub struct ElectionInput<'a> {
    /// The partition as it will be (replicas in assignment order, target ISR and ELR, current leader).
    pub target: &'a PartitionState,
    /// Registered, unfenced and not shutting down.
    pub is_active: &'a dyn Fn(BrokerId) -> bool,
    pub elr_enabled: bool,
    pub unclean_enabled: bool,
    /// The leader the partition had before it went leaderless (KIP-966's last known leader).
    pub last_known_leader: Option<BrokerId>,
}

/// `PartitionChangeBuilder.electAnyLeader`: keep the current leader if it is an active ISR member;
/// else the first active ISR member in assignment order; with ELR and an empty ISR, the first
/// active ELR member, then the last known leader if ISR and ELR are both empty; else, if unclean
/// election is enabled, the first active replica; else none. Table tests: `tests/tables/election.txt`.
/// The ISR and ELR a partition is left with when `b` is fenced (`ReplicationControlManager`'s
/// fencing through `PartitionChangeBuilder`): `b` leaves the ISR (never its last member unless ELR is
/// on), and with ELR joins the eligible replicas when the ISR falls below `min_isr`.
pub fn isr_after_fencing(
    p: &PartitionState,
    b: BrokerId,
    elr_on: bool,
    min_isr: usize,
) -> (Vec<BrokerId>, Vec<BrokerId>) {
    let in_isr = p.isr.contains(&b);
    let mut isr = p.isr.clone();
    if in_isr && (isr.len() > 1 || elr_on) {
        isr.retain(|x| *x != b);
    }
    let mut elr = p.elr.clone();
    if elr_on && in_isr && isr.len() < min_isr && !elr.contains(&b) && !isr.contains(&b) {
        elr.push(b);
    }
    (isr, elr)
}

pub fn elect_leader(input: &ElectionInput) -> (Option<BrokerId>, Election) {
    let target = input.target;
    let active = |b: &BrokerId| (input.is_active)(*b);
    if let Some(l) = target.leader {
        if target.isr.contains(&l) && active(&l) {
            return (Some(l), Election::Isr);
        }
    }
    if let Some(b) = target
        .replicas
        .iter()
        .find(|b| target.isr.contains(b) && active(b))
    {
        return (Some(*b), Election::Isr);
    }
    if input.elr_enabled {
        if target.isr.is_empty() {
            if let Some(b) = target
                .replicas
                .iter()
                .find(|b| target.elr.contains(b) && active(b))
            {
                return (Some(*b), Election::Elr);
            }
        }
        if let Some(l) = input.last_known_leader {
            if target.isr.is_empty() && target.elr.is_empty() && active(&l) {
                return (Some(l), Election::LastKnownLeader);
            }
        }
    }
    if input.unclean_enabled {
        if let Some(b) = target.replicas.iter().find(|b| active(b)) {
            return (Some(*b), Election::Unclean);
        }
    }
    (None, Election::None)
}

impl Controller {
    /// A broker became available: offline partitions it can lead get a leader.
    pub(super) fn on_broker_available(&mut self, ctx: &mut Ctx, b: BrokerId) {
        for part in 0..self.parts.len() as PartIdx {
            let p = &self.parts[part as usize];
            if p.leader.is_none() && p.replicas.contains(&b) {
                let isr = p.isr.clone();
                let elr = p.elr.clone();
                self.change(ctx, part, isr, elr, true, ChangeReason::BrokerUnfenced);
            }
        }
        self.flush_polls(ctx);
    }

    /// Applies a new ISR/ELR; when `reelect`, (re)runs leader election. Bumps epochs as Kafka does.
    pub(super) fn change(
        &mut self,
        ctx: &mut Ctx,
        part: PartIdx,
        isr: Vec<BrokerId>,
        elr: Vec<BrokerId>,
        reelect: bool,
        reason: ChangeReason,
    ) {
        let old = self.parts[part as usize].clone();
        let mut new = old.clone();
        new.isr = isr;
        new.elr = elr;
        // PartitionChangeBuilder.build: completeReassignmentIfNeeded, then tryElection (which keeps
        // a leader still in the target ISR, so a completion that drops the leader elects another).
        let completed = super::reassignment::complete_if_needed(&mut new);
        self.apply_change(ctx, part, old, new, reelect || completed, reason);
    }

    /// Runs the election when `reelect`, bumps the epochs as Kafka does, traces and appends the
    /// change (nothing when `new` equals `old`).
    pub(super) fn apply_change(
        &mut self,
        ctx: &mut Ctx,
        part: PartIdx,
        old: PartitionState,
        mut new: PartitionState,
        reelect: bool,
        reason: ChangeReason,
    ) {
        // The ZooKeeper-era controller bumps the leader epoch on every ISR change *it* makes
        // (`LeaderAndIsr.newLeaderAndIsr`); a leader writing its own ISR change keeps the epoch
        // (`Partition.shrinkIsr`/`expandIsr` write the same leader epoch with a new zkVersion).
        let zk = ctx.topo.config.controller == ControllerMode::Zookeeper
            && reason != ChangeReason::AlterPartition;
        let mut unclean = false;
        let mut from_elr = false;
        if reelect {
            let (leader, how) = self.choose_leader(ctx, part, &new);
            new.leader = leader;
            unclean = how == Election::Unclean;
            from_elr = how == Election::Elr;
            if unclean {
                // PartitionChangeBuilder.tryElection: the ISR becomes just the new leader.
                new.isr = leader.into_iter().collect();
                new.elr.clear();
            }
            if let Some(l) = leader {
                new.elr.retain(|x| *x != l);
                if !new.isr.contains(&l) {
                    new.isr.push(l);
                }
            }
        }
        if new == old {
            return;
        }
        new.partition_epoch += 1;
        let leader_changed = new.leader != old.leader;
        // triggerLeaderEpochBumpForReplicaReassignmentIfNeeded: a replica set that loses a member
        // bumps the leader epoch, so the removed replica's fetches are fenced.
        let lost_replica = old.replicas.iter().any(|b| !new.replicas.contains(b));
        if leader_changed || (zk && new.isr != old.isr) || lost_replica {
            new.leader_epoch += 1;
        }
        if new.leader.is_some() {
            self.last_known_leader[part as usize] = new.leader;
        }
        let name = ctx.topo.part_name(part);
        if (&new.replicas, &new.adding, &new.removing)
            != (&old.replicas, &old.adding, &old.removing)
        {
            ctx.emit(TraceKind::ReplicasChanged {
                partition: name.clone(),
                replicas: new.replicas.clone(),
                adding: new.adding.clone(),
                removing: new.removing.clone(),
                isr: new.isr.clone(),
                leader: new.leader,
                leader_epoch: new.leader_epoch,
                partition_epoch: new.partition_epoch,
            });
        }
        if leader_changed {
            ctx.counters.leader_elections += 1;
            if unclean {
                ctx.counters.unclean_elections += 1;
            }
            ctx.emit(TraceKind::LeaderElected {
                partition: name,
                leader: new.leader,
                leader_epoch: new.leader_epoch,
                isr: new.isr.clone(),
                elr: new.elr.clone(),
                unclean,
                from_elr,
                reason,
            });
        } else if new.isr != old.isr || new.elr != old.elr {
            ctx.emit(TraceKind::IsrChanged {
                partition: name,
                isr: new.isr.clone(),
                elr: new.elr.clone(),
                leader_epoch: new.leader_epoch,
                partition_epoch: new.partition_epoch,
            });
        }
        self.parts[part as usize] = new;
        self.append(part);
    }

    /// `PartitionChangeBuilder.electAnyLeader` for `part` ([`elect_leader`] with this controller's
    /// view of which brokers are active).
    pub(super) fn choose_leader(
        &self,
        ctx: &Ctx,
        part: PartIdx,
        target: &PartitionState,
    ) -> (Option<BrokerId>, Election) {
        elect_leader(&ElectionInput {
            target,
            is_active: &|b| self.is_active(b),
            elr_enabled: ctx.topo.config.eligible_leader_replicas_enable,
            unclean_enabled: ctx.topo.unclean_enabled(part),
            last_known_leader: self.last_known_leader[part as usize],
        })
    }

    /// `auto.leader.rebalance.enable`: move leadership back to preferred replicas when a broker's
    /// share of non-preferred leaders exceeds `leader.imbalance.per.broker.percentage`.
    pub(super) fn rebalance_leaders(&mut self, ctx: &mut Ctx) {
        let pct = ctx.topo.config.leader_imbalance_per_broker_percentage;
        for b in 1..=self.brokers.len() as BrokerId {
            let preferred: Vec<PartIdx> = (0..self.parts.len() as PartIdx)
                .filter(|p| self.parts[*p as usize].replicas.first() == Some(&b))
                .collect();
            if preferred.is_empty() {
                continue;
            }
            let imbalanced = preferred
                .iter()
                .filter(|p| self.parts[**p as usize].leader != Some(b))
                .count();
            if (imbalanced as u64) * 100 > pct * preferred.len() as u64 {
                for p in preferred {
                    self.elect_preferred(ctx, p);
                }
            }
        }
        self.flush_polls(ctx);
    }

    /// `electPreferredLeader`: only if the preferred replica is active and in the ISR.
    pub fn elect_preferred(&mut self, ctx: &mut Ctx, part: PartIdx) {
        let p = &self.parts[part as usize];
        let Some(&preferred) = p.replicas.first() else {
            return;
        };
        if p.leader == Some(preferred) || !p.isr.contains(&preferred) || !self.is_active(preferred)
        {
            return;
        }
        self.elect(
            ctx,
            part,
            Some(preferred),
            ChangeReason::PreferredLeaderElection,
        );
    }

    /// Elects `leader` (or whoever `choose_leader` picks when `None`).
    pub(super) fn elect(
        &mut self,
        ctx: &mut Ctx,
        part: PartIdx,
        leader: Option<BrokerId>,
        reason: ChangeReason,
    ) {
        let p = self.parts[part as usize].clone();
        match leader {
            Some(l) => {
                let mut new = p.clone();
                new.leader = Some(l);
                new.partition_epoch += 1;
                new.leader_epoch += 1;
                self.last_known_leader[part as usize] = Some(l);
                ctx.counters.leader_elections += 1;
                ctx.emit(TraceKind::LeaderElected {
                    partition: ctx.topo.part_name(part),
                    leader: Some(l),
                    leader_epoch: new.leader_epoch,
                    isr: new.isr.clone(),
                    elr: new.elr.clone(),
                    unclean: false,
                    from_elr: false,
                    reason,
                });
                self.parts[part as usize] = new;
                self.append(part);
            }
            None => self.change(ctx, part, p.isr.clone(), p.elr.clone(), true, reason),
        }
        self.flush_polls(ctx);
    }

    /// A topic's `min.insync.replicas` was altered (`ReplicationControlManager`'s ELR updates
    /// for config changes): with ELR on, every partition of the topic loses its eligible leader
    /// replicas and its last known leader, since the guarantee they stood for was made under the
    /// old minimum (KIP-966: "If min.insync.replicas is updated for a topic, the ELR state will
    /// be cleaned"). No election runs: a partition without a leader stays so.
    pub fn clear_elrs(&mut self, ctx: &mut Ctx, first: PartIdx, partitions: u32) {
        if !ctx.topo.config.eligible_leader_replicas_enable {
            return;
        }
        for part in first..first + partitions {
            let old = self.parts[part as usize].clone();
            // The last known leader stands for Kafka's `lastKnownElr`, kept while the partition
            // has no leader.
            let last_known =
                old.leader.is_none() && self.last_known_leader[part as usize].is_some();
            if old.elr.is_empty() && !last_known {
                continue;
            }
            if old.leader.is_none() {
                self.last_known_leader[part as usize] = None;
            }
            let mut new = old.clone();
            new.elr.clear();
            if new == old {
                // Only the last known leader changed: a record of its own.
                self.parts[part as usize].partition_epoch += 1;
                self.append(part);
            } else {
                self.apply_change(ctx, part, old, new, false, ChangeReason::MinIsrUpdated);
            }
        }
        self.flush_polls(ctx);
    }

    /// Runs a preferred election now (the `elect preferred` action).
    pub fn elect_preferred_now(&mut self, ctx: &mut Ctx, part: Option<PartIdx>) {
        match part {
            Some(p) => self.elect_preferred(ctx, p),
            None => {
                for p in 0..self.parts.len() as PartIdx {
                    self.elect_preferred(ctx, p);
                }
            }
        }
        self.flush_polls(ctx);
    }

    /// Controlled shutdown (`ReplicationControlManager.handleBrokerInControlledShutdown`): `b`
    /// leaves every ISR it is in and every leadership it holds moves to another ISR member, by
    /// the rules of fencing (`isr_after_fencing`: never the last ISR member unless ELR is on,
    /// which keeps it eligible). It still follows until it stops.
    pub(super) fn move_leadership_away(&mut self, ctx: &mut Ctx, b: BrokerId) {
        let elr_on = ctx.topo.config.eligible_leader_replicas_enable;
        let zk = ctx.topo.config.controller == ControllerMode::Zookeeper;
        for part in 0..self.parts.len() as PartIdx {
            let p = &self.parts[part as usize];
            if p.leader != Some(b) && !p.isr.contains(&b) {
                continue;
            }
            let (isr, elr) = isr_after_fencing(p, b, elr_on, ctx.topo.effective_min_isr(part));
            if p.leader == Some(b) {
                self.change(ctx, part, isr, elr, true, ChangeReason::ControlledShutdown);
            } else if isr != p.isr || elr != p.elr {
                self.change(ctx, part, isr, elr, zk, ChangeReason::ControlledShutdown);
            }
        }
        self.flush_polls(ctx);
    }
}
