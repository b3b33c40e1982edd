//! What a `glacier_vault_lock` block asks for, after validation.

use jiff::SignedDuration;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::{format_duration, Policy};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VaultLockState {
    Locked,
    InProgress,
    Unlocked,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
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
    #[serde(
        serialize_with = "serialize_opt_duration",
        deserialize_with = "deserialize_opt_duration"
    )]
    #[schemars(with = "Option<String>")]
    pub min_test_period: Option<SignedDuration>,
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

/// Reads back what [`serialize_opt_duration`] wrote (a saved plan's desired value).
fn deserialize_opt_duration<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<SignedDuration>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|text| {
            crate::config::validate::parse_duration(&text)
                .map_err(|p| serde::de::Error::custom(p.message))
        })
        .transpose()
}
