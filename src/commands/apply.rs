//! `lockward apply`: builds the confirmation, runs the protocol (`apply::run`), prints how it
//! ended.

use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;

use crate::apply::confirm::{Confirm, Scripted, Terminal};
use crate::apply::executor::ActionOutcome;
use crate::apply::run::{Applied, Ran};
use crate::cli::ApplyArgs;
use crate::output::say;
use crate::project::Session;

pub fn run(args: &ApplyArgs) -> anyhow::Result<ExitCode> {
    let session = Session::from_environment()?;
    let terminal = (args.approve.is_none() && !args.auto_approve)
        .then(crate::environment::terminal)
        .flatten();
    let mut confirm: Box<dyn Confirm> = match terminal {
        Some(tty) => {
            let input = std::io::BufReader::new(tty.try_clone()?);
            let flushed = tty.try_clone()?;
            Box::new(Terminal {
                input,
                output: tty,
                discard_pending: Box::new(move || {
                    crate::apply::confirm::discard_terminal_input(&flushed)
                }),
            })
        }
        None => Box::new(Scripted {
            approve: args.approve.clone(),
            auto_approve: args.auto_approve,
        }),
    };
    run_with(
        args,
        &session,
        confirm.as_mut(),
        &mut std::io::stdout().lock(),
    )
}

/// Runs apply with the given confirmation and prints how it ended. Exit 0 when every action
/// was done (or there was nothing to do); refusals and failures are errors (exit 1).
pub fn run_with(
    args: &ApplyArgs,
    session: &Session,
    confirm: &mut dyn Confirm,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let ran = match crate::apply::run::run(args, session, confirm, out)? {
        Applied::Nothing => {
            say("Nothing to apply.");
            return Ok(ExitCode::SUCCESS);
        }
        Applied::Ran(ran) => ran,
    };
    let Ran {
        report,
        signal,
        state_words,
        journal_words,
        plan_again,
    } = ran;
    let done = report.count(|o| *o == ActionOutcome::Done);
    let failed = report.count(|o| matches!(o, ActionOutcome::Failed(_)));
    let skipped =
        report.count(|o| matches!(o, ActionOutcome::Skipped | ActionOutcome::Interrupted));
    let ended = match signal {
        Some(signal) => format!("interrupted by {}", signal.name()),
        None if report.failed() => "stopped".to_string(),
        None => "complete".to_string(),
    };
    say(format_args!(
        "\nApply {ended}: {done} done, {failed} failed, {skipped} not attempted. State: {state_words}. Journal: {journal_words}",
    ));
    if let Some(signal) = signal {
        for (address, action, outcome) in &report.results {
            match outcome {
                ActionOutcome::Failed(message) => say(format_args!("error: {address}: {message}")),
                ActionOutcome::Skipped | ActionOutcome::Interrupted => {
                    say(format_args!("not done: {address}: {}", action.as_str()))
                }
                ActionOutcome::Done => {}
            }
        }
        say(format_args!(
            "hint: what was done is recorded; run `{plan_again}` to see what remains, and apply again"
        ));
        return Ok(ExitCode::from(signal.exit_code()));
    }
    if report.failed() {
        for (address, _, outcome) in &report.results {
            if let ActionOutcome::Failed(message) = outcome {
                say(format_args!("error: {address}: {message}"));
            }
        }
        bail!(
            "apply stopped after a failure; what succeeded is recorded\nhint: fix the cause, then run `{plan_again}` and apply again: it converges"
        );
    }
    Ok(ExitCode::SUCCESS)
}
