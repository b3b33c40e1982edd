//! The compliance report (`lockward report`): per declared resource the intent, the live state,
//! what lockward recorded doing and a verdict; and the locks nobody declared.
//!
//! [`discover`] reads AWS (read-only); [`build`] decides everything from values; the renderers
//! in `crate::render` put the [`Report`] into words.

pub mod build;
pub mod discover;
pub mod model;

pub use build::{build, Inputs};
pub use model::*;
