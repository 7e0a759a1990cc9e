//! One actor at a time, driven by hand through the single-actor harness (`khafka_sim::harness`):
//! the rules of one Kafka class, with no cluster around it.

use khafka_sim::broker::{Broker, BrokerAction};
use khafka_sim::controller::Controller;
use khafka_sim::ctx::{Node, Timer};
use khafka_sim::harness::Harness;
use khafka_sim::msg::{Msg, PartitionState};
use khafka_sim::protocol::{AlterPartition, BrokerHeartbeat, Fetch, MetadataFetch};
use khafka_sim::spec::{ScenarioSpec, TopicSpec};
use khafka_sim::SimTime;

use khafka_sim::client::backoff::{Lent, Loads, MetadataUpdater, NodeLoad, RequestTimes};
use khafka_sim::rng::SimRng;

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

/// The metadata log's answer to broker `b`'s fetch in flight: `partitions` up to `offset`.
fn answer_metadata(h: &mut Harness, b: &mut Broker, offset: u64, partitions: Vec<PartitionState>) {
    let req_id = b
        .metadata_fetch_in_flight
        .expect("a metadata fetch in flight");
    let msg = Msg::MetadataFetch(MetadataFetch::Response {
        req_id,
        offset,
        partitions,
        ineligible: Vec::new(),
    });
    b.on_msg(&mut h.ctx(Node::Broker(b.id)), Node::Controller, msg);
}

/// Broker `id`, started with the cluster (so registered and unfenced) and told by the metadata log
/// that broker 1 leads t-0 with ISR {1,2,3}.
fn started(h: &mut Harness, id: u32) -> Broker {
    starting(h, id, true)
}

/// Broker `id` started (with the run, or later: still starting), and told by the metadata log that
/// broker 1 leads t-0 with ISR {1,2,3}.
fn starting(h: &mut Harness, id: u32, with_the_run: bool) -> Broker {
    let mut b = h.broker(id);
    b.start(&mut h.ctx(Node::Broker(id)));
    if with_the_run {
        b.started_before_the_run();
    }
    answer_metadata(h, &mut b, 1, vec![state(1, 0, &[1, 2, 3])]);
    b
}

/// The heartbeats `sent` carries, by request id.
fn beats(sent: &[(Node, Msg)]) -> Vec<u64> {
    sent.iter()
        .filter_map(|(_, m)| match m {
            Msg::BrokerHeartbeat(BrokerHeartbeat::Request { req_id, .. }) => Some(*req_id),
            _ => None,
        })
        .collect()
}

fn answer(req_id: u64, broker_epoch: u64, fenced: bool) -> Msg {
    Msg::BrokerHeartbeat(BrokerHeartbeat::Response {
        req_id,
        broker_epoch,
        fenced,
        shutdown_ready: false,
        refused: false,
    })
}

/// The controller, started with a healthy cluster (its start's messages and timers taken).
fn controller(h: &mut Harness) -> (Controller, Vec<(SimTime, Timer)>) {
    let mut c = Controller::new(3, h.topo.parts.iter().map(|p| p.replicas.clone()));
    c.start(&mut h.ctx(Node::Controller));
    let mut timers = Vec::new();
    h.sent_and_timers(&mut timers);
    (c, timers)
}

/// Broker 1 started with the run, the timers it set and its first heartbeat's request id.
fn running(h: &mut Harness) -> (Broker, Vec<(SimTime, Timer)>, u64) {
    let b = started(h, 1);
    let mut timers = Vec::new();
    let first = beats(&h.sent_and_timers(&mut timers))[0];
    (b, timers, first)
}

/// Removes and returns the one `Communication` timer (the next heartbeat) among `timers`.
fn next_communication(timers: &mut Vec<(SimTime, Timer)>) -> (SimTime, Timer) {
    let all: Vec<usize> = (0..timers.len())
        .filter(|&i| matches!(timers[i].1, Timer::Communication { .. }))
        .collect();
    assert_eq!(all.len(), 1, "one communication scheduled: {timers:?}");
    timers.remove(all[0])
}

/// Kafka's `BrokerLifecycleManager` keeps one heartbeat in flight and schedules the next when it
/// is answered: every 10 ms while the broker is starting, every `broker.heartbeat.interval.ms`
/// (2 s) once unfenced. An answer to another heartbeat, or to the previous incarnation's, is not
/// read. (The engine sent a heartbeat every 2 s whatever was in flight, and a second answer set
/// a second cadence.)
#[test]
fn a_kraft_broker_keeps_one_heartbeat_in_flight() {
    let mut h = Harness::new(&spec());
    let me = Node::Broker(2);
    let mut b = starting(&mut h, 2, false);
    let mut timers: Vec<(SimTime, Timer)> = Vec::new();
    let sent = beats(&h.sent_and_timers(&mut timers));
    assert_eq!(sent.len(), 1, "registers at start");
    let mut in_flight = sent[0];
    assert_eq!(b.heartbeat_in_flight(), Some(in_flight));
    assert!(!timers.iter().any(|t| matches!(t.1, Timer::Heartbeat)));
    let epoch = b.broker_epoch;
    for n in 1..=2u64 {
        // Fenced: the next heartbeat 10 ms later. The same answer again, and one to another
        // request, schedule nothing more.
        b.on_msg(
            &mut h.ctx(me),
            Node::Controller,
            answer(in_flight, epoch, true),
        );
        b.on_msg(
            &mut h.ctx(me),
            Node::Controller,
            answer(in_flight, epoch, true),
        );
        b.on_msg(&mut h.ctx(me), Node::Controller, answer(999, epoch, true));
        h.sent_and_timers(&mut timers);
        let (at, timer) = next_communication(&mut timers);
        assert_eq!(at, SimTime::from_ms(10 * n));
        h.advance_to(at);
        b.on_timer(&mut h.ctx(me), timer);
        let sent = beats(&h.sent_and_timers(&mut timers));
        assert_eq!(sent.len(), 1);
        in_flight = sent[0];
    }
    // An unfencing answer to the previous incarnation's heartbeat is not read: still fenced.
    b.on_msg(
        &mut h.ctx(me),
        Node::Controller,
        answer(in_flight, epoch - 1, false),
    );
    assert!(b.fenced);
    assert_eq!(b.heartbeat_in_flight(), Some(in_flight));
    // Unfenced: the next heartbeat at the interval.
    b.on_msg(
        &mut h.ctx(me),
        Node::Controller,
        answer(in_flight, epoch, false),
    );
    assert!(!b.fenced);
    assert_eq!(b.heartbeat_in_flight(), None);
    h.sent_and_timers(&mut timers);
    let (at, timer) = next_communication(&mut timers);
    assert_eq!(at, SimTime::from_ms(20 + 2_000));
    h.advance_to(at);
    b.on_timer(&mut h.ctx(me), timer);
    let sent = beats(&h.sent_and_timers(&mut timers));
    assert_eq!(sent.len(), 1);
    assert!(timers
        .iter()
        .all(|t| !matches!(t.1, Timer::Communication { .. })));
}

/// A heartbeat unanswered for the controller channel's request timeout
/// (`broker.session.timeout.ms` / 2 = 4.5 s, KAFKA-14392) fails, and the next goes after
/// `ExponentialBackoff(100 ms, 2, …)`, not at the interval; its answer, should it come later, is
/// not read (the channel closed its connection). A disconnect sends the heartbeat in flight
/// again. (The engine sent the next heartbeat at the interval, whatever became of the last.)
#[test]
fn an_unanswered_heartbeat_times_out_and_backs_off() {
    let mut h = Harness::new(&spec());
    let me = Node::Broker(1);
    let (mut b, mut timers, first) = running(&mut h);
    let (at, timeout) = timers
        .iter()
        .find(|t| t.1 == Timer::HeartbeatTimeout { req_id: first })
        .cloned()
        .expect("a request timeout");
    assert_eq!(at, SimTime::from_ms(4_500));
    assert!(timers
        .iter()
        .all(|t| !matches!(t.1, Timer::Communication { .. })));
    timers.clear();
    h.advance_to(at);
    b.on_timer(&mut h.ctx(me), timeout);
    assert_eq!(b.heartbeat_in_flight(), None);
    h.sent_and_timers(&mut timers);
    let (retry_at, timer) = next_communication(&mut timers);
    let wait = retry_at.as_us() - at.as_us();
    assert!((98_000..=102_000).contains(&wait), "{wait} µs");
    // The late answer is not read: nothing is scheduled by it.
    b.on_msg(
        &mut h.ctx(me),
        Node::Controller,
        answer(first, b.broker_epoch, false),
    );
    h.sent_and_timers(&mut timers);
    assert!(timers
        .iter()
        .all(|t| !matches!(t.1, Timer::Communication { .. })));
    h.advance_to(retry_at);
    b.on_timer(&mut h.ctx(me), timer);
    let second = beats(&h.sent_and_timers(&mut timers))[0];
    assert_ne!(second, first);
    // A disconnect from elsewhere is not this request's; the controller's closes it: the
    // channel sends it again after `retry.backoff.ms` (100 ms), the same request.
    timers.clear();
    for from in [Node::Broker(2), Node::Controller] {
        b.on_msg(&mut h.ctx(me), from, Msg::Disconnect { req_id: second });
    }
    assert!(beats(&h.sent_and_timers(&mut timers)).is_empty());
    let (again_at, again) = timers
        .iter()
        .find(|t| t.1 == Timer::HeartbeatTimeout { req_id: second })
        .cloned()
        .expect("a resend");
    assert_eq!(again_at.as_us() - retry_at.as_us(), 100_000);
    h.advance_to(again_at);
    b.on_timer(&mut h.ctx(me), again);
    assert_eq!(beats(&h.sent_and_timers(&mut timers)), vec![second]);
}

/// `BeginControlledShutdownEvent`: a broker that is not RUNNING yet (still starting, here
/// refused its registration) shuts down at once, with no controlled shutdown to wait for (the
/// engine heartbeated and waited for the controller's answer, up to a session).
#[test]
fn a_starting_broker_shuts_down_at_once() {
    let mut h = Harness::new(&spec());
    let mut b = starting(&mut h, 2, false);
    let action = b.begin_shutdown(&mut h.ctx(Node::Broker(2)));
    assert_eq!(action, BrokerAction::Stop { clean: true });
    let mut b = started(&mut h, 1);
    let action = b.begin_shutdown(&mut h.ctx(Node::Broker(1)));
    assert_eq!(
        action,
        BrokerAction::None,
        "a running broker asks the controller"
    );
}

/// `ReplicaManager.applyLocalFollowersDelta`: a broker in controlled shutdown stops fetching a
/// partition whose ISR no longer has it (the controller took it out of every ISR). The engine
/// went on fetching until it stopped.
#[test]
fn a_broker_in_controlled_shutdown_stops_fetching_what_left_its_isr() {
    let mut h = Harness::new(&spec());
    let me = Node::Broker(2);
    let mut b = started(&mut h, 2);
    let fetches = |sent: Vec<(Node, Msg)>| {
        sent.iter()
            .filter(|(_, m)| matches!(m, Msg::Fetch(Fetch::Request { partitions, .. }) if !partitions.is_empty()))
            .count()
    };
    assert_eq!(fetches(h.sent()), 1, "a follower of t-0 fetches");
    assert_eq!(b.begin_shutdown(&mut h.ctx(me)), BrokerAction::None);
    answer_metadata(&mut h, &mut b, 2, vec![state(1, 1, &[1, 3])]);
    h.take();
    b.fetchers.clear();
    b.pump_fetcher(&mut h.ctx(me), 1);
    assert_eq!(fetches(h.sent()), 0);
}

/// `BrokerLifecycleManager` in PENDING_CONTROLLED_SHUTDOWN: the heartbeat that asks to shut down
/// goes at once; after the controller's first answer the next goes 50 ms later, then at the
/// interval, until the controller says the broker may stop.
#[test]
fn a_controlled_shutdown_heartbeats_at_once_then_50_ms_then_at_the_interval() {
    let mut h = Harness::new(&spec());
    let me = Node::Broker(1);
    let (mut b, mut timers, first) = running(&mut h);
    let epoch = b.broker_epoch;
    b.on_msg(
        &mut h.ctx(me),
        Node::Controller,
        answer(first, epoch, false),
    );
    timers.clear();
    h.sent_and_timers(&mut timers);
    h.advance_to(SimTime::from_ms(500));
    b.begin_shutdown(&mut h.ctx(me));
    h.sent_and_timers(&mut timers);
    // The interval's heartbeat is replaced by one at once.
    timers.retain(|t| matches!(t.1, Timer::Communication { .. }) && t.0 == SimTime::from_ms(500));
    let (at, timer) = next_communication(&mut timers);
    b.on_timer(&mut h.ctx(me), timer);
    assert_eq!(at, SimTime::from_ms(500));
    let mut in_flight = beats(&h.sent_and_timers(&mut timers))[0];
    let mut now = 500;
    let shutdown_answer = |req_id, ready| {
        Msg::BrokerHeartbeat(BrokerHeartbeat::Response {
            req_id,
            broker_epoch: epoch,
            fenced: false,
            shutdown_ready: ready,
            refused: false,
        })
    };
    for wait in [50, 2_000] {
        b.on_msg(
            &mut h.ctx(me),
            Node::Controller,
            shutdown_answer(in_flight, false),
        );
        h.sent_and_timers(&mut timers);
        timers.retain(|t| matches!(t.1, Timer::Communication { .. }));
        let (at, timer) = next_communication(&mut timers);
        assert_eq!(at, SimTime::from_ms(now + wait));
        now += wait;
        h.advance_to(at);
        b.on_timer(&mut h.ctx(me), timer);
        in_flight = beats(&h.sent_and_timers(&mut timers))[0];
    }
    let action = b.on_msg(
        &mut h.ctx(me),
        Node::Controller,
        shutdown_answer(in_flight, true),
    );
    assert_eq!(action, BrokerAction::Stop { clean: true });
}

/// `BrokerHeartbeatManager.calculateNextBrokerState`: a broker that leads and asks to shut down
/// enters controlled shutdown (its leaderships move, it leaves every ISR) and may stop only once
/// every active broker has reported a metadata offset past those changes. (The engine let it stop
/// at its first request, before the other brokers had heard of the new leaders, and kept it in
/// the ISRs of the partitions it followed.)
#[test]
fn a_controlled_shutdown_waits_for_the_active_brokers_to_catch_up() {
    let mut two = ScenarioSpec::default();
    two.topics.push(TopicSpec::new("t", 2, 3));
    let mut h = Harness::new(&two);
    let (mut c, mut timers) = controller(&mut h);
    let leader = c.parts[0].leader.expect("a leader");
    let others: Vec<u32> = (1..=3).filter(|b| *b != leader).collect();
    // Broker `b` heartbeats (`req_id`), reporting `metadata_offset`; the leader's answer says
    // whether it may stop.
    let mut beat = |c: &mut Controller, b: u32, req_id, metadata_offset, want_shutdown| {
        let msg = Msg::BrokerHeartbeat(BrokerHeartbeat::Request {
            req_id,
            broker_epoch: 1,
            previous_broker_epoch: None,
            metadata_offset,
            want_shutdown,
        });
        c.on_msg(&mut h.ctx(Node::Controller), Node::Broker(b), msg);
        h.sent_and_timers(&mut timers)
            .into_iter()
            .find_map(|(to, m)| match m {
                Msg::BrokerHeartbeat(BrokerHeartbeat::Response { shutdown_ready, .. })
                    if to == Node::Broker(b) =>
                {
                    Some(shutdown_ready)
                }
                _ => None,
            })
            .expect("an answer")
    };
    let at_start = c.log.len() as u64;
    for b in &others {
        beat(&mut c, *b, 1, at_start, false);
    }
    let followed = c.parts[1].leader;
    assert_ne!(followed, Some(leader));
    assert!(
        !beat(&mut c, leader, 2, at_start, true),
        "controlled shutdown"
    );
    assert_ne!(c.parts[0].leader, Some(leader));
    assert!(!c.parts[0].isr.contains(&leader));
    // It leaves the ISR of the partition it follows too; that one keeps its leader.
    assert!(!c.parts[1].isr.contains(&leader));
    assert_eq!(c.parts[1].leader, followed);
    let moved = c.log.len() as u64;
    assert!(moved > at_start);
    // The others have not reported the change yet: not ready.
    assert!(!beat(&mut c, leader, 3, moved, true));
    beat(&mut c, others[0], 4, moved, false);
    assert!(
        !beat(&mut c, leader, 5, moved, true),
        "one active broker behind"
    );
    beat(&mut c, others[1], 6, moved, false);
    assert!(beat(&mut c, leader, 7, moved, true));
    assert!(c.brokers[(leader - 1) as usize].fenced);
}

/// `BrokerHeartbeatManager.touch`: a broker whose session expires during its controlled shutdown
/// is fenced, forgets its controlled-shutdown offset, and may stop at its next heartbeat, however
/// far behind the other brokers are.
#[test]
fn a_broker_fenced_during_its_controlled_shutdown_may_stop_at_once() {
    let mut h = Harness::new(&spec());
    let (mut c, mut timers) = controller(&mut h);
    let leader = c.parts[0].leader.expect("a leader");
    let beat = |req_id| {
        Msg::BrokerHeartbeat(BrokerHeartbeat::Request {
            req_id,
            broker_epoch: 1,
            previous_broker_epoch: None,
            metadata_offset: 0,
            want_shutdown: true,
        })
    };
    let ready = |sent: Vec<(Node, Msg)>| {
        sent.into_iter().any(|(_, m)| {
            matches!(
                m,
                Msg::BrokerHeartbeat(BrokerHeartbeat::Response {
                    shutdown_ready: true,
                    ..
                })
            )
        })
    };
    c.on_msg(&mut h.ctx(Node::Controller), Node::Broker(leader), beat(1));
    assert!(!ready(h.sent_and_timers(&mut timers)));
    let (at, timer) = timers
        .iter()
        .rev()
        .find(|t| matches!(t.1, Timer::SessionTimeout { broker, .. } if broker == leader))
        .cloned()
        .expect("its session timer");
    h.advance_to(at);
    c.on_timer(&mut h.ctx(Node::Controller), timer);
    assert!(c.brokers[(leader - 1) as usize].fenced);
    h.sent_and_timers(&mut timers);
    c.on_msg(&mut h.ctx(Node::Controller), Node::Broker(leader), beat(2));
    assert!(ready(h.sent_and_timers(&mut timers)));
}

/// `ClusterControlManager.registerBroker`: the registration of a new incarnation is refused
/// (`DUPLICATE_BROKER_REGISTRATION`) while the previous one still holds a valid session, and
/// accepted once the controller has fenced it (`broker.session.timeout.ms` after its last
/// heartbeat). The engine used to accept it at once and fence the old incarnation for it, so a
/// broker that crashed and restarted within the session came back 9 s early.
#[test]
fn a_new_incarnation_is_refused_while_the_old_session_is_valid() {
    use khafka_sim::trace::TraceKind;
    let mut h = Harness::new(&spec());
    let (mut c, mut timers) = controller(&mut h);
    // Broker 1's last heartbeat of its first incarnation, at 1 s.
    let beat = |broker_epoch| {
        Msg::BrokerHeartbeat(BrokerHeartbeat::Request {
            req_id: 1,
            broker_epoch,
            previous_broker_epoch: None,
            metadata_offset: 0,
            want_shutdown: false,
        })
    };
    h.advance_to(SimTime::from_ms(1_000));
    c.on_msg(&mut h.ctx(Node::Controller), Node::Broker(1), beat(1));
    h.sent_and_timers(&mut timers);
    let answer = |sent: Vec<(Node, Msg)>| {
        sent.into_iter()
            .find_map(|(to, m)| match m {
                Msg::BrokerHeartbeat(BrokerHeartbeat::Response {
                    broker_epoch,
                    fenced,
                    refused,
                    ..
                }) if to == Node::Broker(1) => Some((broker_epoch, fenced, refused)),
                _ => None,
            })
            .expect("an answer to broker 1")
    };
    // It crashed and came back at 3 s, and again at the last instant of the session (10 s):
    // refused both times, and the registration is left as it was.
    for at in [3_000, 10_000] {
        h.advance_to(SimTime::from_ms(at));
        c.on_msg(&mut h.ctx(Node::Controller), Node::Broker(1), beat(2));
        assert_eq!(
            answer(h.sent_and_timers(&mut timers)),
            (2, true, true),
            "{at}"
        );
        assert_eq!(c.brokers[0].broker_epoch, 1);
        assert!(!c.brokers[0].fenced);
    }
    let refused = h
        .trace
        .notable
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                TraceKind::RegistrationRefused {
                    broker: 1,
                    broker_epoch: 2
                }
            )
        })
        .count();
    assert_eq!(refused, 2);
    // The session timer of the last heartbeat fires at 10 s: fenced, then the new incarnation is
    // accepted, fenced until it catches up, and its crash cost it every ISR.
    let (at, timer) = timers
        .iter()
        .rev()
        .find(|t| matches!(t.1, Timer::SessionTimeout { broker: 1, .. }))
        .cloned()
        .expect("the last heartbeat's session timer");
    assert_eq!(at, SimTime::from_ms(10_000));
    c.on_timer(&mut h.ctx(Node::Controller), timer);
    assert!(c.brokers[0].fenced);
    h.sent_and_timers(&mut timers);
    c.on_msg(&mut h.ctx(Node::Controller), Node::Broker(1), beat(2));
    let (epoch, _, refused) = answer(h.sent_and_timers(&mut timers));
    assert_eq!((epoch, refused), (2, false));
    assert_eq!(c.brokers[0].broker_epoch, 2);
    assert!(!c.parts[0].isr.contains(&1));
}

