//! `glacier_vault_lock`: a Glacier vault lock policy, tested while InProgress and then, once
//! completed, permanent (InitiateVaultLock, GetVaultLock, CompleteVaultLock, AbortVaultLock).

pub mod aws;
pub(crate) mod config;
pub(crate) mod demo;
pub mod desired;
pub(crate) mod discover;
pub mod fake;
pub mod read;
pub mod record;
pub(crate) mod report;
pub mod scope;
pub(crate) mod sdk;
mod step;
pub(crate) mod words;

pub use aws::{GlacierApi, VaultLock};
pub use desired::{GlacierDesired, VaultLockState};
pub use read::read_glacier;
pub use record::GlacierRecord;
pub(crate) use sdk::SdkGlacier;

use jiff::{SignedDuration, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::Policy;
use crate::plan::{Action, ActionKind, Attempt, Effect, Recovery};
use crate::state::Record;

use super::Decision;

/// An InProgress lock that expires sooner than this gets a warning in the plan.
pub const EXPIRY_WARNING: SignedDuration = SignedDuration::from_hours(6);

/// How long AWS keeps a lock InProgress before it expires and disappears.
pub const IN_PROGRESS_LIFETIME: SignedDuration = SignedDuration::from_hours(24);

/// The vault's lock as GetVaultLock (and DescribeVault) report it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum GlacierLive {
    /// The vault itself does not exist.
    VaultMissing,
    /// The vault exists and has no lock.
    #[serde(rename = "none")]
    NoLock,
    InProgress {
        /// The canonical policy text.
        #[schemars(with = "String")]
        policy: Policy,
        #[schemars(with = "String", extend("format" = "date-time"))]
        created: Timestamp,
        #[schemars(with = "String", extend("format" = "date-time"))]
        expires: Timestamp,
    },
    Locked {
        /// The canonical policy text.
        #[schemars(with = "String")]
        policy: Policy,
        #[schemars(with = "String", extend("format" = "date-time"))]
        created: Timestamp,
    },
}

/// Whether the state file knows the id of the live InProgress lock: it must record a lock
/// whose initiation time equals the live CreationDate and whose policy digest equals the live
/// policy's (DESIGN.md section 3). Anything else is a lock lockward cannot complete.
pub fn lock_id_known(record: Option<&GlacierRecord>, policy: &Policy, created: Timestamp) -> bool {
    record.is_some_and(|r| r.initiated_at == Some(created) && r.policy_digest == policy.digest())
}

/// The lock id of the live InProgress lock as the journal's `done` record of an initiation
/// remembers it, when the state file does not: the lock id's second home (DESIGN.md section
/// 3.1). Matches only an initiation whose creation date and policy are the live lock's.
pub fn lock_id_in_journal(
    attempts: &[&Attempt],
    policy: &Policy,
    created: Timestamp,
) -> Option<GlacierRecord> {
    let digest = policy.digest();
    attempts.iter().rev().find_map(|a| {
        let matches = a.action == ActionKind::INITIATE_LOCK
            && a.effect == Effect::Done
            && a.detail_str("policy_digest") == Some(digest.as_str())
            && a.detail_str("created")
                .and_then(|t| t.parse::<Timestamp>().ok())
                == Some(created);
        let lock_id = a.detail_str("lock_id").filter(|_| matches)?;
        Some(GlacierRecord {
            vault: a.detail_str("vault").unwrap_or_default().to_string(),
            lock_id: lock_id.to_string(),
            initiated_at: Some(created),
            policy_digest: digest.clone(),
            completed_at: None,
            target: None,
            physical_key: None,
        })
    })
}

fn recovery(record: GlacierRecord, found: impl Into<String>) -> Recovery {
    Recovery {
        record: serde_json::to_value(Record::GlacierVaultLock(record)).unwrap_or_default(),
        moved_from: None,
        found: found.into(),
    }
}

