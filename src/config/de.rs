//! serde over the located YAML tree: the raw types are typed by their `Deserialize` derives,
//! and every type error comes back with the span of the node that caused it.
//!
//! [`from_node`] goes further than serde's usual fail-fast: for a struct it reports every
//! unknown key and every field of the wrong type (it reads the struct again without each
//! failing field until it succeeds), so one run shows all of a resource's mistakes.

use std::collections::HashSet;
use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Unexpected,
    Visitor,
};

pub use super::error::{Issue, IssueKind};
use super::yaml::{resolve_plain, Content, Node, Plain, Span};

/// The error type of [`NodeDeserializer`]: the issues found, and for a failure inside one entry
/// of the outermost struct, which entry.
#[derive(Debug)]
pub struct DeError {
    issues: Vec<Issue>,
    entry: Option<usize>,
}

impl DeError {
    fn one(kind: IssueKind) -> DeError {
        DeError {
            issues: vec![Issue {
                kind,
                span: None,
                key: None,
            }],
            entry: None,
        }
    }

    /// Gives a location to the issues that have none yet.
    fn at(mut self, span: Span) -> DeError {
        for issue in &mut self.issues {
            issue.span.get_or_insert(span);
        }
        self
    }

    /// Names the key whose value has the issues that name none yet.
    fn in_key(mut self, key: Option<&str>) -> DeError {
        for issue in &mut self.issues {
            if issue.key.is_none() {
                issue.key = key.map(str::to_string);
            }
        }
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.issues)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::one(IssueKind::Invalid(msg.to_string()))
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError::one(IssueKind::WrongType {
            found: describe_unexpected(&unexp),
            expected: describe_expected(&exp.to_string()),
        })
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError::one(IssueKind::Invalid(format!(
            "invalid value: {}, expected {}",
            describe_unexpected(&unexp),
            describe_expected(&exp.to_string())
        )))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        DeError::one(IssueKind::UnknownField {
            field: field.to_string(),
            expected,
        })
    }

    fn missing_field(field: &'static str) -> Self {
        DeError::one(IssueKind::MissingField { field })
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        DeError::one(IssueKind::UnknownVariant {
            variant: variant.to_string(),
            expected,
        })
    }
}

fn describe_unexpected(unexp: &Unexpected<'_>) -> String {
    match unexp {
        Unexpected::Unit => "nothing (null)".to_string(),
        Unexpected::Str(s) => format!("the string {s:?}"),
        Unexpected::Seq => "a list".to_string(),
        Unexpected::Map => "a mapping".to_string(),
        Unexpected::Signed(n) => format!("the number {n}"),
        Unexpected::Unsigned(n) => format!("the number {n}"),
        Unexpected::Float(n) => format!("the number {n}"),
        Unexpected::Bool(b) => format!("`{b}`"),
        other => other.to_string(),
    }
}

fn describe_expected(exp: &str) -> String {
    match exp {
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" => "an integer".to_string(),
        "a map" => "a mapping".to_string(),
        "a sequence" => "a list".to_string(),
        s if s.starts_with("struct ") => "a mapping".to_string(),
        s => s.to_string(),
    }
}

/// Types `node` as `T`, collecting every issue in it (see the module documentation).
/// `key` is the span of the key the node is the value of: a missing field is reported there.
pub fn from_node<T: DeserializeOwned>(node: &Node, key: Option<Span>) -> Result<T, Vec<Issue>> {
    match from_node_partial(node, key) {
        (Some(value), issues) if issues.is_empty() => Ok(value),
        (_, issues) => Err(issues),
    }
}

