//! The group coordinator on one broker, driven by hand through the single-actor harness: broker 1
//! leads `__consumer_offsets-3`, the partition of group `g` (`abs("g".hashCode()) % 50 = 103 % 50`),
//! and we play its members (Kafka 4.1's `GroupMetadataManager`, classic protocol; the coordinator
//! runtime's writes, answered at the high watermark).

#![cfg(feature = "groups")]

use khafka_sim::broker::Broker;
use khafka_sim::ctx::{Effect, Node, Timer};
use khafka_sim::harness::Harness;
use khafka_sim::msg::group::{
    partition_for, GroupRequest, GroupResponse, JoinGroupRequest, JoinGroupResponse,
    ProtocolMetadata,
};
use khafka_sim::msg::{Fetch, FetchPartition, Fetcher, Group, MetadataFetch, Msg, PartitionState};
use khafka_sim::spec::{ConsumerSpec, ScenarioSpec, TopicSpec};
use khafka_sim::{ErrorCode, SimTime};

const GROUP: &str = "g";
const MEMBER: Node = Node::Consumer(0);

fn spec() -> ScenarioSpec {
    let mut s = ScenarioSpec::default();
    s.topics.push(TopicSpec::new("t", 3, 3));
    let mut c = ConsumerSpec::new("c1", "t");
    c.config.set("group.id", GROUP).unwrap();
    s.consumers.push(c);
    s
}

/// The index of `__consumer_offsets-3` (after t's three partitions).
fn offsets_part(h: &Harness) -> u32 {
    let t = h.topo.offsets_topic().expect("a group needs the topic");
    assert_eq!(partition_for(GROUP, t.partitions), 3);
    t.first_part + 3
}

/// Broker 1, told by the metadata log that it leads `__consumer_offsets-3` with `isr`, its shard
/// loaded.
fn coordinator(h: &mut Harness, isr: &[u32], epoch: u32) -> Broker {
    let mut b = h.broker(1);
    b.start(&mut h.ctx(Node::Broker(1)));
    b.started_before_the_run();
    lead(h, &mut b, isr, epoch);
    b
}

fn lead(h: &mut Harness, b: &mut Broker, isr: &[u32], epoch: u32) {
    let part = offsets_part(h);
    let req_id = b.metadata_fetch_in_flight.expect("a metadata fetch");
    let msg = Msg::MetadataFetch(MetadataFetch::Response {
        req_id,
        offset: 1,
        partitions: vec![PartitionState {
            part,
            leader: Some(1),
            leader_epoch: epoch,
            partition_epoch: epoch,
            replicas: h.topo.parts[part as usize].replicas.clone(),
            isr: isr.to_vec(),
            elr: Vec::new(),
            adding: Vec::new(),
            removing: Vec::new(),
        }],
        ineligible: Vec::new(),
    });
    b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Controller, msg);
    assert!(
        b.group_coordinator
            .shards
            .get(&part)
            .unwrap()
            .loading_until_us
            .is_some(),
        "leadership starts a load"
    );
    // Until the load is done, requests get COORDINATOR_LOAD_IN_PROGRESS.
    let r = request(h, b, offset_fetch());
    assert_eq!(error_of(&r), ErrorCode::CoordinatorLoadInProgress);
    fire_timers(h, b);
    assert!(b
        .group_coordinator
        .shards
        .get(&part)
        .unwrap()
        .loading_until_us
        .is_none());
}

/// Fires the coordinator's earliest timer (advancing the clock to it). The coordinator keeps one
/// check timer for its earliest deadline and re-arms it after each check; the later timers taken
/// here are stale ones it would ignore.
/// `(state, generation, members)` of group `g` on broker `b`.
fn group_of(b: &Broker, part: u32) -> (&'static str, i32, usize) {
    let g = &b.group_coordinator.shards.get(&part).unwrap().groups[GROUP];
    (g.state.name(), g.generation, g.members.len())
}

/// Follower 2 fetches `part` at `offset` (the high watermark follows).
fn follower_fetches(h: &mut Harness, b: &mut Broker, part: u32, offset: u64) {
    let msg = Msg::Fetch(Fetch::Request {
        req_id: 7,
        fetcher: Fetcher::Follower(2),
        max_wait_us: 0,
        partitions: vec![FetchPartition {
            part,
            fetch_offset: offset,
            last_fetched_epoch: Some(0),
            current_leader_epoch: 0,
        }],
        session: 7,
    });
    b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Broker(2), msg);
}

