//! Group commit: many concurrent steps share one durable write.
//!
//! A step hands its item to [`GroupCommit::commit`] and waits until a flush that includes it
//! has returned. The flusher takes every item waiting at that moment and makes them durable
//! with one call (one fsync), so N concurrent steps cost about one write instead of N, and no
//! step goes on before what it recorded is on disk.

use tokio::sync::{mpsc, oneshot};

type Reply = oneshot::Sender<Result<(), String>>;

/// A handle to a flusher task. Cloning shares the flusher.
#[derive(Clone)]
pub struct GroupCommit<T> {
    tx: mpsc::UnboundedSender<(T, Reply)>,
}

impl<T: Send + 'static> GroupCommit<T> {
    /// Starts the flusher on the current tokio runtime. `flush` runs on a blocking thread with
    /// every item waiting at that moment, in the order they were committed; its error is given
    /// to each of those items' callers.
    pub fn spawn<F>(flush: F) -> GroupCommit<T>
    where
        F: FnMut(Vec<T>) -> Result<(), String> + Send + 'static,
    {
        let (tx, mut rx) = mpsc::unbounded_channel::<(T, Reply)>();
        tokio::spawn(async move {
            let mut flush = Some(flush);
            while let Some(first) = rx.recv().await {
                let mut items = vec![first];
                while let Ok(more) = rx.try_recv() {
                    items.push(more);
                }
                let (batch, replies): (Vec<T>, Vec<Reply>) = items.into_iter().unzip();
                let Some(mut f) = flush.take() else { break };
                let joined = tokio::task::spawn_blocking(move || {
                    let result = f(batch);
                    (f, result)
                })
                .await;
                let result = match joined {
                    Ok((f, result)) => {
                        flush = Some(f);
                        result
                    }
                    // A panic in the flush is a runtime failure no type rules out.
                    Err(e) => Err(format!("internal error: the durable write panicked ({e}); this is a bug in lockward")),
                };
                for reply in replies {
                    let _ = reply.send(result.clone());
                }
                if flush.is_none() {
                    break;
                }
            }
        });
        GroupCommit { tx }
    }

    /// Commits `item` and waits until it is durable (or its flush failed).
    pub async fn commit(&self, item: T) -> Result<(), String> {
        self.enqueue(item)?.wait().await
    }

    /// Queues `item` now, behind every item committed before it and ahead of every later one,
    /// without waiting for its flush: [`Queued::wait`] says whether it became durable.
    pub fn enqueue(&self, item: T) -> Result<Queued, String> {
        let (reply, done) = oneshot::channel();
        // The writer task lives as long as this handle unless it panicked: a runtime failure.
        self.tx.send((item, reply)).map_err(|_| {
            "internal error: the durable writer stopped; this is a bug in lockward".to_string()
        })?;
        Ok(Queued(done))
    }
}

/// An item queued for a flush.
pub struct Queued(oneshot::Receiver<Result<(), String>>);

impl Queued {
    /// Waits until the item is durable (or its flush failed).
    pub async fn wait(self) -> Result<(), String> {
        self.0.await.map_err(|_| {
            "internal error: the durable writer stopped; this is a bug in lockward".to_string()
        })?
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn items_waiting_during_a_flush_share_the_next_one() {
        let flushed: Arc<Mutex<Vec<Vec<u32>>>> = Arc::default();
        let log = flushed.clone();
        let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let gc = GroupCommit::spawn(move |batch: Vec<u32>| {
            if batch == [0] {
                started_tx.send(()).unwrap();
                release_rx.recv().unwrap();
            }
            log.lock().unwrap().push(batch);
            Ok(())
        });
        let first = tokio::spawn({
            let gc = gc.clone();
            async move { gc.commit(0).await }
        });
        // The flusher holds item 0 and is blocked: queue ten more, then let it go on.
        tokio::task::spawn_blocking(move || started_rx.recv().unwrap())
            .await
            .unwrap();
        let waiting: Vec<_> = (1..=10u32)
            .map(|i| {
                let (reply, done) = oneshot::channel();
                gc.tx.send((i, reply)).unwrap();
                done
            })
            .collect();
        release_tx.send(()).unwrap();
        first.await.unwrap().unwrap();
        for done in waiting {
            done.await.unwrap().unwrap();
        }
        let batches = flushed.lock().unwrap().clone();
        assert_eq!(
            batches,
            vec![vec![0], (1..=10).collect::<Vec<_>>()],
            "one flush for the ten waiting items"
        );
    }

    #[tokio::test]
    async fn a_queued_item_is_flushed_before_every_later_one_and_its_result_is_kept() {
        let flushed: Arc<Mutex<Vec<u32>>> = Arc::default();
        let log = flushed.clone();
        let gc = GroupCommit::spawn(move |batch: Vec<u32>| {
            log.lock().unwrap().extend(batch);
            Ok(())
        });
        let queued = gc.enqueue(1).unwrap();
        gc.commit(2).await.unwrap();
        // Committed after it, 2 is durable only once 1 is.
        assert_eq!(flushed.lock().unwrap().clone(), vec![1, 2]);
        queued.wait().await.unwrap();
        let failing = GroupCommit::spawn(|_batch: Vec<u32>| Err("disk full".to_string()));
        let queued = failing.enqueue(3).unwrap();
        assert_eq!(queued.wait().await, Err("disk full".to_string()));
    }

    #[tokio::test]
    async fn a_failed_flush_reaches_every_caller_in_it() {
        let gc = GroupCommit::spawn(|_batch: Vec<u32>| Err("disk full".to_string()));
        assert_eq!(gc.commit(1).await, Err("disk full".to_string()));
        assert_eq!(gc.commit(2).await, Err("disk full".to_string()));
    }
}
