//! Helpers shared by the Backup and S3 test binaries: raw HTTP exchanges, the control API and
//! error codes of failed SDK calls.

#![allow(dead_code)]

use aws_credential_types::Credentials;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use lockward_emulator::{Emulator, EmulatorConfig};
use serde_json::Value;

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";

/// A frozen clock at this time, so every test can assert exact lock dates.
pub const T0: &str = "2026-11-23T12:00:00Z";

pub fn static_credentials() -> Credentials {
    Credentials::new("AKIDEXAMPLE", "secret", None, None, "test")
}

/// An emulator whose virtual clock stands still at [`T0`].
pub async fn emulator() -> Emulator {
    lockward_emulator::start(EmulatorConfig {
        frozen_clock: true,
        clock_start: Some(T0.parse().unwrap()),
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts")
}

pub fn t0() -> jiff::Timestamp {
    T0.parse().unwrap()
}

/// The error code of a failed SDK call, or a panic naming what came back instead.
pub fn code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, E>,
) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e
            .code()
            .unwrap_or_else(|| panic!("error without a code: {e:?}"))
            .to_string(),
    }
}

/// A plain HTTP/1.1 exchange: status, lower-cased head, body.
pub async fn http(
    emu: &Emulator,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    let has_host = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host"));
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !has_host {
        req.push_str(&format!("Host: {}\r\n", emu.addr()));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&out[..split]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_lowercase(), out[split + 4..].to_vec())
}

/// An `Authorization` header whose credential scope names `service` in us-east-1.
pub fn signed(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
    )
}

pub async fn control(emu: &Emulator, method: &str, what: &str, body: Value) -> (u16, Value) {
    let (status, _, body) = http(
        emu,
        method,
        &format!("/_emulator/{what}"),
        &[],
        body.to_string().as_bytes(),
    )
    .await;
    (status, serde_json::from_slice(&body).unwrap())
}

/// The calls of `service` in the call log, as (operation, mutating).
pub fn calls_of(emu: &Emulator, service: &str) -> Vec<(String, bool)> {
    emu.calls()
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["service"] == service)
        .map(|c| {
            (
                c["operation"].as_str().unwrap().to_string(),
                c["mutating"].as_bool().unwrap(),
            )
        })
        .collect()
}
