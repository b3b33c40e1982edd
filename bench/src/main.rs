//! `lockward-bench`: runs `lockward plan` and `lockward apply` as a user would (the release
//! binary, a fresh process each time) against the emulator with N resources and injected
//! latency, and prints wall time, API requests, the ideal time that latency and parallelism
//! allow, their ratio, and peak memory. See README.md, "Performance".

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use lockward_bench::{config_text, project, Mix, POLICY};
use lockward_emulator::{Emulator, EmulatorConfig};
use serde_json::{json, Value};

mod organization;
mod remote_state;

#[derive(Parser)]
#[command(about = "End-to-end benchmark of lockward plan and apply against the emulator")]
struct Args {
    /// Resources in the plan and apply scenarios.
    #[arg(long, default_value_t = 1000)]
    resources: usize,
    /// Latency the emulator adds to every request, in milliseconds.
    #[arg(long, default_value_t = 20)]
    latency_ms: u64,
    /// lockward's --parallelism.
    #[arg(long, default_value_t = 32)]
    parallelism: u16,
    /// Share of requests the emulator throttles in the throttling scenario.
    #[arg(long, default_value_t = 0.2)]
    throttle_rate: f64,
    /// Resources in the scale scenario (no injected latency).
    #[arg(long, default_value_t = 10_000)]
    scale: usize,
    /// The lockward binary [default: `lockward` beside this benchmark's binary].
    #[arg(long)]
    lockward: Option<PathBuf>,
    /// Member accounts in the organisation scenario.
    #[arg(long, default_value_t = 200)]
    accounts: usize,
    /// Regions in the organisation scenario (1 to 3).
    #[arg(long, default_value_t = 3)]
    regions: usize,
    /// Run only the organisation scenarios.
    #[arg(long)]
    only_organization: bool,
    /// Write the mixed project of --resources resources to DIR (lockward.yaml pointing at
    /// http://127.0.0.1:4566, seed.json for `lockward-emulator --seed`, the policy file) and
    /// exit, to look at one plan closely (`-vv`, a profiler).
    #[arg(long, value_name = "DIR")]
    write_project: Option<PathBuf>,
}

/// One run of the binary.
struct Measured {
    wall: Duration,
    /// User + system CPU time of the lockward process.
    cpu: Duration,
    /// CPU time this benchmark process (the emulator, above all) spent meanwhile.
    emulator_cpu: Duration,
    max_rss_kib: i64,
    code: i32,
    stdout: String,
    stderr: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(dir) = &args.write_project {
        let (body, seed) = project(args.resources, Mix::AllKinds);
        std::fs::create_dir_all(dir.join("codes"))?;
        std::fs::write(dir.join("policy.json"), POLICY)?;
        std::fs::write(dir.join("seed.json"), serde_json::to_vec_pretty(&seed)?)?;
        std::fs::write(
            dir.join("lockward.yaml"),
            config_text(&body, "http://127.0.0.1:4566"),
        )?;
        println!(
            "wrote {}: run `lockward-emulator --seed {}/seed.json --latency-ms {}`, then lockward plan in it",
            dir.display(),
            dir.display(),
            args.latency_ms
        );
        return Ok(());
    }
    let bin = match &args.lockward {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("lockward"),
    };
    if !bin.exists() {
        bail!(
            "no lockward binary at {}\nhint: build both first: cargo build --release -p lockward -p lockward-bench",
            bin.display()
        );
    }
    println!(
        "lockward benchmark: {} cores, {}; binary {}",
        cores(),
        cpu_model(),
        bin.display()
    );
    println!(
        "{:<52} {:>9} {:>9} {:>9} {:>6} {:>9} {:>9} {:>9}  result",
        "scenario", "wall", "requests", "ideal", "ratio", "max RSS", "CPU", "emu CPU"
    );

    let (n, lat, p) = (args.resources, args.latency_ms, args.parallelism);
    let mut missed = Vec::new();

