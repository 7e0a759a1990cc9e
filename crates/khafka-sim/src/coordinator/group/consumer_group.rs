//! A KIP-848 consumer group (`group.protocol=consumer`) as its coordinator holds it
//! (`GroupMetadataManager.consumerGroupHeartbeat`, `modern/consumer/ConsumerGroup`,
//! `CurrentAssignmentBuilder`; kafka-semantics.md §8.4):
//!
//! - one API, `ConsumerGroupHeartbeat`: epoch 0 joins, the member's epoch heartbeats (and
//!   reports the partitions it owns), -1 leaves, -2 is a static member leaving for a while;
//! - the **group epoch** rises when a member joins, leaves, is fenced or changes its
//!   subscription; when it passes the **target assignment epoch**, the next heartbeat runs the
//!   server-side assignor (`uniform` or `range`) and the new target gets the group's epoch;
//! - each member reconciles towards its target on its own heartbeats: it first gives up what it
//!   must (`UNREVOKED_PARTITIONS`, its epoch unchanged), and only once it reported them gone is
//!   its epoch bumped; a partition still held by another member is not handed out
//!   (`UNRELEASED_PARTITIONS`) — revoke before assign, with no group-wide barrier;
//! - a member without a heartbeat for `group.consumer.session.timeout.ms`, or that does not
//!   revoke within its rebalance timeout (`max.poll.interval.ms`), is fenced: removed, its
//!   partitions free, the group epoch bumped.
//!
//! The group is written to `__consumer_offsets` as Kafka writes it: one record per aspect that a
//! change touched (the group epoch, the target's epoch, and each member's subscription, target
//! assignment and current assignment, with a tombstone for each when a member leaves); a new
//! coordinator rebuilds the group by replaying them. Timers are not written: a loaded group's
//! members get a fresh session, as in Kafka.

use super::assignor::{MemberAssignment, MemberSpec, ServerAssignor, TopicPartitions};
use super::shard::Outputs;
use crate::client::consumer::assignor::TopicPartition;
use crate::config::GroupCoordinatorConfig;
use crate::ctx::Node;
use crate::log::coordinator_record::CoordinatorRecord;
use crate::msg::{ErrorCode, PartIdx};
use crate::protocol::group::{
    ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse, GroupResponse,
    LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH,
};
use crate::topology::Topology;
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::Arc;

/// `ConsumerGroup.ConsumerGroupState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ConsumerGroupState {
    Empty,
    Assigning,
    Reconciling,
    Stable,
}

impl ConsumerGroupState {
    pub fn name(self) -> &'static str {
        match self {
            ConsumerGroupState::Empty => "Empty",
            ConsumerGroupState::Assigning => "Assigning",
            ConsumerGroupState::Reconciling => "Reconciling",
            ConsumerGroupState::Stable => "Stable",
        }
    }
}

/// `modern/MemberState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum MemberState {
    Stable,
    UnrevokedPartitions,
    UnreleasedPartitions,
}

impl MemberState {
    pub fn name(self) -> &'static str {
        match self {
            MemberState::Stable => "STABLE",
            MemberState::UnrevokedPartitions => "UNREVOKED_PARTITIONS",
            MemberState::UnreleasedPartitions => "UNRELEASED_PARTITIONS",
        }
    }
}

/// A set of partitions: global partition indexes, ascending, no repeats (a sorted `Vec`, not a
/// `BTreeSet`: the notebook bundle pays for every collection type instantiated).
pub type Parts = Vec<PartIdx>;

fn has(s: &[PartIdx], p: PartIdx) -> bool {
    s.binary_search(&p).is_ok()
}

fn add(s: &mut Parts, p: PartIdx) {
    if let Err(i) = s.binary_search(&p) {
        s.insert(i, p);
    }
}

/// `ConsumerGroupMember`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ConsumerMember {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    pub member_epoch: i32,
    pub previous_member_epoch: i32,
    pub state: MemberState,
    pub rebalance_timeout_ms: u64,
    /// Subscribed topics, sorted.
    pub topics: Vec<String>,
    pub server_assignor: Option<ServerAssignor>,
    /// Partitions the member may own.
    pub assigned: Parts,
    /// Partitions it must give up before its epoch moves on.
    pub pending_revocation: Parts,
    /// Its target assignment.
    pub target: Parts,
}

impl ConsumerMember {
    fn new(member_id: &str, client_id: &str) -> Self {
        ConsumerMember {
            member_id: member_id.to_string(),
            instance_id: None,
            client_id: client_id.to_string(),
            member_epoch: 0,
            previous_member_epoch: 0,
            state: MemberState::Stable,
            rebalance_timeout_ms: 0,
            topics: Vec::new(),
            server_assignor: None,
            assigned: Vec::new(),
            pending_revocation: Vec::new(),
            target: Vec::new(),
        }
    }

    /// `isReconciledTo`.
    fn is_reconciled_to(&self, epoch: i32) -> bool {
        self.state == MemberState::Stable && self.member_epoch == epoch
    }

    /// Owns `p` (assigned or pending revocation): Kafka's partition epoch is this member's.
    fn holds(&self, p: PartIdx) -> bool {
        has(&self.assigned, p) || has(&self.pending_revocation, p)
    }
}

