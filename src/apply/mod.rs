//! Applying a plan: the journal of mutating calls.

pub mod journal;
