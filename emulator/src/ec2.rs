//! Amazon EC2's snapshot subset, on the EC2 Query protocol (API version 2016-11-15):
//! DescribeSnapshots, DescribeLockedSnapshots, LockSnapshot, UnlockSnapshot and DeleteSnapshot.
//! Requests are form-encoded `Action=...&Version=2016-11-15` (lists flattened as `SnapshotId.1`,
//! `Filter.1.Name`, `Filter.1.Value.1`); answers are XML in the EC2 namespace; errors are
//! `<Response><Errors><Error>` with a 4xx (client) or 5xx (server) status.
//!
//! A snapshot lock (DESIGN.md section 3.6) is `governance` (can be changed, shortened or unlocked
//! at any time), `compliance-cooloff` (a compliance lock within its cool-off: the same),
//! `compliance` (after its cool-off, or at once without one: it can only be extended, never
//! unlocked, and its snapshot cannot be deleted) or `expired` (its LockExpiresOn has passed on
//! the virtual clock: it protects nothing and can be locked again). The state is computed from
//! the virtual "now" whenever it is read, so moving the clock moves every lock.
//!
//! The cool-off ends at `LockCreatedOn + CoolOffPeriod` (the reading DESIGN.md takes: AWS does
//! not document from when a changed cool-off counts), and a lock's LockCreatedOn and
//! LockDurationStartTime stay what they were when a live lock is changed.

use std::collections::BTreeMap;

use axum::response::Response;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::clock::{iso_millis, plus_days, shift};
use crate::state::{default_region, EmulatedService, Regional, SeedContext, ViewContext};
use crate::wire::{str_param, xml_escape, ApiError, Claim, Ctx, Operation, RawRequest, Service};

const XMLNS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
const VERSION: &str = "2016-11-15";

/// LockDuration and the furthest ExpirationDate, in days.
const MAX_LOCK_DAYS: i64 = 36_500;
/// CoolOffPeriod, in hours.
const MAX_COOL_OFF_HOURS: i64 = 72;
/// MaxResults of both Describe calls.
const MIN_PAGE: usize = 5;
const MAX_PAGE: usize = 1000;

/// The `lock-state` values DescribeLockedSnapshots filters on, as the model's `LockState` enum.
const LOCK_STATES: [&str; 4] = ["compliance", "governance", "compliance-cooloff", "expired"];

// ---- the model, its seed and its state view ------------------------------------------------

impl EmulatedService for Ec2 {
    const STATE_KEY: Option<&'static str> = Some("ec2");
    const WIRE: &'static [&'static dyn Service] = &[&Ec2];
    type Model = Regional<BTreeMap<String, Snapshot>>;
    type Entry = SeedSnapshot;

    fn seed(model: &mut Self::Model, s: SeedSnapshot, cx: &SeedContext) -> Result<(), String> {
        let account = cx.account(s.account_id);
        if !valid_snapshot_id(&s.snapshot_id) {
            return Err(format!(
                "invalid EC2 snapshot id {:?}: expected snap- and 8 or 17 hex digits",
                s.snapshot_id
            ));
        }
        let pending = match s.state.as_str() {
            "completed" => false,
            "pending" => true,
            other => {
                return Err(format!(
                    "EC2 snapshot {}: invalid state {other:?}: expected completed or pending",
                    s.snapshot_id
                ))
            }
        };
        let lock = match s.lock {
            None => None,
            Some(l) => Some(
                seed_lock(l, pending).map_err(|e| format!("EC2 snapshot {}: {e}", s.snapshot_id))?,
            ),
        };
        model.at(&account, &s.region).insert(
            s.snapshot_id.clone(),
            Snapshot {
                id: s.snapshot_id,
                pending,
                created: s.created.unwrap_or(cx.now),
                description: s.description,
                tags: s.tags.into_iter().map(|t| (t.key, t.value)).collect(),
                lock,
            },
        );
        Ok(())
    }

    fn view(model: &Self::Model, cx: &ViewContext) -> Vec<SeedSnapshot> {
        let mut entries = Vec::new();
        for (account, region, snapshots) in model.iter() {
            for s in snapshots.values() {
                entries.push(SeedSnapshot {
                    account_id: cx.account_id(account),
                    region: region.to_string(),
                    snapshot_id: s.id.clone(),
                    state: if s.pending { "pending" } else { "completed" }.to_string(),
                    created: Some(s.created),
                    description: s.description.clone(),
                    tags: s
                        .tags
                        .iter()
                        .map(|(key, value)| SeedTag {
                            key: key.clone(),
                            value: value.clone(),
                        })
                        .collect(),
                    lock: s.lock.as_ref().map(|l| SeedLock {
                        mode: l.mode.as_str().to_string(),
                        created: l.created,
                        duration_days: l.duration_days,
                        expiration_date: l.expiration_date,
                        duration_start: l.duration_start,
                        cool_off_hours: l.cool_off_hours,
                    }),
                });
            }
        }
        entries
    }
}

