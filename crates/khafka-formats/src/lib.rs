//! Data formats on real bytes: what a Kafka record really carries.
//!
//! Kafka stores keys and values as opaque bytes; the *format* is a contract between producers and
//! consumers. This crate encodes and decodes values in the three formats the Confluent Schema
//! Registry knows — Avro ([`avro`]), Protobuf ([`protobuf`]) and JSON with JSON Schema ([`json`]) —
//! frames them as Confluent serializers do ([`confluent`]), puts them in a Kafka record batch v2
//! ([`record_batch`]) compressed with Kafka's codecs ([`compression`]), and checks schema evolution
//! the way the registry does ([`compat`], [`registry`]).
//!
//! Every function is pure: strings and bytes in, bytes or serde-serialisable results out. No I/O,
//! no clock, no randomness, no dependency on the simulation engine, so the same code runs in the
//! CLI, in tests, in the engine and in a wasm worker ([`api::handle_json`]: a JSON request in, a
//! JSON answer out). Every input is bounded ([`Limits`]) and bad
//! input is an error, never a panic.
//!
//! Features `avro` and `protobuf` (both on by default) bring in `apache-avro`, and `protox-parse`
//! with `prost-reflect`; without one, that format's calls return an error saying so, so a browser
//! bundle can carry only the formats a page needs. JSON is always there.
//!
//! Encodings can be *explained* ([`layout::Layout`]): a list of byte ranges, each with a label such
//! as "field 1 tag (varint, wire type 0)", so a page can show a record byte by byte.

pub mod api;
#[cfg(feature = "avro")]
pub mod avro;
#[cfg(feature = "avro")]
pub mod avro_compat;
pub mod cell;
pub mod compat;
pub mod compression;
pub mod confluent;
pub mod crc;
pub mod error;
pub mod java_order;
pub mod json;
pub mod json_compat;
pub mod json_schema;
pub mod layout;
#[cfg(feature = "protobuf")]
pub mod protobuf;
#[cfg(feature = "protobuf")]
pub mod protobuf_compat;
pub mod record_batch;
pub mod registry;
pub mod sim_table;
pub mod varint;

pub use compat::{check_compatibility, CompatibilityLevel, CompatibilityResult};
pub use error::FormatError;
pub use layout::{Layout, Span};

use serde::{Deserialize, Serialize};

/// The three schema types of the Schema Registry (`schemaType`: AVRO, PROTOBUF, JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Avro,
    Protobuf,
    Json,
}

impl Format {
    /// Parses `avro`, `protobuf` or `json` (as the CLI spells them).
    pub fn parse(s: &str) -> Result<Format, FormatError> {
        match s.to_ascii_lowercase().as_str() {
            "avro" => Ok(Format::Avro),
            "protobuf" | "proto" => Ok(Format::Protobuf),
            "json" => Ok(Format::Json),
            _ => Err(FormatError::input(format!(
                "unknown format `{s}` (avro, protobuf or json)"
            ))),
        }
    }

    /// The registry's `schemaType` name.
    pub fn schema_type(self) -> &'static str {
        match self {
            Format::Avro => "AVRO",
            Format::Protobuf => "PROTOBUF",
            Format::Json => "JSON",
        }
    }
}

/// Bounds on every input, so a hostile or mistaken input gives an error instead of exhausting
/// memory or the stack.
pub struct Limits;

impl Limits {
    /// Largest schema text accepted (1 MiB; the registry's own default request limit is larger,
    /// but no lesson needs more).
    pub const SCHEMA_BYTES_MAX: usize = 1 << 20;
    /// Largest value (JSON text) or encoded payload accepted.
    pub const VALUE_BYTES_MAX: usize = 1 << 20;
    /// Deepest nesting of schemas and values (records in records, arrays of arrays, …).
    pub const DEPTH_MAX: usize = 64;
    /// Most items in one decoded array or map, whatever its block counts claim.
    pub const ITEMS_MAX: usize = 1 << 20;
}

/// Encodes `value` (JSON text) under `schema` in `format`. `message` names the Protobuf message
/// (the first top-level message when `None`).
pub fn encode(
    format: Format,
    schema: &str,
    message: Option<&str>,
    value: &str,
) -> Result<Vec<u8>, FormatError> {
    Ok(explain(format, schema, message, value)?.bytes)
}

