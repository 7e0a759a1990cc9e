//! Avro reader/writer compatibility, as Avro's Java `SchemaCompatibility` decides it — the check
//! behind the Schema Registry's `AvroSchema.isBackwardCompatible` (reader = the new schema,
//! writer = the old one, for BACKWARD).
//!
//! Ported rule by rule from `ReaderWriterCompatibilityChecker` (Avro 1.11/1.12): same primitive
//! types; named types compared by unqualified name or a reader alias naming the writer's full
//! name; record fields matched by name or reader field alias, a reader-only field needs a default
//! (`READER_FIELD_MISSING_DEFAULT_VALUE`); enum symbols missing from the reader are refused unless
//! the reader declares an enum `default` (`MISSING_ENUM_SYMBOLS`); fixed sizes must agree
//! (`FIXED_SIZE_MISMATCH`); every branch of a writer union must be readable
//! (`MISSING_UNION_BRANCH`); promotions int→long→float→double and string↔bytes
//! (`TYPE_MISMATCH` otherwise). Locations are JSON pointers such as `/fields/1`, and, as in Java,
//! a check of a writer-union branch starts its location afresh. Results are memoised per
//! reader/writer pair, which is also what stops recursion on recursive types.

use crate::avro::{fullname, names_match, AvroSchema};
use crate::compat::Incompatibility;
use apache_avro::Schema;
use std::collections::{BTreeSet, HashMap};

/// Avro's `Schema.Type` names, as Java prints them in messages.
fn java_type(s: &Schema) -> &'static str {
    match s {
        Schema::Null => "NULL",
        Schema::Boolean => "BOOLEAN",
        Schema::Int | Schema::Date | Schema::TimeMillis => "INT",
        Schema::Long
        | Schema::TimeMicros
        | Schema::TimestampMillis
        | Schema::TimestampMicros
        | Schema::TimestampNanos
        | Schema::LocalTimestampMillis
        | Schema::LocalTimestampMicros
        | Schema::LocalTimestampNanos => "LONG",
        Schema::Float => "FLOAT",
        Schema::Double => "DOUBLE",
        Schema::Bytes | Schema::BigDecimal => "BYTES",
        Schema::String | Schema::Uuid => "STRING",
        Schema::Array(_) => "ARRAY",
        Schema::Map(_) => "MAP",
        Schema::Union(_) => "UNION",
        Schema::Record(_) => "RECORD",
        Schema::Enum(_) => "ENUM",
        Schema::Fixed(_) | Schema::Duration => "FIXED",
        Schema::Decimal(d) => java_type(&d.inner),
        Schema::Ref { .. } => "REF",
    }
}

/// One Avro incompatibility (`SchemaCompatibility.Incompatibility`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AvroIncompatibility {
    /// `SchemaIncompatibilityType`, e.g. `READER_FIELD_MISSING_DEFAULT_VALUE`.
    pub kind: &'static str,
    /// JSON pointer into the reader's schema, e.g. `/fields/1`.
    pub location: String,
    /// Avro's message (e.g. the field name, or "reader type: INT not compatible with …").
    pub message: String,
}

impl AvroIncompatibility {
    /// The registry's `avro.Difference` text, with `%s` for the reader's and writer's roles.
    fn template(&self) -> String {
        let path = &self.location;
        let description = match self.kind {
            "FIXED_SIZE_MISMATCH" => format!("The size of FIXED type field at path '{path}' in the %s schema does not match with the %s schema"),
            "TYPE_MISMATCH" => format!("The type (path '{path}') of a field in the %s schema does not match with the %s schema"),
            "NAME_MISMATCH" => format!("The name of the schema has changed (path '{path}')"),
            "MISSING_ENUM_SYMBOLS" => format!("The %s schema is missing enum symbols '{}' at path '{path}' in the %s schema", self.message),
            "MISSING_UNION_BRANCH" => format!("The %s schema is missing a type inside a union field at path '{path}' in the %s schema"),
            "READER_FIELD_MISSING_DEFAULT_VALUE" => format!("The field '{}' at path '{path}' in the %s schema has no default value and is missing in the %s schema", self.message),
            _ => String::new(),
        };
        format!(
            "{{errorType:'{}', description:'{description}', additionalInfo:'{}'}}",
            self.kind, self.message
        )
    }
}

/// Can `reader` read everything `writer` wrote? Every incompatibility found (empty: yes).
pub fn check(reader: &AvroSchema, writer: &AvroSchema) -> Vec<AvroIncompatibility> {
    let mut c = Checker {
        reader,
        writer,
        memo: HashMap::new(),
    };
    let mut loc = Vec::new();
    c.get("", &reader.schema, &writer.schema, &mut loc)
}

