//! The statement loop: one line, one statement.
//!
//! Parsing is two passes. The first reads each line into the [`ScenarioSpec`] and records every
//! reference to a broker, topic, partition or client with its span; the second ([`Parser::finish`])
//! resolves topic defaults against the final `cluster` line and checks the references, so statements
//! may come in any order (a `link` may name a producer declared further down). Errors never stop the
//! loop: a bad line is reported and the next line is read.

use crate::errors::{ParseError, Span};
use crate::expect::Expect;
use crate::kv::{self, ConfigKind, Pair};
use crate::lexer::{Line, Token};
use crate::resolve::Reference;
use crate::suggest::suggest;
use crate::topics::TopicDecl;
use crate::values;
use khafka_sim::spec::{LinkOverride, LinkSpec, NodeRef};
use khafka_sim::{ScenarioSpec, SimTime};

/// Every statement keyword, in the order the documentation presents them.
pub const STATEMENTS: &[&str] = &[
    "seed", "cluster", "topic", "registry", "schema", "producer", "consumer", "streams", "network",
    "link", "at", "run", "expect",
];

/// The largest cluster the simulator accepts.
pub const MAX_BROKERS: u32 = 1_000;
/// How the error for a run over the simulator's budget starts (the site shows it as a refusal).
pub const TOO_LARGE: &str = "too large to simulate: ";
/// At most this many errors are reported for one source (then one line says how many more).
pub const MAX_ERRORS: usize = 50;

/// A producer or consumer declaration.
#[derive(Clone, Debug)]
pub struct ClientDecl {
    pub name: String,
    pub is_producer: bool,
}

/// Where a link setting ends up, so that omitted fields can be filled from the final `network` line.
#[derive(Clone, Debug)]
pub struct PendingLink {
    pub target: LinkTarget,
    pub latency: Option<(u64, u64)>,
    pub loss_ppm: Option<u32>,
    pub bandwidth_bps: Option<u64>,
}

#[derive(Clone, Copy, Debug)]
pub enum LinkTarget {
    /// Index into `spec.links`.
    Static(usize),
    /// Index into `spec.schedule` (a `Fault::Link`).
    Scheduled(usize),
}

/// A link line's settings, each if given: latency range, loss, bandwidth.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkSettings {
    pub latency: Option<(u64, u64)>,
    pub loss_ppm: Option<u32>,
    pub bandwidth_bps: Option<u64>,
}

/// The overrides of a `link` (one per direction) and its settings.
pub type LinkParts = (Vec<LinkOverride>, LinkSettings);

/// The state of a parse in progress.
pub struct Parser {
    pub spec: ScenarioSpec,
    pub expects: Vec<Expect>,
    pub errors: Vec<ParseError>,
    pub refs: Vec<Reference>,
    pub topics: Vec<TopicDecl>,
    pub clients: Vec<ClientDecl>,
    pub links: Vec<PendingLink>,
    /// Statements allowed once, with the line of their first occurrence.
    seen: Vec<(&'static str, u32)>,
    /// Where the `run` statement is, for errors about the run as a whole.
    run_span: Option<Span>,
    /// Producers without keys: `(topic, where)`, refused if the topic is compacted.
    pub keyless: Vec<(String, Span)>,
    /// Schema references and changes, checked at the end (`formats.rs`).
    pub format_refs: crate::formats::FormatRefs,
    /// `streams` lines, added to the spec at the end (`streams.rs`).
    #[cfg(feature = "groups")]
    pub streams: Vec<crate::streams::StreamsDecl>,
}

impl Parser {
    pub fn new() -> Self {
        Parser {
            spec: ScenarioSpec::default(),
            expects: Vec::new(),
            errors: Vec::new(),
            refs: Vec::new(),
            topics: Vec::new(),
            clients: Vec::new(),
            links: Vec::new(),
            seen: Vec::new(),
            run_span: None,
            keyless: Vec::new(),
            format_refs: Default::default(),
            #[cfg(feature = "groups")]
            streams: Vec::new(),
        }
    }

