//! The controller: broker liveness, leader election, ISR changes, the metadata log.
//!
//! KRaft by default (`metadata/.../PartitionChangeBuilder.java`, `ReplicationControlManager`):
//! brokers heartbeat every `broker.heartbeat.interval.ms` and are fenced after
//! `broker.session.timeout.ms` without one; fencing removes the broker from every ISR (never the last
//! member, unless ELR is on) and elects new leaders in assignment order from the ISR, else from the
//! ELR (KIP-966), else uncleanly if `unclean.leader.election.enable`, else none (offline).
//! Every leader change bumps the leader epoch; since metadata version 3.6 an ISR shrink alone does not
//! (KAFKA-15021), while the ZooKeeper-era controller bumps it on every change it makes.
//!
//! Simplification (stated in the docs and the UI): the KRaft quorum is modelled as one controller
//! node that never fails; it can be cut off by network partitions. Brokers follow the metadata log by
//! long-polling it, as KRaft brokers fetch `__cluster_metadata`.

use crate::config::ControllerMode;
use crate::ctx::{Ctx, Node, Timer};
use crate::msg::{ErrorCode, Msg, PartIdx, PartitionState};
use crate::spec::BrokerId;
use crate::trace::{ChangeReason, FenceReason, TraceKind};
use serde::Serialize;

/// How long a metadata long-poll waits for news (KRaft's fetch max wait).
const METADATA_POLL_MAX_WAIT_MS: u64 = 500;
/// `unclean.leader.election.interval.ms` (KRaft's periodic unclean election check).
const UNCLEAN_CHECK_INTERVAL_MS: u64 = 300_000;

