//! One coordinator shard: the groups and committed offsets of one `__consumer_offsets` partition,
//! on the broker that leads it (Kafka 4.x's `CoordinatorRuntime` runs one `GroupCoordinatorShard`
//! per partition).
//!
//! - **Placement.** A request for a group goes to the leader of its partition
//!   (`partition_for`); another broker answers `NOT_COORDINATOR`.
//! - **Loading.** A broker that becomes the partition's leader replays the partition's log
//!   (`CoordinatorLoaderImpl`): the last `OffsetCommit` per (group, partition) and a classic
//!   group's last `GroupMetadata` win, and a consumer group's `ConsumerGroup*` records are
//!   replayed in order. Until that is done it answers `COORDINATOR_LOAD_IN_PROGRESS`.
//!   Khafka's load takes [`LOAD_TIME_US`] plus 1 µs per record read.
//! - **Writes.** A state change that must survive a failover is written as records; the answer
//!   waits until the high watermark passes them (the runtime completes a write when the
//!   partition's committed offset reaches it), and committed offsets become readable by
//!   `OffsetFetch` only then. A write not committed within `offsets.commit.timeout.ms` fails with
//!   `REQUEST_TIMED_OUT`, which the answer carries as `COORDINATOR_NOT_AVAILABLE`
//!   (`CoordinatorOperationExceptionHelper`).

use super::classic::ClassicGroup;
use super::consumer_group::{ConsumerGroup, ConsumerGroupRecord};
use crate::client::consumer::assignor::TopicPartition;
use crate::config::GroupCoordinatorConfig;
use crate::ctx::Node;
use crate::kernel::vec_map::VecMap;
use crate::log::coordinator_record::CoordinatorRecord;
use crate::msg::{ErrorCode, PartIdx};
use crate::protocol::group::{GroupRequest, GroupResponse};
use crate::topology::Topology;
use serde::Serialize;
use std::sync::Arc;

/// Fixed part of a shard's load time (µs): reading the partition's log is not instant, and
/// `COORDINATOR_LOAD_IN_PROGRESS` is an answer a client must be able to see.
pub const LOAD_TIME_US: u64 = 10_000;

/// A committed offset (`OffsetAndMetadata`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CommittedOffset {
    pub offset: u64,
    pub leader_epoch: Option<u32>,
    pub commit_us: u64,
}

/// A response to send now or after a write.
pub type Reply = (Node, u64, GroupResponse);

/// What handling a request or a timer produced.
pub struct Outputs<'a> {
    topo: &'a Topology,
    pub now: Vec<Reply>,
    pub records: Vec<CoordinatorRecord>,
    pub after_write: Vec<Reply>,
    /// Committed offsets that become readable once the write is committed.
    pub offsets: Vec<((Arc<str>, PartIdx), CommittedOffset)>,
    /// `(group, line)` for the trace (joins, generations, session expiries).
    pub notes: Vec<(String, String)>,
    /// The group and generation whose leader's assignment the records write: the group becomes
    /// Stable once they are committed.
    pub sync_written: Option<(Arc<str>, i32)>,
}

impl<'a> Outputs<'a> {
    pub fn new(topo: &'a Topology) -> Self {
        Outputs {
            topo,
            now: Vec::new(),
            records: Vec::new(),
            after_write: Vec::new(),
            offsets: Vec::new(),
            notes: Vec::new(),
            sync_written: None,
        }
    }

    pub fn topo(&self) -> &'a Topology {
        self.topo
    }

    pub fn respond(&mut self, to: Node, req_id: u64, resp: GroupResponse) {
        self.now.push((to, req_id, resp));
    }

    pub fn respond_after_write(&mut self, to: Node, req_id: u64, resp: GroupResponse) {
        self.after_write.push((to, req_id, resp));
    }

    pub fn write(&mut self, rec: CoordinatorRecord) {
        self.records.push(rec);
    }

    pub fn note_for(&mut self, group: &str, text: String) {
        self.notes.push((group.to_string(), text));
    }

    /// A note that comes before every other of this request's (what caused them).
    pub fn note_first_for(&mut self, group: &str, text: String) {
        self.notes.insert(0, (group.to_string(), text));
    }
}

