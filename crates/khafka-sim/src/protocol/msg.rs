//! Kafka error codes and the messages nodes exchange.
//!
//! Error codes are protocol data inside the model (as in Kafka's `Errors` enum), never Rust errors.

use crate::log::{BatchId, RecordId};
use crate::spec::BrokerId;
use serde::{Deserialize, Serialize};

/// Index of a partition across all topics (topic order, then partition number).
pub type PartIdx = u32;

/// Kafka's error codes that the simulated protocol uses (`org.apache.kafka.common.protocol.Errors`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ErrorCode {
    None,
    OffsetOutOfRange,
    UnknownTopicOrPartition,
    NotLeaderOrFollower,
    RequestTimedOut,
    NetworkException,
    NotEnoughReplicas,
    NotEnoughReplicasAfterAppend,
    OutOfOrderSequenceNumber,
    DuplicateSequenceNumber,
    FencedLeaderEpoch,
    UnknownLeaderEpoch,
    /// Client-side: the record's `delivery.timeout.ms` expired (`TimeoutException: Expiring N record(s)`).
    DeliveryTimeout,
}

impl ErrorCode {
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::None => "NONE",
            ErrorCode::OffsetOutOfRange => "OFFSET_OUT_OF_RANGE",
            ErrorCode::UnknownTopicOrPartition => "UNKNOWN_TOPIC_OR_PARTITION",
            ErrorCode::NotLeaderOrFollower => "NOT_LEADER_OR_FOLLOWER",
            ErrorCode::RequestTimedOut => "REQUEST_TIMED_OUT",
            ErrorCode::NetworkException => "NETWORK_EXCEPTION",
            ErrorCode::NotEnoughReplicas => "NOT_ENOUGH_REPLICAS",
            ErrorCode::NotEnoughReplicasAfterAppend => "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
            ErrorCode::OutOfOrderSequenceNumber => "OUT_OF_ORDER_SEQUENCE_NUMBER",
            ErrorCode::DuplicateSequenceNumber => "DUPLICATE_SEQUENCE_NUMBER",
            ErrorCode::FencedLeaderEpoch => "FENCED_LEADER_EPOCH",
            ErrorCode::UnknownLeaderEpoch => "UNKNOWN_LEADER_EPOCH",
            ErrorCode::DeliveryTimeout => "DELIVERY_TIMEOUT",
        }
    }

    /// Kafka's numeric code (`Errors.code()`); -1 for the client-only delivery timeout.
    pub fn code(self) -> i16 {
        match self {
            ErrorCode::None => 0,
            ErrorCode::OffsetOutOfRange => 1,
            ErrorCode::UnknownTopicOrPartition => 3,
            ErrorCode::NotLeaderOrFollower => 6,
            ErrorCode::RequestTimedOut => 7,
            ErrorCode::NetworkException => 13,
            ErrorCode::NotEnoughReplicas => 19,
            ErrorCode::NotEnoughReplicasAfterAppend => 20,
            ErrorCode::OutOfOrderSequenceNumber => 45,
            ErrorCode::DuplicateSequenceNumber => 46,
            ErrorCode::FencedLeaderEpoch => 74,
            ErrorCode::UnknownLeaderEpoch => 75,
            ErrorCode::DeliveryTimeout => -1,
        }
    }

    /// Every name, for validating `errors(NAME)` in scenarios.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::OffsetOutOfRange,
        ErrorCode::UnknownTopicOrPartition,
        ErrorCode::NotLeaderOrFollower,
        ErrorCode::RequestTimedOut,
        ErrorCode::NetworkException,
        ErrorCode::NotEnoughReplicas,
        ErrorCode::NotEnoughReplicasAfterAppend,
        ErrorCode::OutOfOrderSequenceNumber,
        ErrorCode::DuplicateSequenceNumber,
        ErrorCode::FencedLeaderEpoch,
        ErrorCode::UnknownLeaderEpoch,
        ErrorCode::DeliveryTimeout,
    ];

    /// Whether Kafka's producer retries this error (`RetriableException` subclasses).
    pub fn is_retriable(self) -> bool {
        !matches!(
            self,
            ErrorCode::None | ErrorCode::DuplicateSequenceNumber | ErrorCode::DeliveryTimeout
        )
    }
}

/// A partition's leadership and ISR as the controller decided it (KRaft's `PartitionRecord`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartitionState {
    pub part: PartIdx,
    pub leader: Option<BrokerId>,
    pub leader_epoch: u32,
    pub partition_epoch: u32,
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
    pub elr: Vec<BrokerId>,
}

