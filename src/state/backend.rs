//! Where the state lives: the local file beside the config, or S3 (`backend: s3`). Commands
//! open a [`StateBackend`], read through it, and write only through the [`HeldLock`] it gives:
//! the executor, plan, report, show and import do not know which one they use.
//!
//! Guarantees callers may rely on:
//! - [`StateBackend::lock`] returns only when this run holds the state lock; while a
//!   [`HeldLock`] is alive no other run holds it. Dropping it releases the lock, unless
//!   [`HeldLock::keep`] said to keep it (a state that could not be saved).
//! - [`StateWriter::save`] never overwrites a state written by someone else (see the file
//!   store and [`super::s3`]).
//! - [`keep_errored`] never overwrites a file: an errored state file of a lock id is written
//!   once, mode 0600.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::lock::{LockError, StateLock};
use super::model::StateFile;
use super::s3::{RemoteError, RemoteHolder, S3State};
use super::store::{StateError, StateStore};
use crate::apply::journal::{Journal, JournalContents, JournalError, JournalRecord};
use crate::aws::ClientOptions;
use crate::config::{Backend, Config};

/// The start and end of an errored state file's name: `lockward.errored.<lock-id>.state.json`.
pub const ERRORED_PREFIX: &str = "lockward.errored.";
pub const ERRORED_STATE_SUFFIX: &str = ".state.json";
pub const ERRORED_JOURNAL_SUFFIX: &str = ".journal.jsonl";

/// Everything that can go wrong with the state backend. Each message says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Remote(#[from] RemoteError),
}

/// The backend's own target, part of a saved plan's stale check: a plan made against one
/// state is never applied against another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackendTarget {
    pub account: String,
    pub region: String,
    pub endpoint: Option<String>,
    /// Where the account was asked, when not at `endpoint` (see
    /// [`crate::plan::Target::identity_endpoint`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_endpoint: Option<String>,
    pub bucket: String,
    pub key: String,
}

impl std::fmt::Display for BackendTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "s3://{}/{} in account {}, {}",
            self.bucket, self.key, self.account, self.region
        )?;
        if let Some(e) = &self.endpoint {
            write!(f, " at {e}")?;
        }
        if let Some(sts) = &self.identity_endpoint {
            write!(f, " (the account asked at {sts})")?;
        }
        Ok(())
    }
}

/// Where the state is kept.
#[derive(Clone)]
pub enum StateBackend {
    /// The state file at this path, with its backup, lock and journal beside it.
    Local(PathBuf),
    S3(Arc<S3State>),
}

impl StateBackend {
    /// The backend `config` names, or the local file at `state_path`. Makes no call.
    pub fn open(
        config: &Config,
        state_path: &Path,
        options: &ClientOptions,
    ) -> Result<StateBackend, BackendError> {
        match &config.backend {
            None => Ok(StateBackend::Local(state_path.to_path_buf())),
            Some(Backend::S3(s3)) => {
                // The config check refuses a backend naming an undeclared provider; the
                // provider is named by key, so the lookup can still miss.
                let Some(provider) = config.providers.get(&s3.provider) else {
                    return Err(RemoteError::Failed(format!(
                        "internal error: the backend's provider `{}` is not declared; this is a bug in lockward",
                        s3.provider
                    ))
                    .into());
                };
                Ok(StateBackend::S3(Arc::new(S3State::connect(
                    s3, provider, options,
                )?)))
            }
        }
    }

    /// The state's place, for messages: a path, or `s3://bucket/key`.
    pub fn location(&self) -> String {
        match self {
            StateBackend::Local(path) => path.display().to_string(),
            StateBackend::S3(s3) => s3.location(),
        }
    }

    /// Reads the state (see [`StateStore::load`]; an S3 object is checked as strictly).
    pub fn load(&self) -> Result<StateFile, StateError> {
        match self {
            StateBackend::Local(path) => StateStore::new(path).load(),
            StateBackend::S3(s3) => s3.load(),
        }
    }

