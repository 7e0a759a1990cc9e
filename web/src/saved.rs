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
/// The solution's lines in segments, each marked when it differs from the exercise's text
/// (`original`): a line the original has is left as it is; a line that starts as one of the
/// original's (its first two words) has the words that line lacks marked; any other line is
/// marked whole. So a learner sees the one setting an exercise teaches.
pub fn solution_marks(original: &str, solution: &str) -> Vec<Vec<(String, bool)>> {
    let ours: Vec<&str> = original.lines().collect();
    fn head(l: &str) -> Vec<&str> {
        l.split_whitespace().take(2).collect()
    }
    solution
        .lines()
        .map(|line| {
            if ours.contains(&line) {
                return vec![(line.to_string(), false)];
            }
            let Some(was) = ours
                .iter()
                .find(|o| !line.is_empty() && head(o) == head(line))
            else {
                return vec![(line.to_string(), !line.trim().is_empty())];
            };
            let words: Vec<&str> = was.split(' ').collect();
            let mut segs: Vec<(String, bool)> = Vec::new();
            for (i, w) in line.split(' ').enumerate() {
                let marked = !w.is_empty() && !words.contains(&w);
                let text = if i == 0 {
                    w.to_string()
                } else {
                    format!(" {w}")
                };
                match segs.last_mut() {
                    Some((t, m)) if *m == marked => t.push_str(&text),
                    // The space before a marked word stays outside the mark.
                    _ if marked && i > 0 => {
                        segs.push((" ".into(), false));
                        segs.push((w.to_string(), true));
                    }
                    _ => segs.push((text, marked)),
                }
            }
            segs
        })
        .collect()
}

pub fn exercise_panel(
    hint: &str,
    goal: &[&str],
    grades: Option<&[(bool, String)]>,
    solution: Option<(String, Callback<MouseEvent>)>,
    original: &str,
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
                    <pre class="code"><code>{ for solution_marks(original, &sol).into_iter().map(|line| html! {<>
                        { for line.into_iter().map(|(t, m)| if m { html! { <mark>{ t }</mark> } } else { html! { { t } } }) }
                        { "\n" }
                    </>}) }</code></pre>
                    <button class="small" onclick={put}>{ "Put it in the editor" }</button>
                </details>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    /// The solution marks what it changed: a word in a line it kept the start of, a line of its
    /// own whole; lines the exercise has are left alone.
    #[test]
    fn a_solution_marks_the_words_it_changed() {
        let original = "seed 2\nconsumer c1 topic=orders session.timeout.ms=20000 x=1\nrun 60s\n";
        let solution =
            "seed 2\nconsumer c1 topic=orders session.timeout.ms=45000 x=1\nat 5s stop consumer c1\nrun 60s\n";
        let marks = super::solution_marks(original, solution);
        let s = |t: &str, m: bool| (t.to_string(), m);
        assert_eq!(
            marks,
            vec![
                vec![s("seed 2", false)],
                vec![
                    s("consumer c1 topic=orders", false),
                    s(" ", false),
                    s("session.timeout.ms=45000", true),
                    s(" x=1", false)
                ],
                vec![s("at 5s stop consumer c1", true)],
                vec![s("run 60s", false)],
            ]
        );
        // The text is the solution's, mark or not.
        let text: String = marks
            .iter()
            .map(|l| l.iter().map(|(t, _)| t.as_str()).collect::<String>() + "\n")
            .collect();
        assert_eq!(text, solution);
    }
}
