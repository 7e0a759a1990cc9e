//! The application that calls `send()`: its workload (a rate, a key set and how keys are drawn, a
//! start, a stop, a count, pause and resume), generating each record lazily at its own send time.

use super::*;
use crate::protocol::wire;

/// Appends `n` in decimal, as `Display` writes it (the formatting machinery was a tenth of the cost of
/// generating a keyed record).
pub(super) fn push_decimal(buf: &mut String, mut n: u64) {
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

impl Producer {
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
    pub(super) fn interval_due_us(&self, n: u64) -> u64 {
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
    pub(super) fn due_us(&self, n: u64) -> Option<u64> {
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
    ///
    /// `due_us` is [`Producer::next_due_us`], which the engine keeps beside each producer to merge
    /// them (passing it saves recomputing it: a 64-bit division per record).
    pub fn generate_next(&mut self, ctx: &mut Ctx, due_us: u64) {
        debug_assert_eq!(
            Some(due_us),
            self.next_due_us(),
            "the next record's send time"
        );
        self.generate(ctx, due_us);
    }

    /// The earliest instant a record not generated yet could make a batch sendable: the next
    /// record's send time plus `linger.ms` (a batch it starts in an empty queue), or the send time
    /// of the first record that could fill a batch (`batch.size`) or start a second batch behind a
    /// sent one, whichever is earlier. Computed from the queues as they are now, which only the
    /// arriving records change until the producer's next event. Partitions `held` says only a
    /// producer event can release are left out: no batch of theirs becomes sendable before that
    /// event. A batch the next record starts expires `delivery.timeout.ms` after it at the
    /// earliest, wherever it goes: that bounds the wake too.
    pub(super) fn generation_wake_us(&self, held: impl Fn(u32) -> bool) -> Option<u64> {
        let next = self.next_due_us()?;
        // The largest value any phase writes: an estimate that wakes early, never late.
        let size = (self.max_value_bytes() as u64).max(1);
        let batch_size = self.spec.config.batch_size as u64;
        // Records needed to fill the fullest open batch (a new one starts empty); one if a record
        // could start a second batch behind a sent one.
        let mut fullest = 0;
        let mut open = false;
        for &(_, p) in self.ready.iter() {
            if held(p) {
                continue;
            }
            open = true;
            match self.queues[p as usize].back() {
                Some(b) if b.sealed => fullest = batch_size,
                Some(b) => fullest = fullest.max(b.bytes),
                None => {}
            }
        }
        let fill = batch_size.saturating_sub(fullest).div_ceil(size).max(1);
        let cfg = &self.spec.config;
        let expiry = next.saturating_add(crate::time::ms_to_us(cfg.delivery_timeout_ms));
        // Records without a key go to the sticky partition until it may switch; while it is held
        // they make nothing a wake could send, so count from the first that may go elsewhere.
        let first = self.generated + self.records_to_held_sticky(&held, size);
        let Some(first_due) = self.due_us(first) else {
            return Some(expiry);
        };
        // A batch the next record starts is sendable after linger.ms: only in a queue that is
        // empty now (elsewhere the record joins the open batch, or fills it: `fill` above).
        let starts_batch =
            (0..self.local_partitions()).any(|p| self.queues[p as usize].is_empty() && !held(p));
        let linger = if starts_batch {
            first_due.saturating_add(crate::time::ms_to_us(cfg.linger_ms))
        } else {
            u64::MAX
        };
        // No batch to fill where a wake could send it, and none to start: only the expiry.
        let filled = if open || starts_batch {
            self.due_us(first + fill - 1).unwrap_or(u64::MAX)
        } else {
            u64::MAX
        };
        Some(filled.min(linger).min(expiry))
    }

    /// How many of the next records surely go to the sticky partition when it is `held`: records
    /// without a key stay on it while fewer than `batch.size` bytes went to it, and each brings at
    /// most `size` bytes. 0 when records carry keys or an explicit partition, or it is not held.
    fn records_to_held_sticky(&self, held: &impl Fn(u32) -> bool, size: u64) -> u64 {
        let keyless = matches!(self.spec.keys, crate::spec::KeySpec::None)
            || self.spec.config.partitioner_ignore_keys;
        match self.sticky {
            Some((p, bytes)) if keyless && self.spec.partition.is_none() && held(p) => {
                self.sticky_threshold().saturating_sub(bytes).div_ceil(size)
            }
            _ => 0,
        }
    }

    pub(super) fn key_count(&self) -> u64 {
        self.spec.keys.size()
    }

    /// Draws the next key's index in the key set (`None` for null keys).
    pub(super) fn pick_key(&mut self) -> Option<u32> {
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
    pub(super) fn key_bytes(&mut self, i: u32) -> &[u8] {
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

    /// The length of key `i`'s bytes (`None`: a null key), without formatting it.
    pub(super) fn key_len(&self, key: Option<u32>) -> Option<u32> {
        let i = key?;
        (!self.spec.keys.is_none()).then(|| self.spec.keys.byte_len(i))
    }

    /// The largest value the producer writes (`record.size`, or its serializer's largest).
    fn max_value_bytes(&self) -> u32 {
        if !self.spec.values.is_none() {
            return self.spec.values.max_byte_len();
        }
        if self.spec.value_phases.is_empty() {
            return self.spec.record_size;
        }
        self.spec
            .value_phases
            .iter()
            .filter_map(|p| p.bytes.as_ref().ok().copied())
            .max()
            .unwrap_or(0)
    }

    /// Adds a record the application sent at `sent_us` (now or earlier: see [`Producer::generate_next`]).
    pub(super) fn generate(&mut self, ctx: &mut Ctx, sent_us: u64) {
        self.generated += 1;
        let key = self.pick_key();
        let value_bytes = match self.spec.phase_at(sent_us, Some(ctx.prov.next_seq())) {
            // A serializer whose table was never computed fails every record rather than
            // sending `record.size` bytes as if it had encoded them.
            None if self.spec.value_serializer.is_some() => {
                self.failed_in_send(ctx, key, sent_us, ErrorCode::SerializationError);
                return;
            }
            // A value drawn from `values=`, by the place in the workload the record is about
            // to get.
            None => match crate::spec::value_index(&self.spec.values, ctx.prov.next_seq()) {
                Some(v) => self.spec.values.byte_len(v),
                None => self.spec.record_size,
            },
            Some(i) => match self.spec.value_phases[i].bytes {
                Ok(n) => {
                    // The serializer registered this phase's schema with its first record.
                    if let Some(used) = self.phases_used.get_mut(i) {
                        *used = true;
                    }
                    n
                }
                Err(_) => {
                    self.failed_in_send(ctx, key, sent_us, ErrorCode::SerializationError);
                    return;
                }
            },
        };
        // `ensureValidRecordSize`: larger than `max.request.size` when serialized, `send()` throws
        // `RecordTooLargeException` before the partitioner runs.
        let serialized = wire::record_size_upper_bound(self.key_len(key), value_bytes);
        if serialized > self.spec.config.max_request_size as u64 {
            self.failed_in_send(ctx, key, sent_us, ErrorCode::MessageTooLarge);
            return;
        }
        let (partition, sticky) = if let Some(p) = self.spec.partition {
            (p, false)
        } else if let (Some(k), false) = (key, self.spec.config.partitioner_ignore_keys) {
            (self.partition_of_key(k), false)
        } else {
            (self.sticky_partition(), true)
        };
        self.append(ctx, key, partition, value_bytes, sent_us, false);
        if sticky {
            self.sticky_appended(partition, value_bytes as u64);
        }
    }

    /// Kafka Streams' `RecordCollector.send`: a record the topology sends now, with key `key` (an
    /// index in the producer's key set), value bytes `value_bytes`, to the producer's partition
    /// `partition` (a changelog partition) or, without one, the key's partition of the topic.
    /// The caller runs the sender ([`Producer::drain`]) once it sent what it had.
    pub fn send_now(
        &mut self,
        ctx: &mut Ctx,
        key: Option<u32>,
        partition: Option<u32>,
        value_bytes: u32,
    ) -> RecordId {
        let sent_us = ctx.now.as_us();
        let (partition, sticky) = match (partition, key) {
            (Some(p), _) => (p, false),
            (None, Some(k)) => (self.partition_of_key(k), false),
            (None, None) => (self.sticky_partition(), true),
        };
        let id = self.append(ctx, key, partition, value_bytes, sent_us, true);
        if sticky {
            self.sticky_appended(partition, value_bytes as u64);
        }
        id
    }

    /// The accumulator's `append`: the record joins `partition`'s open batch or starts one.
    /// `derived`: a Kafka Streams topology sends it (not part of the workload).
    fn append(
        &mut self,
        ctx: &mut Ctx,
        key: Option<u32>,
        partition: u32,
        value_bytes: u32,
        sent_us: u64,
        derived: bool,
    ) -> RecordId {
        let key_field = wire::key_field(self.key_len(key));
        let value_field = wire::value_field(value_bytes);
        let size = value_bytes as u64;
        let global = self.global_part(partition);
        self.stats.sent += 1;
        let batch_size = self.spec.config.batch_size as u64;
        self.batch_seen(partition);
        let q = &mut self.queues[partition as usize];
        let sent;
        // Whether the queue's sendability changed: a new batch, or a batch that became full (a
        // record joining a batch that is not full changes nothing the sender indexes).
        let changed = match q.back_mut() {
            Some(b) if !b.sealed && b.bytes + size <= batch_size.max(size) => {
                let id = ctx.prov.push(b.prov, key, sent_us, derived);
                b.records_bytes += wire::record_size_of_fields(
                    b.records.len() as u32,
                    (sent_us / 1000).saturating_sub(b.created_us / 1000),
                    key_field,
                    value_field,
                );
                b.records.push(id);
                b.bytes += size;
                sent = id;
                b.bytes >= batch_size
            }
            _ => {
                let prov = ctx.prov.new_batch(
                    self.idx,
                    global,
                    self.spec.config.acks == Acks::All,
                    sent_us,
                );
                let id = ctx.prov.push(prov, key, sent_us, derived);
                sent = id;
                q.push_back(Batch {
                    partition,
                    prov,
                    records: {
                        // A vector a completed batch returned: allocating one per batch was a
                        // tenth of generate.
                        let mut records = ctx.pools.record_ids.take();
                        records.push(id);
                        records
                    },
                    bytes: size,
                    records_bytes: wire::record_size_of_fields(0, 0, key_field, value_field),
                    created_us: sent_us,
                    base_sequence: None,
                    producer_epoch: 0,
                    attempts: 0,
                    retry_at_us: 0,
                    sealed: false,
                    sequence_reset: false,
                    split: false,
                    first_sent_us: None,
                    leader_epoch: None,
                    attempts_when_leader_changed: 0,
                });
                true
            }
        };
        let topo = ctx.topo;
        // At its own send time (the engine may generate it later: see `Trace`'s `sent` hash).
        ctx.trace.emit_hot(
            crate::time::SimTime::from_us(sent_us),
            HotEvent::Sent {
                producer: &self.name,
                partition: topo.part_name_ref(global),
                record: sent,
                key,
            },
        );
        if changed {
            self.refresh(partition);
        }
        sent
    }
}

impl Producer {
    /// `KafkaProducer.doSend` threw: the value serializer's `SerializationException`
    /// (`SerializationError`) or `ensureValidRecordSize`'s `RecordTooLargeException`
    /// (`MessageTooLarge`). The record never reaches the partitioner or the accumulator; `send()`
    /// throws to the application (`record-error-rate` counts it). Its story is a batch of its own,
    /// failed at once, on the topic's first partition (none was chosen).
    fn failed_in_send(&mut self, ctx: &mut Ctx, key: Option<u32>, sent_us: u64, error: ErrorCode) {
        self.stats.sent += 1;
        if error == ErrorCode::SerializationError {
            self.stats.serialization_errors += 1;
        }
        self.stats.failed += 1;
        let prov = ctx.prov.new_batch(
            self.idx,
            self.first_part,
            self.spec.config.acks == Acks::All,
            sent_us,
        );
        let record = ctx.prov.push(prov, key, sent_us, false);
        ctx.prov.fail(prov, error, Some(record));
        *ctx.producer_errors.get_or_default(error.name()) += 1;
        // In the trace as any send and failure, so the export accounts for the record.
        let topo = ctx.topo;
        ctx.trace.emit_hot(
            crate::time::SimTime::from_us(sent_us),
            HotEvent::Sent {
                producer: &self.name,
                partition: topo.part_name_ref(self.first_part),
                record,
                key,
            },
        );
        ctx.trace.emit_at_send(
            crate::time::SimTime::from_us(sent_us),
            crate::trace::TraceKind::SendFailed {
                producer: self.name.clone(),
                partition: topo.part_name(self.first_part),
                error: error.name(),
                records: 1,
                record_ids: vec![record],
            },
        );
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
