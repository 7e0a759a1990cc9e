//! `khafka`: run, check and describe `.khafka` scenarios; partition keys like Kafka; benchmarks;
//! encode and decode values in Avro, Protobuf and JSON and check schema compatibility as the
//! Schema Registry does (`formats.rs`).
//!
//! Exit codes: 0 when every `expect` passes, 1 when one fails, 2 on invalid input. For `encode`
//! and `decode`, 1 when the value or bytes do not fit the schema; for `schema-compat`, 1 when
//! the new schema is incompatible; for `format-cells`, 1 when a lesson's format cell fails its
//! predictions or an exercise does not fail at the start and pass with its solution.

/// `print!` that ends the program quietly when stdout has been closed (`khafka … | head`)
/// instead of panicking.
macro_rules! put {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            panic!("writing to stdout: {e}");
        }
    }};
}

/// `println!` with the same quiet end on a closed stdout.
macro_rules! out {
    () => {
        put!("\n")
    };
    ($($arg:tt)*) => {
        put!("{}\n", format_args!($($arg)*))
    };
}

mod assign;
mod bench;
mod formats;
mod windows;

use khafka_scenario::{parse, Scenario};
use khafka_sim::trace::format_hash;
use khafka_sim::{Sim, SimOptions, SimTime};
use std::process::ExitCode;

