//! Semantic checks of the raw config: pure (no file is read, no clock, no network) and
//! exhaustive (every problem is reported, not only the first). The small `check_*` functions
//! judge one value each; [`check_document`] applies them to a whole typed document and
//! locates every problem in the file. Reading policy files happens afterwards, in `load.rs`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use jiff::SignedDuration;

use super::error::{did_you_mean, Diagnostic, Source};
use super::model::{Backend, Policy, Provider, S3Backend};
use super::raw::{RawProvider, RawS3Backend};
use super::yaml::{Node, Span};
use crate::kinds::{Blocks, CheckedDesired};
use crate::vocabulary::{Address, Kind};

/// What a check of one value found wrong, and what to do about it: a [`Diagnostic`] not yet
/// located (the caller knows where the value is written).
pub(crate) type Check<T> = Result<T, Diagnostic>;

/// A resource or provider name: `[a-z][a-z0-9_]{0,63}`.
pub fn check_name(name: &str) -> Check<()> {
    if Address::is_valid_name(name) {
        return Ok(());
    }
    let problem = Diagnostic::new(format!(
        "`{name}` is not a valid name: names match [a-z][a-z0-9_]{{0,63}}"
    ));
    let fixed: String = name.to_lowercase().replace(['-', '.', ' '], "_");
    Err(if name.is_empty() {
        problem.hint("give it a name such as `audit`")
    } else if name.len() > 64 {
        problem.hint("names are at most 64 characters")
    } else if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        problem.hint("names start with a lowercase letter")
    } else if Address::is_valid_name(&fixed) {
        problem.hint(format!("did you mean `{fixed}`?"))
    } else {
        problem
    })
}

/// An S3 bucket name, by S3's naming rules for general purpose buckets: 3 to 63 of
/// `a-z 0-9 . -`, starting and ending with a letter or a digit, no two adjacent periods, not an
/// IP address, none of the prefixes and suffixes S3 reserves.
pub fn check_bucket(bucket: &str) -> Check<()> {
    let len = bucket.chars().count();
    if !(3..=63).contains(&len) {
        return Err(Diagnostic::new(format!(
            "the bucket name `{bucket}` is {len} characters long; S3 bucket names are 3 to 63"
        )));
    }
    if let Some(c) = bucket
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-')))
    {
        let problem = Diagnostic::new(format!("the bucket name `{bucket}` contains {c:?}"));
        let fixed = bucket.to_ascii_lowercase().replace(['_', ' '], "-");
        // Only a name the fix changed is checked again (once: the fix of a fixed name is
        // itself), so a character the fix leaves alone cannot recurse for ever.
        return Err(if fixed != bucket && check_bucket(&fixed).is_ok() {
            problem.hint(format!(
                "S3 bucket names use only lowercase letters, digits, `.` and `-`: did you mean `{fixed}`?"
            ))
        } else {
            problem.hint("S3 bucket names use only lowercase letters, digits, `.` and `-`")
        });
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge(bucket.chars().next()) || !edge(bucket.chars().last()) {
        return Err(Diagnostic::new(format!(
            "the bucket name `{bucket}` must start and end with a letter or a digit"
        )));
    }
    if bucket.contains("..") {
        return Err(Diagnostic::new(format!(
            "the bucket name `{bucket}` has two adjacent periods"
        )));
    }
    if bucket.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(Diagnostic::new(format!(
            "the bucket name `{bucket}` is formatted as an IP address, which S3 refuses"
        )));
    }
    const PREFIXES: [&str; 4] = ["xn--", "sthree-", "sthree-configurator", "amzn-s3-demo-"];
    const SUFFIXES: [&str; 5] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
    if let Some(p) = PREFIXES.iter().find(|p| bucket.starts_with(**p)) {
        return Err(Diagnostic::new(format!(
            "the bucket name `{bucket}` starts with `{p}`, a prefix S3 reserves"
        )));
    }
    if let Some(x) = SUFFIXES.iter().find(|x| bucket.ends_with(**x)) {
        return Err(Diagnostic::new(format!(
            "the bucket name `{bucket}` ends with `{x}`, a suffix S3 reserves"
        )));
    }
    Ok(())
}

