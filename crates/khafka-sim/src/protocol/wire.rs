//! How many bytes a message takes on the wire, as Kafka would write it: produce requests and fetch
//! responses from their record batches (magic v2: a 61-byte header, then each record framed with
//! varints, `DefaultRecord.sizeInBytes`), compressed by the producer's `compression.type` at the
//! ratio its codec gives on representative records of the batch's size — or, for a producer with
//! a schema serializer, at the ratios its codec
//! gave on real batches of its records, measured before the run (`compressed_by_points`); other
//! requests and responses a small fixed size.
//!
//! The record arithmetic mirrors `khafka-formats` (`record_batch::record_size`), which encodes real
//! batches; `tests/wire_sizes.rs` checks the two agree. The ratios are measured by
//! `tests/wire_sizes.rs`, which compresses a representative batch with the real codecs
//! and fails if a constant here drifts from what they give.

use super::{Fetch, Msg, Produce};
use crate::log::BatchStore;
use serde::{Deserialize, Serialize};

/// `DefaultRecordBatch.RECORD_BATCH_OVERHEAD`: the batch header before the records.
pub const RECORD_BATCH_OVERHEAD: u64 = 61;

/// `DefaultRecord.MAX_RECORD_OVERHEAD`: the most a record's framing (length, attributes,
/// timestamp and offset deltas) takes beside its key, value and headers.
pub const MAX_RECORD_OVERHEAD: u64 = 21;

/// `AbstractRecords.estimateSizeInBytesUpperBound` for magic v2 without headers
/// (`DefaultRecordBatch.estimateBatchSizeUpperBound`): the size `KafkaProducer.doSend` compares
/// with `max.request.size` before the record reaches the accumulator.
pub fn record_size_upper_bound(key_len: Option<u32>, value_len: u32) -> u64 {
    RECORD_BATCH_OVERHEAD + MAX_RECORD_OVERHEAD + key_field(key_len) + value_field(value_len)
}

/// The size prefix, request header (api key, version, correlation id, a short client id, tagged
/// fields), acks and timeout of a produce request, and the topic's name and array framing.
/// An approximation: Kafka's exact figure depends on the API version and the names.
pub const PRODUCE_REQUEST_OVERHEAD: u64 = 48;
/// Per partition of a produce request: its index, the records' length prefix, tagged fields.
pub const PRODUCE_PARTITION_OVERHEAD: u64 = 10;
/// A fetch response's size prefix, header, throttle time, error code, session id and topic framing.
pub const FETCH_RESPONSE_OVERHEAD: u64 = 40;
/// Per partition of a fetch response: index, error code, high watermark, last stable offset, log
/// start offset, aborted transactions, preferred replica, the records' length prefix.
pub const FETCH_PARTITION_OVERHEAD: u64 = 44;
/// Every other request or response (metadata, heartbeats, fetch requests, produce responses, the
/// quorum's and the groups' APIs): a small fixed size.
pub const SMALL_MESSAGE: u64 = 64;

/// The bytes of an unsigned-zigzag varint of `v` (`ByteUtils.sizeOfVarint`, branch-free as
/// Kafka's: `((38 - leadingZeros) * 0b10010010010010011 >>> 19) + (leadingZeros >>> 5)`).
#[inline]
pub fn varint_size(v: i32) -> u64 {
    let lz = (((v << 1) ^ (v >> 31)) as u32).leading_zeros() as u64;
    (((38 - lz) * 0b10010010010010011) >> 19) + (lz >> 5)
}

/// The bytes of a zigzag varlong of `v` (`ByteUtils.sizeOfVarlong`).
#[inline]
pub fn varlong_size(v: i64) -> u64 {
    let lz = (((v << 1) ^ (v >> 63)) as u64).leading_zeros() as u64;
    (((70 - lz) * 0b10010010010010011) >> 19) + (lz >> 6)
}

/// The bytes a key takes in a record: its length varint and its bytes (`None`: null, length −1).
#[inline]
pub fn key_field(key_len: Option<u32>) -> u64 {
    match key_len {
        None => 1,
        Some(k) => varint_size(k as i32) + k as u64,
    }
}

/// The bytes a value of `value_len` takes in a record, with the header count (0) after it.
#[inline]
pub fn value_field(value_len: u32) -> u64 {
    varint_size(value_len as i32) + value_len as u64 + 1
}

/// `DefaultRecord.sizeInBytes` for a record without headers: the length varint, attributes,
/// timestamp delta, offset delta, key (`None`: null, length −1) and value.
pub fn record_size(
    offset_delta: u32,
    timestamp_delta_ms: u64,
    key_len: Option<u32>,
    value_len: u32,
) -> u64 {
    record_size_of_fields(
        offset_delta,
        timestamp_delta_ms,
        key_field(key_len),
        value_field(value_len),
    )
}