/// `BrokerLifecycleManager`: a refused registration is sent again after
/// `ExponentialBackoff(100 ms, 2, broker.session.timeout.ms, 0.02)`; and
/// a starting broker publishes the metadata log as soon as it has read it, registered or not
/// (`MetadataLoader`), as an image: each partition's latest state, never a leadership the log has
/// since taken away.
#[test]
fn a_refused_broker_backs_off_and_a_starting_one_publishes_images() {
    let mut h = Harness::new(&spec());
    let me = Node::Broker(1);
    let mut b = starting(&mut h, 1, false);
    // The metadata log said broker 1 leads t-0 (epoch 0): published, though not registered (its
    // listeners stay closed: nobody reaches that leadership).
    assert_eq!(b.replicas[&0].state.leader, Some(1));
    let epoch = b.broker_epoch;
    let mut timers = Vec::new();
    h.sent_and_timers(&mut timers);
    let refused = |req_id| {
        Msg::BrokerHeartbeat(BrokerHeartbeat::Response {
            req_id,
            broker_epoch: epoch,
            fenced: true,
            shutdown_ready: false,
            refused: true,
        })
    };
    let mut in_flight = b.heartbeat_in_flight().expect("its registration");
    let mut now_ms = 0u64;
    for n in 0..8u32 {
        timers.clear();
        b.on_msg(&mut h.ctx(me), Node::Controller, refused(in_flight));
        h.sent_and_timers(&mut timers);
        timers.retain(|t| matches!(t.1, Timer::Communication { .. }));
        let (at, timer) = next_communication(&mut timers);
        let term_us = (100u64 << n).min(9_000) * 1_000;
        let wait = at.as_us() - now_ms * 1_000;
        assert!(
            wait >= term_us * 98 / 100 && wait <= (term_us * 102 / 100).min(9_000_000),
            "attempt {n}: {wait} µs"
        );
        h.advance_to(at);
        now_ms = at.as_us() / 1_000;
        b.on_timer(&mut h.ctx(me), timer);
        let sent = beats(&h.sent_and_timers(&mut timers));
        assert_eq!(sent.len(), 1);
        in_flight = sent[0];
        // `now_ms` rounds down: keep the clock on a whole millisecond.
        h.advance_to(SimTime::from_ms(now_ms + 1));
        now_ms += 1;
    }
    // The log moved on twice while the broker waited (broker 2 led t-0 at epoch 1, then broker 3
    // at epoch 2), and one answer brings both: only the latest is published.
    let mut later = state(2, 1, &[2, 3]);
    later.leader_epoch = 1;
    let mut latest = state(3, 2, &[3]);
    latest.leader_epoch = 2;
    answer_metadata(&mut h, &mut b, 3, vec![later, latest]);
    assert_eq!(b.replicas[&0].state.leader, Some(3));
    assert_eq!(b.replicas[&0].state.leader_epoch, 2);
    let events = h
        .trace
        .events
        .as_ref()
        .expect("the harness keeps its trace");
    assert!(
        !events.iter().any(|e| matches!(
            e.kind,
            khafka_sim::trace::TraceKind::BecameFollower {
                broker: 1,
                leader: Some(2),
                ..
            }
        )),
        "never followed broker 2 at epoch 1"
    );
    b.on_msg(
        &mut h.ctx(me),
        Node::Controller,
        answer(in_flight, epoch, false),
    );
    assert!(!b.fenced);
    // Registered: the next heartbeat at the interval, after a success (no backoff left).
    timers.clear();
    h.sent_and_timers(&mut timers);
    let (at, _) = next_communication(&mut timers);
    assert_eq!(at.as_us(), now_ms * 1_000 + 2_000_000);
}

/// Broker 1, leading t-0 with ISR {1,2,3} (`started`), one record in its log that no follower
/// has fetched.
fn leader(h: &mut Harness) -> Broker {
    let mut b = started(h, 1);
    leader_appends(h, &mut b, 0, 0, 1);
    b
}

