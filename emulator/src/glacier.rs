//! Amazon Glacier, restJson1 (API version 2012-06-01): vaults and vault locks.
//!
//! Errors are JSON `{"code", "message", "type"}` with the status the model gives each exception.
//! An InProgress lock vanishes 24 h after initiation (its time rule, `settle` below).

use axum::http::Method;
use axum::response::Response;
use serde_json::{json, Value as Json};

use crate::clock::iso_millis;
use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::state::{
    default_region, random_from, EmulatedService, Regional, SeedContext, ViewContext, ALNUM,
};
use crate::wire::{
    empty, set_header, str_param, ApiError, Claim, Ctx, Operation, RawRequest, Service,
};

/// The largest policy InitiateVaultLock accepts (20 KiB).
pub const MAX_POLICY_BYTES: usize = 20 * 1024;

const CONTENT_TYPE: &str = "application/json";

// ---- the model, its seed, its state view and its time rules ---------------------------------

/// How long an InProgress vault lock lives before it vanishes.
pub const VAULT_LOCK_TTL: SignedDuration = SignedDuration::from_hours(24);

impl EmulatedService for Glacier {
    const STATE_KEY: Option<&'static str> = Some("glacier");
    const WIRE: &'static [&'static dyn Service] = &[&Glacier];
    type Model = Regional<BTreeMap<String, Vault>>;
    type Entry = SeedVault;

    fn seed(model: &mut Self::Model, v: SeedVault, cx: &SeedContext) -> Result<(), String> {
        let account = cx.account(v.account_id);
        if !valid_vault_name(&v.vault) {
            return Err(format!("invalid vault name {:?}", v.vault));
        }
        let lock = v.lock.map(|l| VaultLock {
            state: l.state,
            policy: l.policy,
            lock_id: l.lock_id.unwrap_or_else(|| new_lock_id(&mut rand::rng())),
            created: l.created.unwrap_or(cx.now),
        });
        model.at(&account, &v.region).insert(
            v.vault.clone(),
            Vault {
                name: v.vault,
                created: v.created.unwrap_or(cx.now),
                lock,
            },
        );
        Ok(())
    }

    fn view(model: &Self::Model, cx: &ViewContext) -> Vec<SeedVault> {
        let mut entries = Vec::new();
        for (account, region, vaults) in model.iter() {
            for v in vaults.values() {
                entries.push(SeedVault {
                    account_id: cx.account_id(account),
                    region: region.to_string(),
                    vault: v.name.clone(),
                    created: Some(v.created),
                    lock: v.lock.as_ref().map(|l| SeedVaultLock {
                        state: l.state,
                        policy: l.policy.clone(),
                        lock_id: Some(l.lock_id.clone()),
                        created: Some(l.created),
                    }),
                });
            }
        }
        entries
    }

    /// An InProgress lock vanishes [`VAULT_LOCK_TTL`] after its initiation.
    fn settle(model: &mut Self::Model, now: Timestamp) {
        for vaults in model.values_mut() {
            for vault in vaults.values_mut() {
                let expired = vault.lock.as_ref().is_some_and(|lock| {
                    lock.state == VaultLockState::InProgress && lock.expires() <= now
                });
                if expired {
                    vault.lock = None;
                }
            }
        }
    }
}

/// The vaults of the caller's account and region.
fn vaults<'c>(ctx: &'c mut Ctx) -> &'c mut BTreeMap<String, Vault> {
    ctx.store.services.glacier.at(&ctx.account, &ctx.region)
}

/// A Glacier vault.
#[derive(Debug, Clone)]
pub struct Vault {
    pub name: String,
    pub created: Timestamp,
    pub lock: Option<VaultLock>,
}

/// The state of a vault lock as GetVaultLock reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VaultLockState {
    InProgress,
    Locked,
}

impl VaultLockState {
    pub fn as_str(self) -> &'static str {
        match self {
            VaultLockState::InProgress => "InProgress",
            VaultLockState::Locked => "Locked",
        }
    }
}

/// A vault lock policy, in progress or complete.
#[derive(Debug, Clone)]
pub struct VaultLock {
    pub state: VaultLockState,
    pub policy: String,
    pub lock_id: String,
    pub created: Timestamp,
}

impl VaultLock {
    /// When an InProgress lock vanishes.
    pub fn expires(&self) -> Timestamp {
        crate::clock::shift(self.created, VAULT_LOCK_TTL)
    }
}

