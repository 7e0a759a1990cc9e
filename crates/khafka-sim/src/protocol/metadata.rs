//! Kafka's Metadata API (`MetadataRequest`, `MetadataResponse`): which broker leads each partition,
//! at which leader epoch, as the answering broker's metadata cache knows it.

use super::PartIdx;
use crate::spec::BrokerId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Metadata {
    Request {
        req_id: u64,
    },
    Response {
        req_id: u64,
        /// `(partition, leader, leader epoch)` as this broker knows them.
        partitions: Vec<(PartIdx, Option<BrokerId>, u32)>,
        /// The brokers alive as this broker knows them: registered and not fenced
        /// (`KRaftMetadataCache.getAliveBrokerNodes`), in id order.
        brokers: Vec<BrokerId>,
    },
}
