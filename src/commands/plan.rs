//! `lockward plan`: refresh, plan, render; optionally save the plan.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::PlanArgs;
use crate::planfile::{self, SavedPlan};
use crate::refresh::Clients;
use crate::render::{self, ApplyCommand, RenderOptions};

use crate::output::say;

use crate::plan::{Plan, StateStoreRef};
use crate::project::{absolute, runtime, Project, Reach, Session};
use crate::select::Selection;
use crate::state::StateBackend;

pub fn run(args: &PlanArgs) -> anyhow::Result<ExitCode> {
    let session = Session::from_environment()?;
    let mut out = crate::output::stdout();
    let code = run_with(args, &session, &mut out)?;
    out.flush()?;
    Ok(code)
}

/// Exit codes: 0 no changes (or changes without `--detailed-exitcode`), 1 conflict, 2 changes
/// with `--detailed-exitcode`. Errors are returned.
pub fn run_with(
    args: &PlanArgs,
    session: &Session,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    // `--out` as typed names a file from the directory lockward started in.
    let out_path = args.out.as_deref().map(absolute).transpose()?;
    let mut project = Project::load(&args.config, &args.state)?;
    project.refuse_if_errored()?;
    let selection = Selection::new(&args.target, &args.exclude);
    // A pattern that matches nothing is an error before any call (but for the instances of
    // account sets still to be read).
    if project.config.templated.is_empty() {
        project.select(&selection)?;
    }
    if let (Some(out), Some(typed)) = (&out_path, &args.out) {
        // Before any call: a plan is never saved over a file lockward reads or keeps.
        planfile::check_out_path(out).map_err(|e| e.shown_as(typed))?;
    }
    let rt = runtime()?;
    // Before the first call, the state backend's included.
    rt.block_on(project.check_before_calls(session, Reach::Resources))?;
    rt.block_on(project.read_accounts(session))?;
    project.select(&selection)?;
    // `plan` takes no lock: it reads the state and every journal as they are now.
    let backend = project.backend(session)?;
    let state = backend.load()?;
    let mut history = backend.read_journal()?.history().with_pending(&state);
    if !state.attempts.is_empty() {
        history.running = backend.running();
    }
    let store = project.state_store(&backend, &state)?;
    let backend_target = match &out_path {
        Some(_) => backend.target()?,
        None => None,
    };
    warn_about_state_bucket(&backend);
    let plan = rt.block_on(async {
        let clients = Clients::connect(&project.config, &session.client_options).await;
        project
            .plan(
                &selection,
                &clients,
                &state,
                &store,
                &history,
                usize::from(args.parallelism),
                session.now,
            )
            .await
    })?;
    let crate::project::Planned { plan, live, .. } = plan;
    if let Some(summary) = &live.not_read_summary {
        say(format_args!("error: {summary}"));
    }
    warn_if_state_in_git(&project, &plan);
    warn_about_undeclared_records(&project, &plan);

    let saved_to = match (&out_path, &args.out) {
        (Some(path), Some(typed)) if plan.is_applicable() => {
            // Again: the refresh took time, and files may have appeared since.
            planfile::check_out_path(path)
                .and_then(|()| {
                    SavedPlan::new(plan.clone(), session.now)
                        .with_backend(backend_target.clone())
                        .write(path)
                })
                .map_err(|e| e.shown_as(typed))?;
            Some(typed.clone())
        }
        _ => None,
    };
    let options = RenderOptions {
        color: session.color,
        apply: ApplyCommand {
            config: project.named_config.clone(),
            state: project.named_state.clone(),
            plan_file: saved_to.clone(),
        },
        sealed: None,
        markdown_in_full: false,
    };
    // Rendered once: the Markdown form is also read back for its INCOMPLETE line.
    let mut document = Vec::new();
    render::render(&plan, args.format, &options, &mut document)?;
    out.write_all(&document)?;
    out.flush()?;
    let incomplete = args.format == render::Format::Markdown
        && !args.allow_incomplete
        && !render::markdown_document_is_complete(&document);
    if incomplete {
        say(format_args!(
            "error: the Markdown plan is too large for one comment to name every irreversible action (its first line says INCOMPLETE); review it in full with `lockward show --format markdown PLANFILE`, or pass --allow-incomplete"
        ));
    }
    if let (Some(path), false) = (&args.out, plan.is_applicable()) {
        let why = if plan.has_conflict() {
            "the plan has conflicts"
        } else {
            "the live state of some resources could not be read"
        };
        say(format_args!(
            "note: {why}, so it was not saved to {}",
            path.display()
        ));
    }
    Ok(if !plan.is_applicable() || incomplete {
        ExitCode::from(1)
    } else if args.detailed_exitcode && plan.has_changes() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Says on stderr which records the state keeps for addresses the config no longer declares
/// (and no declared resource took over as moved): lockward leaves them, and the locks they
/// describe, alone, and a reviewer should know they are there.
fn warn_about_undeclared_records(project: &Project, plan: &Plan) {
    let undeclared: Vec<String> = plan
        .undeclared
        .iter()
        .map(|u| u.address.to_string())
        .collect();
    let Some(first) = undeclared.first() else {
        return;
    };
    let (count, them, their) = match undeclared.len() {
        1 => ("1 address".to_string(), "it", "its lock"),
        n => (format!("{n} addresses"), "them", "their locks"),
    };
    say(format_args!(
        "warning: the state keeps records of {count} the config does not declare: {}. lockward \
         plans nothing for {them} and leaves {their} alone.\nhint: if a resource \
         was renamed, `{}` moves its record; `{}` forgets one (refused while it holds a lock \
         id or an attempt whose effect is unknown)",
        undeclared.join(", "),
        project.suggest(
            "state mv",
            &crate::select::Selection::default(),
            &[first, "NEW_ADDRESS"]
        ),
        project.suggest("state rm", &crate::select::Selection::default(), &[first]),
    ));
}

/// Says on stderr what a reviewer should know about the S3 backend's bucket (no versioning,
/// Object Lock set by others); nothing for the local file.
fn warn_about_state_bucket(backend: &StateBackend) {
    if let Some(s3) = backend.s3() {
        for warning in s3.bucket_warnings() {
            say(format_args!("warning: {warning}"));
        }
    }
}

/// Warns on stderr when `plan` has an irreversible action and its local state file is tracked
/// by git: each checkout is then a copy of the state, and the guarantee holds per copy.
fn warn_if_state_in_git(project: &Project, plan: &Plan) {
    if plan.summary.irreversible == 0
        || !matches!(plan.state_store, Some(StateStoreRef::Local { .. }))
    {
        return;
    }
    let path = crate::files::real_path(&project.state_path);
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let tracked = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["ls-files", "--error-unmatch", "--"])
        .arg(name)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if tracked {
        say(format_args!(
            "warning: the state file {} is tracked by git: every checkout is a copy of it, and \
             an irreversible action runs at most once per approval only per copy; two runners \
             with two checkouts can each run it\nhint: keep the state out of git, and keep it \
             in S3 (`backend: s3`) when several runners apply",
            project.state_path.display()
        ));
    }
}
