//! Helpers shared by the integration tests.

use khafka_scenario::{ParseErrors, Scenario};

/// Parses a scenario and, when it declares schema (de)serializers, computes its formats table
/// with the real codecs (`khafka_formats`), as the CLI does; a table the codecs refuse panics.
pub fn parse(src: &str) -> Result<Scenario, ParseErrors> {
    let mut s = khafka_scenario::parse(src)?;
    if let Some(req) = s.formats_request() {
        let answer = khafka_formats::api::handle_json(&req);
        s.apply_formats(&answer)
            .unwrap_or_else(|e| panic!("formats table refused: {e}"));
    }
    Ok(s)
}
use khafka_sim::{Sim, SimOptions};
use khafka_streams::text::{parse_cell, Cell};
use std::path::{Path, PathBuf};

/// The repository's `tests/scenarios` folder.
pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Every runnable scenario under `tests/scenarios` (the `parse/` ones exist to fail parsing), sorted.
pub fn runnable_scenarios() -> Vec<PathBuf> {
    khafka_files(&scenarios_dir())
        .into_iter()
        .filter(|p| !p.components().any(|c| c.as_os_str() == "parse"))
        .collect()
}

/// Every `.khafka` file under `dir`, recursively, sorted.
pub fn khafka_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "khafka") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Parses a scenario file, panicking with the rendered errors.
pub fn load(path: &Path) -> Scenario {
    let src = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse(&src).unwrap_or_else(|e| panic!("{}", e.render(&path.display().to_string(), &src)))
}

/// The simulation of `tests/scenarios/semantics/NAME.khafka` with `opts`, not started: for
/// tests that read a run step by step.
pub fn semantics_sim(name: &str, opts: SimOptions) -> Sim {
    let path = scenarios_dir()
        .join("semantics")
        .join(format!("{name}.khafka"));
    Sim::with_options(load(&path).spec, opts)
}

/// `tests/scenarios/semantics/NAME.khafka` run to its end with its trace kept.
pub fn traced_semantics_run(name: &str) -> Sim {
    let opts = SimOptions {
        keep_trace: true,
        ..SimOptions::default()
    };
    let mut sim = semantics_sim(name, opts);
    sim.run();
    sim
}

/// Every ```` ```khafka ```` block of every lesson, and of the documents the site shows (`docs/`),
/// parsed, named `FILE.md#N`, except graded exercises (see [`lesson_exercises`]). A block fenced
/// `khafka continue` is preceded by the story so far without its `run`/`expect` lines, as the site
/// does.
pub fn lesson_cells() -> Vec<(String, Scenario)> {
    markdown_dirs().cells
}

/// Every graded exercise of the lessons and docs: a cell fenced `khafka exercise` and the
/// `khafka solution` block after it.
pub fn lesson_exercises() -> Vec<Exercise> {
    markdown_dirs().exercises
}

/// A graded exercise: the starting scenario, whose `expect` lines are the goal, and the reference
/// solution.
pub struct Exercise {
    pub name: String,
    pub start: Scenario,
    pub solution: Scenario,
    /// The statements the brief leaves alone (the fence's `keep=`), and the two texts.
    pub keep: Vec<String>,
    pub start_text: String,
    pub solution_text: String,
}

/// Every window cell (```` ```khafka windows ````) of the lessons and docs, parsed, named
/// `FILE.md#N`, except graded exercises.
pub fn window_cells() -> Vec<(String, Cell)> {
    markdown_dirs().window_cells
}

/// Every graded window exercise: a cell fenced `khafka windows exercise` and the `khafka
/// solution` block after it.
pub fn window_exercises() -> Vec<WindowExercise> {
    markdown_dirs().window_exercises
}

/// A graded window exercise: the starting cell, whose `expect` lines are the goal, and the
/// reference solution.
pub struct WindowExercise {
    pub name: String,
    pub start: Cell,
    pub solution: Cell,
}

/// The cells and exercises of some Markdown.
#[derive(Default)]
pub struct MarkdownCells {
    pub cells: Vec<(String, Scenario)>,
    pub exercises: Vec<Exercise>,
    pub window_cells: Vec<(String, Cell)>,
    pub window_exercises: Vec<WindowExercise>,
}

fn markdown_dirs() -> MarkdownCells {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = MarkdownCells::default();
    for dir in ["../lessons", "../docs"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|x| x == "md"));
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let m = markdown_cells(&path.display().to_string(), &text);
            out.cells.extend(m.cells);
            out.exercises.extend(m.exercises);
            out.window_cells.extend(m.window_cells);
            out.window_exercises.extend(m.window_exercises);
        }
    }
    out
}

