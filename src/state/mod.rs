//! The state: model, and its backends: the local file (atomic writes, backup, lock) and S3.

pub mod backend;
pub(crate) mod durable;
pub mod lock;
pub mod model;
pub mod s3;
pub mod store;

pub use backend::{BackendError, BackendTarget, HeldLock, RunJournal, StateBackend, StateWriter};
pub use lock::{LockError, LockHolder, StateLock};
pub use model::*;
pub use store::{StateError, StateStore};
