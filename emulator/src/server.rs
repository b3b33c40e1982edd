//! The HTTP side: one port for every service and the control API. Requests are routed by path and
//! headers, the caller (access key, region, service) is read from the SigV4 credential scope, the
//! call is logged, faults are applied, and the service module carries the operation out.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value as Json};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

use crate::clock::VirtualClock;
use crate::faults::{Fault, Faults};
use crate::state::{new_request_id, Session, Store};
use crate::wire::{set_header, ApiError, Claim, Ctx, RawRequest, Service};
use crate::ServiceStates;

/// The largest request body read (policies are at most 20 KiB; anything far larger is an error).
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Everything the emulator keeps, behind one lock that is never held across an await.
#[derive(Debug)]
pub struct Inner {
    pub store: Store,
    pub clock: VirtualClock,
    pub faults: Faults,
    pub calls: Vec<Json>,
    /// How many calls took effect so far: numbers each call's `applied` in the call log, the
    /// order calls took effect in (which may differ from the order they arrived in).
    pub applied: u64,
}

/// State shared by the server, the control API and the library handle.
#[derive(Debug)]
pub struct Shared {
    inner: Mutex<Inner>,
    /// Added to every API call (`--latency-ms`).
    pub latency_ms: u64,
}

impl Shared {
    pub fn new(account_id: String, latency_ms: u64) -> Self {
        Shared {
            inner: Mutex::new(Inner {
                store: Store::new(account_id),
                clock: VirtualClock::default(),
                faults: Faults::default(),
                calls: Vec::new(),
                applied: 0,
            }),
            latency_ms,
        }
    }

    /// The state, with time-driven transitions applied up to the virtual "now". A panic while
    /// the lock was held cannot leave the data half-changed in a way that matters to an emulator,
    /// so a poisoned lock is simply taken over.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let now = inner.clock.now();
        inner.store.settle(now);
        inner
    }
}

/// Marks a response that must not be sent: the connection is closed instead.
#[derive(Debug, Clone, Copy)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DropConnection {}

fn drop_connection() -> Response {
    let mut resp = Response::new(Body::empty());
    resp.extensions_mut().insert(DropConnection);
    resp
}

/// Decides which service a request is for: the strongest claim wins, the first listed on a tie.
pub fn route(req: &RawRequest, scope_service: Option<&str>) -> Option<&'static dyn Service> {
    let mut best: Option<(Claim, &'static dyn Service)> = None;
    for &service in ServiceStates::WIRE.iter().copied().flatten() {
        let claim = service.claim(req, scope_service);
        if claim > Claim::No && best.is_none_or(|(b, _)| claim > b) {
            best = Some((claim, service));
        }
    }
    best.map(|(_, service)| service)
}

/// The SigV4 credential scope: `AKID/20261123/us-east-1/glacier/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    pub access_key: String,
    pub region: String,
    pub service: String,
}

/// Reads the credential scope from the Authorization header (or a presigned query).
/// `Ok(None)` means the request carries no authentication at all.
pub fn credential_scope(req: &RawRequest) -> Result<Option<CredentialScope>, ApiError> {
    let credential = match req.header("authorization") {
        Some(auth) => auth
            .split([' ', ','])
            .find_map(|part| part.trim().strip_prefix("Credential="))
            .map(str::to_string)
            .ok_or_else(|| {
                ApiError::new(
                    403,
                    "IncompleteSignatureException",
                    "Authorization header requires 'Credential' parameter",
                )
            })?,
        None => match req.query_param("X-Amz-Credential") {
            Some(c) => c.to_string(),
            None => return Ok(None),
        },
    };
    let parts: Vec<&str> = credential.split('/').collect();
    let scope = match parts.as_slice() {
        // SigV4: key/date/region/service/aws4_request
        [key, _date, region, service, "aws4_request"] => CredentialScope {
            access_key: key.to_string(),
            region: region.to_string(),
            service: service.to_string(),
        },
        // SigV4a: key/date/service/aws4_request, region set in X-Amz-Region-Set
        [key, _date, service, "aws4_request"] => CredentialScope {
            access_key: key.to_string(),
            region: req
                .header("x-amz-region-set")
                .and_then(|r| r.split(',').next())
                .filter(|r| !r.is_empty() && *r != "*")
                .unwrap_or("us-east-1")
                .to_string(),
            service: service.to_string(),
        },
        _ => {
            return Err(ApiError::new(
                403,
                "IncompleteSignatureException",
                format!("Credential should be scoped to a valid region, not {credential:?}"),
            ))
        }
    };
    Ok(Some(scope))
}

