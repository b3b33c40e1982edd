//! The config loader never panics on any text: it returns a config or errors naming the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = lockward::config::load_str(text, std::path::Path::new("/nonexistent/lockward.yaml"));
    }
});
