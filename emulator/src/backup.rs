//! AWS Backup, restJson1 (API version 2018-11-15): backup vaults and Backup Vault Lock.
//!
//! Errors carry the code in `x-amzn-ErrorType` and a body `{"__type", "Code", "Message"}`; every
//! modelled exception is a 400 except ServiceUnavailableException (500).
//!
//! A lock has no mode field. A put without `ChangeableForDays` is a governance lock (no
//! LockDate; it can be changed or deleted at any time); a put with `ChangeableForDays = N` is a
//! compliance lock whose LockDate is the time of the call plus N days on the virtual clock.
//! Before the lock date it can still be changed or deleted; on and after it both answer
//! InvalidRequestException. A put without `ChangeableForDays` keeps an existing LockDate (as
//! moto does). A logically air-gapped vault is created compliance-locked and its lock can never
//! be changed or deleted.

use axum::http::Method;
use axum::response::Response;
use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};

use crate::clock::{epoch_secs, plus_days};
use crate::state::{default_region, EmulatedService, Regional, SeedContext, ViewContext};
use crate::wire::{set_header, str_param, ApiError, Claim, Ctx, Operation, RawRequest, Service};

const CONTENT_TYPE: &str = "application/json";

/// The smallest MinRetentionDays a logically air-gapped vault accepts.
const AIR_GAPPED_MIN_RETENTION_DAYS: i64 = 7;

/// The page size of ListBackupVaults when the caller gives none.
const DEFAULT_PAGE: usize = 1000;

// ---- the model, its seed and its state view ------------------------------------------------

impl EmulatedService for Backup {
    const STATE_KEY: Option<&'static str> = Some("backup");
    const WIRE: &'static [&'static dyn Service] = &[&Backup];
    type Model = Regional<BTreeMap<String, BackupVault>>;
    type Entry = SeedBackupVault;

    fn seed(model: &mut Self::Model, v: SeedBackupVault, cx: &SeedContext) -> Result<(), String> {
        let account = cx.account(v.account_id);
        if !valid_backup_vault_name(&v.vault) {
            return Err(format!("invalid Backup vault name {:?}", v.vault));
        }
        if !BACKUP_VAULT_TYPES.contains(&v.vault_type.as_str()) {
            return Err(format!(
                "invalid vault_type {:?}: expected one of {}",
                v.vault_type,
                BACKUP_VAULT_TYPES.join(", ")
            ));
        }
        if let Some(l) = &v.lock {
            check_retention(l.min_retention_days, l.max_retention_days)
                .map_err(|e| format!("Backup vault {}: {e}", v.vault))?;
        }
        let air_gapped_without_retention = v.vault_type == AIR_GAPPED
            && v.lock.as_ref().is_none_or(|l| {
                l.min_retention_days.is_none() || l.max_retention_days.is_none()
            });
        if air_gapped_without_retention {
            return Err(format!(
                "Backup vault {}: a logically air-gapped vault is born locked and needs a lock \
                 with min_retention_days and max_retention_days",
                v.vault
            ));
        }
        model.at(&account, &v.region).insert(
            v.vault.clone(),
            BackupVault {
                name: v.vault,
                vault_type: v.vault_type,
                created: v.created.unwrap_or(cx.now),
                recovery_points: v.recovery_points,
                lock: v.lock.map(|l| BackupLock {
                    min_retention_days: l.min_retention_days,
                    max_retention_days: l.max_retention_days,
                    lock_date: l.lock_date,
                }),
                creator_request_id: None,
                encryption_key_arn: None,
            },
        );
        Ok(())
    }

    fn view(model: &Self::Model, cx: &ViewContext) -> Vec<SeedBackupVault> {
        let mut entries = Vec::new();
        for (account, region, vaults) in model.iter() {
            for v in vaults.values() {
                entries.push(SeedBackupVault {
                    account_id: cx.account_id(account),
                    region: region.to_string(),
                    vault: v.name.clone(),
                    vault_type: v.vault_type.clone(),
                    recovery_points: v.recovery_points,
                    created: Some(v.created),
                    lock: v.lock.as_ref().map(|l| SeedBackupLock {
                        min_retention_days: l.min_retention_days,
                        max_retention_days: l.max_retention_days,
                        lock_date: l.lock_date,
                    }),
                });
            }
        }
        entries
    }
}

/// The Backup vaults of the caller's account and region.
fn vaults<'c>(ctx: &'c mut Ctx) -> &'c mut BTreeMap<String, BackupVault> {
    ctx.store.services.backup.at(&ctx.account, &ctx.region)
}

