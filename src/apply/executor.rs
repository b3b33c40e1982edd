//! The executor: carries out a plan's ready actions, journaling before and after every mutating
//! call and saving the state after every step, so that a crash or a failure at any point leaves
//! valid files and a plan that converges.
//!
//! Guarantees callers rely on:
//! - every mutating call is preceded by an fsynced `intent` journal record;
//! - a Glacier lock id is saved in the state file before anything else happens after
//!   InitiateVaultLock returns;
//! - after an ambiguous failure (timeout, dropped connection, 5xx) the live state is read again
//!   before anything else is decided;
//! - CompleteVaultLock is called only after re-reading the vault and finding the InProgress lock
//!   holding exactly the desired policy;
//! - GetJobUnlockCode is never repeated within one apply, and the code reaches only the
//!   `deliver_to` file: never the journal, the state, logs or output.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures::stream::{self, StreamExt};
use jiff::Timestamp;
use serde_json::{json, Map, Value};

use crate::aws::{AwsError, CallerIdentity, GlacierApi, ProviderClients};
use crate::config::{
    Config, Desired, GlacierDesired, Policy, RbinDesired, Resource, SnowballDesired,
};
use crate::kinds::Address;
use crate::plan::{Action, ActionKind, ActionStatus, Plan, ResourcePlan};
use crate::plan::{Effect, Reversibility, Target};
use crate::refresh::Clients;
use crate::state::{GlacierRecord, RbinRecord, Record, SnowballRecord, StateFile, StateStore};

use super::commit::GroupCommit;
use super::deliver;
use super::journal::{Journal, JournalAction, JournalRecord, Phase};

/// What happened to one action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionOutcome {
    Done,
    Failed(String),
    /// Not attempted: an earlier failure stopped the apply.
    Skipped,
}

/// A progress event, for a line on stderr.
#[derive(Clone, Debug)]
pub struct Event {
    pub address: Address,
    pub action: ActionKind,
    /// `None` when the action starts.
    pub outcome: Option<ActionOutcome>,
    /// A short, secret-free note (e.g. "lock id recorded").
    pub note: String,
}

/// The result of an apply.
#[derive(Clone, Debug, Default)]
pub struct ApplyReport {
    pub results: Vec<(Address, ActionKind, ActionOutcome)>,
    /// Resources whose record was recovered without a call (see [`crate::plan::Recovery`]).
    pub recovered: Vec<Address>,
}

impl ApplyReport {
    pub fn count(&self, f: impl Fn(&ActionOutcome) -> bool) -> usize {
        self.results.iter().filter(|(_, _, o)| f(o)).count()
    }

    pub fn failed(&self) -> bool {
        self.results
            .iter()
            .any(|(_, _, o)| matches!(o, ActionOutcome::Failed(_)))
    }
}

/// A failure that stops the apply at once: the journal or the state file could not be written.
/// Continuing could lose a lock id, so nothing further is called.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FatalError(pub String);

/// Everything the executor needs; build it in the apply command.
pub struct Executor<'a> {
    pub config: &'a Config,
    pub clients: &'a Clients,
    pub store: &'a StateStore,
    pub journal: &'a Journal,
    pub parallelism: usize,
    /// Who each provider's credentials act as (STS GetCallerIdentity, asked by the preflight),
    /// by provider name, for the journal.
    pub identities: &'a BTreeMap<String, CallerIdentity>,
    /// Timestamps for journal records and completion times (the lock's initiation time is
    /// always the CreationDate AWS reports, never this clock).
    pub clock: &'a (dyn Fn() -> Timestamp + Sync),
    pub on_event: &'a (dyn Fn(&Event) + Sync),
}

/// Shared by the resources running concurrently.
struct Run<'a> {
    state: Arc<Mutex<StateFile>>,
    /// Durable writes, shared by concurrent steps (one fsync for all that wait at once).
    saves: GroupCommit<()>,
    journal: GroupCommit<JournalRecord>,
    stop: AtomicBool,
    identities: BTreeMap<String, Value>,
    plan_digest: &'a str,
    fatal: Mutex<Option<FatalError>>,
}

