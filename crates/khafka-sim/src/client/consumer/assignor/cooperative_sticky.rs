//! `CooperativeStickyAssignor`: the sticky assignment minus every partition that changes owner
//! (`adjustAssignment`). Such a partition is given to nobody in this round; its old owner, no
//! longer assigned it, revokes it and rejoins, and the follow-up round (where nobody owns it)
//! assigns it. The moving partitions are the constrained builder's
//! `partitionsTransferringOwnership`, or, after the general builder,
//! `computePartitionsTransferringOwnership`: assigned to a member that did not own it and owned
//! by a member no longer assigned it.

use super::{abstract_sticky, GroupAssignment, PartitionsPerTopic, Subscription, TopicPartition};
use crate::kernel::small::set_of;
use std::collections::BTreeSet;

pub fn assign(topics: &PartitionsPerTopic, members: &[Subscription]) -> GroupAssignment {
    let outcome = abstract_sticky::assign(topics, members);
    let mut assignment = outcome.assignment;
    let transferring = match outcome.transferring {
        Some(t) => t,
        None => partitions_transferring_ownership(members, &assignment),
    };
    for (tp, member) in transferring {
        if let Some(list) = assignment.get_mut(&member) {
            if let Some(i) = list.iter().position(|x| *x == tp) {
                list.remove(i);
            }
        }
    }
    assignment
}

/// Each moving partition with its new owner (a partition is assigned to one member: no
/// partition twice).
fn partitions_transferring_ownership(
    members: &[Subscription],
    assignment: &GroupAssignment,
) -> Vec<(TopicPartition, String)> {
    let mut added = Vec::new();
    let mut revoked = BTreeSet::new();
    for m in members {
        // Sets of owned partitions (the type the assignor's other sets have: one B-tree
        // instantiation fewer in the site's notebook than sets of references).
        let assigned: BTreeSet<TopicPartition> =
            set_of(assignment.get(&m.member_id).into_iter().flatten().cloned());
        let owned: BTreeSet<TopicPartition> = set_of(m.owned_partitions.iter().cloned());
        for tp in &assigned {
            if !owned.contains(tp) {
                added.push((tp.clone(), m.member_id.clone()));
            }
        }
        for tp in owned {
            if !assigned.contains(&tp) {
                revoked.insert(tp);
            }
        }
    }
    added.retain(|(tp, _)| revoked.contains(tp));
    added
}