/// Encodes like [`encode`] and returns the annotated byte layout.
pub fn explain(
    format: Format,
    schema: &str,
    message: Option<&str>,
    value: &str,
) -> Result<Layout, FormatError> {
    check_len("schema", schema.len(), Limits::SCHEMA_BYTES_MAX)?;
    check_len("value", value.len(), Limits::VALUE_BYTES_MAX)?;
    let json = parse_json_value(value)?;
    match format {
        Format::Avro => {
            no_message(message, "avro")?;
            by_format::explain_avro(schema, &json)
        }
        Format::Protobuf => by_format::explain_protobuf(schema, message, &json),
        Format::Json => {
            no_message(message, "json")?;
            json::JsonFormat::parse(schema)?.explain(&json)
        }
    }
}

/// Encodes like [`explain`], with the Confluent wire format in front when `schema_id` is given:
/// magic byte, schema id and, for Protobuf, the message indexes; the payload's spans are nested
/// under a "payload" span.
pub fn explain_framed(
    format: Format,
    schema: &str,
    message: Option<&str>,
    value: &str,
    schema_id: Option<i32>,
) -> Result<Layout, FormatError> {
    let payload = explain(format, schema, message, value)?;
    let Some(id) = schema_id else {
        return Ok(payload);
    };
    let mut head = confluent::header(id);
    if format == Format::Protobuf {
        let indexes = by_format::protobuf_indexes(schema, message)?;
        head = confluent::message_indexes(&indexes).prepend(head);
    }
    let mut nested = Layout::default();
    let group = nested.open(0, "payload");
    for s in payload.spans {
        nested.label(s.start, s.end, s.depth + 1, s.label);
    }
    nested.spans_omitted += payload.spans_omitted;
    nested.bytes = payload.bytes;
    nested.close(group);
    Ok(nested.prepend(head))
}

/// Decodes a value framed in the Confluent wire format, as a Confluent deserializer does: the
/// magic byte must be 0 ("Unknown magic byte!" otherwise), the schema id must be `schema_id`
/// (the one this reader looked up), Protobuf message indexes must name `message`.
pub fn decode_framed(
    format: Format,
    schema: &str,
    message: Option<&str>,
    reader_schema: Option<&str>,
    schema_id: i32,
    bytes: &[u8],
) -> Result<serde_json::Value, FormatError> {
    let framed = confluent::unframe(bytes, format == Format::Protobuf)?;
    if framed.schema_id != schema_id {
        return Err(FormatError::decode(
            1,
            format!(
                "schema id {} where {schema_id} was expected",
                framed.schema_id
            ),
        ));
    }
    if let Some(indexes) = &framed.message_indexes {
        let wanted = by_format::protobuf_indexes(schema, message)?;
        if *indexes != wanted {
            return Err(FormatError::decode(
                5,
                format!("message indexes {indexes:?} do not name the message {wanted:?}"),
            ));
        }
    }
    decode(format, schema, message, reader_schema, framed.payload)
}

/// Decodes `bytes` written under `schema` into JSON; with `reader_schema`, resolves the value to
/// it as a consumer with that schema would (Avro schema resolution; for Protobuf and JSON the
/// reader schema parses or validates the same bytes).
pub fn decode(
    format: Format,
    schema: &str,
    message: Option<&str>,
    reader_schema: Option<&str>,
    bytes: &[u8],
) -> Result<serde_json::Value, FormatError> {
    check_len("schema", schema.len(), Limits::SCHEMA_BYTES_MAX)?;
    if let Some(r) = reader_schema {
        check_len("reader schema", r.len(), Limits::SCHEMA_BYTES_MAX)?;
    }
    check_len("payload", bytes.len(), Limits::VALUE_BYTES_MAX)?;
    match format {
        Format::Avro => {
            no_message(message, "avro")?;
            by_format::decode_avro(schema, reader_schema, bytes)
        }
        Format::Protobuf => by_format::decode_protobuf(schema, message, reader_schema, bytes),
        Format::Json => {
            no_message(message, "json")?;
            let writer = json::JsonFormat::parse(schema)?;
            match reader_schema {
                None => writer.decode(bytes),
                Some(r) => json::JsonFormat::parse(r)?.decode(bytes),
            }
        }
    }
}

/// The calls into the optional formats, with an error in their place when a format is not built.
pub(crate) mod by_format {
    use crate::Format;
    use crate::FormatError;
    use serde_json::Value;

    pub(crate) fn not_built(format: Format) -> FormatError {
        FormatError::input(format!(
            "this build has no {} support (the `{}` feature is off)",
            format.schema_type(),
            format.schema_type().to_ascii_lowercase()
        ))
    }

    #[cfg(feature = "avro")]
    pub(crate) fn explain_avro(schema: &str, json: &Value) -> Result<crate::Layout, FormatError> {
        crate::avro::AvroSchema::parse(schema)?.explain(json)
    }

