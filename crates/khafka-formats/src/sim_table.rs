//! What a simulation needs of the codecs, computed before the run: the engine carries no codec.
//!
//! A scenario whose producers declare a value serializer with a schema (`value.serializer=avro
//! value.schema=NAME value={…}`) and whose consumers declare a reader schema hands this module a
//! [`SimRequest`]: its schemas, each producer's schema uses in the order they come into force, and
//! the readers. [`table`] answers with a [`SimTable`]:
//! - per use, what a Confluent serializer does with the value (`Registry::serialize`, with
//!   `auto.register.schemas=true`): the registry assigns the subject's version and the schema id,
//!   or refuses the schema (HTTP 409 under the subject's compatibility level, with the reason),
//!   which the serializer throws as a `SerializationException`; on success, the bytes of the value
//!   on the wire (magic byte, schema id, Protobuf message indexes, payload);
//! - per reader and use, whether a Confluent deserializer with that reader schema decodes the value
//!   (`Registry::deserialize`: the writer's schema by id, then resolution to the reader's) or the
//!   reason it fails — Kafka's consumer reports it as a `RecordDeserializationException`.
//!
//! Uses register in the order given (the scenario layer sorts them by the instant they come into
//! force), against one registry shared by every producer of the scenario.

use crate::compat::CompatibilityLevel;
use crate::registry::{subject_name, RegisterError, Registry, SubjectNameStrategy};
use crate::{Format, FormatError};
use serde::{Deserialize, Serialize};

/// A schema of the scenario.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SimSchema {
    pub format: Format,
    pub text: String,
    /// The Protobuf message (the first top-level message when absent).
    #[serde(default)]
    pub message: Option<String>,
}

/// A producer's schema coming into force.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SimUse {
    pub topic: String,
    /// Index into [`SimRequest::schemas`].
    pub schema: u32,
    /// The value each record carries, as JSON text.
    pub value: String,
    /// `value.subject.name.strategy`: `TopicNameStrategy` (when absent), `RecordNameStrategy`
    /// or `TopicRecordNameStrategy`.
    #[serde(default)]
    pub strategy: Option<String>,
}

/// The schema's fully-qualified record name, as the record strategies read it: an Avro record's
/// `namespace.name`, a JSON Schema's `title`, a Protobuf message's full name.
fn record_name(s: &SimSchema) -> Result<String, FormatError> {
    match s.format {
        #[cfg(feature = "protobuf")]
        Format::Protobuf => Ok(crate::protobuf::ProtoSchema::parse(&s.text)?
            .message(s.message.as_deref())?
            .desc
            .full_name()
            .to_string()),
        #[cfg(not(feature = "protobuf"))]
        Format::Protobuf => Err(crate::by_format::not_built(Format::Protobuf)),
        Format::Avro | Format::Json => {
            let v: serde_json::Value = serde_json::from_str(&s.text)
                .map_err(|e| FormatError::schema(format!("the schema is not JSON: {e}")))?;
            let field = |k: &str| v.get(k).and_then(|x| x.as_str()).filter(|x| !x.is_empty());
            if s.format == Format::Json {
                return field("title").map(str::to_string).ok_or_else(|| {
                    FormatError::schema("a record name strategy needs the JSON Schema's `title`")
                });
            }
            let name = field("name").ok_or_else(|| {
                FormatError::schema(
                    "a record name strategy needs a named Avro schema (a record, enum or fixed)",
                )
            })?;
            Ok(match field("namespace") {
                Some(ns) if !name.contains('.') => format!("{ns}.{name}"),
                _ => name.to_string(),
            })
        }
    }
}

/// The subject a use registers under.
fn subject_of(u: &SimUse, s: &SimSchema) -> Result<String, FormatError> {
    let strategy = match u.strategy.as_deref() {
        None | Some("TopicNameStrategy") => SubjectNameStrategy::TopicName,
        Some("RecordNameStrategy") => SubjectNameStrategy::RecordName,
        Some("TopicRecordNameStrategy") => SubjectNameStrategy::TopicRecordName,
        Some(other) => {
            return Err(FormatError::input(format!(
                "unknown subject name strategy `{other}`"
            )))
        }
    };
    let record = match strategy {
        SubjectNameStrategy::TopicName => None,
        _ => Some(record_name(s)?),
    };
    subject_name(strategy, &u.topic, false, record.as_deref())
}

/// Everything the table is computed from.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SimRequest {
    /// `schema.compatibility.level` (BACKWARD when absent).
    #[serde(default)]
    pub level: Option<CompatibilityLevel>,
    /// Subject-level overrides (`PUT /config/{subject}`).
    #[serde(default)]
    pub subject_levels: Vec<(String, CompatibilityLevel)>,
    pub schemas: Vec<SimSchema>,
    /// In the order they come into force.
    pub uses: Vec<SimUse>,
    /// Reader schemas, indexes into `schemas`.
    #[serde(default)]
    pub readers: Vec<u32>,
}

