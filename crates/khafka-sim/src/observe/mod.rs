//! What the engine records about a run, from events, without the actors' help: the trace and its
//! hash, each record's provenance, metrics under Kafka's JMX names, the verdict counts, the
//! invariants of `kafka-semantics.md` §2 (and the controller quorum's, `quorum_invariants.rs`), and
//! the budget a run must fit.

pub mod budget;
pub mod fault_spans;
pub mod invariants;
pub mod metrics;
pub mod provenance;
pub mod quorum_invariants;
pub mod trace;
pub(crate) mod verdict;
