//! Loading a config file: read it (refusing what is not a sane config file), type it through
//! the raw serde types, check it (`validate.rs`, pure), then resolve it: read the policy files
//! it names. Problems from every stage are collected and reported together.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::de::{from_node, struct_fields, Issue, IssueKind};
use super::error::{did_you_mean, ConfigError, Diagnostic, Source};
use super::model::{Config, Membership, Policy, PolicyErrorKind, Position, Resource, Sources};
use super::raw::{RawBackend, RawS3Backend};
use super::templates;
use super::validate::{self, check_document, list, Declared, PathContext, PolicyFile, RawDocument};
use super::yaml::{self, Node, Span};
use crate::kinds::Blocks;
use crate::vocabulary::{Address, Kind};

/// Config files larger than this are refused (8 MiB: some 50,000 resources).
pub const MAX_CONFIG_BYTES: u64 = 8 * 1024 * 1024;

/// Policy files larger than this are refused before parsing (a policy is at most 20 KiB
/// once canonical; 1 MiB leaves room for any formatting).
pub const MAX_POLICY_FILE_BYTES: u64 = 1024 * 1024;

/// The state file's name; by default it sits beside the config file.
pub const DEFAULT_STATE_FILE: &str = "lockward.state.json";

/// Loads, checks and resolves the config file at `path`, with the state file at its default
/// place (see [`default_state_path`]).
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    load_with_state(path, &default_state_path(path))
}

/// Like [`load`], for commands that take `--state FILE`: also refuses a `deliver_to` that is
/// that state file (or its backup, lock or journal).
pub fn load_with_state(path: &Path, state: &Path) -> Result<Config, ConfigError> {
    let text = read_config(path)?;
    load_str_with_state(&text, path, state)
}

/// [`load_with_state`], also returning every policy file the config names (resolved as read),
/// for the commands that must never write over a file lockward reads.
pub fn load_with_policy_files(
    path: &Path,
    state: &Path,
) -> Result<(Config, Vec<PathBuf>), ConfigError> {
    let text = read_config(path)?;
    let mut policy_files = Vec::new();
    let config = load_collecting(&text, path, state, &mut policy_files)?;
    Ok((config, policy_files))
}

/// Checks and resolves config text as if it had been read from `path`: relative paths (and
/// policy files, which are read) resolve against `path`'s directory. The state file is at its
/// default place. For tests and fuzzing; never panics.
pub fn load_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
    load_str_with_state(text, path, &default_state_path(path))
}

/// [`load_str`] with the state file at `state`.
pub fn load_str_with_state(text: &str, path: &Path, state: &Path) -> Result<Config, ConfigError> {
    load_collecting(text, path, state, &mut Vec::new())
}

/// [`load_str_with_state`], adding every policy file named to `policy_files`.
fn load_collecting(
    text: &str,
    path: &Path,
    state: &Path,
    policy_files: &mut Vec<PathBuf>,
) -> Result<Config, ConfigError> {
    load_members(text, path, state, policy_files, None)
}

/// `config` loaded again with the members of its account sets read (see
/// [`Config::expand`]): every resource of a template becomes its instances.
pub(crate) fn expand(config: &Config, membership: &Membership) -> Result<Config, ConfigError> {
    let origin = &config.origin;
    load_members(
        &origin.text,
        &config.path,
        &origin.state,
        &mut Vec::new(),
        Some(membership),
    )
}

