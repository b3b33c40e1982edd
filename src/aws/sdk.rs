//! The AWS SDK for Rust behind the service traits, and client construction per provider.

use std::time::Duration;

use async_trait::async_trait;
use aws_config::profile::{Profile, ProfileSet};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use jiff::Timestamp;

use super::{AwsError, CallerIdentity, ErrorClass, StsApi};
use crate::config::Provider;

/// How clients are built beyond what the provider says.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Attempts per call for retryable errors (throttling, 5xx) in adaptive retry mode.
    pub max_attempts: u32,
    /// Fixed credentials instead of the standard chain: only for the embedded emulator
    /// (`lockward demo`), which checks no signature.
    pub static_credentials: Option<(String, String)>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            max_attempts: 8,
            static_credentials: None,
        }
    }
}

/// The endpoint the SDK's client for `service` (its SDK id, any case) sends calls to, from
/// `config`, resolved as the generated clients resolve it: an endpoint set in code (the
/// provider's `endpoint_url`), else `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the
/// profile's `services` section and its `endpoint_url` (unless
/// `ignore_configured_endpoint_urls`); `None`: the service's AWS endpoint.
pub(crate) fn endpoint_of(config: &SdkConfig, service: &str) -> Option<String> {
    if config.get_origin("endpoint_url").is_client_config() {
        return config.endpoint_url().map(str::to_string);
    }
    let key = aws_types::service_config::ServiceConfigKey::builder()
        .service_id(service)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    config
        .service_config()
        .and_then(|c| c.load_config(key))
        .or_else(|| config.endpoint_url().map(str::to_string))
}

/// One HTTP client for every provider's SDK clients: its connectors (and their TLS settings,
/// and the root certificates they load) are made once per process, not once per provider, which
/// at an organisation's hundreds of providers is most of lockward's memory.
static HTTP_CLIENT: std::sync::LazyLock<aws_smithy_runtime_api::client::http::SharedHttpClient> =
    std::sync::LazyLock::new(|| {
        use aws_smithy_http_client::tls;
        let client = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .build_https();
        aws_smithy_runtime_api::client::http::SharedHttpClient::new(BuiltOnce(client))
    });

/// The shared HTTP client, checked once. The SDK checks a client's base configuration each
/// time it builds a service client, and the hyper client does that by building (and dropping) a
/// TLS connector, parsing every root certificate again: at an organisation's thousands of
/// service clients that was an eighth of lockward's CPU. The connectors the requests use are
/// built once per setting and shared, as before.
#[derive(Debug)]
struct BuiltOnce(aws_smithy_runtime_api::client::http::SharedHttpClient);

