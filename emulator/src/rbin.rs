//! Amazon Recycle Bin, restJson1 (API version 2021-06-15): retention rules and rule locks.
//!
//! Errors carry `{"Message", "Reason"}` in the body and the code in `x-amzn-errortype`.
//! Lock states: never locked (`LockState` absent) -> `locked` (LockRule) -> `pending_unlock`
//! (UnlockRule, until `LockEndTime` = now + delay) -> `unlocked` once the delay has passed.
//! A rule may be locked again at any time after its first lock, but only with the same delay.

use axum::http::Method;
use axum::response::Response;
use serde_json::{json, Value as Json};

use crate::clock::{epoch_secs, plus_days};
use std::collections::BTreeMap;

use jiff::Timestamp;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::state::{
    default_region, random_from, EmulatedService, Regional, SeedContext, ViewContext, ALNUM,
};
use crate::wire::{
    empty, set_header, str_param, ApiError, Claim, Ctx, Operation, RawRequest, Service,
};

const CONTENT_TYPE: &str = "application/json";

// ---- the model, its seed, its state view and its time rules ---------------------------------

/// Recycle Bin's registration: its model, seed, state view, time rules and wire adapter.
#[derive(Debug)]
pub struct RecycleBin;

impl EmulatedService for RecycleBin {
    const STATE_KEY: Option<&'static str> = Some("rbin");
    const WIRE: &'static [&'static dyn Service] = &[&RecycleBin];
    type Model = Regional<BTreeMap<String, Rule>>;
    type Entry = SeedRule;

    fn seed(model: &mut Self::Model, r: SeedRule, cx: &SeedContext) -> Result<(), String> {
        let account = cx.account(r.account_id);
        if r.identifier.len() != 11 || !r.identifier.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "invalid rule identifier {:?}: expected 11 letters or digits",
                r.identifier
            ));
        }
        if !RESOURCE_TYPES.contains(&r.resource_type.as_str()) {
            return Err(format!("invalid resource_type {:?}", r.resource_type));
        }
        if let Some(d) = r.unlock_delay_days {
            if !(7..=30).contains(&d) {
                return Err(format!("unlock_delay_days {d} is not within 7..=30"));
            }
        }
        if r.lock_state.is_some() && r.unlock_delay_days.is_none() {
            return Err(format!(
                "rule {}: a lock_state needs unlock_delay_days",
                r.identifier
            ));
        }
        let lock_end_time = match r.lock_state {
            Some(RuleLockState::PendingUnlock) => Some(r.lock_end_time.unwrap_or_else(|| {
                crate::clock::plus_days(cx.now, i64::from(r.unlock_delay_days.unwrap_or(7)))
            })),
            _ => None,
        };
        model.at(&account, &r.region).insert(
            r.identifier.clone(),
            Rule {
                identifier: r.identifier,
                description: r.description,
                resource_type: r.resource_type,
                retention_days: r.retention_days,
                tags: Vec::new(),
                resource_tags: r.resource_tags,
                exclude_resource_tags: r.exclude_resource_tags,
                lock_state: r.lock_state,
                unlock_delay_days: r.unlock_delay_days,
                lock_end_time,
            },
        );
        Ok(())
    }

    fn view(model: &Self::Model, cx: &ViewContext) -> Vec<SeedRule> {
        let mut entries = Vec::new();
        for (account, region, rules) in model.iter() {
            for r in rules.values() {
                entries.push(SeedRule {
                    account_id: cx.account_id(account),
                    region: region.to_string(),
                    identifier: r.identifier.clone(),
                    description: r.description.clone(),
                    resource_type: r.resource_type.clone(),
                    retention_days: r.retention_days,
                    resource_tags: r.resource_tags.clone(),
                    exclude_resource_tags: r.exclude_resource_tags.clone(),
                    lock_state: r.lock_state,
                    unlock_delay_days: r.unlock_delay_days,
                    lock_end_time: r.lock_end_time,
                });
            }
        }
        entries
    }

    /// A rule in `pending_unlock` is `unlocked` once its delay has ended.
    fn settle(model: &mut Self::Model, now: Timestamp) {
        for rules in model.values_mut() {
            for rule in rules.values_mut() {
                if rule.lock_state == Some(RuleLockState::PendingUnlock)
                    && rule.lock_end_time.is_none_or(|end| end <= now)
                {
                    rule.lock_state = Some(RuleLockState::Unlocked);
                    rule.lock_end_time = None;
                }
            }
        }
    }
}

