//! The Markdown renderer: a GitHub pull-request comment.
//!
//! Every value taken from the plan goes through [`code`] (names, times, paths) or [`text`]
//! (reasons, messages), which escape it for where it lands, so no value can end a table cell,
//! close a code span, open an HTML tag or close the policy diff's fence.

use std::collections::HashSet;
use std::io::{self, Write};

use super::describe::{self, Ending, Phrase, Piece};
use super::escape;
use super::RenderOptions;
use crate::plan::{Action, ActionStatus, Outcome, Plan, ResourcePlan, Reversibility, Severity};
use crate::vocabulary::Address;
use crate::words::{capitalized, InFull};

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
    let full = escaped(&render_with(plan, options, None)?);
    if options.markdown_in_full || full.len() <= COMMENT_BUDGET {
        return out.write_all(full.as_bytes());
    }
    let short = escaped(&render_with(plan, options, Some(COMMENT_BUDGET))?);
    out.write_all(short.as_bytes())
}

/// Whether the Markdown plan names every action a reviewer must see (its first line after the
/// marker is not `INCOMPLETE:`).
pub(super) fn is_complete(plan: &Plan, options: &RenderOptions) -> io::Result<bool> {
    let mut out = Vec::new();
    render(plan, options, &mut out)?;
    Ok(document_is_complete(&out))
}

/// Whether a rendered Markdown plan names every action a reviewer must see.
pub(super) fn document_is_complete(document: &[u8]) -> bool {
    let incomplete = format!("{MARKDOWN_MARKER}\nINCOMPLETE:");
    !document.starts_with(incomplete.as_bytes())
}

/// Writes a whole document with every control character but the newline, and every
/// bidirectional control, made visible ([`escape::text`]): whatever a value held, none
/// reaches the reader, wherever in the document it landed.
pub(super) fn write_escaped(document: &[u8], out: &mut dyn Write) -> io::Result<()> {
    out.write_all(escaped(document).as_bytes())
}

fn escaped(document: &[u8]) -> String {
    escape::text(&String::from_utf8_lossy(document)).into_owned()
}

/// Room kept for the note that says what a comment left out.
const NOTE_ROOM: usize = 400;

/// The plan as Markdown. Without a `budget`, all of it. With one, what must be there (the
/// summary, every irreversible, delayed or protection-lowering action with every address it
/// runs on, each distinct text an action sets, the digest and the approving command), then as
/// much of the rest as fits; when even what must be there cannot fit, a first line that says
/// `INCOMPLETE:` and how to read the whole plan.
fn render_with(plan: &Plan, options: &RenderOptions, budget: Option<usize>) -> io::Result<Vec<u8>> {
    let groups = describe::action_groups(plan);
    let head = head(plan, options)?;
    let ending = ending(plan, options)?;
    let mut alert = Vec::new();
    warnings(plan, &groups, false, &mut alert)?;

    let mut out = Vec::new();
    writeln!(out, "{MARKDOWN_MARKER}")?;
    let Some(budget) = budget else {
        // A text set on several resources is shown once, above; one set on one resource,
        // with it.
        let shared: HashSet<&Address> = describe::texts_set(plan)
            .into_iter()
            .filter(|set| set.members.len() > 1)
            .flat_map(|set| set.members.into_iter().map(|r| &r.address))
            .collect();
        out.extend_from_slice(&head);
        out.extend_from_slice(&alert);
        texts_set(plan, 2, &mut out)?;
        if !plan.resources.is_empty() {
            tables(plan, &mut out)?;
            for r in &plan.resources {
                out.extend_from_slice(&detail_section(r, !shared.contains(&r.address))?);
            }
        }
        out.extend_from_slice(&ending);
        return Ok(out);
    };

    let mut texts = Vec::new();
    texts_set(plan, 1, &mut texts)?;
    let fixed = out.len() + head.len() + ending.len() + NOTE_ROOM;
    if fixed + alert.len() + texts.len() > budget {
        // One line per action, class and consequence, every address it runs on.
        alert.clear();
        warnings(plan, &groups, true, &mut alert)?;
    }
    if fixed + alert.len() + texts.len() > budget {
        let missing = if texts.is_empty() {
            String::new()
        } else {
            " and the texts they set".to_string()
        };
        writeln!(
            out,
            "INCOMPLETE: the addresses of the {}{missing} are too many for one comment; read the whole plan with `lockward show --format markdown PLANFILE` before approving it",
            serious_counts(plan)
        )?;
        writeln!(out)?;
        out.extend_from_slice(&head);
    } else {
        out.extend_from_slice(&head);
        out.extend_from_slice(&alert);
        out.extend_from_slice(&texts);
    }
    if !plan.resources.is_empty() {
        let limit = budget.saturating_sub(ending.len() + NOTE_ROOM);
        compact(plan, limit, &mut out)?;
    }
    out.extend_from_slice(&ending);
    Ok(out)
}

