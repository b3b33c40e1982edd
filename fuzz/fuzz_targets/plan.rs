//! The plan-file reader never panics on any bytes, and never changes the file it reads.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan.lwplan");
    std::fs::write(&path, data).expect("write");
    let _ = lockward::planfile::SavedPlan::read(&path);
    assert_eq!(std::fs::read(&path).expect("read back"), data, "reading changed the plan file");
});
