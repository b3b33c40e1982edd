//! `lockward demo`: plan and apply against the embedded emulator, seeded with a small sample
//! account, so anyone can see lockward work without an AWS account.

use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use jiff::Timestamp;
use serde_json::json;

use crate::apply::confirm::{Confirm, Refusal, Terminal};
use crate::cli::{ApplyArgs, ConfigArg, DemoArgs, PlanArgs, StateArg};
use crate::plan::Plan;
use crate::render::Format;
use crate::vocabulary::Kind;

use crate::output::say;
use crate::project::Session;

pub fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let mut session = Session::from_environment()?;
    let (_temp, dir) = match &args.dir {
        Some(dir) => {
            prepare_dir(dir)?;
            (None, dir.clone())
        }
        None => {
            let temp = tempfile::Builder::new()
                .prefix("lockward-demo-")
                .tempdir()
                .context("could not create a temporary directory")?;
            let path = temp.path().to_path_buf();
            (Some(temp.keep()), path)
        }
    };
    // Each step below enters the config's directory: name it so it stays found.
    let dir =
        std::path::absolute(&dir).with_context(|| format!("cannot resolve {}", dir.display()))?;
    let emulator = lockward_emulator::spawn(lockward_emulator::EmulatorConfig::default())
        .context("could not start the embedded emulator")?;
    let now = emulator.now();
    emulator
        .seed(seed(now))
        .map_err(|e| anyhow::anyhow!("could not seed the emulator: {e}"))?;
    session.now = now;
    session.client_options.static_credentials =
        Some(("AKIDLOCKWARDDEMO".into(), "lockward-demo-secret".into()));
    let config_path = write_config(&dir, &emulator.url())?;
    // Whatever becomes of the demo, the directory says what it wrote, so the next demo there
    // may replace it (and nothing else).
    let ran = show(&dir, &config_path, &emulator.url(), &session);
    let marked = mark_dir(&dir);
    ran?;
    marked?;
    Ok(ExitCode::SUCCESS)
}

fn show(dir: &Path, config_path: &Path, url: &str, session: &Session) -> anyhow::Result<()> {
    say(format_args!(
        "lockward demo: an AWS emulator is running at {url} with a sample account (vaults, Recycle Bin rules, Snowball jobs, Backup vaults, S3 buckets, EBS snapshots).\nThe configuration is {}.\n",
        config_path.display()
    ));
    let mut out = std::io::stdout().lock();
    let config = ConfigArg {
        config: config_path.to_path_buf(),
    };
    let plan_args = |format| PlanArgs {
        config: ConfigArg {
            config: config.config.clone(),
        },
        state: StateArg { state: None },
        out: None,
        format,
        detailed_exitcode: false,
        allow_incomplete: false,
        target: Vec::new(),
        exclude: Vec::new(),
        parallelism: 10,
    };

    say(format_args!("$ lockward plan -c {}", config_path.display()));
    super::plan::run_with(&plan_args(Format::Human), session, &mut out)?;

    say(format_args!(
        "\n$ lockward apply -c {}",
        config_path.display()
    ));
    say("(the demo answers the confirmation prompts itself, as a reviewer would type them)");
    let apply_args = ApplyArgs {
        config: ConfigArg {
            config: config_path.to_path_buf(),
        },
        state: StateArg { state: None },
        plan_file: None,
        approve: None,
        auto_approve: false,
        target: Vec::new(),
        reason: None,
        exclude: Vec::new(),
        parallelism: 10,
        lock_timeout: Default::default(),
    };
    let mut confirm = DemoConfirm;
    super::apply::run_with(&apply_args, session, &mut confirm, &mut out)?;

    say(format_args!(
        "\n$ lockward plan -c {}",
        config_path.display()
    ));
    super::plan::run_with(&plan_args(Format::Human), session, &mut out)?;
    out.flush()?;

    let state = dir.join("lockward.state.json");
    say(format_args!(
        "\nWhat lockward recorded:\n  state file: {}  (lock ids, fingerprints; never a secret)\n  journal:    {}  (every mutating call, before and after, with who made it)\n  unlock code: {}  (mode 0600; only its fingerprint is recorded)\n\nThe emulator stops when the demo exits; the files stay in {}. They need no AWS to look at:\n  lockward show --state {} --format markdown    # what lockward remembers\n  lockward validate -c {}\nTo plan against your own account, write a lockward.yaml (see examples/) and run `lockward plan`.",
        state.display(),
        dir.join("lockward.state.json.journal.jsonl").display(),
        dir.join("secrets/site-a.code").display(),
        dir.display(),
        state.display(),
        config_path.display()
    ));
    Ok(())
}

