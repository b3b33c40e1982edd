//! AWS Security Token Service, awsQuery (API version 2011-06-15): GetCallerIdentity and
//! AssumeRole. Requests are form-encoded `Action=...&Version=2011-06-15`; answers are XML.
//!
//! AssumeRole issues temporary credentials that the emulator accepts afterwards: a request signed
//! with them acts in the role's account, and GetCallerIdentity names the assumed role. They expire
//! on the virtual clock.

use axum::response::Response;
use jiff::SignedDuration;
use serde_json::Value as Json;

use crate::clock::{iso_secs, shift};
use rand::Rng;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::state::{
    random_from, EmulatedService, SeedContext, Session, ViewContext, ALNUM, UPPER_ALNUM,
};
use crate::wire::{str_param, xml_escape, ApiError, Claim, Ctx, Operation, RawRequest, Service};

const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

// ---- its model: the roles that name an external id (the sessions it issues are the store's,
// which every service reads) -------------------------------------------------------------------

impl EmulatedService for Sts {
    const STATE_KEY: Option<&'static str> = Some("roles");
    const WIRE: &'static [&'static dyn Service] = &[&Sts];
    /// By role ARN. A role not listed may be assumed by anyone, with any external id or none.
    type Model = BTreeMap<String, Role>;
    type Entry = SeedRole;

    fn seed(model: &mut Self::Model, r: SeedRole, _: &SeedContext) -> Result<(), String> {
        parse_role_arn(&r.arn).map_err(|e| format!("invalid role: {}", e.message))?;
        if let Some(id) = &r.external_id {
            if !valid_external_id(id) {
                return Err(format!(
                    "invalid external_id of role {}: 2 to 1224 of the characters [\\w+=,.@:/-]",
                    r.arn
                ));
            }
        }
        model.insert(
            r.arn,
            Role {
                external_id: r.external_id,
            },
        );
        Ok(())
    }

    fn view(model: &Self::Model, _: &ViewContext) -> Vec<SeedRole> {
        model
            .iter()
            .map(|(arn, role)| SeedRole {
                arn: arn.clone(),
                external_id: role.external_id.clone(),
            })
            .collect()
    }
}

/// What AssumeRole checks of a role.
#[derive(Debug, Clone)]
pub struct Role {
    /// The `sts:ExternalId` its trust policy requires, if any.
    pub external_id: Option<String>,
}

/// A role in the seed document and the state (`"roles"`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRole {
    arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
}

/// `\w` as AWS's patterns mean it (Java's: ASCII letters, digits and `_`), or one of `extra`.
fn word_or(c: char, extra: &str) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || extra.contains(c)
}

/// RoleSessionName: 2 to 64 characters of `[\w+=,.@-]`.
fn valid_session_name(s: &str) -> bool {
    (2..=64).contains(&s.chars().count()) && s.chars().all(|c| word_or(c, "+=,.@-"))
}

/// ExternalId: 2 to 1224 characters of `[\w+=,.@:\/-]`.
fn valid_external_id(s: &str) -> bool {
    (2..=1224).contains(&s.chars().count()) && s.chars().all(|c| word_or(c, "+=,.@:/-"))
}

/// The account and the role's name of `arn:aws:iam::123456789012:role/path/name`.
fn parse_role_arn(role_arn: &str) -> Result<(String, String), ApiError> {
    let parts: Vec<&str> = role_arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", "", account, resource]
            if account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()) =>
        {
            match resource.strip_prefix("role/") {
                Some(path) if !path.is_empty() => Ok((
                    account.to_string(),
                    path.rsplit('/').next().unwrap_or(path).to_string(),
                )),
                _ => Err(validation(format!("{role_arn} is not a role ARN"))),
            }
        }
        _ => Err(validation(format!("{role_arn} is invalid"))),
    }
}

/// An access key id for temporary credentials (`ASIA...`, 20 characters).
pub fn new_temp_access_key(rng: &mut impl Rng) -> String {
    format!("ASIA{}", random_from(rng, UPPER_ALNUM, 16))
}

/// A role id (`AROA...`, 21 characters).
pub fn new_role_id(rng: &mut impl Rng) -> String {
    format!("AROA{}", random_from(rng, UPPER_ALNUM, 17))
}

/// A secret access key (40 characters).
pub fn new_secret(rng: &mut impl Rng) -> String {
    random_from(rng, ALNUM, 40)
}