/// What the serializer did with one use (absent fields are left out of the JSON, so a reader can
/// take them as 0 or empty).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct UseResult {
    pub subject: String,
    /// Bytes of the value on the wire (Confluent framing included); `None` when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// Why `serialize` threw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct SimTable {
    /// One per use, in the request's order.
    pub uses: Vec<UseResult>,
    /// `decode[r][u]`: empty when reader `r` decodes use `u`'s value (or the use failed to
    /// serialize), else why it cannot.
    pub decode: Vec<Vec<String>>,
}

impl SimTable {
    /// The table as lines, for a reader without a JSON deserializer of its own (the notebook
    /// bundle, where one cost ~3 KB gzip): per use `u BYTES ID VERSION SUBJECT`, or
    /// `x SUBJECT ERROR` when the serializer threw (`-` for no subject); per reader and use that
    /// fails, `d READER USE REASON`. Messages are on one line.
    pub fn to_text(&self) -> String {
        let one_line = |t: &str| t.replace(['\n', '\r'], " ");
        let mut out = String::new();
        for u in &self.uses {
            let subject = if u.subject.is_empty() {
                "-"
            } else {
                &u.subject
            };
            match (u.bytes, u.id, u.version) {
                (Some(b), Some(id), Some(v)) => {
                    out.push_str(&format!("u {b} {id} {v} {subject}\n"))
                }
                _ => out.push_str(&format!(
                    "x {subject} {}\n",
                    one_line(u.error.as_deref().unwrap_or("no size"))
                )),
            }
        }
        for (r, row) in self.decode.iter().enumerate() {
            for (u, why) in row.iter().enumerate() {
                if !why.is_empty() {
                    out.push_str(&format!("d {r} {u} {}\n", one_line(why)));
                }
            }
        }
        out
    }
}

/// Most schemas, uses and readers in one request.
pub const SIM_ITEMS_MAX: usize = 256;

/// Computes the table.
pub fn table(req: &SimRequest) -> Result<SimTable, FormatError> {
    for (what, n) in [
        ("schemas", req.schemas.len()),
        ("schema uses", req.uses.len()),
        ("readers", req.readers.len()),
    ] {
        if n > SIM_ITEMS_MAX {
            return Err(FormatError::input(format!(
                "{n} {what}: at most {SIM_ITEMS_MAX}"
            )));
        }
    }
    let schema = |i: u32| {
        req.schemas
            .get(i as usize)
            .ok_or_else(|| FormatError::input(format!("no schema {i}")))
    };
    let mut registry = Registry::new();
    if let Some(l) = req.level {
        registry.global_level = l;
    }
    for (subject, level) in &req.subject_levels {
        registry.set_subject_level(subject, Some(*level));
    }
    let mut uses = Vec::with_capacity(req.uses.len());
    let mut encoded: Vec<Option<Vec<u8>>> = Vec::with_capacity(req.uses.len());
    for u in &req.uses {
        let s = schema(u.schema)?;
        let subject = match subject_of(u, s) {
            Ok(subject) => subject,
            Err(e) => {
                uses.push(UseResult {
                    subject: String::new(),
                    bytes: None,
                    id: None,
                    version: None,
                    error: Some(format!(
                        "Error serializing {} message: {e}",
                        s.format.schema_type()
                    )),
                });
                encoded.push(None);
                continue;
            }
        };
        // `auto.register.schemas=true`: register (or find), then frame with the id.
        let framed = match registry.register(&subject, s.format, &s.text) {
            Ok(reg) => crate::explain_framed(
                s.format,
                &s.text,
                s.message.as_deref(),
                &u.value,
                Some(reg.id),
            )
            .map(|l| (reg, l.bytes))
            .map_err(|f| format!("Error serializing {} message: {f}", s.format.schema_type())),
            // The serializer's message for a refused registration (HTTP 409).
            Err(RegisterError::Incompatible(r)) => Err(format!(
                "Error registering {} schema: Schema being registered is incompatible with an earlier schema for subject \"{subject}\" ({}); error code: 409: {}",
                s.format.schema_type(),
                registry.level(&subject).name(),
                r.reason()
            )),
            Err(RegisterError::Invalid(f)) => Err(format!(
                "Error registering {} schema: {f}",
                s.format.schema_type()
            )),
        };
        match framed {
            Ok((reg, bytes)) => {
                uses.push(UseResult {
                    subject,
                    bytes: Some(bytes.len() as u32),
                    id: Some(reg.id),
                    version: Some(reg.version),
                    error: None,
                });
                encoded.push(Some(bytes));
            }
            Err(error) => {
                uses.push(UseResult {
                    subject,
                    bytes: None,
                    id: None,
                    version: None,
                    error: Some(error),
                });
                encoded.push(None);
            }
        }
    }
    let mut decode = Vec::with_capacity(req.readers.len());
    for &r in &req.readers {
        let reader = schema(r)?;
        decode.push(
            encoded
                .iter()
                .map(|bytes| match bytes {
                    None => String::new(),
                    Some(bytes) => registry
                        .deserialize(reader.format, Some(&reader.text), bytes)
                        .err()
                        .map(|e| {
                            format!(
                                "Error deserializing {} message: {e}",
                                reader.format.schema_type()
                            )
                        })
                        .unwrap_or_default(),
                })
                .collect(),
        );
    }
    Ok(SimTable { uses, decode })
}

