//! The state in S3 (DESIGN.md section 8): the object `<key>`, its lock `<key>.lock`, its
//! backup `<key>.backup` and one journal object per run, `<key>.journal/<lock-id>.jsonl`.
//!
//! Guarantees callers may rely on:
//! - The lock is created with `If-None-Match: *`: two runs never both hold it. It is deleted
//!   only with `If-Match` on the ETag its holder wrote (or, by `force-unlock`, read), so a
//!   lock that changed hands is never deleted by the wrong run.
//! - Every state write is conditional: the first on `If-None-Match: *`, each later one on
//!   `If-Match` with the ETag this process last read or wrote. After a lost answer, a 412 or a
//!   409 the object is read back: the write counts as done only when the object holds this
//!   write's id; another writer's object is never overwritten.
//! - The state body is the state file's JSON plus `written_by: {lock_id, write_id}`.
//!
//! The calls run on a small runtime of this store's own, so the store can be used from
//! blocking code (the executor's group commit) and from plain synchronous code alike.

use std::future::Future;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_sdk_s3::primitives::ByteStream;
use futures::StreamExt;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::model::{StateFile, STATE_FORMAT_VERSION};
use crate::apply::journal::JournalContents;
use crate::aws::sdk::classify;
use crate::aws::{AwsError, ClientOptions, ErrorClass};
use crate::config::{Provider, S3Backend};

/// The suffixes of the objects beside the state object.
pub const LOCK_SUFFIX: &str = ".lock";
pub const BACKUP_SUFFIX: &str = ".backup";
pub const JOURNAL_INFIX: &str = ".journal/";

/// The most journal objects read at once.
const JOURNAL_READS: usize = 16;

/// How many times a write is sent again after an answer that proves it did not land and that
/// nobody else wrote (a 409 ConditionalRequestConflict, or a lost answer read back unchanged).
const WRITE_ATTEMPTS: u32 = 4;

/// The longest pause between two tries of a held lock: short enough that a waiter takes a
/// released lock soon after, long enough to keep the requests few.
const MAX_LOCK_PAUSE: Duration = Duration::from_millis(250);

/// Who holds the S3 lock: the lock object's JSON body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteHolder {
    /// A UUID v4 naming this hold of the lock: `force-unlock` takes it, journals are named by it.
    pub id: String,
    pub pid: u32,
    pub host: String,
    /// When the lock was taken, by the holder's system clock.
    pub started: Timestamp,
    /// Who the holder's credentials act as (the ARN STS gives).
    pub caller: String,
    /// What the holder is doing, e.g. `apply`.
    #[serde(default)]
    pub operation: String,
}

impl std::fmt::Display for RemoteHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "lock {} by {} (pid {} on host {}, lockward {}, since {})",
            self.id, self.caller, self.pid, self.host, self.operation, self.started
        )
    }
}

/// Which write a state object holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenBy {
    pub lock_id: String,
    pub write_id: String,
}

/// What an S3 state operation could not do. The message says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("{0}")]
    Failed(String),
    /// The state lock is held by another run.
    #[error("{}", held_message(location, holder.as_deref(), *waited, unlock))]
    Held {
        location: String,
        holder: Option<Box<RemoteHolder>>,
        /// The lock object's ETag when its body names no lockward holder.
        foreign_etag: Option<String>,
        waited: Duration,
        /// The command that releases the lock, as the hint prints it (a command names its
        /// `-c` here: see [`RemoteError::with_unlock_command`]).
        unlock: String,
    },
}

impl RemoteError {
    /// A held lock's hint with `command` (e.g. with the `-c` the user typed) as the way to
    /// release it; `command` is given the holder's lock id.
    /// A lock object lockward did not write is named by its ETag (see [`foreign_lock_id`]).
    pub fn with_unlock_command(self, command: impl Fn(&str) -> String) -> RemoteError {
        match self {
            RemoteError::Held {
                location,
                holder,
                foreign_etag,
                waited,
                unlock,
            } => {
                let unlock = match (&holder, &foreign_etag) {
                    (Some(h), _) => command(&h.id),
                    (None, Some(etag)) => command(&foreign_lock_id(etag)),
                    (None, None) => unlock,
                };
                RemoteError::Held {
                    unlock,
                    location,
                    holder,
                    foreign_etag,
                    waited,
                }
            }
            other => other,
        }
    }
}

