//! AWS Snowball (API version 2016-06-30), in both of the protocols its model declares:
//! Smithy RPC v2 CBOR (`POST /service/AWSIESnowballJobManagementService/operation/{Op}`), which the
//! current SDKs speak, and awsJson1.1 (`POST /` with `X-Amz-Target:
//! AWSIESnowballJobManagementService.{Op}`), which older clients speak.
//!
//! Jobs only move between states through CancelJob here; anything else (a job reaching the
//! customer) is set up with the control API's seed, which replaces a job with the same id.

use axum::response::Response;
use ciborium::Value as Cbor;
use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};

use crate::state::{
    default_region, random_from, EmulatedService, Regional, SeedContext, ViewContext, HEX,
    LOWER_ALNUM,
};
use crate::wire::{
    aws_json_error, aws_json_params, aws_json_response, aws_json_target, cbor_map, cbor_timestamp,
    cbor_to_json, set_header, str_param, ApiError, Claim, Ctx, Operation, RawRequest, Service,
};

pub const SERVICE: &str = "AWSIESnowballJobManagementService";
pub const CBOR_PATH_PREFIX: &str = "/service/AWSIESnowballJobManagementService/operation/";
const SHAPE_NAMESPACE: &str = "com.amazonaws.snowball";

/// How long after its creation a job's unlock code can still be retrieved.
pub const UNLOCK_CODE_WINDOW: SignedDuration = SignedDuration::from_hours(360 * 24);

/// Which of the two wire protocols a request came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    Cbor,
    Json,
}

// ---- the model, its seed and its state view ------------------------------------------------

impl EmulatedService for Snowball {
    const STATE_KEY: Option<&'static str> = Some("snowball");
    const WIRE: &'static [&'static dyn Service] = &[&Snowball(Wire::Json), &Snowball(Wire::Cbor)];
    type Model = Regional<BTreeMap<String, Job>>;
    type Entry = SeedJob;

    fn seed(model: &mut Self::Model, j: SeedJob, cx: &SeedContext) -> Result<(), String> {
        let account = cx.account(j.account_id);
        if !valid_job_id(&j.job_id) {
            return Err(format!("invalid job_id {:?}", j.job_id));
        }
        if !JOB_STATES.contains(&j.state.as_str()) {
            return Err(format!(
                "invalid job state {:?}: expected one of {}",
                j.state,
                JOB_STATES.join(", ")
            ));
        }
        model.at(&account, &j.region).insert(
            j.job_id.clone(),
            Job {
                job_id: j.job_id,
                state: j.state,
                created: j.created.unwrap_or(cx.now),
                unlock_code: j
                    .unlock_code
                    .unwrap_or_else(|| new_unlock_code(&mut rand::rng())),
                job_type: j.job_type,
                snowball_type: j.snowball_type,
                description: j.description,
            },
        );
        Ok(())
    }

    fn view(model: &Self::Model, cx: &ViewContext) -> Vec<SeedJob> {
        let mut entries = Vec::new();
        for (account, region, jobs) in model.iter() {
            for j in jobs.values() {
                entries.push(SeedJob {
                    account_id: cx.account_id(account),
                    region: region.to_string(),
                    job_id: j.job_id.clone(),
                    state: j.state.clone(),
                    created: Some(j.created),
                    unlock_code: Some(j.unlock_code.clone()),
                    job_type: j.job_type.clone(),
                    snowball_type: j.snowball_type.clone(),
                    description: j.description.clone(),
                });
            }
        }
        entries
    }
}

/// The jobs of the caller's account and region.
fn jobs<'c>(ctx: &'c mut Ctx) -> &'c mut BTreeMap<String, Job> {
    ctx.store.services.snowball.at(&ctx.account, &ctx.region)
}

/// The 13 values of the Snowball model's `JobState`.
pub const JOB_STATES: [&str; 13] = [
    "New",
    "PreparingAppliance",
    "PreparingShipment",
    "InTransitToCustomer",
    "WithCustomer",
    "InTransitToAWS",
    "WithAWSSortingFacility",
    "WithAWS",
    "InProgress",
    "Complete",
    "Cancelled",
    "Listing",
    "Pending",
];

/// A Snowball job.
#[derive(Debug, Clone)]
pub struct Job {
    pub job_id: String,
    pub state: String,
    pub created: Timestamp,
    pub unlock_code: String,
    pub job_type: String,
    pub snowball_type: String,
    pub description: Option<String>,
}