/// [`record_size`] from a key's and a value's fields ([`key_field`], [`value_field`]).
#[inline]
pub fn record_size_of_fields(
    offset_delta: u32,
    timestamp_delta_ms: u64,
    key_field: u64,
    value_field: u64,
) -> u64 {
    let deltas = if offset_delta < 64 && timestamp_delta_ms < 64 {
        2
    } else {
        varlong_size(timestamp_delta_ms.min(i64::MAX as u64) as i64)
            + varint_size(offset_delta as i32)
    };
    let body = 1 + deltas + key_field + value_field;
    varint_size(body.min(i32::MAX as u64) as i32) + body
}

/// The producer's `compression.type`. `None` is Kafka's default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CompressionType {
    #[default]
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

/// A whole representative batch's compressed size over its uncompressed records, in parts per
/// million, per codec (`None` first): gzip 21.8 %, snappy 35.4 %, lz4 33.2 %, zstd 20.6 %.
/// Measured by `tests/wire_sizes.rs` on a 16 KB batch of 138 JSON events of about 100 bytes
/// keyed over 100 users (gzip level 6, snappy in xerial's framing, an lz4 frame, zstd level 3:
/// Kafka's defaults); the test fails if a figure here differs from the codecs' output. Smaller
/// batches compress worse: [`COMPRESSION_POINTS_PPM`].
pub const COMPRESSION_RATIO_PPM: [u64; 5] = [1_000_000, 217_691, 353_895, 332_181, 205_539];

/// The record counts of the representative batch's prefixes the engine's ratios by batch size are
/// measured at (the last: the whole batch, 138 records).
pub const REPRESENTATIVE_COUNTS: [u32; 9] = [1, 2, 4, 8, 16, 32, 64, 128, 138];

/// The bytes of those prefixes' framed records.
pub const REPRESENTATIVE_BYTES: [u32; 9] = [120, 239, 470, 934, 1866, 3722, 7450, 15031, 16211];

/// The codecs' output on those prefixes, in ppm of their bytes, per codec (gzip, snappy, lz4,
/// zstd): small batches compress worse (gzip's 18 bytes of header and trailer make one record
/// bigger). Measured by `tests/wire_sizes.rs`, which fails if a figure here drifts.
pub const COMPRESSION_POINTS_PPM: [[u32; 4]; 9] = [
    [991_666, 1_125_000, 1_091_666, 975_000],
    [648_535, 748_953, 719_665, 627_615],
    [478_723, 612_765, 591_489, 482_978],
    [373_661, 523_554, 498_929, 374_732],
    [295_819, 438_906, 412_111, 280_278],
    [253_089, 397_904, 373_186, 232_939],
    [227_382, 370_738, 347_785, 207_382],
    [218_282, 354_999, 333_178, 204_510],
    [217_691, 353_895, 332_181, 205_539],
];

impl CompressionType {
    pub const NAMES: &'static [&'static str] = &["none", "gzip", "snappy", "lz4", "zstd"];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "none" => CompressionType::None,
            "gzip" => CompressionType::Gzip,
            "snappy" => CompressionType::Snappy,
            "lz4" => CompressionType::Lz4,
            "zstd" => CompressionType::Zstd,
            _ => return None,
        })
    }

    /// The bytes `records` uncompressed bytes of framed records take once compressed (at least 1),
    /// at the codec's ratio for a batch of that size ([`COMPRESSION_POINTS_PPM`], interpolated
    /// linearly between the measured sizes; the whole batch's ratio beyond it).
    pub fn compressed(self, records: u64) -> u64 {
        let c = match self {
            CompressionType::None => return records,
            other => other as usize - 1,
        };
        let points: [(u64, u32); 9] =
            std::array::from_fn(|i| (REPRESENTATIVE_BYTES[i] as u64, COMPRESSION_POINTS_PPM[i][c]));
        apply_ppm(records, ppm_at(records, &points))
    }
}

/// The ratio at `x` of the measured `(x, ppm)` points (increasing `x`): the first's below them,
/// the last's above, linear between the two around it.
fn ppm_at<X: Copy + Into<u64>>(x: u64, points: &[(X, u32)]) -> u64 {
    match points.iter().position(|&(m, _)| m.into() >= x) {
        None => points.last().map_or(1_000_000, |p| p.1 as u64),
        Some(0) => points[0].1 as u64,
        Some(i) => {
            let ((x0, p0), (x1, p1)) = (points[i - 1], points[i]);
            let (x0, p0, x1, p1) = (x0.into() as i64, p0 as i64, x1.into() as i64, p1 as i64);
            (p0 + (p1 - p0) * (x as i64 - x0) / (x1 - x0).max(1)).max(0) as u64
        }
    }
}

/// `records` bytes shrunk to `ppm` parts per million, rounded up, at least 1.
fn apply_ppm(records: u64, ppm: u64) -> u64 {
    ((records as u128 * ppm as u128).div_ceil(1_000_000) as u64).max(1)
}

/// The bytes `records` bytes of `n` framed records take once compressed, by ratios measured on
/// real batches of the same producer's records (`points`: `(records, ppm)` in increasing record
/// counts, see `ValuePhase::compression`): the ratio at `n`, interpolated linearly between the two
/// measured counts around it (the first below, the last above them). At least 1.
pub fn compressed_by_points(records: u64, n: u32, points: &[(u32, u32)]) -> u64 {
    apply_ppm(records, ppm_at(n as u64, points))
}