/// [`check`] as the registry's `isBackwardCompatible` messages (templates with `%s`).
pub(crate) fn backward_incompatibilities(
    new: &AvroSchema,
    old: &AvroSchema,
) -> Vec<Incompatibility> {
    check(new, old)
        .into_iter()
        .map(|i| Incompatibility {
            error_type: i.kind.to_string(),
            path: i.location.clone(),
            template: i.template(),
        })
        .collect()
}

struct Checker<'a> {
    reader: &'a AvroSchema,
    writer: &'a AvroSchema,
    /// `None` while a pair is being checked (recursion in progress).
    memo: HashMap<(usize, usize), Option<Vec<AvroIncompatibility>>>,
}

fn pointer(loc: &[String]) -> String {
    // The root token is ignored; JSON pointer escaping for the rest.
    let parts: Vec<String> = loc
        .iter()
        .skip(1)
        .map(|t| t.replace('~', "~0").replace('/', "~1"))
        .collect();
    format!("/{}", parts.join("/"))
}

impl<'a> Checker<'a> {
    /// A named type's canonical definition (so a `Ref` and its definition are one pair).
    fn canon(&self, all: &'a AvroSchema, s: &'a Schema) -> &'a Schema {
        let key = match s {
            Schema::Ref { name } => fullname(name),
            Schema::Record(r) => fullname(&r.name),
            Schema::Enum(e) => fullname(&e.name),
            Schema::Fixed(f) => fullname(&f.name),
            Schema::Decimal(d) => return self.canon(all, &d.inner),
            _ => return s,
        };
        all.names.get(&key).unwrap_or(s)
    }

    /// `getCompatibility(reader, writer)`: a fresh location stack.
    fn get_fresh(&mut self, reader: &'a Schema, writer: &'a Schema) -> Vec<AvroIncompatibility> {
        let mut loc = Vec::new();
        self.get("", reader, writer, &mut loc)
    }

    fn get(
        &mut self,
        token: &str,
        reader: &'a Schema,
        writer: &'a Schema,
        loc: &mut Vec<String>,
    ) -> Vec<AvroIncompatibility> {
        loc.push(token.to_string());
        let reader = self.canon(self.reader, reader);
        let writer = self.canon(self.writer, writer);
        let key = (
            reader as *const Schema as usize,
            writer as *const Schema as usize,
        );
        let result = match self.memo.get(&key) {
            Some(None) => Vec::new(), // recursion: compatible unless proven otherwise
            Some(Some(r)) => r.clone(),
            None => {
                self.memo.insert(key, None);
                let r = if loc.len() > crate::Limits::DEPTH_MAX {
                    Vec::new()
                } else {
                    self.calculate(reader, writer, loc)
                };
                self.memo.insert(key, Some(r.clone()));
                r
            }
        };
        loc.pop();
        result
    }

    fn incompatible(
        kind: &'static str,
        message: String,
        loc: &[String],
    ) -> Vec<AvroIncompatibility> {
        vec![AvroIncompatibility {
            kind,
            location: pointer(loc),
            message,
        }]
    }

    fn type_mismatch(reader: &Schema, writer: &Schema, loc: &[String]) -> Vec<AvroIncompatibility> {
        Self::incompatible(
            "TYPE_MISMATCH",
            format!(
                "reader type: {} not compatible with writer type: {}",
                java_type(reader),
                java_type(writer)
            ),
            loc,
        )
    }

    fn names(
        &self,
        reader: &Schema,
        writer: &Schema,
        loc: &mut Vec<String>,
    ) -> Vec<AvroIncompatibility> {
        let ok = match (reader, writer) {
            (Schema::Record(r), Schema::Record(w)) => {
                names_match(&r.name, r.aliases.as_ref(), &w.name)
            }
            (Schema::Enum(r), Schema::Enum(w)) => names_match(&r.name, r.aliases.as_ref(), &w.name),
            (Schema::Fixed(r), Schema::Fixed(w)) => {
                names_match(&r.name, r.aliases.as_ref(), &w.name)
            }
            _ => true,
        };
        if ok {
            return Vec::new();
        }
        let wname = match writer {
            Schema::Record(w) => fullname(&w.name),
            Schema::Enum(w) => fullname(&w.name),
            Schema::Fixed(w) => fullname(&w.name),
            _ => String::new(),
        };
        loc.push("name".into());
        let r = Self::incompatible("NAME_MISMATCH", format!("expected: {wname}"), loc);
        loc.pop();
        r
    }

    fn calculate(
        &mut self,
        reader: &'a Schema,
        writer: &'a Schema,
        loc: &mut Vec<String>,
    ) -> Vec<AvroIncompatibility> {
        let (rt, wt) = (java_type(reader), java_type(writer));
        let mut result = Vec::new();
        if rt == wt {
            match (reader, writer) {
                (Schema::Array(r), Schema::Array(w)) => {
                    result.extend(self.get("items", &r.items, &w.items, loc))
                }
                (Schema::Map(r), Schema::Map(w)) => {
                    result.extend(self.get("values", &r.types, &w.types, loc))
                }
                (Schema::Fixed(r), Schema::Fixed(w)) => {
                    result.extend(self.names(reader, writer, loc));
                    if r.size != w.size {
                        loc.push("size".into());
                        result.extend(Self::incompatible(
                            "FIXED_SIZE_MISMATCH",
                            format!("expected: {}, found: {}", w.size, r.size),
                            loc,
                        ));
                        loc.pop();
                    }
                }
                (Schema::Enum(r), Schema::Enum(w)) => {
                    result.extend(self.names(reader, writer, loc));
                    loc.push("symbols".into());
                    let missing: BTreeSet<&String> = w
                        .symbols
                        .iter()
                        .filter(|s| !r.symbols.contains(s))
                        .collect();
                    let reader_default = r.default.as_ref().is_some_and(|d| r.symbols.contains(d));
                    if !missing.is_empty() && !reader_default {
                        let list: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
                        result.extend(Self::incompatible(
                            "MISSING_ENUM_SYMBOLS",
                            format!("[{}]", list.join(", ")),
                            loc,
                        ));
                    }
                    loc.pop();
                }
                (Schema::Record(r), Schema::Record(w)) => {
                    result.extend(self.names(reader, writer, loc));
                    loc.push("fields".into());
                    for rf in &r.fields {
                        loc.push(rf.position.to_string());
                        let mut candidates = vec![&rf.name];
                        candidates.extend(rf.aliases.iter().flatten());
                        let wf = candidates
                            .iter()
                            .find_map(|n| w.fields.iter().find(|wf| &&wf.name == n));
                        match wf {
                            Some(wf) => {
                                result.extend(self.get("type", &rf.schema, &wf.schema, loc))
                            }
                            None if rf.default.is_some() => {}
                            None => {
                                let enum_default = match self.canon(self.reader, &rf.schema) {
                                    Schema::Enum(e) => e.default.is_some(),
                                    _ => false,
                                };
                                if enum_default {
                                    // Java compares the enum with the writer *record* here.
                                    result.extend(self.get("type", &rf.schema, writer, loc));
                                } else {
                                    result.extend(Self::incompatible(
                                        "READER_FIELD_MISSING_DEFAULT_VALUE",
                                        rf.name.clone(),
                                        loc,
                                    ));
                                }
                            }
                        }
                        loc.pop();
                    }
                    loc.pop();
                }
                (Schema::Union(_), Schema::Union(w)) => {
                    for (i, branch) in w.variants().iter().enumerate() {
                        loc.push(i.to_string());
                        if !self.get_fresh(reader, branch).is_empty() {
                            result.extend(Self::incompatible(
                                "MISSING_UNION_BRANCH",
                                format!(
                                    "reader union lacking writer type: {}",
                                    java_type(self.canon(self.writer, branch))
                                ),
                                loc,
                            ));
                        }
                        loc.pop();
                    }
                }
                _ => {}
            }
            return result;
        }
        if let Schema::Union(w) = writer {
            for branch in w.variants() {
                result.extend(self.get_fresh(reader, branch));
            }
            return result;
        }
        match reader {
            Schema::Union(r) => {
                for branch in r.variants() {
                    if self.get_fresh(branch, writer).is_empty() {
                        return result;
                    }
                }
                result.extend(Self::incompatible(
                    "MISSING_UNION_BRANCH",
                    format!("reader union lacking writer type: {wt}"),
                    loc,
                ));
            }
            _ => {
                let promoted = matches!(
                    (rt, wt),
                    ("LONG", "INT")
                        | ("FLOAT", "INT" | "LONG")
                        | ("DOUBLE", "INT" | "LONG" | "FLOAT")
                        | ("BYTES", "STRING")
                        | ("STRING", "BYTES")
                );
                if !promoted {
                    result.extend(Self::type_mismatch(reader, writer, loc));
                }
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> AvroSchema {
        AvroSchema::parse(text).unwrap()
    }

    // Schemas from confluentinc/schema-registry
    // `core/src/test/java/io/confluent/kafka/schemaregistry/avro/AvroCompatibilityTest.java`.
    const SCHEMA1: &str =
        r#"{"type":"record","name":"myrecord","fields":[{"type":"string","name":"f1"}]}"#;
    const SCHEMA2: &str = r#"{"type":"record","name":"myrecord","fields":[{"type":"string","name":"f1"},{"type":"string","name":"f2","default":"foo"}]}"#;
    const SCHEMA3: &str = r#"{"type":"record","name":"myrecord","fields":[{"type":"string","name":"f1"},{"type":"string","name":"f2"}]}"#;
    const SCHEMA4: &str = r#"{"type":"record","name":"myrecord","fields":[{"type":"string","name":"f1_new","aliases":["f1"]}]}"#;
    const SCHEMA6: &str = r#"{"type":"record","name":"myrecord","fields":[{"type":["null","string"],"name":"f1","doc":"doc of f1"}]}"#;
    const SCHEMA7: &str = r#"{"type":"record","name":"myrecord","fields":[{"type":["null","string","int"],"name":"f1","doc":"doc of f1"}]}"#;
    const SCHEMA8: &str = r#"{"type":"record","name":"myrecord","fields":[{"type":"string","name":"f1"},{"type":"string","name":"f2","default":"foo"},{"type":"string","name":"f3","default":"bar"}]}"#;

    /// apache/avro `lang/java/avro/src/test/java/org/apache/avro/TestSchemas.java`'s schemas, as
    /// JSON.
    fn avro_test_schema(name: &str) -> &'static str {
        match name {
            "NULL" => r#""null""#,
            "BOOLEAN" => r#""boolean""#,
            "INT" => r#""int""#,
            "LONG" => r#""long""#,
            "FLOAT" => r#""float""#,
            "DOUBLE" => r#""double""#,
            "STRING" => r#""string""#,
            "BYTES" => r#""bytes""#,
            "INT_ARRAY" => r#"{"type":"array","items":"int"}"#,
            "LONG_ARRAY" => r#"{"type":"array","items":"long"}"#,
            "INT_MAP" => r#"{"type":"map","values":"int"}"#,
            "LONG_MAP" => r#"{"type":"map","values":"long"}"#,
            "ENUM2_AB" => r#"{"type":"enum","name":"Enum2","symbols":["A","B"]}"#,
            "FIXED_4_BYTES" => r#"{"type":"fixed","name":"Fixed","size":4}"#,
            "A_INT_RECORD1" => {
                r#"{"type":"record","name":"Record1","fields":[{"name":"a","type":"int"}]}"#
            }
            "INT_UNION" => r#"["int"]"#,
            "LONG_UNION" => r#"["long"]"#,
            "FLOAT_UNION" => r#"["float"]"#,
            "DOUBLE_UNION" => r#"["double"]"#,
            "STRING_UNION" => r#"["string"]"#,
            "BYTES_UNION" => r#"["bytes"]"#,
            "INT_STRING_UNION" => r#"["int","string"]"#,
            "INT_FLOAT_UNION" => r#"["int","float"]"#,
            "INT_LONG_FLOAT_DOUBLE_UNION" => r#"["int","long","float","double"]"#,
            "UNION_INT_RECORD1" => {
                r#"["int",{"type":"record","name":"Record1","fields":[{"name":"field1","type":"int"}]}]"#
            }
            "UNION_INT_RECORD2" => {
                r#"["int",{"type":"record","name":"Record2","fields":[{"name":"field1","type":"int"}]}]"#
            }
            "UNION_INT_ENUM1_AB" => r#"["int",{"type":"enum","name":"Enum1","symbols":["A","B"]}]"#,
            "UNION_INT_FIXED_4_BYTES" => r#"["int",{"type":"fixed","name":"Fixed","size":4}]"#,
            "UNION_INT_BOOLEAN" => r#"["int","boolean"]"#,
            "UNION_INT_ARRAY_INT" => r#"["int",{"type":"array","items":"int"}]"#,
            "UNION_INT_MAP_INT" => r#"["int",{"type":"map","values":"int"}]"#,
            "UNION_INT_NULL" => r#"["int","null"]"#,
            "A_DINT_B_DINT_UNION_RECORD1" => {
                r#"{"type":"record","name":"Record1","fields":[{"name":"a","type":"int","default":0},{"name":"b","type":["int"],"default":0}]}"#
            }
            "A_DINT_B_DINT_STRING_UNION_RECORD1" => {
                r#"{"type":"record","name":"Record1","fields":[{"name":"a","type":"int","default":0},{"name":"b","type":["int","string"],"default":0}]}"#
            }
            "INT_LIST_RECORD" => {
                r#"{"type":"record","name":"List","fields":[{"name":"head","type":"int"},{"name":"tail","type":"List"}]}"#
            }
            "LONG_LIST_RECORD" => {
                r#"{"type":"record","name":"List","fields":[{"name":"head","type":"long"},{"name":"tail","type":"List"}]}"#
            }
            "ENUM1_AB" => r#"{"type":"enum","name":"Enum1","symbols":["A","B"]}"#,
            "ENUM1_ABC" => r#"{"type":"enum","name":"Enum1","symbols":["A","B","C"]}"#,
            "ENUM1_BC" => r#"{"type":"enum","name":"Enum1","symbols":["B","C"]}"#,
            "EMPTY_RECORD1" => r#"{"type":"record","name":"Record1","fields":[]}"#,
            "EMPTY_RECORD2" => r#"{"type":"record","name":"Record2","fields":[]}"#,
            "A_INT_B_DINT_RECORD1" => {
                r#"{"type":"record","name":"Record1","fields":[{"name":"a","type":"int"},{"name":"b","type":"int","default":0}]}"#
            }
            "FIXED_8_BYTES" => r#"{"type":"fixed","name":"Fixed","size":8}"#,
            "A_DINT_B_DFIXED_4_BYTES_RECORD1" => {
                r#"{"type":"record","name":"Record1","fields":[{"name":"a","type":"int","default":0},{"name":"b","type":{"type":"fixed","name":"Fixed","size":4}}]}"#
            }
            "A_DINT_B_DFIXED_8_BYTES_RECORD1" => {
                r#"{"type":"record","name":"Record1","fields":[{"name":"a","type":"int","default":0},{"name":"b","type":{"type":"fixed","name":"Fixed","size":8}}]}"#
            }
            "FIXED_4_ANOTHER_NAME" => r#"{"type":"fixed","name":"AnotherName","size":4}"#,
            "FIXED_4_NAMESPACE_V1" => {
                r#"{"type":"fixed","name":"Fixed","namespace":"org.apache.avro.tests.v_1_0","size":4}"#
            }
            "FIXED_4_NAMESPACE_V2" => {
                r#"{"type":"fixed","name":"Fixed","namespace":"org.apache.avro.tests.v_2_0","size":4}"#
            }
            "A_DINT_B_DENUM_1_RECORD1" => {
                r#"{"type":"record","name":"Record1","fields":[{"name":"a","type":"int","default":0},{"name":"b","type":{"type":"enum","name":"Enum1","symbols":["A","B"]}}]}"#
            }
            "A_DINT_B_DENUM_2_RECORD1" => {
                r#"{"type":"record","name":"Record1","fields":[{"name":"a","type":"int","default":0},{"name":"b","type":{"type":"enum","name":"Enum2","symbols":["A","B"]}}]}"#
            }
            "RECORD1_WITH_ENUM_AB" => {
                r#"{"type":"record","name":"Record1","fields":[{"name":"field1","type":{"type":"enum","name":"Enum1","symbols":["A","B"]}}]}"#
            }
            "RECORD1_WITH_ENUM_ABC" => {
                r#"{"type":"record","name":"Record1","fields":[{"name":"field1","type":{"type":"enum","name":"Enum1","symbols":["A","B","C"]}}]}"#
            }
            other => panic!("no test schema {other}"),
        }
    }

    /// Every case of apache/avro `TestSchemaCompatibilityTypeMismatch` and
    /// `TestSchemaCompatibilityMissingUnionBranch`: the incompatibilities, their messages and
    /// their locations.
    #[test]
    fn avro_type_mismatch_and_missing_union_branch_tables() {
        let type_mismatch = [
            ("NULL", "INT", "NULL", "INT", "/"),
            ("NULL", "LONG", "NULL", "LONG", "/"),
            ("BOOLEAN", "INT", "BOOLEAN", "INT", "/"),
            ("INT", "NULL", "INT", "NULL", "/"),
            ("INT", "BOOLEAN", "INT", "BOOLEAN", "/"),
            ("INT", "LONG", "INT", "LONG", "/"),
            ("INT", "FLOAT", "INT", "FLOAT", "/"),
            ("INT", "DOUBLE", "INT", "DOUBLE", "/"),
            ("LONG", "FLOAT", "LONG", "FLOAT", "/"),
            ("LONG", "DOUBLE", "LONG", "DOUBLE", "/"),
            ("FLOAT", "DOUBLE", "FLOAT", "DOUBLE", "/"),
            ("DOUBLE", "STRING", "DOUBLE", "STRING", "/"),
            ("FIXED_4_BYTES", "STRING", "FIXED", "STRING", "/"),
            ("STRING", "BOOLEAN", "STRING", "BOOLEAN", "/"),
            ("STRING", "INT", "STRING", "INT", "/"),
            ("BYTES", "NULL", "BYTES", "NULL", "/"),
            ("BYTES", "INT", "BYTES", "INT", "/"),
            ("A_INT_RECORD1", "INT", "RECORD", "INT", "/"),
            ("INT_ARRAY", "LONG_ARRAY", "INT", "LONG", "/items"),
            ("INT_MAP", "INT_ARRAY", "MAP", "ARRAY", "/"),
            ("INT_ARRAY", "INT_MAP", "ARRAY", "MAP", "/"),
            ("INT_MAP", "LONG_MAP", "INT", "LONG", "/values"),
            ("INT", "ENUM2_AB", "INT", "ENUM", "/"),
            ("ENUM2_AB", "INT", "ENUM", "INT", "/"),
            (
                "FLOAT",
                "INT_LONG_FLOAT_DOUBLE_UNION",
                "FLOAT",
                "DOUBLE",
                "/",
            ),
            ("LONG", "INT_FLOAT_UNION", "LONG", "FLOAT", "/"),
            ("INT", "INT_FLOAT_UNION", "INT", "FLOAT", "/"),
            (
                "INT_LIST_RECORD",
                "LONG_LIST_RECORD",
                "INT",
                "LONG",
                "/fields/0/type",
            ),
        ];
        for (r, w, rt, wt, location) in type_mismatch {
            let got = check(&s(avro_test_schema(r)), &s(avro_test_schema(w)));
            let want = vec![AvroIncompatibility {
                kind: "TYPE_MISMATCH",
                location: location.into(),
                message: format!("reader type: {rt} not compatible with writer type: {wt}"),
            }];
            assert_eq!(got, want, "r: {r} | w: {w}");
        }
        // (reader, writer, [(missing writer type, location)]).
        type Case = (
            &'static str,
            &'static str,
            &'static [(&'static str, &'static str)],
        );
        let missing_branch: &[Case] = &[
            ("INT_UNION", "INT_STRING_UNION", &[("STRING", "/1")]),
            ("STRING_UNION", "INT_STRING_UNION", &[("INT", "/0")]),
            ("INT_UNION", "UNION_INT_RECORD1", &[("RECORD", "/1")]),
            ("INT_UNION", "UNION_INT_RECORD2", &[("RECORD", "/1")]),
            (
                "UNION_INT_RECORD1",
                "UNION_INT_RECORD2",
                &[("RECORD", "/1")],
            ),
            ("INT_UNION", "UNION_INT_ENUM1_AB", &[("ENUM", "/1")]),
            ("INT_UNION", "UNION_INT_FIXED_4_BYTES", &[("FIXED", "/1")]),
            ("INT_UNION", "UNION_INT_BOOLEAN", &[("BOOLEAN", "/1")]),
            ("INT_UNION", "LONG_UNION", &[("LONG", "/0")]),
            ("INT_UNION", "FLOAT_UNION", &[("FLOAT", "/0")]),
            ("INT_UNION", "DOUBLE_UNION", &[("DOUBLE", "/0")]),
            ("INT_UNION", "BYTES_UNION", &[("BYTES", "/0")]),
            ("INT_UNION", "UNION_INT_ARRAY_INT", &[("ARRAY", "/1")]),
            ("INT_UNION", "UNION_INT_MAP_INT", &[("MAP", "/1")]),
            ("INT_UNION", "UNION_INT_NULL", &[("NULL", "/1")]),
            (
                "INT_UNION",
                "INT_LONG_FLOAT_DOUBLE_UNION",
                &[("LONG", "/1"), ("FLOAT", "/2"), ("DOUBLE", "/3")],
            ),
            (
                "A_DINT_B_DINT_UNION_RECORD1",
                "A_DINT_B_DINT_STRING_UNION_RECORD1",
                &[("STRING", "/fields/1/type/1")],
            ),
        ];
        for (r, w, expected) in missing_branch {
            let got = check(&s(avro_test_schema(r)), &s(avro_test_schema(w)));
            let want: Vec<AvroIncompatibility> = expected
                .iter()
                .map(|(t, location)| AvroIncompatibility {
                    kind: "MISSING_UNION_BRANCH",
                    location: location.to_string(),
                    message: format!("reader union lacking writer type: {t}"),
                })
                .collect();
            assert_eq!(got, want, "r: {r} | w: {w}");
        }
    }

    /// Every case of apache/avro `TestSchemaCompatibilityNameMismatch`,
    /// `TestSchemaCompatibilityMissingEnumSymbols`,
    /// `TestSchemaCompatibilityReaderFieldMissingDefaultValue` and
    /// `TestSchemaCompatibilityFixedSizeMismatch` (main at 87212a6, August 2026).
    #[test]
    fn avro_name_enum_and_default_tables() {
        let cases = [
            (
                "ENUM1_AB",
                "ENUM2_AB",
                "NAME_MISMATCH",
                "expected: Enum2",
                "/name",
            ),
            (
                "EMPTY_RECORD2",
                "EMPTY_RECORD1",
                "NAME_MISMATCH",
                "expected: Record1",
                "/name",
            ),
            (
                "FIXED_4_BYTES",
                "FIXED_4_ANOTHER_NAME",
                "NAME_MISMATCH",
                "expected: AnotherName",
                "/name",
            ),
            (
                "A_DINT_B_DENUM_1_RECORD1",
                "A_DINT_B_DENUM_2_RECORD1",
                "NAME_MISMATCH",
                "expected: Enum2",
                "/fields/1/type/name",
            ),
            (
                "ENUM1_AB",
                "ENUM1_ABC",
                "MISSING_ENUM_SYMBOLS",
                "[C]",
                "/symbols",
            ),
            (
                "ENUM1_BC",
                "ENUM1_ABC",
                "MISSING_ENUM_SYMBOLS",
                "[A]",
                "/symbols",
            ),
            (
                "RECORD1_WITH_ENUM_AB",
                "RECORD1_WITH_ENUM_ABC",
                "MISSING_ENUM_SYMBOLS",
                "[C]",
                "/fields/0/type/symbols",
            ),
            (
                "A_INT_RECORD1",
                "EMPTY_RECORD1",
                "READER_FIELD_MISSING_DEFAULT_VALUE",
                "a",
                "/fields/0",
            ),
            (
                "A_INT_B_DINT_RECORD1",
                "EMPTY_RECORD1",
                "READER_FIELD_MISSING_DEFAULT_VALUE",
                "a",
                "/fields/0",
            ),
        ];
        for (r, w, kind, message, location) in cases {
            let got = check(&s(avro_test_schema(r)), &s(avro_test_schema(w)));
            let want = vec![AvroIncompatibility {
                kind,
                location: location.into(),
                message: message.into(),
            }];
            assert_eq!(got, want, "r: {r} | w: {w}");
        }
    }

    /// `AvroCompatibilityTest.testBasicBackwardsCompatibility` (reader = new, writer = old).
    #[test]
    fn registry_basic_backward() {
        assert!(
            check(&s(SCHEMA2), &s(SCHEMA1)).is_empty(),
            "adding a field with a default"
        );
        assert!(
            check(&s(SCHEMA1), &s(SCHEMA2)).is_empty(),
            "removing a field"
        );
        let e = check(&s(SCHEMA3), &s(SCHEMA1));
        assert_eq!(
            e,
            vec![AvroIncompatibility {
                kind: "READER_FIELD_MISSING_DEFAULT_VALUE",
                location: "/fields/1".into(),
                message: "f2".into()
            }]
        );
        assert_eq!(
            e[0].template(),
            "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'f2' at path '/fields/1' in the %s schema has no default value and is missing in the %s schema', additionalInfo:'f2'}"
        );
        assert!(
            check(&s(SCHEMA4), &s(SCHEMA1)).is_empty(),
            "renaming with an alias"
        );
        assert!(
            check(&s(SCHEMA6), &s(SCHEMA1)).is_empty(),
            "evolving a field type to a union"
        );
        let e = check(&s(SCHEMA1), &s(SCHEMA6));
        assert_eq!(e.len(), 1);
        // Java checks each branch of a writer union with a fresh location stack
        // (`getCompatibility(reader, branch)`), so the location is the root.
        assert_eq!((e[0].kind, e[0].location.as_str()), ("TYPE_MISMATCH", "/"));
        assert_eq!(
            e[0].message,
            "reader type: STRING not compatible with writer type: NULL"
        );
        assert!(
            check(&s(SCHEMA7), &s(SCHEMA6)).is_empty(),
            "adding a union branch"
        );
        let e = check(&s(SCHEMA6), &s(SCHEMA7));
        // Here the writer branch's index is pushed on the location.
        assert_eq!(
            (e[0].kind, e[0].location.as_str()),
            ("MISSING_UNION_BRANCH", "/fields/0/type/2")
        );
        assert_eq!(e[0].message, "reader union lacking writer type: INT");
    }

    /// `AvroCompatibilityTest.testBasicForwardsCompatibility` (reader = old, writer = new).
    #[test]
    fn registry_basic_forward() {
        assert!(check(&s(SCHEMA1), &s(SCHEMA2)).is_empty());
        assert!(
            check(&s(SCHEMA1), &s(SCHEMA3)).is_empty(),
            "adding a field without default is forward compatible"
        );
        assert!(check(&s(SCHEMA2), &s(SCHEMA3)).is_empty());
        assert!(
            check(&s(SCHEMA3), &s(SCHEMA2)).is_empty(),
            "removing a default is forward compatible"
        );
        // `testBasicFullCompatibility`: schema8 reads schema2 and back.
        assert!(
            check(&s(SCHEMA8), &s(SCHEMA2)).is_empty()
                && check(&s(SCHEMA2), &s(SCHEMA8)).is_empty()
        );
    }

    /// Avro's own `TestSchemaCompatibility*` cases (apache/avro lang/java): enums, fixed,
    /// names, promotions.
    #[test]
    fn avro_rules() {
        let e1 = r#"{"type":"enum","name":"E","symbols":["A","B"]}"#;
        let e2 = r#"{"type":"enum","name":"E","symbols":["A","B","C"]}"#;
        assert!(check(&s(e2), &s(e1)).is_empty());
        let e = check(&s(e1), &s(e2));
        assert_eq!(
            (e[0].kind, e[0].location.as_str(), e[0].message.as_str()),
            ("MISSING_ENUM_SYMBOLS", "/symbols", "[C]")
        );
        let e1d = r#"{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}"#;
        assert!(check(&s(e1d), &s(e2)).is_empty(), "reader enum default");
        let f1 = r#"{"type":"fixed","name":"F","size":2}"#;
        let f2 = r#"{"type":"fixed","name":"F","size":3}"#;
        let e = check(&s(f2), &s(f1));
        assert_eq!(
            (e[0].kind, e[0].location.as_str(), e[0].message.as_str()),
            ("FIXED_SIZE_MISMATCH", "/size", "expected: 2, found: 3")
        );
        let r1 = r#"{"type":"record","name":"A","fields":[]}"#;
        let r2 = r#"{"type":"record","name":"B","fields":[]}"#;
        let e = check(&s(r2), &s(r1));
        assert_eq!(
            (e[0].kind, e[0].location.as_str(), e[0].message.as_str()),
            ("NAME_MISMATCH", "/name", "expected: A")
        );
        let r2a = r#"{"type":"record","name":"B","aliases":["A"],"fields":[]}"#;
        assert!(check(&s(r2a), &s(r1)).is_empty());
        // Reader aliases are full names, resolved in the reader's namespace.
        let new = r#"{"type":"record","name":"New","namespace":"a","aliases":["Old"],"fields":[]}"#;
        assert!(check(
            &s(new),
            &s(r#"{"type":"record","name":"Old","namespace":"a","fields":[]}"#)
        )
        .is_empty());
        let e = check(
            &s(new),
            &s(r#"{"type":"record","name":"Old","namespace":"b","fields":[]}"#),
        );
        assert_eq!(
            (e[0].kind, e[0].message.as_str()),
            ("NAME_MISMATCH", "expected: b.Old")
        );
        // Same unqualified name in other namespaces matches (Avro 1.9+ compares getName()).
        assert!(check(
            &s(r#"{"type":"record","name":"R","namespace":"x","fields":[]}"#),
            &s(r#"{"type":"record","name":"R","namespace":"y","fields":[]}"#)
        )
        .is_empty());
        assert!(check(&s("\"long\""), &s("\"int\"")).is_empty());
        assert!(check(&s("\"double\""), &s("\"float\"")).is_empty());
        assert!(check(&s("\"bytes\""), &s("\"string\"")).is_empty());
        assert_eq!(
            check(&s("\"int\""), &s("\"long\""))[0].kind,
            "TYPE_MISMATCH"
        );
        // recursive types terminate
        let list = r#"{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]}]}"#;
        assert!(check(&s(list), &s(list)).is_empty());
    }
}
