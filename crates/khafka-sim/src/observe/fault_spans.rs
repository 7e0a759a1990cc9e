//! The faults that last, each from the instant it was applied until the fault that ends it: a
//! crashed broker until its restart, a network partition until `heal`, a slow broker until
//! `slow … off`. A record's story names the ones in effect when it was sent (they began before
//! it, so its own events do not show them).

use crate::spec::{BrokerId, NodeRef};
use crate::time::SimTime;

/// What a lasting fault acts on, and so which fault ends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultSubject {
    /// A broker crashed or shut down; `restart broker N` ends it.
    Down(BrokerId),
    /// A broker handles requests late; the next `slow broker N …` ends it.
    Slow(BrokerId),
    /// A network partition or an isolated node, with the nodes it names; cuts add up, and
    /// `heal` ends them all.
    Network(Vec<NodeRef>),
    /// A link's settings (`link {A} -> {B} …`); the next settings for the same link end it.
    Link(Vec<NodeRef>, Vec<NodeRef>),
    /// A quorum controller crashed; `restart controller N` ends it.
    Controller(u32),
}

impl FaultSubject {
    /// Whether the fault can touch a record of a partition whose replicas are `replicas`: a
    /// broker's fault when the broker holds one, a cut or a link when it names a node other
    /// than a broker without a replica (a client, a controller, a replica).
    pub fn touches(&self, replicas: &[BrokerId]) -> bool {
        let named = |nodes: &[NodeRef]| {
            nodes
                .iter()
                .any(|n| !matches!(n, NodeRef::Broker(b) if !replicas.contains(b)))
        };
        match self {
            FaultSubject::Down(b) | FaultSubject::Slow(b) => replicas.contains(b),
            FaultSubject::Network(nodes) => named(nodes),
            FaultSubject::Link(from, to) => named(from) || named(to),
            FaultSubject::Controller(_) => true,
        }
    }
}

/// One lasting fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpan {
    pub from: SimTime,
    /// When a later fault ended it (`None`: still in effect).
    pub until: Option<SimTime>,
    /// The fault as the scenario language writes it (a broker named by role written as the
    /// broker it named then).
    pub description: String,
    pub subject: FaultSubject,
}

/// Every lasting fault of a run, in the order they began.
#[derive(Clone, Debug, Default)]
pub struct FaultSpans {
    spans: Vec<FaultSpan>,
}

impl FaultSpans {
    /// Ends, at `at`, every span in effect whose subject `ends` picks.
    pub(crate) fn end(&mut self, at: SimTime, ends: impl Fn(&FaultSubject) -> bool) {
        for s in &mut self.spans {
            if s.until.is_none() && ends(&s.subject) {
                s.until = Some(at);
            }
        }
    }

    /// A lasting fault begins at `at` (ending an earlier one on the same subject).
    pub(crate) fn begin(&mut self, at: SimTime, subject: FaultSubject, description: String) {
        self.end(at, |s| *s == subject);
        self.spans.push(FaultSpan {
            from: at,
            until: None,
            description,
            subject,
        });
    }

    /// The spans in effect at `at`: begun at or before it and not ended by then.
    pub fn in_effect(&self, at: SimTime) -> impl Iterator<Item = &FaultSpan> + '_ {
        self.spans
            .iter()
            .filter(move |s| s.from <= at && s.until.is_none_or(|u| u > at))
    }

    /// Whether the fault applied at `at` as `description` can touch a record of a partition
    /// whose replicas are `replicas`: a lasting fault that began then by its subject, a fault that
    /// ended lasting ones then (a restart, `slow … off`, `heal`) by theirs; `None` for a fault
    /// that neither began nor ended one.
    pub fn touches(&self, at: SimTime, description: &str, replicas: &[BrokerId]) -> Option<bool> {
        let mut spans = self
            .spans
            .iter()
            .filter(|s| (s.from == at && s.description == description) || s.until == Some(at))
            .peekable();
        spans.peek()?;
        Some(spans.any(|s| s.subject.touches(replicas)))
    }

    /// Bytes a clone copies.
    pub(crate) fn clone_bytes(&self) -> u64 {
        self.spans
            .iter()
            .map(|s| (std::mem::size_of::<FaultSpan>() + s.description.len()) as u64)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_lasts_until_the_fault_that_ends_it() {
        let mut f = FaultSpans::default();
        let t = SimTime::from_secs;
        f.begin(t(1), FaultSubject::Slow(2), "slow broker 2 by=3s".into());
        f.begin(t(2), FaultSubject::Down(1), "crash broker 1".into());
        f.end(t(3), |s| *s == FaultSubject::Slow(2));
        f.end(t(4), |s| *s == FaultSubject::Down(2)); // another broker: ends nothing
        let at = |s| {
            f.in_effect(t(s))
                .map(|s| s.description.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(at(0), Vec::<&str>::new());
        assert_eq!(at(1), ["slow broker 2 by=3s"]);
        assert_eq!(at(2), ["slow broker 2 by=3s", "crash broker 1"]);
        assert_eq!(at(3), ["crash broker 1"]);
        assert_eq!(at(9), ["crash broker 1"]);
    }
}
