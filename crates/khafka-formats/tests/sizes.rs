//! The same records in each format, in a Kafka batch, with each codec: sizes measured by encoding
//! them, as docs/formats.md reports (`cargo test -p khafka-formats --test sizes -- --nocapture`
//! prints the table).

use khafka_formats::compression::Codec;
use khafka_formats::record_batch::{batch_sizes, Batch};
use khafka_formats::{encode, Format};

const AVRO: &str = include_str!("../../../docs/formats/user.avsc");
const PROTO: &str = include_str!("../../../docs/formats/user.proto");
const JSON: &str = include_str!("../../../docs/formats/user.schema.json");

/// (format, payload bytes, batch bytes per codec).
type Row = (Format, usize, Vec<(Codec, usize)>);

/// 500 users, keyed by id, as one batch per format and codec.
fn measure() -> Vec<Row> {
    [
        (Format::Avro, AVRO),
        (Format::Protobuf, PROTO),
        (Format::Json, JSON),
    ]
    .into_iter()
    .map(|(format, schema)| {
        let values: Vec<_> = (0..500)
            .map(|i| {
                let v = format!(r#"{{"id":{i},"name":"user-{i}"}}"#);
                let bytes = encode(format, schema, None, &v).unwrap();
                (Some(i.to_string().into_bytes()), Some(bytes))
            })
            .collect();
        let payload: usize = values
            .iter()
            .map(|(_, v)| v.as_ref().map_or(0, |v| v.len()))
            .sum();
        let batches = [Codec::None, Codec::Gzip, Codec::Snappy, Codec::Lz4]
            .into_iter()
            .map(|c| {
                (
                    c,
                    batch_sizes(&Batch::of_values(c, &values))
                        .unwrap()
                        .batch_bytes,
                )
            })
            .collect();
        (format, payload, batches)
    })
    .collect()
}

#[test]
fn sizes_of_the_same_records() {
    let table = measure();
    println!("format    values  batch: none   gzip  snappy   lz4");
    for (format, payload, batches) in &table {
        let b: Vec<String> = batches.iter().map(|(_, n)| format!("{n:>6}")).collect();
        println!(
            "{:<9} {payload:>6}         {}",
            format.schema_type(),
            b.join(" ")
        );
    }
    let get = |f: Format| table.iter().find(|(g, _, _)| *g == f).unwrap();
    let (avro, proto, json) = (get(Format::Avro), get(Format::Protobuf), get(Format::Json));
    // Avro writes no names or tags, Protobuf a tag per field, JSON every name in every record.
    assert!(avro.1 < proto.1 && proto.1 < json.1);
    // Uncompressed, the batch follows the payload; compression narrows the gap, since JSON's
    // repeated field names compress well.
    let none = |t: &Row| t.2[0].1;
    let gzip = |t: &Row| t.2[1].1;
    assert!(none(avro) < none(json));
    assert!(gzip(json) < none(json) / 2);
    let ratio = |a: usize, b: usize| a as f64 / b as f64;
    assert!(ratio(gzip(json), gzip(avro)) < ratio(none(json), none(avro)));
}