/// The `VaultType`s of the AWS Backup model.
pub const BACKUP_VAULT_TYPES: [&str; 3] = [
    "BACKUP_VAULT",
    "LOGICALLY_AIR_GAPPED_BACKUP_VAULT",
    "RESTORE_ACCESS_BACKUP_VAULT",
];

/// The type of a logically air-gapped vault, which is compliance-locked from its creation.
pub const AIR_GAPPED: &str = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT";

/// The bounds AWS Backup puts on lock values (days).
pub const MAX_RETENTION_DAYS: i64 = 36_500;
pub const MIN_CHANGEABLE_FOR_DAYS: i64 = 3;

/// An AWS Backup vault.
#[derive(Debug, Clone)]
pub struct BackupVault {
    pub name: String,
    pub vault_type: String,
    pub created: Timestamp,
    /// Recovery points are not modelled one by one; only their number matters (DeleteBackupVault).
    pub recovery_points: u64,
    pub lock: Option<BackupLock>,
    pub creator_request_id: Option<String>,
    pub encryption_key_arn: Option<String>,
}

impl BackupVault {
    /// Whether the vault's lock can no longer be changed or deleted: a compliance lock on or
    /// after its lock date, and any lock of a logically air-gapped vault.
    pub fn lock_is_immutable(&self, now: Timestamp) -> bool {
        self.lock.as_ref().is_some_and(|lock| {
            self.vault_type == AIR_GAPPED || lock.lock_date.is_some_and(|d| d <= now)
        })
    }
}

/// A Backup Vault Lock. Without a lock date it is a governance lock; with one it is a
/// compliance lock, changeable until that date and immutable from then on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupLock {
    pub min_retention_days: Option<i64>,
    pub max_retention_days: Option<i64>,
    pub lock_date: Option<Timestamp>,
}

/// Checks retention bounds as AWS Backup does; the message names the offending value.
pub fn check_retention(min: Option<i64>, max: Option<i64>) -> Result<(), String> {
    if let Some(min) = min {
        if !(1..=MAX_RETENTION_DAYS).contains(&min) {
            return Err(format!(
                "MinRetentionDays {min} is not within 1..={MAX_RETENTION_DAYS}"
            ));
        }
    }
    if let Some(max) = max {
        if !(1..=MAX_RETENTION_DAYS).contains(&max) {
            return Err(format!(
                "MaxRetentionDays {max} is not within 1..={MAX_RETENTION_DAYS}"
            ));
        }
    }
    if let (Some(min), Some(max)) = (min, max) {
        if min > max {
            return Err(format!(
                "MinRetentionDays {min} is greater than MaxRetentionDays {max}"
            ));
        }
    }
    Ok(())
}

/// 2 to 50 of `[A-Za-z0-9_-]`, as AWS Backup requires.
pub fn valid_backup_vault_name(name: &str) -> bool {
    (2..=50).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

fn default_backup_vault_type() -> String {
    "BACKUP_VAULT".to_string()
}

/// A Backup vault in the seed document and the state (`"backup"`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedBackupVault {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(default = "default_region")]
    region: String,
    vault: String,
    #[serde(default = "default_backup_vault_type")]
    vault_type: String,
    #[serde(default)]
    recovery_points: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lock: Option<SeedBackupLock>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedBackupLock {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_retention_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_retention_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lock_date: Option<Timestamp>,
}

// ---- the wire adapter ------------------------------------------------------------------------

/// AWS Backup: its registration (lib.rs) and its wire adapter.
#[derive(Debug)]
pub struct Backup;

impl Service for Backup {
    fn name(&self) -> &'static str {
        "backup"
    }

    fn protocol(&self) -> &'static str {
        "restJson1"
    }

    fn claim(&self, req: &RawRequest, scope_service: Option<&str>) -> Claim {
        if scope_service == Some("backup") {
            return Claim::Signed;
        }
        match req.segments().first().map(String::as_str) {
            Some("backup-vaults" | "logically-air-gapped-backup-vaults") => Claim::ByShape,
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
            "ServiceUnavailableException"
        } else {
            "InvalidParameterValueException"
        }
    }
}

fn invalid_parameter(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidParameterValueException", msg)
}

fn invalid_request(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidRequestException", msg)
}

fn missing_parameter(name: &str) -> ApiError {
    ApiError::new(
        400,
        "MissingParameterValueException",
        format!("Missing required parameter: {name}"),
    )
}

