//! `lockward import`: adopting locks that already exist into the state file, so a team can
//! start managing an account that already has locks. No call that changes anything in AWS:
//! the live state is read, and what AWS reports is recorded.
//!
//! What can be adopted, decided by the pure [`adopt`]:
//! - a Glacier vault whose lock is `Locked`: its CreationDate and policy digest (a completed
//!   lock needs no lock id). An `InProgress` lock cannot be: its id is returned only to whoever
//!   initiated it, so lockward could never complete it;
//! - a Recycle Bin rule that is locked or pending unlock: its lock configuration;
//! - a Snowball delivery whose `deliver_to` file exists and holds something shaped like an
//!   unlock code: the file's fingerprint. The code itself is never read into a message.
//!
//! Why `import` and not `plan/apply --refresh-only`: adopting a lock is a decision about one
//! named resource that a reviewer can see in the command, and it records nothing about the
//! others; a refresh-only apply would silently accept whatever live state every resource has,
//! which for lockward would turn drift into the recorded state and hide it from the report.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::Path;

use anyhow::bail;
use jiff::Timestamp;
use serde_json::{json, Map, Value};

use crate::apply::journal::{JournalAction, JournalRecord, Phase};
use crate::aws::CallerIdentity;
use crate::cli::ImportArgs;
use crate::config::Resource;
use crate::digest;
use crate::kinds::Paired;
use crate::output::Spinner;
use crate::plan::{self, Live, LiveSnapshot, Outcome};
use crate::project::{runtime, Project, Session};
use crate::refresh::{self, Clients};
use crate::state::backend::HeldLock;
use crate::state::Record;

/// What sits at a Snowball resource's `deliver_to`, read without ever showing its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveredFile {
    /// No file there.
    Missing,
    /// Something that is not a regular file (a directory, a symlink), or unreadable.
    Unusable(String),
    File {
        /// `sha256:…` of the file's bytes, as `refresh` fingerprints a delivery.
        fingerprint: String,
        /// When the file was last written: the best knowledge of when the code was delivered.
        modified: Timestamp,
        /// Whether the content has the shape of an unlock code (29 characters: five groups of
        /// five letters or digits joined by `-`, optionally followed by a newline).
        looks_like_code: bool,
    },
}

/// Reads the file at `path` (never following a symlink).
pub fn inspect_delivery(path: &Path) -> DeliveredFile {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return DeliveredFile::Missing,
        Err(e) => return DeliveredFile::Unusable(format!("cannot be inspected: {e}")),
    };
    if !meta.file_type().is_file() {
        return DeliveredFile::Unusable("is not a regular file".to_string());
    }
    let mut bytes = Vec::new();
    // A code is 29 bytes; reading a little more is enough to tell it is not one.
    let read = fs::File::open(path).and_then(|f| f.take(4096).read_to_end(&mut bytes));
    if let Err(e) = read {
        return DeliveredFile::Unusable(format!("cannot be read: {e}"));
    }
    let fingerprint = match fs::read(path) {
        Ok(all) => digest::sha256(&all),
        Err(e) => return DeliveredFile::Unusable(format!("cannot be read: {e}")),
    };
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| Timestamp::try_from(t).ok())
        .unwrap_or(Timestamp::UNIX_EPOCH);
    DeliveredFile::File {
        fingerprint,
        modified,
        looks_like_code: looks_like_unlock_code(&bytes),
    }
}

fn looks_like_unlock_code(bytes: &[u8]) -> bool {
    let text = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    text.len() == 29
        && text
            .split(|b| *b == b'-')
            .all(|group| group.len() == 5 && group.iter().all(u8::is_ascii_alphanumeric))
}

/// What importing one resource records.
#[derive(Clone, Debug, PartialEq)]
pub struct Adoption {
    pub record: Record,
    /// The `detail` of the `import` journal record: what was found. Never a secret.
    pub detail: Map<String, Value>,
    /// One line for the person who ran the import.
    pub summary: String,
}

/// Decides what importing `resource` records, from its live state, its current state-file
/// record and (for Snowball) what sits at `deliver_to`. `Err` says why it cannot be imported
/// and what to do instead. Pure.
pub fn adopt(
    resource: &Resource,
    live: &Live,
    existing: Option<&Record>,
    delivered: &DeliveredFile,
) -> Result<Adoption, String> {
    if existing.is_some() {
        return Err("already in the state file, so lockward manages it; there is nothing to import\nhint: `lockward plan` shows where it stands".to_string());
    }
    match Paired::new(&resource.desired, live, None) {
        Some(paired) => paired.adopt(delivered),
        // Import reads each live value from the resource's desired one; only a caller that
        // pairs a resource with another resource's live value can get here.
        None => Err(
            "internal error: live state of the wrong kind; this is a bug in lockward".to_string(),
        ),
    }
}

