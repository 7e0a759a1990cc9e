//! Property test: every random scenario the parser accepts runs a few simulated seconds within an
//! event budget, without panicking, looping at one instant or outgrowing memory — so the next hang
//! is found here, not by a user. Settings take extreme values (0, Kafka's int and long maxima) as
//! often as ordinary ones, since those are what found the hangs so far.

use khafka_scenario::parse;
use khafka_sim::{BrokerConfig, ConsumerConfig, ProducerConfig, Sim, SimOptions, SimTime};
use proptest::prelude::*;

/// Simulated time each accepted scenario runs.
const RUN: SimTime = SimTime::from_secs(3);
/// Events allowed for it: a busy cluster of five brokers with zero-wait fetches on 50 µs links
/// handles about a million events in 3 s; ten times that is a runaway.
const EVENT_BUDGET: u64 = 10_000_000;

const VALUES: &[&str] = &[
    "0",
    "1",
    "3",
    "50",
    "1000",
    "30000",
    "2147483647",
    "9223372036854775807",
    "true",
    "false",
    "all",
    "-1",
    "earliest",
    "latest",
    "none",
    "read_committed",
    "kraft",
    "zookeeper",
    "0.10",
    "3.6",
    "4.0",
    "pre-3.7",
    "high-watermark",
];

const FAULTS: &[&str] = &[
    "crash broker 1",
    "crash broker leader(t-0) lose-unflushed",
    "shutdown broker 2",
    "restart broker 1",
    "restart broker 2",
    "partition {1} | {2,3}",
    "partition {1} -> {controller}",
    "isolate 3",
    "heal",
    "slow broker 1 by=500ms",
    "link 1 -> 2 latency=0.05ms loss=50%",
    "elect preferred",
    "pause producer p",
    "resume producer p",
];

/// `key=value` settings, each value one the key's own parser accepts (extremes included).
fn settings(pairs: Vec<(&'static str, &'static str)>) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(pairs), 0..4).prop_map(|kv| {
        // One value per key (a key set twice is a parse error).
        let unique: std::collections::BTreeMap<&str, &str> = kv.into_iter().collect();
        unique
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// Every (key, value) of `VALUES` that `set` accepts.
fn valid(
    keys: &[&'static str],
    set: impl Fn(&str, &str) -> bool,
) -> Vec<(&'static str, &'static str)> {
    keys.iter()
        .flat_map(|k| VALUES.iter().map(move |v| (*k, *v)))
        .filter(|(k, v)| set(k, v))
        .collect()
}

fn scenario() -> impl Strategy<Value = String> {
    (
        any::<u64>(),
        (1u32..6).prop_flat_map(|b| (Just(b), 1..=b.min(3))),
        settings(valid(BrokerConfig::KEYS, |k, v| {
            BrokerConfig::default().set(k, v).is_ok()
        })),
        1u32..4,
        settings(valid(ProducerConfig::KEYS, |k, v| {
            ProducerConfig::default().set(k, v).is_ok()
        })),
        proptest::sample::select(&["1/s", "100/s", "5000/s"][..]),
        settings(valid(ConsumerConfig::KEYS, |k, v| {
            ConsumerConfig::default().set(k, v).is_ok()
        })),
        proptest::sample::select(&["0.05ms", "1ms", "0.05ms..20ms"][..]),
        proptest::collection::vec((0u64..3_000, proptest::sample::select(FAULTS)), 0..5),
    )
        .prop_map(
            |(seed, (brokers, rf), cluster, parts, prod, rate, cons, latency, faults)| {
                let mut s = format!(
                    "seed {seed}\ncluster brokers={brokers} {cluster}\nnetwork latency={latency}\n\
                     topic t partitions={parts} replication.factor={rf}\n\
                     producer p topic=t rate={rate} {prod}\nconsumer c topic=t {cons}\n"
                );
                for (ms, f) in faults {
                    s.push_str(&format!("at {ms}ms {f}\n"));
                }
                s.push_str("run 3s\nexpect violations == 0\n");
                s
            },
        )
}

proptest! {
    // A fixed seed, so CI judges the same 1,024 scenarios every time; explore others by hand with
    // another `RngSeed::Fixed` or `RngSeed::Random` (a random run found the pending-ISR bug of
    // `semantics/equal-epoch-metadata-keeps-pending-isr.khafka`).
    #![proptest_config(ProptestConfig {
        cases: 1024,
        rng_seed: proptest::test_runner::RngSeed::Fixed(1),
        ..ProptestConfig::default()
    })]

    #[test]
    fn accepted_scenarios_run_within_budget(src in scenario()) {
        let Ok(s) = parse(&src) else {
            return Ok(()); // refused (e.g. settings no release combines): the parser's tests cover it
        };
        let opts = SimOptions {
            check_invariants: true,
            ..SimOptions::default()
        };
        let mut sim = Sim::with_options(s.spec.clone(), opts);
        let mut t = SimTime::ZERO;
        while t < RUN && sim.halted().is_none() {
            t = t.saturating_add_us(100_000);
            sim.run_until(t);
            prop_assert!(
                sim.events_processed() <= EVENT_BUDGET,
                "{} events by {t}: a runaway\n{src}",
                sim.events_processed()
            );
        }
        prop_assert!(sim.halted().is_none(), "{:?}\n{src}", sim.halted());
        let outcome = sim.outcome();
        prop_assert!(outcome.violations.is_empty(), "{:?}\n{src}", outcome.violations);
    }
}