/// The rules of the caller's account and region.
fn rules<'c>(ctx: &'c mut Ctx) -> &'c mut BTreeMap<String, Rule> {
    ctx.store.services.rbin.at(&ctx.account, &ctx.region)
}

/// The `LockState` of a Recycle Bin rule (absent when the rule was never locked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleLockState {
    Locked,
    PendingUnlock,
    Unlocked,
}

impl RuleLockState {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleLockState::Locked => "locked",
            RuleLockState::PendingUnlock => "pending_unlock",
            RuleLockState::Unlocked => "unlocked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "locked" => Some(RuleLockState::Locked),
            "pending_unlock" => Some(RuleLockState::PendingUnlock),
            "unlocked" => Some(RuleLockState::Unlocked),
            _ => None,
        }
    }
}

/// A resource tag as the seed document writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// A Recycle Bin retention rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub identifier: String,
    pub description: String,
    pub resource_type: String,
    pub retention_days: u32,
    pub tags: Vec<Tag>,
    pub resource_tags: Vec<Tag>,
    pub exclude_resource_tags: Vec<Tag>,
    pub lock_state: Option<RuleLockState>,
    /// The unlock delay of the rule's first lock; it never changes afterwards.
    pub unlock_delay_days: Option<u32>,
    pub lock_end_time: Option<Timestamp>,
}

pub const RESOURCE_TYPES: [&str; 3] = ["EBS_SNAPSHOT", "EC2_IMAGE", "EBS_VOLUME"];

/// A Recycle Bin rule identifier: 11 letters and digits.
pub fn new_rule_id(rng: &mut impl Rng) -> String {
    random_from(rng, ALNUM, 11)
}

fn default_resource_type() -> String {
    "EBS_SNAPSHOT".to_string()
}

fn default_retention_days() -> u32 {
    7
}

/// A rule in the seed document and the state (`"rbin"`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(default = "default_region")]
    region: String,
    identifier: String,
    #[serde(default)]
    description: String,
    #[serde(default = "default_resource_type")]
    resource_type: String,
    #[serde(default = "default_retention_days")]
    retention_days: u32,
    #[serde(default)]
    resource_tags: Vec<Tag>,
    #[serde(default)]
    exclude_resource_tags: Vec<Tag>,
    #[serde(default)]
    lock_state: Option<RuleLockState>,
    #[serde(default)]
    unlock_delay_days: Option<u32>,
    #[serde(default)]
    lock_end_time: Option<Timestamp>,
}

// ---- the wire adapter ------------------------------------------------------------------------

impl Service for RecycleBin {
    fn name(&self) -> &'static str {
        "rbin"
    }

    fn protocol(&self) -> &'static str {
        "restJson1"
    }

    fn claim(&self, req: &RawRequest, scope_service: Option<&str>) -> Claim {
        if scope_service == Some("rbin") {
            return Claim::Signed;
        }
        match req.segments().first().map(String::as_str) {
            Some("rules" | "list-rules") => Claim::ByShape,
            _ => Claim::No,
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
        _: &str,
    ) -> Result<Response, ApiError> {
        execute(op, ctx)
    }

    fn error(&self, err: &ApiError, _: &str) -> Response {
        error_response(err)
    }

    fn default_error_code(&self, status: u16) -> &'static str {
        if status >= 500 {
            "InternalServerException"
        } else {
            "ValidationException"
        }
    }
}