/// The summary heading, the sealed sentences and what the plan's ending means.
fn head(plan: &Plan, options: &RenderOptions) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    writeln!(
        out,
        "## lockward plan: {}",
        describe::summary_counts(&plan.summary)
    )?;
    writeln!(out)?;
    if let Some(sealed) = &options.sealed {
        for sentence in describe::sealed_sentences(sealed) {
            writeln!(out, "{}", text(&sentence))?;
        }
        writeln!(out)?;
    }
    match describe::ending(plan) {
        Ending::Conflicts(n, unknown) => {
            writeln!(out, "> [!IMPORTANT]")?;
            let below = if n > 0 {
                "the conflicts"
            } else {
                "the resources that could not be read"
            };
            writeln!(
                out,
                "> **{}** See {below} below.",
                describe::conflicts_sentence(n, unknown)
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
    Ok(out)
}

/// What follows the resources: the digest, how long the plan is valid, the command.
fn ending(plan: &Plan, options: &RenderOptions) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    writeln!(out, "Digest: {}", code(&plan.digest, Place::Block))?;
    if let Some(sentence) = describe::valid_until_sentence(plan) {
        writeln!(out)?;
        writeln!(out, "{}", text(&sentence))?;
    }
    if let Some(sentence) = describe::state_store_sentence(plan) {
        writeln!(out)?;
        writeln!(out, "{}", text(&sentence))?;
    }
    let undeclared = crate::plan::words::undeclared_sentence(plan);
    let selection = crate::plan::words::selection_sentence(plan, options.sealed.is_some());
    for sentence in undeclared
        .into_iter()
        .chain(crate::plan::words::account_set_sentences(plan))
        .chain(selection)
    {
        writeln!(out)?;
        writeln!(out, "{}", text(&sentence))?;
    }
    if let Ending::Apply = describe::ending(plan) {
        let command = escape::value(&options.apply.approving(plan)).into_owned();
        let fence = fence_for(&command, '`');
        writeln!(out)?;
        writeln!(out, "To apply exactly this plan:")?;
        writeln!(out)?;
        writeln!(out, "{fence}sh")?;
        writeln!(out, "{command}")?;
        writeln!(out, "{fence}")?;
    }
    Ok(out)
}

/// Whether the alert names an action: irreversible, delayed, or lowering protection.
fn is_serious(a: &Action) -> bool {
    a.reversibility != Reversibility::Reversible || a.lowers_protection
}

/// Irreversible actions, then delayed ones, then reversible ones that lower protection, in a
/// GitHub alert: CAUTION when anything is irreversible or lowers protection, WARNING when the
/// worst is delayed. Nothing when every action is reversible and none lowers protection.
///
/// One line per group of identical actions ([`describe::action_groups`]), or, when `merge`,
/// per action, class, status and consequence; each line names every resource it runs on, the
/// instances of a declared resource as `<kind>.<name>[*]` when they are all there.
fn warnings(
    plan: &Plan,
    groups: &[describe::ActionGroup<'_>],
    merge: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    struct Line<'p> {
        class: Reversibility,
        lowers: bool,
        head: String,
        status: String,
        consequence: &'static str,
        members: Vec<&'p ResourcePlan>,
    }
    let mut lines: Vec<Line<'_>> = Vec::new();
    for class in [
        Reversibility::Irreversible,
        Reversibility::Delayed,
        Reversibility::Reversible,
    ] {
        for g in groups
            .iter()
            .filter(|g| g.action.reversibility == class && is_serious(g.action))
        {
            let a = g.action;
            let head = format!(
                "{}{} {}",
                class_word(class),
                lowers_words(a),
                code(a.action.as_str(), Place::Block),
            );
            let status = status_words(a, Place::Block);
            let consequence = g.kind.consequence(a.action, a.reversibility);
            let same = |l: &&mut Line<'_>| {
                l.class == class
                    && l.head == head
                    && l.status == status
                    && l.consequence == consequence
            };
            let found = match merge {
                true => lines.iter_mut().find(same),
                false => None,
            };
            match found {
                Some(line) => line.members.extend(g.members.iter().copied()),
                None => lines.push(Line {
                    class,
                    lowers: a.lowers_protection,
                    head,
                    status,
                    consequence,
                    members: g.members.clone(),
                }),
            }
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    let lowering = lines.iter().any(|l| l.lowers);
    let strong = lines.iter().any(|l| l.class != Reversibility::Reversible);
    let caution = lowering || lines.iter().any(|l| l.class == Reversibility::Irreversible);
    writeln!(out, "> [!{}]", if caution { "CAUTION" } else { "WARNING" })?;
    match (lowering, strong) {
        (false, _) => writeln!(
            out,
            "> This plan holds actions that cannot be undone, or only after a delay:"
        )?,
        (true, false) => writeln!(
            out,
            "> This plan holds actions that lower protection (after them, something is allowed that was refused before):"
        )?,
        (true, true) => writeln!(
            out,
            "> This plan holds actions that cannot be undone, or only after a delay, or that lower protection (after them, something is allowed that was refused before):"
        )?,
    }
    writeln!(out, ">")?;
    let counts = describe::InstanceCounts::of(plan);
    for mut line in lines {
        line.members.sort_by(|a, b| a.address.cmp(&b.address));
        line.members.dedup_by(|a, b| a.address == b.address);
        let (head, status) = (&line.head, &line.status);
        let names = describe::named(&line.members, &counts);
        match names.as_slice() {
            [one] => {
                let how = match (&one.spread, line.members.len()) {
                    (None, 1) => String::new(),
                    _ => format!(" ({})", text(&describe::how_many(&line.members))),
                };
                writeln!(
                    out,
                    "> - {head} on {}{how}{status}: {}",
                    code(&one.address, Place::Block),
                    line.consequence
                )?;
            }
            names => {
                writeln!(
                    out,
                    "> - {head} on {}{status}: {}",
                    text(&describe::how_many(&line.members)),
                    line.consequence
                )?;
                writeln!(out, ">   {}", listed(names).join(", "))?;
            }
        }
    }
    writeln!(out)
}

/// Each named resource or instance in code, with where its instances are when it has several.
fn listed(names: &[describe::Named]) -> Vec<String> {
    names
        .iter()
        .map(|n| match &n.spread {
            Some(spread) => format!("{} {}", code(&n.address, Place::Block), text(spread)),
            None => code(&n.address, Place::Block),
        })
        .collect()
}

/// Each distinct text the plan's actions set (a vault lock policy) on at least `shared`
/// resources, once, under its SHA-256, with the resources that receive it; folded into
/// `<details>`.
fn texts_set(plan: &Plan, shared: usize, out: &mut dyn Write) -> io::Result<()> {
    let counts = describe::InstanceCounts::of(plan);
    for set in describe::texts_set(plan)
        .into_iter()
        .filter(|set| set.members.len() >= shared)
    {
        let words: String = set
            .in_full
            .phrase
            .0
            .iter()
            .map(|piece| match piece {
                Piece::Text(t) => html(t),
                Piece::Value(v) => format!("<code>{}</code>", html(v)),
            })
            .collect();
        let summary = format!(
            "{}, <code>{}</code>, for {}",
            capitalized(&words),
            html(&set.sha256),
            html(&describe::how_many(&set.members))
        );
        let mut intro = format!(
            "For {}.",
            listed(&describe::named(&set.members, &counts)).join(", ")
        );
        let names: Vec<String> = match set.has_names {
            true => describe::names_in(&set.in_full.text)
                .into_iter()
                .map(|n| code(n, Place::Block))
                .collect(),
            false => Vec::new(),
        };
        match names.len() {
            0 => {}
            1 => intro.push_str(&format!(" {} stands for each one's own.", names[0])),
            _ => intro.push_str(&format!(
                " {} stand for each one's own.",
                describe::and_list(&names)
            )),
        }
        folded_with(&summary, &intro, set.in_full.lang, &set.in_full.text, out)?;
    }
    Ok(())
}

/// `3 irreversible and 2 delayed actions, and 1 that lowers protection`: the ready actions a
/// reviewer must see, counted.
fn serious_counts(plan: &Plan) -> String {
    let s = &plan.summary;
    let lowering = match s.lowers_protection {
        0 => String::new(),
        n => format!(", and {n} that {}", lower_protection(n)),
    };
    format!(
        "{} irreversible and {} delayed action(s){lowering} that are ready",
        s.irreversible, s.delayed
    )
}

/// `, **lowers protection**` for an action that lowers protection; nothing otherwise.
fn lowers_words(a: &Action) -> String {
    if a.lowers_protection {
        format!(", **{}**", describe::LOWERS_PROTECTION)
    } else {
        String::new()
    }
}

/// `lowers protection` or `lower protection`, agreeing with `n`.
fn lower_protection(n: usize) -> &'static str {
    if n == 1 {
        describe::LOWERS_PROTECTION
    } else {
        "lower protection"
    }
}

const TABLE_HEAD: &str =
    "| Resource | Outcome | Live | Desired | Actions |\n|---|---|---|---|---|\n";

/// The resources in a table; with more than one account and region, one table each under
/// its count line.
fn tables(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    let areas = describe::areas(plan);
    for area in &areas {
        if areas.len() > 1 {
            writeln!(out, "### {}", text(&area.count_line()))?;
            writeln!(out)?;
        }
        write!(out, "{TABLE_HEAD}")?;
        for r in &area.resources {
            write!(out, "{}", table_row(r))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// One resource's row of the table, with its newline.
fn table_row(r: &ResourcePlan) -> String {
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
                    "{}. {} {}{}{}",
                    i + 1,
                    code(a.action.as_str(), Place::Table),
                    class_word(a.reversibility),
                    lowers_words(a),
                    status_words(a, Place::Table)
                )
            })
            .collect::<Vec<_>>()
            .join("<br>")
    };
    format!(
        "| {resource} | {} | {} | {} | {actions} |\n",
        outcome_word(r.outcome),
        phrase(&words.live, Place::Table),
        phrase(&words.desired, Place::Table),
    )
}

