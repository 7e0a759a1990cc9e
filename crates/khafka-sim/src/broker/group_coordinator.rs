//! The broker's side of the group coordinator (`GroupCoordinatorService` and the coordinator
//! runtime's partition writer, `CoordinatorPartitionWriter`): requests for a group reach the
//! shard of the group's `__consumer_offsets` partition when this broker leads it; the shard's
//! records are appended to that partition's log as its leader (`appendRecords` with
//! `AppendOrigin.COORDINATOR`), replicated like any record, and the answers wait until the high
//! watermark passes them. Becoming the partition's leader loads a shard from the log; losing
//! leadership (or stopping) drops it, and its waiting requests get `NOT_COORDINATOR`.

use super::*;
use crate::coordinator::group::offsets_topic;
use crate::coordinator::group::shard::{PendingWrite, LOAD_TIME_US};
use crate::coordinator::group::{CoordinatorShard, Outputs};
use crate::kernel::vec_map::VecMap;
use crate::protocol::group::{GroupRequest, GroupResponse};

/// The coordinator shards of one broker.
#[derive(Clone, Debug, Default)]
pub struct GroupCoordinator {
    /// By partition, in partition order (a sorted list: a broker leads few `__consumer_offsets`
    /// partitions, and a map type of its own cost the notebook bundle about 0.6 KB).
    pub shards: VecMap<PartIdx, CoordinatorShard>,
    check: CheckTimer,
    /// Member ids handed out by this broker (with the broker id, unique in a run).
    next_member: u64,
}

impl GroupCoordinator {
    /// Drops every shard (the process stopped). Returns the parked requests.
    pub(super) fn shutdown(&mut self) -> Vec<(Node, u64)> {
        let mut held = Vec::new();
        for s in std::mem::take(&mut self.shards).into_values() {
            held.extend(parked_of(&s).into_iter().map(|(n, r, _)| (n, r)));
        }
        self.check.reset();
        held
    }
}

/// Every request a shard holds: parked joins and syncs, and answers waiting for a write.
fn parked_of(s: &CoordinatorShard) -> Vec<(Node, u64, &'static str)> {
    let mut out = Vec::new();
    for g in s.groups.values() {
        for m in &g.members {
            if let Some((n, r)) = m.awaiting_join {
                out.push((n, r, "join"));
            }
            if let Some((n, r)) = m.awaiting_sync {
                out.push((n, r, "sync"));
            }
        }
    }
    for p in &s.pending {
        for (n, r, resp) in &p.replies {
            out.push((*n, *r, resp.kind()));
        }
    }
    out
}

/// `resp` with its error replaced by `error`.
fn with_error(resp: &GroupResponse, error: ErrorCode) -> GroupResponse {
    match resp {
        GroupResponse::FindCoordinator { .. } => GroupResponse::FindCoordinator {
            error,
            coordinator: None,
        },
        GroupResponse::JoinGroup(j) => {
            let mut j = j.clone();
            j.error = error;
            j.members.clear();
            GroupResponse::JoinGroup(j)
        }
        GroupResponse::SyncGroup { .. } => GroupResponse::SyncGroup {
            error,
            assignment: Vec::new(),
        },
        GroupResponse::Heartbeat { .. } => GroupResponse::Heartbeat { error },
        GroupResponse::LeaveGroup { .. } => GroupResponse::LeaveGroup { error },
        GroupResponse::OffsetCommit { .. } => GroupResponse::OffsetCommit { error },
        GroupResponse::OffsetFetch { .. } => GroupResponse::OffsetFetch {
            error,
            offsets: Vec::new(),
        },
        GroupResponse::ConsumerGroupHeartbeat(h) => {
            let mut h = h.clone();
            h.error = error;
            h.assignment = None;
            GroupResponse::ConsumerGroupHeartbeat(h)
        }
    }
}

fn respond(ctx: &mut Ctx, to: Node, req_id: u64, resp: GroupResponse) {
    ctx.send(
        to,
        Msg::Group(crate::msg::Group::Response {
            req_id,
            resp: Box::new(resp),
        }),
    );
}