/// Leader `b` appends record `record` at `offset` in `epoch` to t-0 (its effects dropped).
fn leader_appends(h: &mut Harness, b: &mut Broker, offset: u64, epoch: u32, record: u64) {
    let batch = h.batches.add(offset, epoch, &[record], None);
    b.replicas
        .get_mut(&0)
        .unwrap()
        .log
        .append(batch, &h.batches, 0);
    h.take();
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
        ineligible: Vec::new(),
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

/// `Partition.handleAlterPartitionError`: a refusal that may hide an applied change or a stale
/// state (`INVALID_UPDATE_VERSION`, `FENCED_LEADER_EPOCH`, …) leaves the change pending, not
/// sent again, until the metadata log settles it; `INELIGIBLE_REPLICA` says the change was not
/// applied and the state is current, so the leader goes back to its committed ISR at once.
#[test]
fn a_refused_isr_change_waits_for_the_metadata_log_unless_a_replica_was_ineligible() {
    use khafka_sim::msg::ErrorCode;
    for (error, settled_at_once) in [
        (ErrorCode::InvalidUpdateVersion, false),
        (ErrorCode::FencedLeaderEpoch, false),
        (ErrorCode::IneligibleReplica, true),
    ] {
        let mut h = Harness::new(&spec());
        let mut b = leader(&mut h);
        h.advance_to(SimTime::from_secs(31));
        b.on_timer(&mut h.ctx(Node::Broker(1)), Timer::IsrExpiration);
        let retry = h
            .timers()
            .into_iter()
            .find(|(_, t)| matches!(t, Timer::AlterPartitionRetry { .. }))
            .expect("a retry is armed");
        h.take();
        let answer = Msg::AlterPartition(AlterPartition::Response {
            part: 0,
            partition_epoch: 0,
            result: Err(error),
        });
        b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Controller, answer);
        let pending = b.replicas[&0].pending_isr.clone();
        if settled_at_once {
            assert_eq!(pending, None, "{error:?}");
            continue;
        }
        assert_eq!(pending, Some(vec![1]), "{error:?}: still pending");
        h.advance_to(retry.0);
        b.on_timer(&mut h.ctx(Node::Broker(1)), retry.1);
        assert!(
            alter_partitions(&h.sent()).is_empty(),
            "{error:?}: not sent again"
        );
        answer_metadata(&mut h, &mut b, 2, vec![state(1, 1, &[1])]);
        let r = &b.replicas[&0];
        assert_eq!(
            (r.state.isr.clone(), r.pending_isr.clone()),
            (vec![1], None),
            "{error:?}: settled by the metadata log"
        );
    }
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
    // Its session ended while it was down (a registration is refused until then).
    c.brokers[2].fenced = true;
    let beat = |previous| {
        Msg::BrokerHeartbeat(BrokerHeartbeat::Request {
            req_id: 1,
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

/// A started member `c` of group `g` on topic `t`, with `settings` besides `group.id`.
#[cfg(feature = "groups")]
fn group_consumer(
    h: &mut Harness,
    settings: &[(&str, &str)],
) -> khafka_sim::client::consumer::Consumer {
    let mut cs = khafka_sim::spec::ConsumerSpec::new("c", "t");
    cs.config.set("group.id", "g").unwrap();
    for (k, v) in settings {
        cs.config.set(k, v).unwrap();
    }
    let subscribed = khafka_sim::client::consumer::subscribed::Subscribed::new(&h.topo, &[0]);
    let mut c = khafka_sim::client::consumer::Consumer::new(0, &cs, subscribed, 1);
    c.start(&mut h.ctx(Node::Consumer(0)));
    c
}

/// A started member `c` of group `g` (`group_consumer`) in a fresh harness, and the list its
/// timers will be kept in.
#[cfg(feature = "groups")]
fn member(
    settings: &[(&str, &str)],
) -> (
    Harness,
    khafka_sim::client::consumer::Consumer,
    Vec<(SimTime, Timer)>,
) {
    let mut h = Harness::new(&spec());
    let c = group_consumer(&mut h, settings);
    (h, c, Vec::new())
}

/// A started KIP-848 member `c` of group `g` on topic `t` (`group.protocol=consumer`).
#[cfg(feature = "groups")]
fn kip848_consumer(h: &mut Harness) -> khafka_sim::client::consumer::Consumer {
    group_consumer(h, &[("group.protocol", "consumer")])
}

/// What a well-behaved group coordinator answers a KIP-848 member: `coordinator` to
/// FindCoordinator; epoch 1 to a heartbeat (t-0 to a join), a leave kept as sent; offset 0 to
/// OffsetFetch; `commit_error` to OffsetCommit.
#[cfg(feature = "groups")]
fn coordinator_answer(
    req: &khafka_sim::protocol::group::GroupRequest,
    coordinator: u32,
    commit_error: khafka_sim::msg::ErrorCode,
) -> Option<khafka_sim::protocol::group::GroupResponse> {
    use khafka_sim::client::consumer::assignor::TopicPartition;
    use khafka_sim::msg::ErrorCode;
    use khafka_sim::protocol::group::{
        ConsumerGroupHeartbeatResponse, GroupRequest, GroupResponse,
    };
    Some(match req {
        GroupRequest::FindCoordinator { .. } => GroupResponse::FindCoordinator {
            error: ErrorCode::None,
            coordinator: Some(coordinator),
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
                assignment: (r.member_epoch == 0).then(|| vec![TopicPartition::new("t", 0)]),
            })
        }
        GroupRequest::OffsetFetch { .. } => GroupResponse::OffsetFetch {
            error: ErrorCode::None,
            offsets: vec![(0, Some((0, None)))],
        },
        GroupRequest::OffsetCommit { .. } => GroupResponse::OffsetCommit {
            error: commit_error,
        },
        _ => return None,
    })
}

/// Fires member `c`'s timers due by `until` in time order, answering what it asks the group
/// coordinator (broker 1) with `answer(time, request id, request)` (no answer: `None`); keeps the
/// timers it sets in `timers`. Returns the requests answered, with their times.
#[cfg(feature = "groups")]
fn drive_member(
    h: &mut Harness,
    c: &mut khafka_sim::client::consumer::Consumer,
    timers: &mut Vec<(SimTime, Timer)>,
    until: u64,
    mut answer: impl FnMut(
        SimTime,
        u64,
        &khafka_sim::protocol::group::GroupRequest,
    ) -> Option<khafka_sim::protocol::group::GroupResponse>,
) -> Vec<(SimTime, khafka_sim::protocol::group::GroupRequest)> {
    use khafka_sim::msg::Group;
    let me = Node::Consumer(0);
    let mut asked = Vec::new();
    loop {
        // Answers until the member asks nothing more.
        loop {
            let mut replies = Vec::new();
            for (to, msg) in h.sent_and_timers(timers) {
                let (Node::Broker(_), Msg::Group(Group::Request { req_id, req })) = (to, msg)
                else {
                    continue;
                };
                let Some(resp) = answer(h.now, req_id, &req) else {
                    continue;
                };
                asked.push((h.now, (*req).clone()));
                replies.push(Msg::Group(Group::Response {
                    req_id,
                    resp: Box::new(resp),
                }));
            }
            if replies.is_empty() {
                break;
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
        if !fire_next_timer(h, c, timers, until) {
            return asked;
        }
    }
}

/// Fires member `c`'s (consumer 0's) earliest timer if it is due by `until` (µs); `false` when
/// none is.
fn fire_next_timer(
    h: &mut Harness,
    c: &mut khafka_sim::client::consumer::Consumer,
    timers: &mut Vec<(SimTime, Timer)>,
    until: u64,
) -> bool {
    timers.sort_by_key(|t| t.0);
    if timers.first().is_none_or(|t| t.0.as_us() > until) {
        return false;
    }
    let (at, timer) = timers.remove(0);
    h.advance_to(at);
    c.on_timer(&mut h.ctx(Node::Consumer(0)), timer);
    true
}

/// A KIP-848 member (`group.protocol=consumer`) whose auto-commit fails with `UNKNOWN_MEMBER_ID`
/// keeps its membership as it was: in Kafka's `CommitRequestManager` a failed commit fails the
/// commit and nothing else, and only a heartbeat answer fences the member. (Sweep seed 1033 with
/// KIP-848: the classic protocol's reset of the generation to -1 made the member send
/// `ConsumerGroupHeartbeat`s with epoch -1 — a leave — on every tick, millions of them.)
#[cfg(feature = "groups")]
#[test]
fn a_kip848_member_keeps_its_epoch_when_a_commit_fails_with_unknown_member_id() {
    use khafka_sim::client::consumer::group::Phase;
    use khafka_sim::client::consumer::Consumer;
    use khafka_sim::msg::ErrorCode;
    use khafka_sim::protocol::group::GroupRequest;

    let (mut h, mut c, mut timers) = member(&[("group.protocol", "consumer")]);
    let mut run = |h: &mut Harness, c: &mut Consumer, until: u64, commit_error: ErrorCode| {
        drive_member(h, c, &mut timers, until, |_, _, r| {
            coordinator_answer(r, 1, commit_error)
        })
        .into_iter()
        .map(|(_, r)| r)
        .collect::<Vec<_>>()
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

/// A periodic auto-commit that fails with a retriable error is tried again `retry.backoff.ms`
/// (100 ms) later, not a whole `auto.commit.interval.ms` (5 s) later: `ConsumerCoordinator.
/// autoCommitOffsetsAsync`'s callback resets the timer to the backoff (`nextAutoCommitTimer.
/// updateAndReset(retryBackoffMs)`), as KIP-848's `CommitRequestManager.resetAutoCommitTimer`
/// does (kafka-semantics.md §7.5).
#[cfg(feature = "groups")]
#[test]
fn a_retriable_auto_commit_failure_is_retried_after_the_backoff() {
    use khafka_sim::msg::ErrorCode;
    use khafka_sim::protocol::group::GroupRequest;

    for error in [
        ErrorCode::CoordinatorLoadInProgress,
        ErrorCode::NotCoordinator,
        ErrorCode::RequestTimedOut,
    ] {
        let (mut h, mut c, mut timers) = member(&[("group.protocol", "consumer")]);
        // The first auto-commit (5 s after the assignment) fails; the later ones succeed.
        let mut failed = false;
        let asked = drive_member(&mut h, &mut c, &mut timers, 12_000_000, |_, _, r| {
            let commit = matches!(r, GroupRequest::OffsetCommit { .. });
            let e = if commit && !failed {
                failed = true;
                error
            } else {
                ErrorCode::None
            };
            coordinator_answer(r, 1, e)
        });
        let commits: Vec<u64> = asked
            .iter()
            .filter(|(_, r)| matches!(r, GroupRequest::OffsetCommit { .. }))
            .map(|(t, _)| t.as_us())
            .collect();
        assert!(commits.len() >= 2, "{error:?}: commits at {commits:?} µs");
        let retry_after = commits[1] - commits[0];
        assert!(
            (100_000..=1_000_000).contains(&retry_after),
            "{error:?}: the second commit {retry_after} µs after the failed one (commits at {commits:?})"
        );
    }
}

/// A one-member classic group coordinator (broker 1): `m1` leads `generation` with its first
/// protocol and gets t-0; heartbeats get `heartbeat`; OffsetFetch finds offset 0; OffsetCommit
/// gets `commit` (`None`: no answer).
#[cfg(feature = "groups")]
fn one_member_coordinator(
    r: &khafka_sim::protocol::group::GroupRequest,
    generation: i32,
    heartbeat: khafka_sim::msg::ErrorCode,
    commit: Option<khafka_sim::msg::ErrorCode>,
) -> Option<khafka_sim::protocol::group::GroupResponse> {
    use khafka_sim::client::consumer::assignor::TopicPartition;
    use khafka_sim::msg::ErrorCode;
    use khafka_sim::protocol::group::{
        GroupRequest, GroupResponse, JoinGroupMember, JoinGroupResponse,
    };
    Some(match r {
        GroupRequest::FindCoordinator { .. } => GroupResponse::FindCoordinator {
            error: ErrorCode::None,
            coordinator: Some(1),
        },
        GroupRequest::JoinGroup(j) => {
            let (name, metadata) = j.protocols.first().cloned().unwrap();
            GroupResponse::JoinGroup(JoinGroupResponse {
                error: ErrorCode::None,
                generation,
                protocol_name: Some(name),
                leader: "m1".into(),
                member_id: "m1".into(),
                members: vec![JoinGroupMember {
                    member_id: "m1".into(),
                    group_instance_id: None,
                    metadata,
                }],
            })
        }
        GroupRequest::SyncGroup { .. } => GroupResponse::SyncGroup {
            error: ErrorCode::None,
            assignment: vec![TopicPartition::new("t", 0)],
        },
        GroupRequest::Heartbeat { .. } => GroupResponse::Heartbeat { error: heartbeat },
        GroupRequest::OffsetFetch { .. } => GroupResponse::OffsetFetch {
            error: ErrorCode::None,
            offsets: vec![(0, Some((0, None)))],
        },
        GroupRequest::OffsetCommit { .. } => GroupResponse::OffsetCommit { error: commit? },
        _ => return None,
    })
}

/// A cooperative member whose SyncGroup is answered `UNKNOWN_MEMBER_ID` gives its partitions up
/// as lost before it joins again: `AbstractCoordinator.resetStateAndRejoin` sets
/// `needsJoinPrepare`, and `ConsumerCoordinator.onJoinPrepare` with no generation calls
/// `onPartitionsLost` on everything it owns. It stops fetching them and rejoins owning nothing.
#[cfg(feature = "groups")]
#[test]
fn a_cooperative_member_whose_sync_fails_with_unknown_member_id_loses_its_partitions() {
    use khafka_sim::client::consumer::group::Phase;
    use khafka_sim::msg::ErrorCode;
    use khafka_sim::protocol::group::{GroupRequest, GroupResponse};

    let spec = spec();
    let mut h = Harness::new(&spec);
    let mut c = group_consumer(
        &mut h,
        &[(
            "partition.assignment.strategy",
            "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
        )],
    );
    let mut timers: Vec<(SimTime, Timer)> = Vec::new();
    // A one-member group coordinator: generation 1 assigns t-0; from 5 s a heartbeat is answered
    // REBALANCE_IN_PROGRESS, and the first SyncGroup of the rebalance that follows
    // UNKNOWN_MEMBER_ID.
    let mut generation = 0;
    let mut sync_failed = false;
    let mut coordinator = |at: SimTime, _: u64, r: &GroupRequest| -> Option<GroupResponse> {
        let later = at.as_us() >= 5_000_000;
        match r {
            GroupRequest::JoinGroup(_) => generation += 1,
            GroupRequest::SyncGroup { .. } if later && !sync_failed => {
                sync_failed = true;
                return Some(GroupResponse::SyncGroup {
                    error: ErrorCode::UnknownMemberId,
                    assignment: Vec::new(),
                });
            }
            _ => {}
        }
        let heartbeat = if later && !sync_failed {
            ErrorCode::RebalanceInProgress
        } else {
            ErrorCode::None
        };
        one_member_coordinator(r, generation, heartbeat, Some(ErrorCode::None))
    };
    drive_member(&mut h, &mut c, &mut timers, 4_000_000, &mut coordinator);
    let g = c.group.as_ref().expect("a group member");
    assert_eq!((g.phase, g.generation), (Phase::Stable, 1));
    assert_eq!(g.assigned, vec![true], "t-0 assigned in generation 1");
    let asked = drive_member(&mut h, &mut c, &mut timers, 12_000_000, &mut coordinator);
    // The joins after the failed SyncGroup: a new member id, no generation, nothing owned.
    let failed_sync = asked
        .iter()
        .position(|(_, r)| matches!(r, GroupRequest::SyncGroup { .. }))
        .expect("a SyncGroup after the rebalance began");
    let rejoin = asked[failed_sync..]
        .iter()
        .find_map(|(_, r)| match r {
            GroupRequest::JoinGroup(j) => Some(j.clone()),
            _ => None,
        })
        .expect("a JoinGroup after the failed SyncGroup");
    assert_eq!(
        rejoin.member_id, "",
        "UNKNOWN_MEMBER_ID resets the member id"
    );
    let owned: Vec<_> = rejoin
        .protocols
        .iter()
        .map(|(_, m)| (m.generation, m.owned_partitions.clone()))
        .collect();
    assert!(
        owned.iter().all(|(g, o)| *g == -1 && o.is_empty()),
        "rejoins with no generation and nothing owned: {owned:?}"
    );
}

/// A KIP-848 member whose heartbeat is in flight when a commit's `NOT_COORDINATOR` makes it find
/// the coordinator again sends a full heartbeat to the new one. Kafka processes the heartbeat's
/// own answer even then, and an error answer resets what the next heartbeat carries
/// (`AbstractHeartbeatRequestManager.onErrorResponse` → `resetHeartbeatState`); a full heartbeat
/// is what makes a coordinator send the member its assignment again. (Sweep seed 12695: the old
/// coordinator had computed "revoke t-2" and written it to `__consumer_offsets` before it lost
/// the partition; its answer never reached the member, the new coordinator loaded the member's
/// target and saw no change to send, and the group stayed Reconciling for good.)
#[cfg(feature = "groups")]
#[test]
fn a_kip848_member_whose_heartbeat_was_cut_off_sends_a_full_one_to_the_new_coordinator() {
    use khafka_sim::msg::{ErrorCode, Group};
    use khafka_sim::protocol::group::{ConsumerGroupHeartbeatRequest, GroupRequest};

    let spec = spec();
    let mut h = Harness::new(&spec);
    let me = Node::Consumer(0);
    let mut c = kip848_consumer(&mut h);
    // Coordinator 1 until a heartbeat is held unanswered (cut off by the coordinator's move);
    // then commits fail with NOT_COORDINATOR and FindCoordinator names broker 2.
    let mut held: Option<u64> = None;
    let mut after_move: Vec<ConsumerGroupHeartbeatRequest> = Vec::new();
    let mut timers: Vec<(SimTime, Timer)> = Vec::new();
    for _ in 0..1_000 {
        let mut replies = Vec::new();
        for (to, msg) in h.sent_and_timers(&mut timers) {
            let (Node::Broker(b), Msg::Group(Group::Request { req_id, req })) = (to, msg) else {
                continue;
            };
            if let GroupRequest::ConsumerGroupHeartbeat(r) = &*req {
                if b == 2 {
                    after_move.push(r.clone());
                } else if r.member_epoch > 0 && held.is_none() {
                    held = Some(req_id);
                    continue;
                }
            }
            let coordinator = if held.is_some() { 2 } else { 1 };
            let commit_error = if held.is_some() && b == 1 {
                ErrorCode::NotCoordinator
            } else {
                ErrorCode::None
            };
            let Some(resp) = coordinator_answer(&req, coordinator, commit_error) else {
                continue;
            };
            replies.push((b, req_id, resp));
        }
        if !after_move.is_empty() {
            break;
        }
        if replies.is_empty() {
            timers.sort_by_key(|t| t.0);
            if timers.is_empty() {
                break;
            }
            let (at, timer) = timers.remove(0);
            h.advance_to(at);
            c.on_timer(&mut h.ctx(me), timer);
            continue;
        }
        for (b, req_id, resp) in replies {
            let msg = Msg::Group(Group::Response {
                req_id,
                resp: Box::new(resp),
            });
            c.on_msg(&mut h.ctx(me), Node::Broker(b), msg);
        }
    }
    assert!(held.is_some(), "a heartbeat to coordinator 1 was held");
    let first = after_move
        .first()
        .expect("a heartbeat reached the new coordinator");
    assert_eq!(first.member_epoch, 1, "the member keeps its epoch");
    assert!(
        first.subscribed_topics.is_some()
            && first.rebalance_timeout_ms.is_some()
            && first.owned.is_some(),
        "the first heartbeat to the new coordinator is full: {first:?}"
    );
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

/// KIP-320 under an application's poll loop. Records fetched from the old leader and not yet
/// handed out are dropped at the first `poll()` after a leader change: that poll starts the
/// position's validation (`updateFetchPositions`: `AWAIT_VALIDATION`), and then Kafka's
/// `FetchCollector` drains a buffered fetch of a partition that is not fetchable
/// (`SubscriptionState.isFetchable`: no valid position while awaiting validation). The records
/// are fetched again from the new leader once the position is validated. Here the new leader's
/// log diverges at offset 3 (an unclean election): the application, at offset 2 when the
/// leader changes, must go on with the new leader's records 3..9, not with the old leader's
/// that it had buffered — whether the validation is still in flight at that poll or (as the
/// engine validates when the metadata arrives) already answered.
#[cfg(feature = "groups")]
#[test]
fn records_buffered_from_the_old_leader_are_dropped_while_the_position_is_validated() {
    leader_change_under_a_poll_loop(true);
}

#[cfg(feature = "groups")]
#[test]
fn records_buffered_from_the_old_leader_are_dropped_after_a_quick_validation() {
    leader_change_under_a_poll_loop(false);
}

/// See the two tests above; `hold`: the new leader answers the validation only after the
/// application polled.
#[cfg(feature = "groups")]
fn leader_change_under_a_poll_loop(hold: bool) {
    use khafka_sim::client::consumer::assignor::TopicPartition;
    use khafka_sim::client::consumer::subscribed::Subscribed;
    use khafka_sim::client::consumer::Consumer;
    use khafka_sim::log::BatchId;
    use khafka_sim::msg::{
        EpochEndOffset, ErrorCode, Fetch, FetchedPartition, Group, Metadata, OffsetsForLeaderEpoch,
    };
    use khafka_sim::protocol::group::{
        ConsumerGroupHeartbeatResponse, GroupRequest, GroupResponse,
    };
    use khafka_sim::spec::ConsumerSpec;

    let mut spec = ScenarioSpec::default();
    spec.topics.push(TopicSpec::new("t", 2, 3));
    let mut h = Harness::new(&spec);
    let mut cs = ConsumerSpec::new("c", "t");
    for (k, v) in [
        ("group.id", "g"),
        ("group.protocol", "consumer"),
        ("max.poll.records", "1"),
        ("sim.processing.time.ms", "1000"),
        // It learns of the new leader from a metadata refresh: while t-0's records wait for
        // `poll()`, it fetches nothing from t-0's leader (KAFKA-17182), so no fetch answer can
        // tell it.
        ("metadata.max.age.ms", "1000"),
    ] {
        cs.config.set(k, v).unwrap();
    }
    let me = Node::Consumer(0);
    let mut c = Consumer::new(0, &cs, Subscribed::new(&h.topo, &[0]), 1);
    // t-0 on broker 1 (leader epoch 0): offsets 0..9, one record a batch. On broker 2 (leader
    // epoch 1 after an unclean election): the same 0..2, then other records at 3..9.
    let old: Vec<BatchId> = (0..10).map(|o| h.batches.add(o, 0, &[o], None)).collect();
    let mut new = old[..3].to_vec();
    new.extend((3..10).map(|o| h.batches.add(o, 1, &[100 + o], None)));

    type HeldFetch = (u32, u64, Vec<(u32, u64)>);
    /// The brokers around the consumer: who leads both partitions, and the requests held back.
    struct World {
        leader: (u32, u32),
        logs: [Vec<BatchId>; 2],
        timers: Vec<(SimTime, Timer)>,
        /// Fetches with nothing to return (held, as a broker holds them for
        /// `fetch.max.wait.ms`), as `(broker, request id, [(partition, fetch offset)])`.
        held_fetches: Vec<HeldFetch>,
        /// OffsetsForLeaderEpoch requests not answered yet, as `(broker, request id)`.
        held_validations: Vec<(u32, u64)>,
        answer_validations: bool,
    }
    let validation_answer = |req_id| {
        Msg::OffsetsForLeaderEpoch(OffsetsForLeaderEpoch::Response {
            req_id,
            partitions: vec![EpochEndOffset {
                part: 0,
                error: ErrorCode::None,
                // On broker 2, epoch 0 ends at offset 3.
                end: Some((0, 3)),
            }],
        })
    };
    // An answer with no records to a held fetch.
    let empty = |req_id, error, parts: &[(u32, u64)]| {
        Msg::Fetch(Fetch::Response {
            req_id,
            partitions: parts
                .iter()
                .map(|&(part, offset)| FetchedPartition {
                    part,
                    error,
                    high_watermark: offset,
                    log_end_offset: offset,
                    log_start_offset: 0,
                    fetch_offset: offset,
                    batches: Vec::new(),
                    base_offset: offset,
                    diverging_epoch: None,
                    current_leader: None,
                    latest_unavailable: false,
                })
                .collect(),
        })
    };
    // Answers what the consumer asks until it asks nothing more that can be answered now.
    let serve = |h: &mut Harness, c: &mut Consumer, w: &mut World| {
        for round in 0.. {
            assert!(round < 1_000, "a request storm");
            let mut replies = Vec::new();
            for (to, msg) in h.sent_and_timers(&mut w.timers) {
                let Node::Broker(b) = to else {
                    continue;
                };
                let reply = match msg {
                    Msg::Group(Group::Request { req_id, req }) => {
                        let resp = match &*req {
                            GroupRequest::FindCoordinator { .. } => {
                                GroupResponse::FindCoordinator {
                                    error: ErrorCode::None,
                                    coordinator: Some(1),
                                }
                            }
                            GroupRequest::ConsumerGroupHeartbeat(r) => {
                                GroupResponse::ConsumerGroupHeartbeat(
                                    ConsumerGroupHeartbeatResponse {
                                        error: ErrorCode::None,
                                        error_message: None,
                                        member_id: r.member_id.clone(),
                                        member_epoch: r.member_epoch.max(1),
                                        heartbeat_interval_ms: 5_000,
                                        assignment: (r.member_epoch == 0).then(|| {
                                            vec![
                                                TopicPartition::new("t", 0),
                                                TopicPartition::new("t", 1),
                                            ]
                                        }),
                                    },
                                )
                            }
                            GroupRequest::OffsetFetch { .. } => GroupResponse::OffsetFetch {
                                error: ErrorCode::None,
                                offsets: vec![(0, Some((0, None))), (1, Some((0, None)))],
                            },
                            GroupRequest::OffsetCommit { .. } => GroupResponse::OffsetCommit {
                                error: ErrorCode::None,
                            },
                            _ => continue,
                        };
                        Msg::Group(Group::Response {
                            req_id,
                            resp: Box::new(resp),
                        })
                    }
                    Msg::Metadata(Metadata::Request { req_id }) => {
                        let (l, e) = w.leader;
                        Msg::Metadata(Metadata::Response {
                            req_id,
                            partitions: vec![(0, Some(l), e), (1, Some(l), e)],
                            brokers: vec![1, 2, 3],
                        })
                    }
                    Msg::Fetch(Fetch::Request {
                        req_id, partitions, ..
                    }) => {
                        // Only t-0 has records, ten of them.
                        if partitions
                            .iter()
                            .all(|p| p.part != 0 || p.fetch_offset >= 10)
                            && b == w.leader.0
                        {
                            let parts = partitions.iter().map(|p| (p.part, p.fetch_offset));
                            w.held_fetches.push((b, req_id, parts.collect()));
                            continue;
                        }
                        let partitions = partitions
                            .iter()
                            .map(|p| {
                                let log: &[BatchId] = if p.part == 0 {
                                    &w.logs[b as usize - 1]
                                } else {
                                    &[]
                                };
                                let batches: Vec<BatchId> = log
                                    .iter()
                                    .copied()
                                    .filter(|&id| h.batches.get(id).next_offset() > p.fetch_offset)
                                    .collect();
                                let hw = log.len() as u64;
                                FetchedPartition {
                                    part: p.part,
                                    error: if b == w.leader.0 {
                                        ErrorCode::None
                                    } else {
                                        ErrorCode::NotLeaderOrFollower
                                    },
                                    high_watermark: hw,
                                    log_end_offset: hw,
                                    log_start_offset: 0,
                                    fetch_offset: p.fetch_offset,
                                    base_offset: batches.first().map_or(p.fetch_offset, |&id| {
                                        h.batches.get(id).base_offset
                                    }),
                                    batches,
                                    diverging_epoch: None,
                                    current_leader: None,
                                    latest_unavailable: false,
                                }
                            })
                            .collect();
                        Msg::Fetch(Fetch::Response { req_id, partitions })
                    }
                    Msg::OffsetsForLeaderEpoch(OffsetsForLeaderEpoch::Request {
                        req_id, ..
                    }) => {
                        if !w.answer_validations {
                            w.held_validations.push((b, req_id));
                            continue;
                        }
                        validation_answer(req_id)
                    }
                    _ => continue,
                };
                replies.push((b, reply));
            }
            if replies.is_empty() {
                return;
            }
            for (b, msg) in replies {
                c.on_msg(&mut h.ctx(me), Node::Broker(b), msg);
            }
        }
    };
    // Fires the consumer's timers due by `until`, in time order, answering as it goes.
    let run = |h: &mut Harness, c: &mut Consumer, w: &mut World, until: u64| {
        serve(h, c, w);
        loop {
            w.timers.sort_by_key(|t| t.0);
            if w.timers.first().is_none_or(|t| t.0.as_us() > until) {
                h.advance_to(SimTime(until));
                return;
            }
            let (at, timer) = w.timers.remove(0);
            h.advance_to(at);
            // The held fetches come back empty by the next timer (`fetch.max.wait.ms`).
            for (b, req_id, parts) in std::mem::take(&mut w.held_fetches) {
                let answer = empty(req_id, ErrorCode::None, &parts);
                c.on_msg(&mut h.ctx(me), Node::Broker(b), answer);
            }
            c.on_timer(&mut h.ctx(me), timer);
            serve(h, c, w);
        }
    };
    let mut w = World {
        leader: (1, 0),
        logs: [old, new],
        timers: Vec::new(),
        held_fetches: Vec::new(),
        held_validations: Vec::new(),
        answer_validations: !hold,
    };
    c.start(&mut h.ctx(me));
    // 1.5 s: offset 0 processed, offset 1 in hand, 2..9 fetched from broker 1 and buffered.
    run(&mut h, &mut c, &mut w, 1_500_000);
    let handed_out = |c: &Consumer| {
        c.processed
            .iter()
            .filter(|r| r.partition == 0)
            .map(|r| (r.from, r.to, r.leader_epoch))
            .collect::<Vec<_>>()
    };
    assert_eq!(handed_out(&c), vec![(0, 1, 0)], "one record processed");
    // KAFKA-17182 (`AbstractFetch.prepareFetchRequests`): t-1 has nothing buffered, but its
    // leader also leads t-0, whose records wait for `poll()`, so t-1 is not fetched either.
    assert!(
        w.held_fetches.is_empty(),
        "no fetch to broker 1 while t-0's records wait: {:?}",
        w.held_fetches
    );
    // Broker 2 becomes leader at epoch 1; the next metadata refresh says so, and the consumer
    // validates its position on t-0 with broker 2, which does not answer yet.
    w.leader = (2, 1);
    run(&mut h, &mut c, &mut w, 4_000_000);
    // The validation finds the position (2, epoch 0) below the divergence: it is valid, and the
    // records from 2 on are fetched from broker 2.
    if hold {
        assert_eq!(
            w.held_validations.len(),
            1,
            "the position is being validated"
        );
        assert!(
            handed_out(&c).iter().all(|r| r.1 <= 2),
            "nothing past offset 2 handed out while the position awaits validation: {:?}",
            handed_out(&c)
        );
        w.answer_validations = true;
        let (b, req_id) = w.held_validations.pop().unwrap();
        c.on_msg(&mut h.ctx(me), Node::Broker(b), validation_answer(req_id));
    } else {
        assert!(w.held_validations.is_empty(), "validated at once");
    }
    run(&mut h, &mut c, &mut w, 30_000_000);
    let processed = handed_out(&c);
    assert_eq!(
        processed.last().map(|r| r.1),
        Some(10),
        "processed to the end: {processed:?}"
    );
    assert!(
        processed.iter().all(|&(_, to, epoch)| to <= 3 || epoch == 1),
        "offsets 3..9 processed as broker 2 holds them (epoch 1), never as broker 1 did: {processed:?}"
    );
}

/// Kafka's `Metadata` keeps a partition's last leader epoch when an answer names no leader
/// (`lastSeenLeaderEpochs`), so answers that keep saying "no leader, epoch 1" are equivalent and
/// the refresh backs off exponentially (KIP-580): about 100, 100, 200, 400, 800 ms, then the 1 s
/// cap. (Forgetting the epoch with the leader made every such answer news: 100 ms each time.)
#[test]
fn a_consumer_waiting_out_an_election_backs_off_its_metadata_requests() {
    use khafka_sim::client::consumer::{subscribed::Subscribed, Consumer};
    use khafka_sim::protocol::Metadata;
    let mut h = Harness::new(&spec());
    let cs = khafka_sim::spec::ConsumerSpec::new("c", "t");
    let me = Node::Consumer(0);
    let mut c = Consumer::new(0, &cs, Subscribed::new(&h.topo, &[0]), 1);
    c.start(&mut h.ctx(me));
    let mut timers = Vec::new();
    h.sent_and_timers(&mut timers);
    let (at, wake) = timers.pop().expect("the start's wake-up");
    h.advance_to(at);
    c.on_timer(&mut h.ctx(me), wake);
    let mut waits_ms = Vec::new();
    for _ in 0..6 {
        let mut timers = Vec::new();
        let sent = h.sent_and_timers(&mut timers);
        let req_id = sent
            .iter()
            .find_map(|(_, m)| match m {
                Msg::Metadata(Metadata::Request { req_id }) => Some(*req_id),
                _ => None,
            })
            .expect("a metadata request");
        let answered = h.now;
        c.on_msg(
            &mut h.ctx(me),
            Node::Broker(1),
            Msg::Metadata(Metadata::Response {
                req_id,
                partitions: vec![(0, None, 1)],
                brokers: vec![1, 2, 3],
            }),
        );
        let mut timers = Vec::new();
        assert!(h.sent_and_timers(&mut timers).is_empty(), "asked at once");
        let (at, timer) = timers
            .into_iter()
            .find(|(_, t)| matches!(t, Timer::RequestTimeout { .. }))
            .expect("the next request waits for its backoff");
        waits_ms.push((at.as_us() - answered.as_us()) / 1_000);
        h.advance_to(at);
        c.on_timer(&mut h.ctx(me), timer);
    }
    let bounds = [
        (80, 120),
        (80, 120),
        (160, 240),
        (320, 480),
        (640, 960),
        (800, 1_000),
    ];
    for (w, (lo, hi)) in waits_ms.iter().zip(bounds) {
        assert!(
            (lo..=hi).contains(w),
            "waits {waits_ms:?} against {bounds:?}"
        );
    }
}

/// Follower `follower`'s fetch `req_id` of t-0 at `offset` (the leader's epoch 0) in fetch
/// session `session` (full when it is `req_id`), waiting up to `max_wait_us`.
fn follower_fetch(follower: u32, req_id: u64, session: u64, offset: u64, max_wait_us: u64) -> Msg {
    use khafka_sim::protocol::{Fetch, FetchPartition, Fetcher};
    Msg::Fetch(Fetch::Request {
        req_id,
        fetcher: Fetcher::Follower(follower),
        max_wait_us,
        partitions: vec![FetchPartition {
            part: 0,
            fetch_offset: offset,
            last_fetched_epoch: Some(0),
            current_leader_epoch: 0,
        }],
        session,
    })
}

/// What `f` reads of each partition of the fetch answers in `sent`.
fn fetch_answers_by<T>(
    sent: &[(Node, Msg)],
    f: impl Fn(&khafka_sim::protocol::FetchedPartition) -> T,
) -> Vec<Vec<T>> {
    sent.iter()
        .filter_map(|(_, m)| match m {
            Msg::Fetch(Fetch::Response { partitions, .. }) => {
                Some(partitions.iter().map(&f).collect())
            }
            _ => None,
        })
        .collect()
}

/// The partitions of the fetch answers in `sent`, as `(partition, high watermark, records)`.
fn fetch_answers(sent: &[(Node, Msg)]) -> Vec<Vec<(u32, u64, usize)>> {
    fetch_answers_by(sent, |p| (p.part, p.high_watermark, p.batches.len()))
}

/// KIP-227 on the leader: an incremental fetch is answered only with the partitions that have
/// something new for the follower (records, a high watermark or log start offset it was not
/// sent); a full fetch opens a new session, answered with every partition, even when a fetch of
/// the old session parked before it is answered first.
#[test]
fn an_incremental_fetch_is_answered_only_with_what_is_new() {
    let mut h = Harness::new(&spec());
    let mut b = leader(&mut h);
    let ask =
        |b: &mut Broker, h: &mut Harness, follower: u32, req: u64, session: u64, offset: u64| {
            let msg = follower_fetch(follower, req, session, offset, 0);
            b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Broker(follower), msg);
            fetch_answers(&h.sent())
        };
    // Follower 2 opens session 10 at offset 0: the record, and the high watermark 0.
    assert_eq!(ask(&mut b, &mut h, 2, 10, 10, 0), vec![vec![(0, 0, 1)]]);
    // At the log end, the first answer without records says the high watermark it is sent.
    assert_eq!(ask(&mut b, &mut h, 2, 11, 10, 1), vec![vec![(0, 0, 0)]]);
    // Nothing new since: the answer carries no partition.
    assert_eq!(ask(&mut b, &mut h, 2, 12, 10, 1), vec![vec![]]);
    // Follower 3 catches up, the high watermark moves to 1: news for follower 2.
    ask(&mut b, &mut h, 3, 13, 13, 1);
    assert_eq!(b.replicas[&0].log.high_watermark, 1);
    assert_eq!(ask(&mut b, &mut h, 2, 14, 10, 1), vec![vec![(0, 1, 0)]]);
    assert_eq!(ask(&mut b, &mut h, 2, 15, 10, 1), vec![vec![]]);
    // A new session (a restarted follower, or one whose fetch failed) gets every partition.
    assert_eq!(ask(&mut b, &mut h, 2, 16, 16, 1), vec![vec![(0, 1, 0)]]);
    assert_eq!(ask(&mut b, &mut h, 2, 17, 16, 1), vec![vec![]]);
    // Fetch 18 of session 16 waits; the follower gives up on it and opens session 19, which
    // waits too. Both are answered at their deadline, the old one first: the new session's
    // answer still carries the partition.
    for (req, session) in [(18, 16), (19, 19)] {
        let msg = follower_fetch(2, req, session, 1, 500_000);
        b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Broker(2), msg);
    }
    let (at, check) = h
        .timers()
        .into_iter()
        .find(|(_, t)| matches!(t, Timer::ParkedFetchCheck { .. }))
        .expect("a parked fetch check");
    h.advance_to(at);
    b.on_timer(&mut h.ctx(Node::Broker(1)), check);
    assert_eq!(fetch_answers(&h.sent()), vec![vec![], vec![(0, 1, 0)]]);
}

/// KIP-227 on the follower (`FetchSessionHandler`): its first fetch opens a session, the next
/// ones are incremental in it; a fetch that times out ends it.
#[test]
fn a_follower_starts_a_new_fetch_session_after_a_fetch_times_out() {
    use khafka_sim::protocol::Fetch;
    let mut h = Harness::new(&spec());
    let mut b = started(&mut h, 2);
    let mut timers = Vec::new();
    let fetches = |sent: Vec<(Node, Msg)>| -> Vec<(u64, u64)> {
        sent.into_iter()
            .filter_map(|(to, m)| match m {
                Msg::Fetch(Fetch::Request {
                    req_id, session, ..
                }) if to == Node::Broker(1) => Some((req_id, session)),
                _ => None,
            })
            .collect()
    };
    let sent = fetches(h.sent_and_timers(&mut timers));
    assert_eq!(sent.len(), 1);
    let (first, session) = sent[0];
    assert_eq!(session, first, "the first fetch is full");
    let answer = Msg::Fetch(Fetch::Response {
        req_id: first,
        partitions: Vec::new(),
    });
    b.on_msg(&mut h.ctx(Node::Broker(2)), Node::Broker(1), answer);
    let sent = fetches(h.sent_and_timers(&mut timers));
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].1, first,
        "the next fetch is incremental, in the same session"
    );
    // That fetch is never answered: at its timeout the session is gone.
    let check = timers
        .iter()
        .rev()
        .find(|(_, t)| matches!(t, Timer::FetchTimeoutCheck { .. }))
        .cloned()
        .expect("a fetch timeout check is armed");
    h.advance_to(check.0);
    b.on_timer(&mut h.ctx(Node::Broker(2)), check.1);
    let sent = fetches(h.sent_and_timers(&mut timers));
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].1, sent[0].0,
        "after a timeout the next fetch is full"
    );
    // Answered, the session holds; then the connection of its next fetch drops: after the
    // backoff the fetch is full again.
    let answer = Msg::Fetch(Fetch::Response {
        req_id: sent[0].0,
        partitions: Vec::new(),
    });
    b.on_msg(&mut h.ctx(Node::Broker(2)), Node::Broker(1), answer);
    let session = sent[0].1;
    timers.clear();
    let sent = fetches(h.sent_and_timers(&mut timers));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1, session, "incremental in the new session");
    let dropped = Msg::Disconnect { req_id: sent[0].0 };
    b.on_msg(&mut h.ctx(Node::Broker(2)), Node::Broker(1), dropped);
    h.sent_and_timers(&mut timers);
    let (at, wake) = timers
        .iter()
        .find(|(_, t)| matches!(t, Timer::FetcherWake { .. }))
        .cloned()
        .expect("a wake after the backoff");
    h.advance_to(at);
    b.on_timer(&mut h.ctx(Node::Broker(2)), wake);
    let sent = fetches(h.sent());
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].1, sent[0].0,
        "after a dropped connection the next fetch is full"
    );
}

