//! Schema Registry semantics: subjects, versions, global ids, registering, compatibility levels.
//!
//! As `KafkaSchemaRegistry` behaves:
//! - a subject has versions 1, 2, …, each pointing at a schema with a registry-wide id;
//! - registering a schema already in the subject (not deleted) returns its version and id;
//! - the same schema under another subject reuses its id (ids are per schema, not per subject);
//! - a new version is accepted only if it passes the subject's compatibility level (the global
//!   level when the subject has none; BACKWARD by default) against the non-deleted versions,
//!   newest first; otherwise it is refused (HTTP 409) with the reasons;
//! - deleting a version is a soft delete: it no longer counts for compatibility and is not
//!   returned as latest, but its id still resolves (consumers can still read old data).
//!
//! "The same schema" means the same format and the same canonical text: JSON re-serialised for
//! Avro and JSON Schema (whitespace and key order do not matter), the linked descriptor for
//! Protobuf (comments and layout do not matter).

use crate::compat::{check_parsed, CompatibilityLevel, CompatibilityResult, ParsedSchema};
use crate::{Format, FormatError};
use serde::Serialize;
use std::collections::BTreeMap;

/// Subject name strategies (`key.subject.name.strategy` / `value.subject.name.strategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SubjectNameStrategy {
    /// `<topic>-key` / `<topic>-value` (the default).
    TopicName,
    /// The record's (or message's) fully-qualified name.
    RecordName,
    /// `<topic>-<fully-qualified name>`.
    TopicRecordName,
}

/// The subject for a topic's keys or values under a strategy; `record_name` is the schema's
/// fully-qualified record or message name (needed by the two record strategies).
pub fn subject_name(
    strategy: SubjectNameStrategy,
    topic: &str,
    is_key: bool,
    record_name: Option<&str>,
) -> Result<String, FormatError> {
    let record = || {
        record_name.ok_or_else(|| {
            FormatError::input("this strategy needs the record's fully-qualified name")
        })
    };
    Ok(match strategy {
        SubjectNameStrategy::TopicName => {
            format!("{topic}-{}", if is_key { "key" } else { "value" })
        }
        SubjectNameStrategy::RecordName => record()?.to_string(),
        SubjectNameStrategy::TopicRecordName => format!("{topic}-{}", record()?),
    })
}

/// A stored schema.
#[derive(Clone, Debug)]
struct Stored {
    format: Format,
    canonical: String,
    text: String,
    parsed: ParsedSchema,
}

/// One version of a subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Version {
    pub version: u32,
    pub id: i32,
    pub deleted: bool,
}

#[derive(Clone, Debug, Default)]
struct Subject {
    versions: Vec<Version>,
    level: Option<CompatibilityLevel>,
}

/// What registering gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Registered {
    pub subject: String,
    pub version: u32,
    pub id: i32,
    /// False when the schema was already registered under the subject.
    pub new_version: bool,
}

/// Why registering failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum RegisterError {
    /// The schema does not parse (HTTP 422, `INVALID_SCHEMA`).
    Invalid(FormatError),
    /// The compatibility check refused it (HTTP 409).
    Incompatible(CompatibilityResult),
}

/// An in-memory Schema Registry.
#[derive(Clone, Debug)]
pub struct Registry {
    schemas: Vec<Stored>,
    subjects: BTreeMap<String, Subject>,
    /// `schema.compatibility.level` (default BACKWARD).
    pub global_level: CompatibilityLevel,
}

impl Default for Registry {
    fn default() -> Self {
        Registry {
            schemas: Vec::new(),
            subjects: BTreeMap::new(),
            global_level: CompatibilityLevel::Backward,
        }
    }
}