/// A session token.
pub fn new_session_token(rng: &mut impl Rng) -> String {
    format!("FwoGZXIvYXdzE{}", random_from(rng, ALNUM, 180))
}

// ---- the wire adapter ------------------------------------------------------------------------

/// AWS Security Token Service: its registration (lib.rs) and its wire adapter.
#[derive(Debug)]
pub struct Sts;

impl Service for Sts {
    fn name(&self) -> &'static str {
        "sts"
    }

    fn protocol(&self) -> &'static str {
        "awsQuery"
    }

    fn claim(&self, req: &RawRequest, scope_service: Option<&str>) -> Claim {
        if scope_service == Some("sts") {
            Claim::Signed
        } else if req.segments().is_empty()
            && (req.method == axum::http::Method::POST || req.query_param("Action").is_some())
        {
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
        request_id: &str,
    ) -> Result<Response, ApiError> {
        execute(op, ctx, request_id)
    }

    fn error(&self, err: &ApiError, request_id: &str) -> Response {
        error_response(err, request_id)
    }

    fn default_error_code(&self, status: u16) -> &'static str {
        if status >= 500 {
            "InternalFailure"
        } else {
            "ValidationError"
        }
    }

    fn throttling(&self) -> ApiError {
        ApiError::new(400, "Throttling", "Rate exceeded")
    }

    fn missing_auth(&self) -> ApiError {
        ApiError::new(
            403,
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
        )
    }

    fn invalid_token(&self) -> ApiError {
        ApiError::new(
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        )
    }

    fn expired_token(&self) -> ApiError {
        ApiError::new(
            400,
            "ExpiredToken",
            "The security token included in the request is expired",
        )
    }
}

/// Identifies the operation from the form body (or the query string).
pub fn parse(req: &RawRequest) -> Result<Operation, ApiError> {
    let mut params = serde_json::Map::new();
    for (k, v) in req
        .query
        .iter()
        .cloned()
        .chain(form_urlencoded::parse(&req.body).map(|(k, v)| (k.into_owned(), v.into_owned())))
    {
        params.insert(k, Json::String(v));
    }
    let action = params
        .get("Action")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string();
    let name = match action.as_str() {
        "GetCallerIdentity" => "GetCallerIdentity",
        "AssumeRole" => "AssumeRole",
        "" => {
            return Err(ApiError::new(
                400,
                "MissingAction",
                "Missing Action parameter",
            ))
        }
        other => {
            return Err(ApiError::new(
                400,
                "InvalidAction",
                format!("Could not find operation {other} for version 2011-06-15"),
            ))
        }
    };
    params.remove("Action");
    params.remove("Version");
    Ok(Operation {
        name,
        mutating: false,
        params: Json::Object(params),
    })
}

/// `<ErrorResponse>` with `Type`, `Code` and `Message`.
pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    let kind = if err.is_client_fault() {
        "Sender"
    } else {
        "Receiver"
    };
    let body = format!(
        "<ErrorResponse xmlns=\"{XMLNS}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n",
        xml_escape(&err.code),
        xml_escape(&err.message),
    );
    crate::wire::response(err.status, "text/xml", body)
}

fn ok(action: &str, result: &str, request_id: &str) -> Response {
    let body = format!(
        "<{action}Response xmlns=\"{XMLNS}\">\n  <{action}Result>\n{result}  </{action}Result>\n  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n</{action}Response>\n"
    );
    crate::wire::response(200, "text/xml", body)
}

fn validation(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationError", msg)
}

/// Carries out the operation.
pub fn execute(op: &Operation, ctx: &mut Ctx, request_id: &str) -> Result<Response, ApiError> {
    match op.name {
        "GetCallerIdentity" => {
            let arn = caller_arn(ctx);
            let user_id = match &ctx.session {
                Some(s) => format!("{}:{}", s.role_id, s.session_name),
                None => ctx.access_key.clone(),
            };
            let result = format!(
                "    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n",
                xml_escape(&arn),
                xml_escape(&user_id),
                xml_escape(&ctx.account)
            );
            Ok(ok("GetCallerIdentity", &result, request_id))
        }
        "AssumeRole" => assume_role(&op.params, ctx, request_id),
        other => Err(ApiError::new(
            400,
            "InvalidAction",
            format!("unsupported {other}"),
        )),
    }
}

