//! `lockward iam-policy`: the policy it prints for `plan`, `apply` and `report` allows every
//! call the emulator records for that command on a project of every kind (through an assumed
//! role, with the state in S3), and `plan`'s allows no call that changes a lock.

use serde_json::{json, Value};

use crate::support::{job, plan_digest, rule, vault, Env, SAMPLE_JOB};

const ROLE: &str = "arn:aws:iam::210987654321:role/lockward";
const STATE_BUCKET: &str = "lockward-state";
const KEY: &str = "prod/lockward.state.json";

/// Every kind, each needing a change, in the role's account; the state in S3 through a
/// provider of its own.
fn project() -> Env {
    let env = Env::new();
    env.seed(json!({
        "account_id": "210987654321",
        "glacier": [vault("audit-logs")],
        "rbin": [rule("a1B2c3D4e5F", Value::Null, None)],
        "snowball": [job(SAMPLE_JOB, "WithCustomer", "2026-11-01T00:00:00Z", "code-1")],
        "backup": [{"region": "us-east-1", "vault": "prod-backups", "vault_type": "BACKUP_VAULT",
                    "recovery_points": 0}],
        "s3": [{"region": "us-east-1", "bucket": "trade-records"}],
        "ec2": [{"region": "us-east-1", "snapshot_id": "snap-0123456789abcdef0", "state": "completed"}],
    }));
    env.seed(
        json!({"s3": [{"region": "us-east-1", "bucket": STATE_BUCKET,
                            "versioning": "Enabled"}]}),
    );
    env.write(
        "policies/audit.json",
        &crate::support::POLICY.replace("123456789012", "210987654321"),
    );
    let url = env.emulator.url();
    env.write(
        "lockward.yaml",
        &format!(
            "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {url}\n    \
             assume_role: {ROLE}\n  state:\n    region: us-east-1\n    endpoint_url: {url}\n\
             backend:\n  s3: {{ bucket: {STATE_BUCKET}, key: {KEY}, provider: state }}\n\
             glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
             state: locked\nrbin_rule_lock:\n  snapshots:\n    rule_id: a1B2c3D4e5F\n    state: locked\n    \
             unlock_delay_days: 7\nsnowball_unlock_code:\n  site_a:\n    job_id: {SAMPLE_JOB}\n    \
             deliver_to: site-a.code\nbackup_vault_lock:\n  prod:\n    vault: prod-backups\n    \
             mode: governance\n    min_retention_days: 7\ns3_object_lock:\n  trades:\n    \
             bucket: trade-records\n    object_lock: enabled\n    \
             default_retention: {{ mode: governance, days: 30 }}\n\
             ebs_snapshot_lock:\n  hold:\n    snapshots: [snap-0123456789abcdef0]\n    \
             mode: governance\n    duration_days: 30\n"
        ),
    );
    env
}

/// The IAM action a recorded call needs (`None`: none, e.g. GetCallerIdentity), and the
/// resource it acts on where lockward's policy names one (`*` otherwise).
fn needs(call: &Value) -> Option<(String, String)> {
    let service = call["service"].as_str().unwrap();
    let operation = call["operation"].as_str().unwrap();
    let params = &call["params"];
    let bucket = params["Bucket"].as_str().unwrap_or_default();
    let object = format!(
        "arn:aws:s3:::{bucket}/{}",
        params["Key"].as_str().unwrap_or_default()
    );
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let (action, resource) = match (service, operation) {
        ("sts", "GetCallerIdentity") => return None,
        ("sts", "AssumeRole") => (
            "sts:AssumeRole".to_string(),
            params["RoleArn"].as_str().unwrap().to_string(),
        ),
        ("s3", op) => {
            let (action, on_object) = match op {
                "ListBuckets" => ("s3:ListAllMyBuckets", false),
                "HeadBucket" | "ListObjectsV2" => ("s3:ListBucket", false),
                "GetObjectLockConfiguration" => ("s3:GetBucketObjectLockConfiguration", false),
                "PutObjectLockConfiguration" => ("s3:PutBucketObjectLockConfiguration", false),
                "GetBucketVersioning" => ("s3:GetBucketVersioning", false),
                "PutBucketVersioning" => ("s3:PutBucketVersioning", false),
                "GetObject" | "HeadObject" => ("s3:GetObject", true),
                "PutObject" => ("s3:PutObject", true),
                "DeleteObject" => ("s3:DeleteObject", true),
                other => panic!("an S3 operation this test does not map: {other}"),
            };
            let resource = match (bucket == STATE_BUCKET, on_object) {
                (false, _) => "*".to_string(),
                (true, true) => object,
                (true, false) => bucket_arn,
            };
            (action.to_string(), resource)
        }
        (service, op) => (format!("{service}:{op}"), "*".to_string()),
    };
    Some((action, resource))
}