/// A write waiting for the high watermark.
#[derive(Clone, Debug)]
pub struct PendingWrite {
    /// The log end offset after the write: committed once the HW reaches it.
    pub required_offset: u64,
    pub deadline_us: u64,
    pub replies: Vec<Reply>,
    pub offsets: Vec<((Arc<str>, PartIdx), CommittedOffset)>,
    /// A classic group's assignment of this generation, which makes it Stable once committed.
    pub sync_of: Option<(Arc<str>, i32)>,
}

#[derive(Clone, Debug)]
pub struct CoordinatorShard {
    pub part: PartIdx,
    /// The leader epoch this shard was loaded for.
    pub leader_epoch: u32,
    /// When loading completes (µs); `None` once loaded.
    pub loading_until_us: Option<u64>,
    pub groups: VecMap<Arc<str>, ClassicGroup>,
    /// KIP-848 consumer groups (a group id names a classic group or a consumer group).
    pub consumer_groups: VecMap<Arc<str>, ConsumerGroup>,
    pub offsets: VecMap<(Arc<str>, PartIdx), CommittedOffset>,
    pub pending: Vec<PendingWrite>,
    /// The next offsets-expiration check (µs): `offsets.retention.check.interval.ms` after the
    /// load, then after each check (`scheduleGroupMetadataExpiration`).
    pub next_expiration_us: u64,
}

impl CoordinatorShard {
    pub fn new(part: PartIdx, leader_epoch: u32, loading_until_us: u64) -> Self {
        CoordinatorShard {
            part,
            leader_epoch,
            loading_until_us: Some(loading_until_us),
            groups: VecMap::new(),
            consumer_groups: VecMap::new(),
            offsets: VecMap::new(),
            pending: Vec::new(),
            next_expiration_us: u64::MAX,
        }
    }

