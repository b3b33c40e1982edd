//! What every protocol shares: the raw request, the parsed operation, the service error, and
//! small helpers to build responses and convert between CBOR and JSON.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use ciborium::Value as Cbor;
use jiff::Timestamp;
use serde_json::Value as Json;

use crate::state::{Session, Store};

/// An HTTP request as received, body fully read.
#[derive(Debug)]
pub struct RawRequest {
    pub method: Method,
    /// Percent-encoded path, without the query.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl RawRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path split on `/`, each segment percent-decoded; empty segments dropped.
    pub fn segments(&self) -> Vec<String> {
        self.path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect()
    }
}

/// An API operation identified from a request.
#[derive(Debug, Clone)]
pub struct Operation {
    pub name: &'static str,
    /// Whether it changes emulated state (recorded in the call log).
    pub mutating: bool,
    /// Every input member (path, query, body), as JSON.
    pub params: Json,
}

/// A modelled service error, rendered by each protocol in its own shape.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Extra members of the error structure (e.g. Recycle Bin's `Reason`).
    pub fields: Vec<(&'static str, String)>,
}

impl ApiError {
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    /// Whether the client is at fault (4xx), for protocols that say `Sender`/`Client`.
    pub fn is_client_fault(&self) -> bool {
        self.status < 500
    }
}

/// How sure a service is that a request is meant for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Claim {
    No,
    /// Only the path looks like this service's.
    ByShape,
    /// A header (or host name) only this service's clients send.
    ByHeader,
    /// The SigV4 credential scope names this service.
    Signed,
}

/// One wire adapter of an emulated service (one per protocol it speaks), listed in the service's
/// [`crate::state::EmulatedService::WIRE`]. The server does the rest (authentication, sessions,
/// the call log, faults, dropped connections) the same way for every service.
pub trait Service: Sync {
    /// The call log's `service`, e.g. `glacier`.
    fn name(&self) -> &'static str;

    /// The wire protocol, as the service model names it (`restJson1`, `restXml`, ...).
    fn protocol(&self) -> &'static str;

    /// Whether `req` is meant for this service. `scope_service` is the service of the SigV4
    /// credential scope, if the request is signed.
    fn claim(&self, req: &RawRequest, scope_service: Option<&str>) -> Claim;

    /// Identifies the operation and reads its input; the error is rendered by [`Service::error`].
    fn parse(&self, req: &RawRequest) -> Result<Operation, ApiError>;

    /// Carries out a parsed operation; `req` is the request it was parsed from (S3 reads its
    /// headers and body there rather than copying an object's body into the call log).
    fn execute(
        &self,
        op: &Operation,
        req: &RawRequest,
        ctx: &mut Ctx,
        request_id: &str,
    ) -> Result<Response, ApiError>;

    /// Renders an error in this protocol's shape.
    fn error(&self, err: &ApiError, request_id: &str) -> Response;

    /// The code an injected `error` fault uses when the rule names none.
    fn default_error_code(&self, status: u16) -> &'static str;

    /// What a `throttle` fault answers.
    fn throttling(&self) -> ApiError {
        ApiError::new(400, "ThrottlingException", "Rate exceeded")
    }

    /// What a request without any authentication gets.
    fn missing_auth(&self) -> ApiError {
        ApiError::new(
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        )
    }

    /// What a request signed with another key than its session token's gets.
    fn invalid_token(&self) -> ApiError {
        ApiError::new(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    }

    /// What a request with an expired emulator-issued session token gets.
    fn expired_token(&self) -> ApiError {
        ApiError::new(
            403,
            "ExpiredTokenException",
            "The security token included in the request is expired",
        )
    }
}

/// What an operation handler may use: the state, the caller and the time.
pub struct Ctx<'a> {
    pub store: &'a mut Store,
    /// The account the caller acts in.
    pub account: String,
    pub region: String,
    /// The access key id from the request's credential scope.
    pub access_key: String,
    /// The emulator-issued session the request was signed with, if any.
    pub session: Option<Session>,
    pub now: Timestamp,
}

/// A response with a body and a content type.
pub fn response(status: u16, content_type: &str, body: impl Into<Body>) -> Response {
    let mut resp = Response::new(body.into());
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut()
            .insert(axum::http::header::CONTENT_TYPE, v);
    }
    resp
}

