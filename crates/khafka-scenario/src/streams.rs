//! `streams NAME application.id=APP input=TOPIC output=TOPIC [StreamsConfig keys…]`: a Kafka
//! Streams instance running `groupByKey().count()` (khafka-sim's `config/streams.rs`).
//!
//! Its clients are named as Kafka names them, `NAME-consumer`, `NAME-restore-consumer` and
//! `NAME-producer`, and join the scenario's nodes (a `link` or a `partition` may name them). The
//! instance itself is named in `crash streams NAME`, `stop streams NAME` and `restart streams NAME`.
//! Its clients are added once every line was read (the producer's keys are the input's).

use crate::errors::{ParseError, Span};
use crate::kv;
use crate::lexer::Token;
use crate::parser::{ClientDecl, Parser};
use crate::resolve::Reference;
use crate::values;
use khafka_sim::config::streams::{
    JoinWindow, KeyValueMap, ProcessingGuarantee, StreamsConfig, StreamsError, StreamsSpec,
    TableJoin, Windowing, Windows, MAX_COMMIT_INTERVAL_MS, MAX_TASK_IDLE_MS,
};
use khafka_sim::SimTime;

/// The keys of a `streams` line: the simulator's (`input`, `output`, `start`,
/// `sim.processing.time.ms`) and `StreamsConfig`'s.
pub const STREAMS_KEYS: &[&str] = &[
    "application.id",
    "input",
    "output",
    "processing.guarantee",
    "commit.interval.ms",
    "statestore.cache.max.bytes",
    "replication.factor",
    "num.stream.threads",
    "num.standby.replicas",
    "sim.processing.time.ms",
    "start",
    "window",
    "size",
    "advance",
    "grace",
    "difference",
    "gap",
    "emit",
    "table",
    "stream",
    "join",
    "max.task.idle.ms",
    "group.by",
    "repartition.purge.interval.ms",
    "aggregate",
    "filter",
    "map",
];

/// The keys that describe a `window=` (the `khafka windows` specification's).
const WINDOW_KEYS: &[&str] = &["size", "advance", "grace", "difference", "gap"];

/// A `streams` line read, added to the spec by [`Parser::add_streams`].
#[derive(Clone, Debug)]
pub struct StreamsDecl {
    pub spec: StreamsSpec,
    pub span: Span,
}