const USAGE: &str = "usage:
  khafka run FILE [--seed N] [--until T] [--trace PATH] [--format text|json]
  khafka check FILE
  khafka describe FILE --at T [--format text|json]
  khafka consumer-groups FILE --at T [--member CONSUMER] [--format text|json]
  khafka story FILE --record ID [--at T]
  khafka quorum FILE --at T [--format text|json]
  khafka partition --partitions N KEY...
  khafka assign --assignor range|roundrobin|sticky|cooperative-sticky|uniform|server-range --topic NAME:PARTITIONS ... --member ID[/INSTANCE]:TOPIC[,TOPIC...] ... [--owned ID:TOPIC-P[,TOPIC-P...]] ...
  khafka bench [--quick]
  khafka encode --format avro|protobuf|json --schema FILE [--message NAME] --value JSON [--schema-id N] [--explain]
  khafka decode --format avro|protobuf|json --schema FILE [--message NAME] [--reader-schema FILE] --hex HEX
  khafka schema-compat --format avro|protobuf|json --mode MODE NEW OLD [OLDER ...]
  khafka format-cells LESSON.md
  khafka windows --window 'tumbling size=D [grace=D]'|'hopping size=D advance=D [grace=D]'|'sliding difference=D [grace=D]'|'session gap=D [grace=D]' [--emit eager|final] --aggregate count|sum|concat FILE";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<u8, String> {
    let Some(cmd) = args.first() else {
        return Err(USAGE.to_string());
    };
    let rest = &args[1..];
    match cmd.as_str() {
        "run" => cmd_run(rest),
        "check" => {
            let (file, _) = file_and_flags(rest, &[])?;
            load(&file)?;
            out!("{file}: ok");
            Ok(0)
        }
        "describe" => {
            let (sim, flags) = run_to_at(rest, "describe")?;
            match flag(&flags, "--format").as_deref() {
                None | Some("text") => put!("{}", sim.describe()),
                Some("json") => out!(
                    "{}",
                    serde_json::to_string_pretty(&sim.snapshot()).map_err(|e| e.to_string())?
                ),
                Some(f) => return Err(format!("invalid --format `{f}` (text or json)")),
            }
            Ok(0)
        }
        "consumer-groups" => {
            // `kafka-consumer-groups --describe` at an instant.
            let (sim, flags) = run_to_at(rest, "consumer-groups")?;
            if sim.group_ids().is_empty() {
                return Err("no consumer has a group.id".to_string());
            }
            if let Some(member) = flag(&flags, "--member") {
                let story = sim
                    .member_story(&member)
                    .ok_or(format!("no consumer `{member}` with a group.id"))?;
                match flag(&flags, "--format").as_deref() {
                    None | Some("text") => put!("{}", story.text()),
                    Some("json") => out!(
                        "{}",
                        serde_json::to_string_pretty(&story).map_err(|e| e.to_string())?
                    ),
                    Some(f) => return Err(format!("invalid --format `{f}` (text or json)")),
                }
                return Ok(0);
            }
            match flag(&flags, "--format").as_deref() {
                None | Some("text") => put!("{}", sim.describe_groups()),
                Some("json") => out!(
                    "{}",
                    serde_json::to_string_pretty(&sim.groups()).map_err(|e| e.to_string())?
                ),
                Some(f) => return Err(format!("invalid --format `{f}` (text or json)")),
            }
            Ok(0)
        }
        "quorum" => {
            // `kafka-metadata-quorum describe --status` at an instant.
            let (sim, flags) = run_to_at(rest, "quorum")?;
            match flag(&flags, "--format").as_deref() {
                None | Some("text") => put!("{}", sim.describe_quorum()),
                Some("json") => out!(
                    "{}",
                    serde_json::to_string_pretty(&(sim.quorum_status(), sim.controller_statuses()))
                        .map_err(|e| e.to_string())?
                ),
                Some(f) => return Err(format!("invalid --format `{f}` (text or json)")),
            }
            Ok(0)
        }
        "story" => {
            let (file, flags) = file_and_flags(rest, &["--record", "--at"])?;
            let id = flag(&flags, "--record").ok_or("story needs --record ID")?;
            let id: u64 = id
                .parse()
                .map_err(|_| format!("invalid record id `{id}` (a record number from 0, as `khafka run` counts them)"))?;
            let scenario = load(&file)?;
            let at = match flag(&flags, "--at") {
                Some(t) => parse_time(&t)?,
                None => scenario.spec.run_for,
            };
            check_horizon(&scenario.spec, "--at", at)?;
            let mut sim = Sim::new(scenario.spec);
            sim.run_until(at);
            if let Some(why) = sim.halted() {
                return Err(format!("{file}: {why}"));
            }
            let sent = sim.records_sent();
            let story = sim.record_story(id).ok_or(match sent {
                0 => format!("no record {id}: the run sent none by {at}"),
                n => format!(
                    "no record {id}: the run sent {n} by {at}, numbered 0 to {}",
                    n - 1
                ),
            })?;
            out!(
                "{}",
                serde_json::to_string_pretty(&story).map_err(|e| e.to_string())?
            );
            Ok(0)
        }
        "partition" => cmd_partition(rest),
        "assign" => assign::run(rest),
        "bench" => bench::run(rest.iter().any(|a| a == "--quick")),
        "encode" => Ok(report(formats::encode(rest).map(|s| (0, s)))),
        "decode" => Ok(report(formats::decode(rest).map(|s| (0, s)))),
        "schema-compat" => Ok(report(formats::schema_compat(rest))),
        "format-cells" => Ok(report(formats::format_cells(rest))),
        "windows" => windows::run(rest),
        "-h" | "--help" | "help" => {
            out!("{USAGE}");
            Ok(0)
        }
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    }
}

/// Prints a formats command's output (or its error on stderr) and gives its exit code.
fn report(result: Result<(u8, String), formats::Failure>) -> u8 {
    match result {
        Ok((code, text)) => {
            out!("{}", text.trim_end_matches('\n'));
            code
        }
        Err(f) => {
            eprintln!("{}", f.message);
            f.code
        }
    }
}

/// A run taken to `t` (`--until`, `--at`) past the scenario's own `run` must fit the same
/// budget as a `run` that long: at most a simulated day, and memory for its records.
fn check_horizon(
    spec: &khafka_sim::spec::ScenarioSpec,
    flag: &str,
    t: SimTime,
) -> Result<(), String> {
    if t <= spec.run_for {
        return Ok(());
    }
    let mut longer = spec.clone();
    longer.run_for = t;
    khafka_sim::budget::check(&longer)
        .map(|_| ())
        .map_err(|why| format!("{flag} {t}: {why}"))
}

