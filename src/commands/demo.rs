//! `lockward demo`: plan and apply against the embedded emulator, seeded with a small sample
//! account, so anyone can see lockward work without an AWS account.

use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use crate::apply::confirm::{Confirm, Refusal, Terminal};
use crate::cli::{ApplyArgs, ConfigArg, DemoArgs, PlanArgs, StateArg};
use crate::plan::{Plan, Reversibility};
use crate::render::Format;

use super::project::{say, Session};

const DEMO_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "deny-archive-deletion",
      "Principal": "*",
      "Effect": "Deny",
      "Action": "glacier:DeleteArchive",
      "Resource": "arn:aws:glacier:us-east-1:123456789012:vaults/audit-logs"
    }
  ]
}
"#;

pub fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let mut session = Session::from_environment()?;
    let (_temp, dir) = match &args.dir {
        Some(dir) => {
            fs::create_dir_all(dir)
                .with_context(|| format!("could not create {}", dir.display()))?;
            (None, dir.clone())
        }
        None => {
            let temp = tempfile::Builder::new()
                .prefix("lockward-demo-")
                .tempdir()
                .context("could not create a temporary directory")?;
            let path = temp.path().to_path_buf();
            (Some(temp.keep()), path)
        }
    };
    // Each step below enters the config's directory: name it so it stays found.
    let dir =
        std::path::absolute(&dir).with_context(|| format!("cannot resolve {}", dir.display()))?;
    let emulator = lockward_emulator::spawn(lockward_emulator::EmulatorConfig::default())
        .context("could not start the embedded emulator")?;
    let now = emulator.now();
    emulator
        .seed(seed(now))
        .map_err(|e| anyhow::anyhow!("could not seed the emulator: {e}"))?;
    session.now = now;
    session.client_options.static_credentials =
        Some(("AKIDLOCKWARDDEMO".into(), "lockward-demo-secret".into()));
    let config_path = write_config(&dir, &emulator.url())?;

    say(format_args!(
        "lockward demo: an AWS emulator is running at {} with a sample account (vaults, Recycle Bin rules, Snowball jobs, Backup vaults, S3 buckets).\nThe configuration is {}.\n",
        emulator.url(),
        config_path.display()
    ));
    let mut out = std::io::stdout().lock();
    let config = ConfigArg {
        config: config_path.clone(),
    };
    let plan_args = |format| PlanArgs {
        config: ConfigArg {
            config: config.config.clone(),
        },
        state: StateArg { state: None },
        out: None,
        format,
        detailed_exitcode: false,
        target: Vec::new(),
        parallelism: 10,
    };

    say(format_args!("$ lockward plan -c {}", config_path.display()));
    super::plan::run_with(&plan_args(Format::Human), &session, &mut out)?;

    say(format_args!(
        "\n$ lockward apply -c {}",
        config_path.display()
    ));
    say("(the demo answers the confirmation prompts itself, as a reviewer would type them)");
    let apply_args = ApplyArgs {
        config: ConfigArg {
            config: config_path.clone(),
        },
        state: StateArg { state: None },
        plan_file: None,
        approve: None,
        auto_approve: false,
        target: Vec::new(),
        parallelism: 10,
        lock_timeout: None,
    };
    let mut confirm = DemoConfirm;
    super::apply::run_with(&apply_args, &session, &mut confirm, &mut out)?;

    say(format_args!(
        "\n$ lockward plan -c {}",
        config_path.display()
    ));
    super::plan::run_with(&plan_args(Format::Human), &session, &mut out)?;
    out.flush()?;

    let state = dir.join("lockward.state.json");
    say(format_args!(
        "\nWhat lockward recorded:\n  state file: {}  (lock ids, fingerprints; never a secret)\n  journal:    {}  (every mutating call, before and after, with who made it)\n  unlock code: {}  (mode 0600; only its fingerprint is recorded)\n\nThe emulator stops when the demo exits; the files stay in {}. They need no AWS to look at:\n  lockward show --state {} --format markdown    # what lockward remembers\n  lockward validate -c {}\nTo plan against your own account, write a lockward.yaml (see examples/) and run `lockward plan`.",
        state.display(),
        dir.join("lockward.state.json.journal.jsonl").display(),
        dir.join("secrets/site-a.code").display(),
        dir.display(),
        state.display(),
        config_path.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Answers the terminal prompts the way a careful reviewer would, and shows them.
struct DemoConfirm;

impl Confirm for DemoConfirm {
    fn confirm(&mut self, plan: &Plan) -> Result<(), Refusal> {
        let mut answers = String::new();
        for (resource, action) in plan.ready_actions() {
            if action.reversibility != Reversibility::Reversible {
                answers.push_str(&format!("{}\n", resource.address));
            }
        }
        answers.push_str("yes\n");
        let mut shown = Vec::new();
        let result = Terminal {
            input: Cursor::new(answers.clone()),
            output: &mut shown,
        }
        .confirm(plan);
        // Show each prompt followed by the answer the demo typed.
        let prompts = String::from_utf8_lossy(&shown).into_owned();
        let mut answers = answers.lines();
        for part in prompts.split_inclusive(": ") {
            let ends_prompt = part.ends_with("to confirm: ") || part.ends_with("is accepted: ");
            let _ = write!(anstream::stderr(), "{part}");
            if ends_prompt {
                let _ = writeln!(anstream::stderr(), "{}", answers.next().unwrap_or_default());
            }
        }
        result
    }
}

fn write_config(dir: &Path, url: &str) -> anyhow::Result<PathBuf> {
    fs::create_dir_all(dir.join("policies"))?;
    fs::create_dir_all(dir.join("secrets"))?;
    fs::create_dir_all(dir.join("manifests"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir.join("secrets"), fs::Permissions::from_mode(0o700))?;
    }
    fs::write(dir.join("policies/audit.json"), DEMO_POLICY)?;
    let config = format!(
        r#"# lockward demo configuration: the embedded emulator stands in for AWS.
version: 1
providers:
  default:
    region: us-east-1
    endpoint_url: {url}

glacier_vault_lock:
  audit:                       # no lock yet: initiate and complete (irreversible)
    vault: audit-logs
    policy_file: policies/audit.json
    state: locked
  staging:                     # try a policy for up to 24 h before deciding
    vault: staging-archive
    policy_file: policies/audit.json
    state: in_progress
  legal_hold:                  # already locked with this policy: nothing to do
    vault: legal-hold
    policy_file: policies/audit.json
    state: locked

rbin_rule_lock:
  ebs_snapshots:               # never locked: lock it (unlocking takes 7 days)
    rule_id: a1B2c3D4e5F
    state: locked
    unlock_delay_days: 7
  ami_images:                  # an unlock is pending: re-lock it before it takes effect
    rule_id: Z9y8X7w6V5u
    state: locked
    unlock_delay_days: 14

backup_vault_lock:
  prod_backups:                # a compliance lock in its grace period: the plan says when it becomes immutable
    vault: prod-backups
    mode: compliance
    min_retention_days: 35
    max_retention_days: 365
    changeable_for_days: 3
  staging_backups:             # a governance lock whose retention changes (reversible)
    vault: staging-backups
    mode: governance
    min_retention_days: 14

s3_object_lock:
  records:                     # an unversioned bucket: versioning, then Object Lock (irreversible), then its default
    bucket: acme-records-2026
    object_lock: enabled
    default_retention: {{ mode: governance, days: 30 }}

snowball_unlock_code:
  site_a:                      # the device is with us: retrieve the code (irreversible)
    job_id: JID123e4567-e89b-12d3-a456-426655440000
    deliver_to: secrets/site-a.code
    manifest_path: manifests/site-a.bin
  site_b:                      # still in transit: blocked until it arrives
    job_id: JID9f8e7d6c-5b4a-4321-8fed-cba987654321
    deliver_to: secrets/site-b.code
"#
    );
    let path = dir.join("lockward.yaml");
    fs::write(&path, config)?;
    Ok(path)
}

fn seed(now: Timestamp) -> serde_json::Value {
    let policy: serde_json::Value = serde_json::from_str(DEMO_POLICY).unwrap_or_default();
    let policy_text = crate::digest::canonical_json(&policy);
    let days_ago = |d: i64| (now - SignedDuration::from_hours(24 * d)).to_string();
    let days_ahead = |d: i64| (now + SignedDuration::from_hours(24 * d)).to_string();
    json!({
        "account_id": "123456789012",
        "glacier": [
            {"region": "us-east-1", "vault": "audit-logs"},
            {"region": "us-east-1", "vault": "staging-archive"},
            {"region": "us-east-1", "vault": "legal-hold",
             "lock": {"state": "Locked", "policy": policy_text, "lock_id": "AE863rKkWZU53SLW5be4DUcW", "created": days_ago(90)}}
        ],
        "rbin": [
            {"region": "us-east-1", "identifier": "a1B2c3D4e5F", "resource_type": "EBS_SNAPSHOT", "retention_days": 30,
             "resource_tags": [], "exclude_resource_tags": [], "lock_state": null},
            {"region": "us-east-1", "identifier": "Z9y8X7w6V5u", "resource_type": "EC2_IMAGE", "retention_days": 90,
             "resource_tags": [], "exclude_resource_tags": [], "lock_state": "pending_unlock", "unlock_delay_days": 14,
             "lock_end_time": days_ahead(3)}
        ],
        "backup": [
            {"region": "us-east-1", "vault": "prod-backups", "vault_type": "BACKUP_VAULT", "recovery_points": 0,
             "lock": {"min_retention_days": 35, "max_retention_days": 365, "lock_date": days_ahead(2)}},
            {"region": "us-east-1", "vault": "staging-backups", "vault_type": "BACKUP_VAULT", "recovery_points": 0,
             "lock": {"min_retention_days": 7}}
        ],
        "s3": [
            {"region": "us-east-1", "bucket": "acme-records-2026"}
        ],
        "snowball": [
            {"region": "us-east-1", "job_id": "JID123e4567-e89b-12d3-a456-426655440000", "state": "WithCustomer",
             "created": days_ago(20), "unlock_code": "7k3p9-x2m4q-8v5n1-r6t0w-c9b2h"},
            {"region": "us-east-1", "job_id": "JID9f8e7d6c-5b4a-4321-8fed-cba987654321", "state": "InTransitToCustomer",
             "created": days_ago(2), "unlock_code": "q1w2e-r3t4y-u5i6o-p7a8s-d9f0g"}
        ]
    })
}