impl Parser {
    pub(crate) fn streams(&mut self, kw: &Token, args: &[Token]) {
        let Some(name) = args.first().filter(|t| !t.text.contains('=')) else {
            self.error(
                ParseError::new(kw.span, "`streams` needs a name").hint(
                    "for example `streams counter application.id=page-counts input=views output=counts`",
                ),
            );
            return;
        };
        if let Some(problem) = values::client_name_problem(&name.text) {
            self.error(ParseError::new(name.span, problem));
            return;
        }
        if self.streams.iter().any(|s| s.spec.name == name.text) {
            self.error(
                ParseError::new(
                    name.span,
                    format!("there is already a streams instance named `{}`", name.text),
                )
                .hint("each `streams` line is one instance; give it its own name"),
            );
            return;
        }
        let pairs = kv::pairs(&args[1..], STREAMS_KEYS, &mut self.errors);
        let mut config = StreamsConfig::new(String::new());
        let mut spec = StreamsSpec {
            name: name.text.clone(),
            config: StreamsConfig::new(String::new()),
            input: String::new(),
            output: String::new(),
            start: SimTime::ZERO,
            created_changelog: false,
            windowing: None,
            join: None,
            group_by_value: false,
            reduce_sum: false,
            aggregate_max: false,
            filter: None,
            map: None,
        };
        let mut ok = true;
        let mut join_window_spec = None;
        for pair in &pairs {
            let (v, s) = (pair.value.as_str(), pair.value_span);
            let result: Result<(), ParseError> = match pair.key.as_str() {
                "application.id" => application_id(v, s).map(|a| config.application_id = a),
                "input" | "output" => {
                    self.refs.push(Reference::Topic {
                        name: v.to_string(),
                        span: s,
                    });
                    if pair.key == "input" {
                        spec.input = v.to_string();
                    } else {
                        spec.output = v.to_string();
                    }
                    Ok(())
                }
                "processing.guarantee" => match v {
                    "at_least_once" => {
                        config.processing_guarantee = ProcessingGuarantee::AtLeastOnce;
                        Ok(())
                    }
                    "exactly_once_v2" => Err(ParseError::new(
                        s,
                        "`exactly_once_v2` needs Kafka's transactions, which the simulator does not model yet",
                    )
                    .hint("use `at_least_once` (the default); docs/what-khafka-models.md says what exactly-once would change")),
                    _ => Err(ParseError::new(
                        s,
                        format!(
                            "Invalid value {v} for configuration processing.guarantee: String must be one of: at_least_once, exactly_once_v2"
                        ),
                    )),
                },
                "commit.interval.ms" => values::uint(v, s, "`commit.interval.ms` in milliseconds").and_then(|n| {
                    if n > MAX_COMMIT_INTERVAL_MS {
                        Err(ParseError::new(
                            s,
                            format!("commit.interval.ms {n} is more than the simulator's limit of {MAX_COMMIT_INTERVAL_MS} (an hour)"),
                        ))
                    } else {
                        config.commit_interval_ms = n;
                        Ok(())
                    }
                }),
                "statestore.cache.max.bytes" => values::uint(v, s, "`statestore.cache.max.bytes` in bytes").and_then(|n| {
                    if n > i64::MAX as u64 {
                        Err(ParseError::new(s, "statestore.cache.max.bytes is a long: at most 9223372036854775807"))
                    } else {
                        config.cache_max_bytes = n;
                        Ok(())
                    }
                }),
                "replication.factor" => match v.parse::<i32>() {
                    Ok(-1) => {
                        config.replication_factor = -1;
                        Ok(())
                    }
                    Ok(n) if n >= 1 => {
                        config.replication_factor = n;
                        Ok(())
                    }
                    Ok(_) => Err(ParseError::new(
                        s,
                        format!("Invalid value {v} for configuration replication.factor: Value must be at least -1 and not 0"),
                    )
                    .hint("-1 (the brokers' default.replication.factor) or a number of replicas")),
                    // `ConfigDef.parseType`'s words for what is not an int.
                    Err(_) => Err(ParseError::new(
                        s,
                        format!("Invalid value {v} for configuration replication.factor: Not a number of type INT"),
                    )
                    .hint("-1 (the brokers' default.replication.factor) or a number of replicas")),
                },
                "num.stream.threads" => match v {
                    "1" => Ok(()),
                    _ => Err(ParseError::new(s, "the simulator runs one stream thread per instance")
                        .hint("declare another `streams` line with the same application.id for another instance")),
                },
                "num.standby.replicas" => match v {
                    "0" => Ok(()),
                    _ => Err(ParseError::new(s, "standby replicas are not modelled yet: only 0")
                        .hint("without standbys a moved task restores its store from the changelog")),
                },
                "sim.processing.time.ms" => values::uint(v, s, "`sim.processing.time.ms` in milliseconds").and_then(|n| {
                    if n > khafka_sim::config::group_config::MAX_PROCESSING_TIME_MS {
                        Err(ParseError::new(s, "sim.processing.time.ms is at most 60000 (a minute a record)"))
                    } else {
                        config.processing_time_ms = n;
                        Ok(())
                    }
                }),
                "start" => values::duration(v, s).map(|d| spec.start = SimTime::from_us(d)),
                "stream" if pairs.iter().any(|p| p.key == "table") => {
                    Err(ParseError::new(pair.key_span, "an instance joins its input with one table or one stream, not both")
                        .hint("`table=TOPIC` for a stream–table join, `stream=TOPIC window=join difference=D` for a stream–stream join"))
                }
                "table" | "stream" => {
                    self.refs.push(Reference::Topic {
                        name: v.to_string(),
                        span: s,
                    });
                    let left = pairs.iter().find(|p| p.key == "join").is_some_and(|p| p.value == "left");
                    let outer = pairs.iter().find(|p| p.key == "join").is_some_and(|p| p.value == "outer");
                    spec.join = Some(TableJoin { table: v.to_string(), left, window: None, outer });
                    if pair.key == "stream" && !pairs.iter().any(|p| p.key == "window") {
                        Err(ParseError::new(pair.key_span, "a stream–stream join needs its join window: `window=join difference=D [grace=D]`")
                            .hint("`JoinWindows.ofTimeDifferenceAndGrace(d, grace)`: records of the two streams join when their timestamps are at most d apart"))
                    } else {
                        Ok(())
                    }
                }
                "join" => match v {
                    "inner" | "left" if pairs.iter().any(|p| p.key == "table") => Ok(()),
                    "inner" | "left" | "outer" if pairs.iter().any(|p| p.key == "stream") => Ok(()),
                    "inner" | "left" => Err(ParseError::new(pair.key_span, "`join` needs `table=` or `stream=`")
                        .hint("a stream–table join names the table's topic, e.g. `table=users join=left`")),
                    _ => Err(ParseError::new(s, format!("invalid value `{v}` for `join`: expected `inner` or `left`{}", if pairs.iter().any(|p| p.key == "stream") { " or `outer`" } else { "" }))
                        .hint("`join=inner` is `stream.join(other, …)`, `join=left` is `stream.leftJoin(other, …)`, `join=outer` (two streams only) `stream.outerJoin(other, …)`")),
                },
                "max.task.idle.ms" => match v.parse::<i64>() {
                    Ok(n) if (-1..=MAX_TASK_IDLE_MS).contains(&n) => {
                        config.max_task_idle_ms = n;
                        Ok(())
                    }
                    Ok(n) if n < -1 => Err(ParseError::new(s, format!("max.task.idle.ms {n} is below -1"))
                        .hint("-1 never waits for an empty partition; 0 (the default) waits only while its lag is unknown or above 0")),
                    Ok(n) => Err(ParseError::new(s, format!("max.task.idle.ms {n} is more than the simulator's limit of {MAX_TASK_IDLE_MS} (an hour)"))),
                    Err(_) => Err(ParseError::new(s, format!("Invalid value {v} for configuration max.task.idle.ms: Not a number of type LONG"))),
                },
                // Attached to the join after every pair is read (the keys come in any order).
                "window" if v == "join" => join_window(&pairs, s).and_then(|w| {
                    if pairs.iter().any(|p| p.key == "stream") {
                        join_window_spec = Some(w);
                        Ok(())
                    } else {
                        Err(ParseError::new(s, "`window=join` needs `stream=`: the other stream of a stream–stream join")
                            .hint("for example `stream=clicks window=join difference=10s`"))
                    }
                }),
                "window" if pairs.iter().any(|p| p.key == "stream") => Err(ParseError::new(s, format!("a stream–stream join's window is `window=join difference=D [grace=D]`, not `{v}`"))),
                "window" => windowing(&pairs, s).map(|w| spec.windowing = Some(w)),
                "repartition.purge.interval.ms" => values::uint(v, s, "`repartition.purge.interval.ms` in milliseconds").and_then(|n| {
                    if n > MAX_COMMIT_INTERVAL_MS {
                        Err(ParseError::new(
                            s,
                            format!("repartition.purge.interval.ms {n} is more than the simulator's limit of {MAX_COMMIT_INTERVAL_MS} (an hour)"),
                        ))
                    } else if !pairs.iter().any(|p| p.key == "group.by" && p.value == "value" || p.key == "map") {
                        Err(ParseError::new(pair.key_span, "`repartition.purge.interval.ms` needs a repartition topic: `group.by=value` or `map=`"))
                    } else {
                        config.repartition_purge_interval_ms = n;
                        Ok(())
                    }
                }),
                "aggregate" => match v {
                    "count" => Ok(()),
                    "sum" => {
                        spec.reduce_sum = true;
                        Ok(())
                    }
                    "max" => {
                        spec.aggregate_max = true;
                        Ok(())
                    }
                    _ => Err(ParseError::new(s, format!("invalid value `{v}` for `aggregate`: expected `count`, `sum` or `max`"))
                        .hint("`aggregate=count` is `count()`; `aggregate=sum` is `mapValues(Long::parseLong).groupByKey().reduce(Long::sum)` and `aggregate=max` `….aggregate(() -> 0L, (k, v, max) -> Math.max(max, v))`, over integer values (`values=1..100`)")),
                },
                "filter" => value_filter(v, s).map(|f| spec.filter = Some(f)),
                "map" => KeyValueMap::try_from(v.to_string())
                    .map(|m| spec.map = Some(m))
                    .map_err(|e| {
                        ParseError::new(s, e).hint("`map=value,key` is `map((key, value) -> KeyValue.pair(value, key))`, then `groupByKey().count()`: a count per value; `map=key,value` keeps both, and Kafka Streams still repartitions")
                    }),
                "group.by" => match v {
                    "key" => Ok(()),
                    "value" => {
                        spec.group_by_value = true;
                        Ok(())
                    }
                    _ => Err(ParseError::new(s, format!("invalid value `{v}` for `group.by`: expected `key` or `value`"))
                        .hint("`group.by=key` is `groupByKey()`; `group.by=value` is `groupBy((key, value) -> value)`, which re-keys every record through a repartition topic")),
                },
                "emit" => match v {
                    "onWindowUpdate" | "onWindowClose" => Ok(()),
                    _ => Err(ParseError::new(s, format!("invalid value `{v}` for `emit`: expected `onWindowUpdate` or `onWindowClose`"))
                        .hint("Kafka Streams' EmitStrategy: every update, or one final result per window when it closes")),
                },
                k if WINDOW_KEYS.contains(&k) && !pairs.iter().any(|p| p.key == "window") => {
                    Err(ParseError::new(pair.key_span, format!("`{k}` needs `window=`"))
                        .hint("for example `window=tumbling size=60s grace=10s`"))
                }
                // Kafka Streams would pass a client config on to its consumer or producer; the
                // simulator runs them with Kafka Streams' defaults, so it is refused, not ignored.
                k if !STREAMS_KEYS.contains(&k) => Err(kv::unknown_in(
                    pair,
                    format!("unknown config `{k}` for a `streams` line"),
                    STREAMS_KEYS,
                    "a `streams` line takes the keys the language reference lists under `streams NAME …`; \
                     its clients run with Kafka Streams' defaults",
                )),
                _ => Ok(()),
            };
            if let Err(e) = result {
                self.error(e);
                ok = false;
            }
        }
        if let (Some(w), Some(j)) = (join_window_spec, spec.join.as_mut()) {
            j.window = Some(w);
        }
        for (key, what) in [
            (
                "application.id",
                "the application's id, e.g. `application.id=page-counts`",
            ),
            ("input", "the topic it reads, e.g. `input=page-views`"),
            (
                "output",
                "the topic it writes the counts to, e.g. `output=page-counts`",
            ),
        ] {
            if !pairs.iter().any(|p| p.key == key) {
                self.error(
                    ParseError::new(kw.span, format!("`streams` needs `{key}=`")).hint(what),
                );
                ok = false;
            }
        }
        if let Some(emit) = pairs.iter().find(|p| p.key == "emit") {
            match spec.windowing.as_mut() {
                Some(w) => w.on_window_close = emit.value == "onWindowClose",
                None if pairs.iter().any(|p| p.key == "window") => {}
                None => {
                    self.error(
                        ParseError::new(emit.key_span, "`emit` needs `window=`")
                            .hint("an emit strategy is for windowed counts, e.g. `window=tumbling size=60s emit=onWindowClose`"),
                    );
                    ok = false;
                }
            }
        }
        let aggregate = spec.aggregate();
        if aggregate != khafka_sim::config::streams::Aggregate::Count
            && (spec.join.is_some() || spec.repartitioned())
        {
            let span = pairs
                .iter()
                .find(|p| p.key == "aggregate")
                .map_or(kw.span, |p| p.key_span.to(p.value_span));
            self.error(
                ParseError::new(
                    span,
                    format!(
                        "`aggregate={}` works per key or per window and key: not with a join, `group.by=value` or `map=`",
                        aggregate.name()
                    ),
                )
                .hint("the simulator does not model those together yet"),
            );
            ok = false;
        }
        if spec.repartitioned() && spec.join.is_some() {
            let span = pairs
                .iter()
                .find(|p| p.key == "group.by" || p.key == "map")
                .map_or(kw.span, |p| p.key_span.to(p.value_span));
            self.error(
                ParseError::new(span, "`group.by=value` and `map=` count after a repartition topic: not with a join")
                    .hint("the simulator does not model a repartitioned join yet; count per value without `table=` or `stream=`"),
            );
            ok = false;
        }
        if spec.group_by_value && spec.map.is_some() {
            let span = pairs
                .iter()
                .find(|p| p.key == "map")
                .map_or(kw.span, |p| p.key_span.to(p.value_span));
            self.error(
                ParseError::new(span, "`group.by=value` and `map=` both change the key")
                    .hint("the simulator models one key change before the count: `map=value,key` counts per value like `group.by=value`"),
            );
            ok = false;
        }
        if spec.join.is_some() && spec.windowing.is_some() {
            let span = pairs
                .iter()
                .find(|p| p.key == "table")
                .map_or(kw.span, |p| p.key_span);
            self.error(
                ParseError::new(span, "an instance runs one topology: a count, a windowed count or a stream–table join")
                    .hint("declare the join on a `streams` line of its own application"),
            );
            ok = false;
        }
        spec.config = config;
        let names = [
            (spec.consumer_name(), false),
            (spec.restore_consumer_name(), false),
            (spec.producer_name(), true),
        ];
        for (client, is_producer) in names {
            if self.clients.iter().any(|c| c.name == client) {
                self.error(
                    ParseError::new(name.span, format!("there is already a client named `{client}`"))
                        .hint("a streams instance NAME brings the clients NAME-consumer, NAME-restore-consumer and NAME-producer"),
                );
                ok = false;
            } else {
                self.clients.push(ClientDecl {
                    name: client,
                    is_producer,
                });
            }
        }
        if ok {
            self.streams.push(StreamsDecl {
                spec,
                span: kw.span.to(name.span),
            });
        }
    }