impl Broker {
    pub(super) fn on_group_request(
        &mut self,
        ctx: &mut Ctx,
        from: Node,
        req_id: u64,
        req: GroupRequest,
    ) {
        let Some(part) = ctx.topo.offsets_partition(req.group_id()) else {
            // The topic could not be created (fewer brokers than its replication factor).
            let r = req.error_response(ErrorCode::CoordinatorNotAvailable);
            return respond(ctx, from, req_id, r);
        };
        if let GroupRequest::FindCoordinator { .. } = req {
            let leader = match self.replicas.get(&part) {
                Some(r) => r.state.leader,
                None => self.metadata_cache[part as usize].0,
            };
            let r = match leader {
                Some(b) => GroupResponse::FindCoordinator {
                    error: ErrorCode::None,
                    coordinator: Some(b),
                },
                None => req.error_response(ErrorCode::CoordinatorNotAvailable),
            };
            return respond(ctx, from, req_id, r);
        }
        let Some(shard) = self.group_coordinator.shards.get_mut(&part) else {
            let r = req.error_response(ErrorCode::NotCoordinator);
            return respond(ctx, from, req_id, r);
        };
        if shard.loading_until_us.is_some() {
            let r = req.error_response(ErrorCode::CoordinatorLoadInProgress);
            return respond(ctx, from, req_id, r);
        }
        let topo = ctx.topo;
        let mut out = Outputs::new(topo);
        let me = self.id;
        let next = &mut self.group_coordinator.next_member;
        let mut new_member_id = |prefix: &str| {
            *next += 1;
            // `clientId-UUID`: a UUID made from the broker and a counter, so runs repeat.
            format!("{prefix}-{me:08x}-0000-4000-8000-{:012x}", *next)
        };
        let joining = match &req {
            GroupRequest::JoinGroup(j) => Some((j.group_id.clone(), j.member_id.clone())),
            _ => None,
        };
        shard.handle(
            ctx.now.as_us(),
            &topo.config.group,
            from,
            req_id,
            req,
            &mut new_member_id,
            &mut out,
        );
        shard.note_empty(ctx.now.as_us());
        if let Some((group, member)) = joining {
            let state = shard
                .groups
                .get(group.as_str())
                .map_or("Dead", |g| g.state.name());
            // Before what the join caused (a generation it completed), with the state after it.
            if !member.is_empty() {
                out.note_first_for(&group, format!("{member} joins; the group is {state}"));
            }
        }
        self.apply_coordinator_outputs(ctx, part, out);
    }

    /// `alterConsumerGroupOffsets` of `kafka-consumer-groups --reset-offsets`: an OffsetCommit
    /// with no member and no generation, handled by the group's shard like any (accepted only
    /// into an Empty group) and written to `__consumer_offsets`. The tool's own answer is not
    /// modelled. Returns the error if the shard refused it.
    pub fn admin_offset_commit(
        &mut self,
        ctx: &mut Ctx,
        group: &str,
        offsets: Vec<(PartIdx, u64)>,
    ) -> ErrorCode {
        let Some(part) = ctx.topo.offsets_partition(group) else {
            return ErrorCode::CoordinatorNotAvailable;
        };
        let Some(shard) = self
            .group_coordinator
            .shards
            .get_mut(&part)
            .filter(|s| s.loading_until_us.is_none())
        else {
            return ErrorCode::NotCoordinator;
        };
        let topo = ctx.topo;
        let mut out = Outputs::new(topo);
        let req = GroupRequest::OffsetCommit {
            group_id: group.to_string(),
            generation: -1,
            member_id: String::new(),
            group_instance_id: None,
            offsets: offsets.into_iter().map(|(p, o)| (p, o, None)).collect(),
        };
        let me = Node::Broker(self.id);
        shard.handle(
            ctx.now.as_us(),
            &topo.config.group,
            me,
            0,
            req,
            &mut |_| String::new(),
            &mut out,
        );
        shard.note_empty(ctx.now.as_us());
        let error = out
            .now
            .iter()
            .find_map(|(_, _, r)| match r {
                GroupResponse::OffsetCommit { error } => Some(*error),
                _ => None,
            })
            .unwrap_or(ErrorCode::None);
        out.now.clear();
        out.after_write.clear();
        self.apply_coordinator_outputs(ctx, part, out);
        error
    }

