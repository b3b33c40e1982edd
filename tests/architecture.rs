//! The layering README's "Layout" and "Adding a lock kind" promise, checked on the source: the
//! engine names no kind, a kind reaches the engine only through the step context, the words
//! and the plan model, and the library never moves the process's working directory.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out.sort();
    out
}

/// The lock kinds: the folders under src/kinds.
fn kind_folders() -> Vec<String> {
    let mut kinds: Vec<String> = fs::read_dir(root().join("src/kinds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    kinds.sort();
    kinds
}

/// Lines of code (comments dropped) in `text` that contain `needle`, as `path:line: text`.
fn lines_with(path: &Path, text: &str, needle: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let code = l.trim_start();
            !code.starts_with("//") && code.contains(needle)
        })
        .map(|(n, l)| format!("{}:{}: {}", path.display(), n + 1, l.trim()))
        .collect()
}

#[test]
fn no_engine_file_names_a_kind_module() {
    let kinds = kind_folders();
    assert!(
        kinds.len() >= 5,
        "the kinds are folders under src/kinds: {kinds:?}"
    );
    let kinds_dir = root().join("src/kinds");
    let mut found = Vec::new();
    for (path, text) in sources(&root().join("src")) {
        if path.starts_with(&kinds_dir) {
            continue;
        }
        for kind in &kinds {
            for needle in [format!("kinds::{kind}::"), format!("kinds::{kind};")] {
                found.extend(lines_with(&path, &text, &needle));
            }
        }
    }
    assert!(
        found.is_empty(),
        "engine files reach into a kind's module (use the LockKind contract in src/kinds/mod.rs):\n{}",
        found.join("\n")
    );
}

#[test]
fn a_kind_imports_no_executor_report_builder_or_renderer() {
    let mut found = Vec::new();
    for kind in kind_folders() {
        for (path, text) in sources(&root().join("src/kinds").join(&kind)) {
            for needle in ["apply::executor", "report::build", "crate::render"] {
                found.extend(lines_with(&path, &text, needle));
            }
        }
    }
    assert!(
        found.is_empty(),
        "a kind reaches the engine only through the step context (apply::step), the words \
         (crate::words), the plan model and the config checks:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_library_never_changes_the_working_directory() {
    let mut found = Vec::new();
    for (path, text) in sources(&root().join("src")) {
        found.extend(lines_with(&path, &text, "set_current_dir"));
    }
    assert!(
        found.is_empty(),
        "paths resolve against the config's directory explicitly; nothing moves the process:\n{}",
        found.join("\n")
    );
}
