//! Reading a snapshot's lock (DescribeLockedSnapshots, then DescribeSnapshots to tell a
//! snapshot never locked from one that does not exist), and the snapshots a `select` finds.

use crate::aws::{AwsError, ProviderClients};

use super::{EbsDesired, EbsLive};

/// The snapshot's lock, classified as of `now`.
pub async fn read_ebs(
    desired: &EbsDesired,
    clients: &ProviderClients,
    now: jiff::Timestamp,
) -> Result<EbsLive, AwsError> {
    let Some(id) = &desired.snapshot_id else {
        // A selection read before it found its snapshots: refresh reads its instances.
        return Ok(EbsLive::NoMatch);
    };
    let ids = std::slice::from_ref(id);
    let locks = match clients.ec2.locked_snapshots(ids).await {
        Ok(locks) => locks,
        Err(e) if e.has_code("InvalidSnapshot.NotFound") => return Ok(EbsLive::SnapshotMissing),
        Err(e) => return Err(e),
    };
    if let Some(lock) = locks.iter().find(|l| l.snapshot_id == *id) {
        return Ok(EbsLive::of(Some(lock), now));
    }
    match clients.ec2.describe_snapshots(ids).await {
        Ok(found) if found.iter().any(|s| s.id == *id) => Ok(EbsLive::of(None, now)),
        Ok(_) => Ok(EbsLive::SnapshotMissing),
        Err(e) if e.has_code("InvalidSnapshot.NotFound") => Ok(EbsLive::SnapshotMissing),
        Err(e) => Err(e),
    }
}

/// The instances of a `select`: every snapshot the account owns in the region with its
/// tags, by id. `None` for a resource that names its snapshot.
pub async fn instances(
    desired: &EbsDesired,
    clients: &ProviderClients,
) -> Result<crate::kinds::Instances<EbsDesired>, AwsError> {
    let (None, Some(tags)) = (&desired.snapshot_id, &desired.select_tags) else {
        return Ok(None);
    };
    let mut found = clients.ec2.snapshots_tagged(tags).await?;
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found.dedup_by(|a, b| a.id == b.id);
    Ok(Some(
        found
            .into_iter()
            .map(|s| {
                let instance = desired.instance(&s.id);
                (s.id, instance)
            })
            .collect(),
    ))
}
