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

use khafka_streams::text::{output_line, parse_flags, parse_record, Flags, FLAGS};
use khafka_streams::{Aggregation, WindowedAggregation};
use khafka_streams::{Emit, Event, Record, RecordMetadata, WindowSpec};

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

/// Runs the command: prints the results, or gives the error (exit code 2).
pub fn run(args: &[String]) -> Result<u8, String> {
    let usage = || format!("usage: khafka windows {FLAGS} FILE");
    // The flags' own mistakes get the usage; Kafka's refusals of a window do not.
    let (flags, rest) = parse_flags(args).map_err(|e| {
        let about_flags = e.starts_with("unknown option")
            || e.starts_with("missing")
            || (e.starts_with("--")
                && (e.ends_with("needs a value") || e.ends_with("given twice")));
        if about_flags {
            format!("{e}\n{}", usage())
        } else {
            e
        }
    })?;
    let file = match &rest[..] {
        [file] => file.clone(),
        [] => return Err(format!("missing FILE\n{}", usage())),
        _ => return Err(format!("more than one FILE\n{}", usage())),
    };
    let records = read_records(&file, &flags)?;
    let (stdout, stderr) = render(flags.spec, flags.emit, flags.aggregation, &records)?;
    eprint!("{stderr}");
    out!("{}", stdout.trim_end_matches('\n'));
    Ok(0)
}

fn read_records(path: &str, flags: &Flags) -> Result<Vec<Record>, String> {
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
        if let Some(r) = parse_record(line, flags).map_err(|e| format!("{path}:{n}: {e}"))? {
            records.push(r);
        }
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
                    ref key,
                    window,
                    ref value,
                    ..
                } => {
                    let len = value.as_ref().map_or(4, |v| v.to_string().len());
                    if len > MAX_AGGREGATE_BYTES {
                        return Err(format!(
                            "the aggregate of {key}@{window} passed {MAX_AGGREGATE_BYTES} bytes, \
                             Kafka's default max.request.size: the producer would refuse it"
                        ));
                    }
                    out += &output_line(&event);
                    out.push('\n');
                }
                Event::Dropped(d) => {
                    dropped += 1;
                    out += &output_line(&Event::Dropped(d.clone()));
                    out.push('\n');
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
                "more than {MAX_WORK} window reads and updates by record {offset} (a concat \
                 aggregate counts one more per {} bytes it copies); khafka windows stops there \
                 to bound the work",
                khafka_streams::BYTES_PER_WORK
            ));
        }
    }
    out += &format!("dropped-records-total {dropped}\n");
    Ok((out, log))
}

#[cfg(test)]
mod tests {
    use khafka_streams::text::parse_duration;
    use khafka_streams::JavaDuration;

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
