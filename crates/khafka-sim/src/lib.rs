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
pub mod budget;
pub mod chunked;
pub mod config;
pub mod consumer;
pub mod controller;
pub mod ctx;
pub mod harness;
pub mod invariants;
pub mod log;
pub mod metrics;
pub mod msg;
pub mod network;
pub mod outcome;
pub mod partitioner;
pub mod producer;
pub mod provenance;
pub mod queue;
pub mod replica_map;
pub mod rng;
pub mod sim;
pub mod snapshot;
pub mod spec;
pub mod time;
pub mod timeline;
pub mod topology;
pub mod trace;
pub mod vec_map;
mod verdict;

pub use config::{Acks, BrokerConfig, ConsumerConfig, ProducerConfig, TopicConfig};
pub use msg::ErrorCode;
pub use outcome::{Outcome, PartitionView, ProvenanceCounts, ReplicaView};
pub use sim::{Sim, SimOptions};
pub use spec::{BrokerId, BrokerRef, Fault, NodeRef, ScenarioSpec, TopicPartition};
pub use time::SimTime;
pub use timeline::Timeline;
