//! S3's actions: PutBucketVersioning and PutObjectLockConfiguration, one call per action, each
//! journaled before it is sent and settled by its answer (or by reading the bucket again when
//! the answer is lost).
//!
//! DESIGN.md section 3.5 allows enable_object_lock and put_default_retention to share one
//! PutObjectLockConfiguration; lockward sends them as two calls instead, so that every intent
//! in the journal is settled by the answer to its own call and an irreversible default is never
//! sent on the back of another action's approval.

use serde_json::json;

use crate::apply::step::{Phase, Recheck, Step, StepError};
use crate::aws::ProviderClients;
use crate::plan::ActionKind;
use crate::state::{Record, StateFile};

use super::aws::{ObjectLockConfig, S3Api, Versioning};
use super::{RetentionPeriod, S3Desired, S3Record};

/// One mutating S3 call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// PutBucketVersioning with Status Enabled.
    EnableVersioning,
    /// PutObjectLockConfiguration with this configuration.
    PutObjectLock(ObjectLockConfig),
}

/// The call that carries out `action` for `desired`, given the DefaultEventHold S3 holds now.
/// Enabling Object Lock puts no rule (a bucket without Object Lock has none to keep); a
/// default put carries the live event hold unchanged; a removal puts no rule, and S3 keeps an
/// event hold only inside a rule, so it goes with it (the plan warns of that). `None` for an
/// action that is not S3's.
pub fn call_for(
    action: ActionKind,
    desired: &S3Desired,
    live_hold: Option<RetentionPeriod>,
) -> Option<Call> {
    Some(match action {
        ActionKind::ENABLE_VERSIONING => Call::EnableVersioning,
        ActionKind::ENABLE_OBJECT_LOCK => Call::PutObjectLock(ObjectLockConfig::default()),
        ActionKind::PUT_DEFAULT_RETENTION => Call::PutObjectLock(ObjectLockConfig {
            default_retention: desired.default_retention,
            default_event_hold: live_hold,
        }),
        ActionKind::REMOVE_DEFAULT_RETENTION => Call::PutObjectLock(ObjectLockConfig::default()),
        _ => return None,
    })
}

fn record_of(s: &StateFile, step: &Step<'_, '_>, bucket: &str) -> S3Record {
    match s.get(step.address()) {
        Some(Record::S3ObjectLock(r)) if r.bucket == bucket => r.clone(),
        _ => S3Record::new(bucket),
    }
}

/// What the bucket showed right before a call: its Object Lock configuration (`None`: Object
/// Lock off) when it was read then, else nothing beyond the plan.
#[derive(Clone, Debug)]
enum Before {
    /// Not read right before the call: the plan's live state is what the call changes, and the
    /// plan proposes each call only where that state differs from what the call asks for
    /// (versioning off for enable_versioning, a default for remove_default_retention).
    AsPlanned,
    ObjectLock(Option<ObjectLockConfig>),
}

/// Whether S3 now holds what `call` asked for, and what it holds could not have been there
/// before the call: read after an answer was lost (DESIGN.md 5.12).
async fn took_effect(
    api: &dyn S3Api,
    bucket: &str,
    owner: &str,
    call: &Call,
    before: &Before,
) -> bool {
    match call {
        Call::EnableVersioning => matches!(
            api.get_bucket_versioning(bucket, owner).await,
            Ok(Versioning::Enabled)
        ),
        Call::PutObjectLock(config) => {
            let new = match before {
                Before::AsPlanned | Before::ObjectLock(None) => true,
                Before::ObjectLock(Some(b)) => b.default_retention != config.default_retention,
            };
            new && matches!(api.get_object_lock_configuration(bucket, owner).await,
                Ok(Some(live)) if live.default_retention == config.default_retention)
        }
    }
}

