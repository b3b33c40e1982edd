//! The AWS request id of each mutating call, for the journal's `done`, `failed` and `recovered`
//! records (DESIGN.md section 4, "The report"): what finds the call in CloudTrail.
//!
//! A kind's SDK adapter passes the answer of each of its mutating calls through
//! [`Noted::noted`]; the executor runs each step inside [`collecting`], and the step's journal
//! records take the last id noted since the step's `intent` ([`take`]). Reads are never noted,
//! so a re-read after a lost answer never lends its id to the call it checks. Outside a step
//! (a read, the in-memory fake) nothing is kept.

use std::future::Future;
use std::sync::{Arc, Mutex};

tokio::task_local! {
    static SEEN: Arc<Mutex<Option<String>>>;
}

/// Runs `step` keeping the request ids its mutating calls note.
pub async fn collecting<F: Future>(step: F) -> F::Output {
    SEEN.scope(Arc::new(Mutex::new(None)), step).await
}

/// The id noted since the last `take`, if any, forgotten once taken.
pub fn take() -> Option<String> {
    SEEN.try_with(|seen| seen.lock().ok().and_then(|mut s| s.take()))
        .ok()
        .flatten()
}

/// Keeps `id` as the request id of the mutating call just answered (for a client that is not
/// the SDK's: see [`Noted`] for those).
pub(crate) fn note_id(id: &str) {
    note(Some(id));
}

fn note(id: Option<&str>) {
    let Some(id) = id.filter(|id| !id.is_empty()) else {
        return;
    };
    let _ = SEEN.try_with(|seen| {
        if let Ok(mut s) = seen.lock() {
            *s = Some(id.to_string());
        }
    });
}

/// An SDK answer (an output, an error, or the result of a send) whose request id the step
/// keeps: only for mutating calls.
pub trait Noted: Sized {
    fn noted(self) -> Self;
}

impl<R: aws_types::request_id::RequestId> Noted for R {
    fn noted(self) -> Self {
        note(self.request_id());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_id_is_kept_only_inside_a_step_and_taken_once() {
        note(Some("outside"));
        assert_eq!(take(), None);
        collecting(async {
            assert_eq!(take(), None);
            note(Some("first"));
            note(Some("second"));
            assert_eq!(take().as_deref(), Some("second"));
            assert_eq!(take(), None);
            note(None);
            assert_eq!(take(), None);
        })
        .await;
    }
}
