//! Data formats in a scenario: `schema` and `registry` lines, a producer's `value.serializer`,
//! a consumer's `value.deserializer`, and `at T producer P value.schema=…`.
//!
//! The language carries no codec: it keeps the declarations in the spec
//! ([`khafka_sim::spec::FormatsSpec`], [`ValueSerializer`], [`ValueDecoder`]), and
//! [`crate::Scenario::formats_request`] turns them into one request for `khafka-formats`
//! (`{"op":"sim_table",…}`, answered natively by `khafka_formats::api::handle_json` and in the
//! browser by a codec worker); [`crate::Scenario::apply_formats`] writes the answer into the spec
//! as plain data the engine reads: each value's size on the wire or the serializer's refusal, and
//! which records each reader cannot decode.

use crate::errors::{ParseError, Span};
use crate::lexer::{Line, Token};
use crate::parser::Parser;
use crate::suggest::suggest;
use khafka_sim::spec::{
    KeyDistribution, KeySpec, ScenarioSpec, SchemaDecl, SchemaUse, ValueDecoder, ValuePhase,
    ValueSerializer,
};
use khafka_sim::SimTime;

/// Most `schema` lines in one scenario.
pub const MAX_SCHEMAS: usize = 64;
/// Most schema uses (each producer's first one and every change) in one scenario.
pub const MAX_SCHEMA_USES: usize = 256;
/// Longest schema text or value text, in bytes.
pub const MAX_SCHEMA_TEXT: usize = 64 * 1024;

/// The compatibility levels, as the registry spells them.
pub const LEVELS: &[&str] = &[
    "NONE",
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
];

const FORMATS: &[&str] = &["avro", "protobuf", "json"];

/// `avro`, `protobuf` or `json`, or a Confluent class name, for a serializer (`ser`) or a
/// deserializer.
pub(crate) fn format_of(text: &str, span: Span, ser: bool) -> Result<String, ParseError> {
    let kind = if ser { "serializer" } else { "deserializer" };
    // Confluent's classes: `io.confluent.kafka.serializers.[protobuf.|json.]Kafka…(De)Serializer`.
    let class = text
        .strip_prefix("io.confluent.kafka.serializers.")
        .and_then(|c| c.strip_suffix(if ser { "Serializer" } else { "Deserializer" }));
    let name = match class {
        Some("KafkaAvro") => "avro",
        Some("protobuf.KafkaProtobuf") => "protobuf",
        Some("json.KafkaJsonSchema") => "json",
        _ => text,
    };
    if FORMATS.contains(&name) {
        return Ok(name.to_string());
    }
    let e = ParseError::new(span, format!("unknown value {kind} `{text}`"));
    Err(match suggest(text, FORMATS) {
        Some(s) => e.hint(format!("did you mean `{s}`?")),
        None => e.hint(format!(
            "a schema {kind}: `avro`, `protobuf` or `json` (JSON Schema), or Confluent's class name"
        )),
    })
}

/// A value's JSON text, checked for length (the formats crate checks it against the schema), and
/// its template's `${…}` sets ([`pool`]).
pub(crate) fn value_text(text: &str, span: Span) -> Result<String, ParseError> {
    if text.len() > MAX_SCHEMA_TEXT {
        return Err(ParseError::new(
            span,
            format!(
                "the value is {} bytes; at most {MAX_SCHEMA_TEXT}",
                text.len()
            ),
        ));
    }
    if text.contains("${") && text.len() > MAX_TEMPLATE_TEXT {
        return Err(ParseError::new(
            span,
            format!("a value template is at most {MAX_TEMPLATE_TEXT} bytes"),
        ));
    }
    // Each `${SET}`, its set checked where it is written.
    for (at, set, closed) in holes(text).1 {
        let col = text[..at].chars().count();
        if !closed {
            return Err(ParseError::new(
                crate::values::sub(span, col - 2, 2),
                "`${` opens a placeholder that no `}` closes",
            ));
        }
        let inner = crate::values::sub(span, col, set.chars().count());
        if crate::values::value_set(set, inner)?.is_none() {
            return Err(ParseError::new(
                inner,
                "a placeholder needs a set, not `none`",
            ));
        }
    }
    Ok(text.to_string())
}

