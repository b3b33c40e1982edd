//! Bounded fuzzing of the three readers of untrusted files: the config loader, the state-file
//! reader and the plan-file reader. Each gets arbitrary bytes and mutations (bit flips,
//! truncations, splices, hostile tokens) of the valid files checked in under
//! `tests/corpus/{config,state,plan}/`. Whatever the input, a reader returns either a value or
//! an error that names the file; it never panics, and reading never changes the file.
//!
//! This stands in for `cargo fuzz` (which needs a nightly toolchain) on the stable toolchain CI
//! has; the corpus is the same one a coverage-guided fuzzer would start from.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use lockward::planfile::SavedPlan;
use lockward::state::StateStore;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

/// Cases per property: bounded so the whole module runs in seconds in a debug build.
const CASES: u32 = 192;

fn corpus(kind: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(kind);
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&path).unwrap(),
            )
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus files in {}", dir.display());
    files
}

/// Tokens that tend to break parsers: structure, huge and odd numbers, YAML aliases and tags,
/// NUL, a BOM, format versions from the future, deep nesting.
const TOKENS: &[&str] = &[
    "\"",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\n",
    "- ",
    "null",
    "~",
    "true",
    "-1",
    "0x1F",
    "1e999",
    "18446744073709551616",
    "-9223372036854775809",
    "\\u0000",
    "\u{0}",
    "\u{feff}",
    "\u{202e}",
    "&a [*a, *a]",
    "*a",
    "!!binary AAAA",
    "<<: *a",
    "? ",
    "|\n  ",
    ">-\n",
    "\t",
    "\"format_version\": 2",
    "format_version: 99",
    "\"kind\": \"lockward-plan\"",
    "\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"",
    "2026-02-30T25:61:61Z",
    "9999-12-31T23:59:59Z",
    "\u{1F512}",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{",
];

#[derive(Clone, Debug)]
enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Insert(Index, Vec<u8>),
    InsertToken(Index, Index),
    Delete(Index, usize),
    Truncate(Index),
    /// Copies a slice of the file to another place in it.
    Splice(Index, usize, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit(at, bit)),
        (any::<Index>(), any::<u8>()).prop_map(|(at, b)| Mutation::SetByte(at, b)),
        (
            any::<Index>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(at, b)| Mutation::Insert(at, b)),
        (any::<Index>(), any::<Index>()).prop_map(|(at, t)| Mutation::InsertToken(at, t)),
        (any::<Index>(), 1usize..64).prop_map(|(at, n)| Mutation::Delete(at, n)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), 1usize..256, any::<Index>())
            .prop_map(|(from, n, to)| Mutation::Splice(from, n, to)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        // A position in 0..=len.
        let at = |i: &Index| i.index(len + 1);
        match m {
            Mutation::FlipBit(i, bit) if len > 0 => {
                let p = i.index(len);
                bytes[p] ^= 1 << bit;
            }
            Mutation::SetByte(i, b) if len > 0 => {
                let p = i.index(len);
                bytes[p] = *b;
            }
            Mutation::Insert(i, b) => {
                let p = at(i);
                bytes.splice(p..p, b.iter().copied());
            }
            Mutation::InsertToken(i, t) => {
                let p = at(i);
                bytes.splice(p..p, TOKENS[t.index(TOKENS.len())].bytes());
            }
            Mutation::Delete(i, n) => {
                let p = at(i);
                bytes.drain(p..(p + n).min(len));
            }
            Mutation::Truncate(i) => bytes.truncate(at(i)),
            Mutation::Splice(from, n, to) if len > 0 => {
                let p = from.index(len);
                let piece: Vec<u8> = bytes[p..(p + n).min(len)].to_vec();
                let q = at(to);
                bytes.splice(q..q, piece);
            }
            _ => {}
        }
    }
    bytes
}

/// A private directory holding what the corpus configs refer to (a policy file, the secrets
/// and manifests directories), so mutated configs get as far as resolving their paths.
fn project() -> tempfile::TempDir {
    // In memory where the machine has it: the harness writes a file for every input.
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap_or_else(|_| tempfile::tempdir().unwrap())
    } else {
        tempfile::tempdir().unwrap()
    };
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
    fs::create_dir(dir.path().join("policies")).unwrap();
    fs::write(
        dir.path().join("policies/audit.json"),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","Resource":"*"}]}"#,
    )
    .unwrap();
    for sub in ["secrets", "manifests"] {
        fs::create_dir(dir.path().join(sub)).unwrap();
        fs::set_permissions(dir.path().join(sub), fs::Permissions::from_mode(0o700)).unwrap();
    }
    dir
}

