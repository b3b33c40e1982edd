//! Vault lock policies, read strictly: the text a reviewer reads is the text AWS receives.
//!
//! A Glacier vault lock policy becomes permanent when the lock completes, so lockward never
//! lets a policy change on its way from the file to AWS. JSON text is read with serde_json
//! (syntax, trailing data, string escapes), keeping every value's exact text through
//! [`RawValue`]; on top of that a duplicate key at any depth is an error, where serde_json would
//! silently keep the last one. Numbers are never converted: `1e2` stays `1e2`, a 23-digit
//! integer stays 23 digits, `1.0` stays `1.0`. Strings keep exactly their characters; their
//! escapes are written one way (serde_json's), since `"\u0041"` and `"A"` are the same string
//! to AWS too.
//!
//! The canonical form (keys sorted, no insignificant whitespace) is what lockward compares,
//! digests and sends; the pretty form is the canonical form indented, for people.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

use super::error::Source;
use super::yaml::{resolve_plain, Content, Node, Plain, Span};
use crate::digest;

/// Objects and arrays in a policy may nest at most this deep (a vault lock policy needs 5).
pub const MAX_POLICY_DEPTH: usize = 64;

/// A vault lock policy. Two policies are equal exactly when their canonical forms are.
#[derive(Clone, Debug)]
pub struct Policy {
    document: PolicyValue,
    canonical: String,
}

/// A JSON value as a policy holds it: every scalar exactly as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyValue {
    Null,
    Bool(bool),
    /// The number's text exactly as written (`1e2`, `1.0`, `-0`, any number of digits).
    Number(String),
    String(String),
    Array(Vec<PolicyValue>),
    /// Members sorted by key; no key appears twice.
    Object(Vec<(String, PolicyValue)>),
}

impl PolicyValue {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&PolicyValue> {
        match self {
            PolicyValue::Object(members) => members
                .binary_search_by(|(k, _)| k.as_str().cmp(key))
                .ok()
                .map(|i| &members[i].1),
            _ => None,
        }
    }

    fn object(mut members: Vec<(String, PolicyValue)>) -> PolicyValue {
        members.sort_by(|a, b| a.0.cmp(&b.0));
        PolicyValue::Object(members)
    }

    fn from_json(value: &Value) -> PolicyValue {
        match value {
            Value::Null => PolicyValue::Null,
            Value::Bool(b) => PolicyValue::Bool(*b),
            Value::Number(n) => PolicyValue::Number(n.to_string()),
            Value::String(s) => PolicyValue::String(s.clone()),
            Value::Array(items) => {
                PolicyValue::Array(items.iter().map(PolicyValue::from_json).collect())
            }
            Value::Object(map) => PolicyValue::object(
                map.iter()
                    .map(|(k, v)| (k.clone(), PolicyValue::from_json(v)))
                    .collect(),
            ),
        }
    }

    fn write_canonical(&self, out: &mut String) {
        match self {
            PolicyValue::Null => out.push_str("null"),
            PolicyValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            PolicyValue::Number(text) => out.push_str(text),
            PolicyValue::String(s) => digest::write_json_str(s, out),
            PolicyValue::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_canonical(out);
                }
                out.push(']');
            }
            PolicyValue::Object(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    digest::write_json_str(k, out);
                    out.push(':');
                    v.write_canonical(out);
                }
                out.push('}');
            }
        }
    }

    /// Indented by two spaces per level, as `serde_json::to_string_pretty` lays JSON out.
    fn write_pretty(&self, indent: usize, out: &mut String) {
        let newline = |out: &mut String, level: usize| {
            out.push('\n');
            out.push_str(&"  ".repeat(level));
        };
        match self {
            PolicyValue::Array(items) if !items.is_empty() => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, indent + 1);
                    item.write_pretty(indent + 1, out);
                }
                newline(out, indent);
                out.push(']');
            }
            PolicyValue::Object(members) if !members.is_empty() => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, indent + 1);
                    digest::write_json_str(k, out);
                    out.push_str(": ");
                    v.write_pretty(indent + 1, out);
                }
                newline(out, indent);
                out.push('}');
            }
            scalar_or_empty => scalar_or_empty.write_canonical(out),
        }
    }
}

