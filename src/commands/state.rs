//! `lockward force-unlock LOCK_ID` and `lockward state push FILE`: the two ways out of a run
//! that stopped while holding the S3 state lock (DESIGN.md section 8); `lockward state
//! quarantine JOURNAL`: the one way past a journal that cannot be read (section 5.9).

use std::process::ExitCode;

use anyhow::{bail, Context};

use std::io::Write;

use crate::apply::journal::{JournalAction, JournalRecord, Phase};
use crate::cli::{
    ForceUnlockArgs, StateArg, StateArgs, StateCommand, StateListArgs, StateMvArgs, StatePushArgs,
    StateQuarantineArgs, StateRmArgs,
};
use crate::state::backend::{errored_journal_path, errored_lock_id};
use crate::state::s3::S3State;
use crate::state::Quarantined;
use crate::state::StateBackend;
use crate::vocabulary::Address;

use crate::output::say;
use crate::project::{absolute, runtime, Project, Reach, Session};

pub fn run(args: &StateArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        StateCommand::Push(push) => state_push(push),
        StateCommand::Quarantine(args) => state_quarantine(args),
        StateCommand::List(args) => state_list(args),
        StateCommand::Rm(args) => state_rm(args),
        StateCommand::Mv(args) => state_mv(args),
    }
}

/// The S3 state of the project, or an error saying these commands are for `backend: s3`.
fn remote(project: &Project, session: &Session, command: &str) -> anyhow::Result<StateBackend> {
    let backend = project.backend(session)?;
    if backend.s3().is_none() {
        bail!(
            "`lockward {command}` is for a state kept in S3 (`backend: s3`), and {} keeps it in \
             the local file {}\nhint: a local state lock is an OS lock that ends with its \
             process: there is nothing to release or push",
            project.config_path.display(),
            project.state_path.display()
        );
    }
    Ok(backend)
}

fn s3(backend: &StateBackend) -> &S3State {
    match backend {
        StateBackend::S3(s3) => s3,
        StateBackend::Local(_) => unreachable!("checked by remote()"),
    }
}

