//! The trace export is a complete account: a reader that knows nothing of the engine recomputes
//! every verdict (sent, acknowledged, failed, pending, committed, consumed, lost, duplicated,
//! reordered, unavailable, deleted, acknowledged before committed) from the exported JSON lines
//! alone, and gets the engine's figures.
//!
//! The reader below parses the lines as plain JSON and replays them: `sent` names each record's
//! producer and partition; `appended` gives a leader's batch (its id and record ids) at its base
//! offset; `replicated` appends those batches, by id, on a follower; `truncated` cuts a replica's
//! log (and its high watermark); `segments_deleted` and `log_start_offset` move a replica's log
//! start (what falls below is deleted); `replica_hosted` with `hosted: false` deletes a replica's
//! log (a reassignment moved it away); `cleaned` lists what a replica's cleaner removed and the
//! pieces it kept of cut batches; `high_watermark` sets any replica's; `acknowledged` and
//! `send_failed` list record ids; `consumed` names the broker that served the offsets; the closing
//! `end` line names the replica each partition's verdicts read (`docs/trace.md`).

use khafka_sim::{Sim, SimOptions};
use khafka_tests::{load, runnable_scenarios};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The export exactly as `khafka run --trace` writes it.
fn export(sim: &Sim) -> String {
    let mut text = String::new();
    let events = sim.trace_events();
    assert!(!events.is_empty(), "the trace was kept");
    for e in events {
        let line = serde_json::to_string(e).unwrap();
        // The name a stopped run gives the kind that piled up is the export's own `type`.
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["type"].as_str(), Some(e.kind.type_name()), "{line}");
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str(&serde_json::to_string(&sim.trace_end()).unwrap());
    text.push('\n');
    text
}

/// One replica's log as the export tells it: the record id at each offset of its history (gaps
/// where a follower copied a cleaned log), its log start offset, and the records its own cleaner
/// removed (by offset).
#[derive(Default)]
struct ReplicaLog {
    records: BTreeMap<u64, u64>,
    /// The batch (its id in the export) each offset's record is in.
    batch_at: BTreeMap<u64, u64>,
    log_start: u64,
    removed: BTreeMap<u64, u64>,
}

impl ReplicaLog {
    fn end(&self) -> u64 {
        self.records.last_key_value().map_or(0, |(o, _)| o + 1)
    }
}

