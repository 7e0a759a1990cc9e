//! The engine's wire sizes against real record batches (`khafka-formats`), and its per-codec
//! compression ratios against the real codecs.
//!
//! The engine does not encode records: it adds up `DefaultRecord.sizeInBytes` and the 61-byte
//! batch header (`khafka_sim::msg::wire`), and shrinks a compressed batch by a ratio per codec
//! and batch size (`COMPRESSION_POINTS_PPM`; a whole batch's: `COMPRESSION_RATIO_PPM`). This test encodes the same batches with `khafka-formats` and
//! compresses a representative batch with the codecs Kafka's clients use (gzip, snappy and lz4 from
//! `khafka-formats`, zstd from libzstd at Kafka's default level 3), and fails if the engine's figures
//! differ from what they give.

use khafka_formats::compression::Codec;
use khafka_formats::record_batch::{self, Batch, Record};
use khafka_sim::msg::wire::{self, CompressionType, COMPRESSION_RATIO_PPM};

/// A small deterministic generator (no dependency on the engine's).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Below a random power of two under `2^bits` (small values as often as large ones).
    fn scaled(&mut self, bits: u64) -> u64 {
        let b = self.below(bits);
        self.below(1 << b)
    }
}

/// The representative batch: what a producer with Kafka's default `batch.size` (16384) and records
/// of about 100 bytes fills — JSON events (a user, an event type, a page, a timestamp, a session
/// id), keyed `user-N` over 100 users, sent about 1 ms apart. Real payloads compress better or
/// worse than this; the lesson and the honesty page say so.
fn representative_records() -> Vec<Record> {
    const EVENTS: &[&str] = &["page_view", "add_to_cart", "search", "checkout", "login"];
    let mut rng = Lcg(42);
    let mut out = Vec::new();
    let mut size = record_batch::RECORD_BATCH_OVERHEAD;
    let mut ts = 1_700_000_000_000u64;
    loop {
        let user = rng.below(100);
        let value = format!(
            "{{\"user\":\"user-{user}\",\"event\":\"{}\",\"page\":\"/products/{}\",\"ts\":{ts},\"session\":\"{:08x}\"}}",
            EVENTS[rng.below(EVENTS.len() as u64) as usize],
            rng.below(5_000),
            rng.next() as u32,
        );
        let r = Record {
            timestamp_delta: out.len() as i64,
            offset_delta: out.len() as i32,
            key: Some(format!("user-{user}").into_bytes()),
            value: Some(value.into_bytes()),
            headers: Vec::new(),
        };
        let n = record_batch::record_size(&r);
        if size + n > 16_384 {
            return out;
        }
        size += n;
        ts += 1;
        out.push(r);
    }
}

fn framed(records: &[Record]) -> Vec<u8> {
    records
        .iter()
        .flat_map(record_batch::encode_record)
        .collect()
}

/// What the codecs give on the representative batch, in the engine's unit (ppm, rounded down: the engine rounds the compressed size up).
fn measured_ratios() -> [u64; 5] {
    let data = framed(&representative_records());
    let ppm = |compressed: usize| compressed as u64 * 1_000_000 / data.len() as u64;
    let codec = |c: Codec| ppm(c.compress(&data).expect("compresses").len());
    [
        1_000_000,
        codec(Codec::Gzip),
        codec(Codec::Snappy),
        codec(Codec::Lz4),
        ppm(zstd::stream::encode_all(&data[..], 3)
            .expect("zstd compresses")
            .len()),
    ]
}

