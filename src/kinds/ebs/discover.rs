//! Discovery of EBS snapshot locks: DescribeLockedSnapshots (every page) lists each locked
//! snapshot with its mode, cool-off end and expiry; an expired lock is nothing to report.

use crate::aws::ProviderClients;
use crate::report::discover::{suggest_name, DiscoveryError, Found, Scope, UnmanagedLock};
use crate::vocabulary::{Address, Kind};
use crate::words::Phrase;

use super::EbsLive;

/// Every locked snapshot in the scope that no resource declares.
pub(crate) async fn discover(
    scope: &Scope,
    c: &ProviderClients,
    _parallelism: usize,
    now: jiff::Timestamp,
) -> Result<Found, DiscoveryError> {
    let locks = c
        .ec2
        .locked_snapshots(&[])
        .await
        .map_err(scope.failed("DescribeLockedSnapshots"))?;
    let listed = locks.len();
    let locks = locks
        .iter()
        .filter(|l| !scope.declares(Kind::EbsSnapshotLock, &l.snapshot_id))
        .map(|l| (l, EbsLive::of(Some(l), now)))
        .filter_map(|(l, live)| unmanaged(scope, &l.snapshot_id, &live))
        .collect();
    Ok(Found { listed, locks })
}

fn unmanaged(scope: &Scope, id: &str, live: &EbsLive) -> Option<UnmanagedLock> {
    let (state, mode, lock, cool_off_ends) = match live {
        EbsLive::Governance { lock } => ("governance", "governance", lock, None),
        EbsLive::ComplianceCooloff {
            lock,
            cool_off_ends,
        } => (
            "compliance_cooloff",
            "compliance",
            lock,
            Some(*cool_off_ends),
        ),
        EbsLive::Compliance { lock } => ("compliance", "compliance", lock, None),
        EbsLive::SnapshotMissing | EbsLive::NoMatch | EbsLive::None { .. } => return None,
    };
    let suggested = Address::new(Kind::EbsSnapshotLock, suggest_name(id));
    let provider_line = scope.provider_line();
    let expiry = match lock.expires {
        Some(t) => format!(", until: {t}"),
        None => format!(", duration_days: {}", lock.duration_days.unwrap_or(1)),
    };
    // Under a template, snapshot ids are per account and region: a selection finds it.
    let (which, address) = if scope.is_template() {
        (
            "select: { tags: { KEY: VALUE } } with a tag it has".to_string(),
            format!("{suggested}[*/*/{id}]"),
        )
    } else {
        (
            format!("snapshots: [{id}]"),
            suggested.instance(id).to_string(),
        )
    };
    let next_step = format!(
        "Declare it as `{suggested}` ({which}{provider_line}, mode: {mode}{expiry}) and run `lockward import '{address}'` to manage it."
    );
    let mut found = UnmanagedLock::new(
        Kind::EbsSnapshotLock,
        scope.providers.clone(),
        scope.region.clone(),
        id,
        state,
        suggested,
        next_step,
    );
    if let Some(end) = cool_off_ends {
        found = found.detail(
            "cool_off_ends",
            end,
            Phrase::of_text(", cool-off ends ").value(crate::words::when(end)),
        );
    }
    Some(match lock.expires {
        Some(t) => found.detail(
            "expires",
            t,
            Phrase::of_text(", expires ").value(crate::words::when(t)),
        ),
        None => found,
    })
}
