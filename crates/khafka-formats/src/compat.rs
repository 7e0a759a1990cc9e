//! Schema Registry compatibility levels, checked as `CompatibilityChecker` checks them.
//!
//! - `BACKWARD`: the new schema can read data written with the old (`canReadStrategy`:
//!   `new.isBackwardCompatible(old)`), against the latest version (`validateLatest`).
//! - `FORWARD`: the old schema can read data written with the new (`canBeReadStrategy`:
//!   `old.isBackwardCompatible(new)`), against the latest version.
//! - `FULL`: both (`mutualReadStrategy`), against the latest version.
//! - `*_TRANSITIVE`: the same against every earlier version, newest first, stopping at the first
//!   that fails (`validateAll`).
//! - `NONE`: no check.
//!
//! Each format's `isBackwardCompatible` gives messages with two `%s`, filled with the roles
//! ("new"/"old") as `SchemaValidatorBuilder.formatErrorMessages` does; when a check fails its
//! messages end with `{oldSchemaVersion: N}` like the registry's (the registry also appends the
//! old schema's text, left out here).

#[cfg(feature = "avro")]
use crate::avro::AvroSchema;
use crate::json_schema::Js;
#[cfg(feature = "protobuf")]
use crate::protobuf::ProtoSchema;
use crate::{Format, FormatError};
use serde::{Deserialize, Serialize};

/// `CompatibilityLevel`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CompatibilityLevel {
    None,
    Backward,
    BackwardTransitive,
    Forward,
    ForwardTransitive,
    Full,
    FullTransitive,
}

impl CompatibilityLevel {
    pub fn parse(s: &str) -> Result<CompatibilityLevel, FormatError> {
        Ok(match s.to_ascii_uppercase().as_str() {
            "NONE" => CompatibilityLevel::None,
            "BACKWARD" => CompatibilityLevel::Backward,
            "BACKWARD_TRANSITIVE" => CompatibilityLevel::BackwardTransitive,
            "FORWARD" => CompatibilityLevel::Forward,
            "FORWARD_TRANSITIVE" => CompatibilityLevel::ForwardTransitive,
            "FULL" => CompatibilityLevel::Full,
            "FULL_TRANSITIVE" => CompatibilityLevel::FullTransitive,
            _ => {
                return Err(FormatError::input(format!(
                    "unknown compatibility level `{s}` (NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE)"
                )))
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            CompatibilityLevel::None => "NONE",
            CompatibilityLevel::Backward => "BACKWARD",
            CompatibilityLevel::BackwardTransitive => "BACKWARD_TRANSITIVE",
            CompatibilityLevel::Forward => "FORWARD",
            CompatibilityLevel::ForwardTransitive => "FORWARD_TRANSITIVE",
            CompatibilityLevel::Full => "FULL",
            CompatibilityLevel::FullTransitive => "FULL_TRANSITIVE",
        }
    }

    fn transitive(self) -> bool {
        matches!(
            self,
            CompatibilityLevel::BackwardTransitive
                | CompatibilityLevel::ForwardTransitive
                | CompatibilityLevel::FullTransitive
        )
    }
}

/// One difference that makes a schema unable to read another, from a format's
/// `isBackwardCompatible(previous)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Incompatibility {
    /// The registry's error type, e.g. `READER_FIELD_MISSING_DEFAULT_VALUE`,
    /// `FIELD_SCALAR_KIND_CHANGED`, `PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL`.
    pub error_type: String,
    /// Where: a JSON pointer (Avro, `/fields/1`) or the registry's `#/…` path.
    pub path: String,
    /// The registry's message with `%s` for the reader's and the writer's roles.
    pub template: String,
}

/// A check's outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CompatibilityResult {
    pub compatible: bool,
    /// The registry-style messages (empty when compatible).
    pub messages: Vec<String>,
    /// The error types and paths, for a page to highlight.
    pub incompatibilities: Vec<Incompatibility>,
    /// Which earlier version failed: 1 for the oldest given, up to the latest.
    pub old_schema_version: Option<usize>,
}