impl Policy {
    /// Reads policy JSON text strictly: a leading byte order mark is skipped; a syntax error,
    /// trailing data, a duplicate key at any depth or nesting deeper than
    /// [`MAX_POLICY_DEPTH`] is an error that says where (line and column in `text` after the
    /// mark). The caller (validation) checks size and shape.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse_with(text, false)
    }

    /// [`Policy::parse`] for a policy a person wrote (a policy file, an inline policy): also
    /// refuses a string or key holding a control character or a Unicode bidirectional
    /// control, which could make the policy read as something else than what AWS receives
    /// (DESIGN.md section 5). A policy AWS reports is read with [`Policy::parse`], and shown
    /// escaped.
    pub fn parse_written(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse_with(text, true)
    }

    fn parse_with(text: &str, written: bool) -> Result<Policy, PolicyError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let reader = Reader { text, written };
        let root: &RawValue = serde_json::from_str(text).map_err(|e| {
            // Skipping over raw values, serde_json says less about some errors ("key must be
            // a string" for a trailing comma); reading a value says it best.
            let e = serde_json::from_str::<Value>(text).err().unwrap_or(e);
            reader.serde_error(text, &e)
        })?;
        let document = reader.value(root, 0)?;
        Ok(Policy::from_document(document))
    }

    /// A policy from an already parsed value. Its numbers are what serde_json made of them;
    /// policy text is read with [`Policy::parse`], which keeps them as written.
    pub fn from_value(value: Value) -> Policy {
        Policy::from_document(PolicyValue::from_json(&value))
    }

    fn from_document(document: PolicyValue) -> Policy {
        let mut canonical = String::new();
        document.write_canonical(&mut canonical);
        Policy {
            document,
            canonical,
        }
    }

    /// The policy document, every scalar as written.
    pub fn document(&self) -> &PolicyValue {
        &self.document
    }

    /// Compact canonical JSON (keys sorted, no whitespace, every scalar as written): what
    /// lockward sends to AWS, compares and digests.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// Indented canonical JSON, for people: keys sorted, every scalar as written.
    pub fn pretty(&self) -> String {
        let mut out = String::with_capacity(self.canonical.len() * 2);
        self.document.write_pretty(0, &mut out);
        out
    }

    /// The policy with `f` applied to every string value (never to a key): `f` answers the
    /// new text, or `None` to keep it. Structure never changes.
    pub fn substituted<E>(
        &self,
        f: &mut dyn FnMut(&str) -> Result<Option<String>, E>,
    ) -> Result<Policy, E> {
        fn walk<E>(
            v: &PolicyValue,
            f: &mut dyn FnMut(&str) -> Result<Option<String>, E>,
        ) -> Result<PolicyValue, E> {
            Ok(match v {
                PolicyValue::String(s) => PolicyValue::String(f(s)?.unwrap_or_else(|| s.clone())),
                PolicyValue::Array(items) => {
                    PolicyValue::Array(items.iter().map(|i| walk(i, f)).collect::<Result<_, E>>()?)
                }
                PolicyValue::Object(members) => PolicyValue::Object(
                    members
                        .iter()
                        .map(|(k, v)| Ok((k.clone(), walk(v, f)?)))
                        .collect::<Result<_, E>>()?,
                ),
                other => other.clone(),
            })
        }
        Ok(Policy::from_document(walk(&self.document, f)?))
    }

    /// `sha256:…` of the canonical form.
    pub fn digest(&self) -> String {
        digest::sha256(self.canonical.as_bytes())
    }
}

