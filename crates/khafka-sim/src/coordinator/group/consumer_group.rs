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
use std::collections::{BTreeMap, BTreeSet};
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
    pub topics: BTreeSet<String>,
    pub server_assignor: Option<ServerAssignor>,
    /// Partitions the member may own (global partition indexes).
    pub assigned: BTreeSet<PartIdx>,
    /// Partitions it must give up before its epoch moves on.
    pub pending_revocation: BTreeSet<PartIdx>,
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
            topics: BTreeSet::new(),
            server_assignor: None,
            assigned: BTreeSet::new(),
            pending_revocation: BTreeSet::new(),
        }
    }

    /// `isReconciledTo`.
    fn is_reconciled_to(&self, epoch: i32) -> bool {
        self.state == MemberState::Stable && self.member_epoch == epoch
    }
}

/// What the group record keeps (the group, not its timers).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ConsumerGroupRecord {
    pub group_epoch: i32,
    pub assignment_epoch: i32,
    pub members: Vec<ConsumerMember>,
    /// Member id → target partitions.
    pub target: Vec<(String, Vec<PartIdx>)>,
}

#[derive(Clone, Debug)]
pub struct ConsumerGroup {
    pub id: Arc<str>,
    pub group_epoch: i32,
    /// The target assignment's epoch.
    pub assignment_epoch: i32,
    /// By member id (Kafka keeps a `HashMap`; the assignors visit members in this order).
    pub members: BTreeMap<String, ConsumerMember>,
    pub target: BTreeMap<String, BTreeSet<PartIdx>>,
    /// Member id → when its session expires (µs).
    pub sessions: BTreeMap<String, u64>,
    /// Member id → `(epoch, deadline µs)`: it must revoke by then.
    pub rebalance_deadlines: BTreeMap<String, (i32, u64)>,
    /// Since when the group has no member (offsets expire from then).
    pub empty_since_us: Option<u64>,
    /// The assignor that computed the current target.
    pub assignor: Option<ServerAssignor>,
}

/// A refusal: the error and Kafka's message.
type Refusal = (ErrorCode, String);

