//! Refresh: reads the live state of the declared resources from AWS, concurrently with a bound.
//! Read-only: it never makes a mutating call.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt};
use futures::FutureExt;

use crate::aws::{normalize_endpoint, AwsError, CallerIdentity, ClientOptions, ProviderClients};
use crate::config::{Config, Resource};
use crate::environment;
use crate::plan::{Live, LiveSnapshot, NotRead, Observed, Target};
use crate::vocabulary::Address;

/// The clients of every provider the config's resources use, built once each.
#[derive(Clone)]
pub struct Clients {
    by_provider: BTreeMap<String, ProviderClients>,
}

impl Clients {
    /// Builds clients for every provider a resource names. Makes no call.
    pub async fn connect(config: &Config, options: &ClientOptions) -> Clients {
        let used: std::collections::BTreeSet<&String> =
            config.resources.iter().map(|r| &r.provider).collect();
        Clients::connect_these(
            config.providers.values().filter(|p| used.contains(&p.name)),
            options,
        )
        .await
    }

    /// Builds clients for every declared provider, used by a resource or not: discovery
    /// (`lockward report`) looks in every configured account and region. Makes no call.
    pub async fn connect_all(config: &Config, options: &ClientOptions) -> Clients {
        Clients::connect_these(config.providers.values(), options).await
    }

