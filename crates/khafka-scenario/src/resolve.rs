//! Checking references once the whole file has been read.
//!
//! A scenario names brokers (`crash broker 2`, `{1,2}`), topics (`topic=orders`), partitions
//! (`leader(orders-0)`, `partition=5`) and clients (`isolate p1`). Each reference is recorded with its
//! span while parsing and checked here against the final cluster size, topics and clients, with a
//! "did you mean" over the names that do exist.

use crate::errors::{ParseError, Span};
use crate::parser::Parser;
use crate::suggest::suggest;
#[cfg(feature = "groups")]
use khafka_sim::coordinator::group::offsets_topic;
use khafka_sim::TopicPartition;

/// Something a statement names, to be checked at the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reference {
    /// A broker id: must be in `1..=brokers` (brokers added by `add broker` included).
    Broker { id: u32, span: Span },
    /// The broker of the `nth` `add broker` line: must be `brokers + nth`.
    AddedBroker { id: u32, nth: u32, span: Span },
    /// A topic: must be declared.
    Topic { name: String, span: Span },
    /// A topic-partition: the topic must be declared and have that partition.
    Partition { tp: TopicPartition, span: Span },
    /// A controller of the quorum: must be in `1..=controllers`.
    Controller { id: u32, span: Span },
    /// A producer or consumer (only a producer if `producer_only`).
    Client {
        name: String,
        span: Span,
        producer_only: bool,
    },
    /// A consumer (consumer faults).
    #[cfg(feature = "groups")]
    Consumer { name: String, span: Span },
    /// A Kafka Streams instance (streams faults).
    #[cfg(feature = "groups")]
    Streams { name: String, span: Span },
    /// A partition a consumer seeks: of the consumer's topic.
    #[cfg(feature = "groups")]
    ConsumerPartition {
        consumer: String,
        tp: TopicPartition,
        span: Span,
    },
    /// A consumer group: some consumer has it as its `group.id`.
    #[cfg(feature = "groups")]
    Group { name: String, span: Span },
}

/// "the cluster has brokers 1..3" (or "broker 1 only").
pub fn broker_range(brokers: u32) -> String {
    if brokers == 1 {
        "the cluster has broker 1 only".to_string()
    } else {
        format!("the cluster has brokers 1..{brokers}")
    }
}

