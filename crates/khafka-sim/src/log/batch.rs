//! Record batches as the leader wrote them (Kafka's `RecordBatch`, magic v2), kept once for every
//! replica that holds them.
//!
//! Kafka's log is a sequence of batches: a header (base offset, record count, partition leader
//! epoch, producer id, producer epoch, base sequence) and the batch's records. A leader assigns the
//! offsets when it appends a producer's batch; followers copy the batch byte for byte, at the same
//! offsets (`UnifiedLog.appendAsFollower`). So the content of a batch never differs between the
//! replicas that hold it: the engine stores it once, in the [`BatchStore`], and each replica's log is
//! a list of references ([`BatchId`]) with the time the batch reached that replica. A batch that is
//! truncated away stays in the store (the record stories still name it); a batch appended again (a
//! retry without idempotence) is a new batch.
//!
//! Each record's key and timestamp are facts of the record the producer sent, kept in the run's
//! record table ([`crate::provenance::Provenance`], indexed by [`RecordId`]); a batch lists its
//! records' ids in offset order.

use crate::chunked::ChunkVec;
use serde::Serialize;

use super::BATCH_OVERHEAD_BYTES as BATCH_HEADER_BYTES;

/// A stored batch's max timestamp when it has none. Timestamps are ms of the run, which lasts at most a day
/// (`observe/budget.rs`'s `MAX_RUN`): 32 bits hold 49 days.
const NO_TIMESTAMP: u32 = u32::MAX;

/// Identifies a record a producer sent, across the whole run (in send order).
pub type RecordId = u64;

/// Index of a batch in the run's [`BatchStore`].
pub type BatchId = u32;

/// A batch's header as the leader wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StoredBatch {
    /// Offset of the first record (assigned by the leader that appended it).
    pub base_offset: u64,
    /// Position of the first record id in the store's id table.
    first_record: u32,
    /// Number of records (at least one).
    pub count: u32,
    /// The partition leader epoch of the leader that appended it.
    pub leader_epoch: u32,
    /// Producer id for idempotent producers, 0 otherwise.
    pub producer_id: u32,
    /// Sequence of the first record for idempotent producers, -1 otherwise.
    pub base_sequence: i32,
    pub producer_epoch: u16,
}

impl StoredBatch {
    /// The offset after the batch's last record.
    pub fn next_offset(&self) -> u64 {
        self.base_offset + self.count as u64
    }

    /// The sequence of the record at `index` in the batch (-1 without idempotence).
    pub fn sequence_at(&self, index: u32) -> i32 {
        if self.producer_id == 0 {
            -1
        } else {
            self.base_sequence.wrapping_add(index as i32)
        }
    }

    /// The sequence of the batch's last record (-1 without idempotence).
    pub fn last_sequence(&self) -> i32 {
        self.sequence_at(self.count - 1)
    }
}

/// The producer id, epoch and base sequence a producer stamps on an idempotent batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProducerStamp {
    pub producer_id: u32,
    pub producer_epoch: u16,
    pub base_sequence: i32,
}

/// One record of a stored batch, as a replica's log holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct LogRecord {
    pub record_id: RecordId,
    /// Epoch of the leader that appended it.
    pub leader_epoch: u32,
    /// Producer id for idempotent producers, 0 otherwise.
    pub producer_id: u32,
    pub producer_epoch: u16,
    /// Sequence number for idempotent producers, -1 otherwise.
    pub sequence: i32,
    /// First record of its batch.
    pub batch_start: bool,
}

