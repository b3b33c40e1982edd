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

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures::stream::{self, StreamExt};
use jiff::Timestamp;
use serde_json::{json, Value};

use crate::aws::{CallerIdentity, ProviderClients};
use crate::config::{Config, Resource};
use crate::plan::Reversibility;
use crate::plan::{Action, ActionKind, ActionStatus, Plan, ResourcePlan};
use crate::refresh::Clients;
use crate::state::{Record, RunJournal, StateFile, StateWriter};
use crate::vocabulary::Address;

use super::commit::{GroupCommit, Queued};
use super::interrupt::Interrupt;
use super::journal::{JournalAction, JournalRecord, Phase};
use super::step::{Step, StepError};

/// What happened to one action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionOutcome {
    Done,
    Failed(String),
    /// Not attempted: an earlier failure or a signal stopped the apply.
    Skipped,
    /// Started, then dropped by a second signal outside its critical section: before its
    /// mutating call was sent, or after its outcome was in the journal.
    Interrupted,
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
    /// The state, written under the run's lock (a local file or S3).
    pub store: &'a StateWriter,
    pub journal: &'a RunJournal,
    pub parallelism: usize,
    /// Who each provider's credentials act as (STS GetCallerIdentity, asked by the preflight),
    /// by provider name, for the journal.
    pub identities: &'a BTreeMap<String, CallerIdentity>,
    /// Timestamps for journal records and completion times (the lock's initiation time is
    /// always the CreationDate AWS reports, never this clock).
    pub clock: &'a (dyn Fn() -> Timestamp + Sync),
    pub on_event: &'a (dyn Fn(&Event) + Sync),
    /// SIGINT/SIGTERM: the first starts no new step, the second drops the steps that are not
    /// between a mutating call's `intent` and its outcome record.
    pub interrupt: &'a Interrupt,
    /// How the plan was approved, kept in every journal record of the run; `None` when the
    /// run needed no approval (it only records what a plan found).
    pub approval: Option<super::journal::Approval>,
    /// `apply --reason`: kept in every journal record of the run, never digested.
    pub reason: Option<&'a str>,
}

/// Shared by the resources running concurrently.
pub(crate) struct Run<'a> {
    pub(crate) state: Arc<Mutex<StateFile>>,
    /// Durable writes, shared by concurrent steps (one fsync for all that wait at once).
    pub(super) saves: GroupCommit<()>,
    pub(super) journal: GroupCommit<JournalRecord>,
    pub(super) stop: AtomicBool,
    pub(super) identities: BTreeMap<String, Value>,
    pub(super) plan_digest: &'a str,
    pub(super) fatal: Mutex<Option<FatalError>>,
    /// `done` records and saves queued but not waited for, each with what its failure means:
    /// the run waits for them all before it ends.
    pub(super) settled: Mutex<Vec<(Queued, &'static str)>>,
    /// Proofs that the state lock is still this run's, one for all that wait at once.
    pub(super) proofs: GroupCommit<()>,
    /// The pending attempt (its id in the state) of each irreversible call in flight.
    pub(super) open_attempts: Mutex<std::collections::HashMap<(Address, ActionKind), String>>,
    /// Pending attempts whose outcome is written to the journal: the state drops them at the
    /// end of the run (one write settles them all).
    pub(super) settled_attempts: Mutex<Vec<String>>,
    /// Set when the state lock was found not to be this run's any more.
    pub(super) lock_lost: AtomicBool,
    /// The resources whose step is in a critical section: an `intent` written, its outcome
    /// not yet. A second signal never drops such a step.
    pub(super) critical: tokio::sync::watch::Sender<BTreeSet<Address>>,
}

/// How a call that took effect but could be recorded nowhere (neither the state nor the
/// journal could be written: a full disk) is reported: never as failed.
pub const UNRECORDED: &str = "initiated but not recorded";

