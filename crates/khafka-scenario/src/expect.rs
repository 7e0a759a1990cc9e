//! `expect` lines: assertions over the [`Outcome`] of a run.
//!
//! ```text
//! expect lost == 0
//! expect errors(NOT_ENOUGH_REPLICAS) > 0
//! expect leader(orders-0) != none
//! expect isr(orders-0) == {2,3}          # sets compare without regard to order
//! expect isr(orders-0) contains 1
//! expect replicas(orders-0) == {2,3,4}   # also adding(TP), removing(TP): a reassignment in progress
//! expect hw(orders-0, 2) >= 100          # broker 2's replica; the right side is always a literal
//! expect committed(g1, orders-0) >= 40    # the group's committed offset (`none`: no commit)
//! expect lag(g1, orders-0) == 0           # the partition's high watermark minus it
//! expect group_state(g1) == Stable        # Empty, PreparingRebalance, CompletingRebalance, Assigning, Reconciling, Stable, Dead, Unknown
//! expect generation(g1) == 2
//! expect group_members(g1) == 1
//! expect processed_twice(g1) > 0          # records a member was handed again
//! expect assignment(g1, c1) == {orders-0, orders-1}   # the member's partitions, as its coordinator has them
//! expect throughput >= 20000              # records acknowledged per second of the run
//! expect latency_p99 < 50                 # ms from send() to the acknowledgement, 99th percentile
//! expect latency_p50(end_to_end) < 20     # a step of the data flow: to_leader, replication,
//!                                         # to_consumer, end_to_end (send() to first consumption)
//! ```
//!
//! An expectation is `METRIC OP VALUE`. Metrics have one of three types, and the type decides which
//! operators and values make sense; a mismatch is a parse error, not a failed run:
//!
//! | type   | metrics                                                                 | operators                | values         |
//! |--------|-------------------------------------------------------------------------|--------------------------|----------------|
//! | number | counters, `errors`, `leader_epoch`, `isr_size`, `hw`, `leo`, `offline_partitions`, `violations`, `controller_epoch`, `throughput`, `throughput_bytes`, `latency_p50`, `latency_p99`, `latency_max` | `== != < <= > >=` | integer |
//! | broker | `leader(TP)`, `active_controller`                                       | `== !=`                  | integer, `none`|
//! | set    | `isr(TP)`, `replicas(TP)`, `adding(TP)`, `removing(TP)`                 | `== !=`, `contains`      | `{…}`, integer for `contains` |
//! | number or none | `committed(G, TP)`, `lag(G, TP)`, `generation(G)`               | `== != < <= > >=`; `none` with `== !=` | integer, `none` |
//! | state  | `group_state(G)`                                                        | `== !=`                  | a state name   |
//! | partitions | `assignment(G, CONSUMER)`                                           | `== !=`                  | `{t-0,t-1}`, `{}` |
//!
//! Evaluation never fails: a partition missing from the outcome makes the expectation fail with
//! `actual` saying so.

use crate::errors::{ParseError, Span};
use crate::resolve::Reference;
use crate::suggest::suggest;
use khafka_sim::spec::BrokerId;
use khafka_sim::{Outcome, TopicPartition};

/// The provenance counters of [`khafka_sim::ProvenanceCounts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    Sent,
    Acknowledged,
    Failed,
    Pending,
    Committed,
    Lost,
    Unavailable,
    Duplicated,
    Reordered,
    Consumed,
    Deleted,
    AckedBeforeCommit,
}

/// What the left side of an expectation measures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Metric {
    Counter(Counter),
    /// `errors(NAME)` (one error name) or `errors` (all producer errors).
    Errors(Option<String>),
    Leader(TopicPartition),
    LeaderEpoch(TopicPartition),
    Isr(TopicPartition),
    /// The partition's replicas now (a reassignment changes them), and those a reassignment in
    /// progress is adding and removing.
    Replicas(TopicPartition),
    Adding(TopicPartition),
    Removing(TopicPartition),
    IsrSize(TopicPartition),
    /// The leader's high watermark, or the given replica's.
    Hw(TopicPartition, Option<BrokerId>),
    /// The leader's log end offset, or the given replica's.
    Leo(TopicPartition, Option<BrokerId>),
    /// The leader's log start offset, or the given replica's.
    LogStart(TopicPartition, Option<BrokerId>),
    OfflinePartitions,
    Violations,
    /// A group's committed offset for a partition.
    #[cfg(feature = "groups")]
    GroupCommitted(String, TopicPartition),
    #[cfg(feature = "groups")]
    GroupLag(String, TopicPartition),
    #[cfg(feature = "groups")]
    GroupState(String),
    #[cfg(feature = "groups")]
    Generation(String),
    #[cfg(feature = "groups")]
    GroupMembers(String),
    /// A group's counter (`processed_twice(G)`, …).
    #[cfg(feature = "groups")]
    GroupCount(String, GroupCount),
    /// A member's partitions, by the consumer's name.
    #[cfg(feature = "groups")]
    Assignment(String, String),
    /// With `controllers=N`: the active controller's id, or `none`.
    ActiveController,
    /// With `controllers=N`: the largest Raft epoch a running controller is in.
    ControllerEpoch,
    /// Records acknowledged per second of the run.
    Throughput,
    /// Bytes on the wire of acknowledged batches per second of the run.
    ThroughputBytes,
    /// A percentile (50, 99 or 100), whole ms rounded down, of the acknowledged records' latencies
    /// (send to acknowledgement), or of one step of the data flow.
    Latency(u8, Option<FlowStep>),
    /// Records a consumer's value deserializer could not decode (poison pills): one consumer's,
    /// or every consumer's with a reader schema.
    DecodeFailures(Option<String>),
    /// How many Schema Registry subjects the producers' value serializers registered under.
    Subjects,
    /// A Kafka Streams figure (`counted_twice`, …).
    #[cfg(feature = "groups")]
    Streams(StreamsCount),
}

