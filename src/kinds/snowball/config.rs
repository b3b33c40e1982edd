//! The checks of `snowball_unlock_code` blocks: every problem reported where it is (file, line, what to
//! do), and what passed turned into the kind's desired value.

use schemars::JsonSchema;
use serde::Deserialize;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::error::Diagnostic;
use crate::config::validate::*;
use crate::config::yaml::Span;
use crate::kinds::snowball::SnowballDesired;
use crate::kinds::CheckedDesired;
use crate::vocabulary::{Address, Kind};

/// A Snowball job's unlock code, retrieved once and written to a file.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSnowballUnlockCode {
    /// The job id: `JID` or `MID` and a lowercase UUID.
    #[schemars(regex(
        pattern = "^(JID|MID)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    ))]
    pub job_id: String,

    /// The provider to use; `default` when absent.
    #[serde(default)]
    pub provider: Option<String>,

    /// The file the unlock code is written to (mode 0600), relative to this config file's
    /// directory. Never inside the directory of `manifest_path`, never the config or state file.
    #[schemars(length(min = 1))]
    pub deliver_to: String,

    /// The job's manifest file, relative to this config file's directory. Optional; when set,
    /// lockward refuses to deliver the code into the manifest's directory, as AWS advises.
    #[serde(default)]
    pub manifest_path: Option<String>,
}