/// The message of a run that lost its lock: it starts nothing more.
pub const LOCK_LOST: &str = "the state lock is no longer this run's (someone force-unlocked it, and another run may hold it now): nothing more was started; every outcome this run has is in its own journal";

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
            saves: state_writer(self.store.clone(), self.journal.clone(), state.clone()),
            journal: journal_writer(self.journal.clone()),
            state: state.clone(),
            stop: AtomicBool::new(false),
            identities,
            plan_digest: &plan.digest,
            fatal: Mutex::new(None),
            settled: Mutex::new(Vec::new()),
            proofs: lock_prover(self.store.clone()),
            open_attempts: Mutex::new(std::collections::HashMap::new()),
            settled_attempts: Mutex::new(Vec::new()),
            lock_lost: AtomicBool::new(false),
            critical: tokio::sync::watch::Sender::new(BTreeSet::new()),
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
        // Every queued `done` record and save is durable before the run ends.
        let settled = std::mem::take(&mut *lock(&run.settled));
        for (queued, what) in settled {
            if let Err(e) = queued.wait().await {
                lock(&run.fatal).get_or_insert(FatalError(format!("{what}: {e}")));
            }
        }
        // Every outcome is in the journal now: one write settles the pending attempts whose
        // outcome is there (any other stays pending, and counts as unknown).
        let settled_ids = std::mem::take(&mut *lock(&run.settled_attempts));
        if lock(&run.fatal).is_none() && !settled_ids.is_empty() {
            lock(&state)
                .attempts
                .retain(|a| !settled_ids.contains(&a.id));
            if let Err(e) = run.saves.commit(()).await {
                lock(&run.fatal)
                    .get_or_insert(FatalError(format!("could not save the state file: {e}")));
            }
        }
        if let Some(fatal) = lock(&run.fatal).take() {
            return Err(fatal);
        }
        if run.lock_lost.load(Ordering::SeqCst) {
            return Err(FatalError(LOCK_LOST.to_string()));
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
            if run.stop.load(Ordering::SeqCst) || self.interrupt.stopping() {
                results.push((address.clone(), action.action, ActionOutcome::Skipped));
                continue;
            }
            self.event(address, action.action, None, "");
            let outcome = match (resource, clients) {
                (Some(resource), Some(clients)) => {
                    let step = self.step(rp, resource, clients, action, run);
                    let dropped = async {
                        self.interrupt.hurried().await;
                        run.outside_critical(address).await;
                    };
                    let finished = tokio::select! {
                        biased;
                        finished = step => Some(finished),
                        () = dropped => None,
                    };
                    run.leave_critical(address);
                    match finished {
                        None => {
                            self.event(
                                address,
                                action.action,
                                Some(ActionOutcome::Interrupted),
                                "",
                            );
                            ActionOutcome::Interrupted
                        }
                        Some(Ok(note)) => {
                            self.event(address, action.action, Some(ActionOutcome::Done), &note);
                            ActionOutcome::Done
                        }
                        Some(Err(StepError(message))) if message.starts_with(UNRECORDED) => {
                            // The call took effect: it did not fail, it is not recorded.
                            let note = message.lines().next().unwrap_or_default().to_string();
                            self.event(address, action.action, Some(ActionOutcome::Done), &note);
                            ActionOutcome::Done
                        }
                        Some(Err(StepError(message))) => {
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
                    // Preflight refused every planned address the config does not declare;
                    // the plan (possibly read from a file) and the config stay two inputs.
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
        // The recovery travels as JSON in the plan (possibly a saved plan file, checked
        // against its digest): the planner writes a record there, but its type is JSON.
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
            live: &rp.live,
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
            live: &rp.live,
            reversibility: planned.reversibility,
        };
        let action = planned.action;
        crate::aws::request_id::collecting(resource.desired.step(action, &step, clients)).await
    }
}

impl Run<'_> {
    pub(super) fn enter_critical(&self, address: &Address) {
        self.critical.send_modify(|set| {
            set.insert(address.clone());
        });
    }

    pub(super) fn leave_critical(&self, address: &Address) {
        self.critical.send_if_modified(|set| set.remove(address));
    }

    /// Resolves when `address`'s step is not between an `intent` and its outcome record.
    async fn outside_critical(&self, address: &Address) {
        let mut rx = self.critical.subscribe();
        let _ = rx.wait_for(|set| !set.contains(address)).await;
    }
}

/// Saves the shared state when steps ask, one write for all that wait at once. Once this
/// run's journal exists, the state lists it among its runs (a listed journal that goes
/// missing is noticed by every later plan).
fn state_writer(
    store: StateWriter,
    journal: RunJournal,
    state: Arc<Mutex<StateFile>>,
) -> GroupCommit<()> {
    GroupCommit::spawn(move |_waiting: Vec<()>| {
        // Every update of the steps now waiting was applied before they asked for the save.
        let mut snapshot = {
            let mut shared = lock(&state);
            let run = store.run();
            let name = journal.name();
            // Listed once; `written` waits for a journal write in flight, so it is asked only
            // until then (the state's writes never queue behind the journal's).
            if !shared.runs.iter().any(|r| r.journal == name) && journal.written() {
                shared.runs.push(crate::state::RunEntry {
                    lock_id: run.lock_id.clone(),
                    started: run.started,
                    journal: name,
                });
            }
            shared.clone()
        };
        store.save(&mut snapshot).map_err(|e| e.to_string())?;
        let mut shared = lock(&state);
        shared.format_version = snapshot.format_version;
        shared.lineage = snapshot.lineage;
        shared.serial = snapshot.serial;
        shared.epoch = snapshot.epoch;
        shared.lock_id = snapshot.lock_id;
        Ok(())
    })
}

/// Proves the state lock is still this run's when steps ask, one proof for all that wait.
fn lock_prover(store: StateWriter) -> GroupCommit<()> {
    GroupCommit::spawn(move |_waiting: Vec<()>| {
        match store.still_holds_lock() {
        Ok(true) => Ok(()),
        Ok(false) => Err(LOCK_LOST.to_string()),
        Err(e) => Err(format!(
            "could not prove that the state lock is still this run's ({e}), so the call was not made"
        )),
    }
    })
}

/// Appends journal records, one fsync for all that wait at once.
fn journal_writer(journal: RunJournal) -> GroupCommit<JournalRecord> {
    GroupCommit::spawn(move |records: Vec<JournalRecord>| {
        journal.append_all(&records).map_err(|e| e.to_string())
    })
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
