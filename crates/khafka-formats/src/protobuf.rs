//! Protobuf from a `.proto` typed at run time, with no generated code.
//!
//! `protox-parse` parses the source into a `FileDescriptorProto`; `prost-reflect` links it (names
//! resolved, maps and proto3 `optional` expanded as `protoc` does) and encodes and decodes
//! `DynamicMessage`s, whose JSON form is the proto3 JSON mapping (here with the `.proto` field
//! names, and 64-bit integers as strings as the mapping says).
//!
//! The wire format (Protobuf encoding guide): a message is `tag value` pairs, `tag = field << 3 |
//! wire type` as a varint; VARINT (0) for int32/int64/uint*/bool/enum (negative int32 and int64
//! take 10 bytes), sint* zig-zag; I64 (1) and I32 (5) little-endian; LEN (2) for strings, bytes,
//! messages and packed repeated scalars. proto3 fields with implicit presence are not written when
//! they hold their default.
//!
//! [`ProtoMessage::explain_bytes`] walks the bytes with the descriptor and labels each tag,
//! length and value; it bounds every length, so it also guards decoding of untrusted bytes.
//! A schema is one file: it may import the well-known types (`google/protobuf/timestamp.proto`,
//! `duration.proto`, `wrappers.proto`, `struct.proto`, `any.proto`, `empty.proto`, …), no other
//! file.

use crate::layout::Layout;
use crate::varint::{read_unsigned, unzigzag64};
use crate::{FormatError, Limits};
use prost::Message;
use prost_reflect::{
    DescriptorPool, DeserializeOptions, DynamicMessage, Kind, MessageDescriptor, ReflectMessage,
    SerializeOptions,
};
use serde_json::Value;

/// A parsed, linked `.proto` file.
#[derive(Clone, Debug)]
pub struct ProtoSchema {
    pub(crate) pool: DescriptorPool,
    pub(crate) file: prost_reflect::FileDescriptor,
}

/// One message type of a schema, with its Confluent message indexes.
#[derive(Clone, Debug)]
pub struct ProtoMessage {
    pub desc: MessageDescriptor,
    /// Path to the message in the file (`MessageIndexes`): index among top-level messages, then
    /// among nested messages (map entries, which the `.proto` text never declares, not counted).
    pub indexes: Vec<i32>,
}

const FILE_NAME: &str = "schema.proto";

impl ProtoSchema {
    /// Parses and links one `.proto` file.
    pub fn parse(text: &str) -> Result<ProtoSchema, FormatError> {
        crate::check_len("schema", text.len(), Limits::SCHEMA_BYTES_MAX)?;
        check_brace_depth(text)?;
        let fdp = protox_parse::parse(FILE_NAME, text)
            .map_err(|e| FormatError::schema(format!("Protobuf: {e}")))?;
        // The well-known types (google/protobuf/timestamp.proto, …) are in prost-reflect's
        // global pool; any other import would need a schema reference, not modelled.
        let mut pool = DescriptorPool::global();
        if let Some(dep) = fdp
            .dependency
            .iter()
            .find(|d| pool.get_file_by_name(d).is_none())
        {
            return Err(FormatError::schema(format!(
                "Protobuf: imports other than the well-known types are not supported (import \"{dep}\"); put every type in one file"
            )));
        }
        pool.add_file_descriptor_proto(fdp)
            .map_err(|e| FormatError::schema(format!("Protobuf: {e}")))?;
        let file = pool
            .get_file_by_name(FILE_NAME)
            .ok_or_else(|| FormatError::schema("Protobuf: file missing after linking"))?;
        if file.messages().len() == 0 {
            return Err(FormatError::schema(
                "Protobuf: the file declares no message",
            ));
        }
        Ok(ProtoSchema { pool, file })
    }

