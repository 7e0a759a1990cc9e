//! One actor at a time, driven by hand through the single-actor harness (`khafka_sim::harness`):
//! the rules of one Kafka class, with no cluster around it.

use khafka_sim::broker::Broker;
use khafka_sim::controller::Controller;
use khafka_sim::ctx::{Node, Timer};
use khafka_sim::harness::Harness;
use khafka_sim::msg::{Msg, PartitionState};
use khafka_sim::protocol::{AlterPartition, BrokerHeartbeat, MetadataFetch};
use khafka_sim::spec::{ScenarioSpec, TopicSpec};
use khafka_sim::SimTime;

fn spec() -> ScenarioSpec {
    let mut s = ScenarioSpec::default();
    s.topics.push(TopicSpec::new("t", 1, 3));
    s
}

fn state(leader: u32, partition_epoch: u32, isr: &[u32]) -> PartitionState {
    PartitionState {
        part: 0,
        leader: Some(leader),
        leader_epoch: 0,
        partition_epoch,
        replicas: vec![1, 2, 3],
        isr: isr.to_vec(),
        elr: Vec::new(),
        adding: Vec::new(),
        removing: Vec::new(),
    }
}

/// Broker 1, started and told by the metadata log that it leads t-0 with ISR {1,2,3}, one record
/// in its log that no follower has fetched.
fn leader(h: &mut Harness) -> Broker {
    let mut b = h.broker(1);
    b.start(&mut h.ctx(Node::Broker(1)));
    let req_id = b
        .metadata_fetch_in_flight
        .expect("a metadata fetch at start");
    let msg = Msg::MetadataFetch(MetadataFetch::Response {
        req_id,
        offset: 1,
        partitions: vec![state(1, 0, &[1, 2, 3])],
        fenced: Vec::new(),
    });
    b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Controller, msg);
    let batch = h.batches.add(0, 0, &[1], None);
    b.replicas
        .get_mut(&0)
        .unwrap()
        .log
        .append(batch, &h.batches, 0);
    h.take();
    b
}