/// What `expect` reads of Kafka Streams instances (`streams` lines).
#[cfg(feature = "groups")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamsCount {
    /// Records counted twice: the output's last count per key beyond the input's records (per
    /// window beyond the reference run's, for a windowed count).
    CountedTwice,
    /// Records the output's last count per key (or window) is missing.
    NotCounted,
    /// Changelog records read back into stores.
    RestoredRecords,
    /// Records the count skipped (`dropped-records`: a null key or value, or late).
    DroppedRecords,
    /// Keys counted.
    Keys,
    /// Records a windowed count skipped as late.
    LateRecords,
    /// Windows the output holds a result for.
    Windows,
    /// Windows whose final result (`onWindowClose`) the output holds more than once.
    FinalResultsTwice,
    /// A join's results with a table value.
    Joined,
    /// Stream records a join found no table value for.
    Unmatched,
    /// Stream records with more than one join result.
    JoinedTwice,
    /// Join results whose table value is not the one as of the stream record's time.
    JoinMismatches,
    /// A stream–stream join's pairs missed because a record came late.
    JoinPairsMissedLate,
    /// A left or outer join's results with null for the other side.
    JoinedWithNull,
    /// Changelog records an instance wrote after it had lost its task (a zombie).
    ZombieWrites,
}

/// The counters a group's view keeps, by their `expect` names.
#[cfg(feature = "groups")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupCount {
    /// Records the group's members processed more than once.
    ProcessedTwice,
    /// Records below the group's committed offset that no member processed.
    NeverProcessed,
    /// Commits of the members' applications (`sim.commit`) that failed.
    CommitsFailed,
    /// Position validations (KIP-320) that found the log truncated below a member's position.
    TruncationsDetected,
    /// Of those, the ones that raised `LogTruncationException` (`auto.offset.reset=none`).
    LogTruncationExceptions,
    /// Partitions the members gave up for rebalances (`onPartitionsRevoked`).
    PartitionsRevoked,
    /// The ms those partitions went without an owner, summed.
    PauseMs,
    /// The longest of those pauses, in ms.
    LongestPauseMs,
}

#[cfg(feature = "groups")]
impl GroupCount {
    /// `(expect name, counter)`.
    pub const ALL: [(&'static str, GroupCount); 8] = [
        ("processed_twice", GroupCount::ProcessedTwice),
        ("never_processed", GroupCount::NeverProcessed),
        ("commits_failed", GroupCount::CommitsFailed),
        ("truncations_detected", GroupCount::TruncationsDetected),
        (
            "log_truncation_exceptions",
            GroupCount::LogTruncationExceptions,
        ),
        ("partitions_revoked", GroupCount::PartitionsRevoked),
        ("pause_ms", GroupCount::PauseMs),
        ("longest_pause_ms", GroupCount::LongestPauseMs),
    ];

    fn from_name(name: &str) -> Option<GroupCount> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
    }

    fn read(self, g: &khafka_sim::coordinator::group::GroupView) -> u64 {
        match self {
            GroupCount::ProcessedTwice => g.processed_twice,
            GroupCount::NeverProcessed => g.never_processed,
            GroupCount::CommitsFailed => g.commits_failed,
            GroupCount::TruncationsDetected => g.truncations_detected,
            GroupCount::LogTruncationExceptions => g.log_truncation_exceptions,
            GroupCount::PartitionsRevoked => g.partitions_revoked,
            GroupCount::PauseMs => g.pause_ms,
            GroupCount::LongestPauseMs => g.longest_pause_ms,
        }
    }
}

/// A step of the data flow whose latency `latency_p50(STEP)` and the like measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowStep {
    /// `send()` to the first append on the leader.
    ToLeader,
    /// That append to the record's commit (the high watermark passed it).
    Replication,
    /// The commit to the first consumption.
    ToConsumer,
    /// `send()` to the first consumption.
    EndToEnd,
}

impl FlowStep {
    pub const ALL: &'static [FlowStep] = &[
        FlowStep::ToLeader,
        FlowStep::Replication,
        FlowStep::ToConsumer,
        FlowStep::EndToEnd,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FlowStep::ToLeader => "to_leader",
            FlowStep::Replication => "replication",
            FlowStep::ToConsumer => "to_consumer",
            FlowStep::EndToEnd => "end_to_end",
        }
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `isr(TP) contains B`.
    Contains,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Contains => "contains",
        }
    }
}

/// The right side of an expectation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operand {
    Int(u64),
    None,
    /// Sorted, without duplicates.
    Set(Vec<BrokerId>),
    /// A group state's name.
    Word(String),
    /// Partition names (`t-0`), sorted.
    Parts(Vec<String>),
}

/// One `expect` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    /// 1-based line of the `expect`.
    pub line: u32,
    /// The expression as written (after `expect`, comment removed).
    pub text: String,
    pub metric: Metric,
    pub op: CmpOp,
    pub rhs: Operand,
}

/// The result of checking an expectation against an outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectResult {
    pub passed: bool,
    /// What the left side evaluated to: `0`, `{2,3}`, `none`, or `no partition orders-0`.
    pub actual: String,
}

/// Kafka error names `errors(…)` accepts: the errors a producer can get.
pub const ERROR_NAMES: &[&str] = &khafka_sim::ErrorCode::PRODUCER_ERROR_NAMES;

/// The metric names `expect` accepts besides [`GROUP_METRICS`] (accepted with the `groups`
/// feature).
pub const METRICS: &[&str] = &[
    "sent",
    "acknowledged",
    "acked",
    "failed",
    "pending",
    "committed",
    "lost",
    "acked_lost",
    "unavailable",
    "duplicated",
    "reordered",
    "consumed",
    "acked_before_commit",
    "errors",
    "leader",
    "leader_epoch",
    "isr",
    "replicas",
    "adding",
    "removing",
    "isr_size",
    "hw",
    "leo",
    "offline_partitions",
    "violations",
    "active_controller",
    "controller_epoch",
    "deleted",
    "log_start",
    "throughput",
    "throughput_bytes",
    "decode_failures",
    "subjects",
    "latency_p50",
    "latency_p99",
    "latency_max",
];

/// The metrics of consumer groups (`committed` is one too, with arguments), which a build without
/// the `groups` feature refuses by name.
pub const GROUP_METRICS: &[&str] = &[
    "lag",
    "group_state",
    "generation",
    "group_members",
    "processed_twice",
    "assignment",
    "never_processed",
    "commits_failed",
    "truncations_detected",
    "log_truncation_exceptions",
    "partitions_revoked",
    "pause_ms",
    "longest_pause_ms",
    "counted_twice",
    "not_counted",
    "restored_records",
    "dropped_records",
    "counted_keys",
    "late_records",
    "counted_windows",
    "final_results_twice",
    "joined_records",
    "unmatched_records",
    "joined_twice",
    "join_mismatches",
    "join_pairs_missed_late",
    "joined_with_null",
    "zombie_writes",
];

