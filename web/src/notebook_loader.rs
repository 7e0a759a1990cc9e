//! The notebook in the main bundle: placeholders. Everything that runs the engine — lesson cells, the
//! playground, the presenter, the bench page — is a bundle of its own (`notebook.rs`, built by Trunk
//! into `notebook-v1/`), fetched the first time a page shows a placeholder, so the main bundle (the
//! shell: header, routes, home, documentation and lesson prose) stays within issue 9's budget.
//!
//! A [`NotebookSlot`] renders a host element the notebook owns (this app never renders into it) and,
//! beside it, the loading state or an error with a button to try again. While the slot is mounted, the
//! notebook is told `mount` (the host and the [`Slot`] as JSON) as soon as it runs, and `unmount`
//! when the slot goes. The notebook mounts its components into the hosts as portals of one Yew app
//! of its own, whose events never reach this one's handlers (see `notebook.rs`).

use crate::bundle::{self, Bundle, Loader, Stage};
use crate::slot::Slot;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use wasm_bindgen::JsValue;
use yew::prelude::*;

thread_local! {
    static NOTEBOOK: Loader = Loader::new(Bundle {
        dir: "notebook-v1",
        name: "khafka-notebook",
        start: "notebook-start.js",
        what: "The simulator",
        on_ready: mount_all,
    });
    /// The mounted slots: their number, host and content (JSON).
    static SLOTS: RefCell<BTreeMap<u32, (web_sys::Element, String)>> = const { RefCell::new(BTreeMap::new()) };
    static NEXT_SLOT: Cell<u32> = const { Cell::new(0) };
}

/// Tells the notebook `op` about slot `n` (window event `khafka-notebook`, detail `{op, n, host,
/// slot}`).
fn send(op: &str, n: u32, host: Option<(&web_sys::Element, &str)>) {
    let Some(w) = web_sys::window() else { return };
    let detail = js_sys::Object::new();
    let put = |k: &str, v: &JsValue| js_sys::Reflect::set(&detail, &k.into(), v);
    let _ = put("op", &op.into());
    let _ = put("n", &n.into());
    if let Some((el, slot)) = host {
        let _ = put("host", el);
        let _ = put("slot", &slot.into());
    }
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&detail);
    if let Ok(e) = web_sys::CustomEvent::new_with_event_init_dict("khafka-notebook", &init) {
        let _ = w.dispatch_event(&e);
    }
}

/// The notebook runs: mount every slot on the page.
fn mount_all() {
    let slots = SLOTS.with(|s| s.borrow().clone());
    for (n, (host, slot)) in &slots {
        send("mount", *n, Some((host, slot)));
    }
}

#[derive(Properties, PartialEq)]
pub struct SlotProps {
    pub slot: Slot,
}

/// A placeholder the notebook fills.
#[function_component(NotebookSlot)]
pub fn notebook_slot(props: &SlotProps) -> Html {
    let status = bundle::use_bundle(&NOTEBOOK);
    let host = use_memo((), |_| {
        let el = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("div").ok())
            .expect("a document");
        el.set_class_name("notebook-host");
        el
    });
    {
        let host = host.clone();
        use_effect_with(props.slot.clone(), move |slot| {
            let json = serde_json::to_string(slot).unwrap_or_default();
            let n = NEXT_SLOT.with(|c| c.replace(c.get() + 1));
            SLOTS.with(|s| s.borrow_mut().insert(n, ((*host).clone(), json.clone())));
            if bundle::load(&NOTEBOOK) {
                send("mount", n, Some((&host, &json)));
            }
            move || {
                SLOTS.with(|s| s.borrow_mut().remove(&n));
                if bundle::stage(&NOTEBOOK) == Stage::Ready {
                    send("unmount", n, None);
                }
            }
        });
    }
    html! {
        <div class="notebook-slot">
            { bundle::status_view(&NOTEBOOK, &status, "Loading the simulator…", "notebook-status") }
            { Html::VRef((*host).clone().into()) }
        </div>
    }
}
