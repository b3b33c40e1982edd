//! `lockward import ADDR...`: adopt locks that already exist into the state file. Reads AWS
//! (never a mutating call), holds the state lock, writes the state file atomically and one
//! `import` journal record per address. All or nothing: if one address cannot be imported,
//! nothing is written.
//!
//! Why `import` and not `plan/apply --refresh-only`: adopting a lock is a decision about one
//! named resource that a reviewer can see in the command, and it records nothing about the
//! others; a refresh-only apply would silently accept whatever live state every resource has,
//! which for lockward would turn drift into the recorded state and hide it from the report.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::bail;
use serde_json::{json, Value};

use crate::apply::journal::{JournalAction, JournalRecord, Phase};
use crate::aws::CallerIdentity;
use crate::cli::ImportArgs;
use crate::import::{self, DeliveredFile};
use crate::plan::{self, LiveSnapshot, Outcome};
use crate::refresh::{self, Clients};

use super::output::Spinner;
use super::project::{runtime, say, Project, Reach, Session};

pub fn run(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let session = Session::from_environment()?;
    run_with(args, &session)
}

pub fn run_with(args: &ImportArgs, session: &Session) -> anyhow::Result<ExitCode> {
    let project = Project::load(&args.config, &args.state)?;
    let undeclared: Vec<String> = args
        .addresses
        .iter()
        .filter(|a| project.config.resource(a).is_none())
        .map(ToString::to_string)
        .collect();
    if !undeclared.is_empty() {
        let declared: Vec<String> = project
            .config
            .resources
            .iter()
            .map(|r| r.address.to_string())
            .collect();
        bail!(
            "{} not declared in {}, and import adopts a lock only into a declared resource\nhint: declare it first (`lockward report` suggests a declaration for every lock the configuration does not declare); declared now: {}",
            if undeclared.len() == 1 { format!("{} is", undeclared[0]) } else { format!("{} are", undeclared.join(", ")) },
            project.config_path.display(),
            if declared.is_empty() { "none".to_string() } else { declared.join(", ") }
        );
    }
    let resources = project.targeted(&args.addresses)?;
    let timeout = args.lock_timeout.duration();
    let rt = runtime()?;
    // Before the first call, the state backend's included.
    rt.block_on(project.check_before_calls(session, Reach::Resources))?;
    let backend = project.backend(session)?;
    let unlock = |id: &str| project.suggest("force-unlock", &[], &[id]);
    let lock = backend.lock("import", timeout, &unlock)?;
    let store = lock.writer();
    let journal = lock.journal();
    let mut state = backend.load()?;

    let clients = rt.block_on(Clients::connect(&project.config, &session.client_options));
    let spinner = Spinner::start(format!(
        "Reading the live state of {} resource(s)",
        resources.len()
    ));
    let live = rt.block_on(refresh::refresh(
        &project.config,
        &resources,
        &clients,
        10,
        session.now,
    ))?;

    let mut adopted = Vec::new();
    let mut refusals = Vec::new();
    for resource in &resources {
        let Some(observed) = live.resources.get(&resource.address) else {
            continue;
        };
        let delivered = resource
            .desired
            .delivers_to()
            .map_or(DeliveredFile::Missing, import::inspect_delivery);
        match import::adopt(
            resource,
            &observed.live,
            state.get(&resource.address),
            &delivered,
        ) {
            Ok(mut adoption) => {
                let key = plan::physical_key(resource, &observed.target);
                adoption.record.locate(&observed.target, &key);
                adopted.push((resource, adoption, observed.target.clone()));
            }
            Err(why) => refusals.push(format!("{}: {why}", resource.address)),
        }
    }
    if !refusals.is_empty() {
        drop(spinner);
        let (reasons, hints): (Vec<String>, Vec<String>) = refusals
            .iter()
            .map(|r| match r.split_once("\nhint: ") {
                Some((reason, hint)) => (reason.to_string(), hint.to_string()),
                None => (r.clone(), String::new()),
            })
            .unzip();
        let hints: Vec<String> = hints.into_iter().filter(|h| !h.is_empty()).collect();
        let mut message = format!("nothing was imported:\n  - {}", reasons.join("\n  - "));
        if !hints.is_empty() {
            message.push_str(&format!("\nhint: {}", hints.join("; ")));
        }
        bail!(message);
    }

    // Who imported, for the journal (read-only; a failure is recorded instead).
    let mut callers: BTreeMap<&str, Value> = BTreeMap::new();
    for (resource, _, _) in &adopted {
        if callers.contains_key(resource.provider.as_str()) {
            continue;
        }
        let caller = match clients.for_provider(&resource.provider) {
            Some(c) => match rt.block_on(c.sts.caller_identity()) {
                Ok(CallerIdentity { account, arn }) => json!({"account": account, "arn": arn}),
                Err(e) => json!({"unknown": format!("GetCallerIdentity failed: {e}")}),
            },
            None => json!({"unknown": "no clients for this provider"}),
        };
        callers.insert(resource.provider.as_str(), caller);
    }
    drop(spinner);

    for (resource, adoption, _) in &adopted {
        state.set(&resource.address, adoption.record.clone());
    }
    store.save(&mut state)?;
    let now = session.now;
    for (resource, adoption, target) in &adopted {
        let mut detail = adoption.detail.clone();
        detail.insert("provider".into(), Value::String(resource.provider.clone()));
        let mut record = JournalRecord::new(
            now,
            resource.address.clone(),
            JournalAction::Import,
            Phase::Done,
            detail,
        );
        record.caller = callers.get(resource.provider.as_str()).cloned();
        record.target = Some(target.clone());
        journal.append(&record)?;
    }

    // What the next plan says about each, from the same reads: an import records what is,
    // which may still differ from what the configuration wants.
    let imported = LiveSnapshot {
        resources: live
            .resources
            .into_iter()
            .filter(|(a, _)| adopted.iter().any(|(r, _, _)| &r.address == a))
            .collect(),
    };
    let history = backend.read_journal()?.history().with_pending(&state);
    let recorded = plan::Recorded {
        state: &state,
        history: &history,
    };
    let planned = plan::plan(&project.config, &imported, recorded, now);
    for (resource, adoption, _) in &adopted {
        let outcome = planned
            .resources
            .iter()
            .find(|r| r.address == resource.address)
            .map(|r| r.outcome);
        let next = match outcome {
            Some(Outcome::Noop) => "it matches the configuration".to_string(),
            Some(Outcome::Conflict) => {
                "note: it conflicts with the configuration; `lockward plan` shows why".to_string()
            }
            Some(o) => format!("note: `lockward plan` shows a {} for it", o.as_str()),
            None => String::new(),
        };
        say(format_args!(
            "Imported {}: {}; {next}",
            resource.address, adoption.summary
        ));
    }
    say(format_args!(
        "State: {} (serial {}). Journal: {}. No call changed anything in AWS.",
        backend.location(),
        state.serial,
        journal.location()
    ));
    lock.release()?;
    Ok(ExitCode::SUCCESS)
}
