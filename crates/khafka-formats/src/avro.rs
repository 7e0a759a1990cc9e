//! Avro binary encoding and schema resolution, on the Avro specification's rules.
//!
//! Schemas are parsed by `apache-avro`. Values come in as JSON: a record is an object by field
//! name (a missing field takes its default), a union takes either a bare value (the first branch
//! that accepts it) or Avro's JSON form `{"long": 5}`, `bytes` and `fixed` are strings whose code
//! points are the bytes (Avro's JSON encoding), an enum is its symbol.
//!
//! Encoding is written here (so map entries come out in a fixed order, sorted by key, and the
//! output never depends on a hash seed) and every encoding is then read back by `apache-avro`
//! as a check. Decoding first walks the bytes under the writer's schema with bounds on every
//! length and count — the same walk labels the bytes for [`AvroSchema::explain`] — then lets
//! `apache-avro` decode. Given a reader schema, the value is then *resolved* here, following the
//! specification (fields matched by name or reader alias, defaults, promotions
//! int→long→float→double, string↔bytes, unions, enum defaults): `apache-avro` 0.21's own
//! resolution ignores reader field aliases. Decoded unions are shown as their bare value.

use crate::layout::Layout;
use crate::varint::{read_varlong, write_varlong};
use crate::{FormatError, Limits};
use apache_avro::schema::{Name, RecordSchema};
use apache_avro::types::Value as AvroValue;
use apache_avro::Schema;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Most schema/value pairs tried when choosing one union branch for a bare JSON value.
const ACCEPTS_MAX: u64 = 1_000_000;

/// A parsed Avro schema with its named types (for `Ref`s).
#[derive(Clone, Debug)]
pub struct AvroSchema {
    pub schema: Schema,
    pub(crate) names: BTreeMap<String, Schema>,
}

pub(crate) fn fullname(n: &Name) -> String {
    n.fullname(None)
}