/// Every batch any leader appended during the run, and their records' ids. Clones (checkpoints)
/// share all but the last partial chunk of each table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchStore {
    batches: ChunkVec<StoredBatch>,
    /// Record ids as 32 bits: the memory budget (`observe/budget.rs`) admits far fewer than 2^32
    /// records.
    record_ids: ChunkVec<u32>,
    /// Each batch's size on the wire (header and records, compressed as the producer sent it):
    /// what a fetch response carrying it adds (`protocol/wire.rs`). Beside the headers, which
    /// stay 32 bytes.
    sizes: ChunkVec<u32>,
    /// Each batch's largest record timestamp in ms (`RecordBatch.maxTimestamp`, CreateTime: the
    /// producer's send time), which time-based retention and rolling read;
    /// [`NO_TIMESTAMP`] for batches without one (coordinator records), which the appending
    /// replica stamps with its own clock.
    max_timestamps: ChunkVec<u32>,
    /// The content of `__consumer_offsets` records (ids with bit 31 set,
    /// [`super::coordinator_record`]); empty in a run without consumer groups.
    #[cfg(feature = "groups")]
    coordinator: ChunkVec<super::coordinator_record::CoordinatorRecord>,
    /// The delete horizons the cleaner wrote into batches' headers (KIP-534: the
    /// `deleteHorizonMs` of a batch rebuilt to hold a retained tombstone), by batch: a follower
    /// that fetches such a batch gets its horizon with it. Only cleaned pieces have one.
    /// In id order (pieces are stored in id order): looked up by binary search.
    delete_horizons: Vec<(BatchId, u64)>,
    /// Pieces that carry no header of their own: a cut batch's header is counted once, on its
    /// first piece.
    /// In id order, as `delete_horizons`.
    headerless: Vec<BatchId>,
}

impl BatchStore {
    /// Bytes a clone of the store copies rather than shares.
    pub(crate) fn clone_bytes(&self) -> u64 {
        let own = self.batches.clone_bytes()
            + self.record_ids.clone_bytes()
            + self.sizes.clone_bytes()
            + self.max_timestamps.clone_bytes();
        #[cfg(feature = "groups")]
        let own = own + self.coordinator.clone_bytes();
        own + self.delete_horizons.len() as u64 * 16 + self.headerless.len() as u64 * 4
    }

    /// The delete horizon (ms) in batch `id`'s header; `u64::MAX` when it has none.
    pub fn delete_horizon_ms(&self, id: BatchId) -> u64 {
        self.delete_horizons
            .binary_search_by_key(&id, |e| e.0)
            .map_or(u64::MAX, |i| self.delete_horizons[i].1)
    }

    /// Stores a batch a leader appends at `base_offset`, and returns its id. Its wire size is a
    /// rough one (the header and 64 bytes a record): [`BatchStore::add_sized`] takes the
    /// producer's.
    pub fn add(
        &mut self,
        base_offset: u64,
        leader_epoch: u32,
        records: &[RecordId],
        stamp: Option<ProducerStamp>,
    ) -> BatchId {
        let bytes = 61 + 64 * records.len() as u64;
        self.add_sized(base_offset, leader_epoch, records, stamp, bytes, None)
    }

    /// Stores a batch of `bytes` on the wire, its largest record timestamp `max_timestamp_ms`
    /// (`None`: none, see [`BatchStore::max_timestamp_ms`]), a leader appends at `base_offset`,
    /// and returns its id.
    pub fn add_sized(
        &mut self,
        base_offset: u64,
        leader_epoch: u32,
        records: &[RecordId],
        stamp: Option<ProducerStamp>,
        bytes: u64,
        max_timestamp_ms: Option<u64>,
    ) -> BatchId {
        assert!(!records.is_empty(), "a batch holds at least one record");
        let first_record = u32::try_from(self.record_ids.len())
            .expect("fewer than 2^32 appended records (the memory budget refuses far fewer)");
        for &id in records {
            self.record_ids
                .push(u32::try_from(id).expect("record ids below 2^32 (the memory budget)"));
        }
        let stamp = stamp.unwrap_or(ProducerStamp {
            producer_id: 0,
            producer_epoch: 0,
            base_sequence: -1,
        });
        let id = self.batches.len() as BatchId;
        self.batches.push(StoredBatch {
            base_offset,
            first_record,
            count: records.len() as u32,
            leader_epoch,
            producer_id: stamp.producer_id,
            base_sequence: stamp.base_sequence,
            producer_epoch: stamp.producer_epoch,
        });
        self.sizes.push(bytes.min(u32::MAX as u64) as u32);
        self.max_timestamps
            .push(max_timestamp_ms.map_or(NO_TIMESTAMP, |t| t.min(NO_TIMESTAMP as u64 - 1) as u32));
        id
    }

