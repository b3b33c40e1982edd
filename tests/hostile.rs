//! Hostile files: state and plan files that were tampered with, truncated, replaced by a
//! symlink or written by a newer lockward are refused with an error that names the file and
//! says what to do, and are left byte for byte as they were; a `deliver_to` that is a symlink,
//! sits in a world-writable directory or already holds something else never receives a code
//! (and the code is never even asked for); every file lockward writes is private (0600).

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};

use lockward::plan::{ActionKind, Plan, Reversibility};
use lockward::planfile::SavedPlan;
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

/// Adds a second rule to the config of [`applied`], never locked, and returns the digest of the
/// plan that would lock it (a reversible-only plan would do for `--auto-approve`; this one is
/// approved by digest, so only the state file can stop it). The plan is checked to be a change
/// that apply would otherwise carry out.
fn with_a_change_to_approve(env: &Env) -> String {
    env.seed(json!({"rbin": [rule("Z9y8X7w6V5u", Value::Null, None)]}));
    let config = env.read("lockward.yaml");
    env.write(
        "lockward.yaml",
        &config.replace(
            "rbin_rule_lock:\n",
            "rbin_rule_lock:\n  more:\n    rule_id: Z9y8X7w6V5u\n    state: locked\n    unlock_delay_days: 7\n",
        ),
    );
    let run = env.lockward(&["plan", "--format", "json"]);
    run.code(0);
    let plan: Value = serde_json::from_str(&run.stdout).unwrap();
    let more = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "rbin_rule_lock.more")
        .expect("the new rule is planned");
    assert_eq!(more["actions"][0]["action"], "lock_rule", "{more:#}");
    plan["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_string()
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
    let digest = with_a_change_to_approve(&env);
    let state_path = env.path("lockward.state.json");
    let backup = fs::read(env.path("lockward.state.json.backup")).unwrap();
    let valid = fs::read_to_string(&state_path).unwrap();
    for (what, text, says) in hostile_states(&valid) {
        fs::write(&state_path, &text).unwrap();
        for args in [
            &["plan"][..],
            &["apply", "--approve", &digest],
            &["apply", "--auto-approve"],
            &["show"],
        ] {
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
    let digest = with_a_change_to_approve(&env);
    let state_path = env.path("lockward.state.json");
    let real = env.path("elsewhere.json");
    fs::rename(&state_path, &real).unwrap();
    symlink(&real, &state_path).unwrap();
    let target_bytes = fs::read(&real).unwrap();
    for args in [
        &["plan"][..],
        &["apply", "--approve", &digest],
        &["apply", "--auto-approve"],
        &["show"],
    ] {
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
    newer_plan["plan"]["format_version"] = json!("4");
    // Tampering that keeps the JSON valid but not the seal: another digest written in. (A
    // downgrade that is re-sealed is `a_resealed_plan_that_understates_reversibility_is_refused`.)
    let mut redigested: Value = serde_json::from_str(&valid).unwrap();
    redigested["plan"]["digest"] = json!(format!("sha256:{}", "0".repeat(64)));
    let cases: Vec<(&str, String, &str)> = vec![
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

/// A saved plan whose actions are all marked `reversible` and then re-sealed as lockward seals a
/// plan (digest, summary and live fingerprints recomputed), so only the fixed reversibility of
/// each action can tell. `complete_lock` and `retrieve_unlock_code` are irreversible whatever
/// the file says.
fn resealed_downgrade(valid: &str) -> (String, String) {
    let saved: SavedPlan = serde_json::from_str(valid).unwrap();
    let created_at = saved.created_at;
    let mut resources = saved.plan.resources.clone();
    let mut downgraded = 0;
    for r in &mut resources {
        for a in &mut r.actions {
            if a.reversibility != Reversibility::Reversible {
                a.reversibility = Reversibility::Reversible;
                downgraded += 1;
            }
        }
    }
    assert!(
        resources
            .iter()
            .flat_map(|r| &r.actions)
            .any(|a| a.action == ActionKind::COMPLETE_LOCK),
        "the plan has no complete_lock to downgrade"
    );
    assert!(downgraded >= 2, "nothing irreversible to downgrade");
    let plan = Plan::new(
        saved.plan.config_digest.clone(),
        saved.plan.state.clone(),
        saved.plan.valid_until,
        resources,
    );
    assert_eq!(plan.summary.irreversible + plan.summary.delayed, 0);
    let digest = plan.digest.trim_start_matches("sha256:").to_string();
    let resealed = SavedPlan::new(plan, created_at);
    (serde_json::to_string_pretty(&resealed).unwrap(), digest)
}

#[test]
fn a_resealed_plan_that_understates_reversibility_is_never_applied() {
    let env = project_of_every_kind(CODE);
    let valid = saved_plan(&env);
    let (text, digest) = resealed_downgrade(&valid);
    env.write("plan.json", &text);
    // Approved by the flag that approves only reversible plans, which is what every action of
    // this one claims to be, and by its own digest.
    for args in [
        &["apply", "plan.json", "--auto-approve"][..],
        &["apply", "plan.json", "--approve", &digest],
    ] {
        let before = env.calls().len();
        let run = env.lockward(args);
        assert_refused(&env, &run, "plan.json", before);
        // The reader refuses it before anything else: no action is ever below its class.
        run.stderr_has("was changed after lockward wrote it")
            .stderr_has("is never less than irreversible");
        assert_eq!(
            env.read("plan.json"),
            text,
            "`{}` changed the plan",
            args.join(" ")
        );
    }
    assert!(!has_call(&env, "CompleteVaultLock") && !has_call(&env, "GetJobUnlockCode"));
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
    assert!(!env.path("lockward.state.json").exists());
    assert!(!env.path("secrets/site-a.code").exists());
}

#[test]
fn a_resealed_plan_that_understates_reversibility_is_flagged_by_show_and_the_reader() {
    let env = project_of_every_kind(CODE);
    let valid = saved_plan(&env);
    let (text, _) = resealed_downgrade(&valid);
    env.write("plan.json", &text);
    let before = env.calls().len();
    let run = env.lockward(&["show", "plan.json"]);
    assert_refused(&env, &run, "plan.json", before);
    run.stderr_has("irreversible");
    assert_eq!(env.read("plan.json"), text);
    let err = SavedPlan::read(&env.path("plan.json"))
        .expect_err("the plan-file reader accepts a plan that marks complete_lock reversible");
    assert!(err.to_string().contains("irreversible"), "{err}");
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

/// The approval given before the delivery path turned hostile does not carry the retrieval
/// through: planned again, the plan has a conflict and nothing is applied; from the saved plan,
/// the delivery's live state changed, so the plan is stale. Either way no mutating call (not
/// GetJobUnlockCode, not the reversible steps of the other resources) is made.
#[track_caller]
fn assert_delivery_refused(env: &Env, digest: &str, path: &str) {
    let before = env.calls().len();
    let run = env.lockward(&["apply", "--approve", digest]);
    run.code(1)
        .stdout_has(path)
        .stderr_has("the plan has conflicts, so nothing was applied");
    let run = env.lockward(&["apply", "plan.json", "--approve", digest]);
    run.code(1)
        .stderr_has("the plan is stale, so nothing was applied")
        .stderr_has("snowball_unlock_code.site_a: its live state changed")
        .stderr_has("delivery");
    let mutating: Vec<Value> = env
        .calls()
        .into_iter()
        .skip(before)
        .filter(|c| c["mutating"] == Value::Bool(true))
        .collect();
    assert!(
        mutating.is_empty(),
        "a refused apply called AWS: {mutating:?}"
    );
    assert!(
        !env.path("lockward.state.json.journal.jsonl").exists(),
        "a refused apply wrote a journal"
    );
}

#[test]
fn deliver_to_a_symlink_is_a_conflict_and_the_code_is_never_asked_for() {
    let env = project_of_every_kind(CODE);
    // The approval a reviewer gave before the link appeared: it covers the retrieval.
    let digest = plan_digest(&env);
    env.lockward(&["plan", "--out", "plan.json"]).success();
    // A link to where an attacker would like the code to land.
    symlink(env.path("stolen.code"), env.path("secrets/site-a.code")).unwrap();
    let run = env.lockward(&["plan"]);
    run.code(1)
        .stdout_has("conflict")
        .stdout_has("secrets/site-a.code");
    assert_delivery_refused(&env, &digest, "secrets/site-a.code");
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
    // The approval a reviewer gave before the file appeared: it covers the retrieval.
    let digest = plan_digest(&env);
    env.lockward(&["plan", "--out", "plan.json"]).success();
    env.write("secrets/site-a.code", "someone else's notes\n");
    let run = env.lockward(&["plan"]);
    run.code(1)
        .stdout_has("conflict")
        .stdout_has("already exists");
    assert_delivery_refused(&env, &digest, "secrets/site-a.code");
    assert!(!has_call(&env, "GetJobUnlockCode"));
    assert_eq!(env.read("secrets/site-a.code"), "someone else's notes\n");
}

#[test]
fn deliver_to_a_world_writable_directory_is_refused_before_the_code_is_asked_for() {
    let env = project_of_every_kind(CODE);
    // The approval a reviewer gave before the directory was opened up.
    let digest = plan_digest(&env);
    env.lockward(&["plan", "--out", "plan.json"]).success();
    fs::set_permissions(env.path("secrets"), fs::Permissions::from_mode(0o777)).unwrap();
    // What apply would refuse is a conflict the plan already shows.
    let run = env.lockward(&["plan"]);
    run.code(1).stdout_has("writable by everyone");
    assert_delivery_refused(&env, &digest, "secrets/site-a.code");
    // Approving the plan that shows the conflict does not get further.
    let run = env.lockward(&["apply", "--approve", &plan_digest(&env)]);
    run.code(1)
        .stdout_has("writable by everyone")
        .stderr_has("conflicts")
        .stderr_has("hint:");
    assert!(
        !has_call(&env, "GetJobUnlockCode"),
        "the code was retrieved into a world-writable directory"
    );
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
    assert!(!env.path("secrets/site-a.code").exists());
    let leftovers: Vec<_> = fs::read_dir(env.path("secrets")).unwrap().collect();
    assert!(
        leftovers.is_empty(),
        "files left in the world-writable directory: {leftovers:?}"
    );
    // Nothing was attempted, so nothing was journaled: the file does not exist at all (the
    // test reader would show a missing journal as empty).
    assert!(!env.path("lockward.state.json.journal.jsonl").exists());
    assert!(!env.path("lockward.state.json").exists());
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
    let expected = [
        "plan.json",
        "lockward.state.json",
        "lockward.state.json.backup",
        "lockward.state.json.journal.jsonl",
        "lockward.state.json.lock",
        "secrets/site-a.code",
    ];
    for file in expected {
        assert!(env.path(file).exists(), "{file} was not written");
    }
    // Every file in the project but the ones the test wrote itself, wherever lockward put it.
    let written_by_the_test = [
        "lockward.yaml",
        "policies/audit.json",
        "policies/other.json",
    ];
    let mut found = Vec::new();
    let mut dirs = vec![env.dir().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(env.dir())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if fs::symlink_metadata(&path).unwrap().is_dir() {
                dirs.push(path);
            } else if !written_by_the_test.contains(&rel.as_str()) {
                assert_eq!(mode(&path), 0o600, "{rel} is mode {:o}", mode(&path));
                found.push(rel);
            }
        }
    }
    for file in expected {
        assert!(
            found.iter().any(|f| f == file),
            "{file} not found in the walk: {found:?}"
        );
    }
    assert_eq!(env.read("secrets/site-a.code"), CODE);
}

/// A `deliver_to` that is the journal under another name (`--state` spelled through a
/// symlinked directory) passes the config's checks, which compare paths as written, and the
/// journal does not exist yet when the plan looks. Apply's writing rule, which compares real
/// paths, still refuses it before the code is asked for: a disclosed code never races the
/// journal for one file.
#[test]
fn a_deliver_to_that_is_the_journal_under_another_name_is_refused_before_the_code_is_asked_for() {
    let env = Env::new();
    env.seed(json!({"snowball": [job(SAMPLE_JOB, "WithCustomer", "2026-11-01T00:00:00Z", CODE)]}));
    env.config(&format!(
        "snowball_unlock_code:\n  site_a:\n    job_id: {SAMPLE_JOB}\n    deliver_to: lockward.state.json.journal.jsonl\n"
    ));
    symlink(env.dir(), env.path("here")).unwrap();
    let state = "here/lockward.state.json";
    let plan = env.lockward(&["plan", "--state", state, "--format", "json"]);
    let plan: Value = serde_json::from_str(&plan.stdout).expect("a plan");
    let digest = plan["digest"].as_str().unwrap().to_string();
    let run = env.lockward(&["apply", "--state", state, "--approve", &digest]);
    run.code(1).stderr_has("the journal");
    assert!(
        !has_call(&env, "GetJobUnlockCode"),
        "the code was asked for: {}",
        run.stderr
    );
}
