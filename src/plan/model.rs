//! The plan: a pure value saying, per resource, what lockward would do and how reversible it is.
//! Renderers read it; the executor carries out its ready actions; nothing here does I/O.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::digest;
use crate::kinds::{Address, Kind};

/// Version of the plan JSON format (DESIGN.md section 6).
pub const PLAN_FORMAT_VERSION: &str = "1";

/// One API transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    InitiateLock,
    CompleteLock,
    AbortLock,
    LockRule,
    UnlockRule,
    RetrieveUnlockCode,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::InitiateLock => "initiate_lock",
            ActionKind::CompleteLock => "complete_lock",
            ActionKind::AbortLock => "abort_lock",
            ActionKind::LockRule => "lock_rule",
            ActionKind::UnlockRule => "unlock_rule",
            ActionKind::RetrieveUnlockCode => "retrieve_unlock_code",
        }
    }

    /// How far the action can be undone. Fixed per action: the plan never decides it.
    pub fn reversibility(self) -> Reversibility {
        match self {
            ActionKind::InitiateLock | ActionKind::AbortLock => Reversibility::Reversible,
            ActionKind::LockRule | ActionKind::UnlockRule => Reversibility::Delayed,
            ActionKind::CompleteLock | ActionKind::RetrieveUnlockCode => {
                Reversibility::Irreversible
            }
        }
    }
}

/// How far an action can be undone (DESIGN.md section 1). Ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reversibility {
    /// Can be undone at once.
    Reversible,
    /// Can be undone only after a waiting period.
    Delayed,
    /// Can never be undone.
    Irreversible,
}

impl Reversibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Reversibility::Reversible => "reversible",
            Reversibility::Delayed => "delayed",
            Reversibility::Irreversible => "irreversible",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Can be carried out now.
    Ready,
    /// Must wait until `not_before` (or on the outside world).
    Deferred,
}

impl ActionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Ready => "ready",
            ActionStatus::Deferred => "deferred",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub action: ActionKind,
    pub reversibility: Reversibility,
    pub status: ActionStatus,
    #[serde(with = "opt_timestamp")]
    pub not_before: Option<Timestamp>,
    /// Why this action is planned, for people.
    pub reason: String,
}

impl Action {
    pub fn ready(action: ActionKind, reason: impl Into<String>) -> Action {
        Action {
            action,
            reversibility: action.reversibility(),
            status: ActionStatus::Ready,
            not_before: None,
            reason: reason.into(),
        }
    }

    pub fn deferred(
        action: ActionKind,
        not_before: Option<Timestamp>,
        reason: impl Into<String>,
    ) -> Action {
        Action {
            action,
            reversibility: action.reversibility(),
            status: ActionStatus::Deferred,
            not_before,
            reason: reason.into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Noop,
    Change,
    /// Waits on time or on the outside world.
    Blocked,
    /// The intent can never be reached as things stand.
    Conflict,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Noop => "noop",
            Outcome::Change => "change",
            Outcome::Blocked => "blocked",
            Outcome::Conflict => "conflict",
        }
    }
}

/// The plan for one resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourcePlan {
    pub address: Address,
    pub kind: Kind,
    pub outcome: Outcome,
    /// The live state the decision was made from (never a secret).
    pub live: Value,
    /// The desired state the decision was made from.
    pub desired: Value,
    /// In execution order. Empty for `noop` and `conflict`.
    pub actions: Vec<Action>,
    /// Warnings, reasons for blocked and conflict outcomes, hints. Free text for people;
    /// may mention times relative to now, so it is not covered by the digest.
    pub messages: Vec<String>,
    /// Unified diff of the pretty canonical policies when a live policy differs from the
    /// desired one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_diff: Option<String>,
}

impl ResourcePlan {
    /// `sha256:…` of the live value: the fingerprint a saved plan keeps to detect that the
    /// resource changed between plan and apply.
    pub fn live_fingerprint(&self) -> String {
        digest::sha256(digest::canonical_json(&self.live).as_bytes())
    }

