//! Markdown to Yew nodes, without ever producing raw HTML.
//!
//! The site gets a page as pulldown-cmark's events, parsed at build time (`cargo xtask build-site`
//! writes `dist/lessons/*.json` and `dist/docs/*.json` with [`options`]), so the wasm carries no
//! Markdown parser. The events are folded into a tree: each `Start(tag)` opens a frame, each `End` closes it
//! into an element. Text becomes text nodes (escaped by Yew). Raw HTML in the source is shown as text.
//! A fenced block tagged `khafka` becomes a placeholder the notebook bundle fills with a live cell
//! (`notebook_loader.rs`); one tagged `format` a placeholder the formats bundle fills with a format
//! cell (`formats_loader.rs`).

use crate::formats_loader::{FormatCellSpec, FormatSlot};
use crate::notebook_loader::{NotebookSlot, WindowsSlot};
use crate::slot::{CellSpec, Slot};
#[cfg(test)]
use pulldown_cmark::Options;
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Tag, TagEnd};
use yew::prelude::*;

struct Frame {
    tag: Option<Tag<'static>>,
    children: Vec<Html>,
    /// The frame's plain text (an image's alt text).
    text: String,
}

/// Renders a lesson's Markdown. Cells are numbered in order so each keeps its own saved state.
/// `route` is the page's address (`#/lesson/…`) for the cells' share links (`None`: links open in
/// the playground); `link`, the address's fragment when the page was opened from such a link, goes
/// to every cell (the notebook opens its state in the cell it names).
/// The Markdown extensions the course uses (`crates/xtask` parses with the same).
#[cfg(test)]
pub fn options() -> Options {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts
}

/// Parses Markdown as the build does (tests only: the site receives events).
#[cfg(test)]
pub fn parse(markdown: &str) -> Vec<Event<'_>> {
    pulldown_cmark::Parser::new_ext(markdown, options()).collect()
}

