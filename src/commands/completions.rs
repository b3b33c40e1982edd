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
    let man = page_of(cmd);
    let mut page = Vec::new();
    man.render(&mut page)?;
    page.extend_from_slice(COMMON_SECTIONS.as_bytes());
    out.push((man.get_filename(), page));
    Ok(())
}

pub fn write_man(out: &mut dyn Write) -> std::io::Result<()> {
    page_of(Cli::command()).render(out)?;
    out.write_all(COMMON_SECTIONS.as_bytes())
}

/// A page's header: every page, a command's too, names lockward and its version as its source
/// and "lockward manual" as its manual (clap_mangen would give a subcommand's name instead).
fn page_of(cmd: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(cmd)
        .source(concat!("lockward ", env!("CARGO_PKG_VERSION")))
        .manual("lockward manual")
}

/// The sections every page ends with (roff): how lockward exits, what it reads from the
/// environment, the files it keeps, and examples.
const COMMON_SECTIONS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Success; a plan with no changes.
.TP
\fB1\fR
Any error: a bad config, an unreadable state, a plan with a conflict or an unknown resource, an
\fBINCOMPLETE:\fR Markdown plan without \fB\-\-allow\-incomplete\fR, a \fBreport \-\-fail\-on\fR verdict,
a refused or stale apply. Nothing was changed unless the message says so.
.TP
\fB2\fR
Only with \fBplan \-\-detailed\-exitcode\fR: the plan has changes.
.TP
\fB130\fR, \fB143\fR
An apply interrupted by SIGINT or SIGTERM; every call in flight reached the journal first.
.TP
\fB141\fR
Standard output was closed (\fB| head\fR): lockward ended quietly.
.SH ENVIRONMENT
.TP
\fBLOCKWARD_NOW\fR
An RFC 3339 time lockward takes as now, for a rehearsal against an emulator's virtual clock;
refused when a provider reaches real AWS.
.TP
\fBNO_COLOR\fR
When set and not empty, no colour (as \fB\-\-no\-color\fR).
.TP
\fBAWS_PROFILE\fR, \fBAWS_REGION\fR, \fBAWS_ACCESS_KEY_ID\fR, \fBAWS_SECRET_ACCESS_KEY\fR, \fBAWS_SESSION_TOKEN\fR
Credentials and settings, as the AWS SDK reads them, for a provider that names no \fBprofile\fR.
.TP
\fBAWS_ENDPOINT_URL\fR, \fBAWS_ENDPOINT_URL_\fR\fISERVICE\fR
Where a provider without \fBendpoint_url\fR sends its calls; the endpoint is part of every
resource's target, so a plan approved for one endpoint never runs against another.
.TP
\fBAWS_CONFIG_FILE\fR, \fBAWS_SHARED_CREDENTIALS_FILE\fR
The AWS profile files.
.SH FILES
.TP
\fIlockward.yaml\fR
The configuration (\fB\-c\fR), in the working directory by default. Paths in it are relative to
its directory.
.TP
\fIlockward.state.json\fR
The state file (\fB\-\-state\fR), beside the config, unless the config names an S3 \fBbackend\fR;
its previous version is kept as \fI<state>.backup\fR.
.TP
\fI<state>.lock\fR
The state lock, held by apply, import and the state commands.
.TP
\fI<state>.journal.jsonl\fR
The journal: an \fBintent\fR record before every mutating call, its outcome after.
.TP
\fI*.lwplan\fR
Saved plans (\fBplan \-\-out\fR), applied with \fBapply PLANFILE\fR.
.SH EXAMPLES
.TP
\fBlockward plan \-\-out plan.lwplan\fR
Plan, save the plan, and print its digest.
.TP
\fBlockward apply \-\-approve\fR \fIDIGEST\fR \fBplan.lwplan\fR
Apply exactly the reviewed plan, approved by its digest, in CI.
.TP
\fBlockward report \-\-format html > report.html\fR
The compliance report, for a reviewer or an auditor.
.TP
\fBlockward iam\-policy \-\-for plan\fR
The IAM policy the role that runs \fBplan\fR needs for this config.
.TP
\fBlockward demo\fR
Plan and apply against the embedded emulator, no AWS account needed.
"#;