/// The key of the state object in an S3 backend: 1 to 960 bytes (room for the `.journal/…`
/// keys beside it within S3's 1024), no leading `/`, not ending in `/`, no `//`, and no control
/// characters.
pub fn check_state_key(key: &str) -> Check<()> {
    if key.is_empty() || key.len() > 960 {
        return Err(Diagnostic::new(format!(
            "the state key is {} bytes long; it must be 1 to 960",
            key.len()
        ))
        .hint("e.g. `key: prod/lockward.state.json`"));
    }
    if key.starts_with('/') || key.ends_with('/') || key.contains("//") {
        let fixed = key
            .split('/')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        let problem = Diagnostic::new(format!(
            "the state key `{key}` has an empty path segment (a leading, trailing or doubled `/`)"
        ));
        return Err(if fixed.is_empty() {
            problem.hint("e.g. `key: prod/lockward.state.json`")
        } else {
            problem.hint(format!("did you mean `{fixed}`?"))
        });
    }
    if key.chars().any(char::is_control) {
        return Err(Diagnostic::new(
            "the state key contains a control character",
        ));
    }
    // The objects beside a state: its lock, its backup and its runs' journals. A state key
    // that is one of another state's would let two states in one bucket write each other's.
    if let Some(x) = [".lock", ".backup"].iter().find(|x| key.ends_with(**x)) {
        return Err(Diagnostic::new(format!(
            "the state key `{key}` ends in `{x}`, the name lockward gives the objects beside \
             a state (`<key>.lock`, `<key>.backup`): it could be another state's"
        ))
        .hint("choose a key that ends otherwise, e.g. `prod/lockward.state.json`"));
    }
    if key.contains(".journal/") {
        return Err(Diagnostic::new(format!(
            "the state key `{key}` holds `.journal/`, where lockward keeps a state's journals \
             (`<key>.journal/<run>.jsonl`): it could be another state's"
        ))
        .hint("choose a key without `.journal/`, e.g. `prod/lockward.state.json`"));
    }
    if key.split('/').any(|p| p == "." || p == "..") {
        return Err(Diagnostic::new(format!(
            "the state key `{key}` has a `.` or `..` segment, which S3 keeps literally and tools read as a path"
        )));
    }
    Ok(())
}

/// A plausible AWS region name such as `us-east-1`, `us-gov-west-1` or `eusc-de-east-1`.
pub fn check_region(region: &str) -> Check<()> {
    let plausible = |r: &str| {
        let parts: Vec<&str> = r.split('-').collect();
        parts.len() >= 3
            && (2..=4).contains(&parts[0].len())
            && parts[..parts.len() - 1]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
            && parts.last().is_some_and(|n| {
                (1..=2).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit())
            })
    };
    if plausible(region) {
        return Ok(());
    }
    let problem = Diagnostic::new(format!("`{region}` is not an AWS region name"));
    let lower = region.to_lowercase();
    let without_zone = region.trim_end_matches(|c: char| c.is_ascii_lowercase());
    Err(if region != lower && plausible(&lower) {
        problem.hint(format!("region names are lowercase: `{lower}`"))
    } else if without_zone != region && plausible(without_zone) {
        problem.hint(format!(
            "`{region}` is an availability zone; its region is `{without_zone}`"
        ))
    } else {
        problem.hint("regions look like `us-east-1` or `eu-west-1`")
    })
}

