//! The compliance report as SARIF 2.1.0, for code scanning (GitHub shows each result on the
//! config line that states the intent). Like the other report renderers it decides nothing:
//! the verdicts, findings and places are fields of the [`Report`].
//!
//! One result per declared resource and verdict, and one per unmanaged lock. The rule is
//! `lockward/<verdict>` (`lockward/unmanaged` for a lock nobody declared); every rule is listed
//! in every run, in the order of [`RULES`], so a rule's index never changes. A result is
//! located at the resource's key in the config file (an unmanaged lock at its kind's section),
//! or in the policy file when the verdict is about the policy read from it, with the config
//! key as a related location; `artifactLocation.uri` is relative to the source root
//! (`--sarif-root`) with `uriBaseId` `%SRCROOT%`, or an absolute `file:` URI without a base for
//! a file outside it. `partialFingerprints."lockward/v1"` is the hex SHA-256 of the address, a
//! newline and the rule id, so a result keeps its identity from run to run while the verdict
//! holds. Compliant resources are results too, of `kind` `pass` and `level` `none`: the file
//! is evidence of what was checked, and code scanning shows no alert for them.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::escape;
use super::report::verdict_meaning;
use crate::report::{Report, ResourceReport, SourceLocation, UnmanagedLock, Verdict};

/// The SARIF version written.
pub const SARIF_VERSION: &str = "2.1.0";

/// The schema the output follows (the OASIS errata 01 text, vendored in tests/sarif/).
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// `uriBaseId` of every location under the source root.
pub const SOURCE_ROOT: &str = "%SRCROOT%";

/// At most this many instance keys are listed in a result's `properties.instances`; the count
/// is always whole.
pub const MAX_INSTANCES: usize = 1000;

/// What a result is about: a verdict of a declared resource, or a lock nobody declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    Verdict(Verdict),
    Unmanaged,
}

/// Every rule, in the order `tool.driver.rules` lists them (a result's `ruleIndex`).
const RULES: [Rule; 8] = [
    Rule::Verdict(Verdict::Compliant),
    Rule::Verdict(Verdict::Pending),
    Rule::Verdict(Verdict::Empty),
    Rule::Verdict(Verdict::Undeclared),
    Rule::Verdict(Verdict::Drift),
    Rule::Verdict(Verdict::Violation),
    Rule::Verdict(Verdict::Unknown),
    Rule::Unmanaged,
];

impl Rule {
    fn id(self) -> String {
        format!("lockward/{}", self.word())
    }

    fn word(self) -> &'static str {
        match self {
            Rule::Verdict(v) => v.as_str(),
            Rule::Unmanaged => "unmanaged",
        }
    }

    fn index(self) -> usize {
        RULES.iter().position(|r| *r == self).unwrap_or_default()
    }

    /// SARIF's `name`: an identifier in PascalCase.
    fn name(self) -> &'static str {
        match self {
            Rule::Verdict(Verdict::Compliant) => "Compliant",
            Rule::Verdict(Verdict::Pending) => "Pending",
            Rule::Verdict(Verdict::Empty) => "Empty",
            Rule::Verdict(Verdict::Undeclared) => "Undeclared",
            Rule::Verdict(Verdict::Drift) => "Drift",
            Rule::Verdict(Verdict::Violation) => "Violation",
            Rule::Verdict(Verdict::Unknown) => "Unknown",
            Rule::Unmanaged => "Unmanaged",
        }
    }

    fn meaning(self) -> &'static str {
        match self {
            Rule::Verdict(v) => verdict_meaning(v),
            Rule::Unmanaged => {
                "a lock exists in a configured account and region that no resource declares"
            }
        }
    }

    /// SARIF `kind` and `level`: a compliant resource passes (level `none`); a pending or empty
    /// one is a note; drift and violation are errors; unknown, undeclared and unmanaged are
    /// warnings.
    fn kind_and_level(self) -> (&'static str, &'static str) {
        match self {
            Rule::Verdict(Verdict::Compliant) => ("pass", "none"),
            Rule::Verdict(Verdict::Pending | Verdict::Empty) => ("fail", "note"),
            Rule::Verdict(Verdict::Drift | Verdict::Violation) => ("fail", "error"),
            Rule::Verdict(Verdict::Unknown | Verdict::Undeclared) | Rule::Unmanaged => {
                ("fail", "warning")
            }
        }
    }
}