/// Identifies the operation from the method and path.
pub fn parse(req: &RawRequest) -> Result<Operation, ApiError> {
    let seg = req.segments();
    let seg: Vec<&str> = seg.iter().map(String::as_str).collect();
    let (name, mutating) = match (&req.method, seg.as_slice()) {
        (&Method::POST, ["rules"]) => ("CreateRule", true),
        (&Method::POST, ["list-rules"]) => ("ListRules", false),
        (&Method::GET, ["rules", _]) => ("GetRule", false),
        (&Method::PATCH, ["rules", _]) => ("UpdateRule", true),
        (&Method::DELETE, ["rules", _]) => ("DeleteRule", true),
        (&Method::PATCH, ["rules", _, "lock"]) => ("LockRule", true),
        (&Method::PATCH, ["rules", _, "unlock"]) => ("UnlockRule", true),
        _ => {
            return Err(ApiError::new(
                404,
                "UnknownOperationException",
                format!(
                    "{} {} is not a supported Recycle Bin operation",
                    req.method, req.path
                ),
            ))
        }
    };
    let mut params = if req.body.is_empty() {
        serde_json::Map::new()
    } else {
        match serde_json::from_slice::<Json>(&req.body) {
            Ok(Json::Object(m)) => m,
            _ => return Err(validation("The request body is not a JSON object")),
        }
    };
    if let Some(id) = seg.get(1) {
        params.insert("Identifier".into(), json!(id));
    }
    Ok(Operation {
        name,
        mutating,
        params: Json::Object(params),
    })
}

/// Renders an error the way Recycle Bin does.
pub fn error_response(err: &ApiError) -> Response {
    let mut body = serde_json::Map::new();
    body.insert("Message".into(), json!(err.message));
    for (k, v) in &err.fields {
        body.insert((*k).into(), json!(v));
    }
    let mut resp = crate::wire::json(err.status, CONTENT_TYPE, &Json::Object(body));
    set_header(&mut resp, "x-amzn-errortype", &err.code);
    resp
}

fn validation(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", msg).with("Reason", "INVALID_PARAMETER_VALUE")
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "ResourceNotFoundException",
        format!("Rule {id} does not exist"),
    )
    .with("Reason", "RULE_NOT_FOUND")
}

fn conflict(msg: impl Into<String>) -> ApiError {
    ApiError::new(409, "ConflictException", msg).with("Reason", "INVALID_RULE_STATE")
}

fn rule_arn(ctx: &Ctx, id: &str) -> String {
    format!("arn:aws:rbin:{}:{}:rule/{id}", ctx.region, ctx.account)
}

fn tags_json(tags: &[Tag]) -> Json {
    Json::Array(
        tags.iter()
            .map(|t| json!({"ResourceTagKey": t.key, "ResourceTagValue": t.value}))
            .collect(),
    )
}

fn rule_json(ctx: &Ctx, r: &Rule) -> serde_json::Map<String, Json> {
    let mut m = serde_json::Map::new();
    m.insert("Identifier".into(), json!(r.identifier));
    m.insert("Description".into(), json!(r.description));
    m.insert("ResourceType".into(), json!(r.resource_type));
    m.insert(
        "RetentionPeriod".into(),
        json!({"RetentionPeriodValue": r.retention_days, "RetentionPeriodUnit": "DAYS"}),
    );
    m.insert("ResourceTags".into(), tags_json(&r.resource_tags));
    m.insert(
        "ExcludeResourceTags".into(),
        tags_json(&r.exclude_resource_tags),
    );
    m.insert("Status".into(), json!("available"));
    if let Some(d) = r.unlock_delay_days {
        m.insert(
            "LockConfiguration".into(),
            json!({"UnlockDelay": {"UnlockDelayValue": d, "UnlockDelayUnit": "DAYS"}}),
        );
    }
    if let Some(s) = r.lock_state {
        m.insert("LockState".into(), json!(s.as_str()));
    }
    if let Some(t) = r.lock_end_time {
        m.insert("LockEndTime".into(), json!(epoch_secs(t)));
    }
    m.insert("RuleArn".into(), json!(rule_arn(ctx, &r.identifier)));
    m
}

fn ok(status: u16, body: serde_json::Map<String, Json>) -> Result<Response, ApiError> {
    Ok(crate::wire::json(status, CONTENT_TYPE, &Json::Object(body)))
}

