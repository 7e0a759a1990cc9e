//! The engine: an event queue ordered by `(time, sequence)`, the actors, the network and faults.
//!
//! `Sim::step` pops the earliest event, hands it to the actor it is for (a broker, the controller, a
//! producer, a consumer) together with a [`Ctx`], then routes the effects the actor pushed: messages go
//! through the [`Network`] (which may delay or drop them), timers go back into the queue. Faults are
//! events too, scheduled by the scenario or injected by a caller with [`Sim::inject`].

use crate::broker::{Broker, BrokerAction};
use crate::consumer::subscribed::Subscribed;
use crate::consumer::Consumer;
use crate::controller::quorum::QuorumController;
use crate::controller::Controller;
use crate::ctx::{Counters, Ctx, Effect, Node, Pools, Timer};
use crate::log::BatchStore;
use crate::metrics::{Gauges, Metrics};
use crate::msg::{Msg, PartIdx};
use crate::network::Network;
use crate::producer::Producer;
use crate::provenance::Provenance;
use crate::queue::EventQueue;
#[cfg(feature = "groups")]
use crate::spec::SeekTo;
use crate::spec::{BrokerId, BrokerRef, Fault, ScenarioSpec};
use crate::time::SimTime;
use crate::topology::Topology;
use crate::trace::{Trace, TraceKind};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Bits of the word kept beside a queued message that hold its send time (µs; 2^40 µs is 12 days,
/// more than the longest run); the retransmission time it waited sits above them.
const SENT_BITS: u32 = 40;
const SENT_MASK: u64 = (1 << SENT_BITS) - 1;
/// The largest departure delay the word beside a message holds (ms).
const DEPARTS_MAX_MS: u64 = (1 << (64 - SENT_BITS)) - 1;

/// How a run is observed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimOptions {
    /// Keep every trace event in memory (the hash is always computed).
    pub keep_trace: bool,
    /// Check the invariants of `kafka-semantics.md` §2 after every event.
    pub check_invariants: bool,
    /// Metrics sampling interval.
    pub metrics_interval_us: u64,
    /// Measure each step of the data flow in [`Sim::outcome`] (`Outcome::flow`): one more pass over
    /// every record, so only when asked (an expectation reads a step; debug builds; the CLI).
    pub flow_latency: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            keep_trace: false,
            check_invariants: cfg!(debug_assertions),
            metrics_interval_us: 1_000_000,
            flow_latency: cfg!(debug_assertions),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Event {
    Deliver {
        from: Node,
        to: Node,
        msg: Msg,
    },
    Timer {
        node: Node,
        incarnation: u64,
        timer: Timer,
    },
    /// Boxed: faults are rare and large, and every queued event is as big as the largest kind.
    Fault(Box<Fault>),
    Sample,
    Start,
}

/// An admin tool's run ([`Sim::tool_runs`]).
#[cfg(feature = "groups")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolRun {
    pub at_us: u64,
    /// The command, as Kafka names it.
    pub tool: &'static str,
    pub group: String,
    /// Its error as the tool prints it; `None`: it did what it was asked.
    pub error: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Sim {
    pub(crate) spec: Arc<ScenarioSpec>,
    pub(crate) topo: Topology,
    pub(crate) now: SimTime,
    queue: EventQueue<Event>,
    pub(crate) brokers: Vec<Broker>,
    pub(crate) incarnation: Vec<u64>,
    pub(crate) powered_off: Vec<bool>,
    /// The controller's decisions as views read them: the single controller, or with a quorum
    /// (`controllers=N`) a copy of the active controller's committed state
    /// (see [`Sim::sync_controller`]).
    pub(crate) controller: Controller,
    /// The KRaft quorum's controllers (empty without `controllers=` on the cluster line).
    pub(crate) quorum: Vec<QuorumController>,
    /// Which active controller `controller` was last copied from, and its log length then.
    synced: Option<(u32, u32, usize)>,
    pub(crate) producers: Vec<Producer>,
    pub(crate) consumers: Vec<Consumer>,
    pub(crate) net: Network,
    pub(crate) prov: Provenance,
    /// Every batch a leader appended; replicas' logs refer to them.
    pub(crate) batches: BatchStore,
    pub(crate) trace: Trace,
    counters: Counters,
    next_req_id: u64,
    pub(crate) violations: Vec<String>,
    pub(crate) producer_errors: crate::vec_map::VecMap<&'static str, u64>,
    pub(crate) metrics: Metrics,
    pub(crate) events_processed: u64,
    /// See [`Ctx::fetch_reads`].
    pub(crate) fetch_reads: u64,
    /// Records the Kafka Streams applications may write ([`crate::budget::derived_records_allowed`]).
    derived_allowed: u64,
    /// What the memory budget leaves for the records a run writes as it goes
    /// ([`crate::budget::memory_left`]).
    memory_left: u64,
    /// Events processed by kind (`Debug` name of the message or timer), for profiling.
    pub(crate) events_by_kind: BTreeMap<String, u64>,
    pub(crate) count_kinds: bool,
    pub(crate) opts: SimOptions,
    /// Whether a crash lost unflushed data (Kafka's durability promise assumes it did not).
    pub(crate) unflushed_loss: bool,
    out: Vec<Effect>,
    pools: Pools,
    /// No producer's next record is due before this instant (µs): `generate_due` returns at once.
    next_due_us: u64,
    /// Each producer's next send time (`u64::MAX`: none), side by side for `generate_due`'s scan.
    dues: Vec<u64>,
    pub(crate) inv: crate::invariants::InvariantState,
    /// Events handled at the current instant (a guard against loops that take no time).
    instant_events: u64,
    /// Why the run stopped before its end, if it did ([`Sim::halted`]).
    halted: Option<String>,
    /// The faults that last, from when each began until the fault that ended it.
    fault_spans: crate::observe::fault_spans::FaultSpans,
    /// The admin tools' runs (`kafka-consumer-groups --reset-offsets`) and their errors, in time
    /// order.
    #[cfg(feature = "groups")]
    tool_runs: Vec<ToolRun>,
    /// Kafka Streams instances (`client/streams`), and the counts their producers sent.
    #[cfg(feature = "groups")]
    pub(crate) streams: Vec<crate::client::streams::StreamsInstance>,
    #[cfg(feature = "groups")]
    pub(crate) streams_values: crate::client::streams::StreamsValues,
    /// The streams view's reference run, carried from one view to the next so that a frame
    /// processes only the input's new records (`view/streams.rs`). Read-only state of the run:
    /// never read by the engine, cloned with the run.
    #[cfg(feature = "groups")]
    pub(crate) streams_reference: std::cell::RefCell<Vec<crate::view::streams::ReferencePart>>,
}

/// Builds a [`Ctx`] from the engine's fields, leaving the actors free to borrow.
macro_rules! ctx {
    ($s:ident, $me:expr) => {
        Ctx {
            now: $s.now,
            me: $me,
            topo: &$s.topo,
            out: &mut $s.out,
            prov: &mut $s.prov,
            batches: &mut $s.batches,
            trace: &mut $s.trace,
            counters: &mut $s.counters,
            next_req_id: &mut $s.next_req_id,
            fetch_reads: &mut $s.fetch_reads,
            violations: &mut $s.violations,
            producer_errors: &mut $s.producer_errors,
            pools: &mut $s.pools,
            net: Some(&$s.net),
        }
    };
}

#[cfg(feature = "groups")]
mod streams;

impl Sim {
    /// About how many bytes a clone of the simulation (a checkpoint) holds on its own, beyond what it
    /// shares with the running simulation: the tables' unshared ends, the brokers' replicas, the
    /// queued events and messages, the producers' queued and in-flight batches, the metric samples.
    /// A timeline keeps its checkpoints within a budget with it
    /// ([`crate::timeline::Timeline::set_history_budget`]).
    pub fn clone_bytes(&self) -> u64 {
        let brokers: u64 = self
            .brokers
            .iter()
            .map(|b| std::mem::size_of::<Broker>() as u64 + b.replicas.clone_bytes())
            .sum();
        let producers: u64 = self.producers.iter().map(Producer::clone_bytes).sum();
        let consumers = (self.consumers.len() * std::mem::size_of::<Consumer>()) as u64;
        std::mem::size_of::<Sim>() as u64
            + brokers
            + producers
            + consumers
            + self.queue.clone_bytes()
            + self.prov.clone_bytes()
            + self.batches.clone_bytes()
            + self.trace.notable.clone_bytes()
            + self.metrics.clone_bytes()
            + self.fault_spans.clone_bytes()
    }

    pub fn new(spec: ScenarioSpec) -> Self {
        Self::with_options(spec, SimOptions::default())
    }

    pub fn with_options(spec: ScenarioSpec, opts: SimOptions) -> Self {
        let topo = Topology::new(&spec);
        let seed = spec.seed;
        let brokers: Vec<Broker> = (1..=topo.brokers)
            .map(|b| {
                Broker::new(
                    b,
                    seed,
                    topo.parts
                        .iter()
                        .enumerate()
                        .map(|(i, p)| (i as PartIdx, p.replicas.clone())),
                )
            })
            .collect();
        let controller =
            Controller::new(topo.brokers, topo.parts.iter().map(|p| p.replicas.clone()));
        let producers = spec
            .producers
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let t = topo.topic_index(&p.topic).expect("validated topic");
                let ti = &topo.topics[t as usize];
                let producer =
                    Producer::new(i as u32, p.clone(), t, ti.first_part, ti.partitions, seed);
                match p.changelog.as_deref().and_then(|c| topo.topic_index(c)) {
                    Some(c) => {
                        let ci = &topo.topics[c as usize];
                        // A stream–stream join's changelogs follow one another (`add_streams`).
                        let stores = changelog_count(&spec, &p.name);
                        producer.with_changelog(ci.first_part, ci.partitions * stores)
                    }
                    None => producer,
                }
            })
            .collect();
        let consumers = spec
            .consumers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let topics: Vec<u32> = c
                    .topics()
                    .map(|t| topo.topic_index(t).expect("validated topic"))
                    .collect();
                Consumer::new(i as u32, c, Subscribed::new(&topo, &topics), spec.seed)
            })
            .collect();
        let mut net = Network::new(
            topo.brokers,
            spec.producers.iter().map(|p| p.name.clone()).collect(),
            spec.consumers.iter().map(|c| c.name.clone()).collect(),
            &spec.network,
            seed,
        );
        net.add_controllers(topo.config.controllers);
        for l in &spec.links {
            net.set_link(&l.from, &l.to, &l.link);
        }
        let n = topo.brokers as usize;
        let nparts = topo.parts.len();
        let mut sim = Sim {
            trace: Trace::new(opts.keep_trace),
            spec: Arc::new(spec),
            topo,
            now: SimTime::ZERO,
            queue: EventQueue::default(),
            brokers,
            incarnation: vec![0; n],
            powered_off: vec![false; n],
            controller,
            quorum: Vec::new(),
            synced: None,
            producers,
            consumers,
            net,
            prov: Provenance::default(),
            batches: BatchStore::default(),
            counters: Counters::default(),
            next_req_id: 0,
            violations: Vec::new(),
            producer_errors: crate::vec_map::VecMap::new(),
            metrics: Metrics::default(),
            events_processed: 0,
            fetch_reads: 0,
            derived_allowed: u64::MAX,
            memory_left: u64::MAX,
            events_by_kind: BTreeMap::new(),
            count_kinds: false,
            opts,
            unflushed_loss: false,
            out: Vec::new(),
            pools: Pools::default(),
            next_due_us: 0,
            dues: Vec::new(),
            inv: crate::invariants::InvariantState::new(nparts),
            instant_events: 0,
            halted: None,
            fault_spans: Default::default(),
            #[cfg(feature = "groups")]
            tool_runs: Vec::new(),
            #[cfg(feature = "groups")]
            streams: Vec::new(),
            #[cfg(feature = "groups")]
            streams_values: Default::default(),
            #[cfg(feature = "groups")]
            streams_reference: Default::default(),
        };
        #[cfg(feature = "groups")]
        sim.build_streams();
        sim.metrics.may_delete = sim.may_delete_records();
        for id in 1..=sim.topo.config.controllers {
            let c = {
                let ctx = ctx!(sim, Node::QuorumController(id));
                QuorumController::new(id, &ctx, seed)
            };
            sim.quorum.push(c);
        }
        sim.dues = sim
            .producers
            .iter()
            .map(|p| p.next_due_us().unwrap_or(u64::MAX))
            .collect();
        if let Err(why) = crate::budget::check(&sim.spec) {
            sim.halted = Some(format!("the run was not started: {why}"));
        }
        sim.derived_allowed = crate::budget::derived_records_allowed(&sim.spec);
        sim.memory_left = crate::budget::memory_left(&sim.spec);
        sim.push(SimTime::ZERO, Event::Start);
        let schedule = sim.spec.schedule.clone();
        for s in schedule {
            sim.push(s.at, Event::Fault(Box::new(s.fault)));
        }
        let every = sim.opts.metrics_interval_us;
        sim.push(SimTime::from_us(every), Event::Sample);
        sim
    }

    pub fn spec(&self) -> &ScenarioSpec {
        &self.spec
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn trace_hash(&self) -> u64 {
        self.trace.hash()
    }

    fn push(&mut self, at: SimTime, event: Event) {
        self.queue.push(at, event);
    }

    /// Messages on the wire now, earliest delivery first, with nodes named as in scenarios.
    pub fn wire(&self) -> Vec<WireMessage> {
        let name = |n: &Node| match n {
            Node::Broker(b) => b.to_string(),
            Node::Controller => "controller".to_string(),
            Node::Producer(i) => self.producers[*i as usize].spec.name.clone(),
            Node::Consumer(i) => self.consumers[*i as usize].name.to_string(),
            Node::QuorumController(c) => format!("controller {c}"),
        };
        let mut out: Vec<(u64, WireMessage)> = self
            .queue
            .pending_with_time()
            .filter_map(|(at, seq, word, e)| match e {
                Event::Deliver { from, to, msg } => Some((
                    seq,
                    WireMessage {
                        from: name(from),
                        to: name(to),
                        kind: msg.kind(),
                        sent_us: word & SENT_MASK,
                        deliver_us: at.as_us(),
                    },
                )),
                _ => None,
            })
            .collect();
        crate::kernel::small::sort_by(&mut out, |a, b| {
            (a.1.deliver_us, a.0).cmp(&(b.1.deliver_us, b.0))
        });
        out.into_iter().map(|(_, m)| m).collect()
    }

    /// Links the network drops messages on now, `(from, to)` with nodes named as in scenarios.
    pub fn cut_links(&self) -> Vec<(String, String)> {
        if self.net.partitions.is_empty() && self.net.isolated.is_empty() {
            return Vec::new();
        }
        let mut nodes: Vec<(Node, String)> = (1..=self.topo.brokers)
            .map(|b| (Node::Broker(b), b.to_string()))
            .collect();
        if self.quorum.is_empty() {
            nodes.push((Node::Controller, "controller".into()));
        }
        nodes.extend(
            (1..=self.quorum.len() as u32)
                .map(|c| (Node::QuorumController(c), format!("controller {c}"))),
        );
        nodes.extend(
            self.producers
                .iter()
                .enumerate()
                .map(|(i, p)| (Node::Producer(i as u32), p.spec.name.clone())),
        );
        nodes.extend(
            self.consumers
                .iter()
                .enumerate()
                .map(|(i, c)| (Node::Consumer(i as u32), c.name.to_string())),
        );
        let mut out = Vec::new();
        for (a, an) in &nodes {
            for (b, bn) in &nodes {
                if a != b && self.net.is_blocked(*a, *b) {
                    out.push((an.clone(), bn.clone()));
                }
            }
        }
        out
    }

    /// Time of the next event, if any.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Schedules a fault now (the UI's direct manipulation); it runs before later events.
    pub fn inject(&mut self, fault: Fault) {
        let now = self.now;
        self.push(now, Event::Fault(Box::new(fault)));
    }

    /// Schedules a fault at a given instant.
    pub fn schedule(&mut self, at: SimTime, fault: Fault) {
        self.push(at.max(self.now), Event::Fault(Box::new(fault)));
    }

    /// Runs every event up to and including `until`, then sets the clock to `until`.
    pub fn run_until(&mut self, until: SimTime) {
        while self.queue.peek_time().is_some_and(|t| t <= until) {
            if !self.step() {
                break;
            }
        }
        // A halted run stays where it stopped: nothing after that instant happened.
        if until > self.now && self.halted.is_none() {
            self.now = until;
        }
        self.generate_due();
        self.refresh_verdicts();
    }

    /// Runs the scenario's full length.
    pub fn run(&mut self) {
        let end = self.spec.run_for;
        self.run_until(end);
    }

    /// Processes one event. Returns false if the queue is empty.
    pub fn step(&mut self) -> bool {
        if self.halted.is_some() {
            return false;
        }
        let Some((at, event)) = self.queue.pop() else {
            return false;
        };
        if at == self.now {
            self.instant_events += 1;
        } else {
            self.instant_events = 0;
        }
        self.now = at;
        if let Some(why) = self.over_budget() {
            self.halted = Some(format!("the run stopped at {at}: {why}"));
            return false;
        }
        self.events_processed += 1;
        // Profiling only (`KHAFKA_BENCH_KINDS`): native builds, so the site's wasm carries no
        // `Debug` formatting of every message and timer.
        #[cfg(not(target_arch = "wasm32"))]
        if self.count_kinds {
            let kind = match &event {
                Event::Deliver { msg, to, .. } => {
                    format!("deliver {} to {to:?}", msg.kind())
                }
                Event::Timer { timer, node, .. } => {
                    let t = format!("{timer:?}");
                    format!(
                        "timer {} at {node:?}",
                        t.split([' ', '{']).next().unwrap_or("")
                    )
                }
                Event::Fault(_) => "fault".into(),
                Event::Sample => "sample".into(),
                Event::Start => "start".into(),
            };
            *self.events_by_kind.entry(kind).or_default() += 1;
        }
        let handled_by = match event {
            Event::Start => {
                self.start_all();
                None
            }
            Event::Sample => {
                self.sample();
                let every = self.opts.metrics_interval_us;
                self.push(self.now.saturating_add_us(every), Event::Sample);
                if self.opts.check_invariants {
                    crate::invariants::check_global(self);
                }
                None
            }
            Event::Fault(f) => {
                self.apply_fault(*f);
                if self.opts.check_invariants {
                    crate::invariants::check_global(self);
                }
                None
            }
            Event::Deliver { from, to, msg } => self.deliver(from, to, msg),
            Event::Timer {
                node,
                incarnation,
                timer,
            } => self.fire_timer(node, incarnation, timer),
        };
        #[cfg(feature = "groups")]
        self.streams_after(handled_by);
        self.route();
        if self.opts.check_invariants {
            if let Some(node) = handled_by {
                crate::invariants::check_after(self, node);
            }
        }
        true
    }

    /// Why the run stopped before its end, if it did: its spec is over [`crate::budget`] (judged
    /// when the simulation is built, for specs that did not come through the parser), or it handled
    /// too many events at one instant (a loop that takes no time) or kept too many pending.
    pub fn halted(&self) -> Option<&str> {
        self.halted.as_deref()
    }

    /// The admin tools' runs so far, in time order, with their errors (a `reset offsets` a
    /// group's state refused, or that found no coordinator or no leader).
    #[cfg(feature = "groups")]
    pub fn tool_runs(&self) -> &[ToolRun] {
        &self.tool_runs
    }

    fn over_budget(&self) -> Option<String> {
        use crate::budget::*;
        if self.instant_events > MAX_EVENTS_AT_ONE_INSTANT {
            return Some(format!(
                "more than {MAX_EVENTS_AT_ONE_INSTANT} events at one instant, a loop that takes no simulated time"
            ));
        }
        if self.queue.len() > MAX_PENDING_EVENTS {
            return Some(format!(
                "more than {MAX_PENDING_EVENTS} pending events, beyond the simulator's memory budget"
            ));
        }
        if self.prov.derived_count() > self.derived_allowed {
            return Some(format!(
                "the Kafka Streams applications wrote more than {} records (results, changelog \
                 and repartition records), beyond the simulator's memory budget (a join of few \
                 keys writes a result for every pair of records in its window: a shorter window \
                 or more keys keep a run within it)",
                self.derived_allowed
            ));
        }
        // Offset commits and group metadata, with Kafka Streams' records, within what the
        // budget leaves.
        let coordinator = self.batches.coordinator_records() * BYTES_PER_COORDINATOR_RECORD;
        let derived = self.prov.derived_count() * BYTES_PER_DERIVED_RECORD;
        if coordinator > 0 && coordinator.saturating_add(derived) > self.memory_left {
            return Some(format!(
                "the group coordinators wrote {} records to __consumer_offsets (offset commits \
                 and group metadata), beyond the simulator's memory budget: Kafka compacts that \
                 topic on disk, the simulator keeps every record; fewer partitions, commits less \
                 often (auto.commit.interval.ms, commit.interval.ms) or a shorter run keep it \
                 within the bound",
                self.batches.coordinator_records()
            ));
        }
        if self.events_processed >= MAX_EVENTS {
            return Some(format!(
                "it handled {MAX_EVENTS} events, the most one run may take; a shorter run, fewer \
                 clients or longer timeouts keep it within the bound"
            ));
        }
        if self.fetch_reads > MAX_FETCH_READS {
            return Some(format!(
                "the brokers and consumers read more than {MAX_FETCH_READS} partitions, to \
                 fetch or in periodic checks (retention, the cleaner, ISR expiration, \
                 high-watermark checkpoints, offsets expiration), the most one run may take; \
                 fewer partitions or consumers, a longer `fetch.max.wait.ms`, \
                 `replica.fetch.wait.max.ms` or check interval, or a shorter run keep it \
                 within the bound"
            ));
        }
        if self.trace.notable.len() > MAX_NOTABLE_EVENTS {
            let (kind, count) = self.most_frequent_notable();
            return Some(format!(
                "more than {MAX_NOTABLE_EVENTS} notable events (elections, ISR, quorum and group \
                 changes), beyond the simulator's memory budget; {count} of them are `{kind}` \
                 events: a cluster that never settles, most often because a timeout is shorter \
                 than the work it bounds (a session, poll, fetch or election timeout of a few \
                 milliseconds)"
            ));
        }
        #[cfg(feature = "groups")]
        {
            use crate::client::streams::windowed::MAX_WINDOW_WORK;
            let work: u64 = self.streams.iter().map(|s| s.window_work).sum();
            if work > MAX_WINDOW_WORK {
                return Some(format!(
                    "the Kafka Streams instances' windowed counts and joins read or wrote more \
                     than {MAX_WINDOW_WORK} windows or join results, beyond the simulator's budget \
                     (shorter windows, a larger advance, more keys or fewer records keep a run \
                     within it)"
                ));
            }
        }
        // Records need no check here: a run's records are bounded by its producers' rates and
        // counts, which `budget::check` judged before the run (records are generated lazily, so a
        // count taken here would depend on how the run is sliced).
        None
    }

    /// The most frequent kind among the notable events (its name as the trace spells it) and how
    /// many there are: named when a run that never settles is stopped.
    fn most_frequent_notable(&self) -> (&'static str, usize) {
        let mut counts: Vec<(&'static str, usize)> = Vec::new();
        for e in self.trace.notable.iter() {
            let name = e.kind.type_name();
            match counts.iter_mut().find(|c| c.0 == name) {
                Some(c) => c.1 += 1,
                None => counts.push((name, 1)),
            }
        }
        counts.into_iter().max_by_key(|c| c.1).unwrap_or(("", 0))
    }

    fn start_all(&mut self) {
        // The cluster as created: every partition's replicas, first leader and ISR.
        for (part, st) in self.controller.parts.iter().enumerate() {
            self.trace.emit(
                self.now,
                TraceKind::PartitionCreated {
                    partition: self.topo.part_name(part as PartIdx),
                    replicas: st.replicas.clone(),
                    leader: st.leader,
                    isr: st.isr.clone(),
                },
            );
        }
        if self.quorum.is_empty() {
            let mut ctx = ctx!(self, Node::Controller);
            self.controller.start(&mut ctx);
        }
        for i in 0..self.quorum.len() {
            let mut ctx = ctx!(self, Node::QuorumController(i as u32 + 1));
            self.quorum[i].start(&mut ctx);
        }
        self.sync_controller();
        // Brokers an `add broker` action starts later are not running yet (their machines are
        // not there: nothing answers them).
        for i in self.topo.initial_brokers as usize..self.brokers.len() {
            self.powered_off[i] = true;
        }
        for i in 0..self.topo.initial_brokers as usize {
            self.incarnation[i] += 1;
            let mut ctx = ctx!(self, Node::Broker(i as BrokerId + 1));
            self.brokers[i].start(&mut ctx);
            self.brokers[i].started_before_the_run();
        }
        self.route();
        for i in 0..self.producers.len() {
            let mut ctx = ctx!(self, Node::Producer(i as u32));
            self.producers[i].start(&mut ctx);
        }
        for i in 0..self.consumers.len() {
            let mut ctx = ctx!(self, Node::Consumer(i as u32));
            self.consumers[i].start(&mut ctx);
        }
    }

    fn deliver(&mut self, from: Node, to: Node, msg: Msg) -> Option<Node> {
        match to {
            Node::Broker(b) => {
                let i = (b - 1) as usize;
                let listening = self.brokers[i].is_listening(self.topo.config.controller);
                if !self.brokers[i].is_running() || (!listening && msg.request_id().is_some()) {
                    // Connection refused (a process that died, or one still starting) or silence
                    // (a machine without power).
                    if let Some(req_id) = msg.request_id() {
                        if !self.powered_off[i] {
                            self.out.push(Effect::Send {
                                from: to,
                                to: from,
                                msg: Msg::Disconnect { req_id },
                            });
                        }
                    }
                    return None;
                }
                let action = {
                    let mut ctx = ctx!(self, to);
                    self.brokers[i].on_msg(&mut ctx, from, msg)
                };
                self.after_broker(b, action);
            }
            Node::Controller => {
                let mut ctx = ctx!(self, to);
                self.controller.on_msg(&mut ctx, from, msg);
            }
            Node::QuorumController(c) => {
                let i = (c - 1) as usize;
                if !self.quorum[i].running {
                    // The process died: the OS refuses the connection.
                    if let Some(req_id) = msg.request_id() {
                        self.out.push(Effect::Send {
                            from: to,
                            to: from,
                            msg: Msg::Disconnect { req_id },
                        });
                    }
                    return None;
                }
                let mut ctx = ctx!(self, to);
                self.quorum[i].on_msg(&mut ctx, from, msg);
                self.sync_controller();
            }
            Node::Producer(p) => {
                self.generate_due();
                let mut ctx = ctx!(self, to);
                self.producers[p as usize].on_msg(&mut ctx, from, msg);
            }
            Node::Consumer(c) => {
                let mut ctx = ctx!(self, to);
                self.consumers[c as usize].on_msg(&mut ctx, from, msg);
            }
        }
        Some(to)
    }

    fn fire_timer(&mut self, node: Node, incarnation: u64, timer: Timer) -> Option<Node> {
        match node {
            Node::Broker(b) => {
                let i = (b - 1) as usize;
                if incarnation != self.incarnation[i] || !self.brokers[i].is_running() {
                    return None;
                }
                let action = {
                    let mut ctx = ctx!(self, node);
                    self.brokers[i].on_timer(&mut ctx, timer)
                };
                self.after_broker(b, action);
            }
            Node::Controller => {
                let mut ctx = ctx!(self, node);
                self.controller.on_timer(&mut ctx, timer);
            }
            Node::QuorumController(c) => {
                let i = (c - 1) as usize;
                if !self.quorum[i].running {
                    return None;
                }
                let mut ctx = ctx!(self, node);
                self.quorum[i].on_timer(&mut ctx, timer);
                self.sync_controller();
            }
            Node::Producer(p) => {
                self.generate_due();
                let mut ctx = ctx!(self, node);
                self.producers[p as usize].on_timer(&mut ctx, timer);
            }
            Node::Consumer(c) => {
                let mut ctx = ctx!(self, node);
                self.consumers[c as usize].on_timer(&mut ctx, timer);
            }
        }
        Some(node)
    }

    /// With a quorum, views read the active controller's committed decisions: copies them into
    /// `controller` when they changed (another controller became active, or the log committed
    /// more). While no controller is active, `controller` keeps the last ones.
    fn sync_controller(&mut self) {
        let Some(q) = self.quorum.iter().find(|q| q.is_active()) else {
            return;
        };
        // The committed state: what brokers learn, and never taken back.
        let st = &q.committed;
        let key = (q.id, q.raft.epoch, st.log.len());
        if self.synced == Some(key) {
            return;
        }
        // The same leader in the same epoch only appended to what it had committed: copy what the
        // new records changed, not the whole state (a cluster whose brokers are fenced and
        // unfenced every millisecond appends thousands of records, and a copy of everything at
        // each one made its run quadratic).
        let appended = matches!(self.synced, Some((id, epoch, len))
            if id == q.id && epoch == q.raft.epoch && len <= st.log.len()
                && self.controller.log.len() == len);
        self.synced = Some(key);
        if !appended {
            self.controller.clone_from(st);
            return;
        }
        let c = &mut self.controller;
        let from = c.log.len();
        for entry in &st.log[from..] {
            if let Some(p) = *entry {
                let p = p as usize;
                c.parts[p].clone_from(&st.parts[p]);
                c.last_known_leader[p] = st.last_known_leader[p];
            }
        }
        c.log.extend_from_slice(&st.log[from..]);
        c.brokers.clone_from(&st.brokers);
        c.polls.clone_from(&st.polls);
        debug_assert_eq!(*c, *st, "an incremental sync copies what a full copy would");
    }

    fn after_broker(&mut self, b: BrokerId, action: BrokerAction) {
        if let BrokerAction::Stop { clean } = action {
            self.stop_broker(b, clean, false);
        }
    }

    /// The incarnation a timer set now by `node` belongs to (a restarted broker ignores its past
    /// life's timers).
    fn incarnation_of(&self, node: Node) -> u64 {
        match node {
            Node::Broker(b) => self.incarnation[(b - 1) as usize],
            _ => 0,
        }
    }

    /// Puts a message sent at `now` on its link: its delivery into the queue, and for an `acks=0`
    /// produce request that takes time to write (`Network::takes_time_to_write`, the rule its
    /// producer followed to keep it in flight) a `Timer::ProduceWritten` for the producer when its
    /// last byte has left.
    fn send(&mut self, now: u64, from: Node, to: Node, msg: Msg) {
        #[cfg(feature = "groups")]
        self.note_zombie_join(from, to, &msg);
        let slow_us = match to {
            Node::Broker(b) => self.brokers[(b - 1) as usize].slow_us,
            _ => 0,
        };
        let batches = &self.batches;
        let delivery = self
            .net
            .delivery(now, from, to, slow_us, || msg.wire_size(batches));
        let written = match &msg {
            Msg::Produce(crate::protocol::Produce::Request {
                req_id,
                acks: crate::config::Acks::Zero,
                ..
            }) if self.net.takes_time_to_write(from, to) => Some(*req_id),
            _ => None,
        };
        if let Some(req_id) = written {
            // Into a partitioned link the bytes are written at once, and vanish.
            let after = delivery.map_or(0, |d| d.written_after_us);
            self.push(
                SimTime(now.saturating_add(after)),
                Event::Timer {
                    node: from,
                    incarnation: self.incarnation_of(from),
                    timer: Timer::ProduceWritten { req_id },
                },
            );
        }
        if let Some(d) = delivery {
            // Beside the event: the send time (for pictures of the wire) and, above bit 40, how
            // many ms after it its last byte left (queued behind others on a link with a
            // bandwidth, retransmissions: a powered-off sender sends none of it), rounded up, at
            // most 2^24 − 1 ms (4.6 hours).
            let departs_ms = d.departs_after_us.div_ceil(1_000).min(DEPARTS_MAX_MS);
            let word = now | (departs_ms << SENT_BITS);
            self.queue
                .push_with(SimTime(d.at_us), Event::Deliver { from, to, msg }, word);
        }
    }

    /// Routes the effects handlers pushed: timers into the queue, messages through the network.
    fn route(&mut self) {
        let now = self.now.as_us();
        let mut out = std::mem::take(&mut self.out);
        for e in out.drain(..) {
            match e {
                Effect::Timer { node, at, timer } => {
                    let incarnation = self.incarnation_of(node);
                    self.push(
                        at,
                        Event::Timer {
                            node,
                            incarnation,
                            timer,
                        },
                    );
                }
                Effect::Send { from, to, msg } => self.send(now, from, to, msg),
            }
        }
        self.out = out;
    }

    /// A JoinGroup answer from a broker the controller no longer has as the group's
    /// coordinator: its generation is a deposed coordinator's (`InvariantState::
    /// zombie_generations`).
    #[cfg(feature = "groups")]
    fn note_zombie_join(&mut self, from: Node, to: Node, msg: &Msg) {
        use crate::protocol::group::{Group, GroupResponse};
        // On every message sent: the message's kind is asked first.
        let Msg::Group(Group::Response { resp, .. }) = msg else {
            return;
        };
        let (GroupResponse::JoinGroup(j), Node::Broker(b), Node::Consumer(c)) = (&**resp, from, to)
        else {
            return;
        };
        if j.error != crate::msg::ErrorCode::None {
            return;
        }
        let Some(part) = self
            .consumers
            .get(c as usize)
            .and_then(|c| c.group.as_ref())
            .and_then(|g| self.topo.offsets_partition(&g.group_id))
        else {
            return;
        };
        // A member's generation comes from its latest JoinGroup answer only.
        self.inv.zombie_generations.retain(|z| z.0 != c);
        if self.controller.parts[part as usize].leader != Some(b) {
            self.inv.zombie_generations.push((c, j.generation));
        }
    }

    fn resolve_broker(&self, r: &BrokerRef) -> Option<BrokerId> {
        match r {
            BrokerRef::Id(b) => (*b >= 1 && *b <= self.topo.brokers).then_some(*b),
            BrokerRef::LeaderOf(tp) => {
                let part = self.topo.part_index(tp)?;
                self.controller.parts[part as usize].leader
            }
        }
    }

    fn stop_broker(&mut self, b: BrokerId, clean: bool, power_loss: bool) {
        let i = (b - 1) as usize;
        if !self.brokers[i].is_running() {
            return;
        }
        let held = {
            let mut ctx = ctx!(self, Node::Broker(b));
            self.brokers[i].stop(&mut ctx, clean)
        };
        self.incarnation[i] += 1;
        if power_loss {
            self.powered_off[i] = true;
            // A machine without power retransmits nothing: a message of its still on its way is
            // delivered only if its last transmission left before the power went out. Those whose
            // last transmission would leave after now are gone, and with them, per connection,
            // everything queued behind the first of them (TCP delivers in order).
            let now = self.now.as_us();
            let from = Node::Broker(b);
            let mut cut_from: Vec<(Node, u64)> = Vec::new();
            for (at, _, word, e) in self.queue.pending_with_time() {
                if let Event::Deliver { from: f, to, .. } = e {
                    let (sent, departs_ms) = (word & SENT_MASK, word >> SENT_BITS);
                    if *f == from && sent.saturating_add(departs_ms * 1_000) > now {
                        match cut_from.iter_mut().find(|(n, _)| n == to) {
                            Some((_, first)) => *first = (*first).min(at.as_us()),
                            None => cut_from.push((*to, at.as_us())),
                        }
                    }
                }
            }
            self.queue.retain(|at, e, _| match e {
                Event::Deliver { from: f, to, .. } if *f == from => !cut_from
                    .iter()
                    .any(|(n, first)| n == to && at.as_us() >= *first),
                _ => true,
            });
            self.net.drop_queued_from(from, now);
            self.unflushed_loss = true;
            let window = crate::time::ms_to_us(self.topo.config.sim_unflushed_window_ms);
            let mut ctx = ctx!(self, Node::Broker(b));
            self.brokers[i].lose_unflushed(&mut ctx, window);
        } else {
            for (node, req_id) in held {
                self.out.push(Effect::Send {
                    from: Node::Broker(b),
                    to: node,
                    msg: Msg::Disconnect { req_id },
                });
            }
            // The OS closes the dead process's sockets: clients see their connections close.
            for p in 0..self.producers.len() as u32 {
                self.out.push(Effect::Send {
                    from: Node::Broker(b),
                    to: Node::Producer(p),
                    msg: Msg::ConnectionClosed,
                });
            }
        }
    }

    /// `kafka-reassign-partitions --execute`: the request goes to the (active) controller; a refusal
    /// is traced with Kafka's error, as the tool prints it.
    fn reassign(&mut self, tp: &crate::spec::TopicPartition, replicas: &[BrokerId]) {
        let Some(part) = self.topo.part_index(tp) else {
            return;
        };
        let result = if self.quorum.is_empty() {
            let mut ctx = ctx!(self, Node::Controller);
            Some(self.controller.reassign(&mut ctx, part, replicas))
        } else if let Some(i) = self.quorum.iter().position(|q| q.is_active()) {
            let out = {
                let mut ctx = ctx!(self, Node::QuorumController(i as u32 + 1));
                self.quorum[i].reassign(&mut ctx, part, replicas)
            };
            self.sync_controller();
            out
        } else {
            None
        };
        let error = match result {
            Some(Ok(())) => return,
            Some(Err((name, message))) => format!("{name}: {message}"),
            // The admin client finds no active controller and times out.
            None => "REQUEST_TIMED_OUT: no active controller".into(),
        };
        self.trace.emit(
            self.now,
            TraceKind::AdminError {
                action: format!("reassign {tp}"),
                error,
            },
        );
    }

    fn apply_fault(&mut self, fault: Fault) {
        let description = describe_fault(&fault);
        self.note_fault_span(&fault, &description);
        self.trace.emit(self.now, TraceKind::Fault { description });
        match fault {
            Fault::Crash {
                broker,
                lose_unflushed,
            } => {
                if let Some(b) = self.resolve_broker(&broker) {
                    self.stop_broker(b, false, lose_unflushed);
                }
            }
            Fault::Shutdown { broker } => {
                if let Some(b) = self.resolve_broker(&broker) {
                    let i = (b - 1) as usize;
                    if self.brokers[i].is_running() {
                        let action = {
                            let mut ctx = ctx!(self, Node::Broker(b));
                            self.brokers[i].begin_shutdown(&mut ctx)
                        };
                        self.after_broker(b, action);
                    }
                }
            }
            Fault::Restart { broker } => {
                if let Some(b) = self.resolve_broker(&broker) {
                    let i = (b - 1) as usize;
                    if !self.brokers[i].is_running() {
                        self.powered_off[i] = false;
                        self.incarnation[i] += 1;
                        let mut ctx = ctx!(self, Node::Broker(b));
                        self.brokers[i].start(&mut ctx);
                    }
                }
            }
            Fault::AddBroker { broker } => {
                // Only a broker declared by an `add broker` line, and only its first start.
                let i = (broker as usize).wrapping_sub(1);
                if broker > self.topo.initial_brokers
                    && self.brokers.get(i).is_some_and(|b| b.broker_epoch == 0)
                {
                    self.powered_off[i] = false;
                    self.incarnation[i] += 1;
                    let mut ctx = ctx!(self, Node::Broker(broker));
                    self.brokers[i].start(&mut ctx);
                }
            }
            Fault::Reassign {
                partition,
                replicas,
            } => self.reassign(&partition, &replicas),
            Fault::Partition { groups, one_way } => self.net.partition(groups, one_way),
            Fault::Isolate { node } => self.net.isolate(node),
            Fault::Heal => self.net.heal(),
            Fault::Slow { broker, extra_us } => {
                if let Some(b) = self.resolve_broker(&broker) {
                    self.brokers[(b - 1) as usize].slow_us = extra_us;
                }
            }
            Fault::Link(l) => self.net.set_link(&l.from, &l.to, &l.link),
            Fault::ElectPreferred { partition } => {
                let part = partition.as_ref().and_then(|tp| self.topo.part_index(tp));
                if (partition.is_none() || part.is_some()) && self.quorum.is_empty() {
                    let mut ctx = ctx!(self, Node::Controller);
                    self.controller.elect_preferred_now(&mut ctx, part);
                } else if partition.is_none() || part.is_some() {
                    // `kafka-leader-election.sh` reaches the active controller, if there is one.
                    if let Some(i) = self.quorum.iter().position(|q| q.is_active()) {
                        let mut ctx = ctx!(self, Node::QuorumController(i as u32 + 1));
                        self.quorum[i].elect_preferred_now(&mut ctx, part);
                        self.sync_controller();
                    }
                }
            }
            Fault::SetTopicConfig { topic, key, value } => {
                if let Some(t) = self.topo.topic_index(&topic) {
                    // Validated by the scenario parser; an invalid pair is ignored here.
                    let set = self.topo.set_topic_config(t, &key, &value).is_ok();
                    if set && key == "min.insync.replicas" {
                        self.min_isr_altered(t);
                    }
                }
            }
            Fault::CrashController { controller } => {
                if let Some(q) = self.quorum.get_mut((controller as usize).wrapping_sub(1)) {
                    if q.running {
                        // The OS resets the dead process's connections: brokers whose metadata
                        // fetch it held see them close.
                        for (b, req_id) in q.crash() {
                            self.out.push(Effect::Send {
                                from: Node::QuorumController(controller),
                                to: Node::Broker(b),
                                msg: Msg::Disconnect { req_id },
                            });
                        }
                    }
                }
            }
            Fault::RestartController { controller } => {
                let i = (controller as usize).wrapping_sub(1);
                if self.quorum.get(i).is_some_and(|q| !q.running) {
                    let mut ctx = ctx!(self, Node::QuorumController(controller));
                    self.quorum[i].restart(&mut ctx);
                    self.sync_controller();
                }
            }
            Fault::PauseProducer { producer } => {
                if let Some(i) = self.producers.iter().position(|p| p.spec.name == producer) {
                    self.generate_due();
                    self.producers[i].pause();
                    self.dues[i] = u64::MAX;
                }
            }
            #[cfg(feature = "groups")]
            Fault::CrashConsumer { consumer } => self.consumer_fault("crash", &consumer),
            #[cfg(feature = "groups")]
            Fault::StopConsumer { consumer } => self.consumer_fault("stop", &consumer),
            #[cfg(feature = "groups")]
            Fault::RestartConsumer { consumer } => self.consumer_fault("restart", &consumer),
            #[cfg(feature = "groups")]
            Fault::CrashStreams { streams } => self.streams_fault("crash", &streams),
            #[cfg(feature = "groups")]
            Fault::StopStreams { streams } => self.streams_fault("stop", &streams),
            #[cfg(feature = "groups")]
            Fault::RestartStreams { streams } => self.streams_fault("restart", &streams),
            #[cfg(feature = "groups")]
            Fault::Seek {
                consumer,
                partition: tp,
                to,
            } => self.seek_consumer(&consumer, &tp, to),
            #[cfg(feature = "groups")]
            Fault::ResetOffsets(r) => self.reset_offsets(&r),
            Fault::ResumeProducer { producer } => {
                if let Some(i) = self.producers.iter().position(|p| p.spec.name == producer) {
                    // The resumed producer's first record is due now: leave the others' records due
                    // now (if not generated yet) until after the resume, so they and it are
                    // generated together, in producer order.
                    if let Some(before) = self.now.as_us().checked_sub(1) {
                        self.generate_until(before);
                    }
                    let mut ctx = ctx!(self, Node::Producer(i as u32));
                    self.producers[i].resume(&mut ctx);
                    self.dues[i] = self.producers[i].next_due_us().unwrap_or(u64::MAX);
                    self.next_due_us = 0;
                    self.generate_due();
                }
            }
        }
    }

    /// `kafka-configs --alter` of a topic's `min.insync.replicas` reaches the controller, which
    /// clears the topic's eligible leader replicas ([`Controller::clear_elrs`]).
    fn min_isr_altered(&mut self, topic: u32) {
        let t = &self.topo.topics[topic as usize];
        let (first, partitions) = (t.first_part, t.partitions);
        if self.quorum.is_empty() {
            let mut ctx = ctx!(self, Node::Controller);
            self.controller.clear_elrs(&mut ctx, first, partitions);
        } else if let Some(i) = self.quorum.iter().position(|q| q.is_active()) {
            let mut ctx = ctx!(self, Node::QuorumController(i as u32 + 1));
            self.quorum[i].clear_elrs(&mut ctx, first, partitions);
            self.sync_controller();
        }
    }

    /// Begins or ends the lasting fault `fault` is ([`Sim::faults_in_effect`]), before it
    /// applies (a broker named `leader(T-P)` is the leader it crashes).
    fn note_fault_span(&mut self, fault: &Fault, description: &str) {
        use crate::observe::fault_spans::FaultSubject as S;
        let now = self.now;
        let running = |sim: &Self, b: BrokerId| sim.brokers[(b - 1) as usize].is_running();
        // A broker named by role (`leader(T-P)`) is written as the broker it names now.
        let as_broker = |b: BrokerId| {
            let mut f = fault.clone();
            if let Fault::Crash { broker, .. }
            | Fault::Shutdown { broker }
            | Fault::Slow { broker, .. } = &mut f
            {
                *broker = BrokerRef::Id(b);
            }
            describe_fault(&f)
        };
        match fault {
            Fault::Crash { broker, .. } | Fault::Shutdown { broker } => {
                if let Some(b) = self.resolve_broker(broker).filter(|b| running(self, *b)) {
                    self.fault_spans.begin(now, S::Down(b), as_broker(b));
                }
            }
            // Only a stopped broker starts (a broker still shutting down ignores it).
            Fault::Restart { broker } => {
                if let Some(b) = self.resolve_broker(broker).filter(|b| !running(self, *b)) {
                    self.fault_spans.end(now, |s| *s == S::Down(b));
                }
            }
            // Cuts add up until `heal` removes them all.
            Fault::Partition { groups, .. } => {
                let nodes = groups.iter().flatten().cloned().collect();
                self.fault_spans
                    .begin(now, S::Network(nodes), description.to_string());
            }
            Fault::Isolate { node } => {
                self.fault_spans.begin(
                    now,
                    S::Network(vec![node.clone()]),
                    description.to_string(),
                );
            }
            Fault::Heal => self.fault_spans.end(now, |s| matches!(s, S::Network(_))),
            Fault::Slow { broker, extra_us } => {
                if let Some(b) = self.resolve_broker(broker) {
                    self.fault_spans.end(now, |s| *s == S::Slow(b));
                    if *extra_us > 0 {
                        self.fault_spans.begin(now, S::Slow(b), as_broker(b));
                    }
                }
            }
            Fault::Link(l) => {
                let subject = S::Link(l.from.clone(), l.to.clone());
                self.fault_spans
                    .begin(now, subject, description.to_string());
            }
            Fault::CrashController { controller } => {
                let i = (*controller as usize).wrapping_sub(1);
                if self.quorum.get(i).is_some_and(|q| q.running) {
                    self.fault_spans.begin(
                        now,
                        S::Controller(*controller),
                        description.to_string(),
                    );
                }
            }
            Fault::RestartController { controller } => {
                let i = (*controller as usize).wrapping_sub(1);
                if self.quorum.get(i).is_some_and(|q| !q.running) {
                    let c = *controller;
                    self.fault_spans.end(now, |s| *s == S::Controller(c));
                }
            }
            _ => {}
        }
    }

    /// The lasting faults in effect at `at` (a crashed broker not restarted yet, a network
    /// partition not healed, a slow broker, a link's settings, a crashed controller), each with
    /// when it began.
    pub fn faults_in_effect(
        &self,
        at: SimTime,
    ) -> impl Iterator<Item = &crate::observe::fault_spans::FaultSpan> + '_ {
        self.fault_spans.in_effect(at)
    }

    /// Whether the fault event at `at` (`description`) can touch a record of a partition whose
    /// replicas are `replicas` ([`crate::observe::fault_spans::FaultSpans::touches`]); `None`
    /// for a fault that lasts nothing.
    pub fn fault_touches(
        &self,
        at: SimTime,
        description: &str,
        replicas: &[crate::spec::BrokerId],
    ) -> Option<bool> {
        self.fault_spans.touches(at, description, replicas)
    }

    /// `kafka-consumer-groups --reset-offsets` (`coordinator/group/reset_offsets.rs`): what the
    /// tool's admin calls would read (the group's state from its coordinator, each partition's
    /// bounds from its leader), the plan, and unless `dry_run` its commit through the coordinator.
    /// The tool's answer (or error) is a `group` event.
    #[cfg(feature = "groups")]
    fn reset_offsets(&mut self, r: &crate::spec::ResetOffsets) {
        const RESET_OFFSETS: &str = "kafka-consumer-groups --reset-offsets";
        use crate::coordinator::group::reset_offsets::{plan, refusal, PartitionOffsets};
        let (group, topic, partition, to, dry_run) = (
            r.group.as_str(),
            r.topic.as_str(),
            r.partition,
            r.to,
            r.dry_run,
        );
        let note = |sim: &mut Sim, text: String| {
            sim.trace.emit(
                sim.now,
                TraceKind::Group {
                    group: group.to_string(),
                    text: format!("reset-offsets: {text}"),
                },
            );
        };
        // The run, with its error if it failed (also said as a group event).
        let record = |sim: &mut Sim, error: Option<String>| {
            if let Some(e) = &error {
                note(sim, e.clone());
            }
            sim.tool_runs.push(ToolRun {
                at_us: sim.now.as_us(),
                tool: RESET_OFFSETS,
                group: group.to_string(),
                error,
            });
        };
        let fail = |sim: &mut Sim, error: String| record(sim, Some(error));
        let Some(info) = self
            .topo
            .topic_index(topic)
            .map(|t| &self.topo.topics[t as usize])
        else {
            return;
        };
        let parts: Vec<PartIdx> = match partition {
            Some(p) if p < info.partitions => vec![info.first_part + p],
            Some(_) => return,
            None => (0..info.partitions).map(|p| info.first_part + p).collect(),
        };
        let offsets_part = self
            .topo
            .offsets_topic()
            .map(|t| t.first_part + crate::protocol::group::partition_for(group, t.partitions));
        let coordinator = offsets_part.and_then(|p| {
            let b = self.controller.parts[p as usize].leader?;
            let broker = &self.brokers[(b - 1) as usize];
            let shard = broker.group_coordinator.shards.get(&p)?;
            (broker.is_running() && shard.loading_until_us.is_none()).then_some((b, shard))
        });
        let Some((coordinator, shard)) = coordinator else {
            let text = format!("Error: the coordinator of group '{group}' is not available");
            return fail(self, text);
        };
        let state = match shard.consumer_groups.get(group) {
            Some(cg) => cg.state().name(),
            None => shard.groups.get(group).map_or("Dead", |g| g.state.name()),
        };
        if let Some(e) = refusal(group, state) {
            return fail(self, e);
        }
        let key: Arc<str> = group.into();
        let mut planned = Vec::new();
        for part in parts {
            let name = self.topo.part_name(part);
            let log = self.controller.parts[part as usize]
                .leader
                .filter(|b| self.brokers[(*b - 1) as usize].is_running())
                .and_then(|b| self.brokers[(b - 1) as usize].replicas.get(&part))
                .map(|r| &r.log);
            let Some(log) = log else {
                return fail(
                    self,
                    format!("Error getting offsets of topic partition: {name}"),
                );
            };
            let end = log.high_watermark;
            let at_time = match to {
                crate::spec::ResetTo::Datetime(t) => {
                    offset_for_timestamp(log, &self.batches, &self.prov, t.div_ceil(1_000))
                        .filter(|o| *o < end)
                }
                _ => None,
            };
            let o = PartitionOffsets {
                start: log.log_start_offset(),
                end,
                committed: shard.offsets.get(&(key.clone(), part)).map(|c| c.offset),
                at_time,
            };
            match plan(&name, to, o) {
                Ok(offset) => planned.push((part, offset)),
                Err(e) => return fail(self, e),
            }
        }
        let text: Vec<String> = planned
            .iter()
            .map(|(p, o)| format!("{} → {o}", self.topo.part_name(*p)))
            .collect();
        if dry_run {
            note(self, format!("{to} (dry run): {}", text.join(", ")));
            return record(self, None);
        }
        note(self, format!("{to}: {}", text.join(", ")));
        let mut ctx = ctx!(self, Node::Broker(coordinator));
        let error =
            self.brokers[(coordinator - 1) as usize].admin_offset_commit(&mut ctx, group, planned);
        if error != crate::msg::ErrorCode::None {
            fail(self, format!("the commit failed with {}", error.name()));
        } else {
            record(self, None);
        }
    }

    /// `seek consumer C TOPIC-P …`: the application seeks a partition of its topic.
    #[cfg(feature = "groups")]
    fn seek_consumer(&mut self, consumer: &str, tp: &crate::spec::TopicPartition, to: SeekTo) {
        let Some(i) = self.consumers.iter().position(|c| *c.name == *consumer) else {
            return;
        };
        let Some(part) = self.topo.part_index(tp) else {
            return;
        };
        if let Some(p) = self.consumers[i].subscribed.local(part) {
            let mut ctx = ctx!(self, Node::Consumer(i as u32));
            self.consumers[i].seek(&mut ctx, p as u32, to);
        }
    }

    /// `crash consumer C`, `stop consumer C`, `restart consumer C`.
    #[cfg(feature = "groups")]
    fn consumer_fault(&mut self, kind: &str, name: &str) {
        let Some(i) = self.consumers.iter().position(|c| &*c.name == name) else {
            return;
        };
        // A client of a crashed Kafka Streams instance starts again with its whole instance.
        #[cfg(feature = "groups")]
        if kind.starts_with("restart") {
            let owner = self.streams.iter().find(|s| {
                s.crashed && (s.consumer as usize == i || s.restore_consumer as usize == i)
            });
            if let Some(s) = owner {
                let name = s.name.clone();
                return self.streams_fault("restart", &name);
            }
        }
        let spec = self.spec.consumers[i].clone();
        let mut ctx = ctx!(self, Node::Consumer(i as u32));
        let c = &mut self.consumers[i];
        if kind.starts_with("crash") {
            c.crash(&mut ctx);
        } else if kind.starts_with("stop") {
            c.close(&mut ctx);
        } else {
            c.restart(&mut ctx, &spec);
        }
    }

    /// Generates every record the applications sent by now, all producers merged by send time
    /// (producer order on a tie; see [`Producer::generate_next`]).
    fn generate_due(&mut self) {
        self.generate_until(self.now.as_us());
    }

    /// Generates every record sent at or before `until` (µs), in the same merged order.
    fn generate_until(&mut self, until: u64) {
        debug_assert!(
            self.dues
                .iter()
                .zip(&self.producers)
                .all(|(d, p)| *d == p.next_due_us().unwrap_or(u64::MAX)),
            "each producer's next send time kept beside it"
        );
        if until < self.next_due_us {
            return;
        }
        loop {
            // The earliest send time, the lowest producer index on a tie.
            let (i, due) = self
                .dues
                .iter()
                .copied()
                .enumerate()
                .min_by_key(|&(i, due)| (due, i))
                .unwrap_or((0, u64::MAX));
            if due > until {
                self.next_due_us = due;
                return;
            }
            let mut ctx = ctx!(self, Node::Producer(i as u32));
            self.producers[i].generate_next(&mut ctx, due);
            self.dues[i] = self.producers[i].next_due_us().unwrap_or(u64::MAX);
        }
    }

    fn sample(&mut self) {
        self.generate_due();
        let mut g = Gauges {
            active_controllers: if self.quorum.is_empty() {
                1
            } else {
                self.quorum.iter().filter(|q| q.is_active()).count() as u64
            },
            active_per_controller: self.quorum.iter().map(|q| q.is_active() as u64).collect(),
            ..Gauges::default()
        };
        let mut isr_total = 0u64;
        let mut isr_min = u64::MAX;
        for (i, p) in self.controller.parts.iter().enumerate() {
            if p.leader.is_none() {
                g.offline += 1;
            } else if p.isr.len() < p.replicas.len() {
                g.under_replicated += 1;
            }
            isr_total += p.isr.len() as u64;
            isr_min = isr_min.min(p.isr.len() as u64);
            if let Some(l) = p.leader {
                let hw = self.brokers[(l - 1) as usize]
                    .replicas
                    .get(&(i as PartIdx))
                    .map_or(0, |r| r.log.high_watermark);
                g.records_committed += hw;
                for c in &self.consumers {
                    if let Some(local) = c.subscribed.local(i as PartIdx) {
                        #[cfg(feature = "groups")]
                        if c.group.is_some() && !c.fetches(local) {
                            continue;
                        }
                        let pos = c.positions[local].unwrap_or(0);
                        g.consumer_lag += hw.saturating_sub(pos);
                    }
                }
            }
        }
        let nparts = self.controller.parts.len().max(1) as u64;
        g.isr_min = if isr_min == u64::MAX { 0 } else { isr_min };
        g.isr_avg = isr_total as f64 / nparts as f64;
        for p in &self.producers {
            g.records_sent += p.stats.sent;
            g.records_acknowledged += p.stats.acknowledged;
        }
        g.records_consumed = self.consumers.iter().map(|c| c.received).sum();
        g.records_deleted = self.prov.deleted;
        #[cfg(feature = "groups")]
        {
            g.group_lag = self
                .group_ids()
                .into_iter()
                .map(|id| {
                    let lag = self.group_lag_total(&id);
                    (id, lag)
                })
                .collect();
        }
        self.refresh_verdicts();
        if let Some(c) = self.provenance_counts_running() {
            g.records_lost = c.lost;
            g.records_unavailable = c.unavailable;
            g.records_duplicated = c.duplicated;
        }
        let every = self.opts.metrics_interval_us;
        self.metrics
            .sample(self.now.as_us(), every, &mut self.counters, &g);
    }
}

