//! The coordinator's `RangeAssignor`: members sorted (static members first by instance id, then
//! by member id); per topic the first `P mod C` subscribers take `P/C + 1` contiguous
//! partitions, the rest `P/C`. Equal subscriptions and partition counts give every member the
//! same partition numbers in every topic. The previous assignment is not read.

use super::{GroupAssignment, MemberAssignment, MemberSpec, TopicPartitions};
use crate::kernel::vec_map::VecMap;

struct TopicState {
    partitions: i32,
    members: i32,
    min_quota: i32,
    extra: i32,
    next: i32,
}

pub fn assign(topics: &TopicPartitions, members: &[MemberSpec]) -> GroupAssignment {
    // Instance ids and member ids are unique: one order.
    let order = super::sorted_indices(members.len(), &|i, j| {
        let (a, b) = (&members[i], &members[j]);
        match (&a.instance_id, &b.instance_id) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.member_id.cmp(&b.member_id),
        }
    });
    let sorted: Vec<&MemberSpec> = order.into_iter().map(|i| &members[i]).collect();
    // Homogeneous and heterogeneous groups differ only in who counts as a topic's subscriber.
    // A sorted vector (a few topics): no B-tree code of its own in the site's bundle.
    let mut states: VecMap<&str, TopicState> = VecMap::new();
    for m in &sorted {
        for t in &m.topics {
            match states.get_mut(&t.as_str()) {
                Some(s) => s.members += 1,
                None => {
                    states.insert(
                        t.as_str(),
                        TopicState {
                            partitions: topics[t],
                            members: 1,
                            min_quota: -1,
                            extra: -1,
                            next: 0,
                        },
                    );
                }
            }
        }
    }
    let mut out = GroupAssignment::new();
    for m in sorted {
        let mut assignment = MemberAssignment::new();
        for t in &m.topics {
            let s = states.get_mut(&t.as_str()).expect("counted above");
            if s.min_quota == -1 {
                s.min_quota = s.partitions / s.members;
                s.extra = s.partitions % s.members;
            }
            let mut quota = s.min_quota;
            if s.extra > 0 {
                quota += 1;
                s.extra -= 1;
            }
            let start = s.next;
            let end = (start + quota).min(s.partitions);
            s.next = end;
            if start < end {
                assignment.insert(t.clone(), crate::kernel::small::set_of(start..end));
            }
        }
        out.insert(m.member_id.clone(), assignment);
    }
    out
}
