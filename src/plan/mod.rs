//! Plans: the model and the pure planner.

pub mod model;

pub use model::*;