/// An http or https URL with a host and no credentials in it.
pub fn check_endpoint_url(text: &str) -> Check<()> {
    let url = url::Url::parse(text).map_err(|e| {
        let problem = Diagnostic::new(format!("`{text}` is not a valid URL: {e}"));
        if e == url::ParseError::RelativeUrlWithoutBase {
            problem.hint(format!("include the scheme: `http://{text}`"))
        } else {
            problem
        }
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(
            Diagnostic::new(format!("`{text}` is not an http or https URL"))
                .hint("endpoints look like `http://127.0.0.1:4566`"),
        );
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Diagnostic::new(format!("`{text}` has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Diagnostic::new("the endpoint URL holds credentials").hint(
            "credentials never belong in the config file; they come from the standard AWS chain",
        ));
    }
    Ok(())
}

/// `arn:<partition>:iam::<12 digits>:role/<path/><name>`.
pub fn check_role_arn(arn: &str) -> Check<()> {
    let problem = || {
        Diagnostic::new(format!("`{arn}` is not an IAM role ARN"))
            .hint("role ARNs look like `arn:aws:iam::123456789012:role/lockward`")
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [scheme, partition, service, region, account, resource] = parts[..] else {
        return Err(problem());
    };
    let partition_ok = partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        });
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let role_ok = resource.strip_prefix("role/").is_some_and(|r| {
        let name = r.rsplit('/').next().unwrap_or("");
        !name.is_empty()
            && name.len() <= 64
            && r.len() <= 512
            && r.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_/-".contains(&b))
    });
    if scheme == "arn"
        && partition_ok
        && service == "iam"
        && region.is_empty()
        && account_ok
        && role_ok
    {
        Ok(())
    } else {
        Err(problem())
    }
}

/// A profile name: not empty, no control characters.
pub fn check_profile(profile: &str) -> Check<()> {
    if profile.trim().is_empty() {
        return Err(Diagnostic::new("the profile name is empty")
            .hint("remove `profile:` to use the default credential chain"));
    }
    if profile.chars().any(char::is_control) || profile.trim() != profile {
        return Err(Diagnostic::new(format!(
            "the profile name {profile:?} has spaces at its ends or control characters"
        )));
    }
    Ok(())
}

/// A duration written as the config writes it: units `d`, `h`, `m`, `s` in that order, each
/// at most once, e.g. `90m`, `2h`, `1d`, `1h30m`.
pub fn parse_duration(text: &str) -> Check<SignedDuration> {
    let problem = || {
        Diagnostic::new(format!("`{text}` is not a duration"))
            .hint("durations look like `90m`, `2h`, `1d` or `1h30m`")
    };
    if text.is_empty() {
        return Err(problem());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(problem().hint(format!(
            "add a unit: `{text}m` (minutes), `{text}h` (hours) or `{text}d` (days)"
        )));
    }
    let mut rest = text;
    let mut total: i64 = 0;
    let mut last_unit = usize::MAX;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 6 {
            return Err(problem());
        }
        let n: i64 = rest[..digits].parse().map_err(|_| problem())?;
        let unit = rest[digits..].chars().next().ok_or_else(problem)?;
        let Some(rank) = ['d', 'h', 'm', 's'].iter().position(|&u| u == unit) else {
            return Err(problem());
        };
        if last_unit != usize::MAX && rank <= last_unit {
            return Err(problem());
        }
        last_unit = rank;
        total += n * [86_400, 3_600, 60, 1][rank];
        rest = &rest[digits + 1..];
    }
    Ok(SignedDuration::from_secs(total))
}

/// The hint for a duplicate key in a policy.
pub(crate) const DUPLICATE_POLICY_KEY_HINT: &str =
    "each key appears once in a JSON object (AWS would keep only one of the values): remove the other";

/// A path that names a file: not empty, not ending in `/`, `.` or `..`.
pub fn check_file_path(text: &str) -> Check<()> {
    if text.trim().is_empty() {
        return Err(Diagnostic::new("the path is empty"));
    }
    if text.contains('\0') {
        return Err(Diagnostic::new("the path contains a NUL character"));
    }
    if text.ends_with('/')
        || text.ends_with(std::path::MAIN_SEPARATOR)
        || !matches!(
            Path::new(text).components().next_back(),
            Some(Component::Normal(_))
        )
    {
        return Err(
            Diagnostic::new(format!("`{text}` names a directory, not a file"))
                .hint("name the file, e.g. `secrets/site-a.code`"),
        );
    }
    Ok(())
}

