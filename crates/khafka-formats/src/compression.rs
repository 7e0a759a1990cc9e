//! Kafka's compression codecs, where a pure-Rust crate exists, so a batch's compressed size is
//! measured rather than guessed.
//!
//! - **gzip** (`compression.type=gzip`, id 1): a gzip member (RFC 1952) around DEFLATE from
//!   `miniz_oxide`, level 6 like `java.util.zip.Deflater`'s default that Kafka's `GzipCompression`
//!   uses. Header bytes follow `GZIPOutputStream` (no name, no mtime).
//! - **snappy** (id 2): Kafka's Java client writes xerial's `SnappyOutputStream` framing: the
//!   16-byte header `82 'SNAPPY' 00`, version 1, compatible version 1, then blocks of
//!   (big-endian length, raw snappy block) of at most 32 KiB input each. Reading accepts that
//!   framing and, as xerial's `SnappyInputStream` does, a bare raw snappy block (what some
//!   non-Java clients write).
//! - **lz4** (id 3): an LZ4 frame (`lz4_flex`), 64 KiB independent blocks as Kafka's
//!   `Lz4BlockOutputStream`.
//! - **zstd** (id 4): decoded, not encoded. Reading a zstd batch uses `ruzstd` 0.7 (pure Rust, builds
//!   with the workspace's `rust-version`; 0.8 and later need Rust 1.87). Kafka compresses with
//!   libzstd (zstd-jni) at level 3; `ruzstd`'s encoder (0.9.1: `Fastest` only, Rust 1.87) wrote a
//!   third more bytes than `zstd -3` on a lesson's batch (docs/formats.md), so a zstd batch size
//!   from it would not be Kafka's. Encoding is an error that says so. Frames' optional content checksums
//!   are not verified (`ruzstd`'s `hash` feature is off; the batch's CRC-32C covers the bytes).

use crate::{FormatError, Limits};
use serde::{Deserialize, Serialize};

/// A batch's compression codec (attributes bits 0–2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

/// xerial snappy-java's stream header (`SnappyCodec.MAGIC_HEADER` + version 1 + compatible 1).
const XERIAL_HEADER: [u8; 16] = [
    0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1,
];
/// `SnappyOutputStream`'s default block size.
const XERIAL_BLOCK: usize = 32 * 1024;

impl Codec {
    /// Kafka's id in the attributes.
    pub fn id(self) -> u8 {
        match self {
            Codec::None => 0,
            Codec::Gzip => 1,
            Codec::Snappy => 2,
            Codec::Lz4 => 3,
            Codec::Zstd => 4,
        }
    }

    pub fn from_id(id: u8) -> Result<Codec, FormatError> {
        Ok(match id {
            0 => Codec::None,
            1 => Codec::Gzip,
            2 => Codec::Snappy,
            3 => Codec::Lz4,
            4 => Codec::Zstd,
            _ => {
                return Err(FormatError::decode(
                    21,
                    format!("unknown compression codec id {id}"),
                ))
            }
        })
    }

    /// `compression.type` spelling.
    pub fn name(self) -> &'static str {
        match self {
            Codec::None => "none",
            Codec::Gzip => "gzip",
            Codec::Snappy => "snappy",
            Codec::Lz4 => "lz4",
            Codec::Zstd => "zstd",
        }
    }

    pub fn parse(s: &str) -> Result<Codec, FormatError> {
        match s {
            "none" => Ok(Codec::None),
            "gzip" => Ok(Codec::Gzip),
            "snappy" => Ok(Codec::Snappy),
            "lz4" => Ok(Codec::Lz4),
            "zstd" => Ok(Codec::Zstd),
            _ => Err(FormatError::input(format!(
                "unknown compression.type `{s}` (none, gzip, snappy, lz4, zstd)"
            ))),
        }
    }

    /// Compresses a batch's records block.
    pub fn compress(self, data: &[u8]) -> Result<Vec<u8>, FormatError> {
        match self {
            Codec::None => Ok(data.to_vec()),
            Codec::Gzip => Ok(gzip(data)),
            Codec::Snappy => snappy_xerial(data),
            Codec::Lz4 => lz4(data),
            Codec::Zstd => Err(zstd_unsupported()),
        }
    }

    /// Decompresses a batch's records block, refusing output beyond [`Limits::VALUE_BYTES_MAX`]
    /// × 16 (a decompression bomb).
    pub fn decompress(self, data: &[u8]) -> Result<Vec<u8>, FormatError> {
        let max = Limits::VALUE_BYTES_MAX * 16;
        match self {
            Codec::None => Ok(data.to_vec()),
            Codec::Gzip => gunzip(data, max),
            Codec::Snappy => unsnappy(data, max),
            Codec::Lz4 => unlz4(data, max),
            Codec::Zstd => unzstd(data, max),
        }
    }
}

