//! What every command that reads AWS shares: the config and state paths, the session settings
//! (clock, colour, client options), and the refresh-then-plan step.

use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::Timestamp;

use crate::aws::ClientOptions;
use crate::cli::{ConfigArg, StateArg};
use crate::config::{self, Config, Resource};
use crate::environment;
use crate::kinds::Address;
use crate::plan::{self, LiveSnapshot, Plan};
use crate::refresh::{self, Clients};
use crate::state::StateFile;

/// Settings of one run that come from outside the command line.
#[derive(Clone, Debug)]
pub struct Session {
    pub now: Timestamp,
    /// Colour on stdout.
    pub color: bool,
    /// A person can be asked on this terminal.
    pub interactive: bool,
    pub client_options: ClientOptions,
}

impl Session {
    pub fn from_environment() -> anyhow::Result<Session> {
        Ok(Session {
            now: environment::now().map_err(anyhow::Error::msg)?,
            color: environment::stdout_color(),
            interactive: environment::interactive(),
            client_options: ClientOptions::default(),
        })
    }
}

/// The config, loaded and checked against the state file's path.
pub struct Project {
    pub config: Config,
    pub config_path: PathBuf,
    pub state_path: PathBuf,
    /// Whether the user named the config (`-c`) and state (`--state`) files, so the commands
    /// lockward suggests repeat them.
    pub named_config: Option<PathBuf>,
    pub named_state: Option<PathBuf>,
}

impl Project {
    pub fn load(config: &ConfigArg, state: &StateArg) -> anyhow::Result<Project> {
        let config_path = config.config.clone();
        let state_path = state
            .state
            .clone()
            .unwrap_or_else(|| config::default_state_path(&config_path));
        let loaded = config::load_with_state(&config_path, &state_path)?;
        let named_config = (config_path != Path::new("lockward.yaml")).then(|| config_path.clone());
        Ok(Project {
            config: loaded,
            config_path,
            state_path,
            named_config,
            named_state: state.state.clone(),
        })
    }

    /// The declared resources named by `targets` (all of them when empty). An address that is
    /// not declared is an error that lists what is.
    pub fn targeted(&self, targets: &[Address]) -> anyhow::Result<Vec<&Resource>> {
        if targets.is_empty() {
            return Ok(self.config.resources.iter().collect());
        }
        let mut out = Vec::new();
        for target in targets {
            let resource = self.config.resource(target).with_context(|| {
                let declared: Vec<String> = self
                    .config
                    .resources
                    .iter()
                    .map(|r| r.address.to_string())
                    .collect();
                format!(
                    "--target {target} is not declared in {}\nhint: declared addresses: {}",
                    self.config_path.display(),
                    if declared.is_empty() {
                        "none".to_string()
                    } else {
                        declared.join(", ")
                    }
                )
            })?;
            if !out
                .iter()
                .any(|r: &&Resource| r.address == resource.address)
            {
                out.push(resource);
            }
        }
        Ok(out)
    }

    /// Reads the live state of `resources` and plans them.
    pub async fn plan(
        &self,
        resources: &[&Resource],
        clients: &Clients,
        state: &StateFile,
        parallelism: usize,
        now: Timestamp,
    ) -> anyhow::Result<(Plan, LiveSnapshot)> {
        let _spinner = super::output::Spinner::start(format!(
            "Reading the live state of {} resource(s)",
            resources.len()
        ));
        let history = self.history()?;
        let live = refresh::refresh(&self.config, resources, clients, parallelism).await?;
        tracing::info!(resources = resources.len(), "read the live state");
        let recorded = plan::Recorded {
            state,
            history: &history,
        };
        let plan = plan::plan(&self.config, &live, recorded, now);
        Ok((plan, live))
    }

    /// What the journal beside the state remembers of earlier calls (read-only).
    pub fn history(&self) -> anyhow::Result<plan::History> {
        let journal = crate::apply::journal::Journal::for_state(&self.state_path);
        Ok(journal.read_all()?.history())
    }
}

/// A tokio runtime for one command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
}

/// A line for the person at the terminal, on stderr (stdout carries only data).
/// Not shown with `--quiet`.
pub fn say(text: impl std::fmt::Display) {
    use std::io::Write;
    if super::output::quiet() {
        return;
    }
    let _ = writeln!(anstream::stderr(), "{text}");
}
