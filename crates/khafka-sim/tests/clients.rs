//! Whole runs that check a client rule end to end, where the actor tests (`actors.rs`) drive one
//! client by hand.

use khafka_sim::spec::{ConsumerSpec, ProducerSpec, ScenarioSpec, TopicSpec};
use khafka_sim::{Sim, SimTime};

/// `metadata.max.age.ms` (Kafka's default, 5 minutes): in a quiet 11-minute run, where nothing
/// else asks for metadata after the start, a producer and a consumer each refresh their
/// metadata twice more (about 300 s and 600 s after their first answer); with the key set to a
/// day, neither does. (The engine used to refresh only when a request or an error asked.)
#[test]
fn clients_refresh_their_metadata_every_metadata_max_age_ms() {
    let answers = |max_age_ms: u64| -> (u64, u64) {
        let mut spec = ScenarioSpec {
            seed: 1,
            run_for: SimTime::from_secs(660),
            ..ScenarioSpec::default()
        };
        spec.topics.push(TopicSpec::new("t", 1, 3));
        let mut p = ProducerSpec::new("p", "t");
        p.config.metadata_max_age_ms = max_age_ms;
        spec.producers.push(p);
        let mut c = ConsumerSpec::new("c", "t");
        c.config.metadata_max_age_ms = max_age_ms;
        spec.consumers.push(c);
        let mut sim = Sim::new(spec);
        sim.count_event_kinds();
        sim.run();
        let kinds = sim.events_by_kind();
        let n = |k: &str| kinds.get(k).copied().unwrap_or(0);
        (
            n("deliver MetadataResponse to Producer(0)"),
            n("deliver MetadataResponse to Consumer(0)"),
        )
    };
    let (producer, consumer) = answers(300_000);
    let (producer_day, consumer_day) = answers(86_400_000);
    assert!(producer_day >= 1 && consumer_day >= 1, "each asks at start");
    assert_eq!(producer, producer_day + 2, "producer");
    assert_eq!(consumer, consumer_day + 2, "consumer");
}
