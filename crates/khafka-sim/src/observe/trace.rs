//! Structured trace events and the trace hash.
//!
//! Every step that changes what a user can see emits a [`TraceEvent`]. Events are hashed as they
//! happen with a portable hasher (fixed-width integers, little-endian), so the trace hash of a run is
//! the same natively and in wasm32, and two runs agree byte for byte iff their hashes agree. Storing
//! the events themselves is optional (`SimOptions::keep_trace`).

pub use crate::log::DeletionReason;
use crate::log::{BatchId, RecordId};
use crate::spec::BrokerId;
use crate::time::SimTime;
use serde::Serialize;
use std::sync::Arc;

/// Why the controller fenced a broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FenceReason {
    /// No heartbeat for `broker.session.timeout.ms` (ZooKeeper: session expiry).
    SessionTimeout,
    /// A new incarnation registered before the old one was fenced.
    ReRegistered,
    /// Its controlled shutdown moved its leaderships away.
    ControlledShutdown,
    /// It registered without proof of a clean shutdown, with ELR on (KAFKA-15586).
    UncleanShutdown,
}

impl std::fmt::Display for FenceReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FenceReason::SessionTimeout => "session timeout",
            FenceReason::ReRegistered => "re-registered with a new broker epoch",
            FenceReason::ControlledShutdown => "controlled shutdown",
            FenceReason::UncleanShutdown => {
                "registered after an unclean shutdown: removed from every ISR and ELR"
            }
        })
    }
}

/// Why the controller changed a partition (elected a leader or changed its ISR).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeReason {
    LeaderFenced,
    ReplicaFenced,
    UncleanShutdown,
    ControlledShutdown,
    BrokerUnfenced,
    /// The leader asked for it (`AlterPartition`): the only change not made by the controller.
    AlterPartition,
    PreferredLeaderElection,
    PeriodicUncleanElectionCheck,
    /// `kafka-reassign-partitions --execute` (`AlterPartitionReassignments`).
    Reassignment,
    /// The topic's `min.insync.replicas` was altered, which clears its eligible leader replicas
    /// (KIP-966).
    MinIsrUpdated,
}

impl std::fmt::Display for ChangeReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ChangeReason::LeaderFenced => "leader fenced",
            ChangeReason::ReplicaFenced => "replica fenced",
            ChangeReason::UncleanShutdown => "unclean shutdown",
            ChangeReason::ControlledShutdown => "controlled shutdown",
            ChangeReason::BrokerUnfenced => "broker unfenced",
            ChangeReason::AlterPartition => "AlterPartition",
            ChangeReason::PreferredLeaderElection => "preferred leader election",
            ChangeReason::PeriodicUncleanElectionCheck => "periodic unclean election check",
            ChangeReason::Reassignment => "partition reassignment",
            ChangeReason::MinIsrUpdated => "min.insync.replicas altered",
        })
    }
}

/// Why a replica's log lost its tail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TruncationReason {
    /// The machine lost power: records not yet flushed are gone.
    PowerLoss,
    /// Before KIP-101: a replica becoming a follower truncates to its high watermark.
    BecameFollowerPreKip101,
    /// The leader's log is shorter than the fetch offset.
    OffsetOutOfRange,
    /// The leader's epoch `epoch` ends at `end_offset` (KIP-101/279).
    DivergingEpoch {
        epoch: u32,
        end_offset: u64,
        leader: BrokerId,
    },
}

