//! Record provenance: the story of every record a producer sent.
//!
//! When it was sent; where it was first appended (broker, offset, leader epoch); when it was
//! acknowledged (and at which offset) or failed (and with which error); when the leader's high
//! watermark passed it (committed); when a consumer first received it. The end-of-run verdicts —
//! lost, duplicated, reordered, unavailable — are computed from the final logs in `Sim::outcome`.
//!
//! Most of a record's story is its batch's: a producer batch (Kafka's `ProducerBatch`) is sent,
//! retried, appended, acknowledged, failed and committed as a whole. So the story is kept per batch
//! ([`BatchInfo`]), and per record only what is its own: when it was sent, its key, its batch and
//! when a consumer first received it ([`RecordInfo`], 20 bytes). A record's offsets are its batch's
//! plus its index in the batch, found in the stored batch.

use crate::chunked::ChunkVec;
use crate::log::{BatchId, BatchStore, RecordId};
use crate::msg::{ErrorCode, PartIdx};
use crate::spec::BrokerId;
use crate::spec::WorkloadSeq;
use serde::Serialize;

/// `u32::MAX` stands for "not yet" in the packed fields below.
const NONE32: u32 = u32::MAX;

/// Index of a producer batch in [`Provenance`].
pub type ProducerBatchId = u32;

/// What is a record's own: a 10-minute run at 10,000 records/s keeps six million of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, packed(4))]
pub struct RecordInfo {
    sent_us: u64,
    key: u32,
    batch: ProducerBatchId,
    /// µs from `sent_us` to the first consumption (saturating at 71 minutes).
    consumed_dt: u32,
}

/// A producer batch's story. Times are µs since its creation (up to 71 minutes; later instants
/// saturate there).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BatchInfo {
    pub created_us: u64,
    /// Base offset in the acknowledgement (`NONE32`: none, or `acks=0`). Offsets stay below 2^32:
    /// the batch store holds fewer records than that.
    ack_base: u32,
    /// The stored batch of its first append on a leader.
    first_batch: BatchId,
    pub producer: u32,
    pub part: PartIdx,
    /// Records in the batch.
    pub count: u32,
    first_append_dt: u32,
    acked_dt: u32,
    committed_dt: u32,
    first_append_broker: u16,
    /// Times the batch was appended on a leader (more than one means a duplicate was written).
    pub leader_appends: u16,
    pub attempts: u16,
    pub failed: Option<ErrorCode>,
    /// [`ACKS_ALL`] and [`ACKED_BEFORE_COMMIT`] (one byte: the struct stays 48).
    flags: u8,
}

/// Sent with `acks=all`.
const ACKS_ALL: u8 = 1;
/// Its first acknowledgement came before a leader's high watermark passed it (`acks=1` or
/// `acks=0` while the ISR has followers: the producer was told before the write was committed).
const ACKED_BEFORE_COMMIT: u8 = 2;

impl BatchInfo {
    pub fn acks_all(&self) -> bool {
        self.flags & ACKS_ALL != 0
    }

    pub fn acked_before_commit(&self) -> bool {
        self.flags & ACKED_BEFORE_COMMIT != 0
    }

    fn dt(&self, at_us: u64) -> u32 {
        at_us.saturating_sub(self.created_us).min(NONE32 as u64 - 1) as u32
    }

    fn at(&self, dt: u32) -> Option<u64> {
        (dt != NONE32).then(|| self.created_us + dt as u64)
    }

    pub fn acked_us(&self) -> Option<u64> {
        self.at(self.acked_dt)
    }

    pub fn committed_us(&self) -> Option<u64> {
        self.at(self.committed_dt)
    }
}

/// One record's story, assembled from its own entry and its batch's ([`Provenance::get`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordView {
    pub sent_us: u64,
    pub producer: u32,
    pub part: PartIdx,
    /// Times its batch was appended on a leader (more than one means a duplicate was written).
    pub leader_appends: u16,
    pub attempts: u16,
    pub failed: Option<ErrorCode>,
    pub acks_all: bool,
    key: Option<u32>,
    first_append: Option<(BrokerId, u64, u32, u64)>,
    acked_us: Option<u64>,
    ack_offset: Option<u64>,
    committed_us: Option<u64>,
    consumed_us: Option<u64>,
}

