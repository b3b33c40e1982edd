//! The resolved, typed desired state: what the config file says after validation and after
//! policy files were read. These values hold no I/O handles and are what the planner decides
//! from. They serialize into the `desired` object of the plan JSON.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::SignedDuration;
use serde::Serialize;
use serde_json::Value;

pub use super::policy::{Policy, PolicyError, PolicyErrorKind, PolicyValue};
use crate::digest;
pub use crate::kinds::Desired;
use crate::vocabulary::{Address, Kind};

/// A whole validated configuration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// The config file as the user named it.
    pub path: PathBuf,
    /// The directory relative paths were resolved against (the config file's directory).
    pub dir: PathBuf,
    /// Every declared provider, by name. Every resource's `provider` is a key of it; `default`
    /// is there only if the file declares it (the region is never implicit).
    pub providers: BTreeMap<String, Provider>,
    /// Every declared resource, sorted by address, addresses unique.
    pub resources: Vec<Resource>,
    /// Where the state is kept; `None`: the local state file.
    pub backend: Option<Backend>,
    /// Where each resource and each kind's section is written, and the policy files read:
    /// what a finding about a resource points at (the report's SARIF form).
    pub sources: Sources,
    /// The named sets of accounts (`accounts:`), by name.
    pub accounts: BTreeMap<String, AccountSet>,
    /// The template providers (`for_each`), by name; their instances are in `providers`.
    pub templates: BTreeMap<String, ProviderTemplate>,
    /// Every declared resource whose provider is a template, with the template's name. Its
    /// instances are in `resources` once its account set is known (see [`Config::expand`]).
    pub templated: BTreeMap<Address, String>,
    /// The members of each account set the instances were made from.
    pub membership: Membership,
    /// Resources that cannot be read, with why: a template whose account set could not be
    /// read from AWS Organizations (planned as one `unknown` resource under its declared
    /// address), or an instance whose account's name cannot be used.
    pub unknown: BTreeMap<Address, crate::aws::AwsError>,
    /// The text the configuration was loaded from and the state file it was checked against:
    /// what [`Config::expand`] loads again once the account sets are read.
    #[doc(hidden)]
    pub origin: std::sync::Arc<Origin>,
}

/// The text a [`Config`] was loaded from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[doc(hidden)]
pub struct Origin {
    pub text: String,
    pub state: PathBuf,
}

/// A named set of accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountSet {
    pub name: String,
    #[serde(flatten)]
    pub source: AccountSource,
}

/// Where an account set's members come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountSource {
    /// Listed in the config.
    Ids(Vec<String>),
    /// The ACTIVE accounts under `parents`, read from AWS Organizations through `provider`.
    Organization {
        provider: String,
        parents: Vec<String>,
        exclude: Vec<String>,
        allow_empty: bool,
    },
}

impl AccountSet {
    /// The provider that reads the set from AWS Organizations, for a set read there.
    pub fn organization_provider(&self) -> Option<&str> {
        match &self.source {
            AccountSource::Organization { provider, .. } => Some(provider),
            AccountSource::Ids(_) => None,
        }
    }
}

/// A provider with `for_each`: one [`Provider`] per account of `accounts` and region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProviderTemplate {
    pub name: String,
    /// The account set's name.
    pub accounts: String,
    pub regions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// Its `role_arn` holds `${account}` as the ARN's account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assume_role: Option<AssumeRole>,
}

/// The members of each account set, as read (or listed); a set missing here was not read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Membership {
    pub sets: BTreeMap<String, Result<SetMembers, crate::aws::AwsError>>,
}

impl Membership {
    /// The name AWS Organizations gives `account`, in any set read there.
    pub fn name_of(&self, account: &str) -> Option<String> {
        self.sets
            .values()
            .filter_map(|s| s.as_ref().ok())
            .flat_map(|s| &s.accounts)
            .find(|m| m.id == account)
            .and_then(|m| m.name.clone())
    }
}

/// The members of one account set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SetMembers {
    /// Sorted by id.
    pub accounts: Vec<Member>,
    /// The organisation it was read from, for a set read from AWS Organizations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<OrganizationFacts>,
}

/// One member account.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Member {
    pub id: String,
    /// Its name in AWS Organizations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// What DescribeOrganization said: the approval is for this organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrganizationFacts {
    pub id: String,
    pub management_account: String,
    /// Whether the management account is among the members.
    pub management_is_member: bool,
}

