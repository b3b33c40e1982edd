//! S3's model, its part of the seed document and its state view. Buckets are kept by name in one
//! namespace across accounts and regions; each bucket records its own account and region.

use std::collections::BTreeMap;

use base64::Engine;
use jiff::Timestamp;
use md5::Digest;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::S3;
use crate::state::{default_region, random_from, EmulatedService, SeedContext, ViewContext, ALNUM};
use crate::wire::Service;

impl EmulatedService for S3 {
    const STATE_KEY: Option<&'static str> = Some("s3");
    const WIRE: &'static [&'static dyn Service] = &[&S3];
    /// Buckets by name: one namespace across accounts and regions (each bucket records its own).
    type Model = BTreeMap<String, Bucket>;
    type Entry = SeedBucket;

    fn seed(buckets: &mut Self::Model, b: SeedBucket, cx: &SeedContext) -> Result<(), String> {
        let account = cx.account(b.account_id);
        let now = cx.now;
        if !valid_bucket_name(&b.bucket) {
            return Err(format!("invalid bucket name {:?}", b.bucket));
        }
        let lock_enabled = b.object_lock.as_ref().is_some_and(|l| l.enabled);
        let versioning = b.versioning.unwrap_or(if lock_enabled {
            Versioning::Enabled
        } else {
            Versioning::Unversioned
        });
        if lock_enabled && versioning != Versioning::Enabled {
            return Err(format!(
                "bucket {}: Object Lock needs versioning Enabled, not {versioning:?}",
                b.bucket
            ));
        }
        let object_lock = match b.object_lock {
            Some(l) if l.enabled => Some(match l.default_retention {
                None => None,
                Some(r) => Some(DefaultRetention {
                    mode: r.mode,
                    period: seed_period(r.days, r.years)
                        .map_err(|e| format!("bucket {}: default_retention: {e}", b.bucket))?,
                    event_hold: r
                        .default_event_hold
                        .map(|h| seed_period(h.days, h.years))
                        .transpose()
                        .map_err(|e| format!("bucket {}: default_event_hold: {e}", b.bucket))?,
                }),
            }),
            Some(l) if l.default_retention.is_some() => {
                return Err(format!(
                    "bucket {}: a default_retention needs Object Lock enabled",
                    b.bucket
                ))
            }
            _ => None,
        };
        let mut objects = BTreeMap::new();
        let mut rng = rand::rng();
        for o in b.objects {
            let body = match (o.body, o.body_base64) {
                (Some(text), None) => bytes::Bytes::from(text.into_bytes()),
                (None, Some(b64)) => {
                    base64::engine::general_purpose::STANDARD
                        .decode(b64.as_bytes())
                        .map(bytes::Bytes::from)
                        .map_err(|e| format!("object {:?}: body_base64: {e}", o.key))?
                }
                (None, None) => bytes::Bytes::new(),
                (Some(_), Some(_)) => {
                    return Err(format!(
                        "object {:?}: give `body` or `body_base64`, not both",
                        o.key
                    ))
                }
            };
            if o.key.is_empty() || o.key.len() > 1024 {
                return Err(format!("invalid object key {:?}", o.key));
            }
            let mut object = S3Object::new(body, o.last_modified.unwrap_or(now), o.content_type);
            if versioning == Versioning::Enabled {
                object.version_id = Some(new_version_id(&mut rng));
            }
            objects.insert(o.key, object);
        }
        if let Some(existing) = buckets.get(&b.bucket) {
            if existing.account != account {
                return Err(format!(
                    "bucket {} already exists in account {}; bucket names are global",
                    b.bucket, existing.account
                ));
            }
        }
        buckets.insert(
            b.bucket.clone(),
            Bucket {
                name: b.bucket,
                account,
                region: b.region,
                created: b.created.unwrap_or(now),
                versioning,
                object_lock,
                objects,
            },
        );
        Ok(())
    }

    fn view(buckets: &Self::Model, cx: &ViewContext) -> Vec<SeedBucket> {
        buckets
            .values()
            .map(|b| SeedBucket {
                account_id: cx.account_id(&b.account),
                region: b.region.clone(),
                bucket: b.name.clone(),
                created: Some(b.created),
                versioning: Some(b.versioning),
                object_lock: b.object_lock.map(|default| SeedObjectLock {
                    enabled: true,
                    default_retention: default.map(|r| {
                        let (days, years) = period_fields(r.period);
                        SeedDefaultRetention {
                            mode: r.mode,
                            days,
                            years,
                            default_event_hold: r.event_hold.map(|h| {
                                let (days, years) = period_fields(h);
                                SeedPeriod { days, years }
                            }),
                        }
                    }),
                }),
                objects: b
                    .objects
                    .iter()
                    .map(|(key, o)| {
                        let (body, body_base64) = match std::str::from_utf8(&o.body) {
                            Ok(text) => (Some(text.to_string()), None),
                            Err(_) => {
                                let b64 = base64::engine::general_purpose::STANDARD.encode(&o.body);
                                (None, Some(b64))
                            }
                        };
                        SeedObject {
                            key: key.clone(),
                            body,
                            body_base64,
                            content_type: o.content_type.clone(),
                            last_modified: Some(o.last_modified),
                        }
                    })
                    .collect(),
            })
            .collect()
    }
}

