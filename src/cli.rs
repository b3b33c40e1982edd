//! The command line, as clap types. Checks only what the user typed; everything that needs a
//! file or the network happens in `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use jiff::SignedDuration;

use crate::render::Format;
use crate::vocabulary::Address;

/// Declarative, reviewable management of AWS locks that cannot be taken back.
#[derive(Debug, Parser)]
#[command(name = "lockward", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More detail on stderr: -v what lockward does (and the AWS SDK's warnings), -vv debug
    /// detail, -vvv also the AWS SDK's debug detail.
    #[arg(short = 'v', long = "verbose", global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only errors on stderr: no notes, no progress.
    #[arg(short = 'q', long = "quiet", global = true)]
    pub quiet: bool,
    /// No colour, even on a terminal (as `NO_COLOR` does).
    #[arg(long = "no-color", global = true)]
    pub no_color: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a config file without touching AWS.
    Validate(ValidateArgs),
    /// Read the live lock state and show every transition with how reversible it is.
    Plan(PlanArgs),
    /// Carry out a plan after a confirmation that names each irreversible step.
    Apply(ApplyArgs),
    /// Show a saved plan, or the state file, without touching AWS.
    Show(ShowArgs),
    /// Try lockward against an embedded AWS emulator: no AWS account needed.
    Demo(DemoArgs),
    /// Compliance report for reviewers and auditors: per declared lock the intent, the live
    /// state, what lockward recorded doing, and a verdict; and the locks nobody declared.
    Report(ReportArgs),
    /// Adopt locks that already exist into the state file, without changing anything in AWS.
    Import(ImportArgs),
    /// Release a state lock that a crashed run left in the S3 backend (only with its lock id).
    #[command(name = "force-unlock")]
    ForceUnlock(ForceUnlockArgs),
    /// Work with the state itself: `state push` a state that a failed write left locally.
    State(StateArgs),
    /// Print the least IAM policy this config needs for `plan`, `apply` or `report` (JSON),
    /// e.g. `lockward iam-policy --for plan > plan-role-policy.json`.
    #[command(name = "iam-policy")]
    IamPolicy(IamPolicyArgs),
    /// Print a shell completion script, e.g. `lockward completions bash > /etc/bash_completion.d/lockward`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `lockward man > lockward.1`; with `--dir DIR`, write
    /// one page per command there (`lockward.1`, `lockward-plan.1`, …).
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write one page per command into this directory instead of the top-level page to stdout.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub state: StateArg,
    /// Output format on stdout: markdown, json, html (one self-contained page to print),
    /// sarif (SARIF 2.1.0 for code scanning: each finding at the config line that declares the
    /// resource) or junit (JUnit XML for a CI's test tab: one test case per resource).
    #[arg(long, value_name = "FORMAT", default_value = "markdown", value_parser = report_formats())]
    pub format: crate::render::ReportFormat,
    /// With `--format sarif`: the directory SARIF locations are relative to (`%SRCROOT%`)
    /// [default: the git top level of the config's directory (the nearest directory above it
    /// that holds `.git`), else the config's directory].
    #[arg(long = "sarif-root", value_name = "DIR")]
    pub sarif_root: Option<PathBuf>,
    /// Exit 1 when this verdict occurs (repeatable): `drift` (drift or violation),
    /// `violation`, `unmanaged` (a lock nobody declared, of a kind the config uses),
    /// `undeclared` (a state record the config no longer declares) or `unknown` (a resource
    /// whose live state could not be read).
    #[arg(long = "fail-on", value_name = "VERDICT", value_parser = parse_fail_on)]
    pub fail_on: Vec<crate::report::FailOn>,
    /// Report only what this pattern selects (repeatable; patterns as for `plan --target`):
    /// the rest is neither read nor reported, and the report says how many were left out.
    #[arg(long = "target", value_name = "PATTERN")]
    pub target: Vec<crate::select::Pattern>,
    /// Leave out of the report what this pattern selects (repeatable; patterns as for
    /// --target).
    #[arg(long = "exclude", value_name = "PATTERN")]
    pub exclude: Vec<crate::select::Pattern>,
    /// How many days ahead the report's horizon lists points of no return, expiries and ends
    /// of delays.
    #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub horizon: u32,
    /// How many AWS reads run at once.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub state: StateArg,
    /// The declared resources to adopt: addresses (`glacier_vault_lock.audit`) or patterns as
    /// for `plan --target` (`backup_vault_lock`, `region:eu-west-1`). All or none are imported.
    #[arg(value_name = "PATTERN", required = true)]
    pub patterns: Vec<crate::select::Pattern>,
    #[command(flatten)]
    pub lock_timeout: LockTimeoutArg,
}

