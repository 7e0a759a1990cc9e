//! `/#/formats` in the main bundle: only a loader. The page's UI and the codec workers' client are a
//! bundle of their own (`crates/khafka-formats-page`, built by Trunk into `formats-ui-v1/`), fetched
//! the first time a reader opens the page, so the main bundle stays within issue 9's budget.
//!
//! Loading is `bundle.rs`'s: `formats-ui-v1/formats-page-start.js` (`web/formats-page-start.js`)
//! starts the bundle, which mounts the page into `#formats-app` (beside this app's root, see
//! `crates/khafka-formats-page/src/main.rs`) and says `khafka-formats-page-ready`; afterwards this
//! component sends it `show` when the route opens the page and `hide` when it leaves. A bundle that
//! cannot load shows an error with a button to try again (opening the page again tries again too).

use crate::bundle::{self, Bundle, Hosts, Loader};
use serde::Serialize;
use yew::prelude::*;

thread_local! {
    static FORMATS: Loader = Loader::new(Bundle {
        dir: "formats-ui-v1",
        name: "khafka-formats-page",
        start: "formats-page-start.js",
        what: "The formats page",
        // The bundle mounts the page itself when it starts on its route; format cells are sent.
        on_ready: || bundle::mount_all(&CELLS),
    });
    /// The mounted format cells (`crates/khafka-formats-page/src/cells.rs` listens).
    static CELLS: Hosts = const { Hosts::new("khafka-format-cells", "cell") };
}

/// A lesson's format cell (```` ```format encode ```` …, docs/writing-lessons.md), as the formats
/// bundle reads it (`crates/khafka-formats-page/src/cells.rs`, `Spec`).
#[derive(Clone, PartialEq, Serialize)]
pub struct FormatCellSpec {
    /// `lesson-slug/fN`: format cells are numbered apart from the simulator's.
    pub id: String,
    /// `encode`, `compat` or `decode`.
    pub kind: String,
    pub source: String,
    pub exercise: bool,
    pub solution: Option<String>,
}

#[derive(Properties, PartialEq)]
pub struct FormatSlotProps {
    pub cell: FormatCellSpec,
}

/// A placeholder the formats bundle fills with a format cell; the first one on a page fetches
/// the bundle (the simulator's bundle is not involved).
#[function_component(FormatSlot)]
pub fn format_slot(props: &FormatSlotProps) -> Html {
    let status = bundle::use_bundle(&FORMATS);
    let json = serde_json::to_string(&props.cell).unwrap_or_default();
    let host = bundle::use_host(&FORMATS, &CELLS, json, "format-host");
    html! {
        <div class="format-slot">
            { bundle::status_view_as(
                &FORMATS,
                &status,
                "Loading the formats bundle…",
                "formats-status",
                Some("This lesson's format cells (the encoded bytes, sizes and verdicts)"),
            ) }
            { Html::VRef(host.into()) }
        </div>
    }
}

fn send(detail: &str) {
    if let Some(w) = web_sys::window() {
        let init = web_sys::CustomEventInit::new();
        init.set_detail(&detail.into());
        if let Ok(e) = web_sys::CustomEvent::new_with_event_init_dict("khafka-formats-page", &init)
        {
            let _ = w.dispatch_event(&e);
        }
    }
}

#[function_component(FormatsLoader)]
pub fn formats_loader() -> Html {
    let status = bundle::use_bundle(&FORMATS);
    use_effect_with((), move |_| {
        if bundle::load(&FORMATS) {
            send("show");
        }
        move || send("hide")
    });
    bundle::status_view(
        &FORMATS,
        &status,
        "Loading the formats page…",
        "formats-status",
    )
}
