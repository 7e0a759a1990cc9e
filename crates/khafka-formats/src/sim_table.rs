//! What a simulation needs of the codecs, computed before the run: the engine carries no codec.
//!
//! A scenario whose producers declare a value serializer with a schema (`value.serializer=avro
//! value.schema=NAME value={…}`) and whose consumers declare a reader schema hands this module a
//! [`SimRequest`]: its schemas, each producer's schema uses in the order they come into force, and
//! the readers. [`table`] answers with a [`SimTable`]:
//! - per use, what a Confluent serializer does with the value (`Registry::serialize`, with
//!   `auto.register.schemas=true`): the registry assigns the subject's version and the schema id,
//!   or refuses the schema (HTTP 409 under the subject's compatibility level, with the reason),
//!   which the serializer throws as a `SerializationException`; on success, the bytes of the value
//!   on the wire (magic byte, schema id, Protobuf message indexes, payload);
//! - per reader and use, whether a Confluent deserializer with that reader schema decodes the value
//!   (`Registry::deserialize`: the writer's schema by id, then resolution to the reader's) or the
//!   reason it fails — Kafka's consumer reports it as a `RecordDeserializationException`.
//! - per use whose producer sets a `compression.type` this crate can encode (gzip, snappy, lz4),
//!   how much that codec shrinks a record batch v2 of the producer's records — the framed value,
//!   the producer's keys, timestamp deltas at its rate — at 1, 2, 4, … records up to what its
//!   `batch.size` holds ([`compression_points`]): the engine compresses that producer's batches by
//!   these measured ratios instead of its fixed one per codec.
//!
//! Uses register in the order given (the scenario layer sorts them by the instant they come into
//! force), against one registry shared by every producer of the scenario.

use crate::compat::CompatibilityLevel;
use crate::registry::{subject_name, RegisterError, Registry, SubjectNameStrategy};
use crate::{Format, FormatError};
use serde::{Deserialize, Serialize};

/// A schema of the scenario.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SimSchema {
    pub format: Format,
    pub text: String,
    /// The Protobuf message (the first top-level message when absent).
    #[serde(default)]
    pub message: Option<String>,
}

/// A producer's schema coming into force.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct SimUse {
    pub topic: String,
    /// Index into [`SimRequest::schemas`].
    pub schema: u32,
    /// The value each record carries, as JSON text.
    pub value: String,
    /// `value.subject.name.strategy`: `TopicNameStrategy` (when absent), `RecordNameStrategy`
    /// or `TopicRecordNameStrategy`.
    #[serde(default)]
    pub strategy: Option<String>,
    /// How the producer batches, for its measured compression ([`Producing::parse`]): `CODEC
    /// BATCH_SIZE INTERVAL_MS IN_ORDER [KEYS]`, e.g. `gzip 16384 100 0 user-0..99`; absent: no
    /// compression; `… KEYS|- POOL` for a template's pool of POOL values, this use and the ones
    /// after it. (One string rather than fields: serde's code for five more fields cost the
    /// Protobuf bundle, at its budget, too much.)
    #[serde(default)]
    pub batch: Option<String>,
}

/// What a producer's batches are made of, read from [`SimUse::batch`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Producing {
    /// `compression.type`.
    pub codec: String,
    /// `batch.size`: how many of these values a batch holds at most (the engine counts values).
    pub batch_size: u32,
    /// Milliseconds between two of its records (the timestamp deltas in a batch).
    pub interval_ms: u64,
    /// Keys drawn in order (`key.distribution=sequential`) rather than at random.
    pub keys_in_order: bool,
    /// Its keys as the scenario writes them: a range `user-0..99` or a list `a,b,c`; absent
    /// (or `-`): null keys.
    pub keys: Option<String>,
    /// The values its records draw from: this use and the `pool - 1` uses after it (a value
    /// template's pool; 1 when absent).
    pub pool: u32,
}

impl Producing {
    pub fn parse(text: &str) -> Result<Producing, FormatError> {
        let bad = || FormatError::input(format!("unreadable batch shape `{text}`"));
        let mut w = text.split(' ');
        let mut next = || w.next().ok_or_else(bad);
        Ok(Producing {
            codec: next()?.to_string(),
            batch_size: next()?.parse().map_err(|_| bad())?,
            interval_ms: next()?.parse().map_err(|_| bad())?,
            keys_in_order: next()? == "1",
            keys: w.next().filter(|k| *k != "-").map(str::to_string),
            pool: match w.next() {
                Some(n) => n.parse().ok().filter(|&n| n > 0).ok_or_else(bad)?,
                None => 1,
            },
        })
    }
}

/// The schema's fully-qualified record name, as the record strategies read it: an Avro record's
/// `namespace.name`, a JSON Schema's `title`, a Protobuf message's full name.
fn record_name(s: &SimSchema) -> Result<String, FormatError> {
    match s.format {
        #[cfg(feature = "protobuf")]
        Format::Protobuf => Ok(crate::protobuf::ProtoSchema::parse(&s.text)?
            .message(s.message.as_deref())?
            .desc
            .full_name()
            .to_string()),
        #[cfg(not(feature = "protobuf"))]
        Format::Protobuf => Err(crate::by_format::not_built(Format::Protobuf)),
        Format::Avro | Format::Json => {
            let v: serde_json::Value = serde_json::from_str(&s.text)
                .map_err(|e| FormatError::schema(format!("the schema is not JSON: {e}")))?;
            let field = |k: &str| v.get(k).and_then(|x| x.as_str()).filter(|x| !x.is_empty());
            if s.format == Format::Json {
                return field("title").map(str::to_string).ok_or_else(|| {
                    FormatError::schema("a record name strategy needs the JSON Schema's `title`")
                });
            }
            let name = field("name").ok_or_else(|| {
                FormatError::schema(
                    "a record name strategy needs a named Avro schema (a record, enum or fixed)",
                )
            })?;
            Ok(match field("namespace") {
                Some(ns) if !name.contains('.') => format!("{ns}.{name}"),
                _ => name.to_string(),
            })
        }
    }
}