/// 1 to 255 of `[A-Za-z0-9_.-]`, as Glacier requires.
pub fn valid_vault_name(name: &str) -> bool {
    (1..=255).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// A Glacier lock id: 24 letters and digits.
pub fn new_lock_id(rng: &mut impl Rng) -> String {
    random_from(rng, ALNUM, 24)
}

/// A vault in the seed document and the state (`"glacier"`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedVault {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(default = "default_region")]
    region: String,
    vault: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lock: Option<SeedVaultLock>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedVaultLock {
    state: VaultLockState,
    policy: String,
    #[serde(default)]
    lock_id: Option<String>,
    #[serde(default)]
    created: Option<Timestamp>,
}

// ---- the wire adapter ------------------------------------------------------------------------

/// Amazon Glacier: its registration (lib.rs) and its wire adapter.
#[derive(Debug)]
pub struct Glacier;

impl Service for Glacier {
    fn name(&self) -> &'static str {
        "glacier"
    }

    fn protocol(&self) -> &'static str {
        "restJson1"
    }

    fn claim(&self, req: &RawRequest, scope_service: Option<&str>) -> Claim {
        if scope_service == Some("glacier") {
            Claim::Signed
        } else if req.header("x-amz-glacier-version").is_some() {
            Claim::ByHeader
        } else if req.segments().get(1).map(String::as_str) == Some("vaults") {
            Claim::ByShape
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
        _: &str,
    ) -> Result<Response, ApiError> {
        execute(op, ctx)
    }

    fn error(&self, err: &ApiError, _: &str) -> Response {
        error_response(err)
    }

    fn default_error_code(&self, status: u16) -> &'static str {
        if status >= 500 {
            "ServiceUnavailableException"
        } else {
            "InvalidParameterValueException"
        }
    }
}

/// Identifies the operation from the method and path.
pub fn parse(req: &RawRequest) -> Result<Operation, ApiError> {
    let seg = req.segments();
    let seg: Vec<&str> = seg.iter().map(String::as_str).collect();
    let m = &req.method;
    let (name, mutating) = match (m, seg.as_slice()) {
        (&Method::GET, [_, "vaults"]) => ("ListVaults", false),
        (&Method::PUT, [_, "vaults", _]) => ("CreateVault", true),
        (&Method::GET, [_, "vaults", _]) => ("DescribeVault", false),
        (&Method::DELETE, [_, "vaults", _]) => ("DeleteVault", true),
        (&Method::POST, [_, "vaults", _, "lock-policy"]) => ("InitiateVaultLock", true),
        (&Method::GET, [_, "vaults", _, "lock-policy"]) => ("GetVaultLock", false),
        (&Method::DELETE, [_, "vaults", _, "lock-policy"]) => ("AbortVaultLock", true),
        (&Method::POST, [_, "vaults", _, "lock-policy", _]) => ("CompleteVaultLock", true),
        _ => {
            return Err(ApiError::new(
                400,
                "InvalidParameterValueException",
                format!("{} {} is not a supported Glacier operation", m, req.path),
            ))
        }
    };
    let mut params = serde_json::Map::new();
    params.insert("accountId".into(), json!(seg[0]));
    if let Some(vault) = seg.get(2) {
        params.insert("vaultName".into(), json!(vault));
    }
    if let Some(lock_id) = seg.get(4) {
        params.insert("lockId".into(), json!(lock_id));
    }
    for key in ["marker", "limit"] {
        if let Some(v) = req.query_param(key) {
            params.insert(key.into(), json!(v));
        }
    }
    if name == "InitiateVaultLock" && !req.body.is_empty() {
        let body: Json = serde_json::from_slice(&req.body).map_err(|e| {
            ApiError::new(
                400,
                "InvalidParameterValueException",
                format!("The request body is not valid JSON: {e}"),
            )
        })?;
        params.insert("policy".into(), body);
    }
    Ok(Operation {
        name,
        mutating,
        params: Json::Object(params),
    })
}

/// Renders an error the way Glacier does.
pub fn error_response(err: &ApiError) -> Response {
    let kind = if err.is_client_fault() {
        "Client"
    } else {
        "Server"
    };
    crate::wire::json(
        err.status,
        CONTENT_TYPE,
        &json!({"code": err.code, "message": err.message, "type": kind}),
    )
}

