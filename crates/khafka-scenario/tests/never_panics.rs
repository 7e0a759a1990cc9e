//! Property tests: no input makes the parser panic, and every error points inside the source.

use khafka_scenario::{parse, ParseErrors};
use proptest::prelude::*;

const VALID: &str = include_str!("../../../tests/scenarios/parse/orders.khafka");

/// Every error has line ≥ 1, column ≥ 1, and its span lies within its line (an error may point one
/// character past the end of a line). Rendering never panics either.
fn check_errors(source: &str, errors: &ParseErrors) {
    // Lines as the editor shows them (and the lexer counts them).
    let lines: Vec<&str> = khafka_scenario::lexer::source_lines(source).collect();
    for e in errors {
        assert!(e.line >= 1 && e.column >= 1 && e.len >= 1, "{e:?}");
        let line = lines
            .get(e.line as usize - 1)
            .unwrap_or_else(|| panic!("line {} out of range: {e:?}\n{source:?}", e.line));
        let width = line.strip_suffix('\r').unwrap_or(line).chars().count() as u32;
        assert!(
            e.column + e.len - 1 <= width + 1,
            "span past the end of line {}: {e:?}\n{line:?}",
            e.line
        );
        assert!(!e.message.is_empty());
    }
    let _ = errors.render("fuzz.khafka", source);
    let _ = errors.to_string();
}

fn run(source: &str) {
    match parse(source) {
        Ok(s) => {
            // Parsed scenarios evaluate their expectations against any outcome without panicking.
            for e in &s.expects {
                let _ = e.evaluate(&khafka_sim::Outcome::default());
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            check_errors(source, &errors);
        }
    }
}

/// Words the language uses, so random token soup reaches deep into the parser.
const WORDS: &[&str] = &[
    "seed",
    "cluster",
    "topic",
    "producer",
    "consumer",
    "network",
    "link",
    "at",
    "run",
    "expect",
    "crash",
    "broker",
    "lose-unflushed",
    "partition",
    "isolate",
    "heal",
    "slow",
    "by=5ms",
    "off",
    "elect",
    "preferred",
    "set",
    "pause",
    "resume",
    "controller",
    "leader(orders-0)",
    "orders",
    "orders-0",
    "p1",
    "c1",
    "1",
    "2",
    "0",
    "99999999999",
    "{1,2}",
    "{",
    "}",
    "|",
    "->",
    "<->",
    "==",
    "!=",
    "<",
    ">=",
    "contains",
    "none",
    "{1, p1}",
    "brokers=3",
    "racks=a,b",
    "partitions=3",
    "replication.factor=3",
    "replicas=1,2;2,3",
    "topic=orders",
    "rate=1/s",
    "rate=0.5/ms",
    "keys=user-0..9",
    "keys=a,,b",
    "latency=1ms..2ms",
    "loss=0.1%",
    "acks=all",
    "acks=1",
    "enable.idempotence=true",
    "min.insync.replicas=2",
    "2s",
    "1.5s",
    "10",
    "isr(orders-0)",
    "hw(orders-0, 2)",
    "errors(NOT_ENOUGH_REPLICAS)",
    "lost",
    "#",
    "=",
    "==",
    "é",
    "\t",
    "(",
    ")",
    "leader(",
    "count=0",
    "start=1s",
    "stop=0s",
    "partition=9",
];

fn mutate(source: &str, ops: &[(u8, usize, usize)]) -> String {
    let mut chars: Vec<char> = source.chars().collect();
    for &(op, a, b) in ops {
        if chars.is_empty() {
            break;
        }
        let (i, j) = (a % chars.len(), b % chars.len());
        match op % 4 {
            0 => {
                chars.remove(i);
            }
            1 => {
                let c = chars[i];
                chars.insert(j, c);
            }
            2 => chars.swap(i, j),
            _ => {
                // Duplicate a run of up to 12 characters somewhere else.
                let end = (i + 12).min(chars.len());
                let run: Vec<char> = chars[i..end].to_vec();
                for (k, c) in run.into_iter().enumerate() {
                    chars.insert((j + k).min(chars.len()), c);
                }
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        run(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_strings_never_panic(s in "\\PC{0,300}") {
        run(&s);
    }

    #[test]
    fn token_soup_never_panics(lines in proptest::collection::vec(
        proptest::collection::vec(proptest::sample::select(WORDS), 0..8), 0..12)
    ) {
        let source: Vec<String> = lines.iter().map(|l| l.join(" ")).collect();
        run(&source.join("\n"));
    }

    #[test]
    fn mutated_scenarios_never_panic(ops in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..6)) {
        run(&mutate(VALID, &ops));
    }

    #[test]
    fn shuffled_lines_and_tokens_never_panic(
        swaps in proptest::collection::vec((any::<usize>(), any::<usize>()), 1..8),
        drop_token in any::<usize>(),
    ) {
        let mut lines: Vec<Vec<&str>> = VALID.lines().map(|l| l.split(' ').collect()).collect();
        for (a, b) in swaps {
            let (i, j) = (a % lines.len(), b % lines.len());
            if a % 2 == 0 {
                lines.swap(i, j);
            } else if !lines[i].is_empty() && !lines[j].is_empty() {
                // Swap a token between two lines.
                let (ti, tj) = (a % lines[i].len(), b % lines[j].len());
                let t = lines[i][ti];
                lines[i][ti] = lines[j][tj];
                lines[j][tj] = t;
            }
        }
        let k = drop_token % lines.len();
        if !lines[k].is_empty() {
            let n = lines[k].len();
            lines[k].remove(drop_token % n);
        }
        let source: Vec<String> = lines.iter().map(|l| l.join(" ")).collect();
        run(&source.join("\n"));
    }
}
