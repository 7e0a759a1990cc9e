//! `topic NAME partitions=N replication.factor=R [replicas=…] [topic configs…]`.
//!
//! Topic creation is validated the way Kafka's `CreateTopics` validates it, with the same error names:
//! an illegal name is `INVALID_TOPIC_EXCEPTION`, a second topic with the same name
//! `TOPIC_ALREADY_EXISTS`, zero partitions `INVALID_PARTITIONS`, a replication factor of zero or above
//! the number of brokers `INVALID_REPLICATION_FACTOR`, and a bad explicit assignment
//! `INVALID_REPLICA_ASSIGNMENT`. Omitted `partitions` and `replication.factor` come from the cluster's
//! `num.partitions` and `default.replication.factor`, resolved once the whole file has been read.
//! `min.insync.replicas` above the replication factor is accepted, as Kafka accepts it (the
//! effective minimum is `min(min.insync.replicas, RF)`).

use crate::errors::{ParseError, Span};
use crate::kv::{self, ConfigKind};
use crate::lexer::Token;
use crate::parser::Parser;
use crate::values::{self, sub};
use khafka_sim::spec::{BrokerId, TopicSpec};
use khafka_sim::TopicConfig;

/// The simulator's limit on partitions per topic.
pub const MAX_PARTITIONS: u32 = 1_000;

/// A replica assignment as written: brokers with their spans, one list per partition.
pub type Assignment = Vec<Vec<(BrokerId, Span)>>;

/// What a `topic` line said, with spans, kept until the cluster is known.
#[derive(Clone, Debug)]
pub struct TopicDecl {
    pub name_span: Span,
    pub partitions: Option<(u32, Span)>,
    pub replication_factor: Option<(u32, Span)>,
    pub replicas: Option<(Assignment, Span)>,
}

const OWN: &[&str] = &["partitions", "replication.factor", "replicas"];

impl Parser {
    pub(crate) fn topic(&mut self, kw: &Token, args: &[Token]) {
        let Some(name) = args.first().filter(|t| !t.text.contains('=')) else {
            self.error(
                ParseError::new(kw.span, "`topic` needs a name")
                    .hint("for example `topic orders partitions=3 replication.factor=3`"),
            );
            return;
        };
        let mut ok = true;
        if let Some(problem) = values::topic_name_problem(&name.text) {
            self.error(ParseError::new(name.span, problem).kafka("INVALID_TOPIC_EXCEPTION"));
            ok = false;
        } else if self.spec.topics.iter().any(|t| t.name == name.text) {
            self.error(
                ParseError::new(name.span, format!("topic `{}` already exists", name.text))
                    .hint("each topic is declared once; give this one another name")
                    .kafka("TOPIC_ALREADY_EXISTS"),
            );
            ok = false;
        }
        let mut decl = TopicDecl {
            name_span: name.span,
            partitions: None,
            replication_factor: None,
            replicas: None,
        };
        let mut config = TopicConfig::default();
        let allowed: Vec<&str> = OWN.iter().chain(TopicConfig::KEYS).copied().collect();
        for pair in kv::pairs(&args[1..], &allowed, &mut self.errors) {
            let (v, s) = (pair.value.as_str(), pair.value_span);
            match pair.key.as_str() {
                "partitions" => match values::uint32(v, s, "a number of partitions") {
                    Ok(0) => self.error(
                        ParseError::new(s, "number of partitions must be larger than 0")
                            .kafka("INVALID_PARTITIONS"),
                    ),
                    Ok(n) if n > MAX_PARTITIONS => self.error(
                        ParseError::new(
                            s,
                            format!("{n} partitions is more than the simulator's limit of {MAX_PARTITIONS}"),
                        )
                        .kafka("INVALID_PARTITIONS"),
                    ),
                    Ok(n) => decl.partitions = Some((n, s)),
                    Err(e) => self.error(e.kafka("INVALID_PARTITIONS")),
                },
                "replication.factor" => match values::uint32(v, s, "a replication factor") {
                    Ok(0) => self.error(
                        ParseError::new(s, "replication factor must be larger than 0")
                            .kafka("INVALID_REPLICATION_FACTOR"),
                    ),
                    Ok(n) => decl.replication_factor = Some((n, s)),
                    Err(e) => self.error(e.kafka("INVALID_REPLICATION_FACTOR")),
                },
                "replicas" => match values::replicas(v, s) {
                    Ok(r) => decl.replicas = Some((r, s)),
                    Err(e) => self.error(e.kafka("INVALID_REPLICA_ASSIGNMENT")),
                },
                _ => kv::apply(|k, v| config.set(k, v), &pair, ConfigKind::Topic, OWN, &mut self.errors),
            }
        }
        if ok {
            self.spec.topics.push(TopicSpec {
                name: name.text.clone(),
                partitions: 0,
                replication_factor: 0,
                assignment: None,
                config,
            });
            self.topics.push(decl);
        }
    }