    /// The message `name` (full name, name within the package, or a unique simple name); the
    /// first top-level message when `None`, as the serializers default to.
    pub fn message(&self, name: Option<&str>) -> Result<ProtoMessage, FormatError> {
        let desc = match name {
            None => self
                .file
                .messages()
                .next()
                .ok_or_else(|| FormatError::schema("no message"))?,
            Some(n) => {
                let n = n.trim_start_matches('.');
                let pkg = self.file.package_name();
                let qualified = if pkg.is_empty() {
                    n.to_string()
                } else {
                    format!("{pkg}.{n}")
                };
                match self
                    .pool
                    .get_message_by_name(n)
                    .or_else(|| self.pool.get_message_by_name(&qualified))
                {
                    Some(d) => d,
                    None => {
                        let matches: Vec<MessageDescriptor> =
                            self.own_messages().filter(|m| m.name() == n).collect();
                        match matches.len() {
                            1 => matches.into_iter().next().expect("one"),
                            0 => {
                                let all: Vec<String> = self
                                    .own_messages()
                                    .map(|m| m.full_name().to_string())
                                    .collect();
                                return Err(FormatError::input(format!(
                                    "no message `{n}` in the schema (it has: {})",
                                    all.join(", ")
                                )));
                            }
                            _ => {
                                return Err(FormatError::input(format!(
                                    "message name `{n}` is ambiguous; give its full name"
                                )))
                            }
                        }
                    }
                }
            }
        };
        let indexes = message_indexes(&desc);
        Ok(ProtoMessage { desc, indexes })
    }
}

impl ProtoSchema {
    /// The messages this file declares, nested ones included (not the imported well-known types,
    /// not map entries).
    fn own_messages(&self) -> impl Iterator<Item = MessageDescriptor> + '_ {
        self.pool
            .all_messages()
            .filter(|m| m.parent_file().name() == FILE_NAME && !m.is_map_entry())
    }

    /// The message at `indexes` (`ProtobufSchema.toMessageName`); `[]` and `[0]` are the first
    /// top-level message.
    pub fn message_at(&self, indexes: &[i32]) -> Result<ProtoMessage, FormatError> {
        let mut level: Vec<MessageDescriptor> =
            self.file.messages().filter(|m| !m.is_map_entry()).collect();
        let mut found = None;
        let path: &[i32] = if indexes.is_empty() { &[0] } else { indexes };
        for &i in path {
            let m = usize::try_from(i)
                .ok()
                .and_then(|i| level.get(i).cloned())
                .ok_or_else(|| {
                    FormatError::decode_any(format!(
                        "message indexes {indexes:?} name no message of the schema"
                    ))
                })?;
            level = m.child_messages().filter(|c| !c.is_map_entry()).collect();
            found = Some(m);
        }
        let desc = found.ok_or_else(|| FormatError::decode_any("no message"))?;
        Ok(ProtoMessage {
            indexes: message_indexes(&desc),
            desc,
        })
    }
}

