//! Words shared by the human and Markdown renderers: what a live or desired value says, put
//! into a short phrase, and what each action's reversibility means. Nothing here decides:
//! every phrase restates a field of the plan.

use serde_json::Value;

use crate::plan::{Plan, ResourcePlan, Reversibility, Summary};
pub(crate) use crate::words::{when, Phrase, Piece, ResourceWords};

/// Describes a resource's live and desired values. A value of a shape this build does not
/// know is shown as its compact JSON, so nothing is ever hidden.
pub(crate) fn describe(r: &ResourcePlan) -> ResourceWords {
    let words = r.kind.describe(r);
    words.unwrap_or_else(|| ResourceWords {
        subject: Phrase::default(),
        live: Phrase::default().value(compact(&r.live)),
        desired: Phrase::default().value(compact(&r.desired)),
        in_full: None,
        diff_of: None,
    })
}

fn compact(v: &Value) -> String {
    crate::digest::canonical_json(v)
}

/// "This plan is valid until …": the earliest moment the mere passage of time changes one of
/// its decisions, in whole seconds (the exact value is in the JSON). `None` when no decision
/// waits on time.
pub(crate) fn valid_until_sentence(plan: &Plan) -> Option<String> {
    plan.valid_until.map(|t| {
        format!(
            "This plan is valid until {}: then time alone changes a decision, and apply refuses it; plan again after that.",
            when(t)
        )
    })
}

/// For a plan with an irreversible action ready against a local state file: what "at most
/// once per approval" rests on (DESIGN.md section 5.8).
pub(crate) fn state_store_sentence(plan: &Plan) -> Option<String> {
    match &plan.state_store {
        Some(crate::plan::StateStoreRef::Local { path, .. }) if plan.summary.irreversible > 0 => {
            Some(format!(
                "The state is the local file {path}: that an irreversible action runs at most once per approval holds per copy of this file. Runs that do not share it (other machines, other checkouts) must be serialised, or keep the state in S3 (`backend: s3`)."
            ))
        }
        _ => None,
    }
}

/// How every human and Markdown form marks an action that lowers protection (DESIGN.md
/// section 1).
pub(crate) const LOWERS_PROTECTION: &str = "lowers protection";

/// What a plan read back from a file says about its words: made again as of one clock reading
/// from the digested values, and when the file says it was planned (which the digest does not
/// cover); and, when a decision no longer holds, that apply refuses it.
pub(crate) fn sealed_sentences(sealed: &super::Sealed) -> Vec<String> {
    let mut out = vec![format!(
        "Words made again from the plan's digested values as of {}; planned at {} (not covered by the digest).",
        when(sealed.as_of),
        when(sealed.planned_at)
    )];
    if !sealed.holds {
        out.push(format!(
            "As of {}, this plan no longer holds: a decision changed since it was made (see the warnings), and apply refuses it; plan again.",
            when(sealed.as_of)
        ));
    }
    out
}

/// The reversibility class as a reviewer reads it; only the irreversible class shouts, so the
/// text reads correctly without colour.
pub(crate) fn reversibility_word(r: Reversibility) -> &'static str {
    match r {
        Reversibility::Reversible => "reversible",
        Reversibility::Delayed => "delayed",
        Reversibility::Irreversible => "IRREVERSIBLE",
    }
}

pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `3 changes (1 irreversible, 1 delayed), 2 unchanged, 1 blocked, 0 conflicts`, without the
/// `Plan: ` prefix and the final period.
///
/// Ready actions that lower protection are counted inside the parentheses when there are any:
/// `1 change (0 irreversible, 0 delayed, 1 lowers protection)`.
pub(crate) fn summary_counts(s: &Summary) -> String {
    let lowering = match s.lowers_protection {
        0 => String::new(),
        1 => format!(", 1 {LOWERS_PROTECTION}"),
        n => format!(", {n} lower protection"),
    };
    let unknown = match s.unknown {
        0 => String::new(),
        n => format!(", {n} unknown"),
    };
    format!(
        "{} ({} irreversible, {} delayed{lowering}), {} unchanged, {} blocked, {}{unknown}",
        count(s.change, "change", "changes"),
        s.irreversible,
        s.delayed,
        s.noop,
        s.blocked,
        count(s.conflict, "conflict", "conflicts"),
    )
}

/// How a plan ends, for people: what they can do with it next.
pub(crate) enum Ending {
    /// At least one conflict, or a resource whose live state could not be read: the plan
    /// cannot be applied. The counts of each.
    Conflicts(usize, usize),
    /// Every resource matches its configuration.
    NoChanges,
    /// Nothing can run now; `usize` resources wait.
    OnlyBlocked(usize),
    /// Ready actions to approve.
    Apply,
}

pub(crate) fn ending(plan: &Plan) -> Ending {
    if !plan.is_applicable() {
        Ending::Conflicts(plan.summary.conflict, plan.summary.unknown)
    } else if plan.has_changes() {
        Ending::Apply
    } else if plan.summary.blocked > 0 {
        Ending::OnlyBlocked(plan.summary.blocked)
    } else {
        Ending::NoChanges
    }
}

pub(crate) const NO_CHANGES: &str = "No changes. Live lock state matches the configuration.";

pub(crate) fn conflicts_sentence(conflicts: usize, unknown: usize) -> String {
    let unread = match unknown {
        0 => String::new(),
        n => format!(
            "the live state of {} could not be read: plan again when AWS answers, or leave {} out with --exclude",
            count(n, "resource", "resources"),
            if n == 1 { "it" } else { "them" }
        ),
    };
    match (conflicts, unread.is_empty()) {
        (n, true) => format!(
            "This plan cannot be applied: {} must be resolved first.",
            count(n, "conflict", "conflicts")
        ),
        (0, false) => format!("This plan cannot be applied: {unread}."),
        (n, false) => format!(
            "This plan cannot be applied: {} must be resolved first, and {unread}.",
            count(n, "conflict", "conflicts")
        ),
    }
}

pub(crate) fn only_blocked_sentence(n: usize) -> String {
    let resources = count(n, "resource waits", "resources wait");
    format!("Nothing can be applied now: {resources} on time or on the outside world. Plan again later.")
}
