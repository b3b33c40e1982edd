//! Discovery: the locks that exist in the configured accounts and regions, whether or not the
//! config declares them. Read-only: ListVaults + GetVaultLock, ListRules (+ GetRule for a
//! locked rule's delay); never a mutating call.
//!
//! Which accounts and regions to search, and what counts as declared there, is decided by the
//! pure [`scopes`]; [`discover`] only reads.

use std::collections::{BTreeMap, BTreeSet};

use futures::stream::{self, StreamExt, TryStreamExt};
use jiff::Timestamp;

use crate::aws::{AwsError, ProviderClients, VaultLock};
use crate::config::{Config, Desired};
use crate::refresh::Clients;

/// Every resource type a Recycle Bin rule can retain, as the Recycle Bin service model lists
/// them (EBS_SNAPSHOT, EBS_VOLUME, EC2_IMAGE, and any the model adds later); ListRules takes
/// one at a time, so discovery asks for each.
pub const RULE_RESOURCE_TYPES: &[&str] = aws_sdk_rbin::types::ResourceType::values();

/// The account Glacier lists: the credentials' own.
const OWN_ACCOUNT: &str = "-";

/// One account and region to search, and what the config declares there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// Every provider that reaches this account and region (same region, endpoint, profile and
    /// role), sorted. Discovery reads through the first.
    pub providers: Vec<String>,
    pub region: String,
    /// Vault names some `glacier_vault_lock` of these providers declares.
    pub declared_vaults: BTreeSet<String>,
    /// Rule identifiers some `rbin_rule_lock` of these providers declares.
    pub declared_rules: BTreeSet<String>,
    /// Backup vault names some `backup_vault_lock` of these providers declares.
    pub declared_backup_vaults: BTreeSet<String>,
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
            p.assume_role.clone(),
        );
        key_of.insert(name.as_str(), key.clone());
        let scope = by_key.entry(key).or_insert_with(|| Scope {
            providers: Vec::new(),
            region: p.region.clone(),
            declared_vaults: BTreeSet::new(),
            declared_rules: BTreeSet::new(),
            declared_backup_vaults: BTreeSet::new(),
        });
        scope.providers.push(name.clone());
    }
    for resource in &config.resources {
        let Some(scope) = key_of
            .get(resource.provider.as_str())
            .and_then(|k| by_key.get_mut(k))
        else {
            continue;
        };
        match &resource.desired {
            Desired::GlacierVaultLock(d) => {
                scope.declared_vaults.insert(d.vault.clone());
            }
            Desired::RbinRuleLock(d) => {
                scope.declared_rules.insert(d.rule_id.clone());
            }
            Desired::BackupVaultLock(d) => {
                scope.declared_backup_vaults.insert(d.vault.clone());
            }
            Desired::SnowballUnlockCode(_) => {}
        }
    }
    by_key.into_values().collect()
}

/// A lock discovery found, as AWS reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FoundLock {
    Vault {
        name: String,
        lock: VaultLock,
    },
    Rule {
        identifier: String,
        resource_type: String,
        /// `locked` or `pending_unlock`.
        lock_state: String,
        unlock_delay_days: Option<u16>,
        lock_end_time: Option<Timestamp>,
    },
    /// A backup vault with a lock, classified as lockward reads it (`governance`,
    /// `compliance_grace` or `compliance_locked`).
    BackupVault {
        name: String,
        live: crate::kinds::backup::BackupLive,
    },
}

/// What discovery found in one scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeFindings {
    pub scope: Scope,
    pub vaults_listed: usize,
    pub rules_listed: usize,
    /// Locks that the scope does not declare: every vault with a lock, every rule that is
    /// locked or pending unlock.
    pub undeclared: Vec<FoundLock>,
}

/// A discovery read that failed: the report would be incomplete, so it is not made.
#[derive(Debug, thiserror::Error)]
#[error(
    "could not discover locks in {region} (provider {}): {operation} failed: {error}\nhint: the report lists locks the config does not declare, which needs read permission for glacier:ListVaults, glacier:GetVaultLock, rbin:ListRules, rbin:GetRule and backup:ListBackupVaults in every configured account and region",
    providers.join(", ")
)]
pub struct DiscoveryError {
    pub providers: Vec<String>,
    pub region: String,
    pub operation: &'static str,
    pub error: AwsError,
}

/// Searches every scope, at most `parallelism` reads at a time within one. Read-only.
pub async fn discover(
    scopes: &[Scope],
    clients: &Clients,
    parallelism: usize,
) -> Result<Vec<ScopeFindings>, DiscoveryError> {
    let mut out = Vec::new();
    for scope in scopes {
        let Some(c) = scope
            .providers
            .first()
            .and_then(|p| clients.for_provider(p))
        else {
            continue;
        };
        out.push(discover_scope(scope, c, parallelism.max(1)).await?);
    }
    Ok(out)
}

