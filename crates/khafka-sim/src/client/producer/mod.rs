//! A Kafka producer: the workload, the partitioner, the record accumulator and the sender.
//!
//! - **Partitioning** (`KafkaProducer.partition`): an explicit partition wins; a key goes to
//!   `toPositive(murmur2(key)) % numPartitions`; a null key uses the built-in sticky partitioner
//!   (KIP-794), which switches partition after `batch.size` bytes once the partition's last batch
//!   is full (at `2 × batch.size` regardless), to a partition drawn at random: weighted toward
//!   shorter queues once every partition has had a batch and the queues differ
//!   (`partitioner.adaptive.partitioning.enable`), else uniformly among partitions with a leader.
//! - **Batching** (`RecordAccumulator`): records join the partition's open batch until `batch.size`
//!   bytes; a batch is sendable when full or `linger.ms` old. A leader with a sendable batch is
//!   *ready*, and the sender then drains the first batch of **every** partition it leads, lingering
//!   or not (`RecordAccumulator.drainBatchesForOneNode`), except batches backing off a retry, into
//!   one request of at most `max.request.size` bytes; a rotating start partition per broker (Kafka's
//!   drain index) keeps one partition from going first every time. At most
//!   `max.in.flight.requests.per.connection` requests are in flight per broker; with one, a partition
//!   with a batch in flight is muted until it completes, so order holds across leader changes.
//! - **Retries** (`Sender.completeBatch`): retriable errors re-enqueue the batch after
//!   `retry.backoff.ms` until `retries` or `delivery.timeout.ms` run out; errors about leadership
//!   refresh metadata first. A request unanswered after `request.timeout.ms` closes its
//!   connection (`NetworkClient.handleTimedOutRequests`): every request in flight on it fails with
//!   `REQUEST_TIMED_OUT` and metadata is refreshed; a reset connection fails them with
//!   `NETWORK_EXCEPTION`.
//! - **Connections** (`NetworkClient`): a producer sends to a broker only over an established
//!   connection. A new connection's first request is `ApiVersions`; while it is not answered the
//!   batches for that broker wait in the accumulator. A refused or reset connection backs off
//!   `reconnect.backoff.ms`, doubling up to `reconnect.backoff.max.ms` (±20% jitter), and asks for
//!   new metadata; requests in flight on a reset connection fail with `NETWORK_EXCEPTION`. An attempt
//!   unanswered after `socket.connection.setup.timeout.ms` fails the same way. Retries back off
//!   exponentially too (KIP-580): `retry.backoff.ms` doubling up to `retry.backoff.max.ms`, ±20%.
//! - **Idempotence** (KIP-98): a producer id and epoch, sequence numbers per partition assigned when a
//!   batch is first drained and kept across retries. Producer ids are assigned deterministically at
//!   start instead of by `InitProducerId` (stated simplification). Sequences are kept per partition
//!   as Kafka's `TransactionManager` keeps them (KIP-360): a sent batch that expires leaves its
//!   partition's sequences unresolved, and new batches of that partition wait until the batches in
//!   flight complete; if the last acknowledged sequence is then not the last one sent, the producer
//!   bumps its epoch and the partition starts over at sequence 0. A retried batch goes only when it
//!   is its partition's first sequence in flight, and a partition still on an older epoch sends no
//!   new batch until its batches in flight complete. OUT_OF_ORDER_SEQUENCE_NUMBER is retried; it
//!   bumps the epoch when it shows a real gap (`canRetry`). Differences: a batch in a request does not
//!   expire before its answer or `request.timeout.ms` (Kafka expires it at `delivery.timeout.ms`),
//!   and any sent batch that expires makes its partition unresolved (Kafka: one queued for a retry).
//!
//! One Kafka class a file: `app.rs` (the application calling `send()`: the workload),
//! `accumulator.rs` (`RecordAccumulator` and `KafkaProducer.partition`), `sender.rs` (`Sender`),
//! `transaction_manager.rs` (`TransactionManager`'s sequences and epochs), `network_client.rs`
//! (`NetworkClient`'s connections and metadata); this file holds the producer's state and dispatches
//! messages and timers.

mod accumulator;
mod app;
mod network_client;
mod sender;
mod transaction_manager;

