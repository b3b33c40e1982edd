//! `lockward report`: the compliance report. Reads AWS (never a mutating call), the state file
//! and the journal; takes no lock and writes nothing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::ReportArgs;
use crate::plan;
use crate::refresh::{self, Clients};
use crate::render;
use crate::report::{self, discover};
use crate::select::Selection;

use crate::output::Spinner;
use crate::project::{runtime, Project, Reach, Session};

pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let session = Session::from_environment()?;
    let mut out = crate::output::stdout();
    let code = run_with(args, &session, &mut out)?;
    std::io::Write::flush(&mut out)?;
    Ok(code)
}

/// Exit 1 when `--fail-on` is given and a resource's verdict reaches it; errors are returned.
pub fn run_with(
    args: &ReportArgs,
    session: &Session,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let mut project = Project::load(&args.config, &args.state)?;
    let selection = Selection::new(&args.target, &args.exclude);
    // A pattern that matches nothing is an error before any call (but for the instances of
    // account sets still to be read).
    if project.config.templated.is_empty() {
        project.select(&selection)?;
    }
    // Checked before any call: a wrong --sarif-root fails at once.
    let source_root = match args.format {
        render::ReportFormat::Sarif => Some(sarif_root(
            args.sarif_root.as_deref(),
            &project.config.path,
        )?),
        _ => None,
    };
    let rt = runtime()?;
    // Before the first call, the state backend's included.
    rt.block_on(project.check_before_calls(session, Reach::EveryProvider))?;
    rt.block_on(project.read_accounts(session))?;
    let project = project;
    let resources = project.select(&selection)?;
    let not_selected_declared = project.config.resources.len() - resources.len();
    let backend = project.backend(session)?;
    let state = backend.load()?;
    let contents = backend.read_journal()?;
    let state_location = std::path::PathBuf::from(backend.location());
    let journal_location = std::path::PathBuf::from(backend.journal_location());
    let parallelism = usize::from(args.parallelism);

    let (live, discovered, callers) = rt.block_on(async {
        let clients = Clients::connect_all(&project.config, &session.client_options).await;
        let spinner = Spinner::start(format!(
            "Reading the live state of {} resource(s)",
            resources.len()
        ));
        let mut live = refresh::refresh(
            &project.config,
            &resources,
            &clients,
            parallelism,
            session.now,
        )
        .await;
        live.retain_instances(|r| selection.selects(&project.config, r));
        if let Some(summary) = &live.not_read_summary {
            crate::output::say(format_args!("warning: {summary}"));
        }
        // The snapshots a selection found are declared, not undeclared locks. A narrowed
        // report does not look for them: discovery lists every lock of an account, the
        // unselected resources' among them.
        let scopes = if selection.is_everything() {
            discover::scopes(&project.config.with_instances(&live.instances))
        } else {
            Vec::new()
        };
        spinner.set_message(format!(
            "Looking for undeclared locks in {} account/region(s)",
            scopes.len()
        ));
        let discovered = discover::discover(&scopes, &clients, parallelism, session.now).await?;
        // Who each provider acts as, for the report's callers and accounts: asked side by
        // side (an organisation has hundreds of providers).
        use futures::stream::StreamExt;
        let callers: std::collections::BTreeMap<_, _> = futures::stream::iter(clients.iter())
            .map(|(name, c)| async move {
                let identity = c.sts.caller_identity().await.map_err(|e| e.to_string());
                (name.clone(), identity)
            })
            .buffer_unordered(parallelism.max(1))
            .collect()
            .await;
        anyhow::Ok((live, discovered, callers))
    })?;
    let history = contents.history();
    let recorded = plan::Recorded {
        state: &state,
        history: &history,
    };
    let plan = plan::plan(&project.config, &live, recorded, session.now);
    tracing::info!(plan = %plan.digest, resources = plan.resources.len(), "planned for the report");

    let config = project.config.with_instances(&live.instances);
    let report = report::build(&report::Inputs {
        config: &config,
        plan: &plan,
        live: &live,
        state: &state,
        state_path: &state_location,
        journal: &contents,
        journal_path: &journal_location,
        discovered: &discovered,
        callers: &callers,
        horizon_days: args.horizon,
        selection: selection.words(),
        not_selected: not_selected_declared + live.not_selected.len(),
        now: session.now,
    });
    let uris = match &source_root {
        Some(root) => {
            render::ArtifactUris::of(&report, |file| {
                // The file's real path, as lockward read it (a symlink followed); as written
                // when it cannot be resolved.
                let real = std::fs::canonicalize(file).unwrap_or_else(|_| {
                    std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf())
                });
                render::artifact_uri(root, &real)
            })
        }
        None => render::ArtifactUris::default(),
    };
    render::report(&report, args.format, &uris, &args.fail_on, out)?;
    out.flush()?;

    let failures = report.failures(&args.fail_on);
    if failures.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    // An error line, so shown even with --quiet.
    let _ = writeln!(
        anstream::stderr(),
        "error: the report has {}\nhint: the report above says per resource what happened; `lockward plan` shows what apply would do about it, and `lockward import` adopts an unmanaged lock",
        failures.join(" and ")
    );
    Ok(ExitCode::from(1))
}

/// The directory SARIF locations are relative to, as a real path: `--sarif-root`, else the
/// nearest directory at or above the config's (real) directory that holds `.git` (a directory,
/// or the file a worktree or submodule has), else the config's directory.
fn sarif_root(given: Option<&Path>, config: &Path) -> anyhow::Result<PathBuf> {
    if let Some(dir) = given {
        let real = std::fs::canonicalize(dir).map_err(|e| {
            anyhow::anyhow!(
                "--sarif-root `{}`: {e}",
                crate::render::escape::value(&dir.to_string_lossy())
            )
        })?;
        if !real.is_dir() {
            anyhow::bail!(
                "--sarif-root `{}` is not a directory\nhint: name the directory the SARIF locations are relative to, usually the repository's top level",
                crate::render::escape::value(&dir.to_string_lossy())
            );
        }
        return Ok(real);
    }
    let config = std::fs::canonicalize(config)?;
    let dir = config.parent().unwrap_or(Path::new("/")).to_path_buf();
    Ok(dir
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map_or(dir.clone(), Path::to_path_buf))
}
