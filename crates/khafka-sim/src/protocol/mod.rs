//! The messages nodes exchange: Kafka's APIs (Produce, Fetch, Metadata, BrokerHeartbeat,
//! AlterPartition, …) as the engine models them; `raft.rs` the KRaft quorum's own (Vote,
//! BeginQuorumEpoch, the metadata log's Fetch) and its records.

pub mod msg;
pub mod raft;
