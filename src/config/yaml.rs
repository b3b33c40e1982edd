//! A YAML document as a tree in which every node knows where it was written.
//!
//! serde_yaml reports locations only for its own errors; lockward also needs them for the
//! semantic checks that run after parsing (a bad vault name, a duplicate target). So the
//! document is read once, from yaml-rust2's event parser, into this tree, and everything after
//! that (typing through serde, validation) works on the tree and keeps its spans. Building the
//! tree is linear in the size of the input.
//!
//! The builder refuses, with a located error, what lockward has no use for and what could make
//! it misbehave: more than one document, nesting deeper than [`MAX_DEPTH`], aliases that would
//! expand the document past [`MAX_ALIAS_EXPANSION`] nodes (the "billion laughs"), recursive
//! aliases and tags other than YAML's core ones.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser, Tag};

use super::error::{Issue, IssueKind};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Mappings and sequences may nest at most this deep. lockward's own format needs 4 levels;
/// the rest is room for inline policies written as YAML.
pub const MAX_DEPTH: usize = 64;

/// Aliases may add at most this many nodes to a document, beyond the number of nodes actually
/// written in it.
pub const MAX_ALIAS_EXPANSION: u64 = 100_000;

/// Where a node starts, and enough about its shape to underline it later.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    /// 1-based line.
    pub line: u32,
    /// 0-based column, in characters.
    pub col: u32,
    pub shape: Shape,
}

impl Span {
    pub fn at(line: u32, col: u32) -> Span {
        Span {
            line,
            col,
            shape: Shape::Point,
        }
    }

    fn from_marker(mark: &Marker, shape: Shape) -> Span {
        Span {
            line: u32::try_from(mark.line()).unwrap_or(u32::MAX),
            col: u32::try_from(mark.col()).unwrap_or(u32::MAX),
            shape,
        }
    }
}

/// How far the underline of a span reaches, decided when the snippet is rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Shape {
    /// One character.
    #[default]
    Point,
    /// A plain scalar of this many characters (to the end of the line at most).
    Plain(u32),
    /// A quoted scalar: up to the closing quote on the same line.
    Quoted,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    /// `plain` is true for an unquoted scalar without a `!!str` tag: only those resolve to
    /// null, booleans and numbers.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub content: Content,
    pub span: Span,
}

/// A plain scalar resolved by YAML 1.2's core schema.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Plain<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    /// Looks like an integer, but does not fit in 64 bits.
    HugeInt,
    Str(&'a str),
}

impl Node {
    /// The scalar's text, if this is a scalar that is not null.
    pub fn as_str(&self) -> Option<&str> {
        match &self.content {
            Content::Scalar { text, plain } if !(*plain && is_null(text)) => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.content, Content::Scalar { text, plain: true } if is_null(text))
    }