/// How to tell, after a failure whose outcome is unknown, whether a call took effect.
struct Recheck<'a, F> {
    /// An error code that, besides ambiguous failures, may hide a call that took effect.
    also_on: Option<&'a str>,
    /// What the re-read found when it did, for the journal.
    found: &'a str,
    /// The next step to suggest when it did not.
    hint: &'a str,
    /// Reads the live state again: true when the call took effect.
    took_effect: F,
}

/// Wire attempts of a call that only a throttling answer may repeat.
const THROTTLED_ATTEMPTS: u32 = 6;

/// Why a step failed; the message says what to do next.
struct StepError(String);

impl From<FatalError> for StepError {
    fn from(e: FatalError) -> Self {
        StepError(e.0)
    }
}

impl<'a> Executor<'a> {
    /// Runs every ready action of `plan`: independent resources concurrently (at most
    /// `parallelism`), one resource's actions in order. A failure stops new actions; what
    /// succeeded is kept. Returns the report and the final state, or a fatal error when the
    /// journal or state could not be written (the state on disk is then the last good one).
    pub async fn run(
        &self,
        plan: &Plan,
        state: StateFile,
    ) -> Result<(ApplyReport, StateFile), FatalError> {
        let identities = self
            .identities
            .iter()
            .map(|(p, CallerIdentity { account, arn })| {
                (p.clone(), json!({"account": account, "arn": arn}))
            })
            .collect();
        let state = Arc::new(Mutex::new(state));
        let run = Run {
            saves: state_writer(self.store.clone(), state.clone()),
            journal: journal_writer(self.journal.clone()),
            state: state.clone(),
            stop: AtomicBool::new(false),
            identities,
            plan_digest: &plan.digest,
            fatal: Mutex::new(None),
        };
        let mut report = ApplyReport::default();
        for (rp, recovery) in plan.recoveries() {
            self.recover(rp, recovery, &run).await?;
            report.recovered.push(rp.address.clone());
        }
        let work: Vec<&ResourcePlan> = plan
            .resources
            .iter()
            .filter(|r| r.actions.iter().any(|a| a.status == ActionStatus::Ready))
            .collect();
        let results: Vec<Vec<(Address, ActionKind, ActionOutcome)>> = stream::iter(work)
            .map(|rp| self.run_resource(rp, &run))
            .buffer_unordered(self.parallelism.max(1))
            .collect()
            .await;
        report.results = results.into_iter().flatten().collect();
        report.results.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(fatal) = lock(&run.fatal).take() {
            return Err(fatal);
        }
        drop(run);
        let state = lock(&state).clone();
        Ok((report, state))
    }

    async fn run_resource(
        &self,
        rp: &ResourcePlan,
        run: &Run<'_>,
    ) -> Vec<(Address, ActionKind, ActionOutcome)> {
        let address = &rp.address;
        let ready: Vec<&Action> = rp
            .actions
            .iter()
            .filter(|a| a.status == ActionStatus::Ready)
            .collect();
        let mut results = Vec::new();
        let resource = self.config.resource(address);
        let clients = resource.and_then(|r| self.clients.for_provider(&r.provider));
        for action in ready {
            if run.stop.load(Ordering::SeqCst) {
                results.push((address.clone(), action.action, ActionOutcome::Skipped));
                continue;
            }
            self.event(address, action.action, None, "");
            let outcome = match (resource, clients) {
                (Some(resource), Some(clients)) => {
                    match self.step(rp, resource, clients, action, run).await {
                        Ok(note) => {
                            self.event(address, action.action, Some(ActionOutcome::Done), &note);
                            ActionOutcome::Done
                        }
                        Err(StepError(message)) => {
                            run.stop.store(true, Ordering::SeqCst);
                            self.event(
                                address,
                                action.action,
                                Some(ActionOutcome::Failed(message.clone())),
                                "",
                            );
                            ActionOutcome::Failed(message)
                        }
                    }
                }
                _ => {
                    run.stop.store(true, Ordering::SeqCst);
                    ActionOutcome::Failed(format!(
                        "internal error: {address} is in the plan but not in the config; this is a bug in lockward"
                    ))
                }
            };
            results.push((address.clone(), action.action, outcome));
        }
        results
    }

