//! Saved plans: what `lockward plan --out FILE` writes and `lockward apply FILE` /
//! `lockward show FILE` read.
//!
//! A saved plan is JSON: `{kind: "lockward-plan", format_version, lockward_version, created_at,
//! live_fingerprints, plan}`, where `plan` is the plan JSON of DESIGN.md section 6 and
//! `live_fingerprints` maps each address to [`ResourcePlan::live_fingerprint`].
//!
//! Guarantees callers may rely on:
//! - It holds only the [`Plan`] and data derived from it, so never a secret (the plan never
//!   holds one).
//! - [`SavedPlan::read`] returns a plan whose digest, summary, resource order and
//!   fingerprints all agree with its resources: a file edited after it was written (say, an
//!   outcome changed without recomputing the digest) is refused. Free text that the digest
//!   does not cover (reasons, messages, the policy diff, `valid_until`) is never shown:
//!   [`SavedPlan::read_sealed`] makes it again from the digested values.
//! - [`SavedPlan::write`] writes atomically (temp file, rename), mode 0600, and only a new file
//!   or over a lockward plan file: never through a symlink, never over any other file.
//! - [`check_out_path`] refuses every path lockward reads or keeps, however it is spelled.
//! - [`stale_reasons`] is empty exactly when the plan may still be applied as far as stale
//!   detection goes (DESIGN.md section 5 step 2).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::OpenOptions;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::files::{FileError, Own};
use crate::plan::words::{self, Sealing};
use crate::plan::{Plan, ResourcePlan, PLAN_FORMAT_VERSION};
use crate::state::durable::{self, OpenFailure};
use crate::state::{BackendTarget, StateFile};
use crate::vocabulary::Address;

/// The saved-plan format this build reads and writes.
pub const PLANFILE_FORMAT_VERSION: u32 = 2;

/// The marker that tells a saved plan from any other JSON.
pub const PLANFILE_KIND: &str = "lockward-plan";

/// A plan as saved by `plan --out`, with what stale detection needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedPlan {
    /// Always [`PLANFILE_KIND`].
    pub kind: String,
    pub format_version: u32,
    /// The lockward that made the plan.
    pub lockward_version: String,
    /// When the plan was made. Not covered by the plan's digest.
    pub created_at: Timestamp,
    /// Each resource's live fingerprint when planned, by address.
    pub live_fingerprints: BTreeMap<Address, String>,
    pub plan: Plan,
    /// Where the state was kept when planned (`backend: s3`), so the plan is never applied
    /// against another state. Absent for the local state file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<BackendTarget>,
}

/// Everything that can go wrong with a saved plan. Each message names the file and says what to
/// do next.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error(
        "{} is not a lockward plan file: {detail}\nhint: {hint}",
        path.display()
    )]
    NotAPlan {
        path: PathBuf,
        detail: String,
        hint: &'static str,
    },

    #[error(
        "the plan file {} has format_version {found}, newer than the {supported} this lockward \
         understands\nhint: apply it with the lockward that wrote it, or plan again with this one",
        path.display()
    )]
    NewerFormat {
        path: PathBuf,
        found: String,
        supported: String,
    },

    #[error(
        "the plan file {} was changed after lockward wrote it: {detail}\nhint: lockward applies \
         only plans it wrote; run `lockward plan --out {}` again and review the new plan",
        path.display(), path.display()
    )]
    Tampered { path: PathBuf, detail: String },

    #[error(
        "the plan in {} is stale, so lockward will not apply it:{}\nhint: run `lockward plan \
         --out {}` again, review the new plan, and apply that one",
        path.display(), bullets(reasons), path.display()
    )]
    Stale { path: PathBuf, reasons: Vec<String> },

    #[error(
        "refusing to write the plan to {}: {why}; nothing was written\nhint: pass --out a new \
         file name, or a plan file that `lockward plan --out` wrote",
        path.display()
    )]
    WouldOverwrite { path: PathBuf, why: String },

    #[error(transparent)]
    File(#[from] crate::files::FileError),
}

impl PlanFileError {
    /// The same error, naming the plan file as `shown` (as the user typed it) rather than as
    /// it was opened.
    pub fn shown_as(self, shown: &Path) -> PlanFileError {
        match self {
            PlanFileError::WouldOverwrite { why, .. } => PlanFileError::WouldOverwrite {
                path: shown.to_path_buf(),
                why,
            },
            PlanFileError::File(e) => PlanFileError::File(FileError {
                path: shown.to_path_buf(),
                ..e
            }),
            other => other,
        }
    }
}

