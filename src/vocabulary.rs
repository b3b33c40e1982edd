//! The words the engine and the lock kinds share, and nothing else: a kind of lock ([`Kind`]), a
//! resource's address ([`Address`]), where it lives ([`Target`]). This module imports nothing
//! of the engine nor of the kinds, so both can import it without a cycle.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A kind of lock, as it appears in the config file and in addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    BackupVaultLock,
    EbsSnapshotLock,
    GlacierVaultLock,
    RbinRuleLock,
    S3ObjectLock,
    SnowballUnlockCode,
}

impl Kind {
    /// Every kind, in address order.
    pub const ALL: [Kind; 6] = [
        Kind::BackupVaultLock,
        Kind::EbsSnapshotLock,
        Kind::GlacierVaultLock,
        Kind::RbinRuleLock,
        Kind::S3ObjectLock,
        Kind::SnowballUnlockCode,
    ];

    /// The name used in the config file and in addresses, e.g. `glacier_vault_lock`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::GlacierVaultLock => "glacier_vault_lock",
            Kind::RbinRuleLock => "rbin_rule_lock",
            Kind::SnowballUnlockCode => "snowball_unlock_code",
            Kind::BackupVaultLock => "backup_vault_lock",
            Kind::S3ObjectLock => "s3_object_lock",
            Kind::EbsSnapshotLock => "ebs_snapshot_lock",
        }
    }
}

/// Addresses order like their text (`<kind>.<name>`), so a kind orders by its name.
impl Ord for Kind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Kind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown kind `{s}` (expected one of {})", names.join(", "))
            })
    }
}

/// `<kind>.<name>`, e.g. `glacier_vault_lock.audit`, or an instance of a declared resource,
/// `<kind>.<name>[<key>]` (one snapshot of an `ebs_snapshot_lock`:
/// `ebs_snapshot_lock.legal_hold[snap-0123456789abcdef0]`). Ordering is the textual order of
/// the address, which is the order resources appear in every output.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    pub kind: Kind,
    pub name: String,
    /// The instance key; `None` for a declared resource that stands for itself.
    pub key: Option<String>,
}

impl Address {
    pub fn new(kind: Kind, name: impl Into<String>) -> Self {
        Address {
            kind,
            name: name.into(),
            key: None,
        }
    }

    /// The instance `key` of the declared resource at `self`.
    pub fn instance(&self, key: impl Into<String>) -> Self {
        Address {
            kind: self.kind,
            name: self.name.clone(),
            key: Some(key.into()),
        }
    }

    /// The instance `key` found under this address: `name[key]` under a declared resource,
    /// `name[<its key>/key]` under an instance (a template's instance that finds snapshots).
    pub fn child(&self, key: &str) -> Self {
        match &self.key {
            Some(k) => self.instance(format!("{k}/{key}")),
            None => self.instance(key),
        }
    }

    /// The resource an instance found at plan time was found by (see [`Address::child`]): its
    /// key without the last segment, or the declared resource.
    pub fn parent(&self) -> Address {
        match self.key.as_deref().and_then(|k| k.rsplit_once('/')) {
            Some((head, _)) => self.instance(head),
            None => self.declared(),
        }
    }

    /// The declared resource this address is, or is an instance of.
    pub fn declared(&self) -> Address {
        Address::new(self.kind, self.name.clone())
    }

    /// Whether `key` is a valid instance key: 1 to 128 of `[A-Za-z0-9_.:/-]`.
    pub fn is_valid_key(key: &str) -> bool {
        (1..=128).contains(&key.len())
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '/' | '-'))
    }

    /// Whether `name` is a valid resource name: `[a-z][a-z0-9_]{0,63}`.
    pub fn is_valid_name(name: &str) -> bool {
        let mut chars = name.chars();
        matches!(chars.next(), Some('a'..='z'))
            && name.len() <= 64
            && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind, self.name)?;
        match &self.key {
            Some(key) => write!(f, "[{key}]"),
            None => Ok(()),
        }
    }
}