    fn event(
        &self,
        address: &Address,
        action: ActionKind,
        outcome: Option<ActionOutcome>,
        note: &str,
    ) {
        (self.on_event)(&Event {
            address: address.clone(),
            action,
            outcome,
            note: note.to_string(),
        });
    }

    /// Persists what the plan found without a call: the record goes into the state file (under
    /// this address, moved from its old one), then a `recovered` journal record says so.
    async fn recover(
        &self,
        rp: &ResourcePlan,
        recovery: &crate::plan::Recovery,
        run: &Run<'_>,
    ) -> Result<(), FatalError> {
        let Ok(record) = serde_json::from_value::<Record>(recovery.record.clone()) else {
            return Err(FatalError(format!(
                "internal error: the plan's recovery for {} is not a state record; this is a bug in lockward",
                rp.address
            )));
        };
        let step = Step {
            exec: self,
            run,
            address: &rp.address,
            provider: self
                .config
                .resource(&rp.address)
                .map(|r| r.provider.as_str())
                .unwrap_or_default(),
            target: &rp.target,
            physical_key: &rp.physical_key,
            reversibility: Reversibility::Reversible,
        };
        step.save(|s| {
            if let Some(old) = &recovery.moved_from {
                s.resources.remove(&old.to_string());
            }
            s.set(&rp.address, record);
        })
        .await?;
        let mut detail = json!({"found": recovery.found});
        if let Some(old) = &recovery.moved_from {
            detail["moved_from"] = Value::String(old.to_string());
        }
        step.write_journal(JournalAction::Recover, Phase::Recovered, None, detail)
            .await
    }

    async fn step(
        &self,
        rp: &ResourcePlan,
        resource: &Resource,
        clients: &ProviderClients,
        planned: &Action,
        run: &Run<'_>,
    ) -> Result<String, StepError> {
        let step = Step {
            exec: self,
            run,
            address: &resource.address,
            provider: &resource.provider,
            target: &rp.target,
            physical_key: &rp.physical_key,
            reversibility: planned.reversibility,
        };
        let action = planned.action;
        match (&resource.desired, action) {
            (Desired::GlacierVaultLock(d), ActionKind::InitiateLock) => {
                step.initiate(d, clients.glacier.as_ref(), true).await
            }
            (Desired::GlacierVaultLock(d), ActionKind::CompleteLock) => {
                step.complete(d, clients.glacier.as_ref()).await
            }
            (Desired::GlacierVaultLock(d), ActionKind::AbortLock) => {
                step.abort(d, clients.glacier.as_ref()).await
            }
            (Desired::RbinRuleLock(d), ActionKind::LockRule) => step.lock_rule(d, clients).await,
            (Desired::RbinRuleLock(d), ActionKind::UnlockRule) => {
                step.unlock_rule(d, clients).await
            }
            (Desired::SnowballUnlockCode(d), ActionKind::RetrieveUnlockCode) => {
                step.retrieve(d, clients).await
            }
            (_, action) => Err(StepError(format!(
                "internal error: {} cannot {}; this is a bug in lockward",
                resource.address,
                action.as_str()
            ))),
        }
    }
}

/// Saves the shared state when steps ask, one write for all that wait at once.
fn state_writer(store: StateStore, state: Arc<Mutex<StateFile>>) -> GroupCommit<()> {
    GroupCommit::spawn(move |_waiting: Vec<()>| {
        // Every update of the steps now waiting was applied before they asked for the save.
        let mut snapshot = lock(&state).clone();
        store.save(&mut snapshot).map_err(|e| e.to_string())?;
        let mut shared = lock(&state);
        shared.format_version = snapshot.format_version;
        shared.lineage = snapshot.lineage;
        shared.serial = snapshot.serial;
        Ok(())
    })
}

