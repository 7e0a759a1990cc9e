//! The partitions a consumer reads, topic by topic (`KafkaConsumer.subscribe(topics)` or the
//! topics a Kafka Streams task reads): the consumer numbers them through in the order of its
//! topics — a *local* partition index — so its per-partition state is plain vectors.

#[cfg(feature = "groups")]
use crate::client::consumer::assignor::TopicPartition;
use crate::msg::PartIdx;
use crate::topology::Topology;
use serde::Serialize;

/// One subscribed topic: its index in the topology and its partitions' global range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
struct Segment {
    topic: u32,
    first: PartIdx,
    count: u32,
}

/// A consumer's topics and the local numbering of their partitions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Subscribed {
    segments: Vec<Segment>,
}

impl Subscribed {
    /// The topics `topics` (indexes in `topo`), in the order given.
    pub fn new(topo: &Topology, topics: &[u32]) -> Self {
        Subscribed {
            segments: topics
                .iter()
                .map(|&t| {
                    let ti = &topo.topics[t as usize];
                    Segment {
                        topic: t,
                        first: ti.first_part,
                        count: ti.partitions,
                    }
                })
                .collect(),
        }
    }

    /// Partitions over every topic.
    pub fn len(&self) -> u32 {
        self.segments.iter().map(|s| s.count).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Partitions of the first topic (the others' local partitions follow them).
    pub fn first_topic_partitions(&self) -> u32 {
        self.segments.first().map_or(0, |s| s.count)
    }

    /// The global partition of local partition `p`.
    #[inline]
    pub fn global(&self, p: u32) -> PartIdx {
        let mut p = p;
        for s in &self.segments {
            if p < s.count {
                return s.first + p;
            }
            p -= s.count;
        }
        panic!("local partition out of range")
    }

    /// The local index of global partition `part`, if the consumer reads it.
    #[inline]
    pub fn local(&self, part: PartIdx) -> Option<usize> {
        let mut base = 0;
        for s in &self.segments {
            if part >= s.first && part < s.first + s.count {
                return Some((base + part - s.first) as usize);
            }
            base += s.count;
        }
        None
    }

    #[cfg(feature = "groups")]
    /// Local partition `p` as Kafka names it: its topic and its partition there.
    pub fn topic_partition(&self, topo: &Topology, p: u32) -> TopicPartition {
        let part = self.global(p);
        let t = topo.topic_of(part);
        TopicPartition::new(&t.name, (part - t.first_part) as i32)
    }

    #[cfg(feature = "groups")]
    /// The local index of `tp`, if the consumer reads its topic.
    pub fn local_of(&self, topo: &Topology, tp: &TopicPartition) -> Option<usize> {
        let t = topo.topic_index(&tp.topic)?;
        let ti = &topo.topics[t as usize];
        if tp.partition < 0 || tp.partition as u32 >= ti.partitions {
            return None;
        }
        self.local(ti.first_part + tp.partition as PartIdx)
    }

    /// The topics' names, in order.
    pub fn topic_names(&self, topo: &Topology) -> Vec<String> {
        self.segments
            .iter()
            .map(|s| topo.topics[s.topic as usize].name.clone())
            .collect()
    }
}
