//! The group coordinator that runs on brokers: the classic protocol's group state machine
//! (`classic.rs`), a coordinator shard per `__consumer_offsets` partition this broker leads with
//! its groups and committed offsets (`shard.rs`), the topic itself (`offsets_topic.rs`), and the
//! KIP-848 (`group.protocol=consumer`) server-side assignors (`assignor/`), which compute a
//! group's target assignment from the members' subscriptions and the previous target assignment.
//!
//! The coordinator is pure: it takes a request and the time, and returns responses to send now,
//! records to write to its `__consumer_offsets` partition, and responses to send once those
//! records are committed. The broker (`broker/group_coordinator.rs`) appends the records to its
//! log as the partition's leader and answers when the high watermark passes them.

pub mod assignor;
#[cfg(feature = "groups")]
pub mod classic;
#[cfg(feature = "groups")]
pub mod consumer_group;
#[cfg(feature = "groups")]
pub mod offsets_topic;
#[cfg(feature = "groups")]
pub mod reset_offsets;
#[cfg(feature = "groups")]
pub mod shard;

#[cfg(feature = "groups")]
pub use classic::{ClassicGroup, ClassicGroupState};
#[cfg(feature = "groups")]
pub use shard::{CoordinatorShard, GroupView, Outputs};