/// Most values in a template's pool ([`pool`]).
pub const MAX_POOL: u64 = 64;
/// Most template values in a scenario, every pool together: each is encoded, and decoded by each
/// reader, before the run (`khafka_formats::sim_table::SIM_USES_MAX`).
pub const MAX_POOL_VALUES: usize = 2048;
/// Longest value template (a value with `${…}`), in bytes: its pool holds up to [`MAX_POOL`].
pub const MAX_TEMPLATE_TEXT: usize = 4096;

/// A value template cut at its `${…}`: the text before the first, then per placeholder the byte
/// where its set starts, the set, and whether a `}` closes it (the one reading of `${` the parser's
/// checks and [`pool`] share).
fn holes(text: &str) -> (&str, Vec<(usize, &str, bool)>) {
    let mut parts = text.split("${");
    let head = parts.next().unwrap_or_default();
    let mut at = head.len() + 2;
    let mut out = Vec::new();
    for part in parts {
        let (set, closed) = match part.split_once('}') {
            Some((set, _)) => (set, true),
            None => (part, false),
        };
        out.push((at, set, closed));
        at += part.len() + 2;
    }
    (head, out)
}

/// Each placeholder's set (a set that does not parse counts as one empty string: the parser
/// refused it already) and the text after it up to the next placeholder.
fn template(text: &str) -> (&str, Vec<(KeySpec, &str)>) {
    let (head, holes) = holes(text);
    let sets = holes
        .into_iter()
        .map(|(at, set, closed)| {
            let end = at + set.len() + usize::from(closed);
            let after = text[end..].split("${").next().unwrap_or_default();
            let set = crate::values::value_set(set, Span::new(1, 1, 1));
            (set.unwrap_or(KeySpec::None), after)
        })
        .collect();
    (head, sets)
}

/// How many combinations a template's sets make (saturating), and so its pool's size:
/// `min(combinations, MAX_POOL)` ([`pool`]), computed without writing a value.
fn combinations(sets: &[(KeySpec, &str)]) -> u64 {
    sets.iter()
        .fold(1u64, |all, (set, _)| all.saturating_mul(set.size().max(1)))
}

/// How many values [`pool`] makes of `text`.
fn pool_size(text: &str) -> usize {
    combinations(&template(text).1).min(MAX_POOL) as usize
}

/// The values a `value=` template's records carry: the text with each `${SET}` (a set written
/// like `values=`: `page-0..19`, `1..500`, `EUR,USD`) replaced by one of its strings. Every
/// combination when there are at most [`MAX_POOL`] (the first placeholder varying fastest), else
/// [`MAX_POOL`] values, each placeholder's string picked by a hash; a value without placeholders
/// is a pool of one. A record carries one of the pool, by a hash of its place in the workload
/// (`khafka_sim::spec::phase_of`).
pub fn pool(text: &str) -> Vec<String> {
    let (head, holes) = template(text);
    let all = combinations(&holes);
    let mut word = String::new();
    (0..all.min(MAX_POOL))
        .map(|i| {
            let (mut out, mut rest) = (head.to_string(), i);
            for (j, (set, after)) in holes.iter().enumerate() {
                let n = set.size().max(1);
                let k = if all <= MAX_POOL {
                    let k = rest % n;
                    rest /= n;
                    k
                } else {
                    khafka_sim::spec::mix64(i << 8 | j as u64) % n
                };
                set.write(k as u32, &mut word);
                out.push_str(&word);
                out.push_str(after);
            }
            out
        })
        .collect()
}

/// `value.subject.name.strategy`: the strategy's simple name (`None` for the default,
/// `TopicNameStrategy`), from it or Confluent's class name.
pub(crate) fn strategy(text: &str, span: Span) -> Result<Option<String>, ParseError> {
    const NAMES: &[&str] = &[
        "TopicNameStrategy",
        "RecordNameStrategy",
        "TopicRecordNameStrategy",
    ];
    let simple = text
        .strip_prefix("io.confluent.kafka.serializers.subject.")
        .unwrap_or(text);
    match NAMES.iter().position(|n| *n == simple) {
        Some(0) => Ok(None),
        Some(i) => Ok(Some(NAMES[i].to_string())),
        None => {
            let e = ParseError::new(span, format!("unknown subject name strategy `{text}`"));
            Err(match suggest(simple, NAMES) {
                Some(s) => e.hint(format!("did you mean `{s}`?")),
                None => e.hint(format!("one of: {}", NAMES.join(", "))),
            })
        }
    }
}

