//! A consumer's membership under the KIP-848 consumer protocol (`group.protocol=consumer`;
//! Kafka's `ConsumerMembershipManager` and `ConsumerHeartbeatRequestManager`, clients/.../
//! consumer/internals/, 4.1; kafka-semantics.md §8.4):
//!
//! - one request, `ConsumerGroupHeartbeat`: epoch 0 joins with the member id the client made
//!   (KIP-1082), the subscription and the rebalance timeout (`max.poll.interval.ms`); then a
//!   heartbeat every interval the coordinator hands out (`group.consumer.heartbeat.interval.ms`),
//!   with only what changed (the owned partitions after a reconciliation);
//! - the coordinator computes assignments; the member reconciles what it receives: partitions it
//!   lost are revoked, new ones added (their committed offsets fetched), and it acknowledges at
//!   once with a heartbeat listing what it owns; no member waits for another and none stops
//!   fetching what it keeps. With auto-commit, the consumed positions are committed first
//!   (`maybeAutoCommitSyncBeforeRebalance`, fetching of what is revoked paused meanwhile), and
//!   the reconciliation waits for the application's `poll()` (KAFKA-18641: only then are the
//!   positions safe to commit), so a member busy with a batch reconciles after it;
//! - `FENCED_MEMBER_EPOCH` / `UNKNOWN_MEMBER_ID`: its partitions are lost (no commit) and it
//!   rejoins with epoch 0; coordinator errors find the coordinator again;
//!   `UNRELEASED_INSTANCE_ID`, `FENCED_INSTANCE_ID`, `UNSUPPORTED_ASSIGNOR`, `GROUP_ID_NOT_FOUND`
//!   are fatal;
//! - leaving (`close()`, or the poll timeout) sends epoch -1, or -2 from a static member
//!   (`leaveGroupEpoch`: its partitions wait for it until its session times out). On a poll
//!   timeout the member releases its partitions at once (`STALE`) and rejoins at its next
//!   `poll()`.

use super::group::{note, send, Membership, Phase, View};
use crate::ctx::Ctx;
use crate::msg::ErrorCode;
use crate::protocol::group::{
    ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse, GroupRequest,
    LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH,
};

impl Membership {
    /// The periodic work of a KIP-848 member (`tick` for the consumer protocol).
    pub(super) fn cp_tick(&mut self, ctx: &mut Ctx, v: &mut View) {
        let now = ctx.now.as_us();
        if self.phase == Phase::Stopped {
            return;
        }
        self.expire_requests(ctx, v);
        self.cp_maybe_poll_timeout(ctx, v);
        if now >= self.backoff_until_us && self.in_flight.is_none() {
            match self.phase {
                Phase::FindCoordinator => self.send_find(ctx, v),
                Phase::Joining if self.cp_may_join() => {
                    // A fenced member rejoins at once; a stale one once back in `poll()`.
                    self.cp.rejoin_at_poll = false;
                    self.cp_send_heartbeat(ctx, v, 0)
                }
                Phase::CommitBeforeJoin | Phase::Closing if self.commit_in_flight.is_none() => {
                    self.send_commit(ctx, v)
                }
                _ => {}
            }
        }
        if matches!(self.phase, Phase::Stable | Phase::CommitBeforeJoin)
            && self.coordinator.is_some()
            && self.heartbeat_in_flight.is_none()
            && now >= self.backoff_until_us
            && (self.cp.ack_needed || now >= self.next_heartbeat_us)
        {
            self.cp_send_heartbeat(ctx, v, self.generation);
        }
        if self.phase == Phase::Stable && self.cp.target.is_some() {
            // Back in `poll()`: a reconciliation that waited for it (`PollEvent`).
            self.cp_maybe_reconcile(ctx, v);
        }
        if self.phase == Phase::Stable && self.coordinator.is_some() {
            self.maybe_auto_commit(ctx, v);
            if self.offset_fetch_in_flight.is_none()
                && self.assigned.iter().zip(&self.ready).any(|(a, r)| *a && !r)
            {
                self.send_offset_fetch(ctx, v);
            }
        }
        self.cp_arm(ctx);
    }