/// Whether `pattern` (an IAM resource, `*` matching any run of characters) matches `resource`.
fn matches(pattern: &str, resource: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = resource.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

fn allows(policy: &Value, action: &str, resource: &str) -> bool {
    policy["Statement"].as_array().unwrap().iter().any(|s| {
        s["Effect"] == "Allow"
            && s["Action"].as_array().unwrap().iter().any(|a| a == action)
            && s["Resource"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| matches(r.as_str().unwrap(), resource))
    })
}

fn policy_for(env: &Env, command: &str) -> Value {
    let run = env.lockward(&["iam-policy", "--for", command]);
    run.success();
    let policy: Value = serde_json::from_str(&run.stdout).expect("iam-policy prints JSON");
    assert_eq!(policy["Version"], "2012-10-17");
    policy
}

/// Every call recorded since the last check is allowed by `policy`; returns how many there
/// were.
fn assert_allowed(env: &Env, policy: &Value, command: &str, from: usize) -> usize {
    let calls = env.calls();
    let mut denied = Vec::new();
    for call in &calls[from..] {
        if let Some((action, resource)) = needs(call) {
            if !allows(policy, &action, &resource) {
                denied.push(format!("{action} on {resource}"));
            }
        }
    }
    denied.sort();
    denied.dedup();
    assert!(
        denied.is_empty(),
        "`iam-policy --for {command}` does not allow what `{command}` called:\n{}\n{policy:#}",
        denied.join("\n")
    );
    calls.len()
}

#[test]
fn each_commands_policy_allows_every_call_it_makes_and_plans_never_change_a_lock() {
    let env = project();
    let (plan, apply, report) = (
        policy_for(&env, "plan"),
        policy_for(&env, "apply"),
        policy_for(&env, "report"),
    );
    assert!(
        env.calls().is_empty(),
        "iam-policy calls nothing: {:#?}",
        env.calls()
    );

    env.lockward(&["plan", "--detailed-exitcode"]).code(2);
    let seen = assert_allowed(&env, &plan, "plan", 0);
    assert!(seen > 10, "the plan read every kind");

    let digest = plan_digest(&env);
    let seen_before_apply = env.calls().len();
    env.lockward(&["apply", "--approve", &digest]).success();
    assert_allowed(&env, &apply, "apply", seen_before_apply);
    let mutating = env.mutating_calls();
    for op in [
        "InitiateVaultLock",
        "CompleteVaultLock",
        "LockRule",
        "GetJobUnlockCode",
        "PutBackupVaultLockConfiguration",
        "PutObjectLockConfiguration",
        "PutObject",
    ] {
        assert!(mutating.iter().any(|m| m == op), "{op} in {mutating:?}");
    }

    let seen = env.calls().len();
    env.lockward(&["report", "--format", "json"]).success();
    assert_allowed(&env, &report, "report", seen);

    // The plan's and the report's policies change nothing: no kind's action, no write of the
    // state.
    let writes: Vec<&str> = [
        "glacier:InitiateVaultLock",
        "glacier:CompleteVaultLock",
        "glacier:AbortVaultLock",
        "rbin:LockRule",
        "rbin:UnlockRule",
        "backup:PutBackupVaultLockConfiguration",
        "backup:DeleteBackupVaultLockConfiguration",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketVersioning",
        "s3:PutObject",
        "s3:DeleteObject",
        "snowball:GetJobUnlockCode",
    ]
    .to_vec();
    for (command, policy) in [("plan", &plan), ("report", &report)] {
        for write in &writes {
            assert!(
                !allows(policy, write, "*")
                    && !allows(policy, write, &format!("arn:aws:s3:::{STATE_BUCKET}/{KEY}")),
                "`--for {command}` allows {write}"
            );
        }
    }
    // Discovery is the report's alone.
    assert!(!allows(&plan, "glacier:ListVaults", "*"));
    assert!(allows(&report, "glacier:ListVaults", "*"));
}

#[test]
fn a_policy_names_only_the_kinds_the_config_uses() {
    let env = Env::new();
    env.config(
        "backup_vault_lock:\n  prod:\n    vault: prod-backups\n    mode: governance\n    \
         min_retention_days: 7\n",
    );
    for command in ["plan", "apply", "report"] {
        let text = env
            .lockward(&["iam-policy", "--for", command])
            .stdout
            .clone();
        assert!(text.contains("backup:"), "{text}");
        for other in ["glacier:", "rbin:", "snowball:", "s3:", "sts:AssumeRole"] {
            assert!(
                !text.contains(other),
                "--for {command} names {other}:\n{text}"
            );
        }
    }
    env.lockward(&["iam-policy", "--for", "destroy"])
        .code(1)
        .stderr_has("plan");
}

/// Without an S3 lock in the config, nothing but the state's own statements allows S3 calls:
/// each command's calls on the state bucket and its objects are allowed by name.
#[test]
fn the_state_buckets_calls_are_allowed_without_an_s3_lock_to_lend_them_a_wildcard() {
    let env = Env::new();
    env.seed(json!({"account_id": "210987654321", "glacier": [vault("audit-logs")]}));
    env.seed(
        json!({"s3": [{"region": "us-east-1", "bucket": STATE_BUCKET,
                            "versioning": "Enabled"}]}),
    );
    env.write(
        "policies/audit.json",
        &crate::support::POLICY.replace("123456789012", "210987654321"),
    );
    let url = env.emulator.url();
    env.write(
        "lockward.yaml",
        &format!(
            "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {url}\n    \
             assume_role: {ROLE}\n  state:\n    region: us-east-1\n    endpoint_url: {url}\n\
             backend:\n  s3: {{ bucket: {STATE_BUCKET}, key: {KEY}, provider: state }}\n\
             glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
             state: in_progress\n"
        ),
    );
    let (plan, apply, report) = (
        policy_for(&env, "plan"),
        policy_for(&env, "apply"),
        policy_for(&env, "report"),
    );
    env.lockward(&["plan"]).success();
    let seen = assert_allowed(&env, &plan, "plan", 0);
    env.lockward(&["apply", "--auto-approve"]).success();
    let seen = assert_allowed(&env, &apply, "apply", seen);
    env.lockward(&["report", "--format", "json"]).success();
    assert_allowed(&env, &report, "report", seen);
    assert!(env
        .mutating_calls()
        .iter()
        .any(|c| c == "InitiateVaultLock"));
}
