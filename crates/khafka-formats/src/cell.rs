//! Format cells: the live blocks of a lesson fenced ```` ```format encode ````, ```` ```format
//! compat ```` or ```` ```format decode ```` (docs/writing-lessons.md). A cell's text takes the
//! CLI's inputs as lines; [`run`] parses it, encodes, checks or decodes with this crate, and grades
//! its `expect` lines. The site's codec worker answers `{"op":"cell"}` with [`run`] (`api.rs`) and
//! CI runs the same function natively on every lesson's cells, so a lesson's numbers and exercises
//! are checked by the code that shows them.
//!
//! A line starts with a keyword at its first column; the lines indented below it (or blank) are the
//! rest of its value, so a `.proto` schema spans several lines:
//!
//! ```text
//! format protobuf
//! schema
//!   syntax = "proto3";
//!   message Order { int64 id = 1; }
//! value {"id": 7}
//! expect size < 4
//! ```
//!
//! | kind | keywords |
//! |---|---|
//! | `encode` | `format`, `schema`, `message`, `value` (one per record, at most [`VALUES_MAX`]), `schema-id`, `codec` |
//! | `compat` | `format`, `mode`, `new`, `old` (one or more, newest first) |
//! | `decode` | `format`, `writer`, `message`, `value` (written with `writer`), `reader` |
//!
//! Goals (`expect`): `compatible`, `incompatible` (compat); `decodes`, `fails`, `field NAME` (decode:
//! the value the reader sees has that top-level field; Avro and JSON only, as Protobuf's JSON leaves
//! out fields at their default); and
//! `size`, `total`, `records`, `batch` compared with `<`, `<=`, `==`, `!=`, `>=` or `>` to a number
//! of bytes (encode): `size` is the first value's encoding (with its Confluent framing when
//! `schema-id` is set), `total` all values' encodings, `records` the batch's records before
//! compression, `batch` the whole record batch on the wire, compressed with `codec` when set.

use crate::compat::{check_compatibility, CompatibilityLevel, CompatibilityResult};
use crate::compression::Codec;
use crate::record_batch::{batch_sizes, Batch, BatchSizes};
use crate::{to_hex, Format, FormatError, Layout, Limits};
use serde::Serialize;

/// Most `value` lines in one cell (a batch a lesson measures).
pub const VALUES_MAX: usize = 1_000;
/// Most `expect` lines in one cell.
pub const EXPECTS_MAX: usize = 32;
/// Most `old` schemas in one compat cell.
pub const OLD_MAX: usize = 100;

/// What a cell does (the fence's second word).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Encode,
    Compat,
    Decode,
}

impl Kind {
    pub fn parse(s: &str) -> Result<Kind, FormatError> {
        match s {
            "encode" => Ok(Kind::Encode),
            "compat" => Ok(Kind::Compat),
            "decode" => Ok(Kind::Decode),
            _ => Err(FormatError::input(format!(
                "unknown format cell `{s}` (encode, compat or decode)"
            ))),
        }
    }

    /// The kind a fence's words name (`format encode exercise` → encode).
    pub fn of_fence(info: &str) -> Result<Kind, FormatError> {
        let mut words = info.split_whitespace();
        if words.next() != Some("format") {
            return Err(FormatError::input(
                "a format cell's fence starts with `format`",
            ));
        }
        Kind::parse(words.next().unwrap_or(""))
    }
}

/// A comparison in an `expect` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Eq,
    Ne,
    Ge,
    Gt,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "<" => Op::Lt,
            "<=" => Op::Le,
            "==" => Op::Eq,
            "!=" => Op::Ne,
            ">=" => Op::Ge,
            ">" => Op::Gt,
            _ => return None,
        })
    }

    fn holds(self, a: u64, b: u64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Eq => a == b,
            Op::Ne => a != b,
            Op::Ge => a >= b,
            Op::Gt => a > b,
        }
    }
}

/// One goal.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Goal {
    Compatible(bool),
    Decodes(bool),
    /// The value decodes and has this top-level field (a reader schema that keeps it).
    Field(String),
    Measure(&'static str, Op, u64),
}

