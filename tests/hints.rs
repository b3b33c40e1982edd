//! Commands that lockward suggests in a hint work as typed: they repeat `-c`, `--state` and
//! `--target` as the user gave them, quoted for the shell.

use std::path::Path;

use serde_json::{json, Value};

use crate::support::{rule, vault, vault_locked, Env, Run, OTHER_POLICY, T0};

const CONFIG: &str = "my infra/lockward.yaml";
const STATE: &str = "my infra/custom state.json";
const AUDIT: &str = "glacier_vault_lock.audit";

/// Two resources in `my infra/lockward.yaml`: a vault to lock InProgress and a rule to lock.
fn project() -> Env {
    let env = Env::new();
    env.seed(
        json!({"glacier": [vault("audit-logs")], "rbin": [rule("a1B2c3D4e5F", Value::Null, None)]}),
    );
    env.write("my infra/policies/audit.json", crate::support::POLICY);
    env.write(
        CONFIG,
        &format!(
            "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {}\n\
             glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
             state: in_progress\nrbin_rule_lock:\n  snapshots:\n    rule_id: a1B2c3D4e5F\n    \
             state: locked\n    unlock_delay_days: 7\n",
            env.emulator.url()
        ),
    );
    env
}

/// The command quoted in a `hint:` line of `stderr`, between "run `" and the next "`".
fn hinted_command(stderr: &str) -> String {
    let hint = stderr
        .lines()
        .find(|l| l.starts_with("hint: "))
        .unwrap_or_else(|| panic!("no hint in:\n{stderr}"));
    let start = hint.find("run `").expect("a command in the hint") + "run `".len();
    let len = hint[start..].find('`').expect("the command's end");
    hint[start..start + len].to_string()
}

/// Runs `command_line` in a POSIX shell in the project directory, `lockward` on the PATH.
fn run_as_typed(env: &Env, command_line: &str) -> Run {
    let bin = Path::new(env!("CARGO_BIN_EXE_lockward")).parent().unwrap();
    let inner = env.command(&[]);
    let mut cmd = std::process::Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(command_line)
        .current_dir(env.dir())
        .env_clear();
    for (key, value) in inner.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    let path = std::env::var("PATH").unwrap_or_default();
    cmd.env("PATH", format!("{}:{path}", bin.display()));
    env.run(&mut cmd)
}

#[test]
fn the_hint_after_a_stale_targeted_plan_repeats_config_state_and_target_and_works_as_typed() {
    let env = project();
    env.lockward(&[
        "plan",
        "-c",
        CONFIG,
        "--state",
        STATE,
        "--target",
        AUDIT,
        "--out",
        "plan.json",
    ])
    .success();
    // Someone else initiates a lock meanwhile: the saved plan is stale.
    env.seed(json!({"glacier": [vault_locked("audit-logs", "InProgress", OTHER_POLICY, T0)]}));
    let run = env.lockward(&["apply", "-c", CONFIG, "--state", STATE, "plan.json"]);
    run.code(1).stderr_has("stale");
    let again = hinted_command(&run.stderr);
    assert_eq!(
        again,
        format!("lockward plan -c '{CONFIG}' --state '{STATE}' --target {AUDIT} --out plan.json"),
        "{}",
        run.stderr
    );
    run_as_typed(&env, &again).success();
    // It saved a new plan of exactly the targeted resource, with the same config and state,
    // which applies.
    let saved: Value = serde_json::from_str(&env.read("plan.json")).unwrap();
    let addresses: Vec<&Value> = saved["plan"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["address"])
        .collect();
    assert_eq!(addresses, [AUDIT]);
    // It aborts the other lock, which lowers protection: approved by its digest.
    let digest = saved["plan"]["digest"].as_str().unwrap().to_string();
    env.lockward(&[
        "apply",
        "-c",
        CONFIG,
        "--state",
        STATE,
        "plan.json",
        "--approve",
        &digest,
    ])
    .success();
    assert!(env.path(STATE).exists());
}
