//! `producer NAME topic=T …` and `consumer NAME topic=T …`.
//!
//! Producers and consumers share one namespace (they are nodes of the network, and `link`,
//! `partition` and `isolate` name them). A producer's workload keys (`rate`, `keys`,
//! `key.distribution`, `record.size`, `partition`, `start`, `stop`, `count`) are the simulator's;
//! every other key goes to Kafka's `ProducerConfig` or `ConsumerConfig`. The idempotence decision is
//! made as `KafkaProducer` makes it, and an explicit `enable.idempotence=true` that conflicts with
//! `acks`, `retries` or `max.in.flight.requests.per.connection` is an error, as in Kafka. So is an
//! explicit `delivery.timeout.ms` below `linger.ms + request.timeout.ms`; the default is raised to
//! that sum instead (`KafkaProducer.configureDeliveryTimeout`).

use crate::errors::ParseError;
use crate::kv::{self, ConfigKind, Pair};
use crate::lexer::Token;
use crate::parser::{ClientDecl, Parser};
use crate::resolve::Reference;
use crate::values;
use khafka_sim::spec::{ConsumerSpec, KeyDistribution, KeySpec, Lateness, ProducerSpec};
use khafka_sim::{ConsumerConfig, ProducerConfig, SimTime, TopicPartition};

const PRODUCER_KEYS: &[&str] = &[
    "topic",
    "rate",
    "keys",
    "key.distribution",
    "values",
    "record.size",
    "partition",
    "start",
    "stop",
    "count",
    "value",
    "value.serializer",
    "value.schema",
    "value.subject.name.strategy",
    "lateness",
    "late",
];
const CONSUMER_KEYS: &[&str] = &["topic", "start"];

/// Whether `key` is a setting of `keyword`'s lines (`producer`, `consumer`): what an exercise's
/// `keep=KEYWORD:KEY` may name.
pub fn is_client_key(keyword: &str, key: &str) -> bool {
    match keyword {
        "producer" => PRODUCER_KEYS
            .iter()
            .chain(ProducerConfig::KEYS)
            .any(|k| *k == key),
        "consumer" => CONSUMER_KEYS
            .iter()
            .chain(ConsumerConfig::KEYS)
            .chain(CONSUMER_FORMAT_KEYS)
            .any(|k| *k == key),
        _ => false,
    }
}
/// A consumer's schema deserializer (`formats.rs`), listed after Kafka's consumer configs.
const CONSUMER_FORMAT_KEYS: &[&str] = &[
    "value.deserializer",
    "value.reader.schema",
    "deserialization.exception.handler",
];

