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

use std::fs;
use std::io::Read;
use std::path::Path;

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::config::Resource;
use crate::digest;
use crate::kinds::Paired;
use crate::plan::Live;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{
        Desired, GlacierDesired, Policy, RbinDesired, RuleLockState, SnowballDesired,
        VaultLockState,
    };

    use crate::kinds::glacier::GlacierLive;
    use crate::kinds::rbin::RbinRecord;
    use crate::kinds::rbin::{RbinLive, RbinRule, RuleLock};
    use crate::kinds::snowball::{SnowballJob, SnowballLive};
    use crate::kinds::{Address, Kind};
    use crate::plan::Live;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn glacier() -> Resource {
        Resource {
            address: Address::new(Kind::GlacierVaultLock, "audit"),
            provider: "default".into(),
            desired: Desired::GlacierVaultLock(GlacierDesired {
                vault: "audit-logs".into(),
                account_id: "-".into(),
                policy: Policy::parse("{}").unwrap(),
                state: VaultLockState::Locked,
                min_test_period: None,
            }),
        }
    }

    #[test]
    fn a_locked_vault_is_adopted_with_its_creation_date_and_policy_digest() {
        let policy = Policy::parse(r#"{"b":1,"a":2}"#).unwrap();
        let live = Live::GlacierVaultLock(GlacierLive::Locked {
            policy: policy.clone(),
            created: ts("2026-01-01T00:00:00Z"),
        });
        let a = adopt(&glacier(), &live, None, &DeliveredFile::Missing).unwrap();
        let Record::GlacierVaultLock(r) = &a.record else {
            panic!("{a:?}")
        };
        assert_eq!(r.initiated_at, Some(ts("2026-01-01T00:00:00Z")));
        assert_eq!(r.policy_digest, policy.digest());
        assert_eq!(r.lock_id, "");
        assert_eq!(a.detail["lock_state"], "Locked");
    }

    #[test]
    fn an_in_progress_lock_is_refused_because_its_id_is_unknowable() {
        let live = Live::GlacierVaultLock(GlacierLive::InProgress {
            policy: Policy::parse("{}").unwrap(),
            created: ts("2026-01-01T00:00:00Z"),
            expires: ts("2026-01-02T00:00:00Z"),
        });
        let err = adopt(&glacier(), &live, None, &DeliveredFile::Missing).unwrap_err();
        assert!(
            err.contains("its lock id is returned only by InitiateVaultLock"),
            "{err}"
        );
        assert!(err.contains("\nhint: "), "{err}");
    }

    #[test]
    fn something_already_recorded_is_not_imported_again() {
        let live = Live::GlacierVaultLock(GlacierLive::Locked {
            policy: Policy::parse("{}").unwrap(),
            created: ts("2026-01-01T00:00:00Z"),
        });
        let first = adopt(&glacier(), &live, None, &DeliveredFile::Missing).unwrap();
        assert!(adopt(
            &glacier(),
            &live,
            Some(&first.record),
            &DeliveredFile::Missing
        )
        .unwrap_err()
        .contains("already in the state file"));
    }

    fn rule(lock_state: Option<RuleLock>, end: Option<&str>) -> Live {
        Live::RbinRuleLock(RbinLive::Present(RbinRule {
            resource_type: "EBS_SNAPSHOT".into(),
            lock_state,
            unlock_delay_days: lock_state.map(|_| 10),
            lock_end_time: end.map(ts),
            resource_tags: 0,
            exclude_resource_tags: 0,
        }))
    }

    fn rbin() -> Resource {
        Resource {
            address: Address::new(Kind::RbinRuleLock, "ebs"),
            provider: "default".into(),
            desired: Desired::RbinRuleLock(RbinDesired {
                rule_id: "a1B2c3D4e5F".into(),
                state: RuleLockState::Locked,
                unlock_delay_days: Some(10),
            }),
        }
    }

    #[test]
    fn a_rule_lock_is_adopted_with_its_configuration_and_a_pending_unlock_with_its_request_time() {
        let a = adopt(
            &rbin(),
            &rule(Some(RuleLock::Locked), None),
            None,
            &DeliveredFile::Missing,
        )
        .unwrap();
        assert_eq!(
            a.record,
            Record::RbinRuleLock(RbinRecord {
                rule_id: "a1B2c3D4e5F".into(),
                unlock_delay_days: Some(10),
                locked_at: None,
                unlock_requested_at: None,
                target: None,
                physical_key: None,
            })
        );
        let a = adopt(
            &rbin(),
            &rule(Some(RuleLock::PendingUnlock), Some("2026-12-01T00:00:00Z")),
            None,
            &DeliveredFile::Missing,
        )
        .unwrap();
        let Record::RbinRuleLock(r) = a.record else {
            panic!()
        };
        assert_eq!(r.unlock_requested_at, Some(ts("2026-11-21T00:00:00Z")));
        assert!(
            adopt(&rbin(), &rule(None, None), None, &DeliveredFile::Missing)
                .unwrap_err()
                .contains("not locked")
        );
    }

    #[test]
    fn a_delivery_is_adopted_only_when_the_file_looks_like_a_code_and_no_message_shows_it() {
        let resource = Resource {
            address: Address::new(Kind::SnowballUnlockCode, "site_a"),
            provider: "default".into(),
            desired: Desired::SnowballUnlockCode(SnowballDesired {
                job_id: "JID1".into(),
                deliver_to: "secrets/a.code".into(),
                manifest_path: None,
            }),
        };
        let live = Live::SnowballUnlockCode(SnowballLive::Present(SnowballJob {
            job_state: "WithCustomer".into(),
            created: ts("2026-11-01T00:00:00Z"),
            delivery: crate::apply::deliver::DeliveryTarget::File {
                fingerprint: "sha256:aa".into(),
            },
        }));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.code");
        fs::write(&path, "12345-abcde-56789-fghij-01234\n").unwrap();
        let file = inspect_delivery(&path);
        let DeliveredFile::File {
            looks_like_code: true,
            ..
        } = &file
        else {
            panic!("{file:?}")
        };
        let a = adopt(&resource, &live, None, &file).unwrap();
        let text = format!("{} {:?}", a.summary, a.detail);
        assert!(!text.contains("12345-abcde"), "{text}");

        fs::write(&path, "not a code").unwrap();
        let err = adopt(&resource, &live, None, &inspect_delivery(&path)).unwrap_err();
        assert!(err.contains("shaped like an unlock code"), "{err}");
        assert!(!err.contains("not a code"), "{err}");
        assert_eq!(
            inspect_delivery(&dir.path().join("absent")),
            DeliveredFile::Missing
        );
    }
}
