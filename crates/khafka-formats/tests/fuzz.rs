//! Property tests: decoders never panic on random bytes, and encodings round-trip and agree with
//! the reference libraries.

use khafka_formats::avro::AvroSchema;
use khafka_formats::cell;
use khafka_formats::compression::Codec;
use khafka_formats::protobuf::ProtoSchema;
use khafka_formats::record_batch::{decode_record, Batch, Header, Record};
use khafka_formats::{confluent, decode, Format};
use proptest::prelude::*;

/// A fixed seed, so every run (and CI) tries the same cases, as the rest of the project is
/// deterministic; change it to explore.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x6b68_6166_6b61),
        ..ProptestConfig::default()
    }
}

const AVRO: &str = r#"{"type":"record","name":"R","fields":[
    {"name":"i","type":"int"},{"name":"l","type":"long"},{"name":"s","type":"string"},
    {"name":"b","type":"bytes"},{"name":"u","type":["null","string","double"]},
    {"name":"a","type":{"type":"array","items":"long"}},
    {"name":"m","type":{"type":"map","values":"boolean"}},
    {"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y","Z"]}},
    {"name":"f","type":{"type":"fixed","name":"F","size":3}},
    {"name":"n","type":["null",{"type":"record","name":"N","fields":[{"name":"x","type":"float"}]}]}]}"#;

const PROTO: &str = r#"syntax = "proto3";
message M {
  int32 i = 1; sint64 z = 2; string s = 3; bytes b = 4; repeated int32 r = 5;
  map<string, int64> m = 6; N n = 7; double d = 8; fixed32 f = 9; E e = 10;
  message N { string t = 1; repeated N kids = 2; }
  enum E { A = 0; B = 1; }
}"#;

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = decode(Format::Avro, AVRO, None, None, &bytes);
        let _ = decode(Format::Avro, AVRO, None, Some(r#"{"type":"record","name":"R","fields":[{"name":"l","type":"double"}]}"#), &bytes);
        let _ = decode(Format::Avro, r#"{"type":"array","items":{"type":"map","values":"null"}}"#, None, None, &bytes);
        let _ = decode(Format::Protobuf, PROTO, None, None, &bytes);
        let _ = decode(Format::Protobuf, PROTO, Some("M.N"), None, &bytes);
        let _ = decode(Format::Json, r#"{"type":"object"}"#, None, None, &bytes);
        let _ = Batch::decode(&bytes);
        let mut pos = 0;
        let _ = decode_record(&bytes, &mut pos);
        for c in [Codec::Gzip, Codec::Snappy, Codec::Lz4, Codec::Zstd] {
            let _ = c.decompress(&bytes);
        }
        // Past zstd's magic number, into its frame header and blocks.
        let _ = Codec::Zstd.decompress(&[&[0x28, 0xb5, 0x2f, 0xfd][..], &bytes].concat());
        // A lesson's format cell with random text: an error, never a panic.
        let text = String::from_utf8_lossy(&bytes);
        for kind in [cell::Kind::Encode, cell::Kind::Compat, cell::Kind::Decode] {
            let _ = cell::run(kind, &text, None);
            let _ = cell::run(kind, &format!("format avro\n{text}"), None);
        }
        let _ = confluent::unframe(&bytes, true);
        let answer: serde_json::Value = serde_json::from_str(&khafka_formats::api::handle_json(&String::from_utf8_lossy(&bytes))).unwrap();
        prop_assert_eq!(&answer["ok"], &serde_json::json!(false));
    }

    /// Batches with random bytes spliced after a valid header: CRC, length and records are
    /// checked, never trusted.
    #[test]
    fn corrupted_batches_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..100), codec in 0u8..4, flip in 0usize..200) {
        let codec = Codec::from_id(codec).unwrap();
        let mut b = Batch::of_values(codec, &[(Some(b"key".to_vec()), Some(tail.clone()))]).encode().unwrap();
        let i = flip % b.len();
        b[i] ^= 0x5a;
        let _ = Batch::decode(&b);
        b.extend(&tail);
        let _ = Batch::decode(&b);
    }

    #[test]
    fn avro_round_trip_and_same_bytes_as_apache_avro(
        i in any::<i32>(), l in any::<i64>(), s in "\\PC{0,20}", a in proptest::collection::vec(any::<i64>(), 0..5),
        e in 0usize..3, d in any::<f64>().prop_filter("finite", |d| d.is_finite()),
    ) {
        let schema = r#"{"type":"record","name":"R","fields":[{"name":"i","type":"int"},{"name":"l","type":"long"},
            {"name":"s","type":"string"},{"name":"a","type":{"type":"array","items":"long"}},
            {"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y","Z"]}},{"name":"u","type":["null","double"]}]}"#;
        let sym = ["X", "Y", "Z"][e];
        let v = serde_json::json!({"i": i, "l": l, "s": s, "a": a, "e": sym, "u": d});
        let parsed = AvroSchema::parse(schema).unwrap();
        let ours = parsed.encode(&v).unwrap();
        use apache_avro::types::Value as V;
        let theirs = apache_avro::to_avro_datum(&parsed.schema, V::Record(vec![
            ("i".into(), V::Int(i)), ("l".into(), V::Long(l)), ("s".into(), V::String(s.clone())),
            ("a".into(), V::Array(a.iter().map(|x| V::Long(*x)).collect())),
            ("e".into(), V::Enum(e as u32, sym.into())),
            ("u".into(), V::Union(1, Box::new(V::Double(d)))),
        ])).unwrap();
        prop_assert_eq!(&ours, &theirs);
        let back = parsed.decode(&ours, None).unwrap();
        prop_assert_eq!(back, v);
    }

    #[test]
    fn protobuf_round_trip(i in any::<i32>(), z in any::<i64>(), s in "\\PC{0,20}", r in proptest::collection::vec(any::<i32>(), 0..5)) {
        let m = ProtoSchema::parse(PROTO).unwrap().message(None).unwrap();
        let v = serde_json::json!({"i": i, "z": z.to_string(), "s": s, "r": r});
        let bytes = m.encode(&v).unwrap();
        // Without maps, the field-by-field encoding is prost-reflect's own.
        let reference = prost_reflect::DynamicMessage::deserialize(m.desc.clone(), &v).unwrap();
        prop_assert_eq!(&bytes, &prost::Message::encode_to_vec(&reference));
        let back = m.decode(&bytes).unwrap();
        // proto3 JSON leaves out fields at their default value.
        let mut expected = serde_json::Map::new();
        if i != 0 { expected.insert("i".into(), i.into()); }
        if z != 0 { expected.insert("z".into(), z.to_string().into()); }
        if !s.is_empty() { expected.insert("s".into(), s.clone().into()); }
        if !r.is_empty() { expected.insert("r".into(), r.clone().into()); }
        prop_assert_eq!(back, serde_json::Value::Object(expected));
    }

    #[test]
    fn records_round_trip(k in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
                          v in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
                          ts in any::<i64>(), od in any::<i32>(), hk in "[a-z]{0,8}") {
        let r = Record { timestamp_delta: ts, offset_delta: od, key: k, value: v, headers: vec![Header { key: hk, value: None }] };
        let b = khafka_formats::record_batch::encode_record(&r);
        prop_assert_eq!(b.len(), khafka_formats::record_batch::record_size(&r));
        let mut pos = 0;
        prop_assert_eq!(decode_record(&b, &mut pos).unwrap(), r);
    }
}