/// What `force-unlock` takes to release a lock object whose body names no lockward holder:
/// `etag:` and the object's ETag (without its quotes), so it is never taken for a lock id.
pub fn foreign_lock_id(etag: &str) -> String {
    format!("{FOREIGN_LOCK_PREFIX}{}", etag.trim_matches('"'))
}

/// See [`foreign_lock_id`].
pub const FOREIGN_LOCK_PREFIX: &str = "etag:";

fn held_message(
    location: &str,
    holder: Option<&RemoteHolder>,
    waited: Duration,
    unlock: &str,
) -> String {
    let who = match holder {
        Some(h) => format!("held by {h}"),
        None => "held by another run that has not said who it is".to_string(),
    };
    let after = if waited.is_zero() {
        String::new()
    } else {
        format!(" after waiting {}s", waited.as_secs())
    };
    format!(
        "the state is locked{after}: {location}{LOCK_SUFFIX} is {who}\nhint: another lockward \
         run is using this state; wait for it to finish, or pass --lock-timeout (e.g. \
         --lock-timeout 5m) to wait for it. Only if that run is certainly gone (a runner that \
         crashed), release its lock with `{unlock}`"
    )
}

/// The condition a PUT is sent with.
#[derive(Clone, Debug)]
enum Condition {
    None,
    /// `If-None-Match: *`: only if there is no object.
    Absent,
    /// `If-Match: <etag>`.
    Matches(String),
}

/// The S3 state store of one backend.
pub struct S3State {
    runtime: Option<tokio::runtime::Runtime>,
    client: aws_sdk_s3::Client,
    sts: aws_sdk_sts::Client,
    pub bucket: String,
    pub key: String,
    /// The region and normalised endpoint of the backend's provider.
    pub region: String,
    pub endpoint: Option<String>,
    /// Where the backend's account is asked (STS), when not at `endpoint` (see
    /// [`crate::plan::Target::identity_endpoint`]).
    pub identity_endpoint: Option<String>,
    /// The account that must own the bucket (`backend.s3.expected_owner`), named on every
    /// call; `None` until asked: the backend provider's account.
    expected_owner: std::sync::OnceLock<String>,
    /// Who the backend's credentials act as, once asked: (account, ARN).
    caller: std::sync::OnceLock<(String, String)>,
    /// The state object as this process last read or wrote it: ETag and body.
    seen: Mutex<Option<(String, Vec<u8>)>>,
    /// The last state a write failed to save, for the errored-state file.
    unsaved: Mutex<Option<StateFile>>,
}

impl Drop for S3State {
    fn drop(&mut self) {
        // Safe in any context, async or not.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn is_code(e: &AwsError, codes: &[&str]) -> bool {
    e.code.as_deref().is_some_and(|c| codes.contains(&c))
}

fn is_missing(e: &AwsError) -> bool {
    is_code(e, &["NoSuchKey", "NotFound", "404"])
}

/// A 412: the condition did not hold.
fn is_precondition(e: &AwsError) -> bool {
    is_code(e, &["PreconditionFailed", "412"])
}

/// A 409: a concurrent conditional write to the same key; nothing was written.
fn is_conflict(e: &AwsError) -> bool {
    is_code(
        e,
        &["ConditionalRequestConflict", "OperationAborted", "409"],
    )
}

impl S3State {
    /// The store for `backend`, reached through `provider`. Makes no call.
    pub fn connect(
        backend: &S3Backend,
        provider: &Provider,
        options: &ClientOptions,
    ) -> Result<S3State, RemoteError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("lockward-s3-state")
            .enable_all()
            .build()
            .map_err(|e| {
                RemoteError::Failed(format!("could not start the S3 state client: {e}"))
            })?;
        // A write whose answers keep being lost is read back and settled here, not retried
        // for long by the SDK: a few attempts per write.
        let options = ClientOptions {
            max_attempts: options.max_attempts.min(3),
            ..options.clone()
        };
        let (client, sts, endpoint, identity_endpoint) = runtime.block_on(async {
            let config = crate::aws::sdk::sdk_config(provider, &options).await;
            // Where the calls go, as the client resolves it (the provider's endpoint_url, the
            // environment's or the profile's): part of the backend's target.
            let endpoint_of = |service| {
                crate::aws::sdk::endpoint_of(&config, service)
                    .map(|e| crate::aws::normalize_endpoint(&e))
            };
            let endpoint = endpoint_of("s3");
            let identity_endpoint = crate::plan::Target::identity_endpoint(
                endpoint.as_deref(),
                endpoint_of("sts").as_deref(),
            );
            let s3 = aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(endpoint.is_some())
                .build();
            (
                aws_sdk_s3::Client::from_conf(s3),
                aws_sdk_sts::Client::new(&config),
                endpoint,
                identity_endpoint,
            )
        });
        Ok(S3State {
            runtime: Some(runtime),
            client,
            sts,
            bucket: backend.bucket.clone(),
            key: backend.key.clone(),
            region: provider.region.clone(),
            endpoint,
            identity_endpoint,
            expected_owner: backend
                .expected_owner
                .clone()
                .map(std::sync::OnceLock::from)
                .unwrap_or_default(),
            caller: std::sync::OnceLock::new(),
            seen: Mutex::new(None),
            unsaved: Mutex::new(None),
        })
    }

