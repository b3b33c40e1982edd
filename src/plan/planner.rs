//! The planner: `plan(desired, live, recorded, now) -> Plan`. Pure: no I/O, no clock.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::Value;

use crate::config::{Config, Resource};
pub use crate::kinds::Live;
use crate::kinds::{Decision, Paired};
use crate::state::{Record, StateFile};
use crate::vocabulary::Address;

use super::history::{Attempt, History};
use super::model::{
    AccountSetRef, Message, OrganizationRef, Outcome, Plan, Recovery, ResourcePlan, StateRef,
    Target, UndeclaredRecord,
};

/// What refresh found for one resource: where it lives and its live state there.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    pub target: Target,
    pub live: Live,
}

/// A resource whose live state could not be read: where it was looked for and why.
#[derive(Clone, Debug, PartialEq)]
pub struct NotRead {
    /// Its account is empty when the provider's could not be asked.
    pub target: Target,
    pub error: crate::aws::AwsError,
    /// What the read was: `read` (the kind's calls) or `identity` (STS GetCallerIdentity).
    pub during: &'static str,
}

/// The live state of every refreshed resource, and the resources that could not be read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveSnapshot {
    pub resources: BTreeMap<Address, Observed>,
    /// Each is planned `unknown`; the others are planned as ever.
    pub not_read: BTreeMap<Address, NotRead>,
    /// Every read failure, grouped by provider and cause with a hint for each, for stderr.
    pub not_read_summary: Option<String>,
    /// The instances the resources searched at plan time found (an `ebs_snapshot_lock`'s
    /// `select`), each planned in place of its declared resource.
    pub instances: Vec<Resource>,
    /// The instances found that the selection left out ([`LiveSnapshot::retain_instances`]).
    pub not_selected: Vec<Address>,
}

impl LiveSnapshot {
    /// Keeps only the instances `keep` holds, with what was read of them; the addresses of
    /// the others, in order.
    pub fn retain_instances(&mut self, keep: impl Fn(&Resource) -> bool) -> Vec<Address> {
        let (kept, dropped): (Vec<Resource>, Vec<Resource>) = std::mem::take(&mut self.instances)
            .into_iter()
            .partition(|r| keep(r));
        self.instances = kept;
        let mut dropped: Vec<Address> = dropped.into_iter().map(|r| r.address).collect();
        dropped.sort();
        for address in &dropped {
            self.resources.remove(address);
            self.not_read.remove(address);
        }
        self.not_selected.extend(dropped.iter().cloned());
        self.not_selected.sort();
        dropped
    }
}

/// What the state file and the journal remember, as the planner reads it.
#[derive(Clone, Copy, Debug)]
pub struct Recorded<'a> {
    pub state: &'a StateFile,
    pub history: &'a History,
}

/// Nothing remembered: for tests of the planner.
#[cfg(test)]
pub fn recorded(state: &StateFile) -> Recorded<'_> {
    static EMPTY: std::sync::LazyLock<History> = std::sync::LazyLock::new(History::default);
    Recorded {
        state,
        history: &EMPTY,
    }
}

