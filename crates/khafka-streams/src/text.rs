//! The text `khafka windows` reads and prints, shared by the command and the site's window cells:
//! its flags (`--window 'tumbling size=10s grace=2s' --emit final --aggregate count`), durations,
//! input records (`KEY VALUE TIMESTAMP_MS`), output lines, a run kept record by record, and a
//! window cell's `expect` lines (graded exercises).
//!
//! A window cell's text (```` ```khafka windows ````) is the command's flags on one line, then the
//! FILE's lines, then `expect` lines; `#` starts a comment line:
//!
//! ```text
//! --window 'tumbling size=1m grace=5s' --aggregate count
//! home u1 1000
//! home u6 30000
//! expect dropped == 0
//! ```

use crate::{
    Aggregation, DropReason, Emit, Event, JavaDuration, Record, Window, WindowSpec,
    WindowedAggregation,
};

/// The command's flags, without the FILE.
pub const FLAGS: &str = "--window 'tumbling size=D [grace=D]' | 'hopping size=D advance=D \
[grace=D]' | 'sliding difference=D [grace=D]' | 'session gap=D [grace=D]' [--emit eager|final] \
--aggregate count|sum|concat";

/// The flags read: the window specification, the emit strategy and the aggregation.
#[derive(Clone, Debug, PartialEq)]
pub struct Flags {
    pub spec: WindowSpec,
    pub emit: Emit,
    pub aggregation: Aggregation,
}

/// Reads the flags; other words are given back (the command's FILE). Errors do not repeat the
/// usage: the caller adds its own.
pub fn parse_flags(args: &[String]) -> Result<(Flags, Vec<String>), String> {
    let (mut window, mut emit, mut aggregate) = (None, None, None);
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let slot = match arg.as_str() {
            "--window" => &mut window,
            "--emit" => &mut emit,
            "--aggregate" => &mut aggregate,
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            _ => {
                rest.push(arg.clone());
                continue;
            }
        };
        let value = it.next().ok_or_else(|| format!("{arg} needs a value"))?;
        if slot.replace(value.clone()).is_some() {
            return Err(format!("{arg} given twice"));
        }
    }
    let window = window.ok_or("missing --window")?;
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
        None => return Err("missing --aggregate".into()),
    };
    let spec = parse_window(&window)?;
    spec.check_bounds()?;
    Ok((
        Flags {
            spec,
            emit,
            aggregation,
        },
        rest,
    ))
}

/// `Nms`, `Ns`, `Nm`, `Nh`, `Nd` as a `java.time.Duration` (a leading `-` is read, so that Kafka
/// refuses a negative value with its own message).
pub fn parse_duration(name: &str, text: &str) -> Result<JavaDuration, String> {
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
pub fn parse_window(text: &str) -> Result<WindowSpec, String> {
    let mut words = text.split_whitespace();
    let kind = words.next().ok_or("empty --window")?;
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

/// One input line: `None` for a blank line or a `#` comment, else the record `KEY VALUE
/// TIMESTAMP_MS`, checked against the aggregation and the largest timestamp the window allows.
pub fn parse_record(line: &str, flags: &Flags) -> Result<Option<Record>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [key, value, ts] = fields[..] else {
        return Err(format!("expected `KEY VALUE TIMESTAMP_MS`, got `{line}`"));
    };
    let timestamp: i64 = ts
        .parse()
        .map_err(|_| format!("timestamp `{ts}` is not a whole number in Kafka's long range"))?;
    let max = flags.spec.max_timestamp();
    if timestamp > max {
        return Err(format!(
            "timestamp {timestamp} is past {max}, where this window's end would overflow a long"
        ));
    }
    flags.aggregation.operand(value)?;
    Ok(Some(Record {
        key: key.into(),
        value: value.into(),
        timestamp,
    }))
}

/// An event as the command prints it: `KEY@[START,END) AGGREGATE @TIMESTAMP` or `dropped KEY VALUE
/// @TIMESTAMP`.
pub fn output_line(event: &Event) -> String {
    match event {
        Event::Result {
            key,
            window,
            value,
            timestamp,
        } => {
            let value = value.as_ref().map_or("null".into(), |v| v.to_string());
            format!("{key}@{window} {value} @{timestamp}")
        }
        Event::Dropped(d) => format!("dropped {} {} @{}", d.key, d.value, d.timestamp),
    }
}

impl WindowSpec {
    /// The smallest stream time at which `window` takes no more records: `end + grace` for
    /// tumbling and hopping windows (a window with `end <= streamTime - grace` is skipped),
    /// `end + grace + 1` for sliding windows (`end < streamTime - grace`) and `end + gap + grace +
    /// 1` for a session (`end < streamTime - gap - grace`). Saturates at `i64::MAX`.
    pub fn closes_at(&self, window: &Window) -> i64 {
        match *self {
            WindowSpec::Time { grace, .. } => window.end.saturating_add(grace),
            WindowSpec::Sliding { grace, .. } => window.end.saturating_add(grace).saturating_add(1),
            WindowSpec::Session { gap, grace } => window
                .end
                .saturating_add(gap)
                .saturating_add(grace)
                .saturating_add(1),
        }
    }
}

/// What one input record did: the stream time after it and what it forwarded and skipped.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub stream_time: i64,
    pub events: Vec<Event>,
    /// The record's timestamp was below the stream time before it: it came out of order.
    pub out_of_order: bool,
}

