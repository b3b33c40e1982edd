//! One thin file per subcommand: build options, call the library, print.

pub mod apply;
pub mod demo;
pub mod plan;
pub mod project;
pub mod show;
pub mod validate;