/// Where the files a report points at are, as SARIF URIs: built by the command, which may read
/// the disk (real paths, the git top level), from [`artifact_uri`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArtifactUris {
    uris: BTreeMap<PathBuf, ArtifactUri>,
}

/// A file as SARIF names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactUri {
    /// Relative to the source root, percent-encoded; or an absolute `file:` URI.
    pub uri: String,
    /// Whether `uri` is relative to the source root (`uriBaseId` `%SRCROOT%`).
    pub under_root: bool,
}

impl ArtifactUris {
    /// Every file `report` points at, each with its URI: `uri_of` gets the file as the report
    /// names it.
    pub fn of(report: &Report, mut uri_of: impl FnMut(&Path) -> ArtifactUri) -> ArtifactUris {
        let files = report
            .resources
            .iter()
            .flat_map(|r| [&r.declared_at, &r.located_at])
            .chain(report.unmanaged.iter().map(|u| &u.located_at))
            .flatten()
            .map(|at| at.file.clone());
        let mut uris = BTreeMap::new();
        for file in files {
            if let std::collections::btree_map::Entry::Vacant(entry) = uris.entry(file) {
                let uri = uri_of(entry.key());
                entry.insert(uri);
            }
        }
        ArtifactUris { uris }
    }

    fn get(&self, file: &Path) -> ArtifactUri {
        self.uris.get(file).cloned().unwrap_or_else(|| ArtifactUri {
            // Not resolved by the command: named as the report names it, relative.
            uri: file
                .to_string_lossy()
                .split('/')
                .map(|segment| {
                    url::form_urlencoded::byte_serialize(segment.as_bytes())
                        .collect::<String>()
                        .replace('+', "%20")
                })
                .collect::<Vec<_>>()
                .join("/"),
            under_root: true,
        })
    }
}

/// The URI of `file` relative to the directory `root`, both real absolute paths: relative and
/// percent-encoded when `file` is under `root`, else an absolute `file:` URI.
pub fn artifact_uri(root: &Path, file: &Path) -> ArtifactUri {
    let absolute = || ArtifactUri {
        uri: url::Url::from_file_path(file)
            .map_or_else(|()| file.to_string_lossy().into_owned(), |u| u.to_string()),
        under_root: false,
    };
    if !file.starts_with(root) {
        return absolute();
    }
    match (
        url::Url::from_directory_path(root),
        url::Url::from_file_path(file),
    ) {
        (Ok(base), Ok(url)) => match base.make_relative(&url) {
            Some(relative) if !relative.starts_with("../") && !relative.is_empty() => ArtifactUri {
                uri: relative,
                under_root: true,
            },
            _ => absolute(),
        },
        _ => absolute(),
    }
}

/// Writes `report` as one SARIF 2.1.0 log with one run.
pub(super) fn render(report: &Report, uris: &ArtifactUris, out: &mut dyn Write) -> io::Result<()> {
    let log = log(report, uris);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

fn log(report: &Report, uris: &ArtifactUris) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            let (_, level) = rule.kind_and_level();
            json!({
                "id": rule.id(),
                "name": rule.name(),
                "shortDescription": {"text": format!("lockward: {}", rule.word())},
                "fullDescription": {"text": capitalized_sentence(rule.meaning())},
                "defaultConfiguration": {"level": level},
                "properties": {"tags": ["compliance", "lockward"]},
            })
        })
        .collect();
    let mut results: Vec<Value> = grouped(&report.resources)
        .into_iter()
        .map(|group| resource_result(&group, uris))
        .collect();
    results.extend(report.unmanaged.iter().map(|u| unmanaged_result(u, uris)));
    let callers: Vec<Value> = report
        .callers
        .iter()
        .map(|c| {
            let mut caller = json!({"account": c.account, "arn": c.arn, "providers": c.providers});
            if let Some(name) = &c.account_name {
                caller["account_name"] = json!(name);
            }
            caller
        })
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": "lockward",
                "version": report.lockward_version,
                "semanticVersion": report.lockward_version,
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "endTimeUtc": crate::words::when(report.generated_at),
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "generated_at": crate::words::when(report.generated_at),
                "config_digest": report.config_digest,
                "plan_digest": report.plan_digest,
                "callers": callers,
                "summary": serde_json::to_value(&report.summary).unwrap_or(Value::Null),
                "notes": report.notes.iter().map(|n| escape::text(n)).collect::<Vec<_>>(),
            },
        }],
    })
}