    pub fn entries(&self) -> Option<&[(Node, Node)]> {
        match &self.content {
            Content::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The entry whose key is `key`, if this is a mapping that has one.
    pub fn get(&self, key: &str) -> Option<&(Node, Node)> {
        self.entries()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
    }

    /// A short description of what the node is, for "expected …, found …" messages.
    pub fn describe(&self) -> String {
        match &self.content {
            Content::Seq(_) => "a list".to_string(),
            Content::Map(_) => "a mapping".to_string(),
            Content::Scalar { text, plain: false } => format!("the string {text:?}"),
            Content::Scalar { text, plain: true } => match resolve_plain(text) {
                Plain::Null => "nothing (null)".to_string(),
                Plain::Str(s) => format!("the string {s:?}"),
                _ => format!("`{text}`"),
            },
        }
    }
}

pub fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// Resolves a plain scalar as YAML 1.2's core schema does.
pub fn resolve_plain(text: &str) -> Plain<'_> {
    if is_null(text) {
        return Plain::Null;
    }
    match text {
        "true" | "True" | "TRUE" => return Plain::Bool(true),
        "false" | "False" | "FALSE" => return Plain::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Plain::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Plain::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Plain::Float(f64::NAN),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = text.parse::<i64>() {
            return Plain::Int(n);
        }
        if let Ok(n) = text.trim_start_matches('+').parse::<u64>() {
            return Plain::UInt(n);
        }
        return Plain::HugeInt;
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return i64::from_str_radix(hex, 16).map_or(Plain::HugeInt, Plain::Int);
        }
    }
    if let Some(oct) = text.strip_prefix("0o") {
        if !oct.is_empty() && oct.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return i64::from_str_radix(oct, 8).map_or(Plain::HugeInt, Plain::Int);
        }
    }
    if looks_like_float(digits) {
        if let Ok(f) = text.parse::<f64>() {
            return Plain::Float(f);
        }
    }
    Plain::Str(text)
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, sign already stripped.
fn looks_like_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (!int.is_empty() || !frac.is_empty())
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
                && !(int.is_empty() && frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

/// The document's root node (`None` for a file without a document: empty or only comments)
/// and the problems found on the way.
#[derive(Debug)]
pub struct Tree {
    pub root: Option<Node>,
    pub issues: Vec<Issue>,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        span: Span,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        seen: HashMap<String, Span>,
        span: Span,
        anchor: usize,
    },
}

/// Reads `text` into a tree. Never panics; refuses what the module documentation lists.
pub fn parse(text: &str) -> Result<Tree, Issue> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::default();
    let mut documents = 0usize;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            Issue::unreadable(
                Span::from_marker(e.marker(), Shape::Point),
                format!("YAML syntax error: {}", e.info()),
                syntax_hint(e.info()),
            )
        })?;
        match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err(Issue::unreadable(Span::from_marker(&mark, Shape::Point), "the file holds more than one YAML document".to_string(), Some("a lockward config is a single document: remove the second `---` and what follows it, or merge the two".to_string())));
                }
            }
            Event::Alias(id) => builder.alias(id, &mark)?,
            Event::Scalar(text, style, anchor, tag) => {
                let plain = style == TScalarStyle::Plain;
                let shape = match style {
                    TScalarStyle::Plain if !text.contains('\n') => {
                        Shape::Plain(u32::try_from(text.chars().count()).unwrap_or(u32::MAX))
                    }
                    TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => Shape::Quoted,
                    _ => Shape::Point,
                };
                let span = Span::from_marker(&mark, shape);
                let plain = plain && !check_tag(tag.as_ref(), span, TagUse::Scalar)?;
                builder.refuse_unsafe_characters(&text, span);
                builder.node(
                    Node {
                        content: Content::Scalar { text, plain },
                        span,
                    },
                    anchor,
                )?;
            }
            Event::SequenceStart(anchor, tag) => {
                let span = Span::from_marker(&mark, Shape::Point);
                check_tag(tag.as_ref(), span, TagUse::Seq)?;
                builder.open(Frame::Seq {
                    items: Vec::new(),
                    span,
                    anchor,
                })?;
            }
            Event::MappingStart(anchor, tag) => {
                let span = Span::from_marker(&mark, Shape::Point);
                check_tag(tag.as_ref(), span, TagUse::Map)?;
                builder.open(Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    seen: HashMap::new(),
                    span,
                    anchor,
                })?;
            }
            Event::SequenceEnd | Event::MappingEnd => builder.close()?,
        }
    }
    Ok(Tree {
        root: builder.root,
        issues: builder.issues,
    })
}

fn syntax_hint(info: &str) -> Option<String> {
    if info.contains("tab") {
        Some("YAML indents with spaces only; replace the tabs".to_string())
    } else if info.contains("block sequence entries are not allowed") {
        Some(
            "a bare `-` starts a YAML list; to write a dash as a value, quote it: `\"-\"`"
                .to_string(),
        )
    } else if info.contains("mapping values are not allowed") {
        Some("a value that contains `: ` must be quoted, or a key is indented wrongly".to_string())
    } else {
        None
    }
}

