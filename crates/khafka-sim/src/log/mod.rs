//! A replica's storage: Kafka's `UnifiedLog` with its leader-epoch cache (`LeaderEpochFileCache`).

mod unified_log;

pub use unified_log::*;
