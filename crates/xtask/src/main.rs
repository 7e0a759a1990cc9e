//! Khafka's build, serve and test tooling: `cargo xtask test` runs everything CI runs;
//! `cargo xtask serve` builds the site and serves it at http://127.0.0.1:8080.
//!
//! Each command installs what it needs when it is missing (the wasm32 target; later the site tools),
//! so both work on a fresh machine.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xtask is two levels below the root")
        .to_path_buf()
}

fn run(step: &str, cmd: &mut Command) -> Result<(), String> {
    eprintln!("\n==> {step}\n    $ {cmd:?}");
    let status = cmd
        .current_dir(root())
        .status()
        .map_err(|e| format!("{step}: could not start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}

fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.current_dir(root()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    run(
        "install the wasm32 target",
        Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
    )
}

fn ensure_node() -> Result<(), String> {
    if output(Command::new("node").arg("--version")).is_some() {
        return Ok(());
    }
    run("apt-get update", Command::new("apt-get").arg("update"))?;
    run(
        "install Node.js (Debian's nodejs)",
        Command::new("apt-get").args(["install", "-y", "nodejs"]),
    )
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn test() -> Result<(), String> {
    ensure_wasm_target()?;
    run("format", cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(
        "clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    // Release: the seed sweep runs 2,000 simulations with invariant checks on.
    run(
        "tests (unit, scenarios, seed sweep, determinism)",
        cargo().args(["test", "--workspace", "--release"]),
    )?;
    run(
        "the engine builds for wasm32",
        cargo().args([
            "build",
            "--package",
            "khafka-sim",
            "--target",
            "wasm32-unknown-unknown",
        ]),
    )?;
    run(
        "the wasm32 probe builds",
        cargo().args([
            "build",
            "--release",
            "--package",
            "khafka-probe",
            "--target",
            "wasm32-unknown-unknown",
        ]),
    )?;
    ensure_node()?;
    run(
        "wasm32 trace hashes equal native ones",
        Command::new("node").args([
            "tests/wasm/determinism.mjs",
            "target/wasm32-unknown-unknown/release/khafka_probe.wasm",
        ]),
    )?;
    eprintln!("\nall checks passed");
    Ok(())
}

/// Builds `dist/` from the top-level `index.html` (the site issue replaces this with Trunk).
fn build_site() -> Result<PathBuf, String> {
    let dist = root().join("dist");
    std::fs::create_dir_all(&dist).map_err(|e| e.to_string())?;
    std::fs::copy(root().join("index.html"), dist.join("index.html")).map_err(|e| e.to_string())?;
    Ok(dist)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

fn serve() -> Result<(), String> {
    let dist = build_site()?;
    let addr = "127.0.0.1:8080";
    let listener = TcpListener::bind(addr).map_err(|e| format!("{addr}: {e}"))?;
    eprintln!(
        "serving {} at http://{addr} (Ctrl-C to stop)",
        dist.display()
    );
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).unwrap_or(0);
        let req = String::from_utf8_lossy(&buf[..n]);
        let path = req.split_whitespace().nth(1).unwrap_or("/");
        let path = path.split(['?', '#']).next().unwrap_or("/");
        let rel = path.trim_start_matches('/');
        let file = if rel.is_empty() || rel.contains("..") {
            dist.join("index.html")
        } else {
            dist.join(rel)
        };
        let (status, body, ctype) = match std::fs::read(&file) {
            Ok(b) => ("200 OK", b, content_type(&file)),
            Err(_) => ("404 Not Found", b"not found".to_vec(), "text/plain"),
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&body);
    }
    Ok(())
}

fn main() -> ExitCode {
    let cmd = std::env::args().nth(1).unwrap_or_default();
    let result = match cmd.as_str() {
        "test" => test(),
        "serve" => serve(),
        "build-site" => build_site().map(|d| eprintln!("built {}", d.display())),
        _ => Err("usage: cargo xtask test | serve | build-site".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