/// A response with no body.
pub fn empty(status: u16) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp
}

/// A JSON response.
pub fn json(status: u16, content_type: &str, body: &Json) -> Response {
    response(status, content_type, body.to_string())
}

/// Sets a header, ignoring values that are not valid header text (they never come from input).
pub fn set_header(resp: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(HeaderName::from_static(name), v);
    }
}

/// Decodes `%XX` escapes (and leaves anything malformed as it is).
pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// CBOR to JSON: timestamps (tag 1) become epoch seconds, byte strings become arrays of numbers.
pub fn cbor_to_json(v: &Cbor) -> Json {
    match v {
        Cbor::Integer(i) => {
            let i = i128::from(*i);
            i64::try_from(i)
                .map(Json::from)
                .unwrap_or_else(|_| Json::from(i as f64))
        }
        Cbor::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Cbor::Text(s) => Json::String(s.clone()),
        Cbor::Bool(b) => Json::Bool(*b),
        Cbor::Null => Json::Null,
        Cbor::Bytes(b) => Json::Array(b.iter().map(|x| Json::from(*x)).collect()),
        Cbor::Array(items) => Json::Array(items.iter().map(cbor_to_json).collect()),
        Cbor::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        Cbor::Text(s) => s.clone(),
                        other => cbor_to_json(other).to_string(),
                    };
                    (key, cbor_to_json(v))
                })
                .collect(),
        ),
        Cbor::Tag(_, inner) => cbor_to_json(inner),
        _ => Json::Null,
    }
}

/// A CBOR timestamp: tag 1 around epoch seconds.
pub fn cbor_timestamp(t: Timestamp) -> Cbor {
    Cbor::Tag(1, Box::new(Cbor::Float(crate::clock::epoch_secs(t))))
}

/// A CBOR map with text keys.
pub fn cbor_map(entries: Vec<(&str, Cbor)>) -> Cbor {
    Cbor::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Cbor::Text(k.to_string()), v))
            .collect(),
    )
}

/// The operation an awsJson1.0/1.1 request names: `X-Amz-Target: <prefix>.<Operation>`.
pub fn aws_json_target<'a>(req: &'a RawRequest, prefix: &str) -> Option<&'a str> {
    req.header("x-amz-target")?
        .strip_prefix(prefix)?
        .strip_prefix('.')
}

/// The input of an awsJson request: its body, a JSON object (an empty body is `{}`).
pub fn aws_json_params(req: &RawRequest) -> Result<Json, ApiError> {
    let serialization = |msg: String| ApiError::new(400, "SerializationException", msg);
    let params = if req.body.iter().all(u8::is_ascii_whitespace) {
        Json::Object(serde_json::Map::new())
    } else {
        serde_json::from_slice(&req.body)
            .map_err(|e| serialization(format!("Invalid JSON body: {e}")))?
    };
    if !params.is_object() {
        return Err(serialization("The body must be a map".to_string()));
    }
    Ok(params)
}

/// An awsJson1.1 answer.
pub fn aws_json_response(status: u16, body: &Json) -> Response {
    json(status, "application/x-amz-json-1.1", body)
}

/// An awsJson1.1 error: `{"__type": code, "Message": ...}` and any extra members.
pub fn aws_json_error(err: &ApiError) -> Response {
    let mut body = serde_json::Map::new();
    body.insert("__type".into(), Json::from(err.code.clone()));
    body.insert("Message".into(), Json::from(err.message.clone()));
    for (k, v) in &err.fields {
        body.insert((*k).into(), Json::from(v.clone()));
    }
    aws_json_response(err.status, &Json::Object(body))
}

/// The text member `name` of a JSON object, if it is a string.
pub fn str_param<'a>(params: &'a Json, name: &str) -> Option<&'a str> {
    params.get(name).and_then(Json::as_str)
}

/// Escapes text for XML element content.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decode_handles_escapes_and_garbage() {
        assert_eq!(percent_decode("a%2Fb"), "a/b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn cbor_timestamps_become_epoch_seconds() {
        let t: Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
        assert_eq!(
            cbor_to_json(&cbor_map(vec![("T", cbor_timestamp(t))])),
            serde_json::json!({"T": 1795168800.0})
        );
    }
}