/// The level, as the registry spells it.
fn level(text: &str, span: Span) -> Result<String, ParseError> {
    let up = text.to_ascii_uppercase();
    if LEVELS.contains(&up.as_str()) {
        return Ok(up);
    }
    let e = ParseError::new(span, format!("unknown compatibility level `{text}`"));
    Err(match suggest(&up, LEVELS) {
        Some(s) => e.hint(format!("did you mean `{s}`?")),
        None => e.hint(format!("the levels are: {}", LEVELS.join(", "))),
    })
}

/// Where each producer's and consumer's format settings were written, for errors found at the end.
#[derive(Clone, Debug, Default)]
pub struct FormatRefs {
    /// `(schema name, span)` of every reference to a schema.
    pub schema_refs: Vec<(String, Span, Option<String>)>,
    /// `at T producer P …` lines: (producer, use, span), attached at the end.
    pub changes: Vec<(String, SchemaUse, Span)>,
    /// Schema names with the span of their `schema` line.
    pub declared: Vec<(String, Span)>,
    /// Producers with `value.serializer`: (name, span of the key).
    pub serializers: Vec<(String, Span)>,
}

impl Parser {
    /// `schema NAME FORMAT [message=M] TEXT`: the text is the rest of the line.
    pub(crate) fn schema(&mut self, kw: &Token, line: &Line) {
        let args = &line.tokens[1..];
        let usage = "for example `schema order-v1 avro {\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}`";
        let (Some(name), Some(format)) = (args.first(), args.get(1)) else {
            self.error(
                ParseError::new(
                    kw.span,
                    "`schema` needs a name, a format and the schema's text",
                )
                .hint(usage),
            );
            return;
        };
        if let Some(problem) = crate::values::client_name_problem(&name.text) {
            self.error(ParseError::new(
                name.span,
                problem.replace("client", "schema"),
            ));
            return;
        }
        if let Some((_, first)) = self
            .format_refs
            .declared
            .iter()
            .find(|(n, _)| *n == name.text)
        {
            let first = first.line;
            self.error(
                ParseError::new(
                    name.span,
                    format!("schema `{}` is declared twice", name.text),
                )
                .hint(format!(
                    "the first is on line {first}; give this one another name"
                )),
            );
            return;
        }
        if !FORMATS.contains(&format.text.as_str()) {
            let e = ParseError::new(
                format.span,
                format!("unknown schema format `{}`", format.text),
            );
            self.error(match suggest(&format.text, FORMATS) {
                Some(s) => e.hint(format!("did you mean `{s}`?")),
                None => e.hint("a schema is `avro`, `protobuf` or `json` (JSON Schema)"),
            });
            return;
        }
        let mut next = 2;
        let mut message = None;
        if let Some(m) = args.get(2).and_then(|t| t.text.strip_prefix("message=")) {
            if format.text != "protobuf" {
                self.error(
                    ParseError::new(args[2].span, "`message=` is for Protobuf schemas")
                        .hint("an Avro or JSON schema names its record itself"),
                );
                return;
            }
            if m.is_empty() {
                self.error(ParseError::new(args[2].span, "`message=` has no value"));
                return;
            }
            message = Some(m.to_string());
            next = 3;
        }
        let (text, column) = line.rest_from(next + 1);
        if text.is_empty() {
            self.error(
                ParseError::new(
                    Span::new(line.number, line.end_column(), 1),
                    format!("schema `{}` has no text", name.text),
                )
                .hint(usage),
            );
            return;
        }
        let span = Span::new(
            line.number,
            column,
            u32::try_from(text.chars().count()).unwrap_or(u32::MAX),
        );
        if text.len() > MAX_SCHEMA_TEXT {
            self.error(ParseError::new(
                span,
                format!(
                    "the schema is {} bytes; at most {MAX_SCHEMA_TEXT}",
                    text.len()
                ),
            ));
            return;
        }
        if self.spec.formats.schemas.len() >= MAX_SCHEMAS {
            self.error(ParseError::new(
                name.span,
                format!("more than {MAX_SCHEMAS} schemas"),
            ));
            return;
        }
        self.format_refs
            .declared
            .push((name.text.clone(), name.span));
        self.spec.formats.schemas.push(SchemaDecl {
            name: name.text.clone(),
            format: format.text.clone(),
            message,
            text,
        });
    }

