//! EC2's snapshot locks in the in-memory fake: a lock is kept as AWS answers it, with its
//! state following the fake's clock.

use std::collections::BTreeMap;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use crate::aws::fake::{apply, rejected, FakeAws};
use crate::aws::AwsError;

use super::aws::{Ec2Api, LockInfo, LockMode, LockRequest, SnapshotInfo};

/// The operations of the service that change something.
pub(crate) const MUTATING: &[&str] = &["LockSnapshot", "UnlockSnapshot"];

/// A snapshot and its lock (kept once expired, as DescribeLockedSnapshots lists it).
#[derive(Clone, Debug, Default)]
pub struct FakeSnapshot {
    pub info: SnapshotInfo,
    pub lock: Option<LockInfo>,
}

/// The lock as it reads at `now`.
fn at(lock: &LockInfo, now: Timestamp) -> LockInfo {
    let mut l = lock.clone();
    if l.expires.is_some_and(|e| e <= now) {
        l.state = "expired".into();
    } else if l.state == "compliance-cooloff" && l.cool_off_ends.is_some_and(|e| e <= now) {
        l.state = "compliance".into();
    }
    l
}

fn not_found(id: &str) -> AwsError {
    rejected(
        "InvalidSnapshot.NotFound",
        format!("The snapshot '{id}' does not exist."),
    )
}

#[async_trait]
impl Ec2Api for FakeAws {
    async fn describe_snapshots(&self, ids: &[String]) -> Result<Vec<SnapshotInfo>, AwsError> {
        let (s, failure) = self.enter("DescribeSnapshots", &ids.join(","));
        apply(failure, || {
            ids.iter()
                .map(|id| {
                    s.locks
                        .snapshots
                        .get(id)
                        .map(|f| f.info.clone())
                        .ok_or_else(|| not_found(id))
                })
                .collect()
        })
    }

    async fn snapshots_tagged(
        &self,
        tags: &BTreeMap<String, String>,
    ) -> Result<Vec<SnapshotInfo>, AwsError> {
        let (s, failure) = self.enter("DescribeSnapshots", "tags");
        apply(failure, || {
            Ok(s.locks
                .snapshots
                .values()
                .filter(|f| {
                    tags.iter()
                        .all(|(k, v)| f.info.tags.iter().any(|(tk, tv)| tk == k && tv == v))
                })
                .map(|f| f.info.clone())
                .collect())
        })
    }

    async fn locked_snapshots(&self, ids: &[String]) -> Result<Vec<LockInfo>, AwsError> {
        let (s, failure) = self.enter("DescribeLockedSnapshots", &ids.join(","));
        let now = s.now;
        apply(failure, || {
            if let Some(missing) = ids.iter().find(|id| !s.locks.snapshots.contains_key(*id)) {
                return Err(not_found(missing));
            }
            Ok(s.locks
                .snapshots
                .iter()
                .filter(|(id, _)| ids.is_empty() || ids.contains(id))
                .filter_map(|(_, f)| f.lock.as_ref().map(|l| at(l, now)))
                .collect())
        })
    }

    async fn lock_snapshot(&self, id: &str, r: LockRequest) -> Result<LockInfo, AwsError> {
        let (mut s, failure) = self.enter("LockSnapshot", id);
        let now = s.now;
        apply(failure, || {
            let snap = s.locks.snapshots.get_mut(id).ok_or_else(|| not_found(id))?;
            let live = snap
                .lock
                .as_ref()
                .map(|l| at(l, now))
                .filter(|l| l.state != "expired");
            if let Some(l) = &live {
                if l.state == "compliance" {
                    let longer = match (r.expiration_date, l.expires) {
                        (Some(new), Some(old)) => new >= old,
                        _ => false,
                    };
                    if r.mode != LockMode::Compliance || r.cool_off_hours.is_some() || !longer {
                        return Err(rejected(
                            "IncorrectState",
                            "a compliance lock past its cool-off can only be extended",
                        ));
                    }
                }
            }
            let created = live.as_ref().and_then(|l| l.created).unwrap_or(now);
            let start = live.as_ref().and_then(|l| l.duration_start).unwrap_or(now);
            let expires = r.expiration_date.or_else(|| {
                r.duration_days
                    .map(|d| start + SignedDuration::from_hours(24 * i64::from(d)))
            });
            let keep_cool_off = live
                .as_ref()
                .filter(|l| l.state == "compliance")
                .map(|l| (l.cool_off_hours, l.cool_off_ends));
            let (cool_off_hours, cool_off_ends) = keep_cool_off.unwrap_or((
                r.cool_off_hours,
                r.cool_off_hours
                    .map(|h| created + SignedDuration::from_hours(i64::from(h))),
            ));
            let state = match r.mode {
                LockMode::Governance => "governance",
                LockMode::Compliance if cool_off_ends.is_some_and(|e| now < e) => {
                    "compliance-cooloff"
                }
                LockMode::Compliance => "compliance",
            };
            let lock = LockInfo {
                snapshot_id: id.to_string(),
                state: state.to_string(),
                duration_days: r.duration_days,
                cool_off_hours,
                cool_off_ends,
                created: Some(created),
                duration_start: Some(start),
                expires,
            };
            snap.lock = Some(lock.clone());
            Ok(lock)
        })
    }

    async fn unlock_snapshot(&self, id: &str) -> Result<(), AwsError> {
        let (mut s, failure) = self.enter("UnlockSnapshot", id);
        let now = s.now;
        apply(failure, || {
            let snap = s.locks.snapshots.get_mut(id).ok_or_else(|| not_found(id))?;
            match snap.lock.as_ref().map(|l| at(l, now)) {
                Some(l) if l.state == "compliance" => Err(rejected(
                    "IncorrectState",
                    "a compliance lock past its cool-off cannot be unlocked",
                )),
                Some(l) if l.state != "expired" => {
                    snap.lock = None;
                    Ok(())
                }
                _ => Err(rejected("IncorrectState", "the snapshot is not locked")),
            }
        })
    }
}
