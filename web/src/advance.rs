//! Simulating toward an instant without blocking the page (issue 13 §1: "long runs never block the
//! page for more than 100 ms"). A [`Goal`] is worked on in slices of a few tens of milliseconds of
//! wall time; the caller draws between slices (progress and Cancel) and schedules the next one.
//!
//! Every run the site builds goes through here: a cell's Run and knobs, a share link (its live actions
//! replayed at their instants, then its position), and the presenter's jumps beyond what it has
//! simulated. The first slice runs at once, so a lesson-sized run (a few milliseconds) still appears
//! without a progress bar.

use khafka_sim::spec::Fault;
use khafka_sim::{SimTime, Timeline};
use std::collections::VecDeque;

/// Wall time one slice may take, in milliseconds: well under the 100 ms a page may block, leaving
/// room for the render that follows it.
pub const SLICE_MS: f64 = 20.0;

/// Simulated time one step starts with; steps then adapt so each takes a few milliseconds.
const FIRST_STEP_US: u64 = 100_000;
const MIN_STEP_US: u64 = 1_000;
const MAX_STEP_US: u64 = 10_000_000;

/// Where a timeline must get to: live actions to inject at their instants first, then an instant.
pub struct Goal {
    actions: VecDeque<(SimTime, Fault)>,
    target: SimTime,
    step_us: u64,
}

impl Goal {
    /// Run to `target`.
    pub fn to(target: SimTime) -> Self {
        Self::replaying(Vec::new(), target)
    }

    /// Inject `actions` at their instants (in order), then move to `target` (which may be before
    /// the last action: the reader had rewound when the link was made).
    pub fn replaying(actions: Vec<(SimTime, Fault)>, target: SimTime) -> Self {
        Goal {
            actions: actions.into(),
            target,
            step_us: FIRST_STEP_US,
        }
    }

    /// How far along the goal is, `(done, of)` in simulated time, for a progress bar.
    pub fn progress(&self, timeline: &Timeline) -> (SimTime, SimTime) {
        let end = self
            .actions
            .back()
            .map_or(self.target, |(at, _)| (*at).max(self.target));
        (timeline.now().min(end), end)
    }

    /// Works toward the goal for about `budget_ms` of wall time; `true` once it is reached.
    pub fn advance(&mut self, timeline: &mut Timeline, budget_ms: f64) -> bool {
        let started = wall_ms();
        // The next step's expected wall time: a step that would end past the budget waits for the
        // next slice (the first step of a slice always runs, so every slice makes progress).
        let mut expected = 0.0;
        loop {
            let now = timeline.now();
            let next = match self.actions.front() {
                Some((at, _)) if *at <= now => {
                    if let Some((_, fault)) = self.actions.pop_front() {
                        // As a live action does: injected now, then run at this instant.
                        timeline.inject(fault);
                        timeline.seek(now);
                    }
                    continue;
                }
                Some((at, _)) => *at,
                None if now >= self.target => {
                    // Back to an instant already simulated (a checkpoint and a short replay), or
                    // already there. The replay is not cut into steps: after steps, it waits for
                    // the next slice.
                    if now > self.target && expected > 0.0 {
                        return false;
                    }
                    timeline.seek(self.target);
                    return true;
                }
                None => self.target,
            };
            let before = wall_ms();
            if expected > 0.0 && before - started + expected > budget_ms {
                return false;
            }
            timeline.seek(now.saturating_add_us(self.step_us).min(next));
            let took = wall_ms() - before;
            // Steps of a few milliseconds each: the check against the budget stays fine-grained
            // at any rate, without paying for a clock read per simulated millisecond.
            if took > 8.0 {
                self.step_us = (self.step_us / 2).max(MIN_STEP_US);
            } else if took < 2.0 {
                self.step_us = (self.step_us * 2).min(MAX_STEP_US);
            }
            // This one's, doubled if it was under 2 ms (its step doubled), with 2 ms to spare
            // otherwise.
            expected = took + took.min(2.0) + f64::MIN_POSITIVE;
            if wall_ms() - started >= budget_ms {
                return false;
            }
        }
    }
}

/// The page's clock, in milliseconds (0 outside a browser, where slices are not needed).
pub fn wall_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}
