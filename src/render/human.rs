//! The human renderer: Terraform-like text for a terminal.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::describe::{self, Ending};
use super::escape;
use super::RenderOptions;
use crate::plan::{Action, ActionStatus, Outcome, Plan, ResourcePlan, Reversibility, Severity};
use crate::vocabulary::Kind;

const BOLD: Style = Style::new().bold();
const RED: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
const BOLD_RED: Style = RED.bold();
const YELLOW: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
const GREEN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
const CYAN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));

/// Applies styles only when colour was asked for, so the words are the same either way.
struct Paint {
    color: bool,
}

impl Paint {
    /// `text` (escaped: see [`super::escape`]) in `style`.
    fn style(&self, style: Style, text: &str) -> String {
        let text = escape::value(text);
        if self.color && !text.is_empty() {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }
}

pub(super) fn render(plan: &Plan, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint {
        color: options.color,
    };
    if let Some(sealed) = &options.sealed {
        for sentence in describe::sealed_sentences(sealed) {
            writeln!(out, "{sentence}")?;
        }
        writeln!(out)?;
    }
    for r in &plan.resources {
        resource(r, &paint, out)?;
        writeln!(out)?;
    }

    writeln!(out, "{}", super::summary_line(&plan.summary))?;
    writeln!(out, "Digest: {}", plan.digest)?;
    if let Some(sentence) = describe::valid_until_sentence(plan) {
        writeln!(out, "{sentence}")?;
    }
    if let Some(sentence) = describe::state_store_sentence(plan) {
        writeln!(out, "{sentence}")?;
    }
    if let Some(sentence) = crate::plan::words::undeclared_sentence(plan) {
        writeln!(out, "{}", escape::value(&sentence))?;
    }
    match describe::ending(plan) {
        Ending::Conflicts(n, unknown) => writeln!(
            out,
            "{}",
            paint.style(BOLD_RED, &describe::conflicts_sentence(n, unknown))
        )?,
        Ending::NoChanges => writeln!(out, "{}", describe::NO_CHANGES)?,
        Ending::OnlyBlocked(n) => writeln!(out, "{}", describe::only_blocked_sentence(n))?,
        Ending::Apply => writeln!(
            out,
            "To apply exactly this plan: {}",
            escape::value(&options.apply.approving(plan))
        )?,
    }
    Ok(())
}

fn resource(r: &ResourcePlan, paint: &Paint, out: &mut dyn Write) -> io::Result<()> {
    let (state, style) = match r.outcome {
        Outcome::Noop => ("is up to date", Style::new()),
        Outcome::Change => ("will change", BOLD),
        Outcome::Blocked => ("is blocked", YELLOW),
        Outcome::Conflict => ("has a conflict", BOLD_RED),
        Outcome::Unknown => ("could not be read", BOLD_RED),
    };
    writeln!(
        out,
        "# {} {}",
        paint.style(BOLD, &r.address.to_string()),
        paint.style(style, state)
    )?;
    writeln!(out, "  in {}", escape::value(&r.target.to_string()))?;

    let words = describe::describe(r);
    let subject = escape::value(&words.subject.plain()).into_owned();
    let change = format!(
        "{} -> {}",
        escape::value(&words.live.plain()),
        escape::value(&words.desired.plain())
    );
    if subject.is_empty() {
        writeln!(out, "  {change}")?;
    } else {
        writeln!(out, "  {subject}: {change}")?;
    }

    for (i, a) in r.actions.iter().enumerate() {
        action(i + 1, r.kind, a, paint, out)?;
    }

    for m in &r.messages {
        let (label, label_style) = match (m.severity, r.outcome) {
            (Severity::Error, Outcome::Conflict) => ("conflict", RED),
            (Severity::Error, Outcome::Unknown) => ("unknown", RED),
            (Severity::Error, _) => ("error", RED),
            (Severity::Warning, _) => ("warning", YELLOW),
            (Severity::Note, Outcome::Blocked) => ("blocked", YELLOW),
            (Severity::Note, _) => ("note", Style::new()),
        };
        let label = paint.style(label_style, label);
        write_indented(out, &format!("  {label}: "), "    ", &m.text)?;
    }

    if let Some(in_full) = describe::describe(r).in_full {
        writeln!(out, "  {}:", paint.style(BOLD, &in_full.phrase.plain()))?;
        for line in in_full.text.lines() {
            writeln!(out, "    {}", escape::value(line))?;
        }
    }

    if let Some(diff) = &r.text_diff {
        let of = describe::describe(r).diff_of();
        writeln!(out, "  {of} diff (live -> desired):")?;
        for line in diff.lines() {
            let style = if line.starts_with("+++") || line.starts_with("---") {
                BOLD
            } else if line.starts_with('+') {
                GREEN
            } else if line.starts_with('-') {
                RED
            } else if line.starts_with("@@") {
                CYAN
            } else {
                Style::new()
            };
            writeln!(out, "    {}", paint.style(style, line))?;
        }
    }
    Ok(())
}

fn action(n: usize, kind: Kind, a: &Action, paint: &Paint, out: &mut dyn Write) -> io::Result<()> {
    let class = describe::reversibility_word(a.reversibility);
    let class = match a.reversibility {
        Reversibility::Reversible => class.to_string(),
        Reversibility::Delayed => paint.style(YELLOW, class),
        Reversibility::Irreversible => paint.style(BOLD_RED, class),
    };
    let lowers = if a.lowers_protection {
        format!(", {}", paint.style(BOLD_RED, describe::LOWERS_PROTECTION))
    } else {
        String::new()
    };
    writeln!(
        out,
        "  {n}. {}  {class}{lowers}: {}",
        paint.style(BOLD, a.action.as_str()),
        kind.consequence(a.action, a.reversibility)
    )?;
    if let Some(period) = a.permanent_after {
        writeln!(
            out,
            "     {}",
            paint.style(
                BOLD_RED,
                &format!(
                    "becomes permanent by itself {} after it runs, unless undone before",
                    period.words()
                )
            )
        )?;
    }
    match (a.status, a.not_before) {
        (ActionStatus::Ready, _) => write_indented(out, "     ", "     ", &a.reason),
        (ActionStatus::Deferred, Some(t)) => {
            writeln!(
                out,
                "     {}",
                paint.style(YELLOW, &format!("waits until {t}"))
            )?;
            write_indented(out, "     ", "     ", &a.reason)
        }
        (ActionStatus::Deferred, None) => write_indented(
            out,
            &format!("     {}", paint.style(YELLOW, "waits: ")),
            "       ",
            &a.reason,
        ),
        (ActionStatus::Refused, _) => write_indented(
            out,
            &format!("     {}", paint.style(BOLD_RED, "refused: ")),
            "       ",
            &a.reason,
        ),
    }
}

/// Writes `text` (escaped: see [`super::escape`]) after `first`, indenting its further lines
/// by `rest`. Writes nothing for an empty text.
fn write_indented(out: &mut dyn Write, first: &str, rest: &str, text: &str) -> io::Result<()> {
    for (i, line) in text.lines().enumerate() {
        let prefix = if i == 0 { first } else { rest };
        writeln!(out, "{prefix}{}", escape::value(line))?;
    }
    Ok(())
}
