//! One thin file per subcommand: build options, call the library, print.

pub mod apply;
pub mod completions;
pub mod demo;
pub mod import;
pub mod plan;
pub mod report;
pub mod show;
pub mod state;
pub mod validate;