impl RecordView {
    /// Index into the producer's key set; `None` for a null key.
    pub fn key(&self) -> Option<u32> {
        self.key
    }

    /// `(broker, offset, leader epoch, time)` of the first append on a leader.
    pub fn first_append(&self) -> Option<(BrokerId, u64, u32, u64)> {
        self.first_append
    }

    /// Whether the copy of this record at `offset` of a log is a later copy: the record was
    /// appended on a leader more than once and first at an earlier offset.
    pub fn is_later_copy(&self, offset: u64) -> bool {
        self.leader_appends > 1
            && self
                .first_append
                .is_some_and(|(_, first, _, _)| first < offset)
    }

    pub fn acked_us(&self) -> Option<u64> {
        self.acked_us
    }

    /// Offset in the acknowledgement (`None` for `acks=0`, which gets -1).
    pub fn ack_offset(&self) -> Option<u64> {
        self.ack_offset
    }

    pub fn committed_us(&self) -> Option<u64> {
        self.committed_us
    }

    pub fn consumed_us(&self) -> Option<u64> {
        self.consumed_us
    }
}

/// What the verdict counts read of a record, without its offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordBrief {
    pub producer: u32,
    pub part: PartIdx,
    pub acked: bool,
    pub failed: bool,
    pub consumed: bool,
}

/// Every record's story, with running counts kept as the stories change (so a picture of a long run
/// never has to walk six million records to say how many were acknowledged).
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    records: ChunkVec<RecordInfo>,
    batches: ChunkVec<BatchInfo>,
    /// Records acknowledged, by partition.
    pub(crate) acked_by_part: Vec<u64>,
    /// Records that failed and were never acknowledged.
    pub(crate) failed: u64,
    /// The first record of the first batch that failed, never acknowledged: the example a
    /// headline that counts failed records explains.
    pub(crate) first_failed: Option<RecordId>,
    /// Records some consumer received.
    pub(crate) consumed: u64,
    /// Records first acknowledged before a high watermark passed them.
    pub(crate) acked_before_commit: u64,
    /// Bytes on the wire (compressed) of the batches acknowledged, each counted once.
    pub(crate) acked_bytes: u64,
    /// What has been counted of the leaders' logs (see `verdict.rs`).
    pub(crate) scan: crate::verdict::LeaderScan,
    /// One bit per record: deleted by retention or compaction on some replica (it fell below
    /// that replica's log start offset, or that replica's cleaner dropped it).
    deleted_bits: ChunkVec<u64>,
    /// Records with their deleted bit set.
    pub(crate) deleted: u64,
    /// One bit per stored batch (a copy in the logs, `BatchId`): a leader's high watermark
    /// passed it. Followers' copies are the leader's stored batches, so the bit holds on every
    /// replica that copied it; a batch written again (a retry) is another stored batch.
    committed_copies: ChunkVec<u64>,
    /// The timestamps (ms) of records whose producer stamps each one itself (a Kafka Streams
    /// instance's output and changelog records), by record id (ids only grow: sorted).
    explicit_ts: ChunkVec<(RecordId, u64)>,
    /// The ids of the records a Kafka Streams topology wrote (`Producer::send_now`), sorted:
    /// the others are the workload, numbered by [`Provenance::seq`].
    derived: ChunkVec<RecordId>,
    /// Every append of a batch on a leader after its first (a duplicate written by a retry),
    /// in the order they happened: few, so a record's story can name each one.
    later_appends: Vec<LaterAppend>,
}

/// A batch appended on a leader again ([`Provenance::later_appends`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LaterAppend {
    batch: ProducerBatchId,
    broker: BrokerId,
    stored: BatchId,
    at_us: u64,
}

impl Provenance {
    /// Bytes a clone of the provenance copies rather than shares.
    pub(crate) fn clone_bytes(&self) -> u64 {
        self.records.clone_bytes()
            + self.batches.clone_bytes()
            + self.scan.clone_bytes()
            + self.explicit_ts.clone_bytes()
            + self.derived.clone_bytes()
            + self.committed_copies.clone_bytes()
            + (self.later_appends.len() * std::mem::size_of::<LaterAppend>()) as u64
            + (self.acked_by_part.len() * 8) as u64
    }

