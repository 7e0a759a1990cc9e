//! The codec worker: answers each message (a JSON request as a string, see
//! `khafka_formats::api`) with `handle_json`'s JSON answer, in the order the requests came.
//!
//! Trunk builds each bin as a worker (`data-type="worker"`, wasm-bindgen's no-modules target) with a
//! loader shim (`NAME_loader.js`: `importScripts` the glue, then instantiate the wasm), so the page
//! starts it with `new Worker("formats-v4/NAME_loader.js")` and no `blob:` URL (the CSP forbids
//! them). Messages posted before the wasm is instantiated would find no handler, so the worker says
//! `{"ready":true,"protocol":4}` once it listens and the page sends nothing before that (nor
//! anything to a worker of another protocol version).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// What the worker posts once it listens, with its protocol version.
pub const READY: &str = khafka_formats::api::READY;

/// Installs the message handler and announces the worker ready.
pub fn serve() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
        let request = e.data().as_string().unwrap_or_default();
        let answer = khafka_formats::api::handle_json(&request);
        // A worker's postMessage fails only for values that cannot be cloned; a string can.
        let _ = reply.post_message(&JsValue::from_str(&answer));
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str(READY));
}
