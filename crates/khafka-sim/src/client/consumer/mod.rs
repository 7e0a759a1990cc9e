//! A consumer: without a `group.id` it is assigned every partition of its topic and commits
//! nothing; with one it is a member of a consumer group (`group.rs`: coordinator, join, sync,
//! heartbeats, committed offsets) and fetches only the partitions assigned to it. Either way it
//! fetches from each leader up to the high watermark and records what it received.
//!
//! With no position it starts at `auto.offset.reset` (the leader answers an out-of-range fetch with
//! its log end, which stands in for `ListOffsets`). It fetches with `fetch.max.wait.ms` long polls,
//! one request per leader at a time, and refreshes metadata on leadership errors.

/// The consumer's `retry.backoff.ms` (Kafka's default; not a setting here): how long a reset
/// the leader could not answer yet waits before it is asked again.
const RESET_RETRY_BACKOFF_MS: u64 = 100;

#[cfg(feature = "groups")]
pub mod app;
#[cfg(feature = "groups")]
pub mod assignor;
#[cfg(feature = "groups")]
pub mod consumer_protocol;
#[cfg(feature = "groups")]
pub mod group;
#[cfg(feature = "groups")]
pub mod streams;
pub mod subscribed;
pub mod validation;

use crate::client::backoff::{MetadataUpdater, RequestTimes};
use crate::config::{ConsumerConfig, OffsetReset};
use crate::ctx::{CheckTimer, Ctx, Node, Timer};
use crate::log::RecordId;
use crate::msg::{ErrorCode, FetchPartition, Fetcher, Msg};
use crate::protocol::{Fetch, Metadata};
use crate::rng::SimRng;
use crate::spec::{BrokerId, ConsumerSpec};
use crate::trace::{HotEvent, TraceKind};
use serde::Serialize;
use std::sync::Arc;

/// The consumer's `retry.backoff.ms` and `retry.backoff.max.ms` (Kafka's defaults; not settable here).
const RETRY_BACKOFF_MS: u64 = 100;
const RETRY_BACKOFF_MAX_MS: u64 = 1_000;
/// Kafka's default `reconnect.backoff.ms` and `reconnect.backoff.max.ms`: after a connection to
/// a broker closes, no new one for `backoff(failed attempts)` (`ClusterConnectionStates`'
/// `ExponentialBackoff(50, 2, 1000, 0.2)`: 40–60 ms after the first failure, doubling to 1 s).
const RECONNECT_BACKOFF_MS: u64 = 50;
const RECONNECT_BACKOFF_MAX_MS: u64 = 1_000;

/// The consumer's connection to a broker as `ClusterConnectionStates` keeps it: closed (since
/// when, and when a new one may be made) until the broker is heard from again, and the
/// connection attempts that failed since it was last established.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
struct ConnState {
    closed: Option<(u64, u64)>,
    failed_attempts: u32,
}

/// When a new connection to broker `b` may be made, if its connection is closed.
fn reconnect_at(down: &[ConnState], b: BrokerId) -> Option<u64> {
    down.get(b as usize).and_then(|c| c.closed).map(|c| c.1)
}

/// How `leastLoadedNode` sees the consumer's connection to broker `b` at `now` (µs), with
/// `in_flight` requests on it: ready, unless it closed and has not been heard from since, when a
/// new connection may be made once its reconnect backoff is over.
fn node_load(
    down: &[ConnState],
    b: BrokerId,
    in_flight: u32,
    now: u64,
) -> crate::client::backoff::NodeLoad {
    match down.get(b as usize).and_then(|c| c.closed) {
        Some((since, reconnect_at)) => crate::client::backoff::NodeLoad {
            broker: b,
            in_flight,
            can_connect: now >= reconnect_at,
            last_attempt_us: since,
            ..Default::default()
        },
        None => crate::client::backoff::NodeLoad {
            broker: b,
            can_send: true,
            in_flight,
            ..Default::default()
        },
    }
}

/// The consumer's connections as `leastLoadedNode` sees them. The requests in flight on its
/// connection to a broker are its fetch, its position validation, its metadata request and a
/// group member's `FindCoordinator` (the group's other requests go on the coordinator's own
/// connection).
struct Connections<'a> {
    fetches: &'a crate::kernel::vec_map::VecMap<BrokerId, (u64, u64)>,
    validation: &'a validation::Validation,
    down: &'a [ConnState],
    metadata: Option<BrokerId>,
    finding: Option<BrokerId>,
}

impl Connections<'_> {
    fn load(&self, b: BrokerId, now: u64) -> crate::client::backoff::NodeLoad {
        let in_flight = self.fetches.get(&b).is_some() as u32
            + self.validation.in_flight_to(b)
            + (self.metadata == Some(b)) as u32
            + (self.finding == Some(b)) as u32;
        node_load(self.down, b, in_flight, now)
    }
}

/// The consumer's metadata request times (`retry.backoff.ms` and `retry.backoff.max.ms` at
/// Kafka's defaults, its `request.timeout.ms`).
fn request_times(cfg: &ConsumerConfig) -> RequestTimes {
    RequestTimes {
        retry_backoff_ms: RETRY_BACKOFF_MS,
        retry_backoff_max_ms: RETRY_BACKOFF_MAX_MS,
        request_timeout_ms: cfg.request_timeout_ms,
        reconnect_backoff_ms: RECONNECT_BACKOFF_MS,
        metadata_max_age_ms: cfg.metadata_max_age_ms,
    }
}