/// Refuses `.proto` text nested deeper than the limit (the parser recurses on braces).
fn check_brace_depth(text: &str) -> Result<(), FormatError> {
    let mut depth = 0usize;
    for c in text.bytes() {
        match c {
            b'{' | b'<' | b'[' => {
                depth += 1;
                if depth > Limits::DEPTH_MAX {
                    return Err(FormatError::schema(format!(
                        "Protobuf: nested deeper than {} levels",
                        Limits::DEPTH_MAX
                    )));
                }
            }
            b'}' | b'>' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// `ProtobufSchema.toMessageIndexes`: the path of indexes to a message, map entries skipped.
fn message_indexes(desc: &MessageDescriptor) -> Vec<i32> {
    let mut path = Vec::new();
    let mut cur = desc.clone();
    loop {
        let siblings: Vec<MessageDescriptor> = match cur.parent_message() {
            Some(p) => p.child_messages().collect(),
            None => cur.parent_file().messages().collect(),
        };
        let i = siblings
            .iter()
            .filter(|m| !m.is_map_entry())
            .position(|m| m.full_name() == cur.full_name())
            .unwrap_or(0);
        path.push(i as i32);
        match cur.parent_message() {
            Some(p) => cur = p,
            None => break,
        }
    }
    path.reverse();
    path
}

fn wire_name(wt: u64) -> &'static str {
    match wt {
        0 => "VARINT",
        1 => "I64",
        2 => "LEN",
        3 => "SGROUP",
        4 => "EGROUP",
        5 => "I32",
        _ => "invalid",
    }
}

fn kind_name(k: &Kind) -> String {
    match k {
        Kind::Double => "double".into(),
        Kind::Float => "float".into(),
        Kind::Int32 => "int32".into(),
        Kind::Int64 => "int64".into(),
        Kind::Uint32 => "uint32".into(),
        Kind::Uint64 => "uint64".into(),
        Kind::Sint32 => "sint32".into(),
        Kind::Sint64 => "sint64".into(),
        Kind::Fixed32 => "fixed32".into(),
        Kind::Fixed64 => "fixed64".into(),
        Kind::Sfixed32 => "sfixed32".into(),
        Kind::Sfixed64 => "sfixed64".into(),
        Kind::Bool => "bool".into(),
        Kind::String => "string".into(),
        Kind::Bytes => "bytes".into(),
        Kind::Message(m) => m.full_name().to_string(),
        Kind::Enum(e) => e.full_name().to_string(),
    }
}

impl ProtoMessage {
    /// Encodes a JSON value (proto3 JSON mapping) as this message.
    pub fn encode(&self, value: &Value) -> Result<Vec<u8>, FormatError> {
        let opts = DeserializeOptions::new().deny_unknown_fields(true);
        let msg = DynamicMessage::deserialize_with_options(self.desc.clone(), value, &opts)
            .map_err(|e| FormatError::encode(format!("Protobuf {}: {e}", self.desc.full_name())))?;
        Ok(encode_sorted(&msg))
    }

    /// Encodes and labels every byte.
    pub fn explain(&self, value: &Value) -> Result<Layout, FormatError> {
        let bytes = self.encode(value)?;
        self.explain_bytes(&bytes)
    }

    /// Labels bytes written as this message.
    pub fn explain_bytes(&self, bytes: &[u8]) -> Result<Layout, FormatError> {
        let mut w = PbWalker {
            buf: bytes,
            layout: Layout {
                bytes: bytes.to_vec(),
                ..Layout::default()
            },
        };
        w.message(&self.desc, 0, bytes.len(), 0)?;
        Ok(w.layout)
    }

    /// Decodes bytes into JSON (proto3 JSON mapping, `.proto` field names).
    pub fn decode(&self, bytes: &[u8]) -> Result<Value, FormatError> {
        self.explain_bytes(bytes)?;
        let msg = DynamicMessage::decode(self.desc.clone(), bytes).map_err(|e| {
            FormatError::decode_any(format!("Protobuf {}: {e}", self.desc.full_name()))
        })?;
        let opts = SerializeOptions::new().use_proto_field_name(true);
        msg.serialize_with_options(serde_json::value::Serializer, &opts)
            .map_err(|e| FormatError::decode_any(format!("Protobuf to JSON: {e}")))
    }
}

/// Encodes like `encode_to_vec`, fields in number order as protobuf-java does, but map entries in
/// key order: `prost-reflect` keeps maps in a `HashMap`, whose order changes from run to run, and
/// the same value must always give the same bytes.
fn encode_sorted(msg: &DynamicMessage) -> Vec<u8> {
    use prost_reflect::{MapKey, Value as PValue};
    let mut out = Vec::new();
    let nested = |out: &mut Vec<u8>, number: u32, body: &[u8]| {
        crate::varint::write_unsigned_varint(((number as u64) << 3) | 2, out);
        crate::varint::write_unsigned_varint(body.len() as u64, out);
        out.extend_from_slice(body);
    };
    for (field, value) in msg.fields() {
        match (value, field.kind()) {
            (PValue::Map(map), Kind::Message(entry_desc)) => {
                let (Some(key_field), Some(value_field)) =
                    (entry_desc.get_field(1), entry_desc.get_field(2))
                else {
                    continue;
                };
                let mut entries: Vec<(&MapKey, &PValue)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                for (k, v) in entries {
                    let mut entry = DynamicMessage::new(entry_desc.clone());
                    entry.set_field(&key_field, PValue::from(k.clone()));
                    entry.set_field(&value_field, v.clone());
                    nested(&mut out, field.number(), &encode_sorted(&entry));
                }
            }
            (PValue::Message(m), _) => nested(&mut out, field.number(), &encode_sorted(m)),
            (PValue::List(items), Kind::Message(_)) => {
                for item in items {
                    if let PValue::Message(m) = item {
                        nested(&mut out, field.number(), &encode_sorted(m));
                    }
                }
            }
            _ => {
                // A scalar, enum or packed list: the field alone, as prost-reflect writes it.
                let mut single = DynamicMessage::new(msg.descriptor());
                single.set_field(&field, value.clone());
                out.extend(single.encode_to_vec());
            }
        }
    }
    out
}

struct PbWalker<'a> {
    buf: &'a [u8],
    layout: Layout,
}

impl PbWalker<'_> {
    fn span(&mut self, start: usize, end: usize, depth: usize, label: String) {
        self.layout.label(start, end, depth, label);
    }

    fn varint(&mut self, pos: &mut usize, end: usize) -> Result<u64, FormatError> {
        let v = read_unsigned(&self.buf[..end], pos, 10)?;
        Ok(v)
    }

    fn message(
        &mut self,
        desc: &MessageDescriptor,
        mut pos: usize,
        end: usize,
        depth: usize,
    ) -> Result<(), FormatError> {
        if depth > Limits::DEPTH_MAX {
            return Err(FormatError::decode(
                pos,
                format!("messages nested deeper than {} levels", Limits::DEPTH_MAX),
            ));
        }
        while pos < end {
            let tag_at = pos;
            let tag = self.varint(&mut pos, end)?;
            let number = tag >> 3;
            let wt = tag & 7;
            if number == 0 || number > 536_870_911 {
                return Err(FormatError::decode(
                    tag_at,
                    format!("invalid field number {number}"),
                ));
            }
            let field = desc.get_field(number as u32);
            let fname = match &field {
                Some(f) => format!(
                    "field {number} `{}` ({}{})",
                    f.name(),
                    if f.is_list() { "repeated " } else { "" },
                    if f.is_map() {
                        "map".to_string()
                    } else {
                        kind_name(&f.kind())
                    }
                ),
                None => format!("unknown field {number}"),
            };
            self.span(
                tag_at,
                pos,
                depth,
                format!(
                    "{fname} tag (varint {tag:#x}, wire type {wt} {})",
                    wire_name(wt)
                ),
            );
            let kind = field.as_ref().map(|f| f.kind());
            match wt {
                0 => {
                    let at = pos;
                    let v = self.varint(&mut pos, end)?;
                    let shown = match &kind {
                        Some(Kind::Sint32) | Some(Kind::Sint64) => {
                            format!("zig-zag varint {}", unzigzag64(v))
                        }
                        Some(Kind::Int32) => format!(
                            "varint {}{}",
                            v as i64 as i32,
                            if (v as i64) < 0 {
                                " (negative: sign-extended to 10 bytes)"
                            } else {
                                ""
                            }
                        ),
                        Some(Kind::Int64) => format!("varint {}", v as i64),
                        Some(Kind::Bool) => format!("bool {}", v != 0),
                        Some(Kind::Enum(e)) => {
                            let n = v as i64 as i32;
                            match e.get_value(n) {
                                Some(ev) => format!("enum {} = {n} (varint)", ev.name()),
                                None => format!("enum value {n} (unknown to the schema)"),
                            }
                        }
                        _ => format!("varint {v}"),
                    };
                    self.span(at, pos, depth, shown);
                }
                1 | 5 => {
                    let n = if wt == 1 { 8 } else { 4 };
                    if end - pos < n {
                        return Err(FormatError::decode(
                            pos,
                            format!("{n}-byte value runs past the end"),
                        ));
                    }
                    let b = &self.buf[pos..pos + n];
                    let shown = match (&kind, n) {
                        (Some(Kind::Double), 8) => format!(
                            "double {} (8 bytes little-endian)",
                            f64::from_le_bytes(b.try_into().unwrap_or([0; 8]))
                        ),
                        (Some(Kind::Float), 4) => format!(
                            "float {} (4 bytes little-endian)",
                            f32::from_le_bytes(b.try_into().unwrap_or([0; 4]))
                        ),
                        (Some(Kind::Sfixed64), 8) => format!(
                            "sfixed64 {}",
                            i64::from_le_bytes(b.try_into().unwrap_or([0; 8]))
                        ),
                        (Some(Kind::Sfixed32), 4) => format!(
                            "sfixed32 {}",
                            i32::from_le_bytes(b.try_into().unwrap_or([0; 4]))
                        ),
                        (_, 8) => format!(
                            "fixed64 {} (8 bytes little-endian)",
                            u64::from_le_bytes(b.try_into().unwrap_or([0; 8]))
                        ),
                        _ => format!(
                            "fixed32 {} (4 bytes little-endian)",
                            u32::from_le_bytes(b.try_into().unwrap_or([0; 4]))
                        ),
                    };
                    self.span(pos, pos + n, depth, shown);
                    pos += n;
                }
                2 => {
                    let at = pos;
                    let len = self.varint(&mut pos, end)?;
                    if len > (end - pos) as u64 {
                        return Err(FormatError::decode(
                            at,
                            format!("length {len} runs past the end ({} bytes left)", end - pos),
                        ));
                    }
                    let len = len as usize;
                    let body_end = pos + len;
                    let packed = field.as_ref().is_some_and(|f| {
                        f.is_list()
                            && !matches!(f.kind(), Kind::String | Kind::Bytes | Kind::Message(_))
                    });
                    match &kind {
                        Some(Kind::String) => {
                            self.span(at, pos, depth, format!("string length {len}"));
                            let text = std::str::from_utf8(&self.buf[pos..body_end])
                                .map_err(|_| FormatError::decode(pos, "string is not UTF-8"))?;
                            if len > 0 {
                                self.span(pos, body_end, depth, format!("string {text:?} (UTF-8)"));
                            }
                        }
                        Some(Kind::Message(m)) => {
                            self.span(
                                at,
                                pos,
                                depth,
                                format!("embedded message {} length {len}", m.full_name()),
                            );
                            let m = m.clone();
                            self.message(&m, pos, body_end, depth + 1)?;
                        }
                        Some(k) if packed => {
                            self.span(
                                at,
                                pos,
                                depth,
                                format!("packed repeated {} length {len}", kind_name(k)),
                            );
                            let k = k.clone();
                            self.packed(&k, pos, body_end, depth + 1)?;
                        }
                        _ => {
                            self.span(at, pos, depth, format!("length {len}"));
                            if len > 0 {
                                self.span(pos, body_end, depth, format!("{len} bytes"));
                            }
                        }
                    }
                    pos = body_end;
                }
                _ => {
                    return Err(FormatError::decode(
                        tag_at,
                        format!("wire type {wt} ({}) is not supported", wire_name(wt)),
                    ));
                }
            }
        }
        if pos != end {
            return Err(FormatError::decode(pos, "message runs past its length"));
        }
        Ok(())
    }

    fn packed(
        &mut self,
        kind: &Kind,
        mut pos: usize,
        end: usize,
        depth: usize,
    ) -> Result<(), FormatError> {
        let mut i = 0usize;
        while pos < end {
            let at = pos;
            let shown = match kind {
                Kind::Double
                | Kind::Fixed64
                | Kind::Sfixed64
                | Kind::Float
                | Kind::Fixed32
                | Kind::Sfixed32 => {
                    let n = if matches!(kind, Kind::Double | Kind::Fixed64 | Kind::Sfixed64) {
                        8
                    } else {
                        4
                    };
                    if end - pos < n {
                        return Err(FormatError::decode(pos, "packed element runs past the end"));
                    }
                    pos += n;
                    format!("element {i} ({n} bytes)")
                }
                Kind::Sint32 | Kind::Sint64 => {
                    let v = self.varint(&mut pos, end)?;
                    format!("element {i}: zig-zag varint {}", unzigzag64(v))
                }
                _ => {
                    let v = self.varint(&mut pos, end)?;
                    format!("element {i}: varint {}", v as i64)
                }
            };
            self.span(at, pos, depth, shown);
            i += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::to_hex;
    use serde_json::json;

    fn enc(proto: &str, msg: Option<&str>, v: Value) -> String {
        let s = ProtoSchema::parse(proto).unwrap();
        to_hex(&s.message(msg).unwrap().encode(&v).unwrap())
    }

    /// The Protobuf encoding guide's own examples: `Test1 {a: 150}` → `08 96 01`; `Test2 {b:
    /// "testing"}` → `12 07 74 65 73 74 69 6e 67`; `Test3 {c: Test1{150}}` → `1a 03 08 96 01`;
    /// `Test4 {e: [1, 2, 3]}` packed → `32 06 03 8e 02 9e a7 05` for [3, 270, 86942].
    #[test]
    fn encoding_guide_examples() {
        let p = r#"syntax = "proto3";
            message Test1 { int32 a = 1; }
            message Test2 { string b = 2; }
            message Test3 { Test1 c = 3; }
            message Test4 { string d = 1; repeated int32 e = 6; }"#;
        assert_eq!(enc(p, Some("Test1"), json!({"a": 150})), "089601");
        assert_eq!(
            enc(p, Some("Test2"), json!({"b": "testing"})),
            "120774657374696e67"
        );
        assert_eq!(
            enc(p, Some("Test3"), json!({"c": {"a": 150}})),
            "1a03089601"
        );
        assert_eq!(
            enc(p, Some("Test4"), json!({"d": "hello", "e": [1, 2, 3]})),
            "0a0568656c6c6f3203010203"
        );
        assert_eq!(
            enc(p, Some("Test4"), json!({"e": [3, 270, 86942]})),
            "3206038e029ea705"
        );
    }

    /// kafka-semantics.md §12.4's own table (checked there with python protobuf).
    #[test]
    fn notes_table() {
        let p = r#"syntax = "proto3"; message M { string s = 1; sint64 z = 2; int32 i = 3; repeated int32 r = 4; bool b = 5; fixed32 f = 6; double d = 7; int32 n = 8; int32 x = 16; }"#;
        for (v, hex) in [
            (json!({"i": 300}), "18ac02"),
            (json!({"s": "hi"}), "0a026869"),
            (json!({"z": "-3"}), "1005"),
            (json!({"r": [1, 2, 300]}), "22040102ac02"),
            (json!({"n": -2}), "40feffffffffffffffff01"),
            (json!({"b": true}), "2801"),
            (json!({"f": 1}), "3501000000"),
            (json!({"d": 1.0}), "39000000000000f03f"),
            (json!({"x": 1}), "800101"),
            (json!({"i": 0}), ""),
        ] {
            assert_eq!(enc(p, None, v.clone()), hex, "{v}");
        }
    }

    /// Map entries come out in key order whatever the order of insertion, and equal what
    /// `prost-reflect` writes for a map of one entry.
    #[test]
    fn maps_encode_in_key_order() {
        let s = ProtoSchema::parse(r#"syntax = "proto3"; message M { map<string, int32> m = 1; N n = 2; } message N { map<int32, string> k = 1; }"#).unwrap();
        let m = s.message(Some("M")).unwrap();
        let v = json!({"m": {"b": 2, "a": 1, "c": 3}, "n": {"k": {"5": "x", "-1": "y"}}});
        let bytes = m.encode(&v).unwrap();
        // m (field 1): entries a, b, c, each `0a 05` then key `0a 01 <k>` and value `10 <v>`.
        // n (field 2, 23 bytes): its map k with entry -1 (an int32 key sign-extended to ten
        // bytes) before entry 5.
        let expected = [
            "0a050a01611001",
            "0a050a01621002",
            "0a050a01631003",
            "1217",
            "0a0e08ffffffffffffffffff01120179",
            "0a050805120178",
        ]
        .concat();
        assert_eq!(to_hex(&bytes), expected);
        for _ in 0..20 {
            assert_eq!(m.encode(&v).unwrap(), bytes, "the same bytes every time");
        }
        let one = json!({"m": {"a": 1}});
        let msg = DynamicMessage::deserialize(m.desc.clone(), &one).unwrap();
        assert_eq!(m.encode(&one).unwrap(), msg.encode_to_vec());
        assert_eq!(
            m.decode(&bytes).unwrap(),
            json!({"m": {"a": 1, "b": 2, "c": 3}, "n": {"k": {"-1": "y", "5": "x"}}})
        );
    }

    #[test]
    fn explain_and_decode() {
        let s = ProtoSchema::parse(
            r#"syntax = "proto3"; message Test1 { int32 a = 1; sint32 z = 2; }"#,
        )
        .unwrap();
        let m = s.message(None).unwrap();
        let l = m.explain(&json!({"a": 150, "z": 42})).unwrap();
        assert_eq!(
            l.spans[0].label,
            "field 1 `a` (int32) tag (varint 0x8, wire type 0 VARINT)"
        );
        assert_eq!(
            (l.spans[1].start, l.spans[1].end, l.spans[1].label.as_str()),
            (1, 3, "varint 150")
        );
        assert_eq!(l.spans[3].label, "zig-zag varint 42");
        assert_eq!(m.decode(&l.bytes).unwrap(), json!({"a": 150, "z": 42}));
        assert!(m.decode(&[0x08]).is_err(), "truncated");
        assert!(m.decode(&[0x0a, 0x7f]).is_err(), "length past the end");
    }

    #[test]
    fn message_indexes_skip_map_entries() {
        let s = ProtoSchema::parse(
            r#"syntax = "proto3"; package p;
            message A { map<string, int32> m = 1; message B {} message C {} }
            message D {}"#,
        )
        .unwrap();
        assert_eq!(s.message(None).unwrap().indexes, vec![0]);
        assert_eq!(s.message(Some("D")).unwrap().indexes, vec![1]);
        assert_eq!(s.message(Some("A.C")).unwrap().indexes, vec![0, 1]);
        assert_eq!(s.message(Some("p.A.B")).unwrap().indexes, vec![0, 0]);
        assert!(s.message(Some("Z")).is_err());
    }

    #[test]
    fn message_at_indexes() {
        let s = ProtoSchema::parse(r#"syntax = "proto3"; message A { map<string, int32> m = 1; message B {} } message D {}"#).unwrap();
        assert_eq!(s.message_at(&[]).unwrap().desc.name(), "A");
        assert_eq!(s.message_at(&[1]).unwrap().desc.name(), "D");
        assert_eq!(s.message_at(&[0, 0]).unwrap().desc.name(), "B");
        assert!(s.message_at(&[2]).is_err());
        assert!(s.message_at(&[-1]).is_err());
    }

    #[test]
    fn schema_errors_are_clear() {
        assert!(ProtoSchema::parse("message {")
            .unwrap_err()
            .message
            .contains("Protobuf"));
        assert!(
            ProtoSchema::parse(r#"syntax = "proto3"; import "x.proto"; message A {}"#)
                .unwrap_err()
                .message
                .contains("imports")
        );
        assert!(ProtoSchema::parse(r#"syntax = "proto3"; message A { Unknown u = 1; }"#).is_err());
    }

    /// The well-known types can be imported; a Timestamp takes the JSON mapping's RFC 3339 form.
    #[test]
    fn well_known_types() {
        let s = ProtoSchema::parse(
            r#"syntax = "proto3"; import "google/protobuf/timestamp.proto"; message E { google.protobuf.Timestamp at = 1; }"#,
        )
        .unwrap();
        let m = s.message(None).unwrap();
        assert_eq!(m.indexes, vec![0]);
        let b = m.encode(&json!({"at": "1970-01-01T00:00:01.5Z"})).unwrap();
        // at: field 1, LEN 8: seconds (field 1) = 1, nanos (field 2) = 500,000,000 (5 bytes).
        assert_eq!(to_hex(&b), "0a0808011080cab5ee01");
        assert_eq!(
            m.decode(&b).unwrap(),
            json!({"at": "1970-01-01T00:00:01.500Z"})
        );
    }
}