/// Which of a member's three records (`GroupCoordinatorRecordHelpers`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberRecordKind {
    /// `ConsumerGroupMemberMetadataValue`: its subscription (instance and client ids, rebalance
    /// timeout, topics, server assignor).
    Subscription,
    /// `ConsumerGroupTargetAssignmentMemberValue`: its target assignment.
    Target,
    /// `ConsumerGroupCurrentMemberAssignmentValue`: its epochs, state, assigned partitions and
    /// those pending revocation.
    Current,
}

/// One record of a consumer group: each change writes only what changed, and a member's three
/// records each have their tombstone when it leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsumerGroupPart {
    /// `ConsumerGroupMetadataValue`: the group epoch.
    Epoch(i32),
    /// `ConsumerGroupTargetAssignmentMetadataValue`: the target assignment's epoch, and the
    /// assignor that computed it (Kafka does not write it; the view shows it).
    TargetEpoch(i32, Option<ServerAssignor>),
    /// One of a member's records: the member as it was written (shared with the group while it
    /// does not change; only the fields of `kind` are the record's), or its tombstone.
    Member {
        kind: MemberRecordKind,
        member: Arc<ConsumerMember>,
        tombstone: bool,
    },
}

impl ConsumerMember {
    fn same_subscription(&self, o: &ConsumerMember) -> bool {
        self.instance_id == o.instance_id
            && self.client_id == o.client_id
            && self.rebalance_timeout_ms == o.rebalance_timeout_ms
            && self.topics == o.topics
            && self.server_assignor == o.server_assignor
    }

    fn same_current(&self, o: &ConsumerMember) -> bool {
        self.member_epoch == o.member_epoch
            && self.previous_member_epoch == o.previous_member_epoch
            && self.state == o.state
            && self.assigned == o.assigned
            && self.pending_revocation == o.pending_revocation
    }
}

impl ConsumerGroupRecord {
    /// Where member `member_id` is in the list sorted by id (`Err`: where it would go).
    fn position(&self, member_id: &str) -> Result<usize, usize> {
        self.members
            .binary_search_by(|m| m.member_id.as_str().cmp(member_id))
    }

    fn find(&self, member_id: &str) -> Option<&ConsumerMember> {
        self.position(member_id).ok().map(|i| &*self.members[i])
    }

    /// The records that take `before` to `self`, in the order Kafka's heartbeat writes them:
    /// departed members' tombstones (current assignment, target, subscription), subscriptions,
    /// the group epoch, targets, the target's epoch, current assignments.
    fn changes_since(&self, before: &ConsumerGroupRecord) -> Vec<ConsumerGroupPart> {
        use MemberRecordKind::*;
        let record = |kind, member: &Arc<ConsumerMember>, tombstone| ConsumerGroupPart::Member {
            kind,
            member: member.clone(),
            tombstone,
        };
        // Each present member with its earlier self (`None`: it joined), by a merge of the two
        // sorted lists; members whose record is shared with `before` did not change.
        let mut changed: Vec<(&Arc<ConsumerMember>, Option<&ConsumerMember>)> = Vec::new();
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.members.len() || j < before.members.len() {
            let (m, o) = (self.members.get(i), before.members.get(j));
            match (m, o) {
                (Some(m), Some(o)) if m.member_id == o.member_id => {
                    if !Arc::ptr_eq(m, o) {
                        changed.push((m, Some(o)));
                    }
                    i += 1;
                    j += 1;
                }
                (Some(m), o) if o.is_none_or(|o| m.member_id < o.member_id) => {
                    changed.push((m, None));
                    i += 1;
                }
                (_, o) => {
                    let o = o.expect("a member left");
                    out.extend([Current, Target, Subscription].map(|k| record(k, o, true)));
                    j += 1;
                }
            }
        }
        for (m, o) in &changed {
            if o.is_none_or(|o| !m.same_subscription(o)) {
                out.push(record(Subscription, m, false));
            }
        }
        if self.group_epoch != before.group_epoch {
            out.push(ConsumerGroupPart::Epoch(self.group_epoch));
        }
        for (m, o) in &changed {
            if o.is_none_or(|o| m.target != o.target) {
                out.push(record(Target, m, false));
            }
        }
        if (self.assignment_epoch, self.assignor) != (before.assignment_epoch, before.assignor) {
            out.push(ConsumerGroupPart::TargetEpoch(
                self.assignment_epoch,
                self.assignor,
            ));
        }
        for (m, o) in &changed {
            if o.is_none_or(|o| !m.same_current(o)) {
                out.push(record(Current, m, false));
            }
        }
        out
    }

