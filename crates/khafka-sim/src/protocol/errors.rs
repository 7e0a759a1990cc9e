//! Kafka's error codes (`org.apache.kafka.common.protocol.Errors`).
//!
//! Error codes are protocol data inside the model (as in Kafka's `Errors` enum), never Rust errors.

use serde::{Deserialize, Serialize};

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
    // The group coordinator's codes (`protocol/group.rs`).
    CoordinatorLoadInProgress,
    CoordinatorNotAvailable,
    NotCoordinator,
    IllegalGeneration,
    InconsistentGroupProtocol,
    UnknownMemberId,
    InvalidSessionTimeout,
    RebalanceInProgress,
    MemberIdRequired,
    FencedInstanceId,
    /// `GROUP_ID_NOT_FOUND`: e.g. a KIP-848 heartbeat to a classic group that has members.
    GroupIdNotFound,
    /// `GROUP_MAX_SIZE_REACHED`.
    GroupMaxSizeReached,
    /// KIP-848: the member's epoch is not the coordinator's (it must rejoin with epoch 0).
    FencedMemberEpoch,
    /// KIP-848: a static member's instance id is still held by a member that did not leave.
    UnreleasedInstanceId,
    /// KIP-848: `group.remote.assignor` names an assignor the brokers do not run.
    UnsupportedAssignor,
    /// KIP-848: an OffsetCommit with an older member epoch than the member's.
    StaleMemberEpoch,
    /// `AlterPartition` succeeded but completed a reassignment that moved leadership away from the
    /// leader that asked (`ReplicationControlManager.alterPartition`).
    NewLeaderElected,
    /// `MESSAGE_TOO_LARGE`: client-side, `KafkaProducer.doSend` threw `RecordTooLargeException`
    /// because the record is larger than `max.request.size` when serialized (it never reached the
    /// accumulator); broker-side, the leader refused a batch larger than the topic's
    /// `max.message.bytes`. Not retriable.
    MessageTooLarge,
    /// Client-side: the value serializer threw (`SerializationException`, e.g. the Schema
    /// Registry refused the producer's schema); the record was never sent.
    SerializationError,
    /// `POLICY_VIOLATION`: e.g. DeleteRecords on a topic whose `cleanup.policy` has no `delete`.
    PolicyViolation,
    /// `INVALID_PRODUCER_EPOCH`: an idempotent batch of an epoch older than the one the leader
    /// holds for its producer (`ProducerAppendInfo.checkProducerEpoch`); not retriable
    /// (`InvalidProducerEpochException` is an `ApiException`).
    InvalidProducerEpoch,
    /// `AlterPartition` with a stale partition epoch (`ReplicationControlManager`).
    InvalidUpdateVersion,
    /// `AlterPartition` whose new ISR holds a fenced, shutting-down or unregistered broker
    /// (KIP-903).
    IneligibleReplica,
    /// `AlterPartition` from a broker that is not the partition's leader.
    InvalidRequest,
}

