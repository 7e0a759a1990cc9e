//! The broker's fetch of the metadata log (in Kafka, a Raft `Fetch` of `__cluster_metadata` by a
//! broker, an observer of the quorum): a long poll from `offset`, answered with the partition
//! states and fenced brokers the log holds after it.

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
        fenced: Vec<BrokerId>,
    },
}