/// A broker heartbeat (the first of an incarnation registers it).
#[derive(Clone, Copy, Debug)]
struct Beat {
    broker_epoch: u64,
    previous_broker_epoch: Option<u64>,
    metadata_offset: u64,
    want_shutdown: bool,
}

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

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BrokerRegistration {
    pub registered: bool,
    pub fenced: bool,
    pub broker_epoch: u64,
    pub last_heartbeat_us: u64,
    pub generation: u64,
    pub shutting_down: bool,
    /// The broker is unfenced once it has replayed the metadata log up to here.
    pub unfence_at_offset: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Controller {
    pub parts: Vec<PartitionState>,
    pub last_known_leader: Vec<Option<BrokerId>>,
    /// Index 0 is broker 1.
    pub brokers: Vec<BrokerRegistration>,
    /// The metadata log: which partition changed at each offset (`None`: broker fencing changed).
    pub log: Vec<Option<PartIdx>>,
    /// Parked metadata long-polls: `(broker, request id, offset asked from)`.
    pub polls: Vec<(BrokerId, u64, u64)>,
}

impl Controller {
    /// The initial metadata: every partition led by its preferred replica, full ISR, epoch 0.
    pub fn new(brokers: u32, assignments: impl Iterator<Item = Vec<BrokerId>>) -> Self {
        let parts: Vec<PartitionState> = assignments
            .enumerate()
            .map(|(i, replicas)| PartitionState {
                part: i as PartIdx,
                leader: replicas.first().copied(),
                leader_epoch: 0,
                partition_epoch: 0,
                isr: replicas.clone(),
                replicas,
                elr: Vec::new(),
            })
            .collect();
        let n = parts.len();
        Controller {
            last_known_leader: parts.iter().map(|p| p.leader).collect(),
            log: (0..n as PartIdx).map(Some).collect(),
            parts,
            brokers: vec![BrokerRegistration::default(); brokers as usize],
            polls: Vec::new(),
        }
    }

    /// The run starts with a healthy cluster: every broker registered (broker epoch 1) and unfenced,
    /// as if the topics were created after the brokers came up.
    pub fn start(&mut self, ctx: &mut Ctx) {
        let timeout = Self::session_timeout_ms(ctx);
        for (i, r) in self.brokers.iter_mut().enumerate() {
            *r = BrokerRegistration {
                registered: true,
                fenced: false,
                broker_epoch: 1,
                generation: 1,
                ..BrokerRegistration::default()
            };
            let broker = i as BrokerId + 1;
            ctx.timer_after_ms(
                timeout,
                Timer::SessionTimeout {
                    broker,
                    generation: 1,
                },
            );
        }
        let cfg = &ctx.topo.config;
        if cfg.auto_leader_rebalance_enable {
            let every = cfg
                .leader_imbalance_check_interval_seconds
                .saturating_mul(1_000);
            ctx.timer_after_ms(every, Timer::LeaderImbalanceCheck);
        }
        ctx.timer_after_ms(UNCLEAN_CHECK_INTERVAL_MS, Timer::UncleanCheck);
    }

    fn reg(&mut self, b: BrokerId) -> &mut BrokerRegistration {
        &mut self.brokers[(b - 1) as usize]
    }

    /// Active: registered, unfenced and not shutting down (eligible to lead).
    pub fn is_active(&self, b: BrokerId) -> bool {
        let r = &self.brokers[(b - 1) as usize];
        r.registered && !r.fenced && !r.shutting_down
    }

    fn fenced_list(&self) -> Vec<BrokerId> {
        (1..=self.brokers.len() as BrokerId)
            .filter(|b| !self.is_active(*b))
            .collect()
    }

    fn session_timeout_ms(ctx: &Ctx) -> u64 {
        match ctx.topo.config.controller {
            ControllerMode::Kraft => ctx.topo.config.broker_session_timeout_ms,
            ControllerMode::Zookeeper => ctx.topo.config.zookeeper_session_timeout_ms,
        }
    }

    pub fn on_msg(&mut self, ctx: &mut Ctx, from: Node, msg: Msg) {
        let Node::Broker(b) = from else {
            return;
        };
        match msg {
            Msg::Heartbeat {
                broker_epoch,
                previous_broker_epoch,
                metadata_offset,
                want_shutdown,
            } => {
                let beat = Beat {
                    broker_epoch,
                    previous_broker_epoch,
                    metadata_offset,
                    want_shutdown,
                };
                self.on_heartbeat(ctx, b, beat)
            }
            Msg::MetadataFetch { req_id, offset } => {
                if (offset as usize) < self.log.len() {
                    self.answer_poll(ctx, b, req_id, offset);
                } else {
                    self.polls.push((b, req_id, offset));
                    ctx.timer_after_ms(
                        METADATA_POLL_MAX_WAIT_MS,
                        Timer::MetadataPollDeadline { broker: b, req_id },
                    );
                }
            }
            Msg::AlterPartition {
                part,
                leader_epoch,
                partition_epoch,
                isr,
            } => {
                let result = self
                    .alter_partition(ctx, b, part, leader_epoch, partition_epoch, isr)
                    .map(Box::new);
                ctx.send(
                    from,
                    Msg::AlterPartitionResponse {
                        part,
                        partition_epoch,
                        result,
                    },
                );
            }
            _ => {}
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        match timer {
            Timer::SessionTimeout { broker, generation } => {
                let r = self.reg(broker);
                if r.generation == generation && r.registered && !r.fenced {
                    self.fence(ctx, broker, FenceReason::SessionTimeout);
                }
            }
            Timer::LeaderImbalanceCheck => {
                self.rebalance_leaders(ctx);
                let every = ctx
                    .topo
                    .config
                    .leader_imbalance_check_interval_seconds
                    .saturating_mul(1_000);
                ctx.timer_after_ms(every, Timer::LeaderImbalanceCheck);
            }
            Timer::UncleanCheck => {
                for part in 0..self.parts.len() as PartIdx {
                    if self.parts[part as usize].leader.is_none() && ctx.topo.unclean_enabled(part)
                    {
                        self.elect(ctx, part, None, ChangeReason::PeriodicUncleanElectionCheck);
                    }
                }
                ctx.timer_after_ms(UNCLEAN_CHECK_INTERVAL_MS, Timer::UncleanCheck);
            }
            Timer::MetadataPollDeadline { broker, req_id } => {
                if let Some(i) = self
                    .polls
                    .iter()
                    .position(|p| (p.0, p.1) == (broker, req_id))
                {
                    self.polls.remove(i);
                    let offset = self.log.len() as u64;
                    self.answer_poll(ctx, broker, req_id, offset);
                }
            }
            _ => {}
        }
    }

    fn on_heartbeat(&mut self, ctx: &mut Ctx, b: BrokerId, beat: Beat) {
        let Beat {
            broker_epoch,
            previous_broker_epoch,
            metadata_offset,
            want_shutdown,
        } = beat;
        let log_len = self.log.len() as u64;
        let now = ctx.now.as_us();
        let r = self.reg(b);
        if broker_epoch < r.broker_epoch {
            return; // a heartbeat from a previous incarnation
        }
        if broker_epoch > r.broker_epoch || !r.registered {
            // (Re-)registration: the broker starts fenced until it has caught up with the log.
            // `ClusterControlManager.registerBroker`: the shutdown was clean if the broker proves
            // it with the epoch it stopped at.
            let was_unfenced = r.registered && !r.fenced;
            let clean = previous_broker_epoch == Some(r.broker_epoch);
            r.registered = true;
            r.broker_epoch = broker_epoch;
            r.fenced = true;
            r.shutting_down = false;
            r.unfence_at_offset = log_len;
            if ctx.topo.config.eligible_leader_replicas_enable && !clean {
                self.unclean_shutdown(ctx, b);
            } else if was_unfenced {
                // The old incarnation was never fenced (it came back within the session timeout).
                self.fence(ctx, b, FenceReason::ReRegistered);
            }
        }
        let r = self.reg(b);
        r.last_heartbeat_us = now;
        r.generation += 1;
        let generation = r.generation;
        let timeout = Self::session_timeout_ms(ctx);
        ctx.timer_after_ms(
            timeout,
            Timer::SessionTimeout {
                broker: b,
                generation,
            },
        );
        let r = self.reg(b);
        if r.fenced && !r.shutting_down && !want_shutdown && metadata_offset >= r.unfence_at_offset
        {
            r.fenced = false;
            ctx.emit(TraceKind::BrokerUnfenced { broker: b });
            self.log.push(None);
            self.on_broker_available(ctx, b);
        }
        let mut shutdown_ready = false;
        if want_shutdown {
            if !self.reg(b).shutting_down {
                self.reg(b).shutting_down = true;
                self.move_leadership_away(ctx, b);
            }
            shutdown_ready = !self.parts.iter().any(|p| p.leader == Some(b));
            if shutdown_ready && !self.reg(b).fenced {
                self.fence(ctx, b, FenceReason::ControlledShutdown);
            }
        }
        let fenced = self.reg(b).fenced;
        ctx.send(
            Node::Broker(b),
            Msg::HeartbeatResponse {
                fenced,
                shutdown_ready,
            },
        );
        self.flush_polls(ctx);
    }

    fn answer_poll(&mut self, ctx: &mut Ctx, b: BrokerId, req_id: u64, from: u64) {
        let mut changed: Vec<PartIdx> = self.log[from as usize..]
            .iter()
            .flatten()
            .copied()
            .collect();
        changed.sort_unstable();
        changed.dedup();
        let partitions = changed
            .iter()
            .map(|p| self.parts[*p as usize].clone())
            .collect();
        ctx.send(
            Node::Broker(b),
            Msg::MetadataFetchResponse {
                req_id,
                offset: self.log.len() as u64,
                partitions,
                fenced: self.fenced_list(),
            },
        );
    }

    /// Answers parked long-polls after the log grew.
    fn flush_polls(&mut self, ctx: &mut Ctx) {
        if self.polls.is_empty() {
            return;
        }
        let len = self.log.len() as u64;
        let polls = std::mem::take(&mut self.polls);
        for (b, req_id, offset) in polls {
            if offset < len {
                self.answer_poll(ctx, b, req_id, offset);
            } else {
                self.polls.push((b, req_id, offset));
            }
        }
    }

    fn append(&mut self, part: PartIdx) {
        self.log.push(Some(part));
    }

    // ------------------------------------------------------------ elections and ISR

    fn fence(&mut self, ctx: &mut Ctx, b: BrokerId, why: FenceReason) {
        self.reg(b).fenced = true;
        ctx.emit(TraceKind::BrokerFenced {
            broker: b,
            reason: why,
        });
        self.log.push(None);
        let elr_on = ctx.topo.config.eligible_leader_replicas_enable;
        let zk = ctx.topo.config.controller == ControllerMode::Zookeeper;
        for part in 0..self.parts.len() as PartIdx {
            let p = &self.parts[part as usize];
            if !p.replicas.contains(&b) {
                continue;
            }
            let in_isr = p.isr.contains(&b);
            if !in_isr && p.leader != Some(b) {
                continue;
            }
            let mut isr = p.isr.clone();
            if in_isr && (isr.len() > 1 || elr_on) {
                isr.retain(|x| *x != b);
            }
            let mut elr = p.elr.clone();
            if elr_on {
                let min_isr = ctx.topo.effective_min_isr(part);
                if isr.len() < min_isr && in_isr && !elr.contains(&b) && !isr.contains(&b) {
                    elr.push(b);
                }
            }
            if p.leader == Some(b) {
                self.change(ctx, part, isr, elr, true, ChangeReason::LeaderFenced);
            } else if isr != p.isr || elr != p.elr {
                self.change(ctx, part, isr, elr, zk, ChangeReason::ReplicaFenced);
            }
        }
        self.flush_polls(ctx);
    }

    /// `ReplicationControlManager.handleBrokerUncleanShutdown` (KAFKA-15586; with ELR only): a broker
    /// that restarts without proving a clean shutdown may have lost records it had acknowledged as a
    /// follower, so it leaves every ISR *and* every ELR, and cannot lead.
    fn unclean_shutdown(&mut self, ctx: &mut Ctx, b: BrokerId) {
        ctx.emit(TraceKind::BrokerFenced {
            broker: b,
            reason: FenceReason::UncleanShutdown,
        });
        self.log.push(None);
        for part in 0..self.parts.len() as PartIdx {
            let p = &self.parts[part as usize];
            if !p.isr.contains(&b) && !p.elr.contains(&b) && p.leader != Some(b) {
                continue;
            }
            let isr: Vec<BrokerId> = p.isr.iter().copied().filter(|x| *x != b).collect();
            let elr: Vec<BrokerId> = p.elr.iter().copied().filter(|x| *x != b).collect();
            let reelect = p.leader == Some(b);
            self.change(ctx, part, isr, elr, reelect, ChangeReason::UncleanShutdown);
        }
        self.flush_polls(ctx);
    }

    /// Leaders move off `b` (controlled shutdown): elect another ISR member, drop `b` from the ISR.
    fn move_leadership_away(&mut self, ctx: &mut Ctx, b: BrokerId) {
        for part in 0..self.parts.len() as PartIdx {
            let p = &self.parts[part as usize];
            if p.leader != Some(b) {
                continue;
            }
            let mut isr = p.isr.clone();
            if isr.len() > 1 {
                isr.retain(|x| *x != b);
            }
            let elr = p.elr.clone();
            self.change(ctx, part, isr, elr, true, ChangeReason::ControlledShutdown);
        }
        self.flush_polls(ctx);
    }

    /// A broker became available: offline partitions it can lead get a leader.
    fn on_broker_available(&mut self, ctx: &mut Ctx, b: BrokerId) {
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
    fn change(
        &mut self,
        ctx: &mut Ctx,
        part: PartIdx,
        isr: Vec<BrokerId>,
        elr: Vec<BrokerId>,
        reelect: bool,
        reason: ChangeReason,
    ) {
        // The ZooKeeper-era controller bumps the leader epoch on every ISR change *it* makes
        // (`LeaderAndIsr.newLeaderAndIsr`); a leader writing its own ISR change keeps the epoch
        // (`Partition.shrinkIsr`/`expandIsr` write the same leader epoch with a new zkVersion).
        let zk = ctx.topo.config.controller == ControllerMode::Zookeeper
            && reason != ChangeReason::AlterPartition;
        let old = self.parts[part as usize].clone();
        let mut new = old.clone();
        new.isr = isr;
        new.elr = elr;
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
        if leader_changed || (zk && new.isr != old.isr) {
            new.leader_epoch += 1;
        }
        if new.leader.is_some() {
            self.last_known_leader[part as usize] = new.leader;
        }
        let name = ctx.topo.part_name(part);
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
                unclean,
                from_elr,
                reason,
            });
        } else {
            ctx.emit(TraceKind::IsrChanged {
                partition: name,
                isr: new.isr.clone(),
                leader_epoch: new.leader_epoch,
                partition_epoch: new.partition_epoch,
            });
        }
        self.parts[part as usize] = new;
        self.append(part);
    }

    /// `PartitionChangeBuilder.electAnyLeader` for `part` ([`elect_leader`] with this controller's
    /// view of which brokers are active).
    fn choose_leader(
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

    fn alter_partition(
        &mut self,
        ctx: &mut Ctx,
        from: BrokerId,
        part: PartIdx,
        leader_epoch: u32,
        partition_epoch: u32,
        isr: Vec<BrokerId>,
    ) -> Result<PartitionState, ErrorCode> {
        let p = self
            .parts
            .get(part as usize)
            .ok_or(ErrorCode::UnknownTopicOrPartition)?;
        if p.leader != Some(from) {
            return Err(ErrorCode::NotLeaderOrFollower);
        }
        if leader_epoch != p.leader_epoch || partition_epoch != p.partition_epoch {
            return Err(ErrorCode::FencedLeaderEpoch);
        }
        // KIP-903: only active brokers may join the ISR.
        if isr
            .iter()
            .any(|b| !p.isr.contains(b) && !self.is_active(*b))
        {
            return Err(ErrorCode::NotLeaderOrFollower);
        }
        let old_isr = p.isr.clone();
        let mut elr = p.elr.clone();
        if ctx.topo.config.eligible_leader_replicas_enable {
            let min_isr = ctx.topo.effective_min_isr(part);
            if isr.len() < min_isr {
                for b in &old_isr {
                    if !isr.contains(b) && !elr.contains(b) {
                        elr.push(*b);
                    }
                }
            } else {
                elr.clear();
            }
            elr.retain(|b| !isr.contains(b));
        }
        if isr.len() < old_isr.len() {
            ctx.counters.isr_shrinks += 1;
        } else if isr.len() > old_isr.len() {
            ctx.counters.isr_expands += 1;
        }
        self.change(ctx, part, isr, elr, false, ChangeReason::AlterPartition);
        self.flush_polls(ctx);
        Ok(self.parts[part as usize].clone())
    }

    /// `auto.leader.rebalance.enable`: move leadership back to preferred replicas when a broker's
    /// share of non-preferred leaders exceeds `leader.imbalance.per.broker.percentage`.
    fn rebalance_leaders(&mut self, ctx: &mut Ctx) {
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
    fn elect(
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
}
