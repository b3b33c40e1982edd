//! lockward integration tests: one binary, one module per area.

mod apply;
mod render;
mod smoke;
mod support;
mod validate;
