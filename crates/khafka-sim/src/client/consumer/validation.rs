//! Position validation after a leader change (KIP-320; kafka-semantics.md §7.2), for every
//! consumer: `SubscriptionState.maybeValidatePositionForCurrentLeader` /
//! `TopicPartitionState.maybeValidatePosition`, `OffsetFetcher.validatePositionsIfNeeded` with
//! `OffsetsForLeaderEpochUtils.prepareRequest`, and `SubscriptionState.maybeCompleteValidation`
//! (clients/.../consumer/internals/, Kafka trunk 1eb7644349cb).
//!
//! - A position remembers the leader epoch it was last checked against (`FetchPosition.currentLeader`).
//!   When metadata shows another epoch for the partition, the position enters `AWAIT_VALIDATION`
//!   if its own epoch (`offsetEpoch`, the epoch of the last record handed out, or the one a commit
//!   carried) is known; otherwise fetching simply goes on, unchecked. A partition awaiting
//!   validation is not fetched.
//! - The consumer asks the leader `OffsetsForLeaderEpoch(leaderEpoch = offsetEpoch,
//!   currentLeaderEpoch)`. An end offset below the position is a truncation: with a reset policy
//!   the consumer seeks to that end offset, "the first offset known to diverge", so it re-reads the
//!   records written there since; an undefined answer resets by the policy; with
//!   `auto.offset.reset=none` it is a `LogTruncationException` and the partition is not fetched
//!   any more (every `poll()` would throw it again). An answer for a position that changed
//!   meanwhile is ignored.
//! - An error (UNKNOWN_LEADER_EPOCH, FENCED_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER, …) refreshes
//!   metadata and retries after `retry.backoff.ms`.
//! - Retries are per partition (`TopicPartitionState.nextRetryTimeMs`): a partition sent is not
//!   sent again before `request.timeout.ms` (`setNextAllowedRetry`), one whose request failed not
//!   before `retry.backoff.ms` (`requestFailed`), and a new validation may be sent at once. A
//!   request in flight to a leader holds back no other partition: one that starts awaiting
//!   validation meanwhile goes in a request of its own.
//!
//! Every consumer validates, with or without a `group.id` (a consumer without a group reports
//! under an empty group name); positions set by `seek` to an offset carry no epoch and are not
//! validated until the consumer has fetched from them.

use crate::config::OffsetReset;
use crate::ctx::{Ctx, Node};
use crate::kernel::vec_map::VecMap;
use crate::msg::{EpochEndOffset, ErrorCode, Msg, OffsetForLeaderPartition, OffsetsForLeaderEpoch};
use crate::spec::BrokerId;
use crate::trace::TraceKind;
use serde::Serialize;

/// `retry.backoff.ms`.
const RETRY_BACKOFF_MS: u64 = 100;

/// A truncation the consumer detected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Truncation {
    pub at_us: u64,
    /// Partition of the consumer's topic.
    pub partition: u32,
    /// The position that was validated.
    pub position: u64,
    /// The leader's end offset for the position's epoch (`None`: undefined).
    pub divergent_offset: Option<u64>,
    /// `LogTruncationException` (`auto.offset.reset=none`): the partition stopped.
    pub exception: bool,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Validation {
    /// Per partition: the leader epoch the position was last checked against.
    leader_epoch: Vec<Option<u32>>,
    /// Per partition: `AWAIT_VALIDATION`.
    pub awaiting: Vec<bool>,
    /// Per partition: a `LogTruncationException` was raised; not fetched any more.
    pub failed: Vec<bool>,
    /// Per partition: `nextRetryTimeMs`, in µs (0: none).
    next_retry_us: Vec<u64>,
    /// Per partition: its retry time is a backoff after a failure (woken when it ends), not
    /// the hold of a request in flight (which ends with its answer or its timeout).
    backing_off: Vec<bool>,
    /// Requests in flight, in the order they were sent.
    in_flight: Vec<InFlight>,
    /// Every truncation detected, in order.
    pub detected: Vec<Truncation>,
}

/// A request in flight.
#[derive(Clone, Debug, Serialize)]
struct InFlight {
    broker: BrokerId,
    req_id: u64,
    sent_us: u64,
    /// `(partition, position, the position's epoch, the leader epoch it was sent in)`.
    parts: Vec<(u32, u64, u32, u32)>,
}

