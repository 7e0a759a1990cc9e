//! Kafka's record batch v2 (magic 2), as `DefaultRecordBatch` and `DefaultRecord` write it, so the
//! size of a record on the wire is the real one.
//!
//! A batch is a 61-byte header (`RECORD_BATCH_OVERHEAD`) then its records, compressed as one
//! block when the attributes name a codec. The CRC-32C covers everything from the attributes to
//! the end; `PartitionLeaderEpoch` (set by the leader on append) is outside it. Each record is
//! varint-framed: length, attributes, timestamp delta, offset delta, key, value, headers, with −1
//! as the length of a null key or value.

use crate::compression::Codec;
use crate::crc::crc32c;
use crate::layout::Layout;
use crate::varint::{
    read_varint, read_varlong, size_of_varint, size_of_varlong, write_varint, write_varlong,
};
use crate::{FormatError, Limits};
use serde::{Deserialize, Serialize};

/// `RECORD_BATCH_OVERHEAD`: the batch header's size.
pub const RECORD_BATCH_OVERHEAD: usize = 61;
/// `LOG_OVERHEAD`: base offset (8) + length (4), the part the length field does not count.
pub const LOG_OVERHEAD: usize = 12;
/// Offset of the CRC field; the CRC covers `[ATTRIBUTES_OFFSET..]`.
pub const CRC_OFFSET: usize = 17;
/// Offset of the attributes, where the CRC's coverage starts.
pub const ATTRIBUTES_OFFSET: usize = 21;

/// A record's nullable key and value.
pub type KeyValue = (Option<Vec<u8>>, Option<Vec<u8>>);

/// A record header (`RecordHeader`): a UTF-8 key and a nullable value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub key: String,
    pub value: Option<Vec<u8>>,
}

/// One record inside a batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub timestamp_delta: i64,
    pub offset_delta: i32,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<Header>,
}

/// A batch's header fields and records (`CRC`, `Length` and `RecordsCount` are computed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub base_offset: i64,
    pub partition_leader_epoch: i32,
    pub codec: Codec,
    /// Attribute bit 3: LogAppendTime instead of CreateTime.
    pub log_append_time: bool,
    /// Attribute bit 4.
    pub transactional: bool,
    /// Attribute bit 5 (transaction markers).
    pub control: bool,
    pub base_timestamp: i64,
    pub max_timestamp: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub records: Vec<Record>,
}

impl Default for Batch {
    /// A non-idempotent producer's batch: no producer id, epoch or sequence (−1).
    fn default() -> Self {
        Batch {
            base_offset: 0,
            partition_leader_epoch: 0,
            codec: Codec::None,
            log_append_time: false,
            transactional: false,
            control: false,
            base_timestamp: 0,
            max_timestamp: 0,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            records: Vec::new(),
        }
    }
}

impl Batch {
    /// A batch of `records` with consecutive offset deltas and zero timestamp deltas.
    pub fn of_values(codec: Codec, values: &[KeyValue]) -> Batch {
        Batch {
            codec,
            records: values
                .iter()
                .enumerate()
                .map(|(i, (k, v))| Record {
                    offset_delta: i as i32,
                    key: k.clone(),
                    value: v.clone(),
                    ..Record::default()
                })
                .collect(),
            ..Batch::default()
        }
    }

    /// The attributes field (`DefaultRecordBatch.computeAttributes`).
    pub fn attributes(&self) -> i16 {
        let mut a = self.codec.id() as i16;
        if self.log_append_time {
            a |= 1 << 3;
        }
        if self.transactional {
            a |= 1 << 4;
        }
        if self.control {
            a |= 1 << 5;
        }
        a
    }

    /// The encoded batch.
    pub fn encode(&self) -> Result<Vec<u8>, FormatError> {
        Ok(self.explain()?.bytes)
    }