fn seed_lock(l: SeedLock, pending: bool) -> Result<Lock, String> {
    let mode = Mode::parse(&l.mode)
        .ok_or_else(|| format!("invalid lock mode {:?}: expected governance or compliance", l.mode))?;
    match (l.duration_days, l.expiration_date) {
        (Some(_), Some(_)) => {
            return Err("a lock has duration_days or expiration_date, not both".to_string())
        }
        (None, None) => return Err("a lock needs duration_days or expiration_date".to_string()),
        (Some(d), None) if !(1..=MAX_LOCK_DAYS).contains(&d) => {
            return Err(format!("duration_days {d} is not within 1..={MAX_LOCK_DAYS}"))
        }
        _ => {}
    }
    if let Some(c) = l.cool_off_hours {
        if mode != Mode::Compliance {
            return Err("cool_off_hours is for a compliance lock only".to_string());
        }
        if !(1..=MAX_COOL_OFF_HOURS).contains(&c) {
            return Err(format!("cool_off_hours {c} is not within 1..={MAX_COOL_OFF_HOURS}"));
        }
    }
    Ok(Lock {
        mode,
        created: l.created,
        duration_days: l.duration_days,
        expiration_date: l.expiration_date,
        // A lock on a pending snapshot starts counting when the snapshot completes.
        duration_start: l.duration_start.or((!pending).then_some(l.created)),
        cool_off_hours: l.cool_off_hours,
    })
}

/// An EBS snapshot.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub id: String,
    /// `pending` rather than `completed` (it stays so until seeded again).
    pub pending: bool,
    /// StartTime.
    pub created: Timestamp,
    pub description: Option<String>,
    /// In the order seeded.
    pub tags: Vec<(String, String)>,
    /// The lock, also once it has expired (DescribeLockedSnapshots lists it as `expired`).
    pub lock: Option<Lock>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Governance,
    Compliance,
}

impl Mode {
    fn parse(s: &str) -> Option<Mode> {
        match s {
            "governance" => Some(Mode::Governance),
            "compliance" => Some(Mode::Compliance),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Mode::Governance => "governance",
            Mode::Compliance => "compliance",
        }
    }
}

/// A snapshot lock as LockSnapshot left it; its state follows from the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    pub mode: Mode,
    /// LockCreatedOn: when the snapshot was locked (kept when a live lock is changed).
    pub created: Timestamp,
    /// LockDuration, when the lock was given one (else it was given an ExpirationDate).
    pub duration_days: Option<i64>,
    pub expiration_date: Option<Timestamp>,
    /// LockDurationStartTime: the lock's creation, or the snapshot's completion if it was
    /// pending (`None` while it still is).
    pub duration_start: Option<Timestamp>,
    /// CoolOffPeriod (compliance only).
    pub cool_off_hours: Option<i64>,
}

/// A lock's state at some instant (the model's `LockState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockState {
    Governance,
    ComplianceCooloff,
    Compliance,
    Expired,
}

impl LockState {
    fn as_str(self) -> &'static str {
        match self {
            LockState::Governance => "governance",
            LockState::ComplianceCooloff => "compliance-cooloff",
            LockState::Compliance => "compliance",
            LockState::Expired => "expired",
        }
    }
}

impl Lock {
    /// LockExpiresOn, unknown for a duration on a snapshot still pending.
    pub fn expires(&self) -> Option<Timestamp> {
        self.expiration_date.or_else(|| {
            let start = self.duration_start?;
            Some(plus_days(start, self.duration_days?))
        })
    }

    /// CoolOffPeriodExpiresOn: `LockCreatedOn + CoolOffPeriod` (DESIGN.md 3.6's reading).
    pub fn cool_off_ends(&self) -> Option<Timestamp> {
        let hours = self.cool_off_hours?;
        Some(shift(self.created, SignedDuration::from_hours(hours)))
    }

    pub fn state(&self, now: Timestamp) -> LockState {
        if self.expires().is_some_and(|e| e <= now) {
            return LockState::Expired;
        }
        match self.mode {
            Mode::Governance => LockState::Governance,
            Mode::Compliance if self.cool_off_ends().is_some_and(|end| now < end) => {
                LockState::ComplianceCooloff
            }
            Mode::Compliance => LockState::Compliance,
        }
    }
}

/// `snap-` and 8 or 17 lower-case hex digits.
pub fn valid_snapshot_id(id: &str) -> bool {
    id.strip_prefix("snap-").is_some_and(|hex| {
        matches!(hex.len(), 8 | 17) && hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
    })
}