/// The axum fallback: every request that is not for the control API.
pub async fn api(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let request_id = new_request_id(&mut rand::rng());
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            return crate::wire::json(
                413,
                "application/json",
                &json!({"message": format!("cannot read the request body: {e}")}),
            )
        }
    };
    let raw = RawRequest {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        headers: parts.headers,
        body,
    };
    let mut resp = handle(&shared, &raw, &request_id).await;
    set_header(&mut resp, "x-amzn-requestid", &request_id);
    resp
}

async fn handle(shared: &Shared, raw: &RawRequest, request_id: &str) -> Response {
    let scope = credential_scope(raw);
    let scope_service = scope
        .as_ref()
        .ok()
        .and_then(|s| s.as_ref())
        .map(|s| s.service.as_str());
    let Some(service) = route(raw, scope_service) else {
        return crate::wire::json(
            404,
            "application/json",
            &json!({"message": format!("no emulated AWS API answers {} {}", raw.method, raw.path)}),
        );
    };
    let scope = match scope {
        Ok(Some(scope)) => scope,
        Ok(None) => return service.error(&service.missing_auth(), request_id),
        Err(e) => return service.error(&e, request_id),
    };
    let op = match service.parse(raw) {
        Ok(op) => op,
        Err(e) => return service.error(&e, request_id),
    };
    let token = raw
        .header("x-amz-security-token")
        .or_else(|| raw.query_param("X-Amz-Security-Token"))
        .map(str::to_string);

    let decision = {
        let mut inner = shared.lock();
        let session = match resolve_session(&inner, service, &scope, token.as_deref()) {
            Ok(session) => session,
            Err(e) => return service.error(&e, request_id),
        };
        let account = session
            .as_ref()
            .map_or_else(|| inner.store.account_id.clone(), |s| s.account_id.clone());
        let seq = inner.calls.len() + 1;
        inner.calls.push(json!({
            "seq": seq,
            "service": service.name(),
            "operation": op.name,
            "region": scope.region,
            "account": account,
            "mutating": op.mutating,
            "access_key": scope.access_key,
            "params": op.params,
        }));
        let key = op.params.get("Key").and_then(Json::as_str);
        let decision = inner.faults.decide(op.name, key);
        let released = decision.hold.then(|| inner.faults.changed());
        (seq, decision, released)
    };
    let (seq, decision, released) = decision;
    if let Some(released) = released {
        released.await;
    }

    let delay = shared.latency_ms.saturating_add(decision.latency_ms);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    match &decision.fault {
        Some(Fault::Throttle) => return service.error(&service.throttling(), request_id),
        Some(Fault::Error {
            status,
            code,
            message,
        }) => {
            let code = code
                .clone()
                .unwrap_or_else(|| service.default_error_code(*status).to_string());
            let message = message
                .clone()
                .unwrap_or_else(|| "Injected fault".to_string());
            return service.error(&ApiError::new(*status, code, message), request_id);
        }
        Some(Fault::DropBeforeApply) => return drop_connection(),
        Some(Fault::DropAfterApply) | None => {}
    }

    let resp = {
        let mut inner = shared.lock();
        let now = inner.clock.now();
        // The session is looked up again: it may have gone (a reset) while a fault held the call.
        let session = token
            .as_deref()
            .and_then(|t| inner.store.sessions.get(t))
            .cloned();
        let account = session
            .as_ref()
            .map_or_else(|| inner.store.account_id.clone(), |s| s.account_id.clone());
        let mut ctx = Ctx {
            store: &mut inner.store,
            account: account.clone(),
            region: scope.region.clone(),
            access_key: scope.access_key.clone(),
            session,
            now,
        };
        let resp = service
            .execute(&op, raw, &mut ctx, request_id)
            .unwrap_or_else(|e| service.error(&e, request_id));
        inner.applied += 1;
        let applied = inner.applied;
        if let Some(call) = inner.calls.get_mut(seq - 1).filter(|c| c["seq"] == seq) {
            call["status"] = json!(resp.status().as_u16());
            call["applied"] = json!(applied);
            call["account"] = json!(account);
        }
        resp
    };
    if decision.latency_after_apply_ms > 0 {
        tokio::time::sleep(Duration::from_millis(decision.latency_after_apply_ms)).await;
    }
    if decision.fault == Some(Fault::DropAfterApply) {
        return drop_connection();
    }
    resp
}