    /// The encoded batch with every header field and record labelled.
    pub fn explain(&self) -> Result<Layout, FormatError> {
        let mut records = Layout::default();
        for r in &self.records {
            explain_record_into(r, &mut records, 1);
        }
        let payload = self.codec.compress(&records.bytes)?;
        let last_offset_delta = self
            .records
            .iter()
            .map(|r| r.offset_delta)
            .max()
            .unwrap_or(0);
        let mut l = Layout::default();
        let total = RECORD_BATCH_OVERHEAD + payload.len();
        let length = i32::try_from(total - LOG_OVERHEAD)
            .map_err(|_| FormatError::encode("batch larger than 2 GiB"))?;
        l.push(
            0,
            &self.base_offset.to_be_bytes(),
            format!("BaseOffset int64 = {}", self.base_offset),
        );
        l.push(
            0,
            &length.to_be_bytes(),
            format!("Length int32 = {length} (bytes after this field)"),
        );
        l.push(
            0,
            &self.partition_leader_epoch.to_be_bytes(),
            format!(
                "PartitionLeaderEpoch int32 = {} (not covered by the CRC)",
                self.partition_leader_epoch
            ),
        );
        l.push(0, &[2], "Magic int8 = 2");
        l.push(
            0,
            &[0, 0, 0, 0],
            "CRC uint32 (CRC-32C of the bytes from Attributes to the end)",
        );
        let attrs = self.attributes();
        l.push(
            0,
            &attrs.to_be_bytes(),
            format!(
                "Attributes int16 = {attrs:#06x} (compression {}, {}{}{})",
                self.codec.name(),
                if self.log_append_time {
                    "LogAppendTime"
                } else {
                    "CreateTime"
                },
                if self.transactional {
                    ", transactional"
                } else {
                    ""
                },
                if self.control { ", control" } else { "" }
            ),
        );
        l.push(
            0,
            &last_offset_delta.to_be_bytes(),
            format!("LastOffsetDelta int32 = {last_offset_delta}"),
        );
        l.push(
            0,
            &self.base_timestamp.to_be_bytes(),
            format!("BaseTimestamp int64 = {}", self.base_timestamp),
        );
        l.push(
            0,
            &self.max_timestamp.to_be_bytes(),
            format!("MaxTimestamp int64 = {}", self.max_timestamp),
        );
        l.push(
            0,
            &self.producer_id.to_be_bytes(),
            format!("ProducerId int64 = {}", self.producer_id),
        );
        l.push(
            0,
            &self.producer_epoch.to_be_bytes(),
            format!("ProducerEpoch int16 = {}", self.producer_epoch),
        );
        l.push(
            0,
            &self.base_sequence.to_be_bytes(),
            format!("BaseSequence int32 = {}", self.base_sequence),
        );
        let count = i32::try_from(self.records.len())
            .map_err(|_| FormatError::encode("too many records"))?;
        l.push(
            0,
            &count.to_be_bytes(),
            format!("RecordsCount int32 = {count}"),
        );
        debug_assert_eq!(l.bytes.len(), RECORD_BATCH_OVERHEAD);
        if self.codec == Codec::None {
            l = records.prepend(l);
        } else {
            l.push(
                0,
                &payload,
                format!(
                    "Records, {}-compressed as one block ({} bytes before compression)",
                    self.codec.name(),
                    records.bytes.len()
                ),
            );
        }
        let crc = crc32c(&l.bytes[ATTRIBUTES_OFFSET..]);
        l.bytes[CRC_OFFSET..CRC_OFFSET + 4].copy_from_slice(&crc.to_be_bytes());
        l.spans[4].label =
            format!("CRC uint32 = {crc:#010x} (CRC-32C of the bytes from Attributes to the end)");
        Ok(l)
    }

