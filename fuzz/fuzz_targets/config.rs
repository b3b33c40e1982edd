//! The config loader never panics on any text, and every error it returns names the file it
//! was reading (the config itself, or a policy file it refers to, which does not exist here).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new("/nonexistent/lockward.yaml");
    if let Err(e) = lockward::config::load_str(text, path) {
        let shown = e.to_string();
        assert!(
            shown.contains("lockward.yaml") || shown.contains("/nonexistent/"),
            "the error names no file:\n{shown}"
        );
    }
});
