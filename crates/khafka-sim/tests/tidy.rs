//! `tidy`: the engine's layers stay honest (issue 11's layout). Each rule reads the sources:
//! - `kernel/` imports nothing Kafka (only other kernel modules);
//! - `log/` has no handler context (a log is data, not an actor);
//! - clients and the controller never import broker code;
//! - every module starts with a `//!` doc.

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// `crate::NAME` paths a file uses (the first segment after `crate::`), outside comments.
fn crate_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for (i, _) in line.match_indices("crate::") {
            let rest = &line[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
    }
    out
}

#[test]
fn the_layers_keep_their_rules() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let kernel = ["kernel", "time", "rng", "queue", "chunked", "vec_map"];
    let mut broken = Vec::new();
    for path in sources(&src) {
        let rel = path.strip_prefix(&src).unwrap().display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        if !text.starts_with("//!") {
            broken.push(format!("{rel}: no `//!` module doc"));
        }
        let uses = crate_paths(&text);
        if rel.starts_with("kernel/") {
            for u in uses.iter().filter(|u| !kernel.contains(&u.as_str())) {
                broken.push(format!("{rel}: the kernel imports `crate::{u}`"));
            }
        }
        if rel.starts_with("log/") && text.contains("Ctx") {
            broken.push(format!("{rel}: the log uses a handler context"));
        }
        if (rel.starts_with("client/") || rel.starts_with("controller/"))
            && uses.iter().any(|u| u == "broker" || u == "replica_map")
        {
            broken.push(format!(
                "{rel}: a client or the controller imports broker code"
            ));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_rules_catch_what_they_forbid() {
    assert_eq!(crate_paths("use crate::broker::Broker;"), vec!["broker"]);
    assert!(crate_paths("// use crate::broker::Broker;").is_empty());
    assert_eq!(
        crate_paths("let x = crate::time::ms_to_us(crate::msg::X);"),
        vec!["time", "msg"]
    );
}
