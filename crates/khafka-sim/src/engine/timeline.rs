//! Time travel: checkpoints plus deterministic replay.
//!
//! A [`Timeline`] runs a simulation forward and keeps a clone of it every `interval` of simulated time
//! (clones are cheap: logs and record tables share their storage, see [`crate::chunked`]). Seeking to
//! an instant restores the last checkpoint at or before it and replays the events in between; since
//! the engine is deterministic, the result is the state the run had at that instant.
//!
//! Faults injected by a caller (the UI's "crash the leader now") are recorded with their instant, so a
//! replay injects them at the same point: after every event up to that instant. Injecting after a
//! rewind forks the run: checkpoints and injections later than the new one are dropped.
//!
//! The retained history is bounded, in count and in bytes: a timeline keeps at most
//! [`MAX_CHECKPOINTS`], and their cost (what each holds on its own, [`Sim::clone_bytes`], plus what
//! the running simulation copied on write from it) within a budget ([`DEFAULT_HISTORY_BUDGET`], or
//! [`Timeline::set_history_budget`]). When a new one would pass either bound, every other checkpoint
//! is dropped and the interval doubles, so a run of any length keeps evenly spaced checkpoints, and
//! a seek replays at most one (doubled) interval. The byte bound matters when checkpoints are
//! expensive: a producer that cannot keep up piles up batches that every clone copies, so without it
//! the history grew with the square of the run's length (4 GB in a browser tab at 160 s of
//! 26,000 one-record batches a second).

use crate::sim::{Sim, SimOptions};
use crate::spec::{Fault, ScenarioSpec, Scheduled};
use crate::time::SimTime;

/// The most checkpoints a timeline keeps (a 10-minute standard run at one every 2 s keeps 301).
pub const MAX_CHECKPOINTS: usize = 320;

/// What a timeline's checkpoints may cost, unless set otherwise.
pub const DEFAULT_HISTORY_BUDGET: u64 = 1 << 30;

#[derive(Clone, Debug)]
struct Checkpoint {
    sim: Sim,
    /// How many recorded injections the checkpoint already contains.
    injected: usize,
    /// About what it costs: its own bytes, and what the run copied on write from it since.
    bytes: u64,
}

/// Where new checkpoints go, and what the history may cost.
struct History<'a> {
    checkpoints: &'a mut Vec<Checkpoint>,
    interval: &'a mut SimTime,
    budget: u64,
}

#[derive(Clone, Debug)]
pub struct Timeline {
    checkpoints: Vec<Checkpoint>,
    interval: SimTime,
    current: Sim,
    /// Faults injected by the caller, in order.
    injected: Vec<Scheduled>,
    /// How many of `injected` `current` contains.
    current_injected: usize,
    /// The furthest instant simulated so far.
    horizon: SimTime,
    /// What the checkpoints may cost in all (bytes).
    history_budget: u64,
}

impl Timeline {
    pub fn new(spec: ScenarioSpec, opts: SimOptions, interval: SimTime) -> Self {
        let sim = Sim::with_options(spec, opts);
        Timeline {
            checkpoints: vec![Checkpoint {
                bytes: sim.clone_bytes(),
                sim: sim.clone(),
                injected: 0,
            }],
            interval: SimTime(interval.as_us().max(1)),
            current: sim,
            injected: Vec::new(),
            current_injected: 0,
            horizon: SimTime::ZERO,
            history_budget: DEFAULT_HISTORY_BUDGET,
        }
    }

    /// Keeps the checkpoints' cost within `bytes` (the first checkpoint is always kept).
    pub fn set_history_budget(&mut self, bytes: u64) {
        self.history_budget = bytes;
    }

    /// About what the checkpoints cost now, in bytes.
    pub fn history_bytes(&self) -> u64 {
        self.checkpoints.iter().map(|c| c.bytes).sum()
    }

    pub fn sim(&self) -> &Sim {
        &self.current
    }

    pub fn now(&self) -> SimTime {
        self.current.now()
    }

    /// The furthest instant ever simulated on this branch.
    pub fn horizon(&self) -> SimTime {
        self.horizon
    }

    pub fn injected(&self) -> &[Scheduled] {
        &self.injected
    }

    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// The spacing of new checkpoints (doubled each time the history is thinned).
    pub fn interval(&self) -> SimTime {
        self.interval
    }

