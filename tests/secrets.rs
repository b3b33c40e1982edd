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

/// `-vvv` (everything, the AWS SDK's own logs included) where this lockward has `--verbose`;
/// otherwise nothing, and the default logging is what is scanned.
fn most_verbose(env: &Env) -> &'static str {
    if env.lockward(&["apply", "-vvv", "--help"]).code == 0 {
        "-vvv"
    } else {
        ""
    }
}

#[test]
fn the_unlock_code_appears_nowhere_but_in_its_file() {
    let env = project_of_every_kind(CODE);

    let digest = plan_digest(&env);
    let v = most_verbose(&env);
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
    ];
    for (args, code) in &runs {
        let args: Vec<&str> = args.iter().copied().filter(|a| !a.is_empty()).collect();
        let run = env.lockward(&args);
        run.code(*code);
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

#[test]
fn the_demo_never_shows_its_unlock_code() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("demo");
    let env = Env::new();
    let v = most_verbose(&env);
    let args: Vec<&str> = ["demo", "--dir", dir.to_str().unwrap(), v]
        .into_iter()
        .filter(|a| !a.is_empty())
        .collect();
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
