//! A consumer's group membership (Kafka's `AbstractCoordinator` and `ConsumerCoordinator`,
//! clients/.../consumer/internals/, 4.1; kafka-semantics.md §7.5, §8.1, §8.2), classic protocol:
//!
//! - find the coordinator (`FindCoordinator` to the least loaded broker), join (`JoinGroup`,
//!   again with the member id a `MEMBER_ID_REQUIRED` answer hands out), run the assignor when
//!   elected leader and send the assignment in `SyncGroup`; then fetch the committed offsets of
//!   the assigned partitions (`OffsetFetch`), starting at `auto.offset.reset` where there is none;
//! - heartbeat every `heartbeat.interval.ms` once joined; `REBALANCE_IN_PROGRESS` makes it rejoin,
//!   `ILLEGAL_GENERATION` / `UNKNOWN_MEMBER_ID` reset its generation (and member id) and rejoin
//!   with its partitions lost (no commit);
//! - auto-commit the positions every `auto.commit.interval.ms` (`maybeAutoCommitOffsetsAsync`,
//!   never retried), and synchronously before an eager rejoin (`onJoinPrepare`) and on a clean
//!   close, which then sends `LeaveGroup` (dynamic members only);
//! - a lost coordinator (a disconnect, a request timeout, `NOT_COORDINATOR`) is found again
//!   and the member carries on with its generation: a coordinator failover alone is no rebalance.
//!
//! Processing is instant (records are processed as a poll returns them), so `poll()` is always
//! called in time and `max.poll.interval.ms` only serves as the rebalance timeout.
//!
//! The rebalance protocol is the highest one every configured assignor supports (the
//! `ConsumerCoordinator` constructor): COOPERATIVE when the list names only `cooperative-sticky`,
//! else EAGER (§8.2). Eager: every assigned partition is revoked (not fetched from the commit on,
//! `maybeMarkPartitionsPendingRevocation`) before joining. Cooperative: the member keeps fetching
//! its partitions through the rebalance, reports them as `ownedPartitions` with its generation,
//! and after SyncGroup revokes only `owned − assigned`, without a commit of its own
//! (`onJoinComplete`); if it revoked any it rejoins at once, and the second round hands those
//! partitions to their new owners. A lost coordinator revokes nothing under either protocol.

use super::assignor::{ClientAssignor, PartitionsPerTopic, Subscription, TopicPartition};
use crate::config::{ConsumerConfig, OffsetReset};
use crate::ctx::{CheckTimer, Ctx, Node, Timer};
use crate::msg::{ErrorCode, Msg, PartIdx};
use crate::protocol::group::{GroupRequest, GroupResponse, JoinGroupRequest, ProtocolMetadata};
use crate::spec::BrokerId;
use crate::trace::TraceKind;
use serde::Serialize;

/// `retry.backoff.ms` and `retry.backoff.max.ms` (Kafka's defaults).
const RETRY_BACKOFF_MS: u64 = 100;
const RETRY_BACKOFF_MAX_MS: u64 = 1_000;
/// `AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE`: a JoinGroup may wait the rebalance timeout.
const JOIN_GROUP_TIMEOUT_LAPSE_MS: u64 = 5_000;

/// Where the member is (`MemberState`, plus the coordinator lookup).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Phase {
    /// No coordinator known.
    FindCoordinator,
    /// Committing before an eager rejoin.
    CommitBeforeJoin,
    /// JoinGroup sent or to send (`PREPARING_REBALANCE`).
    Joining,
    /// SyncGroup sent (`COMPLETING_REBALANCE`).
    Syncing,
    /// Assignment received (`STABLE`).
    Stable,
    /// Closing: the final commit, then LeaveGroup.
    Closing,
    /// Closed, or failed with a fatal error.
    Stopped,
}

/// What the in-flight group request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub(super) enum Pending {
    Find,
    Join,
    Sync,
}

/// The offsets of a commit: `(partition, offset, leader epoch of the position)`.
pub(super) type CommitOffsets = Vec<(PartIdx, u64, Option<u32>)>;

#[derive(Clone, Debug, Serialize)]
pub struct Membership {
    pub group_id: String,
    pub client_id: String,
    pub phase: Phase,
    /// The phase to return to once the coordinator is found again.
    pub(super) resume: Phase,
    pub coordinator: Option<BrokerId>,
    pub member_id: String,
    pub generation: i32,
    pub is_leader: bool,
    pub protocol: Option<String>,
    /// Per partition of the consumer's topic: assigned to this member.
    pub assigned: Vec<bool>,
    /// Per partition: its committed offset was fetched (the position is set or being reset).
    pub ready: Vec<bool>,
    /// Per partition: no committed offset and `auto.offset.reset=none`
    /// (`NoOffsetForPartitionException`): not fetched.
    pub no_offset: Vec<bool>,
    /// The find, join or sync request in flight: `(request id, kind, deadline µs)`.
    pub(super) in_flight: Option<(u64, Pending, u64)>,
    pub(super) heartbeat_in_flight: Option<(u64, u64)>,
    pub(super) commit_in_flight: Option<(u64, u64)>,
    /// A Kafka Streams member's commit before a rejoin or a close waits for its producer's flush.
    pub flush_wait: bool,
    /// From the JoinGroup to the assignment (Kafka Streams' `TaskManager.rebalanceInProgress`:
    /// set by `handleRebalanceStart` as the subscription is built, cleared by
    /// `handleRebalanceComplete` in `onPartitionsAssigned`): the loop's due commit is refused.
    pub rebalance_in_progress: bool,
    /// The offsets a commit awaited by a rejoin or a close carries, kept until it is answered:
    /// a Kafka Streams member's commit of the tasks a cooperative rebalance revoked
    /// (`TaskManager.handleRevocation`), sent once flushed, before it rejoins; or a close's
    /// commit, fixed when first sent, so that a retry carries the same offsets.
    pub(super) revoked_commit: Option<CommitOffsets>,
    pub(super) offset_fetch_in_flight: Option<(u64, u64)>,
    pub(super) next_heartbeat_us: u64,
    pub(super) next_auto_commit_us: u64,
    pub(super) backoff_until_us: u64,
    /// `group.instance.id` (a static member).
    instance_id: Option<String>,
    /// A rebalance was requested (a heartbeat said so): rejoin at the next tick.
    rejoin_needed: bool,
    check: CheckTimer,
    /// Where the last `FindCoordinator` went.
    find_to: BrokerId,
    /// KIP-848: `FindCoordinator` attempts failed since the last one that found the coordinator
    /// (`RequestState.numAttempts`).
    find_attempts: u32,
    /// KIP-848: since when the lookup has waited unsent for a broker to send it to
    /// (`NetworkClientDelegate.trySend`: its timer runs from its creation).
    find_unsent_since: Option<u64>,
    /// Asks the consumer for a metadata refresh (a classic member's failed lookup:
    /// `awaitMetadataUpdate`).
    #[serde(skip)]
    pub(super) wants_metadata: bool,
    /// Asks the consumer to close its connection to this broker: a `FindCoordinator` sent on it
    /// timed out.
    #[serde(skip)]
    pub(super) timed_out_to: Option<BrokerId>,
    pub rebalances: u32,
    /// Why the member stopped, if it failed.
    pub failure: Option<String>,
    /// The COOPERATIVE rebalance protocol (every configured assignor supports it).
    pub cooperative: bool,
    /// With an application poll loop (`app.rs`): when the application last called `poll()`
    /// while it is busy processing or committing, `None` while it is inside `poll()`. Rejoins and
    /// auto-commits happen only inside `poll()`, and `max.poll.interval.ms` runs from it.
    pub app_busy_since: Option<u64>,
    /// The application is processing records (`app.rs`): no thread of the classic consumer
    /// reads the network for the group but the heartbeat thread, which is off until the member
    /// has joined (`HeartbeatThread.run`: `hasNotJoinedGroup` disables it).
    pub(super) app_processing: bool,
    /// A JoinGroup answer that came while the application processed: read when it next reads the
    /// network (a commit or `poll()`), where Kafka's `JoinGroupResponseHandler` runs (and, for
    /// the leader, the assignor and the SyncGroup).
    #[serde(skip)]
    held_join: Option<crate::protocol::group::JoinGroupResponse>,
    /// A SyncGroup answer taken while the application was busy: the heartbeat thread reads it
    /// (the member is `STABLE`), but `onJoinComplete`, the new assignment and the cooperative
    /// revocation, runs in the application's next `poll()` (`joinGroupIfNeeded`), and only if
    /// the generation is still this one (else `resetStateAndRejoin`). `(generation, assignment)`.
    #[serde(skip)]
    join_complete_at_poll: Option<(i32, Vec<TopicPartition>)>,
    /// SyncGroup failed with REBALANCE_IN_PROGRESS while the application was busy: the member
    /// joins again at its next `poll()`, heartbeating meanwhile (see `rejoin_after_sync`).
    #[serde(skip)]
    join_at_poll: bool,
    /// The application's commits in flight: `(request id, deadline µs)`.
    pub(super) app_commits: Vec<(u64, u64)>,
    /// Their outcomes, for the application to collect.
    pub app_results: Vec<(u64, AppCommitResult)>,
    /// `commitAsync()` calls made while the coordinator was unknown, waiting for its lookup
    /// (`ConsumerCoordinator.commitOffsetsAsync`: `lookupCoordinator().addListener`): `(request
    /// id the application holds, offsets)`. Sent once it is found, failed with
    /// `RetriableCommitFailedException` if the lookup fails.
    #[serde(skip)]
    pub(super) queued_async: Vec<(u64, CommitOffsets)>,
    /// The member's assignments as it received them: `(time µs, generation, partitions)`.
    pub assignments: Vec<(u64, i32, Vec<u32>)>,
    /// The partitions it gave up (`onPartitionsRevoked`), when it stopped fetching them:
    /// `(time µs, partitions)`. Eager: all it owned, when it prepared to rejoin; cooperative:
    /// `owned − assigned` after SyncGroup; on a close, all it owned. Not partitions lost with
    /// a generation or a crash.
    pub revocations: Vec<(u64, Vec<u32>)>,
    /// The partitions it gave up as lost (`onPartitionsLost`), its generation or member epoch
    /// gone (reset by an error answer, fenced, or its poll timer expired): `(time µs,
    /// partitions)`. Nothing is committed for them, and they are not counted as revocations.
    pub lost: Vec<(u64, Vec<u32>)>,
    /// The partitions it held when its process crashed: `(time µs, partitions)`. Nobody reads
    /// them until the group gives them to a member again (after the session timeout, or when a
    /// static member comes back), so the group view counts a pause from here.
    pub crashed_with: Vec<(u64, Vec<u32>)>,
    /// The partitions it held when it closed without `onLeavePrepare` (Kafka Streams'
    /// `close()`: `internal.leave.group.on.close=false`): `(time µs, partitions)`. Not
    /// revocations; the group view counts a pause from here, as after a crash.
    pub closed_with: Vec<(u64, Vec<u32>)>,
    /// When it closed (`leave` on `close()`; once per process): a revocation noted then is the
    /// close's (`onLeavePrepare`).
    pub closed_at_us: Vec<u64>,
    /// The eager `StickyAssignor`'s memory (`onAssignment`: `memberAssignment`, `generation`):
    /// its last assignment, sent in its subscription's user data although the member revoked it
    /// before joining. Lost with the process.
    sticky_user_data: Option<(i32, Vec<u32>)>,
    /// The last entry of `revocations` was noted ahead of the commit that precedes it (an eager
    /// rejoin's, a KIP-848 reconciliation's: fetching of those partitions stops then) while the
    /// partitions are still assigned. If the generation goes before they do, Kafka calls
    /// `onPartitionsLost` instead, so the entry is taken back; a crash or a close meanwhile does
    /// not note them again.
    pub(super) pending_revocation: bool,
    /// `max.poll.interval.ms`.
    max_poll_interval_ms: u64,
    /// Heartbeats failed in a row: the exponent of the next one's backoff. Classic:
    /// `Heartbeat.failHeartbeat` (any failure; a success zeroes it). KIP-848: answers
    /// COORDINATOR_LOAD_IN_PROGRESS (`HeartbeatRequestState.onFailedAttempt`; a success or a
    /// `reset()` zeroes it).
    pub(super) heartbeat_attempts: u32,
    /// When the last failed heartbeat's backoff ends (KIP-848: a heartbeat after the coordinator
    /// is found again waits for it; a `reset()` clears it).
    pub(super) heartbeat_retry_at_us: u64,
    /// `group.protocol=consumer` (KIP-848, `consumer_protocol.rs`).
    pub consumer_protocol: bool,
    /// The KIP-848 member's state.
    pub(super) cp: Kip848State,
}