/// [`from_node`], also giving the value typed from what remains when only unknown keys and
/// wrongly typed optional keys were left out: so the checks of the keys that did type still
/// run, and a file's every error is reported at once. `None` when a required key is missing or
/// wrong. The value is never used when there are issues.
pub fn from_node_partial<T: DeserializeOwned>(
    node: &Node,
    key: Option<Span>,
) -> (Option<T>, Vec<Issue>) {
    let mut issues = Vec::new();
    let mut skip = HashSet::new();
    if let (Some(fields), Content::Map(entries)) = (struct_fields::<T>(), &node.content) {
        for (i, (k, _)) in entries.iter().enumerate() {
            if let Some(name) = k.as_str() {
                if !fields.contains(&name) {
                    issues.push(Issue {
                        kind: IssueKind::UnknownField {
                            field: name.to_string(),
                            expected: fields,
                        },
                        span: Some(k.span),
                        key: None,
                    });
                    skip.insert(i);
                }
            }
        }
    }
    let failed_keys = |skip: &HashSet<usize>| -> Vec<String> {
        match &node.content {
            Content::Map(entries) => skip
                .iter()
                .filter_map(|&i| {
                    entries
                        .get(i)
                        .and_then(|(k, _)| k.as_str())
                        .map(str::to_string)
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    loop {
        let de = NodeDeserializer {
            node,
            key,
            skip: Some(&skip),
        };
        match T::deserialize(de) {
            Ok(value) => return (Some(value), issues),
            Err(err) => match err.entry {
                Some(i) if !skip.contains(&i) => {
                    issues.extend(err.issues);
                    skip.insert(i);
                }
                _ => {
                    let failed = failed_keys(&skip);
                    issues.extend(err.issues.into_iter().filter(|issue| match &issue.kind {
                        // A field left out because its value was wrong is not also missing.
                        IssueKind::MissingField { field } => !failed.iter().any(|k| k == field),
                        _ => true,
                    }));
                    return (None, issues);
                }
            },
        }
    }
}

/// The field names of `T` if `T` deserializes as a struct (serde passes them to the
/// deserializer). Used to list unknown keys before typing, and for "did you mean" hints.
pub fn struct_fields<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    struct Probe;
    #[derive(Debug)]
    struct Found(Option<&'static [&'static str]>);
    impl fmt::Display for Found {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("probe")
        }
    }
    impl std::error::Error for Found {}
    impl de::Error for Found {
        fn custom<M: fmt::Display>(_: M) -> Self {
            Found(None)
        }
    }
    impl<'de> de::Deserializer<'de> for Probe {
        type Error = Found;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
            Err(Found(None))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Found> {
            Err(Found(Some(fields)))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    match T::deserialize(Probe) {
        Err(Found(fields)) => fields,
        Ok(_) => None,
    }
}

/// A serde deserializer reading one node of the tree.
pub struct NodeDeserializer<'a> {
    node: &'a Node,
    /// The span of the key this node is the value of.
    key: Option<Span>,
    /// For the outermost struct only: entries to leave out, and failures are tagged with
    /// their entry so [`from_node`] can leave them out on the next attempt.
    skip: Option<&'a HashSet<usize>>,
}

impl<'a> NodeDeserializer<'a> {
    pub fn new(node: &'a Node) -> Self {
        NodeDeserializer {
            node,
            key: None,
            skip: None,
        }
    }

    fn wrong_type(&self, expected: &str) -> DeError {
        DeError::one(IssueKind::WrongType {
            found: self.node.describe(),
            expected: expected.to_string(),
        })
        .at(self.node.span)
    }
}

impl<'de> de::Deserializer<'de> for NodeDeserializer<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let span = self.node.span;
        let result = match &self.node.content {
            Content::Scalar { text, plain: false } => visitor.visit_str(text),
            Content::Scalar { text, plain: true } => match resolve_plain(text) {
                Plain::Null => visitor.visit_unit(),
                Plain::Bool(b) => visitor.visit_bool(b),
                Plain::Int(n) => visitor.visit_i64(n),
                Plain::UInt(n) => visitor.visit_u64(n),
                Plain::Float(f) if f.is_finite() => visitor.visit_f64(f),
                Plain::Float(_) => Err(DeError::one(IssueKind::Invalid(
                    "infinite and NaN numbers are not supported here".to_string(),
                ))),
                Plain::HugeInt => Err(DeError::one(IssueKind::Invalid(format!(
                    "the number {text} is too large"
                )))),
                Plain::Str(s) => visitor.visit_str(s),
            },
            Content::Seq(items) => visitor.visit_seq(Items {
                items: items.iter(),
            }),
            Content::Map(entries) => visitor.visit_map(Entries {
                entries,
                pos: 0,
                skip: None,
                value: None,
            }),
        };
        result.map_err(|e| e.at(span))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            visitor.visit_none()
        } else {
            let span = self.node.span;
            visitor.visit_some(self).map_err(|e| e.at(span))
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        // Any scalar that is not null reads as the text it was written as: `account_id:
        // 012345678901` keeps its leading zero.
        match self.node.as_str() {
            Some(text) => visitor
                .visit_str(text)
                .map_err(|e: DeError| e.at(self.node.span)),
            None => Err(self.wrong_type("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.node.as_str() {
            Some(text) => visitor
                .visit_enum(text.into_deserializer())
                .map_err(|e: DeError| e.at(self.node.span)),
            None => {
                let words: Vec<String> = variants.iter().map(|v| format!("`{v}`")).collect();
                Err(self.wrong_type(&format!("one of {}", words.join(", "))))
            }
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let Content::Map(entries) = &self.node.content else {
            return Err(self.wrong_type("a mapping"));
        };
        let key = self.key.unwrap_or(self.node.span);
        visitor
            .visit_map(Entries {
                entries,
                pos: 0,
                skip: self.skip,
                value: None,
            })
            .map_err(|e| e.at(key))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let Content::Map(entries) = &self.node.content else {
            return Err(self.wrong_type("a mapping"));
        };
        visitor
            .visit_map(Entries {
                entries,
                pos: 0,
                skip: None,
                value: None,
            })
            .map_err(|e| e.at(self.node.span))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let Content::Seq(items) = &self.node.content else {
            return Err(self.wrong_type("a list"));
        };
        visitor
            .visit_seq(Items {
                items: items.iter(),
            })
            .map_err(|e| e.at(self.node.span))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let span = self.node.span;
        visitor.visit_newtype_struct(self).map_err(|e| e.at(span))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit unit_struct tuple tuple_struct
    }
}

struct Items<'a> {
    items: std::slice::Iter<'a, Node>,
}

impl<'de> SeqAccess<'de> for Items<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some(node) => seed.deserialize(NodeDeserializer::new(node)).map(Some),
            None => Ok(None),
        }
    }
}

