//! One controller of a KRaft quorum (`controllers=N`): a Raft voter (`raft/`) whose committed
//! metadata records rebuild the controller state, and which acts only while it is the active
//! controller (`QuorumController`: the Raft leader, once it has replayed the log up to its epoch).
//!
//! - The active controller runs the same decisions as the single controller (`registration.rs`,
//!   `election.rs`, `metadata_log.rs`) on its own copy of the state; each change becomes a metadata
//!   record appended to the Raft log. Its answers to heartbeats and `AlterPartition` wait until
//!   those records are committed (a controller write completes on commit).
//! - Brokers fetch the committed log only: every controller keeps the state its committed records
//!   give (`committed`), and the leader answers metadata fetches from it.
//! - A new active controller starts every unfenced broker's session afresh
//!   (`ClusterControlManager.activate` registers each broker with the heartbeat manager, whose
//!   `touch` sets its last contact to now): no broker is fenced before a full
//!   `broker.session.timeout.ms` after the controller became active.
//! - A controller that is not active answers brokers with the leader it knows (`NOT_CONTROLLER`).
//!   One that loses leadership drops its uncommitted decisions (`QuorumController.renounce`
//!   reverts to the last committed state).

use super::raft::{Raft, RaftConfig, RaftEvent};
use super::Controller;
use crate::ctx::{CheckTimer, Ctx, Effect, Node, Timer};
use crate::msg::{AlterPartition, BrokerHeartbeat, MetadataFetch, Msg, PartIdx};
use crate::protocol::raft::{BrokerRecord, ControllerId, MetadataRecord, RaftEntry};
use crate::rng::SimRng;
use crate::spec::BrokerId;
use crate::trace::{QuorumChange, TraceKind};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct QuorumController {
    pub id: ControllerId,
    pub running: bool,
    pub raft: Raft,
    /// The state the committed records give: what brokers fetch.
    pub committed: Controller,
    /// The active controller's state: the committed one plus its decisions not yet committed.
    pub active: Option<Controller>,
    /// When this controller last became active.
    pub active_since_us: Option<u64>,
    #[serde(skip)]
    rng: SimRng,
    poll: CheckTimer,
    /// Answers to brokers held until the log is committed up to the offset: `(offset, to, msg)`.
    #[serde(skip)]
    held: Vec<(u64, Node, Msg)>,
    /// Metadata fetches of brokers whose latest registration is not committed yet:
    /// `(broker, request)`.
    #[serde(skip)]
    held_fetches: Vec<(BrokerId, Msg)>,
    /// When the active controller's periodic checks are due (a fired timer for another instant is
    /// one armed by an earlier term of this controller, and is ignored).
    imbalance_due_us: Option<u64>,
    unclean_due_us: Option<u64>,
}

/// The quorum's settings from the cluster's configs.
pub fn raft_config(ctx: &Ctx) -> RaftConfig {
    let c = &ctx.topo.config;
    RaftConfig {
        voters: c.controllers,
        election_timeout_ms: c.controller_quorum_election_timeout_ms,
        fetch_timeout_ms: c.controller_quorum_fetch_timeout_ms,
        election_backoff_max_ms: c.controller_quorum_election_backoff_max_ms,
        request_timeout_ms: c.controller_quorum_request_timeout_ms,
    }
}

/// A controller state with no record applied yet (every partition as assigned, no broker).
fn blank(ctx: &Ctx) -> Controller {
    let mut c = Controller::new(
        ctx.topo.brokers,
        ctx.topo.parts.iter().map(|p| p.replicas.clone()),
    );
    c.log.clear();
    c
}

/// Replays one committed record.
fn apply(c: &mut Controller, record: &MetadataRecord) {
    match record {
        MetadataRecord::LeaderChange { .. } => c.log.push(None),
        MetadataRecord::Partition {
            state,
            last_known_leader,
        } => {
            let p = state.part as usize;
            c.parts[p] = state.clone();
            c.last_known_leader[p] = *last_known_leader;
            c.log.push(Some(state.part));
        }
        MetadataRecord::Brokers(regs) => {
            for (r, rec) in c.brokers.iter_mut().zip(regs) {
                r.registered = rec.registered;
                r.fenced = rec.fenced;
                r.broker_epoch = rec.broker_epoch;
                r.shutting_down = rec.shutting_down;
                r.unfence_at_offset = rec.unfence_at_offset;
            }
            c.log.push(None);
        }
    }
}