pub fn render(
    lesson: &str,
    route: Option<&str>,
    events: Vec<Event<'_>>,
    link: Option<&str>,
) -> Html {
    let mut stack = vec![Frame {
        tag: None,
        children: Vec::new(),
        text: String::new(),
    }];
    let mut code: Option<(String, String)> = None; // (language, text)
    let mut cell_index = 0usize;
    // The cells a following `continue` cell builds on: `(id, original source)`, earliest first.
    let mut previous: Vec<(String, String)> = Vec::new();
    // `(id, text)` of each section heading.
    let mut headings: Vec<(String, String)> = Vec::new();
    let solutions = solutions(&events, "khafka");
    let format_solutions = solutions_of_format(&events);
    let mut format_index = 0usize;
    for event in events {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(l) => l.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                let (lang, text) = code.take().unwrap_or_default();
                let mut words = lang.split_whitespace();
                let first = words.next();
                let is_cell = first == Some("khafka");
                let is_format = first == Some("format");
                let solution_block = lang.split_whitespace().any(|w| w == "solution");
                let node = if is_format && !solution_block {
                    // A format cell (docs/writing-lessons.md) the formats bundle fills.
                    let index = format_index;
                    format_index += 1;
                    let exercise = lang.split_whitespace().any(|w| w == "exercise");
                    let cell = FormatCellSpec {
                        id: format!("{lesson}/f{index}"),
                        kind: words.next().unwrap_or("").to_string(),
                        source: text,
                        exercise,
                        solution: if exercise {
                            format_solutions.get(index).cloned().flatten()
                        } else {
                            None
                        },
                    };
                    let key = cell.id.clone();
                    html! { <FormatSlot {key} {cell} /> }
                } else if (is_cell || is_format) && solution_block {
                    // Shown by the exercise cell it belongs to, on request.
                    html! {}
                } else if is_cell {
                    // A placeholder the notebook bundle fills (`notebook_loader.rs`): it reads the
                    // fence's words (knobs, show=, exercise), the share link and the solution.
                    let id = format!("{lesson}/{cell_index}");
                    let index = cell_index;
                    cell_index += 1;
                    let words: Vec<String> = words.map(str::to_string).collect();
                    let chain = if words.iter().any(|w| w == "continue") {
                        previous.clone()
                    } else {
                        Vec::new()
                    };
                    previous = chain.clone();
                    previous.push((id.clone(), text.clone()));
                    let solution = if words.iter().any(|w| w == "exercise") {
                        solutions.get(index).cloned().flatten()
                    } else {
                        None
                    };
                    let slot = Slot::Cell(CellSpec {
                        id: id.clone(),
                        index,
                        source: text,
                        words,
                        continues: chain,
                        solution,
                        route: route.map(str::to_string),
                        link: link.map(str::to_string),
                    });
                    if matches!(&slot, Slot::Cell(c) if c.words.iter().any(|w| w == "windows")) {
                        html! { <WindowsSlot key={id} {slot} /> }
                    } else {
                        html! { <NotebookSlot key={id} {slot} /> }
                    }
                } else {
                    html! { <pre class="code"><code>{ text }</code></pre> }
                };
                push(&mut stack, node);
            }
            Event::Text(t) => {
                if let Some((_, buf)) = code.as_mut() {
                    buf.push_str(&t);
                } else {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&t);
                    }
                    push(&mut stack, html! { { t.to_string() } });
                }
            }
            Event::Code(t) => push(&mut stack, html! { <code>{ t.to_string() }</code> }),
            Event::Html(t) | Event::InlineHtml(t) => push(&mut stack, html! { { t.to_string() } }),
            Event::SoftBreak => push(&mut stack, html! { { " " } }),
            Event::HardBreak => push(&mut stack, html! { <br /> }),
            Event::Rule => push(&mut stack, html! { <hr /> }),
            Event::Start(tag) => stack.push(Frame {
                tag: Some(tag.into_static()),
                children: Vec::new(),
                text: String::new(),
            }),
            Event::End(_) if stack.len() > 1 => {
                let frame = stack.pop().expect("len > 1");
                // Cells of a table's head row are header cells.
                let in_head = stack
                    .last()
                    .is_some_and(|f| matches!(f.tag, Some(Tag::TableHead)));
                let node = match frame.tag {
                    Some(Tag::TableCell) if in_head => {
                        html! { <th scope="col">{ for frame.children }</th> }
                    }
                    // Sections get an id, for the lesson's outline.
                    Some(Tag::Heading {
                        level: HeadingLevel::H2,
                        ..
                    }) => {
                        let id = format!("{lesson}-s{}", headings.len());
                        headings.push((id.clone(), frame.text.clone()));
                        html! { <h2 {id}>{ for frame.children }</h2> }
                    }
                    _ => element(frame),
                };
                push(&mut stack, node);
            }
            _ => {}
        }
    }
    while stack.len() > 1 {
        let frame = stack.pop().expect("len > 1");
        let node = element(frame);
        push(&mut stack, node);
    }
    let mut root = stack.pop().map(|f| f.children).unwrap_or_default();
    // A lesson opens with its outline, after its title.
    if route.is_some() && headings.len() >= 2 {
        root.insert(root.len().min(1), outline(&headings));
    }
    html! { <>{ for root }</> }
}

/// The solution of each cell, by cell number: the text of the ```` ```khafka solution ```` block
/// (```` ```format KIND solution ```` for format cells, numbered apart: `tag` is the fence's first
/// word) right after a cell (solution blocks are not cells and are not numbered). Lessons put fences at
/// the start of a line, which is all this scan reads.
fn solutions(events: &[Event<'_>], tag: &str) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = Vec::new();
    // The `khafka` block being read: whether it is a solution, and its text.
    let mut block: Option<(bool, String)> = None;
    for event in events {
        match (event, &mut block) {
            (Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))), None)
                if lang.split_whitespace().next() == Some(tag) =>
            {
                block = Some((
                    lang.split_whitespace().any(|w| w == "solution"),
                    String::new(),
                ));
            }
            (Event::Text(t), Some((_, text))) => text.push_str(t),
            (Event::End(TagEnd::CodeBlock), Some((solution, text))) => {
                if !*solution {
                    out.push(None);
                } else if let Some(last) = out.last_mut() {
                    *last = Some(std::mem::take(text));
                }
                block = None;
            }
            _ => {}
        }
    }
    out
}