    /// Parses a batch, checking magic, length and CRC; decompresses its records.
    pub fn decode(bytes: &[u8]) -> Result<Batch, FormatError> {
        if bytes.len() < RECORD_BATCH_OVERHEAD {
            return Err(FormatError::decode(
                0,
                format!(
                    "a batch has a {RECORD_BATCH_OVERHEAD}-byte header; got {} bytes",
                    bytes.len()
                ),
            ));
        }
        let be64 = |o: usize| i64::from_be_bytes(bytes[o..o + 8].try_into().unwrap_or([0; 8]));
        let be32 = |o: usize| i32::from_be_bytes(bytes[o..o + 4].try_into().unwrap_or([0; 4]));
        let be16 = |o: usize| i16::from_be_bytes(bytes[o..o + 2].try_into().unwrap_or([0; 2]));
        let length = be32(8);
        if length < 0 || length as usize + LOG_OVERHEAD != bytes.len() {
            return Err(FormatError::decode(
                8,
                format!(
                    "Length {length} does not match the {} bytes after the first 12",
                    bytes.len() - LOG_OVERHEAD
                ),
            ));
        }
        if bytes[16] != 2 {
            return Err(FormatError::decode(
                16,
                format!("magic {} (only record batch v2 is read)", bytes[16]),
            ));
        }
        let stored = be32(CRC_OFFSET) as u32;
        let computed = crc32c(&bytes[ATTRIBUTES_OFFSET..]);
        if stored != computed {
            return Err(FormatError::decode(
                CRC_OFFSET,
                format!(
                "CRC mismatch: stored {stored:#010x}, computed {computed:#010x} (corrupt record)"
            ),
            ));
        }
        let attrs = be16(21);
        let codec = Codec::from_id((attrs & 7) as u8)?;
        let count = be32(57);
        if count < 0 || count as usize > Limits::ITEMS_MAX {
            return Err(FormatError::decode(
                57,
                format!("invalid RecordsCount {count}"),
            ));
        }
        let raw = codec.decompress(&bytes[RECORD_BATCH_OVERHEAD..])?;
        let mut pos = 0;
        let mut records = Vec::with_capacity(count as usize);
        for _ in 0..count {
            records.push(decode_record(&raw, &mut pos)?);
        }
        if pos != raw.len() {
            return Err(FormatError::decode(pos, "bytes left after the last record"));
        }
        Ok(Batch {
            base_offset: be64(0),
            partition_leader_epoch: be32(12),
            codec,
            log_append_time: attrs & (1 << 3) != 0,
            transactional: attrs & (1 << 4) != 0,
            control: attrs & (1 << 5) != 0,
            base_timestamp: be64(27),
            max_timestamp: be64(35),
            producer_id: be64(43),
            producer_epoch: be16(51),
            base_sequence: be32(53),
            records,
        })
    }
}

/// The size of a record's body (`DefaultRecord.sizeOfBodyInBytes`), without its length varint.
pub fn record_body_size(r: &Record) -> usize {
    let mut n = 1 + size_of_varlong(r.timestamp_delta) + size_of_varint(r.offset_delta);
    n += bytes_field_size(r.key.as_deref());
    n += bytes_field_size(r.value.as_deref());
    n += size_of_varint(r.headers.len() as i32);
    for h in &r.headers {
        n += size_of_varint(h.key.len() as i32) + h.key.len();
        n += bytes_field_size(h.value.as_deref());
    }
    n
}

/// The full size of a record in an uncompressed batch (`DefaultRecord.sizeInBytes`).
pub fn record_size(r: &Record) -> usize {
    let body = record_body_size(r);
    size_of_varint(body as i32) + body
}

fn bytes_field_size(b: Option<&[u8]>) -> usize {
    match b {
        None => 1,
        Some(b) => size_of_varint(b.len() as i32) + b.len(),
    }
}

/// The encoded record (`DefaultRecord.writeTo`).
pub fn encode_record(r: &Record) -> Vec<u8> {
    let mut l = Layout::default();
    explain_record_into(r, &mut l, 0);
    l.bytes
}

/// The encoded record, labelled.
pub fn explain_record(r: &Record) -> Layout {
    let mut l = Layout::default();
    explain_record_into(r, &mut l, 0);
    l
}

fn varint_bytes(v: i32) -> Vec<u8> {
    let mut b = Vec::new();
    write_varint(v, &mut b);
    b
}

