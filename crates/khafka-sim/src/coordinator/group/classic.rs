//! A classic-protocol group (`ClassicGroup`, `ClassicGroupMember` and the classic paths of
//! `GroupMetadataManager`, group-coordinator/.../classic/ and GroupMetadataManager.java, Kafka
//! 4.1; the rules are kafka-semantics.md §8.1).
//!
//! States: `Empty` → `PreparingRebalance` (join phase) → `CompletingRebalance` (sync phase) →
//! `Stable`. A dynamic member's first JoinGroup gets `MEMBER_ID_REQUIRED` and a generated id
//! (KIP-394); the join phase ends when every member has rejoined, or after the rebalance timeout
//! (the largest `max.poll.interval.ms` among members), or — for a group that was Empty — after
//! `group.initial.rebalance.delay.ms`, extended while new members keep arriving
//! (`tryCompleteInitialRebalanceElseSchedule`). Completing the join increments the generation,
//! selects the protocol by vote (`selectProtocol`) and hands the leader every member's
//! subscription; the leader's SyncGroup carries the assignment, which the coordinator writes to
//! `__consumer_offsets` before answering the members. A member whose session expires, or who
//! leaves, triggers a rebalance.

use super::shard::Outputs;
use crate::client::consumer::assignor::TopicPartition;
use crate::config::GroupCoordinatorConfig;
use crate::ctx::Node;
use crate::log::coordinator_record::{CoordinatorRecord, MemberRecord};
use crate::msg::ErrorCode;
use crate::protocol::group::{
    GroupResponse, JoinGroupMember, JoinGroupRequest, JoinGroupResponse, ProtocolMetadata,
};
use serde::Serialize;
use std::sync::Arc;

/// `ClassicGroupState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ClassicGroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}

impl ClassicGroupState {
    /// Kafka's name (`ClassicGroupState.toString`).
    pub fn name(self) -> &'static str {
        match self {
            ClassicGroupState::Empty => "Empty",
            ClassicGroupState::PreparingRebalance => "PreparingRebalance",
            ClassicGroupState::CompletingRebalance => "CompletingRebalance",
            ClassicGroupState::Stable => "Stable",
            ClassicGroupState::Dead => "Dead",
        }
    }
}

/// A parked request: who sent it and its id.
pub type Parked = (Node, u64);

/// `ClassicGroupMember`.
#[derive(Clone, Debug)]
pub struct ClassicMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    pub protocols: Vec<(String, ProtocolMetadata)>,
    pub assignment: Vec<TopicPartition>,
    pub awaiting_join: Option<Parked>,
    pub awaiting_sync: Option<Parked>,
    /// It has not sent its SyncGroup of this generation (`pendingSyncMembers`).
    pub pending_sync: bool,
    /// When the member's session expires without a heartbeat (µs); `None` while it awaits a join
    /// response (Kafka's new-member join timeout stands in the rebalance timeout here).
    pub deadline_us: Option<u64>,
}

impl ClassicMember {
    /// `ClassicGroupMember.vote`: the first of its protocols among the candidates.
    fn vote(&self, candidates: &[String]) -> Option<String> {
        self.protocols
            .iter()
            .map(|(n, _)| n)
            .find(|n| candidates.contains(n))
            .cloned()
    }

    fn metadata(&self, protocol: &str) -> ProtocolMetadata {
        self.protocols
            .iter()
            .find(|(n, _)| n == protocol)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }
}

/// `ClassicGroup`. Members are kept in the order they were added (Kafka's `LinkedHashMap`-like
/// iteration for the leader's member list).
#[derive(Clone, Debug)]
pub struct ClassicGroup {
    pub id: Arc<str>,
    pub state: ClassicGroupState,
    pub previous_state: ClassicGroupState,
    pub generation: i32,
    pub protocol: Option<String>,
    pub leader: Option<String>,
    pub members: Vec<ClassicMember>,
    /// Member ids handed out with `MEMBER_ID_REQUIRED`, with their expiry (µs).
    pub pending_members: Vec<(String, u64)>,
    pub new_member_added: bool,
    /// The join phase's timer (µs) and, during an initial rebalance, `(delay, remaining)` (ms).
    pub join_deadline_us: Option<u64>,
    pub initial_delay: Option<(u64, u64)>,
    /// The sync phase's timer (µs).
    pub sync_deadline_us: Option<u64>,
    /// When the group became Empty (`currentStateTimestamp` while Empty; offsets retention).
    pub empty_since_us: Option<u64>,
}

