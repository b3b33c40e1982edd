//! `lockward import ADDR...`: runs the import (`crate::import::run`) and says what it did.

use std::process::ExitCode;

use crate::cli::ImportArgs;
use crate::output::say;
use crate::project::Session;

pub fn run(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let session = Session::from_environment()?;
    run_with(args, &session)
}

/// Imports and says what was imported (see [`crate::import::run`]).
pub fn run_with(args: &ImportArgs, session: &Session) -> anyhow::Result<ExitCode> {
    let imported = crate::import::run(args, session)?;
    for line in &imported.lines {
        say(line);
    }
    say(&imported.written);
    imported.release()?;
    Ok(ExitCode::SUCCESS)
}