fn explain_record_into(r: &Record, l: &mut Layout, depth: usize) {
    let group = l.open(depth, format!("record (offset delta {})", r.offset_delta));
    let body = record_body_size(r) as i32;
    l.push(
        depth + 1,
        &varint_bytes(body),
        format!("Length varint = {body} (bytes after this field)"),
    );
    l.push(depth + 1, &[0], "Attributes int8 = 0 (unused)");
    let mut ts = Vec::new();
    write_varlong(r.timestamp_delta, &mut ts);
    l.push(
        depth + 1,
        &ts,
        format!("TimestampDelta varlong = {}", r.timestamp_delta),
    );
    l.push(
        depth + 1,
        &varint_bytes(r.offset_delta),
        format!("OffsetDelta varint = {}", r.offset_delta),
    );
    push_bytes_field(l, depth + 1, "Key", r.key.as_deref());
    push_bytes_field(l, depth + 1, "Value", r.value.as_deref());
    l.push(
        depth + 1,
        &varint_bytes(r.headers.len() as i32),
        format!("HeadersCount varint = {}", r.headers.len()),
    );
    for h in &r.headers {
        l.push(
            depth + 1,
            &varint_bytes(h.key.len() as i32),
            format!("HeaderKeyLength varint = {}", h.key.len()),
        );
        l.push(
            depth + 1,
            h.key.as_bytes(),
            format!("HeaderKey \"{}\"", h.key),
        );
        push_bytes_field(l, depth + 1, "HeaderValue", h.value.as_deref());
    }
    l.close(group);
}

fn push_bytes_field(l: &mut Layout, depth: usize, name: &str, b: Option<&[u8]>) {
    match b {
        None => l.push(
            depth,
            &varint_bytes(-1),
            format!("{name}Length varint = -1 (null)"),
        ),
        Some(b) => {
            l.push(
                depth,
                &varint_bytes(b.len() as i32),
                format!("{name}Length varint = {}", b.len()),
            );
            if !b.is_empty() {
                l.push(depth, b, format!("{name} ({} bytes)", b.len()));
            }
        }
    }
}

fn read_bytes_field(
    buf: &[u8],
    pos: &mut usize,
    end: usize,
) -> Result<Option<Vec<u8>>, FormatError> {
    let at = *pos;
    let len = read_varint(buf, pos)?;
    if len < 0 {
        if len != -1 {
            return Err(FormatError::decode(at, format!("invalid length {len}")));
        }
        return Ok(None);
    }
    let len = len as usize;
    if *pos + len > end {
        return Err(FormatError::decode(
            at,
            format!("length {len} runs past the record"),
        ));
    }
    let b = buf[*pos..*pos + len].to_vec();
    *pos += len;
    Ok(Some(b))
}

/// Reads one record (`DefaultRecord.readFrom`).
pub fn decode_record(buf: &[u8], pos: &mut usize) -> Result<Record, FormatError> {
    let at = *pos;
    let len = read_varint(buf, pos)?;
    if len < 0 || *pos + len as usize > buf.len() {
        return Err(FormatError::decode(
            at,
            format!("record length {len} runs past the input"),
        ));
    }
    let end = *pos + len as usize;
    if *pos >= end {
        return Err(FormatError::decode(at, "empty record"));
    }
    *pos += 1; // attributes
    let timestamp_delta = read_varlong(buf, pos)?;
    let offset_delta = read_varint(buf, pos)?;
    let key = read_bytes_field(buf, pos, end)?;
    let value = read_bytes_field(buf, pos, end)?;
    let hat = *pos;
    let n = read_varint(buf, pos)?;
    if n < 0 || n as usize > end.saturating_sub(*pos) {
        return Err(FormatError::decode(
            hat,
            format!("invalid header count {n}"),
        ));
    }
    let mut headers = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let kat = *pos;
        let k = read_bytes_field(buf, pos, end)?
            .ok_or_else(|| FormatError::decode(kat, "null header key"))?;
        let key = String::from_utf8(k)
            .map_err(|_| FormatError::decode(kat, "header key is not UTF-8"))?;
        let value = read_bytes_field(buf, pos, end)?;
        headers.push(Header { key, value });
    }
    if *pos != end {
        return Err(FormatError::decode(
            *pos,
            "record length does not match its fields",
        ));
    }
    Ok(Record {
        timestamp_delta,
        offset_delta,
        key,
        value,
        headers,
    })
}

