//! Discovery's scopes and its run over the in-memory fake: what is listed, what is undeclared,
//! and that nothing is changed.

use std::collections::BTreeSet;

use jiff::Timestamp;
use lockward::aws::fake::FakeAws;
use lockward::aws::AwsError;
use lockward::config::Config;
use lockward::config::Desired;
use lockward::kinds::glacier::fake::{FakeLock, FakeVault};
use lockward::kinds::rbin::RuleInfo;
use lockward::refresh::Clients;
use lockward::report::discover::{discover, scopes};
use lockward::vocabulary::Kind;

fn config(
    yaml_providers: &[(&str, &str, Option<&str>)],
    vaults: &[(&str, &str)],
    rules: &[(&str, &str)],
) -> Config {
    use lockward::config::{Policy, Provider, Resource};
    use lockward::kinds::glacier::{GlacierDesired, VaultLockState};
    use lockward::kinds::rbin::{RbinDesired, RbinLock};
    use lockward::vocabulary::{Address, Kind};
    let providers = yaml_providers
        .iter()
        .map(|(name, region, endpoint)| {
            (
                name.to_string(),
                Provider {
                    name: name.to_string(),
                    region: region.to_string(),
                    profile: None,
                    endpoint_url: endpoint.map(str::to_string),
                    assume_role: None,
                    instance_of: None,
                },
            )
        })
        .collect();
    let mut resources: Vec<Resource> = vaults
        .iter()
        .map(|(provider, vault)| Resource {
            address: Address::new(Kind::GlacierVaultLock, vault.replace('-', "_")),
            provider: provider.to_string(),
            desired: Desired::GlacierVaultLock(GlacierDesired {
                vault: vault.to_string(),
                account_id: "-".into(),
                policy: Policy::parse("{}").unwrap(),
                state: VaultLockState::Locked,
                min_test_period: None,
            }),
        })
        .collect();
    resources.extend(rules.iter().map(|(provider, id)| Resource {
        address: Address::new(Kind::RbinRuleLock, id.to_ascii_lowercase()),
        provider: provider.to_string(),
        desired: Desired::RbinRuleLock(RbinDesired {
            rule_id: id.to_string(),
            lock: RbinLock::Locked {
                unlock_delay_days: 7,
            },
        }),
    }));
    Config {
        path: "lockward.yaml".into(),
        dir: "".into(),
        providers,
        resources,
        backend: None,
        sources: Default::default(),
        ..Default::default()
    }
}

#[test]
fn providers_reaching_the_same_account_and_region_share_one_scope() {
    let c = config(
        &[
            ("default", "us-east-1", None),
            ("audit", "us-east-1", None),
            ("eu", "eu-west-1", None),
        ],
        &[("audit", "audit-logs"), ("eu", "eu-logs")],
        &[("default", "a1B2c3D4e5F")],
    );
    let s = scopes(&c);
    assert_eq!(s.len(), 2);
    let east = s.iter().find(|s| s.region == "us-east-1").unwrap();
    assert_eq!(east.providers, vec!["audit", "default"]);
    assert_eq!(
        east.declared[&Kind::GlacierVaultLock],
        BTreeSet::from(["audit-logs".to_string()])
    );
    assert_eq!(
        east.declared[&Kind::RbinRuleLock],
        BTreeSet::from(["a1B2c3D4e5F".to_string()])
    );
    let eu = s.iter().find(|s| s.region == "eu-west-1").unwrap();
    assert_eq!(
        eu.declared[&Kind::GlacierVaultLock],
        BTreeSet::from(["eu-logs".to_string()])
    );
    assert!(!eu.declares(Kind::RbinRuleLock, "a1B2c3D4e5F"));
}

#[test]
fn another_endpoint_is_another_scope() {
    let c = config(
        &[
            ("a", "us-east-1", None),
            ("b", "us-east-1", Some("http://127.0.0.1:1")),
        ],
        &[],
        &[],
    );
    assert_eq!(scopes(&c).len(), 2);
}

