//! The one error type: what went wrong, where (a byte offset when decoding), and a hint.

use serde::Serialize;
use std::fmt;

/// An error from parsing a schema, encoding a value or decoding bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FormatError {
    /// Which stage failed.
    pub kind: ErrorKind,
    /// What went wrong, in words.
    pub message: String,
    /// Byte offset in the payload, when decoding.
    pub offset: Option<usize>,
}

/// The stage that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Bad user input: a flag, a limit, JSON text.
    Input,
    /// The schema does not parse or is not valid.
    Schema,
    /// The value does not fit the schema.
    Encode,
    /// The bytes do not decode under the schema.
    Decode,
}

impl FormatError {
    pub fn input(message: impl Into<String>) -> Self {
        FormatError {
            kind: ErrorKind::Input,
            message: message.into(),
            offset: None,
        }
    }
    pub fn schema(message: impl Into<String>) -> Self {
        FormatError {
            kind: ErrorKind::Schema,
            message: message.into(),
            offset: None,
        }
    }
    pub fn encode(message: impl Into<String>) -> Self {
        FormatError {
            kind: ErrorKind::Encode,
            message: message.into(),
            offset: None,
        }
    }
    pub fn decode(offset: usize, message: impl Into<String>) -> Self {
        FormatError {
            kind: ErrorKind::Decode,
            message: message.into(),
            offset: Some(offset),
        }
    }
    /// A decode error without a precise offset (reported by a library).
    pub fn decode_any(message: impl Into<String>) -> Self {
        FormatError {
            kind: ErrorKind::Decode,
            message: message.into(),
            offset: None,
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match self.kind {
            ErrorKind::Input => "invalid input",
            ErrorKind::Schema => "invalid schema",
            ErrorKind::Encode => "cannot encode",
            ErrorKind::Decode => "cannot decode",
        };
        match self.offset {
            Some(o) => write!(f, "{stage} at byte {o}: {}", self.message),
            None => write!(f, "{stage}: {}", self.message),
        }
    }
}

impl std::error::Error for FormatError {}
