//! `tidy`: the engine's layers stay honest (issue 11's layout). Each rule reads the sources:
//! - `kernel/` imports nothing Kafka (only other kernel modules);
//! - `log/` has no handler context (a log is data, not an actor);
//! - clients and the controller never import broker code;
//! - every module starts with a `//!` doc;
//! - the site and the CLI read a simulation only through its view API (`view/`), never its fields.

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

/// The engine's fields the site and the CLI must not read (they have `view/` accessors).
const INTERNALS: &[&str] = &[
    "brokers",
    "controller",
    "producers",
    "consumers",
    "net",
    "prov",
    "trace",
    "batches",
    "topo",
    "metrics",
    "events_processed",
    "events_by_kind",
    "counters",
];

/// `sim.FIELD` / `sim().FIELD` reads of an engine field (not a method call), outside comments.
fn internal_reads(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("");
        for pat in ["sim.", "sim()."] {
            for (i, _) in line.match_indices(pat) {
                let before = line[..i].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue; // `khafka_sim.` or `my_sim.` is another name
                }
                let rest = &line[i + pat.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let call = rest[name.len()..].starts_with('(');
                if !call && INTERNALS.contains(&name.as_str()) {
                    out.push(name);
                }
            }
        }
    }
    out
}

#[test]
fn the_site_and_the_cli_read_only_the_view_api() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    let mut broken = Vec::new();
    for dir in ["web/src", "crates/khafka-cli/src"] {
        for path in sources(&root.join(dir)) {
            let text = std::fs::read_to_string(&path).unwrap();
            for name in internal_reads(&text) {
                let rel = path
                    .strip_prefix(&root)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                broken.push(format!("{rel}: reads the engine's `{name}`"));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_rules_catch_what_they_forbid() {
    assert_eq!(
        internal_reads("let l = sim.controller.parts[0];"),
        vec!["controller"]
    );
    assert_eq!(
        internal_reads("x(self.timeline.sim().net.isolated)"),
        vec!["net"]
    );
    assert!(internal_reads("sim.metrics(); khafka_sim.trace; // sim.prov").is_empty());
    assert_eq!(crate_paths("use crate::broker::Broker;"), vec!["broker"]);
    assert!(crate_paths("// use crate::broker::Broker;").is_empty());
    assert_eq!(
        crate_paths("let x = crate::time::ms_to_us(crate::msg::X);"),
        vec!["time", "msg"]
    );
}