/// Identifies the operation from the method and path, and reads the JSON body and query.
pub fn parse(req: &RawRequest) -> Result<Operation, ApiError> {
    let seg = req.segments();
    let seg: Vec<&str> = seg.iter().map(String::as_str).collect();
    let (name, mutating) = match (&req.method, seg.as_slice()) {
        (&Method::GET, ["backup-vaults"]) => ("ListBackupVaults", false),
        (&Method::PUT, ["backup-vaults", _]) => ("CreateBackupVault", true),
        (&Method::GET, ["backup-vaults", _]) => ("DescribeBackupVault", false),
        (&Method::DELETE, ["backup-vaults", _]) => ("DeleteBackupVault", true),
        (&Method::PUT, ["backup-vaults", _, "vault-lock"]) => {
            ("PutBackupVaultLockConfiguration", true)
        }
        (&Method::DELETE, ["backup-vaults", _, "vault-lock"]) => {
            ("DeleteBackupVaultLockConfiguration", true)
        }
        (&Method::PUT, ["logically-air-gapped-backup-vaults", _]) => {
            ("CreateLogicallyAirGappedBackupVault", true)
        }
        _ => {
            return Err(ApiError::new(
                404,
                "UnknownOperationException",
                format!(
                    "{} {} is not a supported AWS Backup operation",
                    req.method, req.path
                ),
            ))
        }
    };
    let mut params = if req.body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Map::new()
    } else {
        match serde_json::from_slice::<Json>(&req.body) {
            Ok(Json::Object(m)) => m,
            _ => return Err(invalid_parameter("The request body is not a JSON object")),
        }
    };
    if let Some(vault) = seg.get(1) {
        params.insert("BackupVaultName".into(), json!(vault));
    }
    for (query, member) in [
        ("maxResults", "MaxResults"),
        ("nextToken", "NextToken"),
        ("vaultType", "ByVaultType"),
        ("shared", "ByShared"),
        ("backupVaultAccountId", "BackupVaultAccountId"),
    ] {
        if let Some(v) = req.query_param(query) {
            params.insert(member.into(), json!(v));
        }
    }
    Ok(Operation {
        name,
        mutating,
        params: Json::Object(params),
    })
}

/// Renders an error the way AWS Backup does.
pub fn error_response(err: &ApiError) -> Response {
    let mut body = serde_json::Map::new();
    body.insert("__type".into(), json!(err.code));
    body.insert("Code".into(), json!(err.code));
    body.insert("Message".into(), json!(err.message));
    for (k, v) in &err.fields {
        body.insert((*k).into(), json!(v));
    }
    let mut resp = crate::wire::json(err.status, CONTENT_TYPE, &Json::Object(body));
    set_header(&mut resp, "x-amzn-errortype", &err.code);
    resp
}

fn vault_arn(ctx: &Ctx, name: &str) -> String {
    format!(
        "arn:aws:backup:{}:{}:backup-vault:{name}",
        ctx.region, ctx.account
    )
}

fn not_found(ctx: &Ctx, name: &str) -> ApiError {
    ApiError::new(
        400,
        "ResourceNotFoundException",
        format!(
            "Backup vault {name} in account {} and region {} does not exist",
            ctx.account, ctx.region
        ),
    )
}

/// What DescribeBackupVault and ListBackupVaults report of a vault.
fn describe(ctx: &Ctx, v: &BackupVault) -> serde_json::Map<String, Json> {
    let mut m = serde_json::Map::new();
    m.insert("BackupVaultName".into(), json!(v.name));
    m.insert("BackupVaultArn".into(), json!(vault_arn(ctx, &v.name)));
    m.insert("VaultType".into(), json!(v.vault_type));
    m.insert("VaultState".into(), json!("AVAILABLE"));
    m.insert("CreationDate".into(), json!(epoch_secs(v.created)));
    if let Some(id) = &v.creator_request_id {
        m.insert("CreatorRequestId".into(), json!(id));
    }
    if let Some(arn) = &v.encryption_key_arn {
        m.insert("EncryptionKeyArn".into(), json!(arn));
    }
    m.insert("NumberOfRecoveryPoints".into(), json!(v.recovery_points));
    m.insert("Locked".into(), json!(v.lock.is_some()));
    if let Some(lock) = &v.lock {
        if let Some(min) = lock.min_retention_days {
            m.insert("MinRetentionDays".into(), json!(min));
        }
        if let Some(max) = lock.max_retention_days {
            m.insert("MaxRetentionDays".into(), json!(max));
        }
        if let Some(date) = lock.lock_date {
            m.insert("LockDate".into(), json!(epoch_secs(date)));
        }
    }
    m
}

