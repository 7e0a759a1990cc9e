//! Search across the lessons and the glossary, in the page header. The index (`search.json`) is
//! built at build time by `cargo xtask build-site` (`crates/xtask/src/search.rs`) and fetched only
//! when a reader first focuses the search box, so it costs the main bundle nothing but this code.

use crate::app::Route;
use crate::lessons::{self, LESSONS};
use serde::Deserialize;
use std::rc::Rc;
use yew::prelude::*;

/// One entry of the index: a glossary word or a lesson section.
#[derive(Deserialize, Clone, PartialEq, Debug)]
pub struct Entry {
    /// `term` or `lesson`.
    pub kind: String,
    /// The word(s), or the section's heading (`""`: the lesson's opening).
    pub title: String,
    pub text: String,
    /// A term: the page that teaches it.
    #[serde(default)]
    pub href: Option<String>,
    /// A term: that page's name, or why there is none.
    #[serde(default, rename = "where")]
    pub taught: String,
    /// A lesson section: the lesson's file stem.
    #[serde(default)]
    pub file: Option<String>,
}

/// What a result shows and where it leads.
#[derive(Clone, PartialEq, Debug)]
pub struct Hit {
    pub label: &'static str,
    pub title: String,
    pub href: String,
    pub snippet: String,
    /// A term: the lesson that teaches it, `(href, name)`.
    pub taught: Option<(String, String)>,
}

/// At most this many results are listed.
pub const MAX_HITS: usize = 8;