impl ConsumerGroup {
    pub fn new(id: Arc<str>) -> Self {
        ConsumerGroup {
            id,
            group_epoch: 0,
            assignment_epoch: 0,
            members: BTreeMap::new(),
            target: BTreeMap::new(),
            sessions: BTreeMap::new(),
            rebalance_deadlines: BTreeMap::new(),
            empty_since_us: None,
            assignor: None,
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
        let mut g = ConsumerGroup::new(id);
        g.group_epoch = r.group_epoch;
        g.assignment_epoch = r.assignment_epoch;
        let session = now_us.saturating_add(crate::time::ms_to_us(cfg.consumer_session_timeout_ms));
        for m in &r.members {
            g.sessions.insert(m.member_id.clone(), session);
            g.members.insert(m.member_id.clone(), m.clone());
        }
        g.target = r
            .target
            .iter()
            .map(|(m, p)| (m.clone(), p.iter().copied().collect()))
            .collect();
        g.empty_since_us = g.members.is_empty().then_some(now_us);
        g
    }

    pub fn record(&self) -> CoordinatorRecord {
        CoordinatorRecord::ConsumerGroup {
            group: self.id.clone(),
            state: Box::new(ConsumerGroupRecord {
                group_epoch: self.group_epoch,
                assignment_epoch: self.assignment_epoch,
                members: self.members.values().cloned().collect(),
                target: self
                    .target
                    .iter()
                    .map(|(m, p)| (m.clone(), p.iter().copied().collect()))
                    .collect(),
            }),
        }
    }

    /// `maybeUpdateGroupState`.
    pub fn state(&self) -> ConsumerGroupState {
        if self.members.is_empty() {
            ConsumerGroupState::Empty
        } else if self.group_epoch > self.assignment_epoch {
            ConsumerGroupState::Assigning
        } else if self
            .members
            .values()
            .any(|m| !m.is_reconciled_to(self.assignment_epoch))
        {
            ConsumerGroupState::Reconciling
        } else {
            ConsumerGroupState::Stable
        }
    }

    /// The member holding `p` (assigned or pending revocation): Kafka's partition epoch ≠ -1.
    fn owner(&self, p: PartIdx) -> Option<&str> {
        self.members
            .values()
            .find(|m| m.assigned.contains(&p) || m.pending_revocation.contains(&p))
            .map(|m| m.member_id.as_str())
    }

    fn static_member(&self, instance: &str) -> Option<&ConsumerMember> {
        self.members
            .values()
            .find(|m| m.instance_id.as_deref() == Some(instance))
    }

    /// The assignor for the next target (`ConsumerGroup.computePreferredServerAssignor`): the
    /// one most members ask for (ties to the first configured), else the configured default.
    fn preferred_assignor(&self, cfg: &GroupCoordinatorConfig) -> ServerAssignor {
        let default = cfg.consumer_assignors[0];
        let mut best: Option<(usize, ServerAssignor)> = None;
        for a in &cfg.consumer_assignors {
            let n = self
                .members
                .values()
                .filter(|m| m.server_assignor == Some(*a))
                .count();
            if n > 0 && best.is_none_or(|(b, _)| n > b) {
                best = Some((n, *a));
            }
        }
        best.map_or(default, |(_, a)| a)
    }

    /// `updateTargetAssignment`: runs the assignor over every member's subscription with its
    /// previous target.
    fn compute_target(&mut self, cfg: &GroupCoordinatorConfig, topo: &Topology, out: &mut Outputs) {
        let assignor = self.preferred_assignor(cfg);
        let topics: TopicPartitions = topo
            .topics
            .iter()
            .filter(|t| !t.internal)
            .map(|t| (t.name.clone(), t.partitions as i32))
            .collect();
        let specs: Vec<MemberSpec> = self
            .members
            .values()
            .map(|m| {
                let mut assignment = MemberAssignment::new();
                for p in self.target.get(&m.member_id).into_iter().flatten() {
                    let t = topo.topic_of(*p);
                    assignment
                        .entry(t.name.clone())
                        .or_default()
                        .insert((*p - t.first_part) as i32);
                }
                MemberSpec {
                    member_id: m.member_id.clone(),
                    instance_id: m.instance_id.clone(),
                    topics: m.topics.clone(),
                    assignment,
                }
            })
            .collect();
        match assignor.assign(&topics, &specs) {
            Ok(result) => {
                self.target = result
                    .into_iter()
                    .map(|(m, a)| {
                        let parts = a
                            .iter()
                            .filter_map(|(t, ps)| {
                                let ti = topo.topic_index(t)?;
                                Some((topo.topics[ti as usize].first_part, ps))
                            })
                            .flat_map(|(first, ps)| ps.iter().map(move |p| first + *p as PartIdx))
                            .collect();
                        (m, parts)
                    })
                    .collect();
            }
            Err(e) => out.note_for(
                &self.id,
                format!("the {} assignor failed: {}", assignor.name(), e.0),
            ),
        }
        self.assignor = Some(assignor);
        self.assignment_epoch = self.group_epoch;
        let parts: Vec<String> = self
            .target
            .iter()
            .map(|(m, ps)| {
                let client = self
                    .members
                    .get(m)
                    .map_or(m.as_str(), |m| m.client_id.as_str());
                let names: Vec<String> =
                    ps.iter().map(|p| topo.part_name(*p).to_string()).collect();
                format!("{client} [{}]", names.join(", "))
            })
            .collect();
        out.note_for(
            &self.id,
            format!(
                "target assignment of epoch {} ({}): {}",
                self.assignment_epoch,
                assignor.name(),
                parts.join("; ")
            ),
        );
    }

    /// `CurrentAssignmentBuilder.build` for `member_id` with the partitions it reported owning.
    fn reconcile(&mut self, member_id: &str, owned: Option<&BTreeSet<PartIdx>>, now_us: u64) {
        let Some(m) = self.members.get(member_id) else {
            return;
        };
        if m.is_reconciled_to(self.assignment_epoch) {
            return;
        }
        let owns_revoked = |pending: &BTreeSet<PartIdx>| {
            owned.is_none_or(|o| pending.iter().any(|p| o.contains(p)))
        };
        let (epoch, current) = match m.state {
            MemberState::Stable => (m.member_epoch, m.assigned.clone()),
            MemberState::UnrevokedPartitions => {
                if owns_revoked(&m.pending_revocation) {
                    return;
                }
                (m.member_epoch + 1, m.assigned.clone())
            }
            MemberState::UnreleasedPartitions => (m.member_epoch, m.assigned.clone()),
        };
        let target = self.target.get(member_id).cloned().unwrap_or_default();
        let kept: BTreeSet<PartIdx> = current.intersection(&target).copied().collect();
        let revoke: BTreeSet<PartIdx> = current.difference(&kept).copied().collect();
        let mut unreleased = false;
        let mut add = BTreeSet::new();
        for p in target.difference(&kept) {
            if self.owner(*p).is_some_and(|o| o != member_id) {
                unreleased = true;
            } else {
                add.insert(*p);
            }
        }
        let target_epoch = self.assignment_epoch;
        let m = self.members.get_mut(member_id).expect("looked up");
        let before = m.clone();
        if !revoke.is_empty() && owns_revoked(&revoke) {
            m.state = MemberState::UnrevokedPartitions;
            m.assigned = kept;
            m.pending_revocation = revoke;
            Self::update_epoch(m, epoch);
        } else {
            let mut assigned = kept;
            assigned.extend(add);
            m.state = if unreleased {
                MemberState::UnreleasedPartitions
            } else {
                MemberState::Stable
            };
            m.assigned = assigned;
            m.pending_revocation.clear();
            Self::update_epoch(m, target_epoch);
        }
        if *m != before {
            if m.state == MemberState::UnrevokedPartitions {
                let deadline = now_us.saturating_add(crate::time::ms_to_us(m.rebalance_timeout_ms));
                self.rebalance_deadlines
                    .insert(member_id.to_string(), (m.member_epoch, deadline));
            } else {
                self.rebalance_deadlines.remove(member_id);
            }
        }
    }

    /// `ConsumerGroupMember.Builder.updateMemberEpoch`.
    fn update_epoch(m: &mut ConsumerMember, epoch: i32) {
        m.previous_member_epoch = m.member_epoch;
        m.member_epoch = epoch;
    }

    /// `throwIfConsumerGroupMemberEpochIsInvalid`.
    fn check_epoch(
        m: &ConsumerMember,
        received: i32,
        owned: Option<&BTreeSet<PartIdx>>,
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
            let subset = owned.is_some_and(|o| o.is_subset(&m.assigned));
            if received != m.previous_member_epoch || !subset {
                return Err(fenced("smaller"));
            }
        }
        Ok(())
    }