/// The subject a use registers under.
fn subject_of(u: &SimUse, s: &SimSchema) -> Result<String, FormatError> {
    let strategy = match u.strategy.as_deref() {
        None | Some("TopicNameStrategy") => SubjectNameStrategy::TopicName,
        Some("RecordNameStrategy") => SubjectNameStrategy::RecordName,
        Some("TopicRecordNameStrategy") => SubjectNameStrategy::TopicRecordName,
        Some(other) => {
            return Err(FormatError::input(format!(
                "unknown subject name strategy `{other}`"
            )))
        }
    };
    let record = match strategy {
        SubjectNameStrategy::TopicName => None,
        _ => Some(record_name(s)?),
    };
    subject_name(strategy, &u.topic, false, record.as_deref())
}

/// Everything the table is computed from.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SimRequest {
    /// `schema.compatibility.level` (BACKWARD when absent).
    #[serde(default)]
    pub level: Option<CompatibilityLevel>,
    /// Subject-level overrides (`PUT /config/{subject}`).
    #[serde(default)]
    pub subject_levels: Vec<(String, CompatibilityLevel)>,
    pub schemas: Vec<SimSchema>,
    /// In the order they come into force.
    pub uses: Vec<SimUse>,
    /// Reader schemas, indexes into `schemas`.
    #[serde(default)]
    pub readers: Vec<u32>,
    /// What the codec bundles before this one computed ([`Relay`]'s text, see [`step`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay: Option<String>,
}

/// The table so far, handed from one codec bundle to the next: each site bundle carries one
/// schema format besides JSON, so a scenario with Avro and Protobuf schemas is computed by
/// passing this between them (the page forwards it), each computing the uses and readers of its
/// own formats and taking in the others' — registrations included, so ids and versions come out
/// as from one registry. It travels as text ([`Relay::to_text`]): a serde form of it cost the
/// Protobuf bundle ~6 KB gzip, over its budget.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Relay {
    /// Uses `0..len`, in order.
    pub uses: Vec<Done>,
    /// Per reader: its row once a bundle computed it.
    pub decode: Vec<Option<Vec<String>>>,
}

/// One use, computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done {
    pub result: UseResult,
    /// What the registry answered when it registered the schema.
    pub reg: Option<Registration>,
    /// The framed value, when it was encoded (for readers of another format).
    pub bytes: Option<Vec<u8>>,
}

/// What the registry answered when it took a schema: `(id, version, new version)`.
pub type Registration = (i32, u32, bool);

impl Relay {
    /// One line per use, `U ID,VERSION,NEW|- HEX|- ` then its [`SimTable::to_text`] line; per
    /// reader computed, `R READER` then its `d` lines.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for d in &self.uses {
            match d.reg {
                Some((id, v, new)) => out.push_str(&format!("U {id},{v},{} ", u8::from(new))),
                None => out.push_str("U - "),
            }
            match &d.bytes {
                Some(b) => out.push_str(&crate::to_hex(b)),
                None => out.push('-'),
            }
            out.push(' ');
            out.push_str(&use_line(&d.result));
        }
        for (r, row) in self.decode.iter().enumerate() {
            if let Some(row) = row {
                out.push_str(&format!("R {r}\n"));
                decode_lines(&mut out, r, row);
            }
        }
        out
    }

    /// Reads [`Relay::to_text`] for a request with `readers` readers.
    pub fn parse(text: &str, readers: usize) -> Result<Relay, FormatError> {
        let bad =
            |line: &str| FormatError::input(format!("unreadable relayed table line `{line}`"));
        let mut relay = Relay {
            uses: Vec::new(),
            decode: vec![None; readers],
        };
        for line in text.lines() {
            let mut w = line.splitn(4, ' ');
            match w.next() {
                Some("U") => {
                    let (reg, hex, rest) = (w.next(), w.next(), w.next());
                    let (Some(reg), Some(hex), Some(rest)) = (reg, hex, rest) else {
                        return Err(bad(line));
                    };
                    let reg = match reg {
                        "-" => None,
                        r => {
                            let mut n = r.split(',');
                            let mut num = || n.next().and_then(|x| x.parse::<i64>().ok());
                            match (num(), num(), num()) {
                                (Some(id), Some(v), Some(new)) => Some((
                                    i32::try_from(id).map_err(|_| bad(line))?,
                                    u32::try_from(v).map_err(|_| bad(line))?,
                                    new == 1,
                                )),
                                _ => return Err(bad(line)),
                            }
                        }
                    };
                    let bytes = match hex {
                        "-" => None,
                        h => Some(crate::from_hex(h)?),
                    };
                    let mut w = rest.splitn(2, ' ');
                    let (kind, rest) = (w.next(), w.next().unwrap_or(""));
                    let subject_of = |s: &str| {
                        if s == "-" {
                            String::new()
                        } else {
                            s.to_string()
                        }
                    };
                    let result = match kind {
                        Some("u") => {
                            let mut f = rest.splitn(4, ' ');
                            let mut num = || f.next().and_then(|x| x.parse::<i64>().ok());
                            let (b, id, v) = (num(), num(), num());
                            let subject = subject_of(f.next().unwrap_or(""));
                            match (b, id, v) {
                                (Some(b), Some(id), Some(v)) => UseResult {
                                    subject,
                                    bytes: u32::try_from(b).ok(),
                                    id: i32::try_from(id).ok(),
                                    version: u32::try_from(v).ok(),
                                    error: None,
                                },
                                _ => return Err(bad(line)),
                            }
                        }
                        Some("x") => {
                            let mut f = rest.splitn(2, ' ');
                            UseResult {
                                subject: subject_of(f.next().unwrap_or("")),
                                bytes: None,
                                id: None,
                                version: None,
                                error: Some(f.next().unwrap_or("").to_string()),
                            }
                        }
                        _ => return Err(bad(line)),
                    };
                    relay.uses.push(Done { result, reg, bytes });
                }
                Some(k @ ("R" | "d")) => {
                    let r: usize = w
                        .next()
                        .and_then(|x| x.parse().ok())
                        .ok_or_else(|| bad(line))?;
                    let row = relay.decode.get_mut(r).ok_or_else(|| bad(line))?;
                    if k == "R" {
                        *row = Some(Vec::new());
                        continue;
                    }
                    let u: usize = w
                        .next()
                        .and_then(|x| x.parse().ok())
                        .ok_or_else(|| bad(line))?;
                    let row = row.as_mut().ok_or_else(|| bad(line))?;
                    if row.len() <= u {
                        row.resize(u + 1, String::new());
                    }
                    row[u] = w.collect::<Vec<_>>().join(" ");
                }
                _ => return Err(bad(line)),
            }
        }
        // Rows end with the last use.
        let n = relay.uses.len();
        for row in relay.decode.iter_mut().flatten() {
            if row.len() > n {
                return Err(FormatError::input("a relayed row is longer than the uses"));
            }
            row.resize(n, String::new());
        }
        Ok(relay)
    }
}