/// How long a command waits for another run's state lock.
#[derive(Clone, Debug, Default, Args)]
pub struct LockTimeoutArg {
    /// Wait this long for another run's state lock (e.g. `30s`, `5m`) instead of failing at once.
    #[arg(long = "lock-timeout", value_name = "DURATION", value_parser = parse_duration)]
    pub lock_timeout: Option<SignedDuration>,
}

impl LockTimeoutArg {
    /// The wait; zero (fail at once) when none was given.
    pub fn duration(&self) -> std::time::Duration {
        self.lock_timeout
            .map(|d| std::time::Duration::from_secs_f64(d.as_secs_f64()))
            .unwrap_or_default()
    }
}

#[derive(Debug, Args)]
pub struct ForceUnlockArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// The id of the lock to release, as the refused command named it.
    #[arg(value_name = "LOCK_ID")]
    pub lock_id: String,
}

#[derive(Debug, Args)]
pub struct StateArgs {
    #[command(subcommand)]
    pub command: StateCommand,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// Push a state that a failed write left beside the config
    /// (`lockward.errored.<lock-id>.state.json`) to the S3 backend, under the lock it kept.
    Push(StatePushArgs),
    /// Set aside a journal's unreadable lines (or a run journal the state lists that is
    /// missing), which make plan refuse every irreversible action they may concern: under the
    /// state lock, the state records each line's number and SHA-256, and every irreversible
    /// action of the addresses they may concern counts as attempted with an unknown effect, so
    /// each needs an approval of its own. No AWS call; the journal is left as it is.
    Quarantine(StateQuarantineArgs),
    /// List the records the state keeps: address, what they record, where, and whether the
    /// configuration still declares them. Reads only the state; no AWS call.
    List(StateListArgs),
    /// Forget records (under the state lock, journaled; no AWS call). A record holding a
    /// Glacier lock id, or an address with an attempt whose effect is unknown, is refused:
    /// the one-approval-one-attempt rule depends on them.
    Rm(StateRmArgs),
    /// Move a record to another address of the same kind (under the state lock, journaled;
    /// no AWS call). Refused when the old address has an attempt whose effect is unknown or
    /// the new one has a record or attempts of its own.
    Mv(StateMvArgs),
}

#[derive(Debug, Args)]
pub struct StateListArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub state: StateArg,
}

#[derive(Debug, Args)]
pub struct StateRmArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub state: StateArg,
    /// The addresses whose records to forget.
    #[arg(value_name = "ADDR", required = true)]
    pub addresses: Vec<Address>,
    #[command(flatten)]
    pub lock_timeout: LockTimeoutArg,
}

#[derive(Debug, Args)]
pub struct StateMvArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub state: StateArg,
    /// The address the record is under now.
    #[arg(value_name = "FROM")]
    pub from: Address,
    /// The address to keep it under.
    #[arg(value_name = "TO")]
    pub to: Address,
    #[command(flatten)]
    pub lock_timeout: LockTimeoutArg,
}

#[derive(Debug, Args)]
pub struct StateQuarantineArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub state: StateArg,
    /// The journal the refusal named: the local journal file, or the S3 object's key.
    #[arg(value_name = "JOURNAL")]
    pub journal: PathBuf,
    #[command(flatten)]
    pub lock_timeout: LockTimeoutArg,
}

#[derive(Debug, Args)]
pub struct StatePushArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// The errored state file, e.g. `lockward.errored.<lock-id>.state.json`.
    #[arg(value_name = "ERRORED_STATE_FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub lock_timeout: LockTimeoutArg,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ConfigArg {
    /// The config file.
    #[arg(
        short = 'c',
        long = "config",
        value_name = "FILE",
        default_value = "lockward.yaml"
    )]
    pub config: PathBuf,
}

