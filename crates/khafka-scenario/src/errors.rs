//! Parse errors: where, what, how to fix it, and which Kafka error it corresponds to.
//!
//! Every error points at a span of one line (1-based line and column, counted in characters, and a
//! length of at least one character). The parser keeps going after an error, so a file with three
//! typos reports three errors. [`ParseErrors::render`] prints them the way rustc does:
//!
//! ```text
//! orders.khafka:4:41: error: unknown config `min.insync.replica`
//!   |
//! 4 | topic orders partitions=3 replication.factor=3 min.insync.replica=2
//!   |                                                ^^^^^^^^^^^^^^^^^^
//!   = hint: did you mean `min.insync.replicas`?
//! ```

use std::fmt;

/// A place in the source: a run of `len` characters starting at `line:column` (both 1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub len: u32,
}

impl Span {
    pub fn new(line: u32, column: u32, len: u32) -> Self {
        Span {
            line,
            column: column.max(1),
            len: len.max(1),
        }
    }

    /// The span from the start of `self` to the end of `other` (same line).
    pub fn to(self, other: Span) -> Span {
        let end = (other.column + other.len).max(self.column + self.len);
        Span::new(self.line, self.column, end - self.column)
    }
}

/// One problem found in a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in characters (not bytes).
    pub column: u32,
    /// Length of the offending text in characters (at least 1).
    pub len: u32,
    /// What is wrong, e.g. "unknown config `min.insync.replica`".
    pub message: String,
    /// How to fix it, e.g. "did you mean `min.insync.replicas`?".
    pub hint: Option<String>,
    /// The error Kafka itself would return, e.g. `INVALID_REPLICATION_FACTOR`.
    pub kafka_error: Option<&'static str>,
}

/// The longest word an error's message or hint quotes whole (a token of the input, say); a longer
/// one is clipped to its start and end, so the error of a megabyte-long token stays a line.
const WORD_MAX: usize = 80;

/// `text` with every word longer than [`WORD_MAX`] characters clipped to its first 60 and last
/// 10 characters around an ellipsis.
fn clip_words(text: String) -> String {
    if text.len() <= WORD_MAX {
        return text;
    }
    let mut out = String::with_capacity(text.len().min(4 * WORD_MAX));
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let n = word.chars().count();
        if n > WORD_MAX {
            out.extend(word.chars().take(60));
            out.push('…');
            out.extend(word.chars().skip(n - 10));
        } else {
            out.push_str(word);
        }
    }
    out
}

impl ParseError {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        ParseError {
            line: span.line,
            column: span.column,
            len: span.len,
            message: clip_words(message.into()),
            hint: None,
            kafka_error: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(clip_words(hint.into()));
        self
    }

    pub fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint.map(clip_words);
        self
    }

    pub fn kafka(mut self, name: &'static str) -> Self {
        self.kafka_error = Some(name);
        self
    }
}

impl ParseError {
    /// The message and its hint, without the position: `unknown config `min.insync.replica`; did
    /// you mean `min.insync.replicas`?`
    pub fn explained(&self) -> String {
        match &self.hint {
            Some(hint) => format!("{}; {hint}", self.message),
            None => self.message.clone(),
        }
    }
}

impl fmt::Display for ParseError {
    /// `line 4, column 41: unknown config `min.insync.replica`; did you mean `min.insync.replicas`?`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line,
            self.column,
            self.explained()
        )
    }
}

impl std::error::Error for ParseError {}

/// Every error found in a scenario, sorted by position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseErrors(pub Vec<ParseError>);

impl ParseErrors {
    pub fn errors(&self) -> &[ParseError] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, ParseError> {
        self.0.iter()
    }

    /// Renders every error like a compiler does: `file:line:column: error: message`, the source line,
    /// a `^^^` caret under the span, then the hint and the Kafka error name if any. Errors are
    /// separated by a blank line.
    pub fn render(&self, file_name: &str, source: &str) -> String {
        const CONTEXT_BEFORE: u32 = 40;
        const CONTEXT_AFTER: u32 = 40;
        const SHOWN_MAX: u32 = 80;
        const LINE_MAX: u32 = 160;
        let lines: Vec<&str> = crate::lexer::source_lines(source).collect();
        let mut out = String::new();
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&format!(
                "{file_name}:{}:{}: error: {}\n",
                e.line, e.column, e.message
            ));
            let number = e.line.to_string();
            let gutter = " ".repeat(number.len());
            let text = lines
                .get((e.line as usize).wrapping_sub(1))
                .map(|l| l.strip_suffix('\r').unwrap_or(l))
                .unwrap_or("");
            // Tabs and other control characters are shown as one space so the caret lines up.
            let chars: Vec<char> = text
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let width = chars.len() as u32;
            let start = e.column.saturating_sub(1).min(width);
            let len = e.len.max(1).min(width.saturating_sub(start).max(1));
            // A long line is clipped to a window around the error, so the text stays proportional
            // to the number of errors, not to errors × line length.
            let (from, to) = if width <= LINE_MAX {
                (0, width)
            } else {
                let from = start.saturating_sub(CONTEXT_BEFORE);
                (
                    from,
                    (start + len.min(SHOWN_MAX) + CONTEXT_AFTER).min(width),
                )
            };
            let mut shown: String = chars[from as usize..to as usize].iter().collect();
            let mut start = start - from;
            let len = len.min(to - from - start).max(1);
            if from > 0 {
                shown.insert(0, '…');
                start += 1;
            }
            if to < width {
                shown.push('…');
            }
            out.push_str(&format!("{gutter} |\n"));
            out.push_str(&format!("{number} | {}\n", shown.trim_end()));
            out.push_str(&format!(
                "{gutter} | {}{}\n",
                " ".repeat(start as usize),
                "^".repeat(len as usize)
            ));
            if let Some(hint) = &e.hint {
                out.push_str(&format!("{gutter} = hint: {hint}\n"));
            }
            if let Some(kafka) = e.kafka_error {
                out.push_str(&format!("{gutter} = note: Kafka returns {kafka}\n"));
            }
        }
        out
    }
}

impl fmt::Display for ParseErrors {
    /// One error per line, in the [`ParseError`] `Display` form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseErrors {}

impl<'a> IntoIterator for &'a ParseErrors {
    type Item = &'a ParseError;
    type IntoIter = std::slice::Iter<'a, ParseError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_render() {
        let source = "seed 1\n\ttopic orders min.insync.replica=2\n";
        let e = ParseError::new(Span::new(2, 15, 18), "unknown config `min.insync.replica`")
            .hint("did you mean `min.insync.replicas`?");
        assert_eq!(
            e.to_string(),
            "line 2, column 15: unknown config `min.insync.replica`; did you mean `min.insync.replicas`?"
        );
        let rendered = ParseErrors(vec![e.kafka("INVALID_CONFIG")]).render("a.khafka", source);
        let expected = "a.khafka:2:15: error: unknown config `min.insync.replica`\n  |\n2 |  topic orders min.insync.replica=2\n  |               ^^^^^^^^^^^^^^^^^^\n  = hint: did you mean `min.insync.replicas`?\n  = note: Kafka returns INVALID_CONFIG\n";
        assert_eq!(rendered, expected);
    }

    #[test]
    fn render_survives_spans_outside_the_source() {
        let e = ParseError::new(Span::new(9, 99, 5), "nowhere");
        let out = ParseErrors(vec![e]).render("x", "");
        assert!(out.starts_with("x:9:99: error: nowhere"));
    }
}
