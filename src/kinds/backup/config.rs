//! The checks of `backup_vault_lock` blocks: every problem reported where it is (file, line, what to
//! do), and what passed turned into the kind's desired value.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::config::error::Diagnostic;
use crate::config::validate::*;
use crate::kinds::backup::{BackupDesired, BackupLock, BackupLockMode, Retention};
use crate::kinds::CheckedDesired;
use crate::vocabulary::Kind;

/// An AWS Backup Vault Lock: a governance lock can be changed or removed at any time; a
/// compliance lock only during its grace period (`changeable_for_days`), and never after.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("allOf" = [
    {"if": {"properties": {"mode": {"const": "compliance"}}},
     "then": {"required": ["changeable_for_days"],
              "anyOf": [{"required": ["min_retention_days"]}, {"required": ["max_retention_days"]}]}},
    {"if": {"properties": {"mode": {"const": "governance"}}},
     "then": {"not": {"required": ["changeable_for_days"]},
              "anyOf": [{"required": ["min_retention_days"]}, {"required": ["max_retention_days"]}]}},
    {"if": {"properties": {"mode": {"const": "none"}}},
     "then": {"not": {"anyOf": [{"required": ["min_retention_days"]}, {"required": ["max_retention_days"]}, {"required": ["changeable_for_days"]}]}}}
]))]
pub struct RawBackupVaultLock {
    /// The backup vault's name: 2 to 50 of `A-Z a-z 0-9 _ -`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_\-]{2,50}$"))]
    pub vault: String,

    /// The provider to use; `default` when absent.
    #[serde(default)]
    pub provider: Option<String>,

    /// `compliance` (immutable after its grace period, even for the root user),
    /// `governance` (can be changed or removed at any time) or `none` (no lock).
    pub mode: RawBackupLockMode,

    /// The shortest retention a recovery point in the vault may have, 1 to 36500 days.
    /// Required unless `mode: none`.
    #[serde(default)]
    #[schemars(range(min = 1, max = 36500))]
    pub min_retention_days: Option<i64>,

    /// The longest retention a recovery point in the vault may have, at least
    /// `min_retention_days` and at most 36500 days. Optional.
    #[serde(default)]
    #[schemars(range(min = 1, max = 36500))]
    pub max_retention_days: Option<i64>,

