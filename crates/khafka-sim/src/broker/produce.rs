//! The produce path: `ReplicaManager.appendRecords` (acks, min ISR, idempotence checks, the append)
//! and the produce purgatory (`DelayedProduce`: an acks=all request waits until the ISR has the
//! records or its timeout).

use super::*;
use crate::protocol::{CurrentLeader, PartitionResponse, Produce};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelayedProduce {
    pub req_id: u64,
    pub from: Node,
    /// `(partition, required offset, base offset, result once known)`.
    pub parts: Vec<(PartIdx, u64, u64, Option<ErrorCode>)>,
    /// When the request times out (the produce request's timeout).
    pub deadline_us: u64,
}

impl Broker {
    // ---------------------------------------------------------------- produce

    /// Answers a parked produce request with each partition's result.
    pub(super) fn respond_produce(&self, ctx: &mut Ctx, d: &DelayedProduce) {
        let mut results = ctx.pools.produce_results.take();
        results.extend(d.parts.iter().map(|&(part, _, base, res)| {
            let err = res.unwrap_or(ErrorCode::RequestTimedOut);
            let off = (err == ErrorCode::None).then_some(base);
            PartitionResponse::new(part, err, off)
        }));
        self.send_produce_response(ctx, d.from, d.req_id, results);
    }

    /// Sends a produce answer, with KIP-951's `CurrentLeader` on each `NOT_LEADER_OR_FOLLOWER`
    /// (`KafkaApis.handleProduceRequest`).
    fn send_produce_response(
        &self,
        ctx: &mut Ctx,
        to: Node,
        req_id: u64,
        mut results: Vec<PartitionResponse>,
    ) {
        for r in &mut results {
            if r.error == ErrorCode::NotLeaderOrFollower {
                r.current_leader = self.current_leader(ctx, r.part);
            }
        }
        ctx.send(to, Msg::Produce(Produce::Response { req_id, results }));
    }

    /// KIP-951's `CurrentLeader` of `part` (`KafkaApis.getCurrentLeader`): the leader and epoch of
    /// the broker's own partition if it hosts one, else of its metadata cache; none when it knows
    /// no leader (Kafka's -1, which clients ignore). Brokers before 3.7 name nobody.
    pub(super) fn current_leader(&self, ctx: &Ctx, part: PartIdx) -> Option<CurrentLeader> {
        if !ctx.topo.config.current_leader_hints {
            return None;
        }
        let (leader, epoch) = match self.replicas.get(&part) {
            Some(rep) => (rep.state.leader, rep.state.leader_epoch),
            None => self.metadata_cache[part as usize],
        };
        leader.map(|leader| CurrentLeader {
            leader,
            leader_epoch: epoch,
            alive: !self.is_fenced(leader),
        })
    }

