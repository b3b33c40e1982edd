//! The journal: `<state>.journal.jsonl`, an append-only record of every mutating call, one
//! JSON object a line: `{ts, address, action, phase, detail}` (DESIGN.md section 5).
//!
//! Guarantees callers may rely on:
//! - [`Journal::append`] returns only once the record is on disk (fsync): an `intent` written
//!   before a call survives a crash during the call.
//! - Records are never rewritten or removed. A line torn by a crash mid-write is closed off
//!   by the next append (which starts a new line), and [`Journal::read_all`] reports it
//!   instead of failing, with every intact record.
//! - The file is created mode 0600 and a symlink in its place is refused.
//!
//! The journal holds what the executor puts in `detail` and nothing else; the executor must
//! never put a secret there (no unlock code, no credential).

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::files::{FileError, Own};
use crate::plan::{ActionKind, Attempt, Effect, History, Reversibility, Target};
use crate::state::durable::{self, OpenFailure};
use crate::vocabulary::Address;

/// The suffix of the journal: `<state>.journal.jsonl`.
pub const JOURNAL_SUFFIX: &str = ".journal.jsonl";

/// `<state>.journal.jsonl` for the state file at `state_path`.
pub fn journal_path(state_path: &Path) -> PathBuf {
    durable::with_suffix(state_path, JOURNAL_SUFFIX)
}

/// Where one mutating call stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// About to make the call. Written (and fsynced) before it.
    Intent,
    /// The call succeeded and its result is in the state file.
    Done,
    /// The call failed; `detail` says how.
    Failed,
    /// An earlier `intent` left without `done` or `failed` (a crash, or an ambiguous failure)
    /// was settled by reading the live state; `detail` says what was found and done about it.
    Recovered,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Intent => "intent",
            Phase::Done => "done",
            Phase::Failed => "failed",
            Phase::Recovered => "recovered",
        }
    }

    /// Whether this phase settles an earlier `intent`.
    pub fn settles_intent(self) -> bool {
        !matches!(self, Phase::Intent)
    }
}

/// One line of the journal: `{ts, address, action, phase, plan_digest, caller, target, effect,
/// approval, reason, request_id, detail}`. Fields added later are optional, so older journals
/// still read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalRecord {
    /// When the record was made.
    pub ts: Timestamp,
    pub address: Address,
    pub action: JournalAction,
    pub phase: Phase,
    /// The digest of the plan whose approval the call ran under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_digest: Option<String>,
    /// Who made the call (STS GetCallerIdentity), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller: Option<Value>,
    /// Where the call went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// On a `failed` record: whether AWS's answer proves the call did nothing (`none`) or the
    /// call may have taken effect (`unknown`). A `failed` record without it counts as unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    /// How the plan the call ran under was approved (`typed`, `digest`, `auto`); absent on
    /// records of commands that need no approval and on journals written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
    /// The `apply --reason` text (a change reference, a ticket), given after the review and so
    /// never digested; absent when none was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// On a `done`, `failed` or `recovered` record: the AWS request id of the mutating call's
    /// answer (to find it in CloudTrail), when an answer came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Context for people and for recovery: lock id, error, what a recovery found.
    /// Never a secret.
    pub detail: Map<String, Value>,
}

/// How an apply's plan was approved (DESIGN.md section 5 item 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    /// A person answered the questions on a terminal.
    Typed,
    /// `--approve DIGEST` named exactly the plan.
    Digest,
    /// `--auto-approve`: every action was reversible and none lowered protection.
    Auto,
}

impl Approval {
    pub fn as_str(self) -> &'static str {
        match self {
            Approval::Typed => "typed",
            Approval::Digest => "digest",
            Approval::Auto => "auto",
        }
    }
}