#[tokio::test]
async fn finds_undeclared_locks_only_and_makes_no_mutating_call() {
    let now: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
    let aws = FakeAws::new(now);
    {
        let mut s = aws.state();
        let lock = |locked| FakeLock {
            locked,
            policy: "{}".into(),
            lock_id: "L".into(),
            created: now,
        };
        s.locks.vaults.insert(
            "audit-logs".into(),
            FakeVault {
                lock: Some(lock(true)),
            },
        );
        s.locks.vaults.insert(
            "stray".into(),
            FakeVault {
                lock: Some(lock(false)),
            },
        );
        s.locks
            .vaults
            .insert("plain".into(), FakeVault { lock: None });
        let rule = |resource_type: &str, lock_state: Option<&str>| RuleInfo {
            resource_type: resource_type.into(),
            lock_state: lock_state.map(str::to_string),
            unlock_delay_days: lock_state.map(|_| 9),
            lock_end_time: None,
            resource_tags: 0,
            exclude_resource_tags: 0,
        };
        s.locks
            .rules
            .insert("a1B2c3D4e5F".into(), rule("EBS_SNAPSHOT", Some("locked")));
        s.locks
            .rules
            .insert("AMIrule0001".into(), rule("EC2_IMAGE", Some("locked")));
        s.locks
            .rules
            .insert("Never000001".into(), rule("EBS_SNAPSHOT", None));
        s.locks
            .rules
            .insert("Unlocked001".into(), rule("EBS_SNAPSHOT", Some("unlocked")));
    }
    let c = config(
        &[("default", "us-east-1", None)],
        &[("default", "audit-logs")],
        &[("default", "a1B2c3D4e5F")],
    );
    let clients = Clients::uniform(&c, aws.clients());
    let found = discover(
        &scopes(&c),
        &clients,
        4,
        "2026-11-21T00:00:00Z".parse().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].listed(Kind::GlacierVaultLock), 3);
    assert_eq!(found[0].listed(Kind::RbinRuleLock), 4);
    let names: Vec<String> = found[0]
        .undeclared
        .iter()
        .map(|u| match u.kind {
            Kind::GlacierVaultLock => format!("vault {} {}", u.name, u.lock_state),
            Kind::RbinRuleLock => format!(
                "rule {} {} {} {:?}",
                u.name,
                u.details["resource_type"].as_str().unwrap_or_default(),
                u.lock_state,
                u.details.get("unlock_delay_days").and_then(|d| d.as_u64())
            ),
            other => format!("{other} {}", u.name),
        })
        .collect();
    assert_eq!(
        names,
        vec![
            "vault stray InProgress",
            "rule AMIrule0001 EC2_IMAGE locked Some(9)"
        ]
    );
    assert!(aws.mutating_calls().is_empty());
}

/// The discovery error of a config that uses Recycle Bin rules (so discovery lists them) when
/// every ListRules fails with `class` and `code`.
async fn listing_failed(class: lockward::aws::ErrorClass, code: &str) -> String {
    let now: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
    let aws = FakeAws::new(now);
    let error = AwsError {
        class,
        code: Some(code.into()),
        message: "no".into(),
    };
    aws.fail("ListRules", error, false);
    let c = config(
        &[("default", "us-east-1", None)],
        &[],
        &[("default", "a1B2c3D4e5F")],
    );
    let clients = Clients::uniform(&c, aws.clients());
    let err = discover(&scopes(&c), &clients, 4, now).await.unwrap_err();
    err.to_string()
}

#[tokio::test]
async fn a_failed_listing_fails_discovery_with_a_hint() {
    let text = listing_failed(lockward::aws::ErrorClass::Rejected, "AccessDeniedException").await;
    assert!(
        text.contains("ListRules failed: AccessDeniedException"),
        "{text}"
    );
    assert!(text.contains("hint: "), "{text}");
    // A denial names the permissions of the kinds searched, and only those.
    assert!(text.contains("rbin:ListRules"), "{text}");
    assert!(!text.contains("glacier:"), "{text}");
}

#[tokio::test]
async fn a_listing_that_got_no_answer_is_not_called_a_missing_permission() {
    let text = listing_failed(lockward::aws::ErrorClass::Ambiguous, "InternalServerError").await;
    assert!(text.contains("not a missing permission"), "{text}");
    assert!(!text.contains("needs read permission"), "{text}");
}