/// KIP-227's error rule (`CachedPartition.maybeUpdateResponseData`): an answer with an error
/// makes the session forget the partition's high watermark, so the next answer carries it.
#[test]
fn an_error_answer_makes_the_session_send_the_partition_again() {
    let mut h = Harness::new(&spec());
    let mut b = leader(&mut h);
    let mut ask = |b: &mut Broker, msg: Msg| {
        b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Broker(2), msg);
        fetch_answers(&h.sent())
    };
    assert_eq!(
        ask(&mut b, follower_fetch(2, 10, 10, 1, 0)),
        vec![vec![(0, 0, 0)]]
    );
    assert_eq!(ask(&mut b, follower_fetch(2, 11, 10, 1, 0)), vec![vec![]]);
    // A fetch at a leader epoch the leader does not know yet: UNKNOWN_LEADER_EPOCH.
    let mut early = follower_fetch(2, 12, 10, 1, 0);
    if let Msg::Fetch(khafka_sim::protocol::Fetch::Request { partitions, .. }) = &mut early {
        partitions[0].current_leader_epoch = 1;
    }
    assert_eq!(
        ask(&mut b, early),
        vec![vec![(0, 0, 0)]],
        "the error answer"
    );
    assert_eq!(
        ask(&mut b, follower_fetch(2, 13, 10, 1, 0)),
        vec![vec![(0, 0, 0)]]
    );
    assert_eq!(ask(&mut b, follower_fetch(2, 14, 10, 1, 0)), vec![vec![]]);
}

/// Broker 1's answer, leading t-0 in a three-broker cluster, to a producer's metadata or
/// `ApiVersions` request (`None` for any other message).
fn cluster_answer(m: &Msg) -> Option<Msg> {
    use khafka_sim::protocol::{ApiVersions, Metadata};
    match *m {
        Msg::Metadata(Metadata::Request { req_id }) => Some(Msg::Metadata(Metadata::Response {
            req_id,
            partitions: vec![(0, Some(1), 0)],
            brokers: vec![1, 2, 3],
        })),
        Msg::ApiVersions(ApiVersions::Request { req_id }) => {
            Some(Msg::ApiVersions(ApiVersions::Response { req_id }))
        }
        _ => None,
    }
}

/// Fires producer `p`'s (producer 0's) earliest timer, after generating the records due before
/// it as the engine does; returns when it fired.
fn fire_producer_timer(
    h: &mut Harness,
    p: &mut khafka_sim::client::producer::Producer,
    timers: &mut Vec<(SimTime, Timer)>,
) -> SimTime {
    let me = Node::Producer(0);
    timers.sort_by_key(|t| t.0);
    let (at, timer) = timers.remove(0);
    while let Some(due) = p.next_due_us().filter(|&d| d <= at.as_us()) {
        h.advance_to(SimTime::from_us(due));
        p.generate_next(&mut h.ctx(me), due);
    }
    h.advance_to(at);
    p.on_timer(&mut h.ctx(me), timer);
    at
}

/// Producer 0 of topic `t`, started, and its `request.timeout.ms` in µs.
fn started_producer(h: &mut Harness) -> (khafka_sim::client::producer::Producer, u64) {
    let ps = khafka_sim::spec::ProducerSpec::new("p", "t");
    let timeout_us = ps.config.request_timeout_ms * 1_000;
    let mut p = khafka_sim::client::producer::Producer::new(0, ps, 0, 0, 1, 1);
    p.start(&mut h.ctx(Node::Producer(0)));
    (p, timeout_us)
}

/// The producers' connections closed on a request timeout: `(when µs, broker, requests)`.
fn timeout_disconnects(h: &Harness) -> Vec<(u64, u32, u32)> {
    h.trace
        .notable
        .iter()
        .filter_map(|e| match &e.kind {
            khafka_sim::trace::TraceKind::RequestTimeoutDisconnect {
                broker, requests, ..
            } => Some((e.time.as_us(), *broker, *requests)),
            _ => None,
        })
        .collect()
}

/// `NetworkClient.handleTimedOutRequests`: when one request to a broker is unanswered after
/// `request.timeout.ms`, the producer closes the connection; every request in flight on it fails
/// then, with `REQUEST_TIMED_OUT`, not each at its own deadline, and the connection backs off.
#[test]
fn a_request_timeout_closes_the_connection_and_fails_every_request_on_it() {
    use khafka_sim::protocol::Produce;
    let mut h = Harness::new(&spec());
    let me = Node::Producer(0);
    let (mut p, timeout_us) = started_producer(&mut h);
    let mut timers: Vec<(SimTime, Timer)> = Vec::new();
    // When each produce request left; none is ever answered.
    let mut produced: Vec<SimTime> = Vec::new();
    let mut steps = 0;
    while h.counters.failed_produce_requests == 0 {
        steps += 1;
        assert!(steps < 100_000, "too many steps");
        loop {
            let sent = h.sent_and_timers(&mut timers);
            if sent.is_empty() {
                break;
            }
            for (to, m) in sent {
                if let Msg::Produce(Produce::Request { .. }) = m {
                    assert_eq!(to, Node::Broker(1));
                    produced.push(h.now);
                    continue;
                }
                let answer = cluster_answer(&m).unwrap_or_else(|| panic!("unexpected {m:?}"));
                p.on_msg(&mut h.ctx(me), to, answer);
            }
        }
        let at = fire_producer_timer(&mut h, &mut p, &mut timers);
        assert!(at.as_us() <= timeout_us + 1_000_000, "nothing timed out");
    }
    let first = produced[0].as_us();
    assert_eq!(
        h.now.as_us(),
        first + timeout_us,
        "the first request's deadline"
    );
    assert!(
        produced.len() >= 2 && produced[1] > produced[0],
        "requests sent at {produced:?}"
    );
    assert_eq!(
        h.counters.failed_produce_requests,
        produced.len() as u64,
        "every request in flight failed at once"
    );
    assert_eq!(
        h.producer_errors.get(&"REQUEST_TIMED_OUT"),
        Some(&(produced.len() as u64))
    );
    assert!(p.in_flight.is_empty());
    let disconnects: Vec<_> = timeout_disconnects(&h).iter().map(|d| (d.1, d.2)).collect();
    assert_eq!(disconnects, [(1, produced.len() as u32)]);
    let c = &p.conns[1];
    assert!(!c.up && c.backoff_until_us > h.now.as_us(), "{c:?}");
}

/// `ProducerAppendInfo.checkProducerEpoch`: once the leader holds epoch 1 for a producer, a
/// client batch of epoch 0 is refused with `INVALID_PRODUCER_EPOCH` (not
/// `OUT_OF_ORDER_SEQUENCE_NUMBER`), and nothing is appended.
#[test]
fn a_batch_of_an_older_producer_epoch_is_refused_with_invalid_producer_epoch() {
    use khafka_sim::config::Acks;
    use khafka_sim::protocol::{Produce, ProduceBatch};
    use khafka_sim::ErrorCode;
    let mut h = Harness::new(&spec());
    let mut b = leader(&mut h);
    let me = Node::Broker(1);
    let produce = |req_id: u64, record: u64, epoch: u16, seq: i32| {
        Msg::Produce(Produce::Request {
            req_id,
            acks: Acks::One,
            timeout_us: 30_000_000,
            batches: vec![ProduceBatch {
                part: 0,
                records: vec![record],
                idempotence: Some((1_000, epoch, seq)),
                bytes: 100,
                value_bytes: 100,
            }],
        })
    };
    let answers = |sent: Vec<(Node, Msg)>| -> Vec<ErrorCode> {
        sent.into_iter()
            .filter_map(|(_, m)| match m {
                Msg::Produce(Produce::Response { results, .. }) => Some(results[0].error),
                _ => None,
            })
            .collect()
    };
    b.on_msg(&mut h.ctx(me), Node::Producer(0), produce(1, 2, 1, 0));
    assert_eq!(answers(h.sent()), [ErrorCode::None]);
    let end = b.replicas[&0].log.log_end_offset();
    b.on_msg(&mut h.ctx(me), Node::Producer(0), produce(2, 3, 0, 1));
    assert_eq!(answers(h.sent()), [ErrorCode::InvalidProducerEpoch]);
    assert_eq!(b.replicas[&0].log.log_end_offset(), end, "nothing appended");
}

/// A metadata updater with Kafka's default client times, and the random streams it is lent.
fn metadata_updater(seed: u64) -> (MetadataUpdater, (SimRng, SimRng)) {
    let times = RequestTimes {
        retry_backoff_ms: 100,
        retry_backoff_max_ms: 1_000,
        request_timeout_ms: 30_000,
        reconnect_backoff_ms: 50,
        metadata_max_age_ms: 300_000,
    };
    (
        MetadataUpdater::new(1, times),
        (
            SimRng::derive(seed, "metadata"),
            SimRng::derive(seed, "nodes"),
        ),
    )
}

/// What a test lends the updater: its two random streams and the brokers' `loads`.
fn lend<'a>(rngs: &'a mut (SimRng, SimRng), loads: Loads<'a>) -> Lent<'a> {
    Lent {
        jitter: &mut rngs.0,
        nodes: &mut rngs.1,
        loads,
    }
}

/// The broker the one message sent, a metadata request, went to.
fn metadata_to(sent: Vec<(Node, Msg)>) -> Option<Node> {
    match sent[..] {
        [(to, Msg::Metadata(khafka_sim::protocol::Metadata::Request { .. }))] => Some(to),
        _ => None,
    }
}

/// `NetworkClient.cancelInFlightRequests` → `handleFailedRequest`: a metadata request in flight
/// on a connection the client closes fails with it and is asked again after the refresh backoff
/// (from the least loaded broker, no longer the closed one); closing another broker's
/// connection leaves it be.
#[test]
fn a_metadata_request_on_a_closed_connection_is_asked_again_after_the_backoff() {
    let mut h = Harness::new(&spec());
    let me = Node::Producer(0);
    let (mut m, mut rngs) = metadata_updater(1);
    // Broker 1 is the only ready one with nothing in flight, until its connection closes; then
    // broker 2 is.
    let closed = std::cell::Cell::new(false);
    let loads = |b: u32, _now: u64| NodeLoad {
        broker: b,
        can_send: !(b == 1 && closed.get()),
        in_flight: u32::from(b == 3 || (b == 2 && !closed.get())),
        ..NodeLoad::default()
    };
    let mut c = lend(&mut rngs, &loads);
    m.request(&mut h.ctx(me), &mut c);
    assert_eq!(metadata_to(h.sent()), Some(Node::Broker(1)));
    assert!(!m.on_connection_closed(&mut h.ctx(me), &mut c, 2));
    assert!(
        h.take().is_empty(),
        "broker 2's connection held no metadata request"
    );
    h.advance_to(SimTime::from_ms(5));
    closed.set(true);
    assert!(m.on_connection_closed(&mut h.ctx(me), &mut c, 1));
    let mut timers = Vec::new();
    assert!(h.sent_and_timers(&mut timers).is_empty(), "not at once");
    assert_eq!(timers.len(), 1, "one backoff timer: {timers:?}");
    let (at, timer) = timers.remove(0);
    let wait_ms = (at.as_us() - 5_000) / 1_000;
    assert!((80..=120).contains(&wait_ms), "waits {wait_ms} ms");
    let Timer::RequestTimeout { req_id } = timer else {
        panic!("{timer:?}")
    };
    h.advance_to(at);
    assert!(m.on_timeout(&mut h.ctx(me), &mut c, req_id));
    assert_eq!(metadata_to(h.sent()), Some(Node::Broker(2)));
}

/// `metadata.max.age.ms` (5 minutes by default): a client refreshes its metadata that long after
/// the last answer even when nothing asks for it (`Metadata.timeToNextUpdate`, the time to expire
/// from `lastSuccessfulRefreshMs`); an answer in between moves the refresh to 5 minutes after it.
/// (The engine used to refresh only when a request or an error asked.)
#[test]
fn metadata_is_refreshed_metadata_max_age_ms_after_the_last_answer() {
    let mut h = Harness::new(&spec());
    let me = Node::Producer(0);
    let (mut m, mut rngs) = metadata_updater(5);
    let loads = |b: u32, _now: u64| NodeLoad {
        broker: b,
        can_send: true,
        ..NodeLoad::default()
    };
    let mut c = lend(&mut rngs, &loads);
    let mut timers: Vec<(SimTime, Timer)> = Vec::new();
    // Asks, and takes the answer at once.
    let mut ask_and_answer = |h: &mut Harness, m: &mut MetadataUpdater, c: &mut Lent| {
        m.request(&mut h.ctx(me), c);
        let sent = h.sent_and_timers(&mut timers);
        let [(_, Msg::Metadata(khafka_sim::protocol::Metadata::Request { req_id }))] = sent[..]
        else {
            panic!("{sent:?}")
        };
        assert!(m.take_answer(req_id));
        m.answered(&mut h.ctx(me), true);
        h.sent_and_timers(&mut timers);
        timers.retain(|t| t.1 == Timer::MetadataMaxAge);
        timers.clone()
    };
    let max_age = |s: u64| vec![(SimTime::from_secs(s), Timer::MetadataMaxAge)];
    assert_eq!(ask_and_answer(&mut h, &mut m, &mut c), max_age(300));
    h.advance_to(SimTime::from_secs(100));
    // One timer at a time: the one for 300 s stands.
    assert_eq!(ask_and_answer(&mut h, &mut m, &mut c), max_age(300));
    // At 300 s the metadata is 200 s old: nothing sent, the timer set for 400 s.
    h.advance_to(SimTime::from_secs(300));
    m.on_max_age(&mut h.ctx(me), &mut c);
    let mut next = Vec::new();
    assert!(
        h.sent_and_timers(&mut next).is_empty(),
        "nothing sent at 300 s"
    );
    assert_eq!(next, max_age(400));
    h.advance_to(SimTime::from_secs(400));
    m.on_max_age(&mut h.ctx(me), &mut c);
    assert!(metadata_to(h.sent()).is_some(), "refreshed at 400 s");
}

/// `metadata.recovery.strategy=rebootstrap`: when no broker the last answer named is available
/// (here only broker 2, in its reconnect backoff), the client goes back to its bootstrap servers
/// and asks one of them.
#[test]
fn a_metadata_request_with_no_known_broker_available_rebootstraps() {
    let mut h = Harness::new(&spec());
    let me = Node::Producer(0);
    let (mut m, mut rngs) = metadata_updater(3);
    m.learn_brokers(vec![2]);
    let loads = |b: u32, _now: u64| NodeLoad {
        broker: b,
        can_connect: b != 2,
        ..NodeLoad::default()
    };
    let mut c = lend(&mut rngs, &loads);
    m.request(&mut h.ctx(me), &mut c);
    let to = metadata_to(h.sent());
    assert!(matches!(to, Some(Node::Broker(1 | 3))), "{to:?}");
}

/// `DefaultMetadataUpdater.maybeUpdate`: with no broker that can take a request ("Give up
/// sending metadata request since no node is available") the client looks again after
/// `reconnect.backoff.ms`, and sends when one can.
#[test]
fn a_metadata_request_with_no_broker_available_waits_the_reconnect_backoff() {
    let mut h = Harness::new(&spec());
    let me = Node::Consumer(0);
    let (mut m, mut rngs) = metadata_updater(2);
    let available = std::cell::Cell::new(false);
    let loads = |b: u32, _now: u64| NodeLoad {
        broker: b,
        can_connect: b == 3 && available.get(),
        ..NodeLoad::default()
    };
    let mut c = lend(&mut rngs, &loads);
    m.request(&mut h.ctx(me), &mut c);
    let mut timers = Vec::new();
    assert!(
        h.sent_and_timers(&mut timers).is_empty(),
        "no broker to send to"
    );
    let [(at, Timer::RequestTimeout { req_id })] = timers[..] else {
        panic!("{timers:?}")
    };
    assert_eq!(at, SimTime::from_ms(50));
    h.advance_to(at);
    available.set(true);
    assert!(m.on_timeout(&mut h.ctx(me), &mut c, req_id));
    assert_eq!(metadata_to(h.sent()), Some(Node::Broker(3)));
}

/// Where a classic member sends its `FindCoordinator` by `until` (µs), its connections to
/// `closed` brokers closed before it starts: `(when, broker)` of each.
#[cfg(feature = "groups")]
fn coordinator_lookups(closed: &[u32], until: u64) -> Vec<(u64, u32)> {
    member_requests(closed, until, "classic")
        .into_iter()
        .filter(|r| r.2 == "find")
        .map(|r| (r.0, r.1))
        .collect()
}

/// Consumer 0 of topic `t` with `settings`, not started yet.
fn consumer(h: &Harness, settings: &[(&str, &str)]) -> khafka_sim::client::consumer::Consumer {
    let mut cs = khafka_sim::spec::ConsumerSpec::new("c", "t");
    for (k, v) in settings {
        cs.config.set(k, v).unwrap();
    }
    let subscribed = khafka_sim::client::consumer::subscribed::Subscribed::new(&h.topo, &[0]);
    khafka_sim::client::consumer::Consumer::new(0, &cs, subscribed, 1)
}

/// What consumer `c` sends at this instant until it sends nothing more: the requests
/// [`cluster_answer`] answers (metadata) are answered, the others returned.
fn exchange(
    h: &mut Harness,
    c: &mut khafka_sim::client::consumer::Consumer,
    timers: &mut Vec<(SimTime, Timer)>,
) -> Vec<(Node, Msg)> {
    let mut rest = Vec::new();
    loop {
        let sent = h.sent_and_timers(timers);
        if sent.is_empty() {
            return rest;
        }
        for (to, m) in sent {
            match cluster_answer(&m) {
                Some(answer) => c.on_msg(&mut h.ctx(Node::Consumer(0)), to, answer),
                None => rest.push((to, m)),
            }
        }
    }
}

/// The `FindCoordinator` ("find") and `Metadata` ("metadata") requests a member of
/// `group.protocol` sends by `until` (µs), none of them answered, its connections to `closed`
/// brokers closed before it starts: `(when, broker, kind)`.
#[cfg(feature = "groups")]
fn member_requests(closed: &[u32], until: u64, protocol: &str) -> Vec<(u64, u32, &'static str)> {
    use khafka_sim::msg::Group;
    use khafka_sim::protocol::group::GroupRequest;
    use khafka_sim::protocol::Metadata;
    let mut h = Harness::new(&spec());
    let mut c = consumer(&h, &[("group.id", "g"), ("group.protocol", protocol)]);
    let me = Node::Consumer(0);
    for &b in closed {
        c.on_msg(
            &mut h.ctx(me),
            Node::Broker(b),
            Msg::Disconnect { req_id: u64::MAX },
        );
    }
    c.start(&mut h.ctx(me));
    let mut timers: Vec<(SimTime, Timer)> = Vec::new();
    let mut requests = Vec::new();
    loop {
        for (to, msg) in h.sent_and_timers(&mut timers) {
            let Node::Broker(b) = to else { continue };
            match msg {
                Msg::Group(Group::Request { req, .. })
                    if matches!(*req, GroupRequest::FindCoordinator { .. }) =>
                {
                    requests.push((h.now.as_us(), b, "find"));
                }
                Msg::Metadata(Metadata::Request { .. }) => {
                    requests.push((h.now.as_us(), b, "metadata"))
                }
                _ => {}
            }
        }
        if !fire_next_timer(&mut h, &mut c, &mut timers, until) {
            return requests;
        }
    }
}

