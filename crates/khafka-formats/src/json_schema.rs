//! A hand-written subset of JSON Schema: enough to validate lesson values and to check schema
//! evolution the way the Schema Registry does.
//!
//! The model follows the everit-json-schema classes the registry's `json/diff` package compares
//! (`StringSchema`, `NumberSchema`, `ObjectSchema`, `ArraySchema`, `EnumSchema`, `ConstSchema`,
//! `CombinedSchema`, `NotSchema`, `EmptySchema`, `FalseSchema`, …), loaded the way everit loads
//! them: a list of types is an `anyOf` of one schema per type; keywords of several kinds on one
//! schema (`type` with `enum`, say) are an `allOf` of one schema per kind; without `type`, the
//! keywords decide (`properties` makes an object schema that does not require an object).
//!
//! Supported keywords: `type`, `properties`, `required`, `additionalProperties`,
//! `patternProperties`, `dependencies` (lists and schemas), `minProperties`, `maxProperties`, `items` (one schema or a list), `additionalItems`,
//! `minItems`, `maxItems`, `uniqueItems`, `minLength`, `maxLength`, `pattern`, `minimum`,
//! `maximum`, `exclusiveMinimum`, `exclusiveMaximum` (numbers), `multipleOf`, `enum`, `const`,
//! `allOf`, `anyOf`, `oneOf`, `not`, `$ref` to `#`, `#/definitions/…` or `#/$defs/…` (not
//! recursive), and the annotations `$id`, `title`, `description`, `default`. Others are ignored
//! (`format`, `if`/`then`/`else`, `unevaluated*`, `contains`, remote `$ref`s).

use crate::{FormatError, Limits};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Annotations every schema may carry (compared as `ID_CHANGED`, `TITLE_CHANGED`, …).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Meta {
    pub id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub default: Option<Value>,
}

/// `additionalProperties` / `additionalItems`.
#[derive(Clone, Debug, PartialEq)]
pub enum Additional {
    /// Absent or `true`: anything is permitted.
    Permitted,
    /// `false`.
    Forbidden,
    /// A schema the extra properties or items must match.
    Schema(Box<Js>),
}

/// `allOf`, `anyOf`, `oneOf`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Criterion {
    AllOf,
    AnyOf,
    OneOf,
}

impl Criterion {
    pub fn keyword(self) -> &'static str {
        match self {
            Criterion::AllOf => "allOf",
            Criterion::AnyOf => "anyOf",
            Criterion::OneOf => "oneOf",
        }
    }
}

/// A loaded schema.
#[derive(Clone, Debug, PartialEq)]
pub enum Js {
    /// `{}` or `true`: anything.
    Empty(Meta),
    /// `false`: nothing.
    False,
    Str {
        meta: Meta,
        min_length: Option<u64>,
        max_length: Option<u64>,
        pattern: Option<String>,
    },
    Num {
        meta: Meta,
        integer: bool,
        minimum: Option<f64>,
        maximum: Option<f64>,
        exclusive_minimum: Option<f64>,
        exclusive_maximum: Option<f64>,
        multiple_of: Option<f64>,
    },
    Bool(Meta),
    Null(Meta),
    Obj {
        meta: Meta,
        requires_object: bool,
        properties: BTreeMap<String, Js>,
        required: Vec<String>,
        additional: Additional,
        /// `patternProperties`: (regular expression, schema), in key order.
        pattern_properties: Vec<(String, Js)>,
        /// `dependencies` whose value is a list of property names.
        property_dependencies: BTreeMap<String, Vec<String>>,
        /// `dependencies` whose value is a schema.
        schema_dependencies: BTreeMap<String, Js>,
        min_properties: Option<u64>,
        max_properties: Option<u64>,
    },
    Arr {
        meta: Meta,
        requires_array: bool,
        /// `items` as one schema: every item.
        all_items: Option<Box<Js>>,
        /// `items` as a list: item by position.
        item_schemas: Option<Vec<Js>>,
        additional_items: Additional,
        min_items: Option<u64>,
        max_items: Option<u64>,
        unique_items: bool,
    },
    Enum {
        meta: Meta,
        values: Vec<Value>,
    },
    Const {
        meta: Meta,
        value: Value,
    },
    Combined {
        meta: Meta,
        criterion: Criterion,
        subschemas: Vec<Js>,
    },
    Not {
        meta: Meta,
        must_not_match: Box<Js>,
    },
}

