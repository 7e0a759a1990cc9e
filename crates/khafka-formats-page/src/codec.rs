//! The page side of the codec bundles (issue 9): starts a bundle's Web Worker the first time a page
//! asks it something, and hands each answer back in order.
//!
//! The bundles are second and third wasm binaries (`crates/khafka-formats-worker`) that Trunk builds
//! as workers into `formats-v4/` and never loads by itself; nothing here runs until a page calls
//! [`request`], so the home page and the lessons never fetch them. The worker is started from
//! Trunk's loader shim (a same-origin script: the CSP allows no `blob:`), says
//! `{"ready":true,"protocol":4}` once it listens (a worker of another protocol is refused:
//! [`PROTOCOL`]), and answers requests one at a time, so answers come back in the order asked.
//! A bundle that fails to load (a script error, or not ready within [`READY_TIMEOUT_MS`]) fails every
//! request made of it; the next request after that tries again.

use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::Callback;

/// The folder the bundles are built into (`index.html`'s `data-target-path`), versioned with
/// their protocol.
pub const DIR: &str = "formats-v4";
/// The codec bundles' protocol this page speaks (`khafka_formats::api::PROTOCOL`).
pub const PROTOCOL: u32 = 4;
/// How long a bundle may take to start before the page says it could not load.
pub const READY_TIMEOUT_MS: u32 = 30_000;

/// One codec bundle: JSON, batches, codecs and the registry are in both; each adds a schema format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundle {
    /// JSON + Avro.
    Avro,
    /// JSON + Protobuf.
    Protobuf,
}

impl Bundle {
    /// The bundle that encodes `format` (`avro`, `protobuf` or `json`).
    pub fn for_format(format: &str) -> Bundle {
        if format == "protobuf" {
            Bundle::Protobuf
        } else {
            Bundle::Avro
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Bundle::Avro => "JSON + Avro",
            Bundle::Protobuf => "JSON + Protobuf",
        }
    }

    fn loader(self) -> String {
        let bin = match self {
            Bundle::Avro => "khafka-formats-avro",
            Bundle::Protobuf => "khafka-formats-protobuf",
        };
        format!("./{DIR}/{bin}_loader.js")
    }
}

/// The parts of `khafka_formats::api`'s answers the page shows (typed rather than a
/// `serde_json::Value`: a generic JSON tree costs the main bundle several KB).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Reply {
    pub ok: bool,
    /// The worker's own first message, with its protocol version.
    pub ready: bool,
    pub protocol: u32,
    pub hex: String,
    pub layout: Layout,
    pub result: Compat,
    pub sizes: BatchSizes,
    pub error: Failure,
    /// A lesson's format cell, run (`khafka_formats::cell::Report`).
    pub report: Box<CellReport>,
}