/// [`solutions`] of the format cells.
fn solutions_of_format(events: &[Event<'_>]) -> Vec<Option<String>> {
    solutions(events, "format")
}

/// The lesson's sections, each a button that scrolls to it (the address's fragment is the route,
/// so in-page `#` links cannot be used).
fn outline(headings: &[(String, String)]) -> Html {
    html! {
        <nav class="lesson-outline" aria-label="In this lesson">
            <span class="muted">{ "In this lesson: " }</span>
            { for headings.iter().map(|(id, text)| {
                let id = id.clone();
                let onclick = Callback::from(move |_: MouseEvent| {
                    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&id)) {
                        el.scroll_into_view();
                    }
                });
                html! { <button class="link" {onclick}>{ text }</button> }
            }) }
        </nav>
    }
}

fn push(stack: &mut [Frame], node: Html) {
    if let Some(top) = stack.last_mut() {
        top.children.push(node);
    }
}

/// Only same-site links (absolute paths, fragments, relative paths without a scheme) and http(s)
/// links are kept; anything else (e.g. `javascript:`) becomes text.
fn safe_href(url: &str) -> Option<String> {
    let relative = !url.contains(':') && !url.starts_with("//");
    let ok = url.starts_with("https://")
        || url.starts_with("http://")
        || url.starts_with('#')
        || (url.starts_with('/') && !url.starts_with("//"))
        || relative;
    ok.then(|| url.to_string())
}

fn element(frame: Frame) -> Html {
    let c = frame.children;
    match frame.tag {
        None => html! { <>{ for c }</> },
        Some(tag) => match tag {
            Tag::Paragraph => html! { <p>{ for c }</p> },
            Tag::Heading { level, .. } => match level {
                HeadingLevel::H1 => html! { <h1>{ for c }</h1> },
                HeadingLevel::H2 => html! { <h2>{ for c }</h2> },
                HeadingLevel::H3 => html! { <h3>{ for c }</h3> },
                _ => html! { <h4>{ for c }</h4> },
            },
            Tag::BlockQuote(_) => html! { <blockquote class="callout">{ for c }</blockquote> },
            Tag::List(Some(start)) => html! { <ol start={start.to_string()}>{ for c }</ol> },
            Tag::List(None) => html! { <ul>{ for c }</ul> },
            Tag::Item => html! { <li>{ for c }</li> },
            Tag::Emphasis => html! { <em>{ for c }</em> },
            Tag::Strong => html! { <strong>{ for c }</strong> },
            Tag::Strikethrough => html! { <s>{ for c }</s> },
            Tag::Table(_) => html! { <div class="table-wrap"><table>{ for c }</table></div> },
            Tag::TableHead => html! { <thead><tr>{ for c }</tr></thead> },
            Tag::TableRow => html! { <tr>{ for c }</tr> },
            Tag::TableCell => html! { <td>{ for c }</td> },
            Tag::Link { dest_url, .. } => match safe_href(&dest_url) {
                Some(href) => html! { <a href={href}>{ for c }</a> },
                None => html! { <span>{ for c }</span> },
            },
            Tag::Image { dest_url, .. } => match safe_href(&dest_url) {
                Some(src) => html! { <img src={src} alt={frame.text} /> },
                None => html! { <span>{ for c }</span> },
            },
            _ => html! { <>{ for c }</> },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, safe_href, solutions};

    /// A solution block belongs to the cell before it and takes no cell number.
    #[test]
    fn solutions_attach_to_the_cell_before_them() {
        let md = "```khafka\nrun 1s\n```\n\n```khafka exercise\nrun 2s\n```\n```khafka solution\nrun 3s\n```\n```khafka continue\nrun 4s\n```\n";
        assert_eq!(
            solutions(&parse(md), "khafka"),
            vec![None, Some("run 3s\n".into()), None]
        );
    }

    #[test]
    fn only_same_site_and_http_urls_are_kept() {
        for ok in [
            "img/diagram.svg",
            "#/lesson/x",
            "/about",
            "https://kafka.apache.org/",
            "http://x",
        ] {
            assert_eq!(safe_href(ok).as_deref(), Some(ok));
        }
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "//evil.example/x",
            "vbscript:x",
        ] {
            assert_eq!(safe_href(bad), None, "{bad}");
        }
    }
}
