//! The compliance report as GitHub-flavoured Markdown. Every value goes through the plan
//! renderer's escaping (`code`, `text`), so nothing from AWS or the config can break a table,
//! a code span or the page's HTML.

use std::io::{self, Write};

use super::describe::{Phrase, Piece};
use super::markdown::{code, text, Place};
use super::report::{self as words, REPORT_MARKDOWN_MARKER, TITLE};
use crate::plan::{ActionStatus, Reversibility};
use crate::report::{Report, ResourceReport, Verdict};

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut full = Vec::new();
    render_with(report, None, &mut full)?;
    if full.len() <= super::markdown::COMMENT_BUDGET {
        return super::markdown::write_escaped(&full, out);
    }
    let mut short = Vec::new();
    render_with(report, Some(super::markdown::COMMENT_BUDGET), &mut short)?;
    super::markdown::write_escaped(&short, out)
}

/// The report as Markdown; with a `budget` (a report too long for one GitHub comment), compliant
/// resources are listed by address only, and sections are written while they fit, with a note
/// of how many did not and where the full report is.
fn render_with(report: &Report, budget: Option<usize>, out: &mut Vec<u8>) -> io::Result<()> {
    writeln!(out, "{REPORT_MARKDOWN_MARKER}")?;
    writeln!(out, "## {TITLE}")?;
    writeln!(out)?;
    writeln!(out, "**{}**", words::summary_sentence(&report.summary))?;
    writeln!(out)?;
    alert(report, out)?;
    meta(report, out)?;
    for note in &report.notes {
        writeln!(out, "> [!NOTE]")?;
        writeln!(out, "> {}", prose(note, Place::Block))?;
        writeln!(out)?;
    }
    totals(report, out)?;
    horizon(report, out)?;

    writeln!(out, "### Declared resources")?;
    writeln!(out)?;
    if report.resources.is_empty() {
        writeln!(out, "The configuration declares no resources.")?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "| Resource | Account | Region | Verdict | Intent | Live | Last recorded change |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        let listed = |r: &&ResourceReport| budget.is_none() || r.verdict != Verdict::Compliant;
        for r in report.resources.iter().filter(listed) {
            let w = words::resource_words(r);
            let mut resource = code(&r.address.to_string(), Place::Table);
            if !w.subject.0.is_empty() {
                resource.push_str("<br>");
                resource.push_str(&phrase(&w.subject, Place::Table));
            }
            let last = r.history.last().map_or_else(
                || "none".to_string(),
                |h| {
                    format!(
                        "{} at {}",
                        code(&h.action, Place::Table),
                        code(&super::describe::when(h.ts), Place::Table)
                    ) + &failed_suffix(h)
                },
            );
            writeln!(
                out,
                "| {resource} | {} | {} | {} | {} | {} | {last} |",
                code(&r.account, Place::Table),
                code(&r.region, Place::Table),
                verdict(r.verdict),
                phrase(&w.desired, Place::Table),
                phrase(&w.live, Place::Table),
            )?;
        }
        writeln!(out)?;
        let compliant: Vec<&ResourceReport> =
            report.resources.iter().filter(|r| !listed(r)).collect();
        if !compliant.is_empty() {
            writeln!(
                out,
                "<details><summary>{} compliant resource(s)</summary>\n",
                compliant.len()
            )?;
            for r in &compliant {
                writeln!(out, "- {}", code(&r.address.to_string(), Place::Block))?;
            }
            writeln!(out, "\n</details>\n")?;
        }
        let mut left_out = 0;
        for r in report.resources.iter().filter(listed) {
            let mut section = Vec::new();
            resource(r, &mut section)?;
            match budget {
                Some(budget) if out.len() + section.len() + 2000 > budget => left_out += 1,
                _ => out.extend_from_slice(&section),
            }
        }
        if budget.is_some() {
            writeln!(
                out,
                "> [!NOTE]\n> This report of {} resources is too long for one comment: compliant resources are listed by address{}. The full report is in the workflow's artifacts (`lockward report --format html` or `--format json`).\n",
                report.resources.len(),
                if left_out > 0 {
                    format!(", and {left_out} resource section(s) did not fit")
                } else {
                    String::new()
                }
            )?;
        }
    }

    writeln!(out, "### Unmanaged locks")?;
    writeln!(out)?;
    if report.unmanaged.is_empty() {
        writeln!(
            out,
            "Discovery found no lock that the configuration does not declare."
        )?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "Locks that exist in a configured account and region but that no resource declares:"
        )?;
        writeln!(out)?;
        writeln!(out, "| Lock | Account | Region | State | Next step |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for u in &report.unmanaged {
            let what = u.kind.noun();
            writeln!(
                out,
                "| {what} {} | {} | {} ({}) | {} | {} |",
                code(&u.name, Place::Table),
                code(&u.account, Place::Table),
                code(&u.region, Place::Table),
                u.providers
                    .iter()
                    .map(|p| code(p, Place::Table))
                    .collect::<Vec<_>>()
                    .join(", "),
                phrase(&u.words, Place::Table),
                prose(&u.next_step, Place::Table),
            )?;
        }
        writeln!(out)?;
    }

    writeln!(out, "### Discovery")?;
    writeln!(out)?;
    if report.discovery.is_empty() {
        writeln!(
            out,
            "The configuration declares no provider, so no account was searched."
        )?;
    }
    for d in &report.discovery {
        writeln!(
            out,
            "- {} {} (provider {}): {} listed.",
            code(&d.account, Place::Block),
            code(&d.region, Place::Block),
            d.providers
                .iter()
                .map(|p| code(p, Place::Block))
                .collect::<Vec<_>>()
                .join(", "),
            words::listed(d, |n, counted| counted.of(n)),
        )?;
    }
    writeln!(out)?;
    writeln!(out, "<details>")?;
    writeln!(out, "<summary>What the verdicts mean</summary>")?;
    writeln!(out)?;
    for v in Verdict::ALL {
        writeln!(out, "- {}: {}.", verdict(v), words::verdict_meaning(v))?;
    }
    writeln!(out)?;
    writeln!(out, "</details>")?;
    Ok(())
}