    // 0. An organisation: accounts × regions instances of two resources from one template.
    let (a, r) = (args.accounts, args.regions);
    let bed = organization::bed(a, r, lat)?;
    let pp = p.to_string();
    let (m, requests) = bed.run(&bin, &["plan", "--parallelism", &pp, "--format", "json"])?;
    let found = organization::instances(&m.stdout);
    missed.extend(report(
        &format!("plan, {a} accounts × {r} regions ({found} instances)"),
        &m,
        Some(requests),
        lat,
        p,
        Target::Ratio(1.3),
    ));
    missed.extend(report(
        "  the same, peak memory",
        &m,
        None,
        0,
        p,
        Target::Within {
            wall_secs: f64::INFINITY,
            rss_mb: Some(200.0),
        },
    ));
    let (m, requests) = bed.run(&bin, &["report", "--parallelism", &pp, "--format", "json"])?;
    missed.extend(report(
        &format!("report, {a} accounts × {r} regions, discovery"),
        &m,
        Some(requests),
        lat,
        p,
        Target::Ratio(1.5),
    ));
    let (m, _) = bed.run(
        &bin,
        &[
            "plan",
            "--parallelism",
            &pp,
            "--format",
            "markdown",
            "--allow-incomplete",
        ],
    )?;
    let (bytes, incomplete) = organization::markdown_size(&m.stdout);
    println!(
        "  Markdown plan of the organisation: {bytes} bytes (budget 61,440){}",
        if incomplete { ", INCOMPLETE" } else { "" }
    );
    if bytes > 61_440 || incomplete {
        missed.push(format!(
            "the organisation's Markdown plan: {bytes} bytes{}",
            if incomplete { ", incomplete" } else { "" }
        ));
    }
    if args.only_organization {
        return finish(missed);
    }

    // 1. plan of N resources of all kinds.
    let bed = Bed::new(n, Mix::AllKinds, lat)?;
    let (m, requests) = bed.run(
        &bin,
        &["plan", "--parallelism", &p.to_string(), "--format", "json"],
    )?;
    missed.extend(report(
        &format!("plan, {n} resources, {lat} ms, parallelism {p}"),
        &m,
        Some(requests),
        lat,
        p,
        Target::Ratio(1.25),
    ));

    // 2. apply of N reversible actions (initiate_lock), approved by digest.
    let bed = Bed::new(n, Mix::ReversibleInitiates, lat)?;
    let (planned, _) = bed.run(
        &bin,
        &["plan", "--parallelism", &p.to_string(), "--format", "json"],
    )?;
    let digest = serde_json::from_str::<Value>(&planned.stdout)
        .ok()
        .and_then(|v| v["digest"].as_str().map(str::to_string))
        .with_context(|| format!("the plan before apply failed: {}", planned.stderr))?;
    let (m, requests) = bed.run(
        &bin,
        &[
            "apply",
            "--approve",
            &digest,
            "--parallelism",
            &p.to_string(),
        ],
    )?;
    missed.extend(report(
        &format!("apply, {n} reversible actions, {lat} ms, parallelism {p}"),
        &m,
        Some(requests),
        lat,
        p,
        Target::Ratio(1.5),
    ));

    // 2b. the same apply with the state in S3 (`backend: s3`).
    let bed = remote_state::s3_bed(n, lat)?;
    let (m, requests) = remote_state::apply_by_digest(&bed, &bin, p)?;
    missed.extend(report(
        &format!("apply, {n} reversible actions, S3 state backend"),
        &m,
        Some(requests),
        lat,
        p,
        Target::Ratio(1.5),
    ));

    // 3. plan with 20% of requests throttled.
    let bed = Bed::new(n, Mix::AllKinds, lat)?;
    bed.emulator
        .set_faults(json!({"rules": [{"operation": "*", "kind": "throttle", "rate": args.throttle_rate}], "seed": 7}))
        .map_err(anyhow::Error::msg)?;
    let (m, requests) = bed.run(
        &bin,
        &["plan", "--parallelism", &p.to_string(), "--format", "json"],
    )?;
    let name = format!(
        "plan, {n} resources, {:.0}% throttled",
        args.throttle_rate * 100.0
    );
    missed.extend(report(&name, &m, Some(requests), lat, p, Target::Completes));

    // 4. scale: N resources, no injected latency.
    let s = args.scale;
    let bed = Bed::new(s, Mix::AllKinds, 0)?;
    let (m, _) = bed.run(&bin, &["validate"])?;
    missed.extend(report(
        &format!("validate, {s} resources"),
        &m,
        None,
        0,
        p,
        Target::Within {
            wall_secs: 0.5,
            rss_mb: None,
        },
    ));
    let (m, requests) = bed.run(
        &bin,
        &["plan", "--parallelism", &p.to_string(), "--format", "json"],
    )?;
    missed.extend(report(
        &format!("plan, {s} resources, no latency"),
        &m,
        Some(requests),
        0,
        p,
        Target::Within {
            wall_secs: 3.0,
            rss_mb: Some(200.0),
        },
    ));
    finish(missed)
}