/// The transition table of DESIGN.md section 3 for one vault.
pub fn decide(
    desired: &GlacierDesired,
    live: &GlacierLive,
    record: Option<&GlacierRecord>,
    attempts: &[&Attempt],
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
        GlacierLive::Locked { policy, created } => {
            let same = policy == &desired.policy;
            match desired.state {
                VaultLockState::Locked if same => {
                    // A run killed during CompleteVaultLock leaves the completion unrecorded.
                    if let Some(r) = record.filter(|r| {
                        r.completed_at.is_none()
                            && r.policy_digest == policy.digest()
                            && r.initiated_at.is_none_or(|t| t == *created)
                    }) {
                        let completed_at = attempts
                            .iter()
                            .rev()
                            .find(|a| a.action == ActionKind::COMPLETE_LOCK)
                            .map(|a| a.at)
                            .unwrap_or(now);
                        let mut done = r.clone();
                        done.completed_at = Some(completed_at);
                        d.note("recovered: the lock was completed by an earlier run that could not record it; apply records the completion");
                        d.recovery = Some(recovery(
                            done,
                            "the vault is Locked with the recorded lock's policy",
                        ));
                    }
                }
                VaultLockState::Locked => {
                    d.text_diff = Some(policy_diff(policy, &desired.policy));
                    d.conflict(format!(
                        "vault `{vault}` is locked with a different policy; a completed vault lock is permanent and its policy can never change (see the diff)"
                    ));
                }
                VaultLockState::InProgress | VaultLockState::Unlocked => {
                    if !same {
                        d.text_diff = Some(policy_diff(policy, &desired.policy));
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
                d.actions.push(Action::ready(ActionKind::INITIATE_LOCK, "start the lock with the desired policy (it expires after 24 h unless completed)"));
            }
            VaultLockState::Locked => {
                d.actions.push(Action::ready(
                    ActionKind::INITIATE_LOCK,
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
            d.valid_until(*expires);
            let mut known = lock_id_known(record, policy, *created);
            if !known && same {
                if let Some(found) = lock_id_in_journal(attempts, policy, *created) {
                    known = true;
                    d.note("recovered: the state file does not hold this lock's id, but the journal does; apply records it in the state");
                    d.recovery = Some(recovery(found, "the lock id of the InProgress lock, in the journal's record of its initiation"));
                }
            }
            if !same {
                d.text_diff = Some(policy_diff(policy, &desired.policy));
            }
            let restart_reason = if !same {
                "the lock in progress has a different policy"
            } else {
                "the state file does not know this lock's id (it was initiated elsewhere, or its id was lost), so it can only be aborted and started again"
            };
            match desired.state {
                VaultLockState::Unlocked => {
                    d.actions
                        .push(abort("the configuration wants the vault unlocked"));
                }
                VaultLockState::InProgress if same && known => {
                    warn_expiry(&mut d, *expires, now);
                }
                VaultLockState::InProgress => {
                    d.actions.push(abort(restart_reason));
                    d.actions.push(Action::ready(
                        ActionKind::INITIATE_LOCK,
                        "start the lock again with the desired policy",
                    ));
                }
                VaultLockState::Locked if same && known => {
                    let not_before = desired.min_test_period.map(|p| *created + p);
                    match not_before {
                        Some(t) if t > now => {
                            d.valid_until(t);
                            d.actions.push(Action::deferred(
                                ActionKind::COMPLETE_LOCK,
                                Some(t),
                                format!(
                                    "min_test_period: the lock must stay InProgress until {} before it is completed",
                                    crate::words::when(t)
                                ),
                            ));
                            if t >= *expires {
                                d.warn(format!(
                                    "the lock expires at {}, before min_test_period ends at {}: it will expire and be started again; shorten min_test_period",
                                    crate::words::when(*expires),
                                    crate::words::when(t)
                                ));
                            } else {
                                warn_expiry(&mut d, *expires, now);
                            }
                        }
                        _ => {
                            d.actions.push(Action::ready(
                                ActionKind::COMPLETE_LOCK,
                                "make the tested lock policy permanent",
                            ));
                            warn_expiry(&mut d, *expires, now);
                        }
                    }
                }
                VaultLockState::Locked => {
                    d.actions.push(abort(restart_reason));
                    d.actions.push(Action::ready(
                        ActionKind::INITIATE_LOCK,
                        "start the lock again with the desired policy",
                    ));
                    d.actions.push(complete_after_initiation(desired));
                }
            }
        }
    }
    d
}

/// An `abort_lock`. An InProgress lock's policy is in force while it is tested, so aborting it
/// allows whatever that policy denied: it lowers protection (DESIGN.md section 1), whatever
/// follows it. The initiation after it starts from no lock, and `complete_lock` only makes a
/// policy already in force permanent: neither lowers protection.
fn abort(reason: &str) -> Action {
    Action::ready(ActionKind::ABORT_LOCK, reason).lowering_protection(true)
}

/// The `complete_lock` that follows an initiation in the same plan: ready at once without a
/// `min_test_period`, otherwise deferred until the period has passed after the initiation.
/// The initiation time is unknown at planning time, so `not_before` stays empty rather than
/// being guessed from the clock (which would change the digest with the mere passage of time).
fn complete_after_initiation(desired: &GlacierDesired) -> Action {
    match desired.min_test_period {
        Some(p) if !p.is_zero() => Action::deferred(
            ActionKind::COMPLETE_LOCK,
            None,
            format!(
                "min_test_period: complete only after the new lock has been InProgress for {}; run apply again then",
                crate::config::format_duration(p)
            ),
        ),
        _ => Action::ready(ActionKind::COMPLETE_LOCK, "make the lock policy permanent"),
    }
}

fn warn_expiry(d: &mut Decision, expires: Timestamp, now: Timestamp) {
    let left = expires.duration_since(now);
    if left < EXPIRY_WARNING {
        let mins = left.as_mins().max(0);
        d.warn(format!(
            "the lock in progress expires at {} (in {}h{:02}m); once expired it disappears and must be initiated again",
            crate::words::when(expires),
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

/// `glacier_vault_lock`: a Glacier vault lock.
pub struct Glacier;

crate::kinds::kind_actions! {
    /// Glacier's actions on a vault lock. The name of each is what plans and journals say; the class is the least the
    /// plan may give it (`decide` may raise it for a resource).
    GlacierAction in GlacierVaultLock {
        InitiateLock = "initiate_lock", Reversible, INITIATE_LOCK, ["glacier:InitiateVaultLock"];
        CompleteLock = "complete_lock", Irreversible, COMPLETE_LOCK, ["glacier:CompleteVaultLock"];
        AbortLock = "abort_lock", Reversible, ABORT_LOCK, ["glacier:AbortVaultLock"];
    }
}

impl super::LockKind for Glacier {
    const KIND: super::Kind = super::Kind::GlacierVaultLock;
    const SERVICE: &'static str = "glacier";
    type Action = GlacierAction;
    const ACTIONS: &'static [ActionKind] = &[
        ActionKind::INITIATE_LOCK,
        ActionKind::COMPLETE_LOCK,
        ActionKind::ABORT_LOCK,
    ];
    const LISTED: crate::words::Counted = crate::words::Counted {
        one: "vault",
        many: "vaults",
        note: "",
    };
    const NOUN: &'static str = "vault";
    /// GetVaultLock, then DescribeVault when there is no lock.
    const READ_DEPTH: usize = 2;
    const DISCOVER_PERMISSIONS: &'static [&'static str] =
        &["glacier:ListVaults", "glacier:GetVaultLock"];
    const IDENTITY_FIELDS: &'static [&'static str] = &["vault", "account_id", "policy_file"];
    const READ_PERMISSIONS: &'static [&'static str] =
        &["glacier:GetVaultLock", "glacier:DescribeVault"];
    type Desired = GlacierDesired;
    type Live = GlacierLive;
    type Record = GlacierRecord;

    fn physical_id<'a>(
        desired: &'a GlacierDesired,
        target: &'a crate::vocabulary::Target,
    ) -> (Option<&'a str>, &'a str) {
        let account = if desired.account_id == "-" {
            target.account.as_str()
        } else {
            desired.account_id.as_str()
        };
        (Some(account), &desired.vault)
    }

    async fn read(
        desired: &GlacierDesired,
        _config_dir: &std::path::Path,
        _target: &crate::vocabulary::Target,
        clients: &crate::aws::ProviderClients,
        _now: jiff::Timestamp,
    ) -> Result<GlacierLive, crate::aws::AwsError> {
        read_glacier(desired, clients).await
    }

    fn decide(
        desired: &GlacierDesired,
        live: &GlacierLive,
        target: &crate::vocabulary::Target,
        record: Option<&GlacierRecord>,
        attempts: &[&crate::plan::Attempt],
        now: Timestamp,
    ) -> Decision {
        let mut d = decide(desired, live, record, attempts, now);
        scope::check(desired, live, target, &mut d);
        d
    }

    fn describe(r: &crate::plan::ResourcePlan) -> Option<crate::words::ResourceWords> {
        words::describe(r)
    }

    fn consequence(action: ActionKind, class: crate::plan::Reversibility) -> Option<&'static str> {
        words::consequence(action, class)
    }

    async fn step(
        action: GlacierAction,
        desired: &GlacierDesired,
        step: &crate::apply::step::Step<'_, '_>,
        clients: &crate::aws::ProviderClients,
    ) -> Result<String, crate::apply::step::StepError> {
        match action {
            GlacierAction::InitiateLock => {
                self::step::initiate(step, desired, clients.glacier.as_ref(), true).await
            }
            GlacierAction::CompleteLock => {
                self::step::complete(step, desired, clients.glacier.as_ref()).await
            }
            GlacierAction::AbortLock => {
                self::step::abort(step, desired, clients.glacier.as_ref()).await
            }
        }
    }
}

#[cfg(test)]
mod tests;
