//! Inspection: the snapshot serializes, and a record's story explains a loss.

use khafka_sim::config::Acks;
use khafka_sim::spec::{
    BrokerRef, Fault, NodeRef, ProducerSpec, ScenarioSpec, Scheduled, TopicSpec,
};
use khafka_sim::{Sim, SimTime};

/// acks=1: followers are cut off from the leader, the leader keeps acknowledging, then dies.
fn acks1_loss() -> Sim {
    let mut spec = ScenarioSpec {
        seed: 4,
        run_for: SimTime::from_secs(25),
        ..ScenarioSpec::default()
    };
    spec.topics.push(TopicSpec::new("t", 1, 3));
    let mut p = ProducerSpec::new("p", "t");
    p.config.acks = Acks::One;
    spec.producers.push(p);
    let at = |s, fault| Scheduled {
        at: SimTime::from_secs(s),
        fault,
    };
    spec.schedule = vec![
        at(
            2,
            Fault::Partition {
                groups: vec![
                    vec![NodeRef::Broker(1)],
                    vec![NodeRef::Broker(2), NodeRef::Broker(3)],
                ],
                one_way: false,
            },
        ),
        at(
            4,
            Fault::Crash {
                broker: BrokerRef::Id(1),
                lose_unflushed: false,
            },
        ),
        at(5, Fault::Heal),
    ];
    let mut sim = Sim::new(spec);
    sim.run();
    sim
}

#[test]
fn the_story_of_a_lost_record_says_why() {
    let sim = acks1_loss();
    let outcome = sim.outcome();
    assert!(outcome.provenance.lost > 0, "{:?}", outcome.provenance);
    let lost: Vec<_> = (0..outcome.provenance.sent)
        .filter_map(|id| sim.record_story(id))
        .filter(|s| s.verdict == "lost")
        .collect();
    assert_eq!(lost.len() as u64, outcome.provenance.lost);
    let story = &lost[0];
    assert!(story.acknowledged_us.is_some());
    assert_eq!(
        story.first_append.map(|a| a.0),
        Some(1),
        "written on the old leader 1"
    );
    assert!(
        story.copies.iter().all(|c| c.broker == 1),
        "{:?}",
        story.copies
    );
    assert!(
        story.explanation.contains("acks=0/1"),
        "{}",
        story.explanation
    );
    let committed = (0..outcome.provenance.sent)
        .filter_map(|id| sim.record_story(id))
        .find(|s| s.verdict == "committed")
        .expect("early records are committed");
    assert!(committed.copies.len() >= 2);
    assert!(sim.record_story(u64::MAX).is_none());
}

#[test]
fn the_snapshot_shows_the_failover_and_serializes() {
    let sim = acks1_loss();
    let snap = sim.snapshot();
    assert_eq!(snap.time_us, 25_000_000);
    assert!(!snap.brokers[0].running);
    assert!(snap.brokers[0].fenced);
    let p = &snap.partitions[0];
    assert_eq!(p.leader, Some(2));
    assert_eq!(p.leader_epoch, 1);
    let r2 = &snap.brokers[1].replicas[0];
    assert!(r2.is_leader && r2.in_isr);
    assert_eq!(r2.epoch_cache.last().map(|e| e.0), Some(1));
    assert!(snap.network_faults.is_empty(), "healed at 5 s");
    let json = serde_json::to_string(&snap).unwrap();
    assert!(json.contains("\"trace_hash\""));
    let entries = sim.log_entries(0, 2, 0, 10);
    assert_eq!(entries.len(), 10);
    assert!(entries
        .iter()
        .all(|e| e.committed && e.acknowledged && !e.duplicate));
}

#[test]
fn records_by_verdict_agree_with_the_counts() {
    let sim = acks1_loss();
    let counts = sim.provenance_counts();
    let lost = sim.records_with_verdict("lost", usize::MAX);
    assert_eq!(lost.len() as u64, counts.lost);
    assert!(lost
        .iter()
        .all(|id| sim.record_story(*id).unwrap().verdict == "lost"));
    assert_eq!(sim.records_with_verdict("lost", 3).len(), 3);
    assert!(sim.records_with_verdict("nonsense", 3).is_empty());
}

#[test]
fn lost_over_time_is_sampled_from_the_running_counts() {
    let sim = acks1_loss();
    let counts = sim.provenance_counts();
    assert!(counts.lost > 0);
    let lost = sim
        .metrics()
        .series
        .get(&"RecordsAckedLost")
        .expect("sampled");
    assert_eq!(lost[0], 0.0, "nothing is lost before the crash");
    assert_eq!(*lost.last().unwrap(), counts.lost as f64);
    let dup = sim
        .metrics()
        .series
        .get(&"RecordsDuplicated")
        .expect("sampled");
    assert_eq!(*dup.last().unwrap(), counts.duplicated as f64);
}