/// One partition's batch inside a produce request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProduceBatch {
    pub part: PartIdx,
    pub records: Vec<RecordId>,
    /// `(producer id, producer epoch, base sequence)` for idempotent producers.
    pub idempotence: Option<(u32, u16, i32)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchPartition {
    pub part: PartIdx,
    pub fetch_offset: u64,
    /// Epoch of the last record the follower has (KIP-595-style divergence check); `None` for consumers.
    pub last_fetched_epoch: Option<u32>,
    pub current_leader_epoch: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedPartition {
    pub part: PartIdx,
    pub error: ErrorCode,
    pub high_watermark: u64,
    pub log_end_offset: u64,
    /// Whole batches from the one holding the fetch offset (the store's ids: a follower appends the
    /// very batches the leader holds).
    pub batches: Vec<BatchId>,
    /// Base offset of the first batch (below the fetch offset when that is inside a batch).
    pub base_offset: u64,
    /// `(epoch, end offset)` when the follower's log diverges from the leader's.
    pub diverging_epoch: Option<(u32, u64)>,
}

/// Who sent a fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fetcher {
    Follower(BrokerId),
    Consumer,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    Produce {
        req_id: u64,
        acks: crate::config::Acks,
        timeout_us: u64,
        batches: Vec<ProduceBatch>,
    },
    ProduceResponse {
        req_id: u64,
        /// `(partition, error, base offset)`.
        results: Vec<(PartIdx, ErrorCode, Option<u64>)>,
    },
    Fetch {
        req_id: u64,
        fetcher: Fetcher,
        max_wait_us: u64,
        partitions: Vec<FetchPartition>,
    },
    FetchResponse {
        req_id: u64,
        partitions: Vec<FetchedPartition>,
    },
    Metadata {
        req_id: u64,
    },
    /// The first request on a new connection (Kafka's clients send it once connected): its answer
    /// tells the producer the connection is up.
    ApiVersions {
        req_id: u64,
    },
    ApiVersionsResponse {
        req_id: u64,
    },
    MetadataResponse {
        req_id: u64,
        /// `(partition, leader, leader epoch)` as this broker knows them.
        partitions: Vec<(PartIdx, Option<BrokerId>, u32)>,
    },
    /// Broker → controller, every `broker.heartbeat.interval.ms`.
    Heartbeat {
        broker_epoch: u64,
        /// The epoch the clean-shutdown file held at start-up (`previousBrokerEpoch` in
        /// `BrokerRegistration`): `None` after a crash (KAFKA-15586).
        previous_broker_epoch: Option<u64>,
        metadata_offset: u64,
        want_shutdown: bool,
    },
    HeartbeatResponse {
        fenced: bool,
        shutdown_ready: bool,
    },
    /// Broker → controller: long-poll of the metadata log from `offset`.
    MetadataFetch {
        req_id: u64,
        offset: u64,
    },
    MetadataFetchResponse {
        req_id: u64,
        offset: u64,
        partitions: Vec<PartitionState>,
        fenced: Vec<BrokerId>,
    },
    AlterPartition {
        part: PartIdx,
        leader_epoch: u32,
        partition_epoch: u32,
        isr: Vec<BrokerId>,
    },
    AlterPartitionResponse {
        part: PartIdx,
        /// The partition epoch the request was made at (the client matches a response to its request).
        partition_epoch: u32,
        /// Boxed: the largest payload, rare, and every message (and event) is as big as it.
        result: Result<Box<PartitionState>, ErrorCode>,
    },
    /// The OS reset the connection: the request `req_id` will never be answered.
    Disconnect {
        req_id: u64,
    },
    /// The broker's process ended (a clean stop or a crash, not a power loss): the OS closed its
    /// sockets, and a client with a connection to it sees the connection close.
    ConnectionClosed,
    /// Between the controllers of a KRaft quorum (boxed: rare next to produce and fetch traffic).
    Raft(Box<crate::protocol::raft::RaftMsg>),
    /// A controller that is not the active one answers a broker's request (`NOT_CONTROLLER`, or
    /// `NOT_LEADER_OR_FOLLOWER` for a metadata fetch) with the leader it knows, if any.
    NotController {
        /// The metadata fetch refused, if it was one.
        req_id: Option<u64>,
        leader: Option<crate::protocol::raft::ControllerId>,
    },
}

impl Msg {
    /// Kafka's name for the request or response (`Produce`, `Fetch`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Msg::Produce { .. } => "Produce",
            Msg::ProduceResponse { .. } => "ProduceResponse",
            Msg::Fetch { .. } => "Fetch",
            Msg::FetchResponse { .. } => "FetchResponse",
            Msg::Metadata { .. } => "Metadata",
            Msg::ApiVersions { .. } => "ApiVersions",
            Msg::ApiVersionsResponse { .. } => "ApiVersionsResponse",
            Msg::MetadataResponse { .. } => "MetadataResponse",
            Msg::Heartbeat { .. } => "BrokerHeartbeat",
            Msg::HeartbeatResponse { .. } => "BrokerHeartbeatResponse",
            Msg::MetadataFetch { .. } => "MetadataFetch",
            Msg::MetadataFetchResponse { .. } => "MetadataFetchResponse",
            Msg::AlterPartition { .. } => "AlterPartition",
            Msg::AlterPartitionResponse { .. } => "AlterPartitionResponse",
            Msg::Disconnect { .. } => "Disconnect",
            Msg::ConnectionClosed => "ConnectionClosed",
            Msg::Raft(m) => m.kind(),
            Msg::NotController { .. } => "NotController",
        }
    }

    /// The request id a disconnect would refer to, for requests only.
    pub fn request_id(&self) -> Option<u64> {
        match self {
            Msg::Produce { req_id, .. }
            | Msg::Fetch { req_id, .. }
            | Msg::Metadata { req_id }
            | Msg::ApiVersions { req_id }
            | Msg::MetadataFetch { req_id, .. } => Some(*req_id),
            _ => None,
        }
    }
}