    /// Every journal record this state has: the local journal, or every run's journal
    /// object in S3.
    pub fn read_journal(&self) -> Result<JournalContents, BackendError> {
        match self {
            StateBackend::Local(path) => {
                let mut contents = Journal::for_state(path).read_all()?;
                // No journal file: none of the runs the state lists has its journal here.
                contents.sources.get_or_insert_with(Default::default);
                Ok(contents)
            }
            StateBackend::S3(s3) => Ok(s3.read_journals()?),
        }
    }

    /// Where the journal is, for messages.
    pub fn journal_location(&self) -> String {
        match self {
            StateBackend::Local(path) => Journal::for_state(path).path().display().to_string(),
            StateBackend::S3(s3) => format!("{}{}", s3.location(), super::s3::JOURNAL_INFIX),
        }
    }

    /// The backend's target (asks STS who the backend's credentials are); `None` for the
    /// local file.
    pub fn target(&self) -> Result<Option<BackendTarget>, BackendError> {
        match self {
            StateBackend::Local(_) => Ok(None),
            StateBackend::S3(s3) => {
                let (account, _) = s3.caller()?;
                Ok(Some(BackendTarget {
                    account,
                    region: s3.region.clone(),
                    endpoint: s3.endpoint.clone(),
                    identity_endpoint: s3.identity_endpoint.clone(),
                    bucket: s3.bucket.clone(),
                    key: s3.key.clone(),
                }))
            }
        }
    }

    /// Takes the state lock for `operation` (e.g. `apply`), waiting up to `timeout`; a held
    /// lock is refused naming its holder.
    /// `unlock` makes the command a refusal suggests to release a held S3 lock (given its id).
    pub fn lock(
        &self,
        operation: &str,
        timeout: Duration,
        unlock: &dyn Fn(&str) -> String,
    ) -> Result<HeldLock, BackendError> {
        let held = match self {
            StateBackend::Local(path) => Held::Local(StateLock::acquire(path, operation, timeout)?),
            StateBackend::S3(s3) => {
                let (_, caller) = s3.caller()?;
                let (holder, etag) = s3
                    .acquire(operation, &caller, timeout)
                    .map_err(|e| e.with_unlock_command(unlock))?;
                Held::S3 { holder, etag }
            }
        };
        Ok(HeldLock {
            backend: self.clone(),
            held: Some(held),
        })
    }

    /// The lock id of the run holding the S3 state lock now (`None` when none does, or for
    /// the local file, whose lock is not read without taking it).
    pub fn running(&self) -> Option<String> {
        match self {
            StateBackend::Local(_) => None,
            StateBackend::S3(s3) => s3.current_lock().ok().flatten()?.0.map(|h| h.id),
        }
    }

    /// The S3 state, when the backend is S3.
    pub fn s3(&self) -> Option<&Arc<S3State>> {
        match self {
            StateBackend::S3(s3) => Some(s3),
            StateBackend::Local(_) => None,
        }
    }
}

enum Held {
    Local(StateLock),
    S3 { holder: RemoteHolder, etag: String },
}

/// The state lock, held by this run. Writes go through it.
pub struct HeldLock {
    backend: StateBackend,
    /// `None` once released or kept.
    held: Option<Held>,
}

impl HeldLock {
    /// This hold's id (a UUID v4): S3 journals are named by it, `force-unlock` takes it.
    pub fn id(&self) -> &str {
        match &self.held {
            Some(Held::Local(l)) => &l.holder().id,
            Some(Held::S3 { holder, .. }) => &holder.id,
            None => "",
        }
    }

    /// Writes the state under this lock.
    pub fn writer(&self) -> StateWriter {
        let (started, proof) = match &self.held {
            Some(Held::Local(l)) => (
                l.holder().started_at,
                LockProof::Local {
                    path: l.path().to_path_buf(),
                    identity: l.identity(),
                },
            ),
            Some(Held::S3 { holder, etag }) => (holder.started, LockProof::S3(etag.clone())),
            None => (jiff::Timestamp::UNIX_EPOCH, LockProof::Released),
        };
        let run = RunMark {
            lock_id: self.id().to_string(),
            started,
            proof,
        };
        match &self.backend {
            StateBackend::Local(path) => StateWriter::Local(StateStore::new(path), run),
            StateBackend::S3(s3) => StateWriter::S3 {
                state: s3.clone(),
                lock_id: self.id().to_string(),
                run,
            },
        }
    }

