//! Protobuf schema evolution as the Schema Registry judges it: `ProtobufSchema.isBackwardCompatible`
//! runs `SchemaDiff.compare(old, new)` and refuses any difference outside
//! `SchemaDiff.COMPATIBLE_CHANGES`.
//!
//! Ported from `protobuf/diff/{SchemaDiff,MessageSchemaDiff,FieldSchemaDiff,EnumSchemaDiff}`:
//! messages and enums are matched by name (map entries, which the `.proto` text never declares,
//! skipped), fields by number; scalars are grouped by wire compatibility (int32/int64/uint32/
//! uint64/bool/enum, sint32/sint64, string/bytes, fixed32/sfixed32, fixed64/sfixed64, float,
//! double); a label change matters only between two written labels (`optional`, `required`,
//! `repeated`: a proto3 field without a label, a map and a oneof member have none); message-typed
//! fields compare the messages' names within their packages and, when equal, the messages
//! themselves; oneofs check for fields newly made mutually exclusive. Paths are the registry's
//! (`#/Message/2`, `#/Message/oneof/3`) and the order of differences follows the registry's, Java
//! `HashSet` iteration included.

use crate::compat::Incompatibility;
use crate::java_order::{union_order, union_order_ints};
use crate::protobuf::ProtoSchema;
use prost_reflect::{EnumDescriptor, FieldDescriptor, Kind, MessageDescriptor};
use std::collections::{BTreeMap, BTreeSet};

/// `SchemaDiff.COMPATIBLE_CHANGES`.
pub const COMPATIBLE_CHANGES: &[&str] = &[
    "MESSAGE_ADDED",
    "MESSAGE_MOVED",
    "ENUM_ADDED",
    "ENUM_REMOVED",
    "ENUM_CONST_ADDED",
    "ENUM_CONST_CHANGED",
    "ENUM_CONST_REMOVED",
    "FIELD_ADDED",
    "FIELD_REMOVED",
    "FIELD_NAME_CHANGED",
    "FIELD_STRING_OR_BYTES_LABEL_CHANGED",
    "ONEOF_ADDED",
    "ONEOF_REMOVED",
    "ONEOF_FIELD_ADDED",
    "ONEOF_FIELD_MOVED_TO_TOP_LEVEL",
];

/// One difference: its type and the registry's path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub kind: &'static str,
    pub path: String,
}

impl Difference {
    pub fn compatible(&self) -> bool {
        COMPATIBLE_CHANGES.contains(&self.kind)
    }

    /// `protobuf.diff.Difference.toString`, `%s` for the roles.
    fn template(&self) -> String {
        let p = &self.path;
        let d = match self.kind {
            "PACKAGE_CHANGED" => format!("The package at '{p}' in the %s schema does not match the package in the %s schema"),
            "MESSAGE_REMOVED" => format!("The %s schema is missing a MESSAGE type at path '{p}' in the %s schema"),
            "FIELD_KIND_CHANGED" => format!("The type of a field at path '{p}' in the %s schema does not match the %s schema"),
            "FIELD_SCALAR_KIND_CHANGED" => format!("The kind of a SCALAR field at path '{p}' in the %s schema does not match its kind in the %s schema"),
            "FIELD_NAMED_TYPE_CHANGED" => format!("The type of a MESSAGE field at path '{p}' in the %s schema does not match its type in the %s schema"),
            "FIELD_NUMERIC_LABEL_CHANGED" => format!("The label for a NUMERIC field at path '{p}' in the %s schema does not match its label in the %s schema"),
            "REQUIRED_FIELD_ADDED" => format!("A required field  at path '{p}' in the %s schema is missing in the %s schema"),
            "REQUIRED_FIELD_REMOVED" => format!("The %s schema is missing a required field at path: '{p}' in the %s schema"),
            "ONEOF_FIELD_REMOVED" => format!("The %s schema is missing a oneof field at path '{p}' in the %s schema"),
            "ONEOF_FIELD_MOVED_TO_TOP_LEVEL" => format!("The oneof field at path '{p}' in the %s schema was moved out of its oneof to a top-level field in the %s schema"),
            "MULTIPLE_FIELDS_MOVED_TO_ONEOF" => format!("Multiple fields in the oneof at path '{p}' in the %s schema are outside a oneof in the %s schema"),
            "SCHEMA_TOO_COMPLEX" => format!(
                "The check would compare messages more than {COMPARISONS_MAX} times; it was stopped"
            ),
            "FIELD_MOVED_TO_EXISTING_ONEOF" => format!("A field in the oneof at path '{p}' in the %s schema is outside an existing oneof in the %s schema"),
            _ => String::new(),
        };
        format!("{{errorType:\"{}\", description:\"{d}\"}}", self.kind)
    }
}

/// Most message comparisons one check makes. A message-typed field compares its message again
/// wherever it is used, so a chain of messages each using the next twice would take exponential
/// time (the registry has no such bound).
pub const COMPARISONS_MAX: u64 = 100_000;