/// The codecs on the first `n` records of the representative batch, for each of the engine's
/// record counts: `(bytes of the framed records, ppm per codec: gzip, snappy, lz4, zstd)`.
fn measured_points() -> Vec<(u32, [u32; 4])> {
    let records = representative_records();
    wire::REPRESENTATIVE_COUNTS
        .iter()
        .map(|&n| {
            let data = framed(&records[..(n as usize).min(records.len())]);
            let ppm = |c: usize| (c as u64 * 1_000_000 / data.len() as u64) as u32;
            let codec = |c: Codec| ppm(c.compress(&data).expect("compresses").len());
            let zstd = ppm(zstd::stream::encode_all(&data[..], 3)
                .expect("zstd compresses")
                .len());
            (
                data.len() as u32,
                [
                    codec(Codec::Gzip),
                    codec(Codec::Snappy),
                    codec(Codec::Lz4),
                    zstd,
                ],
            )
        })
        .collect()
}

/// A batch of a few records compresses worse than a full one (the codecs' headers and trailers,
/// and less to find repeats in): the engine's ratios by batch size are the codecs' on the first
/// records of the representative batch.
#[test]
fn the_engines_compression_ratios_by_batch_size_are_the_codecs_on_the_representative_records() {
    let measured = measured_points();
    for (bytes, ppm) in &measured {
        println!(
            "{bytes:>6} B: gzip {:.1} %, snappy {:.1} %, lz4 {:.1} %, zstd {:.1} %",
            ppm[0] as f64 / 1e4,
            ppm[1] as f64 / 1e4,
            ppm[2] as f64 / 1e4,
            ppm[3] as f64 / 1e4
        );
    }
    let bytes: Vec<u32> = measured.iter().map(|m| m.0).collect();
    let ppm: Vec<[u32; 4]> = measured.iter().map(|m| m.1).collect();
    assert_eq!(
        (bytes.as_slice(), ppm.as_slice()),
        (
            &wire::REPRESENTATIVE_BYTES[..],
            &wire::COMPRESSION_POINTS_PPM[..]
        ),
        "update `REPRESENTATIVE_BYTES` and `COMPRESSION_POINTS_PPM` in \
         crates/khafka-sim/src/protocol/wire.rs"
    );
    // The last point is the whole batch, the ratio quoted in the docs.
    let last = measured.last().expect("points").1;
    let full = measured_ratios();
    assert_eq!(last.map(u64::from), [full[1], full[2], full[3], full[4]]);
}

#[test]
fn the_engines_compression_ratios_are_the_codecs_on_the_representative_batch() {
    let measured = measured_ratios();
    let records = representative_records();
    println!(
        "representative batch: {} records, {} bytes of framed records",
        records.len(),
        framed(&records).len()
    );
    for (name, ppm) in CompressionType::NAMES.iter().zip(measured) {
        println!(
            "{name}: {:.1} % of the records' bytes",
            ppm as f64 / 10_000.0
        );
    }
    assert_eq!(
        COMPRESSION_RATIO_PPM, measured,
        "the codecs give {measured:?} (ppm): update `COMPRESSION_RATIO_PPM` in \
         crates/khafka-sim/src/protocol/wire.rs, and the figures in docs/what-khafka-models.md"
    );
}

#[test]
fn record_sizes_match_encoded_records() {
    let mut rng = Lcg(7);
    for _ in 0..2_000 {
        let offset_delta = rng.scaled(20) as u32;
        let ts_delta = rng.scaled(40);
        let key_len = match rng.below(3) {
            0 => None,
            _ => Some(rng.scaled(16) as u32),
        };
        let value_len = rng.scaled(21) as u32;
        let r = Record {
            timestamp_delta: ts_delta as i64,
            offset_delta: offset_delta as i32,
            key: key_len.map(|n| vec![b'k'; n as usize]),
            value: Some(vec![b'v'; value_len as usize]),
            headers: Vec::new(),
        };
        assert_eq!(
            wire::record_size(offset_delta, ts_delta, key_len, value_len),
            record_batch::record_size(&r) as u64,
            "{r:?}"
        );
        assert_eq!(
            record_batch::record_size(&r),
            record_batch::encode_record(&r).len()
        );
    }
}