/// What a response asks of the consumer.
#[derive(Default)]
pub struct After {
    pub refresh_metadata: bool,
}

impl Validation {
    pub fn new(partitions: u32) -> Self {
        let n = partitions as usize;
        Validation {
            leader_epoch: vec![None; n],
            awaiting: vec![false; n],
            failed: vec![false; n],
            next_retry_us: vec![0; n],
            backing_off: vec![false; n],
            ..Default::default()
        }
    }

    /// Whether partition `p` may be fetched.
    pub fn fetchable(&self, p: usize) -> bool {
        !self.awaiting[p] && !self.failed[p]
    }

    /// A new position from a reset (`ListOffsets`) or from the consumer's own fetching: it is
    /// valid for the leader epoch it was found at.
    pub fn position_reset(&mut self, p: usize, leader_epoch: Option<u32>) {
        self.leader_epoch[p] = leader_epoch;
        self.awaiting[p] = false;
        self.next_retry_us[p] = 0;
        self.backing_off[p] = false;
    }

    /// A position set from outside (a committed offset, a seek to an offset): checked against
    /// the current leader at the next chance (`seekUnvalidated`).
    pub fn position_unvalidated(&mut self, p: usize) {
        self.forget(p);
    }

    /// The partition was revoked or its position forgotten.
    pub fn forget(&mut self, p: usize) {
        self.leader_epoch[p] = None;
        self.awaiting[p] = false;
        self.failed[p] = false;
        self.next_retry_us[p] = 0;
        self.backing_off[p] = false;
    }

    /// `maybeValidatePositionForCurrentLeader` for every partition with a position: a leader
    /// epoch other than the one the position was checked against starts a validation when the
    /// position's epoch is known.
    pub fn check(
        &mut self,
        positions: &[Option<u64>],
        offset_epochs: &[Option<u32>],
        leaders: &[Option<(BrokerId, u32)>],
    ) {
        for p in 0..positions.len() {
            let (Some(_), Some((_, epoch))) = (positions[p], leaders[p]) else {
                continue;
            };
            if self.leader_epoch[p] == Some(epoch) || self.failed[p] {
                continue;
            }
            self.leader_epoch[p] = Some(epoch);
            // `validatePosition`: a new validation may be sent at once (`nextRetryTimeMs = null`).
            self.next_retry_us[p] = 0;
            self.backing_off[p] = false;
            if offset_epochs[p].is_some() {
                self.awaiting[p] = true;
            }
        }
    }

    /// `validatePositionsAsync`: sends an OffsetsForLeaderEpoch to each leader for its
    /// partitions awaiting validation and not in their retry backoff, and holds them back for
    /// `request_timeout_us` (`setNextAllowedRetry`). Returns the earliest time a partition's
    /// retry time ends, if one holds it back.
    #[allow(clippy::too_many_arguments)]
    pub fn send(
        &mut self,
        ctx: &mut Ctx,
        subscribed: &super::subscribed::Subscribed,
        assigned: impl Fn(usize) -> bool,
        positions: &[Option<u64>],
        offset_epochs: &[Option<u32>],
        leaders: &[Option<(BrokerId, u32)>],
        request_timeout_us: u64,
        reconnect_at: impl Fn(BrokerId) -> Option<u64>,
    ) -> Option<u64> {
        if !self.awaiting.iter().any(|a| *a) {
            return None;
        }
        let now = ctx.now.as_us();
        let mut wake: Option<u64> = None;
        let mut by_broker: VecMap<BrokerId, Vec<(u32, u64, u32, u32)>> = VecMap::new();
        for p in 0..self.awaiting.len() {
            if !self.awaiting[p] || !assigned(p) {
                continue;
            }
            // Held back: asked about and not answered yet (until its request times out), or
            // failed (`retry.backoff.ms`), woken when the backoff ends (Kafka's poll waits at most
            // `retry.backoff.ms` while a position is not valid), even if a newer request asks
            // about it too.
            if now < self.next_retry_us[p] {
                if self.backing_off[p] {
                    let at = self.next_retry_us[p];
                    wake = Some(wake.map_or(at, |w| w.min(at)));
                }
                continue;
            }
            let (Some(pos), Some(epoch), Some((b, current))) =
                (positions[p], offset_epochs[p], leaders[p])
            else {
                continue;
            };
            by_broker
                .get_or_default(b)
                .push((p as u32, pos, epoch, current));
        }
        for (&b, parts) in &by_broker {
            // A leader whose connection is in its reconnect backoff is not asked: Kafka only
            // tries to connect (`validatePositionsAsync`: no `ApiVersions` for the node), and
            // the partitions keep no retry time; asked once the backoff is over.
            if let Some(until) = reconnect_at(b).filter(|u| *u > now) {
                wake = Some(wake.map_or(until, |w| w.min(until)));
                continue;
            }
            let parts = parts.clone();
            let req_id = ctx.req_id();
            let partitions = parts
                .iter()
                .map(|&(p, _, epoch, current)| OffsetForLeaderPartition {
                    part: subscribed.global(p),
                    leader_epoch: epoch,
                    current_leader_epoch: current,
                })
                .collect();
            for &(p, ..) in &parts {
                self.next_retry_us[p as usize] = now.saturating_add(request_timeout_us);
                self.backing_off[p as usize] = false;
            }
            self.in_flight.push(InFlight {
                broker: b,
                req_id,
                sent_us: now,
                parts,
            });
            ctx.send(
                Node::Broker(b),
                Msg::OffsetsForLeaderEpoch(OffsetsForLeaderEpoch::Request { req_id, partitions }),
            );
        }
        wake
    }