/// `FILE --at T [--format F]`: the scenario run until `T`, and the flags.
fn run_to_at(rest: &[String], command: &str) -> Result<(Sim, Vec<(String, String)>), String> {
    let known: &[&str] = if command == "consumer-groups" {
        &["--at", "--format", "--member"]
    } else {
        &["--at", "--format"]
    };
    let (file, flags) = file_and_flags(rest, known)?;
    let at = flag(&flags, "--at").ok_or(format!("{command} needs --at T (e.g. --at 5s)"))?;
    let at = parse_time(&at)?;
    let scenario = load(&file)?;
    check_horizon(&scenario.spec, "--at", at)?;
    let mut sim = Sim::new(scenario.spec);
    sim.run_until(at);
    if let Some(why) = sim.halted() {
        return Err(format!("{file}: {why}"));
    }
    Ok((sim, flags))
}

/// Splits `FILE --flag value …`.
fn file_and_flags(
    args: &[String],
    known: &[&str],
) -> Result<(String, Vec<(String, String)>), String> {
    let mut file = None;
    let mut flags = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a.starts_with("--") {
            if !known.contains(&a.as_str()) {
                return Err(format!("unknown option `{a}`\n{USAGE}"));
            }
            let v = args.get(i + 1).ok_or(format!("{a} needs a value"))?;
            if flags.iter().any(|(k, _)| k == a) {
                return Err(format!("{a} is given twice"));
            }
            flags.push((a.clone(), v.clone()));
            i += 2;
        } else if file.is_none() {
            file = Some(a.clone());
            i += 1;
        } else {
            return Err(format!("unexpected argument `{a}`\n{USAGE}"));
        }
    }
    Ok((file.ok_or(format!("missing FILE\n{USAGE}"))?, flags))
}

fn flag(flags: &[(String, String)], name: &str) -> Option<String> {
    flags
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

fn parse_time(t: &str) -> Result<SimTime, String> {
    khafka_sim::time::parse_duration_us(t)
        .map(SimTime)
        .ok_or(format!("invalid time `{t}` (expected e.g. 10s, 1500ms)"))
}

fn load(file: &str) -> Result<Scenario, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
    let source = String::from_utf8(bytes).map_err(|e| {
        // Where, as an editor counts lines and columns.
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let before = std::str::from_utf8(good).unwrap_or_default();
        let lines: Vec<&str> = khafka_scenario::lexer::source_lines(before).collect();
        let line = lines.len().max(1);
        let column = lines.last().map_or(0, |l| l.chars().count()) + 1;
        let byte = e.as_bytes()[good.len()];
        format!(
            "{file}:{line}:{column}: error: the file is not UTF-8 text (byte 0x{byte:02X} here)"
        )
    })?;
    let mut scenario = parse(&source).map_err(|errs| errs.render(file, &source))?;
    // Schema (de)serializers: each value's size and the registry's and readers' verdicts,
    // computed with the real codecs before the run.
    if let Some(req) = scenario.formats_request() {
        let answer = khafka_formats::api::handle_json(&req);
        scenario
            .apply_formats(&answer)
            .map_err(|e| format!("{file}: the schemas: {e}"))?;
    }
    Ok(scenario)
}