fn default_state() -> String {
    "completed".to_string()
}

/// An EBS snapshot in the seed document and the state (`"ec2"`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSnapshot {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(default = "default_region")]
    region: String,
    snapshot_id: String,
    #[serde(default = "default_state")]
    state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default)]
    tags: Vec<SeedTag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lock: Option<SeedLock>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedTag {
    key: String,
    value: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedLock {
    mode: String,
    created: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    duration_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expiration_date: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    duration_start: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cool_off_hours: Option<i64>,
}

/// The snapshots of the caller's account and region.
fn snapshots<'c>(ctx: &'c mut Ctx) -> &'c mut BTreeMap<String, Snapshot> {
    ctx.store.services.ec2.at(&ctx.account, &ctx.region)
}

// ---- the wire adapter ------------------------------------------------------------------------

/// Amazon EC2's snapshot subset: its registration (lib.rs) and its wire adapter.
#[derive(Debug)]
pub struct Ec2;

impl Service for Ec2 {
    fn name(&self) -> &'static str {
        "ec2"
    }

    fn protocol(&self) -> &'static str {
        "ec2Query"
    }

    fn claim(&self, req: &RawRequest, scope_service: Option<&str>) -> Claim {
        if scope_service == Some("ec2") {
            return Claim::Signed;
        }
        // Unsigned: the API version in the form is EC2's alone (STS's is 2011-06-15).
        if req.method != axum::http::Method::POST || !req.segments().is_empty() {
            return Claim::No;
        }
        let ours = form_urlencoded::parse(&req.body).any(|(k, v)| k == "Version" && v == VERSION);
        if ours {
            Claim::ByHeader
        } else {
            Claim::No
        }
    }

    fn parse(&self, req: &RawRequest) -> Result<Operation, ApiError> {
        parse(req)
    }

    fn execute(
        &self,
        op: &Operation,
        _: &RawRequest,
        ctx: &mut Ctx,
        request_id: &str,
    ) -> Result<Response, ApiError> {
        execute(op, ctx, request_id)
    }

    fn error(&self, err: &ApiError, request_id: &str) -> Response {
        error_response(err, request_id)
    }

    fn default_error_code(&self, status: u16) -> &'static str {
        match status {
            503 => "Unavailable",
            s if s >= 500 => "InternalError",
            _ => "InvalidParameterValue",
        }
    }

    fn throttling(&self) -> ApiError {
        ApiError::new(503, "RequestLimitExceeded", "Request limit exceeded.")
    }

    fn missing_auth(&self) -> ApiError {
        ApiError::new(
            401,
            "MissingAuthenticationToken",
            "The request must contain a valid (registered) AWS access key ID.",
        )
    }

    fn invalid_token(&self) -> ApiError {
        ApiError::new(
            401,
            "AuthFailure",
            "AWS was not able to validate the provided access credentials",
        )
    }

    fn expired_token(&self) -> ApiError {
        ApiError::new(400, "RequestExpired", "Request has expired.")
    }
}

/// The query string and the form body, in order.
fn form(req: &RawRequest) -> Vec<(String, String)> {
    req.query
        .iter()
        .cloned()
        .chain(form_urlencoded::parse(&req.body).map(|(k, v)| (k.into_owned(), v.into_owned())))
        .collect()
}

/// Identifies the operation; its parameters are kept as sent (`SnapshotId.1`, `Filter.1.Name`).
pub fn parse(req: &RawRequest) -> Result<Operation, ApiError> {
    let mut params = serde_json::Map::new();
    for (k, v) in form(req) {
        params.insert(k, Json::String(v));
    }
    let action = str_param(&Json::Object(params.clone()), "Action")
        .unwrap_or_default()
        .to_string();
    let (name, mutating) = match action.as_str() {
        "DescribeSnapshots" => ("DescribeSnapshots", false),
        "DescribeLockedSnapshots" => ("DescribeLockedSnapshots", false),
        "LockSnapshot" => ("LockSnapshot", true),
        "UnlockSnapshot" => ("UnlockSnapshot", true),
        "DeleteSnapshot" => ("DeleteSnapshot", true),
        "" => {
            return Err(ApiError::new(
                400,
                "MissingAction",
                "The request must contain the parameter Action",
            ))
        }
        other => {
            return Err(ApiError::new(
                400,
                "InvalidAction",
                format!("The action {other} is not valid for this web service."),
            ))
        }
    };
    params.remove("Action");
    params.remove("Version");
    Ok(Operation {
        name,
        mutating,
        params: Json::Object(params),
    })
}

/// `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`.
pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>",
        xml_escape(&err.code),
        xml_escape(&err.message),
    );
    crate::wire::response(err.status, "text/xml;charset=UTF-8", body)
}