    /// How many requests are in flight to broker `b`.
    pub fn in_flight_to(&self, b: BrokerId) -> u32 {
        self.in_flight.iter().filter(|f| f.broker == b).count() as u32
    }

    /// The earliest time a request in flight was sent.
    pub fn oldest_in_flight_us(&self) -> Option<u64> {
        self.in_flight.iter().map(|f| f.sent_us).min()
    }

    /// The brokers of the requests sent before `before_us` (past the request timeout).
    pub fn timed_out(&self, before_us: u64) -> Vec<BrokerId> {
        let mut brokers: Vec<BrokerId> = Vec::new();
        for f in self.in_flight.iter().filter(|f| f.sent_us <= before_us) {
            if !brokers.contains(&f.broker) {
                brokers.push(f.broker);
            }
        }
        brokers
    }

    /// The request `req_id` will never be answered (the connection closed): true if it was ours.
    pub fn disconnected(&mut self, ctx: &Ctx, req_id: u64) -> bool {
        let Some(i) = self.in_flight.iter().position(|f| f.req_id == req_id) else {
            return false;
        };
        let f = self.in_flight.remove(i);
        self.request_failed(ctx, &f);
        true
    }

    /// The connection to `b` closed: its requests fail (`OffsetFetcher`'s `onFailure`:
    /// `requestFailed` with `retry.backoff.ms`). True if one was in flight.
    pub fn cancel_to(&mut self, ctx: &Ctx, b: BrokerId) -> bool {
        let mut any = false;
        while let Some(i) = self.in_flight.iter().position(|f| f.broker == b) {
            let f = self.in_flight.remove(i);
            self.request_failed(ctx, &f);
            any = true;
        }
        any
    }

    /// `requestFailed`: the request's partitions are retried after `retry.backoff.ms`.
    fn request_failed(&mut self, ctx: &Ctx, f: &InFlight) {
        let at = ctx.now.as_us() + crate::time::ms_to_us(RETRY_BACKOFF_MS);
        for &(p, ..) in &f.parts {
            self.next_retry_us[p as usize] = at;
            self.backing_off[p as usize] = true;
        }
    }

