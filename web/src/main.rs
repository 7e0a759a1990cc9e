//! The Khafka site: lessons as live notebooks, a playground, and (later) a presenter mode.
//!
//! A thin view over the engine: components render `khafka_sim` snapshots and send it faults; no Kafka
//! behaviour is computed here. User text (cells, URLs, storage) is only ever rendered as text nodes.

mod app;
mod bench;
mod budget;
mod cell;
mod chart;
mod cluster_view;
mod codec;
mod compare;
mod doc_page;
mod formats_page;
mod frames;
mod headline;
mod highlight;
mod lessons;
mod markdown;
mod panic_banner;
mod playground;
mod presenter;
mod progress;
mod share;
mod show;
mod story;

fn main() {
    panic_banner::install();
    yew::Renderer::<app::App>::new().render();
}