impl JournalRecord {
    pub fn new(
        ts: Timestamp,
        address: Address,
        action: impl Into<JournalAction>,
        phase: Phase,
        detail: Map<String, Value>,
    ) -> JournalRecord {
        JournalRecord {
            ts,
            address,
            action: action.into(),
            phase,
            plan_digest: None,
            caller: None,
            target: None,
            effect: None,
            approval: None,
            reason: None,
            request_id: None,
            detail,
        }
    }

    /// The plan digest this record ran under: the field, or (journals written before it was
    /// one) `detail.plan`.
    pub fn plan(&self) -> Option<&str> {
        self.plan_digest
            .as_deref()
            .or_else(|| self.detail.get("plan").and_then(Value::as_str))
    }
}

/// What a journal record is about: one of the plan's API actions, or `import` (`lockward
/// import` adopted a lock that already existed: no call was made). Written as its name,
/// e.g. `"complete_lock"` or `"import"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JournalAction {
    Api(ActionKind),
    Import,
    /// `apply` or `import` persisted what a plan found without a call (a lock id found only in
    /// the journal, an unrecorded completion, a moved record).
    Recover,
    /// `lockward state rm` forgot the record of the address.
    StateRm,
    /// `lockward state mv` moved a record to the address (`detail.from` names where it was).
    StateMv,
}

impl JournalAction {
    pub fn as_str(self) -> &'static str {
        match self {
            JournalAction::Api(action) => action.as_str(),
            JournalAction::Import => "import",
            JournalAction::Recover => "recover",
            JournalAction::StateRm => "state_rm",
            JournalAction::StateMv => "state_mv",
        }
    }
}

impl From<ActionKind> for JournalAction {
    fn from(action: ActionKind) -> Self {
        JournalAction::Api(action)
    }
}

impl PartialEq<ActionKind> for JournalAction {
    fn eq(&self, other: &ActionKind) -> bool {
        *self == JournalAction::Api(*other)
    }
}

impl Serialize for JournalAction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for JournalAction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        match name.as_str() {
            "import" => return Ok(JournalAction::Import),
            "recover" => return Ok(JournalAction::Recover),
            "state_rm" => return Ok(JournalAction::StateRm),
            "state_mv" => return Ok(JournalAction::StateMv),
            _ => {}
        }
        ActionKind::deserialize(serde::de::value::StrDeserializer::<D::Error>::new(&name))
            .map(JournalAction::Api)
    }
}

/// A line of the journal that is not a readable record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DamagedLine {
    /// 1-based line number.
    pub line: usize,
    /// Byte offset of the line's start.
    pub offset: u64,
    /// Whether the line is the end of the file without a newline: a record torn by a crash
    /// or a full disk while it was being written (the call it announced may not have been made).
    pub torn_tail: bool,
    /// Why it could not be read.
    pub reason: String,
    /// Whether the line is the start of a record cut off while it was written (a crash or a
    /// full disk; a later append closed it off). Any other damaged line is a record lockward
    /// cannot read (a newer lockward's, or edited): it may be the only trace of an attempt, so
    /// the irreversible actions it may concern are refused (DESIGN.md section 5.9).
    pub cut_off: bool,
    /// The address the line names, when it is JSON with a readable `address`.
    pub address: Option<Address>,
    /// The journal it is in: the local journal's file name, or the S3 object's key.
    pub journal: String,
    /// SHA-256 of the line's bytes (without its newline), `sha256:<hex>`: what `state quarantine`
    /// records, so these bytes at this line stop refusing and any others still do.
    pub sha256: String,
}

impl DamagedLine {
    /// Whether the line may hide an attempt: it is not merely a record cut off mid-write.
    pub fn unreadable(&self) -> bool {
        !self.cut_off
    }
}

/// What [`Journal::read_all`] found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JournalContents {
    /// Every readable record, in file order.
    pub records: Vec<JournalRecord>,
    /// Every line that could not be read, in file order. A torn line that a later append
    /// closed off shows here with `torn_tail: false`.
    pub damaged: Vec<DamagedLine>,
    /// The journals read (the local journal's file name, or each S3 journal object's key),
    /// when the backend lists them: a run the state lists whose journal is not here is
    /// missing.
    pub sources: Option<std::collections::BTreeSet<String>>,
}

