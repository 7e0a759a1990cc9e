//! What a cell keeps in the reader's browser — its edited text, under `khafka.cell.ID` in local
//! storage — and the graded exercise's panel: shared by scenario cells (`cell.rs`, the notebook
//! bundle) and window cells (`windows_cell.rs`, the windows bundle), without the engine.

use gloo::storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use yew::prelude::*;

/// Storage format version; anything else found in storage is ignored with a notice.
const STORAGE_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Saved {
    v: u32,
    source: String,
}

pub(crate) fn storage_key(id: &str) -> String {
    format!("khafka.cell.{id}")
}

pub(crate) fn save(id: &str, text: &str) {
    let saved = Saved {
        v: STORAGE_VERSION,
        source: text.to_string(),
    };
    if let Ok(json) = serde_json::to_string(&saved) {
        let _ = LocalStorage::raw().set_item(&storage_key(id), &json);
    }
}

/// The saved edit of a cell, or `None`; a notice when storage held something unreadable.
pub(crate) fn load_saved(id: &str) -> (Option<String>, Option<String>) {
    let raw: Option<String> = LocalStorage::raw()
        .get_item(&storage_key(id))
        .ok()
        .flatten();
    match raw {
        None => (None, None),
        Some(text) => match serde_json::from_str::<Saved>(&text) {
            Ok(s) if s.v == STORAGE_VERSION => (Some(s.source), None),
            _ => (
                None,
                Some("A saved edit of this cell was unreadable (corrupted or from an older version) and was ignored.".into()),
            ),
        },
    }
}

/// A graded exercise's panel: its status, its goal lines with their results on the reader's run
/// (`None`: not graded yet), and its solution with the callback that puts it in the editor. Shared
/// by scenario cells and window cells. `passed_before`: this browser remembers a pass (the course
/// map counts it), said while the cell is not graded again.
pub fn exercise_panel(
    hint: &str,
    goal: &[&str],
    grades: Option<&[(bool, String)]>,
    solution: Option<(String, Callback<MouseEvent>)>,
    passed_before: bool,
) -> Html {
    let passed = grades.is_some_and(|g| !g.is_empty() && g.iter().all(|(ok, _)| *ok));
    let status = match (passed, grades.is_none() && passed_before) {
        (true, _) => "Passed ✓",
        (false, true) => "Passed earlier ✓ (run it to grade it again)",
        (false, false) => "Not yet",
    };
    html! {
        <div class="exercise" aria-label="Exercise">
            <p class="exercise-head">
                <strong>{ "Exercise" }</strong>
                <span class={classes!("exercise-status", (passed || status != "Not yet").then_some("passed"))} role="status">
                    { status }
                </span>
                <span class="muted">{ hint.to_string() }</span>
            </p>
            <ul class="expects goal" aria-label="Goal">
                { for goal.iter().enumerate().map(|(i, text)| {
                    let result = grades.and_then(|g| g.get(i));
                    let (class, mark) = match result {
                        Some((true, _)) => ("pass", "✓ met"),
                        Some((false, _)) => ("changed", "not yet"),
                        None => ("pending", "…"),
                    };
                    html! { <li class={class}><span class="badge">{ mark }</span><code>{ text.to_string() }</code>
                        { result.map(|(_, actual)| html! { <span class="actual">{ format!(" (actual: {actual})") }</span> }).unwrap_or_default() }</li> }
                }) }
            </ul>
            if let Some((sol, put)) = solution {
                <details class="solution">
                    <summary>{ "Show a solution" }</summary>
                    <pre class="code"><code>{ sol }</code></pre>
                    <button class="small" onclick={put}>{ "Put it in the editor" }</button>
                </details>
            }
        </div>
    }
}
