//! `lockward plan --out` through the real binary: a plan is saved only to a new file or over a
//! plan file lockward wrote, never over a file lockward reads or keeps, however it is spelled.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::{job, plan_digest, rule, vault, Env, SAMPLE_JOB};

const CODE: &str = "12345-abcde-56789-fghij-01234";

/// One resource of each kind; the Snowball job has a manifest kept apart from its code.
fn project() -> Env {
    let env = Env::new();
    env.seed(serde_json::json!({
        "glacier": [vault("audit-logs")],
        "rbin": [rule("a1B2c3D4e5F", serde_json::Value::Null, None)],
        "snowball": [job(SAMPLE_JOB, "WithCustomer", "2026-11-01T00:00:00Z", CODE)],
    }));
    env.config(&format!(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
         state: in_progress\nrbin_rule_lock:\n  snapshots:\n    rule_id: a1B2c3D4e5F\n    state: locked\n    \
         unlock_delay_days: 7\nsnowball_unlock_code:\n  site_a:\n    job_id: {SAMPLE_JOB}\n    \
         deliver_to: secrets/site-a.code\n    manifest_path: manifests/site-a.bin\n"
    ));
    for dir in ["secrets", "manifests"] {
        fs::create_dir(env.path(dir)).unwrap();
        fs::set_permissions(env.path(dir), fs::Permissions::from_mode(0o700)).unwrap();
    }
    env.write("manifests/site-a.bin", "MANIFEST");
    env
}

/// What is at `path` now (`None`: nothing), without following a symlink.
fn contents(path: &Path) -> Option<Vec<u8>> {
    let meta = fs::symlink_metadata(path).ok()?;
    if meta.file_type().is_symlink() {
        return Some(
            fs::read_link(path)
                .unwrap()
                .into_os_string()
                .into_encoded_bytes(),
        );
    }
    fs::read(path).ok()
}

/// `plan --out out` is refused, exit 1, naming `out`, and `path` (what `out` names) is untouched.
#[track_caller]
fn refused(env: &Env, out: &str, path: &Path, why: &str) {
    let before = contents(path);
    let run = env.lockward(&["plan", "--out", out]);
    run.code(1)
        .stderr_has(&format!("refusing to write the plan to {out}"))
        .stderr_has(why)
        .stderr_has("hint: ");
    assert_eq!(
        contents(path),
        before,
        "--out {out} changed {}",
        path.display()
    );
}

#[test]
fn plan_out_never_overwrites_the_state_file_or_any_file_lockward_reads_or_keeps() {
    let env = project();
    // Before anything was delivered: the code's file does not exist yet, and must not be made.
    refused(
        &env,
        "secrets/site-a.code",
        &env.path("secrets/site-a.code"),
        "delivers its unlock code",
    );
    assert!(!env.path("secrets/site-a.code").exists());

    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    assert!(env.path("secrets/site-a.code").exists());

    for (out, why) in [
        ("lockward.yaml", "the config file"),
        ("policies/audit.json", "a policy file"),
        ("lockward.state.json", "the state file"),
        ("lockward.state.json.journal.jsonl", "the journal"),
        ("lockward.state.json.lock", "the state lock"),
        ("secrets/site-a.code", "delivers its unlock code"),
        (
            "manifests/site-a.bin",
            "the manifest of snowball_unlock_code.site_a",
        ),
    ] {
        refused(&env, out, &env.path(out), why);
    }
    assert!(env.path("lockward.state.json.backup").exists());
    refused(
        &env,
        "lockward.state.json.backup",
        &env.path("lockward.state.json.backup"),
        "backup",
    );

    // The same files under other names.
    refused(
        &env,
        "./secrets/../lockward.yaml",
        &env.path("lockward.yaml"),
        "the config file",
    );
    let absolute = env.path("lockward.state.json");
    refused(
        &env,
        absolute.to_str().unwrap(),
        &absolute,
        "the state file",
    );
    std::os::unix::fs::symlink(env.dir(), env.path("alias")).unwrap();
    refused(
        &env,
        "alias/lockward.state.json",
        &absolute,
        "the state file",
    );
    fs::hard_link(env.path("lockward.state.json"), env.path("hard-link.json")).unwrap();
    refused(&env, "hard-link.json", &absolute, "the state file");
    fs::hard_link(env.path("secrets/site-a.code"), env.path("code-link")).unwrap();
    refused(
        &env,
        "code-link",
        &env.path("secrets/site-a.code"),
        "delivers its unlock code",
    );
}

#[test]
fn plan_out_writes_only_a_new_file_or_over_a_plan_file_and_never_through_a_symlink() {
    let env = project();
    env.write("notes.txt", "not a plan");
    refused(
        &env,
        "notes.txt",
        &env.path("notes.txt"),
        "is not a lockward plan file",
    );

    env.lockward(&["plan", "--out", "plan.json"]).success();
    let first: serde_json::Value = serde_json::from_str(&env.read("plan.json")).unwrap();
    assert_eq!(first["kind"], "lockward-plan");
    // A plan file is replaced (atomically: no temporary file is left beside it).
    env.advance_clock(60);
    env.lockward(&["plan", "--out", "plan.json"]).success();
    assert_ne!(env.read("plan.json"), "");
    let leftovers: Vec<_> = fs::read_dir(env.dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with('.') && n.contains("plan"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A symlink is never written through, even to a plan file.
    std::os::unix::fs::symlink(env.path("plan.json"), env.path("link.json")).unwrap();
    let before = env.read("plan.json");
    refused(&env, "link.json", &env.path("link.json"), "symbolic link");
    assert_eq!(env.read("plan.json"), before);
}