/// A Snowball job id: `JID` or `MID`, then a lowercase UUID.
pub fn check_job_id(id: &str) -> Check<()> {
    let (prefix, uuid) = id.split_at(
        id.len().min(3).min(
            id.find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(id.len()),
        ),
    );
    let is_uuid = |u: &str| {
        let groups: Vec<&str> = u.split('-').collect();
        groups.len() == 5
            && groups
                .iter()
                .zip([8, 4, 4, 4, 12])
                .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let lowercase = |u: &str| !u.bytes().any(|b| b.is_ascii_uppercase());
    if matches!(prefix, "JID" | "MID") && is_uuid(uuid) && lowercase(uuid) {
        return Ok(());
    }
    let problem = Diagnostic::new(format!(
        "`{id}` is not a Snowball job id: expected JID or MID and a lowercase UUID"
    ));
    Err(if matches!(prefix, "JID" | "MID") && is_uuid(uuid) {
        problem.hint(format!(
            "write the UUID in lowercase: `{prefix}{}`",
            uuid.to_lowercase()
        ))
    } else if is_uuid(id) {
        problem.hint(format!(
            "job ids start with JID: `JID{}`",
            id.to_lowercase()
        ))
    } else {
        problem.hint("job ids look like `JID123e4567-e89b-12d3-a456-426655440000`; see `aws snowball list-jobs`")
    })
}

/// The hint for each required key of a block, when it is missing.
pub(crate) const MISSING_HINTS: &[(&str, &str)] = &[
    (
        "job_id",
        "add `job_id: JID…`; `aws snowball list-jobs` lists them",
    ),
    (
        "deliver_to",
        "add `deliver_to: <file>`: where the unlock code will be written",
    ),
];

/// Checks every `snowball_unlock_code` block, reporting each problem and keeping what passed.
pub(crate) fn check(resources: &[Declared<'_, RawSnowballUnlockCode>], cx: &mut Checker<'_>) {
    let (source, paths) = (cx.source, cx.paths);
    // Snowball unlock codes.
    let state_files_abs = state_files(paths.state_abs);
    let mut deliveries: HashMap<PathBuf, (Address, Span)> = HashMap::new();
    for r in resources {
        let (address, mut problems) = r.resource(Kind::SnowballUnlockCode);
        let subject = address.to_string();
        let Some(raw) = &r.raw else {
            untyped_fields(
                r,
                &[
                    ("job_id", check_job_id),
                    ("deliver_to", check_file_path),
                    ("manifest_path", check_file_path),
                ],
                &mut problems,
            );
            cx.report_all(&subject, problems);
            continue;
        };
        if let Err(e) = check_job_id(&raw.job_id) {
            problems.push((r.value_span("job_id"), e));
        }
        let provider = cx
            .provider_of(raw.provider.as_deref())
            .map_err(|e| problems.push((r.value_span("provider"), e)))
            .ok();
        let deliver_span = r.value_span("deliver_to");
        let deliver_ok = check_file_path(&raw.deliver_to)
            .map_err(|e| problems.push((deliver_span, e)))
            .is_ok();
        let manifest_ok = match raw.manifest_path.as_deref().map(check_file_path) {
            Some(Err(e)) => {
                problems.push((r.value_span("manifest_path"), e));
                false
            }
            _ => true,
        };
        // Relative to the config's directory (as the plan shows it and the digest covers it,
        // whatever directory lockward runs in); the delivery joins it to that directory.
        let deliver_to = resolve_path(Path::new(""), &raw.deliver_to);
        let manifest_path = raw
            .manifest_path
            .as_deref()
            .map(|m| resolve_path(Path::new(""), m));
        if deliver_ok {
            let deliver_abs = normalize_lexically(&paths.dir_abs.join(&raw.deliver_to));
            if deliver_abs == paths.config_abs {
                problems.push((
                    deliver_span,
                    Diagnostic::new("`deliver_to` is the config file itself")
                        .hint("deliver the code to a file of its own, e.g. `secrets/site-a.code`"),
                ));
            } else if state_files_abs.contains(&deliver_abs) {
                problems.push((
                    deliver_span,
                    Diagnostic::new(format!(
                        "`deliver_to` is the state file `{}` or its backup, lock or journal",
                        paths.state.display()
                    ))
                    .hint("deliver the code to a file of its own, e.g. `secrets/site-a.code`"),
                ));
            }
            if let (true, Some(manifest)) = (manifest_ok, &raw.manifest_path) {
                let manifest_abs = normalize_lexically(&paths.dir_abs.join(manifest));
                if let Some(manifest_dir) = manifest_abs.parent() {
                    if deliver_abs.starts_with(manifest_dir) {
                        let shown = Path::new(manifest)
                            .parent()
                            .filter(|p| !p.as_os_str().is_empty())
                            .map_or_else(|| ".".to_string(), |p| p.display().to_string());
                        problems.push((
                            deliver_span,
                            Diagnostic::new(format!("`deliver_to` is inside `{shown}`, the directory of the manifest"))
                                .hint("AWS advises keeping the unlock code and the manifest apart: deliver the code to another directory"),
                        ));
                    }
                }
            }
            if let Some((first, first_span)) = deliveries.get(&deliver_abs) {
                cx.out.diagnostics.push(
                    Diagnostic::new(format!(
                        "`deliver_to` is also where {first} delivers its code"
                    ))
                    .subject(&subject)
                    .at(source, deliver_span)
                    .related(
                        source
                            .snippet(*first_span, Some("first used here"))
                            .secondary(),
                    )
                    .hint("give every unlock code a file of its own"),
                );
            } else {
                deliveries.insert(deliver_abs, (address.clone(), deliver_span));
            }
        }
        if let Some(provider) = &provider {
            if let Some(target) = cx.target_of(provider) {
                let key = format!("{target} {}", raw.job_id);
                if let Some(d) = cx.collide(
                    Kind::SnowballUnlockCode,
                    key,
                    &address,
                    r.key.span,
                    &format!("job `{}`", raw.job_id),
                ) {
                    cx.out.diagnostics.push(d);
                }
            }
        }
        match (problems.is_empty(), provider) {
            (true, Some(provider)) => cx.out.resources.push(Checked {
                address,
                provider,
                desired: CheckedDesired::SnowballUnlockCode(SnowballDesired {
                    job_id: raw.job_id.clone(),
                    deliver_to,
                    manifest_path,
                    base: paths.dir.to_path_buf(),
                }),
            }),
            _ => cx.report_all(&subject, problems),
        }
    }
}
