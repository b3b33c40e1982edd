//! The config file as written: the raw serde types, before any semantic check. They define
//! the file's shape twice over: serde reads the YAML into them, and schemars turns them into
//! `schema/lockward.schema.json`, so the schema and the parser cannot drift apart.
//!
//! Values that need checking beyond their type (names, ids, durations, paths) are kept as
//! text here and checked in `validate.rs`, which can then say precisely what is wrong.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// A lockward configuration file (`lockward.yaml`): the intended state of irreversible AWS
/// locks. See docs/configuration.md.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "lockward configuration")]
pub struct RawConfig {
    /// The version of this file format. Always `1`.
    #[schemars(extend("const" = 1))]
    pub version: i64,

    /// Where and as whom to reach AWS, by name. A resource without `provider:` uses the one
    /// named `default`, which must then be declared.
    #[serde(default)]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z][a-z0-9_]{0,63}$"}))]
    pub providers: Option<BTreeMap<String, RawProvider>>,

    /// Where the state is kept. Without it, the state is a local file beside the config
    /// (`lockward.state.json`); with `s3:`, one object in S3 that every runner shares, locked
    /// with S3's conditional writes (DESIGN.md section 8).
    #[serde(default)]
    pub backend: Option<RawBackend>,

    /// AWS Backup Vault Locks, by resource name (address `backup_vault_lock.<name>`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z][a-z0-9_]{0,63}$"}))]
    pub backup_vault_lock: Option<BTreeMap<String, RawBackupVaultLock>>,

    /// Glacier vault locks, by resource name (address `glacier_vault_lock.<name>`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z][a-z0-9_]{0,63}$"}))]
    pub glacier_vault_lock: Option<BTreeMap<String, RawGlacierVaultLock>>,

    /// Recycle Bin retention rule locks, by resource name (address `rbin_rule_lock.<name>`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z][a-z0-9_]{0,63}$"}))]
    pub rbin_rule_lock: Option<BTreeMap<String, RawRbinRuleLock>>,

    /// Snowball job unlock codes to deliver, by resource name (address
    /// `snowball_unlock_code.<name>`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z][a-z0-9_]{0,63}$"}))]
    pub snowball_unlock_code: Option<BTreeMap<String, RawSnowballUnlockCode>>,

    /// S3 Object Lock on buckets and their default retention, by resource name (address
    /// `s3_object_lock.<name>`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z][a-z0-9_]{0,63}$"}))]
    pub s3_object_lock: Option<BTreeMap<String, RawS3ObjectLock>>,
}

/// An AWS region and, optionally, a profile, an endpoint and a role to assume. Credentials
/// are never written here: they come from the standard AWS chain.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawProvider {
    /// The AWS region, e.g. `us-east-1`.
    #[schemars(regex(pattern = r"^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$"))]
    pub region: String,

    /// A named profile from the shared AWS config files.
    #[serde(default)]
    pub profile: Option<String>,

    /// An http(s) URL to send every API call to instead of AWS, e.g. the lockward emulator.
    #[serde(default)]
    #[schemars(regex(pattern = "^https?://"))]
    pub endpoint_url: Option<String>,

    /// The ARN of an IAM role to assume before calling AWS.
    #[serde(default)]
    #[schemars(regex(pattern = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$"))]
    pub assume_role: Option<String>,
}

/// Where the state is kept.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBackend {
    /// The state as one S3 object, shared by every runner of a team.
    pub s3: RawS3Backend,
}

/// The state in S3: the object `key` in `bucket`, its lock `<key>.lock`, its backup
/// `<key>.backup` and one journal object per run under `<key>.journal/`.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawS3Backend {
    /// The bucket: one of its own, versioned, not one with Object Lock (a WORM bucket).
    #[schemars(
        length(min = 3, max = 63),
        regex(pattern = r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
    )]
    pub bucket: String,

    /// The state object's key, e.g. `prod/lockward.state.json`.
    #[schemars(length(min = 1, max = 960))]
    pub key: String,

    /// The provider whose region, profile and endpoint reach the bucket [default: `default`].
    #[serde(default)]
    pub provider: Option<String>,
}

/// A Glacier vault lock: a policy that, once completed, can never be changed or removed.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{"required": ["policy"]}, {"required": ["policy_file"]}]))]
pub struct RawGlacierVaultLock {
    /// The vault's name: 1 to 255 of `A-Z a-z 0-9 _ . -`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.\-]{1,255}$"))]
    pub vault: String,

    /// The account that owns the vault: `-` (the credentials' own account, the default) or 12
    /// digits. Quote it: `"-"`.
    #[serde(default)]
    #[schemars(regex(pattern = r"^(-|[0-9]{12})$"), extend("default" = "-"))]
    pub account_id: Option<String>,

    /// The provider to use; `default` when absent.
    #[serde(default)]
    pub provider: Option<String>,

