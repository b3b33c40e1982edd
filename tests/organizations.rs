//! One template for every account and region of an organisation (DESIGN.md section 2.1),
//! through the binary and the emulator: the members read from AWS Organizations, one session
//! per account, instances `<kind>.<name>[<account>/<region>]`, an unreadable account isolated,
//! membership in the digest.

use serde_json::{json, Value};

use crate::support::Env;

const MANAGEMENT: &str = "123456789012";
const ROOT: &str = "r-ab12";

/// The 20 member accounts: `2` and 11 digits, in three units (`ou-ab12-prod0001` holds
/// `ou-ab12-nested01`, searched recursively).
fn member(n: usize) -> String {
    format!("2{n:011}")
}

fn unit(n: usize) -> &'static str {
    ["ou-ab12-prod0001", "ou-ab12-nested01", "ou-ab12-prod0002"][n % 3]
}

/// Seeds the organisation, its members' backup vaults in both regions, and the member role
/// with an external id (the role of `refusing`, if any, asks for another one).
fn seed(env: &Env, members: usize, refusing: Option<&str>) {
    let mut accounts = vec![json!({"id": MANAGEMENT, "name": "management"})];
    let mut vaults = Vec::new();
    let mut roles = Vec::new();
    for n in 0..members {
        accounts.push(json!({"id": member(n), "name": format!("prod-{n:02}"), "parent": unit(n)}));
        for region in ["us-east-1", "eu-west-1"] {
            vaults.push(json!({"account_id": member(n), "region": region,
                               "vault": format!("backups-{region}"), "vault_type": "BACKUP_VAULT",
                               "recovery_points": 0}));
        }
        let external_id = if refusing == Some(member(n).as_str()) {
            "someone-else"
        } else {
            "lockward-prod"
        };
        roles.push(json!({"arn": format!("arn:aws:iam::{}:role/lockward", member(n)), "external_id": external_id}));
    }
    // Not members of the set: a suspended account, and one in the root alone.
    accounts.push(
        json!({"id": "300000000001", "name": "gone", "parent": unit(0), "state": "SUSPENDED"}),
    );
    accounts.push(json!({"id": "300000000002", "name": "elsewhere"}));
    env.seed(json!({
        "organizations": {"id": "o-abcdefghij", "management_account": MANAGEMENT, "root": ROOT,
            "ous": [{"id": "ou-ab12-prod0001", "name": "prod-1"},
                    {"id": "ou-ab12-nested01", "name": "nested", "parent": "ou-ab12-prod0001"},
                    {"id": "ou-ab12-prod0002", "name": "prod-2"}],
            "accounts": accounts},
        "roles": roles,
        "backup": vaults,
    }));
}

fn config(env: &Env) -> String {
    let url = env.emulator.url();
    format!(
        "version: 1\naccounts:\n  prod:\n    organization:\n      provider: management\n      \
         parents: [ou-ab12-prod0001, ou-ab12-prod0002]\nproviders:\n  management:\n    \
         region: us-east-1\n    endpoint_url: {url}\n  prod:\n    for_each: {{ accounts: prod, \
         regions: [us-east-1, eu-west-1] }}\n    endpoint_url: {url}\n    assume_role:\n      \
         role_arn: \"arn:aws:iam::${{account}}:role/lockward\"\n      external_id: lockward-prod\n\
         backup_vault_lock:\n  prod_backups:\n    provider: prod\n    vault: \"backups-${{region}}\"\n    \
         mode: governance\n    min_retention_days: 7\n"
    )
}

fn operations(env: &Env, name: &str) -> usize {
    env.calls()
        .iter()
        .filter(|c| c["operation"] == json!(name))
        .count()
}