    /// Replays one record (`GroupMetadataManager.replay`): a member exists from its first
    /// record (`getOrMaybeCreateMember`) until its subscription's tombstone.
    pub fn apply(&mut self, part: &ConsumerGroupPart) {
        let (kind, r, tombstone) = match part {
            ConsumerGroupPart::Epoch(e) => {
                self.group_epoch = *e;
                return;
            }
            ConsumerGroupPart::TargetEpoch(e, a) => {
                (self.assignment_epoch, self.assignor) = (*e, *a);
                return;
            }
            ConsumerGroupPart::Member {
                kind,
                member,
                tombstone,
            } => (*kind, &**member, *tombstone),
        };
        let found = self.position(&r.member_id);
        let i = match (found, kind) {
            (Ok(i), MemberRecordKind::Subscription) if tombstone => {
                self.members.remove(i);
                return;
            }
            (Ok(i), _) => i,
            (Err(_), _) if tombstone => return,
            (Err(i), _) => {
                self.members
                    .insert(i, Arc::new(ConsumerMember::new(&r.member_id, "")));
                i
            }
        };
        let m = Arc::make_mut(&mut self.members[i]);
        let blank;
        let r = if tombstone {
            blank = ConsumerMember::new(&r.member_id, "");
            &blank
        } else {
            r
        };
        match kind {
            MemberRecordKind::Subscription => {
                m.instance_id = r.instance_id.clone();
                m.client_id = r.client_id.clone();
                m.rebalance_timeout_ms = r.rebalance_timeout_ms;
                m.topics = r.topics.clone();
                m.server_assignor = r.server_assignor;
            }
            MemberRecordKind::Target => m.target = r.target.clone(),
            MemberRecordKind::Current => {
                m.member_epoch = r.member_epoch;
                m.previous_member_epoch = r.previous_member_epoch;
                m.state = r.state;
                m.assigned = r.assigned.clone();
                m.pending_revocation = r.pending_revocation.clone();
            }
        }
    }
}

/// What the group record keeps: the group without its timers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsumerGroupRecord {
    pub group_epoch: i32,
    /// The target assignment's epoch.
    pub assignment_epoch: i32,
    /// Sorted by member id (Kafka keeps a `HashMap`; the assignors visit members in this order).
    /// Shared, so that a copy of the group taken before a heartbeat costs a pointer per member
    /// and finds what the heartbeat changed by comparing pointers (a group of 1,000 members
    /// heartbeats 200 times a second).
    pub members: Vec<Arc<ConsumerMember>>,
    /// The assignor that computed the current target.
    pub assignor: Option<ServerAssignor>,
}

/// A member's timers (not written: a loaded group gives every member a fresh session).
#[derive(Clone, Debug)]
pub struct MemberTimers {
    pub member_id: String,
    /// When its session expires (µs).
    pub session_us: u64,
    /// `(epoch, deadline µs)`: it must revoke by then.
    pub revoke_by: Option<(i32, u64)>,
}

#[derive(Clone, Debug)]
pub struct ConsumerGroup {
    pub id: Arc<str>,
    pub g: ConsumerGroupRecord,
    pub timers: Vec<MemberTimers>,
}

/// A refusal: the error and Kafka's message.
type Refusal = (ErrorCode, String);

impl ConsumerGroup {
    pub fn new(id: Arc<str>) -> Self {
        ConsumerGroup {
            id,
            g: ConsumerGroupRecord::default(),
            timers: Vec::new(),
        }
    }

    /// Rebuilt from its replayed records (`GroupCoordinatorShard.replay`); every member gets a fresh
    /// session from `now_us`, and one still to revoke partitions a fresh rebalance timeout
    /// (`onLoaded`: `scheduleConsumerGroupRebalanceTimeout`).
    pub fn loaded(
        id: Arc<str>,
        g: ConsumerGroupRecord,
        cfg: &GroupCoordinatorConfig,
        now_us: u64,
    ) -> Self {
        let session = now_us.saturating_add(crate::time::ms_to_us(cfg.consumer_session_timeout_ms));
        let timers = g
            .members
            .iter()
            .map(|m| MemberTimers {
                member_id: m.member_id.clone(),
                session_us: session,
                revoke_by: (m.state == MemberState::UnrevokedPartitions).then(|| {
                    let timeout = crate::time::ms_to_us(m.rebalance_timeout_ms);
                    (m.member_epoch, now_us.saturating_add(timeout))
                }),
            })
            .collect();
        ConsumerGroup { id, g, timers }
    }

    /// Writes the records that take the group from `before` to its present state.
    fn write_changes(&self, before: &ConsumerGroupRecord, out: &mut Outputs) {
        for part in self.g.changes_since(before) {
            out.write(CoordinatorRecord::ConsumerGroup {
                group: self.id.clone(),
                part,
            });
        }
    }

    pub fn group_epoch(&self) -> i32 {
        self.g.group_epoch
    }

    pub fn members(&self) -> &[Arc<ConsumerMember>] {
        &self.g.members
    }

    pub fn assignor(&self) -> Option<ServerAssignor> {
        self.g.assignor
    }

    fn index(&self, member_id: &str) -> Result<usize, usize> {
        self.g.position(member_id)
    }

    fn member(&self, member_id: &str) -> Option<&ConsumerMember> {
        self.g.find(member_id)
    }

    /// Inserts or replaces a member, keeping the order by id.
    fn put(&mut self, m: ConsumerMember) {
        match self.index(&m.member_id) {
            Ok(i) => self.g.members[i] = Arc::new(m),
            Err(i) => self.g.members.insert(i, Arc::new(m)),
        }
    }