    /// Adds every `streams` line's clients and changelog topic (after topics and producers, before
    /// references are checked: an `expect` may name the application's group).
    pub(crate) fn add_streams(&mut self) {
        for decl in self.streams.clone() {
            // A missing topic is reported by the reference check.
            let declared = |t: &str| self.spec.topics.iter().any(|x| x.name == t);
            let table_declared = decl.spec.join.as_ref().is_none_or(|j| declared(&j.table));
            if !declared(&decl.spec.input) || !declared(&decl.spec.output) || !table_declared {
                continue;
            }
            // Its internal topics are created with this replication factor: more than the
            // brokers fails their CreateTopics, and the application does not start.
            let rf = decl.spec.config.replication_factor;
            let brokers = self.spec.cluster.brokers;
            if rf > 0 && rf as u64 > u64::from(brokers) {
                self.error(
                    ParseError::new(
                        decl.span,
                        format!(
                            "replication.factor {rf} is larger than the {brokers} available \
                             brokers: Kafka Streams cannot create its internal topics"
                        ),
                    )
                    .kafka("INVALID_REPLICATION_FACTOR")
                    .hint(format!(
                        "use at most replication.factor={brokers}, or -1 for the brokers' \
                         default.replication.factor"
                    )),
                );
                continue;
            }
            if let Err(e) = self.spec.add_streams(decl.spec) {
                let text = match e {
                    StreamsError::NoTopic(t)
                    | StreamsError::KeySets(t)
                    | StreamsError::Invalid(t) => t,
                };
                self.error(ParseError::new(decl.span, text));
            }
        }
    }
}