#[derive(Clone, Default)]
struct Ctx {
    path: Vec<String>,
    diffs: Vec<Difference>,
    /// Messages being compared (`Context.schemas`), against recursion.
    schemas: BTreeSet<String>,
    /// Message comparisons made, shared with sub-contexts.
    budget: std::rc::Rc<std::cell::Cell<u64>>,
}

impl Ctx {
    fn add(&mut self, kind: &'static str) {
        self.diffs.push(Difference {
            kind,
            path: format!("#/{}", self.path.join("/")),
        });
    }
    fn add_at(&mut self, parts: &[&str], kind: &'static str) {
        let n = self.path.len();
        self.path.extend(parts.iter().map(|s| s.to_string()));
        self.add(kind);
        self.path.truncate(n);
    }
    fn compatible(&self) -> bool {
        self.diffs.iter().all(|d| d.compatible())
    }
}

/// Every difference from `original` to `update` (`SchemaDiff.compare`).
pub fn compare(original: &ProtoSchema, update: &ProtoSchema) -> Vec<Difference> {
    let mut ctx = Ctx::default();
    if original.file.package_name() != update.file.package_name() {
        ctx.add("PACKAGE_CHANGED");
    }
    let types = |s: &ProtoSchema| {
        (
            s.file.messages().collect::<Vec<_>>(),
            s.file.enums().collect::<Vec<_>>(),
        )
    };
    let (om, oe) = types(original);
    let (um, ue) = types(update);
    compare_types(&mut ctx, &om, &oe, &um, &ue);
    if ctx.budget.get() > COMPARISONS_MAX {
        ctx.path.clear();
        ctx.add("SCHEMA_TOO_COMPLEX");
    }
    ctx.diffs
}

/// `ProtobufSchema.isBackwardCompatible`: the incompatible differences from old to new.
pub(crate) fn backward_incompatibilities(
    new: &ProtoSchema,
    old: &ProtoSchema,
) -> Vec<Incompatibility> {
    compare(old, new)
        .into_iter()
        .filter(|d| !d.compatible())
        .map(|d| Incompatibility {
            error_type: d.kind.to_string(),
            path: d.path.clone(),
            template: d.template(),
        })
        .collect()
}

fn compare_types(
    ctx: &mut Ctx,
    om: &[MessageDescriptor],
    oe: &[EnumDescriptor],
    um: &[MessageDescriptor],
    ue: &[EnumDescriptor],
) {
    let index = |ms: &[MessageDescriptor]| -> Vec<(String, MessageDescriptor)> {
        ms.iter()
            .filter(|m| !m.is_map_entry())
            .map(|m| (m.name().to_string(), m.clone()))
            .collect()
    };
    let (om, um) = (index(om), index(um));
    let names =
        |v: &[(String, MessageDescriptor)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    let omap: BTreeMap<&str, (usize, &MessageDescriptor)> = om
        .iter()
        .enumerate()
        .map(|(i, (n, m))| (n.as_str(), (i, m)))
        .collect();
    let umap: BTreeMap<&str, (usize, &MessageDescriptor)> = um
        .iter()
        .enumerate()
        .map(|(i, (n, m))| (n.as_str(), (i, m)))
        .collect();
    for name in union_order(&names(&om), &names(&um)) {
        ctx.path.push(name.clone());
        match (omap.get(name.as_str()), umap.get(name.as_str())) {
            (Some(_), None) => ctx.add("MESSAGE_REMOVED"),
            (None, Some(_)) => ctx.add("MESSAGE_ADDED"),
            (Some((oi, o)), Some((ui, u))) => {
                compare_messages(ctx, o, u);
                if oi != ui {
                    ctx.add("MESSAGE_MOVED");
                }
            }
            (None, None) => {}
        }
        ctx.path.pop();
    }
    let enames = |v: &[EnumDescriptor]| v.iter().map(|e| e.name().to_string()).collect::<Vec<_>>();
    for name in union_order(&enames(oe), &enames(ue)) {
        ctx.path.push(name.clone());
        let o = oe.iter().find(|e| e.name() == name);
        let u = ue.iter().find(|e| e.name() == name);
        match (o, u) {
            (Some(_), None) => ctx.add("ENUM_REMOVED"),
            (None, Some(_)) => ctx.add("ENUM_ADDED"),
            (Some(o), Some(u)) => compare_enums(ctx, o, u),
            (None, None) => {}
        }
        ctx.path.pop();
    }
}

fn compare_enums(ctx: &mut Ctx, o: &EnumDescriptor, u: &EnumDescriptor) {
    let by_tag = |e: &EnumDescriptor| {
        e.values()
            .map(|v| (v.number(), v.name().to_string()))
            .collect::<Vec<_>>()
    };
    let (ov, uv) = (by_tag(o), by_tag(u));
    let tags = |v: &[(i32, String)]| v.iter().map(|(t, _)| *t).collect::<Vec<_>>();
    for tag in union_order_ints(&tags(&ov), &tags(&uv)) {
        let on = ov.iter().rev().find(|(t, _)| *t == tag);
        let un = uv.iter().rev().find(|(t, _)| *t == tag);
        let kind = match (on, un) {
            (Some(_), None) => Some("ENUM_CONST_REMOVED"),
            (None, Some(_)) => Some("ENUM_CONST_ADDED"),
            (Some(a), Some(b)) if a.1 != b.1 => Some("ENUM_CONST_CHANGED"),
            _ => None,
        };
        if let Some(k) = kind {
            ctx.add_at(&[&tag.to_string()], k);
        }
    }
}

/// A real (not synthetic proto3-`optional`) oneof's name.
fn oneof_of(f: &FieldDescriptor) -> Option<String> {
    f.containing_oneof()
        .filter(|o| !o.is_synthetic())
        .map(|o| o.name().to_string())
}

/// The label as written in the `.proto` text (Wire's `FieldElement.label`).
fn label(f: &FieldDescriptor) -> Option<&'static str> {
    use prost_reflect::Cardinality;
    if f.is_map() || oneof_of(f).is_some() {
        return None;
    }
    let proto = f.field_descriptor_proto();
    match f.cardinality() {
        Cardinality::Repeated => Some("REPEATED"),
        Cardinality::Required => Some("REQUIRED"),
        Cardinality::Optional => {
            let proto3 = f.parent_file().syntax() == prost_reflect::Syntax::Proto3;
            if !proto3 || proto.proto3_optional() {
                Some("OPTIONAL")
            } else {
                None
            }
        }
    }
}