/// What a KIP-848 member keeps besides the classic fields it shares (`generation` is its
/// member epoch).
#[derive(Clone, Debug, Serialize)]
pub(super) struct Kip848State {
    /// The interval the coordinator handed out.
    pub heartbeat_interval_ms: u64,
    /// A reconciliation finished: acknowledge it with a heartbeat now.
    pub ack_needed: bool,
    /// Send every field in the next heartbeat (after joining or an error).
    pub send_full: bool,
    /// The owned partitions the last heartbeat reported.
    pub owned_sent: Option<Vec<bool>>,
    /// The last assignment received and not yet reconciled.
    pub target: Option<Vec<bool>>,
    /// Partitions being revoked (their commit is in flight): not fetched.
    pub revoking: Vec<bool>,
    /// It left on a poll timeout (`STALE`): it rejoins at the application's next `poll()`
    /// (`maybeRejoinStaleMember`), not before.
    pub rejoin_at_poll: bool,
}

/// A commit sent: `(request id, [(partition, offset)])`.
pub type SentCommit = (u64, Vec<(PartIdx, u64)>);

/// How a commit of the application ended (`ConsumerCoordinator.OffsetCommitResponseHandler`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum AppCommitResult {
    Committed,
    /// A retriable error (`RetriableCommitFailedException` for `commitAsync`; `commitSync`
    /// retries it).
    Retriable(ErrorCode),
    /// `CommitFailedException`, `RebalanceInProgressException` or another fatal one, with the
    /// error that caused it (`ErrorCode::None` when the client refused it before sending).
    Failed(&'static str, ErrorCode),
}

impl Membership {
    pub fn new(
        group_id: &str,
        client_id: &str,
        partitions: u32,
        assignors: &[ClientAssignor],
    ) -> Self {
        let n = partitions as usize;
        Membership {
            group_id: group_id.to_string(),
            client_id: client_id.to_string(),
            phase: Phase::FindCoordinator,
            resume: Phase::Joining,
            coordinator: None,
            member_id: String::new(),
            generation: -1,
            is_leader: false,
            protocol: None,
            assigned: vec![false; n],
            ready: vec![false; n],
            no_offset: vec![false; n],
            in_flight: None,
            heartbeat_in_flight: None,
            commit_in_flight: None,
            flush_wait: false,
            rebalance_in_progress: false,
            revoked_commit: None,
            offset_fetch_in_flight: None,
            next_heartbeat_us: u64::MAX,
            next_auto_commit_us: u64::MAX,
            backoff_until_us: 0,
            instance_id: None,
            rejoin_needed: false,
            check: CheckTimer::default(),
            find_to: 0,
            find_attempts: 0,
            find_unsent_since: None,
            wants_metadata: false,
            timed_out_to: None,
            rebalances: 0,
            failure: None,
            app_busy_since: None,
            app_processing: false,
            held_join: None,
            join_complete_at_poll: None,
            join_at_poll: false,
            app_commits: Vec::new(),
            queued_async: Vec::new(),
            app_results: Vec::new(),
            assignments: Vec::new(),
            revocations: Vec::new(),
            closed_with: Vec::new(),
            closed_at_us: Vec::new(),
            lost: Vec::new(),
            crashed_with: Vec::new(),
            sticky_user_data: None,
            pending_revocation: false,
            max_poll_interval_ms: u64::MAX,
            heartbeat_attempts: 0,
            heartbeat_retry_at_us: 0,
            consumer_protocol: false,
            cp: Kip848State {
                heartbeat_interval_ms: 5_000,
                ack_needed: false,
                send_full: true,
                owned_sent: None,
                target: None,
                revoking: vec![false; n],
                rejoin_at_poll: false,
            },
            cooperative: !assignors.is_empty() && assignors.iter().all(|a| a.cooperative()),
        }
    }

    /// Eager, committing before its rejoin, or closing (the application is in `close()`, not
    /// `poll()`): every partition is pending revocation (`maybeMarkPartitionsPendingRevocation`),
    /// neither fetched nor handed out, so the commit covers every record handed out.
    pub fn pending_revocation(&self) -> bool {
        self.phase == Phase::Closing
            || (!self.consumer_protocol
                && !self.cooperative
                && self.phase == Phase::CommitBeforeJoin)
    }

    /// Sets `max.poll.interval.ms` (the poll timeout of an application that processes).
    pub fn with_max_poll_interval(mut self, ms: u64) -> Self {
        self.max_poll_interval_ms = ms;
        self
    }

    /// `group.instance.id`, which the classic protocol's commits carry (the coordinator fences a
    /// replaced static member by it).
    pub fn with_instance_id(mut self, id: Option<String>) -> Self {
        self.instance_id = id;
        self
    }

    /// Uses the KIP-848 consumer protocol (`group.protocol=consumer`).
    pub fn with_consumer_protocol(mut self, on: bool) -> Self {
        self.consumer_protocol = on;
        self
    }

    /// Whether partition `p` (of the consumer's topic) may be fetched: assigned, its start known,
    /// and not pending an eager revocation (nor, under KIP-848, its own revocation).
    pub fn fetchable(&self, p: usize) -> bool {
        self.phase != Phase::Stopped
            && !self.pending_revocation()
            && !(self.consumer_protocol && self.cp.revoking[p])
            && self.assigned[p]
            && self.ready[p]
            && !self.no_offset[p]
    }
}

/// What the consumer's state looks like to its membership: its positions and leaders.
pub struct View<'a> {
    pub config: &'a ConsumerConfig,
    /// The topics it subscribes to and their partitions' local numbering.
    pub subscribed: &'a super::subscribed::Subscribed,
    pub topo: &'a crate::topology::Topology,
    pub positions: &'a mut Vec<Option<u64>>,
    /// The leader epoch of each position (of the last record handed out).
    pub epochs: &'a mut [Option<u32>],
    /// KIP-320: positions set from a commit are validated against the current leader.
    pub validation: &'a mut super::validation::Validation,
    /// A Kafka Streams member: per partition, the offset after the last record its topology
    /// processed (what Streams commits for a task, `StreamTask.committableOffsetsAndMetadata`).
    pub processed: Option<&'a [Option<u64>]>,
    /// Per partition: stopped at a record the deserializer cannot decode.
    pub stuck: &'a mut [bool],
    /// `NetworkClient.leastLoadedNode` at `now` (µs), given the cluster's initial brokers (the
    /// bootstrap servers): where a `FindCoordinator` goes.
    #[allow(clippy::type_complexity)]
    pub least_loaded: &'a mut dyn FnMut(
        u64,
        u32,
        &mut crate::rng::SimRng,
        &super::validation::Validation,
    ) -> Option<BrokerId>,
    /// The consumer's random stream for backoff jitter.
    pub jitter: &'a mut crate::rng::SimRng,
}

impl View<'_> {
    /// The partition left the assignment (`SubscriptionState` drops its fetch state): its
    /// position, epoch, pending validation and a poison pill that stopped it are forgotten, so
    /// whoever is assigned it next starts from the committed offset.
    pub(super) fn forget(&mut self, p: usize) {
        self.positions[p] = None;
        self.epochs[p] = None;
        self.validation.forget(p);
        self.stuck[p] = false;
    }

    /// What a commit says of partition `p`: its position (for a Kafka Streams member, the offset
    /// after what its topology processed), with the position's leader epoch.
    pub(super) fn committable(&self, p: usize) -> Option<(PartIdx, u64, Option<u32>)> {
        let o = self.processed.map_or(self.positions[p], |d| d[p]);
        o.map(|o| (self.subscribed.global(p as u32), o, self.epochs[p]))
    }

    /// Local partition `p` as the protocol names it.
    pub(super) fn tp(&self, p: usize) -> TopicPartition {
        self.subscribed.topic_partition(self.topo, p as u32)
    }

    /// The local index of `tp`, if subscribed.
    pub(super) fn local_of(&self, tp: &TopicPartition) -> Option<usize> {
        self.subscribed.local_of(self.topo, tp)
    }
}

