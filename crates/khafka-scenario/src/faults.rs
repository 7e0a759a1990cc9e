//! `at TIME FAULT`: the fault schedule.
//!
//! ```text
//! at 2s crash broker 1 [lose-unflushed]      at 2s shutdown broker leader(orders-0)
//! at 5s restart broker 1                     at 2s partition {1} | {2,3}      (or {1}|{2}|{3})
//! at 2s partition {1} -> {2,3}  (one way)    at 2s isolate broker 1 / isolate p1 / isolate controller
//! at 6s heal                                 at 2s slow broker 2 by=50ms / slow broker 2 off
//! at 2s link 1 <-> 2 loss=5%                 at 8s elect preferred [orders-0]
//! at 3s set topic orders min.insync.replicas=1
//! at 3s pause producer p1                    at 4s resume producer p1
//! at 5s crash consumer c1                    at 9s restart consumer c1
//! at 7s stop consumer c2     (close(): commit, LeaveGroup)
//! at 5s crash streams s1                   at 9s restart streams s1   (stop streams s1: close())
//! at 8s seek consumer c1 orders-0 42         (or beginning, end)
//! at 9s reset-offsets g1 orders to-earliest  (or orders:0; to-latest, to-current, to-offset=N,
//!                                             shift-by=N, to-datetime=5s; [dry-run])
//! at 2s crash controller 1                   at 9s restart controller 1   (with `controllers=N`)
//! at 2s isolate controller 2                 at 2s partition {controller 1} | {controller 2, controller 3}
//! at 10s add broker 4                        (a new broker joins: ids follow `brokers=`)
//! at 20s reassign orders-0 replicas=2,3,4    (`kafka-reassign-partitions --execute`, KIP-455)
//! ```
//!
//! The word `broker` is optional before a broker (`crash 1` works), and so is `producer` before a
//! producer name. Faults keep the order they are written in; a fault at a time after the end of the
//! run simply never happens.

use crate::errors::ParseError;
use crate::kv::{self, ConfigKind};
use crate::lexer::Token;
use crate::parser::{LinkTarget, Parser, PendingLink};
use crate::resolve::Reference;
use crate::suggest::suggest;
use crate::values::{self, BrokerArg};
use khafka_sim::spec::{BrokerRef, Fault, NodeRef, Scheduled};
use khafka_sim::{SimTime, TopicConfig};

/// Every fault keyword.
pub const FAULTS: &[&str] = &[
    "crash",
    "shutdown",
    "restart",
    "partition",
    "isolate",
    "heal",
    "slow",
    "link",
    "elect",
    "set",
    "pause",
    "resume",
    "stop",
    "seek",
    "reset-offsets",
    "add",
    "reassign",
    "producer",
];