fn bullets(items: &[String]) -> String {
    items.iter().map(|i| format!("\n  - {i}")).collect()
}

const WRITTEN_BY_PLAN_OUT: &str =
    "pass a file written by `lockward plan --out FILE`, or run that command to make one";

impl SavedPlan {
    /// Wraps `plan` for saving, made at `created_at` by this lockward.
    pub fn new(plan: Plan, created_at: Timestamp) -> SavedPlan {
        SavedPlan {
            kind: PLANFILE_KIND.to_string(),
            format_version: PLANFILE_FORMAT_VERSION,
            lockward_version: env!("CARGO_PKG_VERSION").to_string(),
            created_at,
            live_fingerprints: fingerprints(&plan),
            plan,
            backend: None,
        }
    }

    /// The same, planned against the state backend at `target`.
    pub fn with_backend(mut self, target: Option<BackendTarget>) -> SavedPlan {
        self.backend = target;
        self
    }

    /// Writes the plan to `path` atomically (a temp file renamed over it, so a failure never
    /// leaves half a plan), mode 0600. Only a new file or a lockward plan file is replaced: a
    /// symlink, a directory or any other file at `path` is refused and left untouched.
    pub fn write(&self, path: &Path) -> Result<(), PlanFileError> {
        check_out_path(path)?;
        let io_err = |action: &'static str| {
            move |source: io::Error| {
                PlanFileError::File(FileError::io(Own::Plan, path, action, source))
            }
        };
        let mut bytes =
            serde_json::to_vec_pretty(self).map_err(|e| io_err("encode")(io::Error::other(e)))?;
        bytes.push(b'\n');
        crate::files::replace(path, &bytes, crate::files::Purpose::SavedPlan).map_err(|e| match e {
            crate::files::ReplaceError::Refused(e) => PlanFileError::WouldOverwrite {
                path: path.to_path_buf(),
                why: e.why,
            },
            crate::files::ReplaceError::Io(e) => io_err("write")(e),
        })
    }

    /// [`SavedPlan::read`], with every word of the plan (each action's reason, the messages,
    /// the policy diffs, `valid_until`) made again from its digested values as of `now`
    /// (DESIGN.md section 5, "What the reviewer reads is sealed"): no word of the file is kept.
    /// How they were made is in the [`Sealing`] returned beside it.
    pub fn read_sealed(path: &Path, now: Timestamp) -> Result<(SavedPlan, Sealing), PlanFileError> {
        let mut saved = SavedPlan::read(path)?;
        let (plan, sealing) = words::seal(&saved.plan, now);
        saved.plan = plan;
        Ok((saved, sealing))
    }

    /// Reads and verifies the saved plan at `path` (see the module documentation). Its words
    /// are the file's: [`SavedPlan::read_sealed`] is what shows a plan to anyone.
    pub fn read(path: &Path) -> Result<SavedPlan, PlanFileError> {
        let mut file = match durable::open_existing(path, OpenOptions::new().read(true)) {
            Ok(Some(file)) => file,
            Ok(None) => {
                return Err(PlanFileError::File(FileError::io(
                    Own::Plan,
                    path,
                    "read",
                    io::Error::new(io::ErrorKind::NotFound, "no such file"),
                )))
            }
            Err(failure) => return Err(open_error(path, failure)),
        };
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|source| {
            PlanFileError::File(FileError::io(Own::Plan, path, "read", source))
        })?;
        parse(path, &bytes)
    }
}

pub use crate::files::KeptFile;

/// Refuses `path` as the place to save a plan unless the writing rule allows it there (see
/// [`crate::files::check_write`]: a new file, or a saved plan; never a file the project keeps,
/// however it is spelled, and never a symlink). Makes no change to any file.
pub fn check_out_path(path: &Path) -> Result<(), PlanFileError> {
    crate::files::check_write(path, crate::files::Purpose::SavedPlan).map_err(|e| {
        PlanFileError::WouldOverwrite {
            path: path.to_path_buf(),
            why: e.why,
        }
    })
}

