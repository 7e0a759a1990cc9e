//! JSON values: UTF-8 text, validated against a JSON Schema when one is given.
//!
//! Kafka stores keys and values as opaque bytes; "JSON" is UTF-8 JSON text written by a
//! serializer. Here it is compact (no spaces), with object keys in sorted order (serde_json's
//! map), so the same value always gives the same bytes. Confluent's JSON Schema serializer writes
//! the same text after its 5-byte header.

use crate::json_schema::Js;
use crate::layout::Layout;
use crate::{FormatError, Limits};
use serde_json::Value;

/// A JSON format with its (optional, `{}` when empty text) schema.
#[derive(Clone, Debug)]
pub struct JsonFormat {
    pub schema: Js,
}

impl JsonFormat {
    /// Parses the schema; empty text means no schema (`{}`: anything).
    pub fn parse(schema: &str) -> Result<JsonFormat, FormatError> {
        let schema = if schema.trim().is_empty() {
            Js::Empty(Default::default())
        } else {
            Js::parse(schema)?
        };
        Ok(JsonFormat { schema })
    }

    /// Validates and encodes.
    pub fn encode(&self, value: &Value) -> Result<Vec<u8>, FormatError> {
        self.schema.validate(value)?;
        serde_json::to_vec(value).map_err(|e| FormatError::encode(e.to_string()))
    }

    /// Encodes and labels every key, value and piece of syntax.
    pub fn explain(&self, value: &Value) -> Result<Layout, FormatError> {
        self.schema.validate(value)?;
        let mut l = Layout::default();
        walk(value, &mut l, 0, "value");
        // The labelled text must be exactly what serde_json writes.
        let plain = serde_json::to_vec(value).map_err(|e| FormatError::encode(e.to_string()))?;
        if plain != l.bytes {
            return Err(FormatError::encode(
                "internal: labelled JSON differs from serde_json's",
            ));
        }
        Ok(l)
    }

    /// Decodes UTF-8 JSON and validates it.
    pub fn decode(&self, bytes: &[u8]) -> Result<Value, FormatError> {
        crate::check_len("payload", bytes.len(), Limits::VALUE_BYTES_MAX)?;
        let text = std::str::from_utf8(bytes)
            .map_err(|e| FormatError::decode(e.valid_up_to(), "not UTF-8"))?;
        crate::check_json_depth(text.as_bytes()).map_err(|e| FormatError::decode_any(e.message))?;
        let v: Value = serde_json::from_str(text)
            .map_err(|e| FormatError::decode_any(format!("invalid JSON: {e}")))?;
        self.schema.validate(&v).map_err(|e| {
            FormatError::decode_any(format!("value does not match the schema: {}", e.message))
        })?;
        Ok(v)
    }
}

fn text(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

fn walk(v: &Value, l: &mut Layout, depth: usize, name: &str) {
    match v {
        Value::Object(o) => {
            let g = l.open(depth, format!("{name}: object, {} properties", o.len()));
            l.push(depth + 1, b"{", "object start");
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    l.push(depth + 1, b",", "separator");
                }
                l.push(
                    depth + 1,
                    &text(&Value::String(k.clone())),
                    format!(
                        "key {k:?} ({} bytes with quotes)",
                        text(&Value::String(k.clone())).len()
                    ),
                );
                l.push(depth + 1, b":", "colon");
                walk(x, l, depth + 1, &format!("value of {k:?}"));
            }
            l.push(depth + 1, b"}", "object end");
            l.close(g);
        }
        Value::Array(a) => {
            let g = l.open(depth, format!("{name}: array, {} items", a.len()));
            l.push(depth + 1, b"[", "array start");
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    l.push(depth + 1, b",", "separator");
                }
                walk(x, l, depth + 1, &format!("item {i}"));
            }
            l.push(depth + 1, b"]", "array end");
            l.close(g);
        }
        Value::String(_) => l.push(
            depth,
            &text(v),
            format!(
                "{name}: string ({} bytes: quotes and UTF-8 text)",
                text(v).len()
            ),
        ),
        Value::Number(_) => l.push(
            depth,
            &text(v),
            format!("{name}: number as {} ASCII digits", text(v).len()),
        ),
        Value::Bool(_) => l.push(depth, &text(v), format!("{name}: boolean")),
        Value::Null => l.push(depth, &text(v), format!("{name}: null")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encode_explain_decode() {
        let f = JsonFormat::parse(r#"{"type":"object","properties":{"id":{"type":"integer"}}}"#)
            .unwrap();
        let v = json!({"name": "Ann", "id": 7});
        let b = f.encode(&v).unwrap();
        assert_eq!(b, br#"{"id":7,"name":"Ann"}"#);
        let l = f.explain(&v).unwrap();
        assert_eq!(l.bytes, b);
        assert!(l
            .spans
            .iter()
            .any(|s| s.label == "key \"id\" (4 bytes with quotes)"));
        assert_eq!(f.decode(&b).unwrap(), v);
        assert!(f.decode(br#"{"id":"x"}"#).is_err());
        assert!(f.decode(&[0xff]).is_err());
        assert!(f.encode(&json!({"id": 1.5})).is_err());
    }
}
