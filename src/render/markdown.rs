//! The Markdown renderer: a GitHub pull-request comment.
//!
//! Every value taken from the plan goes through [`code`] (names, times, paths) or [`text`]
//! (reasons, messages), which escape it for where it lands, so no value can end a table cell,
//! close a code span, open an HTML tag or close the policy diff's fence.

use std::io::{self, Write};

use super::describe::{self, Ending, Phrase, Piece};
use super::RenderOptions;
use crate::kinds::Address;
use crate::plan::{Action, ActionStatus, Outcome, Plan, ResourcePlan, Reversibility, Severity};

/// The hidden first line of every Markdown plan, so a workflow can find and update the
/// comment it posted before instead of adding a new one.
pub const MARKDOWN_MARKER: &str = "<!-- lockward-plan -->";

/// Where an escaped value lands: a table cell must also escape `|` and cannot hold a newline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    Table,
    Block,
}

pub(super) fn render(plan: &Plan, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{MARKDOWN_MARKER}")?;
    writeln!(
        out,
        "## lockward plan: {}",
        describe::summary_counts(&plan.summary)
    )?;
    writeln!(out)?;

    match describe::ending(plan) {
        Ending::Conflicts(n) => {
            writeln!(out, "> [!IMPORTANT]")?;
            writeln!(
                out,
                "> **{}** See the conflicts below.",
                describe::conflicts_sentence(n)
            )?;
            writeln!(out)?;
        }
        Ending::NoChanges => {
            writeln!(out, "{}", describe::NO_CHANGES)?;
            writeln!(out)?;
        }
        Ending::OnlyBlocked(n) => {
            writeln!(out, "{}", describe::only_blocked_sentence(n))?;
            writeln!(out)?;
        }
        Ending::Apply => {}
    }

    warnings(plan, out)?;

    if !plan.resources.is_empty() {
        table(plan, out)?;
        details(plan, out)?;
    }

    writeln!(out, "Digest: {}", code(&plan.digest, Place::Block))?;
    if let Some(sentence) = describe::valid_until_sentence(plan) {
        writeln!(out)?;
        writeln!(out, "{}", text(&sentence))?;
    }
    if let Ending::Apply = describe::ending(plan) {
        let command = options.apply.approving(plan);
        let fence = fence_for(&command, '`');
        writeln!(out)?;
        writeln!(out, "To apply exactly this plan:")?;
        writeln!(out)?;
        writeln!(out, "{fence}sh")?;
        writeln!(out, "{command}")?;
        writeln!(out, "{fence}")?;
    }
    Ok(())
}

/// Irreversible actions, then delayed ones, in a GitHub alert: CAUTION when anything is
/// irreversible, WARNING when the worst is delayed. Nothing when every action is reversible.
fn warnings(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    let all: Vec<(&ResourcePlan, &Action)> = plan
        .resources
        .iter()
        .flat_map(|r| r.actions.iter().map(move |a| (r, a)))
        .collect();
    let worst = all.iter().map(|(_, a)| a.reversibility).max();
    let alert = match worst {
        Some(Reversibility::Irreversible) => "CAUTION",
        Some(Reversibility::Delayed) => "WARNING",
        Some(Reversibility::Reversible) | None => return Ok(()),
    };
    writeln!(out, "> [!{alert}]")?;
    writeln!(
        out,
        "> This plan holds actions that cannot be undone, or only after a delay:"
    )?;
    writeln!(out, ">")?;
    for class in [Reversibility::Irreversible, Reversibility::Delayed] {
        for (r, a) in all.iter().filter(|(_, a)| a.reversibility == class) {
            writeln!(
                out,
                "> - {} {} on {}{}: {}",
                class_word(class),
                code(a.action.as_str(), Place::Block),
                code(&r.address.to_string(), Place::Block),
                status_words(a, Place::Block),
                describe::consequence(a.action),
            )?;
        }
    }
    writeln!(out)
}