    /// This run's journal: appended to the local journal, or its own S3 object.
    pub fn journal(&self) -> RunJournal {
        match &self.backend {
            StateBackend::Local(path) => RunJournal::Local(Journal::for_state(path)),
            StateBackend::S3(s3) => RunJournal::S3(Arc::new(S3Journal {
                key: s3.journal_key(self.id()),
                state: s3.clone(),
                written: Mutex::new((Vec::new(), None)),
            })),
        }
    }

    /// Leaves the lock in place: a state that could not be saved must be pushed under it
    /// (`lockward state push`) before anyone else writes.
    pub fn keep(mut self) {
        self.held = None;
    }

    /// Releases the lock now, saying what went wrong if it could not be.
    pub fn release(mut self) -> Result<(), BackendError> {
        self.release_now()
    }

    fn release_now(&mut self) -> Result<(), BackendError> {
        match (self.held.take(), &self.backend) {
            (Some(Held::S3 { etag, .. }), StateBackend::S3(s3)) => Ok(s3.release(&etag)?),
            // Dropping the file lock releases it.
            _ => Ok(()),
        }
    }
}

impl Drop for HeldLock {
    fn drop(&mut self) {
        if let Err(e) = self.release_now() {
            tracing::warn!(%e, "could not release the state lock");
        }
    }
}

/// How a run proves it still holds its lock (DESIGN.md section 5.10).
#[derive(Clone, Debug)]
enum LockProof {
    /// The lock file at `path` is still the file this run locked.
    Local {
        path: PathBuf,
        identity: Option<(u64, u64)>,
    },
    /// The lock object still has this ETag.
    S3(String),
    /// The lock was released or kept: nothing to prove with.
    Released,
}

/// The run writing through a [`StateWriter`]: its lock id, when it took the lock, and how it
/// proves it still holds it.
#[derive(Clone, Debug)]
pub struct RunMark {
    pub lock_id: String,
    pub started: jiff::Timestamp,
    proof: LockProof,
}

/// Saves the state under a held lock.
#[derive(Clone)]
pub enum StateWriter {
    Local(StateStore, RunMark),
    S3 {
        state: Arc<S3State>,
        lock_id: String,
        run: RunMark,
    },
}

impl StateWriter {
    /// Writes `state` as the next version (see [`StateStore::save`]). The run's first write
    /// marks the state as this run's: its `lock_id`, and an `epoch` one higher (DESIGN.md
    /// section 5.10); like every write it is conditional on the version this run read or last
    /// wrote, so a run whose lock was taken over (and the state written by the new holder)
    /// fails here.
    pub fn save(&self, state: &mut StateFile) -> Result<(), StateError> {
        let run = self.run();
        if state.lock_id.as_deref() != Some(run.lock_id.as_str()) {
            state.epoch = state.epoch.saturating_add(1);
            state.lock_id = Some(run.lock_id.clone());
        }
        match self {
            StateWriter::Local(store, _) => store.save(state),
            StateWriter::S3 {
                state: s3, lock_id, ..
            } => s3.save(state, lock_id),
        }
    }

    /// The run writing.
    pub fn run(&self) -> &RunMark {
        match self {
            StateWriter::Local(_, run) | StateWriter::S3 { run, .. } => run,
        }
    }

    /// Whether the state lock is still this run's (S3: a HEAD with `If-Match` on the lock
    /// object's ETag; locally: the lock file is still the one this run locked). An error
    /// says why it could not be told, which counts as not proven.
    pub fn still_holds_lock(&self) -> Result<bool, String> {
        match (&self.run().proof, self) {
            (LockProof::S3(etag), StateWriter::S3 { state, .. }) => {
                state.still_holds(etag).map_err(|e| e.to_string())
            }
            (LockProof::Local { path, identity }, _) => {
                use std::os::unix::fs::MetadataExt;
                let now = std::fs::symlink_metadata(path).map(|m| (m.dev(), m.ino()));
                Ok(identity.is_some() && now.ok() == *identity)
            }
            _ => Ok(false),
        }
    }

