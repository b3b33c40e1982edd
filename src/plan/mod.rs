//! Plans: the model, the journal history decisions depend on, and the pure planner.

pub mod history;
pub mod model;
pub mod planner;
pub mod words;

pub use history::{Attempt, Effect, History, Unreadable};
pub use model::*;
pub use planner::{physical_key, plan, Live, LiveSnapshot, NotRead, Observed, Recorded};
