//! The checks of `ebs_snapshot_lock` blocks: every problem reported where it is (file, line,
//! what to do), and what passed turned into the kind's desired value: one resource per listed
//! snapshot (`ebs_snapshot_lock.<name>[snap-…]`), or one for a `select`, whose snapshots are
//! found at plan time.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::config::error::Diagnostic;
use crate::config::validate::*;
use crate::config::yaml::Content;
use crate::kinds::ebs::{EbsDesired, EbsMode};
use crate::kinds::CheckedDesired;
use crate::vocabulary::Kind;

/// An EBS snapshot lock on listed snapshots, or on every snapshot with some tags.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("allOf" = [
    {"oneOf": [{"required": ["snapshots"]}, {"required": ["select"]}]},
    {"if": {"properties": {"mode": {"const": "none"}}},
     "then": {"not": {"anyOf": [{"required": ["duration_days"]}, {"required": ["until"]}, {"required": ["cool_off_hours"]}]}},
     "else": {"oneOf": [{"required": ["duration_days"]}, {"required": ["until"]}]}},
    {"if": {"properties": {"mode": {"const": "governance"}}},
     "then": {"not": {"required": ["cool_off_hours"]}}}
]))]
pub struct RawEbsSnapshotLock {
    /// The snapshots to lock, by id (`snap-` and 8 or 17 hex digits).
    #[serde(default)]
    pub snapshots: Option<Vec<String>>,

    /// Every snapshot the provider's account owns in its region with all of these tags,
    /// found when lockward plans.
    #[serde(default)]
    pub select: Option<RawSelect>,

    /// The provider to use; `default` when absent.
    #[serde(default)]
    pub provider: Option<String>,

    /// `compliance` (after its cool-off nobody can unlock or shorten it until it expires),
    /// `governance` (can be unlocked or shortened with `ec2:UnlockSnapshot`) or `none`.
    pub mode: RawEbsMode,

    /// How long the lock lasts, 1 to 36500 days, from when it is put (from the snapshot's
    /// completion if it is pending).
    #[serde(default)]
    #[schemars(range(min = 1, max = 36500))]
    pub duration_days: Option<i64>,

    /// When the lock expires (RFC 3339, e.g. `2033-12-31T00:00:00Z`), instead of
    /// `duration_days`.
    #[serde(default)]
    #[schemars(extend("format" = "date-time"))]
    pub until: Option<String>,

    /// Compliance only, 1 to 72: how many hours after it is put the lock can still be
    /// unlocked or changed. Omit it to make a compliance lock final at once.
    #[serde(default)]
    #[schemars(range(min = 1, max = 72))]
    pub cool_off_hours: Option<i64>,
}

/// Which snapshots a `select` finds.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSelect {
    /// Tag keys and the exact values a snapshot must have (all of them).
    #[schemars(length(min = 1))]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawEbsMode {
    /// Final after its cool-off until it expires.
    Compliance,
    /// Can be unlocked or shortened.
    Governance,
    /// No lock.
    None,
}

/// An EBS snapshot id: `snap-` and 8 or 17 lower-case hex digits.
pub fn check_snapshot_id(id: &str) -> Check<()> {
    let ok = id.strip_prefix("snap-").is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17)
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if ok {
        return Ok(());
    }
    Err(
        Diagnostic::new(format!("`{id}` is not an EBS snapshot id"))
            .hint("a snapshot id is `snap-` and 8 or 17 lower-case hex digits; `aws ec2 describe-snapshots --owner-ids self` lists them"),
    )
}

/// The hint for each required key of a block, when it is missing.
pub(crate) const MISSING_HINTS: &[(&str, &str)] =
    &[("mode", "add `mode: compliance`, `governance` or `none`")];

