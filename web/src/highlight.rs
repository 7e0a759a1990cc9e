//! Syntax highlighting for the scenario editor: the text is drawn a second time, coloured, in a `<pre>`
//! under a transparent `<textarea>` (which keeps native editing, selection and accessibility). Parse
//! errors are underlined at their line and column. Everything is text nodes; nothing is HTML.

use khafka_scenario::{ParseError, STATEMENTS};
use yew::prelude::*;

fn class_of(word: &str, first: bool) -> &'static str {
    if first && STATEMENTS.contains(&word) {
        "kw"
    } else if word.find('=').is_some_and(|i| i > 0) && !word.starts_with(['!', '<', '>']) {
        "kv"
    } else if word.starts_with(|c: char| c.is_ascii_digit()) {
        "num"
    } else {
        ""
    }
}

/// One line as spans: comment, statement keyword, `key=value`, numbers and durations.
fn line_spans(line: &str) -> Html {
    let (code, comment) = match line.find('#') {
        Some(i) => (&line[..i], Some(&line[i..])),
        None => (line, None),
    };
    let mut nodes = Vec::new();
    let mut first = true;
    let mut rest = code;
    while !rest.is_empty() {
        let ws = rest.len() - rest.trim_start().len();
        if ws > 0 {
            nodes.push(html! { { rest[..ws].to_string() } });
            rest = &rest[ws..];
            continue;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        let class = class_of(word, first);
        if class == "kv" {
            let (k, v) = word.split_once('=').unwrap_or((word, ""));
            nodes.push(html! { <><span class="key">{ k.to_string() }</span>{ "=" }<span class="val">{ v.to_string() }</span></> });
        } else if class.is_empty() {
            nodes.push(html! { { word.to_string() } });
        } else {
            nodes.push(html! { <span class={class}>{ word.to_string() }</span> });
        }
        first = false;
        rest = &rest[end..];
    }
    if let Some(c) = comment {
        nodes.push(html! { <span class="comment">{ c.to_string() }</span> });
    }
    html! { <>{ for nodes }</> }
}

/// The highlighted copy of `source`, with error lines marked and their spans underlined.
pub fn highlighted(source: &str, errors: &[ParseError]) -> Html {
    let lines: Vec<&str> = source.split('\n').collect();
    html! {
        <pre class="hl" aria-hidden="true">
            { for lines.iter().enumerate().map(|(i, line)| {
                let n = i as u32 + 1;
                let errs: Vec<&ParseError> = errors.iter().filter(|e| e.line == n).collect();
                let body = match errs.first() {
                    // Underline the first error's span on this line (columns count characters).
                    Some(e) => {
                        let chars: Vec<char> = line.chars().collect();
                        let start = (e.column.saturating_sub(1) as usize).min(chars.len());
                        let end = (start + e.len.max(1) as usize).min(chars.len());
                        let before: String = chars[..start].iter().collect();
                        let bad: String = chars[start..end].iter().collect();
                        let after: String = chars[end..].iter().collect();
                        html! { <>{ before }<span class="err" title={e.message.clone()}>{ if bad.is_empty() { " ".to_string() } else { bad } }</span>{ after }</> }
                    }
                    None => line_spans(line),
                };
                html! { <span class={classes!("line", (!errs.is_empty()).then_some("err-line"))}>{ body }{ "\n" }</span> }
            }) }
        </pre>
    }
}
