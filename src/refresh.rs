//! Refresh: reads the live state of the declared resources from AWS, concurrently with a bound.
//! Read-only: it never makes a mutating call.

use std::collections::BTreeMap;
use std::path::Path;

use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::Value;

use crate::aws::{AwsError, ClientOptions, ProviderClients};
use crate::config::{
    Config, Desired, GlacierDesired, Policy, RbinDesired, Resource, SnowballDesired,
};
use crate::digest;
use crate::kinds::glacier::{GlacierLive, IN_PROGRESS_LIFETIME};
use crate::kinds::rbin::{RbinLive, RbinRule, RuleLock};
use crate::kinds::snowball::{SnowballJob, SnowballLive};
use crate::kinds::Address;
use crate::plan::{Live, LiveSnapshot};

/// The clients of every provider the config's resources use, built once each.
#[derive(Clone)]
pub struct Clients {
    by_provider: BTreeMap<String, ProviderClients>,
}

impl Clients {
    /// Builds clients for every provider a resource names. Makes no call.
    pub async fn connect(config: &Config, options: &ClientOptions) -> Clients {
        let mut by_provider = BTreeMap::new();
        for resource in &config.resources {
            if by_provider.contains_key(&resource.provider) {
                continue;
            }
            if let Some(provider) = config.providers.get(&resource.provider) {
                by_provider.insert(
                    resource.provider.clone(),
                    ProviderClients::connect(provider, options).await,
                );
            }
        }
        Clients { by_provider }
    }

    /// Builds clients for every declared provider, used by a resource or not: discovery
    /// (`lockward report`) looks in every configured account and region. Makes no call.
    pub async fn connect_all(config: &Config, options: &ClientOptions) -> Clients {
        let mut by_provider = BTreeMap::new();
        for (name, provider) in &config.providers {
            by_provider.insert(
                name.clone(),
                ProviderClients::connect(provider, options).await,
            );
        }
        Clients { by_provider }
    }

    /// The same clients for every provider: for tests with a fake.
    pub fn uniform(config: &Config, clients: ProviderClients) -> Clients {
        let by_provider = config
            .providers
            .keys()
            .map(|name| (name.clone(), clients.clone()))
            .collect();
        Clients { by_provider }
    }

    pub fn for_provider(&self, provider: &str) -> Option<&ProviderClients> {
        self.by_provider.get(provider)
    }

    /// Provider names and their clients.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &ProviderClients)> {
        self.by_provider.iter()
    }
}

/// A read that failed: the plan cannot be made.
#[derive(Debug, thiserror::Error)]
#[error("could not read the live state of {address}: {error}{}", hint(error))]
pub struct RefreshError {
    pub address: Address,
    pub error: AwsError,
}

fn hint(error: &AwsError) -> String {
    let text = format!("{error}").to_ascii_lowercase();
    if text.contains("credential") {
        "\nhint: lockward uses the standard AWS credential chain: set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY".to_string()
    } else if error.has_code("AccessDeniedException") || text.contains("not authorized") {
        "\nhint: the credentials lack read permission for this resource (glacier:GetVaultLock, glacier:DescribeVault, rbin:GetRule, snowball:DescribeJob)".to_string()
    } else {
        String::new()
    }
}

/// Reads the live state of `resources` (every declared one, or the targeted subset), at most
/// `parallelism` reads at a time. The first failed read fails the whole refresh.
pub async fn refresh(
    resources: &[&Resource],
    clients: &Clients,
    parallelism: usize,
) -> Result<LiveSnapshot, RefreshError> {
    let reads = stream::iter(resources.iter().copied())
        .map(|resource| async move {
            let live = read(resource, clients)
                .await
                .map_err(|error| RefreshError {
                    address: resource.address.clone(),
                    error,
                })?;
            Ok::<_, RefreshError>((resource.address.clone(), live))
        })
        .buffer_unordered(parallelism.max(1));
    let resources: BTreeMap<Address, Live> = reads.try_collect().await?;
    Ok(LiveSnapshot { resources })
}

