use std::process::ExitCode;

use clap::Parser;
use lockward::cli::{Cli, Command};
use lockward::commands;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap exits 2 on a usage error, but 2 means "changes" to `plan --detailed-exitcode`:
            // every error exits 1 (DESIGN.md section 4). Help and version are not errors.
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 1 } else { 0 });
        }
    };
    if cli.no_color {
        lockward::environment::no_color();
    }
    lockward::output::init(cli.verbose, cli.quiet);
    let result = match &cli.command {
        Command::Validate(args) => commands::validate::run(args),
        Command::Plan(args) => commands::plan::run(args),
        Command::Apply(args) => commands::apply::run(args),
        Command::Show(args) => commands::show::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Import(args) => commands::import::run(args),
        Command::ForceUnlock(args) => commands::state::force_unlock(args),
        Command::State(args) => commands::state::run(args),
        Command::IamPolicy(args) => commands::validate::iam_policy(args),
        Command::Completions(args) => commands::completions::run(args),
        Command::Man(args) => commands::completions::man(args),
    };
    match result {
        Ok(code) => code,
        // stdout was closed (`| head`): the reader has what it wanted. End quietly, with the
        // conventional status of a process whose output pipe closed.
        Err(err) if closed_stdout(&err) => ExitCode::from(141),
        Err(err) => match err.downcast_ref::<lockward::config::ConfigError>() {
            // A config error renders its own `error:` lines, one block per problem.
            Some(config_err) => {
                eprint!("{config_err}");
                ExitCode::from(1)
            }
            // An error may quote AWS's message or a file's text: shown escaped.
            None => {
                let text = format!("{err:#}");
                eprintln!("error: {}", lockward::render::escape::text(&text));
                ExitCode::from(1)
            }
        },
    }
}

/// Whether `err` is (or was caused by) a write to a closed pipe.
fn closed_stdout(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