#[cfg(all(test, feature = "avro"))]
mod tests {
    use super::*;

    const V1: &str = r#"{"type":"record","name":"Invoice","fields":[{"name":"no","type":"long"}]}"#;
    const V2_DEFAULT: &str = r#"{"type":"record","name":"Invoice","fields":[{"name":"no","type":"long"},{"name":"currency","type":"string","default":"EUR"}]}"#;
    const V2_NO_DEFAULT: &str = r#"{"type":"record","name":"Invoice","fields":[{"name":"no","type":"long"},{"name":"currency","type":"string"}]}"#;

    fn avro(text: &str) -> SimSchema {
        SimSchema {
            format: Format::Avro,
            text: text.into(),
            message: None,
        }
    }

    fn using(schema: u32, value: &str) -> SimUse {
        SimUse {
            topic: "orders".into(),
            schema,
            value: value.into(),
            strategy: None,
        }
    }

    #[test]
    fn sizes_ids_refusals_and_readers() {
        let req = SimRequest {
            level: None,
            subject_levels: vec![],
            schemas: vec![avro(V1), avro(V2_DEFAULT), avro(V2_NO_DEFAULT)],
            uses: vec![
                using(0, r#"{"no":7}"#),
                using(2, r#"{"no":7,"currency":"USD"}"#),
                using(1, r#"{"no":7,"currency":"USD"}"#),
            ],
            readers: vec![0, 1, 2],
        };
        let t = table(&req).unwrap();
        // 5 bytes of framing + `0e` (7 as a zig-zag long).
        assert_eq!(t.uses[0].bytes, Some(6));
        assert_eq!((t.uses[0].id, t.uses[0].version), (Some(1), Some(1)));
        // BACKWARD refuses the field without a default.
        assert_eq!(t.uses[1].bytes, None);
        let why = t.uses[1].error.as_deref().unwrap();
        assert!(why.contains("409") && why.contains("currency"), "{why}");
        // The default makes it pass: 6 + "USD" (length byte and three bytes).
        assert_eq!(t.uses[2].bytes, Some(10));
        assert_eq!((t.uses[2].id, t.uses[2].version), (Some(2), Some(2)));
        // v1's reader skips `currency`; v2's takes its default for v1's data; the reader without
        // a default cannot read v1's records.
        assert_eq!(t.decode[0], vec![""; 3]);
        assert_eq!(t.decode[1], vec![""; 3]);
        assert!(t.decode[2][0].contains("currency"));
        assert_eq!(t.decode[2][2], "");
        let text = t.to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "u 6 1 1 orders-value");
        assert!(lines[1].starts_with("x orders-value Error registering AVRO schema"));
        assert_eq!(lines[2], "u 10 2 2 orders-value");
        assert!(lines[3].starts_with("d 2 0 Error deserializing AVRO message"));
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn format_mismatch_and_bounds() {
        let json = SimSchema {
            format: Format::Json,
            text: r#"{"type":"object","properties":{"no":{"type":"integer"}}}"#.into(),
            message: None,
        };
        let req = SimRequest {
            level: Some(CompatibilityLevel::None),
            subject_levels: vec![],
            schemas: vec![avro(V1), json],
            uses: vec![using(1, r#"{"no":7}"#)],
            readers: vec![0],
        };
        let t = table(&req).unwrap();
        // 5 + `{"no":7}`.
        assert_eq!(t.uses[0].bytes, Some(13));
        assert!(t.decode[0][0].contains("not AVRO"));
        // Under TopicRecordNameStrategy, a JSON schema beside an Avro one in one topic: two
        // subjects, both accepted under BACKWARD.
        let mut merged = req.clone();
        merged.level = None;
        merged.schemas[1].text =
            r#"{"title":"Click","type":"object","properties":{"no":{"type":"integer"}}}"#.into();
        merged.uses = vec![using(0, r#"{"no":7}"#), using(1, r#"{"no":7}"#)];
        for u in &mut merged.uses {
            u.strategy = Some("TopicRecordNameStrategy".into());
        }
        let t = table(&merged).unwrap();
        assert_eq!(t.uses[0].subject, "orders-Invoice");
        assert_eq!(t.uses[1].subject, "orders-Click");
        assert_eq!((t.uses[1].id, t.uses[1].version), (Some(2), Some(1)));
        // Under the topic's one subject the JSON schema is refused after the Avro one.
        for u in &mut merged.uses {
            u.strategy = None;
        }
        assert!(table(&merged).unwrap().uses[1].error.is_some());
        let mut big = req.clone();
        big.readers = vec![0; SIM_ITEMS_MAX + 1];
        assert!(table(&big).is_err());
        let mut bad = req;
        bad.uses[0].schema = 9;
        assert!(table(&bad).is_err());
    }
}