/// Reads one resource.
pub async fn read(resource: &Resource, clients: &Clients) -> Result<Live, AwsError> {
    let clients = clients
        .for_provider(&resource.provider)
        .ok_or_else(|| AwsError {
            class: crate::aws::ErrorClass::NotSent,
            code: None,
            message: format!(
                "internal error: no clients for provider `{}`; this is a bug in lockward",
                resource.provider
            ),
        })?;
    Ok(match &resource.desired {
        Desired::GlacierVaultLock(d) => Live::GlacierVaultLock(read_glacier(d, clients).await?),
        Desired::RbinRuleLock(d) => Live::RbinRuleLock(read_rbin(d, clients).await?),
        Desired::SnowballUnlockCode(d) => {
            Live::SnowballUnlockCode(read_snowball(d, clients).await?)
        }
    })
}

pub async fn read_glacier(
    desired: &GlacierDesired,
    clients: &ProviderClients,
) -> Result<GlacierLive, AwsError> {
    let lock = clients
        .glacier
        .get_vault_lock(&desired.account_id, &desired.vault)
        .await?;
    let Some(lock) = lock else {
        // GetVaultLock answers ResourceNotFound both for "no lock" and "no vault".
        return Ok(
            if clients
                .glacier
                .vault_exists(&desired.account_id, &desired.vault)
                .await?
            {
                GlacierLive::NoLock
            } else {
                GlacierLive::VaultMissing
            },
        );
    };
    // A policy AWS holds that is not JSON still compares (as a string) and never equals intent.
    let policy = Policy::parse(&lock.policy)
        .unwrap_or_else(|_| Policy::from_value(Value::String(lock.policy.clone())));
    Ok(if lock.state == "Locked" {
        GlacierLive::Locked {
            policy,
            created: lock.created,
        }
    } else {
        let expires = lock.expires.unwrap_or(lock.created + IN_PROGRESS_LIFETIME);
        GlacierLive::InProgress {
            policy,
            created: lock.created,
            expires,
        }
    })
}

pub async fn read_rbin(
    desired: &RbinDesired,
    clients: &ProviderClients,
) -> Result<RbinLive, AwsError> {
    let Some(rule) = clients.rbin.get_rule(&desired.rule_id).await? else {
        return Ok(RbinLive::RuleMissing);
    };
    let lock_state = match rule
        .lock_state
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("locked") => Some(RuleLock::Locked),
        Some("pending_unlock") => Some(RuleLock::PendingUnlock),
        Some("unlocked") => Some(RuleLock::Unlocked),
        _ => None,
    };
    Ok(RbinLive::Present(RbinRule {
        resource_type: rule.resource_type,
        lock_state,
        unlock_delay_days: rule.unlock_delay_days,
        lock_end_time: rule.lock_end_time,
        resource_tags: rule.resource_tags,
        exclude_resource_tags: rule.exclude_resource_tags,
    }))
}

pub async fn read_snowball(
    desired: &SnowballDesired,
    clients: &ProviderClients,
) -> Result<SnowballLive, AwsError> {
    let Some(job) = clients.snowball.describe_job(&desired.job_id).await? else {
        return Ok(SnowballLive::JobMissing {
            delivered_fingerprint: delivered_fingerprint(&desired.deliver_to),
        });
    };
    Ok(SnowballLive::Present(SnowballJob {
        job_state: job.state,
        created: job.created,
        delivered_fingerprint: delivered_fingerprint(&desired.deliver_to),
    }))
}

/// `sha256:…` of what sits at `path` now; `None` when nothing does. Anything that is not a
/// regular file (a symlink, a directory) gets a marker fingerprint that never matches a
/// delivery, so the planner refuses to write there.
pub fn delivered_fingerprint(path: &Path) -> Option<String> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_file() {
        return Some(format!("not-a-regular-file:{:?}", meta.file_type()));
    }
    match std::fs::read(path) {
        Ok(bytes) => Some(digest::sha256(&bytes)),
        Err(e) => Some(format!("unreadable:{}", e.kind())),
    }
}