/// Random JSON Schemas from a small grammar of the keywords modelled.
fn json_schema() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    let leaf = prop_oneof![
        Just(json!({"type": "string"})),
        (0u64..10, 10u64..20)
            .prop_map(|(a, b)| json!({"type": "string", "minLength": a, "maxLength": b})),
        Just(json!({"type": "integer", "minimum": 0})),
        Just(json!({"type": "number"})),
        Just(json!({"type": "boolean"})),
        Just(json!({"type": "null"})),
        Just(json!({"enum": ["a", "b"]})),
        Just(json!({})),
        Just(json!(false)),
    ];
    leaf.prop_recursive(4, 40, 4, |inner| {
        prop_oneof![
            (
                proptest::collection::btree_map("[a-d]", inner.clone(), 0..4),
                any::<bool>(),
                any::<bool>()
            )
                .prop_map(|(props, closed, req)| {
                    let keys: Vec<String> = props.keys().cloned().collect();
                    let mut s = json!({"type": "object", "properties": props});
                    if closed {
                        s["additionalProperties"] = json!(false);
                    }
                    if req && !keys.is_empty() {
                        s["required"] = json!([keys[0]]);
                    }
                    s
                }),
            inner
                .clone()
                .prop_map(|i| json!({"type": "array", "items": i})),
            proptest::collection::vec(inner.clone(), 1..4).prop_map(|v| json!({"anyOf": v})),
            proptest::collection::vec(inner.clone(), 1..3).prop_map(|v| json!({"allOf": v})),
            inner.prop_map(|i| json!({"not": i})),
        ]
    })
}