/// [`load_collecting`], with the members of the account sets read from AWS Organizations
/// (`None`: not read; their templates' resources are planned `unknown`).
fn load_members(
    text: &str,
    path: &Path,
    state: &Path,
    policy_files: &mut Vec<PathBuf>,
    membership: Option<&Membership>,
) -> Result<Config, ConfigError> {
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_large(path, text.len() as u64));
    }
    // A byte order mark is not content (editors do not count it in columns either).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let source = Source::new(path, text);
    if let Some((span, c)) = first_unprintable(text) {
        return Err(ConfigError::one(
            Diagnostic::new(format!(
                "the file contains the control character U+{:04X}, which YAML does not allow",
                u32::from(c)
            ))
            .at(&source, span)
            .hint("remove it (was the file saved by a binary tool?)"),
        ));
    }
    // Anywhere, a comment included: the "Trojan Source" trick hides code in comments.
    if let Some((span, c)) = first_where(text, crate::render::escape::is_bidi_control) {
        return Err(ConfigError::one(
            Diagnostic::new(format!(
                "the file contains {}",
                super::policy::unsafe_character(c)
            ))
            .at(&source, span)
            .hint(super::policy::UNSAFE_CHARACTER_HINT),
        ));
    }
    let tree = yaml::parse(text)
        .map_err(|e| ConfigError::one(issue(e, None, "the config", &source, Span::at(1, 0))))?;
    let mut diagnostics: Vec<Diagnostic> = tree
        .issues
        .into_iter()
        .map(|i| issue(i, None, "the config", &source, Span::at(1, 0)))
        .collect();
    let Some(root) = &tree.root else {
        diagnostics.push(
            Diagnostic::new("the config file is empty")
                .at(&source, Span::at(1, 0))
                .hint("a config starts with `version: 1`; see docs/configuration.md and examples/"),
        );
        return Err(ConfigError::new(diagnostics));
    };
    let Some(entries) = root.entries() else {
        diagnostics.push(
            Diagnostic::new(format!("the config must be a mapping of keys such as `version:` and `glacier_vault_lock:`, not {}", root.describe()))
                .at(&source, root.span)
                .hint("a config starts with `version: 1`; see docs/configuration.md and examples/"),
        );
        return Err(ConfigError::new(diagnostics));
    };

    let dir = config_dir(path);
    let mut providers = Vec::new();
    let mut account_sets = Vec::new();
    let mut backend_declared = None;
    let mut kind_sections: Vec<(Kind, &Node)> = Vec::new();
    let mut version_seen = false;
    let mut sections = BTreeMap::new();
    let mut declared_at = BTreeMap::new();
    for (key, value) in entries {
        let Some(name) = key.as_str() else { continue };
        if let Ok(kind) = name.parse::<Kind>() {
            sections
                .entry(kind)
                .or_insert_with(|| Position::of(key.span));
            for (block, _) in value.entries().unwrap_or_default() {
                if let Some(block_name) = block.as_str() {
                    declared_at
                        .entry(Address::new(kind, block_name))
                        .or_insert_with(|| Position::of(block.span));
                }
            }
            kind_sections.push((kind, value));
            continue;
        }
        match name {
            "version" => {
                version_seen = true;
                match from_node::<i64>(value, Some(key.span)) {
                    Ok(1) => {}
                    Ok(v) => diagnostics.push(
                        Diagnostic::new(format!("unsupported config version {v}"))
                            .at(&source, value.span)
                            .hint("this lockward reads `version: 1`"),
                    ),
                    Err(issues) => diagnostics.extend(issues.into_iter().map(|mut i| {
                        i.key.get_or_insert_with(|| "version".to_string());
                        issue(i, None, "the config", &source, value.span)
                    })),
                }
            }
            "providers" => providers.extend(section(name, value, &source, &mut diagnostics)),
            "accounts" => account_sets.extend(section(name, value, &source, &mut diagnostics)),
            "backend" => {
                if let Some(declared) = backend(key, value, &source, &mut diagnostics) {
                    backend_declared = Some(declared);
                }
            }
            other => {
                let top_keys = top_level_keys();
                let hint = match did_you_mean(other, top_keys.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None if other == "<<" => {
                        "YAML merge keys (`<<`) are not supported; write the keys out".to_string()
                    }
                    None => format!("the top level holds {}", list(&top_keys)),
                };
                diagnostics.push(
                    Diagnostic::new(format!("unknown top-level key `{other}`"))
                        .at(&source, key.span)
                        .hint(hint),
                );
            }
        }
    }
    // Account sets and template providers, then every resource of a template expanded into
    // its instances (DESIGN.md section 2.1).
    let mut fleet = templates::check(
        &providers,
        &account_sets,
        membership,
        &source,
        &mut diagnostics,
    );
    let expanded: Vec<(Kind, std::borrow::Cow<'_, Node>)> = kind_sections
        .iter()
        .map(|(kind, value)| {
            (
                *kind,
                fleet.expand_section(*kind, value, &source, &mut diagnostics),
            )
        })
        .collect();
    let mut doc = RawDocument {
        providers,
        instances: fleet.instance_providers(),
        blocks: Blocks::default(),
        backend: backend_declared,
    };
    for (kind, value) in &expanded {
        doc.blocks.add(*kind, value, &source, &mut diagnostics);
    }
    if !version_seen {
        diagnostics.push(
            Diagnostic::new("missing `version`")
                .at(&source, root.span)
                .hint("add `version: 1` at the top of the file"),
        );
    }

    let state_abs = absolute(state);
    let config_abs = absolute(path);
    let dir_abs = absolute(&dir);
    let paths = PathContext {
        dir: &dir,
        dir_abs: &dir_abs,
        config_abs: &config_abs,
        state,
        state_abs: &state_abs,
    };
    let checked = check_document(&doc, &source, &paths);
    diagnostics.extend(one_no_provider_error(checked.diagnostics));

    // The resolved stage: read the policy files.
    let mut read_policy = |file: &PolicyFile| {
        policy_files.push(file.path.clone());
        read_policy_file(file, &dir, &source)
    };
    let declared_span = |a: &Address| {
        declared_at
            .get(&a.declared())
            .map_or(Span::at(1, 0), |p: &Position| {
                Span::at(p.line, p.column.saturating_sub(1))
            })
    };
    let mut resources = Vec::with_capacity(checked.resources.len());
    let mut policy_file_of = BTreeMap::new();
    for r in checked.resources {
        let mut read_from = None;
        let resolved = r.desired.resolve(&mut |file: &PolicyFile| {
            read_from = Some(file.path.clone());
            read_policy(file)
        });
        let resolved = resolved.and_then(|desired| {
            fleet
                .substitute_policy(&r.address, desired)
                .map_err(|d| d.at(&source, declared_span(&r.address)))
        });
        match resolved {
            Ok(desired) => {
                if let Some(file) = read_from {
                    policy_file_of.insert(r.address.clone(), file);
                }
                resources.push(Resource {
                    address: r.address,
                    provider: r.provider,
                    desired,
                })
            }
            Err(d) => diagnostics.push(d.subject(r.address.to_string())),
        }
    }
    for (address, file) in checked.other_policy_files {
        if let Err(d) = read_policy(&file) {
            diagnostics.push(d.subject(address.to_string()));
        }
    }
    if !diagnostics.is_empty() {
        return Err(ConfigError::new(diagnostics));
    }
    resources.sort_by(|a, b| a.address.cmp(&b.address));
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    let mut providers = checked.providers;
    let done = fleet.finish(&mut providers, &mut resources);
    // Once over the resources: at 10,000 of them a scan per entry was most of loading.
    let declared: std::collections::BTreeSet<Address> =
        resources.iter().map(|r| r.address.declared()).collect();
    declared_at.retain(|address, _| declared.contains(address));
    sections.retain(|kind, _| declared.iter().any(|a| a.kind == *kind));
    Ok(Config {
        path: path.to_path_buf(),
        dir,
        providers,
        resources,
        backend: checked.backend,
        sources: Sources {
            declared_at,
            sections,
            policy_files: policy_file_of,
        },
        accounts: done.accounts,
        templates: done.templates,
        templated: done.templated,
        membership: done.membership,
        unknown: done.unknown,
        origin: std::sync::Arc::new(super::model::Origin {
            text: text.to_string(),
            state: state.to_path_buf(),
        }),
    })
}

