//! What the compliance report says about a glacier resource beyond the plan: how the live value
//! moved away from what the state file records lockward did (drift), and what importing it
//! records.

use jiff::Timestamp;
use serde_json::json;

use crate::config::Policy;
use crate::import::{object, Adoption, DeliveredFile};
use crate::state::Record;

use super::{GlacierDesired, GlacierLive, GlacierRecord};

/// How `live` moved away from what the record says lockward reached, or `None`.
pub(crate) fn drift(live: &GlacierLive, r: &GlacierRecord) -> Option<String> {
    // Without the CreationDate lockward cannot tell its lock from another: claim nothing.
    let initiated = r.initiated_at?;
    let ours = |policy: &Policy, created: &Timestamp| {
        *created == initiated && policy.digest() == r.policy_digest
    };
    let reached = match r.completed_at {
        Some(t) => format!(
            "the state file records that lockward completed the lock of vault `{}` at {}",
            r.vault,
            crate::words::when(t)
        ),
        None => format!(
            "the state file records the lock of vault `{}` created at {}",
            r.vault,
            crate::words::when(initiated)
        ),
    };
    let now = match live {
        GlacierLive::Locked { policy, created } if ours(policy, created) => return None,
        GlacierLive::InProgress {
            policy, created, ..
        } if ours(policy, created) && r.completed_at.is_none() => return None,
        GlacierLive::NoLock if r.completed_at.is_none() => {
            "the vault has no lock now (it expired after 24 h or was aborted outside lockward)"
                .to_string()
        }
        GlacierLive::NoLock => "the vault has no lock now".to_string(),
        GlacierLive::VaultMissing => "the vault no longer exists".to_string(),
        GlacierLive::InProgress { created, .. } => {
            format!(
                "the vault now has another lock in progress, created at {}",
                crate::words::when(*created)
            )
        }
        GlacierLive::Locked { created, .. } => {
            format!(
                "the vault is now locked by another lock, created at {}",
                crate::words::when(*created)
            )
        }
    };
    Some(format!("{reached}, but {now}"))
}

/// What importing the resource records, from its live state (and for Snowball what sits at
/// `deliver_to`). `Err` says why it cannot be imported and what to do instead. Pure.
pub(crate) fn adopt(
    d: &GlacierDesired,
    live: &GlacierLive,
    _delivered: &DeliveredFile,
) -> Result<Adoption, String> {
    let vault = &d.vault;
    match live {
        GlacierLive::Locked { policy, created } => {
            let policy_digest = policy.digest();
            Ok(Adoption {
                record: Record::GlacierVaultLock(GlacierRecord {
                    vault: vault.clone(),
                    // A completed lock needs no id; none can be learned anyway.
                    lock_id: String::new(),
                    initiated_at: Some(*created),
                    policy_digest: policy_digest.clone(),
                    completed_at: None,
                    target: None,
                    physical_key: None,
                }),
                detail: object(json!({"vault": vault, "lock_state": "Locked", "created": created.to_string(), "policy_digest": policy_digest})),
                summary: format!("vault `{vault}`: Locked since {}, policy {policy_digest}", crate::words::when(*created)),
            })
        }
        GlacierLive::InProgress { expires, .. } => Err(format!(
            "vault `{vault}` has a lock InProgress, which cannot be imported: its lock id is returned only by InitiateVaultLock, to whoever initiated it, so lockward could never complete it\nhint: complete it where it was initiated and import it once it is Locked; or let it expire (at {}), or let `lockward apply` abort it and start a lock of its own (`lockward plan` shows this)", crate::words::when(*expires)
        )),
        GlacierLive::NoLock => Err(format!(
            "vault `{vault}` has no lock, so there is nothing to import\nhint: `lockward plan` shows how lockward would lock it"
        )),
        GlacierLive::VaultMissing => Err(format!("vault `{vault}` does not exist in this account and region")),
    }
}

/// What the report says about the vault beyond the plan: a locked vault's policy text, which
/// can never change, and when an InProgress lock expires (AWS aborts it 24 h after it was
/// initiated).
pub(crate) fn facts(d: &GlacierDesired, live: &GlacierLive) -> crate::report::KindFacts {
    let mut facts = crate::report::KindFacts::default();
    match live {
        GlacierLive::Locked { policy, .. } => {
            facts.locked_text = Some(crate::report::LockedText {
                what: format!("the lock policy of vault `{}` (locked: it can never change)", d.vault),
                text: policy.pretty(),
            });
        }
        GlacierLive::InProgress { expires, .. } => facts.moments.push((
            *expires,
            format!(
                "the InProgress lock of vault `{}` expires unless completed before (AWS aborts it 24 h after it was initiated)",
                d.vault
            ),
            false,
        )),
        GlacierLive::NoLock | GlacierLive::VaultMissing => {}
    }
    facts
}