/// `(leader, partition)` of every partition with a known leader (a group member's: of those
/// assigned to it), sorted, and the group assignment it was built for.
#[derive(Clone, Debug, Serialize)]
struct ByBroker {
    leaders: Vec<(BrokerId, u32)>,
    assigned: Vec<bool>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Consumer {
    pub idx: u32,
    pub name: Arc<str>,
    pub config: ConsumerConfig,
    /// Its topics, their partitions numbered through (a local index `p` in every vector here).
    pub subscribed: subscribed::Subscribed,
    /// Partitions over all its topics.
    pub partitions: u32,
    pub start_us: u64,
    pub started: bool,
    pub leaders: Vec<Option<(BrokerId, u32)>>,
    /// The partitions to fetch by leader: rebuilt only when a leader changes (`None`) or the
    /// group assignment does, since every fetch answer runs the pump.
    by_broker: Option<ByBroker>,
    /// Next offset to fetch per partition; `None` until reset.
    pub positions: Vec<Option<u64>>,
    /// The leader epoch of the last batch handed to the application per partition (the
    /// position's `offsetEpoch`, which commits carry as `OffsetAndMetadata.leaderEpoch`).
    pub position_epochs: Vec<Option<u32>>,
    /// In-flight fetches per broker: `(request id, time sent)`.
    pub in_flight: crate::kernel::vec_map::VecMap<BrokerId, (u64, u64)>,
    timeout_check: CheckTimer,
    wake_at_us: Option<u64>,
    metadata: MetadataUpdater,
    /// The jitter of the metadata refresh backoff.
    #[serde(skip)]
    backoff_rng: SimRng,
    /// Where `leastLoadedNode` starts its scan (Kafka's `NetworkClient.randOffset`).
    #[serde(skip)]
    node_rng: SimRng,
    /// By broker id: its connection, closed (a disconnect, or a request that timed out) until
    /// the consumer hears from the broker again. What `leastLoadedNode` needs of a connection
    /// model: such a broker is not ready, and may be connected to again after its reconnect
    /// backoff.
    down: Vec<ConnState>,
    pub received: u64,
    /// The group membership, with a `group.id`.
    #[cfg(feature = "groups")]
    pub group: Option<Box<group::Membership>>,
    /// Crashed or closed: handles nothing until restarted.
    pub stopped: bool,
    /// Stopped by a crash of its process (not a `close()`): a restart builds a new consumer.
    pub crashed: bool,
    /// Per partition: `auto.offset.reset=none` found no offset (`NoOffsetForPartitionException`).
    pub no_offset: Vec<bool>,
    /// Per partition: a reset to `latest` the leader could not answer yet (`OFFSET_NOT_AVAILABLE`)
    /// is retried at this instant (µs; 0: none), `retry.backoff.ms` later
    /// (`OffsetFetcherUtils.onFailedResponseForResettingPositions`); and how many wait.
    reset_retry_at: Vec<u64>,
    resets_waiting: u32,
    /// What the application processed (group members only; `app.rs`), contiguous runs merged:
    /// to find what was processed twice or never.
    #[cfg(feature = "groups")]
    pub processed: Vec<app::Processed>,
    /// The application's poll loop, with processing time or manual commits (`app.rs`).
    #[cfg(feature = "groups")]
    pub app: Option<app::App>,
    /// Per partition: a `seekToBeginning` / `seekToEnd` waiting for the log's bounds, which
    /// overrides `auto.offset.reset` once.
    #[cfg(feature = "groups")]
    pub seek_reset: Vec<Option<OffsetReset>>,
    /// KIP-320 position validation (`validation.rs`).
    pub validation: validation::Validation,
    /// The value deserializer with a reader schema, if any (`ConsumerSpec::value_decoder`).
    pub decoder: Option<Arc<crate::spec::ValueDecoder>>,
    /// Records the deserializer could not decode, in the order met.
    pub poison: Vec<PoisonPill>,
    /// Per partition: stopped at a record it cannot decode (not fetched any more).
    pub stuck: Vec<bool>,
    /// A Kafka Streams restore consumer's assignment by hand (`streams.rs`).
    #[cfg(feature = "groups")]
    pub manual: Option<Box<streams::Manual>>,
    /// A Kafka Streams main consumer's tasks (`streams.rs`).
    #[cfg(feature = "groups")]
    pub tasks: Option<Box<streams::Tasks>>,
}

/// A record the consumer's deserializer threw on (`RecordDeserializationException`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PoisonPill {
    /// Partition index of the consumer's topic.
    pub partition: u32,
    pub offset: u64,
    pub record: crate::log::RecordId,
    pub at_us: u64,
    /// The deserializer's message.
    pub reason: String,
    /// The application caught it and sought past the record; otherwise the consumer stopped there.
    pub skipped: bool,
}

/// Without the `groups` feature no consumer has a group: what `validate_positions` asks of one.
#[cfg(not(feature = "groups"))]
struct Assigned {
    assigned: Vec<bool>,
}

impl Consumer {
    /// The broker a fetch request `req_id` went to, if it is still in flight.
    fn in_flight_broker(&self, req_id: u64) -> Option<BrokerId> {
        self.in_flight
            .iter()
            .find(|(_, (id, _))| *id == req_id)
            .map(|(b, _)| *b)
    }
    pub fn new(
        idx: u32,
        spec: &ConsumerSpec,
        subscribed: subscribed::Subscribed,
        seed: u64,
    ) -> Self {
        let partitions = subscribed.len();
        Consumer {
            idx,
            name: spec.name.as_str().into(),
            config: spec.config.clone(),
            subscribed,
            partitions,
            start_us: spec.start.as_us(),
            started: false,
            leaders: vec![None; partitions as usize],
            by_broker: None,
            positions: vec![None; partitions as usize],
            position_epochs: vec![None; partitions as usize],
            in_flight: crate::kernel::vec_map::VecMap::new(),
            timeout_check: CheckTimer::default(),
            wake_at_us: None,
            metadata: MetadataUpdater::new(partitions as usize, request_times(&spec.config)),
            backoff_rng: SimRng::derive(seed, &format!("consumer/{}/backoff", spec.name)),
            node_rng: SimRng::derive(seed, &format!("consumer/{}/least-loaded-node", spec.name)),
            down: Vec::new(),
            received: 0,
            #[cfg(feature = "groups")]
            group: spec.config.group.group_id.as_deref().map(|g| {
                Box::new(
                    group::Membership::new(
                        g,
                        &spec.name,
                        partitions,
                        &spec.config.group.partition_assignment_strategy,
                    )
                    .with_max_poll_interval(spec.config.group.max_poll_interval_ms)
                    .with_consumer_protocol(
                        spec.config.group.group_protocol == crate::config::GroupProtocol::Consumer,
                    )
                    .with_instance_id(spec.config.group.group_instance_id.clone()),
                )
            }),
            stopped: false,
            crashed: false,
            no_offset: vec![false; partitions as usize],
            reset_retry_at: vec![0; partitions as usize],
            resets_waiting: 0,
            #[cfg(feature = "groups")]
            processed: Vec::new(),
            #[cfg(feature = "groups")]
            app: spec
                .config
                .group
                .app_loop()
                .then(|| app::App::new(partitions)),
            #[cfg(feature = "groups")]
            seek_reset: vec![None; partitions as usize],
            validation: validation::Validation::new(partitions),
            decoder: spec.value_decoder.clone().map(Arc::new),
            poison: Vec::new(),
            stuck: vec![false; partitions as usize],
            #[cfg(feature = "groups")]
            manual: spec
                .config
                .manual_assignment
                .then(|| Box::new(streams::Manual::new(partitions))),
            #[cfg(feature = "groups")]
            tasks: spec.config.group.streams_commit_interval_ms.map(|_| {
                Box::new(streams::Tasks {
                    ready: vec![false; partitions as usize],
                    processed_to: vec![None; partitions as usize],
                    last_purge_us: spec.start.as_us(),
                    // A task reading more than one topic (a join's: the `stream` assignor keeps
                    // them together) queues and orders their records; `groupBy`'s tasks read one
                    // topic each, the input's or the repartition topic's.
                    queued_by_tasks: spec.config.group.partition_assignment_strategy
                        == [crate::client::consumer::assignor::ClientAssignor::StreamTasks],
                    fetched_hw: vec![None; partitions as usize],
                    paused: vec![false; partitions as usize],
                    ..Default::default()
                })
            }),
        }
    }

