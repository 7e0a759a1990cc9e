//! The notebook in the main bundle: placeholders. Everything that runs the engine is a bundle of its
//! own, fetched the first time a page shows a placeholder, so the main bundle (the shell: header,
//! routes, home, documentation and lesson prose) stays within issue 9's budget: lesson and
//! documentation cells are the notebook's (`notebook.rs`, built by Trunk into `notebook-v1/`), the
//! playground, the presenter and the bench page the stage's (`stage.rs`, into `stage-v1/`: the
//! notebook with them).
//!
//! A [`NotebookSlot`] renders a host element the notebook owns (this app never renders into it) and,
//! beside it, the loading state or an error with a button to try again. While the slot is mounted, the
//! notebook is told `mount` (the host and the [`Slot`] as JSON) as soon as it runs, and `unmount`
//! when the slot goes. The notebook mounts its components into the hosts as portals of one Yew app
//! of its own, whose events never reach this one's handlers (see `notebook.rs`). A [`WindowsSlot`]
//! does the same for a window cell with the windows bundle (`windows.rs`, `windows-v1/`).

use crate::bundle::{self, Bundle, Hosts, HostsKey, Key, Loader};
use crate::slot::Slot;
use yew::prelude::*;

thread_local! {
    static NOTEBOOK: Loader = Loader::new(Bundle {
        dir: "notebook-v1",
        name: "khafka-notebook",
        start: "notebook-start.js",
        what: "The simulator",
        on_ready: || bundle::mount_all(&SLOTS),
    });
    /// The mounted slots (`notebook.rs` listens to `khafka-notebook`).
    static SLOTS: Hosts = const { Hosts::new("khafka-notebook", "slot") };
    /// The playground, the presenter and the bench page are the stage's (`stage.rs`, the notebook
    /// with them, built into `stage-v1/`): a lesson reader does not download them.
    static STAGE: Loader = Loader::new(Bundle {
        dir: "stage-v1",
        name: "khafka-stage",
        start: "stage-start.js",
        what: "The simulator",
        on_ready: || bundle::mount_all(&STAGE_SLOTS),
    });
    /// The mounted stage slots (`stage.rs` listens to `khafka-stage`).
    static STAGE_SLOTS: Hosts = const { Hosts::new("khafka-stage", "slot") };
    /// Window cells are a bundle of their own (`windows.rs`, built into `windows-v1/`): the
    /// stream-processing lessons' cells need Kafka Streams' windows, not the engine.
    static WINDOWS: Loader = Loader::new(Bundle {
        dir: "windows-v1",
        name: "khafka-windows",
        start: "windows-start.js",
        what: "The window cells",
        on_ready: || bundle::mount_all(&WINDOW_SLOTS),
    });
    /// The mounted window cells (`windows.rs` listens to `khafka-windows`).
    static WINDOW_SLOTS: Hosts = const { Hosts::new("khafka-windows", "slot") };
}

#[derive(Properties, PartialEq)]
pub struct SlotProps {
    pub slot: Slot,
}

/// Which bundle fills a placeholder.
#[derive(Clone, Copy, PartialEq)]
enum Filler {
    Notebook,
    Stage,
    Windows,
}

#[derive(Properties, PartialEq)]
struct FilledProps {
    slot: Slot,
    by: Filler,
}

/// A placeholder `by` fills: its host, and beside it the bundle's loading state or error.
#[function_component(Filled)]
fn filled(props: &FilledProps) -> Html {
    let (loader, hosts, loading): (Key, HostsKey, &str) = match props.by {
        Filler::Notebook => (&NOTEBOOK, &SLOTS, "Loading the simulator…"),
        Filler::Stage => (&STAGE, &STAGE_SLOTS, "Loading the simulator…"),
        Filler::Windows => (&WINDOWS, &WINDOW_SLOTS, "Loading the window cells…"),
    };
    let status = bundle::use_bundle(loader);
    let json = serde_json::to_string(&props.slot).unwrap_or_default();
    let host = bundle::use_host(loader, hosts, json, "notebook-host");
    html! {
        <div class="notebook-slot">
            { bundle::status_view(loader, &status, loading, "notebook-status") }
            { Html::VRef(host.into()) }
        </div>
    }
}

/// A placeholder the notebook fills: a cell, or the stage's pages (the stage bundle).
#[function_component(NotebookSlot)]
pub fn notebook_slot(props: &SlotProps) -> Html {
    let by = match props.slot {
        Slot::Cell(_) => Filler::Notebook,
        Slot::Playground | Slot::Presenter | Slot::Bench => Filler::Stage,
    };
    html! { <Filled slot={props.slot.clone()} {by} /> }
}

/// A placeholder the windows bundle fills with a window cell (```` ```khafka windows ````).
#[function_component(WindowsSlot)]
pub fn windows_slot(props: &SlotProps) -> Html {
    html! { <Filled slot={props.slot.clone()} by={Filler::Windows} /> }
}