fn alert(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let listed = |v: Verdict| -> Vec<String> {
        report
            .resources
            .iter()
            .filter(|r| r.verdict == v)
            .map(|r| code(&r.address.to_string(), Place::Block))
            .collect()
    };
    let (violations, drifts) = (listed(Verdict::Violation), listed(Verdict::Drift));
    if violations.is_empty() && drifts.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "> [!{}]",
        if violations.is_empty() {
            "WARNING"
        } else {
            "CAUTION"
        }
    )?;
    if !violations.is_empty() {
        writeln!(
            out,
            "> **Violation:** {} can never reach the configuration as things stand.",
            violations.join(", ")
        )?;
    }
    if !violations.is_empty() && !drifts.is_empty() {
        writeln!(out, ">")?;
    }
    if !drifts.is_empty() {
        writeln!(
            out,
            "> **Drift:** {} moved away from a state lockward had reached.",
            drifts.join(", ")
        )?;
    }
    writeln!(out)
}

fn meta(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let state = match &report.state.lineage {
        Some(lineage) => format!(
            "{}, lineage {}, serial {}",
            code(&report.state.path.display().to_string(), Place::Table),
            code(lineage, Place::Table),
            report.state.serial
        ),
        None => format!(
            "{} (never written)",
            code(&report.state.path.display().to_string(), Place::Table)
        ),
    };
    let mut journal = format!(
        "{}, {}",
        code(&report.journal.path.display().to_string(), Place::Table),
        count(report.journal.records, "record", "records")
    );
    if report.journal.damaged_lines > 0 {
        journal.push_str(&format!(
            ", {} unreadable",
            count(report.journal.damaged_lines, "line", "lines")
        ));
    }
    writeln!(out, "| | |")?;
    writeln!(out, "|---|---|")?;
    writeln!(
        out,
        "| Generated | {} |",
        code(&super::describe::when(report.generated_at), Place::Table)
    )?;
    writeln!(
        out,
        "| Configuration | {}, digest {} |",
        code(&report.config.display().to_string(), Place::Table),
        code(&report.config_digest, Place::Table)
    )?;
    writeln!(
        out,
        "| Plan | {} |",
        code(&report.plan_digest, Place::Table)
    )?;
    writeln!(out, "| State file | {state} |")?;
    writeln!(out, "| Journal | {journal} |")?;
    writeln!(
        out,
        "| lockward | {} |",
        code(&report.lockward_version, Place::Table)
    )?;
    for c in &report.callers {
        writeln!(
            out,
            "| Read as | account {}{}: {} (provider {}) |",
            code(&c.account, Place::Table),
            c.account_name
                .as_deref()
                .map(|n| format!(" ({})", code(n, Place::Table)))
                .unwrap_or_default(),
            code(&c.arn, Place::Table),
            c.providers
                .iter()
                .map(|p| code(p, Place::Table))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    writeln!(out)
}

fn totals(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.totals.is_empty() {
        return Ok(());
    }
    writeln!(out, "### Totals per account and region")?;
    writeln!(out)?;
    let heads: Vec<&str> = Verdict::ALL.iter().map(|v| v.as_str()).collect();
    writeln!(
        out,
        "| Account | Region | {} | unmanaged |",
        heads.join(" | ")
    )?;
    writeln!(out, "|---|---|{}---:|", "---:|".repeat(heads.len()))?;
    for t in &report.totals {
        let counts: Vec<String> = Verdict::ALL
            .iter()
            .map(|v| t.count(*v).to_string())
            .collect();
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            code(&t.account, Place::Table),
            code(&t.region, Place::Table),
            counts.join(" | "),
            t.unmanaged
        )?;
    }
    writeln!(out)
}

fn horizon(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "### Horizon: the next {}",
        super::report::days(report.horizon_days)
    )?;
    writeln!(out)?;
    if report.horizon.is_empty() {
        writeln!(
            out,
            "No point of no return, expiry or end of a delay falls within {}.",
            super::report::days(report.horizon_days)
        )?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "| When | Resource | Account | Region | What happens |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for h in &report.horizon {
        let what = prose(&h.what, Place::Table);
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            code(&super::describe::when(h.at), Place::Table),
            code(&h.address.to_string(), Place::Table),
            code(&h.account, Place::Table),
            code(&h.region, Place::Table),
            if h.point_of_no_return {
                format!("**{what}**")
            } else {
                what
            }
        )?;
    }
    writeln!(out)
}

