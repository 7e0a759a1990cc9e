//! Kafka's `RecordAccumulator` and `KafkaProducer.partition`: the partition of a record (murmur2 for a
//! key, the sticky partitioner for none), batches per partition, and the indexes of when batches
//! become sendable or expire (`delivery.timeout.ms`).

use super::*;

/// `(time, partition)` pairs in order, for the few partitions with queued batches: a sorted vector,
/// cheaper than a `BTreeSet` for a handful of entries changed once or twice per batch.
#[derive(Clone, Debug, Default)]
pub(super) struct TimeIndex {
    entries: Vec<(u64, u32)>,
}

impl TimeIndex {
    pub(super) fn insert(&mut self, e: (u64, u32)) {
        let i = self.entries.partition_point(|x| *x < e);
        if self.entries.get(i) != Some(&e) {
            self.entries.insert(i, e);
        }
    }

    pub(super) fn remove(&mut self, e: &(u64, u32)) {
        if let Ok(i) = self.entries.binary_search(e) {
            self.entries.remove(i);
        }
    }

    pub(super) fn first(&self) -> Option<&(u64, u32)> {
        self.entries.first()
    }

    pub(super) fn iter(&self) -> std::slice::Iter<'_, (u64, u32)> {
        self.entries.iter()
    }

    /// Entries with a time at or before `t`.
    pub(super) fn up_to(&self, t: u64) -> std::slice::Iter<'_, (u64, u32)> {
        let end = self.entries.partition_point(|x| x.0 <= t);
        self.entries[..end].iter()
    }

    /// Entries with a time after `t`, in order.
    pub(super) fn after(&self, t: u64) -> std::slice::Iter<'_, (u64, u32)> {
        let i = self.entries.partition_point(|x| x.0 <= t);
        self.entries[i..].iter()
    }
}