/// `retry.backoff.ms` × 2^`attempts` (±20%, at most `retry.backoff.max.ms`), counting this attempt.
fn retry_backoff_us(jitter: &mut crate::rng::SimRng, attempts: &mut u32) -> u64 {
    let wait = crate::client::backoff::exponential_backoff_us(
        jitter,
        RETRY_BACKOFF_MS,
        *attempts,
        RETRY_BACKOFF_MAX_MS,
    );
    *attempts = attempts.saturating_add(1);
    wait
}

pub(super) fn send(ctx: &mut Ctx, to: BrokerId, req_id: u64, req: GroupRequest) {
    ctx.send(
        Node::Broker(to),
        Msg::Group(crate::msg::Group::Request {
            req_id,
            req: Box::new(req),
        }),
    );
}

pub(super) fn note(ctx: &mut Ctx, group: &str, text: String) {
    ctx.emit(TraceKind::Group {
        group: group.to_string(),
        text,
    });
}

impl Membership {
    pub(super) fn request_timeout_us(v: &View) -> u64 {
        crate::time::ms_to_us(v.config.request_timeout_ms)
    }

    /// Starts (or restarts after a backoff) whatever the phase needs, then arms the tick.
    pub fn tick(&mut self, ctx: &mut Ctx, v: &mut View) {
        if self.consumer_protocol {
            return self.cp_tick(ctx, v);
        }
        let now = ctx.now.as_us();
        if self.phase == Phase::Stopped {
            return;
        }
        self.expire_requests(ctx, v);
        self.maybe_poll_timeout(ctx, v);
        if self.app_busy_since.is_none() {
            match &self.join_complete_at_poll {
                // The heartbeat thread reset the generation since (an error answer): the
                // rebalance failed, and the member joins again with no member id
                // (`joinGroupIfNeeded`: `resetStateAndRejoin(reason, true)`).
                Some((generation, _)) if *generation != self.generation => {
                    self.join_complete_at_poll = None;
                    self.member_id.clear();
                }
                // Once the coordinator is known (`ensureCoordinatorReady` comes first).
                Some(_) if self.phase == Phase::Stable => {
                    if let Some((_, assignment)) = self.join_complete_at_poll.take() {
                        self.join_complete(ctx, v, assignment);
                    }
                }
                _ => {}
            }
        }
        if now >= self.backoff_until_us && self.in_flight.is_none() {
            match self.phase {
                Phase::FindCoordinator => self.send_find(ctx, v),
                Phase::CommitBeforeJoin | Phase::Closing
                    if self.commit_in_flight.is_none() && !self.flush_wait =>
                {
                    self.send_commit(ctx, v)
                }
                Phase::Joining if self.app_busy_since.is_none() => self.send_join(ctx, v),
                Phase::Syncing if self.join_at_poll && self.app_busy_since.is_none() => {
                    self.rejoin(ctx, v)
                }
                // Rejoins happen inside `poll()`.
                Phase::Stable if self.rejoin_needed && self.app_busy_since.is_none() => {
                    self.prepare_join(ctx, v)
                }
                _ => {}
            }
        }
        // The heartbeat thread runs on while the member commits (or a Kafka Streams member
        // flushes) before its rejoin: `onJoinPrepare` runs while the member is still STABLE, and
        // only the rejoin (`PREPARING_REBALANCE`) disables it.
        if matches!(
            self.phase,
            Phase::Syncing | Phase::Stable | Phase::CommitBeforeJoin
        ) && self.coordinator.is_some()
        {
            if now >= self.next_heartbeat_us && self.heartbeat_in_flight.is_none() {
                self.send_heartbeat(ctx, v);
            }
            if self.phase == Phase::Stable {
                self.maybe_auto_commit(ctx, v);
            }
            if self.phase == Phase::Stable
                && self.offset_fetch_in_flight.is_none()
                && self.assigned.iter().zip(&self.ready).any(|(a, r)| *a && !r)
            {
                self.send_offset_fetch(ctx, v);
            }
        }
        self.arm(ctx);
    }

    /// Requests unanswered in time: the coordinator is presumed dead (`coordinatorDead`); a
    /// `FindCoordinator`'s connection (the consumer's own to that broker) is closed. Either way
    /// a connection closed, so metadata is refreshed (`handleServerDisconnect`).
    pub(super) fn expire_requests(&mut self, ctx: &mut Ctx, v: &mut View) {
        let now = ctx.now.as_us();
        let timed_out = |f: Option<(u64, u64)>| f.is_some_and(|(_, d)| d <= now);
        if self.request_deadlines().is_some_and(|d| d <= now) {
            self.wants_metadata = true;
        }
        if let Some((_, pending, _)) = self.in_flight.filter(|f| f.2 <= now) {
            self.in_flight = None;
            if pending == Pending::Find {
                self.timed_out_to = Some(self.find_to);
                self.find_failed(ctx, v.jitter);
                self.coordinator_dead(ctx, v.jitter);
            } else {
                self.connection_lost(ctx, v.jitter);
            }
        }
        if timed_out(self.heartbeat_in_flight) {
            self.connection_lost(ctx, v.jitter);
            self.heartbeat_in_flight = None;
        }
        if timed_out(self.commit_in_flight) {
            self.auto_commit_retriable(ctx);
            self.commit_in_flight = None;
            self.connection_lost(ctx, v.jitter);
        }
        if timed_out(self.offset_fetch_in_flight) {
            self.offset_fetch_in_flight = None;
            self.connection_lost(ctx, v.jitter);
        }
        if self.app_commits.iter().any(|c| c.1 <= now) {
            self.connection_lost(ctx, v.jitter);
        }
    }

    /// The auto-commit due while Stable (its interval runs whether or not the last one was
    /// answered; it happens inside `poll()`).
    pub(super) fn maybe_auto_commit(&mut self, ctx: &mut Ctx, v: &mut View) {
        let now = ctx.now.as_us();
        if v.config.group.auto_commit()
            && now >= self.next_auto_commit_us
            && self.app_busy_since.is_none()
        {
            self.next_auto_commit_us = now.saturating_add(crate::time::ms_to_us(
                v.config.group.auto_commit_interval_ms,
            ));
            if self.commit_in_flight.is_none() {
                self.send_commit(ctx, v);
            }
        }
    }

