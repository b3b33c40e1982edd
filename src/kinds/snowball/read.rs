//! Reading a job (DescribeJob) and its delivery file.

use std::path::Path;

use crate::aws::{AwsError, ProviderClients};

use super::deliver;
use super::{SnowballDesired, SnowballJob, SnowballLive};

/// Reads the job, and looks at its `deliver_to` exactly as a delivery will (so what apply
/// would refuse is a conflict at plan time).
pub async fn read_snowball(
    desired: &SnowballDesired,
    config_dir: &Path,
    clients: &ProviderClients,
) -> Result<SnowballLive, AwsError> {
    let delivery = deliver::inspect(&desired.deliver_to, config_dir);
    let kept = deliver::kept(&desired.deliver_to, config_dir);
    let Some(job) = clients.snowball.describe_job(&desired.job_id).await? else {
        return Ok(SnowballLive::JobMissing { delivery, kept });
    };
    Ok(SnowballLive::Present(SnowballJob {
        job_state: job.state,
        created: job.created,
        delivery,
        kept,
    }))
}