fn ok(action: &str, inner: &str, request_id: &str) -> Result<Response, ApiError> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{XMLNS}\">\n    <requestId>{request_id}</requestId>\n{inner}</{action}Response>\n"
    );
    Ok(crate::wire::response(200, "text/xml;charset=UTF-8", body))
}

fn invalid_value(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidParameterValue", msg)
}

fn combination(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidParameterCombination", msg)
}

fn missing(name: &str) -> ApiError {
    ApiError::new(
        400,
        "MissingParameter",
        format!("The request must contain the parameter {name}"),
    )
}

/// A refusal because of the lock's state (the EC2 reference names no code: see the README).
fn incorrect_state(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, "IncorrectState", msg)
}

fn not_found(ids: &[&str]) -> ApiError {
    let msg = match ids {
        [one] => format!("The snapshot '{one}' does not exist."),
        many => format!("The snapshots '{}' do not exist.", many.join(", ")),
    };
    ApiError::new(400, "InvalidSnapshot.NotFound", msg)
}

fn check_id(id: &str) -> Result<(), ApiError> {
    if valid_snapshot_id(id) {
        Ok(())
    } else {
        Err(ApiError::new(
            400,
            "InvalidSnapshotID.Malformed",
            format!("Invalid id: \"{id}\" (expecting \"snap-...\")"),
        ))
    }
}

/// The values of a flattened list: `prefix.1`, `prefix.2`, ... in index order.
fn list(p: &Json, prefix: &str) -> Vec<String> {
    let Some(map) = p.as_object() else {
        return Vec::new();
    };
    let mut items: Vec<(u64, String)> = map
        .iter()
        .filter_map(|(k, v)| {
            let n = k.strip_prefix(prefix)?.strip_prefix('.')?.parse().ok()?;
            Some((n, v.as_str()?.to_string()))
        })
        .collect();
    items.sort();
    items.into_iter().map(|(_, v)| v).collect()
}

/// `Filter.N.Name` with its `Filter.N.Value.M`, in index order.
fn filters(p: &Json) -> Result<Vec<(String, Vec<String>)>, ApiError> {
    let mut indices: Vec<u64> = p
        .as_object()
        .into_iter()
        .flat_map(|m| m.keys())
        .filter_map(|k| k.strip_prefix("Filter.")?.split('.').next()?.parse().ok())
        .collect();
    indices.sort_unstable();
    indices.dedup();
    let mut out = Vec::new();
    for n in indices {
        let name = str_param(p, &format!("Filter.{n}.Name"))
            .ok_or_else(|| missing(&format!("Filter.{n}.Name")))?
            .to_string();
        let values = list(p, &format!("Filter.{n}.Value"));
        if values.is_empty() {
            return Err(invalid_value(format!(
                "The filter '{name}' requires at least one value"
            )));
        }
        out.push((name, values));
    }
    Ok(out)
}

/// Whether `text` matches an EC2 filter value: `*` is any run of characters, `?` any one
/// character, and `\` makes the next character literal (`\*`, `\?`, `\\`).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    enum Tok {
        Lit(char),
        One,
        Any,
    }
    let mut toks = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        toks.push(match c {
            '\\' => Tok::Lit(chars.next().unwrap_or('\\')),
            '*' => Tok::Any,
            '?' => Tok::One,
            c => Tok::Lit(c),
        });
    }
    let text: Vec<char> = text.chars().collect();
    // reach[j]: the tokens so far can match text[..j].
    let mut reach = vec![false; text.len() + 1];
    reach[0] = true;
    for tok in &toks {
        let mut next = vec![false; text.len() + 1];
        for j in 0..=text.len() {
            match tok {
                Tok::Any => next[j] = reach[j] || (j > 0 && next[j - 1]),
                Tok::One => next[j] = j > 0 && reach[j - 1],
                Tok::Lit(c) => next[j] = j > 0 && reach[j - 1] && text[j - 1] == *c,
            }
        }
        reach = next;
    }
    reach[text.len()]
}

/// MaxResults (5..=1000), if given.
fn page_size(p: &Json) -> Result<Option<usize>, ApiError> {
    match str_param(p, "MaxResults") {
        None => Ok(None),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (MIN_PAGE..=MAX_PAGE).contains(&n) => Ok(Some(n)),
            _ => Err(invalid_value(format!(
                "Value ( {s} ) for parameter maxResults is invalid. Expecting a value between {MIN_PAGE} and {MAX_PAGE}."
            ))),
        },
    }
}

