//! Hostile files: state and plan files that were tampered with, truncated, replaced by a
//! symlink or written by a newer lockward are refused with an error that names the file and
//! says what to do, and are left byte for byte as they were; a `deliver_to` that is a symlink,
//! sits in a world-writable directory or already holds something else never receives a code
//! (and the code is never even asked for); every file lockward writes is private (0600).

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};

use serde_json::{json, Value};

use crate::support::*;

const CODE: &str = "7QX2M-K9PLR-4TZ8W-BN3HD-6YCFJ";

/// A project after one full apply: the state file, its backup and the journal exist.
fn applied() -> Env {
    let env = project_of_every_kind(CODE);
    let digest = plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    env
}

fn mode(path: &std::path::Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
}

fn has_call(env: &Env, operation: &str) -> bool {
    env.calls().iter().any(|c| c["operation"] == operation)
}

/// Asserts a refusal: exit 1, the file named, a hint, nothing mutated in AWS.
#[track_caller]
fn assert_refused(env: &Env, run: &Run, file: &str, calls_before: usize) {
    run.code(1).stderr_has(file).stderr_has("hint:");
    let mutating: Vec<Value> = env
        .calls()
        .into_iter()
        .skip(calls_before)
        .filter(|c| c["mutating"] == Value::Bool(true))
        .collect();
    assert!(
        mutating.is_empty(),
        "a refused command called AWS: {mutating:?}"
    );
}

/// Ways a state file goes bad, each with the text its error must contain.
fn hostile_states(valid: &str) -> Vec<(&'static str, String, &'static str)> {
    let mut newer: Value = serde_json::from_str(valid).unwrap();
    newer["format_version"] = json!(2);
    let mut edited: Value = serde_json::from_str(valid).unwrap();
    edited["serial"] = json!("nine");
    let mut unknown: Value = serde_json::from_str(valid).unwrap();
    unknown["resources"]["glacier_vault_lock.audit"]["lock_id_override"] = json!("X");
    vec![
        (
            "truncated",
            valid[..valid.len() / 2].to_string(),
            "truncated",
        ),
        ("empty", String::new(), "unreadable"),
        (
            "edited into the wrong type",
            serde_json::to_string_pretty(&edited).unwrap(),
            "unreadable",
        ),
        (
            "an unknown field added",
            serde_json::to_string_pretty(&unknown).unwrap(),
            "unreadable",
        ),
        (
            "from a newer lockward",
            serde_json::to_string_pretty(&newer).unwrap(),
            "newer",
        ),
        ("not JSON", "lineage = 'x'\n".to_string(), "unreadable"),
    ]
}

#[test]
fn a_bad_state_file_is_refused_by_every_command_and_left_as_it_was() {
    let env = applied();
    let state_path = env.path("lockward.state.json");
    let backup = fs::read(env.path("lockward.state.json.backup")).unwrap();
    let valid = fs::read_to_string(&state_path).unwrap();
    for (what, text, says) in hostile_states(&valid) {
        fs::write(&state_path, &text).unwrap();
        for args in [&["plan"][..], &["apply", "--auto-approve"], &["show"]] {
            let before = env.calls().len();
            let run = env.lockward(args);
            assert_refused(&env, &run, "lockward.state.json", before);
            assert!(
                run.stderr.contains(says),
                "{what} state, `{}`: stderr lacks `{says}`:\n{}",
                args.join(" "),
                run.stderr
            );
            assert_eq!(
                fs::read_to_string(&state_path).unwrap(),
                text,
                "{what} state was changed by `{}`",
                args.join(" ")
            );
            assert_eq!(
                fs::read(env.path("lockward.state.json.backup")).unwrap(),
                backup,
                "the backup was replaced"
            );
        }
    }
}