/// Deletes the lock `LOCK_ID` with `If-Match` on the ETag read, only if that is its id.
pub fn force_unlock(args: &ForceUnlockArgs) -> anyhow::Result<ExitCode> {
    let session = Session::from_environment()?;
    let project = Project::load(&args.config, &StateArg { state: None })?;
    let backend = remote(&project, &session, "force-unlock")?;
    let s3 = s3(&backend);
    let lock = format!("{}.lock", s3.location());
    let Some((holder, etag)) = s3.current_lock()? else {
        bail!("the state is not locked: there is no {lock}\nhint: nothing to release");
    };
    let by_etag = crate::state::s3::foreign_lock_id(&etag);
    match &holder {
        // A lock object lockward did not write, named by the ETag the refusal showed: deleted
        // only if it is still that very object.
        None if args.lock_id == by_etag => {}
        Some(h) if h.id == args.lock_id => {}
        Some(h) => bail!(
            "{lock} is lock {}, not {}: nothing was released\nhint: it is held by {h}; \
             release a lock only by the id of the run you know is gone",
            h.id,
            args.lock_id
        ),
        None => {
            bail!(
            "{lock} is not a lock lockward wrote (its body names no lock id), and {} is not its \
             ETag: nothing was released\nhint: inspect the object; only if you know nothing \
             uses it, release it with `{}`",
            args.lock_id,
            project.suggest("force-unlock", &crate::select::Selection::default(), &[&by_etag])
        )
        }
    }
    s3.release(&etag)
        .with_context(|| format!("lock {} was not released", args.lock_id))?;
    match holder {
        Some(h) => say(format_args!("Released lock {} ({h}).", h.id)),
        None => say(format_args!(
            "Released {lock} (ETag {etag}), which lockward did not write."
        )),
    }
    let errored = crate::state::backend::errored_state_path(&project.config.dir, &args.lock_id);
    if errored.exists() {
        say(format_args!(
            "note: {} holds what that run could not save; push it with `{}`",
            errored.display(),
            project.suggest(
                "state push",
                &crate::select::Selection::default(),
                &[&absolute(&errored)?.to_string_lossy()]
            )
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// Pushes an errored state file under the lock its run kept (or a new one, if that lock is
/// gone), only if its lineage matches and the remote serial is the one it was based on.
pub fn state_push(args: &StatePushArgs) -> anyhow::Result<ExitCode> {
    let session = Session::from_environment()?;
    let file = absolute(&args.file)?;
    let project = Project::load(&args.config, &StateArg { state: None })?;
    let backend = remote(&project, &session, "state push")?;
    let s3 = s3(&backend);
    let Some(lock_id) = errored_lock_id(&file).map(str::to_string) else {
        bail!(
            "{} is not an errored state file (`lockward.errored.<lock-id>.state.json`)\nhint: \
             pass the file a failed apply named",
            args.file.display()
        );
    };
    // A FIFO or a device is refused, never waited on.
    let bytes = crate::files::read_regular(&file)
        .with_context(|| format!("could not read {}", file.display()))?;
    let (state, origin) = crate::state::backend::parse_errored(&file, &bytes)?;
    // The file is pushed only to the backend, and under the lock, it came from.
    let here = s3.origin(&lock_id);
    match origin {
        None => bail!(
            "{} does not name the backend it came from, so lockward cannot tell that it \
             belongs to {}: nothing was pushed\nhint: an errored state file names its backend \
             and lock (`{}`); compare the file with `lockward show {}` and record what it has \
             that the state lacks with `lockward import`",
            args.file.display(),
            s3.location(),
            crate::state::backend::ERRORED_FROM,
            args.file.display()
        ),
        Some(from) => {
            let account_now = match &from.account {
                Some(_) => Some(s3.caller()?.0),
                None => None,
            };
            let same = from.bucket == here.bucket
                && from.key == here.key
                && from.region == here.region
                && from.endpoint == here.endpoint
                && from.account == account_now
                && from.lock_id == lock_id;
            if !same {
                bail!(
                    "{} holds a state that a run could not save to {from}; this config keeps \
                     its state in {}: nothing was pushed, and the file was left as it is\nhint: \
                     push it with the config (and the environment) of the project it came \
                     from",
                    args.file.display(),
                    match &here.endpoint {
                        Some(e) => format!("{} ({}, at {e})", s3.location(), here.region),
                        None => format!("{} ({})", s3.location(), here.region),
                    }
                );
            }
        }
    }

    // The lock: the one the errored run kept, or a new one if it is gone.
    let (lock_id, etag) = match s3.current_lock()? {
        Some((Some(h), etag)) if h.id == lock_id => (lock_id, etag),
        Some((holder, _)) => bail!(
            "the state is locked by another run ({}): nothing was pushed\nhint: wait for it \
             to finish and push again; the errored run's own lock {lock_id} is gone",
            holder.map_or_else(
                || "a lock with no lockward body".to_string(),
                |h| h.to_string()
            )
        ),
        None => {
            let timeout = args.lock_timeout.duration();
            let (_, caller) = s3.caller()?;
            let (holder, etag) = s3.acquire("state push", &caller, timeout).map_err(|e| {
                e.with_unlock_command(|id| {
                    project.suggest("force-unlock", &crate::select::Selection::default(), &[id])
                })
            })?;
            say(format_args!(
                "note: the lock {lock_id} of the run that left this file is gone; pushing under a new lock {}",
                holder.id
            ));
            (holder.id, etag)
        }
    };
    let result = push(s3, &state, &lock_id, &project, &file);
    if let Err(e) = s3.release(&etag) {
        say(format_args!("warning: {e}"));
    }
    result?;
    Ok(ExitCode::SUCCESS)
}

fn push(
    s3: &S3State,
    state: &crate::state::StateFile,
    lock_id: &str,
    project: &Project,
    file: &std::path::Path,
) -> anyhow::Result<()> {
    let based_on = state.serial.saturating_sub(1);
    match s3.remote_header()? {
        None if based_on == 0 => {}
        None => bail!(
            "there is no state at {} any more, and {} was based on serial {based_on}: nothing \
             was pushed\nhint: restore the state from its backup or the bucket's versions first",
            s3.location(),
            file.display()
        ),
        Some((lineage, serial)) if lineage == state.lineage && serial == based_on => {}
        Some((lineage, serial)) => bail!(
            "{} was based on lineage {} serial {based_on}, but {} is now lineage {lineage} serial \
             {serial}: someone wrote the state since, and pushing would lose their update; \
             nothing was pushed\nhint: compare the two (`lockward show {}`), record what the \
             errored file has that the state lacks by running `lockward import` for those \
             addresses, then remove the errored file",
            file.display(),
            state.lineage,
            s3.location(),
            file.display()
        ),
    }
    s3.write_state(state, lock_id)?;
    // The run's journal copy, so `report` and the one-approval-one-attempt check see it.
    let journal_copy = errored_journal_path(&project.config.dir, lock_id_of(file));
    if let Ok(local) = crate::files::read_regular(&journal_copy) {
        let key = s3.journal_key(lock_id_of(file));
        let etag = match s3.read_object(&key)? {
            Some((_, remote)) if remote == local => None,
            Some((etag, remote)) if local.starts_with(&remote) => Some(Some(etag)),
            Some(_) => bail!(
                "the state was pushed, but the journal s3://{}/{key} differs from the local \
                 copy {}, which was kept\nhint: compare them; the local copy has every record \
                 the run made",
                s3.bucket,
                journal_copy.display()
            ),
            None => Some(None),
        };
        if let Some(etag) = etag {
            s3.write_journal(&key, &local, etag.as_deref())?;
        }
        std::fs::remove_file(&journal_copy)
            .with_context(|| format!("could not remove {}", journal_copy.display()))?;
    }
    std::fs::remove_file(file).with_context(|| format!("could not remove {}", file.display()))?;
    say(format_args!(
        "Pushed {} to {} (serial {}); removed the local file. Run `{}` to see where things stand.",
        file.display(),
        s3.location(),
        state.serial,
        project.suggest("plan", &crate::select::Selection::default(), &[])
    ));
    Ok(())
}

fn lock_id_of(file: &std::path::Path) -> &str {
    errored_lock_id(file).unwrap_or_default()
}

/// Sets aside what makes plan and apply refuse a journal (DESIGN.md section 5.9): its lines
/// lockward cannot read, or, for a run journal the state lists, its absence. Under the state
/// lock; no AWS call. The journal itself is left as it is (its readable records still count):
/// the state records each line set aside by its number and SHA-256, so those exact bytes
/// refuse no longer while any other unreadable line still does, and every irreversible action
/// of the addresses they may concern counts from now on as attempted with an unknown effect —
/// each such decision needs an approval of its own.
pub fn state_quarantine(args: &StateQuarantineArgs) -> anyhow::Result<ExitCode> {
    let mut edit = StateEdit::open(
        &args.config,
        &args.state,
        &args.lock_timeout,
        "state quarantine",
    )?;
    let mut state = std::mem::replace(&mut edit.state, crate::state::StateFile::empty());
    let (project, backend, contents) = (&edit.project, &edit.backend, &edit.contents);
    let given = args.journal.to_string_lossy().into_owned();
    let known: Vec<String> = contents
        .sources
        .iter()
        .flatten()
        .cloned()
        .chain(state.runs.iter().map(|r| r.journal.clone()))
        .collect();
    // A journal is named by its file name or key, or by a path or key that ends in it.
    let Some(name) = known
        .iter()
        .find(|k| {
            given == **k || given.ends_with(&format!("/{k}")) || k.ends_with(&format!("/{given}"))
        })
        .cloned()
    else {
        bail!(
            "{given} is not a journal of {}: nothing was set aside\nhint: name the journal \
             the refusal named ({})",
            backend.location(),
            backend.journal_location()
        );
    };
    let set_aside = |line: Option<usize>, sha256: Option<&str>| {
        state
            .quarantined
            .iter()
            .any(|q| q.journal == name && q.line == line && q.sha256.as_deref() == sha256)
    };
    let lines: Vec<_> = contents
        .damaged
        .iter()
        .filter(|d| {
            d.unreadable() && d.journal == name && !set_aside(Some(d.line), Some(&d.sha256))
        })
        .collect();
    let present = contents.sources.as_ref().is_some_and(|s| s.contains(&name));
    let missing =
        !present && state.runs.iter().any(|r| r.journal == name) && !set_aside(None, None);
    if lines.is_empty() && !missing {
        bail!("every line of {name} can be read, and it is there: there is nothing to set aside");
    }
    // A line that names no address it could be read for may concern every resource.
    let mut everyone: Vec<Address> = project
        .config
        .resources
        .iter()
        .map(|r| r.address.clone())
        .chain(state.resources.keys().filter_map(|k| k.parse().ok()))
        .collect();
    everyone.sort();
    everyone.dedup();
    let at = edit.now;
    let mut concerned: Vec<Address> = Vec::new();
    let mut entries: Vec<Quarantined> = lines
        .iter()
        .map(|d| Quarantined {
            journal: name.clone(),
            line: Some(d.line),
            sha256: Some(d.sha256.clone()),
            at,
            addresses: d
                .address
                .clone()
                .map_or_else(|| everyone.clone(), |a| vec![a]),
        })
        .collect();
    if missing {
        entries.push(Quarantined {
            journal: name.clone(),
            line: None,
            sha256: None,
            at,
            addresses: everyone.clone(),
        });
    }
    for entry in &entries {
        concerned.extend(entry.addresses.iter().cloned());
    }
    concerned.sort();
    concerned.dedup();
    state.quarantined.extend(entries);
    edit.writer.save(&mut state).with_context(|| {
        format!(
            "nothing was set aside: {} could not be saved",
            backend.location()
        )
    })?;
    edit.lock
        .release()
        .with_context(|| "the quarantine is saved, but the state lock could not be released")?;
    let what = match (lines.len(), missing) {
        (0, _) => format!("the missing journal {name}"),
        (n, false) => format!("{n} unreadable line(s) of {name}"),
        (n, true) => format!("{n} unreadable line(s) of {name}, and its absence"),
    };
    let names: Vec<String> = concerned.iter().map(ToString::to_string).collect();
    say(format_args!(
        "Set aside {what} (recorded in {}, serial {}). Every irreversible action of {} now \
         counts as attempted with an unknown effect: each needs an approval of its own.\n\
         hint: run `{}` and review what it shows",
        backend.location(),
        state.serial,
        names.join(", "),
        project.suggest("plan", &crate::select::Selection::default(), &[])
    ));
    Ok(ExitCode::SUCCESS)
}

/// Lists the records the state keeps, one line each: address, what it records, where, and
/// whether the configuration still declares it.
pub fn state_list(args: &StateListArgs) -> anyhow::Result<ExitCode> {
    let session = Session::from_environment()?;
    let project = Project::load(&args.config, &args.state)?;
    let rt = runtime()?;
    rt.block_on(project.check_before_calls(&session, Reach::Resources))?;
    let backend = project.backend(&session)?;
    let state = backend.load()?;
    let mut out = std::io::stdout().lock();
    for (address, record) in &state.resources {
        let declared = address
            .parse::<Address>()
            .is_ok_and(|a| project.config.declares(&a));
        let fields: Vec<String> = record
            .fields()
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", crate::render::escape::text(&v)))
            .collect();
        let place = record
            .target()
            .map(|t| format!(" in {t}"))
            .unwrap_or_default();
        let note = if declared { "" } else { " (not declared)" };
        writeln!(out, "{address}{note}{place}: {}", fields.join(", "))?;
    }
    out.flush()?;
    say(format_args!(
        "{} record(s) in {} (serial {}).",
        state.resources.len(),
        backend.location(),
        state.serial
    ));
    Ok(ExitCode::SUCCESS)
}

/// Why `address`'s record may not leave it by hand: a lock id only it holds (unless it is
/// `moving`, when the id goes with it), or an attempt whose effect is unknown (pending in the
/// state, or unsettled in the journal): the attempts stay at the address. `None` when nothing
/// stands in the way.
fn pinned(
    state: &crate::state::StateFile,
    history: &crate::plan::History,
    address: &Address,
    moving: bool,
) -> Option<String> {
    if let Some(id) = state
        .get(address)
        .and_then(|r| r.unfinished_lock_id())
        .filter(|_| !moving)
    {
        return Some(format!(
            "it holds lock id {id} of a lock that is not completed yet (AWS returns the id \
             only once, and completing or aborting the lock needs it)"
        ));
    }
    if state.attempts.iter().any(|a| &a.address == address) {
        return Some("an attempt of an irreversible action is pending in the state".to_string());
    }
    let unknown: Vec<&str> = history
        .attempts
        .get(address)
        .into_iter()
        .flatten()
        .filter(|a| a.effect == crate::plan::Effect::Unknown)
        .map(|a| a.action.as_str())
        .collect();
    if !unknown.is_empty() {
        return Some(format!(
            "the journal has an attempt of {} whose effect is unknown (one approval, one \
             attempt depends on it)",
            unknown.join(", ")
        ));
    }
    None
}

/// Forgets the records of `args.addresses`, under the state lock, journaled.
pub fn state_rm(args: &StateRmArgs) -> anyhow::Result<ExitCode> {
    let mut edit = StateEdit::open(&args.config, &args.state, &args.lock_timeout, "state rm")?;
    let mut state = std::mem::replace(&mut edit.state, crate::state::StateFile::empty());
    let mut refusals = Vec::new();
    for address in &args.addresses {
        if state.get(address).is_none() {
            refusals.push(format!("{address}: the state has no record of it"));
        } else if let Some(why) = pinned(&state, &edit.history, address, false) {
            refusals.push(format!("{address}: {why}"));
        }
    }
    if !refusals.is_empty() {
        bail!(
            "nothing was removed:\n  - {}\nhint: `lockward plan` shows what the state and the \
             journal remember of each",
            refusals.join("\n  - ")
        );
    }
    for address in &args.addresses {
        state.resources.remove(&address.to_string());
    }
    edit.writer.save(&mut state)?;
    let records: Vec<JournalRecord> = args
        .addresses
        .iter()
        .map(|a| edit.record(a, JournalAction::StateRm, serde_json::Map::new()))
        .collect();
    edit.journal.append_all(&records)?;
    edit.lock.release()?;
    let names: Vec<String> = args.addresses.iter().map(ToString::to_string).collect();
    say(format_args!(
        "Removed the record(s) of {} (state serial {}; journaled). Nothing changed in AWS.",
        names.join(", "),
        state.serial
    ));
    Ok(ExitCode::SUCCESS)
}

/// Moves the record at `args.from` to `args.to`, under the state lock, journaled.
pub fn state_mv(args: &StateMvArgs) -> anyhow::Result<ExitCode> {
    let (from, to) = (&args.from, &args.to);
    if from.kind != to.kind {
        bail!(
            "{from} is a {} and {to} a {}: a record moves only to an address of its own kind",
            from.kind,
            to.kind
        );
    }
    if from == to {
        bail!("{from} is already where the record is: nothing to move");
    }
    let mut edit = StateEdit::open(&args.config, &args.state, &args.lock_timeout, "state mv")?;
    let mut state = std::mem::replace(&mut edit.state, crate::state::StateFile::empty());
    let Some(record) = state.get(from).cloned() else {
        bail!("the state has no record of {from}: nothing was moved\nhint: `lockward state list` shows the records");
    };
    if state.get(to).is_some() {
        bail!("the state already has a record of {to}: nothing was moved\nhint: `lockward state rm {to}` first, if that record is not needed");
    }
    if let Some(why) = pinned(&state, &edit.history, from, true).or_else(|| {
        edit.history
            .attempts
            .get(to)
            .is_some_and(|all| all.iter().any(|a| a.counts_for_good()))
            .then(|| {
                format!(
                    "the journal holds attempts of irreversible actions at {to}, which \
                         would become the record's"
                )
            })
    }) {
        bail!("nothing was moved: {why}");
    }
    state.resources.remove(&from.to_string());
    state.set(to, record);
    edit.writer.save(&mut state)?;
    let mut detail = serde_json::Map::new();
    detail.insert("from".into(), serde_json::Value::String(from.to_string()));
    edit.journal
        .append(&edit.record(to, JournalAction::StateMv, detail))?;
    edit.lock.release()?;
    say(format_args!(
        "Moved the record of {from} to {to} (state serial {}; journaled). Nothing changed in AWS.",
        state.serial
    ));
    Ok(ExitCode::SUCCESS)
}

/// A hand edit of the state: its lock held, the state and its journals read.
struct StateEdit {
    project: Project,
    backend: StateBackend,
    lock: crate::state::HeldLock,
    writer: crate::state::StateWriter,
    journal: crate::state::RunJournal,
    state: crate::state::StateFile,
    contents: crate::apply::journal::JournalContents,
    history: crate::plan::History,
    now: jiff::Timestamp,
}

impl StateEdit {
    fn open(
        config: &crate::cli::ConfigArg,
        state: &StateArg,
        lock_timeout: &crate::cli::LockTimeoutArg,
        command: &str,
    ) -> anyhow::Result<StateEdit> {
        let session = Session::from_environment()?;
        let project = Project::load(config, state)?;
        project.refuse_if_errored()?;
        let rt = runtime()?;
        let (backend, lock) =
            project.lock_state(&session, &rt, command, lock_timeout.duration())?;
        let state = backend.load()?;
        let contents = backend.read_journal()?;
        let history = contents.history().with_pending(&state);
        Ok(StateEdit {
            writer: lock.writer(),
            journal: lock.journal(),
            lock,
            state,
            contents,
            history,
            now: session.now,
            project,
            backend,
        })
    }

    fn record(
        &self,
        address: &Address,
        action: JournalAction,
        detail: serde_json::Map<String, serde_json::Value>,
    ) -> JournalRecord {
        JournalRecord::new(self.now, address.clone(), action, Phase::Done, detail)
    }
}