/// Whether the regular file at `path` is a saved plan of some lockward version (its `kind`
/// marker), which `plan --out` may replace.
pub(crate) fn holds_a_plan(path: &Path) -> bool {
    let Ok(Some(mut file)) = durable::open_existing(path, OpenOptions::new().read(true)) else {
        return false;
    };
    let mut bytes = Vec::new();
    if file.read_to_end(&mut bytes).is_err() {
        return false;
    }
    serde_json::from_slice::<Value>(&bytes)
        .is_ok_and(|v| v.get("kind").and_then(Value::as_str) == Some(PLANFILE_KIND))
}

fn fingerprints(plan: &Plan) -> BTreeMap<Address, String> {
    plan.resources
        .iter()
        .map(|r| (r.address.clone(), r.live_fingerprint()))
        .collect()
}

fn open_error(path: &Path, failure: OpenFailure) -> PlanFileError {
    let path = path.to_path_buf();
    PlanFileError::File(FileError::open(Own::Plan, &path, failure))
}

fn parse(path: &Path, bytes: &[u8]) -> Result<SavedPlan, PlanFileError> {
    let not_a_plan = |detail: String, hint: &'static str| PlanFileError::NotAPlan {
        path: path.to_path_buf(),
        detail,
        hint,
    };
    let tampered = |detail: String| PlanFileError::Tampered {
        path: path.to_path_buf(),
        detail,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(not_a_plan("it is empty".to_string(), WRITTEN_BY_PLAN_OUT));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            not_a_plan(
                format!(
                    "it ends early at line {} column {}: the file looks truncated",
                    e.line(),
                    e.column()
                ),
                "it was cut short while being copied or written; run `lockward plan --out FILE` \
                 again",
            )
        } else {
            not_a_plan(format!("it is not valid JSON: {e}"), WRITTEN_BY_PLAN_OUT)
        }
    })?;
    if value.get("kind").and_then(Value::as_str) != Some(PLANFILE_KIND) {
        let looks_like_plan_json =
            value.get("digest").is_some() && value.get("resources").is_some();
        return Err(not_a_plan(
            format!("it has no `\"kind\": \"{PLANFILE_KIND}\"` marker"),
            if looks_like_plan_json {
                "this looks like the output of `lockward plan --format json`, which is for reading; \
                 save a plan to apply with `lockward plan --out FILE`"
            } else {
                WRITTEN_BY_PLAN_OUT
            },
        ));
    }
    let version = value
        .get("format_version")
        .and_then(Value::as_u64)
        .ok_or_else(|| {
            not_a_plan(
                "it has no numeric format_version".to_string(),
                WRITTEN_BY_PLAN_OUT,
            )
        })?;
    if version > u64::from(PLANFILE_FORMAT_VERSION) {
        return Err(PlanFileError::NewerFormat {
            path: path.to_path_buf(),
            found: version.to_string(),
            supported: PLANFILE_FORMAT_VERSION.to_string(),
        });
    }
    let older_plan = value
        .pointer("/plan/format_version")
        .and_then(Value::as_str)
        .and_then(|v| v.parse::<u64>().ok())
        .zip(PLAN_FORMAT_VERSION.parse::<u64>().ok())
        .is_some_and(|(found, ours)| found < ours);
    if version < u64::from(PLANFILE_FORMAT_VERSION) || older_plan {
        // Older plans were not bound to a target or to the recorded history: never apply one.
        return Err(PlanFileError::Stale {
            path: path.to_path_buf(),
            reasons: vec![
                "made by an older lockward; plan again (its plan format does not say which actions lower protection, nor bind the approval to the account, region and recorded history)".to_string(),
            ],
        });
    }
    if let Some(inner) = value
        .pointer("/plan/format_version")
        .and_then(Value::as_str)
    {
        if inner != PLAN_FORMAT_VERSION {
            let newer = inner
                .parse::<u64>()
                .ok()
                .zip(PLAN_FORMAT_VERSION.parse::<u64>().ok())
                .is_some_and(|(found, ours)| found > ours);
            if newer {
                return Err(PlanFileError::NewerFormat {
                    path: path.to_path_buf(),
                    found: format!("{inner} (of the plan inside it)"),
                    supported: PLAN_FORMAT_VERSION.to_string(),
                });
            }
            return Err(not_a_plan(
                format!("its plan has format_version {inner:?}, which lockward never wrote"),
                WRITTEN_BY_PLAN_OUT,
            ));
        }
    }
    // Decode from the text (not the value) so that errors carry a line and column.
    let saved: SavedPlan = serde_json::from_slice(bytes).map_err(|e| {
        not_a_plan(
            format!("it does not have the shape of a saved plan: {e}"),
            WRITTEN_BY_PLAN_OUT,
        )
    })?;

    let plan = &saved.plan;
    let recomputed = plan.rebuilt();
    if recomputed.digest != plan.digest {
        return Err(tampered(format!(
            "it records digest {} but its contents give {}",
            plan.digest, recomputed.digest
        )));
    }
    if recomputed.summary != plan.summary {
        return Err(tampered(
            "its summary does not match its resources".to_string(),
        ));
    }
    if &recomputed != plan {
        return Err(tampered(
            "its resources are not in address order".to_string(),
        ));
    }
    if saved.live_fingerprints != fingerprints(plan) {
        return Err(tampered(
            "its live fingerprints do not match the live values in its plan".to_string(),
        ));
    }
    // What no digest can vouch for: a plan re-sealed after its classes were lowered. Every
    // action must be one of its kind's, at least as severe as that action ever is, and one that
    // becomes permanent by itself must say it is irreversible.
    for r in &plan.resources {
        if r.kind != r.address.kind {
            return Err(tampered(format!("{} is marked as a {}", r.address, r.kind)));
        }
        // The account, region and key shown beside the target are the target's and the
        // address's: the digest covers those, and a tool grouping by these must read the same.
        if r.account != r.target.account || r.region != r.target.region || r.key != r.address.key {
            return Err(tampered(format!(
                "{} names account {:?}, region {:?} and key {:?}, which are not its target's and address's",
                r.address, r.account, r.region, r.key
            )));
        }
        for a in &r.actions {
            if !r.kind.actions().contains(&a.action) {
                return Err(tampered(format!(
                    "{} holds {}, which is not an action of a {}",
                    r.address,
                    a.action.as_str(),
                    r.kind
                )));
            }
            let floor = a.action.reversibility();
            if a.reversibility < floor
                || (a.permanent_after.is_some()
                    && a.reversibility != crate::plan::Reversibility::Irreversible)
            {
                return Err(tampered(format!(
                    "{} says {} on {} is {}, but it is never less than {}",
                    path.display(),
                    a.action.as_str(),
                    r.address,
                    a.reversibility.as_str(),
                    floor.as_str()
                )));
            }
        }
    }
    Ok(saved)
}

