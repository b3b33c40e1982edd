//! Messages and endings a user can act on: a closed stdout (`lockward ... | head`) ends the
//! command quietly (no `error:` line; status 141, or 0 when everything fitted in the pipe),
//! `man --dir` writes a page per command, and `show` recognises a state file.

use std::io::Read;
use std::process::Stdio;

use serde_json::json;

use crate::support::{vault, Env};

/// Runs `args` with stdout a pipe whose reading end is closed before lockward writes.
fn with_closed_stdout(env: &Env, args: &[&str]) -> (Option<i32>, String) {
    let mut cmd = env.command(args);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start lockward");
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let status = child.wait().expect("wait");
    (status.code(), stderr)
}

#[test]
fn a_closed_stdout_ends_every_data_command_quietly() {
    let env = Env::new();
    let vaults: Vec<_> = (0..400).map(|i| vault(&format!("vault-{i:03}"))).collect();
    env.seed(json!({"glacier": vaults}));
    let mut config = String::from("glacier_vault_lock:\n");
    for i in 0..400 {
        config.push_str(&format!(
            "  v{i:03}:\n    vault: vault-{i:03}\n    policy_file: policies/audit.json\n    state: locked\n"
        ));
    }
    env.config(&config);
    for args in [
        &["plan", "--format", "json"][..],
        &["plan", "--format", "markdown"],
        &["plan"],
        &["--help"],
        &["completions", "bash"],
        &["man"],
    ] {
        let (code, stderr) = with_closed_stdout(&env, args);
        assert!(
            matches!(code, Some(0) | Some(141)),
            "`lockward {}` exited {code:?}: {stderr}",
            args.join(" ")
        );
        assert!(
            !stderr.contains("error") && !stderr.contains("Broken pipe"),
            "`lockward {}` printed: {stderr}",
            args.join(" ")
        );
    }
    assert!(env.mutating_calls().is_empty());
}

#[test]
fn man_writes_one_page_per_command_into_a_directory() {
    let env = Env::new();
    env.lockward(&["man", "--dir", "man"]).success();
    let mut pages: Vec<String> = std::fs::read_dir(env.path("man"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    for page in [
        "lockward.1",
        "lockward-plan.1",
        "lockward-apply.1",
        "lockward-show.1",
        "lockward-report.1",
        "lockward-import.1",
    ] {
        assert!(
            pages.iter().any(|p| p == page),
            "{page} missing from {pages:?}"
        );
    }
    let plan = env.read("man/lockward-plan.1");
    assert!(plan.contains("detailed\\-exitcode"), "{plan}");
}

#[test]
fn show_recognises_a_state_file_and_shows_it() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
         state: in_progress\n",
    );
    let digest = crate::support::plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    let run = env.lockward(&["show", "lockward.state.json"]);
    run.success().stdout_has("glacier_vault_lock.audit");
    assert!(
        !run.stderr.contains("not a lockward plan file"),
        "{}",
        run.stderr
    );
    let json = env.lockward(&["show", "lockward.state.json", "--format", "json"]);
    let shown: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(shown["serial"], env.state()["serial"]);
}