/// The names `group_state(G)` compares with (`ClassicGroupState`; a KIP-848 group's
/// `ConsumerGroupState` adds `Assigning` and `Reconciling`; `Unknown` while no coordinator has
/// the group loaded).
pub const GROUP_STATES: &[&str] = &[
    "Empty",
    "PreparingRebalance",
    "CompletingRebalance",
    "Assigning",
    "Reconciling",
    "Stable",
    "Dead",
    "Unknown",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Type {
    Number,
    Broker,
    Set,
    // The group metrics' types (`committed(G, TP)` …, `group_state(G)`, `assignment(G, C)`).
    #[cfg_attr(not(feature = "groups"), allow(dead_code))]
    MaybeNumber,
    #[cfg_attr(not(feature = "groups"), allow(dead_code))]
    State,
    #[cfg_attr(not(feature = "groups"), allow(dead_code))]
    Parts,
}

impl Metric {
    fn ty(&self) -> Type {
        match self {
            Metric::Leader(_) | Metric::ActiveController => Type::Broker,
            Metric::Isr(_) | Metric::Replicas(_) | Metric::Adding(_) | Metric::Removing(_) => {
                Type::Set
            }
            #[cfg(feature = "groups")]
            Metric::GroupCommitted(..) | Metric::GroupLag(..) | Metric::Generation(_) => {
                Type::MaybeNumber
            }
            #[cfg(feature = "groups")]
            Metric::GroupState(_) => Type::State,
            #[cfg(feature = "groups")]
            Metric::Assignment(..) => Type::Parts,
            _ => Type::Number,
        }
    }
}

/// Reads expressions character by character, tracking columns.
struct Cursor {
    chars: Vec<char>,
    pos: usize,
    line: u32,
    column: u32,
}

impl Cursor {
    fn span(&self, start: usize, end: usize) -> Span {
        let col = self.column.saturating_add(start as u32);
        Span::new(self.line, col, end.saturating_sub(start).max(1) as u32)
    }
    fn here(&self) -> Span {
        let at = self.pos.min(self.chars.len().saturating_sub(1));
        self.span(at, at + 1)
    }
    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }
    fn word(&mut self) -> (String, Span) {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.pos += 1;
        }
        (
            self.chars[start..self.pos].iter().collect(),
            self.span(start, self.pos),
        )
    }
    /// Text up to the matching `close` (exclusive), with its span; `None` if unclosed.
    fn group(&mut self, close: char) -> Option<(String, usize)> {
        let start = self.pos + 1;
        let end = self.chars[start..].iter().position(|&c| c == close)? + start;
        self.pos = end + 1;
        Some((self.chars[start..end].iter().collect(), start))
    }
}