impl ClassicGroup {
    pub fn new(id: Arc<str>) -> Self {
        ClassicGroup {
            id,
            state: ClassicGroupState::Empty,
            previous_state: ClassicGroupState::Empty,
            generation: 0,
            protocol: None,
            leader: None,
            members: Vec::new(),
            pending_members: Vec::new(),
            new_member_added: false,
            join_deadline_us: None,
            initial_delay: None,
            sync_deadline_us: None,
            empty_since_us: None,
        }
    }

    /// The group as a loaded `GroupMetadataValue` left it: Empty without members, else Stable
    /// with each member's session restarting now (`onLoaded` reschedules every heartbeat).
    pub fn loaded(
        id: Arc<str>,
        generation: i32,
        protocol: Option<String>,
        leader: Option<String>,
        members: &[MemberRecord],
        topo: &crate::topology::Topology,
        now_us: u64,
    ) -> Self {
        let mut g = ClassicGroup::new(id);
        g.generation = generation;
        if members.is_empty() {
            return g;
        }
        g.state = ClassicGroupState::Stable;
        g.protocol = protocol;
        g.leader = leader;
        g.members = members
            .iter()
            .map(|m| ClassicMember {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                client_id: m.client_id.clone(),
                session_timeout_ms: m.session_timeout_ms,
                rebalance_timeout_ms: m.rebalance_timeout_ms,
                protocols: vec![(
                    g.protocol.clone().unwrap_or_default(),
                    ProtocolMetadata {
                        topics: m.topics.clone(),
                        owned_partitions: Vec::new(),
                        generation: -1,
                    },
                )],
                assignment: m
                    .assignment
                    .iter()
                    .map(|&p| {
                        let info = &topo.parts[p as usize];
                        TopicPartition::new(
                            &topo.topics[info.topic as usize].name,
                            info.partition as i32,
                        )
                    })
                    .collect(),
                awaiting_join: None,
                awaiting_sync: None,
                pending_sync: false,
                deadline_us: Some(now_us + crate::time::ms_to_us(m.session_timeout_ms)),
            })
            .collect();
        g
    }

    fn member_index(&self, member_id: &str) -> Option<usize> {
        self.members.iter().position(|m| m.member_id == member_id)
    }

    /// `ClassicGroup.validateMember`: a static member's instance must be held by this member id
    /// (another id holds it: `FENCED_INSTANCE_ID`, the instance was replaced), and the member
    /// must be known.
    fn validate_member(&self, member_id: &str, instance: Option<&str>) -> Result<usize, ErrorCode> {
        if let Some(instance) = instance {
            match self
                .members
                .iter()
                .find(|m| m.group_instance_id.as_deref() == Some(instance))
            {
                None => return Err(ErrorCode::UnknownMemberId),
                Some(m) if m.member_id != member_id => return Err(ErrorCode::FencedInstanceId),
                Some(_) => {}
            }
        }
        self.member_index(member_id)
            .ok_or(ErrorCode::UnknownMemberId)
    }

    pub fn member(&self, member_id: &str) -> Option<&ClassicMember> {
        self.members.iter().find(|m| m.member_id == member_id)
    }

    fn rebalance_timeout_ms(&self) -> u64 {
        self.members
            .iter()
            .map(|m| m.rebalance_timeout_ms)
            .max()
            .unwrap_or(0)
    }

    fn transition(&mut self, to: ClassicGroupState) {
        self.previous_state = self.state;
        self.state = to;
    }

    /// `hasAllMembersJoined`.
    fn all_members_joined(&self) -> bool {
        self.members.iter().all(|m| m.awaiting_join.is_some()) && self.pending_members.is_empty()
    }

