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

    /// Named sets of AWS accounts, for providers with `for_each` (DESIGN.md section 2.1): a
    /// static list (`ids`) or the members of AWS Organizations units read at plan time
    /// (`organization`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z][a-z0-9_]{0,63}$"}))]
    pub accounts: Option<BTreeMap<String, RawAccountSet>>,

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

/// An AWS region and, optionally, a profile, an endpoint and a role to assume; or, with
/// `for_each`, a template: one provider per account of a set and region. Credentials are never
/// written here: they come from the standard AWS chain.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{"required": ["region"]}, {"required": ["for_each"]}]))]
pub struct RawProvider {
    /// The AWS region, e.g. `us-east-1`. A template (`for_each`) takes its regions from
    /// `for_each.regions` instead.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$"))]
    pub region: Option<String>,

    /// A named profile from the shared AWS config files.
    #[serde(default)]
    pub profile: Option<String>,

    /// An http(s) URL to send every API call to instead of AWS, e.g. the lockward emulator.
    #[serde(default)]
    #[schemars(regex(pattern = "^https?://"))]
    pub endpoint_url: Option<String>,

    /// An IAM role to assume before calling AWS: its ARN, or the role with its options. In a
    /// template the ARN's account field is `${account}`.
    #[serde(default)]
    pub assume_role: Option<RawAssumeRole>,

    /// Makes this provider a template: one provider per account of the set `accounts` and
    /// per region of `regions`; a resource using it is one instance per pair
    /// (`<kind>.<name>[<account>/<region>]`).
    #[serde(default)]
    pub for_each: Option<RawForEach>,
}

/// The role a provider assumes.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum RawAssumeRole {
    /// The role's ARN alone, e.g. `arn:aws:iam::123456789012:role/lockward`.
    Arn(String),
    /// The role with its options.
    Role(RawRole),
}

impl<'de> Deserialize<'de> for RawAssumeRole {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RoleVisitor;
        impl<'de> serde::de::Visitor<'de> for RoleVisitor {
            type Value = RawAssumeRole;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a role ARN or a mapping with `role_arn`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawAssumeRole, E> {
                Ok(RawAssumeRole::Arn(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawAssumeRole, A::Error> {
                RawRole::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawAssumeRole::Role)
            }
        }
        d.deserialize_any(RoleVisitor)
    }
}

impl RawAssumeRole {
    /// The role's ARN as written.
    pub fn role_arn(&self) -> &str {
        match self {
            RawAssumeRole::Arn(arn) => arn,
            RawAssumeRole::Role(role) => &role.role_arn,
        }
    }
}

/// A role to assume, with the options of STS AssumeRole.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    /// The role's ARN; in a template, `arn:aws:iam::${account}:role/<name>`.
    #[schemars(regex(pattern = r"^arn:aws[a-z-]*:iam::([0-9]{12}|\$\{account\}):role/.+$"))]
    pub role_arn: String,

    /// The external id the role's trust policy asks for (2 to 1224 of `\w+=,.@:/-`).
    #[serde(default)]
    #[schemars(regex(pattern = r"^[\w+=,.@:/-]{2,1224}$"))]
    pub external_id: Option<String>,

    /// The session's name, as CloudTrail shows it (2 to 64 of `\w+=,.@-`) [default:
    /// `lockward-` and the OS user's name].
    #[serde(default)]
    #[schemars(regex(pattern = r"^[\w+=,.@-]{2,64}$"))]
    pub session_name: Option<String>,

    /// How long a session lasts, `15m` to `12h` [default: `1h`, the most a role chain allows].
    #[serde(default)]
    #[schemars(regex(pattern = "^([0-9]+h)?([0-9]+m)?([0-9]+s)?$"))]
    pub duration: Option<String>,
}

/// The accounts and regions a template provider stands for.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawForEach {
    /// The name of a set under `accounts:`.
    pub accounts: String,

    /// The regions, e.g. `[us-east-1, eu-west-1]`. STS is asked in the first.
    #[schemars(length(min = 1))]
    pub regions: Vec<String>,
}

/// A named set of accounts: `ids`, or `organization`.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{"required": ["ids"]}, {"required": ["organization"]}]))]
pub struct RawAccountSet {
    /// The accounts' ids (12 digits each).
    #[serde(default)]
    pub ids: Option<Vec<String>>,

    /// The ACTIVE accounts under organisational units (searched recursively) or a root, read
    /// from AWS Organizations when planning.
    #[serde(default)]
    pub organization: Option<RawOrganization>,
}

/// Members of an AWS organisation, read at plan time.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOrganization {
    /// The provider whose credentials may list the organisation (its management account, or a
    /// delegated administrator): organizations:ListAccounts, ListAccountsForParent,
    /// ListOrganizationalUnitsForParent and DescribeOrganization.
    pub provider: String,

    /// Organisational units (`ou-…`, searched recursively) or the root (`r-…`).
    #[schemars(length(min = 1))]
    pub parents: Vec<String>,

    /// Accounts to leave out (12 digits each).
    #[serde(default)]
    pub exclude: Vec<String>,

    /// Allow the set to have no member [default: false: an empty set is an error].
    #[serde(default)]
    pub allow_empty: bool,
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
    let mut schema = serde_json::to_value(&schema).unwrap_or(serde_json::Value::Null);
    // A resource's strings may hold `${account}`, `${region}` or `${account_name}` (its
    // provider a template): lockward checks them after substitution, so the schema lets a
    // string with a variable through wherever it asks for a pattern.
    if let Some(defs) = schema
        .get_mut("definitions")
        .and_then(serde_json::Value::as_object_mut)
    {
        for (name, def) in defs.iter_mut() {
            if !UNTEMPLATED.contains(&name.as_str()) {
                allow_variables(def);
            }
        }
    }
    schema
}

/// The schema definitions of this file's own parts, whose strings are never substituted;
/// every other definition is a kind's, whose strings a template substitutes.
const UNTEMPLATED: [&str; 8] = [
    "RawAccountSet",
    "RawAssumeRole",
    "RawBackend",
    "RawForEach",
    "RawOrganization",
    "RawProvider",
    "RawRole",
    "RawS3Backend",
];

/// Every `pattern` under `schema` also accepts a string holding `${`.
fn allow_variables(schema: &mut serde_json::Value) {
    match schema {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(p)) = map.get("pattern") {
                let p = format!("(?:{p})|\\$\\{{");
                map.insert("pattern".into(), serde_json::Value::String(p));
            }
            for (_, v) in map.iter_mut() {
                allow_variables(v);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(allow_variables),
        _ => {}
    }
}