impl std::fmt::Display for TruncationReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TruncationReason::PowerLoss => f.write_str("power loss: unflushed records lost"),
            TruncationReason::BecameFollowerPreKip101 => {
                f.write_str("became follower: truncate to high watermark (pre-KIP-101)")
            }
            TruncationReason::OffsetOutOfRange => {
                f.write_str("fetch offset out of range: truncate to leader's log end")
            }
            TruncationReason::DivergingEpoch {
                epoch,
                end_offset,
                leader,
            } => write!(
                f,
                "diverging epoch {epoch} ends at {end_offset} on leader {leader}"
            ),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TraceKind {
    Fault {
        description: String,
    },
    BrokerStarted {
        broker: BrokerId,
        broker_epoch: u64,
    },
    BrokerStopped {
        broker: BrokerId,
        clean: bool,
    },
    BrokerFenced {
        broker: BrokerId,
        reason: FenceReason,
    },
    BrokerUnfenced {
        broker: BrokerId,
    },
    /// `DUPLICATE_BROKER_REGISTRATION`: the controller refused a new incarnation's registration
    /// while the previous incarnation still held a valid session.
    RegistrationRefused {
        broker: BrokerId,
        broker_epoch: u64,
    },
    LeaderElected {
        partition: Arc<str>,
        leader: Option<BrokerId>,
        leader_epoch: u32,
        isr: Vec<BrokerId>,
        /// The eligible leader replicas after the change (KIP-966).
        elr: Vec<BrokerId>,
        unclean: bool,
        /// The leader came from the eligible leader replicas (KIP-966).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        from_elr: bool,
        reason: ChangeReason,
    },
    IsrChanged {
        partition: Arc<str>,
        isr: Vec<BrokerId>,
        elr: Vec<BrokerId>,
        leader_epoch: u32,
        partition_epoch: u32,
    },
    Appended {
        partition: Arc<str>,
        broker: BrokerId,
        base_offset: u64,
        count: u32,
        leader_epoch: u32,
        /// The stored batch (followers' `replicated` events name it).
        batch: BatchId,
        /// 0 without idempotence.
        producer_id: u32,
        producer_epoch: u16,
        /// -1 without idempotence.
        base_sequence: i32,
        /// The batch's record ids, in offset order.
        records: Vec<RecordId>,
    },
    Replicated {
        partition: Arc<str>,
        broker: BrokerId,
        base_offset: u64,
        count: u32,
        /// The broker the batches were fetched from.
        leader: BrokerId,
        /// The stored batches appended, in offset order (each an earlier `appended` event's `batch`).
        batches: Vec<BatchId>,
    },
    Truncated {
        partition: Arc<str>,
        broker: BrokerId,
        to_offset: u64,
        removed: u64,
        reason: TruncationReason,
    },
    HighWatermark {
        partition: Arc<str>,
        broker: BrokerId,
        high_watermark: u64,
    },
    ProduceError {
        producer: Arc<str>,
        partition: Arc<str>,
        error: &'static str,
        records: u32,
    },
    Acknowledged {
        producer: Arc<str>,
        partition: Arc<str>,
        base_offset: Option<u64>,
        records: u32,
        latency_us: u64,
        record_ids: Vec<RecordId>,
    },
    SendFailed {
        producer: Arc<str>,
        partition: Arc<str>,
        error: &'static str,
        records: u32,
        record_ids: Vec<RecordId>,
    },
    Consumed {
        consumer: Arc<str>,
        partition: Arc<str>,
        base_offset: u64,
        records: u32,
        /// The broker that served the fetch.
        broker: BrokerId,
    },
    /// The application sent a record (`KafkaProducer.send`): it joined a batch for `partition`.
    Sent {
        producer: Arc<str>,
        partition: Arc<str>,
        record: RecordId,
        /// Index into the producer's key set; `None` for a null key.
        key: Option<u32>,
    },
    /// A partition as the cluster starts: its replicas, first leader and ISR (epoch 0).
    PartitionCreated {
        partition: Arc<str>,
        replicas: Vec<BrokerId>,
        leader: Option<BrokerId>,
        isr: Vec<BrokerId>,
    },
    /// A broker applied a metadata change that makes it the partition's leader at `leader_epoch`
    /// (`Partition.makeLeader`).
    BecameLeader {
        partition: Arc<str>,
        broker: BrokerId,
        leader_epoch: u32,
    },
    /// A broker applied a metadata change that makes it a follower of `leader` (or of no leader).
    BecameFollower {
        partition: Arc<str>,
        broker: BrokerId,
        leader: Option<BrokerId>,
        leader_epoch: u32,
    },
    Violation {
        text: String,
    },
    /// A consumer group's step: a member joined, a generation formed, a member expired, a
    /// coordinator loaded its partition (`text` says which). An empty `group`: a consumer without
    /// a `group.id` (its KIP-320 position validation).
    Group {
        group: String,
        text: String,
    },
    /// A consumer's value deserializer could not decode the record at `offset` (a poison pill):
    /// with `skipped` it went past it (`LogAndContinue`), else it stopped there. The record is not
    /// consumed by that consumer.
    NotDeserialized {
        consumer: Arc<str>,
        partition: Arc<str>,
        offset: u64,
        record: RecordId,
        skipped: bool,
    },
    /// A replica rolled a new active segment at `base_offset` before appending a batch
    /// (`UnifiedLog.maybeRoll`: `segment.bytes` or `segment.ms`).
    SegmentRolled {
        partition: Arc<str>,
        broker: BrokerId,
        base_offset: u64,
    },
    /// A replica deleted its `segments` oldest segments (`UnifiedLog.deleteOldSegments`); its log
    /// start offset is now `log_start_offset`.
    SegmentsDeleted {
        partition: Arc<str>,
        broker: BrokerId,
        segments: u32,
        log_start_offset: u64,
        reason: DeletionReason,
    },
    /// A follower moved its log start offset to the leader's, read from a fetch response
    /// (`ReplicaFetcherThread` → `maybeIncrementLogStartOffset`), or started its emptied log there
    /// (`truncateFullyAndStartAt`).
    LogStartOffset {
        partition: Arc<str>,
        broker: BrokerId,
        log_start_offset: u64,
    },
    /// A replica's cleaner compacted its log below `end_offset` (`Cleaner.doClean`): the records
    /// it removed, and the new batches holding what it kept of a batch it cut (`pieces`).
    Cleaned {
        partition: Arc<str>,
        broker: BrokerId,
        end_offset: u64,
        removed: Vec<RecordId>,
        pieces: Vec<Piece>,
    },
    /// A consumer's position fell below the log start offset (`OFFSET_OUT_OF_RANGE`): it reset to
    /// `reset_to` by `auto.offset.reset`, or with `none` (`reset_to` null) stopped fetching the
    /// partition (`OffsetOutOfRangeException`).
    OffsetReset {
        consumer: Arc<str>,
        partition: Arc<str>,
        position: u64,
        log_start_offset: u64,
        reset_to: Option<u64>,
    },
    /// A group member's application finished processing records its `poll()` returned (members
    /// with `sim.processing.time.ms` or `sim.commit`; others process what they consume at once).
    #[cfg(feature = "groups")]
    Processed {
        consumer: String,
        group: String,
        partition: Arc<str>,
        base_offset: u64,
        records: u64,
        /// The leader epoch of those records' batches: with the offset, it names the records.
        leader_epoch: u32,
        /// The member's generation when `poll()` returned them.
        generation: i32,
    },
    /// The controller changed a partition's replica set (KIP-455): a reassignment started (the
    /// target replicas added, `adding` and `removing` set), completed (`removing` gone, both lists
    /// empty) or was replaced by another.
    ReplicasChanged {
        partition: Arc<str>,
        replicas: Vec<BrokerId>,
        adding: Vec<BrokerId>,
        removing: Vec<BrokerId>,
        isr: Vec<BrokerId>,
        leader: Option<BrokerId>,
        leader_epoch: u32,
        partition_epoch: u32,
    },
    /// A broker created (`hosted`) or deleted a local replica because the metadata log added it to,
    /// or removed it from, the partition's replicas.
    ReplicaHosted {
        partition: Arc<str>,
        broker: BrokerId,
        hosted: bool,
    },
    /// A leader with no state for an idempotent producer accepted its batch at a sequence other
    /// than 0 (`ProducerAppendInfo.checkSequence` accepts any sequence then): what came before it
    /// may still arrive, and be written after it.
    UnknownProducerAccepted {
        partition: Arc<str>,
        broker: BrokerId,
        /// The producer's name in the scenario.
        producer: Arc<str>,
        producer_id: u32,
        producer_epoch: u16,
        base_sequence: i32,
    },
    /// A producer closed its connection to a broker because a request on it (a produce request
    /// or its metadata request) had no answer within `request.timeout.ms`
    /// (`NetworkClient.handleTimedOutRequests`): its produce `requests` in flight there fail with
    /// `REQUEST_TIMED_OUT`, each batch with a `produce_error` after this.
    RequestTimeoutDisconnect {
        /// The producer's name in the scenario.
        producer: Arc<str>,
        broker: BrokerId,
        requests: u32,
        request_timeout_ms: u64,
    },
    /// The controller refused an operator's request (`kafka-reassign-partitions`): Kafka's error
    /// and message.
    AdminError {
        action: String,
        error: String,
    },
    /// A controller of a KRaft quorum changed role in a Raft epoch.
    Quorum {
        controller: u32,
        epoch: u32,
        change: QuorumChange,
    },
}

