//! `khafka encode | decode | schema-compat`: the formats crate on the command line, so lessons and
//! tests can check bytes and verdicts against real Avro, Protobuf and the Schema Registry.
//!
//! Exit codes: 0 on success (or `compatible`); 1 when the value does not fit the schema, the
//! bytes do not decode, or the schema is `incompatible`; 2 on invalid input (flags, files,
//! schemas, limits).

use khafka_formats::compat::{check_parsed, CompatibilityLevel, ParsedSchema};
use khafka_formats::error::ErrorKind;
use khafka_formats::{confluent, Format, FormatError, Limits};

/// An error with its exit code.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl From<FormatError> for Failure {
    fn from(e: FormatError) -> Self {
        let code = match e.kind {
            ErrorKind::Encode | ErrorKind::Decode => 1,
            ErrorKind::Input | ErrorKind::Schema => 2,
        };
        Failure {
            code,
            message: e.to_string(),
        }
    }
}

fn invalid(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

/// Parsed `--flag value` pairs, boolean `--flags` and positional arguments.
struct Args {
    values: Vec<(String, String)>,
    switches: Vec<String>,
    positional: Vec<String>,
}

impl Args {
    fn parse(
        args: &[String],
        with_value: &[&str],
        switches: &[&str],
        usage: &str,
    ) -> Result<Args, Failure> {
        let mut out = Args {
            values: vec![],
            switches: vec![],
            positional: vec![],
        };
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            if with_value.contains(&a.as_str()) {
                let v = args
                    .get(i + 1)
                    .ok_or_else(|| invalid(format!("{a} needs a value\n{usage}")))?;
                if out.values.iter().any(|(k, _)| k == a) {
                    return Err(invalid(format!("{a} given twice")));
                }
                out.values.push((a.clone(), v.clone()));
                i += 2;
            } else if switches.contains(&a.as_str()) {
                out.switches.push(a.clone());
                i += 1;
            } else if a.starts_with("--") {
                return Err(invalid(format!("unknown option `{a}`\n{usage}")));
            } else {
                out.positional.push(a.clone());
                i += 1;
            }
        }
        Ok(out)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn need(&self, name: &str, usage: &str) -> Result<&str, Failure> {
        self.get(name)
            .ok_or_else(|| invalid(format!("missing {name}\n{usage}")))
    }

    fn has(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }
}

/// Reads a schema file, refusing anything larger than the schema limit before reading it.
fn read_schema(path: &str) -> Result<String, Failure> {
    let meta = std::fs::metadata(path).map_err(|e| invalid(format!("{path}: {e}")))?;
    if !meta.is_file() {
        return Err(invalid(format!("{path}: not a file")));
    }
    if meta.len() > Limits::SCHEMA_BYTES_MAX as u64 {
        return Err(invalid(format!(
            "{path}: {} bytes; the limit for a schema is {}",
            meta.len(),
            Limits::SCHEMA_BYTES_MAX
        )));
    }
    std::fs::read_to_string(path).map_err(|e| invalid(format!("{path}: {e}")))
}

fn format_flag(args: &Args, usage: &str) -> Result<Format, Failure> {
    Ok(Format::parse(args.need("--format", usage)?)?)
}

pub const ENCODE_USAGE: &str =
    "usage: khafka encode --format avro|protobuf|json --schema FILE [--message NAME] --value JSON [--schema-id N] [--explain]";
pub const DECODE_USAGE: &str =
    "usage: khafka decode --format avro|protobuf|json --schema FILE [--message NAME] [--reader-schema FILE] --hex HEX";
pub const COMPAT_USAGE: &str =
    "usage: khafka schema-compat --format avro|protobuf|json --mode MODE NEW OLD [OLDER ...]";

/// `khafka encode`: lowercase hex on one line, or the annotated layout with `--explain`.
pub fn encode(args: &[String]) -> Result<String, Failure> {
    let u = ENCODE_USAGE;
    let a = Args::parse(
        args,
        &[
            "--format",
            "--schema",
            "--message",
            "--value",
            "--schema-id",
        ],
        &["--explain"],
        u,
    )?;
    if let Some(p) = a.positional.first() {
        return Err(invalid(format!("unexpected argument `{p}`\n{u}")));
    }
    let format = format_flag(&a, u)?;
    let schema = read_schema(a.need("--schema", u)?)?;
    let value = a.need("--value", u)?;
    let message = a.get("--message");
    let schema_id = a
        .get("--schema-id")
        .map(confluent::parse_schema_id)
        .transpose()?;
    let layout = khafka_formats::explain_framed(format, &schema, message, value, schema_id)?;
    Ok(if a.has("--explain") {
        layout.render()
    } else {
        khafka_formats::to_hex(&layout.bytes)
    })
}

/// `khafka decode`: the value as JSON.
pub fn decode(args: &[String]) -> Result<String, Failure> {
    let u = DECODE_USAGE;
    let a = Args::parse(
        args,
        &[
            "--format",
            "--schema",
            "--message",
            "--reader-schema",
            "--hex",
        ],
        &[],
        u,
    )?;
    if let Some(p) = a.positional.first() {
        return Err(invalid(format!("unexpected argument `{p}`\n{u}")));
    }
    let format = format_flag(&a, u)?;
    let schema = read_schema(a.need("--schema", u)?)?;
    let reader = a.get("--reader-schema").map(read_schema).transpose()?;
    let hex = a.need("--hex", u)?;
    if hex.len() > 2 * Limits::VALUE_BYTES_MAX + 64 {
        return Err(invalid(format!(
            "--hex is {} characters; the limit is {} bytes",
            hex.len(),
            Limits::VALUE_BYTES_MAX
        )));
    }
    let bytes = khafka_formats::from_hex(hex)?;
    let v = khafka_formats::decode(
        format,
        &schema,
        a.get("--message"),
        reader.as_deref(),
        &bytes,
    )?;
    serde_json::to_string(&v).map_err(|e| invalid(e.to_string()))
}

/// `khafka schema-compat`: `compatible`, or `incompatible: ` and the reason; exit 0 or 1.
pub fn schema_compat(args: &[String]) -> Result<(u8, String), Failure> {
    let u = COMPAT_USAGE;
    let a = Args::parse(args, &["--format", "--mode"], &[], u)?;
    let format = format_flag(&a, u)?;
    let level = CompatibilityLevel::parse(a.need("--mode", u)?)?;
    if a.positional.len() < 2 {
        return Err(invalid(format!(
            "schema-compat needs a NEW schema file and at least one OLD one\n{u}"
        )));
    }
    let parse = |path: &String| -> Result<ParsedSchema, Failure> {
        let text = read_schema(path)?;
        ParsedSchema::parse(format, &text).map_err(|e| invalid(format!("{path}: {e}")))
    };
    let new = parse(&a.positional[0])?;
    let previous = a.positional[1..]
        .iter()
        .map(parse)
        .collect::<Result<Vec<_>, _>>()?;
    let result = check_parsed(level, &new, &previous);
    if result.compatible {
        Ok((0, "compatible".into()))
    } else {
        Ok((1, format!("incompatible: {}", result.reason())))
    }
}

/// `khafka format-cells LESSON.md`: runs a lesson's format cells as CI does
/// (`khafka_formats::cell::check_lesson`) and prints what each measured, for the figures in the
/// lesson's prose.
pub fn format_cells(args: &[String]) -> Result<(u8, String), Failure> {
    let [path] = args else {
        return Err(invalid("usage: khafka format-cells LESSON.md"));
    };
    let meta = std::fs::metadata(path).map_err(|e| invalid(format!("{path}: {e}")))?;
    let max = 4 * Limits::SCHEMA_BYTES_MAX as u64;
    if !meta.is_file() || meta.len() > max {
        return Err(invalid(format!(
            "{path}: not a file of at most {max} bytes"
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| invalid(format!("{path}: {e}")))?;
    match khafka_formats::cell::check_lesson(&text) {
        Ok(lines) if lines.is_empty() => Ok((0, format!("{path}: no format cells"))),
        Ok(lines) => Ok((0, lines.join("\n"))),
        Err(problems) => Ok((1, problems.join("\n"))),
    }
}
