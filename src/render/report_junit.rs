//! The compliance report as JUnit XML, for a CI's test tab. Like the other report renderers it
//! decides nothing: each test case is a field of the [`Report`] put into XML.
//!
//! One `testsuite` per account and region (as the report's totals group them), one `testcase`
//! per resource instance there (`classname` its kind, `name` its address) and one per
//! unmanaged lock. With `--fail-on`, what it names is a `failure` and nothing else is; without,
//! a `drift`, `violation` or `unknown` verdict and an unmanaged lock are a `failure` (whose `type` is the SARIF rule id, `lockward/<verdict>`); a `pending`, `empty` or
//! `undeclared` one is `skipped` (not reached yet or not final yet, nothing to lock, or not
//! read: nothing failed, nothing passed); a compliant
//! one passes. Nothing is an `error`: a resource whose live state could not be read has the
//! verdict `unknown`, a failure. Every count (`tests`, `failures`, `errors`, `skipped`) is
//! that of the test cases written.
//!
//! Every text passes through [`super::escape`] (control and bidirectional characters made
//! visible, which also keeps out what XML 1.0 forbids) and then XML escaping.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::escape;
use super::report::TITLE;
use crate::report::{FailOn, Report, Verdict};

/// How a test case ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Passed,
    Skipped,
    Failed,
}

/// A verdict's test case: with `--fail-on`, a failure exactly where `report` exits 1 for it;
/// without, every drift, violation and unknown.
fn status(v: Verdict, fail_on: &[FailOn]) -> Status {
    let fails = if fail_on.is_empty() {
        matches!(v, Verdict::Drift | Verdict::Violation | Verdict::Unknown)
    } else {
        fail_on.iter().any(|f| f.covers(v))
    };
    match v {
        _ if fails => Status::Failed,
        // Not reached or not final, nothing to lock, or not read: neither passed nor failed.
        Verdict::Pending | Verdict::Empty | Verdict::Undeclared => Status::Skipped,
        _ => Status::Passed,
    }
}

struct Case {
    classname: String,
    name: String,
    status: Status,
    /// `lockward/<verdict>`.
    rule: String,
    /// One line: the first finding.
    message: String,
    /// Everything said of it, one finding a line.
    body: String,
}

#[derive(Default)]
struct Suite {
    cases: Vec<Case>,
}

impl Suite {
    fn count(&self, status: Status) -> usize {
        self.cases.iter().filter(|c| c.status == status).count()
    }
}