impl Js {
    pub fn meta(&self) -> Option<&Meta> {
        match self {
            Js::False => None,
            Js::Empty(m) | Js::Bool(m) | Js::Null(m) => Some(m),
            Js::Str { meta, .. }
            | Js::Num { meta, .. }
            | Js::Obj { meta, .. }
            | Js::Arr { meta, .. }
            | Js::Enum { meta, .. }
            | Js::Const { meta, .. }
            | Js::Combined { meta, .. }
            | Js::Not { meta, .. } => Some(meta),
        }
    }

    /// everit's `hasDefaultValue`.
    pub fn has_default(&self) -> bool {
        self.meta().is_some_and(|m| m.default.is_some())
    }

    /// The schema class, as `SchemaDiff.schemaTypesEqual` compares classes.
    pub fn class(&self) -> &'static str {
        match self {
            Js::Empty(_) => "EmptySchema",
            Js::False => "FalseSchema",
            Js::Str { .. } => "StringSchema",
            Js::Num { .. } => "NumberSchema",
            Js::Bool(_) => "BooleanSchema",
            Js::Null(_) => "NullSchema",
            Js::Obj { .. } => "ObjectSchema",
            Js::Arr { .. } => "ArraySchema",
            Js::Enum { .. } => "EnumSchema",
            Js::Const { .. } => "ConstSchema",
            Js::Combined { .. } => "CombinedSchema",
            Js::Not { .. } => "NotSchema",
        }
    }

    /// Parses and loads schema JSON text.
    pub fn parse(text: &str) -> Result<Js, FormatError> {
        crate::check_len("schema", text.len(), Limits::SCHEMA_BYTES_MAX)?;
        let root = crate::parse_json_value(text).map_err(|e| FormatError::schema(e.message))?;
        Loader {
            root: &root,
            refs: Vec::new(),
            nodes: 0,
        }
        .load(&root, 0)
    }
}

struct Loader<'a> {
    root: &'a Value,
    /// `$ref`s being expanded, to refuse recursion.
    refs: Vec<String>,
    /// Schemas loaded so far: `$ref`s are expanded, so a small text could otherwise stand for
    /// an exponentially large schema.
    nodes: usize,
}

/// Most schema nodes after expanding `$ref`s.
pub const NODES_MAX: usize = 100_000;

fn err(msg: impl Into<String>) -> FormatError {
    FormatError::schema(format!("JSON Schema: {}", msg.into()))
}

fn u64_kw(o: &Map<String, Value>, k: &str) -> Result<Option<u64>, FormatError> {
    match o.get(k) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| err(format!("`{k}` must be a non-negative integer"))),
    }
}

fn f64_kw(o: &Map<String, Value>, k: &str) -> Result<Option<f64>, FormatError> {
    match o.get(k) {
        None => Ok(None),
        Some(Value::Bool(_)) => Ok(None), // draft-4 boolean exclusiveMinimum: not modelled
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| err(format!("`{k}` must be a number"))),
    }
}

const OBJECT_KWS: &[&str] = &[
    "properties",
    "patternProperties",
    "dependencies",
    "required",
    "additionalProperties",
    "minProperties",
    "maxProperties",
];
const ARRAY_KWS: &[&str] = &[
    "items",
    "additionalItems",
    "minItems",
    "maxItems",
    "uniqueItems",
];
const STRING_KWS: &[&str] = &["minLength", "maxLength", "pattern"];
const NUMBER_KWS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];

