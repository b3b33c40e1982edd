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
use crate::kinds::Kind;
use crate::plan::Plan;
use crate::render::Format;

use super::project::{say, Session};

pub fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let mut session = Session::from_environment()?;
    let (_temp, dir) = match &args.dir {
        Some(dir) => {
            fs::create_dir_all(dir)
                .with_context(|| format!("could not create {}", dir.display()))?;
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

    say(format_args!(
        "lockward demo: an AWS emulator is running at {} with a sample account (vaults, Recycle Bin rules, Snowball jobs, Backup vaults, S3 buckets).\nThe configuration is {}.\n",
        emulator.url(),
        config_path.display()
    ));
    let mut out = std::io::stdout().lock();
    let config = ConfigArg {
        config: config_path.clone(),
    };
    let plan_args = |format| PlanArgs {
        config: ConfigArg {
            config: config.config.clone(),
        },
        state: StateArg { state: None },
        out: None,
        format,
        detailed_exitcode: false,
        target: Vec::new(),
        parallelism: 10,
    };

    say(format_args!("$ lockward plan -c {}", config_path.display()));
    super::plan::run_with(&plan_args(Format::Human), &session, &mut out)?;

    say(format_args!(
        "\n$ lockward apply -c {}",
        config_path.display()
    ));
    say("(the demo answers the confirmation prompts itself, as a reviewer would type them)");
    let apply_args = ApplyArgs {
        config: ConfigArg {
            config: config_path.clone(),
        },
        state: StateArg { state: None },
        plan_file: None,
        approve: None,
        auto_approve: false,
        target: Vec::new(),
        parallelism: 10,
        lock_timeout: None,
    };
    let mut confirm = DemoConfirm;
    super::apply::run_with(&apply_args, &session, &mut confirm, &mut out)?;

    say(format_args!(
        "\n$ lockward plan -c {}",
        config_path.display()
    ));
    super::plan::run_with(&plan_args(Format::Human), &session, &mut out)?;
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
    Ok(ExitCode::SUCCESS)
}

/// Answers the terminal prompts the way a careful reviewer would, and shows them.
struct DemoConfirm;

impl Confirm for DemoConfirm {
    fn confirm(&mut self, plan: &Plan) -> Result<(), Refusal> {
        let mut answers = String::new();
        for (resource, action) in plan.ready_actions() {
            if action.needs_typed_confirmation() {
                answers.push_str(&format!("{}\n", resource.address));
            }
        }
        answers.push_str("yes\n");
        let mut shown = Vec::new();
        let result = Terminal {
            input: Cursor::new(answers.clone()),
            output: &mut shown,
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
    let mut config = format!(
        "# lockward demo configuration: the embedded emulator stands in for AWS.\nversion: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {url}\n"
    );
    for kind in Kind::ALL {
        kind.demo_files(dir)?;
        config.push('\n');
        config.push_str(kind.demo_config());
    }
    let path = dir.join("lockward.yaml");
    fs::write(&path, config)?;
    Ok(path)
}

fn seed(now: Timestamp) -> serde_json::Value {
    let mut seed = serde_json::Map::new();
    seed.insert("account_id".into(), json!("123456789012"));
    for kind in Kind::ALL {
        seed.insert(kind.service().into(), kind.demo_seed(now));
    }
    serde_json::Value::Object(seed)
}