/// What the cleaner kept of a batch it cut: records `skip..skip + count` of batch `source`,
/// stored as batch `batch` at their offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Piece {
    pub batch: BatchId,
    pub source: BatchId,
    pub skip: u32,
    pub count: u32,
}

impl Encode for Piece {
    fn encode(&self, h: &mut TraceHasher) {
        self.batch.encode(h);
        self.source.encode(h);
        self.skip.encode(h);
        self.count.encode(h);
    }
}

impl Encode for DeletionReason {
    fn encode(&self, h: &mut TraceHasher) {
        h.word(match self {
            DeletionReason::LogStartOffset => 0,
            DeletionReason::RetentionBytes => 1,
            DeletionReason::RetentionMs => 2,
        })
    }
}

/// What a quorum controller became (`QuorumState`'s transitions), or did to its log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuorumChange {
    /// It asks for pre-votes (KIP-996) in this epoch.
    Prospective,
    /// It started an election (candidate in this epoch).
    Candidate,
    /// It won the election (Raft leader).
    Leader,
    /// It replayed the committed log up to its epoch's start: the active controller.
    Active,
    /// It follows `leader` in this epoch.
    Follower { leader: u32 },
    /// It gave up leadership (check quorum: no majority fetched in time).
    Resigned,
    /// It truncated its metadata log to `to_offset` (a diverging epoch), removing `removed` records.
    Truncated { to_offset: u64, removed: u64 },
}

impl std::fmt::Display for QuorumChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QuorumChange::Prospective => f.write_str("prospective"),
            QuorumChange::Candidate => f.write_str("candidate"),
            QuorumChange::Leader => f.write_str("leader"),
            QuorumChange::Active => f.write_str("active controller"),
            QuorumChange::Follower { leader } => write!(f, "follower of controller {leader}"),
            QuorumChange::Resigned => f.write_str("resigned"),
            QuorumChange::Truncated { to_offset, removed } => {
                write!(f, "truncated to {to_offset} ({removed} removed)")
            }
        }
    }
}