    /// The lock policy inline: JSON text, or the policy written as a YAML mapping. At most
    /// 20 KiB in canonical JSON, with a `Statement`. Exactly one of `policy` and
    /// `policy_file` is required.
    #[serde(default)]
    pub policy: Option<RawPolicy>,

    /// A file holding the lock policy as JSON, relative to this config file's directory.
    #[serde(default)]
    pub policy_file: Option<String>,

    /// `locked`: the lock is completed (irreversible); `in_progress`: initiated and left in
    /// its 24-hour test window; `unlocked`: no lock in progress (a completed lock cannot be
    /// undone).
    pub state: RawVaultLockState,

    /// Do not complete the lock until it has been in progress this long: `90m`, `2h`, `1d`,
    /// `1h30m`. More than 0 and at most 24h. Only `state: locked` completes locks.
    #[serde(default)]
    #[schemars(regex(pattern = "^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"))]
    pub min_test_period: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawVaultLockState {
    /// The lock policy is in force and can never be removed.
    Locked,
    /// The lock is initiated and can still be aborted (it expires after 24 hours).
    InProgress,
    /// No lock is in progress.
    Unlocked,
}

/// A lock on a Recycle Bin retention rule: while locked, the rule cannot be changed or
/// deleted; unlocking takes effect only after the unlock delay.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("if" = {"properties": {"state": {"const": "locked"}}}, "then" = {"required": ["unlock_delay_days"]}))]
pub struct RawRbinRuleLock {
    /// The retention rule's identifier: 11 letters and digits.
    #[schemars(regex(pattern = "^[0-9a-zA-Z]{11}$"))]
    pub rule_id: String,

    /// The provider to use; `default` when absent.
    #[serde(default)]
    pub provider: Option<String>,

    /// `locked` or `unlocked`.
    pub state: RawRuleLockState,

    /// Days an unlock takes to take effect, 7 to 30. Required with `state: locked`. AWS never
    /// lets it change after the rule's first lock.
    #[serde(default)]
    #[schemars(range(min = 7, max = 30))]
    pub unlock_delay_days: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawRuleLockState {
    /// The rule is locked.
    Locked,
    /// The rule is not locked (an unlock waits out the unlock delay).
    Unlocked,
}

/// An AWS Backup Vault Lock: a governance lock can be changed or removed at any time; a
/// compliance lock only during its grace period (`changeable_for_days`), and never after.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("allOf" = [
    {"if": {"properties": {"mode": {"const": "compliance"}}},
     "then": {"required": ["min_retention_days", "changeable_for_days"]}},
    {"if": {"properties": {"mode": {"const": "governance"}}},
     "then": {"required": ["min_retention_days"], "not": {"required": ["changeable_for_days"]}}},
    {"if": {"properties": {"mode": {"const": "none"}}},
     "then": {"not": {"anyOf": [{"required": ["min_retention_days"]}, {"required": ["max_retention_days"]}, {"required": ["changeable_for_days"]}]}}}
]))]
pub struct RawBackupVaultLock {
    /// The backup vault's name: 2 to 50 of `A-Z a-z 0-9 _ -`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_\-]{2,50}$"))]
    pub vault: String,

    /// The provider to use; `default` when absent.
    #[serde(default)]
    pub provider: Option<String>,

    /// `compliance` (immutable after its grace period, even for the root user),
    /// `governance` (can be changed or removed at any time) or `none` (no lock).
    pub mode: RawBackupLockMode,

    /// The shortest retention a recovery point in the vault may have, 1 to 36500 days.
    /// Required unless `mode: none`.
    #[serde(default)]
    #[schemars(range(min = 1, max = 36500))]
    pub min_retention_days: Option<i64>,

    /// The longest retention a recovery point in the vault may have, at least
    /// `min_retention_days` and at most 36500 days. Optional.
    #[serde(default)]
    #[schemars(range(min = 1, max = 36500))]
    pub max_retention_days: Option<i64>,

    /// The grace period of a compliance lock, 3 to 36500 days: how long after lockward puts
    /// it the lock can still be changed or removed. Required with `mode: compliance`, refused
    /// otherwise. Never compared with an existing lock (AWS does not report it).
    #[serde(default)]
    #[schemars(range(min = 3, max = 36500))]
    pub changeable_for_days: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawBackupLockMode {
    /// Immutable from its lock date on.
    Compliance,
    /// Can be changed or removed at any time.
    Governance,
    /// No lock.
    None,
}

/// A Snowball job's unlock code, retrieved once and written to a file.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSnowballUnlockCode {
    /// The job id: `JID` or `MID` and a lowercase UUID.
    #[schemars(regex(
        pattern = "^(JID|MID)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    ))]
    pub job_id: String,

    /// The provider to use; `default` when absent.
    #[serde(default)]
    pub provider: Option<String>,

    /// The file the unlock code is written to (mode 0600), relative to this config file's
    /// directory. Never inside the directory of `manifest_path`, never the config or state file.
    #[schemars(length(min = 1))]
    pub deliver_to: String,