fn brokers_record(c: &Controller) -> MetadataRecord {
    MetadataRecord::Brokers(
        c.brokers
            .iter()
            .map(|r| BrokerRecord {
                registered: r.registered,
                fenced: r.fenced,
                broker_epoch: r.broker_epoch,
                shutting_down: r.shutting_down,
                unfence_at_offset: r.unfence_at_offset,
            })
            .collect(),
    )
}

impl QuorumController {
    /// Controller `id` of a healthy quorum at the start of a run: every controller holds the same
    /// committed log (the partitions as created, every broker registered and unfenced, and
    /// controller 1's `LeaderChange` for epoch 1); controller 1 is active.
    pub fn new(id: ControllerId, ctx: &Ctx, seed: u64) -> Self {
        let mut c = blank(ctx);
        let mut log: Vec<RaftEntry> = Vec::new();
        let mut push = |c: &mut Controller, record: MetadataRecord| {
            apply(c, &record);
            log.push(RaftEntry { epoch: 1, record });
        };
        for p in 0..c.parts.len() {
            let record = MetadataRecord::Partition {
                state: c.parts[p].clone(),
                last_known_leader: c.last_known_leader[p],
            };
            push(&mut c, record);
        }
        let regs = MetadataRecord::Brokers(
            (0..ctx.topo.brokers)
                .map(|i| BrokerRecord {
                    // Brokers an `add broker` action starts later register then.
                    registered: i < ctx.topo.initial_brokers,
                    fenced: i >= ctx.topo.initial_brokers,
                    broker_epoch: u64::from(i < ctx.topo.initial_brokers),
                    shutting_down: false,
                    unfence_at_offset: 0,
                })
                .collect(),
        );
        push(&mut c, regs);
        push(&mut c, MetadataRecord::LeaderChange { leader: 1 });
        let raft = Raft::bootstrapped(id, raft_config(ctx), 1, log, ctx.now.as_us());
        QuorumController {
            id,
            running: true,
            raft,
            committed: c,
            active: None,
            active_since_us: None,
            rng: SimRng::derive_indexed(seed, "quorum", id as u64),
            poll: CheckTimer::default(),
            held: Vec::new(),
            held_fetches: Vec::new(),
            imbalance_due_us: None,
            unclean_due_us: None,
        }
    }

    /// The run starts: the leader becomes active, the others start fetching.
    pub fn start(&mut self, ctx: &mut Ctx) {
        self.after(ctx);
    }

    pub fn is_active(&self) -> bool {
        self.running && self.active.is_some()
    }

    /// The state views read: the active controller's decisions, else the committed state.
    pub fn state(&self) -> &Controller {
        self.active.as_ref().unwrap_or(&self.committed)
    }

    /// The process dies: what is not on disk is gone (the log and the quorum-state file stay).
    /// Returns the brokers' metadata fetches it held, `(broker, request id)`.
    pub fn crash(&mut self) -> Vec<(BrokerId, u64)> {
        self.running = false;
        let held =
            std::mem::take(&mut self.committed.polls)
                .into_iter()
                .map(|(b, req_id, _)| (b, req_id))
                .chain(
                    std::mem::take(&mut self.held_fetches)
                        .into_iter()
                        .filter_map(|(b, m)| m.request_id().map(|r| (b, r))),
                )
                .chain(std::mem::take(&mut self.held).into_iter().filter_map(
                    |(_, to, m)| match to {
                        Node::Broker(b) => heartbeat_answered(&m).map(|r| (b, r)),
                        _ => None,
                    },
                ))
                .collect();
        self.active = None;
        self.active_since_us = None;
        self.poll.reset();
        self.raft.out.clear();
        self.raft.events.clear();
        held
    }

    /// The process starts again: it replays nothing until it learns the high watermark.
    pub fn restart(&mut self, ctx: &mut Ctx) {
        self.running = true;
        self.raft.restart(ctx.now.as_us(), &mut self.rng);
        self.committed = blank(ctx);
        self.after(ctx);
    }