impl Encode for QuorumChange {
    fn encode(&self, h: &mut TraceHasher) {
        match self {
            QuorumChange::Candidate => h.word(0),
            QuorumChange::Leader => h.word(1),
            QuorumChange::Active => h.word(2),
            QuorumChange::Follower { leader } => {
                h.word(3);
                leader.encode(h);
            }
            QuorumChange::Resigned => h.word(4),
            QuorumChange::Prospective => h.word(6),
            QuorumChange::Truncated { to_offset, removed } => {
                h.word(5);
                to_offset.encode(h);
                removed.encode(h);
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TraceEvent {
    pub time: SimTime,
    #[serde(flatten)]
    pub kind: TraceKind,
}

impl TraceKind {
    /// The frequent kinds as the [`HotEvent`] that stands for them (one encoding for both).
    pub fn as_hot(&self) -> Option<HotEvent<'_>> {
        Some(match self {
            TraceKind::Appended {
                partition,
                broker,
                base_offset,
                count,
                leader_epoch,
                batch,
                producer_id,
                producer_epoch,
                base_sequence,
                records,
            } => HotEvent::Appended {
                partition,
                broker: *broker,
                base_offset: *base_offset,
                count: *count,
                leader_epoch: *leader_epoch,
                batch: *batch,
                producer_id: *producer_id,
                producer_epoch: *producer_epoch,
                base_sequence: *base_sequence,
                records,
            },
            TraceKind::Replicated {
                partition,
                broker,
                base_offset,
                count,
                leader,
                batches,
            } => HotEvent::Replicated {
                partition,
                broker: *broker,
                base_offset: *base_offset,
                count: *count,
                leader: *leader,
                batches,
            },
            TraceKind::HighWatermark {
                partition,
                broker,
                high_watermark,
            } => HotEvent::HighWatermark {
                partition,
                broker: *broker,
                high_watermark: *high_watermark,
            },
            TraceKind::Acknowledged {
                producer,
                partition,
                base_offset,
                records,
                latency_us,
                record_ids,
            } => HotEvent::Acknowledged {
                producer,
                partition,
                base_offset: *base_offset,
                records: *records,
                latency_us: *latency_us,
                record_ids,
            },
            TraceKind::Consumed {
                consumer,
                partition,
                base_offset,
                records,
                broker,
            } => HotEvent::Consumed {
                consumer,
                partition,
                base_offset: *base_offset,
                records: *records,
                broker: *broker,
            },
            TraceKind::Sent {
                producer,
                partition,
                record,
                key,
            } => HotEvent::Sent {
                producer,
                partition,
                record: *record,
                key: *key,
            },
            _ => return None,
        })
    }
}

impl TraceEvent {
    /// Whether the event is worth showing in an event log (faults, elections, ISR changes, errors…),
    /// as opposed to the steady stream of appends and acknowledgements.
    pub fn is_notable(&self) -> bool {
        #[cfg(feature = "groups")]
        if matches!(self.kind, TraceKind::Processed { .. }) {
            return false;
        }
        !matches!(
            self.kind,
            TraceKind::Appended { .. }
                | TraceKind::Replicated { .. }
                | TraceKind::HighWatermark { .. }
                | TraceKind::Acknowledged { .. }
                | TraceKind::Consumed { .. }
                | TraceKind::Sent { .. }
                | TraceKind::PartitionCreated { .. }
                | TraceKind::BecameLeader { .. }
                | TraceKind::BecameFollower { .. }
                | TraceKind::SegmentRolled { .. }
                | TraceKind::LogStartOffset { .. }
        )
    }
}

/// The frequent trace events (sends, appends, replication, HW, acknowledgements, consumption),
/// borrowing their names and lists. A run that does not keep its trace hashes them without building
/// a [`TraceKind`], whose `Arc<str>` clones and drops (atomic reference counts) were most of the
/// cost of an emit. They hash exactly as the `TraceEvent` they stand for (tested), and none is
/// notable.
#[derive(Clone, Copy, Debug)]
pub enum HotEvent<'a> {
    Appended {
        partition: &'a Arc<str>,
        broker: BrokerId,
        base_offset: u64,
        count: u32,
        leader_epoch: u32,
        batch: BatchId,
        producer_id: u32,
        producer_epoch: u16,
        base_sequence: i32,
        records: &'a [RecordId],
    },
    Replicated {
        partition: &'a Arc<str>,
        broker: BrokerId,
        base_offset: u64,
        count: u32,
        leader: BrokerId,
        batches: &'a [BatchId],
    },
    HighWatermark {
        partition: &'a Arc<str>,
        broker: BrokerId,
        high_watermark: u64,
    },
    Acknowledged {
        producer: &'a Arc<str>,
        partition: &'a Arc<str>,
        base_offset: Option<u64>,
        records: u32,
        latency_us: u64,
        record_ids: &'a [RecordId],
    },
    Consumed {
        consumer: &'a Arc<str>,
        partition: &'a Arc<str>,
        base_offset: u64,
        records: u32,
        broker: BrokerId,
    },
    Sent {
        producer: &'a Arc<str>,
        partition: &'a Arc<str>,
        record: RecordId,
        key: Option<u32>,
    },
}

impl HotEvent<'_> {
    /// Encodes `TraceEvent { time, kind: self.to_kind() }` exactly as [`TraceEvent::encode`] does,
    /// without building it.
    fn encode(&self, time: SimTime, h: &mut TraceHasher) {
        time.encode(h);
        match *self {
            HotEvent::Appended {
                partition,
                broker,
                base_offset,
                count,
                leader_epoch,
                batch,
                producer_id,
                producer_epoch,
                base_sequence,
                records,
            } => {
                h.word(tag::APPENDED);
                (**partition).encode(h);
                broker.encode(h);
                base_offset.encode(h);
                count.encode(h);
                leader_epoch.encode(h);
                batch.encode(h);
                producer_id.encode(h);
                producer_epoch.encode(h);
                base_sequence.encode(h);
                records.encode(h);
            }
            HotEvent::Replicated {
                partition,
                broker,
                base_offset,
                count,
                leader,
                batches,
            } => {
                h.word(tag::REPLICATED);
                (**partition).encode(h);
                broker.encode(h);
                base_offset.encode(h);
                count.encode(h);
                leader.encode(h);
                batches.encode(h);
            }
            HotEvent::HighWatermark {
                partition,
                broker,
                high_watermark,
            } => {
                h.word(tag::HIGH_WATERMARK);
                (**partition).encode(h);
                broker.encode(h);
                high_watermark.encode(h);
            }
            HotEvent::Acknowledged {
                producer,
                partition,
                base_offset,
                records,
                latency_us,
                record_ids,
            } => {
                h.word(tag::ACKNOWLEDGED);
                (**producer).encode(h);
                (**partition).encode(h);
                base_offset.encode(h);
                records.encode(h);
                latency_us.encode(h);
                record_ids.encode(h);
            }
            HotEvent::Consumed {
                consumer,
                partition,
                base_offset,
                records,
                broker,
            } => {
                h.word(tag::CONSUMED);
                (**consumer).encode(h);
                (**partition).encode(h);
                base_offset.encode(h);
                records.encode(h);
                broker.encode(h);
            }
            HotEvent::Sent {
                producer,
                partition,
                record,
                key,
            } => {
                h.word(tag::SENT);
                (**producer).encode(h);
                (**partition).encode(h);
                record.encode(h);
                key.encode(h);
            }
        }
    }

    pub fn to_kind(&self) -> TraceKind {
        match *self {
            HotEvent::Appended {
                partition,
                broker,
                base_offset,
                count,
                leader_epoch,
                batch,
                producer_id,
                producer_epoch,
                base_sequence,
                records,
            } => TraceKind::Appended {
                partition: partition.clone(),
                broker,
                base_offset,
                count,
                leader_epoch,
                batch,
                producer_id,
                producer_epoch,
                base_sequence,
                records: records.to_vec(),
            },
            HotEvent::Replicated {
                partition,
                broker,
                base_offset,
                count,
                leader,
                batches,
            } => TraceKind::Replicated {
                partition: partition.clone(),
                broker,
                base_offset,
                count,
                leader,
                batches: batches.to_vec(),
            },
            HotEvent::HighWatermark {
                partition,
                broker,
                high_watermark,
            } => TraceKind::HighWatermark {
                partition: partition.clone(),
                broker,
                high_watermark,
            },
            HotEvent::Acknowledged {
                producer,
                partition,
                base_offset,
                records,
                latency_us,
                record_ids,
            } => TraceKind::Acknowledged {
                producer: producer.clone(),
                partition: partition.clone(),
                base_offset,
                records,
                latency_us,
                record_ids: record_ids.to_vec(),
            },
            HotEvent::Consumed {
                consumer,
                partition,
                base_offset,
                records,
                broker,
            } => TraceKind::Consumed {
                consumer: consumer.clone(),
                partition: partition.clone(),
                base_offset,
                records,
                broker,
            },
            HotEvent::Sent {
                producer,
                partition,
                record,
                key,
            } => TraceKind::Sent {
                producer: producer.clone(),
                partition: partition.clone(),
                record,
                key,
            },
        }
    }
}

/// A portable 64-bit hasher: words are read little-endian, `usize`/`isize` are widened to 64 bits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceHasher {
    state: u64,
}

