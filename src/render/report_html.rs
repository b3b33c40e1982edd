//! The compliance report as one self-contained HTML page for an auditor: inline CSS, no script,
//! nothing loaded from elsewhere, laid out to print on A4 or Letter (each resource kept on one
//! page where it fits, colours kept when printed, every verdict spelled out so the page reads
//! the same in black and white). Every value is escaped.

use std::io::{self, Write};

use maud::{display, html, Markup, PreEscaped, DOCTYPE};

use super::describe::{self, when, Phrase, Piece};
use super::report::{self as words, TITLE};
use crate::plan::{Action, ActionStatus, Reversibility};
use crate::report::{Report, ResourceReport, Verdict};
use crate::vocabulary::Address;
use crate::words::capitalized;

/// Set into the page unescaped, so it holds nothing but this stylesheet.
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
.empty { color: #555555; }
.undeclared { color: #383891; }
.drift { color: #a04800; }
.violation, .unknown { color: #a3161d; }
.unmanaged { color: #383891; }
.alert { border: 2px solid currentColor; padding: .5rem .8rem; margin: .8rem 0; }
.alert p { color: #1b1b1b; }
.note { border-left: 4px solid #777; padding: .3rem .7rem; background: #f6f6f6; }
section.resource { border: 1px solid #b9b9b9; border-left: 7px solid currentColor; padding: .6rem .9rem .4rem; margin: 0 0 1rem;
  break-inside: avoid; page-break-inside: avoid; }
section.resource > * { color: #1b1b1b; }
section.resource h3 .badge.compliant { color: #1d6a31; }
section.resource h3 .badge.pending { color: #6a5200; }
section.resource h3 .badge.empty { color: #555555; }
section.resource h3 .badge.undeclared { color: #383891; }
section.resource h3 .badge.drift { color: #a04800; }
section.resource h3 .badge.violation, section.resource h3 .badge.unknown { color: #a3161d; }
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

/// Writes the page. Every value from the report goes through maud, which escapes it; the one
/// text set in as it is is [`STYLE`], a constant of this file.
pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // maud escapes markup; control and bidirectional characters are made visible too.
    out.write_all(super::escape::text(&page(report).into_string()).as_bytes())
}

/// The page's source has one element per line, so it reads and diffs line by line; maud puts
/// nothing between elements, hence the `"\n"` after each.
fn page(report: &Report) -> Markup {
    let summary = words::summary_sentence(&report.summary);
    html! {
        (DOCTYPE) "\n"
        html lang="en" { "\n"
            head { "\n"
                meta charset="utf-8"; "\n"
                meta name="viewport" content="width=device-width, initial-scale=1"; "\n"
                meta name="generator" content={ "lockward " (env!("CARGO_PKG_VERSION")) }; "\n"
                title { (TITLE) ": " (summary) } "\n"
                // A constant of this file, never a value from the report.
                style { (PreEscaped(STYLE)) } "\n"
            } "\n"
            body { "\n"
                header { "\n"
                    h1 { (TITLE) } "\n"
                    p class="lede" { (summary) } "\n"
                    ul class="totals" { "\n"
                        @for v in Verdict::ALL {
                            li class=(v.as_str()) { b { (report.summary.count(v)) } (v.as_str()) } "\n"
                        }
                        li class="unmanaged" { b { (report.summary.unmanaged) } "unmanaged" } "\n"
                    } "\n"
                    (meta(report))
                } "\n"
                main { "\n"
                    (alert(report))
                    @for note in &report.notes {
                        p class="note" { (note) } "\n"
                    }
                    (totals(report))
                    (horizon(report))
                    (declared(report))
                    (unmanaged(report))
                    (discovery(report))
                    (legend())
                } "\n"
                footer {
                    "Generated by lockward " (env!("CARGO_PKG_VERSION"))
                    " at " code { (when(report.generated_at)) }
                    " from plan " code { (report.plan_digest) }
                    ". Nothing in this report is secret: a secret lockward delivers appears only as its fingerprint."
                } "\n"
            } "\n"
        } "\n"
    }
}

fn meta(report: &Report) -> Markup {
    html! {
        table class="meta" { "\n"
            tr { th { "Generated" } td { code { (when(report.generated_at)) } } } "\n"
            tr {
                th { "Configuration" }
                td { code { (display(report.config.display())) } ", digest " code { (report.config_digest) } }
            } "\n"
            tr { th { "Plan" } td { code { (report.plan_digest) } } } "\n"
            tr {
                th { "State file" }
                td {
                    code { (display(report.state.path.display())) }
                    @match &report.state.lineage {
                        Some(lineage) => { ", lineage " code { (lineage) } ", serial " (report.state.serial) }
                        None => { " (never written)" }
                    }
                }
            } "\n"
            tr {
                th { "Journal" }
                td {
                    code { (display(report.journal.path.display())) } ", " (report.journal.records) " record(s)"
                    @if report.journal.damaged_lines > 0 {
                        ", " (report.journal.damaged_lines) " unreadable line(s)"
                    }
                }
            } "\n"
            tr { th { "lockward" } td { code { (report.lockward_version) } } } "\n"
            @for c in &report.callers {
                tr {
                    th { "Read as" }
                    td {
                        "account " code { (c.account) }
                        @if let Some(name) = &c.account_name { " (" code { (name) } ")" }
                        ": " code { (c.arn) } " (provider " (codes(&c.providers)) ")"
                    }
                } "\n"
            }
        } "\n"
    }
}

fn totals(report: &Report) -> Markup {
    if report.totals.is_empty() {
        return Markup::default();
    }
    html! {
        h2 { "Totals per account and region" } "\n"
        table class="per-scope" { "\n"
            thead { tr {
                th { "Account" } th { "Region" }
                @for v in Verdict::ALL { th { (v.as_str()) } }
                th { "unmanaged" }
            } } "\n"
            tbody { "\n"
                @for t in &report.totals {
                    tr {
                        td { code { (t.account) } } td { code { (t.region) } }
                        @for v in Verdict::ALL { td { (t.count(v)) } }
                        td { (t.unmanaged) }
                    } "\n"
                }
            } "\n"
        } "\n"
    }
}

fn horizon(report: &Report) -> Markup {
    let days = words::days(report.horizon_days);
    html! {
        h2 { "Horizon: the next " (days) } "\n"
        @if report.horizon.is_empty() {
            p { "No point of no return, expiry or end of a delay falls within " (days) "." } "\n"
        } @else {
            table class="horizon" { "\n"
                thead { tr { th { "When" } th { "Resource" } th { "Account" } th { "Region" } th { "What happens" } } } "\n"
                tbody { "\n"
                    @for h in &report.horizon {
                        tr {
                            td { code { (when(h.at)) } }
                            td { (link(&h.address)) }
                            td { code { (h.account) } }
                            td { code { (h.region) } }
                            td {
                                @if h.point_of_no_return { strong { "Point of no return: " } }
                                (prose(&h.what))
                            }
                        } "\n"
                    }
                } "\n"
            } "\n"
        }
    }
}

fn alert(report: &Report) -> Markup {
    let listed = |v: Verdict| -> Vec<&Address> {
        report
            .resources
            .iter()
            .filter(|r| r.verdict == v)
            .map(|r| &r.address)
            .collect()
    };
    let (violations, drifts) = (listed(Verdict::Violation), listed(Verdict::Drift));
    if violations.is_empty() && drifts.is_empty() {
        return Markup::default();
    }
    let class = if violations.is_empty() {
        "drift"
    } else {
        "violation"
    };
    html! {
        div class={ "alert " (class) } { "\n"
            @if !violations.is_empty() {
                p { strong { "Violation:" } " " (links(&violations)) " can never reach the configuration as things stand." } "\n"
            }
            @if !drifts.is_empty() {
                p { strong { "Drift:" } " " (links(&drifts)) " moved away from a state lockward had reached." } "\n"
            }
        } "\n"
    }
}

fn declared(report: &Report) -> Markup {
    html! {
        h2 { "Declared resources" } "\n"
        @if report.resources.is_empty() {
            p { "The configuration declares no resources." } "\n"
        } @else {
            table class="overview" { "\n"
                thead { tr { th { "Resource" } th { "Account" } th { "Region" } th { "Verdict" } th { "Intent" } th { "Live" } th { "Last recorded change" } } } "\n"
                tbody { "\n"
                    @for r in &report.resources {
                        @let w = words::resource_words(r);
                        tr {
                            td { (link(&r.address)) }
                            td { code { (r.account) } }
                            td { code { (r.region) } }
                            td { (badge(r.verdict)) }
                            td { (phrase(&w.desired)) }
                            td { (phrase(&w.live)) }
                            td {
                                @match r.history.last() {
                                    Some(h) => {
                                        code class="id" { (h.action) } " at " code { (when(h.ts)) }
                                        @if h.outcome == crate::report::HistoryOutcome::Failed { " (failed)" }
                                    }
                                    None => { "none" }
                                }
                            }
                        } "\n"
                    }
                } "\n"
            } "\n"
            @for r in &report.resources {
                (resource(r))
            }
        }
    }
}

fn unmanaged(report: &Report) -> Markup {
    html! {
        h2 { "Unmanaged locks" } "\n"
        @if report.unmanaged.is_empty() {
            p { "Discovery found no lock that the configuration does not declare." } "\n"
        } @else {
            p { "Locks that exist in a configured account and region but that no resource declares." } "\n"
            table { "\n"
                thead { tr { th { "Lock" } th { "Account" } th { "Region" } th { "State" } th { "Next step" } } } "\n"
                tbody { "\n"
                    @for u in &report.unmanaged {
                        tr {
                            td { span class="badge unmanaged" { "unmanaged" } " " (u.kind.noun()) " " code { (u.name) } }
                            td { code { (u.account) } }
                            td { code { (u.region) } br; span class="muted" { "provider " (codes(&u.providers)) } }
                            td { (phrase(&u.words)) }
                            td { (prose(&u.next_step)) }
                        } "\n"
                    }
                } "\n"
            } "\n"
        }
    }
}

fn discovery(report: &Report) -> Markup {
    html! {
        h2 { "Discovery" } "\n"
        @if report.discovery.is_empty() {
            p { "The configuration declares no provider, so no account was searched." } "\n"
        } @else {
            ul { "\n"
                @for d in &report.discovery {
                    li {
                        "account " code { (d.account) } ", " code { (d.region) } " (provider " (codes(&d.providers)) "): "
                        (words::listed(d, |n, c| format!("{n} {}(s){}", c.one, c.note))) " listed."
                    } "\n"
                }
            } "\n"
        }
    }
}

fn legend() -> Markup {
    html! {
        h2 { "What the verdicts mean" } "\n"
        dl class="legend" { "\n"
            @for v in Verdict::ALL {
                dt { (badge(v)) } dd { (words::verdict_meaning(v)) "." } "\n"
            }
            dt { span class="badge unmanaged" { "unmanaged" } }
            dd { "a lock that exists in a configured account and region but that no resource declares." } "\n"
        } "\n"
    }
}

fn resource(r: &ResourceReport) -> Markup {
    let w = words::resource_words(r);
    let subject = phrase(&w.subject);
    html! {
        section class={ "resource " (r.verdict.as_str()) } id=(display(&r.address)) { "\n"
            h3 { code { (display(&r.address)) } " " (badge(r.verdict)) } "\n"
            p class="muted" {
                @if !subject.0.is_empty() {
                    (subject) " · "
                }
                "provider " code { (r.provider) } " · account " code { (r.account) } " · region " code { (r.region) }
            } "\n"
            dl class="facts" { "\n"
                dt { "Intent" } dd { (phrase(&w.desired)) } "\n"
                dt { "Live" } dd { (phrase(&w.live)) } "\n"
                dt { "Findings" }
                dd { ul { "\n"
                    @for f in &r.findings {
                        li { (prose(f)) } "\n"
                    }
                } } "\n"
                @if let Some(plan) = r.plan.as_ref().filter(|p| !p.actions.is_empty()) {
                    dt { "Planned" }
                    dd { ol { "\n"
                        @for a in &plan.actions {
                            (planned(a)) "\n"
                        }
                    } } "\n"
                }
                dt { @if r.verdict == Verdict::Undeclared { "Last known protection" } @else { "State file" } }
                dd {
                    @match &r.recorded {
                        Some(record) => {
                            @for (i, (field, value)) in super::state::fields(record).into_iter().enumerate() {
                                @if i > 0 { br; }
                                (field) " " code { (value) }
                            }
                        }
                        None => { "nothing recorded" }
                    }
                } "\n"
                dt { "Journal" }
                dd {
                    @if r.history.is_empty() {
                        "no change recorded"
                    } @else {
                        table { "\n"
                            thead { tr { th { "When" } th { "Action" } th { "Outcome" } th { "By" } th { "Plan" } th { "Approval" } th { "Reason" } th { "AWS request id" } } }
                            tbody { "\n"
                                @for h in &r.history {
                                    tr {
                                        td { code { (when(h.ts)) } }
                                        td { code class="id" { (h.action) } }
                                        td { (words::outcome_words(h)) }
                                        td { (code_or(h.caller.as_deref(), "unknown")) }
                                        td { (code_or(h.plan_digest.as_deref(), "none")) }
                                        td { (h.approval.map_or("not recorded", words::approval_word)) }
                                        td { (h.reason.as_deref().unwrap_or("none")) }
                                        td { (code_or(h.request_id.as_deref(), "none")) }
                                    } "\n"
                                }
                            }
                        }
                    }
                } "\n"
                @if let Some(locked) = &r.locked_text {
                    dt { "In force" }
                    dd {
                        p class="muted" { (prose(&locked.what)) }
                        pre class="locked" { (locked.text) }
                    } "\n"
                }
                @if let Some((plan, diff)) = r.plan.as_ref().and_then(|p| Some((p, p.text_diff.as_ref()?))) {
                    @let of = describe::describe(plan).diff_of();
                    dt { (capitalized(of)) " diff" }
                    dd {
                        p class="muted" { "from the live " (of) " to the desired one" }
                        // One block per line and no newline between them: inside <pre> a
                        // newline would add an empty line after each block.
                        pre class="diff" {
                            @for line in diff.lines() {
                                span class=[diff_class(line)] { (line) }
                            }
                        }
                    } "\n"
                }
            } "\n"
        } "\n"
    }
}

fn planned(a: &Action) -> Markup {
    let class = words::reversibility_word(a.reversibility);
    html! {
        li {
            code class="id" { (a.action.as_str()) } " "
            @match a.reversibility {
                Reversibility::Reversible => { (class) }
                _ => { strong { (class) } }
            }
            @if a.lowers_protection {
                ", " strong { (super::describe::LOWERS_PROTECTION) }
            }
            ", "
            @match (a.status, a.not_before) {
                (ActionStatus::Ready, _) => { "ready" }
                (ActionStatus::Deferred, Some(t)) => { "waits until " code { (when(t)) } }
                (ActionStatus::Deferred, None) => { "waits" }
                (ActionStatus::Refused, _) => { strong { "refused" } }
            }
            ": " (prose(&a.reason))
        }
    }
}

/// The class of a line of a unified diff: an added or a removed line, or neither.
fn diff_class(line: &str) -> Option<&'static str> {
    if line.starts_with('+') && !line.starts_with("+++") {
        Some("add")
    } else if line.starts_with('-') && !line.starts_with("---") {
        Some("del")
    } else {
        None
    }
}

fn badge(v: Verdict) -> Markup {
    html! { span class={ "badge " (v.as_str()) } { (v.as_str()) } }
}

/// A link to the resource's section.
fn link(address: &Address) -> Markup {
    html! { a href={ "#" (display(address)) } { code { (display(address)) } } }
}

fn links(addresses: &[&Address]) -> Markup {
    html! {
        @for (i, address) in addresses.iter().enumerate() {
            @if i > 0 { ", " }
            (link(address))
        }
    }
}

/// Values as code, separated by commas.
fn codes(values: &[String]) -> Markup {
    html! {
        @for (i, value) in values.iter().enumerate() {
            @if i > 0 { ", " }
            code { (value) }
        }
    }
}

/// The value as code, or `absent` as prose when there is none.
fn code_or(value: Option<&str>, absent: &str) -> Markup {
    html! {
        @match value {
            Some(value) => { code { (value) } }
            None => { (absent) }
        }
    }
}

fn phrase(p: &Phrase) -> Markup {
    html! {
        @for piece in &p.0 {
            @match piece {
                Piece::Text(t) => { (t) }
                Piece::Value(v) => { code { (v) } }
            }
        }
    }
}

/// Prose from the report with `quoted` names set as code.
fn prose(value: &str) -> Markup {
    let parts: Vec<&str> = value.split('`').collect();
    html! {
        @if parts.len().is_multiple_of(2) {
            // An unpaired backtick: the text as it is.
            (value)
        } @else {
            @for (i, part) in parts.iter().enumerate() {
                @if i % 2 == 1 { code { (part) } } @else { (part) }
            }
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use jiff::Timestamp;
    use serde_json::json;

    use super::*;
    use crate::kinds::sample;
    use crate::plan::{Action, ActionKind, Outcome, ResourcePlan, Target};
    use crate::report::{
        Caller, DiscoveryScope, HistoryEntry, HorizonEntry, JournalSummary, LockedText,
        ReportSummary, ScopeTotals, StateSummary, UnmanagedLock,
    };
    use crate::vocabulary::Address;

    /// Would open a script, close an attribute or end the stylesheet if it went in as it is.
    const HOSTILE: &str = r#"<script>alert('x')</script>"&</style>"#;
    const HOSTILE_ESCAPED: &str =
        "&lt;script&gt;alert('x')&lt;/script&gt;&quot;&amp;&lt;/style&gt;";
    /// [`HOSTILE`] after the compact JSON of a value this build cannot describe.
    const HOSTILE_IN_JSON_ESCAPED: &str =
        "&lt;script&gt;alert('x')&lt;/script&gt;\\&quot;&amp;&lt;/style&gt;";

    /// `[field]` then [`HOSTILE`]: which field the text came from is in the text.
    pub(in crate::render) fn hostile(field: &str) -> String {
        format!("[{field}]{HOSTILE}")
    }

    /// Every text field the HTML report shows, each holding [`HOSTILE`].
    pub(in crate::render) fn hostile_report() -> Report {
        let address = Address::new(sample::KIND, hostile("address"));
        let plan = ResourcePlan {
            address: address.clone(),
            kind: sample::KIND,
            physical_key: hostile("physical_key"),
            outcome: Outcome::Noop,
            target: Target::for_tests(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            key: None,
            live: json!({ "state": hostile("live") }),
            desired: json!({ "state": hostile("desired") }),
            recorded: json!({ "state": "none" }),
            actions: vec![Action::ready(ActionKind::COMPLETE_LOCK, hostile("reason"))],
            messages: vec![],
            text_diff: Some(format!(
                "--- live policy\n+++ desired policy\n-{}\n+{}\n {}",
                hostile("diff_removed"),
                hostile("diff_added"),
                hostile("diff_kept")
            )),
            recovery: None,
        };
        let record = sample::record_with(|field| hostile(&format!("record_{field}")));
        Report {
            format_version: crate::report::REPORT_FORMAT_VERSION.into(),
            lockward_version: hostile("lockward_version"),
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
            callers: vec![Caller {
                account: hostile("caller_account"),
                arn: hostile("caller_arn"),
                providers: vec![hostile("caller_provider")],
                account_name: Some(hostile("account_name")),
            }],
            summary: ReportSummary {
                violation: 1,
                unmanaged: 1,
                ..ReportSummary::default()
            },
            totals: vec![ScopeTotals {
                account: hostile("totals_account"),
                region: hostile("totals_region"),
                violation: 1,
                ..ScopeTotals::default()
            }],
            horizon_days: 30,
            horizon: vec![HorizonEntry {
                at: Timestamp::UNIX_EPOCH,
                address: address.clone(),
                account: hostile("horizon_account"),
                region: hostile("horizon_region"),
                what: hostile("horizon_what"),
                point_of_no_return: true,
            }],
            resources: vec![ResourceReport {
                address,
                kind: sample::KIND,
                provider: hostile("provider"),
                account: hostile("resource_account"),
                region: hostile("resource_region"),
                verdict: Verdict::Violation,
                immutable_from: None,
                locked_text: Some(LockedText {
                    what: hostile("locked_what"),
                    text: hostile("locked_text"),
                }),
                findings: vec![
                    hostile("finding"),
                    format!("vault `{}` is locked", hostile("finding_code")),
                ],
                plan: Some(plan),
                recorded: Some(record),
                history: vec![HistoryEntry {
                    ts: Timestamp::UNIX_EPOCH,
                    action: hostile("history_action"),
                    outcome: crate::report::HistoryOutcome::Failed,
                    effect: Some("unknown".into()),
                    note: Some(hostile("history_note")),
                    plan_digest: Some(hostile("history_plan")),
                    caller: Some(hostile("history_caller")),
                    approval: Some(crate::apply::journal::Approval::Digest),
                    reason: Some(hostile("history_reason")),
                    request_id: Some(hostile("history_request_id")),
                }],
                declared_at: Some(crate::report::SourceLocation {
                    file: hostile("config").into(),
                    line: 7,
                    column: 3,
                }),
                located_at: Some(crate::report::SourceLocation {
                    file: hostile("policy_file").into(),
                    line: 1,
                    column: 1,
                }),
            }],
            unmanaged: vec![UnmanagedLock::new(
                sample::KIND,
                vec![hostile("unmanaged_provider")],
                hostile("unmanaged_region"),
                &hostile("unmanaged_name"),
                &hostile("unmanaged_lock_state"),
                Address::new(sample::KIND, "stray"),
                hostile("unmanaged_next_step"),
            )
            .detail(
                "resource_type",
                hostile("unmanaged_resource_type"),
                Phrase::of_text(" for ").value(hostile("unmanaged_resource_type")),
            )
            .detail(
                "policy_digest",
                hostile("unmanaged_policy"),
                Phrase::of_text(hostile("unmanaged_detail_words"))
                    .value(hostile("unmanaged_policy")),
            )],
            discovery: vec![DiscoveryScope {
                account: hostile("discovery_account"),
                providers: vec![hostile("discovery_provider")],
                region: hostile("discovery_region"),
                listed: [(sample::KIND, 1), (sample::OTHER_KIND, 0)].into(),
            }],
            selection: vec![],
            not_selected: 0,
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
            "record_name",
            "record_id",
            "record_digest",
            "history_action",
            "history_plan",
            "history_caller",
            "unmanaged_provider",
            "unmanaged_region",
            "unmanaged_name",
            "unmanaged_resource_type",
            "unmanaged_lock_state",
            "unmanaged_policy",
            "unmanaged_detail_words",
            "unmanaged_next_step",
            "discovery_provider",
            "discovery_region",
            "discovery_account",
            "lockward_version",
            "caller_account",
            "caller_arn",
            "caller_provider",
            "totals_account",
            "totals_region",
            "horizon_account",
            "horizon_region",
            "horizon_what",
            "resource_account",
            "resource_region",
            "locked_what",
            "locked_text",
            "history_reason",
            "history_request_id",
            "history_note",
        ] {
            let escaped = format!("[{field}]{HOSTILE_ESCAPED}");
            assert!(html.contains(&escaped), "no {escaped} in {html}");
        }
        for field in ["live", "desired"] {
            let escaped = format!("[{field}]{HOSTILE_IN_JSON_ESCAPED}");
            assert!(html.contains(&escaped), "no {escaped} in {html}");
        }
        let id = format!("id=\"{}.[address]{HOSTILE_ESCAPED}\"", sample::KIND);
        assert!(html.contains(&id), "no {id} in {html}");
        let href = format!("href=\"#{}.[address]{HOSTILE_ESCAPED}\"", sample::KIND);
        assert!(html.contains(&href), "no {href} in {html}");
    }

    #[test]
    fn prose_sets_quoted_names_as_code_and_escapes_the_rest() {
        assert_eq!(
            prose("vault `a<b>` is locked").into_string(),
            "vault <code>a&lt;b&gt;</code> is locked"
        );
        assert_eq!(
            prose("one ` only <x>").into_string(),
            "one ` only &lt;x&gt;"
        );
    }
}