/// The session AssumeRole issued that a request is signed with: the call acts in its account.
/// Its access key is valid only with its own session token, until the session expires on the
/// virtual clock. Keys and tokens the emulator never issued are accepted (as the configured
/// account), so real credentials work for rehearsals.
fn resolve_session(
    inner: &Inner,
    service: &dyn Service,
    scope: &CredentialScope,
    token: Option<&str>,
) -> Result<Option<Session>, ApiError> {
    let by_token = token.and_then(|t| inner.store.sessions.get(t));
    let issued_key = || {
        inner
            .store
            .sessions
            .values()
            .any(|s| s.access_key_id == scope.access_key)
    };
    let Some(session) = by_token else {
        return if issued_key() {
            Err(service.invalid_token())
        } else {
            Ok(None)
        };
    };
    if session.access_key_id != scope.access_key {
        return Err(service.invalid_token());
    }
    if session.expires <= inner.clock.now() {
        return Err(service.expired_token());
    }
    Ok(Some(session.clone()))
}

/// Accepts connections until `shutdown` turns true. Each connection is served by hyper so that a
/// drop fault can close it without writing a response.
pub async fn serve(listener: TcpListener, router: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let router = router.clone();
                let mut conn_shutdown = shutdown.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                        let router = router.clone();
                        async move {
                            let resp = match router.oneshot(req.map(Body::new)).await {
                                Ok(resp) => resp,
                                Err(never) => match never {},
                            };
                            if resp.extensions().get::<DropConnection>().is_some() {
                                Err(DropConnection)
                            } else {
                                Ok(resp)
                            }
                        }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::select! {
                        _ = conn => {}
                        _ = conn_shutdown.changed() => {}
                    }
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, Method};

    fn req(method: Method, path: &str, headers: &[(&'static str, &str)]) -> RawRequest {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().unwrap());
        }
        RawRequest {
            method,
            path: path.to_string(),
            query: Vec::new(),
            headers: h,
            body: bytes::Bytes::new(),
        }
    }

    const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/eu-west-1/glacier/aws4_request, SignedHeaders=host, Signature=abc";

    #[test]
    fn scope_names_key_region_and_service() {
        let r = req(Method::GET, "/-/vaults", &[("authorization", AUTH)]);
        let scope = credential_scope(&r).unwrap().unwrap();
        assert_eq!(scope.access_key, "AKIDEXAMPLE");
        assert_eq!(scope.region, "eu-west-1");
        assert_eq!(scope.service, "glacier");
        assert_eq!(credential_scope(&req(Method::GET, "/", &[])).unwrap(), None);
    }

    #[test]
    fn routes_by_headers_and_paths() {
        let routed =
            |r: &RawRequest, scope: Option<&str>| route(r, scope).map(|s| (s.name(), s.protocol()));
        let target = [("x-amz-target", "AWSIESnowballJobManagementService.ListJobs")];
        assert_eq!(
            routed(&req(Method::POST, "/", &target), None),
            Some(("snowball", "awsJson1_1"))
        );
        assert_eq!(
            routed(
                &req(
                    Method::POST,
                    "/service/AWSIESnowballJobManagementService/operation/ListJobs",
                    &[]
                ),
                None
            ),
            Some(("snowball", "rpcv2Cbor"))
        );
        assert_eq!(
            routed(&req(Method::POST, "/", &[]), None),
            Some(("sts", "awsQuery"))
        );
        assert_eq!(
            routed(&req(Method::PATCH, "/rules/a1B2c3D4e5F/lock", &[]), None),
            Some(("rbin", "restJson1"))
        );
        assert_eq!(
            routed(&req(Method::GET, "/-/vaults/v/lock-policy", &[]), None),
            Some(("glacier", "restJson1"))
        );
        assert_eq!(
            routed(&req(Method::GET, "/backup-vaults/v", &[]), None),
            Some(("backup", "restJson1"))
        );
        assert_eq!(routed(&req(Method::GET, "/nothing/here", &[]), None), None);
    }

    #[test]
    fn the_credential_scope_outranks_the_path() {
        // A bucket called `rules` holding a key under `vaults/`: S3, because the signature says so.
        let r = req(Method::GET, "/rules/vaults/x", &[]);
        assert_eq!(route(&r, Some("s3")).map(|s| s.name()), Some("s3"));
        assert_eq!(route(&r, None).map(|s| s.name()), Some("rbin"));
        let r = req(Method::GET, "/", &[]);
        assert_eq!(route(&r, Some("s3")).map(|s| s.name()), Some("s3"));
        // A virtual-hosted S3 request is S3 by its Host, signed or not.
        let r = req(Method::GET, "/", &[("host", "records.localhost:4566")]);
        assert_eq!(route(&r, None).map(|s| s.name()), Some("s3"));
    }
}