    pub fn on_msg(&mut self, ctx: &mut Ctx, from: Node, msg: Msg) {
        match (from, msg) {
            (Node::QuorumController(c), Msg::Raft(m)) => {
                self.raft.on_msg(c, *m, ctx.now.as_us(), &mut self.rng);
                self.after(ctx);
            }
            (Node::Broker(b), msg @ Msg::MetadataFetch(MetadataFetch::Request { .. })) => {
                if self.registration_pending(b) {
                    // A restarted broker catches up only to a log that holds its registration
                    // (and what it decided: `BrokerServer` waits for the lifecycle manager's
                    // initial catch-up before it applies metadata).
                    self.held_fetches.push((b, msg));
                } else if self.raft.is_leader() {
                    self.committed.on_msg(ctx, from, msg);
                } else if let Msg::MetadataFetch(MetadataFetch::Request { req_id, .. }) = msg {
                    let leader = self.raft.leader();
                    ctx.send(
                        from,
                        Msg::NotController {
                            req_id: Some(req_id),
                            leader,
                        },
                    );
                }
            }
            (Node::Broker(_), msg) => {
                if self.active.is_some() {
                    self.act(ctx, |c, ctx| c.on_msg(ctx, from, msg));
                } else {
                    let leader = self.raft.leader();
                    ctx.send(
                        from,
                        Msg::NotController {
                            req_id: msg.request_id(),
                            leader,
                        },
                    );
                }
            }
            _ => {}
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        let now = ctx.now.as_us();
        match timer {
            Timer::RaftPoll { at_us } if self.poll.fire(at_us) => {
                self.raft.poll(now, &mut self.rng);
                self.after(ctx);
            }
            Timer::MetadataPollDeadline { .. } => self.committed.on_timer(ctx, timer),
            Timer::SessionTimeout { .. } if self.active.is_some() => {
                self.act(ctx, |c, ctx| c.on_timer(ctx, timer));
            }
            Timer::LeaderImbalanceCheck if self.imbalance_due_us == Some(now) => {
                self.act(ctx, |c, ctx| c.on_timer(ctx, timer));
                self.imbalance_due_us = Some(now.saturating_add(Self::imbalance_every_us(ctx)));
            }
            Timer::UncleanCheck if self.unclean_due_us == Some(now) => {
                self.act(ctx, |c, ctx| c.on_timer(ctx, timer));
                self.unclean_due_us =
                    Some(now.saturating_add(super::UNCLEAN_CHECK_INTERVAL_MS * 1_000));
            }
            _ => {}
        }
    }

    /// A preferred leader election asked of the quorum (only the active controller runs it).
    pub fn elect_preferred_now(&mut self, ctx: &mut Ctx, part: Option<PartIdx>) {
        if self.active.is_some() {
            self.act(ctx, |c, ctx| c.elect_preferred_now(ctx, part));
        }
    }

    /// A topic's `min.insync.replicas` altered ([`Controller::clear_elrs`]), through the
    /// active controller.
    pub fn clear_elrs(&mut self, ctx: &mut Ctx, first: PartIdx, partitions: u32) {
        self.act(ctx, |c, ctx| c.clear_elrs(ctx, first, partitions));
    }

    /// A reassignment asked of the quorum: the active controller validates and writes it; without
    /// one the request fails as the admin client's would (`None`: no active controller).
    pub fn reassign(
        &mut self,
        ctx: &mut Ctx,
        part: PartIdx,
        target: &[BrokerId],
    ) -> Option<Result<(), (&'static str, String)>> {
        self.active.as_ref()?;
        let mut out = None;
        self.act(ctx, |c, ctx| out = Some(c.reassign(ctx, part, target)));
        out
    }

    fn imbalance_every_us(ctx: &Ctx) -> u64 {
        crate::time::ms_to_us(
            ctx.topo
                .config
                .leader_imbalance_check_interval_seconds
                .saturating_mul(1_000),
        )
    }

    /// Whether broker `b`'s latest registration is decided but not committed.
    fn registration_pending(&self, b: BrokerId) -> bool {
        let i = (b - 1) as usize;
        self.active.as_ref().is_some_and(|a| {
            a.brokers.get(i).map(|r| r.broker_epoch)
                != self.committed.brokers.get(i).map(|r| r.broker_epoch)
        })
    }

    /// Runs a decision of the active controller: its changes become records in the Raft log, and
    /// its answers to brokers wait for their commit.
    fn act(&mut self, ctx: &mut Ctx, f: impl FnOnce(&mut Controller, &mut Ctx)) {
        let Some(c) = self.active.as_mut() else {
            return;
        };
        let mark = ctx.out.len();
        let before = c.log.len();
        let regs_before = brokers_record(c);
        f(c, ctx);
        // A registration change the single controller keeps without a log entry (a broker's new
        // incarnation registering while fenced) is a record too (`RegisterBrokerRecord`).
        if !c.log[before..].contains(&None) && brokers_record(c) != regs_before {
            c.log.push(None);
        }
        let now = ctx.now.as_us();
        // One decision's records are one atomic batch (`QuorumController` appends a write's
        // records with `scheduleAtomicAppend`): followers receive, and commit, all or none.
        let records: Vec<MetadataRecord> = c.log[before..]
            .iter()
            .map(|entry| match entry {
                Some(p) => MetadataRecord::Partition {
                    state: c.parts[*p as usize].clone(),
                    last_known_leader: c.last_known_leader[*p as usize],
                },
                None => brokers_record(c),
            })
            .collect();
        // A decision that writes nothing (a refused registration, a heartbeat that changes no
        // state) is answered at once when no write is waiting for its commit; otherwise after the
        // last of those (`QuorumController.ControllerWriteEvent.run`: "If the purgatory is empty,
        // there are no pending operations and no uncommitted state. We can complete immediately").
        let read_only = records.is_empty() && self.held.is_empty();
        self.raft.append_batch(records, now);
        debug_assert_eq!(c.log.len() as u64, self.raft.end_offset());
        let upto = self.raft.end_offset();
        let mut i = if read_only { ctx.out.len() } else { mark };
        while i < ctx.out.len() {
            let held = matches!(
                &ctx.out[i],
                Effect::Send {
                    msg: Msg::BrokerHeartbeat(BrokerHeartbeat::Response { .. })
                        | Msg::AlterPartition(AlterPartition::Response { .. }),
                    ..
                }
            );
            if held {
                if let Effect::Send { to, msg, .. } = ctx.out.remove(i) {
                    self.held.push((upto, to, msg));
                }
            } else {
                i += 1;
            }
        }
        self.after(ctx);
    }

    /// After the Raft state changed: send its messages, trace its transitions, replay what was
    /// committed, release held answers, become active or stop being active, re-arm the poll.
    fn after(&mut self, ctx: &mut Ctx) {
        let epoch = self.raft.epoch;
        for (to, m) in std::mem::take(&mut self.raft.out) {
            ctx.send(Node::QuorumController(to), Msg::Raft(Box::new(m)));
        }
        for ev in std::mem::take(&mut self.raft.events) {
            let change = match ev {
                RaftEvent::Prospective { .. } => QuorumChange::Prospective,
                RaftEvent::Candidate { .. } => QuorumChange::Candidate,
                RaftEvent::Leader { .. } => QuorumChange::Leader,
                RaftEvent::Follower { leader, .. } => QuorumChange::Follower { leader },
                RaftEvent::Resigned { .. } => QuorumChange::Resigned,
                RaftEvent::Truncated { to, removed } => QuorumChange::Truncated {
                    to_offset: to,
                    removed,
                },
                RaftEvent::TruncationBelowHighWatermark { to, hw } => {
                    ctx.violation(format!(
                        "controller {} truncated its metadata log to {to}, below its high watermark {hw}",
                        self.id
                    ));
                    continue;
                }
            };
            ctx.emit(TraceKind::Quorum {
                controller: self.id,
                epoch,
                change,
            });
        }
        if self.active.is_some() && !self.raft.is_leader() {
            self.deactivate(ctx);
        }
        // Replay what was committed.
        let hw = self.raft.high_watermark.min(self.raft.end_offset());
        let applied = self.committed.log.len() as u64;
        if applied < hw {
            for e in &self.raft.log[applied as usize..hw as usize] {
                apply(&mut self.committed, &e.record);
            }
            if self.raft.is_leader() {
                self.committed.flush_polls(ctx);
            }
            let (ready, wait): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held)
                .into_iter()
                .partition(|(o, _, _)| *o <= hw);
            self.held = wait;
            for (_, to, msg) in ready {
                ctx.send(to, msg);
            }
            for (b, msg) in std::mem::take(&mut self.held_fetches) {
                if self.registration_pending(b) {
                    self.held_fetches.push((b, msg));
                } else {
                    self.committed.on_msg(ctx, Node::Broker(b), msg);
                }
            }
        }
        if let Some(l) = self.raft.leader_state() {
            if self.active.is_none() && self.committed.log.len() as u64 > l.epoch_start {
                self.activate(ctx);
            }
        }
        if let Some(at) = self.raft.next_deadline_us() {
            self.poll
                .arm(ctx, at.max(ctx.now.as_us()), |at_us| Timer::RaftPoll {
                    at_us,
                });
        }
    }

