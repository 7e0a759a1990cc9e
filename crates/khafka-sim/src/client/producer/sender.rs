//! Kafka's `Sender`: draining ready leaders' batches into produce requests
//! (`drainBatchesForOneNode`), completing them, retrying with backoff (KIP-580) in `reenqueue`'s
//! order, and failing them for good.

use super::*;
use crate::protocol::{ApiVersions, Produce};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InFlight {
    pub broker: BrokerId,
    pub batches: Vec<Batch>,
    pub sent_us: u64,
}

impl Producer {
    /// The sender loop: expire, then send every ready batch its leader can take.
    pub fn drain(&mut self, ctx: &mut Ctx) {
        let now = ctx.now.as_us();
        self.expire(ctx);
        if self.idempotent {
            #[cfg(debug_assertions)]
            for p in 0..self.local_partitions() {
                // Also checks that the queue's sequenced batches are its head.
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
        // (With `acks=0` a request in flight is one still being written: its connection takes
        // no other until it is.)
        let per_request = if acks == Acks::Zero { max_in_flight } else { 1 };
        for f in self.in_flight.values() {
            in_flight[f.broker as usize] += per_request;
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
        crate::kernel::small::sort_small(&mut ready_nodes);
        if !ready_nodes.is_empty() {
            self.drain_ready(now, &ready_nodes, &muted, &mut selected);
        }
        // Open connections that batches wait for (after any backoff).
        for &b in &to_connect {
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
            self.conns[b as usize].last_attempt_us = now;
            ctx.send(
                Node::Broker(b),
                Msg::ApiVersions(ApiVersions::Request { req_id }),
            );
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
                ctx.prov.attempt(b.prov);
                batches.push(b);
            }
            let req_id = ctx.req_id();
            let mut wire = ctx.pools.produce.take();
            for b in &batches {
                let mut records = ctx.pools.record_ids.take();
                records.extend_from_slice(&b.records);
                wire.push(ProduceBatch {
                    part: self.global_part(b.partition),
                    records,
                    idempotence: b
                        .base_sequence
                        .map(|s| (self.producer_id, b.producer_epoch, s)),
                    bytes: b.wire_bytes(&self.spec),
                    value_bytes: b.bytes.min(u64::from(u32::MAX)) as u32,
                });
            }
            let timeout_us = crate::time::ms_to_us(self.spec.config.request_timeout_ms);
            ctx.counters.produce_requests += 1;
            // Fire and forget completes when the request is written: at once on a link without a
            // bandwidth; on one with, when its last byte leaves (the engine's router sets
            // `Timer::ProduceWritten` by the same rule), and until then it is in
            // flight: the connection takes no other request (`NetworkClient.canSendMore`,
            // `handleCompletedSends`). A producer faster than its link fills its buffer instead
            // of the network. It completes when written whatever happens meanwhile (no request
            // timeout is armed for it, a closed connection leaves it be): Kafka would fail it at
            // `request.timeout.ms` or on a disconnection and retry it, having closed the
            // connection, which drops its unsent bytes; a link here cannot take bytes back, and a
            // retry beside them would write the batch twice.
            let written_now = acks == Acks::Zero
                && ctx
                    .net
                    .is_none_or(|n| !n.takes_time_to_write(ctx.me, Node::Broker(broker)));
            ctx.send(
                Node::Broker(broker),
                Msg::Produce(Produce::Request {
                    req_id,
                    acks,
                    timeout_us,
                    batches: wire,
                }),
            );
            if written_now {
                // Offset -1: no answer will say where the batches went.
                for b in batches {
                    self.complete(ctx, b, None, 0);
                }
            } else {
                // An `acks=0` request being written counts as all the connection can take.
                in_flight[broker as usize] += per_request;
                self.in_flight.insert(
                    req_id,
                    InFlight {
                        broker,
                        batches,
                        sent_us: now,
                    },
                );
                if acks != Acks::Zero {
                    self.timeout_check
                        .arm(ctx, now.saturating_add(timeout_us), |at_us| {
                            Timer::RequestTimeoutCheck { at_us }
                        });
                }
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
        // Partitions whose batches only one of the producer's own events can release, so a wake
        // for them would send nothing: muted, or on a connection at its limit of requests in
        // flight (a response frees it); waiting for a connection attempt in flight or for its
        // backoff (the attempt's answer or timeout, or the `connect_to` wake); without a leader
        // while a metadata request is in flight (its answer). Each of those events drains again,
        // and the records due by then are generated first.
        let (leaders, conns, metadata_in_flight) =
            (&self.leaders, &self.conns, self.metadata.in_flight());
        let held = |p: u32| {
            muted.contains(&p)
                || match leaders[p as usize] {
                    None => metadata_in_flight,
                    Some((b, _)) => {
                        let c = &conns[b as usize];
                        if c.up {
                            in_flight[b as usize] >= max_in_flight
                        } else {
                            c.connecting.is_some() || to_connect.contains(&b)
                        }
                    }
                }
        };
        // Wake when the next batch that is not held becomes sendable, or the oldest one expires.
        let next_ready = if again {
            Some(now)
        } else {
            self.ready
                .after(now)
                .find_map(|&(t, p)| (!held(p)).then_some(t))
        };
        let generation_wake = self.generation_wake_us(held);
        self.scratch_muted = muted;
        self.scratch_in_flight = in_flight;
        self.scratch_selected = selected;
        self.scratch_nodes = ready_nodes;
        let next_expiry = self.deadlines.first().map(|e| e.0);
        let next_wake = [next_ready, next_expiry, connect_to, generation_wake]
            .into_iter()
            .flatten()
            .min();
        if let Some(at) = next_wake {
            if self.wake_at_us.is_none_or(|w| at != w || w <= now) {
                self.wake_at_us = Some(at);
                ctx.timer_after_us(at.saturating_sub(now), Timer::SenderWake { at_us: at });
            }
        }
    }

    /// `RecordAccumulator.drainBatchesForOneNode` for each ready leader: the first batch of every
    /// partition it leads, from the broker's drain index on, skipping batches backing off a retry,
    /// until `max.request.size` (a first batch always goes). Appends `(leader, partition)` pairs.
    pub(super) fn drain_ready(
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
            crate::kernel::small::sort_small(&mut cands);
            let me: &Self = self;
            let last = drain_plan(
                &cands,
                start,
                n,
                max_size,
                |p| {
                    let first = me.queues[p as usize].front().expect("indexed queue");
                    DrainHead {
                        bytes: first.bytes,
                        backing_off: first.backing_off(now),
                        stop: move || me.idempotent && me.stop_draining(p, first),
                    }
                },
                |p| selected.push((b, p)),
            );
            self.drain_index[b as usize] = last as u32;
        }
        self.scratch_cands = cands;
    }

    /// `shouldStopDrainBatchesForPartition` for an idempotent producer: a new batch waits while its
    /// partition still has batches in flight from an older epoch, or has unresolved sequences; a
    /// retried batch goes only when it is the partition's first sequence in flight. Stopping ends the
    /// drain of that broker for this round, as in Kafka.
    pub(super) fn stop_draining(&self, p: u32, first: &Batch) -> bool {
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

    pub(super) fn fail_request(&mut self, ctx: &mut Ctx, f: InFlight, err: ErrorCode) {
        for b in f.batches {
            self.retry_or_fail(ctx, b, err);
        }
    }

    pub(super) fn complete(
        &mut self,
        ctx: &mut Ctx,
        b: Batch,
        base_offset: Option<u64>,
        sent_us: u64,
    ) {
        let now = ctx.now.as_us();
        if let (true, Some(seq)) = (self.idempotent, b.base_sequence) {
            let i = b.partition as usize;
            self.sequenced[i] = self.sequenced[i].saturating_sub(1);
            // `maybeUpdateLastAckedSequence` (whatever the batch's epoch, as in Kafka).
            self.last_acked[i] = self.last_acked[i].max(seq + b.records.len() as i32 - 1);
        }
        let acks = self.spec.config.acks;
        let bytes = b.wire_bytes(&self.spec) as u64;
        ctx.counters.acked_bytes += bytes;
        ctx.counters.acked_records += b.records.len() as u64;
        ctx.prov.ack(b.prov, &b.records, now, base_offset, bytes);
        let latency_us = now.saturating_sub(b.first_sent_us.unwrap_or(sent_us).min(b.created_us));
        let slot = match acks {
            Acks::Zero => 0,
            Acks::One => 1,
            Acks::All => 2,
        };
        // The latency chart's samples: each record's, from its send() to this acknowledgement, as
        // the headline and `latency_p50` count it (the batch's own, from its first record, would
        // overstate a long linger.ms by half of it).
        for &id in &b.records {
            if let Some(sent) = ctx.prov.sent_us(id) {
                ctx.counters.produce_latency_us[slot].push(now.saturating_sub(sent));
            }
        }
        self.stats.acknowledged += b.records.len() as u64;
        let topo = ctx.topo;
        ctx.emit_hot(HotEvent::Acknowledged {
            producer: &self.name,
            partition: topo.part_name_ref(self.global_part(b.partition)),
            base_offset,
            records: b.records.len() as u32,
            latency_us,
            record_ids: &b.records,
        });
        ctx.pools.record_ids.give(b.records);
    }

    pub(super) fn retry_or_fail(&mut self, ctx: &mut Ctx, mut b: Batch, err: ErrorCode) {
        ctx.counters.failed_produce_requests += 1;
        // A split batch refused again (below) is noted once: it may be refused every round
        // trip until it expires, which would fill the notable events with one story.
        let refused_again = err == ErrorCode::MessageTooLarge && b.split;
        if !refused_again {
            ctx.emit(TraceKind::ProduceError {
                producer: self.name.clone(),
                partition: self.part_name(ctx, b.partition),
                error: err.name(),
                records: b.records.len() as u32,
            });
        }
        *ctx.producer_errors.get_or_default(err.name()) += 1;
        // `InvalidMetadataException`s, and a lost connection. A request that timed out on the
        // client refreshed metadata when it disconnected (`mod.rs`); the broker's own
        // REQUEST_TIMED_OUT (an expired `DelayedProduce`) does not.
        if matches!(
            err,
            ErrorCode::NotLeaderOrFollower
                | ErrorCode::NetworkException
                | ErrorCode::FencedLeaderEpoch
                | ErrorCode::UnknownLeaderEpoch
                | ErrorCode::UnknownTopicOrPartition
        ) {
            self.request_metadata(ctx);
        }
        let now = ctx.now.as_us();
        let delivery_us = crate::time::ms_to_us(self.spec.config.delivery_timeout_ms);
        let expired = now >= b.created_us.saturating_add(delivery_us);
        if err == ErrorCode::MessageTooLarge && b.records.len() > 1 && !expired {
            // `Sender.completeBatch`: a batch of several records the leader refused as larger
            // than the topic's `max.message.bytes` is split (`ProducerBatch.split`) into batches
            // of at most `batch.size` and re-enqueued as never tried, without a retry counted
            // or a backoff (`RecordAccumulator.splitAndReenqueue`). Its records already fit
            // `batch.size` (only a batch of one record is larger; the leader refuses a batch of
            // several only when `batch.size` passes the limit too), so the split gives the batch
            // back whole, keeping its creation time and sequence: it is refused again until
            // `delivery.timeout.ms` expires it, as in Kafka (KAFKA-8350).
            b.attempts = 0;
            b.retry_at_us = 0;
            b.split = true;
            self.requeue(b);
            return;
        }
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
            self.requeue(b);
        } else {
            let final_err = if expired {
                ErrorCode::DeliveryTimeout
            } else {
                err
            };
            self.fail(ctx, b, final_err);
        }
    }

    /// A batch back in its partition's queue to be sent again: at the head without idempotence
    /// (`RecordAccumulator.reenqueue`: `addFirst`; batches of several requests failing together
    /// go back newest-handled first, so they can be retried out of order, the reordering
    /// `max.in.flight.requests.per.connection` > 1 risks without idempotence), else in sequence
    /// order ahead of new batches (`insertInSequenceOrder`).
    fn requeue(&mut self, b: Batch) {
        let partition = b.partition;
        let q = &mut self.queues[partition as usize];
        if !self.idempotent {
            q.push_front(b);
        } else {
            // Before the first batch not sent yet (no sequence) or with a later sequence (a
            // split batch is untried but keeps its sequence).
            let pos = q
                .iter()
                .position(|o| match (o.base_sequence, b.base_sequence) {
                    (None, _) => true,
                    (Some(s), Some(bs)) => bs < s,
                    (Some(_), None) => false,
                })
                .unwrap_or(q.len());
            q.insert(pos, b);
        }
        self.refresh(partition);
    }

    pub(super) fn fail(&mut self, ctx: &mut Ctx, b: Batch, err: ErrorCode) {
        ctx.prov.fail(b.prov, err, b.records.first().copied());
        self.stats.failed += b.records.len() as u64;
        if err == ErrorCode::DeliveryTimeout {
            *ctx.producer_errors.get_or_default(err.name()) += 1;
        }
        ctx.emit(TraceKind::SendFailed {
            producer: self.name.clone(),
            partition: self.part_name(ctx, b.partition),
            error: err.name(),
            records: b.records.len() as u32,
            record_ids: b.records.clone(),
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

/// A partition's first batch as the drain sees it: its size, whether it is backing off a retry,
/// and `shouldStopDrainBatchesForPartition` (asked only when the drain reaches it).
pub struct DrainHead<S: FnOnce() -> bool> {
    pub bytes: u64,
    pub backing_off: bool,
    pub stop: S,
}

/// `RecordAccumulator.drainBatchesForOneNode`, the plan: the partitions a ready broker leads with
/// a batch, `(position from the drain index, partition)` in that order, over `n` partitions it
/// leads from drain index `start`. Drains the first batch of each (`drain`), skipping one backing
/// off a retry, until the next would pass `max_size` (`max.request.size`; a first batch always
/// goes) or a partition must stop the drain. Returns the new drain index: the last position
/// visited (`updateDrainIndex`), the one that stopped it or, after a full round, the one before
/// `start`. Table: `tests/tables/drain_plan.txt`.
pub fn drain_plan<S: FnOnce() -> bool>(
    cands: &[(u32, u32)],
    start: usize,
    n: usize,
    max_size: u64,
    mut head: impl FnMut(u32) -> DrainHead<S>,
    mut drain: impl FnMut(u32),
) -> usize {
    let mut size = 0;
    let mut drained = 0;
    for &(rot, p) in cands {
        let h = head(p);
        if h.backing_off {
            continue;
        }
        if (size + h.bytes > max_size && drained > 0) || (h.stop)() {
            return (rot as usize + start) % n;
        }
        size += h.bytes;
        drained += 1;
        drain(p);
    }
    (start + n - 1) % n
}
