//! The simulation kernel: integer time, the seeded random streams, the event queue and the
//! containers the engine's state is kept in. It knows nothing of Kafka (checked by `tests/tidy.rs`).

pub mod chunked;
pub mod position_index;
pub mod queue;
pub mod recency;
pub mod rng;
pub mod small;
pub mod time;
pub mod vec_map;
