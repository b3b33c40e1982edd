//! AWS Organizations, read-only, for the account sets a config reads there (DESIGN.md
//! section 2.1): the awsJson1.1 protocol (`POST /`, `X-Amz-Target:
//! AWSOrganizationsV20161128.<Op>`) over [`SignedHttp`], four operations, no SDK crate.
//!
//! A set's members are found by walking the tree from each parent: a root's accounts by
//! ListAccounts, a unit's by ListAccountsForParent and its child units by
//! ListOrganizationalUnitsForParent, every page until `NextToken` is absent (an empty page with
//! a `NextToken` included). Only `State == ACTIVE` accounts count. Any failed call fails the
//! whole set: never a partial set.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use serde_json::{json, Value};

use super::signed::SignedHttp;
use super::{AwsError, ErrorClass};
use crate::config::{AccountSource, Config, Member, Membership, OrganizationFacts, SetMembers};

/// One account as a listing answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    pub state: String,
}

/// The calls lockward makes to AWS Organizations.
#[async_trait]
pub trait OrganizationsApi: Send + Sync {
    /// The organisation's id and management account.
    async fn describe_organization(&self) -> Result<(String, String), AwsError>;
    /// One page of accounts: of the whole organisation (`parent` `None`) or of one parent.
    async fn list_accounts(
        &self,
        parent: Option<&str>,
        token: Option<&str>,
    ) -> Result<(Vec<OrgAccount>, Option<String>), AwsError>;
    /// One page of the units directly under `parent`: their ids.
    async fn list_units(
        &self,
        parent: &str,
        token: Option<&str>,
    ) -> Result<(Vec<String>, Option<String>), AwsError>;
}

/// The JSON client.
pub struct JsonOrganizations {
    http: SignedHttp,
}

impl JsonOrganizations {
    /// A client with `config`'s credentials, sending to `endpoint` or to AWS Organizations'
    /// global endpoint (signed for us-east-1).
    pub fn new(config: &aws_types::SdkConfig, endpoint: Option<String>) -> JsonOrganizations {
        let (region, endpoint) = match endpoint {
            Some(e) => (
                config
                    .region()
                    .map_or("us-east-1".to_string(), |r| r.as_ref().to_string()),
                e,
            ),
            None => (
                "us-east-1".to_string(),
                "https://organizations.us-east-1.amazonaws.com".to_string(),
            ),
        };
        JsonOrganizations {
            http: SignedHttp::new(config, "organizations", region, endpoint),
        }
    }

    async fn call(&self, operation: &str, params: Value) -> Result<Value, AwsError> {
        let target = format!("AWSOrganizationsV20161128.{operation}");
        let mut attempt = 0;
        loop {
            attempt += 1;
            let answer = self
                .http
                .post(
                    &[
                        ("content-type", "application/x-amz-json-1.1"),
                        ("x-amz-target", &target),
                    ],
                    params.to_string(),
                )
                .await;
            let error = match answer {
                Ok(a) if (200..300).contains(&a.status) => {
                    return serde_json::from_str(&a.body).map_err(|e| AwsError {
                        class: ErrorClass::Ambiguous,
                        code: None,
                        message: format!(
                            "AWS Organizations answered {operation} with what is not JSON: {e}"
                        ),
                    });
                }
                Ok(a) => error_of(a.status, &a.body),
                Err(e) => e,
            };
            // Every call here is a read: sent again after throttling or a lost answer.
            let again = error.is_throttling() || error.class == ErrorClass::Ambiguous;
            if !again || attempt >= 5 {
                return Err(error);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100 << attempt)).await;
        }
    }
}

fn error_of(status: u16, body: &str) -> AwsError {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let code = v
        .get("__type")
        .and_then(Value::as_str)
        .map(|t| t.rsplit('#').next().unwrap_or(t).to_string());
    let message = v
        .get("message")
        .or_else(|| v.get("Message"))
        .and_then(Value::as_str)
        .map_or_else(
            || format!("AWS Organizations answered HTTP {status}"),
            str::to_string,
        );
    AwsError {
        class: if status >= 500 {
            ErrorClass::Ambiguous
        } else {
            ErrorClass::Rejected
        },
        code,
        message,
    }
}

