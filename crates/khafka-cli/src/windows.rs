//! `khafka windows`: runs a file of records through one Kafka Streams windowed aggregation
//! (`khafka-streams`) and prints what Kafka Streams would forward, in order.
//!
//! ```text
//! khafka windows --window 'tumbling size=D [grace=D]' | 'hopping size=D advance=D [grace=D]'
//!                | 'sliding difference=D [grace=D]' | 'session gap=D [grace=D]'
//!                [--emit eager|final] --aggregate count|sum|concat FILE
//! ```
//!
//! FILE holds one record a line, `KEY VALUE TIMESTAMP_MS`, in arrival order (blank lines and
//! lines starting with `#` are skipped). The records are one partition (`input`, partition 0,
//! offset = the record's index) of one task. Output, one line each:
//! - `KEY@[START,END) AGGREGATE @TIMESTAMP` (tumbling, hopping) or `KEY@[START,END] …` (sliding,
//!   session), `null` as the aggregate of a tombstone;
//! - `dropped KEY VALUE @TIMESTAMP` for each skip Kafka counts in `dropped-records` (a hopping
//!   or sliding record skipped for several windows is counted once per window, as Kafka does);
//! - last, `dropped-records-total N`.
//!
//! Kafka's WARN line for each skip goes to stderr. Durations are `Nms`, `Ns`, `Nm`, `Nh` or `Nd`
//! (a leading `-` is accepted so that Kafka can refuse it with its own message).

use khafka_streams::{Aggregation, WindowedAggregation};
use khafka_streams::{Emit, Event, JavaDuration, Record, RecordMetadata, WindowSpec};

/// The largest input file.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// The most lines an input file may have.
const MAX_LINES: usize = 1_000_000;
/// The most windows or sessions the store may hold at once.
const MAX_LIVE_WINDOWS: usize = 5_000_000;
/// The most window reads, writes and emissions in one run.
const MAX_WORK: u64 = 100_000_000;
/// Kafka's default `max.request.size`: a larger output record could not be produced.
const MAX_AGGREGATE_BYTES: usize = 1_048_576;
/// The most output (stdout and the WARN lines on stderr together) the command prints.
const MAX_OUTPUT_BYTES: usize = 256 * 1024 * 1024;

const USAGE: &str = "usage: khafka windows --window 'tumbling size=D [grace=D]' | \
'hopping size=D advance=D [grace=D]' | 'sliding difference=D [grace=D]' | 'session gap=D [grace=D]' \
[--emit eager|final] --aggregate count|sum|concat FILE";

/// Runs the command: prints the results, or gives the error (exit code 2).
pub fn run(args: &[String]) -> Result<u8, String> {
    let (window, emit, aggregation, file) = parse_args(args)?;
    let spec = parse_window(&window)?;
    spec.check_bounds()?;
    let records = read_records(&file, &aggregation, spec.max_timestamp())?;
    let (stdout, stderr) = render(spec, emit, aggregation, &records)?;
    eprint!("{stderr}");
    out!("{}", stdout.trim_end_matches('\n'));
    Ok(0)
}

fn parse_args(args: &[String]) -> Result<(String, Emit, Aggregation, String), String> {
    let (mut window, mut emit, mut aggregate, mut file) = (None, None, None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let slot = match arg.as_str() {
            "--window" => &mut window,
            "--emit" => &mut emit,
            "--aggregate" => &mut aggregate,
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option `{flag}`\n{USAGE}"))
            }
            _ => {
                if file.replace(arg.clone()).is_some() {
                    return Err(format!("more than one FILE\n{USAGE}"));
                }
                continue;
            }
        };
        let value = it
            .next()
            .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))?;
        if slot.replace(value.clone()).is_some() {
            return Err(format!("{arg} given twice\n{USAGE}"));
        }
    }
    let window = window.ok_or_else(|| format!("missing --window\n{USAGE}"))?;
    let emit = match emit.as_deref() {
        None | Some("eager") => Emit::Eager,
        Some("final") => Emit::Final,
        Some(other) => return Err(format!("invalid --emit `{other}` (eager or final)")),
    };
    let aggregation = match aggregate.as_deref() {
        Some("count") => Aggregation::Count,
        Some("sum") => Aggregation::Sum,
        Some("concat") => Aggregation::concat(),
        Some(other) => {
            return Err(format!(
                "invalid --aggregate `{other}` (count, sum or concat)"
            ))
        }
        None => return Err(format!("missing --aggregate\n{USAGE}")),
    };
    let file = file.ok_or_else(|| format!("missing FILE\n{USAGE}"))?;
    Ok((window, emit, aggregation, file))
}

