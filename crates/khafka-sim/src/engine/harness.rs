//! A single-actor test harness: one broker, controller, producer or consumer driven by hand with
//! messages and timers, its effects (messages sent, timers set) collected for assertions — no
//! cluster, no network, no event queue. Tests of one Kafka class's rules live beside it
//! (`tests/actors.rs`); the scenario tests and the sweep cover how the actors work together.

use crate::ctx::{Counters, Ctx, Effect, Node, Pools, Timer};
use crate::log::BatchStore;
use crate::msg::Msg;
use crate::provenance::Provenance;
use crate::spec::ScenarioSpec;
use crate::time::SimTime;
use crate::topology::Topology;
use crate::trace::Trace;

/// Everything a handler borrows through its [`Ctx`], owned here.
pub struct Harness {
    pub topo: Topology,
    /// The spec's seed (actors built here draw from it as the engine's do).
    pub seed: u64,
    pub now: SimTime,
    /// Effects not yet taken by [`Harness::take`].
    pub out: Vec<Effect>,
    pub prov: Provenance,
    pub batches: BatchStore,
    pub trace: Trace,
    pub counters: Counters,
    pub next_req_id: u64,
    pub fetch_reads: u64,
    pub violations: Vec<String>,
    pub producer_errors: crate::vec_map::VecMap<&'static str, u64>,
    pools: Pools,
}

impl Harness {
    /// A harness for `spec`'s topology (brokers, topics, configs), at time 0, keeping the trace.
    pub fn new(spec: &ScenarioSpec) -> Self {
        Harness {
            topo: Topology::new(spec),
            seed: spec.seed,
            now: SimTime::ZERO,
            out: Vec::new(),
            prov: Provenance::default(),
            batches: BatchStore::default(),
            trace: Trace::new(true),
            counters: Counters::default(),
            next_req_id: 0,
            fetch_reads: 0,
            violations: Vec::new(),
            producer_errors: crate::vec_map::VecMap::new(),
            pools: Pools::default(),
        }
    }

    /// The context a handler of `me` gets at the harness's current time.
    pub fn ctx(&mut self, me: Node) -> Ctx<'_> {
        Ctx {
            now: self.now,
            me,
            topo: &self.topo,
            out: &mut self.out,
            prov: &mut self.prov,
            batches: &mut self.batches,
            trace: &mut self.trace,
            counters: &mut self.counters,
            next_req_id: &mut self.next_req_id,
            fetch_reads: &mut self.fetch_reads,
            violations: &mut self.violations,
            producer_errors: &mut self.producer_errors,
            pools: &mut self.pools,
            net: None,
        }
    }

    /// Broker `id` of the harness's topology (with its replicas), not started.
    pub fn broker(&self, id: crate::spec::BrokerId) -> crate::broker::Broker {
        let parts = self
            .topo
            .parts
            .iter()
            .enumerate()
            .map(|(i, p)| (i as crate::msg::PartIdx, p.replicas.clone()));
        crate::broker::Broker::new(id, self.seed, parts)
    }

    /// Moves the clock (never backwards).
    pub fn advance_to(&mut self, t: SimTime) {
        self.now = self.now.max(t);
    }

    /// Takes the effects produced so far.
    pub fn take(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.out)
    }

    /// Takes the effects and keeps the messages sent, as `(to, message)`.
    pub fn sent(&mut self) -> Vec<(Node, Msg)> {
        self.take()
            .into_iter()
            .filter_map(|e| match e {
                Effect::Send { to, msg, .. } => Some((to, msg)),
                Effect::Timer { .. } => None,
            })
            .collect()
    }

    /// Takes the effects: the timers set go to `timers`, as `(when, timer)`; returns the messages
    /// sent, as `(to, message)` (for a test that answers the messages and fires the timers).
    pub fn sent_and_timers(&mut self, timers: &mut Vec<(SimTime, Timer)>) -> Vec<(Node, Msg)> {
        self.take()
            .into_iter()
            .filter_map(|e| match e {
                Effect::Send { to, msg, .. } => Some((to, msg)),
                Effect::Timer { at, timer, .. } => {
                    timers.push((at, timer));
                    None
                }
            })
            .collect()
    }

    /// Takes the effects and keeps the timers set, as `(when, timer)`.
    pub fn timers(&mut self) -> Vec<(SimTime, Timer)> {
        self.take()
            .into_iter()
            .filter_map(|e| match e {
                Effect::Timer { at, timer, .. } => Some((at, timer)),
                Effect::Send { .. } => None,
            })
            .collect()
    }
}