fn zstd_unsupported() -> FormatError {
    FormatError::input(
        "zstd batches are read but not written: Kafka compresses with libzstd at level 3, and no \
         pure-Rust encoder produces its bytes, so a zstd size here would be a guess",
    )
}

/// A zstd frame (or several, concatenated), as zstd-jni writes them.
fn unzstd(data: &[u8], max: usize) -> Result<Vec<u8>, FormatError> {
    use std::io::Read;
    let dec = ruzstd::StreamingDecoder::new(data).map_err(|e| err(0, format!("zstd: {e}")))?;
    let mut out = Vec::new();
    dec.take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| err(0, format!("zstd: {e}")))?;
    if out.len() > max {
        return Err(err(0, format!("zstd output exceeds {max} bytes")));
    }
    Ok(out)
}

fn err(at: usize, msg: impl Into<String>) -> FormatError {
    FormatError::decode(crate::record_batch::RECORD_BATCH_OVERHEAD + at, msg)
}

/// A gzip member as `java.util.zip.GZIPOutputStream` writes it: `1f 8b 08 00`, mtime 0, XFL 0,
/// OS 0xff (unknown, as JDK 16 and later write), DEFLATE data, CRC-32 and size, little-endian.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    out.extend(crate::crc::crc32(data).to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}

fn gunzip(data: &[u8], max: usize) -> Result<Vec<u8>, FormatError> {
    if data.len() < 18 || data[0] != 0x1f || data[1] != 0x8b || data[2] != 8 {
        return Err(err(0, "not a gzip member (expected 1f 8b 08)"));
    }
    let flags = data[3];
    let mut pos = 10;
    if flags & 4 != 0 {
        let x = u16::from_le_bytes([data[pos], data[pos + 1]]) as usize;
        pos = pos.saturating_add(2 + x);
    }
    for bit in [8u8, 16] {
        if flags & bit != 0 {
            while pos < data.len() && data[pos] != 0 {
                pos += 1;
            }
            pos += 1;
        }
    }
    if flags & 2 != 0 {
        pos += 2;
    }
    if pos.saturating_add(8) > data.len() {
        return Err(err(pos, "truncated gzip member"));
    }
    let body = &data[pos..data.len() - 8];
    let out = miniz_oxide::inflate::decompress_to_vec_with_limit(body, max)
        .map_err(|e| err(pos, format!("gzip: invalid DEFLATE data ({:?})", e.status)))?;
    let tail = &data[data.len() - 8..];
    let crc = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    if crc != crate::crc::crc32(&out) {
        return Err(err(data.len() - 8, "gzip: CRC-32 mismatch"));
    }
    Ok(out)
}

fn snappy_raw(data: &[u8]) -> Result<Vec<u8>, FormatError> {
    snap::raw::Encoder::new()
        .compress_vec(data)
        .map_err(|e| FormatError::encode(format!("snappy: {e}")))
}

/// xerial framing (`SnappyOutputStream`): header, then per block a big-endian i32 length and the
/// raw snappy block.
pub fn snappy_xerial(data: &[u8]) -> Result<Vec<u8>, FormatError> {
    let mut out = XERIAL_HEADER.to_vec();
    for chunk in data.chunks(XERIAL_BLOCK) {
        let block = snappy_raw(chunk)?;
        out.extend((block.len() as u32).to_be_bytes());
        out.extend(block);
    }
    Ok(out)
}

fn unsnappy_raw(data: &[u8], at: usize, max: usize) -> Result<Vec<u8>, FormatError> {
    let n = snap::raw::decompress_len(data).map_err(|e| err(at, format!("snappy: {e}")))?;
    if n > max {
        return Err(err(
            at,
            format!("snappy block claims {n} bytes; the limit is {max}"),
        ));
    }
    snap::raw::Decoder::new()
        .decompress_vec(data)
        .map_err(|e| err(at, format!("snappy: {e}")))
}