/// Twenty accounts in three units (one nested) and two regions, planned from one template:
/// forty instances, each where its key says, one AssumeRole per account.
#[test]
fn an_organisation_of_twenty_accounts_plans_from_one_template() {
    let env = Env::new();
    seed(&env, 20, None);
    env.write("lockward.yaml", &config(&env));
    let plan = env.plan_json();
    let resources = plan["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 40, "{plan:#}");
    for r in resources {
        let key = r["key"].as_str().unwrap();
        let (account, region) = key.split_once('/').unwrap();
        assert_eq!(r["account"], json!(account), "{r:#}");
        assert_eq!(r["region"], json!(region), "{r:#}");
        assert_eq!(r["desired"]["vault"], json!(format!("backups-{region}")));
        assert_eq!(r["outcome"], json!("change"), "{r:#}");
        assert!(
            account.starts_with("200000000"),
            "only the units' active members: {key}"
        );
    }
    // One session per account, shared by its two regions.
    assert_eq!(operations(&env, "AssumeRole"), 20);
    assert!(env.mutating_calls().is_empty());
    // The plan names the set it was made from, digested: a saved plan that says otherwise
    // is refused.
    assert_eq!(
        plan["account_sets"],
        json!([{"name": "prod", "accounts": (0..20).map(member).collect::<Vec<_>>(),
            "organization": {"id": "o-abcdefghij", "management_account": MANAGEMENT,
            "management_is_member": false}}])
    );
    env.lockward(&["plan", "--out", "org.plan"]).success();
    let saved = env.read("org.plan");
    assert!(saved.contains("\"management_is_member\": false"), "{saved}");
    env.write(
        "edited.plan",
        &saved.replace(
            "\"management_is_member\": false",
            "\"management_is_member\": true",
        ),
    );
    env.lockward(&["show", "edited.plan"])
        .code(1)
        .stderr_has("digest");
    env.lockward(&["show", "org.plan"])
        .success()
        .stdout_has("its management account 123456789012 is not one of them");
    // Applying it puts every lock in its own account.
    env.lockward(&["apply", "--auto-approve"]).success();
    let state = env.aws_state();
    let locked = state["backup"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| !v["lock"].is_null())
        .count();
    assert_eq!(locked, 40, "{state:#}");
    env.lockward(&["plan", "--detailed-exitcode"]).success();
}

/// An account that joins a unit after the plan was reviewed makes the saved plan stale: the
/// approval was for the members as they were.
#[test]
fn an_account_joining_after_review_makes_the_approval_stale() {
    let env = Env::new();
    seed(&env, 3, None);
    env.write("lockward.yaml", &config(&env));
    env.lockward(&[
        "plan",
        "--out",
        "reviewed.plan",
        "--target",
        "region:eu-west-1",
    ])
    .code(0);
    seed(&env, 4, None);
    let run = env.lockward(&["apply", "reviewed.plan"]);
    run.code(1);
    assert!(run.stderr.contains("stale"), "{}", run.stderr);
    // The reason names the set and who joined.
    assert!(
        run.stderr.contains(&format!(
            "account set prod is not what the plan was made for (3 account(s) of o-abcdefghij then, 4 account(s) of o-abcdefghij now; joined since: {})",
            member(3)
        )),
        "{}",
        run.stderr
    );
    // The hint plans again with the reviewed patterns.
    run.stderr_has("lockward plan --target region:eu-west-1 --out reviewed.plan");
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
}

/// The same members seen in another organisation (other credentials at apply, another
/// management account) are another approval: the organisation is part of what was approved.
#[test]
fn the_same_members_in_another_organisation_make_the_approval_stale() {
    let env = Env::new();
    seed(&env, 2, None);
    env.write("lockward.yaml", &config(&env));
    env.lockward(&["plan", "--out", "reviewed.plan"]).code(0);
    let mut other = env.aws_state()["organizations"].clone();
    other["id"] = json!("o-zyxwvutsrq");
    env.seed(json!({"organizations": other}));
    let run = env.lockward(&["apply", "reviewed.plan"]);
    run.code(1);
    assert!(run.stderr.contains("stale"), "{}", run.stderr);
    assert!(
        env.mutating_calls().is_empty(),
        "{:?}",
        env.mutating_calls()
    );
}

/// An account whose role refuses AssumeRole (another external id) is `unknown` with its cause;
/// the other accounts plan; the plan is not applied; `--exclude account:<id>` applies the rest.
#[test]
fn an_account_that_refuses_its_role_is_unknown_and_the_rest_applies() {
    let env = Env::new();
    seed(&env, 3, Some(&member(1)));
    env.write("lockward.yaml", &config(&env));
    let run = env.lockward(&["plan", "--format", "json"]);
    run.code(1);
    let plan: Value = serde_json::from_str(&run.stdout).unwrap();
    let outcome = |key: &str| {
        plan["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == json!(key))
            .map(|r| r["outcome"].clone())
    };
    assert_eq!(
        outcome(&format!("{}/us-east-1", member(1))),
        Some(json!("unknown"))
    );
    assert_eq!(
        outcome(&format!("{}/eu-west-1", member(1))),
        Some(json!("unknown"))
    );
    assert_eq!(
        outcome(&format!("{}/eu-west-1", member(0))),
        Some(json!("change"))
    );
    assert!(
        run.stderr.contains("AccessDenied") || run.stderr.contains("assum"),
        "{}",
        run.stderr
    );
    // Not applied while something is unknown.
    env.lockward(&["apply", "--auto-approve"]).code(1);
    assert!(env.mutating_calls().is_empty());
    let exclude = format!("account:{}", member(1));
    env.lockward(&["apply", "--auto-approve", "--exclude", &exclude])
        .success();
    assert_eq!(env.mutating_calls().len(), 4, "{:?}", env.mutating_calls());
}

/// Patterns select what they say: a region, an account, an instance key with a wildcard.
#[test]
fn patterns_select_instances_by_account_region_and_key() {
    let env = Env::new();
    seed(&env, 3, None);
    env.write("lockward.yaml", &config(&env));
    let keys = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["plan", "--format", "json"];
        all.extend_from_slice(args);
        let run = env.lockward(&all);
        run.code(0);
        let plan: Value = serde_json::from_str(&run.stdout).unwrap();
        plan["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["key"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(keys(&["--target", "region:eu-west-1"]).len(), 3);
    let account = format!("account:{}", member(2));
    assert_eq!(
        keys(&["--target", &account]),
        vec![
            format!("{}/eu-west-1", member(2)),
            format!("{}/us-east-1", member(2))
        ]
    );
    let pattern = format!("backup_vault_lock.prod_backups[{}/*]", member(0));
    assert_eq!(keys(&["--target", &pattern]).len(), 2);
    assert_eq!(keys(&["--exclude", "provider:prod"]).len(), 0);
    env.lockward(&["plan", "--target", "region:eu-west-1"])
        .success()
        .stdout_has("Selected with --target region:eu-west-1 (the patterns are covered by the digest): 3 declared resources and instances were not selected, and not read.")
        .stdout_has("Account set prod: 3 ACTIVE account(s) of organisation o-abcdefghij (covered by the digest); its management account 123456789012 is not one of them.");
    let run = env.lockward(&["plan", "--target", "account:999999999999"]);
    run.code(1);
    assert!(run.stderr.contains("account:"), "{}", run.stderr);
}

/// A set that cannot be read from AWS Organizations (the management provider's credentials
/// act in a member account) leaves its template's resource `unknown`, never a partial set.
#[test]
fn an_unreadable_account_set_is_unknown_not_partial() {
    let env = Env::new();
    seed(&env, 2, None);
    let text = config(&env).replace(
        "  management:\n    region: us-east-1\n",
        &format!("  management:\n    region: us-east-1\n    assume_role: arn:aws:iam::{}:role/lockward\n", member(0)),
    );
    // The member role without an external id, so the management provider can assume it.
    env.write("lockward.yaml", &text);
    let run = env.lockward(&["plan", "--format", "json"]);
    run.code(1);
    let plan: Value = serde_json::from_str(&run.stdout).unwrap();
    let resources = plan["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 1, "{plan:#}");
    assert_eq!(
        resources[0]["address"],
        json!("backup_vault_lock.prod_backups")
    );
    assert_eq!(resources[0]["outcome"], json!("unknown"));
    assert!(run.stderr.contains("account set `prod`"), "{}", run.stderr);
}

/// Template mistakes are located errors, before any call.
#[test]
fn template_mistakes_are_located_before_any_call() {
    let env = Env::new();
    let url = env.emulator.url();
    env.write(
        "lockward.yaml",
        &format!(
            "version: 1\naccounts:\n  prod:\n    ids: [\"111111111111\"]\nproviders:\n  prod:\n    \
             for_each: {{ accounts: prdo, regions: [us-east-1] }}\n    endpoint_url: {url}\n    \
             assume_role: \"arn:aws:iam::111111111111:role/lockward\"\n\
             backup_vault_lock:\n  b:\n    provider: prod\n    vault: \"v-${{acount}}\"\n    mode: none\n"
        ),
    );
    let run = env.lockward(&["validate"]);
    run.code(1);
    run.stderr_has("unknown account set `prdo`")
        .stderr_has("did you mean `prod`?")
        .stderr_has("does not have `${account}` as its account")
        .stderr_has("lockward.yaml:7");
    assert!(env.calls().is_empty());
}

/// A static set of ids with `${account}` in a Glacier policy: substituted inside JSON strings
/// only; an IAM policy variable passes through.
#[test]
fn static_ids_substitute_into_policy_text() {
    let env = Env::new();
    let url = env.emulator.url();
    env.write(
        "lockward.yaml",
        &format!(
            "version: 1\naccounts:\n  two:\n    ids: [\"111111111111\", \"222222222222\"]\nproviders:\n  t:\n    \
             for_each: {{ accounts: two, regions: [us-east-1] }}\n    endpoint_url: {url}\n    \
             assume_role: \"arn:aws:iam::${{account}}:role/lockward\"\n\
             glacier_vault_lock:\n  audit:\n    provider: t\n    vault: audit\n    state: locked\n    \
             policy: '{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Deny\",\"Principal\":\"*\",\
             \"Action\":\"glacier:DeleteArchive\",\"Resource\":\"arn:aws:glacier:${{region}}:${{account}}:vaults/audit\",\
             \"Condition\":{{\"StringLike\":{{\"aws:userid\":\"${{aws:userid}}\"}}}}}}]}}'\n"
        ),
    );
    env.seed(json!({"glacier": [
        {"account_id": "111111111111", "region": "us-east-1", "vault": "audit"},
        {"account_id": "222222222222", "region": "us-east-1", "vault": "audit"}]}));
    let plan = env.plan_json();
    let resources = plan["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 2);
    for r in resources {
        let account = r["account"].as_str().unwrap();
        let policy = r["desired"]["policy"].as_str().unwrap();
        assert!(
            policy.contains(&format!("arn:aws:glacier:us-east-1:{account}:vaults/audit")),
            "{policy}"
        );
        assert!(policy.contains("${aws:userid}"), "{policy}");
    }
}

/// Adopting a one-account resource into a template keeps its history: the instance finds the
/// record by its physical key, plans nothing to do, and the next apply moves the record under
/// the instance's address without a call to AWS.
#[test]
fn adopting_a_resource_into_a_template_moves_its_record_and_runs_nothing() {
    let env = Env::new();
    env.seed(
        json!({"backup": [{"region": "us-east-1", "vault": "backups-us-east-1",
                                "vault_type": "BACKUP_VAULT", "recovery_points": 0}]}),
    );
    let url = env.emulator.url();
    let lock =
        "    vault: \"backups-us-east-1\"\n    mode: governance\n    min_retention_days: 7\n";
    env.write(
        "lockward.yaml",
        &format!("version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {url}\nbackup_vault_lock:\n  b:\n{lock}"),
    );
    env.lockward(&["apply", "--auto-approve"]).success();
    let before = env.mutating_calls().len();
    env.write(
        "lockward.yaml",
        &format!(
            "version: 1\naccounts:\n  one:\n    ids: [\"{MANAGEMENT}\"]\nproviders:\n  t:\n    \
             for_each: {{ accounts: one, regions: [us-east-1] }}\n    endpoint_url: {url}\n    \
             assume_role: \"arn:aws:iam::${{account}}:role/lockward\"\nbackup_vault_lock:\n  b:\n    provider: t\n{}",
            lock.replace("us-east-1\"", "${region}\"")
        ),
    );
    let plan = env.plan_json();
    let r = &plan["resources"][0];
    assert_eq!(
        r["address"],
        json!(format!("backup_vault_lock.b[{MANAGEMENT}/us-east-1]"))
    );
    assert_eq!(r["outcome"], json!("noop"), "{r:#}");
    assert_eq!(
        r["recorded"]["moved_from"],
        json!("backup_vault_lock.b"),
        "{r:#}"
    );
    env.lockward(&["apply", "--auto-approve"]).success();
    assert_eq!(env.mutating_calls().len(), before, "nothing ran again");
    let state = env.state();
    let text = state.to_string();
    assert!(
        text.contains(&format!("backup_vault_lock.b[{MANAGEMENT}/us-east-1]")),
        "{state:#}"
    );

    // And back to a plain provider: the instance's record moves to the plain address, and
    // is never left behind as undeclared.
    env.write(
        "lockward.yaml",
        &format!("version: 1\nproviders:\n  default:\n    region: us-east-1\n    endpoint_url: {url}\nbackup_vault_lock:\n  b:\n{lock}"),
    );
    let plan = env.plan_json();
    let r = &plan["resources"][0];
    assert_eq!(r["address"], json!("backup_vault_lock.b"));
    assert_eq!(r["outcome"], json!("noop"), "{r:#}");
    assert_eq!(
        r["recorded"]["moved_from"],
        json!(format!("backup_vault_lock.b[{MANAGEMENT}/us-east-1]")),
        "{r:#}"
    );
    assert!(plan.get("undeclared").is_none(), "{plan:#}");
    env.lockward(&["apply", "--auto-approve"]).success();
    assert_eq!(env.mutating_calls().len(), before, "nothing ran again");
}

/// `iam-policy` for an organisation's config allows what its plan calls: the Organizations
/// listing (on the management provider) and the member role in every account.
#[test]
fn the_iam_policy_allows_the_organisation_calls_the_plan_makes() {
    let env = Env::new();
    seed(&env, 2, None);
    env.write("lockward.yaml", &config(&env));
    let run = env.lockward(&["iam-policy", "--for", "plan"]);
    run.success();
    let policy: Value = serde_json::from_str(&run.stdout).unwrap();
    let allowed = |action: &str, resource: &str| {
        policy["Statement"].as_array().unwrap().iter().any(|s| {
            s["Action"].as_array().unwrap().iter().any(|a| a == action)
                && s["Resource"].as_array().unwrap().iter().any(|r| {
                    let r = r.as_str().unwrap();
                    r == resource
                        || r.split('*').count() == 2 && {
                            let (head, tail) = r.split_once('*').unwrap();
                            resource.starts_with(head) && resource.ends_with(tail)
                        }
                })
        })
    };
    assert!(env.calls().is_empty(), "iam-policy calls nothing");
    env.lockward(&["plan"]).success();
    for call in env.calls() {
        let (service, op) = (
            call["service"].as_str().unwrap(),
            call["operation"].as_str().unwrap(),
        );
        let (action, resource) = match (service, op) {
            ("sts", "GetCallerIdentity") => continue,
            ("sts", "AssumeRole") => (
                "sts:AssumeRole".to_string(),
                call["params"]["RoleArn"].as_str().unwrap().to_string(),
            ),
            (s, o) => (format!("{s}:{o}"), "*".to_string()),
        };
        assert!(
            allowed(&action, &resource),
            "{action} on {resource} is not allowed:\n{policy:#}"
        );
    }
    assert!(allowed("organizations:ListAccountsForParent", "*"));
}

/// A compliance lock in 150 accounts × 2 regions: the Markdown plan fits one GitHub comment and
/// names every irreversible instance, compressed to `[*]` since they are every instance.
#[test]
fn a_300_instance_compliance_plan_fits_one_comment_and_names_every_instance() {
    let env = Env::new();
    seed(&env, 150, None);
    let text = config(&env).replace(
        "    mode: governance\n    min_retention_days: 7\n",
        "    mode: compliance\n    min_retention_days: 35\n    changeable_for_days: 3\n",
    );
    env.write("lockward.yaml", &text);
    let run = env.lockward(&["plan", "--format", "markdown"]);
    run.success();
    assert!(run.stdout.len() <= 61_440, "{} bytes", run.stdout.len());
    assert!(
        !run.stdout.contains("INCOMPLETE"),
        "{}",
        &run.stdout[..2000.min(run.stdout.len())]
    );
    assert!(
        run.stdout.contains("backup_vault_lock.prod_backups[*]"),
        "{}",
        &run.stdout[..4000.min(run.stdout.len())]
    );
    assert!(
        run.stdout
            .contains("300 instances in 150 accounts × 2 regions"),
        "{}",
        &run.stdout[..4000.min(run.stdout.len())]
    );
    // The JSON plan holds each of them, irreversible after its grace period.
    let plan = env.plan_json();
    let resources = plan["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 300);
    assert!(resources
        .iter()
        .all(|r| r["actions"][0]["permanent_after"] == json!("P3D")));
}

/// On a terminal, the instances of one template resource are confirmed by typing its name and
/// how many once, and each lock lands in its own account and region.
#[test]
fn on_a_terminal_a_template_resource_is_confirmed_once_with_its_instance_count() {
    if !crate::support::has_script() {
        eprintln!("skipped: no `script` to give lockward a terminal");
        return;
    }
    let env = Env::new();
    seed(&env, 2, None);
    let text = config(&env).replace(
        "    mode: governance\n    min_retention_days: 7\n",
        "    mode: compliance\n    min_retention_days: 35\n    changeable_for_days: 3\n",
    );
    env.write("lockward.yaml", &text);
    let run = crate::support::apply_on_a_terminal(&env, "backup_vault_lock.prod_backups 4\n");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let shown = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(shown.matches("to confirm").count(), 1, "{shown}");
    assert!(
        shown.contains("backup_vault_lock.prod_backups 4"),
        "{shown}"
    );
    assert_eq!(env.mutating_calls().len(), 4, "{:?}", env.mutating_calls());
}

/// The report names each member account as AWS Organizations does, beside its caller, and
/// sums each account and region.
#[test]
fn the_report_names_each_account_and_sums_its_regions() {
    let env = Env::new();
    seed(&env, 2, None);
    env.write("lockward.yaml", &config(&env));
    let run = env.lockward(&["report", "--format", "json"]);
    run.success();
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let callers = report["callers"].as_array().unwrap();
    for n in 0..2 {
        let caller = callers
            .iter()
            .find(|c| c["account"] == json!(member(n)))
            .unwrap_or_else(|| panic!("{callers:#?}"));
        assert_eq!(caller["account_name"], json!(format!("prod-{n:02}")));
    }
    let totals = report["totals"].as_array().unwrap();
    for n in 0..2 {
        for region in ["us-east-1", "eu-west-1"] {
            assert!(
                totals
                    .iter()
                    .any(|t| t["account"] == json!(member(n)) && t["region"] == json!(region)),
                "{totals:#?}"
            );
        }
    }
}

/// The IAM action and the resource a recorded call needs; `None` for GetCallerIdentity, which
/// needs no permission.
fn needed(call: &Value) -> Option<(String, String)> {
    let (service, op) = (call["service"].as_str()?, call["operation"].as_str()?);
    (op != "GetCallerIdentity").then(|| {
        let resource = call["params"]["RoleArn"].as_str().unwrap_or("*");
        (format!("{service}:{op}"), resource.to_string())
    })
}

/// `iam-policy --provider` for a template is the member role's policy: it allows every call
/// made in the member accounts (by the role), and nothing of the management account's (the
/// Organizations listing, AssumeRole); `--trust` lets the management account assume the role
/// with the external id and session name lockward sends.
#[test]
fn a_templates_member_role_policy_and_trust_policy_allow_what_apply_does_with_the_role() {
    let env = Env::new();
    seed(&env, 2, None);
    env.write("lockward.yaml", &config(&env));
    let policy = |args: &[&str]| -> Value {
        let run = env.lockward(&[&["iam-policy"], args].concat());
        run.success();
        serde_json::from_str(&run.stdout).expect("JSON")
    };
    let member_role = policy(&["--for", "apply", "--provider", "prod"]);
    let management = policy(&["--for", "apply", "--provider", "management"]);
    let whole = policy(&["--for", "apply"]);
    let trust = policy(&["--provider", "prod", "--trust", "--principal", MANAGEMENT]);
    assert!(env.calls().is_empty(), "iam-policy calls nothing");
    let allows = |policy: &Value, action: &str, resource: &str| {
        policy["Statement"].as_array().unwrap().iter().any(|s| {
            s["Action"].as_array().unwrap().iter().any(|a| a == action)
                && s["Resource"].as_array().unwrap().iter().any(|r| {
                    let r = r.as_str().unwrap();
                    r == "*"
                        || r == resource
                        || r.split_once('*').is_some_and(|(head, tail)| {
                            resource.starts_with(head) && resource.ends_with(tail)
                        })
                })
        })
    };
    let digest = {
        let run = env.lockward(&["plan", "--format", "json"]);
        let plan: Value = serde_json::from_str(&run.stdout).unwrap();
        plan["digest"].as_str().unwrap().to_string()
    };
    env.lockward(&["apply", "--approve", &digest]).success();
    let calls = env.calls();
    assert!(calls
        .iter()
        .any(|c| c["operation"] == "PutBackupVaultLockConfiguration"));
    for call in &calls {
        let Some((action, resource)) = needed(call) else {
            continue;
        };
        let resource = resource.as_str();
        if call["account"] == MANAGEMENT {
            assert!(
                !allows(&member_role, &action, resource),
                "the member role's policy allows {action}, made in the management account"
            );
            assert!(allows(&whole, &action, resource), "{action} on {resource}");
            if action.starts_with("organizations:") {
                assert!(allows(&management, &action, resource), "{action}");
            }
        } else {
            assert!(
                allows(&member_role, &action, resource),
                "the member role's policy does not allow {action}:\n{member_role:#}"
            );
            assert!(!allows(&management, &action, resource), "{action}");
        }
        if action == "sts:AssumeRole" {
            let statement = &trust["Statement"][0];
            assert_eq!(
                statement["Principal"]["AWS"],
                format!("arn:aws:iam::{MANAGEMENT}:root")
            );
            assert_eq!(statement["Action"], "sts:AssumeRole");
            assert_eq!(
                statement["Condition"]["StringEquals"]["sts:ExternalId"],
                call["params"]["ExternalId"]
            );
            let session = call["params"]["RoleSessionName"].as_str().unwrap();
            let pattern = statement["Condition"]["StringLike"]["sts:RoleSessionName"]
                .as_str()
                .unwrap();
            assert!(
                pattern.ends_with('*') && session.starts_with(pattern.trim_end_matches('*')),
                "{session} vs {pattern}"
            );
        }
    }

    // The report discovers undeclared locks with every provider: each identity's report
    // policy allows the discovery it does.
    let member_report = policy(&["--for", "report", "--provider", "prod"]);
    let management_report = policy(&["--for", "report", "--provider", "management"]);
    let whole_report = policy(&["--for", "report"]);
    let seen = env.calls().len();
    env.lockward(&["report", "--format", "json"]).success();
    let calls = env.calls();
    assert!(calls[seen..]
        .iter()
        .any(|c| c["operation"] == "ListBackupVaults"));
    for call in &calls[seen..] {
        let Some((action, resource)) = needed(call) else {
            continue;
        };
        let resource = resource.as_str();
        let policy = match (call["account"] == MANAGEMENT, action.as_str()) {
            (true, "sts:AssumeRole") => &whole_report,
            (true, _) => &management_report,
            (false, _) => &member_report,
        };
        assert!(
            allows(policy, &action, resource),
            "{action} in account {} is not allowed:\n{policy:#}",
            call["account"]
        );
    }
    // An instance's policy is its template's.
    let instance = format!("prod[{}/us-east-1]", member(0));
    env.lockward(&["iam-policy", "--for", "apply", "--provider", &instance])
        .code(1)
        .stderr_has("`--provider prod` prints the policy the role needs");

    // Mistakes are refused, naming what to do.
    env.lockward(&["iam-policy", "--for", "plan", "--provider", "prd"])
        .code(1)
        .stderr_has("the closest is `prod`");
    env.lockward(&[
        "iam-policy",
        "--provider",
        "management",
        "--trust",
        "--principal",
        MANAGEMENT,
    ])
    .code(1)
    .stderr_has("assumes no role");
    env.lockward(&["iam-policy", "--provider", "prod", "--trust"])
        .code(1)
        .stderr_has("--principal");
    env.lockward(&[
        "iam-policy",
        "--provider",
        "prod",
        "--trust",
        "--principal",
        "me",
    ])
    .code(1)
    .stderr_has("12 digits");
}

/// An `ebs_snapshot_lock` that selects by tag under a template: each account and region finds
/// its own snapshots, instances `[<account>/<region>/snap-…]`, each locked in its own account;
/// patterns select by any leading segments; listed ids are refused, since they are per region.
#[test]
fn a_template_finds_and_locks_each_accounts_tagged_snapshots() {
    let env = Env::new();
    seed(&env, 3, None);
    let mut snapshots = Vec::new();
    for n in 0..3 {
        for (r, region) in ["us-east-1", "eu-west-1"].iter().enumerate() {
            let id = |i: usize| format!("snap-{:017x}", 0x1000 * (n + 1) + 0x10 * r + i);
            snapshots.push(json!({"account_id": member(n), "region": region,
                "snapshot_id": id(1), "tags": [{"key": "legal-hold", "value": "true"}]}));
            snapshots.push(json!({"account_id": member(n), "region": region,
                "snapshot_id": id(2), "tags": []}));
        }
    }
    env.seed(json!({"ec2": snapshots}));
    let config = config(&env).replace(
        "backup_vault_lock:\n  prod_backups:\n    provider: prod\n    vault: \"backups-${region}\"\n    \
         mode: governance\n    min_retention_days: 7\n",
        "ebs_snapshot_lock:\n  hold:\n    provider: prod\n    select: { tags: { legal-hold: \"true\" } }\n    \
         mode: governance\n    duration_days: 30\n",
    );
    assert!(config.contains("ebs_snapshot_lock"), "{config}");
    env.write("lockward.yaml", &config);

    let plan = env.plan_json();
    let resources = plan["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 6, "{plan:#}");
    for r in resources {
        let key = r["key"].as_str().unwrap();
        let parts: Vec<&str> = key.split('/').collect();
        assert_eq!(parts.len(), 3, "{key}");
        assert_eq!(r["account"], json!(parts[0]), "{r:#}");
        assert_eq!(r["region"], json!(parts[1]), "{r:#}");
        assert!(parts[2].ends_with('1'), "only the tagged snapshots: {key}");
        assert_eq!(r["actions"][0]["action"], "lock_snapshot", "{r:#}");
    }

    // The same intent in every account and region reads once, with where it runs.
    env.lockward(&["plan"])
        .success()
        .stdout_has("Identical actions")
        .stdout_has("3 accounts × 2 regions");

    // Patterns select by the key's leading segments.
    let keys = |args: &[&str]| -> usize {
        let run = env.lockward(&[&["plan", "--format", "json"], args].concat());
        let plan: Value = serde_json::from_str(&run.stdout).expect("a JSON plan");
        plan["resources"].as_array().unwrap().len()
    };
    let account = format!("ebs_snapshot_lock.hold[{}/*]", member(0));
    assert_eq!(keys(&["--exclude", &account]), 4);
    assert_eq!(
        keys(&["--target", "ebs_snapshot_lock.hold[*/eu-west-1/*]"]),
        3
    );
    let one = resources[0]["address"].as_str().unwrap();
    assert_eq!(keys(&["--exclude", one]), 5);

    env.lockward(&["apply", "--auto-approve"]).success();
    let state = env.aws_state();
    let locked: Vec<(String, String)> = state["ec2"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s.get("lock").is_some_and(|l| !l.is_null()))
        .map(|s| {
            (
                s["account_id"].as_str().unwrap_or_default().to_string(),
                s["snapshot_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(locked.len(), 6, "{state:#}");
    assert!(locked.iter().all(|(_, id)| id.ends_with('1')), "{locked:?}");
    for call in env
        .calls()
        .iter()
        .filter(|c| c["operation"] == "LockSnapshot")
    {
        let id = call["params"]["SnapshotId"].as_str().unwrap();
        assert!(
            locked.contains(&(
                call["account"].as_str().unwrap().to_string(),
                id.to_string()
            )),
            "{call}"
        );
    }
    env.lockward(&["plan", "--detailed-exitcode"]).success();
    // The report finds each lock declared, where it was made: none unmanaged nor undeclared.
    let run = env.lockward(&[
        "report",
        "--format",
        "json",
        "--fail-on",
        "unmanaged",
        "--fail-on",
        "undeclared",
        "--fail-on",
        "drift",
    ]);
    run.success();
    let compliant = run.stdout.matches("\"compliant\"").count();
    assert!(compliant >= 6, "{compliant}: {}", run.stdout);

    // Listed ids are per account and region: refused, located, before any call.
    let calls = env.calls().len();
    env.write(
        "lockward.yaml",
        &config.replace(
            "select: { tags: { legal-hold: \"true\" } }",
            "snapshots: [snap-00000000000001001]",
        ),
    );
    let run = env.lockward(&["plan"]);
    run.code(1)
        .stderr_has("`snapshots` cannot be used with a provider with for_each")
        .stderr_has("lockward.yaml:")
        .stderr_has("select");
    assert_eq!(env.calls().len(), calls, "nothing was called");
}

/// A saved plan of a template's snapshot selection applies exactly its snapshots: one tagged
/// since is named "not in this plan" and left alone.
#[test]
fn a_snapshot_tagged_after_review_under_a_template_is_not_in_the_saved_plan() {
    let env = Env::new();
    seed(&env, 1, None);
    let tagged = |id: &str, region: &str| {
        json!({"account_id": member(0), "region": region, "snapshot_id": id,
               "tags": [{"key": "legal-hold", "value": "true"}]})
    };
    env.seed(json!({"ec2": [
        tagged("snap-00000000000000a01", "us-east-1"),
        tagged("snap-00000000000000b01", "eu-west-1"),
    ]}));
    let config = config(&env).replace(
        "backup_vault_lock:\n  prod_backups:\n    provider: prod\n    vault: \"backups-${region}\"\n    \
         mode: governance\n    min_retention_days: 7\n",
        "ebs_snapshot_lock:\n  hold:\n    provider: prod\n    select: { tags: { legal-hold: \"true\" } }\n    \
         mode: governance\n    duration_days: 30\n",
    );
    env.write("lockward.yaml", &config);
    env.lockward(&["plan", "--out", "reviewed.plan"]).success();
    env.seed(json!({"ec2": [tagged("snap-00000000000000b02", "eu-west-1")]}));
    let run = env.lockward(&["apply", "reviewed.plan", "--auto-approve"]);
    run.success().stderr_has(&format!(
        "not in this plan, so not applied: ebs_snapshot_lock.hold[{}/eu-west-1/snap-00000000000000b02]",
        member(0)
    ));
    let mut locked: Vec<String> = env
        .calls()
        .iter()
        .filter(|c| c["operation"] == "LockSnapshot")
        .map(|c| c["params"]["SnapshotId"].as_str().unwrap().to_string())
        .collect();
    locked.sort();
    assert_eq!(locked, ["snap-00000000000000a01", "snap-00000000000000b01"]);
}