impl Msg {
    /// The message's size on the wire in bytes: batches as the producer built them (compressed),
    /// plus a fixed overhead per request, topic and partition. `batches` holds the stored batches a
    /// fetch response carries.
    pub fn wire_size(&self, batches: &BatchStore) -> u64 {
        match self {
            Msg::Produce(Produce::Request { batches: b, .. }) => {
                PRODUCE_REQUEST_OVERHEAD
                    + b.iter()
                        .map(|pb| PRODUCE_PARTITION_OVERHEAD + pb.bytes as u64)
                        .sum::<u64>()
            }
            Msg::Fetch(Fetch::Response { partitions, .. }) => {
                FETCH_RESPONSE_OVERHEAD
                    + partitions
                        .iter()
                        .map(|p| {
                            FETCH_PARTITION_OVERHEAD
                                + p.batches.iter().map(|&id| batches.bytes(id)).sum::<u64>()
                        })
                        .sum::<u64>()
            }
            _ => SMALL_MESSAGE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch of one representative record barely shrinks (gzip keeps 99 % of it, snappy and lz4
    /// grow it), a whole 16 KB batch shrinks to the quoted ratios, and sizes between take the
    /// ratio between.
    #[test]
    fn small_batches_compress_worse() {
        use CompressionType::*;
        assert_eq!(Gzip.compressed(120), 119);
        assert_eq!(Snappy.compressed(120), 135);
        assert_eq!(Lz4.compressed(120), 131);
        assert_eq!(Zstd.compressed(120), 117);
        assert_eq!(None.compressed(120), 120);
        for (i, codec) in [Gzip, Snappy, Lz4, Zstd].into_iter().enumerate() {
            let full = COMPRESSION_RATIO_PPM[i + 1];
            assert_eq!(COMPRESSION_POINTS_PPM[8][i] as u64, full);
            // Beyond the representative batch: its ratio.
            assert_eq!(codec.compressed(1_000_000), full);
            // Smaller is never better (per byte) in these measurements.
            let per_byte = |b: u64| codec.compressed(b) as f64 / b as f64;
            assert!(per_byte(500) > per_byte(5_000) && per_byte(5_000) > per_byte(50_000));
        }
        // Halfway between two measured sizes: halfway between their ratios.
        let (b0, b1) = (
            REPRESENTATIVE_BYTES[0] as u64,
            REPRESENTATIVE_BYTES[1] as u64,
        );
        let (p0, p1) = (
            COMPRESSION_POINTS_PPM[0][0] as u64,
            COMPRESSION_POINTS_PPM[1][0] as u64,
        );
        let mid = (b0 + b1) / 2;
        let want = p0 - (p0 - p1) * (mid - b0) / (b1 - b0);
        assert_eq!(Gzip.compressed(mid), (mid * want).div_ceil(1_000_000));
    }

    #[test]
    fn varints_have_kafkas_sizes() {
        for (v, n) in [
            (0, 1),
            (-1, 1),
            (63, 1),
            (64, 2),
            (-64, 1),
            (-65, 2),
            (8191, 2),
            (8192, 3),
        ] {
            assert_eq!(varint_size(v), n, "{v}");
        }
        assert_eq!(varint_size(i32::MAX), 5);
        assert_eq!(varint_size(i32::MIN), 5);
        assert_eq!(varlong_size(i64::MAX), 10);
        assert_eq!(varlong_size(0), 1);
    }

    #[test]
    fn notes_record_examples() {
        // kafka-semantics.md §12.1: key "k", value "v", deltas 0 is 9 bytes; null key, value "hi",
        // timestamp delta 5, offset delta 1 is 9 bytes too.
        assert_eq!(record_size(0, 0, Some(1), 1), 9);
        assert_eq!(record_size(1, 5, None, 2), 9);
    }

    #[test]
    fn measured_ratios_are_interpolated_between_their_record_counts() {
        let points = [(1, 1_500_000), (2, 900_000), (4, 500_000), (8, 300_000)];
        // At a measured count, its ratio; between two, on the line; beyond, the last.
        assert_eq!(compressed_by_points(1_000, 1, &points), 1_500);
        assert_eq!(compressed_by_points(1_000, 4, &points), 500);
        assert_eq!(compressed_by_points(1_000, 6, &points), 400);
        assert_eq!(compressed_by_points(1_000, 3, &points), 700);
        assert_eq!(compressed_by_points(1_000, 500, &points), 300);
        assert_eq!(compressed_by_points(1, 8, &points), 1);
        assert_eq!(compressed_by_points(0, 8, &points), 1);
        assert_eq!(compressed_by_points(1_000, 2, &[]), 1_000);
    }

    #[test]
    fn compression_never_grows_to_zero() {
        for c in [CompressionType::Gzip, CompressionType::Lz4] {
            assert!(c.compressed(1) >= 1);
            assert!(c.compressed(u64::MAX / 2) > 0);
        }
        assert_eq!(CompressionType::None.compressed(1234), 1234);
    }
}