/// Checks every `ebs_snapshot_lock` block, reporting each problem and keeping what passed.
pub(crate) fn check(resources: &[Declared<'_, RawEbsSnapshotLock>], cx: &mut Checker<'_>) {
    for r in resources {
        let (address, mut problems) = r.resource(Kind::EbsSnapshotLock);
        let subject = address.to_string();
        let Some(raw) = &r.raw else {
            cx.report_all(&subject, problems);
            continue;
        };
        let provider = cx
            .provider_of(raw.provider.as_deref())
            .map_err(|e| problems.push((r.value_span("provider"), e)))
            .ok();
        let mode = match raw.mode {
            RawEbsMode::Compliance => EbsMode::Compliance,
            RawEbsMode::Governance => EbsMode::Governance,
            RawEbsMode::None => EbsMode::None,
        };
        // Which snapshots: listed ones, or a selection, never both.
        let mut ids: Vec<(String, crate::config::yaml::Span)> = Vec::new();
        match (&raw.snapshots, &raw.select) {
            (Some(_), Some(_)) => problems.push((
                r.key_span("select"),
                Diagnostic::new("a block lists `snapshots` or has a `select`, not both")
                    .hint("keep `snapshots: [snap-…]` for given snapshots, or `select: {tags: {…}}` for every snapshot with those tags"),
            )),
            (None, None) => problems.push((
                r.key.span,
                Diagnostic::new("the block names no snapshot")
                    .hint("add `snapshots: [snap-0123456789abcdef0]`, or `select: {tags: {legal-hold: \"true\"}}`"),
            )),
            (Some(list), None) => {
                let spans: Vec<crate::config::yaml::Span> = match r.node.get("snapshots") {
                    Some((_, v)) => match &v.content {
                        Content::Seq(items) => items.iter().map(|n| n.span).collect(),
                        _ => Vec::new(),
                    },
                    None => Vec::new(),
                };
                if list.is_empty() {
                    problems.push((
                        r.value_span("snapshots"),
                        Diagnostic::new("`snapshots` is empty")
                            .hint("list at least one snapshot id, or remove the block"),
                    ));
                }
                for (i, id) in list.iter().enumerate() {
                    let span = spans.get(i).copied().unwrap_or(r.key.span);
                    if let Err(e) = check_snapshot_id(id) {
                        problems.push((span, e));
                    } else if ids.iter().any(|(seen, _)| seen == id) {
                        problems.push((
                            span,
                            Diagnostic::new(format!("snapshot `{id}` is listed twice"))
                                .hint("remove the second one"),
                        ));
                    } else {
                        ids.push((id.clone(), span));
                    }
                }
            }
            (None, Some(select)) => {
                if select.tags.is_empty() {
                    problems.push((
                        r.value_span("select"),
                        Diagnostic::new("`select.tags` is empty: it would select every snapshot")
                            .hint("name at least one tag, e.g. `select: {tags: {legal-hold: \"true\"}}`"),
                    ));
                }
                for (k, v) in &select.tags {
                    if k.is_empty() || k.chars().count() > 128 || v.chars().count() > 256 {
                        problems.push((
                            r.value_span("select"),
                            Diagnostic::new(format!("the tag `{k}` cannot be on a snapshot"))
                                .hint("an EC2 tag key has 1 to 128 characters and its value at most 256"),
                        ));
                    }
                }
            }
        }
        let duration_days = raw.duration_days.and_then(|d| match u32::try_from(d) {
            Ok(n) if (1..=36500).contains(&n) => Some(n),
            _ => {
                problems.push((
                    r.value_span("duration_days"),
                    Diagnostic::new(format!(
                        "`duration_days` is {d}; an EBS snapshot lock lasts 1 to 36500 days"
                    ))
                    .hint("36500 days is 100 years, the longest lock EC2 allows"),
                ));
                None
            }
        });
        let until = raw.until.as_deref().and_then(|t| match t.parse::<jiff::Timestamp>() {
            Ok(t) => Some(t),
            Err(_) => {
                problems.push((
                    r.value_span("until"),
                    Diagnostic::new(format!("`until` is `{t}`, not a date and time"))
                        .hint("write it in RFC 3339 with its offset, e.g. `until: 2033-12-31T00:00:00Z`"),
                ));
                None
            }
        });
        let cool_off_hours = raw.cool_off_hours.and_then(|h| match u32::try_from(h) {
            Ok(n) if (1..=72).contains(&n) => Some(n),
            _ => {
                problems.push((
                    r.value_span("cool_off_hours"),
                    Diagnostic::new(format!(
                        "`cool_off_hours` is {h}; a compliance lock's cool-off is 1 to 72 hours"
                    ))
                    .hint("omit it to make the compliance lock final at once"),
                ));
                None
            }
        });
        match mode {
            EbsMode::None => {
                for field in ["duration_days", "until", "cool_off_hours"] {
                    if r.node.get(field).is_some() {
                        problems.push((
                            r.key_span(field),
                            Diagnostic::new(format!("`mode: none` has no `{field}`")).hint(
                                format!("remove `{field}`, or choose `mode: governance` or `mode: compliance`"),
                            ),
                        ));
                    }
                }
            }
            EbsMode::Governance | EbsMode::Compliance => {
                match (raw.duration_days.is_some(), raw.until.is_some()) {
                    (true, true) => problems.push((
                        r.key_span("until"),
                        Diagnostic::new("`duration_days` and `until` exclude each other")
                            .hint("keep one: a number of days from when the lock is put, or the instant it expires"),
                    )),
                    (false, false) => problems.push((
                        r.key.span,
                        Diagnostic::new("a lock needs `duration_days` or `until`")
                            .hint("add `duration_days: 2555` (1 to 36500) or `until: 2033-12-31T00:00:00Z`"),
                    )),
                    _ => {}
                }
                if mode == EbsMode::Governance && raw.cool_off_hours.is_some() {
                    problems.push((
                        r.key_span("cool_off_hours"),
                        Diagnostic::new("`mode: governance` has no `cool_off_hours`")
                            .hint("a cool-off is a compliance lock's: write `mode: compliance`, or remove `cool_off_hours`"),
                    ));
                }
            }
        }
        let Some(provider) = provider else {
            cx.report_all(&subject, problems);
            continue;
        };
        if let Some(target) = cx.target_of(&provider) {
            for (id, span) in &ids {
                let instance = address.instance(id.clone());
                if let Some(d) = cx.collide(
                    Kind::EbsSnapshotLock,
                    format!("{target} {id}"),
                    &instance,
                    *span,
                    &format!("snapshot `{id}`"),
                ) {
                    cx.out.diagnostics.push(d);
                }
            }
        }
        if !problems.is_empty() {
            cx.report_all(&subject, problems);
            continue;
        }
        let lock = EbsDesired {
            snapshot_id: None,
            select_tags: raw.select.as_ref().map(|s| s.tags.clone()),
            mode,
            duration_days: if until.is_some() { None } else { duration_days },
            until,
            cool_off_hours,
        };
        if raw.select.is_some() {
            cx.out.resources.push(Checked {
                address,
                provider,
                desired: CheckedDesired::EbsSnapshotLock(lock),
            });
        } else {
            for (id, _) in ids {
                cx.out.resources.push(Checked {
                    address: address.instance(id.clone()),
                    provider: provider.clone(),
                    desired: CheckedDesired::EbsSnapshotLock(lock.instance(&id)),
                });
            }
        }
    }
}
