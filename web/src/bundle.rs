//! The site's bundles fetched on demand (issue 9's transfer budget): the notebook
//! (`notebook_loader.rs`) and the formats page (`formats_loader.rs`). Each is a wasm bundle Trunk
//! builds like a worker (nothing injected into `index.html`) with wasm-bindgen's `web` target into a
//! versioned folder, beside a start script (`web/*-start.js`).
//!
//! Loading one adds that start script as a same-origin module script (the CSP allows no inline
//! script), with `?try=N` so that a retry fetches afresh (a document keeps a failed module fetch);
//! the script imports the glue with the same suffix and starts the wasm, which says `NAME-ready` once
//! it listens. A start script that fails to load, or a glue or wasm that fails to start
//! (`NAME-failed`), shows an error with a button to try again.

use gloo::events::EventListener;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::thread::LocalKey;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// A bundle fetched on demand.
pub struct Bundle {
    /// Its folder (`index.html`'s `data-target-path`); versioned, as its files are not hashed.
    pub dir: &'static str,
    /// Its name: it says `NAME-ready` when it runs, its start script `NAME-failed` when it cannot.
    pub name: &'static str,
    /// Its start script, in `dir`.
    pub start: &'static str,
    /// What it is, for the error ("The formats page").
    pub what: &'static str,
    /// Run when it says it is ready, after the components showing its state are told.
    pub on_ready: fn(),
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Stage {
    /// Nothing fetched yet, or the last attempt failed (then with an error).
    Idle,
    /// An attempt is under way.
    Loading,
    /// It runs.
    Ready,
}

/// The stage, and the error to show.
pub type Status = (Stage, Option<String>);

/// A bundle's loading state, and the components showing it.
pub struct Loader {
    bundle: Bundle,
    status: RefCell<Status>,
    watchers: RefCell<Vec<(u32, Callback<Status>)>>,
    next_watcher: Cell<u32>,
    attempts: Cell<u32>,
    listening: Cell<bool>,
}

/// A loader lives in a `thread_local!`.
pub type Key = &'static LocalKey<Loader>;

impl Loader {
    pub fn new(bundle: Bundle) -> Loader {
        Loader {
            bundle,
            status: RefCell::new((Stage::Idle, None)),
            watchers: RefCell::new(Vec::new()),
            next_watcher: Cell::new(0),
            attempts: Cell::new(0),
            listening: Cell::new(false),
        }
    }
}

pub fn stage(key: Key) -> Stage {
    key.with(|l| l.status.borrow().0)
}

fn set(key: Key, stage: Stage, error: Option<String>) {
    let watchers = key.with(|l| {
        *l.status.borrow_mut() = (stage, error.clone());
        l.watchers.borrow().clone()
    });
    for (_, w) in watchers {
        w.emit((stage, error.clone()));
    }
    if stage == Stage::Ready {
        (key.with(|l| l.bundle.on_ready))();
    }
}

fn fail(key: Key, why: &str) {
    let what = key.with(|l| l.bundle.what);
    set(
        key,
        Stage::Idle,
        Some(format!(
            "{what} could not be loaded ({why}). Check your connection and try again."
        )),
    );
}

/// The bundle's announcements, heard for the page's lifetime (it may start after the reader left).
fn listen(key: Key) {
    if key.with(|l| l.listening.replace(true)) {
        return;
    }
    let Some(w) = web_sys::window() else { return };
    let name = key.with(|l| l.bundle.name);
    EventListener::new(&w, format!("{name}-ready"), move |_| {
        set(key, Stage::Ready, None)
    })
    .forget();
    EventListener::new(&w, format!("{name}-failed"), move |e| {
        let why = e
            .dyn_ref::<web_sys::CustomEvent>()
            .and_then(|e| e.detail().as_string())
            .unwrap_or_default();
        fail(key, &why);
    })
    .forget();
}

/// Adds `<script type="module" src="…">`; `failed` runs if it does not load.
fn add_module_script(src: &str, failed: impl FnOnce() + 'static) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return failed();
    };
    let (Ok(script), Some(head)) = (doc.create_element("script"), doc.head()) else {
        return failed();
    };
    let on_error = Closure::once_into_js(failed);
    let _ = script.set_attribute("type", "module");
    let _ = script.set_attribute("src", src);
    let _ = script.add_event_listener_with_callback("error", on_error.unchecked_ref());
    let _ = head.append_child(&script);
}

/// Fetches and starts the bundle unless it runs or is on its way; true if it runs.
pub fn load(key: Key) -> bool {
    listen(key);
    match stage(key) {
        Stage::Ready => true,
        Stage::Loading => false,
        Stage::Idle => {
            set(key, Stage::Loading, None);
            let attempt = key.with(|l| l.attempts.replace(l.attempts.get() + 1)) + 1;
            let (dir, start) = key.with(|l| (l.bundle.dir, l.bundle.start));
            add_module_script(&format!("./{dir}/{start}?try={attempt}"), move || {
                fail(key, "its start script did not load")
            });
            false
        }
    }
}