/// `khafka_formats::cell::Report`, the parts a cell shows.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CellReport {
    pub kind: String,
    pub encoded: Vec<Encoded>,
    pub batch: Option<CellBatch>,
    pub compat: Option<CellCompat>,
    pub decoded: Option<CellDecoded>,
    pub expects: Vec<Graded>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Encoded {
    pub hex: String,
    pub layout: Layout,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CellBatch {
    pub codec: String,
    pub uncompressed: BatchSizes,
    pub compressed: BatchSizes,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CellCompat {
    pub result: Compat,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CellDecoded {
    pub value: Option<String>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Graded {
    pub line: String,
    pub holds: bool,
    pub actual: String,
}

/// A batch measured by encoding it (`record_batch::BatchSizes`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct BatchSizes {
    /// The values' own bytes.
    pub payload_bytes: usize,
    /// The records as framed, before compression.
    pub records_bytes: usize,
    /// The whole batch on the wire, compressed if a codec is set.
    pub batch_bytes: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Layout {
    pub spans: Vec<Span>,
    pub spans_omitted: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub depth: usize,
    pub label: String,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Compat {
    pub compatible: bool,
    pub messages: Vec<String>,
    pub incompatibilities: Vec<Incompatibility>,
    /// Which registered version failed, 1 for the oldest.
    pub old_schema_version: Option<usize>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Incompatibility {
    pub error_type: String,
    pub path: String,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Failure {
    pub message: String,
}

/// A request (`khafka_formats::api::Request`): `explain`, `compat`, `batch` or `cell`.
#[derive(Default, Serialize)]
pub struct Request<'a> {
    pub op: &'a str,
    pub format: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_id: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<&'a str>,
    /// Earlier schemas, newest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codec: Option<&'a str>,
    /// Encoded values (hex), one record each.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<&'a str>>,
    /// A format cell's kind (`encode`, `compat`, `decode`) and text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<&'a str>,
    /// An exercise's goal lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goal: Option<Vec<String>>,
}

/// An answer: the worker's (`ok: true`, or `ok: false` with the error), or why the bundle could
/// not answer at all.
pub type Answer = Result<Reply, String>;

#[derive(Default)]
struct State {
    ready: bool,
    failed: bool,
    /// Requests made before the worker listened.
    unsent: Vec<(String, Callback<Answer>)>,
    /// Requests sent, oldest first.
    waiting: VecDeque<Callback<Answer>>,
}

struct Handle {
    worker: web_sys::Worker,
    state: Rc<RefCell<State>>,
}

thread_local! {
    static WORKERS: RefCell<Vec<(Bundle, Rc<Handle>)>> = const { RefCell::new(Vec::new()) };
}

/// Fails every request the bundle holds, and forgets the worker so the next request starts afresh.
fn fail(bundle: Bundle, state: &Rc<RefCell<State>>, why: String) {
    let callbacks: Vec<Callback<Answer>> = {
        let mut s = state.borrow_mut();
        if s.failed {
            return;
        }
        s.failed = true;
        let mut all: Vec<_> = s.unsent.drain(..).map(|(_, c)| c).collect();
        all.extend(s.waiting.drain(..));
        all
    };
    WORKERS.with(|w| {
        w.borrow_mut()
            .retain(|(b, h)| *b != bundle || !Rc::ptr_eq(&h.state, state))
    });
    let message = format!(
        "The {} codec bundle could not be loaded ({why}). Check your connection and edit a field to try again.",
        bundle.name()
    );
    for c in callbacks {
        c.emit(Err(message.clone()));
    }
}

fn start(bundle: Bundle) -> Result<Rc<Handle>, String> {
    let worker = web_sys::Worker::new(&bundle.loader()).map_err(|e| {
        e.as_string()
            .unwrap_or_else(|| "the worker could not be created".into())
    })?;
    let state = Rc::new(RefCell::new(State::default()));
    let on_message = {
        let (state, worker) = (state.clone(), worker.clone());
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let text = e.data().as_string().unwrap_or_default();
            let reply: Reply = serde_json::from_str(&text).unwrap_or_else(|e| Reply {
                error: Failure {
                    message: format!("unreadable answer: {e}"),
                },
                ..Reply::default()
            });
            if reply.ready && reply.protocol != PROTOCOL {
                let why = format!(
                    "it is from another version of the site: protocol {}, this page needs {PROTOCOL}; reload the page",
                    reply.protocol
                );
                return fail(bundle, &state, why);
            }
            if reply.ready {
                let unsent = {
                    let mut s = state.borrow_mut();
                    s.ready = true;
                    let unsent: Vec<_> = s.unsent.drain(..).collect();
                    for (_, c) in &unsent {
                        s.waiting.push_back(c.clone());
                    }
                    unsent
                };
                for (request, _) in unsent {
                    let _ = worker.post_message(&JsValue::from_str(&request));
                }
                return;
            }
            let next = state.borrow_mut().waiting.pop_front();
            if let Some(c) = next {
                c.emit(Ok(reply));
            }
        })
    };
    let on_error = {
        let state = state.clone();
        Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
            fail(bundle, &state, crate::hosts::worker_error(&e));
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // A worker lives as long as the page; so do its two handlers.
    on_message.forget();
    on_error.forget();
    {
        let state = state.clone();
        gloo::timers::callback::Timeout::new(READY_TIMEOUT_MS, move || {
            if !state.borrow().ready {
                fail(bundle, &state, "it did not start in time".into());
            }
        })
        .forget();
    }
    Ok(Rc::new(Handle { worker, state }))
}

/// Sends `request` (see `khafka_formats::api`) to `bundle`, starting its worker if needed; `done`
/// gets the answer.
pub fn request(bundle: Bundle, request: &Request, done: Callback<Answer>) {
    let existing = WORKERS.with(|w| {
        w.borrow()
            .iter()
            .find(|(b, _)| *b == bundle)
            .map(|(_, h)| h.clone())
    });
    let handle = match existing {
        Some(h) => h,
        None => match start(bundle) {
            Ok(h) => {
                WORKERS.with(|w| w.borrow_mut().push((bundle, h.clone())));
                h
            }
            Err(why) => {
                done.emit(Err(format!(
                    "The {} codec bundle could not be started ({why}).",
                    bundle.name()
                )));
                return;
            }
        },
    };
    let text = serde_json::to_string(request).unwrap_or_default();
    let send_now = {
        let mut s = handle.state.borrow_mut();
        if s.ready {
            s.waiting.push_back(done);
            true
        } else {
            s.unsent.push((text.clone(), done));
            false
        }
    };
    if send_now {
        let _ = handle.worker.post_message(&JsValue::from_str(&text));
    }
}