/// The config loader, from text and from a file holding `bytes`: a config or an error that
/// names the file.
fn check_config(dir: &Path, bytes: &[u8]) -> Result<(), TestCaseError> {
    let path = dir.join("lockward.yaml");
    let text = String::from_utf8_lossy(bytes);
    if let Err(e) = lockward::config::load_str(&text, &path) {
        let shown = e.to_string();
        prop_assert!(
            shown.contains("lockward.yaml"),
            "the error does not name the file:\n{}",
            shown
        );
    }
    fs::write(&path, bytes).unwrap();
    if let Err(e) = lockward::config::load(&path) {
        prop_assert!(
            e.to_string().contains("lockward.yaml"),
            "the error does not name the file:\n{}",
            e
        );
    }
    prop_assert_eq!(
        fs::read(&path).unwrap(),
        bytes,
        "loading changed the config file"
    );
    Ok(())
}

/// The state-file reader: a state or an error that names the file and says what to do next;
/// the file is left byte-identical.
fn check_state(dir: &Path, bytes: &[u8]) -> Result<(), TestCaseError> {
    let path = dir.join("lockward.state.json");
    fs::write(&path, bytes).unwrap();
    match StateStore::new(&path).load() {
        Ok(state) => {
            // Only a format this lockward understands is ever accepted.
            prop_assert!(state.format_version <= lockward::state::model::STATE_FORMAT_VERSION);
        }
        Err(e) => {
            let shown = e.to_string();
            prop_assert!(
                shown.contains(&path.display().to_string()),
                "the error does not name the file:\n{}",
                shown
            );
            prop_assert!(
                shown.contains("hint:"),
                "the error gives no hint:\n{}",
                shown
            );
        }
    }
    prop_assert_eq!(
        fs::read(&path).unwrap(),
        bytes,
        "loading changed the state file"
    );
    prop_assert!(
        !dir.join("lockward.state.json.backup").exists(),
        "loading wrote a backup"
    );
    Ok(())
}

/// The plan-file reader: a verified plan or an error that names the file with a hint.
fn check_plan(dir: &Path, bytes: &[u8]) -> Result<(), TestCaseError> {
    let path = dir.join("plan.json");
    fs::write(&path, bytes).unwrap();
    match SavedPlan::read(&path) {
        Ok(saved) => {
            // Only a plan whose digest matches its contents is ever accepted.
            let plan = &saved.plan;
            let recomputed = lockward::plan::Plan::new(
                plan.config_digest.clone(),
                plan.state.clone(),
                plan.valid_until,
                plan.resources.clone(),
            );
            prop_assert_eq!(&recomputed.digest, &plan.digest);
        }
        Err(e) => {
            let shown = e.to_string();
            prop_assert!(
                shown.contains(&path.display().to_string()),
                "the error does not name the file:\n{}",
                shown
            );
            prop_assert!(
                shown.contains("hint:"),
                "the error gives no hint:\n{}",
                shown
            );
        }
    }
    prop_assert_eq!(
        fs::read(&path).unwrap(),
        bytes,
        "reading changed the plan file"
    );
    Ok(())
}

type Check = fn(&Path, &[u8]) -> Result<(), TestCaseError>;

/// One corpus file and a few mutations of it.
fn mutated(kind: &'static str) -> impl Strategy<Value = (String, Vec<u8>)> {
    let files = corpus(kind);
    (0..files.len(), proptest::collection::vec(mutation(), 1..6)).prop_map(move |(i, ms)| {
        let (name, bytes) = &files[i];
        (name.clone(), mutate(bytes.clone(), &ms))
    })
}

/// Values a mutation may put in a plan: the enum words of other fields (so that an action can
/// claim another reversibility or status, an outcome another one), odd scalars, and shapes.
fn plan_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        proptest::sample::select(vec![
            "reversible",
            "delayed",
            "irreversible",
            "ready",
            "deferred",
            "noop",
            "change",
            "blocked",
            "conflict",
            "complete_lock",
            "initiate_lock",
            "abort_lock",
            "lock_rule",
            "unlock_rule",
            "retrieve_unlock_code",
            "glacier_vault_lock",
            "snowball_unlock_code",
            "",
            "2026-11-23T12:00:00Z",
            "not a time",
        ])
        .prop_map(|s| Value::String(s.to_string())),
        Just(Value::Null),
        Just(serde_json::json!(0)),
        Just(serde_json::json!(-1)),
        Just(serde_json::json!(u64::MAX)),
        Just(serde_json::json!(true)),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
    ]
}

