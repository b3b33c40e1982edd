//! The harness itself works: a plan against the emulator reads and never writes.

use serde_json::json;

use crate::support::{vault, Env};

#[test]
fn plan_against_the_emulator_reads_only() {
    let env = Env::new();
    env.seed(json!({"glacier": [vault("audit-logs")]}));
    env.config("glacier_vault_lock:\n  audit:\n    vault: audit-logs\n    policy_file: policies/audit.json\n    state: locked\n");
    let run = env.lockward(&["plan", "--detailed-exitcode"]);
    run.code(2).stdout_has("glacier_vault_lock.audit");
    assert!(
        env.mutating_calls().is_empty(),
        "plan made a mutating call: {:?}",
        env.calls()
    );
    assert!(!env.calls().is_empty(), "plan read nothing");
}