fn compare_messages(ctx: &mut Ctx, o: &MessageDescriptor, u: &MessageDescriptor) {
    ctx.budget.set(ctx.budget.get() + 1);
    if ctx.budget.get() > COMPARISONS_MAX {
        return;
    }
    let key = o.full_name().to_string();
    if ctx.schemas.insert(key.clone()) {
        compare_fields(ctx, o, u);
        ctx.schemas.remove(&key);
    }
    let nested = |m: &MessageDescriptor| {
        (
            m.child_messages().collect::<Vec<_>>(),
            m.child_enums().collect::<Vec<_>>(),
        )
    };
    let (om, oe) = nested(o);
    let (um, ue) = nested(u);
    compare_types(ctx, &om, &oe, &um, &ue);
}

fn compare_fields(ctx: &mut Ctx, o: &MessageDescriptor, u: &MessageDescriptor) {
    let collect = |m: &MessageDescriptor| {
        let by_tag: BTreeMap<u32, FieldDescriptor> = m.fields().map(|f| (f.number(), f)).collect();
        let tag_oneof: BTreeMap<u32, String> = m
            .fields()
            .filter_map(|f| oneof_of(&f).map(|n| (f.number(), n)))
            .collect();
        let oneofs: Vec<(String, Vec<u32>)> = m
            .oneofs()
            .filter(|x| !x.is_synthetic())
            .map(|x| {
                (
                    x.name().to_string(),
                    x.fields().map(|f| f.number()).collect(),
                )
            })
            .collect();
        (by_tag, tag_oneof, oneofs)
    };
    let (o_by_tag, o_tag_oneof, o_oneofs) = collect(o);
    let (u_by_tag, u_tag_oneof, u_oneofs) = collect(u);
    let deleted: BTreeSet<&str> = o_oneofs
        .iter()
        .filter(|(n, tags)| {
            !u_oneofs.iter().any(|(m, _)| m == n) && !tags.iter().any(|t| u_by_tag.contains_key(t))
        })
        .map(|(n, _)| n.as_str())
        .collect();
    // Fields newly made mutually exclusive.
    for (name, tags) in &u_oneofs {
        let mut groups = BTreeSet::new();
        let mut top_level_moved_in = 0;
        for t in tags {
            if let Some(g) = o_tag_oneof.get(t) {
                groups.insert(format!("oneof:{g}"));
            } else if o_by_tag.contains_key(t) {
                groups.insert(format!("field:{t}"));
                top_level_moved_in += 1;
            }
        }
        if groups.len() > 1 {
            ctx.add_at(
                &[name],
                if top_level_moved_in > 1 {
                    "MULTIPLE_FIELDS_MOVED_TO_ONEOF"
                } else {
                    "FIELD_MOVED_TO_EXISTING_ONEOF"
                },
            );
        }
    }
    let all_oneofs: BTreeSet<&str> = o_oneofs
        .iter()
        .chain(&u_oneofs)
        .map(|(n, _)| n.as_str())
        .collect();
    for n in all_oneofs {
        if !u_oneofs.iter().any(|(m, _)| m == n) {
            ctx.add_at(&[n], "ONEOF_REMOVED");
        } else if !o_oneofs.iter().any(|(m, _)| m == n) {
            ctx.add_at(&[n], "ONEOF_ADDED");
        }
    }
    let all_tags: BTreeSet<u32> = o_by_tag.keys().chain(u_by_tag.keys()).copied().collect();
    for tag in all_tags {
        let t = tag.to_string();
        let (of, uf) = (o_by_tag.get(&tag), u_by_tag.get(&tag));
        let (oo, uo) = (o_tag_oneof.get(&tag), u_tag_oneof.get(&tag));
        match (of, uf) {
            (Some(of), None) => match oo {
                Some(g) => {
                    if !deleted.contains(g.as_str()) {
                        ctx.add_at(&[g, &t], "ONEOF_FIELD_REMOVED");
                    }
                }
                None => ctx.add_at(
                    &[&t],
                    if label(of) == Some("REQUIRED") {
                        "REQUIRED_FIELD_REMOVED"
                    } else {
                        "FIELD_REMOVED"
                    },
                ),
            },
            (None, Some(uf)) => match uo {
                Some(g) => ctx.add_at(&[g, &t], "ONEOF_FIELD_ADDED"),
                None => ctx.add_at(
                    &[&t],
                    if label(uf) == Some("REQUIRED") {
                        "REQUIRED_FIELD_ADDED"
                    } else {
                        "FIELD_ADDED"
                    },
                ),
            },
            (Some(of), Some(uf)) => {
                if oo.is_some() && uo.is_none() {
                    ctx.add_at(&[&t], "ONEOF_FIELD_MOVED_TO_TOP_LEVEL");
                }
                let n = ctx.path.len();
                if let Some(g) = uo {
                    ctx.path.push(g.clone());
                }
                ctx.path.push(t.clone());
                compare_field(ctx, of, uf);
                ctx.path.truncate(n);
            }
            (None, None) => {}
        }
    }
}

