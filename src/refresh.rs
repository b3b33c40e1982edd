//! Refresh: reads the live state of the declared resources from AWS, concurrently with a bound.
//! Read-only: it never makes a mutating call.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt, TryStreamExt};

use crate::aws::{normalize_endpoint, AwsError, CallerIdentity, ClientOptions, ProviderClients};
use crate::config::{Config, Resource};
use crate::environment;
use crate::kinds::Address;
use crate::plan::{Live, LiveSnapshot, Observed, Target};

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

/// Who the credentials of a provider act as could not be asked of STS: no plan can say where
/// its resources live.
#[derive(Debug, thiserror::Error)]
#[error("could not tell which AWS account provider `{provider}` acts in (STS GetCallerIdentity failed): {error}{}", hint(error))]
pub struct IdentityError {
    pub provider: String,
    pub error: AwsError,
}

/// The accounts the providers of `resources` act in: STS GetCallerIdentity once per provider,
/// with its final credentials (after any `assume_role`).
pub async fn identities(
    resources: &[&Resource],
    clients: &Clients,
) -> Result<BTreeMap<String, CallerIdentity>, IdentityError> {
    let mut out = BTreeMap::new();
    for resource in resources {
        if out.contains_key(&resource.provider) {
            continue;
        }
        let client = clients
            .for_provider(&resource.provider)
            .ok_or_else(|| IdentityError {
                provider: resource.provider.clone(),
                error: no_clients(&resource.provider),
            })?;
        let identity = client
            .sts
            .caller_identity()
            .await
            .map_err(|error| IdentityError {
                provider: resource.provider.clone(),
                error,
            })?;
        out.insert(resource.provider.clone(), identity);
    }
    Ok(out)
}

/// Where `resource` lives, given the account its provider acts in: that account, the
/// provider's region, and the effective endpoint of the kind's service (the provider's
/// `endpoint_url`, else `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`), normalised.
pub fn target_of(config: &Config, resource: &Resource, account: &str) -> Target {
    let provider = config.providers.get(&resource.provider);
    let endpoint = provider
        .and_then(|p| p.endpoint_url.clone())
        .or_else(|| environment::endpoint_url(resource.address.kind.service()))
        .map(|e| normalize_endpoint(&e));
    Target {
        account: account.to_string(),
        region: provider.map(|p| p.region.clone()).unwrap_or_default(),
        endpoint,
    }
}

/// Why a plan could not be made from AWS's answers.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    Refresh(#[from] RefreshError),
}

/// Reads where each of `resources` (every declared one, or the targeted subset) lives and its
/// live state there, at most `parallelism` reads at a time. The first failed read fails the
/// whole refresh.
pub async fn refresh(
    config: &Config,
    resources: &[&Resource],
    clients: &Clients,
    parallelism: usize,
) -> Result<LiveSnapshot, ReadError> {
    let identities = identities(resources, clients).await?;
    let reads = stream::iter(resources.iter().copied())
        .map(|resource| {
            let identities = &identities;
            async move {
                let live = read(config, resource, clients)
                    .await
                    .map_err(|error| RefreshError {
                        address: resource.address.clone(),
                        error,
                    })?;
                let account = identities
                    .get(&resource.provider)
                    .map(|i| i.account.as_str())
                    .unwrap_or_default();
                let target = target_of(config, resource, account);
                Ok::<_, RefreshError>((resource.address.clone(), Observed { target, live }))
            }
        })
        .buffer_unordered(parallelism.max(1));
    let resources: BTreeMap<Address, Observed> = reads.try_collect().await?;
    Ok(LiveSnapshot { resources })
}

fn no_clients(provider: &str) -> AwsError {
    AwsError {
        class: crate::aws::ErrorClass::NotSent,
        code: None,
        message: format!(
            "internal error: no clients for provider `{provider}`; this is a bug in lockward"
        ),
    }
}

/// Reads one resource.
pub async fn read(
    config: &Config,
    resource: &Resource,
    clients: &Clients,
) -> Result<Live, AwsError> {
    let clients = clients
        .for_provider(&resource.provider)
        .ok_or_else(|| no_clients(&resource.provider))?;
    resource.desired.read(&config.dir, clients).await
}
