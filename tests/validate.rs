//! `lockward validate` and the config language, end to end: the examples, the malformed
//! configs under tests/cases/config/ (expected stderr pinned in each case's
//! `expected.stderr`), hostile inputs generated on the fly, and the checked-in JSON Schema.
//!
//! To accept changed output: `LOCKWARD_UPDATE_SNAPSHOTS=1 cargo test -p lockward validate`
//! rewrites the `expected.stderr` files, `LOCKWARD_UPDATE_SCHEMA=1` rewrites
//! schema/lockward.schema.json. Review the diff before committing either.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn lockward(dir: &Path, args: &[&str]) -> Run {
    let output = Command::cargo_bin("lockward")
        .expect("the lockward binary is built")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("lockward runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn validate(dir: &Path, config: &str) -> Run {
    lockward(dir, &["validate", "-c", config])
}

/// `file:line:column` somewhere in the text.
fn has_location(text: &str) -> bool {
    text.lines().any(|line| {
        let Some(rest) = line.trim_start().strip_prefix("--> ") else {
            return false;
        };
        let mut parts = rest.rsplitn(3, ':');
        let col = parts.next().unwrap_or("");
        let line_no = parts.next().unwrap_or("");
        let file = parts.next().unwrap_or("");
        !file.is_empty() && col.parse::<u32>().is_ok() && line_no.parse::<u32>().is_ok()
    })
}

fn assert_user_error(run: &Run, what: &str) {
    assert_eq!(
        run.code,
        Some(1),
        "{what}: expected exit code 1\nstderr:\n{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("panicked"),
        "{what}: lockward panicked:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.starts_with("error: "),
        "{what}: stderr does not start with `error: `:\n{}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "{what}: stdout should be empty on error:\n{}",
        run.stdout
    );
}

fn is_summary_line(text: &str) -> bool {
    let Some(line) = text.strip_suffix('\n') else {
        return false;
    };
    let Some((total, kinds)) = line.split_once(": ") else {
        return false;
    };
    let total_ok = match total.split_once(' ') {
        Some((n, "resource")) => n == "1",
        Some((n, "resources")) => n.parse::<usize>().is_ok_and(|n| n != 1),
        _ => false,
    };
    let kinds: Vec<&str> = kinds.split(", ").collect();
    let kinds_ok = kinds.len() == lockward::vocabulary::Kind::ALL.len()
        && kinds
            .iter()
            .zip(lockward::vocabulary::Kind::ALL.map(|k| k.as_str()))
            .all(|(k, name)| {
                k.split_once(' ')
                    .is_some_and(|(n, kind)| n.parse::<usize>().is_ok() && kind == name)
            });
    total_ok && kinds_ok && !line.contains('\n')
}

#[test]
fn every_example_validates_with_a_summary_line() {
    let dir = root().join("examples");
    let mut examples: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    examples.sort();
    assert!(
        examples.len() >= 4,
        "examples/ should hold one file per kind and a combined one"
    );
    for example in &examples {
        let name = example.file_name().unwrap().to_str().unwrap();
        let text = fs::read_to_string(example).unwrap();
        assert_eq!(
            text.lines().next(),
            Some("# yaml-language-server: $schema=../schema/lockward.schema.json"),
            "{name} must start with the schema comment"
        );
        let run = validate(&dir, name);
        assert_eq!(run.code, Some(0), "{name}:\n{}", run.stderr);
        assert!(
            is_summary_line(&run.stdout),
            "{name}: not a summary line: {:?}",
            run.stdout
        );
        assert!(run.stderr.is_empty(), "{name}: stderr: {}", run.stderr);
    }
    // Run from elsewhere, the policy files still resolve against the example's directory.
    let run = validate(&root(), "examples/multi_region.yaml");
    assert_eq!(
        run.stdout, "6 resources: 0 backup_vault_lock, 0 ebs_snapshot_lock, 3 glacier_vault_lock, 2 rbin_rule_lock, 0 s3_object_lock, 1 snowball_unlock_code\n",
        "{}",
        run.stderr
    );
}

#[test]
fn examples_conform_to_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root().join("schema/lockward.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema");
    for entry in fs::read_dir(root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let instance: serde_json::Value =
            serde_yaml::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
    // And the schema catches what an editor should flag.
    let bad: serde_json::Value = serde_yaml::from_str(
        "version: 1\nglacier_vault_lock:\n  a:\n    vualt: x\n    state: locked\n",
    )
    .unwrap();
    assert!(!validator.is_valid(&bad));
}

#[test]
fn the_checked_in_schema_is_what_the_types_generate() {
    let path = root().join("schema/lockward.schema.json");
    let generated = lockward::digest::pretty_canonical_json(&lockward::config::schema()) + "\n";
    if std::env::var_os("LOCKWARD_UPDATE_SCHEMA").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, &generated).unwrap();
        return;
    }
    let checked_in = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "schema/lockward.schema.json differs from what the raw config types (src/config/raw.rs) generate.\n\
         Regenerate it with `LOCKWARD_UPDATE_SCHEMA=1 cargo test -p lockward --test main validate::the_checked_in_schema`, \
         review the diff, and commit it."
    );
}