impl JournalContents {
    /// The torn last line, if the file ends in one.
    pub fn torn_tail(&self) -> Option<&DamagedLine> {
        self.damaged.last().filter(|d| d.torn_tail)
    }

    /// `intent` records not followed by a record that settles them (`done`, `failed`,
    /// `recovered`) for the same address and action: calls that may or may not have happened,
    /// whose live state must be read before anything else is decided about them.
    pub fn unsettled_intents(&self) -> Vec<&JournalRecord> {
        let mut open: Vec<&JournalRecord> = Vec::new();
        for record in &self.records {
            open.retain(|r| !(r.address == record.address && r.action == record.action));
            if record.phase == Phase::Intent {
                open.push(record);
            }
        }
        open
    }
}

impl JournalContents {
    /// Every attempt of a mutating call, settled by the record that follows its `intent` for
    /// the same address and action: `done` and `recovered` took effect; `failed` did nothing
    /// only when its `effect` says `none`; an intent with no later record, or a `failed` that
    /// says `unknown` (or nothing), may have taken effect.
    pub fn history(&self) -> History {
        let mut history = History::default();
        // Index of the open attempt of (address, action) in its address's list.
        let mut open: std::collections::HashMap<(Address, ActionKind), usize> =
            std::collections::HashMap::new();
        for record in &self.records {
            let JournalAction::Api(action) = record.action else {
                continue;
            };
            let attempts = history.attempts.entry(record.address.clone()).or_default();
            let key = (record.address.clone(), action);
            match record.phase {
                Phase::Intent => {
                    let reversibility = record
                        .detail
                        .get("reversibility")
                        .and_then(|v| serde_json::from_value::<Reversibility>(v.clone()).ok())
                        .unwrap_or_else(|| action.reversibility());
                    attempts.push(Attempt {
                        action,
                        reversibility,
                        effect: Effect::Unknown,
                        plan_digest: record.plan().map(str::to_string),
                        at: record.ts,
                        target: record.target.clone(),
                        detail: record.detail.clone(),
                    });
                    open.insert(key, attempts.len() - 1);
                }
                phase => {
                    let Some(i) = open.remove(&key) else {
                        continue;
                    };
                    let attempt = &mut attempts[i];
                    attempt.effect = match phase {
                        Phase::Done | Phase::Recovered => Effect::Done,
                        _ => record.effect.unwrap_or(Effect::Unknown),
                    };
                    for (k, v) in &record.detail {
                        attempt.detail.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        history.attempts.retain(|_, v| !v.is_empty());
        history.unreadable = self
            .damaged
            .iter()
            .filter(|d| d.unreadable())
            .map(|d| crate::plan::Unreadable {
                address: d.address.clone(),
                reason: format!("journal line {} of {}: {}", d.line, d.journal, d.reason),
                journal: d.journal.clone(),
                line: d.line,
                sha256: d.sha256.clone(),
            })
            .collect();
        history.journals = self.sources.clone();
        history
    }
}

/// Everything that can go wrong with the journal. Each message names the file.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{0}")]
    Remote(String),

    #[error(transparent)]
    File(#[from] crate::files::FileError),
}

/// The journal beside one state file. Shareable between threads: appends are serialized.
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
    /// Opened on the first append; dropped after a failed write, so the next append reopens
    /// the file and closes off whatever the failure left half written.
    /// Shared by clones: one open file per journal.
    file: Arc<Mutex<Option<File>>>,
}

impl Journal {
    /// The journal of the state file at `state_path`. Touches nothing on disk.
    pub fn for_state(state_path: &Path) -> Journal {
        Journal {
            path: journal_path(state_path),
            file: Arc::new(Mutex::new(None)),
        }
    }

    /// The journal file, `<state>.journal.jsonl`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `record` as one line and fsyncs before returning.
    pub fn append(&self, record: &JournalRecord) -> Result<(), JournalError> {
        self.append_all(std::slice::from_ref(record))
    }

    /// Appends `records` in order with one write and one fsync (group commit): durable when
    /// this returns, like [`Journal::append`].
    pub fn append_all(&self, records: &[JournalRecord]) -> Result<(), JournalError> {
        let mut line = Vec::new();
        for record in records {
            serde_json::to_writer(&mut line, record)
                .map_err(|e| self.io("encode a record for", io::Error::other(e)))?;
            line.push(b'\n');
        }

        // A panic elsewhere while holding the mutex leaves at worst a closed-off torn line.
        let mut slot = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if slot.is_none() {
            *slot = Some(self.open_for_append()?);
        }
        let Some(file) = slot.as_mut() else {
            return Err(self.io("open", io::Error::other("the journal was not opened")));
        };
        let written = file.write_all(&line).and_then(|()| file.sync_data());
        if let Err(source) = written {
            *slot = None;
            return Err(self.io("append to", source));
        }
        Ok(())
    }

    /// Every record, tolerating damaged lines (see [`JournalContents`]). A missing journal is
    /// empty.
    pub fn read_all(&self) -> Result<JournalContents, JournalError> {
        let mut file = match durable::open_existing(&self.path, OpenOptions::new().read(true)) {
            Ok(Some(file)) => file,
            Ok(None) => return Ok(JournalContents::default()),
            Err(failure) => return Err(self.open_error(failure)),
        };
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| self.io("read", e))?;
        let name = self.file_name().unwrap_or_default();
        let mut contents = parse(&bytes, &name);
        contents.sources = Some([name].into());
        Ok(contents)
    }

    /// The journal's file name, as the state's runs name it.
    pub fn file_name(&self) -> Option<String> {
        Some(self.path.file_name()?.to_string_lossy().into_owned())
    }

    /// Opens (creating it 0600, and fsyncing the directory so the new file survives a crash)
    /// for appending, and closes off a torn last line so the next record starts on its own line.
    fn open_for_append(&self) -> Result<File, JournalError> {
        let (mut file, created) = durable::open_or_create_private(&self.path, true)
            .map_err(|failure| self.open_error(failure))?;
        if created {
            durable::sync_dir(&self.path).map_err(|e| self.io("create", e))?;
            return Ok(file);
        }
        let len = file.metadata().map_err(|e| self.io("inspect", e))?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1))
                .and_then(|_| file.read_exact(&mut last))
                .map_err(|e| self.io("read", e))?;
            if last[0] != b'\n' {
                tracing::warn!(
                    path = %self.path.display(),
                    "the journal ends in a torn line (a crash mid-write?); closing it off"
                );
                file.write_all(b"\n")
                    .and_then(|()| file.sync_data())
                    .map_err(|e| self.io("repair", e))?;
            }
        }
        Ok(file)
    }

    fn io(&self, action: &'static str, source: io::Error) -> JournalError {
        JournalError::File(FileError::io(Own::Journal, &self.path, action, source))
    }

    fn open_error(&self, failure: OpenFailure) -> JournalError {
        let path = self.path.clone();
        JournalError::File(FileError::open(Own::Journal, &path, failure))
    }
}

