//! A Kafka broker: leader and follower replicas, the replica fetcher, produce and fetch handling.
//!
//! The rules, with their place in Kafka's code:
//! - **Produce** (`ReplicaManager.appendRecords`, `Partition.appendRecordsToLeader`): with `acks=all`
//!   a leader whose ISR is below `min(min.insync.replicas, RF)` rejects the batch before appending
//!   (`NOT_ENOUGH_REPLICAS`); otherwise it appends and parks the request until the high watermark
//!   passes the batch (`DelayedProduce`), then re-checks the ISR size (`NOT_ENOUGH_REPLICAS_AFTER_APPEND`),
//!   or times out (`REQUEST_TIMED_OUT`). `acks=1` answers at once; `acks=0` never answers.
//! - **Idempotence** (`ProducerStateManager`): a batch matching one of the producer's last 5 batches is
//!   a duplicate and gets the original offset; a gap in sequence numbers is `OUT_OF_ORDER_SEQUENCE_NUMBER`.
//! - **Follower fetch** (`Partition.fetchRecords`, `Replica.updateFetchStateOrThrow`): the fetch offset
//!   is the follower's LEO as the leader knows it; a fetch at or past the leader's LEO makes the
//!   follower caught up. A follower whose last fetched epoch disagrees with the leader's epoch cache
//!   gets a diverging epoch and truncates (KIP-101/279/320).
//! - **High watermark** (`Partition.maybeIncrementLeaderHW`): the minimum LEO over the maximal ISR and
//!   caught-up replicas; frozen below min ISR since Kafka 3.7 (KAFKA-15583).
//! - **ISR** (`Partition.maybeShrinkIsr`, `isFollowerInSync`): a follower not caught up for
//!   `replica.lag.time.max.ms` is dropped (checked every half of that); one that reaches the HW and the
//!   start of the leader's epoch is added. Both go through the controller (`AlterPartition`).

pub mod replica_map;

use crate::config::{Acks, HwRule, Truncation};
use crate::ctx::{CheckTimer, Ctx, Node, Timer};
use crate::log::{Log, LogRecord};
use crate::msg::{
    ErrorCode, FetchPartition, FetchedPartition, Fetcher, Msg, PartIdx, PartitionState,
    ProduceBatch,
};
use crate::replica_map::ReplicaMap;
use crate::spec::BrokerId;
use crate::trace::{HotEvent, TraceKind, TruncationReason};
use crate::vec_map::VecMap;
use serde::Serialize;
use std::collections::VecDeque;

/// Most records a fetch response carries per partition (stands in for `max.partition.fetch.bytes`).
pub const MAX_FETCH_RECORDS: usize = 2_000;
/// Kafka's `replica.socket.timeout.ms`, the replica fetcher's request timeout.
const REPLICA_SOCKET_TIMEOUT_MS: u64 = 30_000;
/// How long a broker waits for a metadata-log fetch before retrying.
const METADATA_FETCH_TIMEOUT_MS: u64 = 5_000;
/// Kafka's `controlled.shutdown` gives up after retries; here after this long the broker just stops.
const SHUTDOWN_TIMEOUT_MS: u64 = 30_000;
/// `controller.socket.timeout.ms`: a request to the controller unanswered this long is sent again
/// (`NodeToControllerRequestThread` re-queues it; `AlterPartition` never gives up).
const CONTROLLER_SOCKET_TIMEOUT_MS: u64 = 30_000;
/// `ProducerStateEntry.NUM_BATCHES_TO_RETAIN`.
const BATCHES_TO_RETAIN: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum BrokerStatus {
    Running,
    Stopped,
}

