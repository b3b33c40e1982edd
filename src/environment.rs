//! The one place lockward reads its own environment variables, the clock, and asks about
//! terminals. (The AWS SDK reads the standard AWS variables itself.) Clippy's
//! `disallowed-methods` (clippy.toml) keeps every other module from reading them.
#![allow(clippy::disallowed_methods)]

use std::io::IsTerminal;

use jiff::Timestamp;

/// The time lockward plans at: `LOCKWARD_NOW` (RFC 3339) when set, so that rehearsals against
/// the emulator's virtual clock agree on "now"; otherwise the system clock.
pub fn now() -> Result<Timestamp, String> {
    Ok(clock_override()?.unwrap_or_else(Timestamp::now))
}

/// The OS user's name (`USER`, else `USERNAME`), for the default AssumeRole session name;
/// empty when neither is set.
pub fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default()
}

/// The real time, never moved by `LOCKWARD_NOW`: for what says when something happened on
/// this machine (since when a process holds the state lock).
pub fn wall_clock() -> Timestamp {
    Timestamp::now()
}

/// `LOCKWARD_NOW`, when it is set: the moved clock, which commands accept only against
/// endpoints (an emulator), never against real AWS.
pub fn clock_override() -> Result<Option<Timestamp>, String> {
    match std::env::var("LOCKWARD_NOW") {
        Ok(text) => text
            .parse()
            .map(Some)
            .map_err(|e| format!("LOCKWARD_NOW=`{text}` is not an RFC 3339 time: {e}")),
        Err(_) => Ok(None),
    }
}

/// `LOCKWARD_REASON`: the reason `apply` records when `--reason` is not given. `Err` when it is
/// set but not UTF-8 (refused like any reason that cannot be recorded as given).
pub fn apply_reason() -> Result<Option<String>, String> {
    match std::env::var("LOCKWARD_REASON") {
        Ok(text) => Ok(Some(text)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err("LOCKWARD_REASON is not valid UTF-8".to_string())
        }
    }
}

/// The endpoint the AWS SDK takes from the environment for `service` (its SDK id in
/// lowercase, e.g. `sts`): `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`; `None`
/// when neither is set, or when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true` (the SDK then
/// ignores both).
pub fn endpoint_url(service: &str) -> Option<String> {
    let ignored = std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if ignored {
        return None;
    }
    let specific = format!(
        "AWS_ENDPOINT_URL_{}",
        service.to_ascii_uppercase().replace([' ', '-'], "_")
    );
    let read = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    read(&specific).or_else(|| read("AWS_ENDPOINT_URL"))
}

/// The shared AWS config and credentials files the SDK reads profiles from, for messages:
/// `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` when set, else `~/.aws/config` and
/// `~/.aws/credentials`.
pub fn aws_profile_files() -> (String, String) {
    let file = |var: &str, default: &str| match std::env::var(var) {
        Ok(path) if !path.is_empty() => path,
        _ => default.to_string(),
    };
    (
        file("AWS_CONFIG_FILE", "~/.aws/config"),
        file("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
    )
}

/// Whether colour may be used on stdout: a terminal, and `NO_COLOR` unset or empty.
pub fn stdout_color() -> bool {
    std::io::stdout().is_terminal() && no_color_unset()
}

/// Whether colour may be used on stderr.
pub fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && no_color_unset()
}

/// `--no-color`: no colour anywhere, as with `NO_COLOR` (which the terminal writers read too).
/// Call first thing in `main`, before any thread starts.
pub fn no_color() {
    std::env::set_var("NO_COLOR", "1");
}

fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether stderr is a terminal: progress spinners are drawn only then.
pub fn stderr_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// The terminal a person answers on, opened for reading and writing (`/dev/tty`), when stdin
/// is a terminal: the questions go to the terminal itself, so `apply 2>apply.log` still asks,
/// and a run whose input is not a person's (CI, a pipe, a test) is never asked.
pub fn terminal() -> Option<std::fs::File> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()
}