/// `path` resolved against `dir` (absolute paths stay as they are), without `.` components.
pub fn resolve_path(dir: &Path, path: &str) -> PathBuf {
    let joined = if Path::new(path).is_absolute() {
        PathBuf::from(path)
    } else {
        dir.join(path)
    };
    joined
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// `path` with `.` and `..` resolved lexically, for comparing absolute paths.
pub fn normalize_lexically(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The files a state file brings with it: the file itself, its backup, its lock and its
/// journal. An unlock code must never be delivered over any of them.
pub fn state_files(state: &Path) -> [PathBuf; 4] {
    let with = |suffix: &str| {
        let mut s = state.as_os_str().to_os_string();
        s.push(suffix);
        PathBuf::from(s)
    };
    [
        state.to_path_buf(),
        with(".backup"),
        with(".lock"),
        with(".journal.jsonl"),
    ]
}

// ---------------------------------------------------------------------------------------------
// The whole document.

/// One declared provider or resource: its name and key, its YAML node, and its typed raw
/// value (`None` when typing failed; the typing errors are already reported).
pub(crate) struct Declared<'a, T> {
    pub name: &'a str,
    pub key: &'a Node,
    pub node: &'a Node,
    pub raw: Option<T>,
}

impl<T> Declared<'_, T> {
    /// Where every kind's checks of a block start: the block's address as a resource of
    /// `kind`, and the problem with its name, if any.
    pub(crate) fn resource(&self, kind: Kind) -> (Address, Vec<(Span, Diagnostic)>) {
        let problems = check_name(self.name.split('[').next().unwrap_or_default())
            .err()
            .map(|e| (self.key.span, e))
            .into_iter()
            .collect();
        // An instance of a template is declared as `<name>[<account>/<region>]`.
        match self.name.split_once('[') {
            Some((name, key)) => (
                Address::new(kind, name).instance(key.trim_end_matches(']').to_string()),
                problems,
            ),
            None => (Address::new(kind, self.name), problems),
        }
    }

    /// The span of the value of `field`, or of the declaration's key when the field is absent.
    pub(crate) fn value_span(&self, field: &str) -> Span {
        self.node.get(field).map_or(self.key.span, |(_, v)| v.span)
    }

    pub(crate) fn key_span(&self, field: &str) -> Span {
        self.node.get(field).map_or(self.key.span, |(k, _)| k.span)
    }
}

impl Declared<'_, RawProvider> {
    /// Where `assume_role`'s `field` is written (`""`: the value itself, an ARN or a mapping),
    /// or the provider's key when it has no `assume_role`.
    pub(crate) fn role_span(&self, field: &str) -> Span {
        match (self.node.get("assume_role"), field) {
            (Some((_, v)), "") => v.span,
            (Some((_, v)), f) => v.get(f).map_or(v.span, |(_, x)| x.span),
            (None, _) => self.key.span,
        }
    }
}

/// The typed document, before semantic checks.
pub(crate) struct RawDocument<'a> {
    pub providers: Vec<Declared<'a, RawProvider>>,
    /// The providers made from templates, one per account and region.
    pub instances: Vec<Provider>,
    /// Each kind's blocks.
    pub blocks: Blocks<'a>,
    /// `backend:`, its `s3:` mapping as the node (the key is `backend`'s).
    pub backend: Option<Declared<'a, RawS3Backend>>,
}

/// Where the config file is, for resolving and comparing paths. All absolute paths are
/// lexically normalized.
pub(crate) struct PathContext<'a> {
    /// The config file's directory as relative paths are resolved against (may be relative).
    pub dir: &'a Path,
    /// The same directory, absolute.
    pub dir_abs: &'a Path,
    /// The config file, absolute.
    pub config_abs: &'a Path,
    /// The state file as the user names it (or its default place), for messages.
    pub state: &'a Path,
    /// The state file, absolute.
    pub state_abs: &'a Path,
}