    /// Records sent so far.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// A producer created a batch for `part` at `created_us`.
    pub fn new_batch(
        &mut self,
        producer: u32,
        part: PartIdx,
        acks_all: bool,
        created_us: u64,
    ) -> ProducerBatchId {
        let id = u32::try_from(self.batches.len()).expect("fewer than 2^32 producer batches");
        self.batches.push(BatchInfo {
            created_us,
            ack_base: NONE32,
            first_batch: NONE32,
            producer,
            part,
            count: 0,
            first_append_dt: NONE32,
            acked_dt: NONE32,
            committed_dt: NONE32,
            first_append_broker: 0,
            leader_appends: 0,
            attempts: 0,
            failed: None,
            flags: if acks_all { ACKS_ALL } else { 0 },
        });
        id
    }

    /// The id the next record pushed gets.
    pub fn next_id(&self) -> RecordId {
        self.records.len() as RecordId
    }

    /// How many records a Kafka Streams topology wrote (none of the workload).
    pub fn derived_count(&self) -> u64 {
        self.derived.len() as u64
    }

    /// The place in the workload of the next workload record pushed.
    pub fn next_seq(&self) -> WorkloadSeq {
        WorkloadSeq((self.records.len() - self.derived.len()) as u64)
    }

    /// Record `id`'s place in the workload: how many workload records came before it. A record a
    /// topology wrote is none of the workload; it gets a number of its own, past any workload's.
    pub fn seq(&self, id: RecordId) -> WorkloadSeq {
        let n = self.derived.len();
        if n == 0 {
            return WorkloadSeq(id);
        }
        // How many derived ids are below `id` (binary search; ids only grow).
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.derived.get(mid).is_some_and(|&d| d < id) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if self.derived.get(lo) == Some(&id) {
            return WorkloadSeq(id | 1 << 63);
        }
        WorkloadSeq(id - lo as u64)
    }

    /// A record the application sent at `sent_us` joined `batch`; `derived`: a Kafka Streams
    /// topology wrote it (not part of the workload: see [`WorkloadSeq`]).
    pub fn push(
        &mut self,
        batch: ProducerBatchId,
        key: Option<u32>,
        sent_us: u64,
        derived: bool,
    ) -> RecordId {
        let id = self.records.len() as RecordId;
        if derived {
            self.derived.push(id);
        }
        let b = self
            .batches
            .get_mut(batch as usize)
            .expect("a created batch");
        b.count += 1;
        let producer = b.producer;
        self.scan.sent(producer);
        if id.is_multiple_of(64) {
            self.deleted_bits.push(0);
        }
        self.records.push(RecordInfo {
            sent_us,
            key: key.unwrap_or(NONE32),
            batch,
            consumed_dt: NONE32,
        });
        id
    }

    /// When the application sent record `id` (its timestamp, `CreateTime`).
    pub fn sent_us(&self, id: RecordId) -> Option<u64> {
        self.records.get(id as usize).map(|r| r.sent_us)
    }

    /// The timestamp (`CreateTime`, ms) of record `id`: when it was sent, or earlier if its
    /// producer stamps records late (`ProducerSpec::lateness`).
    pub fn timestamp_ms(&self, id: RecordId, topo: &crate::topology::Topology) -> Option<u64> {
        let r = self.records.get(id as usize)?;
        let producer = self.batches.get(r.batch as usize)?.producer;
        Some(match topo.producers.get(producer as usize) {
            Some(p) if p.explicit_timestamps => self
                .explicit_ts
                .find_sorted(id)
                .unwrap_or(r.sent_us / 1_000),
            Some(p) => p.timestamp_ms(self.seq(id), r.sent_us),
            None => r.sent_us / 1_000,
        })
    }

    /// The timestamp a leader counts in the largest timestamp of record `id`'s batch: its send
    /// time, or its own timestamp when its producer stamps records `late` (`produce.rs`; the
    /// cleaner uses the same for the pieces it keeps).
    pub fn stamped_ms(
        &self,
        id: RecordId,
        topo: &crate::topology::Topology,
        late: bool,
    ) -> Option<u64> {
        if late {
            self.timestamp_ms(id, topo)
        } else {
            self.sent_us(id).map(|us| us / 1_000)
        }
    }