/// Every directory under tests/cases/config/ is a malformed config: `lockward.yaml` (plus any
/// files it names) and `expected.stderr`. Each must exit 1, locate its errors, and print
/// exactly the expected text.
#[test]
fn malformed_configs_fail_with_the_expected_errors() {
    let cases_dir = root().join("tests/cases/config");
    let update = std::env::var_os("LOCKWARD_UPDATE_SNAPSHOTS").is_some();
    let mut cases: Vec<PathBuf> = fs::read_dir(&cases_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 30,
        "expected at least 30 malformed configs, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let run = validate(case, "lockward.yaml");
        assert_user_error(&run, &name);
        assert!(
            has_location(&run.stderr),
            "{name}: no file:line:column in\n{}",
            run.stderr
        );
        let expected_path = case.join("expected.stderr");
        if update {
            fs::write(&expected_path, &run.stderr).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != run.stderr {
            failures.push(format!(
                "--- {name}: expected\n{expected}--- {name}: actual\n{}",
                run.stderr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ (LOCKWARD_UPDATE_SNAPSHOTS=1 rewrites expected.stderr):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const VALID_HEADER: &str = "version: 1\nproviders:\n  default: { region: us-east-1 }\n";

/// A project whose `glacier_vault_lock.audit` reads its policy from `policies/audit.json`.
fn project_with_policy_file(policy: &[u8]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("policies")).unwrap();
    fs::write(tmp.path().join("policies/audit.json"), policy).unwrap();
    fs::write(
        tmp.path().join("lockward.yaml"),
        format!("{VALID_HEADER}glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\n"),
    )
    .unwrap();
    tmp
}

#[test]
fn a_policy_whose_deny_a_duplicate_key_turns_into_allow_is_refused_at_its_line() {
    let tmp = project_with_policy_file(
        b"{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\n    \"Effect\": \"Deny\",\n    \"Principal\": \"*\",\n    \"Action\": \"glacier:DeleteArchive\",\n    \"Resource\": \"*\",\n    \"Effect\": \"Allow\"\n  }]\n}\n",
    );
    let run = validate(tmp.path(), "lockward.yaml");
    assert_user_error(&run, "duplicate key");
    assert!(
        run.stderr.contains("duplicate key `Effect`"),
        "{}",
        run.stderr
    );
    // The second `Effect`, and where the first one is.
    assert!(
        run.stderr.contains("--> policies/audit.json:8:5"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("::: policies/audit.json:4:5"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_policy_file_with_a_byte_order_mark_validates() {
    let mut policy = "\u{feff}".as_bytes().to_vec();
    policy.extend_from_slice(br#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "glacier:DeleteArchive", "Resource": "*"}]}"#);
    let tmp = project_with_policy_file(&policy);
    let run = validate(tmp.path(), "lockward.yaml");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(is_summary_line(&run.stdout), "{}", run.stdout);
}

#[test]
fn hostile_inputs_are_refused_without_panicking() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "not_utf8.yaml",
            b"version: 1\nglacier_vault_lock:\n  a\xff\xfe: {}\n".to_vec(),
            "is not UTF-8 text (byte 0xff at line 3, column 4)",
        ),
        ("empty.yaml", Vec::new(), "the config file is empty"),
        (
            "comments.yaml",
            b"# nothing here\n\n   # still nothing\n".to_vec(),
            "the config file is empty",
        ),
        (
            "bom_only.yaml",
            "\u{feff}".as_bytes().to_vec(),
            "the config file is empty",
        ),
        (
            "alias_bomb.yaml",
            alias_bomb().into_bytes(),
            "aliases expand this document past",
        ),
        ("deep.yaml", "[".repeat(1_000_000).into_bytes(), "error: "),
        (
            "deep_block.yaml",
            (0..200)
                .map(|i| format!("{}k:\n", " ".repeat(i)))
                .collect::<String>()
                .into_bytes(),
            "deeper than 64 levels",
        ),
        (
            "scalar.yaml",
            b"just a string\n".to_vec(),
            "the config must be a mapping",
        ),
        (
            "list.yaml",
            b"- version: 1\n".to_vec(),
            "the config must be a mapping",
        ),
        ("nul.yaml", b"version: 1\0\n".to_vec(), "error: "),
        (
            "long_line.yaml",
            format!("version: 1\nx: {}\n", "y".repeat(1_000_000)).into_bytes(),
            "unknown top-level key `x`",
        ),
    ];
    for (name, bytes, expected) in cases {
        fs::write(dir.join(name), bytes).unwrap();
        let run = validate(dir, name);
        assert_user_error(&run, name);
        assert!(
            run.stderr.contains(expected),
            "{name}: expected {expected:?} in\n{}",
            run.stderr
        );
        assert!(
            run.stderr.len() < 10_000,
            "{name}: stderr is {} bytes long",
            run.stderr.len()
        );
    }

    // A 50 MB file is refused by its size, before it is read.
    let big = dir.join("big.yaml");
    let file = fs::File::create(&big).unwrap();
    file.set_len(50 * 1024 * 1024).unwrap();
    let run = validate(dir, "big.yaml");
    assert_user_error(&run, "big.yaml");
    assert!(
        run.stderr
            .contains("config files over 8388608 bytes (8 MiB) are refused"),
        "{}",
        run.stderr
    );

    // A directory, and a file that does not exist.
    let run = validate(dir, ".");
    assert_user_error(&run, "a directory");
    assert!(
        run.stderr.contains("is a directory, not a config file") && run.stderr.contains("hint: "),
        "{}",
        run.stderr
    );
    let run = validate(dir, "missing.yaml");
    assert_user_error(&run, "a missing file");
    assert!(
        run.stderr.contains("it does not exist") && run.stderr.contains("hint: "),
        "{}",
        run.stderr
    );
    let run = lockward(dir, &["validate"]);
    assert!(
        run.stderr.contains("`lockward.yaml`: it does not exist"),
        "the default config is lockward.yaml: {}",
        run.stderr
    );
}

fn alias_bomb() -> String {
    let mut text =
        String::from("version: 1\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    text
}

#[test]
fn the_summary_line_counts_every_kind_and_the_total() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("none.yaml"), "version: 1\n").unwrap();
    let run = validate(tmp.path(), "none.yaml");
    assert_eq!(
        run.stdout,
        "0 resources: 0 backup_vault_lock, 0 ebs_snapshot_lock, 0 glacier_vault_lock, 0 rbin_rule_lock, 0 s3_object_lock, 0 snowball_unlock_code\n"
    );
    let one = format!(
        "{VALID_HEADER}rbin_rule_lock:\n  ebs:\n    rule_id: a1B2c3D4e5F\n    state: unlocked\n"
    );
    fs::write(tmp.path().join("one.yaml"), one).unwrap();
    let run = validate(tmp.path(), "one.yaml");
    assert_eq!(
        run.stdout,
        "1 resource: 0 backup_vault_lock, 0 ebs_snapshot_lock, 0 glacier_vault_lock, 1 rbin_rule_lock, 0 s3_object_lock, 0 snowball_unlock_code\n"
    );
}

fn many_resources(n: usize) -> String {
    let mut text = String::from(VALID_HEADER);
    text.push_str("glacier_vault_lock:\n");
    for i in 0..n / 2 {
        text.push_str(&format!(
            "  vault_{i}:\n    vault: vault-{i}\n    state: locked\n    min_test_period: 2h\n    policy: {{Statement: [{{Effect: Deny, Action: glacier:DeleteArchive}}]}}\n"
        ));
    }
    text.push_str("rbin_rule_lock:\n");
    for i in 0..n - n / 2 {
        text.push_str(&format!(
            "  rule_{i}:\n    rule_id: r{i:010}\n    state: locked\n    unlock_delay_days: 7\n"
        ));
    }
    text
}

/// Speed is measured by the benchmark (README, "Performance"), never asserted here: these pin
/// that large inputs load completely and that every error is reported.
#[test]
fn ten_thousand_resources_load() {
    let text = many_resources(10_000);
    let config =
        lockward::config::load_str(&text, Path::new("/nonexistent/lockward.yaml")).unwrap();
    assert_eq!(config.resources.len(), 10_000);
}

#[test]
fn every_error_among_thousands_is_reported() {
    // Every rule wrong: one diagnostic each.
    let text = many_resources(4_000).replace("unlock_delay_days: 7", "unlock_delay_days: 70");
    let err =
        lockward::config::load_str(&text, Path::new("/nonexistent/lockward.yaml")).unwrap_err();
    assert_eq!(err.diagnostics().len(), 2_000);
}

mod fuzz {
    use std::path::Path;

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

        /// Whatever the text, loading returns a value or an error: it never panics, and
        /// every error it renders starts with `error:`.
        #[test]
        fn load_str_never_panics(text in "(version: 1\n|providers:\n|  default:\n|    region: us-east-1\n|glacier_vault_lock:\n|rbin_rule_lock:\n|snowball_unlock_code:\n|  a:\n|    vault: v\n|    state: locked\n|    policy: \\{\\}\n|    rule_id: a1B2c3D4e5F\n|&x |\\*x|<<: |- |\\[|\\]|\\{|\\}|, |: |\"|'|!!str |#|\t| |\n|[a-z0-9_.-]{1,6}){0,40}") {
            match lockward::config::load_str(&text, Path::new("/nonexistent/lockward.yaml")) {
                Ok(config) => prop_assert!(config.resources.len() <= 40),
                Err(err) => {
                    let rendered = err.to_string();
                    prop_assert!(rendered.starts_with("error: "), "{}", rendered);
                }
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            let _ = lockward::config::load_str(&text, Path::new("lockward.yaml"));
        }
    }
}