impl aws_smithy_runtime_api::client::http::HttpClient for BuiltOnce {
    fn http_connector(
        &self,
        settings: &aws_smithy_runtime_api::client::http::HttpConnectorSettings,
        components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
    ) -> aws_smithy_runtime_api::client::http::SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(
        &self,
    ) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

pub(crate) async fn sdk_config(provider: &Provider, options: &ClientOptions) -> SdkConfig {
    let Some(instance) = &provider.instance_of else {
        return configured(provider, options).await;
    };
    // The instances of one template differ only in their region and their role's account:
    // the SDK's settings are loaded once per template (in its first region, where the
    // sessions are asked for), and each instance takes them with its own region.
    let key = format!(
        "{:?}",
        (
            &instance.template,
            &provider.profile,
            &provider.endpoint_url,
            options.static_credentials.is_some()
        )
    );
    let known = TEMPLATE_BASES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        .cloned();
    let base = match known {
        Some(base) => base,
        None => {
            let plain = Provider {
                region: instance.session_region.clone(),
                assume_role: None,
                instance_of: None,
                ..provider.clone()
            };
            let loaded = configured(&plain, options).await;
            TEMPLATE_BASES
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(key)
                .or_insert(loaded)
                .clone()
        }
    };
    let Some(role) = &provider.assume_role else {
        return base
            .into_builder()
            .region(Region::new(provider.region.clone()))
            .build();
    };
    let credentials = session(provider, instance, role, &base, options).await;
    base.into_builder()
        .region(Region::new(provider.region.clone()))
        .credentials_provider(credentials)
        .build()
}

/// The SDK settings each template's instances share, by template (see [`sdk_config`]).
static TEMPLATE_BASES: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, SdkConfig>>,
> = std::sync::LazyLock::new(Default::default);

/// The settings of a provider that is no template instance: its region, profile, endpoint
/// and role.
async fn configured(provider: &Provider, options: &ClientOptions) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(HTTP_CLIENT.clone())
        .region(Region::new(provider.region.clone()))
        // Every lockward call moves a few hundred bytes: watching for stalled streams only
        // costs CPU per request (a timer each); the operation timeouts cover a hung call.
        .stalled_stream_protection(
            aws_config::stalled_stream_protection::StalledStreamProtectionConfig::disabled(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(options.max_attempts.max(1))
                .with_initial_backoff(Duration::from_millis(50))
                .with_max_backoff(Duration::from_secs(2)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        );
    if let Some(profile) = &provider.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &provider.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some((akid, secret)) = &options.static_credentials {
        loader = loader.credentials_provider(aws_credential_types::Credentials::new(
            akid.clone(),
            secret.clone(),
            None,
            None,
            "lockward-static",
        ));
    }
    let mut base = loader.load().await;
    if let (Some(profile), None) = (&provider.profile, &options.static_credentials) {
        // The SDK's default chain reads the environment before the profile: a provider that
        // names a profile must never act with other credentials found lying around.
        let credentials = match load_profiles().await {
            Ok(profiles) => profile_credentials(&profiles, profile, &base).await,
            Err(why) => Err(why),
        }
        .unwrap_or_else(|why| SharedCredentialsProvider::new(Unusable(why)));
        base = base
            .into_builder()
            .credentials_provider(credentials)
            .build();
    }
    let Some(role) = &provider.assume_role else {
        return base;
    };
    let credentials =
        SharedCredentialsProvider::new(assume_role(role, &base, &provider.region).await);
    base.into_builder()
        .credentials_provider(credentials)
        .build()
}

/// The session of `instance`'s account: one per account, shared by its regions, asked of STS
/// in the template's first region (`base`'s), kept until shortly before it expires.
async fn session(
    provider: &Provider,
    instance: &crate::config::InstanceOf,
    role: &crate::config::AssumeRole,
    base: &SdkConfig,
    options: &ClientOptions,
) -> SharedCredentialsProvider {
    let key = format!(
        "{:?}",
        (
            &instance.template,
            &instance.account,
            &provider.profile,
            &provider.endpoint_url,
            role.external_id.as_deref(),
            options.static_credentials.is_some()
        )
    );
    let known = SESSIONS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        .cloned();
    if let Some(shared) = known {
        return shared;
    }
    let assumed = assume_role(role, base, &instance.session_region).await;
    let made = SharedCredentialsProvider::new(Session {
        inner: assumed,
        cached: tokio::sync::Mutex::new(None),
    });
    // Built without a call; the first one kept is the one every region shares.
    SESSIONS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_insert(made)
        .clone()
}

/// The sessions of template instances, one per account (see [`sdk_config`]).
static SESSIONS: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, SharedCredentialsProvider>>,
> = std::sync::LazyLock::new(Default::default);

/// STS AssumeRole for `role` with `base`'s credentials, asked in `region`.
async fn assume_role(
    role: &crate::config::AssumeRole,
    base: &SdkConfig,
    region: &str,
) -> aws_config::sts::AssumeRoleProvider {
    let mut builder = aws_config::sts::AssumeRoleProvider::builder(role.role_arn.clone())
        .session_name(
            role.session_name
                .clone()
                .unwrap_or_else(default_session_name),
        )
        .session_length(Duration::from_secs(u64::from(
            role.duration.unwrap_or(3600),
        )))
        .region(Region::new(region.to_string()))
        .configure(base);
    if let Some(id) = &role.external_id {
        builder = builder.external_id(id.clone());
    }
    builder.build().await
}

/// `lockward-` and the OS user's name, every character STS refuses in a session name made
/// `-`, at most 64 characters.
pub fn default_session_name() -> String {
    let user = crate::environment::os_user();
    let name: String = format!("lockward-{user}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    name.trim_end_matches('-').to_string()
}

/// A session kept until five minutes before it expires, then renewed: every client of an
/// account's regions shares it.
#[derive(Debug)]
struct Session {
    inner: aws_config::sts::AssumeRoleProvider,
    cached: tokio::sync::Mutex<Option<aws_credential_types::Credentials>>,
}

impl ProvideCredentials for Session {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let mut cached = self.cached.lock().await;
            // The clock lockward plans at: against the emulator, its virtual clock, which
            // the sessions it issues expire by.
            let now =
                crate::environment::now().unwrap_or_else(|_| crate::environment::wall_clock());
            let fresh = |c: &aws_credential_types::Credentials| {
                c.expiry().is_none_or(|at| {
                    Timestamp::try_from(at)
                        .is_ok_and(|at| at > now + jiff::SignedDuration::from_secs(300))
                })
            };
            if let Some(c) = cached.as_ref().filter(|c| fresh(c)) {
                return Ok(c.clone());
            }
            let c = self.inner.provide_credentials().await?;
            *cached = Some(c.clone());
            Ok(c)
        })
    }
}

