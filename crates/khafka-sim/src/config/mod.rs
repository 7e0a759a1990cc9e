//! Inputs: Kafka's configs with their defaults and ranges (`kafka_config`), the scenario as data
//! (`spec`), and the cluster layout it implies (`topology`: replica assignment, racks).

#[cfg(feature = "groups")]
pub mod group_config;
pub mod kafka_config;
pub mod spec;
#[cfg(feature = "groups")]
pub mod streams;
pub mod topology;

#[cfg(feature = "groups")]
pub use group_config::{ConsumerGroupConfig, GroupCoordinatorConfig, GroupProtocol};
pub use kafka_config::*;