/// A role a provider assumes, with STS AssumeRole's options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub external_id: Option<String>,
    /// As written; `None`: `lockward-` and the OS user's name (never digested: two runners
    /// with other user names plan the same digest).
    pub session_name: Option<String>,
    /// Seconds; `None`: one hour.
    pub duration: Option<u32>,
}

impl AssumeRole {
    /// A role given by its ARN alone.
    pub fn arn(role_arn: impl Into<String>) -> AssumeRole {
        AssumeRole {
            role_arn: role_arn.into(),
            external_id: None,
            session_name: None,
            duration: None,
        }
    }
}

/// The ARN alone when nothing else is set (so a config written before the options existed
/// keeps its digest), else the object.
impl Serialize for AssumeRole {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.external_id.is_none() && self.session_name.is_none() && self.duration.is_none() {
            return s.serialize_str(&self.role_arn);
        }
        let mut map = serde_json::Map::new();
        map.insert("role_arn".into(), self.role_arn.clone().into());
        if let Some(e) = &self.external_id {
            map.insert("external_id".into(), e.clone().into());
        }
        if let Some(n) = &self.session_name {
            map.insert("session_name".into(), n.clone().into());
        }
        if let Some(d) = self.duration {
            map.insert("duration".into(), d.into());
        }
        map.serialize(s)
    }
}

/// Where things are written in the config file (and the files it names).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sources {
    /// Where each resource's key (its name under its kind's section) is written.
    pub declared_at: BTreeMap<Address, Position>,
    /// Where each kind's top-level section key is written, for the kinds that declare a
    /// resource.
    pub sections: BTreeMap<Kind, Position>,
    /// The policy file a resource's policy was read from (the config file's directory joined
    /// with the path written), for those whose policy came from a file.
    pub policy_files: BTreeMap<Address, PathBuf>,
}

/// A place in a text file: 1-based line and 1-based column, counted in characters (Unicode
/// code points).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl Position {
    /// Where a node of the config's YAML tree starts.
    pub(crate) fn of(span: super::yaml::Span) -> Position {
        Position {
            line: span.line.max(1),
            column: span.col.saturating_add(1),
        }
    }
}

/// Where the state is kept, when not in the local file (DESIGN.md section 8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    S3(S3Backend),
}

/// The state as the S3 object `key` in `bucket`, reached through `provider`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct S3Backend {
    pub bucket: String,
    pub key: String,
    /// Always a key of [`Config::providers`].
    pub provider: String,
    /// The account that must own the bucket, named on every call; `None`: the provider's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_owner: Option<String>,
}

impl Config {
    /// `sha256:…` over the canonical JSON of the resolved configuration (providers and
    /// resources, with policy files' contents). Comments and formatting do not change it;
    /// any change to intent does. Saved plans use it to detect a changed config.
    pub fn digest(&self) -> String {
        let desired: Vec<Value> = self
            .resources
            .iter()
            .map(|r| self.desired_json(r))
            .collect();
        self.digest_with(&desired)
    }

