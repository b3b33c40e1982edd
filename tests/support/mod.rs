//! The integration harness: a temporary project directory, an emulator on loopback seeded for
//! the test, and the real `lockward` binary run against it.
//!
//! ```ignore
//! let env = Env::new();
//! env.seed(json!({"glacier": [{"region": "us-east-1", "vault": "audit-logs"}]}));
//! env.config(GLACIER_LOCKED);
//! let run = env.lockward(&["plan", "--detailed-exitcode"]);
//! run.code(2);
//! assert!(env.mutating_calls().is_empty());
//! ```

#![allow(dead_code)]

pub mod s3;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use lockward_emulator::{Emulator, EmulatorConfig};
use serde_json::Value;

/// The emulator's virtual clock stands here in every test, frozen: it moves only when a test
/// sets or advances it, so outputs (`(in 4h30m)`, a lock date of exactly now + 3 days) are
/// reproducible however slowly the machine runs, and `LOCKWARD_NOW` is always the emulator's
/// time to the nanosecond.
pub const T0: &str = "2026-11-23T12:00:00Z";

/// A policy used across tests, as the config's `policy_file: policies/audit.json` holds it. It
/// denies deleting archives from every vault of the account, so it reads right as the lock
/// policy of whichever vault a test locks with it.
pub const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"deny-delete","Principal":"*","Effect":"Deny","Action":"glacier:DeleteArchive","Resource":"arn:aws:glacier:us-east-1:123456789012:vaults/*"}]}"#;

/// Another valid policy, for "different policy" cases.
pub const OTHER_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"deny-all","Principal":"*","Effect":"Deny","Action":"glacier:*","Resource":"*"}]}"#;

pub struct Env {
    pub emulator: Emulator,
    dir: tempfile::TempDir,
}

/// One run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Run {
        assert_eq!(
            self.code, expected,
            "expected exit code {expected}, got {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn success(&self) -> &Run {
        self.code(0)
    }

    /// Asserts stderr contains `text`.
    #[track_caller]
    pub fn stderr_has(&self, text: &str) -> &Run {
        assert!(
            self.stderr.contains(text),
            "stderr lacks `{text}`:\n{}",
            self.stderr
        );
        self
    }

    /// Asserts stdout contains `text`.
    #[track_caller]
    pub fn stdout_has(&self, text: &str) -> &Run {
        assert!(
            self.stdout.contains(text),
            "stdout lacks `{text}`:\n{}",
            self.stdout
        );
        self
    }
}

impl Env {
    /// A fresh emulator (clock frozen at [`T0`]) and an empty project directory (mode 0700)
    /// holding `policies/audit.json` ([`POLICY`]) and `policies/other.json` ([`OTHER_POLICY`]).
    pub fn new() -> Env {
        let emulator = lockward_emulator::spawn(EmulatorConfig {
            frozen_clock: true,
            clock_start: Some(T0.parse().unwrap()),
            ..EmulatorConfig::default()
        })
        .expect("start the emulator");
        assert!(emulator.clock_is_frozen());
        assert_eq!(emulator.now(), T0.parse::<Timestamp>().unwrap());
        let dir = tempfile::tempdir().expect("temp dir");
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let env = Env { emulator, dir };
        env.write("policies/audit.json", POLICY);
        env.write("policies/other.json", OTHER_POLICY);
        env
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file under the project directory, creating its parents (mode 0700).
    pub fn write(&self, rel: &str, content: &str) {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
            fs::set_permissions(parent, fs::Permissions::from_mode(0o700)).unwrap();
        }
        fs::write(path, content).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_default()
    }

    /// Writes `lockward.yaml`: `version: 1`, a default provider in us-east-1 pointed at the
    /// emulator, then `body` (the resources, as YAML).
    pub fn config(&self, body: &str) {
        self.config_in("us-east-1", body);
    }

    /// As [`Env::config`], with the default provider in `region`.
    pub fn config_in(&self, region: &str, body: &str) {
        let text = format!(
            "version: 1\nproviders:\n  default:\n    region: {region}\n    endpoint_url: {}\n{body}",
            self.emulator.url()
        );
        self.write("lockward.yaml", &text);
    }