/// The file in a demo directory that lists what the demo wrote there, one relative path a
/// line: a directory holding it and nothing else is an earlier demo, which the next replaces.
const MARKER: &str = ".lockward-demo";

/// Makes `dir` ready for the demo: a new or empty directory is used as it is; one that holds
/// exactly an earlier demo (what its [`MARKER`] lists) is emptied of it; anything else (a real
/// project's config, state or codes, a symlink) is refused, and nothing is changed.
fn prepare_dir(dir: &Path) -> anyhow::Result<()> {
    let refuse = |why: String| {
        anyhow::anyhow!(
            "refusing to run the demo in {}: {why}; nothing was written\nhint: pass --dir a new \
             or empty directory (the demo writes a config, a state, a journal and an unlock \
             code there)",
            dir.display()
        )
    };
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            use std::os::unix::fs::DirBuilderExt;
            return fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("could not create {}", dir.display()));
        }
        Err(e) => return Err(e).with_context(|| format!("could not inspect {}", dir.display())),
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(refuse(
                "it is a symbolic link, and lockward never writes through one".to_string(),
            ))
        }
        Ok(meta) if !meta.is_dir() => return Err(refuse("it is not a directory".to_string())),
        Ok(_) => {}
    }
    let found = entries(dir)?;
    if found.is_empty() {
        return Ok(());
    }
    let marker = dir.join(MARKER);
    let listed: Vec<PathBuf> = match crate::files::read_regular(&marker) {
        Ok(bytes) => String::from_utf8_lossy(&bytes)
            .lines()
            .map(PathBuf::from)
            .collect(),
        Err(_) => {
            return Err(refuse(format!(
                "it holds files that no earlier demo wrote ({})",
                shown(&found)
            )))
        }
    };
    let foreign: Vec<PathBuf> = found
        .iter()
        .filter(|p| p.as_path() != Path::new(MARKER) && !listed.contains(p))
        .cloned()
        .collect();
    if !foreign.is_empty() {
        return Err(refuse(format!(
            "it holds an earlier demo and files the demo did not write ({})",
            shown(&foreign)
        )));
    }
    // Deepest first, so each directory is empty when it is removed.
    let mut doomed = found;
    doomed.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    for rel in doomed {
        let path = dir.join(&rel);
        let meta = fs::symlink_metadata(&path)?;
        if meta.is_dir() {
            fs::remove_dir(&path)
        } else {
            fs::remove_file(&path)
        }
        .with_context(|| format!("could not remove {} of the earlier demo", path.display()))?;
    }
    Ok(())
}

/// Writes the [`MARKER`] of `dir`: everything in it now.
fn mark_dir(dir: &Path) -> anyhow::Result<()> {
    let marker = dir.join(MARKER);
    let mut text = String::new();
    for rel in entries(dir)? {
        if rel != Path::new(MARKER) {
            text.push_str(&rel.to_string_lossy());
            text.push('\n');
        }
    }
    let _ = fs::remove_file(&marker);
    crate::files::write_new(&marker, text.as_bytes(), crate::files::Purpose::Demo)
        .with_context(|| format!("could not write {}", marker.display()))
}

