//! Metrics move the way an operator watching Kafka's JMX would see them move.

use khafka_sim::metrics::METRICS;
use khafka_sim::spec::{BrokerRef, Fault, ProducerSpec, ScenarioSpec, Scheduled, TopicSpec};
use khafka_sim::{Sim, SimTime};

fn series<'a>(sim: &'a Sim, name: &str) -> &'a [f64] {
    sim.metrics()
        .series
        .iter()
        .find(|(k, _)| **k == name)
        .map(|(_, v)| v.as_slice())
        .unwrap()
}

#[test]
fn a_crash_shows_in_under_replicated_partitions_and_elections() {
    let mut spec = ScenarioSpec {
        seed: 2,
        run_for: SimTime::from_secs(30),
        ..ScenarioSpec::default()
    };
    spec.topics.push(TopicSpec::new("t", 3, 3));
    spec.producers.push(ProducerSpec::new("p", "t"));
    spec.schedule.push(Scheduled {
        at: SimTime::from_secs(5),
        fault: Fault::Crash {
            broker: BrokerRef::Id(1),
            lose_unflushed: false,
        },
    });
    let mut sim = Sim::new(spec);
    sim.run();
    assert_eq!(sim.metrics().time_us.len(), 30, "one sample per second");
    for (name, _) in METRICS {
        assert_eq!(series(&sim, name).len(), 30, "{name}");
    }
    let urp = series(&sim, "UnderReplicatedPartitions");
    assert_eq!(urp[3], 0.0, "healthy before the crash");
    // Broker 1 is fenced 9 s after its last heartbeat; every partition then lacks a replica.
    assert_eq!(*urp.last().unwrap(), 3.0);
    let elections: f64 = series(&sim, "LeaderElectionRateAndTimeMs").iter().sum();
    assert!(
        elections >= 1.0,
        "partition 0 (led by 1) needs a new leader"
    );
    assert_eq!(
        series(&sim, "OfflinePartitionsCount").iter().sum::<f64>(),
        0.0
    );
    assert!(series(&sim, "ActiveControllerCount")
        .iter()
        .all(|v| *v == 1.0));
    let sent = series(&sim, "RecordsSent");
    assert!(
        sent.windows(2).all(|w| w[0] <= w[1]),
        "a total never decreases"
    );
    assert!(*series(&sim, "RecordsCommitted").last().unwrap() > 0.0);
    assert!(
        *series(&sim, "ProduceLatencyP99Ms.acks=all")
            .first()
            .unwrap()
            > 0.0
    );
}
