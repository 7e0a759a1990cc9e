//! What the site and the CLI read: the cluster snapshot (pictures, log strips, record stories) and
//! the outcome `expect` lines assert over; the KRaft quorum's status (`quorum.rs`).

pub mod outcome;
pub mod quorum;
pub mod snapshot;
