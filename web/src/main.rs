//! The Khafka site: lessons as live notebooks, a playground, and (later) a presenter mode.
//!
//! A thin view over the engine: components render `khafka_sim` snapshots and send it faults; no Kafka
//! behaviour is computed here. User text (cells, URLs, storage) is only ever rendered as text nodes.

mod advance;
mod app;
mod bench;
mod budget;
mod cell;
mod chart;
mod cluster_view;
mod compare;
mod course_map;
mod doc_page;
mod formats_loader;
mod frames;
mod headline;
mod highlight;
mod lesson_keys;
mod lessons;
mod markdown;
mod panic_banner;
mod playground;
mod presenter;
mod progress;
mod search;
mod share;
mod show;
mod story;

fn main() {
    panic_banner::install();
    // `#app`, not the body: the formats page's own bundle renders into `#formats-app` beside it
    // (see formats_loader.rs).
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => yew::Renderer::<app::App>::with_root(root).render(),
        None => yew::Renderer::<app::App>::new().render(),
    };
}
