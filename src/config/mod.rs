//! The configuration file: loading, validation and the typed desired state.
//!
//! [`load`] is the one entry point the commands use: it reads the file, checks it in two
//! stages (the raw values without I/O, then the resolved form, which reads policy files) and
//! returns either a [`Config`] or a [`ConfigError`] holding every problem found.

mod de;
pub mod error;
mod expand;
pub mod load;
pub mod model;
pub mod policy;
pub mod raw;
mod templates;
pub mod validate;
pub(crate) mod yaml;

pub use error::{ConfigError, Diagnostic, Snippet};
pub use load::{
    default_state_path, load, load_str, load_str_with_state, load_with_policy_files,
    load_with_state, DEFAULT_STATE_FILE, MAX_CONFIG_BYTES, MAX_POLICY_FILE_BYTES,
};
pub use model::*;
pub use raw::schema;