    /// Creates the store with `state` as its first version, only if there is none (a local
    /// file renamed into place without replacing, an S3 object put with `If-None-Match: *`);
    /// a store that exists by now is an error and nothing is written.
    pub fn create(&self, state: &mut StateFile) -> Result<(), StateError> {
        // The first version is this run's first write: marked like every save's first.
        let run = self.run();
        state.epoch = state.epoch.saturating_add(1);
        state.lock_id = Some(run.lock_id.clone());
        match self {
            StateWriter::Local(store, _) => store.create(state),
            StateWriter::S3 {
                state: s3, lock_id, ..
            } => s3.create(state, lock_id),
        }
    }

    /// Where an errored state file of this writer's run came from (S3 only).
    pub fn origin(&self, lock_id: &str) -> Option<ErroredOrigin> {
        match self {
            StateWriter::Local(..) => None,
            StateWriter::S3 { state, .. } => Some(state.origin(lock_id)),
        }
    }

    /// The last state a save could not write (S3 only: a local file that cannot be written
    /// is found by the preflight, before any call).
    pub fn unsaved(&self) -> Option<StateFile> {
        match self {
            StateWriter::Local(..) => None,
            StateWriter::S3 { state, .. } => state.unsaved(),
        }
    }
}

/// One run's S3 journal object, rewritten whole (conditionally) as records are added.
pub struct S3Journal {
    state: Arc<S3State>,
    key: String,
    /// Every record this run appended, written or not (a failed write's records go out with
    /// the next write, and into the local copy of an errored run), and the object's ETag as
    /// last written (`None`: not written yet).
    written: Mutex<(Vec<u8>, Option<String>)>,
}

/// Where this run's journal records go.
#[derive(Clone)]
pub enum RunJournal {
    Local(Journal),
    S3(Arc<S3Journal>),
}

impl RunJournal {
    /// Appends `records` (one write): durable when this returns.
    pub fn append_all(&self, records: &[JournalRecord]) -> Result<(), JournalError> {
        match self {
            RunJournal::Local(j) => j.append_all(records),
            RunJournal::S3(j) => {
                let mut written = j.written.lock().unwrap_or_else(|p| p.into_inner());
                let (body, etag) = &mut *written;
                for record in records {
                    serde_json::to_writer(&mut *body, record)
                        .map_err(|e| JournalError::Remote(e.to_string()))?;
                    body.push(b'\n');
                }
                let new_etag = j
                    .state
                    .write_journal(&j.key, body, etag.as_deref())
                    .map_err(|e| JournalError::Remote(e.to_string()))?;
                *etag = Some(new_etag);
                Ok(())
            }
        }
    }

    pub fn append(&self, record: &JournalRecord) -> Result<(), JournalError> {
        self.append_all(std::slice::from_ref(record))
    }

    /// Where the records go, for messages.
    pub fn location(&self) -> String {
        match self {
            RunJournal::Local(j) => j.path().display().to_string(),
            RunJournal::S3(j) => format!("s3://{}/{}", j.state.bucket, j.key),
        }
    }

    /// The journal's name as the state's runs list it: the S3 object's key, or the local
    /// journal's file name.
    pub fn name(&self) -> String {
        match self {
            RunJournal::Local(j) => j.file_name().unwrap_or_default(),
            RunJournal::S3(j) => j.key.clone(),
        }
    }

    /// Whether anything was written to it (by this run, for S3; ever, for the file).
    pub fn written(&self) -> bool {
        match self {
            RunJournal::Local(j) => j.path().exists(),
            RunJournal::S3(j) => j.written.lock().map(|w| w.1.is_some()).unwrap_or(true),
        }
    }

    /// Every record this run appended, written to S3 or not, for a local copy (S3 only).
    fn run_records(&self) -> Option<Vec<u8>> {
        match self {
            RunJournal::Local(_) => None,
            RunJournal::S3(j) => Some(j.written.lock().map(|w| w.0.clone()).unwrap_or_default()),
        }
    }
}

