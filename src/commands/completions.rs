//! `lockward completions <shell>` and `lockward man`: the command line's own documentation,
//! generated from the clap definition so it never falls behind.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};

pub fn run(args: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut Cli::command(), "lockward", &mut out);
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The man page, `lockward.1`, in roff.
pub fn man() -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    write_man(&mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn write_man(out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}