/// The resources of one address and verdict: the instances of one result.
struct Group<'r> {
    first: &'r ResourceReport,
    instances: Vec<&'r ResourceReport>,
}

/// Resources grouped by address and verdict, in the report's order (by address).
fn grouped(resources: &[ResourceReport]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut index: BTreeMap<(String, Verdict), usize> = BTreeMap::new();
    for r in resources {
        let key = (r.address.to_string(), r.verdict);
        match index.get(&key) {
            Some(&i) => groups[i].instances.push(r),
            None => {
                index.insert(key, groups.len());
                groups.push(Group {
                    first: r,
                    instances: vec![r],
                });
            }
        }
    }
    groups
}

fn resource_result(group: &Group<'_>, uris: &ArtifactUris) -> Value {
    let r = group.first;
    let rule = Rule::Verdict(r.verdict);
    let address = r.address.to_string();
    let keys: Vec<String> = group
        .instances
        .iter()
        .take(MAX_INSTANCES)
        .map(|i| format!("{}/{}", i.account, i.region))
        .collect();
    let mut message = format!(
        "{address} ({}): {}",
        r.verdict.as_str(),
        r.findings.join(" ")
    );
    let moved_to_policy = r.located_at.is_some() && r.located_at != r.declared_at;
    if moved_to_policy {
        message.push_str(" The policy AWS holds differs from this policy file's.");
    }
    let mut properties = Map::new();
    properties.insert("address".into(), json!(address));
    properties.insert("kind".into(), json!(r.kind.as_str()));
    properties.insert("provider".into(), json!(r.provider));
    properties.insert("account".into(), json!(r.account));
    properties.insert("region".into(), json!(r.region));
    properties.insert("verdict".into(), json!(r.verdict.as_str()));
    properties.insert("instances".into(), json!(keys));
    properties.insert("instance_count".into(), json!(group.instances.len()));
    if let Some(t) = r.immutable_from {
        properties.insert("immutable_from".into(), json!(crate::words::when(t)));
    }
    let mut result = base_result(rule, &address, &message, r.located_at.as_ref(), uris);
    if moved_to_policy {
        if let Some(declared) = &r.declared_at {
            result["relatedLocations"] = json!([{
                "id": 1,
                "physicalLocation": physical(declared, uris),
                "message": {"text": format!("{address} is declared here")},
            }]);
        }
    }
    result["properties"] = Value::Object(properties);
    result
}

fn unmanaged_result(u: &UnmanagedLock, uris: &ArtifactUris) -> Value {
    let rule = Rule::Unmanaged;
    // Its identity: where it is and what it is called (the suggested address may repeat).
    let identity = format!("{}:{}:{}:{}", u.kind.as_str(), u.account, u.region, u.name);
    let message = format!(
        "`{}` ({}, {}) in {}/{} is declared by no resource. {}",
        u.name,
        u.kind.as_str(),
        u.lock_state,
        u.account,
        u.region,
        u.next_step
    );
    let mut result = base_result(rule, &identity, &message, u.located_at.as_ref(), uris);
    result["properties"] = json!({
        "kind": u.kind.as_str(),
        "account": u.account,
        "region": u.region,
        "providers": u.providers,
        "name": u.name,
        "lock_state": u.lock_state,
        "details": u.details,
        "suggested_address": u.suggested_address.to_string(),
        "instances": [format!("{}/{}", u.account, u.region)],
        "instance_count": 1,
    });
    result
}