/// Where an errored state file came from: the backend and the lock of the run that could not
/// save it. Written into the file (`errored_from`), so `state push` pushes it only there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErroredOrigin {
    pub bucket: String,
    pub key: String,
    pub region: String,
    pub endpoint: Option<String>,
    /// The backend's account, when the run had asked it.
    pub account: Option<String>,
    pub lock_id: String,
}

impl std::fmt::Display for ErroredOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{} in ", self.bucket, self.key)?;
        if let Some(account) = &self.account {
            write!(f, "account {account}, ")?;
        }
        write!(f, "{}", self.region)?;
        if let Some(e) = &self.endpoint {
            write!(f, " at {e}")?;
        }
        write!(f, ", lock {}", self.lock_id)
    }
}

/// The member of an errored state file that names its origin.
pub const ERRORED_FROM: &str = "errored_from";

/// Reads an errored state file's bytes: the state (checked as strictly as a state file) and
/// where it came from (`None`: the file names no origin).
pub fn parse_errored(
    path: &Path,
    bytes: &[u8],
) -> Result<(StateFile, Option<ErroredOrigin>), StateError> {
    let corrupt = |detail: String| StateError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    let mut value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    let origin = match value.as_object_mut().and_then(|m| m.remove(ERRORED_FROM)) {
        Some(v) => Some(
            serde_json::from_value::<ErroredOrigin>(v)
                .map_err(|e| corrupt(format!("its `{ERRORED_FROM}` is not an origin: {e}")))?,
        ),
        None => None,
    };
    let plain = serde_json::to_vec(&value).map_err(|e| corrupt(e.to_string()))?;
    Ok((super::store::parse(path, &plain)?, origin))
}

/// The errored state file of the run holding lock `lock_id`, in `dir`.
pub fn errored_state_path(dir: &Path, lock_id: &str) -> PathBuf {
    dir.join(format!("{ERRORED_PREFIX}{lock_id}{ERRORED_STATE_SUFFIX}"))
}

/// The local copy of that run's journal.
pub fn errored_journal_path(dir: &Path, lock_id: &str) -> PathBuf {
    dir.join(format!("{ERRORED_PREFIX}{lock_id}{ERRORED_JOURNAL_SUFFIX}"))
}

/// The lock id an errored state file's name carries.
pub fn errored_lock_id(path: &Path) -> Option<&str> {
    path.file_name()?
        .to_str()?
        .strip_prefix(ERRORED_PREFIX)?
        .strip_suffix(ERRORED_STATE_SUFFIX)
        .filter(|id| !id.is_empty() && !id.contains('/'))
}

/// Every errored state file in `dir`, sorted.
pub fn errored_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| errored_lock_id(p).is_some())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// After a state write failed: writes the state that could not be saved to the errored
/// state file in `dir` (mode 0600, never over an existing file) and this run's journal beside
/// it, then keeps the lock. Returns the errored state file; `None` when there was nothing
/// unsaved (the lock is then released as usual).
pub fn keep_errored(
    dir: &Path,
    lock: HeldLock,
    writer: &StateWriter,
    journal: &RunJournal,
) -> io::Result<Option<PathBuf>> {
    let Some(unsaved) = writer.unsaved() else {
        return Ok(None);
    };
    let id = lock.id().to_string();
    // From here on the lock id must not be lost: keep the lock whatever happens to the files.
    lock.keep();
    let mut value = serde_json::to_value(&unsaved).map_err(io::Error::other)?;
    if let (Some(origin), serde_json::Value::Object(map)) = (writer.origin(&id), &mut value) {
        map.insert(
            ERRORED_FROM.to_string(),
            serde_json::to_value(origin).map_err(io::Error::other)?,
        );
    }
    let mut bytes = serde_json::to_vec_pretty(&value).map_err(io::Error::other)?;
    bytes.push(b'\n');
    let state_path = errored_state_path(dir, &id);
    write_new_private(&state_path, &bytes)?;
    if let Some(records) = journal.run_records() {
        write_new_private(&errored_journal_path(dir, &id), &records)?;
    }
    Ok(Some(state_path))
}