const MEASURES: [&str; 4] = ["size", "total", "records", "batch"];

fn parse_goal(kind: Kind, text: &str) -> Result<Goal, FormatError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let goal = match words.as_slice() {
        ["compatible"] => Goal::Compatible(true),
        ["incompatible"] => Goal::Compatible(false),
        ["decodes"] => Goal::Decodes(true),
        ["fails"] => Goal::Decodes(false),
        ["field", name] => Goal::Field(name.to_string()),
        [m, op, n] => {
            let measure = MEASURES.iter().find(|x| *x == m).ok_or_else(|| {
                FormatError::input(format!(
                    "unknown measure `{m}` in `expect {text}` (size, total, records, batch)"
                ))
            })?;
            let op = Op::parse(op).ok_or_else(|| {
                FormatError::input(format!(
                    "unknown comparison `{op}` in `expect {text}` (<, <=, ==, !=, >=, >)"
                ))
            })?;
            let n: u64 = n.parse().map_err(|_| {
                FormatError::input(format!(
                    "`{n}` in `expect {text}` is not a number of bytes (0 to {})",
                    u64::MAX
                ))
            })?;
            Goal::Measure(measure, op, n)
        }
        _ => {
            return Err(FormatError::input(format!(
                "cannot read `expect {text}`: write `expect compatible`, `expect incompatible`, \
                 `expect decodes`, `expect fails`, `expect field NAME` or \
                 `expect size|total|records|batch OP BYTES`"
            )))
        }
    };
    let fits = match goal {
        Goal::Compatible(_) => kind == Kind::Compat,
        Goal::Decodes(_) | Goal::Field(_) => kind == Kind::Decode,
        Goal::Measure(..) => kind == Kind::Encode,
    };
    if !fits {
        return Err(FormatError::input(format!(
            "`expect {text}` does not apply to a {} cell",
            kind_name(kind)
        )));
    }
    Ok(goal)
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Encode => "format encode",
        Kind::Compat => "format compat",
        Kind::Decode => "format decode",
    }
}

/// A cell's text, read.
#[derive(Clone, Debug, Default)]
struct Spec {
    format: Option<Format>,
    schema: Option<String>,
    message: Option<String>,
    values: Vec<String>,
    schema_id: Option<i32>,
    codec: Option<Codec>,
    mode: Option<CompatibilityLevel>,
    new: Option<String>,
    old: Vec<String>,
    writer: Option<String>,
    reader: Option<String>,
    expects: Vec<String>,
}

/// The `expect` lines of a cell's text (the goal of an exercise), without `expect `.
pub fn expect_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("expect "))
        .map(|l| l.trim().to_string())
        .collect()
}

fn once<T>(slot: &mut Option<T>, key: &str, line: usize, v: T) -> Result<(), FormatError> {
    if slot.is_some() {
        return Err(FormatError::input(format!(
            "line {line}: `{key}` is given twice"
        )));
    }
    *slot = Some(v);
    Ok(())
}

