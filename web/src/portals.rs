//! The app a bundle that fills the shell's placeholders runs (the notebook, `notebook.rs`; the window
//! cells, `windows.rs`): it listens for the shell's window events (`{op: "mount", n, host, slot}`,
//! `{op: "unmount", n}`, see `hosts.rs`), says `NAME-ready`, and renders each slot as a portal into
//! its host, all in one Yew app whose root is a detached element created before any portal. Each copy
//! of Yew numbers its subtrees from 1, and an event inside a host reaches the shell's root (`#app`,
//! subtree 1 of the shell's copy) first: the shell ignores it because the host's subtree number is not
//! 1 — this app's root takes 1, its portals 2 and up. So the shell must not render slots inside
//! portals of its own.

use crate::slot::Slot;
use std::cell::{Cell, RefCell};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// What a bundle renders for a slot, and the event it says it is ready with.
type Bundle = (fn(&Slot) -> Html, &'static str);

thread_local! {
    /// The shell's mounted slots: their number, host and content.
    static SLOTS: crate::hosts::Hosts<Slot> = const { RefCell::new(Vec::new()) };
    /// Renders the app again after `SLOTS` changed (set once it is mounted).
    static RERENDER: RefCell<Option<Callback<()>>> = const { RefCell::new(None) };
    /// What the bundle renders for a slot, and the event it says it is ready with.
    static BUNDLE: Cell<Option<Bundle>> = const { Cell::new(None) };
}

#[derive(Properties, PartialEq)]
struct PortalProps {
    host: web_sys::Element,
    slot: Slot,
}

/// One slot's content, rendered into its host.
#[function_component(Portal)]
fn portal(props: &PortalProps) -> Html {
    let content = BUNDLE
        .with(Cell::get)
        .map_or_else(Html::default, |(render, _)| render(&props.slot));
    create_portal(content, props.host.clone())
}

#[function_component(Portals)]
fn portals() -> Html {
    let update = use_force_update();
    use_effect_with((), move |_| {
        RERENDER.with(|r| *r.borrow_mut() = Some(Callback::from(move |_| update.force_update())));
        // Listening and rendering: the shell may send its slots now. In a task of its own, so
        // that starting the wasm and rendering the first slots are not one long task.
        gloo::timers::callback::Timeout::new(0, || {
            let ready = BUNDLE.with(Cell::get).map(|(_, ready)| ready);
            if let (Some(w), Some(ready)) = (web_sys::window(), ready) {
                if let Ok(e) = web_sys::CustomEvent::new(ready) {
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
    if SLOTS.with(|s| crate::hosts::apply(s, detail, "slot")) {
        if let Some(r) = RERENDER.with(|r| r.borrow().clone()) {
            r.emit(());
        }
    }
}

/// Starts the bundle's app: listens to the shell's `listen` events, says `ready` once it can take
/// slots, and renders each with `render`.
pub fn start(listen: &'static str, ready: &'static str, render: fn(&Slot) -> Html) {
    crate::panic_banner::install();
    BUNDLE.with(|b| b.set(Some((render, ready))));
    let Some(w) = web_sys::window() else { return };
    gloo::events::EventListener::new(&w, listen, |e| {
        if let Some(e) = e.dyn_ref::<web_sys::CustomEvent>() {
            on_message(&e.detail());
        }
    })
    .forget();
    let Some(root) = w.document().and_then(|d| d.create_element("div").ok()) else {
        return;
    };
    yew::Renderer::<Portals>::with_root(root).render();
}