#[derive(Debug, Args)]
pub struct StateArg {
    /// The state file [default: lockward.state.json beside the config file].
    #[arg(long = "state", value_name = "FILE")]
    pub state: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct IamPolicyArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// The command the policy is for: `plan` reads the declared locks and the state; `apply`
    /// also changes the locks, takes the state lock and writes the state and journal; `report`
    /// also lists the locks nobody declared, for the kinds the config uses.
    #[arg(
        long = "for",
        value_enum,
        value_name = "COMMAND",
        required_unless_present = "trust"
    )]
    pub command: Option<crate::iam::Use>,
    /// The policy of this provider's own identity (for a provider template: the role it
    /// assumes in every member account): the calls made with it, and no others.
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// Print the trust policy of the role `--provider` assumes instead, letting `--principal`
    /// assume it with the external id and session name lockward sends.
    #[arg(long, requires_all = ["provider", "principal"], conflicts_with = "command")]
    pub trust: bool,
    /// Who assumes the role (with `--trust`): the account id or IAM ARN of the credentials
    /// lockward runs with.
    #[arg(long, value_name = "ACCOUNT_OR_ARN", requires = "trust")]
    pub principal: Option<String>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub config: ConfigArg,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub state: StateArg,
    /// Save the plan, to apply exactly it later with `lockward apply PLANFILE`.
    #[arg(long = "out", value_name = "PLANFILE")]
    pub out: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_name = "FORMAT", default_value = "human", value_parser = formats())]
    pub format: Format,
    /// With `--format markdown`: exit 0 (not 1) when the plan is too large for one comment to
    /// name every irreversible action, so its first line says `INCOMPLETE:`.
    #[arg(long = "allow-incomplete")]
    pub allow_incomplete: bool,
    /// Exit 2 when the plan has changes (0: none; 1: an error, a conflict or a resource that
    /// could not be read).
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
    /// Plan only what this pattern selects (repeatable): an address
    /// (`glacier_vault_lock.audit`), a kind (`backup_vault_lock`), `*` for a part
    /// (`*.audit`), `provider:NAME` or `region:NAME`.
    #[arg(long = "target", value_name = "PATTERN")]
    pub target: Vec<crate::select::Pattern>,
    /// Leave out what this pattern selects (repeatable; patterns as for --target), e.g. a
    /// resource whose live state cannot be read, to plan and apply the rest.
    #[arg(long = "exclude", value_name = "PATTERN")]
    pub exclude: Vec<crate::select::Pattern>,
    /// How many AWS reads run at once.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub state: StateArg,
    /// A plan saved by `lockward plan --out`: apply exactly it, refused if anything changed since.
    #[arg(value_name = "PLANFILE")]
    pub plan_file: Option<PathBuf>,
    /// Approve exactly the plan with this digest (in full, or its first 12 hex digits).
    #[arg(long, value_name = "DIGEST", value_parser = parse_approval)]
    pub approve: Option<String>,
    /// Approve without asking, only if every action is reversible.
    #[arg(long = "auto-approve", conflicts_with = "approve")]
    pub auto_approve: bool,
    /// Plan only what this pattern selects (repeatable; as `plan --target`); not with a
    /// PLANFILE, which carries its own resources.
    #[arg(long = "target", value_name = "PATTERN", conflicts_with = "plan_file")]
    pub target: Vec<crate::select::Pattern>,
    /// Leave out what this pattern selects (repeatable; as `plan --exclude`); not with a
    /// PLANFILE.
    #[arg(long = "exclude", value_name = "PATTERN", conflicts_with = "plan_file")]
    pub exclude: Vec<crate::select::Pattern>,
    /// Why this change is made (a ticket, a change reference): kept in every journal record of
    /// the run and shown by `lockward report`; never part of the digest. At most 1,024
    /// characters, no control characters [env: LOCKWARD_REASON].
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// How many resources are read and changed at once.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
    #[command(flatten)]
    pub lock_timeout: LockTimeoutArg,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan saved by `lockward plan --out`; without it, the state file is shown.
    #[arg(value_name = "PLANFILE")]
    pub plan_file: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub state: StateArg,
    /// Output format on stdout.
    #[arg(long, value_name = "FORMAT", default_value = "human", value_parser = formats())]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the demo's config, state and journal [default: a new temporary directory].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `human`, `json` or `markdown`: named in `--help` and in shell completions.
fn formats() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Format::ALL.map(Format::as_str))
        .try_map(|name| name.parse::<Format>())
}

/// The report's formats, named in `--help` and in shell completions.
fn report_formats() -> impl clap::builder::TypedValueParser<Value = crate::render::ReportFormat> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(
        crate::render::ReportFormat::ALL.map(crate::render::ReportFormat::as_str),
    )
    .try_map(|name| name.parse::<crate::render::ReportFormat>())
}

fn parse_duration(text: &str) -> Result<SignedDuration, String> {
    if !text.is_empty() && text.trim().chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(format!(
            "`{text}` has no unit: add one, e.g. {0}s or {0}m",
            text.trim()
        ));
    }
    let d: SignedDuration = text
        .parse()
        .map_err(|e| format!("`{text}` is not a duration such as 30s or 5m: {e}"))?;
    if d.is_negative() {
        return Err(format!("`{text}` is negative"));
    }
    Ok(d)
}

fn parse_fail_on(text: &str) -> Result<crate::report::FailOn, String> {
    text.parse()
}

/// `--approve`: refused before anything is read when it cannot be a plan digest at all.
fn parse_approval(text: &str) -> Result<String, String> {
    let hex = text.trim().strip_prefix("sha256:").unwrap_or(text.trim());
    if (12..=64).contains(&hex.len()) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(text.to_string())
    } else {
        Err(format!(
            "`{text}` is not a plan digest: --approve needs the digest the plan printed \
             (sha256:<64 hex digits>), or at least the first 12 hex digits of it"
        ))
    }
}
