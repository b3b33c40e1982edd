//! The docs say what the tool does and cite what exists: every repository path and test name
//! that README.md and docs/*.md cite in inline code exists, and docs/configuration.md names every
//! kind and every top-level key of the config.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The documents a user reads: README.md and every Markdown file under docs/.
fn documents() -> Vec<PathBuf> {
    let mut docs = vec![root().join("README.md")];
    for entry in fs::read_dir(root().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path);
        }
    }
    docs.sort();
    docs
}

/// The inline code spans of a Markdown text, outside fenced code blocks, with their line.
fn inline_code(text: &str) -> Vec<(usize, String)> {
    let mut spans = Vec::new();
    let mut fenced = false;
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 1 && !part.is_empty() {
                spans.push((n + 1, part.to_string()));
            }
        }
    }
    spans
}

const TOP_FOLDERS: [&str; 9] = [
    "src/",
    "tests/",
    "docs/",
    "examples/",
    "schema/",
    "emulator/",
    "bench/",
    ".ci/",
    "fuzz/",
];

/// A span that names a file or folder of this repository: it starts with one of its top
/// folders and holds nothing a path here never holds. `{a,b}` alternatives are expanded.
fn cited_paths(span: &str) -> Vec<String> {
    let span = span.trim_end_matches(['.', ',', ':']);
    if !TOP_FOLDERS.iter().any(|f| span.starts_with(f)) || span.contains([' ', '<', '>', '=']) {
        return Vec::new();
    }
    match (span.find('{'), span.find('}')) {
        (Some(open), Some(close)) if open < close => span[open + 1..close]
            .split(',')
            .map(|alt| format!("{}{alt}{}", &span[..open], &span[close + 1..]))
            .collect(),
        _ => vec![span.to_string()],
    }
}

/// Whether `pattern` (a path that may hold `*` as one path segment) names something that exists.
fn exists(pattern: &str) -> bool {
    fn walk(dir: &Path, segments: &[&str]) -> bool {
        let Some((first, rest)) = segments.split_first() else {
            return true;
        };
        if first.is_empty() {
            return walk(dir, rest);
        }
        if first.contains('*') {
            let (prefix, suffix) = first.split_once('*').unwrap();
            let Ok(entries) = fs::read_dir(dir) else {
                return false;
            };
            entries.flatten().any(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.starts_with(prefix)
                    && name.ends_with(suffix.trim_start_matches('*'))
                    && walk(&e.path(), rest)
            })
        } else {
            walk(&dir.join(first), rest) && dir.join(first).exists()
        }
    }
    let segments: Vec<&str> = pattern.split('/').collect();
    walk(&root(), &segments)
}

/// Every `fn` name in the Rust sources of the repository (library, tests, emulator).
fn function_names() -> BTreeSet<String> {
    fn collect(dir: &Path, names: &mut BTreeSet<String>) {
        for entry in fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target") {
                    collect(&path, names);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).unwrap();
                for rest in text.split("fn ").skip(1) {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        names.insert(name);
                    }
                }
            }
        }
    }
    let mut names = BTreeSet::new();
    for dir in ["src", "tests", "emulator", "bench"] {
        collect(&root().join(dir), &mut names);
    }
    names
}

/// A span that cites a test by name: a snake_case identifier of at least four words, possibly
/// shortened with a trailing `…` (a Terraform resource name, `aws_…`, is not one).
fn cited_test(span: &str) -> Option<(&str, bool)> {
    if span.starts_with("aws_") {
        return None;
    }
    let (name, shortened) = match span.strip_suffix('…') {
        Some(prefix) => (prefix.trim_end_matches('_'), true),
        None => (span, false),
    };
    let word = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
    (name.split('_').filter(|w| !w.is_empty()).count() >= 4
        && name.chars().all(word)
        && name.starts_with(|c: char| c.is_ascii_lowercase()))
    .then_some((name, shortened))
}

#[test]
fn every_path_and_test_the_docs_cite_exists() {
    let functions = function_names();
    let mut missing = Vec::new();
    for doc in documents() {
        let text = fs::read_to_string(&doc).unwrap();
        let shown = doc.strip_prefix(root()).unwrap().display().to_string();
        for (line, span) in inline_code(&text) {
            for path in cited_paths(&span) {
                if !exists(&path) {
                    missing.push(format!("{shown}:{line}: path `{path}` does not exist"));
                }
            }
            if let Some((name, shortened)) = cited_test(&span) {
                let found = if shortened {
                    functions.iter().any(|f| f.starts_with(name))
                } else {
                    functions.contains(name)
                };
                if !found {
                    missing.push(format!("{shown}:{line}: test `{span}` is no function here"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "the docs cite what does not exist:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_configuration_reference_names_every_kind_and_top_level_key() {
    let reference = fs::read_to_string(root().join("docs/configuration.md")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root().join("schema/lockward.schema.json")).unwrap(),
    )
    .unwrap();
    let keys: Vec<String> = schema["properties"]
        .as_object()
        .expect("the config schema lists its top-level keys")
        .keys()
        .cloned()
        .collect();
    assert!(keys.len() > 3, "{keys:?}");
    let kinds = lockward::vocabulary::Kind::ALL.map(|k| k.as_str().to_string());
    let unnamed: Vec<&String> = keys
        .iter()
        .chain(kinds.iter())
        .filter(|k| !reference.contains(&format!("`{k}`")))
        .collect();
    assert!(
        unnamed.is_empty(),
        "docs/configuration.md never names these (as `key`): {unnamed:?}"
    );
}

#[test]
fn the_citation_check_finds_what_is_missing() {
    // The checks above pass only if they can fail: a made-up path and test are caught.
    assert!(!exists("src/plan/planner/proptests.rs"));
    assert!(exists("src/kinds/*/tests.rs"));
    assert!(exists("tests/corpus/"));
    assert_eq!(
        cited_paths("tests/corpus/{config,state}/"),
        ["tests/corpus/config/", "tests/corpus/state/"]
    );
    assert_eq!(
        cited_test("deliver_to_a_symlink_is_a_conflict_…"),
        Some(("deliver_to_a_symlink_is_a_conflict", true))
    );
    assert_eq!(cited_test("backend: s3"), None);
    assert_eq!(cited_test("lowers_protection"), None);
    assert_eq!(cited_test("aws_glacier_vault_lock"), None);
    assert!(!function_names().contains("a_test_that_was_never_written"));
}
