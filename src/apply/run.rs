//! `apply`: the safety protocol of DESIGN.md section 5, step by step, from the command's
//! options and a [`Confirm`] to how the apply ended. The command (`commands/apply.rs`) builds
//! the confirmation, calls [`run`] and prints the ending.

use std::io::Write;
use std::path::Path;

use anyhow::bail;

use crate::apply::confirm::Confirm;
use crate::apply::executor::{ActionOutcome, ApplyReport, Event, Executor};
use crate::apply::interrupt::{Interrupt, Signal};
use crate::apply::preflight;
use crate::cli::ApplyArgs;
use crate::output::say;
use crate::planfile::{self, SavedPlan};
use crate::project::{absolute, runtime, Project, Session};
use crate::refresh::Clients;
use crate::render::{self, ApplyCommand, Format, RenderOptions};
use crate::select::{Pattern, Selection};
use crate::state::backend::keep_errored;
use crate::state::StateBackend;

/// How an apply ended.
pub enum Applied {
    /// The plan had no action to run and nothing to record.
    Nothing,
    /// The executor ran.
    Ran(Ran),
}

/// What an apply that ran did, and what to tell the person about it.
pub struct Ran {
    pub report: ApplyReport,
    /// The first signal received, when one stopped the apply.
    pub signal: Option<Signal>,
    /// Where the state is now, e.g. `lockward.state.json (serial 4)`, or that it was not written.
    pub state_words: String,
    /// Where this run's journal is, or that it was not written.
    pub journal_words: String,
    /// The `lockward plan` command that shows what remains, as typed.
    pub plan_again: String,
}

/// The longest `--reason` (in characters): a change reference, not a document.
pub const REASON_MAX_CHARS: usize = 1024;

/// `--reason`, else `LOCKWARD_REASON`, checked: at most [`REASON_MAX_CHARS`] characters and no
/// control or bidirectional control character (it is shown in every report format). An empty
/// reason is none.
fn reason(given: Option<&str>) -> anyhow::Result<Option<String>> {
    let (text, from) = match given {
        Some(text) => (text.to_string(), "--reason"),
        None => match crate::environment::apply_reason().map_err(anyhow::Error::msg)? {
            Some(text) => (text, "LOCKWARD_REASON"),
            None => return Ok(None),
        },
    };
    let count = text.chars().count();
    if count > REASON_MAX_CHARS {
        bail!("{from} is {count} characters long; at most {REASON_MAX_CHARS} are recorded\nhint: give a short reason and a reference (a ticket, a change id) where the rest is written");
    }
    if let Some(c) = text.chars().find(|&c| crate::render::escape::is_unsafe(c)) {
        bail!(
            "{from} holds the control character {}; a reason is one line of plain text",
            crate::render::escape::visible(c)
        );
    }
    Ok(Some(text).filter(|t| !t.trim().is_empty()))
}