/// Random Avro schemas: primitives, arrays, maps, unions, records with defaults, enums.
fn avro_schema() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    let leaf = prop_oneof![
        Just(json!("int")),
        Just(json!("long")),
        Just(json!("string")),
        Just(json!("bytes")),
        Just(json!("double")),
        Just(json!("boolean")),
    ];
    leaf.prop_recursive(3, 20, 3, |inner| {
        prop_oneof![
            inner
                .clone()
                .prop_map(|i| json!({"type": "array", "items": i})),
            inner
                .clone()
                .prop_map(|i| json!({"type": "map", "values": i})),
            // Unions may not directly contain unions.
            inner
                .clone()
                .prop_map(|i| if i.is_array() { i } else { json!(["null", i]) }),
            proptest::collection::vec(inner, 1..4).prop_map(|fields| {
                let fields: Vec<serde_json::Value> = fields
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| json!({"name": format!("f{i}"), "type": t}))
                    .collect();
                json!({"type": "record", "name": format!("R{}", fields.len()), "fields": fields})
            }),
        ]
    })
    .prop_filter("one definition per record name", |s| {
        let text = s.to_string();
        (1..4).all(|n| text.matches(&format!("\"name\":\"R{n}\"")).count() <= 1)
    })
}

proptest! {
    #![proptest_config(config(300))]

    /// A schema is compatible with itself: no incompatible difference, no Avro incompatibility,
    /// every level passes. (JSON Schema may still report compatible differences, as the
    /// registry's diff does: `NOT_TYPE_NARROWED` for any `not`, and, when two subschemas of a
    /// combination match each other crosswise, that pairing's differences.)
    #[test]
    fn schemas_are_compatible_with_themselves(j in json_schema(), a in avro_schema()) {
        use khafka_formats::json_compat::{compare, Policy};
        use khafka_formats::json_schema::Js;
        let js = Js::parse(&j.to_string()).unwrap();
        let diffs = compare(&js, &js, Policy::Strict);
        let incompatible: Vec<_> = diffs.iter().filter(|d| !Policy::Strict.allows(d.kind)).collect();
        prop_assert!(incompatible.is_empty(), "{:?}", incompatible);
        let av = AvroSchema::parse(&a.to_string()).unwrap();
        prop_assert_eq!(khafka_formats::avro_compat::check(&av, &av), vec![]);
        for level in ["BACKWARD", "FORWARD_TRANSITIVE", "FULL"] {
            let level = khafka_formats::CompatibilityLevel::parse(level).unwrap();
            let r = khafka_formats::check_compatibility(Format::Json, level, &j.to_string(), &[&j.to_string()]).unwrap();
            prop_assert!(r.compatible, "{:?}", r);
        }
    }
}

proptest! {
    #![proptest_config(config(200))]

    /// For any record, adding a field with a default passes FULL; without a default it fails
    /// BACKWARD at that field (`READER_FIELD_MISSING_DEFAULT_VALUE`) and passes FORWARD.
    #[test]
    fn adding_a_field_follows_the_rules(fields in proptest::collection::vec(avro_schema(), 1..4)) {
        use khafka_formats::{check_compatibility, CompatibilityLevel};
        use serde_json::json;
        let mut fs: Vec<serde_json::Value> =
            fields.into_iter().enumerate().map(|(i, t)| json!({"name": format!("f{i}"), "type": t})).collect();
        let old = json!({"type": "record", "name": "Top", "fields": fs.clone()}).to_string();
        let n = fs.len();
        fs.push(json!({"name": "added", "type": "string", "default": "d"}));
        let with_default = json!({"type": "record", "name": "Top", "fields": fs.clone()}).to_string();
        fs[n] = json!({"name": "added", "type": "string"});
        let without = json!({"type": "record", "name": "Top", "fields": fs}).to_string();
        let check = |level: &str, new: &str| check_compatibility(Format::Avro, CompatibilityLevel::parse(level).unwrap(), new, &[&old]).unwrap();
        prop_assert!(check("FULL", &with_default).compatible);
        let r = check("BACKWARD", &without);
        prop_assert!(!r.compatible);
        prop_assert_eq!(&r.incompatibilities[0].error_type, "READER_FIELD_MISSING_DEFAULT_VALUE");
        prop_assert_eq!(&r.incompatibilities[0].path, &format!("/fields/{n}"));
        prop_assert!(check("FORWARD", &without).compatible);
    }
}