/// `Nms`, `Ns`, `Nm`, `Nh`, `Nd` as a `java.time.Duration`.
fn parse_duration(name: &str, text: &str) -> Result<JavaDuration, String> {
    let digits_end = text
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || (*i == 0 && *c == '-')))
        .map_or(text.len(), |(i, _)| i);
    let (number, unit) = text.split_at(digits_end);
    let bad = || {
        format!("{name}={text}: a duration is a whole number with ms, s, m, h or d (e.g. 10ms, 5s)")
    };
    if number.is_empty() || number == "-" {
        return Err(bad());
    }
    let n: i64 = number
        .parse()
        .map_err(|_| format!("{name}={text}: {number} is outside Kafka's long range"))?;
    let seconds_per = match unit {
        "ms" => return Ok(JavaDuration::of_millis(n)),
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(seconds_per)
        .map(JavaDuration::of_seconds)
        .ok_or_else(|| format!("{name}={text}: too large for a java.time.Duration"))
}

/// The window specification, built through Kafka's factories (and refused with their messages).
fn parse_window(text: &str) -> Result<WindowSpec, String> {
    let mut words = text.split_whitespace();
    let kind = words
        .next()
        .ok_or_else(|| format!("empty --window\n{USAGE}"))?;
    let allowed: &[&str] = match kind {
        "tumbling" => &["size", "grace"],
        "hopping" => &["size", "advance", "grace"],
        "sliding" => &["difference", "grace"],
        "session" => &["gap", "grace"],
        other => {
            return Err(format!(
                "unknown window kind `{other}` (tumbling, hopping, sliding or session)"
            ))
        }
    };
    let mut params: Vec<(&str, JavaDuration)> = Vec::new();
    for word in words {
        let (name, value) = word
            .split_once('=')
            .ok_or_else(|| format!("`{word}`: expected NAME=DURATION"))?;
        if !allowed.contains(&name) {
            return Err(format!(
                "{kind} windows take {}, not `{name}`",
                allowed.join(", ")
            ));
        }
        if params.iter().any(|(n, _)| *n == name) {
            return Err(format!("`{name}` given twice"));
        }
        params.push((name, parse_duration(name, value)?));
    }
    let get = |name: &str| params.iter().find(|(n, _)| *n == name).map(|(_, d)| *d);
    let need = |name: &str| get(name).ok_or_else(|| format!("{kind} windows need {name}=D"));
    let grace = get("grace").unwrap_or(JavaDuration::of_millis(0));
    match kind {
        "tumbling" => WindowSpec::tumbling(need("size")?, grace),
        "hopping" => WindowSpec::hopping(need("size")?, need("advance")?, grace),
        "sliding" => WindowSpec::sliding(need("difference")?, grace),
        _ => WindowSpec::session(need("gap")?, grace),
    }
}

