//! The notebook's way to the codec bundles: a scenario whose producers or consumers declare schema
//! (de)serializers needs a table from `khafka-formats` before it runs (`khafka_scenario::formats`),
//! and the notebook carries no codec. The first such run starts the codec bundle's worker (the same
//! `formats-v1/` bundles the formats page uses, from their loader shims), sends it the request, and
//! keeps the answer by request text, so every later run of the same scenario (a knob, Run again,
//! small multiples) finds it at once. Answers are raw JSON text; the scenario layer reads them.

use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// The codec bundles' folder (`crates/khafka-formats-page/src/codec.rs` `DIR`).
const DIR: &str = "formats-v1";
/// How long a bundle may take to start.
const READY_TIMEOUT_MS: u32 = 30_000;

/// Answers kept (the latest ones: a page has a few such cells, each with a few knob values).
const KEPT: usize = 32;

thread_local! {
    /// `(request, answer)`, oldest first.
    static ANSWERS: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

/// The answer to `request`, if a worker gave it already.
pub fn cached(request: &str) -> Option<String> {
    ANSWERS.with(|a| {
        a.borrow()
            .iter()
            .find(|(q, _)| q == request)
            .map(|(_, r)| r.clone())
    })
}

/// The bundle for the formats a scenario uses (`avro`, `protobuf`, `json`): `(file stem, name)`,
/// or why none can compute it (one worker holds one registry, and each bundle has one schema
/// format besides JSON).
pub fn bundle_for(formats: &[&str]) -> Result<(&'static str, &'static str), String> {
    let avro = formats.contains(&"avro");
    let protobuf = formats.contains(&"protobuf");
    match (avro, protobuf) {
        (true, true) => Err("This scenario uses both Avro and Protobuf schemas: the site's codec bundles hold one of them each (with JSON), so it runs only with the `khafka` command line.".into()),
        (false, true) => Ok(("khafka-formats-protobuf", "JSON + Protobuf")),
        _ => Ok(("khafka-formats-avro", "JSON + Avro")),
    }
}

/// Starts the bundle's worker, sends `request` once it is ready, keeps the answer and calls
/// `done` with `Ok(())`; or `Err` with what failed to load.
pub fn ask(
    bundle: (&'static str, &'static str),
    request: String,
    done: impl Fn(Result<(), String>) + 'static,
) {
    let (stem, name) = bundle;
    let failed = move |why: String| {
        format!("The {name} codec bundle could not be loaded ({why}), so this cell's values cannot be encoded. Check your connection and press Run to try again.")
    };
    let worker = match web_sys::Worker::new(&format!("./{DIR}/{stem}_loader.js")) {
        Ok(w) => w,
        Err(e) => {
            done(Err(failed(e.as_string().unwrap_or_else(|| {
                "the worker could not be created".into()
            }))));
            return;
        }
    };
    let done = Rc::new(done);
    // Settled once: answered, failed or timed out.
    let settled = Rc::new(RefCell::new(false));
    let settle = {
        let (done, settled, worker) = (done.clone(), settled.clone(), worker.clone());
        move |r: Result<(), String>| {
            if std::mem::replace(&mut *settled.borrow_mut(), true) {
                return;
            }
            worker.terminate();
            done(r);
        }
    };
    let settle = Rc::new(settle);
    let on_message = {
        let (settle, worker) = (settle.clone(), worker.clone());
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let text = e.data().as_string().unwrap_or_default();
            if text == r#"{"ready":true}"# {
                let _ = worker.post_message(&JsValue::from_str(&request));
                return;
            }
            ANSWERS.with(|a| {
                let mut a = a.borrow_mut();
                if a.len() >= KEPT {
                    a.remove(0);
                }
                a.push((request.clone(), text));
            });
            settle(Ok(()));
        })
    };
    let on_error = {
        let settle = settle.clone();
        Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
            settle(Err(failed(crate::hosts::worker_error(&e))));
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_message.forget();
    on_error.forget();
    gloo::timers::callback::Timeout::new(READY_TIMEOUT_MS, move || {
        settle(Err(failed("it did not answer in time".into())));
    })
    .forget();
}