    /// Removes a member (`consumerGroupFenceMember` → `removeMember`): its partitions are free
    /// and the group epoch is bumped.
    pub fn fence(&mut self, member_id: &str, now_us: u64) {
        self.members.remove(member_id);
        self.target.remove(member_id);
        self.sessions.remove(member_id);
        self.rebalance_deadlines.remove(member_id);
        self.group_epoch += 1;
        if self.members.is_empty() {
            self.empty_since_us = Some(now_us);
        }
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
        let before = self.record();
        let result = self.handle_heartbeat(now_us, cfg, &req, out);
        let resp = match result {
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
        let changed = self.record() != before;
        if changed {
            out.write(self.record());
            out.respond_after_write(from, req_id, GroupResponse::ConsumerGroupHeartbeat(resp));
        } else {
            out.respond(from, req_id, GroupResponse::ConsumerGroupHeartbeat(resp));
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
        let owned: Option<BTreeSet<PartIdx>> = req.owned.as_ref().map(|o| {
            o.iter()
                .filter_map(|tp| {
                    let ti = topo.topic_index(&tp.topic)?;
                    Some(topo.topics[ti as usize].first_part + tp.partition as PartIdx)
                })
                .collect()
        });
        let client = &req.client_id;
        if req.member_epoch == LEAVE_GROUP_MEMBER_EPOCH
            || req.member_epoch == LEAVE_GROUP_STATIC_MEMBER_EPOCH
        {
            return self.leave(now_us, req, out);
        }
        let joining = req.member_epoch == 0;
        let member_id = req.member_id.clone();
        // Get or create the member.
        let mut member = match &req.instance_id {
            None => match self.members.get(&member_id) {
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
                    Self::check_epoch(m, req.member_epoch, owned.as_ref())?;
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
                    return Err((
                        ErrorCode::UnknownMemberId,
                        format!("Member {member_id} is not a member of group {}.", self.id),
                    ))
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
                None => {
                    return Err((
                        ErrorCode::UnknownMemberId,
                        format!("Instance id {instance} is unknown."),
                    ))
                }
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
                    let mut m = old.clone();
                    m.member_id = member_id.clone();
                    m.member_epoch = 0;
                    m.previous_member_epoch = 0;
                    m.client_id = client.clone();
                    self.members.remove(&old.member_id);
                    self.sessions.remove(&old.member_id);
                    self.rebalance_deadlines.remove(&old.member_id);
                    if let Some(t) = self.target.remove(&old.member_id) {
                        self.target.insert(member_id.clone(), t);
                    }
                    out.note_for(
                        &self.id,
                        format!(
                            "static member {instance} rejoins as {client}: it replaces member {} \
                             and keeps its partitions (no rebalance)",
                            old.member_id
                        ),
                    );
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
                        Self::check_epoch(&old, req.member_epoch, owned.as_ref())?;
                    }
                    old
                }
            },
        };
        // 1. Update the member; a new subscription bumps the group epoch.
        member.instance_id = req.instance_id.clone().or(member.instance_id);
        if let Some(t) = req.rebalance_timeout_ms {
            member.rebalance_timeout_ms = t;
        }
        if req.server_assignor.is_some() {
            member.server_assignor = req.server_assignor;
        }
        member.client_id = client.clone();
        let mut bump = false;
        if let Some(topics) = &req.subscribed_topics {
            let topics: BTreeSet<String> = topics.iter().cloned().collect();
            if topics != member.topics {
                member.topics = topics;
                bump = true;
            }
        }
        self.members.insert(member_id.clone(), member);
        self.empty_since_us = None;
        let previous_assigned = self.members[&member_id].assigned.clone();
        if bump {
            self.group_epoch += 1;
        }
        // 2. A new target when the group epoch passed the target's.
        if self.group_epoch > self.assignment_epoch {
            self.compute_target(cfg, topo, out);
        }
        // 3. Reconcile the member.
        let before = self.members[&member_id].clone();
        self.reconcile(&member_id, owned.as_ref(), now_us);
        let m = &self.members[&member_id];
        if *m != before {
            let names = |s: &BTreeSet<PartIdx>| -> String {
                s.iter()
                    .map(|p| topo.part_name(*p).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let text = match m.state {
                MemberState::UnrevokedPartitions => format!(
                    "{client} must revoke [{}] before epoch {} (it keeps [{}], epoch {})",
                    names(&m.pending_revocation),
                    self.assignment_epoch,
                    names(&m.assigned),
                    m.member_epoch
                ),
                s => format!(
                    "{client} is at epoch {} with [{}]{}",
                    m.member_epoch,
                    names(&m.assigned),
                    if s == MemberState::UnreleasedPartitions {
                        " (waiting for partitions other members still own)"
                    } else {
                        ""
                    }
                ),
            };
            out.note_for(&self.id, text);
        }
        self.sessions.insert(
            member_id.clone(),
            now_us.saturating_add(crate::time::ms_to_us(cfg.consumer_session_timeout_ms)),
        );
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
        Ok(ConsumerGroupHeartbeatResponse {
            error: ErrorCode::None,
            error_message: None,
            member_id,
            member_epoch: m.member_epoch,
            heartbeat_interval_ms: cfg.consumer_heartbeat_interval_ms,
            assignment,
        })
    }

    /// `consumerGroupLeave`.
    fn leave(
        &mut self,
        now_us: u64,
        req: &ConsumerGroupHeartbeatRequest,
        out: &mut Outputs,
    ) -> Result<ConsumerGroupHeartbeatResponse, Refusal> {
        let member_id = match &req.instance_id {
            None => {
                if !self.members.contains_key(&req.member_id) {
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
        let client = req.client_id.clone();
        if req.member_epoch == LEAVE_GROUP_STATIC_MEMBER_EPOCH && req.instance_id.is_some() {
            let m = self.members.get_mut(&member_id).expect("checked");
            m.member_epoch = LEAVE_GROUP_STATIC_MEMBER_EPOCH;
            m.pending_revocation.clear();
            self.rebalance_deadlines.remove(&member_id);
            out.note_for(
                &self.id,
                format!(
                    "static member {client} leaves for now (epoch -2): its partitions wait for \
                     it until its session times out"
                ),
            );
        } else {
            self.fence(&member_id, now_us);
            out.note_for(
                &self.id,
                format!(
                    "{client} leaves the group; the group epoch is {}",
                    self.group_epoch
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
        if epoch < 0 && self.members.is_empty() {
            return ErrorCode::None;
        }
        match self.members.get(member_id) {
            None => ErrorCode::UnknownMemberId,
            Some(m) if m.member_epoch != epoch => ErrorCode::StaleMemberEpoch,
            Some(_) => ErrorCode::None,
        }
    }

    pub fn next_deadline(&self) -> Option<u64> {
        self.sessions
            .values()
            .copied()
            .chain(self.rebalance_deadlines.values().map(|d| d.1))
            .min()
    }

    /// Session and rebalance timeouts due by `now_us`.
    pub fn on_tick(&mut self, now_us: u64, cfg: &GroupCoordinatorConfig, out: &mut Outputs) {
        let before = self.record();
        let expired: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, d)| **d <= now_us)
            .map(|(m, _)| m.clone())
            .collect();
        for id in expired {
            let client = self.members.get(&id).map(|m| m.client_id.clone());
            self.fence(&id, now_us);
            out.note_for(
                &self.id,
                format!(
                    "{}: no heartbeat for group.consumer.session.timeout.ms={}; fenced, the group \
                     epoch is {}",
                    client.unwrap_or(id),
                    cfg.consumer_session_timeout_ms,
                    self.group_epoch
                ),
            );
        }
        let late: Vec<(String, i32)> = self
            .rebalance_deadlines
            .iter()
            .filter(|(_, d)| d.1 <= now_us)
            .map(|(m, d)| (m.clone(), d.0))
            .collect();
        for (id, epoch) in late {
            let Some(m) = self.members.get(&id) else {
                self.rebalance_deadlines.remove(&id);
                continue;
            };
            if m.member_epoch != epoch || m.state != MemberState::UnrevokedPartitions {
                self.rebalance_deadlines.remove(&id);
                continue;
            }
            let (client, timeout) = (m.client_id.clone(), m.rebalance_timeout_ms);
            self.fence(&id, now_us);
            out.note_for(
                &self.id,
                format!(
                    "{client} failed to transition from epoch {epoch} within {timeout}ms due to a \
                     timeout; fenced, the group epoch is {}",
                    self.group_epoch
                ),
            );
        }
        if self.record() != before {
            out.write(self.record());
        }
    }
}
