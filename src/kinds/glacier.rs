//! `glacier_vault_lock`: a Glacier vault lock policy, tested while InProgress and then, once
//! completed, permanent (InitiateVaultLock, GetVaultLock, CompleteVaultLock, AbortVaultLock).

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::config::{GlacierDesired, Policy, VaultLockState};
use crate::plan::{Action, ActionKind};
use crate::state::GlacierRecord;

use super::Decision;

/// An InProgress lock that expires sooner than this gets a warning in the plan.
pub const EXPIRY_WARNING: SignedDuration = SignedDuration::from_hours(6);

/// How long AWS keeps a lock InProgress before it expires and disappears.
pub const IN_PROGRESS_LIFETIME: SignedDuration = SignedDuration::from_hours(24);

/// The vault's lock as GetVaultLock (and DescribeVault) report it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum GlacierLive {
    /// The vault itself does not exist.
    VaultMissing,
    /// The vault exists and has no lock.
    #[serde(rename = "none")]
    NoLock,
    InProgress {
        policy: Policy,
        created: Timestamp,
        expires: Timestamp,
    },
    Locked {
        policy: Policy,
        created: Timestamp,
    },
}

/// Whether the state file knows the id of the live InProgress lock: it must record a lock
/// whose initiation time equals the live CreationDate and whose policy digest equals the live
/// policy's (DESIGN.md section 3). Anything else is a lock lockward cannot complete.
pub fn lock_id_known(record: Option<&GlacierRecord>, policy: &Policy, created: Timestamp) -> bool {
    record.is_some_and(|r| r.initiated_at == Some(created) && r.policy_digest == policy.digest())
}

/// The transition table of DESIGN.md section 3 for one vault.
pub fn decide(
    desired: &GlacierDesired,
    live: &GlacierLive,
    record: Option<&GlacierRecord>,
    now: Timestamp,
) -> Decision {
    let mut d = Decision::default();
    let vault = &desired.vault;
    match live {
        GlacierLive::VaultMissing => {
            d.conflict(format!(
                "vault `{vault}` does not exist in this account and region; lockward locks vaults but does not create them"
            ));
        }
        GlacierLive::Locked { policy, .. } => {
            let same = policy == &desired.policy;
            match desired.state {
                VaultLockState::Locked if same => {}
                VaultLockState::Locked => {
                    d.policy_diff = Some(policy_diff(policy, &desired.policy));
                    d.conflict(format!(
                        "vault `{vault}` is locked with a different policy; a completed vault lock is permanent and its policy can never change (see the diff)"
                    ));
                }
                VaultLockState::InProgress | VaultLockState::Unlocked => {
                    if !same {
                        d.policy_diff = Some(policy_diff(policy, &desired.policy));
                    }
                    d.conflict(format!(
                        "vault `{vault}` is locked; a completed vault lock is permanent and cannot go back to `{}`",
                        state_word(desired.state)
                    ));
                }
            }
        }
        GlacierLive::NoLock => match desired.state {
            VaultLockState::Unlocked => {}
            VaultLockState::InProgress => {
                d.actions.push(Action::ready(ActionKind::InitiateLock, "start the lock with the desired policy (it expires after 24 h unless completed)"));
            }
            VaultLockState::Locked => {
                d.actions.push(Action::ready(
                    ActionKind::InitiateLock,
                    "start the lock with the desired policy",
                ));
                d.actions.push(complete_after_initiation(desired));
            }
        },
        GlacierLive::InProgress {
            policy,
            created,
            expires,
        } => {
            let same = policy == &desired.policy;
            let known = lock_id_known(record, policy, *created);
            if !same {
                d.policy_diff = Some(policy_diff(policy, &desired.policy));
            }
            let restart_reason = if !same {
                "the lock in progress has a different policy"
            } else {
                "the state file does not know this lock's id (it was initiated elsewhere, or its id was lost), so it can only be aborted and started again"
            };
            match desired.state {
                VaultLockState::Unlocked => {
                    d.actions.push(Action::ready(
                        ActionKind::AbortLock,
                        "the configuration wants the vault unlocked",
                    ));
                }
                VaultLockState::InProgress if same && known => {
                    warn_expiry(&mut d, *expires, now);
                }
                VaultLockState::InProgress => {
                    d.actions
                        .push(Action::ready(ActionKind::AbortLock, restart_reason));
                    d.actions.push(Action::ready(
                        ActionKind::InitiateLock,
                        "start the lock again with the desired policy",
                    ));
                }
                VaultLockState::Locked if same && known => {
                    let not_before = desired.min_test_period.map(|p| *created + p);
                    match not_before {
                        Some(t) if t > now => {
                            d.actions.push(Action::deferred(
                                ActionKind::CompleteLock,
                                Some(t),
                                format!(
                                    "min_test_period: the lock must stay InProgress until {t} before it is completed"
                                ),
                            ));
                            if t >= *expires {
                                d.messages.push(format!(
                                    "the lock expires at {expires}, before min_test_period ends at {t}: it will expire and be started again; shorten min_test_period"
                                ));
                            } else {
                                warn_expiry(&mut d, *expires, now);
                            }
                        }
                        _ => {
                            d.actions.push(Action::ready(
                                ActionKind::CompleteLock,
                                "make the tested lock policy permanent",
                            ));
                            warn_expiry(&mut d, *expires, now);
                        }
                    }
                }
                VaultLockState::Locked => {
                    d.actions
                        .push(Action::ready(ActionKind::AbortLock, restart_reason));
                    d.actions.push(Action::ready(
                        ActionKind::InitiateLock,
                        "start the lock again with the desired policy",
                    ));
                    d.actions.push(complete_after_initiation(desired));
                }
            }
        }
    }
    d
}

/// The `complete_lock` that follows an initiation in the same plan: ready at once without a
/// `min_test_period`, otherwise deferred until the period has passed after the initiation.
/// The initiation time is unknown at planning time, so `not_before` stays empty rather than
/// being guessed from the clock (which would change the digest with the mere passage of time).
fn complete_after_initiation(desired: &GlacierDesired) -> Action {
    match desired.min_test_period {
        Some(p) if !p.is_zero() => Action::deferred(
            ActionKind::CompleteLock,
            None,
            format!(
                "min_test_period: complete only after the new lock has been InProgress for {}; run apply again then",
                crate::config::format_duration(p)
            ),
        ),
        _ => Action::ready(ActionKind::CompleteLock, "make the lock policy permanent"),
    }
}

fn warn_expiry(d: &mut Decision, expires: Timestamp, now: Timestamp) {
    let left = expires.duration_since(now);
    if left < EXPIRY_WARNING {
        let mins = left.as_mins().max(0);
        d.messages.push(format!(
            "warning: the lock in progress expires at {expires} (in {}h{:02}m); once expired it disappears and must be initiated again",
            mins / 60,
            mins % 60
        ));
    }
}

fn state_word(state: VaultLockState) -> &'static str {
    match state {
        VaultLockState::Locked => "locked",
        VaultLockState::InProgress => "in_progress",
        VaultLockState::Unlocked => "unlocked",
    }
}

/// Unified diff of the pretty canonical forms, live first.
pub fn policy_diff(live: &Policy, desired: &Policy) -> String {
    similar::TextDiff::from_lines(&live.pretty(), &desired.pretty())
        .unified_diff()
        .context_radius(3)
        .header("live policy", "desired policy")
        .to_string()
}

#[cfg(test)]
mod tests;