/// The verdict counts recomputed from an export, as `(name, value)` pairs.
fn recompute(export: &str) -> BTreeMap<&'static str, u64> {
    let u = |v: &Value| v.as_u64().expect("an unsigned integer");
    let s = |v: &Value| v.as_str().expect("a string").to_string();
    let ids = |v: &Value| -> Vec<u64> { v.as_array().expect("a list").iter().map(u).collect() };
    // (partition, broker) → its log; and the high watermark.
    let mut logs: BTreeMap<(String, u64), ReplicaLog> = BTreeMap::new();
    let mut hws: BTreeMap<(String, u64), u64> = BTreeMap::new();
    // batch → (base offset, record ids)
    let mut batches: BTreeMap<u64, (u64, Vec<u64>)> = BTreeMap::new();
    // record → (producer, partition)
    let mut sent: BTreeMap<u64, (String, String)> = BTreeMap::new();
    let mut acked: BTreeSet<u64> = BTreeSet::new();
    let mut failed: BTreeSet<u64> = BTreeSet::new();
    let mut consumed: BTreeSet<u64> = BTreeSet::new();
    // `(consumer, partition, offset)` of records a consumer's deserializer could not decode.
    let mut undecoded: BTreeSet<(String, String, u64)> = BTreeSet::new();
    // Records some replica's retention or cleaner deleted.
    let mut deleted: BTreeSet<u64> = BTreeSet::new();
    let mut sources: BTreeMap<String, Option<u64>> = BTreeMap::new();
    // Batches a high watermark has passed (their last record) on some replica: committed once.
    let mut ever_committed: BTreeSet<u64> = BTreeSet::new();
    // Records of a batch a high watermark has passed, and the records whose first
    // acknowledgement came before that (`acked_before_commit`): the lines' order says which came
    // first when both fall in the same microsecond.
    let mut committed_records: BTreeSet<u64> = BTreeSet::new();
    let mut acked_before_commit = 0;
    for line in export.lines() {
        let e: Value = serde_json::from_str(line).expect("a JSON line");
        let part = || s(&e["partition"]);
        match e["type"].as_str().expect("a type") {
            "sent" => {
                sent.insert(u(&e["record"]), (s(&e["producer"]), part()));
            }
            "appended" => {
                let log = logs.entry((part(), u(&e["broker"]))).or_default();
                let base = u(&e["base_offset"]);
                assert!(base >= log.end(), "appended at the LEO: {line}");
                let records = ids(&e["records"]);
                assert_eq!(records.len() as u64, u(&e["count"]));
                let batch = u(&e["batch"]);
                for (i, id) in records.iter().enumerate() {
                    log.records.insert(base + i as u64, *id);
                    log.batch_at.insert(base + i as u64, batch);
                }
                batches.insert(batch, (base, records));
            }
            "replicated" => {
                let log = logs.entry((part(), u(&e["broker"]))).or_default();
                assert!(
                    u(&e["base_offset"]) >= log.end(),
                    "replicated at the LEO: {line}"
                );
                for b in ids(&e["batches"]) {
                    let (base, records) = &batches[&b];
                    assert!(*base >= log.end(), "batches in offset order: {line}");
                    for (i, id) in records.iter().enumerate() {
                        log.records.insert(base + i as u64, *id);
                        log.batch_at.insert(base + i as u64, b);
                    }
                }
            }
            "truncated" => {
                let key = (part(), u(&e["broker"]));
                let to = u(&e["to_offset"]);
                let log = logs.entry(key.clone()).or_default();
                log.records.split_off(&to);
                log.batch_at.split_off(&to);
                log.removed.split_off(&to);
                log.log_start = log.log_start.min(to);
                let hw = hws.entry(key).or_default();
                *hw = (*hw).min(to);
            }
            "replica_hosted" if e["hosted"] == Value::Bool(false) => {
                // A reassignment moved the replica away: its log is deleted, and a replica the
                // broker hosts again later starts empty.
                let key = (part(), u(&e["broker"]));
                logs.remove(&key);
                hws.remove(&key);
            }
            "segments_deleted" | "log_start_offset" => {
                let log = logs.entry((part(), u(&e["broker"]))).or_default();
                let start = u(&e["log_start_offset"]);
                log.log_start = log.log_start.max(start);
                for (_, id) in log.records.range(..start) {
                    if sent.contains_key(id) {
                        deleted.insert(*id);
                    }
                }
            }
            "cleaned" => {
                let key = (part(), u(&e["broker"]));
                let mut pieces: Vec<(u64, u64, u64)> = Vec::new();
                for p in e["pieces"].as_array().expect("a list") {
                    let (base, records) = &batches[&u(&p["source"])];
                    let (skip, count) = (u(&p["skip"]) as usize, u(&p["count"]) as usize);
                    let kept = records[skip..skip + count].to_vec();
                    let piece = u(&p["batch"]);
                    pieces.push((piece, base + skip as u64, count as u64));
                    batches.insert(piece, (base + skip as u64, kept));
                }
                // The pieces kept of a cut batch are batches of their own.
                if let Some(log) = logs.get_mut(&key) {
                    for (piece, from, count) in pieces {
                        for o in from..from + count {
                            log.batch_at.insert(o, piece);
                        }
                    }
                }
                let removed: BTreeSet<u64> = ids(&e["removed"]).into_iter().collect();
                let log = logs.entry(key).or_default();
                for (offset, id) in &log.records {
                    if removed.contains(id) {
                        log.removed.insert(*offset, *id);
                    }
                }
                deleted.extend(removed.iter().filter(|id| sent.contains_key(id)));
            }
            "high_watermark" => {
                let key = (part(), u(&e["broker"]));
                let hw = u(&e["high_watermark"]);
                let before = hws.insert(key.clone(), hw).unwrap_or(0);
                if let Some(log) = logs.get(&key).filter(|_| hw > before) {
                    let passed = log.batch_at.range(before..hw).map(|(_, b)| *b);
                    let whole = |b: &u64| {
                        let (base, records) = &batches[b];
                        base + records.len() as u64 <= hw
                    };
                    let passed: Vec<u64> = passed.filter(whole).collect();
                    for b in &passed {
                        committed_records.extend(batches[b].1.iter().copied());
                    }
                    ever_committed.extend(passed);
                }
            }
            "acknowledged" => {
                for id in ids(&e["record_ids"]) {
                    if acked.insert(id) && !committed_records.contains(&id) {
                        acked_before_commit += 1;
                    }
                }
            }
            "send_failed" => failed.extend(ids(&e["record_ids"])),
            "not_deserialized" => {
                undecoded.insert((s(&e["consumer"]), part(), u(&e["offset"])));
            }
            "consumed" => {
                // What the serving broker could return: its history at those offsets, minus what
                // its cleaner removed and what this consumer's deserializer could not decode.
                let log = &logs[&(part(), u(&e["broker"]))];
                let from = u(&e["base_offset"]);
                let to = from + u(&e["records"]);
                let consumer = s(&e["consumer"]);
                for (offset, id) in log.records.range(from..to) {
                    let not_decoded = undecoded.contains(&(consumer.clone(), part(), *offset));
                    if !log.removed.contains_key(offset) && !not_decoded {
                        consumed.insert(*id);
                    }
                }
            }
            "end" => {
                for v in e["verdict_sources"].as_array().unwrap() {
                    sources.insert(s(&v["partition"]), v["broker"].as_u64());
                }
            }
            _ => {}
        }
    }
    let failed: BTreeSet<u64> = failed.difference(&acked).copied().collect();
    let mut c = BTreeMap::new();
    c.insert("sent", sent.len() as u64);
    c.insert("acknowledged", acked.len() as u64);
    c.insert("failed", failed.len() as u64);
    c.insert("pending", (sent.len() - acked.len() - failed.len()) as u64);
    c.insert("consumed", consumed.len() as u64);
    c.insert("deleted", deleted.len() as u64);
    let (mut lost, mut unavailable, mut duplicated, mut reordered, mut committed) = (0, 0, 0, 0, 0);
    for (partition, source) in &sources {
        let Some(b) = source else {
            unavailable += acked.iter().filter(|id| sent[id].1 == *partition).count() as u64;
            continue;
        };
        let key = (partition.clone(), *b);
        let empty = ReplicaLog::default();
        let log = logs.get(&key).unwrap_or(&empty);
        let hw = hws.get(&key).copied().unwrap_or(0);
        // The highest high watermark a replica of the partition holds: below it, a record a
        // high watermark once passed is committed although the source's own has not caught up.
        let top = hws
            .iter()
            .filter(|((p, _), _)| p == partition)
            .map(|(_, hw)| *hw)
            .max()
            .unwrap_or(0);
        let mut copies: BTreeMap<u64, u64> = BTreeMap::new();
        let mut max_seen: BTreeMap<&str, u64> = BTreeMap::new();
        for (&offset, id) in &log.records {
            let n = copies.entry(*id).or_default();
            *n += 1;
            if *n == 2 {
                duplicated += 1;
            }
            if *n > 1 {
                continue;
            }
            let batch = log.batch_at.get(&offset);
            if offset < hw || (offset < top && batch.is_some_and(|b| ever_committed.contains(b))) {
                committed += 1;
            }
            let m = max_seen.entry(sent[id].0.as_str()).or_default();
            if *id < *m {
                reordered += 1;
            } else {
                *m = *id;
            }
        }
        lost += acked
            .iter()
            .filter(|id| {
                sent[id].1 == *partition && !copies.contains_key(id) && !deleted.contains(id)
            })
            .count() as u64;
    }
    c.insert("lost", lost);
    c.insert("unavailable", unavailable);
    c.insert("duplicated", duplicated);
    c.insert("reordered", reordered);
    c.insert("committed", committed);
    c.insert("acked_before_commit", acked_before_commit);
    c
}