/// Types `backend:`, reporting what does not type; the `s3:` mapping is what the semantic
/// checks locate their problems in.
fn backend<'a>(
    key: &'a Node,
    value: &'a Node,
    source: &Source<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Declared<'a, RawS3Backend>> {
    match from_node::<RawBackend>(value, Some(key.span)) {
        Ok(raw) => {
            let node = value.get("s3").map_or(value, |(_, v)| v);
            let s3_key = value.get("s3").map_or(key, |(k, _)| k);
            Some(Declared {
                name: "backend",
                key: s3_key,
                node,
                raw: Some(raw.s3),
            })
        }
        Err(issues) => {
            diagnostics.extend(issues.into_iter().map(|i| {
                let mut d = issue(i, Some("backend"), "backend", source, value.span);
                if d.hint.is_none() {
                    d.hint = Some(
                        "write `backend: { s3: { bucket: BUCKET, key: KEY, provider: NAME } }`"
                            .to_string(),
                    );
                }
                d
            }));
            None
        }
    }
}

/// Where the state file is when no `--state` is given: `lockward.state.json` beside the
/// config file.
pub fn default_state_path(config: &Path) -> PathBuf {
    config_dir(config).join(DEFAULT_STATE_FILE)
}

/// The directory relative paths resolve against: the config file's directory (empty for a
/// file in the working directory named without one, so resolved paths stay as written).
fn config_dir(config: &Path) -> PathBuf {
    config.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Resources that name no provider, where no `default` is declared, share one cause and one
/// fix: one error that lists them all (at the first), not one per resource.
fn one_no_provider_error(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    const NO_PROVIDER: &str = "no provider: the resource names none";
    let (none, mut rest): (Vec<Diagnostic>, Vec<Diagnostic>) = diagnostics
        .into_iter()
        .partition(|d| d.message.starts_with(NO_PROVIDER));
    let mut none = none.into_iter();
    if let Some(mut first) = none.next() {
        let others: Vec<String> = none.filter_map(|d| d.subject).collect();
        if !others.is_empty() {
            let mut all: Vec<String> = first.subject.take().into_iter().collect();
            all.extend(others);
            first.message = format!(
                "no provider: {} resources name none and no `default` provider is declared: {}",
                all.len(),
                all.join(", ")
            );
        }
        rest.push(first);
    }
    rest
}

fn absolute(path: &Path) -> PathBuf {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    validate::normalize_lexically(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// Types every entry of a top-level section (`providers`, or a kind's).
pub(crate) fn section<'a, T: serde::de::DeserializeOwned>(
    section: &str,
    value: &'a Node,
    source: &Source<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Declared<'a, T>> {
    let mut declared = Vec::new();
    if value.is_null() {
        return declared;
    }
    let Some(entries) = value.entries() else {
        let what = if section == "providers" {
            "providers by name"
        } else {
            "resources by name"
        };
        diagnostics.push(
            Diagnostic::new(format!(
                "`{section}` must be a mapping of {what}, not {}",
                value.describe()
            ))
            .at(source, value.span)
            .hint(format!(
                "write `{section}:` and below it, indented, `<name>:` and its keys"
            )),
        );
        return declared;
    };
    for (key, node) in entries {
        let Some(name) = key.as_str() else { continue };
        let subject = if section == "providers" {
            format!("providers.{name}")
        } else {
            format!("{section}.{name}")
        };
        let what = if section == "providers" {
            "a provider"
        } else {
            section
        };
        let raw = match super::de::from_node_partial::<T>(node, Some(key.span)) {
            (Some(raw), issues) if issues.is_empty() => Some(raw),
            (partial, issues) => {
                // Unknown keys of the entry itself, and nothing else: a nested one makes its
                // key's value fail.
                let fields = struct_fields::<T>().unwrap_or_default();
                let own_unknown: Vec<&str> = node
                    .entries()
                    .map(|entries| {
                        entries
                            .iter()
                            .filter_map(|(k, _)| k.as_str())
                            .filter(|k| !fields.contains(k))
                            .collect()
                    })
                    .unwrap_or_default();
                let only_unknown_keys = !own_unknown.is_empty()
                    && issues.len() == own_unknown.len()
                    && issues.iter().all(|i| {
                        matches!(&i.kind, IssueKind::UnknownField { field, .. } if own_unknown.contains(&field.as_str()))
                    });
                // A misspelt key (`vualt`) also makes its field (`vault`) missing: say it once.
                let suggested: Vec<&str> = issues
                    .iter()
                    .filter_map(|i| match &i.kind {
                        IssueKind::UnknownField { field, expected } => {
                            did_you_mean(field, expected.iter().copied())
                        }
                        _ => None,
                    })
                    .collect();
                let issues: Vec<Issue> = issues
                    .into_iter()
                    .filter(|i| !matches!(&i.kind, IssueKind::MissingField { field } if suggested.contains(field)))
                    .collect();
                diagnostics.extend(
                    issues
                        .into_iter()
                        .map(|i| issue(i, Some(&subject), what, source, key.span)),
                );
                // Beside unknown keys alone, what did type is still checked, so its errors are
                // reported now too (the file has errors either way: nothing is planned from
                // it). A key whose value failed typing is not: its absence would be misread;
                // the block's string fields are then checked one by one instead
                // (`validate::untyped_fields`).
                partial.filter(|_| only_unknown_keys)
            }
        };
        declared.push(Declared {
            name,
            key,
            node,
            raw,
        });
    }
    declared
}

/// The keys the top level of a config file may hold.
fn top_level_keys() -> Vec<&'static str> {
    let mut keys = vec!["version", "accounts", "providers", "backend"];
    keys.extend(Kind::ALL.iter().map(|k| k.as_str()));
    keys
}

/// A typing issue as a diagnostic. `what` names the thing being typed, e.g.
/// `glacier_vault_lock`, for "not a key of …" messages.
fn issue(
    issue: Issue,
    subject: Option<&str>,
    what: &str,
    source: &Source<'_>,
    fallback: Span,
) -> Diagnostic {
    let span = issue.span.unwrap_or(fallback);
    let key = issue.key.as_deref();
    let (message, hint) = match issue.kind {
        IssueKind::Unreadable { message, hint } => (message, hint),
        IssueKind::DuplicateKey { first, parent_key } => {
            return duplicate_key(key.unwrap_or_default(), span, first, parent_key, source)
        }
        IssueKind::BadKey { found } => (
            format!("a key must be a name, not {found}"),
            Some("write keys as plain words, e.g. `audit:`".to_string()),
        ),
        IssueKind::UnknownField { field, expected } => {
            let hint = match did_you_mean(&field, expected.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None if field == "<<" => {
                    "YAML merge keys (`<<`) are not supported; write the keys out".to_string()
                }
                None if field == "region" && what != "a provider" => {
                    "a resource names a `provider:`; the region is set in `providers:`".to_string()
                }
                None => format!("{what} takes {}", list(expected)),
            };
            (format!("unknown key `{field}`"), Some(hint))
        }
        IssueKind::MissingField { field } => (
            format!("missing required key `{field}`"),
            Some(missing_hint(field, what)),
        ),
        IssueKind::WrongType { found, expected } => {
            let message = match key {
                Some(key) => format!("`{key}` must be {expected}, not {found}"),
                None => format!("expected {expected}, found {found}"),
            };
            let hint = match (key, found.as_str()) {
                (Some("account_id"), "a list") => {
                    Some("a bare `-` starts a YAML list: quote it, `account_id: \"-\"`".to_string())
                }
                (_, "nothing (null)") => Some("give it a value, or remove the key".to_string()),
                (Some(_), f) if expected == "an integer" && quoted_number(f) => {
                    Some("write the number without quotes".to_string())
                }
                _ => None,
            };
            (message, hint)
        }
        IssueKind::UnknownVariant { variant, expected } => {
            let message = match key {
                Some(key) => format!("`{key}` must be one of {}, not `{variant}`", list(expected)),
                None => format!("expected one of {}, not `{variant}`", list(expected)),
            };
            (
                message,
                did_you_mean(&variant, expected.iter().copied())
                    .map(|c| format!("did you mean `{c}`?")),
            )
        }
        IssueKind::Invalid(message) => match key {
            Some(key) => (format!("`{key}`: {message}"), None),
            None => (message, None),
        },
    };
    Diagnostic::new(message)
        .maybe_subject(subject)
        .at(source, span)
        .maybe_hint(hint)
}

/// The first character outside YAML's printable set (tab, line breaks and the printable
/// Unicode characters), with its position. yaml-rust2 would silently stop at a NUL.
fn first_unprintable(text: &str) -> Option<(Span, char)> {
    let printable = |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..);
    first_where(text, |c| !printable(c))
}