/// Plans every resource of `live` against its desired state in `config` and what `recorded`
/// remembers, as of `now`.
///
/// Only the resources in `live` are planned (that is how `--target` narrows a plan); each must
/// be declared in `config`. The config digest is always that of the whole `config`.
/// A live value of the wrong kind for its address is a bug in refresh and plans as a conflict.
pub fn plan(config: &Config, live: &LiveSnapshot, recorded: Recorded<'_>, now: Timestamp) -> Plan {
    let desired: Vec<Value> = config
        .resources
        .iter()
        .map(|r| config.desired_json(r))
        .collect();
    let config_digest = config.digest_with(&desired);
    // A resource searched at plan time is planned as the instances it found.
    let mut found: BTreeMap<Address, Vec<&Resource>> = BTreeMap::new();
    for instance in &live.instances {
        found
            .entry(instance.address.parent())
            .or_default()
            .push(instance);
    }
    let mut resources: Vec<Planned> = config
        .resources
        .iter()
        .zip(desired)
        .flat_map(|(resource, desired)| match found.get(&resource.address) {
            Some(instances) => instances
                .iter()
                .map(|r| (*r, config.desired_json(r)))
                .collect(),
            _ => vec![(resource, desired)],
        })
        .filter_map(|(resource, desired)| {
            if let Some(not_read) = live.not_read.get(&resource.address) {
                return Some(unknown_resource(resource, desired, not_read, recorded));
            }
            let observed = live.resources.get(&resource.address)?;
            Some(plan_resource(
                config, resource, desired, observed, recorded, now,
            ))
        })
        .collect();
    refuse_shared_physical_keys(&mut resources);
    refuse_locking_the_state_bucket(config, &mut resources);
    let state_ref = StateRef {
        lineage: (!recorded.state.lineage.is_empty()).then(|| recorded.state.lineage.clone()),
        serial: recorded.state.serial,
    };
    let valid_until = resources.iter().filter_map(|r| r.valid_until_hint).min();
    let resources: Vec<ResourcePlan> = resources.into_iter().map(|r| r.plan).collect();
    let undeclared = undeclared_records(config, live, recorded.state, &resources);
    Plan::new(config_digest, state_ref, valid_until, resources).edited(|p| {
        p.undeclared = undeclared;
        p.account_sets = account_sets(config);
    })
}

/// The account sets the config's instances were made from (those a template uses), as read.
fn account_sets(config: &Config) -> Vec<AccountSetRef> {
    config
        .accounts
        .values()
        .filter(|set| config.templates.values().any(|t| t.accounts == set.name))
        .map(|set| {
            let read = config
                .membership
                .sets
                .get(&set.name)
                .and_then(|r| r.as_ref().ok());
            AccountSetRef {
                name: set.name.clone(),
                accounts: read.map(|m| m.accounts.iter().map(|a| a.id.clone()).collect()),
                organization: read
                    .and_then(|m| m.organization.as_ref())
                    .map(|o| OrganizationRef {
                        id: o.id.clone(),
                        management_account: o.management_account.clone(),
                        management_is_member: o.management_is_member,
                    }),
            }
        })
        .collect()
}

/// The records of `state` at addresses `config` no longer declares (DESIGN.md section 2.1),
/// when `live` covers the whole configuration (every declared resource read, tried or
/// searched): a plan narrowed to some resources cannot tell one it did not look for from one
/// that is gone, so it lists none. A record that a planned resource takes over (moved), an
/// instance found but left out by the selection, and an instance of a resource whose search
/// or read failed, is not listed.
fn undeclared_records(
    config: &Config,
    live: &LiveSnapshot,
    state: &StateFile,
    planned: &[ResourcePlan],
) -> Vec<UndeclaredRecord> {
    // An instance the selection left out was found all the same: it is declared.
    let found = live
        .instances
        .iter()
        .map(|r| &r.address)
        .chain(&live.not_selected);
    let searched: std::collections::BTreeSet<Address> = found.map(Address::parent).collect();
    let whole = config.resources.iter().all(|r| {
        live.resources.contains_key(&r.address)
            || live.not_read.contains_key(&r.address)
            || searched.contains(&r.address)
    });
    if !whole {
        return Vec::new();
    }
    let taken: std::collections::BTreeSet<&Address> = planned
        .iter()
        .flat_map(|r| {
            std::iter::once(&r.address)
                .chain(r.recovery.as_ref().and_then(|rec| rec.moved_from.as_ref()))
        })
        .chain(&live.not_selected)
        .collect();
    // A resource one of whose found instances could not be read (its account could not be
    // asked, or answered as another) did not say what it holds.
    let unread_finders: std::collections::BTreeSet<Address> = live
        .not_read
        .keys()
        .map(Address::parent)
        .filter(|p| {
            config
                .resource(p)
                .is_some_and(|r| r.desired.finds_instances())
        })
        .collect();
    state
        .resources
        .iter()
        .filter_map(|(text, record)| {
            let address: Address = text.parse().ok()?;
            if taken.contains(&address) || config.resource(&address).is_some() {
                return None;
            }
            // An instance of a resource that could not be searched or read (a template's
            // instance, or the template's placeholder when its account set could not be read):
            // unknown, not gone.
            let unread = [address.parent(), address.declared()]
                .iter()
                .any(|p| live.not_read.contains_key(p) || unread_finders.contains(p));
            if address.key.is_some() && unread {
                return None;
            }
            let (account, region) = record
                .target()
                .map(|t| (t.account.clone(), t.region.clone()))
                .unwrap_or_default();
            Some(UndeclaredRecord {
                kind: address.kind,
                address,
                account,
                region,
            })
        })
        .collect()
}

