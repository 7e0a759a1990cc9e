//! The receiving side of hosted slots, shared by the two bundles that render into host elements the
//! main app gives them: the notebook (`notebook.rs`, slots) and the formats bundle
//! (`crates/khafka-formats-page/src/cells.rs`, format cells). The main app sends window events whose
//! detail is `{op: "mount", n, host, FIELD: JSON}` or `{op: "unmount", n}` (`bundle.rs`,
//! `send_host`); [`apply`] keeps a bundle's map of mounted hosts up to date.

use serde::de::DeserializeOwned;
use std::cell::RefCell;
use wasm_bindgen::JsCast;

/// The mounted hosts of one bundle, sorted by number: their number, element and content (a
/// vector: a page has a few, and a B-tree of this type would be code of its own in each bundle).
pub type Hosts<T> = RefCell<Vec<(u32, (web_sys::Element, T))>>;

/// Applies one message (its detail) to `hosts`, reading the content from `field`; true if the map
/// changed and the app should render again.
pub fn apply<T: DeserializeOwned>(
    hosts: &Hosts<T>,
    detail: &wasm_bindgen::JsValue,
    field: &str,
) -> bool {
    let get = |k: &str| js_sys::Reflect::get(detail, &k.into()).unwrap_or_default();
    let Some(n) = get("n").as_f64().map(|n| n as u32) else {
        return false;
    };
    match get("op").as_string().as_deref() {
        Some("mount") => {
            let host = get("host").dyn_into::<web_sys::Element>().ok();
            let content = get(field)
                .as_string()
                .and_then(|s| serde_json::from_str::<T>(&s).ok());
            if let (Some(host), Some(content)) = (host, content) {
                let mut h = hosts.borrow_mut();
                h.retain(|e| e.0 != n);
                let at = h.partition_point(|e| e.0 < n);
                h.insert(at, (n, (host, content)));
            }
        }
        Some("unmount") => {
            hosts.borrow_mut().retain(|e| e.0 != n);
        }
        _ => return false,
    }
    true
}

/// Why a worker failed to start, from its `error` event (both bundles start codec workers).
pub fn worker_error(e: &web_sys::Event) -> String {
    e.dyn_ref::<web_sys::ErrorEvent>()
        .map(|e| e.message())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "its script did not load".into())
}