#[derive(Clone, Copy, PartialEq)]
enum TagUse {
    Scalar,
    Seq,
    Map,
}

/// Accepts YAML's core tags where they fit; returns true for `!!str` (the scalar is then
/// never resolved to a number, boolean or null).
fn check_tag(tag: Option<&Tag>, span: Span, use_: TagUse) -> Result<bool, Issue> {
    let Some(tag) = tag else { return Ok(false) };
    let core = tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!";
    let fits = matches!(
        (use_, tag.suffix.as_str()),
        (TagUse::Scalar, "str" | "int" | "float" | "bool" | "null")
            | (TagUse::Seq, "seq")
            | (TagUse::Map, "map")
    );
    if core && fits {
        return Ok(use_ == TagUse::Scalar && tag.suffix == "str");
    }
    let shown = if core {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    };
    Err(Issue::unreadable(span, format!("unsupported YAML tag `{shown}`"), Some("lockward reads plain YAML: remove the tag (only `!!str` and the core tags that match the value are accepted)".to_string())))
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Node>,
    anchors: HashMap<usize, (Node, u64)>,
    /// Nodes written in the document.
    written: u64,
    /// Nodes added by expanding aliases.
    expanded: u64,
    issues: Vec<Issue>,
    /// For each open frame, the number of nodes it holds so far (aliases expanded).
    weights: Vec<u64>,
}

impl Builder {
    fn open(&mut self, frame: Frame) -> Result<(), Issue> {
        if self.stack.len() >= MAX_DEPTH {
            let span = match &frame {
                Frame::Seq { span, .. } | Frame::Map { span, .. } => *span,
            };
            return Err(Issue::unreadable(
                span,
                format!("the document nests lists and mappings deeper than {MAX_DEPTH} levels"),
                Some(
                    "a lockward config needs only a few levels; flatten the structure".to_string(),
                ),
            ));
        }
        self.written += 1;
        self.stack.push(frame);
        self.weights.push(1);
        Ok(())
    }

    fn close(&mut self) -> Result<(), Issue> {
        let (Some(frame), Some(weight)) = (self.stack.pop(), self.weights.pop()) else {
            return Ok(());
        };
        let (node, anchor) = match frame {
            Frame::Seq {
                items,
                span,
                anchor,
            } => {
                let span = match items.first() {
                    Some(n) if (n.span.line, n.span.col) < (span.line, span.col) => Span {
                        shape: Shape::Point,
                        ..n.span
                    },
                    _ => span,
                };
                (
                    Node {
                        content: Content::Seq(items),
                        span,
                    },
                    anchor,
                )
            }
            Frame::Map {
                entries,
                span,
                anchor,
                ..
            } => {
                // The parser marks a block mapping after its first key; its first key is where
                // a reader looks for it.
                let span = entries.first().map_or(span, |(k, _)| Span {
                    shape: Shape::Point,
                    ..k.span
                });
                (
                    Node {
                        content: Content::Map(entries),
                        span,
                    },
                    anchor,
                )
            }
        };
        self.attach(node, anchor, weight);
        Ok(())
    }

    fn node(&mut self, node: Node, anchor: usize) -> Result<(), Issue> {
        self.written += 1;
        self.attach(node, anchor, 1);
        Ok(())
    }

    /// A control character (a newline or a tab too, except in an inline policy's JSON text,
    /// which is read on as JSON) or a Unicode bidirectional control in a key or a value,
    /// however it was written (`"\e"`, `"\u202e"`, a block scalar): a located error. Such a
    /// character changes what a terminal or a reviewer shows of a name, a path or a policy.
    fn refuse_unsafe_characters(&mut self, text: &str, span: Span) {
        let (subject, key) = self.place();
        let policy_text = key.as_deref() == Some("policy");
        let Some(c) = text.chars().find(|&c| {
            crate::render::escape::is_unsafe(c) && !(policy_text && matches!(c, '\n' | '\t' | '\r'))
        }) else {
            return;
        };
        let what = match key.as_deref() {
            Some(key) => format!("`{key}`"),
            None => "this key".to_string(),
        };
        let subject = subject.map(|s| format!("{s}: ")).unwrap_or_default();
        self.issues.push(Issue::unreadable(
            span,
            format!(
                "{subject}{what} holds {}",
                super::policy::unsafe_character(c)
            ),
            Some(super::policy::UNSAFE_CHARACTER_HINT.to_string()),
        ));
    }

