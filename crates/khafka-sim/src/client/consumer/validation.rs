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
    /// Requests in flight per leader: `(request id, time sent, [what each partition asked])`.
    /// (A few leaders: a sorted vector, as its B-tree would iterate.)
    in_flight: VecMap<BrokerId, InFlight>,
    backoff_until_us: u64,
    /// Every truncation detected, in order.
    pub detected: Vec<Truncation>,
}

/// A request in flight: `(request id, time sent, [(partition, position, the position's epoch,
/// the leader epoch it was sent in)])`.
type InFlight = (u64, u64, Vec<(u32, u64, u32, u32)>);

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
    }

    /// A position set from outside (a committed offset, a seek to an offset): checked against
    /// the current leader at the next chance (`seekUnvalidated`).
    pub fn position_unvalidated(&mut self, p: usize) {
        self.leader_epoch[p] = None;
        self.awaiting[p] = false;
        self.failed[p] = false;
    }

    /// The partition was revoked or its position forgotten.
    pub fn forget(&mut self, p: usize) {
        self.leader_epoch[p] = None;
        self.awaiting[p] = false;
        self.failed[p] = false;
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
            if offset_epochs[p].is_some() {
                self.awaiting[p] = true;
            }
        }
    }

    /// Sends an OffsetsForLeaderEpoch to each leader of partitions awaiting validation that has
    /// none in flight. Returns the earliest time a backoff ends, if one holds requests back.
    pub fn send(
        &mut self,
        ctx: &mut Ctx,
        subscribed: &super::subscribed::Subscribed,
        assigned: impl Fn(usize) -> bool,
        positions: &[Option<u64>],
        offset_epochs: &[Option<u32>],
        leaders: &[Option<(BrokerId, u32)>],
    ) -> Option<u64> {
        if !self.awaiting.iter().any(|a| *a) {
            return None;
        }
        let now = ctx.now.as_us();
        if now < self.backoff_until_us {
            return Some(self.backoff_until_us);
        }
        let mut by_broker: VecMap<BrokerId, Vec<(u32, u64, u32, u32)>> = VecMap::new();
        for p in 0..self.awaiting.len() {
            if !self.awaiting[p] || !assigned(p) {
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
            if self.in_flight.contains_key(&b) {
                continue;
            }
            let req_id = ctx.req_id();
            let partitions = parts
                .iter()
                .map(|&(p, _, epoch, current)| OffsetForLeaderPartition {
                    part: subscribed.global(p),
                    leader_epoch: epoch,
                    current_leader_epoch: current,
                })
                .collect();
            self.in_flight.insert(b, (req_id, now, parts.clone()));
            ctx.send(
                Node::Broker(b),
                Msg::OffsetsForLeaderEpoch(OffsetsForLeaderEpoch::Request { req_id, partitions }),
            );
        }
        None
    }

    /// Whether a request is in flight to broker `b`.
    pub fn in_flight_to(&self, b: BrokerId) -> bool {
        self.in_flight.get(&b).is_some()
    }

    /// The earliest time a request in flight was sent.
    pub fn oldest_in_flight_us(&self) -> Option<u64> {
        self.in_flight.values().map(|f| f.1).min()
    }

    /// The brokers of the requests sent before `before_us` (past the request timeout).
    pub fn timed_out(&self, before_us: u64) -> Vec<BrokerId> {
        self.in_flight
            .iter()
            .filter(|(_, f)| f.1 <= before_us)
            .map(|(b, _)| *b)
            .collect()
    }

    /// The request `req_id` will never be answered (the connection closed): true if it was ours.
    pub fn disconnected(&mut self, ctx: &Ctx, req_id: u64) -> bool {
        let Some(b) = self
            .in_flight
            .iter()
            .find(|(_, f)| f.0 == req_id)
            .map(|(b, _)| *b)
        else {
            return false;
        };
        self.cancel_to(ctx, b)
    }

    /// The connection to `b` closed: its request fails (`OffsetFetcher`'s `onFailure`:
    /// `requestFailed` with `retry.backoff.ms`). True if one was in flight.
    pub fn cancel_to(&mut self, ctx: &Ctx, b: BrokerId) -> bool {
        if self.in_flight.remove(&b).is_none() {
            return false;
        }
        self.backoff_until_us = ctx.now.as_us() + crate::time::ms_to_us(RETRY_BACKOFF_MS);
        true
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
        let Some(sent) = self
            .in_flight
            .get(&from)
            .filter(|f| f.0 == req_id)
            .map(|f| f.2.clone())
        else {
            return after;
        };
        self.in_flight.remove(&from);
        let now = ctx.now.as_us();
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
                    self.backoff_until_us = now + crate::time::ms_to_us(RETRY_BACKOFF_MS);
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