/// A result's common fields; `identity` is what its fingerprint is made of with the rule id.
fn base_result(
    rule: Rule,
    identity: &str,
    message: &str,
    at: Option<&SourceLocation>,
    uris: &ArtifactUris,
) -> Value {
    let (kind, level) = rule.kind_and_level();
    let rule_id = rule.id();
    let fingerprint = crate::digest::sha256_hex(format!("{identity}\n{rule_id}").as_bytes());
    let locations: Vec<Value> = at
        .map(|at| json!({"physicalLocation": physical(at, uris)}))
        .into_iter()
        .collect();
    json!({
        "ruleId": rule_id,
        "ruleIndex": rule.index(),
        "kind": kind,
        "level": level,
        "message": {"text": escape::text(message)},
        "locations": locations,
        "partialFingerprints": {"lockward/v1": fingerprint},
    })
}

fn physical(at: &SourceLocation, uris: &ArtifactUris) -> Value {
    let uri = uris.get(&at.file);
    let mut artifact = json!({"uri": uri.uri});
    if uri.under_root {
        artifact["uriBaseId"] = json!(SOURCE_ROOT);
    }
    json!({
        "artifactLocation": artifact,
        "region": {"startLine": at.line.max(1), "startColumn": at.column.max(1)},
    })
}

/// `the live lock state matches` -> `The live lock state matches.`
fn capitalized_sentence(text: &str) -> String {
    format!("{}.", crate::words::capitalized(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_under_the_root_is_relative_and_percent_encoded_and_one_outside_is_absolute() {
        let root = Path::new("/srv/repo");
        assert_eq!(
            artifact_uri(root, Path::new("/srv/repo/infra/lockward.yaml")),
            ArtifactUri {
                uri: "infra/lockward.yaml".into(),
                under_root: true
            }
        );
        assert_eq!(
            artifact_uri(root, Path::new("/srv/repo/a dir/p#1.json")).uri,
            "a%20dir/p%231.json"
        );
        // A sibling whose name starts like the root is not under it.
        let outside = artifact_uri(root, Path::new("/srv/repo-other/lockward.yaml"));
        assert_eq!(outside.uri, "file:///srv/repo-other/lockward.yaml");
        assert!(!outside.under_root);
    }

    #[test]
    fn every_rule_has_its_index_and_a_pass_has_level_none() {
        for (i, rule) in RULES.iter().enumerate() {
            assert_eq!(rule.index(), i);
            let (kind, level) = rule.kind_and_level();
            assert_eq!(kind == "pass", level == "none", "{rule:?}");
        }
        assert_eq!(
            RULES
                .iter()
                .filter(|r| matches!(r, Rule::Verdict(_)))
                .count(),
            Verdict::ALL.len()
        );
    }

    #[test]
    fn a_result_lists_the_first_thousand_instances_and_counts_them_all() {
        let mut report = super::super::report_html::tests::hostile_report();
        let one = report.resources[0].clone();
        report.resources = (0..MAX_INSTANCES + 1)
            .map(|i| {
                let mut r = one.clone();
                r.region = format!("r-{i:04}");
                r
            })
            .collect();
        let log = log(&report, &ArtifactUris::default());
        let results = log["runs"][0]["results"].as_array().unwrap();
        // One result for the resource and its verdict, one for the unmanaged lock.
        assert_eq!(results.len(), 2);
        let properties = &results[0]["properties"];
        assert_eq!(properties["instance_count"], MAX_INSTANCES + 1);
        let instances = properties["instances"].as_array().unwrap();
        assert_eq!(instances.len(), MAX_INSTANCES);
        assert!(instances[0].as_str().unwrap().ends_with("/r-0000"));
    }

    #[test]
    fn hostile_text_reaches_the_log_as_json_and_control_characters_are_made_visible() {
        let mut report = super::super::report_html::tests::hostile_report();
        report.resources[0]
            .findings
            .push("a \u{1b}[2J b \u{202e} c".into());
        let mut out = Vec::new();
        render(&report, &ArtifactUris::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let log: Value = serde_json::from_str(&text).unwrap();
        let message = log["runs"][0]["results"][0]["message"]["text"]
            .as_str()
            .unwrap();
        assert!(message.contains("\\u{1b}[2J"), "{message}");
        assert!(message.contains("\\u{202e}"), "{message}");
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
    }
}