use crate::client::backoff::{exponential_backoff_us, MetadataUpdater};
use crate::protocol::{ApiVersions, Metadata, Produce};
pub use accumulator::Batch;
use accumulator::TimeIndex;
pub use network_client::Conn;
pub use sender::{drain_plan, DrainHead, InFlight};

use crate::config::Acks;
use crate::ctx::{CheckTimer, Ctx, Effect, Node, Timer};
use crate::log::RecordId;
use crate::msg::{ErrorCode, Msg, PartIdx, ProduceBatch};
use crate::partitioner::partition_for_key;
use crate::rng::SimRng;
use crate::spec::{BrokerId, KeyDistribution, KeySpec, ProducerSpec};
use crate::trace::{HotEvent, TraceKind};
use crate::vec_map::VecMap;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Arc;

/// Key sets up to this size have their partitions cached (4 bytes a key); larger ones are hashed
/// every time. The cache is shared with checkpoints until written, and a small key set is soon all
/// cached, so checkpoints stop copying it; a large one would be copied at every checkpoint.
const KEY_CACHE_MAX: u64 = 1 << 16;

/// Producer ids of one producer's incarnations are this far apart (ids start at 1000 + index).
pub const PRODUCER_ID_STRIDE: u32 = 100_000;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProducerStats {
    pub sent: u64,
    pub acknowledged: u64,
    pub failed: u64,
    /// Records whose value the serializer refused (`SerializationException` from `send()`).
    #[serde(default)]
    pub serialization_errors: u64,
}

#[derive(Clone, Debug)]
pub struct Producer {
    pub idx: u32,
    /// The producer's name, shared with every trace event that mentions it.
    pub name: Arc<str>,
    pub spec: ProducerSpec,
    pub topic: u32,
    pub first_part: PartIdx,
    /// The partitions of `topic`; the producer's own partition indexes `0..partitions` are
    /// them, and a Kafka Streams producer's changelog partitions follow (`changelog`).
    pub partitions: u32,
    /// A Kafka Streams producer also writes a changelog topic: its first partition and count,
    /// whose partitions are the producer's indexes `partitions..partitions + count`.
    pub changelog: Option<(PartIdx, u32)>,
    /// The process died (`crash streams`): it handles nothing until restarted.
    pub stopped: bool,
    /// Per value phase (`ProducerSpec::value_phases`): a record was serialized with it, so its
    /// schema is registered (the Confluent serializer registers on the first `serialize()`).
    pub phases_used: Vec<bool>,
    /// `flush()` in progress (`RecordAccumulator.beginFlush`): every batch is sendable at once,
    /// lingering or not.
    pub flushing: bool,
    /// How many times the process was started again; an idempotent producer's id grows by
    /// [`PRODUCER_ID_STRIDE`] each time (a new process gets a new id from `InitProducerId`).
    pub incarnation: u32,
    pub idempotent: bool,
    pub producer_id: u32,
    pub producer_epoch: u16,
    rng: SimRng,
    /// Jitter of backoffs (its own stream, so backoffs never shift key or partition choices).
    backoff_rng: SimRng,
    /// Where `leastLoadedNode` starts its scan (Kafka's `NetworkClient.randOffset`).
    node_rng: SimRng,
    /// Connection per broker, indexed by broker id.
    pub conns: Vec<Conn>,
    pub paused: bool,
    pub generated: u64,
    gen_origin_us: u64,
    gen_origin_count: u64,
    pub leaders: Vec<Option<(BrokerId, u32)>>,
    /// How many partitions each broker leads (indexed by broker id), and each partition's position
    /// among its leader's partitions in partition order (`Cluster.partitionsForNode`), rebuilt when
    /// `leaders` changed.
    leader_count: Vec<u32>,
    leader_pos: Vec<u32>,
    leader_index_stale: bool,
    /// Where the next drain of each broker's partitions starts (Kafka's `nodesDrainIndex`).
    drain_index: Vec<u32>,
    metadata: MetadataUpdater,
    pub queues: Vec<VecDeque<Batch>>,
    /// `(time the front batch becomes sendable, partition)` for every non-empty queue, so the sender
    /// finds ready partitions without scanning them all; 0 means sendable already.
    ready: TimeIndex,
    ready_key: Vec<Option<u64>>,
    /// `(delivery deadline of the front batch, partition)` for every non-empty queue.
    deadlines: TimeIndex,
    deadline_key: Vec<Option<u64>>,
    next_sequence: Vec<i32>,
    /// Idempotence, per partition, as Kafka's `TransactionManager` keeps it: the producer epoch the
    /// partition's sequences belong to, the last acknowledged sequence, and how many batches with a
    /// sequence are neither acknowledged nor failed (in a request or queued for a retry).
    part_epoch: Vec<u16>,
    last_acked: Vec<i32>,
    sequenced: Vec<u32>,
    /// Partitions whose sequences are unresolved, with the sequence after the last expired batch: a
    /// batch that was sent expired, so whether the
    /// broker has its sequences is unknown until the partition's other batches complete.
    unresolved: Vec<(u32, i32)>,
    /// Partitions that need an epoch bump and their sequences rewritten from 0.
    bump_partitions: Vec<u32>,
    /// Requests in flight by request id (ids only grow, so inserts append).
    pub in_flight: VecMap<u64, InFlight>,
    /// KIP-794's built-in partitioner: the partition records without a key go to, and the bytes
    /// produced to it since it was picked.
    sticky: Option<(u32, u64)>,
    /// Partitions of the topic that ever had a batch (Kafka's `TopicInfo.batches` entries):
    /// adaptive partitioning starts once every partition has had one.
    batches_seen: Vec<bool>,
    seen_count: u32,
    /// Scratch of [`Producer::next_partition`]: partitions with a leader, their weights.
    load_ids: Vec<u32>,
    load_cft: Vec<u32>,
    wake_at_us: Option<u64>,
    timeout_check: CheckTimer,
    key_cursor: u64,
    key_buf: String,
    /// Partition of each key index seen so far (`u32::MAX`: not computed yet); see
    /// [`Producer::partition_of_key`].
    key_parts: Arc<Vec<u32>>,
    pub stats: ProducerStats,
    /// The sender's wake-ups (its own timer), and those that did nothing (sent no request and
    /// expired no batch): the cost of waking for records not generated yet, which may land where
    /// they make nothing sendable (issue 11 asks for none; `khafka bench` reports both).
    pub sender_wakes: u64,
    pub idle_sender_wakes: u64,
    /// Batches `delivery.timeout.ms` expired from the accumulator (a wake that expires one did
    /// its work).
    expired_batches: u64,
    /// Scratch buffers of the sender loop (always empty between calls).
    scratch_in_flight: Vec<u32>,
    scratch_selected: Vec<(BrokerId, u32)>,
    scratch_nodes: Vec<BrokerId>,
    scratch_cands: Vec<(u32, u32)>,
    scratch_muted: Vec<u32>,
}

