//! What goes to stderr besides errors: notes (`say`), logs (`tracing`) and progress spinners,
//! set once per process from `--verbose` / `--quiet` and whether stderr is a terminal.

use std::sync::OnceLock;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::environment;

#[derive(Clone, Copy, Debug, Default)]
struct Settings {
    quiet: bool,
    /// Spinners are drawn: stderr is a terminal and not `--quiet`.
    progress: bool,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Sets up stderr for this process: the tracing subscriber (lockward's warnings by default;
/// `-v` adds its info and the AWS SDK's warnings, `-vv` debug detail, `-vvv` the SDK's debug
/// detail and lockward's trace; `-q` only errors), and whether notes and spinners show. Call once, before any command runs; later
/// calls change nothing.
pub fn init(verbose: u8, quiet: bool) {
    let progress = !quiet && environment::stderr_terminal();
    if SETTINGS.set(Settings { quiet, progress }).is_err() {
        return;
    }
    let filter = log_directives(verbose, quiet);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(environment::stderr_color())
        .with_target(verbose >= 2)
        .without_time()
        .try_init();
}

/// The tracing directives for a verbosity. Only lockward's own events ever go to `trace`:
/// at trace the AWS SDK and the HTTP stack log response bodies, and GetJobUnlockCode's response
/// is the unlock code itself, which must never reach a log.
fn log_directives(verbose: u8, quiet: bool) -> &'static str {
    match (quiet, verbose) {
        (true, _) => "lockward=error",
        (false, 0) => "lockward=warn",
        (false, 1) => "warn,lockward=info",
        (false, 2) => "info,lockward=debug",
        (false, _) => "debug,lockward=trace",
    }
}

/// stdout, buffered: a plan or report is written in a few large writes, not one per line
/// (Rust's stdout flushes at every newline, which made a 1,000-resource JSON plan 36,000 write
/// calls). Commands flush it before every note they put on stderr, so the order is kept.
pub fn stdout() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock())
}

fn settings() -> Settings {
    SETTINGS.get().copied().unwrap_or_default()
}

/// Whether `--quiet` was given: notes are not shown.
pub fn quiet() -> bool {
    settings().quiet
}

/// A spinner on stderr while something slow runs; drawn only on a terminal and without
/// `--quiet`, otherwise it does nothing at all. Lines printed meanwhile go through
/// [`Spinner::println`] so they do not tear it.
pub struct Spinner(ProgressBar);

impl Spinner {
    pub fn start(message: impl Into<String>) -> Spinner {
        let bar = if settings().progress {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        } else {
            ProgressBar::hidden()
        };
        bar.set_message(message.into());
        Spinner(bar)
    }

    pub fn set_message(&self, message: impl Into<String>) {
        self.0.set_message(message.into());
    }

    /// Runs `f` (which may write to stderr) with the spinner out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.0.suspend(f)
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// A line for the person at the terminal, on stderr (stdout carries only data).
/// Not shown with `--quiet`.
pub fn say(text: impl std::fmt::Display) {
    use std::io::Write;
    if quiet() {
        return;
    }
    // Progress lines may quote AWS's answers and the config's names: shown escaped.
    let text = text.to_string();
    let _ = writeln!(anstream::stderr(), "{}", crate::render::escape::text(&text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lockward_ever_logs_at_trace_and_by_default_only_lockward_logs() {
        for verbose in 0..=5 {
            for quiet in [false, true] {
                let directives = log_directives(verbose, quiet);
                for d in directives.split(',') {
                    assert!(
                        d.starts_with("lockward=") || !d.contains("trace"),
                        "{directives}"
                    );
                    assert!(d != "trace", "{directives}");
                }
            }
        }
        assert!(log_directives(0, false)
            .split(',')
            .all(|d| d.starts_with("lockward=")));
        assert!(log_directives(3, true)
            .split(',')
            .all(|d| d.starts_with("lockward=")));
    }
}
