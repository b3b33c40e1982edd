//! The step context: what the executor hands a lock kind for one action of one resource, and
//! all a kind's step may do besides its own AWS calls. Journal records around each mutating
//! call (`intent` before, the outcome after), saves of the resource's record, the settling of a
//! call whose outcome is unknown, the once-per-intent sending of a call that is not idempotent,
//! the run's clock, and the proof that the state lock is still the run's before an irreversible
//! or delayed call (DESIGN.md section 5). A kind reaches the executor only through this type.

use std::sync::atomic::Ordering;

use jiff::Timestamp;
use serde_json::{json, Map, Value};

use crate::aws::AwsError;
use crate::plan::{ActionKind, Effect, Reversibility};
use crate::state::{Record, StateFile};
use crate::vocabulary::{Address, Target};

use super::commit::Queued;
use super::executor::{lock, Executor, FatalError, Run, LOCK_LOST, UNRECORDED};
pub use super::journal::Phase;
use super::journal::{JournalAction, JournalRecord};

/// How to tell, after a failure whose outcome is unknown, whether a call took effect.
pub struct Recheck<'a, F> {
    /// An error code that, besides ambiguous failures, may hide a call that took effect.
    pub also_on: Option<&'a str>,
    /// What the re-read found when it did, for the journal.
    pub found: &'a str,
    /// The next step to suggest when it did not.
    pub hint: &'a str,
    /// Reads the live state again: true when the call took effect.
    pub took_effect: F,
}

/// Wire attempts of a call that only a throttling answer may repeat.
const THROTTLED_ATTEMPTS: u32 = 6;

/// Why a step failed; the message says what to do next.
pub struct StepError(pub String);

impl From<FatalError> for StepError {
    fn from(e: FatalError) -> Self {
        StepError(e.0)
    }
}

/// One resource's step: journaling and state updates around the calls.
pub struct Step<'e, 'r> {
    pub(super) exec: &'e Executor<'e>,
    pub(super) run: &'r Run<'r>,
    pub(super) address: &'r Address,
    pub(super) provider: &'r str,
    /// Where the plan said the resource lives: every journal record and state record keeps it.
    pub(super) target: &'r Target,
    pub(super) physical_key: &'r str,
    /// The live value the plan decided this action from (what the approval saw).
    pub(super) live: &'r Value,
    /// The class the plan gave this action, kept in its `intent` record.
    pub(super) reversibility: Reversibility,
}

impl Step<'_, '_> {
    /// The resource the step acts on.
    pub fn address(&self) -> &Address {
        self.address
    }

    /// Where the plan said the resource lives.
    pub fn target(&self) -> &Target {
        self.target
    }

    /// The live value the plan decided this action from (what the approval saw), as the plan
    /// holds it.
    pub fn live(&self) -> &Value {
        self.live
    }

    /// The run's clock: the time journal records and records the step makes are stamped with.
    pub fn now(&self) -> Timestamp {
        (self.exec.clock)()
    }

    /// The directory the config file is in, which relative paths in it are relative to.
    pub fn config_dir(&self) -> &std::path::Path {
        &self.exec.config.dir
    }

    /// This resource's record in the run's state, as the steps have left it so far.
    pub fn recorded(&self) -> Option<Record> {
        lock(&self.run.state).get(self.address).cloned()
    }

    /// Appends a journal record. An `intent`, `failed` or `recovered` is durable (fsynced, or
    /// in S3) before this returns; a `done`, which follows the state save that recorded the
    /// outcome, is queued in order and made durable before the run ends. A journal that
    /// cannot be written stops everything.
    pub async fn journal(
        &self,
        action: ActionKind,
        phase: Phase,
        detail: Value,
    ) -> Result<(), FatalError> {
        let effect = (phase == Phase::Failed).then_some(Effect::Unknown);
        let detail = if phase == Phase::Intent {
            self.before_call(action, detail).await?
        } else {
            detail
        };
        self.write_journal(action.into(), phase, effect, detail)
            .await
    }

