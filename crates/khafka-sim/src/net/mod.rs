//! The simulated network between nodes (Kafka's sockets): latency, loss, partitions, FIFO links.

pub mod network;
