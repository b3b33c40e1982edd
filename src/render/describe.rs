//! Words shared by the human and Markdown renderers: what a live or desired value says, put
//! into a short phrase, and what each action's reversibility means. Nothing here decides:
//! every phrase restates a field of the plan.

use serde::Deserialize;
use serde_json::Value;

use crate::config::Policy;
use crate::plan::{ActionKind, Plan, ResourcePlan, Reversibility, Summary};

/// A piece of a phrase: prose, or a value taken verbatim from the plan (a name, a time, a
/// path) that a renderer may set apart, e.g. as inline code in Markdown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(String),
    Value(String),
}

/// A short phrase made of prose and values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Phrase(pub(crate) Vec<Piece>);

impl Phrase {
    pub(crate) fn text(mut self, text: impl Into<String>) -> Phrase {
        self.0.push(Piece::Text(text.into()));
        self
    }

    pub(crate) fn value(mut self, value: impl Into<String>) -> Phrase {
        self.0.push(Piece::Value(value.into()));
        self
    }

    pub(crate) fn of_text(text: impl Into<String>) -> Phrase {
        Phrase::default().text(text)
    }

    /// Plain text, values as they are.
    pub(crate) fn plain(&self) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Piece::Text(t) | Piece::Value(t) => t.as_str(),
            })
            .collect()
    }
}

/// A resource in words: what it is, what it is now, and what the configuration wants.
pub(crate) struct ResourceWords {
    /// e.g. "vault audit-logs", "rule a1B2c3D4e5F (EBS_SNAPSHOT)", "job JID…".
    pub(crate) subject: Phrase,
    pub(crate) live: Phrase,
    pub(crate) desired: Phrase,
}

/// Describes a resource's live and desired values. A value of a shape this build does not
/// know is shown as its compact JSON, so nothing is ever hidden.
pub(crate) fn describe(r: &ResourcePlan) -> ResourceWords {
    let words = r.kind.describe(r);
    words.unwrap_or_else(|| ResourceWords {
        subject: Phrase::default(),
        live: Phrase::default().value(compact(&r.live)),
        desired: Phrase::default().value(compact(&r.desired)),
    })
}

fn compact(v: &Value) -> String {
    crate::digest::canonical_json(v)
}

pub(crate) fn days(n: u64) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

/// The policy an action of `r` sets, in full: what `complete_lock` makes permanent.
pub(crate) struct PolicyToSet {
    /// The pretty canonical form (keys sorted, every scalar as written).
    pub pretty: String,
    /// Whether the plan also completes the lock, making this policy permanent now.
    pub completed: bool,
}

/// The policy `initiate_lock` sets, read from the desired state; `None` when no action of `r`
/// sets a policy.
pub(crate) fn policy_to_set(r: &ResourcePlan) -> Option<PolicyToSet> {
    if !r
        .actions
        .iter()
        .any(|a| a.action == ActionKind::InitiateLock)
    {
        return None;
    }
    let policy = Policy::deserialize(r.desired.get("policy")?).ok()?;
    Some(PolicyToSet {
        pretty: policy.pretty(),
        completed: r
            .actions
            .iter()
            .any(|a| a.action == ActionKind::CompleteLock),
    })
}

/// Says what the policy is: "the policy that initiate_lock sets and complete_lock makes
/// permanent", the action names as values.
pub(crate) fn policy_to_set_phrase(p: &PolicyToSet) -> Phrase {
    let phrase = Phrase::of_text("the policy that ")
        .value(ActionKind::InitiateLock.as_str())
        .text(" sets");
    if p.completed {
        phrase
            .text(" and ")
            .value(ActionKind::CompleteLock.as_str())
            .text(" makes permanent")
    } else {
        phrase.text(" (permanent once the lock is completed)")
    }
}

/// A time as people read it: UTC, whole seconds (`2026-12-04T15:45:00Z`). The JSON formats
/// keep the exact value.
pub(crate) fn when(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
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

/// What the action's class means for this action, in a reviewer's terms. The class is the one
/// the plan gives it for this resource: a default retention or a Backup lock put means one thing
/// in governance mode and another in compliance mode.
pub(crate) fn consequence(action: ActionKind, class: Reversibility) -> &'static str {
    let irreversible = class == Reversibility::Irreversible;
    match action {
        ActionKind::InitiateLock => "can be aborted until the lock is completed",
        ActionKind::AbortLock => "the lock can be initiated again",
        ActionKind::CompleteLock => "the vault's lock policy can never be changed or removed",
        ActionKind::LockRule => "unlocking the rule later takes its unlock delay",
        ActionKind::UnlockRule => {
            "takes effect only after the unlock delay; the rule can be locked again meanwhile"
        }
        ActionKind::RetrieveUnlockCode => "a disclosed unlock code stays disclosed",
        ActionKind::CompleteDelivery => {
            "no AWS call: the code already retrieved is linked into place, and the file can be moved away"
        }
        ActionKind::EnableVersioning => "versioning can be suspended until Object Lock is on",
        ActionKind::EnableObjectLock => {
            "Object Lock can never be disabled, nor the bucket's versioning suspended"
        }
        ActionKind::PutDefaultRetention if irreversible => {
            "no one can shorten the COMPLIANCE retention of a version written under this default"
        }
        ActionKind::PutDefaultRetention => {
            "a GOVERNANCE default can be changed or removed, and lifted by users allowed to bypass it"
        }
        ActionKind::RemoveDefaultRetention => {
            "a default can be set again; versions already written keep their retention"
        }
        ActionKind::PutVaultLock if irreversible => {
            "a compliance lock can be changed or removed only until its lock date, never after"
        }
        ActionKind::PutVaultLock => "a governance lock can be changed or removed at any time",
        ActionKind::DeleteVaultLock => "the lock can be put again",
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
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
    format!(
        "{} ({} irreversible, {} delayed{lowering}), {} unchanged, {} blocked, {}",
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
    /// At least one conflict: the plan can never be applied.
    Conflicts(usize),
    /// Every resource matches its configuration.
    NoChanges,
    /// Nothing can run now; `usize` resources wait.
    OnlyBlocked(usize),
    /// Ready actions to approve.
    Apply,
}

pub(crate) fn ending(plan: &Plan) -> Ending {
    if plan.has_conflict() {
        Ending::Conflicts(plan.summary.conflict)
    } else if plan.has_changes() {
        Ending::Apply
    } else if plan.summary.blocked > 0 {
        Ending::OnlyBlocked(plan.summary.blocked)
    } else {
        Ending::NoChanges
    }
}

pub(crate) const NO_CHANGES: &str = "No changes. Live lock state matches the configuration.";

pub(crate) fn conflicts_sentence(n: usize) -> String {
    format!(
        "This plan cannot be applied: {} must be resolved first.",
        count(n, "conflict", "conflicts")
    )
}

pub(crate) fn only_blocked_sentence(n: usize) -> String {
    let resources = count(n, "resource waits", "resources wait");
    format!("Nothing can be applied now: {resources} on time or on the outside world. Plan again later.")
}