/// Where a resource's policy comes from, after the pure checks.
#[derive(Debug)]
pub(crate) enum PolicySource {
    Inline(Policy),
    File(PolicyFile),
}

/// A policy file still to be read: its resolved path, the span of the value that names it,
/// and the check the policy in it must pass (the kind's).
#[derive(Debug)]
pub(crate) struct PolicyFile {
    pub path: PathBuf,
    pub span: Span,
    pub check: fn(Policy) -> Check<Policy>,
}

/// A resource that passed the pure checks, its policy possibly still to be read.
#[derive(Debug)]
pub(crate) struct Checked {
    pub address: Address,
    pub provider: String,
    pub desired: CheckedDesired,
}

/// The result of the pure stage: the providers and resources that passed, and every problem
/// found. The config is valid only if `diagnostics` is empty after the resolved stage too.
pub(crate) struct CheckedDocument {
    pub providers: BTreeMap<String, Provider>,
    pub backend: Option<Backend>,
    pub resources: Vec<Checked>,
    /// Policy files of resources that failed other checks: read only to report their
    /// problems too.
    pub other_policy_files: Vec<(Address, PolicyFile)>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Applies every semantic check to `doc`, locating each problem in `source`.
pub(crate) fn check_document(
    doc: &RawDocument<'_>,
    source: &Source<'_>,
    paths: &PathContext<'_>,
) -> CheckedDocument {
    let mut cx = Checker {
        source,
        paths,
        doc,
        out: CheckedDocument {
            providers: BTreeMap::new(),
            backend: None,
            resources: Vec::new(),
            other_policy_files: Vec::new(),
            diagnostics: Vec::new(),
        },
        declared_providers: doc
            .providers
            .iter()
            .filter(|p| p.raw.as_ref().is_none_or(|r| r.for_each.is_none()))
            .map(|p| p.name)
            .chain(doc.instances.iter().map(|p| p.name.as_str()))
            .collect(),
        seen_targets: HashMap::new(),
    };

    // Providers.
    for p in &doc.providers {
        let subject = format!("providers.{}", p.name);
        let mut problems = Vec::new();
        if let Err(e) = check_name(p.name) {
            problems.push((p.key.span, e));
        }
        if p.raw.as_ref().is_some_and(|r| r.for_each.is_some()) {
            // A template: checked with the account sets (`templates.rs`).
            continue;
        }
        if let Some(raw) = &p.raw {
            match &raw.region {
                Some(region) => {
                    if let Err(e) = check_region(region) {
                        problems.push((p.value_span("region"), e));
                    }
                }
                None => problems.push((
                    p.key.span,
                    Diagnostic::new("missing `region`")
                        .hint("add `region: us-east-1` (the region is never taken from the environment), or `for_each` to make it a template"),
                )),
            }
            if let Some(Err(e)) = raw.profile.as_deref().map(check_profile) {
                problems.push((p.value_span("profile"), e));
            }
            if let Some(Err(e)) = raw.endpoint_url.as_deref().map(check_endpoint_url) {
                problems.push((p.value_span("endpoint_url"), e));
            }
            let role_span = |f: &str| p.role_span(f);
            let assume_role = raw.assume_role.as_ref().map(|role| {
                super::expand::check_assume_role(role, false, &role_span, &mut problems)
            });
            if problems.is_empty() {
                cx.out.providers.insert(
                    p.name.to_string(),
                    Provider {
                        name: p.name.to_string(),
                        region: raw.region.clone().unwrap_or_default(),
                        profile: raw.profile.clone(),
                        endpoint_url: raw.endpoint_url.clone(),
                        assume_role: assume_role.flatten(),
                        instance_of: None,
                    },
                );
            }
        }
        cx.report_all(&subject, problems);
    }

    // The instances of template providers, checked with their templates.
    for p in &doc.instances {
        cx.out.providers.insert(p.name.clone(), p.clone());
    }

    // The backend.
    if let Some(b) = &doc.backend {
        let subject = "backend.s3";
        let mut problems = Vec::new();
        if let Some(raw) = &b.raw {
            if let Err(e) = check_bucket(&raw.bucket) {
                problems.push((b.value_span("bucket"), e));
            }
            if let Err(e) = check_state_key(&raw.key) {
                problems.push((b.value_span("key"), e));
            }
            if let Some(owner) = &raw.expected_owner {
                if owner.len() != 12 || !owner.bytes().all(|c| c.is_ascii_digit()) {
                    problems.push((
                        b.value_span("expected_owner"),
                        Diagnostic::new(format!(
                            "`{owner}` is not an AWS account id (12 digits)"
                        ))
                        .hint("name the account that owns the bucket, e.g. `expected_owner: \"123456789012\"`"),
                    ));
                }
            }
            let provider = cx.provider_of(raw.provider.as_deref()).map_err(|e| match raw.provider {
                None => Diagnostic::new(
                    "the backend names no provider and no `default` provider is declared",
                )
                .hint("add `provider: <name>` to `backend.s3`, naming the provider that reaches the bucket"),
                Some(_) => e,
            });
            match provider {
                Ok(provider) if problems.is_empty() => {
                    cx.out.backend = Some(Backend::S3(S3Backend {
                        bucket: raw.bucket.clone(),
                        key: raw.key.clone(),
                        provider,
                        expected_owner: raw.expected_owner.clone(),
                    }))
                }
                Ok(_) => {}
                Err(e) => problems.push((b.value_span("provider"), e)),
            }
        }
        cx.report_all(subject, problems);
    }

    // Each kind's blocks, by the kind's own checks (its `config.rs`).
    doc.blocks.check(&mut cx);
    cx.out
}

/// What a kind's checks need from the document around its blocks: where problems are shown,
/// the providers, the resources already seen (two that manage one thing collide), and what
/// passed so far.
pub(crate) struct Checker<'c> {
    pub source: &'c Source<'c>,
    pub paths: &'c PathContext<'c>,
    doc: &'c RawDocument<'c>,
    pub out: CheckedDocument,
    declared_providers: Vec<&'c str>,
    seen_targets: HashMap<(Kind, String), (Address, Span)>,
}