    /// Where the next scalar lands: the resource it belongs to (`<kind>.<name>`, or
    /// `providers.<name>`), when it is in one, and the key whose value it is (`None` for a
    /// key, or an item of a list).
    fn place(&self) -> (Option<String>, Option<String>) {
        let key_of = |frame: &Frame| match frame {
            Frame::Map { key: Some(k), .. } => k.as_str().map(str::to_string),
            _ => None,
        };
        let subject = match (
            self.stack.first().and_then(key_of),
            self.stack.get(1).and_then(key_of),
        ) {
            (Some(section), Some(name)) if self.stack.len() > 2 => {
                Some(format!("{section}.{name}"))
            }
            _ => None,
        };
        (subject, self.stack.last().and_then(key_of))
    }

    fn alias(&mut self, id: usize, mark: &Marker) -> Result<(), Issue> {
        let span = Span::from_marker(mark, Shape::Point);
        let Some((target, weight)) = self.anchors.get(&id) else {
            return Err(Issue::unreadable(
                span,
                "this alias refers to the node that contains it".to_string(),
                Some("recursive aliases are not supported".to_string()),
            ));
        };
        let weight = *weight;
        self.expanded = self.expanded.saturating_add(weight);
        if self.expanded > MAX_ALIAS_EXPANSION.saturating_add(self.written) {
            return Err(Issue::unreadable(span, format!(
                    "YAML aliases expand this document past {} nodes, far more than it holds",
                    MAX_ALIAS_EXPANSION.saturating_add(self.written)
                ), Some("refusing a possible alias bomb; write the values out instead of nesting aliases".to_string())));
        }
        let mut node = target.clone();
        node.span = span;
        self.attach(node, 0, weight);
        Ok(())
    }

    fn attach(&mut self, node: Node, anchor: usize, weight: u64) {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), weight));
        }
        if let Some(w) = self.weights.last_mut() {
            *w = w.saturating_add(weight);
        }
        let duplicate = match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                None
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                None
            }
            Some(Frame::Map {
                entries, key, seen, ..
            }) => match key.take() {
                None => {
                    *key = Some(node);
                    None
                }
                Some(k) => match k.as_str() {
                    None => {
                        self.issues.push(Issue {
                            kind: IssueKind::BadKey {
                                found: k.describe(),
                            },
                            span: Some(k.span),
                            key: None,
                        });
                        None
                    }
                    Some(text) => match seen.get(text) {
                        Some(first) => Some((text.to_string(), k.span, *first)),
                        None => {
                            seen.insert(text.to_string(), k.span);
                            entries.push((k, node));
                            None
                        }
                    },
                },
            },
        };
        if let Some((key, span, first)) = duplicate {
            let parent_key = parent_key(&self.stack);
            self.issues.push(Issue {
                kind: IssueKind::DuplicateKey { first, parent_key },
                span: Some(span),
                key: Some(key),
            });
        }
    }
}