#[test]
fn a_symlinked_state_file_is_refused_and_its_target_untouched() {
    let env = applied();
    let state_path = env.path("lockward.state.json");
    let real = env.path("elsewhere.json");
    fs::rename(&state_path, &real).unwrap();
    symlink(&real, &state_path).unwrap();
    let target_bytes = fs::read(&real).unwrap();
    // A change for apply to attempt, so a refusal is not just "nothing to do".
    env.seed(json!({"rbin": [rule("Z9y8X7w6V5u", Value::Null, None)]}));
    for args in [&["plan"][..], &["apply", "--auto-approve"], &["show"]] {
        let before = env.calls().len();
        let run = env.lockward(args);
        assert_refused(&env, &run, "lockward.state.json", before);
        run.stderr_has("symbolic link");
        assert!(
            fs::symlink_metadata(&state_path)
                .unwrap()
                .file_type()
                .is_symlink(),
            "the link was replaced"
        );
        assert_eq!(fs::read_link(&state_path).unwrap(), real);
        assert_eq!(
            fs::read(&real).unwrap(),
            target_bytes,
            "the link's target was changed"
        );
    }
}

/// `plan --out` of the fresh project: a saved plan with changes of every reversibility.
fn saved_plan(env: &Env) -> String {
    env.lockward(&["plan", "--out", "plan.json"]).success();
    env.read("plan.json")
}

#[test]
fn a_bad_plan_file_is_refused_by_show_and_apply_and_left_as_it_was() {
    let env = project_of_every_kind(CODE);
    let valid = saved_plan(&env);
    let digest = plan_digest(&env);
    let short = &digest[..12];
    let mut newer: Value = serde_json::from_str(&valid).unwrap();
    newer["format_version"] = json!(3);
    let mut newer_plan: Value = serde_json::from_str(&valid).unwrap();
    newer_plan["plan"]["format_version"] = json!("3");
    // Tampering that keeps the JSON valid: make the irreversible retrieval look reversible, or
    // drop the irreversible step (and fix up the summary, so only the digest can tell).
    let mut downgraded: Value = serde_json::from_str(&valid).unwrap();
    for r in downgraded["plan"]["resources"].as_array_mut().unwrap() {
        for a in r["actions"].as_array_mut().unwrap() {
            a["reversibility"] = json!("reversible");
        }
    }
    downgraded["plan"]["summary"]["irreversible"] = json!(0);
    downgraded["plan"]["summary"]["delayed"] = json!(0);
    let mut redigested: Value = serde_json::from_str(&valid).unwrap();
    redigested["plan"]["digest"] = json!(format!("sha256:{}", "0".repeat(64)));
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "tampered (reversibility downgraded)",
            serde_json::to_string_pretty(&downgraded).unwrap(),
            "changed after lockward wrote it",
        ),
        (
            "tampered (digest replaced)",
            serde_json::to_string_pretty(&redigested).unwrap(),
            "changed after lockward wrote it",
        ),
        (
            "truncated",
            valid[..valid.len() * 2 / 3].to_string(),
            "truncated",
        ),
        ("empty", String::new(), "empty"),
        (
            "from a newer lockward",
            serde_json::to_string_pretty(&newer).unwrap(),
            "newer",
        ),
        (
            "with a newer plan format inside",
            serde_json::to_string_pretty(&newer_plan).unwrap(),
            "newer",
        ),
    ];
    for (what, text, says) in cases {
        env.write("plan.json", &text);
        for args in [
            &["show", "plan.json"][..],
            &["apply", "plan.json", "--approve", short],
        ] {
            let before = env.calls().len();
            let run = env.lockward(args);
            assert_refused(&env, &run, "plan.json", before);
            assert!(
                run.stderr.contains(says),
                "{what} plan, `{}`: stderr lacks `{says}`:\n{}",
                args.join(" "),
                run.stderr
            );
            assert_eq!(
                env.read("plan.json"),
                text,
                "{what} plan was changed by `{}`",
                args.join(" ")
            );
        }
    }
    assert!(
        !env.path("lockward.state.json").exists(),
        "a refused apply wrote a state file"
    );
    assert!(!env.path("secrets/site-a.code").exists());
}