/// The profiles of the shared AWS config and credentials files, read as the SDK reads them
/// (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE` and `~` honoured). Makes no call.
async fn load_profiles() -> Result<ProfileSet, String> {
    #[allow(deprecated)] // the alias names the same type as aws-runtime's EnvConfigFiles
    let files = aws_config::profile::profile_file::ProfileFiles::default();
    aws_config::profile::load(
        &aws_types::os_shim_internal::Fs::real(),
        &aws_types::os_shim_internal::Env::real(),
        &files,
        None,
    )
    .await
    .map_err(|e| format!("the AWS config files cannot be read: {}", display_chain(&e)))
}

/// How many `source_profile` links a profile may follow, as the AWS CLI allows.
const MAX_PROFILE_CHAIN: usize = 8;

/// Why a provider's profile cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProfileProblem {
    /// Neither the shared config file nor the credentials file has it.
    Missing,
    /// Something else, in words (a missing source_profile, a loop, an unreadable file).
    Unusable(String),
}

/// Checks, without any call, that `profile` exists in the shared AWS config or credentials
/// file, and so does every `source_profile` its role chain names.
pub async fn check_profile(profile: &str) -> Result<(), ProfileProblem> {
    let profiles = load_profiles().await.map_err(ProfileProblem::Unusable)?;
    if profiles.get_profile(profile).is_none() {
        return Err(ProfileProblem::Missing);
    }
    follow_source_profiles(&profiles, profile).map_err(ProfileProblem::Unusable)
}

/// Follows `profile`'s `source_profile` links: `Err` names the first that does not exist.
fn follow_source_profiles(profiles: &ProfileSet, profile: &str) -> Result<(), String> {
    let mut seen: Vec<&str> = Vec::new();
    let mut name = profile;
    loop {
        let Some(p) = profiles.get_profile(name) else {
            let from = seen.last().copied().unwrap_or(profile);
            return Err(format!(
                "profile `{from}` names source_profile `{name}`, which does not exist"
            ));
        };
        seen.push(name);
        match (p.get("role_arn"), p.get("source_profile")) {
            (Some(_), Some(source)) if source != name => {
                if seen.contains(&source) || seen.len() > MAX_PROFILE_CHAIN {
                    return Err(format!(
                        "the source_profile chain of profile `{profile}` loops or is too long ({})",
                        seen.join(" -> ")
                    ));
                }
                name = source;
            }
            _ => return Ok(()),
        }
    }
}

/// The credentials of the profile `name` and nothing else: its keys, SSO, process or web
/// identity (through the SDK's profile provider), or, for a profile with a `role_arn` and a
/// `source_profile` or `credential_source`, AssumeRole with the source's credentials, sent
/// with `base`'s settings, so to the provider's `endpoint_url` when it has one (the SDK's
/// own profile provider would send it to AWS).
async fn profile_credentials(
    profiles: &ProfileSet,
    name: &str,
    base: &SdkConfig,
) -> Result<SharedCredentialsProvider, String> {
    let mut chain: Vec<&Profile> = Vec::new();
    let mut current = name;
    // From the named profile down to the one whose credentials start the chain.
    let source = loop {
        let profile = profiles
            .get_profile(current)
            .ok_or_else(|| format!("profile `{current}` does not exist"))?;
        let role = profile.get("role_arn");
        if role.is_none() || profile.get("web_identity_token_file").is_some() {
            break profile_provider(current);
        }
        chain.push(profile);
        match (
            profile.get("source_profile"),
            profile.get("credential_source"),
        ) {
            (Some(next), _) if next == current => break static_keys(profile)?,
            (Some(next), _) => {
                if chain.len() > MAX_PROFILE_CHAIN {
                    return Err(format!(
                        "the source_profile chain of profile `{name}` loops or is too long"
                    ));
                }
                current = next;
            }
            (None, Some(credential_source)) => break named_source(credential_source)?,
            (None, None) => {
                return Err(format!(
                    "profile `{current}` has a role_arn but neither source_profile nor \
                     credential_source"
                ))
            }
        }
    };
    let mut credentials = source;
    for profile in chain.into_iter().rev() {
        let role = profile.get("role_arn").unwrap_or_default();
        let mut builder = aws_config::sts::AssumeRoleProvider::builder(role)
            .session_name(profile.get("role_session_name").unwrap_or("lockward"));
        if let Some(id) = profile.get("external_id") {
            builder = builder.external_id(id);
        }
        let config = base.to_builder().credentials_provider(credentials).build();
        credentials = SharedCredentialsProvider::new(builder.configure(&config).build().await);
    }
    Ok(credentials)
}