fn alter_partitions(sent: &[(Node, Msg)]) -> Vec<Vec<u32>> {
    sent.iter()
        .filter_map(|(to, m)| match m {
            Msg::AlterPartition(AlterPartition::Request { isr, .. }) if *to == Node::Controller => {
                Some(isr.clone())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn an_unanswered_alter_partition_is_sent_again_until_answered() {
    let mut h = Harness::new(&spec());
    let mut b = leader(&mut h);
    // Followers 2 and 3 never fetch: after replica.lag.time.max.ms (30 s) the leader shrinks.
    h.advance_to(SimTime::from_secs(31));
    b.on_timer(&mut h.ctx(Node::Broker(1)), Timer::IsrExpiration);
    let effects = h.take();
    let sent: Vec<(Node, Msg)> = effects
        .iter()
        .filter_map(|e| match e {
            khafka_sim::ctx::Effect::Send { to, msg, .. } => Some((*to, msg.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(alter_partitions(&sent), vec![vec![1]]);
    let retry = effects
        .iter()
        .find_map(|e| match e {
            khafka_sim::ctx::Effect::Timer {
                at,
                timer: t @ Timer::AlterPartitionRetry { .. },
                ..
            } => Some((*at, t.clone())),
            _ => None,
        })
        .expect("a retry is armed");
    assert_eq!(
        retry.0,
        SimTime::from_secs(61),
        "controller.socket.timeout.ms after the send"
    );
    // The request was lost: at the retry it is sent again, the same proposal.
    h.advance_to(retry.0);
    b.on_timer(&mut h.ctx(Node::Broker(1)), retry.1.clone());
    assert_eq!(alter_partitions(&h.sent()), vec![vec![1]]);
    // The controller answers (partition epoch 0 -> 1): the pending change is settled, and a retry
    // timer that fires later sends nothing.
    let answer = Msg::AlterPartition(AlterPartition::Response {
        part: 0,
        partition_epoch: 0,
        result: Ok(Box::new(state(1, 1, &[1]))),
    });
    b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Controller, answer);
    let r = &b.replicas[&0];
    assert_eq!(
        (r.state.isr.clone(), r.pending_isr.clone()),
        (vec![1], None)
    );
    h.take();
    b.on_timer(&mut h.ctx(Node::Broker(1)), retry.1);
    assert!(alter_partitions(&h.sent()).is_empty());
}

#[test]
fn the_metadata_log_settles_a_pending_isr_change_whose_answer_was_lost() {
    let mut h = Harness::new(&spec());
    let mut b = leader(&mut h);
    h.advance_to(SimTime::from_secs(31));
    b.on_timer(&mut h.ctx(Node::Broker(1)), Timer::IsrExpiration);
    assert!(b.replicas[&0].pending_isr.is_some());
    // The answer is lost; the committed change arrives through the metadata log
    // (Partition.makeLeader -> updateAssignmentAndIsr replaces the pending state).
    b.metadata_fetch_in_flight = Some(99);
    let msg = Msg::MetadataFetch(MetadataFetch::Response {
        req_id: 99,
        offset: 2,
        partitions: vec![state(1, 1, &[1])],
        fenced: Vec::new(),
    });
    b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Controller, msg);
    let r = &b.replicas[&0];
    assert_eq!(
        (r.state.isr.clone(), r.pending_isr.clone()),
        (vec![1], None)
    );
    // A late answer to the old proposal changes nothing.
    let late = Msg::AlterPartition(AlterPartition::Response {
        part: 0,
        partition_epoch: 0,
        result: Ok(Box::new(state(1, 1, &[1]))),
    });
    b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Controller, late);
    assert_eq!(b.replicas[&0].state.partition_epoch, 1);
}

#[test]
fn a_broker_that_cannot_prove_a_clean_shutdown_leaves_every_isr_and_elr() {
    let mut h = Harness::new(&spec());
    assert!(
        h.topo.config.eligible_leader_replicas_enable,
        "Kafka 4.1's default"
    );
    let mut c = Controller::new(3, h.topo.parts.iter().map(|p| p.replicas.clone()));
    c.start(&mut h.ctx(Node::Controller));
    // Broker 3 is an eligible leader replica of t-0 (the ISR emptied while it was down).
    c.parts[0].isr = vec![];
    c.parts[0].elr = vec![3];
    c.parts[0].leader = None;
    let beat = |previous| {
        Msg::BrokerHeartbeat(BrokerHeartbeat::Request {
            broker_epoch: 2,
            previous_broker_epoch: previous,
            metadata_offset: 0,
            want_shutdown: false,
        })
    };
    // A clean stop wrote epoch 1 to the clean-shutdown file: 3 stays eligible.
    let mut clean = c.clone();
    clean.on_msg(&mut h.ctx(Node::Controller), Node::Broker(3), beat(Some(1)));
    assert_eq!(clean.parts[0].elr, vec![3]);
    // After a crash there is no file: removed from the ELR (KAFKA-15586).
    c.on_msg(&mut h.ctx(Node::Controller), Node::Broker(3), beat(None));
    assert!(c.parts[0].elr.is_empty());
    assert!(c.parts[0].isr.is_empty());
}

/// A KIP-848 member (`group.protocol=consumer`) whose auto-commit fails with `UNKNOWN_MEMBER_ID`
/// keeps its membership as it was: in Kafka's `CommitRequestManager` a failed commit fails the
/// commit and nothing else, and only a heartbeat answer fences the member. (Sweep seed 1033 with
/// KIP-848: the classic protocol's reset of the generation to -1 made the member send
/// `ConsumerGroupHeartbeat`s with epoch -1 — a leave — on every tick, millions of them.)
#[cfg(feature = "groups")]
#[test]
fn a_kip848_member_keeps_its_epoch_when_a_commit_fails_with_unknown_member_id() {
    use khafka_sim::client::consumer::assignor::TopicPartition;
    use khafka_sim::client::consumer::group::Phase;
    use khafka_sim::client::consumer::Consumer;
    use khafka_sim::ctx::Effect;
    use khafka_sim::msg::{ErrorCode, Group};
    use khafka_sim::protocol::group::{
        ConsumerGroupHeartbeatResponse, GroupRequest, GroupResponse,
    };
    use khafka_sim::spec::ConsumerSpec;

    let spec = spec();
    let mut h = Harness::new(&spec);
    let mut cs = ConsumerSpec::new("c", "t");
    cs.config.set("group.id", "g").unwrap();
    cs.config.set("group.protocol", "consumer").unwrap();
    let me = Node::Consumer(0);
    let subscribed = khafka_sim::client::consumer::subscribed::Subscribed::new(&h.topo, &[0]);
    let mut c = Consumer::new(0, &cs, subscribed);
    c.start(&mut h.ctx(me));
    // Answers what the consumer asks the group coordinator (broker 1) until it asks nothing
    // more, keeping the timers it sets; returns the requests.
    let answer = |h: &mut Harness,
                  c: &mut Consumer,
                  timers: &mut Vec<(SimTime, Timer)>,
                  commit_error: ErrorCode| {
        let mut asked = Vec::new();
        loop {
            let mut replies = Vec::new();
            for e in h.take() {
                let (to, msg) = match e {
                    Effect::Timer { at, timer, .. } => {
                        timers.push((at, timer));
                        continue;
                    }
                    Effect::Send { to, msg, .. } => (to, msg),
                };
                let (Node::Broker(_), Msg::Group(Group::Request { req_id, req })) = (to, msg)
                else {
                    continue;
                };
                let resp = match &*req {
                    GroupRequest::FindCoordinator { .. } => GroupResponse::FindCoordinator {
                        error: ErrorCode::None,
                        coordinator: Some(1),
                    },
                    GroupRequest::ConsumerGroupHeartbeat(r) => {
                        GroupResponse::ConsumerGroupHeartbeat(ConsumerGroupHeartbeatResponse {
                            error: ErrorCode::None,
                            error_message: None,
                            member_id: r.member_id.clone(),
                            member_epoch: if r.member_epoch < 0 {
                                r.member_epoch
                            } else {
                                1
                            },
                            heartbeat_interval_ms: 5_000,
                            assignment: (r.member_epoch == 0)
                                .then(|| vec![TopicPartition::new("t", 0)]),
                        })
                    }
                    GroupRequest::OffsetFetch { .. } => GroupResponse::OffsetFetch {
                        error: ErrorCode::None,
                        offsets: vec![(0, Some((0, None)))],
                    },
                    GroupRequest::OffsetCommit { .. } => GroupResponse::OffsetCommit {
                        error: commit_error,
                    },
                    _ => continue,
                };
                asked.push((*req).clone());
                replies.push(Msg::Group(Group::Response {
                    req_id,
                    resp: Box::new(resp),
                }));
            }
            if replies.is_empty() {
                return asked;
            }
            for msg in replies {
                c.on_msg(&mut h.ctx(me), Node::Broker(1), msg);
            }
            assert!(
                asked.len() < 10_000,
                "a request storm: {} requests",
                asked.len()
            );
        }
    };
    let mut timers: Vec<(SimTime, Timer)> = Vec::new();
    // Fires the consumer's timers due by `until` in time order, answering as it goes.
    let mut run = |h: &mut Harness, c: &mut Consumer, until: u64, commit_error: ErrorCode| {
        let mut asked = answer(h, c, &mut timers, commit_error);
        loop {
            timers.sort_by_key(|t| t.0);
            if timers.first().is_none_or(|t| t.0.as_us() > until) {
                return asked;
            }
            let (at, timer) = timers.remove(0);
            h.advance_to(at);
            c.on_timer(&mut h.ctx(me), timer);
            asked.extend(answer(h, c, &mut timers, commit_error));
            assert!(
                asked.len() < 10_000,
                "a request storm: {} requests",
                asked.len()
            );
        }
    };
    run(&mut h, &mut c, 1_000_000, ErrorCode::None);
    let g = c.group.as_ref().expect("a group member");
    assert_eq!(
        (g.phase, g.generation),
        (Phase::Stable, 1),
        "joined at epoch 1"
    );
    // The auto-commit at 5 s is answered UNKNOWN_MEMBER_ID; the heartbeats keep going, at epoch 1.
    let asked = run(&mut h, &mut c, 12_000_000, ErrorCode::UnknownMemberId);
    let commits = asked
        .iter()
        .filter(|r| matches!(r, GroupRequest::OffsetCommit { .. }))
        .count();
    let epochs: Vec<i32> = asked
        .iter()
        .filter_map(|r| match r {
            GroupRequest::ConsumerGroupHeartbeat(r) => Some(r.member_epoch),
            _ => None,
        })
        .collect();
    assert!(commits >= 1, "the auto-commit was sent and failed");
    assert!(
        !epochs.is_empty() && epochs.len() <= 3,
        "heartbeats every 5 s: {epochs:?}"
    );
    assert!(
        epochs.iter().all(|e| *e == 1),
        "still at epoch 1: {epochs:?}"
    );
    let g = c.group.as_ref().unwrap();
    assert_eq!((g.phase, g.generation), (Phase::Stable, 1));
}

/// DeleteRecords (`Partition.deleteRecordsOnLeader`): an offset above the high watermark is
/// refused with `OFFSET_OUT_OF_RANGE`; at or below it the leader's log start offset moves up and
/// the answer carries it; a broker that does not lead the partition answers
/// `NOT_LEADER_OR_FOLLOWER`.
#[test]
fn delete_records_moves_the_leaders_log_start_up_to_the_high_watermark() {
    use khafka_sim::msg::{DeleteRecords, DeletedRecords, ErrorCode};
    let mut h = Harness::new(&spec());
    let mut b = leader(&mut h);
    let ask = |b: &mut Broker, h: &mut Harness, offset: u64| {
        let msg = Msg::DeleteRecords(DeleteRecords::Request {
            req_id: 7,
            partitions: vec![(0, offset)],
        });
        b.on_msg(&mut h.ctx(Node::Broker(b.id)), Node::Consumer(0), msg);
        h.sent()
            .into_iter()
            .find_map(|(to, m)| match m {
                Msg::DeleteRecords(DeleteRecords::Response {
                    req_id: 7,
                    partitions,
                }) if to == Node::Consumer(0) => Some(partitions),
                _ => None,
            })
            .expect("an answer")
    };
    // One record, not yet replicated: the high watermark is 0.
    assert_eq!(
        ask(&mut b, &mut h, 1),
        vec![DeletedRecords {
            part: 0,
            error: ErrorCode::OffsetOutOfRange,
            low_watermark: 0
        }]
    );
    assert_eq!(b.replicas[&0].log.log_start_offset(), 0);
    b.replicas.get_mut(&0).unwrap().log.high_watermark = 1;
    assert_eq!(
        ask(&mut b, &mut h, 1),
        vec![DeletedRecords {
            part: 0,
            error: ErrorCode::None,
            low_watermark: 1
        }]
    );
    assert_eq!(b.replicas[&0].log.log_start_offset(), 1);
    let mut other = h.broker(2);
    assert_eq!(
        ask(&mut other, &mut h, 1)[0].error,
        ErrorCode::NotLeaderOrFollower
    );
    // A compacted topic refuses: its cleanup policy has no `delete`.
    let mut compacted = spec();
    compacted.topics[0]
        .config
        .set("cleanup.policy", "compact")
        .expect("a valid policy");
    let mut h = Harness::new(&compacted);
    let mut b = leader(&mut h);
    b.replicas.get_mut(&0).unwrap().log.high_watermark = 1;
    assert_eq!(ask(&mut b, &mut h, 1)[0].error, ErrorCode::PolicyViolation);
    assert_eq!(b.replicas[&0].log.log_start_offset(), 0);
}