    fn timers(&mut self, member_id: &str) -> &mut MemberTimers {
        let i = match self.timers.iter().position(|t| t.member_id == member_id) {
            Some(i) => i,
            None => {
                self.timers.push(MemberTimers {
                    member_id: member_id.to_string(),
                    session_us: u64::MAX,
                    revoke_by: None,
                });
                self.timers.len() - 1
            }
        };
        &mut self.timers[i]
    }

    /// `maybeUpdateGroupState`.
    pub fn state(&self) -> ConsumerGroupState {
        if self.g.members.is_empty() {
            ConsumerGroupState::Empty
        } else if self.g.group_epoch > self.g.assignment_epoch {
            ConsumerGroupState::Assigning
        } else if self
            .g
            .members
            .iter()
            .any(|m| !m.is_reconciled_to(self.g.assignment_epoch))
        {
            ConsumerGroupState::Reconciling
        } else {
            ConsumerGroupState::Stable
        }
    }

    fn static_member(&self, instance: &str) -> Option<&ConsumerMember> {
        self.g
            .members
            .iter()
            .find(|m| m.instance_id.as_deref() == Some(instance))
            .map(|m| &**m)
    }

    /// The assignor for the next target (`ConsumerGroup.computePreferredServerAssignor`): the
    /// one most members ask for (ties to the first configured), else the configured default.
    fn preferred_assignor(&self, cfg: &GroupCoordinatorConfig) -> ServerAssignor {
        let mut best: Option<(usize, ServerAssignor)> = None;
        for a in &cfg.consumer_assignors {
            let n = self
                .g
                .members
                .iter()
                .filter(|m| m.server_assignor == Some(*a))
                .count();
            if n > 0 && best.is_none_or(|(b, _)| n > b) {
                best = Some((n, *a));
            }
        }
        best.map_or(cfg.consumer_assignors[0], |(_, a)| a)
    }

    /// `updateTargetAssignment`: runs the assignor over every member's subscription with its
    /// previous target.
    fn compute_target(&mut self, cfg: &GroupCoordinatorConfig, topo: &Topology, out: &mut Outputs) {
        let assignor = self.preferred_assignor(cfg);
        let mut topics = TopicPartitions::new();
        for t in topo.topics.iter().filter(|t| !t.internal) {
            topics.insert(t.name.clone(), t.partitions as i32);
        }
        let mut specs = Vec::with_capacity(self.g.members.len());
        for m in &self.g.members {
            let mut assignment = MemberAssignment::new();
            for p in &m.target {
                let t = topo.topic_of(*p);
                assignment
                    .entry(t.name.clone())
                    .or_default()
                    .insert((*p - t.first_part) as i32);
            }
            let mut subscribed = BTreeSet::new();
            for t in &m.topics {
                subscribed.insert(t.clone());
            }
            specs.push(MemberSpec {
                member_id: m.member_id.clone(),
                instance_id: m.instance_id.clone(),
                topics: subscribed,
                assignment,
            });
        }
        match assignor.assign(&topics, &specs) {
            Ok(result) => {
                for m in &mut self.g.members {
                    let m = Arc::make_mut(m);
                    m.target.clear();
                    for (t, ps) in result.get(&m.member_id).into_iter().flatten() {
                        let Some(ti) = topo.topic_index(t) else {
                            continue;
                        };
                        let first = topo.topics[ti as usize].first_part;
                        for p in ps {
                            add(&mut m.target, first + *p as PartIdx);
                        }
                    }
                }
            }
            Err(e) => out.note_for(
                &self.id,
                format!("the {} assignor failed: {}", assignor.name(), e.0),
            ),
        }
        self.g.assignor = Some(assignor);
        self.g.assignment_epoch = self.g.group_epoch;
        let mut text = format!(
            "target assignment of epoch {} ({}):",
            self.g.assignment_epoch,
            assignor.name()
        );
        for (i, m) in self.g.members.iter().enumerate() {
            let sep = if i == 0 { " " } else { "; " };
            text.push_str(&format!(
                "{sep}{} [{}]",
                m.client_id,
                names(topo, &m.target)
            ));
        }
        out.note_for(&self.id, text);
    }