fn token_of(v: &Value) -> Option<String> {
    v.get("NextToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

fn unreadable(what: &str) -> AwsError {
    AwsError {
        class: ErrorClass::Ambiguous,
        code: None,
        message: format!("AWS Organizations' answer has no readable {what}"),
    }
}

#[async_trait]
impl OrganizationsApi for JsonOrganizations {
    async fn describe_organization(&self) -> Result<(String, String), AwsError> {
        let v = self.call("DescribeOrganization", json!({})).await?;
        let org = v
            .get("Organization")
            .ok_or_else(|| unreadable("Organization"))?;
        let field = |k: &str| org.get(k).and_then(Value::as_str).map(str::to_string);
        Ok((
            field("Id").ok_or_else(|| unreadable("Organization.Id"))?,
            field("MasterAccountId").ok_or_else(|| unreadable("Organization.MasterAccountId"))?,
        ))
    }

    async fn list_accounts(
        &self,
        parent: Option<&str>,
        token: Option<&str>,
    ) -> Result<(Vec<OrgAccount>, Option<String>), AwsError> {
        let mut params = json!({"MaxResults": 20});
        if let Some(p) = parent {
            params["ParentId"] = json!(p);
        }
        if let Some(t) = token {
            params["NextToken"] = json!(t);
        }
        let operation = if parent.is_some() {
            "ListAccountsForParent"
        } else {
            "ListAccounts"
        };
        let v = self.call(operation, params).await?;
        let accounts = v
            .get("Accounts")
            .and_then(Value::as_array)
            .ok_or_else(|| unreadable("Accounts"))?
            .iter()
            .map(|a| {
                let field = |k: &str| {
                    a.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                OrgAccount {
                    id: field("Id"),
                    name: field("Name"),
                    state: field("State"),
                }
            })
            .collect();
        Ok((accounts, token_of(&v)))
    }

    async fn list_units(
        &self,
        parent: &str,
        token: Option<&str>,
    ) -> Result<(Vec<String>, Option<String>), AwsError> {
        let mut params = json!({"ParentId": parent, "MaxResults": 20});
        if let Some(t) = token {
            params["NextToken"] = json!(t);
        }
        let v = self
            .call("ListOrganizationalUnitsForParent", params)
            .await?;
        let units = v
            .get("OrganizationalUnits")
            .and_then(Value::as_array)
            .ok_or_else(|| unreadable("OrganizationalUnits"))?
            .iter()
            .filter_map(|u| u.get("Id").and_then(Value::as_str).map(str::to_string))
            .collect();
        Ok((units, token_of(&v)))
    }
}

/// How many pages lockward reads of one listing before it calls the answer endless.
const MAX_PAGES: usize = 10_000;

/// The ACTIVE accounts under `parents` (units searched recursively), less `exclude`, with the
/// organisation they belong to.
pub async fn members(
    api: &dyn OrganizationsApi,
    parents: &[String],
    exclude: &[String],
) -> Result<SetMembers, AwsError> {
    let (id, management) = api.describe_organization().await?;
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    let mut queue: Vec<String> = parents.to_vec();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    while let Some(parent) = queue.pop() {
        if !seen.insert(parent.clone()) {
            continue;
        }
        let root = parent.starts_with("r-");
        let mut token: Option<String> = None;
        for page in 0.. {
            if page >= MAX_PAGES {
                return Err(unreadable("end of the account listing (it never ends)"));
            }
            let (accounts, next) = api
                .list_accounts(if root { None } else { Some(&parent) }, token.as_deref())
                .await?;
            for a in accounts {
                if a.state == "ACTIVE" && !exclude.contains(&a.id) {
                    found.insert(a.id, a.name);
                }
            }
            token = next;
            if token.is_none() {
                break;
            }
        }
        // A root's ListAccounts already holds every account of the organisation.
        if root {
            continue;
        }
        let mut token: Option<String> = None;
        for page in 0.. {
            if page >= MAX_PAGES {
                return Err(unreadable("end of the unit listing (it never ends)"));
            }
            let (units, next) = api.list_units(&parent, token.as_deref()).await?;
            queue.extend(units);
            token = next;
            if token.is_none() {
                break;
            }
        }
    }
    let management_is_member = found.contains_key(&management);
    Ok(SetMembers {
        accounts: found
            .into_iter()
            .map(|(id, name)| Member {
                id,
                name: Some(name),
            })
            .collect(),
        organization: Some(OrganizationFacts {
            id,
            management_account: management,
            management_is_member,
        }),
    })
}

/// Reads every account set of `config` that comes from AWS Organizations and that a selected
/// template uses, with the client `client_of` gives for the set's provider.
pub async fn read_sets(
    config: &Config,
    wanted: &BTreeSet<String>,
    client_of: &dyn Fn(&str) -> Option<std::sync::Arc<dyn OrganizationsApi>>,
) -> Membership {
    let mut membership = Membership::default();
    for (name, set) in &config.accounts {
        let AccountSource::Organization {
            provider,
            parents,
            exclude,
            ..
        } = &set.source
        else {
            continue;
        };
        if !wanted.contains(name) {
            continue;
        }
        let read = match client_of(provider) {
            Some(api) => members(api.as_ref(), parents, exclude).await,
            None => Err(AwsError {
                class: ErrorClass::NotSent,
                code: None,
                message: format!("internal error: no client for provider `{provider}`; this is a bug in lockward"),
            }),
        };
        let read = read.map_err(|e| AwsError {
            message: format!(
                "account set `{name}` could not be read from AWS Organizations (provider `{provider}`): {}",
                e.message
            ),
            ..e
        });
        membership.sets.insert(name.clone(), read);
    }
    membership
}