/// What [`step`] gives: the table, or [`Relay`]'s text for the bundle with `Format`.
#[derive(Clone, Debug)]
pub enum Step {
    Table(SimTable),
    Relay(Format, String),
}

/// Whether this build carries a format's codec.
pub fn built_here(format: Format) -> bool {
    match format {
        Format::Avro => cfg!(feature = "avro"),
        Format::Protobuf => cfg!(feature = "protobuf"),
        Format::Json => true,
    }
}

/// What the serializer did with one use (absent fields are left out of the JSON, so a reader can
/// take them as 0 or empty).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct UseResult {
    pub subject: String,
    /// Bytes of the value on the wire (Confluent framing included); `None` when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// Why `serialize` threw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct SimTable {
    /// One per use, in the request's order.
    pub uses: Vec<UseResult>,
    /// `decode[r][u]`: empty when reader `r` decodes use `u`'s value (or the use failed to
    /// serialize), else why it cannot.
    pub decode: Vec<Vec<String>>,
    /// Per use, its codec's measured ratios ([`compression_points`]); empty when the use has no
    /// codec this crate encodes, or failed to serialize.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compression: Vec<Vec<(u32, u32)>>,
}

impl SimTable {
    /// The table as lines, for a reader without a JSON deserializer of its own (the notebook
    /// bundle, where one cost ~3 KB gzip): per use `u BYTES ID VERSION SUBJECT`, or
    /// `x SUBJECT ERROR` when the serializer threw (`-` for no subject); per reader and use that
    /// fails, `d READER USE REASON`; per use with measured compression, `c USE N:PPM N:PPM …`.
    /// Messages are on one line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for u in &self.uses {
            out.push_str(&use_line(u));
        }
        for (u, points) in self.compression.iter().enumerate() {
            if !points.is_empty() {
                out.push_str(&format!("c {u}"));
                for (n, ppm) in points {
                    out.push_str(&format!(" {n}:{ppm}"));
                }
                out.push('\n');
            }
        }
        for (r, row) in self.decode.iter().enumerate() {
            decode_lines(&mut out, r, row);
        }
        out
    }
}

fn one_line(t: &str) -> String {
    t.replace(['\n', '\r'], " ")
}

/// A use's line of [`SimTable::to_text`].
fn use_line(u: &UseResult) -> String {
    let subject = if u.subject.is_empty() {
        "-"
    } else {
        &u.subject
    };
    match (u.bytes, u.id, u.version) {
        (Some(b), Some(id), Some(v)) => format!("u {b} {id} {v} {subject}\n"),
        _ => format!(
            "x {subject} {}\n",
            one_line(u.error.as_deref().unwrap_or("no size"))
        ),
    }
}

/// A reader's `d` lines of [`SimTable::to_text`].
fn decode_lines(out: &mut String, r: usize, row: &[String]) {
    for (u, why) in row.iter().enumerate() {
        if !why.is_empty() {
            out.push_str(&format!("d {r} {u} {}\n", one_line(why)));
        }
    }
}

/// Most schemas and readers in one request.
pub const SIM_ITEMS_MAX: usize = 256;
/// Most uses in one request: a scenario's 256 schema uses, or the values of its templates'
/// pools (at most 2,048 in all).
pub const SIM_USES_MAX: usize = 2048;

/// Computes the table; a build without one of the request's formats refuses it (see [`step`]).
pub fn table(req: &SimRequest) -> Result<SimTable, FormatError> {
    match step(req, &built_here)? {
        Step::Table(t) => Ok(t),
        Step::Relay(f, _) => Err(crate::by_format::not_built(f)),
    }
}

