//! Discovery: the locks that exist in the configured accounts and regions, whether or not the
//! config declares them. Read-only, never a mutating call: each kind lists what it has in a
//! scope (its `discover.rs`: ListVaults + GetVaultLock, ListRules + GetRule, ListBackupVaults,
//! ListBuckets + GetObjectLockConfiguration) and reports the locks the scope does not declare.
//!
//! Which accounts and regions to search, and what counts as declared there, is decided by the
//! pure [`scopes`]; [`discover`] only reads.

use std::collections::{BTreeMap, BTreeSet};

use crate::aws::{AwsError, ErrorClass, ProviderClients};
use crate::config::Config;
use crate::refresh::Clients;
use crate::vocabulary::Kind;

pub use super::model::UnmanagedLock;

/// One account and region to search, and what the config declares there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// Every provider that reaches this account and region (same region, endpoint, profile and
    /// role), sorted. Discovery reads through the first.
    pub providers: Vec<String>,
    pub region: String,
    /// Per kind, the names (vault names, rule identifiers, bucket names) some resource of these
    /// providers declares; for a kind whose names are global (S3 buckets), any resource's.
    pub declared: BTreeMap<Kind, BTreeSet<String>>,
    /// The kinds discovery searches for: those the config uses (a report on Backup and S3
    /// locks never asks Glacier or the Recycle Bin anything).
    pub kinds: BTreeSet<Kind>,
}

impl Scope {
    /// Whether a resource of `kind` named `name` is declared here.
    pub fn declares(&self, kind: Kind, name: &str) -> bool {
        self.declared
            .get(&kind)
            .is_some_and(|names| names.contains(name))
    }

    /// `, provider: NAME` for a declaration a user copies, empty for the default provider.
    pub fn provider_line(&self) -> String {
        match self.providers.first().map(String::as_str) {
            Some("default") | None => String::new(),
            // An instance of a template is declared with the template's name.
            Some(p) => format!(", provider: {}", p.split('[').next().unwrap_or(p)),
        }
    }

    /// Whether the scope is an instance of a provider template (`name[account/region]`).
    pub fn is_template(&self) -> bool {
        self.providers.first().is_some_and(|p| p.contains('['))
    }

    /// Turns a failed read of `operation` into the discovery error of this scope.
    pub fn failed(&self, operation: &'static str) -> impl Fn(AwsError) -> DiscoveryError + '_ {
        move |error| DiscoveryError {
            providers: self.providers.clone(),
            region: self.region.clone(),
            operation,
            kinds: self.kinds.clone(),
            error,
        }
    }
}

/// What makes two providers reach the same account and region: region, endpoint, profile, role.
type ScopeKey = (String, Option<String>, Option<String>, Option<String>);

/// The accounts and regions of every declared provider, one scope per distinct (region,
/// endpoint, profile, role), with what the config declares in each. Pure.
pub fn scopes(config: &Config) -> Vec<Scope> {
    let mut by_key: BTreeMap<ScopeKey, Scope> = BTreeMap::new();
    let mut key_of: BTreeMap<&str, ScopeKey> = BTreeMap::new();
    for (name, p) in &config.providers {
        let key = (
            p.region.clone(),
            p.endpoint_url.clone(),
            p.profile.clone(),
            p.assume_role.as_ref().map(|r| r.role_arn.clone()),
        );
        key_of.insert(name.as_str(), key.clone());
        let scope = by_key.entry(key).or_insert_with(|| Scope {
            providers: Vec::new(),
            region: p.region.clone(),
            declared: BTreeMap::new(),
            kinds: config.resources.iter().map(|r| r.address.kind).collect(),
        });
        scope.providers.push(name.clone());
    }
    for resource in &config.resources {
        let kind = resource.address.kind;
        let Some(name) = resource.desired.discovered_as() else {
            continue;
        };
        let declared_in: Vec<&mut Scope> = if kind.names_are_global() {
            by_key.values_mut().collect()
        } else {
            key_of
                .get(resource.provider.as_str())
                .and_then(|k| by_key.get_mut(k))
                .into_iter()
                .collect()
        };
        for scope in declared_in {
            scope
                .declared
                .entry(kind)
                .or_default()
                .insert(name.to_string());
        }
    }
    by_key.into_values().collect()
}

/// What one kind's discovery found in one scope.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// How many resources of the kind were listed.
    pub listed: usize,
    /// The locks the scope does not declare.
    pub locks: Vec<UnmanagedLock>,
}

/// What discovery found in one scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeFindings {
    pub scope: Scope,
    /// Per kind that discovers (every kind but Snowball's), how many it listed.
    pub listed: BTreeMap<Kind, usize>,
    /// Locks that the scope does not declare: every vault with a lock, every rule that is
    /// locked or pending unlock, every backup vault with a lock, every bucket with Object Lock.
    pub undeclared: Vec<UnmanagedLock>,
}

