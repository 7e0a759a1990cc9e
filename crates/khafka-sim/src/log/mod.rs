//! A replica's storage: Kafka's `UnifiedLog` as a list of record batches (`RecordBatch`, stored once
//! for every replica in the [`BatchStore`]), its leader-epoch cache (`LeaderEpochFileCache`), and the
//! producers' state kept from it (`ProducerStateManager`).

mod batch;
pub mod cleaner;
#[cfg(feature = "groups")]
pub mod coordinator_record;
pub mod producer_state;
mod unified_log;

pub use batch::*;
pub use unified_log::*;