/// The page of `ids` (sorted) that starts at NextToken, and the token of the next page.
fn page<'a>(
    p: &Json,
    ids: &'a [String],
    size: Option<usize>,
) -> Result<(&'a [String], Option<&'a String>), ApiError> {
    let start = match str_param(p, "NextToken").filter(|t| !t.is_empty()) {
        None => 0,
        // The token is the id of the first snapshot of the next page.
        Some(token) if valid_snapshot_id(token) => ids
            .iter()
            .position(|id| id.as_str() >= token)
            .unwrap_or(ids.len()),
        Some(token) => {
            return Err(ApiError::new(
                400,
                "InvalidPaginationToken",
                format!("Invalid pagination token: {token}"),
            ))
        }
    };
    let end = size.map_or(ids.len(), |n| (start + n).min(ids.len()));
    Ok((&ids[start..end], ids.get(end)))
}

/// Carries out the operation.
pub fn execute(op: &Operation, ctx: &mut Ctx, request_id: &str) -> Result<Response, ApiError> {
    let p = &op.params;
    if str_param(p, "DryRun") == Some("true") {
        return Err(ApiError::new(
            412,
            "DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
        ));
    }
    match op.name {
        "DescribeSnapshots" => describe_snapshots(p, ctx, request_id),
        "DescribeLockedSnapshots" => describe_locked(p, ctx, request_id),
        "LockSnapshot" => lock_snapshot(p, ctx, request_id),
        "UnlockSnapshot" => unlock_snapshot(p, ctx, request_id),
        "DeleteSnapshot" => delete_snapshot(p, ctx, request_id),
        other => Err(ApiError::new(
            400,
            "InvalidAction",
            format!("The action {other} is not valid for this web service."),
        )),
    }
}

/// The snapshot named by `SnapshotId`, checked.
fn target(p: &Json, ctx: &mut Ctx) -> Result<Snapshot, ApiError> {
    let id = str_param(p, "SnapshotId").ok_or_else(|| missing("SnapshotId"))?;
    check_id(id)?;
    snapshots(ctx)
        .get(id)
        .cloned()
        .ok_or_else(|| not_found(&[id]))
}

/// The snapshots of `SnapshotId.N` (every one must exist), or all of them.
fn selected(p: &Json, ctx: &mut Ctx) -> Result<Vec<Snapshot>, ApiError> {
    let ids = list(p, "SnapshotId");
    for id in &ids {
        check_id(id)?;
    }
    let all = snapshots(ctx);
    if ids.is_empty() {
        return Ok(all.values().cloned().collect());
    }
    let missing: Vec<&str> = ids
        .iter()
        .filter(|id| !all.contains_key(id.as_str()))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(not_found(&missing));
    }
    let mut picked: Vec<Snapshot> = ids.iter().filter_map(|id| all.get(id).cloned()).collect();
    picked.sort_by(|a, b| a.id.cmp(&b.id));
    picked.dedup_by(|a, b| a.id == b.id);
    Ok(picked)
}

fn describe_snapshots(p: &Json, ctx: &mut Ctx, request_id: &str) -> Result<Response, ApiError> {
    let size = page_size(p)?;
    if size.is_some() && !list(p, "SnapshotId").is_empty() {
        return Err(combination(
            "The parameter SnapshotIds cannot be used with the parameter maxResults",
        ));
    }
    let filters = filters(p)?;
    for (name, _) in &filters {
        let known = name.starts_with("tag:")
            || matches!(
                name.as_str(),
                "tag-key" | "status" | "snapshot-id" | "owner-id"
            );
        if !known {
            return Err(invalid_value(format!("The filter '{name}' is invalid")));
        }
    }
    let account = ctx.account.clone();
    // Only the caller's own snapshots are modelled: no public, shared or Amazon-owned ones.
    let owners = list(p, "Owner");
    let own = owners.is_empty() || owners.iter().any(|o| o == "self" || *o == account);
    let snaps: Vec<Snapshot> = selected(p, ctx)?
        .into_iter()
        .filter(|_| own)
        .filter(|s| {
            filters.iter().all(|(name, values)| {
                let any = |field: &str| values.iter().any(|v| wildcard_match(v, field));
                match name.as_str() {
                    "tag-key" => s.tags.iter().any(|(k, _)| any(k)),
                    "status" => any(if s.pending { "pending" } else { "completed" }),
                    "snapshot-id" => any(&s.id),
                    "owner-id" => any(&account),
                    tag => {
                        let key = tag.trim_start_matches("tag:");
                        s.tags.iter().any(|(k, v)| k == key && any(v))
                    }
                }
            })
        })
        .collect();
    let ids: Vec<String> = snaps.iter().map(|s| s.id.clone()).collect();
    let (shown, next) = page(p, &ids, size)?;
    let mut inner = String::from("    <snapshotSet>\n");
    for s in snaps.iter().filter(|s| shown.contains(&s.id)) {
        inner.push_str(&snapshot_item(s, &account));
    }
    inner.push_str("    </snapshotSet>\n");
    if let Some(next) = next {
        inner.push_str(&format!("    <nextToken>{next}</nextToken>\n"));
    }
    ok("DescribeSnapshots", &inner, request_id)
}