impl Producer {
    pub fn new(
        idx: u32,
        spec: ProducerSpec,
        topic: u32,
        first_part: PartIdx,
        partitions: u32,
        seed: u64,
    ) -> Self {
        let idempotent = spec.config.idempotence().unwrap_or(false);
        // The topic's partitions, then the changelog's (set by `with_changelog`).
        let local = partitions;
        let rng = SimRng::derive(seed, &format!("producer/{}", spec.name));
        let backoff_rng = SimRng::derive(seed, &format!("producer/{}/backoff", spec.name));
        let node_rng = SimRng::derive(seed, &format!("producer/{}/least-loaded-node", spec.name));
        Producer {
            idx,
            name: spec.name.as_str().into(),
            topic,
            first_part,
            partitions,
            changelog: None,
            stopped: false,
            phases_used: vec![false; spec.value_phases.len()],
            flushing: false,
            incarnation: 0,
            idempotent,
            producer_id: if idempotent { 1_000 + idx } else { 0 },
            producer_epoch: 0,
            rng,
            backoff_rng,
            node_rng,
            conns: Vec::new(),
            paused: false,
            generated: 0,
            gen_origin_us: spec.start.as_us(),
            gen_origin_count: 0,
            leaders: vec![None; local as usize],
            leader_count: Vec::new(),
            leader_pos: Vec::new(),
            leader_index_stale: true,
            drain_index: Vec::new(),
            metadata: MetadataUpdater::new(
                local as usize,
                network_client::request_times(&spec.config),
            ),
            queues: vec![VecDeque::new(); local as usize],
            ready: TimeIndex::default(),
            ready_key: vec![None; local as usize],
            deadlines: TimeIndex::default(),
            deadline_key: vec![None; local as usize],
            next_sequence: vec![0; local as usize],
            part_epoch: vec![0; local as usize],
            last_acked: vec![-1; local as usize],
            sequenced: vec![0; local as usize],
            unresolved: Vec::new(),
            bump_partitions: Vec::new(),
            in_flight: VecMap::new(),
            sticky: None,
            batches_seen: vec![false; partitions as usize],
            seen_count: 0,
            load_cft: Vec::new(),
            load_ids: Vec::new(),
            wake_at_us: None,
            timeout_check: CheckTimer::default(),
            key_cursor: 0,
            key_buf: String::new(),
            key_parts: Arc::default(),
            stats: ProducerStats::default(),
            sender_wakes: 0,
            idle_sender_wakes: 0,
            expired_batches: 0,
            scratch_in_flight: Vec::new(),
            scratch_selected: Vec::new(),
            scratch_nodes: Vec::new(),
            scratch_cands: Vec::new(),
            scratch_muted: Vec::new(),
            spec,
        }
    }

