//! The control API under `/_emulator/` (DESIGN.md section 7): seed, state, reset, clock, faults
//! and the call log, all JSON. It needs no authentication and is never logged as an API call.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{json, Value as Json};

use crate::clock::iso_secs;
use crate::server::Shared;

/// The routes of the control API.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/seed", post(seed))
        .route("/_emulator/state", get(state))
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/clock", post(clock).get(get_clock))
        .route("/_emulator/faults", post(faults))
        .route("/_emulator/calls", get(calls))
}

fn reply(status: u16, body: &Json) -> Response {
    crate::wire::json(status, "application/json", body)
}

fn bad_request(message: impl Into<String>) -> Response {
    reply(400, &json!({"error": message.into()}))
}

fn parse_body(body: &Bytes) -> Result<Json, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))
}

async fn seed(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let doc = match parse_body(&body) {
        Ok(doc) => doc,
        Err(e) => return bad_request(e),
    };
    let mut inner = shared.lock();
    let now = inner.clock.now();
    match inner.store.seed(doc, now) {
        Ok(()) => {
            inner.store.settle(now);
            reply(200, &json!({}))
        }
        Err(e) => bad_request(e),
    }
}

async fn state(State(shared): State<Arc<Shared>>) -> Response {
    reply(200, &shared.lock().store.to_json())
}

async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    let mut inner = shared.lock();
    inner.store.clear();
    inner.faults.clear();
    inner.calls.clear();
    reply(200, &json!({}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockRequest {
    #[serde(default)]
    advance_secs: Option<i64>,
    #[serde(default)]
    set: Option<Timestamp>,
    /// Stops (`true`) or restarts (`false`) the clock; applied before `set` or `advance_secs`.
    #[serde(default)]
    frozen: Option<bool>,
}

fn clock_reply(clock: &crate::clock::VirtualClock) -> Response {
    reply(
        200,
        &json!({"now": iso_secs(clock.now()), "frozen": clock.is_frozen()}),
    )
}

async fn clock(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let doc = match parse_body(&body) {
        Ok(doc) => doc,
        Err(e) => return bad_request(e),
    };
    let req: ClockRequest = match serde_json::from_value(doc) {
        Ok(r) => r,
        Err(e) => return bad_request(format!("invalid clock request: {e}")),
    };
    if req.set.is_some() && req.advance_secs.is_some() {
        return bad_request("give `set` or `advance_secs`, not both");
    }
    let mut inner = shared.lock();
    if let Some(frozen) = req.frozen {
        inner.clock.freeze(frozen);
    }
    match (req.set, req.advance_secs) {
        (Some(t), _) => inner.clock.set(t),
        (None, Some(secs)) => inner.clock.advance(secs),
        (None, None) => {}
    }
    let now = inner.clock.now();
    inner.store.settle(now);
    clock_reply(&inner.clock)
}

async fn get_clock(State(shared): State<Arc<Shared>>) -> Response {
    clock_reply(&shared.lock().clock)
}

async fn faults(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let doc = match parse_body(&body) {
        Ok(doc) => doc,
        Err(e) => return bad_request(e),
    };
    match shared.lock().faults.replace(doc) {
        Ok(()) => reply(200, &json!({})),
        Err(e) => bad_request(e),
    }
}

async fn calls(State(shared): State<Arc<Shared>>) -> Response {
    reply(200, &Json::Array(shared.lock().calls.clone()))
}
