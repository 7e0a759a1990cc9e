//! What the site and the CLI read: the cluster snapshot (pictures, log strips, record stories), the
//! outcome `expect` lines assert over, the trace export's closing line, and the KRaft quorum's
//! status (`quorum.rs`).

pub mod access;
pub mod export;
#[cfg(feature = "groups")]
pub mod groups;
pub mod log_dirs;
pub mod outcome;
pub mod quorum;
pub mod snapshot;
#[cfg(feature = "groups")]
pub mod streams;
