//! `lockward-emulator --port 4566 [--seed FILE] [--latency-ms N] [--account-id ID]
//! [--frozen-clock] [--clock RFC3339]`
//!
//! Prints `listening on http://127.0.0.1:PORT` as its first line on stdout, then serves until
//! interrupted.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use lockward_emulator::{EmulatorConfig, DEFAULT_ACCOUNT_ID};

/// A local emulator of the AWS Glacier vault lock, Recycle Bin, Snowball, AWS Backup, S3 and STS
/// APIs.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Port on 127.0.0.1 to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 4566)]
    port: u16,
    /// A JSON seed document (the shape of GET /_emulator/state) to load at start.
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
    /// Milliseconds added to every API call.
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,
    /// The 12-digit account the emulator acts as.
    #[arg(long, value_name = "ID", default_value = DEFAULT_ACCOUNT_ID)]
    account_id: String,
    /// Freeze the virtual clock: it moves only through POST /_emulator/clock.
    #[arg(long)]
    frozen_clock: bool,
    /// Where the virtual clock starts (RFC 3339, e.g. 2026-11-23T12:00:00Z); default: now.
    #[arg(long, value_name = "RFC3339")]
    clock: Option<jiff::Timestamp>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.account_id.len() != 12 || !args.account_id.chars().all(|c| c.is_ascii_digit()) {
        eprintln!(
            "error: --account-id must be 12 digits, not {:?}",
            args.account_id
        );
        return ExitCode::FAILURE;
    }
    let seed = match &args.seed {
        None => None,
        Some(path) => match std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        {
            Ok(doc) => Some(doc),
            Err(e) => {
                eprintln!("error: cannot load the seed {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        },
    };
    let config = EmulatorConfig {
        account_id: args.account_id,
        latency_ms: args.latency_ms,
        seed,
        frozen_clock: args.frozen_clock,
        clock_start: args.clock,
    };
    let emulator = match lockward_emulator::start_on_port(config, args.port).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!(
                "error: cannot start the emulator on port {}: {e}",
                args.port
            );
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "listening on {}", emulator.url())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(stdout);
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-C: {e}");
        return ExitCode::FAILURE;
    }
    drop(emulator);
    ExitCode::SUCCESS
}