/// A group member asks the least loaded broker for its coordinator, as Kafka's
/// `AbstractCoordinator.lookupCoordinator` does (`client.leastLoadedNode()`): with its
/// connections to brokers 1 and 2 closed, broker 3 (the engine used to ask the brokers in turn,
/// from broker 1). With every connection closed it asks none until `reconnect.backoff.ms` (50 ms ±20%)
/// has passed (`noBrokersAvailable`: it tries again after `retry.backoff.ms`, 100 ms), then a
/// broker it may connect to again.
#[cfg(feature = "groups")]
#[test]
fn a_member_looks_its_coordinator_up_on_the_least_loaded_broker() {
    assert_eq!(coordinator_lookups(&[1, 2], 50_000), vec![(0, 3)]);
    let all = coordinator_lookups(&[1, 2, 3], 200_000);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].0, 100_000, "{all:?}");
}

/// A broker in controlled shutdown is alive until it stops: Kafka's `getAliveBrokerNodes` leaves
/// out only the fenced, so a `Metadata` answer names it (the engine used to leave it out), while
/// `isReplicaIsrEligible` keeps it out of an ISR. Broker 1 leads t-0 with ISR {1}; broker 2 is
/// in controlled shutdown, broker 3 fenced.
#[test]
fn a_broker_in_controlled_shutdown_is_named_alive_but_never_joins_an_isr() {
    use khafka_sim::protocol::{IneligibleBroker, Metadata};
    let mut h = Harness::new(&spec());
    let mut b = h.broker(1);
    let me = Node::Broker(1);
    b.start(&mut h.ctx(me));
    b.started_before_the_run();
    let req_id = b
        .metadata_fetch_in_flight
        .expect("a metadata fetch at start");
    let msg = Msg::MetadataFetch(MetadataFetch::Response {
        req_id,
        offset: 1,
        partitions: vec![state(1, 0, &[1])],
        ineligible: vec![
            IneligibleBroker {
                broker: 2,
                fenced: false,
            },
            IneligibleBroker {
                broker: 3,
                fenced: true,
            },
        ],
    });
    b.on_msg(&mut h.ctx(me), Node::Controller, msg);
    h.take();
    let ask = Msg::Metadata(Metadata::Request { req_id: 7 });
    b.on_msg(&mut h.ctx(me), Node::Consumer(0), ask);
    let named: Vec<Vec<u32>> = h
        .sent()
        .into_iter()
        .filter_map(|(_, m)| match m {
            Msg::Metadata(Metadata::Response { brokers, .. }) => Some(brokers),
            _ => None,
        })
        .collect();
    assert_eq!(named, vec![vec![1, 2]]);
    // Broker 2 fetches at the leader's log end: caught up, and still no AlterPartition adds it.
    b.on_msg(
        &mut h.ctx(me),
        Node::Broker(2),
        follower_fetch(2, 8, 8, 0, 0),
    );
    assert_eq!(alter_partitions(&h.sent()), Vec::<Vec<u32>>::new());
    // Out of controlled shutdown, the same fetch adds it.
    b.ineligible_brokers.retain(|i| i.fenced);
    b.on_msg(
        &mut h.ctx(me),
        Node::Broker(2),
        follower_fetch(2, 9, 9, 0, 0),
    );
    assert_eq!(alter_partitions(&h.sent()), vec![vec![1, 2]]);
}

/// The produce requests a producer sends, `(when, broker)`, until its second, when broker 1
/// answers the first with `NOT_LEADER_OR_FOLLOWER` and `current_leader`, and no metadata request
/// after the first is ever answered.
fn produce_retry(current_leader: Option<khafka_sim::protocol::CurrentLeader>) -> Vec<(u64, u32)> {
    use khafka_sim::client::producer::Producer;
    use khafka_sim::protocol::{Metadata, PartitionResponse, Produce};
    use khafka_sim::ErrorCode;
    let mut h = Harness::new(&spec());
    let me = Node::Producer(0);
    let mut p = Producer::new(0, khafka_sim::spec::ProducerSpec::new("p", "t"), 0, 0, 1, 1);
    p.start(&mut h.ctx(me));
    let mut timers: Vec<(SimTime, Timer)> = Vec::new();
    let (mut produced, mut metadata_answered) = (Vec::new(), false);
    for _ in 0..100_000 {
        loop {
            let sent = h.sent_and_timers(&mut timers);
            if sent.is_empty() {
                break;
            }
            for (to, m) in sent {
                let answer = match m {
                    Msg::Metadata(Metadata::Request { .. }) if metadata_answered => continue,
                    Msg::Produce(Produce::Request { req_id, .. }) => {
                        let Node::Broker(b) = to else {
                            panic!("{to:?}")
                        };
                        produced.push((h.now.as_us(), b));
                        if produced.len() == 2 {
                            return produced;
                        }
                        let mut r = PartitionResponse::new(0, ErrorCode::NotLeaderOrFollower, None);
                        r.current_leader = current_leader;
                        Msg::Produce(Produce::Response {
                            req_id,
                            results: vec![r],
                        })
                    }
                    other => {
                        metadata_answered |= matches!(other, Msg::Metadata(_));
                        cluster_answer(&other).unwrap_or_else(|| panic!("unexpected {other:?}"))
                    }
                };
                p.on_msg(&mut h.ctx(me), to, answer);
            }
        }
        fire_producer_timer(&mut h, &mut p, &mut timers);
    }
    panic!("no second produce request: {produced:?}");
}

/// KIP-951 (Kafka 3.7+): a `NOT_LEADER_OR_FOLLOWER` answer names the new leader
/// (`CurrentLeader`), the producer takes it at once (`Metadata.updatePartitionLeadership`) and
/// the retry, its partition's leader changed since its last attempt, skips the retry backoff
/// (`RecordAccumulator.shouldBackoff`): it goes to broker 2 at the instant of the answer. An
/// answer without a leader leaves the producer waiting for metadata that never comes: it retries
/// the old leader after `retry.backoff.ms` (100 ms ± 20 %).
#[test]
fn a_retry_goes_at_once_to_the_leader_a_not_leader_answer_names() {
    use khafka_sim::protocol::CurrentLeader;
    let named = produce_retry(Some(CurrentLeader {
        leader: 2,
        leader_epoch: 1,
        alive: true,
    }));
    assert_eq!(named[1], (named[0].0, 2), "no backoff: {named:?}");
    let unnamed = produce_retry(None);
    assert_eq!(unnamed[1].1, 1, "{unnamed:?}");
    let waited = unnamed[1].0 - unnamed[0].0;
    assert!((80_000..=120_000).contains(&waited), "{unnamed:?}");
}

/// A `FindCoordinator` that times out closes the connection it went on, as Kafka's
/// `NetworkClient.handleTimedOutRequests` closes a node's connection when any request on it
/// passes `request.timeout.ms`. The classic member then waits `retry.backoff.ms` and asks for
/// metadata (`ensureCoordinatorReady`: `timer.sleep(backoff)`, `awaitMetadataUpdate`), and its
/// next lookup goes to a broker whose connection is still open. At the start the metadata
/// request in flight counts as load (`inFlightRequests.count`), so the lookup goes elsewhere.
/// (The engine used to ask again at the very instant of the timeout, on a connection it still
/// thought ready.)
#[cfg(feature = "groups")]
#[test]
fn a_timed_out_find_coordinator_closes_its_connection() {
    let reqs = member_requests(&[], 30_300_000, "classic");
    let at = |t: u64| -> Vec<(u32, &str)> {
        reqs.iter()
            .filter(|r| r.0 == t)
            .map(|r| (r.1, r.2))
            .collect()
    };
    let start = at(0);
    assert_eq!(start.len(), 2, "{reqs:?}");
    let (m0, f0) = (start[0], start[1]);
    assert_eq!((m0.1, f0.1), ("metadata", "find"), "{reqs:?}");
    assert_ne!(
        m0.0, f0.0,
        "the metadata request in flight loads its broker: {reqs:?}"
    );
    // request.timeout.ms (30 s): both time out, both connections close.
    let finds: Vec<(u64, u32)> = reqs
        .iter()
        .filter(|r| r.2 == "find")
        .map(|r| (r.0, r.1))
        .collect();
    let third = 6 - m0.0 - f0.0;
    assert_eq!(finds, vec![(0, f0.0), (30_100_000, third)], "{reqs:?}");
    assert!(
        reqs.iter()
            .any(|r| r.2 == "metadata" && r.0 > 30_000_000 && r.0 <= 30_120_000),
        "metadata asked again after the timeouts: {reqs:?}"
    );
}

/// A KIP-848 member's failed lookups back off exponentially, as `CoordinatorRequestManager`'s
/// `RequestState` does (`retry.backoff.ms` 100 ms doubling per failed attempt, ±20% jitter, at
/// most `retry.backoff.max.ms`, 1 s). Each `FindCoordinator` here times out after
/// `request.timeout.ms` (30 s), so the gaps between lookups are 30 s plus the backoff.
#[cfg(feature = "groups")]
#[test]
fn a_kip848_member_backs_off_its_failed_lookups_exponentially() {
    let finds: Vec<u64> = member_requests(&[], 160_000_000, "consumer")
        .into_iter()
        .filter(|r| r.2 == "find")
        .map(|r| r.0)
        .collect();
    assert!(finds.len() >= 5, "{finds:?}");
    let backoffs: Vec<u64> = finds.windows(2).map(|w| w[1] - w[0] - 30_000_000).collect();
    for (n, b) in backoffs.iter().enumerate() {
        let base = (100_000u64 << n).min(1_000_000);
        assert!(
            *b >= base * 8 / 10 && *b <= (base * 12 / 10).min(1_000_000),
            "attempt {n}: {b} µs, {backoffs:?}"
        );
    }
}

/// When the `FindCoordinator` requests of a KIP-848 member go out (µs), none answered, with no
/// broker it may connect to before `closed_until`: every connection is closed again at each of
/// its timers until then (so each broker's reconnect backoff has grown to about a second).
#[cfg(feature = "groups")]
fn kip848_finds_with_no_broker_until(closed_until: u64, until: u64) -> Vec<u64> {
    use khafka_sim::msg::Group;
    use khafka_sim::protocol::group::GroupRequest;
    let mut h = Harness::new(&spec());
    let mut c = consumer(&h, &[("group.id", "g"), ("group.protocol", "consumer")]);
    let me = Node::Consumer(0);
    let close_all = |h: &mut Harness, c: &mut khafka_sim::client::consumer::Consumer| {
        for b in 1..=3 {
            c.on_msg(
                &mut h.ctx(me),
                Node::Broker(b),
                Msg::Disconnect { req_id: u64::MAX },
            );
        }
    };
    close_all(&mut h, &mut c);
    c.start(&mut h.ctx(me));
    let mut timers: Vec<(SimTime, Timer)> = Vec::new();
    let mut finds = Vec::new();
    loop {
        for (_, msg) in h.sent_and_timers(&mut timers) {
            if let Msg::Group(Group::Request { req, .. }) = msg {
                if matches!(*req, GroupRequest::FindCoordinator { .. }) {
                    finds.push(h.now.as_us());
                }
            }
        }
        timers.sort_by_key(|t| t.0);
        if let Some(&(at, _)) = timers.first().filter(|t| t.0.as_us() < closed_until) {
            h.advance_to(at);
            close_all(&mut h, &mut c);
        }
        if !fire_next_timer(&mut h, &mut c, &mut timers, until) {
            return finds;
        }
    }
}

/// A KIP-848 member's lookup that finds no broker waits unsent, as Kafka's
/// `NetworkClientDelegate.trySend` keeps it, and its `request.timeout.ms` (30 s) runs from its
/// creation: sent after 20 s without a broker (once a broker's reconnect backoff, at most a
/// second, is over), it times out at 30 s (`makeClientRequest` gives
/// it what is left of its timer), and the next lookup follows after the first backoff (80–120
/// ms). Unsent for the whole 30 s, it fails unsent (`"Failed to send request after 30000 ms"`),
/// which counts as a failed attempt: the lookup sent at 40 s is the second, and the one after its
/// timeout waits the second backoff (160–240 ms). (The engine used to wait unsent forever without
/// counting, and give a late request a whole timeout.)
#[cfg(feature = "groups")]
#[test]
fn a_kip848_lookup_waits_unsent_within_its_request_timeout() {
    // Sent once a broker may be connected to again (its backoff at most a second), polled every
    // 100 ms.
    let first_window = |from: u64| from..from + 1_100_000;
    let finds = kip848_finds_with_no_broker_until(20_000_000, 30_500_000);
    assert_eq!(finds.len(), 2, "{finds:?}");
    assert!(first_window(20_000_000).contains(&finds[0]), "{finds:?}");
    assert!((30_080_000..=30_120_000).contains(&finds[1]), "{finds:?}");

    let finds = kip848_finds_with_no_broker_until(40_000_000, 61_000_000);
    assert_eq!(finds.len(), 2, "{finds:?}");
    assert!(first_window(40_000_000).contains(&finds[0]), "{finds:?}");
    // Failed unsent at the first poll at or after 30 s, the next one created 80–120 ms later,
    // timed out 30 s after that, then 160–240 ms of backoff.
    let (lo, hi) = (
        30_000_000 + 80_000 + 30_000_000,
        30_150_000 + 120_000 + 30_000_000,
    );
    assert!(
        (lo + 160_000..=hi + 240_000).contains(&finds[1]),
        "{finds:?}"
    );
}

/// A producer's metadata request that times out disconnects its node like any other request
/// (`NetworkClient.handleTimedOutRequests` looks at every request in flight): the connection to
/// that broker backs off before it is tried again, and the trace says so. (The engine used to
/// ask again with the connection still counted up.)
#[test]
fn a_timed_out_metadata_request_closes_its_connection() {
    use khafka_sim::protocol::Metadata;
    let mut h = Harness::new(&spec());
    let me = Node::Producer(0);
    let (mut p, timeout_us) = started_producer(&mut h);
    let mut timers: Vec<(SimTime, Timer)> = Vec::new();
    // `(when, broker)` of each metadata request; none is answered.
    let mut asked: Vec<(u64, u32)> = Vec::new();
    while h.now.as_us() <= timeout_us {
        for (to, m) in h.sent_and_timers(&mut timers) {
            match (to, &m) {
                (Node::Broker(b), Msg::Metadata(Metadata::Request { .. })) => {
                    asked.push((h.now.as_us(), b))
                }
                _ => {
                    if let Some(answer) = cluster_answer(&m) {
                        p.on_msg(&mut h.ctx(me), to, answer);
                    }
                }
            }
        }
        fire_producer_timer(&mut h, &mut p, &mut timers);
    }
    let (first_at, first) = asked[0];
    assert_eq!(first_at, 0, "{asked:?}");
    assert_eq!(
        timeout_disconnects(&h),
        [(timeout_us, first, 0)],
        "{asked:?}"
    );
    let c = &p.conns[first as usize];
    assert!(!c.up && c.failures == 1, "{c:?}");
}

/// KIP-951 for fetches: a consumer's fetch answered `NOT_LEADER_OR_FOLLOWER` names the
/// partition's current leader (`KafkaApis.handleFetchRequest`, fetch version 16+), and the
/// consumer fetches from it at once (`AbstractFetch.handleFetchSuccess` →
/// `Metadata.updatePartitionLeadership`), while its metadata refresh is still out. (The engine
/// used to wait for the metadata answer.) A hint no newer than what the consumer knows changes
/// nothing.
#[test]
fn a_consumer_fetches_at_once_from_the_leader_a_not_leader_answer_names() {
    use khafka_sim::msg::{ErrorCode, Fetch, FetchedPartition};
    use khafka_sim::protocol::CurrentLeader;
    let fetches_after = |error: ErrorCode, hint: Option<CurrentLeader>| -> Vec<u32> {
        let mut h = Harness::new(&spec());
        let mut c = consumer(&h, &[]);
        let me = Node::Consumer(0);
        c.start(&mut h.ctx(me));
        let mut timers: Vec<(SimTime, Timer)> = Vec::new();
        // Up to its first fetch: metadata says broker 1 leads t-0 in epoch 0.
        let req_id = loop {
            let fetch =
                exchange(&mut h, &mut c, &mut timers)
                    .into_iter()
                    .find_map(|(to, m)| match m {
                        Msg::Fetch(Fetch::Request { req_id, .. }) => Some((to, req_id)),
                        _ => None,
                    });
            if let Some((to, req_id)) = fetch {
                assert_eq!(to, Node::Broker(1));
                break req_id;
            }
            timers.sort_by_key(|t| t.0);
            let (at, timer) = timers.remove(0);
            h.advance_to(at);
            c.on_timer(&mut h.ctx(me), timer);
        };
        let answer = Msg::Fetch(Fetch::Response {
            req_id,
            partitions: vec![FetchedPartition {
                part: 0,
                error,
                high_watermark: 0,
                log_end_offset: 0,
                log_start_offset: 0,
                fetch_offset: u64::MAX,
                batches: Vec::new(),
                base_offset: u64::MAX,
                diverging_epoch: None,
                current_leader: hint,
                latest_unavailable: false,
            }],
        });
        c.on_msg(&mut h.ctx(me), Node::Broker(1), answer);
        h.sent()
            .into_iter()
            .filter_map(|(to, m)| match (to, m) {
                (Node::Broker(b), Msg::Fetch(Fetch::Request { .. })) => Some(b),
                _ => None,
            })
            .collect()
    };
    let newer = CurrentLeader {
        leader: 2,
        leader_epoch: 1,
        alive: true,
    };
    let not_leader = ErrorCode::NotLeaderOrFollower;
    assert_eq!(fetches_after(not_leader, Some(newer)), [2]);
    // Without a newer leader named, the partition is fetched again at once from the leader the
    // consumer knows, while its metadata refresh is out: Kafka's `FetchCollector` only asks for
    // metadata, and nothing backs a fetch off but a reconnect. (The engine waited
    // `retry.backoff.ms`.) The same for UNKNOWN_LEADER_EPOCH, a leader behind the consumer.
    assert_eq!(fetches_after(not_leader, None), [1]);
    let same = CurrentLeader {
        leader: 2,
        leader_epoch: 0,
        alive: true,
    };
    assert_eq!(fetches_after(not_leader, Some(same)), [1]);
    assert_eq!(fetches_after(ErrorCode::UnknownLeaderEpoch, None), [1]);
    // Fenced by the leader itself, which names its newer epoch: fetched again from it at once,
    // with no retry backoff (Kafka has none for partition errors).
    let itself = CurrentLeader {
        leader: 1,
        leader_epoch: 1,
        alive: true,
    };
    assert_eq!(
        fetches_after(ErrorCode::FencedLeaderEpoch, Some(itself)),
        [1]
    );
}

/// A NOT_LEADER_OR_FOLLOWER answer that names a newer leader, for a position whose epoch the
/// consumer knows: the position awaits validation (`AbstractFetch.handleFetchSuccess` →
/// `maybeValidatePositionForCurrentLeader`), so `FetchCollector.initialize` ignores the answer
/// ("no longer has valid position") and asks for no metadata; the validation goes to the new
/// leader. (The engine refreshed metadata for every such answer.)
#[test]
fn a_not_leader_answer_that_starts_a_validation_refreshes_no_metadata() {
    use khafka_sim::msg::{ErrorCode, Fetch, FetchedPartition, Metadata, OffsetsForLeaderEpoch};
    use khafka_sim::protocol::CurrentLeader;
    let mut h = Harness::new(&spec());
    let mut c = consumer(&h, &[]);
    let me = Node::Consumer(0);
    c.start(&mut h.ctx(me));
    let mut timers: Vec<(SimTime, Timer)> = Vec::new();
    let record = h.batches.add(0, 0, &[0], None);
    // Its first fetch (broker 1, epoch 0; no position yet) learns the log is empty (OFFSET_OUT_OF_RANGE, reset to offset 0), its second
    // gets the record at offset 0, written in epoch 0; the third is answered
    // NOT_LEADER_OR_FOLLOWER, naming broker 2 in epoch 1.
    let mut answered = 0;
    let sent = 'fetches: loop {
        let fetch = exchange(&mut h, &mut c, &mut timers)
            .into_iter()
            .find_map(|(to, m)| match m {
                Msg::Fetch(Fetch::Request {
                    req_id, partitions, ..
                }) => Some((to, req_id, partitions[0].fetch_offset)),
                _ => None,
            });
        let Some((to, req_id, offset)) = fetch else {
            timers.sort_by_key(|t| t.0);
            let (at, timer) = timers.remove(0);
            h.advance_to(at);
            c.on_timer(&mut h.ctx(me), timer);
            continue;
        };
        assert_eq!(to, Node::Broker(1));
        let (empty, first) = (answered == 0, answered == 1);
        answered += 1;
        let answer = Msg::Fetch(Fetch::Response {
            req_id,
            partitions: vec![FetchedPartition {
                part: 0,
                // No position yet: out of range, reset to the (empty) log's end.
                error: if empty {
                    ErrorCode::OffsetOutOfRange
                } else if first {
                    ErrorCode::None
                } else {
                    ErrorCode::NotLeaderOrFollower
                },
                high_watermark: u64::from(!empty),
                log_end_offset: u64::from(!empty),
                log_start_offset: 0,
                fetch_offset: offset,
                batches: if first { vec![record] } else { Vec::new() },
                base_offset: if first { 0 } else { offset.min(1) },
                diverging_epoch: None,
                current_leader: (!empty && !first).then_some(CurrentLeader {
                    leader: 2,
                    leader_epoch: 1,
                    alive: true,
                }),
                latest_unavailable: false,
            }],
        });
        c.on_msg(&mut h.ctx(me), Node::Broker(1), answer);
        if !empty && !first {
            assert_eq!(offset, 1, "the third fetch is from the record's end");
            // What it sends over the next second (nothing answered).
            let until = h.now.as_us() + 1_000_000;
            let mut sent = h.sent_and_timers(&mut timers);
            loop {
                timers.sort_by_key(|t| t.0);
                if timers.first().is_none_or(|t| t.0.as_us() > until) {
                    break 'fetches sent;
                }
                let (at, timer) = timers.remove(0);
                h.advance_to(at);
                c.on_timer(&mut h.ctx(me), timer);
                sent.extend(h.sent_and_timers(&mut timers));
            }
        }
    };
    let kinds: Vec<(Node, &str)> = sent
        .iter()
        .map(|(to, m)| {
            let kind = match m {
                Msg::Metadata(Metadata::Request { .. }) => "metadata",
                Msg::OffsetsForLeaderEpoch(OffsetsForLeaderEpoch::Request { .. }) => "validation",
                Msg::Fetch(Fetch::Request { .. }) => "fetch",
                _ => "other",
            };
            (*to, kind)
        })
        .collect();
    assert_eq!(kinds, [(Node::Broker(2), "validation")]);
}