/// Runs the safety protocol (DESIGN.md section 5) for `args`, confirming with `confirm`: the
/// plan goes to `out` in human form before the questions, progress lines to stderr. Refusals,
/// conflicts and a fatal write failure are errors; an apply that ran says how it ended.
pub fn run(
    args: &ApplyArgs,
    session: &Session,
    confirm: &mut dyn Confirm,
    out: &mut dyn Write,
) -> anyhow::Result<Applied> {
    // 0. Everything that can be checked without AWS or the lock: the reason, the config and
    // the plan file.
    let reason = reason(args.reason.as_deref())?;
    // PLANFILE as typed names a file from the directory lockward started in.
    let plan_file = args.plan_file.as_deref().map(absolute).transpose()?;
    let mut project = Project::load(&args.config, &args.state)?;
    project.refuse_if_errored()?;
    // The file's words are never used: what apply shows is planned again below, and a
    // saved plan's words are made again from its digested values.
    let selection = Selection::new(&args.target, &args.exclude);
    let saved = plan_file
        .as_deref()
        .map(|path| SavedPlan::read_sealed(path, session.now).map(|(saved, _)| saved))
        .transpose()?;

    // 1. The state lock, for the whole apply.
    let timeout = args.lock_timeout.duration();
    let rt = runtime()?;
    let (backend, lock) = project.lock_state(session, &rt, "apply", timeout)?;
    rt.block_on(project.read_accounts(session))?;
    let writer = lock.writer();
    let journal = lock.journal();
    let mut state = backend.load()?;
    let history = backend.read_journal()?.history().with_pending(&state);
    let store = project.state_store(&backend, &state)?;

    let clients = rt.block_on(Clients::connect(&project.config, &session.client_options));

    // 2. The plan: a saved one must still be exactly what a fresh plan says now.
    // A saved plan's selection is its addresses: the instances a selection finds since are
    // not in it (they are named below), and one it planned that is gone makes it stale.
    let planned_selection = match &saved {
        Some(saved) => {
            let addresses: Vec<_> = saved
                .plan
                .resources
                .iter()
                .map(|r| r.address.clone())
                .collect();
            let planned = Selection::addresses(&addresses);
            project
                .select(&planned)
                .map_err(|e| anyhow::anyhow!("the plan is stale: {e}"))?;
            planned
        }
        None => {
            project.select(&selection)?;
            selection.clone()
        }
    };
    let parallelism = usize::from(args.parallelism);
    // A saved plan is planned again by its addresses, and keeps the patterns it was made with
    // (its digest covers them).
    let plan_at = |now| {
        rt.block_on(project.plan(
            &planned_selection,
            &clients,
            &state,
            &store,
            &history,
            parallelism,
            now,
        ))
        .map(|mut planned| {
            if let Some(saved) = &saved {
                planned.plan = planned.plan.with_selection(saved.plan.selection.clone());
            }
            planned
        })
    };
    let planned = plan_at(session.now)?;
    if saved.is_some() && !planned.live.not_selected.is_empty() {
        let found: Vec<String> = planned
            .live
            .not_selected
            .iter()
            .map(ToString::to_string)
            .collect();
        say(format_args!(
            "note: not in this plan, so not applied: {} (found since the plan was made, or left out by its patterns); plan again to include them",
            found.join(", ")
        ));
    }
    let (plan, mut config) = (planned.plan, planned.config);
    if let Some(saved) = &saved {
        let backend_target = backend.target()?;
        let mut reasons =
            planfile::stale_reasons(saved, &plan.config_digest, &state, &backend_target, &plan);
        if reasons.is_empty() && saved.plan.digest != plan.digest {
            reasons.push(format!(
                "planning again now gives a different plan ({} instead of {}): a wait may have ended or a decision changed",
                plan.short_digest(),
                saved.plan.short_digest()
            ));
        }
        if !reasons.is_empty() {
            let typed = args.plan_file.as_deref().unwrap_or(Path::new("PLANFILE"));
            let again = project.suggest(
                "plan",
                &targeted(&project, &saved.plan),
                &["--out", &typed.to_string_lossy()],
            );
            bail!(
                "the plan is stale, so nothing was applied:\n  - {}\nhint: run `{again}` again, review it, and apply that",
                reasons.join("\n  - ")
            );
        }
    }

    let options = RenderOptions {
        color: session.color,
        apply: ApplyCommand {
            config: project.named_config.clone(),
            state: project.named_state.clone(),
            plan_file: args.plan_file.clone(),
        },
        sealed: None,
        markdown_in_full: false,
    };
    render::render(&plan, Format::Human, &options, out)?;
    out.flush()?;

    if plan.has_conflict() {
        bail!("the plan has conflicts, so nothing was applied\nhint: resolve the conflicts shown above (the configuration can never be reached as it stands), then plan again");
    }
    if plan.has_unknown() {
        let unknown: Vec<String> = plan.unknown().map(|r| r.address.to_string()).collect();
        let mut also_excluding = match &saved {
            Some(saved) => targeted(&project, &saved.plan),
            None => selection.clone(),
        };
        also_excluding
            .excludes
            .extend(plan.unknown().map(|r| Pattern::from(&r.address)));
        bail!(
            "the live state of {} could not be read, so nothing was applied: an approval covers \
             what was read\nhint: plan again when AWS answers, or plan and apply the rest: `{}`",
            unknown.join(", "),
            project.suggest("plan", &also_excluding, &[])
        );
    }
    if plan.ready_actions().next().is_none() && plan.recoveries().next().is_none() {
        return Ok(Applied::Nothing);
    }

    // What plans these resources again, for the hints below.
    let targets = match &saved {
        Some(saved) => targeted(&project, &saved.plan),
        None => selection.clone(),
    };

    // 3. Confirm exactly this plan.
    // A plan that only records what it found (no call) needs no approval.
    let approval = if plan.ready_actions().next().is_some() {
        confirm.confirm(&plan)?;
        Some(confirm.approval())
    } else {
        None
    };
    // Questions wait for a person, and the world does not: what runs is planned again after
    // the last answer, and only the plan the person confirmed goes on.
    let plan = if confirm.waited() {
        let again = plan_at(crate::environment::now().map_err(anyhow::Error::msg)?)?;
        config = again.config;
        let again = again.plan;
        if again.digest != plan.digest {
            bail!(
                "apply refused: planning again after the confirmation gives a different plan ({} instead of the {} you confirmed): something changed while the question waited, so nothing was applied\nhint: run `{}` to see what changed, and apply again",
                again.short_digest(),
                plan.short_digest(),
                project.suggest("plan", &targets, &[])
            );
        }
        again
    } else {
        plan
    };

    // A store that did not exist when planned is created now, exclusively, under the lock and
    // before any mutating call: one that exists by now was not the one approved.
    if state.lineage.is_empty() {
        writer.create(&mut state).map_err(|e| {
            anyhow::anyhow!(
                "the plan is stale, so nothing was applied: it was made when {} did not exist, \
                 and it could not be created now: {e}",
                backend.location()
            )
        })?;
    }

    // 4. Before the first mutating call: the targets again, the files writable, the approval
    // not used before.
    let local_state = match &backend {
        StateBackend::Local(path) => Some(path.as_path()),
        // Taking the lock was a conditional write beside the state object.
        StateBackend::S3(_) => None,
    };
    let identities = rt.block_on(preflight::check(
        &plan,
        &config,
        &clients,
        local_state,
        &history,
    ))?;

    // 5-6. Execute, journaling and saving as we go. From here a signal no longer kills the
    // process: the first starts no new step, the second stops once every call in flight is
    // in the journal (DESIGN.md section 5.11).
    let interrupt = std::sync::Arc::new(Interrupt::default());
    rt.block_on(async { listen(interrupt.clone()) })?;
    let clock = || crate::environment::now().unwrap_or(session.now);
    // On a terminal a spinner names the call in flight; the progress lines print around it.
    let spinner = crate::output::Spinner::start("Applying");
    let on_event = |e: &Event| {
        if e.outcome.is_none() {
            spinner.set_message(format!("{}: {}", e.address, e.action.as_str()));
        }
        spinner.suspend(|| say(progress_line(e)));
    };
    let executor = Executor {
        config: &config,
        clients: &clients,
        store: &writer,
        journal: &journal,
        parallelism,
        identities: &identities,
        clock: &clock,
        on_event: &on_event,
        interrupt: &interrupt,
        approval,
        reason: reason.as_deref(),
    };
    let ran = rt.block_on(executor.run(&plan, state));
    drop(spinner);
    let (report, state) = match ran {
        Ok(done) => done,
        Err(fatal) => {
            let dir = project.config.dir.clone();
            match keep_errored(&dir, lock, &writer, &journal) {
                Ok(Some(path)) => {
                    let shown = absolute(&path)?;
                    bail!(
                        "{fatal}\nThe state this run could not save is in {} (with its journal \
                         beside it), and the state lock is kept so that nobody writes before it \
                         is pushed; plan and apply refuse until then.\nhint: fix the cause, then \
                         run `{}`",
                        path.display(),
                        project.suggest(
                            "state push",
                            &crate::select::Selection::default(),
                            &[&shown.to_string_lossy()]
                        )
                    );
                }
                Ok(None) => return Err(fatal.into()),
                Err(e) => bail!(
                    "{fatal}\nThe state could not be saved, and writing it to a local file \
                     failed too ({e}); the state lock is kept.\nhint: do not run apply again \
                     before you have recorded what this run did: run `lockward plan` to see it"
                ),
            }
        }
    };
    // Everything is written: release the lock now, and say so if it cannot be (a lock left in
    // S3 would keep every other runner out until someone force-unlocks it).
    let lock_id = lock.id().to_string();
    if let Err(e) = lock.release() {
        say(format_args!(
            "warning: {e}\nhint: once you know no lockward run holds it, release it with `{}`",
            project.suggest(
                "force-unlock",
                &crate::select::Selection::default(),
                &[&lock_id]
            )
        ));
    }
    // Name only the files this apply (or an earlier one) actually wrote.
    let state_words = if state.serial > 0 {
        format!("{} (serial {})", backend.location(), state.serial)
    } else {
        "not written (nothing was recorded)".to_string()
    };
    let journal_words = if journal.written() {
        journal.location()
    } else {
        "not written (no call was made)".to_string()
    };
    Ok(Applied::Ran(Ran {
        report,
        signal: interrupt.first(),
        state_words,
        journal_words,
        plan_again: project.suggest("plan", &targets, &[]),
    }))
}

