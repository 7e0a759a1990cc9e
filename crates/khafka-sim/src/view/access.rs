//! What the site and the CLI read of a simulation besides pictures and outcomes: the topology,
//! the controller's view of each partition, metrics, trace events, network isolation and run
//! counters. Views go through these (and the rest of `view/`), never through the engine's fields;
//! the `tidy` test keeps the site and the CLI to that.

use crate::config::topology::Topology;
use crate::metrics::Metrics;
use crate::msg::{PartIdx, PartitionState};
use crate::sim::Sim;
use crate::spec::NodeRef;
use crate::trace::TraceEvent;

impl Sim {
    /// Topics, partitions, replica assignments and the cluster's configuration.
    pub fn topology(&self) -> &Topology {
        &self.topo
    }

    /// The controller's committed state of partition `part` (leader, epochs, ISR, ELR).
    pub fn partition_state(&self, part: PartIdx) -> &PartitionState {
        &self.controller.parts[part as usize]
    }

    /// The sampled metrics (JMX names), one point per `metrics_interval_us`.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The notable events so far (faults, elections, ISR changes, errors…), in order.
    pub fn notable_events(&self) -> impl ExactSizeIterator<Item = &TraceEvent> + '_ {
        NotableIter { sim: self, next: 0 }
    }

    /// Every event, when the run keeps its trace (`SimOptions::keep_trace`); empty otherwise.
    pub fn trace_events(&self) -> &[TraceEvent] {
        self.trace.events.as_deref().unwrap_or(&[])
    }

    /// Events the engine processed so far.
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    /// Counts events by kind from now on (`deliver Fetch to Broker(1)`, `timer SenderWake at …`),
    /// for profiling.
    pub fn count_event_kinds(&mut self) {
        self.count_kinds = true;
    }

    /// Events processed by kind since [`Sim::count_event_kinds`].
    pub fn events_by_kind(&self) -> &std::collections::BTreeMap<String, u64> {
        &self.events_by_kind
    }

    /// Records the producers sent so far.
    pub fn records_sent(&self) -> u64 {
        self.prov.len() as u64
    }

    /// Nodes cut off from every other node by `isolate`.
    pub fn isolated_nodes(&self) -> &[NodeRef] {
        &self.net.isolated
    }

    /// The network partitions in force: each a list of groups, and whether it cuts one way only.
    pub fn network_partitions(&self) -> &[(Vec<Vec<NodeRef>>, bool)] {
        &self.net.partitions
    }
}

/// [`Sim::notable_events`]: the notable table read by index (it shares storage between clones).
struct NotableIter<'a> {
    sim: &'a Sim,
    next: usize,
}

impl<'a> Iterator for NotableIter<'a> {
    type Item = &'a TraceEvent;

    fn next(&mut self) -> Option<&'a TraceEvent> {
        let e = self.sim.trace.notable.get(self.next)?;
        self.next += 1;
        Some(e)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.sim.trace.notable.len() - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for NotableIter<'_> {}