/// Every leaf and container of `value`, by JSON pointer.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointers(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// A corpus plan with a few of its values replaced inside `plan` (the part the digest covers),
/// then re-sealed as lockward seals a plan (digest, summary and fingerprints recomputed), so
/// that the mutation gets past the seal to the checks behind it. A mutation that no longer
/// has the shape of a plan cannot be re-sealed and is written as it is.
fn resealed() -> impl Strategy<Value = (String, Vec<u8>)> {
    let files = corpus("plan");
    (
        0..files.len(),
        proptest::collection::vec((any::<Index>(), any::<bool>(), plan_value()), 1..4),
    )
        .prop_map(move |(i, edits)| {
            let (name, bytes) = &files[i];
            let mut saved: Value = serde_json::from_slice(bytes).unwrap();
            let mut targets = Vec::new();
            pointers(&saved["plan"], "/plan".to_string(), &mut targets);
            // The account, region and key beside each target restate the target and the
            // address, and are refused when they do not (a test of the plan file's own).
            targets.retain(|p| {
                p != "/plan"
                    && p != "/plan/digest"
                    && !["/account", "/region", "/key"]
                        .iter()
                        .any(|f| p.ends_with(f) && p.matches('/').count() == 4)
            });
            // Half the edits go to the fields a decision is made of, which are few among the
            // many leaves of the live and desired values.
            let decisions: Vec<String> = targets
                .iter()
                .filter(|p| {
                    [
                        "/reversibility",
                        "/status",
                        "/outcome",
                        "/action",
                        "/not_before",
                    ]
                    .iter()
                    .any(|f| p.ends_with(f))
                })
                .cloned()
                .collect();
            for (at, decision, value) in edits {
                let pool = if decision { &decisions } else { &targets };
                let pointer = &pool[at.index(pool.len())];
                if let Some(slot) = saved.pointer_mut(pointer) {
                    *slot = value;
                }
            }
            let sealed = serde_json::from_value::<lockward::plan::Plan>(saved["plan"].clone())
                .ok()
                .zip(saved["created_at"].as_str().and_then(|t| t.parse().ok()))
                .map(|(plan, created_at)| {
                    let plan = lockward::plan::Plan::new(
                        plan.config_digest,
                        plan.state,
                        plan.valid_until,
                        plan.resources,
                    );
                    serde_json::to_vec_pretty(&SavedPlan::new(plan, created_at)).unwrap()
                });
            (
                name.clone(),
                sealed.unwrap_or_else(|| serde_json::to_vec_pretty(&saved).unwrap()),
            )
        })
}

fn arbitrary_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        // Mostly printable text: gets further into the YAML and JSON parsers than raw bytes.
        "[ -~\n\t]{0,1024}".prop_map(String::into_bytes),
    ]
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        // A crash found here is kept beside this file (fuzz.proptest-regressions) and tried
        // first on every later run, like the planner's properties.
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::SourceParallel("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    }
}

/// Re-seals the corpus plans (digest, summary, fingerprints) after an edit of their contents:
/// `LOCKWARD_UPDATE_CORPUS=1 cargo test --test main fuzz::reseal_the_corpus_plans`.
#[test]
fn reseal_the_corpus_plans() {
    if std::env::var_os("LOCKWARD_UPDATE_CORPUS").is_none() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/plan");
    for (name, bytes) in corpus("plan") {
        let saved: Value = serde_json::from_slice(&bytes).unwrap();
        let plan: lockward::plan::Plan = serde_json::from_value(saved["plan"].clone()).unwrap();
        let plan = lockward::plan::Plan::new(
            plan.config_digest,
            plan.state,
            plan.valid_until,
            plan.resources,
        );
        let created_at = saved["created_at"].as_str().unwrap().parse().unwrap();
        let resealed = SavedPlan::new(plan, created_at);
        let mut text = serde_json::to_string_pretty(&resealed).unwrap();
        text.push('\n');
        fs::write(dir.join(&name), text).unwrap();
    }
}

#[test]
fn the_corpus_is_valid() {
    let dir = project();
    for (name, bytes) in corpus("config") {
        let text = String::from_utf8(bytes).unwrap();
        if let Err(e) = lockward::config::load_str(&text, &dir.path().join("lockward.yaml")) {
            panic!("corpus config {name} does not load:\n{e}");
        }
    }
    for (name, bytes) in corpus("state") {
        let path = dir.path().join(&name);
        fs::write(&path, bytes).unwrap();
        StateStore::new(&path)
            .load()
            .unwrap_or_else(|e| panic!("corpus state {name}: {e}"));
    }
    for (name, bytes) in corpus("plan") {
        let path = dir.path().join(&name);
        fs::write(&path, bytes).unwrap();
        SavedPlan::read(&path).unwrap_or_else(|e| panic!("corpus plan {name}: {e}"));
    }
}