fn finish(missed: Vec<String>) -> anyhow::Result<()> {
    if !missed.is_empty() {
        bail!(
            "{} of the scenarios MISSED their target:\n  {}",
            missed.len(),
            missed.join("\n  ")
        );
    }
    Ok(())
}

/// An emulator seeded with a generated project, and the project's directory.
struct Bed {
    emulator: Emulator,
    dir: tempfile::TempDir,
}

impl Bed {
    fn new(n: usize, mix: Mix, latency_ms: u64) -> anyhow::Result<Bed> {
        let (body, seed) = project(n, mix);
        let Bed { emulator, dir } = Bed::seeded(seed, latency_ms)?;
        std::fs::write(dir.path().join("policy.json"), POLICY)?;
        let codes = dir.path().join("codes");
        std::fs::create_dir(&codes)?;
        std::fs::write(
            dir.path().join("lockward.yaml"),
            config_text(&body, &emulator.url()),
        )?;
        Ok(Bed { emulator, dir })
    }

    /// An emulator seeded with `seed`, with `latency_ms` on every request, and an empty
    /// project directory.
    fn seeded(seed: Value, latency_ms: u64) -> anyhow::Result<Bed> {
        let emulator = lockward_emulator::spawn(EmulatorConfig {
            latency_ms,
            seed: Some(seed),
            ..EmulatorConfig::default()
        })
        .context("could not start the emulator")?;
        Ok(Bed {
            emulator,
            dir: tempfile::tempdir()?,
        })
    }

    /// Runs lockward in the project, returning the measurement and the API requests it made.
    fn run(&self, bin: &Path, args: &[&str]) -> anyhow::Result<(Measured, usize)> {
        let before = self.requests();
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("AWS_ACCESS_KEY_ID", "AKIDLOCKWARDBENCH")
            .env("AWS_SECRET_ACCESS_KEY", "lockward-bench")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", self.dir.path().join("absent"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.dir.path().join("absent"),
            )
            .env("LOCKWARD_NOW", self.emulator.now().to_string())
            .env("NO_COLOR", "1");
        let own_before = own_cpu();
        let mut m = measure(&mut cmd)?;
        m.emulator_cpu = own_cpu().saturating_sub(own_before);
        Ok((m, self.requests() - before))
    }

    fn requests(&self) -> usize {
        self.emulator.calls().as_array().map_or(0, Vec::len)
    }
}

/// Runs `cmd` to completion, measuring wall time and the child's peak RSS.
#[allow(
    unsafe_code,
    reason = "wait4 is the only way to read the child's rusage"
)]
fn measure(cmd: &mut Command) -> anyhow::Result<Measured> {
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut out = child.stdout.take().context("stdout")?;
    let mut err = child.stderr.take().context("stderr")?;
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data that wait4 fills in; the child is ours and not yet
    // reaped (std's Child is never waited on after this).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    if rc != pid {
        bail!(
            "could not wait for lockward: {}",
            std::io::Error::last_os_error()
        );
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ok(Measured {
        wall,
        cpu: cpu_of(&usage),
        emulator_cpu: Duration::ZERO,
        max_rss_kib: usage.ru_maxrss,
        code,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    })
}

/// What a scenario must achieve.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// Wall time at most this many times the ideal that latency and parallelism allow.
    Ratio(f64),
    /// Exit 0, however long it takes.
    Completes,
    /// Wall time under `wall_secs`, and peak memory under `rss_mb` when given.
    Within { wall_secs: f64, rss_mb: Option<f64> },
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Ratio(max) => write!(f, "ratio <= {max}"),
            Target::Completes => f.write_str("completes"),
            Target::Within {
                wall_secs,
                rss_mb: None,
            } => write!(f, "< {wall_secs} s"),
            Target::Within {
                wall_secs,
                rss_mb: Some(mb),
            } => write!(f, "< {wall_secs} s, < {mb} MB"),
        }
    }
}

