//! What the journal remembers of earlier mutating calls, as the planner and the apply
//! preflight read it: one [`Attempt`] per `intent` record, settled by the record after it.
//! Pure data; the journal file is read in `apply::journal`.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::state::StateFile;
use crate::vocabulary::Address;

use super::model::{ActionKind, Reversibility, Target};

/// What an earlier attempt of a mutating call did, as far as lockward can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// The call took effect (a `done` or `recovered` record).
    Done,
    /// AWS's answer proved the call did nothing (throttling, a validation error, access
    /// denied, a missing resource, or it was never sent).
    None,
    /// The answer was lost, or AWS's error proves nothing: the call may have taken effect.
    /// An `intent` with no later record counts as this.
    Unknown,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Done => "done",
            Effect::None => "none",
            Effect::Unknown => "unknown",
        }
    }
}

/// One earlier attempt of a mutating call.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub action: ActionKind,
    /// The class the plan gave the action when it ran (older journals: the action's usual one).
    pub reversibility: Reversibility,
    pub effect: Effect,
    /// The digest of the plan whose approval the attempt ran under.
    pub plan_digest: Option<String>,
    /// When the intent was written.
    pub at: Timestamp,
    /// Where the call went; `None` in journals older than targets.
    pub target: Option<Target>,
    /// The intent's detail, with the settling record's detail over it (lock id, creation date).
    pub detail: Map<String, Value>,
}

impl Attempt {
    /// Whether this attempt is part of `recorded` for good: an irreversible action that took
    /// effect or may have.
    pub fn counts_for_good(&self) -> bool {
        self.reversibility == Reversibility::Irreversible && self.effect != Effect::None
    }

    /// The digested form: what was attempted, under which approval, and with what effect.
    pub fn recorded_json(&self) -> Value {
        serde_json::json!({
            "action": self.action,
            "effect": self.effect,
            "plan_digest": self.plan_digest,
            "at": self.at.to_string(),
        })
    }

    /// Reads back what [`Attempt::recorded_json`] wrote (a plan's `recorded.attempts`): an
    /// irreversible attempt, with no detail and no target (a plan does not hold them).
    pub fn from_recorded_json(value: &Value) -> Option<Attempt> {
        Some(Attempt {
            action: serde_json::from_value(value.get("action")?.clone()).ok()?,
            reversibility: Reversibility::Irreversible,
            effect: serde_json::from_value(value.get("effect")?.clone()).ok()?,
            plan_digest: match value.get("plan_digest")? {
                Value::Null => None,
                v => Some(v.as_str()?.to_string()),
            },
            at: value.get("at")?.as_str()?.parse().ok()?,
            target: None,
            detail: Map::new(),
        })
    }

    /// A text field of the detail, e.g. `lock_id`.
    pub fn detail_str(&self, key: &str) -> Option<&str> {
        self.detail.get(key).and_then(Value::as_str)
    }
}

/// A journal line lockward could not read: it may be the only trace of an attempt.
#[derive(Clone, Debug, PartialEq)]
pub struct Unreadable {
    /// The address it names, when that much could be read; `None` concerns every resource.
    pub address: Option<Address>,
    /// Where it is and why it could not be read.
    pub reason: String,
    /// The journal it is in (the local file's name, or the S3 object's key).
    pub journal: String,
    /// Its line in that journal, 1-based.
    pub line: usize,
    /// SHA-256 of its bytes, `sha256:<hex>`.
    pub sha256: String,
}

impl Unreadable {
    /// Whether `state quarantine` set exactly these bytes at this line aside.
    fn quarantined_in(&self, state: &StateFile) -> bool {
        state.quarantined.iter().any(|q| {
            q.journal == self.journal
                && q.line == Some(self.line)
                && q.sha256.as_deref() == Some(self.sha256.as_str())
        })
    }
}

/// Every attempt the journal remembers, by address, in journal order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    pub attempts: BTreeMap<Address, Vec<Attempt>>,
    /// Journal lines that are not records this lockward reads (a torn last line is not one).
    pub unreadable: Vec<Unreadable>,
    /// The journals that were read, when the backend lists them (see
    /// [`crate::apply::journal::JournalContents::sources`]).
    pub journals: Option<BTreeSet<String>>,
    /// The lock id of the run holding the state lock now, when known: its pending attempts
    /// are in flight.
    pub running: Option<String>,
}

