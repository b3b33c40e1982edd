//! The docs say what the tool does and cite what exists. README.md and docs/*.md:
//! - every repository path they cite exists: in inline code (`src/...`), as a relative link
//!   (`[text](docs/x.md)`, resolved from the document's folder), or as the first column of a
//!   plain fenced block (README's layout of the sources); a link to `#anchor` names a heading;
//! - every test they cite exists, and strictly so in the form docs/safety.md cites tests: a Rust
//!   file, a colon, then the test names (`` `tests/apply.rs`: `a_test`, `another_test` ``), each
//!   a `#[test]` function of that very file; elsewhere a snake_case name of four words or more
//!   is a test somewhere; a file followed by a name (`` `src/files.rs` `check_write` ``) names a
//!   function of that file;
//! - docs/configuration.md names every kind and top-level key in its intro, its table of
//!   contents, its "Top-level keys" row and a heading of its own;
//! - a count of kinds ("five kinds") is the number of kinds, and README's emulator section
//!   names every service the emulator registers (`services!` in emulator/src/lib.rs).

use std::collections::{BTreeMap, BTreeSet};
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

/// A line of a Markdown text outside fenced code blocks, and the byte ranges of its inline
/// code spans (the text between backticks, without them).
struct Line<'a> {
    number: usize,
    text: &'a str,
    spans: Vec<(usize, usize)>,
}

impl Line<'_> {
    fn span(&self, i: usize) -> &str {
        &self.text[self.spans[i].0..self.spans[i].1]
    }
}

fn prose_lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut fenced = false;
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let ticks: Vec<usize> = line.match_indices('`').map(|(i, _)| i).collect();
        let spans = ticks
            .chunks_exact(2)
            .map(|pair| (pair[0] + 1, pair[1]))
            .filter(|(start, end)| start < end)
            .collect();
        lines.push(Line {
            number: n + 1,
            text: line,
            spans,
        });
    }
    lines
}

/// The first column of the lines of plain fenced blocks (no language), such as README's layout
/// of the sources: `src/main.rs, src/cli.rs    parse -> ...`.
fn fenced_layout_paths(text: &str) -> Vec<(usize, String)> {
    let mut paths = Vec::new();
    let mut fence: Option<&str> = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("```") {
            fence = match fence {
                None => Some(rest.trim()),
                Some(_) => None,
            };
            continue;
        }
        if fence != Some("") || line.starts_with(' ') {
            continue;
        }
        let column = line.split("  ").next().unwrap_or_default();
        for part in column.split(", ") {
            paths.push((n + 1, part.trim().to_string()));
        }
    }
    paths
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

/// Whether `pattern` (a path from the repository's root that may hold `*` in a segment) names
/// something that exists.
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

/// The relative links of a line, `[text](target)`, without the `#anchor` of a target.
fn links(line: &str) -> Vec<(String, Option<String>)> {
    let mut found = Vec::new();
    for (i, _) in line.match_indices("](") {
        let rest = &line[i + 2..];
        let Some(end) = rest.find(')') else { continue };
        let target = &rest[..end];
        if target.contains("://") || target.starts_with("mailto:") || target.contains(' ') {
            continue;
        }
        let (path, anchor) = match target.split_once('#') {
            Some((path, anchor)) => (path.to_string(), Some(anchor.to_string())),
            None => (target.to_string(), None),
        };
        found.push((path, anchor));
    }
    found
}

/// The anchors GitHub gives a document's headings: lower case, punctuation other than `-` and
/// `_` dropped, spaces as `-`.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut fenced = false;
    let mut anchors = BTreeSet::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let heading = line.trim_start_matches('#').trim();
        let anchor: String = heading
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        anchors.insert(anchor);
    }
    anchors
}