fn canonical(format: Format, text: &str, parsed: &ParsedSchema) -> String {
    match (format, parsed) {
        #[cfg(feature = "protobuf")]
        (Format::Protobuf, ParsedSchema::Protobuf(p)) => {
            use prost::Message;
            // The descriptor without its source positions and comments.
            let mut fdp = p.file.file_descriptor_proto().clone();
            fdp.source_code_info = None;
            crate::to_hex(&fdp.encode_to_vec())
        }
        _ => serde_json::from_str::<serde_json::Value>(text)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| text.to_string()),
    }
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Sets a subject's level (`PUT /config/{subject}`); `None` falls back to the global level.
    pub fn set_subject_level(&mut self, subject: &str, level: Option<CompatibilityLevel>) {
        self.subjects.entry(subject.to_string()).or_default().level = level;
    }

    /// The level in force for a subject.
    pub fn level(&self, subject: &str) -> CompatibilityLevel {
        self.subjects
            .get(subject)
            .and_then(|s| s.level)
            .unwrap_or(self.global_level)
    }

    /// Registers a schema under a subject (`POST /subjects/{subject}/versions`).
    pub fn register(
        &mut self,
        subject: &str,
        format: Format,
        text: &str,
    ) -> Result<Registered, RegisterError> {
        let parsed = ParsedSchema::parse(format, text).map_err(RegisterError::Invalid)?;
        let canon = canonical(format, text, &parsed);
        let level = self.level(subject);
        let existing_id = self
            .schemas
            .iter()
            .position(|s| s.format == format && s.canonical == canon)
            .map(|i| i as i32 + 1);
        let sub = self.subjects.entry(subject.to_string()).or_default();
        if let Some(id) = existing_id {
            if let Some(v) = sub.versions.iter().find(|v| v.id == id && !v.deleted) {
                return Ok(Registered {
                    subject: subject.to_string(),
                    version: v.version,
                    id,
                    new_version: false,
                });
            }
        }
        // Non-deleted versions, newest first.
        let previous: Vec<ParsedSchema> = sub
            .versions
            .iter()
            .rev()
            .filter(|v| !v.deleted)
            .map(|v| self.schemas[(v.id - 1) as usize].parsed.clone())
            .collect();
        let result = check_parsed(level, &parsed, &previous);
        if !result.compatible {
            return Err(RegisterError::Incompatible(result));
        }
        let id = match existing_id {
            Some(id) => id,
            None => {
                self.schemas.push(Stored {
                    format,
                    canonical: canon,
                    text: text.to_string(),
                    parsed,
                });
                self.schemas.len() as i32
            }
        };
        let sub = self.subjects.entry(subject.to_string()).or_default();
        let version = sub.versions.last().map_or(1, |v| v.version + 1);
        sub.versions.push(Version {
            version,
            id,
            deleted: false,
        });
        Ok(Registered {
            subject: subject.to_string(),
            version,
            id,
            new_version: true,
        })
    }

    /// Takes in a registration another codec bundle made, of a schema whose format this build
    /// does not carry (`sim_table`'s relay): the same id and version as there, so the ids and
    /// versions this build gives next are the ones a registry with every format gives.
    pub fn adopt(
        &mut self,
        subject: &str,
        format: Format,
        text: &str,
        reg: crate::sim_table::Registration,
    ) -> Result<(), FormatError> {
        let (id, version, new_version) = reg;
        let next = self.schemas.len() as i32 + 1;
        if id == next {
            self.schemas.push(Stored {
                format,
                canonical: String::new(),
                text: text.to_string(),
                parsed: ParsedSchema::Foreign(format),
            });
        } else if id < 1 || id > next {
            return Err(FormatError::input(format!(
                "a relayed registration has schema id {id}; the registry's next id is {next}"
            )));
        }
        if new_version {
            let sub = self.subjects.entry(subject.to_string()).or_default();
            sub.versions.push(Version {
                version,
                id,
                deleted: false,
            });
        }
        Ok(())
    }

    /// Soft-deletes a version (`DELETE /subjects/{subject}/versions/{version}`).
    pub fn delete_version(&mut self, subject: &str, version: u32) -> Result<(), FormatError> {
        let v = self
            .subjects
            .get_mut(subject)
            .and_then(|s| {
                s.versions
                    .iter_mut()
                    .find(|v| v.version == version && !v.deleted)
            })
            .ok_or_else(|| {
                FormatError::input(format!("subject {subject} has no version {version}"))
            })?;
        v.deleted = true;
        Ok(())
    }

    /// The latest non-deleted version.
    pub fn latest(&self, subject: &str) -> Option<&Version> {
        self.subjects
            .get(subject)?
            .versions
            .iter()
            .rev()
            .find(|v| !v.deleted)
    }

    /// Every version of a subject, deleted ones included.
    pub fn versions(&self, subject: &str) -> &[Version] {
        self.subjects.get(subject).map_or(&[], |s| &s.versions)
    }

    /// A schema's format and text by id (`GET /schemas/ids/{id}`), deleted versions included.
    pub fn schema_by_id(&self, id: i32) -> Option<(Format, &str)> {
        let s = self
            .schemas
            .get(usize::try_from(id).ok()?.checked_sub(1)?)?;
        Some((s.format, &s.text))
    }

    /// A Confluent serializer's `serialize`: registers the schema under the subject (as
    /// `auto.register.schemas=true` does; with `false` it must already be there), then frames the
    /// encoded value with the schema id (and Protobuf message indexes).
    pub fn serialize(
        &mut self,
        subject: &str,
        format: Format,
        schema: &str,
        message: Option<&str>,
        value: &str,
        auto_register: bool,
    ) -> Result<Vec<u8>, RegisterError> {
        let id = if auto_register {
            self.register(subject, format, schema)?.id
        } else {
            let parsed = ParsedSchema::parse(format, schema).map_err(RegisterError::Invalid)?;
            let canon = canonical(format, schema, &parsed);
            let id = self
                .schemas
                .iter()
                .position(|s| s.format == format && s.canonical == canon)
                .map(|i| i as i32 + 1);
            let registered = id.filter(|id| {
                self.versions(subject)
                    .iter()
                    .any(|v| v.id == *id && !v.deleted)
            });
            registered.ok_or_else(|| {
                RegisterError::Invalid(FormatError::input(format!("Schema not found in subject {subject} (error code 40403) and auto.register.schemas is false")))
            })?
        };
        crate::explain_framed(format, schema, message, value, Some(id))
            .map(|l| l.bytes)
            .map_err(RegisterError::Invalid)
    }

    /// A Confluent deserializer's `deserialize`: reads the magic byte and schema id, fetches the
    /// writer's schema by id, and decodes (resolving to `reader_schema` when given, as a
    /// consumer with its own Avro schema does). Protobuf finds the message by its indexes.
    pub fn deserialize(
        &self,
        format: Format,
        reader_schema: Option<&str>,
        bytes: &[u8],
    ) -> Result<serde_json::Value, FormatError> {
        let framed = crate::confluent::unframe(bytes, format == Format::Protobuf)?;
        let (writer_format, writer) = self.schema_by_id(framed.schema_id).ok_or_else(|| {
            FormatError::decode(
                1,
                format!("Schema {} not found (error code 40403)", framed.schema_id),
            )
        })?;
        if writer_format != format {
            return Err(FormatError::decode(
                1,
                format!(
                    "schema {} is {}, not {}",
                    framed.schema_id,
                    writer_format.schema_type(),
                    format.schema_type()
                ),
            ));
        }
        match format {
            #[cfg(feature = "protobuf")]
            Format::Protobuf => {
                let indexes = framed.message_indexes.unwrap_or_default();
                let writer_msg =
                    crate::protobuf::ProtoSchema::parse(writer)?.message_at(&indexes)?;
                match reader_schema {
                    None => writer_msg.decode(framed.payload),
                    Some(r) => crate::protobuf::ProtoSchema::parse(r)?
                        .message(Some(writer_msg.desc.full_name()))?
                        .decode(framed.payload),
                }
            }
            _ => crate::decode(format, writer, None, reader_schema, framed.payload),
        }
    }

    /// Subjects, in name order.
    pub fn subjects(&self) -> Vec<&str> {
        self.subjects
            .iter()
            .filter(|(_, s)| !s.versions.is_empty())
            .map(|(k, _)| k.as_str())
            .collect()
    }
}