    /// This backend as an errored state file of the run holding `lock_id` names it.
    pub fn origin(&self, lock_id: &str) -> super::backend::ErroredOrigin {
        super::backend::ErroredOrigin {
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            region: self.region.clone(),
            endpoint: self.endpoint.clone(),
            account: self.caller.get().map(|(account, _)| account.clone()),
            lock_id: lock_id.to_string(),
        }
    }

    /// `s3://bucket/key`, for messages.
    pub fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    fn lock_key(&self) -> String {
        format!("{}{LOCK_SUFFIX}", self.key)
    }

    fn backup_key(&self) -> String {
        format!("{}{BACKUP_SUFFIX}", self.key)
    }

    /// The journal object of the run holding lock `lock_id`.
    pub fn journal_key(&self, lock_id: &str) -> String {
        format!("{}{JOURNAL_INFIX}{lock_id}.jsonl", self.key)
    }

    /// Runs `f` to completion on this store's runtime, from any thread: blocking code, plain
    /// code, or (stepping out of it first) a runtime's worker.
    fn block<F: Future>(&self, f: F) -> F::Output {
        let Some(rt) = &self.runtime else {
            unreachable!("the runtime is only taken on drop")
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| rt.block_on(f))
            }
            _ => rt.block_on(f),
        }
    }

    fn failed(&self, what: &str, key: &str, e: &AwsError) -> RemoteError {
        let owner = match self.expected_owner.get() {
            Some(owner) => format!(
                ", and that the bucket belongs to account {owner} (every call names it as the \
                 expected owner: `backend.s3.expected_owner`, by default the backend provider's \
                 account)"
            ),
            None => String::new(),
        };
        RemoteError::Failed(format!(
            "could not {what} s3://{}/{key}: {e}\nhint: check that the bucket exists in {} and \
             that the backend's provider may read and write it (s3:GetObject, s3:PutObject, \
             s3:DeleteObject, s3:ListBucket){owner}, then run the command again",
            self.bucket, self.region
        ))
    }

    /// Who the backend's credentials act as: (account, ARN), asked of STS once.
    async fn ask_caller(&self) -> Result<(String, String), AwsError> {
        if let Some(known) = self.caller.get() {
            return Ok(known.clone());
        }
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(classify)?;
        let found = (
            out.account().unwrap_or_default().to_string(),
            out.arn().unwrap_or_default().to_string(),
        );
        Ok(self.caller.get_or_init(|| found).clone())
    }

    /// The account every call names as the bucket's owner: `backend.s3.expected_owner`, else
    /// the backend provider's own account.
    async fn owner(&self) -> Result<String, AwsError> {
        if let Some(owner) = self.expected_owner.get() {
            return Ok(owner.clone());
        }
        let (account, _) = self.ask_caller().await?;
        Ok(self.expected_owner.get_or_init(|| account).clone())
    }

    /// The account the bucket must belong to, for messages (asks STS when not configured).
    pub fn expected_owner(&self) -> Result<String, RemoteError> {
        self.block(self.owner()).map_err(|e| {
            RemoteError::Failed(format!(
                "could not ask who the state backend's credentials are (STS \
                 GetCallerIdentity), the account that must own the state bucket: {e}\nhint: \
                 check the credentials of the backend's provider, or name the owner with \
                 `backend.s3.expected_owner`"
            ))
        })
    }

    async fn get(&self, key: &str) -> Result<Option<(String, Vec<u8>)>, AwsError> {
        let owner = self.owner().await?;
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .expected_bucket_owner(owner)
            .key(key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let e = classify(e);
                return if is_missing(&e) { Ok(None) } else { Err(e) };
            }
        };
        let etag = out.e_tag().unwrap_or_default().to_string();
        let body = out.body.collect().await.map_err(|e| AwsError {
            class: ErrorClass::Ambiguous,
            code: None,
            message: format!("the object's body was cut off: {e}"),
        })?;
        Ok(Some((etag, body.into_bytes().to_vec())))
    }

    async fn put(
        &self,
        key: &str,
        body: Vec<u8>,
        condition: Condition,
    ) -> Result<String, AwsError> {
        let owner = self.owner().await?;
        let mut req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .expected_bucket_owner(owner)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(body));
        req = match condition {
            Condition::None => req,
            Condition::Absent => req.if_none_match("*"),
            Condition::Matches(etag) => req.if_match(etag),
        };
        let out = req.send().await.map_err(classify)?;
        Ok(out.e_tag().unwrap_or_default().to_string())
    }

    async fn delete(&self, key: &str, etag: &str) -> Result<(), AwsError> {
        let owner = self.owner().await?;
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .expected_bucket_owner(owner)
            .key(key)
            .if_match(etag)
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, AwsError> {
        let owner = self.owner().await?;
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .expected_bucket_owner(&owner)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(classify)?;
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_string)),
            );
            match out.next_continuation_token() {
                Some(next) if out.is_truncated() == Some(true) => token = Some(next.to_string()),
                _ => break,
            }
        }
        Ok(keys)
    }

    /// Who the backend's credentials act as: (account, ARN).
    pub fn caller(&self) -> Result<(String, String), RemoteError> {
        self.block(self.ask_caller()).map_err(|e| {
            RemoteError::Failed(format!(
                "could not ask who the state backend's credentials are (STS \
                 GetCallerIdentity): {e}\nhint: check the credentials of the backend's provider"
            ))
        })
    }

    /// What a reviewer should know about the state bucket: no versioning (a state overwritten
    /// by mistake cannot be restored), or Object Lock that lockward did not ask for. Each
    /// entry is a warning's text; a check that cannot be made is one too.
    pub fn bucket_warnings(&self) -> Vec<String> {
        let bucket = &self.bucket;
        let (versioning, object_lock) = self.block(async {
            let owner = match self.owner().await {
                Ok(owner) => owner,
                Err(e) => return (Err(e.clone()), Err(e)),
            };
            let versioning = async {
                self.client
                    .get_bucket_versioning()
                    .bucket(bucket)
                    .expected_bucket_owner(&owner)
                    .send()
                    .await
                    .map_err(classify)
            };
            let object_lock = async {
                match self
                    .client
                    .get_object_lock_configuration()
                    .bucket(bucket)
                    .expected_bucket_owner(&owner)
                    .send()
                    .await
                    .map_err(classify)
                {
                    Ok(out) => Ok(out
                        .object_lock_configuration()
                        .and_then(|c| c.object_lock_enabled())
                        .is_some_and(|e| e.as_str() == "Enabled")),
                    Err(e) if is_code(&e, &["ObjectLockConfigurationNotFoundError"]) => Ok(false),
                    Err(e) => Err(e),
                }
            };
            futures::join!(versioning, object_lock)
        });
        let mut out = Vec::new();
        match versioning {
            Ok(v) if v.status().is_some_and(|s| s.as_str() == "Enabled") => {}
            Ok(_) => out.push(format!(
                "the state bucket {bucket} does not have versioning enabled: a state \
                 overwritten or deleted by mistake cannot be restored from an earlier version \
                 (enable it: `aws s3api put-bucket-versioning --bucket {bucket} \
                 --versioning-configuration Status=Enabled`)"
            )),
            Err(e) => out.push(format!(
                "could not check the versioning of the state bucket {bucket}: {e}"
            )),
        }
        match object_lock {
            Ok(false) => {}
            Ok(true) => out.push(format!(
                "the state bucket {bucket} has Object Lock enabled (set outside lockward): a \
                 default retention would keep every version of the state, its lock and its \
                 journals, and can make the lock impossible to release; keep the state in a \
                 bucket without Object Lock"
            )),
            Err(e) => out.push(format!(
                "could not check whether the state bucket {bucket} has Object Lock: {e}"
            )),
        }
        out
    }

    // ---- the state object ----------------------------------------------------------------

    /// Reads the state. No object is the empty state. Remembers the ETag for the next write.
    pub fn load(&self) -> Result<StateFile, super::StateError> {
        let key = self.key.clone();
        match self.block(self.get(&key)) {
            Ok(None) => {
                *lock(&self.seen) = None;
                Ok(StateFile::empty())
            }
            Ok(Some((etag, body))) => {
                let (state, _) = decode(&self.location(), &body)?;
                *lock(&self.seen) = Some((etag, body));
                Ok(state)
            }
            Err(e) => Err(super::StateError::Remote(
                self.failed("read the state", &key, &e).to_string(),
            )),
        }
    }

    /// The serial of the state object now (0: there is none), read without remembering it.
    pub fn remote_header(&self) -> Result<Option<(String, u64)>, RemoteError> {
        let key = self.key.clone();
        match self.block(self.get(&key)) {
            Ok(None) => Ok(None),
            Ok(Some((etag, body))) => {
                let (state, _) = decode(&self.location(), &body)
                    .map_err(|e| RemoteError::Failed(e.to_string()))?;
                *lock(&self.seen) = Some((etag, body));
                Ok(Some((state.lineage, state.serial)))
            }
            Err(e) => Err(self.failed("read the state", &key, &e)),
        }
    }

    /// The last state a save could not write, if any.
    pub fn unsaved(&self) -> Option<StateFile> {
        lock(&self.unsaved).clone()
    }

    /// Writes `state` as the next version, under the lock `lock_id` (see the module's
    /// guarantees). Like the file store: the first write assigns a lineage, every write bumps
    /// `serial`, and `state` is updated only when the write landed.
    pub fn save(&self, state: &mut StateFile, lock_id: &str) -> Result<(), super::StateError> {
        let mut next = state.clone();
        next.format_version = STATE_FORMAT_VERSION;
        if next.lineage.is_empty() {
            next.lineage = uuid::Uuid::new_v4().to_string();
        }
        next.serial = state.serial.saturating_add(1);
        match self.write_state(&next, lock_id) {
            Ok(()) => {
                *lock(&self.unsaved) = None;
                state.format_version = next.format_version;
                state.lineage = next.lineage;
                state.serial = next.serial;
                Ok(())
            }
            Err(e) => {
                *lock(&self.unsaved) = Some(next);
                Err(super::StateError::Remote(e.to_string()))
            }
        }
    }

    /// Creates the state object with `state` as its first version, with `If-None-Match: *`:
    /// an object that exists by now (whoever wrote it) is an error, never overwritten.
    pub fn create(&self, state: &mut StateFile, lock_id: &str) -> Result<(), super::StateError> {
        *lock(&self.seen) = None;
        let mut next = state.clone();
        next.format_version = STATE_FORMAT_VERSION;
        next.lineage = uuid::Uuid::new_v4().to_string();
        next.serial = state.serial.saturating_add(1);
        self.write_state(&next, lock_id)
            .map_err(|e| super::StateError::Remote(e.to_string()))?;
        state.format_version = next.format_version;
        state.lineage = next.lineage;
        state.serial = next.serial;
        Ok(())
    }

    /// Writes `next` as it is (serial and lineage already set) on the condition of the ETag
    /// last read or written; see the module's guarantees.
    pub fn write_state(&self, next: &StateFile, lock_id: &str) -> Result<(), RemoteError> {
        let written_by = WrittenBy {
            lock_id: lock_id.to_string(),
            write_id: uuid::Uuid::new_v4().to_string(),
        };
        let body = encode(next, &written_by)?;
        let previous = lock(&self.seen).clone();
        let key = self.key.clone();
        let backup_key = self.backup_key();
        for _ in 0..WRITE_ATTEMPTS {
            let condition = match &previous {
                Some((etag, _)) => Condition::Matches(etag.clone()),
                None => Condition::Absent,
            };
            // The backup goes out beside the write: it holds a version that was the state,
            // whatever becomes of this write, and costs no extra round trip.
            let (written, backup) = self.block(async {
                let backup = async {
                    match &previous {
                        Some((_, old)) => self
                            .put(&backup_key, old.clone(), Condition::None)
                            .await
                            .map(|_| ()),
                        None => Ok(()),
                    }
                };
                futures::join!(self.put(&key, body.clone(), condition), backup)
            });
            if let Err(e) = backup {
                tracing::warn!(%e, key = backup_key, "could not write the state backup");
            }
            let e = match written {
                Ok(etag) => {
                    *lock(&self.seen) = Some((etag, body));
                    return Ok(());
                }
                Err(e) => e,
            };
            if !(e.is_ambiguous() || is_precondition(&e) || is_conflict(&e)) {
                return Err(self.failed("write the state", &key, &e));
            }
            // Read back: whose write is there?
            let now = self.block(self.get(&key)).map_err(|read| {
                self.failed("read back the state after a failed write to", &key, &read)
            })?;
            match now {
                Some((etag, found)) => {
                    let by = decode(&self.location(), &found).ok().and_then(|(_, by)| by);
                    if by.as_ref() == Some(&written_by) {
                        tracing::info!(%e, "the state write landed although its answer said otherwise");
                        *lock(&self.seen) = Some((etag, found));
                        return Ok(());
                    }
                    if previous.as_ref().map(|(t, _)| t) != Some(&etag) {
                        return Err(self.changed_by_another(&e, by.as_ref()));
                    }
                }
                None if previous.is_some() => {
                    return Err(RemoteError::Failed(format!(
                        "the state object {} was deleted during this run ({e}); lockward did not \
                         write it again\nhint: restore it from {}{BACKUP_SUFFIX} or from the \
                         bucket's versions, then run `lockward plan`",
                        self.location(),
                        self.location()
                    )));
                }
                None => {}
            }
            // Nothing landed and nobody else wrote: the same conditional write is safe again.
            tracing::debug!(%e, "the state write did not land; sending it again");
        }
        Err(RemoteError::Failed(format!(
            "could not write the state {}: S3 did not take the write after {WRITE_ATTEMPTS} \
             attempts\nhint: check the bucket and the network, then see below for the state \
             that was kept locally",
            self.location()
        )))
    }

    fn changed_by_another(&self, e: &AwsError, by: Option<&WrittenBy>) -> RemoteError {
        let whose = match by {
            Some(by) => format!("the run holding lock {}", by.lock_id),
            None => "someone else (it carries no lockward write id)".to_string(),
        };
        RemoteError::Failed(format!(
            "the state {} was written by {whose} during this run ({e}); lockward did not \
             overwrite it\nhint: someone released this run's lock (force-unlock?) while it ran; \
             nothing recorded is lost: see below",
            self.location()
        ))
    }

    // ---- the lock -------------------------------------------------------------------------

    /// Takes the lock for `operation`, waiting up to `timeout` with a growing pause.
    /// `caller` is the ARN the backend's credentials act as.
    pub fn acquire(
        &self,
        operation: &str,
        caller: &str,
        timeout: Duration,
    ) -> Result<(RemoteHolder, String), RemoteError> {
        let holder = RemoteHolder {
            id: uuid::Uuid::new_v4().to_string(),
            pid: std::process::id(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            started: crate::environment::wall_clock(),
            caller: caller.to_string(),
            operation: operation.to_string(),
        };
        let body = serde_json::to_vec(&holder).map_err(|e| RemoteError::Failed(e.to_string()))?;
        let key = self.lock_key();
        let start = Instant::now();
        let mut pause = Duration::from_millis(25);
        // Creates whose answer was lost and that found no lock: they keep failing to land.
        let mut lost = 0;
        loop {
            let e = match self.block(self.put(&key, body.clone(), Condition::Absent)) {
                Ok(etag) => return Ok((holder, etag)),
                Err(e) => e,
            };
            if !(e.is_ambiguous() || is_precondition(&e) || is_conflict(&e)) {
                return Err(self.failed("create the state lock", &key, &e));
            }
            if lost >= WRITE_ATTEMPTS {
                return Err(self.failed("create the state lock", &key, &e));
            }
            let found = self
                .block(self.get(&key))
                .map_err(|read| self.failed("read the state lock", &key, &read))?;
            let (other, foreign_etag) = match found {
                Some((etag, text)) => match serde_json::from_slice::<RemoteHolder>(&text) {
                    // The answer was lost, but the lock is ours.
                    Ok(h) if h.id == holder.id => return Ok((holder, etag)),
                    Ok(h) => (Some(Box::new(h)), None),
                    Err(_) => (None, Some(etag)),
                },
                // Released in between (a 412), or the create did not land (a lost answer):
                // try again at once, a bounded number of times for the second.
                None => {
                    if e.is_ambiguous() {
                        lost += 1;
                    }
                    continue;
                }
            };
            let waited = start.elapsed();
            if waited >= timeout {
                let unlock = format!(
                    "lockward force-unlock {}",
                    match (&other, &foreign_etag) {
                        (Some(h), _) => h.id.clone(),
                        (None, Some(etag)) => foreign_lock_id(etag),
                        (None, None) => "LOCK_ID".to_string(),
                    }
                );
                return Err(RemoteError::Held {
                    unlock,
                    location: self.location(),
                    holder: other,
                    foreign_etag,
                    waited: if timeout.is_zero() {
                        Duration::ZERO
                    } else {
                        waited
                    },
                });
            }
            // Jitter keeps waiters from retrying in lockstep.
            let jitter = Duration::from_millis(u64::from(uuid::Uuid::new_v4().as_bytes()[0] % 25));
            std::thread::sleep((pause + jitter).min(timeout - waited));
            pause = (pause * 2).min(MAX_LOCK_PAUSE);
        }
    }

    /// Deletes the lock with `If-Match` on `etag`. Gone already is fine; a lock that changed
    /// hands is left alone, with a warning.
    pub fn release(&self, etag: &str) -> Result<(), RemoteError> {
        let key = self.lock_key();
        let mut result = self.block(self.delete(&key, etag));
        // A 409: a concurrent write to the key got there first; nothing was deleted.
        for _ in 1..WRITE_ATTEMPTS {
            match &result {
                Err(e) if is_conflict(e) => result = self.block(self.delete(&key, etag)),
                _ => break,
            }
        }
        match result {
            Ok(()) => Ok(()),
            Err(e) if is_missing(&e) => Ok(()),
            Err(e) if is_precondition(&e) => Err(RemoteError::Failed(format!(
                "the state lock {}{LOCK_SUFFIX} is no longer this run's (someone force-unlocked \
                 it and another run took it); it was left alone",
                self.location()
            ))),
            Err(e) => Err(self.failed("delete the state lock", &key, &e)),
        }
    }

    /// Whether the lock object is still the one this run wrote (DESIGN.md section 5.10): a
    /// HEAD with `If-Match` on its ETag. `Ok(false)` when it is gone or another's.
    pub fn still_holds(&self, etag: &str) -> Result<bool, RemoteError> {
        let key = self.lock_key();
        let head = self.block(
            self.client
                .head_object()
                .bucket(&self.bucket)
                .key(&key)
                .if_match(etag)
                .send(),
        );
        match head.map_err(classify) {
            Ok(_) => Ok(true),
            Err(e) if is_precondition(&e) || is_missing(&e) => Ok(false),
            Err(e) => Err(self.failed("check the state lock", &key, &e)),
        }
    }

    /// The lock as it is now: its holder and ETag, `None` when there is no lock.
    pub fn current_lock(&self) -> Result<Option<(Option<RemoteHolder>, String)>, RemoteError> {
        let key = self.lock_key();
        let found = self
            .block(self.get(&key))
            .map_err(|e| self.failed("read the state lock", &key, &e))?;
        Ok(found.map(|(etag, text)| (serde_json::from_slice(&text).ok(), etag)))
    }

    // ---- journals ---------------------------------------------------------------------------

    /// Writes the whole journal object `key` as `body`, on the condition given by `etag`
    /// (`None`: the object must not exist yet). Returns the new ETag. After a lost answer, a
    /// 412 or a 409 the object is read back: it counts as written when it holds `body`.
    pub fn write_journal(
        &self,
        key: &str,
        body: &[u8],
        etag: Option<&str>,
    ) -> Result<String, RemoteError> {
        for _ in 0..WRITE_ATTEMPTS {
            let condition = match etag {
                Some(t) => Condition::Matches(t.to_string()),
                None => Condition::Absent,
            };
            let e = match self.block(self.put(key, body.to_vec(), condition)) {
                Ok(t) => return Ok(t),
                Err(e) => e,
            };
            if !(e.is_ambiguous() || is_precondition(&e) || is_conflict(&e)) {
                return Err(self.failed("write the journal", key, &e));
            }
            let found = self
                .block(self.get(key))
                .map_err(|read| self.failed("read back the journal", key, &read))?;
            match found {
                Some((t, text)) if text == body => return Ok(t),
                Some((t, _)) if Some(t.as_str()) == etag => {}
                None if etag.is_none() => {}
                _ => {
                    return Err(RemoteError::Failed(format!(
                        "the journal s3://{}/{key} was changed by someone else during this run; \
                         lockward did not overwrite it\nhint: see below for the local copy",
                        self.bucket
                    )))
                }
            }
        }
        Err(RemoteError::Failed(format!(
            "could not write the journal s3://{}/{key}: S3 did not take the write after \
             {WRITE_ATTEMPTS} attempts",
            self.bucket
        )))
    }

    /// Reads the journal object `key` (None: there is none) with its ETag.
    pub fn read_object(&self, key: &str) -> Result<Option<(String, Vec<u8>)>, RemoteError> {
        self.block(self.get(key))
            .map_err(|e| self.failed("read", key, &e))
    }

    /// Every run's journal, one after another, oldest run first (by its first record).
    pub fn read_journals(&self) -> Result<JournalContents, RemoteError> {
        let prefix = format!("{}{JOURNAL_INFIX}", self.key);
        let keys = self
            .block(self.list(&prefix))
            .map_err(|e| self.failed("list the journals under", &prefix, &e))?;
        // Bounded: a state with years of runs has thousands of journals, and S3 answers a
        // burst of requests on one prefix with 503 SlowDown.
        let bodies: Vec<_> = self.block(
            futures::stream::iter(keys.iter().map(|k| self.get(k)))
                .buffered(JOURNAL_READS)
                .collect(),
        );
        let mut runs: Vec<(Option<Timestamp>, String, JournalContents)> = Vec::new();
        for (key, body) in keys.into_iter().zip(bodies) {
            let Some((_, body)) = body.map_err(|e| self.failed("read the journal", &key, &e))?
            else {
                continue;
            };
            let contents = crate::apply::journal::parse(&body, &key);
            let first = contents.records.first().map(|r| r.ts);
            runs.push((first, key, contents));
        }
        runs.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let mut all = JournalContents {
            sources: Some(runs.iter().map(|(_, key, _)| key.clone()).collect()),
            ..JournalContents::default()
        };
        for (_, _, c) in runs {
            all.records.extend(c.records);
            all.damaged.extend(c.damaged);
        }
        Ok(all)
    }
}

