//! One quorum controller driven by hand with the single-actor harness (`engine/harness.rs`): what
//! it answers brokers as leader and as follower, and that an active controller's answer waits for
//! its records to commit (`QuorumController`: a write completes when the Raft high watermark
//! passes its records).

use khafka_sim::controller::quorum::QuorumController;
use khafka_sim::ctx::Node;
use khafka_sim::harness::Harness;
use khafka_sim::msg::{BrokerHeartbeat, Msg};
use khafka_sim::protocol::raft::RaftMsg;
use khafka_sim::spec::{ScenarioSpec, TopicSpec};
use khafka_sim::SimTime;

fn spec() -> ScenarioSpec {
    let mut spec = ScenarioSpec::default();
    spec.cluster.config.controllers = 3;
    spec.topics.push(TopicSpec {
        name: "orders".into(),
        partitions: 1,
        replication_factor: 3,
        assignment: None,
        config: Default::default(),
    });
    spec
}

fn controller(h: &mut Harness, id: u32) -> QuorumController {
    let ctx = h.ctx(Node::QuorumController(id));
    QuorumController::new(id, &ctx, 0)
}

/// A heartbeat of broker 1's next incarnation (it crashed: no clean-shutdown epoch).
fn reregistration() -> Msg {
    Msg::BrokerHeartbeat(BrokerHeartbeat::Request {
        req_id: 1,
        broker_epoch: 2,
        previous_broker_epoch: None,
        metadata_offset: 0,
        want_shutdown: false,
    })
}

#[test]
fn the_active_controller_answers_after_commit() {
    let mut h = Harness::new(&spec());
    let mut c1 = controller(&mut h, 1);
    c1.start(&mut h.ctx(Node::QuorumController(1)));
    assert!(
        c1.is_active(),
        "controller 1 leads epoch 1 and is active at the start"
    );
    h.take();
    let end = c1.raft.end_offset();
    // Past broker 1's session (9 s from the controller's activation): its new incarnation's
    // registration is accepted (before that it is refused, and writes nothing).
    h.advance_to(SimTime::from_ms(9_010));
    c1.on_msg(
        &mut h.ctx(Node::QuorumController(1)),
        Node::Broker(1),
        reregistration(),
    );
    // Fencing the old incarnation and re-electing are records beyond the high watermark...
    assert!(c1.raft.end_offset() > end);
    assert_eq!(c1.raft.high_watermark, end);
    let sent = h.sent();
    assert!(
        !sent
            .iter()
            .any(|(to, m)| *to == Node::Broker(1) && matches!(m, Msg::BrokerHeartbeat(_))),
        "no answer before commit: {sent:?}"
    );
    // ...until a follower has fetched them: with the leader that is a majority of three.
    let new_end = c1.raft.end_offset();
    h.advance_to(SimTime::from_ms(9_011));
    c1.on_msg(
        &mut h.ctx(Node::QuorumController(1)),
        Node::QuorumController(2),
        Msg::Raft(Box::new(RaftMsg::Fetch {
            epoch: 1,
            fetch_offset: new_end,
            last_fetched_epoch: 1,
        })),
    );
    assert_eq!(c1.raft.high_watermark, new_end);
    let sent = h.sent();
    assert!(
        sent.iter().any(|(to, m)| *to == Node::Broker(1)
            && matches!(
                m,
                Msg::BrokerHeartbeat(BrokerHeartbeat::Response { fenced: true, .. })
            )),
        "answered once committed: {sent:?}"
    );
    // The committed state (what brokers fetch) now has the new incarnation.
    assert_eq!(c1.committed.brokers[0].broker_epoch, 2);
}

#[test]
fn a_follower_sends_brokers_to_the_leader() {
    let mut h = Harness::new(&spec());
    let mut c2 = controller(&mut h, 2);
    c2.start(&mut h.ctx(Node::QuorumController(2)));
    assert!(!c2.is_active());
    h.take();
    c2.on_msg(
        &mut h.ctx(Node::QuorumController(2)),
        Node::Broker(3),
        reregistration(),
    );
    assert_eq!(
        h.sent(),
        vec![(
            Node::Broker(3),
            Msg::NotController {
                req_id: Some(1),
                leader: Some(1)
            }
        )]
    );
}

#[test]
fn active_controller_count_per_controller() {
    // Controller 1 crashes at 3 s; another becomes active; each controller has its own series.
    let mut spec = spec();
    spec.schedule.push(khafka_sim::spec::Scheduled {
        at: SimTime::from_secs(3),
        fault: khafka_sim::Fault::CrashController { controller: 1 },
    });
    spec.run_for = SimTime::from_secs(8);
    let mut sim = khafka_sim::Sim::new(spec);
    sim.run();
    let series = |name: &str| sim.metrics().series.get(name).cloned().unwrap_or_default();
    let c1 = series("ActiveControllerCount.controller=1");
    assert_eq!(c1.first(), Some(&1.0));
    assert_eq!(c1.last(), Some(&0.0));
    let others: f64 = ["2", "3"]
        .iter()
        .map(|c| {
            *series(&format!("ActiveControllerCount.controller={c}"))
                .last()
                .unwrap()
        })
        .sum();
    assert_eq!(others, 1.0, "exactly one of 2 and 3 is active at the end");
    assert_eq!(sim.metrics().last("ActiveControllerCount"), Some(1.0));
    assert!(sim
        .metrics()
        .series
        .get("ActiveControllerCount.controller=4")
        .is_none());
}

/// A refused registration writes nothing, so the active controller answers it at once when no
/// write waits for its commit (`QuorumController.ControllerWriteEvent.run` completes a read-only
/// operation immediately when its purgatory is empty). The engine held every answer until the
/// next commit, so with `controllers=N` a refused broker heard nothing until the old session was
/// fenced, then registered ~7 s earlier than its backoff allows.
#[test]
fn a_refused_registration_is_answered_at_once() {
    let mut h = Harness::new(&spec());
    let mut c1 = controller(&mut h, 1);
    c1.start(&mut h.ctx(Node::QuorumController(1)));
    assert!(c1.is_active());
    h.take();
    let end = c1.raft.end_offset();
    h.advance_to(SimTime::from_ms(10));
    c1.on_msg(
        &mut h.ctx(Node::QuorumController(1)),
        Node::Broker(1),
        reregistration(),
    );
    assert_eq!(c1.raft.end_offset(), end, "a refusal writes nothing");
    let refused = h.sent().into_iter().any(|(to, m)| {
        to == Node::Broker(1)
            && matches!(
                m,
                Msg::BrokerHeartbeat(BrokerHeartbeat::Response {
                    broker_epoch: 2,
                    refused: true,
                    ..
                })
            )
    });
    assert!(refused, "answered at once");
}
