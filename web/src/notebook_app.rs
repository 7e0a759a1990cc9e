// The notebook's and the stage's modules and entry point, included by `notebook.rs` and `stage.rs`
// (one file for both bins; see `notebook.rs`).

mod advance;
#[cfg(feature = "stage")]
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
#[cfg(feature = "stage")]
mod playground;
mod portals;
#[cfg(feature = "stage")]
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
        #[cfg(feature = "stage")]
        Slot::Playground => html! { <playground::Playground /> },
        #[cfg(feature = "stage")]
        Slot::Presenter => html! { <presenter::Presenter /> },
        #[cfg(feature = "stage")]
        Slot::Bench => html! { <bench::Bench /> },
        // The shell asks the stage for these (`notebook_loader.rs`).
        #[cfg(not(feature = "stage"))]
        Slot::Playground | Slot::Presenter | Slot::Bench => html! {},
    }
}

fn main() {
    if cfg!(feature = "stage") {
        portals::start("khafka-stage", "khafka-stage-ready", slot_view);
    } else {
        portals::start("khafka-notebook", "khafka-notebook-ready", slot_view);
    }
}