/// A problem of `subject` shown at `span`.
pub(crate) fn located(
    source: &Source<'_>,
    subject: &str,
    span: Span,
    problem: Diagnostic,
) -> Diagnostic {
    problem.subject(subject).at(source, span)
}

impl Checker<'_> {
    /// Reports each of `problems` of `subject` where it is.
    pub(crate) fn report_all(&mut self, subject: &str, problems: Vec<(Span, Diagnostic)>) {
        let source = self.source;
        self.out.diagnostics.extend(
            problems
                .into_iter()
                .map(|(span, e)| located(source, subject, span, e)),
        );
    }

    /// The provider a resource uses, by name.
    pub(crate) fn provider_of(&self, name: Option<&str>) -> Check<String> {
        let declared_providers = &self.declared_providers;
        match name {
            Some(name) if declared_providers.contains(&name) => Ok(name.to_string()),
            Some(name) => {
                let problem = Diagnostic::new(format!("unknown provider `{name}`"));
                Err(match did_you_mean(name, declared_providers.iter().copied()) {
                    Some(close) => problem.hint(format!("did you mean `{close}`?")),
                    None if declared_providers.is_empty() => problem.hint(format!("declare it: `providers: {{ {name}: {{ region: us-east-1 }} }}`")),
                    None => problem.hint(format!("declared providers: {}", list(declared_providers))),
                })
            }
            None if declared_providers.contains(&"default") => Ok("default".to_string()),
            None => Err(Diagnostic::new("no provider: the resource names none and no `default` provider is declared").hint(
                "add `provider: <name>` to the resource, or declare `providers: { default: { region: us-east-1 } }` (the region is never taken from the environment)",
            )),
        }
    }

    /// What a provider reaches, as a comparable key: resources that reach the same thing
    /// through equal providers collide.
    pub(crate) fn target_of(&self, provider: &str) -> Option<String> {
        provider_target(provider, self.doc)
    }

    /// The error when `address` manages `target` (of `kind`) that another resource manages
    /// already; else remembers it.
    pub(crate) fn collide(
        &mut self,
        kind: Kind,
        target: String,
        address: &Address,
        span: Span,
        what: &str,
    ) -> Option<Diagnostic> {
        let source = self.source;
        match self.seen_targets.get(&(kind, target.clone())) {
            Some((first, first_span)) => Some(
                Diagnostic::new(format!("{what} is also managed by {first}"))
                    .subject(address.to_string())
                    .at(source, span)
                    .related(
                        source
                            .snippet(*first_span, Some("first managed here"))
                            .secondary(),
                    )
                    .hint(
                        "two resources managing one thing would fight over it: remove one of them",
                    ),
            ),
            None => {
                self.seen_targets
                    .insert((kind, target), (address.clone(), span));
                None
            }
        }
    }
}

