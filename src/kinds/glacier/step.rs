//! Glacier's actions: InitiateVaultLock, CompleteVaultLock, AbortVaultLock, journaled and
//! recorded by the generic executor.

use serde_json::json;

use crate::apply::step::{Phase, Recheck, Step, StepError};
use crate::config::Policy;
use crate::plan::ActionKind;
use crate::state::Record;

use super::{GlacierApi, GlacierDesired, GlacierRecord};

pub(crate) async fn initiate(
    step: &Step<'_, '_>,
    d: &GlacierDesired,
    g: &dyn GlacierApi,
    may_recover: bool,
) -> Result<String, StepError> {
    let action = ActionKind::INITIATE_LOCK;
    let policy_digest = d.policy.digest();
    let sent = step
        .once_per_intent(
            action,
            json!({"vault": d.vault, "policy_digest": policy_digest}),
            || g.initiate_vault_lock(&d.account_id, &d.vault, d.policy.canonical()),
        )
        .await?;
    match sent {
        Ok(lock_id) => {
            // The lock id first of all: it is returned only now, and never again.
            let mut record = GlacierRecord {
                vault: d.vault.clone(),
                lock_id: lock_id.clone(),
                initiated_at: None,
                policy_digest: policy_digest.clone(),
                completed_at: None,
                target: None,
                physical_key: None,
            };
            // The state write and the lock id's second home, the journal's `done` record
            // (with the CreationDate AWS reports, read meanwhile), go out together: a state
            // write that hangs or fails never holds the journal record back, so the id is
            // in one of them whatever happens to the other (or to the process). The step
            // waits for the record only when the state write failed: otherwise the run
            // waits for it before it ends, and the steps go on.
            let save =
                step.save(|s| s.set(step.address(), Record::GlacierVaultLock(record.clone())));
            let journal = async {
                let created = match g.get_vault_lock(&d.account_id, &d.vault).await {
                    Ok(Some(lock)) if Policy::parse(&lock.policy).is_ok_and(|p| p == d.policy) => {
                        Some(lock.created)
                    }
                    _ => None,
                };
                let detail = json!({"vault": d.vault, "lock_id": lock_id, "policy_digest": policy_digest, "created": created.map(|t| t.to_string())});
                (step.journal_sent(action, detail), created)
            };
            let (saved, (sent, created)) = futures::join!(save, journal);
            let journaled = match (sent, &saved) {
                (Ok(sent), Ok(())) => {
                    step.wait_at_the_end(sent);
                    Ok(())
                }
                (Ok(sent), Err(_)) => step.wait_for(sent).await,
                (Err(e), _) => Err(e),
            };
            let saved = match (saved, created) {
                (Ok(()), Some(_)) => {
                    // The lock id is on disk already; its CreationDate rides with the
                    // next save (every later save holds it) and is durable before the run
                    // ends.
                    record.initiated_at = created;
                    step.save_queued(|s| s.set(step.address(), Record::GlacierVaultLock(record)))
                }
                (other, _) => other,
            };
            if let (Err(state), Err(journal)) = (&saved, &journaled) {
                return Err(step.unrecorded(format!(
                    "lock id {lock_id} of vault {}\n{state}\n{journal}",
                    d.vault
                )));
            }
            journaled?;
            saved?;
            Ok(match created {
                Some(t) => format!(
                    "lock id recorded; InProgress since {}, expires 24 h later",
                    crate::words::when(t)
                ),
                None => "lock id recorded (its CreationDate could not be read back; the next plan will re-check it)".into(),
            })
        }
        Err(e) if e.is_ambiguous() => {
            // The lock may have gone InProgress without its id reaching us. Look before
            // deciding anything.
            let detail =
                json!({"error": e.to_string(), "note": "outcome unknown; re-reading the vault"});
            step.journal(action, Phase::Failed, detail).await?;
            match g.get_vault_lock(&d.account_id, &d.vault).await {
                // Only a lock in progress with the policy sent can be this initiation's
                // (a vault has one lock at most, and initiate_lock runs on a vault with
                // none): another lock is not lockward's to abort.
                Ok(Some(lock))
                    if lock.state == "InProgress"
                        && Policy::parse(&lock.policy).is_ok_and(|p| p == d.policy)
                        && may_recover =>
                {
                    step.journal(
                        action,
                        Phase::Recovered,
                        json!({"found": "a lock InProgress whose id never reached lockward", "created": lock.created.to_string(), "next": "abort it and initiate again"}),
                    ).await?;
                    abort(step, d, g).await?;
                    Box::pin(initiate(step, d, g, false)).await
                }
                Ok(None) if may_recover => {
                    step.journal(action, Phase::Recovered, json!({"found": "no lock: the initiation did not happen", "next": "initiate again"})).await?;
                    Box::pin(initiate(step, d, g, false)).await
                }
                Ok(found) => Err(StepError(format!(
                    "initiate_lock's outcome was unknown ({e}) and the vault now shows {}\nhint: run `lockward plan` to see the vault's state; apply again converges",
                    found.map(|l| l.state).unwrap_or_else(|| "no lock".into())
                ))),
                Err(read) => Err(StepError(format!(
                    "initiate_lock's outcome is unknown ({e}) and the vault could not be read again ({read})\nhint: run `lockward plan` when AWS answers again: a lock left InProgress without its id is aborted and initiated again"
                ))),
            }
        }
        Err(e) => Err(step
            .failed(action, &e, "fix the cause above and run apply again")
            .await),
    }
}