    /// Derives the outcome from the actions: `change` while one is ready, `blocked` when all
    /// remaining actions wait, `noop` when there is nothing to do. Conflicts are set by the
    /// planner directly.
    pub fn outcome_of(actions: &[Action]) -> Outcome {
        if actions.is_empty() {
            Outcome::Noop
        } else if actions.iter().any(|a| a.status == ActionStatus::Ready) {
            Outcome::Change
        } else {
            Outcome::Blocked
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub change: usize,
    pub noop: usize,
    pub blocked: usize,
    pub conflict: usize,
    /// Irreversible actions that are ready to run now (deferred ones are confirmed when they
    /// become ready, in a later plan).
    pub irreversible: usize,
    /// Delayed actions that are ready to run now.
    pub delayed: usize,
}

/// Which state file the plan was made against.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateRef {
    /// `None` before the first apply wrote a state file.
    pub lineage: Option<String>,
    pub serial: u64,
}

/// A whole plan. Build it with [`Plan::new`], which sorts resources and computes the summary
/// and the digest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: String,
    /// `sha256:…` over [`Plan::digest_input`]; see there for what it covers.
    pub digest: String,
    pub config_digest: String,
    pub state: StateRef,
    pub summary: Summary,
    pub resources: Vec<ResourcePlan>,
}

impl Plan {
    pub fn new(config_digest: String, state: StateRef, mut resources: Vec<ResourcePlan>) -> Plan {
        resources.sort_by(|a, b| a.address.cmp(&b.address));
        let mut summary = Summary::default();
        for r in &resources {
            match r.outcome {
                Outcome::Noop => summary.noop += 1,
                Outcome::Change => summary.change += 1,
                Outcome::Blocked => summary.blocked += 1,
                Outcome::Conflict => summary.conflict += 1,
            }
            for a in r.actions.iter().filter(|a| a.status == ActionStatus::Ready) {
                match a.reversibility {
                    Reversibility::Irreversible => summary.irreversible += 1,
                    Reversibility::Delayed => summary.delayed += 1,
                    Reversibility::Reversible => {}
                }
            }
        }
        let mut plan = Plan {
            format_version: PLAN_FORMAT_VERSION.to_string(),
            digest: String::new(),
            config_digest,
            state,
            summary,
            resources,
        };
        plan.digest = digest::sha256(plan.digest_text().as_bytes());
        plan
    }

