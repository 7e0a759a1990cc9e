//! `/#/formats` in the main bundle: only a loader. The page's UI and the codec workers' client are a
//! bundle of their own (`crates/khafka-formats-page`, built by Trunk into `formats-ui-v1/`), fetched
//! the first time a reader opens the page, so the main bundle stays within issue 9's budget.
//!
//! Loading adds two same-origin scripts (the CSP allows no inline script): the bundle's
//! wasm-bindgen glue, then `formats-ui-v1/formats-page-start.js` (`web/formats-page-start.js`), which instantiates it. The bundle mounts the
//! page into `#formats-app` (beside this app's root, see `crates/khafka-formats-page/src/main.rs`)
//! and says `khafka-formats-page-ready`; afterwards this component sends it `show` when the route
//! opens the page and `hide` when it leaves. A script that fails to load, or a wasm that fails to
//! start, shows an error with a button to try again (opening the page again tries again too).

use gloo::events::EventListener;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The bundle's folder (`index.html`'s `data-target-path`); versioned, as its files are not hashed.
const DIR: &str = "formats-ui-v1";

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    /// Nothing fetched yet (or the last attempt failed before the glue ran).
    Idle,
    /// The glue is being fetched.
    Glue,
    /// The glue ran (it may run only once: it declares a global); the wasm is being started.
    Starting,
    /// The page is mounted or can be mounted at once.
    Ready,
    /// The glue ran, but the wasm did not start: the next attempt only reruns the start script.
    StartFailed,
}

/// What the mounted loader is told: the stage, and the error to show.
type Notify = Callback<(Stage, Option<String>)>;
/// A script's completion, called once with whether it loaded.
type Done = Rc<Cell<Option<Box<dyn FnOnce(bool)>>>>;

thread_local! {
    static STAGE: Cell<Stage> = const { Cell::new(Stage::Idle) };
    /// The mounted loader's state setter (at most one loader is mounted: it is a route).
    static NOTIFY: RefCell<Option<Notify>> = const { RefCell::new(None) };
    static LISTENING: Cell<bool> = const { Cell::new(false) };
}

fn set_stage(stage: Stage, error: Option<String>) {
    STAGE.with(|s| s.set(stage));
    if let Some(cb) = NOTIFY.with(|n| n.borrow().clone()) {
        cb.emit((stage, error));
    }
}

fn fail(stage: Stage, why: &str) {
    set_stage(
        stage,
        Some(format!(
            "The formats page could not be loaded ({why}). Check your connection and try again."
        )),
    );
}

fn send(detail: &str) {
    if let Some(w) = web_sys::window() {
        let init = web_sys::CustomEventInit::new();
        init.set_detail(&detail.into());
        if let Ok(e) = web_sys::CustomEvent::new_with_event_init_dict("khafka-formats-page", &init)
        {
            let _ = w.dispatch_event(&e);
        }
    }
}

/// The bundle's announcements, heard for the page's lifetime (it may start after the reader left).
fn listen() {
    if LISTENING.with(|l| l.replace(true)) {
        return;
    }
    let Some(w) = web_sys::window() else { return };
    EventListener::new(&w, "khafka-formats-page-ready", |_| {
        set_stage(Stage::Ready, None)
    })
    .forget();
    EventListener::new(&w, "khafka-formats-page-failed", |e| {
        let why = e
            .dyn_ref::<web_sys::CustomEvent>()
            .and_then(|e| e.detail().as_string())
            .unwrap_or_default();
        fail(Stage::StartFailed, &why);
    })
    .forget();
}

/// Adds `<script src="./formats-ui-v1/NAME">`; `done` gets whether it loaded.
fn add_script(name: &str, done: impl FnOnce(bool) + 'static) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return done(false);
    };
    let (Ok(script), Some(head)) = (doc.create_element("script"), doc.head()) else {
        return done(false);
    };
    let done: Done = Rc::new(Cell::new(Some(Box::new(done))));
    let settle = |ok: bool, done: Done| {
        Closure::once_into_js(move || {
            if let Some(f) = done.take() {
                f(ok)
            }
        })
    };
    let on_load = settle(true, done.clone());
    let on_error = settle(false, done);
    let _ = script.set_attribute("src", &format!("./{DIR}/{name}"));
    let _ = script.add_event_listener_with_callback("load", on_load.unchecked_ref());
    let _ = script.add_event_listener_with_callback("error", on_error.unchecked_ref());
    let _ = head.append_child(&script);
}

fn start() {
    set_stage(Stage::Starting, None);
    add_script("formats-page-start.js", |ok| {
        if !ok {
            fail(Stage::StartFailed, "its start script did not load");
        }
    });
}

/// Fetches and starts the bundle, or (once it runs) shows the page.
fn load() {
    match STAGE.with(Cell::get) {
        Stage::Ready => send("show"),
        Stage::Idle => {
            set_stage(Stage::Glue, None);
            add_script("khafka-formats-page.js", |ok| {
                if ok {
                    start();
                } else {
                    fail(Stage::Idle, "its script did not load");
                }
            });
        }
        Stage::StartFailed => start(),
        // Still loading from an earlier visit: the bundle mounts the page when it starts.
        Stage::Glue | Stage::Starting => {}
    }
}

#[function_component(FormatsLoader)]
pub fn formats_loader() -> Html {
    let state = use_state(|| (STAGE.with(Cell::get), None::<String>));
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            listen();
            NOTIFY.with(|n| *n.borrow_mut() = Some(Callback::from(move |s| state.set(s))));
            load();
            move || {
                NOTIFY.with(|n| *n.borrow_mut() = None);
                send("hide");
            }
        });
    }
    match &*state {
        (Stage::Idle | Stage::StartFailed, Some(e)) => {
            html! {
                <p class="notice error formats-status" role="alert">
                    { e.clone() }{ " " }
                    <button class="retry" onclick={Callback::from(|_: MouseEvent| load())}>{ "Try again" }</button>
                </p>
            }
        }
        (Stage::Ready, _) => html! {},
        _ => {
            html! { <p class="muted loading formats-status" role="status">{ "Loading the formats page…" }</p> }
        }
    }
}