/// What the leader knows of a follower (`Replica` in Kafka).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RemoteState {
    pub log_end_offset: u64,
    pub last_caught_up_us: u64,
    pub last_fetch_us: u64,
    pub last_fetch_leader_leo: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProducerEntry {
    pub epoch: u16,
    /// `(first sequence, last sequence, first offset)` of the last batches, oldest first.
    pub batches: VecDeque<(i32, i32, u64)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Replica {
    pub part: PartIdx,
    pub log: Log,
    /// The partition state this broker last received from the controller.
    pub state: PartitionState,
    /// LEO when this broker's current leader epoch began (for the KIP-320 ISR-join rule).
    pub leader_epoch_start_offset: u64,
    pub remotes: VecMap<BrokerId, RemoteState>,
    /// ISR proposed to the controller and not yet answered (KIP-497's pending state).
    pub pending_isr: Option<Vec<BrokerId>>,
    pub producers: VecMap<u32, ProducerEntry>,
    /// The HW last written to `replication-offset-checkpoint` (restored on restart).
    pub hw_checkpoint: u64,
}

impl Replica {
    pub fn is_leader(&self, me: BrokerId) -> bool {
        self.state.leader == Some(me)
    }

    /// Whether `b` is in the ISR or a pending change of it (`maximalIsr`).
    pub fn in_maximal_isr(&self, b: BrokerId) -> bool {
        self.state.isr.contains(&b) || self.pending_isr.as_ref().is_some_and(|p| p.contains(&b))
    }

    /// Size of the ISR plus members of a pending change (`maximalIsr.size`).
    pub fn maximal_isr_len(&self) -> usize {
        let pending = self.pending_isr.as_deref().unwrap_or(&[]);
        self.state.isr.len()
            + pending
                .iter()
                .filter(|b| !self.state.isr.contains(b))
                .count()
    }

    fn rebuild_producer_state(&mut self) {
        self.producers.clear();
        let mut current: Option<(u32, u16, i32, i32, u64)> = None;
        let close = |producers: &mut VecMap<u32, ProducerEntry>,
                     c: Option<(u32, u16, i32, i32, u64)>| {
            if let Some((pid, epoch, first, last, off)) = c {
                let e = producers.get_or_default(pid);
                if epoch != e.epoch {
                    e.epoch = epoch;
                    e.batches.clear();
                }
                e.batches.push_back((first, last, off));
                if e.batches.len() > BATCHES_TO_RETAIN {
                    e.batches.pop_front();
                }
            }
        };
        for (off, r) in self.log.records().iter().enumerate() {
            if r.producer_id == 0 {
                continue;
            }
            match current {
                Some((pid, ep, first, _, o))
                    if !r.batch_start && pid == r.producer_id && ep == r.producer_epoch =>
                {
                    current = Some((pid, ep, first, r.sequence, o));
                }
                c => {
                    close(&mut self.producers, c);
                    current = Some((
                        r.producer_id,
                        r.producer_epoch,
                        r.sequence,
                        r.sequence,
                        off as u64,
                    ));
                }
            }
        }
        close(&mut self.producers, current);
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FetcherState {
    /// `(request id, partitions in it)`.
    pub in_flight: Option<(u64, Vec<PartIdx>)>,
    pub backoff_until_us: u64,
    pub wake_scheduled: bool,
    /// When the in-flight fetch was sent.
    pub sent_us: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParkedFetch {
    pub req_id: u64,
    pub from: Node,
    pub fetcher: Fetcher,
    pub partitions: Vec<FetchPartition>,
    /// When it is answered even without data (`max_wait`).
    pub deadline_us: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelayedProduce {
    pub req_id: u64,
    pub from: Node,
    /// `(partition, required offset, base offset, result once known)`.
    pub parts: Vec<(PartIdx, u64, u64, Option<ErrorCode>)>,
    /// When the request times out (the produce request's timeout).
    pub deadline_us: u64,
}

#[derive(Clone, Debug)]
pub struct Broker {
    pub id: BrokerId,
    pub status: BrokerStatus,
    /// Incremented at every start (KRaft's broker epoch).
    pub broker_epoch: u64,
    /// The clean-shutdown file: the broker epoch written by a clean stop, deleted as the logs load
    /// at the next start (`LogManager.readBrokerEpochFromCleanShutdownFiles`). Durable.
    pub clean_shutdown_epoch: Option<u64>,
    /// What the clean-shutdown file held when this incarnation started, sent when registering.
    pub previous_broker_epoch: Option<u64>,
    pub fenced: bool,
    pub want_shutdown: bool,
    pub slow_us: u64,
    pub replicas: ReplicaMap,
    pub metadata_offset: u64,
    /// `(leader, leader epoch)` of every partition of the cluster as the metadata log told this
    /// broker (KRaft's `MetadataCache`): a broker answers `Metadata` for partitions it does not host.
    pub metadata_cache: Vec<(Option<BrokerId>, u32)>,
    pub fenced_brokers: Vec<BrokerId>,
    pub metadata_fetch_in_flight: Option<u64>,
    pub fetchers: VecMap<BrokerId, FetcherState>,
    /// Partitions this broker follows, by leader id (in partition order), so the replica fetcher
    /// does not scan every replica for every fetch. Rebuilt when a replica's state changed.
    followed: Vec<Vec<PartIdx>>,
    followed_stale: bool,
    pub parked_fetches: Vec<ParkedFetch>,
    pub delayed_produces: Vec<DelayedProduce>,
    fetch_check: CheckTimer,
    produce_check: CheckTimer,
    /// One timer for the earliest parked-fetch deadline, instead of one per parked fetch: most
    /// parked fetches are answered early (data arrived), and their timers fired for nothing (a sixth
    /// of all events at scale).
    parked_check: CheckTimer,
}

impl Broker {
    pub fn new(id: BrokerId, parts: impl Iterator<Item = (PartIdx, Vec<BrokerId>)>) -> Self {
        let parts: Vec<(PartIdx, Vec<BrokerId>)> = parts.collect();
        let partitions = parts.len();
        let metadata_cache = vec![(None, 0); partitions];
        let replicas = parts
            .into_iter()
            .filter(|(_, replicas)| replicas.contains(&id))
            .map(|(part, replicas)| Replica {
                part,
                log: Log::default(),
                state: PartitionState {
                    part,
                    leader: None,
                    leader_epoch: 0,
                    partition_epoch: 0,
                    replicas,
                    isr: Vec::new(),
                    elr: Vec::new(),
                },
                leader_epoch_start_offset: 0,
                remotes: VecMap::new(),
                pending_isr: None,
                producers: VecMap::new(),
                hw_checkpoint: 0,
            })
            .collect();
        let replicas = ReplicaMap::new(replicas, partitions);
        Broker {
            id,
            status: BrokerStatus::Stopped,
            broker_epoch: 0,
            clean_shutdown_epoch: None,
            previous_broker_epoch: None,
            fenced: true,
            want_shutdown: false,
            slow_us: 0,
            replicas,
            metadata_offset: 0,
            metadata_cache,
            fenced_brokers: Vec::new(),
            metadata_fetch_in_flight: None,
            fetchers: VecMap::new(),
            followed: Vec::new(),
            followed_stale: true,
            parked_fetches: Vec::new(),
            delayed_produces: Vec::new(),
            fetch_check: CheckTimer::default(),
            produce_check: CheckTimer::default(),
            parked_check: CheckTimer::default(),
        }
    }

    pub fn is_running(&self) -> bool {
        self.status == BrokerStatus::Running
    }

    /// Starts (or restarts) the process: log recovery, then registration with the controller.
    pub fn start(&mut self, ctx: &mut Ctx) {
        self.status = BrokerStatus::Running;
        self.previous_broker_epoch = self.clean_shutdown_epoch.take();
        self.broker_epoch += 1;
        self.fenced = true;
        self.want_shutdown = false;
        self.metadata_offset = 0;
        // The metadata log is read again from the start (see `fetch_metadata`).
        self.metadata_cache.iter_mut().for_each(|c| *c = (None, 0));
        self.metadata_fetch_in_flight = None;
        self.fetchers.clear();
        self.parked_fetches.clear();
        self.delayed_produces.clear();
        self.fetch_check.reset();
        self.produce_check.reset();
        self.parked_check.reset();
        for r in self.replicas.values_mut() {
            // Log recovery: the HW comes back from the checkpoint file, clamped to the LEO.
            let hw = r.hw_checkpoint.min(r.log.log_end_offset());
            r.log.high_watermark = 0;
            r.log.set_high_watermark(hw);
            r.state.leader = None;
            r.state.isr.clear();
            self.followed_stale = true;
            r.remotes.clear();
            r.pending_isr = None;
            r.rebuild_producer_state();
        }
        ctx.emit(TraceKind::BrokerStarted {
            broker: self.id,
            broker_epoch: self.broker_epoch,
        });
        self.send_heartbeat(ctx);
        self.fetch_metadata(ctx);
        let cfg = &ctx.topo.config;
        let lag = cfg.replica_lag_time_max_ms / 2;
        let hw_ckpt = cfg.replica_high_watermark_checkpoint_interval_ms;
        let hb = cfg.broker_heartbeat_interval_ms;
        ctx.timer_after_ms(lag.max(1), Timer::IsrExpiration);
        ctx.timer_after_ms(hb, Timer::Heartbeat);
        ctx.timer_after_ms(hw_ckpt, Timer::HwCheckpoint);
    }

    /// Stops the process. Returns the requests it held, so the engine can reset their connections.
    pub fn stop(&mut self, ctx: &mut Ctx, clean: bool) -> Vec<(Node, u64)> {
        self.status = BrokerStatus::Stopped;
        if clean {
            for r in self.replicas.values_mut() {
                r.hw_checkpoint = r.log.high_watermark;
            }
            self.clean_shutdown_epoch = Some(self.broker_epoch);
        }
        let mut held: Vec<(Node, u64)> = self
            .parked_fetches
            .drain(..)
            .map(|p| (p.from, p.req_id))
            .collect();
        held.extend(self.delayed_produces.drain(..).map(|d| (d.from, d.req_id)));
        self.fetchers.clear();
        ctx.emit(TraceKind::BrokerStopped {
            broker: self.id,
            clean,
        });
        held
    }

    /// A power loss: records that reached this disk less than `window_us` ago are gone.
    pub fn lose_unflushed(&mut self, ctx: &mut Ctx, window_us: u64) {
        let cutoff = ctx.now.as_us().saturating_sub(window_us);
        for r in self.replicas.values_mut() {
            let leo = r.log.log_end_offset();
            // Appends are in time order, so the unflushed records are a tail.
            let mut keep = leo;
            while keep > 0
                && r.log
                    .get(keep - 1)
                    .is_some_and(|rec| rec.append_us > cutoff)
            {
                keep -= 1;
            }
            if keep < leo {
                r.log.truncate_to(keep);
                r.hw_checkpoint = r.hw_checkpoint.min(keep);
                ctx.emit(TraceKind::Truncated {
                    partition: ctx.topo.part_name(r.part),
                    broker: self.id,
                    to_offset: keep,
                    removed: leo - keep,
                    reason: TruncationReason::PowerLoss,
                });
            }
        }
    }

    pub fn send_heartbeat(&mut self, ctx: &mut Ctx) {
        ctx.send(
            Node::Controller,
            Msg::Heartbeat {
                broker_epoch: self.broker_epoch,
                previous_broker_epoch: self.previous_broker_epoch,
                metadata_offset: self.metadata_offset,
                want_shutdown: self.want_shutdown,
            },
        );
    }

    fn fetch_metadata(&mut self, ctx: &mut Ctx) {
        let req_id = ctx.req_id();
        self.metadata_fetch_in_flight = Some(req_id);
        ctx.send(
            Node::Controller,
            Msg::MetadataFetch {
                req_id,
                offset: self.metadata_offset,
            },
        );
        ctx.timer_after_ms(
            METADATA_FETCH_TIMEOUT_MS,
            Timer::MetadataFetchTimeout { req_id },
        );
    }

    /// Begins a controlled shutdown.
    pub fn begin_shutdown(&mut self, ctx: &mut Ctx) {
        self.want_shutdown = true;
        self.send_heartbeat(ctx);
        ctx.timer_after_ms(SHUTDOWN_TIMEOUT_MS, Timer::ShutdownDeadline);
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) -> BrokerAction {
        match timer {
            Timer::Heartbeat => {
                self.send_heartbeat(ctx);
                ctx.timer_after_ms(
                    ctx.topo.config.broker_heartbeat_interval_ms,
                    Timer::Heartbeat,
                );
            }
            Timer::IsrExpiration => {
                self.maybe_shrink_isr(ctx);
                let half = (ctx.topo.config.replica_lag_time_max_ms / 2).max(1);
                ctx.timer_after_ms(half, Timer::IsrExpiration);
            }
            Timer::HwCheckpoint => {
                for r in self.replicas.values_mut() {
                    r.hw_checkpoint = r.log.high_watermark;
                }
                let every = ctx
                    .topo
                    .config
                    .replica_high_watermark_checkpoint_interval_ms;
                ctx.timer_after_ms(every, Timer::HwCheckpoint);
            }
            Timer::FetchTimeoutCheck { at_us } if self.fetch_check.fire(at_us) => {
                let now = ctx.now.as_us();
                let timeout_us = crate::time::ms_to_us(REPLICA_SOCKET_TIMEOUT_MS);
                let expired: Vec<BrokerId> = self
                    .fetchers
                    .iter()
                    .filter(|(_, f)| {
                        f.in_flight.is_some() && f.sent_us.saturating_add(timeout_us) <= now
                    })
                    .map(|(l, _)| *l)
                    .collect();
                for leader in expired {
                    self.fetchers.get_mut(&leader).expect("listed").in_flight = None;
                    self.pump_fetcher(ctx, leader);
                }
                self.arm_fetch_check(ctx);
            }
            Timer::FetcherWake { leader } => {
                if let Some(f) = self.fetchers.get_mut(&leader) {
                    f.wake_scheduled = false;
                }
                self.pump_fetcher(ctx, leader);
            }
            Timer::ParkedFetchCheck { at_us } if self.parked_check.fire(at_us) => {
                // Every fetch whose max_wait is over, in the order they were parked.
                let now = ctx.now.as_us();
                self.answer_parked(ctx, |_, p| p.deadline_us <= now);
                self.arm_parked_check(ctx);
            }
            Timer::ProduceDeadlineCheck { at_us } if self.produce_check.fire(at_us) => {
                let now = ctx.now.as_us();
                let (expired, waiting): (Vec<_>, Vec<_>) =
                    std::mem::take(&mut self.delayed_produces)
                        .into_iter()
                        .partition(|d| d.deadline_us <= now);
                self.delayed_produces = waiting;
                for mut d in expired {
                    for p in &mut d.parts {
                        if p.3.is_none() {
                            p.3 = Some(ErrorCode::RequestTimedOut);
                        }
                    }
                    respond_produce(ctx, &d);
                }
                self.arm_produce_check(ctx);
            }
            Timer::MetadataFetchTimeout { req_id }
                if self.metadata_fetch_in_flight == Some(req_id) =>
            {
                self.fetch_metadata(ctx);
            }
            Timer::AlterPartitionRetry {
                part,
                partition_epoch,
            } => {
                let me = self.id;
                let retry = self.replicas.get(&part).and_then(|r| {
                    (r.is_leader(me) && r.state.partition_epoch == partition_epoch)
                        .then(|| r.pending_isr.clone())
                        .flatten()
                });
                if let Some(isr) = retry {
                    self.propose_isr(ctx, part, isr);
                }
            }
            Timer::ShutdownDeadline if self.want_shutdown => {
                return BrokerAction::Stop { clean: true };
            }
            _ => {}
        }
        BrokerAction::None
    }

    pub fn on_msg(&mut self, ctx: &mut Ctx, from: Node, msg: Msg) -> BrokerAction {
        match msg {
            Msg::Produce {
                req_id,
                acks,
                timeout_us,
                batches,
            } => {
                self.on_produce(ctx, from, req_id, acks, timeout_us, batches);
            }
            Msg::Fetch {
                req_id,
                fetcher,
                max_wait_us,
                partitions,
            } => {
                self.on_fetch(ctx, from, req_id, fetcher, max_wait_us, partitions);
            }
            Msg::FetchResponse { req_id, partitions } => {
                if let Node::Broker(leader) = from {
                    self.on_fetch_response(ctx, leader, req_id, partitions);
                }
            }
            Msg::ApiVersions { req_id } => ctx.send(from, Msg::ApiVersionsResponse { req_id }),
            Msg::Metadata { req_id } => {
                let partitions = (0..ctx.topo.parts.len() as PartIdx)
                    .map(|p| match self.replicas.get(&p) {
                        Some(r) => (p, r.state.leader, r.state.leader_epoch),
                        None => {
                            let (leader, epoch) = self.metadata_cache[p as usize];
                            (p, leader, epoch)
                        }
                    })
                    .collect();
                ctx.send(from, Msg::MetadataResponse { req_id, partitions });
            }
            Msg::HeartbeatResponse {
                fenced,
                shutdown_ready,
            } => {
                self.fenced = fenced;
                if self.want_shutdown && shutdown_ready {
                    return BrokerAction::Stop { clean: true };
                }
            }
            Msg::MetadataFetchResponse {
                req_id,
                offset,
                partitions,
                fenced,
            } if self.metadata_fetch_in_flight == Some(req_id) => {
                self.metadata_offset = offset;
                self.fenced_brokers = fenced;
                for st in partitions {
                    let cached = &mut self.metadata_cache[st.part as usize];
                    if st.leader_epoch >= cached.1 {
                        *cached = (st.leader, st.leader_epoch);
                    }
                    self.apply_partition_state(ctx, st);
                }
                self.fetch_metadata(ctx);
            }
            Msg::AlterPartitionResponse {
                part,
                partition_epoch,
                result,
            } => {
                if let Some(r) = self.replicas.get_mut(&part) {
                    if partition_epoch != r.state.partition_epoch {
                        return BrokerAction::None; // answers a proposal the metadata log superseded
                    }
                    r.pending_isr = None;
                    if let Ok(st) = result {
                        if st.partition_epoch > r.state.partition_epoch
                            && st.leader_epoch >= r.state.leader_epoch
                        {
                            self.apply_partition_state(ctx, *st);
                        }
                    }
                }
            }
            Msg::Disconnect { req_id } => {
                if self.metadata_fetch_in_flight == Some(req_id) {
                    self.metadata_fetch_in_flight = None;
                    ctx.timer_after_ms(500, Timer::MetadataFetchTimeout { req_id });
                    self.metadata_fetch_in_flight = Some(req_id);
                }
                let leaders: Vec<BrokerId> = self
                    .fetchers
                    .iter()
                    .filter(|(_, f)| f.in_flight.as_ref().is_some_and(|(id, _)| *id == req_id))
                    .map(|(l, _)| *l)
                    .collect();
                for l in leaders {
                    let backoff = ctx.topo.config.replica_fetch_backoff_ms;
                    let f = self.fetchers.get_mut(&l).expect("listed above");
                    f.in_flight = None;
                    f.backoff_until_us = ctx
                        .now
                        .as_us()
                        .saturating_add(crate::time::ms_to_us(backoff));
                    self.schedule_wake(ctx, l);
                }
            }
            _ => {}
        }
        BrokerAction::None
    }

    // ---------------------------------------------------------------- metadata

    /// Applies the controller's decision for a partition: become leader, follower, or neither.
    fn apply_partition_state(&mut self, ctx: &mut Ctx, st: PartitionState) {
        let me = self.id;
        let Some(r) = self.replicas.get_mut(&st.part) else {
            return;
        };
        let was_leader = r.is_leader(me);
        let old_leader = r.state.leader;
        let new_epoch = st.leader_epoch > r.state.leader_epoch || old_leader.is_none();
        let part = st.part;
        if st.leader_epoch < r.state.leader_epoch || st.partition_epoch < r.state.partition_epoch {
            return; // stale
        }
        let becomes_leader = st.leader == Some(me);
        if r.state.leader != st.leader {
            self.followed_stale = true;
        }
        r.state = st;
        // Partition.makeLeader / makeFollower → updateAssignmentAndIsr: the committed state from the
        // controller replaces any pending ISR change (its response may never come).
        r.pending_isr = None;
        if becomes_leader {
            if !was_leader || new_epoch {
                // Partition.makeLeader: a new epoch starts at our LEO; followers' states are reset.
                r.log.assign_epoch_start(r.state.leader_epoch);
                r.leader_epoch_start_offset = r.log.log_end_offset();
                r.pending_isr = None;
                let now = ctx.now.as_us();
                r.remotes = r
                    .state
                    .replicas
                    .iter()
                    .filter(|b| **b != me)
                    .map(|b| {
                        let in_isr = r.state.isr.contains(b);
                        (
                            *b,
                            RemoteState {
                                log_end_offset: 0,
                                last_caught_up_us: if in_isr { now } else { 0 },
                                last_fetch_us: 0,
                                last_fetch_leader_leo: 0,
                            },
                        )
                    })
                    .collect();
                self.fetchers_remove_part(part);
            }
            self.maybe_increment_hw(ctx, part);
        } else {
            if was_leader {
                self.fail_delayed_for(ctx, part, ErrorCode::NotLeaderOrFollower);
            }
            let r = self.replicas.get_mut(&part).expect("checked above");
            if let Some(leader) = r.state.leader {
                if new_epoch || old_leader != Some(leader) {
                    if ctx.topo.config.truncation == Truncation::HighWatermark {
                        // Before KIP-101: truncate to the local HW on becoming a follower.
                        let hw = r.log.high_watermark;
                        let leo = r.log.log_end_offset();
                        if hw < leo {
                            r.log.truncate_to(hw);
                            r.rebuild_producer_state();
                            ctx.emit(TraceKind::Truncated {
                                partition: ctx.topo.part_name(part),
                                broker: me,
                                to_offset: hw,
                                removed: leo - hw,
                                reason: TruncationReason::BecameFollowerPreKip101,
                            });
                        }
                    }
                    self.fetchers_remove_part(part);
                    self.pump_fetcher(ctx, leader);
                }
            } else {
                self.fetchers_remove_part(part);
            }
        }
    }

    fn fetchers_remove_part(&mut self, part: PartIdx) {
        for f in self.fetchers.values_mut() {
            if let Some((_, parts)) = &mut f.in_flight {
                parts.retain(|p| *p != part);
            }
        }
    }

    // ---------------------------------------------------------------- produce

    fn on_produce(
        &mut self,
        ctx: &mut Ctx,
        from: Node,
        req_id: u64,
        acks: Acks,
        timeout_us: u64,
        mut batches: Vec<ProduceBatch>,
    ) -> BrokerAction {
        let me = self.id;
        let mut results: Vec<(PartIdx, ErrorCode, Option<u64>)> = ctx.pools.produce_results.take();
        let mut waiting: Vec<(PartIdx, u64, u64, Option<ErrorCode>)> = Vec::new();
        if acks == Acks::All {
            waiting.reserve_exact(batches.len());
        } else {
            results.reserve_exact(batches.len());
        }
        for batch in batches.drain(..) {
            let part = batch.part;
            let min_isr = ctx.topo.effective_min_isr(part);
            let Some(r) = self.replicas.get_mut(&part).filter(|r| r.is_leader(me)) else {
                results.push((part, ErrorCode::NotLeaderOrFollower, None));
                continue;
            };
            if acks == Acks::All && r.state.isr.len() < min_isr {
                results.push((part, ErrorCode::NotEnoughReplicas, None));
                continue;
            }
            // Idempotence: duplicate and sequence checks against the producer's state.
            if let Some((pid, pepoch, base_seq)) = batch.idempotence {
                let last_seq = base_seq + batch.records.len() as i32 - 1;
                if let Some(e) = r.producers.get(&pid) {
                    if pepoch == e.epoch {
                        if let Some(&(first, last, off)) = e
                            .batches
                            .iter()
                            .find(|(f, l, _)| *f == base_seq && *l == last_seq)
                        {
                            // A duplicate: answer with the original offset, but with acks=all only
                            // once the original batch is committed (its requiredOffset).
                            match acks {
                                Acks::All => {
                                    let required = off + (last - first + 1) as u64;
                                    waiting.push((part, required, off, None));
                                }
                                _ => results.push((part, ErrorCode::None, Some(off))),
                            }
                            continue;
                        }
                        let expected = e.batches.back().map(|b| b.1 + 1).unwrap_or(0);
                        if base_seq != expected {
                            let older = e.batches.front().is_some_and(|b| base_seq < b.0);
                            let err = if older {
                                ErrorCode::DuplicateSequenceNumber
                            } else {
                                ErrorCode::OutOfOrderSequenceNumber
                            };
                            results.push((part, err, None));
                            continue;
                        }
                    } else if pepoch < e.epoch || base_seq != 0 {
                        results.push((part, ErrorCode::OutOfOrderSequenceNumber, None));
                        continue;
                    }
                } else if base_seq != 0 {
                    results.push((part, ErrorCode::OutOfOrderSequenceNumber, None));
                    continue;
                }
            }
            let base = r.log.log_end_offset();
            let epoch = r.state.leader_epoch;
            let now_us = ctx.now.as_us();
            for (i, &id) in batch.records.iter().enumerate() {
                let (pid, pepoch, seq) = match batch.idempotence {
                    Some((pid, pe, s)) => (pid, pe, s + i as i32),
                    None => (0, 0, -1),
                };
                let off = r.log.append(LogRecord {
                    record_id: id,
                    leader_epoch: epoch,
                    producer_id: pid,
                    producer_epoch: pepoch,
                    sequence: seq,
                    batch_start: i == 0,
                    append_us: now_us,
                });
                if let Some(info) = ctx.prov.get_mut(id) {
                    info.leader_appends += 1;
                    if info.first_append().is_none() {
                        info.set_first_append(me, off, epoch, now_us);
                    }
                }
            }
            if let Some((pid, pepoch, base_seq)) = batch.idempotence {
                let e = r.producers.get_or_default(pid);
                if e.epoch != pepoch {
                    e.epoch = pepoch;
                    e.batches.clear();
                }
                e.batches
                    .push_back((base_seq, base_seq + batch.records.len() as i32 - 1, base));
                if e.batches.len() > BATCHES_TO_RETAIN {
                    e.batches.pop_front();
                }
            }
            let topo = ctx.topo;
            ctx.emit_hot(HotEvent::Appended {
                partition: topo.part_name_ref(part),
                broker: me,
                base_offset: base,
                count: batch.records.len() as u32,
                leader_epoch: epoch,
                first_record: batch.records.first().copied().unwrap_or(0),
            });
            ctx.pools.record_ids.give(batch.records);
            let required = r.log.log_end_offset();
            match acks {
                Acks::All => waiting.push((part, required, base, None)),
                _ => results.push((part, ErrorCode::None, Some(base))),
            }
            self.maybe_increment_hw(ctx, part);
            self.wake_parked(ctx, part);
        }
        ctx.pools.produce.give(batches);
        if acks == Acks::Zero {
            return BrokerAction::None;
        }
        if waiting.is_empty() {
            ctx.send(from, Msg::ProduceResponse { req_id, results });
            return BrokerAction::None;
        }
        for (part, err, off) in results {
            waiting.push((part, 0, off.unwrap_or(0), Some(err)));
        }
        let mut d = DelayedProduce {
            req_id,
            from,
            parts: waiting,
            deadline_us: ctx.now.as_us().saturating_add(timeout_us),
        };
        self.check_delayed(ctx, &mut d);
        if d.parts.iter().all(|p| p.3.is_some()) {
            respond_produce(ctx, &d);
        } else {
            self.delayed_produces.push(d);
            self.arm_produce_check(ctx);
        }
        BrokerAction::None
    }

    /// `DelayedProduce.tryComplete` / `Partition.checkEnoughReplicasReachOffset`.
    fn check_delayed(&self, ctx: &mut Ctx, d: &mut DelayedProduce) {
        for (part, required, _, result) in &mut d.parts {
            if result.is_some() {
                continue;
            }
            let Some(r) = self.replicas.get(part) else {
                *result = Some(ErrorCode::NotLeaderOrFollower);
                continue;
            };
            if !r.is_leader(self.id) {
                *result = Some(ErrorCode::NotLeaderOrFollower);
                continue;
            }
            if r.log.high_watermark >= *required {
                let min_isr = ctx.topo.effective_min_isr(*part);
                // Kafka counts the maximal ISR here (KIP-497: the ISR plus a pending expansion), so
                // an acknowledgement can go out while the committed ISR is one short of min ISR
                // and the controller has not yet confirmed the replica that rejoined.
                if r.maximal_isr_len() >= min_isr {
                    *result = Some(ErrorCode::None);
                } else {
                    *result = Some(ErrorCode::NotEnoughReplicasAfterAppend);
                }
            }
        }
    }

    fn complete_delayed(&mut self, ctx: &mut Ctx, part: PartIdx) {
        if self.delayed_produces.is_empty() {
            return;
        }
        // In place and in order (no new vector per HW move: this runs for most produce requests).
        let mut pending = std::mem::take(&mut self.delayed_produces);
        pending.retain_mut(|d| {
            if d.parts.iter().any(|p| p.0 == part && p.3.is_none()) {
                self.check_delayed(ctx, d);
            }
            if d.parts.iter().all(|p| p.3.is_some()) {
                respond_produce(ctx, d);
                false
            } else {
                true
            }
        });
        self.delayed_produces = pending;
    }

    fn fail_delayed_for(&mut self, ctx: &mut Ctx, part: PartIdx, err: ErrorCode) {
        for d in &mut self.delayed_produces {
            for p in &mut d.parts {
                if p.0 == part && p.3.is_none() {
                    p.3 = Some(err);
                }
            }
        }
        self.complete_delayed(ctx, part);
    }

    // ---------------------------------------------------------------- high watermark and ISR

    /// `Partition.maybeIncrementLeaderHW`.
    fn maybe_increment_hw(&mut self, ctx: &mut Ctx, part: PartIdx) {
        let me = self.id;
        let Some(r) = self.replicas.get_mut(&part) else {
            return;
        };
        if !r.is_leader(me) {
            return;
        }
        let min_isr = ctx.topo.effective_min_isr(part);
        if ctx.topo.config.hw_rule == HwRule::StrictMinIsr && r.state.isr.len() < min_isr {
            return;
        }
        let leo = r.log.log_end_offset();
        let lag_us = crate::time::ms_to_us(ctx.topo.config.replica_lag_time_max_ms);
        let now = ctx.now.as_us();
        let mut new_hw = leo;
        for (b, rs) in &r.remotes {
            if rs.log_end_offset >= new_hw {
                continue;
            }
            let caught_up = rs.log_end_offset == leo
                || (rs.last_caught_up_us > 0 && now - rs.last_caught_up_us <= lag_us);
            let eligible = !self.fenced_brokers.contains(b);
            if r.in_maximal_isr(*b) || (caught_up && eligible) {
                new_hw = rs.log_end_offset;
            }
        }
        if new_hw > r.log.high_watermark {
            let old = r.log.high_watermark;
            r.log.set_high_watermark(new_hw);
            for off in old..new_hw {
                let id = r.log.get(off).map(|rec| rec.record_id);
                if let Some(info) = id.and_then(|id| ctx.prov.get_mut(id)) {
                    if info.committed_us().is_none() {
                        info.set_committed(now);
                    }
                }
            }
            let topo = ctx.topo;
            ctx.emit_hot(HotEvent::HighWatermark {
                partition: topo.part_name_ref(part),
                broker: me,
                high_watermark: new_hw,
            });
            self.complete_delayed(ctx, part);
            self.wake_parked(ctx, part);
        }
    }

    /// The "isr-expiration" task: drop followers that have not caught up for `replica.lag.time.max.ms`.
    fn maybe_shrink_isr(&mut self, ctx: &mut Ctx) {
        let me = self.id;
        let lag_us = crate::time::ms_to_us(ctx.topo.config.replica_lag_time_max_ms);
        let now = ctx.now.as_us();
        let mut proposals = Vec::new();
        for (part, r) in &self.replicas {
            if !r.is_leader(me) || r.pending_isr.is_some() {
                continue;
            }
            let leo = r.log.log_end_offset();
            let out: Vec<BrokerId> = r
                .state
                .isr
                .iter()
                .copied()
                .filter(|b| *b != me)
                .filter(|b| {
                    r.remotes.get(b).is_some_and(|rs| {
                        rs.log_end_offset != leo
                            && now.saturating_sub(rs.last_caught_up_us) > lag_us
                    })
                })
                .collect();
            if !out.is_empty() {
                let isr: Vec<BrokerId> = r
                    .state
                    .isr
                    .iter()
                    .copied()
                    .filter(|b| !out.contains(b))
                    .collect();
                proposals.push((*part, isr));
            }
        }
        for (part, isr) in proposals {
            self.propose_isr(ctx, part, isr);
        }
    }

    fn propose_isr(&mut self, ctx: &mut Ctx, part: PartIdx, isr: Vec<BrokerId>) {
        let r = self.replicas.get_mut(&part).expect("leader replica");
        // During a shrink the maximal ISR stays the old one; during an expand it includes the new
        // member. Both are the union of current and proposed.
        r.pending_isr = Some(isr.clone());
        let partition_epoch = r.state.partition_epoch;
        ctx.send(
            Node::Controller,
            Msg::AlterPartition {
                part,
                leader_epoch: r.state.leader_epoch,
                partition_epoch,
                isr,
            },
        );
        ctx.timer_after_ms(
            CONTROLLER_SOCKET_TIMEOUT_MS,
            Timer::AlterPartitionRetry {
                part,
                partition_epoch,
            },
        );
    }

    // ---------------------------------------------------------------- fetch (leader side)

    fn on_fetch(
        &mut self,
        ctx: &mut Ctx,
        from: Node,
        req_id: u64,
        fetcher: Fetcher,
        max_wait_us: u64,
        partitions: Vec<FetchPartition>,
    ) -> BrokerAction {
        if let Fetcher::Follower(f) = fetcher {
            for fp in &partitions {
                self.update_follower(ctx, f, fp);
            }
        }
        let deadline_us = ctx.now.as_us().saturating_add(max_wait_us);
        let p = ParkedFetch {
            req_id,
            from,
            fetcher,
            partitions,
            deadline_us,
        };
        if max_wait_us == 0 || self.fetch_has_data(&p) {
            self.answer_fetch(ctx, &p);
            ctx.pools.fetch.give(p.partitions);
        } else {
            self.parked_fetches.push(p);
            self.parked_check
                .arm(ctx, deadline_us, |at_us| Timer::ParkedFetchCheck { at_us });
        }
        BrokerAction::None
    }

    /// Arms the parked-fetch check for the earliest deadline.
    fn arm_parked_check(&mut self, ctx: &mut Ctx) {
        if let Some(at) = self.parked_fetches.iter().map(|p| p.deadline_us).min() {
            self.parked_check
                .arm(ctx, at, |at_us| Timer::ParkedFetchCheck { at_us });
        }
    }

    /// What the leader learns from a follower's fetch: its LEO, whether it is caught up, and whether
    /// it may (re)join the ISR.
    fn update_follower(&mut self, ctx: &mut Ctx, follower: BrokerId, fp: &FetchPartition) {
        let me = self.id;
        let part = fp.part;
        let Some(r) = self.replicas.get_mut(&part) else {
            return;
        };
        if !r.is_leader(me) || fp.current_leader_epoch != r.state.leader_epoch {
            return;
        }
        if diverging(&r.log, fp, ctx.topo.config.truncation) != EpochCheck::Ok {
            return;
        }
        let leo = r.log.log_end_offset();
        let now = ctx.now.as_us();
        let Some(rs) = r.remotes.get_mut(&follower) else {
            return;
        };
        // Replica.updateFetchStateOrThrow.
        if fp.fetch_offset >= leo {
            rs.last_caught_up_us = now;
        } else if fp.fetch_offset >= rs.last_fetch_leader_leo && rs.last_fetch_us > 0 {
            rs.last_caught_up_us = rs.last_caught_up_us.max(rs.last_fetch_us);
        }
        rs.log_end_offset = fp.fetch_offset.min(leo);
        rs.last_fetch_us = now;
        rs.last_fetch_leader_leo = leo;
        // Partition.maybeExpandIsr with the KIP-320 guard and KIP-903's eligibility.
        let follower_leo = rs.log_end_offset;
        if !r.state.isr.contains(&follower)
            && r.pending_isr.is_none()
            && follower_leo >= r.log.high_watermark
            && follower_leo >= r.leader_epoch_start_offset
            && !self.fenced_brokers.contains(&follower)
        {
            let mut isr = r.state.isr.clone();
            isr.push(follower);
            self.propose_isr(ctx, part, isr);
        }
        self.maybe_increment_hw(ctx, part);
    }

    fn fetch_has_data(&self, p: &ParkedFetch) -> bool {
        p.partitions.iter().any(|fp| {
            let Some(r) = self.replicas.get(&fp.part) else {
                return true;
            };
            if !r.is_leader(self.id) || fp.current_leader_epoch != r.state.leader_epoch {
                return true;
            }
            let limit = match p.fetcher {
                Fetcher::Follower(_) => r.log.log_end_offset(),
                Fetcher::Consumer => r.log.high_watermark,
            };
            fp.fetch_offset != limit
        })
    }

    fn wake_parked(&mut self, ctx: &mut Ctx, part: PartIdx) {
        if self.parked_fetches.is_empty() {
            return;
        }
        self.answer_parked(ctx, |b, p| {
            p.partitions.iter().any(|fp| fp.part == part) && b.fetch_has_data(p)
        });
    }

    /// Answers the parked fetches `due` picks, in the order they were parked; keeps the others.
    fn answer_parked(&mut self, ctx: &mut Ctx, due: impl Fn(&Self, &ParkedFetch) -> bool) {
        let mut parked = std::mem::take(&mut self.parked_fetches);
        parked.retain_mut(|p| {
            if due(self, p) {
                self.answer_fetch(ctx, p);
                ctx.pools.fetch.give(std::mem::take(&mut p.partitions));
                false
            } else {
                true
            }
        });
        self.parked_fetches = parked;
    }

    fn answer_fetch(&self, ctx: &mut Ctx, p: &ParkedFetch) {
        let mut out = ctx.pools.fetched.take();
        out.reserve(p.partitions.len());
        for fp in &p.partitions {
            out.push(self.read_partition(ctx, p.fetcher, fp));
        }
        ctx.send(
            p.from,
            Msg::FetchResponse {
                req_id: p.req_id,
                partitions: out,
            },
        );
    }

    fn read_partition(
        &self,
        ctx: &mut Ctx,
        fetcher: Fetcher,
        fp: &FetchPartition,
    ) -> FetchedPartition {
        let empty = |error| FetchedPartition {
            part: fp.part,
            error,
            high_watermark: 0,
            log_end_offset: 0,
            records: Vec::new(),
            base_offset: fp.fetch_offset,
            diverging_epoch: None,
        };
        let Some(r) = self.replicas.get(&fp.part) else {
            return empty(ErrorCode::NotLeaderOrFollower);
        };
        if !r.is_leader(self.id) {
            return empty(ErrorCode::NotLeaderOrFollower);
        }
        if fp.current_leader_epoch < r.state.leader_epoch {
            return empty(ErrorCode::FencedLeaderEpoch);
        }
        if fp.current_leader_epoch > r.state.leader_epoch {
            return empty(ErrorCode::UnknownLeaderEpoch);
        }
        let leo = r.log.log_end_offset();
        let hw = r.log.high_watermark;
        let mut resp = FetchedPartition {
            part: fp.part,
            error: ErrorCode::None,
            high_watermark: hw,
            log_end_offset: leo,
            records: Vec::new(),
            base_offset: fp.fetch_offset,
            diverging_epoch: None,
        };
        match diverging(&r.log, fp, ctx.topo.config.truncation) {
            EpochCheck::Ok => {}
            EpochCheck::Diverging(epoch, end) => {
                resp.diverging_epoch = Some((epoch, end));
                return resp;
            }
            EpochCheck::Undefined => {
                resp.error = ErrorCode::OffsetOutOfRange;
                return resp;
            }
        }
        let limit = match fetcher {
            Fetcher::Follower(_) => leo,
            Fetcher::Consumer => hw,
        };
        if fp.fetch_offset > leo {
            resp.error = ErrorCode::OffsetOutOfRange;
            return resp;
        }
        let end = limit.min(fp.fetch_offset + MAX_FETCH_RECORDS as u64);
        if fp.fetch_offset < end {
            resp.records = ctx.pools.records.take();
            r.log.records().extend_range_into(
                fp.fetch_offset as usize,
                end as usize,
                &mut resp.records,
            );
            if fetcher == Fetcher::Consumer && end > hw {
                ctx.violation(format!(
                    "{}: consumer given offsets up to {} beyond HW {hw}",
                    ctx.topo.part_name(fp.part),
                    end - 1
                ));
            }
        }
        resp
    }

    // ---------------------------------------------------------------- fetch (follower side)

    /// Sends the next fetch to `leader` if none is in flight and some partition follows it.
    pub fn pump_fetcher(&mut self, ctx: &mut Ctx, leader: BrokerId) {
        if !self.is_running() || leader == self.id {
            return;
        }
        let me = self.id;
        let f = self.fetchers.get_or_default(leader);
        if f.in_flight.is_some() {
            return;
        }
        if f.backoff_until_us > ctx.now.as_us() {
            self.schedule_wake(ctx, leader);
            return;
        }
        if self.followed_stale {
            self.rebuild_followed(ctx.topo.brokers);
        }
        let followed = self.followed.get(leader as usize).map_or(&[][..], |v| v);
        let mut partitions = ctx.pools.fetch.take();
        partitions.extend(followed.iter().map(|p| {
            let r = &self.replicas[p];
            FetchPartition {
                part: r.part,
                fetch_offset: r.log.log_end_offset(),
                last_fetched_epoch: r.log.last_record_epoch(),
                current_leader_epoch: r.state.leader_epoch,
            }
        }));
        if partitions.is_empty() {
            ctx.pools.fetch.give(partitions);
            return;
        }
        let req_id = ctx.req_id();
        let parts = partitions.iter().map(|p| p.part).collect();
        let f = self.fetchers.get_mut(&leader).expect("inserted");
        f.in_flight = Some((req_id, parts));
        f.sent_us = ctx.now.as_us();
        ctx.send(
            Node::Broker(leader),
            Msg::Fetch {
                req_id,
                fetcher: Fetcher::Follower(me),
                max_wait_us: crate::time::ms_to_us(ctx.topo.config.replica_fetch_wait_max_ms),
                partitions,
            },
        );
        self.arm_fetch_check(ctx);
    }

    /// Indexes the replicas this broker follows by their leader.
    fn rebuild_followed(&mut self, brokers: u32) {
        self.followed.iter_mut().for_each(Vec::clear);
        self.followed.resize(brokers as usize + 1, Vec::new());
        for r in self.replicas.values() {
            match r.state.leader {
                Some(l) if l != self.id => self.followed[l as usize].push(r.part),
                _ => {}
            }
        }
        self.followed_stale = false;
    }

    /// Arms the fetch-timeout check for the oldest fetch in flight.
    fn arm_fetch_check(&mut self, ctx: &mut Ctx) {
        let oldest = self
            .fetchers
            .values()
            .filter(|f| f.in_flight.is_some())
            .map(|f| f.sent_us)
            .min();
        if let Some(sent) = oldest {
            let at = sent.saturating_add(crate::time::ms_to_us(REPLICA_SOCKET_TIMEOUT_MS));
            self.fetch_check
                .arm(ctx, at, |at_us| Timer::FetchTimeoutCheck { at_us });
        }
    }

    /// Arms the produce-deadline check for the earliest parked produce.
    fn arm_produce_check(&mut self, ctx: &mut Ctx) {
        if let Some(at) = self.delayed_produces.iter().map(|d| d.deadline_us).min() {
            self.produce_check
                .arm(ctx, at, |at_us| Timer::ProduceDeadlineCheck { at_us });
        }
    }

    fn schedule_wake(&mut self, ctx: &mut Ctx, leader: BrokerId) {
        let f = self.fetchers.get_or_default(leader);
        if !f.wake_scheduled {
            f.wake_scheduled = true;
            let at = f.backoff_until_us.saturating_sub(ctx.now.as_us());
            ctx.timer_after_us(at, Timer::FetcherWake { leader });
        }
    }

    fn on_fetch_response(
        &mut self,
        ctx: &mut Ctx,
        leader: BrokerId,
        req_id: u64,
        mut partitions: Vec<FetchedPartition>,
    ) {
        let me = self.id;
        let Some(f) = self.fetchers.get_mut(&leader) else {
            return;
        };
        let Some((id, live_parts)) = f.in_flight.take() else {
            return;
        };
        if id != req_id {
            f.in_flight = Some((id, live_parts));
            return;
        }
        let mut backoff = false;
        for fp in partitions.drain(..) {
            if !live_parts.contains(&fp.part) {
                continue; // leadership changed while the fetch was in flight
            }
            let Some(r) = self.replicas.get_mut(&fp.part) else {
                continue;
            };
            if r.state.leader != Some(leader) {
                continue;
            }
            match fp.error {
                ErrorCode::None => {}
                ErrorCode::OffsetOutOfRange => {
                    // The leader's log is shorter than ours (after an unclean election without
                    // epochs): truncate to the leader's LEO.
                    let leo = r.log.log_end_offset();
                    if fp.log_end_offset < leo {
                        r.log.truncate_to(fp.log_end_offset);
                        r.rebuild_producer_state();
                        ctx.emit(TraceKind::Truncated {
                            partition: ctx.topo.part_name(fp.part),
                            broker: me,
                            to_offset: fp.log_end_offset,
                            removed: leo - fp.log_end_offset,
                            reason: TruncationReason::OffsetOutOfRange,
                        });
                    }
                    continue;
                }
                _ => {
                    backoff = true;
                    continue;
                }
            }
            if let Some((epoch, end)) = fp.diverging_epoch {
                // AbstractFetcherThread.truncateOnFetchResponse / getOffsetTruncationState.
                let leo = r.log.log_end_offset();
                let target = match r.log.end_offset_for(epoch) {
                    Some((fe, fend)) if fe == epoch => end.min(fend),
                    // We do not know the leader's epoch: truncate to the end of our largest
                    // epoch below it and ask again (KIP-279).
                    Some((_, fend)) => fend.min(end),
                    // We know no epoch at or below it: the leader's end offset.
                    None => end,
                };
                let target = target.min(leo);
                if target < leo {
                    r.log.truncate_to(target);
                    r.rebuild_producer_state();
                    ctx.emit(TraceKind::Truncated {
                        partition: ctx.topo.part_name(fp.part),
                        broker: me,
                        to_offset: target,
                        removed: leo - target,
                        reason: TruncationReason::DivergingEpoch {
                            epoch,
                            end_offset: end,
                            leader,
                        },
                    });
                }
                continue;
            }
            if !fp.records.is_empty() {
                if fp.base_offset != r.log.log_end_offset() {
                    continue; // stale response for an offset we no longer have
                }
                let now_us = ctx.now.as_us();
                let count = fp.records.len() as u32;
                // Runs of records from one producer share one lookup of its state (a response
                // usually carries a single producer's batches).
                for run in fp.records.chunk_by(|a, b| a.producer_id == b.producer_id) {
                    let pid = run[0].producer_id;
                    let mut entry = (pid != 0).then(|| r.producers.get_or_default(pid));
                    for rec in run {
                        let off = r.log.append(LogRecord {
                            append_us: now_us,
                            ..*rec
                        });
                        let Some(e) = entry.as_deref_mut() else {
                            continue;
                        };
                        if e.epoch != rec.producer_epoch {
                            e.epoch = rec.producer_epoch;
                            e.batches.clear();
                        }
                        match e.batches.back_mut() {
                            Some(b) if !rec.batch_start => b.1 = rec.sequence,
                            _ => {
                                e.batches.push_back((rec.sequence, rec.sequence, off));
                                if e.batches.len() > BATCHES_TO_RETAIN {
                                    e.batches.pop_front();
                                }
                            }
                        }
                    }
                }
                let topo = ctx.topo;
                ctx.emit_hot(HotEvent::Replicated {
                    partition: topo.part_name_ref(fp.part),
                    broker: me,
                    base_offset: fp.base_offset,
                    count,
                });
                ctx.pools.records.give(fp.records);
            }
            // The follower's HW is the leader's, capped by its own LEO.
            let hw = fp.high_watermark.min(r.log.log_end_offset());
            if hw > r.log.high_watermark {
                r.log.set_high_watermark(hw);
            }
        }
        ctx.pools.fetched.give(partitions);
        if backoff {
            let b = ctx.topo.config.replica_fetch_backoff_ms;
            let f = self.fetchers.get_mut(&leader).expect("exists");
            f.backoff_until_us = ctx.now.as_us().saturating_add(crate::time::ms_to_us(b));
        }
        self.pump_fetcher(ctx, leader);
    }
}

/// Answers a parked produce request with each partition's result.
fn respond_produce(ctx: &mut Ctx, d: &DelayedProduce) {
    let mut results = ctx.pools.produce_results.take();
    results.extend(d.parts.iter().map(|&(part, _, base, res)| {
        let err = res.unwrap_or(ErrorCode::RequestTimedOut);
        let off = (err == ErrorCode::None).then_some(base);
        (part, err, off)
    }));
    ctx.send(
        d.from,
        Msg::ProduceResponse {
            req_id: d.req_id,
            results,
        },
    );
}

/// The leader's check of a fetch's last fetched epoch (`Partition.readRecords`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EpochCheck {
    /// The follower's log agrees with ours up to its fetch offset.
    Ok,
    /// Its last fetched epoch ends earlier here (or is not ours): `(epoch, end offset)` to truncate to.
    Diverging(u32, u64),
    /// We cannot tell where its epoch ends (`UNDEFINED_EPOCH_OFFSET`): `OFFSET_OUT_OF_RANGE`.
    Undefined,
}

fn diverging(log: &Log, fp: &FetchPartition, mode: Truncation) -> EpochCheck {
    if mode == Truncation::HighWatermark {
        return EpochCheck::Ok;
    }
    let Some(last) = fp.last_fetched_epoch else {
        return EpochCheck::Ok;
    };
    match log.end_offset_for(last) {
        Some((epoch, end)) if epoch < last || end < fp.fetch_offset => {
            EpochCheck::Diverging(epoch, end)
        }
        Some(_) => EpochCheck::Ok,
        None => EpochCheck::Undefined,
    }
}

/// What the engine must do after a broker handled an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerAction {
    None,
    Stop { clean: bool },
}
