//! The compliance report in each format. Like the plan renderers these decide nothing: every
//! verdict, finding and next step is a field of the [`Report`]; here it is only put into words
//! shared by the Markdown and HTML forms.

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use super::describe;
pub use super::report_sarif::{artifact_uri, ArtifactUri, ArtifactUris};
use crate::report::{DiscoveryScope, Report, ReportSummary, Verdict};
use crate::words::Counted;

/// An output format of `lockward report --format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReportFormat {
    /// For a pull request, a wiki or a ticket.
    #[default]
    Markdown,
    /// For programs: the [`Report`] as JSON.
    Json,
    /// One self-contained page for an auditor, made to be printed.
    Html,
    /// SARIF 2.1.0, for code scanning: each finding at the config line that declares it.
    Sarif,
    /// JUnit XML, for a CI's test tab: one test case per resource instance.
    Junit,
}

impl ReportFormat {
    pub const ALL: [ReportFormat; 5] = [
        ReportFormat::Markdown,
        ReportFormat::Json,
        ReportFormat::Html,
        ReportFormat::Sarif,
        ReportFormat::Junit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Markdown => "markdown",
            ReportFormat::Json => "json",
            ReportFormat::Html => "html",
            ReportFormat::Sarif => "sarif",
            ReportFormat::Junit => "junit",
        }
    }
}

impl fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<ReportFormat, String> {
        ReportFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                format!("unknown format `{s}` (expected one of markdown, json, html, sarif, junit)")
            })
    }
}

/// Writes `report` in `format`; `uris` names the files SARIF locations point into (see
/// [`ArtifactUris::of`]), and only SARIF reads it; `fail_on` (`--fail-on`) names what JUnit
/// counts as a failure, and only JUnit reads it.
pub fn render(
    report: &Report,
    format: ReportFormat,
    uris: &ArtifactUris,
    fail_on: &[crate::report::FailOn],
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ReportFormat::Sarif => super::report_sarif::render(report, uris, out),
        ReportFormat::Junit => super::report_junit::render(report, fail_on, out),
        ReportFormat::Markdown => super::report_markdown::render(report, out),
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            out.write_all(b"\n")
        }
        ReportFormat::Html => super::report_html::render(report, out),
    }
}

/// The hidden first line of every Markdown report, so a workflow can find its own comment.
pub const REPORT_MARKDOWN_MARKER: &str = "<!-- lockward-report -->";

pub(super) const TITLE: &str = "lockward compliance report";

/// `2 compliant, 1 pending, 0 drift, 1 violation; 1 unmanaged lock`
pub(super) fn summary_sentence(s: &ReportSummary) -> String {
    let verdicts: Vec<String> = Verdict::ALL
        .iter()
        // The verdicts that are rare by nature are named only when they occur.
        .filter(|v| {
            !matches!(v, Verdict::Unknown | Verdict::Empty | Verdict::Undeclared)
                || s.count(**v) > 0
        })
        .map(|v| format!("{} {}", s.count(*v), v.as_str()))
        .collect();
    let unmanaged = if s.unmanaged == 1 {
        "1 unmanaged lock".to_string()
    } else {
        format!("{} unmanaged locks", s.unmanaged)
    };
    format!("{}; {unmanaged}", verdicts.join(", "))
}

/// The verdict's headline, read the same without colour: only the bad ones shout.
pub(super) fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Compliant => "compliant",
        Verdict::Pending => "pending",
        Verdict::Empty => "empty",
        Verdict::Undeclared => "UNDECLARED",
        Verdict::Drift => "DRIFT",
        Verdict::Violation => "VIOLATION",
        Verdict::Unknown => "UNKNOWN",
    }
}

/// What the verdict means, for the legend.
pub(super) fn verdict_meaning(v: Verdict) -> &'static str {
    match v {
        Verdict::Compliant => "the live lock state matches the configuration",
        Verdict::Pending => {
            "not reached yet, and a change or a wait is planned; or the lock is the configuration's but not final yet (a compliance lock in its grace period, until its lock date)"
        }
        Verdict::Empty => "a selection that matches nothing: there is nothing to lock",
        Verdict::Undeclared => {
            "the state file keeps a record the configuration no longer declares: lockward plans nothing for it and leaves its lock alone; shown with the protection the record last knew"
        }
        Verdict::Drift => {
            "the live state moved away from a state lockward had reached, as its state file records"
        }
        Verdict::Violation => "the configuration can never be reached as things stand",
        Verdict::Unknown => "its live state could not be read; nothing can be said of it",
    }
}

pub(super) use describe::reversibility_word;

/// A reported resource's subject, intent and live state in words; for an `undeclared` record
/// (nothing planned, nothing read): no intent, and the protection its record last knew.
pub(super) fn resource_words(r: &crate::report::ResourceReport) -> describe::ResourceWords {
    match &r.plan {
        Some(plan) => describe::describe(plan),
        None => {
            let last = match &r.recorded {
                Some(record) => super::state::fields(record).into_iter().enumerate().fold(
                    describe::Phrase::of_text("not read; the record last knew "),
                    |p, (i, (field, value))| {
                        let p = if i == 0 { p } else { p.text(", ") };
                        p.text(format!("{field} ")).value(value)
                    },
                ),
                None => describe::Phrase::of_text("not read; nothing recorded"),
            };
            describe::ResourceWords {
                subject: describe::Phrase::default(),
                live: last,
                desired: describe::Phrase::of_text("no longer declared"),
                in_full: None,
                diff_of: None,
            }
        }
    }
}

/// How an apply's plan was approved, in words.
pub(super) fn approval_word(a: crate::apply::journal::Approval) -> &'static str {
    use crate::apply::journal::Approval;
    match a {
        Approval::Typed => "typed at a terminal",
        Approval::Digest => "by digest (--approve)",
        Approval::Auto => "automatic (--auto-approve)",
    }
}

/// How a journaled step ended, in words: `done`, `failed, no effect`, `failed, may have taken
/// effect`, `recovered`; then what the journal says of it (an error, what was found).
pub(super) fn outcome_words(h: &crate::report::HistoryEntry) -> String {
    use crate::report::HistoryOutcome;
    let outcome = match (h.outcome, h.effect.as_deref()) {
        (HistoryOutcome::Done, _) => "done",
        (HistoryOutcome::Failed, Some("none")) => "failed, no effect",
        (HistoryOutcome::Failed, _) => "failed, may have taken effect",
        (HistoryOutcome::Recovered, _) => "recovered",
    };
    match &h.note {
        Some(note) => format!("{outcome}: {note}"),
        None => outcome.to_string(),
    }
}

/// `1 day`, `30 days`.
pub(super) fn days(n: u32) -> String {
    crate::words::days(u64::from(n))
}

/// What discovery listed in one scope, e.g. `1 vault, 2 Recycle Bin rules (every Recycle Bin
/// resource type) and 0 buckets`, each number written by `count` (one format's own).
pub(super) fn listed(d: &DiscoveryScope, count: impl Fn(usize, &Counted) -> String) -> String {
    let parts: Vec<String> = d
        .listed
        .iter()
        .map(|(k, &n)| count(n, &k.listed()))
        .collect();
    match parts.split_last() {
        None => "nothing".to_string(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}