#[derive(Clone)]
enum FType {
    Scalar(Kind),
    Message(MessageDescriptor),
    Map(Box<FType>, Box<FType>),
}

fn ftype(f: &FieldDescriptor) -> FType {
    match f.kind() {
        Kind::Message(m) if m.is_map_entry() => {
            let k = m
                .get_field(1)
                .map(|k| ftype(&k))
                .unwrap_or(FType::Scalar(Kind::String));
            let v = m
                .get_field(2)
                .map(|v| ftype(&v))
                .unwrap_or(FType::Scalar(Kind::String));
            FType::Map(Box::new(k), Box::new(v))
        }
        Kind::Message(m) => FType::Message(m),
        k => FType::Scalar(k),
    }
}

fn compare_field(ctx: &mut Ctx, o: &FieldDescriptor, u: &FieldDescriptor) {
    if o.name() != u.name() {
        ctx.add("FIELD_NAME_CHANGED");
    }
    compare_labels_and_types(ctx, label(o), label(u), &ftype(o), &ftype(u));
}

/// `FieldSchemaDiff.scalarKind`: the wire-compatible groups.
fn scalar_kind(k: &Kind) -> &'static str {
    match k {
        Kind::Int32 | Kind::Int64 | Kind::Uint32 | Kind::Uint64 | Kind::Bool | Kind::Enum(_) => {
            "GENERAL_NUMBER"
        }
        Kind::Sint32 | Kind::Sint64 => "SIGNED_NUMBER",
        Kind::String | Kind::Bytes => "STRING_OR_BYTES",
        Kind::Fixed32 | Kind::Sfixed32 => "FIXED32",
        Kind::Fixed64 | Kind::Sfixed64 => "FIXED64",
        Kind::Float => "FLOAT",
        Kind::Double => "DOUBLE",
        Kind::Message(_) => "ANY",
    }
}

fn compare_labels_and_types(
    ctx: &mut Ctx,
    ol: Option<&str>,
    ul: Option<&str>,
    ot: &FType,
    ut: &FType,
) {
    match (ot, ut) {
        (FType::Scalar(a), FType::Scalar(b)) => {
            let (ka, kb) = (scalar_kind(a), scalar_kind(b));
            if ka != kb {
                ctx.add("FIELD_SCALAR_KIND_CHANGED");
            } else if let (Some(x), Some(y)) = (ol, ul) {
                if x != y {
                    ctx.add(if ka == "STRING_OR_BYTES" {
                        "FIELD_STRING_OR_BYTES_LABEL_CHANGED"
                    } else {
                        "FIELD_NUMERIC_LABEL_CHANGED"
                    });
                }
            }
        }
        (FType::Message(a), FType::Message(b)) => compare_message_types(ctx, a, b),
        (FType::Map(ak, av), FType::Map(bk, bv)) => {
            compare_labels_and_types(ctx, None, None, ak, bk);
            compare_labels_and_types(ctx, None, None, av, bv);
        }
        _ => ctx.add("FIELD_KIND_CHANGED"),
    }
}

fn local_name(m: &MessageDescriptor) -> String {
    let pkg = m.package_name();
    let full = m.full_name();
    if pkg.is_empty() {
        full.to_string()
    } else {
        full.strip_prefix(&format!("{pkg}."))
            .unwrap_or(full)
            .to_string()
    }
}