fn snapshot_item(s: &Snapshot, account: &str) -> String {
    let (status, progress) = if s.pending {
        ("pending", "0%")
    } else {
        ("completed", "100%")
    };
    let mut out = format!(
        "        <item>\n            <snapshotId>{}</snapshotId>\n            <volumeId>vol-ffffffff</volumeId>\n            <status>{status}</status>\n            <startTime>{}</startTime>\n            <progress>{progress}</progress>\n            <ownerId>{}</ownerId>\n            <volumeSize>8</volumeSize>\n            <description>{}</description>\n            <encrypted>false</encrypted>\n            <storageTier>standard</storageTier>\n",
        s.id,
        iso_millis(s.created),
        xml_escape(account),
        xml_escape(s.description.as_deref().unwrap_or_default()),
    );
    if !s.tags.is_empty() {
        out.push_str("            <tagSet>\n");
        for (k, v) in &s.tags {
            out.push_str(&format!(
                "                <item>\n                    <key>{}</key>\n                    <value>{}</value>\n                </item>\n",
                xml_escape(k),
                xml_escape(v)
            ));
        }
        out.push_str("            </tagSet>\n");
    }
    out.push_str("        </item>\n");
    out
}

/// The members LockSnapshot answers and DescribeLockedSnapshots lists for a lock.
fn lock_fields(id: &str, lock: &Lock, now: Timestamp, indent: &str) -> String {
    let mut out = format!(
        "{indent}<snapshotId>{id}</snapshotId>\n{indent}<lockState>{}</lockState>\n",
        lock.state(now).as_str()
    );
    if let Some(d) = lock.duration_days {
        out.push_str(&format!("{indent}<lockDuration>{d}</lockDuration>\n"));
    }
    if let Some(c) = lock.cool_off_hours {
        out.push_str(&format!("{indent}<coolOffPeriod>{c}</coolOffPeriod>\n"));
    }
    if let Some(end) = lock.cool_off_ends() {
        out.push_str(&format!(
            "{indent}<coolOffPeriodExpiresOn>{}</coolOffPeriodExpiresOn>\n",
            iso_millis(end)
        ));
    }
    out.push_str(&format!(
        "{indent}<lockCreatedOn>{}</lockCreatedOn>\n",
        iso_millis(lock.created)
    ));
    if let Some(start) = lock.duration_start {
        out.push_str(&format!(
            "{indent}<lockDurationStartTime>{}</lockDurationStartTime>\n",
            iso_millis(start)
        ));
    }
    if let Some(e) = lock.expires() {
        out.push_str(&format!(
            "{indent}<lockExpiresOn>{}</lockExpiresOn>\n",
            iso_millis(e)
        ));
    }
    out
}

fn describe_locked(p: &Json, ctx: &mut Ctx, request_id: &str) -> Result<Response, ApiError> {
    let size = page_size(p)?;
    let filters = filters(p)?;
    for (name, values) in &filters {
        if name != "lock-state" {
            return Err(invalid_value(format!("The filter '{name}' is invalid")));
        }
        if let Some(bad) = values.iter().find(|v| !LOCK_STATES.contains(&v.as_str())) {
            return Err(invalid_value(format!(
                "The filter value '{bad}' for lock-state is invalid: expected one of {}",
                LOCK_STATES.join(", ")
            )));
        }
    }
    let now = ctx.now;
    let account = ctx.account.clone();
    let locked: Vec<(String, Lock)> = selected(p, ctx)?
        .into_iter()
        .filter_map(|s| Some((s.id, s.lock?)))
        .filter(|(_, lock)| {
            let state = lock.state(now).as_str();
            filters.iter().all(|(_, values)| values.iter().any(|v| v == state))
        })
        .collect();
    let ids: Vec<String> = locked.iter().map(|(id, _)| id.clone()).collect();
    let (shown, next) = page(p, &ids, size)?;
    let mut inner = String::from("    <snapshotSet>\n");
    for (id, lock) in locked.iter().filter(|(id, _)| shown.contains(id)) {
        inner.push_str(&format!(
            "        <item>\n            <ownerId>{}</ownerId>\n{}        </item>\n",
            xml_escape(&account),
            lock_fields(id, lock, now, "            ")
        ));
    }
    inner.push_str("    </snapshotSet>\n");
    if let Some(next) = next {
        inner.push_str(&format!("    <nextToken>{next}</nextToken>\n"));
    }
    ok("DescribeLockedSnapshots", &inner, request_id)
}

/// An integer member, if given.
fn int_param(p: &Json, name: &str) -> Result<Option<i64>, ApiError> {
    match str_param(p, name) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| invalid_value(format!("Value ({s}) for parameter {name} is invalid."))),
    }
}

