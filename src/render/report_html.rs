//! The compliance report as one self-contained HTML page for an auditor: inline CSS, no script,
//! nothing loaded from elsewhere, laid out to print on A4 or Letter (each resource kept on one
//! page where it fits, colours kept when printed, every verdict spelled out so the page reads
//! the same in black and white). Every value is escaped.

use std::io::{self, Write};

use super::describe::{Phrase, Piece};
use super::report::{self as words, TITLE};
use crate::plan::{ActionStatus, Reversibility};
use crate::report::{Report, ResourceReport, Verdict};

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 62rem; padding: 2rem 1.5rem 3rem; color: #1b1b1b; background: #fff;
  font: 10.5pt/1.45 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; }
h1 { font-size: 1.55rem; margin: 0 0 .2rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid #1b1b1b; break-after: avoid; }
h3 { font-size: 1rem; margin: 0 0 .3rem; }
p { margin: .3rem 0; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .86em; }
code { overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: .3rem 0; padding: .45rem .6rem; background: #f6f6f6; border: 1px solid #d4d4d4; }
pre.diff span { display: block; min-height: 1.2em; }
pre.diff .add { background: #e3f2e6; }
pre.diff .del { background: #fbe4e4; }
.overview td:first-child code, code.id { white-space: nowrap; }
table { width: 100%; border-collapse: collapse; margin: .4rem 0 .8rem; }
th, td { border: 1px solid #b9b9b9; padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: #efefef; font-weight: 600; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
.lede { font-size: 1.05rem; margin: .2rem 0 .8rem; }
.meta th { width: 9.5rem; }
.totals { display: flex; flex-wrap: wrap; gap: .5rem; margin: .8rem 0 1rem; padding: 0; list-style: none; }
.totals li { border: 2px solid currentColor; padding: .3rem .8rem; min-width: 7.5rem; }
.totals b { display: block; font-size: 1.35rem; line-height: 1.2; }
.badge { display: inline-block; border: 1.5px solid currentColor; padding: 0 .4rem; font-size: .78em; font-weight: 700;
  letter-spacing: .04em; text-transform: uppercase; white-space: nowrap; vertical-align: .1em; }
.compliant { color: #1d6a31; }
.pending { color: #6a5200; }
.drift { color: #a04800; }
.violation { color: #a3161d; }
.unmanaged { color: #383891; }
.alert { border: 2px solid currentColor; padding: .5rem .8rem; margin: .8rem 0; }
.alert p { color: #1b1b1b; }
.note { border-left: 4px solid #777; padding: .3rem .7rem; background: #f6f6f6; }
section.resource { border: 1px solid #b9b9b9; border-left: 7px solid currentColor; padding: .6rem .9rem .4rem; margin: 0 0 1rem;
  break-inside: avoid; page-break-inside: avoid; }
section.resource > * { color: #1b1b1b; }
section.resource h3 .badge.compliant { color: #1d6a31; }
section.resource h3 .badge.pending { color: #6a5200; }
section.resource h3 .badge.drift { color: #a04800; }
section.resource h3 .badge.violation { color: #a3161d; }
dl.facts { display: grid; grid-template-columns: 8.5rem 1fr; gap: .25rem .8rem; margin: .4rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; min-width: 0; }
dl.facts ul, dl.facts ol { margin: 0; padding-left: 1.2rem; }
dl.legend dt { font-weight: 600; }
dl.legend dd { margin: 0 0 .3rem 1.2rem; }
.muted { color: #555; }
footer { margin-top: 2rem; padding-top: .5rem; border-top: 1px solid #b9b9b9; font-size: .85em; color: #555; }
@page { margin: 15mm 13mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  h2 { margin-top: 1.2rem; }
  a { color: inherit; text-decoration: none; }
}
"#;

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let summary = words::summary_sentence(&report.summary);
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"en\">")?;
    writeln!(out, "<head>")?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        out,
        "<meta name=\"generator\" content=\"lockward {}\">",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(out, "<title>{TITLE}: {}</title>", esc(&summary))?;
    writeln!(out, "<style>{STYLE}</style>")?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body>")?;
    writeln!(out, "<header>")?;
    writeln!(out, "<h1>{TITLE}</h1>")?;
    writeln!(out, "<p class=\"lede\">{}</p>", esc(&summary))?;
    writeln!(out, "<ul class=\"totals\">")?;
    for v in Verdict::ALL {
        writeln!(
            out,
            "<li class=\"{}\"><b>{}</b>{}</li>",
            v.as_str(),
            report.summary.count(v),
            v.as_str()
        )?;
    }
    writeln!(
        out,
        "<li class=\"unmanaged\"><b>{}</b>unmanaged</li>",
        report.summary.unmanaged
    )?;
    writeln!(out, "</ul>")?;
    meta(report, out)?;
    writeln!(out, "</header>")?;
    writeln!(out, "<main>")?;
    alert(report, out)?;
    for note in &report.notes {
        writeln!(out, "<p class=\"note\">{}</p>", esc(note))?;
    }

    writeln!(out, "<h2>Declared resources</h2>")?;
    if report.resources.is_empty() {
        writeln!(out, "<p>The configuration declares no resources.</p>")?;
    } else {
        writeln!(out, "<table class=\"overview\">")?;
        writeln!(out, "<thead><tr><th>Resource</th><th>Verdict</th><th>Intent</th><th>Live</th><th>Last recorded change</th></tr></thead>")?;
        writeln!(out, "<tbody>")?;
        for r in &report.resources {
            let w = words::resource_words(&r.plan);
            let last = r.history.last().map_or_else(
                || "none".to_string(),
                |h| {
                    format!(
                        "<code class=\"id\">{}</code> at <code>{}</code>",
                        esc(&h.action),
                        esc(&super::describe::when(h.ts))
                    )
                },
            );
            writeln!(
                out,
                "<tr><td><a href=\"#{id}\"><code>{addr}</code></a></td><td>{badge}</td><td>{intent}</td><td>{live}</td><td>{last}</td></tr>",
                id = esc(&r.address.to_string()),
                addr = esc(&r.address.to_string()),
                badge = badge(r.verdict),
                intent = phrase(&w.desired),
                live = phrase(&w.live),
            )?;
        }
        writeln!(out, "</tbody>")?;
        writeln!(out, "</table>")?;
        for r in &report.resources {
            resource(r, out)?;
        }
    }

    writeln!(out, "<h2>Unmanaged locks</h2>")?;
    if report.unmanaged.is_empty() {
        writeln!(
            out,
            "<p>Discovery found no lock that the configuration does not declare.</p>"
        )?;
    } else {
        writeln!(out, "<p>Locks that exist in a configured account and region but that no resource declares.</p>")?;
        writeln!(out, "<table>")?;
        writeln!(
            out,
            "<thead><tr><th>Lock</th><th>Region</th><th>State</th><th>Next step</th></tr></thead>"
        )?;
        writeln!(out, "<tbody>")?;
        for u in &report.unmanaged {
            let what = u.kind.noun();
            writeln!(
                out,
                "<tr><td><span class=\"badge unmanaged\">unmanaged</span> {what} <code>{}</code></td><td><code>{}</code><br><span class=\"muted\">provider {}</span></td><td>{}</td><td>{}</td></tr>",
                esc(&u.name),
                esc(&u.region),
                u.providers.iter().map(|p| format!("<code>{}</code>", esc(p))).collect::<Vec<_>>().join(", "),
                phrase(&words::unmanaged_phrase(u)),
                prose(&u.next_step),
            )?;
        }
        writeln!(out, "</tbody>")?;
        writeln!(out, "</table>")?;
    }

    writeln!(out, "<h2>Discovery</h2>")?;
    if report.discovery.is_empty() {
        writeln!(
            out,
            "<p>The configuration declares no provider, so no account was searched.</p>"
        )?;
    } else {
        writeln!(out, "<ul>")?;
        for d in &report.discovery {
            writeln!(
                out,
                "<li><code>{}</code> (provider {}): {} vault(s), {} Recycle Bin rule(s) (every Recycle Bin resource type), {} backup vault(s) and {} bucket(s) listed.</li>",
                esc(&d.region),
                d.providers.iter().map(|p| format!("<code>{}</code>", esc(p))).collect::<Vec<_>>().join(", "),
                d.vaults,
                d.rules,
                d.backup_vaults,
                d.buckets
            )?;
        }
        writeln!(out, "</ul>")?;
    }

    writeln!(out, "<h2>What the verdicts mean</h2>")?;
    writeln!(out, "<dl class=\"legend\">")?;
    for v in Verdict::ALL {
        writeln!(
            out,
            "<dt>{}</dt><dd>{}.</dd>",
            badge(v),
            esc(words::verdict_meaning(v))
        )?;
    }
    writeln!(out, "<dt><span class=\"badge unmanaged\">unmanaged</span></dt><dd>a lock that exists in a configured account and region but that no resource declares.</dd>")?;
    writeln!(out, "</dl>")?;
    writeln!(out, "</main>")?;
    writeln!(
        out,
        "<footer>Generated by lockward {} at <code>{}</code> from plan <code>{}</code>. Nothing in this report is secret: Snowball unlock codes appear only as fingerprints.</footer>",
        env!("CARGO_PKG_VERSION"),
        esc(&super::describe::when(report.generated_at)),
        esc(&report.plan_digest)
    )?;
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")?;
    Ok(())
}

fn meta(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let state = match &report.state.lineage {
        Some(lineage) => format!(
            "<code>{}</code>, lineage <code>{}</code>, serial {}",
            esc(&report.state.path.display().to_string()),
            esc(lineage),
            report.state.serial
        ),
        None => format!(
            "<code>{}</code> (never written)",
            esc(&report.state.path.display().to_string())
        ),
    };
    let mut journal = format!(
        "<code>{}</code>, {} record(s)",
        esc(&report.journal.path.display().to_string()),
        report.journal.records
    );
    if report.journal.damaged_lines > 0 {
        journal.push_str(&format!(
            ", {} unreadable line(s)",
            report.journal.damaged_lines
        ));
    }
    writeln!(out, "<table class=\"meta\">")?;
    writeln!(
        out,
        "<tr><th>Generated</th><td><code>{}</code></td></tr>",
        esc(&super::describe::when(report.generated_at))
    )?;
    writeln!(
        out,
        "<tr><th>Configuration</th><td><code>{}</code>, digest <code>{}</code></td></tr>",
        esc(&report.config.display().to_string()),
        esc(&report.config_digest)
    )?;
    writeln!(
        out,
        "<tr><th>Plan</th><td><code>{}</code></td></tr>",
        esc(&report.plan_digest)
    )?;
    writeln!(out, "<tr><th>State file</th><td>{state}</td></tr>")?;
    writeln!(out, "<tr><th>Journal</th><td>{journal}</td></tr>")?;
    writeln!(out, "</table>")
}

fn alert(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let listed = |v: Verdict| -> Vec<String> {
        report
            .resources
            .iter()
            .filter(|r| r.verdict == v)
            .map(|r| {
                format!(
                    "<a href=\"#{0}\"><code>{0}</code></a>",
                    esc(&r.address.to_string())
                )
            })
            .collect()
    };
    let (violations, drifts) = (listed(Verdict::Violation), listed(Verdict::Drift));
    if violations.is_empty() && drifts.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<div class=\"alert {}\">",
        if violations.is_empty() {
            "drift"
        } else {
            "violation"
        }
    )?;
    if !violations.is_empty() {
        writeln!(out, "<p><strong>Violation:</strong> {} can never reach the configuration as things stand.</p>", violations.join(", "))?;
    }
    if !drifts.is_empty() {
        writeln!(
            out,
            "<p><strong>Drift:</strong> {} moved away from a state lockward had reached.</p>",
            drifts.join(", ")
        )?;
    }
    writeln!(out, "</div>")
}

fn resource(r: &ResourceReport, out: &mut dyn Write) -> io::Result<()> {
    let w = words::resource_words(&r.plan);
    let address = esc(&r.address.to_string());
    writeln!(
        out,
        "<section class=\"resource {}\" id=\"{address}\">",
        r.verdict.as_str()
    )?;
    writeln!(out, "<h3><code>{address}</code> {}</h3>", badge(r.verdict))?;
    let mut subject = phrase(&w.subject);
    if !subject.is_empty() {
        subject.push_str(" · ");
    }
    writeln!(
        out,
        "<p class=\"muted\">{subject}provider <code>{}</code></p>",
        esc(&r.provider)
    )?;
    writeln!(out, "<dl class=\"facts\">")?;
    writeln!(out, "<dt>Intent</dt><dd>{}</dd>", phrase(&w.desired))?;
    writeln!(out, "<dt>Live</dt><dd>{}</dd>", phrase(&w.live))?;
    writeln!(out, "<dt>Findings</dt><dd><ul>")?;
    for f in &r.findings {
        writeln!(out, "<li>{}</li>", prose(f))?;
    }
    writeln!(out, "</ul></dd>")?;
    if !r.plan.actions.is_empty() {
        writeln!(out, "<dt>Planned</dt><dd><ol>")?;
        for a in &r.plan.actions {
            let class = words::reversibility_word(a.reversibility);
            let class = match a.reversibility {
                Reversibility::Reversible => esc(class),
                _ => format!("<strong>{}</strong>", esc(class)),
            };
            let status = match (a.status, a.not_before) {
                (ActionStatus::Ready, _) => "ready".to_string(),
                (ActionStatus::Deferred, Some(t)) => {
                    format!(
                        "waits until <code>{}</code>",
                        esc(&super::describe::when(t))
                    )
                }
                (ActionStatus::Deferred, None) => "waits".to_string(),
            };
            writeln!(
                out,
                "<li><code class=\"id\">{}</code> {class}, {status}: {}</li>",
                esc(a.action.as_str()),
                prose(&a.reason)
            )?;
        }
        writeln!(out, "</ol></dd>")?;
    }
    match &r.recorded {
        Some(record) => {
            let fields: Vec<String> = super::state::fields(record)
                .into_iter()
                .map(|(field, value)| format!("{} <code>{}</code>", esc(field), esc(&value)))
                .collect();
            writeln!(out, "<dt>State file</dt><dd>{}</dd>", fields.join("<br>"))?;
        }
        None => writeln!(out, "<dt>State file</dt><dd>nothing recorded</dd>")?,
    }
    if r.history.is_empty() {
        writeln!(out, "<dt>Journal</dt><dd>no change recorded</dd>")?;
    } else {
        writeln!(out, "<dt>Journal</dt><dd><table>")?;
        writeln!(
            out,
            "<thead><tr><th>When</th><th>Action</th><th>By</th><th>Plan</th></tr></thead><tbody>"
        )?;
        for h in &r.history {
            writeln!(
                out,
                "<tr><td><code>{}</code></td><td><code class=\"id\">{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&super::describe::when(h.ts)),
                esc(&h.action),
                h.caller.as_deref().map_or_else(|| "unknown".to_string(), |c| format!("<code>{}</code>", esc(c))),
                h.plan_digest.as_deref().map_or_else(|| "none".to_string(), |p| format!("<code>{}</code>", esc(p))),
            )?;
        }
        writeln!(out, "</tbody></table></dd>")?;
    }
    if let Some(diff) = &r.plan.policy_diff {
        write!(out, "<dt>Policy diff</dt><dd><p class=\"muted\">from the live policy to the desired one</p><pre class=\"diff\">")?;
        for line in diff.lines() {
            let class = if line.starts_with('+') && !line.starts_with("+++") {
                " class=\"add\""
            } else if line.starts_with('-') && !line.starts_with("---") {
                " class=\"del\""
            } else {
                ""
            };
            // One block per line and no newline between them: inside <pre> a newline would
            // add an empty line after each block.
            write!(out, "<span{class}>{}</span>", esc(line))?;
        }
        writeln!(out, "</pre></dd>")?;
    }
    writeln!(out, "</dl>")?;
    writeln!(out, "</section>")
}

fn badge(v: Verdict) -> String {
    format!("<span class=\"badge {}\">{}</span>", v.as_str(), v.as_str())
}

fn phrase(p: &Phrase) -> String {
    p.0.iter()
        .map(|piece| match piece {
            Piece::Text(t) => esc(t),
            Piece::Value(v) => format!("<code>{}</code>", esc(v)),
        })
        .collect()
}

/// Prose from the report, escaped, with `quoted` names set as code.
fn prose(value: &str) -> String {
    let parts: Vec<&str> = value.split('`').collect();
    if parts.len().is_multiple_of(2) {
        // An unpaired backtick: show the text as it is.
        return esc(value);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", esc(part))
            } else {
                esc(part)
            }
        })
        .collect()
}

/// Text for an HTML element or a quoted attribute.
fn esc(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use serde_json::json;

    use super::*;
    use crate::kinds::glacier::GlacierRecord;
    use crate::kinds::{Address, Kind, Record};
    use crate::plan::{Action, ActionKind, Outcome, ResourcePlan, Target};
    use crate::report::{
        DiscoveryScope, HistoryEntry, JournalSummary, ReportSummary, StateSummary, UnmanagedLock,
    };

    /// Would open a script, close an attribute or end the stylesheet if it went in as it is.
    const HOSTILE: &str = r#"<script>alert('x')</script>"&</style>"#;
    const HOSTILE_ESCAPED: &str =
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;&lt;/style&gt;";
    /// [`HOSTILE`] after the compact JSON of a value this build cannot describe.
    const HOSTILE_IN_JSON_ESCAPED: &str =
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\\&quot;&amp;&lt;/style&gt;";

    /// `[field]` then [`HOSTILE`]: which field the text came from is in the text.
    fn hostile(field: &str) -> String {
        format!("[{field}]{HOSTILE}")
    }

    /// Every text field the HTML report shows, each holding [`HOSTILE`].
    fn hostile_report() -> Report {
        let address = Address::new(Kind::GlacierVaultLock, hostile("address"));
        let plan = ResourcePlan {
            address: address.clone(),
            kind: Kind::GlacierVaultLock,
            physical_key: hostile("physical_key"),
            outcome: Outcome::Noop,
            target: Target::for_tests(),
            live: json!({ "state": hostile("live") }),
            desired: json!({ "state": hostile("desired") }),
            recorded: json!({ "state": "none" }),
            actions: vec![Action::ready(ActionKind::CompleteLock, hostile("reason"))],
            messages: vec![],
            policy_diff: Some(format!(
                "--- live policy\n+++ desired policy\n-{}\n+{}\n {}",
                hostile("diff_removed"),
                hostile("diff_added"),
                hostile("diff_kept")
            )),
            recovery: None,
        };
        let record = GlacierRecord {
            vault: hostile("record_vault"),
            lock_id: hostile("record_lock_id"),
            initiated_at: None,
            policy_digest: hostile("record_policy"),
            completed_at: None,
            target: None,
            physical_key: None,
        };
        Report {
            format_version: crate::report::REPORT_FORMAT_VERSION.into(),
            generated_at: Timestamp::UNIX_EPOCH,
            config: hostile("config").into(),
            config_digest: hostile("config_digest"),
            plan_digest: hostile("plan_digest"),
            state: StateSummary {
                path: hostile("state_path").into(),
                lineage: Some(hostile("lineage")),
                serial: 1,
            },
            journal: JournalSummary {
                path: hostile("journal_path").into(),
                records: 1,
                damaged_lines: 0,
            },
            summary: ReportSummary {
                violation: 1,
                unmanaged: 1,
                ..ReportSummary::default()
            },
            resources: vec![ResourceReport {
                address,
                kind: Kind::GlacierVaultLock,
                provider: hostile("provider"),
                verdict: Verdict::Violation,
                findings: vec![
                    hostile("finding"),
                    format!("vault `{}` is locked", hostile("finding_code")),
                ],
                plan,
                recorded: Some(Record::GlacierVaultLock(record)),
                history: vec![HistoryEntry {
                    ts: Timestamp::UNIX_EPOCH,
                    action: hostile("history_action"),
                    plan_digest: Some(hostile("history_plan")),
                    caller: Some(hostile("history_caller")),
                }],
            }],
            unmanaged: vec![UnmanagedLock {
                kind: Kind::GlacierVaultLock,
                providers: vec![hostile("unmanaged_provider")],
                region: hostile("unmanaged_region"),
                name: hostile("unmanaged_name"),
                resource_type: Some(hostile("unmanaged_resource_type")),
                lock_state: hostile("unmanaged_lock_state"),
                min_retention_days: None,
                max_retention_days: None,
                lock_date: None,
                created: None,
                expires: None,
                policy_digest: Some(hostile("unmanaged_policy")),
                unlock_delay_days: None,
                default_retention: None,
                lock_end_time: None,
                suggested_address: Address::new(Kind::GlacierVaultLock, "stray"),
                next_step: hostile("unmanaged_next_step"),
            }],
            discovery: vec![DiscoveryScope {
                providers: vec![hostile("discovery_provider")],
                region: hostile("discovery_region"),
                vaults: 1,
                rules: 0,
                backup_vaults: 0,
                buckets: 0,
            }],
            notes: vec![hostile("note")],
        }
    }

    #[test]
    fn markup_in_any_field_of_the_report_reaches_the_page_as_text() {
        let mut out = Vec::new();
        render(&hostile_report(), &mut out).unwrap();
        let html = String::from_utf8(out).unwrap();

        assert!(!html.contains("<script"), "{html}");
        assert_eq!(html.matches("</style>").count(), 1, "{html}");
        assert!(!html.contains("\"&"), "a quote ended an attribute: {html}");
        for field in [
            "address",
            "config",
            "config_digest",
            "plan_digest",
            "state_path",
            "lineage",
            "journal_path",
            "note",
            "provider",
            "finding",
            "finding_code",
            "reason",
            "diff_removed",
            "diff_added",
            "diff_kept",
            "record_vault",
            "record_lock_id",
            "record_policy",
            "history_action",
            "history_plan",
            "history_caller",
            "unmanaged_provider",
            "unmanaged_region",
            "unmanaged_name",
            "unmanaged_resource_type",
            "unmanaged_lock_state",
            "unmanaged_policy",
            "unmanaged_next_step",
            "discovery_provider",
            "discovery_region",
        ] {
            let escaped = format!("[{field}]{HOSTILE_ESCAPED}");
            assert!(html.contains(&escaped), "no {escaped} in {html}");
        }
        for field in ["live", "desired"] {
            let escaped = format!("[{field}]{HOSTILE_IN_JSON_ESCAPED}");
            assert!(html.contains(&escaped), "no {escaped} in {html}");
        }
        let id = format!("id=\"glacier_vault_lock.[address]{HOSTILE_ESCAPED}\"");
        assert!(html.contains(&id), "no {id} in {html}");
        let href = format!("href=\"#glacier_vault_lock.[address]{HOSTILE_ESCAPED}\"");
        assert!(html.contains(&href), "no {href} in {html}");
    }

    #[test]
    fn prose_sets_quoted_names_as_code_and_escapes_the_rest() {
        assert_eq!(
            prose("vault `a<b>` is locked"),
            "vault <code>a&lt;b&gt;</code> is locked"
        );
        assert_eq!(prose("one ` only <x>"), "one ` only &lt;x&gt;");
    }

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }
}