impl Default for TraceHasher {
    fn default() -> Self {
        TraceHasher {
            state: 0x243F_6A88_85A3_08D3,
        }
    }
}

impl TraceHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        let x = (self.state ^ word).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.state = x ^ (x >> 29);
    }

    /// Writes one 64-bit word.
    #[inline]
    pub fn word(&mut self, w: u64) {
        self.mix(w);
    }

    /// Writes bytes as little-endian words, the last one padded with zeros and its length in the top
    /// byte.
    #[inline]
    pub fn bytes(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.mix(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // The little-endian word of the zero-padded rest, built byte by byte (a variable-length
            // copy into a buffer called `memcpy`: most names are a few bytes past a full word).
            let mut w = 0u64;
            for (i, &b) in rest.iter().enumerate() {
                w |= (b as u64) << (8 * i);
            }
            self.mix(w ^ ((rest.len() as u64) << 56));
        }
    }

    pub fn finish(&self) -> u64 {
        let mut z = self.state;
        z = (z ^ (z >> 33)).wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        z = (z ^ (z >> 33)).wrapping_mul(0xC4CE_B9FE_1A85_EC53);
        z ^ (z >> 33)
    }
}

/// The trace hash's explicit encoding (`docs/trace.md`): every value is written as little-endian
/// 64-bit words — integers widened, `bool` 0 or 1, an `Option` a 0/1 word then the value, strings
/// and lists their length then their bytes or items — and every event its time, a fixed tag for its
/// kind and its fields in order. It owes nothing to std's derived `Hash`, so no Rust release can
/// change a run's hash.
pub trait Encode {
    fn encode(&self, h: &mut TraceHasher);
}

macro_rules! encode_as_word {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            #[inline]
            fn encode(&self, h: &mut TraceHasher) {
                h.word(*self as u64);
            }
        }
    )*};
}
encode_as_word!(u64, u32, u16, bool);

impl Encode for i32 {
    /// Sign-extended to 64 bits (-1 is all ones).
    #[inline]
    fn encode(&self, h: &mut TraceHasher) {
        h.word(*self as i64 as u64);
    }
}

impl Encode for str {
    fn encode(&self, h: &mut TraceHasher) {
        h.word(self.len() as u64);
        h.bytes(self.as_bytes());
    }
}

impl Encode for String {
    fn encode(&self, h: &mut TraceHasher) {
        self.as_str().encode(h);
    }
}

impl Encode for Arc<str> {
    fn encode(&self, h: &mut TraceHasher) {
        (**self).encode(h);
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, h: &mut TraceHasher) {
        match self {
            None => h.word(0),
            Some(v) => {
                h.word(1);
                v.encode(h);
            }
        }
    }
}

impl<T: Encode> Encode for [T] {
    fn encode(&self, h: &mut TraceHasher) {
        h.word(self.len() as u64);
        for v in self {
            v.encode(h);
        }
    }
}

impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, h: &mut TraceHasher) {
        self.as_slice().encode(h);
    }
}

impl Encode for SimTime {
    fn encode(&self, h: &mut TraceHasher) {
        h.word(self.as_us());
    }
}

impl Encode for FenceReason {
    fn encode(&self, h: &mut TraceHasher) {
        h.word(*self as u64);
    }
}

impl Encode for ChangeReason {
    fn encode(&self, h: &mut TraceHasher) {
        h.word(*self as u64);
    }
}

impl Encode for TruncationReason {
    fn encode(&self, h: &mut TraceHasher) {
        match self {
            TruncationReason::PowerLoss => h.word(0),
            TruncationReason::BecameFollowerPreKip101 => h.word(1),
            TruncationReason::OffsetOutOfRange => h.word(2),
            TruncationReason::DivergingEpoch {
                epoch,
                end_offset,
                leader,
            } => {
                h.word(3);
                epoch.encode(h);
                end_offset.encode(h);
                leader.encode(h);
            }
        }
    }
}