/// The mutations do reach the checks: a flipped byte in a saved plan's resources is refused as
/// tampering, not accepted.
#[test]
fn a_mutated_plan_is_refused() {
    let dir = project();
    let (_, bytes) = corpus("plan")
        .into_iter()
        .find(|(n, _)| n == "changes.json")
        .unwrap();
    let text = String::from_utf8(bytes).unwrap().replacen(
        "\"reversibility\": \"irreversible\"",
        "\"reversibility\": \"reversible\"",
        1,
    );
    let path = dir.path().join("plan.json");
    fs::write(&path, &text).unwrap();
    let err = SavedPlan::read(&path).unwrap_err().to_string();
    assert!(err.contains("was changed after lockward wrote it"), "{err}");
}

/// The re-sealed mutations reach past the seal: many are read as plans, or refused for what
/// they hold rather than for a digest that does not match.
#[test]
fn resealed_mutations_get_past_the_seal() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let dir = project();
    let path = dir.path().join("plan.json");
    let mut runner = TestRunner::deterministic();
    let strategy = resealed();
    let (mut accepted, mut behind_the_seal, mut total) = (0, 0, 0);
    for _ in 0..CASES {
        let (_, bytes) = strategy.new_tree(&mut runner).unwrap().current();
        fs::write(&path, &bytes).unwrap();
        total += 1;
        match SavedPlan::read(&path) {
            Ok(_) => accepted += 1,
            Err(e)
                if !e
                    .to_string()
                    .contains("was changed after lockward wrote it") =>
            {
                behind_the_seal += 1
            }
            Err(_) => {}
        }
    }
    // About one in ten re-sealed mutations is still a plan the reader accepts (most replace a
    // value with one of another type): enough to reach every check behind the seal.
    assert!(
        accepted >= total / 12 && behind_the_seal + accepted >= total / 2,
        "of {total} re-sealed mutations {accepted} were read and {behind_the_seal} refused behind the seal"
    );
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn config_loader_survives_arbitrary_bytes(bytes in arbitrary_bytes()) {
        let dir = project();
        check_config(dir.path(), &bytes)?;
    }

    #[test]
    fn config_loader_survives_mutated_configs((name, bytes) in mutated("config")) {
        let _ = name;
        let dir = project();
        check_config(dir.path(), &bytes)?;
    }

    #[test]
    fn state_reader_survives_arbitrary_bytes(bytes in arbitrary_bytes()) {
        let dir = project();
        check_state(dir.path(), &bytes)?;
    }

    #[test]
    fn state_reader_survives_mutated_states((name, bytes) in mutated("state")) {
        let _ = name;
        let dir = project();
        check_state(dir.path(), &bytes)?;
    }

    #[test]
    fn plan_reader_survives_arbitrary_bytes(bytes in arbitrary_bytes()) {
        let dir = project();
        check_plan(dir.path(), &bytes)?;
    }

    #[test]
    fn plan_reader_survives_resealed_mutations((name, bytes) in resealed()) {
        let _ = name;
        let dir = project();
        check_plan(dir.path(), &bytes)?;
    }

    /// What a reader accepts it vouches for: no action of an accepted plan claims less than
    /// its fixed reversibility, however the file was re-sealed.
    #[test]
    fn an_accepted_plan_never_understates_reversibility((name, bytes) in resealed()) {
        let dir = project();
        let path = dir.path().join("plan.json");
        fs::write(&path, &bytes).unwrap();
        if let Ok(saved) = SavedPlan::read(&path) {
            for r in &saved.plan.resources {
                for a in &r.actions {
                    prop_assert!(
                        a.reversibility >= a.action.reversibility(),
                        "{}: accepted {} as {:?} from a mutation of {}",
                        r.address, a.action.as_str(), a.reversibility, name
                    );
                }
            }
        }
    }

    #[test]
    fn plan_reader_survives_mutated_plans((name, bytes) in mutated("plan")) {
        let _ = name;
        let dir = project();
        check_plan(dir.path(), &bytes)?;
    }
}

/// Every reader, on every corpus file cut at every length: truncation is the most common way a
/// real file goes bad (a full disk, an interrupted copy).
#[test]
fn every_truncation_of_the_corpus_is_handled() {
    let dir = project();
    let checks: [(&str, Check); 3] = [
        ("config", check_config),
        ("state", check_state),
        ("plan", check_plan),
    ];
    for (kind, check) in checks {
        for (name, bytes) in corpus(kind) {
            for len in 0..bytes.len() {
                if let Err(e) = check(dir.path(), &bytes[..len]) {
                    panic!("{kind} corpus {name} cut at {len} bytes: {e}");
                }
            }
        }
    }
}
