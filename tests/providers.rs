//! How a provider reaches AWS, through the real binary and the emulator: a named profile is the
//! only source of credentials, an unknown profile stops the command before any call, every
//! AssumeRole goes to the provider's endpoint, and a clock moved with `LOCKWARD_NOW` is refused
//! against real AWS.

use serde_json::{json, Value};

use crate::support::{rule, Env};

const RULE: &str = "a1B2c3D4e5F";

/// The account the role of [`PROFILES`]' `audit` profile is in.
const AUDIT_ACCOUNT: &str = "222222222222";

/// A shared AWS config file: `audit` assumes a role in [`AUDIT_ACCOUNT`] with the keys of
/// `base`, which are not the keys in the environment.
const PROFILES: &str = "[profile audit]\nrole_arn = arn:aws:iam::222222222222:role/lockward\n\
                        source_profile = base\n\n[profile base]\naws_access_key_id = AKIDPROFILEBASE\n\
                        aws_secret_access_key = profile-secret\n";

/// `lockward.yaml` with one provider (`provider_lines` under it) and a rule wanted locked.
fn config(env: &Env, provider_lines: &str) {
    env.write(
        "lockward.yaml",
        &format!(
            "version: 1\nproviders:\n  default:\n    region: us-east-1\n{provider_lines}\
             rbin_rule_lock:\n  ebs:\n    rule_id: {RULE}\n    state: locked\n    unlock_delay_days: 7\n"
        ),
    );
}

/// The rule, locked with a 7-day delay, in `account` only.
fn seed_locked_rule_in(env: &Env, account: &str) {
    env.seed(json!({"account_id": account, "rbin": [rule(RULE, json!("locked"), Some(7))]}));
}

/// `aws/config` holding profile `name` with static keys and the settings `extra` (lines).
fn profile(env: &Env, name: &str, extra: &str) {
    env.write(
        "aws/config",
        &format!(
            "[profile {name}]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n{extra}"
        ),
    );
}

