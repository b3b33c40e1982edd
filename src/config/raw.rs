//! The config file as written: the raw serde types, before any semantic check. They define
//! the file's shape twice over: serde reads the YAML into them, and schemars turns them into
//! `schema/lockward.schema.json`, so the schema and the parser cannot drift apart.
//!
//! Values that need checking beyond their type (names, ids, durations, paths) are kept as
//! text here and checked by each kind's `config.rs` (and `validate.rs` for what they share),
//! which can then say precisely what is wrong.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

/// A lockward configuration file (`lockward.yaml`): the intended state of irreversible AWS
/// locks. See docs/configuration.md.
#[derive(JsonSchema)]
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

    /// Each kind's blocks under the kind's name (the sections are defined in `kinds/mod.rs`).
    #[serde(flatten)]
    pub locks: crate::kinds::RawSections,
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

    /// The account that owns the bucket, named on every call so a bucket of the same name in
    /// another account is never used [default: the provider's own account].
    #[serde(default)]
    #[schemars(regex(pattern = r"^[0-9]{12}$"))]
    pub expected_owner: Option<String>,
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