/// The body of a state object: the state file's JSON with `written_by` added.
fn encode(state: &StateFile, by: &WrittenBy) -> Result<Vec<u8>, RemoteError> {
    let mut value = serde_json::to_value(state).map_err(|e| RemoteError::Failed(e.to_string()))?;
    if let Value::Object(map) = &mut value {
        map.insert(
            "written_by".to_string(),
            serde_json::to_value(by).map_err(|e| RemoteError::Failed(e.to_string()))?,
        );
    }
    let mut bytes =
        serde_json::to_vec_pretty(&value).map_err(|e| RemoteError::Failed(e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The state and its write mark from a state object's body, checked as strictly as a file.
pub fn decode(
    location: &str,
    body: &[u8],
) -> Result<(StateFile, Option<WrittenBy>), super::StateError> {
    let path = Path::new(location);
    let mut value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        // The file parser words every kind of damage.
        Err(_) => {
            return Err(super::store::parse(path, body).err().unwrap_or_else(|| {
                super::StateError::Corrupt {
                    path: path.to_path_buf(),
                    detail: "not JSON".to_string(),
                }
            }))
        }
    };
    let by = value
        .as_object_mut()
        .and_then(|m| m.remove("written_by"))
        .and_then(|v| serde_json::from_value::<WrittenBy>(v).ok());
    let plain = serde_json::to_vec(&value).map_err(|e| super::StateError::Corrupt {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    Ok((super::store::parse(path, &plain)?, by))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_body_round_trips_with_its_write_mark_and_reads_as_a_state_file() {
        let mut state = StateFile::empty();
        state.lineage = "7f1c0a8e-0000-4000-8000-000000000000".to_string();
        state.serial = 3;
        let by = WrittenBy {
            lock_id: "L".to_string(),
            write_id: "W".to_string(),
        };
        let body = encode(&state, &by).unwrap();
        let (back, found) = decode("s3://b/k", &body).unwrap();
        assert_eq!(back, state);
        assert_eq!(found, Some(by));
    }

    #[test]
    fn a_damaged_state_body_is_refused_naming_the_object() {
        let err = decode("s3://b/k", b"{\"format_version\": 1, \"lin").unwrap_err();
        assert!(err.to_string().contains("s3://b/k"), "{err}");
        let err = decode(
            "s3://b/k",
            br#"{"format_version": 1, "lineage": "x", "serial": 2, "resources": {}, "extra": 1}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("shape"), "{err}");
    }
}
