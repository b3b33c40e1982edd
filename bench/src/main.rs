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

    // 1. plan of N resources of all kinds.
    let bed = Bed::new(n, Mix::AllKinds, lat)?;
    let (m, requests) = bed.run(
        &bin,
        &["plan", "--parallelism", &p.to_string(), "--format", "json"],
    )?;
    report(
        &format!("plan, {n} resources, {lat} ms, parallelism {p}"),
        &m,
        Some(requests),
        lat,
        p,
        "<= 1.25",
    );

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
    report(
        &format!("apply, {n} reversible actions, {lat} ms, parallelism {p}"),
        &m,
        Some(requests),
        lat,
        p,
        "<= 1.5",
    );

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
    report(&name, &m, Some(requests), lat, p, "completes");

    // 4. scale: N resources, no injected latency.
    let s = args.scale;
    let bed = Bed::new(s, Mix::AllKinds, 0)?;
    let (m, _) = bed.run(&bin, &["validate"])?;
    report(
        &format!("validate, {s} resources"),
        &m,
        None,
        0,
        p,
        "< 0.5 s",
    );
    let (m, requests) = bed.run(
        &bin,
        &["plan", "--parallelism", &p.to_string(), "--format", "json"],
    )?;
    report(
        &format!("plan, {s} resources, no latency"),
        &m,
        Some(requests),
        0,
        p,
        "< 3 s, < 200 MB",
    );
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
        let emulator = lockward_emulator::spawn(EmulatorConfig {
            latency_ms,
            seed: Some(seed),
            ..EmulatorConfig::default()
        })
        .context("could not start the emulator")?;
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("policy.json"), POLICY)?;
        let codes = dir.path().join("codes");
        std::fs::create_dir(&codes)?;
        std::fs::write(
            dir.path().join("lockward.yaml"),
            config_text(&body, &emulator.url()),
        )?;
        Ok(Bed { emulator, dir })
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

fn report(
    name: &str,
    m: &Measured,
    requests: Option<usize>,
    latency_ms: u64,
    parallelism: u16,
    target: &str,
) {
    let (req, ideal, ratio) = match requests {
        Some(r) if latency_ms > 0 => {
            let ideal =
                Duration::from_millis(r.div_ceil(usize::from(parallelism)) as u64 * latency_ms);
            (
                r.to_string(),
                secs(ideal),
                format!("{:.2}", m.wall.as_secs_f64() / ideal.as_secs_f64()),
            )
        }
        Some(r) => (r.to_string(), "-".into(), "-".into()),
        None => ("-".into(), "-".into(), "-".into()),
    };
    let result = if m.code == 0 {
        format!("ok (target {target})")
    } else {
        format!(
            "FAILED, exit {}: {}",
            m.code,
            m.stderr.lines().last().unwrap_or_default()
        )
    };
    println!(
        "{:<52} {:>9} {:>9} {:>9} {:>6} {:>9} {:>9} {:>9}  {result}",
        name,
        secs(m.wall),
        req,
        ideal,
        ratio,
        format!("{:.1} MB", m.max_rss_kib as f64 / 1024.0),
        secs(m.cpu),
        secs(m.emulator_cpu)
    );
}

fn cpu_of(usage: &libc::rusage) -> Duration {
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// CPU time of this process so far (all threads: the emulator's included).
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
