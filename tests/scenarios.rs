//! Runs every scenario under `tests/scenarios` (except `parse/`, which holds parser fixtures) and
//! every live cell of the lessons under `lessons/`, with invariant checks on, and requires every
//! `expect` line to pass and no invariant to break — the claims a lesson makes are tested.

use khafka_scenario::Scenario;
use khafka_sim::{Sim, SimOptions};
use khafka_tests::{khafka_files, lesson_cells, load, runnable_scenarios, scenarios_dir};

#[test]
fn every_scenario_meets_its_expectations() {
    let files = runnable_scenarios();
    assert!(files.len() >= 2, "scenarios missing: {files:?}");
    let mut runs: Vec<(String, Scenario)> = files
        .iter()
        .map(|p| (p.display().to_string(), load(p)))
        .collect();
    let cells = lesson_cells();
    assert!(cells.len() >= 3, "lesson cells missing");
    runs.extend(cells);
    let mut failures = Vec::new();
    for (name, scenario) in &runs {
        assert!(!scenario.expects.is_empty(), "{name} asserts nothing");
        let opts = SimOptions {
            check_invariants: true,
            ..SimOptions::default()
        };
        let mut sim = Sim::with_options(scenario.spec.clone(), opts);
        sim.run();
        let outcome = sim.outcome();
        for (e, r) in scenario.evaluate(&outcome) {
            if !r.passed {
                failures.push(format!(
                    "{name}:{}: expect {} (actual {})",
                    e.line, e.text, r.actual
                ));
            }
        }
        for v in &outcome.violations {
            failures.push(format!("{name}: invariant: {v}"));
        }
        if let Some(why) = &outcome.halted {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The printer writes every scenario back as text that parses to the same spec (the sweep relies on
/// it to print a reproducible file for a failing seed).
#[test]
fn every_scenario_prints_back_to_the_same_spec() {
    let mut checked = 0;
    for path in khafka_files(&scenarios_dir()) {
        let Ok(source) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(scenario) = khafka_scenario::parse(&source) else {
            continue; // parser fixtures with errors
        };
        let text = khafka_scenario::print::scenario(&scenario.spec);
        let again = khafka_scenario::parse(&text).unwrap_or_else(|e| {
            panic!(
                "{}: printed text does not parse:\n{text}\n{e}",
                path.display()
            )
        });
        assert_eq!(
            again.spec,
            scenario.spec,
            "{}: round trip differs:\n{text}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} scenarios");
}