    /// Why the deserializer cannot decode record `rid` (`None`: it can, or there is no decoder).
    fn decode_failure(&self, ctx: &Ctx, rid: crate::log::RecordId) -> Option<String> {
        undecodable(self.decoder.as_deref()?, ctx, rid)
    }

    /// The reset policy for partition `p`: a pending `seekToBeginning`/`seekToEnd`, else
    /// `auto.offset.reset`.
    fn reset_policy(&mut self, p: usize) -> OffsetReset {
        let policy = self.next_reset_policy(p);
        #[cfg(feature = "groups")]
        {
            self.seek_reset[p] = None;
        }
        policy
    }

    /// [`Self::reset_policy`] without taking a pending seek's.
    fn next_reset_policy(&self, p: usize) -> OffsetReset {
        #[cfg(feature = "groups")]
        if let Some(r) = self.seek_reset[p] {
            return r;
        }
        let _ = p;
        self.config.auto_offset_reset
    }

    /// Whether partition `p` of the topic is being fetched (assigned, with a position to start).
    pub fn fetches(&self, p: usize) -> bool {
        !self.stopped && self.fetchable(p)
    }

    /// Whether partition `p` of the topic may be fetched now.
    fn fetchable(&self, p: usize) -> bool {
        #[cfg(feature = "groups")]
        if self.app.as_ref().is_some_and(|a| !a.fetchable(p)) {
            return false;
        }
        self.fetchable_unless_buffered(p)
    }

    /// Whether partition `p` holds records fetched and not yet handed out by `poll()` while it
    /// would otherwise be fetched (`AbstractFetch.bufferedNodes`: a buffered partition that is
    /// `isFetchable`).
    #[cfg(feature = "groups")]
    fn buffered_and_fetchable(&self, p: usize) -> bool {
        self.app.as_ref().is_some_and(|a| !a.fetchable(p)) && self.fetchable_unless_buffered(p)
    }

    /// Whether partition `p` could be fetched but for records of it waiting for `poll()`.
    fn fetchable_unless_buffered(&self, p: usize) -> bool {
        // Most partitions of a group member's topic are someone else's: asked first.
        #[cfg(feature = "groups")]
        if self.group.as_ref().is_some_and(|g| !g.assigned[p]) {
            return false;
        }
        if self.stuck[p] || (self.resets_waiting > 0 && self.reset_retry_at[p] != 0) {
            return false;
        }
        #[cfg(feature = "groups")]
        if !self.manually_assigned(p)
            || self
                .tasks
                .as_ref()
                .is_some_and(|t| !t.ready[p] || t.paused[p])
        {
            return false;
        }
        #[cfg(feature = "groups")]
        if let Some(g) = &self.group {
            return g.fetchable(p) && self.validation.fetchable(p);
        }
        if !self.validation.fetchable(p) {
            return false;
        }
        !self.no_offset[p]
    }

    #[cfg(feature = "groups")]
    /// Runs `f` on the membership with a view of the consumer's positions.
    fn with_group(
        &mut self,
        ctx: &mut Ctx,
        f: impl FnOnce(&mut group::Membership, &mut Ctx, &mut group::View),
    ) {
        let mut f = Some(f);
        // One body for every caller (the view's set-up is not copied into each).
        self.with_group_dyn(ctx, &mut |g, ctx, v| {
            if let Some(f) = f.take() {
                f(g, ctx, v)
            }
        });
    }

    #[cfg(feature = "groups")]
    fn with_group_dyn(
        &mut self,
        ctx: &mut Ctx,
        f: &mut dyn FnMut(&mut group::Membership, &mut Ctx, &mut group::View),
    ) {
        let Some(mut g) = self.group.take() else {
            return;
        };
        // `leastLoadedNode` for the member's `FindCoordinator`, drawn only when it sends one:
        // the consumer's own requests in flight load the brokers they went to.
        let (fetches, down, metadata) = (&self.in_flight, &self.down, &self.metadata);
        let nodes = &mut self.node_rng;
        let mut least_loaded =
            move |now: u64,
                  initial_brokers: u32,
                  jitter: &mut SimRng,
                  validation: &validation::Validation| {
                let conns = Connections {
                    fetches,
                    validation,
                    down,
                    metadata: metadata.in_flight_to(),
                    finding: None,
                };
                let loads = |b: BrokerId, now: u64| conns.load(b, now);
                let mut lent = crate::client::backoff::Lent {
                    jitter,
                    nodes: &mut *nodes,
                    loads: &loads,
                };
                metadata.least_loaded(&mut lent, now, initial_brokers)
            };
        let mut v = group::View {
            config: &self.config,
            subscribed: &self.subscribed,
            topo: ctx.topo,
            positions: &mut self.positions,
            epochs: &mut self.position_epochs,
            validation: &mut self.validation,
            processed: self.tasks.as_deref().map(|t| t.processed_to.as_slice()),
            stuck: &mut self.stuck,
            least_loaded: &mut least_loaded,
            jitter: &mut self.backoff_rng,
        };
        f(&mut g, ctx, &mut v);
        // What the member asks of the consumer's network client.
        let (refresh, close) = (std::mem::take(&mut g.wants_metadata), g.timed_out_to.take());
        self.group = Some(g);
        if let Some(b) = close {
            self.close_connection(ctx, b);
        }
        if refresh {
            self.request_metadata(ctx);
        }
    }

