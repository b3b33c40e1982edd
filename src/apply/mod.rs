//! Applying a plan: confirmation, the preflight, the executor, the step context it hands each
//! kind, and the journal of mutating calls.

pub mod commit;
pub mod confirm;
pub mod executor;
pub mod interrupt;
pub mod journal;
pub mod preflight;
pub mod run;
pub mod step;