/// The Rust sources of the repository, by path from its root, with the names of the functions
/// each defines and of those that are tests (`#[test]`, `#[tokio::test]`, proptest's `#[test]`).
struct Sources {
    functions: BTreeMap<String, BTreeSet<String>>,
    tests: BTreeMap<String, BTreeSet<String>>,
}

impl Sources {
    fn read() -> Sources {
        fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
            for entry in fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    if path.file_name().is_some_and(|n| n != "target") {
                        collect(&path, files);
                    }
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        let mut files = Vec::new();
        for dir in ["src", "tests", "emulator", "bench", "fuzz"] {
            collect(&root().join(dir), &mut files);
        }
        let mut sources = Sources {
            functions: BTreeMap::new(),
            tests: BTreeMap::new(),
        };
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            let shown = file.strip_prefix(root()).unwrap().display().to_string();
            let (functions, tests) = functions_and_tests(&text);
            sources.functions.insert(shown.clone(), functions);
            sources.tests.insert(shown, tests);
        }
        sources
    }

    fn all_tests(&self) -> impl Iterator<Item = &String> {
        self.tests.values().flatten()
    }
}

/// The names of the functions a Rust text defines, and of those marked as tests.
fn functions_and_tests(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut functions = BTreeSet::new();
    let mut tests = BTreeSet::new();
    let mut marked = false;
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with("#[test]") || line.starts_with("#[tokio::test") {
            marked = true;
            continue;
        }
        let signature = ["pub(crate) ", "pub ", "async ", "const ", "unsafe "]
            .iter()
            .fold(line, |l, prefix| l.strip_prefix(prefix).unwrap_or(l));
        if let Some(rest) = signature.strip_prefix("fn ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if marked {
                tests.insert(name.clone());
            }
            functions.insert(name);
            marked = false;
        } else if !(line.starts_with("#[") || line.starts_with("///") || line.starts_with("//")) {
            marked = false;
        }
    }
    (functions, tests)
}

/// A snake_case identifier, possibly shortened: `name…` (a prefix) or `…_suffix` (a suffix).
#[derive(Debug, PartialEq)]
enum Name<'a> {
    Whole(&'a str),
    Prefix(&'a str),
    Suffix(&'a str),
}

impl Name<'_> {
    fn parse(span: &str) -> Option<Name<'_>> {
        let word = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
        let name = match (span.strip_suffix('…'), span.strip_prefix('…')) {
            (Some(p), _) => Name::Prefix(p),
            (None, Some(s)) => Name::Suffix(s),
            (None, None) => Name::Whole(span),
        };
        let text = name.text();
        (!text.is_empty()
            && text.chars().all(word)
            && text.chars().any(|c| c.is_ascii_lowercase())
            && !text.starts_with(|c: char| c.is_ascii_digit()))
        .then_some(name)
    }

    fn text(&self) -> &str {
        let (Name::Whole(n) | Name::Prefix(n) | Name::Suffix(n)) = self;
        n
    }

    fn words(&self) -> usize {
        self.text().split('_').filter(|w| !w.is_empty()).count()
    }

    fn found_in<'s>(&self, mut names: impl Iterator<Item = &'s String>) -> bool {
        match self {
            Name::Whole(n) => names.any(|f| f == n),
            Name::Prefix(p) => names.any(|f| f.starts_with(p.trim_end_matches('_'))),
            Name::Suffix(s) => names.any(|f| f.ends_with(s)),
        }
    }
}

/// A span that cites a test outside the file-colon form: a snake_case name of four words or
/// more (a Terraform resource name, `aws_…`, is not one).
fn cited_test(span: &str) -> Option<Name<'_>> {
    if span.starts_with("aws_") {
        return None;
    }
    Name::parse(span).filter(|n| n.words() >= 4)
}

/// What the text right after a span that names a Rust file makes of it: `: ` (or a
/// parenthesis, then `:`) opens a list of that file's tests; a space then a span names an item
/// of the file.
#[derive(Debug, PartialEq)]
enum After {
    Tests,
    Item,
    Nothing,
}

