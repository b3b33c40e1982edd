//! The checks of `s3_object_lock` blocks: every problem reported where it is (file, line, what to
//! do), and what passed turned into the kind's desired value.

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use std::collections::HashMap;

use crate::config::error::Diagnostic;
use crate::config::validate::*;
use crate::config::yaml::Span;
use crate::kinds::s3::{DefaultRetention, RetentionMode, RetentionPeriod};
use crate::kinds::s3::{ObjectLockState, S3Desired};
use crate::kinds::CheckedDesired;
use crate::vocabulary::Kind;

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

/// A default retention rule: a mode and exactly one of `days` (1 to 36500) and `years`
/// (1 to 100), as S3 accepts them.
pub fn check_retention_rule(rule: &RawRetentionRule) -> Check<DefaultRetention> {
    let mode = match rule.mode {
        RawRetentionMode::Compliance => RetentionMode::Compliance,
        RawRetentionMode::Governance => RetentionMode::Governance,
    };
    let in_range = |n: i64, max: u32, unit: &str| -> Check<u32> {
        match u32::try_from(n) {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(Diagnostic::new(format!(
                "a default retention of {n} {unit} is out of range: S3 takes 1 to {max} {unit}"
            ))),
        }
    };
    let period = match (rule.days, rule.years) {
        (Some(days), None) => RetentionPeriod::Days(in_range(days, 36500, "days")?),
        (None, Some(years)) => RetentionPeriod::Years(in_range(years, 100, "years")?),
        (Some(_), Some(_)) => {
            return Err(
                Diagnostic::new("a default retention has both `days` and `years`")
                    .hint("keep one of them: S3 takes a period in days or in years, not both"),
            )
        }
        (None, None) => {
            return Err(
                Diagnostic::new("a default retention needs `days` or `years`")
                    .hint("add `days: 30` or `years: 1`"),
            )
        }
    };
    Ok(DefaultRetention { mode, period })
}

/// The hint for each required key of a block, when it is missing.
pub(crate) const MISSING_HINTS: &[(&str, &str)] = &[
    ("bucket", "add `bucket: <the bucket's name>`"),
    ("object_lock", "add `object_lock: enabled` or `disabled`"),
    ("mode", "add `mode: compliance` or `governance`"),
];

/// Checks every `s3_object_lock` block, reporting each problem and keeping what passed.
pub(crate) fn check(resources: &[Declared<'_, RawS3ObjectLock>], cx: &mut Checker<'_>) {
    let source = cx.source;
    // S3 Object Lock. Bucket names are global: two resources on one bucket collide whatever
    // their providers.
    let mut buckets: HashMap<&str, (String, Span)> = HashMap::new();
    for r in resources {
        let (address, mut problems) = r.resource(Kind::S3ObjectLock);
        let subject = address.to_string();
        let Some(raw) = &r.raw else {
            untyped_fields(r, &[("bucket", check_bucket)], &mut problems);
            cx.report_all(&subject, problems);
            continue;
        };
        if let Err(e) = check_bucket(&raw.bucket) {
            problems.push((r.value_span("bucket"), e));
        }
        let provider = cx
            .provider_of(raw.provider.as_deref())
            .map_err(|e| problems.push((r.value_span("provider"), e)))
            .ok();
        let object_lock = match raw.object_lock {
            RawObjectLockState::Enabled => ObjectLockState::Enabled,
            RawObjectLockState::Disabled => ObjectLockState::Disabled,
        };
        let default_retention = match &raw.default_retention {
            Some(RawDefaultRetention::Rule(rule)) => check_retention_rule(rule)
                .map_err(|e| problems.push((r.value_span("default_retention"), e)))
                .ok(),
            Some(RawDefaultRetention::None) | None => None,
        };
        match (object_lock, &raw.default_retention) {
            (ObjectLockState::Enabled, None) => problems.push((
                r.key.span,
                Diagnostic::new("`object_lock: enabled` needs `default_retention`").hint(
                    "add `default_retention: none`, or e.g. `default_retention: { mode: governance, days: 30 }`",
                ),
            )),
            (ObjectLockState::Disabled, Some(RawDefaultRetention::Rule(_))) => problems.push((
                r.key_span("default_retention"),
                Diagnostic::new("a default retention needs `object_lock: enabled`")
                    .hint("remove `default_retention`, or set `object_lock: enabled`"),
            )),
            _ => {}
        }
        if let Some((first, first_span)) = buckets.get(raw.bucket.as_str()) {
            cx.out.diagnostics.push(
                Diagnostic::new(format!("bucket `{}` is also managed by {first}", raw.bucket))
                    .subject(&subject)
                    .at(source, r.key.span)
                    .related(
                        source
                            .snippet(*first_span, Some("first managed here"))
                            .secondary(),
                    )
                    .hint("bucket names are global: two resources managing one bucket would fight over it; remove one of them"),
            );
        } else {
            buckets.insert(&raw.bucket, (subject.clone(), r.key.span));
        }
        match (problems.is_empty(), provider) {
            (true, Some(provider)) => cx.out.resources.push(Checked {
                address,
                provider,
                desired: CheckedDesired::S3ObjectLock(S3Desired {
                    bucket: raw.bucket.clone(),
                    object_lock,
                    default_retention,
                }),
            }),
            _ => cx.report_all(&subject, problems),
        }
    }
}