    /// Record `id` (the newest so far) carries timestamp `ms`, given by the application rather
    /// than its send time (`ProducerRecord.timestamp`).
    pub fn set_timestamp(&mut self, id: RecordId, ms: u64) {
        debug_assert!(self.explicit_ts.last().is_none_or(|l| l.0 < id), "ids grow");
        self.explicit_ts.push((id, ms));
    }

    /// The producer of record `id` and its key's index in that producer's key set (`None`: a
    /// null key).
    pub fn producer_and_key(&self, id: RecordId) -> Option<(u32, Option<u32>)> {
        let r = self.records.get(id as usize)?;
        let b = self.batches.get(r.batch as usize)?;
        let key = r.key;
        Some((b.producer, (key != NONE32).then_some(key)))
    }

    /// Whether record `id` was deleted by retention or compaction on some replica.
    pub fn is_deleted(&self, id: RecordId) -> bool {
        bit(&self.deleted_bits, id)
    }

    /// Retention or the cleaner removed record `id` from a replica's live log: it was kept, then
    /// deleted by policy, so the verdicts never call it lost. Returns whether it is new.
    pub fn mark_deleted(&mut self, id: RecordId) -> bool {
        let Some(part) = self.brief(id).map(|b| b.part) else {
            return false; // a coordinator record
        };
        let Some(w) = self.deleted_bits.get_mut((id / 64) as usize) else {
            return false;
        };
        if *w & (1 << (id % 64)) != 0 {
            return false;
        }
        *w |= 1 << (id % 64);
        self.deleted += 1;
        self.scan.deleted(id, part as usize);
        true
    }

    /// The batch record `id` belongs to.
    pub fn batch_of(&self, id: RecordId) -> Option<ProducerBatchId> {
        self.records.get(id as usize).map(|r| r.batch)
    }

    /// The story of producer batch `batch`.
    pub fn batch(&self, batch: ProducerBatchId) -> Option<&BatchInfo> {
        self.batches.get(batch as usize)
    }

    /// The producer sent the batch (once per attempt).
    pub fn attempt(&mut self, batch: ProducerBatchId) {
        if let Some(b) = self.batches.get_mut(batch as usize) {
            b.attempts = b.attempts.saturating_add(1);
        }
    }

    /// A leader (`broker`) appended the batch as stored batch `stored`.
    pub fn leader_append(
        &mut self,
        batch: ProducerBatchId,
        broker: BrokerId,
        stored: BatchId,
        at_us: u64,
    ) {
        let Some(b) = self.batches.get_mut(batch as usize) else {
            return;
        };
        b.leader_appends = b.leader_appends.saturating_add(1);
        if b.first_batch == NONE32 {
            b.first_batch = stored;
            b.first_append_broker = broker as u16;
            b.first_append_dt = b.dt(at_us);
        } else {
            self.later_appends.push(LaterAppend {
                batch,
                broker,
                stored,
                at_us,
            });
        }
    }

    /// Record `id`'s appends on a leader after its first, as `(broker, offset, leader epoch,
    /// time)`: the copies a retry wrote again.
    pub fn later_appends(
        &self,
        id: RecordId,
        store: &BatchStore,
    ) -> Vec<(BrokerId, u64, u32, u64)> {
        let Some(r) = self.records.get(id as usize) else {
            return Vec::new();
        };
        let batch = r.batch;
        self.later_appends
            .iter()
            .filter(|a| a.batch == batch)
            .filter_map(|a| {
                let i = store.record_ids(a.stored).position(|r| r == id)? as u64;
                let s = store.get(a.stored);
                Some((a.broker, s.base_offset + i, s.leader_epoch, a.at_us))
            })
            .collect()
    }

    /// A leader's high watermark passed a copy of the batch (the first time counts).
    pub fn commit(&mut self, batch: ProducerBatchId, at_us: u64) {
        if let Some(b) = self.batches.get_mut(batch as usize) {
            if b.committed_dt == NONE32 {
                b.committed_dt = b.dt(at_us);
            }
        }
    }