    /// Replays the partition's records (`CoordinatorLoaderImpl` → `GroupCoordinatorShard.replay`).
    pub fn load<'r>(
        &mut self,
        records: impl Iterator<Item = &'r CoordinatorRecord>,
        topo: &Topology,
        now_us: u64,
    ) {
        // Each group's state as replayed so far: its latest classic `GroupMetadata`, or the
        // consumer group its `ConsumerGroup*` records build (each kind replacing the other;
        // `Deleted` after a tombstone), in first-seen order: a list, not a map (a map type of its
        // own cost the notebook bundle about 0.7 KB, and a partition holds few groups); the
        // shard's maps order what it builds.
        enum Replayed<'r> {
            Classic(&'r CoordinatorRecord),
            Consumer(ConsumerGroupRecord),
            Deleted,
        }
        let mut latest: Vec<(&Arc<str>, Replayed)> = Vec::new();
        for r in records {
            let group = match r {
                CoordinatorRecord::OffsetCommit {
                    group,
                    part,
                    offset,
                    leader_epoch,
                    commit_us,
                    ..
                } => {
                    self.offsets.insert(
                        (group.clone(), *part),
                        CommittedOffset {
                            offset: *offset,
                            leader_epoch: *leader_epoch,
                            commit_us: *commit_us,
                        },
                    );
                    continue;
                }
                CoordinatorRecord::OffsetTombstone { group, part } => {
                    self.offsets.remove(&(group.clone(), *part));
                    continue;
                }
                CoordinatorRecord::GroupMetadata { group, .. }
                | CoordinatorRecord::ConsumerGroup { group, .. }
                | CoordinatorRecord::GroupTombstone { group } => group,
            };
            let i = match latest.iter().position(|(g, _)| *g == group) {
                Some(i) => i,
                None => {
                    latest.push((group, Replayed::Deleted));
                    latest.len() - 1
                }
            };
            let slot = &mut latest[i].1;
            match r {
                CoordinatorRecord::ConsumerGroup { part, .. } => {
                    if !matches!(slot, Replayed::Consumer(_)) {
                        *slot = Replayed::Consumer(ConsumerGroupRecord::default());
                    }
                    if let Replayed::Consumer(g) = slot {
                        g.apply(part);
                    }
                }
                CoordinatorRecord::GroupMetadata { .. } => *slot = Replayed::Classic(r),
                _ => *slot = Replayed::Deleted,
            }
        }
        for (id, r) in latest {
            match r {
                Replayed::Consumer(state) => {
                    let g = ConsumerGroup::loaded(id.clone(), state, &topo.config.group, now_us);
                    self.consumer_groups.insert(id.clone(), g);
                }
                Replayed::Classic(CoordinatorRecord::GroupMetadata {
                    generation,
                    protocol,
                    leader,
                    members,
                    ..
                }) => {
                    let g = ClassicGroup::loaded(
                        id.clone(),
                        *generation,
                        protocol.clone(),
                        leader.clone(),
                        members,
                        topo,
                        now_us,
                    );
                    self.groups.insert(id.clone(), g);
                }
                _ => {}
            }
        }
        // Groups that only have offsets exist as Empty groups.
        let with_offsets: Vec<Arc<str>> = self.offsets.keys().map(|k| k.0.clone()).collect();
        for g in with_offsets {
            if self.consumer_groups.contains_key(&g) {
                continue;
            }
            if !self.groups.contains_key(&g) {
                self.groups.insert(g.clone(), ClassicGroup::new(g));
            }
        }
        // An Empty group counts its time Empty from its last commit (Kafka keeps the state's
        // timestamp in the group record).
        for (id, g) in self.groups.iter_mut() {
            if g.state == super::ClassicGroupState::Empty {
                let last = self
                    .offsets
                    .iter()
                    .filter(|(k, _)| k.0 == *id)
                    .map(|(_, c)| c.commit_us)
                    .max();
                g.empty_since_us = Some(last.unwrap_or(now_us));
            }
        }
        self.loading_until_us = None;
        self.next_expiration_us = now_us.saturating_add(crate::time::ms_to_us(
            topo.config.group.offsets_retention_check_interval_ms,
        ));
    }

    fn group(&mut self, id: &str) -> Option<&mut ClassicGroup> {
        self.groups.get_mut(id)
    }

    fn group_or_create(&mut self, id: &str) -> &mut ClassicGroup {
        if !self.groups.contains_key(id) {
            let key: Arc<str> = id.into();
            self.groups.insert(key.clone(), ClassicGroup::new(key));
        }
        self.groups.get_mut(id).expect("just inserted")
    }

    /// Handles a group request addressed to this shard (which is loaded).
    #[allow(clippy::too_many_arguments)]
    pub fn handle(
        &mut self,
        now_us: u64,
        cfg: &GroupCoordinatorConfig,
        from: Node,
        req_id: u64,
        req: GroupRequest,
        new_member_id: &mut dyn FnMut(&str) -> String,
        out: &mut Outputs,
    ) {
        match req {
            GroupRequest::FindCoordinator { .. } => {}
            GroupRequest::ConsumerGroupHeartbeat(h) => {
                let id = h.group_id.as_str();
                if let Some(c) = self.groups.get(id) {
                    if !c.members.is_empty() {
                        let r = GroupRequest::ConsumerGroupHeartbeat(h.clone())
                            .error_response(ErrorCode::GroupIdNotFound);
                        out.note_for(
                            id,
                            format!(
                                "{}: Group {id} is not a consumer group (it is a classic group \
                                 with members)",
                                h.client_id
                            ),
                        );
                        out.respond(from, req_id, r);
                        return;
                    }
                    // An empty classic group becomes a consumer group (its offsets stay).
                    self.groups.remove(id);
                }
                if !self.consumer_groups.contains_key(id) {
                    if h.member_epoch != 0 {
                        let r = GroupRequest::ConsumerGroupHeartbeat(h.clone())
                            .error_response(ErrorCode::GroupIdNotFound);
                        out.respond(from, req_id, r);
                        return;
                    }
                    let key: Arc<str> = id.into();
                    self.consumer_groups
                        .insert(key.clone(), ConsumerGroup::new(key));
                }
                let g = self.consumer_groups.get_mut(id).expect("present");
                g.heartbeat(now_us, cfg, from, req_id, h, out);
            }
            GroupRequest::JoinGroup(j)
                if self.consumer_groups.contains_key(j.group_id.as_str()) =>
            {
                // Classic members joining a consumer group (KIP-848's upgrade path) are not
                // modelled: refused.
                let r =
                    GroupRequest::JoinGroup(j).error_response(ErrorCode::InconsistentGroupProtocol);
                out.respond(from, req_id, r);
            }
            GroupRequest::JoinGroup(j) => {
                // A join with a member id for a group that does not exist is refused.
                if !j.member_id.is_empty() && !self.groups.contains_key(j.group_id.as_str()) {
                    let r = GroupRequest::JoinGroup(j).error_response(ErrorCode::UnknownMemberId);
                    out.respond(from, req_id, r);
                    return;
                }
                let g = self.group_or_create(&j.group_id.clone());
                g.join(now_us, cfg, from, req_id, j, new_member_id, out);
            }
            GroupRequest::SyncGroup {
                group_id,
                generation,
                member_id,
                group_instance_id,
                assignments,
            } => match self.group(&group_id) {
                Some(g) => g.sync(
                    from,
                    req_id,
                    generation,
                    &member_id,
                    group_instance_id.as_deref(),
                    assignments,
                    out,
                ),
                None => out.respond(
                    from,
                    req_id,
                    GroupResponse::SyncGroup {
                        error: ErrorCode::UnknownMemberId,
                        assignment: Vec::new(),
                    },
                ),
            },
            GroupRequest::Heartbeat {
                group_id,
                generation,
                member_id,
                group_instance_id,
            } => {
                let error = match self.group(&group_id) {
                    Some(g) => {
                        g.heartbeat(now_us, &member_id, group_instance_id.as_deref(), generation)
                    }
                    None => ErrorCode::UnknownMemberId,
                };
                out.respond(from, req_id, GroupResponse::Heartbeat { error });
            }
            GroupRequest::LeaveGroup {
                group_id,
                member_id,
            } => {
                let error = match self.group(&group_id) {
                    Some(g) => g.leave(now_us, cfg, &member_id, out),
                    None => ErrorCode::UnknownMemberId,
                };
                out.respond(from, req_id, GroupResponse::LeaveGroup { error });
            }
            GroupRequest::OffsetCommit {
                group_id,
                generation,
                member_id,
                group_instance_id,
                offsets,
            } => {
                let instance = group_instance_id.as_deref();
                let consumer_group = self
                    .consumer_groups
                    .get(group_id.as_str())
                    .map(|g| g.validate_commit(generation, &member_id));
                let error = match self.group(&group_id) {
                    _ if consumer_group.is_some() => consumer_group.expect("checked"),
                    Some(g) => g.validate_commit(generation, &member_id, instance),
                    // A simple commit creates the group (Empty); a member's commit to a group
                    // that does not exist is refused with GROUP_ID_NOT_FOUND, as OffsetCommit v9+
                    // is (`OffsetMetadataManager.validateOffsetCommit`; both Kafka 4.1 clients
                    // send v9, older versions got ILLEGAL_GENERATION).
                    None if generation < 0 => {
                        self.group_or_create(&group_id);
                        ErrorCode::None
                    }
                    None => ErrorCode::GroupIdNotFound,
                };
                if error != ErrorCode::None {
                    out.respond(from, req_id, GroupResponse::OffsetCommit { error });
                    return;
                }
                let key: Arc<str> = self
                    .groups
                    .get_key_value(group_id.as_str())
                    .map(|(k, _)| k.clone())
                    .or_else(|| {
                        self.consumer_groups
                            .get_key_value(group_id.as_str())
                            .map(|(k, _)| k.clone())
                    })
                    .expect("the group exists");
                for (part, offset, leader_epoch) in offsets {
                    out.write(CoordinatorRecord::OffsetCommit {
                        group: key.clone(),
                        part,
                        offset,
                        leader_epoch,
                        metadata: String::new(),
                        commit_us: now_us,
                    });
                    out.offsets.push((
                        (key.clone(), part),
                        CommittedOffset {
                            offset,
                            leader_epoch,
                            commit_us: now_us,
                        },
                    ));
                }
                out.respond_after_write(
                    from,
                    req_id,
                    GroupResponse::OffsetCommit {
                        error: ErrorCode::None,
                    },
                );
            }
            GroupRequest::OffsetFetch {
                group_id,
                partitions,
            } => {
                let offsets = partitions
                    .into_iter()
                    .map(|p| {
                        let c = self
                            .offsets
                            .get(&(Arc::from(group_id.as_str()), p))
                            .map(|c| (c.offset, c.leader_epoch));
                        (p, c)
                    })
                    .collect();
                out.respond(
                    from,
                    req_id,
                    GroupResponse::OffsetFetch {
                        error: ErrorCode::None,
                        offsets,
                    },
                );
            }
        }
    }

    /// Notes when each group became Empty (or stopped being Empty).
    pub fn note_empty(&mut self, now_us: u64) {
        for g in self.groups.values_mut() {
            if g.state != super::ClassicGroupState::Empty {
                g.empty_since_us = None;
            } else if g.empty_since_us.is_none() {
                g.empty_since_us = Some(now_us);
            }
        }
    }

    /// `GroupCoordinatorShard.cleanupGroupMetadata` with `OffsetMetadataManager
    /// .cleanupExpiredOffsets`: an offset of a topic its group does not subscribe to expires once
    /// `offsets.retention.minutes` passed since its base time (`offsetExpirationCondition`):
    /// - a classic group that is Empty: since it became Empty (every topic);
    /// - a classic group that is Stable: since the offset's commit, for the topics no member
    ///   subscribes to (Kafka's "consumer" protocol type, whose subscriptions it knows); in its
    ///   other states nothing expires;
    /// - a KIP-848 group (`ConsumerGroup`), in every state: since the offset's commit, for the
    ///   topics no member subscribes to (an Empty group subscribes to none).
    ///
    /// Each expired offset gets a tombstone; a group whose offsets all expired and that has no
    /// members is deleted (`maybeDeleteGroup`).
    fn expire_offsets(&mut self, now_us: u64, cfg: &GroupCoordinatorConfig, out: &mut Outputs) {
        let retention_us = cfg.offsets_retention_minutes.saturating_mul(60_000_000);
        let topo = out.topo();
        let mut ids: Vec<Arc<str>> = self.offsets.keys().map(|k| k.0.clone()).collect();
        ids.dedup();
        for id in ids {
            // The base time of every offset (`None`: by its commit) and the subscribed topics.
            let (empty_since, subscribed, deletable): (Option<u64>, Vec<&str>, bool) =
                if let Some(g) = self.consumer_groups.get(&id) {
                    let topics = g
                        .members()
                        .iter()
                        .flat_map(|m| m.topics.iter().map(String::as_str))
                        .collect();
                    (None, topics, g.members().is_empty())
                } else if let Some(g) = self.groups.get(&id) {
                    match g.state {
                        super::ClassicGroupState::Empty => {
                            (Some(g.empty_since_us.unwrap_or(now_us)), Vec::new(), true)
                        }
                        super::ClassicGroupState::Stable => {
                            let protocol = g.protocol.as_deref().unwrap_or_default();
                            let topics = g
                                .members
                                .iter()
                                .flat_map(|m| m.protocols.iter().filter(|(n, _)| n == protocol))
                                .flat_map(|(_, meta)| meta.topics.iter().map(String::as_str))
                                .collect();
                            (None, topics, false)
                        }
                        _ => continue,
                    }
                } else {
                    (None, Vec::new(), true)
                };
            let mut expired = Vec::new();
            let mut kept = 0;
            for (key, c) in self.offsets.iter_from(&(id.clone(), 0)) {
                if key.0 != id {
                    break;
                }
                let base = empty_since.unwrap_or(c.commit_us);
                let topic = topo.topic_of(key.1).name.as_str();
                if subscribed.contains(&topic) || now_us.saturating_sub(base) < retention_us {
                    kept += 1;
                } else {
                    expired.push(key.1);
                }
            }
            if expired.is_empty() {
                continue;
            }
            for &part in &expired {
                self.offsets.remove(&(id.clone(), part));
                out.write(CoordinatorRecord::OffsetTombstone {
                    group: id.clone(),
                    part,
                });
            }
            let names: Vec<String> = expired
                .iter()
                .map(|p| topo.part_name(*p).to_string())
                .collect();
            let why = if empty_since.is_some() {
                format!(
                    "Empty for offsets.retention.minutes={}",
                    cfg.offsets_retention_minutes
                )
            } else {
                format!(
                    "no member subscribes to their topic, last committed more than \
                     offsets.retention.minutes={} ago",
                    cfg.offsets_retention_minutes
                )
            };
            let deleted = kept == 0 && deletable;
            if deleted {
                self.groups.remove(&id);
                self.consumer_groups.remove(&id);
                out.write(CoordinatorRecord::GroupTombstone { group: id.clone() });
            }
            out.note_for(
                &id,
                format!(
                    "offsets expired: [{}] ({why}){}",
                    names.join(", "),
                    if deleted {
                        "; the group is deleted"
                    } else {
                        ""
                    }
                ),
            );
        }
    }

    /// The earliest timer of the shard (µs).
    pub fn next_deadline(&self) -> Option<u64> {
        let expiration = (self.loading_until_us.is_none()).then_some(self.next_expiration_us);
        self.loading_until_us
            .into_iter()
            .chain(expiration.filter(|e| *e != u64::MAX))
            .chain(self.groups.values().filter_map(|g| g.next_deadline()))
            .chain(
                self.consumer_groups
                    .values()
                    .filter_map(|g| g.next_deadline()),
            )
            .chain(self.pending.iter().map(|p| p.deadline_us))
            .min()
    }

    /// Fires the groups' timers due by `now_us`.
    pub fn on_tick(&mut self, now_us: u64, cfg: &GroupCoordinatorConfig, out: &mut Outputs) {
        for g in self.groups.values_mut() {
            if g.next_deadline().is_some_and(|d| d <= now_us) {
                g.on_tick(now_us, cfg, out);
            }
        }
        for g in self.consumer_groups.values_mut() {
            if g.next_deadline().is_some_and(|d| d <= now_us) {
                g.on_tick(now_us, cfg, out);
            }
        }
        self.note_empty(now_us);
        if now_us >= self.next_expiration_us {
            self.expire_offsets(now_us, cfg, out);
            self.next_expiration_us = now_us.saturating_add(crate::time::ms_to_us(
                cfg.offsets_retention_check_interval_ms,
            ));
        }
    }
}