/// What a LockSnapshot asks for, checked on its own.
struct LockRequest {
    mode: Mode,
    cool_off_hours: Option<i64>,
    duration_days: Option<i64>,
    expiration_date: Option<Timestamp>,
}

fn lock_request(p: &Json, now: Timestamp) -> Result<LockRequest, ApiError> {
    let mode = str_param(p, "LockMode").ok_or_else(|| missing("LockMode"))?;
    let mode = Mode::parse(mode).ok_or_else(|| {
        invalid_value(format!(
            "Value ({mode}) for parameter LockMode is invalid. Expecting governance or compliance."
        ))
    })?;
    let cool_off_hours = int_param(p, "CoolOffPeriod")?;
    let duration_days = int_param(p, "LockDuration")?;
    let expiration_date = match str_param(p, "ExpirationDate") {
        None => None,
        Some(s) => Some(s.parse::<Timestamp>().map_err(|_| {
            invalid_value(format!("Value ({s}) for parameter ExpirationDate is invalid."))
        })?),
    };
    if let Some(c) = cool_off_hours {
        if mode == Mode::Governance {
            return Err(combination(
                "CoolOffPeriod can only be specified with compliance mode.",
            ));
        }
        if !(1..=MAX_COOL_OFF_HOURS).contains(&c) {
            return Err(invalid_value(format!(
                "Value ({c}) for parameter CoolOffPeriod is invalid. Expecting a value between 1 and {MAX_COOL_OFF_HOURS}."
            )));
        }
    }
    match (duration_days, expiration_date) {
        (Some(_), Some(_)) => {
            return Err(combination(
                "LockDuration and ExpirationDate cannot both be specified.",
            ))
        }
        (None, None) => {
            return Err(missing("LockDuration or ExpirationDate"));
        }
        (Some(d), None) if !(1..=MAX_LOCK_DAYS).contains(&d) => {
            return Err(invalid_value(format!(
                "Value ({d}) for parameter LockDuration is invalid. Expecting a value between 1 and {MAX_LOCK_DAYS}."
            )));
        }
        (None, Some(date)) if date <= now || date > plus_days(now, MAX_LOCK_DAYS) => {
            return Err(invalid_value(format!(
                "Value ({}) for parameter ExpirationDate is invalid. It must be in the future and at most {MAX_LOCK_DAYS} days away.",
                iso_millis(date)
            )));
        }
        _ => {}
    }
    Ok(LockRequest {
        mode,
        cool_off_hours,
        duration_days,
        expiration_date,
    })
}

fn lock_snapshot(p: &Json, ctx: &mut Ctx, request_id: &str) -> Result<Response, ApiError> {
    let now = ctx.now;
    let req = lock_request(p, now)?;
    let snap = target(p, ctx)?;
    let live = snap
        .lock
        .as_ref()
        .filter(|l| l.state(now) != LockState::Expired);
    let lock = match live {
        // A new lock: it counts from now, or from completion for a pending snapshot.
        None => Lock {
            mode: req.mode,
            created: now,
            duration_days: req.duration_days,
            expiration_date: req.expiration_date,
            duration_start: (!snap.pending).then_some(now),
            cool_off_hours: req.cool_off_hours,
        },
        Some(old) => {
            let new = Lock {
                mode: req.mode,
                created: old.created,
                duration_days: req.duration_days,
                expiration_date: req.expiration_date,
                duration_start: old.duration_start,
                cool_off_hours: req.cool_off_hours,
            };
            if new.expires().is_some_and(|e| e <= now) {
                return Err(invalid_value(format!(
                    "Value ({}) for parameter LockDuration is invalid: counted from the lock's duration start {}, it has already ended.",
                    req.duration_days.unwrap_or_default(),
                    old.duration_start.map(iso_millis).unwrap_or_default()
                )));
            }
            if old.state(now) == LockState::Compliance {
                check_extension(&snap.id, old, &req, &new)?;
                // The cool-off is over; it stays as it was.
                Lock {
                    cool_off_hours: old.cool_off_hours,
                    ..new
                }
            } else {
                // Governance, or compliance within its cool-off: anything may change.
                new
            }
        }
    };
    let answer = lock_fields(&snap.id, &lock, now, "    ");
    if let Some(s) = snapshots(ctx).get_mut(&snap.id) {
        s.lock = Some(lock);
    }
    ok("LockSnapshot", &answer, request_id)
}

