//! The `/#/formats` page as a bundle of its own (issue 9's transfer budget): the site's main bundle
//! carries only a loader (`web/src/formats_loader.rs`), and this module — the page's UI and the
//! client of the codec workers — is fetched the first time a reader opens the page.
//!
//! Trunk builds it like a worker (nothing injected into `index.html`), with wasm-bindgen's `web`
//! target, into `formats-ui-v1/`. The main app adds `formats-ui-v1/formats-page-start.js`
//! (`web/formats-page-start.js`, a module script) which imports the glue and instantiates the wasm
//! (`web/src/bundle.rs`); `main` then mounts the page into
//! `#formats-app`, a sibling of the main app's root, so the two Yew apps never share a DOM subtree
//! (each copy of Yew numbers its event roots from 1, and a nested one would take the other's events).
//!
//! The two apps talk through window events: the main app sends `khafka-formats-page` with the
//! detail `show` when its route opens the page and `hide` when it leaves; this module answers
//! `show` by mounting (afresh) and `hide` by unmounting. Once running (the page mounted if the
//! reader is still on it), it says `khafka-formats-page-ready`.
//!
//! The same bundle renders a lesson's format cells (`cells.rs`) into the hosts the lesson page
//! gives it (`web/src/formats_loader.rs`, `FormatSlot`).

mod batches;
mod cells;
mod codec;
// Shared with the notebook bundle: hosts the main app gives a bundle to render into.
mod evolution;
#[path = "../../../web/src/hosts.rs"]
mod hosts;
mod page;
// Shared with the main bundle (which uses what this one does not): a passed format exercise counts
// on the course map like any other.
#[allow(dead_code)]
#[path = "../../../web/src/progress.rs"]
mod progress;

use std::cell::RefCell;
use wasm_bindgen::JsCast;

/// The element the page is mounted into (`index.html`).
const ROOT_ID: &str = "formats-app";
/// The route this page answers (hash routing).
const ROUTE: &str = "#/formats";

thread_local! {
    static APP: RefCell<Option<yew::AppHandle<page::FormatsPage>>> = const { RefCell::new(None) };
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn unmount() {
    if let Some(app) = APP.with(|a| a.borrow_mut().take()) {
        app.destroy();
    }
}

/// Mounts the page afresh (a reader who comes back finds the examples again, as before the split).
fn mount() {
    unmount();
    let Some(root) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(ROOT_ID))
    else {
        return;
    };
    let app = yew::Renderer::<page::FormatsPage>::with_root(root).render();
    APP.with(|a| *a.borrow_mut() = Some(app));
}

/// A panic in this module shows the same banner as one in the main app (`web/src/panic_banner.rs`).
fn install_panic_banner() {
    std::panic::set_hook(Box::new(|info| {
        let Some(doc) = window().and_then(|w| w.document()) else {
            return;
        };
        if doc.query_selector(".panic-banner").ok().flatten().is_some() {
            return;
        }
        if let (Ok(banner), Some(body)) = (doc.create_element("pre"), doc.body()) {
            banner.set_class_name("panic-banner");
            let _ = banner.set_attribute("role", "alert");
            banner.set_text_content(Some(&format!(
                "Khafka hit a bug on the formats page: {info}"
            )));
            let _ = body.prepend_with_node_1(&banner);
        }
    }));
}

fn main() {
    install_panic_banner();
    let Some(w) = window() else { return };
    // First, so that the cells' root is subtree 1 of this copy of Yew (`cells.rs`).
    cells::start(&w);
    gloo::events::EventListener::new(&w, "khafka-formats-page", |e| {
        let what = e
            .dyn_ref::<web_sys::CustomEvent>()
            .and_then(|e| e.detail().as_string())
            .unwrap_or_default();
        match what.as_str() {
            "show" => mount(),
            "hide" => unmount(),
            _ => {}
        }
    })
    .forget();
    // Loaded because the reader opened the page: show it, unless they left while it loaded.
    let hash = w.location().hash().unwrap_or_default();
    if hash == ROUTE || hash.starts_with("#/formats?") {
        mount();
    }
    // Running: from now on the main app sends `show` and `hide`.
    if let Ok(e) = web_sys::CustomEvent::new("khafka-formats-page-ready") {
        let _ = w.dispatch_event(&e);
    }
}
