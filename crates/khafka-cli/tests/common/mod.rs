//! What the CLI's end-to-end tests share: running the built binary.

use std::process::Command;

/// Runs `khafka ARGS...`: (exit code, stdout, stderr).
pub fn khafka(args: &[&str]) -> (i32, String, String) {
    let run = Command::new(env!("CARGO_BIN_EXE_khafka"))
        .args(args)
        .output()
        .expect("run khafka");
    (
        run.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&run.stdout).into_owned(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}
