//! `lockward-emulator`: a local emulator of the AWS wire APIs lockward calls — Glacier vault
//! locks (restJson1), Recycle Bin rules (restJson1), Snowball jobs (Smithy RPC v2 CBOR and
//! awsJson1.1), AWS Backup vault locks (restJson1), S3 buckets, Object Lock and conditional
//! object writes (restXml), EBS snapshots and snapshot locks (ec2Query), AWS Organizations
//! (awsJson1.1) and STS (awsQuery) — on one port, with a virtual clock (which can be frozen),
//! fault injection and a JSON control API under `/_emulator/` (DESIGN.md section 7).
//!
//! ```no_run
//! let emulator = lockward_emulator::spawn(Default::default()).unwrap();
//! emulator.seed(serde_json::json!({"glacier": [{"vault": "audit-logs"}]})).unwrap();
//! println!("point the SDK at {}", emulator.url());
//! emulator.advance_clock(24 * 3600);
//! ```

pub mod clock;
mod control;
pub mod faults;
pub mod server;
pub mod state;
mod wire;

// The emulated services, one line each: the service's file (`src/<module>.rs`, or a folder with
// `mod.rs`) and the type in it that implements `state::EmulatedService`. Its routing, seed, state
// view and time rules are all reached from this line. The order breaks a tie between two equal
// routing claims.
state::services! {
    snowball::Snowball,
    rbin::RecycleBin,
    glacier::Glacier,
    backup::Backup,
    s3::S3,
    ec2::Ec2,
    organizations::Organizations,
    sts::Sts,
}

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::server::Shared;

/// The 12-digit account the emulator acts as unless told otherwise.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";

/// How to start an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// The caller's account (what `-` in a Glacier path and GetCallerIdentity mean).
    pub account_id: String,
    /// Added to every API call (not to control API calls).
    pub latency_ms: u64,
    /// A seed document (DESIGN.md section 7) loaded before the first request.
    pub seed: Option<serde_json::Value>,
    /// Start with the virtual clock frozen: it then moves only when set or advanced.
    pub frozen_clock: bool,
    /// Where the virtual clock starts (real time when `None`).
    pub clock_start: Option<jiff::Timestamp>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            account_id: DEFAULT_ACCOUNT_ID.to_string(),
            latency_ms: 0,
            seed: None,
            frozen_clock: false,
            clock_start: None,
        }
    }
}

/// A running emulator. It stops serving when dropped.
#[derive(Debug)]
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

/// Binds the listener and returns the handle's parts and the future that serves.
async fn bind(
    config: EmulatorConfig,
    port: u16,
) -> std::io::Result<(Emulator, impl Future<Output = ()> + Send + 'static)> {
    let shared = Arc::new(Shared::new(config.account_id, config.latency_ms));
    {
        let mut inner = shared.lock();
        inner.clock.freeze(config.frozen_clock);
        if let Some(t) = config.clock_start {
            inner.clock.set(t);
        }
    }
    if let Some(doc) = config.seed {
        let mut inner = shared.lock();
        let now = inner.clock.now();
        inner
            .store
            .seed(doc, now)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    }
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let (shutdown, shutdown_rx) = watch::channel(false);
    let router = control::routes()
        .fallback(server::api)
        .with_state(shared.clone());
    let serving = server::serve(listener, router, shutdown_rx);
    Ok((
        Emulator {
            shared,
            addr,
            shutdown,
            thread: None,
        },
        serving,
    ))
}

/// Starts on 127.0.0.1:0 inside the caller's tokio runtime.
pub async fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
    start_on_port(config, 0).await
}

/// Starts on 127.0.0.1:`port` (0 picks a free one) inside the caller's tokio runtime.
pub async fn start_on_port(config: EmulatorConfig, port: u16) -> std::io::Result<Emulator> {
    let (emulator, serving) = bind(config, port).await?;
    tokio::spawn(serving);
    Ok(emulator)
}

/// Starts on 127.0.0.1:0 on its own background thread and runtime, for synchronous callers
/// (tests, a CLI); stops when dropped.
pub fn spawn(config: EmulatorConfig) -> std::io::Result<Emulator> {
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("lockward-emulator".to_string())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            runtime.block_on(async move {
                match bind(config, 0).await {
                    Ok((emulator, serving)) => {
                        let _ = tx.send(Ok(emulator));
                        serving.await;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            });
        })?;
    let mut emulator = rx.recv().map_err(|_| {
        std::io::Error::other("the emulator thread stopped before it was listening")
    })??;
    emulator.thread = Some(thread);
    Ok(emulator)
}

impl Emulator {
    /// `http://127.0.0.1:PORT`, to use as the SDK's endpoint URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Adds to the state (entries with the key of an existing one replace it), like
    /// `POST /_emulator/seed`. A document with any error changes nothing.
    pub fn seed(&self, doc: serde_json::Value) -> Result<(), String> {
        let mut inner = self.shared.lock();
        let now = inner.clock.now();
        inner.store.seed(doc, now)?;
        inner.store.settle(now);
        Ok(())
    }

    /// The whole state in the seed document's shape, like `GET /_emulator/state`.
    pub fn state(&self) -> serde_json::Value {
        self.shared.lock().store.to_json()
    }

    /// Every API call received so far, like `GET /_emulator/calls`.
    pub fn calls(&self) -> serde_json::Value {
        serde_json::Value::Array(self.shared.lock().calls.clone())
    }

    /// Empties the state, the fault rules and the call log, like `POST /_emulator/reset`.
    pub fn reset(&self) {
        let mut inner = self.shared.lock();
        inner.store.clear();
        inner.faults.clear();
        inner.calls.clear();
    }

    /// Replaces the fault rules, like `POST /_emulator/faults`.
    pub fn set_faults(&self, doc: serde_json::Value) -> Result<(), String> {
        self.shared.lock().faults.replace(doc)
    }

    /// Sets the virtual clock (it stays frozen if it was).
    pub fn set_clock(&self, t: jiff::Timestamp) {
        self.shared.lock().clock.set(t);
    }

    /// Stops the virtual clock where it stands (`true`) or lets it move with real time again
    /// (`false`), like `POST /_emulator/clock {"frozen": ...}`.
    pub fn freeze_clock(&self, frozen: bool) {
        self.shared.lock().clock.freeze(frozen);
    }

    /// Whether the virtual clock stands still.
    pub fn clock_is_frozen(&self) -> bool {
        self.shared.lock().clock.is_frozen()
    }

    /// Moves the virtual clock by `secs` (negative moves it back).
    pub fn advance_clock(&self, secs: i64) {
        self.shared.lock().clock.advance(secs);
    }

    /// The virtual "now".
    pub fn now(&self) -> jiff::Timestamp {
        self.shared.lock().clock.now()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