/// `(M|J)ID` followed by a lowercase UUID, 39 characters.
pub fn valid_job_id(id: &str) -> bool {
    let Some(uuid) = id.strip_prefix("JID").or_else(|| id.strip_prefix("MID")) else {
        return false;
    };
    let groups: Vec<&str> = uuid.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')))
}

/// A Snowball job id: `JID` and a lowercase UUID.
pub fn new_job_id(rng: &mut impl Rng) -> String {
    let g = [8, 4, 4, 4, 12].map(|n| random_from(rng, HEX, n));
    format!("JID{}", g.join("-"))
}

/// A Snowball unlock code: 29 characters, five groups of five letters or digits joined by hyphens.
pub fn new_unlock_code(rng: &mut impl Rng) -> String {
    let g = [5; 5].map(|n| random_from(rng, LOWER_ALNUM, n));
    g.join("-")
}

fn default_job_state() -> String {
    "New".to_string()
}

fn default_job_type() -> String {
    "IMPORT".to_string()
}

fn default_snowball_type() -> String {
    "EDGE".to_string()
}

/// A job in the seed document and the state (`"snowball"`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedJob {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(default = "default_region")]
    region: String,
    job_id: String,
    #[serde(default = "default_job_state")]
    state: String,
    #[serde(default)]
    created: Option<Timestamp>,
    #[serde(default)]
    unlock_code: Option<String>,
    #[serde(default = "default_job_type")]
    job_type: String,
    #[serde(default = "default_snowball_type")]
    snowball_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

// ---- the wire adapter ------------------------------------------------------------------------

/// AWS Snowball over one of its two wire protocols; its registration (lib.rs) lists both.
#[derive(Debug)]
pub struct Snowball(pub Wire);

impl Service for Snowball {
    fn name(&self) -> &'static str {
        "snowball"
    }

    fn protocol(&self) -> &'static str {
        match self.0 {
            Wire::Cbor => "rpcv2Cbor",
            Wire::Json => "awsJson1_1",
        }
    }

    fn claim(&self, req: &RawRequest, scope_service: Option<&str>) -> Claim {
        let shaped = match self.0 {
            Wire::Cbor => req.path.starts_with(CBOR_PATH_PREFIX),
            Wire::Json => req
                .header("x-amz-target")
                .is_some_and(|t| t.starts_with(SERVICE)),
        };
        match (shaped, scope_service) {
            (false, _) => Claim::No,
            (true, Some("snowball")) => Claim::Signed,
            (true, _) => Claim::ByHeader,
        }
    }

    fn parse(&self, req: &RawRequest) -> Result<Operation, ApiError> {
        parse(req, self.0)
    }

    fn execute(
        &self,
        op: &Operation,
        _: &RawRequest,
        ctx: &mut Ctx,
        _: &str,
    ) -> Result<Response, ApiError> {
        execute(op, ctx).map(|out| output_response(self.0, &out))
    }

    fn error(&self, err: &ApiError, _: &str) -> Response {
        error_response(self.0, err)
    }

    fn default_error_code(&self, status: u16) -> &'static str {
        if status >= 500 {
            "InternalFailure"
        } else {
            "InvalidInputCombinationException"
        }
    }
}

/// Each operation and whether the call log marks it `mutating`: GetJobUnlockCode changes no
/// state but discloses a secret, which cannot be taken back, so it counts as mutating.
const OPERATIONS: [(&str, bool); 6] = [
    ("CreateJob", true),
    ("DescribeJob", false),
    ("ListJobs", false),
    ("GetJobUnlockCode", true),
    ("UpdateJob", true),
    ("CancelJob", true),
];

