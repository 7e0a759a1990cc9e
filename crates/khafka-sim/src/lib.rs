//! # khafka-sim: a deterministic simulator of Apache Kafka replication
//!
//! The engine behind Khafka. It models brokers, a KRaft (or ZooKeeper-era) controller, partitions with
//! leaders, followers, ISR, high watermarks and leader epochs, producers with `acks`, retries and
//! idempotence, simple consumers, and a network that can delay and partition messages.
//!
//! It is sans-IO: no clock, no threads, no OS entropy, no web dependency. Time is an integer
//! ([`SimTime`]), events are ordered by `(time, sequence)`, randomness comes from one seeded PCG
//! generator split into sub-seeds per subsystem, and every iterated container is ordered. The same
//! [`ScenarioSpec`] and seed give the same trace, byte for byte, natively and in wasm32.
//!
//! ```
//! use khafka_sim::{spec::*, Sim, SimTime};
//! let mut spec = ScenarioSpec::default();
//! spec.topics.push(TopicSpec { name: "orders".into(), partitions: 3, replication_factor: 3,
//!     assignment: None, config: Default::default() });
//! spec.producers.push(ProducerSpec::new("p1", "orders"));
//! spec.run_for = SimTime::from_secs(5);
//! let mut sim = Sim::new(spec);
//! sim.run();
//! let outcome = sim.outcome();
//! assert!(outcome.provenance.acknowledged > 0);
//! assert_eq!(outcome.provenance.lost, 0);
//! ```

pub mod broker;
pub mod client;
pub mod config;
pub mod controller;
pub mod coordinator;
pub mod engine;
pub mod kernel;
pub mod log;
pub mod net;
pub mod observe;
pub mod protocol;
pub mod view;

// The flat module paths of before the folders, kept so the site, the CLI and the tests move over in
// their own time.
pub use broker::replica_map;
pub use client::{consumer, partitioner, producer};
pub use config::{spec, topology};
pub use engine::{ctx, harness, sim, timeline};
pub use kernel::{chunked, queue, rng, time, vec_map};
pub use net::network;
pub(crate) use observe::verdict;
pub use observe::{budget, invariants, metrics, provenance, trace};
pub use protocol as msg;
pub use view::{outcome, snapshot};

/// Kafka Streams' windowed aggregations (the windowed counts of `streams` lines run them).
#[cfg(feature = "groups")]
pub use khafka_streams;

pub use config::{Acks, BrokerConfig, ConsumerConfig, ProducerConfig, TopicConfig};
pub use msg::ErrorCode;
pub use outcome::{
    FlowOutcome, LatencyStats, Outcome, PartitionView, ProvenanceCounts, QuorumOutcome,
    ReplicaView, ThroughputOutcome,
};
#[cfg(feature = "groups")]
pub use sim::ToolRun;
pub use sim::{Sim, SimOptions};
pub use spec::{BrokerId, BrokerRef, Fault, NodeRef, ScenarioSpec, TopicPartition};
pub use time::SimTime;
pub use timeline::Timeline;