/// Computes the uses and readers whose formats `built` says this build has, in order, taking the
/// others from `req.relay`; at the first one neither gives, the request for a bundle with its
/// format (with everything computed so far). With every format built, the table at once.
pub fn step(req: &SimRequest, built: &dyn Fn(Format) -> bool) -> Result<Step, FormatError> {
    for (what, n, max) in [
        ("schemas", req.schemas.len(), SIM_ITEMS_MAX),
        ("schema uses", req.uses.len(), SIM_USES_MAX),
        ("readers", req.readers.len(), SIM_ITEMS_MAX),
    ] {
        if n > max {
            return Err(FormatError::input(format!("{n} {what}: at most {max}")));
        }
    }
    let schema = |i: u32| {
        req.schemas
            .get(i as usize)
            .ok_or_else(|| FormatError::input(format!("no schema {i}")))
    };
    let relay = match &req.relay {
        Some(text) => Relay::parse(text, req.readers.len())?,
        None => Relay::default(),
    };
    let mut registry = Registry::new();
    if let Some(l) = req.level {
        registry.global_level = l;
    }
    for (subject, level) in &req.subject_levels {
        registry.set_subject_level(subject, Some(*level));
    }
    let mut done: Vec<Done> = Vec::with_capacity(req.uses.len());
    let mut encoded: Vec<Option<Vec<u8>>> = Vec::with_capacity(req.uses.len());
    let next = |format: Format, uses: Vec<Done>, decode: Vec<Option<Vec<String>>>| {
        Ok(Step::Relay(format, Relay { uses, decode }.to_text()))
    };
    for (i, u) in req.uses.iter().enumerate() {
        let s = schema(u.schema)?;
        if !built(s.format) {
            let Some(d) = relay.uses.get(i) else {
                return next(s.format, done, relay.decode.clone());
            };
            if let Some(reg) = d.reg {
                registry.adopt(&d.result.subject, s.format, &s.text, reg)?;
            }
            encoded.push(d.bytes.clone());
            done.push(d.clone());
            continue;
        }
        let (result, reg, bytes) = serialize(&mut registry, u, s);
        encoded.push(bytes.clone());
        done.push(Done { result, reg, bytes });
    }
    let mut decode = Vec::with_capacity(req.readers.len());
    for (r, &i) in req.readers.iter().enumerate() {
        let reader = schema(i)?;
        if !built(reader.format) {
            decode.push(relay.decode.get(r).cloned().flatten());
            continue;
        }
        decode.push(Some(
            encoded
                .iter()
                .map(|bytes| match bytes {
                    None => String::new(),
                    Some(bytes) => registry
                        .deserialize(reader.format, Some(&reader.text), bytes)
                        .err()
                        .map(|e| {
                            format!(
                                "Error deserializing {} message: {e}",
                                reader.format.schema_type()
                            )
                        })
                        .unwrap_or_default(),
                })
                .collect(),
        ));
    }
    if let Some(r) = decode.iter().position(Option::is_none) {
        let format = schema(req.readers[r])?.format;
        return next(format, done, decode);
    }
    let mut compression = Vec::with_capacity(req.uses.len());
    for (i, u) in req.uses.iter().enumerate() {
        let Some(batch) = &u.batch else {
            compression.push(Vec::new());
            continue;
        };
        let p = Producing::parse(batch)?;
        // The pool's values that encode (one, without a template).
        let end = i.saturating_add(p.pool as usize).min(encoded.len());
        let values: Vec<&[u8]> = encoded[i..end].iter().flatten().map(|v| &v[..]).collect();
        compression.push(if values.is_empty() {
            Vec::new()
        } else {
            compression_points(&p, &values)?
        });
    }
    if compression.iter().all(Vec::is_empty) {
        compression.clear();
    }
    Ok(Step::Table(SimTable {
        uses: done.into_iter().map(|d| d.result).collect(),
        decode: decode.into_iter().flatten().collect(),
        compression,
    }))
}

/// Most records in a measured batch (the engine's fetch bound is about 2,000).
pub const COMPRESSION_RECORDS_MAX: u32 = 1024;
/// Most framed bytes in a measured batch: 1 MiB, Kafka's default `max.request.size` (which
/// also bounds the work: each use compresses about twice this at most).
pub const COMPRESSION_BYTES_MAX: usize = 1 << 20;

/// A small deterministic generator for the keys a producer draws at random (the engine's own
/// generator is not this crate's to use; any spread over the key set compresses alike).
fn lcg(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *state >> 33
}