impl Parser {
    /// The client name after `producer`/`consumer`, checked and registered.
    fn client_name<'t>(
        &mut self,
        kw: &Token,
        args: &'t [Token],
        is_producer: bool,
    ) -> Option<&'t Token> {
        let Some(name) = args.first().filter(|t| !t.text.contains('=')) else {
            self.error(
                ParseError::new(kw.span, format!("`{}` needs a name", kw.text)).hint(format!(
                    "for example `{} {}1 topic=orders`",
                    kw.text,
                    &kw.text[..1]
                )),
            );
            return None;
        };
        if let Some(problem) = values::client_name_problem(&name.text) {
            self.error(ParseError::new(name.span, problem));
            return None;
        }
        if let Some(other) = self.clients.iter().find(|c| c.name == name.text) {
            let kind = if other.is_producer {
                "producer"
            } else {
                "consumer"
            };
            self.error(
                ParseError::new(
                    name.span,
                    format!("there is already a {kind} named `{}`", name.text),
                )
                .hint("producers and consumers share one set of names; pick another"),
            );
            return None;
        }
        self.clients.push(ClientDecl {
            name: name.text.clone(),
            is_producer,
        });
        Some(name)
    }

    /// The `topic=` pair, required; records the reference.
    fn client_topic(&mut self, kw: &Token, pairs: &[Pair]) -> Option<String> {
        match pairs.iter().find(|p| p.key == "topic") {
            Some(p) => {
                self.refs.push(Reference::Topic {
                    name: p.value.clone(),
                    span: p.value_span,
                });
                Some(p.value.clone())
            }
            None => {
                self.error(
                    ParseError::new(kw.span, format!("`{}` needs `topic=`", kw.text))
                        .hint("say which topic it uses, e.g. `topic=orders`"),
                );
                None
            }
        }
    }

    /// A consumer's `topic=`: one topic, or several separated by commas (`subscribe(topics)`),
    /// each declared and named once.
    fn consumer_topics(&mut self, kw: &Token, pairs: &[Pair]) -> Option<Vec<String>> {
        let Some(p) = pairs.iter().find(|p| p.key == "topic") else {
            return self.client_topic(kw, pairs).map(|t| vec![t]);
        };
        let mut names: Vec<String> = Vec::new();
        let mut column = p.value_span.column;
        for name in p.value.split(',') {
            let span = crate::errors::Span::new(p.value_span.line, column, name.len() as u32);
            column += name.len() as u32 + 1;
            if name.is_empty() {
                self.error(
                    ParseError::new(p.value_span, "an empty topic name in `topic=`")
                        .hint("separate topics with single commas: `topic=orders,payments`"),
                );
                return None;
            }
            if names.iter().any(|n| n == name) {
                self.error(ParseError::new(
                    span,
                    format!("topic `{name}` is listed twice in `topic=`"),
                ));
                return None;
            }
            self.refs.push(Reference::Topic {
                name: name.to_string(),
                span,
            });
            names.push(name.to_string());
        }
        Some(names)
    }

    pub(crate) fn producer(&mut self, kw: &Token, args: &[Token]) {
        let name_tok = self.client_name(kw, args, true);
        let name_span = name_tok.map(|t| t.span);
        let name = name_tok.map(|t| t.text.clone());
        let rest = if args.first().is_some_and(|t| !t.text.contains('=')) {
            &args[1..]
        } else {
            args
        };
        let allowed: Vec<&str> = PRODUCER_KEYS
            .iter()
            .chain(ProducerConfig::KEYS)
            .copied()
            .collect();
        let pairs = kv::pairs(rest, &allowed, &mut self.errors);
        let topic = self.client_topic(kw, &pairs);
        let mut spec = ProducerSpec::new(
            name.clone().unwrap_or_default(),
            topic.clone().unwrap_or_default(),
        );
        let mut start_span = None;
        let mut value = None;
        let mut serializer = None;
        let mut schema = None;
        let mut strategy = None;
        for pair in &pairs {
            let (v, s) = (pair.value.as_str(), pair.value_span);
            let result = match pair.key.as_str() {
                "topic" => Ok(()),
                "rate" => values::rate(v, s).map(|r| spec.rate_per_ks = r),
                "keys" => values::keys(v, s).map(|k| spec.keys = k),
                "values" => match ["record.size", "value", "value.serializer"]
                    .iter()
                    .find_map(|k| pairs.iter().find(|p| p.key == *k))
                {
                    Some(other) => Err(ParseError::new(
                        pair.key_span.to(pair.value_span),
                        format!("`values` with `{}`", other.key),
                    )
                    .hint("`values=` draws each record's value from a set (its size is the string's); remove the other")),
                    None => values::value_set(v, s).map(|k| spec.values = k),
                },
                "key.distribution" => match v {
                    "uniform" => {
                        spec.key_distribution = KeyDistribution::Uniform;
                        Ok(())
                    }
                    "sequential" => {
                        spec.key_distribution = KeyDistribution::Sequential;
                        Ok(())
                    }
                    _ => Err(ParseError::new(
                        s,
                        format!("invalid value `{v}` for `key.distribution`: expected `uniform` or `sequential`"),
                    )),
                },
                "record.size" => values::uint32(v, s, "a record size in bytes").map(|n| spec.record_size = n),
                "partition" => values::uint32(v, s, "a partition number").map(|n| {
                    spec.partition = Some(n);
                    if let Some(t) = &topic {
                        self.refs.push(Reference::Partition {
                            tp: TopicPartition::new(t.clone(), n),
                            span: s,
                        });
                    }
                }),
                "start" => values::duration(v, s).map(|d| {
                    spec.start = SimTime::from_us(d);
                    start_span = Some(s);
                }),
                "stop" => values::duration(v, s).map(|d| spec.stop = Some(SimTime::from_us(d))),
                "lateness" => values::lateness(v, s).map(|(min_ms, max_ms)| {
                    let late_ppm = spec.lateness.map_or(1_000_000, |l| l.late_ppm);
                    spec.lateness = Some(Lateness { min_ms, max_ms, late_ppm });
                }),
                "late" => values::late_share(v, s).map(|late_ppm| {
                    let l = spec.lateness.get_or_insert(Lateness { min_ms: 0, max_ms: 0, late_ppm });
                    l.late_ppm = late_ppm;
                }),
                "value" => match v {
                    "null" => {
                        spec.null_value = true;
                        Ok(())
                    }
                    // An unreadable value is still a value (one error, not a second "needs `value=`").
                    _ if pairs.iter().any(|p| p.key == "value.serializer") => {
                        value = Some((v.to_string(), s));
                        crate::formats::value_text(v, s).map(drop)
                    }
                    _ => Err(ParseError::new(s, format!("invalid value `{v}` for `value`: expected `null`"))
                        .hint("`value=null` makes every record a tombstone; a value's size is `record.size`, or give `value.serializer=avro|protobuf|json` and `value.schema=` to encode this value")),
                },
                "value.serializer" => crate::formats::format_of(v, s, true).map(|f| serializer = Some((f, s))),
                "value.schema" => {
                    schema = Some((v.to_string(), s));
                    Ok(())
                }
                "value.subject.name.strategy" => crate::formats::strategy(v, s).map(|st| strategy = st),
                "count" => match values::uint(v, s, "a number of records") {
                    Ok(0) => Err(ParseError::new(s, "`count` must be at least 1")
                        .hint("to send nothing, remove the producer")),
                    r => r.map(|n| spec.count = Some(n)),
                },
                _ => {
                    let config = &mut spec.config;
                    kv::apply(|k, v| config.set(k, v), pair, ConfigKind::Producer, PRODUCER_KEYS, &mut self.errors);
                    Ok(())
                }
            };
            if let Err(e) = result {
                self.error(e);
            }
        }
        match (serializer, schema) {
            (Some((format, fspan)), Some((schema, sspan))) => {
                if pairs.iter().any(|p| p.key == "record.size") {
                    let p = pairs
                        .iter()
                        .find(|p| p.key == "record.size")
                        .expect("found");
                    self.error(
                        ParseError::new(p.key_span.to(p.value_span), "`record.size` with a `value.serializer`")
                            .hint("the serializer's encoding of `value=` sets each record's size; remove `record.size`"),
                    );
                }
                match value {
                    Some((value, _)) => {
                        self.format_refs.schema_refs.push((schema.clone(), sspan, Some(format.clone())));
                        self.format_refs.serializers.push((spec.name.clone(), fspan));
                        spec.value_serializer = Some(khafka_sim::spec::ValueSerializer {
                            format,
                            uses: vec![khafka_sim::spec::SchemaUse {
                                from: SimTime::ZERO,
                                schema,
                                value,
                            }],
                            strategy,
                        });
                    }
                    None if spec.null_value => {}
                    None => self.error(
                        ParseError::new(fspan, "a `value.serializer` needs `value=` (the value each record carries, as JSON)")
                            .hint("for example `value={\"id\":7,\"amount\":12.5}`"),
                    ),
                }
            }
            (Some((_, fspan)), None) => self.error(
                ParseError::new(fspan, "a `value.serializer` needs `value.schema=`")
                    .hint("name a `schema` line, e.g. `value.schema=order-v1`"),
            ),
            // An invalid serializer was reported already.
            (None, Some(_)) if pairs.iter().any(|p| p.key == "value.serializer") => {}
            (None, Some((_, sspan))) => self.error(
                ParseError::new(sspan, "`value.schema` needs a `value.serializer`")
                    .hint("e.g. `value.serializer=avro`"),
            ),
            (None, None) => {}
        }
        if let Some(late) = pairs.iter().find(|p| p.key == "late") {
            if !pairs.iter().any(|p| p.key == "lateness") {
                self.error(
                    ParseError::new(
                        late.key_span.to(late.value_span),
                        "`late` needs `lateness=`",
                    )
                    .hint("say how late those records are, e.g. `lateness=5s..90s`"),
                );
            }
        }
        if matches!(spec.keys, KeySpec::None) {
            if let Some(t) = &topic {
                let span = name_span.unwrap_or(kw.span);
                self.keyless.push((t.clone(), span));
            }
        }
        if let Some(stop) = spec.stop {
            if stop <= spec.start {
                let span = pairs
                    .iter()
                    .find(|p| p.key == "stop")
                    .map(|p| p.value_span)
                    .unwrap_or(kw.span);
                self.error(
                    ParseError::new(
                        span,
                        format!(
                            "the producer stops at {stop}, not after it starts at {}",
                            spec.start
                        ),
                    )
                    .hint("`stop=` must be later than `start=`"),
                );
            }
        }
        if let Err(why) = spec.config.idempotence() {
            let span = pairs
                .iter()
                .find(|p| p.key == "enable.idempotence")
                .map_or(kw.span, |p| p.key_span.to(p.value_span));
            self.error(ParseError::new(span, why).hint(
                "remove `enable.idempotence=true`, or use `acks=all`, `retries` > 0 and at most 5 in-flight requests",
            ));
        }
        // KafkaProducer.configureDeliveryTimeout: delivery.timeout.ms covers lingering and one request.
        let cfg = &mut spec.config;
        // `(int) Math.min(lingerMs + requestTimeoutMs, Integer.MAX_VALUE)`.
        let floor = cfg
            .linger_ms
            .saturating_add(cfg.request_timeout_ms)
            .min(i32::MAX as u64);
        if cfg.delivery_timeout_ms < floor {
            match pairs.iter().find(|p| p.key == "delivery.timeout.ms") {
                Some(p) => self.error(
                    ParseError::new(
                        p.key_span.to(p.value_span),
                        "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms (ConfigException)",
                    )
                    .hint(format!("use `delivery.timeout.ms={floor}` or more")),
                ),
                // Not set: Kafka raises the default to the sum (with a warning).
                None => cfg.delivery_timeout_ms = floor,
            }
        }
        if let (Some(_), Some(_)) = (name, topic) {
            self.spec.producers.push(spec);
        }
    }

    pub(crate) fn consumer(&mut self, kw: &Token, args: &[Token]) {
        let name = self.client_name(kw, args, false).map(|t| t.text.clone());
        let rest = if args.first().is_some_and(|t| !t.text.contains('=')) {
            &args[1..]
        } else {
            args
        };
        let allowed: Vec<&str> = CONSUMER_KEYS
            .iter()
            .chain(ConsumerConfig::KEYS)
            .chain(CONSUMER_FORMAT_KEYS)
            .copied()
            .collect();
        let pairs = kv::pairs(rest, &allowed, &mut self.errors);
        let topic = self.consumer_topics(kw, &pairs);
        let mut spec = ConsumerSpec::new(name.clone().unwrap_or_default(), "");
        if let Some((first, more)) = topic.as_ref().and_then(|t| t.split_first()) {
            spec.topic = first.clone();
            spec.more_topics = more.to_vec();
        }
        let topic = topic.map(|t| t.join(","));
        let mut deserializer = None;
        let mut reader = None;
        let mut skip = None;
        for pair in &pairs {
            match pair.key.as_str() {
                "topic" => {}
                "start" => match values::duration(&pair.value, pair.value_span) {
                    Ok(d) => spec.start = SimTime::from_us(d),
                    Err(e) => self.error(e),
                },
                "value.deserializer" => {
                    match crate::formats::format_of(&pair.value, pair.value_span, false) {
                        Ok(f) => deserializer = Some((f, pair.value_span)),
                        Err(e) => self.error(e),
                    }
                }
                "value.reader.schema" => reader = Some((pair.value.clone(), pair.value_span)),
                "deserialization.exception.handler" => {
                    match pair.value.to_ascii_lowercase().as_str() {
                        "logandfail" => skip = Some((false, pair.value_span)),
                        "logandcontinue" => skip = Some((true, pair.value_span)),
                        _ => self.error(
                            ParseError::new(
                                pair.value_span,
                                format!("invalid value `{}` for `deserialization.exception.handler`", pair.value),
                            )
                            .hint("`LogAndFail` (stop at a record it cannot decode, the default) or `LogAndContinue` (skip it)"),
                        ),
                    }
                }
                _ => {
                    let config = &mut spec.config;
                    kv::apply(
                        |k, v| config.set(k, v),
                        pair,
                        ConfigKind::Consumer,
                        CONSUMER_KEYS,
                        &mut self.errors,
                    );
                }
            }
        }
        #[cfg(feature = "groups")]
        if let Err(why) = spec.config.group.check() {
            let key = if why.starts_with("heartbeat") {
                "heartbeat.interval.ms"
            } else if why.starts_with("enable.auto.commit") {
                "enable.auto.commit"
            } else {
                "group.instance.id"
            };
            // The setting written on the line: the heartbeat rule is broken by either value.
            let span = pairs
                .iter()
                .find(|p| p.key == key)
                .or_else(|| {
                    pairs
                        .iter()
                        .find(|p| key == "heartbeat.interval.ms" && p.key == "session.timeout.ms")
                })
                .map_or(kw.span, |p| p.key_span.to(p.value_span));
            self.error(ParseError::new(span, why).hint(
                "consumer groups: see Consumers in the scenario language reference (the site's \
                 Scenario language page)",
            ));
        }
        match (deserializer, reader) {
            (Some((format, _)), Some((reader, rspan))) => {
                self.format_refs
                    .schema_refs
                    .push((reader.clone(), rspan, Some(format.clone())));
                spec.value_decoder = Some(khafka_sim::spec::ValueDecoder {
                    format,
                    reader,
                    computed: false,
                    fails: Vec::new(),
                    skip: skip.is_some_and(|s| s.0),
                });
            }
            (Some((_, dspan)), None) => self.error(
                ParseError::new(dspan, "a `value.deserializer` needs `value.reader.schema=`")
                    .hint("name the `schema` line the application reads with, e.g. `value.reader.schema=order-v1`"),
            ),
            (None, Some(_)) if pairs.iter().any(|p| p.key == "value.deserializer") => {}
            (None, Some((_, rspan))) => self.error(
                ParseError::new(rspan, "`value.reader.schema` needs a `value.deserializer`")
                    .hint("e.g. `value.deserializer=avro`"),
            ),
            (None, None) => {
                if let Some((_, span)) = skip {
                    self.error(
                        ParseError::new(span, "`deserialization.exception.handler` needs a `value.deserializer`")
                            .hint("only a schema deserializer can fail on a record"),
                    );
                }
            }
        }
        if let (Some(_), Some(_)) = (name, topic) {
            self.spec.consumers.push(spec);
        }
    }
}