/// A group as the coordinator holds it, for views (`kafka-consumer-groups --describe`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct GroupView {
    pub group: String,
    /// `classic`, or `consumer` for a KIP-848 group (Kafka's `GroupType`).
    #[serde(default = "classic_type")]
    pub group_type: String,
    /// The broker leading the group's `__consumer_offsets` partition, if any.
    pub coordinator: Option<u32>,
    /// `Empty`, `PreparingRebalance`, …; `Unknown` while no coordinator has it loaded.
    pub state: String,
    pub protocol_type: String,
    /// The selected assignor (`range`, …).
    pub protocol: Option<String>,
    pub generation: i32,
    pub leader: Option<String>,
    pub members: Vec<MemberView>,
    pub partitions: Vec<GroupPartitionView>,
    /// Records the group's members were handed more than once.
    pub processed_twice: u64,
    /// A record that tells the group's figures: the first never processed, else the first
    /// processed twice (`Sim::group_example`). Not part of the report.
    #[serde(skip)]
    pub example: Option<u64>,
    /// Records below the committed offset that no member processed (at-most-once).
    pub never_processed: u64,
    /// Of those, records at an offset a member processed in another leader epoch: the record
    /// it processed there was lost (an unclean election, or a broker that lost power) and this
    /// one took its offset. KIP-320 finds such a divergence only when the new leader's epochs
    /// show it (`OffsetsForLeaderEpoch`), so at-least-once holds only for records no replica
    /// lost.
    #[serde(default, skip_serializing_if = "crate::outcome::is_zero")]
    pub never_processed_reused_offsets: u64,
    /// Commits of the members' applications (`sim.commit`) that failed
    /// (`CommitFailedException`, `RebalanceInProgressException`, a timeout, …).
    pub commits_failed: u64,
    /// KIP-320 validations of the members that found the log truncated below their position.
    pub truncations_detected: u64,
    /// Of those, the ones that raised `LogTruncationException` (`auto.offset.reset=none`).
    pub log_truncation_exceptions: u64,
    /// Partitions the members gave up (`onPartitionsRevoked`): eager, everything a member owned
    /// at each rejoin; cooperative, only those moving to another member; on a close (`stop
    /// consumer`), everything it owned. Partitions lost (`onPartitionsLost`) or held by a
    /// crashed member are not counted.
    #[serde(default)]
    pub partitions_revoked: u64,
    /// The time partitions went unfetched, from each revocation, and from the crash of a member
    /// holding one, to the partition's next assignment to a member (its SyncGroup answer), or to
    /// now: ms, summed over partitions (so not a mean when divided by `partitions_revoked`).
    #[serde(default)]
    pub pause_ms: u64,
    /// The longest of those pauses, in ms.
    #[serde(default)]
    pub longest_pause_ms: u64,
    /// The partition that has gone unread the longest, if one still is: revoked, or held by a
    /// member that crashed or closed, and not assigned to a member since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<UnreadPartition>,
    /// Every partition nobody reads now, each once with its earliest release (`unread` is the
    /// longest of them), in no particular order. Not part of the report.
    #[serde(skip)]
    pub unread_now: Vec<UnreadPartition>,
}