    pub fn error(&mut self, e: ParseError) {
        self.errors.push(e);
    }

    /// Parses one line.
    pub fn statement(&mut self, line: &Line) {
        let kw = &line.tokens[0];
        let args = &line.tokens[1..];
        match kw.text.as_str() {
            "seed" => self.seed(kw, args),
            "cluster" => self.cluster(kw, args),
            "topic" => self.topic(kw, args),
            "schema" => self.schema(kw, line),
            "registry" => self.registry(kw, args),
            "producer" => self.producer(kw, args),
            "consumer" => self.consumer(kw, args),
            #[cfg(feature = "groups")]
            "streams" => self.streams(kw, args),
            #[cfg(not(feature = "groups"))]
            "streams" => self.error(crate::groups_unavailable(kw.span)),
            "network" => self.network(kw, args),
            "link" => self.link(kw, args),
            "at" => self.at(kw, args),
            "run" => self.run(kw, args),
            "expect" => self.expect(line),
            other => self.unknown_statement(kw, other),
        }
    }

    fn unknown_statement(&mut self, kw: &Token, word: &str) {
        let e = ParseError::new(kw.span, format!("unknown statement `{word}`"));
        let e = if let Some(s) = suggest(word, STATEMENTS) {
            e.hint(format!("did you mean `{s}`?"))
        } else if crate::faults::FAULTS.contains(&word) {
            e.hint(format!("faults happen at an instant: `at 2s {word} …`"))
        } else if word.contains('=') {
            e.hint("settings go on the line of the statement they belong to, e.g. `topic orders partitions=3`")
        } else {
            e.hint(format!(
                "a line starts with one of: {}",
                STATEMENTS.join(", ")
            ))
        };
        self.error(e);
    }

    /// Reports a repeated once-only statement; returns `false` if it is a repeat.
    fn once(&mut self, kw: &Token, name: &'static str) -> bool {
        if let Some((_, first)) = self.seen.iter().find(|(n, _)| *n == name) {
            let first = *first;
            self.error(
                ParseError::new(kw.span, format!("`{name}` is given twice")).hint(format!(
                    "the first `{name}` is on line {first}; keep only one"
                )),
            );
            return false;
        }
        self.seen.push((name, kw.span.line));
        true
    }

    /// Reports tokens after the expected ones.
    pub fn no_more(&mut self, rest: &[Token], after: &str) {
        if let Some(t) = rest.first() {
            let span = t.span.to(rest[rest.len() - 1].span);
            self.error(ParseError::new(
                span,
                format!("unexpected `{}` after {after}", t.text),
            ));
        }
    }