/// The versioning state of an S3 bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Versioning {
    Unversioned,
    Enabled,
    Suspended,
}

/// An Object Lock retention period: exactly one of days or years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Days(u32),
    Years(u32),
}

/// An S3 Object Lock mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RetentionMode {
    #[serde(rename = "GOVERNANCE")]
    Governance,
    #[serde(rename = "COMPLIANCE")]
    Compliance,
}

impl RetentionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionMode::Governance => "GOVERNANCE",
            RetentionMode::Compliance => "COMPLIANCE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "GOVERNANCE" => Some(RetentionMode::Governance),
            "COMPLIANCE" => Some(RetentionMode::Compliance),
            _ => None,
        }
    }
}

/// A bucket's default retention, applied to object versions written while it is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultRetention {
    pub mode: RetentionMode,
    pub period: Period,
    /// `DefaultEventHold` (in the S3 model since 2026): kept and reported, not enforced.
    pub event_hold: Option<Period>,
}

/// An object as S3 keeps it (only the current version; see the README).
#[derive(Debug, Clone)]
pub struct S3Object {
    pub body: bytes::Bytes,
    /// The quoted MD5 hex of the body, as S3 reports it for a single-part upload.
    pub etag: String,
    pub last_modified: Timestamp,
    pub content_type: Option<String>,
    /// Set when the object was written while versioning was enabled.
    pub version_id: Option<String>,
}

impl S3Object {
    pub fn new(body: bytes::Bytes, now: Timestamp, content_type: Option<String>) -> Self {
        let digest = md5::Md5::digest(&body);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        S3Object {
            body,
            etag: format!("\"{hex}\""),
            last_modified: now,
            content_type,
            version_id: None,
        }
    }
}

/// An S3 bucket. `object_lock` is `Some` once Object Lock is enabled, which can never be undone.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub name: String,
    pub account: String,
    pub region: String,
    pub created: Timestamp,
    pub versioning: Versioning,
    pub object_lock: Option<Option<DefaultRetention>>,
    pub objects: BTreeMap<String, S3Object>,
}

/// S3's bucket naming rules (general purpose buckets): 3-63 of `[a-z0-9.-]`, starting and ending
/// with a letter or digit, no `..`, not shaped like an IP address.
pub fn valid_bucket_name(name: &str) -> bool {
    let b = name.as_bytes();
    (3..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'-'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && !name.contains("..")
        && name.parse::<std::net::Ipv4Addr>().is_err()
}

/// An S3 version id: 32 URL-safe characters.
pub fn new_version_id(rng: &mut impl Rng) -> String {
    random_from(rng, ALNUM, 32)
}

/// A bucket in the seed document and the state (`"s3"`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedBucket {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(default = "default_region")]
    region: String,
    bucket: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created: Option<Timestamp>,
    /// Defaults to `Enabled` when Object Lock is enabled, else `Unversioned`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    versioning: Option<Versioning>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    object_lock: Option<SeedObjectLock>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    objects: Vec<SeedObject>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedObjectLock {
    enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_retention: Option<SeedDefaultRetention>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedDefaultRetention {
    mode: RetentionMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    years: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_event_hold: Option<SeedPeriod>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedPeriod {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    years: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedObject {
    key: String,
    /// The body as text; `body_base64` carries a body that is not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_base64: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<Timestamp>,
}

/// Exactly one of days or years, positive.
fn seed_period(days: Option<u32>, years: Option<u32>) -> Result<Period, String> {
    match (days, years) {
        (Some(d), None) if d > 0 => Ok(Period::Days(d)),
        (None, Some(y)) if y > 0 => Ok(Period::Years(y)),
        (Some(_), Some(_)) => Err("give `days` or `years`, not both".to_string()),
        (None, None) => Err("give `days` or `years`".to_string()),
        _ => Err("the period must be positive".to_string()),
    }
}

fn period_fields(p: Period) -> (Option<u32>, Option<u32>) {
    match p {
        Period::Days(d) => (Some(d), None),
        Period::Years(y) => (None, Some(y)),
    }
}