fn unsnappy(data: &[u8], max: usize) -> Result<Vec<u8>, FormatError> {
    if data.len() < 8 || data[..8] != XERIAL_HEADER[..8] {
        return unsnappy_raw(data, 0, max);
    }
    if data.len() < 16 {
        return Err(err(0, "truncated xerial snappy header"));
    }
    let mut pos = 16;
    let mut out = Vec::new();
    while pos < data.len() {
        if pos + 4 > data.len() {
            return Err(err(pos, "truncated xerial block length"));
        }
        let len =
            u32::from_be_bytes([data[pos], data[pos + 1], data[pos + 2], data[pos + 3]]) as usize;
        pos += 4;
        if len > data.len() - pos {
            return Err(err(
                pos,
                format!("xerial block of {len} bytes runs past the data"),
            ));
        }
        let block = unsnappy_raw(&data[pos..pos + len], pos, max - out.len())?;
        out.extend(block);
        pos += len;
    }
    Ok(out)
}

fn lz4(data: &[u8]) -> Result<Vec<u8>, FormatError> {
    use std::io::Write;
    let info = lz4_flex::frame::FrameInfo::new()
        .block_size(lz4_flex::frame::BlockSize::Max64KB)
        .block_mode(lz4_flex::frame::BlockMode::Independent);
    let mut enc = lz4_flex::frame::FrameEncoder::with_frame_info(info, Vec::new());
    enc.write_all(data)
        .map_err(|e| FormatError::encode(format!("lz4: {e}")))?;
    enc.finish()
        .map_err(|e| FormatError::encode(format!("lz4: {e}")))
}

fn unlz4(data: &[u8], max: usize) -> Result<Vec<u8>, FormatError> {
    use std::io::Read;
    let dec = lz4_flex::frame::FrameDecoder::new(data);
    let mut out = Vec::new();
    dec.take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| err(0, format!("lz4: {e}")))?;
    if out.len() > max {
        return Err(err(0, format!("lz4 output exceeds {max} bytes")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `zstd -3` (the v1.5.4 CLI, content checksum on) of 1,000 bytes `i % 250`.
    const ZSTD_1000: &str = concat!(
        "28b52ffd64e802250800a40f000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b",
        "4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f7071727374757677",
        "78797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3",
        "a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf",
        "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f90100",
        "fa75fdca480167718396",
    );

    #[test]
    fn codecs_round_trip() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        for c in [Codec::None, Codec::Gzip, Codec::Snappy, Codec::Lz4] {
            let z = c.compress(&data).unwrap();
            assert_eq!(c.decompress(&z).unwrap(), data, "{c:?}");
            if c != Codec::None {
                assert!(
                    z.len() < data.len() / 4,
                    "{c:?} compresses a repetitive block"
                );
            }
        }
        assert!(Codec::Zstd.compress(&data).is_err());
        // libzstd's own output (zstd 1.5.7, `zstd -3`, the level Kafka uses) for 1,000 bytes
        // counting 0..=249 four times, read back by the pure-Rust decoder.
        let block: Vec<u8> = (0..1000u32).map(|i| (i % 250) as u8).collect();
        let z = crate::from_hex(ZSTD_1000).unwrap();
        assert_eq!(Codec::Zstd.decompress(&z).unwrap(), block);
        // A truncated or corrupt frame is an error, never a panic.
        assert!(Codec::Zstd.decompress(&z[..z.len() - 12]).is_err());
        assert!(Codec::Zstd
            .decompress(&[0x28, 0xb5, 0x2f, 0xfd, 0xff])
            .is_err());
    }

    #[test]
    fn xerial_framing_bytes() {
        let z = snappy_xerial(b"hello").unwrap();
        assert_eq!(&z[..16], &XERIAL_HEADER);
        // One block: its length, then the raw snappy block (varint length 5, literal of 5).
        assert_eq!(&z[16..20], &7u32.to_be_bytes());
        assert_eq!(&z[20..], &[5, 4 << 2, b'h', b'e', b'l', b'l', b'o']);
    }

    #[test]
    fn gzip_header_is_javas() {
        let z = gzip(b"abc");
        assert_eq!(&z[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
        assert_eq!(&z[z.len() - 4..], &3u32.to_le_bytes());
    }

    #[test]
    fn garbage_is_an_error() {
        for c in [Codec::Gzip, Codec::Snappy, Codec::Lz4] {
            assert!(c
                .decompress(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
                .is_err());
        }
    }
}