#[cfg(all(test, feature = "avro", feature = "protobuf"))]
mod tests {
    use super::*;

    const V1: &str = r#"{"type":"record","name":"Invoice","fields":[{"name":"no","type":"long"}]}"#;
    const V2_DEFAULT: &str = r#"{"type":"record","name":"Invoice","fields":[{"name":"no","type":"long"},{"name":"currency","type":"string","default":"EUR"}]}"#;
    const V2_NO_DEFAULT: &str = r#"{"type":"record","name":"Invoice","fields":[{"name":"no","type":"long"},{"name":"currency","type":"string"}]}"#;

    #[test]
    fn subjects_versions_ids() {
        assert_eq!(
            subject_name(SubjectNameStrategy::TopicName, "orders", false, None).unwrap(),
            "orders-value"
        );
        assert_eq!(
            subject_name(SubjectNameStrategy::TopicName, "orders", true, None).unwrap(),
            "orders-key"
        );
        assert_eq!(
            subject_name(
                SubjectNameStrategy::TopicRecordName,
                "orders",
                false,
                Some("shop.Invoice")
            )
            .unwrap(),
            "orders-shop.Invoice"
        );
        let mut r = Registry::new();
        let a = r.register("orders-value", Format::Avro, V1).unwrap();
        assert_eq!((a.version, a.id, a.new_version), (1, 1, true));
        // Same schema, other whitespace: same version and id.
        let again = r
            .register("orders-value", Format::Avro, &V1.replace(',', " , "))
            .unwrap();
        assert_eq!((again.version, again.id, again.new_version), (1, 1, false));
        // Same schema under another subject: same id, version 1 there.
        let other = r.register("payments-value", Format::Avro, V1).unwrap();
        assert_eq!((other.version, other.id), (1, 1));
        // BACKWARD (default) refuses a new field without default, with the reason.
        match r.register("orders-value", Format::Avro, V2_NO_DEFAULT) {
            Err(RegisterError::Incompatible(res)) => assert!(
                res.messages[0].contains("READER_FIELD_MISSING_DEFAULT_VALUE"),
                "{res:?}"
            ),
            other => panic!("expected a refusal, got {other:?}"),
        }
        let b = r
            .register("orders-value", Format::Avro, V2_DEFAULT)
            .unwrap();
        assert_eq!((b.version, b.id), (2, 2));
        // FORWARD on that subject accepts the field without default.
        r.set_subject_level("payments-value", Some(CompatibilityLevel::Forward));
        let c = r
            .register("payments-value", Format::Avro, V2_NO_DEFAULT)
            .unwrap();
        assert_eq!((c.version, c.id), (2, 3));
        assert_eq!(r.schema_by_id(3).unwrap().0, Format::Avro);
        assert!(matches!(
            r.register("x", Format::Avro, "{"),
            Err(RegisterError::Invalid(_))
        ));
        assert_eq!(r.subjects(), ["orders-value", "payments-value"]);
    }