/// Every file and directory under `dir`, relative to it, without following symlinks.
fn entries(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        let read = fs::read_dir(dir.join(&rel))
            .with_context(|| format!("could not read {}", dir.join(&rel).display()))?;
        for entry in read {
            let entry = entry?;
            let path = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                pending.push(path.clone());
            }
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

fn shown(paths: &[PathBuf]) -> String {
    let mut names: Vec<String> = paths
        .iter()
        .take(5)
        .map(|p| p.display().to_string())
        .collect();
    if paths.len() > 5 {
        names.push(format!("and {} more", paths.len() - 5));
    }
    names.join(", ")
}

/// Answers the terminal prompts the way a careful reviewer would, and shows them.
struct DemoConfirm;

impl Confirm for DemoConfirm {
    fn approval(&self) -> crate::apply::journal::Approval {
        crate::apply::journal::Approval::Typed
    }

    fn waited(&self) -> bool {
        true
    }

    fn confirm(&mut self, plan: &Plan) -> Result<(), Refusal> {
        let mut answers = String::new();
        for answer in crate::apply::confirm::answers_for(plan) {
            answers.push_str(&answer);
            answers.push('\n');
        }
        let mut shown = Vec::new();
        let result = Terminal {
            input: Cursor::new(answers.clone()),
            output: &mut shown,
            discard_pending: Box::new(|| {}),
        }
        .confirm(plan);
        // Show each prompt followed by the answer the demo typed.
        let prompts = String::from_utf8_lossy(&shown).into_owned();
        let mut answers = answers.lines();
        for part in prompts.split_inclusive(": ") {
            let ends_prompt = part.ends_with("to confirm: ") || part.ends_with("is accepted: ");
            let _ = write!(anstream::stderr(), "{part}");
            if ends_prompt {
                let _ = writeln!(anstream::stderr(), "{}", answers.next().unwrap_or_default());
            }
        }
        result
    }
}

fn write_config(dir: &Path, url: &str) -> anyhow::Result<PathBuf> {
    // The sample account is also the management account of a small organisation: three
    // production accounts in two regions, reached through one template.
    let mut config = format!(
        "# lockward demo configuration: the embedded emulator stands in for AWS.\nversion: 1\n\
         accounts:\n  production:                 # read from AWS Organizations at every plan\n    \
         organization: {{ provider: default, parents: [{DEMO_UNIT}] }}\n\
         providers:\n  default:\n    region: us-east-1\n    endpoint_url: {url}\n  \
         org:                        # one provider per production account and region\n    \
         for_each: {{ accounts: production, regions: [us-east-1, eu-west-1] }}\n    \
         endpoint_url: {url}\n    assume_role: \"arn:aws:iam::${{account}}:role/lockward\"\n"
    );
    for kind in Kind::ALL {
        kind.demo_files(dir)?;
        config.push('\n');
        config.push_str(kind.demo_config());
    }
    let path = dir.join("lockward.yaml");
    crate::files::write_new(&path, config.as_bytes(), crate::files::Purpose::Demo)?;
    Ok(path)
}

/// The organisation unit whose accounts the demo's template reaches.
const DEMO_UNIT: &str = "ou-demo-production";

fn seed(now: Timestamp) -> serde_json::Value {
    let mut seed = serde_json::Map::new();
    seed.insert("account_id".into(), json!("123456789012"));
    for kind in Kind::ALL {
        seed.insert(kind.service().into(), kind.demo_seed(now));
    }
    let members: Vec<serde_json::Value> = ["111111111111", "222222222222", "333333333333"]
        .iter()
        .enumerate()
        .map(|(i, id)| json!({"id": id, "name": format!("production-{}", i + 1), "parent": DEMO_UNIT}))
        .chain([json!({"id": "123456789012", "name": "management"})])
        .collect();
    seed.insert(
        "organizations".into(),
        json!({"id": "o-lockwarddemo", "management_account": "123456789012",
               "ous": [{"id": DEMO_UNIT, "name": "production"}], "accounts": members}),
    );
    serde_json::Value::Object(seed)
}