    /// What comes before a mutating call's `intent` (DESIGN.md sections 5.9 and 5.10): for an
    /// irreversible call, the state saved with the attempt pending (one write for every
    /// attempt waiting at once); for it and for a delayed call, proof that the state lock is
    /// still this run's. A run that lost its lock starts nothing more. Returns the intent's
    /// detail, naming the pending attempt.
    async fn before_call(&self, action: ActionKind, detail: Value) -> Result<Value, FatalError> {
        if self.run.lock_lost.load(Ordering::SeqCst) {
            return Err(FatalError(LOCK_LOST.to_string()));
        }
        let mut detail = detail;
        if self.reversibility == Reversibility::Irreversible {
            let id = uuid::Uuid::new_v4().to_string();
            {
                let mut state = lock(&self.run.state);
                let run = self.exec.store.run().lock_id.clone();
                state.attempts.push(crate::state::PendingAttempt {
                    id: id.clone(),
                    address: self.address.clone(),
                    action,
                    plan_digest: self.run.plan_digest.to_string(),
                    at: (self.exec.clock)(),
                    target: self.target.clone(),
                    run,
                });
            }
            self.run
                .saves
                .commit(())
                .await
                .map_err(|e| self.fatal(format!("could not save the state file: {e}")))?;
            lock(&self.run.open_attempts).insert((self.address.clone(), action), id.clone());
            if let Value::Object(map) = &mut detail {
                map.insert("attempt".into(), Value::String(id));
            }
        }
        if self.reversibility != Reversibility::Reversible {
            if let Err(e) = self.run.proofs.commit(()).await {
                self.run.stop.store(true, Ordering::SeqCst);
                if e == LOCK_LOST {
                    self.run.lock_lost.store(true, Ordering::SeqCst);
                }
                return Err(FatalError(format!(
                    "{} not attempted: {e}",
                    action.as_str()
                )));
            }
        }
        Ok(detail)
    }

    /// Sends a `done` record to the journal now, without waiting for it: for a record that is
    /// the second home of what a state save beside it records, which must never wait behind
    /// that save. Pass the handle to [`Step::wait_at_the_end`] (the save succeeded) or
    /// [`Step::wait_for`] (it did not, so the record is the only home).
    pub fn journal_sent(&self, action: ActionKind, detail: Value) -> Result<Queued, FatalError> {
        let record = self.record(action.into(), Phase::Done, None, detail);
        let settles = lock(&self.run.open_attempts).remove(&(self.address.clone(), action));
        let queued = self
            .run
            .journal
            .enqueue(record)
            .map_err(|e| self.fatal(format!("could not write the journal: {e}")))?;
        self.run.leave_critical(self.address);
        if let Some(id) = settles {
            lock(&self.run.settled_attempts).push(id);
        }
        Ok(queued)
    }

    /// The run waits for `sent` before it ends, as for every queued `done`.
    pub fn wait_at_the_end(&self, sent: Queued) {
        lock(&self.run.settled).push((sent, "could not write the journal"));
    }

    /// Waits until `sent` is durable.
    pub async fn wait_for(&self, sent: Queued) -> Result<(), FatalError> {
        sent.wait()
            .await
            .map_err(|e| self.fatal(format!("could not write the journal: {e}")))
    }