fn not_found(ctx: &Ctx, vault: &str) -> ApiError {
    ApiError::new(
        404,
        "ResourceNotFoundException",
        format!(
            "Vault not found for ARN: {}",
            vault_arn(&ctx.region, &ctx.account, vault)
        ),
    )
}

fn vault_arn(region: &str, account: &str, vault: &str) -> String {
    format!("arn:aws:glacier:{region}:{account}:vaults/{vault}")
}

fn describe(ctx: &Ctx, v: &Vault) -> Json {
    json!({
        "VaultARN": vault_arn(&ctx.region, &ctx.account, &v.name),
        "VaultName": v.name,
        "CreationDate": iso_millis(v.created),
        "LastInventoryDate": null,
        "NumberOfArchives": 0,
        "SizeInBytes": 0,
    })
}

/// Carries out the operation.
pub fn execute(op: &Operation, ctx: &mut Ctx) -> Result<Response, ApiError> {
    let account_param = str_param(&op.params, "accountId").unwrap_or("-");
    if account_param != "-" && account_param != ctx.account {
        return Err(ApiError::new(
            403,
            "AccessDeniedException",
            format!(
                "Access denied: the caller's account {} may not act on account {}",
                ctx.account, account_param
            ),
        ));
    }
    if op.name == "ListVaults" {
        return list_vaults(op, ctx);
    }
    let name = str_param(&op.params, "vaultName")
        .unwrap_or_default()
        .to_string();
    if !valid_vault_name(&name) {
        return Err(ApiError::new(
            400,
            "InvalidParameterValueException",
            format!("Invalid vault name: {name}"),
        ));
    }
    if op.name == "CreateVault" {
        let now = ctx.now;
        vaults(ctx)
            .entry(name.clone())
            .or_insert_with(|| Vault {
                name: name.clone(),
                created: now,
                lock: None,
            });
        let mut resp = empty(201);
        set_header(
            &mut resp,
            "location",
            &format!("/{}/vaults/{}", ctx.account, name),
        );
        return Ok(resp);
    }
    let Some(vault) = vaults(ctx).get(&name).cloned() else {
        return Err(not_found(ctx, &name));
    };
    match op.name {
        "DescribeVault" => Ok(crate::wire::json(200, CONTENT_TYPE, &describe(ctx, &vault))),
        "DeleteVault" => {
            vaults(ctx).remove(&name);
            Ok(empty(204))
        }
        "InitiateVaultLock" => initiate(op, ctx, &name, &vault),
        "GetVaultLock" => match &vault.lock {
            None => Err(ApiError::new(
                404,
                "ResourceNotFoundException",
                format!("No vault lock policy found for vault {name}"),
            )),
            Some(lock) => {
                let expiration = match lock.state {
                    VaultLockState::InProgress => json!(iso_millis(lock.expires())),
                    VaultLockState::Locked => Json::Null,
                };
                Ok(crate::wire::json(
                    200,
                    CONTENT_TYPE,
                    &json!({
                        "Policy": lock.policy,
                        "State": lock.state.as_str(),
                        "ExpirationDate": expiration,
                        "CreationDate": iso_millis(lock.created),
                    }),
                ))
            }
        },
        "CompleteVaultLock" => {
            let lock_id = str_param(&op.params, "lockId").unwrap_or_default();
            match vault.lock {
                None => Err(ApiError::new(
                    400,
                    "InvalidParameterValueException",
                    format!("There is no vault lock in progress for vault {name}"),
                )),
                Some(lock) if lock.lock_id != lock_id => match lock.state {
                    VaultLockState::InProgress => Err(ApiError::new(
                        400,
                        "InvalidParameterValueException",
                        format!("Invalid lock ID: {lock_id}"),
                    )),
                    VaultLockState::Locked => Err(ApiError::new(
                        403,
                        "AccessDeniedException",
                        format!("The vault lock of vault {name} is already complete"),
                    )),
                },
                Some(_) => {
                    if let Some(Some(lock)) = vaults(ctx)
                        .get_mut(&name)
                        .map(|v| v.lock.as_mut())
                    {
                        lock.state = VaultLockState::Locked;
                    }
                    Ok(empty(204))
                }
            }
        }
        "AbortVaultLock" => match vault.lock {
            Some(lock) if lock.state == VaultLockState::Locked => Err(ApiError::new(
                403,
                "AccessDeniedException",
                format!("The vault lock of vault {name} is complete and cannot be aborted"),
            )),
            _ => {
                if let Some(v) = vaults(ctx).get_mut(&name) {
                    v.lock = None;
                }
                Ok(empty(204))
            }
        },
        other => Err(ApiError::new(
            400,
            "InvalidParameterValueException",
            format!("unsupported operation {other}"),
        )),
    }
}

