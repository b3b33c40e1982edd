//! What the compliance report says about a snapshot lock beyond the plan: how the live value
//! moved away from what the state file records lockward did (drift), what importing it records,
//! and the moments ahead (the cool-off's end, the expiry).

use serde_json::json;

use crate::import::{object, Adoption, DeliveredFile};
use crate::state::Record;

use super::{EbsDesired, EbsLive, EbsMode, EbsRecord, LiveLock};

fn mode_of(live: &EbsLive) -> Option<(&'static str, &LiveLock)> {
    match live {
        EbsLive::Governance { lock } => Some(("governance", lock)),
        EbsLive::ComplianceCooloff { lock, .. } | EbsLive::Compliance { lock } => {
            Some(("compliance", lock))
        }
        _ => None,
    }
}

/// How `live` moved away from what the record says lockward reached, or `None`.
pub(crate) fn drift(live: &EbsLive, r: &EbsRecord) -> Option<String> {
    let id = &r.snapshot_id;
    if matches!(live, EbsLive::SnapshotMissing) {
        return Some(format!(
            "the state file records snapshot `{id}`, but it no longer exists"
        ));
    }
    let now = mode_of(live);
    match (&r.mode, now) {
        (None, None) => None,
        (Some(mode), Some((live_mode, lock))) if mode == live_mode => {
            match (r.expires, lock.expires) {
                (Some(a), Some(b)) if a.as_second() != b.as_second() => Some(format!(
                    "the state file records a {mode} lock on snapshot `{id}` until {a}, but AWS reports it until {b}"
                )),
                _ => None,
            }
        }
        (Some(mode), Some((live_mode, _))) => Some(format!(
            "the state file records a {mode} lock on snapshot `{id}`, but AWS reports a {live_mode} lock"
        )),
        (Some(mode), None) => Some(format!(
            "the state file records a {mode} lock on snapshot `{id}`, but it has no lock"
        )),
        (None, Some((live_mode, _))) => Some(format!(
            "the state file records that lockward unlocked snapshot `{id}`, but it has a {live_mode} lock again"
        )),
    }
}

/// What importing the snapshot's lock records. `Err` says why it cannot be imported. Pure.
pub(crate) fn adopt(
    d: &EbsDesired,
    live: &EbsLive,
    _delivered: &DeliveredFile,
) -> Result<Adoption, String> {
    let id = d.snapshot_id.clone().unwrap_or_default();
    let Some((mode, lock)) = mode_of(live) else {
        return Err(match live {
            EbsLive::SnapshotMissing | EbsLive::NoMatch => format!(
                "snapshot `{id}` does not exist in this account and region"
            ),
            _ => format!(
                "snapshot `{id}` has no lock, so there is nothing to import\nhint: `lockward plan` shows how lockward would lock it"
            ),
        });
    };
    let cool_off_ends = match live {
        EbsLive::ComplianceCooloff { cool_off_ends, .. } => Some(*cool_off_ends),
        _ => None,
    };
    let state = match live {
        EbsLive::ComplianceCooloff { .. } => "compliance_cooloff",
        EbsLive::Compliance { .. } => "compliance",
        _ => "governance",
    };
    let until = lock
        .expires
        .map_or_else(|| "when its duration ends".to_string(), crate::words::when);
    Ok(Adoption {
        record: Record::EbsSnapshotLock(EbsRecord {
            mode: Some(mode.to_string()),
            expires: lock.expires,
            cool_off_ends,
            ..EbsRecord::of(&id)
        }),
        detail: object(json!({
            "snapshot_id": id,
            "lock_state": state,
            "expires": lock.expires.map(|t| t.to_string()),
            "cool_off_ends": cool_off_ends.map(|t| t.to_string()),
        })),
        summary: format!("snapshot `{id}`: {state} lock until {until}"),
    })
}

/// What the report says about the snapshot beyond the plan: a compliance lock in its cool-off
/// is not final until the cool-off ends (the point of no return); the expiry ends the
/// protection.
pub(crate) fn facts(d: &EbsDesired, live: &EbsLive) -> crate::report::KindFacts {
    let mut facts = crate::report::KindFacts::default();
    let id = d.snapshot_id.as_deref().unwrap_or("?");
    facts.empty = matches!(live, EbsLive::NoMatch);
    if let EbsLive::ComplianceCooloff { cool_off_ends, .. } = live {
        if d.mode == EbsMode::Compliance {
            facts.immutable_from = Some(*cool_off_ends);
        }
        facts.moments.push((
            *cool_off_ends,
            format!(
                "the compliance lock of snapshot `{id}` leaves its cool-off: from then on it can only be extended (point of no return)"
            ),
            true,
        ));
    }
    if let Some((mode, lock)) = mode_of(live) {
        if let Some(e) = lock.expires {
            facts.moments.push((
                e,
                format!("the {mode} lock of snapshot `{id}` expires"),
                false,
            ));
        }
    }
    facts
}