/// Every reason the saved plan can no longer be applied, in words a user can act on; empty
/// when it is still fresh. Compares the saved plan with `config_digest` (the configuration as
/// it is now), `state` (the state file as it is now, under the state lock) and `fresh` (a plan
/// made now from the same configuration): the config digest, the state lineage and serial, the
/// lockward version, and each resource's live fingerprint, including resources that appeared
/// or disappeared.
pub fn stale_reasons(
    saved: &SavedPlan,
    config_digest: &str,
    state: &StateFile,
    backend: &Option<BackendTarget>,
    fresh: &Plan,
) -> Vec<String> {
    let planned = &saved.plan;
    let mut reasons = Vec::new();
    if saved.backend != *backend {
        let words = |t: &Option<BackendTarget>| match t {
            Some(t) => t.to_string(),
            None => "the local state file".to_string(),
        };
        reasons.push(format!(
            "the state is kept elsewhere than when the plan was made ({} then, {} now)",
            words(&saved.backend),
            words(backend)
        ));
    }

    let ours = env!("CARGO_PKG_VERSION");
    if saved.lockward_version != ours {
        reasons.push(format!(
            "the plan was made by lockward {}, and this is lockward {ours}; a plan is applied by \
             the version that made it",
            saved.lockward_version
        ));
    }

    if planned.config_digest != config_digest {
        reasons.push(format!(
            "the configuration changed since the plan was made (config digest {} then, {} now)",
            planned.config_digest, config_digest
        ));
    }

    // Which accounts the plan was for, set by set: an account that joined or left, or another
    // organisation seen through the same credentials.
    for then in &planned.account_sets {
        let now = fresh.account_sets.iter().find(|s| s.name == then.name);
        if now == Some(then) {
            continue;
        }
        let words = |s: Option<&crate::plan::AccountSetRef>| match s {
            None => "not used".to_string(),
            Some(s) => {
                let members = match &s.accounts {
                    Some(a) => format!("{} account(s)", a.len()),
                    None => "unreadable".to_string(),
                };
                match &s.organization {
                    Some(o) => format!("{members} of {}", o.id),
                    None => members,
                }
            }
        };
        let mut moved = String::new();
        if let (Some(a), Some(b)) = (&then.accounts, now.and_then(|n| n.accounts.as_ref())) {
            let joined: Vec<&String> = b.iter().filter(|x| !a.contains(x)).collect();
            let left: Vec<&String> = a.iter().filter(|x| !b.contains(x)).collect();
            if !joined.is_empty() {
                moved.push_str(&format!("; joined since: {}", listed(&joined)));
            }
            if !left.is_empty() {
                moved.push_str(&format!("; left since: {}", listed(&left)));
            }
        }
        reasons.push(format!(
            "account set {} is not what the plan was made for ({} then, {} now{moved})",
            then.name,
            words(Some(then)),
            words(now)
        ));
    }

    let lineage_now = (!state.lineage.is_empty()).then_some(state.lineage.as_str());
    match (planned.state.lineage.as_deref(), lineage_now) {
        (then, now) if then == now => {
            if planned.state.serial != state.serial {
                reasons.push(format!(
                    "the state file changed since the plan was made (serial {} then, {} now): \
                     another apply ran in between",
                    planned.state.serial, state.serial
                ));
            }
        }
        (None, Some(now)) => reasons.push(format!(
            "the state file was first written after the plan was made (lineage {now}, serial {}): \
             another apply ran in between",
            state.serial
        )),
        (Some(then), None) => reasons.push(format!(
            "the plan was made against the state with lineage {then}, and there is no state file \
             now: check --state, or whether the state file was removed"
        )),
        (Some(then), Some(now)) => reasons.push(format!(
            "the plan was made against another state file (lineage {then} then, {now} now): \
             check --state"
        )),
        (None, None) => {}
    }

    let fresh_by_address: BTreeMap<&Address, &ResourcePlan> =
        fresh.resources.iter().map(|r| (&r.address, r)).collect();
    let planned_by_address: BTreeMap<&Address, &ResourcePlan> =
        planned.resources.iter().map(|r| (&r.address, r)).collect();
    let addresses: BTreeSet<&Address> = saved
        .live_fingerprints
        .keys()
        .chain(fresh_by_address.keys().copied())
        .collect();
    for address in addresses {
        if let (Some(then), Some(now)) = (
            planned_by_address.get(address),
            fresh_by_address.get(address),
        ) {
            if then.target != now.target {
                reasons.push(format!(
                    "{address}: the plan was made for {}, and it would run in {} now",
                    then.target, now.target
                ));
                continue;
            }
        }
        let then = saved.live_fingerprints.get(address);
        match (then, fresh_by_address.get(address)) {
            (Some(then), Some(now)) if *then == now.live_fingerprint() => {}
            (Some(_), Some(now)) => {
                let what = planned_by_address
                    .get(address)
                    .map(|old| describe_change(&old.live, &now.live))
                    .unwrap_or_default();
                reasons.push(format!(
                    "{address}: its live state changed since the plan was made{what}"
                ));
            }
            (Some(_), None) => reasons.push(format!(
                "{address} was in the plan and is not any more (removed from the configuration, \
                 or not targeted now)"
            )),
            (None, Some(_)) => reasons.push(format!(
                "{address} is not in the plan (added to the configuration since, or not \
                 targeted then)"
            )),
            (None, None) => {}
        }
    }
    reasons
}

