//! The site's windows bundle: the window cells of the stream-processing lessons (```` ```khafka
//! windows ````, `windows_cell.rs`: Kafka Streams' windowed aggregations from `khafka-streams`),
//! without the engine. The shell fetches it only for a page with a window cell
//! (`notebook_loader.rs`, `WindowsSlot`), so the notebook bundle — which every lesson with a
//! simulator cell fetches — does not carry it, and a page with window cells only never fetches the
//! simulator.
//!
//! Built and started like the notebook (`notebook.rs`): Trunk builds it as a worker into
//! `windows-v1/`; `windows-v1/windows-start.js` (`web/windows-start.js`) starts it; it listens for
//! the shell's window events `khafka-windows` (`{op: "mount", n, host, slot}`, `{op: "unmount", n}`),
//! says `khafka-windows-ready`, and renders each cell as a portal of one Yew app (`portals.rs`).

// Shared with the notebook, which uses what this one does not (worker errors, the scenario a
// panic report names).
#[allow(dead_code)]
mod hosts;
#[allow(dead_code)]
mod panic_banner;
// Shared with the main bundle, which uses what this one does not.
mod portals;
#[allow(dead_code)]
mod progress;
mod saved;
mod slot;
mod windows_cell;

use slot::{CellSpec, Slot};
use std::rc::Rc;
use yew::prelude::*;

/// A window cell from its page's fence (`exercise`: graded on its `expect` lines).
fn cell_view(spec: &CellSpec) -> Html {
    let exercise = spec.words.iter().any(|w| w == "exercise").then(|| {
        Rc::new(windows_cell::WindowExercise {
            goal: khafka_streams::text::parse_cell(&spec.source)
                .map(|c| c.expects)
                .unwrap_or_default(),
            solution: spec.solution.clone(),
        })
    });
    html! {
        <windows_cell::WindowsCell id={spec.id.clone()} source={spec.source.clone()} {exercise} />
    }
}

/// One slot's content (the shell sends this bundle window cells only).
fn slot_view(slot: &Slot) -> Html {
    match slot {
        Slot::Cell(spec) => cell_view(spec),
        _ => Html::default(),
    }
}

fn main() {
    portals::start("khafka-windows", "khafka-windows-ready", slot_view);
}