    /// What the digest covers: per resource its address, kind, outcome, desired and live values,
    /// and each action's name, reversibility, status and `not_before`. Not covered: reasons and
    /// messages (they may say "expires in 3 h"), the state serial and anything else that changes
    /// with the mere passage of time, so the same decision planned twice has the same digest.
    pub fn digest_input(&self) -> Value {
        let resources: Vec<Value> = self
            .resources
            .iter()
            .map(|r| {
                serde_json::json!({
                    "address": r.address,
                    "kind": r.kind,
                    "outcome": r.outcome,
                    "desired": r.desired,
                    "live": r.live,
                    "actions": r.actions.iter().map(|a| serde_json::json!({
                        "action": a.action,
                        "reversibility": a.reversibility,
                        "status": a.status,
                        "not_before": a.not_before.map(|t| t.to_string()),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::json!({ "format_version": PLAN_FORMAT_VERSION, "resources": resources })
    }

    /// `canonical_json(&self.digest_input())`, written straight from the plan without building
    /// the intermediate value (planning 10,000 resources spent most of its time on that copy).
    pub fn digest_text(&self) -> String {
        let mut out = String::with_capacity(256 * self.resources.len() + 64);
        out.push_str("{\"format_version\":");
        digest::write_json_str(PLAN_FORMAT_VERSION, &mut out);
        out.push_str(",\"resources\":[");
        for (i, r) in self.resources.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            // Keys in sorted order: actions, address, desired, kind, live, outcome.
            out.push_str("{\"actions\":[");
            for (j, a) in r.actions.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                // Keys in sorted order: action, not_before, reversibility, status.
                out.push_str("{\"action\":");
                digest::write_json_str(a.action.as_str(), &mut out);
                out.push_str(",\"not_before\":");
                match a.not_before {
                    Some(t) => digest::write_json_str(&t.to_string(), &mut out),
                    None => out.push_str("null"),
                }
                out.push_str(",\"reversibility\":");
                digest::write_json_str(a.reversibility.as_str(), &mut out);
                out.push_str(",\"status\":");
                digest::write_json_str(a.status.as_str(), &mut out);
                out.push('}');
            }
            out.push_str("],\"address\":");
            digest::write_json_str(&r.address.to_string(), &mut out);
            out.push_str(",\"desired\":");
            digest::write_canonical(&r.desired, &mut out);
            out.push_str(",\"kind\":");
            digest::write_json_str(r.kind.as_str(), &mut out);
            out.push_str(",\"live\":");
            digest::write_canonical(&r.live, &mut out);
            out.push_str(",\"outcome\":");
            digest::write_json_str(r.outcome.as_str(), &mut out);
            out.push('}');
        }
        out.push_str("]}");
        out
    }

    /// The first 12 hex digits of the digest: enough to approve with `--approve`.
    pub fn short_digest(&self) -> &str {
        let hex = self.digest.strip_prefix("sha256:").unwrap_or(&self.digest);
        &hex[..hex.len().min(12)]
    }

    pub fn has_conflict(&self) -> bool {
        self.summary.conflict > 0
    }

    /// Whether any action is ready to run.
    pub fn has_changes(&self) -> bool {
        self.summary.change > 0
    }

    /// Ready actions, with their resource, in address order.
    pub fn ready_actions(&self) -> impl Iterator<Item = (&ResourcePlan, &Action)> {
        self.resources
            .iter()
            .flat_map(|r| r.actions.iter().map(move |a| (r, a)))
            .filter(|(_, a)| a.status == ActionStatus::Ready)
    }
}

mod opt_timestamp {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.collect_str(t),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| t.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        let action = |kind: ActionKind, not_before: Option<&str>| Action {
            action: kind,
            reversibility: kind.reversibility(),
            status: if not_before.is_some() {
                ActionStatus::Deferred
            } else {
                ActionStatus::Ready
            },
            not_before: not_before.map(|t| t.parse().unwrap()),
            reason: "r".into(),
        };
        let resource = |address: &str, outcome: Outcome, actions: Vec<Action>| {
            let address: Address = address.parse().unwrap();
            ResourcePlan {
                kind: address.kind,
                address,
                outcome,
                live: serde_json::json!({"state": "in_progress", "policy": {"b": [1, {"z": null, "a": "\"quoted\" é"}], "a": true}}),
                desired: serde_json::json!({"vault": "v", "deliver_to": "secrets/a \\ b.code"}),
                actions,
                messages: vec!["expires in 3h".into()],
                policy_diff: None,
            }
        };
        Plan::new(
            "sha256:c".into(),
            StateRef::default(),
            vec![
                resource(
                    "snowball_unlock_code.z",
                    Outcome::Blocked,
                    vec![action(
                        ActionKind::RetrieveUnlockCode,
                        Some("2026-11-24T10:00:00Z"),
                    )],
                ),
                resource(
                    "glacier_vault_lock.a",
                    Outcome::Change,
                    vec![
                        action(ActionKind::InitiateLock, None),
                        action(ActionKind::CompleteLock, Some("2026-11-23T12:00:00Z")),
                    ],
                ),
                resource("rbin_rule_lock.r", Outcome::Noop, vec![]),
            ],
        )
    }

    #[test]
    fn the_digest_is_the_canonical_json_of_its_documented_input() {
        let plan = plan();
        assert_eq!(
            plan.digest_text(),
            digest::canonical_json(&plan.digest_input())
        );
        assert_eq!(
            plan.digest,
            digest::sha256(digest::canonical_json(&plan.digest_input()).as_bytes())
        );
    }

    #[test]
    fn messages_and_reasons_do_not_change_the_digest() {
        let a = plan();
        let mut resources = a.resources.clone();
        resources[0].messages = vec!["expires in 2h".into()];
        resources[0].actions[0].reason = "other words".into();
        let b = Plan::new(
            a.config_digest.clone(),
            StateRef {
                lineage: Some("l".into()),
                serial: 9,
            },
            resources,
        );
        assert_eq!(a.digest, b.digest);
    }
}
