//! `khafka consumer-groups FILE --at T`: `kafka-consumer-groups --describe`'s columns and widths
//! (`ConsumerGroupCommand.printOffsets`, apache/kafka `1eb7644349cb`,
//! tools/src/main/java/org/apache/kafka/tools/consumer/group/ConsumerGroupCommand.java: the
//! format `"\n%-Gs %-Ts %-10s %-15s %-15s %-15s %-Cs %-Hs %s"`, each variable width at least 15
//! and as wide as its longest value), and `groups` in `khafka run --format json`.

fn scenario() -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.join("tests/scenarios/semantics/s11-member-leaves-range.khafka")
        .to_string_lossy()
        .into_owned()
}

mod common;
use common::khafka;
use std::process::Command;

#[test]
fn describe_prints_kafkas_columns() {
    let path = scenario();
    // At 12 s generation 1 is stable (since 6.1 s) and has committed once (auto-commit every 5 s):
    // c1 owns t-0 and t-1, c2 owns t-2 (range).
    let (code, out, err) = khafka(&["consumer-groups", &path, "--at", "12s"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "{out}");
    let header = lines[0];
    let cols: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(
        cols,
        [
            "GROUP",
            "TOPIC",
            "PARTITION",
            "CURRENT-OFFSET",
            "LOG-END-OFFSET",
            "LAG",
            "CONSUMER-ID",
            "HOST",
            "CLIENT-ID"
        ]
    );
    // GROUP and TOPIC are 15 wide, PARTITION 10, the offsets 15 each, then CONSUMER-ID as wide as
    // the longest member id.
    assert!(header.starts_with("GROUP           TOPIC           PARTITION  CURRENT-OFFSET  "));
    let member_col = header.find("CONSUMER-ID").unwrap();
    assert_eq!(member_col, 16 + 16 + 11 + 16 + 16 + 16);
    let rows: Vec<Vec<&str>> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let owner = |r: &Vec<&str>| r[8].to_string();
    assert_eq!(
        rows.iter()
            .map(|r| (r[0], r[1], r[2], owner(r)))
            .collect::<Vec<_>>(),
        [
            ("g", "t", "0", "c1".to_string()),
            ("g", "t", "1", "c1".to_string()),
            ("g", "t", "2", "c2".to_string())
        ]
    );
    for r in &rows {
        // LAG = LOG-END-OFFSET - CURRENT-OFFSET.
        let (cur, end, lag): (u64, u64, u64) = (
            r[3].parse().unwrap(),
            r[4].parse().unwrap(),
            r[5].parse().unwrap(),
        );
        assert_eq!(end - cur, lag);
        assert!(
            r[6].starts_with(&format!("{}-", r[8])),
            "clientId-UUID member ids"
        );
    }
    // Before the first commit, CURRENT-OFFSET and LAG are `-` (MISSING_COLUMN_VALUE).
    let (_, out, _) = khafka(&["consumer-groups", &path, "--at", "10s"]);
    let row: Vec<&str> = out.lines().nth(2).unwrap().split_whitespace().collect();
    assert_eq!((row[3], row[5]), ("-", "-"), "{out}");
    let (code, _, err) = khafka(&["consumer-groups", &path]);
    assert_ne!(code, 0);
    assert!(err.contains("needs --at"), "{err}");
}

#[test]
fn run_json_reports_groups() {
    let (code, out, err) = khafka(&["run", &scenario(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let g = &doc["groups"][0];
    assert_eq!(g["group"], "g");
    assert_eq!(g["state"], "Stable");
    assert_eq!(g["protocol"], "range");
    assert_eq!(g["generation"], 2);
    assert_eq!(g["members"].as_array().unwrap().len(), 1);
    assert_eq!(
        g["members"][0]["assignment"],
        serde_json::json!(["t-0", "t-1", "t-2"])
    );
    let parts = g["partitions"].as_array().unwrap();
    assert_eq!(parts.len(), 3);
    for p in parts {
        let (c, e, l) = (
            p["committed"].as_u64().unwrap(),
            p["log_end_offset"].as_u64().unwrap(),
            p["lag"].as_u64().unwrap(),
        );
        assert_eq!(e - c, l);
    }
}

/// `--member C`: the member's story in time order: its assignments by generation, what its
/// application processed and committed. In the at-least-once scenario (S12) c1 processes t-0's
/// offsets 200.. in generation 1, crashes before committing them, and processes them again in
/// generation 2 from the committed 200.
#[test]
fn a_members_story_shows_what_it_processed_and_committed() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root
        .join("tests/scenarios/semantics/s12-commit-after-processing-crash-processes-twice.khafka")
        .to_string_lossy()
        .into_owned();
    let (code, out, err) = khafka(&["consumer-groups", &path, "--at", "18s", "--member", "c1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("c1 in group g (member c1-"), "{out}");
    for want in [
        "generation 1: assigned [t-0]",
        "commitSync(t-0=200): committed",
        // A run of polls: from its first poll's end, until its last's.
        "11.268041s  processed t-0 offsets 0..241 (leader epoch 0, generation 1, polls done until \
         12.245931s)",
        "generation 2: assigned [t-0]",
        "processed t-0 offsets 200..349 (leader epoch 0, generation 2, polls done until",
    ] {
        assert!(out.contains(want), "{want}:\n{out}");
    }
    let gen1 = out.find("generation 1: assigned").unwrap();
    let gen2 = out.find("generation 2: assigned").unwrap();
    assert!(gen1 < gen2, "{out}");
    let (code, json, _) = khafka(&[
        "consumer-groups",
        &path,
        "--at",
        "18s",
        "--member",
        "c1",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["group"], "g");
    assert!(v["lines"].as_array().unwrap().len() >= 5, "{json}");
    let (code, _, err) = khafka(&["consumer-groups", &path, "--at", "18s", "--member", "c9"]);
    assert_ne!(code, 0);
    assert!(err.contains("no consumer `c9`"), "{err}");
}

/// A record's story says which group members processed it (KIP-320 scenario): record 5000 was
/// acknowledged by broker 1 alone and processed by c1 and c2 before the unclean election lost it;
/// record 9000 was written by the new leader at a reused offset (3500, epoch 1) and only c1, which
/// seeked back to the divergence point, processed it (c2 stopped with LogTruncationException).
#[test]
fn a_records_story_names_the_members_that_processed_it() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root
        .join("tests/scenarios/semantics/kip320-unclean-election-consumer-rereads.khafka")
        .to_string_lossy()
        .into_owned();
    let story = |id: &str| {
        let (code, out, err) = khafka(&["story", &path, "--record", id]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    let members = |v: &serde_json::Value| -> Vec<String> {
        v["processed_by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{}/{}", p["consumer"].as_str().unwrap(), p["generation"]))
            .collect()
    };
    let lost = story("5000");
    assert_eq!(lost["verdict"], "lost");
    assert_eq!(members(&lost), ["c1/1", "c2/2"]);
    let reused = story("9000");
    assert_eq!(reused["verdict"], "committed");
    assert_eq!(members(&reused), ["c1/1"]);
}

/// `--until` and `--at` past the scenario's `run` meet the same bounds as a `run` that long: at
/// most a simulated day, and memory for the records (they ran on until memory ran out before).
#[test]
fn a_time_past_the_run_meets_the_runs_bounds() {
    let path = scenario();
    for args in [
        vec!["run", &path, "--until", "99999h"],
        vec!["describe", &path, "--at", "25h"],
        vec!["consumer-groups", &path, "--at", "25h"],
        vec!["story", &path, "--record", "5", "--at", "25h"],
    ] {
        let (code, out, err) = khafka(&args);
        assert_ne!(code, 0, "{args:?}: {out}");
        assert!(
            err.contains("at most 86400s (one simulated day)"),
            "{args:?}: {err}"
        );
    }
    // Within a day, the records' memory decides: 100 records/s for a day is 8.6 M records, more
    // than a run may hold; a minute is fine.
    let (code, _, err) = khafka(&["describe", &path, "--at", "24h"]);
    assert!(code != 0 && err.contains("of memory"), "{err}");
    let (code, _, err) = khafka(&["describe", &path, "--at", "60s"]);
    assert_eq!(code, 0, "{err}");
}

/// `khafka consumer-groups … | head -1`: a reader that stops reading ends the program quietly
/// (exit 0, nothing on stderr), as Kafka's shell tools do, instead of a panic and a backtrace.
#[test]
fn a_closed_stdout_ends_the_program_quietly() {
    let path = scenario();
    let mut child = Command::new(env!("CARGO_BIN_EXE_khafka"))
        .args(["consumer-groups", &path, "--at", "12s"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the program has simulated to 12 s and written anything.
    drop(child.stdout.take());
    let run = child.wait_with_output().unwrap();
    let err = String::from_utf8(run.stderr).unwrap();
    assert_eq!(run.status.code(), Some(0), "{err}");
    assert_eq!(err, "");
}
