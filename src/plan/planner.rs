//! The planner: `plan(desired, live, recorded, now) -> Plan`. Pure: no I/O, no clock.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{Config, Desired, Resource};
use crate::kinds::{glacier, rbin, snowball, Address, Decision};
use crate::state::StateFile;

use super::model::{Plan, ResourcePlan, StateRef};

/// The live state of one resource, as refresh read it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Live {
    GlacierVaultLock(glacier::GlacierLive),
    RbinRuleLock(rbin::RbinLive),
    SnowballUnlockCode(snowball::SnowballLive),
}

/// The live state of every refreshed resource.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveSnapshot {
    pub resources: BTreeMap<Address, Live>,
}

/// Plans every resource of `live` against its desired state in `config` and what `state`
/// records, as of `now`.
///
/// Only the resources in `live` are planned (that is how `--target` narrows a plan); each must
/// be declared in `config`. The config digest is always that of the whole `config`.
/// A live value of the wrong kind for its address is a bug in refresh and plans as a conflict.
pub fn plan(config: &Config, live: &LiveSnapshot, state: &StateFile, now: Timestamp) -> Plan {
    let desired: Vec<Value> = config
        .resources
        .iter()
        .map(|r| config.desired_json(r))
        .collect();
    let config_digest = config.digest_with(&desired);
    let resources = config
        .resources
        .iter()
        .zip(desired)
        .filter_map(|(resource, desired)| {
            let live = live.resources.get(&resource.address)?;
            Some(plan_resource(resource, desired, live, state, now))
        })
        .collect();
    let state_ref = StateRef {
        lineage: (!state.lineage.is_empty()).then(|| state.lineage.clone()),
        serial: state.serial,
    };
    Plan::new(config_digest, state_ref, resources)
}

fn plan_resource(
    resource: &Resource,
    desired_json: Value,
    live: &Live,
    state: &StateFile,
    now: Timestamp,
) -> ResourcePlan {
    let (address, desired) = (&resource.address, &resource.desired);
    let decision = match (desired, live) {
        (Desired::GlacierVaultLock(d), Live::GlacierVaultLock(l)) => {
            glacier::decide(d, l, state.glacier(address), now)
        }
        (Desired::RbinRuleLock(d), Live::RbinRuleLock(l)) => rbin::decide(d, l, now),
        (Desired::SnowballUnlockCode(d), Live::SnowballUnlockCode(l)) => {
            snowball::decide(d, l, state.snowball(address), now)
        }
        _ => {
            let mut d = Decision::default();
            d.conflict(format!("internal error: live state of the wrong kind for {address}; this is a bug in lockward"));
            d
        }
    };
    let outcome = decision.outcome();
    let actions = if decision.conflict {
        Vec::new()
    } else {
        decision.actions
    };
    ResourcePlan {
        address: address.clone(),
        kind: address.kind,
        outcome,
        live: serde_json::to_value(live).unwrap_or_default(),
        desired: desired_json,
        actions,
        messages: decision.messages,
        policy_diff: decision.policy_diff,
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;