/// The tag written for each kind of event (documented in `docs/trace.md`; never reuse a number).
pub mod tag {
    pub const FAULT: u64 = 1;
    pub const BROKER_STARTED: u64 = 2;
    pub const BROKER_STOPPED: u64 = 3;
    pub const BROKER_FENCED: u64 = 4;
    pub const BROKER_UNFENCED: u64 = 5;
    pub const LEADER_ELECTED: u64 = 6;
    pub const ISR_CHANGED: u64 = 7;
    pub const APPENDED: u64 = 8;
    pub const REPLICATED: u64 = 9;
    pub const TRUNCATED: u64 = 10;
    pub const HIGH_WATERMARK: u64 = 11;
    pub const PRODUCE_ERROR: u64 = 12;
    pub const ACKNOWLEDGED: u64 = 13;
    pub const SEND_FAILED: u64 = 14;
    pub const CONSUMED: u64 = 15;
    pub const VIOLATION: u64 = 16;
    pub const SENT: u64 = 17;
    pub const PARTITION_CREATED: u64 = 18;
    pub const BECAME_LEADER: u64 = 19;
    pub const BECAME_FOLLOWER: u64 = 20;
    pub const GROUP: u64 = 22;
    pub const PROCESSED: u64 = 23;
    pub const QUORUM: u64 = 21;
    pub const SEGMENT_ROLLED: u64 = 24;
    pub const SEGMENTS_DELETED: u64 = 25;
    pub const LOG_START_OFFSET: u64 = 26;
    pub const CLEANED: u64 = 27;
    pub const OFFSET_RESET: u64 = 28;
    pub const REPLICAS_CHANGED: u64 = 30;
    pub const REPLICA_HOSTED: u64 = 31;
    pub const ADMIN_ERROR: u64 = 32;
    pub const NOT_DESERIALIZED: u64 = 33;
    pub const UNKNOWN_PRODUCER_ACCEPTED: u64 = 34;
    pub const REQUEST_TIMEOUT_DISCONNECT: u64 = 35;
    pub const REGISTRATION_REFUSED: u64 = 36;
}

impl Encode for TraceEvent {
    fn encode(&self, h: &mut TraceHasher) {
        if let Some(hot) = self.kind.as_hot() {
            return hot.encode(self.time, h);
        }
        self.time.encode(h);
        match &self.kind {
            TraceKind::Fault { description } => {
                h.word(tag::FAULT);
                description.encode(h);
            }
            TraceKind::BrokerStarted {
                broker,
                broker_epoch,
            } => {
                h.word(tag::BROKER_STARTED);
                broker.encode(h);
                broker_epoch.encode(h);
            }
            TraceKind::BrokerStopped { broker, clean } => {
                h.word(tag::BROKER_STOPPED);
                broker.encode(h);
                clean.encode(h);
            }
            TraceKind::BrokerFenced { broker, reason } => {
                h.word(tag::BROKER_FENCED);
                broker.encode(h);
                reason.encode(h);
            }
            TraceKind::BrokerUnfenced { broker } => {
                h.word(tag::BROKER_UNFENCED);
                broker.encode(h);
            }
            TraceKind::RegistrationRefused {
                broker,
                broker_epoch,
            } => {
                h.word(tag::REGISTRATION_REFUSED);
                broker.encode(h);
                broker_epoch.encode(h);
            }
            TraceKind::LeaderElected {
                partition,
                leader,
                leader_epoch,
                isr,
                elr,
                unclean,
                from_elr,
                reason,
            } => {
                h.word(tag::LEADER_ELECTED);
                partition.encode(h);
                leader.encode(h);
                leader_epoch.encode(h);
                isr.encode(h);
                elr.encode(h);
                unclean.encode(h);
                from_elr.encode(h);
                reason.encode(h);
            }
            TraceKind::IsrChanged {
                partition,
                isr,
                elr,
                leader_epoch,
                partition_epoch,
            } => {
                h.word(tag::ISR_CHANGED);
                partition.encode(h);
                isr.encode(h);
                elr.encode(h);
                leader_epoch.encode(h);
                partition_epoch.encode(h);
            }
            TraceKind::Truncated {
                partition,
                broker,
                to_offset,
                removed,
                reason,
            } => {
                h.word(tag::TRUNCATED);
                partition.encode(h);
                broker.encode(h);
                to_offset.encode(h);
                removed.encode(h);
                reason.encode(h);
            }
            TraceKind::ProduceError {
                producer,
                partition,
                error,
                records,
            } => {
                h.word(tag::PRODUCE_ERROR);
                producer.encode(h);
                partition.encode(h);
                error.encode(h);
                records.encode(h);
            }
            TraceKind::SendFailed {
                producer,
                partition,
                error,
                records,
                record_ids,
            } => {
                h.word(tag::SEND_FAILED);
                producer.encode(h);
                partition.encode(h);
                error.encode(h);
                records.encode(h);
                record_ids.encode(h);
            }
            TraceKind::PartitionCreated {
                partition,
                replicas,
                leader,
                isr,
            } => {
                h.word(tag::PARTITION_CREATED);
                partition.encode(h);
                replicas.encode(h);
                leader.encode(h);
                isr.encode(h);
            }
            TraceKind::BecameLeader {
                partition,
                broker,
                leader_epoch,
            } => {
                h.word(tag::BECAME_LEADER);
                partition.encode(h);
                broker.encode(h);
                leader_epoch.encode(h);
            }
            TraceKind::BecameFollower {
                partition,
                broker,
                leader,
                leader_epoch,
            } => {
                h.word(tag::BECAME_FOLLOWER);
                partition.encode(h);
                broker.encode(h);
                leader.encode(h);
                leader_epoch.encode(h);
            }

            TraceKind::Violation { text } => {
                h.word(tag::VIOLATION);
                text.encode(h);
            }
            TraceKind::Group { group, text } => {
                h.word(tag::GROUP);
                group.encode(h);
                text.encode(h);
            }
            #[cfg(feature = "groups")]
            TraceKind::Processed {
                consumer,
                group,
                partition,
                base_offset,
                records,
                leader_epoch,
                generation,
            } => {
                h.word(tag::PROCESSED);
                consumer.encode(h);
                group.encode(h);
                partition.encode(h);
                base_offset.encode(h);
                records.encode(h);
                leader_epoch.encode(h);
                generation.encode(h);
            }
            TraceKind::ReplicasChanged {
                partition,
                replicas,
                adding,
                removing,
                isr,
                leader,
                leader_epoch,
                partition_epoch,
            } => {
                h.word(tag::REPLICAS_CHANGED);
                partition.encode(h);
                replicas.encode(h);
                adding.encode(h);
                removing.encode(h);
                isr.encode(h);
                leader.encode(h);
                leader_epoch.encode(h);
                partition_epoch.encode(h);
            }
            TraceKind::ReplicaHosted {
                partition,
                broker,
                hosted,
            } => {
                h.word(tag::REPLICA_HOSTED);
                partition.encode(h);
                broker.encode(h);
                hosted.encode(h);
            }
            TraceKind::UnknownProducerAccepted {
                partition,
                broker,
                producer,
                producer_id,
                producer_epoch,
                base_sequence,
            } => {
                h.word(tag::UNKNOWN_PRODUCER_ACCEPTED);
                partition.encode(h);
                broker.encode(h);
                producer.encode(h);
                producer_id.encode(h);
                producer_epoch.encode(h);
                base_sequence.encode(h);
            }
            TraceKind::RequestTimeoutDisconnect {
                producer,
                broker,
                requests,
                request_timeout_ms,
            } => {
                h.word(tag::REQUEST_TIMEOUT_DISCONNECT);
                producer.encode(h);
                broker.encode(h);
                requests.encode(h);
                request_timeout_ms.encode(h);
            }
            TraceKind::AdminError { action, error } => {
                h.word(tag::ADMIN_ERROR);
                action.encode(h);
                error.encode(h);
            }
            TraceKind::Quorum {
                controller,
                epoch,
                change,
            } => {
                h.word(tag::QUORUM);
                controller.encode(h);
                epoch.encode(h);
                change.encode(h);
            }
            TraceKind::NotDeserialized {
                consumer,
                partition,
                offset,
                record,
                skipped,
            } => {
                h.word(tag::NOT_DESERIALIZED);
                consumer.encode(h);
                partition.encode(h);
                offset.encode(h);
                record.encode(h);
                skipped.encode(h);
            }
            TraceKind::SegmentRolled {
                partition,
                broker,
                base_offset,
            } => {
                h.word(tag::SEGMENT_ROLLED);
                partition.encode(h);
                broker.encode(h);
                base_offset.encode(h);
            }
            TraceKind::SegmentsDeleted {
                partition,
                broker,
                segments,
                log_start_offset,
                reason,
            } => {
                h.word(tag::SEGMENTS_DELETED);
                partition.encode(h);
                broker.encode(h);
                segments.encode(h);
                log_start_offset.encode(h);
                reason.encode(h);
            }
            TraceKind::LogStartOffset {
                partition,
                broker,
                log_start_offset,
            } => {
                h.word(tag::LOG_START_OFFSET);
                partition.encode(h);
                broker.encode(h);
                log_start_offset.encode(h);
            }
            TraceKind::Cleaned {
                partition,
                broker,
                end_offset,
                removed,
                pieces,
            } => {
                h.word(tag::CLEANED);
                partition.encode(h);
                broker.encode(h);
                end_offset.encode(h);
                removed.encode(h);
                pieces.encode(h);
            }
            TraceKind::OffsetReset {
                consumer,
                partition,
                position,
                log_start_offset,
                reset_to,
            } => {
                h.word(tag::OFFSET_RESET);
                consumer.encode(h);
                partition.encode(h);
                position.encode(h);
                log_start_offset.encode(h);
                reset_to.encode(h);
            }
            TraceKind::Appended { .. }
            | TraceKind::Replicated { .. }
            | TraceKind::HighWatermark { .. }
            | TraceKind::Acknowledged { .. }
            | TraceKind::Consumed { .. }
            | TraceKind::Sent { .. } => unreachable!("encoded as a HotEvent above"),
        }
    }
}