fn after_file(rest: &str) -> After {
    if rest.starts_with(':') {
        return After::Tests;
    }
    if let Some(inner) = rest.strip_prefix(" (") {
        let mut depth = 1;
        for (i, c) in inner.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                return if inner[i + 1..].starts_with(':') {
                    After::Tests
                } else {
                    After::Nothing
                };
            }
        }
        return After::Nothing;
    }
    if rest.starts_with(" `") {
        return After::Item;
    }
    After::Nothing
}

/// Every problem of the citations in one document's text.
fn citation_problems(shown: &str, dir: &Path, text: &str, sources: &Sources) -> Vec<String> {
    let mut problems = Vec::new();
    let own_anchors = anchors(text);
    for line in prose_lines(text) {
        let at = format!("{shown}:{}", line.number);
        for (target, anchor) in links(line.text) {
            if !target.is_empty() {
                let resolved = dir.join(&target);
                if !resolved.exists() {
                    problems.push(format!("{at}: link `{target}` leads nowhere"));
                } else if let Some(anchor) = &anchor {
                    if resolved.extension().is_some_and(|e| e == "md")
                        && !anchors(&fs::read_to_string(&resolved).unwrap()).contains(anchor)
                    {
                        problems.push(format!("{at}: `{target}` has no heading `#{anchor}`"));
                    }
                }
            } else if let Some(anchor) = anchor {
                if !own_anchors.contains(&anchor) {
                    problems.push(format!("{at}: no heading here has the anchor `#{anchor}`"));
                }
            }
        }
        // The file whose tests the names that follow are, after `` `file.rs`: ``.
        let mut tests_of: Option<String> = None;
        let mut inside_parenthesis_until = 0;
        for i in 0..line.spans.len() {
            let span = line.span(i);
            let between = if i == 0 {
                ""
            } else {
                &line.text[line.spans[i - 1].1 + 1..line.spans[i].0 - 1]
            };
            if between.contains([';', '|']) {
                tests_of = None;
            }
            let paths = cited_paths(span);
            for path in &paths {
                if !exists(path) {
                    problems.push(format!("{at}: path `{path}` does not exist"));
                }
            }
            if let [file] = paths.as_slice() {
                if line.spans[i].0 < inside_parenthesis_until {
                    continue;
                }
                if file.ends_with(".rs") {
                    let rest = &line.text[line.spans[i].1 + 1..];
                    match after_file(rest) {
                        After::Tests => {
                            tests_of = Some(file.clone());
                            if rest.starts_with(" (") {
                                inside_parenthesis_until =
                                    line.spans[i].1 + 1 + rest.find("):").unwrap();
                            }
                        }
                        After::Item => {
                            tests_of = None;
                            if let Some(item) = line.spans.get(i + 1).map(|_| line.span(i + 1)) {
                                let name = item.rsplit("::").next().unwrap_or(item);
                                let defined = sources.functions.get(file.as_str());
                                if Name::parse(name).is_some()
                                    && !defined.is_some_and(|f| f.contains(name))
                                {
                                    problems.push(format!(
                                        "{at}: `{file}` defines no function `{name}`"
                                    ));
                                }
                            }
                        }
                        After::Nothing => tests_of = None,
                    }
                } else if !file.ends_with('/') && file.contains('.') {
                    tests_of = None;
                }
                continue;
            }
            if i > 0
                && line.text[..line.spans[i].0].ends_with("` `")
                && line.spans[i - 1].1 + 3 == line.spans[i].0
                && cited_paths(line.span(i - 1))
                    .iter()
                    .any(|p| p.ends_with(".rs"))
            {
                continue; // the item after a file, checked above
            }
            if line.spans[i].0 < inside_parenthesis_until {
                continue;
            }
            match (&tests_of, Name::parse(span)) {
                (Some(file), Some(name)) => {
                    let tests = sources.tests.get(file.as_str());
                    if !tests.is_some_and(|t| name.found_in(t.iter())) {
                        problems.push(format!("{at}: `{file}` has no test `{span}`"));
                    }
                }
                _ => {
                    if let Some(name) = cited_test(span)
                        .or_else(|| Name::parse(span).filter(|n| matches!(n, Name::Suffix(_))))
                    {
                        if !name.found_in(sources.all_tests()) {
                            problems.push(format!("{at}: no test is named `{span}`"));
                        }
                    }
                }
            }
        }
    }
    for (number, path) in fenced_layout_paths(text) {
        for path in cited_paths(&path) {
            if !exists(&path) {
                problems.push(format!("{shown}:{number}: path `{path}` does not exist"));
            }
        }
    }
    problems
}