    /// `lockward plan --format json`, parsed whatever its exit code (a conflict exits 1).
    pub fn plan_json(&self) -> Value {
        let run = self.lockward(&["plan", "--format", "json"]);
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr))
    }

    /// Adds to the emulator's state (DESIGN.md section 7 shape).
    pub fn seed(&self, doc: Value) {
        self.emulator.seed(doc).expect("seed the emulator");
    }

    /// Moves the (frozen) clock, and so `LOCKWARD_NOW`, by exactly `secs`.
    pub fn advance_clock(&self, secs: i64) {
        self.emulator.advance_clock(secs);
    }

    /// Sets the (frozen) clock, and so `LOCKWARD_NOW`, to exactly `t`.
    pub fn set_clock(&self, t: Timestamp) {
        self.emulator.set_clock(t);
        debug_assert!(self.emulator.clock_is_frozen());
    }

    pub fn now(&self) -> Timestamp {
        self.emulator.now()
    }

    pub fn faults(&self, doc: Value) {
        self.emulator.set_faults(doc).expect("set faults");
    }

    /// Every API call the emulator received, in order.
    pub fn calls(&self) -> Vec<Value> {
        self.emulator
            .calls()
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The operations of the mutating calls, in order.
    pub fn mutating_calls(&self) -> Vec<String> {
        self.calls()
            .iter()
            .filter(|c| c["mutating"] == Value::Bool(true))
            .map(|c| c["operation"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// The emulator's state (DESIGN.md section 7 shape).
    pub fn aws_state(&self) -> Value {
        self.emulator.state()
    }

    /// The state file, parsed (`Value::Null` when absent).
    pub fn state(&self) -> Value {
        match fs::read_to_string(self.path("lockward.state.json")) {
            Ok(text) => serde_json::from_str(&text).expect("the state file is valid JSON"),
            Err(_) => Value::Null,
        }
    }

    /// The journal, one JSON value a line.
    pub fn journal(&self) -> Vec<Value> {
        self.read("lockward.state.json.journal.jsonl")
            .lines()
            .map(|l| serde_json::from_str(l).expect("every journal line is JSON"))
            .collect()
    }

    /// A command for the real binary, in the project directory, with test credentials, no
    /// AWS config files, no colour, and `LOCKWARD_NOW` at the emulator's clock.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lockward"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("AWS_ACCESS_KEY_ID", "AKIDLOCKWARDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "lockward-test-secret")
            .env("AWS_CONFIG_FILE", self.path(".aws-config-absent"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.path(".aws-credentials-absent"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NO_COLOR", "1")
            .env("LOCKWARD_NOW", self.now().to_string())
            .stdin(std::process::Stdio::null());
        cmd
    }

    /// Runs the binary to completion.
    pub fn lockward(&self, args: &[&str]) -> Run {
        self.run(&mut self.command(args))
    }

    /// Runs `cmd` (made by [`Env::command`], then changed: another directory, more variables)
    /// to completion.
    pub fn run(&self, cmd: &mut std::process::Command) -> Run {
        let out = cmd.output().expect("run lockward");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Replaces the machine-specific parts of `text` (the project directory and the emulator's
    /// URL) so it can be pinned by a snapshot.
    pub fn normalize(&self, text: &str) -> String {
        let dir = self.dir.path().to_string_lossy().into_owned();
        let real = fs::canonicalize(self.dir.path())
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut out = text.replace(&self.emulator.url(), "[EMULATOR]");
        if !real.is_empty() {
            out = out.replace(&real, "[DIR]");
        }
        out.replace(&dir, "[DIR]")
    }
}

/// Seed: one vault without a lock.
pub fn vault(name: &str) -> Value {
    serde_json::json!({"region": "us-east-1", "vault": name})
}

/// Seed: one vault with a lock (`InProgress` or `Locked`) holding `policy`, created at `created`.
pub fn vault_locked(name: &str, state: &str, policy: &str, created: &str) -> Value {
    serde_json::json!({"region": "us-east-1", "vault": name,
        "lock": {"state": state, "policy": policy, "lock_id": format!("LOCK{name}"), "created": created}})
}

/// Seed: a region-level rule; `lock_state` null, "locked", "pending_unlock" or "unlocked".
pub fn rule(id: &str, lock_state: Value, unlock_delay_days: Option<u16>) -> Value {
    serde_json::json!({"region": "us-east-1", "identifier": id, "resource_type": "EBS_SNAPSHOT",
        "retention_days": 30, "resource_tags": [], "exclude_resource_tags": [],
        "lock_state": lock_state, "unlock_delay_days": unlock_delay_days})
}

/// Seed: a Snowball job in `state`, created at `created`, with `code`.
pub fn job(id: &str, state: &str, created: &str, code: &str) -> Value {
    serde_json::json!({"region": "us-east-1", "job_id": id, "state": state, "created": created, "unlock_code": code})
}

/// The digest (64 hex digits, no `sha256:` prefix) of what `lockward plan` decides now, for
/// `apply --approve`.
pub fn plan_digest(env: &Env) -> String {
    let run = env.lockward(&["plan", "--format", "json"]);
    let plan: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "plan --format json printed no JSON ({e}):\n{}\n{}",
            run.stdout, run.stderr
        )
    });
    plan["digest"]
        .as_str()
        .expect("a digest")
        .trim_start_matches("sha256:")
        .to_string()
}

/// Runs the binary as [`Env::lockward`] does, under the file-creation mask `umask` (e.g. 0 to
/// check that lockward sets file modes itself rather than relying on the caller's umask).
pub fn with_umask(env: &Env, umask: u32, args: &[&str]) -> Run {
    let inner = env.command(args);
    let mut cmd = std::process::Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(format!("umask {umask:03o} && exec \"$0\" \"$@\""))
        .arg(inner.get_program())
        .args(inner.get_args())
        .current_dir(env.dir())
        .env_clear()
        .stdin(std::process::Stdio::null());
    for (key, value) in inner.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    let out = cmd.output().expect("run lockward under sh");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The Snowball job of [`project_of_every_kind`].
pub const SAMPLE_JOB: &str = "JID123e4567-e89b-12d3-a456-426655440000";

/// A project with one resource of each kind, each needing a change: a vault without a lock
/// (`glacier_vault_lock.audit`, locked wanted), a rule never locked (`rbin_rule_lock.snapshots`),
/// and [`SAMPLE_JOB`] with the customer, whose unlock code is `code`
/// (`snowball_unlock_code.site_a`, delivered to `secrets/site-a.code`; `secrets/` is 0700).
pub fn project_of_every_kind(code: &str) -> Env {
    let env = Env::new();
    env.seed(serde_json::json!({
        "glacier": [vault("audit-logs")],
        "rbin": [rule("a1B2c3D4e5F", Value::Null, None)],
        "snowball": [job(SAMPLE_JOB, "WithCustomer", "2026-11-01T00:00:00Z", code)],
    }));
    env.config(&format!(
        "glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    \
         state: locked\nrbin_rule_lock:\n  snapshots:\n    rule_id: a1B2c3D4e5F\n    state: locked\n    \
         unlock_delay_days: 7\nsnowball_unlock_code:\n  site_a:\n    job_id: {SAMPLE_JOB}\n    \
         deliver_to: secrets/site-a.code\n"
    ));
    fs::create_dir(env.path("secrets")).unwrap();
    fs::set_permissions(env.path("secrets"), fs::Permissions::from_mode(0o700)).unwrap();
    env
}

/// Runs `lockward apply` on a pseudo-terminal (through `script`), typing `answers`.
pub fn apply_on_a_terminal(env: &Env, answers: &str) -> Run {
    on_a_terminal(env, "apply", "", answers, |_| {})
}

/// Whether `text` ends in one of apply's questions: typing an address back, or `yes`.
fn asks(text: &str) -> usize {
    text.matches("to confirm: ").count() + text.matches("is accepted: ").count()
}

/// Runs `lockward {command}` (a shell command line: redirections work) on a pseudo-terminal,
/// typing `type_ahead` at once (before any question
/// can have been shown), then each line of `answers` only once its question is on the screen,
/// after `at_question(n)` (n from 0) has run: that is where a test changes the world while a
/// person reads. Bounded: a question that never comes fails the test after 60 s.
pub fn on_a_terminal(
    env: &Env,
    command: &str,
    type_ahead: &str,
    answers: &str,
    mut at_question: impl FnMut(usize),
) -> Run {
    use std::io::{Read, Write};
    let template = env.command(&["apply"]);
    let mut cmd = std::process::Command::new("script");
    cmd.args([
        "-qec",
        &format!("{} {command}", env!("CARGO_BIN_EXE_lockward")),
        "/dev/null",
    ])
    .current_dir(env.dir())
    .env_clear()
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    for (k, v) in template.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let mut child = cmd.spawn().expect("run script");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(type_ahead.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let mut shown = Vec::new();
    'answers: for (n, answer) in answers.lines().enumerate() {
        while asks(&String::from_utf8_lossy(&shown)) <= n {
            match rx.recv_timeout(std::time::Duration::from_secs(60)) {
                Ok(chunk) => shown.extend(chunk),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break 'answers,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    panic!(
                        "question {} never came; shown so far:\n{}",
                        n + 1,
                        String::from_utf8_lossy(&shown)
                    );
                }
            }
        }
        at_question(n);
        if stdin.write_all(format!("{answer}\n").as_bytes()).is_err() {
            break;
        }
        let _ = stdin.flush();
    }
    drop(stdin);
    let status = child.wait().unwrap();
    reader.join().unwrap();
    shown.extend(rx.try_iter().flatten());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&shown).into_owned(),
        stderr,
    }
}

/// Whether `script` (util-linux) is here to give the binary a pseudo-terminal; says so when not.
pub fn has_script() -> bool {
    let found = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        eprintln!("skipped: no `script` to make a pseudo-terminal with");
    }
    found
}

/// Nothing remembered beyond the state file: the planner's inputs for tests that call it
/// directly.
pub fn recorded(state: &lockward::state::StateFile) -> lockward::plan::Recorded<'_> {
    static EMPTY: std::sync::LazyLock<lockward::plan::history::History> =
        std::sync::LazyLock::new(Default::default);
    lockward::plan::Recorded {
        state,
        history: &EMPTY,
    }
}

/// A target for tests: account 123456789012 in us-east-1, no endpoint.
pub fn test_target() -> lockward::plan::Target {
    lockward::plan::Target {
        identity_endpoint: None,
        account: "123456789012".into(),
        region: "us-east-1".into(),
        endpoint: None,
    }
}

/// Sends `sig` (as `kill` takes it: `-INT`, `-KILL`) to a spawned `lockward`.
#[track_caller]
pub fn signal(child: &std::process::Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("run kill")
        .success();
    assert!(ok, "kill {sig} {}", child.id());
}

/// Waits for a spawned `lockward` and collects what it printed.
pub fn finish(child: std::process::Child) -> Run {
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Waits (bounded) until `what` holds, polling: never a fixed sleep standing in for an event.
#[track_caller]
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "timed out waiting until {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