    /// A Kafka Streams producer: it also writes `count` partitions of a changelog topic from
    /// `first_part` on. Call it before the run starts.
    pub fn with_changelog(mut self, first_part: PartIdx, count: u32) -> Self {
        let n = (self.partitions + count) as usize;
        self.changelog = Some((first_part, count));
        self.leaders = vec![None; n];
        self.metadata.resize(n);
        self.queues = vec![VecDeque::new(); n];
        self.ready_key = vec![None; n];
        self.deadline_key = vec![None; n];
        self.next_sequence = vec![0; n];
        self.part_epoch = vec![0; n];
        self.last_acked = vec![-1; n];
        self.sequenced = vec![0; n];
        self
    }

    /// KIP-951 (`Metadata.updatePartitionLeadership`, from `Sender.handleProduceResponse`): a
    /// `NOT_LEADER_OR_FOLLOWER` answer names the partition's leader as the broker knows it; the
    /// producer takes it at once when its epoch is newer than the one it knows and the broker is
    /// one it knows or the answer's endpoints hold (an alive leader), without waiting for the
    /// metadata request it still sends. A retry waiting for that partition then skips its backoff.
    fn update_partition_leadership(&mut self, results: &[crate::protocol::PartitionResponse]) {
        for r in results {
            let (ErrorCode::NotLeaderOrFollower, Some(cl)) = (r.error, r.current_leader) else {
                continue;
            };
            let Some(i) = self.local_part(r.part) else {
                continue;
            };
            let i = i as usize;
            if !self.metadata.leader_hint(i, self.leaders[i], cl) {
                continue;
            }
            self.leaders[i] = Some((cl.leader, cl.leader_epoch));
            self.leader_index_stale = true;
            self.refresh(i as u32);
        }
    }

    /// How many partitions the producer writes (its topic's, and a changelog's).
    pub fn local_partitions(&self) -> u32 {
        self.partitions + self.changelog.map_or(0, |c| c.1)
    }

    /// The oldest batch neither acknowledged nor failed, `(created µs, cluster partition)`: in a
    /// request, or at the front of its partition's queue (a queue's front is its oldest: retries
    /// go back ahead of the batches not sent yet).
    pub fn oldest_pending(&self) -> Option<(u64, PartIdx)> {
        if self.stopped {
            return None; // a crashed process sends nothing more: its records are not waiting
        }
        let queued = self.queues.iter().filter_map(|q| q.front());
        let sent = self.in_flight.values().flat_map(|f| f.batches.iter());
        queued
            .chain(sent)
            .map(|b| (b.created_us, self.global_part(b.partition)))
            .min()
    }

    /// The cluster's index of the producer's partition `local`.
    pub fn global_part(&self, local: u32) -> PartIdx {
        match self.changelog {
            Some((first, _)) if local >= self.partitions => first + (local - self.partitions),
            _ => self.first_part + local,
        }
    }

    /// The producer's index of the cluster's partition `part`, if it writes it.
    pub fn local_part(&self, part: PartIdx) -> Option<u32> {
        if part >= self.first_part && part < self.first_part + self.partitions {
            return Some(part - self.first_part);
        }
        match self.changelog {
            Some((first, n)) if part >= first && part < first + n => {
                Some(self.partitions + (part - first))
            }
            _ => None,
        }
    }

    /// Nothing queued and nothing in flight: `flush()` would return.
    pub fn idle(&self) -> bool {
        self.in_flight.is_empty() && self.queues.iter().all(|q| q.is_empty())
    }