/// The caller's ARN, as GetCallerIdentity names it.
fn caller_arn(ctx: &Ctx) -> String {
    match &ctx.session {
        Some(s) => format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            s.account_id, s.role_name, s.session_name
        ),
        None => format!("arn:aws:iam::{}:user/{}", ctx.account, ctx.access_key),
    }
}

/// `N validation error(s) detected: ...`, as STS words a request that breaks the model's
/// constraints.
fn validation_errors(errors: Vec<String>) -> ApiError {
    let n = errors.len();
    let s = if n == 1 { "" } else { "s" };
    validation(format!(
        "{n} validation error{s} detected: {}",
        errors.join("; ")
    ))
}

fn assume_role(p: &Json, ctx: &mut Ctx, request_id: &str) -> Result<Response, ApiError> {
    // The model's constraints first, every broken one named, as STS does.
    let mut errors = Vec::new();
    let constraint = |value: Option<&str>, member: &str, what: &str| {
        let value = value.map_or_else(|| "null".to_string(), |v| format!("'{v}'"));
        format!("Value {value} at '{member}' failed to satisfy constraint: Member must {what}")
    };
    let role_arn = str_param(p, "RoleArn");
    match role_arn {
        None => errors.push(constraint(None, "roleArn", "not be null")),
        Some(a) if a.chars().count() < 20 => errors.push(constraint(
            role_arn,
            "roleArn",
            "have length greater than or equal to 20",
        )),
        Some(a) if a.chars().count() > 2048 => errors.push(constraint(
            role_arn,
            "roleArn",
            "have length less than or equal to 2048",
        )),
        Some(_) => {}
    }
    let session_name = str_param(p, "RoleSessionName");
    match session_name {
        None => errors.push(constraint(None, "roleSessionName", "not be null")),
        Some(n) if !valid_session_name(n) => errors.push(constraint(
            session_name,
            "roleSessionName",
            "satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64",
        )),
        Some(_) => {}
    }
    let external_id = str_param(p, "ExternalId");
    if let Some(id) = external_id {
        if !valid_external_id(id) {
            errors.push(constraint(
                external_id,
                "externalId",
                "satisfy regular expression pattern: [\\w+=,.@:\\/-]* and have length between 2 and 1224",
            ));
        }
    }
    let duration = match str_param(p, "DurationSeconds") {
        None => 3600,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (900..=43_200).contains(&n) => n,
            _ => {
                errors.push(constraint(
                    Some(s),
                    "durationSeconds",
                    "have value between 900 and 43200",
                ));
                3600
            }
        },
    };
    let (Some(role_arn), Some(session_name), true) = (role_arn, session_name, errors.is_empty())
    else {
        return Err(validation_errors(errors));
    };
    let (account, role_name) = parse_role_arn(role_arn)?;
    // Then the role's trust policy: a listed role with an external id takes only that one.
    if let Some(required) = ctx
        .store
        .services
        .sts
        .get(role_arn)
        .and_then(|r| r.external_id.as_deref())
    {
        if external_id != Some(required) {
            return Err(ApiError::new(
                403,
                "AccessDenied",
                format!(
                    "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                    caller_arn(ctx)
                ),
            ));
        }
    }
    let mut rng = rand::rng();
    let access_key = new_temp_access_key(&mut rng);
    let secret = new_secret(&mut rng);
    let token = new_session_token(&mut rng);
    let role_id = new_role_id(&mut rng);
    let expires = shift(ctx.now, SignedDuration::from_secs(duration));
    ctx.store.sessions.insert(
        token.clone(),
        Session {
            access_key_id: access_key.clone(),
            account_id: account.clone(),
            role_name: role_name.clone(),
            role_id: role_id.clone(),
            session_name: session_name.to_string(),
            expires,
        },
    );
    let result = format!(
        "    <Credentials>\n      <AccessKeyId>{access_key}</AccessKeyId>\n      <SecretAccessKey>{secret}</SecretAccessKey>\n      <SessionToken>{token}</SessionToken>\n      <Expiration>{}</Expiration>\n    </Credentials>\n    <AssumedRoleUser>\n      <AssumedRoleId>{role_id}:{}</AssumedRoleId>\n      <Arn>{}</Arn>\n    </AssumedRoleUser>\n    <PackedPolicySize>0</PackedPolicySize>\n",
        iso_secs(expires),
        xml_escape(session_name),
        xml_escape(&format!("arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}")),
    );
    Ok(ok("AssumeRole", &result, request_id))
}
