//! One entry point for a worker: a JSON request in, a JSON response out.
//!
//! A browser page talks to the codec bundle by messages; [`handle_json`] is the whole protocol, so
//! the worker glue only forwards strings. Requests are tagged by `op`:
//!
//! ```json
//! {"op": "explain", "format": "avro", "schema": "…", "value": "{\"id\":7}", "schema_id": 42}
//! {"op": "decode", "format": "protobuf", "schema": "…", "message": "M", "hex": "089601"}
//! {"op": "compat", "format": "json", "level": "BACKWARD", "new": "…", "previous": ["…"]}
//! {"op": "batch", "codec": "gzip", "values": ["0e06416e6e", "…"]}
//! {"op": "sim_table", "schemas": […], "uses": […], "readers": […]}
//! ```
//!
//! A `sim_table` that needs a format this bundle lacks is answered with
//! `{"ok": true, "relay": "protobuf", "state": "…"}`: the page sends the request again with
//! `"relay": state` to the bundle with that format, which goes on from there (`sim_table::step`).
//!
//! Responses carry `ok: true` and the result (a [`Layout`] with its hex, a decoded value, a
//! [`CompatibilityResult`], [`BatchSizes`]) or `ok: false` and the [`FormatError`].

use crate::compat::{check_compatibility, CompatibilityLevel, CompatibilityResult};
use crate::compression::Codec;
use crate::record_batch::{batch_sizes, Batch, BatchSizes};
use crate::{from_hex, to_hex, Format, FormatError, Layout};
use serde::{Deserialize, Serialize};

/// The version of this protocol. The site builds the codec bundles into `formats-v{PROTOCOL}/`
/// and each says [`READY`] once it listens; a page checks both, so a worker of another version
/// (a cached one, or a deploy half done) is refused with a clear error instead of misread. Bump it
/// (and the folder: `index.html`, `crates/xtask`, `web/src/codec_worker.rs`,
/// `crates/khafka-formats-page/src/codec.rs`; `tests/protocol.rs` checks they agree) whenever a
/// request or an answer changes shape. 2: `sim_table`'s relay between bundles; 3: its measured
/// compression per use (the request's `batch`, the answer's
/// `c` lines); 4: a value template's pool (`batch`'s `POOL`, `sim_table::Producing`).
pub const PROTOCOL: u32 = 4;

/// What a codec worker says once it listens.
pub const READY: &str = r#"{"ready":true,"protocol":4}"#;

/// What a page asks for, read by [`Request::from_json`]: `op` names the kind.
#[derive(Clone, Debug)]
pub enum Request {
    Explain(ExplainRequest),
    Decode(DecodeRequest),
    Compat(CompatRequest),
    Batch(BatchRequest),
    Cell(CellRequest),
    /// A simulation's serializer and deserializer table (`sim_table.rs`).
    SimTable(crate::sim_table::SimRequest),
}

/// Encode a value and label its bytes (with the Confluent framing when `schema_id` is set).
#[derive(Clone, Debug, Deserialize)]
pub struct ExplainRequest {
    pub format: Format,
    pub schema: String,
    #[serde(default)]
    pub message: Option<String>,
    pub value: String,
    #[serde(default)]
    pub schema_id: Option<i32>,
}

/// Decode hex bytes, resolved to `reader_schema` when given.
#[derive(Clone, Debug, Deserialize)]
pub struct DecodeRequest {
    pub format: Format,
    pub schema: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub reader_schema: Option<String>,
    pub hex: String,
}

/// Check a new schema against earlier ones, newest first.
#[derive(Clone, Debug, Deserialize)]
pub struct CompatRequest {
    pub format: Format,
    pub level: CompatibilityLevel,
    pub new: String,
    pub previous: Vec<String>,
}

/// Measure a batch of encoded values (hex), unkeyed, with a codec.
#[derive(Clone, Debug, Deserialize)]
pub struct BatchRequest {
    pub codec: Codec,
    pub values: Vec<String>,
}

/// Run a lesson's format cell (`cell.rs`): `kind` is `encode`, `compat` or `decode`; `goal`, an
/// exercise's goal lines, is graded instead of the text's own `expect` lines.
#[derive(Clone, Debug, Deserialize)]
pub struct CellRequest {
    pub kind: String,
    pub text: String,
    #[serde(default)]
    pub goal: Option<Vec<String>>,
}

impl Request {
    /// Reads a request: its `op` (`explain`, `decode`, `compat`, `batch`, `cell`, `sim_table`),
    /// then the fields of that kind. (Read in two passes rather than as serde's internally tagged
    /// enum, which buffers every request and cost the codec bundles ~1.5 KB gzip.)
    pub fn from_json(text: &str) -> Result<Request, FormatError> {
        #[derive(Deserialize)]
        struct Op {
            op: String,
        }
        fn read<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, FormatError> {
            serde_json::from_str(text)
                .map_err(|e| FormatError::input(format!("invalid request: {e}")))
        }
        Ok(match read::<Op>(text)?.op.as_str() {
            "explain" => Request::Explain(read(text)?),
            "decode" => Request::Decode(read(text)?),
            "compat" => Request::Compat(read(text)?),
            "batch" => Request::Batch(read(text)?),
            "cell" => Request::Cell(read(text)?),
            "sim_table" => Request::SimTable(read(text)?),
            other => {
                return Err(FormatError::input(format!(
                    "invalid request: unknown op `{other}`, expected one of `explain`, `decode`, `compat`, `batch`, `cell`, `sim_table`"
                )))
            }
        })
    }
}