fn ok(body: serde_json::Map<String, Json>) -> Result<Response, ApiError> {
    Ok(crate::wire::json(200, CONTENT_TYPE, &Json::Object(body)))
}

/// An integer member: absent, or a JSON integer. Anything else is InvalidParameterValue.
fn long_param(p: &Json, name: &str) -> Result<Option<i64>, ApiError> {
    match p.get(name) {
        None | Some(Json::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| invalid_parameter(format!("{name} must be an integer, not {v}"))),
    }
}

/// Carries out the operation.
pub fn execute(op: &Operation, ctx: &mut Ctx) -> Result<Response, ApiError> {
    let p = &op.params;
    if let Some(owner) = str_param(p, "BackupVaultAccountId") {
        if owner != ctx.account {
            return Err(ApiError::new(
                403,
                "AccessDeniedException",
                format!(
                    "The caller's account {} may not read vaults of account {owner}",
                    ctx.account
                ),
            ));
        }
    }
    if op.name == "ListBackupVaults" {
        return list_vaults(p, ctx);
    }
    let name = str_param(p, "BackupVaultName")
        .unwrap_or_default()
        .to_string();
    if !valid_backup_vault_name(&name) {
        return Err(invalid_parameter(format!(
            "Invalid backup vault name {name:?}: it must be 2 to 50 letters, digits, hyphens or underscores"
        )));
    }
    match op.name {
        "CreateBackupVault" => create(p, ctx, &name, "BACKUP_VAULT", None),
        "CreateLogicallyAirGappedBackupVault" => {
            let min = long_param(p, "MinRetentionDays")?
                .ok_or_else(|| missing_parameter("MinRetentionDays"))?;
            let max = long_param(p, "MaxRetentionDays")?
                .ok_or_else(|| missing_parameter("MaxRetentionDays"))?;
            if min < AIR_GAPPED_MIN_RETENTION_DAYS {
                return Err(invalid_parameter(format!(
                    "MinRetentionDays {min} is below {AIR_GAPPED_MIN_RETENTION_DAYS}, the least a logically air-gapped vault accepts"
                )));
            }
            check_retention(Some(min), Some(max)).map_err(invalid_parameter)?;
            let lock = BackupLock {
                min_retention_days: Some(min),
                max_retention_days: Some(max),
                lock_date: Some(ctx.now),
            };
            create(p, ctx, &name, AIR_GAPPED, Some(lock))
        }
        _ => {
            let Some(vault) = vaults(ctx).get(&name).cloned() else {
                return Err(not_found(ctx, &name));
            };
            match op.name {
                "DescribeBackupVault" => ok(describe(ctx, &vault)),
                "DeleteBackupVault" => {
                    if vault.recovery_points > 0 {
                        return Err(invalid_request(format!(
                            "Backup vault {name} cannot be deleted because it contains {} recovery points",
                            vault.recovery_points
                        )));
                    }
                    vaults(ctx).remove(&name);
                    ok(serde_json::Map::new())
                }
                "PutBackupVaultLockConfiguration" => put_lock(p, ctx, vault),
                "DeleteBackupVaultLockConfiguration" => delete_lock(ctx, vault),
                other => Err(invalid_request(format!("unsupported operation {other}"))),
            }
        }
    }
}

fn create(
    p: &Json,
    ctx: &mut Ctx,
    name: &str,
    vault_type: &str,
    lock: Option<BackupLock>,
) -> Result<Response, ApiError> {
    let now = ctx.now;
    let arn = vault_arn(ctx, name);
    let creator_request_id = str_param(p, "CreatorRequestId").map(str::to_string);
    if let Some(existing) = vaults(ctx).get(name) {
        let mut err = ApiError::new(
            400,
            "AlreadyExistsException",
            format!("Backup vault with the same name {name} already exists"),
        )
        .with("Arn", arn);
        if let Some(id) = &existing.creator_request_id {
            err = err.with("CreatorRequestId", id.clone());
        }
        return Err(err);
    }
    let vault = BackupVault {
        name: name.to_string(),
        vault_type: vault_type.to_string(),
        created: now,
        recovery_points: 0,
        lock,
        creator_request_id,
        encryption_key_arn: str_param(p, "EncryptionKeyArn").map(str::to_string),
    };
    vaults(ctx)
        .insert(name.to_string(), vault);
    let mut out = serde_json::Map::new();
    out.insert("BackupVaultName".into(), json!(name));
    out.insert("BackupVaultArn".into(), json!(arn));
    out.insert("CreationDate".into(), json!(epoch_secs(now)));
    if vault_type == AIR_GAPPED {
        // AWS answers CREATING and the vault is AVAILABLE moments later; here it is at once.
        out.insert("VaultState".into(), json!("CREATING"));
    }
    ok(out)
}