/// The cells of one Markdown text named `file`, parsed (panicking with the rendered errors): plain
/// cells, and exercises with their solutions. A `khafka solution` block belongs to the
/// `khafka exercise` cell just before it and is not numbered as a cell (the site does not show it
/// as one). An exercise without a solution, a solution without an exercise and an exercise that
/// continues another cell are errors.
pub fn markdown_cells(file: &str, text: &str) -> MarkdownCells {
    let mut out = MarkdownCells::default();
    let mut n = 0;
    let mut cell: Option<String> = None;
    let mut fence: Vec<String> = Vec::new();
    let mut previous = String::new();
    // The exercise waiting for its solution: its name and parsed start.
    let mut open_exercise: Option<(String, Scenario, String, Vec<String>)> = None;
    // The same for a window exercise.
    let mut open_window: Option<(String, Cell)> = None;
    for line in text.lines() {
        match &mut cell {
            None if line.trim_start().starts_with("```khafka") => {
                fence = line.split_whitespace().map(str::to_string).collect();
                cell = Some(String::new());
            }
            Some(src) if line.trim_start().starts_with("```") => {
                let has = |w: &str| fence.iter().skip(1).any(|f| f == w);
                let (continues, exercise, solution) =
                    (has("continue"), has("exercise"), has("solution"));
                let window_cell = |name: &str, src: &str| {
                    parse_cell(src).unwrap_or_else(|e| panic!("{name}: {e}"))
                };
                if solution {
                    if let Some((name, start)) = open_window.take() {
                        let solution = window_cell(&format!("{name} solution"), src);
                        out.window_exercises.push(WindowExercise {
                            name,
                            start,
                            solution,
                        });
                        cell = None;
                        continue;
                    }
                    let Some((name, start, start_text, keep)) = open_exercise.take() else {
                        panic!("{file}: a `khafka solution` block must follow a `khafka exercise` cell");
                    };
                    let name_s = format!("{name} solution");
                    let scenario =
                        parse(src).unwrap_or_else(|e| panic!("{}", e.render(&name_s, src)));
                    out.exercises.push(Exercise {
                        name,
                        start,
                        solution: scenario,
                        keep,
                        start_text,
                        solution_text: src.clone(),
                    });
                    cell = None;
                    continue;
                }
                if let Some(name) = open_exercise
                    .as_ref()
                    .map(|(n, ..)| n)
                    .or(open_window.as_ref().map(|(n, _)| n))
                {
                    panic!("{name}: an exercise needs a `khafka solution` block right after it");
                }
                let name = format!("{file}#{n}");
                if has("windows") {
                    assert!(
                        !continues,
                        "{name}: a window cell cannot continue another cell"
                    );
                    let c = window_cell(&name, src);
                    if exercise {
                        open_window = Some((name, c));
                    } else {
                        out.window_cells.push((name, c));
                    }
                    n += 1;
                    cell = None;
                    continue;
                }
                assert!(
                    !(exercise && continues),
                    "{name}: an exercise cannot continue another cell"
                );
                let prelude = if continues {
                    khafka_scenario::continuation_prelude(&previous)
                } else {
                    String::new()
                };
                let full = format!("{prelude}{src}");
                let scenario =
                    parse(&full).unwrap_or_else(|e| panic!("{}", e.render(&name, &full)));
                if exercise {
                    let keep = fence
                        .iter()
                        .filter_map(|w| w.strip_prefix("keep="))
                        .flat_map(|k| k.split(','))
                        .map(str::to_string)
                        .collect();
                    open_exercise = Some((name, scenario, src.clone(), keep));
                } else {
                    out.cells.push((name, scenario));
                }
                previous = if continues {
                    format!("{previous}\n{src}")
                } else {
                    src.clone()
                };
                n += 1;
                cell = None;
            }
            Some(src) => {
                src.push_str(line);
                src.push('\n');
            }
            None => {}
        }
    }
    if let Some(name) = open_exercise
        .as_ref()
        .map(|(n, ..)| n)
        .or(open_window.as_ref().map(|(n, _)| n))
    {
        panic!("{name}: an exercise needs a `khafka solution` block right after it");
    }
    out
}

/// An exercise's goal must be stated, and its solution's `expect` lines must be the goal's.
fn goal_problems(name: &str, goal: &[String], solved: &[String]) -> Vec<String> {
    if goal.is_empty() {
        return vec![format!(
            "{name}: the exercise has no `expect` lines, so nothing to grade"
        )];
    }
    if goal != solved {
        return vec![format!(
            "{name}: the solution's expect lines {solved:?} differ from the exercise's goal {goal:?}"
        )];
    }
    Vec::new()
}