    /// `maybeCompleteValidation` for each partition of the answer.
    #[allow(clippy::too_many_arguments)]
    pub fn on_response(
        &mut self,
        ctx: &mut Ctx,
        from: BrokerId,
        req_id: u64,
        answers: Vec<EpochEndOffset>,
        consumer: &str,
        group: &str,
        subscribed: &super::subscribed::Subscribed,
        reset: OffsetReset,
        positions: &mut [Option<u64>],
        offset_epochs: &mut [Option<u32>],
    ) -> After {
        let mut after = After::default();
        let Some(i) = self
            .in_flight
            .iter()
            .position(|f| f.req_id == req_id && f.broker == from)
        else {
            return after;
        };
        let sent = self.in_flight.remove(i).parts;
        let now = ctx.now.as_us();
        // A partition asked about and not answered is retried as an error is
        // (`OffsetsForLeaderEpochUtils.handleResponse`: every partition requested starts in
        // `partitionsToRetry`).
        let retry_at = now + crate::time::ms_to_us(RETRY_BACKOFF_MS);
        for &(p, ..) in &sent {
            if !answers
                .iter()
                .any(|a| subscribed.local(a.part) == Some(p as usize))
            {
                self.next_retry_us[p as usize] = retry_at;
                self.backing_off[p as usize] = true;
                after.refresh_metadata = true;
            }
        }
        for a in answers {
            let Some(p) = subscribed.local(a.part) else {
                continue;
            };
            let Some(&(_, requested, offset_epoch, leader_epoch)) =
                sent.iter().find(|x| x.0 as usize == p)
            else {
                continue;
            };
            // An error asks for a retry (and metadata) whether or
            // not the answer is stale (`OffsetFetcherUtils.onSuccessfulResponseForValidatingPositions`).
            // Not awaiting any more, or the position moved since (a seek, a revocation, a new
            // leader): `maybeCompleteValidation` completes only the position it asked about
            // (`FetchPosition.equals`: the offset, its epoch and the current leader's epoch).
            let stale = !self.awaiting.get(p).copied().unwrap_or(false)
                || positions[p] != Some(requested)
                || offset_epochs[p] != Some(offset_epoch)
                || self.leader_epoch[p] != Some(leader_epoch);
            if stale && a.error == ErrorCode::None {
                continue;
            }
            match a.error {
                ErrorCode::None => {}
                _ => {
                    // UNKNOWN_LEADER_EPOCH, FENCED_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER, …: a
                    // retry after `retry.backoff.ms`, and metadata for every partition retried
                    // (`onSuccessfulResponseForValidatingPositions`: `metadata.requestUpdate`).
                    self.next_retry_us[p] = retry_at;
                    self.backing_off[p] = true;
                    after.refresh_metadata = true;
                    continue;
                }
            }
            let part = ctx.topo.part_name(a.part);
            let diverged = match a.end {
                None => true,
                Some((_, end)) => end < requested,
            };
            self.awaiting[p] = false;
            self.next_retry_us[p] = 0;
            self.backing_off[p] = false;
            if !diverged {
                continue;
            }
            let divergent = a.end.map(|e| e.1);
            let exception = reset == OffsetReset::None;
            self.detected.push(Truncation {
                at_us: now,
                partition: p as u32,
                position: requested,
                divergent_offset: divergent,
                exception,
            });
            let text = match (a.end, exception) {
                (Some((epoch, end)), false) => {
                    positions[p] = Some(end);
                    offset_epochs[p] = Some(epoch);
                    format!(
                        "{consumer}: truncation detected for {part} at offset {requested}: the \
                         leader's epoch {epoch} ends at {end}; seeking to {end}, the first offset \
                         known to diverge"
                    )
                }
                (None, false) => {
                    // Reset by the policy: the next fetch finds the log's bounds.
                    positions[p] = None;
                    offset_epochs[p] = None;
                    format!(
                        "{consumer}: truncation detected for {part} at offset {requested} (the \
                         leader does not know its epoch); resetting offset"
                    )
                }
                (Some((_, end)), true) => {
                    self.failed[p] = true;
                    format!(
                        "{consumer}: LogTruncationException for {part}: divergent offset {end} \
                         (position {requested}, auto.offset.reset=none); the partition is not \
                         fetched any more"
                    )
                }
                (None, true) => {
                    self.failed[p] = true;
                    format!(
                        "{consumer}: LogTruncationException for {part} at offset {requested}, \
                         no divergent offset (auto.offset.reset=none); the partition is not \
                         fetched any more"
                    )
                }
            };
            ctx.emit(TraceKind::Group {
                group: group.to_string(),
                text,
            });
        }
        after
    }
}
