//! Kafka's `Partition` (core/src/main/scala/kafka/cluster/Partition.scala) as a broker holds it:
//! a replica's state (here `Replica`), becoming leader or follower from the controller's decision
//! (`makeLeader`/`makeFollower`), the high watermark (`maybeIncrementLeaderHW`), and the ISR: shrink
//! (`maybeShrinkIsr`), expand on a follower's fetch (`maybeExpandIsr`), through `AlterPartition`.

use super::fetch::{diverging, EpochCheck, Woken};
use super::*;
use crate::protocol::AlterPartition;

/// What the leader knows of a follower (`Replica` in Kafka).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RemoteState {
    pub log_end_offset: u64,
    pub last_caught_up_us: u64,
    pub last_fetch_us: u64,
    pub last_fetch_leader_leo: u64,
    /// `(session, high watermark, log start offset)` last sent to it in a fetch session without
    /// records (KIP-227's `CachedPartition`); an answer in another session carries the partition.
    pub sent: Option<(u64, u64, u64)>,
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
    /// ISR proposed to the controller and not yet settled (KIP-497's pending state).
    pub pending_isr: Option<Vec<BrokerId>>,
    /// The controller refused the pending change for a reason only new metadata settles
    /// (`handleAlterPartitionError`: "awaiting new the latest metadata"): it is not sent again.
    pub pending_isr_refused: bool,
    pub producers: VecMap<u32, ProducerEntry>,
    /// The HW last written to `replication-offset-checkpoint` (restored on restart).
    pub hw_checkpoint: u64,
    /// As a follower, not fetched before then (µs; `PartitionFetchState.delay`): an error answer
    /// delays the partition `replica.fetch.backoff.ms`, a fenced epoch until the next state
    /// (`u64::MAX`, `onPartitionFenced`).
    pub fetch_delayed_until_us: u64,
}

impl Replica {
    /// A replica with an empty log and no leader known yet.
    pub fn empty(part: PartIdx, replicas: Vec<BrokerId>) -> Self {
        Replica {
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
                adding: Vec::new(),
                removing: Vec::new(),
            },
            leader_epoch_start_offset: 0,
            remotes: VecMap::new(),
            pending_isr: None,
            pending_isr_refused: false,
            producers: VecMap::new(),
            hw_checkpoint: 0,
            fetch_delayed_until_us: 0,
        }
    }

    pub fn is_leader(&self, me: BrokerId) -> bool {
        self.state.leader == Some(me)
    }

    /// Whether `b` is in the ISR or a pending change of it (`maximalIsr`).
    #[inline]
    pub fn in_maximal_isr(&self, b: BrokerId) -> bool {
        self.state.isr.contains(&b) || self.pending_isr.as_ref().is_some_and(|p| p.contains(&b))
    }

    /// Size of the ISR plus members of a pending change (`maximalIsr.size`).
    #[inline]
    pub fn maximal_isr_len(&self) -> usize {
        let pending = self.pending_isr.as_deref().unwrap_or(&[]);
        self.state.isr.len()
            + pending
                .iter()
                .filter(|b| !self.state.isr.contains(b))
                .count()
    }

    pub(super) fn rebuild_producer_state(&mut self, store: &BatchStore) {
        self.producers = crate::log::producer_state::rebuild(&self.log, store);
    }

    /// Truncates the log to `offset` (a batch holding it goes whole) and rebuilds the producers'
    /// state from what is left; returns the new LEO.
    pub(super) fn truncate(&mut self, ctx: &mut Ctx, offset: u64) -> u64 {
        let leo = super::log_manager::truncate(ctx, &mut self.log, offset);
        self.rebuild_producer_state(ctx.batches);
        leo
    }
}

impl Broker {
    // ---------------------------------------------------------------- metadata