    /// `flush()`: every queued batch becomes sendable now; [`Producer::idle`] says when it is
    /// done, and [`Producer::end_flush`] ends it.
    pub fn begin_flush(&mut self, ctx: &mut Ctx) {
        if !self.flushing {
            self.flushing = true;
            for p in 0..self.local_partitions() {
                if !self.queues[p as usize].is_empty() {
                    self.refresh(p);
                }
            }
        }
        self.drain(ctx);
    }

    /// The flush returned: batches linger again.
    pub fn end_flush(&mut self) {
        self.flushing = false;
    }

    /// The process dies: what it had not sent is gone; answers to what it sent are ignored.
    pub fn crash(&mut self) {
        self.stopped = true;
    }

    fn part_name(&self, ctx: &Ctx, partition: u32) -> Arc<str> {
        ctx.topo.part_name(self.global_part(partition))
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        if self.stopped {
            return;
        }
        match timer {
            Timer::SenderWake { at_us } if self.wake_at_us == Some(at_us) => {
                self.wake_at_us = None;
                let sends = |out: &[Effect]| {
                    out.iter()
                        .filter(|e| matches!(e, Effect::Send { .. }))
                        .count()
                };
                let before = (sends(ctx.out), self.expired_batches);
                self.drain(ctx);
                self.sender_wakes += 1;
                if (sends(ctx.out), self.expired_batches) == before {
                    self.idle_sender_wakes += 1;
                }
            }
            // The metadata request timed out: its node is disconnected like any other's.
            Timer::RequestTimeout { req_id } => {
                if let Some(b) = self.metadata.sent_to(req_id) {
                    self.disconnect_timed_out(ctx, b);
                    self.drain(ctx);
                } else if self.with_metadata(ctx, &mut |m, ctx, c| m.on_timeout(ctx, c, req_id)) {
                    // The metadata request's backoff is over: sent.
                } else if let Some(b) = self.conns.iter().position(|c| c.connecting == Some(req_id))
                {
                    // A connection attempt that got no answer in time.
                    self.connection_failed(ctx, b as BrokerId);
                    self.drain(ctx);
                }
            }
            Timer::MetadataMaxAge => {
                self.with_metadata(ctx, &mut |m, ctx, c| {
                    m.on_max_age(ctx, c);
                    true
                });
            }
            Timer::ProduceWritten { req_id } => self.on_produce_written(ctx, req_id),
            Timer::RequestTimeoutCheck { at_us } if self.timeout_check.fire(at_us) => {
                let now = ctx.now.as_us();
                let timeout_us = crate::time::ms_to_us(self.spec.config.request_timeout_ms);
                let mut nodes: Vec<BrokerId> = self
                    .in_flight
                    .values()
                    .filter(|f| f.sent_us.saturating_add(timeout_us) <= now)
                    .map(|f| f.broker)
                    .collect();
                crate::kernel::small::sort_small(&mut nodes);
                nodes.dedup();
                for b in nodes {
                    self.disconnect_timed_out(ctx, b);
                }
                if let Some(next) = self
                    .in_flight
                    .values()
                    .map(|f| f.sent_us.saturating_add(timeout_us))
                    .min()
                {
                    self.timeout_check
                        .arm(ctx, next, |at_us| Timer::RequestTimeoutCheck { at_us });
                }
                self.drain(ctx);
            }
            _ => {}
        }
    }

    /// An `acks=0` request's last byte left: its batches complete (offset -1). Nothing fails
    /// such a request meanwhile: it arms no request timeout, a `Disconnect` answers only a
    /// request that arrived, after it was written, and a closed connection leaves it be (see
    /// `drain`).
    #[inline(never)]
    fn on_produce_written(&mut self, ctx: &mut Ctx, req_id: u64) {
        if let Some(f) = self.in_flight.remove(&req_id) {
            for b in f.batches {
                self.complete(ctx, b, None, f.sent_us);
            }
            self.drain(ctx);
        }
    }

