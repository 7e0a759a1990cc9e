//! The follower side of replication: Kafka's `ReplicaFetcherThread` / `AbstractFetcherThread`, one
//! per leader: fetch, append what comes back, truncate on a diverging epoch, back off on errors.

use super::*;
use crate::protocol::Fetch;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FetcherState {
    /// `(request id, partitions in it)`.
    pub in_flight: Option<(u64, Vec<PartIdx>)>,
    pub backoff_until_us: u64,
    pub wake_scheduled: bool,
    /// When the in-flight fetch was sent.
    pub sent_us: u64,
    /// Its fetch session with the leader (KIP-227: `FetchSessionHandler`), named by the request
    /// id of the full fetch that opened it; lost when a fetch fails (times out or its connection
    /// drops), as Kafka's `handleError` resets it. Without one, the next fetch is full.
    pub session: Option<u64>,
}

/// Truncates a follower's log to `offset` because of what its leader holds there, and says so.
fn truncate_for(
    ctx: &mut Ctx,
    me: BrokerId,
    r: &mut Replica,
    offset: u64,
    reason: TruncationReason,
) {
    let leo = r.log.log_end_offset();
    let start = r.log.log_start_offset();
    let to = r.truncate(ctx, offset);
    ctx.emit(TraceKind::Truncated {
        partition: ctx.topo.part_name(r.part),
        broker: me,
        to_offset: to,
        removed: leo - to,
        reason,
    });
    if r.log.log_start_offset() != start {
        ctx.emit(TraceKind::LogStartOffset {
            partition: ctx.topo.part_name(r.part),
            broker: me,
            log_start_offset: r.log.log_start_offset(),
        });
    }
}

impl Broker {
    pub(super) fn fetchers_remove_part(&mut self, part: PartIdx) {
        for f in self.fetchers.values_mut() {
            if let Some((_, parts)) = &mut f.in_flight {
                parts.retain(|p| *p != part);
            }
        }
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
        let now = ctx.now.as_us();
        let mut partitions = ctx.pools.fetch.take();
        // Partitions delayed by an error wait out their backoff (`delayPartitions`); the others
        // are fetched.
        let mut delayed_until = u64::MAX;
        partitions.extend(followed.iter().filter_map(|p| {
            let r = &self.replicas[p];
            if r.fetch_delayed_until_us > now {
                delayed_until = delayed_until.min(r.fetch_delayed_until_us);
                return None;
            }
            Some(FetchPartition {
                part: r.part,
                fetch_offset: r.log.log_end_offset(),
                last_fetched_epoch: r.log.last_record_epoch(),
                current_leader_epoch: r.state.leader_epoch,
            })
        }));
        if partitions.is_empty() {
            ctx.pools.fetch.give(partitions);
            if delayed_until != u64::MAX {
                self.schedule_wake_at(ctx, leader, delayed_until);
            }
            return;
        }
        let req_id = ctx.req_id();
        let parts = partitions.iter().map(|p| p.part).collect();
        let f = self.fetchers.get_mut(&leader).expect("inserted");
        f.in_flight = Some((req_id, parts));
        f.sent_us = ctx.now.as_us();
        let session = *f.session.get_or_insert(req_id);
        ctx.send(
            Node::Broker(leader),
            Msg::Fetch(Fetch::Request {
                req_id,
                fetcher: Fetcher::Follower(me),
                max_wait_us: crate::time::ms_to_us(ctx.topo.config.replica_fetch_wait_max_ms),
                partitions,
                session,
            }),
        );
        self.arm_fetch_check(ctx);
    }

    /// Indexes the replicas this broker follows by their leader.
    pub(super) fn rebuild_followed(&mut self, brokers: u32) {
        self.followed.iter_mut().for_each(Vec::clear);
        self.followed.resize(brokers as usize + 1, Vec::new());
        for r in self.replicas.values() {
            match r.state.leader {
                // `ReplicaManager.applyLocalFollowersDelta`: in controlled shutdown a broker stops
                // fetching the partitions whose ISR no longer has it.
                Some(_) if self.want_shutdown && !r.state.isr.contains(&self.id) => {}
                Some(l) if l != self.id => self.followed[l as usize].push(r.part),
                _ => {}
            }
        }
        self.followed_stale = false;
    }