impl Parser {
    pub(crate) fn at(&mut self, kw: &Token, args: &[Token]) {
        let Some(time) = args.first() else {
            self.error(
                ParseError::new(kw.span, "`at` needs a time and a fault")
                    .hint("for example `at 2s crash broker 1`"),
            );
            return;
        };
        let at = match values::duration(&time.text, time.span) {
            Ok(us) => SimTime::from_us(us),
            Err(e) => {
                self.error(e);
                return;
            }
        };
        let Some(fault) = args.get(1) else {
            self.error(
                ParseError::new(time.span, format!("nothing happens `at {}`", time.text))
                    .hint(format!("add a fault: {}", FAULTS.join(", "))),
            );
            return;
        };
        let rest = &args[2..];
        if fault.text == "producer" {
            self.producer_change(at, fault, rest);
            return;
        }
        let faults = match fault.text.as_str() {
            // `crash consumer C` and `crash streams S` (and restart, stop): group features.
            "crash" | "restart" | "stop"
                if rest
                    .first()
                    .is_some_and(|t| t.text == "consumer" || t.text == "streams") =>
            {
                #[cfg(feature = "groups")]
                {
                    self.process_fault(fault, &rest[1..], rest[0].text == "streams")
                }
                #[cfg(not(feature = "groups"))]
                {
                    let end = rest.get(1).unwrap_or(&rest[0]).span;
                    self.error(crate::groups_unavailable(fault.span.to(end)));
                    None
                }
            }
            #[cfg(feature = "groups")]
            "seek" => self.seek(fault, rest),
            #[cfg(feature = "groups")]
            "reset-offsets" => self.reset_offsets(fault, rest),
            #[cfg(not(feature = "groups"))]
            "seek" | "reset-offsets" => {
                let end = rest.last().map_or(fault.span, |t| t.span);
                self.error(crate::groups_unavailable(fault.span.to(end)));
                None
            }
            "stop" => {
                self.error(ParseError::new(fault.span, "`stop` needs a consumer").hint(
                    "for example `stop consumer c1` (brokers stop with `shutdown broker B`)",
                ));
                None
            }
            "crash" => self.crash(fault, rest),
            "shutdown" => self
                .broker_then_end(fault, rest)
                .map(|broker| vec![Fault::Shutdown { broker }]),
            "restart" if rest.first().is_some_and(|t| t.text == "controller") => {
                self.controller_arg(fault, rest).map(|(controller, more)| {
                    self.no_more(more, &format!("`restart controller {controller}`"));
                    vec![Fault::RestartController { controller }]
                })
            }
            "restart" => self
                .broker_then_end(fault, rest)
                .map(|broker| vec![Fault::Restart { broker }]),
            "partition" => self.partition(fault, rest),
            "isolate" => self.isolate(fault, rest),
            "heal" => {
                self.no_more(rest, "`heal`");
                Some(vec![Fault::Heal])
            }
            "slow" => self.slow(fault, rest),
            "link" => self.link_fault(fault, rest, at),
            "elect" => self.elect(fault, rest),
            "add" => self.add_broker(fault, rest),
            "reassign" => self.reassign(fault, rest),
            "set" => self.set_topic(fault, rest),
            "pause" | "resume" => self.pause_resume(fault, rest),
            other => {
                let e = ParseError::new(fault.span, format!("unknown fault `{other}`"));
                // Words for a broker's death that are not the language's.
                let crash =
                    matches!(other, "kill" | "fail" | "down" | "terminate").then_some("crash");
                self.error(match suggest(other, FAULTS).or(crash) {
                    Some(s) => e.hint(format!("did you mean `{s}`?")),
                    None => e.hint(format!("faults are: {}", FAULTS.join(", "))),
                });
                None
            }
        };
        for fault in faults.into_iter().flatten() {
            self.spec.schedule.push(Scheduled { at, fault });
        }
    }

