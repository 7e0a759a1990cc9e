//! A Rust panic never leaves a blank page: the hook writes a banner with the message, ready to copy
//! into a bug report (with the scenario the page was running, when a cell registered one). A
//! WebAssembly trap that is not a panic (running out of memory aborts without one) reaches the
//! window as an error event: it gets the same banner, so the page never just stops answering.

use std::cell::RefCell;

thread_local! {
    /// The scenario the last cell ran, for the bug report.
    static LAST_SCENARIO: RefCell<String> = const { RefCell::new(String::new()) };
}

pub fn remember_scenario(source: &str) {
    LAST_SCENARIO.with(|s| *s.borrow_mut() = source.to_string());
}

/// Shows `text` in the banner, once: the first failure is the one worth reporting.
fn show(text: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if doc.query_selector(".panic-banner").ok().flatten().is_some() {
        return;
    }
    if let (Ok(banner), Some(body)) = (doc.create_element("pre"), doc.body()) {
        banner.set_class_name("panic-banner");
        banner.set_attribute("role", "alert").ok();
        // Text content, never HTML.
        banner.set_text_content(Some(text));
        body.prepend_with_node_1(&banner).ok();
    }
}

pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let scenario = LAST_SCENARIO.with(|s| s.borrow().clone());
        show(&format!(
            "Khafka hit a bug: {info}\n\nScenario:\n{scenario}"
        ));
    }));
    // A trap without a panic (an allocation failure aborts): the page cannot go on, say so.
    if let Some(w) = web_sys::window() {
        gloo::events::EventListener::new(&w, "error", |e| {
            let message = js_sys::Reflect::get(e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_default();
            if message.contains("RuntimeError") || message.contains("unreachable") {
                let scenario = LAST_SCENARIO.with(|s| s.try_borrow().map(|s| s.clone()).unwrap_or_default());
                show(&format!(
                    "Khafka stopped: {message}. This usually means the run needed more memory than the tab has. Reload the page to go on.\n\nScenario:\n{scenario}"
                ));
            }
        })
        .forget();
    }
}