    /// Arms the fetch-timeout check for the oldest fetch in flight.
    pub(super) fn arm_fetch_check(&mut self, ctx: &mut Ctx) {
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

    pub(super) fn schedule_wake(&mut self, ctx: &mut Ctx, leader: BrokerId) {
        let at = self.fetchers.get_or_default(leader).backoff_until_us;
        self.schedule_wake_at(ctx, leader, at);
    }

    /// Wakes the fetcher of `leader` at `at_us` (µs), unless a wake is already scheduled.
    pub(super) fn schedule_wake_at(&mut self, ctx: &mut Ctx, leader: BrokerId, at_us: u64) {
        let f = self.fetchers.get_or_default(leader);
        if !f.wake_scheduled {
            f.wake_scheduled = true;
            let at = at_us.saturating_sub(ctx.now.as_us());
            ctx.timer_after_us(at, Timer::FetcherWake { leader });
        }
    }

    pub(super) fn on_fetch_response(
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
        let backoff_us = crate::time::ms_to_us(ctx.topo.config.replica_fetch_backoff_ms);
        let now = ctx.now.as_us();
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
                    // `AbstractFetcherThread.fetchOffsetAndTruncate`.
                    let leo = r.log.log_end_offset();
                    if fp.log_end_offset < leo {
                        // The leader's log is shorter than ours (after an unclean election
                        // without epochs): truncate to the leader's LEO.
                        truncate_for(
                            ctx,
                            me,
                            r,
                            fp.log_end_offset,
                            TruncationReason::OffsetOutOfRange,
                        );
                    } else if fp.log_start_offset > leo {
                        // Our log ends below the leader's log start (retention deleted what we
                        // lack): `truncateFullyAndStartAt(leaderStartOffset)`.
                        let from = r.log.history_start();
                        r.log.truncate_fully_and_start_at(fp.log_start_offset);
                        r.rebuild_producer_state(ctx.batches);
                        ctx.emit(TraceKind::Truncated {
                            partition: ctx.topo.part_name(fp.part),
                            broker: me,
                            to_offset: from,
                            removed: leo - from,
                            reason: TruncationReason::OffsetOutOfRange,
                        });
                        ctx.emit(TraceKind::LogStartOffset {
                            partition: ctx.topo.part_name(fp.part),
                            broker: me,
                            log_start_offset: fp.log_start_offset,
                        });
                    }
                    continue;
                }
                // Only the partition in error waits (`handlePartitionsWithErrors`); a fenced
                // epoch waits for the next state from the controller (`onPartitionFenced`).
                ErrorCode::FencedLeaderEpoch => {
                    r.fetch_delayed_until_us = u64::MAX;
                    continue;
                }
                _ => {
                    r.fetch_delayed_until_us = now.saturating_add(backoff_us);
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
                    let reason = TruncationReason::DivergingEpoch {
                        epoch,
                        end_offset: end,
                        leader,
                    };
                    truncate_for(ctx, me, r, target, reason);
                }
                continue;
            }
            if !fp.batches.is_empty() {
                if fp.fetch_offset != r.log.log_end_offset() {
                    ctx.pools.batches.give(fp.batches);
                    continue; // stale response for an offset we no longer have
                }
                // A leader whose log was not cleaned where ours was (a new leader) returns the
                // whole batch holding our LEO: truncate to its start and take it whole.
                let first = ctx.batches.get(fp.batches[0]).base_offset;
                if first < r.log.log_end_offset() {
                    truncate_for(ctx, me, r, first, TruncationReason::OffsetOutOfRange);
                }
                let base = r.log.log_end_offset();
                // `UnifiedLog.appendAsFollower`: the leader's batches, at the leader's offsets;
                // the producers' state follows each idempotent batch.
                super::log_manager::append_fetched(ctx, me, fp.part, &mut r.log, &fp.batches);
                for &id in &fp.batches {
                    let b = ctx.batches.get(id);
                    if b.producer_id != 0 {
                        r.producers.get_or_default(b.producer_id).add_batch(
                            b.producer_epoch,
                            b.base_sequence,
                            b.last_sequence(),
                            b.base_offset,
                        );
                    }
                }
                let count = (r.log.log_end_offset() - base) as u32;
                let topo = ctx.topo;
                ctx.emit_hot(HotEvent::Replicated {
                    partition: topo.part_name_ref(fp.part),
                    broker: me,
                    base_offset: base,
                    count,
                    leader,
                    batches: &fp.batches,
                });
                ctx.pools.batches.give(fp.batches);
            }
            // The follower's HW is the leader's, capped by its own LEO: it follows the leader's
            // down too (`UnifiedLog.maybeUpdateHighWatermark` sets it, clamped to the log).
            let hw = fp
                .high_watermark
                .min(r.log.log_end_offset())
                .max(r.log.log_start_offset());
            if hw != r.log.high_watermark {
                r.log.set_high_watermark(hw);
                let topo = ctx.topo;
                ctx.emit_hot(HotEvent::HighWatermark {
                    partition: topo.part_name_ref(fp.part),
                    broker: me,
                    high_watermark: hw,
                });
            }
            // Then the leader's log start offset (`maybeIncrementLogStartOffset`).
            if fp.log_start_offset > r.log.log_start_offset() {
                super::log_manager::increment_log_start(
                    ctx,
                    me,
                    fp.part,
                    &mut r.log,
                    fp.log_start_offset,
                    crate::log::StartMoveCause::Leader,
                );
            }
        }
        ctx.pools.fetched.give(partitions);
        self.pump_fetcher(ctx, leader);
    }
}