/// `application.id`: it prefixes the internal topics' names, so it takes a topic name's
/// characters (`[a-zA-Z0-9._-]`) and leaves room for the longest internal topic name.
fn application_id(v: &str, span: Span) -> Result<String, ParseError> {
    if let Some(c) = v
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(ParseError::new(
            span,
            format!("application.id `{v}` contains `{c}`: it prefixes internal topic names, which take only ASCII letters, digits, `.`, `_` and `-`"),
        ));
    }
    let changelog = StreamsConfig::new(v).changelog_topic();
    if changelog.len() > 249 {
        return Err(ParseError::new(
            span,
            format!("application.id is too long: its changelog topic `{changelog}` would be longer than Kafka's 249 characters"),
        ));
    }
    Ok(v.to_string())
}

/// `window=join difference=D [grace=D]`: `JoinWindows.ofTimeDifferenceAndGrace(d, grace)`
/// (`ofTimeDifferenceWithNoGrace(d)` without grace), with Kafka's checks.
fn join_window(pairs: &[kv::Pair], span: Span) -> Result<JoinWindow, ParseError> {
    let hint = "`window=join difference=D [grace=D]`, durations as `500ms`, `10s`, `1m`";
    let mut ms = [None, Some(0i64)];
    for p in pairs
        .iter()
        .filter(|p| WINDOW_KEYS.contains(&p.key.as_str()))
    {
        let slot = match p.key.as_str() {
            "difference" => 0,
            "grace" => 1,
            k => {
                return Err(ParseError::new(
                    p.key_span,
                    format!("a join window takes `difference` and `grace`, not `{k}`"),
                )
                .hint(hint))
            }
        };
        let d = khafka_sim::khafka_streams::text::parse_duration(&p.key, &p.value)
            .map_err(|e| ParseError::new(p.value_span, e).hint(hint))?;
        let name = if slot == 0 {
            "timeDifference"
        } else {
            "afterWindowEnd"
        };
        let v = d.to_millis().ok_or_else(|| {
            ParseError::new(
                p.value_span,
                format!("Invalid value for parameter \"{name}\" (value was: {d}). It can't be converted to milliseconds."),
            )
        })?;
        ms[slot] = Some(v);
    }
    let Some(d) = ms[0] else {
        return Err(ParseError::new(span, "a join window needs `difference=`").hint(hint));
    };
    let grace = ms[1].unwrap_or(0);
    // `JoinWindows`' constructor.
    if d.checked_mul(2).is_none_or(|s| s < 0) {
        return Err(ParseError::new(
            span,
            "Window interval (ie, beforeMs+afterMs) must not be negative.",
        ));
    }
    if grace < 0 {
        return Err(ParseError::new(span, "Grace period must not be negative."));
    }
    let w = JoinWindow {
        before_ms: d as u64,
        after_ms: d as u64,
        grace_ms: grace as u64,
    };
    if w.retention_ms() > khafka_sim::budget::MAX_RUN.as_us() / 1_000 * 7 {
        return Err(ParseError::new(
            span,
            "the join window's stores would keep records for more than a week",
        )
        .hint("a run lasts at most a day; keep the difference and grace under a few hours"));
    }
    Ok(w)
}