/// A resource plan and when time alone would change it.
struct Planned {
    plan: ResourcePlan,
    valid_until_hint: Option<Timestamp>,
}

/// The physical key of `resource` in `target` (DESIGN.md section 1).
pub fn physical_key(resource: &Resource, target: &Target) -> String {
    let kind = resource.address.kind;
    match resource.desired.physical_id(target) {
        (Some(account), id) => format!("{kind}:{account}:{}:{id}", target.region),
        // A global id (an S3 bucket name) is the resource wherever it is looked for.
        (None, id) => format!("{kind}:{id}"),
    }
}

/// The record that speaks for this resource: the one at its address if it was made in the
/// same target (or predates targets), else one stored under an address the config no longer
/// declares with the same physical key (a moved resource).
fn record_for<'a>(
    config: &Config,
    address: &Address,
    target: &Target,
    key: &str,
    state: &'a StateFile,
    messages: &mut Vec<Message>,
) -> (Option<&'a Record>, Option<Address>) {
    if let Some(record) = state.get(address) {
        let same_place = record.target().is_none_or(|t| t == target)
            && record.physical_key().is_none_or(|k| k == key);
        if same_place {
            return (Some(record), None);
        }
        let made_in = record
            .target()
            .map(ToString::to_string)
            .unwrap_or_else(|| "another place".into());
        messages.push(Message::note(format!(
            "the state file's record for {address} was made in {made_in}, not in {target}; it does not vouch for this resource"
        )));
    }
    for (other, record) in &state.resources {
        if record.physical_key() != Some(key) {
            continue;
        }
        let Ok(other) = other.parse::<Address>() else {
            continue;
        };
        if other != *address && other.kind == address.kind && !config.declares(&other) {
            messages.push(super::words::moved_from_note(&other.to_string()));
            return (Some(record), Some(other));
        }
    }
    (None, None)
}

