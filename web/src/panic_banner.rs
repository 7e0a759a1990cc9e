//! A Rust panic never leaves a blank page: the hook writes a banner with the message, ready to copy
//! into a bug report (with the scenario the page was running, when a cell registered one).

use std::cell::RefCell;

thread_local! {
    /// The scenario the last cell ran, for the bug report.
    static LAST_SCENARIO: RefCell<String> = const { RefCell::new(String::new()) };
}

pub fn remember_scenario(source: &str) {
    LAST_SCENARIO.with(|s| *s.borrow_mut() = source.to_string());
}

pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let scenario = LAST_SCENARIO.with(|s| s.borrow().clone());
        let text = format!("Khafka hit a bug: {info}\n\nScenario:\n{scenario}");
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if let (Ok(banner), Some(body)) = (doc.create_element("pre"), doc.body()) {
            banner.set_class_name("panic-banner");
            banner.set_attribute("role", "alert").ok();
            // Text content, never HTML.
            banner.set_text_content(Some(&text));
            body.prepend_with_node_1(&banner).ok();
        }
    }));
}