#[test]
fn every_path_and_test_the_docs_cite_exists() {
    let sources = Sources::read();
    let mut problems = Vec::new();
    for doc in documents() {
        let text = fs::read_to_string(&doc).unwrap();
        let shown = doc.strip_prefix(root()).unwrap().display().to_string();
        problems.extend(citation_problems(
            &shown,
            doc.parent().unwrap(),
            &text,
            &sources,
        ));
    }
    assert!(
        problems.is_empty(),
        "the docs cite what does not exist:\n{}",
        problems.join("\n")
    );
}

/// The top-level keys of the config, from its checked-in JSON Schema (generated from the types,
/// and checked against them by a test).
fn top_level_keys() -> Vec<String> {
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root().join("schema/lockward.schema.json")).unwrap(),
    )
    .unwrap();
    schema["properties"]
        .as_object()
        .expect("the config schema lists its top-level keys")
        .keys()
        .cloned()
        .collect()
}

fn kinds() -> Vec<String> {
    lockward::vocabulary::Kind::ALL
        .map(|k| k.as_str().to_string())
        .to_vec()
}

/// What docs/configuration.md leaves out of the places a reader looks for a key or a kind.
fn configuration_gaps(reference: &str, keys: &[String], kinds: &[String]) -> Vec<String> {
    let intro = &reference[..reference.find("\n## ").unwrap_or(reference.len())];
    let first_paragraph = intro
        .split("\n\n")
        .nth(1)
        .expect("the reference opens with a paragraph under its title");
    let top_row = reference
        .lines()
        .find(|l| l.starts_with("| Top-level keys |"))
        .unwrap_or_default();
    let headings: BTreeSet<&str> = reference
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .collect();
    let mut gaps = Vec::new();
    let every: BTreeSet<&String> = keys.iter().chain(kinds).collect();
    for key in every {
        let code = format!("`{key}`");
        if !intro.contains(&format!("[{code}](#{key})")) {
            gaps.push(format!("the table of contents links no `{key}`"));
        }
        if !top_row.contains(&code) {
            gaps.push(format!("the `Top-level keys` row does not name `{key}`"));
        }
        if !headings.contains(code.as_str()) {
            gaps.push(format!("no heading `## {code}`"));
        }
    }
    for kind in kinds {
        if !first_paragraph.contains(&format!("`{kind}`")) {
            gaps.push(format!("the opening paragraph does not name `{kind}`"));
        }
    }
    gaps
}

#[test]
fn the_configuration_reference_names_every_kind_and_top_level_key() {
    let reference = fs::read_to_string(root().join("docs/configuration.md")).unwrap();
    let keys = top_level_keys();
    assert!(keys.len() > 3, "{keys:?}");
    let gaps = configuration_gaps(&reference, &keys, &kinds());
    assert!(
        gaps.is_empty(),
        "docs/configuration.md leaves out:\n{}",
        gaps.join("\n")
    );
}

const NUMBERS: [&str; 10] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];

