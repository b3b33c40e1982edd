//! A plan's words (each action's reason, the messages, the policy diff, `valid_until`) made
//! from its digested values, for a plan read back from a file (DESIGN.md section 5, "What the
//! reviewer reads is sealed").
//!
//! The digest covers what was decided and the values it was decided from, never the words: a
//! saved plan's words could be edited without changing its digest. So a plan read from a file
//! shows no word of the file. Each resource's `desired`, `live` and `recorded` values are read
//! back into the kind's types and decided again by the kind's own transition table (the one
//! function the planner calls too), as of one clock reading; the few words the planner adds to
//! a kind's decision come from the functions here, used by both.
//!
//! Guarantees callers may rely on:
//! - [`seal`] returns a plan whose digested parts are the input's, and whose every word was
//!   made here from them and `now`: none is taken from the input.
//! - A resource whose values decide something else as of `now` (a wait ended, a lock expired,
//!   the decision rested on what only the journal knew) says so in a warning, its actions keep
//!   no reason of the input's, and [`Sealing::holds`] is false.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::model::{Action, Message, Outcome, Plan, ResourcePlan, StateRef, Target};
use crate::kinds::FromPlan;
use crate::vocabulary::Address;

/// What a plan says of the records the configuration no longer declares
/// ([`Plan::undeclared`]), made from their digested addresses; `None` when there is none.
pub fn undeclared_sentence(plan: &Plan) -> Option<String> {
    let addresses: Vec<String> = plan
        .undeclared
        .iter()
        .map(|u| u.address.to_string())
        .collect();
    let (count, them, their) = match addresses.len() {
        0 => return None,
        1 => ("1 address".to_string(), "it", "its lock"),
        n => (format!("{n} addresses"), "them", "their locks"),
    };
    Some(format!(
        "Undeclared: the state keeps records of {count} the configuration no longer declares ({}); this plan does nothing to {them} and leaves {their} alone (no action; the addresses are covered by the digest).",
        addresses.join(", ")
    ))
}

/// What a plan says of the `--target`/`--exclude` patterns it was made with; `None` for a
/// plan of the whole configuration. How many they left out is said only of a plan made now
/// (`sealed` false): the digest does not cover it.
pub fn selection_sentence(plan: &Plan, sealed: bool) -> Option<String> {
    let selection = plan.selection.as_ref()?;
    let mut patterns = Vec::new();
    for (flag, list) in [
        ("--target", &selection.target),
        ("--exclude", &selection.exclude),
    ] {
        patterns.extend(list.iter().map(|p| format!("{flag} {p}")));
    }
    let left_out = match (sealed, selection.not_selected) {
        (true, _) => "what they left out was not read".to_string(),
        (false, 0) => "nothing else was left out".to_string(),
        (false, 1) => "1 declared resource or instance was not selected, and not read".to_string(),
        (false, n) => {
            format!("{n} declared resources and instances were not selected, and not read")
        }
    };
    Some(format!(
        "Selected with {} (the patterns are covered by the digest): {left_out}.",
        patterns.join(" ")
    ))
}

/// What a plan says of each account set its instances were made from: how many members, from
/// which organisation, and whether its management account is one of them.
pub fn account_set_sentences(plan: &Plan) -> Vec<String> {
    plan.account_sets
        .iter()
        .map(|set| {
            let name = &set.name;
            match (set.accounts.as_ref().map(Vec::len), &set.organization) {
                (None, _) => format!(
                    "Account set {name}: could not be read, so each of its instances is unknown."
                ),
                (Some(n), Some(org)) => format!(
                    "Account set {name}: {n} ACTIVE account(s) of organisation {} (covered by the digest); its management account {} {} one of them.",
                    org.id,
                    org.management_account,
                    if org.management_is_member { "is" } else { "is not" }
                ),
                (Some(n), None) => format!(
                    "Account set {name}: {n} account(s) listed in the configuration."
                ),
            }
        })
        .collect()
}

/// The note the planner adds when a resource's record moves to its address.
pub fn moved_from_note(old: &str) -> Message {
    Message::note(format!(
        "moved from {old}: the state file keeps this resource's record under that address; apply moves it here with its history"
    ))
}

/// The note the planner adds to a conflict on a resource AWS does not know where it looked.
pub fn looked_in_note(target: &Target) -> Message {
    Message::note(format!(
        "lockward looked in {target}; if it lives in another account or region, check the provider's region, profile, assume_role and endpoint_url"
    ))
}

/// The conflict of two addresses that name one physical resource (DESIGN.md section 1).
pub fn shared_key_error(r: &ResourcePlan, others: &[String]) -> Message {
    Message::error(format!(
        "{} and {} name the same resource ({}, {}); one resource may have one address only: remove all but one",
        r.address,
        others.join(", "),
        r.physical_key,
        r.target
    ))
}

/// How the words of a plan read back from a file were made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealing {
    /// The one clock reading the words were made with.
    pub as_of: Timestamp,
    /// Whether every resource's values still decide, as of `as_of`, what the plan says. When
    /// not, the plan is stale and apply refuses it.
    pub holds: bool,
}