/// Parses the expression of an `expect` line (the text after `expect`, starting at `column`).
/// Returns the expectation and the partitions and brokers it names, to be checked at the end.
pub(crate) fn parse(
    text: &str,
    line: u32,
    column: u32,
) -> Result<(Expect, Vec<Reference>), ParseError> {
    let mut cur = Cursor {
        chars: text.chars().collect(),
        pos: 0,
        line,
        column,
    };
    let example = "for example `expect lost == 0` or `expect isr(orders-0) == {1,2,3}`";
    let (name, name_span) = cur.word();
    if name.is_empty() {
        return Err(ParseError::new(cur.here(), "expected a metric name").hint(example));
    }
    #[cfg(not(feature = "groups"))]
    if GROUP_METRICS.contains(&name.as_str()) {
        return Err(crate::groups_unavailable(name_span));
    }
    let accepted: Vec<&'static str> = if cfg!(feature = "groups") {
        METRICS.iter().chain(GROUP_METRICS).copied().collect()
    } else {
        METRICS.to_vec()
    };
    let Some(&known) = accepted.iter().find(|m| **m == name) else {
        let e = ParseError::new(name_span, format!("unknown metric `{name}`"));
        return Err(match suggest(&name, &accepted) {
            Some(s) => e.hint(format!("did you mean `{s}`?")),
            None => e.hint(format!("metrics are: {}", accepted.join(", "))),
        });
    };
    // Arguments.
    let mut args: Vec<(String, Span)> = Vec::new();
    let mut args_span = name_span;
    if cur.peek() == Some('(') {
        let open = cur.pos;
        let Some((inner, start)) = cur.group(')') else {
            return Err(ParseError::new(
                cur.span(open, cur.chars.len()),
                "missing `)`",
            ));
        };
        args_span = cur.span(open, cur.pos);
        let mut offset = start;
        for part in inner.split(',') {
            let n = part.chars().count();
            let lead = n - part.trim_start().chars().count();
            let t = part.trim();
            args.push((
                t.to_string(),
                cur.span(offset + lead, offset + lead + t.chars().count()),
            ));
            offset += n + 1;
        }
    }
    let mut refs = Vec::new();
    let metric = metric(known, &args, name_span, args_span, &mut refs)?;
    // Operator.
    cur.skip_ws();
    let op_start = cur.pos;
    let rest: String = cur.chars[cur.pos..].iter().take(8).collect();
    let (op, len) = if rest.starts_with("==") {
        (CmpOp::Eq, 2)
    } else if rest.starts_with("!=") {
        (CmpOp::Ne, 2)
    } else if rest.starts_with("<=") {
        (CmpOp::Le, 2)
    } else if rest.starts_with(">=") {
        (CmpOp::Ge, 2)
    } else if rest.starts_with('<') {
        (CmpOp::Lt, 1)
    } else if rest.starts_with('>') {
        (CmpOp::Gt, 1)
    } else if rest.starts_with("contains") {
        (CmpOp::Contains, 8)
    } else if rest.starts_with('=') {
        return Err(ParseError::new(cur.here(), "`=` is not a comparison").hint("use `==`"));
    } else if rest.is_empty() {
        return Err(ParseError::new(
            name_span.to(args_span),
            format!("`{name}` is not compared with anything"),
        )
        .hint("add an operator and a value, e.g. `== 0`"));
    } else {
        return Err(ParseError::new(
            cur.here(),
            "expected a comparison: `==`, `!=`, `<`, `<=`, `>`, `>=` or `contains`",
        ));
    };
    cur.pos += len;
    let op_span = cur.span(op_start, cur.pos);
    // Value.
    cur.skip_ws();
    let value_start = cur.pos;
    let rhs = match cur.peek() {
        None => {
            return Err(
                ParseError::new(op_span, format!("nothing after `{}`", op.as_str()))
                    .hint("add a value: a number, `none` or a set such as `{1,2}`"),
            )
        }
        Some('{') => {
            // `{a, b, …}`: each item with its own span.
            let Some((inner, start)) = cur.group('}') else {
                return Err(ParseError::new(
                    cur.span(value_start, cur.chars.len()),
                    "missing `}`",
                ));
            };
            let mut items = Vec::new();
            let mut offset = start;
            if !inner.trim().is_empty() {
                for part in inner.split(',') {
                    let n = part.chars().count();
                    let t = part.trim();
                    let lead = n - part.trim_start().chars().count();
                    items.push((
                        t,
                        cur.span(offset + lead, offset + lead + t.chars().count()),
                    ));
                    offset += n + 1;
                }
            }
            if metric.ty() == Type::Parts {
                let mut parts = Vec::new();
                for (t, span) in items {
                    let tp = crate::values::topic_partition(t, span)?;
                    refs.push(Reference::Partition {
                        tp: tp.clone(),
                        span,
                    });
                    parts.push((tp.topic, tp.partition));
                }
                khafka_sim::kernel::small::sort_by(&mut parts, Ord::cmp);
                parts.dedup();
                Operand::Parts(parts.into_iter().map(|(t, p)| format!("{t}-{p}")).collect())
            } else {
                let mut set = Vec::new();
                for (t, span) in items {
                    set.push(crate::values::uint32(t, span, "a broker id")?);
                }
                khafka_sim::kernel::small::sort_by(&mut set, Ord::cmp);
                set.dedup();
                Operand::Set(set)
            }
        }
        Some(_) => {
            while cur.peek().is_some_and(|c| !c.is_whitespace()) {
                cur.pos += 1;
            }
            let word: String = cur.chars[value_start..cur.pos].iter().collect();
            let span = cur.span(value_start, cur.pos);
            if metric.ty() == Type::State {
                if !GROUP_STATES.contains(&word.as_str()) {
                    let e = ParseError::new(span, format!("`{word}` is not a group state"));
                    return Err(match suggest(&word, GROUP_STATES) {
                        Some(s) => e.hint(format!("did you mean `{s}`?")),
                        None => e.hint(format!("states are: {}", GROUP_STATES.join(", "))),
                    });
                }
                Operand::Word(word)
            } else if word == "none" {
                Operand::None
            } else {
                Operand::Int(crate::values::uint(&word, span, "a number").map_err(|e| {
                    e.hint("the right side is a number, `none`, or a set such as `{1,2}`")
                })?)
            }
        }
    };
    let value_span = cur.span(value_start, cur.pos);
    cur.skip_ws();
    if cur.pos < cur.chars.len() {
        return Err(ParseError::new(
            cur.span(cur.pos, cur.chars.len()),
            "unexpected text after the value",
        )
        .hint("an expectation is `METRIC OP VALUE`; write one per line"));
    }
    typecheck(&metric, &name, op, &rhs, op_span, value_span)?;
    let expect = Expect {
        line,
        text: text.to_string(),
        metric,
        op,
        rhs,
    };
    Ok((expect, refs))
}

