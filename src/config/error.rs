//! Configuration errors, rendered the way rustc renders its own:
//!
//! ```text
//! error: glacier_vault_lock.audit: unknown key `vualt`
//!  --> lockward.yaml:5:5
//!   |
//! 5 |     vualt: audit-logs
//!   |     ^^^^^
//!   |
//!   = hint: did you mean `vault`?
//! ```

use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use super::yaml::{Shape, Span};

/// Everything wrong with a config file. Holds every problem found, not only the first;
/// `Display` renders them all, plain text, each starting with `error:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    diagnostics: Vec<Diagnostic>,
}

impl ConfigError {
    pub(crate) fn new(mut diagnostics: Vec<Diagnostic>) -> ConfigError {
        diagnostics.sort_by_key(|d| d.order);
        ConfigError { diagnostics }
    }

    pub(crate) fn one(diagnostic: Diagnostic) -> ConfigError {
        ConfigError {
            diagnostics: vec![diagnostic],
        }
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        if self.diagnostics.len() > 1 {
            write!(
                f,
                "\nerror: aborting due to {} errors\n",
                self.diagnostics.len()
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// What reading the file (into its tree, then into the raw types) found wrong, before it is
/// shown: what, where when known, and under which key. The loader turns each into a
/// [`Diagnostic`], which can then name the resource and show the line.
#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    pub kind: IssueKind,
    pub span: Option<Span>,
    /// The key whose value has the problem (or the key itself, for a key's problem).
    pub key: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum IssueKind {
    /// The document cannot be read on: a YAML syntax error, a second document, a tag, too
    /// deep a nesting, an alias that recurses or expands too far.
    Unreadable {
        message: String,
        hint: Option<String>,
    },
    /// `key` written twice in one mapping (the one under `parent_key`); the first, at
    /// `first`, is kept.
    DuplicateKey {
        first: Span,
        parent_key: Option<String>,
    },
    /// A key that is a list, a mapping or null.
    BadKey {
        found: String,
    },
    UnknownField {
        field: String,
        expected: &'static [&'static str],
    },
    MissingField {
        field: &'static str,
    },
    WrongType {
        found: String,
        expected: String,
    },
    UnknownVariant {
        variant: String,
        expected: &'static [&'static str],
    },
    Invalid(String),
}

impl Issue {
    /// A problem that stops the reading at `span`.
    pub(crate) fn unreadable(
        span: Span,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Issue {
        Issue {
            kind: IssueKind::Unreadable {
                message: message.into(),
                hint,
            },
            span: Some(span),
            key: None,
        }
    }

    /// The message of a problem that stopped the reading (empty for the others).
    #[cfg(test)]
    pub(crate) fn message(&self) -> &str {
        match &self.kind {
            IssueKind::Unreadable { message, .. } => message,
            _ => "",
        }
    }
}

/// One problem: what is wrong, where (with the source line), for which resource, and what to
/// do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The address (`glacier_vault_lock.audit`) or section (`providers.eu`) concerned.
    pub subject: Option<String>,
    pub message: String,
    /// Where the problem is. `None` only for problems with the file as a whole (missing,
    /// unreadable, too large).
    pub location: Option<Box<Snippet>>,
    /// Related places, e.g. where a duplicate was first declared.
    pub related: Vec<Snippet>,
    pub hint: Option<String>,
    /// Sort key: the line and column in the config file this diagnostic belongs to.
    order: (u32, u32),
}

impl Diagnostic {
    pub(crate) fn new(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            subject: None,
            message: message.into(),
            location: None,
            related: Vec::new(),
            hint: None,
            order: (0, 0),
        }
    }

    pub(crate) fn subject(mut self, subject: impl Into<String>) -> Diagnostic {
        self.subject = Some(subject.into());
        self
    }

    pub(crate) fn maybe_subject(mut self, subject: Option<&str>) -> Diagnostic {
        self.subject = subject.map(str::to_string);
        self
    }

    /// The primary location, in the config file; also where the diagnostic sorts.
    pub(crate) fn at(mut self, source: &Source, span: Span) -> Diagnostic {
        self.order = (span.line, span.col);
        self.location = Some(Box::new(source.snippet(span, None)));
        self
    }

    /// A primary location in another file (a policy file); `order` still sorts it by the
    /// config location that referenced it.
    pub(crate) fn at_elsewhere(mut self, snippet: Snippet, order: Span) -> Diagnostic {
        self.order = (order.line, order.col);
        self.location = Some(Box::new(snippet));
        self
    }

    pub(crate) fn related(mut self, snippet: Snippet) -> Diagnostic {
        self.related.push(snippet);
        self
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) fn maybe_hint(mut self, hint: Option<String>) -> Diagnostic {
        self.hint = hint;
        self
    }
}

/// A place in a file with its source line, ready to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    pub file: PathBuf,
    /// 1-based.
    pub line: u32,
    /// 1-based, in characters.
    pub column: u32,
    /// The source line (shortened around the column when very long), without its newline.
    pub text: String,
    /// Where the underline starts in `text`, in characters, and how long it is.
    pub underline: (usize, usize),
    /// Text after the underline, e.g. "first declared here".
    pub label: Option<String>,
    /// Whether this is the primary location (`^^^`) or a related one (`---`).
    primary: bool,
}

