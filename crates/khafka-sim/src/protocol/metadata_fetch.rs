//! The broker's fetch of the metadata log (in Kafka, a Raft `Fetch` of `__cluster_metadata` by a
//! broker, an observer of the quorum): a long poll from `offset`, answered with the partition
//! states, fenced brokers and brokers in controlled shutdown the log holds after it.

use super::PartitionState;
use crate::spec::BrokerId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetadataFetch {
    /// Broker → controller: long-poll of the metadata log from `offset`.
    Request { req_id: u64, offset: u64 },
    Response {
        req_id: u64,
        offset: u64,
        partitions: Vec<PartitionState>,
        /// The brokers not eligible to join an ISR.
        ineligible: Vec<IneligibleBroker>,
    },
}

/// A broker that may not join an ISR (`Partition.isReplicaIsrEligible`): fenced or never
/// registered (not alive: `BrokerRegistration.fenced`), or alive but in controlled shutdown
/// (`BrokerRegistration.inControlledShutdown`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IneligibleBroker {
    pub broker: BrokerId,
    /// Not alive; else in controlled shutdown.
    pub fenced: bool,
}
