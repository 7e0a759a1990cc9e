//! The site's search index (`dist/search.json`), built from the lessons and the glossary at build
//! time and fetched by the site only when a reader starts a search (`web/src/search.rs`): one entry
//! per lesson section and one per glossary word, as plain text.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde_json::{json, Value};

/// One lesson's sections: `(heading, text)`, the text before the first `##` under the lesson's
/// title (heading `""`). Code blocks (cells) are left out: the prose says what they show.
pub fn lesson_sections(markdown: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vec![(String::new(), String::new())];
    let mut in_code = false;
    let mut heading: Option<HeadingLevel> = None;
    let mut heading_text = String::new();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some(level);
                heading_text.clear();
            }
            Event::End(TagEnd::Heading(level)) => {
                heading = None;
                if level >= HeadingLevel::H2 {
                    out.push((heading_text.trim().to_string(), String::new()));
                }
            }
            Event::Text(t) | Event::Code(t) if !in_code => {
                if heading.is_some() {
                    heading_text.push_str(&t);
                } else if let Some((_, text)) = out.last_mut() {
                    text.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak | Event::End(_) if heading.is_none() => {
                if let Some((_, text)) = out.last_mut() {
                    if !text.ends_with(' ') && !text.is_empty() {
                        text.push(' ');
                    }
                }
            }
            _ => {}
        }
    }
    out.iter_mut()
        .for_each(|(_, t)| *t = t.split_whitespace().collect::<Vec<_>>().join(" "));
    out
}

/// A glossary row: the word(s), the meaning, and where it is taught (`(link, its text)`, or the
/// cell's text when it links nowhere).
#[derive(Debug, PartialEq)]
pub struct Term {
    pub word: String,
    pub meaning: String,
    pub taught: Option<String>,
    pub taught_text: String,
}

/// Every row of every table of the glossary with three columns.
pub fn glossary_terms(markdown: &str) -> Vec<Term> {
    let mut out = Vec::new();
    let mut in_head = false;
    let mut cells: Vec<String> = Vec::new();
    let mut link: Option<String> = None;
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::TableHead) => in_head = true,
            Event::End(TagEnd::TableHead) => in_head = false,
            Event::Start(Tag::TableRow) => {
                cells.clear();
                link = None;
            }
            Event::Start(Tag::TableCell) => cells.push(String::new()),
            Event::Start(Tag::Link { dest_url, .. }) if cells.len() == 3 => {
                link = Some(dest_url.to_string())
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(c) = cells.last_mut() {
                    c.push_str(&t);
                }
            }
            Event::End(TagEnd::TableRow) if !in_head && cells.len() == 3 => out.push(Term {
                word: cells[0].trim().to_string(),
                meaning: cells[1].trim().to_string(),
                taught: link.take(),
                taught_text: cells[2].trim().to_string(),
            }),
            _ => {}
        }
    }
    out
}

/// The index: `lessons` is `(file stem, Markdown)` per lesson; the site turns a file stem into
/// the lesson's route and numbered title (`web/src/lessons.rs` is the one list of lessons).
pub fn index(lessons: &[(String, String)], glossary: &str) -> Value {
    let mut entries = Vec::new();
    for term in glossary_terms(glossary) {
        entries.push(json!({
            "kind": "term",
            "title": term.word,
            "text": term.meaning,
            "href": term.taught,
            "where": term.taught_text,
        }));
    }
    for (file, markdown) in lessons {
        for (section, text) in lesson_sections(markdown) {
            entries.push(json!({ "kind": "lesson", "file": file, "title": section, "text": text }));
        }
    }
    Value::Array(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lessons_are_split_into_sections_without_their_cells() {
        let md = "# Title\n\nIntro **bold** `code`.\n\n```khafka\nseed 1\n```\n\n## One\n\nFirst\nline.\n\n## Two `acks`\n\n- a\n- b\n";
        assert_eq!(
            lesson_sections(md),
            vec![
                (String::new(), "Intro bold code.".to_string()),
                ("One".to_string(), "First line.".to_string()),
                ("Two acks".to_string(), "a b".to_string()),
            ]
        );
    }

    #[test]
    fn glossary_rows_keep_their_word_meaning_and_lesson() {
        let md = "| Word | Meaning | Taught in |\n|---|---|---|\n| ISR (in-sync replicas) | The `replicas` caught up. | [A first cluster](#/lesson/first-cluster) |\n| log aggregation | Logs. | not in the course yet |\n";
        assert_eq!(
            glossary_terms(md),
            vec![
                Term {
                    word: "ISR (in-sync replicas)".into(),
                    meaning: "The replicas caught up.".into(),
                    taught: Some("#/lesson/first-cluster".into()),
                    taught_text: "A first cluster".into(),
                },
                Term {
                    word: "log aggregation".into(),
                    meaning: "Logs.".into(),
                    taught: None,
                    taught_text: "not in the course yet".into(),
                },
            ]
        );
    }

    #[test]
    fn the_real_glossary_has_terms_and_every_lesson_has_sections() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let glossary = std::fs::read_to_string(root.join("docs/glossary.md")).unwrap();
        let terms = glossary_terms(&glossary);
        assert!(terms.len() >= 60, "{} terms", terms.len());
        assert!(terms.iter().any(|t| t.word == "ISR (in-sync replicas)"));
        for entry in std::fs::read_dir(root.join("lessons")).unwrap().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "md") {
                let sections = lesson_sections(&std::fs::read_to_string(&path).unwrap());
                assert!(sections.len() >= 3, "{}: {sections:?}", path.display());
                assert!(sections.iter().all(|(_, t)| !t.contains("```")));
            }
        }
    }
}
