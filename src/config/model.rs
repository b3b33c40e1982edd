//! The resolved, typed desired state: what the config file says after validation and after
//! policy files were read. These values hold no I/O handles and are what the planner decides
//! from. They serialize into the `desired` object of the plan JSON.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::SignedDuration;
use serde::{Serialize, Serializer};
use serde_json::Value;

pub use super::policy::{Policy, PolicyError, PolicyErrorKind, PolicyValue};
use crate::digest;
use crate::kinds::{Address, Kind};

/// A whole validated configuration.
#[derive(Clone, Debug, PartialEq)]
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
        out.push_str("{\"providers\":");
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
        out.push_str("]}");
        digest::sha256(out.as_bytes())
    }

    /// The desired state of `resource` as plans and digests show it: paths relative to the
    /// config file's directory, so the same project checked out in another place (the pull
    /// request's runner, the apply job's) plans the same digest.
    pub fn desired_json(&self, resource: &Resource) -> Value {
        let mut value = serde_json::to_value(&resource.desired).unwrap_or_default();
        if let Desired::SnowballUnlockCode(d) = &resource.desired {
            value["deliver_to"] = Value::String(self.relative(&d.deliver_to));
            if let Some(manifest) = &d.manifest_path {
                value["manifest_path"] = Value::String(self.relative(manifest));
            }
        }
        value
    }

    fn relative(&self, path: &std::path::Path) -> String {
        path.strip_prefix(&self.dir)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned()
    }

    /// The resource at `address`, if declared.
    /// A binary search: `resources` is sorted by address.
    pub fn resource(&self, address: &Address) -> Option<&Resource> {
        self.resources
            .binary_search_by(|r| r.address.cmp(address))
            .ok()
            .map(|i| &self.resources[i])
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
    pub assume_role: Option<String>,
}

/// One declared resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    pub address: Address,
    /// The provider's name; always a key of [`Config::providers`].
    pub provider: String,
    pub desired: Desired,
}

/// The desired state of one resource; the variant always matches `address.kind`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Desired {
    GlacierVaultLock(GlacierDesired),
    RbinRuleLock(RbinDesired),
    SnowballUnlockCode(SnowballDesired),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VaultLockState {
    Locked,
    InProgress,
    Unlocked,
}

#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct GlacierDesired {
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.-]{1,255}$"))]
    pub vault: String,
    /// `-` (the credentials' own account) or 12 digits.
    #[schemars(regex(pattern = r"^(-|[0-9]{12})$"))]
    pub account_id: String,
    /// The canonical policy text.
    #[schemars(with = "String")]
    pub policy: Policy,
    pub state: VaultLockState,
    /// Do not complete the lock until it has been InProgress this long (at most 24 h).
    #[serde(serialize_with = "serialize_opt_duration")]
    #[schemars(with = "Option<String>")]
    pub min_test_period: Option<SignedDuration>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleLockState {
    Locked,
    Unlocked,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RbinDesired {
    #[schemars(regex(pattern = r"^[0-9a-zA-Z]{11}$"))]
    pub rule_id: String,
    pub state: RuleLockState,
    /// 7..=30; always `Some` when `state` is `Locked`.
    #[schemars(range(min = 7, max = 30))]
    pub unlock_delay_days: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SnowballDesired {
    pub job_id: String,
    /// Where the unlock code is written, resolved against the config file's directory.
    #[schemars(with = "String")]
    pub deliver_to: PathBuf,
    /// The job's manifest, resolved; the code is never delivered into its directory.
    #[schemars(with = "Option<String>")]
    pub manifest_path: Option<PathBuf>,
}

fn serialize_opt_duration<S: Serializer>(
    d: &Option<SignedDuration>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&format_duration(*d)),
        None => s.serialize_none(),
    }
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