/// What is wrong with a window exercise, if anything: as [`exercise_problems`], graded with
/// `khafka_streams::text` on the records of each cell.
pub fn window_exercise_problems(ex: &WindowExercise) -> Vec<String> {
    let name = &ex.name;
    let text = |c: &Cell| c.expects.iter().map(|e| e.text.clone()).collect::<Vec<_>>();
    let mut problems = goal_problems(name, &text(&ex.start), &text(&ex.solution));
    if ex.start.expects.is_empty() {
        return problems;
    }
    let run = |c: &Cell, which: &str| {
        c.run()
            .unwrap_or_else(|e| panic!("{name} {which}: the run failed: {e}"))
    };
    let start = run(&ex.start, "start");
    if ex.start.expects.iter().all(|e| e.check(&start).0) {
        problems.push(format!(
            "{name}: the starting cell already meets every expectation: nothing to solve"
        ));
    }
    let solution = run(&ex.solution, "solution");
    for e in &ex.start.expects {
        let (holds, actual) = e.check(&solution);
        if !holds {
            problems.push(format!(
                "{name} solution: expect {} (actual {actual})",
                e.text
            ));
        }
    }
    problems
}

/// What is wrong with an exercise, if anything: its goal (the starting cell's `expect` lines) must be
/// stated, the starting scenario must fail at least one of them, and the solution — whose `expect`
/// lines must be the goal's, unchanged — must pass all of them, with no invariant broken.
pub fn exercise_problems(ex: &Exercise) -> Vec<String> {
    let name = &ex.name;
    let text = |s: &Scenario| s.expects.iter().map(|e| e.text.clone()).collect::<Vec<_>>();
    let mut problems = goal_problems(name, &text(&ex.start), &text(&ex.solution));
    if ex.start.expects.is_empty() {
        return problems;
    }
    let run = |s: &Scenario| {
        let opts = SimOptions {
            check_invariants: true,
            // What its expectations read is computed (the data flow's steps when they ask).
            ..s.sim_options()
        };
        let mut sim = Sim::with_options(s.spec.clone(), opts);
        sim.run();
        sim.outcome()
    };
    for k in &ex.keep {
        let keyword = k.split_once(':').map_or(k.as_str(), |(kw, _)| kw);
        if let Some((kw, key)) = k.split_once(':') {
            if !khafka_scenario::is_client_key(kw, key) {
                problems.push(format!(
                    "{name}: `keep={k}` names no setting of `{kw}` lines (it would keep nothing)"
                ));
            }
        }
        if !khafka_scenario::STATEMENTS.contains(&keyword) {
            problems.push(format!(
                "{name}: `keep={k}` is not a statement keyword (it would keep nothing)"
            ));
        }
    }
    if let Some(k) =
        khafka_scenario::changed_kept_lines(&ex.start_text, &ex.solution_text, &ex.keep)
    {
        problems.push(format!(
            "{name} solution: changes the `{k}` lines the exercise keeps (its fence's `keep=`)"
        ));
    }
    // The faults are the exercise's situation: deleting them must not meet the goal, or the brief
    // keeps them (`keep=at`) and the grader refuses that edit (walk 12, #2).
    let has_faults = ex.start_text.lines().any(|l| l.starts_with("at "));
    if has_faults && !ex.keep.iter().any(|k| k == "at") {
        let without: String = ex
            .start_text
            .lines()
            .filter(|l| !l.starts_with("at "))
            .map(|l| format!("{l}\n"))
            .collect();
        if let Ok(s) = khafka_scenario::parse(&without) {
            if ex.start.evaluate(&run(&s)).iter().all(|(_, r)| r.passed) {
                problems.push(format!(
                    "{name}: deleting its `at` lines meets the goal: keep them (`keep=at`)"
                ));
            }
        }
    }
    let start = run(&ex.start);
    if ex.start.evaluate(&start).iter().all(|(_, r)| r.passed) {
        problems.push(format!(
            "{name}: the starting scenario already meets every expectation: nothing to solve"
        ));
    }
    let solution = run(&ex.solution);
    // Graded with the goal's lines (the same text, checked above).
    for (e, r) in ex.start.evaluate(&solution) {
        if !r.passed {
            problems.push(format!(
                "{name} solution: expect {} (actual {})",
                e.text, r.actual
            ));
        }
    }
    for (which, o) in [("start", &start), ("solution", &solution)] {
        for v in &o.violations {
            problems.push(format!("{name} {which}: invariant: {v}"));
        }
        if let Some(why) = &o.halted {
            problems.push(format!("{name} {which}: {why}"));
        }
    }
    problems
}