/// `window=KIND` with its `size`, `advance`, `grace`, `difference` or `gap` (durations as
/// `khafka windows` writes them: `500ms`, `10s`, `1m`), built through Kafka's factories and
/// refused with their messages (`khafka_streams::text::parse_window`).
fn windowing(pairs: &[kv::Pair], span: Span) -> Result<Windowing, ParseError> {
    use khafka_sim::khafka_streams::WindowSpec;
    let kind = pairs
        .iter()
        .find(|p| p.key == "window")
        .map(|p| p.value.as_str())
        .unwrap_or_default();
    let mut text = kind.to_string();
    for p in pairs
        .iter()
        .filter(|p| WINDOW_KEYS.contains(&p.key.as_str()))
    {
        text.push_str(&format!(" {}={}", p.key, p.value));
    }
    let spec = khafka_sim::khafka_streams::text::parse_window(&text).map_err(|e| {
        ParseError::new(span, format!("window `{text}`: {e}")).hint(
            "`window=tumbling size=D [grace=D]`, `window=hopping size=D advance=D [grace=D]`, \
             `window=sliding difference=D [grace=D]` or `window=session gap=D [grace=D]`",
        )
    })?;
    // khafka's own bounds, as `khafka windows` meets them: a record in at most 10,000 hopping
    // windows (`size=1h advance=1ms` would put each in 3.6 million, and one record took minutes
    // and gigabytes).
    spec.check_bounds().map_err(|e| {
        let error = ParseError::new(span, format!("window `{text}`: {e}"));
        // (Only the bound on windows per record, not an overflow, is about `advance`.)
        if e.contains("hopping windows") {
            error.hint("a larger `advance` (at least size/10000), or a shorter `size`")
        } else {
            error
        }
    })?;
    let ms = |n: i64| n.max(0) as u64;
    let (windows, grace) = match spec {
        WindowSpec::Time {
            size,
            advance,
            grace,
        } => (
            Windows::Time {
                size: ms(size),
                advance: ms(advance),
            },
            grace,
        ),
        WindowSpec::Sliding { difference, grace } => (
            Windows::Sliding {
                difference: ms(difference),
            },
            grace,
        ),
        WindowSpec::Session { gap, grace } => (Windows::Session { gap: ms(gap) }, grace),
    };
    let w = Windowing {
        windows,
        grace_ms: ms(grace),
        on_window_close: false,
    };
    // A day of retention: the changelog keeps records the store's retention and a day more,
    // and a run lasts at most a day.
    if w.store_retention_ms() > khafka_sim::budget::MAX_RUN.as_us() / 1_000 * 7 {
        return Err(ParseError::new(
            span,
            format!("window `{text}`: its store would keep windows for more than a week"),
        )
        .hint("a run lasts at most a day; keep windows and grace under a few hours"));
    }
    Ok(w)
}

/// `filter=value OP OPERAND`: `==` or `!=` a string, or `<`, `<=`, `>`, `>=` a number.
fn value_filter(
    text: &str,
    span: Span,
) -> Result<khafka_sim::config::streams::ValueFilter, ParseError> {
    khafka_sim::config::streams::ValueFilter::parse(text).map_err(|e| {
        ParseError::new(span, e).hint("a predicate on the record's value: `value>50` or `value<=10` (as a number), `value==home` or `value!=home` (as a string)")
    })
}