/// The SDK's provider for one profile (keys, SSO, credential_process, web identity).
fn profile_provider(name: &str) -> SharedCredentialsProvider {
    SharedCredentialsProvider::new(
        aws_config::profile::ProfileFileCredentialsProvider::builder()
            .profile_name(name)
            .build(),
    )
}

/// The keys written in `profile` itself (a role profile whose source_profile is itself).
fn static_keys(profile: &Profile) -> Result<SharedCredentialsProvider, String> {
    match (
        profile.get("aws_access_key_id"),
        profile.get("aws_secret_access_key"),
    ) {
        (Some(akid), Some(secret)) => Ok(SharedCredentialsProvider::new(
            aws_credential_types::Credentials::new(
                akid,
                secret,
                profile.get("aws_session_token").map(str::to_string),
                None,
                "lockward-profile",
            ),
        )),
        _ => Err(format!(
            "profile `{}` is its own source_profile but holds no aws_access_key_id and \
             aws_secret_access_key",
            profile.name()
        )),
    }
}

/// A role profile's `credential_source`.
fn named_source(source: &str) -> Result<SharedCredentialsProvider, String> {
    match source {
        "Environment" => Ok(SharedCredentialsProvider::new(
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        )),
        "Ec2InstanceMetadata" => Ok(SharedCredentialsProvider::new(
            aws_config::imds::credentials::ImdsCredentialsProvider::builder().build(),
        )),
        "EcsContainer" => Ok(SharedCredentialsProvider::new(
            aws_config::ecs::EcsCredentialsProvider::builder().build(),
        )),
        other => Err(format!(
            "credential_source `{other}` is not one of Environment, Ec2InstanceMetadata, \
             EcsContainer"
        )),
    }
}

/// Credentials that cannot be had, and say why: used instead of falling back to other ones.
#[derive(Debug)]
struct Unusable(String);

impl ProvideCredentials for Unusable {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(Err(CredentialsError::not_loaded(self.0.clone())))
    }
}

/// Classifies an SDK error: AWS's answer (rejected), an unknown outcome (ambiguous), or a call
/// that never left (not sent).
pub(crate) fn classify<E, R>(err: SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + HasStatus + 'static,
{
    // Credentials are resolved before a request is sent: their failure means nothing left.
    if let Some(credentials) = credentials_error(&err) {
        return credentials_words(credentials);
    }
    // A connection that was never made sent nothing: say so in words, not the SDK's dump.
    if let SdkError::DispatchFailure(_) = &err {
        if let Some(reason) = connect_failure(&err) {
            return AwsError {
                class: ErrorClass::NotSent,
                code: None,
                message: format!("could not connect ({reason})"),
            };
        }
    }
    if let SdkError::TimeoutError(_) = &err {
        return AwsError {
            class: ErrorClass::Ambiguous,
            code: None,
            message: "no answer in time (the call timed out)".to_string(),
        };
    }
    let code = err.code().map(str::to_string);
    let message = match (err.message(), &err) {
        (Some(message), _) => message.to_string(),
        // An answer without an error code or message (a HEAD request's errors have no body):
        // its HTTP status is all there is to say, never the SDK's dump of the response.
        (None, SdkError::ServiceError(s)) => format!(
            "AWS answered HTTP {} with no error code or message",
            s.raw().status_code()
        ),
        (None, _) => DisplayErrorContext(&err).to_string(),
    };
    let class = match &err {
        SdkError::ConstructionFailure(_) => ErrorClass::NotSent,
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => ErrorClass::Ambiguous,
        SdkError::DispatchFailure(d) if d.is_user() => ErrorClass::NotSent,
        SdkError::DispatchFailure(_) => ErrorClass::Ambiguous,
        SdkError::ServiceError(s) if s.raw().status_code() >= 500 => ErrorClass::Ambiguous,
        SdkError::ServiceError(_) => ErrorClass::Rejected,
        _ => ErrorClass::Ambiguous,
    };
    AwsError {
        class,
        code,
        message,
    }
}

/// Why a connection could not be made, when that is what happened: an OS error that means no
/// byte reached the server (refused, unreachable, no such host), found in `err`'s sources.
pub(crate) fn connect_failure(err: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            match io.kind() {
                ConnectionRefused => return Some("connection refused"),
                HostUnreachable | NetworkUnreachable => return Some("host unreachable"),
                AddrNotAvailable => return Some("address not available"),
                _ => {}
            }
        }
        let text = e.to_string().to_ascii_lowercase();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return Some("host name not found");
        }
        current = e.source();
    }
    None
}

