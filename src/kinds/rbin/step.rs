//! Recycle Bin's actions: LockRule, UnlockRule.

use serde_json::json;

use crate::apply::step::{Phase, Recheck, Step, StepError};
use crate::aws::ProviderClients;
use crate::plan::ActionKind;
use crate::state::Record;

use super::{RbinDesired, RbinLock, RbinRecord};

pub(crate) async fn lock_rule(
    step: &Step<'_, '_>,
    d: &RbinDesired,
    c: &ProviderClients,
) -> Result<String, StepError> {
    let action = ActionKind::LOCK_RULE;
    // The plan locks only a rule whose desired value is locked, which always has its delay
    // (`RbinLock`); a plan's actions are names read back from a saved plan, so which desired
    // value one meets is checked here.
    let RbinLock::Locked {
        unlock_delay_days: days,
    } = d.lock
    else {
        return Err(StepError(
            "internal error: lock_rule for a rule whose desired state is unlocked; this is a bug in lockward"
                .into(),
        ));
    };
    step.journal(
        action,
        Phase::Intent,
        json!({"rule_id": d.rule_id, "unlock_delay_days": days}),
    )
    .await?;
    let result = c.rbin.lock_rule(&d.rule_id, days).await;
    step.settle(action, result, Recheck {
        also_on: None,
        found: "the rule is locked",
        hint: "run apply again",
        took_effect: || async {
            matches!(c.rbin.get_rule(&d.rule_id).await, Ok(Some(r)) if r.lock_state.as_deref() == Some("locked"))
        },
    })
    .await?;
    let now = step.now();
    let record = RbinRecord {
        rule_id: d.rule_id.clone(),
        unlock_delay_days: Some(days),
        locked_at: Some(now),
        unlock_requested_at: None,
        target: None,
        physical_key: None,
    };
    step.save(|s| s.set(step.address(), Record::RbinRuleLock(record)))
        .await?;
    step.journal(action, Phase::Done, json!({"rule_id": d.rule_id}))
        .await?;
    Ok(format!("locked; unlocking it takes {days} days"))
}

pub(crate) async fn unlock_rule(
    step: &Step<'_, '_>,
    d: &RbinDesired,
    c: &ProviderClients,
) -> Result<String, StepError> {
    let action = ActionKind::UNLOCK_RULE;
    step.journal(action, Phase::Intent, json!({"rule_id": d.rule_id}))
        .await?;
    let result = c.rbin.unlock_rule(&d.rule_id).await;
    step.settle(action, result, Recheck {
        // A ConflictException may answer the SDK's retry of a call whose first attempt took
        // effect (its answer lost): the rule is then already pending unlock. Look.
        also_on: Some("ConflictException"),
        found: "the rule is pending unlock",
        hint: "run apply again",
        took_effect: || async {
            matches!(c.rbin.get_rule(&d.rule_id).await, Ok(Some(r)) if r.lock_state.as_deref() == Some("pending_unlock"))
        },
    })
    .await?;
    let now = step.now();
    step.save(|s| {
        let mut record = s
            .get(step.address())
            .and_then(Record::rbin)
            .cloned()
            .unwrap_or(RbinRecord {
                rule_id: d.rule_id.clone(),
                unlock_delay_days: None,
                locked_at: None,
                unlock_requested_at: None,
                target: None,
                physical_key: None,
            });
        record.unlock_requested_at = Some(now);
        s.set(step.address(), Record::RbinRuleLock(record));
    })
    .await?;
    step.journal(action, Phase::Done, json!({"rule_id": d.rule_id}))
        .await?;
    Ok("unlock requested; the rule stays locked until its unlock delay ends".into())
}
