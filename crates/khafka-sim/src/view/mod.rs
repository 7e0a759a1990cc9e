//! What the site and the CLI read: the cluster snapshot (pictures, log strips, record stories) and
//! the outcome `expect` lines assert over.

pub mod groups;
pub mod outcome;
pub mod snapshot;
