//! `lockward iam-policy`: the IAM policy a config needs for `plan`, `apply` or `report`, made
//! from what each kind declares (its reads, each of its actions' calls, its discovery) and
//! from what the config itself names (the roles its providers assume, the S3 state's objects).
//! Nothing here reads AWS.
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

/// The policy document (`Version` and `Statement`), each statement with a `Sid` that says
/// what it is for; statements with nothing to allow are left out.
pub fn policy(config: &Config, command: Use) -> Value {
    let kinds: BTreeSet<Kind> = config.resources.iter().map(|r| r.address.kind).collect();
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
        let discover: BTreeSet<&str> = kinds
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
        .any(|s| s.organization_provider().is_some())
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
    statements.push(statement(
        "AssumeProviderRoles",
        &BTreeSet::from(["sts:AssumeRole"]),
        roles.into_iter().collect(),
    ));

    if let Some(Backend::S3(s3)) = &config.backend {
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