impl TraceKind {
    /// The event's `type` as the trace export spells it (serde's `rename_all = "snake_case"`),
    /// without `Debug`, whose derive for every event would weigh on the site's wasm.
    pub fn type_name(&self) -> &'static str {
        match self {
            TraceKind::Fault { .. } => "fault",
            TraceKind::BrokerStarted { .. } => "broker_started",
            TraceKind::BrokerStopped { .. } => "broker_stopped",
            TraceKind::BrokerFenced { .. } => "broker_fenced",
            TraceKind::BrokerUnfenced { .. } => "broker_unfenced",
            TraceKind::RegistrationRefused { .. } => "registration_refused",
            TraceKind::LeaderElected { .. } => "leader_elected",
            TraceKind::IsrChanged { .. } => "isr_changed",
            TraceKind::Appended { .. } => "appended",
            TraceKind::Replicated { .. } => "replicated",
            TraceKind::Truncated { .. } => "truncated",
            TraceKind::HighWatermark { .. } => "high_watermark",
            TraceKind::ProduceError { .. } => "produce_error",
            TraceKind::Acknowledged { .. } => "acknowledged",
            TraceKind::SendFailed { .. } => "send_failed",
            TraceKind::Consumed { .. } => "consumed",
            TraceKind::Sent { .. } => "sent",
            TraceKind::PartitionCreated { .. } => "partition_created",
            TraceKind::BecameLeader { .. } => "became_leader",
            TraceKind::BecameFollower { .. } => "became_follower",
            TraceKind::Violation { .. } => "violation",
            TraceKind::Group { .. } => "group",
            TraceKind::NotDeserialized { .. } => "not_deserialized",
            TraceKind::SegmentRolled { .. } => "segment_rolled",
            TraceKind::SegmentsDeleted { .. } => "segments_deleted",
            TraceKind::LogStartOffset { .. } => "log_start_offset",
            TraceKind::Cleaned { .. } => "cleaned",
            TraceKind::OffsetReset { .. } => "offset_reset",
            #[cfg(feature = "groups")]
            TraceKind::Processed { .. } => "processed",
            TraceKind::ReplicasChanged { .. } => "replicas_changed",
            TraceKind::ReplicaHosted { .. } => "replica_hosted",
            TraceKind::UnknownProducerAccepted { .. } => "unknown_producer_accepted",
            TraceKind::RequestTimeoutDisconnect { .. } => "request_timeout_disconnect",
            TraceKind::AdminError { .. } => "admin_error",
            TraceKind::Quorum { .. } => "quorum",
        }
    }
}