fn fire_timers(h: &mut Harness, b: &mut Broker) {
    let earliest = h
        .timers()
        .into_iter()
        .filter(|(_, t)| matches!(t, Timer::GroupCoordinatorCheck { .. }))
        .min_by_key(|(at, _)| *at);
    if let Some((at, t)) = earliest {
        h.advance_to(at);
        b.on_timer(&mut h.ctx(Node::Broker(1)), t);
    }
}

/// Sends a group request from the member; returns the responses sent to it.
fn request(h: &mut Harness, b: &mut Broker, req: GroupRequest) -> Vec<GroupResponse> {
    let req_id = h.next_req_id + 1000;
    h.next_req_id += 1;
    let msg = Msg::Group(Group::Request {
        req_id,
        req: Box::new(req),
    });
    b.on_msg(&mut h.ctx(Node::Broker(1)), MEMBER, msg);
    responses(h)
}

/// Responses sent to the member (other effects are kept for `fire_timers`).
fn responses(h: &mut Harness) -> Vec<GroupResponse> {
    let mut out = Vec::new();
    let mut keep = Vec::new();
    for e in h.take() {
        match e {
            Effect::Send {
                to,
                msg: Msg::Group(Group::Response { resp, .. }),
                ..
            } if to == MEMBER => out.push(*resp),
            other => keep.push(other),
        }
    }
    h.out = keep;
    out
}

fn error_of(r: &[GroupResponse]) -> ErrorCode {
    match r {
        [GroupResponse::JoinGroup(j)] => j.error,
        [GroupResponse::SyncGroup { error, .. }]
        | [GroupResponse::Heartbeat { error }]
        | [GroupResponse::OffsetCommit { error }]
        | [GroupResponse::OffsetFetch { error, .. }]
        | [GroupResponse::LeaveGroup { error }] => *error,
        other => panic!("one response expected, got {other:?}"),
    }
}

fn join(member_id: &str) -> GroupRequest {
    join_as(member_id, None)
}

fn join_as(member_id: &str, instance: Option<&str>) -> GroupRequest {
    GroupRequest::JoinGroup(JoinGroupRequest {
        group_id: GROUP.into(),
        member_id: member_id.into(),
        group_instance_id: instance.map(str::to_string),
        client_id: "c1".into(),
        session_timeout_ms: 45_000,
        rebalance_timeout_ms: 300_000,
        protocols: vec![(
            "range".into(),
            ProtocolMetadata {
                topics: vec!["t".into()],
                ..Default::default()
            },
        )],
    })
}

fn offset_fetch() -> GroupRequest {
    GroupRequest::OffsetFetch {
        group_id: GROUP.into(),
        partitions: vec![0],
    }
}

/// A new member's two joins: MEMBER_ID_REQUIRED with its id, then the join with it, parked in
/// the join phase. Returns the id.
fn join_parked(h: &mut Harness, b: &mut Broker) -> String {
    let r = request(h, b, join(""));
    let [GroupResponse::JoinGroup(JoinGroupResponse {
        error: ErrorCode::MemberIdRequired,
        member_id,
        ..
    })] = r.as_slice()
    else {
        panic!("KIP-394: the first join gets MEMBER_ID_REQUIRED, got {r:?}");
    };
    let id = member_id.clone();
    assert!(id.starts_with("c1-"), "clientId-UUID: {id}");
    assert!(
        request(h, b, join(&id)).is_empty(),
        "parked in the join phase"
    );
    id
}

/// Joins `g` as its only member: MEMBER_ID_REQUIRED, the join again, the initial delay, the sync.
fn join_alone(h: &mut Harness, b: &mut Broker) -> (String, i32) {
    let id = join_parked(h, b);
    let t0 = h.now;
    fire_timers(h, b);
    assert_eq!(
        h.now,
        t0.saturating_add_us(3_000_000),
        "group.initial.rebalance.delay.ms"
    );
    let r = responses(h);
    let [GroupResponse::JoinGroup(j)] = r.as_slice() else {
        panic!("the join completes after the delay: {r:?}");
    };
    assert_eq!(
        (j.error, j.generation, j.leader.as_str(), j.members.len()),
        (ErrorCode::None, 1, id.as_str(), 1),
        "generation 1, the first joiner leads and sees every member"
    );
    assert_eq!(j.protocol_name.as_deref(), Some("range"));
    let r = request(
        h,
        b,
        GroupRequest::SyncGroup {
            group_id: GROUP.into(),
            generation: 1,
            member_id: id.clone(),
            group_instance_id: None,
            assignments: vec![(id.clone(), Vec::new())],
        },
    );
    assert_eq!(
        error_of(&r),
        ErrorCode::None,
        "ISR {{1}}: committed at once"
    );
    (id, 1)
}

