//! Property tests: decoders never panic on random bytes, and encodings round-trip and agree with
//! the reference libraries.

use khafka_formats::avro::AvroSchema;
use khafka_formats::compression::Codec;
use khafka_formats::protobuf::ProtoSchema;
use khafka_formats::record_batch::{decode_record, Batch, Header, Record};
use khafka_formats::{confluent, decode, Format};
use proptest::prelude::*;

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
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

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
        for c in [Codec::Gzip, Codec::Snappy, Codec::Lz4] {
            let _ = c.decompress(&bytes);
        }
        let _ = confluent::unframe(&bytes, true);
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