/// The first character of `text` for which `found` holds, with its position.
fn first_where(text: &str, found: impl Fn(char) -> bool) -> Option<(Span, char)> {
    let at = text.find(found)?;
    let c = text[at..].chars().next()?;
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
    Some((
        Span::at(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        ),
        c,
    ))
}

/// Whether a "found" description is a string holding a number, e.g. `the string "7"`.
fn quoted_number(found: &str) -> bool {
    found
        .strip_prefix("the string \"")
        .and_then(|r| r.strip_suffix('"'))
        .is_some_and(|n| n.trim().parse::<i64>().is_ok())
}

/// The hint for the missing key `field` of `what` (a kind, a provider, the backend).
fn missing_hint(field: &str, what: &str) -> String {
    let of_kind = what
        .parse::<Kind>()
        .ok()
        .and_then(|kind| kind.missing_hints().iter().find(|(f, _)| *f == field));
    match (of_kind, field) {
        (Some((_, hint)), _) => hint.to_string(),
        (None, "region") => "add `region: us-east-1` (or the region you use)".to_string(),
        (None, "bucket") => "add `bucket: <the bucket's name>`".to_string(),
        (None, field) => format!("add `{field}:`"),
    }
}

/// `key` written twice in one mapping (the second at `span`): under a kind's section, a
/// resource declared twice; under `providers`, a provider.
fn duplicate_key(
    key: &str,
    span: Span,
    first: Span,
    parent_key: Option<String>,
    source: &Source<'_>,
) -> Diagnostic {
    let kind = parent_key.as_deref().and_then(|p| p.parse::<Kind>().ok());
    let (subject, message, hint) = match (kind, parent_key.as_deref()) {
        (Some(kind), _) => (
            Some(format!("{kind}.{key}")),
            "duplicate address: this resource is declared twice".to_string(),
            format!("each address is declared once: rename one of them (e.g. `{key}_2`), or merge the two into one"),
        ),
        (None, Some("providers")) => (
            Some(format!("providers.{key}")),
            "this provider is declared twice".to_string(),
            "rename one of them, or merge the two".to_string(),
        ),
        (None, _) => (
            None,
            format!("duplicate key `{key}`"),
            "each key appears once in a mapping: remove one of them".to_string(),
        ),
    };
    Diagnostic::new(message)
        .maybe_subject(subject.as_deref())
        .at(source, span)
        .related(
            source
                .snippet(first, Some("first declared here"))
                .secondary(),
        )
        .hint(hint)
}

