//! The site's notebook bundle: everything that runs the engine — lesson and documentation cells, the
//! playground, the presenter, the bench page (window cells are a bundle of their own, `windows.rs`)
//! — built with consumer groups (the engine's `groups`
//! feature). The main bundle, the shell (`main.rs`), fetches it when a page shows one of its
//! placeholders (`notebook_loader.rs`), so a reader of the home page, the glossary or the
//! documentation never downloads the engine (issue 9's transfer budget).
//!
//! Trunk builds it like a worker (nothing injected into `index.html`) with wasm-bindgen's `web`
//! target into `notebook-v1/`; the shell adds `notebook-v1/notebook-start.js` (`web/notebook-start.js`),
//! which starts it. It then listens for the shell's window events `khafka-notebook` — `{op: "mount",
//! n, host, slot}` and `{op: "unmount", n}` — and says `khafka-notebook-ready`.
//!
//! It renders every slot as a portal of one Yew app (`portals.rs`, which says why the root must be
//! created before any portal).

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
mod portals;
mod presenter;
// Shared with the main bundle, which uses what this one does not.
#[allow(dead_code)]
mod progress;
mod saved;
mod share;
mod show;
mod slot;
mod story;

use cell::{Cell, Exercise, Knob};
use show::Show;
use slot::{CellSpec, Slot};
use std::rc::Rc;
use yew::prelude::*;

/// A cell from its page's fence: its knobs, what it shows, its exercise and, when the page was opened
/// from a link made in it, the shared state.
fn cell_view(spec: &CellSpec) -> Html {
    let mut knobs = Vec::new();
    let mut show = Show::default();
    let mut show_error = None;
    let mut exercise = None;
    let keep: Vec<String> = spec
        .words
        .iter()
        .filter_map(|w| w.strip_prefix("keep="))
        .flat_map(|k| k.split(','))
        .map(str::to_string)
        .collect();
    for w in &spec.words {
        if w == "exercise" {
            exercise = Some(Rc::new(Exercise::new(
                &spec.source,
                spec.solution.clone(),
                keep.clone(),
            )));
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

/// One slot's content.
fn slot_view(slot: &Slot) -> Html {
    match slot {
        Slot::Cell(spec) => cell_view(spec),
        Slot::Playground => html! { <playground::Playground /> },
        Slot::Presenter => html! { <presenter::Presenter /> },
        Slot::Bench => html! { <bench::Bench /> },
    }
}

fn main() {
    portals::start("khafka-notebook", "khafka-notebook-ready", slot_view);
}
