//! Helpers shared by the integration tests.

use khafka_scenario::{parse, Scenario};
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

/// Every ```` ```khafka ```` block of every lesson, and of the documents the site shows (`docs/`),
/// parsed, named `FILE.md#N`. A block fenced `khafka continue` is preceded by the story so far without
/// its `run`/`expect` lines, as the site does.
pub fn lesson_cells() -> Vec<(String, Scenario)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = markdown_cells(&root.join("../lessons"));
    out.extend(markdown_cells(&root.join("../docs")));
    out
}

fn markdown_cells(dir: &Path) -> Vec<(String, Scenario)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "md"));
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut n = 0;
        let mut cell: Option<String> = None;
        let mut continues = false;
        let mut previous = String::new();
        for line in text.lines() {
            match &mut cell {
                None if line.trim_start().starts_with("```khafka") => {
                    continues = line.split_whitespace().any(|w| w == "continue");
                    cell = Some(String::new());
                }
                Some(src) if line.trim_start().starts_with("```") => {
                    let name = format!("{}#{n}", path.display());
                    let prelude = if continues {
                        khafka_scenario::continuation_prelude(&previous)
                    } else {
                        String::new()
                    };
                    let full = format!("{prelude}{src}");
                    let scenario =
                        parse(&full).unwrap_or_else(|e| panic!("{}", e.render(&name, &full)));
                    out.push((name, scenario));
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
    }
    out
}