/// ` (state: "none" then, "in_progress" now; policy changed)`: the fields of a live value that
/// differ, with short scalar values shown. Live values never hold a secret.
fn describe_change(then: &Value, now: &Value) -> String {
    let mut fields = Vec::new();
    differing_fields(then, now, "", &mut fields);
    if fields.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = fields
        .iter()
        .take(5)
        .map(
            |(field, then, now)| match (short_scalar(then), short_scalar(now)) {
                (Some(a), Some(b)) => format!("{field}: {a} then, {b} now"),
                _ => format!("{field} changed"),
            },
        )
        .collect();
    let more = fields.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!("; {more} more")
    } else {
        String::new()
    };
    format!(" ({}{more})", shown.join("; "))
}

fn differing_fields(
    then: &Value,
    now: &Value,
    prefix: &str,
    out: &mut Vec<(String, Value, Value)>,
) {
    if then == now {
        return;
    }
    match (then, now) {
        (Value::Object(a), Value::Object(b)) if prefix.matches('.').count() < 2 => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let field = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                differing_fields(
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                    &field,
                    out,
                );
            }
        }
        _ => {
            let field = if prefix.is_empty() {
                "value".to_string()
            } else {
                prefix.to_string()
            };
            out.push((field, then.clone(), now.clone()));
        }
    }
}

