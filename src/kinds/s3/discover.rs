//! Discovery of S3 Object Lock: ListBuckets of the scope's region, then the Object Lock
//! configuration of every undeclared bucket (at most `parallelism` at a time), every call
//! naming the credentials' own account as the expected bucket owner.

use futures::stream::{self, StreamExt, TryStreamExt};

use crate::aws::ProviderClients;
use crate::report::discover::{suggest_name, DiscoveryError, Found, Scope, UnmanagedLock};
use crate::vocabulary::{Address, Kind};
use crate::words::Phrase;

use super::S3Live;

/// Every bucket of the scope's region with Object Lock that no resource declares.
pub(crate) async fn discover(
    scope: &Scope,
    c: &ProviderClients,
    parallelism: usize,
    _now: jiff::Timestamp,
) -> Result<Found, DiscoveryError> {
    let buckets =
        c.s3.list_buckets(&scope.region)
            .await
            .map_err(scope.failed("ListBuckets"))?;
    let undeclared: Vec<&String> = buckets
        .iter()
        .filter(|b| !scope.declares(Kind::S3ObjectLock, b))
        .collect();
    let mut found = Found {
        listed: buckets.len(),
        locks: Vec::new(),
    };
    if undeclared.is_empty() {
        return Ok(found);
    }
    let owner = c
        .sts
        .caller_identity()
        .await
        .map_err(scope.failed("GetCallerIdentity"))?
        .account;
    let owner = owner.as_str();
    found.locks = stream::iter(undeclared)
        .map(|name| async move {
            let config =
                c.s3.get_object_lock_configuration(name, owner)
                    .await
                    .map_err(scope.failed("GetObjectLockConfiguration"))?;
            Ok::<_, DiscoveryError>(config.map(|config| {
                let live = S3Live::Enabled {
                    default_retention: config.default_retention,
                    default_event_hold: config.default_event_hold,
                };
                unmanaged(scope, name, &live)
            }))
        })
        .buffered(parallelism)
        .try_filter_map(|found| async move { Ok(found) })
        .try_collect()
        .await?;
    Ok(found)
}

fn unmanaged(scope: &Scope, name: &str, live: &S3Live) -> UnmanagedLock {
    let providers = scope.providers.clone();
    let region = scope.region.clone();
    let provider_line = scope.provider_line();
    let suggested = Address::new(Kind::S3ObjectLock, suggest_name(name));
    let default_retention = match live {
        crate::kinds::s3::S3Live::Enabled {
            default_retention, ..
        } => *default_retention,
        _ => None,
    };
    let retention = default_retention.map_or_else(
        || "none".to_string(),
        |d| {
            let period = match d.period {
                crate::kinds::s3::RetentionPeriod::Days(n) => format!("days: {n}"),
                crate::kinds::s3::RetentionPeriod::Years(n) => format!("years: {n}"),
            };
            let mode = match d.mode {
                crate::kinds::s3::RetentionMode::Compliance => "compliance",
                crate::kinds::s3::RetentionMode::Governance => "governance",
            };
            format!("{{ mode: {mode}, {period} }}")
        },
    );
    let next_step = format!(
        "Object Lock can never be disabled on it. Declare it as `{suggested}` (bucket: {name}{provider_line}, object_lock: enabled, default_retention: {retention}) and run `lockward import {suggested}` to manage it."
    );
    let found = UnmanagedLock::new(
        Kind::S3ObjectLock,
        providers,
        region,
        name,
        "enabled",
        suggested,
        next_step,
    );
    match default_retention {
        Some(d) => found.detail(
            "default_retention",
            d,
            Phrase::of_text(", default retention ").value(d.to_string()),
        ),
        None => found,
    }
}