impl FromStr for Address {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, name) = s.split_once('.').ok_or_else(|| {
            format!(
                "`{s}` is not an address: expected <kind>.<name>, e.g. glacier_vault_lock.audit"
            )
        })?;
        let kind: Kind = kind.parse()?;
        let (name, key) = match name.split_once('[') {
            Some((name, rest)) => {
                let key = rest.strip_suffix(']').filter(|k| Address::is_valid_key(k));
                let Some(key) = key else {
                    return Err(format!(
                        "`{s}` is not an instance address: expected <kind>.<name>[<key>], the key 1 to 128 of A-Z a-z 0-9 _ . : / -"
                    ));
                };
                (name, Some(key.to_string()))
            }
            None => (name, None),
        };
        if !Address::is_valid_name(name) {
            return Err(format!(
                "`{name}` is not a valid resource name: expected [a-z][a-z0-9_]{{0,63}}"
            ));
        }
        Ok(Address {
            kind,
            name: name.to_string(),
            key,
        })
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for Address {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Address".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "<kind>.<name>, e.g. glacier_vault_lock.audit, or an instance: <kind>.<name>[<key>]",
            "pattern": "^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]{0,63}(\\[[A-Za-z0-9_.:/-]{1,128}\\])?$"
        })
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Where a resource lives (DESIGN.md section 1): the account its provider's final credentials
/// act in (asked of STS, never guessed), the region, and the effective endpoint when one is set.
/// Covered by the digest, so an approval for one target never runs in another.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub account: String,
    pub region: String,
    /// Normalised: lowercase, no default port, no trailing slash. `None` for AWS itself.
    pub endpoint: Option<String>,
    /// Where the account was asked (STS GetCallerIdentity), when that is not `endpoint`:
    /// normalised like it, or `aws` for STS's own endpoint. The account is only as true as
    /// the place that answered, so an approval covers that place too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_endpoint: Option<String>,
}

/// [`Target::identity_endpoint`] for STS at AWS's own endpoint.
pub const AWS_ENDPOINT: &str = "aws";

impl Target {
    /// [`Target::identity_endpoint`] for an account asked at `sts` (normalised; `None`:
    /// AWS) of a resource whose calls go to `endpoint`.
    pub fn identity_endpoint(endpoint: Option<&str>, sts: Option<&str>) -> Option<String> {
        (sts != endpoint).then(|| sts.unwrap_or(AWS_ENDPOINT).to_string())
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.account.as_str() {
            // The provider's credentials could not say which account they act in.
            "" => write!(f, "an account STS did not name, in {}", self.region)?,
            account => write!(f, "account {account} in {}", self.region)?,
        }
        if let Some(endpoint) = &self.endpoint {
            write!(f, " at {endpoint}")?;
        }
        match self.identity_endpoint.as_deref() {
            Some(AWS_ENDPOINT) => write!(f, " (the account asked of AWS's STS)")?,
            Some(sts) => write!(f, " (the account asked at {sts})")?,
            None => {}
        }
        Ok(())
    }
}

impl Target {
    /// A target for tests: account 123456789012 in us-east-1, no endpoint.
    #[cfg(test)]
    pub fn for_tests() -> Target {
        Target {
            identity_endpoint: None,
            account: "123456789012".into(),
            region: "us-east-1".into(),
            endpoint: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_once_in_the_order_of_its_name() {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        for pair in Kind::ALL.windows(2) {
            assert!(pair[0] < pair[1], "{} orders before {}", pair[0], pair[1]);
        }
        for kind in Kind::ALL {
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.to_string())
            );
        }
    }

    #[test]
    fn address_round_trips_and_orders_like_text() {
        let a: Address = "glacier_vault_lock.audit".parse().unwrap();
        assert_eq!(a.to_string(), "glacier_vault_lock.audit");
        let mut addrs: Vec<Address> = [
            "snowball_unlock_code.a",
            "rbin_rule_lock.z",
            "glacier_vault_lock.a_b",
            "glacier_vault_lock.a",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        addrs.sort();
        let texts: Vec<String> = addrs.iter().map(|a| a.to_string()).collect();
        let mut sorted_texts = texts.clone();
        sorted_texts.sort();
        assert_eq!(texts, sorted_texts);
    }

    #[test]
    fn bad_addresses_are_refused() {
        assert!("glacier_vault_lock".parse::<Address>().is_err());
        assert!("s3_lock.a".parse::<Address>().is_err());
        assert!("s3_object_lock.records".parse::<Address>().is_ok());
        assert!("glacier_vault_lock.Audit".parse::<Address>().is_err());
        assert!("glacier_vault_lock.".parse::<Address>().is_err());
    }
}