fn too_large(path: &Path, size: u64) -> ConfigError {
    ConfigError::one(
        Diagnostic::new(format!(
            "`{}` is {size} bytes; config files over {MAX_CONFIG_BYTES} bytes (8 MiB) are refused",
            path.display()
        ))
        .hint("split the resources over several config files, each with its own state"),
    )
}

/// Reads a config file, refusing what is not one: a missing file, a directory, a file over
/// [`MAX_CONFIG_BYTES`], text that is not UTF-8.
fn read_config(path: &Path) -> Result<String, ConfigError> {
    let fail = |message: String, hint: &str| ConfigError::one(Diagnostic::new(message).hint(hint));
    let shown = path.display();
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => fail(
            format!("cannot read config file `{shown}`: it does not exist"),
            "pass the config file with `-c FILE` (the default is `lockward.yaml` in the working directory); examples/ holds configs to start from",
        ),
        _ => fail(format!("cannot read config file `{shown}`: {e}"), "check the path and its permissions"),
    })?;
    if meta.is_dir() {
        return Err(fail(
            format!("`{shown}` is a directory, not a config file"),
            &format!(
                "name the file, e.g. `-c {}`",
                path.join("lockward.yaml").display()
            ),
        ));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(too_large(path, meta.len()));
    }
    let mut bytes = Vec::new();
    crate::files::open_regular(path)
        .and_then(|f| f.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| {
            fail(
                format!("cannot read config file `{shown}`: {e}"),
                "check the path and its permissions",
            )
        })?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_large(path, bytes.len() as u64));
    }
    decode_utf8(bytes, path, None)
}