fn table(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "| Resource | Outcome | Live | Desired | Actions |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for r in &plan.resources {
        let words = describe::describe(r);
        let mut resource = code(&r.address.to_string(), Place::Table);
        if !words.subject.0.is_empty() {
            resource.push_str("<br>");
            resource.push_str(&phrase(&words.subject, Place::Table));
        }
        resource.push_str("<br>in ");
        resource.push_str(&code(&r.target.to_string(), Place::Table));
        let actions = if r.actions.is_empty() {
            "none".to_string()
        } else {
            r.actions
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    format!(
                        "{}. {} {}{}",
                        i + 1,
                        code(a.action.as_str(), Place::Table),
                        class_word(a.reversibility),
                        status_words(a, Place::Table)
                    )
                })
                .collect::<Vec<_>>()
                .join("<br>")
        };
        writeln!(
            out,
            "| {resource} | {} | {} | {} | {actions} |",
            outcome_word(r.outcome),
            phrase(&words.live, Place::Table),
            phrase(&words.desired, Place::Table),
        )?;
    }
    writeln!(out)
}

/// Per resource with something to say: each action with its reason, the messages (reasons
/// for blocked and conflict outcomes, warnings), and the policy diff folded in `<details>`.
fn details(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    for r in &plan.resources {
        if r.actions.is_empty() && r.messages.is_empty() && r.policy_diff.is_none() {
            continue;
        }
        writeln!(
            out,
            "#### {}: {}",
            code(&r.address.to_string(), Place::Block),
            outcome_word(r.outcome)
        )?;
        writeln!(out)?;
        for (i, a) in r.actions.iter().enumerate() {
            writeln!(
                out,
                "{}. {} {}{}: {}. {}",
                i + 1,
                code(a.action.as_str(), Place::Block),
                class_word(a.reversibility),
                status_words(a, Place::Block),
                describe::consequence(a.action),
                text(&a.reason),
            )?;
        }
        if !r.actions.is_empty() {
            writeln!(out)?;
        }
        for m in &r.messages {
            let label = match (m.severity, r.outcome) {
                (Severity::Error, Outcome::Conflict) => "**Conflict:** ",
                (Severity::Error, _) => "**Error:** ",
                (Severity::Warning, _) => "**Warning:** ",
                (Severity::Note, Outcome::Blocked) => "**Blocked:** ",
                (Severity::Note, _) => "**Note:** ",
            };
            writeln!(out, "- {label}{}", text(&m.text))?;
        }
        if !r.messages.is_empty() {
            writeln!(out)?;
        }
        if let Some(policy) = describe::policy_to_set(r) {
            policy_details(&r.address, &policy, out)?;
        }
        if let Some(diff) = &r.policy_diff {
            policy_diff_details(&r.address, diff, out)?;
        }
    }
    Ok(())
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Noop => "no change",
        Outcome::Change => "change",
        Outcome::Blocked => "blocked",
        Outcome::Conflict => "**conflict**",
    }
}

fn class_word(r: Reversibility) -> String {
    match r {
        Reversibility::Reversible => describe::reversibility_word(r).to_string(),
        Reversibility::Delayed | Reversibility::Irreversible => {
            format!("**{}**", describe::reversibility_word(r))
        }
    }
}