/// Runs `records` through one task's aggregation, keeping each record's step. `max_work` bounds
/// the window reads, writes and emissions (hopping and sliding windows do several per record).
pub fn run(flags: &Flags, records: &[Record], max_work: u64) -> Result<Vec<Step>, String> {
    let mut p = WindowedAggregation::new(flags.spec, flags.emit, flags.aggregation.clone());
    let mut steps = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        let out_of_order = r.timestamp < p.stream_time();
        let events = p.process(r)?;
        if p.work() > max_work {
            return Err(format!(
                "more than {max_work} window reads and updates by record {i}: fewer records or \
                 fewer windows per record"
            ));
        }
        steps.push(Step {
            stream_time: p.stream_time(),
            events,
            out_of_order,
        });
    }
    Ok(steps)
}

/// The most records a window cell holds: one row each in its timeline.
pub const MAX_CELL_RECORDS: usize = 200;
/// The most window reads and updates a window cell's run may do.
pub const MAX_CELL_WORK: u64 = 200_000;

/// A window cell: its flags, its records (each with its line number, from 1) and its `expect`
/// lines.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub flags: Flags,
    pub records: Vec<(usize, Record)>,
    pub expects: Vec<Expect>,
}

/// Splits a line into words, `'…'` keeping spaces inside one word (as a shell does).
fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let (mut words, mut word, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    for c in line.chars() {
        match c {
            '\'' => (quoted, any) = (!quoted, true),
            c if c.is_whitespace() && !quoted => {
                if any {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if quoted {
        return Err("a ' is not closed".into());
    }
    if any {
        words.push(word);
    }
    Ok(words)
}

/// Reads a window cell. Errors name the line (`line 3: …`).
pub fn parse_cell(text: &str) -> Result<Cell, String> {
    let mut flags = None;
    let (mut records, mut expects) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let at = |e: String| format!("line {n}: {e}");
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if trimmed.starts_with("--") {
            if flags.is_some() {
                return Err(at(
                    "the flags are given twice (one `--window …` line)".into()
                ));
            }
            let (f, rest) = parse_flags(&shell_words(trimmed).map_err(at)?)
                .map_err(|e| at(format!("{e}\nflags: {FLAGS}")))?;
            if let Some(w) = rest.first() {
                return Err(at(format!(
                    "`{w}`: a cell's records follow on their own lines"
                )));
            }
            flags = Some(f);
            continue;
        }
        let Some(f) = &flags else {
            return Err(at(format!("a window cell starts with its flags: {FLAGS}")));
        };
        if let Some(rest) = trimmed.strip_prefix("expect ") {
            expects.push(Expect::parse(rest).map_err(at)?.at_line(n));
        } else if let Some(r) = parse_record(trimmed, f).map_err(at)? {
            if !expects.is_empty() {
                return Err(at("records come before the `expect` lines".into()));
            }
            if records.len() == MAX_CELL_RECORDS {
                return Err(at(format!(
                    "a window cell holds at most {MAX_CELL_RECORDS} records (khafka windows \
                     takes a file of any size)"
                )));
            }
            records.push((n, r));
        }
    }
    let flags = flags.ok_or_else(|| format!("a window cell starts with its flags: {FLAGS}"))?;
    Ok(Cell {
        flags,
        records,
        expects,
    })
}

impl Cell {
    /// Runs the cell's records.
    pub fn run(&self) -> Result<Vec<Step>, String> {
        let records: Vec<Record> = self.records.iter().map(|(_, r)| r.clone()).collect();
        run(&self.flags, &records, MAX_CELL_WORK)
    }
}

/// What an `expect` line measures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Measure {
    /// `dropped`: the task's `dropped-records-total`.
    Dropped,
    /// `emitted`: results forwarded (tombstones included).
    Emitted,
    /// `stream_time`: the stream time after the last record.
    StreamTime,
    /// `out_of_order`: records whose timestamp was below the stream time when they arrived
    /// (counted whether or not their window was still open).
    OutOfOrder,
    /// `emitted(KEY@[S,E))`: results forwarded for that window.
    EmittedOf(String),
    /// `result(KEY@[S,E))`: the last result forwarded for that window (`none` if none).
    ResultOf(String),
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// One `expect MEASURE OP VALUE` line of a window cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    pub line: usize,
    /// The text after `expect`, as written.
    pub text: String,
    pub measure: Measure,
    pub op: Op,
    pub value: String,
}

/// The expectations a window cell understands, for error messages.
pub const EXPECTS: &str =
    "dropped, emitted, stream_time, out_of_order, emitted(KEY@[START,END)) or \
result(KEY@[START,END)) with ==, !=, <, <=, > or >=";

impl Expect {
    /// Reads `MEASURE OP VALUE` (the text after `expect `).
    pub fn parse(text: &str) -> Result<Expect, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let bad = || format!("`expect {text}`: expected {EXPECTS}");
        let [m, op, value] = words[..] else {
            return Err(bad());
        };
        let op = match op {
            "==" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            _ => return Err(bad()),
        };
        let arg = |name: &str| {
            m.strip_prefix(name)
                .and_then(|r| r.strip_prefix('('))
                .and_then(|r| r.strip_suffix(')'))
                .filter(|w| w.contains('@'))
                .map(str::to_string)
        };
        let measure = match m {
            "dropped" => Measure::Dropped,
            "emitted" => Measure::Emitted,
            "stream_time" => Measure::StreamTime,
            "out_of_order" => Measure::OutOfOrder,
            _ => match (arg("emitted"), arg("result")) {
                (Some(w), _) => Measure::EmittedOf(w),
                (_, Some(w)) => Measure::ResultOf(w),
                _ => return Err(bad()),
            },
        };
        let numeric = !matches!(measure, Measure::ResultOf(_));
        if (numeric || !matches!(op, Op::Eq | Op::Ne)) && value.parse::<i64>().is_err() {
            return Err(format!("`expect {text}`: `{value}` is not a whole number"));
        }
        Ok(Expect {
            line: 0,
            text: text.trim().into(),
            measure,
            op,
            value: value.into(),
        })
    }

    fn at_line(mut self, line: usize) -> Self {
        self.line = line;
        self
    }

    /// Checks the expectation against a run: whether it holds, and the actual value.
    pub fn check(&self, steps: &[Step]) -> (bool, String) {
        let events = || steps.iter().flat_map(|s| &s.events);
        let results_of = |w: &str| -> Vec<&Event> {
            events()
                .filter(|e| matches!(e, Event::Result { key, window, .. } if format!("{key}@{window}") == w))
                .collect()
        };
        let actual = match &self.measure {
            Measure::Dropped => events()
                .filter(|e| matches!(e, Event::Dropped(_)))
                .count()
                .to_string(),
            Measure::Emitted => events()
                .filter(|e| matches!(e, Event::Result { .. }))
                .count()
                .to_string(),
            Measure::StreamTime => steps.last().map_or(-1, |s| s.stream_time).to_string(),
            Measure::OutOfOrder => steps.iter().filter(|s| s.out_of_order).count().to_string(),
            Measure::EmittedOf(w) => results_of(w).len().to_string(),
            Measure::ResultOf(w) => match results_of(w).last() {
                Some(Event::Result { value, .. }) => {
                    value.as_ref().map_or("null".into(), |v| v.to_string())
                }
                _ => "none".into(),
            },
        };
        let ord = match (actual.parse::<i64>(), self.value.parse::<i64>()) {
            (Ok(a), Ok(b)) => Some(a.cmp(&b)),
            _ => None,
        };
        let eq = match ord {
            Some(o) => o.is_eq(),
            None => actual == self.value,
        };
        let holds = match (self.op, ord) {
            (Op::Eq, _) => eq,
            (Op::Ne, _) => !eq,
            (_, None) => false,
            (Op::Lt, Some(o)) => o.is_lt(),
            (Op::Le, Some(o)) => o.is_le(),
            (Op::Gt, Some(o)) => o.is_gt(),
            (Op::Ge, Some(o)) => o.is_ge(),
        };
        (holds, actual)
    }
}

/// A grace (ms) below the cell's own with which every line of `goal` still holds, and one
/// millisecond less does not, the other flags and the records unchanged; `None` when one
/// millisecond less than the cell's own fails, or the goal does not hold with it. More grace
/// drops fewer records and closes windows later, so the graces most goals hold with are a range,
/// whose low end this binary search finds (a goal over several ranges gets the low end of one).
pub fn smallest_grace(cell: &Cell, goal: &[Expect]) -> Option<i64> {
    let records: Vec<Record> = cell.records.iter().map(|(_, r)| r.clone()).collect();
    let holds = |g: i64| {
        let mut flags = cell.flags.clone();
        flags.spec = flags.spec.with_grace(g);
        run(&flags, &records, MAX_CELL_WORK)
            .is_ok_and(|steps| goal.iter().all(|e| e.check(&steps).0))
    };
    let own = cell.flags.spec.grace();
    if goal.is_empty() || own <= 0 || !holds(own) {
        return None;
    }
    // `holds(hi)`; `lo` is below every grace found to hold.
    let (mut lo, mut hi) = (-1i64, own);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if holds(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    (hi < own).then_some(hi)
}

/// How late a skipped record was: `(window, the stream time the window closed at, the stream time
/// at the skip)`, for an expired-window skip.
pub fn lateness(spec: &WindowSpec, reason: &DropReason) -> Option<(Window, i64, i64)> {
    match reason {
        DropReason::ExpiredWindow {
            window,
            stream_time,
            ..
        } => Some((*window, spec.closes_at(window), *stream_time)),
        DropReason::NegativeTimestamp => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell that passes with more grace than it needs names the smallest that passes: a view
    /// arriving when stream time is 70000 needs its minute `[0,60000)` open then, so 10001 ms.
    #[test]
    fn the_smallest_grace_that_keeps_a_late_view() {
        let text = |grace: &str| {
            format!(
                "--window 'tumbling size=1m grace={grace}' --aggregate count\n\
                 home web1 10000\nhome web3 70000\nhome mob1 45000\n\
                 expect dropped == 0\nexpect result(home@[0,60000)) == 2\n"
            )
        };
        let smallest = |grace: &str| {
            let cell = parse_cell(&text(grace)).unwrap();
            smallest_grace(&cell, &cell.expects)
        };
        assert_eq!(smallest("1d"), Some(10_001));
        assert_eq!(smallest("10001ms"), None, "already the smallest");
        assert_eq!(smallest("5s"), None, "the goal does not hold");
    }

    const PAGE_VIEWS: &str = "--window 'tumbling size=1m grace=5s' --aggregate count\n\
home u1 1000\ncart u2 4000\nhome u3 61000\nhome u4 58000\ncart u5 122000\nhome u6 30000\n";

    #[test]
    fn a_cell_runs_as_the_command_does() {
        let cell = parse_cell(&format!("{PAGE_VIEWS}expect dropped == 1\n")).unwrap();
        let steps = cell.run().unwrap();
        let lines: Vec<String> = steps
            .iter()
            .flat_map(|s| s.events.iter().map(output_line))
            .collect();
        assert_eq!(
            lines,
            [
                "home@[0,60000) 1 @1000",
                "cart@[0,60000) 1 @4000",
                "home@[60000,120000) 1 @61000",
                "home@[0,60000) 2 @58000",
                "cart@[120000,180000) 1 @122000",
                "dropped home u6 @30000",
            ]
        );
        assert_eq!(steps[4].stream_time, 122_000);
        let (holds, actual) = cell.expects[0].check(&steps);
        assert!(holds, "{actual}");
        for (text, holds, actual) in [
            ("emitted == 5", true, "5"),
            ("stream_time == 122000", true, "122000"),
            ("emitted(home@[0,60000)) == 2", true, "2"),
            ("result(home@[0,60000)) == 2", true, "2"),
            ("result(home@[0,60000)) > 2", false, "2"),
            ("result(cart@[0,1)) == 1", false, "none"),
            ("dropped < 1", false, "1"),
            // u4 (counted: its window is open) and u6 (dropped) came after a later record.
            ("out_of_order == 2", true, "2"),
        ] {
            let e = Expect::parse(text).unwrap();
            assert_eq!(e.check(&steps), (holds, actual.to_string()), "{text}");
        }
    }

    #[test]
    fn window_close_times_match_the_skip_rules() {
        let w = |start, end, bounds| Window { start, end, bounds };
        let t = WindowSpec::tumbling(JavaDuration::of_millis(10), JavaDuration::of_millis(2));
        assert_eq!(t.unwrap().closes_at(&w(0, 10, crate::Bounds::HalfOpen)), 12);
        // A record at 9 arriving when stream time is 12 is skipped; at 11 it is not.
        let flags = |window: &str| {
            parse_flags(&[
                "--window".into(),
                window.into(),
                "--aggregate".into(),
                "count".into(),
            ])
            .unwrap()
            .0
        };
        for (window, at, skipped) in [
            ("tumbling size=10ms grace=2ms", 11, false),
            ("tumbling size=10ms grace=2ms", 12, true),
            ("sliding difference=10ms grace=2ms", 12, false),
            ("sliding difference=10ms grace=2ms", 13, true),
            ("session gap=10ms grace=2ms", 12, false),
            ("session gap=10ms grace=2ms", 13, true),
        ] {
            let f = flags(window);
            let first = Record {
                key: "k".into(),
                value: "v".into(),
                timestamp: at,
            };
            // Tumbling: 9 is in [0,10), closed at 12; a record at 0 alone: sliding [0,10] and
            // session [0,0] close at 13.
            let late = Record {
                key: "k".into(),
                value: "v".into(),
                timestamp: if window.starts_with("tumbling") { 9 } else { 0 },
            };
            let steps = run(&f, &[first, late], 1000).unwrap();
            let dropped = steps[1]
                .events
                .iter()
                .any(|e| matches!(e, Event::Dropped(_)));
            assert_eq!(dropped, skipped, "{window} at {at}");
            if let Some(Event::Dropped(d)) = steps[1].events.last() {
                let (window, closes, now) = lateness(&f.spec, &d.reason).unwrap();
                assert!(
                    now >= closes,
                    "{window} closes at {closes}, skipped at {now}"
                );
            }
        }
    }

    #[test]
    fn bad_cells_say_which_line() {
        for (text, says) in [
            ("home u1 1\n", "line 1: a window cell starts with its flags"),
            (
                "--window 'tumbling size=0ms' --aggregate count\n",
                "line 1: Window size (sizeMs) must be larger than zero.",
            ),
            (
                "--window 'tumbling size=1s --aggregate count\n",
                "line 1: a ' is not closed",
            ),
            (
                "--window 'tumbling size=1s' --aggregate sum\nk x 1\n",
                "line 2: value `x` is not a long",
            ),
            (
                "--window 'tumbling size=1s' --aggregate count\nk x\n",
                "line 2: expected `KEY VALUE TIMESTAMP_MS`",
            ),
            (
                "--window 'tumbling size=1s' --aggregate count\nexpect lost == 0\n",
                "line 2: `expect lost == 0`: expected dropped",
            ),
            (
                "--window 'tumbling size=1s' --aggregate count\nexpect dropped == x\n",
                "is not a whole number",
            ),
            (
                "--window 'tumbling size=1s' --aggregate count\nexpect dropped == 0\nk v 1\n",
                "line 3: records come before",
            ),
        ] {
            let e = parse_cell(text).unwrap_err();
            assert!(e.starts_with(says) || e.contains(says), "{text}: {e}");
        }
        let many: String = (0..=MAX_CELL_RECORDS)
            .map(|i| format!("k v {i}\n"))
            .collect();
        let e = parse_cell(&format!(
            "--window 'tumbling size=1s' --aggregate count\n{many}"
        ))
        .unwrap_err();
        assert!(e.contains("at most 200 records"), "{e}");
    }
}