/// The bundle's status, kept current while the component is mounted.
#[hook]
pub fn use_bundle(key: Key) -> Status {
    let status = use_state(|| key.with(|l| l.status.borrow().clone()));
    {
        let status = status.clone();
        use_effect_with((), move |_| {
            let id = key.with(|l| {
                let id = l.next_watcher.replace(l.next_watcher.get() + 1);
                l.watchers
                    .borrow_mut()
                    .push((id, Callback::from(move |s| status.set(s))));
                id
            });
            move || key.with(|l| l.watchers.borrow_mut().retain(|(i, _)| *i != id))
        });
    }
    (*status).clone()
}

/// The loading state or the error with a button to try again (`class` names the element for
/// styles and tests); nothing once the bundle runs.
pub fn status_view(key: Key, status: &Status, loading: &str, class: &'static str) -> Html {
    status_view_as(key, status, loading, class, None)
}

/// [`status_view`] where the bundle serves a part of another page: the error names `what` failed
/// there (a lesson's format cells) instead of the bundle's own page.
pub fn status_view_as(
    key: Key,
    status: &Status,
    loading: &str,
    class: &'static str,
    what: Option<&str>,
) -> Html {
    match status {
        (Stage::Ready, _) => html! {},
        (Stage::Idle, Some(e)) => html! {
            <p class={classes!("notice", "error", class)} role="alert">
                { match what {
                    Some(w) => e.replacen(key.with(|l| l.bundle.what), w, 1),
                    None => e.clone(),
                } }{ " " }
                <button class="retry" onclick={Callback::from(move |_: MouseEvent| { load(key); })}>{ "Try again" }</button>
            </p>
        },
        _ => {
            html! { <p class={classes!("muted", "loading", class)} role="status">{ loading.to_string() }</p> }
        }
    }
}

/// Host elements the main app gives a bundle to render into (a `thread_local!`): their number, the
/// element, and what to render as JSON. The bundle keeps its own copy (`hosts.rs`).
pub struct Hosts {
    /// The window event the bundle listens to, and the detail's field holding the JSON.
    pub event: &'static str,
    pub field: &'static str,
    pub mounted: RefCell<BTreeMap<u32, (web_sys::Element, String)>>,
    pub next: Cell<u32>,
}

impl Hosts {
    pub const fn new(event: &'static str, field: &'static str) -> Hosts {
        Hosts {
            event,
            field,
            mounted: RefCell::new(BTreeMap::new()),
            next: Cell::new(0),
        }
    }
}

pub type HostsKey = &'static LocalKey<Hosts>;

/// Tells the bundle `op` about host `n` (window event `hosts.event`, detail `{op, n, host,
/// FIELD}`).
fn send_host(hosts: HostsKey, op: &str, n: u32, host: Option<(&web_sys::Element, &str)>) {
    let Some(w) = web_sys::window() else { return };
    let (event, field) = hosts.with(|h| (h.event, h.field));
    let detail = js_sys::Object::new();
    let put = |k: &str, v: &wasm_bindgen::JsValue| js_sys::Reflect::set(&detail, &k.into(), v);
    let _ = put("op", &op.into());
    let _ = put("n", &n.into());
    if let Some((el, json)) = host {
        let _ = put("host", el);
        let _ = put(field, &json.into());
    }
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&detail);
    if let Ok(e) = web_sys::CustomEvent::new_with_event_init_dict(event, &init) {
        let _ = w.dispatch_event(&e);
    }
}

/// The bundle runs: mount every host on the page (a `Bundle`'s `on_ready`).
pub fn mount_all(hosts: HostsKey) {
    let all = hosts.with(|h| h.mounted.borrow().clone());
    for (n, (host, json)) in &all {
        send_host(hosts, "mount", *n, Some((host, json)));
    }
}

/// A host element `bundle` renders `json` into while the component is mounted (fetching the bundle
/// if needed); this app never renders into it. `class` names the element.
#[hook]
pub fn use_host(key: Key, hosts: HostsKey, json: String, class: &'static str) -> web_sys::Element {
    let host = use_memo((), move |_| {
        let el = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("div").ok())
            .expect("a document");
        el.set_class_name(class);
        el
    });
    {
        let host = host.clone();
        use_effect_with(json, move |json| {
            let n = hosts.with(|h| h.next.replace(h.next.get() + 1));
            hosts.with(|h| {
                h.mounted
                    .borrow_mut()
                    .insert(n, ((*host).clone(), json.clone()))
            });
            if load(key) {
                send_host(hosts, "mount", n, Some((&host, json)));
            }
            move || {
                hosts.with(|h| h.mounted.borrow_mut().remove(&n));
                if stage(key) == Stage::Ready {
                    send_host(hosts, "unmount", n, None);
                }
            }
        });
    }
    (*host).clone()
}