impl Loader<'_> {
    fn load(&mut self, v: &Value, depth: usize) -> Result<Js, FormatError> {
        self.nodes += 1;
        if self.nodes > NODES_MAX {
            return Err(err(format!(
                "more than {NODES_MAX} schemas once `$ref`s are expanded"
            )));
        }
        if depth > Limits::DEPTH_MAX {
            return Err(err(format!(
                "nested deeper than {} levels",
                Limits::DEPTH_MAX
            )));
        }
        let o = match v {
            Value::Bool(true) => return Ok(Js::Empty(Meta::default())),
            Value::Bool(false) => return Ok(Js::False),
            Value::Object(o) => o,
            _ => return Err(err("a schema is an object or a boolean")),
        };
        let meta = Meta {
            id: o
                .get("$id")
                .or_else(|| o.get("id"))
                .and_then(|v| v.as_str())
                .map(String::from),
            title: o.get("title").and_then(|v| v.as_str()).map(String::from),
            description: o
                .get("description")
                .and_then(|v| v.as_str())
                .map(String::from),
            default: o.get("default").cloned(),
        };
        if let Some(r) = o.get("$ref") {
            let r = r
                .as_str()
                .ok_or_else(|| err("`$ref` must be a string"))?
                .to_string();
            return self.load_ref(&r, depth);
        }
        let mut parts: Vec<Js> = Vec::new();
        let has = |kws: &[&str]| kws.iter().any(|k| o.contains_key(*k));
        match o.get("type") {
            Some(Value::String(t)) => parts.push(self.typed(t, o, &meta, true, depth)?),
            Some(Value::Array(ts)) => {
                let mut subs = Vec::new();
                for t in ts {
                    let t = t
                        .as_str()
                        .ok_or_else(|| err("`type` entries must be strings"))?;
                    subs.push(self.typed(t, o, &Meta::default(), true, depth)?);
                }
                match subs.len() {
                    0 => return Err(err("`type` must not be an empty list")),
                    1 => parts.push(subs.pop().expect("one")),
                    _ => parts.push(Js::Combined {
                        meta: meta.clone(),
                        criterion: Criterion::AnyOf,
                        subschemas: subs,
                    }),
                }
            }
            Some(_) => return Err(err("`type` must be a string or a list of strings")),
            None => {
                for (kws, t) in [
                    (OBJECT_KWS, "object"),
                    (ARRAY_KWS, "array"),
                    (STRING_KWS, "string"),
                    (NUMBER_KWS, "number"),
                ] {
                    if has(kws) {
                        parts.push(self.typed(t, o, &meta, false, depth)?);
                    }
                }
            }
        }
        if let Some(e) = o.get("enum") {
            let values = e
                .as_array()
                .ok_or_else(|| err("`enum` must be a list"))?
                .clone();
            parts.push(Js::Enum {
                meta: meta.clone(),
                values,
            });
        }
        if let Some(c) = o.get("const") {
            parts.push(Js::Const {
                meta: meta.clone(),
                value: c.clone(),
            });
        }
        for c in [Criterion::AllOf, Criterion::AnyOf, Criterion::OneOf] {
            if let Some(list) = o.get(c.keyword()) {
                let list = list
                    .as_array()
                    .ok_or_else(|| err(format!("`{}` must be a list", c.keyword())))?;
                let subs = list
                    .iter()
                    .map(|s| self.load(s, depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                parts.push(Js::Combined {
                    meta: meta.clone(),
                    criterion: c,
                    subschemas: subs,
                });
            }
        }
        if let Some(n) = o.get("not") {
            parts.push(Js::Not {
                meta: meta.clone(),
                must_not_match: Box::new(self.load(n, depth + 1)?),
            });
        }
        Ok(match parts.len() {
            0 => Js::Empty(meta),
            1 => parts.pop().expect("one"),
            _ => Js::Combined {
                meta,
                criterion: Criterion::AllOf,
                subschemas: parts,
            },
        })
    }

    fn load_ref(&mut self, r: &str, depth: usize) -> Result<Js, FormatError> {
        let pointer = r
            .strip_prefix('#')
            .ok_or_else(|| err(format!("only local `$ref`s (#/…) are supported, not `{r}`")))?;
        if self.refs.iter().any(|x| x == r) {
            return Err(err(format!("recursive `$ref` {r} is not supported")));
        }
        let target = self
            .root
            .pointer(pointer)
            .ok_or_else(|| err(format!("`$ref` {r} points nowhere")))?;
        self.refs.push(r.to_string());
        let out = self.load(target, depth + 1);
        self.refs.pop();
        out
    }

    fn additional(&mut self, v: Option<&Value>, depth: usize) -> Result<Additional, FormatError> {
        Ok(match v {
            None | Some(Value::Bool(true)) => Additional::Permitted,
            Some(Value::Bool(false)) => Additional::Forbidden,
            Some(s) => Additional::Schema(Box::new(self.load(s, depth + 1)?)),
        })
    }

    fn typed(
        &mut self,
        t: &str,
        o: &Map<String, Value>,
        meta: &Meta,
        required: bool,
        depth: usize,
    ) -> Result<Js, FormatError> {
        let meta = meta.clone();
        Ok(match t {
            "string" => Js::Str {
                meta,
                min_length: u64_kw(o, "minLength")?,
                max_length: u64_kw(o, "maxLength")?,
                pattern: match o.get("pattern") {
                    None => None,
                    Some(p) => {
                        let p = p
                            .as_str()
                            .ok_or_else(|| err("`pattern` must be a string"))?;
                        regex_lite::Regex::new(p)
                            .map_err(|e| err(format!("invalid pattern: {e}")))?;
                        Some(p.to_string())
                    }
                },
            },
            "number" | "integer" => Js::Num {
                meta,
                integer: t == "integer",
                minimum: f64_kw(o, "minimum")?,
                maximum: f64_kw(o, "maximum")?,
                exclusive_minimum: f64_kw(o, "exclusiveMinimum")?,
                exclusive_maximum: f64_kw(o, "exclusiveMaximum")?,
                multiple_of: f64_kw(o, "multipleOf")?,
            },
            "boolean" => Js::Bool(meta),
            "null" => Js::Null(meta),
            "object" => {
                let mut properties = BTreeMap::new();
                if let Some(p) = o.get("properties") {
                    let p = p
                        .as_object()
                        .ok_or_else(|| err("`properties` must be an object"))?;
                    for (k, s) in p {
                        properties.insert(k.clone(), self.load(s, depth + 1)?);
                    }
                }
                let required_props = match o.get("required") {
                    None => Vec::new(),
                    Some(r) => r
                        .as_array()
                        .ok_or_else(|| err("`required` must be a list"))?
                        .iter()
                        .map(|x| {
                            x.as_str()
                                .map(String::from)
                                .ok_or_else(|| err("`required` entries must be strings"))
                        })
                        .collect::<Result<_, _>>()?,
                };
                let mut pattern_properties = Vec::new();
                if let Some(p) = o.get("patternProperties") {
                    let p = p
                        .as_object()
                        .ok_or_else(|| err("`patternProperties` must be an object"))?;
                    for (k, s) in p {
                        regex_lite::Regex::new(k)
                            .map_err(|e| err(format!("invalid pattern {k:?}: {e}")))?;
                        pattern_properties.push((k.clone(), self.load(s, depth + 1)?));
                    }
                }
                let mut property_dependencies = BTreeMap::new();
                let mut schema_dependencies = BTreeMap::new();
                if let Some(d) = o.get("dependencies") {
                    let d = d
                        .as_object()
                        .ok_or_else(|| err("`dependencies` must be an object"))?;
                    for (k, v) in d {
                        match v {
                            Value::Array(names) => {
                                let names = names
                                    .iter()
                                    .map(|n| {
                                        n.as_str().map(String::from).ok_or_else(|| {
                                            err("`dependencies` lists must hold strings")
                                        })
                                    })
                                    .collect::<Result<Vec<_>, _>>()?;
                                property_dependencies.insert(k.clone(), names);
                            }
                            s => {
                                schema_dependencies.insert(k.clone(), self.load(s, depth + 1)?);
                            }
                        }
                    }
                }
                Js::Obj {
                    meta,
                    requires_object: required,
                    properties,
                    required: required_props,
                    additional: self.additional(o.get("additionalProperties"), depth)?,
                    pattern_properties,
                    property_dependencies,
                    schema_dependencies,
                    min_properties: u64_kw(o, "minProperties")?,
                    max_properties: u64_kw(o, "maxProperties")?,
                }
            }
            "array" => {
                let (all_items, item_schemas) = match o.get("items") {
                    None => (None, None),
                    Some(Value::Array(list)) => (
                        None,
                        Some(
                            list.iter()
                                .map(|s| self.load(s, depth + 1))
                                .collect::<Result<Vec<_>, _>>()?,
                        ),
                    ),
                    Some(s) => (Some(Box::new(self.load(s, depth + 1)?)), None),
                };
                Js::Arr {
                    meta,
                    requires_array: required,
                    all_items,
                    item_schemas,
                    additional_items: self.additional(o.get("additionalItems"), depth)?,
                    min_items: u64_kw(o, "minItems")?,
                    max_items: u64_kw(o, "maxItems")?,
                    unique_items: o
                        .get("uniqueItems")
                        .and_then(|v| v.as_bool())
                        .unwrap_or(false),
                }
            }
            other => return Err(err(format!("unknown type `{other}`"))),
        })
    }
}

fn is_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

impl Js {
    /// Validates a value; the first violation, with its JSON pointer.
    pub fn validate(&self, v: &Value) -> Result<(), FormatError> {
        self.check(v, "#", 0).map_err(FormatError::encode)
    }

    fn check(&self, v: &Value, path: &str, depth: usize) -> Result<(), String> {
        if depth > Limits::DEPTH_MAX {
            return Err(format!("{path}: nested too deep"));
        }
        let fail = |m: String| Err(format!("{path}: {m}"));
        match self {
            Js::Empty(_) => Ok(()),
            Js::False => fail("no value is allowed here (schema `false`)".into()),
            Js::Str {
                min_length,
                max_length,
                pattern,
                ..
            } => {
                let Value::String(s) = v else {
                    return fail(format!("expected a string, got {v}"));
                };
                let n = s.chars().count() as u64;
                if min_length.is_some_and(|m| n < m) {
                    return fail(format!(
                        "string shorter than minLength {}",
                        min_length.unwrap_or(0)
                    ));
                }
                if max_length.is_some_and(|m| n > m) {
                    return fail(format!(
                        "string longer than maxLength {}",
                        max_length.unwrap_or(0)
                    ));
                }
                if let Some(p) = pattern {
                    if regex_lite::Regex::new(p)
                        .map(|r| !r.is_match(s))
                        .unwrap_or(true)
                    {
                        return fail(format!("string does not match pattern {p:?}"));
                    }
                }
                Ok(())
            }
            Js::Num {
                integer,
                minimum,
                maximum,
                exclusive_minimum,
                exclusive_maximum,
                multiple_of,
                ..
            } => {
                let Some(x) = v.as_f64() else {
                    return fail(format!("expected a number, got {v}"));
                };
                if *integer && !is_integer(v) {
                    return fail(format!("expected an integer, got {v}"));
                }
                if minimum.is_some_and(|m| x < m) || exclusive_minimum.is_some_and(|m| x <= m) {
                    return fail(format!("{v} is below the minimum"));
                }
                if maximum.is_some_and(|m| x > m) || exclusive_maximum.is_some_and(|m| x >= m) {
                    return fail(format!("{v} is above the maximum"));
                }
                if let Some(m) = multiple_of {
                    if *m != 0.0 && ((x / m) - (x / m).round()).abs() > 1e-9 {
                        return fail(format!("{v} is not a multiple of {m}"));
                    }
                }
                Ok(())
            }
            Js::Bool(_) => {
                if v.is_boolean() {
                    Ok(())
                } else {
                    fail(format!("expected a boolean, got {v}"))
                }
            }
            Js::Null(_) => {
                if v.is_null() {
                    Ok(())
                } else {
                    fail(format!("expected null, got {v}"))
                }
            }
            Js::Obj {
                requires_object,
                properties,
                required,
                additional,
                pattern_properties,
                property_dependencies,
                schema_dependencies,
                min_properties,
                max_properties,
                ..
            } => {
                let Value::Object(o) = v else {
                    return if *requires_object {
                        fail(format!("expected an object, got {v}"))
                    } else {
                        Ok(())
                    };
                };
                for r in required {
                    if !o.contains_key(r) {
                        return fail(format!("required property `{r}` is missing"));
                    }
                }
                for (k, x) in o {
                    let p = format!("{path}/{k}");
                    let mut matched = false;
                    for (pattern, s) in pattern_properties {
                        if regex_lite::Regex::new(pattern).is_ok_and(|r| r.is_match(k)) {
                            matched = true;
                            s.check(x, &p, depth + 1)?;
                        }
                    }
                    if let Some(names) = property_dependencies.get(k) {
                        if let Some(missing) = names.iter().find(|n| !o.contains_key(*n)) {
                            return fail(format!("`{k}` needs `{missing}` (dependencies)"));
                        }
                    }
                    if let Some(s) = schema_dependencies.get(k) {
                        s.check(v, path, depth + 1)?;
                    }
                    match properties.get(k) {
                        Some(s) => s.check(x, &p, depth + 1)?,
                        None if matched => {}
                        None => match additional {
                            Additional::Permitted => {}
                            Additional::Forbidden => {
                                return fail(format!(
                                    "property `{k}` is not allowed (additionalProperties is false)"
                                ))
                            }
                            Additional::Schema(s) => s.check(x, &p, depth + 1)?,
                        },
                    }
                }
                let n = o.len() as u64;
                if min_properties.is_some_and(|m| n < m) || max_properties.is_some_and(|m| n > m) {
                    return fail("number of properties out of bounds".into());
                }
                Ok(())
            }
            Js::Arr {
                requires_array,
                all_items,
                item_schemas,
                additional_items,
                min_items,
                max_items,
                unique_items,
                ..
            } => {
                let Value::Array(a) = v else {
                    return if *requires_array {
                        fail(format!("expected an array, got {v}"))
                    } else {
                        Ok(())
                    };
                };
                for (i, x) in a.iter().enumerate() {
                    let p = format!("{path}/{i}");
                    if let Some(s) = all_items {
                        s.check(x, &p, depth + 1)?;
                    } else if let Some(list) = item_schemas {
                        match list.get(i) {
                            Some(s) => s.check(x, &p, depth + 1)?,
                            None => match additional_items {
                                Additional::Permitted => {}
                                Additional::Forbidden => {
                                    return fail(format!(
                                        "item {i} is not allowed (additionalItems is false)"
                                    ))
                                }
                                Additional::Schema(s) => s.check(x, &p, depth + 1)?,
                            },
                        }
                    }
                }
                let n = a.len() as u64;
                if min_items.is_some_and(|m| n < m) || max_items.is_some_and(|m| n > m) {
                    return fail("number of items out of bounds".into());
                }
                if *unique_items {
                    for i in 0..a.len() {
                        if a[i + 1..].contains(&a[i]) {
                            return fail("items are not unique".into());
                        }
                    }
                }
                Ok(())
            }
            Js::Enum { values, .. } => {
                if values.contains(v) {
                    Ok(())
                } else {
                    fail(format!("{v} is not one of the enum values"))
                }
            }
            Js::Const { value, .. } => {
                if value == v {
                    Ok(())
                } else {
                    fail(format!("{v} is not the const {value}"))
                }
            }
            Js::Combined {
                criterion,
                subschemas,
                ..
            } => {
                let results: Vec<Result<(), String>> = subschemas
                    .iter()
                    .map(|s| s.check(v, path, depth + 1))
                    .collect();
                let ok = results.iter().filter(|r| r.is_ok()).count();
                match criterion {
                    Criterion::AllOf => results.into_iter().find(|r| r.is_err()).unwrap_or(Ok(())),
                    Criterion::AnyOf if ok == 0 => fail("matches none of the anyOf schemas".into()),
                    Criterion::OneOf if ok != 1 => fail(format!(
                        "matches {ok} of the oneOf schemas (exactly one needed)"
                    )),
                    _ => Ok(()),
                }
            }
            Js::Not { must_not_match, .. } => {
                if must_not_match.check(v, path, depth + 1).is_ok() {
                    fail("matches the `not` schema".into())
                } else {
                    Ok(())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn loads_like_everit() {
        assert_eq!(Js::parse("{}").unwrap().class(), "EmptySchema");
        assert_eq!(Js::parse("false").unwrap(), Js::False);
        let s = Js::parse(r#"{"type":["string","null"]}"#).unwrap();
        assert!(
            matches!(s, Js::Combined { criterion: Criterion::AnyOf, ref subschemas, .. } if subschemas.len() == 2)
        );
        let s = Js::parse(r#"{"type":"string","enum":["a","b"]}"#).unwrap();
        assert!(matches!(
            s,
            Js::Combined {
                criterion: Criterion::AllOf,
                ..
            }
        ));
        let s = Js::parse(r#"{"properties":{"a":{"type":"integer"}}}"#).unwrap();
        assert!(matches!(
            s,
            Js::Obj {
                requires_object: false,
                ..
            }
        ));
        assert!(Js::parse(r##"{"$ref":"#"}"##).is_err(), "recursive ref");
        let s = Js::parse(r##"{"definitions":{"n":{"type":"integer"}},"type":"object","properties":{"a":{"$ref":"#/definitions/n"}}}"##).unwrap();
        assert!(s.validate(&json!({"a": 1})).is_ok());
        assert!(s.validate(&json!({"a": "x"})).is_err());
    }

    #[test]
    fn pattern_properties_and_dependencies() {
        let s = Js::parse(r#"{"type":"object","patternProperties":{"^I_":{"type":"integer"}},"additionalProperties":false,
            "dependencies":{"card":["billing"],"vip":{"required":["level"]}}}"#)
        .unwrap();
        assert!(s.validate(&json!({"I_1": 3})).is_ok());
        assert!(
            s.validate(&json!({"I_1": "x"})).is_err(),
            "pattern schema applies"
        );
        assert!(
            s.validate(&json!({"S_1": 3})).is_err(),
            "no pattern: additionalProperties false"
        );
        let s = Js::parse(r#"{"dependencies":{"card":["billing"],"vip":{"required":["level"]}}}"#)
            .unwrap();
        assert!(s.validate(&json!({"card": 1})).is_err());
        assert!(s.validate(&json!({"card": 1, "billing": 2})).is_ok());
        assert!(s.validate(&json!({"vip": true})).is_err());
        assert!(s.validate(&json!({"vip": true, "level": 3})).is_ok());
    }

    #[test]
    fn ref_expansion_is_bounded() {
        // Each definition uses the next one twice: 2^25 schemas once expanded.
        let mut defs = serde_json::Map::new();
        for i in 0..25 {
            let next = format!("#/definitions/d{}", i + 1);
            defs.insert(
                format!("d{i}"),
                json!({"allOf": [{"$ref": next}, {"$ref": next}]}),
            );
        }
        defs.insert("d25".into(), json!({"type": "string"}));
        let text = json!({"definitions": defs, "$ref": "#/definitions/d0"}).to_string();
        assert!(Js::parse(&text)
            .unwrap_err()
            .message
            .contains("once `$ref`s are expanded"));
    }

    #[test]
    fn validates() {
        let s = Js::parse(r#"{"type":"object","properties":{"id":{"type":"integer","minimum":1},"name":{"type":"string","maxLength":3,"pattern":"^[A-Z]"}},"required":["id"],"additionalProperties":false}"#).unwrap();
        assert!(s.validate(&json!({"id": 7, "name": "Ann"})).is_ok());
        for bad in [
            json!({"name": "Ann"}),
            json!({"id": 0}),
            json!({"id": 1.5}),
            json!({"id": 1, "name": "Anne"}),
            json!({"id": 1, "name": "ann"}),
            json!({"id": 1, "x": 1}),
            json!([1]),
        ] {
            assert!(s.validate(&bad).is_err(), "{bad}");
        }
        let e = s.validate(&json!({"id": 1, "x": 1})).unwrap_err();
        assert!(e.message.contains("`x` is not allowed"), "{e}");
    }
}