/// Every "<number> kinds" (or "<number> lock kinds") of a text whose number is not `count`.
fn wrong_kind_counts(text: &str, count: usize) -> Vec<String> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut wrong = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let kinds_at = if words.get(i + 1) == Some(&"kinds") {
            Some(i + 1)
        } else if words.get(i + 1) == Some(&"lock") && words.get(i + 2) == Some(&"kinds") {
            Some(i + 2)
        } else {
            None
        };
        if kinds_at.is_none() {
            continue;
        }
        let lower = w.to_lowercase();
        let number = NUMBERS
            .iter()
            .position(|n| *n == lower)
            .or_else(|| lower.parse().ok());
        if number.is_some_and(|n| n != count) {
            wrong.push(format!("{w} kinds"));
        }
    }
    wrong
}

/// The services the emulator registers, in the words a reader knows them by: `RecycleBin` is
/// "recycle bin", `Sts` is "sts".
fn emulator_services() -> Vec<String> {
    let lib = fs::read_to_string(root().join("emulator/src/lib.rs")).unwrap();
    let start = lib
        .find("services! {")
        .expect("emulator/src/lib.rs registers its services with services!");
    let block = &lib[start..start + lib[start..].find('}').unwrap()];
    block
        .lines()
        .filter_map(|l| l.trim().trim_end_matches(',').split_once("::"))
        .map(|(_, service)| {
            let mut words = String::new();
            for (i, c) in service.char_indices() {
                if i > 0 && c.is_ascii_uppercase() {
                    words.push(' ');
                }
                words.push(c.to_ascii_lowercase());
            }
            words
        })
        .collect()
}

/// The services README's emulator section does not name (whole words, any case).
fn unnamed_services(section: &str, services: &[String]) -> Vec<String> {
    let words: Vec<String> = section
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let text = format!(" {} ", words.join(" "));
    services
        .iter()
        .filter(|s| !text.contains(&format!(" {s} ")))
        .cloned()
        .collect()
}

#[test]
fn the_docs_count_the_kinds_and_readme_names_every_emulated_service() {
    let count = kinds().len();
    let mut wrong = Vec::new();
    for doc in documents() {
        let text = fs::read_to_string(&doc).unwrap();
        for found in wrong_kind_counts(&text, count) {
            wrong.push(format!("{}: `{found}`", doc.display()));
        }
    }
    assert!(wrong.is_empty(), "there are {count} kinds: {wrong:?}");

    let services = emulator_services();
    assert!(services.len() >= 6, "{services:?}");
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("\n## The emulator")
        .expect("README has a section on the emulator");
    let end = readme[start + 1..]
        .find("\n## ")
        .map_or(readme.len(), |e| start + 1 + e);
    let unnamed = unnamed_services(&readme[start..end], &services);
    assert!(
        unnamed.is_empty(),
        "README's emulator section does not name {unnamed:?}"
    );
}