/// Whether a resource has a section of its own in the details.
fn has_details(r: &ResourcePlan) -> bool {
    !(r.actions.is_empty() && r.messages.is_empty() && r.text_diff.is_none())
}

/// One resource's section of the details (empty when it has nothing to say): each action with
/// its reason, the messages (reasons for blocked and conflict outcomes, warnings), the text
/// an action sets (when `in_full`) and the policy diff folded in `<details>`.
fn detail_section(r: &ResourcePlan, in_full: bool) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    if !has_details(r) {
        return Ok(out);
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
            "{}. {} {}{}{}: {}. {}",
            i + 1,
            code(a.action.as_str(), Place::Block),
            class_word(a.reversibility),
            lowers_words(a),
            status_words(a, Place::Block),
            r.kind.consequence(a.action, a.reversibility),
            text(&a.reason),
        )?;
    }
    if !r.actions.is_empty() {
        writeln!(out)?;
    }
    for m in &r.messages {
        let label = match (m.severity, r.outcome) {
            (Severity::Error, Outcome::Conflict) => "**Conflict:** ",
            (Severity::Error, Outcome::Unknown) => "**Unknown:** ",
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
    if let Some(text) = describe::describe(r).in_full.filter(|_| in_full) {
        in_full_details(&r.address, &text, &mut out)?;
    }
    if let Some(diff) = &r.text_diff {
        text_diff_details(r, diff, &mut out)?;
    }
    Ok(out)
}

/// GitHub refuses a comment longer than 65,536 characters; a plan stays under this many UTF-8
/// bytes (bytes are never fewer than characters), 65,536 less 4,096 for the workflow's own
/// words (DESIGN.md section 4).
pub const COMMENT_BUDGET: usize = 61_440;

/// The rest of a plan too large for one comment, as much as fits under `limit` bytes of the
/// whole document: the count line of each account and region, the resources with something
/// to do or to say, each unchanged resource in one collapsed line, their details (the texts
/// actions set are shown once above), and a note of what was left out.
fn compact(plan: &Plan, limit: usize, out: &mut Vec<u8>) -> io::Result<()> {
    let (quiet, loud): (Vec<&ResourcePlan>, Vec<&ResourcePlan>) = plan
        .resources
        .iter()
        .partition(|r| r.outcome == Outcome::Noop && !has_details(r));
    let mut left_out = 0;
    let mut body = Vec::new();
    let mut add = |body: &mut Vec<u8>, piece: &[u8], out: &Vec<u8>| {
        if out.len() + body.len() + piece.len() > limit {
            left_out += usize::from(!piece.is_empty());
        } else {
            body.extend_from_slice(piece);
        }
    };
    let areas = describe::areas(plan);
    if areas.len() > 1 {
        writeln!(
            body,
            "<details><summary>{} accounts and regions</summary>\n",
            areas.len()
        )?;
        for area in &areas {
            add(
                &mut body,
                format!("- {}\n", text(&area.count_line())).as_bytes(),
                out,
            );
        }
        writeln!(body, "\n</details>\n")?;
    }
    write!(body, "{TABLE_HEAD}")?;
    for r in &loud {
        add(&mut body, table_row(r).as_bytes(), out);
    }
    writeln!(body)?;
    if !quiet.is_empty() {
        writeln!(
            body,
            "<details><summary>{} unchanged resource(s)</summary>\n",
            quiet.len()
        )?;
        for r in &quiet {
            let line = format!("- {}\n", code(&r.address.to_string(), Place::Block));
            add(&mut body, line.as_bytes(), out);
        }
        writeln!(body, "\n</details>\n")?;
    }
    for r in &loud {
        add(&mut body, &detail_section(r, false)?, out);
    }
    out.extend_from_slice(&body);
    writeln!(
        out,
        "> [!NOTE]\n> This plan of {} resources is too long for one comment: unchanged resources are listed by address{}. Read the whole plan with `lockward show --format markdown PLANFILE`.\n",
        plan.resources.len(),
        if left_out > 0 {
            format!(", and {left_out} entries did not fit")
        } else {
            String::new()
        }
    )?;
    Ok(())
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Noop => "no change",
        Outcome::Change => "change",
        Outcome::Blocked => "blocked",
        Outcome::Conflict => "**conflict**",
        Outcome::Unknown => "**unknown**",
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
        (ActionStatus::Refused, _) => ", **refused**".to_string(),
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
    // A newline in a value is shown, not obeyed: a value is one line.
    let value = escape::value(value);
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
    let value = escape::text(value);
    let mut out = String::with_capacity(value.len());
    let mut lines = value.lines().peekable();
    while let Some(line) = lines.next() {
        for c in line.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                // A zero-width space after `@` keeps GitHub from reading a name as a mention
                // (and notifying that user); the text reads the same.
                '@' => out.push_str("@&#8203;"),
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
    escape::value(value)
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

/// A text diff (a policy's) folded into `<details>`, as a ```diff block (the fence made longer
/// than any run of backticks in the diff).
pub(super) fn text_diff_details(
    r: &ResourcePlan,
    diff: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let summary = format!(
        "{} diff for <code>{}</code>, from live to desired",
        capitalized(describe::describe(r).diff_of()),
        html(&r.address.to_string())
    );
    folded(&summary, "diff", diff, out)
}

/// A text an action sets, in full (a vault lock policy), folded into `<details>` as a code
/// block of its language.
fn in_full_details(address: &Address, in_full: &InFull, out: &mut dyn Write) -> io::Result<()> {
    let words: String = in_full
        .phrase
        .0
        .iter()
        .map(|piece| match piece {
            Piece::Text(t) => html(t),
            Piece::Value(v) => format!("<code>{}</code>", html(v)),
        })
        .collect();
    let summary = format!("For <code>{}</code>: {words}", html(&address.to_string()));
    folded(&summary, in_full.lang, &in_full.text, out)
}

/// `content` in a fenced block of language `lang` (the fence made longer than any run of
/// backticks in it), folded into `<details>` under `summary` (HTML, already escaped).
fn folded(summary: &str, lang: &str, content: &str, out: &mut dyn Write) -> io::Result<()> {
    folded_with(summary, "", lang, content, out)
}

/// [`folded`], with a paragraph of Markdown (already escaped) before the block.
fn folded_with(
    summary: &str,
    intro: &str,
    lang: &str,
    content: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let fence = fence_for(content, '`');
    writeln!(out, "<details>")?;
    writeln!(out, "<summary>{summary}</summary>")?;
    writeln!(out)?;
    if !intro.is_empty() {
        writeln!(out, "{intro}")?;
        writeln!(out)?;
    }
    writeln!(out, "{fence}{lang}")?;
    for line in content.lines() {
        writeln!(out, "{}", escape::value(line))?;
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
        // A value is one line: its newline is shown, never obeyed.
        assert_eq!(code("one\ntwo", Place::Table), r"`one\ntwo`");
        assert_eq!(
            code("a\x1b[2J\u{202e}b", Place::Block),
            r"`a\u{1b}[2J\u{202e}b`"
        );
        assert_eq!(code("", Place::Block), "(empty)");
    }

    #[test]
    fn text_escapes_markup_and_html() {
        assert_eq!(
            text("<b>x</b> | `y` *z*"),
            r"&lt;b&gt;x&lt;/b&gt; \| \`y\` \*z\*"
        );
        assert_eq!(text("a\nb"), "a<br>b");
        assert_eq!(text("a\rb\u{2066}"), r"a\\rb\\u{2066}");
    }

    #[test]
    fn fences_outgrow_the_content() {
        assert_eq!(fence_for("no ticks", '`'), "```");
        assert_eq!(fence_for("+ \"````\"", '`'), "`````");
    }
}