    pub(super) fn on_produce(
        &mut self,
        ctx: &mut Ctx,
        from: Node,
        req_id: u64,
        acks: Acks,
        timeout_us: u64,
        mut batches: Vec<ProduceBatch>,
    ) -> BrokerAction {
        let me = self.id;
        let mut results: Vec<PartitionResponse> = ctx.pools.produce_results.take();
        let mut waiting: Vec<(PartIdx, u64, u64, Option<ErrorCode>)> = Vec::new();
        if acks == Acks::All {
            waiting.reserve_exact(batches.len());
        } else {
            results.reserve_exact(batches.len());
        }
        for batch in batches.drain(..) {
            let part = batch.part;
            let Some(r) = self.replicas.get_mut(&part).filter(|r| r.is_leader(me)) else {
                results.push(PartitionResponse::new(
                    part,
                    ErrorCode::NotLeaderOrFollower,
                    None,
                ));
                continue;
            };
            let min_isr = ctx.topo.effective_min_isr_for(part, r.state.replicas.len());
            if acks == Acks::All && r.state.isr.len() < min_isr {
                results.push(PartitionResponse::new(
                    part,
                    ErrorCode::NotEnoughReplicas,
                    None,
                ));
                continue;
            }
            // What the log knows of the batch's producer (its name for the trace, whether it stamps
            // records late for the batch's timestamp).
            let topo = ctx.topo;
            let producer = ctx
                .prov
                .producer_and_key(batch.records[0])
                .and_then(|(p, _)| topo.producers.get(p as usize));
            // `UnifiedLog.analyzeAndValidateRecords`: a batch larger than the topic's
            // `max.message.bytes` is refused whole (`RecordTooLargeException`), after the
            // min-ISR check and before the producer's sequence is looked at. The simulator's
            // producer fills a batch up to `batch.size` in record values, where Kafka's counts
            // its bytes on the wire, so a batch of several records is one Kafka would have
            // built this large only if its values alone pass the limit (then `batch.size` does
            // too); it is judged only then. Not for a Kafka Streams application's records: what
            // its thread does then (the production exception handler) is not modelled
            // (docs/what-khafka-models.md).
            let limit = ctx.topo.log_config(part).max_message_bytes;
            if u64::from(batch.bytes) > limit
                && (batch.records.len() == 1 || u64::from(batch.value_bytes) > limit)
                && ctx.prov.seq(batch.records[0]).0 >> 63 == 0
            {
                results.push(PartitionResponse::new(
                    part,
                    ErrorCode::MessageTooLarge,
                    None,
                ));
                continue;
            }
            // Idempotence: duplicate and sequence checks against the producer's state.
            if let Some((pid, pepoch, base_seq)) = batch.idempotence {
                let last_seq = base_seq + batch.records.len() as i32 - 1;
                use crate::log::producer_state::{check_sequence, SequenceCheck};
                match check_sequence(r.producers.get(&pid), pepoch, base_seq, last_seq) {
                    SequenceCheck::Append => {}
                    SequenceCheck::AppendFromUnknownProducer => {
                        let producer = producer.map_or_else(
                            || format!("producer id {pid}").into(),
                            |p| p.name.clone(),
                        );
                        ctx.emit(TraceKind::UnknownProducerAccepted {
                            partition: topo.part_name(part),
                            broker: me,
                            producer,
                            producer_id: pid,
                            producer_epoch: pepoch,
                            base_sequence: base_seq,
                        });
                    }
                    SequenceCheck::Duplicate { offset } => {
                        // A duplicate: answer with the original offset, but with acks=all only
                        // once the original batch is committed (its requiredOffset).
                        match acks {
                            Acks::All => {
                                let required = offset + batch.records.len() as u64;
                                waiting.push((part, required, offset, None));
                            }
                            _ => results.push(PartitionResponse::new(
                                part,
                                ErrorCode::None,
                                Some(offset),
                            )),
                        }
                        continue;
                    }
                    SequenceCheck::OutOfOrder => {
                        results.push(PartitionResponse::new(
                            part,
                            ErrorCode::OutOfOrderSequenceNumber,
                            None,
                        ));
                        continue;
                    }
                    SequenceCheck::InvalidEpoch => {
                        results.push(PartitionResponse::new(
                            part,
                            ErrorCode::InvalidProducerEpoch,
                            None,
                        ));
                        continue;
                    }
                }
            }
            let base = r.log.log_end_offset();
            let epoch = r.state.leader_epoch;
            let now_us = ctx.now.as_us();
            let stamp = batch
                .idempotence
                .map(
                    |(producer_id, producer_epoch, base_sequence)| ProducerStamp {
                        producer_id,
                        producer_epoch,
                        base_sequence,
                    },
                );
            // CreateTime: the batch's max timestamp is its last record's send time, or the
            // largest of its records' timestamps when its producer stamps records late.
            let late = producer.is_some_and(|p| p.lateness.is_some());
            let max_ts = if late {
                batch
                    .records
                    .iter()
                    .filter_map(|&r| ctx.prov.stamped_ms(r, ctx.topo, true))
                    .max()
            } else {
                // Send times grow: the last record's is the largest.
                batch
                    .records
                    .last()
                    .and_then(|&r| ctx.prov.stamped_ms(r, ctx.topo, false))
            };
            let id = ctx.batches.add_sized(
                base,
                epoch,
                &batch.records,
                stamp,
                batch.bytes as u64,
                max_ts,
            );
            super::log_manager::append(ctx, me, part, &mut r.log, id);
            if let Some(pb) = ctx.prov.batch_of(batch.records[0]) {
                ctx.prov.leader_append(pb, me, id, now_us);
            }
            if let Some((pid, pepoch, base_seq)) = batch.idempotence {
                let last = base_seq + batch.records.len() as i32 - 1;
                r.producers
                    .get_or_default(pid)
                    .add_batch(pepoch, base_seq, last, base);
            }
            let topo = ctx.topo;
            ctx.emit_hot(HotEvent::Appended {
                partition: topo.part_name_ref(part),
                broker: me,
                base_offset: base,
                count: batch.records.len() as u32,
                leader_epoch: epoch,
                batch: id,
                producer_id: stamp.map_or(0, |s| s.producer_id),
                producer_epoch: stamp.map_or(0, |s| s.producer_epoch),
                base_sequence: stamp.map_or(-1, |s| s.base_sequence),
                records: &batch.records,
            });
            ctx.pools.record_ids.give(batch.records);
            let required = r.log.log_end_offset();
            match acks {
                Acks::All => waiting.push((part, required, base, None)),
                _ => results.push(PartitionResponse::new(part, ErrorCode::None, Some(base))),
            }
            // An append that moves the high watermark too wakes every parked fetch at once.
            if !self.maybe_increment_hw(ctx, part, fetch::Woken::All) {
                self.wake_parked(ctx, part, fetch::Woken::Followers);
            }
        }
        ctx.pools.produce.give(batches);
        if acks == Acks::Zero {
            return BrokerAction::None;
        }
        if waiting.is_empty() {
            self.send_produce_response(ctx, from, req_id, results);
            return BrokerAction::None;
        }
        for r in results {
            waiting.push((r.part, 0, r.base_offset.unwrap_or(0), Some(r.error)));
        }
        let mut d = DelayedProduce {
            req_id,
            from,
            parts: waiting,
            deadline_us: ctx.now.as_us().saturating_add(timeout_us),
        };
        self.check_delayed(ctx, &mut d);
        if d.parts.iter().all(|p| p.3.is_some()) {
            self.respond_produce(ctx, &d);
        } else {
            self.delayed_produces.push(d);
            self.arm_produce_check(ctx);
        }
        BrokerAction::None
    }

