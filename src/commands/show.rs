//! `lockward show`: a saved plan in any format, or the state. Makes no AWS call, except to read
//! the state object of an S3 backend (`backend: s3`).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::cli::ShowArgs;
use crate::config;
use crate::planfile::SavedPlan;
use crate::render::{self, ApplyCommand, RenderOptions};
use crate::state::StateStore;

use crate::project::{Project, Session};

pub fn run(args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let session = Session::from_environment()?;
    let mut out = crate::output::stdout();
    match &args.plan_file {
        // `lockward show lockward.state.json`: a state file shows as the state.
        Some(path) if looks_like_state(path) => {
            let state = StateStore::new(path).load()?;
            render::state(&state, path, args.format, &mut out)?;
        }
        Some(path) => {
            // Every word shown is made again from the plan's digested values, as of now.
            let (saved, sealing) = SavedPlan::read_sealed(path, session.now)?;
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
                },
                sealed: Some(render::Sealed {
                    as_of: sealing.as_of,
                    planned_at: saved.created_at,
                    holds: sealing.holds,
                }),
                // What an INCOMPLETE comment says to read: the whole plan.
                markdown_in_full: true,
            };
            render::render(&saved.plan, args.format, &options, &mut out)?;
        }
        // With a config that keeps the state in S3 (`backend: s3`), that state.
        None if names_a_backend(&args.config.config) && args.state.state.is_none() => {
            let project = Project::load(&args.config, &args.state)?;
            // Before the first call to the backend.
            crate::project::runtime()?
                .block_on(project.check_before_calls(&session, crate::project::Reach::Resources))?;
            let backend = project.backend(&session)?;
            let state = backend.load()?;
            let location = std::path::PathBuf::from(backend.location());
            render::state(&state, &location, args.format, &mut out)?;
        }
        None => {
            let state_path = args
                .state
                .state
                .clone()
                .unwrap_or_else(|| config::default_state_path(&args.config.config));
            // A state file named on the command line that is not there is most likely a typo,
            // not a project that has never applied.
            if args.state.state.is_some() && std::fs::symlink_metadata(&state_path).is_err() {
                anyhow::bail!(
                    "the state file {} does not exist\nhint: check the path; without \
                     `--state`, `lockward show` reads the state beside the config",
                    state_path.display()
                );
            }
            let state = StateStore::new(&state_path).load()?;
            render::state(&state, &state_path, args.format, &mut out)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Whether the config file at `path` has a `backend:` block (read without checking the rest:
/// `show` of a local state needs no valid config).
fn names_a_backend(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .is_ok_and(|text| text.lines().any(|l| l.trim_end().starts_with("backend:")))
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
