//! The checks between the approval and the first mutating call (DESIGN.md section 5 step 4):
//! every target resolved again and compared with the plan's, the state and the journal proven
//! writable, and no irreversible action run twice under one approval.
//!
//! Guarantees callers rely on: when [`check`] returns `Ok`, every resource the plan acts on
//! lives where the plan said (same account, region and endpoint), a file could be created and
//! removed beside the state, and no irreversible action of the plan was attempted before under
//! this plan's digest unless AWS's answer proved that attempt did nothing.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::aws::CallerIdentity;
use crate::config::{Config, Resource};
use crate::plan::{ActionKind, History, Plan, Reversibility, Target};
use crate::refresh::{self, Clients, IdentityError};
use crate::vocabulary::Address;

use super::journal::journal_path;

/// Why apply stopped before its first mutating call. Nothing was called.
#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    #[error(transparent)]
    Identity(#[from] IdentityError),

    #[error(
        "apply refused: {address} was planned for {planned}, but the credentials and settings now reach {now}; nothing was called\nhint: the approval covers only the account, region and endpoint that were reviewed: check the provider's region, profile and endpoint_url (and AWS_PROFILE, AWS_ENDPOINT_URL), or plan again for the new target and review that plan"
    )]
    TargetChanged {
        address: Address,
        planned: Box<Target>,
        now: Box<Target>,
    },

    #[error(
        "apply refused: lockward cannot write beside the state file ({}): {reason}; nothing was called\nhint: a lock id or a delivery recorded nowhere could be lost; make the directory and the state, backup and journal files writable, then apply again",
        path.display()
    )]
    Unwritable { path: PathBuf, reason: String },

    #[error(
        "apply refused: this approval was already used: {action} on {address} was attempted under plan {digest} at {at}, and AWS's answer did not prove that it did nothing; nothing was called\nhint: run `lockward plan` again: the new plan shows what that attempt did, and needs its own approval"
    )]
    ApprovalUsed {
        address: Address,
        action: &'static str,
        digest: String,
        at: String,
    },

    /// The plan and the config are two inputs (the plan may come from a file); the digest
    /// check before preflight ties them, so only a flaw in that check reaches this.
    #[error("internal error: {0} is in the plan but not in the configuration; this is a bug in lockward")]
    Undeclared(Address),
}

/// Runs every check; returns who each provider's credentials act as, for the journal.
/// `state_path` is the local state file, proven writable; `None` for the S3 backend, whose
/// lock was taken with a conditional write beside the state object.
pub async fn check(
    plan: &Plan,
    config: &Config,
    clients: &Clients,
    state_path: Option<&Path>,
    history: &History,
) -> Result<BTreeMap<String, CallerIdentity>, PreflightError> {
    let acting: Vec<(&crate::plan::ResourcePlan, &Resource)> = plan
        .resources
        .iter()
        .filter(|r| {
            r.recovery.is_some() || plan.ready_actions().any(|(p, _)| p.address == r.address)
        })
        .map(|r| {
            config
                .resource(&r.address)
                .map(|resource| (r, resource))
                .ok_or_else(|| PreflightError::Undeclared(r.address.clone()))
        })
        .collect::<Result<_, _>>()?;
    let resources: Vec<&Resource> = acting.iter().map(|(_, r)| *r).collect();
    let identities = refresh::identities(config, &resources, clients).await?;
    for (rp, resource) in &acting {
        let account = identities
            .get(&resource.provider)
            .map(|i| i.account.as_str())
            .unwrap_or_default();
        let now = refresh::target_of(config, resource, account, clients);
        if now != rp.target {
            return Err(PreflightError::TargetChanged {
                address: rp.address.clone(),
                planned: Box::new(rp.target.clone()),
                now: Box::new(now),
            });
        }
    }
    if let Some(state_path) = state_path {
        prove_writable(state_path)?;
    }
    for (rp, action) in plan.ready_actions() {
        if action.reversibility != Reversibility::Irreversible {
            continue;
        }
        if let Some(used) = history.used_approval(&rp.address, action.action, &plan.digest) {
            return Err(PreflightError::ApprovalUsed {
                address: rp.address.clone(),
                action: ActionKind::as_str(action.action),
                digest: plan.short_digest().to_string(),
                at: used.at.to_string(),
            });
        }
    }
    Ok(identities)
}

/// Creates, syncs and removes a file beside the state, and opens the existing state, backup
/// and journal files for writing (without changing them): a directory or file that cannot be
/// written is found before any call, not after one whose result must be recorded.
pub fn prove_writable(state_path: &Path) -> Result<(), PreflightError> {
    let dir = state_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let unwritable = |path: &Path, e: io::Error| PreflightError::Unwritable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut probe = tempfile::Builder::new()
        .prefix(".lockward-probe-")
        .tempfile_in(dir)
        .map_err(|e| unwritable(dir, e))?;
    probe
        .write_all(b"probe")
        .and_then(|()| probe.as_file().sync_all())
        .map_err(|e| unwritable(dir, e))?;
    probe.close().map_err(|e| unwritable(dir, e))?;
    let backup = crate::state::StateStore::new(state_path).backup_path();
    for path in [state_path.to_path_buf(), backup, journal_path(state_path)] {
        // Never waits on a FIFO or a device put there: only a regular file is opened.
        match OpenOptions::new()
            .append(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&path)
            .and_then(|f| match f.metadata()?.is_file() {
                true => Ok(f),
                false => Err(io::Error::other("it is not a regular file")),
            }) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(unwritable(&path, e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writable_directory_passes_and_keeps_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("lockward.state.json");
        prove_writable(&state).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_missing_directory_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("gone").join("lockward.state.json");
        let err = prove_writable(&state).unwrap_err();
        assert!(err.to_string().contains("gone"), "{err}");
    }
}