    /// Fills in partitions and replication factors from the cluster defaults and validates them.
    pub(crate) fn resolve_topics(&mut self) {
        let brokers = self.spec.cluster.brokers;
        let defaults = self.spec.cluster.config.clone();
        let decls = std::mem::take(&mut self.topics);
        for (topic, decl) in self.spec.topics.iter_mut().zip(&decls) {
            let groups = decl.replicas.as_ref();
            topic.partitions = decl
                .partitions
                .map(|(n, _)| n)
                .or(groups.map(|(g, _)| g.len() as u32))
                .unwrap_or(defaults.num_partitions);
            topic.replication_factor = decl
                .replication_factor
                .map(|(n, _)| n)
                .or(groups.and_then(|(g, _)| g.first()).map(|g| g.len() as u32))
                .unwrap_or(defaults.default_replication_factor);
            match groups {
                Some((groups, span)) => {
                    let errors = check_assignment(groups, *span, decl, brokers);
                    if errors.is_empty() {
                        topic.assignment = Some(
                            groups
                                .iter()
                                .map(|g| g.iter().map(|(b, _)| *b).collect())
                                .collect(),
                        );
                    }
                    self.errors.extend(errors);
                }
                None if topic.replication_factor > brokers => {
                    let rf = topic.replication_factor;
                    let e = match decl.replication_factor {
                        Some((_, span)) => ParseError::new(
                            span,
                            format!("replication factor {rf} larger than available brokers {brokers}"),
                        )
                        .hint(format!(
                            "use at most `replication.factor={brokers}`, or add brokers on the `cluster` line"
                        )),
                        None => ParseError::new(
                            decl.name_span,
                            format!("replication factor {rf} (the cluster's `default.replication.factor`) larger than available brokers {brokers}"),
                        )
                        .hint("set `replication.factor=` on this line"),
                    };
                    self.errors.push(e.kafka("INVALID_REPLICATION_FACTOR"));
                }
                None => {}
            }
        }
        self.topics = decls;
    }
}

/// Validates `replicas=` the way Kafka validates a manual assignment.
fn check_assignment(
    groups: &[Vec<(BrokerId, Span)>],
    span: Span,
    decl: &TopicDecl,
    brokers: u32,
) -> Vec<ParseError> {
    let bad =
        |span: Span, msg: String| ParseError::new(span, msg).kafka("INVALID_REPLICA_ASSIGNMENT");
    let mut errors = Vec::new();
    if let Some((n, _)) = decl.partitions {
        if n as usize != groups.len() {
            errors.push(
                bad(
                    span,
                    format!(
                        "`replicas=` lists {} partitions but `partitions={n}`",
                        groups.len()
                    ),
                )
                .hint("give one replica list per partition, separated by `;`"),
            );
        }
    }
    let expected = decl
        .replication_factor
        .map(|(n, _)| n as usize)
        .unwrap_or_else(|| groups.first().map_or(0, Vec::len));
    for (p, group) in groups.iter().enumerate() {
        if group.len() != expected {
            let first = group.first().map_or(span, |(_, s)| *s);
            let last = group.last().map_or(span, |(_, s)| *s);
            let why = if decl.replication_factor.is_some() {
                format!("the replication factor is {expected}")
            } else {
                format!("partition 0 has {expected}")
            };
            errors.push(
                bad(
                    first.to(last),
                    format!("partition {p} has {} replicas but {why}", group.len()),
                )
                .hint("every partition must have the same number of replicas"),
            );
        }
        for (i, (b, s)) in group.iter().enumerate() {
            if group[..i].iter().any(|(o, _)| o == b) {
                errors.push(bad(
                    *s,
                    format!("broker {b} appears twice in the replicas of partition {p}"),
                ));
            } else if *b == 0 || *b > brokers {
                errors.push(bad(
                    *s,
                    format!(
                        "broker {b} does not exist ({})",
                        crate::resolve::broker_range(brokers)
                    ),
                ));
            }
        }
    }
    if groups.is_empty() {
        errors.push(bad(sub(span, 0, 1), "empty replica assignment".to_string()));
    }
    errors
}
