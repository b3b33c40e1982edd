//! The plan-file reader never panics on any bytes and never changes the file it reads; it
//! accepts only a plan whose digest, summary and fingerprints match its contents, and every
//! refusal names the file, gives a hint and exits 1.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan.lwplan");
    std::fs::write(&path, data).expect("write");
    match lockward::planfile::SavedPlan::read(&path) {
        Ok(saved) => {
            let plan = &saved.plan;
            let resealed = lockward::plan::Plan::new(
                plan.config_digest.clone(),
                plan.state.clone(),
                plan.valid_until,
                plan.resources.clone(),
            );
            assert_eq!(
                resealed.digest, plan.digest,
                "accepted a plan whose digest does not match"
            );
            assert_eq!(
                resealed.summary, plan.summary,
                "accepted a plan whose summary does not match"
            );
        }
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
        "reading changed the plan file"
    );
});
