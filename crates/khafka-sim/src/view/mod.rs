//! What the site and the CLI read: the cluster snapshot (pictures, log strips, record stories), the
//! outcome `expect` lines assert over, and the trace export's closing line.

pub mod access;
pub mod export;
pub mod outcome;
pub mod snapshot;