/// Identifies the operation and decodes its input.
pub fn parse(req: &RawRequest, wire: Wire) -> Result<Operation, ApiError> {
    let op_name = match wire {
        Wire::Cbor => req.path.strip_prefix(CBOR_PATH_PREFIX).unwrap_or_default(),
        Wire::Json => aws_json_target(req, SERVICE).unwrap_or_default(),
    };
    let Some(&(name, mutating)) = OPERATIONS.iter().find(|(n, _)| *n == op_name) else {
        return Err(ApiError::new(
            404,
            "UnknownOperationException",
            format!("Snowball operation {op_name:?} is not supported"),
        ));
    };
    let params = match wire {
        Wire::Json => aws_json_params(req)?,
        Wire::Cbor if req.body.is_empty() => json!({}),
        Wire::Cbor => {
            let v: Cbor = ciborium::de::from_reader(req.body.as_ref()).map_err(|e| {
                ApiError::new(
                    400,
                    "SerializationException",
                    format!("Invalid CBOR body: {e}"),
                )
            })?;
            cbor_to_json(&v)
        }
    };
    if !params.is_object() {
        return Err(ApiError::new(
            400,
            "SerializationException",
            "The body must be a map",
        ));
    }
    Ok(Operation {
        name,
        mutating,
        params,
    })
}

/// Renders a successful output.
pub fn output_response(wire: Wire, out: &Cbor) -> Response {
    match wire {
        Wire::Cbor => {
            let mut body = Vec::new();
            if let Err(e) = ciborium::ser::into_writer(out, &mut body) {
                return error_response(
                    wire,
                    &ApiError::new(500, "InternalFailure", format!("cannot encode CBOR: {e}")),
                );
            }
            let mut resp = crate::wire::response(200, "application/cbor", body);
            set_header(&mut resp, "smithy-protocol", "rpc-v2-cbor");
            resp
        }
        Wire::Json => aws_json_response(200, &cbor_to_json(out)),
    }
}

/// Renders an error: a map with `__type` and `Message` (and any extra members).
pub fn error_response(wire: Wire, err: &ApiError) -> Response {
    match wire {
        Wire::Cbor => {
            let mut entries = vec![
                (
                    "__type",
                    Cbor::Text(format!("{SHAPE_NAMESPACE}#{}", err.code)),
                ),
                ("Message", Cbor::Text(err.message.clone())),
            ];
            for (k, v) in &err.fields {
                entries.push((k, Cbor::Text(v.clone())));
            }
            let mut body = Vec::new();
            // Encoding a map of text cannot fail on a Vec; an empty body is the fallback.
            let _ = ciborium::ser::into_writer(&cbor_map(entries), &mut body);
            let mut resp = crate::wire::response(err.status, "application/cbor", body);
            set_header(&mut resp, "smithy-protocol", "rpc-v2-cbor");
            resp
        }
        Wire::Json => aws_json_error(err),
    }
}

fn invalid_resource(job_id: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidResourceException",
        format!("The job {job_id} does not exist"),
    )
    .with("ResourceType", "JOB")
}

fn invalid_state(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidJobStateException", msg)
}

fn job_of<'a>(ctx: &'a mut Ctx, params: &Json) -> Result<&'a mut Job, ApiError> {
    let id = str_param(params, "JobId").unwrap_or_default().to_string();
    if !valid_job_id(&id) {
        return Err(ApiError::new(
            400,
            "InvalidResourceException",
            format!("Invalid job id {id:?}"),
        )
        .with("ResourceType", "JOB"));
    }
    jobs(ctx)
        .get_mut(&id)
        .ok_or_else(|| invalid_resource(&id))
}

fn job_metadata(job: &Job) -> Cbor {
    let mut entries = vec![
        ("JobId", Cbor::Text(job.job_id.clone())),
        ("JobState", Cbor::Text(job.state.clone())),
        ("JobType", Cbor::Text(job.job_type.clone())),
        ("SnowballType", Cbor::Text(job.snowball_type.clone())),
        ("CreationDate", cbor_timestamp(job.created)),
    ];
    if let Some(d) = &job.description {
        entries.push(("Description", Cbor::Text(d.clone())));
    }
    cbor_map(entries)
}

