//! What every command that reads AWS shares, as the library serves it: the config and state paths, the session settings
//! (clock, colour, client options), and the refresh-then-plan step.

use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::Timestamp;

use crate::aws::sdk::ProfileProblem;
use crate::aws::ClientOptions;
use crate::cli::{ConfigArg, StateArg};
use crate::config::{self, Config, Provider, Resource};
use crate::environment;
use crate::files::{KeptFile, Role};
use crate::plan::{self, LiveSnapshot, Plan, StateStoreRef};
use crate::refresh::{self, Clients};
use crate::render::shell_quote;
use crate::select::Selection;
use crate::state::backend::HeldLock;
use crate::state::{StateBackend, StateFile};

/// Settings of one run that come from outside the command line.
#[derive(Clone, Debug)]
pub struct Session {
    pub now: Timestamp,
    /// Colour on stdout.
    pub color: bool,
    /// `now` comes from `LOCKWARD_NOW`, not the system clock: allowed only against endpoints.
    pub clock_moved: bool,
    pub client_options: ClientOptions,
}

impl Session {
    pub fn from_environment() -> anyhow::Result<Session> {
        Ok(Session {
            now: environment::now().map_err(anyhow::Error::msg)?,
            clock_moved: environment::clock_override()
                .map_err(anyhow::Error::msg)?
                .is_some(),
            color: environment::stdout_color(),
            client_options: ClientOptions::default(),
        })
    }
}

/// Which of the config's providers a command builds clients for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Those some resource names (plan, apply, import).
    Resources,
    /// Every declared provider (report: discovery looks in each).
    EveryProvider,
}

/// A plan with what it was made from.
pub struct Planned {
    pub plan: Plan,
    pub live: LiveSnapshot,
    /// The configuration with the instances found at plan time among its resources (see
    /// [`Config::with_instances`]): what apply finds each planned resource in.
    pub config: Config,
}

/// The config, loaded and checked against the state file's path.
///
/// Loading it enters the config file's directory (see [`Project::load`]): every path the
/// config names is relative to that directory, as recorded, shown and used, so every command
/// gives the same answer from any working directory. `config_path` and `state_path` are valid
/// from there; `named_config` and `named_state` are as the user typed them, for the commands
/// lockward suggests.
pub struct Project {
    pub config: Config,
    pub config_path: PathBuf,
    pub state_path: PathBuf,
    /// Whether the user named the config (`-c`) and state (`--state`) files, so the commands
    /// lockward suggests repeat them.
    pub named_config: Option<PathBuf>,
    pub named_state: Option<PathBuf>,
    /// Every policy file the config names, as read.
    pub policy_files: Vec<PathBuf>,
}

impl Project {
    /// Loads the config named by `-c`; the paths it names resolve against its directory.
    pub fn load(config: &ConfigArg, state: &StateArg) -> anyhow::Result<Project> {
        let state_typed = state.state.as_deref().map(absolute).transpose()?;
        let config_path = real_config_path(&config.config)?;
        let state_path = state_typed.unwrap_or_else(|| config::default_state_path(&config_path));
        let (loaded, policy_files) = config::load_with_policy_files(&config_path, &state_path)?;
        if let (Some(config::Backend::S3(s3)), Some(typed)) = (&loaded.backend, &state.state) {
            anyhow::bail!(
                "--state {} names a local state file, but {} keeps the state in S3 \
                 (s3://{}/{}, `backend:`)\nhint: drop --state; to work on a local copy instead, \
                 remove `backend:` from the config",
                typed.display(),
                config_path.display(),
                s3.bucket,
                s3.key
            );
        }
        let named_config =
            (config.config != Path::new("lockward.yaml")).then(|| config.config.clone());
        let project = Project {
            config: loaded,
            config_path,
            state_path,
            named_config,
            named_state: state.state.clone(),
            policy_files,
        };
        // Every file this process writes from here on is checked against these.
        crate::files::protect(project.kept_files());
        Ok(project)
    }