fn collect_names(
    s: &Schema,
    names: &mut BTreeMap<String, Schema>,
    depth: usize,
) -> Result<(), FormatError> {
    if depth > Limits::DEPTH_MAX {
        return Err(FormatError::schema(format!(
            "schema nested deeper than {} levels",
            Limits::DEPTH_MAX
        )));
    }
    match s {
        Schema::Record(r) => {
            names.insert(fullname(&r.name), s.clone());
            for f in &r.fields {
                collect_names(&f.schema, names, depth + 1)?;
            }
        }
        Schema::Enum(e) => {
            names.insert(fullname(&e.name), s.clone());
        }
        Schema::Fixed(f) => {
            names.insert(fullname(&f.name), s.clone());
        }
        Schema::Array(a) => collect_names(&a.items, names, depth + 1)?,
        Schema::Map(m) => collect_names(&m.types, names, depth + 1)?,
        Schema::Union(u) => {
            for v in u.variants() {
                collect_names(v, names, depth + 1)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A short name for a schema, as Avro's JSON union wrapper and labels use it.
pub(crate) fn type_name(s: &Schema) -> String {
    match s {
        Schema::Null => "null".into(),
        Schema::Boolean => "boolean".into(),
        Schema::Int => "int".into(),
        Schema::Long => "long".into(),
        Schema::Float => "float".into(),
        Schema::Double => "double".into(),
        Schema::Bytes => "bytes".into(),
        Schema::String => "string".into(),
        Schema::Array(_) => "array".into(),
        Schema::Map(_) => "map".into(),
        Schema::Union(_) => "union".into(),
        Schema::Record(r) => fullname(&r.name),
        Schema::Enum(e) => fullname(&e.name),
        Schema::Fixed(f) => fullname(&f.name),
        Schema::Ref { name } => fullname(name),
        Schema::Date => "int (date)".into(),
        Schema::TimeMillis => "int (time-millis)".into(),
        Schema::TimeMicros => "long (time-micros)".into(),
        Schema::TimestampMillis => "long (timestamp-millis)".into(),
        Schema::TimestampMicros => "long (timestamp-micros)".into(),
        Schema::TimestampNanos => "long (timestamp-nanos)".into(),
        Schema::LocalTimestampMillis => "long (local-timestamp-millis)".into(),
        Schema::LocalTimestampMicros => "long (local-timestamp-micros)".into(),
        Schema::LocalTimestampNanos => "long (local-timestamp-nanos)".into(),
        Schema::Uuid => "string (uuid)".into(),
        Schema::Decimal(_) => "decimal".into(),
        Schema::BigDecimal => "big-decimal".into(),
        Schema::Duration => "duration".into(),
    }
}

/// The underlying primitive of a logical type, for encoding.
pub(crate) enum Prim {
    Int,
    Long,
    Str,
}

pub(crate) fn logical_prim(s: &Schema) -> Option<Prim> {
    match s {
        Schema::Date | Schema::TimeMillis => Some(Prim::Int),
        Schema::TimeMicros
        | Schema::TimestampMillis
        | Schema::TimestampMicros
        | Schema::TimestampNanos
        | Schema::LocalTimestampMillis
        | Schema::LocalTimestampMicros
        | Schema::LocalTimestampNanos => Some(Prim::Long),
        Schema::Uuid => Some(Prim::Str),
        _ => None,
    }
}

fn enc_err(path: &str, msg: impl std::fmt::Display) -> FormatError {
    FormatError::encode(format!(
        "at {}: {msg}",
        if path.is_empty() { "/" } else { path }
    ))
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Bytes of a JSON string under Avro's JSON encoding of `bytes` (code points 0–255).
fn latin1(s: &str, path: &str) -> Result<Vec<u8>, FormatError> {
    s.chars()
        .map(|c| {
            u8::try_from(c as u32).map_err(|_| {
                enc_err(
                    path,
                    format!("bytes are written as a string of code points 0-255; `{c}` is not"),
                )
            })
        })
        .collect()
}

impl AvroSchema {
    /// Parses Avro schema JSON.
    pub fn parse(text: &str) -> Result<AvroSchema, FormatError> {
        crate::check_len("schema", text.len(), Limits::SCHEMA_BYTES_MAX)?;
        crate::check_json_depth(text.as_bytes())?;
        let schema =
            Schema::parse_str(text).map_err(|e| FormatError::schema(format!("Avro: {e}")))?;
        let mut names = BTreeMap::new();
        collect_names(&schema, &mut names, 0)?;
        Ok(AvroSchema { schema, names })
    }

    pub(crate) fn resolve<'a>(&'a self, s: &'a Schema) -> Result<&'a Schema, FormatError> {
        match s {
            Schema::Ref { name } => self
                .names
                .get(&fullname(name))
                .ok_or_else(|| FormatError::schema(format!("unknown type `{}`", fullname(name)))),
            _ => Ok(s),
        }
    }

    /// Encodes a JSON value to Avro binary, checked by `apache-avro` reading it back.
    pub fn encode(&self, value: &Value) -> Result<Vec<u8>, FormatError> {
        let mut out = Vec::new();
        self.enc(&self.schema, value, &mut out, "", 0)?;
        // The real library must read exactly these bytes back.
        let mut rest = &out[..];
        apache_avro::from_avro_datum(&self.schema, &mut rest, None).map_err(|e| {
            FormatError::encode(format!("apache-avro cannot read the encoding back: {e}"))
        })?;
        if !rest.is_empty() {
            return Err(FormatError::encode(
                "apache-avro read fewer bytes than were written",
            ));
        }
        Ok(out)
    }

    /// Encodes and labels every byte.
    pub fn explain(&self, value: &Value) -> Result<Layout, FormatError> {
        let bytes = self.encode(value)?;
        self.explain_bytes(&bytes)
    }

    /// Labels the bytes of a value written under this schema.
    pub fn explain_bytes(&self, bytes: &[u8]) -> Result<Layout, FormatError> {
        let mut w = Walker {
            s: self,
            buf: bytes,
            pos: 0,
            layout: Layout {
                bytes: bytes.to_vec(),
                ..Layout::default()
            },
        };
        w.walk(&self.schema, 0, "value")?;
        if w.pos != bytes.len() {
            return Err(FormatError::decode(
                w.pos,
                format!("{} bytes left after the value", bytes.len() - w.pos),
            ));
        }
        Ok(w.layout)
    }

    /// Decodes bytes written under this (the writer's) schema; with `reader`, resolves the value
    /// to the reader's schema.
    pub fn decode(&self, bytes: &[u8], reader: Option<&AvroSchema>) -> Result<Value, FormatError> {
        // Bound every length and count before the library allocates anything.
        self.explain_bytes(bytes)?;
        apache_avro::util::max_allocation_bytes(Limits::VALUE_BYTES_MAX * 16);
        let mut rest = bytes;
        let v = apache_avro::from_avro_datum(&self.schema, &mut rest, None)
            .map_err(|e| FormatError::decode_any(format!("Avro: {e}")))?;
        match reader {
            None => to_json(&v),
            // apache-avro 0.21's own resolution ignores reader field aliases, so resolution
            // follows the specification here, on the decoded writer value.
            Some(r) => resolve(self, &v, &self.schema, r, &r.schema, "", 0),
        }
    }

    fn enc(
        &self,
        s: &Schema,
        v: &Value,
        out: &mut Vec<u8>,
        path: &str,
        depth: usize,
    ) -> Result<(), FormatError> {
        if depth > Limits::DEPTH_MAX {
            return Err(enc_err(
                path,
                format!("nested deeper than {} levels", Limits::DEPTH_MAX),
            ));
        }
        let s = self.resolve(s)?;
        let mismatch = || {
            // A number an int or a long refuses is out of its range or not whole (serde_json
            // reads a whole number beyond 64 bits as a float: 1e+23).
            let got = match v {
                Value::Number(n) if matches!(s, Schema::Int | Schema::Long) => match n.as_f64() {
                    Some(f) if f.fract() != 0.0 => format!("{n}, not a whole number"),
                    _ => format!("{n}, outside its range"),
                },
                _ => json_kind(v).to_string(),
            };
            enc_err(path, format!("expected {}, got {got}", type_name(s)))
        };
        if let Some(p) = logical_prim(s) {
            return match p {
                Prim::Int => self.enc(&Schema::Int, v, out, path, depth + 1),
                Prim::Long => self.enc(&Schema::Long, v, out, path, depth + 1),
                Prim::Str => self.enc(&Schema::String, v, out, path, depth + 1),
            };
        }
        match s {
            Schema::Null => v.is_null().then_some(()).ok_or_else(mismatch),
            Schema::Boolean => {
                out.push(v.as_bool().ok_or_else(mismatch)? as u8);
                Ok(())
            }
            Schema::Int => {
                let n = v.as_i64().ok_or_else(mismatch)?;
                let n = i32::try_from(n).map_err(|_| {
                    enc_err(path, format!("{n} does not fit an Avro int (32 bits)"))
                })?;
                write_varlong(n as i64, out);
                Ok(())
            }
            Schema::Long => {
                write_varlong(v.as_i64().ok_or_else(mismatch)?, out);
                Ok(())
            }
            Schema::Float => {
                out.extend((v.as_f64().ok_or_else(mismatch)? as f32).to_le_bytes());
                Ok(())
            }
            Schema::Double => {
                out.extend(v.as_f64().ok_or_else(mismatch)?.to_le_bytes());
                Ok(())
            }
            Schema::Bytes => {
                let b = latin1(v.as_str().ok_or_else(mismatch)?, path)?;
                write_varlong(b.len() as i64, out);
                out.extend(b);
                Ok(())
            }
            Schema::String => {
                let t = v.as_str().ok_or_else(mismatch)?;
                write_varlong(t.len() as i64, out);
                out.extend(t.as_bytes());
                Ok(())
            }
            Schema::Fixed(f) => {
                let b = latin1(v.as_str().ok_or_else(mismatch)?, path)?;
                if b.len() != f.size {
                    return Err(enc_err(
                        path,
                        format!(
                            "fixed {} needs {} bytes, got {}",
                            fullname(&f.name),
                            f.size,
                            b.len()
                        ),
                    ));
                }
                out.extend(b);
                Ok(())
            }
            Schema::Enum(e) => {
                let sym = v.as_str().ok_or_else(mismatch)?;
                let i = e.symbols.iter().position(|x| x == sym).ok_or_else(|| {
                    enc_err(
                        path,
                        format!(
                            "`{sym}` is not a symbol of enum {} ({})",
                            fullname(&e.name),
                            e.symbols.join(", ")
                        ),
                    )
                })?;
                write_varlong(i as i64, out);
                Ok(())
            }
            Schema::Array(a) => {
                let items = v.as_array().ok_or_else(mismatch)?;
                if !items.is_empty() {
                    write_varlong(items.len() as i64, out);
                    for (i, item) in items.iter().enumerate() {
                        self.enc(&a.items, item, out, &format!("{path}/{i}"), depth + 1)?;
                    }
                }
                out.push(0);
                Ok(())
            }
            Schema::Map(m) => {
                let obj = v.as_object().ok_or_else(mismatch)?;
                if !obj.is_empty() {
                    write_varlong(obj.len() as i64, out);
                    for (k, item) in obj {
                        write_varlong(k.len() as i64, out);
                        out.extend(k.as_bytes());
                        self.enc(&m.types, item, out, &format!("{path}/{k}"), depth + 1)?;
                    }
                }
                out.push(0);
                Ok(())
            }
            Schema::Union(u) => {
                let (i, branch, inner) = self.pick_branch(u.variants(), v, path)?;
                write_varlong(i as i64, out);
                self.enc(branch, inner, out, path, depth + 1)
            }
            Schema::Record(r) => self.enc_record(r, v, out, path, depth),
            Schema::Decimal(_) | Schema::BigDecimal | Schema::Duration => Err(enc_err(
                path,
                format!("the logical type {} is not supported here", type_name(s)),
            )),
            Schema::Ref { .. } => Err(enc_err(path, "unresolved reference")),
            _ => Err(mismatch()),
        }
    }

    fn enc_record(
        &self,
        r: &RecordSchema,
        v: &Value,
        out: &mut Vec<u8>,
        path: &str,
        depth: usize,
    ) -> Result<(), FormatError> {
        let obj = v.as_object().ok_or_else(|| {
            enc_err(
                path,
                format!(
                    "expected record {} (an object), got {}",
                    fullname(&r.name),
                    json_kind(v)
                ),
            )
        })?;
        for k in obj.keys() {
            if !r.lookup.contains_key(k) {
                return Err(enc_err(
                    path,
                    format!("record {} has no field `{k}`", fullname(&r.name)),
                ));
            }
        }
        for f in &r.fields {
            let fpath = format!("{path}/{}", f.name);
            match obj.get(&f.name) {
                Some(fv) => self.enc(&f.schema, fv, out, &fpath, depth + 1)?,
                None => match &f.default {
                    // A union field's default is written in the first branch that accepts it:
                    // since AVRO-3649 (Avro 1.12) it may match any branch (before: the first),
                    // and apache-avro accepts both.
                    Some(d) => self.enc(&f.schema, d, out, &fpath, depth + 1)?,
                    None => {
                        return Err(enc_err(
                            &fpath,
                            format!("missing field `{}`, which has no default", f.name),
                        ));
                    }
                },
            }
        }
        Ok(())
    }

    /// Chooses the union branch for a JSON value: Avro's JSON form `{"type": value}` first, then
    /// the first branch that accepts the bare value.
    fn pick_branch<'a>(
        &'a self,
        variants: &'a [Schema],
        v: &'a Value,
        path: &str,
    ) -> Result<(usize, &'a Schema, &'a Value), FormatError> {
        if let Some((i, inner)) = self.wrapped_branch(variants, v)? {
            return Ok((i, &variants[i], inner));
        }
        // Nested unions could make this search exponential; a budget per choice keeps it linear
        // in the size of the value.
        let budget = std::cell::Cell::new(0u64);
        for (i, b) in variants.iter().enumerate() {
            if self.accepts(b, v, 0, &budget) {
                return Ok((i, b, v));
            }
        }
        if budget.get() > ACCEPTS_MAX {
            return Err(enc_err(
                path,
                "the value is too complex to choose a union branch for; write it in Avro's JSON form {\"type\": value}",
            ));
        }
        let names: Vec<String> = variants
            .iter()
            .map(|b| self.resolve(b).map(type_name).unwrap_or_default())
            .collect();
        Err(enc_err(
            path,
            format!(
                "{} fits no branch of the union [{}]",
                json_kind(v),
                names.join(", ")
            ),
        ))
    }

    /// Avro's JSON form of a union value, `{"type name": value}`: the branch it names.
    fn wrapped_branch<'a>(
        &self,
        variants: &[Schema],
        v: &'a Value,
    ) -> Result<Option<(usize, &'a Value)>, FormatError> {
        let Value::Object(o) = v else { return Ok(None) };
        let Some((k, inner)) = o.iter().next().filter(|_| o.len() == 1) else {
            return Ok(None);
        };
        for (i, b) in variants.iter().enumerate() {
            let b = self.resolve(b)?;
            let short = match b {
                Schema::Record(r) => Some(r.name.name.as_str()),
                Schema::Enum(e) => Some(e.name.name.as_str()),
                Schema::Fixed(f) => Some(f.name.name.as_str()),
                _ => None,
            };
            if &type_name(b) == k || short == Some(k.as_str()) {
                return Ok(Some((i, inner)));
            }
        }
        Ok(None)
    }

    fn accepts(&self, s: &Schema, v: &Value, depth: usize, budget: &std::cell::Cell<u64>) -> bool {
        budget.set(budget.get() + 1);
        if depth > Limits::DEPTH_MAX || budget.get() > ACCEPTS_MAX {
            return false;
        }
        let Ok(s) = self.resolve(s) else { return false };
        if let Some(p) = logical_prim(s) {
            return match p {
                Prim::Int | Prim::Long => v.is_i64(),
                Prim::Str => v.is_string(),
            };
        }
        match (s, v) {
            (Schema::Null, Value::Null) => true,
            (Schema::Boolean, Value::Bool(_)) => true,
            (Schema::Int, Value::Number(n)) => n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            (Schema::Long, Value::Number(n)) => n.is_i64(),
            (Schema::Float | Schema::Double, Value::Number(_)) => true,
            (Schema::String | Schema::Bytes, Value::String(_)) => true,
            (Schema::Enum(e), Value::String(t)) => e.symbols.contains(t),
            (Schema::Fixed(f), Value::String(t)) => t.chars().count() == f.size,
            (Schema::Array(a), Value::Array(items)) => items
                .iter()
                .all(|i| self.accepts(&a.items, i, depth + 1, budget)),
            (Schema::Map(m), Value::Object(o)) => o
                .values()
                .all(|i| self.accepts(&m.types, i, depth + 1, budget)),
            (Schema::Union(u), v) => match self.wrapped_branch(u.variants(), v) {
                Ok(Some((i, inner))) => self.accepts(&u.variants()[i], inner, depth + 1, budget),
                _ => u
                    .variants()
                    .iter()
                    .any(|b| self.accepts(b, v, depth + 1, budget)),
            },
            (Schema::Record(r), Value::Object(o)) => {
                o.keys().all(|k| r.lookup.contains_key(k))
                    && r.fields.iter().all(|f| match o.get(&f.name) {
                        Some(fv) => self.accepts(&f.schema, fv, depth + 1, budget),
                        None => f.default.is_some(),
                    })
            }
            _ => false,
        }
    }
}

/// Walks bytes under a schema, bounding every length, and labels them.
struct Walker<'a> {
    s: &'a AvroSchema,
    buf: &'a [u8],
    pos: usize,
    layout: Layout,
}

impl Walker<'_> {
    fn long(&mut self) -> Result<(i64, usize), FormatError> {
        let start = self.pos;
        let v = read_varlong(self.buf, &mut self.pos)?;
        Ok((v, start))
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&[u8], FormatError> {
        if n > self.buf.len() - self.pos {
            return Err(FormatError::decode(
                self.pos,
                format!("{what} needs {n} bytes; {} left", self.buf.len() - self.pos),
            ));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Opens a group at the current position; [`Walker::close`] ends it there.
    fn open(&mut self, depth: usize, label: String) -> Option<usize> {
        self.layout.label(self.pos, self.pos, depth, label)
    }

    fn close(&mut self, group: Option<usize>) {
        self.layout.set_end(group, self.pos);
    }

    fn span(&mut self, start: usize, depth: usize, label: String) {
        self.layout.label(start, self.pos, depth, label);
    }

    fn length(&mut self, depth: usize, what: &str) -> Result<usize, FormatError> {
        let (n, at) = self.long()?;
        let left = self.buf.len() - self.pos;
        if n < 0 {
            return Err(FormatError::decode(
                at,
                format!("{what} length {n} is negative"),
            ));
        }
        if n as u64 > left as u64 {
            return Err(FormatError::decode(
                at,
                format!("{what} length {n} runs past the end ({left} bytes left)"),
            ));
        }
        self.span(at, depth, format!("{what} length {n} (zig-zag varint)"));
        Ok(n as usize)
    }

    fn walk(&mut self, s: &Schema, depth: usize, name: &str) -> Result<(), FormatError> {
        if depth > Limits::DEPTH_MAX {
            return Err(FormatError::decode(
                self.pos,
                format!("nested deeper than {} levels", Limits::DEPTH_MAX),
            ));
        }
        let s = self.s.resolve(s)?;
        // Logical types are read as their underlying primitive.
        let s = match logical_prim(s) {
            Some(Prim::Int) => &Schema::Int,
            Some(Prim::Long) => &Schema::Long,
            Some(Prim::Str) => &Schema::String,
            None => s,
        };
        let start = self.pos;
        match s {
            Schema::Null => {}
            Schema::Boolean => {
                let b = self.take(1, "boolean")?[0];
                if b > 1 {
                    return Err(FormatError::decode(
                        start,
                        format!("boolean byte {b} (0 or 1)"),
                    ));
                }
                self.span(start, depth, format!("{name}: boolean {}", b == 1));
            }
            Schema::Int => {
                let (v, at) = self.long()?;
                if i32::try_from(v).is_err() {
                    return Err(FormatError::decode(
                        at,
                        format!("int {v} out of 32-bit range"),
                    ));
                }
                self.span(
                    at,
                    depth,
                    format!("{name}: {} {v} (zig-zag varint)", type_name(s)),
                );
            }
            Schema::Long => {
                let (v, at) = self.long()?;
                self.span(
                    at,
                    depth,
                    format!("{name}: {} {v} (zig-zag varint)", type_name(s)),
                );
            }
            Schema::Float => {
                let b = self.take(4, "float")?;
                let f = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                self.span(
                    start,
                    depth,
                    format!("{name}: float {f} (4 bytes, little-endian IEEE 754)"),
                );
            }
            Schema::Double => {
                let b = self.take(8, "double")?;
                let f = f64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
                self.span(
                    start,
                    depth,
                    format!("{name}: double {f} (8 bytes, little-endian IEEE 754)"),
                );
            }
            Schema::Bytes | Schema::Decimal(_) | Schema::BigDecimal => {
                let n = self.length(depth, &format!("{name}: bytes"))?;
                let s0 = self.pos;
                self.take(n, "bytes")?;
                if n > 0 {
                    self.span(s0, depth, format!("{name}: {n} bytes"));
                }
            }
            Schema::String => {
                let n = self.length(depth, &format!("{name}: string"))?;
                let s0 = self.pos;
                let b = self.take(n, "string")?;
                let text = std::str::from_utf8(b)
                    .map_err(|_| FormatError::decode(s0, "string is not UTF-8"))?;
                let label = format!("{name}: string {:?} (UTF-8)", text);
                if n > 0 {
                    self.span(s0, depth, label);
                }
            }
            Schema::Fixed(f) => {
                self.take(f.size, "fixed")?;
                self.span(
                    start,
                    depth,
                    format!("{name}: fixed {} ({} bytes)", fullname(&f.name), f.size),
                );
            }
            Schema::Duration => {
                self.take(12, "duration")?;
                self.span(start, depth, format!("{name}: duration (12 bytes)"));
            }
            Schema::Enum(e) => {
                let (i, at) = self.long()?;
                let sym = usize::try_from(i)
                    .ok()
                    .and_then(|i| e.symbols.get(i))
                    .ok_or_else(|| {
                        FormatError::decode(
                            at,
                            format!("enum index {i} out of range (0..{})", e.symbols.len()),
                        )
                    })?;
                self.span(
                    at,
                    depth,
                    format!(
                        "{name}: enum {} = {sym} (index {i}, zig-zag varint)",
                        fullname(&e.name)
                    ),
                );
            }
            Schema::Union(u) => {
                let (i, at) = self.long()?;
                let branch = usize::try_from(i)
                    .ok()
                    .and_then(|i| u.variants().get(i))
                    .ok_or_else(|| {
                        FormatError::decode(
                            at,
                            format!("union branch {i} out of range (0..{})", u.variants().len()),
                        )
                    })?;
                let bname = type_name(self.s.resolve(branch)?);
                self.span(
                    at,
                    depth,
                    format!("{name}: union branch {i} ({bname}, zig-zag varint)"),
                );
                self.walk(branch, depth + 1, name)?;
            }
            Schema::Array(a) => self.blocks(depth, name, "array", Some(&a.items), None)?,
            Schema::Map(m) => self.blocks(depth, name, "map", None, Some(&m.types))?,
            Schema::Record(r) => {
                let g = self.open(depth, format!("{name}: record {}", fullname(&r.name)));
                for f in &r.fields {
                    self.walk(&f.schema, depth + 1, &format!("field {}", f.name))?;
                }
                self.close(g);
            }
            // References were resolved and logical types mapped above.
            _ => {
                return Err(FormatError::schema(format!(
                    "cannot read {} here",
                    type_name(s)
                )))
            }
        }
        Ok(())
    }

    fn blocks(
        &mut self,
        depth: usize,
        name: &str,
        kind: &str,
        items: Option<&Schema>,
        values: Option<&Schema>,
    ) -> Result<(), FormatError> {
        let g = self.open(depth, format!("{name}: {kind}"));
        let mut total = 0usize;
        loop {
            let (mut n, at) = self.long()?;
            if n == 0 {
                self.span(at, depth + 1, format!("{kind} end (block count 0)"));
                break;
            }
            if n < 0 {
                n = n
                    .checked_neg()
                    .ok_or_else(|| FormatError::decode(at, "invalid block count"))?;
                let (size, _) = self.long()?;
                if size < 0 || size as u64 > (self.buf.len() - self.pos) as u64 {
                    return Err(FormatError::decode(
                        at,
                        format!("invalid block size {size}"),
                    ));
                }
                self.span(
                    at,
                    depth + 1,
                    format!("{kind} block: {n} items, {size} bytes (negative count, then size)"),
                );
            } else {
                self.span(
                    at,
                    depth + 1,
                    format!("{kind} block: {n} items (zig-zag varint)"),
                );
            }
            // Every item takes at least one byte unless its type is null-like; bound the count.
            total = total.saturating_add(n as usize);
            if n as u64 > Limits::ITEMS_MAX as u64 || total > Limits::ITEMS_MAX {
                return Err(FormatError::decode(
                    at,
                    format!("more than {} items", Limits::ITEMS_MAX),
                ));
            }
            for i in 0..n {
                if let Some(s) = values {
                    let kl = self.length(depth + 1, "map key")?;
                    let s0 = self.pos;
                    let k = self.take(kl, "map key")?;
                    let k = std::str::from_utf8(k)
                        .map_err(|_| FormatError::decode(s0, "map key is not UTF-8"))?
                        .to_string();
                    self.span(s0, depth + 1, format!("map key {k:?}"));
                    self.walk(s, depth + 1, &format!("value of {k:?}"))?;
                } else if let Some(s) = items {
                    self.walk(s, depth + 1, &format!("item {i}"))?;
                }
            }
        }
        self.close(g);
        Ok(())
    }
}

fn res_err(path: &str, msg: impl std::fmt::Display) -> FormatError {
    FormatError::decode_any(format!(
        "schema resolution at {}: {msg}",
        if path.is_empty() { "/" } else { path }
    ))
}

/// Do the named types match for resolution? Same unqualified name, or a reader alias naming the
/// writer's full name (Avro `SchemaCompatibility.schemaNameEquals`).
pub(crate) fn names_match(
    reader: &Name,
    reader_aliases: Option<&Vec<apache_avro::schema::Alias>>,
    writer: &Name,
) -> bool {
    reader.name == writer.name
        || reader_aliases.is_some_and(|a| {
            a.iter()
                .any(|a| a.fullname(reader.namespace.clone()) == fullname(writer))
        })
}

/// Resolves a value decoded under the writer's schema to the reader's schema (Avro
/// specification, "Schema Resolution"), giving JSON.
fn resolve(
    ws_all: &AvroSchema,
    v: &AvroValue,
    ws: &Schema,
    rs_all: &AvroSchema,
    rs: &Schema,
    path: &str,
    depth: usize,
) -> Result<Value, FormatError> {
    if depth > Limits::DEPTH_MAX {
        return Err(res_err(path, "nested too deep"));
    }
    let ws = ws_all.resolve(ws)?;
    let rs = rs_all.resolve(rs)?;
    // A writer union: resolve the branch that was written.
    if let (Schema::Union(wu), AvroValue::Union(i, inner)) = (ws, v) {
        let branch = wu
            .variants()
            .get(*i as usize)
            .ok_or_else(|| res_err(path, "bad union index"))?;
        return resolve(ws_all, inner, branch, rs_all, rs, path, depth + 1);
    }
    // A reader union: the first branch that matches the writer's schema.
    if let Schema::Union(ru) = rs {
        for b in ru.variants() {
            if schemas_match(ws_all, ws, rs_all, rs_all.resolve(b)?) {
                return resolve(ws_all, v, ws, rs_all, b, path, depth + 1);
            }
        }
        return Err(res_err(
            path,
            format!(
                "no branch of the reader's union matches the writer's {}",
                type_name(ws)
            ),
        ));
    }
    let promoted = |f: f64| num(f);
    Ok(match (rs, v) {
        (Schema::Record(rr), AvroValue::Record(fields)) => {
            let Schema::Record(wr) = ws else {
                return Err(res_err(path, "writer is not a record"));
            };
            if !names_match(&rr.name, rr.aliases.as_ref(), &wr.name) {
                return Err(res_err(
                    path,
                    format!(
                        "record name {} does not match the writer's {}",
                        fullname(&rr.name),
                        fullname(&wr.name)
                    ),
                ));
            }
            let mut o = Map::new();
            for f in &rr.fields {
                let fpath = format!("{path}/{}", f.name);
                let mut candidates = vec![f.name.clone()];
                candidates.extend(f.aliases.iter().flatten().cloned());
                let found = candidates.iter().find_map(|n| {
                    let wf = wr.fields.iter().find(|wf| &wf.name == n)?;
                    let wv = fields.iter().find(|(k, _)| k == n).map(|(_, v)| v)?;
                    Some((wf, wv))
                });
                let out = match found {
                    Some((wf, wv)) => resolve(ws_all, wv, &wf.schema, rs_all, &f.schema, &fpath, depth + 1)?,
                    None => match &f.default {
                        Some(d) => d.clone(),
                        None => return Err(res_err(&fpath, format!("the reader's field `{}` is not in the writer's schema and has no default", f.name))),
                    },
                };
                o.insert(f.name.clone(), out);
            }
            Value::Object(o)
        }
        (Schema::Enum(re), AvroValue::Enum(_, sym)) => {
            if let Schema::Enum(we) = ws {
                if !names_match(&re.name, re.aliases.as_ref(), &we.name) {
                    return Err(res_err(
                        path,
                        format!(
                            "enum name {} does not match the writer's {}",
                            fullname(&re.name),
                            fullname(&we.name)
                        ),
                    ));
                }
            }
            if re.symbols.contains(sym) {
                json!(sym)
            } else if let Some(d) = &re.default {
                json!(d)
            } else {
                return Err(res_err(
                    path,
                    format!(
                        "symbol {sym} is not in the reader's enum {} and it has no default",
                        fullname(&re.name)
                    ),
                ));
            }
        }
        (Schema::Fixed(rf), AvroValue::Fixed(n, b)) => {
            if let Schema::Fixed(wf) = ws {
                if !names_match(&rf.name, rf.aliases.as_ref(), &wf.name) || *n != rf.size {
                    return Err(res_err(
                        path,
                        format!(
                            "fixed {} does not match the writer's {}",
                            fullname(&rf.name),
                            fullname(&wf.name)
                        ),
                    ));
                }
            }
            latin1_string(b)
        }
        (Schema::Array(ra), AvroValue::Array(items)) => {
            let Schema::Array(wa) = ws else {
                return Err(res_err(path, "writer is not an array"));
            };
            Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| {
                        resolve(
                            ws_all,
                            x,
                            &wa.items,
                            rs_all,
                            &ra.items,
                            &format!("{path}/{i}"),
                            depth + 1,
                        )
                    })
                    .collect::<Result<_, _>>()?,
            )
        }
        (Schema::Map(rm), AvroValue::Map(m)) => {
            let Schema::Map(wm) = ws else {
                return Err(res_err(path, "writer is not a map"));
            };
            let mut o = Map::new();
            for (k, x) in m {
                o.insert(
                    k.clone(),
                    resolve(
                        ws_all,
                        x,
                        &wm.types,
                        rs_all,
                        &rm.types,
                        &format!("{path}/{k}"),
                        depth + 1,
                    )?,
                );
            }
            Value::Object(o)
        }
        (Schema::Null, AvroValue::Null) => Value::Null,
        (Schema::Boolean, AvroValue::Boolean(b)) => json!(b),
        (Schema::Int, AvroValue::Int(n)) => json!(n),
        (Schema::Long, AvroValue::Int(n)) => json!(*n as i64),
        (Schema::Long, AvroValue::Long(n)) => json!(n),
        (Schema::Float, AvroValue::Int(n)) => promoted(*n as f32 as f64),
        (Schema::Float, AvroValue::Long(n)) => promoted(*n as f32 as f64),
        (Schema::Float, AvroValue::Float(f)) => promoted(*f as f64),
        (Schema::Double, AvroValue::Int(n)) => promoted(*n as f64),
        (Schema::Double, AvroValue::Long(n)) => promoted(*n as f64),
        (Schema::Double, AvroValue::Float(f)) => promoted(*f as f64),
        (Schema::Double, AvroValue::Double(f)) => promoted(*f),
        (Schema::String, AvroValue::String(s)) => json!(s),
        (Schema::String, AvroValue::Bytes(b)) => {
            json!(String::from_utf8(b.clone())
                .map_err(|_| res_err(path, "bytes read as string are not UTF-8"))?)
        }
        (Schema::Bytes, AvroValue::Bytes(b)) => latin1_string(b),
        (Schema::Bytes, AvroValue::String(s)) => latin1_string(s.as_bytes()),
        _ if logical_prim(rs).is_some() || logical_prim(ws).is_some() => to_json(v)?,
        _ => {
            return Err(res_err(
                path,
                format!(
                    "the writer's {} cannot be read as the reader's {}",
                    type_name(ws),
                    type_name(rs)
                ),
            ))
        }
    })
}

/// Do two schemas match for resolution (the specification's list, used to pick a reader union
/// branch)?
fn schemas_match(ws_all: &AvroSchema, ws: &Schema, rs_all: &AvroSchema, rs: &Schema) -> bool {
    let (Ok(ws), Ok(rs)) = (ws_all.resolve(ws), rs_all.resolve(rs)) else {
        return false;
    };
    match (ws, rs) {
        (Schema::Record(w), Schema::Record(r)) => names_match(&r.name, r.aliases.as_ref(), &w.name),
        (Schema::Enum(w), Schema::Enum(r)) => names_match(&r.name, r.aliases.as_ref(), &w.name),
        (Schema::Fixed(w), Schema::Fixed(r)) => {
            names_match(&r.name, r.aliases.as_ref(), &w.name) && w.size == r.size
        }
        (Schema::Array(w), Schema::Array(r)) => schemas_match(ws_all, &w.items, rs_all, &r.items),
        (Schema::Map(w), Schema::Map(r)) => schemas_match(ws_all, &w.types, rs_all, &r.types),
        (Schema::Int, Schema::Long | Schema::Float | Schema::Double) => true,
        (Schema::Long, Schema::Float | Schema::Double) => true,
        (Schema::Float, Schema::Double) => true,
        (Schema::String, Schema::Bytes) | (Schema::Bytes, Schema::String) => true,
        (w, r) => std::mem::discriminant(w) == std::mem::discriminant(r),
    }
}

fn num(f: f64) -> Value {
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or_else(|| Value::String(f.to_string()))
}

fn latin1_string(b: &[u8]) -> Value {
    Value::String(b.iter().map(|&c| c as char).collect())
}

/// An `apache-avro` value as JSON (unions bare; bytes and fixed as code points 0–255).
pub fn to_json(v: &AvroValue) -> Result<Value, FormatError> {
    Ok(match v {
        AvroValue::Null => Value::Null,
        AvroValue::Boolean(b) => json!(b),
        AvroValue::Int(n) | AvroValue::Date(n) | AvroValue::TimeMillis(n) => json!(n),
        AvroValue::Long(n)
        | AvroValue::TimeMicros(n)
        | AvroValue::TimestampMillis(n)
        | AvroValue::TimestampMicros(n)
        | AvroValue::TimestampNanos(n)
        | AvroValue::LocalTimestampMillis(n)
        | AvroValue::LocalTimestampMicros(n)
        | AvroValue::LocalTimestampNanos(n) => json!(n),
        AvroValue::Float(f) => num(*f as f64),
        AvroValue::Double(f) => num(*f),
        AvroValue::Bytes(b) | AvroValue::Fixed(_, b) => latin1_string(b),
        AvroValue::String(s) => json!(s),
        AvroValue::Enum(_, s) => json!(s),
        AvroValue::Union(_, v) => to_json(v)?,
        AvroValue::Array(items) => {
            Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        AvroValue::Map(m) => {
            let mut o = Map::new();
            for (k, v) in m {
                o.insert(k.clone(), to_json(v)?);
            }
            Value::Object(o)
        }
        AvroValue::Record(fields) => {
            let mut o = Map::new();
            for (k, v) in fields {
                o.insert(k.clone(), to_json(v)?);
            }
            Value::Object(o)
        }
        AvroValue::Uuid(u) => json!(u.to_string()),
        other => {
            return Err(FormatError::decode_any(format!(
                "value {other:?} is not shown as JSON here"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::to_hex;

    fn enc(schema: &str, value: &str) -> String {
        let s = AvroSchema::parse(schema).unwrap();
        to_hex(&s.encode(&serde_json::from_str(value).unwrap()).unwrap())
    }

    /// The Avro specification's own examples ("Binary Encoding"): int/long zig-zag table, the
    /// string "foo", the union ["null","string"], arrays, and the record `test` {a: long 27,
    /// b: string "foo"}.
    #[test]
    fn avro_specification_examples() {
        for (n, hex) in [
            (0, "00"),
            (-1, "01"),
            (1, "02"),
            (-2, "03"),
            (2, "04"),
            (-64, "7f"),
            (64, "8001"),
        ] {
            assert_eq!(enc("\"int\"", &n.to_string()), hex, "int {n}");
            assert_eq!(enc("\"long\"", &n.to_string()), hex, "long {n}");
        }
        assert_eq!(enc("\"string\"", "\"foo\""), "06666f6f");
        // "the union schema ["null","string"] … null is encoded as 00, "a" as 02 02 61".
        assert_eq!(enc(r#"["null","string"]"#, "null"), "00");
        assert_eq!(enc(r#"["null","string"]"#, "\"a\""), "020261");
        // "an array of longs … [3, 27] … 04 06 36 00".
        assert_eq!(
            enc(r#"{"type":"array","items":"long"}"#, "[3, 27]"),
            "04063600"
        );
        // "a record with a long 27 and a string "foo" … 36 06 66 6f 6f".
        let rec = r#"{"type":"record","name":"test","fields":[{"name":"a","type":"long"},{"name":"b","type":"string"}]}"#;
        assert_eq!(enc(rec, r#"{"a":27,"b":"foo"}"#), "3606666f6f");
    }

    /// A number an int or a long cannot hold says why: out of range, or not whole (walk 11: "got
    /// a number" did not say).
    #[test]
    fn a_number_an_integer_refuses_says_why() {
        let err = |schema: &str, value: &str| {
            let s = AvroSchema::parse(schema).unwrap();
            s.encode(&serde_json::from_str(value).unwrap())
                .unwrap_err()
                .message
        };
        let rec = r#"{"type":"record","name":"O","fields":[{"name":"id","type":"long"}]}"#;
        let big = err(rec, r#"{"id":99999999999999999999999}"#);
        assert!(
            big.contains("expected long, got 1e+23, outside its range"),
            "{big}"
        );
        let int = err("\"int\"", "4294967296");
        assert!(int.contains("4294967296 does not fit an Avro int"), "{int}");
        let frac = err("\"long\"", "1.5");
        assert!(
            frac.contains("expected long, got 1.5, not a whole number"),
            "{frac}"
        );
        let kind = err("\"long\"", "\"7\"");
        assert!(kind.contains("expected long, got a string"), "{kind}");
    }

    /// kafka-semantics.md §12.3's own table (checked there with fastavro).
    #[test]
    fn notes_table() {
        assert_eq!(enc("\"long\"", "150"), "ac02");
        assert_eq!(enc("\"long\"", "-3"), "05");
        assert_eq!(enc("\"string\"", "\"hi\""), "046869");
        assert_eq!(enc("\"boolean\"", "true"), "01");
        assert_eq!(enc("\"float\"", "1.0"), "0000803f");
        assert_eq!(enc("\"double\"", "0.5"), "000000000000e03f");
        let user = r#"{"type":"record","name":"User","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"}]}"#;
        assert_eq!(enc(user, r#"{"id":7,"name":"Ann"}"#), "0e06416e6e");
        assert_eq!(
            enc(r#"{"type":"array","items":"int"}"#, "[1,-1]"),
            "04020100"
        );
        assert_eq!(
            enc(r#"{"type":"map","values":"int"}"#, r#"{"k":1}"#),
            "02026b0200"
        );
        assert_eq!(enc(r#"["null","long"]"#, "5"), "020a");
        assert_eq!(enc(r#"["null","long"]"#, r#"{"long":5}"#), "020a");
        assert_eq!(
            enc(
                r#"{"type":"enum","name":"C","symbols":["RED","GREEN","BLUE"]}"#,
                "\"GREEN\""
            ),
            "02"
        );
    }

    /// §12.3's resolution example: written as User{id:int,name:string}, read as
    /// User{id:long, email:string default "none"}.
    #[test]
    fn resolution_example() {
        let w = AvroSchema::parse(r#"{"type":"record","name":"User","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"}]}"#).unwrap();
        let r = AvroSchema::parse(r#"{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"email","type":"string","default":"none"}]}"#).unwrap();
        let v = w.decode(&[0x0e, 0x06, 0x41, 0x6e, 0x6e], Some(&r)).unwrap();
        assert_eq!(v, json!({"id": 7, "email": "none"}));
    }

    #[test]
    fn resolution_promotions_aliases_and_enum_default() {
        let dec = |ws: &str, rs: &str, bytes: &[u8]| {
            let w = AvroSchema::parse(ws).unwrap();
            let r = AvroSchema::parse(rs).unwrap();
            w.decode(bytes, Some(&r))
        };
        // int → double
        assert_eq!(dec("\"int\"", "\"double\"", &[0x0e]).unwrap(), json!(7.0));
        // long → float
        assert_eq!(dec("\"long\"", "\"float\"", &[0x04]).unwrap(), json!(2.0));
        // string ↔ bytes
        assert_eq!(
            dec("\"string\"", "\"bytes\"", &[0x04, b'h', b'i']).unwrap(),
            json!("hi")
        );
        assert_eq!(
            dec("\"bytes\"", "\"string\"", &[0x04, b'h', b'i']).unwrap(),
            json!("hi")
        );
        // a field renamed with an alias on the reader
        let w = r#"{"type":"record","name":"R","fields":[{"name":"old","type":"int"}]}"#;
        let r = r#"{"type":"record","name":"R","fields":[{"name":"new","type":"int","aliases":["old"]}]}"#;
        assert_eq!(dec(w, r, &[0x0e]).unwrap(), json!({"new": 7}));
        // a writer symbol unknown to the reader takes the reader's enum default
        let w = r#"{"type":"enum","name":"C","symbols":["RED","GREEN","BLUE"]}"#;
        let r = r#"{"type":"enum","name":"C","symbols":["RED","OTHER"],"default":"OTHER"}"#;
        assert_eq!(dec(w, r, &[0x04]).unwrap(), json!("OTHER"));
        // a writer union branch read by a non-union reader
        assert_eq!(
            dec(r#"["null","int"]"#, "\"long\"", &[0x02, 0x0e]).unwrap(),
            json!(7)
        );
        // a reader field without default missing from the writer: an error
        let r = r#"{"type":"record","name":"R","fields":[{"name":"x","type":"int"}]}"#;
        assert!(dec(w, r, &[0x00]).is_err());
    }

    #[test]
    fn explain_labels_bytes() {
        let s = AvroSchema::parse(r#"{"type":"record","name":"User","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"}]}"#).unwrap();
        let l = s.explain(&json!({"id": 7, "name": "Ann"})).unwrap();
        let labels: Vec<&str> = l.spans.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "value: record User",
                "field id: int 7 (zig-zag varint)",
                "field name: string length 3 (zig-zag varint)",
                "field name: string \"Ann\" (UTF-8)",
            ]
        );
        assert_eq!(
            (l.spans[0].start, l.spans[0].end),
            (0, 5),
            "the record spans its fields"
        );
        assert_eq!((l.spans[2].start, l.spans[2].end), (1, 2));
    }

    #[test]
    fn explain_keeps_a_bounded_number_of_spans() {
        let s = AvroSchema::parse(r#"{"type":"array","items":"boolean"}"#).unwrap();
        let v = Value::Array(vec![Value::Bool(true); 50_000]);
        let l = s.explain(&v).unwrap();
        assert_eq!(l.spans.len(), crate::layout::SPANS_MAX);
        assert_eq!(
            l.spans.len() + l.spans_omitted,
            50_000 + 3,
            "group, block count, items, end"
        );
        assert!(l.render().contains("more spans not shown"));
        // Decoding is not limited by the labels.
        assert_eq!(s.decode(&l.bytes, None).unwrap(), v);
    }

    #[test]
    fn missing_fields_take_their_defaults() {
        let s = AvroSchema::parse(
            r#"{"type":"record","name":"X","fields":[
            {"name":"a","type":["null","int"],"default":null},
            {"name":"b","type":["null","int"],"default":5},
            {"name":"c","type":"string","default":"z"}]}"#,
        )
        .unwrap();
        assert_eq!(crate::to_hex(&s.encode(&json!({})).unwrap()), "00020a027a");
    }

    /// A bare value inside a record inside a union: the record branch must accept it through
    /// its own union field.
    #[test]
    fn nested_unions_accept_bare_values() {
        let s = AvroSchema::parse(
            r#"["null",{"type":"record","name":"R","fields":[{"name":"c","type":["null","int"]},{"name":"d","type":["null",{"type":"map","values":["string","long"]}],"default":null}]}]"#,
        )
        .unwrap();
        assert_eq!(
            crate::to_hex(&s.encode(&json!({"c": 5})).unwrap()),
            "02020a00"
        );
        assert_eq!(
            crate::to_hex(&s.encode(&json!({"c": {"int": 5}, "d": {"k": 1}})).unwrap()),
            "02020a0202026b020200"
        );
    }

    #[test]
    fn union_branch_search_is_bounded() {
        // Level k has two records, each with a field `c` of type [null, level k-1's two records];
        // all are defined in one flat top-level union. A bare value 30 levels deep that fails
        // at the bottom has 2^30 branch paths.
        let mut defs = Vec::new();
        for k in 0..30 {
            let c = if k == 0 {
                json!(["null", "int"])
            } else {
                json!(["null", format!("L{}a", k - 1), format!("L{}b", k - 1)])
            };
            for side in ["a", "b"] {
                defs.push(json!({"type": "record", "name": format!("L{k}{side}"), "fields": [{"name": "c", "type": c}]}));
            }
        }
        let s = AvroSchema::parse(&serde_json::Value::Array(defs).to_string()).unwrap();
        let mut value = json!({"c": "not an int"});
        for _ in 0..30 {
            value = json!({ "c": value });
        }
        let e = s.encode(&value).unwrap_err();
        assert!(
            e.message.contains("too complex to choose a union branch"),
            "{e}"
        );
    }

    #[test]
    fn encode_errors_are_clear() {
        let s = AvroSchema::parse(
            r#"{"type":"record","name":"U","fields":[{"name":"id","type":"int"}]}"#,
        )
        .unwrap();
        let e = s.encode(&json!({})).unwrap_err();
        assert!(e.message.contains("missing field `id`"), "{e}");
        let e = s.encode(&json!({"id": 1u64 << 40})).unwrap_err();
        assert!(e.message.contains("does not fit an Avro int"), "{e}");
        let e = s.encode(&json!({"id": 1, "x": 2})).unwrap_err();
        assert!(e.message.contains("no field `x`"), "{e}");
    }

    #[test]
    fn huge_lengths_are_refused_before_allocation() {
        let s = AvroSchema::parse("\"string\"").unwrap();
        // length 2^40 then nothing
        let mut b = Vec::new();
        write_varlong(1 << 40, &mut b);
        assert!(s.decode(&b, None).is_err());
        let a = AvroSchema::parse(r#"{"type":"array","items":"null"}"#).unwrap();
        let mut b = Vec::new();
        write_varlong(1 << 40, &mut b);
        assert!(a.decode(&b, None).is_err());
    }

    /// The encoder here and `apache-avro`'s writer give the same bytes.
    #[test]
    fn same_bytes_as_apache_avro_writer() {
        let schema = r#"{"type":"record","name":"T","fields":[
            {"name":"a","type":"int"},{"name":"b","type":["null","string"]},
            {"name":"c","type":{"type":"array","items":"double"}},
            {"name":"d","type":{"type":"enum","name":"E","symbols":["X","Y"]}},
            {"name":"e","type":{"type":"fixed","name":"F","size":2}},
            {"name":"f","type":"bytes"}]}"#;
        let s = AvroSchema::parse(schema).unwrap();
        let ours = s.encode(&json!({"a": -5, "b": "hé", "c": [1.5, -2.0], "d": "Y", "e": "ab", "f": "\u{0}\u{ff}"})).unwrap();
        let value = AvroValue::Record(vec![
            ("a".into(), AvroValue::Int(-5)),
            (
                "b".into(),
                AvroValue::Union(1, Box::new(AvroValue::String("hé".into()))),
            ),
            (
                "c".into(),
                AvroValue::Array(vec![AvroValue::Double(1.5), AvroValue::Double(-2.0)]),
            ),
            ("d".into(), AvroValue::Enum(1, "Y".into())),
            ("e".into(), AvroValue::Fixed(2, b"ab".to_vec())),
            ("f".into(), AvroValue::Bytes(vec![0, 255])),
        ]);
        let theirs = apache_avro::to_avro_datum(&s.schema, value).unwrap();
        assert_eq!(ours, theirs);
    }
}