/// The entries matching every word of `query` (ASCII letters case-insensitive), best first: a glossary word that
/// is the query, then words and headings containing it, then any text containing every word.
pub fn find(index: &[Entry], query: &str) -> Vec<Hit> {
    let q = query.trim().to_ascii_lowercase();
    let words: Vec<&str> = q.split_whitespace().collect();
    if q.chars().count() < 2 || words.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(u32, usize, Hit)> = Vec::new();
    for (i, e) in index.iter().enumerate() {
        let title = e.title.to_ascii_lowercase();
        let text = e.text.to_ascii_lowercase();
        if !words.iter().all(|w| title.contains(w) || text.contains(w)) {
            continue;
        }
        let term = e.kind == "term";
        let in_title = title.contains(&q);
        let exact = title
            .split(", ")
            .any(|t| t == q || t.split(" (").next() == Some(&q));
        let score = match (term, exact, in_title) {
            (true, true, _) => 100,
            (true, false, true) => 60,
            (false, _, true) => 50,
            (true, false, false) => 20,
            (false, _, false) => 10,
        };
        let Some(hit) = hit_of(e, &q) else { continue };
        scored.push((score, i, hit));
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(MAX_HITS)
        .map(|(_, _, h)| h)
        .collect()
}

fn hit_of(e: &Entry, q: &str) -> Option<Hit> {
    if e.kind == "term" {
        return Some(Hit {
            label: "Glossary",
            title: e.title.clone(),
            href: Route::Glossary.href(),
            snippet: e.text.clone(),
            taught: e.href.clone().map(|h| (h, e.taught.clone())),
        });
    }
    let file = e.file.as_deref()?;
    let lesson = LESSONS
        .iter()
        .find(|l| l.file.trim_end_matches(".md") == file)?;
    let title = if e.title.is_empty() {
        lessons::numbered_title(lesson)
    } else {
        format!("{} › {}", lessons::numbered_title(lesson), e.title)
    };
    Some(Hit {
        label: "Lesson",
        title,
        href: Route::Lesson {
            slug: lesson.slug.to_string(),
        }
        .href(),
        snippet: snippet(&e.text, q),
        taught: None,
    })
}

/// About 160 characters of `text` around the first place `q` (or its first word) occurs.
pub fn snippet(text: &str, q: &str) -> String {
    const WIDTH: usize = 160;
    let lower = text.to_ascii_lowercase();
    let first = q.split_whitespace().next().unwrap_or(q);
    // ASCII lower-casing keeps byte offsets; cut on characters.
    let at_byte = lower.find(q).or_else(|| lower.find(first)).unwrap_or(0);
    let at = lower[..at_byte].chars().count();
    let chars: Vec<char> = text.chars().collect();
    let mut start = at.saturating_sub(50).min(chars.len());
    // Start at a word: after the next space, if one comes before the match.
    if start > 0 {
        if let Some(space) = chars[start..at.min(chars.len())]
            .iter()
            .position(|c| *c == ' ')
        {
            start += space + 1;
        }
    }
    let end = (start + WIDTH).min(chars.len());
    let mut s: String = chars[start..end].iter().collect();
    if start > 0 {
        s = format!("…{}", s.trim_start());
    }
    if end < chars.len() {
        s = format!("{}…", s.trim_end());
    }
    s
}

enum Index {
    NotLoaded,
    Loading,
    Ready(Rc<Vec<Entry>>),
    Failed(String),
}

#[function_component(Search)]
pub fn search() -> Html {
    let query = use_state(String::new);
    let index = use_mut_ref(|| Index::NotLoaded);
    let update = use_force_update();
    let load = {
        let index = index.clone();
        let update = update.clone();
        Callback::from(move |_: ()| {
            if !matches!(*index.borrow(), Index::NotLoaded | Index::Failed(_)) {
                return;
            }
            *index.borrow_mut() = Index::Loading;
            let (index, update) = (index.clone(), update.clone());
            crate::doc_page::fetch_text(
                "search.json",
                Callback::from(move |r: Result<String, String>| {
                    *index.borrow_mut() = match r.and_then(|t| {
                        serde_json::from_str::<Vec<Entry>>(&t).map_err(|e| e.to_string())
                    }) {
                        Ok(entries) => Index::Ready(Rc::new(entries)),
                        Err(e) => Index::Failed(e),
                    };
                    update.force_update();
                }),
            );
        })
    };
    let onfocus = load.reform(|_: FocusEvent| ());
    let oninput = {
        let (query, load) = (query.clone(), load.clone());
        Callback::from(move |e: InputEvent| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            query.set(el.value());
            load.emit(());
        })
    };
    let hits = match &*index.borrow() {
        Index::Ready(entries) => find(entries, &query),
        _ => Vec::new(),
    };
    let onkeydown = {
        let query = query.clone();
        let first = hits.first().map(|h| h.href.clone());
        Callback::from(move |e: KeyboardEvent| {
            // Leaving the box gives the arrows back to the page (← / → between lessons).
            let leave = || {
                let el: web_sys::HtmlElement = e.target_unchecked_into();
                let _ = el.blur();
            };
            match e.key().as_str() {
                "Escape" => {
                    query.set(String::new());
                    leave();
                }
                "Enter" => {
                    if let (Some(href), Some(w)) = (first.clone(), web_sys::window()) {
                        let _ = w.location().set_hash(&href);
                        query.set(String::new());
                        leave();
                    }
                }
                _ => {}
            }
        })
    };
    let close = {
        let query = query.clone();
        Callback::from(move |_: MouseEvent| query.set(String::new()))
    };
    let open = query.trim().chars().count() >= 2;
    let status = match &*index.borrow() {
        _ if !open => String::new(),
        Index::Failed(e) => format!("The search index could not be loaded ({e}). Try again."),
        Index::Ready(_) if hits.is_empty() => format!("Nothing found for “{}”.", query.trim()),
        Index::Ready(_) => format!(
            "{} result{}",
            hits.len(),
            if hits.len() == 1 { "" } else { "s" }
        ),
        _ => "Loading the index…".to_string(),
    };
    html! {
        <div class="search" role="search">
            <input type="search" placeholder="Search the course" aria-label="Search the lessons and the glossary"
                value={(*query).clone()} {onfocus} {oninput} {onkeydown} />
            if open {
                <div class="search-results">
                    <p class="muted" role="status">{ status }</p>
                    <ul onclick={close}>
                        { for hits.iter().map(|h| html! {
                            <li class={classes!("hit", if h.label == "Glossary" { "term" } else { "section" })}>
                                <a href={h.href.clone()}><span class="kind">{ h.label }</span>{ " " }<strong>{ &h.title }</strong></a>
                                <p>{ &h.snippet }</p>
                                if let Some((href, name)) = &h.taught {
                                    <p class="taught">{ "Taught in " }<a href={href.clone()}>{ name }</a></p>
                                }
                            </li>
                        }) }
                    </ul>
                </div>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(title: &str, text: &str) -> Entry {
        Entry {
            kind: "term".into(),
            title: title.into(),
            text: text.into(),
            href: Some("#/lesson/first-cluster".into()),
            taught: "A first cluster".into(),
            file: None,
        }
    }

    fn section(file: &str, title: &str, text: &str) -> Entry {
        Entry {
            kind: "lesson".into(),
            title: title.into(),
            text: text.into(),
            href: None,
            taught: String::new(),
            file: Some(file.into()),
        }
    }

    #[test]
    fn a_glossary_word_comes_first_and_lessons_follow() {
        let index = vec![
            section(
                "01-first-cluster",
                "Brokers",
                "the ISR is the set of replicas in sync",
            ),
            term(
                "leader, follower",
                "The replica producers talk to; the ISR members.",
            ),
            term(
                "ISR (in-sync replicas)",
                "The replicas caught up with the leader.",
            ),
        ];
        let hits = find(&index, "isr");
        assert_eq!(hits.len(), 3);
        assert_eq!(hits[0].title, "ISR (in-sync replicas)");
        assert_eq!(hits[0].href, "#/glossary");
        assert_eq!(
            hits[0].taught,
            Some(("#/lesson/first-cluster".into(), "A first cluster".into()))
        );
        assert_eq!(hits[1].title, "leader, follower");
        assert_eq!(hits[2].label, "Lesson");
        assert_eq!(hits[2].href, "#/lesson/first-cluster");
        assert!(hits[2]
            .title
            .ends_with("A first cluster: topics, partitions, replicas › Brokers"));
    }

    #[test]
    fn every_word_must_match_and_short_queries_find_nothing() {
        let index = vec![
            term("controller", "decides leaders"),
            term("broker", "a server"),
        ];
        assert_eq!(find(&index, "controller leaders").len(), 1);
        assert!(find(&index, "controller server").is_empty());
        assert!(find(&index, "c").is_empty());
        assert!(find(&index, "  ").is_empty());
        // A section of a file that is not a lesson is skipped, not shown with a broken link.
        assert!(find(&[section("nope", "x", "controller")], "controller").is_empty());
    }

    #[test]
    fn snippets_center_on_the_match_and_cut_on_characters() {
        let text = format!(
            "{}ZooKeeper was removed in Kafka 4.0{}",
            "é".repeat(100),
            "ü".repeat(300)
        );
        let s = snippet(&text, "zookeeper");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("ZooKeeper was removed"), "{s}");
        let words =
            "one two three four five six seven eight nine ten eleven twelve thirteen fourteen";
        let s = snippet(words, "fourteen");
        assert!(
            s.starts_with("…") && !s.starts_with("…ne") && s.contains("fourteen"),
            "{s}"
        );
        assert!(
            words.contains(s.trim_start_matches('…')),
            "cut inside a word: {s}"
        );
        assert_eq!(snippet("short text", "text"), "short text");
    }
}