    /// Every file lockward reads or keeps for this project: the config, its policy files, the
    /// state with its backup, journal and lock, and each Snowball delivery target and manifest.
    /// No command may write a file of its own (a saved plan) over one of them.
    pub fn kept_files(&self) -> Vec<KeptFile> {
        let kept = |path: &Path, what: String| KeptFile {
            path: path.to_path_buf(),
            what,
            role: Role::Kept,
        };
        let mut out = vec![
            kept(&self.config_path, "the config file".to_string()),
            kept(&self.state_path, "the state file".to_string()),
            kept(
                &crate::state::StateStore::new(&self.state_path).backup_path(),
                "the state file's backup".to_string(),
            ),
            kept(
                &crate::apply::journal::journal_path(&self.state_path),
                "the journal".to_string(),
            ),
            kept(
                &crate::state::lock::lock_path(&self.state_path),
                "the state lock".to_string(),
            ),
        ];
        out.extend(
            crate::state::backend::errored_files(&self.config.dir)
                .iter()
                .map(|p| kept(p, "a state that a failed write left to push".to_string())),
        );
        out.extend(
            self.policy_files
                .iter()
                .map(|p| kept(p, "a policy file the config reads".to_string())),
        );
        for r in &self.config.resources {
            if let config::Desired::SnowballUnlockCode(d) = &r.desired {
                // Both relative to the config's directory.
                let dir = &self.config.dir;
                out.push(KeptFile {
                    role: Role::DeliverTo,
                    ..kept(
                        &dir.join(&d.deliver_to),
                        format!("where {} delivers its unlock code", r.address),
                    )
                });
                if let Some(manifest) = &d.manifest_path {
                    out.push(kept(
                        &dir.join(manifest),
                        format!("the manifest of {}", r.address),
                    ));
                }
            }
        }
        out
    }

    /// A `lockward` command line to suggest in a hint: `subcommand`, then `-c` and `--state`
    /// as the user typed them (when they did), the `--target` and `--exclude` patterns of
    /// `selection`, then
    /// `rest`; every word quoted for a POSIX shell when it needs it, so it works as typed.
    pub fn suggest(&self, subcommand: &str, selection: &Selection, rest: &[&str]) -> String {
        let mut words = vec!["lockward".to_string(), subcommand.to_string()];
        if let Some(config) = &self.named_config {
            words.extend(["-c".to_string(), shell_quote(&config.to_string_lossy())]);
        }
        if let Some(state) = &self.named_state {
            words.extend(["--state".to_string(), shell_quote(&state.to_string_lossy())]);
        }
        words.extend(selection.words());
        words.extend(rest.iter().map(|w| shell_quote(w)));
        words.join(" ")
    }

    /// The declared resources `selection` selects (see [`crate::select`]); a pattern that
    /// matches nothing is an error naming the closest declared one.
    pub fn select(&self, selection: &Selection) -> anyhow::Result<Vec<&Resource>> {
        let name = self.config_path.display().to_string();
        selection
            .select(&self.config, &name)
            .map_err(anyhow::Error::msg)
    }

    /// The providers a command reaching `reach` builds clients for, by name, and the state
    /// backend's.
    fn providers(&self, reach: Reach) -> Vec<&Provider> {
        self.config
            .providers
            .values()
            .filter(|p| {
                reach == Reach::EveryProvider
                    || self.config.resources.iter().any(|r| r.provider == p.name)
                    || matches!(&self.config.backend, Some(config::Backend::S3(b)) if b.provider == p.name)
            })
            .collect()
    }

    /// What must hold before the first AWS call, checked without one: every profile a provider
    /// names exists (so its credentials, and no others, are used), and a clock moved with
    /// `LOCKWARD_NOW` is used only when every provider reaches an endpoint (an emulator):
    /// against real AWS it could skip a `min_test_period` or a grace period.
    pub async fn check_before_calls(&self, session: &Session, reach: Reach) -> anyhow::Result<()> {
        let providers = self.providers(reach);
        let config = self.config_path.display();
        for provider in &providers {
            let Some(profile) = &provider.profile else {
                continue;
            };
            let (config_file, credentials_file) = environment::aws_profile_files();
            let name = &provider.name;
            match crate::aws::sdk::check_profile(profile).await {
                Ok(()) => {}
                Err(ProfileProblem::Missing) => anyhow::bail!(
                    "provider `{name}` in {config} names profile `{profile}`, which is in neither \
                     {config_file} nor {credentials_file}; lockward uses a provider's profile \
                     and no other credentials\nhint: add the profile to one of those files \
                     (AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE choose others), or \
                     correct `profile:` in {config}"
                ),
                Err(ProfileProblem::Unusable(why)) => anyhow::bail!(
                    "provider `{name}` in {config} names profile `{profile}`, which cannot be \
                     used: {why} (in {config_file} or {credentials_file})\nhint: fix the \
                     profile, or correct `profile:` in {config}"
                ),
            }
        }
        if session.clock_moved {
            // Each provider's calls go where its SDK clients will send them (its endpoint_url,
            // else the environment's or its profile's endpoints, unless the profile or the
            // environment says to ignore those): resolved here, still without a call.
            let mut without = Vec::new();
            for p in &providers {
                let sdk = crate::aws::sdk::sdk_config(p, &session.client_options).await;
                let emulated = crate::kinds::SERVICES
                    .iter()
                    .all(|service| crate::aws::sdk::endpoint_of(&sdk, service).is_some());
                if !emulated {
                    without.push(format!("`{}`", p.name));
                }
            }
            if !without.is_empty() {
                let (which, reach) = if without.len() == 1 {
                    ("provider", "reaches")
                } else {
                    ("providers", "reach")
                };
                anyhow::bail!(
                    "LOCKWARD_NOW is set, but {which} {} in {config} {reach} real AWS (no \
                     endpoint_url, AWS_ENDPOINT_URL or profile endpoint_url sends every call \
                     elsewhere): a moved clock is only for rehearsals \
                     against an emulator, and against AWS it could skip a min_test_period or a \
                     grace period\nhint: unset LOCKWARD_NOW, or point every provider at an \
                     emulator with `endpoint_url:`",
                    without.join(", ")
                );
            }
        }
        Ok(())
    }