    /// `QuorumController` claims leadership: the heartbeat manager starts afresh
    /// (`ClusterControlManager.activate`), and the periodic checks start.
    fn activate(&mut self, ctx: &mut Ctx) {
        let now = ctx.now.as_us();
        let mut c = self.committed.clone();
        c.polls.clear();
        let generation = (self.raft.epoch as u64) << 32;
        let timeout = Controller::session_timeout_ms(ctx);
        for (i, r) in c.brokers.iter_mut().enumerate() {
            r.generation = generation;
            r.last_heartbeat_us = now;
            if r.registered && !r.fenced {
                ctx.timer_after_ms(
                    timeout,
                    Timer::SessionTimeout {
                        broker: i as BrokerId + 1,
                        generation,
                    },
                );
            }
        }
        self.active = Some(c);
        self.active_since_us = Some(now);
        let cfg = &ctx.topo.config;
        self.imbalance_due_us = None;
        if cfg.auto_leader_rebalance_enable {
            let every = Self::imbalance_every_us(ctx);
            self.imbalance_due_us = Some(now.saturating_add(every));
            ctx.timer_after_us(every, Timer::LeaderImbalanceCheck);
        }
        let unclean = super::UNCLEAN_CHECK_INTERVAL_MS * 1_000;
        self.unclean_due_us = Some(now + unclean);
        ctx.timer_after_us(unclean, Timer::UncleanCheck);
        ctx.emit(TraceKind::Quorum {
            controller: self.id,
            epoch: self.raft.epoch,
            change: QuorumChange::Active,
        });
    }

