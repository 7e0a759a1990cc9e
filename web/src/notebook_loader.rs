//! The notebook in the main bundle: placeholders. Everything that runs the engine — lesson cells, the
//! playground, the presenter, the bench page — is a bundle of its own (`notebook.rs`, built by Trunk
//! into `notebook-v1/`), fetched the first time a page shows a placeholder, so the main bundle (the
//! shell: header, routes, home, documentation and lesson prose) stays within issue 9's budget.
//!
//! A [`NotebookSlot`] renders a host element the notebook owns (this app never renders into it) and,
//! beside it, the loading state or an error with a button to try again. While the slot is mounted, the
//! notebook is told `mount` (the host and the [`Slot`] as JSON) as soon as it runs, and `unmount`
//! when the slot goes. The notebook mounts its components into the hosts as portals of one Yew app
//! of its own, whose events never reach this one's handlers (see `notebook.rs`).

use crate::bundle::{self, Bundle, Hosts, Loader};
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
}

#[derive(Properties, PartialEq)]
pub struct SlotProps {
    pub slot: Slot,
}

/// A placeholder the notebook fills.
#[function_component(NotebookSlot)]
pub fn notebook_slot(props: &SlotProps) -> Html {
    let status = bundle::use_bundle(&NOTEBOOK);
    let json = serde_json::to_string(&props.slot).unwrap_or_default();
    let host = bundle::use_host(&NOTEBOOK, &SLOTS, json, "notebook-host");
    html! {
        <div class="notebook-slot">
            { bundle::status_view(&NOTEBOOK, &status, "Loading the simulator…", "notebook-status") }
            { Html::VRef(host.into()) }
        </div>
    }
}