/// Reads a `ResourceTags`-shaped list.
fn parse_tags(params: &Json, name: &str, max: usize) -> Result<Option<Vec<Tag>>, ApiError> {
    let Some(v) = params.get(name) else {
        return Ok(None);
    };
    let items = v
        .as_array()
        .ok_or_else(|| validation(format!("{name} must be a list")))?;
    if items.len() > max {
        return Err(validation(format!("{name} has more than {max} tags")));
    }
    items
        .iter()
        .map(|t| {
            let key = str_param(t, "ResourceTagKey")
                .filter(|k| (1..=128).contains(&k.chars().count()))
                .ok_or_else(|| {
                    validation(format!(
                        "every tag in {name} needs a ResourceTagKey of 1 to 128 characters"
                    ))
                })?;
            let value = str_param(t, "ResourceTagValue").unwrap_or_default();
            Ok(Tag {
                key: key.to_string(),
                value: value.to_string(),
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn parse_retention(params: &Json) -> Result<Option<u32>, ApiError> {
    let Some(rp) = params.get("RetentionPeriod") else {
        return Ok(None);
    };
    let value = rp.get("RetentionPeriodValue").and_then(Json::as_u64);
    let unit = str_param(rp, "RetentionPeriodUnit");
    match (value, unit) {
        (Some(v @ 1..=3650), Some("DAYS")) => Ok(Some(v as u32)),
        _ => Err(validation(
            "RetentionPeriod needs a RetentionPeriodValue from 1 to 3650 and RetentionPeriodUnit DAYS",
        )),
    }
}

fn parse_lock_config(params: &Json) -> Result<Option<u32>, ApiError> {
    let Some(lc) = params.get("LockConfiguration") else {
        return Ok(None);
    };
    let delay = lc.get("UnlockDelay");
    let value = delay
        .and_then(|d| d.get("UnlockDelayValue"))
        .and_then(Json::as_u64);
    let unit = delay.and_then(|d| str_param(d, "UnlockDelayUnit"));
    match (value, unit) {
        (Some(v @ 7..=30), Some("DAYS")) => Ok(Some(v as u32)),
        _ => Err(validation(
            "LockConfiguration.UnlockDelay needs an UnlockDelayValue from 7 to 30 and UnlockDelayUnit DAYS",
        )),
    }
}

fn parse_resource_type(params: &Json, required: bool) -> Result<Option<String>, ApiError> {
    match str_param(params, "ResourceType") {
        Some(t) if RESOURCE_TYPES.contains(&t) => Ok(Some(t.to_string())),
        Some(t) => Err(validation(format!(
            "ResourceType {t:?} is not one of {}",
            RESOURCE_TYPES.join(", ")
        ))),
        None if required => Err(validation("ResourceType is required")),
        None => Ok(None),
    }
}

fn parse_description(params: &Json) -> Result<Option<String>, ApiError> {
    match params.get("Description") {
        None => Ok(None),
        Some(Json::String(d)) if d.chars().count() <= 255 => Ok(Some(d.clone())),
        Some(_) => Err(validation(
            "Description must be text of at most 255 characters",
        )),
    }
}

/// Why a rule cannot be locked, if it cannot.
fn unlockable_reason(rule: &Rule) -> Option<&'static str> {
    if !rule.resource_tags.is_empty() {
        Some("tag-level retention rules (with ResourceTags) cannot be locked")
    } else if !rule.exclude_resource_tags.is_empty() {
        Some("region-level retention rules with ExcludeResourceTags cannot be locked")
    } else {
        None
    }
}

/// Carries out the operation.
pub fn execute(op: &Operation, ctx: &mut Ctx) -> Result<Response, ApiError> {
    let p = &op.params;
    match op.name {
        "CreateRule" => create_rule(p, ctx),
        "ListRules" => list_rules(p, ctx),
        _ => {
            let id = str_param(p, "Identifier").unwrap_or_default().to_string();
            if id.len() != 11 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(validation(format!("Invalid rule identifier: {id}")));
            }
            let Some(rule) = rules(ctx).get(&id).cloned() else {
                return Err(not_found(&id));
            };
            let updated = match op.name {
                "GetRule" => return ok(200, rule_json(ctx, &rule)),
                "DeleteRule" => {
                    if matches!(
                        rule.lock_state,
                        Some(RuleLockState::Locked | RuleLockState::PendingUnlock)
                    ) {
                        return Err(conflict(format!(
                            "Rule {id} is {} and cannot be deleted",
                            rule.lock_state.map_or("", RuleLockState::as_str)
                        )));
                    }
                    rules(ctx).remove(&id);
                    return Ok(empty(204));
                }
                "UpdateRule" => update_rule(p, rule)?,
                "LockRule" => lock_rule(p, rule)?,
                "UnlockRule" => {
                    if rule.lock_state != Some(RuleLockState::Locked) {
                        return Err(conflict(format!(
                            "Rule {id} is not locked (its lock state is {})",
                            rule.lock_state.map_or("null", RuleLockState::as_str)
                        )));
                    }
                    let delay = i64::from(rule.unlock_delay_days.unwrap_or(7));
                    Rule {
                        lock_state: Some(RuleLockState::PendingUnlock),
                        lock_end_time: Some(plus_days(ctx.now, delay)),
                        ..rule
                    }
                }
                other => return Err(validation(format!("unsupported operation {other}"))),
            };
            rules(ctx).insert(id, updated.clone());
            ok(200, rule_json(ctx, &updated))
        }
    }
}

fn create_rule(p: &Json, ctx: &mut Ctx) -> Result<Response, ApiError> {
    let retention = parse_retention(p)?.ok_or_else(|| validation("RetentionPeriod is required"))?;
    let resource_type = parse_resource_type(p, true)?.unwrap_or_default();
    let resource_tags = parse_tags(p, "ResourceTags", 50)?.unwrap_or_default();
    let exclude = parse_tags(p, "ExcludeResourceTags", 5)?.unwrap_or_default();
    if !resource_tags.is_empty() && !exclude.is_empty() {
        return Err(validation(
            "ResourceTags and ExcludeResourceTags cannot be used together",
        ));
    }
    let delay = parse_lock_config(p)?;
    let tags = match p.get("Tags").and_then(Json::as_array) {
        None => Vec::new(),
        Some(items) => items
            .iter()
            .map(|t| Tag {
                key: str_param(t, "Key").unwrap_or_default().to_string(),
                value: str_param(t, "Value").unwrap_or_default().to_string(),
            })
            .collect(),
    };
    let mut rule = Rule {
        identifier: new_rule_id(&mut rand::rng()),
        description: parse_description(p)?.unwrap_or_default(),
        resource_type,
        retention_days: retention,
        tags,
        resource_tags,
        exclude_resource_tags: exclude,
        lock_state: None,
        unlock_delay_days: None,
        lock_end_time: None,
    };
    if let Some(d) = delay {
        if let Some(reason) = unlockable_reason(&rule) {
            return Err(validation(reason));
        }
        rule.lock_state = Some(RuleLockState::Locked);
        rule.unlock_delay_days = Some(d);
    }
    rules(ctx)
        .insert(rule.identifier.clone(), rule.clone());
    let mut body = rule_json(ctx, &rule);
    body.remove("LockEndTime");
    body.insert(
        "Tags".into(),
        Json::Array(
            rule.tags
                .iter()
                .map(|t| json!({"Key": t.key, "Value": t.value}))
                .collect(),
        ),
    );
    ok(201, body)
}

fn update_rule(p: &Json, rule: Rule) -> Result<Rule, ApiError> {
    if matches!(
        rule.lock_state,
        Some(RuleLockState::Locked | RuleLockState::PendingUnlock)
    ) {
        return Err(conflict(format!(
            "Rule {} is {} and cannot be updated",
            rule.identifier,
            rule.lock_state.map_or("", RuleLockState::as_str)
        )));
    }
    let mut next = rule;
    if let Some(r) = parse_retention(p)? {
        next.retention_days = r;
    }
    if let Some(d) = parse_description(p)? {
        next.description = d;
    }
    if let Some(t) = parse_resource_type(p, false)? {
        next.resource_type = t;
    }
    if let Some(t) = parse_tags(p, "ResourceTags", 50)? {
        next.resource_tags = t;
    }
    if let Some(t) = parse_tags(p, "ExcludeResourceTags", 5)? {
        next.exclude_resource_tags = t;
    }
    if !next.resource_tags.is_empty() && !next.exclude_resource_tags.is_empty() {
        return Err(validation(
            "ResourceTags and ExcludeResourceTags cannot be used together",
        ));
    }
    if next.unlock_delay_days.is_some() {
        if let Some(reason) = unlockable_reason(&next) {
            return Err(validation(format!("a rule that has been locked: {reason}")));
        }
    }
    Ok(next)
}

fn lock_rule(p: &Json, rule: Rule) -> Result<Rule, ApiError> {
    let delay = parse_lock_config(p)?.ok_or_else(|| validation("LockConfiguration is required"))?;
    if let Some(reason) = unlockable_reason(&rule) {
        return Err(validation(reason));
    }
    if let Some(first) = rule.unlock_delay_days {
        if first != delay {
            return Err(validation(format!(
                "The unlock delay of rule {} is {first} days and cannot be changed to {delay}",
                rule.identifier
            )));
        }
    }
    Ok(Rule {
        lock_state: Some(RuleLockState::Locked),
        unlock_delay_days: Some(delay),
        lock_end_time: None,
        ..rule
    })
}

fn list_rules(p: &Json, ctx: &mut Ctx) -> Result<Response, ApiError> {
    let resource_type = parse_resource_type(p, true)?.unwrap_or_default();
    let max = match p.get("MaxResults") {
        None => 1000,
        Some(v) => match v.as_u64() {
            Some(n @ 1..=1000) => n as usize,
            _ => return Err(validation("MaxResults must be from 1 to 1000")),
        },
    };
    let lock_state = match str_param(p, "LockState") {
        None => None,
        Some(s) => Some(
            RuleLockState::parse(s)
                .ok_or_else(|| validation(format!("LockState {s:?} is not valid")))?,
        ),
    };
    let tags = parse_tags(p, "ResourceTags", 50)?;
    let exclude = parse_tags(p, "ExcludeResourceTags", 5)?;
    let rules: Vec<Rule> = rules(ctx)
        .values()
        .filter(|r| r.resource_type == resource_type)
        .filter(|r| lock_state.is_none() || r.lock_state == lock_state)
        .filter(|r| {
            tags.as_ref()
                .is_none_or(|t| t.iter().all(|t| r.resource_tags.contains(t)))
        })
        .filter(|r| {
            exclude
                .as_ref()
                .is_none_or(|t| t.iter().all(|t| r.exclude_resource_tags.contains(t)))
        })
        .cloned()
        .collect();
    let start = match str_param(p, "NextToken") {
        None => 0,
        Some(token) => rules
            .iter()
            .position(|r| r.identifier == token)
            .ok_or_else(|| {
                ApiError::new(400, "ValidationException", "The NextToken is not valid")
                    .with("Reason", "INVALID_PAGE_TOKEN")
            })?,
    };
    let page: Vec<Json> = rules
        .iter()
        .skip(start)
        .take(max)
        .map(|r| {
            let full = rule_json(ctx, r);
            let mut m = serde_json::Map::new();
            for key in [
                "Identifier",
                "Description",
                "RetentionPeriod",
                "LockState",
                "RuleArn",
            ] {
                if let Some(v) = full.get(key) {
                    m.insert(key.into(), v.clone());
                }
            }
            Json::Object(m)
        })
        .collect();
    let mut body = serde_json::Map::new();
    body.insert("Rules".into(), Json::Array(page));
    if let Some(next) = rules.get(start + max) {
        body.insert("NextToken".into(), json!(next.identifier));
    }
    ok(200, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Store;
    use serde_json::json;

    #[test]
    fn settle_ends_unlock_delay() {
        let mut store = Store::new("123456789012".into());
        let now: Timestamp = "2026-11-23T00:00:00Z".parse().unwrap();
        store
            .seed(
                json!({"rbin": [{"identifier": "a1B2c3D4e5F", "lock_state": "pending_unlock",
                         "unlock_delay_days": 7, "lock_end_time": "2026-11-23T00:00:00Z"}]}),
                now,
            )
            .unwrap();
        store.settle(now);
        let rules = store.services.rbin.at("123456789012", "us-east-1");
        assert_eq!(
            rules["a1B2c3D4e5F"].lock_state,
            Some(RuleLockState::Unlocked)
        );
    }

    #[test]
    fn generated_rule_ids_have_the_documented_shape() {
        assert_eq!(new_rule_id(&mut rand::rng()).len(), 11);
    }
}