    /// The single argument of `seed` and `run`, or an error at the keyword.
    fn one_arg<'t>(&mut self, kw: &Token, args: &'t [Token], example: &str) -> Option<&'t Token> {
        match args.first() {
            None => {
                self.error(
                    ParseError::new(kw.span, format!("`{}` needs a value", kw.text))
                        .hint(format!("for example `{example}`")),
                );
                None
            }
            Some(t) => {
                self.no_more(&args[1..], &format!("`{} {}`", kw.text, t.text));
                Some(t)
            }
        }
    }

    fn seed(&mut self, kw: &Token, args: &[Token]) {
        let fresh = self.once(kw, "seed");
        if let Some(t) = self.one_arg(kw, args, "seed 42") {
            match values::uint(&t.text, t.span, "a seed") {
                Ok(v) if fresh => self.spec.seed = v,
                Ok(_) => {}
                Err(e) => self.error(e),
            }
        }
    }

    fn run(&mut self, kw: &Token, args: &[Token]) {
        let fresh = self.once(kw, "run");
        if fresh {
            self.run_span = Some(kw.span);
        }
        if let Some(t) = self.one_arg(kw, args, "run 10s") {
            match values::duration(&t.text, t.span) {
                Ok(0) => self.error(
                    ParseError::new(t.span, "the run must last longer than 0s")
                        .hint("for example `run 10s`"),
                ),
                Ok(us) if fresh => self.spec.run_for = SimTime::from_us(us),
                Ok(_) => {}
                Err(e) => self.error(e),
            }
        }
    }

    fn cluster(&mut self, kw: &Token, args: &[Token]) {
        const OWN: &[&str] = &["brokers", "racks"];
        if !self.once(kw, "cluster") {
            return;
        }
        let allowed: Vec<&str> = OWN
            .iter()
            .chain(khafka_sim::BrokerConfig::KEYS)
            .copied()
            .collect();
        let mut elr_given = false;
        // `kafka.version` sets a release's behaviours; any other key on the line overrides it,
        // wherever it is written.
        let mut pairs = kv::pairs(args, &allowed, &mut self.errors);
        khafka_sim::kernel::small::sort_by(&mut pairs, |a, b| {
            (a.key != "kafka.version").cmp(&(b.key != "kafka.version"))
        });
        for pair in pairs {
            elr_given |= pair.key == "eligible.leader.replicas.enable";
            match pair.key.as_str() {
                "brokers" => {
                    match values::uint32(&pair.value, pair.value_span, "a number of brokers") {
                        Ok(0) => self.error(
                            ParseError::new(pair.value_span, "a cluster needs at least one broker")
                                .hint("for example `brokers=3`"),
                        ),
                        Ok(n) if n > MAX_BROKERS => self.error(ParseError::new(
                            pair.value_span,
                            format!(
                                "{n} brokers is more than the simulator's limit of {MAX_BROKERS}"
                            ),
                        )),
                        Ok(n) => self.spec.cluster.brokers = n,
                        Err(e) => self.error(e),
                    }
                }
                "racks" => {
                    let racks: Vec<String> = pair.value.split(',').map(str::to_string).collect();
                    if racks.iter().any(String::is_empty) {
                        self.error(
                            ParseError::new(pair.value_span, "empty rack name")
                                .hint("list rack names separated by commas: `racks=a,b,c`"),
                        );
                    } else {
                        self.spec.cluster.racks = racks;
                    }
                }
                _ => {
                    let config = &mut self.spec.cluster.config;
                    kv::apply(
                        |k, v| config.set(k, v),
                        &pair,
                        ConfigKind::Broker,
                        OWN,
                        &mut self.errors,
                    );
                }
            }
        }
        if let Err(why) = self.spec.cluster.config.settle(elr_given) {
            self.error(ParseError::new(kw.span, why));
        }
    }

    fn network(&mut self, kw: &Token, args: &[Token]) {
        if !self.once(kw, "network") {
            return;
        }
        let set = self.link_settings(kw, args);
        if let Some((lo, hi)) = set.latency {
            self.spec.network.latency_us_min = lo;
            self.spec.network.latency_us_max = hi;
        }
        if let Some(ppm) = set.loss_ppm {
            self.spec.network.loss_ppm = ppm;
        }
        if let Some(bps) = set.bandwidth_bps {
            self.spec.network.bandwidth_bps = bps;
        }
    }

    /// `latency=`, `loss=` and `bandwidth=` pairs; at least one is required.
    fn link_settings(&mut self, kw: &Token, args: &[Token]) -> LinkSettings {
        const OWN: &[&str] = &["latency", "loss", "bandwidth"];
        let mut set = LinkSettings::default();
        let pairs: Vec<Pair> = kv::pairs(args, OWN, &mut self.errors);
        for pair in &pairs {
            match pair.key.as_str() {
                "latency" => match values::latency(&pair.value, pair.value_span) {
                    Ok(l) => set.latency = Some(l),
                    Err(e) => self.error(e),
                },
                "loss" => match values::loss(&pair.value, pair.value_span) {
                    Ok(l) => set.loss_ppm = Some(l),
                    Err(e) => self.error(e),
                },
                "bandwidth" => match values::bandwidth(&pair.value, pair.value_span) {
                    Ok(b) => set.bandwidth_bps = Some(b),
                    Err(e) => self.error(e),
                },
                _ => self.error(kv::unknown_in(
                    pair,
                    format!("unknown setting `{}`", pair.key),
                    OWN,
                    "a link has `latency=`, `loss=` and `bandwidth=`",
                )),
            }
        }
        if args.is_empty() {
            self.error(
                ParseError::new(
                    kw.span,
                    format!("`{}` needs `latency=`, `loss=` and/or `bandwidth=`", kw.text),
                )
                .hint("for example `latency=1ms loss=0.1%`, `latency=0.5ms..1.5ms` or `bandwidth=10MB/s`"),
            );
        }
        set
    }

    /// Records the references a set of nodes makes.
    pub fn node_refs(&mut self, nodes: &[(NodeRef, Span)]) {
        for (node, span) in nodes {
            match node {
                NodeRef::Broker(id) => self.refs.push(Reference::Broker {
                    id: *id,
                    span: *span,
                }),
                NodeRef::Client(name) => self.refs.push(Reference::Client {
                    name: name.clone(),
                    span: *span,
                    producer_only: false,
                }),
                NodeRef::Controller => {}
                NodeRef::QuorumController(id) => self.refs.push(Reference::Controller {
                    id: *id,
                    span: *span,
                }),
            }
        }
    }

    /// Parses `FROM -> TO settings…` or `FROM <-> TO settings…` (after the word `link`) into one
    /// override per direction. Link settings not given are filled in from `network` at the end.
    pub fn link_overrides(&mut self, kw: &Token, args: &[Token]) -> Option<LinkParts> {
        let usage = "write `link FROM -> TO latency=…` or `link FROM <-> TO …`, e.g. `link 1 <-> {2,3} loss=5%`";
        let (Some(from), Some(arrow), Some(to)) = (args.first(), args.get(1), args.get(2)) else {
            let span = args.first().map_or(kw.span, |t| kw.span.to(t.span));
            self.error(ParseError::new(span, "incomplete `link`").hint(usage));
            return None;
        };
        let both = match arrow.text.as_str() {
            "->" => false,
            "<->" => true,
            _ => {
                self.error(
                    ParseError::new(
                        arrow.span,
                        format!("expected `->` or `<->`, found `{}`", arrow.text),
                    )
                    .hint(usage),
                );
                return None;
            }
        };
        let from_nodes = values::node_set(&from.text, from.span);
        let to_nodes = values::node_set(&to.text, to.span);
        let settings = self.link_settings(kw, &args[3..]);
        let (from_nodes, to_nodes) = match (from_nodes, to_nodes) {
            (Ok(f), Ok(t)) => (f, t),
            (f, t) => {
                self.errors.extend(f.err());
                self.errors.extend(t.err());
                return None;
            }
        };
        self.node_refs(&from_nodes);
        self.node_refs(&to_nodes);
        let strip = |v: Vec<(NodeRef, Span)>| v.into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        let (f, t) = (strip(from_nodes), strip(to_nodes));
        let mut out = vec![LinkOverride {
            from: f.clone(),
            to: t.clone(),
            link: LinkSpec::default(),
        }];
        if both {
            out.push(LinkOverride {
                from: t,
                to: f,
                link: LinkSpec::default(),
            });
        }
        Some((out, settings))
    }

    fn link(&mut self, kw: &Token, args: &[Token]) {
        if let Some((overrides, set)) = self.link_overrides(kw, args) {
            for o in overrides {
                self.links.push(PendingLink {
                    target: LinkTarget::Static(self.spec.links.len()),
                    latency: set.latency,
                    loss_ppm: set.loss_ppm,
                    bandwidth_bps: set.bandwidth_bps,
                });
                self.spec.links.push(o);
            }
        }
    }

    fn expect(&mut self, line: &Line) {
        let (text, column) = line.rest_from(1);
        if text.is_empty() {
            let kw = &line.tokens[0];
            self.error(
                ParseError::new(kw.span, "`expect` needs a condition")
                    .hint("for example `expect lost == 0` or `expect isr(orders-0) == {1,2,3}`"),
            );
            return;
        }
        match crate::expect::parse(&text, line.number, column) {
            Ok((expect, refs)) => {
                self.refs.extend(refs);
                self.expects.push(expect);
            }
            Err(e) => self.error(e),
        }
    }

    /// Kafka's `LogValidator` refuses a record without a key on a compacted topic ("Compacted
    /// topic cannot accept message without key", `INVALID_RECORD`): a producer without keys on a
    /// topic that is compacted, or made so by `set topic`, is refused here.
    fn check_keyless_on_compacted(&mut self) {
        let defaults = self.spec.cluster.config.log.clone();
        for (topic, span) in std::mem::take(&mut self.keyless) {
            let declared = self
                .spec
                .topics
                .iter()
                .find(|t| t.name == topic)
                .is_some_and(|t| defaults.resolve(&t.config.log).cleanup.compact);
            let later = self.spec.schedule.iter().any(|s| {
                matches!(&s.fault, khafka_sim::Fault::SetTopicConfig { topic: t, key, value }
                    if *t == topic && key == "cleanup.policy" && value.contains("compact"))
            });
            if declared || later {
                self.error(
                    ParseError::new(
                        span,
                        format!("topic `{topic}` is compacted: a producer to it needs keys"),
                    )
                    .hint("add `keys=`, e.g. `keys=user-0..9`: compaction keeps the latest value of each key")
                    .kafka("INVALID_RECORD"),
                );
            }
        }
    }

    /// Whether a `run` line was read.
    pub fn has_run_line(&self) -> bool {
        self.run_span.is_some()
    }

    /// Second pass: topic defaults, references, link defaults. Returns the errors sorted by position.
    pub fn finish(mut self) -> (ScenarioSpec, Vec<Expect>, Vec<ParseError>) {
        self.resolve_topics();
        self.resolve_formats();
        #[cfg(feature = "groups")]
        self.add_streams();
        let refs = std::mem::take(&mut self.refs);
        for r in &refs {
            if let Some(e) = self.check(r) {
                self.errors.push(e);
            }
        }
        self.check_keyless_on_compacted();
        let network = self.spec.network.clone();
        for pending in &self.links {
            let mut link = network.clone();
            if let Some((lo, hi)) = pending.latency {
                link.latency_us_min = lo;
                link.latency_us_max = hi;
            }
            if let Some(ppm) = pending.loss_ppm {
                link.loss_ppm = ppm;
            }
            if let Some(bps) = pending.bandwidth_bps {
                link.bandwidth_bps = bps;
            }
            match pending.target {
                LinkTarget::Static(i) => {
                    if let Some(o) = self.spec.links.get_mut(i) {
                        o.link = link;
                    }
                }
                LinkTarget::Scheduled(i) => {
                    if let Some(khafka_sim::spec::Scheduled {
                        fault: khafka_sim::Fault::Link(o),
                        ..
                    }) = self.spec.schedule.get_mut(i)
                    {
                        o.link = link;
                    }
                }
            }
        }
        // The run as a whole must fit the simulator's budget (only judged on a valid scenario).
        if self.errors.is_empty() {
            if let Err(why) = khafka_sim::budget::check(&self.spec) {
                let span = self.run_span.unwrap_or(Span::new(1, 1, 0));
                self.errors
                    .push(ParseError::new(span, format!("{TOO_LARGE}{why}")).hint(
                    "the simulator keeps every record of a run in memory (about 200 bytes each) \
                     and takes at most 100 million events per run",
                ));
            }
        }
        khafka_sim::kernel::small::sort_by(&mut self.errors, |a, b| {
            (a.line, a.column).cmp(&(b.line, b.column))
        });
        self.errors.dedup();
        if self.errors.len() > MAX_ERRORS {
            let more = self.errors.len() - MAX_ERRORS;
            let next = self.errors[MAX_ERRORS].clone();
            self.errors.truncate(MAX_ERRORS);
            self.errors.push(
                ParseError::new(
                    Span::new(next.line, next.column, next.len),
                    format!("… and {more} more errors (only the first {MAX_ERRORS} are listed)"),
                )
                .hint("fix these first; the rest are often the same mistake"),
            );
        }
        (self.spec, self.expects, self.errors)
    }
}