    pub(super) fn cp_arm(&mut self, ctx: &mut Ctx) {
        let now = ctx.now.as_us();
        let mut next = self.request_deadlines().unwrap_or(u64::MAX);
        if let Some(d) = self.poll_deadline_us() {
            next = next.min(d);
        }
        let heartbeating = matches!(self.phase, Phase::Stable | Phase::CommitBeforeJoin)
            && self.heartbeat_in_flight.is_none();
        if heartbeating {
            let at = if self.cp.ack_needed {
                now
            } else {
                self.next_heartbeat_us
            };
            next = next.min(at.max(self.backoff_until_us));
        }
        if self.phase == Phase::Stable && self.app_busy_since.is_none() {
            next = next.min(self.next_auto_commit_us);
        }
        let waits_to_send = match self.phase {
            Phase::FindCoordinator => self.in_flight.is_none(),
            Phase::Joining => self.cp_may_join(),
            Phase::CommitBeforeJoin | Phase::Closing => self.commit_in_flight.is_none(),
            _ => false,
        };
        if waits_to_send {
            next = next.min(self.backoff_until_us.max(now));
        }
        self.arm_at(ctx, next);
    }

    /// Whether a joining member may send its join now: not while a heartbeat is in flight, and,
    /// after a poll timeout, not before the application is back in `poll()`.
    fn cp_may_join(&self) -> bool {
        self.heartbeat_in_flight.is_none()
            && (!self.cp.rejoin_at_poll || self.app_busy_since.is_none())
    }

    /// The member id a KIP-848 client makes for itself once per process (KIP-1082).
    fn cp_member_id(&mut self, ctx: &mut Ctx) {
        if self.member_id.is_empty() {
            self.member_id = format!("{}-{:012x}", self.client_id, ctx.req_id());
        }
    }

    /// A `ConsumerGroupHeartbeat` with `epoch` (0 joins, -1/-2 leave): the full request when
    /// joining or after an error, else only what changed.
    fn cp_send_heartbeat(&mut self, ctx: &mut Ctx, v: &View, epoch: i32) {
        let Some(c) = self.coordinator else {
            self.resume = self.phase;
            self.phase = Phase::FindCoordinator;
            return;
        };
        self.cp_member_id(ctx);
        let g = &v.config.group;
        let full = epoch == 0 || self.cp.send_full;
        let owned: Vec<bool> = self.assigned.clone();
        let owned_changed = self.cp.owned_sent.as_ref() != Some(&owned);
        let req = ConsumerGroupHeartbeatRequest {
            group_id: self.group_id.clone(),
            member_id: self.member_id.clone(),
            member_epoch: epoch,
            instance_id: g.group_instance_id.clone(),
            client_id: self.client_id.clone(),
            rebalance_timeout_ms: full.then_some(g.max_poll_interval_ms),
            subscribed_topics: full.then(|| v.subscribed.topic_names(v.topo)),
            server_assignor: if full { g.group_remote_assignor } else { None },
            owned: (full || owned_changed).then(|| {
                (0..owned.len())
                    .filter(|p| owned[*p])
                    .map(|p| v.tp(p))
                    .collect()
            }),
        };
        let now = ctx.now.as_us();
        let req_id = ctx.req_id();
        if epoch >= 0 {
            self.heartbeat_in_flight = Some((req_id, now + Self::request_timeout_us(v)));
            self.next_heartbeat_us =
                now.saturating_add(crate::time::ms_to_us(self.cp.heartbeat_interval_ms));
            self.cp.owned_sent = Some(owned);
            self.cp.ack_needed = false;
            self.cp.send_full = false;
        }
        send(ctx, c, req_id, GroupRequest::ConsumerGroupHeartbeat(req));
    }

    /// The epoch a leaving member sends (`leaveGroupEpoch`): -2 for a static member, else -1.
    fn cp_leave_epoch(v: &View) -> i32 {
        if v.config.group.group_instance_id.is_some() {
            LEAVE_GROUP_STATIC_MEMBER_EPOCH
        } else {
            LEAVE_GROUP_MEMBER_EPOCH
        }
    }

    /// Leaves the group (`close()`): epoch -1, or -2 for a static member.
    pub(super) fn cp_send_leave(&mut self, ctx: &mut Ctx, v: &View) {
        if self.coordinator.is_some() && self.generation > 0 {
            let epoch = Self::cp_leave_epoch(v);
            self.cp_send_heartbeat(ctx, v, epoch);
        }
    }

