//! Messages and endings a user can act on: a closed stdout (`lockward ... | head`) ends the
//! command quietly (no `error:` line; status 141, or 0 when everything fitted in the pipe),
//! `man --dir` writes a page per command, and `show` recognises a state file.

use std::io::Read;
use std::process::Stdio;

use serde_json::{json, Value};

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
    // Every page, a command's too, names lockward's version as its source, and ends with how
    // lockward exits, what it reads from the environment, its files and examples.
    let version = env!("CARGO_PKG_VERSION");
    for page in &pages {
        let text = env.read(&format!("man/{page}"));
        let name = page.trim_end_matches(".1");
        assert!(
            text.contains(&format!(
                ".TH {name} 1  \"lockward {version}\" \"lockward manual\""
            )),
            "{page}: {}",
            text.lines()
                .find(|l| l.starts_with(".TH"))
                .unwrap_or_default()
        );
        for section in [
            ".SH \"EXIT STATUS\"",
            ".SH ENVIRONMENT",
            ".SH FILES",
            ".SH EXAMPLES",
        ] {
            assert!(text.contains(section), "{page} has no {section}");
        }
    }
    let top = env.lockward(&["man"]).success().stdout.clone();
    assert!(
        top.contains("LOCKWARD_NOW") && top.contains(".SH \"EXIT STATUS\""),
        "{top}"
    );
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

/// One failure of the table below: a name, what to set up, and the command's stderr pinned.
struct Failure {
    name: &'static str,
    /// The provider's lines under `default:` (after `region: us-east-1`).
    provider: String,
    faults: Value,
    /// Remove the credentials from the environment.
    no_credentials: bool,
}

#[test]
fn every_way_a_plan_can_fail_reads_in_words_with_a_hint() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let env = Env::new();
    let url = env.emulator.url();
    let cases = [
        Failure {
            name: "unreachable_endpoint",
            provider: format!("    endpoint_url: http://127.0.0.1:{closed}\n"),
            faults: json!({"rules": []}),
            no_credentials: false,
        },
        Failure {
            name: "assume_role_denied",
            provider: format!(
                "    endpoint_url: {url}\n    assume_role: \"arn:aws:iam::222222222222:role/lockward\"\n"
            ),
            faults: json!({"rules": [{"operation": "AssumeRole", "kind": "error", "status": 403,
                "code": "AccessDenied",
                "message": "User: arn:aws:iam::123456789012:user/AKIDLOCKWARDTEST is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/lockward"}]}),
            no_credentials: false,
        },
        Failure {
            name: "missing_credentials",
            provider: format!("    endpoint_url: {url}\n"),
            faults: json!({"rules": []}),
            no_credentials: true,
        },
        Failure {
            name: "throttled_out_of_retries",
            provider: format!("    endpoint_url: {url}\n"),
            faults: json!({"rules": [{"operation": "GetRule", "kind": "throttle", "times": 1000}]}),
            no_credentials: false,
        },
        Failure {
            name: "access_denied_on_one_read",
            provider: format!("    endpoint_url: {url}\n"),
            faults: json!({"rules": [{"operation": "GetVaultLock", "kind": "error", "status": 400,
                "code": "AccessDeniedException",
                "message": "User: arn:aws:iam::123456789012:user/AKIDLOCKWARDTEST is not authorized to perform: glacier:GetVaultLock on resource: arn:aws:glacier:us-east-1:123456789012:vaults/audit-logs"}]}),
            no_credentials: false,
        },
    ];
    env.seed(json!({
        "glacier": [vault("audit-logs")],
        "rbin": [crate::support::rule("a1B2c3D4e5F", Value::Null, None)],
    }));
    for case in cases {
        env.faults(case.faults.clone());
        env.write(
            "lockward.yaml",
            &format!(
                "version: 1\nproviders:\n  default:\n    region: us-east-1\n{}\
                 glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\n\
                 rbin_rule_lock:\n  ebs:\n    rule_id: a1B2c3D4e5F\n    state: locked\n    unlock_delay_days: 7\n",
                case.provider
            ),
        );
        let mut cmd = env.command(&["plan"]);
        if case.no_credentials {
            cmd.env_remove("AWS_ACCESS_KEY_ID")
                .env_remove("AWS_SECRET_ACCESS_KEY");
        }
        let run = env.run(&mut cmd);
        assert_eq!(run.code, 1, "{}: {run:?}", case.name);
        for dump in [
            "DispatchFailure",
            "ConnectorError",
            "SdkError",
            "Some(",
            "Os {",
            "{ kind",
            "Error {",
            "aws_request_id",
        ] {
            assert!(
                !run.stderr.contains(dump),
                "{}: Rust Debug or SDK type `{dump}` in:\n{}",
                case.name,
                run.stderr
            );
        }
        assert!(
            !run.stderr.contains("outcome is unknown"),
            "{}: a read never has an unknown outcome:\n{}",
            case.name,
            run.stderr
        );
        assert!(
            run.stderr.contains("\nhint: "),
            "{}: no hint:\n{}",
            case.name,
            run.stderr
        );
        let pinned = env
            .normalize(&run.stderr)
            .replace(&format!("127.0.0.1:{closed}"), "127.0.0.1:[CLOSED]");
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!(format!("plan_fails_{}", case.name), pinned));
    }
    assert!(env.mutating_calls().is_empty());
}

