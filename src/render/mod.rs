//! Renderers: a [`Plan`] as text for people (human, Markdown) or for programs (JSON).
//!
//! Renderers decide nothing: every fact they print is a field of the plan, put into words.
//! Every format prints the same digest, `plan.digest`, so a plan reviewed in one format is
//! approved by the digest printed in another. A plan never holds a secret, so neither does
//! anything rendered from it.

pub(crate) mod describe;
pub mod escape;
mod human;
mod json;
mod markdown;
mod report;
mod report_html;
mod report_junit;
mod report_markdown;
mod report_sarif;
mod state;

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::plan::{Plan, Summary};
use crate::state::StateFile;

pub use markdown::{COMMENT_BUDGET, MARKDOWN_MARKER};
pub use report::{
    artifact_uri, render as report, ArtifactUri, ArtifactUris, ReportFormat, REPORT_MARKDOWN_MARKER,
};

/// The plan JSON Schema (draft 2020-12), `schema/plan.schema.json`, as checked in. Every
/// document [`json`] writes validates against it.
pub const PLAN_SCHEMA: &str = include_str!("../../schema/plan.schema.json");

/// An output format of `plan --format` and `show --format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    #[default]
    Human,
    Json,
    Markdown,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Human, Format::Json, Format::Markdown];

    /// The name used on the command line: `human`, `json` or `markdown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Markdown => "markdown",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| format!("unknown format `{s}` (expected one of human, json, markdown)"))
    }
}

/// What a renderer needs besides the plan. Everything here is decided by the caller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colour in human output. The caller decides: on a terminal and without NO_COLOR.
    /// The text reads the same without it. Other formats ignore it.
    pub color: bool,
    /// How to approve this plan with `lockward apply`.
    pub apply: ApplyCommand,
    /// For a plan read back from a file: how its words were made again.
    pub sealed: Option<Sealed>,
    /// Markdown: the whole plan however long (`show`), rather than one that fits one GitHub
    /// comment (`plan`; DESIGN.md section 4). Other formats ignore it.
    pub markdown_in_full: bool,
}

/// How the words of a plan read back from a file were made (DESIGN.md section 5, "What the
/// reviewer reads is sealed"): from its digested values as of one clock reading, never taken
/// from the file. The renderers say so, and when the file says it was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// The clock reading the words were made with (now, or `LOCKWARD_NOW`).
    pub as_of: jiff::Timestamp,
    /// When the file says the plan was made: not covered by the digest.
    pub planned_at: jiff::Timestamp,
    /// Whether every decision still holds as of `as_of`.
    pub holds: bool,
}

/// The `lockward apply` command that approves exactly a rendered plan: the arguments the user
/// gave `plan` that `apply` needs again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApplyCommand {
    /// `-c FILE`, when the user named a config file (`None`: the default `lockward.yaml`).
    pub config: Option<PathBuf>,
    /// `--state FILE`, when the user named a state file.
    pub state: Option<PathBuf>,
    /// The saved plan (`plan --out PLANFILE`), if any.
    pub plan_file: Option<PathBuf>,
}

impl ApplyCommand {
    /// `lockward apply [-c FILE] [--state FILE] [--target P]... [--exclude P]... --approve <first 12 hex
    /// digits> [PLANFILE]`,
    /// with each argument quoted for a POSIX shell when it needs it.
    pub fn approving(&self, plan: &Plan) -> String {
        let mut words = vec!["lockward".to_string(), "apply".to_string()];
        if let Some(config) = &self.config {
            words.push("-c".to_string());
            words.push(shell_quote(&config.to_string_lossy()));
        }
        if let Some(state) = &self.state {
            words.push("--state".to_string());
            words.push(shell_quote(&state.to_string_lossy()));
        }
        if let (None, Some(selection)) = (&self.plan_file, &plan.selection) {
            words.extend(selection_words(&selection.target, &selection.exclude));
        }
        words.push("--approve".to_string());
        words.push(plan.short_digest().to_string());
        if let Some(plan_file) = &self.plan_file {
            words.push(shell_quote(&plan_file.to_string_lossy()));
        }
        words.join(" ")
    }
}

/// `--target P... --exclude P...`, each pattern quoted for a POSIX shell when it needs it.
pub(crate) fn selection_words(target: &[String], exclude: &[String]) -> Vec<String> {
    let mut words = Vec::new();
    for (flag, patterns) in [("--target", target), ("--exclude", exclude)] {
        for p in patterns {
            words.push(flag.to_string());
            words.push(shell_quote(p));
        }
    }
    words
}

/// Quotes `word` for a POSIX shell unless it is made only of characters that need no quoting.
pub(crate) fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '_' | '-' | '.' | '/' | ':' | '=' | '+' | ',' | '@' | '%')
        });
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `Plan: 3 changes (1 irreversible, 1 delayed), 2 unchanged, 1 blocked, 0 conflicts.`
///
/// "changes", "unchanged", "blocked" and "conflicts" count resources by outcome;
/// "irreversible" and "delayed" count the actions ready to run now.
pub fn summary_line(summary: &Summary) -> String {
    format!("Plan: {}.", describe::summary_counts(summary))
}

/// Writes `plan` in `format`.
pub fn render(
    plan: &Plan,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human(plan, options, out),
        Format::Json => json(plan, out),
        Format::Markdown => markdown(plan, options, out),
    }
}

/// Whether the Markdown form of `plan` names every irreversible, delayed and
/// protection-lowering action (a plan too large for one comment may not: its first line then
/// says `INCOMPLETE:`).
pub fn markdown_is_complete(plan: &Plan, options: &RenderOptions) -> io::Result<bool> {
    markdown::is_complete(plan, options)
}

/// [`markdown_is_complete`] of a plan already rendered as Markdown (`document`).
pub fn markdown_document_is_complete(document: &[u8]) -> bool {
    markdown::document_is_complete(document)
}

/// Terraform-like text for a terminal: one block per resource in address order, then the
/// summary line, the digest and the command that approves exactly this plan. ANSI colour only
/// when `options.color`.
pub fn human(plan: &Plan, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    human::render(plan, options, out)
}

/// The plan JSON of DESIGN.md section 6: 2-space indented, keys in a fixed order, ending
/// with a newline. Valid against [`PLAN_SCHEMA`]; deserializes back into the same [`Plan`].
pub fn json(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    json::render(plan, out)
}

/// GitHub-flavoured Markdown for a pull-request comment. Starts with [`MARKDOWN_MARKER`] so a
/// workflow can find and update its own comment; values from the plan are escaped so that
/// none can break a table, a code span or the comment's HTML.
pub fn markdown(plan: &Plan, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    markdown::render(plan, options, out)
}

/// The state file at `path`, for `lockward show` without a PLANFILE: JSON writes the state
/// as it is stored; human and Markdown list each recorded resource. A state never written
/// says so. Holds no secret: the state holds none.
pub fn state(
    state: &StateFile,
    path: &Path,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    state::render(state, path, format, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quote_leaves_plain_words_and_quotes_the_rest() {
        assert_eq!(shell_quote("plans/prod.lwplan"), "plans/prod.lwplan");
        assert_eq!(shell_quote("my plan"), "'my plan'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
    }

    #[test]
    fn formats_round_trip_through_their_names() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        assert!("yaml".parse::<Format>().is_err());
    }
}