#[test]
fn a_member_joins_with_the_id_it_is_given_and_the_initial_delay_forms_generation_1() {
    let mut h = Harness::new(&spec());
    let mut b = coordinator(&mut h, &[1], 0);
    let (id, generation) = join_alone(&mut h, &mut b);
    let part = offsets_part(&h);
    let g = &b.group_coordinator.shards.get(&part).unwrap().groups[GROUP];
    assert_eq!((g.state.name(), g.generation), ("Stable", generation));
    // Heartbeats of the generation are fine; a wrong generation is ILLEGAL_GENERATION, an unknown
    // member UNKNOWN_MEMBER_ID.
    let beat = |member: &str, generation: i32| GroupRequest::Heartbeat {
        group_id: GROUP.into(),
        generation,
        member_id: member.into(),
        group_instance_id: None,
    };
    assert_eq!(
        error_of(&request(&mut h, &mut b, beat(&id, 1))),
        ErrorCode::None
    );
    assert_eq!(
        error_of(&request(&mut h, &mut b, beat(&id, 7))),
        ErrorCode::IllegalGeneration
    );
    assert_eq!(
        error_of(&request(&mut h, &mut b, beat("nobody", 1))),
        ErrorCode::UnknownMemberId
    );
}

#[test]
fn a_silent_member_expires_after_the_session_timeout_and_the_group_empties() {
    let mut h = Harness::new(&spec());
    let mut b = coordinator(&mut h, &[1], 0);
    let (_, _) = join_alone(&mut h, &mut b);
    let synced = h.now;
    fire_timers(&mut h, &mut b);
    assert_eq!(
        h.now,
        synced.saturating_add_us(45_000_000),
        "session.timeout.ms"
    );
    let part = offsets_part(&h);
    assert_eq!(
        group_of(&b, part),
        ("Empty", 2, 0),
        "removeMemberAndUpdateClassicGroup: a rebalance with nobody left is an empty generation"
    );
}

#[test]
fn a_members_commit_to_a_group_the_coordinator_does_not_know_is_group_id_not_found() {
    // `OffsetMetadataManager.validateOffsetCommit`: OffsetCommit v9+ (what Kafka 4.1's clients
    // send) answers GROUP_ID_NOT_FOUND when the group does not exist and the request names a
    // generation; it creates nothing.
    let mut h = Harness::new(&spec());
    let mut b = coordinator(&mut h, &[1], 0);
    let part = offsets_part(&h);
    let commit = GroupRequest::OffsetCommit {
        group_id: GROUP.into(),
        generation: 3,
        member_id: "consumer-1-gone".into(),
        group_instance_id: None,
        offsets: vec![(0, 42, None)],
    };
    assert_eq!(
        error_of(&request(&mut h, &mut b, commit)),
        ErrorCode::GroupIdNotFound
    );
    let shard = b.group_coordinator.shards.get(&part).unwrap();
    assert!(!shard.groups.contains_key(GROUP));
    assert_eq!(b.replicas[&part].log.log_end_offset(), 0, "nothing written");
    // Without a generation (-1) the commit creates a simple group, member id or not
    // (`getOrMaybeCreateClassicGroup`, then `ClassicGroup.validateOffsetCommit` accepts -1 on
    // an Empty group).
    let simple = GroupRequest::OffsetCommit {
        group_id: GROUP.into(),
        generation: -1,
        member_id: "admin-client".into(),
        group_instance_id: None,
        offsets: vec![(0, 42, None)],
    };
    assert_eq!(error_of(&request(&mut h, &mut b, simple)), ErrorCode::None);
    assert_eq!(group_of(&b, part).0, "Empty");
}

