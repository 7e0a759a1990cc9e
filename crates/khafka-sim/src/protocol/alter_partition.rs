//! Kafka's AlterPartition API (KIP-497): a leader asks the controller to change a partition's ISR;
//! the answer is the committed partition state or an error.

use super::{ErrorCode, PartIdx, PartitionState};
use crate::spec::BrokerId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlterPartition {
    Request {
        part: PartIdx,
        leader_epoch: u32,
        partition_epoch: u32,
        isr: Vec<BrokerId>,
    },
    Response {
        part: PartIdx,
        /// The partition epoch the request was made at (the client matches a response to its request).
        partition_epoch: u32,
        /// Boxed: the largest payload, rare, and every message (and event) is as big as it.
        result: Result<Box<PartitionState>, ErrorCode>,
    },
}
