//! The Snowball unlock code never leaves the file it is delivered to: every command is run over
//! a project whose job has a code, with the most verbose logging, and every byte lockward wrote
//! (stdout, stderr, every file under the project directory but the delivered code file) is
//! searched for the code, with and without its hyphens, in either case.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::*;

/// Distinctive, so that a hit can only be the code.
const CODE: &str = "7QX2M-K9PLR-4TZ8W-BN3HD-6YCFJ";

/// The forms a leaked code could take: as is, without hyphens, lower-cased.
fn forms(code: &str) -> Vec<String> {
    let bare: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    assert_eq!(
        bare.len(),
        25,
        "an unlock code has 25 alphanumerics: {code}"
    );
    vec![
        code.to_string(),
        bare.clone(),
        code.to_ascii_lowercase(),
        bare.to_ascii_lowercase(),
    ]
}

#[track_caller]
fn assert_clean(what: &str, bytes: &[u8], code: &str) {
    let text = String::from_utf8_lossy(bytes);
    for form in forms(code) {
        assert!(
            !text.contains(&form),
            "{what} contains the unlock code (as `{form}`):\n{text}"
        );
    }
}

/// Every regular file under `dir`, recursively, but `except`.
fn files_under(dir: &Path, except: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                todo.push(path);
            } else if path != except {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The most verbose logging: everything, the AWS SDK's own debug logs included.
const MOST_VERBOSE: &str = "-vvv";

/// Asserts that a run at [`MOST_VERBOSE`] that called AWS logged the SDK's own debug lines, so
/// that the scans above it cover what the SDK logs of requests and responses, and a `-vvv` that
/// stopped working cannot pass for a clean one.
#[track_caller]
fn assert_logged_sdk_debug(what: &str, stderr: &str) {
    let sdk_lines = stderr
        .lines()
        .filter(|l| l.contains("DEBUG") && (l.contains("aws_smithy") || l.contains("aws_sdk")))
        .count();
    assert!(
        sdk_lines > 0,
        "`{what}` at {MOST_VERBOSE} logged no AWS SDK debug line:\n{stderr}"
    );
}

#[test]
fn the_unlock_code_appears_nowhere_but_in_its_file() {
    let env = project_of_every_kind(CODE);

    let digest = plan_digest(&env);
    let v = MOST_VERBOSE;
    let runs: Vec<(Vec<&str>, i32)> = vec![
        (vec!["validate", v], 0),
        (vec!["plan", v], 0),
        (vec!["plan", "--format", "json"], 0),
        (vec!["plan", "--format", "markdown"], 0),
        (vec!["plan", "--out", "plan.json", v], 0),
        (vec!["show", "plan.json"], 0),
        (vec!["show", "plan.json", "--format", "json"], 0),
        (vec!["show", "plan.json", "--format", "markdown"], 0),
        (vec!["apply", "plan.json", "--approve", &digest, v], 0),
        (vec!["show", v], 0),
        (vec!["show", "--format", "json"], 0),
        (vec!["show", "--format", "markdown"], 0),
        (vec!["plan", v, "--detailed-exitcode"], 0),
        (vec!["plan", "--format", "json"], 0),
        (vec!["plan", "--format", "markdown"], 0),
        (vec!["report", v], 0),
        (vec!["report", "--format", "markdown", v], 0),
        (vec!["report", "--format", "json", v], 0),
        (vec!["report", "--format", "html", v], 0),
    ];
    for (args, code) in &runs {
        let run = env.lockward(args);
        run.code(*code);
        // Every verbose run but `validate` and `show` (which read only local files) calls AWS.
        if args.contains(&v) && !["validate", "show"].contains(&args[0]) {
            assert_logged_sdk_debug(&args.join(" "), &run.stderr);
        }
        assert_clean(
            &format!("stdout of `lockward {}`", args.join(" ")),
            run.stdout.as_bytes(),
            CODE,
        );
        assert_clean(
            &format!("stderr of `lockward {}`", args.join(" ")),
            run.stderr.as_bytes(),
            CODE,
        );
    }

    // The code was delivered, so the scan above covered a run that held it.
    let code_file = env.path("secrets/site-a.code");
    assert_eq!(fs::read_to_string(&code_file).unwrap(), CODE);
    let files = files_under(env.dir(), &code_file);
    for expected in [
        "lockward.state.json",
        "lockward.state.json.journal.jsonl",
        "plan.json",
    ] {
        assert!(
            files.contains(&env.path(expected)),
            "{expected} was not written: {files:?}"
        );
    }
    for file in &files {
        assert_clean(&file.display().to_string(), &fs::read(file).unwrap(), CODE);
    }
    // The fingerprint, which is what may be shown, is there instead.
    let fingerprint = lockward::digest::sha256(CODE.as_bytes());
    assert!(env.read("lockward.state.json").contains(&fingerprint));
}

/// `import` reads a code file that was delivered outside lockward (to adopt it, it must read
/// it): neither its output nor anything it writes may hold the code, and `report` of what it
/// adopted neither.
#[test]
fn importing_a_delivered_code_never_shows_it() {
    let env = project_of_every_kind(CODE);
    env.write("secrets/site-a.code", CODE);
    let code_file = env.path("secrets/site-a.code");
    let v = MOST_VERBOSE;
    let runs: [&[&str]; 6] = [
        &["import", "snowball_unlock_code.site_a", v],
        &["show", v],
        &["report", v],
        &["report", "--format", "markdown", v],
        &["report", "--format", "json", v],
        &["report", "--format", "html", v],
    ];
    for args in runs {
        let run = env.lockward(args);
        run.success();
        if args[0] != "show" {
            assert_logged_sdk_debug(&args.join(" "), &run.stderr);
        }
        assert_clean(
            &format!("stdout of `lockward {}`", args.join(" ")),
            run.stdout.as_bytes(),
            CODE,
        );
        assert_clean(
            &format!("stderr of `lockward {}`", args.join(" ")),
            run.stderr.as_bytes(),
            CODE,
        );
    }
    // The import did adopt the code, by its fingerprint.
    let fingerprint = lockward::digest::sha256(CODE.as_bytes());
    assert!(
        env.read("lockward.state.json").contains(&fingerprint),
        "import recorded no fingerprint:\n{}",
        env.read("lockward.state.json")
    );
    assert_eq!(fs::read_to_string(&code_file).unwrap(), CODE);
    for file in &files_under(env.dir(), &code_file) {
        assert_clean(&file.display().to_string(), &fs::read(file).unwrap(), CODE);
    }
}

#[test]
fn the_demo_never_shows_its_unlock_code() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("demo");
    let env = Env::new();
    let args = ["demo", "--dir", dir.to_str().unwrap(), MOST_VERBOSE];
    let mut cmd = env.command(&args);
    cmd.env_remove("LOCKWARD_NOW");
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "demo failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let code_file = dir.join("secrets/site-a.code");
    let code = fs::read_to_string(&code_file).expect("the demo delivers a code");
    assert_clean("stdout of `lockward demo`", &out.stdout, &code);
    assert_clean("stderr of `lockward demo`", &out.stderr, &code);
    assert_logged_sdk_debug("demo", &String::from_utf8_lossy(&out.stderr));
    let files = files_under(&dir, &code_file);
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("lockward.state.json.journal.jsonl")),
        "{files:?}"
    );
    for file in &files {
        assert_clean(&file.display().to_string(), &fs::read(file).unwrap(), &code);
    }
}
