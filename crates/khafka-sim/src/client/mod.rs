//! Kafka's clients: the producer (with Kafka's murmur2 partitioner) and the consumer.

pub mod backoff;
pub mod consumer;
pub mod partitioner;
pub mod producer;
#[cfg(feature = "groups")]
pub mod streams;
