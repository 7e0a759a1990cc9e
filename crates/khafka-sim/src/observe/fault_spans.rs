//! The faults that last, each from the instant it was applied until the fault that ends it: a
//! crashed broker until its restart, a network partition until `heal`, a slow broker until
//! `slow … off`. A record's story names the ones in effect when it was sent (they began before
//! it, so its own events do not show them).

use crate::spec::BrokerId;
use crate::time::SimTime;

/// What a lasting fault acts on, and so which fault ends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultSubject {
    /// A broker crashed or shut down; `restart broker N` ends it.
    Down(BrokerId),
    /// A broker handles requests late; the next `slow broker N …` ends it.
    Slow(BrokerId),
    /// A network partition or an isolated node; `heal` ends it.
    Network,
    /// A link's settings (`link {A} -> {B}`); the next settings for the same link end it.
    Link(String),
    /// A quorum controller crashed; `restart controller N` ends it.
    Controller(u32),
    /// A producer paused; `resume producer P` ends it.
    Producer(String),
}

/// One lasting fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpan {
    pub from: SimTime,
    /// When a later fault ended it (`None`: still in effect).
    pub until: Option<SimTime>,
    /// The fault as the scenario language writes it.
    pub description: String,
    pub subject: FaultSubject,
}

/// Every lasting fault of a run, in the order they began.
#[derive(Clone, Debug, Default)]
pub struct FaultSpans {
    spans: Vec<FaultSpan>,
}

impl FaultSpans {
    /// Ends, at `at`, every span in effect whose subject is `subject`.
    pub(crate) fn end(&mut self, at: SimTime, subject: &FaultSubject) {
        for s in &mut self.spans {
            if s.until.is_none() && s.subject == *subject {
                s.until = Some(at);
            }
        }
    }

    /// A lasting fault begins at `at` (ending an earlier one on the same subject).
    pub(crate) fn begin(&mut self, at: SimTime, subject: FaultSubject, description: String) {
        self.end(at, &subject);
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
        f.end(t(3), &FaultSubject::Slow(2));
        f.end(t(4), &FaultSubject::Down(2)); // another broker: ends nothing
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
