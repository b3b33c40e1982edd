//! The state-file reader never panics on any bytes and never changes the file it reads; it
//! accepts only a format this lockward understands, and every refusal names the file, gives a
//! hint and exits 1.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("lockward.state.json");
    std::fs::write(&path, data).expect("write");
    match lockward::state::StateStore::new(&path).load() {
        Ok(state) => assert!(
            state.format_version <= lockward::state::model::STATE_FORMAT_VERSION,
            "accepted state format {}",
            state.format_version
        ),
        Err(e) => {
            let shown = e.to_string();
            assert!(
                shown.contains(&path.display().to_string()),
                "the error names no file:\n{shown}"
            );
            assert!(shown.contains("hint:"), "the error gives no hint:\n{shown}");
        }
    }
    assert_eq!(
        std::fs::read(&path).expect("read back"),
        data,
        "reading changed the state file"
    );
    assert!(
        !dir.path().join("lockward.state.json.backup").exists(),
        "reading wrote a backup"
    );
});