impl CompatibilityResult {
    /// One line: the first message, with how many more there are.
    pub fn reason(&self) -> String {
        let errors: Vec<&String> = self
            .messages
            .iter()
            .filter(|m| !m.starts_with("{oldSchemaVersion"))
            .collect();
        let mut s = errors.first().map(|m| m.to_string()).unwrap_or_default();
        if errors.len() > 1 {
            s.push_str(&format!(
                " (and {} more: {})",
                errors.len() - 1,
                errors[1..]
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        if let Some(v) = self.old_schema_version {
            s.push_str(&format!(" {{oldSchemaVersion: {v}}}"));
        }
        s
    }
}

/// A schema parsed for compatibility checking.
#[derive(Clone, Debug)]
pub enum ParsedSchema {
    #[cfg(feature = "avro")]
    Avro(Box<AvroSchema>),
    #[cfg(feature = "protobuf")]
    Protobuf(Box<ProtoSchema>),
    Json(Box<Js>),
    /// A schema of a format this build does not carry, registered by another codec bundle
    /// (`sim_table`'s relay): it counts as a version and an id, and as a different schema type.
    Foreign(Format),
}

impl ParsedSchema {
    pub fn parse(format: Format, text: &str) -> Result<ParsedSchema, FormatError> {
        Ok(match format {
            #[cfg(feature = "avro")]
            Format::Avro => ParsedSchema::Avro(Box::new(AvroSchema::parse(text)?)),
            #[cfg(feature = "protobuf")]
            Format::Protobuf => ParsedSchema::Protobuf(Box::new(ProtoSchema::parse(text)?)),
            #[cfg(not(feature = "avro"))]
            Format::Avro => return Err(crate::by_format::not_built(format)),
            #[cfg(not(feature = "protobuf"))]
            Format::Protobuf => return Err(crate::by_format::not_built(format)),
            Format::Json => ParsedSchema::Json(Box::new(Js::parse(text)?)),
        })
    }

    /// `ParsedSchema.isBackwardCompatible(previous)`: can `self` read what `previous` wrote?
    pub fn is_backward_compatible(&self, previous: &ParsedSchema) -> Vec<Incompatibility> {
        // With one format built, the last arm cannot be reached.
        #[allow(unreachable_patterns)]
        match (self, previous) {
            #[cfg(feature = "avro")]
            (ParsedSchema::Avro(new), ParsedSchema::Avro(old)) => {
                crate::avro_compat::backward_incompatibilities(new, old)
            }
            #[cfg(feature = "protobuf")]
            (ParsedSchema::Protobuf(new), ParsedSchema::Protobuf(old)) => {
                crate::protobuf_compat::backward_incompatibilities(new, old)
            }
            (ParsedSchema::Json(new), ParsedSchema::Json(old)) => {
                crate::json_compat::backward_incompatibilities(new, old)
            }
            _ => vec![Incompatibility {
                error_type: "DIFFERENT_SCHEMA_TYPE".into(),
                path: String::new(),
                template: "Incompatible because of different schema type".into(),
            }],
        }
    }
}

fn fill(template: &str, first: &str, second: &str) -> String {
    template.replacen("%s", first, 1).replacen("%s", second, 1)
}

/// Checks `new` against `previous` (newest first) at `level`; `previous[0]` is the latest
/// version. Versions are numbered `previous.len()` (latest) down to 1 (oldest).
pub fn check_parsed(
    level: CompatibilityLevel,
    new: &ParsedSchema,
    previous: &[ParsedSchema],
) -> CompatibilityResult {
    let mut result = CompatibilityResult {
        compatible: true,
        messages: vec![],
        incompatibilities: vec![],
        old_schema_version: None,
    };
    if level == CompatibilityLevel::None {
        return result;
    }
    let count = if level.transitive() {
        previous.len()
    } else {
        previous.len().min(1)
    };
    for (i, old) in previous.iter().take(count).enumerate() {
        let version = previous.len() - i;
        let mut messages = Vec::new();
        let mut incompatibilities = Vec::new();
        let backward = matches!(
            level,
            CompatibilityLevel::Backward | CompatibilityLevel::BackwardTransitive
        );
        let forward = matches!(
            level,
            CompatibilityLevel::Forward | CompatibilityLevel::ForwardTransitive
        );
        // `formatErrorMessages` appends the old version to a non-empty list, except for the first
        // half of mutualRead.
        let mut append = |diffs: Vec<Incompatibility>, roles: (&str, &str), with_version: bool| {
            if diffs.is_empty() {
                return;
            }
            messages.extend(diffs.iter().map(|d| fill(&d.template, roles.0, roles.1)));
            if with_version {
                messages.push(format!("{{oldSchemaVersion: {version}}}"));
            }
            incompatibilities.extend(diffs);
        };
        if forward || !backward {
            // canBeRead (and the first half of mutualRead): the old schema reads the new one's data.
            append(old.is_backward_compatible(new), ("old", "new"), forward);
        }
        if backward || !forward {
            append(new.is_backward_compatible(old), ("new", "old"), true);
        }
        if !incompatibilities.is_empty() {
            return CompatibilityResult {
                compatible: false,
                messages,
                incompatibilities,
                old_schema_version: Some(version),
            };
        }
    }
    result.compatible = true;
    result
}

/// Parses and checks: `new` against `previous` schema texts, newest first.
pub fn check_compatibility(
    format: Format,
    level: CompatibilityLevel,
    new: &str,
    previous: &[&str],
) -> Result<CompatibilityResult, FormatError> {
    let new = ParsedSchema::parse(format, new)?;
    let previous = previous
        .iter()
        .map(|p| ParsedSchema::parse(format, p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(check_parsed(level, &new, &previous))
}

#[cfg(all(test, feature = "avro"))]
mod tests {
    use super::*;
    use CompatibilityLevel::*;

    // confluentinc/schema-registry
    // core/src/test/java/io/confluent/kafka/schemaregistry/avro/AvroCompatibilityTest.java
    const S1: &str =
        r#"{"type":"record","name":"myrecord","fields":[{"type":"string","name":"f1"}]}"#;
    const S2: &str = r#"{"type":"record","name":"myrecord","fields":[{"type":"string","name":"f1"},{"type":"string","name":"f2","default":"foo"}]}"#;
    const S3: &str = r#"{"type":"record","name":"myrecord","fields":[{"type":"string","name":"f1"},{"type":"string","name":"f2"}]}"#;
    const S8: &str = r#"{"type":"record","name":"myrecord","fields":[{"type":"string","name":"f1"},{"type":"string","name":"f2","default":"foo"},{"type":"string","name":"f3","default":"bar"}]}"#;

    /// `isCompatible(new, [oldest, …, latest])` in Java; here previous is newest first.
    fn ok(level: CompatibilityLevel, new: &str, java_previous: &[&str]) -> bool {
        let newest_first: Vec<&str> = java_previous.iter().rev().copied().collect();
        check_compatibility(Format::Avro, level, new, &newest_first)
            .unwrap()
            .compatible
    }

    #[test]
    fn avro_compatibility_test_levels() {
        // testBasicBackwardsCompatibility
        assert!(ok(Backward, S2, &[S1]));
        assert!(!ok(Backward, S3, &[S1]));
        assert!(ok(Backward, S3, &[S1, S2]), "only the latest is checked");
        // testBasicBackwardsTransitiveCompatibility
        assert!(ok(BackwardTransitive, S8, &[S1, S2]));
        assert!(ok(BackwardTransitive, S3, &[S2]));
        assert!(!ok(BackwardTransitive, S3, &[S2, S1]));
        // testBasicForwardsCompatibility
        assert!(ok(Forward, S2, &[S1]));
        assert!(ok(Forward, S3, &[S1]));
        assert!(ok(Forward, S3, &[S2]));
        assert!(ok(Forward, S2, &[S3]));
        assert!(ok(Forward, S1, &[S3, S2]));
        // testBasicForwardsTransitiveCompatibility
        assert!(ok(ForwardTransitive, S1, &[S8, S2]));
        assert!(ok(ForwardTransitive, S2, &[S3]));
        assert!(ok(ForwardTransitive, S1, &[S2]));
        assert!(!ok(ForwardTransitive, S1, &[S2, S3]));
        // testBasicFullCompatibility
        assert!(ok(Full, S2, &[S1]));
        assert!(ok(Full, S3, &[S1, S2]));
        assert!(ok(Full, S1, &[S3, S2]));
        // testBasicFullTransitiveCompatibility
        assert!(ok(FullTransitive, S8, &[S1, S2]));
        assert!(ok(FullTransitive, S1, &[S8, S2]));
        assert!(ok(FullTransitive, S2, &[S3]));
        assert!(ok(FullTransitive, S1, &[S2]));
        assert!(ok(FullTransitive, S2, &[S1]));
        assert!(ok(FullTransitive, S3, &[S2]));
        assert!(!ok(FullTransitive, S3, &[S2, S1]));
        assert!(!ok(FullTransitive, S1, &[S2, S3]));
        // NONE accepts anything of the same format.
        assert!(ok(None, S3, &[S1]));
    }

    #[test]
    fn messages_name_the_field_and_the_rule() {
        let r = check_compatibility(Format::Avro, Backward, S3, &[S1]).unwrap();
        assert!(!r.compatible);
        assert_eq!(r.old_schema_version, Some(1));
        assert_eq!(
            r.messages[0],
            "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'f2' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'f2'}"
        );
        assert_eq!(r.messages[1], "{oldSchemaVersion: 1}");
        // FORWARD swaps the roles: the old schema is the reader.
        let r = check_compatibility(Format::Avro, Forward, S1, &[S3]).unwrap();
        assert!(
            r.messages[0].contains(
                "in the old schema has no default value and is missing in the new schema"
            ),
            "{:?}",
            r.messages
        );
        // FULL: a failure of the first half (the old schema reads the new one's data) is listed
        // without the version line, as mutualReadStrategy formats it.
        let r = check_compatibility(Format::Avro, Full, S1, &[S3]).unwrap();
        assert_eq!(r.messages.len(), 1, "{:?}", r.messages);
        assert!(r.messages[0].contains("'f2' at path '/fields/1' in the old schema"));
        // Transitive checks report the version that failed: S1 is version 1 of [S2, S1].
        let r = check_compatibility(Format::Avro, BackwardTransitive, S3, &[S2, S1]).unwrap();
        assert_eq!(r.old_schema_version, Some(1));
    }

    /// The semantics notes' own illustration: Invoice with a currency default passes FULL; without
    /// it, FORWARD passes and BACKWARD fails.
    #[test]
    fn notes_invoice_example() {
        let v1 = r#"{"type":"record","name":"Invoice","fields":[{"name":"no","type":"long"}]}"#;
        let with = r#"{"type":"record","name":"Invoice","fields":[{"name":"no","type":"long"},{"name":"currency","type":"string","default":"EUR"}]}"#;
        let without = r#"{"type":"record","name":"Invoice","fields":[{"name":"no","type":"long"},{"name":"currency","type":"string"}]}"#;
        assert!(
            check_compatibility(Format::Avro, Full, with, &[v1])
                .unwrap()
                .compatible
        );
        assert!(
            check_compatibility(Format::Avro, Forward, without, &[v1])
                .unwrap()
                .compatible
        );
        assert!(
            !check_compatibility(Format::Avro, Backward, without, &[v1])
                .unwrap()
                .compatible
        );
    }
}