#[test]
fn the_checks_find_what_is_missing() {
    // Each check above passes only because it can fail: made-up citations are caught.
    let sources = Sources::read();
    assert!(!exists("src/plan/planner/proptests.rs"));
    assert!(exists("src/kinds/*/tests.rs"));
    assert!(exists("tests/corpus/"));
    assert_eq!(
        cited_paths("tests/corpus/{config,state}/"),
        ["tests/corpus/config/", "tests/corpus/state/"]
    );
    assert_eq!(
        cited_test("deliver_to_a_symlink_is_a_conflict_…"),
        Some(Name::Prefix("deliver_to_a_symlink_is_a_conflict_"))
    );
    assert_eq!(cited_test("backend: s3"), None);
    assert_eq!(cited_test("lowers_protection"), None);
    assert_eq!(cited_test("aws_glacier_vault_lock"), None);
    assert!(!sources
        .all_tests()
        .any(|t| t == "a_test_that_was_never_written"));

    let problems = |text: &str| citation_problems("doc.md", &root().join("docs"), text, &sources);
    // The file-colon form: a test of another file, or no test at all, is refused.
    assert!(problems("| x | `tests/hostile.rs`: `a_symlinked_plan_file_is_refused` |").is_empty());
    assert_eq!(
        problems("| x | `tests/apply.rs`: `a_symlinked_plan_file_is_refused` |"),
        ["doc.md:1: `tests/apply.rs` has no test `a_symlinked_plan_file_is_refused`"]
    );
    assert_eq!(
        problems("`tests/fuzz.rs` (over `tests/corpus/`): `fn_main`"),
        ["doc.md:1: `tests/fuzz.rs` has no test `fn_main`"]
    );
    assert_eq!(
        problems("`tests/attempts.rs`: `a_deleted_journal_refuses_the_retrieval_it_recorded_locally`, `…_in_s4`"),
        ["doc.md:1: `tests/attempts.rs` has no test `…_in_s4`"]
    );
    // A helper is not a test: `functions_and_tests` is a function of this file, no test.
    assert_eq!(
        problems("`tests/docs.rs`: `functions_and_tests`"),
        ["doc.md:1: `tests/docs.rs` has no test `functions_and_tests`"]
    );
    // Elsewhere: a long snake_case name is a test somewhere; a file then a name is an item of it.
    assert_eq!(
        problems("see `a_test_that_was_never_written`"),
        ["doc.md:1: no test is named `a_test_that_was_never_written`"]
    );
    assert_eq!(
        problems("- `src/files.rs` `check_nothing`: `a_fifo_is_refused_never_waited_on`"),
        ["doc.md:1: `src/files.rs` defines no function `check_nothing`"]
    );
    // Links: a file that is not there, a heading that is not there.
    assert_eq!(
        problems("[the guide](pull-requests.md#no-such-heading) and [x](../nowhere.md)"),
        [
            "doc.md:1: `pull-requests.md` has no heading `#no-such-heading`",
            "doc.md:1: link `../nowhere.md` leads nowhere"
        ]
    );
    assert_eq!(
        problems("# A title\n[up](#a-title) [down](#b)"),
        ["doc.md:2: no heading here has the anchor `#b`"]
    );
    assert_eq!(
        problems("```\nsrc/main.rs, src/gone.rs    the layout\n  mod.rs  relative\n```"),
        ["doc.md:2: path `src/gone.rs` does not exist"]
    );
    assert!(anchors("## 0. Where: S3 for a team, `git`").contains("0-where-s3-for-a-team-git"));

    // The configuration reference, the count of kinds and the emulator's services.
    let keys = ["version".to_string(), "backend".to_string()];
    let kinds = ["glacier_vault_lock".to_string()];
    let complete = "# Ref\n\nOf `glacier_vault_lock`.\n\n- [`version`](#version)\n- [`backend`](#backend)\n- [`glacier_vault_lock`](#glacier_vault_lock)\n\n## The file\n| Top-level keys | `version`, `backend`, `glacier_vault_lock` |\n## `version`\n## `backend`\n## `glacier_vault_lock`\n";
    assert_eq!(
        configuration_gaps(complete, &keys, &kinds),
        Vec::<String>::new()
    );
    let gaps = configuration_gaps(&complete.replace(", `backend`, ", ", "), &keys, &kinds);
    assert_eq!(gaps, ["the `Top-level keys` row does not name `backend`"]);
    assert_eq!(
        configuration_gaps(
            &complete.replace("Of `glacier_vault_lock`.", "Of vaults."),
            &keys,
            &kinds
        ),
        ["the opening paragraph does not name `glacier_vault_lock`"]
    );
    assert_eq!(
        wrong_kind_counts("over all three kinds; five lock kinds; one kind", 5),
        ["three kinds"]
    );
    assert!(emulator_services().contains(&"recycle bin".to_string()));
    assert_eq!(
        unnamed_services(
            "Glacier, Recycle Bin and STS",
            &["glacier".into(), "recycle bin".into(), "s3".into()]
        ),
        ["s3"]
    );
}
