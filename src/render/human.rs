//! The human renderer: Terraform-like text for a terminal.

use std::collections::HashMap;
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
    // Actions planned identically on several resources are shown once, numbered; each such
    // resource then names the number instead of repeating the action.
    let groups = describe::action_groups(plan);
    let shared: Vec<&describe::ActionGroup<'_>> =
        groups.iter().filter(|g| g.members.len() > 1).collect();
    let mut number: HashMap<*const Action, usize> = HashMap::new();
    if !shared.is_empty() {
        let counts = describe::InstanceCounts::of(plan);
        let mut texts_shown = std::collections::HashSet::new();
        writeln!(
            out,
            "{}",
            paint.style(
                BOLD,
                "Identical actions, each planned on several resources:"
            )
        )?;
        for (i, g) in shared.iter().enumerate() {
            for a in &g.actions {
                number.insert(std::ptr::from_ref(*a), i + 1);
            }
            group(i + 1, g, &counts, &mut texts_shown, &paint, out)?;
        }
        writeln!(out)?;
    }
    // By account and region, each with a count line, when there is more than one.
    let areas = describe::areas(plan);
    let several = areas.len() > 1;
    for area in &areas {
        if several {
            writeln!(
                out,
                "{}",
                paint.style(BOLD, &format!("== {} ==", area.count_line()))
            )?;
            writeln!(out)?;
        }
        for r in &area.resources {
            let numbers: Option<Vec<usize>> = r
                .actions
                .iter()
                .map(|a| number.get(&std::ptr::from_ref(a)).copied())
                .collect();
            match numbers {
                Some(numbers) if !numbers.is_empty() && r.text_diff.is_none() => {
                    folded(r, &numbers, several, &paint, out)?
                }
                _ => resource(r, &paint, out)?,
            }
            writeln!(out)?;
        }
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
    let selection = crate::plan::words::selection_sentence(plan, options.sealed.is_some());
    for sentence in crate::plan::words::account_set_sentences(plan)
        .into_iter()
        .chain(selection)
    {
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
    let (state, style) = outcome_words(r.outcome);
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

    messages(r, paint, out)?;

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

/// An action planned identically on several resources: the action as a resource's block
/// shows it (its reason when every member's reads the same), then which resources and where,
/// then the text its resources receive, unless an earlier group showed it (`texts_shown`).
fn group(
    n: usize,
    g: &describe::ActionGroup<'_>,
    counts: &describe::InstanceCounts,
    texts_shown: &mut std::collections::HashSet<String>,
    paint: &Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    let reasons: std::collections::BTreeSet<String> = g
        .members
        .iter()
        .zip(&g.actions)
        .map(|(r, a)| describe::identity(&a.reason, r))
        .collect();
    let mut shown = g.action.clone();
    shown.reason = match reasons.len() {
        1 => describe::canonical(&g.action.reason, g.members[0]).into_owned(),
        _ => String::new(),
    };
    action(n, g.kind, &shown, paint, out)?;
    let first = g.members[0];
    let words = describe::describe(first);
    let subject = words.subject.plain();
    let change = format!("{} -> {}", words.live.plain(), words.desired.plain());
    let change = match subject.as_str() {
        "" => change,
        subject => format!("{subject}: {change}"),
    };
    write_indented(out, "     ", "     ", &describe::canonical(&change, first))?;
    const SHOWN: usize = 10;
    let names = describe::named(&g.members, counts);
    let single = names.len() == 1;
    let mut listed: Vec<String> = names
        .iter()
        .take(SHOWN)
        .map(|named| match &named.spread {
            Some(spread) if !single => format!("{} ({spread})", named.address),
            _ => named.address.clone(),
        })
        .collect();
    if names.len() > SHOWN {
        listed.push(format!(
            "and {} more (under their accounts below)",
            names.len() - SHOWN
        ));
    }
    write_indented(
        out,
        "     on ",
        "        ",
        &format!("{}: {}", listed.join(", "), g.how_many()),
    )?;
    // The text the action sets, with each resource's own key, account and region as names;
    // once, under the first group that sets it.
    if let Some(in_full) = words.in_full {
        if texts_shown.insert(describe::identity(&in_full.text, first)) {
            let text = describe::canonical(&in_full.text, first);
            let names: Vec<String> = match text != in_full.text {
                true => describe::names_in(&text)
                    .into_iter()
                    .map(String::from)
                    .collect(),
                false => Vec::new(),
            };
            let names = match names.len() {
                0 => String::new(),
                1 => format!(" ({} stands for each resource's own)", names[0]),
                _ => format!(
                    " ({} stand for each resource's own)",
                    describe::and_list(&names)
                ),
            };
            writeln!(
                out,
                "     {}{names}:",
                paint.style(BOLD, &in_full.phrase.plain())
            )?;
            for line in text.lines() {
                writeln!(out, "       {}", escape::value(line))?;
            }
        }
    }
    Ok(())
}

/// A resource whose every action is one of the numbered identical actions: its address and
/// outcome, the numbers, where it is (unless its account and region's heading says it all),
/// and its own messages.
fn folded(
    r: &ResourcePlan,
    numbers: &[usize],
    under_heading: bool,
    paint: &Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    let actions: Vec<String> = r
        .actions
        .iter()
        .zip(numbers)
        .map(|(a, n)| format!("{} (identical action {n})", a.action.as_str()))
        .collect();
    let (state, style) = outcome_words(r.outcome);
    writeln!(
        out,
        "# {} {}: {}",
        paint.style(BOLD, &r.address.to_string()),
        paint.style(style, state),
        actions.join(", ")
    )?;
    let said = under_heading && r.target.endpoint.is_none() && r.target.identity_endpoint.is_none();
    if !said {
        writeln!(out, "  in {}", escape::value(&r.target.to_string()))?;
    }
    messages(r, paint, out)
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

fn outcome_words(o: Outcome) -> (&'static str, Style) {
    match o {
        Outcome::Noop => ("is up to date", Style::new()),
        Outcome::Change => ("will change", BOLD),
        Outcome::Blocked => ("is blocked", YELLOW),
        Outcome::Conflict => ("has a conflict", BOLD_RED),
        Outcome::Unknown => ("could not be read", BOLD_RED),
    }
}

fn messages(r: &ResourcePlan, paint: &Paint, out: &mut dyn Write) -> io::Result<()> {
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
    Ok(())
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
