//! Building the report: every verdict and every sentence a reviewer reads is decided here, from
//! values only. No I/O and no clock.

use std::path::Path;

use jiff::Timestamp;
use serde_json::Value;

use super::discover::ScopeFindings;
use super::model::*;
use crate::apply::journal::{JournalAction, JournalContents, Phase};
use crate::config::Config;
use crate::digest;
use crate::kinds::drift;
use crate::plan::{ActionStatus, LiveSnapshot, Outcome, Plan, ResourcePlan};
use crate::state::StateFile;

/// Everything a report is decided from.
pub struct Inputs<'a> {
    pub config: &'a Config,
    /// The plan of every declared resource, made from `live` and `state`.
    pub plan: &'a Plan,
    pub live: &'a LiveSnapshot,
    pub state: &'a StateFile,
    pub state_path: &'a Path,
    pub journal: &'a JournalContents,
    pub journal_path: &'a Path,
    pub discovered: &'a [ScopeFindings],
    pub now: Timestamp,
}

/// Builds the report. Every declared resource in `plan` gets a verdict: `violation` for a
/// conflict; else `drift` when live moved away from what the state file records lockward
/// reached (and the configuration is not met); else `pending` while a change or a wait is
/// planned; else `compliant`.
pub fn build(inputs: &Inputs<'_>) -> Report {
    let resources: Vec<ResourceReport> = inputs
        .plan
        .resources
        .iter()
        .map(|rp| resource(inputs, rp))
        .collect();
    let mut unmanaged: Vec<UnmanagedLock> = inputs
        .discovered
        .iter()
        .flat_map(|found| found.undeclared.iter().cloned())
        .collect();
    unmanaged.sort_by(|a, b| {
        (&a.region, a.kind, &a.name, &a.providers).cmp(&(&b.region, b.kind, &b.name, &b.providers))
    });
    let discovery = inputs
        .discovered
        .iter()
        .map(|f| DiscoveryScope {
            providers: f.scope.providers.clone(),
            region: f.scope.region.clone(),
            listed: f.listed.clone(),
        })
        .collect();

    let mut summary = ReportSummary {
        unmanaged: unmanaged.len(),
        ..ReportSummary::default()
    };
    for r in &resources {
        match r.verdict {
            Verdict::Compliant => summary.compliant += 1,
            Verdict::Pending => summary.pending += 1,
            Verdict::Drift => summary.drift += 1,
            Verdict::Violation => summary.violation += 1,
            Verdict::Unknown => summary.unknown += 1,
        }
    }

    let mut notes = Vec::new();
    if !inputs.journal.damaged.is_empty() {
        let lines: Vec<String> = inputs
            .journal
            .damaged
            .iter()
            .map(|d| d.line.to_string())
            .collect();
        notes.push(format!(
            "The journal has {} unreadable line(s) (line {}); the history below lists only the records that could be read.",
            inputs.journal.damaged.len(),
            lines.join(", ")
        ));
    }
    if inputs.state.lineage.is_empty() {
        notes.push("The state file has never been written: lockward has applied or imported nothing with it yet.".to_string());
    }

    Report {
        format_version: REPORT_FORMAT_VERSION.to_string(),
        generated_at: inputs.now,
        config: inputs.config.path.clone(),
        config_digest: inputs.plan.config_digest.clone(),
        plan_digest: inputs.plan.digest.clone(),
        state: StateSummary {
            path: inputs.state_path.to_path_buf(),
            lineage: (!inputs.state.lineage.is_empty()).then(|| inputs.state.lineage.clone()),
            serial: inputs.state.serial,
        },
        journal: JournalSummary {
            path: inputs.journal_path.to_path_buf(),
            records: inputs.journal.records.len(),
            damaged_lines: inputs.journal.damaged.len(),
        },
        summary,
        resources,
        unmanaged,
        discovery,
        notes,
    }
}

fn resource(inputs: &Inputs<'_>, rp: &ResourcePlan) -> ResourceReport {
    let address = &rp.address;
    let recorded = inputs.state.get(address).cloned();
    let live = inputs.live.resources.get(address);
    let drift = match (rp.outcome, live, &recorded) {
        (Outcome::Noop | Outcome::Conflict | Outcome::Unknown, _, _) => None,
        (_, Some(observed), Some(record)) => drift(&observed.live, record, &rp.desired),
        _ => None,
    };
    let mut findings = Vec::new();
    let verdict = if rp.outcome == Outcome::Unknown {
        findings
            .push("Its live state could not be read, so nothing can be said of it:".to_string());
        Verdict::Unknown
    } else if rp.outcome == Outcome::Conflict {
        findings.push("The configuration can never be reached as things stand:".to_string());
        Verdict::Violation
    } else if let Some(what) = drift {
        findings.push(format!("Drift: {what}."));
        findings.push(planned_sentence(rp, "Applying the plan restores it"));
        Verdict::Drift
    } else if matches!(rp.outcome, Outcome::Change | Outcome::Blocked) {
        findings.push(planned_sentence(rp, "Not reached yet"));
        Verdict::Pending
    } else {
        findings.push("The live state matches the configuration.".to_string());
        Verdict::Compliant
    };
    findings.extend(rp.messages.iter().map(|m| m.text.clone()));
    for intent in inputs
        .journal
        .unsettled_intents()
        .into_iter()
        .filter(|r| &r.address == address)
    {
        findings.push(format!(
            "An apply was interrupted: the journal records the intent to {} at {} but no outcome; `lockward plan` reads where things stand.",
            intent.action.as_str(),
            intent.ts
        ));
    }
    let history = inputs
        .journal
        .records
        .iter()
        .filter(|r| {
            &r.address == address && (r.phase == Phase::Done || r.action == JournalAction::Import)
        })
        .map(|r| HistoryEntry {
            ts: r.ts,
            action: r.action.as_str().to_string(),
            plan_digest: r.plan().map(str::to_string),
            caller: r
                .caller
                .as_ref()
                .or_else(|| r.detail.get("caller"))
                .map(caller),
        })
        .collect();
    ResourceReport {
        address: address.clone(),
        kind: rp.kind,
        provider: inputs
            .config
            .resource(address)
            .map(|r| r.provider.clone())
            .unwrap_or_default(),
        verdict,
        findings,
        plan: rp.clone(),
        recorded,
        history,
    }
}

/// "N actions planned (…)": what the plan will do or waits for.
fn planned_sentence(rp: &ResourcePlan, lead: &str) -> String {
    let ready = rp
        .actions
        .iter()
        .filter(|a| a.status == ActionStatus::Ready)
        .count();
    let waiting = rp.actions.len() - ready;
    let list: Vec<String> = rp
        .actions
        .iter()
        .map(|a| format!("{} ({})", a.action.as_str(), a.reversibility.as_str()))
        .collect();
    let when = match (ready, waiting) {
        (_, 0) => "ready now".to_string(),
        (0, _) => "waiting on time or on the outside world".to_string(),
        (r, w) => format!("{r} ready now, {w} waiting"),
    };
    format!("{lead}: lockward plans {}; {when}.", list.join(", then "))
}

/// The caller identity the executor journals: `{"account", "arn"}` or `{"unknown": why}`.
fn caller(v: &Value) -> String {
    match (
        v.get("arn").and_then(Value::as_str),
        v.get("unknown").and_then(Value::as_str),
    ) {
        (Some(arn), _) => arn.to_string(),
        (None, Some(why)) => format!("unknown ({why})"),
        (None, None) => digest::canonical_json(v),
    }
}