fn metric(
    name: &str,
    args: &[(String, Span)],
    name_span: Span,
    args_span: Span,
    refs: &mut Vec<Reference>,
) -> Result<Metric, ParseError> {
    let counter = match name {
        "sent" => Some(Counter::Sent),
        "acknowledged" | "acked" => Some(Counter::Acknowledged),
        "failed" => Some(Counter::Failed),
        "pending" => Some(Counter::Pending),
        "committed" => Some(Counter::Committed),
        "lost" | "acked_lost" => Some(Counter::Lost),
        "unavailable" => Some(Counter::Unavailable),
        "duplicated" => Some(Counter::Duplicated),
        "reordered" => Some(Counter::Reordered),
        "consumed" => Some(Counter::Consumed),
        "deleted" => Some(Counter::Deleted),
        "acked_before_commit" => Some(Counter::AckedBeforeCommit),
        _ => None,
    };
    let no_args = |m: Metric| {
        if args.is_empty() {
            Ok(m)
        } else {
            Err(
                ParseError::new(args_span, format!("`{name}` takes no arguments"))
                    .hint(format!("write just `{name}`")),
            )
        }
    };
    if let Some(c) = counter {
        if name != "committed" || args.is_empty() {
            return no_args(Metric::Counter(c));
        }
    }
    #[cfg(feature = "groups")]
    if let Some(m) = group_metric(name, args, name_span, args_span, refs)? {
        return Ok(m);
    }
    #[cfg(feature = "groups")]
    {
        let streams = match name {
            "counted_twice" => Some(StreamsCount::CountedTwice),
            "not_counted" => Some(StreamsCount::NotCounted),
            "restored_records" => Some(StreamsCount::RestoredRecords),
            "dropped_records" => Some(StreamsCount::DroppedRecords),
            "counted_keys" => Some(StreamsCount::Keys),
            "late_records" => Some(StreamsCount::LateRecords),
            "counted_windows" => Some(StreamsCount::Windows),
            "final_results_twice" => Some(StreamsCount::FinalResultsTwice),
            "joined_records" => Some(StreamsCount::Joined),
            "unmatched_records" => Some(StreamsCount::Unmatched),
            "joined_twice" => Some(StreamsCount::JoinedTwice),
            "join_mismatches" => Some(StreamsCount::JoinMismatches),
            "join_pairs_missed_late" => Some(StreamsCount::JoinPairsMissedLate),
            "joined_with_null" => Some(StreamsCount::JoinedWithNull),
            "zombie_writes" => Some(StreamsCount::ZombieWrites),
            _ => None,
        };
        if let Some(c) = streams {
            return no_args(Metric::Streams(c));
        }
    }
    #[cfg(not(feature = "groups"))]
    if name == "committed" {
        // `committed(G, TP)`: a group's committed offset.
        return Err(crate::groups_unavailable(name_span));
    }
    match name {
        "offline_partitions" => return no_args(Metric::OfflinePartitions),
        "violations" => return no_args(Metric::Violations),
        "active_controller" => return no_args(Metric::ActiveController),
        "controller_epoch" => return no_args(Metric::ControllerEpoch),
        "throughput" => return no_args(Metric::Throughput),
        "throughput_bytes" => return no_args(Metric::ThroughputBytes),
        "subjects" => return no_args(Metric::Subjects),
        "latency_p50" | "latency_p99" | "latency_max" => {
            let pct = match name {
                "latency_p50" => 50,
                "latency_p99" => 99,
                _ => 100,
            };
            return match args {
                [] => Ok(Metric::Latency(pct, None)),
                [(step, span)] => match FlowStep::ALL.iter().find(|s| s.name() == step) {
                    Some(s) => Ok(Metric::Latency(pct, Some(*s))),
                    None => {
                        let names: Vec<&str> = FlowStep::ALL.iter().map(|s| s.name()).collect();
                        let e = ParseError::new(*span, format!("unknown step `{step}`"));
                        Err(match suggest(step, &names) {
                            Some(s) => e.hint(format!("did you mean `{s}`?")),
                            None => e.hint(format!(
                                "the data flow's steps are: {} (none: send to acknowledgement)",
                                names.join(", ")
                            )),
                        })
                    }
                },
                _ => Err(
                    ParseError::new(args_span, format!("`{name}` takes one step at most")).hint(
                        format!("e.g. `{name}` (send to acknowledgement) or `{name}(end_to_end)`"),
                    ),
                ),
            };
        }
        "decode_failures" => {
            return match args {
                [] => Ok(Metric::DecodeFailures(None)),
                [(c, span)] => {
                    refs.push(Reference::Client {
                        name: c.clone(),
                        span: *span,
                        producer_only: false,
                    });
                    Ok(Metric::DecodeFailures(Some(c.clone())))
                }
                _ => Err(ParseError::new(
                    args_span,
                    "`decode_failures` takes one consumer at most",
                )
                .hint("e.g. `decode_failures(c1)`, or `decode_failures` for every consumer")),
            };
        }
        "errors" => {
            return match args {
                [] => Ok(Metric::Errors(None)),
                [(e, span)] => {
                    if ERROR_NAMES.contains(&e.as_str()) {
                        Ok(Metric::Errors(Some(e.clone())))
                    } else {
                        let err = ParseError::new(*span, format!("unknown error name `{e}`"));
                        Err(match suggest(e, ERROR_NAMES) {
                            Some(s) => err.hint(format!("did you mean `{s}`?")),
                            None => {
                                err.hint(format!("error names are: {}", ERROR_NAMES.join(", ")))
                            }
                        })
                    }
                }
                _ => Err(ParseError::new(args_span, "`errors` takes one error name")
                    .hint("e.g. `errors(NOT_ENOUGH_REPLICAS)`, or `errors` for all errors")),
            };
        }
        _ => {}
    }
    let replica_ok = matches!(name, "hw" | "leo" | "log_start");
    let usage = if replica_ok {
        format!("write `{name}(orders-0)` (the leader's) or `{name}(orders-0, 2)` (broker 2's)")
    } else {
        format!("write `{name}(orders-0)`")
    };
    let (tp_text, tp_span) = match args {
        [] => {
            return Err(
                ParseError::new(name_span, format!("`{name}` needs a partition")).hint(usage),
            )
        }
        [one] => one,
        [one, _] if replica_ok => one,
        _ => {
            return Err(
                ParseError::new(args_span, format!("too many arguments to `{name}`")).hint(usage),
            )
        }
    };
    let tp = crate::values::topic_partition(tp_text, *tp_span)?;
    refs.push(Reference::Partition {
        tp: tp.clone(),
        span: *tp_span,
    });
    let replica = match args.get(1) {
        Some((b, span)) => {
            let id = crate::values::uint32(b, *span, "a broker id")
                .map_err(|e| e.hint(usage.clone()))?;
            refs.push(Reference::Broker { id, span: *span });
            Some(id)
        }
        None => None,
    };
    Ok(match name {
        "leader" => Metric::Leader(tp),
        "leader_epoch" => Metric::LeaderEpoch(tp),
        "isr" => Metric::Isr(tp),
        "replicas" => Metric::Replicas(tp),
        "adding" => Metric::Adding(tp),
        "removing" => Metric::Removing(tp),
        "isr_size" => Metric::IsrSize(tp),
        "hw" => Metric::Hw(tp, replica),
        "log_start" => Metric::LogStart(tp, replica),
        _ => Metric::Leo(tp, replica),
    })
}

#[cfg(feature = "groups")]
/// The group metrics: `committed(G, TP)`, `lag(G, TP)`, `group_state(G)`, `generation(G)`,
/// `group_members(G)`, `processed_twice(G)`.
fn group_metric(
    name: &str,
    args: &[(String, Span)],
    name_span: Span,
    args_span: Span,
    refs: &mut Vec<Reference>,
) -> Result<Option<Metric>, ParseError> {
    if name == "assignment" {
        let usage = "write `assignment(GROUP, CONSUMER)`, e.g. `assignment(g1, c1)`";
        let [(group, gspan), (consumer, cspan)] = args else {
            let span = if args.is_empty() {
                name_span
            } else {
                args_span
            };
            return Err(ParseError::new(span, "`assignment` takes 2 argument(s)").hint(usage));
        };
        refs.push(Reference::Group {
            name: group.clone(),
            span: *gspan,
        });
        refs.push(Reference::Consumer {
            name: consumer.clone(),
            span: *cspan,
        });
        return Ok(Some(Metric::Assignment(group.clone(), consumer.clone())));
    }
    let with_partition = matches!(name, "committed" | "lag");
    let group_only = matches!(name, "group_state" | "generation" | "group_members")
        || GroupCount::from_name(name).is_some();
    if !with_partition && !group_only {
        return Ok(None);
    }
    let usage = if with_partition {
        format!("write `{name}(GROUP, TOPIC-P)`, e.g. `{name}(g1, orders-0)`")
    } else {
        format!("write `{name}(GROUP)`, e.g. `{name}(g1)`")
    };
    let want = if with_partition { 2 } else { 1 };
    if args.len() != want || args.iter().any(|(a, _)| a.is_empty()) {
        let span = if args.is_empty() {
            name_span
        } else {
            args_span
        };
        return Err(
            ParseError::new(span, format!("`{name}` takes {want} argument(s)")).hint(usage),
        );
    }
    let (group, gspan) = &args[0];
    refs.push(Reference::Group {
        name: group.clone(),
        span: *gspan,
    });
    let group = group.clone();
    if with_partition {
        let (tp_text, tp_span) = &args[1];
        let tp = crate::values::topic_partition(tp_text, *tp_span)?;
        refs.push(Reference::Partition {
            tp: tp.clone(),
            span: *tp_span,
        });
        return Ok(Some(if name == "committed" {
            Metric::GroupCommitted(group, tp)
        } else {
            Metric::GroupLag(group, tp)
        }));
    }
    Ok(Some(match name {
        "group_state" => Metric::GroupState(group),
        "generation" => Metric::Generation(group),
        "group_members" => Metric::GroupMembers(group),
        _ => Metric::GroupCount(group, GroupCount::from_name(name).expect("a group counter")),
    }))
}