impl Parser {
    /// The error for a reference that does not resolve, if it does not.
    pub(crate) fn check(&self, r: &Reference) -> Option<ParseError> {
        match r {
            Reference::AddedBroker { id, nth, span } => {
                let brokers = self.spec.cluster.brokers;
                let want = brokers.saturating_add(*nth);
                if want > crate::parser::MAX_BROKERS {
                    return Some(ParseError::new(
                        *span,
                        format!(
                            "{want} brokers is more than the simulator's limit of {}",
                            crate::parser::MAX_BROKERS
                        ),
                    ));
                }
                (*id != want).then(|| {
                    let what = if *id <= brokers {
                        format!("broker {id} is already in the cluster ({})", broker_range(brokers))
                    } else {
                        format!("the next broker to add is {want}, not {id}")
                    };
                    ParseError::new(*span, what).hint(format!(
                        "with `brokers={brokers}`, added brokers are numbered {}, {}, … in the order their `add broker` lines are written",
                        brokers + 1,
                        brokers + 2
                    ))
                })
            }
            Reference::Broker { id, span } => {
                let brokers = self.spec.cluster.brokers + self.spec.added_brokers();
                (*id == 0 || *id > brokers).then(|| {
                    ParseError::new(
                        *span,
                        format!("broker {id} does not exist ({})", broker_range(brokers)),
                    )
                    .hint("brokers are numbered from 1; change `brokers=` on the `cluster` line to add more")
                })
            }
            Reference::Controller { id, span } => {
                let n = self.spec.cluster.config.controllers;
                if n == 0 {
                    // A ZooKeeper-era cluster has no quorum to add (`controllers=` is KRaft's).
                    let hint = if self.spec.cluster.config.zookeeper() {
                        "a controller quorum is KRaft's: put `controller=kraft controllers=3` on the `cluster` line (a ZooKeeper-era cluster's controller is modelled as one node that never fails)"
                    } else {
                        "add `controllers=3` to the `cluster` line: without it the cluster has one controller that never fails"
                    };
                    return Some(
                        ParseError::new(
                            *span,
                            format!("controller {id} needs a controller quorum"),
                        )
                        .hint(hint),
                    );
                }
                (*id == 0 || *id > n).then(|| {
                    ParseError::new(
                        *span,
                        format!("controller {id} does not exist (the quorum has controllers 1..{n})"),
                    )
                    .hint("controllers are numbered from 1; change `controllers=` on the `cluster` line")
                })
            }
            Reference::Topic { name, span } => self.unknown_topic(name, *span),
            #[cfg(feature = "groups")]
            Reference::Partition { tp, span } if tp.topic == offsets_topic::NAME => {
                let cfg = &self.spec.cluster.config.group;
                if !offsets_topic::wanted(&self.spec)
                    || cfg.offsets_topic_replication_factor > self.spec.cluster.brokers
                {
                    return Some(
                        ParseError::new(*span, "this scenario has no `__consumer_offsets`").hint(
                            "it exists when a consumer has a `group.id` and the cluster has at \
                                 least offsets.topic.replication.factor brokers",
                        ),
                    );
                }
                let n = cfg.offsets_topic_num_partitions;
                (tp.partition >= n).then(|| {
                    ParseError::new(
                        *span,
                        format!("`__consumer_offsets` has partitions 0..{}", n - 1),
                    )
                    .kafka("UNKNOWN_TOPIC_OR_PARTITION")
                })
            }
            Reference::Partition { tp, span } => {
                if let Some(e) = self.unknown_topic(&tp.topic, *span) {
                    return Some(e);
                }
                let topic = self.spec.topics.iter().find(|t| t.name == tp.topic)?;
                (tp.partition >= topic.partitions).then(|| {
                    let have = match topic.partitions {
                        1 => "only partition 0".to_string(),
                        n => format!("partitions 0..{}", n - 1),
                    };
                    ParseError::new(
                        *span,
                        format!(
                            "partition {} of topic `{}` does not exist",
                            tp.partition, tp.topic
                        ),
                    )
                    .hint(format!("`{}` has {have}", tp.topic))
                    .kafka("UNKNOWN_TOPIC_OR_PARTITION")
                })
            }
            #[cfg(feature = "groups")]
            Reference::Group { name, span } => {
                let groups: Vec<&str> = self
                    .spec
                    .consumers
                    .iter()
                    .filter_map(|c| c.config.group.group_id.as_deref())
                    .collect();
                (!groups.contains(&name.as_str())).then(|| {
                    let e = ParseError::new(*span, format!("no consumer has group.id={name}"));
                    match groups.first() {
                        Some(_) => e.hint(format!("groups are: {}", groups.join(", "))),
                        None => e.hint("give a consumer `group.id=NAME`"),
                    }
                })
            }
            #[cfg(feature = "groups")]
            Reference::ConsumerPartition { consumer, tp, span } => {
                let c = self.spec.consumers.iter().find(|c| &c.name == consumer)?;
                if c.topics().all(|t| t != tp.topic) {
                    let topics: Vec<&str> = c.topics().collect();
                    let what = if topics.len() == 1 { "topic" } else { "topics" };
                    let topics = topics.join("`, `");
                    return Some(
                        ParseError::new(
                            *span,
                            format!("`{consumer}` reads {what} `{topics}`, not `{}`", tp.topic),
                        )
                        .hint(format!("seek a partition of `{topics}`")),
                    );
                }
                self.check(&Reference::Partition {
                    tp: tp.clone(),
                    span: *span,
                })
            }
            #[cfg(feature = "groups")]
            Reference::Streams { name, span } => {
                if self.streams.iter().any(|s| &s.spec.name == name) {
                    None
                } else {
                    let names: Vec<&str> =
                        self.streams.iter().map(|s| s.spec.name.as_str()).collect();
                    let e = ParseError::new(*span, format!("no streams instance `{name}`"));
                    Some(match crate::suggest::suggest(name, &names) {
                        Some(s) => e.hint(format!("did you mean `{s}`?")),
                        None => e.hint(
                            "declare it with `streams NAME application.id=… input=… output=…`",
                        ),
                    })
                }
            }
            #[cfg(feature = "groups")]
            Reference::Consumer { name, span } => {
                let found = self.clients.iter().find(|c| &c.name == name);
                match found {
                    Some(c) if c.is_producer => Some(
                        ParseError::new(*span, format!("`{name}` is a producer, not a consumer"))
                            .hint("producers are paused and resumed: `pause producer NAME`"),
                    ),
                    Some(_) => None,
                    None => Some(
                        ParseError::new(*span, format!("no consumer `{name}`"))
                            .hint("declare it with `consumer NAME topic=T …` first"),
                    ),
                }
            }
            Reference::Client {
                name,
                span,
                producer_only,
            } => {
                let found = self.clients.iter().find(|c| &c.name == name);
                match found {
                    Some(c) if *producer_only && !c.is_producer => Some(
                        ParseError::new(*span, format!("`{name}` is a consumer, not a producer"))
                            .hint("only producers can be paused and resumed"),
                    ),
                    Some(_) => None,
                    None => {
                        let names: Vec<&str> = self
                            .clients
                            .iter()
                            .filter(|c| c.is_producer || !*producer_only)
                            .map(|c| c.name.as_str())
                            .collect();
                        let what = if *producer_only { "producer" } else { "node" };
                        let e = ParseError::new(*span, format!("unknown {what} `{name}`"));
                        Some(match suggest(name, &names) {
                            Some(s) => e.hint(format!("did you mean `{s}`?")),
                            None if *producer_only => e.hint("declare it with a `producer` line"),
                            None => e.hint(
                                "a node is a broker id, `controller`, or the name of a producer or consumer",
                            ),
                        })
                    }
                }
            }
        }
    }

    fn unknown_topic(&self, name: &str, span: Span) -> Option<ParseError> {
        if self.spec.topics.iter().any(|t| t.name == name) {
            return None;
        }
        #[cfg(not(feature = "groups"))]
        if name == "__consumer_offsets"
            || name.ends_with("-changelog")
            || name.ends_with("-repartition")
        {
            // The group coordinators' topic, or a Kafka Streams application's internal topic
            // (a `streams` line creates them): only a build with groups has them.
            return Some(crate::groups_unavailable(span));
        }
        let names: Vec<&str> = self.spec.topics.iter().map(|t| t.name.as_str()).collect();
        let e = ParseError::new(span, format!("unknown topic `{name}`"))
            .kafka("UNKNOWN_TOPIC_OR_PARTITION");
        Some(match suggest(name, &names) {
            Some(s) => e.hint(format!("did you mean `{s}`?")),
            None => e.hint(format!(
                "declare it with a `topic` line, e.g. `topic {name} partitions=1`"
            )),
        })
    }
}