    /// `CurrentAssignmentBuilder.build` for member `i` with the partitions it reported owning.
    fn reconcile(&mut self, i: usize, owned: Option<&[PartIdx]>, now_us: u64) {
        let target_epoch = self.g.assignment_epoch;
        let m = &self.g.members[i];
        if m.is_reconciled_to(target_epoch) {
            return;
        }
        let owns_revoked =
            |pending: &[PartIdx]| owned.is_none_or(|o| pending.iter().any(|p| has(o, *p)));
        let epoch = match m.state {
            MemberState::UnrevokedPartitions => {
                if owns_revoked(&m.pending_revocation) {
                    return;
                }
                m.member_epoch + 1
            }
            MemberState::Stable | MemberState::UnreleasedPartitions => m.member_epoch,
        };
        let kept: Parts = m
            .assigned
            .iter()
            .copied()
            .filter(|p| has(&m.target, *p))
            .collect();
        let revoke: Parts = m
            .assigned
            .iter()
            .copied()
            .filter(|p| !has(&kept, *p))
            .collect();
        let mut unreleased = false;
        let mut gained = Vec::new();
        for &p in m.target.iter().filter(|p| !has(&kept, **p)) {
            let elsewhere = self
                .g
                .members
                .iter()
                .enumerate()
                .any(|(j, o)| j != i && o.holds(p));
            if elsewhere {
                unreleased = true;
            } else {
                gained.push(p);
            }
        }
        let before = self.g.members[i].clone();
        let m = Arc::make_mut(&mut self.g.members[i]);
        if !revoke.is_empty() && owns_revoked(&revoke) {
            m.state = MemberState::UnrevokedPartitions;
            m.assigned = kept;
            m.pending_revocation = revoke;
            update_epoch(m, epoch);
        } else {
            let mut assigned = kept;
            for p in gained {
                add(&mut assigned, p);
            }
            m.state = if unreleased {
                MemberState::UnreleasedPartitions
            } else {
                MemberState::Stable
            };
            m.assigned = assigned;
            m.pending_revocation.clear();
            update_epoch(m, target_epoch);
        }
        if *m != *before {
            let revoke_by = (m.state == MemberState::UnrevokedPartitions).then(|| {
                let deadline = now_us.saturating_add(crate::time::ms_to_us(m.rebalance_timeout_ms));
                (m.member_epoch, deadline)
            });
            let id = m.member_id.clone();
            self.timers(&id).revoke_by = revoke_by;
        }
    }

    /// `throwIfConsumerGroupMemberEpochIsInvalid`.
    fn check_epoch(
        m: &ConsumerMember,
        received: i32,
        owned: Option<&[PartIdx]>,
    ) -> Result<(), Refusal> {
        let fenced = |rel: &str| {
            (
                ErrorCode::FencedMemberEpoch,
                format!(
                    "The consumer group member has a {rel} member epoch ({received}) than the one \
                     known by the group coordinator ({}). The member must abandon all its \
                     partitions and rejoin.",
                    m.member_epoch
                ),
            )
        };
        if received > m.member_epoch {
            return Err(fenced("greater"));
        }
        if received < m.member_epoch {
            let subset = owned.is_some_and(|o| o.iter().all(|p| has(&m.assigned, *p)));
            if received != m.previous_member_epoch || !subset {
                return Err(fenced("smaller"));
            }
        }
        Ok(())
    }

    /// Removes a member (`consumerGroupFenceMember` → `removeMember`): its partitions are free
    /// and the group epoch is bumped.
    pub fn fence(&mut self, member_id: &str) {
        if let Ok(i) = self.index(member_id) {
            self.g.members.remove(i);
        }
        self.timers.retain(|t| t.member_id != member_id);
        self.g.group_epoch += 1;
    }

    /// `consumerGroupHeartbeat` and `consumerGroupLeave`.
    pub fn heartbeat(
        &mut self,
        now_us: u64,
        cfg: &GroupCoordinatorConfig,
        from: Node,
        req_id: u64,
        req: ConsumerGroupHeartbeatRequest,
        out: &mut Outputs,
    ) {
        let before = self.g.clone();
        let resp = match self.handle_heartbeat(now_us, cfg, &req, out) {
            Ok(resp) => resp,
            Err((error, message)) => ConsumerGroupHeartbeatResponse {
                error,
                error_message: Some(message),
                member_id: req.member_id.clone(),
                member_epoch: req.member_epoch,
                heartbeat_interval_ms: 0,
                assignment: None,
            },
        };
        let failed = resp.error != ErrorCode::None;
        let resp = GroupResponse::ConsumerGroupHeartbeat(resp);
        let changed = self.g != before;
        if changed {
            self.write_changes(&before, out);
        }
        if failed && !changed {
            out.respond(from, req_id, resp);
        } else {
            // After the group's last write is committed (`CoordinatorRuntime` defers a write
            // operation's answer so): a member must not act on a target assignment its
            // coordinator could still lose.
            out.respond_after_write(from, req_id, resp);
        }
    }