    #[cfg(feature = "avro")]
    pub(crate) fn decode_avro(
        schema: &str,
        reader: Option<&str>,
        bytes: &[u8],
    ) -> Result<Value, FormatError> {
        let writer = crate::avro::AvroSchema::parse(schema)?;
        let reader = reader.map(crate::avro::AvroSchema::parse).transpose()?;
        writer.decode(bytes, reader.as_ref())
    }

    #[cfg(not(feature = "avro"))]
    pub(crate) fn explain_avro(_: &str, _: &Value) -> Result<crate::Layout, FormatError> {
        Err(not_built(Format::Avro))
    }

    #[cfg(not(feature = "avro"))]
    pub(crate) fn decode_avro(_: &str, _: Option<&str>, _: &[u8]) -> Result<Value, FormatError> {
        Err(not_built(Format::Avro))
    }

    #[cfg(feature = "protobuf")]
    pub(crate) fn explain_protobuf(
        schema: &str,
        message: Option<&str>,
        json: &Value,
    ) -> Result<crate::Layout, FormatError> {
        crate::protobuf::ProtoSchema::parse(schema)?
            .message(message)?
            .explain(json)
    }

    #[cfg(feature = "protobuf")]
    pub(crate) fn protobuf_indexes(
        schema: &str,
        message: Option<&str>,
    ) -> Result<Vec<i32>, FormatError> {
        Ok(crate::protobuf::ProtoSchema::parse(schema)?
            .message(message)?
            .indexes)
    }

    /// The consumer parses the writer's bytes with its own descriptor when it has one; the
    /// writer's schema only has to be valid then. Fields it does not know stay unknown fields.
    #[cfg(feature = "protobuf")]
    pub(crate) fn decode_protobuf(
        schema: &str,
        message: Option<&str>,
        reader: Option<&str>,
        bytes: &[u8],
    ) -> Result<Value, FormatError> {
        let writer = crate::protobuf::ProtoSchema::parse(schema)?.message(message)?;
        match reader {
            None => writer.decode(bytes),
            Some(r) => crate::protobuf::ProtoSchema::parse(r)?
                .message(message)?
                .decode(bytes),
        }
    }

    #[cfg(not(feature = "protobuf"))]
    pub(crate) fn explain_protobuf(
        _: &str,
        _: Option<&str>,
        _: &Value,
    ) -> Result<crate::Layout, FormatError> {
        Err(not_built(Format::Protobuf))
    }

    #[cfg(not(feature = "protobuf"))]
    pub(crate) fn protobuf_indexes(_: &str, _: Option<&str>) -> Result<Vec<i32>, FormatError> {
        Err(not_built(Format::Protobuf))
    }

    #[cfg(not(feature = "protobuf"))]
    pub(crate) fn decode_protobuf(
        _: &str,
        _: Option<&str>,
        _: Option<&str>,
        _: &[u8],
    ) -> Result<Value, FormatError> {
        Err(not_built(Format::Protobuf))
    }
}

fn no_message(message: Option<&str>, format: &str) -> Result<(), FormatError> {
    match message {
        Some(_) => Err(FormatError::input(format!(
            "--message applies to protobuf only, not {format}"
        ))),
        None => Ok(()),
    }
}

pub(crate) fn check_len(what: &str, len: usize, max: usize) -> Result<(), FormatError> {
    if len > max {
        Err(FormatError::input(format!(
            "{what} is {len} bytes; the limit is {max}"
        )))
    } else {
        Ok(())
    }
}

/// Parses JSON text with a nesting bound (serde_json's own recursion limit is 128; ours is
/// [`Limits::DEPTH_MAX`], checked before parsing so deep input never reaches the parser).
pub fn parse_json_value(text: &str) -> Result<serde_json::Value, FormatError> {
    check_json_depth(text.as_bytes())?;
    serde_json::from_str(text).map_err(|e| FormatError::input(format!("invalid JSON: {e}")))
}