fn typecheck(
    metric: &Metric,
    name: &str,
    op: CmpOp,
    rhs: &Operand,
    op_span: Span,
    value_span: Span,
) -> Result<(), ParseError> {
    let equality = matches!(op, CmpOp::Eq | CmpOp::Ne);
    match (metric.ty(), rhs) {
        (Type::Set, _) if op == CmpOp::Contains => match rhs {
            Operand::Int(_) => Ok(()),
            _ => Err(ParseError::new(value_span, "`contains` takes a broker id")
                .hint(format!("e.g. `{name}(…) contains 2`"))),
        },
        (_, _) if op == CmpOp::Contains => Err(ParseError::new(
            op_span,
            "`contains` applies to `isr(…)`, `replicas(…)`, `adding(…)` and `removing(…)` only",
        )),
        (Type::Set, _) if !equality => Err(ParseError::new(
            op_span,
            format!("`{name}(…)` is a set; compare it with `==` or `!=`"),
        )
        .hint("or test membership: `isr(orders-0) contains 2`")),
        (Type::Set, Operand::Set(_)) => Ok(()),
        (Type::Set, _) => Err(ParseError::new(
            value_span,
            format!("`{name}(…)` is a set; compare it with `{{1,2}}`"),
        )
        .hint(format!(
            "use `isr_size(…)` to compare its size, or `{name}(…) contains 2`"
        ))),
        (Type::Broker, _) if !equality && name == "active_controller" => Err(ParseError::new(
            op_span,
            "`active_controller` is a controller id or `none`; compare it with `==` or `!=`",
        )),
        (Type::Broker, Operand::Set(_)) if name == "active_controller" => Err(ParseError::new(
            value_span,
            "`active_controller` is one controller id or `none`, not a set",
        )),
        (Type::Broker, _) if !equality => Err(ParseError::new(
            op_span,
            format!("`{name}(…)` is a broker id or `none`; compare it with `==` or `!=`"),
        )),
        (Type::Broker, Operand::Set(_)) => Err(ParseError::new(
            value_span,
            format!("`{name}(…)` is one broker id or `none`, not a set"),
        )),
        (Type::Broker, _) => Ok(()),
        (Type::Parts, Operand::Parts(_)) if equality => Ok(()),
        (Type::Parts, _) => Err(ParseError::new(
            value_span,
            format!("`{name}(…)` is a set of partitions; compare it with `==` or `!=` and `{{t-0,t-1}}`"),
        )),
        (_, Operand::Parts(_)) => unreachable!("partition sets are parsed for `assignment` only"),
        (Type::State, Operand::Word(_)) if equality => Ok(()),
        (Type::State, _) => Err(ParseError::new(
            op_span,
            format!("`{name}(…)` is a group state; compare it with `==` or `!=` and a state name"),
        )
        .hint(format!("states are: {}", GROUP_STATES.join(", ")))),
        (Type::MaybeNumber, Operand::Int(_)) => Ok(()),
        (Type::MaybeNumber, Operand::None) if equality => Ok(()),
        (Type::MaybeNumber, Operand::None) => Err(ParseError::new(
            op_span,
            "`none` compares with `==` or `!=` only",
        )),
        (Type::MaybeNumber, _) | (Type::Number, Operand::Word(_)) => Err(ParseError::new(
            value_span,
            format!("`{name}` is a number or `none`; compare it with a number"),
        )),
        (Type::Number, Operand::Int(_)) => Ok(()),
        (Type::Number, Operand::None) => Err(ParseError::new(
            value_span,
            format!("`{name}` is a number; it is never `none`"),
        )),
        (Type::Number, Operand::Set(_)) => Err(ParseError::new(
            value_span,
            format!("`{name}` is a number; compare it with a number"),
        )),
    }
}

/// What the left side evaluated to.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    Int(u64),
    None,
    Set(Vec<BrokerId>),
    #[cfg(feature = "groups")]
    Word(String),
    #[cfg(feature = "groups")]
    Parts(Vec<String>),
    Missing(String),
}

impl Value {
    fn render(&self) -> String {
        match self {
            Value::Int(v) => v.to_string(),
            Value::None => "none".to_string(),
            Value::Set(s) => {
                let items: Vec<String> = s.iter().map(u32::to_string).collect();
                format!("{{{}}}", items.join(","))
            }
            #[cfg(feature = "groups")]
            Value::Word(w) => w.clone(),
            #[cfg(feature = "groups")]
            Value::Parts(p) => format!("{{{}}}", p.join(",")),
            Value::Missing(why) => why.clone(),
        }
    }
}