    fn handle_heartbeat(
        &mut self,
        now_us: u64,
        cfg: &GroupCoordinatorConfig,
        req: &ConsumerGroupHeartbeatRequest,
        out: &mut Outputs,
    ) -> Result<ConsumerGroupHeartbeatResponse, Refusal> {
        let topo = out.topo();
        if let Some(a) = req
            .server_assignor
            .filter(|a| !cfg.consumer_assignors.contains(a))
        {
            let names: Vec<&str> = cfg.consumer_assignors.iter().map(|a| a.name()).collect();
            return Err((
                ErrorCode::UnsupportedAssignor,
                format!(
                    "ServerAssignor {} is not supported. Supported assignors: {}.",
                    a.name(),
                    names.join(", ")
                ),
            ));
        }
        let owned: Option<Parts> = req.owned.as_ref().map(|o| {
            let mut s = Parts::new();
            for tp in o {
                if let Some(ti) = topo.topic_index(&tp.topic) {
                    add(
                        &mut s,
                        topo.topics[ti as usize].first_part + tp.partition as PartIdx,
                    );
                }
            }
            s
        });
        if req.member_epoch == LEAVE_GROUP_MEMBER_EPOCH
            || req.member_epoch == LEAVE_GROUP_STATIC_MEMBER_EPOCH
        {
            return self.leave(req, out);
        }
        let client = &req.client_id;
        let joining = req.member_epoch == 0;
        let member_id = req.member_id.clone();
        let unknown = |what: String| (ErrorCode::UnknownMemberId, what);
        // Get or create the member.
        let mut member = match &req.instance_id {
            None => match self.member(&member_id) {
                // A member that rejoins with epoch 0 owns nothing (`TopicPartitions must be
                // empty when (re-)joining`): it starts over.
                Some(m) if joining => {
                    let mut m = m.clone();
                    m.member_epoch = 0;
                    m.previous_member_epoch = 0;
                    m.assigned.clear();
                    m.pending_revocation.clear();
                    m.state = MemberState::Stable;
                    m
                }
                Some(m) => {
                    Self::check_epoch(m, req.member_epoch, owned.as_deref())?;
                    m.clone()
                }
                None if joining => {
                    out.note_for(
                        &self.id,
                        format!("{client} joins with the consumer protocol (member {member_id})"),
                    );
                    ConsumerMember::new(&member_id, client)
                }
                None => {
                    return Err(unknown(format!(
                        "Member {member_id} is not a member of group {}.",
                        self.id
                    )))
                }
            },
            Some(instance) => match self.static_member(instance).cloned() {
                None if joining => {
                    out.note_for(
                        &self.id,
                        format!(
                            "{client} joins with the consumer protocol as static member \
                             {instance} (member {member_id})"
                        ),
                    );
                    ConsumerMember::new(&member_id, client)
                }
                None => return Err(unknown(format!("Instance id {instance} is unknown."))),
                Some(old) if joining && old.member_id != member_id => {
                    if old.member_epoch != LEAVE_GROUP_STATIC_MEMBER_EPOCH {
                        return Err((
                            ErrorCode::UnreleasedInstanceId,
                            format!(
                                "Static member {member_id} with instance id {instance} cannot \
                                 join the group because the instance id is owned by {} member.",
                                old.member_id
                            ),
                        ));
                    }
                    // `replaceMember`: the new member takes the old one's assignment and target.
                    self.fence_quietly(&old.member_id);
                    out.note_for(
                        &self.id,
                        format!(
                            "static member {instance} rejoins as {client}: it replaces member {} \
                             and keeps its partitions (no rebalance)",
                            old.member_id
                        ),
                    );
                    let mut m = old;
                    m.member_id = member_id.clone();
                    m.member_epoch = 0;
                    m.previous_member_epoch = 0;
                    m
                }
                Some(old) => {
                    if old.member_id != member_id {
                        return Err((
                            ErrorCode::FencedInstanceId,
                            format!(
                                "Static member {member_id} with instance id {instance} was fenced \
                                 by member {}.",
                                old.member_id
                            ),
                        ));
                    }
                    if !joining {
                        Self::check_epoch(&old, req.member_epoch, owned.as_deref())?;
                    }
                    old
                }
            },
        };
        // 1. Update the member; a new subscription bumps the group epoch.
        if req.instance_id.is_some() {
            member.instance_id = req.instance_id.clone();
        }
        if let Some(t) = req.rebalance_timeout_ms {
            member.rebalance_timeout_ms = t;
        }
        if req.server_assignor.is_some() {
            member.server_assignor = req.server_assignor;
        }
        member.client_id = client.clone();
        let mut bump = false;
        if let Some(requested) = &req.subscribed_topics {
            // Sorted by insertion (a `sort` would cost the notebook bundle its own copy).
            let mut topics: Vec<String> = Vec::new();
            for t in requested {
                if let Err(i) = topics.binary_search(t) {
                    topics.insert(i, t.clone());
                }
            }
            if topics != member.topics {
                member.topics = topics;
                bump = true;
            }
        }
        let previous_assigned = member.assigned.clone();
        self.put(member);
        if bump {
            self.g.group_epoch += 1;
        }
        // 2. A new target when the group epoch passed the target's.
        if self.g.group_epoch > self.g.assignment_epoch {
            self.compute_target(cfg, topo, out);
        }
        // 3. Reconcile the member.
        let i = self.index(&member_id).expect("just put");
        let before = self.g.members[i].clone();
        self.reconcile(i, owned.as_deref(), now_us);
        let m = &self.g.members[i];
        if *m != before {
            let text = match m.state {
                MemberState::UnrevokedPartitions => format!(
                    "{client} must revoke [{}] before epoch {} (it keeps [{}], epoch {})",
                    names(topo, &m.pending_revocation),
                    self.g.assignment_epoch,
                    names(topo, &m.assigned),
                    m.member_epoch
                ),
                s => format!(
                    "{client} is at epoch {} with [{}]{}",
                    m.member_epoch,
                    names(topo, &m.assigned),
                    if s == MemberState::UnreleasedPartitions {
                        " (waiting for partitions other members still own)"
                    } else {
                        ""
                    }
                ),
            };
            out.note_for(&self.id, text);
        }
        let full = joining
            || (req.rebalance_timeout_ms.is_some()
                && req.subscribed_topics.is_some()
                && req.owned.is_some());
        let assignment = (full || m.assigned != previous_assigned).then(|| {
            m.assigned
                .iter()
                .map(|p| {
                    let t = topo.topic_of(*p);
                    TopicPartition::new(&t.name, (*p - t.first_part) as i32)
                })
                .collect()
        });
        let resp = ConsumerGroupHeartbeatResponse {
            error: ErrorCode::None,
            error_message: None,
            member_id: member_id.clone(),
            member_epoch: m.member_epoch,
            heartbeat_interval_ms: cfg.consumer_heartbeat_interval_ms,
            assignment,
        };
        self.timers(&member_id).session_us =
            now_us.saturating_add(crate::time::ms_to_us(cfg.consumer_session_timeout_ms));
        Ok(resp)
    }