    /// Sends what a shard answered now, and appends what it wrote (its answers wait for the HW).
    fn apply_coordinator_outputs(&mut self, ctx: &mut Ctx, part: PartIdx, out: Outputs) {
        let Outputs {
            now,
            records,
            after_write,
            offsets,
            notes,
            sync_written,
            ..
        } = out;
        for (group, text) in notes {
            ctx.emit(TraceKind::Group { group, text });
        }
        for (to, req_id, resp) in now {
            respond(ctx, to, req_id, resp);
        }
        if records.is_empty() {
            // A write operation that wrote nothing is answered once everything the shard wrote
            // before it is committed (`CoordinatorRuntime`: deferred to the last written offset),
            // so no member learns an assignment its coordinator could still lose.
            let last = self
                .group_coordinator
                .shards
                .get_mut(&part)
                .and_then(|s| s.pending.last_mut());
            match last {
                Some(w) => w.replies.extend(after_write),
                None => {
                    for (to, req_id, resp) in after_write {
                        respond(ctx, to, req_id, resp);
                    }
                }
            }
            self.arm_group_check(ctx);
            return;
        }
        let me = self.id;
        let Some(r) = self.replicas.get_mut(&part).filter(|r| r.is_leader(me)) else {
            for (to, req_id, resp) in after_write {
                respond(
                    ctx,
                    to,
                    req_id,
                    with_error(&resp, ErrorCode::NotCoordinator),
                );
            }
            if let Some(sync) = sync_written {
                self.assignment_written(ctx, part, sync, Err(ErrorCode::NotCoordinator));
            }
            return;
        };
        let now_us = ctx.now.as_us();
        let base = r.log.log_end_offset();
        let epoch = r.state.leader_epoch;
        let count = records.len() as u32;
        let id = ctx.batches.add_coordinator(base, epoch, records);
        r.log.append(id, ctx.batches, now_us);
        let required = r.log.log_end_offset();
        let ids: Vec<crate::log::RecordId> = ctx.batches.record_ids(id).collect();
        let topo = ctx.topo;
        ctx.emit_hot(HotEvent::Appended {
            partition: topo.part_name_ref(part),
            broker: me,
            base_offset: base,
            count,
            leader_epoch: epoch,
            batch: id,
            producer_id: 0,
            producer_epoch: 0,
            base_sequence: -1,
            records: &ids,
        });
        let timeout = crate::time::ms_to_us(topo.config.group.offsets_commit_timeout_ms);
        if let Some(shard) = self.group_coordinator.shards.get_mut(&part) {
            shard.pending.push(PendingWrite {
                required_offset: required,
                deadline_us: now_us.saturating_add(timeout),
                replies: after_write,
                offsets,
                sync_of: sync_written,
            });
        }
        // An append that moves the high watermark too wakes every parked fetch at once.
        if !self.maybe_increment_hw(ctx, part, super::fetch::Woken::All) {
            self.wake_parked(ctx, part, super::fetch::Woken::Followers);
        }
        self.arm_group_check(ctx);
    }

    /// The high watermark of `part` moved: writes it passed are committed and answered.
    pub(super) fn complete_coordinator_writes(&mut self, ctx: &mut Ctx, part: PartIdx) {
        let Some(shard) = self.group_coordinator.shards.get_mut(&part) else {
            return;
        };
        if shard.pending.is_empty() {
            return;
        }
        let hw = self.replicas.get(&part).map_or(0, |r| r.log.high_watermark);
        let (done, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut shard.pending)
            .into_iter()
            .partition(|p| p.required_offset <= hw);
        shard.pending = waiting;
        let mut synced = Vec::new();
        for w in done {
            for (k, c) in w.offsets {
                shard.offsets.insert(k, c);
            }
            for (to, req_id, resp) in w.replies {
                respond(ctx, to, req_id, resp);
            }
            synced.extend(w.sync_of);
        }
        for sync in synced {
            self.assignment_written(ctx, part, sync, Ok(()));
        }
    }