impl Snippet {
    pub(crate) fn secondary(mut self) -> Snippet {
        self.primary = false;
        self
    }
}

impl fmt::Display for Diagnostic {
    /// The diagnostic with the source lines it quotes. A control or bidirectional character
    /// in the file (what the diagnostic may be about) is shown as a visible escape, never as
    /// it is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::render::escape::text(&Quoted(self).to_string()))
    }
}

/// A diagnostic as written before its unsafe characters are made visible.
struct Quoted<'a>(&'a Diagnostic);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let this = self.0;
        match &this.subject {
            Some(subject) => writeln!(f, "error: {subject}: {}", this.message)?,
            None => writeln!(f, "error: {}", this.message)?,
        }
        let width = this
            .location
            .as_deref()
            .into_iter()
            .chain(&this.related)
            .map(|s| s.line.to_string().len())
            .max()
            .unwrap_or(1);
        let pad = " ".repeat(width);
        for (i, snippet) in this
            .location
            .as_deref()
            .into_iter()
            .chain(&this.related)
            .enumerate()
        {
            let arrow = if i == 0 && this.location.is_some() {
                "-->"
            } else {
                ":::"
            };
            writeln!(
                f,
                "{pad}{arrow} {}:{}:{}",
                snippet.file.display(),
                snippet.line,
                snippet.column
            )?;
            writeln!(f, "{pad} |")?;
            // The line escaped as it will be shown, so the underline stays under its place.
            let (start, len) = snippet.underline;
            let escaped = |text: &str| crate::render::escape::text(text).into_owned();
            writeln!(f, "{:>width$} | {}", snippet.line, escaped(&snippet.text))?;
            let before: String = snippet.text.chars().take(start).collect();
            let lead: String = escaped(&before)
                .chars()
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let mark = if snippet.primary { "^" } else { "-" }.repeat(len.max(1));
            let mut line = format!("{pad} | {lead}{mark}");
            if let Some(label) = &snippet.label {
                let _ = write!(line, " {label}");
            }
            writeln!(f, "{line}")?;
        }
        if let Some(hint) = &this.hint {
            if this.location.is_some() {
                writeln!(f, "{pad} |")?;
                writeln!(f, "{pad} = hint: {hint}")?;
            } else {
                writeln!(f, "  = hint: {hint}")?;
            }
        }
        Ok(())
    }
}

/// A file's text with an index of where its lines start, to cut snippets from.
pub(crate) struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    line_starts: Vec<usize>,
}

/// Lines longer than this are shown shortened around the column.
const MAX_SNIPPET_CHARS: usize = 120;

impl<'a> Source<'a> {
    pub fn new(path: &'a Path, text: &'a str) -> Source<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Source {
            path,
            text,
            line_starts,
        }
    }

    /// The text of a 1-based line, without its line break.
    pub fn line(&self, line: u32) -> &'a str {
        let i = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(i) else {
            return "";
        };
        let end = self
            .line_starts
            .get(i + 1)
            .map_or(self.text.len(), |&e| e.saturating_sub(1));
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches('\r')
    }

    pub fn snippet(&self, span: Span, label: Option<&str>) -> Snippet {
        let full = self.line(span.line.max(1));
        let col = span.col as usize;
        let rest: String = full.chars().skip(col).take(MAX_SNIPPET_CHARS).collect();
        let len = match span.shape {
            Shape::Point => 1,
            Shape::Plain(n) => (n as usize).clamp(1, rest.chars().count().max(1)),
            Shape::Quoted => quoted_len(&rest),
        };
        let (text, start) = if full.len() <= MAX_SNIPPET_CHARS {
            (full.to_string(), col)
        } else {
            let from = col.saturating_sub(40);
            let shown: String = full.chars().skip(from).take(MAX_SNIPPET_CHARS).collect();
            let prefix = if from > 0 { "…" } else { "" };
            (
                format!("{prefix}{shown}…"),
                col - from + usize::from(from > 0),
            )
        };
        Snippet {
            file: self.path.to_path_buf(),
            line: span.line.max(1),
            column: span.col.saturating_add(1),
            text,
            underline: (start, len),
            label: label.map(str::to_string),
            primary: true,
        }
    }
}