/// `, waits until <time>` or `, waits` for a deferred action; nothing for a ready one.
fn status_words(a: &Action, place: Place) -> String {
    match (a.status, a.not_before) {
        (ActionStatus::Ready, _) => String::new(),
        (ActionStatus::Deferred, Some(t)) => {
            format!(", waits until {}", code(&t.to_string(), place))
        }
        (ActionStatus::Deferred, None) => ", waits".to_string(),
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

/// A value as inline code. The delimiter is one backtick longer than any run of backticks in
/// the value, so the value cannot close it; newlines become separate spans.
pub(super) fn code(value: &str, place: Place) -> String {
    if value.is_empty() {
        return "(empty)".to_string();
    }
    let separator = match place {
        Place::Table => "<br>",
        Place::Block => " ",
    };
    value
        .lines()
        .map(|line| code_line(line, place))
        .collect::<Vec<_>>()
        .join(separator)
}

fn code_line(line: &str, place: Place) -> String {
    let ticks = "`".repeat(longest_run(line, '`') + 1);
    // A span whose content starts or ends with a backtick or a space needs a space of padding
    // on both sides; CommonMark strips exactly one from each side again.
    let pad = if line.starts_with(['`', ' ']) || line.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    let line = match place {
        // GitHub splits table rows on `|` before it parses code spans; `\|` is a literal pipe
        // even inside a span.
        Place::Table => line.replace('|', r"\|"),
        Place::Block => line.to_string(),
    };
    format!("{ticks}{pad}{line}{pad}{ticks}")
}

/// Prose from the plan (a reason, a message) with every character that Markdown or HTML
/// would read as markup escaped; newlines become `<br>`.
pub(super) fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut lines = value.lines().peekable();
    while let Some(line) = lines.next() {
        for c in line.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        if lines.peek().is_some() {
            out.push_str("<br>");
        }
    }
    out
}

/// Text for inside an HTML element.
pub(super) fn html(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A code fence longer than any run of `c` in `content`, at least three.
pub(super) fn fence_for(content: &str, c: char) -> String {
    c.to_string().repeat((longest_run(content, c) + 1).max(3))
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for ch in s.chars() {
        run = if ch == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// A policy diff folded into `<details>`, as a ```diff block (the fence made longer than any
/// run of backticks in the diff).
pub(super) fn policy_diff_details(
    address: &Address,
    diff: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let summary = format!(
        "Policy diff for <code>{}</code>, from live to desired",
        html(&address.to_string())
    );
    folded(&summary, "diff", diff, out)
}

/// The policy an action sets, in full, folded into `<details>` as a ```json block.
fn policy_details(
    address: &Address,
    policy: &describe::PolicyToSet,
    out: &mut dyn Write,
) -> io::Result<()> {
    let words: String = describe::policy_to_set_phrase(policy)
        .0
        .iter()
        .map(|piece| match piece {
            Piece::Text(t) => html(t),
            Piece::Value(v) => format!("<code>{}</code>", html(v)),
        })
        .collect();
    let summary = format!("For <code>{}</code>: {words}", html(&address.to_string()));
    folded(&summary, "json", &policy.pretty, out)
}

/// `content` in a fenced block of language `lang` (the fence made longer than any run of
/// backticks in it), folded into `<details>` under `summary` (HTML, already escaped).
fn folded(summary: &str, lang: &str, content: &str, out: &mut dyn Write) -> io::Result<()> {
    let fence = fence_for(content, '`');
    writeln!(out, "<details>")?;
    writeln!(out, "<summary>{summary}</summary>")?;
    writeln!(out)?;
    writeln!(out, "{fence}{lang}")?;
    for line in content.lines() {
        writeln!(out, "{line}")?;
    }
    writeln!(out, "{fence}")?;
    writeln!(out)?;
    writeln!(out, "</details>")?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code("a`b", Place::Block), "``a`b``");
        assert_eq!(code("`x`", Place::Block), "`` `x` ``");
        assert_eq!(code("a|b", Place::Table), r"`a\|b`");
        assert_eq!(code("a|b", Place::Block), "`a|b`");
        assert_eq!(code("one\ntwo", Place::Table), "`one`<br>`two`");
        assert_eq!(code("", Place::Block), "(empty)");
    }

    #[test]
    fn text_escapes_markup_and_html() {
        assert_eq!(
            text("<b>x</b> | `y` *z*"),
            r"&lt;b&gt;x&lt;/b&gt; \| \`y\` \*z\*"
        );
        assert_eq!(text("a\nb"), "a<br>b");
    }

    #[test]
    fn fences_outgrow_the_content() {
        assert_eq!(fence_for("no ticks", '`'), "```");
        assert_eq!(fence_for("+ \"````\"", '`'), "`````");
    }
}
