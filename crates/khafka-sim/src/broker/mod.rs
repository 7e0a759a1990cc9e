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
//!
//! One Kafka class a file: `partition.rs` (`Partition`: leader/follower state, HW, ISR),
//! `produce.rs` (`ReplicaManager.appendRecords`, `DelayedProduce`), `fetch.rs` (the leader's
//! `fetchMessages`/`readRecords`, `DelayedFetch`), `fetcher.rs` (`ReplicaFetcherThread`),
//! `lifecycle.rs` (start, shutdown, heartbeats, the metadata log), `replica_map.rs` (the replicas by
//! partition); this file holds the broker's state and dispatches messages and timers.

mod controller_channel;
mod fetch;
mod fetcher;
#[cfg(feature = "groups")]
pub mod group_coordinator;
mod lifecycle;
mod log_manager;
mod partition;
mod produce;
pub mod replica_map;

pub use crate::log::producer_state::ProducerEntry;
use crate::protocol::{
    AlterPartition, ApiVersions, BrokerHeartbeat, Fetch, Metadata, MetadataFetch, Produce,
};
pub use fetch::ParkedFetch;
pub use fetcher::FetcherState;
pub use partition::{leader_high_watermark, HwFollower, HwRuleInput, RemoteState, Replica};
pub use produce::DelayedProduce;

use crate::config::{Acks, HwRule, Truncation};
use crate::ctx::{CheckTimer, Ctx, Node, Timer};
use crate::log::{BatchStore, Log, ProducerStamp};
use crate::msg::{
    ErrorCode, FetchPartition, FetchedPartition, Fetcher, Msg, PartIdx, PartitionState,
    ProduceBatch,
};
use crate::replica_map::ReplicaMap;
use crate::spec::BrokerId;
use crate::trace::{HotEvent, TraceKind, TruncationReason};
use crate::vec_map::VecMap;
use serde::Serialize;

/// Most records a fetch response carries per partition (an engine bound beside the byte limit).
pub const MAX_FETCH_RECORDS: usize = 2_000;
/// Most bytes a fetch response carries per partition, at least one batch: Kafka's
/// `replica.fetch.max.bytes` and `max.partition.fetch.bytes`, both 1 MiB by default.
pub const MAX_PARTITION_FETCH_BYTES: u64 = 1_048_576;
/// Kafka's `replica.socket.timeout.ms`, the replica fetcher's request timeout.
const REPLICA_SOCKET_TIMEOUT_MS: u64 = 30_000;
/// How long a broker waits for a metadata-log fetch before retrying.
const METADATA_FETCH_TIMEOUT_MS: u64 = 5_000;
/// Kafka's `controlled.shutdown` gives up after retries; here after this long the broker just stops.
const SHUTDOWN_TIMEOUT_MS: u64 = 30_000;
/// `controller.socket.timeout.ms`: a request to the controller unanswered this long is sent again
/// (`NodeToControllerRequestThread` re-queues it; `AlterPartition` never gives up).
const CONTROLLER_SOCKET_TIMEOUT_MS: u64 = 30_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum BrokerStatus {
    Running,
    Stopped,
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
    /// Brokers the metadata log says may not join an ISR: the fenced ones (not alive) and those
    /// in controlled shutdown, which `Metadata` answers still list (Kafka's
    /// `getAliveBrokerNodes` leaves out only the fenced).
    pub ineligible_brokers: Vec<crate::protocol::IneligibleBroker>,
    pub metadata_fetch_in_flight: Option<u64>,
    /// The controller requests go to: the single controller, or the quorum controller this broker
    /// believes active (`controller_channel.rs`).
    pub controller: Node,
    /// A metadata fetch is to be retried (not timed out) when its timer fires.
    metadata_retry_pending: bool,
    /// Started and not yet unfenced (`BrokerState.STARTING` and `RECOVERY`): heartbeats every
    /// [`STARTING_HEARTBEAT_MS`].
    starting: bool,
    /// KRaft: the heartbeat in flight and the next one (`lifecycle.rs`).
    comm: lifecycle::Communication,
    /// Draws the jitter of the backoff after a failed heartbeat.
    registration_rng: crate::rng::SimRng,
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
    /// The group coordinator's shards (`group_coordinator.rs`).
    #[cfg(feature = "groups")]
    pub group_coordinator: group_coordinator::GroupCoordinator,
}

