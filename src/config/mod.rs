//! The configuration file: loading, validation and the typed desired state.

pub mod model;

pub use model::*;