#[test]
fn a_symlinked_plan_file_is_refused() {
    let env = project_of_every_kind(CODE);
    saved_plan(&env);
    let digest = plan_digest(&env);
    fs::rename(env.path("plan.json"), env.path("real-plan.json")).unwrap();
    symlink(env.path("real-plan.json"), env.path("plan.json")).unwrap();
    let target = env.read("real-plan.json");
    for args in [
        &["show", "plan.json"][..],
        &["apply", "plan.json", "--approve", &digest],
    ] {
        let before = env.calls().len();
        let run = env.lockward(args);
        assert_refused(&env, &run, "plan.json", before);
        run.stderr_has("symbolic link");
        assert_eq!(env.read("real-plan.json"), target);
    }
    // `plan --out` onto a symlink is refused too, and the link's target is not overwritten.
    env.write("real-plan.json", "not mine");
    let run = env.lockward(&["plan", "--out", "plan.json"]);
    run.code(1).stderr_has("plan.json");
    assert_eq!(env.read("real-plan.json"), "not mine");
    assert!(fs::symlink_metadata(env.path("plan.json"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn deliver_to_a_symlink_is_a_conflict_and_the_code_is_never_asked_for() {
    let env = project_of_every_kind(CODE);
    // A link to where an attacker would like the code to land.
    symlink(env.path("stolen.code"), env.path("secrets/site-a.code")).unwrap();
    let run = env.lockward(&["plan"]);
    run.code(1)
        .stdout_has("conflict")
        .stdout_has("secrets/site-a.code");
    let run = env.lockward(&["apply", "--auto-approve"]);
    run.code(1);
    assert!(
        !has_call(&env, "GetJobUnlockCode"),
        "the code was retrieved"
    );
    assert!(
        !env.path("stolen.code").exists(),
        "the code went through the symlink"
    );
    assert!(fs::symlink_metadata(env.path("secrets/site-a.code"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn deliver_to_an_existing_file_is_a_conflict_and_the_file_is_kept() {
    let env = project_of_every_kind(CODE);
    env.write("secrets/site-a.code", "someone else's notes\n");
    let run = env.lockward(&["plan"]);
    run.code(1)
        .stdout_has("conflict")
        .stdout_has("already exists");
    let run = env.lockward(&["apply", "--auto-approve"]);
    run.code(1);
    assert!(!has_call(&env, "GetJobUnlockCode"));
    assert_eq!(env.read("secrets/site-a.code"), "someone else's notes\n");
}

#[test]
fn deliver_to_a_world_writable_directory_is_refused_before_the_code_is_asked_for() {
    let env = project_of_every_kind(CODE);
    fs::set_permissions(env.path("secrets"), fs::Permissions::from_mode(0o777)).unwrap();
    let digest = plan_digest(&env);
    let before = env.calls().len();
    let run = env.lockward(&["apply", "--approve", &digest]);
    // What apply would refuse is a conflict the plan already shows.
    run.code(1)
        .stdout_has("writable by everyone")
        .stderr_has("conflicts")
        .stderr_has("hint:");
    assert!(
        !has_call(&env, "GetJobUnlockCode"),
        "the code was retrieved into a world-writable directory"
    );
    assert!(!env.path("secrets/site-a.code").exists());
    let leftovers: Vec<_> = fs::read_dir(env.path("secrets")).unwrap().collect();
    assert!(
        leftovers.is_empty(),
        "files left in the world-writable directory: {leftovers:?}"
    );
    // What could run did; the failure is recorded, and the journal never names the code.
    assert!(env.calls().len() > before);
    let journal = env.read("lockward.state.json.journal.jsonl");
    assert!(!journal.contains(CODE));
}

#[test]
fn every_file_lockward_writes_is_private_even_under_a_permissive_umask() {
    let env = project_of_every_kind(CODE);
    let umask0 = |args: &[&str]| with_umask(&env, 0o000, args);
    let run = umask0(&["plan", "--out", "plan.json"]);
    run.success();
    let digest = plan_digest(&env);
    umask0(&["apply", "plan.json", "--approve", &digest]).success();
    // The journal of a refused retrieval, and a plan written after the state exists.
    umask0(&["plan", "--out", "plan.json"]).success();
    for file in [
        "plan.json",
        "lockward.state.json",
        "lockward.state.json.backup",
        "lockward.state.json.journal.jsonl",
        "secrets/site-a.code",
    ] {
        let path = env.path(file);
        assert!(path.exists(), "{file} was not written");
        assert_eq!(mode(&path), 0o600, "{file} is mode {:o}", mode(&path));
    }
    assert_eq!(env.read("secrets/site-a.code"), CODE);
}