    /// The job's manifest file, relative to this config file's directory. Optional; when set,
    /// lockward refuses to deliver the code into the manifest's directory, as AWS advises.
    #[serde(default)]
    pub manifest_path: Option<String>,
}

/// S3 Object Lock on a bucket: once enabled it can never be disabled, and a COMPLIANCE
/// default retention locks every object version written under it for its whole period.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("if" = {"properties": {"object_lock": {"const": "enabled"}}}, "then" = {"required": ["default_retention"]}))]
pub struct RawS3ObjectLock {
    /// The bucket's name: 3 to 63 of `a-z 0-9 . -`, starting and ending with a letter or a
    /// digit, as S3's bucket naming rules say.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"))]
    pub bucket: String,

    /// The provider to use; `default` when absent. Its region must be the bucket's.
    #[serde(default)]
    pub provider: Option<String>,

    /// `enabled`: Object Lock is on (irreversible: it can never be disabled, nor versioning
    /// suspended); `disabled`: it is off.
    pub object_lock: RawObjectLockState,

    /// The bucket's default retention: `none`, or `{mode: compliance | governance, days: N}`
    /// (or `years: N`). Required with `object_lock: enabled`.
    #[serde(default)]
    pub default_retention: Option<RawDefaultRetention>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawObjectLockState {
    /// Object Lock is on; it can never be turned off.
    Enabled,
    /// Object Lock is off.
    Disabled,
}

/// `none`, or a default retention rule.
#[derive(Clone, Debug, PartialEq)]
pub enum RawDefaultRetention {
    /// `none`: no default retention.
    None,
    Rule(RawRetentionRule),
}

/// A default retention rule: a mode and exactly one of `days` and `years`.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{"required": ["days"]}, {"required": ["years"]}]))]
pub struct RawRetentionRule {
    /// `compliance`: no one, the root user included, can shorten or remove the retention of
    /// a version written under it; `governance`: users allowed to bypass it can.
    pub mode: RawRetentionMode,
    /// The retention period in days, 1 to 36500.
    #[serde(default)]
    #[schemars(range(min = 1, max = 36500))]
    pub days: Option<i64>,
    /// The retention period in years, 1 to 100.
    #[serde(default)]
    #[schemars(range(min = 1, max = 100))]
    pub years: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawRetentionMode {
    /// Retention no one can shorten or remove.
    Compliance,
    /// Retention that users allowed to bypass it can shorten or remove.
    Governance,
}

impl<'de> Deserialize<'de> for RawDefaultRetention {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RetentionVisitor;
        impl<'de> Visitor<'de> for RetentionVisitor {
            type Value = RawDefaultRetention;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("`none` or a mapping such as `{ mode: governance, days: 30 }`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawDefaultRetention, E> {
                match v {
                    "none" => Ok(RawDefaultRetention::None),
                    other => Err(E::unknown_variant(other, &["none"])),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawDefaultRetention, A::Error> {
                RawRetentionRule::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawDefaultRetention::Rule)
            }
        }
        d.deserialize_any(RetentionVisitor)
    }
}

impl JsonSchema for RawDefaultRetention {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RawDefaultRetention".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let rule = generator.subschema_for::<RawRetentionRule>();
        schemars::json_schema!({
            "description": "`none`, or a default retention rule.",
            "oneOf": [
                {"const": "none", "description": "No default retention."},
                rule
            ]
        })
    }
}

/// An inline policy: JSON text, or the policy document written as a YAML mapping.
#[derive(Clone, Debug, PartialEq)]
pub enum RawPolicy {
    Text(String),
    /// A YAML mapping. Its content is read from the YAML tree (`policy::from_yaml`), where
    /// every scalar still has the text it was written with; typing it through serde here would
    /// turn `1e2` into a float and refuse a 23-digit integer.
    Document,
}

impl<'de> Deserialize<'de> for RawPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PolicyVisitor;
        impl<'de> Visitor<'de> for PolicyVisitor {
            type Value = RawPolicy;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON text or a mapping")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawPolicy, E> {
                Ok(RawPolicy::Text(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawPolicy, A::Error> {
                while map.next_entry::<String, de::IgnoredAny>()?.is_some() {}
                Ok(RawPolicy::Document)
            }
        }
        d.deserialize_any(PolicyVisitor)
    }
}

impl JsonSchema for RawPolicy {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RawPolicy".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A vault lock policy: JSON text, or the policy document as a YAML mapping.",
            "oneOf": [
                {"type": "string", "description": "The policy as JSON text."},
                {"type": "object", "required": ["Statement"], "description": "The policy document."}
            ]
        })
    }
}

/// The JSON Schema of the config file, as checked in at `schema/lockward.schema.json`
/// (draft-07, which editors' YAML language servers understand). Deterministic: keys sorted.
pub fn schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft07()
        .for_deserialize()
        .into_generator();
    let schema = generator.into_root_schema_for::<RawConfig>();
    serde_json::to_value(&schema).unwrap_or(serde_json::Value::Null)
}