/// A credentials failure in words: AWS's own code and message when a call behind it (an
/// AssumeRole) was refused, a short list of what was tried when nothing was found, else the
/// chain of causes.
pub(crate) fn credentials_words(err: &(dyn std::error::Error + 'static)) -> AwsError {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(meta) = e.downcast_ref::<aws_smithy_types::error::ErrorMetadata>() {
            let code = meta.code().unwrap_or("an error");
            return AwsError {
                class: ErrorClass::NotSent,
                code: None,
                message: format!(
                    "no usable AWS credentials: AWS refused to issue them ({code}): {}",
                    meta.message().unwrap_or("no message")
                ),
            };
        }
        current = e.source();
    }
    let chain = display_chain(err);
    let message = if chain.contains("no credentials found in chain") {
        "no usable AWS credentials: none found (tried the environment, the shared config and credentials files, web identity, ECS and EC2 instance metadata)".to_string()
    } else {
        format!("no usable AWS credentials: {chain}")
    };
    AwsError {
        class: ErrorClass::NotSent,
        code: None,
        message,
    }
}

/// `err` and its sources in words, each source left out when its parent already says it.
fn display_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut current = err.source();
    while let Some(e) = current {
        let more = e.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        current = e.source();
    }
    text
}

/// The credentials failure somewhere in `err`'s chain of sources, if that is what it is.
fn credentials_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a aws_credential_types::provider::error::CredentialsError> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(found) =
            e.downcast_ref::<aws_credential_types::provider::error::CredentialsError>()
        {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// The HTTP status of a raw response.
pub(crate) trait HasStatus {
    fn status_code(&self) -> u16;
}

impl HasStatus for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

pub(crate) fn timestamp_from_smithy(t: &aws_smithy_types::DateTime) -> Option<Timestamp> {
    Timestamp::new(t.secs(), t.subsec_nanos() as i32).ok()
}

pub(crate) struct SdkSts(pub(crate) Lazy<aws_sdk_sts::Client>);

/// A service client built on its first use. Building one costs CPU (its runtime plugins and
/// components are assembled and checked), and a provider's calls use one or two of its
/// services: at an organisation's hundreds of providers, building every service's client up
/// front was most of the setup.
pub(crate) struct Lazy<C> {
    config: SdkConfig,
    make: fn(&SdkConfig) -> C,
    client: std::sync::OnceLock<C>,
}

impl<C> Lazy<C> {
    pub(crate) fn new(config: &SdkConfig, make: fn(&SdkConfig) -> C) -> Lazy<C> {
        Lazy {
            config: config.clone(),
            make,
            client: std::sync::OnceLock::new(),
        }
    }
}

impl<C> std::ops::Deref for Lazy<C> {
    type Target = C;

    fn deref(&self) -> &C {
        self.client.get_or_init(|| (self.make)(&self.config))
    }
}

#[async_trait]
impl StsApi for SdkSts {
    async fn caller_identity(&self) -> Result<CallerIdentity, AwsError> {
        let out = self
            .0
            .get_caller_identity()
            .send()
            .await
            .map_err(classify)?;
        Ok(CallerIdentity {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
        })
    }
}

// ---- discovery (ListVaults, ListRules): read-only calls for `lockward report` ---------------
