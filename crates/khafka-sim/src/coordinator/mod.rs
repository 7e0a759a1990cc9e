//! The coordinators that run on brokers. For now the consumer group coordinator's server-side
//! (KIP-848) assignors (`group::assignor`); the group coordinator itself (membership, epochs,
//! reconciliation, `__consumer_offsets`) will live in `group`.

pub mod group;