/// The length of a quoted scalar at the start of `rest`, up to its closing quote (or the end
/// of the line).
fn quoted_len(rest: &str) -> usize {
    let mut chars = rest.chars();
    let Some(quote) = chars.next() else { return 1 };
    let mut n = 1;
    let mut escaped = false;
    let mut iter = chars.peekable();
    while let Some(c) = iter.next() {
        n += 1;
        if quote == '"' {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                return n;
            }
        } else if c == '\'' {
            if iter.peek() == Some(&'\'') {
                iter.next();
                n += 1;
            } else {
                return n;
            }
        }
    }
    n
}

/// The closest of `candidates` to `word`, if close enough to be a likely typo.
pub(crate) fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| {
            let (w, c_low) = (word.to_lowercase(), c.to_lowercase());
            // A word that is a misspelt start of the candidate (`unlcok_delay` for
            // `unlock_delay_days`) counts as close too.
            let prefix: String = c_low.chars().take(w.chars().count()).collect();
            let prefix_distance = if w.chars().count() >= 4 && prefix.len() < c_low.len() {
                edit_distance(&w, &prefix)
            } else {
                usize::MAX
            };
            (edit_distance(&w, &c_low).min(prefix_distance), c)
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, counting a swap of two neighbouring characters as one edit (the
/// optimal string alignment distance). Words far apart in length are not close, whatever
/// their letters, and long ones are not compared at all.
fn edit_distance(a: &str, b: &str) -> usize {
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la.abs_diff(lb) > 3 || la > 100 || lb > 100 {
        return usize::MAX;
    }
    strsim::osa_distance(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_close_words_only() {
        let fields = ["vault", "account_id", "policy", "policy_file", "state"];
        assert_eq!(did_you_mean("vualt", fields), Some("vault"));
        assert_eq!(did_you_mean("polcy_file", fields), Some("policy_file"));
        assert_eq!(did_you_mean("State", fields), Some("state"));
        assert_eq!(did_you_mean("region", fields), None);
        assert_eq!(
            did_you_mean("unlcok_delay", ["rule_id", "unlock_delay_days"]),
            Some("unlock_delay_days")
        );
        assert_eq!(did_you_mean("pol", fields), None);
    }

    #[test]
    fn snippets_underline_the_span() {
        let text = "a: 1\n  key: \"quoted \\\" value\" # c\n";
        let source = Source::new(Path::new("f.yaml"), text);
        let s = source.snippet(
            Span {
                line: 2,
                col: 7,
                shape: Shape::Quoted,
            },
            None,
        );
        assert_eq!((s.line, s.column), (2, 8));
        assert_eq!(s.underline, (7, 17));
        let s = source.snippet(
            Span {
                line: 2,
                col: 2,
                shape: Shape::Plain(3),
            },
            None,
        );
        assert_eq!(s.underline, (2, 3));
    }

    #[test]
    fn a_diagnostic_renders_like_rustc() {
        let text = "glacier_vault_lock:\n  audit:\n    vualt: x\n";
        let source = Source::new(Path::new("lockward.yaml"), text);
        let d = Diagnostic::new("unknown key `vualt`")
            .subject("glacier_vault_lock.audit")
            .at(
                &source,
                Span {
                    line: 3,
                    col: 4,
                    shape: Shape::Plain(5),
                },
            )
            .hint("did you mean `vault`?");
        assert_eq!(
            d.to_string(),
            "error: glacier_vault_lock.audit: unknown key `vualt`\n --> lockward.yaml:3:5\n  |\n3 |     vualt: x\n  |     ^^^^^\n  |\n  = hint: did you mean `vault`?\n"
        );
    }

    #[test]
    fn long_lines_are_shortened_around_the_column() {
        let text = format!("{}bad{}", "x".repeat(500), "y".repeat(500));
        let source = Source::new(Path::new("f"), &text);
        let s = source.snippet(
            Span {
                line: 1,
                col: 500,
                shape: Shape::Plain(3),
            },
            None,
        );
        assert!(s.text.chars().count() <= MAX_SNIPPET_CHARS + 2);
        let underlined: String = s.text.chars().skip(s.underline.0).take(3).collect();
        assert_eq!(underlined, "bad");
    }
}