impl ScopeFindings {
    /// How many resources of `kind` were listed.
    pub fn listed(&self, kind: Kind) -> usize {
        self.listed.get(&kind).copied().unwrap_or_default()
    }
}

/// A discovery read that failed: the report would be incomplete, so it is not made.
#[derive(Debug)]
pub struct DiscoveryError {
    pub providers: Vec<String>,
    pub region: String,
    pub operation: &'static str,
    /// The kinds the discovery searched for.
    pub kinds: BTreeSet<Kind>,
    pub error: AwsError,
}

impl std::error::Error for DiscoveryError {}

impl std::fmt::Display for DiscoveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "could not discover locks in {} (provider {}): {} failed: {}\nhint: ",
            self.region,
            self.providers.join(", "),
            self.operation,
            self.error,
        )?;
        let denied = self.error.code.as_deref().is_some_and(|c| {
            c.starts_with("AccessDenied") || c == "UnauthorizedOperation" || c == "Forbidden"
        });
        if self.error.is_throttling() {
            return write!(
                f,
                "AWS throttled the listing beyond lockward's retries; run the report again, with a lower --parallelism"
            );
        }
        match self.error.class {
            ErrorClass::Ambiguous => {
                return write!(
                    f,
                    "the answer never came or could not be read (a timeout, a dropped connection or a server error), which is not a missing permission; run the report again"
                )
            }
            ErrorClass::NotSent => {
                return write!(
                    f,
                    "the request could not be sent, which is not a missing permission; check the provider's credentials and endpoint"
                )
            }
            ErrorClass::Rejected if !denied => {
                return write!(
                    f,
                    "AWS refused the listing for a reason other than a missing permission (see its error above); check the provider's credentials, region and endpoint, then run the report again"
                )
            }
            ErrorClass::Rejected => {}
        }
        let permissions: Vec<&str> = self
            .kinds
            .iter()
            .flat_map(|k| k.discover_permissions().iter().copied())
            .collect();
        let (last, rest) = permissions
            .split_last()
            .map_or(("", &[][..]), |(l, r)| (*l, r));
        let all = if rest.is_empty() {
            last.to_string()
        } else {
            format!("{} and {last}", rest.join(", "))
        };
        write!(
            f,
            "the report lists locks the config does not declare, which needs read permission for {all} in every configured account and region (`lockward iam-policy --for report` prints them)"
        )
    }
}

/// A resource name (`[a-z][a-z0-9_]{0,63}`) made from an AWS name: lowercased, other
/// characters as `_`, prefixed when it does not start with a letter.
pub fn suggest_name(aws_name: &str) -> String {
    let mut name: String = aws_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert_str(0, "x_");
    }
    name.truncate(64);
    name
}

/// Searches every scope, at most about `parallelism` reads at a time in all: many scopes (an
/// organisation's accounts and regions) are searched side by side, one read at a time each;
/// a few share the reads among them. Read-only. The findings keep the scopes' order.
pub async fn discover(
    scopes: &[Scope],
    clients: &Clients,
    parallelism: usize,
    now: jiff::Timestamp,
) -> Result<Vec<ScopeFindings>, DiscoveryError> {
    use futures::stream::{self, StreamExt, TryStreamExt};
    let parallelism = parallelism.max(1);
    let searched: Vec<(&Scope, &ProviderClients)> = scopes
        .iter()
        .filter_map(|scope| {
            let c = scope
                .providers
                .first()
                .and_then(|p| clients.for_provider(p))?;
            Some((scope, c))
        })
        .collect();
    let side_by_side = searched.len().clamp(1, parallelism);
    let within = (parallelism / side_by_side).max(1);
    stream::iter(searched)
        .map(|(scope, c)| discover_scope(scope, c, within, now))
        .buffered(side_by_side)
        .try_collect()
        .await
}

async fn discover_scope(
    scope: &Scope,
    c: &ProviderClients,
    parallelism: usize,
    now: jiff::Timestamp,
) -> Result<ScopeFindings, DiscoveryError> {
    let mut listed = BTreeMap::new();
    let mut undeclared = Vec::new();
    for &kind in &scope.kinds {
        if let Some(found) = crate::kinds::discover(kind, scope, c, parallelism, now).await? {
            tracing::debug!(region = %scope.region, %kind, listed = found.listed, "discovered");
            listed.insert(kind, found.listed);
            undeclared.extend(found.locks);
        }
    }
    Ok(ScopeFindings {
        scope: scope.clone(),
        listed,
        undeclared,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::Address;

    #[test]
    fn suggested_names_are_valid_addresses() {
        for aws in [
            "audit-logs",
            "a1B2c3D4e5F",
            "2024.archive",
            &"v".repeat(255),
        ] {
            let name = suggest_name(aws);
            assert!(Address::is_valid_name(&name), "{aws} -> {name}");
        }
        assert_eq!(suggest_name("audit-logs"), "audit_logs");
        assert_eq!(suggest_name("2024.archive"), "x_2024_archive");
    }
}