fn plan_resource(
    config: &Config,
    resource: &Resource,
    desired_json: Value,
    observed: &Observed,
    recorded: Recorded<'_>,
    now: Timestamp,
) -> Planned {
    let (address, desired, target) = (&resource.address, &resource.desired, &observed.target);
    let key = physical_key(resource, target);
    let mut preface = Vec::new();
    let (record, moved_from) =
        record_for(config, address, target, &key, recorded.state, &mut preface);
    let mut attempts: Vec<&Attempt> = recorded.history.for_resource(address, target);
    if let Some(old) = &moved_from {
        attempts.extend(recorded.history.for_resource(old, target));
    }
    let mut decision = match Paired::new(desired, &observed.live, record) {
        Some(paired) => paired.decide(target, &attempts, now),
        None => {
            // Refresh reads each live value from its desired one; only a snapshot assembled
            // by hand for another config can pair values of two kinds.
            let mut d = Decision::default();
            d.conflict(format!("internal error: live state of the wrong kind for {address}; this is a bug in lockward"));
            d
        }
    };
    if let Some(old) = &moved_from {
        if decision.recovery.is_none() {
            decision.recovery = record.map(|r| Recovery {
                record: serde_json::to_value(r).unwrap_or_default(),
                moved_from: None,
                found: format!("the record of this resource, kept under {old}"),
            });
        }
        if let Some(recovery) = &mut decision.recovery {
            recovery.moved_from = Some(old.clone());
        }
    }
    let live_json = serde_json::to_value(&observed.live).unwrap_or_default();
    // A resource that is not there may well be somewhere else: say where lockward looked.
    if decision.conflict && observed.live.is_missing() {
        // Only what the plan holds, so a saved plan's words are made again alike.
        decision.messages.push(super::words::looked_in_note(target));
    }
    let mut outcome = decision.outcome();
    let mut actions = if decision.conflict {
        Vec::new()
    } else {
        decision.actions
    };
    let mut messages = preface;
    messages.extend(decision.messages);
    for attempt in &attempts {
        if let Some(run) = recorded.history.in_flight(attempt) {
            messages.push(Message::warning(format!(
                "{} is in flight in run {run}, which holds the state lock: its outcome is not known yet",
                attempt.action.as_str()
            )));
        }
    }
    let refusals = recorded.history.refusals(recorded.state, address);
    if refuse_irreversible(&mut actions, &refusals) {
        outcome = Outcome::Conflict;
        messages.push(Message::error(format!(
            "{address}'s irreversible actions are refused: an attempt of them may be recorded where lockward cannot read it ({})\nhint: {REFUSAL_HINT}",
            refusals.join("; ")
        )));
    }
    let recorded_json = recorded_json(record, moved_from.as_ref(), &attempts);
    Planned {
        valid_until_hint: decision.valid_until,
        plan: ResourcePlan {
            address: address.clone(),
            kind: address.kind,
            physical_key: key,
            outcome,
            target: target.clone(),
            account: target.account.clone(),
            region: target.region.clone(),
            key: address.key.clone(),
            live: live_json,
            desired: desired_json,
            recorded: recorded_json,
            actions,
            messages,
            text_diff: decision.text_diff,
            recovery: decision.recovery,
        },
    }
}

/// A resource whose live state could not be read: outcome `unknown`, no action. Its `live`
/// names the cause without AWS's message text (digested: a plan is not approved over another
/// failure); the text is a message (not digested).
fn unknown_resource(
    resource: &Resource,
    desired_json: Value,
    not_read: &NotRead,
    recorded: Recorded<'_>,
) -> Planned {
    let address = &resource.address;
    let record = recorded.state.get(address);
    Planned {
        valid_until_hint: None,
        plan: ResourcePlan {
            address: address.clone(),
            kind: address.kind,
            physical_key: physical_key(resource, &not_read.target),
            outcome: Outcome::Unknown,
            target: not_read.target.clone(),
            account: not_read.target.account.clone(),
            region: not_read.target.region.clone(),
            key: address.key.clone(),
            live: unknown_live(resource, not_read),
            desired: desired_json,
            recorded: recorded_json(record, None, &[]),
            actions: Vec::new(),
            messages: vec![Message::error(format!(
                "its live state could not be read: {}",
                not_read.error
            ))],
            text_diff: None,
            recovery: None,
        },
    }
}

/// `{state: unknown, error: {service, during, class, code}}`.
fn unknown_live(resource: &Resource, not_read: &NotRead) -> Value {
    let service = match not_read.during {
        "identity" => "sts",
        _ => resource.address.kind.service(),
    };
    let class = match not_read.error.class {
        crate::aws::ErrorClass::Rejected => "rejected",
        crate::aws::ErrorClass::Ambiguous => "no_answer",
        crate::aws::ErrorClass::NotSent => "not_sent",
    };
    serde_json::json!({
        "state": "unknown",
        "error": {
            "service": service,
            "during": not_read.during,
            "class": class,
            "code": not_read.error.code,
        }
    })
}

/// What to do about a refusal.
const REFUSAL_HINT: &str = "restore the journal as lockward wrote it (records a newer lockward wrote need that newer lockward), or set what cannot be read aside with `lockward state quarantine JOURNAL` (each action it may concern then needs an approval of its own); until then these actions are refused, and `--target` applies the other resources";