    /// `registry compatibility=LEVEL` or `registry subject=S compatibility=LEVEL`.
    pub(crate) fn registry(&mut self, kw: &Token, args: &[Token]) {
        let pairs = crate::kv::pairs(args, &["compatibility", "subject"], &mut self.errors);
        let mut lvl = None;
        let mut subject = None;
        for p in &pairs {
            match p.key.as_str() {
                "compatibility" => match level(&p.value, p.value_span) {
                    Ok(l) => lvl = Some(l),
                    Err(e) => self.error(e),
                },
                "subject" => subject = Some(p.value.clone()),
                other => self.error(crate::kv::unknown_in(
                    p,
                    format!("unknown registry setting `{other}`"),
                    &["compatibility", "subject"],
                    "`registry compatibility=BACKWARD`, optionally with `subject=orders-value`",
                )),
            }
        }
        let Some(lvl) = lvl else {
            if pairs.iter().all(|p| p.key != "compatibility") {
                self.error(
                    ParseError::new(kw.span, "`registry` needs `compatibility=`")
                        .hint("for example `registry compatibility=FULL`"),
                );
            }
            return;
        };
        match subject {
            Some(s) => self.spec.formats.subject_levels.push((s, lvl)),
            None => {
                if self.spec.formats.level.is_some() {
                    self.error(
                        ParseError::new(kw.span, "the registry's global level is given twice")
                            .hint("keep one `registry compatibility=…` line (per-subject lines add `subject=`)"),
                    );
                } else {
                    self.spec.formats.level = Some(lvl);
                }
            }
        }
    }

    /// `at T producer P value.schema=NAME [value=JSON]`: the producer's serializer uses another
    /// schema (and value) from `T` on.
    pub(crate) fn producer_change(&mut self, at: SimTime, kw: &Token, rest: &[Token]) {
        let Some(name) = rest.first().filter(|t| !t.text.contains('=')) else {
            self.error(
                ParseError::new(kw.span, "`producer` needs the producer's name")
                    .hint("for example `at 5s producer p1 value.schema=order-v2`"),
            );
            return;
        };
        let pairs = crate::kv::pairs(&rest[1..], &["value.schema", "value"], &mut self.errors);
        let mut schema = None;
        let mut value = None;
        for p in &pairs {
            match p.key.as_str() {
                "value.schema" => schema = Some((p.value.clone(), p.value_span)),
                "value" => match value_text(&p.value, p.value_span) {
                    Ok(v) => value = Some(v),
                    Err(e) => self.error(e),
                },
                other => self.error(
                    ParseError::new(p.key_span, format!("`{other}` cannot change during a run"))
                        .hint("only `value.schema=` and `value=` change at an instant"),
                ),
            }
        }
        let Some((schema, span)) = schema else {
            self.error(
                ParseError::new(
                    kw.span.to(name.span),
                    "nothing changes: give `value.schema=`",
                )
                .hint("for example `at 5s producer p1 value.schema=order-v2 value={\"id\":7}`"),
            );
            return;
        };
        self.format_refs
            .schema_refs
            .push((schema.clone(), span, None));
        self.format_refs.changes.push((
            name.text.clone(),
            SchemaUse {
                from: at,
                schema,
                // Empty: the value before the change.
                value: value.unwrap_or_default(),
            },
            name.span,
        ));
    }