/// Refuses JSON nested deeper than [`Limits::DEPTH_MAX`] (counting brackets outside strings).
pub(crate) fn check_json_depth(text: &[u8]) -> Result<(), FormatError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in text {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > Limits::DEPTH_MAX {
                    return Err(FormatError::input(format!(
                        "JSON nested deeper than {} levels",
                        Limits::DEPTH_MAX
                    )));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Lowercase hex, two digits a byte.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Parses hex (upper or lower case; spaces, colons and a leading `0x` ignored), bounded by
/// [`Limits::VALUE_BYTES_MAX`] bytes.
pub fn from_hex(text: &str) -> Result<Vec<u8>, FormatError> {
    let t = text.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    let digits: Vec<u8> = t
        .bytes()
        .filter(|b| !matches!(b, b' ' | b':' | b'\n' | b'\t' | b'\r'))
        .collect();
    if digits.len() / 2 > Limits::VALUE_BYTES_MAX {
        return Err(FormatError::input(format!(
            "hex is {} bytes; the limit is {}",
            digits.len() / 2,
            Limits::VALUE_BYTES_MAX
        )));
    }
    if digits.len() & 1 == 1 {
        return Err(FormatError::input(
            "hex has an odd number of digits (two per byte)",
        ));
    }
    let val = |c: u8, i: usize| -> Result<u8, FormatError> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(FormatError::input(format!(
                "invalid hex digit `{}` at digit {}",
                c as char,
                i + 1
            ))),
        }
    };
    digits
        .chunks(2)
        .enumerate()
        .map(|(i, p)| Ok(val(p[0], 2 * i)? << 4 | val(p[1], 2 * i + 1)?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_errors() {
        assert_eq!(to_hex(&[0, 0x96, 0xff]), "0096ff");
        assert_eq!(from_hex("08 96 01").unwrap(), [8, 0x96, 1]);
        assert_eq!(from_hex("0xAC02").unwrap(), [0xac, 2]);
        assert!(from_hex("abc").is_err());
        assert!(from_hex("zz").is_err());
    }

    #[test]
    #[cfg(all(feature = "avro", feature = "protobuf"))]
    fn framed_round_trip() {
        let proto = "syntax = \"proto3\"; message A { int32 a = 1; } message B { string b = 1; }";
        let l =
            explain_framed(Format::Protobuf, proto, Some("B"), r#"{"b":"x"}"#, Some(9)).unwrap();
        assert_eq!(to_hex(&l.bytes), "000000000902020a0178");
        assert_eq!(
            l.spans
                .iter()
                .find(|s| s.label == "payload")
                .map(|s| (s.start, s.end)),
            Some((7, 10))
        );
        let v = decode_framed(Format::Protobuf, proto, Some("B"), None, 9, &l.bytes).unwrap();
        assert_eq!(v, serde_json::json!({"b": "x"}));
        assert!(
            decode_framed(Format::Protobuf, proto, Some("A"), None, 9, &l.bytes).is_err(),
            "other message"
        );
        assert!(
            decode_framed(Format::Protobuf, proto, Some("B"), None, 8, &l.bytes).is_err(),
            "other id"
        );
        let avro = r#"{"type":"record","name":"U","fields":[{"name":"id","type":"int"}]}"#;
        let l = explain_framed(Format::Avro, avro, None, r#"{"id":7}"#, Some(42)).unwrap();
        assert_eq!(to_hex(&l.bytes), "000000002a0e");
        // A plain (unframed) Avro value read by a Confluent deserializer: a poison pill.
        let e = decode_framed(Format::Avro, avro, None, None, 42, &[0x0e]).unwrap_err();
        assert!(e.message.contains("Unknown magic byte!"), "{e}");
    }

    /// A build without a format says so instead of failing somewhere inside.
    #[test]
    #[cfg(not(feature = "protobuf"))]
    fn protobuf_not_built() {
        let e = explain(
            Format::Protobuf,
            "syntax = \"proto3\"; message M {}",
            None,
            "{}",
        )
        .unwrap_err();
        assert!(e.message.contains("no PROTOBUF support"), "{e}");
        let e =
            compat::check_compatibility(Format::Protobuf, CompatibilityLevel::Backward, "", &[""])
                .unwrap_err();
        assert!(e.message.contains("no PROTOBUF support"), "{e}");
    }

    #[test]
    fn hex_is_bounded() {
        let long = "00".repeat(Limits::VALUE_BYTES_MAX + 1);
        assert!(from_hex(&long)
            .unwrap_err()
            .message
            .contains("the limit is"));
        assert_eq!(from_hex(&"00".repeat(10)).unwrap().len(), 10);
    }

    #[test]
    fn json_depth_is_bounded() {
        let deep = "[".repeat(Limits::DEPTH_MAX + 1) + &"]".repeat(Limits::DEPTH_MAX + 1);
        assert!(parse_json_value(&deep).is_err());
        let ok = "[".repeat(10) + &"]".repeat(10);
        assert!(parse_json_value(&ok).is_ok());
        // Brackets inside strings do not count.
        assert!(parse_json_value(&format!("\"{}\"", "[".repeat(500))).is_ok());
    }
}