#[test]
fn an_offset_commit_is_answered_once_the_high_watermark_passes_it() {
    let mut h = Harness::new(&spec());
    let mut b = coordinator(&mut h, &[1, 2], 0);
    let part = offsets_part(&h);
    // A simple commit (no generation, no member id) into a group that does not exist yet.
    let commit = GroupRequest::OffsetCommit {
        group_id: GROUP.into(),
        generation: -1,
        member_id: String::new(),
        group_instance_id: None,
        offsets: vec![(0, 42, None)],
    };
    assert!(
        request(&mut h, &mut b, commit).is_empty(),
        "follower 2 has not fetched the record yet"
    );
    let leo = b.replicas[&part].log.log_end_offset();
    assert_eq!(leo, 1, "one OffsetCommit record in __consumer_offsets-3");
    let fetched = request(&mut h, &mut b, offset_fetch());
    assert_eq!(
        fetched,
        vec![GroupResponse::OffsetFetch {
            error: ErrorCode::None,
            offsets: vec![(0, None)]
        }],
        "not readable before it is committed"
    );
    // Follower 2 fetches at the LEO: the HW moves to 1 and the commit is answered.
    follower_fetches(&mut h, &mut b, part, leo);
    assert_eq!(b.replicas[&part].log.high_watermark, 1);
    assert_eq!(error_of(&responses(&mut h)), ErrorCode::None);
    let fetched = request(&mut h, &mut b, offset_fetch());
    assert_eq!(
        fetched,
        vec![GroupResponse::OffsetFetch {
            error: ErrorCode::None,
            offsets: vec![(0, Some((42, None)))]
        }]
    );
}

#[test]
fn a_new_leadership_rebuilds_offsets_and_the_group_from_the_log() {
    let mut h = Harness::new(&spec());
    let mut b = coordinator(&mut h, &[1], 0);
    let (id, generation) = join_alone(&mut h, &mut b);
    let commit = GroupRequest::OffsetCommit {
        group_id: GROUP.into(),
        generation,
        member_id: id.clone(),
        group_instance_id: None,
        offsets: vec![(0, 17, Some(0)), (1, 5, Some(0))],
    };
    assert_eq!(error_of(&request(&mut h, &mut b, commit)), ErrorCode::None);
    // The broker restarts: the coordinator's memory is gone, the log stays.
    let held = b.stop(&mut h.ctx(Node::Broker(1)), false);
    assert!(held.is_empty());
    assert!(b.group_coordinator.shards.is_empty());
    h.take();
    b.start(&mut h.ctx(Node::Broker(1)));
    // Not the leader yet: NOT_COORDINATOR.
    assert_eq!(
        error_of(&request(&mut h, &mut b, offset_fetch())),
        ErrorCode::NotCoordinator
    );
    // Unfenced (until then a starting broker publishes no metadata), then the leader again.
    let unfenced = Msg::BrokerHeartbeat(khafka_sim::protocol::BrokerHeartbeat::Response {
        req_id: b.heartbeat_in_flight().expect("its registration in flight"),
        broker_epoch: b.broker_epoch,
        fenced: false,
        shutdown_ready: false,
        refused: false,
    });
    b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Controller, unfenced);
    lead(&mut h, &mut b, &[1], 1);
    let fetched = request(
        &mut h,
        &mut b,
        GroupRequest::OffsetFetch {
            group_id: GROUP.into(),
            partitions: vec![0, 1, 2],
        },
    );
    assert_eq!(
        fetched,
        vec![GroupResponse::OffsetFetch {
            error: ErrorCode::None,
            offsets: vec![(0, Some((17, Some(0)))), (1, Some((5, Some(0)))), (2, None)]
        }]
    );
    let part = offsets_part(&h);
    let g = &b.group_coordinator.shards.get(&part).unwrap().groups[GROUP];
    assert_eq!(
        (
            g.state.name(),
            g.generation,
            g.members[0].member_id.as_str()
        ),
        ("Stable", 1, id.as_str()),
        "the member of generation 1 is back, its session restarted"
    );
}

/// A member whose heartbeat went to a coordinator that was then cut off waits for the answer (or
/// `request.timeout.ms`) without spinning: its ticks are armed for real deadlines only. (The sweep
/// found a member that re-armed its tick every microsecond for the 30 s of such a wait.)
#[test]
fn a_cut_off_coordinator_costs_the_members_no_busy_loop() {
    use khafka_sim::spec::{Fault, NodeRef, ProducerSpec, Scheduled};
    use khafka_sim::Sim;
    let mut s = spec();
    s.producers.push(ProducerSpec::new("p1", "t"));
    s.run_for = SimTime::from_secs(60);
    // Group g's coordinator is the leader of __consumer_offsets-3 (replicas 1,3,2 → broker 1).
    s.schedule.push(Scheduled {
        at: SimTime::from_secs(10),
        fault: Fault::Isolate {
            node: NodeRef::Broker(1),
        },
    });
    let mut sim = Sim::new(s);
    sim.run_until(SimTime::from_secs(9));
    let before = sim.events_processed();
    assert_eq!(sim.group_view(GROUP).unwrap().state, "Stable");
    sim.run();
    let during = sim.events_processed() - before;
    assert!(
        during < 300_000,
        "{during} events in 51 s for one producer and one member"
    );
}

