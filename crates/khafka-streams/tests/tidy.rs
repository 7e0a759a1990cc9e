//! `tidy` for the Streams crate: every module starts with a `//!` doc, and the crate stays pure —
//! it depends on no other khafka crate (the engine calls it, never the other way round).

use std::path::{Path, PathBuf};

/// The `.rs` files of a folder (the crate's folders are flat).
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
}

/// The `[dependencies]` section's crate names.
fn dependencies(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == "[dependencies]";
        } else if inside && !line.is_empty() && !line.starts_with('#') {
            out.push(line.split(['=', '.', ' ']).next().unwrap().to_string());
        }
    }
    out
}

#[test]
fn every_module_has_a_doc_and_the_crate_depends_on_no_khafka_crate() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut broken = Vec::new();
    for dir in ["src", "tests"] {
        for path in rust_files(&root.join(dir)) {
            let text = std::fs::read_to_string(&path).unwrap();
            if !text.starts_with("//!") {
                broken.push(format!("{}: no `//!` module doc", path.display()));
            }
        }
    }
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    for dep in dependencies(&manifest) {
        if dep.starts_with("khafka") {
            broken.push(format!("Cargo.toml: depends on `{dep}`"));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_rule_catches_a_khafka_dependency() {
    let manifest = "[package]\nname = \"x\"\n[dependencies]\nkhafka-sim = { path = \"../khafka-sim\" }\nserde.workspace = true\n[dev-dependencies]\nproptest.workspace = true\n";
    assert_eq!(dependencies(manifest), vec!["khafka-sim", "serde"]);
}
