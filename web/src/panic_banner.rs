//! A Rust panic never leaves a blank page: the hook writes a banner with the message, ready to copy
//! into a bug report (with the scenario the page was running, when a cell registered one). A
//! WebAssembly trap that is not a panic (running out of memory aborts without one) reaches the
//! window as an error event: `web/trap-banner.js`, plain JavaScript loaded before the wasm, shows the
//! same banner then, since the wasm cannot be trusted to allocate after an allocation failure. The
//! scenario is kept in session storage for it.

use std::cell::RefCell;

thread_local! {
    /// The scenario the last cell ran, for the bug report.
    static LAST_SCENARIO: RefCell<String> = const { RefCell::new(String::new()) };
}

pub fn remember_scenario(source: &str) {
    LAST_SCENARIO.with(|s| *s.borrow_mut() = source.to_string());
    // For the trap banner (web/trap-banner.js), written before the run allocates.
    if let Some(storage) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = storage.set_item("khafka-last-scenario", source);
    }
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
}
