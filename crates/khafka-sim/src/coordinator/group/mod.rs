//! The consumer group coordinator (KIP-848 `group.protocol=consumer`). So far its assignors,
//! which compute a group's target assignment from the members' subscriptions and the previous
//! target assignment.

pub mod assignor;
