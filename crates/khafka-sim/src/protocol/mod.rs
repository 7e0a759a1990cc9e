//! The messages nodes exchange: Kafka's APIs as the engine models them, one file per API, each an
//! enum of its request and response; [`Msg`] is the enum of those (plus two transport events).
//! `raft.rs` holds the KRaft quorum's own APIs (Vote, BeginQuorumEpoch, the metadata log's Fetch)
//! and its records.

mod alter_partition;
mod api_versions;
mod broker_heartbeat;
mod delete_records;
mod errors;
mod fetch;
#[cfg(feature = "groups")]
pub mod group;
mod metadata;
mod metadata_fetch;
mod offsets_for_leader_epoch;
mod produce;
pub mod raft;
pub mod wire;

pub use alter_partition::AlterPartition;
pub use api_versions::ApiVersions;
pub use broker_heartbeat::BrokerHeartbeat;
pub use delete_records::{DeleteRecords, DeletedRecords};
pub use errors::ErrorCode;
pub use fetch::{Fetch, FetchPartition, FetchedPartition, Fetcher};
#[cfg(feature = "groups")]
pub use group::Group;
pub use metadata::Metadata;
pub use metadata_fetch::{IneligibleBroker, MetadataFetch};
pub use offsets_for_leader_epoch::{
    EpochEndOffset, OffsetForLeaderPartition, OffsetsForLeaderEpoch,
};
pub use produce::{CurrentLeader, PartitionResponse, Produce, ProduceBatch};
pub use wire::CompressionType;

use crate::spec::BrokerId;
use serde::{Deserialize, Serialize};

/// Index of a partition across all topics (topic order, then partition number).
pub type PartIdx = u32;

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
    /// Replicas a reassignment is adding (KIP-455's `addingReplicas`), ascending; they are in
    /// `replicas` too. Empty when no reassignment is in progress.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adding: Vec<BrokerId>,
    /// Replicas a reassignment will remove once the target replicas are all in the ISR
    /// (`removingReplicas`), ascending; they are in `replicas` too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removing: Vec<BrokerId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    Produce(Produce),
    Fetch(Fetch),
    Metadata(Metadata),
    ApiVersions(ApiVersions),
    BrokerHeartbeat(BrokerHeartbeat),
    MetadataFetch(MetadataFetch),
    AlterPartition(AlterPartition),
    /// The consumer-group APIs (`group.rs`: FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
    /// LeaveGroup, OffsetCommit, OffsetFetch).
    #[cfg(feature = "groups")]
    Group(Group),
    /// A consumer validating its position after a leader change (KIP-320).
    OffsetsForLeaderEpoch(OffsetsForLeaderEpoch),
    /// Kafka Streams purging a repartition topic (`Admin.deleteRecords`).
    DeleteRecords(DeleteRecords),
    /// The OS reset the connection: the request `req_id` will never be answered.
    Disconnect {
        req_id: u64,
    },
    /// The broker's process ended (a clean stop or a crash, not a power loss): the OS closed its
    /// sockets, and a client with a connection to it sees the connection close.
    ConnectionClosed,
    /// Between the controllers of a KRaft quorum (boxed: rare next to produce and fetch traffic).
    Raft(Box<raft::RaftMsg>),
    /// A controller that is not the active one answers a broker's request (`NOT_CONTROLLER`, or
    /// `NOT_LEADER_OR_FOLLOWER` for a metadata fetch) with the leader it knows, if any.
    NotController {
        /// The metadata fetch refused, if it was one.
        req_id: Option<u64>,
        leader: Option<raft::ControllerId>,
    },
}

impl Msg {
    /// Kafka's name for the request or response (`Produce`, `Fetch`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Msg::Produce(Produce::Request { .. }) => "Produce",
            Msg::Produce(Produce::Response { .. }) => "ProduceResponse",
            Msg::Fetch(Fetch::Request { .. }) => "Fetch",
            Msg::Fetch(Fetch::Response { .. }) => "FetchResponse",
            Msg::Metadata(Metadata::Request { .. }) => "Metadata",
            Msg::Metadata(Metadata::Response { .. }) => "MetadataResponse",
            Msg::ApiVersions(ApiVersions::Request { .. }) => "ApiVersions",
            Msg::ApiVersions(ApiVersions::Response { .. }) => "ApiVersionsResponse",
            Msg::BrokerHeartbeat(BrokerHeartbeat::Request { .. }) => "BrokerHeartbeat",
            Msg::BrokerHeartbeat(BrokerHeartbeat::Response { .. }) => "BrokerHeartbeatResponse",
            Msg::MetadataFetch(MetadataFetch::Request { .. }) => "MetadataFetch",
            Msg::MetadataFetch(MetadataFetch::Response { .. }) => "MetadataFetchResponse",
            Msg::AlterPartition(AlterPartition::Request { .. }) => "AlterPartition",
            Msg::AlterPartition(AlterPartition::Response { .. }) => "AlterPartitionResponse",
            #[cfg(feature = "groups")]
            Msg::Group(Group::Request { req, .. }) => req.kind(),
            #[cfg(feature = "groups")]
            Msg::Group(Group::Response { resp, .. }) => resp.kind(),
            Msg::OffsetsForLeaderEpoch(OffsetsForLeaderEpoch::Request { .. }) => {
                "OffsetsForLeaderEpoch"
            }
            Msg::OffsetsForLeaderEpoch(OffsetsForLeaderEpoch::Response { .. }) => {
                "OffsetsForLeaderEpochResponse"
            }
            Msg::DeleteRecords(DeleteRecords::Request { .. }) => "DeleteRecords",
            Msg::DeleteRecords(DeleteRecords::Response { .. }) => "DeleteRecordsResponse",
            Msg::Disconnect { .. } => "Disconnect",
            Msg::ConnectionClosed => "ConnectionClosed",
            Msg::Raft(m) => m.kind(),
            Msg::NotController { .. } => "NotController",
        }
    }

    /// The request id a disconnect would refer to, for requests only.
    pub fn request_id(&self) -> Option<u64> {
        match self {
            Msg::Produce(Produce::Request { req_id, .. })
            | Msg::Fetch(Fetch::Request { req_id, .. })
            | Msg::Metadata(Metadata::Request { req_id })
            | Msg::ApiVersions(ApiVersions::Request { req_id })
            | Msg::MetadataFetch(MetadataFetch::Request { req_id, .. })
            | Msg::BrokerHeartbeat(BrokerHeartbeat::Request { req_id, .. }) => Some(*req_id),
            #[cfg(feature = "groups")]
            Msg::Group(Group::Request { req_id, .. }) => Some(*req_id),
            Msg::OffsetsForLeaderEpoch(OffsetsForLeaderEpoch::Request { req_id, .. })
            | Msg::DeleteRecords(DeleteRecords::Request { req_id, .. }) => Some(*req_id),
            _ => None,
        }
    }
}
