//! Splitting a scenario into lines and tokens.
//!
//! The language is line-oriented: one statement per line, `#` starts a comment that runs to the end
//! of the line, blank lines are ignored. Within a line, tokens are separated by whitespace, with three
//! conveniences:
//!
//! * a `{…}` set or a `(…)` argument list is one token even if it contains spaces (`{1, 2}`);
//! * `|`, `->` and `<->` are tokens of their own even without spaces around them (`{1}|{2,3}`);
//! * columns are counted in characters, so errors point at the right place in any text editor.

use crate::errors::Span;

/// A word of a statement, with its place in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub span: Span,
}

/// One non-empty line of source, comment removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number.
    pub number: u32,
    /// The characters of the line, comment removed (`expect` re-reads them with its own syntax).
    pub text: Vec<char>,
    pub tokens: Vec<Token>,
}

impl Line {
    /// The source text from `token`'s first character to the end of the line (comment removed),
    /// trimmed, and the 1-based column where it starts.
    pub fn rest_from(&self, token: usize) -> (String, u32) {
        match self.tokens.get(token) {
            Some(t) => {
                let start = t.span.column as usize - 1;
                let s: String = self.text[start.min(self.text.len())..].iter().collect();
                (s.trim_end().to_string(), t.span.column)
            }
            None => (String::new(), self.end_column()),
        }
    }

    /// The column just after the last character of the (comment-free, trimmed) line.
    pub fn end_column(&self) -> u32 {
        self.tokens
            .last()
            .map(|t| t.span.column + t.span.len)
            .unwrap_or(1)
    }
}

/// `source`'s lines as an editor shows them, numbered from 1 in order: a line ends with `\n`,
/// `\r\n` or a lone `\r` (old Mac files), and a byte-order mark, invisible in an editor, is not
/// part of the first line. Errors count lines and columns in these.
pub fn source_lines(source: &str) -> impl Iterator<Item = &str> {
    source
        .strip_prefix('\u{feff}')
        .unwrap_or(source)
        .split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
}

/// Splits `source` into its non-empty lines (after removing comments).
pub fn lex(source: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    for (i, raw) in source_lines(source).enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let text: Vec<char> = raw.chars().take_while(|&c| c != '#').collect();
        let tokens = tokenize(&text, number);
        if !tokens.is_empty() {
            lines.push(Line {
                number,
                text,
                tokens,
            });
        }
    }
    lines
}

fn col(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

fn tokenize(chars: &[char], line: u32) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        // Stand-alone operators.
        let op_len = operator_at(chars, i);
        if op_len > 0 {
            tokens.push(make(chars, i, i + op_len, line));
            i += op_len;
            continue;
        }
        let start = i;
        let mut depth: u32 = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '{' | '(' => depth += 1,
                '}' | ')' => depth = depth.saturating_sub(1),
                _ if depth == 0 && (c.is_whitespace() || operator_at(chars, i) > 0) => break,
                _ => {}
            }
            i += 1;
        }
        tokens.push(make(chars, start, i, line));
    }
    tokens
}

/// Length of the operator token starting at `i` (0 if none): `<->`, `->` or `|`.
fn operator_at(chars: &[char], i: usize) -> usize {
    let at = |k: usize, c: char| chars.get(i + k) == Some(&c);
    if at(0, '|') {
        1
    } else if at(0, '-') && at(1, '>') {
        2
    } else if at(0, '<') && at(1, '-') && at(2, '>') {
        3
    } else {
        0
    }
}

fn make(chars: &[char], start: usize, end: usize, line: u32) -> Token {
    let text: String = chars[start..end].iter().collect();
    // Trailing whitespace inside an unclosed group is not part of the token.
    let trimmed = text.trim_end().to_string();
    let len = u32::try_from(trimmed.chars().count()).unwrap_or(u32::MAX);
    Token {
        text: trimmed,
        span: Span::new(line, col(start), len),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(src: &str) -> Vec<Vec<String>> {
        lex(src)
            .into_iter()
            .map(|l| l.tokens.into_iter().map(|t| t.text).collect())
            .collect()
    }

    #[test]
    fn splits_words_sets_and_operators() {
        assert_eq!(
            words("at 2s partition {1}|{2, 3}  # comment\n\n  link p1->{1,2} latency=1ms"),
            vec![
                vec!["at", "2s", "partition", "{1}", "|", "{2, 3}"],
                vec!["link", "p1", "->", "{1,2}", "latency=1ms"],
            ]
        );
        assert_eq!(words("link 1 <-> 2"), vec![vec!["link", "1", "<->", "2"]]);
        assert_eq!(words("topic my-topic-1"), vec![vec!["topic", "my-topic-1"]]);
    }

    #[test]
    fn columns_count_characters() {
        let lines = lex("# héllo\nséed  42\r\n");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].number, 2);
        assert_eq!(lines[0].tokens[1].span, Span::new(2, 7, 2));
        assert_eq!(lines[0].rest_from(1), ("42".to_string(), 7));
    }

    #[test]
    fn unclosed_group_runs_to_end_of_line() {
        assert_eq!(words("partition {1, 2 "), vec![vec!["partition", "{1, 2"]]);
    }
}