/// Moves partition `p` in a `(time, partition)` index from the time in `slot` to `new`.
pub(super) fn reindex(index: &mut TimeIndex, slot: &mut Option<u64>, new: Option<u64>, p: u32) {
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

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Batch {
    /// Partition number within the topic.
    pub partition: u32,
    /// Its story in the run's provenance.
    pub prov: crate::provenance::ProducerBatchId,
    pub records: Vec<RecordId>,
    /// What `batch.size` counts (record values).
    pub bytes: u64,
    /// Its records as framed in a v2 batch, uncompressed (`DefaultRecord.sizeInBytes` each).
    pub records_bytes: u64,
    pub created_us: u64,
    pub base_sequence: Option<i32>,
    /// Producer epoch the sequence belongs to.
    pub producer_epoch: u16,
    pub attempts: u32,
    pub retry_at_us: u64,
    /// The partition's leader epoch the producer knew when it last looked at the batch at the
    /// head of its queue (`ProducerBatch.currentLeaderEpoch`).
    pub leader_epoch: Option<u32>,
    /// The attempt in which that epoch was first seen (`attemptsWhenLeaderLastChanged`).
    pub attempts_when_leader_changed: u32,
    /// True once drained at least once (no more records may join).
    pub sealed: bool,
    /// Its sequence was rewritten by an epoch bump (`ProducerBatch.sequenceHasBeenReset`).
    pub sequence_reset: bool,
    /// Split after the leader refused it as too large (`splitAndReenqueue`).
    pub split: bool,
    pub first_sent_us: Option<u64>,
}

impl Batch {
    /// `ProducerBatch.maybeUpdateLeaderEpoch`: a newer leader epoch than the last seen is noted
    /// with the attempt it came in.
    pub(super) fn observe_leader_epoch(&mut self, epoch: u32) {
        if self.leader_epoch.is_none_or(|e| e < epoch) {
            self.leader_epoch = Some(epoch);
            self.attempts_when_leader_changed = self.attempts;
        }
    }

    /// `hasLeaderChangedForTheOngoingRetry` (KIP-951): a retry whose partition got a new leader
    /// since its last attempt skips the retry backoff.
    pub(super) fn leader_changed_for_retry(&self) -> bool {
        self.attempts >= 1 && self.attempts == self.attempts_when_leader_changed
    }

    /// Still waiting out its retry backoff at `now` (`RecordAccumulator.shouldBackoff`).
    pub(super) fn backing_off(&self, now: u64) -> bool {
        self.attempts > 0 && self.retry_at_us > now && !self.leader_changed_for_retry()
    }

    /// Bytes a clone of the batch copies: the batch, and its record ids in an allocation of their
    /// own (with the allocator's rounding and header, about 16 bytes).
    pub(crate) fn clone_bytes(&self) -> u64 {
        let ids = (self.records.len() * std::mem::size_of::<RecordId>()).max(8);
        (std::mem::size_of::<Batch>() + ids + 16) as u64
    }

    /// Its size on the wire: the 61-byte header and its records, compressed by the producer's
    /// `compression.type` — at the ratios measured on real batches of the records of the schema
    /// phase its first record was sent in, when the producer has them, else at the codec's fixed
    /// ratio.
    pub fn wire_bytes(&self, spec: &crate::spec::ProducerSpec) -> u32 {
        use crate::protocol::{wire, CompressionType};
        let codec = spec.config.compression_type;
        let points = match spec.phase_at(self.created_us, None) {
            Some(i) if codec != CompressionType::None => &spec.value_phases[i].compression[..],
            _ => &[],
        };
        let records = if points.is_empty() {
            codec.compressed(self.records_bytes)
        } else {
            wire::compressed_by_points(self.records_bytes, self.records.len() as u32, points)
        };
        let b = wire::RECORD_BATCH_OVERHEAD + records;
        b.min(u32::MAX as u64) as u32
    }
}

impl Producer {
    /// Bytes a clone of the producer copies rather than shares: mostly its queued and in-flight
    /// batches, which a producer that cannot keep up piles up.
    pub(crate) fn clone_bytes(&self) -> u64 {
        let queued: u64 = self
            .queues
            .iter()
            .flat_map(|q| q.iter())
            .map(Batch::clone_bytes)
            .sum();
        let in_flight: u64 = self
            .in_flight
            .values()
            .flat_map(|f| f.batches.iter())
            .map(Batch::clone_bytes)
            .sum();
        std::mem::size_of::<Producer>() as u64
            + queued
            + in_flight
            + (self.queues.len() * (std::mem::size_of::<VecDeque<Batch>>() + 64)) as u64
    }

    /// The partition Kafka's default partitioner picks for key `k` (murmur2 of its bytes), cached per
    /// key: formatting and hashing the key was a fifth of generating a record. The cache is shared
    /// with checkpoints until written (`Arc::make_mut`).
    pub(super) fn partition_of_key(&mut self, k: u32) -> u32 {
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
    pub(super) fn refresh(&mut self, p: u32) {
        // The head batch notes the leader epoch the producer knows (Kafka does at every
        // `ready()` and `drain()`; the queue's head and the leaders change only where this runs).
        if let (Some(f), Some((_, epoch))) = (
            self.queues[p as usize].front_mut(),
            self.leaders[p as usize],
        ) {
            f.observe_leader_epoch(epoch);
        }
        let q = &self.queues[p as usize];
        let (ready, deadline) = match q.front() {
            None => (None, None),
            Some(f) => {
                // A retry is sendable once its backoff is over (its batch is closed, so "full"),
                // at once when its leader changed since its last attempt.
                let ready = if f.attempts > 0 {
                    if f.leader_changed_for_retry() {
                        0
                    } else {
                        f.retry_at_us
                    }
                } else if self.flushing
                    || q.len() > 1
                    || f.bytes >= self.spec.config.batch_size as u64
                {
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

    /// KIP-794 (`BuiltInPartitioner`): the partition a record without a key goes to — the sticky
    /// one, picked when the first such record comes and again at each switch. A switch put off
    /// while the partition's last batch had room happens here once it is full or has left
    /// (`RecordAccumulator.partitionChanged`).
    pub(super) fn sticky_partition(&mut self) -> u32 {
        match self.sticky {
            Some((p, _)) => {
                self.sticky_appended(p, 0);
                self.sticky.map_or(p, |s| s.0)
            }
            None => {
                let p = self.next_partition();
                self.sticky = Some((p, 0));
                p
            }
        }
    }

    /// The bytes after which the sticky partitioner may switch: `batch.size`, at least 1
    /// (`KafkaProducer` gives the partitioner `max(1, batch.size)`).
    pub(super) fn sticky_threshold(&self) -> u64 {
        (self.spec.config.batch_size as u64).max(1)
    }

    /// `BuiltInPartitioner.updatePartitionInfo` after `size` bytes joined sticky partition `p`:
    /// switch once [`Producer::sticky_threshold`] bytes went to it and its last batch is full
    /// (`RecordAccumulator.allBatchesFull`: a switch while a batch lingers with room would leave it
    /// a fraction), or once twice that went to it whatever its batches.
    pub(super) fn sticky_appended(&mut self, p: u32, size: u64) {
        let batch_size = self.spec.config.batch_size as u64;
        let all_full = self.queues[p as usize]
            .back()
            .is_none_or(|b| b.sealed || b.bytes >= batch_size);
        let threshold = self.sticky_threshold();
        let Some((sp, bytes)) = &mut self.sticky else {
            return;
        };
        if *sp != p {
            return;
        }
        *bytes += size;
        if (*bytes >= threshold && all_full) || *bytes >= threshold.saturating_mul(2) {
            let next = self.next_partition();
            self.sticky = Some((next, 0));
        }
    }

    /// `BuiltInPartitioner.nextPartition`, with the load statistics `RecordAccumulator.
    /// partitionReady` gathers and `updatePartitionLoadStats` folds into a cumulative frequency
    /// table: per partition with a leader, in partition order, `max + 1 − queue length` (an empty
    /// queue weighs most), summed as it goes. Uniform among the partitions with a leader (among
    /// all when none has one) when adaptive partitioning is off, before every partition had a
    /// batch, for a topic of one partition, or when every partition has a leader and all queues are
    /// equally long. Kafka gathers the statistics at every `ready()` of the sender loop and the
    /// next switch reads the last; here they are gathered at the switch, from the queues as they
    /// are then (at most one sender pass later), so that when the sender runs changes nothing.
    fn next_partition(&mut self) -> u32 {
        let n = self.partitions as usize;
        let (ids, cft) = (&mut self.load_ids, &mut self.load_cft);
        ids.clear();
        cft.clear();
        for p in 0..n {
            if self.leaders[p].is_some() {
                ids.push(p as u32);
                cft.push(self.queues[p].len() as u32);
            }
        }
        let Some(&first) = cft.first() else {
            return self.rng.below(n as u64) as u32;
        };
        let uniform = !self.spec.config.partitioner_adaptive_partitioning_enable
            || (self.seen_count as usize) < n
            || n < 2
            || (ids.len() == n && cft.iter().all(|&q| q == first));
        if uniform {
            return ids[self.rng.below(ids.len() as u64) as usize];
        }
        let max_plus_1 = cft.iter().copied().max().unwrap_or(0) + 1;
        let mut sum = 0;
        for q in cft.iter_mut() {
            sum += max_plus_1 - *q;
            *q = sum;
        }
        let r = self.rng.below(u64::from(sum)) as u32;
        // The first entry strictly greater than `r`.
        ids[cft.partition_point(|&c| c <= r)]
    }

    /// A record is appended to partition `p`: its queue exists from now on (Kafka's
    /// `batches.computeIfAbsent` in `RecordAccumulator.append`).
    pub(super) fn batch_seen(&mut self, p: u32) {
        if self.seen_count == self.partitions {
            return;
        }
        if let Some(seen) = self.batches_seen.get_mut(p as usize) {
            if !*seen {
                *seen = true;
                self.seen_count += 1;
            }
        }
    }

    /// Fails queued batches whose `delivery.timeout.ms` has passed.
    pub(super) fn expire(&mut self, ctx: &mut Ctx) {
        let now = ctx.now.as_us();
        let mut expired = Vec::new();
        while let Some(&(deadline, p)) = self.deadlines.first() {
            if deadline > now {
                break;
            }
            expired.push(self.queues[p as usize].pop_front().expect("indexed front"));
            self.refresh(p);
        }
        self.expired_batches += expired.len() as u64;
        for b in expired {
            self.fail(ctx, b, ErrorCode::DeliveryTimeout);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `reindex` keeps the index equal to a sorted set of each partition's `(time, partition)`.
    #[test]
    fn reindex_matches_a_sorted_set() {
        let mut rng = crate::rng::SimRng::derive(7, "test");
        let mut index = TimeIndex::default();
        let mut slots: Vec<Option<u64>> = vec![None; 12];
        for _ in 0..20_000 {
            let p = rng.below(12) as u32;
            let new = match rng.below(4) {
                0 => None,
                _ => Some(rng.below(40)),
            };
            reindex(&mut index, &mut slots[p as usize], new, p);
            let mut model: Vec<(u64, u32)> = slots
                .iter()
                .enumerate()
                .filter_map(|(p, t)| t.map(|t| (t, p as u32)))
                .collect();
            model.sort_unstable();
            assert_eq!(index.iter().copied().collect::<Vec<_>>(), model);
        }
    }
}