    /// Reads from AWS Organizations the members of every account set a template uses, and
    /// makes the config's template resources their instances (DESIGN.md section 2.1). A set
    /// that cannot be read leaves its templates' resources `unknown`, never a partial set;
    /// the rest of the config is planned as ever. Makes no call for a config without such
    /// a set.
    pub async fn read_accounts(&mut self, session: &Session) -> anyhow::Result<()> {
        let wanted: std::collections::BTreeSet<String> = self
            .config
            .templated
            .values()
            .filter_map(|t| self.config.templates.get(t))
            .map(|t| t.accounts.clone())
            .filter(|set| {
                self.config
                    .accounts
                    .get(set)
                    .is_some_and(|s| s.organization_provider().is_some())
            })
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let mut clients = std::collections::BTreeMap::new();
        for set in &wanted {
            let Some(name) = self
                .config
                .accounts
                .get(set)
                .and_then(|s| s.organization_provider())
            else {
                continue;
            };
            if let Some(provider) = self.config.providers.get(name) {
                let sdk = crate::aws::sdk::sdk_config(provider, &session.client_options).await;
                let endpoint = crate::aws::sdk::endpoint_of(&sdk, "organizations");
                let api: std::sync::Arc<dyn crate::aws::organizations::OrganizationsApi> =
                    std::sync::Arc::new(crate::aws::organizations::JsonOrganizations::new(
                        &sdk, endpoint,
                    ));
                clients.insert(name.to_string(), api);
            }
        }
        let membership = {
            let _spinner = crate::output::Spinner::start(format!(
                "Reading {} account set(s) from AWS Organizations",
                wanted.len()
            ));
            crate::aws::organizations::read_sets(&self.config, &wanted, &|p| {
                clients.get(p).cloned()
            })
            .await
        };
        for (set, read) in &membership.sets {
            if let Err(e) = read {
                tracing::warn!(set = %set, "{e}");
            }
        }
        self.config = self.config.expand(&membership)?;
        crate::files::protect(self.kept_files());
        Ok(())
    }

    /// The identity of the state store `backend` with `state` read from it (DESIGN.md section
    /// 5.8): asks STS who the S3 backend's credentials are. Must not be called from async code.
    pub fn state_store(
        &self,
        backend: &StateBackend,
        state: &StateFile,
    ) -> anyhow::Result<StateStoreRef> {
        let lineage = (!state.lineage.is_empty()).then(|| state.lineage.clone());
        Ok(match backend.target()? {
            Some(t) => StateStoreRef::S3 {
                account: t.account,
                region: t.region,
                endpoint: t.endpoint,
                identity_endpoint: t.identity_endpoint,
                bucket: t.bucket,
                key: t.key,
                lineage,
            },
            None => {
                let real = crate::files::real_path(&self.state_path);
                let dir = crate::files::real_path(&self.config.dir);
                let path = match real.strip_prefix(&dir) {
                    Ok(inside) => inside.to_string_lossy().into_owned(),
                    Err(_) => real.to_string_lossy().into_owned(),
                };
                StateStoreRef::Local { path, lineage }
            }
        })
    }

