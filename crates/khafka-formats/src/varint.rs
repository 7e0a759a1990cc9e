//! Variable-length integers, as Kafka's `ByteUtils` and the Protobuf encoding guide write them.
//!
//! Kafka and Avro both use zig-zag varints: `(v << 1) ^ (v >> 31)` (or `>> 63`), then 7-bit groups,
//! least significant first, with the high bit set on every byte but the last. Protobuf uses the same
//! base-128 groups *without* zig-zag for `int32`/`int64`/`uint*` (a negative `int32` is
//! sign-extended to 64 bits and takes 10 bytes) and with zig-zag for `sint32`/`sint64`.
//!
//! Every reader here is bounded: it refuses more than 5 bytes for a 32-bit value and 10 for a 64-bit
//! one, as `ByteUtils.readVarint` / `readVarlong` throw "Varint is too long".

use crate::FormatError;

/// Zig-zag maps signed to unsigned so small magnitudes stay small: 0→0, −1→1, 1→2, −2→3.
pub fn zigzag32(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

/// 64-bit zig-zag.
pub fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Inverse of [`zigzag32`].
pub fn unzigzag32(v: u32) -> i32 {
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

/// Inverse of [`zigzag64`].
pub fn unzigzag64(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Base-128 groups, least significant first (`ByteUtils.writeUnsignedVarint`, widened to 64 bits).
pub fn write_unsigned_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Kafka's `ByteUtils.writeVarint`: zig-zag then unsigned varint (at most 5 bytes).
pub fn write_varint(v: i32, out: &mut Vec<u8>) {
    write_unsigned_varint(zigzag32(v) as u64, out);
}

/// Kafka's `ByteUtils.writeVarlong` (and Avro's `long`/`int`): zig-zag then unsigned varint.
pub fn write_varlong(v: i64, out: &mut Vec<u8>) {
    write_unsigned_varint(zigzag64(v), out);
}

/// Size of [`write_varint`]'s output (`ByteUtils.sizeOfVarint`).
pub fn size_of_varint(v: i32) -> usize {
    size_of_unsigned(zigzag32(v) as u64)
}

/// Size of [`write_varlong`]'s output (`ByteUtils.sizeOfVarlong`).
pub fn size_of_varlong(v: i64) -> usize {
    size_of_unsigned(zigzag64(v))
}

/// Bytes needed for an unsigned varint.
pub fn size_of_unsigned(v: u64) -> usize {
    let bits = 64 - (v | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Reads an unsigned varint of at most `max_bytes` bytes from `buf[*pos..]`.
pub fn read_unsigned(buf: &[u8], pos: &mut usize, max_bytes: usize) -> Result<u64, FormatError> {
    let start = *pos;
    let mut value: u64 = 0;
    for i in 0..max_bytes {
        let Some(&b) = buf.get(*pos) else {
            return Err(FormatError::decode(
                start,
                "truncated varint: the input ends before its last byte",
            ));
        };
        *pos += 1;
        let shift = 7 * i as u32;
        let bits = (b & 0x7f) as u64;
        if shift == 63 && bits > 1 {
            return Err(FormatError::decode(start, "varint overflows 64 bits"));
        }
        value |= bits << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(FormatError::decode(
        start,
        format!("varint is too long (more than {max_bytes} bytes)"),
    ))
}

/// Kafka's `ByteUtils.readVarint` (zig-zag, at most 5 bytes, must fit 32 bits).
pub fn read_varint(buf: &[u8], pos: &mut usize) -> Result<i32, FormatError> {
    let start = *pos;
    let raw = read_unsigned(buf, pos, 5)?;
    let raw = u32::try_from(raw)
        .map_err(|_| FormatError::decode(start, "varint does not fit in 32 bits"))?;
    Ok(unzigzag32(raw))
}

/// Kafka's `ByteUtils.readVarlong` and Avro's `long` (zig-zag, at most 10 bytes).
pub fn read_varlong(buf: &[u8], pos: &mut usize) -> Result<i64, FormatError> {
    Ok(unzigzag64(read_unsigned(buf, pos, 10)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(v: i32) -> Vec<u8> {
        let mut out = Vec::new();
        write_varint(v, &mut out);
        out
    }

    fn varlong(v: i64) -> Vec<u8> {
        let mut out = Vec::new();
        write_varlong(v, &mut out);
        out
    }

    /// `ByteUtilsTest.testVarintSerde`'s values (also the start of `testVarlongSerde`).
    const VARINT_CASES: &[(i32, &[u8])] = &[
        (0, &[0x00]),
        (-1, &[0x01]),
        (1, &[0x02]),
        (63, &[0x7E]),
        (-64, &[0x7F]),
        (64, &[0x80, 0x01]),
        (-65, &[0x81, 0x01]),
        (8191, &[0xFE, 0x7F]),
        (-8192, &[0xFF, 0x7F]),
        (8192, &[0x80, 0x80, 0x01]),
        (-8193, &[0x81, 0x80, 0x01]),
        (1048575, &[0xFE, 0xFF, 0x7F]),
        (-1048576, &[0xFF, 0xFF, 0x7F]),
        (1048576, &[0x80, 0x80, 0x80, 0x01]),
        (-1048577, &[0x81, 0x80, 0x80, 0x01]),
        (134217727, &[0xFE, 0xFF, 0xFF, 0x7F]),
        (-134217728, &[0xFF, 0xFF, 0xFF, 0x7F]),
        (134217728, &[0x80, 0x80, 0x80, 0x80, 0x01]),
        (-134217729, &[0x81, 0x80, 0x80, 0x80, 0x01]),
        (i32::MAX, &[0xFE, 0xFF, 0xFF, 0xFF, 0x0F]),
        (i32::MIN, &[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
    ];

    /// apache/kafka `clients/src/test/java/org/apache/kafka/common/utils/ByteUtilsTest.java`,
    /// `testVarintSerde`: each value with its expected bytes.
    #[test]
    fn kafka_byte_utils_test_varint_serde() {
        let cases = VARINT_CASES;
        for (v, bytes) in cases {
            assert_eq!(varint(*v), *bytes, "writeVarint({v})");
            assert_eq!(size_of_varint(*v), bytes.len(), "sizeOfVarint({v})");
            let mut pos = 0;
            assert_eq!(read_varint(bytes, &mut pos).unwrap(), *v);
            assert_eq!(pos, bytes.len());
        }
    }

    /// `ByteUtilsTest.testUnsignedVarintSerde` (Java ints, so −1 is 0xFFFF_FFFF).
    #[test]
    fn kafka_byte_utils_test_unsigned_varint_serde() {
        let cases: &[(i32, &[u8])] = &[
            (0, &[0x00]),
            (-1, &[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
            (1, &[0x01]),
            (63, &[0x3F]),
            (-64, &[0xC0, 0xFF, 0xFF, 0xFF, 0x0F]),
            (64, &[0x40]),
            (8191, &[0xFF, 0x3F]),
            (-8192, &[0x80, 0xC0, 0xFF, 0xFF, 0x0F]),
            (8192, &[0x80, 0x40]),
            (-8193, &[0xFF, 0xBF, 0xFF, 0xFF, 0x0F]),
            (1048575, &[0xFF, 0xFF, 0x3F]),
            (1048576, &[0x80, 0x80, 0x40]),
            (i32::MAX, &[0xFF, 0xFF, 0xFF, 0xFF, 0x07]),
            (i32::MIN, &[0x80, 0x80, 0x80, 0x80, 0x08]),
        ];
        for (v, bytes) in cases {
            let mut out = Vec::new();
            write_unsigned_varint(*v as u32 as u64, &mut out);
            assert_eq!(out, *bytes, "writeUnsignedVarint({v})");
            let mut pos = 0;
            assert_eq!(read_unsigned(bytes, &mut pos, 5).unwrap() as u32 as i32, *v);
        }
    }

    /// `ByteUtilsTest.testVarlongSerde`.
    #[test]
    fn kafka_byte_utils_test_varlong_serde() {
        for (v, bytes) in VARINT_CASES {
            assert_eq!(varlong(*v as i64), *bytes, "writeVarlong({v})");
        }
        let cases: &[(i64, &[u8])] = &[
            (17179869183, &[0xFE, 0xFF, 0xFF, 0xFF, 0x7F]),
            (-17179869184, &[0xFF, 0xFF, 0xFF, 0xFF, 0x7F]),
            (17179869184, &[0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
            (-17179869185, &[0x81, 0x80, 0x80, 0x80, 0x80, 0x01]),
            (2199023255551, &[0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]),
            (-2199023255552, &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]),
            (2199023255552, &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
            (-2199023255553, &[0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
            (281474976710655, &[0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]),
            (
                -281474976710656,
                &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
            ),
            (
                281474976710656,
                &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
            ),
            (
                -281474976710657,
                &[0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
            ),
            (
                36028797018963967,
                &[0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
            ),
            (
                -36028797018963968,
                &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
            ),
            (
                36028797018963968,
                &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
            ),
            (
                -36028797018963969,
                &[0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
            ),
            (
                4611686018427387903,
                &[0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
            ),
            (
                -4611686018427387904,
                &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
            ),
            (
                4611686018427387904,
                &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
            ),
            (
                -4611686018427387905,
                &[0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
            ),
            (
                i64::MAX,
                &[0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
            ),
            (
                i64::MIN,
                &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
            ),
        ];
        for (v, bytes) in cases {
            assert_eq!(varlong(*v), *bytes, "writeVarlong({v})");
            assert_eq!(size_of_varlong(*v), bytes.len(), "sizeOfVarlong({v})");
            let mut pos = 0;
            assert_eq!(read_varlong(bytes, &mut pos).unwrap(), *v);
        }
    }

    /// `ByteUtilsTest.testInvalidVarint` / `testInvalidVarlong`: too many continuation bytes.
    #[test]
    fn kafka_byte_utils_invalid_varints() {
        let mut pos = 0;
        assert!(read_varint(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], &mut pos).is_err());
        let mut pos = 0;
        assert!(read_varlong(&[0xFF; 11], &mut pos).is_err());
        let mut pos = 0;
        assert!(read_varint(&[0x80], &mut pos).is_err(), "truncated");
    }

    /// Protobuf encoding guide, "Signed Integers": the zig-zag table.
    #[test]
    fn protobuf_guide_zigzag_table() {
        assert_eq!(zigzag64(0), 0);
        assert_eq!(zigzag64(-1), 1);
        assert_eq!(zigzag64(1), 2);
        assert_eq!(zigzag64(-2), 3);
        assert_eq!(zigzag32(0x7fff_ffff), 0xffff_fffe);
        assert_eq!(zigzag32(-0x8000_0000), 0xffff_ffff);
        assert_eq!(unzigzag64(0xffff_fffe), 0x7fff_ffff);
    }

    /// kafka-semantics.md §12.1's own values.
    #[test]
    fn semantics_notes_values() {
        assert_eq!(varint(-3), [0x05]);
        assert_eq!(varint(150), [0xac, 0x02]);
        assert_eq!(varint(-150), [0xab, 0x02]);
        assert_eq!(varint(300), [0xd8, 0x04]);
    }
}