    #[cfg(feature = "groups")]
    /// The process dies: everything in memory is gone (positions, membership).
    pub fn crash(&mut self, ctx: &mut Ctx) {
        if !self.stopped {
            self.app_interrupted(ctx);
            if let Some(g) = self.group.as_mut() {
                g.crashed(ctx.now.as_us());
            }
            self.crashed = true;
        }
        self.stopped = true;
    }

    #[cfg(feature = "groups")]
    /// `close()`: the final commit and LeaveGroup of a group member, then stop.
    pub fn close(&mut self, ctx: &mut Ctx) {
        if self.stopped {
            return;
        }
        self.app_interrupted(ctx);
        self.with_group(ctx, |g, ctx, v| g.close(ctx, v));
        if self.group.is_none() {
            self.stopped = true;
        }
    }

    #[cfg(feature = "groups")]
    /// A new process with the same configuration: it starts now, from what Kafka kept.
    pub fn restart(&mut self, ctx: &mut Ctx, spec: &ConsumerSpec) {
        if !self.stopped
            && self
                .group
                .as_ref()
                .is_none_or(|g| g.phase != group::Phase::Stopped)
        {
            return;
        }
        // The backoff's random stream goes on where it was (the seed is not kept here).
        let mut fresh = Consumer::new(self.idx, spec, self.subscribed.clone(), 0);
        fresh.backoff_rng = self.backoff_rng.clone();
        fresh.node_rng = self.node_rng.clone();
        fresh.received = self.received;
        fresh.processed = std::mem::take(&mut self.processed);
        if let (Some(new), Some(old)) = (&mut fresh.app, &mut self.app) {
            new.commits = std::mem::take(&mut old.commits);
        }
        if let (Some(new), Some(old)) = (&mut fresh.group, &mut self.group) {
            new.assignments = std::mem::take(&mut old.assignments);
            new.revocations = std::mem::take(&mut old.revocations);
            new.lost = std::mem::take(&mut old.lost);
            new.crashed_with = std::mem::take(&mut old.crashed_with);
            new.closed_with = std::mem::take(&mut old.closed_with);
            new.closed_at_us = std::mem::take(&mut old.closed_at_us);
        }
        fresh.validation.detected = std::mem::take(&mut self.validation.detected);
        fresh.start_us = ctx.now.as_us();
        // A new `StreamThread`: its commit clock starts over, as at a first start (`fresh.tasks`
        // has no `lastCommitMs`). Its purge interval runs from the start: Kafka's `lastPurgeMs`
        // starts at 0, and the first turn's `maybeCommit`, due at once, sets it.
        #[cfg(feature = "groups")]
        if let Some(t) = &mut fresh.tasks {
            t.last_purge_us = fresh.start_us;
        }
        *self = fresh;
        self.start(ctx);
    }

    #[cfg(feature = "groups")]
    /// Records that `[from, to)` of partition `p`, of one leader epoch, was processed.
    fn record_processed(
        &mut self,
        p: u32,
        from: u64,
        to: u64,
        leader_epoch: u32,
        generation: i32,
        at_us: u64,
    ) {
        if self.group.is_none() || to <= from {
            return;
        }
        if let Some(last) = self
            .processed
            .iter_mut()
            .rev()
            .find(|d| d.partition == p)
            .filter(|d| {
                d.to == from && d.leader_epoch == leader_epoch && d.generation == generation
            })
        {
            last.to = to;
            last.at_us = at_us;
            return;
        }
        self.processed.push(app::Processed {
            partition: p,
            from,
            to,
            leader_epoch,
            generation,
            first_at_us: at_us,
            at_us,
        });
    }

    pub fn start(&mut self, ctx: &mut Ctx) {
        let delay = self.start_us.saturating_sub(ctx.now.as_us());
        ctx.timer_after_us(delay, Timer::Wake);
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        if self.stopped {
            return;
        }
        match timer {
            Timer::Wake => {
                self.started = true;
                #[cfg(feature = "groups")]
                if let Some(app) = &mut self.app {
                    app.poll_since_us = ctx.now.as_us();
                }
                if self.leaders.iter().any(|l| l.is_none()) {
                    self.request_metadata(ctx);
                }
                #[cfg(feature = "groups")]
                self.with_group(ctx, |g, ctx, v| g.tick(ctx, v));
                self.pump(ctx);
            }
            #[cfg(feature = "groups")]
            Timer::GroupTick { at_us } if self.group.as_mut().is_some_and(|g| g.fire(at_us)) => {
                self.with_group(ctx, |g, ctx, v| g.tick(ctx, v));
                self.pump(ctx);
            }
            #[cfg(feature = "groups")]
            Timer::AppTick { at_us } if self.app.as_mut().is_some_and(|a| a.fire(at_us)) => {
                self.pump(ctx);
            }
            Timer::SenderWake { at_us } if self.wake_at_us == Some(at_us) => {
                self.wake_at_us = None;
                self.pump(ctx);
            }
            // The metadata request in flight timed out (its connection closes with it), or the
            // one waiting for its backoff may go.
            Timer::RequestTimeout { req_id } => {
                if let Some(b) = self.metadata.sent_to(req_id) {
                    self.close_connection(ctx, b);
                    self.pump(ctx);
                } else {
                    self.with_metadata(ctx, &mut |m, ctx, c| m.on_timeout(ctx, c, req_id));
                }
            }
            Timer::MetadataMaxAge => {
                self.with_metadata(ctx, &mut |m, ctx, c| {
                    m.on_max_age(ctx, c);
                    true
                });
            }
            Timer::RequestTimeoutCheck { at_us } if self.timeout_check.fire(at_us) => {
                let now = ctx.now.as_us();
                let timeout_us = crate::time::ms_to_us(self.config.request_timeout_ms);
                let timed_out: Vec<BrokerId> = self
                    .in_flight
                    .iter()
                    .filter(|(_, (_, sent))| sent.saturating_add(timeout_us) <= now)
                    .map(|(b, _)| *b)
                    .collect();
                // Closing a connection twice changes nothing.
                let validating = self
                    .validation
                    .timed_out(now.saturating_sub(timeout_us).saturating_add(1));
                for b in timed_out.into_iter().chain(validating) {
                    self.close_connection(ctx, b);
                }
                self.pump(ctx);
                self.arm_timeout_check(ctx);
            }
            _ => {}
        }
    }