    /// Applies the controller's decision for a partition: become leader, follower, or neither.
    pub(super) fn apply_partition_state(&mut self, ctx: &mut Ctx, st: PartitionState) {
        let me = self.id;
        // ReplicaManager.applyDelta: a partition whose replicas now name this broker is created
        // here (an empty log, fetching from the leader from offset 0); one that no longer names it
        // is stopped and its log deleted (a reassignment moved it away).
        if !st.replicas.contains(&me) {
            self.delete_replica(ctx, &st);
            return;
        }
        if !self.replicas.contains_key(&st.part) {
            self.create_replica(ctx, st.part);
        }
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
        if r.state.leader != st.leader || self.want_shutdown {
            self.followed_stale = true;
        }
        // Partition.makeLeader / makeFollower → updateAssignmentAndIsr: a committed state newer than
        // the one a pending ISR change was proposed from replaces it (its response may never come).
        // The same partition epoch again is the state the proposal started from, still in flight:
        // dropping the proposal then would let the HW pass a member being added (Kafka's makeLeader
        // also accepts an equal epoch; found by the accepted-runs property test, §2's invariant
        // "every ISR member holds the HW" broke).
        if st.partition_epoch > r.state.partition_epoch {
            r.pending_isr = None;
        }
        r.state = st;
        if becomes_leader && was_leader && !new_epoch {
            // Partition.updateAssignmentAndIsr: the leader tracks the replicas a reassignment adds
            // (from nothing fetched) and forgets those it removes.
            let now_replicas = &r.state.replicas;
            let gone: Vec<BrokerId> = r
                .remotes
                .keys()
                .copied()
                .filter(|b| !now_replicas.contains(b))
                .collect();
            for b in gone {
                r.remotes.remove(&b);
            }
            for &b in now_replicas {
                if b != me && !r.remotes.contains_key(&b) {
                    r.remotes.insert(
                        b,
                        RemoteState {
                            log_end_offset: 0,
                            last_caught_up_us: 0,
                            last_fetch_us: 0,
                            last_fetch_leader_leo: 0,
                            sent: None,
                        },
                    );
                }
            }
        }
        if becomes_leader {
            if !was_leader || new_epoch {
                let topo = ctx.topo;
                ctx.emit(TraceKind::BecameLeader {
                    partition: topo.part_name(part),
                    broker: me,
                    leader_epoch: r.state.leader_epoch,
                });
                // Partition.makeLeader: a new epoch starts at our LEO; followers' states are reset
                // (`Replica.resetReplicaState`): forgotten by a new leader, kept by a leader
                // re-elected in a new epoch, whose in-sync followers count as just fetched.
                r.log.assign_epoch_start(r.state.leader_epoch);
                let leo = r.log.log_end_offset();
                r.leader_epoch_start_offset = leo;
                r.pending_isr = None;
                let now = ctx.now.as_us();
                let old = std::mem::take(&mut r.remotes);
                r.remotes = r
                    .state
                    .replicas
                    .iter()
                    .filter(|b| **b != me)
                    .map(|b| {
                        let in_isr = r.state.isr.contains(b);
                        let since = if in_isr { now } else { 0 };
                        let kept = old.get(b).filter(|_| was_leader);
                        (
                            *b,
                            RemoteState {
                                log_end_offset: kept.map_or(0, |k| k.log_end_offset),
                                last_caught_up_us: since,
                                last_fetch_us: if kept.is_some() { since } else { 0 },
                                last_fetch_leader_leo: if kept.is_some() { leo } else { 0 },
                                sent: None,
                            },
                        )
                    })
                    .collect();
                self.fetchers_remove_part(part);
            }
            self.maybe_increment_hw(ctx, part, Woken::Consumers);
            if new_epoch {
                // Fetches parked with the old epoch are answered (`FENCED_LEADER_EPOCH`).
                self.wake_parked(ctx, part, Woken::All);
            }
        } else {
            if was_leader {
                self.fail_delayed_for(ctx, part, ErrorCode::NotLeaderOrFollower);
                // Fetches waiting on it are answered at once, with the error
                // (`completeDelayedOperationsWhenNotPartitionLeader`).
                self.wake_parked(ctx, part, Woken::All);
            }
            let r = self.replicas.get_mut(&part).expect("checked above");
            let leader_epoch = r.state.leader_epoch;
            if r.state.leader != old_leader || new_epoch {
                // A new leader or epoch: the partition is fetched again at once.
                r.fetch_delayed_until_us = 0;
            }
            if r.state.leader != old_leader || new_epoch && r.state.leader.is_some() {
                let topo = ctx.topo;
                ctx.emit(TraceKind::BecameFollower {
                    partition: topo.part_name(part),
                    broker: me,
                    leader: r.state.leader,
                    leader_epoch,
                });
            }
            if let Some(leader) = r.state.leader {
                if new_epoch || old_leader != Some(leader) {
                    if ctx.topo.config.truncation == Truncation::HighWatermark {
                        // Before KIP-101: truncate to the local HW on becoming a follower.
                        let hw = r.log.high_watermark;
                        let leo = r.log.log_end_offset();
                        if hw < leo {
                            let to = r.truncate(ctx, hw);
                            ctx.emit(TraceKind::Truncated {
                                partition: ctx.topo.part_name(part),
                                broker: me,
                                to_offset: to,
                                removed: leo - to,
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

    /// A replica the metadata log just assigned to this broker: an empty log, no leader yet (the
    /// state that follows makes it a follower).
    fn create_replica(&mut self, ctx: &mut Ctx, part: PartIdx) {
        let created = self.replicas.insert(Replica::empty(part, Vec::new()));
        if created {
            self.followed_stale = true;
            ctx.emit(TraceKind::ReplicaHosted {
                partition: ctx.topo.part_name(part),
                broker: self.id,
                hosted: true,
            });
        }
    }

    /// `StopReplica` with deletion: the metadata log removed this broker from the partition's
    /// replicas (a state at least as new as the one held; the removal bumped the leader epoch).
    fn delete_replica(&mut self, ctx: &mut Ctx, st: &PartitionState) {
        let part = st.part;
        let Some(r) = self.replicas.get(&part) else {
            return;
        };
        if st.leader_epoch < r.state.leader_epoch || st.partition_epoch < r.state.partition_epoch {
            return; // stale
        }
        let was_leader = r.is_leader(self.id);
        if was_leader {
            self.fail_delayed_for(ctx, part, ErrorCode::NotLeaderOrFollower);
        }
        self.fetchers_remove_part(part);
        self.replicas.remove(part);
        if was_leader {
            self.wake_parked(ctx, part, Woken::All);
        }
        self.followed_stale = true;
        ctx.emit(TraceKind::ReplicaHosted {
            partition: ctx.topo.part_name(part),
            broker: self.id,
            hosted: false,
        });
    }

    // ---------------------------------------------------------------- high watermark and ISR

    /// `Partition.maybeIncrementLeaderHW`, then what a moved high watermark completes: the
    /// delayed produces, the coordinator's writes and the parked fetches `woken` names (those
    /// that read up to it, or every one after an append that moved both ends: Kafka checks the
    /// partition's fetch purgatory once, in parking order). Whether the HW moved.
    pub(super) fn maybe_increment_hw(
        &mut self,
        ctx: &mut Ctx,
        part: PartIdx,
        woken: Woken,
    ) -> bool {
        let me = self.id;
        let Some(r) = self.replicas.get_mut(&part) else {
            return false;
        };
        let leo = r.log.log_end_offset();
        // The HW never passes the log end: a partition whose HW is there has nothing to advance
        // (an idle partition, fetched again and again by its followers).
        if r.log.high_watermark >= leo || !r.is_leader(me) {
            return false;
        }
        let min_isr = ctx.topo.effective_min_isr_for(part, r.state.replicas.len());
        let ineligible = &self.ineligible_brokers;
        let rule = HwRuleInput {
            log_end_offset: leo,
            high_watermark: r.log.high_watermark,
            hw_rule: ctx.topo.config.hw_rule,
            isr_len: r.state.isr.len(),
            min_isr,
            now_us: ctx.now.as_us(),
            lag_us: crate::time::ms_to_us(ctx.topo.config.replica_lag_time_max_ms),
        };
        // The rule reads membership only for a follower behind the log end, and eligibility only
        // outside the maximal ISR: neither is looked up where it is not read.
        let followers = r.remotes.iter().map(|(b, rs)| {
            let in_maximal_isr = rs.log_end_offset < leo && r.in_maximal_isr(*b);
            HwFollower {
                log_end_offset: rs.log_end_offset,
                last_caught_up_us: rs.last_caught_up_us,
                in_maximal_isr,
                eligible: in_maximal_isr || !ineligible.iter().any(|i| i.broker == *b),
            }
        });
        if let Some(new_hw) = leader_high_watermark(&rule, followers) {
            let now = rule.now_us;
            let old = r.log.high_watermark;
            r.log.set_high_watermark(new_hw);
            // A batch is committed once the HW passes its last record (the HW moves from batch
            // boundary to batch boundary: followers fetch whole batches).
            if let Some(first) = r.log.batch_index_of(old, ctx.batches) {
                let entries = r.log.batches();
                for e in entries.range(first, entries.len()) {
                    let b = ctx.batches.get(e.batch);
                    if b.next_offset() > new_hw {
                        break;
                    }
                    ctx.prov.commit_copy(e.batch);
                    let rid = ctx.batches.record_id(e.batch, 0);
                    if let Some(pb) = ctx.prov.batch_of(rid) {
                        ctx.prov.commit(pb, now);
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
            #[cfg(feature = "groups")]
            self.complete_coordinator_writes(ctx, part);
            self.wake_parked(ctx, part, woken);
            return true;
        }
        false
    }

    /// The "isr-expiration" task: drop followers that have not caught up for `replica.lag.time.max.ms`.
    pub(super) fn maybe_shrink_isr(&mut self, ctx: &mut Ctx) {
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

    pub(super) fn propose_isr(&mut self, ctx: &mut Ctx, part: PartIdx, isr: Vec<BrokerId>) {
        let r = self.replicas.get_mut(&part).expect("leader replica");
        // During a shrink the maximal ISR stays the old one; during an expand it includes the new
        // member. Both are the union of current and proposed.
        r.pending_isr = Some(isr.clone());
        r.pending_isr_refused = false;
        let partition_epoch = r.state.partition_epoch;
        ctx.send(
            self.controller,
            Msg::AlterPartition(AlterPartition::Request {
                part,
                leader_epoch: r.state.leader_epoch,
                partition_epoch,
                isr,
            }),
        );
        ctx.timer_after_ms(
            CONTROLLER_SOCKET_TIMEOUT_MS,
            Timer::AlterPartitionRetry {
                part,
                partition_epoch,
            },
        );
    }

    /// What the leader learns from a follower's fetch: its LEO, whether it is caught up, and whether
    /// it may (re)join the ISR.
    pub(super) fn update_follower(
        &mut self,
        ctx: &mut Ctx,
        follower: BrokerId,
        fp: &FetchPartition,
    ) {
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
        let prev_follower_leo = rs.log_end_offset;
        rs.log_end_offset = fp.fetch_offset.min(leo);
        rs.last_fetch_us = now;
        rs.last_fetch_leader_leo = leo;
        // Partition.maybeExpandIsr with the KIP-320 guard and KIP-903's eligibility.
        let follower_leo = rs.log_end_offset;
        if !r.state.isr.contains(&follower)
            && r.pending_isr.is_none()
            && follower_leo >= r.log.high_watermark
            && follower_leo >= r.leader_epoch_start_offset
            && !self.ineligible_brokers.iter().any(|i| i.broker == follower)
        {
            let mut isr = r.state.isr.clone();
            isr.push(follower);
            self.propose_isr(ctx, part, isr);
        }
        // `Partition.updateFollowerFetchState`: the HW may move only if the follower's LEO did (an
        // idle partition, fetched again and again, is not checked at every fetch).
        if follower_leo != prev_follower_leo {
            self.maybe_increment_hw(ctx, part, Woken::Consumers);
        }
    }
}

/// What the leader's high-watermark rule reads of the partition (see [`leader_high_watermark`]).
#[derive(Clone, Copy, Debug)]
pub struct HwRuleInput {
    pub log_end_offset: u64,
    pub high_watermark: u64,
    pub hw_rule: HwRule,
    /// The committed ISR's size (`isUnderMinIsr` reads it, not the maximal ISR's).
    pub isr_len: usize,
    /// `min.insync.replicas`, capped at the replication factor.
    pub min_isr: usize,
    pub now_us: u64,
    /// `replica.lag.time.max.ms`, in µs.
    pub lag_us: u64,
}

/// A follower as the leader's high-watermark rule sees it.
#[derive(Clone, Copy, Debug)]
pub struct HwFollower {
    pub log_end_offset: u64,
    /// Its `lastCaughtUpTimeMs`, in µs (0: never caught up).
    pub last_caught_up_us: u64,
    /// In the ISR or in a pending change to it (`maximalIsr`); read only for a follower behind the
    /// leader's log end.
    pub in_maximal_isr: bool,
    /// Not fenced nor shutting down (`isReplicaIsrEligible`); read only outside the maximal ISR.
    pub eligible: bool,
}

/// `Partition.maybeIncrementLeaderHW`: the new high watermark, when it rises. Since Kafka 3.7 no
/// rise while the ISR is under `min.insync.replicas` (KIP-966's strict rule); otherwise the lowest
/// log end offset among the followers in the maximal ISR and those caught up (at the leader's log
/// end, or within `replica.lag.time.max.ms` of it) that could join it, never past the leader's own.
/// Table: `tests/tables/high_watermark.txt`.
#[inline]
pub fn leader_high_watermark(
    p: &HwRuleInput,
    followers: impl IntoIterator<Item = HwFollower>,
) -> Option<u64> {
    if p.hw_rule == HwRule::StrictMinIsr && p.isr_len < p.min_isr {
        return None;
    }
    let mut new_hw = p.log_end_offset;
    for f in followers {
        if f.log_end_offset >= new_hw {
            continue;
        }
        let caught_up = f.log_end_offset == p.log_end_offset
            || (f.last_caught_up_us > 0
                && p.now_us.saturating_sub(f.last_caught_up_us) <= p.lag_us);
        if f.in_maximal_isr || (caught_up && f.eligible) {
            new_hw = f.log_end_offset;
        }
    }
    (new_hw > p.high_watermark).then_some(new_hw)
}
