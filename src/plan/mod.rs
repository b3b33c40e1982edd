//! Plans: the model and the pure planner.

pub mod model;
pub mod planner;

pub use model::*;
pub use planner::{plan, Live, LiveSnapshot};
