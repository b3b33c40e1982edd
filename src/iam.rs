//! `lockward iam-policy`: the IAM policy a config needs for `plan`, `apply` or `report`, made
//! from what each kind declares (its reads, each of its actions' calls, its discovery) and
//! from what the config itself names (the roles its providers assume, the S3 state's objects).
//! Nothing here reads AWS.
//!
//! With a provider ([`Scope::Provider`]) the policy is that provider's own identity's, the role
//! it assumes for a template's every member account: the kinds of the resources made with it,
//! the Organizations listing if it reads an account set, the state if it keeps it; not the
//! roles lockward assumes (the credentials it starts from assume them). [`trust_policy`] is the
//! trust policy such a role needs.
//!
//! The kinds' statements name `*` as the resource: their ARNs need the account, which only
//! AWS can say (a vault's `arn:aws:glacier:REGION:ACCOUNT:vaults/NAME`); the state's objects
//! and the assumed roles are named exactly. `sts:GetCallerIdentity`, which every command calls,
//! needs no permission.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::config::{Backend, Config};
use crate::vocabulary::Kind;

/// The command a policy is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Use {
    Plan,
    Apply,
    Report,
}

/// Whose policy: everything lockward's run calls, or one provider's identity's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    Everything,
    /// A provider or a provider template, by name (checked with [`check_provider`]).
    Provider(&'a str),
}

impl Scope<'_> {
    /// Whether `provider` of `config` acts as the scope's identity: it is the provider, or
    /// an instance of the template, named.
    fn holds(&self, config: &Config, provider: &str) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Provider(name) => {
                *name == provider
                    || config
                        .providers
                        .get(provider)
                        .and_then(|p| p.instance_of.as_ref())
                        .is_some_and(|i| i.template == *name)
            }
        }
    }
}

/// An error when `name` is neither a provider nor a provider template of `config`.
pub fn check_provider(config: &Config, name: &str) -> Result<(), String> {
    if config.providers.contains_key(name) || config.templates.contains_key(name) {
        return Ok(());
    }
    if let Some(template) = name
        .split_once('[')
        .map(|(t, _)| t)
        .filter(|t| config.templates.contains_key(*t))
    {
        return Err(format!(
            "--provider {name}: the instances of provider template `{template}` are known once its accounts are read, and iam-policy reads nothing\nhint: `--provider {template}` prints the policy the role needs in every one of its accounts"
        ));
    }
    let names = config
        .providers
        .iter()
        .filter(|(_, p)| p.instance_of.is_none())
        .map(|(n, _)| n)
        .chain(config.templates.keys());
    let closest = names
        .map(|n| (strsim::jaro_winkler(name, n), n))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| format!("; the closest is `{n}`"))
        .unwrap_or_default();
    Err(format!(
        "--provider {name}: the config declares no provider or provider template named `{name}`\nhint: name one under `providers:`{closest}"
    ))
}

/// The kinds of the resources made with `scope`'s provider (a template's: its instances').
fn kinds_of(config: &Config, scope: Scope<'_>) -> BTreeSet<Kind> {
    let plain = config
        .resources
        .iter()
        .filter(|r| !config.templated.contains_key(&r.address.declared()))
        .filter(|r| scope.holds(config, &r.provider))
        .map(|r| r.address.kind);
    let templated = config
        .templated
        .iter()
        .filter(|(_, template)| scope.holds(config, template))
        .map(|(address, _)| address.kind);
    plain.chain(templated).collect()
}

