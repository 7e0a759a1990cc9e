//! Helpers shared by the integration tests.

use khafka_scenario::{parse, Scenario};
use std::path::{Path, PathBuf};

/// The repository's `tests/scenarios` folder.
pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
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
