//! The notebook's way to the codec bundles: a scenario whose producers or consumers declare schema
//! (de)serializers needs a table from `khafka-formats` before it runs (`khafka_scenario::formats`),
//! and the notebook carries no codec. The first such run starts a codec bundle's worker (the same
//! `formats-v4/` bundles the formats page uses, from their loader shims), sends it the request, and
//! keeps the answer by request text, so every later run of the same scenario (a knob, Run again,
//! small multiples, the presenter) finds it at once. Each bundle carries one schema format besides
//! JSON: a scenario with both Avro and Protobuf schemas is computed by handing the request from one
//! bundle to the other until one answers with the table (`khafka_formats::sim_table::step`).
//! Answers are raw JSON text; the scenario layer reads them.

use khafka_scenario::Scenario;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// The codec bundles' folder (`crates/khafka-formats-page/src/codec.rs` `DIR`): versioned with
/// their protocol, so a page never talks to a worker of another version of the site.
const DIR: &str = "formats-v4";
/// What a bundle of this protocol says once it listens (`khafka_formats::api::READY`).
const READY: &str = r#"{"ready":true,"protocol":4}"#;
/// How long the bundles may take to start and answer.
const READY_TIMEOUT_MS: u32 = 30_000;
/// Most hand-overs between the bundles for one table (each computes at least one more use or
/// reader than the one before: at most 256 of each).
const MAX_HOPS: usize = 520;

/// Answers kept (the latest ones: a page has a few such cells, each with a few knob values).
const KEPT: usize = 32;

/// A codec bundle: `(file stem, name)`.
pub type Bundle = (&'static str, &'static str);

thread_local! {
    /// `(request, answer)`, oldest first.
    static ANSWERS: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

/// What a scenario with schema (de)serializers lacks to run.
pub enum Needs {
    /// The codecs' table: ask a bundle (`ask`) for this request, then try again.
    Table(String, Bundle),
    /// The table did not fit the scenario (why).
    Failed(String),
}

/// Writes the codecs' table into `scenario` if it needs one and a worker gave it already.
pub fn apply(scenario: &mut Scenario) -> Result<(), Needs> {
    let Some(request) = scenario.formats_request() else {
        return Ok(());
    };
    let Some(answer) = ANSWERS.with(|a| {
        a.borrow()
            .iter()
            .find(|(q, _)| *q == request)
            .map(|(_, r)| r.clone())
    }) else {
        let formats = khafka_scenario::formats::formats_used(&scenario.spec);
        let only_protobuf = formats.contains(&"protobuf") && !formats.contains(&"avro");
        return Err(Needs::Table(
            request,
            bundle_for(if only_protobuf { "protobuf" } else { "avro" }),
        ));
    };
    scenario
        .apply_formats(&answer)
        .map_err(|e| Needs::Failed(format!("Not run: the schemas: {e}")))
}

/// The bundle with a format (`avro`, `protobuf`, `json`).
fn bundle_for(format: &str) -> Bundle {
    if format == "protobuf" {
        ("khafka-formats-protobuf", "JSON + Protobuf")
    } else {
        ("khafka-formats-avro", "JSON + Avro")
    }
}

/// One request's way through the bundles: the workers started for it.
struct Session {
    /// `(bundle, worker, ready, request waiting for it to be ready)`.
    workers: Vec<(Bundle, web_sys::Worker, bool, Option<String>)>,
    hops: usize,
    settled: bool,
}

type Done = Rc<dyn Fn(Result<(), String>)>;

/// Starts the bundle's worker, sends `request` once it is ready (and on to the other bundle when
/// it hands the request over), keeps the answer and calls `done` with `Ok(())`; or `Err` with
/// what failed to load.
pub fn ask(bundle: Bundle, request: String, done: impl Fn(Result<(), String>) + 'static) {
    let session = Rc::new(RefCell::new(Session {
        workers: Vec::new(),
        hops: 0,
        settled: false,
    }));
    let done: Done = Rc::new(done);
    send(&session, &done, &request, bundle, request.clone());
    let (s, d) = (session.clone(), done.clone());
    gloo::timers::callback::Timeout::new(READY_TIMEOUT_MS, move || {
        settle(&s, &d, Err(failed(bundle, "it did not answer in time")));
    })
    .forget();
}

fn failed(bundle: Bundle, why: &str) -> String {
    format!("The {} codec bundle could not be loaded ({why}), so this scenario's values cannot be encoded. Check your connection and press Run to try again.", bundle.1)
}

/// Settles once: stops the workers and reports.
fn settle(session: &Rc<RefCell<Session>>, done: &Done, r: Result<(), String>) {
    let workers = {
        let mut s = session.borrow_mut();
        if std::mem::replace(&mut s.settled, true) {
            return;
        }
        std::mem::take(&mut s.workers)
    };
    for (_, w, ..) in workers {
        w.terminate();
    }
    done(r);
}

/// Sends `text` to `bundle`'s worker, starting it if this session has none yet.
fn send(session: &Rc<RefCell<Session>>, done: &Done, key: &str, bundle: Bundle, text: String) {
    {
        let mut s = session.borrow_mut();
        if let Some(w) = s.workers.iter_mut().find(|w| w.0 == bundle) {
            if w.2 {
                let _ = w.1.post_message(&JsValue::from_str(&text));
            } else {
                w.3 = Some(text);
            }
            return;
        }
    }
    let worker = match web_sys::Worker::new(&format!("./{DIR}/{}_loader.js", bundle.0)) {
        Ok(w) => w,
        Err(e) => {
            let why = e.as_string().unwrap_or_else(|| "no worker".into());
            return settle(session, done, Err(failed(bundle, &why)));
        }
    };
    let on_message = {
        let (session, done, key) = (session.clone(), done.clone(), key.to_string());
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let text = e.data().as_string().unwrap_or_default();
            if text.starts_with(r#"{"ready":"#) {
                if text != READY {
                    let why = format!("it is from another version of the site ({text}; this page needs {READY}): reload the page");
                    return settle(&session, &done, Err(failed(bundle, &why)));
                }
                let mut s = session.borrow_mut();
                if let Some(w) = s.workers.iter_mut().find(|w| w.0 == bundle) {
                    w.2 = true;
                    if let Some(t) = w.3.take() {
                        let _ = w.1.post_message(&JsValue::from_str(&t));
                    }
                }
                return;
            }
            if let Some((format, next)) = khafka_scenario::formats::relay_of(&text, &key) {
                let hops = {
                    let mut s = session.borrow_mut();
                    s.hops += 1;
                    s.hops
                };
                if hops > MAX_HOPS {
                    let why = format!("the bundles handed the table over {MAX_HOPS} times");
                    return settle(&session, &done, Err(failed(bundle, &why)));
                }
                return send(&session, &done, &key, bundle_for(&format), next);
            }
            ANSWERS.with(|a| {
                let mut a = a.borrow_mut();
                if a.len() >= KEPT {
                    a.remove(0);
                }
                a.push((key.clone(), text));
            });
            settle(&session, &done, Ok(()));
        })
    };
    let on_error = {
        let (session, done) = (session.clone(), done.clone());
        Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
            settle(
                &session,
                &done,
                Err(failed(bundle, &crate::hosts::worker_error(&e))),
            );
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_message.forget();
    on_error.forget();
    let mut s = session.borrow_mut();
    if s.settled {
        worker.terminate();
        return;
    }
    s.workers.push((bundle, worker, false, Some(text)));
}