pub(crate) fn parse(bytes: &[u8], journal: &str) -> JournalContents {
    let mut contents = JournalContents::default();
    let mut offset = 0usize;
    for (index, raw) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let terminated = raw.last() == Some(&b'\n');
        let text = raw.strip_suffix(b"\n").unwrap_or(raw);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<JournalRecord>(text) {
            Ok(record) => contents.records.push(record),
            Err(err) => {
                // Only the start of a record ends early: anything else is a whole line that
                // is not a record this lockward reads.
                let cut_off = err.is_eof();
                let address = serde_json::from_slice::<Value>(text)
                    .ok()
                    .and_then(|v| v.get("address")?.as_str()?.parse::<Address>().ok());
                contents.damaged.push(DamagedLine {
                    line: index + 1,
                    offset: start as u64,
                    torn_tail: !terminated,
                    reason: if cut_off {
                        format!(
                            "the line was cut off while it was written (a crash or a full \
                             disk): {err}"
                        )
                    } else {
                        format!(
                            "not a journal record this lockward can read (written by a newer \
                             lockward, or edited): {err}"
                        )
                    },
                    cut_off,
                    address,
                    journal: journal.to_string(),
                    sha256: crate::digest::sha256(text),
                })
            }
        }
    }
    contents
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    use serde_json::json;

    use super::*;

    fn record(name: &str, action: ActionKind, phase: Phase) -> JournalRecord {
        let detail =
            json!({"plan_digest": "sha256:abc", "caller": "arn:aws:iam::123456789012:user/ops"});
        JournalRecord::new(
            "2026-11-23T05:50:46Z".parse().unwrap(),
            format!("glacier_vault_lock.{name}").parse().unwrap(),
            action,
            phase,
            detail.as_object().cloned().unwrap_or_default(),
        )
    }

    fn journal_in(dir: &tempfile::TempDir) -> Journal {
        Journal::for_state(&dir.path().join("lockward.state.json"))
    }

    #[test]
    fn appends_one_line_per_record_and_reads_them_back() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal_in(&dir);
        assert_eq!(journal.read_all().unwrap(), JournalContents::default());
        let intent = record("audit", ActionKind::INITIATE_LOCK, Phase::Intent);
        let done = record("audit", ActionKind::INITIATE_LOCK, Phase::Done);
        journal.append(&intent).unwrap();
        journal.append(&done).unwrap();
        assert_eq!(
            journal.path(),
            dir.path().join("lockward.state.json.journal.jsonl")
        );
        let text = fs::read_to_string(journal.path()).unwrap();
        assert_eq!(text.lines().count(), 2);
        let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(
            first,
            json!({"ts": "2026-11-23T05:50:46Z", "address": "glacier_vault_lock.audit",
                   "action": "initiate_lock", "phase": "intent",
                   "detail": {"plan_digest": "sha256:abc",
                              "caller": "arn:aws:iam::123456789012:user/ops"}})
        );
        let contents = journal.read_all().unwrap();
        assert_eq!(contents.records, vec![intent, done]);
        assert!(contents.damaged.is_empty());
        assert_eq!(
            fs::metadata(journal.path()).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn a_torn_last_line_is_reported_not_fatal_and_the_next_append_starts_a_new_line() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal_in(&dir);
        let intent = record("audit", ActionKind::COMPLETE_LOCK, Phase::Intent);
        journal.append(&intent).unwrap();
        // A crash halfway through writing the `done` record.
        let done = serde_json::to_string(&record("audit", ActionKind::COMPLETE_LOCK, Phase::Done))
            .unwrap();
        let mut file = OpenOptions::new()
            .append(true)
            .open(journal.path())
            .unwrap();
        file.write_all(&done.as_bytes()[..done.len() / 2]).unwrap();
        drop(file);

        let contents = journal.read_all().unwrap();
        assert_eq!(contents.records, vec![intent.clone()]);
        let torn = contents.torn_tail().expect("the torn line is reported");
        assert_eq!(torn.line, 2);
        assert!(torn.reason.contains("cut off"), "{}", torn.reason);
        assert_eq!(contents.unsettled_intents(), vec![&intent]);

        // A new run appends: the torn line is closed off, the new record is intact.
        let reopened = journal_in(&dir);
        let recovered = record("audit", ActionKind::COMPLETE_LOCK, Phase::Recovered);
        reopened.append(&recovered).unwrap();
        let contents = reopened.read_all().unwrap();
        assert_eq!(contents.records, vec![intent, recovered]);
        assert_eq!(contents.damaged.len(), 1);
        assert!(!contents.damaged[0].torn_tail);
        assert!(contents.torn_tail().is_none());
        assert!(contents.unsettled_intents().is_empty());
    }

    #[test]
    fn unsettled_intents_are_those_without_a_later_outcome() {
        let contents = JournalContents {
            records: vec![
                record("a", ActionKind::INITIATE_LOCK, Phase::Intent),
                record("a", ActionKind::INITIATE_LOCK, Phase::Done),
                record("a", ActionKind::COMPLETE_LOCK, Phase::Intent),
                record("b", ActionKind::ABORT_LOCK, Phase::Intent),
                record("b", ActionKind::ABORT_LOCK, Phase::Failed),
                record("b", ActionKind::ABORT_LOCK, Phase::Intent),
            ],
            damaged: vec![],
            sources: None,
        };
        let open: Vec<String> = contents
            .unsettled_intents()
            .iter()
            .map(|r| format!("{} {}", r.address, r.action.as_str()))
            .collect();
        assert_eq!(
            open,
            vec![
                "glacier_vault_lock.a complete_lock",
                "glacier_vault_lock.b abort_lock"
            ]
        );
    }

    #[test]
    fn a_garbage_line_in_the_middle_is_reported_with_its_line_number() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal_in(&dir);
        let a =
            serde_json::to_string(&record("a", ActionKind::INITIATE_LOCK, Phase::Intent)).unwrap();
        fs::write(journal.path(), format!("{a}\n{{\"ts\": 1}}\n\n{a}\n")).unwrap();
        let contents = journal.read_all().unwrap();
        assert_eq!(contents.records.len(), 2);
        assert_eq!(contents.damaged.len(), 1);
        assert_eq!(contents.damaged[0].line, 2);
        assert!(!contents.damaged[0].torn_tail);
    }

    #[test]
    fn symlinked_journal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal_in(&dir);
        let target = dir.path().join("elsewhere");
        fs::write(&target, b"").unwrap();
        std::os::unix::fs::symlink(&target, journal.path()).unwrap();
        let err = journal
            .append(&record("a", ActionKind::INITIATE_LOCK, Phase::Intent))
            .unwrap_err();
        assert!(
            matches!(&err, JournalError::File(f) if f.is_symlink()),
            "{err}"
        );
        assert!(matches!(
            journal.read_all(),
            Err(JournalError::File(f)) if f.is_symlink()
        ));
        assert_eq!(fs::read(&target).unwrap(), b"");
    }

    #[test]
    fn import_records_round_trip_beside_api_actions() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal_in(&dir);
        let import = JournalRecord::new(
            "2026-11-23T05:50:46Z".parse().unwrap(),
            "rbin_rule_lock.ebs".parse().unwrap(),
            JournalAction::Import,
            Phase::Done,
            Map::new(),
        );
        journal.append(&import).unwrap();
        journal
            .append(&record("a", ActionKind::LOCK_RULE, Phase::Intent))
            .unwrap();
        let text = fs::read_to_string(journal.path()).unwrap();
        assert!(
            text.lines()
                .next()
                .unwrap()
                .contains(r#""action":"import""#),
            "{text}"
        );
        let contents = journal.read_all().unwrap();
        assert!(contents.damaged.is_empty(), "{:?}", contents.damaged);
        assert_eq!(contents.records[0], import);
        assert!(contents.records[1].action == ActionKind::LOCK_RULE);
        assert!(serde_json::from_str::<JournalAction>(r#""import_all""#).is_err());
    }

    #[test]
    fn concurrent_appends_do_not_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let journal = std::sync::Arc::new(journal_in(&dir));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let journal = journal.clone();
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        let name = format!("r{t}");
                        journal
                            .append(&record(&name, ActionKind::LOCK_RULE, Phase::Intent))
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let contents = journal.read_all().unwrap();
        assert_eq!(contents.records.len(), 100);
        assert!(contents.damaged.is_empty());
    }
}
