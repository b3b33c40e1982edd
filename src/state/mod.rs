//! The state file: model, and its store (atomic writes, backup, lock).

pub(crate) mod durable;
pub mod lock;
pub mod model;
pub mod store;

pub use lock::{LockError, LockHolder, StateLock};
pub use model::*;
pub use store::{StateError, StateStore};
