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

/// A saved plan keeps every part its digest covers: one that names records the config no
/// longer declares, or that was made with `--target`/`--exclude`, is read back whole and applied.
#[test]
fn a_saved_plan_with_undeclared_records_or_a_selection_is_applied() {
    let env = Env::new();
    env.seed(serde_json::json!({
        "glacier": [vault("audit-logs")],
        "rbin": [
            rule("a1B2c3D4e5F", serde_json::Value::Null, None),
            rule("b1B2c3D4e5F", serde_json::Value::Null, None),
            rule("c1B2c3D4e5F", serde_json::Value::Null, None),
        ],
    }));
    let lock = |name: &str, id: &str| {
        format!("  {name}:\n    rule_id: {id}\n    state: locked\n    unlock_delay_days: 7\n")
    };
    env.config(&format!(
        "rbin_rule_lock:\n{}",
        lock("snapshots", "a1B2c3D4e5F")
    ));
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    // The rule is no longer declared; two others are.
    env.config(&format!(
        "rbin_rule_lock:\n{}{}",
        lock("other", "b1B2c3D4e5F"),
        lock("third", "c1B2c3D4e5F")
    ));
    env.lockward(&["plan", "--out", "whole.plan"]).success();
    let whole: serde_json::Value = serde_json::from_str(&env.read("whole.plan")).unwrap();
    assert_eq!(
        whole["plan"]["undeclared"][0]["address"], "rbin_rule_lock.snapshots",
        "{whole}"
    );
    env.lockward(&["show", "whole.plan"])
        .success()
        .stdout_has("Undeclared: the state keeps records of 1 address");

    env.lockward(&[
        "plan",
        "--out",
        "narrow.plan",
        "--target",
        "rbin_rule_lock.other",
    ])
    .success();
    let narrow: serde_json::Value = serde_json::from_str(&env.read("narrow.plan")).unwrap();
    assert_eq!(
        narrow["plan"]["selection"]["target"],
        serde_json::json!(["rbin_rule_lock.other"]),
        "{narrow}"
    );
    env.lockward(&["show", "narrow.plan"])
        .success()
        .stdout_has("Selected with --target rbin_rule_lock.other");
    // The patterns are digested: the file's cannot be edited; how many they left out is not,
    // and is not shown from the file.
    env.lockward(&["show", "narrow.plan"])
        .success()
        .stdout_has("what they left out was not read");
    let mut edited = narrow.clone();
    edited["plan"]["selection"]["target"] = serde_json::json!(["rbin_rule_lock"]);
    env.write(
        "edited.plan",
        &serde_json::to_string_pretty(&edited).unwrap(),
    );
    env.lockward(&["show", "edited.plan"])
        .code(1)
        .stderr_has("digest");
    let approve = narrow["plan"]["digest"].as_str().unwrap().to_string();
    env.lockward(&["apply", "narrow.plan", "--approve", &approve])
        .success();
    let locked: Vec<String> = env
        .calls()
        .iter()
        .filter(|c| c["operation"] == "LockRule")
        .map(|c| c.to_string())
        .collect();
    assert_eq!(locked.len(), 2, "{locked:?}");
    assert!(locked[1].contains("b1B2c3D4e5F"), "{locked:?}");
    let again = env.lockward(&[
        "plan",
        "--target",
        "rbin_rule_lock.third",
        "--format",
        "json",
    ]);
    let again: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(again["selection"]["not_selected"], 1);
    // The same patterns in another order, or repeated, are the same selection: one digest.
    let digest_of = |args: &[&str]| {
        let run = env.lockward(&[&["plan", "--format", "json"], args].concat());
        let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        plan["digest"].as_str().unwrap().to_string()
    };
    let (third, other) = ("rbin_rule_lock.third", "rbin_rule_lock.other");
    let one = digest_of(&["--target", third, "--exclude", other]);
    let reordered = digest_of(&["--exclude", other, "--target", third, "--target", third]);
    assert_eq!(one, reordered);
    assert_ne!(
        one,
        digest_of(&["--target", third]),
        "the patterns are digested"
    );
}
