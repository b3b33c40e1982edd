//! Building the report: every verdict and every sentence a reviewer reads is decided here, from
//! values only. No I/O and no clock.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use serde_json::Value;

use super::discover::ScopeFindings;
use super::model::*;
use crate::apply::journal::{JournalContents, Phase};
use crate::aws::CallerIdentity;
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
    /// Who each provider's credentials act as (STS GetCallerIdentity), or why that is unknown.
    pub callers: &'a BTreeMap<String, Result<CallerIdentity, String>>,
    /// How many days ahead the horizon looks.
    pub horizon_days: u32,
    /// The `--target`/`--exclude` patterns as the command line repeats them (empty: the whole
    /// configuration), and how many declared resources and found instances they left out.
    pub selection: Vec<String>,
    pub not_selected: usize,
    pub now: Timestamp,
}

/// Builds the report. Every declared resource in `plan` gets a verdict: `violation` for a
/// conflict; else `drift` when live moved away from what the state file records lockward
/// reached (and the configuration is not met); else `pending` while a change or a wait is
/// planned, or while a lock that is the intent is not final yet (its kind says until when);
/// else `compliant`.
pub fn build(inputs: &Inputs<'_>) -> Report {
    let account_of = |providers: &[String]| -> String {
        providers
            .iter()
            .find_map(|p| inputs.callers.get(p)?.as_ref().ok())
            .map(|c| c.account.clone())
            .unwrap_or_default()
    };
    let mut horizon = Vec::new();
    let resources: Vec<ResourceReport> = inputs
        .plan
        .resources
        .iter()
        .map(|rp| resource(inputs, rp, &mut horizon))
        .chain(inputs.plan.undeclared.iter().map(|u| undeclared(inputs, u)))
        .collect();
    let mut resources = resources;
    resources.sort_by(|a, b| a.address.cmp(&b.address));
    horizon.sort_by(|a: &HorizonEntry, b| (a.at, &a.address).cmp(&(b.at, &b.address)));
    let mut unmanaged: Vec<UnmanagedLock> = inputs
        .discovered
        .iter()
        .flat_map(|found| found.undeclared.iter().cloned())
        .map(|mut lock| {
            lock.account = account_of(&lock.providers);
            // At its kind's section; at the top of the config should the kind have none.
            let at = inputs.config.sources.sections.get(&lock.kind).copied();
            let top = crate::config::Position { line: 1, column: 1 };
            lock.located_at = Some(in_config(inputs.config, at.unwrap_or(top)));
            lock
        })
        .collect();
    unmanaged.sort_by(|a, b| {
        (&a.region, a.kind, &a.name, &a.providers).cmp(&(&b.region, b.kind, &b.name, &b.providers))
    });
    let discovery = inputs
        .discovered
        .iter()
        .map(|f| DiscoveryScope {
            account: account_of(&f.scope.providers),
            providers: f.scope.providers.clone(),
            region: f.scope.region.clone(),
            listed: f.listed.clone(),
        })
        .collect();

    let mut summary = ReportSummary {
        unmanaged: unmanaged.len(),
        ..ReportSummary::default()
    };
    let mut totals: BTreeMap<(String, String), ScopeTotals> = BTreeMap::new();
    fn scope<'t>(
        totals: &'t mut BTreeMap<(String, String), ScopeTotals>,
        account: &str,
        region: &str,
    ) -> &'t mut ScopeTotals {
        totals
            .entry((account.to_string(), region.to_string()))
            .or_insert_with(|| ScopeTotals {
                account: account.to_string(),
                region: region.to_string(),
                ..ScopeTotals::default()
            })
    }
    for r in &resources {
        summary.add(r.verdict);
        scope(&mut totals, &r.account, &r.region).add(r.verdict);
    }
    for lock in &unmanaged {
        scope(&mut totals, &lock.account, &lock.region).unmanaged += 1;
    }
    let totals: Vec<ScopeTotals> = totals.into_values().collect();

    let mut by_caller: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (provider, identity) in inputs.callers {
        let key = match identity {
            Ok(c) => (c.account.clone(), c.arn.clone()),
            Err(why) => (String::new(), format!("unknown ({why})")),
        };
        by_caller.entry(key).or_default().push(provider.clone());
    }
    let callers = by_caller
        .into_iter()
        .map(|((account, arn), providers)| Caller {
            account_name: inputs.config.membership.name_of(&account),
            account,
            arn,
            providers,
        })
        .collect();

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
    if !inputs.selection.is_empty() {
        notes.push(format!(
            "Narrowed by {}: {} declared resource(s) or instance(s) not selected were not reported, discovery did not look for unmanaged locks, and records the configuration no longer declares are listed only when every declared resource is selected.",
            inputs.selection.join(" "),
            inputs.not_selected
        ));
    }
    if inputs.state.lineage.is_empty() {
        notes.push("The state file has never been written: lockward has applied or imported nothing with it yet.".to_string());
    }

    Report {
        format_version: REPORT_FORMAT_VERSION.to_string(),
        lockward_version: env!("CARGO_PKG_VERSION").to_string(),
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
        callers,
        summary,
        totals,
        horizon_days: inputs.horizon_days,
        horizon,
        resources,
        unmanaged,
        discovery,
        selection: inputs.selection.clone(),
        not_selected: inputs.not_selected,
        notes,
    }
}

