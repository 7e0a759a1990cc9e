//! How many bytes a message takes on the wire, as Kafka would write it: produce requests and fetch
//! responses from their record batches (magic v2: a 61-byte header, then each record framed with
//! varints, `DefaultRecord.sizeInBytes`), compressed by the producer's `compression.type` at a
//! fixed ratio per codec — or, for a producer with a schema serializer, at the ratios its codec
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

/// A representative batch's compressed size over its uncompressed records, in parts per million,
/// per codec (`None` first): gzip 21.8 %, snappy 35.4 %, lz4 33.2 %, zstd 20.6 %. Measured by
/// `tests/wire_sizes.rs` on a 16 KB batch of 138 JSON events of about 100 bytes keyed over 100
/// users (gzip level 6, snappy in xerial's framing, an lz4 frame, zstd level 3: Kafka's
/// defaults); the test fails if a figure here differs from the codecs' output.
pub const COMPRESSION_RATIO_PPM: [u64; 5] = [1_000_000, 217_691, 353_895, 332_181, 205_539];

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

    /// The fixed ratio the engine uses for this codec (ppm of the uncompressed records).
    pub fn ratio_ppm(self) -> u64 {
        COMPRESSION_RATIO_PPM[self as usize]
    }

    /// The bytes `records` uncompressed bytes of framed records take once compressed (at least 1).
    pub fn compressed(self, records: u64) -> u64 {
        if self == CompressionType::None {
            return records;
        }
        ((records as u128 * self.ratio_ppm() as u128).div_ceil(1_000_000) as u64).max(1)
    }
}

/// The bytes `records` bytes of `n` framed records take once compressed, by ratios measured on
/// real batches of the same producer's records (`points`: `(records, ppm)` in increasing record
/// counts, see `ValuePhase::compression`): the ratio at `n`, interpolated linearly between the two
/// measured counts around it (the first below, the last above them). At least 1.
pub fn compressed_by_points(records: u64, n: u32, points: &[(u32, u32)]) -> u64 {
    let ppm = match points.iter().position(|&(m, _)| m >= n) {
        None => points.last().map_or(1_000_000, |p| p.1 as u64),
        Some(0) => points[0].1 as u64,
        Some(i) => {
            let ((n0, p0), (n1, p1)) = (points[i - 1], points[i]);
            let (n0, p0, n1, p1) = (n0 as i64, p0 as i64, n1 as i64, p1 as i64);
            (p0 + (p1 - p0) * (n as i64 - n0) / (n1 - n0).max(1)).max(0) as u64
        }
    };
    ((records as u128 * ppm as u128).div_ceil(1_000_000) as u64).max(1)
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