    /// Checks format references once the whole file is read, and attaches schema changes to
    /// their producers.
    pub(crate) fn resolve_formats(&mut self) {
        let refs = std::mem::take(&mut self.format_refs);
        let schemas = &self.spec.formats.schemas;
        let names: Vec<&str> = schemas.iter().map(|s| s.name.as_str()).collect();
        let mut errors = Vec::new();
        for (name, span, want) in &refs.schema_refs {
            match schemas.iter().find(|s| &s.name == name) {
                None => {
                    let e = ParseError::new(*span, format!("no schema named `{name}`"));
                    errors.push(match suggest(name, &names) {
                        Some(s) => e.hint(format!("did you mean `{s}`?")),
                        None => e.hint(format!(
                            "declare it first: `schema {name} avro {{…}}` (a line of its own)"
                        )),
                    });
                }
                Some(s) => {
                    if let Some(want) = want.as_ref().filter(|w| **w != s.format) {
                        errors.push(
                            ParseError::new(
                                *span,
                                format!(
                                    "schema `{name}` is {}, but the {want} (de)serializer needs a {want} schema",
                                    s.format
                                ),
                            )
                            .hint("a serializer writes, and a deserializer reads, the format of its own schemas"),
                        );
                    }
                }
            }
        }
        for (producer, mut change, span) in refs.changes {
            let Some(p) = self.spec.producers.iter_mut().find(|p| p.name == producer) else {
                errors.push(ParseError::new(
                    span,
                    format!("no producer named `{producer}`"),
                ));
                continue;
            };
            let Some(ser) = p.value_serializer.as_mut() else {
                errors.push(
                    ParseError::new(
                        span,
                        format!("producer `{producer}` has no `value.serializer`"),
                    )
                    .hint("declare it with `value.serializer=avro value.schema=… value=…`"),
                );
                continue;
            };
            if let Some(s) = schemas.iter().find(|s| s.name == change.schema) {
                if s.format != ser.format {
                    errors.push(ParseError::new(
                        span,
                        format!(
                            "schema `{}` is {}, but producer `{producer}` serializes {}",
                            s.name, s.format, ser.format
                        ),
                    ));
                    continue;
                }
            }
            if change.value.is_empty() {
                change.value = ser.uses.last().map(|u| u.value.clone()).unwrap_or_default();
            }
            // In time order; at one instant, the later line wins (it is used after).
            let at = ser.uses.partition_point(|u| u.from <= change.from);
            ser.uses.insert(at, change);
        }
        let uses: usize = self
            .spec
            .producers
            .iter()
            .filter_map(|p| p.value_serializer.as_ref())
            .map(|s| s.uses.len())
            .sum();
        let span = refs.serializers.first().map_or(Span::new(1, 1, 0), |s| s.1);
        if uses > MAX_SCHEMA_USES {
            errors.push(ParseError::new(
                span,
                format!("{uses} schema uses (first ones and changes); at most {MAX_SCHEMA_USES}"),
            ));
        } else {
            let values: usize = self
                .spec
                .producers
                .iter()
                .filter_map(|p| p.value_serializer.as_ref())
                .flat_map(|s| &s.uses)
                .map(|u| pool_size(&u.value))
                .sum();
            if values > MAX_POOL_VALUES {
                errors.push(ParseError::new(
                    span,
                    format!("{values} template values in all (up to {MAX_POOL} per template); at most {MAX_POOL_VALUES}"),
                ));
            }
        }
        self.errors.extend(errors);
    }
}