impl ErrorCode {
    pub const fn name(self) -> &'static str {
        match self {
            ErrorCode::None => "NONE",
            ErrorCode::OffsetOutOfRange => "OFFSET_OUT_OF_RANGE",
            ErrorCode::PolicyViolation => "POLICY_VIOLATION",
            ErrorCode::InvalidProducerEpoch => "INVALID_PRODUCER_EPOCH",
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
            ErrorCode::CoordinatorLoadInProgress => "COORDINATOR_LOAD_IN_PROGRESS",
            ErrorCode::CoordinatorNotAvailable => "COORDINATOR_NOT_AVAILABLE",
            ErrorCode::NotCoordinator => "NOT_COORDINATOR",
            ErrorCode::IllegalGeneration => "ILLEGAL_GENERATION",
            ErrorCode::InconsistentGroupProtocol => "INCONSISTENT_GROUP_PROTOCOL",
            ErrorCode::UnknownMemberId => "UNKNOWN_MEMBER_ID",
            ErrorCode::InvalidSessionTimeout => "INVALID_SESSION_TIMEOUT",
            ErrorCode::RebalanceInProgress => "REBALANCE_IN_PROGRESS",
            ErrorCode::MemberIdRequired => "MEMBER_ID_REQUIRED",
            ErrorCode::FencedInstanceId => "FENCED_INSTANCE_ID",
            ErrorCode::GroupIdNotFound => "GROUP_ID_NOT_FOUND",
            ErrorCode::GroupMaxSizeReached => "GROUP_MAX_SIZE_REACHED",
            ErrorCode::FencedMemberEpoch => "FENCED_MEMBER_EPOCH",
            ErrorCode::UnreleasedInstanceId => "UNRELEASED_INSTANCE_ID",
            ErrorCode::UnsupportedAssignor => "UNSUPPORTED_ASSIGNOR",
            ErrorCode::StaleMemberEpoch => "STALE_MEMBER_EPOCH",
            ErrorCode::NewLeaderElected => "NEW_LEADER_ELECTED",
            ErrorCode::SerializationError => "SERIALIZATION_ERROR",
            ErrorCode::MessageTooLarge => "MESSAGE_TOO_LARGE",
            ErrorCode::InvalidUpdateVersion => "INVALID_UPDATE_VERSION",
            ErrorCode::IneligibleReplica => "INELIGIBLE_REPLICA",
            ErrorCode::InvalidRequest => "INVALID_REQUEST",
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
            ErrorCode::CoordinatorLoadInProgress => 14,
            ErrorCode::CoordinatorNotAvailable => 15,
            ErrorCode::NotCoordinator => 16,
            ErrorCode::IllegalGeneration => 22,
            ErrorCode::InconsistentGroupProtocol => 23,
            ErrorCode::UnknownMemberId => 25,
            ErrorCode::InvalidSessionTimeout => 26,
            ErrorCode::RebalanceInProgress => 27,
            ErrorCode::MemberIdRequired => 79,
            ErrorCode::FencedInstanceId => 82,
            ErrorCode::GroupIdNotFound => 69,
            ErrorCode::GroupMaxSizeReached => 81,
            ErrorCode::FencedMemberEpoch => 110,
            ErrorCode::UnreleasedInstanceId => 111,
            ErrorCode::UnsupportedAssignor => 112,
            ErrorCode::StaleMemberEpoch => 113,
            ErrorCode::NewLeaderElected => 108,
            ErrorCode::SerializationError => -1,
            ErrorCode::MessageTooLarge => 10,
            ErrorCode::PolicyViolation => 44,
            ErrorCode::InvalidUpdateVersion => 95,
            ErrorCode::IneligibleReplica => 107,
            ErrorCode::InvalidRequest => 42,
            ErrorCode::InvalidProducerEpoch => 47,
        }
    }

    /// Every error a producer's `send()` can end or retry with: the names `errors(NAME)` counts
    /// in scenarios.
    pub const PRODUCER_ERRORS: &'static [ErrorCode] = &[
        ErrorCode::NotEnoughReplicas,
        ErrorCode::NotEnoughReplicasAfterAppend,
        ErrorCode::RequestTimedOut,
        ErrorCode::NotLeaderOrFollower,
        ErrorCode::OutOfOrderSequenceNumber,
        ErrorCode::DuplicateSequenceNumber,
        ErrorCode::NetworkException,
        ErrorCode::DeliveryTimeout,
        ErrorCode::UnknownTopicOrPartition,
        ErrorCode::FencedLeaderEpoch,
        ErrorCode::SerializationError,
        ErrorCode::MessageTooLarge,
        ErrorCode::InvalidProducerEpoch,
    ];

    /// [`ErrorCode::PRODUCER_ERRORS`]' names, computed at compile time.
    pub const PRODUCER_ERROR_NAMES: [&'static str; ErrorCode::PRODUCER_ERRORS.len()] = {
        let mut names = [""; ErrorCode::PRODUCER_ERRORS.len()];
        let mut i = 0;
        while i < names.len() {
            names[i] = ErrorCode::PRODUCER_ERRORS[i].name();
            i += 1;
        }
        names
    };

    /// Whether Kafka's producer retries this error (`RetriableException` subclasses).
    pub fn is_retriable(self) -> bool {
        !matches!(
            self,
            ErrorCode::None
                | ErrorCode::DuplicateSequenceNumber
                | ErrorCode::DeliveryTimeout
                | ErrorCode::SerializationError
                | ErrorCode::MessageTooLarge
                | ErrorCode::PolicyViolation
                | ErrorCode::InvalidProducerEpoch
        )
    }
}