fn parse(kind: Kind, text: &str) -> Result<Spec, FormatError> {
    crate::check_len(
        "cell",
        text.len(),
        2 * Limits::SCHEMA_BYTES_MAX + Limits::VALUE_BYTES_MAX,
    )?;
    // (first line number, keyword, value)
    let mut items: Vec<(usize, String, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let continues = line.starts_with([' ', '\t']) || line.trim().is_empty();
        if continues {
            match items.last_mut() {
                Some((_, _, v)) => {
                    if !v.is_empty() || !line.trim().is_empty() {
                        v.push('\n');
                        v.push_str(line);
                    }
                }
                None if line.trim().is_empty() => {}
                None => {
                    return Err(FormatError::input(format!(
                    "line {n}: an indented line continues the keyword above it, and there is none"
                )))
                }
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (key, rest) = line.split_once([' ', '\t']).unwrap_or((line, ""));
        items.push((n, key.to_string(), rest.trim().to_string()));
    }
    let allowed: &[&str] = match kind {
        Kind::Encode => &[
            "format",
            "schema",
            "message",
            "value",
            "schema-id",
            "codec",
            "expect",
        ],
        Kind::Compat => &["format", "mode", "new", "old", "expect"],
        Kind::Decode => &["format", "writer", "message", "value", "reader", "expect"],
    };
    let mut spec = Spec::default();
    for (n, key, value) in items {
        if !allowed.contains(&key.as_str()) {
            return Err(FormatError::input(format!(
                "line {n}: `{key}` is not a keyword of a {} cell ({})",
                kind_name(kind),
                allowed.join(", ")
            )));
        }
        let value = value.trim().to_string();
        if value.is_empty() {
            return Err(FormatError::input(format!(
                "line {n}: `{key}` needs a value"
            )));
        }
        match key.as_str() {
            "format" => once(&mut spec.format, "format", n, Format::parse(&value)?)?,
            "schema" => once(&mut spec.schema, "schema", n, value)?,
            "message" => once(&mut spec.message, "message", n, value)?,
            "writer" => once(&mut spec.writer, "writer", n, value)?,
            "reader" => once(&mut spec.reader, "reader", n, value)?,
            "new" => once(&mut spec.new, "new", n, value)?,
            "mode" => once(
                &mut spec.mode,
                "mode",
                n,
                CompatibilityLevel::parse(&value)?,
            )?,
            "codec" => once(&mut spec.codec, "codec", n, Codec::parse(&value)?)?,
            "schema-id" => {
                let id: i32 = value.parse().ok().filter(|id| *id >= 0).ok_or_else(|| {
                    FormatError::input(format!(
                        "line {n}: schema-id `{value}` is not a schema id (0 to {})",
                        i32::MAX
                    ))
                })?;
                once(&mut spec.schema_id, "schema-id", n, id)?
            }
            "value" => {
                if spec.values.len() >= VALUES_MAX {
                    return Err(FormatError::input(format!(
                        "line {n}: at most {VALUES_MAX} values in a cell"
                    )));
                }
                spec.values.push(value)
            }
            "old" => {
                if spec.old.len() >= OLD_MAX {
                    return Err(FormatError::input(format!(
                        "line {n}: at most {OLD_MAX} old schemas in a cell"
                    )));
                }
                spec.old.push(value)
            }
            "expect" => {
                if spec.expects.len() >= EXPECTS_MAX {
                    return Err(FormatError::input(format!(
                        "line {n}: at most {EXPECTS_MAX} expect lines in a cell"
                    )));
                }
                spec.expects.push(value)
            }
            _ => unreachable!("keywords are checked above"),
        }
    }
    let need = |present: bool, key: &str| {
        if present {
            Ok(())
        } else {
            Err(FormatError::input(format!(
                "a {} cell needs `{key}`",
                kind_name(kind)
            )))
        }
    };
    need(spec.format.is_some(), "format")?;
    match kind {
        Kind::Encode => {
            need(spec.schema.is_some(), "schema")?;
            need(!spec.values.is_empty(), "value")?;
        }
        Kind::Compat => {
            need(spec.mode.is_some(), "mode")?;
            need(spec.new.is_some(), "new")?;
            need(!spec.old.is_empty(), "old")?;
        }
        Kind::Decode => {
            need(spec.writer.is_some(), "writer")?;
            if spec.values.len() != 1 {
                return Err(FormatError::input(
                    "a format decode cell takes exactly one `value`",
                ));
            }
        }
    }
    Ok(spec)
}

/// One value as encoded.
#[derive(Clone, Debug, Serialize)]
pub struct Encoded {
    pub hex: String,
    pub layout: Layout,
}

/// A batch of a cell's values, measured without compression and with the cell's codec.
#[derive(Clone, Debug, Serialize)]
pub struct BatchReport {
    pub codec: &'static str,
    pub uncompressed: BatchSizes,
    pub compressed: BatchSizes,
}

/// What a decode cell's consumer got.
#[derive(Clone, Debug, Serialize)]
pub struct Decoded {
    /// The value as the reader sees it, as JSON text.
    pub value: Option<String>,
    /// Why it could not read the bytes.
    pub error: Option<String>,
}

/// A compat cell's verdict.
#[derive(Clone, Debug, Serialize)]
pub struct CompatReport {
    pub result: CompatibilityResult,
    /// One line, empty when compatible.
    pub reason: String,
}

/// One goal, graded.
#[derive(Clone, Debug, Serialize)]
pub struct Graded {
    /// The line without `expect `.
    pub line: String,
    pub holds: bool,
    /// What the cell measured, e.g. "23 bytes" or "incompatible".
    pub actual: String,
}

/// What a cell shows.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub kind: Kind,
    pub format: Format,
    /// Encode: each value; decode: the value as the writer encoded it.
    pub encoded: Vec<Encoded>,
    pub batch: Option<BatchReport>,
    pub compat: Option<CompatReport>,
    pub decoded: Option<Decoded>,
    /// The goal (`goal` given to [`run`]) or the cell's own `expect` lines, graded.
    pub expects: Vec<Graded>,
}

impl Report {
    /// Every graded line holds.
    pub fn passes(&self) -> bool {
        self.expects.iter().all(|g| g.holds)
    }
}

/// Runs a cell of `kind` on `text`. With `goal` (an exercise's goal lines, without `expect `),
/// those are graded instead of the text's own `expect` lines.
pub fn run(kind: Kind, text: &str, goal: Option<&[String]>) -> Result<Report, FormatError> {
    let spec = parse(kind, text)?;
    let lines: Vec<String> = match goal {
        Some(g) => {
            if g.len() > EXPECTS_MAX {
                return Err(FormatError::input(format!(
                    "at most {EXPECTS_MAX} goal lines"
                )));
            }
            g.to_vec()
        }
        None => spec.expects.clone(),
    };
    let goals = lines
        .iter()
        .map(|l| parse_goal(kind, l))
        .collect::<Result<Vec<_>, _>>()?;
    let format = spec.format.expect("checked by parse");
    // The decoded JSON of a Protobuf message leaves out fields at their default value, so it
    // cannot tell whether the reader's schema has a field.
    if format == Format::Protobuf && goals.iter().any(|g| matches!(g, Goal::Field(_))) {
        return Err(FormatError::input(
            "`expect field` reads the decoded value, and Protobuf leaves out a field at its \
             default value (\"\", 0, false): use it with Avro or JSON",
        ));
    }
    let message = spec.message.as_deref();
    let mut report = Report {
        kind,
        format,
        encoded: Vec::new(),
        batch: None,
        compat: None,
        decoded: None,
        expects: Vec::new(),
    };
    match kind {
        Kind::Encode => {
            let schema = spec.schema.as_deref().expect("checked by parse");
            for (i, v) in spec.values.iter().enumerate() {
                let layout = crate::explain_framed(format, schema, message, v, spec.schema_id)
                    .map_err(|e| {
                        if spec.values.len() > 1 {
                            FormatError {
                                message: format!("value {}: {}", i + 1, e.message),
                                ..e
                            }
                        } else {
                            e
                        }
                    })?;
                report.encoded.push(Encoded {
                    hex: to_hex(&layout.bytes),
                    layout,
                });
            }
            let values: Vec<_> = report
                .encoded
                .iter()
                .map(|e| (None, Some(e.layout.bytes.clone())))
                .collect();
            let codec = spec.codec.unwrap_or(Codec::None);
            report.batch = Some(BatchReport {
                codec: codec.name(),
                uncompressed: batch_sizes(&Batch::of_values(Codec::None, &values))?,
                compressed: batch_sizes(&Batch::of_values(codec, &values))?,
            });
        }
        Kind::Compat => {
            let old: Vec<&str> = spec.old.iter().map(String::as_str).collect();
            let result = check_compatibility(
                format,
                spec.mode.expect("checked by parse"),
                spec.new.as_deref().expect("checked by parse"),
                &old,
            )?;
            let reason = if result.compatible {
                String::new()
            } else {
                result.reason()
            };
            report.compat = Some(CompatReport { result, reason });
        }
        Kind::Decode => {
            let writer = spec.writer.as_deref().expect("checked by parse");
            let layout = crate::explain(format, writer, message, &spec.values[0])?;
            let decoded = crate::decode(
                format,
                writer,
                message,
                spec.reader.as_deref(),
                &layout.bytes,
            );
            report.decoded = Some(match decoded {
                Ok(v) => Decoded {
                    value: Some(v.to_string()),
                    error: None,
                },
                Err(e) => Decoded {
                    value: None,
                    error: Some(e.to_string()),
                },
            });
            report.encoded.push(Encoded {
                hex: to_hex(&layout.bytes),
                layout,
            });
        }
    }
    report.expects = lines
        .into_iter()
        .zip(goals)
        .map(|(line, goal)| {
            let (holds, actual) = grade(&report, &goal);
            Graded {
                line,
                holds,
                actual,
            }
        })
        .collect();
    Ok(report)
}

fn grade(report: &Report, goal: &Goal) -> (bool, String) {
    match goal {
        Goal::Compatible(want) => {
            let is = report.compat.as_ref().is_some_and(|c| c.result.compatible);
            (
                is == *want,
                if is { "compatible" } else { "incompatible" }.into(),
            )
        }
        Goal::Decodes(want) => {
            let is = report.decoded.as_ref().is_some_and(|d| d.value.is_some());
            (is == *want, if is { "decodes" } else { "fails" }.into())
        }
        Goal::Field(name) => {
            let value = report.decoded.as_ref().and_then(|d| d.value.as_deref());
            let Some(value) = value else {
                return (false, "fails".into());
            };
            let has = serde_json::from_str::<serde_json::Value>(value)
                .is_ok_and(|v| v.get(name.as_str()).is_some());
            (
                has,
                if has {
                    format!("has {name}")
                } else {
                    format!("no {name}")
                },
            )
        }
        Goal::Measure(m, op, n) => {
            let v = measure(report, m);
            (op.holds(v, *n), format!("{v} bytes"))
        }
    }
}

/// A measure of an encode cell, in bytes.
pub fn measure(report: &Report, name: &str) -> u64 {
    let batch = report.batch.as_ref();
    (match name {
        "size" => report.encoded.first().map_or(0, |e| e.layout.bytes.len()),
        "total" => report.encoded.iter().map(|e| e.layout.bytes.len()).sum(),
        "records" => batch.map_or(0, |b| b.uncompressed.records_bytes),
        "batch" => batch.map_or(0, |b| b.compressed.batch_bytes),
        _ => 0,
    }) as u64
}

/// A format cell of a lesson: its fence's words, its text and the line its fence is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fenced {
    pub info: String,
    pub text: String,
    pub line: usize,
}