    /// `QuorumController.renounce`: uncommitted decisions are dropped; brokers waiting for an
    /// answer are told to find the new controller.
    fn deactivate(&mut self, ctx: &mut Ctx) {
        self.active = None;
        self.active_since_us = None;
        self.imbalance_due_us = None;
        self.unclean_due_us = None;
        let leader = self.raft.leader();
        for (_, to, msg) in std::mem::take(&mut self.held) {
            ctx.send(
                to,
                Msg::NotController {
                    req_id: heartbeat_answered(&msg),
                    leader,
                },
            );
        }
        let held_fetches = std::mem::take(&mut self.held_fetches)
            .into_iter()
            .filter_map(|(b, m)| m.request_id().map(|r| (b, r, 0)));
        let polls: Vec<_> = std::mem::take(&mut self.committed.polls)
            .into_iter()
            .chain(held_fetches)
            .collect();
        for (b, req_id, _) in polls {
            ctx.send(
                Node::Broker(b),
                Msg::NotController {
                    req_id: Some(req_id),
                    leader,
                },
            );
        }
    }
}

/// The heartbeat a held answer is to (its request id), if it is a heartbeat's.
fn heartbeat_answered(msg: &Msg) -> Option<u64> {
    match msg {
        Msg::BrokerHeartbeat(BrokerHeartbeat::Response { req_id, .. }) => Some(*req_id),
        _ => None,
    }
}