/// Carries out the operation; the output is protocol-neutral CBOR.
pub fn execute(op: &Operation, ctx: &mut Ctx) -> Result<Cbor, ApiError> {
    let p = &op.params;
    match op.name {
        "CreateJob" => {
            let job_type = str_param(p, "JobType").unwrap_or("IMPORT");
            if !["IMPORT", "EXPORT", "LOCAL_USE"].contains(&job_type) {
                return Err(ApiError::new(
                    400,
                    "InvalidInputCombinationException",
                    format!("Invalid JobType {job_type:?}"),
                ));
            }
            let mut rng = rand::rng();
            let job = Job {
                job_id: new_job_id(&mut rng),
                state: "New".to_string(),
                created: ctx.now,
                unlock_code: new_unlock_code(&mut rng),
                job_type: job_type.to_string(),
                snowball_type: str_param(p, "SnowballType").unwrap_or("EDGE").to_string(),
                description: str_param(p, "Description").map(str::to_string),
            };
            let id = job.job_id.clone();
            jobs(ctx).insert(id.clone(), job);
            Ok(cbor_map(vec![("JobId", Cbor::Text(id))]))
        }
        "DescribeJob" => {
            let job = job_of(ctx, p)?;
            Ok(cbor_map(vec![("JobMetadata", job_metadata(job))]))
        }
        "ListJobs" => list_jobs(p, ctx),
        "GetJobUnlockCode" => {
            let now = ctx.now;
            let job = job_of(ctx, p)?;
            if job.state != "WithCustomer" {
                return Err(invalid_state(format!(
                    "The unlock code of job {} is available only while the job is WithCustomer; it is {}",
                    job.job_id, job.state
                )));
            }
            if now.duration_since(job.created) > UNLOCK_CODE_WINDOW {
                return Err(invalid_state(format!(
                    "The unlock code of job {} is no longer available: the job was created more than 360 days ago",
                    job.job_id
                )));
            }
            Ok(cbor_map(vec![(
                "UnlockCode",
                Cbor::Text(job.unlock_code.clone()),
            )]))
        }
        "UpdateJob" => {
            let job = job_of(ctx, p)?;
            if job.state != "New" {
                return Err(invalid_state(format!(
                    "Job {} can be updated only while it is New; it is {}",
                    job.job_id, job.state
                )));
            }
            if let Some(d) = str_param(p, "Description") {
                job.description = Some(d.to_string());
            }
            Ok(cbor_map(vec![]))
        }
        "CancelJob" => {
            let job = job_of(ctx, p)?;
            if !matches!(job.state.as_str(), "New" | "Pending") {
                return Err(invalid_state(format!(
                    "Job {} can be cancelled only before it is PreparingAppliance; it is {}",
                    job.job_id, job.state
                )));
            }
            job.state = "Cancelled".to_string();
            Ok(cbor_map(vec![]))
        }
        other => Err(ApiError::new(
            404,
            "UnknownOperationException",
            format!("Snowball operation {other:?} is not supported"),
        )),
    }
}

fn list_jobs(p: &Json, ctx: &mut Ctx) -> Result<Cbor, ApiError> {
    let max = match p.get("MaxResults") {
        None => 100,
        Some(v) => match v.as_u64() {
            Some(0) => 100,
            Some(n @ 1..=100) => n as usize,
            _ => {
                return Err(ApiError::new(
                    400,
                    "InvalidInputCombinationException",
                    "MaxResults must be from 0 to 100",
                ))
            }
        },
    };
    let jobs: Vec<Job> = jobs(ctx).values().cloned().collect();
    let start = match str_param(p, "NextToken") {
        None => 0,
        Some(t) => jobs.iter().position(|j| j.job_id == t).ok_or_else(|| {
            ApiError::new(
                400,
                "InvalidNextTokenException",
                "The NextToken is not valid",
            )
        })?,
    };
    let entries: Vec<Cbor> = jobs
        .iter()
        .skip(start)
        .take(max)
        .map(|j| {
            let mut e = vec![
                ("JobId", Cbor::Text(j.job_id.clone())),
                ("JobState", Cbor::Text(j.state.clone())),
                ("IsMaster", Cbor::Bool(false)),
                ("JobType", Cbor::Text(j.job_type.clone())),
                ("SnowballType", Cbor::Text(j.snowball_type.clone())),
                ("CreationDate", cbor_timestamp(j.created)),
            ];
            if let Some(d) = &j.description {
                e.push(("Description", Cbor::Text(d.clone())));
            }
            cbor_map(e)
        })
        .collect();
    let mut out = vec![("JobListEntries", Cbor::Array(entries))];
    if let Some(next) = jobs.get(start + max) {
        out.push(("NextToken", Cbor::Text(next.job_id.clone())));
    }
    Ok(cbor_map(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_have_the_documented_shapes() {
        let mut rng = rand::rng();
        let code = new_unlock_code(&mut rng);
        assert_eq!(code.len(), 29);
        assert_eq!(code.split('-').count(), 5);
        assert!(valid_job_id(&new_job_id(&mut rng)));
    }
}