impl Expect {
    /// Checks this expectation against the outcome of a run.
    pub fn evaluate(&self, outcome: &Outcome) -> ExpectResult {
        let value = match &outcome.halted {
            Some(why) => Value::Missing(format!("not judged: {why}")),
            None => self.value(outcome),
        };
        let passed = match (&value, self.op, &self.rhs) {
            (Value::Missing(_), _, _) => false,
            (Value::Set(s), CmpOp::Contains, Operand::Int(b)) => {
                u32::try_from(*b).is_ok_and(|b| s.contains(&b))
            }
            (_, CmpOp::Contains, _) => false,
            (Value::Set(a), op, Operand::Set(b)) => match op {
                CmpOp::Eq => a == b,
                CmpOp::Ne => a != b,
                _ => false,
            },
            (Value::Int(a), op, Operand::Int(b)) => match op {
                CmpOp::Eq => a == b,
                CmpOp::Ne => a != b,
                CmpOp::Lt => a < b,
                CmpOp::Le => a <= b,
                CmpOp::Gt => a > b,
                CmpOp::Ge => a >= b,
                CmpOp::Contains => false,
            },
            #[cfg(feature = "groups")]
            (Value::Parts(a), CmpOp::Eq, Operand::Parts(b)) => a == b,
            #[cfg(feature = "groups")]
            (Value::Parts(a), CmpOp::Ne, Operand::Parts(b)) => a != b,
            #[cfg(feature = "groups")]
            (Value::Word(a), CmpOp::Eq, Operand::Word(b)) => a == b,
            #[cfg(feature = "groups")]
            (Value::Word(a), CmpOp::Ne, Operand::Word(b)) => a != b,
            (Value::None, CmpOp::Eq, Operand::None) => true,
            (Value::None, CmpOp::Ne, Operand::None) => false,
            // `none` differs from every number.
            (_, CmpOp::Ne, _) => true,
            _ => false,
        };
        let actual = match (&self.metric, &value) {
            // As `kafka-consumer-groups --describe` prints "-": a lag with nothing committed to
            // count from (a group's view counts it from the log start, marked).
            #[cfg(feature = "groups")]
            (Metric::GroupCommitted(g, _) | Metric::GroupLag(g, _), Value::None) => {
                // No coordinator to ask is not "nothing committed" (the tool would fail with
                // COORDINATOR_NOT_AVAILABLE).
                match outcome.group(g) {
                    Some(v) if v.coordinator.is_none() || v.state == "Unknown" => {
                        "none: no coordinator has the group loaded".to_string()
                    }
                    Some(v) => {
                        // The group view's lag* (from the log start, where members reset to
                        // earliest): said too, so the two figures a reader sees agree.
                        let unread = match &self.metric {
                            Metric::GroupLag(_, tp) => v
                                .partitions
                                .iter()
                                .find(|p| p.topic == tp.topic && p.partition == tp.partition)
                                .and_then(|p| p.unread_from_log_start),
                            _ => None,
                        };
                        match unread {
                            Some(n) => format!(
                                "none: no committed offset ({n} unread from the log start, the \
                                 group view's {n}*)"
                            ),
                            None => "none: no committed offset".to_string(),
                        }
                    }
                    None => "none: no committed offset".to_string(),
                }
            }
            _ => value.render(),
        };
        ExpectResult { passed, actual }
    }