#[test]
fn every_verdict_is_recomputed_from_the_export_alone() {
    let files = runnable_scenarios();
    assert!(files.len() > 30, "the scenarios are found");
    // Scenarios where some record was acknowledged before it was committed (acks=1): the
    // comparison of that counter is not vacuous.
    let mut with_acked_before_commit = 0;
    for path in files {
        let scenario = load(&path);
        let opts = SimOptions {
            keep_trace: true,
            check_invariants: false,
            ..SimOptions::default()
        };
        let mut sim = Sim::with_options(scenario.spec, opts);
        sim.run();
        let p = sim.outcome().provenance;
        let engine: BTreeMap<&str, u64> = [
            ("sent", p.sent),
            ("acknowledged", p.acknowledged),
            ("failed", p.failed),
            ("pending", p.pending),
            ("consumed", p.consumed),
            ("lost", p.lost),
            ("unavailable", p.unavailable),
            ("duplicated", p.duplicated),
            ("reordered", p.reordered),
            ("committed", p.committed),
            ("deleted", p.deleted),
            ("acked_before_commit", p.acked_before_commit),
        ]
        .into_iter()
        .collect();
        assert_eq!(recompute(&export(&sim)), engine, "{}", path.display());
        with_acked_before_commit += usize::from(p.acked_before_commit > 0);
    }
    assert!(with_acked_before_commit >= 3, "{with_acked_before_commit}");
}