#[test]
fn the_old_leaders_log_strip_shows_the_lost_records() {
    use khafka_sim::snapshot::RecordState;
    let sim = acks1_loss();
    let lost = sim.provenance_counts().lost;
    let old = sim.log_strip(0, 1);
    assert_eq!(
        old.lost, lost,
        "every lost record is still on the crashed old leader"
    );
    assert!(old.runs.iter().any(|r| r.0 == RecordState::Lost));
    let leo = sim
        .replica_log(1, 0)
        .expect("broker 1 holds partition 0")
        .log_end_offset();
    assert_eq!(old.runs.first().unwrap().1, 0);
    assert_eq!(old.runs.last().unwrap().2, leo);
    assert!(old
        .runs
        .windows(2)
        .all(|w| w[0].2 == w[1].1 && w[0].0 != w[1].0));
    let leader = sim.partition_state(0).leader.unwrap();
    let new = sim.log_strip(0, leader);
    assert_eq!(new.lost, 0);
    assert!(new.runs.iter().all(|r| r.0 != RecordState::Lost));
    let snap = sim.snapshot();
    assert!(snap.brokers[0].replicas[0].strip.is_some());
}

#[test]
fn a_crashed_leader_shows_as_leader_down_until_fenced() {
    let mut spec = ScenarioSpec {
        seed: 1,
        run_for: SimTime::from_secs(20),
        ..ScenarioSpec::default()
    };
    spec.topics.push(TopicSpec::new("t", 1, 3));
    spec.producers.push(ProducerSpec::new("p", "t"));
    spec.schedule.push(Scheduled {
        at: SimTime::from_secs(2),
        fault: Fault::Crash {
            broker: BrokerRef::Id(1),
            lose_unflushed: false,
        },
    });
    let mut sim = Sim::new(spec);
    let down = |sim: &Sim| {
        sim.snapshot()
            .brokers
            .iter()
            .flat_map(|b| b.replicas.iter().map(move |r| (b.id, r.leader_down)))
            .filter(|(_, d)| *d)
            .map(|(b, _)| b)
            .collect::<Vec<_>>()
    };
    sim.run_until(SimTime::from_secs(1));
    assert!(down(&sim).is_empty(), "nothing is down yet");
    sim.run_until(SimTime::from_secs(3));
    assert_eq!(
        down(&sim),
        vec![1],
        "crashed, not fenced: still the named leader"
    );
    sim.run();
    assert!(down(&sim).is_empty(), "fenced and replaced by the end");
    assert_eq!(sim.partition_state(0).leader, Some(2));
}

#[test]
fn the_snapshot_draws_the_quorum_through_a_failover() {
    let mut spec = ScenarioSpec {
        seed: 7,
        run_for: SimTime::from_secs(10),
        ..ScenarioSpec::default()
    };
    spec.cluster.config.controllers = 3;
    spec.topics.push(TopicSpec::new("t", 1, 3));
    spec.producers.push(ProducerSpec::new("p", "t"));
    let at = |ms, fault| Scheduled {
        at: SimTime::from_ms(ms),
        fault,
    };
    spec.schedule = vec![
        at(3_000, Fault::CrashController { controller: 1 }),
        at(
            7_000,
            Fault::Isolate {
                node: NodeRef::QuorumController(3),
            },
        ),
    ];
    let mut sim = Sim::new(spec);
    // `(id, role, active, isolated)` of each controller.
    let quorum = |sim: &Sim| {
        sim.snapshot()
            .controllers
            .iter()
            .map(|c| {
                (
                    c.status.id,
                    c.status.role,
                    c.status.active_controller_count,
                    c.isolated,
                )
            })
            .collect::<Vec<_>>()
    };
    sim.run_until(SimTime::from_secs(2));
    assert_eq!(
        quorum(&sim),
        vec![
            (1, "leader", 1, false),
            (2, "follower", 0, false),
            (3, "follower", 0, false)
        ]
    );
    assert!(sim.snapshot().controllers.iter().all(|c| c.lag == 0));
    sim.run_until(SimTime::from_secs(6));
    let s = sim.snapshot();
    assert_eq!(
        quorum(&sim),
        vec![
            (1, "down", 0, false),
            (2, "leader", 1, false),
            (3, "follower", 0, false)
        ]
    );
    assert!(s.controllers[1].status.epoch == 2 && s.controllers[2].status.epoch == 2);
    assert!(
        s.controllers[0].lag > 0,
        "the crashed controller missed the new epoch's records"
    );
    sim.run();
    assert!(quorum(&sim)[2].3, "controller 3 is cut off");
    // Without a quorum there is nothing to draw.
    let mut plain = ScenarioSpec::default();
    plain.topics.push(TopicSpec::new("t", 1, 3));
    assert!(Sim::new(plain).snapshot().controllers.is_empty());
}
