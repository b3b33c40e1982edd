//! lockward integration tests: one binary, one module per area.

mod apply;
mod approval;
mod discovery;
mod fuzz;
mod hints;
mod hostile;
mod messages;
mod plan;
mod plan_out;
mod providers;
mod render;
mod report;
mod secrets;
mod smoke;
mod soak;
mod support;
mod validate;
mod working_dir;