impl PartialEq for Policy {
    fn eq(&self, other: &Policy) -> bool {
        self.canonical == other.canonical
    }
}

impl Eq for Policy {}

impl Serialize for Policy {
    /// A policy serializes as its canonical JSON text, a string: plans and their digests carry
    /// the exact text lockward sends, which a parsed JSON value could not (its numbers would be
    /// floats).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.canonical)
    }
}

impl<'de> Deserialize<'de> for Policy {
    /// The canonical text a policy serializes as (read with [`Policy::parse`]; text that is not
    /// strict JSON is kept as a JSON string, as refresh keeps such a live policy), or a policy
    /// document as a JSON value.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(text) => {
                Policy::parse(&text).unwrap_or_else(|_| Policy::from_value(Value::String(text)))
            }
            other => Policy::from_value(other),
        })
    }
}

/// What is wrong with policy text, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    pub kind: PolicyErrorKind,
    /// What is wrong, ending with "at line L column C".
    pub message: String,
    /// 1-based line in the text read (after a byte order mark).
    pub line: u32,
    /// 0-based column, in characters.
    pub col: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyErrorKind {
    /// Not JSON: a syntax error, trailing data, an invalid escape, nesting too deep.
    Invalid,
    /// A key written twice in one object; `first` is where it was first written (line, col).
    DuplicateKey { key: String, first: (u32, u32) },
    /// A string or key of a policy a person wrote holds a control character or a Unicode
    /// bidirectional control.
    UnsafeCharacter,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyError {}

/// Turns raw JSON text, already checked by serde_json, into a [`PolicyValue`].
struct Reader<'a> {
    /// The whole text; every slice handled is part of it, which is how positions are found.
    text: &'a str,
    /// Whether a person wrote it: its strings may then hold no control character.
    written: bool,
}

impl<'a> Reader<'a> {
    fn value(&self, raw: &'a RawValue, depth: usize) -> Result<PolicyValue, PolicyError> {
        let part = raw.get();
        let nested = matches!(part.as_bytes().first(), Some(b'{' | b'['));
        if nested && depth >= MAX_POLICY_DEPTH {
            return Err(self.invalid(
                self.offset(part),
                format!("the policy nests deeper than {MAX_POLICY_DEPTH} levels"),
            ));
        }
        Ok(match part.as_bytes().first() {
            Some(b'{') => {
                let Members(members) =
                    serde_json::from_str(part).map_err(|e| self.serde_error(part, &e))?;
                let mut seen: HashMap<String, usize> = HashMap::with_capacity(members.len());
                let mut out = Vec::with_capacity(members.len());
                for (key, value) in members {
                    let name = self.string(key.get())?;
                    let at = self.offset(key.get());
                    if let Some(&first) = seen.get(&name) {
                        let (line, col) = self.position(at);
                        return Err(PolicyError {
                            message: format!(
                                "duplicate key `{name}` at line {line} column {}",
                                col + 1
                            ),
                            kind: PolicyErrorKind::DuplicateKey {
                                key: name,
                                first: self.position(first),
                            },
                            line,
                            col,
                        });
                    }
                    seen.insert(name.clone(), at);
                    out.push((name, self.value(value, depth + 1)?));
                }
                PolicyValue::object(out)
            }
            Some(b'[') => {
                let items: Vec<&'a RawValue> =
                    serde_json::from_str(part).map_err(|e| self.serde_error(part, &e))?;
                PolicyValue::Array(
                    items
                        .into_iter()
                        .map(|item| self.value(item, depth + 1))
                        .collect::<Result<_, _>>()?,
                )
            }
            Some(b'"') => PolicyValue::String(self.string(part)?),
            Some(b't') => PolicyValue::Bool(true),
            Some(b'f') => PolicyValue::Bool(false),
            Some(b'n') => PolicyValue::Null,
            _ => PolicyValue::Number(part.to_string()),
        })
    }