    /// Runs `sim` to `target`, injecting recorded faults on the way, taking checkpoints if asked.
    fn replay(
        sim: &mut Sim,
        done: &mut usize,
        injected: &[Scheduled],
        target: SimTime,
        mut checkpoint: Option<History>,
    ) {
        loop {
            let next_inj = injected.get(*done).map(|s| s.at).filter(|t| *t <= target);
            let next_ckpt = checkpoint.as_ref().map(|h| {
                let last = h.checkpoints.last().map_or(SimTime::ZERO, |c| c.sim.now());
                last.saturating_add_us(h.interval.as_us())
            });
            let mut stop = target;
            if let Some(t) = next_inj {
                stop = stop.min(t);
            }
            if let Some(t) = next_ckpt.filter(|t| *t <= target) {
                stop = stop.min(t);
            }
            sim.run_until(stop);
            if next_inj == Some(stop) {
                sim.inject(injected[*done].fault.clone());
                *done += 1;
                continue;
            }
            if let Some(h) = checkpoint.as_mut() {
                if next_ckpt == Some(stop) {
                    // What the run copied on write since the last checkpoint is kept alive by it.
                    let copied = crate::chunked::take_copied_bytes();
                    if let Some(last) = h.checkpoints.last_mut() {
                        last.bytes += copied;
                    }
                    let bytes = sim.clone_bytes();
                    let c = &mut *h.checkpoints;
                    while c.len() > 1
                        && (c.len() >= MAX_CHECKPOINTS
                            || c.iter().map(|c| c.bytes).sum::<u64>() + bytes > h.budget)
                    {
                        // Thin the history: keep the first and every other one after it.
                        let mut i = 0;
                        c.retain(|_| {
                            i += 1;
                            i % 2 == 1
                        });
                        *h.interval = SimTime(h.interval.as_us().saturating_mul(2));
                    }
                    c.push(Checkpoint {
                        sim: sim.clone(),
                        injected: *done,
                        bytes,
                    });
                    if stop < target {
                        continue;
                    }
                }
            }
            if stop >= target {
                break;
            }
        }
    }

