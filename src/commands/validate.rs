//! `lockward validate` and `lockward iam-policy`: load and check the config, touching neither
//! AWS nor the state.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{IamPolicyArgs, ValidateArgs};
use crate::config::{self, Config};
use crate::vocabulary::Kind;

/// Prints the summary line on stdout and exits 0, or returns the config's errors (every one
/// found) for `main` to print on stderr with exit code 1.
pub fn run(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let config = config::load(&args.config.config)?;
    writeln!(std::io::stdout().lock(), "{}", summary(&config))?;
    Ok(ExitCode::SUCCESS)
}

/// `lockward iam-policy`: the policy for the config (see [`crate::iam`]), as pretty JSON on
/// stdout. Like `validate`, it touches neither AWS nor the state.
pub fn iam_policy(args: &IamPolicyArgs) -> anyhow::Result<ExitCode> {
    let config = config::load(&args.config.config)?;
    let scope = match &args.provider {
        Some(name) => {
            crate::iam::check_provider(&config, name).map_err(anyhow::Error::msg)?;
            crate::iam::Scope::Provider(name)
        }
        None => crate::iam::Scope::Everything,
    };
    let policy = match (&args.provider, &args.principal) {
        (Some(provider), Some(principal)) if args.trust => {
            crate::iam::trust_policy(&config, provider, principal).map_err(anyhow::Error::msg)?
        }
        _ => crate::iam::policy(
            &config,
            args.command.unwrap_or(crate::iam::Use::Plan),
            scope,
        ),
    };
    writeln!(
        std::io::stdout().lock(),
        "{}",
        serde_json::to_string_pretty(&policy)?
    )?;
    Ok(ExitCode::SUCCESS)
}

/// One line, stable for scripts: the total, then every kind in address order, zeros
/// included: `4 resources: 2 glacier_vault_lock, 1 rbin_rule_lock, 1 snowball_unlock_code`.
/// Only the total takes a plural (`1 resource`); kind names are printed as written in the file.
pub fn summary(config: &Config) -> String {
    let total = config.resources.len();
    let noun = if total == 1 { "resource" } else { "resources" };
    let kinds: Vec<String> = Kind::ALL
        .iter()
        .map(|&k| format!("{} {k}", config.count(k)))
        .collect();
    format!("{total} {noun}: {}", kinds.join(", "))
}
