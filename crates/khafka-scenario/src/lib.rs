//! # khafka-scenario: the `.khafka` scenario language
//!
//! One line-oriented text format for lesson cells, share links, the CLI and tests. It reads like a
//! lab notebook and spells every Kafka setting the way Kafka does:
//!
//! ```text
//! seed 42
//! cluster brokers=3 racks=a,b,c min.insync.replicas=2
//! topic orders partitions=3 replication.factor=3
//! producer p1 topic=orders acks=all rate=100/s keys=user-0..99
//! consumer c1 topic=orders
//! at 2s crash broker leader(orders-0)
//! at 6s restart broker 1
//! run 10s
//! expect lost == 0
//! ```
//!
//! [`parse`] turns a source into a [`Scenario`]: the engine's [`khafka_sim::ScenarioSpec`] plus the
//! [`Expect`] assertions to check against the run's [`khafka_sim::Outcome`]. When the source has
//! mistakes, `parse` reports all of them ([`ParseErrors`]), each with its line, column and span, a hint
//! ("did you mean `min.insync.replicas`?") and, where Kafka has one, the Kafka error name
//! (`INVALID_REPLICATION_FACTOR`). Parsing never panics, whatever the input.
//!
//! The full language is documented in `docs/scenario-language.md`. The modules follow the pipeline:
//! [`lexer`] (lines and tokens) → `parser` (statements) with `topics`, `clients` and `faults` →
//! `resolve` (cross-references, checked once the whole file is read) → [`expect`] (assertions).

pub mod errors;
pub mod expect;
pub mod lexer;
pub mod print;
pub mod suggest;
pub mod values;

mod clients;
mod faults;
pub mod formats;
mod kv;
mod parser;
mod resolve;
#[cfg(feature = "groups")]
mod streams;
mod topics;

pub use clients::is_client_key;
pub use errors::{ParseError, ParseErrors, Span};
pub use expect::{CmpOp, Counter, Expect, ExpectResult, Metric, Operand};
pub use faults::FAULTS;
pub use parser::{STATEMENTS, TOO_LARGE};
pub use suggest::suggest;

/// A parsed scenario: what to run, and what to check afterwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    pub spec: khafka_sim::ScenarioSpec,
    pub expects: Vec<Expect>,
    /// Whether the source has a `run` line (without one, the run lasts the default 10 s).
    pub run_given: bool,
}

impl Scenario {
    /// How to run this scenario so that every figure its expectations read is computed: the
    /// invariants are checked after every event when an expectation reads `violations` (the
    /// standard run takes about 1.3 times as long; see docs/performance.md), and otherwise only in debug builds;
    /// each step of the data flow is measured when an expectation reads one (`latency_p50(STEP)`).
    pub fn sim_options(&self) -> khafka_sim::SimOptions {
        self.sim_options_reading(&[])
    }

    /// [`Scenario::sim_options`] for what `also` reads as well: an exercise's goal, graded on a
    /// run whose text may no longer have the `expect` lines that asked for a figure.
    pub fn sim_options_reading(&self, also: &[Expect]) -> khafka_sim::SimOptions {
        let reads = |f: &dyn Fn(&expect::Metric) -> bool| {
            self.expects.iter().chain(also).any(|e| f(&e.metric))
        };
        khafka_sim::SimOptions {
            check_invariants: cfg!(debug_assertions)
                || reads(&|m| matches!(m, expect::Metric::Violations)),
            flow_latency: cfg!(debug_assertions)
                || reads(&|m| matches!(m, expect::Metric::Latency(_, Some(_)))),
            ..khafka_sim::SimOptions::default()
        }
    }

    /// The request for the codecs when producers or consumers declare schema (de)serializers
    /// (`formats.rs`): answer it with `khafka_formats::api::handle_json` (natively, or in a codec
    /// worker) and give the answer to [`Scenario::apply_formats`] before running.
    pub fn formats_request(&self) -> Option<String> {
        formats::needs_table(&self.spec).then(|| formats::request(&self.spec))
    }

    /// Writes the codecs' answer into the spec: every value's size on the wire or the
    /// serializer's refusal, and which records each reader cannot decode.
    pub fn apply_formats(&mut self, answer: &str) -> Result<(), String> {
        formats::apply(&mut self.spec, answer)
    }

    /// Checks every expectation against an outcome, in the order written.
    pub fn evaluate(&self, outcome: &khafka_sim::Outcome) -> Vec<(&Expect, ExpectResult)> {
        self.expects
            .iter()
            .map(|e| (e, e.evaluate(outcome)))
            .collect()
    }
}

/// The error for a consumer-group feature (a group key, a consumer fault, a group metric) in a
/// build without the `groups` feature: refused where it is written, never ignored.
#[cfg(not(feature = "groups"))]
pub(crate) fn groups_unavailable(span: Span) -> ParseError {
    ParseError::new(
        span,
        "consumer groups are not available in this build (built without the `groups` feature)",
    )
    .hint("run this scenario with the `khafka` command line, which models consumer groups")
}

/// The largest scenario source accepted (1 MiB).
pub const MAX_SOURCE_BYTES: usize = 1024 * 1024;

/// Parses a `.khafka` source. On failure, returns every error found (at most
/// 50, then a line saying how many more), sorted by position.
pub fn parse(source: &str) -> Result<Scenario, ParseErrors> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(ParseErrors(vec![ParseError::new(
            errors::Span::new(1, 1, 0),
            format!(
                "the scenario is {} KB; the simulator reads at most {} KB",
                source.len() / 1024,
                MAX_SOURCE_BYTES / 1024
            ),
        )
        .hint(
            "a scenario is a few dozen lines; generate fewer topics or clients",
        )]));
    }
    let mut parser = parser::Parser::new();
    for line in lexer::lex(source) {
        parser.statement(&line);
    }
    let run_given = parser.has_run_line();
    let (spec, expects, errors) = parser.finish();
    if errors.is_empty() {
        Ok(Scenario {
            spec,
            expects,
            run_given,
        })
    } else {
        Err(ParseErrors(errors))
    }
}

