//! The words API: what a lock kind describes its values with (a [`Phrase`] of prose and values,
//! a resource's [`ResourceWords`]), and the formats every output shares for a time and a number
//! of days. The renderers lay these out; a kind fills them in (its `words.rs`). Nothing here
//! names a kind.

/// A piece of a phrase: prose, or a value taken verbatim from the plan (a name, a time, a
/// path) that a renderer may set apart, e.g. as inline code in Markdown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Value(String),
}

/// A short phrase made of prose and values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Phrase(pub Vec<Piece>);

impl Phrase {
    pub fn text(mut self, text: impl Into<String>) -> Phrase {
        self.0.push(Piece::Text(text.into()));
        self
    }

    pub fn value(mut self, value: impl Into<String>) -> Phrase {
        self.0.push(Piece::Value(value.into()));
        self
    }

    pub fn of_text(text: impl Into<String>) -> Phrase {
        Phrase::default().text(text)
    }

    /// Plain text, values as they are.
    pub fn plain(&self) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Piece::Text(t) | Piece::Value(t) => t.as_str(),
            })
            .collect()
    }
}

/// A resource in words: what it is, what it is now, and what the configuration wants.
pub struct ResourceWords {
    /// e.g. "vault audit-logs", "rule a1B2c3D4e5F (EBS_SNAPSHOT)", "job JID…".
    pub subject: Phrase,
    pub live: Phrase,
    pub desired: Phrase,
    /// A text a planned action sets, shown in full below the resource (a vault lock policy
    /// that completing the lock makes permanent).
    pub in_full: Option<InFull>,
    /// What the plan's text diff (`ResourcePlan::text_diff`) is a diff of, in lower case
    /// (`policy`); `None` for a kind that never makes one.
    pub diff_of: Option<&'static str>,
}

impl ResourceWords {
    /// What the text diff is of (`policy`), `text` when the kind does not say.
    pub fn diff_of(&self) -> &'static str {
        self.diff_of.unwrap_or("text")
    }
}

/// `s` with its first letter in upper case, for a heading (`Policy`).
pub fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A text shown in full, under a phrase that says what it is.
pub struct InFull {
    /// What the text is, e.g. "the policy that `initiate_lock` sets".
    pub phrase: Phrase,
    /// The language of the text, for a Markdown code block (`json`).
    pub lang: &'static str,
    /// The text, one value.
    pub text: String,
}

/// A number of days, as people read it (`1 day`, `3 days`).
pub fn days(n: u64) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

/// A time as people read it: UTC, whole seconds (`2026-12-04T15:45:00Z`). The JSON formats
/// keep the exact value.
pub fn when(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// How a number of resources of one kind reads: `1 vault`, `3 vaults`, then a note that
/// qualifies the number (` (every Recycle Bin resource type)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counted {
    pub one: &'static str,
    pub many: &'static str,
    /// Said after the number and the noun; empty, or starting with a space.
    pub note: &'static str,
}

impl Counted {
    /// `n` of them in words: `1 vault`, `0 vaults`, then the note.
    pub fn of(&self, n: usize) -> String {
        let noun = if n == 1 { self.one } else { self.many };
        format!("{n} {noun}{}", self.note)
    }
}
