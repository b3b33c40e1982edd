//! Which S3 calls carry out a plan's actions for one bucket. Pure: apply writes a journal
//! intent for every action a call settles before making it, and settles them all by its answer.

use crate::plan::ActionKind;

use super::aws::ObjectLockConfig;
use super::{S3Desired, S3Live};

/// One mutating S3 call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// PutBucketVersioning with Status Enabled.
    EnableVersioning,
    /// PutObjectLockConfiguration with this configuration.
    PutObjectLock(ObjectLockConfig),
}

/// The calls for `actions` (in plan order), each with the actions it settles. enable_object_lock
/// and put_default_retention (or remove_default_retention) share one PutObjectLockConfiguration.
/// The configuration put is the desired default with the live DefaultEventHold carried
/// unchanged; a put without a default retention has no rule, so no event hold.
pub fn calls(
    desired: &S3Desired,
    live: &S3Live,
    actions: &[ActionKind],
) -> Vec<(Call, Vec<ActionKind>)> {
    let mut out = Vec::new();
    if actions.contains(&ActionKind::EnableVersioning) {
        out.push((Call::EnableVersioning, vec![ActionKind::EnableVersioning]));
    }
    let settled: Vec<ActionKind> = actions
        .iter()
        .copied()
        .filter(|a| {
            matches!(
                a,
                ActionKind::EnableObjectLock
                    | ActionKind::PutDefaultRetention
                    | ActionKind::RemoveDefaultRetention
            )
        })
        .collect();
    if !settled.is_empty() {
        let live_hold = match live {
            S3Live::Enabled {
                default_event_hold, ..
            } => *default_event_hold,
            _ => None,
        };
        let config = ObjectLockConfig {
            default_retention: desired.default_retention,
            default_event_hold: live_hold.filter(|_| desired.default_retention.is_some()),
        };
        out.push((Call::PutObjectLock(config), settled));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::s3::{
        decide, DefaultRetention, ObjectLockState, RetentionMode, RetentionPeriod,
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

    fn planned(desired: &S3Desired, live: &S3Live) -> Vec<(Call, Vec<ActionKind>)> {
        let actions: Vec<ActionKind> = decide(desired, live)
            .actions
            .iter()
            .map(|a| a.action)
            .collect();
        calls(desired, live, &actions)
    }

    #[test]
    fn the_two_step_enable_is_two_calls_and_one_put_settles_two_actions() {
        let d = desired(Some(COMPLIANCE_7Y));
        assert_eq!(
            planned(&d, &S3Live::Unversioned),
            [
                (Call::EnableVersioning, vec![ActionKind::EnableVersioning]),
                (
                    Call::PutObjectLock(ObjectLockConfig {
                        default_retention: Some(COMPLIANCE_7Y),
                        default_event_hold: None
                    }),
                    vec![
                        ActionKind::EnableObjectLock,
                        ActionKind::PutDefaultRetention
                    ]
                )
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
            planned(&desired(Some(COMPLIANCE_7Y)), &live),
            [(
                Call::PutObjectLock(ObjectLockConfig {
                    default_retention: Some(COMPLIANCE_7Y),
                    default_event_hold: hold
                }),
                vec![ActionKind::PutDefaultRetention]
            )]
        );
        assert_eq!(
            planned(&desired(None), &live),
            [(
                Call::PutObjectLock(ObjectLockConfig::default()),
                vec![ActionKind::RemoveDefaultRetention]
            )]
        );
    }

    #[test]
    fn nothing_to_do_makes_no_call() {
        let live = S3Live::Enabled {
            default_retention: Some(COMPLIANCE_7Y),
            default_event_hold: None,
        };
        assert!(planned(&desired(Some(COMPLIANCE_7Y)), &live).is_empty());
    }
}
