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