/// A request or response on its way, for pictures of the wire.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct WireMessage {
    pub from: String,
    pub to: String,
    /// The message's name (`Produce`, `FetchResponse`, `Heartbeat`, …).
    pub kind: &'static str,
    pub sent_us: u64,
    pub deliver_us: u64,
}

/// A fault as the scenario language writes it after `at TIME` (parsed back to the same fault by
/// `khafka-scenario`; the one printer of faults, also used for the trace and the site's lines).
pub fn describe_fault(f: &Fault) -> String {
    let set = |g: &Vec<crate::spec::NodeRef>| {
        format!(
            "{{{}}}",
            g.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    match f {
        Fault::Crash {
            broker,
            lose_unflushed,
        } => format!(
            "crash broker {broker}{}",
            if *lose_unflushed {
                " lose-unflushed"
            } else {
                ""
            }
        ),
        Fault::Shutdown { broker } => format!("shutdown broker {broker}"),
        Fault::Restart { broker } => format!("restart broker {broker}"),
        Fault::AddBroker { broker } => format!("add broker {broker}"),
        Fault::Reassign {
            partition,
            replicas,
        } => format!(
            "reassign {partition} replicas={}",
            replicas
                .iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
        Fault::Partition { groups, one_way } => {
            let sep = if *one_way { " -> " } else { " | " };
            format!(
                "partition {}",
                groups.iter().map(set).collect::<Vec<_>>().join(sep)
            )
        }
        Fault::Isolate { node } => format!("isolate {node}"),
        Fault::Heal => "heal".into(),
        Fault::Slow { broker, extra_us } => {
            if *extra_us == 0 {
                format!("slow broker {broker} off")
            } else {
                format!("slow broker {broker} by={}", SimTime(*extra_us).exact())
            }
        }
        Fault::Link(l) => format!(
            "link {} -> {} {}",
            set(&l.from),
            set(&l.to),
            describe_link(&l.link)
        ),
        Fault::ElectPreferred { partition } => match partition {
            Some(tp) => format!("elect preferred {tp}"),
            None => "elect preferred".into(),
        },
        Fault::SetTopicConfig { topic, key, value } => format!("set topic {topic} {key}={value}"),
        Fault::CrashController { controller } => format!("crash controller {controller}"),
        Fault::RestartController { controller } => format!("restart controller {controller}"),
        Fault::PauseProducer { producer } => format!("pause producer {producer}"),
        Fault::ResumeProducer { producer } => format!("resume producer {producer}"),
        #[cfg(feature = "groups")]
        Fault::CrashConsumer { consumer } => format!("crash consumer {consumer}"),
        #[cfg(feature = "groups")]
        Fault::StopConsumer { consumer } => format!("stop consumer {consumer}"),
        #[cfg(feature = "groups")]
        Fault::Seek {
            consumer,
            partition,
            to: SeekTo::Offset(o),
        } => format!("seek consumer {consumer} {partition} {o}"),
        #[cfg(feature = "groups")]
        Fault::Seek {
            consumer,
            partition,
            to,
        } => {
            let to = if *to == SeekTo::Beginning {
                "beginning"
            } else {
                "end"
            };
            format!("seek consumer {consumer} {partition} {to}")
        }
        #[cfg(feature = "groups")]
        Fault::ResetOffsets(r) => r.to_string(),
        #[cfg(feature = "groups")]
        Fault::RestartConsumer { consumer } => format!("restart consumer {consumer}"),
        #[cfg(feature = "groups")]
        Fault::CrashStreams { streams } => format!("crash streams {streams}"),
        #[cfg(feature = "groups")]
        Fault::StopStreams { streams } => format!("stop streams {streams}"),
        #[cfg(feature = "groups")]
        Fault::RestartStreams { streams } => format!("restart streams {streams}"),
    }
}

/// A link's settings as the scenario language writes them (`latency=500us..1500us loss=0.1000%`,
/// then `bandwidth=10000000B/s` if the link has one).
pub fn describe_link(l: &crate::spec::LinkSpec) -> String {
    let mut s = format!(
        "latency={}..{} loss={}.{:04}%",
        SimTime(l.latency_us_min).exact(),
        SimTime(l.latency_us_max).exact(),
        l.loss_ppm / 10_000,
        l.loss_ppm % 10_000
    );
    if l.bandwidth_bps > 0 {
        s.push_str(&format!(" bandwidth={}B/s", l.bandwidth_bps));
    }
    s
}

/// `UnifiedLog.fetchOffsetByTimestamp` (`ListOffsets` with a timestamp, as `kafka-consumer-groups
/// --to-datetime` asks): the first readable offset whose record timestamp (CreateTime: the
/// producer's send time, in ms) is at or after `target_ms` — in the first batch whose largest
/// timestamp reaches it. `None`: no record that late.
#[cfg(feature = "groups")]
fn offset_for_timestamp(
    log: &crate::log::Log,
    store: &crate::log::BatchStore,
    prov: &crate::provenance::Provenance,
    target_ms: u64,
) -> Option<u64> {
    let start = log.log_start_offset();
    let id = log
        .live_batches_from(start, store)
        .find(|id| store.max_timestamp_ms(*id).is_some_and(|t| t >= target_ms))?;
    let b = store.get(id);
    (0..b.count)
        .find(|i| {
            prov.sent_us(store.record_id(id, *i))
                .is_some_and(|us| us / 1_000 >= target_ms)
        })
        .map(|i| (b.base_offset + i as u64).max(start))
}

/// How many internal topics (changelogs, a repartition topic) the Kafka Streams instance whose
/// producer is `producer` writes.
#[cfg(feature = "groups")]
fn changelog_count(spec: &crate::spec::ScenarioSpec, producer: &str) -> u32 {
    spec.streams
        .iter()
        .find(|s| s.producer_name() == producer)
        .map_or(1, |s| s.internal_topics().len() as u32)
}

#[cfg(not(feature = "groups"))]
fn changelog_count(_: &crate::spec::ScenarioSpec, _: &str) -> u32 {
    1
}

impl Sim {
    /// Whether the run can delete records before it ends: a compacted topic, retention shorter
    /// than the run or by size, a Kafka Streams purge of a repartition topic (DeleteRecords), or
    /// a scheduled change of a topic's cleanup or retention. The records chart draws its
    /// `deleted` line from the start of such a run.
    fn may_delete_records(&self) -> bool {
        let run_ms = self.spec.run_for.as_us() / 1_000;
        let by_config = (0..self.topo.parts.len()).any(|p| {
            let c = self.topo.log_config(p as PartIdx);
            // The logs the cleaner works on (`on_cleaner_wake`): not `__consumer_offsets`, not a
            // windowed store's changelog.
            let topic = self.topo.topic_of(p as PartIdx);
            let cleaned = !topic.internal && !topic.windowed_keys;
            c.cleanup.compact && cleaned
                || c.cleanup.delete
                    && (c.retention_bytes >= 0 || (0..=run_ms as i64).contains(&c.retention_ms))
        });
        #[cfg(feature = "groups")]
        let purges = self
            .consumers
            .iter()
            .any(|c| c.config.group.streams_purge_interval_ms.is_some());
        #[cfg(not(feature = "groups"))]
        let purges = false;
        let altered = self.spec.schedule.iter().any(|s| {
            matches!(&s.fault, Fault::SetTopicConfig { key, .. }
                if matches!(key.as_str(), "cleanup.policy" | "retention.ms" | "retention.bytes"))
        });
        by_config || purges || altered
    }
}

#[cfg(test)]
mod tests {
    /// Every queued event and every effect is as large as its largest kind, and each is moved several
    /// times (outbox, queue slot, handler): rare, large payloads are boxed to keep these small.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn events_stay_small() {
        assert!(std::mem::size_of::<super::Event>() <= 80);
        assert!(std::mem::size_of::<crate::ctx::Effect>() <= 80);
        assert!(std::mem::size_of::<crate::msg::Msg>() <= 64);
    }
}