/// Every connection a consumer sees close refreshes its metadata, as Kafka's
/// `DefaultMetadataUpdater.handleServerDisconnect` does: here a KIP-848 member's
/// `FindCoordinator` is disconnected while no metadata request is out. (The engine asked for
/// metadata only when a fetch or a classic member's lookup failed.)
#[cfg(feature = "groups")]
#[test]
fn a_disconnect_refreshes_the_consumers_metadata() {
    use khafka_sim::msg::Group;
    use khafka_sim::protocol::group::GroupRequest;
    use khafka_sim::protocol::Metadata;
    let mut h = Harness::new(&spec());
    let mut c = consumer(&h, &[("group.id", "g"), ("group.protocol", "consumer")]);
    let me = Node::Consumer(0);
    c.start(&mut h.ctx(me));
    let mut timers: Vec<(SimTime, Timer)> = Vec::new();
    let mut find = None;
    while find.is_none() {
        find = exchange(&mut h, &mut c, &mut timers)
            .into_iter()
            .find_map(|(to, m)| match m {
                Msg::Group(Group::Request { req_id, req })
                    if matches!(*req, GroupRequest::FindCoordinator { .. }) =>
                {
                    Some((to, req_id))
                }
                _ => None,
            });
        if find.is_none() {
            assert!(fire_next_timer(&mut h, &mut c, &mut timers, 1_000_000));
        }
    }
    // The metadata answers are in; nothing is asked until the lookup's connection closes.
    assert!(h.sent_and_timers(&mut timers).is_empty());
    let (to, req_id) = find.unwrap();
    c.on_msg(&mut h.ctx(me), to, Msg::Disconnect { req_id });
    // Asked once the refresh backoff since the last answer allows (`retry.backoff.ms`, ±20%).
    let mut metadata = 0;
    loop {
        for (_, m) in h.sent_and_timers(&mut timers) {
            metadata += matches!(m, Msg::Metadata(Metadata::Request { .. })) as u32;
        }
        if metadata > 0 || !fire_next_timer(&mut h, &mut c, &mut timers, 150_000) {
            break;
        }
    }
    assert_eq!(metadata, 1);
}

/// A fetch that times out closes its connection, and the next fetch to that broker waits out
/// the reconnect backoff (`reconnect.backoff.ms`, 50 ms), as Kafka's fetcher skips a node it
/// cannot connect to yet (`AbstractFetch.prepareFetchRequests`). (The engine sent it again at
/// the instant of the timeout.)
#[test]
fn a_timed_out_fetch_waits_the_reconnect_backoff() {
    use khafka_sim::msg::Fetch;
    let mut h = Harness::new(&spec());
    let timeout_us = khafka_sim::spec::ConsumerSpec::new("c", "t")
        .config
        .request_timeout_ms
        * 1_000;
    let mut c = consumer(&h, &[]);
    let me = Node::Consumer(0);
    c.start(&mut h.ctx(me));
    let mut timers: Vec<(SimTime, Timer)> = Vec::new();
    // When each fetch left; none is answered.
    let mut fetches: Vec<u64> = Vec::new();
    while h.now.as_us() < timeout_us + 200_000 {
        for (_, m) in exchange(&mut h, &mut c, &mut timers) {
            if let Msg::Fetch(Fetch::Request { .. }) = m {
                fetches.push(h.now.as_us());
            }
        }
        timers.sort_by_key(|t| t.0);
        let (at, timer) = timers.remove(0);
        h.advance_to(at);
        c.on_timer(&mut h.ctx(me), timer);
    }
    assert_eq!(fetches.len(), 2, "{fetches:?}");
    assert_eq!(fetches[0], 0);
    // `reconnect.backoff.ms` with Kafka's ±20% jitter.
    let wait = fetches[1] - timeout_us;
    assert!((40_000..=60_000).contains(&wait), "{fetches:?}");
}

/// A broker that refuses connections (its process died) makes each new attempt wait twice as
/// long, as Kafka's `ClusterConnectionStates` does (`ExponentialBackoff(reconnect.backoff.ms=50,
/// 2, reconnect.backoff.max.ms=1000, 0.2)`, `failedAttempts` counted per node): the consumer's
/// fetches to it go at least 160–240, 320–480 and 640–960 ms apart, then 800 ms to a second
/// (the first two wait the fetch's own 100 ms retry backoff, longer than 40–60 and 80–120 ms).
/// An answer from the broker resets the count. (The engine tried every 50 ms.)
#[test]
fn a_refused_connection_backs_off_exponentially() {
    use khafka_sim::msg::Fetch;
    let mut h = Harness::new(&spec());
    let mut c = consumer(&h, &[]);
    let me = Node::Consumer(0);
    c.start(&mut h.ctx(me));
    let mut timers: Vec<(SimTime, Timer)> = Vec::new();
    let mut fetches: Vec<u64> = Vec::new();
    while h.now.as_us() < 6_000_000 {
        let mut refused = false;
        for (to, m) in exchange(&mut h, &mut c, &mut timers) {
            if let Msg::Fetch(Fetch::Request { req_id, .. }) = m {
                fetches.push(h.now.as_us());
                // Connection refused.
                c.on_msg(&mut h.ctx(me), to, Msg::Disconnect { req_id });
                refused = true;
            }
        }
        if refused {
            continue; // what the consumer does about it, at this instant
        }
        timers.sort_by_key(|t| t.0);
        let (at, timer) = timers.remove(0);
        h.advance_to(at);
        c.on_timer(&mut h.ctx(me), timer);
    }
    let gaps: Vec<u64> = fetches.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.len() >= 7, "{gaps:?}");
    for (n, g) in gaps.iter().enumerate() {
        let base = (50_000u64 << n).min(1_000_000);
        let (lo, hi) = (
            (base * 8 / 10).max(100_000),
            (base * 12 / 10).min(1_000_000),
        );
        assert!(
            (lo..=hi.max(lo + 20_000)).contains(g),
            "attempt {n}: {g} µs after the one before, {gaps:?}"
        );
    }
}

/// The broker's half of KIP-951 for fetches: a consumer's fetch sent to a broker that does not
/// lead the partition is answered `NOT_LEADER_OR_FOLLOWER` with the leader and epoch the broker
/// knows (`KafkaApis.getCurrentLeader`); so is one with an old leader epoch
/// (`FENCED_LEADER_EPOCH`). Followers' fetches get no hint (they learn leaders from the metadata
/// log).
#[test]
fn a_wrong_broker_names_the_current_leader_to_a_consumer() {
    use khafka_sim::protocol::{CurrentLeader, Fetcher};
    let answer = |broker: u32, fetcher: Fetcher, current_leader_epoch: u32| {
        wrong_broker_fetch_answer("4.1", broker, fetcher, current_leader_epoch)
    };
    let leader = |leader_epoch| {
        Some(CurrentLeader {
            leader: 1,
            leader_epoch,
            alive: true,
        })
    };
    use khafka_sim::msg::ErrorCode;
    assert_eq!(
        answer(2, Fetcher::Consumer, 0),
        (ErrorCode::NotLeaderOrFollower, leader(0))
    );
    assert_eq!(
        answer(1, Fetcher::Consumer, 0),
        (ErrorCode::FencedLeaderEpoch, leader(1))
    );
    assert_eq!(
        answer(2, Fetcher::Follower(3), 0),
        (ErrorCode::NotLeaderOrFollower, None)
    );
    // The epoch is checked before leadership (`Partition.getLocalLog`): a follower that has not
    // learned the epoch the consumer names answers `UNKNOWN_LEADER_EPOCH`, and names no leader.
    assert_eq!(
        answer(2, Fetcher::Consumer, 1),
        (ErrorCode::UnknownLeaderEpoch, None)
    );
}

/// KIP-951 came with Kafka 3.7 (Fetch v16, Produce v10): a 3.6 broker's error answers name no
/// leader, to a consumer's fetch or to a produce request, and a 3.7 broker's do.
#[test]
fn a_broker_before_kafka_3_7_names_no_leader() {
    use khafka_sim::msg::ErrorCode;
    use khafka_sim::protocol::{Fetcher, Produce};
    for (version, hints) in [("3.6", false), ("3.7", true)] {
        let (error, hint) = wrong_broker_fetch_answer(version, 2, Fetcher::Consumer, 0);
        assert_eq!(error, ErrorCode::NotLeaderOrFollower, "{version}");
        assert_eq!(hint.is_some(), hints, "fetch, {version}: {hint:?}");

        let mut s = spec();
        s.cluster.config.set("kafka.version", version).unwrap();
        let mut h = Harness::new(&s);
        let mut b = started(&mut h, 2);
        h.take();
        let req = produce_one(khafka_sim::config::Acks::All, 7, 1);
        b.on_msg(&mut h.ctx(Node::Broker(2)), Node::Producer(0), req);
        let (error, hint) = h
            .sent()
            .into_iter()
            .find_map(|(_, m)| match m {
                Msg::Produce(Produce::Response { results, .. }) => {
                    Some((results[0].error, results[0].current_leader))
                }
                _ => None,
            })
            .expect("an answer");
        assert_eq!(error, ErrorCode::NotLeaderOrFollower, "{version}");
        assert_eq!(hint.is_some(), hints, "produce, {version}: {hint:?}");
    }
}

/// Broker `broker`'s answer to a consumer's (or follower's) fetch of t-0, which broker 1 leads (in
/// epoch 1 on broker 1 itself), with `kafka.version=version`: its error and KIP-951 hint.
fn wrong_broker_fetch_answer(
    version: &str,
    broker: u32,
    fetcher: khafka_sim::protocol::Fetcher,
    current_leader_epoch: u32,
) -> (
    khafka_sim::msg::ErrorCode,
    Option<khafka_sim::protocol::CurrentLeader>,
) {
    use khafka_sim::protocol::{Fetch, FetchPartition};
    {
        let mut s = spec();
        s.cluster.config.set("kafka.version", version).unwrap();
        let mut h = Harness::new(&s);
        let mut b = started(&mut h, broker);
        if broker == 1 {
            // Broker 1 leads t-0 in epoch 1 now.
            b.replicas.get_mut(&0).unwrap().state.leader_epoch = 1;
        }
        h.take();
        let req = Msg::Fetch(Fetch::Request {
            req_id: 7,
            fetcher,
            max_wait_us: 0,
            partitions: vec![FetchPartition {
                part: 0,
                fetch_offset: 0,
                last_fetched_epoch: None,
                current_leader_epoch,
            }],
            session: 0,
        });
        b.on_msg(&mut h.ctx(Node::Broker(broker)), Node::Consumer(0), req);
        h.sent()
            .into_iter()
            .find_map(|(_, m)| match m {
                Msg::Fetch(Fetch::Response { partitions, .. }) => {
                    Some((partitions[0].error, partitions[0].current_leader))
                }
                _ => None,
            })
            .expect("an answer")
    }
}

/// A classic member keeps heartbeating while it commits before a rejoin: `onJoinPrepare` runs
/// while the member is still STABLE, and only the rejoin (`PREPARING_REBALANCE`) stops the
/// heartbeat thread (`AbstractCoordinator.HeartbeatThread`). A commit the coordinator is slow to
/// answer must not cost the member its session.
#[cfg(feature = "groups")]
#[test]
fn a_member_heartbeats_while_its_commit_before_a_rejoin_waits() {
    use khafka_sim::client::consumer::group::Phase;
    use khafka_sim::msg::ErrorCode;
    use khafka_sim::protocol::group::{GroupRequest, GroupResponse};

    let (mut h, mut c, mut timers) = member(&[]);
    // Generation 1 assigns t-0; from 5 s a heartbeat says REBALANCE_IN_PROGRESS and commits go
    // unanswered.
    let mut coordinator = |at: SimTime, _: u64, r: &GroupRequest| -> Option<GroupResponse> {
        if at.as_us() >= 5_000_000 {
            one_member_coordinator(r, 1, ErrorCode::RebalanceInProgress, None)
        } else {
            one_member_coordinator(r, 1, ErrorCode::None, Some(ErrorCode::None))
        }
    };
    drive_member(&mut h, &mut c, &mut timers, 4_000_000, &mut coordinator);
    assert_eq!(c.group.as_ref().unwrap().phase, Phase::Stable);
    let asked = drive_member(&mut h, &mut c, &mut timers, 20_000_000, &mut coordinator);
    assert_eq!(
        c.group.as_ref().unwrap().phase,
        Phase::CommitBeforeJoin,
        "its commit before the rejoin is unanswered"
    );
    let beats_after: Vec<u64> = asked
        .iter()
        .filter(|(t, r)| t.as_us() > 6_000_000 && matches!(r, GroupRequest::Heartbeat { .. }))
        .map(|(t, _)| t.as_us())
        .collect();
    assert!(
        beats_after.len() >= 4,
        "heartbeats every 3 s while the commit waits: {beats_after:?}"
    );
}

/// An eager member notes its revocation when it prepares to rejoin (fetching stops), ahead of
/// the commit that precedes the rejoin. If a heartbeat answers ILLEGAL_GENERATION while that
/// commit waits, Kafka calls `onPartitionsLost`, not `onPartitionsRevoked`: the member's story has
/// t-0 lost once and no revocation, and a crash afterwards notes no pause of its own for t-0.
/// (The engine noted t-0 as revoked, then lost, and counted its pause twice.)
#[cfg(feature = "groups")]
#[test]
fn a_generation_reset_during_the_commit_before_a_rejoin_loses_the_partitions() {
    use khafka_sim::client::consumer::group::Phase;
    use khafka_sim::msg::ErrorCode;
    use khafka_sim::protocol::group::{GroupRequest, GroupResponse};

    let (mut h, mut c, mut timers) = member(&[]);
    // Generation 1 assigns t-0; from 5 s a heartbeat says REBALANCE_IN_PROGRESS and commits go
    // unanswered; from 9 s a heartbeat says ILLEGAL_GENERATION.
    let mut coordinator = |at: SimTime, _: u64, r: &GroupRequest| -> Option<GroupResponse> {
        match at.as_us() {
            0..5_000_000 => one_member_coordinator(r, 1, ErrorCode::None, Some(ErrorCode::None)),
            5_000_000..9_000_000 => {
                one_member_coordinator(r, 1, ErrorCode::RebalanceInProgress, None)
            }
            _ => one_member_coordinator(r, 1, ErrorCode::IllegalGeneration, None),
        }
    };
    drive_member(&mut h, &mut c, &mut timers, 8_500_000, &mut coordinator);
    let g = c.group.as_ref().unwrap();
    assert_eq!(g.phase, Phase::CommitBeforeJoin);
    assert_eq!(g.revocations.len(), 1, "noted ahead of the commit");
    drive_member(&mut h, &mut c, &mut timers, 13_000_000, &mut coordinator);
    let g = c.group.as_ref().unwrap();
    assert_eq!(
        g.revocations,
        vec![],
        "taken back: the partitions were lost"
    );
    assert_eq!(g.lost.len(), 1, "{:?}", g.lost);
    assert_eq!(g.lost[0].1, vec![0]);
    c.crash(&mut h.ctx(Node::Consumer(0)));
    assert_eq!(c.group.as_ref().unwrap().crashed_with, vec![]);
}

/// A classic member whose heartbeat fails waits before the next one, `retry.backoff.ms` ×
/// 2^attempts (±20%): `Heartbeat.failHeartbeat` sets the heartbeat timer to that backoff, and
/// finding the coordinator again does not reset it. Here every heartbeat from 5 s on is answered
/// NOT_COORDINATOR, and the coordinator is found again each time at once: the heartbeats come
/// about 100, 200, 400, 800 ms apart, then every second. (The engine heartbeated again as soon as
/// the coordinator was found: a heartbeat per round trip.)
#[cfg(feature = "groups")]
#[test]
fn a_classic_member_backs_off_its_failed_heartbeats_exponentially() {
    use khafka_sim::msg::ErrorCode;
    use khafka_sim::protocol::group::{GroupRequest, GroupResponse};

    let (mut h, mut c, mut timers) = member(&[]);
    let mut coordinator = |at: SimTime, _: u64, r: &GroupRequest| -> Option<GroupResponse> {
        let heartbeat = if at.as_us() >= 5_000_000 {
            ErrorCode::NotCoordinator
        } else {
            ErrorCode::None
        };
        one_member_coordinator(r, 1, heartbeat, Some(ErrorCode::None))
    };
    let asked = drive_member(&mut h, &mut c, &mut timers, 9_000_000, &mut coordinator);
    let beats: Vec<u64> = asked
        .iter()
        .filter(|(t, r)| t.as_us() >= 5_000_000 && matches!(r, GroupRequest::Heartbeat { .. }))
        .map(|(t, _)| t.as_us())
        .collect();
    let gaps: Vec<u64> = beats.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.len() >= 5, "heartbeats from 5 s: {beats:?}");
    for (i, gap) in gaps.iter().enumerate() {
        let base = (100_000u64 << i.min(4)).min(1_000_000);
        assert!(
            *gap >= base * 8 / 10 && *gap <= base * 12 / 10 + 10_000,
            "gap {i} is {gap} µs, expected about {base} µs: {gaps:?}"
        );
    }
}

/// A classic member's heartbeat in flight when another request finds the coordinator gone fails
/// with the connection (`markCoordinatorUnknown` → `client.disconnectAsync`), and the heartbeat
/// thread's listener backs off (`heartbeat.failHeartbeat()`): the next heartbeat goes
/// `retry.backoff.ms` later, once the coordinator is found again, not a whole
/// `heartbeat.interval.ms` after the lost one.
#[cfg(feature = "groups")]
#[test]
fn a_classic_heartbeat_cut_off_with_its_coordinator_backs_off() {
    use khafka_sim::msg::ErrorCode;
    use khafka_sim::protocol::group::GroupRequest;

    let (mut h, mut c, mut timers) = member(&[]);
    // Heartbeats sent from 9 s until the next auto-commit (at 10 s) are never answered;
    // that commit is answered NOT_COORDINATOR while one of them is in flight.
    let mut lost_at = None;
    let asked = drive_member(&mut h, &mut c, &mut timers, 14_000_000, |at, _, r| {
        let t = at.as_us();
        match r {
            GroupRequest::Heartbeat { .. } if t >= 9_000_000 && lost_at.is_none() => None,
            GroupRequest::OffsetCommit { .. } if t >= 9_000_000 && lost_at.is_none() => {
                lost_at = Some(t);
                one_member_coordinator(r, 1, ErrorCode::None, Some(ErrorCode::NotCoordinator))
            }
            _ => one_member_coordinator(r, 1, ErrorCode::None, Some(ErrorCode::None)),
        }
    });
    let lost_at = lost_at.expect("an auto-commit after 9 s");
    let beats: Vec<u64> = asked
        .iter()
        .filter(|(t, r)| matches!(r, GroupRequest::Heartbeat { .. }) && t.as_us() > lost_at)
        .map(|(t, _)| t.as_us())
        .collect();
    let first = *beats
        .first()
        .expect("a heartbeat after the coordinator was lost");
    assert!(
        first - lost_at <= 300_000,
        "the first heartbeat after losing the coordinator at {lost_at} µs went at {first} µs"
    );
}