/// UTF-8 text, or an error locating the first byte that is not.
fn decode_utf8(
    bytes: Vec<u8>,
    path: &Path,
    referenced: Option<(&Source<'_>, Span)>,
) -> Result<String, ConfigError> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&bytes[..at]);
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
        let lossy = String::from_utf8_lossy(bytes);
        let file_source = Source::new(path, &lossy);
        let span = Span::at(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        );
        let message = format!(
            "`{}` is not UTF-8 text (byte 0x{:02x} at line {line}, column {})",
            path.display(),
            bytes[at],
            col + 1
        );
        let d = Diagnostic::new(message).hint("save the file as UTF-8");
        ConfigError::one(match referenced {
            Some((config, order)) => d
                .at_elsewhere(file_source.snippet(span, None), order)
                .related(config.snippet(order, Some("referenced here")).secondary()),
            None => d.at(&file_source, span),
        })
    })
}

/// Reads a policy file named by `policy_file:` (whose value is at `file.span`) and applies
/// the kind's check to the policy in it.
fn read_policy_file(
    file: &PolicyFile,
    dir: &Path,
    source: &Source<'_>,
) -> Result<Policy, Diagnostic> {
    let span = file.span;
    let check = file.check;
    let file = file.path.as_path();
    let shown = file.display();
    let here = |message: String, hint: String| Diagnostic::new(message).at(source, span).hint(hint);
    let resolved_hint = || {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        format!(
            "`policy_file` is resolved against the config file's directory, `{}`",
            dir.display()
        )
    };
    let meta = fs::metadata(file).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => {
            let hint = match sibling_like(file) {
                Some(close) => format!("did you mean `{}`?", close.display()),
                None => resolved_hint(),
            };
            here(format!("policy file `{shown}` does not exist"), hint)
        }
        _ => here(
            format!("cannot read policy file `{shown}`: {e}"),
            resolved_hint(),
        ),
    })?;
    if meta.is_dir() {
        return Err(here(
            format!("policy file `{shown}` is a directory"),
            "name the JSON file holding the policy".to_string(),
        ));
    }
    if meta.len() > MAX_POLICY_FILE_BYTES {
        return Err(here(
            format!("policy file `{shown}` is {} bytes; policy files over {MAX_POLICY_FILE_BYTES} bytes are refused", meta.len()),
            "a vault lock policy is at most 20 KiB".to_string(),
        ));
    }
    let mut bytes = Vec::new();
    crate::files::open_regular(file)
        .and_then(|f| f.take(MAX_POLICY_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| {
            here(
                format!("cannot read policy file `{shown}`: {e}"),
                resolved_hint(),
            )
        })?;
    let text =
        decode_utf8(bytes, file, Some((source, span))).map_err(|e| e.diagnostics()[0].clone())?;
    // A byte order mark is not content: skipped here as the policy reader skips it, so the
    // columns shown are the reader's.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let policy_source = Source::new(file, text);
    let elsewhere = |d: Diagnostic, at: Span| {
        d.at_elsewhere(policy_source.snippet(at, None), span)
            .related(source.snippet(span, Some("referenced here")).secondary())
    };
    let policy = Policy::parse_written(text).map_err(|e| {
        let at = Span::at(e.line, e.col);
        match &e.kind {
            PolicyErrorKind::UnsafeCharacter => elsewhere(
                Diagnostic::new(format!("policy file `{shown}`: {e}"))
                    .hint(super::policy::UNSAFE_CHARACTER_HINT),
                at,
            ),
            PolicyErrorKind::Invalid => elsewhere(
                Diagnostic::new(format!("policy file `{shown}` is not valid JSON: {e}")),
                at,
            ),
            PolicyErrorKind::DuplicateKey { first, .. } => elsewhere(
                Diagnostic::new(format!("policy file `{shown}` has a {e}"))
                    .related(
                        policy_source
                            .snippet(Span::at(first.0, first.1), Some("first written here"))
                            .secondary(),
                    )
                    .hint(validate::DUPLICATE_POLICY_KEY_HINT),
                at,
            ),
        }
    })?;
    check(policy).map_err(|p| {
        let start = text.find(|c: char| !c.is_whitespace()).unwrap_or(0);
        let line = text[..start].matches('\n').count() + 1;
        let col = text[..start]
            .rsplit('\n')
            .next()
            .map_or(0, |l| l.chars().count());
        let at = Span::at(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        );
        elsewhere(
            Diagnostic::new(format!("policy file `{shown}`: {}", p.message)).maybe_hint(p.hint),
            at,
        )
    })
}

