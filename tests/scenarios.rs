//! Runs every scenario under `tests/scenarios` (except `parse/`, which holds parser fixtures) with
//! invariant checks on, and requires every `expect` line to pass and no invariant to break.

use khafka_sim::{Sim, SimOptions};
use khafka_tests::{khafka_files, load, scenarios_dir};

#[test]
fn every_scenario_meets_its_expectations() {
    let files: Vec<_> = khafka_files(&scenarios_dir())
        .into_iter()
        .filter(|p| !p.components().any(|c| c.as_os_str() == "parse"))
        .collect();
    assert!(files.len() >= 2, "scenarios missing: {files:?}");
    let mut failures = Vec::new();
    for path in &files {
        let scenario = load(path);
        assert!(
            !scenario.expects.is_empty(),
            "{} asserts nothing",
            path.display()
        );
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
                    "{}:{}: expect {} (actual {})",
                    path.display(),
                    e.line,
                    e.text,
                    r.actual
                ));
            }
        }
        for v in &outcome.violations {
            failures.push(format!("{}: invariant: {v}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