/// A KIP-848 member's heartbeat that times out is a failed attempt
/// (`AbstractHeartbeatRequestManager.onFailure` → `HeartbeatRequestState.onFailedAttempt`): once
/// the coordinator is found again, the next heartbeat still waits out `retry.backoff.ms` ×
/// 2^attempts (±20 %) from the failure, so failures in a row space out (100, 200, 400 ms).
#[cfg(feature = "groups")]
#[test]
fn a_kip848_heartbeat_that_timed_out_backs_off() {
    use khafka_sim::msg::ErrorCode;
    use khafka_sim::protocol::group::GroupRequest;

    let (mut h, mut c, mut timers) = member(&[("group.protocol", "consumer")]);
    // Heartbeats sent from 5 s to 96 s are never answered (each times out after 30 s).
    let mut beats = Vec::new();
    drive_member(&mut h, &mut c, &mut timers, 100_000_000, |at, _, r| {
        if matches!(r, GroupRequest::ConsumerGroupHeartbeat(_)) {
            beats.push(at.as_us());
            if (5_000_000..96_000_000).contains(&at.as_us()) {
                return None;
            }
        }
        coordinator_answer(r, 1, ErrorCode::None)
    });
    let lost: Vec<u64> = beats
        .iter()
        .copied()
        .filter(|t| (5_000_000..96_000_000).contains(t))
        .collect();
    assert!(lost.len() >= 4, "heartbeats {beats:?}");
    // How long after each timeout the next heartbeat went.
    let after: Vec<u64> = lost.windows(2).map(|w| w[1] - w[0] - 30_000_000).collect();
    assert!(
        (80_000..=150_000).contains(&after[0]),
        "first retry {} µs after the timeout: {after:?}",
        after[0]
    );
    assert!(
        (320_000..=480_000).contains(&after[2]),
        "third retry {} µs after the timeout, expected 400 ms ± 20 %: {after:?}",
        after[2]
    );
}

/// A classic member whose SyncGroup is answered REBALANCE_IN_PROGRESS while its application
/// processes stays `COMPLETING_REBALANCE` (`SyncGroupResponseHandler` only raises the error): its
/// heartbeat thread heartbeats on, so a batch longer than `session.timeout.ms` does not get it
/// removed, and it joins again at its next `poll()` (`joinGroupIfNeeded`), not before.
#[cfg(feature = "groups")]
#[test]
fn a_busy_member_whose_sync_failed_heartbeats_until_its_poll() {
    use khafka_sim::msg::{ErrorCode, Group};
    use khafka_sim::protocol::group::{GroupRequest, GroupResponse};

    let (mut h, mut c, mut timers) = member(&[]);
    // Generation 1, then a rebalance (a heartbeat from 2 s answered REBALANCE_IN_PROGRESS); the
    // SyncGroup of the rejoin is left unanswered, its id kept.
    let mut sync = None;
    drive_member(&mut h, &mut c, &mut timers, 6_000_000, |at, id, r| {
        let late = at.as_us() >= 2_000_000;
        match r {
            GroupRequest::SyncGroup { .. } if late => {
                sync = Some(id);
                None
            }
            GroupRequest::Heartbeat { .. } if late && sync.is_none() => {
                Some(GroupResponse::Heartbeat {
                    error: ErrorCode::RebalanceInProgress,
                })
            }
            _ => one_member_coordinator(r, 2, ErrorCode::None, Some(ErrorCode::None)),
        }
    });
    let sync = sync.expect("a SyncGroup after the rebalance began");
    // The application is busy when the answer comes.
    c.group.as_mut().unwrap().app_busy_since = Some(h.now.as_us());
    let answer = Msg::Group(Group::Response {
        req_id: sync,
        resp: Box::new(GroupResponse::SyncGroup {
            error: ErrorCode::RebalanceInProgress,
            assignment: Vec::new(),
        }),
    });
    c.on_msg(&mut h.ctx(Node::Consumer(0)), Node::Broker(1), answer);
    let from = h.now.as_us();
    let busy = drive_member(
        &mut h,
        &mut c,
        &mut timers,
        from + 10_000_000,
        |_, _, r| match r {
            GroupRequest::Heartbeat { .. } => Some(GroupResponse::Heartbeat {
                error: ErrorCode::RebalanceInProgress,
            }),
            _ => one_member_coordinator(r, 3, ErrorCode::None, Some(ErrorCode::None)),
        },
    );
    let beats = busy
        .iter()
        .filter(|(_, r)| matches!(r, GroupRequest::Heartbeat { .. }))
        .count();
    assert!(
        beats >= 3,
        "{beats} heartbeats in 10 s while busy: {busy:?}"
    );
    assert!(
        !busy
            .iter()
            .any(|(_, r)| matches!(r, GroupRequest::JoinGroup(_))),
        "no JoinGroup before the poll: {busy:?}"
    );
}

/// A heartbeat answered ILLEGAL_GENERATION while the application processes resets the generation
/// in the heartbeat thread (`resetStateOnResponseError`: `UNJOINED`), which stops heartbeating;
/// the partitions stay assigned until the next `poll()`, whose `onJoinPrepare` gives them up as
/// lost and joins again. No JoinGroup before that poll, and nothing happens when the poll timer
/// expires meanwhile (the heartbeat thread, which checks it, is off; `maybeLeaveGroup` sends
/// no LeaveGroup while `UNJOINED` either): the member id is kept.
#[cfg(feature = "groups")]
#[test]
fn a_busy_member_keeps_its_partitions_until_its_poll_after_illegal_generation() {
    use khafka_sim::msg::ErrorCode;
    use khafka_sim::protocol::group::{GroupRequest, GroupResponse};

    let (mut h, mut c, mut timers) = member(&[("max.poll.interval.ms", "10000")]);
    drive_member(&mut h, &mut c, &mut timers, 2_000_000, |_, _, r| {
        one_member_coordinator(r, 1, ErrorCode::None, Some(ErrorCode::None))
    });
    let g = c.group.as_ref().unwrap();
    assert_eq!((g.generation, g.assigned.clone()), (1, vec![true]));
    // The application is busy from here on; the next heartbeat is answered ILLEGAL_GENERATION.
    c.group.as_mut().unwrap().app_busy_since = Some(h.now.as_us());
    let busy = drive_member(&mut h, &mut c, &mut timers, 15_000_000, |_, _, r| match r {
        GroupRequest::Heartbeat { .. } => Some(GroupResponse::Heartbeat {
            error: ErrorCode::IllegalGeneration,
        }),
        GroupRequest::LeaveGroup { .. } => Some(GroupResponse::LeaveGroup {
            error: ErrorCode::None,
        }),
        _ => one_member_coordinator(r, 2, ErrorCode::None, Some(ErrorCode::None)),
    });
    let beats = busy
        .iter()
        .filter(|(_, r)| matches!(r, GroupRequest::Heartbeat { .. }))
        .count();
    assert_eq!(beats, 1, "one heartbeat, then none while busy: {busy:?}");
    assert!(
        !busy
            .iter()
            .any(|(_, r)| matches!(r, GroupRequest::JoinGroup(_))),
        "no JoinGroup before the poll: {busy:?}"
    );
    assert!(
        !busy
            .iter()
            .any(|(_, r)| matches!(r, GroupRequest::LeaveGroup { .. })),
        "no LeaveGroup from an unjoined member at its poll timeout: {busy:?}"
    );
    let g = c.group.as_ref().unwrap();
    assert_eq!(
        (g.generation, g.assigned.clone(), g.member_id.as_str()),
        (-1, vec![true], "m1"),
        "generation reset, member id and partition kept until the poll"
    );
    // Its process crashes now: the group has moved on without it, so its crash starts no pause
    // of t-0 (another member may be reading it).
    c.crash(&mut h.ctx(Node::Consumer(0)));
    assert_eq!(c.group.as_ref().unwrap().crashed_with, vec![]);
}

/// A leader that loses leadership answers the fetches waiting on the partition at once, with the
/// error (`completeDelayedOperationsWhenNotPartitionLeader`), instead of at their max wait.
#[test]
fn a_parked_fetch_is_answered_when_the_leader_steps_down() {
    use khafka_sim::msg::ErrorCode;
    let mut h = Harness::new(&spec());
    let mut b = leader(&mut h);
    // Follower 2, at the log end, waits up to 500 ms.
    let msg = follower_fetch(2, 10, 10, 1, 500_000);
    b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Broker(2), msg);
    assert!(fetch_answers(&h.sent()).is_empty(), "parked");
    // 100 ms later the metadata log makes broker 2 the leader (epoch 1).
    h.advance_to(SimTime::from_ms(100));
    let mut st = state(2, 1, &[2, 3]);
    st.leader_epoch = 1;
    answer_metadata(&mut h, &mut b, 2, vec![st]);
    assert_eq!(
        fetch_answers_by(&h.sent(), |p| p.error),
        vec![vec![ErrorCode::FencedLeaderEpoch]],
        "answered at once, not at 500 ms"
    );
}

/// A follower's fetch whose log diverges from the leader's is answered at once with the
/// diverging epoch (`ReplicaManager.fetchMessages`: `hasDivergingEpoch`), even when its fetch
/// offset is the leader's log end and nothing new could wake it.
#[test]
fn a_diverging_fetch_at_the_log_end_is_answered_at_once() {
    use khafka_sim::protocol::{FetchPartition, Fetcher};
    let mut h = Harness::new(&spec());
    let mut b = leader(&mut h);
    // Broker 1 leads epoch 1 from offset 1 and appends one record: offsets 0 (epoch 0), 1 (1).
    let mut st = state(1, 1, &[1, 2, 3]);
    st.leader_epoch = 1;
    answer_metadata(&mut h, &mut b, 2, vec![st]);
    leader_appends(&mut h, &mut b, 1, 1, 2);
    // A follower that wrote offset 1 in epoch 0 (an old leader's record) fetches at offset 2.
    let msg = Msg::Fetch(Fetch::Request {
        req_id: 20,
        fetcher: Fetcher::Follower(2),
        max_wait_us: 500_000,
        partitions: vec![FetchPartition {
            part: 0,
            fetch_offset: 2,
            last_fetched_epoch: Some(0),
            current_leader_epoch: 1,
        }],
        session: 20,
    });
    b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Broker(2), msg);
    assert_eq!(
        fetch_answers_by(&h.sent(), |p| p.diverging_epoch),
        vec![vec![Some((0, 1))]],
        "epoch 0 ends at offset 1"
    );
}

/// A fetch answer with an error for one partition delays that partition only
/// (`AbstractFetcherThread.handlePartitionsWithErrors` → `delayPartitions`): the follower's next
/// fetch, at once, carries the other partitions.
#[test]
fn a_partition_in_error_does_not_hold_back_the_others() {
    use khafka_sim::msg::ErrorCode;
    use khafka_sim::protocol::FetchedPartition;
    let mut s = ScenarioSpec::default();
    s.topics.push(TopicSpec::new("t", 2, 3));
    let mut h = Harness::new(&s);
    let mut b = h.broker(2);
    b.start(&mut h.ctx(Node::Broker(2)));
    b.started_before_the_run();
    let mut states = vec![state(1, 0, &[1, 2, 3]), state(1, 0, &[1, 2, 3])];
    states[1].part = 1;
    answer_metadata(&mut h, &mut b, 1, states);
    let requests = |sent: &[(Node, Msg)]| -> Vec<(u64, Vec<u32>)> {
        sent.iter()
            .filter_map(|(to, m)| match m {
                Msg::Fetch(Fetch::Request {
                    req_id, partitions, ..
                }) if *to == Node::Broker(1) => {
                    Some((*req_id, partitions.iter().map(|p| p.part).collect()))
                }
                _ => None,
            })
            .collect()
    };
    let answer = |part: u32, error: ErrorCode| FetchedPartition {
        part,
        error,
        high_watermark: 0,
        log_end_offset: 0,
        log_start_offset: 0,
        fetch_offset: 0,
        batches: Vec::new(),
        base_offset: 0,
        diverging_epoch: None,
        current_leader: None,
        latest_unavailable: false,
    };
    // The first fetch went out as t-0's state arrived; answered, the next one asks for both.
    let first = requests(&h.sent());
    let [(req_id, parts)] = first.as_slice() else {
        panic!("one fetch to the leader: {first:?}");
    };
    assert_eq!(parts, &vec![0]);
    let msg = Msg::Fetch(Fetch::Response {
        req_id: *req_id,
        partitions: vec![answer(0, ErrorCode::None)],
    });
    b.on_msg(&mut h.ctx(Node::Broker(2)), Node::Broker(1), msg);
    let second = requests(&h.sent());
    let [(req_id, parts)] = second.as_slice() else {
        panic!("one fetch to the leader: {second:?}");
    };
    assert_eq!(parts, &vec![0, 1]);
    let msg = Msg::Fetch(Fetch::Response {
        req_id: *req_id,
        partitions: vec![
            answer(0, ErrorCode::NotLeaderOrFollower),
            answer(1, ErrorCode::None),
        ],
    });
    b.on_msg(&mut h.ctx(Node::Broker(2)), Node::Broker(1), msg);
    let next = requests(&h.sent());
    assert_eq!(
        next.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
        vec![vec![1]],
        "t-1 is fetched at once; t-0 waits replica.fetch.backoff.ms"
    );
}

/// A KIP-848 member whose heartbeats are answered COORDINATOR_LOAD_IN_PROGRESS (a coordinator
/// still loading its `__consumer_offsets` partition): `AbstractHeartbeatRequestManager.
/// onErrorResponse` counts a failed attempt, and a stable member's next heartbeat waits
/// `retry.backoff.ms` × 2^attempts (±20%, at most `retry.backoff.max.ms`), its heartbeat timer
/// at 0 (`HeartbeatRequestState.onFailedAttempt`); the first success zeroes the count. A joining
/// member heartbeats again at once (`shouldHeartbeatNow`: JOINING ignores the backoff).
#[cfg(feature = "groups")]
#[test]
fn a_kip848_heartbeat_to_a_loading_coordinator_backs_off_exponentially() {
    use khafka_sim::msg::ErrorCode;
    use khafka_sim::protocol::group::{GroupRequest, GroupResponse};

    let (mut h, mut c, mut timers) = member(&[("group.protocol", "consumer")]);
    // Two join heartbeats (epoch 0) answered "loading", then six of the stable member's.
    let mut joins_loading = 2;
    let mut beats_loading = 6;
    let asked = drive_member(&mut h, &mut c, &mut timers, 20_000_000, |_, _, r| {
        let mut answer = coordinator_answer(r, 1, ErrorCode::None)?;
        if let (
            GroupRequest::ConsumerGroupHeartbeat(req),
            GroupResponse::ConsumerGroupHeartbeat(hb),
        ) = (r, &mut answer)
        {
            let loading = if req.member_epoch == 0 {
                &mut joins_loading
            } else {
                &mut beats_loading
            };
            if *loading > 0 {
                *loading -= 1;
                hb.error = ErrorCode::CoordinatorLoadInProgress;
                hb.member_epoch = req.member_epoch;
                hb.assignment = None;
            }
        }
        Some(answer)
    });
    let beats: Vec<(u64, i32)> = asked
        .iter()
        .filter_map(|(t, r)| match r {
            GroupRequest::ConsumerGroupHeartbeat(r) => Some((t.as_us(), r.member_epoch)),
            _ => None,
        })
        .collect();
    let joins: Vec<u64> = beats.iter().filter(|b| b.1 == 0).map(|b| b.0).collect();
    assert_eq!(
        joins.len(),
        3,
        "two refused joins and the one that joined: {beats:?}"
    );
    assert!(
        joins.windows(2).all(|w| w[1] - w[0] < 10_000),
        "a joining member retries at once: {joins:?}"
    );
    let stable: Vec<u64> = beats.iter().filter(|b| b.1 == 1).map(|b| b.0).collect();
    assert!(stable.len() >= 8, "heartbeats at {beats:?}");
    let gaps: Vec<u64> = stable.windows(2).map(|w| w[1] - w[0]).take(7).collect();
    // The first refused heartbeat at the 5 s interval, then 100, 200, 400, 800, 1000, 1000 ms
    // (each ±20%), then the interval again after the success.
    for (i, (gap, base)) in gaps
        .iter()
        .zip([100_000u64, 200_000, 400_000, 800_000, 1_000_000, 1_000_000])
        .enumerate()
    {
        assert!(
            *gap >= base * 8 / 10 && *gap <= base * 12 / 10,
            "retry {i}: {gap} µs after the refused heartbeat, expected {base} µs ±20% (gaps {gaps:?})"
        );
    }
    assert!(
        (4_900_000..=5_100_000).contains(&gaps[6]),
        "the interval once answered: {gaps:?}"
    );
    let g = c.group.as_ref().expect("a group member");
    assert_eq!(g.generation, 1, "joined once the coordinator had loaded");
}

/// A consumer's metadata answered: t-0 led by broker 1 in epoch 0.
#[cfg(feature = "groups")]
fn consumer_knows_the_leader(h: &mut Harness, c: &mut khafka_sim::client::consumer::Consumer) {
    use khafka_sim::protocol::Metadata;
    let me = Node::Consumer(0);
    let mut timers = Vec::new();
    h.sent_and_timers(&mut timers);
    let (at, wake) = timers.pop().expect("the start's wake-up");
    h.advance_to(at);
    c.on_timer(&mut h.ctx(me), wake);
    let req_id = h
        .sent()
        .iter()
        .find_map(|(_, m)| match m {
            Msg::Metadata(Metadata::Request { req_id }) => Some(*req_id),
            _ => None,
        })
        .expect("a metadata request");
    c.on_msg(
        &mut h.ctx(me),
        Node::Broker(1),
        Msg::Metadata(Metadata::Response {
            req_id,
            partitions: vec![(0, Some(1), 0)],
            brokers: vec![1, 2, 3],
        }),
    );
}

/// The fetches of t-0 in `sent`, as `(request id, fetch offset)`.
#[cfg(feature = "groups")]
fn consumer_fetches(sent: &[(Node, Msg)]) -> Vec<(u64, u64)> {
    use khafka_sim::protocol::Fetch;
    sent.iter()
        .filter_map(|(_, m)| match m {
            Msg::Fetch(Fetch::Request {
                req_id, partitions, ..
            }) => partitions
                .iter()
                .find(|p| p.part == 0)
                .map(|p| (*req_id, p.fetch_offset)),
            _ => None,
        })
        .collect()
}

/// An OFFSET_OUT_OF_RANGE answer to a position the application has left (a `seek` while the fetch
/// was in flight) is stale and dropped (`FetchCollector.handleInitializeErrors`: "Discarding
/// stale fetch response"): the position the application chose stays. With
/// `auto.offset.reset=none` the position stays too (Kafka throws `OffsetOutOfRangeException`
/// and keeps it), and the partition is not fetched any more.
#[cfg(feature = "groups")]
#[test]
fn a_stale_out_of_range_answer_leaves_the_position_alone() {
    use khafka_sim::client::consumer::{subscribed::Subscribed, Consumer};
    use khafka_sim::protocol::{Fetch, FetchedPartition};
    use khafka_sim::spec::SeekTo;
    let out_of_range = |req_id: u64, offset: u64| {
        Msg::Fetch(Fetch::Response {
            req_id,
            partitions: vec![FetchedPartition {
                part: 0,
                error: khafka_sim::msg::ErrorCode::OffsetOutOfRange,
                high_watermark: 20,
                log_end_offset: 20,
                log_start_offset: 10,
                fetch_offset: offset,
                batches: Vec::new(),
                base_offset: offset,
                diverging_epoch: None,
                current_leader: None,
                latest_unavailable: false,
            }],
        })
    };
    for reset in ["earliest", "none"] {
        let mut h = Harness::new(&spec());
        let mut cs = khafka_sim::spec::ConsumerSpec::new("c", "t");
        cs.config.set("auto.offset.reset", reset).unwrap();
        let me = Node::Consumer(0);
        let mut c = Consumer::new(0, &cs, Subscribed::new(&h.topo, &[0]), 1);
        c.start(&mut h.ctx(me));
        consumer_knows_the_leader(&mut h, &mut c);
        // Without a position it asks for the log end (an impossible offset)...
        let fetches = consumer_fetches(&h.sent());
        let &[(first, u64::MAX)] = fetches.as_slice() else {
            panic!("{reset}: one fetch for the log end: {fetches:?}");
        };
        // ... and the application seeks to 5 while that fetch is out: its answer is stale.
        c.seek(&mut h.ctx(me), 0, SeekTo::Offset(5));
        c.on_msg(
            &mut h.ctx(me),
            Node::Broker(1),
            out_of_range(first, u64::MAX),
        );
        assert_eq!(
            c.positions[0],
            Some(5),
            "{reset}: the stale answer is dropped"
        );
        let fetches = consumer_fetches(&h.sent());
        let &[(second, 5)] = fetches.as_slice() else {
            panic!("{reset}: the next fetch at 5: {fetches:?}");
        };
        // Out of range at the current position: `earliest` resets to the log start; `none`
        // keeps the position and fetches no more.
        c.on_msg(&mut h.ctx(me), Node::Broker(1), out_of_range(second, 5));
        let expected = if reset == "earliest" { 10 } else { 5 };
        assert_eq!(c.positions[0], Some(expected), "{reset}");
        let fetches = consumer_fetches(&h.sent());
        assert_eq!(
            fetches.len(),
            usize::from(reset == "earliest"),
            "{reset}: {fetches:?}"
        );
    }
}

/// One consumer's KIP-320 validation of t's partitions, each fetched up to 50 in leader epoch 0
/// from broker 1.
struct ValidationFixture {
    h: Harness,
    sub: khafka_sim::client::consumer::subscribed::Subscribed,
    v: khafka_sim::client::consumer::validation::Validation,
    positions: Vec<Option<u64>>,
    epochs: Vec<Option<u32>>,
    /// Connections in their reconnect backoff: `(broker, until µs)`.
    closed: Vec<(u32, u64)>,
}

