//! The messages nodes exchange: Kafka's APIs (Produce, Fetch, Metadata, BrokerHeartbeat,
//! AlterPartition, …) as the engine models them.

pub mod group;
pub mod msg;