/// Carries out one S3 action: the intent, the one call, its answer (re-read when lost),
/// the record, then `done`.
pub(crate) async fn s3_action(
    step: &Step<'_, '_>,
    action: ActionKind,
    d: &S3Desired,
    c: &ProviderClients,
) -> Result<String, StepError> {
    let api = c.s3.as_ref();
    let bucket = d.bucket.as_str();
    // The expected bucket owner: the account the plan was made and approved in.
    let owner = step.target().account.as_str();
    let mut live_hold = None;
    let mut before = Before::AsPlanned;
    if matches!(
        action,
        ActionKind::ENABLE_OBJECT_LOCK | ActionKind::PUT_DEFAULT_RETENTION
    ) {
        // Read right before the put: the DefaultEventHold is carried as S3 holds it now,
        // and Object Lock turned on since the plan (perhaps with a default of someone
        // else's) is never overwritten by a put without a rule.
        match api.get_object_lock_configuration(bucket, owner).await {
            Ok(Some(_)) if action == ActionKind::ENABLE_OBJECT_LOCK => {
                return Err(StepError(format!(
                    "Object Lock on bucket `{bucket}` has been enabled since the plan; nothing was sent\nhint: plan again"
                )))
            }
            Ok(config) => {
                live_hold = config.as_ref().and_then(|c| c.default_event_hold);
                before = Before::ObjectLock(config);
            }
            Err(e) => {
                return Err(StepError(format!(
                    "could not read the Object Lock configuration of bucket `{bucket}` before {}: {e}; nothing was sent\nhint: run apply again",
                    action.as_str()
                )))
            }
        }
    }
    let Some(call) = call_for(action, d, live_hold) else {
        return Err(super::super::not_an_action_of(step.address(), action));
    };
    let detail = match &call {
        Call::EnableVersioning => {
            json!({"bucket": bucket, "call": "PutBucketVersioning", "status": "Enabled"})
        }
        Call::PutObjectLock(config) => json!({
            "bucket": bucket,
            "call": "PutObjectLockConfiguration",
            "default_retention": config.default_retention,
            "default_event_hold": config.default_event_hold,
        }),
    };
    step.journal(action, Phase::Intent, detail).await?;
    let result = match &call {
        Call::EnableVersioning => api.enable_versioning(bucket, owner).await,
        Call::PutObjectLock(config) => {
            api.put_object_lock_configuration(bucket, owner, config)
                .await
        }
    };
    step.settle(
        action,
        result,
        Recheck {
            also_on: None,
            found: match call {
                Call::EnableVersioning => "the bucket's versioning is Enabled",
                Call::PutObjectLock(_) => "the bucket has the Object Lock configuration",
            },
            hint: "run apply again",
            took_effect: || took_effect(api, bucket, owner, &call, &before),
        },
    )
    .await?;
    let now = step.now();
    step.save(|s| {
        let mut record = record_of(s, step, bucket);
        match action {
            ActionKind::ENABLE_VERSIONING => record.versioning_enabled_at = Some(now),
            ActionKind::ENABLE_OBJECT_LOCK => record.object_lock_enabled_at = Some(now),
            _ => {
                record.default_retention = match &call {
                    Call::PutObjectLock(config) => config.default_retention,
                    Call::EnableVersioning => None,
                };
                record.retention_changed_at = Some(now);
            }
        }
        s.set(step.address(), Record::S3ObjectLock(record));
    })
    .await?;
    step.journal(action, Phase::Done, json!({"bucket": bucket}))
        .await?;
    Ok(match (action, d.default_retention) {
        (ActionKind::ENABLE_VERSIONING, _) => "versioning enabled".to_string(),
        (ActionKind::ENABLE_OBJECT_LOCK, _) => {
            "Object Lock enabled; it can never be disabled".to_string()
        }
        (ActionKind::PUT_DEFAULT_RETENTION, Some(r)) => format!("default retention set to {r}"),
        _ => "default retention removed".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::s3::{
        decide, DefaultRetention, ObjectLockState, RetentionMode, RetentionPeriod, S3Live,
    };

    const COMPLIANCE_7Y: DefaultRetention = DefaultRetention {
        mode: RetentionMode::Compliance,
        period: RetentionPeriod::Years(7),
    };

    fn desired(default_retention: Option<DefaultRetention>) -> S3Desired {
        S3Desired {
            bucket: "acme-records-2026".to_string(),
            object_lock: ObjectLockState::Enabled,
            default_retention,
        }
    }

    fn planned(desired: &S3Desired, live: &S3Live, hold: Option<RetentionPeriod>) -> Vec<Call> {
        decide(desired, live)
            .actions
            .iter()
            .map(|a| call_for(a.action, desired, hold).unwrap())
            .collect()
    }

    #[test]
    fn the_two_step_enable_is_one_call_per_action_and_the_default_comes_last() {
        let d = desired(Some(COMPLIANCE_7Y));
        assert_eq!(
            planned(&d, &S3Live::Unversioned, None),
            [
                Call::EnableVersioning,
                Call::PutObjectLock(ObjectLockConfig::default()),
                Call::PutObjectLock(ObjectLockConfig {
                    default_retention: Some(COMPLIANCE_7Y),
                    default_event_hold: None
                }),
            ]
        );
    }

    #[test]
    fn a_put_carries_the_live_event_hold_and_a_removal_cannot() {
        let hold = Some(RetentionPeriod::Days(5));
        let live = S3Live::Enabled {
            default_retention: Some(DefaultRetention {
                mode: RetentionMode::Governance,
                period: RetentionPeriod::Days(30),
            }),
            default_event_hold: hold,
        };
        assert_eq!(
            planned(&desired(Some(COMPLIANCE_7Y)), &live, hold),
            [Call::PutObjectLock(ObjectLockConfig {
                default_retention: Some(COMPLIANCE_7Y),
                default_event_hold: hold
            })]
        );
        assert_eq!(
            planned(&desired(None), &live, hold),
            [Call::PutObjectLock(ObjectLockConfig::default())]
        );
    }

    #[test]
    fn nothing_to_do_makes_no_call_and_other_kinds_actions_have_none() {
        let live = S3Live::Enabled {
            default_retention: Some(COMPLIANCE_7Y),
            default_event_hold: None,
        };
        assert!(planned(&desired(Some(COMPLIANCE_7Y)), &live, None).is_empty());
        assert_eq!(
            call_for(ActionKind::COMPLETE_LOCK, &desired(None), None),
            None
        );
    }
}
