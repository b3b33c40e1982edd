//! Digests and canonical JSON: the one place where lockward decides how bytes are fingerprinted.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// `sha256:<64 lowercase hex digits>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(bytes))
}

/// The 64 lowercase hex digits of the SHA-256 of `bytes`, with no prefix (for formats that
/// name the algorithm elsewhere, such as SARIF's `partialFingerprints`).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Canonical JSON: object keys sorted at every depth, no insignificant whitespace.
///
/// Sorting is done here explicitly, so the result does not depend on whether some crate in
/// the build enables serde_json's `preserve_order` feature. Two values that differ only in key
/// order or formatting always give the same text.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

/// Canonical JSON of any serializable value (see [`canonical_json`]).
pub fn canonical_json_of<T: Serialize>(value: &T) -> String {
    // Serializing our own plain data types into a `Value` cannot fail: they hold no maps with
    // non-string keys and no non-finite floats.
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    canonical_json(&value)
}

/// Indented canonical JSON (keys sorted), for showing policies and diffs to people.
pub fn pretty_canonical_json(value: &Value) -> String {
    let sorted = sort_keys(value);
    serde_json::to_string_pretty(&sorted).unwrap_or_default()
}

fn sort_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let mut sorted = serde_json::Map::new();
            for (k, v) in entries {
                sorted.insert(k.clone(), sort_keys(v));
            }
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

/// Appends the canonical JSON of `value` to `out` (see [`canonical_json`]): for composing a
/// canonical document from parts without building one big [`Value`] first.
pub fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            out.push('{');
            // serde_json's map iterates in key order unless `preserve_order` is on somewhere in
            // the build; sort only when it is not already sorted.
            if map.keys().is_sorted() {
                write_members(map.iter(), out);
            } else {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                write_members(entries.into_iter(), out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        Value::String(text) => write_json_str(text, out),
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn write_members<'a>(members: impl Iterator<Item = (&'a String, &'a Value)>, out: &mut String) {
    for (i, (k, v)) in members.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json_str(k, out);
        out.push(':');
        write_canonical(v, out);
    }
}

/// Appends `text` as a JSON string literal, escaped as serde_json escapes it.
pub fn write_json_str(text: &str, out: &mut String) {
    if text.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(&Value::String(text.to_string()).to_string());
    } else {
        out.push('"');
        out.push_str(text);
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_and_whitespace_do_not_matter() {
        let a: Value =
            serde_json::from_str(r#"{"b": 1, "a": {"y": [1, {"d":2,"c":3}], "x": null}}"#).unwrap();
        let b = json!({"a": {"x": null, "y": [1, {"c": 3, "d": 2}]}, "b": 1});
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"x":null,"y":[1,{"c":3,"d":2}]},"b":1}"#
        );
    }

    #[test]
    fn strings_are_escaped_exactly_as_serde_json_does() {
        for text in [
            "plain",
            "say \"hi\"",
            "back\\slash",
            "tab\tnew\nline\u{1}",
            "é ü 鍵 🔒",
            "",
        ] {
            let mut out = String::new();
            write_json_str(text, &mut out);
            assert_eq!(out, serde_json::to_string(text).unwrap());
        }
    }

    #[test]
    fn sha256_is_prefixed_lowercase_hex() {
        assert_eq!(
            sha256(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
