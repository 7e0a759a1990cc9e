//! A Kafka producer: the workload, the partitioner, the record accumulator and the sender.
//!
//! - **Partitioning** (`KafkaProducer.partition`): an explicit partition wins; a key goes to
//!   `toPositive(murmur2(key)) % numPartitions`; a null key uses the built-in sticky partitioner
//!   (KIP-794), which switches partition after `batch.size` bytes. Kafka weights the next sticky
//!   partition by broker queue sizes; the simulator picks uniformly among partitions with a leader
//!   (stated simplification).
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
//!   refresh metadata first. A request unanswered after `request.timeout.ms` fails with
//!   `REQUEST_TIMED_OUT`; a reset connection with `NETWORK_EXCEPTION`.
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

use crate::config::Acks;
use crate::ctx::{CheckTimer, Ctx, Node, Timer};
use crate::log::RecordId;
use crate::msg::{ErrorCode, Msg, PartIdx, ProduceBatch};
use crate::partitioner::partition_for_key;
use crate::provenance::RecordInfo;
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

/// The producer's connection to one broker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Conn {
    /// Established: an answer came back since the last failure.
    pub up: bool,
    /// The `ApiVersions` request of a connection attempt in flight, if any.
    pub connecting: Option<u64>,
    /// Consecutive failed attempts (for the exponential backoff).
    pub failures: u32,
    /// No new attempt before this instant (µs).
    pub backoff_until_us: u64,
}

/// `(time, partition)` pairs in order, for the few partitions with queued batches: a sorted vector,
/// cheaper than a `BTreeSet` for a handful of entries changed once or twice per batch.
#[derive(Clone, Debug, Default)]
struct TimeIndex {
    entries: Vec<(u64, u32)>,
}

impl TimeIndex {
    fn insert(&mut self, e: (u64, u32)) {
        let i = self.entries.partition_point(|x| *x < e);
        if self.entries.get(i) != Some(&e) {
            self.entries.insert(i, e);
        }
    }

    fn remove(&mut self, e: &(u64, u32)) {
        if let Ok(i) = self.entries.binary_search(e) {
            self.entries.remove(i);
        }
    }

    fn first(&self) -> Option<&(u64, u32)> {
        self.entries.first()
    }

    fn iter(&self) -> std::slice::Iter<'_, (u64, u32)> {
        self.entries.iter()
    }

    /// Entries with a time at or before `t`.
    fn up_to(&self, t: u64) -> std::slice::Iter<'_, (u64, u32)> {
        let end = self.entries.partition_point(|x| x.0 <= t);
        self.entries[..end].iter()
    }

    /// The earliest time after `t`.
    fn first_after(&self, t: u64) -> Option<u64> {
        let i = self.entries.partition_point(|x| x.0 <= t);
        self.entries.get(i).map(|x| x.0)
    }
}

/// Moves partition `p` in a `(time, partition)` index from the time in `slot` to `new`.
fn reindex(index: &mut TimeIndex, slot: &mut Option<u64>, new: Option<u64>, p: u32) {
    if *slot == new {
        return;
    }
    if let Some(old) = *slot {
        index.remove(&(old, p));
    }
    if let Some(t) = new {
        index.insert((t, p));
    }
    *slot = new;
}