fn resource(r: &ResourceReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "#### {}: {}",
        code(&r.address.to_string(), Place::Block),
        verdict(r.verdict)
    )?;
    writeln!(out)?;
    for f in &r.findings {
        writeln!(out, "- {}", prose(f, Place::Block))?;
    }
    writeln!(out)?;
    let actions = r.plan.as_ref().map_or(&[][..], |p| &p.actions[..]);
    if !actions.is_empty() {
        writeln!(out, "Planned actions:")?;
        writeln!(out)?;
        for (i, a) in actions.iter().enumerate() {
            let class = match a.reversibility {
                Reversibility::Reversible => words::reversibility_word(a.reversibility).to_string(),
                _ => format!("**{}**", words::reversibility_word(a.reversibility)),
            };
            let class = if a.lowers_protection {
                format!("{class}, **{}**", super::describe::LOWERS_PROTECTION)
            } else {
                class
            };
            let status = match (a.status, a.not_before) {
                (ActionStatus::Ready, _) => ", ready".to_string(),
                (ActionStatus::Deferred, Some(t)) => {
                    format!(
                        ", waits until {}",
                        code(&super::describe::when(t), Place::Block)
                    )
                }
                (ActionStatus::Deferred, None) => ", waits".to_string(),
                (ActionStatus::Refused, _) => ", **refused**".to_string(),
            };
            writeln!(
                out,
                "{}. {} {class}{status}: {}",
                i + 1,
                code(a.action.as_str(), Place::Block),
                prose(&a.reason, Place::Block)
            )?;
        }
        writeln!(out)?;
    }
    let state_file = if r.verdict == Verdict::Undeclared {
        "Last known protection (the state file's record)"
    } else {
        "State file"
    };
    match &r.recorded {
        Some(record) => {
            let fields: Vec<String> = super::state::fields(record)
                .into_iter()
                .map(|(field, value)| format!("{field} {}", code(&value, Place::Block)))
                .collect();
            writeln!(out, "{state_file}: {}.", fields.join(", "))?;
        }
        None => writeln!(out, "State file: nothing recorded.")?,
    }
    writeln!(out)?;
    if r.history.is_empty() {
        writeln!(out, "Journal: no change recorded.")?;
        writeln!(out)?;
    } else {
        writeln!(out, "Journal:")?;
        writeln!(out)?;
        writeln!(
            out,
            "| When | Action | Outcome | By | Plan | Approval | Reason | AWS request id |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|")?;
        let or = |value: Option<&str>, none: &str| {
            value.map_or_else(|| none.to_string(), |v| code(v, Place::Table))
        };
        for h in &r.history {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                code(&super::describe::when(h.ts), Place::Table),
                code(&h.action, Place::Table),
                text(&words::outcome_words(h)),
                or(h.caller.as_deref(), "unknown"),
                or(h.plan_digest.as_deref(), "none"),
                h.approval
                    .map_or("not recorded", |a| super::report::approval_word(a)),
                h.reason.as_deref().map_or_else(|| "none".to_string(), text),
                or(h.request_id.as_deref(), "none"),
            )?;
        }
        writeln!(out)?;
    }
    if let Some(locked) = &r.locked_text {
        let fence = super::markdown::fence_for(&locked.text, '`');
        writeln!(out, "<details>")?;
        writeln!(
            out,
            "<summary>In force: {}</summary>",
            html_prose(&locked.what)
        )?;
        writeln!(out)?;
        writeln!(out, "{fence}json")?;
        for line in locked.text.lines() {
            writeln!(out, "{}", crate::render::escape::value(line))?;
        }
        writeln!(out, "{fence}")?;
        writeln!(out)?;
        writeln!(out, "</details>")?;
        writeln!(out)?;
    }
    if let Some((plan, diff)) = r
        .plan
        .as_ref()
        .and_then(|p| Some((p, p.text_diff.as_ref()?)))
    {
        super::markdown::text_diff_details(plan, diff, out)?;
    }
    Ok(())
}