    /// The producer got an acknowledgement for the batch, whose records are `records` (at
    /// `base_offset`; `None` for `acks=0`) and which took `wire_bytes` on the wire (counted the
    /// first time).
    pub fn ack(
        &mut self,
        batch: ProducerBatchId,
        records: &[RecordId],
        at_us: u64,
        base_offset: Option<u64>,
        wire_bytes: u64,
    ) {
        let Some(b) = self.batches.get_mut(batch as usize) else {
            return;
        };
        let first = b.acked_dt == NONE32;
        let was_failed = b.failed.is_some();
        let part = b.part as usize;
        b.acked_dt = b.dt(at_us);
        b.ack_base = base_offset
            .and_then(|o| u32::try_from(o).ok())
            .unwrap_or(NONE32);
        if !first {
            return;
        }
        self.acked_bytes = self.acked_bytes.saturating_add(wire_bytes);
        let n = records.len() as u64;
        if b.committed_dt == NONE32 {
            b.flags |= ACKED_BEFORE_COMMIT;
            self.acked_before_commit += n;
        }
        if was_failed {
            self.failed -= n;
        }
        if self.acked_by_part.len() <= part {
            self.acked_by_part.resize(part + 1, 0);
        }
        self.acked_by_part[part] += n;
        for &id in records {
            self.scan.acked(id, part);
        }
    }

    /// The producer gave up on the batch with `err`.
    /// The batch failed with `err`; `example` is one of its records.
    pub fn fail(&mut self, batch: ProducerBatchId, err: ErrorCode, example: Option<RecordId>) {
        let Some(b) = self.batches.get_mut(batch as usize) else {
            return;
        };
        if b.failed.is_none() && b.acked_dt == NONE32 {
            self.failed += b.count as u64;
            self.first_failed = self.first_failed.or(example);
        }
        b.failed = Some(err);
    }

    /// A consumer received the record (the first time counts).
    pub fn consume(&mut self, id: RecordId, at_us: u64) {
        // Read first: most calls find it consumed already (every group and consumer reads every
        // record), and a write may copy a chunk a checkpoint shares.
        if self
            .records
            .get(id as usize)
            .is_none_or(|r| r.consumed_dt != NONE32)
        {
            return;
        }
        if let Some(r) = self.records.get_mut(id as usize) {
            r.consumed_dt = at_us.saturating_sub(r.sent_us).min(NONE32 as u64 - 1) as u32;
            self.consumed += 1;
        }
    }

    /// A leader's high watermark passed stored batch `copy` (its last record).
    pub fn commit_copy(&mut self, copy: crate::log::BatchId) {
        let word = (copy / 64) as usize;
        while self.committed_copies.len() <= word {
            self.committed_copies.push(0);
        }
        if let Some(w) = self.committed_copies.get_mut(word) {
            *w |= 1 << (copy % 64);
        }
    }

    /// Whether a leader's high watermark has passed stored batch `copy`: committed, though a
    /// new leader's own high watermark may not have caught up with it yet.
    pub fn copy_committed(&self, copy: crate::log::BatchId) -> bool {
        bit(&self.committed_copies, u64::from(copy))
    }

    /// What the verdict counts read of record `id`.
    pub fn brief(&self, id: RecordId) -> Option<RecordBrief> {
        let r = self.records.get(id as usize)?;
        let b = self.batches.get(r.batch as usize)?;
        Some(RecordBrief {
            producer: b.producer,
            part: b.part,
            acked: b.acked_dt != NONE32,
            failed: b.failed.is_some(),
            consumed: r.consumed_dt != NONE32,
        })
    }

    /// When the first record of the run was sent (records are numbered in send order).
    pub fn first_sent_us(&self) -> Option<u64> {
        self.records.get(0).map(|r| r.sent_us)
    }

    /// Bytes on the wire of the batches acknowledged so far.
    pub fn acked_bytes(&self) -> u64 {
        self.acked_bytes
    }

    /// Calls `f` with the latency of every acknowledged record (µs from `send()` to the
    /// acknowledgement), in id order.
    pub fn for_each_ack_latency(&self, mut f: impl FnMut(u64)) {
        for r in self.records.iter() {
            let b = self.batches.get(r.batch as usize).expect("a created batch");
            if let Some(acked) = b.acked_us() {
                f(acked.saturating_sub(r.sent_us));
            }
        }
    }

