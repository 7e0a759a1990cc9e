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
//! The group is written to `__consumer_offsets` as one record per change holding the whole group
//! (Kafka writes one record per aspect: the group epoch, each member's subscription, target
//! assignment and current assignment); a new coordinator rebuilds it from the last one. Timers
//! are not written: a loaded group's members get a fresh session, as in Kafka.

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

/// What the group record keeps: the group without its timers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct ConsumerGroupRecord {
    pub group_epoch: i32,
    /// The target assignment's epoch.
    pub assignment_epoch: i32,
    /// Sorted by member id (Kafka keeps a `HashMap`; the assignors visit members in this order).
    pub members: Vec<ConsumerMember>,
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

    /// Rebuilt from its last record (`GroupCoordinatorShard.replay`); every member gets a fresh
    /// session from `now_us`.
    pub fn loaded(
        id: Arc<str>,
        r: &ConsumerGroupRecord,
        cfg: &GroupCoordinatorConfig,
        now_us: u64,
    ) -> Self {
        let session = now_us.saturating_add(crate::time::ms_to_us(cfg.consumer_session_timeout_ms));
        ConsumerGroup {
            id,
            g: r.clone(),
            timers: r
                .members
                .iter()
                .map(|m| MemberTimers {
                    member_id: m.member_id.clone(),
                    session_us: session,
                    revoke_by: None,
                })
                .collect(),
        }
    }

    pub fn record(&self) -> CoordinatorRecord {
        CoordinatorRecord::ConsumerGroup {
            group: self.id.clone(),
            state: Box::new(self.g.clone()),
        }
    }

    pub fn group_epoch(&self) -> i32 {
        self.g.group_epoch
    }

    pub fn members(&self) -> &[ConsumerMember] {
        &self.g.members
    }

    pub fn assignor(&self) -> Option<ServerAssignor> {
        self.g.assignor
    }

    fn index(&self, member_id: &str) -> Result<usize, usize> {
        self.g
            .members
            .binary_search_by(|m| m.member_id.as_str().cmp(member_id))
    }

    fn member(&self, member_id: &str) -> Option<&ConsumerMember> {
        self.index(member_id).ok().map(|i| &self.g.members[i])
    }

    /// Inserts or replaces a member, keeping the order by id.
    fn put(&mut self, m: ConsumerMember) {
        match self.index(&m.member_id) {
            Ok(i) => self.g.members[i] = m,
            Err(i) => self.g.members.insert(i, m),
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
        let m = &mut self.g.members[i];
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
        if *m != before {
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
            out.write(self.record());
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
            let m = &mut self.g.members[i];
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
            out.write(self.record());
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
