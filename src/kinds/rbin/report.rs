//! What the compliance report says about a rbin resource beyond the plan: how the live value
//! moved away from what the state file records lockward did (drift), and what importing it
//! records.

use jiff::SignedDuration;
use serde_json::json;

use crate::import::{object, Adoption, DeliveredFile};
use crate::state::Record;

use super::{RbinDesired, RbinLive, RbinRecord, RuleLock};

/// How `live` moved away from what the record says lockward reached, or `None`.
pub(crate) fn drift(live: &RbinLive, r: &RbinRecord) -> Option<String> {
    let rule = match live {
        RbinLive::RuleMissing => {
            return Some(format!(
                "the state file records rule `{}`, but it no longer exists",
                r.rule_id
            ))
        }
        RbinLive::Present(rule) => rule,
    };
    let now = match (rule.lock_state, rule.lock_end_time) {
        (None, _) => "never locked".to_string(),
        (Some(RuleLock::Locked), _) => "locked".to_string(),
        (Some(RuleLock::PendingUnlock), Some(t)) => {
            format!("unlocking (pending until {})", crate::words::when(t))
        }
        (Some(RuleLock::PendingUnlock), None) => "unlocking".to_string(),
        (Some(RuleLock::Unlocked), _) => "unlocked".to_string(),
    };
    match r.unlock_requested_at {
        // lockward started the unlock: it reached "unlocking"; a lock since is someone else's.
        Some(t) if rule.lock_state == Some(RuleLock::Locked) => Some(format!(
            "the state file records that lockward started unlocking rule `{}` at {}, but the rule is {now} again",
            r.rule_id,
            crate::words::when(t)
        )),
        Some(_) => None,
        None if r.locked_at.is_some() || r.unlock_delay_days.is_some() => {
            if rule.lock_state == Some(RuleLock::Locked) {
                return None;
            }
            let when = r.locked_at.map(|t| format!(" at {}", crate::words::when(t))).unwrap_or_default();
            Some(format!("the state file records that rule `{}` was locked{when}, but it is now {now}", r.rule_id))
        }
        None => None,
    }
}

/// What importing the resource records, from its live state (and for Snowball what sits at
/// `deliver_to`). `Err` says why it cannot be imported and what to do instead. Pure.
pub(crate) fn adopt(
    d: &RbinDesired,
    live: &RbinLive,
    _delivered: &DeliveredFile,
) -> Result<Adoption, String> {
    let id = &d.rule_id;
    let rule = match live {
        RbinLive::RuleMissing => {
            return Err(format!(
                "Recycle Bin rule `{id}` does not exist in this account and region"
            ))
        }
        RbinLive::Present(rule) => rule,
    };
    let unlock_requested_at = match rule.lock_state {
        Some(RuleLock::Locked) => None,
        // AWS reports when the unlock takes effect; it was requested one delay before.
        Some(RuleLock::PendingUnlock) => match (rule.lock_end_time, rule.unlock_delay_days) {
            (Some(end), Some(days)) => Some(end - SignedDuration::from_hours(24 * i64::from(days))),
            _ => None,
        },
        Some(RuleLock::Unlocked) | None => {
            return Err(format!(
                "rule `{id}` is not locked, so there is no lock to import\nhint: `lockward plan` shows how lockward would lock it"
            ))
        }
    };
    let state_word =
        if unlock_requested_at.is_some() || rule.lock_state == Some(RuleLock::PendingUnlock) {
            "pending_unlock"
        } else {
            "locked"
        };
    let delay = rule
        .unlock_delay_days
        .map(|n| format!(", unlock delay {n} days"))
        .unwrap_or_default();
    Ok(Adoption {
        record: Record::RbinRuleLock(RbinRecord {
            rule_id: id.clone(),
            unlock_delay_days: rule.unlock_delay_days,
            // When it was locked is not something AWS reports.
            locked_at: None,
            unlock_requested_at,
            target: None,
            physical_key: None,
        }),
        detail: object(json!({
            "rule_id": id,
            "lock_state": state_word,
            "unlock_delay_days": rule.unlock_delay_days,
            "lock_end_time": rule.lock_end_time.map(|t| t.to_string()),
        })),
        summary: format!("rule `{id}`: {state_word}{delay}"),
    })
}

/// What the report says about the rule beyond the plan: when a pending unlock takes effect
/// (the end of its unlock delay).
pub(crate) fn facts(d: &RbinDesired, live: &RbinLive) -> crate::report::KindFacts {
    let mut facts = crate::report::KindFacts::default();
    if let RbinLive::Present(rule) = live {
        if let (Some(super::RuleLock::PendingUnlock), Some(end)) =
            (&rule.lock_state, rule.lock_end_time)
        {
            facts.moments.push((
                end,
                format!(
                    "the unlock delay of Recycle Bin rule `{}` ends: the rule is unlocked from then on",
                    d.rule_id
                ),
                false,
            ));
        }
    }
    facts
}