/// Prose from the report, escaped, with `quoted` names set as code spans (which `code` makes
/// safe whatever they hold).
fn prose(value: &str, place: Place) -> String {
    let parts: Vec<&str> = value.split('`').collect();
    if parts.len().is_multiple_of(2) {
        // An unpaired backtick: escape it all as text.
        return text(value);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                code(part, place)
            } else {
                text(part)
            }
        })
        .collect()
}

/// Prose for inside HTML (a `<summary>`, where Markdown is not read): escaped, with `quoted`
/// names in `<code>`.
fn html_prose(value: &str) -> String {
    let parts: Vec<&str> = value.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return super::markdown::html(value);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", super::markdown::html(part))
            } else {
                super::markdown::html(part)
            }
        })
        .collect()
}

fn verdict(v: Verdict) -> String {
    match v {
        Verdict::Compliant | Verdict::Pending | Verdict::Empty => {
            words::verdict_word(v).to_string()
        }
        Verdict::Undeclared | Verdict::Drift | Verdict::Violation | Verdict::Unknown => {
            format!("**{}**", words::verdict_word(v))
        }
    }
}

fn phrase(p: &Phrase, place: Place) -> String {
    p.0.iter()
        .map(|piece| match piece {
            Piece::Text(t) => text(t),
            Piece::Value(v) => code(v, place),
        })
        .collect()
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// ` (failed)` after the last recorded change when that was a failed call.
fn failed_suffix(h: &crate::report::HistoryEntry) -> String {
    if h.outcome == crate::report::HistoryOutcome::Failed {
        " (failed)".to_string()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_sets_quoted_names_as_code_and_escapes_the_rest() {
        assert_eq!(
            prose("rule `a|b` is *locked*", Place::Table),
            r"rule `a\|b` is \*locked\*"
        );
        assert_eq!(prose("one ` only", Place::Block), r"one \` only");
    }
}
