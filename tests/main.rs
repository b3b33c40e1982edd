//! lockward integration tests: one binary, one module per area.

mod apply;
mod plan;
mod render;
mod smoke;
mod support;
mod validate;
