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

/// The solution's lines in segments, each marked when it differs from the exercise's text
/// (`original`), and what it removes: a line the original has is left as it is; a line that
/// starts as one of the original's (its first two words; the one sharing the most words) has
/// the words that line lacks marked, and the words it drops listed; any other line is marked
/// whole, and an original line no solution line matches is listed whole.
pub fn solution_marks(original: &str, solution: &str) -> (Vec<Vec<(String, bool)>>, Vec<String>) {
    fn head(l: &str) -> Vec<&str> {
        l.split_whitespace().take(2).collect()
    }
    let ours: Vec<&str> = original.lines().collect();
    let mut used = vec![false; ours.len()];
    let mut removed: Vec<String> = Vec::new();
    let lines: Vec<&str> = solution.lines().collect();
    // Lines kept as they are first, so a changed line does not take their place.
    for line in &lines {
        if let Some(k) = (0..ours.len()).find(|&k| !used[k] && ours[k] == *line) {
            used[k] = true;
        }
    }
    let marks = lines
        .iter()
        .map(|line| {
            if ours.contains(line) || line.trim().is_empty() {
                return vec![(line.to_string(), false)];
            }
            let words: Vec<&str> = line.split(' ').collect();
            let shared = |o: &str| o.split(' ').filter(|w| words.contains(w)).count();
            let was = (0..ours.len())
                .filter(|&k| !used[k] && head(ours[k]) == head(line))
                .max_by_key(|&k| (shared(ours[k]), std::cmp::Reverse(k)));
            let Some(k) = was else {
                return vec![(line.to_string(), true)];
            };
            used[k] = true;
            let theirs: Vec<&str> = ours[k].split(' ').collect();
            // Dropped, not replaced: a `key=` the line no longer has, or a word gone from a line
            // that got shorter.
            fn key(w: &str) -> Option<&str> {
                w.split_once('=').map(|(k, _)| k)
            }
            let replaced = |w: &str| match key(w) {
                Some(k) => words.iter().any(|x| key(x) == Some(k)),
                None => words.len() >= theirs.len(),
            };
            removed.extend(
                theirs
                    .iter()
                    .filter(|w| !w.is_empty() && !words.contains(w) && !replaced(w))
                    .map(|w| w.to_string()),
            );
            let mut segs: Vec<(String, bool)> = Vec::new();
            for (i, w) in words.iter().enumerate() {
                let marked = !w.is_empty() && !theirs.contains(w);
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
        .collect();
    removed.extend(
        ours.iter()
            .zip(&used)
            .filter(|(o, u)| !**u && !o.trim().is_empty() && !lines.contains(o))
            .map(|(o, _)| o.to_string()),
    );
    (marks, removed)
}

/// A graded exercise's panel: its status, its goal lines with their results on the reader's run
/// (`None`: not graded yet), and its solution with the callback that puts it in the editor, what
/// it changed from the exercise's `original` text marked. Shared by scenario cells and window
/// cells. `passed_before`: this browser remembers a pass (the course map counts it), said while
/// the cell is not graded again.
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
            if let Some((put, (marks, removed))) = solution.map(|(sol, put)| (put, solution_marks(original, &sol))) {
                <details class="solution">
                    <summary>{ "Show a solution" }</summary>
                    <pre class="code"><code>{ for marks.into_iter().map(|line| html! {<>
                        { for line.into_iter().map(|(t, m)| if m { html! { <mark>{ t }</mark> } } else { html! { { t } } }) }
                        { "\n" }
                    </>}) }</code></pre>
                    if !removed.is_empty() {
                        <p class="muted removed">{ "It removes: " }
                            { for removed.iter().enumerate().map(|(i, r)| html! {<>{ if i > 0 { ", " } else { "" } }<code><del>{ r }</del></code></>}) }</p>
                    }
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
        let (marks, removed) = super::solution_marks(original, solution);
        assert!(removed.is_empty(), "{removed:?}");
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

    /// A solution that only removes a setting lists it; two lines that start alike are matched
    /// by the words they share.
    #[test]
    fn a_solution_lists_what_it_removes() {
        let original = "streams s1 input=a cache=0 x=1\nstreams s2 input=a cache=0 x=2\nat 3s crash broker 1\nrun 9s\n";
        let solution = "streams s1 input=a x=1\nstreams s2 input=a x=2\nrun 9s\n";
        let (marks, removed) = super::solution_marks(original, solution);
        assert!(marks.iter().flatten().all(|(_, m)| !m), "{marks:?}");
        assert_eq!(removed, ["cache=0", "cache=0", "at 3s crash broker 1"]);
        let (marks, removed) = super::solution_marks(
            "expect lag(g, t-0) == 0\nexpect lag(g, t-1) == 5\n",
            "expect lag(g, t-0) == 0\nexpect lag(g, t-1) == 7\n",
        );
        assert!(removed.is_empty(), "replaced, not removed: {removed:?}");
        assert_eq!(
            marks[1]
                .iter()
                .filter(|(_, m)| *m)
                .map(|(t, _)| t.as_str())
                .collect::<Vec<_>>(),
            ["7"]
        );
    }

    /// Every exercise in the course shows its solution's change: a word marked or one removed.
    #[test]
    fn every_exercise_solution_shows_what_changed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../lessons");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "md") {
                continue;
            }
            let md = std::fs::read_to_string(&path).unwrap();
            let blocks: Vec<(&str, &str)> = md
                .split("```")
                .skip(1)
                .step_by(2)
                .filter_map(|b| b.split_once('\n'))
                .collect();
            for pair in blocks.windows(2) {
                let ((info, exercise), (next, solution)) = (pair[0], pair[1]);
                if !info.contains("exercise") || !next.contains("solution") {
                    continue;
                }
                let (marks, removed) = super::solution_marks(exercise, solution);
                let marked = marks.iter().flatten().any(|(_, m)| *m);
                assert!(marked || !removed.is_empty(), "{}: {info}", path.display());
                checked += 1;
            }
        }
        assert!(checked >= 10, "{checked} exercises");
    }
}