    /// A JSON string literal's characters (serde_json refuses a lone surrogate escape).
    fn string(&self, literal: &str) -> Result<String, PolicyError> {
        let text: String =
            serde_json::from_str(literal).map_err(|e| self.serde_error(literal, &e))?;
        if let Some(c) = text
            .chars()
            .find(|c| self.written && crate::render::escape::is_unsafe(*c))
        {
            let mut e = self.invalid(
                self.offset(literal),
                format!(
                    "the string {} holds {}",
                    crate::render::escape::value(&text),
                    unsafe_character(c)
                ),
            );
            e.kind = PolicyErrorKind::UnsafeCharacter;
            return Err(e);
        }
        Ok(text)
    }

    /// Where `part` (a slice of the text) starts in the text, in bytes.
    fn offset(&self, part: &str) -> usize {
        (part.as_ptr() as usize)
            .saturating_sub(self.text.as_ptr() as usize)
            .min(self.text.len())
    }

    /// The 1-based line and 0-based column (in characters) of a byte offset.
    fn position(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }

    fn invalid(&self, offset: usize, what: String) -> PolicyError {
        let (line, col) = self.position(offset);
        PolicyError {
            kind: PolicyErrorKind::Invalid,
            message: format!("{what} at line {line} column {}", col + 1),
            line,
            col,
        }
    }

    /// serde_json's error about `part` (a slice of the text), located in the whole text.
    fn serde_error(&self, part: &str, e: &serde_json::Error) -> PolicyError {
        // serde_json counts lines from 1 and columns from 1, in bytes.
        let mut at = 0;
        for _ in 1..e.line() {
            match part[at..].find('\n') {
                Some(i) => at += i + 1,
                None => break,
            }
        }
        let at = (at + e.column().saturating_sub(1)).min(part.len());
        let text = e.to_string();
        let what = match text.rsplit_once(" at line ") {
            Some((what, _)) => what.to_string(),
            None => text,
        };
        self.invalid(self.offset(part) + at, what)
    }
}

/// `the control character U+001B` or `the bidirectional control U+202E`, for an error.
pub(crate) fn unsafe_character(c: char) -> String {
    let what = if crate::render::escape::is_bidi_control(c) {
        "the Unicode bidirectional control"
    } else {
        "the control character"
    };
    format!("{what} U+{:04X}", u32::from(c))
}

/// The hint for a control or bidirectional character in something a person wrote.
pub(crate) const UNSAFE_CHARACTER_HINT: &str = "remove it: such a character changes what a terminal or a reviewer shows (it can hide text or make it read in another order), so lockward refuses it in the configuration";