    /// `DelayedProduce.tryComplete` / `Partition.checkEnoughReplicasReachOffset`.
    pub(super) fn check_delayed(&self, ctx: &mut Ctx, d: &mut DelayedProduce) {
        for (part, required, _, result) in &mut d.parts {
            if result.is_some() {
                continue;
            }
            let Some(r) = self.replicas.get(part) else {
                *result = Some(ErrorCode::NotLeaderOrFollower);
                continue;
            };
            if !r.is_leader(self.id) {
                *result = Some(ErrorCode::NotLeaderOrFollower);
                continue;
            }
            if r.log.high_watermark >= *required {
                let min_isr = ctx
                    .topo
                    .effective_min_isr_for(*part, r.state.replicas.len());
                // Kafka counts the maximal ISR here (KIP-497: the ISR plus a pending expansion), so
                // an acknowledgement can go out while the committed ISR is one short of min ISR
                // and the controller has not yet confirmed the replica that rejoined.
                if r.maximal_isr_len() >= min_isr {
                    *result = Some(ErrorCode::None);
                } else {
                    *result = Some(ErrorCode::NotEnoughReplicasAfterAppend);
                }
            }
        }
    }

    pub(super) fn complete_delayed(&mut self, ctx: &mut Ctx, part: PartIdx) {
        if self.delayed_produces.is_empty() {
            return;
        }
        // In place and in order (no new vector per HW move: this runs for most produce requests).
        let mut pending = std::mem::take(&mut self.delayed_produces);
        pending.retain_mut(|d| {
            if d.parts.iter().any(|p| p.0 == part && p.3.is_none()) {
                self.check_delayed(ctx, d);
            }
            if d.parts.iter().all(|p| p.3.is_some()) {
                self.respond_produce(ctx, d);
                false
            } else {
                true
            }
        });
        self.delayed_produces = pending;
    }

    pub(super) fn fail_delayed_for(&mut self, ctx: &mut Ctx, part: PartIdx, err: ErrorCode) {
        for d in &mut self.delayed_produces {
            for p in &mut d.parts {
                if p.0 == part && p.3.is_none() {
                    p.3 = Some(err);
                }
            }
        }
        self.complete_delayed(ctx, part);
    }

    /// Arms the produce-deadline check for the earliest parked produce.
    pub(super) fn arm_produce_check(&mut self, ctx: &mut Ctx) {
        if let Some(at) = self.delayed_produces.iter().map(|d| d.deadline_us).min() {
            self.produce_check
                .arm(ctx, at, |at_us| Timer::ProduceDeadlineCheck { at_us });
        }
    }
}