#[test]
fn a_markdown_plan_of_a_thousand_resources_fits_in_one_github_comment() {
    let env = Env::new();
    let mut vaults = Vec::new();
    let mut config = String::from("glacier_vault_lock:\n");
    for i in 0..1000 {
        // Half are locked as wanted already, half get a new lock whose policy the plan shows.
        vaults.push(if i % 2 == 0 {
            crate::support::vault_locked(
                &format!("vault-{i:04}"),
                "Locked",
                crate::support::POLICY,
                "2026-10-01T00:00:00Z",
            )
        } else {
            vault(&format!("vault-{i:04}"))
        });
        config.push_str(&format!(
            "  v{i:04}:\n    vault: vault-{i:04}\n    policy_file: policies/audit.json\n    state: locked\n"
        ));
    }
    env.seed(json!({"glacier": vaults}));
    env.config(&config);
    let run = env.lockward(&["plan", "--format", "markdown", "--parallelism", "32"]);
    run.success();
    let chars = run.stdout.chars().count();
    assert!(chars < 65_536, "{chars} characters");
    assert!(run.stdout.starts_with("<!-- lockward-plan -->"));
    assert!(
        run.stdout.contains("Digest: `sha256:"),
        "the digest is always there"
    );
    assert!(run.stdout.contains("To apply exactly this plan:"));
    assert!(run.stdout.contains("too long for one comment"));
    assert!(run.stdout.contains("unchanged resource(s)"));
    // What it shows first is what a reviewer must see: the changes, in the table.
    assert!(
        run.stdout.contains("| `glacier_vault_lock.v0001`"),
        "{}",
        &run.stdout[..2000]
    );
    assert!(run.stdout.contains("did not fit"));
}

#[test]
fn a_markdown_report_of_a_thousand_resources_fits_in_one_github_comment() {
    let env = Env::new();
    let mut vaults = Vec::new();
    let mut config = String::from("glacier_vault_lock:\n");
    for i in 0..1000 {
        vaults.push(if i % 10 == 0 {
            vault(&format!("vault-{i:04}"))
        } else {
            crate::support::vault_locked(
                &format!("vault-{i:04}"),
                "Locked",
                crate::support::POLICY,
                "2026-10-01T00:00:00Z",
            )
        });
        config.push_str(&format!(
            "  v{i:04}:\n    vault: vault-{i:04}\n    policy_file: policies/audit.json\n    state: locked\n"
        ));
    }
    env.seed(json!({"glacier": vaults}));
    env.config(&config);
    let run = env.lockward(&["report", "--format", "markdown", "--parallelism", "32"]);
    run.success();
    let chars = run.stdout.chars().count();
    assert!(chars < 65_536, "{chars} characters");
    assert!(run.stdout.contains("too long for one comment"));
    assert!(run.stdout.contains("compliant resource(s)"));
    // The resources that are not compliant keep their rows.
    assert!(run.stdout.contains("| `glacier_vault_lock.v0000`"));
}

#[test]
fn people_read_whole_seconds_and_the_json_keeps_the_exact_time() {
    let env = Env::new();
    env.seed(json!({"rbin": [crate::support::rule("a1B2c3D4e5F", Value::Null, None)]}));
    env.config("rbin_rule_lock:\n  ebs:\n    rule_id: a1B2c3D4e5F\n    state: locked\n    unlock_delay_days: 7\n");
    let digest = crate::support::plan_digest(&env);
    env.lockward(&["apply", "--approve", &digest]).success();
    let mut state = env.state();
    state["resources"]["rbin_rule_lock.ebs"]["locked_at"] = json!("2026-12-04T15:45:00.496999979Z");
    env.write(
        "lockward.state.json",
        &serde_json::to_string_pretty(&state).unwrap(),
    );
    let human = env.lockward(&["show"]);
    human.success().stdout_has("2026-12-04T15:45:00Z");
    assert!(!human.stdout.contains(".496999979"), "{}", human.stdout);
    let json = env.lockward(&["show", "--format", "json"]);
    json.success().stdout_has("2026-12-04T15:45:00.496999979Z");
}

