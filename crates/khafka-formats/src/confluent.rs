//! The Confluent wire format: how Schema Registry serializers frame a value.
//!
//! Byte 0 is the magic byte `0x00` (`MAGIC_BYTE_V0`); bytes 1–4 the schema id, a big-endian
//! int32 (`ID_SIZE = 4`); then the payload. For Protobuf the payload starts with the *message
//! indexes*, the path to the message type in the `.proto` file, written as a count and the
//! indexes, all Kafka zig-zag varints, with `[0]` (the first top-level message) shortened to the
//! single byte `00` (`MessageIndexes.toByteArray`). A null value is not framed at all.
//!
//! Schema ids are registry-assigned non-negative ints; the registry and its serializers read
//! them as a Java `int`, so an id must fit in 0..=2³¹−1 here.

use crate::layout::Layout;
use crate::varint::{read_varint, write_varint};
use crate::{FormatError, Limits};

/// `MAGIC_BYTE_V0`.
pub const MAGIC_BYTE: u8 = 0;

/// Parses a schema id as the registry allows it: a non-negative Java int.
pub fn parse_schema_id(text: &str) -> Result<i32, FormatError> {
    let n: i64 = text
        .trim()
        .parse()
        .map_err(|_| FormatError::input(format!("invalid schema id `{text}` (an integer)")))?;
    if !(0..=i32::MAX as i64).contains(&n) {
        return Err(FormatError::input(format!(
            "schema id {n} is outside 0..={} (a Java int, as the registry stores it)",
            i32::MAX
        )));
    }
    Ok(n as i32)
}

/// The 5-byte header.
pub fn header(schema_id: i32) -> Layout {
    let mut l = Layout::default();
    l.push(0, &[MAGIC_BYTE], "magic byte 0 (Confluent wire format)");
    l.push(
        0,
        &schema_id.to_be_bytes(),
        format!("schema id {schema_id} (int32, big-endian)"),
    );
    l
}

/// Protobuf message indexes (`MessageIndexes.toByteArray`).
pub fn message_indexes(indexes: &[i32]) -> Layout {
    let mut l = Layout::default();
    if indexes == [0] {
        l.push(
            0,
            &[0],
            "message indexes [0]: the first message, shortened to a single 0",
        );
        return l;
    }
    let mut b = Vec::new();
    write_varint(indexes.len() as i32, &mut b);
    l.push(
        0,
        &b,
        format!("message index count {} (zig-zag varint)", indexes.len()),
    );
    for (depth, i) in indexes.iter().enumerate() {
        let mut b = Vec::new();
        write_varint(*i, &mut b);
        let what = if depth == 0 {
            "top-level message"
        } else {
            "nested message"
        };
        l.push(0, &b, format!("message index {i}: {what} (zig-zag varint)"));
    }
    l
}

/// A framed value split into its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Framed<'a> {
    pub schema_id: i32,
    /// Protobuf only: the message indexes read after the id.
    pub message_indexes: Option<Vec<i32>>,
    pub payload: &'a [u8],
}

/// Reads the header (and, for Protobuf, the message indexes).
pub fn unframe(bytes: &[u8], protobuf: bool) -> Result<Framed<'_>, FormatError> {
    match bytes.first() {
        None => {
            return Err(FormatError::decode(
                0,
                "empty value (a tombstone is not framed)",
            ))
        }
        Some(&MAGIC_BYTE) => {}
        Some(&b) => {
            return Err(FormatError::decode(
                0,
                format!("Unknown magic byte! ({b:#04x})"),
            ))
        }
    }
    if bytes.len() < 5 {
        return Err(FormatError::decode(
            1,
            "truncated schema id (4 bytes after the magic byte)",
        ));
    }
    let schema_id = i32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
    let mut pos = 5;
    let message_indexes = if protobuf {
        let at = pos;
        let n = read_varint(bytes, &mut pos)?;
        if n == 0 {
            Some(vec![0])
        } else {
            if n < 0 || n as usize > Limits::DEPTH_MAX {
                return Err(FormatError::decode(
                    at,
                    format!("invalid message index count {n}"),
                ));
            }
            let mut v = Vec::with_capacity(n as usize);
            for _ in 0..n {
                v.push(read_varint(bytes, &mut pos)?);
            }
            Some(v)
        }
    } else {
        None
    };
    Ok(Framed {
        schema_id,
        message_indexes,
        payload: &bytes[pos..],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::to_hex;

    /// kafka-semantics.md §12.5: schema id 42 with Avro `User{7,"Ann"}`; indexes `[2]`, `[0,1]`.
    #[test]
    fn notes_examples() {
        let mut l = header(42);
        l.push(0, &[0x0e, 0x06, 0x41, 0x6e, 0x6e], "payload");
        assert_eq!(to_hex(&l.bytes), "000000002a0e06416e6e");
        assert_eq!(to_hex(&message_indexes(&[0]).bytes), "00");
        assert_eq!(to_hex(&message_indexes(&[2]).bytes), "0204");
        assert_eq!(to_hex(&message_indexes(&[0, 1]).bytes), "040002");
        let framed = [header(7).bytes, message_indexes(&[0, 1]).bytes, vec![8, 1]].concat();
        let f = unframe(&framed, true).unwrap();
        assert_eq!(
            (f.schema_id, f.message_indexes.unwrap(), f.payload),
            (7, vec![0, 1], &[8u8, 1][..])
        );
    }

    #[test]
    fn schema_id_bounds() {
        assert_eq!(parse_schema_id("2147483647").unwrap(), i32::MAX);
        assert!(parse_schema_id("2147483648").is_err());
        assert!(parse_schema_id("-1").is_err());
        assert!(parse_schema_id("x").is_err());
        assert!(unframe(&[1, 0, 0, 0, 1], false)
            .unwrap_err()
            .message
            .contains("Unknown magic byte"));
    }
}