/// The answer.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Response {
    Explained {
        ok: bool,
        hex: String,
        layout: Layout,
    },
    Decoded {
        ok: bool,
        value: serde_json::Value,
    },
    Compat {
        ok: bool,
        result: CompatibilityResult,
    },
    Batch {
        ok: bool,
        sizes: BatchSizes,
    },
    Cell {
        ok: bool,
        report: Box<crate::cell::Report>,
    },
    SimTable {
        ok: bool,
        /// The table as lines (`SimTable::to_text`; its JSON form cost the codec bundles ~1 KB
        /// and no page read it).
        text: String,
    },
    /// A `sim_table` this bundle cannot finish: send the request again, with `"relay": state`, to
    /// the bundle with `relay`'s format, and so on until one answers with the table
    /// (`sim_table::step`).
    Relay {
        ok: bool,
        relay: Format,
        state: String,
    },
    Failed {
        ok: bool,
        error: FormatError,
    },
}

/// Answers one request.
pub fn handle(request: &Request) -> Response {
    let result =
        match request {
            Request::Explain(ExplainRequest {
                format,
                schema,
                message,
                value,
                schema_id,
            }) => crate::explain_framed(*format, schema, message.as_deref(), value, *schema_id)
                .map(|layout| Response::Explained {
                    ok: true,
                    hex: to_hex(&layout.bytes),
                    layout,
                }),
            Request::Decode(DecodeRequest {
                format,
                schema,
                message,
                reader_schema,
                hex,
            }) => from_hex(hex)
                .and_then(|bytes| {
                    crate::decode(
                        *format,
                        schema,
                        message.as_deref(),
                        reader_schema.as_deref(),
                        &bytes,
                    )
                })
                .map(|value| Response::Decoded { ok: true, value }),
            Request::Compat(CompatRequest {
                format,
                level,
                new,
                previous,
            }) => {
                let previous: Vec<&str> = previous.iter().map(String::as_str).collect();
                check_compatibility(*format, *level, new, &previous)
                    .map(|result| Response::Compat { ok: true, result })
            }
            Request::Batch(BatchRequest { codec, values }) => values
                .iter()
                .map(|v| from_hex(v).map(|b| (None, Some(b))))
                .collect::<Result<Vec<_>, _>>()
                .and_then(|values| batch_sizes(&Batch::of_values(*codec, &values)))
                .map(|sizes| Response::Batch { ok: true, sizes }),
            Request::Cell(CellRequest { kind, text, goal }) => crate::cell::Kind::parse(kind)
                .and_then(|k| crate::cell::run(k, text, goal.as_deref()))
                .map(|report| Response::Cell {
                    ok: true,
                    report: Box::new(report),
                }),
            Request::SimTable(req) => crate::sim_table::step(req, &crate::sim_table::built_here)
                .map(|s| match s {
                    crate::sim_table::Step::Table(table) => Response::SimTable {
                        ok: true,
                        text: table.to_text(),
                    },
                    crate::sim_table::Step::Relay(relay, state) => Response::Relay {
                        ok: true,
                        relay,
                        state,
                    },
                }),
        };
    result.unwrap_or_else(|error| Response::Failed { ok: false, error })
}

/// [`handle`] on JSON text: never panics, always answers JSON.
pub fn handle_json(request: &str) -> String {
    let response = match crate::check_len(
        "request",
        request.len(),
        4 * crate::Limits::SCHEMA_BYTES_MAX,
    )
    .and_then(|()| crate::check_json_depth(request.as_bytes()))
    .and_then(|()| Request::from_json(request))
    {
        Ok(r) => handle(&r),
        Err(error) => Response::Failed { ok: false, error },
    };
    serde_json::to_string(&response).unwrap_or_else(|e| {
        format!(r#"{{"ok":false,"error":{{"kind":"input","message":"{e}","offset":null}}}}"#)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn call(request: Value) -> Value {
        serde_json::from_str(&handle_json(&request.to_string())).unwrap()
    }

    #[test]
    fn requests_and_answers() {
        let json_schema = r#"{"type":"object","properties":{"id":{"type":"integer"}}}"#;
        let r = call(
            json!({"op": "explain", "format": "json", "schema": json_schema, "value": "{\"id\":7}", "schema_id": 3}),
        );
        assert_eq!(r["ok"], json!(true));
        assert_eq!(r["hex"], json!("00000000037b226964223a377d"));
        assert_eq!(
            r["layout"]["spans"][0]["label"],
            json!("magic byte 0 (Confluent wire format)")
        );
        let r = call(
            json!({"op": "decode", "format": "json", "schema": json_schema, "hex": "7b226964223a377d"}),
        );
        assert_eq!(r["value"], json!({"id": 7}));
        let narrowed = r#"{"type":"object","properties":{"id":{"type":"integer","maximum":5}}}"#;
        let r = call(
            json!({"op": "compat", "format": "json", "level": "BACKWARD", "new": narrowed, "previous": [json_schema]}),
        );
        assert_eq!(r["result"]["compatible"], json!(false));
        assert_eq!(
            r["result"]["incompatibilities"][0]["error_type"],
            json!("MAXIMUM_ADDED")
        );
        let r = call(json!({"op": "batch", "codec": "none", "values": ["7b7d"]}));
        assert_eq!(r["sizes"]["batch_bytes"], json!(61 + 9));
    }

    #[test]
    fn bad_requests_are_answered() {
        for bad in [
            "",
            "{",
            "[]",
            r#"{"op":"fly"}"#,
            r#"{"op":"decode","format":"xml","schema":"","hex":""}"#,
        ] {
            let r: Value = serde_json::from_str(&handle_json(bad)).unwrap();
            assert_eq!(r["ok"], json!(false), "{bad}");
            assert_eq!(r["error"]["kind"], json!("input"), "{bad}");
        }
        let r = call(json!({"op": "decode", "format": "json", "schema": "{}", "hex": "zz"}));
        assert!(r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("invalid hex digit"));
    }
}