#[test]
fn an_uncompressed_batch_is_its_header_and_its_records() {
    let records = representative_records();
    let engine: u64 = records
        .iter()
        .map(|r| {
            wire::record_size(
                r.offset_delta as u32,
                r.timestamp_delta as u64,
                r.key.as_ref().map(|k| k.len() as u32),
                r.value.as_ref().map_or(0, |v| v.len() as u32),
            )
        })
        .sum();
    let batch = Batch {
        records,
        ..Batch::default()
    };
    assert_eq!(
        wire::RECORD_BATCH_OVERHEAD + engine,
        batch.encode().expect("encodes").len() as u64
    );
    // Compressed: the header, then the compressed records (the engine's ratio is the codec's here).
    let gz = Batch {
        codec: Codec::Gzip,
        ..batch.clone()
    };
    let sizes = record_batch::batch_sizes(&gz).expect("encodes");
    assert_eq!(
        wire::RECORD_BATCH_OVERHEAD + CompressionType::Gzip.compressed(engine),
        sizes.batch_bytes as u64
    );
}

/// A producer with a schema serializer and a `compression.type`: the codecs measure its ratios on
/// real batches of its records before the run (`sim_table::compression_points`), and the
/// engine's batches of it are then exactly the size of the real batches at a measured record
/// count. Records 100 ms apart with null keys, as the engine sends them: one-record batches
/// (`linger.ms=0`), and eight-record batches (`linger.ms=750`: the records sent at 0, 100, …,
/// 700 ms after the first). The producer starts once its connection is up (`start=1s`), so its
/// first batch does not gather the records sent while it connects.
#[test]
fn a_schema_producers_batches_are_real_compressed_batches_of_its_records() {
    use khafka_sim::{Sim, SimOptions};
    const SCHEMA: &str = r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"},{"name":"note","type":"string"}]}"#;
    const VALUE: &str = r#"{"id":7,"note":"a note that repeats in every record"}"#;
    let value =
        khafka_formats::explain_framed(khafka_formats::Format::Avro, SCHEMA, None, VALUE, Some(1))
            .expect("encodes")
            .bytes;
    let real_batch = |codec: Codec, n: usize| {
        let records = record_batch::spaced_records(&value, n, 100);
        Batch {
            codec,
            records,
            ..Batch::default()
        }
        .encode()
        .expect("encodes")
        .len() as u64
    };
    let acked_bytes = |codec: &str, linger_ms: u32| {
        let src = format!(
            "seed 1\ncluster brokers=1\ntopic t partitions=1 replication.factor=1\n\
             schema order avro {SCHEMA}\n\
             producer p topic=t acks=1 rate=10/s count=32 start=1s linger.ms={linger_ms} compression.type={codec} \
             value.serializer=avro value.schema=order value={VALUE}\nrun 10s\n"
        );
        let scenario = khafka_tests::parse(&src).expect("parses");
        let mut sim = Sim::with_options(scenario.spec, SimOptions::default());
        sim.run();
        let t = sim.outcome().throughput;
        t.acked_bytes
    };
    for codec in [Codec::Gzip, Codec::Snappy, Codec::Lz4] {
        let one = real_batch(codec, 1);
        let eight = real_batch(codec, 8);
        println!(
            "{}: a one-record batch {one} B, an eight-record batch {eight} B (uncompressed {} and {})",
            codec.name(),
            real_batch(Codec::None, 1),
            real_batch(Codec::None, 8)
        );
        assert_eq!(acked_bytes(codec.name(), 0), 32 * one, "{}", codec.name());
        assert_eq!(
            acked_bytes(codec.name(), 750),
            4 * eight,
            "{}",
            codec.name()
        );
    }
    // zstd is decoded, not encoded, by the formats crate: its fixed ratio stays.
    let records = real_batch(Codec::None, 1) - wire::RECORD_BATCH_OVERHEAD;
    assert_eq!(
        acked_bytes("zstd", 0),
        32 * (wire::RECORD_BATCH_OVERHEAD + CompressionType::Zstd.compressed(records))
    );
}