    /// Removes a member without bumping the epoch (a static member being replaced).
    fn fence_quietly(&mut self, member_id: &str) {
        if let Ok(i) = self.index(member_id) {
            self.g.members.remove(i);
        }
        self.timers.retain(|t| t.member_id != member_id);
    }

    /// `consumerGroupLeave`.
    fn leave(
        &mut self,
        req: &ConsumerGroupHeartbeatRequest,
        out: &mut Outputs,
    ) -> Result<ConsumerGroupHeartbeatResponse, Refusal> {
        let member_id = match &req.instance_id {
            None => {
                if self.member(&req.member_id).is_none() {
                    return Err((
                        ErrorCode::UnknownMemberId,
                        format!(
                            "Member {} is not a member of group {}.",
                            req.member_id, self.id
                        ),
                    ));
                }
                req.member_id.clone()
            }
            Some(instance) => {
                let Some(m) = self.static_member(instance) else {
                    return Err((
                        ErrorCode::UnknownMemberId,
                        format!("Instance id {instance} is unknown."),
                    ));
                };
                if m.member_id != req.member_id {
                    return Err((
                        ErrorCode::FencedInstanceId,
                        format!(
                            "Static member {} with instance id {instance} was fenced by member {}.",
                            req.member_id, m.member_id
                        ),
                    ));
                }
                m.member_id.clone()
            }
        };
        let client = &req.client_id;
        if req.member_epoch == LEAVE_GROUP_STATIC_MEMBER_EPOCH && req.instance_id.is_some() {
            let i = self.index(&member_id).expect("checked");
            let m = Arc::make_mut(&mut self.g.members[i]);
            m.member_epoch = LEAVE_GROUP_STATIC_MEMBER_EPOCH;
            m.pending_revocation.clear();
            self.timers(&member_id).revoke_by = None;
            out.note_for(
                &self.id,
                format!(
                    "static member {client} leaves for now (epoch -2): its partitions wait for \
                     it until its session times out"
                ),
            );
        } else {
            self.fence(&member_id);
            out.note_for(
                &self.id,
                format!(
                    "{client} leaves the group; the group epoch is {}",
                    self.g.group_epoch
                ),
            );
        }
        Ok(ConsumerGroupHeartbeatResponse {
            error: ErrorCode::None,
            error_message: None,
            member_id,
            member_epoch: req.member_epoch,
            heartbeat_interval_ms: 0,
            assignment: None,
        })
    }

    /// `validateOffsetCommit`: an admin or standalone commit (epoch < 0) only into an empty
    /// group; a member's commit must carry its current epoch.
    pub fn validate_commit(&self, epoch: i32, member_id: &str) -> ErrorCode {
        if epoch < 0 && self.g.members.is_empty() {
            return ErrorCode::None;
        }
        match self.member(member_id) {
            None => ErrorCode::UnknownMemberId,
            Some(m) if m.member_epoch != epoch => ErrorCode::StaleMemberEpoch,
            Some(_) => ErrorCode::None,
        }
    }

    pub fn next_deadline(&self) -> Option<u64> {
        self.timers
            .iter()
            .flat_map(|t| [Some(t.session_us), t.revoke_by.map(|r| r.1)])
            .flatten()
            .min()
    }

    /// Session and rebalance timeouts due by `now_us`.
    pub fn on_tick(&mut self, now_us: u64, cfg: &GroupCoordinatorConfig, out: &mut Outputs) {
        let before = self.g.clone();
        let due: Vec<MemberTimers> = self
            .timers
            .iter()
            .filter(|t| t.session_us <= now_us || t.revoke_by.is_some_and(|r| r.1 <= now_us))
            .cloned()
            .collect();
        for t in due {
            let (id, session_expired, revoke_by) =
                (t.member_id, t.session_us <= now_us, t.revoke_by);
            let Some(m) = self.member(&id) else {
                self.timers.retain(|t| t.member_id != id);
                continue;
            };
            let client = m.client_id.clone();
            let text = if session_expired {
                format!(
                    "{client}: no heartbeat for group.consumer.session.timeout.ms={}; fenced",
                    cfg.consumer_session_timeout_ms
                )
            } else {
                let (epoch, _) = revoke_by.expect("due");
                if m.member_epoch != epoch || m.state != MemberState::UnrevokedPartitions {
                    self.timers(&id).revoke_by = None;
                    continue;
                }
                format!(
                    "{client} failed to transition from epoch {epoch} within {}ms due to a \
                     timeout; fenced",
                    m.rebalance_timeout_ms
                )
            };
            self.fence(&id);
            out.note_for(
                &self.id,
                format!("{text}, the group epoch is {}", self.g.group_epoch),
            );
        }
        if self.g != before {
            self.write_changes(&before, out);
        }
    }
}