    /// The poll timer expired (`max.poll.interval.ms` since the last `poll()`): the member leaves
    /// (`transitionToSendingLeaveGroup(true)`: epoch -1, -2 for a static member), releases its
    /// partitions at once (`transitionToStale`: lost, not committed) and rejoins at its next
    /// `poll()`. The application goes on with the records it holds; its commits meanwhile have
    /// nothing to commit.
    fn cp_maybe_poll_timeout(&mut self, ctx: &mut Ctx, v: &mut View) {
        if self.generation <= 0 || self.poll_deadline_us().is_none_or(|d| d > ctx.now.as_us()) {
            return;
        }
        let epoch = Self::cp_leave_epoch(v);
        note(
            ctx,
            &self.group_id,
            format!(
                "{}: consumer poll timeout has expired (max.poll.interval.ms {} since the last \
                 poll); it leaves the group (epoch {epoch}), releases its partitions and rejoins \
                 at its next poll",
                self.client_id, v.config.group.max_poll_interval_ms
            ),
        );
        if self.coordinator.is_some() {
            self.cp_send_heartbeat(ctx, v, epoch);
        }
        self.cp_lose_partitions(ctx, v);
        self.heartbeat_in_flight = None;
        self.heartbeat_backoff_reset();
        self.cp.rejoin_at_poll = true;
        self.phase = Phase::Joining;
    }

    /// Fenced, or the poll timer expired: the partitions are lost, not committed, and the
    /// member starts over at epoch 0 (keeping its member id).
    fn cp_lose_partitions(&mut self, ctx: &Ctx, v: &mut View) {
        self.lose_all(ctx.now.as_us(), v);
        self.generation = 0;
        self.cp.target = None;
        self.cp.revoking.iter_mut().for_each(|r| *r = false);
        self.cp.owned_sent = None;
        self.cp.send_full = true;
    }

    pub(super) fn cp_on_heartbeat(
        &mut self,
        ctx: &mut Ctx,
        v: &mut View,
        req_id: u64,
        resp: ConsumerGroupHeartbeatResponse,
    ) {
        if self.heartbeat_in_flight.is_none_or(|f| f.0 != req_id) {
            return;
        }
        self.heartbeat_in_flight = None;
        let why = |r: &ConsumerGroupHeartbeatResponse| {
            r.error_message
                .as_deref()
                .map_or(String::new(), |m| format!(": {m}"))
        };
        match resp.error {
            ErrorCode::None => {
                self.heartbeat_backoff_reset();
                if self.phase == Phase::Joining {
                    self.phase = Phase::Stable;
                }
                let first = self.generation <= 0;
                self.generation = resp.member_epoch;
                if resp.heartbeat_interval_ms > 0 {
                    self.cp.heartbeat_interval_ms = resp.heartbeat_interval_ms;
                }
                if first {
                    self.next_heartbeat_us = ctx
                        .now
                        .as_us()
                        .saturating_add(crate::time::ms_to_us(self.cp.heartbeat_interval_ms));
                }
                if let Some(a) = resp.assignment {
                    let mut target = vec![false; self.assigned.len()];
                    for p in a.iter().filter_map(|tp| v.local_of(tp)) {
                        if let Some(t) = target.get_mut(p) {
                            *t = true;
                        }
                    }
                    self.cp.target = Some(target);
                }
                self.cp_maybe_reconcile(ctx, v);
            }
            ErrorCode::FencedMemberEpoch | ErrorCode::UnknownMemberId => {
                note(
                    ctx,
                    &self.group_id,
                    format!(
                        "{}: {}{}; its partitions are lost (not committed) and it rejoins with \
                         epoch 0",
                        self.client_id,
                        resp.error.name(),
                        why(&resp)
                    ),
                );
                self.cp_lose_partitions(ctx, v);
                self.heartbeat_backoff_reset();
                if self.phase != Phase::Closing {
                    self.phase = Phase::Joining;
                }
            }
            ErrorCode::CoordinatorLoadInProgress => {
                // `AbstractHeartbeatRequestManager.onErrorResponse`: a failed attempt
                // (`HeartbeatRequestState.onFailedAttempt`: the heartbeat timer at 0, the next one
                // after `retry.backoff.ms` × 2^attempts, ±20%, at most `retry.backoff.max.ms`: the
                // next periodic heartbeat is due then). A joining or acknowledging member
                // heartbeats again at once regardless (`shouldHeartbeatNow`). A `reset()` (a
                // success, a fencing, a poll-timeout leave, NOT_COORDINATOR) zeroes the attempts;
                // the heartbeat it sends next reschedules the periodic one.
                self.cp.send_full = true;
                self.heartbeat_failed(ctx, v.jitter);
            }
            e if Self::is_coordinator_error(e) || e == ErrorCode::RequestTimedOut => {
                // NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE: `reset()`, no backoff.
                self.cp.send_full = true;
                if e != ErrorCode::RequestTimedOut {
                    self.heartbeat_backoff_reset();
                }
                self.coordinator_dead(ctx, v.jitter);
            }
            e => {
                let text = format!(
                    "ConsumerGroupHeartbeat failed with {}{}",
                    e.name(),
                    why(&resp)
                );
                self.fail(ctx, v, text);
            }
        }
    }