/// Why the figures miss `target`, or `None` when they meet it. A run that failed misses
/// every target; a ratio target without an ideal to compare with (no requests, no latency)
/// is missed too, since nothing shows it was met.
fn missed_by(target: Target, m: &Measured, ratio: Option<f64>) -> Option<String> {
    if m.code != 0 {
        return Some(format!("exit {}", m.code));
    }
    let wall = m.wall.as_secs_f64();
    let rss_mb = m.max_rss_kib as f64 / 1024.0;
    match target {
        Target::Completes => None,
        Target::Ratio(max) => match ratio {
            Some(r) if r <= max => None,
            Some(r) => Some(format!("ratio {r:.2} > {max}")),
            None => Some("no ideal time to compare with".to_string()),
        },
        Target::Within {
            wall_secs,
            rss_mb: max_mb,
        } => {
            let mut why = Vec::new();
            if wall >= wall_secs {
                why.push(format!("wall {wall:.3} s >= {wall_secs} s"));
            }
            if let Some(max_mb) = max_mb {
                if rss_mb >= max_mb {
                    why.push(format!("max RSS {rss_mb:.1} MB >= {max_mb} MB"));
                }
            }
            (!why.is_empty()).then(|| why.join(", "))
        }
    }
}

/// Prints one scenario's figures and whether they meet `target`; returns what was missed.
fn report(
    name: &str,
    m: &Measured,
    requests: Option<usize>,
    latency_ms: u64,
    parallelism: u16,
    target: Target,
) -> Option<String> {
    let (req, ideal, ratio) = match requests {
        Some(r) if latency_ms > 0 => {
            let ideal =
                Duration::from_millis(r.div_ceil(usize::from(parallelism)) as u64 * latency_ms);
            (
                r.to_string(),
                secs(ideal),
                Some(m.wall.as_secs_f64() / ideal.as_secs_f64()),
            )
        }
        Some(r) => (r.to_string(), "-".into(), None),
        None => ("-".into(), "-".into(), None),
    };
    let missed = missed_by(target, m, ratio);
    let result = match &missed {
        None => format!("ok (target {target})"),
        Some(why) if m.code != 0 => format!(
            "MISSED (target {target}): {why}: {}",
            m.stderr.lines().last().unwrap_or_default()
        ),
        Some(why) => format!("MISSED (target {target}): {why}"),
    };
    println!(
        "{:<52} {:>9} {:>9} {:>9} {:>6} {:>9} {:>9} {:>9}  {result}",
        name,
        secs(m.wall),
        req,
        ideal,
        ratio.map_or_else(|| "-".to_string(), |r| format!("{r:.2}")),
        format!("{:.1} MB", m.max_rss_kib as f64 / 1024.0),
        secs(m.cpu),
        secs(m.emulator_cpu)
    );
    missed.map(|why| format!("{name}: {why} (target {target})"))
}

fn cpu_of(usage: &libc::rusage) -> Duration {
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// CPU time of this process so far (all threads: the emulator's included).
#[allow(unsafe_code, reason = "getrusage through libc")]
fn own_cpu() -> Duration {
    // SAFETY: getrusage fills in plain old data.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    cpu_of(&usage)
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(code: i32, wall_ms: u64, rss_mb: i64) -> Measured {
        Measured {
            wall: Duration::from_millis(wall_ms),
            cpu: Duration::ZERO,
            emulator_cpu: Duration::ZERO,
            max_rss_kib: rss_mb * 1024,
            code,
            stdout: String::new(),
            stderr: "error: it broke".into(),
        }
    }

    #[test]
    fn a_ratio_target_is_met_only_at_or_under_its_ratio() {
        let m = measured(0, 1000, 10);
        assert_eq!(missed_by(Target::Ratio(1.25), &m, Some(1.25)), None);
        let why = missed_by(Target::Ratio(1.25), &m, Some(1.26)).unwrap();
        assert!(why.contains("1.26 > 1.25"), "{why}");
        assert!(missed_by(Target::Ratio(1.25), &m, None).is_some());
    }

    #[test]
    fn a_time_and_memory_target_is_missed_by_either() {
        let target = Target::Within {
            wall_secs: 3.0,
            rss_mb: Some(200.0),
        };
        assert_eq!(missed_by(target, &measured(0, 2999, 199), None), None);
        assert!(missed_by(target, &measured(0, 3000, 10), None)
            .unwrap()
            .contains("wall"));
        assert!(missed_by(target, &measured(0, 10, 200), None)
            .unwrap()
            .contains("max RSS"));
    }

    #[test]
    fn a_failed_run_misses_every_target_even_completes() {
        for target in [
            Target::Completes,
            Target::Ratio(10.0),
            Target::Within {
                wall_secs: 100.0,
                rss_mb: None,
            },
        ] {
            assert!(missed_by(target, &measured(1, 1, 1), Some(0.1)).is_some());
        }
        assert_eq!(
            missed_by(Target::Completes, &measured(0, 60_000, 900), None),
            None
        );
    }
}