fn cmd_run(args: &[String]) -> Result<u8, String> {
    let (file, flags) = file_and_flags(args, &["--seed", "--until", "--trace", "--format"])?;
    let mut scenario = load(&file)?;
    if let Some(seed) = flag(&flags, "--seed") {
        scenario.spec.seed = seed.parse().map_err(|_| format!("invalid seed `{seed}`"))?;
    }
    let until = match flag(&flags, "--until") {
        Some(t) => match parse_time(&t)? {
            SimTime::ZERO => return Err("--until must be longer than 0s, as `run` is".into()),
            until => until,
        },
        None => scenario.spec.run_for,
    };
    check_horizon(&scenario.spec, "--until", until)?;
    let format = flag(&flags, "--format").unwrap_or_else(|| "text".into());
    if format != "text" && format != "json" {
        return Err(format!("invalid --format `{format}` (text or json)"));
    }
    let trace_path = flag(&flags, "--trace");
    let opts = SimOptions {
        keep_trace: trace_path.is_some(),
        // `khafka run` prints each step of the data flow.
        flow_latency: true,
        ..scenario.sim_options()
    };
    let mut sim = Sim::with_options(scenario.spec.clone(), opts);
    sim.run_until(until);
    if let Some(why) = sim.halted() {
        return Err(format!("{file}: {why}"));
    }
    let outcome = sim.outcome();
    let results = scenario.evaluate(&outcome);
    let all_pass = results.iter().all(|(_, r)| r.passed);
    if let Some(path) = trace_path {
        let events = sim.trace_events();
        let mut text = String::new();
        for e in events {
            text.push_str(&serde_json::to_string(e).map_err(|e| e.to_string())?);
            text.push('\n');
        }
        text.push_str(&serde_json::to_string(&sim.trace_end()).map_err(|e| e.to_string())?);
        text.push('\n');
        std::fs::write(&path, text).map_err(|e| format!("{path}: {e}"))?;
    }
    let hash = format_hash(sim.trace_hash());
    if format == "json" {
        let expects: Vec<serde_json::Value> = results
            .iter()
            .map(|(e, r)| {
                serde_json::json!({"line": e.line, "text": e.text, "passed": r.passed, "actual": r.actual})
            })
            .collect();
        let partitions: Vec<serde_json::Value> = outcome
            .partitions
            .iter()
            .map(|p| {
                serde_json::json!({
                    "topic": p.topic, "partition": p.partition, "leader": p.leader,
                    "leader_epoch": p.leader_epoch, "replicas": p.replicas, "isr": p.isr, "elr": p.elr,
                    "hw": p.high_watermark, "leo": p.log_end_offset,
                    "replica_states": p.replica_states.iter().map(|r| serde_json::json!({
                        "broker": r.broker, "hw": r.high_watermark, "leo": r.log_end_offset, "online": r.online
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let mut doc = serde_json::json!({
            "trace_hash": hash,
            "seed": scenario.spec.seed,
            "until_us": until.as_us(),
            "events": sim.events_processed(),
            "provenance": outcome.provenance,
            "throughput": outcome.throughput,
            "partitions": partitions,
            "producer_errors": outcome.producer_errors,
            "violations": outcome.violations,
            "expects": expects,
        });
        if !outcome.groups.is_empty() {
            doc["groups"] = serde_json::to_value(&outcome.groups).map_err(|e| e.to_string())?;
        }
        if !outcome.decode_failures.is_empty() {
            doc["decode_failures"] = serde_json::json!(outcome.decode_failures);
        }
        if !outcome.subjects.is_empty() {
            doc["subjects"] = serde_json::json!(outcome.subjects);
        }
        if sim.log_settings_changed() {
            doc["log_dirs"] = serde_json::to_value(sim.log_dirs()).map_err(|e| e.to_string())?;
        }
        out!(
            "{}",
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
        );
    } else {
        out!("# {file} — seed {}, until {until}", scenario.spec.seed);
        put!("{}", sim.describe());
        if sim.log_settings_changed() {
            out!("Log dirs (segments, retention, compaction):");
            put!("{}", sim.describe_log_dirs());
        }
        if !outcome.groups.is_empty() {
            put!("{}", sim.describe_groups());
        }
        if let Some(v) = sim.streams_view() {
            out!();
            put!("{}", v.text());
        }
        let p = &outcome.provenance;
        out!();
        out!(
            "records: sent {} · acknowledged {} · failed {} · pending {} · committed {} · consumed {}",
            p.sent, p.acknowledged, p.failed, p.pending, p.committed, p.consumed
        );
        out!(
            "verdicts: lost {} · unavailable {} · duplicated {} · reordered {} · acknowledged before committed {}",
            p.lost,
            p.unavailable,
            p.duplicated,
            p.reordered,
            p.acked_before_commit
        );
        let t = &outcome.throughput;
        let ms = |v: Option<u64>| v.map_or("–".to_string(), |v| v.to_string());
        out!(
            "throughput: {} records/s · {:.2} MB/s acknowledged · latency ms p50 {} · p99 {} · max {}",
            t.records_per_sec,
            t.bytes_per_sec as f64 / 1e6,
            ms(t.latency_p50_ms),
            ms(t.latency_p99_ms),
            ms(t.latency_max_ms)
        );
        let f = &outcome.flow;
        if f.end_to_end.records > 0 {
            let step = |s: &khafka_sim::LatencyStats| format!("{}/{}", ms(s.p50_ms), ms(s.p99_ms));
            out!(
                "data flow ms p50/p99: to leader {} · replication {} · to consumer {} · end to end {}",
                step(&f.to_leader),
                step(&f.replication),
                step(&f.to_consumer),
                step(&f.end_to_end)
            );
        }
        if p.deleted > 0 {
            out!(
                "deleted by retention, compaction or DeleteRecords: {} (kept, then deleted by the topic's policy or a purge: not lost)",
                p.deleted
            );
        }
        // `NAME N · NAME N`, by name.
        let counts = |m: &std::collections::BTreeMap<String, u64>| {
            let items: Vec<String> = m.iter().map(|(k, v)| format!("{k} {v}")).collect();
            items.join(" · ")
        };
        if outcome.producer_errors.is_empty() {
            out!("producer errors: none");
        } else {
            out!("producer errors: {}", counts(&outcome.producer_errors));
        }
        if !outcome.subjects.is_empty() {
            out!("registry subjects: {}", outcome.subjects.join(" · "));
        }
        if !outcome.decode_failures.is_empty() {
            out!("records not decoded: {}", counts(&outcome.decode_failures));
        }
        for v in &outcome.violations {
            out!("INVARIANT VIOLATED: {v}");
        }
        for (e, r) in &results {
            let mark = if r.passed { "PASS" } else { "FAIL" };
            out!(
                "{mark}  line {}: expect {}  (actual: {})",
                e.line,
                e.text,
                r.actual
            );
        }
        out!("trace hash: {hash}");
    }
    Ok(if all_pass { 0 } else { 1 })
}

fn cmd_partition(args: &[String]) -> Result<u8, String> {
    let mut partitions: Option<u32> = None;
    let mut keys = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--partitions" {
            let v = args.get(i + 1).ok_or("--partitions needs a value")?;
            if partitions.is_some() {
                return Err("--partitions is given twice".into());
            }
            // Kafka's partition count is an int.
            partitions = Some(
                v.parse()
                    .ok()
                    .filter(|n| (1..=i32::MAX as u32).contains(n))
                    .ok_or(format!(
                        "invalid partition count `{v}` (an integer from 1 to 2147483647, \
                         Kafka's int)"
                    ))?,
            );
            i += 2;
        } else {
            keys.push(args[i].clone());
            i += 1;
        }
    }
    let n = partitions.ok_or(format!("missing --partitions N\n{USAGE}"))?;
    if keys.is_empty() {
        return Err(format!("no keys given\n{USAGE}"));
    }
    for k in keys {
        let p = khafka_sim::partitioner::partition_for_key(k.as_bytes(), n);
        out!("{k}\t{p}");
    }
    Ok(0)
}