    fn record(
        &self,
        action: JournalAction,
        phase: Phase,
        effect: Option<Effect>,
        detail: Value,
    ) -> JournalRecord {
        let mut map = match detail {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        map.insert("provider".into(), Value::String(self.provider.to_string()));
        if phase == Phase::Intent {
            map.insert(
                "reversibility".into(),
                Value::String(self.reversibility.as_str().to_string()),
            );
        }
        let mut record = JournalRecord::new(
            (self.exec.clock)(),
            self.address.clone(),
            action,
            phase,
            map,
        );
        record.plan_digest = Some(self.run.plan_digest.to_string());
        record.caller = self.run.identities.get(self.provider).cloned();
        record.target = Some(self.target.clone());
        record.effect = effect;
        record.approval = self.exec.approval;
        record.reason = self.exec.reason.map(str::to_string);
        // The intent forgets an id noted before it; its outcome takes the call's.
        let request_id = crate::aws::request_id::take();
        if phase != Phase::Intent {
            record.request_id = request_id;
        }
        record
    }

    pub(super) async fn write_journal(
        &self,
        action: JournalAction,
        phase: Phase,
        effect: Option<Effect>,
        detail: Value,
    ) -> Result<(), FatalError> {
        let record = self.record(action, phase, effect, detail);
        // The record that settles a pending attempt: the state may drop it once this record
        // is durable (at the end of the run, after every queued record is).
        let settles = match action {
            JournalAction::Api(kind) if phase.settles_intent() => {
                lock(&self.run.open_attempts).remove(&(self.address.clone(), kind))
            }
            _ => None,
        };
        // From the intent on, a second signal waits for this step's outcome record.
        if phase == Phase::Intent {
            self.run.enter_critical(self.address);
        }
        let written = self.append(record, phase).await;
        if phase != Phase::Intent {
            self.run.leave_critical(self.address);
        }
        if let (Ok(()), Some(id)) = (&written, settles) {
            lock(&self.run.settled_attempts).push(id);
        }
        written
    }

    async fn append(&self, record: JournalRecord, phase: Phase) -> Result<(), FatalError> {
        if phase == Phase::Done {
            // A `done` follows the state save that recorded the outcome, so nothing depends on
            // it being on disk before the next step: it is queued in order (every later record
            // is flushed after it) and the run waits for it before it ends.
            let queued = self
                .run
                .journal
                .enqueue(record)
                .map_err(|e| self.fatal(format!("could not write the journal: {e}")))?;
            lock(&self.run.settled).push((queued, "could not write the journal"));
            return Ok(());
        }
        self.run
            .journal
            .commit(record)
            .await
            .map_err(|e| self.fatal(format!("could not write the journal: {e}")))
    }

    /// Sends a call that is not idempotent (InitiateVaultLock, GetJobUnlockCode): one wire
    /// attempt per fsynced `intent` (the SDK's retries are off for it). Only a throttling
    /// answer, which proves AWS did nothing, is journaled `failed` with `effect: none` and
    /// followed by a new intent and one more attempt, a few times with a growing pause; any
    /// other answer is returned for the caller to settle.
    pub async fn once_per_intent<T, F, Fut>(
        &self,
        action: ActionKind,
        detail: Value,
        mut call: F,
    ) -> Result<Result<T, AwsError>, FatalError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, AwsError>>,
    {
        let mut pause = std::time::Duration::from_millis(100);
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.journal(action, Phase::Intent, detail.clone()).await?;
            match call().await {
                Err(e) if e.is_throttling() && attempt < THROTTLED_ATTEMPTS => {
                    let detail = json!({"error": e.to_string(), "code": e.code, "note": "throttled: AWS did not perform the call; sending it again"});
                    self.write_journal(action.into(), Phase::Failed, Some(Effect::None), detail)
                        .await?;
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_secs(5));
                }
                other => return Ok(other),
            }
        }
    }

    /// A call that took effect, whose result neither the state nor the journal could hold:
    /// the run stops with `what` (which names the lock id, not a secret) as its message.
    pub fn unrecorded(&self, what: String) -> StepError {
        let message = format!("{UNRECORDED}: {what}");
        self.run.stop.store(true, Ordering::SeqCst);
        *lock(&self.run.fatal) = Some(FatalError(message.clone()));
        StepError(message)
    }

    fn fatal(&self, message: String) -> FatalError {
        self.run.stop.store(true, Ordering::SeqCst);
        let error = FatalError(message.clone());
        lock(&self.run.fatal).get_or_insert(FatalError(message));
        error
    }

    /// Updates this resource's record and queues a save without waiting for it: for a detail
    /// added to a record that is already durable (every later save holds it too), made durable
    /// before the run ends.
    pub fn save_queued(&self, update: impl FnOnce(&mut StateFile)) -> Result<(), FatalError> {
        {
            let mut state = lock(&self.run.state);
            update(&mut state);
            if let Some(record) = state.resources.get_mut(&self.address.to_string()) {
                record.locate(self.target, self.physical_key);
            }
        }
        let queued = self
            .run
            .saves
            .enqueue(())
            .map_err(|e| self.fatal(format!("could not save the state file: {e}")))?;
        lock(&self.run.settled).push((queued, "could not save the state file"));
        Ok(())
    }

    /// Updates this resource's record and waits until the state file holding it is on disk.
    pub async fn save(&self, update: impl FnOnce(&mut StateFile)) -> Result<(), FatalError> {
        {
            let mut state = lock(&self.run.state);
            update(&mut state);
            if let Some(record) = state.resources.get_mut(&self.address.to_string()) {
                record.locate(self.target, self.physical_key);
            }
        }
        self.run
            .saves
            .commit(())
            .await
            .map_err(|e| self.fatal(format!("could not save the state file: {e}")))
    }

    /// Journals a failed call with its effect: `none` only when AWS's answer proves the call
    /// did nothing, else `unknown`.
    pub async fn failed(&self, action: ActionKind, error: &AwsError, next: &str) -> StepError {
        let detail = json!({"error": error.to_string(), "code": error.code});
        let effect = if error.proves_no_effect() {
            Effect::None
        } else {
            Effect::Unknown
        };
        if let Err(fatal) = self
            .write_journal(action.into(), Phase::Failed, Some(effect), detail)
            .await
        {
            return fatal.into();
        }
        let unknown = if error.is_ambiguous() {
            " (the outcome is unknown: the call may have taken effect)"
        } else {
            ""
        };
        StepError(format!(
            "{} failed: {error}{unknown}\nhint: {next}",
            action.as_str()
        ))
    }

    /// Settles a mutating call's result: success goes on; after a failure whose outcome is
    /// unknown (ambiguous, or `recheck.also_on`), the live state is read again and the call
    /// counts as done, journaled `recovered`, when it shows the call took effect; any other
    /// failure is journaled `failed` and stops the step.
    pub async fn settle<F, Fut>(
        &self,
        action: ActionKind,
        result: Result<(), AwsError>,
        recheck: Recheck<'_, F>,
    ) -> Result<(), StepError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let e = match result {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        if !(e.is_ambiguous() || recheck.also_on.is_some_and(|code| e.has_code(code))) {
            return Err(self
                .failed(action, &e, "fix the cause above and run apply again")
                .await);
        }
        if !(recheck.took_effect)().await {
            return Err(self.failed(action, &e, recheck.hint).await);
        }
        let detail = json!({"found": recheck.found, "error": e.to_string()});
        self.journal(action, Phase::Recovered, detail).await?;
        Ok(())
    }
}