async fn discover_scope(
    scope: &Scope,
    c: &ProviderClients,
    parallelism: usize,
) -> Result<ScopeFindings, DiscoveryError> {
    let fail = |operation: &'static str| {
        move |error: AwsError| DiscoveryError {
            providers: scope.providers.clone(),
            region: scope.region.clone(),
            operation,
            error,
        }
    };
    let vaults = c
        .glacier
        .list_vaults(OWN_ACCOUNT)
        .await
        .map_err(fail("ListVaults"))?;
    tracing::debug!(region = %scope.region, vaults = vaults.len(), "listed vaults");
    let undeclared_vaults: Vec<&String> = vaults
        .iter()
        .filter(|v| !scope.declared_vaults.contains(*v))
        .collect();
    let mut undeclared: Vec<FoundLock> = stream::iter(undeclared_vaults)
        .map(|name| async move {
            let lock = c
                .glacier
                .get_vault_lock(OWN_ACCOUNT, name)
                .await
                .map_err(fail("GetVaultLock"))?;
            Ok::<_, DiscoveryError>(lock.map(|lock| FoundLock::Vault {
                name: name.clone(),
                lock,
            }))
        })
        .buffered(parallelism)
        .try_filter_map(|found| async move { Ok(found) })
        .try_collect()
        .await?;

    let mut rules_listed = 0;
    for &resource_type in RULE_RESOURCE_TYPES {
        let rules = c
            .rbin
            .list_rules(resource_type)
            .await
            .map_err(fail("ListRules"))?;
        tracing::debug!(region = %scope.region, resource_type, rules = rules.len(), "listed rules");
        rules_listed += rules.len();
        for rule in rules {
            let locked = matches!(
                rule.lock_state
                    .as_deref()
                    .map(str::to_ascii_lowercase)
                    .as_deref(),
                Some("locked" | "pending_unlock")
            );
            if !locked || scope.declared_rules.contains(&rule.identifier) {
                continue;
            }
            // The summary lacks the lock configuration; a rule deleted since is simply gone.
            let Some(info) = c
                .rbin
                .get_rule(&rule.identifier)
                .await
                .map_err(fail("GetRule"))?
            else {
                continue;
            };
            undeclared.push(FoundLock::Rule {
                identifier: rule.identifier,
                resource_type: resource_type.to_string(),
                lock_state: info
                    .lock_state
                    .or(rule.lock_state)
                    .unwrap_or_default()
                    .to_ascii_lowercase(),
                unlock_delay_days: info.unlock_delay_days,
                lock_end_time: info.lock_end_time,
            });
        }
    }

    // Backup vaults: ListBackupVaults reports each vault's lock, so one listing (all pages) is
    // enough; a vault without a lock is nothing to report.
    let backup_vaults = c
        .backup
        .list_vaults()
        .await
        .map_err(fail("ListBackupVaults"))?;
    tracing::debug!(region = %scope.region, vaults = backup_vaults.len(), "listed backup vaults");
    let now = crate::environment::now().unwrap_or_else(|_| crate::environment::wall_clock());
    for vault in &backup_vaults {
        if scope.declared_backup_vaults.contains(&vault.name) {
            continue;
        }
        let live = crate::kinds::backup::BackupLive::of(vault, now);
        if matches!(live, crate::kinds::backup::BackupLive::None { .. }) {
            continue;
        }
        undeclared.push(FoundLock::BackupVault {
            name: vault.name.clone(),
            live,
        });
    }
    Ok(ScopeFindings {
        scope: scope.clone(),
        vaults_listed: vaults.len(),
        rules_listed,
        undeclared,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::fake::{FakeAws, FakeLock, FakeVault};
    use crate::aws::RuleInfo;

    fn config(
        yaml_providers: &[(&str, &str, Option<&str>)],
        vaults: &[(&str, &str)],
        rules: &[(&str, &str)],
    ) -> Config {
        use crate::config::{
            GlacierDesired, Policy, Provider, RbinDesired, Resource, RuleLockState, VaultLockState,
        };
        use crate::kinds::{Address, Kind};
        let providers = yaml_providers
            .iter()
            .map(|(name, region, endpoint)| {
                (
                    name.to_string(),
                    Provider {
                        name: name.to_string(),
                        region: region.to_string(),
                        profile: None,
                        endpoint_url: endpoint.map(str::to_string),
                        assume_role: None,
                    },
                )
            })
            .collect();
        let mut resources: Vec<Resource> = vaults
            .iter()
            .map(|(provider, vault)| Resource {
                address: Address::new(Kind::GlacierVaultLock, vault.replace('-', "_")),
                provider: provider.to_string(),
                desired: Desired::GlacierVaultLock(GlacierDesired {
                    vault: vault.to_string(),
                    account_id: "-".into(),
                    policy: Policy::parse("{}").unwrap(),
                    state: VaultLockState::Locked,
                    min_test_period: None,
                }),
            })
            .collect();
        resources.extend(rules.iter().map(|(provider, id)| Resource {
            address: Address::new(Kind::RbinRuleLock, id.to_ascii_lowercase()),
            provider: provider.to_string(),
            desired: Desired::RbinRuleLock(RbinDesired {
                rule_id: id.to_string(),
                state: RuleLockState::Locked,
                unlock_delay_days: Some(7),
            }),
        }));
        Config {
            path: "lockward.yaml".into(),
            dir: "".into(),
            providers,
            resources,
            backend: None,
        }
    }

    #[test]
    fn providers_reaching_the_same_account_and_region_share_one_scope() {
        let c = config(
            &[
                ("default", "us-east-1", None),
                ("audit", "us-east-1", None),
                ("eu", "eu-west-1", None),
            ],
            &[("audit", "audit-logs"), ("eu", "eu-logs")],
            &[("default", "a1B2c3D4e5F")],
        );
        let s = scopes(&c);
        assert_eq!(s.len(), 2);
        let east = s.iter().find(|s| s.region == "us-east-1").unwrap();
        assert_eq!(east.providers, vec!["audit", "default"]);
        assert_eq!(
            east.declared_vaults,
            BTreeSet::from(["audit-logs".to_string()])
        );
        assert_eq!(
            east.declared_rules,
            BTreeSet::from(["a1B2c3D4e5F".to_string()])
        );
        let eu = s.iter().find(|s| s.region == "eu-west-1").unwrap();
        assert_eq!(eu.declared_vaults, BTreeSet::from(["eu-logs".to_string()]));
        assert!(eu.declared_rules.is_empty());
    }

    #[test]
    fn another_endpoint_is_another_scope() {
        let c = config(
            &[
                ("a", "us-east-1", None),
                ("b", "us-east-1", Some("http://127.0.0.1:1")),
            ],
            &[],
            &[],
        );
        assert_eq!(scopes(&c).len(), 2);
    }

    #[tokio::test]
    async fn finds_undeclared_locks_only_and_makes_no_mutating_call() {
        let now: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        let aws = FakeAws::new(now);
        {
            let mut s = aws.state();
            let lock = |locked| FakeLock {
                locked,
                policy: "{}".into(),
                lock_id: "L".into(),
                created: now,
            };
            s.vaults.insert(
                "audit-logs".into(),
                FakeVault {
                    lock: Some(lock(true)),
                },
            );
            s.vaults.insert(
                "stray".into(),
                FakeVault {
                    lock: Some(lock(false)),
                },
            );
            s.vaults.insert("plain".into(), FakeVault { lock: None });
            let rule = |resource_type: &str, lock_state: Option<&str>| RuleInfo {
                resource_type: resource_type.into(),
                lock_state: lock_state.map(str::to_string),
                unlock_delay_days: lock_state.map(|_| 9),
                lock_end_time: None,
                resource_tags: 0,
                exclude_resource_tags: 0,
            };
            s.rules
                .insert("a1B2c3D4e5F".into(), rule("EBS_SNAPSHOT", Some("locked")));
            s.rules
                .insert("AMIrule0001".into(), rule("EC2_IMAGE", Some("locked")));
            s.rules
                .insert("Never000001".into(), rule("EBS_SNAPSHOT", None));
            s.rules
                .insert("Unlocked001".into(), rule("EBS_SNAPSHOT", Some("unlocked")));
        }
        let c = config(
            &[("default", "us-east-1", None)],
            &[("default", "audit-logs")],
            &[("default", "a1B2c3D4e5F")],
        );
        let clients = Clients::uniform(&c, aws.clients());
        let found = discover(&scopes(&c), &clients, 4).await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].vaults_listed, 3);
        assert_eq!(found[0].rules_listed, 4);
        let names: Vec<String> = found[0]
            .undeclared
            .iter()
            .map(|f| match f {
                FoundLock::Vault { name, lock } => format!("vault {name} {}", lock.state),
                FoundLock::BackupVault { name, .. } => format!("backup vault {name}"),
                FoundLock::Rule {
                    identifier,
                    resource_type,
                    lock_state,
                    unlock_delay_days,
                    ..
                } => {
                    format!("rule {identifier} {resource_type} {lock_state} {unlock_delay_days:?}")
                }
            })
            .collect();
        assert_eq!(
            names,
            vec![
                "vault stray InProgress",
                "rule AMIrule0001 EC2_IMAGE locked Some(9)"
            ]
        );
        assert!(aws.mutating_calls().is_empty());
    }

    #[tokio::test]
    async fn a_failed_listing_fails_discovery_with_a_hint() {
        let now: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        let aws = FakeAws::new(now);
        aws.fail(
            "ListRules",
            AwsError {
                class: crate::aws::ErrorClass::Rejected,
                code: Some("AccessDeniedException".into()),
                message: "no".into(),
            },
            false,
        );
        let c = config(&[("default", "us-east-1", None)], &[], &[]);
        let clients = Clients::uniform(&c, aws.clients());
        let err = discover(&scopes(&c), &clients, 4).await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("ListRules failed: AccessDeniedException"),
            "{text}"
        );
        assert!(text.contains("hint: "), "{text}");
    }
}