fn read_records(
    path: &str,
    aggregation: &Aggregation,
    max_timestamp: i64,
) -> Result<Vec<Record>, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{path}: {e}"))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "{path}: {size} bytes; khafka windows reads at most {MAX_FILE_BYTES} bytes (64 MiB)"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{path}: not UTF-8 text"))?;
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if n > MAX_LINES {
            return Err(format!(
                "{path}: more than {MAX_LINES} lines; khafka windows reads at most {MAX_LINES}"
            ));
        }
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [key, value, ts] = fields[..] else {
            return Err(format!(
                "{path}:{n}: expected `KEY VALUE TIMESTAMP_MS`, got `{line}`"
            ));
        };
        let timestamp: i64 = ts.parse().map_err(|_| {
            format!("{path}:{n}: timestamp `{ts}` is not a whole number in Kafka's long range")
        })?;
        if timestamp > max_timestamp {
            return Err(format!(
                "{path}:{n}: timestamp {timestamp} is past {max_timestamp}, where this window's end \
                 would overflow a long"
            ));
        }
        aggregation
            .operand(value)
            .map_err(|e| format!("{path}:{n}: {e}"))?;
        records.push(Record {
            key: key.to_string(),
            value: value.to_string(),
            timestamp,
        });
    }
    Ok(records)
}

/// Runs the records: (stdout, stderr).
fn render(
    spec: WindowSpec,
    emit: Emit,
    aggregation: Aggregation,
    records: &[Record],
) -> Result<(String, String), String> {
    let mut processor = WindowedAggregation::new(spec, emit, aggregation);
    let (mut out, mut log) = (String::new(), String::new());
    let mut dropped = 0u64;
    for (offset, record) in records.iter().enumerate() {
        for event in processor.process(record)? {
            match event {
                Event::Result {
                    key,
                    window,
                    value,
                    timestamp,
                } => {
                    let value = value.map_or("null".to_string(), |v| v.to_string());
                    if value.len() > MAX_AGGREGATE_BYTES {
                        return Err(format!(
                            "the aggregate of {key}@{window} passed {MAX_AGGREGATE_BYTES} bytes, \
                             Kafka's default max.request.size: the producer would refuse it"
                        ));
                    }
                    out += &format!("{key}@{window} {value} @{timestamp}\n");
                }
                Event::Dropped(d) => {
                    dropped += 1;
                    out += &format!("dropped {} {} @{}\n", d.key, d.value, d.timestamp);
                    let meta = RecordMetadata {
                        topic: "input".into(),
                        partition: 0,
                        offset: offset as i64,
                    };
                    log += &format!("WARN {}\n", d.log_message(Some(&meta)));
                }
            }
        }
        if out.len() + log.len() > MAX_OUTPUT_BYTES {
            return Err(format!(
                "the output and log passed {MAX_OUTPUT_BYTES} bytes at record {offset}; khafka \
                 windows prints at most that much"
            ));
        }
        if processor.live_windows() > MAX_LIVE_WINDOWS {
            return Err(format!(
                "more than {MAX_LIVE_WINDOWS} windows open at record {offset}; khafka windows \
                 keeps at most that many (a smaller grace closes them sooner)"
            ));
        }
        if processor.work() > MAX_WORK {
            return Err(format!(
                "more than {MAX_WORK} window reads and updates by record {offset}; khafka windows \
                 stops there to bound the work"
            ));
        }
    }
    out += &format!("dropped-records-total {dropped}\n");
    Ok((out, log))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("size", "10ms").unwrap(),
            JavaDuration::of_millis(10)
        );
        assert_eq!(
            parse_duration("size", "5s").unwrap(),
            JavaDuration::of_seconds(5)
        );
        assert_eq!(
            parse_duration("size", "2h").unwrap(),
            JavaDuration::of_seconds(7200)
        );
        assert_eq!(
            parse_duration("grace", "-1ms").unwrap(),
            JavaDuration::of_millis(-1)
        );
        for bad in ["", "ms", "10", "10 ms", "1.5s", "10w", "-", "--1ms"] {
            assert!(parse_duration("size", bad).is_err(), "{bad}");
        }
        assert!(parse_duration("size", "9223372036854775808ms").is_err());
        assert!(parse_duration("size", "9223372036854775807d").is_err());
    }
}