fn initiate(
    op: &Operation,
    ctx: &mut Ctx,
    name: &str,
    vault: &Vault,
) -> Result<Response, ApiError> {
    let Some(policy) = op
        .params
        .get("policy")
        .and_then(|p| p.get("Policy"))
        .and_then(Json::as_str)
    else {
        return Err(ApiError::new(
            400,
            "MissingParameterValueException",
            "Required parameter is missing: Policy",
        ));
    };
    if policy.len() > MAX_POLICY_BYTES {
        return Err(ApiError::new(
            400,
            "InvalidParameterValueException",
            format!(
                "The vault lock policy is {} bytes; the limit is {MAX_POLICY_BYTES}",
                policy.len()
            ),
        ));
    }
    if !serde_json::from_str::<Json>(policy).is_ok_and(|p| p.is_object()) {
        return Err(ApiError::new(
            400,
            "InvalidParameterValueException",
            "Invalid vault lock policy: it is not a JSON object",
        ));
    }
    if let Some(lock) = &vault.lock {
        return Err(ApiError::new(
            403,
            "AccessDeniedException",
            format!(
                "Vault {name} already has a vault lock in state {}",
                lock.state.as_str()
            ),
        ));
    }
    let lock_id = new_lock_id(&mut rand::rng());
    let now = ctx.now;
    if let Some(v) = vaults(ctx).get_mut(name) {
        v.lock = Some(VaultLock {
            state: VaultLockState::InProgress,
            policy: policy.to_string(),
            lock_id: lock_id.clone(),
            created: now,
        });
    }
    let mut resp = empty(201);
    set_header(&mut resp, "x-amz-lock-id", &lock_id);
    Ok(resp)
}

fn list_vaults(op: &Operation, ctx: &mut Ctx) -> Result<Response, ApiError> {
    let limit = match str_param(&op.params, "limit") {
        None | Some("") => 10,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(ApiError::new(
                    400,
                    "InvalidParameterValueException",
                    format!("Invalid limit: {s}; it must be a number from 1 to 1000"),
                ))
            }
        },
    };
    let marker = str_param(&op.params, "marker").filter(|m| !m.is_empty());
    let (region, account) = (ctx.region.clone(), ctx.account.clone());
    let vaults: Vec<Vault> = vaults(ctx).values().cloned().collect();
    let start = match marker {
        None => 0,
        Some(m) => vaults
            .iter()
            .position(|v| vault_arn(&region, &account, &v.name) == m)
            .ok_or_else(|| {
                ApiError::new(
                    400,
                    "InvalidParameterValueException",
                    format!("Invalid marker: {m}"),
                )
            })?,
    };
    let page: Vec<Json> = vaults
        .iter()
        .skip(start)
        .take(limit)
        .map(|v| describe(ctx, v))
        .collect();
    let next = vaults
        .get(start + limit)
        .map(|v| json!(vault_arn(&region, &account, &v.name)))
        .unwrap_or(Json::Null);
    Ok(crate::wire::json(
        200,
        CONTENT_TYPE,
        &json!({"VaultList": page, "Marker": next}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Store;
    use serde_json::json;

    #[test]
    fn settle_expires_in_progress_lock_after_24h() {
        let mut store = Store::new("123456789012".into());
        let now: Timestamp = "2026-11-23T00:00:00Z".parse().unwrap();
        store
            .seed(
                json!({"glacier": [{"vault": "v", "lock": {"state": "InProgress", "policy": "{}",
                         "created": "2026-11-22T00:00:01Z"}}]}),
                now,
            )
            .unwrap();
        store.settle(now);
        let vaults = store.services.glacier.at("123456789012", "us-east-1");
        assert!(vaults["v"].lock.is_some());
        store.settle("2026-11-23T00:00:01Z".parse().unwrap());
        let vaults = store.services.glacier.at("123456789012", "us-east-1");
        assert!(vaults["v"].lock.is_none());
    }

    #[test]
    fn generated_lock_ids_have_the_documented_shape() {
        assert_eq!(new_lock_id(&mut rand::rng()).len(), 24);
    }
}