pub(crate) fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Imports what `args.patterns` select (see the module documentation): all or nothing. Reads AWS, never
/// a mutating call; holds the state lock; writes the state once and one `import` journal
/// record per address. Returns what was imported, for the command to say.
pub fn run(args: &ImportArgs, session: &Session) -> anyhow::Result<Imported> {
    let mut project = Project::load(&args.config, &args.state)?;
    if !project.config.templated.is_empty() {
        // The instances of account sets read from AWS Organizations are what import adopts into.
        let rt = runtime()?;
        rt.block_on(project.check_before_calls(session, crate::project::Reach::Resources))?;
        rt.block_on(project.read_accounts(session))?;
    }
    // An address that is not declared gets the words import needs (declare it first).
    let undeclared: Vec<String> = args
        .patterns
        .iter()
        .filter_map(crate::select::Pattern::address)
        .filter(|a| !project.config.declares(a))
        .map(|a| a.to_string())
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
    let resources = project
        .config
        .resources
        .iter()
        .filter(|r| args.patterns.iter().any(|p| p.matches(&project.config, r)))
        .collect::<Vec<_>>();
    if let Some(p) = args
        .patterns
        .iter()
        .find(|p| !resources.iter().any(|r| p.matches(&project.config, r)))
    {
        bail!(
            "{p} selects no resource {} declares, so nothing was imported\nhint: `lockward state list` and `lockward validate` show what is declared",
            project.config_path.display()
        );
    }
    let timeout = args.lock_timeout.duration();
    let rt = runtime()?;
    let (backend, lock) = project.lock_state(session, &rt, "import", timeout)?;
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
    ));
    // Adopting needs every live value it is asked for: nothing is written unless all were read.
    if let Some(summary) = &live.not_read_summary {
        anyhow::bail!(summary.clone());
    }
    // A resource that found its instances at plan time imports those the patterns select.
    let mut live = live;
    let found = project.config.with_instances(&live.instances);
    live.retain_instances(|r| args.patterns.iter().any(|p| p.matches(&found, r)));
    let resources: Vec<&Resource> = resources
        .iter()
        .flat_map(|r| {
            let instances: Vec<&Resource> = live
                .instances
                .iter()
                .filter(|i| i.address.parent() == r.address)
                .collect();
            if instances.is_empty() {
                vec![*r]
            } else {
                instances
            }
        })
        .collect();

    let mut adopted = Vec::new();
    let mut refusals = Vec::new();
    for resource in &resources {
        let Some(observed) = live.resources.get(&resource.address) else {
            continue;
        };
        let delivered = resource
            .desired
            .delivers_to()
            .map_or(DeliveredFile::Missing, inspect_delivery);
        match adopt(
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
        instances: live
            .instances
            .iter()
            .filter(|i| adopted.iter().any(|(r, _, _)| r.address == i.address))
            .cloned()
            .collect(),
        ..LiveSnapshot::default()
    };
    let history = backend.read_journal()?.history().with_pending(&state);
    let recorded = plan::Recorded {
        state: &state,
        history: &history,
    };
    let planned = plan::plan(&project.config, &imported, recorded, now);
    let mut lines = Vec::new();
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
        lines.push(format!(
            "Imported {}: {}; {next}",
            resource.address, adoption.summary
        ));
    }
    let written = format!(
        "State: {} (serial {}). Journal: {}. No call changed anything in AWS.",
        backend.location(),
        state.serial,
        journal.location()
    );
    Ok(Imported {
        lines,
        written,
        lock,
    })
}

/// What an import did, in words, and the state lock it still holds.
pub struct Imported {
    /// One line per imported address: what was recorded, and what the next plan says of it.
    pub lines: Vec<String>,
    /// Where the state and the journal are now.
    pub written: String,
    /// Released once what was imported has been said ([`Imported::release`]).
    lock: HeldLock,
}

impl Imported {
    /// Releases the state lock.
    pub fn release(self) -> Result<(), crate::state::backend::BackendError> {
        self.lock.release()
    }
}