    /// Builds each provider's clients side by side: building one waits on loading the SDK's
    /// settings, which an organisation's hundreds of providers should not wait for in turn.
    async fn connect_these(
        providers: impl Iterator<Item = &crate::config::Provider>,
        options: &ClientOptions,
    ) -> Clients {
        let built = futures::future::join_all(providers.map(|provider| async move {
            (
                provider.name.clone(),
                ProviderClients::connect(provider, options).await,
            )
        }))
        .await;
        Clients {
            by_provider: built.into_iter().collect(),
        }
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

/// Who the credentials of a provider act as could not be asked of STS: no plan can say where
/// its resources live.
#[derive(Debug, thiserror::Error)]
#[error("could not tell which AWS account provider `{provider}` acts in (STS GetCallerIdentity failed): {error}\nhint: check the provider's credentials, region and endpoint_url; nothing was called")]
pub struct IdentityError {
    pub provider: String,
    pub error: AwsError,
}

/// The accounts the providers of `resources` act in: STS GetCallerIdentity once per provider,
/// with its final credentials (after any `assume_role`). The first provider that cannot be
/// asked fails it (the apply preflight); [`refresh`] reports every one.
pub async fn identities(
    config: &Config,
    resources: &[&Resource],
    clients: &Clients,
) -> Result<BTreeMap<String, CallerIdentity>, IdentityError> {
    let (found, mut failed) = all_identities(config, resources, clients).await;
    match failed.pop_first() {
        Some((provider, error)) => Err(IdentityError { provider, error }),
        None => Ok(found),
    }
}

async fn all_identities(
    config: &Config,
    resources: &[&Resource],
    clients: &Clients,
) -> (BTreeMap<String, CallerIdentity>, BTreeMap<String, AwsError>) {
    let providers: std::collections::BTreeSet<&str> =
        resources.iter().map(|r| r.provider.as_str()).collect();
    let asks = providers.into_iter().map(|provider| async move {
        let answer = match clients.for_provider(provider) {
            Some(client) => client.sts.caller_identity().await,
            None => Err(no_clients(provider)),
        };
        // An instance of a template acts in its own account, or not at all: a role that
        // answers for another account would put its locks there.
        let expected = config
            .providers
            .get(provider)
            .and_then(|p| p.instance_of.as_ref());
        let answer = match (answer, expected) {
            (Ok(identity), Some(instance)) if identity.account != instance.account => {
                Err(AwsError {
                    class: crate::aws::ErrorClass::Rejected,
                    code: Some("WrongAccount".to_string()),
                    message: format!(
                        "credentials act in {}; this instance is for {}",
                        identity.account, instance.account
                    ),
                })
            }
            (answer, _) => answer,
        };
        (provider.to_string(), answer)
    });
    let mut found = BTreeMap::new();
    let mut failed = BTreeMap::new();
    for (provider, answer) in futures::future::join_all(asks).await {
        match answer {
            Ok(identity) => {
                found.insert(provider, identity);
            }
            Err(error) => {
                failed.insert(provider, error);
            }
        }
    }
    (found, failed)
}

/// Where `resource` lives, given the account its provider acts in: that account, the
/// provider's region, and the endpoint its provider's client for the kind's service sends
/// calls to (the provider's `endpoint_url`, else `AWS_ENDPOINT_URL_<SERVICE>`,
/// `AWS_ENDPOINT_URL`, or the profile's, as the SDK resolves them), normalised.
pub fn target_of(config: &Config, resource: &Resource, account: &str, clients: &Clients) -> Target {
    let provider = config.providers.get(&resource.provider);
    let endpoint_of = |service: &str| {
        match clients
            .for_provider(&resource.provider)
            .and_then(|c| c.endpoints.as_ref())
        {
            Some(endpoints) => endpoints.get(service).cloned(),
            None => provider
                .and_then(|p| p.endpoint_url.clone())
                .or_else(|| environment::endpoint_url(service)),
        }
        .map(|e| normalize_endpoint(&e))
    };
    let endpoint = endpoint_of(resource.address.kind.service());
    let sts = endpoint_of("sts");
    Target {
        account: account.to_string(),
        region: provider.map(|p| p.region.clone()).unwrap_or_default(),
        identity_endpoint: Target::identity_endpoint(endpoint.as_deref(), sts.as_deref()),
        endpoint,
    }
}

/// Why a plan could not be made from AWS's answers: every failure, one line per provider and
/// cause, with the resources it affects and a hint for each cause.
#[derive(Debug)]
pub struct ReadError {
    pub failures: Vec<ReadFailure>,
}

/// One provider's failure (asking who its credentials are, or reading resources), with the
/// resources it kept from being read.
#[derive(Debug)]
pub struct ReadFailure {
    pub provider: String,
    /// `us-east-1`, or `us-east-1 at http://…` when an endpoint is set.
    pub place: String,
    /// The provider's `endpoint_url`, `assume_role` and region, for the hint.
    pub endpoint_url: Option<String>,
    pub assume_role: Option<String>,
    pub region: String,
    /// What failed: the identity (STS) or a read.
    pub identity: bool,
    pub error: AwsError,
    pub addresses: Vec<Address>,
}

impl std::error::Error for ReadError {}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "could not read the live state from AWS:")?;
        for failure in &self.failures {
            let addresses: Vec<String> =
                failure.addresses.iter().map(ToString::to_string).collect();
            let what = if failure.identity {
                "asking STS which account its credentials act in"
            } else {
                "reading"
            };
            write!(
                f,
                "\n  - provider `{}` ({}), {what}: {}\n    affects {}",
                failure.provider,
                failure.place,
                failure.error,
                addresses.join(", ")
            )?;
        }
        let mut hints: Vec<String> = Vec::new();
        for failure in &self.failures {
            let hint = failure.hint();
            if !hint.is_empty() && !hints.contains(&hint) {
                hints.push(hint);
            }
        }
        for hint in hints {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl ReadFailure {
    fn hint(&self) -> String {
        let error = &self.error;
        let text = error.message.to_ascii_lowercase();
        let provider = &self.provider;
        if text.starts_with("could not connect") {
            match &self.endpoint_url {
                Some(url) => format!("nothing answers at provider `{provider}`'s endpoint_url {url}: check the URL, and that the service there is running"),
                None => format!("AWS could not be reached for provider `{provider}`: check its region (`{}`) and this machine's network", self.region),
            }
        } else if text.contains("credential") {
            match &self.assume_role {
                Some(role) => format!("provider `{provider}` assumes the role `{role}`: check that the credentials it starts from may assume it (the role's trust policy) and AWS's message above"),
                None => "lockward uses the standard AWS credential chain: set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY".to_string(),
            }
        } else if error.is_throttling() {
            "AWS kept throttling the reads after every retry: run the plan again later, or with a lower --parallelism".to_string()
        } else if error
            .code
            .as_deref()
            .is_some_and(|c| c.starts_with("AccessDenied"))
            || text.contains("not authorized")
        {
            let kinds: std::collections::BTreeSet<crate::vocabulary::Kind> =
                self.addresses.iter().map(|a| a.kind).collect();
            let permissions: Vec<&str> = kinds
                .iter()
                .flat_map(|k| k.read_permissions().iter().copied())
                .collect();
            let what = if self.identity {
                "sts:GetCallerIdentity".to_string()
            } else {
                permissions.join(", ")
            };
            format!("the credentials of provider `{provider}` lack a read permission lockward needs ({what}) in {}", self.place)
        } else {
            String::new()
        }
    }
}

/// Reads where each of `resources` (every declared one, or the targeted subset) lives and its
/// live state there, at most `parallelism` reads at a time. A resource that could not be read
/// is in [`LiveSnapshot::not_read`] (planned `unknown`) and never keeps the others from being
/// read; every failure is summarised, grouped by provider and cause.
pub async fn refresh(
    config: &Config,
    resources: &[&Resource],
    clients: &Clients,
    parallelism: usize,
    now: jiff::Timestamp,
) -> LiveSnapshot {
    // A resource whose instances are found at plan time (a `select`) stands for what it
    // finds; one that finds none is read as itself, and says so; one whose search failed is
    // planned `unknown` like an unreadable resource.
    // What the config already knows cannot be read (a template whose account set could not be
    // read) is not asked for.
    let (cannot, resources): (Vec<&Resource>, Vec<&Resource>) = resources
        .iter()
        .partition(|r| config.unknown.contains_key(&r.address));
    let resources = &resources[..];
    let (instances, unsearched) = expand(resources, clients, parallelism).await;
    let expanded: Vec<&Resource> = resources
        .iter()
        .flat_map(|r| match instances.get(&r.address) {
            Some(found) if !found.is_empty() => found.iter().collect(),
            _ => vec![*r],
        })
        .filter(|r| !unsearched.contains_key(&r.address))
        .collect();
    let by_address: BTreeMap<&Address, &Resource> = resources
        .iter()
        .chain(&expanded)
        .map(|r| (&r.address, *r))
        .collect();
    let resources: &[&Resource] = &expanded;
    // STS is asked while the reads that do not need the account already run; a read that
    // needs it (an S3 bucket's expected owner) waits for it. What a provider whose identity
    // could not be asked read is dropped: that provider's failure is reported instead.
    // Shared by every read that awaits it: one answer, not one copy per resource.
    let identities =
        async { std::sync::Arc::new(all_identities(config, resources, clients).await) }.shared();
    // The deepest reads first, so that the last reads in flight are short ones.
    let mut ordered: Vec<&Resource> = resources.to_vec();
    ordered.sort_by_key(|r| std::cmp::Reverse(r.address.kind.read_depth()));
    let reads: Vec<(Address, Option<Result<Observed, AwsError>>)> = stream::iter(ordered)
        .map(|resource| {
            let identities = identities.clone();
            async move {
                let observed = if resource.address.kind.read_needs_account() {
                    let ids = identities.await;
                    match ids.0.get(&resource.provider) {
                        Some(identity) => {
                            let target = target_of(config, resource, &identity.account, clients);
                            let live = read(config, resource, &target, clients, now).await;
                            Some(live.map(|live| Observed { target, live }))
                        }
                        None => None,
                    }
                } else {
                    let mut target = target_of(config, resource, "", clients);
                    let (live, ids) =
                        futures::join!(read(config, resource, &target, clients, now), identities);
                    ids.0.get(&resource.provider).map(|identity| {
                        target.account.clone_from(&identity.account);
                        live.map(|live| Observed { target, live })
                    })
                };
                (resource.address.clone(), observed)
            }
        })
        .buffer_unordered(parallelism.max(1))
        .collect()
        .await;
    let ids = identities.await;
    let mut failures: Vec<ReadFailure> = ids
        .1
        .iter()
        .map(|(provider, error)| (provider.clone(), error.clone()))
        .map(|(provider, error)| {
            let addresses = resources
                .iter()
                .filter(|r| r.provider == provider)
                .map(|r| r.address.clone())
                .collect();
            failure(config, &provider, true, error, addresses)
        })
        .collect();
    let reads: Vec<(Address, Result<Observed, AwsError>)> = reads
        .into_iter()
        .filter_map(|(address, observed)| Some((address, observed?)))
        .collect();
    let mut live = BTreeMap::new();
    let mut by_cause: BTreeMap<(String, String), (AwsError, Vec<Address>)> = BTreeMap::new();
    let reads = reads.into_iter().chain(
        unsearched
            .into_iter()
            .map(|(address, error)| (address, Err(error))),
    );
    for (address, observed) in reads {
        match observed {
            Ok(observed) => {
                live.insert(address, observed);
            }
            Err(error) => {
                let provider = by_address
                    .get(&address)
                    .map(|r| r.provider.clone())
                    .unwrap_or_default();
                by_cause
                    .entry((provider, error.to_string()))
                    .or_insert_with(|| (error, Vec::new()))
                    .1
                    .push(address);
            }
        }
    }
    for ((provider, _), (error, mut addresses)) in by_cause {
        addresses.sort();
        failures.push(failure(config, &provider, false, error, addresses));
    }
    // What could not be read is planned `unknown`, each where it was looked for; the rest
    // plans as ever.
    let mut not_read = BTreeMap::new();
    for f in &failures {
        for address in &f.addresses {
            let Some(resource) = by_address.get(address) else {
                continue;
            };
            let account = ids.0.get(&f.provider).map_or("", |i| i.account.as_str());
            not_read.insert(
                address.clone(),
                NotRead {
                    target: target_of(config, resource, account, clients),
                    error: f.error.clone(),
                    during: if f.identity { "identity" } else { "read" },
                },
            );
        }
    }
    for resource in cannot {
        let Some(error) = config.unknown.get(&resource.address) else {
            continue;
        };
        let account = config
            .providers
            .get(&resource.provider)
            .and_then(|p| p.instance_of.as_ref())
            .map_or("", |i| i.account.as_str());
        not_read.insert(
            resource.address.clone(),
            NotRead {
                target: target_of(config, resource, account, clients),
                error: error.clone(),
                during: "read",
            },
        );
        failures.push(failure(
            config,
            &resource.provider,
            false,
            error.clone(),
            vec![resource.address.clone()],
        ));
    }
    let not_read_summary = (!failures.is_empty()).then(|| ReadError { failures }.to_string());
    LiveSnapshot {
        resources: live,
        not_read,
        not_read_summary,
        instances: instances.into_values().flatten().collect(),
        not_selected: Vec::new(),
    }
}

/// The instances each of `resources` that is searched at plan time found, by its address, and
/// the error of each search that failed. Read-only calls, at most `parallelism` at a time.
async fn expand(
    resources: &[&Resource],
    clients: &Clients,
    parallelism: usize,
) -> (
    BTreeMap<Address, Vec<Resource>>,
    BTreeMap<Address, AwsError>,
) {
    type Search = Result<Option<Vec<Resource>>, AwsError>;
    let searches: Vec<(Address, Search)> = stream::iter(resources.iter().copied())
        .map(|resource| async move {
            let found = match clients.for_provider(&resource.provider) {
                Some(c) => resource.desired.instances(c).await,
                None => Err(no_clients(&resource.provider)),
            };
            let found = found.map(|list| {
                list.map(|list| {
                    list.into_iter()
                        .map(|(key, desired)| Resource {
                            address: resource.address.child(&key),
                            provider: resource.provider.clone(),
                            desired,
                        })
                        .collect()
                })
            });
            (resource.address.clone(), found)
        })
        .buffer_unordered(parallelism.max(1))
        .collect()
        .await;
    let mut instances = BTreeMap::new();
    let mut failed = BTreeMap::new();
    for (address, found) in searches {
        match found {
            Ok(Some(list)) => {
                instances.insert(address, list);
            }
            Ok(None) => {}
            Err(e) => {
                failed.insert(address, e);
            }
        }
    }
    (instances, failed)
}

fn failure(
    config: &Config,
    provider: &str,
    identity: bool,
    error: AwsError,
    addresses: Vec<Address>,
) -> ReadFailure {
    let p = config.providers.get(provider);
    let region = p.map(|p| p.region.clone()).unwrap_or_default();
    let endpoint_url = p.and_then(|p| p.endpoint_url.clone());
    let place = match &endpoint_url {
        Some(url) => format!("{region} at {url}"),
        None => region.clone(),
    };
    ReadFailure {
        provider: provider.to_string(),
        place,
        endpoint_url,
        assume_role: p.and_then(|p| p.assume_role.as_ref().map(|r| r.role_arn.clone())),
        region,
        identity,
        error,
        addresses,
    }
}

/// The clients are built for every provider the config declares, and a resource names only
/// declared providers; the two are separate maps, so the lookup can still miss.
fn no_clients(provider: &str) -> AwsError {
    AwsError {
        class: crate::aws::ErrorClass::NotSent,
        code: None,
        message: format!(
            "internal error: no clients for provider `{provider}`; this is a bug in lockward"
        ),
    }
}

/// Reads one resource where `target` says it lives.
pub async fn read(
    config: &Config,
    resource: &Resource,
    target: &Target,
    clients: &Clients,
    now: jiff::Timestamp,
) -> Result<Live, AwsError> {
    let clients = clients
        .for_provider(&resource.provider)
        .ok_or_else(|| no_clients(&resource.provider))?;
    resource
        .desired
        .read(&config.dir, target, clients, now)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An instance of a template acts in its own account or not at all: credentials that STS
    /// says act in another account make it `unknown`, and only it.
    #[tokio::test]
    async fn an_instance_whose_credentials_act_in_another_account_is_not_read() {
        let text = "version: 1\naccounts:\n  two:\n    ids: [\"111111111111\", \"123456789012\"]\n\
                    providers:\n  t:\n    for_each: { accounts: two, regions: [us-east-1] }\n    \
                    assume_role: \"arn:aws:iam::${account}:role/lockward\"\n\
                    backup_vault_lock:\n  b:\n    provider: t\n    vault: backups\n    mode: none\n";
        let config = crate::config::load_str(text, std::path::Path::new("lockward.yaml")).unwrap();
        let now = jiff::Timestamp::UNIX_EPOCH;
        // The fake answers every identity question with 123456789012.
        let aws = crate::aws::fake::FakeAws::new(now);
        let clients = Clients::uniform(&config, aws.clients());
        let resources: Vec<&Resource> = config.resources.iter().collect();
        let live = refresh(&config, &resources, &clients, 4, now).await;
        let other: Address = "backup_vault_lock.b[111111111111/us-east-1]"
            .parse()
            .unwrap();
        let own: Address = "backup_vault_lock.b[123456789012/us-east-1]"
            .parse()
            .unwrap();
        let why = &live.not_read.get(&other).expect("not read").error.message;
        assert!(
            why.contains("credentials act in 123456789012; this instance is for 111111111111"),
            "{why}"
        );
        assert!(!live.not_read.contains_key(&own));
        assert!(live.resources.contains_key(&own));
    }
}