/// After its cool-off a compliance lock can only be extended, by a request without a
/// CoolOffPeriod.
fn check_extension(id: &str, old: &Lock, req: &LockRequest, new: &Lock) -> Result<(), ApiError> {
    let expires = old
        .expires()
        .map_or_else(|| "when its duration ends".to_string(), iso_millis);
    if req.mode != Mode::Compliance {
        return Err(incorrect_state(format!(
            "The snapshot {id} is locked in compliance mode and its cooling-off period has expired: its lock mode can't be changed until the lock expires on {expires}."
        )));
    }
    if req.cool_off_hours.is_some() {
        return Err(incorrect_state(format!(
            "The snapshot {id} is locked in compliance mode and its cooling-off period has expired: omit CoolOffPeriod to extend its lock."
        )));
    }
    let longer = match (old.expires(), new.expires()) {
        (Some(a), Some(b)) => b >= a,
        // A pending snapshot's lock has no expiry yet: compare durations.
        (None, None) => new.duration_days >= old.duration_days,
        (None, Some(_)) | (Some(_), None) => false,
    };
    if !longer {
        return Err(incorrect_state(format!(
            "The snapshot {id} is locked in compliance mode and its cooling-off period has expired: its lock can only be extended, not shortened (it expires on {expires})."
        )));
    }
    Ok(())
}

fn unlock_snapshot(p: &Json, ctx: &mut Ctx, request_id: &str) -> Result<Response, ApiError> {
    let now = ctx.now;
    let snap = target(p, ctx)?;
    let state = snap.lock.as_ref().map(|l| l.state(now));
    match state {
        None | Some(LockState::Expired) => {
            return Err(incorrect_state(format!(
                "The snapshot {} is not locked.",
                snap.id
            )))
        }
        Some(LockState::Compliance) => {
            return Err(incorrect_state(format!(
                "The snapshot {} is locked in compliance mode and its cooling-off period has expired: it can't be unlocked.",
                snap.id
            )))
        }
        Some(LockState::Governance | LockState::ComplianceCooloff) => {}
    }
    if let Some(s) = snapshots(ctx).get_mut(&snap.id) {
        s.lock = None;
    }
    ok(
        "UnlockSnapshot",
        &format!("    <snapshotId>{}</snapshotId>\n", snap.id),
        request_id,
    )
}

fn delete_snapshot(p: &Json, ctx: &mut Ctx, request_id: &str) -> Result<Response, ApiError> {
    let now = ctx.now;
    let snap = target(p, ctx)?;
    if let Some(lock) = &snap.lock {
        let state = lock.state(now);
        if state != LockState::Expired {
            return Err(incorrect_state(format!(
                "The snapshot {} is locked ({}) and can't be deleted.",
                snap.id,
                state.as_str()
            )));
        }
    }
    snapshots(ctx).remove(&snap.id);
    ok("DeleteSnapshot", "    <return>true</return>\n", request_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn wildcards_match_as_ec2_filters_do() {
        assert!(wildcard_match("true", "true"));
        assert!(!wildcard_match("true", "True"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("le*hold", "legal-hold"));
        assert!(wildcard_match("t?ue", "true"));
        assert!(!wildcard_match("t?ue", "tue"));
        // Escaped, `*` and `?` and `\` are themselves.
        assert!(wildcard_match(r"a\*b", "a*b"));
        assert!(!wildcard_match(r"a\*b", "axb"));
        assert!(wildcard_match(r"a\?", "a?"));
        assert!(!wildcard_match(r"a\?", "ab"));
        assert!(wildcard_match(r"a\\b", r"a\b"));
        assert!(wildcard_match(r"x\", r"x\"));
    }

    #[test]
    fn a_lock_reads_its_state_from_the_time() {
        let lock = Lock {
            mode: Mode::Compliance,
            created: t("2026-12-01T00:00:00Z"),
            duration_days: Some(30),
            expiration_date: None,
            duration_start: Some(t("2026-12-01T00:00:00Z")),
            cool_off_hours: Some(24),
        };
        assert_eq!(lock.state(t("2026-12-01T23:59:59Z")), LockState::ComplianceCooloff);
        assert_eq!(lock.state(t("2026-12-02T00:00:00Z")), LockState::Compliance);
        assert_eq!(lock.state(t("2026-12-30T23:59:59Z")), LockState::Compliance);
        assert_eq!(lock.state(t("2026-12-31T00:00:00Z")), LockState::Expired);
        let pending = Lock {
            duration_start: None,
            ..lock
        };
        assert_eq!(pending.expires(), None);
        assert_eq!(pending.state(t("2036-01-01T00:00:00Z")), LockState::Compliance);
    }

    #[test]
    fn snapshot_ids_are_checked() {
        assert!(valid_snapshot_id("snap-0123456789abcdef0"));
        assert!(valid_snapshot_id("snap-01234567"));
        assert!(!valid_snapshot_id("snap-0123456789ABCDEF0"));
        assert!(!valid_snapshot_id("snap-012345678"));
        assert!(!valid_snapshot_id("vol-01234567"));
    }
}