/// A state record the configuration no longer declares: nothing is read or planned for it;
/// the report shows the protection the record last knew, and what the journal recorded.
fn undeclared(inputs: &Inputs<'_>, u: &crate::plan::UndeclaredRecord) -> ResourceReport {
    let recorded = inputs.state.get(&u.address).cloned();
    let findings = vec![
        "The state file keeps a record of it, but the configuration no longer declares it: lockward plans nothing for it, does not read it, and leaves its lock alone. The protection shown is what the record last knew, not what AWS holds now.".to_string(),
        "If it was renamed, `lockward state mv` moves its record to the new address; `lockward state rm` forgets it (refused while it holds a lock id or an attempt whose effect is unknown).".to_string(),
    ];
    ResourceReport {
        address: u.address.clone(),
        kind: u.kind,
        provider: String::new(),
        account: u.account.clone(),
        region: u.region.clone(),
        verdict: Verdict::Undeclared,
        immutable_from: None,
        locked_text: None,
        findings,
        plan: None,
        recorded,
        history: history(inputs, &u.address),
        declared_at: None,
        // At the top of the config: it declares it no more.
        located_at: Some(in_config(
            inputs.config,
            crate::config::Position { line: 1, column: 1 },
        )),
    }
}

fn resource(
    inputs: &Inputs<'_>,
    rp: &ResourcePlan,
    horizon: &mut Vec<HorizonEntry>,
) -> ResourceReport {
    let address = &rp.address;
    let facts = crate::kinds::FromPlan::read(rp)
        .map(|values| values.facts())
        .unwrap_or_default();
    let until = inputs
        .now
        .checked_add(jiff::SignedDuration::from_hours(
            24 * i64::from(inputs.horizon_days),
        ))
        .unwrap_or(Timestamp::MAX);
    for (at, what, point_of_no_return) in &facts.moments {
        if *at > inputs.now && *at <= until {
            horizon.push(HorizonEntry {
                at: *at,
                address: address.clone(),
                account: rp.target.account.clone(),
                region: rp.target.region.clone(),
                what: what.clone(),
                point_of_no_return: *point_of_no_return,
            });
        }
    }
    let immutable_from = facts.immutable_from.filter(|t| *t > inputs.now);
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
    } else if facts.empty {
        findings.push(
            "The selection matches nothing: there is nothing to lock, and nothing is locked."
                .to_string(),
        );
        Verdict::Empty
    } else if let Some(t) = immutable_from {
        findings.push(format!(
            "The live lock is the configuration's, but it is not final yet: it can still be changed or removed until {}, when it becomes immutable.",
            crate::words::when(t)
        ));
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
            crate::words::when(intent.ts)
        ));
    }
    let history = history(inputs, address);
    let declared_at = inputs
        .config
        .sources
        .declared_at
        .get(address)
        .map(|at| in_config(inputs.config, *at));
    let policy_file = inputs.config.sources.policy_files.get(address);
    let about_the_policy = verdict != Verdict::Compliant && rp.text_diff.is_some();
    let located_at = match policy_file {
        Some(file) if about_the_policy => Some(SourceLocation {
            file: file.clone(),
            line: 1,
            column: 1,
        }),
        _ => declared_at.clone(),
    };
    ResourceReport {
        address: address.clone(),
        kind: rp.kind,
        provider: inputs
            .config
            .resource(address)
            .map(|r| r.provider.clone())
            .unwrap_or_default(),
        account: rp.target.account.clone(),
        region: rp.target.region.clone(),
        verdict,
        immutable_from: (verdict == Verdict::Pending)
            .then_some(immutable_from)
            .flatten(),
        locked_text: facts.locked_text,
        findings,
        plan: Some(rp.clone()),
        recorded,
        history,
        declared_at,
        located_at,
    }
}

/// What the journal records lockward did to `address`: every outcome, oldest first.
fn history(inputs: &Inputs<'_>, address: &crate::vocabulary::Address) -> Vec<HistoryEntry> {
    inputs
        .journal
        .records
        .iter()
        .filter(|r| &r.address == address)
        .filter_map(|r| {
            let outcome = match r.phase {
                Phase::Intent => return None,
                Phase::Done => HistoryOutcome::Done,
                Phase::Failed => HistoryOutcome::Failed,
                Phase::Recovered => HistoryOutcome::Recovered,
            };
            Some((r, outcome))
        })
        .map(|(r, outcome)| HistoryEntry {
            ts: r.ts,
            action: r.action.as_str().to_string(),
            outcome,
            // A failed record without an effect counts as unknown (DESIGN.md section 5 item 4).
            effect: (outcome == HistoryOutcome::Failed).then(|| {
                r.effect
                    .unwrap_or(crate::plan::Effect::Unknown)
                    .as_str()
                    .to_string()
            }),
            note: history_note(r),
            plan_digest: r.plan().map(str::to_string),
            caller: r
                .caller
                .as_ref()
                .or_else(|| r.detail.get("caller"))
                .map(caller),
            approval: r.approval,
            reason: r.reason.clone(),
            request_id: r.request_id.clone(),
        })
        .collect()
}

/// `at` in the config file.
fn in_config(config: &Config, at: crate::config::Position) -> SourceLocation {
    SourceLocation {
        file: config.path.clone(),
        line: at.line,
        column: at.column,
    }
}

/// What a journal record says beyond its outcome: a failed call's error, what a recovery
/// found (and the error that made it look), where a moved record came from.
fn history_note(r: &crate::apply::journal::JournalRecord) -> Option<String> {
    let text = |key: &str| r.detail.get(key).and_then(Value::as_str);
    let parts: Vec<String> = match r.phase {
        Phase::Intent | Phase::Done => text("from")
            .map(|from| format!("moved from {from}"))
            .into_iter()
            .collect(),
        Phase::Failed => [text("error"), text("note")]
            .into_iter()
            .flatten()
            .map(str::to_string)
            .collect(),
        Phase::Recovered => [
            text("found").map(|f| format!("found {f}")),
            text("error").map(str::to_string),
            text("next").map(|n| format!("next: {n}")),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    (!parts.is_empty()).then(|| parts.join("; "))
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
