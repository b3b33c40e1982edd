//! One thin file per subcommand: build options, call the library, print.

pub mod validate;
