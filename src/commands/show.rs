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
    let mut out = super::output::stdout();
    match &args.plan_file {
        // `lockward show lockward.state.json`: a state file shows as the state.
        Some(path) if looks_like_state(path) => {
            let state = StateStore::new(path).load()?;
            render::state(&state, path, args.format, &mut out)?;
        }
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

/// Whether the file at `path` is a state file rather than a saved plan: a JSON object with a
/// `lineage` and `resources` and no saved plan's `kind` marker. Anything else is read as a
/// plan file, whose reader explains what is wrong with it.
fn looks_like_state(path: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return false;
    };
    value.get("kind").is_none()
        && value.get("lineage").is_some()
        && value.get("resources").is_some()
}