    /// Stores what the cleaner keeps of batch `id`: its records `skip..skip + count`, at their
    /// offsets, with the same header (the sequence shifted to the first kept record). The piece
    /// shares the original's record ids (no copy): a cleaned log costs 32 bytes per piece.
    ///
    /// Kafka rebuilds the batch once (`Cleaner.buildRetainedRecordsInto`): one header for all its
    /// kept records, whose largest timestamp becomes the batch's. So only the batch's `first`
    /// piece is charged the header, each piece is charged its records' share of the original's
    /// record bytes (their own sizes are not kept), and its largest timestamp is `max_timestamp_ms`,
    /// its kept records' ([`NO_TIMESTAMP`]'s batches keep theirs). A piece may carry the delete
    /// horizon its rebuild wrote (`delete_horizon_ms`, `u64::MAX` for none).
    pub fn add_piece(
        &mut self,
        id: BatchId,
        skip: u32,
        count: u32,
        first: bool,
        max_timestamp_ms: Option<u64>,
        delete_horizon_ms: u64,
    ) -> BatchId {
        let b = *self.get(id);
        assert!(count > 0 && skip + count <= b.count, "a piece of the batch");
        let piece = BatchId::try_from(self.batches.len()).expect("fewer than 2^32 stored batches");
        self.batches.push(StoredBatch {
            base_offset: b.base_offset + skip as u64,
            first_record: b.first_record + skip,
            count,
            base_sequence: b.sequence_at(skip),
            ..b
        });
        // A piece cut again: its header, if it has one, goes to its own first piece. (A batch
        // whose first piece is cleaned away while a later one stays loses its header here,
        // where Kafka's rebuilt batch keeps one: 61 bytes short.)
        let source_header = self.headerless.binary_search(&id).is_err();
        let whole = self.bytes(id);
        let records = if source_header {
            whole.saturating_sub(BATCH_HEADER_BYTES)
        } else {
            whole
        };
        let header = if first && source_header {
            BATCH_HEADER_BYTES
        } else {
            0
        };
        self.sizes
            .push((header + records * count as u64 / b.count as u64).min(u32::MAX as u64) as u32);
        let ts = *self
            .max_timestamps
            .get(id as usize)
            .expect("a stored batch");
        let ts = match max_timestamp_ms {
            Some(t) if ts != NO_TIMESTAMP => t.min(NO_TIMESTAMP as u64 - 1) as u32,
            _ => ts,
        };
        self.max_timestamps.push(ts);
        if delete_horizon_ms != u64::MAX {
            self.delete_horizons.push((piece, delete_horizon_ms));
        }
        if header == 0 {
            self.headerless.push(piece);
        }
        piece
    }

    #[cfg(feature = "groups")]
    /// Stores a batch of coordinator records a `__consumer_offsets` leader appends at
    /// `base_offset`, and returns its id.
    pub fn add_coordinator(
        &mut self,
        base_offset: u64,
        leader_epoch: u32,
        records: Vec<super::coordinator_record::CoordinatorRecord>,
    ) -> BatchId {
        let ids: Vec<RecordId> = records
            .into_iter()
            .map(|r| {
                let index = self.coordinator.len() as u64;
                assert!(index < super::coordinator_record::COORDINATOR_RECORD);
                self.coordinator.push(r);
                index | super::coordinator_record::COORDINATOR_RECORD
            })
            .collect();
        self.add(base_offset, leader_epoch, &ids, None)
    }

    /// How many coordinator records the run has stored.
    pub fn coordinator_records(&self) -> u64 {
        #[cfg(feature = "groups")]
        return self.coordinator.len() as u64;
        #[cfg(not(feature = "groups"))]
        0
    }

    /// The coordinator record a record id names, if it names one.
    #[cfg(feature = "groups")]
    pub fn coordinator_record(
        &self,
        id: RecordId,
    ) -> Option<&super::coordinator_record::CoordinatorRecord> {
        if !super::coordinator_record::is_coordinator_record(id) {
            return None;
        }
        self.coordinator
            .get((id & !super::coordinator_record::COORDINATOR_RECORD) as usize)
    }

    /// The header of batch `id`.
    #[inline]
    pub fn get(&self, id: BatchId) -> &StoredBatch {
        self.batches.get(id as usize).expect("a stored batch")
    }

    /// Batch `id`'s size on the wire.
    #[inline]
    pub fn bytes(&self, id: BatchId) -> u64 {
        *self.sizes.get(id as usize).expect("a stored batch") as u64
    }

    /// Batch `id`'s largest record timestamp in ms, if it has one.
    #[inline]
    pub fn max_timestamp_ms(&self, id: BatchId) -> Option<u64> {
        let t = *self
            .max_timestamps
            .get(id as usize)
            .expect("a stored batch");
        (t != NO_TIMESTAMP).then_some(t as u64)
    }