pub(crate) async fn complete(
    step: &Step<'_, '_>,
    d: &GlacierDesired,
    g: &dyn GlacierApi,
) -> Result<String, StepError> {
    let action = ActionKind::COMPLETE_LOCK;
    let record = step.recorded();
    let record = record.as_ref().and_then(Record::glacier).cloned();
    let Some(record) = record.filter(|r| r.policy_digest == d.policy.digest()) else {
        return Err(StepError(
            "complete_lock refused: the state file holds no lock id for a lock with the desired policy\nhint: run `lockward plan`".into(),
        ));
    };
    // Re-read the vault right before the irreversible call: complete only the lock that
    // holds exactly the desired policy and is the one whose id lockward recorded.
    let live = g.get_vault_lock(&d.account_id, &d.vault).await.map_err(|e| {
        StepError(format!("complete_lock not attempted: the vault could not be re-read first ({e})\nhint: run apply again"))
    })?;
    let ok = match &live {
        Some(lock) => {
            lock.state == "InProgress"
                && Policy::parse(&lock.policy).is_ok_and(|p| p == d.policy)
                && record.initiated_at.is_none_or(|t| t == lock.created)
        }
        None => false,
    };
    if !ok {
        return Err(StepError(
            "complete_lock refused: the vault's lock is no longer the InProgress lock with the desired policy that lockward initiated\nhint: run `lockward plan` to see what changed".into(),
        ));
    }
    step.journal(
        action,
        Phase::Intent,
        json!({"vault": d.vault, "lock_id": record.lock_id, "policy_digest": record.policy_digest}),
    )
    .await?;
    let result = g
        .complete_vault_lock(&d.account_id, &d.vault, &record.lock_id)
        .await;
    step.settle(action, result, Recheck {
        also_on: None,
        found: "the vault is Locked with the desired policy",
        hint: "run `lockward plan`; apply again completes the lock if it is still InProgress",
        took_effect: || async {
            matches!(
                g.get_vault_lock(&d.account_id, &d.vault).await,
                Ok(Some(lock)) if lock.state == "Locked" && Policy::parse(&lock.policy).is_ok_and(|p| p == d.policy)
            )
        },
    })
    .await?;
    let now = step.now();
    let mut done = record;
    done.completed_at = Some(now);
    step.save(|s| s.set(step.address(), Record::GlacierVaultLock(done)))
        .await?;
    step.journal(action, Phase::Done, json!({"vault": d.vault}))
        .await?;
    Ok("the vault lock is now permanent".into())
}

pub(crate) async fn abort(
    step: &Step<'_, '_>,
    d: &GlacierDesired,
    g: &dyn GlacierApi,
) -> Result<String, StepError> {
    let action = ActionKind::ABORT_LOCK;
    step.journal(action, Phase::Intent, json!({"vault": d.vault}))
        .await?;
    let result = g.abort_vault_lock(&d.account_id, &d.vault).await;
    step.settle(
        action,
        result,
        Recheck {
            also_on: None,
            found: "no lock",
            hint: "run apply again",
            took_effect: || async {
                matches!(g.get_vault_lock(&d.account_id, &d.vault).await, Ok(None))
            },
        },
    )
    .await?;
    step.save(|s| {
        s.resources.remove(&step.address().to_string());
    })
    .await?;
    step.journal(action, Phase::Done, json!({"vault": d.vault}))
        .await?;
    Ok("the lock in progress was aborted".into())
}
