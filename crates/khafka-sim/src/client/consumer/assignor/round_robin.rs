//! `RoundRobinAssignor`: every partition of every subscribed topic, sorted by topic then
//! partition, dealt over the members in `MemberInfo` order with a circular iterator that skips
//! members not subscribed to the partition's topic.

use super::{member_info_cmp, GroupAssignment, PartitionsPerTopic, Subscription, TopicPartition};
use crate::kernel::small::map_of;

pub fn assign(topics: &PartitionsPerTopic, members: &[Subscription]) -> GroupAssignment {
    let mut assignment: GroupAssignment =
        map_of(members.iter().map(|m| (m.member_id.clone(), Vec::new())));
    let mut sorted: Vec<&Subscription> = members.iter().collect();
    crate::kernel::small::sort_by(&mut sorted, |a, b| member_info_cmp(a, b));
    let mut at = 0;
    // `topics` holds only subscribed topics and is sorted by name (`TreeSet`).
    for (topic, &count) in topics {
        for p in 0..count {
            while !sorted[at].topics.contains(topic) {
                at = (at + 1) % sorted.len();
            }
            let list = assignment
                .get_mut(&sorted[at].member_id)
                .expect("member list");
            list.push(TopicPartition::new(topic, p));
            at = (at + 1) % sorted.len();
        }
    }
    assignment
}
