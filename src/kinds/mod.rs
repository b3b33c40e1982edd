//! The lock kinds lockward manages. Each kind lives in one file with its live and recorded
//! types and its transition table; adding a kind means adding a file here and a variant to
//! [`Kind`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::plan::{Action, Outcome, ResourcePlan};

pub mod glacier;
pub mod rbin;
pub mod snowball;

/// What a kind's transition table decided for one resource. Pure data; the planner wraps it
/// into a [`ResourcePlan`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decision {
    /// Set when the intent can never be reached as things stand; then no action runs.
    pub conflict: bool,
    pub actions: Vec<Action>,
    pub messages: Vec<String>,
    pub policy_diff: Option<String>,
}

impl Decision {
    /// Marks the resource as a conflict, with the reason shown to the user.
    pub fn conflict(&mut self, reason: String) {
        self.conflict = true;
        self.messages.push(reason);
    }

    /// The outcome (DESIGN.md section 3): `conflict` if marked so; else `change` while an
    /// action is ready, `blocked` when every action waits, `noop` when there is none.
    pub fn outcome(&self) -> Outcome {
        if self.conflict {
            Outcome::Conflict
        } else {
            ResourcePlan::outcome_of(&self.actions)
        }
    }
}

/// A kind of lock, as it appears in the config file and in addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    GlacierVaultLock,
    RbinRuleLock,
    SnowballUnlockCode,
}

impl Kind {
    /// Every kind, in address order.
    pub const ALL: [Kind; 3] = [
        Kind::GlacierVaultLock,
        Kind::RbinRuleLock,
        Kind::SnowballUnlockCode,
    ];

    /// The name used in the config file and in addresses, e.g. `glacier_vault_lock`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::GlacierVaultLock => "glacier_vault_lock",
            Kind::RbinRuleLock => "rbin_rule_lock",
            Kind::SnowballUnlockCode => "snowball_unlock_code",
        }
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
            .ok_or_else(|| format!("unknown kind `{s}` (expected one of glacier_vault_lock, rbin_rule_lock, snowball_unlock_code)"))
    }
}

/// `<kind>.<name>`, e.g. `glacier_vault_lock.audit`. Ordering is the textual order of the
/// address, which is the order resources appear in every output.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    pub kind: Kind,
    pub name: String,
}

impl Address {
    pub fn new(kind: Kind, name: impl Into<String>) -> Self {
        Address {
            kind,
            name: name.into(),
        }
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
        write!(f, "{}.{}", self.kind, self.name)
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
        if !Address::is_valid_name(name) {
            return Err(format!(
                "`{name}` is not a valid resource name: expected [a-z][a-z0-9_]{{0,63}}"
            ));
        }
        Ok(Address::new(kind, name))
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!("glacier_vault_lock.Audit".parse::<Address>().is_err());
        assert!("glacier_vault_lock.".parse::<Address>().is_err());
    }
}
