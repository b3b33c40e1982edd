//! EC2's actions on a snapshot's lock: LockSnapshot, UnlockSnapshot.

use serde_json::json;

use crate::apply::step::{Phase, Recheck, Step, StepError};
use crate::aws::ProviderClients;
use crate::plan::ActionKind;
use crate::state::Record;

use super::{EbsDesired, EbsLive, EbsMode, EbsRecord, LiveLock, LockInfo, LockMode, LockRequest};

fn snapshot_of(d: &EbsDesired) -> Result<&str, StepError> {
    d.snapshot_id.as_deref().ok_or_else(|| {
        StepError(
            "internal error: a snapshot lock action for a selection that names no snapshot; this is a bug in lockward"
                .into(),
        )
    })
}

/// The snapshot's lock read again right before a call, and what it was classified as.
async fn reread(
    c: &ProviderClients,
    id: &str,
    now: jiff::Timestamp,
) -> Result<(Option<LockInfo>, EbsLive), StepError> {
    let locks = c
        .ec2
        .locked_snapshots(&[id.to_string()])
        .await
        .map_err(|e| {
            StepError(format!(
                "could not re-read the lock of snapshot `{id}` before changing it: {e}; nothing was sent\nhint: run apply again"
            ))
        })?;
    let lock = locks.into_iter().find(|l| l.snapshot_id == id);
    let live = EbsLive::of(lock.as_ref(), now);
    Ok((lock, live))
}

/// What LockSnapshot sends to reach `d` from the live lock (DESIGN.md section 3.6): a new lock
/// sends its duration (or `until`); a change to an existing lock sends the instant it should
/// expire at, so that the plan showed what AWS sets; after a compliance lock's cool-off, an
/// extension is sent without `CoolOffPeriod`.
fn request(d: &EbsDesired, live: &EbsLive) -> Result<LockRequest, String> {
    let mode = match d.mode {
        EbsMode::Governance => LockMode::Governance,
        EbsMode::Compliance => LockMode::Compliance,
        EbsMode::None => return Err("its desired lock is none".into()),
    };
    let cool_off_hours = if mode == LockMode::Compliance {
        d.cool_off_hours
    } else {
        None
    };
    let fresh = LockRequest {
        mode,
        duration_days: d.until.is_none().then_some(d.duration_days).flatten(),
        expiration_date: d.until,
        cool_off_hours,
    };
    let change = |lock: &LiveLock, cool_off_hours| match d.expiry_on(lock) {
        Some(at) => LockRequest {
            mode,
            duration_days: None,
            expiration_date: Some(at),
            cool_off_hours,
        },
        // A pending snapshot's lock counts from its completion: a duration again.
        None => LockRequest {
            cool_off_hours,
            ..fresh
        },
    };
    Ok(match live {
        EbsLive::SnapshotMissing | EbsLive::NoMatch => {
            return Err("the snapshot does not exist".into())
        }
        EbsLive::None { .. } => fresh,
        EbsLive::Governance { lock } | EbsLive::ComplianceCooloff { lock, .. } => {
            change(lock, cool_off_hours)
        }
        EbsLive::Compliance { lock } if mode == LockMode::Compliance => change(lock, None),
        EbsLive::Compliance { .. } => {
            return Err(
                "it has a compliance lock past its cool-off, which only an extension may change"
                    .into(),
            )
        }
    })
}

/// Whether `after` is the lock `request` sets, made by this call: a lock that was there
/// before, unchanged, never proves it (DESIGN.md section 5.12).
fn is_the_requested_lock(
    after: &LockInfo,
    before: Option<&LockInfo>,
    request: &LockRequest,
) -> bool {
    let state_matches = match request.mode {
        LockMode::Governance => after.state == "governance",
        LockMode::Compliance => after.state.starts_with("compliance"),
    };
    let expiry_matches = match (request.expiration_date, request.duration_days) {
        (Some(at), _) => after.expires.map(|t| t.as_second()) == Some(at.as_second()),
        (None, Some(days)) => after.duration_days == Some(days),
        (None, None) => false,
    };
    let changed = match before {
        None => true,
        Some(b) if b.state == "expired" => after.created != b.created,
        Some(b) => {
            b.state != after.state
                || b.expires != after.expires
                || b.duration_days != after.duration_days
                || b.cool_off_hours != after.cool_off_hours
        }
    };
    // An extension after the cool-off keeps the cool-off it had.
    let cool_off_matches = request
        .cool_off_hours
        .is_none_or(|c| after.cool_off_hours == Some(c));
    state_matches && expiry_matches && changed && cool_off_matches
}