    /// [`Config::digest`], given `desired[i] == self.desired_json(&self.resources[i])` already
    /// computed (the planner needs those values too).
    pub fn digest_with(&self, desired: &[Value]) -> String {
        // Canonical JSON of {"providers": …, "resources": [{"address", "desired", "provider"}]},
        // written part by part (keys in sorted order) rather than built as one big value.
        let mut out = String::with_capacity(256 * self.resources.len() + 256);
        out.push('{');
        if !self.accounts.is_empty() {
            // The sets as written, and what each was read as: another organisation, or a
            // member that joined or left, is another plan.
            let accounts: serde_json::Map<String, Value> = self
                .accounts
                .iter()
                .map(|(name, set)| {
                    let members = match self.membership.sets.get(name) {
                        Some(Ok(m)) => serde_json::to_value(m).unwrap_or_default(),
                        Some(Err(e)) => serde_json::json!({"unread": e.to_string()}),
                        None => Value::Null,
                    };
                    let set = serde_json::to_value(set).unwrap_or_default();
                    (
                        name.clone(),
                        serde_json::json!({"set": set, "members": members}),
                    )
                })
                .collect();
            out.push_str("\"accounts\":");
            digest::write_canonical(&Value::Object(accounts), &mut out);
            out.push(',');
        }
        out.push_str("\"providers\":");
        digest::write_canonical(
            &serde_json::to_value(&self.providers).unwrap_or_default(),
            &mut out,
        );
        out.push_str(",\"resources\":[");
        for (i, (r, d)) in self.resources.iter().zip(desired).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"address\":");
            digest::write_json_str(&r.address.to_string(), &mut out);
            out.push_str(",\"desired\":");
            digest::write_canonical(d, &mut out);
            out.push_str(",\"provider\":");
            digest::write_json_str(&r.provider, &mut out);
            out.push('}');
        }
        out.push(']');
        if !self.templates.is_empty() {
            out.push_str(",\"templates\":");
            digest::write_canonical(
                &serde_json::to_value(&self.templates).unwrap_or_default(),
                &mut out,
            );
        }
        out.push('}');
        digest::sha256(out.as_bytes())
    }

    /// The desired state of `resource` as plans and digests show it. Paths in it are relative
    /// to the config file's directory as the kinds keep them, so the same project checked out
    /// in another place (the pull request's runner, the apply job's) plans the same digest.
    pub fn desired_json(&self, resource: &Resource) -> Value {
        serde_json::to_value(&resource.desired).unwrap_or_default()
    }

    /// The same configuration with its template resources made into the instances of the
    /// account sets' members in `membership` (sets read from AWS Organizations).
    pub fn expand(&self, membership: &Membership) -> Result<Config, super::ConfigError> {
        super::load::expand(self, membership)
    }

    /// The resource at `address`, if declared.
    /// A binary search: `resources` is sorted by address.
    pub fn resource(&self, address: &Address) -> Option<&Resource> {
        self.resources
            .binary_search_by(|r| r.address.cmp(address))
            .ok()
            .map(|i| &self.resources[i])
    }

    /// Whether `address` is declared: a resource, or an instance of one that finds its
    /// instances at plan time (whatever it finds), or of a template whose account set was
    /// not read (its instances are not known, so none is taken for undeclared).
    pub fn declares(&self, address: &Address) -> bool {
        self.resource(address).is_some()
            || (address.key.is_some()
                && self
                    .resource(&address.parent())
                    .is_some_and(|r| r.desired.finds_instances()))
            || (address.key.is_some()
                && address.parent() == address.declared()
                && self
                    .resource(&address.declared())
                    .is_some_and(|r| r.address.key.is_none()))
            || (address.key.is_some()
                && self.templated.contains_key(&address.declared())
                && self.unknown.contains_key(&address.declared()))
    }

    /// The same configuration with the instances a plan found (see
    /// [`crate::plan::LiveSnapshot::instances`]) among its resources, so that each is found
    /// by its address. Its [`Config::digest`] is not the configuration's: take that from the
    /// declared one.
    pub fn with_instances(&self, instances: &[Resource]) -> Config {
        let mut config = self.clone();
        config.resources.extend(instances.iter().cloned());
        config.resources.sort_by(|a, b| a.address.cmp(&b.address));
        config.resources.dedup_by(|a, b| a.address == b.address);
        config
    }

    /// How many resources of each kind, e.g. for `validate`'s summary line.
    pub fn count(&self, kind: Kind) -> usize {
        self.resources
            .iter()
            .filter(|r| r.address.kind == kind)
            .count()
    }
}

/// Where and as whom to reach AWS. Credentials are never part of it: they come from the
/// standard AWS credential chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Provider {
    pub name: String,
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assume_role: Option<AssumeRole>,
    /// For an instance of a template provider: which, and the account it must act in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_of: Option<InstanceOf>,
}

/// What makes a provider an instance of a template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InstanceOf {
    pub template: String,
    /// The account its credentials must act in (checked with STS GetCallerIdentity).
    pub account: String,
    /// The region its session is asked for (the template's first).
    #[serde(skip)]
    pub session_region: String,
}

impl Provider {
    /// The name of the instance of template `template` for `account` in `region`.
    pub fn instance_name(template: &str, account: &str, region: &str) -> String {
        format!("{template}[{account}/{region}]")
    }
}

/// One declared resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    pub address: Address,
    /// The provider's name; always a key of [`Config::providers`].
    pub provider: String,
    pub desired: Desired,
}

/// Formats a duration the way the config file writes it: `90m`, `2h`, `1d`, `1h30m`.
pub fn format_duration(d: SignedDuration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return "0s".to_string();
    }
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (hours, rest) = (rest / 3600, rest % 3600);
    let (mins, secs) = (rest / 60, rest % 60);
    let mut out = String::new();
    for (n, unit) in [(days, "d"), (hours, "h"), (mins, "m"), (secs, "s")] {
        if n != 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_format_as_written() {
        assert_eq!(format_duration(SignedDuration::from_mins(90)), "1h30m");
        assert_eq!(format_duration(SignedDuration::from_hours(24)), "1d");
        assert_eq!(format_duration(SignedDuration::from_hours(2)), "2h");
    }
}
