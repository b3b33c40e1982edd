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

use crate::state::{
    random_from, EmulatedService, SeedContext, Session, ViewContext, ALNUM, UPPER_ALNUM,
};
use crate::wire::{str_param, xml_escape, ApiError, Claim, Ctx, Operation, RawRequest, Service};

const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

// ---- no model of its own: the sessions it issues are the store's, which every service reads --

impl EmulatedService for Sts {
    const STATE_KEY: Option<&'static str> = None;
    const WIRE: &'static [&'static dyn Service] = &[&Sts];
    type Model = ();
    type Entry = ();

    fn seed(_: &mut (), _: (), _: &SeedContext) -> Result<(), String> {
        Ok(())
    }

    fn view(_: &(), _: &ViewContext) -> Vec<()> {
        Vec::new()
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
            let (arn, user_id) = match &ctx.session {
                Some(s) => (
                    format!(
                        "arn:aws:sts::{}:assumed-role/{}/{}",
                        s.account_id, s.role_name, s.session_name
                    ),
                    format!("{}:{}", s.role_id, s.session_name),
                ),
                None => (
                    format!("arn:aws:iam::{}:user/{}", ctx.account, ctx.access_key),
                    ctx.access_key.clone(),
                ),
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

fn assume_role(p: &Json, ctx: &mut Ctx, request_id: &str) -> Result<Response, ApiError> {
    let role_arn = str_param(p, "RoleArn")
        .ok_or_else(|| validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null"))?;
    let session_name = str_param(p, "RoleSessionName")
        .ok_or_else(|| validation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"))?;
    if !(2..=64).contains(&session_name.len())
        || !session_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    {
        return Err(validation(format!(
            "1 validation error detected: Value '{session_name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        )));
    }
    // arn:aws:iam::123456789012:role/path/name
    let parts: Vec<&str> = role_arn.splitn(6, ':').collect();
    let (account, role_name) = match parts.as_slice() {
        ["arn", _, "iam", "", account, resource]
            if account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()) =>
        {
            match resource.strip_prefix("role/") {
                Some(path) if !path.is_empty() => (
                    account.to_string(),
                    path.rsplit('/').next().unwrap_or(path).to_string(),
                ),
                _ => return Err(validation(format!("{role_arn} is not a role ARN"))),
            }
        }
        _ => return Err(validation(format!("{role_arn} is invalid"))),
    };
    let duration = match str_param(p, "DurationSeconds") {
        None => 3600,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (900..=43_200).contains(&n) => n,
            _ => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{s}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200"
                )))
            }
        },
    };
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