    fn arm_timeout_check(&mut self, ctx: &mut Ctx) {
        let oldest = self.in_flight.values().map(|f| f.1).min();
        let oldest = match (oldest, self.validation.oldest_in_flight_us()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(sent) = oldest {
            let at = sent.saturating_add(crate::time::ms_to_us(self.config.request_timeout_ms));
            self.timeout_check
                .arm(ctx, at, |at_us| Timer::RequestTimeoutCheck { at_us });
        }
    }

    /// Takes a leader a fetch answer names (KIP-951) when it is newer than the one known:
    /// true if taken.
    fn take_leader_hint(&mut self, p: usize, hint: Option<crate::msg::CurrentLeader>) -> bool {
        let Some(hint) = hint.filter(|h| self.metadata.leader_hint(p, self.leaders[p], *h)) else {
            return false;
        };
        if self.leaders[p].map(|l| l.0) != Some(hint.leader) {
            self.by_broker = None;
        }
        self.leaders[p] = Some((hint.leader, hint.leader_epoch));
        true
    }

    /// Asks for metadata as soon as Kafka's refresh backoff allows (`client/backoff.rs`).
    fn request_metadata(&mut self, ctx: &mut Ctx) {
        self.with_metadata(ctx, &mut |m, ctx, c| {
            m.request(ctx, c);
            true
        });
    }

    /// Runs `f` on the metadata updater with the consumer's random streams (backoff jitter,
    /// `leastLoadedNode`'s start) and its connections' loads: every broker's connection is ready
    /// but those that closed ([`Consumer::down`]), loaded as [`Connections`] says (the updater's
    /// own request is never in flight when it picks a broker).
    fn with_metadata(
        &mut self,
        ctx: &mut Ctx,
        f: &mut dyn FnMut(
            &mut MetadataUpdater,
            &mut Ctx,
            &mut crate::client::backoff::Lent,
        ) -> bool,
    ) -> bool {
        #[cfg(feature = "groups")]
        let finding = self.group.as_ref().and_then(|g| g.find_in_flight_to());
        #[cfg(not(feature = "groups"))]
        let finding: Option<BrokerId> = None;
        // The updater picks a broker only when its own request is not in flight.
        let conns = Connections {
            fetches: &self.in_flight,
            validation: &self.validation,
            down: &self.down,
            metadata: None,
            finding,
        };
        let loads = move |b: BrokerId, now: u64| conns.load(b, now);
        let mut lent = crate::client::backoff::Lent {
            jitter: &mut self.backoff_rng,
            nodes: &mut self.node_rng,
            loads: &loads,
        };
        f(&mut self.metadata, ctx, &mut lent)
    }

    /// A message from broker `b`: a disconnect closed the connection, anything else shows it up.
    fn heard_from(&mut self, ctx: &Ctx, b: BrokerId, disconnect: bool) {
        if disconnect {
            self.connection_closed(ctx, b);
        } else if let Some(d) = self.down.get_mut(b as usize) {
            *d = ConnState::default();
        }
    }

    /// The connection to `b` closed: not ready for `leastLoadedNode` until the broker answers
    /// again, and no new connection until its reconnect backoff is over
    /// (`ClusterConnectionStates.disconnected`: `backoff(failedAttempts++)`). The engine answers
    /// each request on a closed connection with a disconnect of its own: those that come within
    /// the backoff are the same failure, counted once.
    fn connection_closed(&mut self, ctx: &Ctx, b: BrokerId) {
        if self.down.len() <= b as usize {
            self.down.resize(b as usize + 1, ConnState::default());
        }
        let c = &mut self.down[b as usize];
        let now = ctx.now.as_us();
        if c.closed.is_some_and(|(_, reconnect_at)| now < reconnect_at) {
            return;
        }
        let wait = crate::client::backoff::exponential_backoff_us(
            &mut self.backoff_rng,
            RECONNECT_BACKOFF_MS,
            c.failed_attempts,
            RECONNECT_BACKOFF_MAX_MS,
        );
        c.failed_attempts = c.failed_attempts.saturating_add(1);
        c.closed = Some((now, now.saturating_add(wait)));
    }

    /// `NetworkClient.handleTimedOutRequests`: a request to `b` went unanswered for
    /// `request.timeout.ms`, so the connection closes and every request in flight on it fails
    /// (`cancelInFlightRequests`): the fetch, the position validation (tried again after
    /// `retry.backoff.ms`), a group member's `FindCoordinator` and the metadata request; and
    /// metadata is refreshed.
    fn close_connection(&mut self, ctx: &mut Ctx, b: BrokerId) {
        self.connection_closed(ctx, b);
        self.in_flight.remove(&b);
        self.validation.cancel_to(ctx, b);
        #[cfg(feature = "groups")]
        if let Some(g) = &mut self.group {
            g.connection_closed(ctx, &mut self.backoff_rng, b);
        }
        self.with_metadata(ctx, &mut |m, ctx, c| m.on_connection_closed(ctx, c, b));
        self.request_metadata(ctx);
    }

    /// Sends a fetch to every leader that has none in flight.
    fn pump(&mut self, ctx: &mut Ctx) {
        if !self.started {
            return;
        }
        if self.resets_waiting > 0 {
            self.release_reset_retries(ctx);
        }
        // It looks at every partition of its topics (positions to validate, what to fetch).
        *ctx.fetch_reads += self.partitions as u64;
        #[cfg(feature = "groups")]
        self.app_drive(ctx);
        #[cfg(feature = "groups")]
        if !self.app_in_poll(ctx.now.as_us()) {
            self.arm_timeout_check(ctx);
            return;
        }
        self.validate_positions(ctx);
        // `(leader, partition)`, grouped by leader in broker order, partitions in order. A group
        // member's other partitions are left out: they are not fetchable.
        #[cfg(feature = "groups")]
        let assigned: &[bool] = self.group.as_ref().map_or(&[], |g| &g.assigned);
        #[cfg(not(feature = "groups"))]
        let assigned: &[bool] = &[];
        let by_broker = match self.by_broker.take() {
            Some(cached) if cached.assigned == assigned => cached,
            _ => {
                let mut leaders: Vec<(BrokerId, u32)> = (0..self.partitions)
                    .filter(|p| assigned.get(*p as usize).is_none_or(|a| *a))
                    .filter_map(|p| self.leaders[p as usize].map(|(b, _)| (b, p)))
                    .collect();
                crate::kernel::small::sort_by(&mut leaders, |a, b| a.cmp(b));
                ByBroker {
                    leaders,
                    assigned: assigned.to_vec(),
                }
            }
        };
        let now = ctx.now.as_us();
        for group in by_broker.leaders.chunk_by(|x, y| x.0 == y.0) {
            let b = group[0].0;
            if self.in_flight.contains_key(&b) {
                continue;
            }
            // Not while its connection is in reconnect backoff (`AbstractFetch.prepareFetchRequests`
            // skips an unavailable node). Nothing else holds a fetch back: after an error answer
            // Kafka fetches again at once (`FetchCollector.handleInitializeErrors` asks for
            // metadata at most), from the leader the metadata names by then.
            let until = reconnect_at(&self.down, b);
            if let Some(until) = until.filter(|u| *u > now) {
                self.wake_at(ctx, until);
                continue;
            }
            // KAFKA-17182 (Kafka 4.1): while a partition it leads has records waiting for
            // `poll()`, nothing else is fetched from that broker: a fetch without the buffered
            // partition would drop it from the broker's fetch session
            // (`AbstractFetch.prepareFetchRequests`).
            #[cfg(feature = "groups")]
            if self.app.is_some()
                && group
                    .iter()
                    .any(|&(_, p)| self.buffered_and_fetchable(p as usize))
            {
                continue;
            }
            let mut partitions = ctx.pools.fetch.take();
            for &(_, p) in group {
                let p = p as usize;
                if !self.fetchable(p) {
                    continue;
                }
                let current_leader_epoch = self.leaders[p].map_or(0, |l| l.1);
                #[cfg(feature = "groups")]
                if let Some(app) = &mut self.app {
                    app.fetched_at_epoch[p] = current_leader_epoch;
                }
                partitions.push(FetchPartition {
                    part: self.subscribed.global(p as u32),
                    // No position yet: an impossible offset makes the leader answer with its
                    // log end.
                    fetch_offset: self.positions[p].unwrap_or(u64::MAX),
                    last_fetched_epoch: None,
                    current_leader_epoch,
                });
            }
            if partitions.is_empty() {
                ctx.pools.fetch.give(partitions);
                continue;
            }
            let req_id = ctx.req_id();
            self.in_flight.insert(b, (req_id, now));
            ctx.send(
                Node::Broker(b),
                Msg::Fetch(Fetch::Request {
                    req_id,
                    fetcher: Fetcher::Consumer,
                    max_wait_us: self.fetch_max_wait_us(),
                    partitions,
                    session: 0,
                }),
            );
        }
        self.by_broker = Some(by_broker);
        self.arm_timeout_check(ctx);
    }

    /// How long a fetch may wait for records: `fetch.max.wait.ms`, except for a restore
    /// consumer, whose first answer stands in for `ListOffsets` (the end offset it restores up to,
    /// asked without waiting) and which never waits at its end (the restoration is over there).
    fn fetch_max_wait_us(&self) -> u64 {
        #[cfg(feature = "groups")]
        if self.manual.is_some() {
            return 0;
        }
        crate::time::ms_to_us(self.config.fetch_max_wait_ms)
    }

    /// KIP-320, for every consumer: positions whose leader epoch changed are validated before
    /// they are fetched again (`validation.rs`).
    fn validate_positions(&mut self, ctx: &mut Ctx) {
        #[cfg(feature = "groups")]
        let group = self.group.as_deref();
        #[cfg(not(feature = "groups"))]
        let group: Option<&Assigned> = None;
        #[cfg(feature = "groups")]
        let manual = self.manual.as_deref();
        #[cfg(not(feature = "groups"))]
        let manual: Option<&Assigned> = None;
        self.validation
            .check(&self.positions, &self.position_epochs, &self.leaders);
        let wake = self.validation.send(
            ctx,
            &self.subscribed,
            // A consumer without a group is assigned every partition of its topic, or those
            // assigned by hand.
            |p| group.is_none_or(|g| g.assigned[p]) && manual.is_none_or(|m| m.assigned[p]),
            &self.positions,
            &self.position_epochs,
            &self.leaders,
            crate::time::ms_to_us(self.config.request_timeout_ms),
            |b| reconnect_at(&self.down, b),
        );
        let now = ctx.now.as_us();
        if let Some(until) = wake.filter(|u| *u > now) {
            self.wake_at(ctx, until);
        }
    }

    /// Wakes the consumer at `until` (after now), unless an earlier wake-up is already armed.
    fn wake_at(&mut self, ctx: &mut Ctx, until: u64) {
        let now = ctx.now.as_us();
        if self.wake_at_us.is_none_or(|w| until < w || w <= now) {
            self.wake_at_us = Some(until);
            ctx.timer_after_us(until - now, Timer::SenderWake { at_us: until });
        }
    }

    /// Resets to `latest` whose retry time has come may be asked again; the next one waiting
    /// wakes the consumer.
    fn release_reset_retries(&mut self, ctx: &mut Ctx) {
        let now = ctx.now.as_us();
        let mut next: Option<u64> = None;
        for at in &mut self.reset_retry_at {
            if *at == 0 {
                continue;
            }
            if *at <= now {
                *at = 0;
                self.resets_waiting -= 1;
            } else {
                next = Some(next.map_or(*at, |n: u64| n.min(*at)));
            }
        }
        if let Some(until) = next {
            self.wake_at(ctx, until);
        }
    }

    pub fn on_msg(&mut self, ctx: &mut Ctx, from: Node, msg: Msg) {
        if self.stopped {
            return;
        }
        if let Node::Broker(b) = from {
            self.heard_from(ctx, b, matches!(msg, Msg::Disconnect { .. }));
        }
        match msg {
            #[cfg(feature = "groups")]
            Msg::Group(crate::msg::Group::Response { req_id, resp }) => {
                self.with_group(ctx, |g, ctx, v| g.on_response(ctx, v, req_id, *resp));
                if self
                    .group
                    .as_ref()
                    .is_some_and(|g| g.phase == group::Phase::Stopped)
                {
                    self.stopped = true;
                }
                self.pump(ctx);
            }
            // A purge's answer: Kafka Streams only logs it (at trace level).
            #[cfg(feature = "groups")]
            Msg::DeleteRecords(crate::msg::DeleteRecords::Response { req_id, .. }) => {
                self.streams_purge_done(req_id);
            }
            Msg::OffsetsForLeaderEpoch(crate::msg::OffsetsForLeaderEpoch::Response {
                req_id,
                partitions,
            }) => {
                let Node::Broker(b) = from else {
                    return;
                };
                // A consumer without a group reports its truncations under no group.
                #[cfg(feature = "groups")]
                let group = self.group.as_ref().map_or("", |g| g.group_id.as_str());
                #[cfg(not(feature = "groups"))]
                let group = "";
                let after = self.validation.on_response(
                    ctx,
                    b,
                    req_id,
                    partitions,
                    &self.name,
                    group,
                    &self.subscribed,
                    self.config.auto_offset_reset,
                    &mut self.positions,
                    &mut self.position_epochs,
                );
                if after.refresh_metadata {
                    self.request_metadata(ctx);
                }
                self.pump(ctx);
            }
            Msg::Metadata(Metadata::Response {
                req_id,
                partitions,
                brokers,
            }) => {
                if !self.metadata.take_answer(req_id) {
                    return;
                }
                self.metadata.learn_brokers(brokers);
                let mut missing = false;
                let mut progressed = false;
                for (part, leader, epoch) in partitions {
                    let Some(i) = self.subscribed.local(part) else {
                        continue;
                    };
                    if self.metadata.accept(i, epoch, &mut progressed) {
                        let new = leader.map(|l| (l, epoch));
                        if new.map(|l| l.0) != self.leaders[i].map(|l| l.0) {
                            self.by_broker = None;
                        }
                        self.leaders[i] = new;
                    }
                    missing |= self.leaders[i].is_none();
                }
                self.metadata.answered(ctx, progressed);
                if missing {
                    self.request_metadata(ctx);
                }
                self.pump(ctx);
            }
            Msg::Fetch(Fetch::Response {
                req_id,
                mut partitions,
            }) => {
                let Node::Broker(b) = from else { return };
                if self.in_flight.get(&b).is_none_or(|f| f.0 != req_id) {
                    return;
                }
                #[cfg_attr(not(feature = "groups"), allow(unused_variables))]
                let sent_us = self.in_flight.remove(&b).map_or(0, |f| f.1);
                let mut refresh = false;
                for fp in partitions.drain(..) {
                    let Some(p) = self.subscribed.local(fp.part) else {
                        ctx.pools.batches.give(fp.batches);
                        continue;
                    };
                    // KIP-951 (`AbstractFetch.handleFetchSuccess`): a newer leader the answer
                    // names is taken at once (`Metadata.updatePartitionLeadership`), whatever
                    // becomes of the answer, and the position validated against it in the next
                    // pump (`maybeValidatePositionForCurrentLeader`).
                    let hinted = matches!(
                        fp.error,
                        ErrorCode::NotLeaderOrFollower | ErrorCode::FencedLeaderEpoch
                    ) && self.take_leader_hint(p, fp.current_leader);
                    if !self.fetchable(p) {
                        // Revoked while the fetch was in flight, or awaiting validation
                        // (`FetchCollector.initialize`: "no longer has valid position"). (A
                        // paused or buffered partition's error would refresh metadata in
                        // Kafka, which initializes the answer first; dropped here.)
                        ctx.pools.batches.give(fp.batches);
                        continue;
                    }
                    match fp.error {
                        ErrorCode::None => {
                            #[cfg(feature = "groups")]
                            if !self.manual_answer(p, sent_us, fp.high_watermark) {
                                ctx.pools.batches.give(fp.batches);
                                continue;
                            }
                            #[cfg(feature = "groups")]
                            if let Some(t) = &mut self.tasks {
                                t.fetched_hw[p] = Some(fp.high_watermark);
                            }
                            // Whole batches come back; the records before the position (inside
                            // the first batch) are skipped, as Kafka's fetcher does.
                            let Some(pos) = self.positions[p] else {
                                continue;
                            };
                            let store = &*ctx.batches;
                            let end = fp
                                .batches
                                .last()
                                .map_or(fp.base_offset, |&id| store.get(id).next_offset());
                            // A compacted log has gaps: the first batch may start after the
                            // position (the records between were cleaned away).
                            let from = if pos < fp.base_offset && fp.fetch_offset == pos {
                                fp.base_offset
                            } else {
                                pos
                            };
                            if fp.batches.is_empty() || from < fp.base_offset || from >= end {
                                ctx.pools.batches.give(fp.batches);
                                continue;
                            }
                            #[cfg(feature = "groups")]
                            if self.app.is_some() {
                                self.app_buffer(p, pos, end, b, &fp.batches);
                                ctx.pools.batches.give(fp.batches);
                                continue;
                            }
                            let now = ctx.now.as_us();
                            // Where a record the deserializer cannot decode stopped the consumer.
                            let mut stop_at = None;
                            // Those records, for the trace: `(offset, record, skipped)`.
                            let mut undecoded: Vec<(u64, RecordId, bool)> = Vec::new();
                            'batches: for &id in &fp.batches {
                                let base = store.get(id).base_offset;
                                let skip = from.saturating_sub(base) as usize;
                                for (i, rid) in store.record_ids(id).enumerate().skip(skip) {
                                    if let Some(reason) = self.decode_failure(ctx, rid) {
                                        let skipped = self.decoder.as_ref().is_some_and(|d| d.skip);
                                        let offset = base + i as u64;
                                        self.poison.push(PoisonPill {
                                            partition: p as u32,
                                            offset,
                                            record: rid,
                                            at_us: now,
                                            reason,
                                            skipped,
                                        });
                                        undecoded.push((offset, rid, skipped));
                                        if !skipped {
                                            stop_at = Some(offset);
                                            self.stuck[p] = true;
                                            break 'batches;
                                        }
                                        continue;
                                    }
                                    ctx.prov.consume(rid, now);
                                    self.received += 1;
                                    #[cfg(feature = "groups")]
                                    self.manual_read(p, base + i as u64, rid);
                                }
                            }
                            let end = stop_at.unwrap_or(end);
                            let n = end - pos;
                            if let Some(&last) = fp.batches.last() {
                                self.position_epochs[p] = Some(store.get(last).leader_epoch);
                            }
                            #[cfg(feature = "groups")]
                            if let Some(g) = &self.group {
                                let generation = g.generation;
                                for &id in &fp.batches {
                                    let sb = store.get(id);
                                    let (lo, hi) =
                                        (sb.base_offset.max(pos), sb.next_offset().min(end));
                                    let epoch = sb.leader_epoch;
                                    self.record_processed(p as u32, lo, hi, epoch, generation, now);
                                }
                            }
                            for (offset, record, skipped) in undecoded {
                                let partition = ctx.topo.part_name(fp.part);
                                ctx.emit(TraceKind::NotDeserialized {
                                    consumer: self.name.clone(),
                                    partition,
                                    offset,
                                    record,
                                    skipped,
                                });
                            }
                            self.positions[p] = Some(end);
                            let topo = ctx.topo;
                            ctx.emit_hot(HotEvent::Consumed {
                                consumer: &self.name,
                                partition: topo.part_name_ref(fp.part),
                                base_offset: pos,
                                records: n as u32,
                                broker: b,
                            });
                            ctx.pools.batches.give(fp.batches);
                        }
                        // An answer for a position the consumer has left since (a seek, a
                        // truncation found by validation) is stale: dropped
                        // (`FetchCollector.handleInitializeErrors`: "Discarding stale fetch
                        // response").
                        ErrorCode::OffsetOutOfRange
                            if fp.fetch_offset != self.positions[p].unwrap_or(u64::MAX) => {}
                        // `ListOffsets(LATEST)` answered `OFFSET_NOT_AVAILABLE`: a leader
                        // elected since whose high watermark has not reached its epoch's start.
                        // Asked again `retry.backoff.ms` later (position unchanged).
                        ErrorCode::OffsetOutOfRange
                            if fp.latest_unavailable
                                && self.next_reset_policy(p) == OffsetReset::Latest =>
                        {
                            if self.reset_retry_at[p] == 0 {
                                self.resets_waiting += 1;
                            }
                            self.reset_retry_at[p] =
                                ctx.now.as_us() + crate::time::ms_to_us(RESET_RETRY_BACKOFF_MS);
                        }
                        ErrorCode::OffsetOutOfRange => {
                            let policy = self.reset_policy(p);
                            if policy != OffsetReset::None {
                                // A reset position (`ListOffsets`) has no epoch of its own and
                                // is valid for the leader that gave it.
                                self.position_epochs[p] = None;
                                self.validation
                                    .position_reset(p, self.leaders[p].map(|l| l.1));
                            }
                            let reset = match policy {
                                // `ListOffsets(EARLIEST)`: the log start offset.
                                OffsetReset::Earliest => Some(fp.log_start_offset),
                                OffsetReset::Latest => Some(fp.high_watermark),
                                // `OffsetOutOfRangeException` / `NoOffsetForPartitionException`:
                                // the partition is not fetched any more; its position stays
                                // (and so in what `commitSync()` commits).
                                OffsetReset::None => {
                                    #[cfg(feature = "groups")]
                                    if let Some(g) = &mut self.group {
                                        g.no_offset[p] = true;
                                    }
                                    self.no_offset[p] = true;
                                    None
                                }
                            };
                            // A position retention deleted (`FetchCollector.handleInitializeErrors`:
                            // "Fetch position … is out of range … resetting offset").
                            if let Some(pos) =
                                self.positions[p].filter(|&pos| pos < fp.log_start_offset)
                            {
                                ctx.emit(crate::trace::TraceKind::OffsetReset {
                                    consumer: self.name.clone(),
                                    partition: ctx.topo.part_name(fp.part),
                                    position: pos,
                                    log_start_offset: fp.log_start_offset,
                                    reset_to: reset,
                                });
                            }
                            if reset.is_some() {
                                self.positions[p] = reset;
                            }
                        }
                        // A leader that has not caught up with our metadata yet: fetched again
                        // (`FetchCollector.handleInitializeErrors` refreshes nothing).
                        ErrorCode::UnknownLeaderEpoch => {}
                        // The leader named above (KIP-951): a position that then awaits
                        // validation makes `FetchCollector.initialize` ignore the answer ("no
                        // longer has valid position"); otherwise its error refreshes metadata.
                        ErrorCode::NotLeaderOrFollower | ErrorCode::FencedLeaderEpoch => {
                            refresh |= !hinted
                                || self.positions[p].is_none()
                                || self.position_epochs[p].is_none();
                        }
                        _ => refresh = true,
                    }
                }
                ctx.pools.fetched.give(partitions);
                if refresh {
                    self.request_metadata(ctx);
                }
                self.pump(ctx);
            }
            Msg::Disconnect { req_id } => {
                #[cfg(feature = "groups")]
                let ours = {
                    let mut ours = false;
                    self.with_group(ctx, |g, ctx, v| ours = g.on_disconnect(ctx, v, req_id));
                    ours
                };
                #[cfg(not(feature = "groups"))]
                let ours = false;
                let ours = ours || self.validation.disconnected(ctx, req_id);
                #[cfg(feature = "groups")]
                if self.streams_purge_done(req_id) {
                    return;
                }
                if ours {
                    // Every closed connection refreshes metadata (`handleServerDisconnect`).
                    self.request_metadata(ctx);
                    self.pump(ctx);
                } else if self.with_metadata(ctx, &mut |m, ctx, c| m.on_disconnect(ctx, c, req_id))
                {
                    // The metadata request: asked again after its backoff.
                } else if let Some(b) = self.in_flight_broker(req_id) {
                    self.in_flight.remove(&b);
                    self.request_metadata(ctx);
                }
            }
            _ => {}
        }
    }
}

/// Why deserializer `d` cannot decode record `rid` (`None`: it can).
pub(super) fn undecodable(
    d: &crate::spec::ValueDecoder,
    ctx: &Ctx,
    rid: crate::log::RecordId,
) -> Option<String> {
    if !d.computed {
        return Some("the deserializer's table was not computed before the run".into());
    }
    let (p, _) = ctx.prov.producer_and_key(rid)?;
    let info = &ctx.topo.producers[p as usize];
    if info.null_value {
        // A null value deserializes to null.
        return None;
    }
    match info.phase_at(ctx.prov.sent_us(rid)?, ctx.prov.seq(rid)) {
        None => Some("Unknown magic byte! (the producer has no schema serializer: its values are not in the Confluent wire format)".into()),
        Some(i) => d.fails.get(p as usize)?.get(i)?.clone(),
    }
}