#[test]
fn a_missing_resource_says_which_account_and_region_were_searched() {
    let env = Env::new();
    // The vault exists, but in another region than the provider's.
    env.seed(json!({"glacier": [{"region": "eu-west-1", "vault": "audit-logs"}]}));
    env.config(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\n",
    );
    env.lockward(&["plan"])
        .code(1)
        .stdout_has("does not exist")
        .stdout_has("lockward looked in account 123456789012 in us-east-1")
        .stdout_has("check the provider's region");
    assert!(env.mutating_calls().is_empty());
}

/// The command line as a user expects it: a duration without a unit says to add one (and
/// nothing runs); `--format` names its values in `--help` and refuses others by listing them;
/// `--no-color` is accepted by every command and leaves no escape sequence in what it prints.
#[test]
fn the_command_line_names_its_values_and_says_how_to_fix_a_duration() {
    let env = Env::new();
    env.config("rbin_rule_lock:\n  r:\n    rule_id: a1B2c3D4e5F\n    state: unlocked\n");
    env.lockward(&["apply", "--lock-timeout", "5"])
        .code(1)
        .stderr_has("`5` has no unit: add one, e.g. 5s or 5m");
    assert!(env.calls().is_empty(), "a malformed flag called AWS");
    // Help wraps its lines: compared with the whitespace collapsed.
    let help = |command: &str| {
        let run = env.lockward(&[command, "--help"]);
        run.success();
        run.stdout.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    assert!(help("plan").contains("[possible values: human, json, markdown]"));
    assert!(help("show").contains("[possible values: human, json, markdown]"));
    assert!(help("report").contains("[possible values: markdown, json, html, sarif, junit]"));
    env.lockward(&["plan", "--format", "yaml"])
        .code(1)
        .stderr_has("[possible values: human, json, markdown]");
    let mut cmd = env.command(&["--no-color", "validate"]);
    cmd.env_remove("NO_COLOR");
    let run = env.run(&mut cmd);
    run.success();
    assert!(
        !run.stdout.contains('\u{1b}') && !run.stderr.contains('\u{1b}'),
        "{run:?}"
    );
}

/// `show --state FILE` of a file that is not there says so (exit 1) rather than "no state
/// yet"; the default state of a project that never applied still reads as no state yet.
#[test]
fn show_of_a_state_file_that_is_not_there_says_it_is_missing() {
    let env = Env::new();
    env.config("rbin_rule_lock:\n  r:\n    rule_id: a1B2c3D4e5F\n    state: unlocked\n");
    env.lockward(&["show", "--state", "missing.json"])
        .code(1)
        .stderr_has("the state file missing.json does not exist");
    env.lockward(&["show"]).success().stdout_has("No state yet");
}

/// 800 vaults with the longest names a resource may have, each getting a lock that completing
/// makes permanent: naming every irreversible action does not fit one comment, so the comment
/// says so on its first line and `plan --format markdown` exits 1 unless told it may not.
#[test]
fn a_markdown_plan_that_cannot_name_every_irreversible_action_fails_unless_allowed() {
    let env = Env::new();
    let mut vaults = Vec::new();
    let mut config = String::from("glacier_vault_lock:\n");
    let long = "v".repeat(58);
    for i in 0..800 {
        vaults.push(vault(&format!("vault-{i:04}")));
        config.push_str(&format!(
            "  {long}{i:04}:\n    vault: vault-{i:04}\n    policy_file: policies/audit.json\n    state: locked\n"
        ));
    }
    env.seed(json!({"glacier": vaults}));
    env.config(&config);
    let run = env.lockward(&["plan", "--format", "markdown", "--parallelism", "32"]);
    run.code(1).stderr_has("--allow-incomplete");
    assert!(
        run.stdout.starts_with(
            "<!-- lockward-plan -->\nINCOMPLETE: the addresses of the 800 irreversible"
        ),
        "{}",
        &run.stdout[..300]
    );
    assert!(run.stdout.chars().count() < 65_536);
    env.lockward(&[
        "plan",
        "--format",
        "markdown",
        "--parallelism",
        "32",
        "--allow-incomplete",
        "--out",
        "plan.lwplan",
    ])
    .success();
    // Where the INCOMPLETE line sends the reader: the whole plan, every vault in it.
    let whole = env.lockward(&["show", "--format", "markdown", "plan.lwplan"]);
    let whole = whole.success();
    assert!(!whole.stdout.contains("INCOMPLETE"));
    for i in [0, 399, 799] {
        let address = format!("`glacier_vault_lock.{long}{i:04}`");
        assert!(whole.stdout.contains(&address), "{address}");
    }
    assert!(whole.stdout.len() > 61_440);
    // Other formats are never incomplete.
    env.lockward(&["plan", "--parallelism", "32"]).success();
}