/// An object's members in the order written, each key and value still raw.
struct Members<'a>(Vec<(&'a RawValue, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MembersVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for MembersVisitor<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'a>, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<&'a RawValue>()? {
                    out.push((key, map.next_value::<&'a RawValue>()?));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(MembersVisitor(PhantomData))
    }
}

/// A policy written as a YAML mapping in the config. Duplicate keys were already refused when
/// the YAML was read; here every plain scalar keeps its text, so a number is exactly as
/// written, and a YAML number that JSON cannot write (`0x1F`, `+1`, `.inf`) is an error at its
/// place.
pub(crate) fn from_yaml(node: &Node) -> Result<Policy, (Span, String)> {
    yaml_value(node, 0).map(Policy::from_document)
}

fn yaml_value(node: &Node, depth: usize) -> Result<PolicyValue, (Span, String)> {
    let nested = matches!(node.content, Content::Seq(_) | Content::Map(_));
    if nested && depth >= MAX_POLICY_DEPTH {
        return Err((
            node.span,
            format!("the policy nests deeper than {MAX_POLICY_DEPTH} levels"),
        ));
    }
    Ok(match &node.content {
        Content::Scalar { text, plain: false } => PolicyValue::String(text.clone()),
        Content::Scalar { text, plain: true } => match resolve_plain(text) {
            Plain::Null => PolicyValue::Null,
            Plain::Bool(b) => PolicyValue::Bool(b),
            Plain::Str(s) => PolicyValue::String(s.to_string()),
            Plain::Int(_) | Plain::UInt(_) | Plain::HugeInt | Plain::Float(_) => {
                let is_json_number = serde_json::from_str::<&RawValue>(text).is_ok_and(|raw| {
                    raw.get()
                        .starts_with(|c: char| c == '-' || c.is_ascii_digit())
                });
                if !is_json_number {
                    return Err((
                        node.span,
                        format!("`{text}` is a YAML number that JSON cannot write: write it as a JSON number (digits, optionally `.` digits and an exponent), or quote it to make it a string"),
                    ));
                }
                PolicyValue::Number(text.clone())
            }
        },
        Content::Seq(items) => PolicyValue::Array(
            items
                .iter()
                .map(|item| yaml_value(item, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Content::Map(entries) => {
            let mut members = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                // Keys that are not scalars were already refused with the YAML.
                let Some(name) = key.as_str() else { continue };
                members.push((name.to_string(), yaml_value(value, depth + 1)?));
            }
            PolicyValue::object(members)
        }
    })
}

/// Where in the config file position (`line`, `col`) of an inline policy's JSON `text` is,
/// when that can be told for sure: the text is a literal block (`policy: |`) or a one-line
/// scalar whose characters are the JSON's own. `None` otherwise (a folded or escaped scalar).
pub(crate) fn inline_position(
    node: &Node,
    source: &Source<'_>,
    text: &str,
    line: u32,
    col: u32,
) -> Option<Span> {
    let json_line = text.split('\n').nth(line.checked_sub(1)? as usize)?;
    let json_line = json_line.strip_suffix('\r').unwrap_or(json_line);
    let yaml_line = node.span.line.checked_add(line - 1)?;
    let written = source.line(yaml_line);
    // A block's content starts at the node's column; a quoted scalar's one character later.
    let starts: &[u32] = if line == 1 {
        &[node.span.col, node.span.col + 1]
    } else {
        &[node.span.col]
    };
    starts.iter().find_map(|&start| {
        let rest: String = written.chars().skip(start as usize).collect();
        rest.starts_with(json_line)
            .then(|| Span::at(yaml_line, start.saturating_add(col)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Policy {
        Policy::parse(text).unwrap()
    }

    #[test]
    fn policies_compare_canonically() {
        let a = parse(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny"}]}"#);
        let b = parse(
            "{\n  \"Statement\": [ {\"Effect\": \"Deny\"} ],\n  \"Version\": \"2012-10-17\"\n}",
        );
        assert_eq!(a.canonical(), b.canonical());
        assert_eq!(a, b);
        assert_eq!(a.digest(), b.digest());
        assert_eq!(
            a.pretty(),
            "{\n  \"Statement\": [\n    {\n      \"Effect\": \"Deny\"\n    }\n  ],\n  \"Version\": \"2012-10-17\"\n}"
        );
    }

    #[test]
    fn numbers_keep_the_text_they_were_written_with() {
        let p = parse(r#"{"b": 1e2, "a": 12345678901234567890123, "c": [1.0, -0, 1E+2, 0.10]}"#);
        assert_eq!(
            p.canonical(),
            r#"{"a":12345678901234567890123,"b":1e2,"c":[1.0,-0,1E+2,0.10]}"#
        );
        let pretty = p.pretty();
        for exact in [
            "12345678901234567890123",
            "1e2",
            "1.0",
            "-0",
            "1E+2",
            "0.10",
        ] {
            assert!(pretty.contains(exact), "{exact} in {pretty}");
        }
        // The same value written another way is another policy: nothing is converted.
        assert_ne!(
            p,
            parse(r#"{"a": 12345678901234567890123, "b": 100, "c": [1.0, -0, 1E+2, 0.10]}"#)
        );
    }

    #[test]
    fn the_canonical_form_of_ordinary_policies_is_what_serde_json_made_of_them() {
        // Digests recorded by earlier versions stay valid for every policy without unusual
        // number text.
        let text = r#"{"Version":"2012-10-17","Statement":[{"Sid":"deny \"all\"\n é","Effect":"Deny","Principal":"*","Action":["iam:DeleteRole"],"Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":365}},"Resource":null,"X":[true,false,{}, []]}]}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(parse(text).canonical(), digest::canonical_json(&value));
        assert_eq!(parse(text).pretty(), digest::pretty_canonical_json(&value));
    }

    #[test]
    fn strings_keep_their_characters_and_escapes_are_written_one_way() {
        assert_eq!(parse(r#"{"a":"\u0041\/"}"#), parse(r#"{"a":"A/"}"#));
        assert_eq!(parse(r#"{"a":"\u0041\/"}"#).canonical(), r#"{"a":"A/"}"#);
        let err = Policy::parse(r#"{"a":"\ud800"}"#).unwrap_err();
        assert_eq!(
            (err.kind.clone(), err.line, err.col),
            (PolicyErrorKind::Invalid, 1, 12)
        );
    }

    #[test]
    fn a_duplicate_key_at_any_depth_is_an_error_naming_where() {
        let err = Policy::parse(
            "{\"Statement\": [{\n  \"Effect\": \"Deny\",\n  \"Effect\": \"Allow\"\n}]}",
        )
        .unwrap_err();
        assert_eq!(
            err.kind,
            PolicyErrorKind::DuplicateKey {
                key: "Effect".into(),
                first: (2, 2)
            }
        );
        assert_eq!((err.line, err.col), (3, 2));
        assert_eq!(err.message, "duplicate key `Effect` at line 3 column 3");
        // Keys are compared as the strings they denote.
        let err = Policy::parse(r#"{"Effect":1,"\u0045ffect":2}"#).unwrap_err();
        assert!(
            matches!(err.kind, PolicyErrorKind::DuplicateKey { .. }),
            "{err}"
        );
        assert_eq!(err.col, 12);
    }

    #[test]
    fn trailing_data_is_an_error_naming_where() {
        let err = Policy::parse("{\"Statement\": {}}\n{}").unwrap_err();
        assert_eq!(
            (err.kind.clone(), err.line, err.col),
            (PolicyErrorKind::Invalid, 2, 0)
        );
        assert!(err.message.starts_with("trailing characters"), "{err}");
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        assert_eq!(
            parse("\u{feff}{\"Statement\": {}}").canonical(),
            r#"{"Statement":{}}"#
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!(
            "{}{}",
            "[".repeat(MAX_POLICY_DEPTH + 1),
            "]".repeat(MAX_POLICY_DEPTH + 1)
        );
        let err = Policy::parse(&deep).unwrap_err();
        assert!(err.message.contains("deeper than"), "{err}");
        let ok = format!(
            "{}{}",
            "[".repeat(MAX_POLICY_DEPTH),
            "]".repeat(MAX_POLICY_DEPTH)
        );
        assert!(Policy::parse(&ok).is_ok());
    }

    #[test]
    fn a_policy_serializes_as_its_canonical_text_and_reads_back_the_same() {
        let p = parse(r#"{"b": 1e2, "a": 12345678901234567890123}"#);
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json, Value::String(p.canonical().to_string()));
        let back: Policy = serde_json::from_value(json).unwrap();
        assert_eq!(back.canonical(), p.canonical());
        // Text that is not JSON (a live policy AWS holds) round-trips as a string.
        let odd = Policy::from_value(Value::String("{not json".into()));
        let back: Policy = serde_json::from_value(serde_json::to_value(&odd).unwrap()).unwrap();
        assert_eq!(back, odd);
    }
}