/// The blocks fenced ```` ```format … ```` in a lesson's Markdown (fences at the start of a line,
/// as docs/writing-lessons.md asks), solutions included.
pub fn fenced(markdown: &str) -> Vec<Fenced> {
    let mut out = Vec::new();
    let mut open: Option<Fenced> = None;
    for (i, line) in markdown.lines().enumerate() {
        match open.as_mut() {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    if info.split_whitespace().next() == Some("format") {
                        open = Some(Fenced {
                            info: info.trim().to_string(),
                            text: String::new(),
                            line: i + 1,
                        });
                    }
                }
            }
            Some(cell) => {
                if line.trim_end() == "```" {
                    out.extend(open.take());
                } else {
                    cell.text.push_str(line);
                    cell.text.push('\n');
                }
            }
        }
    }
    out
}

fn has_word(info: &str, word: &str) -> bool {
    info.split_whitespace().any(|w| w == word)
}

/// Runs every format cell of a lesson as CI does: a cell's own `expect` lines must hold (a lesson
/// whose predictions fail is a bug); an exercise (```` ```format KIND exercise ````) must fail at
/// least one goal line as written and pass them all with the ```` ```format KIND solution ```` right
/// after it, whose `expect` lines are the goal's, unchanged. Gives one line per cell (what it
/// measured) or the problems found.
pub fn check_lesson(markdown: &str) -> Result<Vec<String>, Vec<String>> {
    let cells = fenced(markdown);
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut i = 0;
    while i < cells.len() {
        let c = &cells[i];
        let at = format!("line {} ({})", c.line, c.info);
        i += 1;
        let kind = match Kind::of_fence(&c.info) {
            Ok(k) => k,
            Err(e) => {
                problems.push(format!("{at}: {}", e.message));
                continue;
            }
        };
        if has_word(&c.info, "solution") {
            problems.push(format!(
                "{at}: a solution without an exercise right before it"
            ));
            continue;
        }
        let goal = expect_lines(&c.text);
        if has_word(&c.info, "exercise") {
            let solution = cells.get(i).filter(|s| has_word(&s.info, "solution"));
            let Some(solution) = solution else {
                problems.push(format!(
                    "{at}: an exercise without a solution right after it"
                ));
                continue;
            };
            i += 1;
            if Kind::of_fence(&solution.info).ok() != Some(kind) {
                problems.push(format!(
                    "{at}: its solution is not a {} cell",
                    kind_name(kind)
                ));
            }
            if goal.is_empty() {
                problems.push(format!("{at}: an exercise without `expect` lines"));
            }
            if expect_lines(&solution.text) != goal {
                problems.push(format!(
                    "{at}: the solution's expect lines are not the exercise's"
                ));
            }
            match run(kind, &c.text, Some(&goal)) {
                Ok(r) if r.passes() => {
                    problems.push(format!("{at}: the exercise passes as written"))
                }
                Ok(_) => {}
                // A start that does not run fails its goal too, but lessons start from a cell
                // that runs.
                Err(e) => problems.push(format!("{at}: the exercise does not run: {e}")),
            }
            match run(kind, &solution.text, Some(&goal)) {
                Ok(r) if r.passes() => lines.push(format!("{at}: {}", summary(&r))),
                Ok(r) => problems.push(format!("{at}: the solution fails {}", failing(&r))),
                Err(e) => problems.push(format!("{at}: the solution does not run: {e}")),
            }
            continue;
        }
        match run(kind, &c.text, None) {
            Ok(r) if r.passes() => lines.push(format!("{at}: {}", summary(&r))),
            Ok(r) => problems.push(format!("{at}: predictions fail: {}", failing(&r))),
            Err(e) => problems.push(format!("{at}: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(lines)
    } else {
        Err(problems)
    }
}

fn failing(r: &Report) -> String {
    r.expects
        .iter()
        .filter(|g| !g.holds)
        .map(|g| format!("`expect {}` (was {})", g.line, g.actual))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A cell's figures on one line, for authors (`khafka format-cells`).
pub fn summary(r: &Report) -> String {
    match r.kind {
        Kind::Encode => {
            let b = r.batch.as_ref();
            format!(
                "size {} B, total {} B, records {} B, batch {} B uncompressed, {} B with {} ({})",
                measure(r, "size"),
                measure(r, "total"),
                measure(r, "records"),
                b.map_or(0, |b| b.uncompressed.batch_bytes),
                b.map_or(0, |b| b.compressed.batch_bytes),
                b.map_or("none", |b| b.codec),
                r.encoded.first().map_or("", |e| e.hex.as_str()),
            )
        }
        Kind::Compat => match &r.compat {
            Some(c) if c.result.compatible => "compatible".to_string(),
            Some(c) => format!("incompatible: {}", c.reason),
            None => String::new(),
        },
        Kind::Decode => match &r.decoded {
            Some(Decoded { value: Some(v), .. }) => format!("decodes to {v}"),
            Some(Decoded { error: Some(e), .. }) => format!("fails: {e}"),
            _ => String::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: &str =
        r#"{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}"#;

    #[test]
    fn an_encode_cell_measures_and_grades() {
        let text = format!(
            "format avro\nschema {ORDER}\nvalue {{\"id\": 1}}\nvalue {{\"id\": 2}}\nschema-id 1\nexpect size == 6\nexpect total > 6\nexpect size < 6\n"
        );
        let r = run(Kind::Encode, &text, None).unwrap();
        // magic byte, 4-byte id, zig-zag 1 = 02
        assert_eq!(r.encoded[0].hex, "000000000102");
        assert_eq!(measure(&r, "total"), 12);
        let holds: Vec<bool> = r.expects.iter().map(|g| g.holds).collect();
        assert_eq!(holds, [true, true, false]);
        assert_eq!(r.expects[2].actual, "6 bytes");
        // An exercise's goal replaces the cell's own lines.
        let r = run(Kind::Encode, &text, Some(&["size == 6".to_string()])).unwrap();
        assert!(r.passes());
    }

    #[cfg(feature = "protobuf")]
    #[test]
    fn indented_lines_continue_a_schema() {
        let text = "format protobuf\nschema\n  syntax = \"proto3\";\n  message M {\n    int32 a = 1;\n  }\nvalue {\"a\": 150}\nexpect size == 3\n";
        let r = run(Kind::Encode, text, None).unwrap();
        // The Protobuf encoding guide's own example: 08 96 01.
        assert_eq!(r.encoded[0].hex, "089601");
        assert!(r.passes());
    }

    #[test]
    fn compat_and_decode_cells() {
        let with_b = r#"{"type":"record","name":"Order","fields":[{"name":"id","type":"long"},{"name":"b","type":"string"}]}"#;
        let text =
            format!("format avro\nmode BACKWARD\nnew {with_b}\nold {ORDER}\nexpect compatible\n");
        let r = run(Kind::Compat, &text, None).unwrap();
        assert!(!r.passes());
        assert!(r.compat.unwrap().reason.contains("b"), "names the field");
        // Old data read by the new consumer: no value for `b` and no default.
        let text = format!(
            "format avro\nwriter {ORDER}\nvalue {{\"id\": 3}}\nreader {with_b}\nexpect fails\n"
        );
        let r = run(Kind::Decode, &text, None).unwrap();
        assert!(r.passes(), "{:?}", r.decoded);
        assert!(r.decoded.unwrap().error.is_some());
        // `expect field`: the reader's value has the field only when its schema keeps it.
        let with_default = r#"{"type":"record","name":"Order","fields":[{"name":"id","type":"long"},{"name":"b","type":"string","default":"none"}]}"#;
        for (reader, holds, actual) in [
            (with_default, true, "has b"),
            (ORDER, false, "no b"),
            (with_b, false, "fails"),
        ] {
            let text = format!(
                "format avro\nwriter {ORDER}\nvalue {{\"id\": 3}}\nreader {reader}\nexpect field b\n"
            );
            let r = run(Kind::Decode, &text, None).unwrap();
            assert_eq!(
                (r.expects[0].holds, r.expects[0].actual.as_str()),
                (holds, actual),
                "{reader}"
            );
        }
        // Protobuf's JSON leaves out a field at its default: the goal is refused there.
        let proto = "format protobuf\nwriter\n  syntax = \"proto3\";\n  message M { int64 id = 1; }\nvalue {\"id\": 0}\nexpect field id\n";
        let e = run(Kind::Decode, proto, None).unwrap_err();
        assert!(
            e.message.contains("use it with Avro or JSON"),
            "{}",
            e.message
        );
    }

    #[test]
    fn mistakes_are_errors_with_the_line() {
        for (kind, text, says) in [
            (Kind::Encode, "format avro\nvalue {}\n", "needs `schema`"),
            (Kind::Encode, "format xml\n", "unknown format"),
            (Kind::Encode, "  indented\n", "continues"),
            (Kind::Compat, "format avro\nmode SIDEWAYS\n", "SIDEWAYS"),
            (Kind::Compat, "format avro\nvalue 1\n", "not a keyword"),
            (Kind::Encode, "format avro\nformat json\n", "twice"),
            (
                Kind::Encode,
                "format avro\nschema-id -1\n",
                "not a schema id",
            ),
            (
                Kind::Encode,
                &format!("format avro\nschema {ORDER}\nvalue {{\"id\":1}}\nexpect compatible\n"),
                "does not apply",
            ),
            (
                Kind::Encode,
                &format!("format avro\nschema {ORDER}\nvalue {{\"id\":1}}\nexpect size ~ 3\n"),
                "unknown comparison",
            ),
            (
                Kind::Decode,
                &format!("format avro\nwriter {ORDER}\n"),
                "exactly one",
            ),
        ] {
            let e = run(kind, text, None).unwrap_err();
            assert!(e.message.contains(says), "{text}: {}", e.message);
        }
    }
}