impl ValidationFixture {
    fn new() -> Self {
        Self::with_partitions(1)
    }

    fn with_partitions(n: u32) -> Self {
        let mut s = ScenarioSpec::default();
        s.topics.push(TopicSpec::new("t", n, 3));
        let h = Harness::new(&s);
        let sub = khafka_sim::client::consumer::subscribed::Subscribed::new(&h.topo, &[0]);
        let mut v = khafka_sim::client::consumer::validation::Validation::new(n);
        for p in 0..n as usize {
            v.position_reset(p, Some(0));
        }
        ValidationFixture {
            h,
            sub,
            v,
            positions: vec![Some(50); n as usize],
            epochs: vec![Some(0); n as usize],
            closed: Vec::new(),
        }
    }

    /// The leaders as the metadata says; the `OffsetsForLeaderEpoch` requests the validation
    /// then sends, `(to, request id)`.
    fn validate(&mut self, leaders: &[Option<(u32, u32)>]) -> Vec<(Node, u64)> {
        self.validate_parts(leaders)
            .into_iter()
            .map(|(to, req_id, _)| (to, req_id))
            .collect()
    }

    /// Validates with `leaders`, and asserts that one request goes to broker `to` about `parts`.
    fn asks(&mut self, leaders: &[Option<(u32, u32)>], to: u32, parts: &[u32], what: &str) {
        let sent = self.validate_parts(leaders);
        assert!(
            matches!(sent.as_slice(), [(Node::Broker(b), _, p)] if *b == to && p == parts),
            "{what}: {sent:?}"
        );
    }

    /// [`Self::validate`] with the partitions each request asks about.
    fn validate_parts(&mut self, leaders: &[Option<(u32, u32)>]) -> Vec<(Node, u64, Vec<u32>)> {
        use khafka_sim::msg::OffsetsForLeaderEpoch;
        let me = Node::Consumer(0);
        self.v.check(&self.positions, &self.epochs, leaders);
        self.v.send(
            &mut self.h.ctx(me),
            &self.sub,
            |_| true,
            &self.positions,
            &self.epochs,
            leaders,
            30_000_000,
            |b| self.closed.iter().find(|c| c.0 == b).map(|c| c.1),
        );
        self.h
            .sent()
            .into_iter()
            .filter_map(|(to, m)| match m {
                Msg::OffsetsForLeaderEpoch(OffsetsForLeaderEpoch::Request {
                    req_id,
                    partitions,
                }) => Some((to, req_id, partitions.iter().map(|p| p.part).collect())),
                _ => None,
            })
            .collect()
    }

    /// Broker `from`'s answer to request `req_id` for t-0.
    fn answer(
        &mut self,
        from: u32,
        req_id: u64,
        error: khafka_sim::msg::ErrorCode,
        end: Option<(u32, u64)>,
    ) -> khafka_sim::client::consumer::validation::After {
        self.answer_part(from, req_id, 0, error, end)
    }

    /// Broker `from`'s answer to request `req_id` for t-`part`.
    fn answer_part(
        &mut self,
        from: u32,
        req_id: u64,
        part: u32,
        error: khafka_sim::msg::ErrorCode,
        end: Option<(u32, u64)>,
    ) -> khafka_sim::client::consumer::validation::After {
        let answer = vec![khafka_sim::msg::EpochEndOffset { part, error, end }];
        self.v.on_response(
            &mut self.h.ctx(Node::Consumer(0)),
            from,
            req_id,
            answer,
            "c",
            "",
            &self.sub,
            khafka_sim::config::OffsetReset::Earliest,
            &mut self.positions,
            &mut self.epochs,
        )
    }
}

/// KIP-320: an `OffsetsForLeaderEpoch` answer completes only the validation it was asked for
/// (`SubscriptionState.maybeCompleteValidation`: the position, its epoch and the current leader
/// must be those of the request). A leader that changes again while the request to the old one is
/// out makes its answer stale: a truncation it reports is not applied, and the position is
/// validated against the new leader.
#[test]
fn a_validation_answer_from_a_replaced_leader_is_stale() {
    let mut f = ValidationFixture::new();
    // Broker 2 leads in epoch 1.
    let sent = f.validate(&[Some((2, 1))]);
    let &[(Node::Broker(2), first)] = sent.as_slice() else {
        panic!("one request to broker 2: {sent:?}");
    };
    // Broker 3 takes over in epoch 2 before broker 2 answers.
    let sent = f.validate(&[Some((3, 2))]);
    assert_eq!(sent.len(), 1, "a request to broker 3: {sent:?}");
    // Broker 2's answer: epoch 0 ends at 30 there. Stale: nothing truncated, still awaiting.
    f.answer(2, first, khafka_sim::msg::ErrorCode::None, Some((0, 30)));
    assert_eq!(
        f.positions[0],
        Some(50),
        "no truncation from the old leader"
    );
    assert!(f.v.detected.is_empty());
    assert!(f.v.awaiting[0], "validated against broker 3 still");
}

/// A validation answered UNKNOWN_LEADER_EPOCH (a leader that has not caught up with the
/// consumer's metadata) is retried after `retry.backoff.ms`, and metadata is asked for, as for
/// every partition a validation retries (`OffsetFetcherUtils.onSuccessfulResponseForValidatingPositions`:
/// `metadata.requestUpdate`). (The engine retried without asking.)
#[test]
fn a_validation_answered_unknown_leader_epoch_asks_for_metadata() {
    let mut f = ValidationFixture::new();
    let sent = f.validate(&[Some((2, 1))]);
    let &[(Node::Broker(2), req_id)] = sent.as_slice() else {
        panic!("one request to broker 2: {sent:?}");
    };
    let after = f.answer(
        2,
        req_id,
        khafka_sim::msg::ErrorCode::UnknownLeaderEpoch,
        None,
    );
    assert!(after.refresh_metadata, "metadata asked for");
    assert!(f.v.awaiting[0], "still to validate");
    assert_eq!(f.positions[0], Some(50));
}

/// KIP-320 retries are per partition (`TopicPartitionState.nextRetryTimeMs`): a request in
/// flight to a leader holds back no other partition. One that starts awaiting validation while
/// it is out goes to the same leader in a request of its own (`validatePositionsAsync` skips only
/// partitions in their retry backoff), and the partition already asked about is not asked again
/// before `request.timeout.ms`. (The engine sent one request per leader at a time.)
#[test]
fn a_validation_in_flight_holds_back_no_other_partition() {
    let mut f = ValidationFixture::with_partitions(2);
    // Broker 2 leads t-0 in epoch 1; t-1 is still led by broker 1 in epoch 0.
    f.asks(&[Some((2, 1)), Some((1, 0))], 2, &[0], "t-0 to broker 2");
    // Broker 2 takes t-1 over too before its answer: t-1 goes at once, alone.
    f.asks(
        &[Some((2, 1)), Some((2, 1))],
        2,
        &[1],
        "t-1 to broker 2 in a request of its own",
    );
    // Nothing is asked twice while both are out, up to the request timeout.
    f.h.now = khafka_sim::time::SimTime::from_ms(29_999);
    assert!(f.validate_parts(&[Some((2, 1)), Some((2, 1))]).is_empty());
}

/// A failed validation backs off only its own partitions (`requestFailed` /
/// `setNextAllowedRetry(partitionsToRetry, now + retry.backoff.ms)`): another partition that
/// starts awaiting validation is asked about at once, and the failed one again after
/// `retry.backoff.ms`. (The engine held every validation back.)
#[test]
fn a_validation_error_backs_off_only_its_partitions() {
    let mut f = ValidationFixture::with_partitions(2);
    let sent = f.validate_parts(&[Some((2, 1)), Some((1, 0))]);
    let [(Node::Broker(2), req_id, _)] = sent.as_slice() else {
        panic!("t-0 to broker 2: {sent:?}");
    };
    let req_id = *req_id;
    f.answer_part(
        2,
        req_id,
        0,
        khafka_sim::msg::ErrorCode::UnknownLeaderEpoch,
        None,
    );
    // Broker 2, whose answer failed, now leads t-1 too: t-1 is asked at once; t-0 waits out
    // its backoff.
    f.asks(
        &[Some((2, 1)), Some((2, 1))],
        2,
        &[1],
        "t-1 to broker 2 at once, t-0 not yet",
    );
    f.h.now = khafka_sim::time::SimTime::from_ms(100);
    f.asks(
        &[Some((2, 1)), Some((2, 1))],
        2,
        &[0],
        "t-0 to broker 2 after retry.backoff.ms",
    );
}

/// KIP-951: a fetch answer names a newer leader even for a partition whose answer is then
/// ignored because its position awaits validation (`AbstractFetch.handleFetchSuccess` takes
/// every `currentLeader` before `FetchCollector.initialize` drops the answer). The position is
/// then validated against that leader at once. (The engine dropped the whole answer, hint
/// included, and went on validating against the leader it had replaced.)
#[test]
fn a_leader_named_in_an_answer_ignored_for_validation_is_taken() {
    use khafka_sim::msg::{ErrorCode, Fetch, FetchedPartition, Metadata, OffsetsForLeaderEpoch};
    use khafka_sim::protocol::{ApiVersions, CurrentLeader};
    let mut s = ScenarioSpec::default();
    s.topics.push(TopicSpec::new("t", 2, 3));
    let mut h = Harness::new(&s);
    let mut c = consumer(&h, &[]);
    let me = Node::Consumer(0);
    let mut timers: Vec<(SimTime, Timer)> = Vec::new();
    // What the consumer sends, the metadata answered as `leaders` says (`(partition, leader,
    // epoch)`), timers fired until it sends something else.
    let drive = |h: &mut Harness,
                 c: &mut khafka_sim::client::consumer::Consumer,
                 timers: &mut Vec<(SimTime, Timer)>,
                 leaders: &[(u32, u32, u32)]| {
        let mut rest = Vec::new();
        let until = h.now.as_us() + 2_000_000;
        loop {
            let sent = h.sent_and_timers(timers);
            let idle = sent.is_empty();
            for (to, m) in sent {
                let answer = match m {
                    Msg::Metadata(Metadata::Request { req_id }) => {
                        Msg::Metadata(Metadata::Response {
                            req_id,
                            partitions: leaders.iter().map(|&(p, l, e)| (p, Some(l), e)).collect(),
                            brokers: vec![1, 2, 3],
                        })
                    }
                    Msg::ApiVersions(ApiVersions::Request { req_id }) => {
                        Msg::ApiVersions(ApiVersions::Response { req_id })
                    }
                    m => {
                        rest.push((to, m));
                        continue;
                    }
                };
                c.on_msg(&mut h.ctx(me), to, answer);
            }
            if idle && (!rest.is_empty() || !fire_next_timer(h, c, timers, until)) {
                return rest;
            }
        }
    };
    let fetch_answer = |req_id: u64, fp: FetchedPartition| {
        Msg::Fetch(Fetch::Response {
            req_id,
            partitions: vec![fp],
        })
    };
    let part = |part: u32, error: ErrorCode, offset: u64, hw: u64| FetchedPartition {
        part,
        error,
        high_watermark: hw,
        log_end_offset: hw,
        log_start_offset: 0,
        fetch_offset: offset,
        batches: Vec::new(),
        base_offset: offset,
        diverging_epoch: None,
        current_leader: None,
        latest_unavailable: false,
    };
    let fetches = |sent: Vec<(Node, Msg)>| -> Vec<(u32, u64, u64)> {
        sent.into_iter()
            .filter_map(|(to, m)| match (to, m) {
                (
                    Node::Broker(b),
                    Msg::Fetch(Fetch::Request {
                        req_id, partitions, ..
                    }),
                ) => Some((b, req_id, partitions[0].fetch_offset)),
                _ => None,
            })
            .collect()
    };
    let record = h.batches.add(0, 0, &[0], None);
    let before = [(0, 1, 0), (1, 2, 0)];
    c.start(&mut h.ctx(me));
    // t-0 on broker 1: reset to the empty log's end (0), then the record written in epoch 0.
    // t-1's fetch to broker 2 is held.
    let mut sent = fetches(drive(&mut h, &mut c, &mut timers, &before));
    sent.sort();
    // (No position yet: asked from "nowhere", u64::MAX.)
    let [(1, first, nowhere), (2, held_t1, _)] = sent[..] else {
        panic!("a fetch to each leader: {sent:?}");
    };
    c.on_msg(
        &mut h.ctx(me),
        Node::Broker(1),
        fetch_answer(first, part(0, ErrorCode::OffsetOutOfRange, nowhere, 0)),
    );
    let sent = fetches(drive(&mut h, &mut c, &mut timers, &before));
    let [(1, second, 0)] = sent[..] else {
        panic!("t-0 from offset 0: {sent:?}");
    };
    let mut with_record = part(0, ErrorCode::None, 0, 1);
    with_record.batches = vec![record];
    c.on_msg(
        &mut h.ctx(me),
        Node::Broker(1),
        fetch_answer(second, with_record),
    );
    let sent = fetches(drive(&mut h, &mut c, &mut timers, &before));
    let [(1, held_t0, 1)] = sent[..] else {
        panic!("t-0 from offset 1, held: {sent:?}");
    };
    // t-1's answer asks for metadata, which says broker 2 leads t-0 in epoch 1: t-0's position
    // (epoch 0) is validated there while its fetch to broker 1 is still out.
    c.on_msg(
        &mut h.ctx(me),
        Node::Broker(2),
        fetch_answer(held_t1, part(1, ErrorCode::NotLeaderOrFollower, 0, 0)),
    );
    let validations = |sent: Vec<(Node, Msg)>| -> Vec<Node> {
        sent.into_iter()
            .filter(|(_, m)| {
                matches!(
                    m,
                    Msg::OffsetsForLeaderEpoch(OffsetsForLeaderEpoch::Request { .. })
                )
            })
            .map(|(to, _)| to)
            .collect()
    };
    let after = [(0, 2, 1), (1, 2, 0)];
    // (t-1 is fetched again from broker 2 at once, unanswered; metadata after its backoff.)
    let validated = (0..3)
        .map(|_| validations(drive(&mut h, &mut c, &mut timers, &after)))
        .find(|v| !v.is_empty());
    assert_eq!(validated, Some(vec![Node::Broker(2)]));
    // Broker 1's answer to the held fetch names broker 3, leader in epoch 2.
    let mut moved = part(0, ErrorCode::NotLeaderOrFollower, 1, 1);
    moved.current_leader = Some(CurrentLeader {
        leader: 3,
        leader_epoch: 2,
        alive: true,
    });
    c.on_msg(
        &mut h.ctx(me),
        Node::Broker(1),
        fetch_answer(held_t0, moved),
    );
    assert_eq!(
        validations(h.sent_and_timers(&mut timers)),
        [Node::Broker(3)],
        "validated against broker 3 at once"
    );
}

/// A partition asked about and left out of the answer is retried after `retry.backoff.ms`, with
/// metadata asked for, as an error is (`OffsetsForLeaderEpochUtils.handleResponse` starts
/// `partitionsToRetry` with every partition requested). (The engine held it until the request
/// timeout.)
#[test]
fn a_partition_left_out_of_a_validation_answer_is_retried() {
    let mut f = ValidationFixture::with_partitions(2);
    let sent = f.validate_parts(&[Some((2, 1)), Some((2, 1))]);
    let [(Node::Broker(2), req_id, parts)] = sent.as_slice() else {
        panic!("one request to broker 2: {sent:?}");
    };
    assert_eq!(parts, &[0, 1]);
    let req_id = *req_id;
    // Only t-0 is answered: its epoch 0 ends at 50, the position.
    let after = f.answer_part(
        2,
        req_id,
        0,
        khafka_sim::msg::ErrorCode::None,
        Some((0, 50)),
    );
    assert!(after.refresh_metadata, "metadata asked for");
    assert!(!f.v.awaiting[0] && f.v.awaiting[1]);
    assert!(f.validate_parts(&[Some((2, 1)), Some((2, 1))]).is_empty());
    f.h.now = khafka_sim::time::SimTime::from_ms(100);
    f.asks(
        &[Some((2, 1)), Some((2, 1))],
        2,
        &[1],
        "t-1 again after retry.backoff.ms",
    );
}

/// A leader whose connection is in its reconnect backoff is not asked to validate: Kafka's
/// `validatePositionsAsync` finds no `ApiVersions` for the node, only tries to connect, and sets
/// no retry time, so the partition is asked as soon as the connection may be made again. (The
/// engine sent the request into the closed connection, got it back failed and retried every
/// `retry.backoff.ms`.)
#[test]
fn a_validation_waits_for_the_leaders_reconnect_backoff() {
    let mut f = ValidationFixture::new();
    f.closed.push((2, 50_000));
    assert!(
        f.validate(&[Some((2, 1))]).is_empty(),
        "not into a closed connection"
    );
    f.h.now = khafka_sim::time::SimTime::from_ms(50);
    let sent = f.validate(&[Some((2, 1))]);
    assert!(
        matches!(sent.as_slice(), [(Node::Broker(2), _)]),
        "asked once the backoff is over: {sent:?}"
    );
}

/// An append that moves the high watermark as well as the log end (the leader alone in the ISR)
/// completes the partition's parked fetches once, in the order they were parked, followers' and
/// consumers' alike (`ReplicaManager.appendRecords`: `LeaderHwChange.INCREASED` checks the fetch
/// purgatory once for the partition).
#[test]
fn an_append_that_moves_the_high_watermark_answers_parked_fetches_in_parking_order() {
    use khafka_sim::protocol::{Fetch, FetchPartition, Fetcher, IneligibleBroker, MetadataFetch};
    let mut h = Harness::new(&spec());
    let mut b = started(&mut h, 1);
    // The metadata log: broker 1 leads t-0 alone in the ISR, and broker 2 is in a controlled
    // shutdown, so its log end does not hold the high watermark back although it is caught up
    // (`Partition.maybeIncrementLeaderHW`: only eligible caught-up replicas count).
    let req_id = b.metadata_fetch_in_flight.expect("a metadata fetch");
    let msg = Msg::MetadataFetch(MetadataFetch::Response {
        req_id,
        offset: 2,
        partitions: vec![state(1, 1, &[1])],
        ineligible: vec![IneligibleBroker {
            broker: 2,
            fenced: false,
        }],
    });
    b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Controller, msg);
    h.take();
    // Follower 2, at the log end, parks first; then a consumer at the high watermark.
    let msg = follower_fetch(2, 10, 10, 0, 500_000);
    b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Broker(2), msg);
    let msg = Msg::Fetch(Fetch::Request {
        req_id: 11,
        fetcher: Fetcher::Consumer,
        max_wait_us: 500_000,
        partitions: vec![FetchPartition {
            part: 0,
            fetch_offset: 0,
            last_fetched_epoch: None,
            current_leader_epoch: 0,
        }],
        session: 0,
    });
    b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Consumer(0), msg);
    assert!(fetch_answers(&h.sent()).is_empty(), "both parked");
    let req = produce_one(khafka_sim::config::Acks::One, 12, 1);
    b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Producer(0), req);
    assert_eq!(b.replicas[&0].log.high_watermark, 1);
    let answered: Vec<Node> = h
        .sent()
        .into_iter()
        .filter_map(|(to, m)| matches!(m, Msg::Fetch(Fetch::Response { .. })).then_some(to))
        .collect();
    assert_eq!(answered, vec![Node::Broker(2), Node::Consumer(0)]);
}

/// A producer's request `req_id` with `acks`: record `record` for t-0 (100 bytes, not
/// idempotent).
fn produce_one(acks: khafka_sim::config::Acks, req_id: u64, record: u64) -> Msg {
    use khafka_sim::protocol::{Produce, ProduceBatch};
    Msg::Produce(Produce::Request {
        req_id,
        acks,
        timeout_us: 30_000_000,
        batches: vec![ProduceBatch {
            part: 0,
            records: vec![record],
            idempotence: None,
            bytes: 100,
            value_bytes: 100,
        }],
    })
}

/// A fetch reads one segment (`LocalLog.read`): the one holding its first batch, so a follower
/// catching up over two segments needs two fetches, however few bytes they hold.
#[test]
fn a_fetch_reads_one_segment() {
    let mut s = spec();
    s.topics[0].config.set("segment.ms", "1000").unwrap();
    let mut h = Harness::new(&s);
    let mut b = started(&mut h, 1);
    let produce = |b: &mut Broker, h: &mut Harness, req: u64| {
        let msg = produce_one(khafka_sim::config::Acks::One, req, req);
        b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Producer(0), msg);
    };
    produce(&mut b, &mut h, 1);
    // Two seconds later the next append rolls a segment (segment.ms), and one more joins it.
    h.advance_to(SimTime::from_ms(2_000));
    produce(&mut b, &mut h, 2);
    produce(&mut b, &mut h, 3);
    let segments: Vec<u64> = b.replicas[&0]
        .log
        .segments()
        .iter()
        .map(|s| s.base_offset)
        .collect();
    assert_eq!(segments, vec![0, 1]);
    h.take();
    let ask = |b: &mut Broker, h: &mut Harness, req: u64, offset: u64| {
        let msg = follower_fetch(2, req, 10, offset, 0);
        b.on_msg(&mut h.ctx(Node::Broker(1)), Node::Broker(2), msg);
        fetch_answers(&h.sent())
    };
    // (partition, high watermark, batches): the first segment's one batch, then the second's two.
    assert_eq!(ask(&mut b, &mut h, 20, 0), vec![vec![(0, 0, 1)]]);
    assert_eq!(ask(&mut b, &mut h, 21, 1), vec![vec![(0, 0, 2)]]);
}
