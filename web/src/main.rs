//! The Khafka site's main bundle, the shell: header, routes, the home page, the documentation pages
//! and the lessons' prose, the glossary. Everything that runs the engine (lesson cells, the
//! playground, the presenter) is the notebook bundle (`notebook.rs`), fetched when a page shows one
//! of its placeholders (`notebook_loader.rs`); the formats page is a bundle of its own too
//! (`formats_loader.rs`). User text (pages, URLs, storage) is only ever rendered as text nodes.

mod app;
mod bundle;
mod course_map;
mod doc_page;
mod formats_loader;
mod lesson_keys;
mod lessons;
mod markdown;
mod notebook_loader;
// Shared with the notebook bundle, which uses what this one does not.
#[allow(dead_code)]
mod panic_banner;
#[allow(dead_code)]
mod progress;
mod search;
mod slot;
// The notebook's; the lessons' test checks their fences' `show=` with it.
#[cfg(test)]
#[allow(dead_code)]
mod show;

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