pub(crate) async fn lock_snapshot(
    step: &Step<'_, '_>,
    d: &EbsDesired,
    c: &ProviderClients,
) -> Result<String, StepError> {
    let action = ActionKind::LOCK_SNAPSHOT;
    let id = snapshot_of(d)?;
    // What the call sends depends on the lock it changes, and a lock that moved since the
    // review (a cool-off that ended, a lock someone else put) is not the one approved: read it
    // again right before, and refuse unless it is still what the plan read.
    let (before, live) = reread(c, id, step.now()).await?;
    let planned: Option<EbsLive> = serde_json::from_value(step.live().clone()).ok();
    if planned.as_ref() != Some(&live) && !same_absence(planned.as_ref(), &live) {
        return Err(StepError(format!(
            "the lock of snapshot `{id}` changed since the plan (it is now {}); nothing was sent\nhint: plan again",
            serde_json::to_value(&live).map(|v| v["state"].to_string()).unwrap_or_default()
        )));
    }
    let request = request(d, &live).map_err(|why| {
        StepError(format!(
            "internal error: lock_snapshot for snapshot `{id}`, but {why}; this is a bug in lockward"
        ))
    })?;
    let detail = json!({
        "snapshot_id": id,
        "mode": request.mode.as_str(),
        "lock_duration_days": request.duration_days,
        "expiration_date": request.expiration_date.map(|t| t.to_string()),
        "cool_off_hours": request.cool_off_hours,
    });
    let mut answer = None;
    let result = if request.mode == LockMode::Compliance {
        // A compliance lock sent again could start a cool-off anew or take effect twice:
        // one wire attempt per intent; a lost answer is settled by reading the lock.
        step.once_per_intent(action, detail, || c.ec2.lock_snapshot(id, request))
            .await?
    } else {
        step.journal(action, Phase::Intent, detail).await?;
        c.ec2.lock_snapshot(id, request).await
    };
    let result = result.map(|info| {
        answer = Some(info);
    });
    step.settle(
        action,
        result,
        Recheck {
            also_on: None,
            found: "the snapshot has the requested lock, changed by this call",
            hint: "run `lockward plan`: it shows the snapshot's lock as it is now, and the attempt",
            took_effect: || async {
                let Ok(locks) = c.ec2.locked_snapshots(&[id.to_string()]).await else {
                    return false;
                };
                locks.iter().any(|after| {
                    after.snapshot_id == id
                        && is_the_requested_lock(after, before.as_ref(), &request)
                })
            },
        },
    )
    .await?;
    // The lock as AWS answered it, or (after a lost answer) as it reads now.
    let lock = match answer {
        Some(info) => Some(info),
        None => c
            .ec2
            .locked_snapshots(&[id.to_string()])
            .await
            .ok()
            .and_then(|l| l.into_iter().find(|l| l.snapshot_id == id)),
    };
    let now = step.now();
    let record = EbsRecord {
        mode: Some(request.mode.as_str().to_string()),
        expires: lock.as_ref().and_then(|l| l.expires),
        cool_off_ends: lock.as_ref().and_then(|l| l.cool_off_ends),
        locked_at: Some(now),
        ..EbsRecord::of(id)
    };
    let (expires, cool_off_ends) = (record.expires, record.cool_off_ends);
    step.save(|s| s.set(step.address(), Record::EbsSnapshotLock(record)))
        .await?;
    step.journal(
        action,
        Phase::Done,
        json!({"snapshot_id": id, "expires": expires.map(|t| t.to_string()),
               "cool_off_ends": cool_off_ends.map(|t| t.to_string())}),
    )
    .await?;
    let until = expires.map_or_else(|| "its duration ends".to_string(), crate::words::when);
    let mut said = match (request.mode, cool_off_ends) {
        (LockMode::Compliance, Some(end)) => format!(
            "compliance lock until {until}; it can be unlocked or changed until its cool-off ends at {}, and only extended after",
            crate::words::when(end)
        ),
        (LockMode::Compliance, None) => {
            format!("compliance lock until {until}; it can only be extended from now on")
        }
        (LockMode::Governance, _) => format!("governance lock until {until}"),
    };
    // The end AWS set, earlier than the plan said (DESIGN.md section 3.6).
    if let (Some(want), Some(got)) = (request.expiration_date, expires) {
        if got.as_second() < want.as_second() {
            said.push_str(&format!(
                "; warning: AWS set the lock to expire at {}, earlier than the {} the plan said",
                crate::words::when(got),
                crate::words::when(want)
            ));
        }
    }
    Ok(said)
}

