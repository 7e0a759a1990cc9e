//! The simulated network between nodes (Kafka's sockets): latency, loss, bandwidth, partitions,
//! FIFO links.

pub mod network;

pub use network::{MAX_BANDWIDTH_BPS, MIN_BANDWIDTH_BPS};