    pub fn on_msg(&mut self, ctx: &mut Ctx, from: Node, msg: Msg) {
        if self.stopped {
            return;
        }
        let from_broker = match from {
            Node::Broker(b) => Some(b),
            _ => None,
        };
        // Any answer from a broker means the connection to it works (a connection attempt is
        // settled only by its own `ApiVersions` answer). A connection that comes back this way
        // drains even when the answer itself is stale: the sender does not wake for batches that
        // wait on a connection in backoff (see `drain`).
        let mut came_up = false;
        if let Some(c) = from_broker.and_then(|b| self.conns.get_mut(b as usize)) {
            let settles = match msg {
                Msg::Disconnect { .. } | Msg::ConnectionClosed => false,
                Msg::ApiVersions(ApiVersions::Response { req_id }) => {
                    c.connecting.is_none_or(|r| r == req_id)
                }
                _ => c.connecting.is_none(),
            };
            if settles {
                came_up = !c.up;
                *c = Conn {
                    up: true,
                    ..Conn::default()
                };
            }
        }
        match msg {
            Msg::ApiVersions(ApiVersions::Response { .. }) => self.drain(ctx),
            Msg::Metadata(Metadata::Response {
                req_id,
                partitions,
                brokers,
            }) => {
                if !self.metadata.take_answer(req_id) {
                    if came_up {
                        self.drain(ctx);
                    }
                    return;
                }
                self.metadata.learn_brokers(brokers);
                let mut missing = false;
                let mut progressed = false;
                for (part, leader, epoch) in partitions {
                    let Some(i) = self.local_part(part) else {
                        continue;
                    };
                    let i = i as usize;
                    if self.metadata.accept(i, epoch, &mut progressed) {
                        let new = leader.map(|l| (l, epoch));
                        if self.leaders[i] != new {
                            self.leaders[i] = new;
                            self.leader_index_stale = true;
                            // A retry waiting for this partition's new leader may go at once.
                            self.refresh(i as u32);
                        }
                    }
                    missing |= self.leaders[i].is_none();
                }
                self.metadata.answered(ctx, progressed);
                if missing {
                    // Ask again (from another broker) until every partition has a leader.
                    self.request_metadata(ctx);
                }
                self.drain(ctx);
            }
            Msg::Produce(Produce::Response { req_id, results }) => {
                let Some(f) = self.in_flight.remove(&req_id) else {
                    if came_up {
                        self.drain(ctx);
                    }
                    return;
                };
                for b in f.batches {
                    let part = self.global_part(b.partition);
                    let (err, off) = results
                        .iter()
                        .find(|r| r.part == part)
                        .map(|r| (r.error, r.base_offset))
                        .unwrap_or((ErrorCode::NetworkException, None));
                    match err {
                        ErrorCode::None => self.complete(ctx, b, off, f.sent_us),
                        // The broker already has this batch but no longer remembers its offset
                        // (`Sender.completeBatch`; brokers of today never answer it, see
                        // `broker/produce.rs`).
                        ErrorCode::DuplicateSequenceNumber => {
                            self.complete(ctx, b, None, f.sent_us)
                        }
                        e => self.retry_or_fail(ctx, b, e),
                    }
                }
                self.update_partition_leadership(&results);
                ctx.pools.produce_results.give(results);
                self.drain(ctx);
            }
            Msg::ConnectionClosed => {
                // NetworkClient.handleDisconnections: the node is marked disconnected (reconnect
                // backoff), metadata is refreshed, and the requests in flight on it fail, except
                // `acks=0` ones being written, which complete when written (see `drain`).
                let Some(b) = from_broker else { return };
                if !self.conns.get(b as usize).is_some_and(|c| c.up) {
                    return;
                }
                self.connection_failed(ctx, b);
                if self.spec.config.acks != Acks::Zero {
                    for f in self.take_in_flight_to(b) {
                        self.fail_request(ctx, f, ErrorCode::NetworkException);
                    }
                }
                self.drain(ctx);
            }
            Msg::Disconnect { req_id } => {
                if self.with_metadata(ctx, &mut |m, ctx, c| m.on_disconnect(ctx, c, req_id)) {
                    return;
                }
                // The connection to the broker is gone (refused, or reset by a crash).
                if let Some(b) = from_broker {
                    let was_open = self.conns.get(b as usize).is_some_and(|c| c.up);
                    let attempt = self.conns.get(b as usize).and_then(|c| c.connecting);
                    if was_open || attempt == Some(req_id) {
                        self.connection_failed(ctx, b);
                    }
                }
                if let Some(f) = self.in_flight.remove(&req_id) {
                    self.fail_request(ctx, f, ErrorCode::NetworkException);
                }
                self.drain(ctx);
            }
            _ if came_up => self.drain(ctx),
            _ => {}
        }
    }
}