fn refuse_immutable(vault: &BackupVault, now: Timestamp, what: &str) -> Result<(), ApiError> {
    if !vault.lock_is_immutable(now) {
        return Ok(());
    }
    if vault.vault_type == AIR_GAPPED {
        return Err(invalid_request(format!(
            "The Vault Lock of logically air-gapped vault {} cannot be {what}",
            vault.name
        )));
    }
    let date = vault
        .lock
        .as_ref()
        .and_then(|l| l.lock_date)
        .map(crate::clock::iso_secs)
        .unwrap_or_default();
    Err(invalid_request(format!(
        "Vault Lock configuration of backup vault {} is immutable since its lock date {date} and cannot be {what}",
        vault.name
    )))
}

fn put_lock(p: &Json, ctx: &mut Ctx, vault: BackupVault) -> Result<Response, ApiError> {
    refuse_immutable(&vault, ctx.now, "changed")?;
    if vault.vault_type != "BACKUP_VAULT" {
        return Err(invalid_request(format!(
            "Vault Lock cannot be put on {} vault {}",
            vault.vault_type, vault.name
        )));
    }
    let min = long_param(p, "MinRetentionDays")?;
    let max = long_param(p, "MaxRetentionDays")?;
    let changeable = long_param(p, "ChangeableForDays")?;
    check_retention(min, max).map_err(invalid_parameter)?;
    if let Some(days) = changeable {
        if !(MIN_CHANGEABLE_FOR_DAYS..=MAX_RETENTION_DAYS).contains(&days) {
            return Err(invalid_parameter(format!(
                "ChangeableForDays {days} is not within {MIN_CHANGEABLE_FOR_DAYS}..={MAX_RETENTION_DAYS}: \
                 AWS Backup enforces a 72-hour cooling-off period"
            )));
        }
    }
    let now = ctx.now;
    let lock_date = match changeable {
        Some(days) => Some(plus_days(now, days)),
        None => vault.lock.as_ref().and_then(|l| l.lock_date),
    };
    if let Some(v) = vaults(ctx).get_mut(&vault.name) {
        v.lock = Some(BackupLock {
            min_retention_days: min,
            max_retention_days: max,
            lock_date,
        });
    }
    ok(serde_json::Map::new())
}

fn delete_lock(ctx: &mut Ctx, vault: BackupVault) -> Result<Response, ApiError> {
    refuse_immutable(&vault, ctx.now, "deleted")?;
    if let Some(v) = vaults(ctx).get_mut(&vault.name) {
        v.lock = None;
    }
    ok(serde_json::Map::new())
}

fn list_vaults(p: &Json, ctx: &mut Ctx) -> Result<Response, ApiError> {
    let limit = match str_param(p, "MaxResults") {
        None => DEFAULT_PAGE,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(invalid_parameter(format!(
                    "Invalid MaxResults {s}: it must be a number from 1 to 1000"
                )))
            }
        },
    };
    let by_type = str_param(p, "ByVaultType");
    if let Some(t) = by_type {
        if !BACKUP_VAULT_TYPES.contains(&t) {
            return Err(invalid_parameter(format!("Invalid ByVaultType {t}")));
        }
    }
    let vaults: Vec<BackupVault> = vaults(ctx)
        .values()
        .filter(|v| by_type.is_none_or(|t| v.vault_type == t))
        .cloned()
        .collect();
    // The token is the name of the first vault of the next page.
    let start = match str_param(p, "NextToken").filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => vaults
            .iter()
            .position(|v| v.name.as_str() >= token)
            .unwrap_or(vaults.len()),
    };
    let page: Vec<Json> = vaults
        .iter()
        .skip(start)
        .take(limit)
        .map(|v| Json::Object(describe(ctx, v)))
        .collect();
    let mut out = serde_json::Map::new();
    out.insert("BackupVaultList".into(), Json::Array(page));
    if let Some(next) = vaults.get(start + limit) {
        out.insert("NextToken".into(), json!(next.name));
    }
    ok(out)
}
