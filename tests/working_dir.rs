//! Paths in the config are relative to the config file's directory, as recorded, shown and
//! used: every command gives the same answer from any working directory.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use serde_json::{json, Value};

use crate::support::{job, Env, Run, SAMPLE_JOB};

const CODE: &str = "12345-abcde-56789-fghij-01234";

/// `infra/lockward.yaml`: an unlock code delivered to `secrets/site-a.code` (so
/// `infra/secrets/site-a.code`), a policy read from `policies/audit.json` beside it.
fn project_in_infra() -> Env {
    let env = Env::new();
    env.seed(json!({
        "glacier": [{"region": "us-east-1", "vault": "audit-logs"}],
        "snowball": [job(SAMPLE_JOB, "WithCustomer", "2026-11-01T00:00:00Z", CODE)],
    }));
    env.write("infra/policies/audit.json", crate::support::POLICY);
    env.write(
        "infra/lockward.yaml",
        &format!(
            "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {}\n\
             glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
             state: in_progress\nsnowball_unlock_code:\n  site_a:\n    job_id: {SAMPLE_JOB}\n    \
             deliver_to: secrets/site-a.code\n",
            env.emulator.url()
        ),
    );
    fs::create_dir(env.path("infra/secrets")).unwrap();
    fs::set_permissions(env.path("infra/secrets"), fs::Permissions::from_mode(0o700)).unwrap();
    env
}

/// Runs lockward in `dir` (relative to the project directory; "" for the project itself).
fn run_in(env: &Env, dir: &str, args: &[&str]) -> Run {
    env.run(env.command(args).current_dir(env.path(dir)))
}

fn json_of(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}):\n{}\n{}", run.stdout, run.stderr))
}

#[test]
fn a_delivery_applied_from_one_directory_is_the_same_delivery_from_another() {
    let env = project_in_infra();
    let planned = json_of(&run_in(
        &env,
        "",
        &["plan", "-c", "infra/lockward.yaml", "--format", "json"],
    ));
    let from_infra = json_of(&run_in(&env, "infra", &["plan", "--format", "json"]));
    assert_eq!(
        planned["digest"], from_infra["digest"],
        "the same plan from two directories"
    );

    let digest = planned["digest"].as_str().unwrap().to_string();
    run_in(
        &env,
        "",
        &["apply", "-c", "infra/lockward.yaml", "--approve", &digest],
    )
    .success();
    assert_eq!(
        fs::read_to_string(env.path("infra/secrets/site-a.code"))
            .unwrap()
            .trim(),
        CODE
    );
    let state: Value =
        serde_json::from_str(&fs::read_to_string(env.path("infra/lockward.state.json")).unwrap())
            .unwrap();
    assert_eq!(
        state["resources"]["snowball_unlock_code.site_a"]["deliver_to"], "secrets/site-a.code",
        "recorded relative to the config's directory"
    );

    // Planned again from the config's directory, from the root and from elsewhere: nothing to do,
    // and one digest.
    let mut digests = Vec::new();
    for (dir, args) in [
        (
            "infra",
            vec!["plan", "--format", "json", "--detailed-exitcode"],
        ),
        (
            "",
            vec![
                "plan",
                "-c",
                "infra/lockward.yaml",
                "--format",
                "json",
                "--detailed-exitcode",
            ],
        ),
        (
            "infra/secrets",
            vec![
                "plan",
                "-c",
                "../lockward.yaml",
                "--format",
                "json",
                "--detailed-exitcode",
            ],
        ),
    ] {
        let run = run_in(&env, dir, &args);
        run.success();
        let plan = json_of(&run);
        for r in plan["resources"].as_array().unwrap() {
            assert_eq!(r["outcome"], "noop", "from `{dir}`: {r}");
        }
        digests.push(plan["digest"].clone());
    }
    assert!(digests.windows(2).all(|w| w[0] == w[1]), "{digests:?}");

    // The report agrees, from either directory.
    for (dir, args) in [
        ("infra", vec!["report", "--format", "json"]),
        (
            "",
            vec!["report", "-c", "infra/lockward.yaml", "--format", "json"],
        ),
    ] {
        let run = run_in(&env, dir, &args);
        run.success();
        let report = json_of(&run);
        for r in report["resources"].as_array().unwrap() {
            assert_eq!(r["verdict"], "compliant", "from `{dir}`: {r}");
        }
    }
}
