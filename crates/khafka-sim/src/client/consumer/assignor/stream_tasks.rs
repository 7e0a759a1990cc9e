//! Tasks as units of assignment, for a Kafka Streams application whose tasks read several
//! topics (a stream–table join): task `0_P` reads partition `P` of every topic of its
//! sub-topology, so the partitions of a task go to one member together, as Kafka's
//! `StreamsPartitionAssignor` hands out tasks. Like the single-topic stand-in
//! (`cooperative-sticky` over the input's partitions), the tasks are spread by the
//! cooperative sticky assignor: here over one topic of tasks, each member owning the tasks it
//! owns a partition of; each task is then expanded into its partitions, topic by topic.
//! Kafka's own assignor also weighs task lags and standby replicas (not modelled:
//! docs/what-khafka-models.md).

use super::{
    cooperative_sticky, GroupAssignment, PartitionsPerTopic, Subscription, TopicPartition,
};
use crate::kernel::small::map_of;

/// The name of the topic of tasks the cooperative sticky assignor is run over.
const TASKS: &str = "tasks";

pub fn assign(topics: &PartitionsPerTopic, members: &[Subscription]) -> GroupAssignment {
    // The topics are co-partitioned (checked when the application is built): as many tasks as
    // partitions of the largest.
    let tasks = topics.values().copied().max().unwrap_or(0);
    let by_task: PartitionsPerTopic = map_of((tasks > 0).then(|| (TASKS.to_string(), tasks)));
    let as_tasks: Vec<Subscription> = members
        .iter()
        .map(|m| {
            // Each task once, in the order of the owned partitions (no sort: a sort is kilobytes
            // of the bundle per element type).
            let mut owned: Vec<i32> = Vec::new();
            for tp in &m.owned_partitions {
                if !owned.contains(&tp.partition) {
                    owned.push(tp.partition);
                }
            }
            Subscription {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                topics: vec![TASKS.to_string()],
                owned_partitions: owned
                    .into_iter()
                    .map(|p| TopicPartition::new(TASKS, p))
                    .collect(),
                generation: m.generation,
            }
        })
        .collect();
    cooperative_sticky::assign(&by_task, &as_tasks)
        .into_iter()
        .map(|(member, assigned)| {
            let subscribed = members
                .iter()
                .find(|m| m.member_id == member)
                .map(|m| m.topics.as_slice())
                .unwrap_or_default();
            let partitions = assigned
                .iter()
                .flat_map(|task| {
                    topics
                        .iter()
                        .filter(|(t, n)| subscribed.contains(t) && task.partition < **n)
                        .map(|(t, _)| TopicPartition::new(t, task.partition))
                })
                .collect();
            (member, partitions)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(t: &str, p: i32) -> TopicPartition {
        TopicPartition::new(t, p)
    }

    /// Two members over `clicks` and `users` of three partitions each: every task's two
    /// partitions go to one member, and a member keeps the tasks it owns.
    #[test]
    fn a_task_s_partitions_go_to_one_member() {
        let topics: PartitionsPerTopic =
            map_of([("clicks".to_string(), 3), ("users".to_string(), 3)]);
        let both = ["clicks", "users"];
        let a = Subscription::new("a", &both);
        let b = Subscription::new("b", &both);
        let first = assign(&topics, &[a.clone(), b.clone()]);
        for parts in first.values() {
            for p in parts {
                let other = if p.topic == "clicks" {
                    "users"
                } else {
                    "clicks"
                };
                assert!(parts.contains(&tp(other, p.partition)), "{first:?}");
            }
        }
        let total: usize = first.values().map(Vec::len).sum();
        assert_eq!(total, 6);
        // `a` owned everything: the tasks that move to `b` are revoked first (cooperative), so
        // this round gives `b` nothing and leaves `a` what it keeps.
        let mut owner = a.clone();
        owner.owned_partitions = (0..3)
            .flat_map(|p| [tp("clicks", p), tp("users", p)])
            .collect();
        owner.generation = Some(1);
        let second = assign(&topics, &[owner, b]);
        assert_eq!(second["b"], Vec::<TopicPartition>::new());
        assert_eq!(second["a"].len(), 4, "{second:?}");
    }
}