    /// A classic group's assignment write of a generation was committed or failed
    /// ([`crate::coordinator::group::classic::ClassicGroup::assignment_written`]).
    fn assignment_written(
        &mut self,
        ctx: &mut Ctx,
        part: PartIdx,
        (group, generation): (std::sync::Arc<str>, i32),
        result: Result<(), ErrorCode>,
    ) {
        let Some(g) = self
            .group_coordinator
            .shards
            .get_mut(&part)
            .and_then(|s| s.groups.get_mut(&group))
        else {
            return;
        };
        let topo = ctx.topo;
        let mut out = Outputs::new(topo);
        g.assignment_written(
            generation,
            result,
            ctx.now.as_us(),
            &topo.config.group,
            &mut out,
        );
        self.apply_coordinator_outputs(ctx, part, out);
    }

    /// Loads or unloads the shard of `part` after its leadership changed (`onElection`,
    /// `onResignation`).
    pub(super) fn sync_coordinator(&mut self, ctx: &mut Ctx, part: PartIdx) {
        if !ctx.topo.is_internal(part) {
            return;
        }
        let me = self.id;
        let leading = self
            .replicas
            .get(&part)
            .filter(|r| r.is_leader(me))
            .map(|r| (r.state.leader_epoch, r.log.log_end_offset()));
        let current = self
            .group_coordinator
            .shards
            .get(&part)
            .map(|s| s.leader_epoch);
        match (leading, current) {
            (Some((epoch, _)), Some(e)) if e == epoch => {}
            (Some((epoch, leo)), _) => {
                self.unload_shard(ctx, part);
                let until = ctx.now.as_us() + LOAD_TIME_US + leo;
                self.group_coordinator
                    .shards
                    .insert(part, CoordinatorShard::new(part, epoch, until));
                // A new shard's only deadline is its load: the check armed for the others is
                // already at or before theirs (every change to them armed it), so this one is
                // all that can move it earlier. Reading every shard here instead made a broker
                // that takes over thousands of `__consumer_offsets` partitions at once do work
                // that grows with their square (30,000 partitions and a shutdown read a billion
                // shards in 10 ms).
                *ctx.fetch_reads += 1;
                self.group_coordinator
                    .check
                    .arm(ctx, until, |at_us| Timer::GroupCoordinatorCheck { at_us });
            }
            (None, Some(_)) => self.unload_shard(ctx, part),
            (None, None) => {}
        }
    }

    fn unload_shard(&mut self, ctx: &mut Ctx, part: PartIdx) {
        let Some(shard) = self.group_coordinator.shards.remove(&part) else {
            return;
        };
        for g in shard.groups.values() {
            for m in &g.members {
                if let Some((n, r)) = m.awaiting_join {
                    let resp =
                        GroupResponse::JoinGroup(crate::protocol::group::JoinGroupResponse {
                            error: ErrorCode::NotCoordinator,
                            generation: -1,
                            protocol_name: None,
                            leader: String::new(),
                            member_id: m.member_id.clone(),
                            members: Vec::new(),
                        });
                    respond(ctx, n, r, resp);
                }
                if let Some((n, r)) = m.awaiting_sync {
                    respond(
                        ctx,
                        n,
                        r,
                        GroupResponse::SyncGroup {
                            error: ErrorCode::NotCoordinator,
                            assignment: Vec::new(),
                        },
                    );
                }
            }
        }
        for p in shard.pending {
            for (to, req_id, resp) in p.replies {
                respond(
                    ctx,
                    to,
                    req_id,
                    with_error(&resp, ErrorCode::NotCoordinator),
                );
            }
        }
    }

