//! The command line, as clap types. Checks only what the user typed; everything that needs a
//! file or the network happens in `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Declarative, reviewable management of AWS locks that cannot be taken back.
#[derive(Debug, Parser)]
#[command(name = "lockward", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a config file without touching AWS.
    Validate(ValidateArgs),
}

#[derive(Debug, Args)]
pub struct ConfigArg {
    /// The config file.
    #[arg(short = 'c', long = "config", value_name = "FILE", default_value = "lockward.yaml")]
    pub config: PathBuf,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub config: ConfigArg,
}