/// The key under which the innermost open mapping sits, e.g. `glacier_vault_lock`.
fn parent_key(stack: &[Frame]) -> Option<String> {
    let n = stack.len();
    if n < 2 {
        return None;
    }
    match &stack[n - 2] {
        Frame::Map { key: Some(k), .. } => k.as_str().map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        parse(text).unwrap().root.unwrap()
    }

    #[test]
    fn spans_are_one_based_lines_and_zero_based_columns() {
        let node = root("version: 1\nglacier_vault_lock:\n  audit:\n    vault: \"x\"\n");
        let (k, v) = node.get("glacier_vault_lock").unwrap();
        assert_eq!((k.span.line, k.span.col), (2, 0));
        let (k, _) = v.get("audit").unwrap();
        assert_eq!(
            (k.span.line, k.span.col, k.span.shape),
            (3, 2, Shape::Plain(5))
        );
        let (_, v) = v.get("audit").unwrap().1.get("vault").unwrap();
        assert_eq!(
            (v.span.line, v.span.col, v.span.shape),
            (4, 11, Shape::Quoted)
        );
    }

    #[test]
    fn plain_scalars_resolve_by_the_core_schema() {
        assert_eq!(resolve_plain("~"), Plain::Null);
        assert_eq!(resolve_plain("True"), Plain::Bool(true));
        assert_eq!(resolve_plain("012"), Plain::Int(12));
        assert_eq!(resolve_plain("0x1f"), Plain::Int(31));
        assert_eq!(resolve_plain("1.5e3"), Plain::Float(1500.0));
        assert_eq!(resolve_plain("99999999999999999999999"), Plain::HugeInt);
        assert_eq!(resolve_plain("2h"), Plain::Str("2h"));
        assert_eq!(resolve_plain("1.2.3"), Plain::Str("1.2.3"));
        assert_eq!(resolve_plain("."), Plain::Str("."));
    }

    #[test]
    fn duplicate_keys_keep_the_first_and_are_reported() {
        let tree = parse("a:\n  x: 1\n  x: 2\n").unwrap();
        assert_eq!(
            tree.root
                .unwrap()
                .get("a")
                .unwrap()
                .1
                .entries()
                .unwrap()
                .len(),
            1
        );
        assert!(
            matches!(&tree.issues[..], [Issue { kind: IssueKind::DuplicateKey { parent_key: Some(p), .. }, key: Some(key), .. }] if key == "x" && p == "a")
        );
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        let err = parse(&text).unwrap_err();
        assert!(err.message().contains("aliases expand"), "{err:?}");
    }

    #[test]
    fn small_aliases_are_expanded() {
        let node = root("a: &p {x: 1}\nb: *p\n");
        assert_eq!(
            node.get("b").unwrap().1.get("x").unwrap().1.as_str(),
            Some("1")
        );
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let err = parse(&"[".repeat(100_000)).unwrap_err();
        assert!(
            err.message().contains("deeper than") || err.message().contains("recursion limit"),
            "{err:?}"
        );
        let block: String = (0..100)
            .map(|i| format!("{}a:\n", "  ".repeat(i)))
            .collect();
        let err = parse(&block).unwrap_err();
        assert!(err.message().contains("deeper than 64"), "{err:?}");
    }

    #[test]
    fn collections_are_located_at_their_first_entry() {
        let node = root("x: 1\na:\n  - p\nb: [q]\nc:\n  k: v\n");
        assert_eq!((node.span.line, node.span.col), (1, 0));
        let at = |k: &str| node.get(k).map(|(_, v)| (v.span.line, v.span.col)).unwrap();
        assert_eq!(at("a"), (3, 2));
        assert_eq!(at("b"), (4, 3));
        assert_eq!(at("c"), (6, 2));
    }

    #[test]
    fn empty_and_comment_only_documents_have_no_root() {
        assert!(parse("").unwrap().root.is_none());
        assert!(parse("# nothing\n\n# here\n").unwrap().root.is_none());
    }

    #[test]
    fn second_documents_and_custom_tags_are_refused() {
        assert!(parse("a: 1\n---\nb: 2\n")
            .unwrap_err()
            .message()
            .contains("more than one"));
        assert!(parse("a: !vault x\n")
            .unwrap_err()
            .message()
            .contains("unsupported YAML tag"));
        assert_eq!(
            root("a: !!str 12\n").get("a").unwrap().1.content,
            Content::Scalar {
                text: "12".into(),
                plain: false
            }
        );
    }
}
