//! The site's notebook bundle: everything that runs the engine — lesson and documentation cells, the
//! playground, the presenter, the bench page — built with consumer groups (the engine's `groups`
//! feature). The main bundle, the shell (`main.rs`), fetches it when a page shows one of its
//! placeholders (`notebook_loader.rs`), so a reader of the home page, the glossary or the
//! documentation never downloads the engine (issue 9's transfer budget).
//!
//! Trunk builds it like a worker (nothing injected into `index.html`) with wasm-bindgen's `web`
//! target into `notebook-v1/`; the shell adds `notebook-v1/notebook-start.js` (`web/notebook-start.js`),
//! which starts it. It then listens for the shell's window events `khafka-notebook` — `{op: "mount",
//! n, host, slot}` and `{op: "unmount", n}` — and says `khafka-notebook-ready`.
//!
//! One Yew app renders every slot as a portal into its host, which the shell never renders into.
//! The app's own root is a detached element. Each copy of Yew numbers its subtrees from 1, and an
//! event inside a host reaches the shell's root (`#app`, subtree 1 of the shell's copy) first: the
//! shell ignores it because the host's subtree number is not 1 — this app's root takes 1, its
//! portals 2 and up. So the root must be created before any portal, and the shell must not render
//! slots inside portals of its own.

mod advance;
mod bench;
mod budget;
mod cell;
mod chart;
mod cluster_view;
mod codec_worker;
mod compare;
mod frames;
mod headline;
mod highlight;
mod hosts;
mod panic_banner;
mod playground;
mod presenter;
// Shared with the main bundle, which uses what this one does not.
#[allow(dead_code)]
mod progress;
mod share;
mod show;
mod slot;
mod story;
mod windows_cell;

use cell::{Cell, Exercise, Knob};
use show::Show;
use slot::{CellSpec, Slot};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

thread_local! {
    /// The shell's mounted slots: their number, host and content.
    static SLOTS: RefCell<BTreeMap<u32, (web_sys::Element, Slot)>> = const { RefCell::new(BTreeMap::new()) };
    /// Renders the app again after `SLOTS` changed (set once it is mounted).
    static RERENDER: RefCell<Option<Callback<()>>> = const { RefCell::new(None) };
}

/// A cell from its page's fence: its knobs, what it shows, its exercise and, when the page was opened
/// from a link made in it, the shared state.
fn cell_view(spec: &CellSpec) -> Html {
    if spec.words.iter().any(|w| w == "windows") {
        let exercise = spec.words.iter().any(|w| w == "exercise").then(|| {
            Rc::new(windows_cell::WindowExercise {
                goal: khafka_streams::text::parse_cell(&spec.source)
                    .map(|c| c.expects)
                    .unwrap_or_default(),
                solution: spec.solution.clone(),
            })
        });
        return html! {
            <windows_cell::WindowsCell id={spec.id.clone()} source={spec.source.clone()} {exercise} />
        };
    }
    let mut knobs = Vec::new();
    let mut show = Show::default();
    let mut show_error = None;
    let mut exercise = None;
    for w in &spec.words {
        if w == "exercise" {
            exercise = Some(Rc::new(Exercise::new(&spec.source, spec.solution.clone())));
        } else if let Some(k) = w.strip_prefix("knob=").and_then(Knob::parse) {
            knobs.push(k);
        } else if let Some(s) = w.strip_prefix("show=") {
            match Show::parse(s) {
                Ok(s) => show = s,
                Err(e) => show_error = Some(format!("show={s}: {e}")),
            }
        }
    }
    let shared = spec
        .link
        .as_deref()
        .and_then(share::from_hash)
        .filter(|s| s.cell == Some(spec.index))
        .map(Rc::new);
    let link_to = spec
        .route
        .as_ref()
        .map(|r| (AttrValue::from(r.clone()), spec.index));
    let continues: Vec<(AttrValue, AttrValue)> = spec
        .continues
        .iter()
        .map(|(id, src)| (AttrValue::from(id.clone()), AttrValue::from(src.clone())))
        .collect();
    html! { <>
        { show_error.map(|e| html! { <p class="notice">{ e }</p> }).unwrap_or_default() }
        <Cell id={spec.id.clone()} source={spec.source.clone()} {continues} {knobs} {show} {link_to} {shared} {exercise} />
    </> }
}

#[derive(Properties, PartialEq)]
struct PortalProps {
    host: web_sys::Element,
    slot: Slot,
}

/// One slot's content, rendered into its host.
#[function_component(Portal)]
fn portal(props: &PortalProps) -> Html {
    let content = match &props.slot {
        Slot::Cell(spec) => cell_view(spec),
        Slot::Playground => html! { <playground::Playground /> },
        Slot::Presenter => html! { <presenter::Presenter /> },
        Slot::Bench => html! { <bench::Bench /> },
    };
    create_portal(content, props.host.clone())
}

#[function_component(Notebook)]
fn notebook() -> Html {
    let update = use_force_update();
    use_effect_with((), move |_| {
        RERENDER.with(|r| *r.borrow_mut() = Some(Callback::from(move |_| update.force_update())));
        // Listening and rendering: the shell may send its slots now. In a task of its own, so
        // that starting the wasm and rendering the first slots are not one long task.
        gloo::timers::callback::Timeout::new(0, || {
            if let Some(w) = web_sys::window() {
                if let Ok(e) = web_sys::CustomEvent::new("khafka-notebook-ready") {
                    let _ = w.dispatch_event(&e);
                }
            }
        })
        .forget();
    });
    let slots = SLOTS.with(|s| s.borrow().clone());
    html! {
        { for slots.into_iter().map(|(n, (host, slot))| html! { <Portal key={n} {host} {slot} /> }) }
    }
}

/// A shell message: `mount` a slot into its host, or `unmount` it.
fn on_message(detail: &wasm_bindgen::JsValue) {
    if SLOTS.with(|s| hosts::apply(s, detail, "slot")) {
        if let Some(r) = RERENDER.with(|r| r.borrow().clone()) {
            r.emit(());
        }
    }
}

fn main() {
    panic_banner::install();
    let Some(w) = web_sys::window() else { return };
    gloo::events::EventListener::new(&w, "khafka-notebook", |e| {
        if let Some(e) = e.dyn_ref::<web_sys::CustomEvent>() {
            on_message(&e.detail());
        }
    })
    .forget();
    let Some(root) = w.document().and_then(|d| d.create_element("div").ok()) else {
        return;
    };
    yew::Renderer::<Notebook>::with_root(root).render();
}