    /// `[broker] B`, returning the broker and the tokens after it.
    fn broker_arg<'t>(
        &mut self,
        kw: &Token,
        args: &'t [Token],
    ) -> Option<(BrokerRef, &'t [Token])> {
        let args = match args.first() {
            Some(t) if t.text == "broker" => &args[1..],
            _ => args,
        };
        let Some(t) = args.first() else {
            self.error(
                ParseError::new(kw.span, format!("`{}` needs a broker", kw.text)).hint(format!(
                    "for example `{} broker 1` or `{} broker leader(orders-0)`",
                    kw.text, kw.text
                )),
            );
            return None;
        };
        match values::broker_ref(&t.text, t.span) {
            Ok(BrokerArg::Id(id, span)) => {
                self.refs.push(Reference::Broker { id, span });
                Some((BrokerRef::Id(id), &args[1..]))
            }
            Ok(BrokerArg::LeaderOf(tp, span)) => {
                self.refs.push(Reference::Partition {
                    tp: tp.clone(),
                    span,
                });
                Some((BrokerRef::LeaderOf(tp), &args[1..]))
            }
            Err(e) => {
                self.error(e);
                None
            }
        }
    }

    fn broker_then_end(&mut self, kw: &Token, args: &[Token]) -> Option<BrokerRef> {
        let (broker, rest) = self.broker_arg(kw, args)?;
        self.no_more(rest, &format!("`{} broker {broker}`", kw.text));
        Some(broker)
    }

    /// `controller N` after `crash`, `restart` or `isolate`: the controller's id and what follows.
    fn controller_arg<'t>(&mut self, kw: &Token, args: &'t [Token]) -> Option<(u32, &'t [Token])> {
        let word = args.first()?;
        let Some(id) = args.get(1) else {
            self.error(
                ParseError::new(
                    word.span,
                    format!("`{} controller` needs a controller id", kw.text),
                )
                .hint(format!("for example `{} controller 1`", kw.text)),
            );
            return None;
        };
        match values::uint32(&id.text, id.span, "a controller id") {
            Ok(n) => {
                self.refs.push(Reference::Controller {
                    id: n,
                    span: word.span.to(id.span),
                });
                Some((n, &args[2..]))
            }
            Err(e) => {
                self.error(e);
                None
            }
        }
    }

    fn crash(&mut self, kw: &Token, args: &[Token]) -> Option<Vec<Fault>> {
        if args.first().is_some_and(|t| t.text == "controller") {
            let (controller, rest) = self.controller_arg(kw, args)?;
            self.no_more(rest, &format!("`crash controller {controller}`"));
            return Some(vec![Fault::CrashController { controller }]);
        }
        let (broker, rest) = self.broker_arg(kw, args)?;
        let mut lose_unflushed = false;
        match rest.first() {
            None => {}
            Some(t) if t.text == "lose-unflushed" => {
                lose_unflushed = true;
                self.no_more(&rest[1..], "`lose-unflushed`");
            }
            Some(t) => {
                let e = ParseError::new(
                    t.span,
                    format!("unexpected `{}` after `crash broker {broker}`", t.text),
                );
                self.error(match suggest(&t.text, &["lose-unflushed"]) {
                    Some(s) => e.hint(format!("did you mean `{s}`?")),
                    None => e.hint("the only option of `crash` is `lose-unflushed`"),
                });
                return None;
            }
        }
        Some(vec![Fault::Crash {
            broker,
            lose_unflushed,
        }])
    }

    fn partition(&mut self, kw: &Token, args: &[Token]) -> Option<Vec<Fault>> {
        let usage =
            "write `partition {1} | {2,3}` (both ways) or `partition {1} -> {2,3}` (one way)";
        let mut groups: Vec<Vec<(NodeRef, crate::errors::Span)>> = Vec::new();
        let mut separators: Vec<&Token> = Vec::new();
        let mut failed = false;
        let mut expect_group = true;
        for t in args {
            let is_sep = t.text == "|" || t.text == "->";
            if expect_group == is_sep {
                let msg = if is_sep {
                    format!("expected a node or `{{…}}` set before `{}`", t.text)
                } else {
                    format!("expected `|` or `->` before `{}`", t.text)
                };
                self.error(ParseError::new(t.span, msg).hint(usage));
                return None;
            }
            if is_sep {
                separators.push(t);
            } else {
                match values::node_set(&t.text, t.span) {
                    Ok(g) => groups.push(g),
                    Err(e) => {
                        self.error(e);
                        failed = true;
                        groups.push(Vec::new());
                    }
                }
            }
            expect_group = is_sep;
        }
        if expect_group || groups.len() < 2 {
            let span = args.last().map_or(kw.span, |t| kw.span.to(t.span));
            self.error(
                ParseError::new(span, "a partition needs at least two groups of nodes").hint(usage),
            );
            return None;
        }
        let one_way = separators.iter().any(|t| t.text == "->");
        if one_way && groups.len() > 2 {
            let t = separators
                .iter()
                .find(|t| t.text == "->")
                .map_or(kw, |t| *t);
            self.error(
                ParseError::new(t.span, "a one-way partition (`->`) has exactly two groups")
                    .hint("use `|` between groups to cut them off both ways"),
            );
            return None;
        }
        let mut seen: Vec<&NodeRef> = Vec::new();
        for (node, span) in groups.iter().flatten() {
            if seen.contains(&node) {
                self.error(ParseError::new(*span, format!("`{node}` is in two groups")));
                failed = true;
            }
            seen.push(node);
        }
        if failed {
            return None;
        }
        for g in &groups {
            self.node_refs(g);
        }
        Some(vec![Fault::Partition {
            groups: groups
                .into_iter()
                .map(|g| g.into_iter().map(|(n, _)| n).collect())
                .collect(),
            one_way,
        }])
    }

    fn isolate(&mut self, kw: &Token, args: &[Token]) -> Option<Vec<Fault>> {
        let (broker_word, args) = match args.first() {
            Some(t) if t.text == "broker" => (true, &args[1..]),
            _ => (false, args),
        };
        if !broker_word && args.first().is_some_and(|t| t.text == "controller") && args.len() > 1 {
            let (controller, rest) = self.controller_arg(kw, args)?;
            self.no_more(rest, &format!("`isolate controller {controller}`"));
            return Some(vec![Fault::Isolate {
                node: NodeRef::QuorumController(controller),
            }]);
        }
        let Some(t) = args.first() else {
            self.error(
                ParseError::new(kw.span, "`isolate` needs a node")
                    .hint("for example `isolate broker 1`, `isolate p1` or `isolate controller`"),
            );
            return None;
        };
        let node = match values::node(&t.text, t.span) {
            Ok(n) => n,
            Err(e) => {
                self.error(e);
                return None;
            }
        };
        if broker_word && !matches!(node.0, NodeRef::Broker(_)) {
            self.error(
                ParseError::new(t.span, format!("`{}` is not a broker id", t.text)).hint(format!(
                    "write `isolate {}` to isolate a client or the controller",
                    t.text
                )),
            );
            return None;
        }
        self.no_more(&args[1..], &format!("`isolate {}`", t.text));
        self.node_refs(std::slice::from_ref(&node));
        Some(vec![Fault::Isolate { node: node.0 }])
    }

    fn slow(&mut self, kw: &Token, args: &[Token]) -> Option<Vec<Fault>> {
        let (broker, rest) = self.broker_arg(kw, args)?;
        let usage = format!(
            "write `slow broker {broker} by=50ms`, or `slow broker {broker} off` to end it"
        );
        let Some(t) = rest.first() else {
            self.error(ParseError::new(kw.span, "`slow` needs `by=DURATION` or `off`").hint(usage));
            return None;
        };
        let extra_us = if t.text == "off" {
            0
        } else if let Some(v) = t.text.strip_prefix("by=") {
            let span = values::sub(t.span, 3, v.chars().count().max(1));
            match values::duration(v, span) {
                // As long as the longest link latency: a request answered a minute late has long
                // timed out at its client (`request.timeout.ms` is 30 s by default).
                Ok(us) if us > khafka_sim::network::MAX_LATENCY_US => {
                    self.error(
                        ParseError::new(span, format!("a slow broker's delay is at most 60s, found `{v}`"))
                            .hint("a broker that answers a minute late is as good as down: `crash broker` shows that"),
                    );
                    return None;
                }
                Ok(us) => us,
                Err(e) => {
                    self.error(e);
                    return None;
                }
            }
        } else {
            self.error(
                ParseError::new(
                    t.span,
                    format!("expected `by=DURATION` or `off`, found `{}`", t.text),
                )
                .hint(usage),
            );
            return None;
        };
        self.no_more(&rest[1..], &format!("`{}`", t.text));
        Some(vec![Fault::Slow { broker, extra_us }])
    }

    fn link_fault(&mut self, kw: &Token, args: &[Token], at: SimTime) -> Option<Vec<Fault>> {
        let (overrides, set) = self.link_overrides(kw, args)?;
        // Pushed here rather than returned so each can be patched with the `network` defaults later.
        for o in overrides {
            self.links.push(PendingLink {
                target: LinkTarget::Scheduled(self.spec.schedule.len()),
                latency: set.latency,
                loss_ppm: set.loss_ppm,
                bandwidth_bps: set.bandwidth_bps,
            });
            self.spec.schedule.push(Scheduled {
                at,
                fault: Fault::Link(o),
            });
        }
        Some(Vec::new())
    }

    fn elect(&mut self, kw: &Token, args: &[Token]) -> Option<Vec<Fault>> {
        match args.first() {
            Some(t) if t.text == "preferred" => {}
            Some(t) => {
                self.error(
                    ParseError::new(t.span, format!("unsupported election type `{}`", t.text))
                        .hint("only `elect preferred [TOPIC-PARTITION]` is supported; unclean election is `set topic T unclean.leader.election.enable=true`"),
                );
                return None;
            }
            None => {
                self.error(
                    ParseError::new(kw.span, "`elect` needs an election type").hint(
                        "write `elect preferred` (all partitions) or `elect preferred orders-0`",
                    ),
                );
                return None;
            }
        }
        let partition = match args.get(1) {
            None => None,
            Some(t) => match values::topic_partition(&t.text, t.span) {
                Ok(tp) => {
                    self.refs.push(Reference::Partition {
                        tp: tp.clone(),
                        span: t.span,
                    });
                    Some(tp)
                }
                Err(e) => {
                    self.error(e);
                    return None;
                }
            },
        };
        self.no_more(args.get(2..).unwrap_or(&[]), "the partition");
        Some(vec![Fault::ElectPreferred { partition }])
    }

    /// `add broker N`: a broker that joins the running cluster. The check that `N` is the next id
    /// (`brokers + 1`, then `+ 2`, … in the order the lines are written) waits for the cluster line.
    fn add_broker(&mut self, kw: &Token, args: &[Token]) -> Option<Vec<Fault>> {
        let usage =
            "for example `at 10s add broker 4` (with `brokers=3`, the first broker added is 4)";
        let args = match args.first() {
            Some(t) if t.text == "broker" => &args[1..],
            Some(t) => {
                self.error(
                    ParseError::new(t.span, format!("`add` adds a broker, not `{}`", t.text))
                        .hint(usage),
                );
                return None;
            }
            None => {
                self.error(ParseError::new(kw.span, "`add` needs `broker N`").hint(usage));
                return None;
            }
        };
        let Some(t) = args.first() else {
            self.error(
                ParseError::new(kw.span, "`add broker` needs the new broker's id").hint(usage),
            );
            return None;
        };
        let id = match values::uint32(&t.text, t.span, "a broker id") {
            Ok(id) => id,
            Err(e) => {
                self.error(e);
                return None;
            }
        };
        self.no_more(&args[1..], &format!("`add broker {id}`"));
        let nth = self
            .spec
            .schedule
            .iter()
            .filter(|s| matches!(s.fault, Fault::AddBroker { .. }))
            .count() as u32
            + 1;
        self.refs.push(Reference::AddedBroker {
            id,
            nth,
            span: t.span,
        });
        Some(vec![Fault::AddBroker { broker: id }])
    }

    /// `reassign TOPIC-P replicas=B,B,…`: `kafka-reassign-partitions --execute` for one partition.
    /// What can be checked before the run is (an empty list, a broker twice, a broker that never
    /// exists: `INVALID_REPLICA_ASSIGNMENT`); a broker not registered yet is refused when it runs.
    fn reassign(&mut self, kw: &Token, args: &[Token]) -> Option<Vec<Fault>> {
        let usage = "for example `at 20s reassign orders-0 replicas=2,3,4`";
        let Some(t) = args.first() else {
            self.error(
                ParseError::new(kw.span, "`reassign` needs a partition and `replicas=`")
                    .hint(usage),
            );
            return None;
        };
        let tp = match values::topic_partition(&t.text, t.span) {
            Ok(tp) => tp,
            Err(e) => {
                self.error(e.hint(usage));
                return None;
            }
        };
        #[cfg(feature = "groups")]
        if tp.topic == khafka_sim::coordinator::group::offsets_topic::NAME {
            self.error(
                ParseError::new(
                    t.span,
                    "the simulator does not reassign `__consumer_offsets`",
                )
                .hint("reassign a partition of one of the scenario's topics"),
            );
            return None;
        }
        self.refs.push(Reference::Partition {
            tp: tp.clone(),
            span: t.span,
        });
        let Some(r) = args.get(1) else {
            self.error(
                ParseError::new(t.span, format!("`reassign {tp}` needs `replicas=`")).hint(usage),
            );
            return None;
        };
        let Some(list) = r.text.strip_prefix("replicas=") else {
            self.error(
                ParseError::new(r.span, format!("expected `replicas=…`, found `{}`", r.text))
                    .hint(usage),
            );
            return None;
        };
        let vspan = values::sub(r.span, 9, list.chars().count().max(1));
        let groups = match values::replicas(list, vspan) {
            Ok(g) => g,
            Err(e) => {
                self.error(e.kafka("INVALID_REPLICA_ASSIGNMENT"));
                return None;
            }
        };
        self.no_more(&args[2..], &format!("`reassign {tp} {}`", r.text));
        if groups.len() != 1 {
            self.error(
                ParseError::new(vspan, "`reassign` takes one replica list (one partition)")
                    .hint(usage)
                    .kafka("INVALID_REPLICA_ASSIGNMENT"),
            );
            return None;
        }
        let group = &groups[0];
        if group.is_empty() {
            self.error(
                ParseError::new(
                    vspan,
                    "The manual partition assignment includes an empty replica list.",
                )
                .kafka("INVALID_REPLICA_ASSIGNMENT"),
            );
            return None;
        }
        let mut ok = true;
        for (i, (b, s)) in group.iter().enumerate() {
            if group[..i].iter().any(|(o, _)| o == b) {
                self.error(
                    ParseError::new(
                        *s,
                        format!("The manual partition assignment includes the broker {b} more than once."),
                    )
                    .kafka("INVALID_REPLICA_ASSIGNMENT"),
                );
                ok = false;
            } else {
                self.refs.push(Reference::Broker { id: *b, span: *s });
            }
        }
        ok.then(|| {
            vec![Fault::Reassign {
                partition: tp,
                replicas: group.iter().map(|(b, _)| *b).collect(),
            }]
        })
    }

    fn set_topic(&mut self, kw: &Token, args: &[Token]) -> Option<Vec<Fault>> {
        let usage =
            "write `set topic NAME key=value`, e.g. `set topic orders min.insync.replicas=1`";
        match args.first() {
            Some(t) if t.text == "topic" => {}
            Some(t) => {
                self.error(
                    ParseError::new(t.span, format!("expected `topic`, found `{}`", t.text))
                        .hint(usage),
                );
                return None;
            }
            None => {
                self.error(
                    ParseError::new(kw.span, "`set` needs a topic and a setting").hint(usage),
                );
                return None;
            }
        }
        let Some(name) = args.get(1).filter(|t| !t.text.contains('=')) else {
            self.error(ParseError::new(args[0].span, "`set topic` needs a topic name").hint(usage));
            return None;
        };
        self.refs.push(Reference::Topic {
            name: name.text.clone(),
            span: name.span,
        });
        let pairs = kv::pairs(&args[2..], TopicConfig::KEYS, &mut self.errors);
        if args.len() == 2 {
            self.error(
                ParseError::new(
                    name.span,
                    format!("`set topic {}` needs a setting", name.text),
                )
                .hint(usage),
            );
        }
        let mut faults = Vec::new();
        for pair in pairs {
            let mut scratch = TopicConfig::default();
            let before = self.errors.len();
            kv::apply(
                |k, v| scratch.set(k, v),
                &pair,
                ConfigKind::Topic,
                &[],
                &mut self.errors,
            );
            if self.errors.len() == before {
                faults.push(Fault::SetTopicConfig {
                    topic: name.text.clone(),
                    key: pair.key,
                    value: pair.value,
                });
            }
        }
        Some(faults)
    }

    /// `crash consumer C`, `restart consumer C`, `stop consumer C`; and the same of a Kafka
    /// Streams instance with `streams` (`streams` is true).
    #[cfg(feature = "groups")]
    fn process_fault(&mut self, kw: &Token, args: &[Token], streams: bool) -> Option<Vec<Fault>> {
        let (what, needs, example) = if streams {
            ("streams", "an instance", "counter")
        } else {
            ("consumer", "a consumer", "c1")
        };
        let Some(t) = args.first() else {
            self.error(
                ParseError::new(kw.span, format!("`{} {what}` needs {needs}", kw.text))
                    .hint(format!("for example `{} {what} {example}`", kw.text)),
            );
            return None;
        };
        self.no_more(&args[1..], &format!("`{} {what} {}`", kw.text, t.text));
        let (name, span) = (t.text.clone(), t.span);
        self.refs.push(if streams {
            Reference::Streams { name, span }
        } else {
            Reference::Consumer { name, span }
        });
        let n = t.text.clone();
        Some(vec![match (kw.text.as_str(), streams) {
            ("crash", false) => Fault::CrashConsumer { consumer: n },
            ("restart", false) => Fault::RestartConsumer { consumer: n },
            (_, false) => Fault::StopConsumer { consumer: n },
            ("crash", true) => Fault::CrashStreams { streams: n },
            ("restart", true) => Fault::RestartStreams { streams: n },
            (_, true) => Fault::StopStreams { streams: n },
        }])
    }

    /// `seek consumer C TOPIC-P (OFFSET | beginning | end)`.
    #[cfg(feature = "groups")]
    fn seek(&mut self, kw: &Token, args: &[Token]) -> Option<Vec<Fault>> {
        use khafka_sim::spec::SeekTo;
        let usage = "write `seek consumer C TOPIC-P OFFSET` (or `beginning`, `end`), e.g. \
                     `seek consumer c1 orders-0 42`";
        if let Some(word) = args.first().filter(|w| w.text != "consumer") {
            self.error(
                ParseError::new(
                    word.span,
                    format!("expected `consumer`, found `{}`", word.text),
                )
                .hint(usage),
            );
            return None;
        }
        let (Some(_), Some(c), Some(tp), Some(to)) =
            (args.first(), args.get(1), args.get(2), args.get(3))
        else {
            let span = args.last().map_or(kw.span, |t| kw.span.to(t.span));
            self.error(
                ParseError::new(span, "`seek` needs a consumer, a partition and where to")
                    .hint(usage),
            );
            return None;
        };
        self.no_more(&args[4..], "`seek consumer C TOPIC-P OFFSET`");
        let partition = match values::topic_partition(&tp.text, tp.span) {
            Ok(p) => p,
            Err(e) => {
                self.error(e);
                return None;
            }
        };
        let target = match to.text.as_str() {
            "beginning" => SeekTo::Beginning,
            "end" => SeekTo::End,
            n => match n.parse::<u64>() {
                Ok(o) if o <= i64::MAX as u64 => SeekTo::Offset(o),
                _ => {
                    self.error(
                        ParseError::new(
                            to.span,
                            format!("expected an offset (0 to 2^63 - 1), `beginning` or `end`, found `{n}`"),
                        )
                        .hint(usage),
                    );
                    return None;
                }
            },
        };
        self.refs.push(Reference::Consumer {
            name: c.text.clone(),
            span: c.span,
        });
        self.refs.push(Reference::ConsumerPartition {
            consumer: c.text.clone(),
            tp: partition.clone(),
            span: tp.span,
        });
        Some(vec![Fault::Seek {
            consumer: c.text.clone(),
            partition,
            to: target,
        }])
    }

    /// `reset-offsets GROUP (TOPIC | TOPIC-P) SCENARIO [dry-run]`, as `kafka-consumer-groups
    /// --reset-offsets --group GROUP --topic TOPIC[:P] --SCENARIO [--dry-run | --execute]`.
    #[cfg(feature = "groups")]
    fn reset_offsets(&mut self, kw: &Token, args: &[Token]) -> Option<Vec<Fault>> {
        use khafka_sim::spec::ResetTo;
        let usage = "write `reset-offsets GROUP TOPIC to-earliest` (or TOPIC:P; to-latest, \
                     to-current, to-offset=N, shift-by=N, to-datetime=TIME; then `dry-run` to only \
                     show the plan)";
        let (Some(g), Some(target), Some(how)) = (args.first(), args.get(1), args.get(2)) else {
            let span = args.last().map_or(kw.span, |t| kw.span.to(t.span));
            self.error(
                ParseError::new(
                    span,
                    "`reset-offsets` needs a group, a topic and a scenario",
                )
                .hint(usage),
            );
            return None;
        };
        let dry_run = match args.get(3) {
            Some(t) if t.text == "dry-run" => {
                self.no_more(&args[4..], "`dry-run`");
                true
            }
            Some(t) if t.text == "execute" => {
                self.no_more(&args[4..], "`execute`");
                false
            }
            Some(_) => {
                self.no_more(&args[3..], &format!("`{}`", how.text));
                false
            }
            None => false,
        };
        // A topic, or one partition of it as the tool writes it (`--topic orders:0`).
        let (topic, partition) = match target.text.split_once(':') {
            Some((t, p)) => {
                let Ok(p) = p.parse::<u32>() else {
                    self.error(
                        ParseError::new(
                            target.span,
                            format!(
                                "expected `TOPIC` or `TOPIC:PARTITION`, found `{}`",
                                target.text
                            ),
                        )
                        .hint("e.g. `orders` (every partition) or `orders:0`"),
                    );
                    return None;
                };
                let tp = khafka_sim::TopicPartition {
                    topic: t.to_string(),
                    partition: p,
                };
                self.refs.push(Reference::Partition {
                    tp,
                    span: target.span,
                });
                (t.to_string(), Some(p))
            }
            None => {
                self.refs.push(Reference::Topic {
                    name: target.text.clone(),
                    span: target.span,
                });
                (target.text.clone(), None)
            }
        };
        let (name, value) = match how.text.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (how.text.as_str(), None),
        };
        let bad = |msg: String| ParseError::new(how.span, msg).hint(usage);
        let to = match (name, value) {
            ("to-earliest", None) => ResetTo::Earliest,
            ("to-latest", None) => ResetTo::Latest,
            ("to-current", None) => ResetTo::Current,
            ("to-offset", Some(v)) => match v.parse::<u64>() {
                Ok(n) if n <= i64::MAX as u64 => ResetTo::Offset(n),
                _ => {
                    self.error(bad(format!(
                        "`to-offset` takes an offset (0 to 2^63 - 1), not `{v}`"
                    )));
                    return None;
                }
            },
            ("shift-by", Some(v)) => match v.parse::<i64>() {
                Ok(n) => ResetTo::ShiftBy(n),
                _ => {
                    self.error(bad(format!(
                        "`shift-by` takes a whole number of offsets (Kafka's long), not `{v}`"
                    )));
                    return None;
                }
            },
            ("to-datetime", Some(v)) => match values::duration(v, how.span) {
                Ok(us) => ResetTo::Datetime(us),
                Err(e) => {
                    self.error(
                        e.hint("`to-datetime` takes a time of the run, e.g. `to-datetime=5s`"),
                    );
                    return None;
                }
            },
            ("to-offset" | "shift-by" | "to-datetime", None) => {
                self.error(bad(format!("`{name}` needs a value: `{name}=…`")));
                return None;
            }
            (n, _) => {
                let known = [
                    "to-earliest",
                    "to-latest",
                    "to-current",
                    "to-offset",
                    "shift-by",
                    "to-datetime",
                ];
                let e = bad(format!("unknown reset scenario `{n}`"));
                self.error(match suggest(n, &known) {
                    Some(s) => e.hint(format!("did you mean `{s}`?")),
                    None => e,
                });
                return None;
            }
        };
        self.refs.push(Reference::Group {
            name: g.text.clone(),
            span: g.span,
        });
        Some(vec![Fault::ResetOffsets(khafka_sim::spec::ResetOffsets {
            group: g.text.clone(),
            topic,
            partition,
            to,
            dry_run,
        })])
    }

    fn pause_resume(&mut self, kw: &Token, args: &[Token]) -> Option<Vec<Fault>> {
        let args = match args.first() {
            Some(t) if t.text == "producer" => &args[1..],
            _ => args,
        };
        let Some(t) = args.first() else {
            self.error(
                ParseError::new(kw.span, format!("`{}` needs a producer", kw.text))
                    .hint(format!("for example `{} producer p1`", kw.text)),
            );
            return None;
        };
        self.no_more(&args[1..], &format!("`{} producer {}`", kw.text, t.text));
        self.refs.push(Reference::Client {
            name: t.text.clone(),
            span: t.span,
            producer_only: true,
        });
        let producer = t.text.clone();
        Some(vec![if kw.text == "pause" {
            Fault::PauseProducer { producer }
        } else {
            Fault::ResumeProducer { producer }
        }])
    }
}