/// The policy document (`Version` and `Statement`), each statement with a `Sid` that says
/// what it is for; statements with nothing to allow are left out.
pub fn policy(config: &Config, command: Use, scope: Scope<'_>) -> Value {
    let kinds = kinds_of(config, scope);
    let mut statements = Vec::new();

    let read: BTreeSet<&str> = kinds
        .iter()
        .flat_map(|k| k.read_permissions().iter().copied())
        .collect();
    statements.push(statement("ReadDeclaredLocks", &read, vec!["*".into()]));
    if command == Use::Apply {
        let write: BTreeSet<&str> = kinds.iter().flat_map(|k| k.write_permissions()).collect();
        statements.push(statement("ChangeDeclaredLocks", &write, vec!["*".into()]));
    }
    if command == Use::Report {
        // Discovery looks for every kind the config uses with every provider it reads, so
        // each identity needs the discovery of them all.
        let discover: BTreeSet<&str> = kinds_of(config, Scope::Everything)
            .iter()
            .flat_map(|k| k.discover_permissions().iter().copied())
            .collect();
        statements.push(statement(
            "DiscoverUndeclaredLocks",
            &discover,
            vec!["*".into()],
        ));
    }

    // A template's role, in every account it reaches (whose members AWS Organizations says).
    let template_roles = config.templates.values().filter_map(|t| {
        t.assume_role
            .as_ref()
            .map(|r| r.role_arn.replacen("${account}", "*", 1))
    });
    let roles: BTreeSet<String> = used_providers(config)
        .filter(|p| {
            config
                .providers
                .get(*p)
                .is_none_or(|p| p.instance_of.is_none())
        })
        .filter_map(|p| {
            config
                .providers
                .get(p)?
                .assume_role
                .as_ref()
                .map(|r| r.role_arn.clone())
        })
        .chain(template_roles)
        .collect();
    // The account sets read from AWS Organizations, by their providers' credentials.
    if config
        .accounts
        .values()
        .filter_map(|s| s.organization_provider())
        .any(|p| scope.holds(config, p))
    {
        statements.push(statement(
            "ReadOrganizationMembers",
            &BTreeSet::from([
                "organizations:DescribeOrganization",
                "organizations:ListAccounts",
                "organizations:ListAccountsForParent",
                "organizations:ListOrganizationalUnitsForParent",
            ]),
            vec!["*".into()],
        ));
    }
    if scope == Scope::Everything {
        statements.push(statement(
            "AssumeProviderRoles",
            &BTreeSet::from(["sts:AssumeRole"]),
            roles.into_iter().collect(),
        ));
    }

    let state = config
        .backend
        .as_ref()
        .filter(|Backend::S3(s3)| scope.holds(config, &s3.provider));
    if let Some(Backend::S3(s3)) = state {
        let bucket = format!("arn:aws:s3:::{}", s3.bucket);
        let key = |suffix: &str| format!("{bucket}/{}{suffix}", s3.key);
        let journals = key(&format!("{}*", crate::state::s3::JOURNAL_INFIX));
        statements.push(statement(
            "ReadState",
            &BTreeSet::from(["s3:GetObject"]),
            vec![key(""), journals.clone()],
        ));
        statements.push(json!({
            "Sid": "ListStateJournals",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": [bucket.clone()],
            "Condition": {"StringLike": {"s3:prefix": [format!("{}{}*", s3.key, crate::state::s3::JOURNAL_INFIX)]}},
        }));
        if command == Use::Plan {
            // `plan` warns a reviewer of a state bucket without versioning or with Object Lock.
            statements.push(statement(
                "CheckStateBucket",
                &BTreeSet::from([
                    "s3:GetBucketObjectLockConfiguration",
                    "s3:GetBucketVersioning",
                ]),
                vec![bucket.clone()],
            ));
        }
        if command == Use::Apply {
            statements.push(statement(
                "WriteStateLockAndJournal",
                &BTreeSet::from(["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]),
                vec![
                    key(""),
                    key(crate::state::s3::LOCK_SUFFIX),
                    key(crate::state::s3::BACKUP_SUFFIX),
                    journals,
                ],
            ));
        }
    }

    let statements: Vec<Value> = statements
        .into_iter()
        .filter(|s| {
            s["Action"].as_array().is_some_and(|a| !a.is_empty())
                && s["Resource"].as_array().is_some_and(|r| !r.is_empty())
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The trust policy of the role `provider` (a provider or a template) assumes: `principal`
/// (an account id, for its root, or an ARN) may assume it, with the external id and the session
/// name lockward sends. An error when the provider assumes no role.
pub fn trust_policy(config: &Config, provider: &str, principal: &str) -> Result<Value, String> {
    let role = match config.templates.get(provider) {
        Some(template) => template.assume_role.as_ref(),
        None => config
            .providers
            .get(provider)
            .and_then(|p| p.assume_role.as_ref()),
    };
    let Some(role) = role else {
        return Err(format!(
            "--trust: provider `{provider}` assumes no role, so there is no trust policy to write\nhint: its own credentials need the policy `lockward iam-policy --provider {provider}` prints"
        ));
    };
    let principal = if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        format!("arn:aws:iam::{principal}:root")
    } else if principal.starts_with("arn:") && principal.split(':').count() >= 6 {
        principal.to_string()
    } else {
        return Err(format!(
            "--principal {principal}: expected an account id (12 digits) or an IAM ARN (arn:aws:iam::123456789012:role/ci)"
        ));
    };
    let mut conditions = serde_json::Map::new();
    if let Some(external_id) = &role.external_id {
        conditions.insert(
            "StringEquals".into(),
            json!({"sts:ExternalId": external_id}),
        );
    }
    // The session name lockward sends: the configured one, or `lockward-<user>` (`lockward`
    // alone when the OS names no user).
    let session = role
        .session_name
        .clone()
        .unwrap_or_else(|| "lockward*".to_string());
    conditions.insert("StringLike".into(), json!({"sts:RoleSessionName": session}));
    Ok(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "LockwardAssumesThisRole",
            "Effect": "Allow",
            "Principal": {"AWS": principal},
            "Action": "sts:AssumeRole",
            "Condition": conditions,
        }],
    }))
}

/// The providers the config's resources and its state backend use.
fn used_providers(config: &Config) -> impl Iterator<Item = &str> {
    let backend = config
        .backend
        .as_ref()
        .map(|Backend::S3(s3)| s3.provider.as_str());
    config
        .resources
        .iter()
        .map(|r| r.provider.as_str())
        .chain(backend)
        .collect::<BTreeSet<_>>()
        .into_iter()
}

fn statement(sid: &str, actions: &BTreeSet<&str>, resources: Vec<String>) -> Value {
    json!({
        "Sid": sid,
        "Effect": "Allow",
        "Action": actions.iter().collect::<Vec<_>>(),
        "Resource": resources,
    })
}
