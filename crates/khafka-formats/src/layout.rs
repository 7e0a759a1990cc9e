//! Annotated byte layouts: the bytes of an encoding with a label for each range.
//!
//! A [`Layout`] is what a page shows byte by byte: `spans` cover the bytes in order, nested spans
//! (a record's fields inside the record) have a greater `depth`. Leaf spans never overlap. At most
//! [`SPANS_MAX`] spans are kept (a megabyte of booleans would otherwise need a million labels);
//! the rest are counted in `spans_omitted`.

use crate::to_hex;
use serde::Serialize;

/// One labelled range `start..end` of the bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    /// Nesting: 0 for top-level parts, 1 inside them, …
    pub depth: usize,
    /// What these bytes are, e.g. "field 1 tag (varint, wire type 0)".
    pub label: String,
}

/// Most spans a layout keeps.
pub const SPANS_MAX: usize = 20_000;

/// Bytes plus their annotation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Layout {
    pub bytes: Vec<u8>,
    pub spans: Vec<Span>,
    /// Spans left out beyond [`SPANS_MAX`].
    pub spans_omitted: usize,
}

impl Layout {
    /// Labels `start..end` (bytes already in the layout); gives the span's index, or `None` once
    /// [`SPANS_MAX`] spans are kept.
    pub fn label(
        &mut self,
        start: usize,
        end: usize,
        depth: usize,
        label: String,
    ) -> Option<usize> {
        if self.spans.len() >= SPANS_MAX {
            self.spans_omitted += 1;
            return None;
        }
        self.spans.push(Span {
            start,
            end,
            depth,
            label,
        });
        Some(self.spans.len() - 1)
    }

    /// Sets the end of a span (a group closed once its contents are known).
    pub fn set_end(&mut self, index: Option<usize>, end: usize) {
        if let Some(s) = index.and_then(|i| self.spans.get_mut(i)) {
            s.end = end;
        }
    }

    /// Appends `bytes` as one span labelled `label` at `depth`.
    pub fn push(&mut self, depth: usize, bytes: &[u8], label: impl Into<String>) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        self.label(start, self.bytes.len(), depth, label.into());
    }

    /// Opens a group span (e.g. a whole record) whose end is set by [`Layout::close`].
    pub fn open(&mut self, depth: usize, label: impl Into<String>) -> Option<usize> {
        let at = self.bytes.len();
        self.label(at, at, depth, label.into())
    }

    /// Closes the group opened as `index` at the current end of the bytes.
    pub fn close(&mut self, index: Option<usize>) {
        let end = self.bytes.len();
        self.set_end(index, end);
    }

    /// Prepends another layout (e.g. the Confluent header) before this one.
    pub fn prepend(self, mut head: Layout) -> Layout {
        let shift = head.bytes.len();
        head.bytes.extend_from_slice(&self.bytes);
        for s in self.spans {
            head.label(s.start + shift, s.end + shift, s.depth, s.label);
        }
        head.spans_omitted += self.spans_omitted;
        head
    }

    /// Human-readable text: one line a span, indented by depth, with the span's bytes in hex.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for s in &self.spans {
            let hex =
                to_hex(&self.bytes[s.start.min(self.bytes.len())..s.end.min(self.bytes.len())]);
            let hex = spaced(&hex);
            out.push_str(&format!(
                "{:>5}..{:<5} {}{}{}\n",
                s.start,
                s.end,
                "  ".repeat(s.depth),
                if hex.is_empty() {
                    String::new()
                } else {
                    format!("{hex}  ")
                },
                s.label
            ));
        }
        if self.spans_omitted > 0 {
            out.push_str(&format!("({} more spans not shown)\n", self.spans_omitted));
        }
        out.push_str(&format!("total {} bytes\n", self.bytes.len()));
        out
    }
}

fn spaced(hex: &str) -> String {
    let pairs: Vec<&str> = (0..hex.len() / 2).map(|i| &hex[2 * i..2 * i + 2]).collect();
    if pairs.len() > 16 {
        format!("{} … ({} bytes)", pairs[..16].join(" "), pairs.len())
    } else {
        pairs.join(" ")
    }
}