struct Entries<'a> {
    entries: &'a [(Node, Node)],
    pos: usize,
    skip: Option<&'a HashSet<usize>>,
    value: Option<(usize, &'a Node, &'a Node)>,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        while let Some((k, v)) = self.entries.get(self.pos) {
            let i = self.pos;
            self.pos += 1;
            if self.skip.is_some_and(|s| s.contains(&i)) {
                continue;
            }
            self.value = Some((i, v, k));
            return seed.deserialize(NodeDeserializer::new(k)).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        // serde calls next_key_seed before next_value_seed; the protocol is not in its types.
        let Some((i, node, key)) = self.value.take() else {
            return Err(DeError::one(IssueKind::Invalid(
                "a value was asked for before its key (a bug in lockward)".to_string(),
            )));
        };
        seed.deserialize(NodeDeserializer {
            node,
            key: Some(key.span),
            skip: None,
        })
        .map_err(|e| {
            let mut e = e.in_key(key.as_str());
            if self.skip.is_some() {
                e.entry = Some(i);
            }
            e
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::yaml::parse;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Thing {
        name: String,
        count: i64,
        mode: Option<Mode>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Mode {
        Fast,
        Slow,
    }

    fn thing(text: &str) -> Result<Thing, Vec<Issue>> {
        let root = parse(text).unwrap().root.unwrap();
        from_node::<Thing>(&root, None)
    }

    #[test]
    fn plain_scalars_type_as_written() {
        assert_eq!(
            thing("name: 0123\ncount: 7\nmode: slow\n").unwrap(),
            Thing {
                name: "0123".into(),
                count: 7,
                mode: Some(Mode::Slow)
            }
        );
        assert_eq!(thing("name: x\ncount: 7\nmode: ~\n").unwrap().mode, None);
    }

    #[test]
    fn every_issue_of_a_struct_is_reported_with_its_span() {
        let issues = thing("nmae: x\ncount: \"7\"\nmode: quick\nextra: 1\n").unwrap_err();
        let kinds: Vec<_> = issues
            .iter()
            .map(|i| (&i.kind, i.span.map(|s| (s.line, s.col))))
            .collect();
        assert!(
            matches!(kinds[0], (IssueKind::UnknownField { field, .. }, Some((1, 0))) if field == "nmae"),
            "{kinds:?}"
        );
        assert!(
            matches!(kinds[1], (IssueKind::UnknownField { field, .. }, Some((4, 0))) if field == "extra"),
            "{kinds:?}"
        );
        assert!(
            matches!(kinds[2], (IssueKind::WrongType { expected, .. }, Some((2, 7))) if expected == "an integer"),
            "{kinds:?}"
        );
        assert!(
            matches!(kinds[3], (IssueKind::UnknownVariant { variant, .. }, Some((3, 6))) if variant == "quick"),
            "{kinds:?}"
        );
        assert!(
            matches!(
                kinds[4],
                (IssueKind::MissingField { field: "name" }, Some((1, 0)))
            ),
            "{kinds:?}"
        );
        assert_eq!(kinds.len(), 5);
    }

    #[test]
    fn struct_fields_are_found_by_probing() {
        assert_eq!(
            struct_fields::<Thing>(),
            Some(&["name", "count", "mode"][..])
        );
        assert_eq!(struct_fields::<String>(), None);
    }

    #[test]
    fn json_values_come_from_any_yaml() {
        let root = parse("a: [1, -2, 1.5, true, ~, x, \"3\"]\n")
            .unwrap()
            .root
            .unwrap();
        let value = serde_json::Value::deserialize(NodeDeserializer::new(&root)).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"a": [1, -2, 1.5, true, null, "x", "3"]})
        );
    }
}
