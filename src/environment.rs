//! The one place lockward reads its own environment variables and asks about terminals.
//! (The AWS SDK reads the standard AWS variables itself.)

use std::io::IsTerminal;

use jiff::Timestamp;

/// The time lockward plans at: `LOCKWARD_NOW` (RFC 3339) when set, so that rehearsals against
/// the emulator's virtual clock agree on "now"; otherwise the system clock.
pub fn now() -> Result<Timestamp, String> {
    match std::env::var("LOCKWARD_NOW") {
        Ok(text) => text
            .parse()
            .map_err(|e| format!("LOCKWARD_NOW=`{text}` is not an RFC 3339 time: {e}")),
        Err(_) => Ok(Timestamp::now()),
    }
}

/// The endpoint the AWS SDK takes from the environment for `service` (its SDK id, e.g.
/// `glacier`): `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`. `None` when neither is set.
pub fn endpoint_url(service: &str) -> Option<String> {
    let specific = format!(
        "AWS_ENDPOINT_URL_{}",
        service.to_ascii_uppercase().replace([' ', '-'], "_")
    );
    let read = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    read(&specific).or_else(|| read("AWS_ENDPOINT_URL"))
}

/// Whether colour may be used on stdout: a terminal, and `NO_COLOR` unset or empty.
pub fn stdout_color() -> bool {
    std::io::stdout().is_terminal() && no_color_unset()
}

/// Whether colour may be used on stderr.
pub fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && no_color_unset()
}

fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether stderr is a terminal: progress spinners are drawn only then.
pub fn stderr_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Whether a person can be asked on this terminal: stdin and stderr are both terminals.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}