/// The answer's table as lines (`khafka_formats::sim_table::SimTable::to_text`), or its error's
/// message. The answer is `{"ok":true,"text":"…"}` or `{"ok":false,"error":{"kind":…,"message":"…",
/// …}}` (`khafka_formats::api::Response`), read by hand: deserializing the JSON table cost the
/// notebook bundle ~3 KB gzip, a derived reader of these two shapes ~0.7 KB.
fn answer_text(answer: &str) -> Option<Result<String, String>> {
    // The JSON string literal at the start of `text`, read by serde (escapes and all).
    fn literal(text: &str) -> Option<String> {
        let mut escaped = false;
        for (i, c) in text.char_indices().skip(1) {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => return serde_json::from_str(&text[..=i]).ok(),
                _ => {}
            }
        }
        None
    }
    if let Some(rest) = answer.strip_prefix(r#"{"ok":true,"text":"#) {
        return literal(rest).map(Ok);
    }
    let rest = answer.strip_prefix(r#"{"ok":false,"error":{"#)?;
    let at = rest.find(r#""message":"#)? + r#""message":"#.len();
    literal(&rest[at..]).map(Err)
}

/// When a codec bundle handed the table on instead of answering (each site bundle carries one
/// schema format besides JSON, `khafka_formats::sim_table::step`): the format whose bundle goes
/// on, and what to send it — `request` (the scenario's, from [`crate::Scenario::formats_request`])
/// with the table so far. The answer is `{"ok":true,"relay":"FORMAT","state":"…"}`, in that
/// order (`khafka_formats::api::Response::Relay`); its state is spliced as the JSON string it is,
/// not read and written again (serde here cost the notebook bundle ~1 KB gzip).
pub fn relay_of(answer: &str, request: &str) -> Option<(String, String)> {
    let rest = answer.strip_prefix(r#"{"ok":true,"relay":""#)?;
    let (format, rest) = rest.split_once('"')?;
    let state = rest.strip_prefix(r#","state":"#)?.strip_suffix('}')?;
    Some((
        format.to_string(),
        format!("{{\"relay\":{state},{}", request.get(1..)?),
    ))
}

/// One use's line: `u BYTES ID VERSION SUBJECT` or `x SUBJECT ERROR`.
#[derive(Default)]
struct UseResult {
    subject: String,
    /// 0: the serializer threw (`error`).
    bytes: u32,
    id: u32,
    version: u32,
    error: String,
}

/// The uses' results, per reader the failures `(use, reason)`, and per use its measured
/// compression (`(records, ppm)`, empty without one).
type Table = (
    Vec<UseResult>,
    Vec<(usize, usize, String)>,
    Vec<Vec<(u32, u32)>>,
);

fn read_table(text: &str) -> Option<Table> {
    let mut uses = Vec::new();
    let mut fails = Vec::new();
    let mut compression: Vec<Vec<(u32, u32)>> = Vec::new();
    for line in text.lines() {
        let mut w = line.splitn(5, ' ');
        match w.next()? {
            "c" => {
                let mut w = line[2..].split(' ');
                let u: usize = w.next()?.parse().ok()?;
                if u >= uses.len() {
                    return None;
                }
                compression.resize(uses.len(), Vec::new());
                for point in w {
                    let (n, ppm) = point.split_once(':')?;
                    compression[u].push((n.parse().ok()?, ppm.parse().ok()?));
                }
            }
            "u" => {
                let mut n = || w.next()?.parse::<u32>().ok();
                let (bytes, id, version) = (n()?, n()?, n()?);
                uses.push(UseResult {
                    subject: w.next()?.to_string(),
                    bytes,
                    id,
                    version,
                    error: String::new(),
                });
            }
            "x" => {
                let mut w = line[2..].splitn(2, ' ');
                uses.push(UseResult {
                    subject: w.next()?.to_string(),
                    error: w.next()?.to_string(),
                    ..UseResult::default()
                });
            }
            "d" => {
                let mut w = line[2..].splitn(3, ' ');
                let r = w.next()?.parse().ok()?;
                let u = w.next()?.parse().ok()?;
                fails.push((r, u, w.next()?.to_string()));
            }
            _ => return None,
        }
    }
    compression.resize(uses.len(), Vec::new());
    Some((uses, fails, compression))
}

/// The uses in registration order: `(producer, use)` by instant, then producer, then use. At most
/// [`MAX_SCHEMA_USES`]: picked by repeated minimum (a sort costs the notebook bundle ~3 KB gzip).
fn order(spec: &ScenarioSpec) -> Vec<(usize, usize)> {
    let mut all: Vec<(SimTime, usize, usize)> = Vec::new();
    for (pi, p) in spec.producers.iter().enumerate() {
        if let Some(s) = &p.value_serializer {
            for (ui, u) in s.uses.iter().enumerate() {
                // A producer's first schema registers when it starts sending.
                let at = if ui == 0 {
                    p.start
                } else {
                    u.from.max(p.start)
                };
                all.push((at, pi, ui));
            }
        }
    }
    let mut out = Vec::with_capacity(all.len());
    while let Some(i) = (0..all.len()).min_by_key(|&i| all[i]) {
        let (_, p, u) = all.swap_remove(i);
        out.push((p, u));
    }
    out
}

fn schema_index(spec: &ScenarioSpec, name: &str) -> u32 {
    spec.formats
        .schemas
        .iter()
        .position(|s| s.name == name)
        .unwrap_or(0) as u32
}

/// Whether the spec needs a formats table before it runs.
pub fn needs_table(spec: &ScenarioSpec) -> bool {
    spec.producers.iter().any(|p| p.value_serializer.is_some())
        || spec.consumers.iter().any(|c| c.value_decoder.is_some())
}

/// The formats a table for this spec needs (`avro`, `protobuf`, `json`), for a browser to pick its
/// codec bundle.
pub fn formats_used(spec: &ScenarioSpec) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for s in &spec.formats.schemas {
        let used = spec.producers.iter().any(|p| {
            p.value_serializer
                .as_ref()
                .is_some_and(|v| v.uses.iter().any(|u| u.schema == s.name))
        }) || spec
            .consumers
            .iter()
            .any(|c| c.value_decoder.as_ref().is_some_and(|d| d.reader == s.name));
        if used && !out.contains(&s.format.as_str()) {
            out.push(&s.format);
        }
    }
    out
}

/// The request for `khafka_formats::api::handle_json` (`sim_table.rs`'s `SimRequest`, with
/// `op`), written by hand: serde's derived serializers for it cost the notebook bundle ~1 KB gzip.
pub fn request(spec: &ScenarioSpec) -> String {
    // A JSON string (serde escapes it), or `null`.
    fn q(s: Option<&str>) -> String {
        s.map_or("null".into(), |s| {
            serde_json::to_string(s).unwrap_or_default()
        })
    }
    fn list(items: impl Iterator<Item = String>) -> String {
        items.collect::<Vec<_>>().join(",")
    }
    let f = &spec.formats;
    let mut uses = Vec::new();
    for (p, u) in order(spec) {
        let prod = &spec.producers[p];
        let ser = prod.value_serializer.as_ref().expect("ordered");
        let use_ = &ser.uses[u];
        // What the codecs need to measure the producer's compression on its own records.
        // `khafka_formats::sim_table::Producing`: `CODEC BATCH_SIZE INTERVAL_MS IN_ORDER
        // [KEYS|- [POOL]]`, on the first value of a template's pool.
        let values = pool(&use_.value);
        let keys = match &prod.keys {
            KeySpec::None if values.len() > 1 => " -".into(),
            KeySpec::None => String::new(),
            KeySpec::Range { prefix, lo, hi } => format!(" {prefix}{lo}..{hi}"),
            KeySpec::List(keys) => format!(" {}", keys.join(",")),
        };
        let pooled = match values.len() {
            1 => String::new(),
            n => format!(" {n}"),
        };
        let batch = format!(
            "{} {} {} {}{keys}{pooled}",
            prod.config.compression_type.name(),
            prod.config.batch_size,
            1_000_000u64.checked_div(prod.rate_per_ks).unwrap_or(0),
            u8::from(prod.key_distribution == KeyDistribution::Sequential),
        );
        for (v, value) in values.iter().enumerate() {
            uses.push(format!(
                r#"{{"topic":{},"schema":{},"value":{},"strategy":{},"batch":{}}}"#,
                q(Some(&prod.topic)),
                schema_index(spec, &use_.schema),
                q(Some(value)),
                q(ser.strategy.as_deref()),
                if v == 0 { q(Some(&batch)) } else { q(None) },
            ));
        }
    }
    let uses = uses.join(",");
    let levels = list(
        f.subject_levels
            .iter()
            .map(|(s, l)| format!("[{},{}]", q(Some(s)), q(Some(l)))),
    );
    let schemas = list(f.schemas.iter().map(|s| {
        format!(
            r#"{{"format":{},"text":{},"message":{}}}"#,
            q(Some(&s.format)),
            q(Some(&s.text)),
            q(s.message.as_deref())
        )
    }));
    let readers = list(
        spec.consumers
            .iter()
            .filter_map(|c| c.value_decoder.as_ref())
            .map(|d| schema_index(spec, &d.reader).to_string()),
    );
    format!(
        r#"{{"op":"sim_table","level":{},"subject_levels":[{levels}],"schemas":[{schemas}],"uses":[{uses}],"readers":[{readers}]}}"#,
        q(f.level.as_deref())
    )
}

/// Writes the answer to [`request`] into the spec: each producer's phases and each reader's table.
pub fn apply(spec: &mut ScenarioSpec, answer: &str) -> Result<(), String> {
    let unreadable = || "the codecs' answer could not be read".to_string();
    let text = answer_text(answer).ok_or_else(unreadable)??;
    let (uses, fails, compression) = read_table(&text).ok_or_else(unreadable)?;
    let order = order(spec);
    // Each use's values (a template's pool), and the table row of its first.
    let pools: Vec<Vec<String>> = order
        .iter()
        .map(|&(p, u)| match &spec.producers[p].value_serializer {
            Some(ser) => pool(&ser.uses[u].value),
            None => Vec::new(),
        })
        .collect();
    let mut first_row = Vec::with_capacity(pools.len());
    let mut rows = 0;
    for values in &pools {
        first_row.push(rows);
        rows += values.len();
    }
    if uses.len() != rows {
        return Err("the codecs' table does not match the scenario".into());
    }
    for p in spec.producers.iter_mut() {
        p.value_phases.clear();
    }
    // The phase each row became, per producer (`None`: a use replaced at its own instant).
    let mut phase_of = vec![None; rows];
    let mut by_producer: Vec<Vec<usize>> = vec![Vec::new(); spec.producers.len()];
    for (o, &(p, _)) in order.iter().enumerate() {
        by_producer[p].push(o);
    }
    let mut max_bytes = vec![0u32; spec.producers.len()];
    // Each producer's uses come in its own time order, so `list` is in use order.
    for (p, list) in by_producer.iter().enumerate() {
        let prod = &mut spec.producers[p];
        let Some(ser) = prod.value_serializer.as_ref() else {
            continue;
        };
        let from = |u: usize| {
            if u == 0 {
                SimTime::ZERO
            } else {
                ser.uses[u].from
            }
        };
        for (li, &o) in list.iter().enumerate() {
            let u = order[o].1;
            // A later line at the same instant wins: this one never carries a record.
            if list
                .get(li + 1)
                .is_some_and(|&n| from(order[n].1) == from(u))
            {
                continue;
            }
            let use_ = &ser.uses[u];
            let values = &pools[o];
            for (v, value) in values.iter().enumerate() {
                let k = first_row[o] + v;
                let r = &uses[k];
                let (mut label, bytes) = if r.bytes > 0 {
                    let l = format!(
                        "{} {} v{}, schema id {} ({})",
                        ser.format, r.subject, r.version, r.id, use_.schema
                    );
                    (l, Ok(r.bytes))
                } else {
                    let l = format!("{} {} ({})", ser.format, r.subject, use_.schema);
                    (l, Err(r.error.clone()))
                };
                if values.len() > 1 {
                    label.push_str(", value ");
                    label.push_str(value);
                }
                if let Ok(b) = bytes {
                    max_bytes[p] = max_bytes[p].max(b);
                }
                phase_of[k] = Some((p, prod.value_phases.len()));
                prod.value_phases.push(ValuePhase {
                    from: from(u),
                    label,
                    subject: r.subject.clone(),
                    bytes,
                    compression: compression[first_row[o]].clone(),
                });
            }
        }
    }
    for (p, prod) in spec.producers.iter_mut().enumerate() {
        if prod.value_serializer.is_some() {
            prod.record_size = max_bytes[p];
        }
    }
    let phases: Vec<usize> = spec
        .producers
        .iter()
        .map(|p| p.value_phases.len())
        .collect();
    let mut r = 0;
    for c in spec.consumers.iter_mut() {
        let Some(d) = c.value_decoder.as_mut() else {
            continue;
        };
        d.fails = phases.iter().map(|&n| vec![None; n]).collect();
        for (_, k, why) in fails.iter().filter(|f| f.0 == r) {
            if let Some(&Some((p, i))) = phase_of.get(*k) {
                d.fails[p][i] = Some(why.clone());
            }
        }
        r += 1;
        d.computed = true;
    }
    Ok(())
}

/// Re-exported for the printer.
pub(crate) fn serializer_keys(s: &ValueSerializer) -> String {
    let strategy = s
        .strategy
        .as_ref()
        .map(|st| format!(" value.subject.name.strategy={st}"))
        .unwrap_or_default();
    match s.uses.first() {
        Some(u) => format!(
            " value.serializer={} value.schema={} value={}{strategy}",
            s.format, u.schema, u.value
        ),
        None => format!(" value.serializer={}{strategy}", s.format),
    }
}

pub(crate) fn decoder_keys(d: &ValueDecoder) -> String {
    format!(
        " value.deserializer={} value.reader.schema={}{}",
        d.format,
        d.reader,
        if d.skip {
            " deserialization.exception.handler=LogAndContinue"
        } else {
            ""
        }
    )
}

#[cfg(test)]
mod tests {
    use super::answer_text;

    #[test]
    fn answers_read_by_hand() {
        let ok = r#"{"ok":true,"text":"u 6 1 1 orders-value\nx s Error \"quoted\" \\ é\n"}"#;
        assert_eq!(
            answer_text(ok),
            Some(Ok(
                "u 6 1 1 orders-value\nx s Error \"quoted\" \\ é\n".into()
            ))
        );
        let failed =
            r#"{"ok":false,"error":{"kind":"input","message":"no schema 9","offset":null}}"#;
        assert_eq!(answer_text(failed), Some(Err("no schema 9".into())));
        for bad in [
            "",
            "{}",
            r#"{"ok":true,"text":"unterminated}"#,
            r#"{"ok":true,"text":7}"#,
        ] {
            assert_eq!(answer_text(bad), None, "{bad}");
        }
    }
}