    /// The id of the record at `index` of batch `id`.
    #[inline]
    pub fn record_id(&self, id: BatchId, index: u32) -> RecordId {
        let b = self.get(id);
        debug_assert!(index < b.count);
        *self
            .record_ids
            .get(b.first_record as usize + index as usize)
            .expect("a stored record") as RecordId
    }

    /// The ids of batch `id`'s records, in offset order.
    pub fn record_ids(&self, id: BatchId) -> impl Iterator<Item = RecordId> + '_ {
        let b = self.get(id);
        let from = b.first_record as usize;
        self.record_ids
            .range(from, from + b.count as usize)
            .map(|&id| id as RecordId)
    }

    /// Calls `f` with the ids of batch `id`'s records from index `skip` on, in offset order.
    #[inline]
    pub fn for_each_record_id(&self, id: BatchId, skip: u32, mut f: impl FnMut(RecordId)) {
        let b = self.get(id);
        let from = b.first_record as usize;
        self.record_ids.for_each_in(
            from + skip.min(b.count) as usize,
            from + b.count as usize,
            |&r| f(r as RecordId),
        );
    }

    /// The record at `index` of batch `id`.
    pub fn record(&self, id: BatchId, index: u32) -> LogRecord {
        let b = self.get(id);
        LogRecord {
            record_id: self.record_id(id, index),
            leader_epoch: b.leader_epoch,
            producer_id: b.producer_id,
            producer_epoch: b.producer_epoch,
            sequence: b.sequence_at(index),
            batch_start: index == 0,
        }
    }

    /// Batches stored so far.
    pub fn len(&self) -> usize {
        self.batches.len()
    }

    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_keeps_its_records_and_sequences() {
        let mut s = BatchStore::default();
        let a = s.add(0, 3, &[7, 9], None);
        let b = s.add(
            2,
            4,
            &[10, 11, 12],
            Some(ProducerStamp {
                producer_id: 5,
                producer_epoch: 1,
                base_sequence: 40,
            }),
        );
        assert_eq!(s.record_ids(a).collect::<Vec<_>>(), vec![7, 9]);
        assert_eq!(s.record_id(b, 2), 12);
        assert_eq!(s.get(b).next_offset(), 5);
        assert_eq!(s.get(b).last_sequence(), 42);
        assert_eq!(s.get(a).last_sequence(), -1);
        let r = s.record(b, 1);
        assert_eq!((r.record_id, r.sequence, r.batch_start), (11, 41, false));
        assert!(s.record(a, 0).batch_start);
        assert_eq!(std::mem::size_of::<StoredBatch>(), 32);
    }

    /// A batch the cleaner cuts into pieces is one rebuilt batch in Kafka
    /// (`Cleaner.buildRetainedRecordsInto`): one header between the pieces, each piece's largest
    /// timestamp its kept records', and the delete horizon on the pieces of its rebuild only.
    #[test]
    fn pieces_of_a_cleaned_batch_share_one_header() {
        let mut s = BatchStore::default();
        // 61 B of header and 4 records of 100 B, sent from 1,000 ms to 1,030 ms.
        let a = s.add_sized(10, 0, &[1, 2, 3, 4], None, 461, Some(1_030));
        let first = s.add_piece(a, 0, 1, true, Some(1_000), 9_000);
        let second = s.add_piece(a, 2, 2, false, Some(1_030), 9_000);
        assert_eq!(s.bytes(first), 161, "the header and one record");
        assert_eq!(s.bytes(second), 200, "two records, no second header");
        assert_eq!(s.max_timestamp_ms(first), Some(1_000));
        assert_eq!(s.max_timestamp_ms(second), Some(1_030));
        assert_eq!(s.get(second).base_offset, 12);
        assert_eq!(s.delete_horizon_ms(first), 9_000);
        assert_eq!(
            s.delete_horizon_ms(a),
            u64::MAX,
            "the original is unchanged"
        );
        let plain = s.add_piece(a, 1, 1, true, Some(1_010), u64::MAX);
        assert_eq!(s.delete_horizon_ms(plain), u64::MAX);
        // A headerless piece cut again: its first piece has no header to carry either.
        let again = s.add_piece(second, 1, 1, true, Some(1_030), 9_000);
        assert_eq!(s.bytes(again), 100, "one record, still no second header");
    }
}