/// A snapshot with no lock reads as `none` whether it was never locked or its lock expired:
/// either is the state the plan approved locking.
fn same_absence(planned: Option<&EbsLive>, live: &EbsLive) -> bool {
    matches!(
        (planned, live),
        (Some(EbsLive::None { .. }), EbsLive::None { .. })
    )
}

pub(crate) async fn unlock_snapshot(
    step: &Step<'_, '_>,
    d: &EbsDesired,
    c: &ProviderClients,
) -> Result<String, StepError> {
    let action = ActionKind::UNLOCK_SNAPSHOT;
    let id = snapshot_of(d)?;
    let (_, live) = reread(c, id, step.now()).await?;
    if matches!(live, EbsLive::Compliance { .. }) {
        return Err(StepError(format!(
            "the compliance lock of snapshot `{id}` is past its cool-off since the plan: nobody can unlock it now; nothing was sent\nhint: plan again"
        )));
    }
    step.journal(action, Phase::Intent, json!({"snapshot_id": id}))
        .await?;
    let result = c.ec2.unlock_snapshot(id).await;
    step.settle(
        action,
        result,
        Recheck {
            also_on: None,
            found: "the snapshot has no lock",
            hint: "run apply again",
            took_effect: || async {
                let now = step.now();
                matches!(c.ec2.locked_snapshots(&[id.to_string()]).await,
                Ok(locks) if matches!(
                    EbsLive::of(locks.iter().find(|l| l.snapshot_id == id), now),
                    EbsLive::None { .. }
                ))
            },
        },
    )
    .await?;
    let now = step.now();
    step.save(|s| {
        let record = EbsRecord {
            unlocked_at: Some(now),
            ..EbsRecord::of(id)
        };
        s.set(step.address(), Record::EbsSnapshotLock(record));
    })
    .await?;
    step.journal(action, Phase::Done, json!({"snapshot_id": id}))
        .await?;
    Ok("snapshot unlocked".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(state: &str, expires: &str) -> LockInfo {
        LockInfo {
            snapshot_id: "snap-0123456789abcdef0".into(),
            state: state.into(),
            expires: Some(expires.parse().unwrap()),
            created: Some("2026-12-01T00:00:00Z".parse().unwrap()),
            ..LockInfo::default()
        }
    }

    #[test]
    fn only_a_lock_the_call_made_proves_it() {
        let request = LockRequest {
            mode: LockMode::Governance,
            duration_days: None,
            expiration_date: Some("2027-01-01T00:00:00Z".parse().unwrap()),
            cool_off_hours: None,
        };
        let made = lock("governance", "2027-01-01T00:00:00Z");
        // No lock before: the requested lock proves the call.
        assert!(is_the_requested_lock(&made, None, &request));
        // The same lock was there before the call: it proves nothing.
        assert!(!is_the_requested_lock(&made, Some(&made), &request));
        // Another expiry or mode is not the requested lock.
        let other = lock("governance", "2027-02-01T00:00:00Z");
        assert!(!is_the_requested_lock(&other, None, &request));
        let compliance = lock("compliance", "2027-01-01T00:00:00Z");
        assert!(!is_the_requested_lock(&compliance, None, &request));
        // An expired lock of the same shape before: only a new creation proves the call.
        let expired = lock("expired", "2026-12-02T00:00:00Z");
        assert!(!is_the_requested_lock(
            &LockInfo {
                state: "governance".into(),
                ..expired.clone()
            },
            Some(&expired),
            &LockRequest {
                expiration_date: Some("2026-12-02T00:00:00Z".parse().unwrap()),
                ..request
            }
        ));
    }
}