/// A static member's new process takes its instance's place with a new member id
/// (`updateStaticMemberThenRebalanceOrCompleteJoin`); the old process is fenced at its next
/// heartbeat, commit or sync by `ClassicGroup.validateMember` (`FENCED_INSTANCE_ID`), rather than
/// told it is unknown and left to rejoin and displace the new one in turn.
#[test]
fn a_replaced_static_member_is_fenced_by_its_instance_id() {
    let mut h = Harness::new(&spec());
    let mut b = coordinator(&mut h, &[1], 0);
    assert!(
        request(&mut h, &mut b, join_as("", Some("i1"))).is_empty(),
        "a static member is added at once, parked in the initial delay"
    );
    fire_timers(&mut h, &mut b);
    let r = responses(&mut h);
    let [GroupResponse::JoinGroup(j)] = r.as_slice() else {
        panic!("{r:?}");
    };
    let old = j.member_id.clone();
    let sync = |id: &str| GroupRequest::SyncGroup {
        group_id: GROUP.into(),
        generation: 1,
        member_id: id.to_string(),
        group_instance_id: Some("i1".into()),
        assignments: vec![(id.to_string(), Vec::new())],
    };
    assert_eq!(
        error_of(&request(&mut h, &mut b, sync(&old))),
        ErrorCode::None
    );
    // The instance restarts: a join without a member id takes the old member's place (Stable,
    // same protocols: no rebalance).
    let r = request(&mut h, &mut b, join_as("", Some("i1")));
    let [GroupResponse::JoinGroup(j)] = r.as_slice() else {
        panic!("{r:?}");
    };
    assert_eq!((j.error, j.generation), (ErrorCode::None, 1));
    let new = j.member_id.clone();
    assert_ne!(new, old);
    let heartbeat = |id: &str| GroupRequest::Heartbeat {
        group_id: GROUP.into(),
        generation: 1,
        member_id: id.to_string(),
        group_instance_id: Some("i1".into()),
    };
    let commit = |id: &str| GroupRequest::OffsetCommit {
        group_id: GROUP.into(),
        generation: 1,
        member_id: id.to_string(),
        group_instance_id: Some("i1".into()),
        offsets: vec![(0, 5, Some(0))],
    };
    for req in [heartbeat(&old), commit(&old), sync(&old)] {
        assert_eq!(
            error_of(&request(&mut h, &mut b, req)),
            ErrorCode::FencedInstanceId
        );
    }
    assert_eq!(
        error_of(&request(&mut h, &mut b, join_as(&old, Some("i1")))),
        ErrorCode::FencedInstanceId
    );
    assert_eq!(
        error_of(&request(&mut h, &mut b, heartbeat(&new))),
        ErrorCode::None
    );
    // An instance the group does not hold is unknown, whatever the member id.
    let stranger = GroupRequest::Heartbeat {
        group_id: GROUP.into(),
        generation: 1,
        member_id: new.clone(),
        group_instance_id: Some("i2".into()),
    };
    assert_eq!(
        error_of(&request(&mut h, &mut b, stranger)),
        ErrorCode::UnknownMemberId
    );
}

/// A member that leaves while the initial rebalance's delay runs does not end the join phase:
/// `classicGroupLeaveToClassicGroup` asks `maybeCompleteJoinPhase`, which waits out an initial
/// rebalance (a session's expiry, by contrast, completes it at once).
#[test]
fn a_leave_during_the_initial_delay_waits_for_the_delay() {
    let mut h = Harness::new(&spec());
    let mut b = coordinator(&mut h, &[1], 0);
    let id = join_parked(&mut h, &mut b);
    let joined = h.now;
    let r = request(
        &mut h,
        &mut b,
        GroupRequest::LeaveGroup {
            group_id: GROUP.into(),
            member_id: id.clone(),
        },
    );
    assert!(
        r.iter().any(|r| matches!(
            r,
            GroupResponse::JoinGroup(JoinGroupResponse {
                error: ErrorCode::UnknownMemberId,
                ..
            })
        )),
        "its parked join is answered: {r:?}"
    );
    assert!(r.contains(&GroupResponse::LeaveGroup {
        error: ErrorCode::None
    }));
    let part = offsets_part(&h);
    assert_eq!(group_of(&b, part), ("PreparingRebalance", 0, 0));
    fire_timers(&mut h, &mut b);
    assert_eq!(h.now, joined.saturating_add_us(3_000_000));
    assert_eq!(
        group_of(&b, part),
        ("Empty", 1, 0),
        "the delay's timer ends the join phase: an empty generation"
    );
}

