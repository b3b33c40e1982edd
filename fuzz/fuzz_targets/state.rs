//! The state-file reader never panics on any bytes, and never changes the file it reads.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("lockward.state.json");
    std::fs::write(&path, data).expect("write");
    let _ = lockward::state::StateStore::new(&path).load();
    assert_eq!(std::fs::read(&path).expect("read back"), data, "reading changed the state file");
});
