//! `StickyAssignor` (eager): the `AbstractStickyAssignor` result as it is. Its owned partitions
//! and generation travel in the subscription's user data; here they are the subscription's
//! `owned_partitions` and `generation`.

use super::{abstract_sticky, GroupAssignment, PartitionsPerTopic, Subscription};

pub fn assign(topics: &PartitionsPerTopic, members: &[Subscription]) -> GroupAssignment {
    abstract_sticky::assign(topics, members).assignment
}
