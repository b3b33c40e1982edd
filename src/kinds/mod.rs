//! The lock kinds lockward manages. Each kind lives in one file with its live and recorded
//! types and its transition table; adding a kind means adding a file here and a variant to
//! [`Kind`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use jiff::Timestamp;
use schemars::JsonSchema;

use crate::plan::{Action, ActionKind, Message, Outcome, Recovery, ResourcePlan};

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
    pub messages: Vec<Message>,
    pub policy_diff: Option<String>,
    /// The earliest moment at which the mere passage of time changes this decision.
    pub valid_until: Option<Timestamp>,
    /// What apply persists without a call (a record found only in the journal, a completion
    /// an earlier run could not record).
    pub recovery: Option<Recovery>,
}

impl Decision {
    /// Marks the resource as a conflict, with the reason shown to the user.
    pub fn conflict(&mut self, reason: impl Into<String>) {
        self.conflict = true;
        self.messages.push(Message::error(reason));
    }

    /// Adds a note: context such as what a wait waits for.
    pub fn note(&mut self, text: impl Into<String>) {
        self.messages.push(Message::note(text));
    }

    /// Adds a warning: something a reviewer should act on.
    pub fn warn(&mut self, text: impl Into<String>) {
        self.messages.push(Message::warning(text));
    }

    /// The decision changes by itself at `t` (keeps the earliest such moment).
    pub fn valid_until(&mut self, t: Timestamp) {
        self.valid_until = Some(self.valid_until.map_or(t, |u| u.min(t)));
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
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
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

    /// The schema of the kind's live value in the plan JSON.
    pub fn live_schema(self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        match self {
            Kind::GlacierVaultLock => generator.subschema_for::<glacier::GlacierLive>(),
            Kind::RbinRuleLock => generator.subschema_for::<rbin::RbinLive>(),
            Kind::SnowballUnlockCode => generator.subschema_for::<snowball::SnowballLive>(),
        }
    }

    /// The schema of the kind's desired value in the plan JSON.
    pub fn desired_schema(self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        match self {
            Kind::GlacierVaultLock => generator.subschema_for::<crate::config::GlacierDesired>(),
            Kind::RbinRuleLock => generator.subschema_for::<crate::config::RbinDesired>(),
            Kind::SnowballUnlockCode => generator.subschema_for::<crate::config::SnowballDesired>(),
        }
    }

    /// The IAM permissions `plan` needs for a resource of this kind.
    pub fn read_permissions(self) -> &'static [&'static str] {
        match self {
            Kind::GlacierVaultLock => &["glacier:GetVaultLock", "glacier:DescribeVault"],
            Kind::RbinRuleLock => &["rbin:GetRule"],
            Kind::SnowballUnlockCode => &["snowball:DescribeJob"],
        }
    }

    /// The actions a plan for this kind may hold.
    pub fn actions(self) -> &'static [ActionKind] {
        match self {
            Kind::GlacierVaultLock => &[
                ActionKind::InitiateLock,
                ActionKind::CompleteLock,
                ActionKind::AbortLock,
            ],
            Kind::RbinRuleLock => &[ActionKind::LockRule, ActionKind::UnlockRule],
            Kind::SnowballUnlockCode => &[ActionKind::RetrieveUnlockCode],
        }
    }

    /// The AWS service the kind's calls go to, as the SDK names it (`AWS_ENDPOINT_URL_<ID>`).
    pub fn service(self) -> &'static str {
        match self {
            Kind::GlacierVaultLock => "glacier",
            Kind::RbinRuleLock => "rbin",
            Kind::SnowballUnlockCode => "snowball",
        }
    }

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

impl JsonSchema for Address {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Address".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "<kind>.<name>, e.g. glacier_vault_lock.audit",
            "pattern": "^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]{0,63}$"
        })
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