/// Marks every irreversible action `refused` when there are `refusals` (DESIGN.md section
/// 5.9); true when one was.
fn refuse_irreversible(actions: &mut [crate::plan::Action], refusals: &[String]) -> bool {
    if refusals.is_empty() {
        return false;
    }
    let mut refused = false;
    for a in actions
        .iter_mut()
        .filter(|a| a.reversibility == crate::plan::Reversibility::Irreversible)
    {
        a.status = crate::plan::ActionStatus::Refused;
        a.not_before = None;
        a.reason = format!("refused: {}", refusals.join("; "));
        refused = true;
    }
    refused
}

/// The `recorded` value of the plan: the record the decision used (if any), where it moved
/// from, and every earlier attempt of an irreversible action that took effect or may have.
fn recorded_json(
    record: Option<&Record>,
    moved_from: Option<&Address>,
    attempts: &[&Attempt],
) -> Value {
    let attempts: Vec<Value> = attempts
        .iter()
        .filter(|a| a.counts_for_good())
        .map(|a| a.recorded_json())
        .collect();
    let mut out = serde_json::Map::new();
    match record {
        Some(record) => {
            out.insert("state".into(), "recorded".into());
            let mut value = serde_json::to_value(record).unwrap_or_default();
            if let Value::Object(map) = &mut value {
                // Where the record was made is the plan's target already (or it would not be
                // used); the kind is the resource's.
                map.remove("target");
                map.remove("physical_key");
                map.remove("kind");
            }
            out.insert("record".into(), value);
        }
        None => {
            out.insert("state".into(), "none".into());
        }
    }
    if let Some(old) = moved_from {
        out.insert("moved_from".into(), Value::String(old.to_string()));
    }
    if !attempts.is_empty() {
        out.insert("attempts".into(), Value::Array(attempts));
    }
    Value::Object(out)
}

/// A resource that would manage Object Lock on the S3 backend's state bucket is a conflict:
/// the state, its lock and its journals are rewritten and deleted as runs go, which a WORM
/// bucket would refuse or keep forever.
fn refuse_locking_the_state_bucket(config: &Config, resources: &mut [Planned]) {
    let Some(crate::config::Backend::S3(backend)) = &config.backend else {
        return;
    };
    for r in resources.iter_mut() {
        let Some(resource) = config.resource(&r.plan.address) else {
            continue;
        };
        if resource.desired.object_lock_bucket() != Some(backend.bucket.as_str()) {
            continue;
        }
        let r = &mut r.plan;
        r.outcome = Outcome::Conflict;
        r.actions.clear();
        r.recovery = None;
        r.messages.push(Message::error(format!(
            "{} manages Object Lock on {}, the bucket that keeps lockward's own state \
             (`backend.s3.bucket`): the state, its lock and its journals are rewritten and \
             deleted as runs go, which Object Lock would refuse or keep for good; keep the \
             state in a bucket of its own, without Object Lock",
            r.address, backend.bucket
        )));
    }
}

/// Two addresses that name one physical resource would let one approval act on it twice
/// (retrieve one code into two files): a conflict on both (DESIGN.md section 1).
fn refuse_shared_physical_keys(resources: &mut [Planned]) {
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in resources.iter().enumerate() {
        // A selection that found nothing names no resource in AWS: it shares nothing.
        if r.plan.physical_key.ends_with(':') {
            continue;
        }
        by_key
            .entry(r.plan.physical_key.clone())
            .or_default()
            .push(i);
    }
    for indexes in by_key.values().filter(|v| v.len() > 1) {
        let addresses: Vec<String> = indexes
            .iter()
            .map(|&i| resources[i].plan.address.to_string())
            .collect();
        for &i in indexes {
            let r = &mut resources[i].plan;
            let others: Vec<String> = addresses
                .iter()
                .filter(|a| **a != r.address.to_string())
                .cloned()
                .collect();
            r.outcome = Outcome::Conflict;
            r.actions.clear();
            r.recovery = None;
            let message = super::words::shared_key_error(r, &others);
            r.messages.push(message);
        }
    }
}