    fn value(&self, outcome: &Outcome) -> Value {
        let p = &outcome.provenance;
        let partition = |tp: &TopicPartition| {
            outcome
                .partition(&tp.topic, tp.partition)
                .ok_or_else(|| Value::Missing(format!("no partition {tp} in the outcome")))
        };
        let replica = |tp: &TopicPartition, b: BrokerId, hw: bool| match partition(tp) {
            Err(m) => m,
            Ok(view) => match view.replica_states.iter().find(|r| r.broker == b) {
                Some(r) => Value::Int(if hw {
                    r.high_watermark
                } else {
                    r.log_end_offset
                }),
                None => Value::Missing(format!("broker {b} holds no replica of {tp}")),
            },
        };
        let count = |n: usize| Value::Int(n as u64);
        match &self.metric {
            Metric::Counter(c) => Value::Int(match c {
                Counter::Sent => p.sent,
                Counter::Acknowledged => p.acknowledged,
                Counter::Failed => p.failed,
                Counter::Pending => p.pending,
                Counter::Committed => p.committed,
                Counter::Lost => p.lost,
                Counter::Unavailable => p.unavailable,
                Counter::Duplicated => p.duplicated,
                Counter::Reordered => p.reordered,
                Counter::Consumed => p.consumed,
                Counter::Deleted => p.deleted,
                Counter::AckedBeforeCommit => p.acked_before_commit,
            }),
            Metric::Errors(None) => Value::Int(
                outcome
                    .producer_errors
                    .values()
                    .fold(0u64, |a, b| a.saturating_add(*b)),
            ),
            Metric::Errors(Some(name)) => {
                Value::Int(outcome.producer_errors.get(name).copied().unwrap_or(0))
            }
            Metric::DecodeFailures(None) => Value::Int(
                outcome
                    .decode_failures
                    .values()
                    .fold(0u64, |a, b| a.saturating_add(*b)),
            ),
            #[cfg(feature = "groups")]
            Metric::Streams(c) => match &outcome.streams {
                Some(o)
                    if o.reference_capped
                        && matches!(
                            c,
                            StreamsCount::CountedTwice
                                | StreamsCount::NotCounted
                                | StreamsCount::JoinMismatches
                                | StreamsCount::JoinPairsMissedLate
                        ) =>
                {
                    Value::Missing(
                        "not judged: the reference run reached the simulator's bound on \
                         windowed work"
                            .into(),
                    )
                }
                Some(o) => Value::Int(match c {
                    StreamsCount::CountedTwice => o.counted_twice,
                    StreamsCount::NotCounted => o.not_counted,
                    StreamsCount::RestoredRecords => o.restored_records,
                    StreamsCount::DroppedRecords => o.dropped_records,
                    StreamsCount::Keys => o.keys,
                    StreamsCount::LateRecords => o.late_records,
                    StreamsCount::Windows => o.windows,
                    StreamsCount::FinalResultsTwice => o.final_results_twice,
                    StreamsCount::Joined => o.joined,
                    StreamsCount::Unmatched => o.unmatched,
                    StreamsCount::JoinedTwice => o.joined_twice,
                    StreamsCount::JoinMismatches => o.join_mismatches,
                    StreamsCount::JoinPairsMissedLate => o.join_pairs_missed_late,
                    StreamsCount::JoinedWithNull => o.joined_with_null,
                    StreamsCount::ZombieWrites => o.zombie_writes,
                }),
                None => Value::Missing("the scenario has no `streams` line".into()),
            },
            Metric::DecodeFailures(Some(c)) => match outcome.decode_failures.get(c) {
                Some(n) => Value::Int(*n),
                None => Value::Missing(format!("consumer {c} has no value.deserializer")),
            },
            Metric::Leader(tp) => match partition(tp) {
                Ok(v) => v.leader.map_or(Value::None, |l| Value::Int(u64::from(l))),
                Err(m) => m,
            },
            Metric::LeaderEpoch(tp) => {
                partition(tp).map_or_else(|m| m, |v| Value::Int(u64::from(v.leader_epoch)))
            }
            m @ (Metric::Isr(tp)
            | Metric::Replicas(tp)
            | Metric::Adding(tp)
            | Metric::Removing(tp)) => partition(tp).map_or_else(
                |m| m,
                |v| {
                    let mut s = match m {
                        Metric::Isr(_) => v.isr.clone(),
                        Metric::Replicas(_) => v.replicas.clone(),
                        Metric::Adding(_) => v.adding.clone(),
                        _ => v.removing.clone(),
                    };
                    khafka_sim::kernel::small::sort_by(&mut s, Ord::cmp);
                    s.dedup();
                    Value::Set(s)
                },
            ),
            Metric::IsrSize(tp) => partition(tp).map_or_else(|m| m, |v| count(v.isr.len())),
            Metric::Hw(tp, None) => {
                partition(tp).map_or_else(|m| m, |v| Value::Int(v.high_watermark))
            }
            Metric::Leo(tp, None) => {
                partition(tp).map_or_else(|m| m, |v| Value::Int(v.log_end_offset))
            }
            Metric::Hw(tp, Some(b)) => replica(tp, *b, true),
            Metric::LogStart(tp, None) => {
                partition(tp).map_or_else(|m| m, |v| Value::Int(v.log_start_offset))
            }
            Metric::LogStart(tp, Some(b)) => match partition(tp) {
                Err(m) => m,
                Ok(view) => match view.replica_states.iter().find(|r| r.broker == *b) {
                    Some(r) => Value::Int(r.log_start_offset),
                    None => Value::Missing(format!("broker {b} holds no replica of {tp}")),
                },
            },
            Metric::Leo(tp, Some(b)) => replica(tp, *b, false),
            Metric::OfflinePartitions => count(
                outcome
                    .partitions
                    .iter()
                    .filter(|p| p.leader.is_none())
                    .count(),
            ),
            Metric::Violations if !outcome.invariants_checked => Value::Missing(
                "not computed: the run did not check invariants (see Scenario::sim_options)".into(),
            ),
            Metric::Violations => count(outcome.violations.len()),
            #[cfg(feature = "groups")]
            Metric::GroupCommitted(g, tp) | Metric::GroupLag(g, tp) => {
                let Some(group) = outcome.group(g) else {
                    return Value::Missing(format!("no group {g} in the outcome"));
                };
                let Some(p) = group
                    .partitions
                    .iter()
                    .find(|p| p.topic == tp.topic && p.partition == tp.partition)
                else {
                    return Value::Missing(format!("group {g} does not read {tp}"));
                };
                let v = if matches!(self.metric, Metric::GroupLag(..)) {
                    p.lag
                } else {
                    p.committed
                };
                v.map_or(Value::None, Value::Int)
            }
            #[cfg(feature = "groups")]
            Metric::Assignment(g, consumer) => {
                let Some(group) = outcome.group(g) else {
                    return Value::Missing(format!("no group {g} in the outcome"));
                };
                match group.members.iter().find(|m| m.client_id == *consumer) {
                    Some(m) => {
                        let mut parts: Vec<(String, u32)> = m
                            .assignment
                            .iter()
                            .filter_map(|n| {
                                let tp = khafka_sim::TopicPartition::parse(n)?;
                                Some((tp.topic, tp.partition))
                            })
                            .collect();
                        khafka_sim::kernel::small::sort_by(&mut parts, Ord::cmp);
                        Value::Parts(parts.into_iter().map(|(t, p)| format!("{t}-{p}")).collect())
                    }
                    None => Value::Missing(format!("{consumer} is not a member of {g}")),
                }
            }
            #[cfg(feature = "groups")]
            Metric::GroupState(g)
            | Metric::Generation(g)
            | Metric::GroupMembers(g)
            | Metric::GroupCount(g, _) => {
                let Some(group) = outcome.group(g) else {
                    return Value::Missing(format!("no group {g} in the outcome"));
                };
                match &self.metric {
                    Metric::GroupState(_) => Value::Word(group.state.clone()),
                    Metric::Generation(_) => match u64::try_from(group.generation) {
                        Ok(n) => Value::Int(n),
                        Err(_) => Value::None,
                    },
                    Metric::GroupMembers(_) => count(group.members.len()),
                    Metric::GroupCount(_, c) => Value::Int(c.read(group)),
                    _ => unreachable!("a group metric"),
                }
            }
            Metric::Throughput => Value::Int(outcome.throughput.records_per_sec),
            Metric::ThroughputBytes => Value::Int(outcome.throughput.bytes_per_sec),
            Metric::Subjects => Value::Int(outcome.subjects.len() as u64),
            Metric::Latency(pct, None) => {
                let t = &outcome.throughput;
                let v = match pct {
                    50 => t.latency_p50_ms,
                    99 => t.latency_p99_ms,
                    _ => t.latency_max_ms,
                };
                v.map_or_else(
                    || Value::Missing("no record was acknowledged".into()),
                    Value::Int,
                )
            }
            Metric::Latency(pct, Some(step)) => {
                let f = &outcome.flow;
                let s = match step {
                    FlowStep::ToLeader => f.to_leader,
                    FlowStep::Replication => f.replication,
                    FlowStep::ToConsumer => f.to_consumer,
                    FlowStep::EndToEnd => f.end_to_end,
                };
                let v = match pct {
                    50 => s.p50_ms,
                    99 => s.p99_ms,
                    _ => s.max_ms,
                };
                v.map_or_else(
                    || Value::Missing(format!("no record made the step `{}`", step.name())),
                    Value::Int,
                )
            }
            Metric::ActiveController | Metric::ControllerEpoch => match &outcome.quorum {
                None => Value::Missing(
                    "no controller quorum: add `controllers=3` to the cluster line".into(),
                ),
                Some(q) if matches!(self.metric, Metric::ActiveController) => q
                    .active_controller
                    .map_or(Value::None, |c| Value::Int(u64::from(c))),
                Some(q) => Value::Int(u64::from(q.epoch)),
            },
        }
    }
}
