//! `__consumer_offsets`, the internal topic that holds committed offsets and group metadata.
//!
//! Kafka creates it on the first `FindCoordinator` with `offsets.topic.num.partitions` (50)
//! partitions and `offsets.topic.replication.factor` (3) replicas; with fewer brokers than that
//! factor the creation fails ("The target replication factor of 3 cannot be reached because only
//! N broker(s) are registered") and `FindCoordinator` answers `COORDINATOR_NOT_AVAILABLE` for as
//! long as that lasts (`AutoTopicCreationManager`, `ReplicationControlManager`). Khafka creates it
//! with the cluster when a consumer has a `group.id`, and not at all when the brokers are too few:
//! the same `COORDINATOR_NOT_AVAILABLE`, forever.

use crate::config::topology::{assign_replicas, PartInfo, TopicInfo};
use crate::config::TopicConfig;
use crate::msg::PartIdx;
use crate::spec::ScenarioSpec;

/// The topic's name.
pub const NAME: &str = "__consumer_offsets";

/// Whether the scenario needs the topic: some consumer has a `group.id`.
pub fn wanted(spec: &ScenarioSpec) -> bool {
    spec.consumers
        .iter()
        .any(|c| c.config.group.group_id.is_some())
}

/// Appends the topic after the scenario's topics (their partition indexes stay as they were).
pub(crate) fn add_to(
    spec: &ScenarioSpec,
    racks: &[Option<String>],
    topics: &mut Vec<TopicInfo>,
    parts: &mut Vec<PartInfo>,
) {
    let cfg = &spec.cluster.config.group;
    let rf = cfg.offsets_topic_replication_factor;
    if !wanted(spec) || rf > spec.cluster.brokers {
        return;
    }
    let n = cfg.offsets_topic_num_partitions;
    let assignment = assign_replicas(spec.cluster.brokers, racks, n, rf);
    let ti = topics.len() as u32;
    topics.push(TopicInfo {
        name: NAME.to_string(),
        partitions: n,
        replication_factor: rf,
        // `cleanup.policy=compact`, as Kafka creates it (`GroupCoordinatorConfig.
        // offsetsTopicConfigs`): retention never deletes its segments (the cleaner leaves
        // internal topics alone here), so a group's records are all there to replay.
        config: TopicConfig {
            log: crate::config::TopicLogConfig {
                cleanup_policy: Some(crate::config::CleanupPolicy {
                    delete: false,
                    compact: true,
                }),
                ..Default::default()
            },
            ..Default::default()
        },
        first_part: parts.len() as PartIdx,
        internal: true,
        windowed_keys: false,
    });
    for (p, replicas) in assignment.into_iter().enumerate() {
        parts.push(PartInfo {
            topic: ti,
            partition: p as u32,
            replicas,
            name: format!("{NAME}-{p}").into(),
        });
    }
}