    /// Records whose batch was first acknowledged before a high watermark passed it, counted
    /// over the batches (what the running count `acked_before_commit` must equal). Read from
    /// the flag the acknowledgement set, not from the batch's two times: an acknowledgement and
    /// a commit at the same microsecond keep their order only there (the sweep, recounting from
    /// the times, differed by 1 to 3 records in 5 seeds of 300). The independent recount is
    /// `tests/trace_account.rs`'s, from the order of the trace's lines.
    pub fn acked_before_commit_recounted(&self) -> u64 {
        self.batches
            .iter()
            .filter(|b| b.acked_before_commit())
            .map(|b| u64::from(b.count))
            .sum()
    }

    /// The data flow's steps for every record, in id order: `(to_leader, replication,
    /// to_consumer, end_to_end)` in µs, each `None` when the record has not made that step (the
    /// times are its batch's first append on a leader and commit, and its own first consumption).
    pub fn for_each_flow(
        &self,
        mut f: impl FnMut(Option<u64>, Option<u64>, Option<u64>, Option<u64>),
    ) {
        for r in self.records.iter() {
            let b = self.batches.get(r.batch as usize).expect("a created batch");
            let sent = r.sent_us;
            let appended = b.at(b.first_append_dt);
            let committed = b.committed_us();
            let consumed = (r.consumed_dt != NONE32).then(|| sent + r.consumed_dt as u64);
            let step = |from: Option<u64>, to: Option<u64>| Some(to?.saturating_sub(from?));
            f(
                step(Some(sent), appended),
                step(appended, committed),
                step(committed, consumed),
                step(Some(sent), consumed),
            );
        }
    }

    /// Every record's brief, in id order.
    pub fn briefs(&self) -> impl Iterator<Item = (RecordId, RecordBrief)> + '_ {
        self.records.iter().enumerate().map(|(id, r)| {
            let b = self.batches.get(r.batch as usize).expect("a created batch");
            (
                id as RecordId,
                RecordBrief {
                    producer: b.producer,
                    part: b.part,
                    acked: b.acked_dt != NONE32,
                    failed: b.failed.is_some(),
                    consumed: r.consumed_dt != NONE32,
                },
            )
        })
    }

    /// Whether record `id` was acknowledged, and whether its copy at `offset` is a later copy (see
    /// [`RecordView::is_later_copy`]), without assembling the whole story: most records were
    /// appended once.
    pub fn acked_and_later_copy(
        &self,
        id: RecordId,
        offset: u64,
        store: &BatchStore,
    ) -> (bool, bool) {
        let Some(r) = self.records.get(id as usize) else {
            return (false, false);
        };
        let batch = r.batch;
        let Some(b) = self.batches.get(batch as usize) else {
            return (false, false);
        };
        let acked = b.acked_dt != NONE32;
        let later =
            b.leader_appends > 1 && self.get(id, store).is_some_and(|v| v.is_later_copy(offset));
        (acked, later)
    }

    /// The story of record `id`; its offsets come from the stored batch of its first append.
    pub fn get(&self, id: RecordId, store: &BatchStore) -> Option<RecordView> {
        let r = *self.records.get(id as usize)?;
        let b = self.batches.get(r.batch as usize)?;
        let sent_us = r.sent_us;
        let first = (b.first_batch != NONE32).then(|| store.get(b.first_batch));
        let index = first.and_then(|_| {
            store
                .record_ids(b.first_batch)
                .position(|r| r == id)
                .map(|i| i as u64)
        });
        let first_append = match (first, index, b.at(b.first_append_dt)) {
            (Some(f), Some(i), Some(t)) => Some((
                b.first_append_broker as BrokerId,
                f.base_offset + i,
                f.leader_epoch,
                t,
            )),
            _ => None,
        };
        let ack_offset = match (b.ack_base, index) {
            (NONE32, _) => None,
            (base, Some(i)) => Some(base as u64 + i),
            (base, None) => Some(base as u64),
        };
        let consumed_dt = r.consumed_dt;
        Some(RecordView {
            sent_us,
            producer: b.producer,
            part: b.part,
            leader_appends: b.leader_appends,
            attempts: b.attempts,
            failed: b.failed,
            acks_all: b.acks_all(),
            key: (r.key != NONE32).then_some(r.key),
            first_append,
            acked_us: b.acked_us(),
            ack_offset,
            committed_us: b.committed_us(),
            consumed_us: (consumed_dt != NONE32).then(|| sent_us + consumed_dt as u64),
        })
    }
}