/// `ConsumerGroupMember.Builder.updateMemberEpoch`.
fn update_epoch(m: &mut ConsumerMember, epoch: i32) {
    m.previous_member_epoch = m.member_epoch;
    m.member_epoch = epoch;
}

/// Partitions as `t-0, t-1`.
fn names(topo: &Topology, s: &[PartIdx]) -> String {
    let mut out = String::new();
    for (i, p) in s.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(topo.part_name_ref(*p));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, epoch: i32, assigned: &[PartIdx], target: &[PartIdx]) -> ConsumerMember {
        let mut m = ConsumerMember::new(id, &format!("client-{id}"));
        m.member_epoch = epoch;
        m.topics = vec!["t".to_string()];
        m.assigned = assigned.to_vec();
        m.target = target.to_vec();
        m
    }

    fn group(epoch: i32, members: Vec<ConsumerMember>) -> ConsumerGroupRecord {
        ConsumerGroupRecord {
            group_epoch: epoch,
            assignment_epoch: epoch,
            members: members.into_iter().map(Arc::new).collect(),
            assignor: Some(ServerAssignor::Uniform),
        }
    }

    /// A history of group states: a join, a new target, a reconciliation, a departure and a
    /// member that leaves and comes back with another subscription.
    fn history() -> Vec<ConsumerGroupRecord> {
        let a = |e, asg: &[PartIdx], t: &[PartIdx]| member("a", e, asg, t);
        let b = |e, asg: &[PartIdx], t: &[PartIdx]| member("b", e, asg, t);
        let mut revoking = a(2, &[0], &[0]);
        revoking.state = MemberState::UnrevokedPartitions;
        revoking.pending_revocation = vec![1];
        let mut resubscribed = b(5, &[], &[]);
        resubscribed.topics = vec!["t".to_string(), "u".to_string()];
        vec![
            ConsumerGroupRecord::default(),
            group(1, vec![a(1, &[0, 1], &[0, 1])]),
            group(2, vec![a(1, &[0, 1], &[0]), b(0, &[], &[1])]),
            group(2, vec![revoking, b(0, &[], &[1])]),
            group(2, vec![a(2, &[0], &[0]), b(2, &[1], &[1])]),
            group(3, vec![b(2, &[1], &[0, 1])]),
            group(4, vec![]),
            group(5, vec![resubscribed]),
        ]
    }

    #[test]
    fn replaying_the_written_records_rebuilds_the_group_at_every_step() {
        let states = history();
        let mut replayed = ConsumerGroupRecord::default();
        for w in states.windows(2) {
            for part in w[1].changes_since(&w[0]) {
                replayed.apply(&part);
            }
            assert_eq!(replayed, w[1]);
        }
    }

    #[test]
    fn a_change_writes_only_what_it_touched() {
        let states = history();
        // b joins (subscription, target, current), the epoch moves, a's target shrinks.
        let kinds = |parts: Vec<ConsumerGroupPart>| -> Vec<String> {
            parts
                .iter()
                .map(|p| match p {
                    ConsumerGroupPart::Epoch(e) => format!("epoch {e}"),
                    ConsumerGroupPart::TargetEpoch(e, _) => format!("target epoch {e}"),
                    ConsumerGroupPart::Member {
                        kind,
                        member: m,
                        tombstone,
                    } => match kind {
                        MemberRecordKind::Subscription => {
                            format!("sub {} {}", m.member_id, !tombstone)
                        }
                        MemberRecordKind::Target if *tombstone => {
                            format!("target {} None", m.member_id)
                        }
                        MemberRecordKind::Target => {
                            format!("target {} Some({:?})", m.member_id, m.target)
                        }
                        MemberRecordKind::Current => {
                            format!("current {} {}", m.member_id, !tombstone)
                        }
                    },
                })
                .collect()
        };
        assert_eq!(
            kinds(states[2].changes_since(&states[1])),
            [
                "sub b true",
                "epoch 2",
                "target a Some([0])",
                "target b Some([1])",
                "target epoch 2",
                "current b true"
            ]
        );
        // a reconciles: only its current assignment.
        assert_eq!(
            kinds(states[3].changes_since(&states[2])),
            ["current a true"]
        );
        // a leaves: its three tombstones first, then the epochs and b's new target.
        assert_eq!(
            kinds(states[5].changes_since(&states[4])),
            [
                "current a false",
                "target a None",
                "sub a false",
                "epoch 3",
                "target b Some([0, 1])",
                "target epoch 3"
            ]
        );
    }
}