/// The first wait before a failed heartbeat is sent again (`BrokerLifecycleManager`'s
/// `resendExponentialBackoff`: 100 ms, doubling up to `broker.session.timeout.ms`, jitter 0.02).
const REGISTRATION_BACKOFF_MS: u64 = 100;

/// How often a starting broker heartbeats until it is unfenced (`BrokerLifecycleManager`'s
/// 10 ms in the STARTING state).
const STARTING_HEARTBEAT_MS: u64 = 10;

/// The next heartbeat after the first answer to a controlled-shutdown request
/// (`BrokerLifecycleManager`: 50 ms in PENDING_CONTROLLED_SHUTDOWN until the controller answered
/// once, then the heartbeat interval).
const SHUTDOWN_HEARTBEAT_MS: u64 = 50;

impl Broker {
    /// Whether the metadata log has fenced broker `b` (or never saw it register): not alive.
    pub(crate) fn is_fenced(&self, b: BrokerId) -> bool {
        self.ineligible_brokers
            .iter()
            .any(|i| i.broker == b && i.fenced)
    }

    pub fn new(
        id: BrokerId,
        seed: u64,
        parts: impl Iterator<Item = (PartIdx, Vec<BrokerId>)>,
    ) -> Self {
        let parts: Vec<(PartIdx, Vec<BrokerId>)> = parts.collect();
        let partitions = parts.len();
        let metadata_cache = vec![(None, 0); partitions];
        let replicas = parts
            .into_iter()
            .filter(|(_, replicas)| replicas.contains(&id))
            .map(|(part, replicas)| Replica::empty(part, replicas))
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
            ineligible_brokers: Vec::new(),
            metadata_fetch_in_flight: None,
            controller: Node::Controller,
            metadata_retry_pending: false,
            starting: false,
            comm: Default::default(),
            registration_rng: crate::rng::SimRng::derive_indexed(
                seed,
                "broker/registration",
                id as u64,
            ),
            fetchers: VecMap::new(),
            followed: Vec::new(),
            followed_stale: true,
            parked_fetches: Vec::new(),
            delayed_produces: Vec::new(),
            fetch_check: CheckTimer::default(),
            produce_check: CheckTimer::default(),
            parked_check: CheckTimer::default(),
            #[cfg(feature = "groups")]
            group_coordinator: Default::default(),
        }
    }

    pub fn is_running(&self) -> bool {
        self.status == BrokerStatus::Running
    }

    /// Whether the broker accepts connections: running, and in KRaft mode unfenced once since it
    /// started (`BrokerServer.startup` opens its listeners last, `SocketServer`'s acceptors open
    /// their sockets only then, so a connection before that is refused).
    pub fn is_listening(&self, mode: crate::config::ControllerMode) -> bool {
        self.is_running() && !(self.starting && mode == crate::config::ControllerMode::Kraft)
    }

    /// The run starts with a healthy cluster (`Controller::start`): a broker that starts with it
    /// is registered and unfenced already, and listens at once.
    pub fn started_before_the_run(&mut self) {
        self.starting = false;
    }

    /// Applies one metadata answer. A starting KRaft broker publishes it as an image, each
    /// partition's latest state only (`MetadataLoader` publishes once it reaches the log's high
    /// watermark, registered or not), never a leadership the log has since taken away; a running
    /// one applies every state in order.
    fn publish_answer(&mut self, ctx: &mut Ctx, partitions: Vec<PartitionState>) {
        let image =
            self.starting && ctx.topo.config.controller == crate::config::ControllerMode::Kraft;
        // The position of each partition's last state in the answer (an image only).
        let mut last = vec![usize::MAX; if image { self.metadata_cache.len() } else { 0 }];
        if image {
            for (i, st) in partitions.iter().enumerate() {
                last[st.part as usize] = i;
            }
        }
        for (i, st) in partitions.into_iter().enumerate() {
            let cached = &mut self.metadata_cache[st.part as usize];
            if st.leader_epoch >= cached.1 {
                *cached = (st.leader, st.leader_epoch);
            }
            if !image || last[st.part as usize] == i {
                self.publish(ctx, st);
            }
        }
    }

    /// Applies a partition state the metadata log or an `AlterPartition` answer gave, and moves
    /// the group coordinator's shard with its leadership (one copy of both, for the site's wasm).
    #[inline(never)]
    fn publish(&mut self, ctx: &mut Ctx, st: PartitionState) {
        #[cfg(feature = "groups")]
        let part = st.part;
        self.apply_partition_state(ctx, st);
        #[cfg(feature = "groups")]
        self.sync_coordinator(ctx, part);
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
            Timer::Communication { seq } if seq == self.comm.scheduled => self.communicate(ctx),
            Timer::HeartbeatTimeout { req_id } => self.heartbeat_timed_out(ctx, req_id),
            Timer::IsrExpiration => {
                // Every periodic check reads each of the broker's replicas: work the run's
                // budget of partitions read counts (`budget::MAX_FETCH_READS`).
                *ctx.fetch_reads += self.replicas.len() as u64;
                self.maybe_shrink_isr(ctx);
                let half = (ctx.topo.config.replica_lag_time_max_ms / 2).max(1);
                ctx.timer_after_ms(half, Timer::IsrExpiration);
            }
            Timer::HwCheckpoint => {
                *ctx.fetch_reads += self.replicas.len() as u64;
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
                    let f = self.fetchers.get_mut(&leader).expect("listed");
                    f.in_flight = None;
                    f.session = None;
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
                    self.respond_produce(ctx, &d);
                }
                self.arm_produce_check(ctx);
            }
            Timer::MetadataFetchTimeout { req_id }
                if self.metadata_fetch_in_flight == Some(req_id) =>
            {
                if !std::mem::take(&mut self.metadata_retry_pending) {
                    self.controller_unreachable(ctx);
                }
                self.fetch_metadata(ctx);
            }
            Timer::AlterPartitionRetry {
                part,
                partition_epoch,
            } => {
                let me = self.id;
                let retry = self.replicas.get(&part).and_then(|r| {
                    (r.is_leader(me)
                        && r.state.partition_epoch == partition_epoch
                        && !r.pending_isr_refused)
                        .then(|| r.pending_isr.clone())
                        .flatten()
                });
                if let Some(isr) = retry {
                    self.propose_isr(ctx, part, isr);
                }
            }
            Timer::RetentionCheck => self.on_retention_check(ctx),
            Timer::CleanerWake => self.on_cleaner_wake(ctx),
            #[cfg(feature = "groups")]
            Timer::GroupCoordinatorCheck { at_us } => self.on_group_check(ctx, at_us),
            Timer::ShutdownDeadline if self.want_shutdown => {
                return BrokerAction::Stop { clean: true };
            }
            _ => {}
        }
        BrokerAction::None
    }

    pub fn on_msg(&mut self, ctx: &mut Ctx, from: Node, msg: Msg) -> BrokerAction {
        match msg {
            Msg::Produce(Produce::Request {
                req_id,
                acks,
                timeout_us,
                batches,
            }) => {
                self.on_produce(ctx, from, req_id, acks, timeout_us, batches);
            }
            Msg::Fetch(req @ Fetch::Request { .. }) => {
                self.on_fetch(ctx, from, req);
            }
            Msg::Fetch(Fetch::Response { req_id, partitions }) => {
                if let Node::Broker(leader) = from {
                    self.on_fetch_response(ctx, leader, req_id, partitions);
                }
            }
            Msg::ApiVersions(ApiVersions::Request { req_id }) => {
                ctx.send(from, Msg::ApiVersions(ApiVersions::Response { req_id }))
            }
            #[cfg(feature = "groups")]
            Msg::Group(crate::msg::Group::Request { req_id, req }) => {
                self.on_group_request(ctx, from, req_id, *req)
            }
            Msg::OffsetsForLeaderEpoch(crate::msg::OffsetsForLeaderEpoch::Request {
                req_id,
                partitions,
            }) => self.on_offsets_for_leader_epoch(ctx, from, req_id, partitions),
            Msg::DeleteRecords(crate::msg::DeleteRecords::Request { req_id, partitions }) => {
                self.on_delete_records(ctx, from, req_id, partitions)
            }
            Msg::Metadata(Metadata::Request { req_id }) => {
                let partitions = (0..ctx.topo.parts.len() as PartIdx)
                    .map(|p| match self.replicas.get(&p) {
                        Some(r) => (p, r.state.leader, r.state.leader_epoch),
                        None => {
                            let (leader, epoch) = self.metadata_cache[p as usize];
                            (p, leader, epoch)
                        }
                    })
                    .collect();
                // Before its first metadata fetch a broker knows the cluster as it starts:
                // the initial brokers, every one registered and unfenced.
                let mut brokers = Vec::new();
                for b in 1..=ctx.topo.brokers {
                    let alive = if self.metadata_offset == 0 {
                        b <= ctx.topo.initial_brokers
                    } else {
                        !self.is_fenced(b)
                    };
                    if alive {
                        brokers.push(b);
                    }
                }
                ctx.send(
                    from,
                    Msg::Metadata(Metadata::Response {
                        req_id,
                        partitions,
                        brokers,
                    }),
                );
            }
            Msg::BrokerHeartbeat(BrokerHeartbeat::Response {
                req_id,
                broker_epoch,
                fenced,
                shutdown_ready,
                refused,
            }) if broker_epoch == self.broker_epoch => {
                return self.on_heartbeat_answer(ctx, req_id, fenced, shutdown_ready, refused);
            }
            Msg::MetadataFetch(MetadataFetch::Response {
                req_id,
                offset,
                partitions,
                ineligible,
            }) if self.metadata_fetch_in_flight == Some(req_id) => {
                self.metadata_offset = offset;
                self.ineligible_brokers = ineligible;
                self.publish_answer(ctx, partitions);
                self.fetch_metadata(ctx);
            }
            Msg::AlterPartition(AlterPartition::Response {
                part,
                partition_epoch,
                result,
            }) => {
                if let Some(r) = self.replicas.get_mut(&part) {
                    if partition_epoch != r.state.partition_epoch {
                        return BrokerAction::None; // answers a proposal the metadata log superseded
                    }
                    match result {
                        Ok(st) => {
                            r.pending_isr = None;
                            if st.partition_epoch > r.state.partition_epoch
                                && st.leader_epoch >= r.state.leader_epoch
                            {
                                self.publish(ctx, *st);
                            }
                        }
                        // `handleAlterPartitionError`: the controller says the change was not
                        // applied and the state is current: back to the committed state.
                        Err(ErrorCode::IneligibleReplica) => r.pending_isr = None,
                        // Otherwise the change may have been applied, or the state is stale:
                        // pending until the metadata log says.
                        Err(_) => r.pending_isr_refused = true,
                    }
                }
            }
            Msg::NotController { req_id, leader } => {
                self.on_not_controller(ctx, from, req_id, leader);
            }
            Msg::Disconnect { req_id } => {
                if self.comm.in_flight == Some(req_id) && self.comm.sent_to == Some(from) {
                    // The controller it went to closed it: the channel sends it again shortly,
                    // to the next controller if that one is still the current.
                    if from == self.controller {
                        self.controller_unreachable(ctx);
                    }
                    self.resend_communication_after(ctx, controller_channel::NO_LEADER_BACKOFF_MS);
                }
                if self.metadata_fetch_in_flight == Some(req_id) {
                    self.metadata_fetch_in_flight = None;
                    if from == self.controller {
                        self.controller_unreachable(ctx);
                    }
                    self.metadata_retry_pending = true;
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
                    f.session = None;
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
}

/// What the engine must do after a broker handled an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerAction {
    None,
    Stop { clean: bool },
}
