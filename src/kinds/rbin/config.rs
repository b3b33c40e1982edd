//! The checks of `rbin_rule_lock` blocks: every problem reported where it is (file, line, what to
//! do), and what passed turned into the kind's desired value.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::config::error::Diagnostic;
use crate::config::validate::*;
use crate::kinds::rbin::{RbinDesired, RbinLock};
use crate::kinds::CheckedDesired;
use crate::vocabulary::Kind;

/// A lock on a Recycle Bin retention rule: while locked, the rule cannot be changed or
/// deleted; unlocking takes effect only after the unlock delay.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("if" = {"properties": {"state": {"const": "locked"}}}, "then" = {"required": ["unlock_delay_days"]}))]
pub struct RawRbinRuleLock {
    /// The retention rule's identifier: 11 letters and digits.
    #[schemars(regex(pattern = "^[0-9a-zA-Z]{11}$"))]
    pub rule_id: String,

    /// The provider to use; `default` when absent.
    #[serde(default)]
    pub provider: Option<String>,

    /// `locked` or `unlocked`.
    pub state: RawRuleLockState,

    /// Days an unlock takes to take effect, 7 to 30. Required with `state: locked`. AWS never
    /// lets it change after the rule's first lock.
    #[serde(default)]
    #[schemars(range(min = 7, max = 30))]
    pub unlock_delay_days: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawRuleLockState {
    /// The rule is locked.
    Locked,
    /// The rule is not locked (an unlock waits out the unlock delay).
    Unlocked,
}

/// A Recycle Bin rule id: 11 letters and digits.
pub fn check_rule_id(id: &str) -> Check<()> {
    if id.len() == 11 && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(());
    }
    Err(Diagnostic::new(format!("`{id}` is not a Recycle Bin rule id: expected 11 letters and digits"))
        .hint("find the rule's identifier with `aws rbin list-rules --resource-type EBS_SNAPSHOT` (or EC2_IMAGE)"))
}

/// `unlock_delay_days`: 7 to 30.
pub fn check_unlock_delay(days: i64) -> Check<u16> {
    match u16::try_from(days) {
        Ok(d) if (7..=30).contains(&d) => Ok(d),
        _ => Err(Diagnostic::new(format!(
            "`unlock_delay_days` is {days}; AWS accepts 7 to 30 days"
        ))),
    }
}

/// The hint for each required key of a block, when it is missing.
pub(crate) const MISSING_HINTS: &[(&str, &str)] = &[
    (
        "rule_id",
        "add `rule_id: <11 letters and digits>`; `aws rbin list-rules` lists them",
    ),
    ("state", "add `state: locked` or `unlocked`"),
];

/// Checks every `rbin_rule_lock` block, reporting each problem and keeping what passed.
pub(crate) fn check(resources: &[Declared<'_, RawRbinRuleLock>], cx: &mut Checker<'_>) {
    // Recycle Bin rule locks.
    for r in resources {
        let (address, mut problems) = r.resource(Kind::RbinRuleLock);
        let subject = address.to_string();
        let Some(raw) = &r.raw else {
            untyped_fields(r, &[("rule_id", check_rule_id)], &mut problems);
            cx.report_all(&subject, problems);
            continue;
        };
        if let Err(e) = check_rule_id(&raw.rule_id) {
            problems.push((r.value_span("rule_id"), e));
        }
        let provider = cx
            .provider_of(raw.provider.as_deref())
            .map_err(|e| problems.push((r.value_span("provider"), e)))
            .ok();
        let unlock_delay_days = match raw.unlock_delay_days.map(check_unlock_delay).transpose() {
            Ok(d) => d,
            Err(e) => {
                problems.push((r.value_span("unlock_delay_days"), e));
                None
            }
        };
        let lock = match (&raw.state, unlock_delay_days) {
            (RawRuleLockState::Locked, Some(unlock_delay_days)) => {
                Some(RbinLock::Locked { unlock_delay_days })
            }
            (RawRuleLockState::Locked, None) => {
                if raw.unlock_delay_days.is_none() {
                    problems.push((
                        r.key.span,
                        Diagnostic::new("`state: locked` needs `unlock_delay_days`")
                            .hint("add `unlock_delay_days: 7` (7 to 30): how long an unlock takes; AWS never lets it change after the first lock"),
                    ));
                }
                None
            }
            (RawRuleLockState::Unlocked, unlock_delay_days) => {
                Some(RbinLock::Unlocked { unlock_delay_days })
            }
        };
        if let Some(provider) = &provider {
            if let Some(target) = cx.target_of(provider) {
                let key = format!("{target} {}", raw.rule_id);
                if let Some(d) = cx.collide(
                    Kind::RbinRuleLock,
                    key,
                    &address,
                    r.key.span,
                    &format!("rule `{}`", raw.rule_id),
                ) {
                    cx.out.diagnostics.push(d);
                }
            }
        }
        match (problems.is_empty(), provider, lock) {
            (true, Some(provider), Some(lock)) => cx.out.resources.push(Checked {
                address,
                provider,
                desired: CheckedDesired::RbinRuleLock(RbinDesired {
                    rule_id: raw.rule_id.clone(),
                    lock,
                }),
            }),
            _ => cx.report_all(&subject, problems),
        }
    }
}