/// `plan` with every word made again from its digested values as of `now` (see the module
/// documentation).
pub fn seal(plan: &Plan, now: Timestamp) -> (Plan, Sealing) {
    let mut by_key: BTreeMap<&str, Vec<&Address>> = BTreeMap::new();
    for r in &plan.resources {
        by_key.entry(&r.physical_key).or_default().push(&r.address);
    }
    let mut holds = true;
    let mut valid_until: Option<Timestamp> = None;
    let mut resources = Vec::with_capacity(plan.resources.len());
    for r in &plan.resources {
        let others: Vec<String> = by_key
            .get(r.physical_key.as_str())
            .into_iter()
            .flatten()
            .filter(|a| ***a != r.address)
            .map(ToString::to_string)
            .collect();
        let mut sealed = r.clone();
        if r.outcome == Outcome::Unknown {
            // Nothing was read to make words from: the digested cause says it. Such a plan is
            // never saved nor applied.
            sealed.messages = vec![Message::error(format!(
                "its live state could not be read ({})",
                crate::digest::canonical_json(&r.live["error"])
            ))];
            resources.push(sealed);
            holds = false;
            continue;
        }
        match derive(r, &others, now) {
            Some(words) if words.holds => {
                for (action, reason) in sealed.actions.iter_mut().zip(words.reasons) {
                    action.reason = reason;
                }
                sealed.messages = words.messages;
                sealed.text_diff = words.text_diff;
                if let Some(t) = words.valid_until {
                    valid_until = Some(valid_until.map_or(t, |u| u.min(t)));
                }
            }
            Some(words) => {
                holds = false;
                let now_decides = decision_words(words.outcome, &words.actions);
                for action in &mut sealed.actions {
                    action.reason = no_reason(now);
                }
                sealed.messages = vec![Message::warning(format!(
                    "as of {now}, the values this plan holds for this resource decide {now_decides}, not what the plan says (a wait ended, a lock expired or a date passed since it was made): apply refuses this plan; plan again"
                ))];
                sealed.messages.extend(words.messages);
                sealed.text_diff = words.text_diff;
            }
            None => {
                holds = false;
                for action in &mut sealed.actions {
                    action.reason = no_reason(now);
                }
                sealed.messages = vec![Message::warning(
                    "this lockward cannot read this resource's values back, so it cannot say in words why the plan decides this; plan again with this lockward",
                )];
                sealed.text_diff = None;
            }
        }
        resources.push(sealed);
    }
    let sealed = Plan {
        valid_until: if holds { valid_until } else { None },
        resources,
        ..plan.clone()
    };
    (sealed, Sealing { as_of: now, holds })
}

/// The reason an action shows when its values no longer decide it.
fn no_reason(now: Timestamp) -> String {
    format!("(no reason: as of {now} this resource's values decide otherwise; see the warning)")
}

/// `noop`, `a conflict`, or the actions, e.g. `complete_lock (ready)`.
fn decision_words(outcome: Outcome, actions: &[Action]) -> String {
    match outcome {
        Outcome::Noop => "nothing to do".to_string(),
        Outcome::Conflict => "a conflict".to_string(),
        Outcome::Unknown => "nothing: its live state could not be read".to_string(),
        Outcome::Change | Outcome::Blocked => actions
            .iter()
            .map(|a| format!("{} ({})", a.action.as_str(), a.status.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The digest of a plan of `r` alone.
fn digest_of(r: &ResourcePlan) -> String {
    Plan::new(String::new(), StateRef::default(), None, vec![r.clone()]).digest
}

/// One resource's words, made from its digested values.
struct Derived {
    outcome: Outcome,
    actions: Vec<Action>,
    /// Whether `outcome` and `actions` are the resource's (every digested field alike).
    holds: bool,
    reasons: Vec<String>,
    messages: Vec<Message>,
    text_diff: Option<String>,
    valid_until: Option<Timestamp>,
}

/// The words of `r` as the planner makes them, from its digested values as of `now`;
/// `others` are the addresses that share its physical key. `None` when the values cannot be
/// read back into the kind's types.
fn derive(r: &ResourcePlan, others: &[String], now: Timestamp) -> Option<Derived> {
    let values = FromPlan::read(r)?;
    let decision = values.decide(now)?;
    let mut messages = Vec::new();
    if let Some(old) = r.recorded.get("moved_from").and_then(|v| v.as_str()) {
        messages.push(moved_from_note(old));
    }
    messages.extend(decision.messages.iter().cloned());
    if decision.conflict && values.live_is_missing() {
        messages.push(looked_in_note(&r.target));
    }
    let (outcome, actions) = if !others.is_empty() {
        messages.push(shared_key_error(r, others));
        (Outcome::Conflict, Vec::new())
    } else if decision.conflict {
        (Outcome::Conflict, Vec::new())
    } else {
        (decision.outcome(), decision.actions.clone())
    };
    // Alike in every field the digest covers, whatever fields that is.
    let mut decided = r.clone();
    decided.outcome = outcome;
    decided.actions = actions.clone();
    let holds = digest_of(&decided) == digest_of(r);
    Some(Derived {
        outcome,
        reasons: actions.iter().map(|a| a.reason.clone()).collect(),
        actions,
        holds,
        messages,
        text_diff: decision.text_diff,
        valid_until: decision.valid_until,
    })
}