    /// `candidateProtocols`: the protocols every member supports, in the first member's order.
    fn candidate_protocols(&self) -> Vec<String> {
        let Some(first) = self.members.first() else {
            return Vec::new();
        };
        first
            .protocols
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| {
                self.members
                    .iter()
                    .all(|m| m.protocols.iter().any(|(x, _)| x == n))
            })
            .collect()
    }

    /// `selectProtocol`: each member votes for its first candidate, the most votes win. Kafka
    /// breaks a tie by `HashMap` order; here the protocol first in the candidates' order wins.
    fn select_protocol(&self) -> Option<String> {
        let candidates = self.candidate_protocols();
        let mut votes: Vec<(String, u32)> = candidates.iter().map(|c| (c.clone(), 0)).collect();
        for m in &self.members {
            if let Some(v) = m.vote(&candidates) {
                if let Some(e) = votes.iter_mut().find(|(n, _)| *n == v) {
                    e.1 += 1;
                }
            }
        }
        let best = votes.iter().map(|v| v.1).max()?;
        votes.into_iter().find(|v| v.1 == best).map(|v| v.0)
    }

    /// `supportsProtocols`: an Empty group takes anything; otherwise some protocol of the joiner
    /// must be one every member supports.
    fn supports(&self, protocols: &[(String, ProtocolMetadata)]) -> bool {
        if self.state == ClassicGroupState::Empty || self.members.is_empty() {
            return !protocols.is_empty();
        }
        let candidates = self.candidate_protocols();
        protocols.iter().any(|(n, _)| candidates.contains(n))
    }

    fn join_response(&self, member_id: &str, error: ErrorCode) -> GroupResponse {
        let is_leader = self.leader.as_deref() == Some(member_id);
        let protocol = self.protocol.clone();
        let members = if is_leader && error == ErrorCode::None {
            let p = protocol.clone().unwrap_or_default();
            self.members
                .iter()
                .map(|m| JoinGroupMember {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.group_instance_id.clone(),
                    metadata: m.metadata(&p),
                })
                .collect()
        } else {
            Vec::new()
        };
        GroupResponse::JoinGroup(JoinGroupResponse {
            error,
            generation: self.generation,
            protocol_name: protocol,
            leader: self.leader.clone().unwrap_or_default(),
            member_id: member_id.to_string(),
            members,
        })
    }

    /// The group metadata record of the current generation.
    pub fn metadata_record(&self, topo: &crate::topology::Topology) -> CoordinatorRecord {
        CoordinatorRecord::GroupMetadata {
            group: self.id.clone(),
            generation: self.generation,
            protocol: self.protocol.clone(),
            leader: self.leader.clone(),
            members: self
                .members
                .iter()
                .map(|m| MemberRecord {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.group_instance_id.clone(),
                    client_id: m.client_id.clone(),
                    session_timeout_ms: m.session_timeout_ms,
                    rebalance_timeout_ms: m.rebalance_timeout_ms,
                    topics: m
                        .protocols
                        .first()
                        .map(|(_, md)| md.topics.clone())
                        .unwrap_or_default(),
                    assignment: m
                        .assignment
                        .iter()
                        .filter_map(|tp| {
                            topo.part_index(&crate::spec::TopicPartition::new(
                                tp.topic.clone(),
                                tp.partition as u32,
                            ))
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    // ------------------------------------------------------------------ JoinGroup

    /// `classicGroupJoin`. `new_member_id` makes a member id (`clientId-UUID`).
    #[allow(clippy::too_many_arguments)]
    pub fn join(
        &mut self,
        now_us: u64,
        cfg: &GroupCoordinatorConfig,
        from: Node,
        req_id: u64,
        req: JoinGroupRequest,
        new_member_id: &mut dyn FnMut(&str) -> String,
        out: &mut Outputs,
    ) {
        let reply = |out: &mut Outputs, member_id: &str, error: ErrorCode| {
            out.respond(
                from,
                req_id,
                GroupResponse::JoinGroup(JoinGroupResponse {
                    error,
                    generation: -1,
                    protocol_name: None,
                    leader: String::new(),
                    member_id: member_id.to_string(),
                    members: Vec::new(),
                }),
            );
        };
        if req.session_timeout_ms < cfg.group_min_session_timeout_ms
            || req.session_timeout_ms > cfg.group_max_session_timeout_ms
        {
            return reply(out, &req.member_id, ErrorCode::InvalidSessionTimeout);
        }
        if self.state == ClassicGroupState::Dead {
            return reply(out, &req.member_id, ErrorCode::CoordinatorNotAvailable);
        }
        if !self.supports(&req.protocols) {
            return reply(out, &req.member_id, ErrorCode::InconsistentGroupProtocol);
        }
        if req.member_id.is_empty() {
            if let Some(instance) = req.group_instance_id.clone() {
                return self.join_static_unknown(
                    now_us,
                    cfg,
                    from,
                    req_id,
                    req,
                    &instance,
                    new_member_id,
                    out,
                );
            }
            // KIP-394: register a pending member and ask it to join again with its id.
            let id = new_member_id(&req.client_id);
            self.pending_members.push((
                id.clone(),
                now_us + crate::time::ms_to_us(req.session_timeout_ms),
            ));
            return reply(out, &id, ErrorCode::MemberIdRequired);
        }
        if let Some(i) = self
            .pending_members
            .iter()
            .position(|(m, _)| *m == req.member_id)
        {
            self.pending_members.remove(i);
            let id = req.member_id.clone();
            return self.add_member_and_rebalance(now_us, cfg, from, req_id, req, id, out);
        }
        let i = match self.validate_member(&req.member_id, req.group_instance_id.as_deref()) {
            Ok(i) => i,
            Err(e) => return reply(out, &req.member_id, e),
        };
        let same = self.members[i].protocols == req.protocols;
        let is_leader = self.leader.as_deref() == Some(req.member_id.as_str());
        match self.state {
            ClassicGroupState::PreparingRebalance => {
                self.update_member(i, from, req_id, req);
                self.maybe_complete_join(now_us, cfg, out);
            }
            ClassicGroupState::CompletingRebalance if same => {
                let r = self.join_response(&req.member_id, ErrorCode::None);
                out.respond(from, req_id, r);
            }
            ClassicGroupState::Stable if same && !is_leader => {
                // A follower with unchanged metadata: the current generation, no rebalance.
                let r = self.join_response(&req.member_id, ErrorCode::None);
                out.respond(from, req_id, r);
            }
            _ => {
                self.update_member(i, from, req_id, req);
                self.prepare_rebalance(now_us, cfg, out);
            }
        }
    }

    /// A static member joining without a member id: a known instance gets a new member id and
    /// takes the old member's place (in Stable, with its old assignment and no rebalance —
    /// `updateStaticMemberThenRebalanceOrCompleteJoin`); an unknown one is added at once (static
    /// members never get `MEMBER_ID_REQUIRED`).
    #[allow(clippy::too_many_arguments)]
    fn join_static_unknown(
        &mut self,
        now_us: u64,
        cfg: &GroupCoordinatorConfig,
        from: Node,
        req_id: u64,
        req: JoinGroupRequest,
        instance: &str,
        new_member_id: &mut dyn FnMut(&str) -> String,
        out: &mut Outputs,
    ) {
        let id = new_member_id(instance);
        let Some(i) = self
            .members
            .iter()
            .position(|m| m.group_instance_id.as_deref() == Some(instance))
        else {
            return self.add_member_and_rebalance(now_us, cfg, from, req_id, req, id, out);
        };
        let old_id = std::mem::replace(&mut self.members[i].member_id, id.clone());
        if self.leader.as_deref() == Some(old_id.as_str()) {
            self.leader = Some(id.clone());
        }
        // The old member's parked requests are fenced.
        if let Some((n, r)) = self.members[i].awaiting_join.take() {
            let resp = self.join_response(&old_id, ErrorCode::FencedInstanceId);
            out.respond(n, r, resp);
        }
        if let Some((n, r)) = self.members[i].awaiting_sync.take() {
            out.respond(
                n,
                r,
                GroupResponse::SyncGroup {
                    error: ErrorCode::FencedInstanceId,
                    assignment: Vec::new(),
                },
            );
        }
        // Kafka stores the new process's protocols first, then asks whether the protocol the group
        // would select for its next generation is still the one it has: the subscriptions
        // themselves (a new process's generation -1, nothing owned) may differ.
        self.members[i].protocols = req.protocols.clone();
        let same = self.select_protocol() == self.protocol;
        match self.state {
            ClassicGroupState::Stable if same => {
                self.members[i].deadline_us =
                    Some(now_us + crate::time::ms_to_us(req.session_timeout_ms));
                self.members[i].session_timeout_ms = req.session_timeout_ms;
                self.members[i].rebalance_timeout_ms = req.rebalance_timeout_ms;
                self.members[i].client_id = req.client_id.clone();
                let r = self.join_response(&id, ErrorCode::None);
                out.respond(from, req_id, r);
                let rec = self.metadata_record(out.topo());
                out.write(rec);
            }
            ClassicGroupState::PreparingRebalance => {
                self.update_member(i, from, req_id, req);
                self.maybe_complete_join(now_us, cfg, out);
            }
            _ => {
                self.update_member(i, from, req_id, req);
                self.prepare_rebalance(now_us, cfg, out);
            }
        }
    }

    fn update_member(&mut self, i: usize, from: Node, req_id: u64, req: JoinGroupRequest) {
        let m = &mut self.members[i];
        m.protocols = req.protocols;
        m.session_timeout_ms = req.session_timeout_ms;
        m.rebalance_timeout_ms = req.rebalance_timeout_ms;
        m.client_id = req.client_id;
        m.awaiting_join = Some((from, req_id));
        m.deadline_us = None;
    }

    /// `addMemberThenRebalanceOrCompleteJoin`.
    #[allow(clippy::too_many_arguments)]
    fn add_member_and_rebalance(
        &mut self,
        now_us: u64,
        cfg: &GroupCoordinatorConfig,
        from: Node,
        req_id: u64,
        req: JoinGroupRequest,
        member_id: String,
        out: &mut Outputs,
    ) {
        if self.state == ClassicGroupState::PreparingRebalance
            && self.previous_state == ClassicGroupState::Empty
        {
            self.new_member_added = true;
        }
        if self.leader.is_none() {
            self.leader = Some(member_id.clone());
        }
        self.members.push(ClassicMember {
            member_id,
            group_instance_id: req.group_instance_id,
            client_id: req.client_id,
            session_timeout_ms: req.session_timeout_ms,
            rebalance_timeout_ms: req.rebalance_timeout_ms,
            protocols: req.protocols,
            assignment: Vec::new(),
            awaiting_join: Some((from, req_id)),
            awaiting_sync: None,
            pending_sync: false,
            deadline_us: None,
        });
        self.maybe_prepare_rebalance_or_complete_join(now_us, cfg, out);
    }

    fn maybe_prepare_rebalance_or_complete_join(
        &mut self,
        now_us: u64,
        cfg: &GroupCoordinatorConfig,
        out: &mut Outputs,
    ) {
        if matches!(
            self.state,
            ClassicGroupState::Empty
                | ClassicGroupState::Stable
                | ClassicGroupState::CompletingRebalance
        ) {
            self.prepare_rebalance(now_us, cfg, out);
        } else {
            self.maybe_complete_join(now_us, cfg, out);
        }
    }

    /// `prepareRebalance`.
    fn prepare_rebalance(&mut self, now_us: u64, cfg: &GroupCoordinatorConfig, out: &mut Outputs) {
        if self.state == ClassicGroupState::CompletingRebalance {
            // `resetAndPropagateAssignmentWithError`: members awaiting sync must rejoin.
            for m in &mut self.members {
                m.assignment.clear();
            }
            self.propagate_assignment(now_us, ErrorCode::RebalanceInProgress, out);
        }
        // `removeSyncExpiration`.
        self.sync_deadline_us = None;
        for m in &mut self.members {
            m.pending_sync = false;
        }
        let initial = self.state == ClassicGroupState::Empty;
        self.transition(ClassicGroupState::PreparingRebalance);
        if initial {
            let delay = cfg.group_initial_rebalance_delay_ms;
            let remaining = self.rebalance_timeout_ms().saturating_sub(delay);
            self.initial_delay = Some((delay, remaining));
            self.join_deadline_us = Some(now_us + crate::time::ms_to_us(delay));
        } else {
            self.initial_delay = None;
            if self.all_members_joined() {
                self.complete_join(now_us, out);
            } else {
                self.join_deadline_us =
                    Some(now_us + crate::time::ms_to_us(self.rebalance_timeout_ms()));
            }
        }
    }

    /// `maybeCompleteJoinPhase`: never during an initial rebalance.
    fn maybe_complete_join(
        &mut self,
        now_us: u64,
        _cfg: &GroupCoordinatorConfig,
        out: &mut Outputs,
    ) {
        if self.state != ClassicGroupState::PreparingRebalance
            || self.previous_state == ClassicGroupState::Empty
            || !self.all_members_joined()
        {
            return;
        }
        self.complete_join(now_us, out);
    }

    /// `completeClassicGroupJoin`.
    fn complete_join(&mut self, now_us: u64, out: &mut Outputs) {
        self.join_deadline_us = None;
        self.initial_delay = None;
        // Dynamic members that did not rejoin are removed.
        let gone: Vec<String> = self
            .members
            .iter()
            .filter(|m| m.awaiting_join.is_none() && m.group_instance_id.is_none())
            .map(|m| m.member_id.clone())
            .collect();
        for id in &gone {
            self.remove(id);
        }
        if !self.members.is_empty() && !self.elect_joined_leader() {
            // Nobody rejoined (only static members that did not): wait another rebalance timeout.
            self.join_deadline_us =
                Some(now_us + crate::time::ms_to_us(self.rebalance_timeout_ms()));
            return;
        }
        self.generation += 1;
        if self.members.is_empty() {
            self.protocol = None;
            self.leader = None;
            self.transition(ClassicGroupState::Empty);
            out.note_for(&self.id, format!("generation {} is empty", self.generation));
            let rec = self.metadata_record(out.topo());
            out.write(rec);
            return;
        }
        self.protocol = self.select_protocol();
        self.transition(ClassicGroupState::CompletingRebalance);
        out.note_for(
            &self.id,
            format!(
                "generation {} formed with {} member(s), protocol {}, leader {}",
                self.generation,
                self.members.len(),
                self.protocol.as_deref().unwrap_or("-"),
                self.leader.as_deref().unwrap_or("-")
            ),
        );
        for i in 0..self.members.len() {
            let id = self.members[i].member_id.clone();
            let resp = self.join_response(&id, ErrorCode::None);
            let m = &mut self.members[i];
            if let Some((n, r)) = m.awaiting_join.take() {
                out.respond(n, r, resp);
            }
            m.deadline_us = Some(now_us + crate::time::ms_to_us(m.session_timeout_ms));
            m.pending_sync = true;
        }
        self.sync_deadline_us = Some(now_us + crate::time::ms_to_us(self.rebalance_timeout_ms()));
    }

    /// `maybeElectNewJoinedLeader`: a leader that did not rejoin is replaced by the first member
    /// that did; false when none did.
    fn elect_joined_leader(&mut self) -> bool {
        let leader_joined = self
            .leader
            .as_deref()
            .and_then(|l| self.member(l))
            .is_some_and(|m| m.awaiting_join.is_some());
        if leader_joined {
            return true;
        }
        match self.members.iter().find(|m| m.awaiting_join.is_some()) {
            Some(m) => {
                self.leader = Some(m.member_id.clone());
                true
            }
            None => false,
        }
    }

    /// `ClassicGroup.remove`: a removed leader is replaced by the first remaining member.
    fn remove(&mut self, member_id: &str) {
        if let Some(i) = self.member_index(member_id) {
            self.members.remove(i);
        }
        if self.leader.as_deref() == Some(member_id) {
            self.leader = self.members.first().map(|m| m.member_id.clone());
        }
    }

    /// `removeMemberAndUpdateClassicGroup` (LeaveGroup, session expiry).
    fn remove_member_and_update(
        &mut self,
        member_id: &str,
        now_us: u64,
        cfg: &GroupCoordinatorConfig,
        out: &mut Outputs,
    ) {
        self.remove_answering_its_join(member_id, out);
        match self.state {
            ClassicGroupState::Dead | ClassicGroupState::Empty => {}
            ClassicGroupState::Stable | ClassicGroupState::CompletingRebalance => {
                self.prepare_rebalance(now_us, cfg, out)
            }
            ClassicGroupState::PreparingRebalance => {
                if self.all_members_joined() {
                    self.complete_join(now_us, out);
                }
            }
        }
    }

    /// Removes a member; a JoinGroup it has parked gets `UNKNOWN_MEMBER_ID` ("New members may
    /// timeout with a pending JoinGroup while the group is still rebalancing").
    fn remove_answering_its_join(&mut self, member_id: &str, out: &mut Outputs) {
        if let Some(m) = self.member(member_id) {
            if let Some((n, r)) = m.awaiting_join {
                let resp = self.join_response(member_id, ErrorCode::UnknownMemberId);
                out.respond(n, r, resp);
            }
        }
        self.remove(member_id);
    }

    // ------------------------------------------------------------------ SyncGroup

    /// `classicGroupSync`.
    #[allow(clippy::too_many_arguments)]
    pub fn sync(
        &mut self,
        from: Node,
        req_id: u64,
        generation: i32,
        member_id: &str,
        instance: Option<&str>,
        assignments: Vec<(String, Vec<TopicPartition>)>,
        out: &mut Outputs,
    ) {
        let reply = |out: &mut Outputs, error: ErrorCode, assignment: Vec<TopicPartition>| {
            out.respond(from, req_id, GroupResponse::SyncGroup { error, assignment });
        };
        let i = match self.validate_member(member_id, instance) {
            Ok(i) => i,
            Err(e) => return reply(out, e, Vec::new()),
        };
        if generation != self.generation {
            return reply(out, ErrorCode::IllegalGeneration, Vec::new());
        }
        match self.state {
            ClassicGroupState::Empty | ClassicGroupState::Dead => {
                reply(out, ErrorCode::UnknownMemberId, Vec::new())
            }
            ClassicGroupState::PreparingRebalance => {
                reply(out, ErrorCode::RebalanceInProgress, Vec::new())
            }
            ClassicGroupState::CompletingRebalance => {
                self.members[i].awaiting_sync = Some((from, req_id));
                self.remove_pending_sync(i);
                if self.leader.as_deref() != Some(member_id) {
                    return;
                }
                for m in &mut self.members {
                    m.assignment = assignments
                        .iter()
                        .find(|(id, _)| *id == m.member_id)
                        .map(|(_, a)| a.clone())
                        .unwrap_or_default();
                }
                // The assignment is written to `__consumer_offsets`; the group stays
                // CompletingRebalance, and the members hear their assignments, once the write is
                // committed ([`ClassicGroup::assignment_written`]).
                let rec = self.metadata_record(out.topo());
                out.write(rec);
                out.sync_written = Some((self.id.clone(), self.generation));
            }
            ClassicGroupState::Stable => {
                self.remove_pending_sync(i);
                let assignment = self.members[i].assignment.clone();
                reply(out, ErrorCode::None, assignment);
            }
        }
    }

    /// `removePendingSyncMember`: the sync timer stops once every member has synced.
    fn remove_pending_sync(&mut self, i: usize) {
        self.members[i].pending_sync = false;
        if self.members.iter().all(|m| !m.pending_sync) {
            self.sync_deadline_us = None;
        }
    }

    /// The leader's assignment of `generation` was written (`Ok`) or its write failed: the
    /// append future of `classicGroupSyncToClassicGroup`. Unless the group moved on meanwhile,
    /// the members awaiting sync get their assignments and the group is Stable
    /// (`setAndPropagateAssignment`), or they get the error and the group rebalances.
    pub fn assignment_written(
        &mut self,
        generation: i32,
        result: Result<(), ErrorCode>,
        now_us: u64,
        cfg: &GroupCoordinatorConfig,
        out: &mut Outputs,
    ) {
        if self.state != ClassicGroupState::CompletingRebalance || generation != self.generation {
            return;
        }
        match result {
            Ok(()) => {
                self.propagate_assignment(now_us, ErrorCode::None, out);
                self.transition(ClassicGroupState::Stable);
                let text = self
                    .members
                    .iter()
                    .map(|m| {
                        let parts = super::shard::partition_names(&m.assignment);
                        format!("{} → [{}]", m.member_id, parts.join(", "))
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                out.note_for(
                    &self.id,
                    format!("generation {} is Stable: {text}", self.generation),
                );
            }
            Err(error) => {
                for m in &mut self.members {
                    m.assignment.clear();
                }
                self.propagate_assignment(now_us, error, out);
                self.maybe_prepare_rebalance_or_complete_join(now_us, cfg, out);
            }
        }
    }

    /// `propagateAssignment`: every member awaiting sync is answered (its assignment, or
    /// `error`), and its session starts again.
    fn propagate_assignment(&mut self, now_us: u64, error: ErrorCode, out: &mut Outputs) {
        for m in &mut self.members {
            if let Some((n, r)) = m.awaiting_sync.take() {
                let assignment = if error == ErrorCode::None {
                    m.assignment.clone()
                } else {
                    Vec::new()
                };
                out.respond(n, r, GroupResponse::SyncGroup { error, assignment });
                m.deadline_us = Some(now_us + crate::time::ms_to_us(m.session_timeout_ms));
            }
        }
    }

    // ------------------------------------------------------------------ Heartbeat, LeaveGroup

    /// `classicGroupHeartbeatToClassicGroup`. In CompletingRebalance a heartbeat is a normal one
    /// ("Consumers may start sending heartbeats after join-group response").
    pub fn heartbeat(
        &mut self,
        now_us: u64,
        member_id: &str,
        instance: Option<&str>,
        generation: i32,
    ) -> ErrorCode {
        if self.state == ClassicGroupState::Dead {
            return ErrorCode::CoordinatorNotAvailable;
        }
        let i = match self.validate_member(member_id, instance) {
            Ok(i) => i,
            Err(e) => return e,
        };
        if generation != self.generation {
            return ErrorCode::IllegalGeneration;
        }
        let m = &mut self.members[i];
        match self.state {
            ClassicGroupState::Empty => ErrorCode::UnknownMemberId,
            ClassicGroupState::PreparingRebalance => {
                if m.awaiting_join.is_none() {
                    m.deadline_us = Some(now_us + crate::time::ms_to_us(m.session_timeout_ms));
                }
                ErrorCode::RebalanceInProgress
            }
            _ => {
                m.deadline_us = Some(now_us + crate::time::ms_to_us(m.session_timeout_ms));
                ErrorCode::None
            }
        }
    }

    /// `classicGroupLeave` for one dynamic member.
    pub fn leave(
        &mut self,
        now_us: u64,
        cfg: &GroupCoordinatorConfig,
        member_id: &str,
        out: &mut Outputs,
    ) -> ErrorCode {
        if self.state == ClassicGroupState::Dead {
            return ErrorCode::CoordinatorNotAvailable;
        }
        if let Some(i) = self
            .pending_members
            .iter()
            .position(|(m, _)| m == member_id)
        {
            self.pending_members.remove(i);
            if self.state == ClassicGroupState::PreparingRebalance {
                self.maybe_complete_join(now_us, cfg, out);
            }
            return ErrorCode::None;
        }
        if self.member_index(member_id).is_none() {
            return ErrorCode::UnknownMemberId;
        }
        // `classicGroupLeaveToClassicGroup`: unlike a session's expiry, a leave during the
        // initial rebalance's delay does not complete the join (`maybeCompleteJoinPhase`).
        self.remove_answering_its_join(member_id, out);
        match self.state {
            ClassicGroupState::Stable | ClassicGroupState::CompletingRebalance => {
                self.maybe_prepare_rebalance_or_complete_join(now_us, cfg, out)
            }
            ClassicGroupState::PreparingRebalance => self.maybe_complete_join(now_us, cfg, out),
            ClassicGroupState::Empty | ClassicGroupState::Dead => {}
        }
        ErrorCode::None
    }

    // ------------------------------------------------------------------ OffsetCommit

    /// `ClassicGroup.validateOffsetCommit`: a simple commit (generation < 0, no member id) only
    /// into an Empty group; otherwise a member of the current generation, not while the
    /// assignment is being completed.
    pub fn validate_commit(
        &self,
        generation: i32,
        member_id: &str,
        instance: Option<&str>,
    ) -> ErrorCode {
        if self.state == ClassicGroupState::Dead {
            return ErrorCode::CoordinatorNotAvailable;
        }
        if generation < 0 && self.state == ClassicGroupState::Empty {
            return ErrorCode::None;
        }
        if generation < 0 && member_id.is_empty() && instance.is_none() {
            // A simple commit (no member, no generation) only into an Empty group.
            return ErrorCode::UnknownMemberId;
        }
        if let Err(e) = self.validate_member(member_id, instance) {
            return e;
        }
        if generation != self.generation {
            return ErrorCode::IllegalGeneration;
        }
        if self.state == ClassicGroupState::CompletingRebalance {
            return ErrorCode::RebalanceInProgress;
        }
        ErrorCode::None
    }

    // ------------------------------------------------------------------ timers

    /// The group's earliest timer (µs).
    pub fn next_deadline(&self) -> Option<u64> {
        let members = self.members.iter().filter_map(|m| m.deadline_us);
        let pending = self.pending_members.iter().map(|p| p.1);
        members
            .chain(pending)
            .chain(self.join_deadline_us)
            .chain(self.sync_deadline_us)
            .min()
    }

    /// Fires every timer due by `now_us`: session expiries, the join and sync phases' timers.
    pub fn on_tick(&mut self, now_us: u64, cfg: &GroupCoordinatorConfig, out: &mut Outputs) {
        // Pending members that never came back (`expireClassicGroupMemberHeartbeat`).
        let expired_pending: Vec<String> = self
            .pending_members
            .iter()
            .filter(|p| p.1 <= now_us)
            .map(|p| p.0.clone())
            .collect();
        if !expired_pending.is_empty() {
            self.pending_members.retain(|p| p.1 > now_us);
            if self.state == ClassicGroupState::PreparingRebalance {
                self.maybe_complete_join(now_us, cfg, out);
            }
        }
        // Session expiries, in member order.
        while let Some(id) = self
            .members
            .iter()
            .find(|m| m.deadline_us.is_some_and(|d| d <= now_us))
            .map(|m| m.member_id.clone())
        {
            out.note_for(
                &self.id,
                format!("{id} expired: no heartbeat within session.timeout.ms"),
            );
            self.remove_member_and_update(&id, now_us, cfg, out);
        }
        if self.join_deadline_us.is_some_and(|d| d <= now_us) {
            self.join_deadline_us = None;
            match self.initial_delay {
                // `tryCompleteInitialRebalanceElseSchedule`.
                Some((delay, remaining)) if self.new_member_added && remaining != 0 => {
                    self.new_member_added = false;
                    let next = cfg.group_initial_rebalance_delay_ms.min(remaining);
                    self.initial_delay = Some((next, remaining.saturating_sub(delay)));
                    self.join_deadline_us = Some(now_us + crate::time::ms_to_us(next));
                }
                _ => {
                    if self.state == ClassicGroupState::PreparingRebalance {
                        self.complete_join(now_us, out);
                    }
                }
            }
        }
        if self.sync_deadline_us.is_some_and(|d| d <= now_us) {
            self.sync_deadline_us = None;
            // `expirePendingSync`: members that did not sync (in CompletingRebalance, or Stable
            // since the leader's) are removed; the rest rebalance.
            let late: Vec<String> = self
                .members
                .iter()
                .filter(|m| m.pending_sync)
                .map(|m| m.member_id.clone())
                .collect();
            let syncing = matches!(
                self.state,
                ClassicGroupState::CompletingRebalance | ClassicGroupState::Stable
            );
            if syncing && !late.is_empty() {
                for id in &late {
                    self.remove(id);
                }
                out.note_for(
                    &self.id,
                    format!(
                        "{} removed: no SyncGroup within the rebalance timeout",
                        late.join(", ")
                    ),
                );
                self.prepare_rebalance(now_us, cfg, out);
            }
        }
    }
}