impl GroupView {
    /// The lag the lag chart draws for the group (`Sim::group_lag_total`, from this view): each
    /// partition's LAG, or without a commit its records from the log start where the group
    /// resets to earliest.
    pub fn lag_total(&self) -> u64 {
        self.partitions
            .iter()
            .filter_map(|p| p.lag.or(p.unread_from_log_start))
            .sum()
    }
}

/// A partition no member of the group reads now ([`GroupView::unread`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct UnreadPartition {
    /// `topic-p`.
    pub partition: String,
    /// Since when (µs): its revocation, or the crash or close of the member that held it.
    pub since_us: u64,
    /// The consumer (its name in the scenario) that revoked it, crashed or closed with it.
    pub holder: String,
    /// How the holder let it go.
    pub why: Released,
}

/// How a member stopped reading a partition nobody reads now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Released {
    /// It revoked it for a rebalance (`onPartitionsRevoked`).
    Revoked,
    /// Its process crashed.
    Crashed,
    /// It closed (`stop consumer`, `stop streams`).
    Closed,
}

impl Released {
    /// What the holder did, after its name: "c1 gave it up".
    pub fn verb(self) -> &'static str {
        match self {
            Released::Revoked => "gave it up",
            Released::Crashed => "crashed",
            Released::Closed => "closed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct MemberView {
    pub member_id: String,
    pub client_id: String,
    pub group_instance_id: Option<String>,
    pub host: String,
    pub assignment: Vec<String>,
    /// KIP-848: the member's epoch (`--describe --members --verbose`'s EPOCH column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_epoch: Option<i32>,
    /// KIP-848: its target assignment (TARGET-ASSIGNMENT); `assignment` is what it may own now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_assignment: Option<Vec<String>>,
    /// KIP-848: its reconciliation state (`STABLE`, `UNREVOKED_PARTITIONS`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_state: Option<String>,
}

fn classic_type() -> String {
    "classic".into()
}

/// One partition of a group: committed offset, log end offset (the high watermark, as
/// `ListOffsets(latest)` under read_uncommitted returns it) and lag.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct GroupPartitionView {
    pub topic: String,
    pub partition: u32,
    pub committed: Option<u64>,
    pub log_end_offset: u64,
    pub lag: Option<u64>,
    /// With no committed offset, in a group whose members reset to `earliest`: the records from
    /// the log start offset to the log end offset, all of which its next owner will read. Not
    /// Kafka's LAG column (which is `-` there); the lag chart counts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread_from_log_start: Option<u64>,
    pub consumer_id: Option<String>,
    pub host: Option<String>,
    pub client_id: Option<String>,
}

/// A member's partitions as `topic-p` names, sorted by topic then partition (an assignor's
/// order is not the point: an assignment is a set).
pub fn partition_names(a: &[TopicPartition]) -> Vec<String> {
    let mut sorted: Vec<&TopicPartition> = a.iter().collect();
    crate::kernel::small::sort_by(&mut sorted, |x, y| x.cmp(y));
    sorted.iter().map(|tp| tp.to_string()).collect()
}