fn short_scalar(value: &Value) -> Option<String> {
    match value {
        Value::Object(_) | Value::Array(_) => None,
        scalar => Some(scalar.to_string()).filter(|text| text.len() <= 64),
    }
}

/// `a, b, c` (at most ten, then how many more).
fn listed(ids: &[&String]) -> String {
    let mut shown: Vec<String> = ids.iter().take(10).map(|s| s.to_string()).collect();
    if ids.len() > 10 {
        shown.push(format!("{} more", ids.len() - 10));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    use serde_json::json;

    use super::*;
    use crate::kinds::sample;
    use crate::plan::{Outcome, StateRef};

    fn sample_plan() -> Plan {
        Plan::new(
            crate::digest::sha256(b"config"),
            StateRef {
                lineage: Some("0b7e4c2a-1111-4222-8333-444455556666".to_string()),
                serial: 3,
            },
            None,
            vec![
                sample::resource_plan("zeta", "locked", Outcome::Noop),
                sample::resource_plan("audit", "in_progress", Outcome::Change),
            ],
        )
    }

    fn state_for(plan: &Plan) -> StateFile {
        StateFile {
            lineage: plan.state.lineage.clone().unwrap_or_default(),
            serial: plan.state.serial,
            ..StateFile::empty()
        }
    }

    fn saved() -> SavedPlan {
        SavedPlan::new(sample_plan(), "2026-11-23T05:50:46Z".parse().unwrap())
    }

    #[test]
    fn round_trip_is_exact_and_the_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        let saved = saved();
        saved.write(&path).unwrap();
        assert_eq!(SavedPlan::read(&path).unwrap(), saved);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let value: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        assert_eq!(value["kind"], "lockward-plan");
        assert_eq!(value["format_version"], 2);
        assert_eq!(value["plan"]["digest"], json!(saved.plan.digest));
        assert_eq!(
            value["live_fingerprints"][sample::address("audit").to_string()],
            json!(saved.plan.resources[0].live_fingerprint())
        );
        // Writing again replaces it.
        saved.write(&path).unwrap();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    fn write_value(dir: &tempfile::TempDir, value: &Value) -> PathBuf {
        let path = dir.path().join("plan.json");
        fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
        path
    }

    fn saved_value() -> Value {
        serde_json::to_value(saved()).unwrap()
    }

    #[test]
    fn an_outcome_changed_without_recomputing_the_digest_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut value = saved_value();
        value["plan"]["resources"][0]["outcome"] = json!("noop");
        value["plan"]["resources"][0]["actions"] = json!([]);
        let err = SavedPlan::read(&write_value(&dir, &value)).unwrap_err();
        assert!(matches!(err, PlanFileError::Tampered { .. }), "{err}");
        assert!(err.to_string().contains("hint: "), "{err}");
    }

    #[test]
    fn a_sealed_read_shows_no_word_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut value = saved_value();
        value["plan"]["resources"][0]["actions"][0]["reason"] = json!("FORGED reason");
        value["plan"]["resources"][0]["messages"] = json!([{"severity": "note", "text": "FORGED"}]);
        value["plan"]["resources"][0]["policy_diff"] = json!("FORGED diff");
        value["plan"]["valid_until"] = json!("2099-01-01T00:00:00Z");
        let path = write_value(&dir, &value);
        let now: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        let (saved, sealing) = SavedPlan::read_sealed(&path, now).unwrap();
        let text = serde_json::to_string(&saved.plan).unwrap();
        assert!(!text.contains("FORGED") && !text.contains("2099"), "{text}");
        assert_eq!(
            saved.plan.digest,
            SavedPlan::read(&path).unwrap().plan.digest
        );
        assert_eq!(sealing.as_of, now);
        // The sample's values are not a whole desired value of its kind: nothing can be said
        // of them in words, and the plan says so instead of repeating the file.
        assert!(!sealing.holds);
        assert!(saved.plan.resources[0].messages[0].contains("cannot read"));
    }

    #[test]
    fn a_changed_action_or_live_value_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut value = saved_value();
        value["plan"]["resources"][0]["actions"][0]["action"] = json!("abort_lock");
        let err = SavedPlan::read(&write_value(&dir, &value)).unwrap_err();
        assert!(matches!(err, PlanFileError::Tampered { .. }), "{err}");

        let mut value = saved_value();
        value["plan"]["resources"][0]["live"]["state"] = json!("none");
        let err = SavedPlan::read(&write_value(&dir, &value)).unwrap_err();
        assert!(matches!(err, PlanFileError::Tampered { .. }), "{err}");
    }

    #[test]
    fn an_account_region_or_key_other_than_the_targets_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for (field, value) in [
            ("account", json!("999999999999")),
            ("region", json!("eu-west-1")),
            ("key", json!("snap-0123456789abcdef0")),
        ] {
            let mut value_doc = saved_value();
            value_doc["plan"]["resources"][0][field] = value;
            let err = SavedPlan::read(&write_value(&dir, &value_doc)).unwrap_err();
            assert!(
                matches!(err, PlanFileError::Tampered { .. }),
                "{field}: {err}"
            );
        }
    }

    #[test]
    fn a_changed_summary_fingerprint_or_order_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut value = saved_value();
        value["plan"]["summary"]["irreversible"] = json!(0);
        let err = SavedPlan::read(&write_value(&dir, &value)).unwrap_err();
        assert!(matches!(err, PlanFileError::Tampered { .. }), "{err}");

        let mut value = saved_value();
        value["live_fingerprints"][sample::address("audit").to_string()] =
            json!(crate::digest::sha256(b"x"));
        let err = SavedPlan::read(&write_value(&dir, &value)).unwrap_err();
        assert!(matches!(err, PlanFileError::Tampered { .. }), "{err}");

        let mut value = saved_value();
        let resources = value["plan"]["resources"].as_array_mut().unwrap();
        resources.reverse();
        let err = SavedPlan::read(&write_value(&dir, &value)).unwrap_err();
        assert!(matches!(err, PlanFileError::Tampered { .. }), "{err}");
    }

    #[test]
    fn truncated_garbage_foreign_and_newer_files_are_refused_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        saved().write(&path).unwrap();
        let full = fs::read(&path).unwrap();

        let cases: Vec<(Vec<u8>, &str)> = vec![
            (full[..full.len() - 40].to_vec(), "truncated"),
            (b"".to_vec(), "empty"),
            (b"\x00\x01garbage".to_vec(), "not valid JSON"),
            (
                serde_json::to_vec(&sample_plan()).unwrap(),
                "plan --format json",
            ),
            (
                {
                    let mut v = saved_value();
                    v["format_version"] = json!(3);
                    serde_json::to_vec(&v).unwrap()
                },
                "format_version 3",
            ),
            (
                {
                    let mut v = saved_value();
                    v["plan"]["format_version"] = json!("4");
                    serde_json::to_vec(&v).unwrap()
                },
                "format_version 4 (of the plan inside it)",
            ),
            (
                {
                    let mut v = saved_value();
                    v["plan"]["format_version"] = json!("2");
                    serde_json::to_vec(&v).unwrap()
                },
                "made by an older lockward; plan again",
            ),
            (
                {
                    let mut v = saved_value();
                    v["created_at"] = json!(17);
                    serde_json::to_vec(&v).unwrap()
                },
                "shape",
            ),
        ];
        for (bytes, expected) in cases {
            fs::write(&path, &bytes).unwrap();
            let err = SavedPlan::read(&path).unwrap_err();
            let text = err.to_string();
            assert!(text.contains(expected), "expected {expected:?} in: {text}");
            assert!(text.contains(&path.display().to_string()), "{text}");
            assert!(text.contains("\nhint: "), "{text}");
        }
    }

    #[test]
    fn symlinks_are_refused_for_reading_and_writing() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("plan.json");
        saved().write(&real).unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(matches!(
            SavedPlan::read(&link),
            Err(PlanFileError::File(f)) if f.is_symlink()
        ));
        assert!(matches!(
            saved().write(&link),
            Err(PlanFileError::WouldOverwrite { why, .. }) if why.contains("symbolic link")
        ));
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[test]
    fn a_missing_plan_file_names_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.json");
        let err = SavedPlan::read(&path).unwrap_err();
        assert!(err.to_string().contains("nope.json"), "{err}");
    }

    #[test]
    fn a_fresh_plan_has_no_stale_reasons() {
        let saved = saved();
        let plan = sample_plan();
        let reasons = stale_reasons(&saved, &plan.config_digest, &state_for(&plan), &None, &plan);
        assert!(reasons.is_empty(), "{reasons:?}");
    }

    #[test]
    fn stale_reasons_names_every_difference() {
        let saved = saved();
        let planned = sample_plan();

        let reasons = stale_reasons(
            &saved,
            &crate::digest::sha256(b"other"),
            &state_for(&planned),
            &None,
            &planned,
        );
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert!(reasons[0].contains("configuration changed"), "{reasons:?}");

        let mut state = state_for(&planned);
        state.serial = 5;
        let reasons = stale_reasons(&saved, &planned.config_digest, &state, &None, &planned);
        assert_eq!(reasons, vec!["the state file changed since the plan was made (serial 3 then, 5 now): another apply ran in between".to_string()]);

        let mut state = state_for(&planned);
        state.lineage = "ffffffff-1111-4222-8333-444455556666".to_string();
        let reasons = stale_reasons(&saved, &planned.config_digest, &state, &None, &planned);
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert!(reasons[0].contains("another state file"), "{reasons:?}");

        let reasons = stale_reasons(
            &saved,
            &planned.config_digest,
            &StateFile::empty(),
            &None,
            &planned,
        );
        assert!(reasons[0].contains("no state file now"), "{reasons:?}");

        let never_written = SavedPlan::new(
            Plan::new(
                planned.config_digest.clone(),
                StateRef::default(),
                None,
                planned.resources.clone(),
            ),
            saved.created_at,
        );
        let reasons = stale_reasons(
            &never_written,
            &planned.config_digest,
            &state_for(&planned),
            &None,
            &planned,
        );
        assert!(reasons[0].contains("first written after"), "{reasons:?}");

        let mut older = saved.clone();
        older.lockward_version = "0.0.1".to_string();
        let reasons = stale_reasons(
            &older,
            &planned.config_digest,
            &state_for(&planned),
            &None,
            &planned,
        );
        assert!(reasons[0].contains("lockward 0.0.1"), "{reasons:?}");
    }

    #[test]
    fn stale_reasons_names_each_resource_that_changed_appeared_or_disappeared() {
        let saved = saved();
        let planned = sample_plan();
        let fresh = Plan::new(
            planned.config_digest.clone(),
            planned.state.clone(),
            None,
            vec![
                // audit: someone completed the lock by hand since the plan.
                sample::resource_plan("audit", "locked", Outcome::Noop),
                // zeta: gone; new_one: appeared.
                sample::resource_plan("new_one", "none", Outcome::Change),
            ],
        );
        let reasons = stale_reasons(
            &saved,
            &planned.config_digest,
            &state_for(&planned),
            &None,
            &fresh,
        );
        assert_eq!(
            reasons,
            vec![
                format!(
                    "{}: its live state changed since the plan was made \
                     (state: \"in_progress\" then, \"locked\" now)",
                    sample::address("audit")
                ),
                format!(
                    "{} is not in the plan (added to the configuration \
                     since, or not targeted then)",
                    sample::address("new_one")
                ),
                format!(
                    "{} was in the plan and is not any more (removed from the \
                     configuration, or not targeted now)",
                    sample::address("zeta")
                ),
            ]
        );
        let err = PlanFileError::Stale {
            path: PathBuf::from("plan.json"),
            reasons,
        };
        let text = err.to_string();
        assert!(
            text.contains(&format!("\n  - {}", sample::address("audit"))),
            "{text}"
        );
        assert!(text.ends_with("apply that one"), "{text}");
    }

    #[test]
    fn describe_change_lists_nested_fields_and_hides_long_values() {
        let then = json!({"state": "in_progress", "policy": {"Statement": [1]}, "created": "a"});
        let now = json!({"state": "in_progress", "policy": {"Statement": [2]}, "created": "b"});
        assert_eq!(
            describe_change(&then, &now),
            " (created: \"a\" then, \"b\" now; policy.Statement changed)"
        );
        assert_eq!(
            describe_change(&json!("none"), &json!({"state": "x"})),
            " (value changed)"
        );
    }
}
