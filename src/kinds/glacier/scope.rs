//! Which vault a lock policy speaks of. A vault lock policy is attached to one vault, and a
//! statement applies to a request on that vault only when its `Resource` matches the vault's
//! ARN (or its `NotResource` does not). A statement whose `Resource` names another vault, account
//! or region therefore protects nothing here, and once the lock is completed that mistake is
//! permanent. So the plan warns about every such name, and a policy that would be made
//! permanent (`state: locked`) without naming this vault at all is a conflict.
//!
//! `Resource: "*"` (or a pattern that matches this vault's ARN) is not a name of another vault:
//! attached to this vault, it applies to this vault and nothing else. Refusing it would refuse
//! a policy that protects exactly what it should; the mistake this guards against is a policy
//! that protects nothing, and `*` never is one. Anything that cannot match this vault's ARN
//! counts as another vault's name, including another service's ARN and a different spelling
//! of this one (ARNs are compared case-sensitively, segment by segment, so a pattern never
//! spills from one segment into the next).

use crate::config::policy::PolicyValue;
use crate::vocabulary::Target;

use super::{GlacierDesired, GlacierLive, VaultLockState};
use crate::kinds::Decision;

/// What a policy's `Resource` and `NotResource` entries say about one vault.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// `Resource` entries that can never match this vault's ARN, in policy order.
    pub elsewhere: Vec<String>,
    /// `NotResource` entries that match this vault's ARN: their statements never apply to it.
    pub excluding: Vec<String>,
    /// Whether at least one statement applies to this vault.
    pub names_this_vault: bool,
}

/// The ARN of vault `vault` of `account` in `region`:
/// `arn:<partition>:glacier:<region>:<account>:vaults/<vault>`.
pub fn vault_arn(region: &str, account: &str, vault: &str) -> String {
    format!(
        "arn:{}:glacier:{region}:{account}:vaults/{vault}",
        partition(region)
    )
}

/// The AWS partition a region belongs to.
fn partition(region: &str) -> &'static str {
    const PARTITIONS: [(&str, &str); 5] = [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("eu-isoe-", "aws-iso-e"),
    ];
    PARTITIONS
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map(|(_, p)| *p)
        .or_else(|| region.starts_with("us-iso-").then_some("aws-iso"))
        .unwrap_or("aws")
}

/// What `policy` says about the vault whose ARN is `arn`.
pub fn scope(policy: &PolicyValue, arn: &str) -> Scope {
    let mut out = Scope::default();
    let statements: Vec<&PolicyValue> = match policy.get("Statement") {
        Some(PolicyValue::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    for statement in statements {
        let resource = statement.get("Resource").map(strings);
        let not_resource = statement.get("NotResource").map(strings);
        let mut applies = match (&resource, &not_resource) {
            (Some(entries), _) => entries.iter().any(|e| matches_arn(e, arn)),
            // A statement with neither is refused by AWS; it names no other vault.
            (None, _) => true,
        };
        for entry in resource.iter().flatten() {
            if !matches_arn(entry, arn) && !out.elsewhere.contains(entry) {
                out.elsewhere.push(entry.clone());
            }
        }
        for entry in not_resource.iter().flatten() {
            if matches_arn(entry, arn) {
                applies = false;
                if !out.excluding.contains(entry) {
                    out.excluding.push(entry.clone());
                }
            }
        }
        out.names_this_vault |= applies;
    }
    out
}

/// A `Resource` value's entries: a string, or the strings of an array (anything else is not a
/// resource AWS would accept, and names nothing).
fn strings(value: &PolicyValue) -> Vec<String> {
    match value {
        PolicyValue::String(s) => vec![s.clone()],
        PolicyValue::Array(items) => items
            .iter()
            .filter_map(|i| match i {
                PolicyValue::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether the IAM resource pattern `pattern` (`*` any run of characters, `?` one) matches
/// `arn`: `*` alone matches everything; otherwise segment by segment (the first five split at
/// `:`, the sixth the rest), so a wildcard never stands for a colon.
pub fn matches_arn(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == a.len() && p.iter().zip(&a).all(|(p, a)| glob(p, a))
}

/// `*` matches any run of characters (also none), `?` exactly one; all else itself.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn listed(entries: &[String]) -> String {
    entries
        .iter()
        .map(|e| format!("`{e}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Adds to `d` what the desired policy's names mean for this vault in `target`: a warning for
/// every name of another vault, and a conflict when `state: locked` would make permanent a
/// policy that names no statement for this vault. A lock already completed with that policy
/// cannot be helped: it gets the warning only. Nothing is said for `state: unlocked` (the
/// policy is never put) or when the decision is already a conflict.
pub fn check(desired: &GlacierDesired, live: &GlacierLive, target: &Target, d: &mut Decision) {
    if d.conflict || desired.state == VaultLockState::Unlocked {
        return;
    }
    let account = if desired.account_id == "-" {
        target.account.as_str()
    } else {
        desired.account_id.as_str()
    };
    let arn = vault_arn(&target.region, account, &desired.vault);
    let found = scope(desired.policy.document(), &arn);
    if found.elsewhere.is_empty() && found.excluding.is_empty() {
        return;
    }
    let would_complete = !matches!(live, GlacierLive::Locked { .. });
    if desired.state == VaultLockState::Locked && would_complete && !found.names_this_vault {
        let mut why = Vec::new();
        if !found.elsewhere.is_empty() {
            why.push(format!("its Resource names {}", listed(&found.elsewhere)));
        }
        if !found.excluding.is_empty() {
            why.push(format!(
                "its NotResource excludes it ({})",
                listed(&found.excluding)
            ));
        }
        d.conflict(format!(
            "the lock policy does not name this vault ({arn}, in {target}): {}, so no statement applies to this vault, and completing the lock would make that permanent; name `{arn}` (or `*`) in Resource",
            why.join(" and ")
        ));
        return;
    }
    if !found.elsewhere.is_empty() {
        d.warn(format!(
            "the lock policy's Resource names {}, which is not this vault ({arn}, in {target}): a statement there never applies to this vault",
            listed(&found.elsewhere)
        ));
    }
    if !found.excluding.is_empty() {
        d.warn(format!(
            "the lock policy's NotResource names this vault ({}): that statement never applies to it",
            listed(&found.excluding)
        ));
    }
}