    #[test]
    fn deleted_versions_do_not_count() {
        let mut r = Registry::new();
        r.register("t-value", Format::Avro, V1).unwrap();
        r.register("t-value", Format::Avro, V2_DEFAULT).unwrap();
        r.delete_version("t-value", 2).unwrap();
        assert_eq!(r.latest("t-value").unwrap().version, 1);
        // Against version 1 only, V2_NO_DEFAULT still fails BACKWARD; with NONE it passes.
        assert!(r.register("t-value", Format::Avro, V2_NO_DEFAULT).is_err());
        r.set_subject_level("t-value", Some(CompatibilityLevel::None));
        let v = r.register("t-value", Format::Avro, V2_NO_DEFAULT).unwrap();
        assert_eq!(v.version, 3, "versions keep counting after a delete");
        assert!(
            r.schema_by_id(2).is_some(),
            "a deleted version's id still resolves"
        );
    }

    /// The serializer and deserializer around the registry: an old consumer (reader v1) reads
    /// v2 data through schema resolution; bytes without the framing are a poison pill.
    #[test]
    fn serializer_and_deserializer() {
        let mut r = Registry::new();
        let b1 = r
            .serialize("t-value", Format::Avro, V1, None, r#"{"no":5}"#, true)
            .unwrap();
        assert_eq!(crate::to_hex(&b1), "00000000010a");
        let b2 = r
            .serialize(
                "t-value",
                Format::Avro,
                V2_DEFAULT,
                None,
                r#"{"no":5,"currency":"SEK"}"#,
                true,
            )
            .unwrap();
        assert_eq!(&b2[..5], &[0, 0, 0, 0, 2]);
        assert_eq!(
            r.deserialize(Format::Avro, None, &b2).unwrap(),
            serde_json::json!({"no": 5, "currency": "SEK"})
        );
        assert_eq!(
            r.deserialize(Format::Avro, Some(V1), &b2).unwrap(),
            serde_json::json!({"no": 5})
        );
        assert_eq!(
            r.deserialize(Format::Avro, Some(V2_DEFAULT), &b1).unwrap(),
            serde_json::json!({"no": 5, "currency": "EUR"})
        );
        assert!(r
            .deserialize(Format::Avro, None, &[0x0a])
            .unwrap_err()
            .message
            .contains("Unknown magic byte!"));
        assert!(r
            .deserialize(Format::Avro, None, &[0, 0, 0, 0, 9, 0x0a])
            .unwrap_err()
            .message
            .contains("not found"));
        // Without auto-registration, an unknown schema is refused.
        assert!(r
            .serialize(
                "t-value",
                Format::Avro,
                V2_NO_DEFAULT,
                None,
                r#"{"no":1,"currency":"x"}"#,
                false
            )
            .is_err());
        let p = "syntax = \"proto3\"; message A { int32 a = 1; } message B { string b = 1; }";
        let pb = r
            .serialize(
                "p-value",
                Format::Protobuf,
                p,
                Some("B"),
                r#"{"b":"hi"}"#,
                true,
            )
            .unwrap();
        assert_eq!(crate::to_hex(&pb), "000000000302020a026869");
        assert_eq!(
            r.deserialize(Format::Protobuf, None, &pb).unwrap(),
            serde_json::json!({"b": "hi"})
        );
    }

    #[test]
    fn protobuf_and_json_subjects() {
        let mut r = Registry::new();
        let p1 = "syntax = \"proto3\"; message M { int64 a = 1; }";
        let p2 = "syntax = \"proto3\";\n// a comment\nmessage M {\n  int64 a = 1;\n}";
        let id = r.register("p-value", Format::Protobuf, p1).unwrap().id;
        assert_eq!(
            r.register("p-value", Format::Protobuf, p2).unwrap().id,
            id,
            "layout and comments do not matter"
        );
        let bad = "syntax = \"proto3\"; message M { sint64 a = 1; }";
        assert!(matches!(
            r.register("p-value", Format::Protobuf, bad),
            Err(RegisterError::Incompatible(_))
        ));
        let j1 = r#"{"type":"object","properties":{"a":{"type":"string"}}}"#;
        let j2 = r#"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}"#;
        r.register("j-value", Format::Json, j1).unwrap();
        match r.register("j-value", Format::Json, j2) {
            Err(RegisterError::Incompatible(res)) => {
                assert!(res.messages[0].contains("OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"))
            }
            other => panic!("{other:?}"),
        }
    }
}