/// The story so far for a cell that continues the previous one: the previous scenario's statements
/// without its `run` and `expect` lines (the continuing cell decides those). Lessons on the site and
/// the tests that run them use this same rule.
pub fn continuation_prelude(previous: &str) -> String {
    previous
        .lines()
        .filter(|l| {
            let first = l.split_whitespace().next().unwrap_or("");
            first != "run" && first != "expect"
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Whether two scenario texts say the same thing: their lines equal once comments, the spaces at
/// either end and blank lines are set aside (the lexer ends every line at its first `#`). A cell
/// whose reader only changed a comment still shows its result as the text's.
pub fn same_statements(a: &str, b: &str) -> bool {
    fn code(s: &str) -> Vec<&str> {
        code_lines(s)
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }
    code(a) == code(b)
}

/// A scenario's lines without their comments (the lexer ends a line at its first `#`).
fn code_lines(source: &str) -> impl Iterator<Item = &str> {
    source.lines().map(|l| l.split('#').next().unwrap_or(""))
}

/// The first of `keep` (statement keywords an exercise's brief leaves alone, its fence's
/// `keep=producer,at`) whose lines differ between `original` and `edited`, comments and spacing
/// aside; `None` when every kept line is as it was. The site's grader and the tests that check
/// each solution use this same rule.
///
/// A `keyword:key` entry (`producer:record.size`) keeps only that setting of those lines: the
/// value of its `key=` word on each of them, in order, or its absence.
pub fn changed_kept_lines<'k>(original: &str, edited: &str, keep: &'k [String]) -> Option<&'k str> {
    let lines = |source: &str, kept: &str| -> Vec<String> {
        let (keyword, key) = match kept.split_once(':') {
            Some((keyword, key)) => (keyword, Some(key)),
            None => (kept, None),
        };
        code_lines(source)
            .filter(|l| l.split_whitespace().next() == Some(keyword))
            .map(|l| match key {
                Some(key) => l
                    .split_whitespace()
                    .filter(|w| w.split_once('=').is_some_and(|(k, _)| k == key))
                    .collect::<Vec<_>>()
                    .join(" "),
                None => l.split_whitespace().collect::<Vec<_>>().join(" "),
            })
            .collect()
    };
    keep.iter()
        .map(String::as_str)
        .find(|k| lines(original, k) != lines(edited, k))
}

/// The grader's sentence for a changed kept entry of an exercise's `keep=` (see
/// [`changed_kept_lines`]).
pub fn kept_lines_hint(kept: &str) -> String {
    match kept.split_once(':') {
        Some((keyword, key)) => format!(
            "The \"{key}\" setting of the \"{keyword}\" lines changed: put it back as the \
             lesson has it (or remove it), the brief keeps it."
        ),
        None => {
            format!("Lines starting with \"{kept}\" changed: put them back, the brief keeps them.")
        }
    }
}

#[cfg(test)]
mod continuation_tests {
    /// Comments, blank lines and spaces at a line's ends do not change what a scenario says; a
    /// value, a statement or the spaces inside a line do.
    #[test]
    fn same_statements_sets_comments_and_blank_lines_aside() {
        let a = "seed 1\ncluster brokers=3\nrun 10s\n";
        assert!(super::same_statements(
            a,
            "# why\nseed 1  # the seed\n\n  cluster brokers=3\nrun 10s"
        ));
        assert!(!super::same_statements(
            a,
            "seed 2\ncluster brokers=3\nrun 10s\n"
        ));
        assert!(!super::same_statements(a, "seed 1\ncluster brokers=3\n"));
        assert!(!super::same_statements(
            a,
            "seed 1\ncluster  brokers=3\nrun 10s\n"
        ));
    }

    /// An exercise's kept lines: a changed `producer` line is found, a comment or spacing is not
    /// a change, and unkept lines may change.
    #[test]
    fn kept_lines_are_compared_without_comments_or_spacing() {
        let keep = ["producer".to_string(), "at".to_string()];
        let original = "producer p topic=t rate=5/s\nat 5s crash broker 1\nrun 10s\n";
        let changed = super::changed_kept_lines;
        assert_eq!(changed(original, original, &keep), None);
        assert_eq!(
            changed(
                original,
                "producer  p topic=t rate=5/s # the traffic\nat 5s crash broker 1\nrun 20s\n",
                &keep
            ),
            None
        );
        assert_eq!(
            changed(
                original,
                "producer p topic=t\nat 5s crash broker 1\n",
                &keep
            ),
            Some("producer")
        );
        assert_eq!(
            changed(original, "producer p topic=t rate=5/s\n", &keep),
            Some("at")
        );
        // One setting of a line: the others may change, that one may not, nor go.
        let keep = ["producer:rate".to_string()];
        assert_eq!(
            changed(original, "producer p topic=t rate=5/s linger.ms=0\n", &keep),
            None
        );
        assert_eq!(
            changed(original, "producer p topic=t rate=50/s\n", &keep),
            Some("producer:rate")
        );
        assert_eq!(
            changed(original, "producer p topic=t\n", &keep),
            Some("producer:rate")
        );
    }

    #[test]
    fn drops_run_and_expect_lines() {
        let p = super::continuation_prelude("seed 1\nrun 5s\nexpect lost == 0\nat 2s heal\n");
        assert_eq!(p, "seed 1\nat 2s heal\n");
    }
}
