//! What the site and the CLI read of a simulation besides pictures and outcomes: the topology,
//! the controller's view of each partition, metrics, trace events, network isolation and run
//! counters. Views go through these (and the rest of `view/`), never through the engine's fields;
//! the `tidy` test keeps the site and the CLI to that.

use crate::config::topology::Topology;
use crate::consumer::Consumer;
use crate::log::{BatchStore, Log};
use crate::metrics::Metrics;
use crate::msg::{PartIdx, PartitionState};
use crate::provenance::Provenance;
use crate::sim::Sim;
use crate::spec::{BrokerId, NodeRef};
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

    /// The longest a message has waited for a link with a bandwidth to be free (µs).
    pub fn longest_link_wait_us(&self) -> u64 {
        self.net.longest_wait_us()
    }

    /// The sampled metrics (JMX names), one point per `metrics_interval_us`.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The notable events so far (faults, elections, ISR changes, errors…), in order.
    pub fn notable_events(&self) -> impl ExactSizeIterator<Item = &TraceEvent> + '_ {
        NotableIter { sim: self, next: 0 }
    }

    /// The notable events at or after `t`, in order.
    pub fn notable_events_from(
        &self,
        t: crate::SimTime,
    ) -> impl ExactSizeIterator<Item = &TraceEvent> + '_ {
        let n = &self.trace.notable;
        let (mut lo, mut hi) = (0, n.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if n.get(mid).expect("in range").time < t {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        NotableIter {
            sim: self,
            next: lo,
        }
    }

    /// The records a Kafka Streams join result `id` joined: `(stream record, table or other
    /// stream's record)`, `None` for a null side; `None` when `id` is no join result.
    pub fn join_of(
        &self,
        id: crate::log::RecordId,
    ) -> Option<(crate::log::RecordId, Option<crate::log::RecordId>)> {
        #[cfg(feature = "groups")]
        return self
            .streams_values
            .joined
            .find_sorted(id)
            .map(|j| (j.stream, j.table));
        #[cfg(not(feature = "groups"))]
        {
            let _ = id;
            None
        }
    }

    /// Every event, when the run keeps its trace (`SimOptions::keep_trace`); empty otherwise.
    pub fn trace_events(&self) -> &[TraceEvent] {
        self.trace.events.as_deref().unwrap_or(&[])
    }

    /// Events the engine processed so far.
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    /// Partitions read so far, to fetch and in periodic checks ([`crate::budget::MAX_FETCH_READS`]).
    pub fn fetch_reads(&self) -> u64 {
        self.fetch_reads
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

    /// The producers' sender wake-ups so far, and how many of them sent nothing.
    pub fn sender_wakes(&self) -> (u64, u64) {
        self.producers.iter().fold((0, 0), |(w, i), p| {
            (w + p.sender_wakes, i + p.idle_sender_wakes)
        })
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

    /// The oldest record the producers sent and have neither acknowledged nor failed: when its
    /// batch was created and its partition. `None` when nothing waits.
    pub fn oldest_pending(&self) -> Option<(crate::SimTime, PartIdx)> {
        self.producers
            .iter()
            .filter_map(|p| p.oldest_pending())
            .min()
            .map(|(us, p)| (crate::SimTime(us), p))
    }

    /// Whether broker `id` (from 1) exists and its process is running.
    pub fn broker_running(&self, id: BrokerId) -> bool {
        (id as usize)
            .checked_sub(1)
            .and_then(|i| self.brokers.get(i))
            .is_some_and(|b| b.is_running())
    }

    /// Broker `id`'s log of partition `part`, if it holds a replica of it.
    pub fn replica_log(&self, id: BrokerId, part: PartIdx) -> Option<&Log> {
        let b = self.brokers.get((id as usize).checked_sub(1)?)?;
        b.replicas.get(&part).map(|r| &r.log)
    }

    /// The batches the logs refer to (to read a log's records: [`Log::records`]).
    pub fn batch_store(&self) -> &BatchStore {
        &self.batches
    }

    /// Every record's and producer batch's story so far.
    pub fn provenance(&self) -> &Provenance {
        &self.prov
    }

    /// The consumers, in the scenario's order.
    pub fn consumers(&self) -> &[Consumer] {
        &self.consumers
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