impl History {
    /// The attempts made at `address` in `target` (attempts from journals older than targets
    /// count for every target).
    pub fn for_resource(&self, address: &Address, target: &Target) -> Vec<&Attempt> {
        self.attempts
            .get(address)
            .map(|all| {
                all.iter()
                    .filter(|a| a.target.as_ref().is_none_or(|t| t == target))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The attempt of `action` on `address` made under the approval of `plan_digest` that may
    /// have taken effect: an irreversible action that this approval already used.
    pub fn used_approval(
        &self,
        address: &Address,
        action: ActionKind,
        plan_digest: &str,
    ) -> Option<&Attempt> {
        self.attempts.get(address)?.iter().find(|a| {
            a.action == action
                && a.plan_digest.as_deref() == Some(plan_digest)
                && a.effect != Effect::None
        })
    }

    /// This history with the attempts `state` holds pending (DESIGN.md section 5.9) that the
    /// journal does not know of: each counts as `unknown` (its call may have been made), even
    /// when the journal that would say more is lost.
    pub fn with_pending(mut self, state: &StateFile) -> History {
        // What `state quarantine` set aside refuses no longer, and leaves in its place an
        // attempt of unknown effect of every irreversible action it may have recorded.
        self.unreadable.retain(|u| !u.quarantined_in(state));
        for q in &state.quarantined {
            for address in &q.addresses {
                for action in address.kind.irreversible_actions() {
                    let mut detail = Map::new();
                    detail.insert("quarantined".into(), Value::String(q.journal.clone()));
                    self.attempts
                        .entry(address.clone())
                        .or_default()
                        .push(Attempt {
                            action,
                            reversibility: Reversibility::Irreversible,
                            effect: Effect::Unknown,
                            plan_digest: None,
                            at: q.at,
                            target: None,
                            detail,
                        });
                }
            }
        }
        for pending in &state.attempts {
            let known = self.attempts.get_mut(&pending.address).and_then(|all| {
                all.iter_mut()
                    .find(|a| a.detail_str("attempt") == Some(pending.id.as_str()))
            });
            if let Some(known) = known {
                // The journal has its intent; with no outcome yet, it is still in flight.
                if known.effect == Effect::Unknown {
                    known.detail.insert("pending".into(), Value::Bool(true));
                    known
                        .detail
                        .insert("run".into(), Value::String(pending.run.clone()));
                }
                continue;
            }
            let mut detail = Map::new();
            detail.insert("attempt".into(), Value::String(pending.id.clone()));
            detail.insert("run".into(), Value::String(pending.run.clone()));
            detail.insert("pending".into(), Value::Bool(true));
            self.attempts
                .entry(pending.address.clone())
                .or_default()
                .push(Attempt {
                    action: pending.action,
                    reversibility: Reversibility::Irreversible,
                    effect: Effect::Unknown,
                    plan_digest: Some(pending.plan_digest.clone()),
                    at: pending.at,
                    target: Some(pending.target.clone()),
                    detail,
                });
        }
        self
    }

    /// The run an attempt is in flight in: a pending attempt whose run still holds the lock.
    pub fn in_flight<'a>(&self, attempt: &'a Attempt) -> Option<&'a str> {
        let run = attempt.detail_str("run")?;
        (attempt.detail.get("pending") == Some(&Value::Bool(true))
            && self.running.as_deref() == Some(run))
        .then_some(run)
    }

    /// Why the irreversible actions of `address` must be refused (DESIGN.md section 5.9): a
    /// journal line lockward cannot read that names it (or names nothing readable), or a run
    /// that `state` lists whose journal is missing. An attempt that was recorded is never
    /// forgotten by being unreadable. Empty when nothing stands in the way.
    pub fn refusals(&self, state: &StateFile, address: &Address) -> Vec<String> {
        let mut reasons: Vec<String> = self
            .unreadable
            .iter()
            .filter(|u| u.address.as_ref().is_none_or(|a| a == address))
            .map(|u| format!("a journal record cannot be read: {}", u.reason))
            .collect();
        if let Some(found) = &self.journals {
            let set_aside = |journal: &str| {
                state
                    .quarantined
                    .iter()
                    .any(|q| q.journal == journal && q.line.is_none())
            };
            for run in state
                .runs
                .iter()
                .filter(|r| !found.contains(&r.journal) && !set_aside(&r.journal))
            {
                reasons.push(format!(
                    "the journal {} of run {} (started {}), which the state lists, is missing",
                    run.journal, run.lock_id, run.started
                ));
            }
        }
        reasons
    }
}