/// A file beside `missing` whose name is close to its name: the likely typo's target.
fn sibling_like(missing: &Path) -> Option<PathBuf> {
    let parent = missing
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = missing.file_name()?.to_str()?;
    let names: Vec<String> = fs::read_dir(parent)
        .ok()?
        .take(1000)
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    let close = did_you_mean(name, names.iter().map(String::as_str))?;
    Some(missing.with_file_name(close))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_top_level_key_of_the_schema_is_handled() {
        // The loader reads the top level section by section (so one bad resource does not
        // hide the others); it must know every key the config's schema declares.
        let schema = crate::config::schema();
        let mut declared: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut handled = top_level_keys();
        declared.sort_unstable();
        handled.sort_unstable();
        assert_eq!(declared, handled);
        assert_eq!(schema["additionalProperties"], serde_json::json!(false));
    }

    const BACKEND_BASE: &str = "version: 1\nproviders:\n  default: { region: us-east-1 }\n  state: { region: eu-west-1 }\n";

    fn load_backend(backend: &str) -> Result<Config, ConfigError> {
        load_str(
            &format!("{BACKEND_BASE}{backend}"),
            Path::new("lockward.yaml"),
        )
    }

    #[test]
    fn an_s3_backend_is_read_with_its_provider() {
        let config = load_backend(
            "backend:\n  s3: { bucket: acme-lockward-state, key: prod/lockward.state.json, provider: state }\n",
        )
        .unwrap();
        assert_eq!(
            config.backend,
            Some(crate::config::Backend::S3(crate::config::S3Backend {
                bucket: "acme-lockward-state".to_string(),
                key: "prod/lockward.state.json".to_string(),
                provider: "state".to_string(),
                expected_owner: None,
            }))
        );
        let config = load_backend("backend: { s3: { bucket: acme-state, key: k } }\n").unwrap();
        assert!(
            matches!(&config.backend, Some(crate::config::Backend::S3(s)) if s.provider == "default")
        );
        assert_eq!(
            load_str(BACKEND_BASE, Path::new("lockward.yaml"))
                .unwrap()
                .backend,
            None
        );
    }

    #[track_caller]
    fn backend_error(backend: &str, line: u32, needles: &[&str]) {
        let err = load_backend(backend).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!("lockward.yaml:{line}:")),
            "expected an error at line {line}:\n{text}"
        );
        for needle in needles {
            assert!(text.contains(needle), "expected `{needle}` in:\n{text}");
        }
        assert!(text.contains("hint: "), "{text}");
    }

    #[test]
    fn a_bad_backend_is_located_and_says_what_to_do() {
        backend_error(
            "backend:\n  s3:\n    bucket: Acme_State\n    key: k\n",
            7,
            &["backend.s3", "Acme_State", "acme-state"],
        );
        backend_error(
            "backend:\n  s3:\n    bucket: acme-state\n    key: /prod//state.json\n",
            8,
            &["empty path segment", "did you mean `prod/state.json`"],
        );
        backend_error(
            "backend:\n  s3:\n    bucket: acme-state\n    key: k\n    provider: stat\n",
            9,
            &["unknown provider `stat`", "did you mean `state`"],
        );
        backend_error(
            "backend:\n  s3:\n    bucket: acme-state\n    kee: k\n",
            8,
            &["unknown key `kee`", "did you mean `key`"],
        );
        backend_error("backend:\n  dynamodb: { table: t }\n", 6, &["dynamodb"]);
        let no_default = "version: 1\nproviders:\n  eu: { region: eu-west-1 }\nbackend: { s3: { bucket: acme-state, key: k } }\n";
        let text = load_str(no_default, Path::new("lockward.yaml"))
            .unwrap_err()
            .to_string();
        assert!(text.contains("the backend names no provider"), "{text}");
    }

    #[test]
    fn each_resource_keeps_where_its_key_and_its_kind_section_are_written() {
        let text = "version: 1\nproviders:\n  default: { region: us-east-1 }\n\
                    backup_vault_lock:\n  b: { vault: vv, mode: governance, min_retention_days: 1 }\n\
                    rbin_rule_lock:\n  # a comment\n  z:\n    rule_id: abcdefghijk\n    state: locked\n    unlock_delay_days: 7\n  \
                    \"a\": { rule_id: bcdefghijkl, state: locked, unlock_delay_days: 7 }\n";
        let config = load_str(text, Path::new("lockward.yaml")).unwrap();
        let at = |kind: Kind, name: &str| config.sources.declared_at[&Address::new(kind, name)];
        assert_eq!(
            at(Kind::BackupVaultLock, "b"),
            Position { line: 5, column: 3 }
        );
        assert_eq!(at(Kind::RbinRuleLock, "z"), Position { line: 8, column: 3 });
        assert_eq!(
            at(Kind::RbinRuleLock, "a"),
            Position {
                line: 12,
                column: 3
            }
        );
        assert_eq!(
            config.sources.sections[&Kind::RbinRuleLock],
            Position { line: 6, column: 1 }
        );
        assert_eq!(config.sources.declared_at.len(), 3);
        assert!(config.sources.policy_files.is_empty());
    }

    #[test]
    fn default_state_path_is_beside_the_config() {
        assert_eq!(
            default_state_path(Path::new("lockward.yaml")),
            PathBuf::from("lockward.state.json")
        );
        assert_eq!(
            default_state_path(Path::new("infra/lockward.yaml")),
            PathBuf::from("infra/lockward.state.json")
        );
    }

    #[test]
    fn a_minimal_config_loads() {
        let text = "version: 1\nproviders:\n  default: { region: us-east-1 }\nrbin_rule_lock:\n  ebs:\n    rule_id: a1B2c3D4e5F\n    state: locked\n    unlock_delay_days: 7\n";
        let config = load_str(text, Path::new("/nonexistent/lockward.yaml")).unwrap();
        assert_eq!(config.resources.len(), 1);
        assert_eq!(config.resources[0].provider, "default");
        assert_eq!(config.dir, PathBuf::from("/nonexistent"));
    }

    #[test]
    fn the_state_path_is_checked_against_deliver_to() {
        let text = "version: 1\nproviders:\n  default: { region: us-east-1 }\nsnowball_unlock_code:\n  a:\n    job_id: JID123e4567-e89b-12d3-a456-426655440000\n    deliver_to: custom.state\n";
        let path = Path::new("/nonexistent/lockward.yaml");
        assert!(load_str(text, path).is_ok());
        let err =
            load_str_with_state(text, path, Path::new("/nonexistent/custom.state")).unwrap_err();
        assert!(err.to_string().contains("is the state file"), "{err}");
    }
}