/// A check of one string field.
type FieldCheck = fn(&str) -> Check<()>;

/// A resource block that did not type (a value of the wrong type, an unknown enum value):
/// its string fields are still checked one by one, so every error in the block is reported
/// at once. A field whose own value did not type is not a string here and is skipped (its
/// typing error is reported); checks across fields wait until the block types.
pub(crate) fn untyped_fields<T>(
    r: &Declared<'_, T>,
    checks: &[(&str, FieldCheck)],
    problems: &mut Vec<(Span, Diagnostic)>,
) {
    for (field, check) in checks {
        if let Some(text) = r.node.get(field).and_then(|(_, v)| v.as_str()) {
            if let Err(e) = check(text) {
                problems.push((r.value_span(field), e));
            }
        }
    }
}

/// What a provider reaches (region, endpoint, profile and role) as a comparable key. Two
/// providers with the same target are the same place.
fn provider_target(name: &str, doc: &RawDocument<'_>) -> Option<String> {
    if let Some(p) = doc.instances.iter().find(|p| p.name == name) {
        return Some(format!(
            "{:?}",
            (
                Some(&p.region),
                &p.endpoint_url,
                &p.profile,
                p.assume_role.as_ref().map(|r| &r.role_arn)
            )
        ));
    }
    let raw = doc
        .providers
        .iter()
        .find(|p| p.name == name)?
        .raw
        .as_ref()?;
    Some(format!(
        "{:?}",
        (
            &raw.region,
            &raw.endpoint_url,
            &raw.profile,
            raw.assume_role.as_ref().map(|r| r.role_arn())
        )
    ))
}

