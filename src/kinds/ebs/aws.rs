//! The EC2 calls lockward makes for snapshot locks.

use std::collections::BTreeMap;

use async_trait::async_trait;
use jiff::Timestamp;

use crate::aws::AwsError;

/// A snapshot as DescribeSnapshots reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub id: String,
    /// `pending`, `completed`, `error`, …
    pub state: String,
    pub tags: Vec<(String, String)>,
}

/// A snapshot's lock as DescribeLockedSnapshots (or LockSnapshot's answer) reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockInfo {
    pub snapshot_id: String,
    /// `governance`, `compliance-cooloff`, `compliance` or `expired`.
    pub state: String,
    pub duration_days: Option<u32>,
    pub cool_off_hours: Option<u32>,
    pub cool_off_ends: Option<Timestamp>,
    pub created: Option<Timestamp>,
    pub duration_start: Option<Timestamp>,
    pub expires: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockMode {
    Governance,
    Compliance,
}

impl LockMode {
    pub fn as_str(self) -> &'static str {
        match self {
            LockMode::Governance => "governance",
            LockMode::Compliance => "compliance",
        }
    }
}

/// What a LockSnapshot sends: `duration_days` or `expiration_date`, never both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockRequest {
    pub mode: LockMode,
    pub duration_days: Option<u32>,
    pub expiration_date: Option<Timestamp>,
    pub cool_off_hours: Option<u32>,
}

#[async_trait]
pub trait Ec2Api: Send + Sync {
    /// The snapshots `ids` this account owns; a missing one fails the call with
    /// `InvalidSnapshot.NotFound`. Read-only.
    async fn describe_snapshots(&self, ids: &[String]) -> Result<Vec<SnapshotInfo>, AwsError>;
    /// Every snapshot this account owns in the region with all of `tags`, all pages. Read-only.
    async fn snapshots_tagged(
        &self,
        tags: &BTreeMap<String, String>,
    ) -> Result<Vec<SnapshotInfo>, AwsError>;
    /// The locks (expired ones included) of `ids`, or of every locked snapshot when `ids` is
    /// empty, all pages. Read-only.
    async fn locked_snapshots(&self, ids: &[String]) -> Result<Vec<LockInfo>, AwsError>;
    /// Locks the snapshot, or changes its lock; answers the lock as it now is.
    async fn lock_snapshot(&self, id: &str, request: LockRequest) -> Result<LockInfo, AwsError>;
    async fn unlock_snapshot(&self, id: &str) -> Result<(), AwsError>;
}
