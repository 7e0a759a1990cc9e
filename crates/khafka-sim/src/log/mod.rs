//! A replica's storage: Kafka's `UnifiedLog` with its leader-epoch cache (`LeaderEpochFileCache`),
//! and the producers' state kept from it (`ProducerStateManager`).

pub mod producer_state;
mod unified_log;

pub use unified_log::*;