/// Appends journal records, one fsync for all that wait at once.
fn journal_writer(journal: Journal) -> GroupCommit<JournalRecord> {
    GroupCommit::spawn(move |records: Vec<JournalRecord>| {
        journal.append_all(&records).map_err(|e| e.to_string())
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One resource's step: journaling and state updates around the calls.
struct Step<'e, 'r> {
    exec: &'e Executor<'e>,
    run: &'r Run<'r>,
    address: &'r Address,
    provider: &'r str,
    /// Where the plan said the resource lives: every journal record and state record keeps it.
    target: &'r Target,
    physical_key: &'r str,
    /// The class the plan gave this action, kept in its `intent` record.
    reversibility: Reversibility,
}

impl Step<'_, '_> {
    /// Appends a journal record (fsynced). A journal that cannot be written stops everything.
    async fn journal(
        &self,
        action: ActionKind,
        phase: Phase,
        detail: Value,
    ) -> Result<(), FatalError> {
        let effect = (phase == Phase::Failed).then_some(Effect::Unknown);
        self.write_journal(action.into(), phase, effect, detail)
            .await
    }

    async fn write_journal(
        &self,
        action: JournalAction,
        phase: Phase,
        effect: Option<Effect>,
        detail: Value,
    ) -> Result<(), FatalError> {
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
    async fn once_per_intent<T, F, Fut>(
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

    fn fatal(&self, message: String) -> FatalError {
        self.run.stop.store(true, Ordering::SeqCst);
        let error = FatalError(message.clone());
        lock(&self.run.fatal).get_or_insert(FatalError(message));
        error
    }

    /// Updates this resource's record and waits until the state file holding it is on disk.
    async fn save(&self, update: impl FnOnce(&mut StateFile)) -> Result<(), FatalError> {
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
    async fn failed(&self, action: ActionKind, error: &AwsError, next: &str) -> StepError {
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
    async fn settle<F, Fut>(
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

    async fn initiate(
        &self,
        d: &GlacierDesired,
        g: &dyn GlacierApi,
        may_recover: bool,
    ) -> Result<String, StepError> {
        let action = ActionKind::InitiateLock;
        let policy_digest = d.policy.digest();
        let sent = self
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
                let saved = self
                    .save(|s| s.set(self.address, Record::GlacierVaultLock(record.clone())))
                    .await;
                // The initiation time recorded is the CreationDate AWS reports.
                let created = match g.get_vault_lock(&d.account_id, &d.vault).await {
                    Ok(Some(lock)) if Policy::parse(&lock.policy).is_ok_and(|p| p == d.policy) => {
                        Some(lock.created)
                    }
                    _ => None,
                };
                let saved = match (saved, created) {
                    (Ok(()), Some(_)) => {
                        record.initiated_at = created;
                        self.save(|s| s.set(self.address, Record::GlacierVaultLock(record)))
                            .await
                    }
                    (other, _) => other,
                };
                // The journal is the lock id's second home: written even when the state file
                // could not be, so the next run recovers the id from it.
                self.journal(
                    action,
                    Phase::Done,
                    json!({"vault": d.vault, "lock_id": lock_id, "policy_digest": policy_digest, "created": created.map(|t| t.to_string())}),
                )
                .await?;
                saved?;
                Ok(match created {
                    Some(t) => format!("lock id recorded; InProgress since {t}, expires 24 h later"),
                    None => "lock id recorded (its CreationDate could not be read back; the next plan will re-check it)".into(),
                })
            }
            Err(e) if e.is_ambiguous() => {
                // The lock may have gone InProgress without its id reaching us. Look before
                // deciding anything.
                let detail = json!({"error": e.to_string(), "note": "outcome unknown; re-reading the vault"});
                self.journal(action, Phase::Failed, detail).await?;
                match g.get_vault_lock(&d.account_id, &d.vault).await {
                    Ok(Some(lock)) if lock.state == "InProgress" && may_recover => {
                        self.journal(
                            action,
                            Phase::Recovered,
                            json!({"found": "a lock InProgress whose id never reached lockward", "created": lock.created.to_string(), "next": "abort it and initiate again"}),
                        ).await?;
                        self.abort(d, g).await?;
                        Box::pin(self.initiate(d, g, false)).await
                    }
                    Ok(None) if may_recover => {
                        self.journal(action, Phase::Recovered, json!({"found": "no lock: the initiation did not happen", "next": "initiate again"})).await?;
                        Box::pin(self.initiate(d, g, false)).await
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
            Err(e) => Err(self
                .failed(action, &e, "fix the cause above and run apply again")
                .await),
        }
    }

    async fn complete(&self, d: &GlacierDesired, g: &dyn GlacierApi) -> Result<String, StepError> {
        let action = ActionKind::CompleteLock;
        let record = lock(&self.run.state).glacier(self.address).cloned();
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
        self.journal(action, Phase::Intent, json!({"vault": d.vault, "lock_id": record.lock_id, "policy_digest": record.policy_digest})).await?;
        let result = g
            .complete_vault_lock(&d.account_id, &d.vault, &record.lock_id)
            .await;
        self.settle(action, result, Recheck {
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
        let now = (self.exec.clock)();
        let mut done = record;
        done.completed_at = Some(now);
        self.save(|s| s.set(self.address, Record::GlacierVaultLock(done)))
            .await?;
        self.journal(action, Phase::Done, json!({"vault": d.vault}))
            .await?;
        Ok("the vault lock is now permanent".into())
    }

    async fn abort(&self, d: &GlacierDesired, g: &dyn GlacierApi) -> Result<String, StepError> {
        let action = ActionKind::AbortLock;
        self.journal(action, Phase::Intent, json!({"vault": d.vault}))
            .await?;
        let result = g.abort_vault_lock(&d.account_id, &d.vault).await;
        self.settle(
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
        self.save(|s| {
            s.resources.remove(&self.address.to_string());
        })
        .await?;
        self.journal(action, Phase::Done, json!({"vault": d.vault}))
            .await?;
        Ok("the lock in progress was aborted".into())
    }

    async fn lock_rule(&self, d: &RbinDesired, c: &ProviderClients) -> Result<String, StepError> {
        let action = ActionKind::LockRule;
        let days = d.unlock_delay_days.ok_or_else(|| {
            StepError(
                "internal error: lock_rule without an unlock delay; this is a bug in lockward"
                    .into(),
            )
        })?;
        self.journal(
            action,
            Phase::Intent,
            json!({"rule_id": d.rule_id, "unlock_delay_days": days}),
        )
        .await?;
        let result = c.rbin.lock_rule(&d.rule_id, days).await;
        self.settle(action, result, Recheck {
            also_on: None,
            found: "the rule is locked",
            hint: "run apply again",
            took_effect: || async {
                matches!(c.rbin.get_rule(&d.rule_id).await, Ok(Some(r)) if r.lock_state.as_deref() == Some("locked"))
            },
        })
        .await?;
        let now = (self.exec.clock)();
        let record = RbinRecord {
            rule_id: d.rule_id.clone(),
            unlock_delay_days: Some(days),
            locked_at: Some(now),
            unlock_requested_at: None,
            target: None,
            physical_key: None,
        };
        self.save(|s| s.set(self.address, Record::RbinRuleLock(record)))
            .await?;
        self.journal(action, Phase::Done, json!({"rule_id": d.rule_id}))
            .await?;
        Ok(format!("locked; unlocking it takes {days} days"))
    }

    async fn unlock_rule(&self, d: &RbinDesired, c: &ProviderClients) -> Result<String, StepError> {
        let action = ActionKind::UnlockRule;
        self.journal(action, Phase::Intent, json!({"rule_id": d.rule_id}))
            .await?;
        let result = c.rbin.unlock_rule(&d.rule_id).await;
        self.settle(action, result, Recheck {
            // A ConflictException may answer the SDK's retry of a call whose first attempt took
            // effect (its answer lost): the rule is then already pending unlock. Look.
            also_on: Some("ConflictException"),
            found: "the rule is pending unlock",
            hint: "run apply again",
            took_effect: || async {
                matches!(c.rbin.get_rule(&d.rule_id).await, Ok(Some(r)) if r.lock_state.as_deref() == Some("pending_unlock"))
            },
        })
        .await?;
        let now = (self.exec.clock)();
        self.save(|s| {
            let mut record = s.rbin(self.address).cloned().unwrap_or(RbinRecord {
                rule_id: d.rule_id.clone(),
                unlock_delay_days: None,
                locked_at: None,
                unlock_requested_at: None,
                target: None,
                physical_key: None,
            });
            record.unlock_requested_at = Some(now);
            s.set(self.address, Record::RbinRuleLock(record));
        })
        .await?;
        self.journal(action, Phase::Done, json!({"rule_id": d.rule_id}))
            .await?;
        Ok("unlock requested; the rule stays locked until its unlock delay ends".into())
    }

    async fn retrieve(
        &self,
        d: &SnowballDesired,
        c: &ProviderClients,
    ) -> Result<String, StepError> {
        let action = ActionKind::RetrieveUnlockCode;
        // Prepare the file before the code exists, so a code once disclosed is not lost to a
        // file that cannot be written.
        let pending = deliver::Pending::prepare(&d.deliver_to, &self.exec.config.dir)
            .map_err(|e| StepError(format!("retrieve_unlock_code not attempted: {e}")))?;
        // Never repeated after an answer that may hide a disclosure: every call discloses the
        // code again.
        let sent = self
            .once_per_intent(
                action,
                json!({"job_id": d.job_id, "deliver_to": d.deliver_to}),
                || c.snowball.get_job_unlock_code(&d.job_id),
            )
            .await?;
        let code = match sent {
            Ok(code) => code,
            // AWS may have disclosed the code without it reaching lockward. Say so; never
            // call again on our own.
            Err(e) if e.is_ambiguous() => {
                let detail = json!({"error": e.to_string(), "code": e.code, "note": "outcome unknown: the code may have been disclosed without reaching lockward"});
                self.journal(action, Phase::Failed, detail).await?;
                return Err(StepError(format!(
                    "retrieve_unlock_code's outcome is unknown ({e}): AWS may have disclosed the unlock code, but it never reached lockward, so nothing was written to `{}`\nhint: lockward does not retry this call on its own; the next apply retrieves the code again only after you approve it again",
                    d.deliver_to.display()
                )));
            }
            Err(e) => return Err(self.failed(action, &e, "fix the cause above; the next apply asks for confirmation again before retrieving the code").await),
        };
        let fingerprint = match pending.commit(&code) {
            Ok(fingerprint) => fingerprint,
            Err(e) => {
                let message = format!(
                    "the unlock code was retrieved but could not be written to `{}`: {e}",
                    d.deliver_to.display()
                );
                self.journal(action, Phase::Failed, json!({"error": message}))
                    .await?;
                return Err(StepError(format!(
                    "{message}\nhint: fix the file system problem and apply again (the code will be retrieved again)"
                )));
            }
        };
        let record = SnowballRecord {
            job_id: d.job_id.clone(),
            fingerprint: fingerprint.clone(),
            deliver_to: d.deliver_to.clone(),
            delivered_at: (self.exec.clock)(),
            target: None,
            physical_key: None,
        };
        self.save(|s| s.set(self.address, Record::SnowballUnlockCode(record)))
            .await?;
        self.journal(
            action,
            Phase::Done,
            json!({"job_id": d.job_id, "fingerprint": fingerprint}),
        )
        .await?;
        Ok(format!(
            "delivered to {} (fingerprint {})",
            d.deliver_to.display(),
            short(&fingerprint)
        ))
    }
}

fn short(fingerprint: &str) -> &str {
    let hex = fingerprint.strip_prefix("sha256:").unwrap_or(fingerprint);
    &hex[..hex.len().min(12)]
}