/// The trace: a running hash, optionally the events, and always the notable ones.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    hasher: TraceHasher,
    /// `sent` events, hashed apart: the engine generates records lazily (before the next producer
    /// event, or at the end of a `run_until`), so where they fall among other events depends on how
    /// a run is sliced; their own order (record ids in send order) does not.
    sent: TraceHasher,
    pub events: Option<Vec<TraceEvent>>,
    pub notable: crate::chunked::ChunkVec<TraceEvent>,
    pub count: u64,
}

impl Trace {
    pub fn new(keep_all: bool) -> Self {
        Trace {
            events: keep_all.then(Vec::new),
            ..Trace::default()
        }
    }

    pub fn emit(&mut self, time: SimTime, kind: TraceKind) {
        let ev = TraceEvent { time, kind };
        let hasher = match ev.kind {
            TraceKind::Sent { .. } => &mut self.sent,
            _ => &mut self.hasher,
        };
        ev.encode(hasher);
        self.count += 1;
        if ev.is_notable() {
            self.notable.push(ev.clone());
        }
        if let Some(events) = &mut self.events {
            events.push(ev);
        }
    }

    /// Emits what happened at a record's `send()` other than the send itself (a serializer's
    /// refusal), which the engine learns when it generates the record, lazily: hashed with the
    /// `sent` events and kept among the others at its own time, so how a run is sliced changes
    /// neither the hash nor the order of events.
    pub fn emit_at_send(&mut self, time: SimTime, kind: TraceKind) {
        let ev = TraceEvent { time, kind };
        ev.encode(&mut self.sent);
        self.count += 1;
        if ev.is_notable() {
            let n = self.notable.len();
            let mut at = n;
            while at > 0 && self.notable.get(at - 1).is_some_and(|e| e.time > time) {
                at -= 1;
            }
            let later: Vec<TraceEvent> = self.notable.range(at, n).cloned().collect();
            self.notable.truncate(at);
            self.notable.push(ev.clone());
            for e in later {
                self.notable.push(e);
            }
        }
        if let Some(events) = &mut self.events {
            let mut at = events.len();
            while at > 0 && events[at - 1].time > time {
                at -= 1;
            }
            events.insert(at, ev);
        }
    }

    /// Emits a frequent event: hashed in place, built only if the full trace is kept.
    #[inline]
    pub fn emit_hot(&mut self, time: SimTime, ev: HotEvent) {
        let hasher = match ev {
            HotEvent::Sent { .. } => &mut self.sent,
            _ => &mut self.hasher,
        };
        ev.encode(time, hasher);
        self.count += 1;
        if let Some(events) = &mut self.events {
            events.push(TraceEvent {
                time,
                kind: ev.to_kind(),
            });
        }
    }

    /// The run's hash: the events' hash, then the `sent` events' hash as one more word.
    pub fn hash(&self) -> u64 {
        let mut h = self.hasher.clone();
        h.word(self.sent.finish());
        h.finish()
    }
}

/// Formats a trace hash the way the CLI and the site print it.
pub fn format_hash(hash: u64) -> String {
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_events_hash_like_the_events_they_stand_for() {
        let part: Arc<str> = "orders-11".into();
        let client: Arc<str> = "a-producer-with-a-long-name".into();
        let hot = [
            HotEvent::Appended {
                partition: &part,
                broker: 3,
                base_offset: 1 << 40,
                count: 2,
                leader_epoch: 2,
                batch: 5,
                producer_id: 1,
                producer_epoch: 0,
                base_sequence: -1,
                records: &[99, 104],
            },
            HotEvent::Replicated {
                partition: &part,
                broker: 2,
                base_offset: 12,
                count: 1,
                leader: 3,
                batches: &[5],
            },
            HotEvent::HighWatermark {
                partition: &part,
                broker: 1,
                high_watermark: 5,
            },
            HotEvent::Acknowledged {
                producer: &client,
                partition: &part,
                base_offset: Some(4),
                records: 3,
                latency_us: 1_234,
                record_ids: &[1, 2, 3],
            },
            HotEvent::Acknowledged {
                producer: &client,
                partition: &part,
                base_offset: None,
                records: 3,
                latency_us: 0,
                record_ids: &[],
            },
            HotEvent::Consumed {
                consumer: &client,
                partition: &part,
                base_offset: 8,
                records: 2,
                broker: 1,
            },
            HotEvent::Sent {
                producer: &client,
                partition: &part,
                record: 7,
                key: Some(3),
            },
        ];
        for (i, ev) in hot.iter().enumerate() {
            let time = SimTime(1_000 + i as u64);
            let mut built = Trace::new(true);
            let kind = ev.to_kind();
            built.emit(time, kind.clone());
            let mut direct = Trace::new(true);
            direct.emit_hot(time, *ev);
            assert_eq!(built.hash(), direct.hash(), "{kind:?}");
            assert_eq!(built.events, direct.events);
            assert_eq!(built.count, direct.count);
            assert!(!TraceEvent { time, kind }.is_notable());
            assert_eq!(direct.notable.len(), 0);
        }
    }
}
