//! `lockward completions <shell>` and `lockward man`: the command line's own documentation,
//! generated from the clap definition so it never falls behind.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use anyhow::Context;

use crate::cli::{Cli, CompletionsArgs, ManArgs};

pub fn run(args: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    // Generated into memory first: clap_complete panics on a failed write, and a closed
    // stdout (`| head`) must end the command quietly instead.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "lockward", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The man page, `lockward.1`, in roff on stdout; with `--dir`, one page per command there.
pub fn man(args: &ManArgs) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("could not create the directory {}", dir.display()))?;
        // Rendered first, then each page checked by the writing rule before any is written:
        // a page replaces only a page lockward wrote, never another file or a symlink.
        let mut pages = Vec::new();
        let mut cmd = Cli::command().disable_help_subcommand(true);
        cmd.build();
        collect_pages(cmd, &mut pages)?;
        for (name, _) in &pages {
            crate::files::check_write(&dir.join(name), crate::files::Purpose::ManPage)?;
        }
        for (name, page) in &pages {
            let path = dir.join(name);
            crate::files::replace(&path, page, crate::files::Purpose::ManPage)
                .with_context(|| format!("could not write the manual page {}", path.display()))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    write_man(&mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Each command's page, `lockward.1`, `lockward-plan.1`, …, as `clap_mangen::generate_to`
/// names them.
fn collect_pages(cmd: clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
        collect_pages(sub, out)?;
    }
    let man = clap_mangen::Man::new(cmd);
    let mut page = Vec::new();
    man.render(&mut page)?;
    out.push((man.get_filename(), page));
    Ok(())
}

pub fn write_man(out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}