    pub(super) fn arm_group_check(&mut self, ctx: &mut Ctx) {
        // It reads every shard's deadlines: work the run's budget of partitions read counts
        // (each shard write arms it, so a tick of every shard reads them all once per shard).
        *ctx.fetch_reads += self.group_coordinator.shards.len() as u64;
        let next = self
            .group_coordinator
            .shards
            .values()
            .filter_map(|s| s.next_deadline())
            .min();
        if let Some(at) = next {
            self.group_coordinator
                .check
                .arm(ctx, at, |at_us| Timer::GroupCoordinatorCheck { at_us });
        }
    }

    pub(super) fn on_group_check(&mut self, ctx: &mut Ctx, at_us: u64) {
        if !self.group_coordinator.check.fire(at_us) {
            return;
        }
        let now = ctx.now.as_us();
        let parts: Vec<PartIdx> = self.group_coordinator.shards.keys().copied().collect();
        // Each shard's tick costs about six partition reads (measured with `/usr/bin/time khafka
        // run`: `offsets.retention.check.interval.ms=1` and one group, an hour in 29 s, 160 ns a
        // shard against 27 ns a partition read).
        *ctx.fetch_reads += 6 * parts.len() as u64;
        for part in parts {
            // Loading done: replay the partition's log.
            let load = self
                .group_coordinator
                .shards
                .get(&part)
                .expect("listed")
                .loading_until_us
                .is_some_and(|u| u <= now);
            if load {
                let topo = ctx.topo;
                let store = &*ctx.batches;
                let Some(r) = self.replicas.get(&part) else {
                    continue;
                };
                let records = r
                    .log
                    .records(store)
                    .filter_map(|(_, rec)| store.coordinator_record(rec.record_id));
                let shard = self
                    .group_coordinator
                    .shards
                    .get_mut(&part)
                    .expect("listed");
                shard.load(records, topo, now);
                let groups: Vec<(String, String)> = shard
                    .groups
                    .values()
                    .map(|g| {
                        (
                            g.id.to_string(),
                            format!(
                                "loaded by broker {} from {} (generation {}, {})",
                                self.id,
                                topo.part_name(part),
                                g.generation,
                                g.state.name()
                            ),
                        )
                    })
                    .chain(shard.consumer_groups.values().map(|g| {
                        (
                            g.id.to_string(),
                            format!(
                                "loaded by broker {} from {} (group epoch {}, {}, {} members)",
                                self.id,
                                topo.part_name(part),
                                g.group_epoch(),
                                g.state().name(),
                                g.members().len()
                            ),
                        )
                    }))
                    .collect();
                for (group, text) in groups {
                    ctx.emit(TraceKind::Group { group, text });
                }
            }
            // Writes that the replicas did not commit in time.
            let shard = self
                .group_coordinator
                .shards
                .get_mut(&part)
                .expect("listed");
            let (late, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut shard.pending)
                .into_iter()
                .partition(|p| p.deadline_us <= now);
            shard.pending = waiting;
            let mut failed_syncs = Vec::new();
            for w in late {
                // `REQUEST_TIMED_OUT`, answered as `COORDINATOR_NOT_AVAILABLE`
                // (`CoordinatorOperationExceptionHelper`, `appendGroupMetadataErrorToResponseError`).
                for (to, req_id, resp) in w.replies {
                    let error = ErrorCode::CoordinatorNotAvailable;
                    respond(ctx, to, req_id, with_error(&resp, error));
                }
                failed_syncs.extend(w.sync_of);
            }
            let loading = shard.loading_until_us.is_some();
            for sync in failed_syncs {
                let error = Err(ErrorCode::CoordinatorNotAvailable);
                self.assignment_written(ctx, part, sync, error);
            }
            if loading {
                continue;
            }
            let shard = self
                .group_coordinator
                .shards
                .get_mut(&part)
                .expect("listed");
            let topo = ctx.topo;
            let mut out = Outputs::new(topo);
            shard.on_tick(now, &topo.config.group, &mut out);
            self.apply_coordinator_outputs(ctx, part, out);
        }
        self.arm_group_check(ctx);
    }
}

/// The name of the internal topic (re-exported for views).
pub const OFFSETS_TOPIC: &str = offsets_topic::NAME;
