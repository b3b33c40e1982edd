//! lockward: declarative, reviewable management of AWS locks that cannot be taken back.
//!
//! The flow is `config` (desired) -> `refresh` (live) -> `plan` (a pure value) -> `render`
//! or `apply`. See DESIGN.md for the contract and README.md for the user's view.

#![warn(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::dbg_macro,
    clippy::unwrap_used
)]

pub mod apply;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod config;
pub mod digest;
pub mod environment;
pub mod files;
pub mod iam;
pub mod import;
pub mod kinds;
pub mod output;
pub mod plan;
pub mod planfile;
pub mod project;
pub mod refresh;
pub mod render;
pub mod report;
pub mod select;
pub mod state;
pub mod vocabulary;
pub mod words;