/// A producer's key set, read from the scenario's `keys=` text.
enum Keys<'a> {
    None,
    /// `prefix`, `lo`..=`hi`.
    Range(&'a str, u64, u64),
    List(Vec<&'a str>),
}

impl<'a> Keys<'a> {
    /// `user-0..99` is a range (the digits before `..` end the prefix), anything else a list.
    fn of(text: Option<&'a str>) -> Keys<'a> {
        let Some(text) = text.filter(|t| !t.is_empty()) else {
            return Keys::None;
        };
        if let Some((head, hi)) = text.split_once("..") {
            let digits = head.len() - head.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            let (prefix, lo) = head.split_at(head.len() - digits);
            if let (Ok(lo), Ok(hi)) = (lo.parse::<u64>(), hi.parse::<u64>()) {
                if lo <= hi {
                    return Keys::Range(prefix, lo, hi);
                }
            }
        }
        Keys::List(text.split(',').collect())
    }

    fn count(&self) -> u64 {
        match self {
            Keys::None => 0,
            Keys::Range(_, lo, hi) => (hi - lo).saturating_add(1),
            Keys::List(l) => l.len() as u64,
        }
    }

    fn key(&self, k: u64) -> Vec<u8> {
        match self {
            Keys::None => Vec::new(),
            Keys::Range(prefix, lo, _) => format!("{prefix}{}", lo + k).into_bytes(),
            Keys::List(l) => l[k as usize].as_bytes().to_vec(),
        }
    }
}

/// How much the use's `compression.type` shrinks a batch of its records: for `n` = 1, 2, 4, … up
/// to the records its `batch.size` holds (at most [`COMPRESSION_RECORDS_MAX`]) and that count
/// itself, `(n, ppm)` where `ppm` is the compressed records block over the framed records, in
/// parts per million (above 1,000,000 when the codec's framing outweighs what it saves). The
/// batch is a record batch v2 of `n` records, each a framed value of `values` (drawn at random
/// when there are several: a template's pool) with the producer's next key and a timestamp
/// `interval_ms` after the one before, compressed by the real codec. Empty for `none` and for
/// `zstd`, which this crate does not encode (the engine then keeps its fixed ratio), and for no
/// values.
pub fn compression_points(u: &Producing, values: &[&[u8]]) -> Result<Vec<(u32, u32)>, FormatError> {
    let codec = match u.codec.as_str() {
        "none" | "zstd" => return Ok(Vec::new()),
        c => crate::compression::Codec::parse(c)?,
    };
    if values.is_empty() {
        return Ok(Vec::new());
    }
    // The engine fills a batch while its values' bytes stay within `batch.size`, and always
    // takes one record (here: the pool's mean size).
    let mean = values.iter().map(|v| v.len()).sum::<usize>() / values.len();
    let fits = (u.batch_size as usize / mean.max(1)).max(1);
    let most = fits.min(COMPRESSION_RECORDS_MAX as usize);
    let keys = Keys::of(u.keys.as_deref());
    let key_count = keys.count();
    let (mut state, mut picks) = (42u64, 7u64);
    let mut records = Vec::with_capacity(most);
    let mut total = 0;
    for i in 0..most as u64 {
        let k = if key_count == 0 {
            None
        } else if u.keys_in_order {
            Some(i % key_count)
        } else {
            Some(lcg(&mut state) % key_count)
        };
        let key = k.map(|k| keys.key(k));
        let value = match values.len() {
            1 => values[0],
            n => values[lcg(&mut picks) as usize % n],
        };
        let r = crate::record_batch::Record {
            timestamp_delta: i.saturating_mul(u.interval_ms).min(i64::MAX as u64) as i64,
            offset_delta: i as i32,
            key,
            value: Some(value.to_vec()),
            headers: Vec::new(),
        };
        total += crate::record_batch::record_size(&r);
        if total > COMPRESSION_BYTES_MAX && !records.is_empty() {
            break;
        }
        records.push(r);
    }
    let most = records.len();
    let mut counts: Vec<usize> = Vec::new();
    let mut n = 1;
    while n < most {
        counts.push(n);
        n *= 2;
    }
    counts.push(most);
    let mut framed = Vec::new();
    let mut done = 0;
    let mut out = Vec::with_capacity(counts.len());
    for n in counts {
        for r in &records[done..n] {
            framed.extend(crate::record_batch::encode_record(r));
        }
        done = n;
        let compressed = codec.compress(&framed)?.len() as u64;
        let ppm = compressed * 1_000_000 / framed.len() as u64;
        out.push((n as u32, ppm.min(u32::MAX as u64) as u32));
    }
    Ok(out)
}

/// What a Confluent serializer does with one use: the result, the registration (if the registry
/// took the schema) and the framed bytes (if the value was encoded).
fn serialize(
    registry: &mut Registry,
    u: &SimUse,
    s: &SimSchema,
) -> (UseResult, Option<Registration>, Option<Vec<u8>>) {
    let failed = |subject: String, error: String| UseResult {
        subject,
        bytes: None,
        id: None,
        version: None,
        error: Some(error),
    };
    let subject = match subject_of(u, s) {
        Ok(subject) => subject,
        Err(e) => {
            let why = format!("Error serializing {} message: {e}", s.format.schema_type());
            return (failed(String::new(), why), None, None);
        }
    };
    // `auto.register.schemas=true`: register (or find), then frame with the id.
    let reg = match registry.register(&subject, s.format, &s.text) {
        Ok(reg) => reg,
        // The serializer's message for a refused registration (HTTP 409).
        Err(RegisterError::Incompatible(r)) => {
            let why = format!(
                "Error registering {} schema: Schema being registered is incompatible with an earlier schema for subject \"{subject}\" ({}); error code: 409: {}",
                s.format.schema_type(),
                registry.level(&subject).name(),
                r.reason()
            );
            return (failed(subject, why), None, None);
        }
        Err(RegisterError::Invalid(f)) => {
            let why = format!("Error registering {} schema: {f}", s.format.schema_type());
            return (failed(subject, why), None, None);
        }
    };
    let took = Some((reg.id, reg.version, reg.new_version));
    match crate::explain_framed(
        s.format,
        &s.text,
        s.message.as_deref(),
        &u.value,
        Some(reg.id),
    ) {
        Ok(l) => (
            UseResult {
                subject,
                bytes: Some(l.bytes.len() as u32),
                id: Some(reg.id),
                version: Some(reg.version),
                error: None,
            },
            took,
            Some(l.bytes),
        ),
        Err(f) => {
            let why = format!("Error serializing {} message: {f}", s.format.schema_type());
            (failed(subject, why), took, None)
        }
    }
}

#[cfg(all(test, feature = "avro"))]
mod tests {
    use super::*;

    const V1: &str = r#"{"type":"record","name":"Invoice","fields":[{"name":"no","type":"long"}]}"#;
    const V2_DEFAULT: &str = r#"{"type":"record","name":"Invoice","fields":[{"name":"no","type":"long"},{"name":"currency","type":"string","default":"EUR"}]}"#;
    const V2_NO_DEFAULT: &str = r#"{"type":"record","name":"Invoice","fields":[{"name":"no","type":"long"},{"name":"currency","type":"string"}]}"#;

    fn avro(text: &str) -> SimSchema {
        SimSchema {
            format: Format::Avro,
            text: text.into(),
            message: None,
        }
    }

    fn using(schema: u32, value: &str) -> SimUse {
        SimUse {
            topic: "orders".into(),
            schema,
            value: value.into(),
            ..Default::default()
        }
    }

    #[test]
    fn sizes_ids_refusals_and_readers() {
        let req = SimRequest {
            level: None,
            subject_levels: vec![],
            schemas: vec![avro(V1), avro(V2_DEFAULT), avro(V2_NO_DEFAULT)],
            uses: vec![
                using(0, r#"{"no":7}"#),
                using(2, r#"{"no":7,"currency":"USD"}"#),
                using(1, r#"{"no":7,"currency":"USD"}"#),
            ],
            readers: vec![0, 1, 2],
            relay: None,
        };
        let t = table(&req).unwrap();
        // 5 bytes of framing + `0e` (7 as a zig-zag long).
        assert_eq!(t.uses[0].bytes, Some(6));
        assert_eq!((t.uses[0].id, t.uses[0].version), (Some(1), Some(1)));
        // BACKWARD refuses the field without a default.
        assert_eq!(t.uses[1].bytes, None);
        let why = t.uses[1].error.as_deref().unwrap();
        assert!(why.contains("409") && why.contains("currency"), "{why}");
        // The default makes it pass: 6 + "USD" (length byte and three bytes).
        assert_eq!(t.uses[2].bytes, Some(10));
        assert_eq!((t.uses[2].id, t.uses[2].version), (Some(2), Some(2)));
        // v1's reader skips `currency`; v2's takes its default for v1's data; the reader without
        // a default cannot read v1's records.
        assert_eq!(t.decode[0], vec![""; 3]);
        assert_eq!(t.decode[1], vec![""; 3]);
        assert!(t.decode[2][0].contains("currency"));
        assert_eq!(t.decode[2][2], "");
        let text = t.to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "u 6 1 1 orders-value");
        assert!(lines[1].starts_with("x orders-value Error registering AVRO schema"));
        assert_eq!(lines[2], "u 10 2 2 orders-value");
        assert!(lines[3].starts_with("d 2 0 Error deserializing AVRO message"));
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn compression_measured_on_real_batches_of_the_producers_records() {
        let value = crate::explain_framed(Format::Avro, V1, None, r#"{"no":7}"#, Some(1))
            .unwrap()
            .bytes;
        let mut u = Producing::parse("gzip 16384 100 0 user-0..99").unwrap();
        assert_eq!(
            (u.batch_size, u.interval_ms, u.keys_in_order),
            (16_384, 100, false)
        );
        let points = compression_points(&u, &[&value]).unwrap();
        // Powers of two up to the records 16 KB of 6-byte values make, capped at 1,024.
        let counts: Vec<u32> = points.iter().map(|p| p.0).collect();
        assert_eq!(counts, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);
        // One small record: gzip's 18 bytes of framing outweigh what it saves.
        assert!(points[0].1 > 1_000_000, "{points:?}");
        // Many records of one value (and a hundred keys) compress well.
        assert!(points[10].1 < 400_000, "{points:?}");
        // Each point is the codec's output on the records, as a real batch frames them.
        let records = crate::record_batch::spaced_records(&value, 4, 100);
        u.keys = None;
        let framed: Vec<u8> = records
            .iter()
            .flat_map(crate::record_batch::encode_record)
            .collect();
        for codec in ["gzip", "snappy", "lz4"] {
            u.codec = codec.into();
            let at4 = compression_points(&u, &[&value]).unwrap()[2];
            let c = crate::compression::Codec::parse(codec).unwrap();
            let want = c.compress(&framed).unwrap().len() as u64 * 1_000_000 / framed.len() as u64;
            assert_eq!(at4, (4, want as u32), "{codec}");
        }
        // No codec, or zstd (not encoded here): nothing measured, the engine keeps its ratio.
        for codec in ["none", "zstd"] {
            u.codec = codec.into();
            assert!(compression_points(&u, &[&value]).unwrap().is_empty());
        }
        // A batch.size that holds one value, and a bound on the measured bytes.
        u.codec = "lz4".into();
        u.batch_size = 1;
        assert_eq!(compression_points(&u, &[&value]).unwrap().len(), 1);
        u.batch_size = i32::MAX as u32;
        let big = vec![b'x'; 60_000];
        let p = compression_points(&u, &[&big]).unwrap();
        assert_eq!(
            p.last().unwrap().0,
            17,
            "17 records of 60 KB fit in 1 MiB: {p:?}"
        );
        // In the table: a `c` line for the use.
        let req = SimRequest {
            level: None,
            subject_levels: vec![],
            schemas: vec![avro(V1)],
            uses: vec![SimUse {
                batch: Some("snappy 12 0 0".into()),
                ..using(0, r#"{"no":7}"#)
            }],
            readers: vec![],
            relay: None,
        };
        let t = table(&req).unwrap();
        assert_eq!(t.compression[0].len(), 2);
        for bad in ["snappy", "snappy x 0 0", "snappy 12 -1 0"] {
            assert!(Producing::parse(bad).is_err(), "{bad}");
        }
        let text = t.to_text();
        assert!(text.lines().nth(1).unwrap().starts_with("c 0 1:"), "{text}");
    }

    /// A value template's pool: the first use of the pool measures batches of records drawn from
    /// every value of it that encodes, and different values compress worse than copies of one.
    #[test]
    fn a_pool_of_values_is_measured_as_a_mix() {
        let u = Producing::parse("gzip 16384 10 0 - 3").unwrap();
        assert_eq!((u.keys.as_deref(), u.pool), (None, 3));
        for bad in ["gzip 16384 10 0 - 0", "gzip 16384 10 0 - x"] {
            assert!(Producing::parse(bad).is_err(), "{bad}");
        }
        let values = [
            r#"{"no":1}"#,
            r#"{"no":123456789012}"#,
            r#"{"no":"not a long"}"#,
        ];
        let mut uses: Vec<SimUse> = values.iter().map(|v| using(0, v)).collect();
        uses[0].batch = Some("gzip 16384 10 0 - 3".into());
        let req = SimRequest {
            level: None,
            subject_levels: vec![],
            schemas: vec![avro(V1)],
            uses,
            readers: vec![],
            relay: None,
        };
        let t = table(&req).unwrap();
        assert!(t.uses[2].error.is_some(), "a value the schema does not fit");
        let framed = |v: &str| {
            crate::explain_framed(Format::Avro, V1, None, v, Some(1))
                .unwrap()
                .bytes
        };
        let (a, b) = (framed(values[0]), framed(values[1]));
        assert_eq!(t.compression[0], compression_points(&u, &[&a, &b]).unwrap());
        assert!(t.compression[1].is_empty() && t.compression[2].is_empty());
        let copies = compression_points(&u, &[&a]).unwrap();
        let (mix, one) = (t.compression[0].last().unwrap(), copies.last().unwrap());
        assert!(
            mix.1 > one.1,
            "a mix {mix:?} compresses worse than copies {one:?}"
        );
    }

    #[test]
    fn format_mismatch_and_bounds() {
        let json = SimSchema {
            format: Format::Json,
            text: r#"{"type":"object","properties":{"no":{"type":"integer"}}}"#.into(),
            message: None,
        };
        let req = SimRequest {
            level: Some(CompatibilityLevel::None),
            subject_levels: vec![],
            schemas: vec![avro(V1), json],
            uses: vec![using(1, r#"{"no":7}"#)],
            readers: vec![0],
            relay: None,
        };
        let t = table(&req).unwrap();
        // 5 + `{"no":7}`.
        assert_eq!(t.uses[0].bytes, Some(13));
        assert!(t.decode[0][0].contains("not AVRO"));
        // Under TopicRecordNameStrategy, a JSON schema beside an Avro one in one topic: two
        // subjects, both accepted under BACKWARD.
        let mut merged = req.clone();
        merged.level = None;
        merged.schemas[1].text =
            r#"{"title":"Click","type":"object","properties":{"no":{"type":"integer"}}}"#.into();
        merged.uses = vec![using(0, r#"{"no":7}"#), using(1, r#"{"no":7}"#)];
        for u in &mut merged.uses {
            u.strategy = Some("TopicRecordNameStrategy".into());
        }
        let t = table(&merged).unwrap();
        assert_eq!(t.uses[0].subject, "orders-Invoice");
        assert_eq!(t.uses[1].subject, "orders-Click");
        assert_eq!((t.uses[1].id, t.uses[1].version), (Some(2), Some(1)));
        // Under the topic's one subject the JSON schema is refused after the Avro one.
        for u in &mut merged.uses {
            u.strategy = None;
        }
        assert!(table(&merged).unwrap().uses[1].error.is_some());
        let mut big = req.clone();
        big.readers = vec![0; SIM_ITEMS_MAX + 1];
        assert!(table(&big).is_err());
        let mut big = req.clone();
        big.uses = vec![big.uses[0].clone(); SIM_USES_MAX + 1];
        assert!(table(&big).is_err());
        let mut bad = req;
        bad.uses[0].schema = 9;
        assert!(table(&bad).is_err());
    }
}

#[cfg(all(test, feature = "avro", feature = "protobuf"))]
mod relay_tests {
    use super::*;

    fn schema(format: Format, text: &str) -> SimSchema {
        SimSchema {
            format,
            text: text.into(),
            message: None,
        }
    }

    fn using(topic: &str, schema: u32, value: &str, strategy: Option<&str>) -> SimUse {
        SimUse {
            topic: topic.into(),
            schema,
            value: value.into(),
            strategy: strategy.map(str::to_string),
            ..Default::default()
        }
    }

    /// Avro, Protobuf and JSON Schema in one registry: shared subjects (refused across types
    /// under BACKWARD, accepted under NONE), ids reused across subjects, an invalid schema, a
    /// value the schema refuses after registering, readers of every format.
    fn mixed() -> SimRequest {
        let avro_v1 = r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"}]}"#;
        let avro_v2 = r#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"},{"name":"currency","type":"string"}]}"#;
        SimRequest {
            level: None,
            subject_levels: vec![("mixed-value".into(), CompatibilityLevel::None)],
            schemas: vec![
                schema(Format::Avro, avro_v1),
                schema(Format::Protobuf, "syntax = \"proto3\";\npackage shop;\nmessage Order { int64 id = 1; }"),
                schema(Format::Json, r#"{"title":"Click","type":"object","properties":{"id":{"type":"integer"}}}"#),
                schema(Format::Avro, avro_v2),
                schema(Format::Protobuf, "message {"),
                schema(Format::Avro, &avro_v1.replace(',', " , ")),
                schema(Format::Protobuf, "syntax = \"proto3\";\npackage shop;\nmessage Order { int64 id = 1; string note = 2; }"),
            ],
            uses: vec![
                using("orders", 0, r#"{"id":7}"#, None),
                using("orders", 1, r#"{"id":7}"#, None),
                using("payments", 1, r#"{"id":7}"#, None),
                using("clicks", 2, r#"{"id":7}"#, None),
                using("orders", 3, r#"{"id":7,"currency":"EUR"}"#, None),
                using("orders", 4, r#"{"id":7}"#, None),
                using("payments", 5, r#"{"id":9}"#, Some("TopicRecordNameStrategy")),
                using("payments", 6, r#"{"id":1,"note":"n"}"#, None),
                using("orders", 0, r#"{"id":"seven"}"#, None),
                using("mixed", 1, r#"{"id":7}"#, None),
                using("mixed", 0, r#"{"id":7}"#, None),
                using("mixed", 2, r#"{"id":7}"#, None),
            ],
            readers: vec![0, 1, 2, 6, 3],
            relay: None,
        }
    }

    /// Runs the request through two builds that each lack a format, as the site's bundles do,
    /// with the request passed between them as JSON text; the number of hand-overs and the table.
    fn relayed(req: &SimRequest, first: Format) -> (usize, SimTable) {
        let avro_only = |f: Format| f != Format::Protobuf;
        let protobuf_only = |f: Format| f != Format::Avro;
        let mut on = first;
        let original = req.clone();
        let mut req = req.clone();
        for hops in 0..100 {
            let built: &dyn Fn(Format) -> bool = if on == Format::Avro {
                &avro_only
            } else {
                &protobuf_only
            };
            match step(&req, built).unwrap() {
                Step::Table(t) => return (hops, t),
                Step::Relay(f, state) => {
                    assert_ne!(f, on, "a build relays only to the other format");
                    assert!(!built(f));
                    // As the page does: the original request with the state, as JSON text.
                    let mut next = original.clone();
                    next.relay = Some(state);
                    let text = serde_json::to_string(&next).unwrap();
                    req = serde_json::from_str(&text).unwrap();
                    on = f;
                }
            }
        }
        panic!("no table after 100 hand-overs");
    }

    #[test]
    fn two_bundles_give_the_table_of_one_registry() {
        let req = mixed();
        let whole = table(&req).unwrap();
        // The table itself is what a registry with every format gives.
        let ok = |u: &UseResult| (u.subject.clone(), u.id, u.version);
        assert_eq!(
            ok(&whole.uses[0]),
            ("orders-value".into(), Some(1), Some(1))
        );
        assert!(whole.uses[1]
            .error
            .as_deref()
            .unwrap()
            .contains("different schema type"));
        assert_eq!(
            ok(&whole.uses[2]),
            ("payments-value".into(), Some(2), Some(1))
        );
        assert_eq!(
            ok(&whole.uses[3]),
            ("clicks-value".into(), Some(3), Some(1))
        );
        assert!(whole.uses[4].error.as_deref().unwrap().contains("409"));
        assert!(whole.uses[5].error.as_deref().unwrap().contains("PROTOBUF"));
        assert_eq!(
            ok(&whole.uses[6]),
            ("payments-shop.Order".into(), Some(1), Some(1))
        );
        assert_eq!(
            ok(&whole.uses[7]),
            ("payments-value".into(), Some(4), Some(2))
        );
        assert!(whole.uses[8]
            .error
            .as_deref()
            .unwrap()
            .starts_with("Error serializing AVRO"));
        assert_eq!(ok(&whole.uses[9]), ("mixed-value".into(), Some(2), Some(1)));
        assert_eq!(
            ok(&whole.uses[10]),
            ("mixed-value".into(), Some(1), Some(2))
        );
        assert_eq!(
            ok(&whole.uses[11]),
            ("mixed-value".into(), Some(3), Some(3))
        );
        // The Avro reader fails on Protobuf and JSON data, and the Protobuf reader on Avro's.
        assert!(
            whole.decode[0][2].contains("not AVRO"),
            "{}",
            whole.decode[0][2]
        );
        assert_eq!(whole.decode[1][2], "");
        assert!(!whole.decode[1][0].is_empty());
        for first in [Format::Avro, Format::Protobuf] {
            let (hops, t) = relayed(&req, first);
            assert_eq!(t, whole, "starting with {first:?}");
            assert_eq!(t.to_text(), whole.to_text());
            assert!(hops >= 4, "{hops} hand-overs starting with {first:?}");
        }
        // One format only: no hand-over.
        let mut avro = req.clone();
        avro.uses = vec![avro.uses[0].clone(), avro.uses[3].clone()];
        avro.readers = vec![0, 2];
        assert_eq!(relayed(&avro, Format::Avro), (0, table(&avro).unwrap()));
    }

    #[test]
    fn a_relay_out_of_order_is_refused() {
        let mut req = mixed();
        let Step::Relay(_, state) = step(&req, &|f| f != Format::Protobuf).unwrap() else {
            panic!("relays at the first Protobuf use");
        };
        let mut relay = Relay::parse(&state, req.readers.len()).unwrap();
        assert_eq!(
            Relay::parse(&relay.to_text(), req.readers.len()).unwrap(),
            relay
        );
        relay.uses.push(Done {
            result: UseResult {
                subject: "orders-value".into(),
                bytes: Some(8),
                id: Some(40),
                version: Some(2),
                error: None,
            },
            reg: Some((40, 2, true)),
            bytes: Some(vec![0, 0, 0, 0, 40]),
        });
        req.relay = Some(relay.to_text());
        let err = step(&req, &|f| f != Format::Protobuf).unwrap_err();
        assert!(err.to_string().contains("schema id 40"), "{err}");
        for bad in ["U", "U 1,1 - u 6 1 1 s", "Q 1", "R 9", "d 0 0 why"] {
            req.relay = Some(bad.into());
            assert!(step(&req, &|_| true).is_err(), "{bad}");
        }
    }
}