fn operations(env: &Env) -> Vec<String> {
    env.calls()
        .iter()
        .map(|c| c["operation"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_provider_profile_is_used_even_when_the_environment_holds_other_credentials() {
    let env = Env::new();
    env.write("aws/config", PROFILES);
    seed_locked_rule_in(&env, AUDIT_ACCOUNT);
    config(
        &env,
        &format!(
            "    profile: audit\n    endpoint_url: {}\n",
            env.emulator.url()
        ),
    );
    // The environment has AKIDLOCKWARDTEST (the harness's keys), which act in the emulator's
    // default account, where the rule does not exist.
    let run = env.run(
        env.command(&["plan", "--detailed-exitcode"])
            .env("AWS_CONFIG_FILE", env.path("aws/config")),
    );
    run.success().stdout_has("No changes");
    let calls = env.calls();
    let assume: Vec<&Value> = calls
        .iter()
        .filter(|c| c["operation"] == "AssumeRole")
        .collect();
    // The emulator's credentials expire on its virtual clock, which lies in the past here, so
    // the SDK may ask again: every AssumeRole is the profile's, none is skipped.
    assert!(!assume.is_empty(), "{:?}", operations(&env));
    assert!(
        assume
            .iter()
            .all(|a| a["params"]["RoleArn"] == "arn:aws:iam::222222222222:role/lockward"),
        "{assume:?}"
    );
}

#[test]
fn an_unknown_profile_is_an_error_naming_it_before_any_call() {
    let env = Env::new();
    env.write("aws/config", PROFILES);
    seed_locked_rule_in(&env, AUDIT_ACCOUNT);
    config(
        &env,
        &format!(
            "    profile: nosuchprofile\n    endpoint_url: {}\n",
            env.emulator.url()
        ),
    );
    for args in [
        &["plan"][..],
        &["apply", "--auto-approve"],
        &["report"],
        &["import", "rbin_rule_lock.ebs"],
    ] {
        let run = env.run(
            env.command(args)
                .env("AWS_CONFIG_FILE", env.path("aws/config")),
        );
        run.code(1)
            .stderr_has("profile `nosuchprofile`")
            .stderr_has("provider `default` in lockward.yaml")
            .stderr_has("hint: ");
        assert!(
            env.calls().is_empty(),
            "{args:?} called AWS: {:?}",
            operations(&env)
        );
    }
}

#[test]
fn assume_role_goes_to_the_providers_endpoint() {
    let env = Env::new();
    seed_locked_rule_in(&env, "333333333333");
    config(
        &env,
        &format!(
            "    assume_role: \"arn:aws:iam::333333333333:role/lockward\"\n    endpoint_url: {}\n",
            env.emulator.url()
        ),
    );
    env.lockward(&["plan", "--detailed-exitcode"])
        .success()
        .stdout_has("No changes");
    assert!(
        operations(&env).iter().any(|o| o == "AssumeRole"),
        "{:?}",
        operations(&env)
    );
}

#[test]
fn a_moved_clock_is_refused_before_any_call_when_a_provider_reaches_real_aws() {
    let env = Env::new();
    env.seed(json!({"rbin": [rule(RULE, json!("locked"), Some(7))]}));
    // `default` is the emulator; `aws` has no endpoint, so it would be real AWS.
    env.write(
        "lockward.yaml",
        &format!(
            "version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {}\n  \
             aws:\n    region: us-east-1\nrbin_rule_lock:\n  ebs:\n    rule_id: {RULE}\n    \
             state: locked\n    unlock_delay_days: 7\n  other:\n    rule_id: b1B2c3D4e5F\n    \
             provider: aws\n    state: locked\n    unlock_delay_days: 7\n",
            env.emulator.url()
        ),
    );
    for args in [&["plan"][..], &["apply", "--auto-approve"], &["report"]] {
        env.lockward(args)
            .code(1)
            .stderr_has("LOCKWARD_NOW")
            .stderr_has("provider `aws`")
            .stderr_has("hint: ");
        assert!(
            env.calls().is_empty(),
            "{args:?} called AWS: {:?}",
            operations(&env)
        );
    }
}

#[test]
fn a_moved_clock_is_accepted_when_the_environment_names_the_endpoint() {
    let env = Env::new();
    env.seed(json!({"rbin": [rule(RULE, json!("locked"), Some(7))]}));
    config(&env, "");
    let run = env.run(
        env.command(&["plan", "--detailed-exitcode"])
            .env("AWS_ENDPOINT_URL", env.emulator.url()),
    );
    run.success().stdout_has("No changes");
    // Without LOCKWARD_NOW there is nothing to refuse.
    let run = env.run(
        env.command(&["plan", "--detailed-exitcode"])
            .env_remove("LOCKWARD_NOW")
            .env("AWS_ENDPOINT_URL", env.emulator.url()),
    );
    run.success();
}

#[test]
fn an_endpoint_a_profile_sets_is_the_plans_target_and_binds_the_approval() {
    let env = Env::new();
    env.seed(json!({"rbin": [rule(RULE, Value::Null, None)]}));
    // No endpoint_url in the config: the profile sends the calls to the emulator.
    config(&env, "    profile: emu\n");
    let endpoint = format!("endpoint_url = {}\n", env.emulator.url());
    profile(&env, "emu", &endpoint);
    // The real clock: a moved one is refused for a provider without `endpoint_url:`.
    let lockward = |args: &[&str]| {
        env.run(
            env.command(args)
                .env("AWS_CONFIG_FILE", env.path("aws/config"))
                .env_remove("LOCKWARD_NOW"),
        )
    };
    let run = lockward(&["plan", "--format", "json"]);
    run.success();
    let plan: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        plan["resources"][0]["target"]["endpoint"],
        json!(env.emulator.url().trim_end_matches('/')),
        "the plan shows where the calls go"
    );
    let digest = plan["digest"].as_str().unwrap().to_string();

    // The profile now sends Recycle Bin calls to another endpoint (the same emulator under
    // another name, so that the apply can read): the approval does not cover it.
    let elsewhere = env.emulator.url().replace("127.0.0.1", "localhost");
    profile(
        &env,
        "emu",
        &format!("{endpoint}services = moved\n\n[services moved]\nrbin =\n  endpoint_url = {elsewhere}\n"),
    );
    lockward(&["apply", "--approve", &digest])
        .code(1)
        .stderr_has("does not match this plan's digest");
    assert!(
        !operations(&env).iter().any(|o| o == "LockRule"),
        "{:?}",
        operations(&env)
    );
}

#[test]
fn a_state_bucket_reached_through_a_profiles_endpoint_is_used_and_named_in_the_saved_plan() {
    let env = Env::new();
    env.seed(json!({
        "rbin": [rule(RULE, Value::Null, None)],
        "s3": [{"region": "us-east-1", "bucket": "acme-lockward-state", "versioning": "Enabled"}]
    }));
    profile(
        &env,
        "emu",
        &format!("endpoint_url = {}\n", env.emulator.url()),
    );
    env.write(
        "lockward.yaml",
        &format!(
            "version: 1\nproviders:\n  default:\n    region: us-east-1\n    profile: emu\n\
             backend:\n  s3: {{ bucket: acme-lockward-state, key: prod/lockward.state.json }}\n\
             rbin_rule_lock:\n  ebs:\n    rule_id: {RULE}\n    state: locked\n    unlock_delay_days: 7\n"
        ),
    );
    let run = env.run(
        env.command(&["plan", "--out", "plan.json"])
            .env("AWS_CONFIG_FILE", env.path("aws/config"))
            .env_remove("LOCKWARD_NOW"),
    );
    run.success();
    let saved: Value = serde_json::from_str(&env.read("plan.json")).unwrap();
    assert_eq!(
        saved["backend"]["endpoint"],
        json!(env.emulator.url().trim_end_matches('/')),
        "{}",
        saved["backend"]
    );
    assert!(
        env.calls()
            .iter()
            .any(|c| c["service"] == "s3" && c["params"]["Bucket"] == "acme-lockward-state"),
        "the state was read from the profile's endpoint: {:?}",
        operations(&env)
    );
}

#[test]
fn a_moved_clock_is_refused_when_the_profile_ignores_the_environments_endpoint() {
    let env = Env::new();
    env.seed(json!({"rbin": [rule(RULE, json!("locked"), Some(7))]}));
    config(&env, "    profile: plain\n");
    // AWS_ENDPOINT_URL names the emulator, but the profile tells the SDK to ignore it: the
    // calls would go to real AWS.
    profile(&env, "plain", "ignore_configured_endpoint_urls = true\n");
    let run = env.run(
        env.command(&["plan"])
            .env("AWS_CONFIG_FILE", env.path("aws/config"))
            .env("AWS_ENDPOINT_URL", env.emulator.url()),
    );
    run.code(1)
        .stderr_has("LOCKWARD_NOW")
        .stderr_has("provider `default`");
    assert!(env.calls().is_empty(), "{:?}", operations(&env));

    // The same profile without that line: its calls go to the emulator, so the moved clock
    // is a rehearsal, as it is for an endpoint the profile itself names.
    for setting in [
        "ignore_configured_endpoint_urls = false\n".to_string(),
        format!("endpoint_url = {}\n", env.emulator.url()),
    ] {
        profile(&env, "plain", &setting);
        let mut cmd = env.command(&["plan", "--detailed-exitcode"]);
        cmd.env("AWS_CONFIG_FILE", env.path("aws/config"));
        if setting.starts_with("ignore") {
            cmd.env("AWS_ENDPOINT_URL", env.emulator.url());
        }
        env.run(&mut cmd).code(0);
    }
}

#[test]
fn where_the_account_was_asked_is_part_of_the_target() {
    // The attack: the approval is for account A, asked where the calls go; at apply time the
    // credentials act in another account and STS is sent to a place that still answers A.
    let env = Env::new();
    env.seed(json!({"rbin": [rule(RULE, Value::Null, None)]}));
    config(&env, "");
    let url = env.emulator.url();
    let plan = env.run(
        env.command(&["plan", "--format", "json"])
            .env("AWS_ENDPOINT_URL", &url),
    );
    plan.success();
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    let target = &plan["resources"][0]["target"];
    assert!(
        target.get("identity_endpoint").is_none(),
        "STS answered where the calls go: {target}"
    );
    let digest = plan["digest"].as_str().unwrap().to_string();

    // STS now answers elsewhere (the same emulator under another name).
    let elsewhere = url.replace("127.0.0.1", "localhost");
    let moved = env.run(
        env.command(&["plan", "--format", "json"])
            .env("AWS_ENDPOINT_URL", &url)
            .env("AWS_ENDPOINT_URL_STS", &elsewhere),
    );
    moved.success();
    let moved: Value = serde_json::from_str(&moved.stdout).unwrap();
    assert_eq!(
        moved["resources"][0]["target"]["identity_endpoint"],
        json!(elsewhere.trim_end_matches('/'))
    );
    env.run(
        env.command(&["apply", "--approve", &digest])
            .env("AWS_ENDPOINT_URL", &url)
            .env("AWS_ENDPOINT_URL_STS", &elsewhere),
    )
    .code(1)
    .stderr_has("does not match this plan's digest");
    assert!(
        !operations(&env).iter().any(|o| o == "LockRule"),
        "{:?}",
        operations(&env)
    );
}
