//! lockward integration tests: one binary, one module per area.

// Tests read their own switches (LOCKWARD_UPDATE_*) and PATH, and the clock for fixtures; the
// boundary clippy.toml draws is for the library.
#![allow(clippy::disallowed_methods)]

mod answers;
mod apply;
mod approval;
mod architecture;
mod attempts;
mod audit;
mod backup;
mod confirmation;
mod discovery;
mod discovery_scopes;
mod docs;
mod ebs;
mod fuzz;
mod hints;
mod hostile;
mod iam;
mod identity;
mod interrupt;
mod lowering;
mod messages;
mod organizations;
mod plan;
mod plan_out;
mod planner;
mod planner_properties;
mod providers;
mod remote_state;
mod render;
mod report;
mod s3;
mod sealed;
mod secrets;
mod selection;
mod smoke;
mod soak;
mod state_commands;
mod support;
mod validate;
mod working_dir;