fn compare_message_types(ctx: &mut Ctx, o: &MessageDescriptor, u: &MessageDescriptor) {
    let (ol, ul) = (local_name(o), local_name(u));
    if ol != ul {
        ctx.add("FIELD_NAMED_TYPE_CHANGED");
        return;
    }
    let mut sub = Ctx {
        path: ol.split('.').map(String::from).collect(),
        diffs: Vec::new(),
        schemas: ctx.schemas.clone(),
        budget: ctx.budget.clone(),
    };
    compare_messages(&mut sub, o, u);
    let compatible = sub.compatible();
    ctx.diffs.extend(sub.diffs);
    if !compatible {
        ctx.add("FIELD_NAMED_TYPE_CHANGED");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (index in the file, description, original, update, compatible, differences).
    type Case = (
        usize,
        &'static str,
        &'static str,
        &'static str,
        bool,
        &'static [&'static str],
    );

    fn diff(original: &str, update: &str) -> Vec<String> {
        let o = ProtoSchema::parse(original).unwrap();
        let u = ProtoSchema::parse(update).unwrap();
        compare(&o, &u)
            .iter()
            .map(|d| format!("{} {}", d.kind, d.path))
            .collect()
    }

    fn compatible(original: &str, update: &str) -> bool {
        let o = ProtoSchema::parse(original).unwrap();
        let u = ProtoSchema::parse(update).unwrap();
        compare(&o, &u).iter().all(|d| d.compatible())
    }

    /// Every case of confluentinc/schema-registry
    /// `protobuf-provider/src/test/resources/diff-schema-examples.json` (run there by
    /// `protobuf/diff/SchemaDiffTest.checkProtobufSchemaCompatibility`) that needs no schema
    /// references, dependencies or metadata: 46 of its 54. Each gives the same differences, in the
    /// same order, and the same verdict.
    #[test]
    fn registry_diff_schema_examples() {
        let cases: &[Case] = &[
            (1, "Detect package change", "syntax = \"proto3\";\npackage foo;\nmessage TestMessage {\n    string test_string = 1;\n    .foo.TestMessage.Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", "syntax = \"proto3\";\npackage bar;\nmessage TestMessage {\n    string test_string = 1;\n    .bar.TestMessage.Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", false, &["PACKAGE_CHANGED #/"]),
            (2, "Detect change to name qualification", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    .TestMessage.Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", true, &[]),
            (3, "Detect change to name qualification with package", "syntax = \"proto3\";\npackage foo;\nmessage TestMessage {\n    string test_string = 1;\n    Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", "syntax = \"proto3\";\npackage foo;\nmessage TestMessage {\n    string test_string = 1;\n    .foo.TestMessage.Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", true, &[]),
            (4, "Detect added field", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}", true, &["FIELD_ADDED #/TestMessage/2"]),
            (5, "Detect added required field", "syntax = \"proto2\";\nmessage TestMessage {\n    optional string test_string = 1;\n}", "syntax = \"proto2\";\nmessage TestMessage {\n    optional string test_string = 1;\n    required string test_string2 = 2;\n}", false, &["REQUIRED_FIELD_ADDED #/TestMessage/2"]),
            (6, "Detect added field to nested type", "syntax = \"proto3\";\nmessage Wrapper {\n    int32 wrapperInt = 1;\n    message TestMessage {\n    string test_string = 1;\n}\n}", "syntax = \"proto3\";\nmessage Wrapper {\n    int32 wrapperInt = 1;\n    message TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}\n}", true, &["FIELD_ADDED #/Wrapper/TestMessage/2"]),
            (7, "Detect removed field", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n}\n", true, &["FIELD_REMOVED #/TestMessage/2"]),
            (8, "Detect removed required field", "syntax = \"proto2\";\nmessage TestMessage {\n    optional string test_string = 1;\n    required string test_string2 = 2;\n}", "syntax = \"proto2\";\nmessage TestMessage {\n    optional string test_string = 1;\n}\n", false, &["REQUIRED_FIELD_REMOVED #/TestMessage/2"]),
            (9, "Detect changed field number", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 2;\n}", true, &["FIELD_REMOVED #/TestMessage/1", "FIELD_ADDED #/TestMessage/2"]),
            (10, "Detect compatible field number type change", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int32 test_int = 2;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int64 test_int = 2;\n}", true, &[]),
            (11, "Detect compatible field string type change", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    bytes test_string2 = 2;\n}", true, &[]),
            (12, "Detect field number type to enum change", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int32 test_int = 2;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    Status test_int = 2;\n}\nenum Status {\n    ACTIVE = 0;\n    INACTIVE = 1;\n}", true, &["ENUM_ADDED #/Status"]),
            (13, "Detect enum type to field number change", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    Status test_int = 2;\n}\nenum Status {\n    ACTIVE = 0;\n    INACTIVE = 1;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int32 test_int = 2;\n}", true, &["ENUM_REMOVED #/Status"]),
            (14, "Detect field number type to message with same name as enum", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int32 test_int = 2;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    .TestMessage.Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}\nenum Status {\n    ACTIVE = 0;\n    INACTIVE = 1;\n}", false, &["FIELD_KIND_CHANGED #/TestMessage/2", "MESSAGE_ADDED #/TestMessage/Status", "ENUM_ADDED #/Status"]),
            (15, "Detect message with same name as enum to field number change", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    .TestMessage.Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}\nenum Status {\n    ACTIVE = 0;\n    INACTIVE = 1;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int32 test_int = 2;\n}", false, &["FIELD_KIND_CHANGED #/TestMessage/2", "MESSAGE_REMOVED #/TestMessage/Status", "ENUM_REMOVED #/Status"]),
            (16, "Detect enum const change", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    Status test_int = 2;\n}\nenum Status {\n    ACTIVE = 0;\n    INACTIVE = 1;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    Status test_int = 2;\n}\nenum Status {\n    ACTIVE = 0;\n    NOT_ACTIVE = 1;\n}", true, &["ENUM_CONST_CHANGED #/Status/1"]),
            (17, "Detect compatible field to oneof change", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    oneof new_oneof {\n        string test_string2 = 2;\n        int32 other_id = 3;\n}\n}", true, &["ONEOF_ADDED #/TestMessage/new_oneof", "ONEOF_FIELD_ADDED #/TestMessage/new_oneof/3"]),
            (18, "Detect incompatible field to oneof change", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n        int32 other_id = 3;\n}\n}", false, &["MULTIPLE_FIELDS_MOVED_TO_ONEOF #/TestMessage/new_oneof", "ONEOF_ADDED #/TestMessage/new_oneof", "ONEOF_FIELD_ADDED #/TestMessage/new_oneof/3"]),
            (19, "Detect compatible add field to oneof", "syntax = \"proto3\";\nmessage TestMessage {\n    oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n}\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n        int32 other_id = 3;\n}\n}", true, &["ONEOF_FIELD_ADDED #/TestMessage/new_oneof/3"]),
            (20, "Detect incompatible remove field from oneof", "syntax = \"proto3\";\nmessage TestMessage {\n    oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n        int32 other_id = 3;\n}\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n}\n}", false, &["ONEOF_FIELD_REMOVED #/TestMessage/new_oneof/3"]),
            (21, "Detect compatible move field to oneof", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    oneof new_oneof {\n    string test_string2 = 2;\n}\n}", true, &["ONEOF_ADDED #/TestMessage/new_oneof"]),
            (22, "Detect incompatible move field to oneof", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    oneof new_oneof {\n    string test_string2 = 2;\n    string test_string3 = 3;\n}\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n    string test_string3 = 3;\n}\n}", false, &["FIELD_MOVED_TO_EXISTING_ONEOF #/TestMessage/new_oneof"]),
            (23, "Detect incompatible move field to renamed oneof", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    oneof new_oneof {\n    string test_string2 = 2;\n    string test_string3 = 3;\n}\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    oneof new_oneof_2 {\n    string test_string = 1;\n    string test_string2 = 2;\n    string test_string3 = 3;\n}\n}", false, &["FIELD_MOVED_TO_EXISTING_ONEOF #/TestMessage/new_oneof_2", "ONEOF_REMOVED #/TestMessage/new_oneof", "ONEOF_ADDED #/TestMessage/new_oneof_2"]),
            (24, "Detect incompatible field type change", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int32 test_int = 2;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    TestMessage2 test_int = 2;\n}\nmessage TestMessage2 {\n    string s1 = 1;\n}", false, &["MESSAGE_ADDED #/TestMessage2", "FIELD_KIND_CHANGED #/TestMessage/2"]),
            (25, "Detect incompatible field type change", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int32 test_int = 2;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}", false, &["FIELD_NAME_CHANGED #/TestMessage/2", "FIELD_SCALAR_KIND_CHANGED #/TestMessage/2"]),
            (26, "Detect incompatible field type change", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    TestMessage2 test_int = 2;\n}\nmessage TestMessage2 {\n    string s1 = 1;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    TestMessage3 test_int = 2;\n}\nmessage TestMessage3 {\n    string s1 = 1;\n}", false, &["MESSAGE_REMOVED #/TestMessage2", "MESSAGE_ADDED #/TestMessage3", "FIELD_NAMED_TYPE_CHANGED #/TestMessage/2"]),
            (27, "Detect incompatible field type change", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    map<string, int32> test_map_int = 2;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    map<string, string> test_map_string = 2;\n}", false, &["FIELD_NAME_CHANGED #/TestMessage/2", "FIELD_SCALAR_KIND_CHANGED #/TestMessage/2"]),
            (28, "Detect compatible name qualification in map", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    map<string, Status> test_map = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    map<string, TestMessage.Status> test_map = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", true, &[]),
            (29, "Detect compatible field label change for message", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    optional Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    repeated Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", true, &[]),
            (30, "Detect compatible field label change for string", "syntax = \"proto3\";\nmessage TestMessage {\n    optional string test_string = 1;\n    Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    repeated string test_string = 1;\n    Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", true, &["FIELD_STRING_OR_BYTES_LABEL_CHANGED #/TestMessage/1"]),
            (31, "Detect compatible field label change for bytes", "syntax = \"proto3\";\nmessage TestMessage {\n    optional bytes test_bytes = 1;\n    Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    repeated bytes test_bytes = 1;\n    Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", true, &["FIELD_STRING_OR_BYTES_LABEL_CHANGED #/TestMessage/1"]),
            (32, "Detect incompatible field label change for number", "syntax = \"proto3\";\nmessage TestMessage {\n    optional int32 test_int = 1;\n    Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    repeated int32 test_int = 1;\n    Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}", false, &["FIELD_NUMERIC_LABEL_CHANGED #/TestMessage/1"]),
            (33, "Detect compatible message addition", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n}", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n}\nmessage TestMessage2 {\n    string test_string = 1;\n}", true, &["MESSAGE_ADDED #/TestMessage2"]),
            (34, "Detect compatible message index change", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n}", "syntax = \"proto3\";\nmessage TestMessage2 {\n    string test_string = 1;\n}\nmessage TestMessage {\n    string test_string = 1;\n}", true, &["MESSAGE_ADDED #/TestMessage2", "MESSAGE_MOVED #/TestMessage"]),
            (35, "Detect compatible message index change", "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n}\nmessage TestMessage2 {\n    string test_string = 1;\n}", "syntax = \"proto3\";\nmessage TestMessage2 {\n    string test_string = 1;\n}\nmessage TestMessage {\n    string test_string = 1;\n}", true, &["MESSAGE_MOVED #/TestMessage2", "MESSAGE_MOVED #/TestMessage"]),
            (43, "Detect incompatible field type change when enclosing oneof is renamed", "syntax = \"proto3\";\nmessage Message {\n  oneof oldOneOf {\n    float field_float = 1;\n    int32 field_with_incompatible_type_change = 2;\n  }\n}\n", "syntax = \"proto3\";\nmessage Message {\n  oneof renamedOneOf {\n    float field_float = 1;\n    string field_with_incompatible_type_change = 2;\n  }\n}\n", false, &["ONEOF_REMOVED #/Message/oldOneOf", "ONEOF_ADDED #/Message/renamedOneOf", "FIELD_SCALAR_KIND_CHANGED #/Message/renamedOneOf/2"]),
            (44, "Detect incompatible field type change when field is moved out of a removed oneof", "syntax = \"proto3\";\nmessage Message {\n  oneof oldOneOf {\n    float field_float = 1;\n    int32 field_with_incompatible_type_change = 2;\n  }\n}\n", "syntax = \"proto3\";\nmessage Message {\n  float field_float = 1;\n  sint64 field_with_incompatible_type_change = 2;\n}\n", false, &["ONEOF_REMOVED #/Message/oldOneOf", "ONEOF_FIELD_MOVED_TO_TOP_LEVEL #/Message/1", "ONEOF_FIELD_MOVED_TO_TOP_LEVEL #/Message/2", "FIELD_SCALAR_KIND_CHANGED #/Message/2"]),
            (45, "Detect incompatible field type change when field is moved into a new oneof", "syntax = \"proto3\";\nmessage Message {\n  float field_float = 1;\n  int32 field_with_incompatible_type_change = 2;\n}\n", "syntax = \"proto3\";\nmessage Message {\n  float field_float = 1;\n  oneof newOneOf {\n    sint64 field_with_incompatible_type_change = 2;\n  }\n}\n", false, &["ONEOF_ADDED #/Message/newOneOf", "FIELD_SCALAR_KIND_CHANGED #/Message/newOneOf/2"]),
            (46, "Detect compatible oneof rename with identical fields", "syntax = \"proto3\";\nmessage Message {\n  oneof oldOneOf {\n    float field_float = 1;\n    int32 field_int = 2;\n  }\n}\n", "syntax = \"proto3\";\nmessage Message {\n  oneof renamedOneOf {\n    float field_float = 1;\n    int32 field_int = 2;\n  }\n}\n", true, &["ONEOF_REMOVED #/Message/oldOneOf", "ONEOF_ADDED #/Message/renamedOneOf"]),
            (47, "Detect incompatible field move between two differently-named oneofs", "syntax = \"proto3\";\nmessage Message {\n  oneof oneof_a {\n    int32 field_1 = 1;\n    int32 field_2 = 2;\n  }\n  oneof oneof_b {\n    int32 field_3 = 3;\n  }\n}\n", "syntax = \"proto3\";\nmessage Message {\n  oneof oneof_a {\n    int32 field_1 = 1;\n  }\n  oneof oneof_b {\n    int32 field_3 = 3;\n    int32 field_2 = 2;\n  }\n}\n", false, &["FIELD_MOVED_TO_EXISTING_ONEOF #/Message/oneof_b"]),
            (48, "Detect incompatible move of a field from a deleted oneof into an existing oneof", "syntax = \"proto3\";\nmessage Message {\n  oneof oneof_a { int32 field_a = 1; }\n  oneof oneof_b { int32 field_b = 3; }\n}\n", "syntax = \"proto3\";\nmessage Message {\n  oneof oneof_b { int32 field_b = 3; int32 field_a = 1; }\n}\n", false, &["FIELD_MOVED_TO_EXISTING_ONEOF #/Message/oneof_b", "ONEOF_REMOVED #/Message/oneof_a"]),
            (49, "Detect incompatible merge of two oneofs into a new oneof", "syntax = \"proto3\";\nmessage Message {\n  oneof oneof_a { int32 field_a = 1; }\n  oneof oneof_b { int32 field_b = 2; }\n}\n", "syntax = \"proto3\";\nmessage Message {\n  oneof oneof_c { int32 field_a = 1; int32 field_b = 2; }\n}\n", false, &["FIELD_MOVED_TO_EXISTING_ONEOF #/Message/oneof_c", "ONEOF_REMOVED #/Message/oneof_a", "ONEOF_REMOVED #/Message/oneof_b", "ONEOF_ADDED #/Message/oneof_c"]),
            (50, "Detect compatible move of a single field into a new singleton oneof from a surviving oneof", "syntax = \"proto3\";\nmessage Message {\n  oneof oneof_a { int32 field_a = 1; int32 field_b = 2; }\n}\n", "syntax = \"proto3\";\nmessage Message {\n  oneof oneof_a { int32 field_b = 2; }\n  oneof oneof_b { int32 field_a = 1; }\n}\n", true, &["ONEOF_ADDED #/Message/oneof_b"]),
            (51, "Detect incompatible drop of a oneof member while renaming the oneof", "syntax = \"proto3\";\nmessage Message {\n  oneof g { int32 a = 1; int32 b = 2; }\n}\n", "syntax = \"proto3\";\nmessage Message {\n  oneof g2 { int32 a = 1; }\n}\n", false, &["ONEOF_REMOVED #/Message/g", "ONEOF_ADDED #/Message/g2", "ONEOF_FIELD_REMOVED #/Message/g/2"]),
            (52, "Detect compatible move field out of a oneof to top level", "syntax = \"proto3\";\nmessage Message {\n  oneof oneof_x {\n    int32 field_a = 1;\n    int32 field_b = 2;\n  }\n}\n", "syntax = \"proto3\";\nmessage Message {\n  oneof oneof_x {\n    int32 field_a = 1;\n  }\n  int32 field_b = 2;\n}\n", true, &["ONEOF_FIELD_MOVED_TO_TOP_LEVEL #/Message/2"]),
            (53, "Detect incompatible type change when field moved out of a oneof to top level", "syntax = \"proto3\";\nmessage Message {\n  oneof oneof_x {\n    int32 field_a = 1;\n    int32 field_b = 2;\n  }\n}\n", "syntax = \"proto3\";\nmessage Message {\n  oneof oneof_x {\n    int32 field_a = 1;\n  }\n  string field_b = 2;\n}\n", false, &["ONEOF_FIELD_MOVED_TO_TOP_LEVEL #/Message/2", "FIELD_SCALAR_KIND_CHANGED #/Message/2"]),

        ];
        let mut failed = Vec::new();
        for (i, d, o, u, ok, changes) in cases {
            let (Ok(os), Ok(us)) = (ProtoSchema::parse(o), ProtoSchema::parse(u)) else {
                failed.push(format!(
                    "{i} {d}: parse error {:?} {:?}",
                    ProtoSchema::parse(o).err(),
                    ProtoSchema::parse(u).err()
                ));
                continue;
            };
            let diffs = compare(&os, &us);
            let got: Vec<String> = diffs
                .iter()
                .map(|d| format!("{} {}", d.kind, d.path))
                .collect();
            let comp = diffs.iter().all(|d| d.compatible());
            if got != *changes || comp != *ok {
                failed.push(format!(
                    "{i} {d}: got {got:?} want {changes:?} ({comp} vs {ok})"
                ));
            }
        }
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }

    #[test]
    fn message_chains_are_bounded() {
        // M0 uses M1 twice, M1 uses M2 twice, … : 2^30 comparisons without a bound.
        let mut text = String::from("syntax = \"proto3\";\n");
        for i in 0..30 {
            text.push_str(&format!(
                "message M{i} {{ M{n} a = 1; M{n} b = 2; }}\n",
                n = i + 1
            ));
        }
        text.push_str("message M30 { int32 x = 1; }\n");
        let d = diff(&text, &text.replace("int32 x", "int64 x"));
        assert_eq!(d.last().map(String::as_str), Some("SCHEMA_TOO_COMPLEX #/"));
    }

    /// kafka-semantics.md §12.6: scalar groups (int32 → uint64 passes, int64 → sint64 fails).
    #[test]
    fn scalar_groups() {
        let m = |t: &str| format!("syntax = \"proto3\"; message M {{ {t} x = 1; }}");
        assert!(compatible(&m("int32"), &m("uint64")));
        assert!(compatible(&m("int32"), &m("bool")));
        assert_eq!(
            diff(&m("int64"), &m("sint64")),
            ["FIELD_SCALAR_KIND_CHANGED #/M/1"]
        );
        assert!(compatible(&m("fixed32"), &m("sfixed32")));
        assert!(!compatible(&m("float"), &m("double")));
        assert!(compatible(&m("string"), &m("bytes")));
    }
}