    /// Moves to `target`: forward by running, backward by restoring a checkpoint and replaying.
    pub fn seek(&mut self, target: SimTime) {
        // Start from the latest checkpoint at or before the target when that beats running on from
        // where we are (always when going back).
        let now = self.current.now();
        if let Some(c) = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| c.sim.now() <= target)
        {
            if target < now || c.sim.now() > now {
                self.current = c.sim.clone();
                self.current_injected = c.injected;
            }
        }
        // Beyond the horizon is new ground: record checkpoints on the way.
        let record = target > self.horizon;
        let mut ck = std::mem::take(&mut self.checkpoints);
        let mut interval = self.interval;
        // Copies on write are counted from here (another timeline may have run in between).
        crate::chunked::take_copied_bytes();
        Self::replay(
            &mut self.current,
            &mut self.current_injected,
            &self.injected,
            target,
            record.then_some(History {
                checkpoints: &mut ck,
                interval: &mut interval,
                budget: self.history_budget,
            }),
        );
        self.interval = interval;
        self.checkpoints = ck;
        if record {
            self.horizon = target;
        }
    }

    /// Injects a fault now. If the timeline had run further, the future is discarded (a fork).
    pub fn inject(&mut self, fault: Fault) {
        let now = self.current.now();
        self.injected.truncate(self.current_injected);
        self.checkpoints.retain(|c| {
            c.sim.now() < now || (c.sim.now() == now && c.injected <= self.injected.len())
        });
        self.horizon = now;
        self.injected.push(Scheduled {
            at: now,
            fault: fault.clone(),
        });
        self.current.inject(fault);
        self.current_injected = self.injected.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{BrokerRef, ProducerSpec, TopicPartition, TopicSpec};

    fn spec() -> ScenarioSpec {
        let mut s = ScenarioSpec {
            seed: 9,
            run_for: SimTime::from_secs(12),
            ..ScenarioSpec::default()
        };
        s.topics.push(TopicSpec::new("t", 2, 3));
        s.producers.push(ProducerSpec::new("p", "t"));
        s
    }

    #[test]
    fn seeking_back_reproduces_the_same_state() {
        let opts = SimOptions::default();
        let mut tl = Timeline::new(spec(), opts.clone(), SimTime::from_secs(2));
        tl.seek(SimTime::from_secs(3));
        tl.inject(Fault::Crash {
            broker: BrokerRef::LeaderOf(TopicPartition::new("t", 0)),
            lose_unflushed: false,
        });
        tl.seek(SimTime::from_secs(10));
        let forward_hash = tl.sim().trace_hash();
        let forward = tl.sim().outcome();
        tl.seek(SimTime::from_ms(4_500));
        tl.seek(SimTime::from_secs(10));
        assert_eq!(tl.sim().trace_hash(), forward_hash);
        assert_eq!(tl.sim().outcome(), forward);
        tl.seek(SimTime::from_secs(1));
        tl.seek(SimTime::from_secs(10));
        assert_eq!(tl.sim().trace_hash(), forward_hash);
    }

    #[test]
    fn a_long_run_keeps_a_bounded_evenly_spaced_history() {
        let mut s = spec();
        s.run_for = SimTime::from_secs(400);
        let opts = SimOptions {
            check_invariants: false,
            ..SimOptions::default()
        };
        // A checkpoint every 0.5 s would be 800 of them: the history thins to the bound.
        let mut tl = Timeline::new(s.clone(), opts.clone(), SimTime::from_ms(500));
        tl.seek(SimTime::from_secs(400));
        let end_hash = tl.sim().trace_hash();
        assert!(
            tl.checkpoint_count() <= MAX_CHECKPOINTS,
            "{}",
            tl.checkpoint_count()
        );
        assert!(tl.checkpoint_count() > MAX_CHECKPOINTS / 2);
        assert_eq!(tl.interval(), SimTime::from_secs(2), "doubled twice");
        let times: Vec<u64> = tl.checkpoints.iter().map(|c| c.sim.now().as_us()).collect();
        assert!(
            times.windows(2).all(|w| w[1] - w[0] <= 2_000_000),
            "evenly spaced"
        );
        // Seeking anywhere still gives the state of the run in one go.
        let mut one_go = Sim::with_options(s, opts);
        one_go.run_until(SimTime::from_secs(123));
        tl.seek(SimTime::from_secs(123));
        assert_eq!(tl.sim().trace_hash(), one_go.trace_hash());
        tl.seek(SimTime::from_secs(400));
        assert_eq!(tl.sim().trace_hash(), end_hash);
    }

    #[test]
    fn expensive_checkpoints_are_kept_within_the_history_budget() {
        // A producer that cannot keep up: one-record batches on 30 partitions at 20,000 records/s
        // pile up in its queues, and every checkpoint copies them.
        let mut s = spec();
        s.topics[0] = TopicSpec::new("t", 30, 3);
        s.producers[0].rate_per_ks = 20_000_000;
        s.producers[0].config.batch_size = 0;
        s.producers[0].config.linger_ms = 0;
        s.run_for = SimTime::from_secs(20);
        let opts = SimOptions {
            check_invariants: false,
            ..SimOptions::default()
        };
        let mut unbounded = Timeline::new(s.clone(), opts.clone(), SimTime::from_secs(1));
        unbounded.set_history_budget(u64::MAX);
        unbounded.seek(s.run_for);
        assert!(
            unbounded.history_bytes() > 4 << 20,
            "the scenario must be expensive to checkpoint: {} bytes",
            unbounded.history_bytes()
        );
        let budget = unbounded.history_bytes() / 4;
        let mut tl = Timeline::new(s.clone(), opts, SimTime::from_secs(1));
        tl.set_history_budget(budget);
        tl.seek(s.run_for);
        // Within the budget, but for the checkpoint just taken (it is always kept).
        let newest = tl.checkpoints.last().map_or(0, |c| c.bytes);
        assert!(
            tl.history_bytes() - newest <= budget,
            "{} bytes kept",
            tl.history_bytes()
        );
        assert!(tl.checkpoint_count() < unbounded.checkpoint_count());
        assert!(
            tl.interval() > SimTime::from_secs(1),
            "spaced further apart"
        );
        // Fewer checkpoints, the same run: seeking back gives the same states.
        assert_eq!(tl.sim().trace_hash(), unbounded.sim().trace_hash());
        for t in [3, 11, 17] {
            tl.seek(SimTime::from_secs(t));
            unbounded.seek(SimTime::from_secs(t));
            assert_eq!(
                tl.sim().trace_hash(),
                unbounded.sim().trace_hash(),
                "at {t}s"
            );
        }
    }
}