/// `` `a`, `b`, `c` ``
pub(crate) fn list(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint<T: std::fmt::Debug>(r: Check<T>) -> String {
        r.unwrap_err().hint.unwrap_or_default()
    }

    #[test]
    fn names() {
        assert!(check_name("audit_2").is_ok());
        assert!(check_name(&"a".repeat(64)).is_ok());
        assert!(check_name(&"a".repeat(65)).is_err());
        assert_eq!(hint(check_name("Audit-Logs")), "did you mean `audit_logs`?");
        assert_eq!(
            hint(check_name("2fa")),
            "names start with a lowercase letter"
        );
        assert!(check_name("").is_err());
    }

    #[test]
    fn regions() {
        for ok in [
            "us-east-1",
            "eu-west-1",
            "us-gov-west-1",
            "ap-southeast-3",
            "eusc-de-east-1",
            "cn-north-1",
        ] {
            assert!(check_region(ok).is_ok(), "{ok}");
        }
        assert!(hint(check_region("us-east-1a")).contains("`us-east-1`"));
        assert!(hint(check_region("US-EAST-1")).contains("`us-east-1`"));
        assert!(check_region("useast1").is_err());
        assert!(check_region("").is_err());
    }

    #[test]
    fn endpoint_urls() {
        assert!(check_endpoint_url("http://127.0.0.1:4566").is_ok());
        assert!(check_endpoint_url("https://aws.example.com/base").is_ok());
        assert!(
            hint(check_endpoint_url("localhost:4566")).is_empty()
                || check_endpoint_url("localhost:4566").is_err()
        );
        assert!(hint(check_endpoint_url("127.0.0.1:4566")).contains("http://"));
        assert!(check_endpoint_url("ftp://x").is_err());
        assert!(check_endpoint_url("http://user:pw@x")
            .unwrap_err()
            .message
            .contains("credentials"));
    }

    #[test]
    fn role_arns() {
        assert!(check_role_arn("arn:aws:iam::123456789012:role/lockward").is_ok());
        assert!(check_role_arn("arn:aws-us-gov:iam::123456789012:role/ops/lockward").is_ok());
        assert!(check_role_arn("arn:aws:iam::123456789012:user/bob").is_err());
        assert!(check_role_arn("arn:aws:iam::12345:role/x").is_err());
        assert!(check_role_arn("lockward").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("90m").unwrap(),
            SignedDuration::from_mins(90)
        );
        assert_eq!(parse_duration("2h").unwrap(), SignedDuration::from_hours(2));
        assert_eq!(
            parse_duration("1d").unwrap(),
            SignedDuration::from_hours(24)
        );
        assert_eq!(
            parse_duration("1h30m").unwrap(),
            SignedDuration::from_mins(90)
        );
        assert!(parse_duration("30m1h").is_err());
        assert!(parse_duration("1h1h").is_err());
        assert!(parse_duration("2 h").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("9999999999h").is_err());
        assert!(hint(parse_duration("90")).contains("`90m`"));
    }

    #[test]
    fn file_paths() {
        assert!(check_file_path("secrets/a.code").is_ok());
        assert!(check_file_path("secrets/").is_err());
        assert!(check_file_path("..").is_err());
        assert!(check_file_path("").is_err());
        assert_eq!(
            resolve_path(Path::new("cfg"), "./a/b"),
            PathBuf::from("cfg/a/b")
        );
        assert_eq!(resolve_path(Path::new(""), "a"), PathBuf::from("a"));
        assert_eq!(
            resolve_path(Path::new("cfg"), "/abs"),
            PathBuf::from("/abs")
        );
        assert_eq!(
            normalize_lexically(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
    }

    #[test]
    fn state_files_include_companions() {
        let files = state_files(Path::new("/x/lockward.state.json"));
        assert!(files.contains(&PathBuf::from("/x/lockward.state.json.journal.jsonl")));
        assert!(files.contains(&PathBuf::from("/x/lockward.state.json.backup")));
    }

    #[test]
    fn bucket_names_follow_s3_naming_rules() {
        for ok in ["abc", "acme-records-2026", "a.b-c", &"a".repeat(63)] {
            assert!(check_bucket(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ab",
            &"a".repeat(64),
            "Acme",
            "acme_records",
            "-acme",
            "acme.",
            "a..b",
            "192.168.5.4",
            "xn--acme",
            "amzn-s3-demo-x",
            "acme-s3alias",
            "acme--ol-s3",
        ] {
            assert!(check_bucket(bad).is_err(), "{bad}");
        }
        let hint = check_bucket("Acme_Records").unwrap_err().hint.unwrap();
        assert!(hint.contains("`acme-records`"), "{hint}");
        // Characters no fix removes end in a plain hint, not in a search for a fix.
        for bad in [
            "acme-re\"ords",
            "Acme\"X",
            "a\u{e9}b",
            "acme/records",
            "UPPER\"_x",
        ] {
            let hint = check_bucket(bad).unwrap_err().hint.unwrap();
            assert!(!hint.contains("did you mean"), "{bad}: {hint}");
        }
    }
}
