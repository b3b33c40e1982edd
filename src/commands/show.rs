//! `lockward show`: a saved plan in any format, or the state file. Never touches AWS.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::cli::ShowArgs;
use crate::config;
use crate::planfile::SavedPlan;
use crate::render::{self, ApplyCommand, RenderOptions};
use crate::state::StateStore;

use super::project::Session;

pub fn run(args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let session = Session::from_environment()?;
    let mut out = std::io::stdout().lock();
    match &args.plan_file {
        Some(path) => {
            let saved = SavedPlan::read(path)?;
            // Like `plan`, repeat `-c FILE` in the approving command when the user named one:
            // `apply` checks the plan against that config.
            let named_config = (args.config.config != Path::new("lockward.yaml"))
                .then(|| args.config.config.clone());
            let options = RenderOptions {
                color: session.color,
                apply: ApplyCommand {
                    config: named_config,
                    state: args.state.state.clone(),
                    plan_file: Some(path.clone()),
                    targets: Vec::new(),
                },
            };
            render::render(&saved.plan, args.format, &options, &mut out)?;
        }
        None => {
            let state_path = args
                .state
                .state
                .clone()
                .unwrap_or_else(|| config::default_state_path(&args.config.config));
            let state = StateStore::new(&state_path).load()?;
            render::state(&state, &state_path, args.format, &mut out)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