/// Bit `i` of a set kept as 64-bit words (the deleted records, the committed copies).
fn bit(words: &ChunkVec<u64>, i: u64) -> bool {
    words
        .get((i / 64) as usize)
        .is_some_and(|w| w & (1 << (i % 64)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workload record's place skips the records a topology wrote, so what a topology writes
    /// cannot change the values and timestamps drawn for the input.
    #[test]
    fn workload_places_skip_the_records_a_topology_wrote() {
        let mut p = Provenance::default();
        let b = p.new_batch(0, 0, true, 0);
        let mut ids = Vec::new();
        for (i, derived) in [false, true, true, false, true, false, false]
            .into_iter()
            .enumerate()
        {
            if !derived {
                assert_eq!(p.next_seq(), WorkloadSeq(ids.len() as u64));
            }
            let id = p.push(b, None, i as u64, derived);
            if !derived {
                ids.push(id);
            }
        }
        assert_eq!(ids, [0, 3, 5, 6]);
        for (n, &id) in ids.iter().enumerate() {
            assert_eq!(p.seq(id), WorkloadSeq(n as u64), "record {id}");
        }
        // A derived record is numbered apart from every workload record.
        assert!(p.seq(1).0 >= 1 << 63 && p.seq(4).0 >= 1 << 63 && p.seq(1) != p.seq(4));
        // Without derived records the place is the id.
        let mut q = Provenance::default();
        let c = q.new_batch(0, 0, true, 0);
        let id = q.push(c, None, 0, false);
        assert_eq!(q.seq(id), WorkloadSeq(id));
    }

    #[test]
    fn a_record_story_joins_its_own_entry_and_its_batch() {
        assert_eq!(std::mem::size_of::<RecordInfo>(), 20);
        assert_eq!(std::mem::size_of::<BatchInfo>(), 48);
        let mut p = Provenance::default();
        let mut store = BatchStore::default();
        let b = p.new_batch(1, 2, true, 5_000_000);
        let other = p.new_batch(1, 3, true, 5_000_000);
        let r0 = p.push(b, None, 5_000_000, false);
        let _ = p.push(other, Some(9), 5_000_010, false);
        let r1 = p.push(b, Some(4), 5_000_020, false);
        let v = p.get(r1, &store).unwrap();
        assert_eq!(
            (v.key(), v.acked_us(), v.first_append()),
            (Some(4), None, None)
        );
        let stored = store.add(40, 7, &[r0, r1], None);
        p.attempt(b);
        p.leader_append(b, 3, stored, 5_000_100);
        p.commit(b, 5_000_800);
        p.ack(b, &[r0, r1], 5_000_900, Some(40), 300);
        let v = p.get(r1, &store).unwrap();
        assert_eq!(v.first_append(), Some((3, 41, 7, 5_000_100)));
        assert_eq!((v.acked_us(), v.ack_offset()), (Some(5_000_900), Some(41)));
        assert_eq!(
            (v.committed_us(), v.attempts, v.part),
            (Some(5_000_800), 1, 2)
        );
        assert!(!v.is_later_copy(41));
        p.leader_append(b, 2, store.add(50, 8, &[r0, r1], None), 5_001_000);
        assert!(p.get(r1, &store).unwrap().is_later_copy(51));
        p.ack(b, &[r0, r1], 5_001_000, None, 300);
        assert_eq!(
            p.get(r0, &store).unwrap().ack_offset(),
            None,
            "acks=0 has no offset"
        );
        p.consume(r0, u64::MAX);
        assert!(
            p.get(r0, &store).unwrap().consumed_us().is_some(),
            "saturates instead of wrapping"
        );
        assert_eq!((p.consumed, p.acked_by_part[2], p.failed), (1, 2, 0));
        p.fail(other, ErrorCode::DeliveryTimeout, None);
        assert_eq!(p.failed, 1);
        assert_eq!(p.briefs().filter(|(_, b)| b.failed).count(), 1);
    }
}