/// `base × 2^n` capped at `max`, times a jitter of ±20% (Kafka's `ExponentialBackoff`), in µs.
fn exponential_backoff_us(rng: &mut SimRng, base_ms: u64, n: u32, max_ms: u64) -> u64 {
    let ms = base_ms
        .saturating_mul(1u64 << n.min(30))
        .min(max_ms.max(base_ms));
    // Integer jitter: 800..=1200 per mille.
    ms.saturating_mul(800 + rng.below(401)) // ms × per mille = µs
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Batch {
    /// Partition number within the topic.
    pub partition: u32,
    pub records: Vec<RecordId>,
    pub bytes: u64,
    pub created_us: u64,
    pub base_sequence: Option<i32>,
    /// Producer epoch the sequence belongs to.
    pub producer_epoch: u16,
    pub attempts: u32,
    pub retry_at_us: u64,
    /// True once drained at least once (no more records may join).
    pub sealed: bool,
    /// Its sequence was rewritten by an epoch bump (`ProducerBatch.sequenceHasBeenReset`).
    pub sequence_reset: bool,
    pub first_sent_us: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InFlight {
    pub broker: BrokerId,
    pub batches: Vec<Batch>,
    pub sent_us: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProducerStats {
    pub sent: u64,
    pub acknowledged: u64,
    pub failed: u64,
}

#[derive(Clone, Debug)]
pub struct Producer {
    pub idx: u32,
    /// The producer's name, shared with every trace event that mentions it.
    pub name: Arc<str>,
    pub spec: ProducerSpec,
    pub topic: u32,
    pub first_part: PartIdx,
    pub partitions: u32,
    pub idempotent: bool,
    pub producer_id: u32,
    pub producer_epoch: u16,
    rng: SimRng,
    /// Jitter of backoffs (its own stream, so backoffs never shift key or partition choices).
    backoff_rng: SimRng,
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
    metadata_in_flight: Option<u64>,
    metadata_next_broker: u32,
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
    sticky: Option<(u32, u64)>,
    wake_at_us: Option<u64>,
    timeout_check: CheckTimer,
    key_cursor: u64,
    key_buf: String,
    /// Partition of each key index seen so far (`u32::MAX`: not computed yet); see
    /// [`Producer::partition_of_key`].
    key_parts: Arc<Vec<u32>>,
    pub stats: ProducerStats,
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
        let rng = SimRng::derive(seed, &format!("producer/{}", spec.name));
        let backoff_rng = SimRng::derive(seed, &format!("producer/{}/backoff", spec.name));
        Producer {
            idx,
            name: spec.name.as_str().into(),
            topic,
            first_part,
            partitions,
            idempotent,
            producer_id: if idempotent { 1_000 + idx } else { 0 },
            producer_epoch: 0,
            rng,
            backoff_rng,
            conns: Vec::new(),
            paused: false,
            generated: 0,
            gen_origin_us: spec.start.as_us(),
            gen_origin_count: 0,
            leaders: vec![None; partitions as usize],
            leader_count: Vec::new(),
            leader_pos: Vec::new(),
            leader_index_stale: true,
            drain_index: Vec::new(),
            metadata_in_flight: None,
            metadata_next_broker: idx,
            queues: vec![VecDeque::new(); partitions as usize],
            ready: TimeIndex::default(),
            ready_key: vec![None; partitions as usize],
            deadlines: TimeIndex::default(),
            deadline_key: vec![None; partitions as usize],
            next_sequence: vec![0; partitions as usize],
            part_epoch: vec![0; partitions as usize],
            last_acked: vec![-1; partitions as usize],
            sequenced: vec![0; partitions as usize],
            unresolved: Vec::new(),
            bump_partitions: Vec::new(),
            in_flight: VecMap::new(),
            sticky: None,
            wake_at_us: None,
            timeout_check: CheckTimer::default(),
            key_cursor: 0,
            key_buf: String::new(),
            key_parts: Arc::default(),
            stats: ProducerStats::default(),
            scratch_in_flight: Vec::new(),
            scratch_selected: Vec::new(),
            scratch_nodes: Vec::new(),
            scratch_cands: Vec::new(),
            scratch_muted: Vec::new(),
            spec,
        }
    }

    fn part_name(&self, ctx: &Ctx, partition: u32) -> Arc<str> {
        ctx.topo.part_name(self.first_part + partition)
    }

    pub fn start(&mut self, ctx: &mut Ctx) {
        self.request_metadata(ctx);
        // Nothing to send yet: this arms the sender for the first batch the workload will make.
        self.drain(ctx);
    }

    /// Stops the workload (records due until now must have been generated: see
    /// [`Producer::generate_next`]).
    pub fn pause(&mut self) {
        self.paused = true;
    }

    pub fn resume(&mut self, ctx: &mut Ctx) {
        if self.paused {
            self.paused = false;
            self.gen_origin_us = ctx.now.as_us();
            self.gen_origin_count = self.generated;
            self.drain(ctx);
        }
    }

    /// When the application sends the `n`-th record (counting from 0), ignoring limits.
    fn interval_due_us(&self, n: u64) -> u64 {
        // n-th record after the origin, at rate_per_ks records per 1000 s (= 1e9 µs).
        let k = n - self.gen_origin_count;
        let rate = self.spec.rate_per_ks;
        // 64-bit division while `k * 1e9` fits (k below 1.8e10), 128-bit beyond.
        let offset = match k.checked_mul(1_000_000_000) {
            Some(x) => x / rate,
            None => (k as u128 * 1_000_000_000u128 / rate as u128) as u64,
        };
        self.gen_origin_us.saturating_add(offset)
    }

    /// When the application sends its `n`-th record, or `None` if the workload ends (or is paused)
    /// before it: `count` records in all, none at or after `stop`.
    fn due_us(&self, n: u64) -> Option<u64> {
        if self.paused || self.spec.rate_per_ks == 0 || self.spec.count.is_some_and(|c| n >= c) {
            return None;
        }
        let due = self.interval_due_us(n);
        self.spec
            .stop
            .is_none_or(|s| due < s.as_us())
            .then_some(due)
    }

    /// When the application sends its next record (`None`: no more records until a resume).
    pub fn next_due_us(&self) -> Option<u64> {
        self.due_us(self.generated)
    }

    /// Hands the producer the application's next record, stamped with the instant it was sent.
    ///
    /// Records are generated lazily, not by a timer per record or per tick: the engine generates
    /// every record due by the current instant, all producers merged by send time, before any
    /// producer handles an event, before faults that pause or resume one, at metrics samples and at
    /// the end of every `Sim::run_until` (see `Sim::generate_due`). A producer's state changes only
    /// in its own events, each preceded by that catch-up (its start is not, but it only asks for
    /// metadata and arms the sender),
    /// so a record generated late finds the producer exactly as it was when the record was due; and
    /// record ids follow the merged order, the same wherever a run is stopped to be observed. The sender wakes for the batches these records will make (see
    /// [`Producer::generation_wake_us`]).
    pub fn generate_next(&mut self, ctx: &mut Ctx) {
        if let Some(due) = self.next_due_us() {
            self.generate(ctx, due);
        }
    }

    /// The earliest instant a record not generated yet could make a batch sendable: the next
    /// record's send time plus `linger.ms` (a batch it starts), or the send time of the first record
    /// that could fill a batch (`batch.size`) or start a second batch behind a sent one, whichever is
    /// earlier. Computed from the queues as they are now, which only the arriving records change
    /// until the producer's next event.
    fn generation_wake_us(&self) -> Option<u64> {
        let next = self.next_due_us()?;
        let size = (self.spec.record_size as u64).max(1);
        let batch_size = self.spec.config.batch_size as u64;
        // Records needed to fill the fullest open batch (a new one starts empty); one if a record
        // could start a second batch behind a sent one.
        let mut fullest = 0;
        for &(_, p) in self.ready.iter() {
            match self.queues[p as usize].back() {
                Some(b) if b.sealed => fullest = batch_size,
                Some(b) => fullest = fullest.max(b.bytes),
                None => {}
            }
        }
        let fill = batch_size.saturating_sub(fullest).div_ceil(size).max(1);
        // A batch the next record starts is sendable after linger.ms, and expires after
        // delivery.timeout.ms if that is shorter.
        let cfg = &self.spec.config;
        let linger = next.saturating_add(crate::time::ms_to_us(
            cfg.linger_ms.min(cfg.delivery_timeout_ms),
        ));
        Some(match self.due_us(self.generated + fill - 1) {
            Some(filled) => filled.min(linger),
            None => linger,
        })
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        match timer {
            Timer::SenderWake { at_us } if self.wake_at_us == Some(at_us) => {
                self.wake_at_us = None;
                self.drain(ctx);
            }
            Timer::RequestTimeout { req_id } if self.metadata_in_flight == Some(req_id) => {
                self.metadata_in_flight = None;
                self.request_metadata(ctx);
            }
            Timer::RequestTimeout { req_id } => {
                // A connection attempt that got no answer in time.
                if let Some(b) = self.conns.iter().position(|c| c.connecting == Some(req_id)) {
                    self.connection_failed(ctx, b as BrokerId);
                    self.drain(ctx);
                }
            }
            Timer::RequestTimeoutCheck { at_us } if self.timeout_check.fire(at_us) => {
                let now = ctx.now.as_us();
                let timeout_us = crate::time::ms_to_us(self.spec.config.request_timeout_ms);
                let expired: Vec<u64> = self
                    .in_flight
                    .iter()
                    .filter(|(_, f)| f.sent_us.saturating_add(timeout_us) <= now)
                    .map(|(id, _)| *id)
                    .collect();
                for id in expired {
                    let f = self.in_flight.remove(&id).expect("listed above");
                    self.fail_request(ctx, f, ErrorCode::RequestTimedOut);
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

    fn key_count(&self) -> u64 {
        match &self.spec.keys {
            KeySpec::None => 0,
            KeySpec::Range { lo, hi, .. } => hi - lo + 1,
            KeySpec::List(keys) => keys.len() as u64,
        }
    }

    /// Draws the next key's index in the key set (`None` for null keys).
    fn pick_key(&mut self) -> Option<u32> {
        let len = self.key_count();
        if len == 0 {
            return None;
        }
        let i = match self.spec.key_distribution {
            KeyDistribution::Uniform => self.rng.below(len),
            KeyDistribution::Sequential => {
                let i = self.key_cursor % len;
                self.key_cursor += 1;
                i
            }
        };
        Some(i as u32)
    }

    /// The serialized key (UTF-8 bytes, as Kafka's `StringSerializer` writes it) for key `i`.
    fn key_bytes(&mut self, i: u32) -> &[u8] {
        self.key_buf.clear();
        match &self.spec.keys {
            KeySpec::None => {}
            KeySpec::Range { prefix, lo, .. } => {
                self.key_buf.push_str(prefix);
                push_decimal(&mut self.key_buf, lo + i as u64);
            }
            KeySpec::List(keys) => self.key_buf.push_str(&keys[i as usize]),
        }
        self.key_buf.as_bytes()
    }

    /// Adds a record the application sent at `sent_us` (now or earlier: see [`Producer::generate_next`]).
    fn generate(&mut self, ctx: &mut Ctx, sent_us: u64) {
        self.generated += 1;
        let key = self.pick_key();
        let size = self.spec.record_size as u64;
        let partition = if let Some(p) = self.spec.partition {
            p
        } else if let (Some(k), false) = (key, self.spec.config.partitioner_ignore_keys) {
            self.partition_of_key(k)
        } else {
            self.sticky_partition(size)
        };
        let id = ctx.prov.push(RecordInfo::new(
            self.idx,
            self.first_part + partition,
            key,
            self.spec.config.acks == Acks::All,
            sent_us,
        ));
        self.stats.sent += 1;
        let batch_size = self.spec.config.batch_size as u64;
        let q = &mut self.queues[partition as usize];
        // Whether the queue's sendability changed: a new batch, or a batch that became full (a
        // record joining a batch that is not full changes nothing the sender indexes).
        let changed = match q.back_mut() {
            Some(b) if !b.sealed && b.bytes + size <= batch_size.max(size) => {
                b.records.push(id);
                b.bytes += size;
                b.bytes >= batch_size
            }
            _ => {
                q.push_back(Batch {
                    partition,
                    records: {
                        // A vector a completed batch returned: allocating one per batch was a
                        // tenth of generate.
                        let mut records = ctx.pools.record_ids.take();
                        records.push(id);
                        records
                    },
                    bytes: size,
                    created_us: sent_us,
                    base_sequence: None,
                    producer_epoch: 0,
                    attempts: 0,
                    retry_at_us: 0,
                    sealed: false,
                    sequence_reset: false,
                    first_sent_us: None,
                });
                true
            }
        };
        if changed {
            self.refresh(partition);
        }
    }

    /// The partition Kafka's default partitioner picks for key `k` (murmur2 of its bytes), cached per
    /// key: formatting and hashing the key was a fifth of generating a record. The cache is shared
    /// with checkpoints until written (`Arc::make_mut`).
    fn partition_of_key(&mut self, k: u32) -> u32 {
        if let Some(&p) = self.key_parts.get(k as usize) {
            if p != u32::MAX {
                return p;
            }
        }
        let n = self.partitions;
        let p = partition_for_key(self.key_bytes(k), n);
        let keys = self.key_count();
        if keys <= KEY_CACHE_MAX {
            let parts = Arc::make_mut(&mut self.key_parts);
            if parts.len() < keys as usize {
                parts.resize(keys as usize, u32::MAX);
            }
            parts[k as usize] = p;
        }
        p
    }

    /// Re-indexes partition `p` after its queue changed.
    fn refresh(&mut self, p: u32) {
        let q = &self.queues[p as usize];
        let (ready, deadline) = match q.front() {
            None => (None, None),
            Some(f) => {
                let ready = if f.attempts > 0 {
                    f.retry_at_us
                } else if q.len() > 1 || f.bytes >= self.spec.config.batch_size as u64 {
                    0
                } else {
                    f.created_us
                        .saturating_add(crate::time::ms_to_us(self.spec.config.linger_ms))
                };
                let deadline = f
                    .created_us
                    .saturating_add(crate::time::ms_to_us(self.spec.config.delivery_timeout_ms));
                (Some(ready), Some(deadline))
            }
        };
        let i = p as usize;
        reindex(&mut self.ready, &mut self.ready_key[i], ready, p);
        reindex(&mut self.deadlines, &mut self.deadline_key[i], deadline, p);
    }

    /// KIP-794: stay on a partition until `batch.size` bytes went to it, then pick another at random.
    fn sticky_partition(&mut self, size: u64) -> u32 {
        let batch_size = self.spec.config.batch_size as u64;
        if let Some((p, bytes)) = &mut self.sticky {
            if *bytes < batch_size {
                *bytes += size;
                return *p;
            }
        }
        let available: Vec<u32> = (0..self.partitions)
            .filter(|p| self.leaders[*p as usize].is_some())
            .collect();
        let p = if available.is_empty() {
            self.rng.below(self.partitions as u64) as u32
        } else {
            available[self.rng.below(available.len() as u64) as usize]
        };
        self.sticky = Some((p, size));
        p
    }

    /// The sender loop: expire, then send every ready batch its leader can take.
    pub fn drain(&mut self, ctx: &mut Ctx) {
        let now = ctx.now.as_us();
        self.expire(ctx);
        if self.idempotent {
            #[cfg(debug_assertions)]
            for p in 0..self.partitions {
                debug_assert_eq!(
                    self.sequenced[p as usize] as usize,
                    self.sequenced_batches(p).count(),
                    "sequenced batches of partition {p}"
                );
            }
            self.resolve_sequences();
        }
        let max_in_flight = self.spec.config.max_in_flight_requests_per_connection;
        let acks = self.spec.config.acks;
        let mut need_metadata = false;
        // Requests in flight per broker (indexed by broker id), to skip ready leaders that can take
        // no more. Scratch buffers are reused across calls: the sender runs thousands of times per
        // simulated second.
        let mut in_flight = std::mem::take(&mut self.scratch_in_flight);
        in_flight.clear();
        in_flight.resize(ctx.topo.brokers as usize + 1, 0);
        for f in self.in_flight.values() {
            in_flight[f.broker as usize] += 1;
        }
        // `(leader, partition)` of every batch drained, grouped by leader.
        let mut selected = std::mem::take(&mut self.scratch_selected);
        selected.clear();
        let brokers = ctx.topo.brokers as usize;
        if self.conns.len() <= brokers {
            self.conns.resize(brokers + 1, Conn::default());
        }
        // The earliest instant a connection attempt waits for, and the brokers batches wait on.
        let mut connect_to: Option<u64> = None;
        let mut to_connect: Vec<BrokerId> = Vec::new();
        // With one request in flight per connection Kafka guarantees order: a partition with a batch
        // in flight is muted (neither makes its leader ready nor is drained) until the batch
        // completes, even if its leader changed meanwhile (`Sender.guaranteeMessageOrder`).
        let mut muted = std::mem::take(&mut self.scratch_muted);
        muted.clear();
        if max_in_flight == 1 {
            muted.extend(
                self.in_flight
                    .values()
                    .flat_map(|f| f.batches.iter().map(|b| b.partition)),
            );
        }
        // Leaders with a sendable batch (`RecordAccumulator.ready`) that can take a request.
        let mut ready_nodes = std::mem::take(&mut self.scratch_nodes);
        ready_nodes.clear();
        for &(_, p) in self.ready.up_to(now) {
            match self.leaders[p as usize] {
                Some(_) if muted.contains(&p) => {}
                Some((b, _)) if !self.conns[b as usize].up => {
                    if !to_connect.contains(&b) {
                        to_connect.push(b);
                    }
                }
                Some((b, _)) if in_flight[b as usize] < max_in_flight => {
                    if !ready_nodes.contains(&b) {
                        ready_nodes.push(b);
                    }
                }
                Some(_) => {}
                None => need_metadata = true,
            }
        }
        ready_nodes.sort_unstable();
        if !ready_nodes.is_empty() {
            self.drain_ready(now, &ready_nodes, &muted, &mut selected);
        }
        // Open connections that batches wait for (after any backoff).
        for b in to_connect {
            let c = self.conns[b as usize];
            if c.connecting.is_some() {
                continue;
            }
            if now < c.backoff_until_us {
                connect_to =
                    Some(connect_to.map_or(c.backoff_until_us, |t| t.min(c.backoff_until_us)));
                continue;
            }
            let req_id = ctx.req_id();
            self.conns[b as usize].connecting = Some(req_id);
            ctx.send(Node::Broker(b), Msg::ApiVersions { req_id });
            ctx.timer_after_ms(
                self.spec.config.socket_connection_setup_timeout_ms,
                Timer::RequestTimeout { req_id },
            );
        }
        // One request per leader, in broker order; partitions in drain order within it.
        if need_metadata {
            self.request_metadata(ctx);
        }
        let mut next = 0;
        while next < selected.len() {
            let broker = selected[next].0;
            let end = next + selected[next..].partition_point(|&(b, _)| b == broker);
            let parts = next..end;
            next = end;
            let mut batches = Vec::with_capacity(parts.len());
            for &(_, p) in &selected[parts] {
                let mut b = self.queues[p as usize].pop_front().expect("ready batch");
                self.refresh(p);
                b.sealed = true;
                b.attempts += 1;
                if b.first_sent_us.is_none() {
                    b.first_sent_us = Some(now);
                }
                if self.idempotent && b.base_sequence.is_none() {
                    // A new batch. A partition still on an older epoch starts over at sequence 0 in
                    // the current one (`maybeUpdateProducerIdAndEpoch`; it has no batch in flight,
                    // or the drain would have stopped).
                    let i = p as usize;
                    if self.part_epoch[i] != self.producer_epoch {
                        self.part_epoch[i] = self.producer_epoch;
                        self.next_sequence[i] = 0;
                        self.last_acked[i] = -1;
                    }
                    b.producer_epoch = self.producer_epoch;
                    b.base_sequence = Some(self.next_sequence[i]);
                    self.next_sequence[i] += b.records.len() as i32;
                    self.sequenced[i] += 1;
                }
                for id in &b.records {
                    if let Some(info) = ctx.prov.get_mut(*id) {
                        info.attempts += 1;
                    }
                }
                batches.push(b);
            }
            let req_id = ctx.req_id();
            let mut wire = ctx.pools.produce.take();
            for b in &batches {
                let mut records = ctx.pools.record_ids.take();
                records.extend_from_slice(&b.records);
                wire.push(ProduceBatch {
                    part: self.first_part + b.partition,
                    records,
                    idempotence: b
                        .base_sequence
                        .map(|s| (self.producer_id, b.producer_epoch, s)),
                });
            }
            let timeout_us = crate::time::ms_to_us(self.spec.config.request_timeout_ms);
            ctx.counters.produce_requests += 1;
            ctx.send(
                Node::Broker(broker),
                Msg::Produce {
                    req_id,
                    acks,
                    timeout_us,
                    batches: wire,
                },
            );
            if acks == Acks::Zero {
                // Fire and forget: complete as soon as the request is written (offset -1).
                for b in batches {
                    self.complete(ctx, b, None, 0);
                }
            } else {
                in_flight[broker as usize] += 1;
                self.in_flight.insert(
                    req_id,
                    InFlight {
                        broker,
                        batches,
                        sent_us: now,
                    },
                );
                self.timeout_check
                    .arm(ctx, now.saturating_add(timeout_us), |at_us| {
                        Timer::RequestTimeoutCheck { at_us }
                    });
            }
        }
        // A leader that can take another request still has a sendable batch (a drain takes one batch
        // per partition): drain again at once, as Kafka's sender polls with a zero timeout while a
        // node is ready (`Sender.sendProducerData`).
        // (Partitions drained just now are muted too when order is guaranteed.)
        if max_in_flight == 1 {
            muted.extend(selected.iter().map(|&(_, p)| p));
        }
        // Only after progress: a drain that sent nothing (every sendable batch held back) waits for
        // a response or a timer, or it would run again at this same instant forever.
        let again = !selected.is_empty()
            && self.ready.up_to(now).any(|&(_, p)| {
                !muted.contains(&p)
                    && self.leaders[p as usize].is_some_and(|(b, _)| {
                        self.conns[b as usize].up && in_flight[b as usize] < max_in_flight
                    })
            });
        self.scratch_muted = muted;
        self.scratch_in_flight = in_flight;
        self.scratch_selected = selected;
        self.scratch_nodes = ready_nodes;
        // Wake when the next batch becomes sendable, or the oldest one expires.
        let next_ready = if again {
            Some(now)
        } else {
            self.ready.first_after(now)
        };
        let next_expiry = self.deadlines.first().map(|e| e.0);
        let next_wake = [
            next_ready,
            next_expiry,
            connect_to,
            self.generation_wake_us(),
        ]
        .into_iter()
        .flatten()
        .min();
        if let Some(at) = next_wake {
            if self.wake_at_us.is_none_or(|w| at < w || w <= now) {
                self.wake_at_us = Some(at);
                ctx.timer_after_us(at.saturating_sub(now), Timer::SenderWake { at_us: at });
            }
        }
    }

    /// `RecordAccumulator.drainBatchesForOneNode` for each ready leader: the first batch of every
    /// partition it leads, from the broker's drain index on, skipping batches backing off a retry,
    /// until `max.request.size` (a first batch always goes). Appends `(leader, partition)` pairs.
    fn drain_ready(
        &mut self,
        now: u64,
        ready_nodes: &[BrokerId],
        muted: &[u32],
        selected: &mut Vec<(BrokerId, u32)>,
    ) {
        if self.leader_index_stale {
            self.leader_count.iter_mut().for_each(|n| *n = 0);
            self.leader_pos.resize(self.leaders.len(), 0);
            for (p, l) in self.leaders.iter().enumerate() {
                if let Some((b, _)) = *l {
                    if self.leader_count.len() <= b as usize {
                        self.leader_count.resize(b as usize + 1, 0);
                    }
                    self.leader_pos[p] = self.leader_count[b as usize];
                    self.leader_count[b as usize] += 1;
                }
            }
            self.leader_index_stale = false;
        }
        let max_size = self.spec.config.max_request_size as u64;
        let mut cands = std::mem::take(&mut self.scratch_cands);
        for &b in ready_nodes {
            let n = self.leader_count.get(b as usize).map_or(0, |&n| n as usize);
            if n == 0 {
                continue;
            }
            if self.drain_index.len() <= b as usize {
                self.drain_index.resize(b as usize + 1, 0);
            }
            let start = self.drain_index[b as usize] as usize % n;
            // Kafka walks every partition the broker leads from `start`; only those with a batch
            // matter, and they are the queues indexed in `ready`, so walk those in the same order.
            cands.clear();
            for &(_, p) in self.ready.iter() {
                if self.leaders[p as usize].is_some_and(|l| l.0 == b) && !muted.contains(&p) {
                    let pos = self.leader_pos[p as usize] as usize;
                    cands.push((((pos + n - start) % n) as u32, p));
                }
            }
            cands.sort_unstable();
            // The drain index ends on the last partition visited: the one that did not fit, or the
            // one before `start` after a full round.
            let mut last = (start + n - 1) % n;
            let mut size = 0;
            let mut drained = 0;
            for &(rot, p) in &cands {
                let first = self.queues[p as usize].front().expect("indexed queue");
                if first.attempts > 0 && first.retry_at_us > now {
                    continue; // backing off a retry
                }
                if (size + first.bytes > max_size && drained > 0)
                    || (self.idempotent && self.stop_draining(p, first))
                {
                    last = (rot as usize + start) % n;
                    break;
                }
                size += first.bytes;
                drained += 1;
                selected.push((b, p));
            }
            self.drain_index[b as usize] = last as u32;
        }
        self.scratch_cands = cands;
    }

    /// `shouldStopDrainBatchesForPartition` for an idempotent producer: a new batch waits while its
    /// partition still has batches in flight from an older epoch, or has unresolved sequences; a
    /// retried batch goes only when it is the partition's first sequence in flight. Stopping ends the
    /// drain of that broker for this round, as in Kafka.
    fn stop_draining(&self, p: u32, first: &Batch) -> bool {
        let i = p as usize;
        match first.base_sequence {
            None => {
                (self.sequenced[i] > 0 && self.part_epoch[i] != self.producer_epoch)
                    || self.unresolved_next(p).is_some()
            }
            Some(seq) => self
                .sequenced_batches(p)
                .map(|b| b.base_sequence.unwrap_or(i32::MAX))
                .min()
                .is_some_and(|firstseq| firstseq != seq),
        }
    }

    /// The sequence after partition `p`'s last expired batch, if its sequences are unresolved.
    fn unresolved_next(&self, p: u32) -> Option<i32> {
        self.unresolved
            .iter()
            .find(|(u, _)| *u == p)
            .map(|&(_, next)| next)
    }

    fn request_bump(&mut self, p: u32) {
        if !self.bump_partitions.contains(&p) {
            self.bump_partitions.push(p);
        }
    }

    /// Batches of partition `p` that have a sequence and are neither acknowledged nor failed.
    fn sequenced_batches(&self, p: u32) -> impl Iterator<Item = &Batch> + '_ {
        self.in_flight
            .values()
            .flat_map(|f| f.batches.iter())
            .chain(self.queues[p as usize].iter())
            .filter(move |b| b.partition == p && b.base_sequence.is_some())
    }

    /// `TransactionManager.maybeResolveSequences` and `bumpIdempotentProducerEpoch`: once a partition
    /// with unresolved sequences has no batch left in flight, it is resolved if its last
    /// acknowledged sequence is the last one sent, and otherwise needs an epoch bump; a bump starts
    /// the partitions that need it over at sequence 0, renumbering their batches still in flight in
    /// order (KIP-360).
    fn resolve_sequences(&mut self) {
        if self.unresolved.is_empty() && self.bump_partitions.is_empty() {
            return;
        }
        let bumps = &mut self.bump_partitions;
        self.unresolved.retain(|&(p, _)| {
            let i = p as usize;
            if self.sequenced[i] > 0 {
                return true; // still waiting for its batches in flight
            }
            if self.last_acked[i] + 1 != self.next_sequence[i] && !bumps.contains(&p) {
                bumps.push(p);
            }
            false
        });
        if self.bump_partitions.is_empty() {
            return;
        }
        self.producer_epoch = self.producer_epoch.wrapping_add(1);
        let epoch = self.producer_epoch;
        for p in std::mem::take(&mut self.bump_partitions) {
            // `(base sequence, records)` of the batches still in flight, in sequence order...
            let mut sequenced: Vec<(i32, i32)> = self
                .sequenced_batches(p)
                .filter_map(|b| b.base_sequence.map(|s| (s, b.records.len() as i32)))
                .collect();
            sequenced.sort_unstable();
            // ...renumbered from 0: old base sequence -> new one.
            let mut next = 0;
            let renumber: Vec<(i32, i32)> = sequenced
                .into_iter()
                .map(|(old, len)| {
                    let new = next;
                    next += len;
                    (old, new)
                })
                .collect();
            let rewrite = |b: &mut Batch| {
                if b.partition == p {
                    if let Some(old) = b.base_sequence {
                        if let Some(&(_, new)) = renumber.iter().find(|(o, _)| *o == old) {
                            b.base_sequence = Some(new);
                            b.producer_epoch = epoch;
                            b.sequence_reset = true;
                        }
                    }
                }
            };
            self.in_flight
                .values_mut()
                .flat_map(|f| f.batches.iter_mut())
                .for_each(rewrite);
            self.queues[p as usize].iter_mut().for_each(rewrite);
            let i = p as usize;
            self.next_sequence[i] = next;
            self.last_acked[i] = -1;
            self.part_epoch[i] = epoch;
            self.unresolved.retain(|&(u, _)| u != p);
        }
    }

    /// Fails queued batches whose `delivery.timeout.ms` has passed.
    fn expire(&mut self, ctx: &mut Ctx) {
        let now = ctx.now.as_us();
        let mut expired = Vec::new();
        while let Some(&(deadline, p)) = self.deadlines.first() {
            if deadline > now {
                break;
            }
            expired.push(self.queues[p as usize].pop_front().expect("indexed front"));
            self.refresh(p);
        }
        for b in expired {
            self.fail(ctx, b, ErrorCode::DeliveryTimeout);
        }
    }

    fn request_metadata(&mut self, ctx: &mut Ctx) {
        if self.metadata_in_flight.is_some() {
            return;
        }
        let n = ctx.topo.brokers;
        let broker = 1 + self.metadata_next_broker % n;
        self.metadata_next_broker += 1;
        let req_id = ctx.req_id();
        self.metadata_in_flight = Some(req_id);
        ctx.send(Node::Broker(broker), Msg::Metadata { req_id });
        ctx.timer_after_ms(
            self.spec.config.request_timeout_ms,
            Timer::RequestTimeout { req_id },
        );
    }

    /// The connection to `b` failed (refused, reset or timed out): back off, then try again; the
    /// leader may have moved, so ask for metadata.
    fn connection_failed(&mut self, ctx: &mut Ctx, b: BrokerId) {
        let now = ctx.now.as_us();
        let cfg = &self.spec.config;
        let (base, max) = (cfg.reconnect_backoff_ms, cfg.reconnect_backoff_max_ms);
        let Some(c) = self.conns.get_mut(b as usize) else {
            return;
        };
        let wait = exponential_backoff_us(&mut self.backoff_rng, base, c.failures, max);
        c.up = false;
        c.connecting = None;
        c.failures += 1;
        c.backoff_until_us = now.saturating_add(wait);
        self.request_metadata(ctx);
    }

    pub fn on_msg(&mut self, ctx: &mut Ctx, from: Node, msg: Msg) {
        let from_broker = match from {
            Node::Broker(b) => Some(b),
            _ => None,
        };
        // Any answer from a broker means the connection to it works (a connection attempt is
        // settled only by its own `ApiVersions` answer).
        if let Some(c) = from_broker.and_then(|b| self.conns.get_mut(b as usize)) {
            let settles = match msg {
                Msg::Disconnect { .. } | Msg::ConnectionClosed => false,
                Msg::ApiVersionsResponse { req_id } => c.connecting.is_none_or(|r| r == req_id),
                _ => c.connecting.is_none(),
            };
            if settles {
                *c = Conn {
                    up: true,
                    ..Conn::default()
                };
            }
        }
        match msg {
            Msg::ApiVersionsResponse { .. } => self.drain(ctx),
            Msg::MetadataResponse { req_id, partitions } => {
                if self.metadata_in_flight != Some(req_id) {
                    return;
                }
                self.metadata_in_flight = None;
                let mut missing = false;
                for (part, leader, epoch) in partitions {
                    if part < self.first_part || part >= self.first_part + self.partitions {
                        continue;
                    }
                    let i = (part - self.first_part) as usize;
                    let known_epoch = self.leaders[i].map(|l| l.1);
                    if known_epoch.is_none_or(|e| epoch >= e) {
                        self.leaders[i] = leader.map(|l| (l, epoch));
                        self.leader_index_stale = true;
                    }
                    missing |= self.leaders[i].is_none();
                }
                if missing {
                    // Try again soon (and from another broker) until every partition has a leader.
                    let backoff = self.spec.config.retry_backoff_ms;
                    let req_id = ctx.req_id();
                    self.metadata_in_flight = Some(req_id);
                    ctx.timer_after_ms(backoff, Timer::RequestTimeout { req_id });
                }
                self.drain(ctx);
            }
            Msg::ProduceResponse { req_id, results } => {
                let Some(f) = self.in_flight.remove(&req_id) else {
                    return;
                };
                for b in f.batches {
                    let part = self.first_part + b.partition;
                    let (err, off) = results
                        .iter()
                        .find(|r| r.0 == part)
                        .map(|r| (r.1, r.2))
                        .unwrap_or((ErrorCode::NetworkException, None));
                    match err {
                        ErrorCode::None => self.complete(ctx, b, off, f.sent_us),
                        // The broker already has this batch but no longer remembers its offset.
                        ErrorCode::DuplicateSequenceNumber => {
                            self.complete(ctx, b, None, f.sent_us)
                        }
                        e => self.retry_or_fail(ctx, b, e),
                    }
                }
                ctx.pools.produce_results.give(results);
                self.drain(ctx);
            }
            Msg::ConnectionClosed => {
                // NetworkClient.handleDisconnections: the node is marked disconnected (reconnect
                // backoff), metadata is refreshed, and the requests in flight on it fail.
                let Some(b) = from_broker else { return };
                if !self.conns.get(b as usize).is_some_and(|c| c.up) {
                    return;
                }
                self.connection_failed(ctx, b);
                let lost: Vec<u64> = self
                    .in_flight
                    .iter()
                    .filter(|(_, f)| f.broker == b)
                    .map(|(id, _)| *id)
                    .collect();
                for id in lost {
                    if let Some(f) = self.in_flight.remove(&id) {
                        self.fail_request(ctx, f, ErrorCode::NetworkException);
                    }
                }
                self.drain(ctx);
            }
            Msg::Disconnect { req_id } => {
                if self.metadata_in_flight == Some(req_id) {
                    self.metadata_in_flight = None;
                    let backoff = self.spec.config.retry_backoff_ms;
                    let req_id = ctx.req_id();
                    self.metadata_in_flight = Some(req_id);
                    ctx.timer_after_ms(backoff, Timer::RequestTimeout { req_id });
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
            _ => {}
        }
    }

    fn fail_request(&mut self, ctx: &mut Ctx, f: InFlight, err: ErrorCode) {
        for b in f.batches {
            self.retry_or_fail(ctx, b, err);
        }
    }

    fn complete(&mut self, ctx: &mut Ctx, b: Batch, base_offset: Option<u64>, sent_us: u64) {
        let now = ctx.now.as_us();
        if let (true, Some(seq)) = (self.idempotent, b.base_sequence) {
            let i = b.partition as usize;
            self.sequenced[i] = self.sequenced[i].saturating_sub(1);
            // `maybeUpdateLastAckedSequence` (whatever the batch's epoch, as in Kafka).
            self.last_acked[i] = self.last_acked[i].max(seq + b.records.len() as i32 - 1);
        }
        let acks = self.spec.config.acks;
        for (i, id) in b.records.iter().enumerate() {
            ctx.prov.ack(*id, now, base_offset.map(|o| o + i as u64));
        }
        let latency_us = now.saturating_sub(b.first_sent_us.unwrap_or(sent_us).min(b.created_us));
        let slot = match acks {
            Acks::Zero => 0,
            Acks::One => 1,
            Acks::All => 2,
        };
        ctx.counters.produce_latency_us[slot].push(latency_us);
        self.stats.acknowledged += b.records.len() as u64;
        let topo = ctx.topo;
        ctx.emit_hot(HotEvent::Acknowledged {
            producer: &self.name,
            partition: topo.part_name_ref(self.first_part + b.partition),
            base_offset,
            records: b.records.len() as u32,
            latency_us,
        });
        ctx.pools.record_ids.give(b.records);
    }

    fn retry_or_fail(&mut self, ctx: &mut Ctx, mut b: Batch, err: ErrorCode) {
        ctx.counters.failed_produce_requests += 1;
        ctx.emit(TraceKind::ProduceError {
            producer: self.name.clone(),
            partition: self.part_name(ctx, b.partition),
            error: err.name(),
            records: b.records.len() as u32,
        });
        *ctx.producer_errors.entry(err.name()).or_default() += 1;
        if matches!(
            err,
            ErrorCode::NotLeaderOrFollower
                | ErrorCode::NetworkException
                | ErrorCode::RequestTimedOut
                | ErrorCode::FencedLeaderEpoch
                | ErrorCode::UnknownLeaderEpoch
                | ErrorCode::UnknownTopicOrPartition
        ) {
            self.request_metadata(ctx);
        }
        let now = ctx.now.as_us();
        let delivery_us = crate::time::ms_to_us(self.spec.config.delivery_timeout_ms);
        let expired = now >= b.created_us.saturating_add(delivery_us);
        let mut retriable = err.is_retriable();
        if err == ErrorCode::OutOfOrderSequenceNumber {
            // `TransactionManager.canRetry` for an idempotent producer: always retried. When the
            // partition has no unresolved sequences and this batch is the next one expected (and was
            // not renumbered), or it is the batch right after an expired one, the gap is real: bump
            // the epoch so the partition starts over and this batch is renumbered.
            let p = b.partition;
            let base = b.base_sequence.unwrap_or(0);
            let unresolved = self.unresolved_next(p);
            let is_next = base == self.last_acked[p as usize] + 1;
            let gap = match unresolved {
                None => !b.sequence_reset && is_next,
                Some(next) => next == base,
            };
            if gap {
                self.request_bump(p);
            }
            retriable = true;
        }
        if retriable && !expired && b.attempts <= self.spec.config.retries {
            let cfg = &self.spec.config;
            let (base, max) = (cfg.retry_backoff_ms, cfg.retry_backoff_max_ms);
            let n = b.attempts.saturating_sub(1);
            b.retry_at_us =
                now.saturating_add(exponential_backoff_us(&mut self.backoff_rng, base, n, max));
            let partition = b.partition;
            let q = &mut self.queues[partition as usize];
            if !self.idempotent {
                // `RecordAccumulator.reenqueue` without a transaction manager: `addFirst`. Batches
                // of several requests failing together go back newest-handled first, so they can
                // be retried out of order (the reordering `max.in.flight.requests.per.connection`
                // > 1 risks without idempotence).
                q.push_front(b);
                self.refresh(partition);
                return;
            }
            // `insertInSequenceOrder`: retries in sequence order, ahead of new batches.
            let pos = q
                .iter()
                .position(|o| {
                    o.attempts == 0
                        || o.base_sequence
                            .is_some_and(|s| b.base_sequence.is_some_and(|bs| bs < s))
                })
                .unwrap_or(q.len());
            q.insert(pos, b);
            self.refresh(partition);
        } else {
            let final_err = if expired {
                ErrorCode::DeliveryTimeout
            } else {
                err
            };
            self.fail(ctx, b, final_err);
        }
    }

    fn fail(&mut self, ctx: &mut Ctx, b: Batch, err: ErrorCode) {
        for id in &b.records {
            ctx.prov.fail(*id, err);
        }
        self.stats.failed += b.records.len() as u64;
        if err == ErrorCode::DeliveryTimeout {
            *ctx.producer_errors.entry(err.name()).or_default() += 1;
        }
        ctx.emit(TraceKind::SendFailed {
            producer: self.name.clone(),
            partition: self.part_name(ctx, b.partition),
            error: err.name(),
            records: b.records.len() as u32,
        });
        if let (true, Some(_)) = (self.idempotent, b.base_sequence) {
            // `TransactionManager.handleFailedBatch` and `Sender`'s expiry: a sent batch that expired
            // leaves the partition's sequences unresolved; an OUT_OF_ORDER_SEQUENCE_NUMBER, or another
            // error before retries ran out, asks for an epoch bump for the partition.
            let i = b.partition as usize;
            self.sequenced[i] = self.sequenced[i].saturating_sub(1);
            let p = b.partition;
            if err == ErrorCode::DeliveryTimeout {
                // `markSequenceUnresolved`: remember the sequence after the expired batch.
                let after = b.base_sequence.unwrap_or(0) + b.records.len() as i32;
                match self.unresolved.iter_mut().find(|(u, _)| *u == p) {
                    Some((_, next)) => *next = (*next).max(after),
                    None => self.unresolved.push((p, after)),
                }
            } else if err == ErrorCode::OutOfOrderSequenceNumber
                || b.attempts <= self.spec.config.retries
            {
                self.request_bump(p);
            }
        }
        ctx.pools.record_ids.give(b.records);
    }
}

/// Appends `n` in decimal, as `Display` writes it (the formatting machinery was a tenth of the cost of
/// generating a keyed record).
fn push_decimal(buf: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        buf.push(d as char);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn push_decimal_writes_like_display() {
        for n in [0, 7, 10, 99_999, 1_000_000_007, u64::MAX] {
            let mut s = String::from("k");
            super::push_decimal(&mut s, n);
            assert_eq!(s, format!("k{n}"));
        }
    }
}