    /// Reconciles towards the last assignment received, unless a reconciliation is under way
    /// (its commit before revoking), or, with auto-commit, the application is busy with a batch
    /// (`maybeReconcile(canCommit = false)`: it waits for the next `poll()`).
    fn cp_maybe_reconcile(&mut self, ctx: &mut Ctx, v: &mut View) {
        if self.phase != Phase::Stable {
            return;
        }
        if v.config.group.auto_commit() && self.app_busy_since.is_some() {
            return;
        }
        let Some(target) = &self.cp.target else {
            return;
        };
        let revoked: Vec<usize> = (0..target.len())
            .filter(|p| self.assigned[*p] && !target[*p])
            .collect();
        let added = (0..target.len()).any(|p| !self.assigned[p] && target[p]);
        if revoked.is_empty() && !added {
            self.cp.target = None;
            return;
        }
        if !revoked.is_empty() {
            // Fetching of these stops now: the group view's revocations and pauses.
            let mut mask = vec![false; target.len()];
            for p in &revoked {
                mask[*p] = true;
            }
            self.record_revocation(ctx.now.as_us(), &mask);
        }
        let any_position =
            (0..self.assigned.len()).any(|p| self.assigned[p] && v.positions[p].is_some());
        if v.config.group.auto_commit() && any_position {
            // `maybeAutoCommitSyncBeforeRebalance`, before every reconciliation: fetching of the
            // revoked partitions pauses, the consumed positions are committed, then the
            // partitions go and the new ones come.
            for p in &revoked {
                self.cp.revoking[*p] = true;
            }
            self.phase = Phase::CommitBeforeJoin;
            self.pending_revocation = !revoked.is_empty();
            if self.commit_in_flight.is_none() {
                self.send_commit(ctx, v);
            }
            return;
        }
        self.cp_finish_reconcile(ctx, v);
    }

    /// Revokes and adds what the target says, then acknowledges with a heartbeat.
    pub(super) fn cp_finish_reconcile(&mut self, ctx: &mut Ctx, v: &mut View) {
        self.phase = Phase::Stable;
        self.pending_revocation = false;
        self.cp.revoking.iter_mut().for_each(|r| *r = false);
        let Some(target) = self.cp.target.take() else {
            return;
        };
        let (revoked, added) = self.take_assignment(ctx, v, &target);
        let now = ctx.now.as_us();
        self.rebalances += 1;
        let owned = self.owned_names(ctx, v);
        let mut what = Vec::new();
        if !revoked.is_empty() {
            what.push(format!("revokes [{}]", revoked.join(", ")));
        }
        if !added.is_empty() {
            what.push(format!("adds [{}]", added.join(", ")));
        }
        note(
            ctx,
            &self.group_id,
            format!(
                "{} {} and owns [{}] at epoch {}",
                self.client_id,
                what.join(" and "),
                owned.join(", "),
                self.generation
            ),
        );
        if v.config.group.auto_commit() {
            // `signalReconciliationCompleting` → `resetAutoCommitTimer`.
            self.next_auto_commit_us = now.saturating_add(crate::time::ms_to_us(
                v.config.group.auto_commit_interval_ms,
            ));
        }
        self.cp.ack_needed = true;
        if self.assigned.iter().zip(&self.ready).any(|(a, r)| *a && !r)
            && self.offset_fetch_in_flight.is_none()
        {
            self.send_offset_fetch(ctx, v);
        }
    }
}