    /// The grace period of a compliance lock, 3 to 36500 days: how long after lockward puts
    /// it the lock can still be changed or removed. Required with `mode: compliance`, refused
    /// otherwise. Never compared with an existing lock (AWS does not report it).
    #[serde(default)]
    #[schemars(range(min = 3, max = 36500))]
    pub changeable_for_days: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawBackupLockMode {
    /// Immutable from its lock date on.
    Compliance,
    /// Can be changed or removed at any time.
    Governance,
    /// No lock.
    None,
}

/// An AWS Backup vault name: 2 to 50 letters, digits, hyphens and underscores.
pub fn check_backup_vault_name(name: &str) -> Check<()> {
    let valid = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if (2..=50).contains(&name.len()) && valid {
        return Ok(());
    }
    let problem = Diagnostic::new(format!(
        "`{name}` is not a backup vault name: expected 2 to 50 letters, digits, hyphens or underscores"
    ));
    Err(if valid && name.len() < 2 {
        problem.hint("AWS Backup vault names have at least 2 characters")
    } else if valid {
        problem.hint(format!(
            "AWS Backup vault names have at most 50 characters; this one has {}",
            name.len()
        ))
    } else {
        problem.hint("`aws backup list-backup-vaults` lists the vaults' names")
    })
}

/// A retention in days for an AWS Backup Vault Lock: 1 to 36500.
pub fn check_retention_days(field: &str, days: i64) -> Check<u32> {
    match u32::try_from(days) {
        Ok(d) if (1..=36500).contains(&d) => Ok(d),
        _ => Err(Diagnostic::new(format!(
            "`{field}` is {days}; AWS Backup accepts 1 to 36500 days"
        ))
        .hint("36500 days is 100 years, the longest retention AWS Backup allows")),
    }
}

/// The grace period of a compliance Backup Vault Lock: 3 to 36500 days.
pub fn check_changeable_for_days(days: i64) -> Check<u32> {
    match u32::try_from(days) {
        Ok(d) if (3..=36500).contains(&d) => Ok(d),
        Ok(d) if d < 3 => Err(Diagnostic::new(format!(
            "`changeable_for_days` is {days}; a compliance lock's grace period is 3 to 36500 days"
        ))
        .hint("AWS enforces a 72-hour cooling-off: at least 3")),
        _ if days < 3 => Err(Diagnostic::new(format!(
            "`changeable_for_days` is {days}; a compliance lock's grace period is 3 to 36500 days"
        ))
        .hint("AWS enforces a 72-hour cooling-off: at least 3")),
        _ => Err(Diagnostic::new(format!(
            "`changeable_for_days` is {days}; a compliance lock's grace period is 3 to 36500 days"
        ))
        .hint("the grace period is how long the lock can still be changed or removed after it is put; AWS allows at most 36500")),
    }
}

/// The hint for each required key of a block, when it is missing.
pub(crate) const MISSING_HINTS: &[(&str, &str)] = &[
    ("vault", "add `vault: <the vault's name>`"),
    ("mode", "add `mode: compliance` or `governance`"),
];

/// Checks every `backup_vault_lock` block, reporting each problem and keeping what passed.
pub(crate) fn check(resources: &[Declared<'_, RawBackupVaultLock>], cx: &mut Checker<'_>) {
    // AWS Backup Vault Locks.
    for r in resources {
        let (address, mut problems) = r.resource(Kind::BackupVaultLock);
        let subject = address.to_string();
        let Some(raw) = &r.raw else {
            untyped_fields(r, &[("vault", check_backup_vault_name)], &mut problems);
            cx.report_all(&subject, problems);
            continue;
        };
        if let Err(e) = check_backup_vault_name(&raw.vault) {
            problems.push((r.value_span("vault"), e));
        }
        let provider = cx
            .provider_of(raw.provider.as_deref())
            .map_err(|e| problems.push((r.value_span("provider"), e)))
            .ok();
        let mode = match raw.mode {
            RawBackupLockMode::Compliance => BackupLockMode::Compliance,
            RawBackupLockMode::Governance => BackupLockMode::Governance,
            RawBackupLockMode::None => BackupLockMode::None,
        };
        let mut days = |field: &str, value: Option<i64>| {
            value.and_then(|v| {
                check_retention_days(field, v)
                    .map_err(|e| problems.push((r.value_span(field), e)))
                    .ok()
            })
        };
        let min_retention_days = days("min_retention_days", raw.min_retention_days);
        let max_retention_days = days("max_retention_days", raw.max_retention_days);
        let changeable_for_days = raw.changeable_for_days.and_then(|v| {
            check_changeable_for_days(v)
                .map_err(|e| problems.push((r.value_span("changeable_for_days"), e)))
                .ok()
        });
        if let (Some(min), Some(max)) = (min_retention_days, max_retention_days) {
            if max < min {
                problems.push((
                    r.value_span("max_retention_days"),
                    Diagnostic::new(format!(
                        "`max_retention_days` is {max}, less than `min_retention_days` ({min})"
                    ))
                    .hint("the maximum retention must be at least the minimum; leave it out for no maximum"),
                ));
            }
        }
        match mode {
            BackupLockMode::None => {
                for field in [
                    "min_retention_days",
                    "max_retention_days",
                    "changeable_for_days",
                ] {
                    if r.node.get(field).is_some() {
                        problems.push((
                            r.key_span(field),
                            Diagnostic::new(format!("`mode: none` has no `{field}`"))
                                .hint(format!("remove `{field}`, or choose `mode: governance` or `mode: compliance`")),
                        ));
                    }
                }
            }
            // A minimum, a maximum or both (AWS needs neither alone).
            BackupLockMode::Governance | BackupLockMode::Compliance => {
                if raw.min_retention_days.is_none() && raw.max_retention_days.is_none() {
                    problems.push((
                        r.key.span,
                        Diagnostic::new(format!(
                            "`mode: {}` needs `min_retention_days`, `max_retention_days` or both",
                            if mode == BackupLockMode::Compliance { "compliance" } else { "governance" }
                        ))
                        .hint("add `min_retention_days: 7` (1 to 36500: the shortest retention a recovery point in the vault may have), `max_retention_days` (the longest), or both"),
                    ));
                }
            }
        }
        match mode {
            BackupLockMode::Compliance if raw.changeable_for_days.is_none() => problems.push((
                r.key.span,
                Diagnostic::new("`mode: compliance` needs `changeable_for_days`")
                    .hint("add `changeable_for_days: 3` (3 to 36500): how long the lock can still be changed or removed before it becomes immutable"),
            )),
            BackupLockMode::Governance if raw.changeable_for_days.is_some() => problems.push((
                r.key_span("changeable_for_days"),
                Diagnostic::new("`mode: governance` has no `changeable_for_days`")
                    .hint("a lock put with a grace period is a compliance lock: write `mode: compliance`, or remove `changeable_for_days`"),
            )),
            _ => {}
        }
        if let Some(provider) = &provider {
            if let Some(target) = cx.target_of(provider) {
                let key = format!("{target} {}", raw.vault);
                if let Some(d) = cx.collide(
                    Kind::BackupVaultLock,
                    key,
                    &address,
                    r.key.span,
                    &format!("backup vault `{}`", raw.vault),
                ) {
                    cx.out.diagnostics.push(d);
                }
            }
        }
        let retention = Retention {
            min: min_retention_days,
            max: max_retention_days,
        };
        let lock = match (mode, changeable_for_days) {
            (BackupLockMode::None, _) => Some(BackupLock::None),
            (BackupLockMode::Governance, _) => Some(BackupLock::Governance { retention }),
            (BackupLockMode::Compliance, Some(changeable_for_days)) => {
                Some(BackupLock::Compliance {
                    retention,
                    changeable_for_days,
                })
            }
            // Reported above (missing, or out of range).
            (BackupLockMode::Compliance, None) => None,
        };
        match (problems.is_empty(), provider, lock) {
            (true, Some(provider), Some(lock)) => cx.out.resources.push(Checked {
                address,
                provider,
                desired: CheckedDesired::BackupVaultLock(BackupDesired {
                    vault: raw.vault.clone(),
                    lock,
                }),
            }),
            _ => cx.report_all(&subject, problems),
        }
    }
}
