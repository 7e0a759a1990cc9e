//! The KRaft quorum's messages (KIP-595: `Vote`, `BeginQuorumEpoch`, `Fetch` of `__cluster_metadata`)
//! and the metadata records the quorum replicates.
//!
//! Records carry whole states (a partition's leader, ISR and ELR; every broker's registration), so a
//! controller that replays the committed records rebuilds exactly the state the active controller
//! decided. Kafka's records are deltas (`PartitionChangeRecord`, `FenceBrokerRecord`, …); replaying
//! them in order gives the same states.

use crate::msg::PartitionState;
use crate::spec::BrokerId;
use serde::Serialize;

/// A controller's id in the quorum (`controller.quorum.voters`): `1..=controllers`.
pub type ControllerId = u32;

/// A broker's registration as the metadata log records it (`RegisterBrokerRecord`,
/// `BrokerRegistrationChangeRecord`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BrokerRecord {
    pub registered: bool,
    pub fenced: bool,
    pub broker_epoch: u64,
    pub shutting_down: bool,
    pub unfence_at_offset: u64,
}

/// One record of the metadata log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum MetadataRecord {
    /// Raft's `LeaderChangeMessage` control record, the first record of every leader's epoch.
    LeaderChange { leader: ControllerId },
    /// A partition's state (`PartitionRecord` / `PartitionChangeRecord`), with its last known
    /// leader (KIP-966's `lastKnownElr` companion: the leader to elect when it comes back).
    Partition {
        state: PartitionState,
        last_known_leader: Option<BrokerId>,
    },
    /// Every broker's registration (index 0 is broker 1).
    Brokers(Vec<BrokerRecord>),
}

/// A metadata log entry: the epoch of the leader that appended it and its record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RaftEntry {
    pub epoch: u32,
    pub record: MetadataRecord,
}

/// Why a quorum fetch was refused (`KafkaRaftClient.validateLeaderOnlyRequest`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum FetchError {
    /// The fetcher's epoch is older than the receiver's.
    FencedLeaderEpoch,
    /// The fetcher's epoch is newer than the receiver's.
    UnknownLeaderEpoch,
    /// The receiver is not the leader of its epoch.
    NotLeaderOrFollower,
}

/// A message between controllers. The sender is the envelope's `from`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RaftMsg {
    /// A candidate asks for a vote: `candidateEpoch`, `lastOffsetEpoch`, `lastOffset`; with
    /// `pre_vote` (KIP-996) a prospective asks, in its current epoch, whether it could win.
    Vote {
        epoch: u32,
        last_epoch: u32,
        last_offset: u64,
        pre_vote: bool,
    },
    VoteResponse {
        epoch: u32,
        leader: Option<ControllerId>,
        granted: bool,
        pre_vote: bool,
    },
    /// A new leader announces its epoch to the voters.
    BeginQuorumEpoch {
        epoch: u32,
    },
    /// The receiver's epoch and the leader it knows (a deposed leader learns its successor).
    BeginQuorumEpochResponse {
        epoch: u32,
        leader: Option<ControllerId>,
    },
    /// A leader that resigned, or restarted after leading, ends its epoch: `successors` are the
    /// voters it prefers, most caught up first (`preferredSuccessors`), each of which starts its
    /// election after a backoff that grows with its place in the list.
    EndQuorumEpoch {
        epoch: u32,
        leader: ControllerId,
        successors: Vec<ControllerId>,
    },
    EndQuorumEpochResponse {
        epoch: u32,
        leader: Option<ControllerId>,
    },
    /// A follower pulls the metadata log from the leader (`currentLeaderEpoch`, `fetchOffset`,
    /// `lastFetchedEpoch`).
    Fetch {
        epoch: u32,
        fetch_offset: u64,
        last_fetched_epoch: u32,
    },
    FetchResponse(FetchResponseData),
}

/// The leader's answer to a quorum fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchResponseData {
    pub epoch: u32,
    pub leader: Option<ControllerId>,
    pub error: Option<FetchError>,
    pub high_watermark: u64,
    /// Entries from the fetch offset (none when the fetcher's log diverges).
    pub entries: Vec<RaftEntry>,
    /// `(epoch, end offset)`: the fetcher must truncate before it fetches again.
    pub diverging: Option<(u32, u64)>,
}

impl RaftMsg {
    /// Kafka's name for the request or response.
    pub fn kind(&self) -> &'static str {
        match self {
            RaftMsg::Vote { .. } => "Vote",
            RaftMsg::VoteResponse { .. } => "VoteResponse",
            RaftMsg::BeginQuorumEpoch { .. } => "BeginQuorumEpoch",
            RaftMsg::BeginQuorumEpochResponse { .. } => "BeginQuorumEpochResponse",
            RaftMsg::EndQuorumEpoch { .. } => "EndQuorumEpoch",
            RaftMsg::EndQuorumEpochResponse { .. } => "EndQuorumEpochResponse",
            RaftMsg::Fetch { .. } => "QuorumFetch",
            RaftMsg::FetchResponse(_) => "QuorumFetchResponse",
        }
    }
}