/// The `--target`s and `--exclude`s that plan `plan`'s resources again: the patterns it was
/// made with; none when it has every declared resource, else each of its addresses.
fn targeted(project: &Project, plan: &crate::plan::Plan) -> Selection {
    let parse = |patterns: &[String]| -> Option<Vec<Pattern>> {
        patterns.iter().map(|p| p.parse().ok()).collect()
    };
    if let Some(s) = &plan.selection {
        if let (Some(targets), Some(excludes)) = (parse(&s.target), parse(&s.exclude)) {
            return Selection { targets, excludes };
        }
    }
    let addresses: Vec<_> = plan.resources.iter().map(|r| r.address.clone()).collect();
    if addresses.len() == project.config.resources.len() {
        Selection::default()
    } else {
        Selection::addresses(&addresses)
    }
}

fn progress_line(e: &Event) -> String {
    let what = format!("{}: {}", e.address, e.action.as_str());
    match &e.outcome {
        None => format!("{what} ..."),
        Some(ActionOutcome::Done) if e.note.is_empty() => format!("{what} done"),
        Some(ActionOutcome::Done) => format!("{what} done: {}", e.note),
        Some(ActionOutcome::Failed(message)) => format!(
            "{what} FAILED: {}",
            message.lines().next().unwrap_or_default()
        ),
        Some(ActionOutcome::Skipped) => format!("{what} not attempted"),
        Some(ActionOutcome::Interrupted) => {
            format!("{what} stopped by a second signal before its call (or after its outcome was recorded)")
        }
    }
}

/// Turns SIGINT and SIGTERM into `interrupt`, saying what each one does. Call inside the
/// runtime; the handlers stay for the rest of the process.
fn listen(interrupt: std::sync::Arc<Interrupt>) -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    tokio::spawn(async move {
        loop {
            let received = tokio::select! {
                Some(()) = int.recv() => Signal::Interrupt,
                Some(()) = term.recv() => Signal::Terminate,
                else => break,
            };
            match interrupt.receive(received) {
                1 => say(format_args!(
                    "\n{}: no new step starts; the steps in flight finish and are recorded (a second signal stops as soon as every call in flight is in the journal)",
                    received.name()
                )),
                _ => say(format_args!(
                    "\n{}: stopping as soon as every call in flight is in the journal",
                    received.name()
                )),
            }
        }
    });
    Ok(())
}
