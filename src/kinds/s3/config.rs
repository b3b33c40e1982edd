//! The checks of `s3_object_lock` blocks: every problem reported where it is (file, line, what to
//! do), and what passed turned into the kind's desired value.

use std::collections::HashMap;

use crate::config::error::Diagnostic;
use crate::config::raw::*;
use crate::config::validate::*;
use crate::config::yaml::Span;
use crate::kinds::s3::{ObjectLockState, S3Desired};
use crate::kinds::{Address, Kind};

/// Checks every `s3_object_lock` block, reporting each problem and keeping what passed.
pub(crate) fn check(resources: &[Declared<'_, RawS3ObjectLock>], cx: &mut Checker<'_>) {
    let source = cx.source;
    let report =
        |subject: &str, span: Span, problem: Problem| located(source, subject, span, problem);
    // S3 Object Lock. Bucket names are global: two resources on one bucket collide whatever
    // their providers.
    let mut buckets: HashMap<&str, (String, Span)> = HashMap::new();
    for r in resources {
        let subject = format!("s3_object_lock.{}", r.name);
        let mut problems = Vec::new();
        if let Err(e) = check_name(r.name) {
            problems.push((r.key.span, e));
        }
        let Some(raw) = &r.raw else {
            untyped_fields(r, &[("bucket", check_bucket)], &mut problems);
            cx.out.diagnostics.extend(
                problems
                    .into_iter()
                    .map(|(span, e)| report(&subject, span, e)),
            );
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
                Problem::new("`object_lock: enabled` needs `default_retention`").hint(
                    "add `default_retention: none`, or e.g. `default_retention: { mode: governance, days: 30 }`",
                ),
            )),
            (ObjectLockState::Disabled, Some(RawDefaultRetention::Rule(_))) => problems.push((
                r.key_span("default_retention"),
                Problem::new("a default retention needs `object_lock: enabled`")
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
                address: Address::new(Kind::S3ObjectLock, r.name),
                provider,
                desired: CheckedDesired::S3(S3Desired {
                    bucket: raw.bucket.clone(),
                    object_lock,
                    default_retention,
                }),
            }),
            _ => cx.out.diagnostics.extend(
                problems
                    .into_iter()
                    .map(|(span, e)| report(&subject, span, e)),
            ),
        }
    }
}