    /// The earliest deadline of the requests in flight.
    pub(super) fn request_deadlines(&self) -> Option<u64> {
        [
            self.in_flight.map(|f| f.2),
            self.heartbeat_in_flight.map(|f| f.1),
            self.commit_in_flight.map(|f| f.1),
            self.offset_fetch_in_flight.map(|f| f.1),
            self.app_commits.iter().map(|c| c.1).min(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Arms the tick at `next` (never at this very instant twice over: at least 1 µs away).
    pub(super) fn arm_at(&mut self, ctx: &mut Ctx, next: u64) {
        if self.phase == Phase::Stopped || next == u64::MAX {
            return;
        }
        let at = next.max(ctx.now.as_us() + 1);
        self.check.arm(ctx, at, |at_us| Timer::GroupTick { at_us });
    }

    fn arm(&mut self, ctx: &mut Ctx) {
        if self.consumer_protocol {
            return self.cp_arm(ctx);
        }
        let now = ctx.now.as_us();
        let mut next = self.request_deadlines().unwrap_or(u64::MAX);
        if let Some(d) = self.poll_deadline_us() {
            next = next.min(d);
        }
        // The next heartbeat once the one in flight is answered (one at a time); the next
        // auto-commit while Stable (its interval runs whether or not the last one was answered).
        if matches!(
            self.phase,
            Phase::Syncing | Phase::Stable | Phase::CommitBeforeJoin
        ) && self.heartbeat_in_flight.is_none()
        {
            next = next.min(self.next_heartbeat_us);
        }
        if self.phase == Phase::Stable && self.app_busy_since.is_none() {
            next = next.min(self.next_auto_commit_us);
        }
        // Phases that send at the next tick (a commit awaited by a rejoin or a close is waited for).
        let waits_to_send = match self.phase {
            Phase::FindCoordinator => true,
            Phase::Joining => self.app_busy_since.is_none(),
            Phase::Syncing => self.join_at_poll && self.app_busy_since.is_none(),
            Phase::CommitBeforeJoin | Phase::Closing => {
                self.commit_in_flight.is_none() && !self.flush_wait
            }
            _ => false,
        };
        if self.in_flight.is_none() && waits_to_send {
            next = next.min(self.backoff_until_us.max(now));
        }
        if self.phase == Phase::Stable && self.rejoin_needed && self.app_busy_since.is_none() {
            next = next.min(self.backoff_until_us.max(now));
        }
        self.arm_at(ctx, next);
    }

    /// Whether a fired tick is the armed one.
    pub fn fire(&mut self, at_us: u64) -> bool {
        self.check.fire(at_us)
    }

    /// The broker a `FindCoordinator` in flight went to, if one is.
    pub(super) fn find_in_flight_to(&self) -> Option<BrokerId> {
        matches!(self.in_flight, Some((_, Pending::Find, _))).then_some(self.find_to)
    }

    pub(super) fn back_off(&mut self, ctx: &Ctx) {
        self.backoff_until_us = ctx.now.as_us() + crate::time::ms_to_us(RETRY_BACKOFF_MS);
    }

    /// The periodic auto-commit in flight failed with a retriable error (an error answer, a
    /// timeout, a lost connection or coordinator): the next one is due `retry.backoff.ms` from now,
    /// not a whole `auto.commit.interval.ms` after the failed one was sent (`ConsumerCoordinator.
    /// autoCommitOffsetsAsync`'s callback: `nextAutoCommitTimer.updateAndReset(retryBackoffMs)`;
    /// KIP-848's `CommitRequestManager.resetAutoCommitTimer(retryBackoffMs)`). The commits a
    /// rejoin or a close waits for are sent again by their phase.
    fn auto_commit_retriable(&mut self, ctx: &Ctx) {
        if self.commit_in_flight.is_some() && self.phase == Phase::Stable {
            self.next_auto_commit_us = ctx.now.as_us() + crate::time::ms_to_us(RETRY_BACKOFF_MS);
        }
    }

    /// The connection to the coordinator closed (a disconnect, or a request that timed out):
    /// every request on it fails. A KIP-848 member's heartbeat in flight is a failed attempt
    /// (`AbstractHeartbeatRequestManager.onFailure` → `HeartbeatRequestState.onFailedAttempt`:
    /// the next one waits out the backoff); a classic member's fails in `coordinator_dead`.
    pub(super) fn connection_lost(&mut self, ctx: &mut Ctx, jitter: &mut crate::rng::SimRng) {
        if self.consumer_protocol
            && self.coordinator.is_some()
            && self.heartbeat_in_flight.is_some()
        {
            self.heartbeat_failed(ctx, jitter);
        }
        self.coordinator_dead(ctx, jitter);
    }

    /// `markCoordinatorUnknown`: find it again, then resume where the member was.
    pub(super) fn coordinator_dead(&mut self, ctx: &mut Ctx, jitter: &mut crate::rng::SimRng) {
        if self.coordinator.is_none() {
            return;
        }
        self.auto_commit_retriable(ctx);
        self.coordinator = None;
        // The JoinGroup answer the application has not read yet is lost with the connection
        // (`client.disconnectAsync(oldCoordinator)` fails the request).
        self.held_join = None;
        if self.phase != Phase::FindCoordinator && self.phase != Phase::Stopped {
            self.resume = match self.phase {
                // A parked join or sync is lost with its coordinator: join again.
                Phase::Syncing => Phase::Joining,
                p => p,
            };
            self.phase = Phase::FindCoordinator;
        }
        self.in_flight = None;
        // Kafka processes the answer to a heartbeat in flight even after another request marked
        // the coordinator unknown; an error answer (NOT_COORDINATOR) resets what the next
        // heartbeat carries (`AbstractHeartbeatRequestManager.onErrorResponse` →
        // `resetHeartbeatState`). The engine drops that answer, so the next heartbeat is full in
        // any case: the new coordinator sends the assignment again, which the dropped answer may
        // have carried.
        if self.heartbeat_in_flight.take().is_some() {
            self.cp.send_full = true;
            // The disconnect fails a classic member's heartbeat in flight: its listener in the
            // heartbeat thread backs off (`heartbeat.failHeartbeat()`).
            if !self.consumer_protocol {
                self.heartbeat_failed(ctx, jitter);
            }
        }
        self.commit_in_flight = None;
        self.offset_fetch_in_flight = None;
        for (req_id, _) in std::mem::take(&mut self.app_commits) {
            self.app_results.push((
                req_id,
                AppCommitResult::Retriable(ErrorCode::CoordinatorNotAvailable),
            ));
        }
        self.back_off(ctx);
    }

    /// `lookupCoordinator`: `FindCoordinator` to the least loaded broker. With none available, a
    /// classic member's lookup fails at once (`noBrokersAvailable`, retriable: [`Self::find_failed`]);
    /// a KIP-848 member's request waits unsent (`NetworkClientDelegate.doSend`), tried again at
    /// each poll of the background thread (every `retry.backoff.ms` while a request waits), and
    /// fails once it has waited `request.timeout.ms` (`trySend`: "Failed to send request after …
    /// ms"). Sent late, it keeps only what is left of that timeout (`makeClientRequest`).
    pub(super) fn send_find(&mut self, ctx: &mut Ctx, v: &mut View) {
        let now = ctx.now.as_us();
        // Expired unsent, it fails before a broker is looked for (`trySend` checks the timer
        // before `doSend`): never sent with no time left.
        if self
            .find_unsent_since
            .is_some_and(|since| now - since >= Self::request_timeout_us(v))
        {
            self.find_unsent_since = None;
            self.find_failed(ctx, v.jitter);
            return;
        }
        let Some(b) = (v.least_loaded)(now, ctx.topo.initial_brokers, v.jitter, v.validation)
        else {
            if !self.consumer_protocol {
                self.find_failed(ctx, v.jitter);
                return;
            }
            self.find_unsent_since.get_or_insert(now);
            self.back_off(ctx);
            return;
        };
        self.find_to = b;
        let req_id = ctx.req_id();
        let created = self.find_unsent_since.take().unwrap_or(now);
        let deadline = created + Self::request_timeout_us(v);
        self.in_flight = Some((req_id, Pending::Find, deadline));
        send(
            ctx,
            b,
            req_id,
            GroupRequest::FindCoordinator {
                key: self.group_id.clone(),
            },
        );
    }

    /// A failed JoinGroup or SyncGroup: `joinGroupIfNeeded` joins again inside the application's
    /// `poll()`, at once if it is in it, else at its next one (the heartbeat thread or a commit
    /// may have read the answer).
    fn rejoin(&mut self, ctx: &mut Ctx, v: &View) {
        self.phase = Phase::Joining;
        if self.app_busy_since.is_none() {
            self.send_join(ctx, v);
        }
    }

    /// SyncGroup answered REBALANCE_IN_PROGRESS: the member stays `COMPLETING_REBALANCE` (the
    /// handler only raises the error), so its heartbeat thread goes on heartbeating (and takes
    /// REBALANCE_IN_PROGRESS answers as successes) until the application's next `poll()`
    /// joins again.
    fn rejoin_after_sync(&mut self, ctx: &mut Ctx, v: &View) {
        if self.app_busy_since.is_none() {
            return self.rejoin(ctx, v);
        }
        self.join_at_poll = true;
    }

    /// `resetStateOnResponseError` (UNKNOWN_MEMBER_ID resets the member id too), then the
    /// rejoin: with no generation, the join's preparation gives every partition up as lost
    /// (`onPartitionsLost`), cooperative or not.
    fn reset_and_rejoin(&mut self, ctx: &mut Ctx, v: &mut View, reset_member_id: bool) {
        if reset_member_id {
            self.member_id.clear();
        }
        self.generation = -1;
        // A JoinGroup answer is read by the application's thread only (the heartbeat thread is
        // off while `PREPARING_REBALANCE`), after its commit's state check.
        if self.app_busy_since.is_some() && self.phase == Phase::Syncing {
            return self.unjoined();
        }
        self.rejoin_needed = false;
        self.lose_all(ctx.now.as_us(), v);
        self.rejoin(ctx, v);
    }

    /// `UNJOINED` with the generation reset while the application processes: its heartbeat
    /// thread stops, its commits fail with `CommitFailedException`, and it keeps its partitions
    /// until its next `poll()`, where `onJoinPrepare` gives them up as lost and joins again.
    fn unjoined(&mut self) {
        debug_assert!(!self.consumer_protocol);
        self.in_flight = None;
        self.phase = Phase::Stable;
        self.stop_heartbeats_until_rejoin();
    }

    /// The heartbeat thread stops (`hasNotJoinedGroup()`) until the next `poll()` joins again.
    fn stop_heartbeats_until_rejoin(&mut self) {
        self.rejoin_needed = true;
        self.heartbeat_in_flight = None;
        self.next_heartbeat_us = u64::MAX;
    }

    /// A classic member `UNJOINED` with its partitions (see `unjoined`).
    fn is_unjoined(&self) -> bool {
        !self.consumer_protocol && self.phase == Phase::Stable && self.generation < 0
    }

    /// `onJoinPrepare` (eager): commit first when auto-commit is on, revoke everything, join.
    fn prepare_join(&mut self, ctx: &mut Ctx, v: &mut View) {
        self.rejoin_needed = false;
        // Fetching stops here (`maybeMarkPartitionsPendingRevocation`): the pause starts.
        if !self.cooperative && self.generation >= 0 {
            self.record_revocation(ctx.now.as_us(), &self.assigned.clone());
        }
        // Kafka Streams turns auto-commit off, so nothing is committed here: it commits when
        // the rebalance revokes tasks (`onPartitionsRevoked`, on SyncGroup's answer).
        if v.config.group.auto_commit() && self.generation >= 0 && self.assigned.iter().any(|a| *a)
        {
            self.phase = Phase::CommitBeforeJoin;
            self.pending_revocation = !self.cooperative;
            if self.commit_in_flight.is_none() {
                self.send_commit(ctx, v);
            }
            return;
        }
        if self.generation < 0 {
            self.lose_all(ctx.now.as_us(), v);
        } else if !self.cooperative {
            self.eager_revoke_all(ctx, v);
        }
        self.phase = Phase::Joining;
        self.send_join(ctx, v);
    }

    /// `onJoinPrepare`'s eager revocation, after the commit it waited for: every partition it
    /// owns (`invokePartitionsRevoked`), said as the cooperative protocol's revocations are.
    fn eager_revoke_all(&mut self, ctx: &mut Ctx, v: &mut View) {
        let owned = self.owned_names(ctx, v);
        if !owned.is_empty() {
            let text = format!(
                "{} revokes [{}] and rejoins (eager: every partition it owns)",
                self.client_id,
                owned.join(", ")
            );
            note(ctx, &self.group_id, text);
        }
        self.revoke_all(v);
    }

    /// The names of the partitions it owns, in its subscription's order.
    pub(super) fn owned_names(&self, ctx: &Ctx, v: &View) -> Vec<String> {
        (0..self.assigned.len())
            .filter(|p| self.assigned[*p])
            .map(|p| {
                ctx.topo
                    .part_name(v.subscribed.global(p as u32))
                    .to_string()
            })
            .collect()
    }

    /// Notes the partitions of `revoked` (per partition of the topic) as given up for a
    /// rebalance at `at_us`, for the group view's revocations and pauses.
    pub(super) fn record_revocation(&mut self, at_us: u64, revoked: &[bool]) {
        let parts: Vec<u32> = (0..revoked.len() as u32)
            .filter(|p| revoked[*p as usize])
            .collect();
        if !parts.is_empty() {
            self.revocations.push((at_us, parts));
        }
    }

    /// The partitions it holds, by index in its subscription, but those a revocation noted
    /// ahead of its commit already covers (`pending_revocation`).
    fn held(&self) -> Vec<u32> {
        let pending = self
            .revocations
            .last()
            .filter(|_| self.pending_revocation)
            .map_or(&[][..], |r| &r.1[..]);
        (0..self.assigned.len() as u32)
            .filter(|p| self.assigned[*p as usize] && !pending.contains(p))
            .collect()
    }

    /// [`Self::held`] as a note at `at_us`, or none when it holds nothing.
    fn held_note(&self, at_us: u64) -> Option<(u64, Vec<u32>)> {
        let parts = self.held();
        (!parts.is_empty()).then_some((at_us, parts))
    }

    /// Takes back the revocation noted ahead of a commit (`pending_revocation`): the partitions
    /// are lost instead.
    fn take_back_pending_revocation(&mut self) {
        if std::mem::take(&mut self.pending_revocation) {
            self.revocations.pop();
        }
    }

    /// The process crashes holding its partitions: noted for the group view's pauses. A classic
    /// member without a generation notes none: the group has given its partitions to others.
    pub(super) fn crashed(&mut self, at_us: u64) {
        if !self.consumer_protocol && self.generation < 0 {
            return;
        }
        let note = self.held_note(at_us);
        self.crashed_with.extend(note);
    }

    /// `onPartitionsLost(all)`: noted as lost, then given up as [`Self::revoke_all`] does.
    pub(super) fn lose_all(&mut self, at_us: u64, v: &mut View) {
        self.take_back_pending_revocation();
        let note = self.held_note(at_us);
        self.lost.extend(note);
        self.revoke_all(v);
    }

    /// `onPartitionsRevoked(all)`: fetching stops, positions are forgotten.
    pub(super) fn revoke_all(&mut self, v: &mut View) {
        for p in 0..self.assigned.len() {
            if self.assigned[p] {
                v.forget(p);
            } else {
                v.validation.forget(p);
            }
            self.assigned[p] = false;
            self.ready[p] = false;
            self.no_offset[p] = false;
        }
    }

    fn send_join(&mut self, ctx: &mut Ctx, v: &View) {
        self.join_at_poll = false;
        let Some(c) = self.coordinator else {
            self.phase = Phase::FindCoordinator;
            self.resume = Phase::Joining;
            return;
        };
        let g = &v.config.group;
        // An eager member owns nothing when it joins; a cooperative one reports what it owns.
        let owned = (0..self.assigned.len())
            .filter(|p| self.assigned[*p])
            .map(|p| v.tp(p))
            .collect();
        let metadata = ProtocolMetadata {
            topics: v.subscribed.topic_names(v.topo),
            owned_partitions: owned,
            generation: self.generation,
        };
        let req = JoinGroupRequest {
            group_id: self.group_id.clone(),
            member_id: self.member_id.clone(),
            group_instance_id: g.group_instance_id.clone(),
            client_id: self.client_id.clone(),
            session_timeout_ms: g.session_timeout_ms,
            rebalance_timeout_ms: g.max_poll_interval_ms,
            protocols: g
                .partition_assignment_strategy
                .iter()
                .map(|a| {
                    (
                        a.name().to_string(),
                        self.protocol_metadata(*a, &metadata, v),
                    )
                })
                .collect(),
        };
        let req_id = ctx.req_id();
        let timeout = Self::request_timeout_us(v).max(crate::time::ms_to_us(
            g.max_poll_interval_ms + JOIN_GROUP_TIMEOUT_LAPSE_MS,
        ));
        self.in_flight = Some((req_id, Pending::Join, ctx.now.as_us() + timeout));
        self.phase = Phase::Joining;
        self.rebalance_in_progress = true;
        send(ctx, c, req_id, GroupRequest::JoinGroup(req));
    }

    /// The subscription for assignor `a`: the eager `StickyAssignor` reads its owned partitions
    /// and generation from its user data (`StickyAssignor.memberData`: "since StickyAssignor is
    /// an eager rebalance protocol that will revoke all existing partitions before joining"),
    /// its last assignment; the others, the subscription's own fields.
    fn protocol_metadata(
        &self,
        a: ClientAssignor,
        metadata: &ProtocolMetadata,
        v: &View,
    ) -> ProtocolMetadata {
        match (&self.sticky_user_data, a) {
            (Some((generation, parts)), ClientAssignor::Sticky) => ProtocolMetadata {
                topics: metadata.topics.clone(),
                owned_partitions: parts.iter().map(|p| v.tp(*p as usize)).collect(),
                generation: *generation,
            },
            _ => metadata.clone(),
        }
    }

    /// `StickyAssignor.onAssignment`, when the group runs it: remembers the assignment.
    fn remember_sticky_assignment(&mut self, assigned: &[bool]) {
        let sticky = self
            .protocol
            .as_deref()
            .and_then(ClientAssignor::from_protocol)
            == Some(ClientAssignor::Sticky);
        if sticky {
            let parts = (0..assigned.len() as u32)
                .filter(|p| assigned[*p as usize])
                .collect();
            self.sticky_user_data = Some((self.generation, parts));
        }
    }

    fn send_heartbeat(&mut self, ctx: &mut Ctx, v: &View) {
        let Some(c) = self.coordinator else { return };
        let now = ctx.now.as_us();
        let req_id = ctx.req_id();
        self.heartbeat_in_flight = Some((req_id, now + Self::request_timeout_us(v)));
        self.next_heartbeat_us =
            now.saturating_add(crate::time::ms_to_us(v.config.group.heartbeat_interval_ms));
        send(
            ctx,
            c,
            req_id,
            GroupRequest::Heartbeat {
                group_id: self.group_id.clone(),
                generation: self.generation,
                member_id: self.member_id.clone(),
                group_instance_id: v.config.group.group_instance_id.clone(),
            },
        );
    }

    /// A heartbeat failed (classic: `Heartbeat.failHeartbeat`; KIP-848:
    /// `HeartbeatRequestState.onFailedAttempt`): the next waits its backoff.
    pub(super) fn heartbeat_failed(&mut self, ctx: &Ctx, jitter: &mut crate::rng::SimRng) {
        let wait = retry_backoff_us(jitter, &mut self.heartbeat_attempts);
        self.next_heartbeat_us = ctx.now.as_us().saturating_add(wait);
        self.heartbeat_retry_at_us = self.next_heartbeat_us;
    }

    /// A successful heartbeat, or KIP-848's `HeartbeatRequestState.reset()`: no backoff left.
    pub(super) fn heartbeat_backoff_reset(&mut self) {
        self.heartbeat_attempts = 0;
        self.heartbeat_retry_at_us = 0;
    }

    /// Commits the position of every assigned partition (`subscriptions.allConsumed()`).
    pub(super) fn send_commit(&mut self, ctx: &mut Ctx, v: &mut View) {
        let offsets: CommitOffsets = match &self.revoked_commit {
            Some(revoked) => revoked.clone(),
            None => (0..self.assigned.len())
                .filter(|p| self.assigned[*p])
                .filter_map(|p| v.committable(p))
                .collect(),
        };
        let Some(c) = self.coordinator.filter(|_| !offsets.is_empty()) else {
            if self.coordinator.is_none() && !offsets.is_empty() {
                // Found again first (FindCoordinator), then committed.
                if self.phase != Phase::FindCoordinator {
                    self.resume = self.phase;
                    self.phase = Phase::FindCoordinator;
                }
                return;
            }
            // Nothing to commit: go on.
            self.after_commit(ctx, v);
            return;
        };
        if self.phase == Phase::Closing {
            // `commitSync` retries the offsets it was given: a close's commit sent again (the
            // coordinator moved, or was loading) carries the same offsets, never those of records
            // handled since (a Kafka Streams instance flushed its producer for these only).
            self.revoked_commit = Some(offsets.clone());
        }
        let req_id = self.send_offset_commit(ctx, c, offsets);
        self.commit_in_flight = Some((req_id, ctx.now.as_us() + Self::request_timeout_us(v)));
    }

    /// An OffsetCommit of this generation to coordinator `c`; returns its request id.
    fn send_offset_commit(&self, ctx: &mut Ctx, c: BrokerId, offsets: CommitOffsets) -> u64 {
        let req_id = ctx.req_id();
        self.send_offset_commit_as(ctx, c, offsets, req_id);
        req_id
    }

    fn send_offset_commit_as(
        &self,
        ctx: &mut Ctx,
        c: BrokerId,
        offsets: CommitOffsets,
        req_id: u64,
    ) {
        send(
            ctx,
            c,
            req_id,
            GroupRequest::OffsetCommit {
                group_id: self.group_id.clone(),
                generation: self.generation,
                member_id: self.member_id.clone(),
                group_instance_id: self.instance_id.clone(),
                offsets,
            },
        );
    }

    /// A Kafka Streams instance's producer has nothing unacknowledged: a commit that waited for
    /// the flush (before a rejoin or a close) goes now.
    pub fn streams_flushed(&mut self, ctx: &mut Ctx, v: &mut View) {
        if !self.flush_wait {
            return;
        }
        self.flush_wait = false;
        if matches!(self.phase, Phase::CommitBeforeJoin | Phase::Closing)
            && self.commit_in_flight.is_none()
        {
            self.send_commit(ctx, v);
        }
    }

    /// After the commit that a rejoin or a close waited for.
    fn after_commit(&mut self, ctx: &mut Ctx, v: &mut View) {
        self.revoked_commit = None;
        match self.phase {
            Phase::CommitBeforeJoin if self.consumer_protocol => self.cp_finish_reconcile(ctx, v),
            Phase::CommitBeforeJoin => {
                // Without a generation the next `onJoinPrepare` gives them up as lost.
                if self.generation < 0 {
                    self.lose_all(ctx.now.as_us(), v);
                } else if !self.cooperative {
                    self.pending_revocation = false;
                    self.eager_revoke_all(ctx, v);
                }
                self.phase = Phase::Joining;
                self.send_join(ctx, v);
            }
            Phase::Closing => self.leave(ctx, v),
            _ => {}
        }
    }

    /// When `max.poll.interval.ms` runs out for an application busy since its last `poll()`.
    pub(super) fn poll_deadline_us(&self) -> Option<u64> {
        let since = self.app_busy_since?;
        // A classic member's heartbeat thread, which checks the poll timer, is off while
        // `UNJOINED` or `PREPARING_REBALANCE` (`HeartbeatThread.run`: `hasNotJoinedGroup()`)
        // and checks nothing while the coordinator is unknown.
        if self.consumer_protocol {
            (self.generation >= 0 || !self.member_id.is_empty()).then_some(())?;
        } else {
            (self.generation >= 0
                && matches!(
                    self.phase,
                    Phase::Syncing | Phase::Stable | Phase::CommitBeforeJoin
                ))
            .then_some(())?;
        }
        Some(since.saturating_add(crate::time::ms_to_us(self.max_poll_interval_ms)))
    }

    /// `AbstractCoordinator.HeartbeatThread`: "consumer poll timeout has expired" — the member
    /// leaves the group (`maybeLeaveGroup`: LeaveGroup from a dynamic member) and forgets its
    /// generation and member id (`resetGenerationOnLeaveGroup`); it rejoins at its next `poll()`,
    /// its partitions lost, and its commits meanwhile fail with `CommitFailedException`.
    fn maybe_poll_timeout(&mut self, ctx: &mut Ctx, v: &mut View) {
        if self.poll_deadline_us().is_none_or(|d| d > ctx.now.as_us()) {
            return;
        }
        note(
            ctx,
            &self.group_id,
            format!(
                "{}: consumer poll timeout has expired (max.poll.interval.ms {} since the last \
                 poll); it leaves the group",
                self.client_id, v.config.group.max_poll_interval_ms
            ),
        );
        self.send_leave(ctx, v);
        self.member_id.clear();
        self.generation = -1;
        if matches!(self.phase, Phase::Syncing | Phase::Joining) {
            self.unjoined();
        } else {
            self.stop_heartbeats_until_rejoin();
        }
    }

    /// `commitSync()` / `commitAsync()` of the application: the positions of every assigned
    /// partition (`subscriptions.allConsumed()`). `Ok(None)`: nothing to commit; `Err`: refused
    /// before sending (`sendOffsetCommitRequest` with `generationIfStable()` null, or no
    /// coordinator). A `commitAsync()` (`queue`) while the coordinator is unknown waits for its
    /// lookup instead (`queued_async`).
    pub fn app_commit(
        &mut self,
        ctx: &mut Ctx,
        v: &mut View,
        queue: bool,
    ) -> Result<Option<SentCommit>, AppCommitResult> {
        let offsets: CommitOffsets = (0..self.assigned.len())
            .filter(|p| self.assigned[*p])
            .filter_map(|p| v.committable(p))
            .collect();
        if offsets.is_empty() {
            return Ok(None);
        }
        let sent = offsets.iter().map(|o| (o.0, o.1)).collect();
        if queue && self.coordinator.is_none() && self.phase != Phase::Stopped {
            let req_id = ctx.req_id();
            self.queued_async.push((req_id, offsets));
            self.arm(ctx);
            return Ok(Some((req_id, sent)));
        }
        let c = self.app_commit_target()?;
        let req_id = ctx.req_id();
        self.send_app_commit(ctx, v, c, offsets, req_id);
        Ok(Some((req_id, sent)))
    }

    /// Where an application's commit goes now, or why it is refused before sending.
    fn app_commit_target(&self) -> Result<BrokerId, AppCommitResult> {
        if self.consumer_protocol {
            // KIP-848: no rebalance barrier; a commit carries the member epoch.
            if self.generation <= 0 {
                return Err(AppCommitResult::Failed(
                    "CommitFailedException",
                    ErrorCode::None,
                ));
            }
            return self
                .coordinator
                .filter(|_| matches!(self.phase, Phase::Stable | Phase::CommitBeforeJoin))
                .ok_or(AppCommitResult::Retriable(
                    ErrorCode::CoordinatorNotAvailable,
                ));
        }
        let rebalancing = matches!(
            self.phase,
            Phase::Joining | Phase::Syncing | Phase::CommitBeforeJoin
        ) || self.resume != Phase::Stable && self.phase == Phase::FindCoordinator;
        if self.generation < 0 || (self.phase != Phase::Stable && rebalancing) {
            return Err(if rebalancing {
                AppCommitResult::Failed("RebalanceInProgressException", ErrorCode::None)
            } else {
                AppCommitResult::Failed("CommitFailedException", ErrorCode::None)
            });
        }
        self.coordinator
            .filter(|_| self.phase == Phase::Stable)
            .ok_or(AppCommitResult::Retriable(
                ErrorCode::CoordinatorNotAvailable,
            ))
    }

    fn send_app_commit(
        &mut self,
        ctx: &mut Ctx,
        v: &View,
        c: BrokerId,
        offsets: CommitOffsets,
        req_id: u64,
    ) {
        self.send_offset_commit_as(ctx, c, offsets, req_id);
        self.app_commits
            .push((req_id, ctx.now.as_us() + Self::request_timeout_us(v)));
        self.arm(ctx);
    }

    /// The coordinator was found: the `commitAsync()` calls waiting for it are sent
    /// (`doCommitOffsetsAsync`, with its checks).
    fn lookup_found(&mut self, ctx: &mut Ctx, v: &View) {
        for (req_id, offsets) in std::mem::take(&mut self.queued_async) {
            match self.app_commit_target() {
                Ok(c) => self.send_app_commit(ctx, v, c, offsets, req_id),
                Err(e) => self.app_results.push((req_id, e)),
            }
        }
    }

    /// A `FindCoordinator` failed: an error answer, its connection lost or timed out, or (classic)
    /// no broker to send it to.
    ///
    /// - Classic (`ensureCoordinatorReady`): the `commitAsync()` calls waiting for the lookup fail
    ///   (`RetriableCommitFailedException`), metadata is refreshed (`awaitMetadataUpdate`) and the
    ///   next lookup waits `retry.backoff.ms`. Its count of attempts starts afresh in each
    ///   `poll()`, and the application polls for 100 ms, so the backoff does not grow.
    /// - KIP-848 (`CoordinatorRequestManager.onFailedResponse`, `RequestState.onFailedAttempt`):
    ///   the next lookup waits `retry.backoff.ms` × 2^attempts (±20%, at most
    ///   `retry.backoff.max.ms`); queued commits wait for the coordinator (`CommitRequestManager`
    ///   sends nothing while it is unknown).
    pub(super) fn find_failed(&mut self, ctx: &Ctx, jitter: &mut crate::rng::SimRng) {
        if self.consumer_protocol {
            let wait = retry_backoff_us(jitter, &mut self.find_attempts);
            self.backoff_until_us = ctx.now.as_us().saturating_add(wait);
            return;
        }
        self.back_off(ctx);
        self.wants_metadata = true;
        for (req_id, _) in std::mem::take(&mut self.queued_async) {
            self.app_results.push((
                req_id,
                AppCommitResult::Retriable(ErrorCode::CoordinatorNotAvailable),
            ));
        }
    }

    /// `OffsetCommitResponseHandler` for an application's commit.
    fn app_commit_result(
        &mut self,
        ctx: &mut Ctx,
        v: &mut View,
        error: ErrorCode,
    ) -> AppCommitResult {
        match error {
            ErrorCode::None => AppCommitResult::Committed,
            ErrorCode::CoordinatorLoadInProgress
            | ErrorCode::UnknownTopicOrPartition
            | ErrorCode::StaleMemberEpoch => AppCommitResult::Retriable(error),
            ErrorCode::CoordinatorNotAvailable
            | ErrorCode::NotCoordinator
            | ErrorCode::RequestTimedOut => {
                self.coordinator_dead(ctx, v.jitter);
                AppCommitResult::Retriable(error)
            }
            ErrorCode::RebalanceInProgress => {
                // `requestRejoin`, generation kept.
                self.rejoin_needed = true;
                AppCommitResult::Failed("RebalanceInProgressException", error)
            }
            ErrorCode::UnknownMemberId if self.consumer_protocol => {
                // KIP-848 (`CommitRequestManager`): the commit fails and nothing else; only
                // heartbeats change the membership (a fenced member learns it from its next one).
                AppCommitResult::Failed("CommitFailedException", error)
            }
            // Not an error `CommitRequestManager` expects (a consumer group answers a stale epoch
            // with STALE_MEMBER_EPOCH): "Unexpected error in commit".
            ErrorCode::IllegalGeneration if self.consumer_protocol => {
                AppCommitResult::Failed("KafkaException", error)
            }
            ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration => {
                if matches!(self.phase, Phase::Joining | Phase::Syncing) {
                    // The generation moved on while it was in flight.
                    return AppCommitResult::Failed("RebalanceInProgressException", error);
                }
                // `resetStateOnResponseError`: the member id only for UNKNOWN_MEMBER_ID.
                if error == ErrorCode::UnknownMemberId {
                    self.member_id.clear();
                }
                self.generation = -1;
                self.rejoin_needed = true;
                if self.phase == Phase::Stable {
                    self.unjoined();
                }
                AppCommitResult::Failed("CommitFailedException", error)
            }
            ErrorCode::FencedInstanceId => {
                self.fail(ctx, v, "FENCED_INSTANCE_ID".into());
                AppCommitResult::Failed("FencedInstanceIdException", error)
            }
            e => AppCommitResult::Failed("KafkaException", e),
        }
    }

    pub(super) fn send_offset_fetch(&mut self, ctx: &mut Ctx, v: &View) {
        let Some(c) = self.coordinator else { return };
        let partitions: Vec<PartIdx> = (0..self.assigned.len())
            .filter(|p| self.assigned[*p] && !self.ready[*p])
            .map(|p| v.subscribed.global(p as u32))
            .collect();
        let req_id = ctx.req_id();
        self.offset_fetch_in_flight = Some((req_id, ctx.now.as_us() + Self::request_timeout_us(v)));
        send(
            ctx,
            c,
            req_id,
            GroupRequest::OffsetFetch {
                group_id: self.group_id.clone(),
                partitions,
            },
        );
    }

    /// `close()`: a final synchronous commit (auto-commit on), then LeaveGroup.
    pub fn close(&mut self, ctx: &mut Ctx, v: &mut View) {
        if self.phase == Phase::Stopped {
            return;
        }
        let streams = v.config.group.streams_commit_interval_ms.is_some();
        if (v.config.group.auto_commit() || streams)
            && self.coordinator.is_some()
            && self.phase == Phase::Stable
            && !self.is_unjoined()
        {
            self.phase = Phase::Closing;
            if streams {
                self.flush_wait = true;
            } else {
                self.send_commit(ctx, v);
            }
            self.arm(ctx);
        } else {
            self.leave(ctx, v);
        }
    }

    /// `maybeLeaveGroup`: dynamic members send LeaveGroup (the answer is not awaited).
    fn leave(&mut self, ctx: &mut Ctx, v: &mut View) {
        let now = ctx.now.as_us();
        // Kafka Streams' main consumer stays in its group on `close()`: `StreamsConfig`'s consumer
        // overrides set `internal.leave.group.on.close=false`, and `KafkaStreams.close()` without
        // `CloseOptions` leaves it so. Its tasks move when its session expires. And
        // `AbstractCoordinator.close` runs `onLeavePrepare` only with `leaveGroupOnClose`: no
        // revocation either, the partitions are simply no longer read.
        let streams = v.config.group.streams_commit_interval_ms.is_some();
        if !streams {
            self.send_leave(ctx, v);
        } else if self.coordinator.is_some() && !self.member_id.is_empty() && !self.is_unjoined() {
            note(
                ctx,
                &self.group_id,
                format!(
                    "{} closes without LeaveGroup (Kafka Streams sets \
                     internal.leave.group.on.close=false); the group notices when its session \
                     expires",
                    self.client_id
                ),
            );
        }
        // `onLeavePrepare`: `onPartitionsLost` without a generation (a KIP-848 member: epoch 0)
        // or, classic, in the middle of a rebalance; else `onPartitionsRevoked`.
        let rebalancing =
            !self.consumer_protocol && matches!(self.phase, Phase::Joining | Phase::Syncing);
        let gone = if self.consumer_protocol {
            self.generation <= 0
        } else {
            self.generation < 0
        };
        if gone || rebalancing {
            if streams {
                // The group has given them away already: nothing to note.
                self.take_back_pending_revocation();
                self.revoke_all(v);
            } else {
                self.lose_all(now, v);
            }
        } else {
            // What it holds (a revocation noted ahead of its commit stands, and is not noted
            // again).
            let note = self.held_note(now);
            if streams {
                self.closed_with.extend(note);
            } else {
                if note.is_some() {
                    self.closed_at_us.push(now);
                }
                self.revocations.extend(note);
            }
            self.pending_revocation = false;
            self.revoke_all(v);
        }
        self.phase = Phase::Stopped;
    }

    /// LeaveGroup from a dynamic member that has a member id and a coordinator and is not
    /// `UNJOINED` (`maybeLeaveGroup`).
    fn send_leave(&mut self, ctx: &mut Ctx, v: &View) {
        if self.consumer_protocol {
            return self.cp_send_leave(ctx, v);
        }
        if let Some(c) = self.coordinator.filter(|_| !self.is_unjoined()) {
            if v.config.group.group_instance_id.is_none() && !self.member_id.is_empty() {
                let req_id = ctx.req_id();
                send(
                    ctx,
                    c,
                    req_id,
                    GroupRequest::LeaveGroup {
                        group_id: self.group_id.clone(),
                        member_id: self.member_id.clone(),
                    },
                );
            }
        }
    }

    pub(super) fn fail(&mut self, ctx: &mut Ctx, v: &mut View, why: String) {
        note(
            ctx,
            &self.group_id,
            format!("{} stops: {why}", self.client_id),
        );
        self.failure = Some(why);
        if self.consumer_protocol {
            // `transitionToFatal`: `onPartitionsLost`.
            self.lose_all(ctx.now.as_us(), v);
        } else {
            self.revoke_all(v);
        }
        self.phase = Phase::Stopped;
    }

    /// The consumer closed its connection to `b` (a request on it timed out): a `FindCoordinator`
    /// in flight on it fails. The consumer refreshes metadata itself.
    pub(super) fn connection_closed(
        &mut self,
        ctx: &mut Ctx,
        jitter: &mut crate::rng::SimRng,
        b: BrokerId,
    ) {
        if self.find_in_flight_to() == Some(b) {
            self.in_flight = None;
            self.find_failed(ctx, jitter);
            self.wants_metadata = false;
            self.arm(ctx);
        }
    }

    /// A disconnect for one of the membership's requests.
    pub fn on_disconnect(&mut self, ctx: &mut Ctx, v: &mut View, req_id: u64) -> bool {
        let ours = self.in_flight.is_some_and(|f| f.0 == req_id)
            || [
                self.heartbeat_in_flight,
                self.commit_in_flight,
                self.offset_fetch_in_flight,
            ]
            .iter()
            .any(|f| f.is_some_and(|f| f.0 == req_id))
            || self.app_commits.iter().any(|c| c.0 == req_id);
        if !ours {
            return false;
        }
        if self
            .in_flight
            .is_some_and(|f| f.0 == req_id && f.1 == Pending::Find)
        {
            self.in_flight = None;
            self.find_failed(ctx, v.jitter);
        } else {
            self.connection_lost(ctx, v.jitter);
        }
        self.tick(ctx, v);
        true
    }

    /// A coordinator error that sends the member to find the coordinator again.
    pub(super) fn is_coordinator_error(e: ErrorCode) -> bool {
        matches!(
            e,
            ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable
        )
    }

    pub fn on_response(&mut self, ctx: &mut Ctx, v: &mut View, req_id: u64, resp: GroupResponse) {
        if self.phase == Phase::Stopped {
            return;
        }
        match resp {
            GroupResponse::FindCoordinator { error, coordinator } => {
                if self.in_flight.is_none_or(|f| f.0 != req_id) {
                    return;
                }
                self.in_flight = None;
                match (error, coordinator) {
                    (ErrorCode::None, Some(b)) => {
                        self.coordinator = Some(b);
                        self.find_attempts = 0;
                        if self.phase == Phase::FindCoordinator {
                            self.phase = self.resume;
                        }
                        // A KIP-848 member heartbeats at once (the failure that lost the
                        // coordinator reset its heartbeat state), unless its last heartbeat
                        // failed and waits out its backoff (a disconnect or a timeout); a classic
                        // member's heartbeat timer runs on (`Heartbeat`: a failed heartbeat set
                        // it to its backoff).
                        if self.phase == Phase::Stable && self.consumer_protocol {
                            self.next_heartbeat_us =
                                ctx.now.as_us().max(self.heartbeat_retry_at_us);
                        }
                        self.lookup_found(ctx, v);
                    }
                    _ => self.find_failed(ctx, v.jitter),
                }
            }
            GroupResponse::JoinGroup(j) => {
                if self.in_flight.is_none_or(|f| f.0 != req_id) {
                    return;
                }
                self.in_flight = None;
                if self.app_processing {
                    self.held_join = Some(j);
                    return;
                }
                self.on_join_answer(ctx, v, j);
            }
            GroupResponse::SyncGroup { error, assignment } => {
                if self.in_flight.is_none_or(|f| f.0 != req_id) {
                    return;
                }
                self.in_flight = None;
                match error {
                    ErrorCode::None => {
                        self.phase = Phase::Stable;
                        self.rebalances += 1;
                        self.join_complete_at_poll = None;
                        if self.app_busy_since.is_some() {
                            self.join_complete_at_poll = Some((self.generation, assignment));
                        } else {
                            self.join_complete(ctx, v, assignment);
                        }
                    }
                    ErrorCode::RebalanceInProgress => self.rejoin_after_sync(ctx, v),
                    // The member id may still be valid after ILLEGAL_GENERATION: kept.
                    ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration => {
                        self.reset_and_rejoin(ctx, v, error == ErrorCode::UnknownMemberId)
                    }
                    e if Self::is_coordinator_error(e) => {
                        self.phase = Phase::Joining;
                        self.coordinator_dead(ctx, v.jitter);
                    }
                    e => self.fail(ctx, v, format!("SyncGroup failed with {}", e.name())),
                }
            }
            GroupResponse::Heartbeat { error } => {
                if self.heartbeat_in_flight.is_none_or(|f| f.0 != req_id) {
                    return;
                }
                self.heartbeat_in_flight = None;
                // `receiveHeartbeat` for a success or REBALANCE_IN_PROGRESS, `failHeartbeat`
                // (its backoff) for any other answer.
                if matches!(error, ErrorCode::None | ErrorCode::RebalanceInProgress) {
                    self.heartbeat_backoff_reset();
                } else {
                    self.heartbeat_failed(ctx, v.jitter);
                }
                match error {
                    ErrorCode::None => {}
                    ErrorCode::RebalanceInProgress if self.phase == Phase::Stable => {
                        self.rejoin_needed = true;
                    }
                    ErrorCode::RebalanceInProgress => {}
                    ErrorCode::IllegalGeneration | ErrorCode::UnknownMemberId => {
                        // `resetStateOnResponseError`: the partitions are lost, not committed (at
                        // the next `poll()` if the application is processing).
                        if error == ErrorCode::UnknownMemberId {
                            self.member_id.clear();
                        }
                        self.generation = -1;
                        let joined = matches!(self.phase, Phase::Stable | Phase::Syncing);
                        if joined && self.app_busy_since.is_some() {
                            self.unjoined();
                        } else {
                            self.lose_all(ctx.now.as_us(), v);
                            if joined {
                                self.in_flight = None;
                                self.phase = Phase::Joining;
                            }
                        }
                    }
                    e if Self::is_coordinator_error(e) => self.coordinator_dead(ctx, v.jitter),
                    ErrorCode::FencedInstanceId => {
                        self.fail(ctx, v, "FENCED_INSTANCE_ID".into());
                    }
                    _ => {}
                }
            }
            GroupResponse::OffsetCommit { error }
                if self.app_commits.iter().any(|c| c.0 == req_id) =>
            {
                self.app_commits.retain(|c| c.0 != req_id);
                let result = self.app_commit_result(ctx, v, error);
                self.app_results.push((req_id, result));
            }
            GroupResponse::OffsetCommit { error } => {
                if self.commit_in_flight.is_none_or(|f| f.0 != req_id) {
                    return;
                }
                let retriable = Self::is_coordinator_error(error)
                    || error == ErrorCode::CoordinatorLoadInProgress
                    || error == ErrorCode::RequestTimedOut;
                if retriable {
                    self.auto_commit_retriable(ctx);
                }
                self.commit_in_flight = None;
                match error {
                    ErrorCode::None => self.after_commit(ctx, v),
                    e if retriable => {
                        // Retriable: a commit a rejoin or close waits for is sent again.
                        if e == ErrorCode::CoordinatorLoadInProgress
                            || e == ErrorCode::RequestTimedOut
                        {
                            self.back_off(ctx);
                        } else {
                            self.coordinator_dead(ctx, v.jitter);
                        }
                    }
                    ErrorCode::StaleMemberEpoch
                        if self.consumer_protocol
                            && self.phase == Phase::CommitBeforeJoin
                            && self.generation > 0 =>
                    {
                        // KIP-848's commit before a reconciliation is retried with the latest
                        // epoch and positions (`isStaleEpochErrorAndValidEpochAvailable`).
                        self.send_commit(ctx, v);
                    }
                    e => {
                        // `CommitFailedException` (the generation moved on): the rejoin or close
                        // goes ahead without it.
                        note(
                            ctx,
                            &self.group_id,
                            format!("{}: commit failed with {}", self.client_id, e.name()),
                        );
                        // KIP-848: only heartbeats change the membership (see
                        // `app_commit_result`); the classic protocol resets it here.
                        let classic = !self.consumer_protocol;
                        if classic && e == ErrorCode::UnknownMemberId {
                            self.member_id.clear();
                        }
                        let reset =
                            matches!(e, ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration);
                        if classic && reset {
                            self.generation = -1;
                        }
                        if classic && self.phase == Phase::Stable && reset {
                            self.unjoined();
                        } else if classic
                            && self.phase == Phase::Stable
                            && e == ErrorCode::RebalanceInProgress
                        {
                            self.rejoin_needed = true;
                        }
                        self.after_commit(ctx, v);
                    }
                }
            }
            GroupResponse::OffsetFetch { error, offsets } => {
                if self.offset_fetch_in_flight.is_none_or(|f| f.0 != req_id) {
                    return;
                }
                self.offset_fetch_in_flight = None;
                match error {
                    ErrorCode::None => {
                        for (part, committed) in offsets {
                            let Some(p) = v.subscribed.local(part) else {
                                continue;
                            };
                            if !self.assigned.get(p).copied().unwrap_or(false) {
                                continue;
                            }
                            self.ready[p] = true;
                            match committed {
                                Some((off, epoch)) => {
                                    // `seekUnvalidated`: checked against the current leader
                                    // when the commit carries an epoch (KIP-320).
                                    v.positions[p] = Some(off);
                                    v.epochs[p] = epoch;
                                    v.validation.position_unvalidated(p);
                                }
                                None if v.config.auto_offset_reset == OffsetReset::None => {
                                    self.no_offset[p] = true;
                                    note(
                                        ctx,
                                        &self.group_id,
                                        format!(
                                            "{}: NoOffsetForPartitionException for {} \
                                             (auto.offset.reset=none)",
                                            self.client_id,
                                            ctx.topo.part_name(part)
                                        ),
                                    );
                                }
                                // Reset by the policy: the fetch finds the log's bounds.
                                None => {
                                    v.positions[p] = None;
                                    v.validation.forget(p);
                                }
                            }
                        }
                    }
                    ErrorCode::CoordinatorLoadInProgress => self.back_off(ctx),
                    e if Self::is_coordinator_error(e) => self.coordinator_dead(ctx, v.jitter),
                    _ => self.back_off(ctx),
                }
            }
            GroupResponse::LeaveGroup { .. } => {}
            GroupResponse::ConsumerGroupHeartbeat(h) => self.cp_on_heartbeat(ctx, v, req_id, h),
        }
        self.tick(ctx, v);
    }

    /// Takes a new assignment (per partition of the topic): a partition given up forgets its
    /// position, one added waits for its committed offset; the assignment is kept in
    /// `assignments`. Returns the names of both.
    pub(super) fn take_assignment(
        &mut self,
        ctx: &Ctx,
        v: &mut View,
        assignment: &[bool],
    ) -> (Vec<std::sync::Arc<str>>, Vec<std::sync::Arc<str>>) {
        let mut revoked = Vec::new();
        let mut added = Vec::new();
        for (p, &now) in assignment.iter().enumerate() {
            if self.assigned[p] && !now {
                revoked.push(ctx.topo.part_name(v.subscribed.global(p as u32)));
                self.assigned[p] = false;
                self.ready[p] = false;
                self.no_offset[p] = false;
                v.forget(p);
            } else if !self.assigned[p] && now {
                added.push(ctx.topo.part_name(v.subscribed.global(p as u32)));
                self.assigned[p] = true;
                self.ready[p] = false;
            }
        }
        self.assignments.push((
            ctx.now.as_us(),
            self.generation,
            (0..self.assigned.len() as u32)
                .filter(|p| self.assigned[*p as usize])
                .collect(),
        ));
        (revoked, added)
    }

    /// `onJoinComplete`: the new assignment is taken, the partitions that moved are revoked.
    fn join_complete(&mut self, ctx: &mut Ctx, v: &mut View, assignment: Vec<TopicPartition>) {
        self.rebalance_in_progress = false;
        let mut now_assigned = vec![false; self.assigned.len()];
        for tp in &assignment {
            if let Some(p) = v.local_of(tp) {
                if let Some(a) = now_assigned.get_mut(p) {
                    *a = true;
                }
            }
        }
        // `onJoinComplete`: revoked = owned − assigned (never for an eager
        // member, which owns nothing now), added = assigned − owned.
        let moving: Vec<bool> = (0..now_assigned.len())
            .map(|p| self.assigned[p] && !now_assigned[p])
            .collect();
        self.record_revocation(ctx.now.as_us(), &moving);
        self.remember_sticky_assignment(&now_assigned);
        // Kafka Streams commits before the member rejoins, after a flush
        // (`StreamsRebalanceListener.onPartitionsRevoked`): the revoked tasks and,
        // with them, every other task (`TaskManager.handleRevocation`).
        let streams =
            v.config.group.streams_commit_interval_ms.is_some() && moving.iter().any(|m| *m);
        let revoked_offsets: CommitOffsets = (0..moving.len())
            .filter(|p| streams && self.assigned[*p])
            .filter_map(|p| v.committable(p))
            .collect();
        let (revoked, _) = self.take_assignment(ctx, v, &now_assigned);
        if !revoked.is_empty() {
            note(
                ctx,
                &self.group_id,
                format!(
                    "{} revokes [{}] and rejoins",
                    self.client_id,
                    revoked.join(", ")
                ),
            );
            self.rejoin_needed = true;
        }
        if !revoked_offsets.is_empty() {
            // The rejoin follows this commit (`after_commit`).
            self.revoked_commit = Some(revoked_offsets);
            self.phase = Phase::CommitBeforeJoin;
            self.flush_wait = true;
            self.rejoin_needed = false;
        }
        let now = ctx.now.as_us();
        if v.config.group.auto_commit() {
            self.next_auto_commit_us = now.saturating_add(crate::time::ms_to_us(
                v.config.group.auto_commit_interval_ms,
            ));
        }
        let parts: Vec<String> = assignment.iter().map(|t| t.to_string()).collect();
        note(
            ctx,
            &self.group_id,
            format!(
                "{} is assigned [{}] in generation {}",
                self.client_id,
                parts.join(", "),
                self.generation
            ),
        );
        if self.assigned.iter().zip(&self.ready).any(|(a, r)| *a && !r) {
            self.send_offset_fetch(ctx, v);
        }
    }

    /// `JoinGroupResponseHandler`: the leader runs the assignor, every member sends SyncGroup.
    fn on_join_answer(
        &mut self,
        ctx: &mut Ctx,
        v: &mut View,
        j: crate::protocol::group::JoinGroupResponse,
    ) {
        match j.error {
            ErrorCode::None => {
                self.member_id = j.member_id.clone();
                self.generation = j.generation;
                self.protocol = j.protocol_name.clone();
                self.is_leader = j.leader == j.member_id;
                self.phase = Phase::Syncing;
                self.next_heartbeat_us = ctx
                    .now
                    .as_us()
                    .saturating_add(crate::time::ms_to_us(v.config.group.heartbeat_interval_ms));
                let assignments = if self.is_leader {
                    self.assign(ctx, &j)
                } else {
                    Vec::new()
                };
                let Some(c) = self.coordinator else { return };
                let req_id = ctx.req_id();
                let deadline = ctx.now.as_us() + Self::request_timeout_us(v);
                self.in_flight = Some((req_id, Pending::Sync, deadline));
                send(
                    ctx,
                    c,
                    req_id,
                    GroupRequest::SyncGroup {
                        group_id: self.group_id.clone(),
                        generation: self.generation,
                        member_id: self.member_id.clone(),
                        group_instance_id: v.config.group.group_instance_id.clone(),
                        assignments,
                    },
                );
            }
            ErrorCode::MemberIdRequired => {
                self.member_id = j.member_id.clone();
                self.rejoin(ctx, v);
            }
            // As for SyncGroup, everything owned is lost.
            ErrorCode::UnknownMemberId => self.reset_and_rejoin(ctx, v, true),
            // The generation is kept (`JoinGroupResponseHandler` only raises it).
            ErrorCode::RebalanceInProgress => self.rejoin(ctx, v),
            ErrorCode::CoordinatorLoadInProgress => self.back_off(ctx),
            e if Self::is_coordinator_error(e) => self.coordinator_dead(ctx, v.jitter),
            e => self.fail(ctx, v, format!("JoinGroup failed with {}", e.name())),
        }
    }

    /// The application reads the network again (a commit, or `poll()`): a JoinGroup answer held
    /// while it processed is handled now.
    pub(super) fn app_network_poll(&mut self, ctx: &mut Ctx, v: &mut View) {
        self.app_processing = false;
        if let Some(j) = self.held_join.take() {
            if self.phase == Phase::Joining && self.coordinator.is_some() {
                self.on_join_answer(ctx, v, j);
            }
            self.tick(ctx, v);
        }
    }

    /// The leader runs the selected assignor over every member's subscription
    /// (`ConsumerCoordinator.onLeaderElected`).
    fn assign(
        &self,
        ctx: &Ctx,
        j: &crate::protocol::group::JoinGroupResponse,
    ) -> Vec<(String, Vec<TopicPartition>)> {
        let assignor = j
            .protocol_name
            .as_deref()
            .and_then(ClientAssignor::from_protocol)
            .unwrap_or(ClientAssignor::Range);
        let topics: PartitionsPerTopic = crate::kernel::small::map_of(
            ctx.topo
                .topics
                .iter()
                .filter(|t| !t.internal)
                .map(|t| (t.name.clone(), t.partitions as i32)),
        );
        let members: Vec<Subscription> = j
            .members
            .iter()
            .map(|m| Subscription {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                topics: m.metadata.topics.clone(),
                owned_partitions: m.metadata.owned_partitions.clone(),
                generation: (m.metadata.generation >= 0).then_some(m.metadata.generation),
            })
            .collect();
        let result = assignor.assign(&topics, &members);
        members
            .iter()
            .map(|m| {
                (
                    m.member_id.clone(),
                    result.get(&m.member_id).cloned().unwrap_or_default(),
                )
            })
            .collect()
    }
}
