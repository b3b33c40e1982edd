//! Applying a plan: confirmation, the executor, the journal of mutating calls, and delivery of
//! unlock codes.

pub mod commit;
pub mod confirm;
pub mod deliver;
pub mod executor;
pub mod journal;
pub mod preflight;
