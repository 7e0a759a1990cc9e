//! `RangeAssignor` (Kafka's default first strategy): topic by topic, the subscribers sorted by
//! `MemberInfo` order each take a contiguous range; the first `P mod C` take one more. Members
//! sort the same way in every topic, so topics with equal partition counts and subscribers are
//! co-partitioned (the same member gets partition `i` of each).

use super::{member_info_cmp, GroupAssignment, PartitionsPerTopic, Subscription, TopicPartition};
use crate::kernel::small::map_of;

pub fn assign(topics: &PartitionsPerTopic, members: &[Subscription]) -> GroupAssignment {
    let mut assignment: GroupAssignment =
        map_of(members.iter().map(|m| (m.member_id.clone(), Vec::new())));
    for (topic, &count) in topics {
        let mut consumers: Vec<&Subscription> = members
            .iter()
            .filter(|m| m.topics.contains(topic))
            .collect();
        if consumers.is_empty() {
            continue;
        }
        crate::kernel::small::sort_by(&mut consumers, |a, b| member_info_cmp(a, b));
        // `TopicAssignmentState`: numPartitionsPerConsumer and remainingConsumersWithExtraPartition.
        let per_consumer = count / consumers.len() as i32;
        let mut with_extra = count % consumers.len() as i32;
        let mut next = 0;
        for c in consumers {
            if next >= count {
                break;
            }
            let take = per_consumer + i32::from(with_extra > 0);
            if take == 0 {
                continue;
            }
            if take > per_consumer {
                with_extra -= 1;
            }
            let list = assignment
                .get_mut(&c.member_id)
                .expect("every member has a list");
            list.extend((next..next + take).map(|p| TopicPartition::new(topic, p)));
            next += take;
        }
    }
    assignment
}