/// `n` records of one value with null keys, `interval_ms` apart: what a producer sending one
/// value at a steady rate puts in a batch.
pub fn spaced_records(value: &[u8], n: usize, interval_ms: i64) -> Vec<Record> {
    (0..n)
        .map(|i| Record {
            timestamp_delta: i as i64 * interval_ms,
            offset_delta: i as i32,
            key: None,
            value: Some(value.to_vec()),
            headers: Vec::new(),
        })
        .collect()
}

/// Sizes of one batch, measured by encoding it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BatchSizes {
    /// Sum of the record payloads (keys, values, header keys and values).
    pub payload_bytes: usize,
    /// The records as framed, before compression.
    pub records_bytes: usize,
    /// The whole batch on the wire (header + records, compressed if a codec is set).
    pub batch_bytes: usize,
}

/// Measures a batch.
pub fn batch_sizes(batch: &Batch) -> Result<BatchSizes, FormatError> {
    let payload_bytes = batch
        .records
        .iter()
        .map(|r| {
            r.key.as_ref().map_or(0, |k| k.len())
                + r.value.as_ref().map_or(0, |v| v.len())
                + r.headers
                    .iter()
                    .map(|h| h.key.len() + h.value.as_ref().map_or(0, |v| v.len()))
                    .sum::<usize>()
        })
        .sum();
    let records_bytes = batch.records.iter().map(record_size).sum();
    let batch_bytes = batch.encode()?.len();
    Ok(BatchSizes {
        payload_bytes,
        records_bytes,
        batch_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{from_hex, to_hex};

    /// kafka-semantics.md §12.1's own record examples.
    #[test]
    fn notes_record_examples() {
        let r = Record {
            key: Some(b"k".to_vec()),
            value: Some(b"v".to_vec()),
            ..Record::default()
        };
        assert_eq!(to_hex(&encode_record(&r)), "10000000026b027600");
        assert_eq!(record_size(&r), 9);
        let r = Record {
            timestamp_delta: 5,
            offset_delta: 1,
            key: None,
            value: Some(b"hi".to_vec()),
            headers: vec![],
        };
        assert_eq!(
            to_hex(&encode_record(&r)),
            "10000a0201046869".to_string() + "00"
        );
    }

    #[test]
    fn record_with_headers_round_trips() {
        let r = Record {
            timestamp_delta: -3,
            offset_delta: 7,
            key: Some(vec![]),
            value: None,
            headers: vec![
                Header {
                    key: "trace".into(),
                    value: Some(vec![1, 2]),
                },
                Header {
                    key: "n".into(),
                    value: None,
                },
            ],
        };
        let b = encode_record(&r);
        assert_eq!(b.len(), record_size(&r));
        let mut pos = 0;
        assert_eq!(decode_record(&b, &mut pos).unwrap(), r);
        assert_eq!(pos, b.len());
    }

    #[test]
    fn batch_header_is_61_bytes_and_round_trips() {
        let batch = Batch::of_values(Codec::None, &[(Some(b"k".to_vec()), Some(b"v".to_vec()))]);
        let b = batch.encode().unwrap();
        assert_eq!(b.len(), RECORD_BATCH_OVERHEAD + 9);
        assert_eq!(
            i32::from_be_bytes(b[8..12].try_into().unwrap()) as usize,
            b.len() - 12
        );
        assert_eq!(Batch::decode(&b).unwrap(), batch);
        let mut corrupt = b.clone();
        let last = corrupt.len() - 1;
        corrupt[last] ^= 1;
        assert!(Batch::decode(&corrupt)
            .unwrap_err()
            .message
            .contains("CRC mismatch"));
        // The leader epoch is outside the CRC: changing it keeps the batch valid.
        let mut epoch = b;
        epoch[15] = 9;
        assert_eq!(Batch::decode(&epoch).unwrap().partition_leader_epoch, 9);
    }

    /// Batches from IBM/sarama's `record_batch_test.go` (`recordBatchTestCases`), an independent
    /// Go client that talks to real brokers: the same fields must give the same bytes, CRC
    /// included. Sarama writes producer id, epoch and sequence as 0.
    fn sarama_batch(codec: Codec, control: bool, with_record: bool) -> Batch {
        let records = if with_record {
            vec![Record {
                timestamp_delta: 5,
                offset_delta: 0,
                key: Some(vec![1, 2, 3, 4]),
                value: Some(vec![5, 6, 7]),
                headers: vec![Header {
                    key: "\u{8}\u{9}\u{a}".into(),
                    value: Some(vec![11, 12]),
                }],
            }]
        } else {
            vec![]
        };
        Batch {
            codec,
            control,
            base_timestamp: if with_record { 1_479_847_795_000 } else { 0 },
            producer_id: 0,
            producer_epoch: 0,
            base_sequence: 0,
            records,
            ..Batch::default()
        }
    }

    #[test]
    fn sarama_empty_and_control_batches() {
        let empty = sarama_batch(Codec::None, false, false).encode().unwrap();
        let mut expected = vec![
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 49, 0, 0, 0, 0, 2, 89, 95, 183, 221, 0, 0,
        ];
        expected.extend([0u8; 4 + 8 + 8 + 8 + 2 + 4 + 4]);
        assert_eq!(expected.len(), RECORD_BATCH_OVERHEAD);
        assert_eq!(empty, expected, "sarama \"empty record\"");
        let control = sarama_batch(Codec::None, true, false).encode().unwrap();
        assert_eq!(
            &control[17..23],
            &[81, 46, 67, 217, 0, 32],
            "sarama \"control batch\" CRC and attributes"
        );
    }

    #[test]
    fn sarama_uncompressed_record_batch() {
        let b = sarama_batch(Codec::None, false, true).encode().unwrap();
        let expected: Vec<u8> = [
            &[
                0u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 70, 0, 0, 0, 0, 2, 84, 121, 97, 253, 0, 0, 0, 0,
                0, 0,
            ][..],
            &[0, 0, 1, 88, 141, 205, 89, 56],
            &[0; 8 + 8 + 2 + 4],
            &[0, 0, 0, 1],
            &[
                40, 0, 10, 0, 8, 1, 2, 3, 4, 6, 5, 6, 7, 2, 6, 8, 9, 10, 4, 11, 12,
            ],
        ]
        .concat();
        assert_eq!(to_hex(&b), to_hex(&expected));
        assert_eq!(
            Batch::decode(&expected).unwrap(),
            sarama_batch(Codec::None, false, true)
        );
    }

    /// Sarama's compressed batches decode (CRC checked, payload decompressed) to the same record.
    #[test]
    fn sarama_compressed_batches_decode() {
        let head = |len: u8, crc: [u8; 4], codec: u8| -> Vec<u8> {
            [
                &[0u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, len, 0, 0, 0, 0, 2][..],
                &crc,
                &[0, codec, 0, 0, 0, 0],
                &[0, 0, 1, 88, 141, 205, 89, 56],
                &[0; 8 + 8 + 2 + 4],
                &[0, 0, 0, 1],
            ]
            .concat()
        };
        let gzip: Vec<u8> = [
            head(94, [159, 236, 182, 189], 1),
            vec![
                31, 139, 8, 0, 0, 0, 0, 0, 0, 255, 210, 96, 224, 98, 224, 96, 100, 98, 102, 97, 99,
                101, 99, 103, 98, 227, 224, 228, 98, 225, 230, 1, 4, 0, 0, 255, 255, 173, 201, 88,
                103, 21, 0, 0, 0,
            ],
        ]
        .concat();
        let snappy: Vec<u8> = [
            head(72, [21, 0, 159, 97], 2),
            vec![
                21, 80, 40, 0, 10, 0, 8, 1, 2, 3, 4, 6, 5, 6, 7, 2, 6, 8, 9, 10, 4, 11, 12,
            ],
        ]
        .concat();
        let lz4: Vec<u8> = [
            head(89, [169, 74, 119, 197], 3),
            vec![
                4, 34, 77, 24, 100, 112, 185, 21, 0, 0, 128, 40, 0, 10, 0, 8, 1, 2, 3, 4, 6, 5, 6,
                7, 2, 6, 8, 9, 10, 4, 11, 12, 0, 0, 0, 0, 12, 59, 239, 146,
            ],
        ]
        .concat();
        for (codec, bytes) in [
            (Codec::Gzip, gzip),
            (Codec::Snappy, snappy),
            (Codec::Lz4, lz4),
        ] {
            let batch = Batch::decode(&bytes).unwrap_or_else(|e| panic!("{codec:?}: {e}"));
            assert_eq!(batch, sarama_batch(codec, false, true), "{codec:?}");
            // And our own compressed encoding of it decodes back to the same batch.
            let ours = batch.encode().unwrap();
            assert_eq!(Batch::decode(&ours).unwrap(), batch, "{codec:?} round trip");
        }
    }

    /// A zstd batch as Kafka's producer writes one — the records block compressed by libzstd at
    /// level 3 (zstd-jni's default in `ZstdCompression`), no frame checksum — decodes with the
    /// pure-Rust decoder to the same records (Khafka writes no zstd batch: compression.rs).
    #[test]
    fn libzstd_batches_decode() {
        let values: Vec<_> = (0..50)
            .map(|i| {
                (
                    None,
                    Some(format!("{{\"id\":{i},\"name\":\"user-{i}\"}}").into_bytes()),
                )
            })
            .collect();
        let plain = Batch::of_values(Codec::None, &values);
        let bytes = plain.encode().unwrap();
        let records = &bytes[RECORD_BATCH_OVERHEAD..];
        let z = zstd::bulk::compress(records, 3).unwrap();
        assert!(
            z.len() < records.len() / 2,
            "{} of {}",
            z.len(),
            records.len()
        );
        let mut framed = bytes[..RECORD_BATCH_OVERHEAD].to_vec();
        framed.extend_from_slice(&z);
        // Length (bytes 8..12) counts from the partition leader epoch; attributes (21..23) say zstd.
        let len = (framed.len() - 12) as u32;
        framed[8..12].copy_from_slice(&len.to_be_bytes());
        framed[21..23].copy_from_slice(&4i16.to_be_bytes());
        let crc = crc32c(&framed[21..]);
        framed[17..21].copy_from_slice(&crc.to_be_bytes());
        let batch = Batch::decode(&framed).unwrap();
        assert_eq!(batch.codec, Codec::Zstd);
        assert_eq!(batch.records, plain.records);
        // Writing one is refused, with the reason.
        assert!(batch.encode().unwrap_err().message.contains("libzstd"));
    }

    /// A complete batch, byte for byte, with its CRC-32C: one record key "k" value "v", base
    /// offset 0, no producer id, CreateTime 0. The header bytes follow the table of
    /// kafka-semantics.md §12.1; the CRC is the Castagnoli CRC (checked against the RFC 3720
    /// vectors in `crc.rs`) of bytes 21.. .
    #[test]
    fn known_batch_bytes() {
        let batch = Batch::of_values(Codec::None, &[(Some(b"k".to_vec()), Some(b"v".to_vec()))]);
        let hex = to_hex(&batch.encode().unwrap());
        let expected_without_crc = concat!(
            "0000000000000000", // base offset
            "0000003a",         // length 58 = 70 - 12
            "00000000",         // partition leader epoch
            "02",               // magic
            "CRC_____",
            "0000",             // attributes
            "00000000",         // last offset delta
            "0000000000000000", // base timestamp
            "0000000000000000", // max timestamp
            "ffffffffffffffff", // producer id -1
            "ffff",             // producer epoch -1
            "ffffffff",         // base sequence -1
            "00000001",         // records count
            "10000000026b027600"
        );
        assert_eq!(hex[..34], expected_without_crc[..34]);
        assert_eq!(hex[42..], expected_without_crc[42..]);
        let crc_input = from_hex(&expected_without_crc[42..]).unwrap();
        assert_eq!(hex[34..42], format!("{:08x}", crc32c(&crc_input)));
    }
}