    /// Reads the live state of what `selection` holds and plans it, with what the journal
    /// remembers (`history`, from [`StateBackend::read_journal`]), against the state store
    /// `store`. The instances a resource found at plan time that the selection does not hold
    /// are left out, and named in [`LiveSnapshot::not_selected`].
    #[allow(clippy::too_many_arguments)]
    pub async fn plan(
        &self,
        selection: &crate::select::Selection,
        clients: &Clients,
        state: &StateFile,
        store: &StateStoreRef,
        history: &plan::History,
        parallelism: usize,
        now: Timestamp,
    ) -> anyhow::Result<Planned> {
        let resources = self.select(selection)?;
        let _spinner = crate::output::Spinner::start(format!(
            "Reading the live state of {} resource(s)",
            resources.len()
        ));
        let mut live = refresh::refresh(&self.config, &resources, clients, parallelism, now).await;
        live.retain_instances(|r| selection.selects(&self.config, r));
        tracing::info!(resources = resources.len(), "read the live state");
        let recorded = plan::Recorded { state, history };
        let left_out = self.config.resources.len() - resources.len() + live.not_selected.len();
        let plan = plan::plan(&self.config, &live, recorded, now).edited(|p| {
            p.selection = selection.plan_selection(left_out);
            p.state_store = Some(store.clone());
        });
        let config = self.config.with_instances(&live.instances);
        Ok(Planned { plan, live, config })
    }

    /// Checks what must hold before the first call (the state backend's included), then takes
    /// the state lock for `operation` (`apply`, `import`, a state command) within `timeout`; a
    /// lock held by another run is refused with the `force-unlock` command as typed.
    pub fn lock_state(
        &self,
        session: &Session,
        rt: &tokio::runtime::Runtime,
        operation: &str,
        timeout: std::time::Duration,
    ) -> anyhow::Result<(StateBackend, HeldLock)> {
        rt.block_on(self.check_before_calls(session, Reach::Resources))?;
        let backend = self.backend(session)?;
        let unlock =
            |id: &str| self.suggest("force-unlock", &crate::select::Selection::default(), &[id]);
        let lock = backend.lock(operation, timeout, &unlock)?;
        Ok((backend, lock))
    }

    /// The state backend: the S3 backend the config names, or the local state file. Makes
    /// no call. Must not be called from async code.
    pub fn backend(&self, session: &Session) -> anyhow::Result<StateBackend> {
        Ok(StateBackend::open(
            &self.config,
            &self.state_path,
            &session.client_options,
        )?)
    }

    /// Refuses to go on while a state that a failed write left is waiting to be pushed: a
    /// plan or apply from the remote state would not know what that run did.
    pub fn refuse_if_errored(&self) -> anyhow::Result<()> {
        let files = crate::state::backend::errored_files(&self.config.dir);
        let Some(first) = files.first() else {
            return Ok(());
        };
        let shown = absolute(first)?.display().to_string();
        anyhow::bail!(
            "{} holds a state that an earlier apply could not save (its lock is still held), so \
             nothing was planned or applied: the state in the backend does not yet know what \
             that run did\nhint: push it with `{}`, then run this command again",
            first.display(),
            self.suggest(
                "state push",
                &crate::select::Selection::default(),
                &[&shown]
            )
        )
    }
}

/// `path` as typed, made absolute against the directory lockward was started in: for paths on
/// the command line that must still name the same file once [`Project::load`] has entered the
/// config's directory.
pub fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot resolve the path {}", path.display()))
}

/// The real path of the config file at `config` (as typed, symlinks followed: two paths to
/// one config are one project, DESIGN.md section 5.8). Every path the config names resolves
/// against its directory explicitly; the process's working directory never changes. The
/// path is the file's name alone when its directory is the working directory (so what
/// lockward prints reads as it did when typed there), and absolute otherwise. A config that
/// is not there is left for loading to report, with the path as typed.
fn real_config_path(config: &Path) -> anyhow::Result<PathBuf> {
    if !config.is_file() {
        return Ok(config.to_path_buf());
    }
    let real = std::fs::canonicalize(config)
        .with_context(|| format!("cannot resolve the config path {}", config.display()))?;
    let (Some(dir), Some(name)) = (real.parent(), real.file_name()) else {
        return Ok(config.to_path_buf());
    };
    let here = std::env::current_dir().and_then(std::fs::canonicalize).ok();
    if here.as_deref() == Some(dir) {
        return Ok(PathBuf::from(name));
    }
    Ok(real)
}

/// A tokio runtime for one command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
}