/// Creates `path` (mode 0600) holding `bytes`, fsynced; an existing file is an error (the
/// writing rule, [`crate::files`]).
fn write_new_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    crate::files::write_new(path, bytes, crate::files::Purpose::ErroredState)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errored_file_names_carry_the_lock_id() {
        let dir = Path::new("/x");
        let p = errored_state_path(dir, "abc-123");
        assert_eq!(p, Path::new("/x/lockward.errored.abc-123.state.json"));
        assert_eq!(errored_lock_id(&p), Some("abc-123"));
        assert_eq!(
            errored_lock_id(Path::new("lockward.errored..state.json")),
            None
        );
        assert_eq!(errored_lock_id(Path::new("lockward.state.json")), None);
        assert_eq!(
            errored_lock_id(&errored_journal_path(dir, "abc-123")),
            None,
            "the journal copy is not a state file"
        );
    }

    /// A journal write that fails loses nothing: its records go out with the next write and
    /// are in what an errored run copies locally.
    #[test]
    fn an_s3_journal_write_that_fails_goes_out_with_the_next() {
        let emulator = lockward_emulator::spawn(lockward_emulator::EmulatorConfig::default())
            .expect("start the emulator");
        emulator
            .seed(serde_json::json!({"s3": [{"region": "us-east-1", "bucket": "journal-test"}]}))
            .unwrap();
        let provider = crate::config::Provider {
            name: "default".to_string(),
            region: "us-east-1".to_string(),
            profile: None,
            endpoint_url: Some(emulator.url()),
            assume_role: None,
            instance_of: None,
        };
        let backend = crate::config::S3Backend {
            bucket: "journal-test".to_string(),
            key: "k".to_string(),
            provider: "default".to_string(),
            expected_owner: None,
        };
        let options = ClientOptions {
            static_credentials: Some(("AKIDTEST".to_string(), "secret".to_string())),
            ..ClientOptions::default()
        };
        let s3 = Arc::new(S3State::connect(&backend, &provider, &options).unwrap());
        let journal = RunJournal::S3(Arc::new(S3Journal {
            state: s3.clone(),
            key: s3.journal_key("run"),
            written: Mutex::new((Vec::new(), None)),
        }));
        let record = |n: u32| {
            let mut detail = serde_json::Map::new();
            detail.insert("n".to_string(), serde_json::json!(n));
            JournalRecord::new(
                "2026-11-23T12:00:00Z".parse().unwrap(),
                "glacier_vault_lock.a".parse().unwrap(),
                crate::apply::journal::JournalAction::Recover,
                crate::apply::journal::Phase::Recovered,
                detail,
            )
        };
        let on_s3 = || {
            let (_, body) = s3.read_object("k.journal/run.jsonl").unwrap().unwrap();
            crate::apply::journal::parse(&body, "").records
        };
        journal.append(&record(1)).unwrap();
        emulator
            .set_faults(serde_json::json!({"rules": [{"operation": "PutObject",
                "key": "k.journal/run.jsonl", "kind": "drop_before_apply"}]}))
            .unwrap();
        assert!(journal.append(&record(2)).is_err());
        emulator
            .set_faults(serde_json::json!({"rules": []}))
            .unwrap();
        assert_eq!(on_s3(), vec![record(1)]);
        let copy = crate::apply::journal::parse(&journal.run_records().unwrap(), "").records;
        assert_eq!(
            copy,
            vec![record(1), record(2)],
            "the local copy has the failed record"
        );
        journal.append(&record(3)).unwrap();
        assert_eq!(on_s3(), vec![record(1), record(2), record(3)]);
    }

    #[test]
    fn an_errored_file_is_never_overwritten_and_is_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = errored_state_path(dir.path(), "id");
        write_new_private(&path, b"first").unwrap();
        assert!(write_new_private(&path, b"second").is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(errored_files(dir.path()), vec![path]);
    }
}