pub(super) fn render(report: &Report, fail_on: &[FailOn], out: &mut dyn Write) -> io::Result<()> {
    let mut suites: BTreeMap<(String, String), Suite> = BTreeMap::new();
    for r in &report.resources {
        let mut body = r.findings.join("\n");
        if let Some(t) = r.immutable_from {
            let _ = write!(body, "\nImmutable from {}.", crate::words::when(t));
        }
        if let Some(h) = r.history.last() {
            let _ = write!(
                body,
                "\nLast recorded: {} {} at {}.",
                h.action,
                super::report::outcome_words(h),
                crate::words::when(h.ts)
            );
        }
        suites
            .entry((r.account.clone(), r.region.clone()))
            .or_default()
            .cases
            .push(Case {
                classname: r.kind.as_str().to_string(),
                name: r.address.to_string(),
                status: status(r.verdict, fail_on),
                rule: format!("lockward/{}", r.verdict.as_str()),
                message: headline(&r.findings),
                body,
            });
    }
    for u in &report.unmanaged {
        let message = format!(
            "`{}` ({}, {}) is declared by no resource.",
            u.name,
            u.kind.as_str(),
            u.lock_state
        );
        suites
            .entry((u.account.clone(), u.region.clone()))
            .or_default()
            .cases
            .push(Case {
                classname: u.kind.as_str().to_string(),
                name: format!("unmanaged {} {}", u.kind.as_str(), u.name),
                status: if fail_on.is_empty() || fail_on.contains(&FailOn::Unmanaged) {
                    Status::Failed
                } else {
                    Status::Passed
                },
                rule: "lockward/unmanaged".to_string(),
                body: format!("{message}\n{}", u.next_step),
                message,
            });
    }

    let total = |status: Status| suites.values().map(|s| s.count(status)).sum::<usize>();
    let tests: usize = suites.values().map(|s| s.cases.len()).sum();
    let timestamp = report
        .generated_at
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"0\" timestamp=\"{timestamp}\">",
        attr(TITLE),
        total(Status::Failed),
        total(Status::Skipped),
    );
    for ((account, region), suite) in &suites {
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"0\" timestamp=\"{timestamp}\">",
            attr(&format!("{account}/{region}")),
            suite.cases.len(),
            suite.count(Status::Failed),
            suite.count(Status::Skipped),
        );
        x.push_str("    <properties>\n");
        let mut property = |name: &str, value: &str| {
            let _ = writeln!(
                x,
                "      <property name=\"{}\" value=\"{}\"/>",
                attr(name),
                attr(value)
            );
        };
        property("lockward.version", &report.lockward_version);
        property(
            "lockward.generated_at",
            &crate::words::when(report.generated_at),
        );
        property("lockward.plan_digest", &report.plan_digest);
        property("lockward.config_digest", &report.config_digest);
        property("account", account);
        property("region", region);
        for c in report.callers.iter().filter(|c| &c.account == account) {
            property("caller", &c.arn);
            if let Some(name) = &c.account_name {
                property("account_name", name);
            }
        }
        x.push_str("    </properties>\n");
        for case in &suite.cases {
            let _ = write!(
                x,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
                attr(&case.classname),
                attr(&case.name)
            );
            match case.status {
                Status::Passed => x.push_str("/>\n"),
                Status::Skipped => {
                    let _ = writeln!(
                        x,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        attr(&case.message)
                    );
                }
                Status::Failed => {
                    let _ = writeln!(
                        x,
                        ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                        attr(&case.rule),
                        attr(&case.message),
                        text(&case.body)
                    );
                }
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    out.write_all(x.as_bytes())
}

/// The findings' one-line summary: the first, and the one it introduces when it ends with a
/// colon (`… can never be reached as things stand:` then why).
fn headline(findings: &[String]) -> String {
    match findings {
        [first, second, ..] if first.ends_with(':') => format!("{first} {second}"),
        [first, ..] => first.clone(),
        [] => String::new(),
    }
}

/// Text as XML element content: unsafe characters made visible, markup escaped; newlines and
/// tabs kept.
fn text(s: &str) -> String {
    xml(&escape::text(s), false)
}

/// Text as an XML attribute value (in double quotes): unsafe characters made visible, markup
/// and quotes escaped, newlines and tabs as character references (an attribute's whitespace is
/// otherwise normalised away).
fn attr(s: &str) -> String {
    xml(&escape::text(s), true)
}

fn xml(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_quotes_and_control_characters_never_break_the_xml() {
        assert_eq!(
            attr("a<b>&\"c'\nd\u{1b}"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#10;d\\u{1b}"
        );
        assert_eq!(text("x]]></failure><y\n"), "x]]&gt;&lt;/failure&gt;&lt;y\n");
        // XML 1.0 forbids these characters even as references: they are made visible.
        assert_eq!(text("\u{0}\u{b}\u{202e}"), "\\u{0}\\u{b}\\u{202e}");
    }

    #[test]
    fn hostile_text_in_every_field_stays_text() {
        let report = super::super::report_html::tests::hostile_report();
        let mut out = Vec::new();
        render(&report, &[], &mut out).unwrap();
        let xml = String::from_utf8(out).unwrap();
        assert!(!xml.contains("<script"), "{xml}");
        assert!(!xml.contains("</style>"), "{xml}");
        // One failure for the violation, one for the unmanaged lock.
        assert_eq!(xml.matches("<failure ").count(), 2, "{xml}");
        assert!(
            xml.contains("<testsuites name=\"lockward compliance report\" tests=\"2\" failures=\"2\" errors=\"0\" skipped=\"0\""),
            "{xml}"
        );
    }
}