/// The group stays CompletingRebalance until the leader's assignment is committed
/// (`classicGroupSyncToClassicGroup`'s append future): a commit in that window gets
/// `REBALANCE_IN_PROGRESS`, and the sync is answered, the group Stable, when the follower's fetch
/// moves the high watermark past the write.
#[test]
fn a_group_is_stable_once_its_assignment_is_committed() {
    let mut h = Harness::new(&spec());
    let mut b = coordinator(&mut h, &[1, 2], 0);
    let part = offsets_part(&h);
    let id = join_parked(&mut h, &mut b);
    fire_timers(&mut h, &mut b);
    assert_eq!(
        responses(&mut h).len(),
        1,
        "the join completes after the delay"
    );
    let sync = GroupRequest::SyncGroup {
        group_id: GROUP.into(),
        generation: 1,
        member_id: id.clone(),
        group_instance_id: None,
        assignments: vec![(id.clone(), Vec::new())],
    };
    assert!(
        request(&mut h, &mut b, sync).is_empty(),
        "answered once the write is committed"
    );
    assert_eq!(group_of(&b, part).0, "CompletingRebalance");
    let commit = GroupRequest::OffsetCommit {
        group_id: GROUP.into(),
        generation: 1,
        member_id: id.clone(),
        group_instance_id: None,
        offsets: vec![(0, 3, Some(0))],
    };
    assert_eq!(
        error_of(&request(&mut h, &mut b, commit)),
        ErrorCode::RebalanceInProgress
    );
    let leo = b.replicas[&part].log.log_end_offset();
    follower_fetches(&mut h, &mut b, part, leo);
    assert_eq!(b.replicas[&part].log.high_watermark, leo);
    assert_eq!(error_of(&responses(&mut h)), ErrorCode::None);
    assert_eq!(group_of(&b, part).0, "Stable");
}

/// The sync timer runs until every member has synced, not only the leader
/// (`removePendingSyncMember`), and `expirePendingSync` removes the late member of a Stable group
/// too: with a 30 s rebalance timeout and a 60 s session, a member that never syncs is gone after
/// 30 s.
#[test]
fn a_member_that_never_syncs_is_removed_at_the_rebalance_timeout_even_when_stable() {
    let mut h = Harness::new(&spec());
    let mut b = coordinator(&mut h, &[1], 0);
    let part = offsets_part(&h);
    let join_with = |id: &str| {
        let GroupRequest::JoinGroup(mut j) = join(id) else {
            unreachable!()
        };
        j.session_timeout_ms = 60_000;
        j.rebalance_timeout_ms = 30_000;
        GroupRequest::JoinGroup(j)
    };
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = request(&mut h, &mut b, join_with(""));
        let [GroupResponse::JoinGroup(j)] = r.as_slice() else {
            panic!("{r:?}");
        };
        ids.push(j.member_id.clone());
    }
    for id in &ids {
        assert!(request(&mut h, &mut b, join_with(id)).is_empty());
    }
    // The initial delay, extended once for the second member.
    let mut formed = Vec::new();
    for _ in 0..3 {
        fire_timers(&mut h, &mut b);
        formed = responses(&mut h);
        if !formed.is_empty() {
            break;
        }
    }
    assert_eq!(formed.len(), 2, "generation 1 formed: {formed:?}");
    let formed = h.now;
    // The leader syncs; the other member never does.
    let sync = GroupRequest::SyncGroup {
        group_id: GROUP.into(),
        generation: 1,
        member_id: ids[0].clone(),
        group_instance_id: None,
        assignments: vec![(ids[0].clone(), Vec::new()), (ids[1].clone(), Vec::new())],
    };
    assert_eq!(error_of(&request(&mut h, &mut b, sync)), ErrorCode::None);
    assert_eq!(group_of(&b, part), ("Stable", 1, 2));
    fire_timers(&mut h, &mut b);
    assert_eq!(h.now, formed.saturating_add_us(30_000_000));
    assert_eq!(
        group_of(&b, part),
        ("PreparingRebalance", 1, 1),
        "the member without a sync is removed and the rest rebalance"
    );
}
