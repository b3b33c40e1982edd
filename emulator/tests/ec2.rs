//! Drives the emulated EC2 snapshot subset over raw signed EC2 Query requests (form-encoded
//! `Action=...&Version=2016-11-15`, XML answers), on a frozen virtual clock: every cell of the
//! snapshot lock state machine (DESIGN.md section 3.6), the Describe calls' filters and pages,
//! the seed and state document, routing, the call log and faults. boto3 drives the same through
//! the official model (tests/boto3/check_ec2.py); the AWS SDK for Rust's EC2 crate is not built
//! here (it is one of the largest crates there is).

mod common;

use common::{calls_of, emulator, http, signed, t0};
use lockward_emulator::Emulator;
use serde_json::json;

const SNAP: &str = "snap-0123456789abcdef0";
const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

/// An EC2 answer: status and body.
struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    /// The error code, if it is an error.
    fn code(&self) -> Option<&str> {
        self.field("Code")
    }

    /// The text of the first `<name>` element.
    fn field(&self, name: &str) -> Option<&str> {
        let open = format!("<{name}>");
        let start = self.body.find(&open)? + open.len();
        let len = self.body[start..].find(&format!("</{name}>"))?;
        Some(&self.body[start..start + len])
    }

    /// The text of every `<name>` element, in order.
    fn all(&self, name: &str) -> Vec<&str> {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        self.body
            .split(&open)
            .skip(1)
            .filter_map(|s| s.split(&close).next())
            .collect()
    }

    #[track_caller]
    fn ok(&self) -> &Self {
        assert_eq!(self.status, 200, "{}", self.body);
        self
    }

    #[track_caller]
    fn refused(&self, code: &str) {
        assert_eq!(
            (self.status, self.code()),
            (400, Some(code)),
            "{}",
            self.body
        );
        assert!(
            self.body.contains("<Response><Errors><Error>") && self.body.contains("<RequestID>"),
            "{}",
            self.body
        );
    }
}

/// A signed EC2 Query call in us-east-1.
async fn ec2(emu: &Emulator, params: &[(&str, &str)]) -> Answer {
    ec2_as(emu, &signed("ec2"), params).await
}

async fn ec2_as(emu: &Emulator, auth: &str, params: &[(&str, &str)]) -> Answer {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        form.append_pair(k, v);
    }
    form.append_pair("Version", "2016-11-15");
    let body = form.finish();
    let (status, _, body) = http(
        emu,
        "POST",
        "/",
        &[
            ("Authorization", auth),
            (
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
        ],
        body.as_bytes(),
    )
    .await;
    Answer {
        status,
        body: String::from_utf8(body).unwrap(),
    }
}

async fn lock(emu: &Emulator, extra: &[(&str, &str)]) -> Answer {
    let mut params = vec![("Action", "LockSnapshot"), ("SnapshotId", SNAP)];
    params.extend_from_slice(extra);
    ec2(emu, &params).await
}

async fn unlock(emu: &Emulator) -> Answer {
    ec2(emu, &[("Action", "UnlockSnapshot"), ("SnapshotId", SNAP)]).await
}

async fn delete(emu: &Emulator) -> Answer {
    ec2(emu, &[("Action", "DeleteSnapshot"), ("SnapshotId", SNAP)]).await
}

/// The lock as DescribeLockedSnapshots lists it.
async fn locked(emu: &Emulator) -> Answer {
    ec2(
        emu,
        &[
            ("Action", "DescribeLockedSnapshots"),
            ("SnapshotId.1", SNAP),
        ],
    )
    .await
}

/// ISO 8601 with milliseconds of T0 + `secs`, as EC2 writes its times.
fn at(secs: i64) -> String {
    let t = t0()
        .checked_add(jiff::SignedDuration::from_secs(secs))
        .unwrap();
    format!("{t:.3}")
}

async fn seeded() -> Emulator {
    let emu = emulator().await;
    emu.seed(json!({"ec2": [{"snapshot_id": SNAP}]})).unwrap();
    emu
}

#[tokio::test]
async fn governance_lock_can_be_changed_shortened_and_unlocked_but_not_deleted() {
    let emu = seeded().await;
    let r = lock(&emu, &[("LockMode", "governance"), ("LockDuration", "30")]).await;
    r.ok();
    assert_eq!(r.field("lockState"), Some("governance"));
    assert_eq!(r.field("lockDuration"), Some("30"));
    assert_eq!(r.field("lockCreatedOn"), Some(at(0).as_str()));
    assert_eq!(r.field("lockDurationStartTime"), Some(at(0).as_str()));
    assert_eq!(r.field("lockExpiresOn"), Some(at(30 * DAY).as_str()));
    assert_eq!(r.field("coolOffPeriodExpiresOn"), None);
    delete(&emu).await.refused("IncorrectState");
    emu.advance_clock(DAY);
    // Shortened by a date: LockCreatedOn stays, LockDuration is no longer reported.
    let r = lock(
        &emu,
        &[("LockMode", "governance"), ("ExpirationDate", &at(2 * DAY))],
    )
    .await;
    r.ok();
    assert_eq!(r.field("lockExpiresOn"), Some(at(2 * DAY).as_str()));
    assert_eq!(r.field("lockCreatedOn"), Some(at(0).as_str()));
    assert_eq!(r.field("lockDuration"), None);
    // A duration that, counted from the lock's start, has already ended (T0 + 1 day) is refused.
    lock(&emu, &[("LockMode", "governance"), ("LockDuration", "1")])
        .await
        .refused("InvalidParameterValue");
    assert_eq!(
        locked(&emu).await.field("lockState"),
        Some("governance"),
        "unchanged"
    );
    unlock(&emu).await.ok();
    assert_eq!(locked(&emu).await.ok().all("item").len(), 0);
    unlock(&emu).await.refused("IncorrectState");
    delete(&emu).await.ok();
    assert_eq!(delete(&emu).await.code(), Some("InvalidSnapshot.NotFound"));
}

#[tokio::test]
async fn compliance_cool_off_allows_anything_until_it_ends_then_only_extension() {
    let emu = seeded().await;
    let r = lock(
        &emu,
        &[
            ("LockMode", "compliance"),
            ("CoolOffPeriod", "24"),
            ("LockDuration", "30"),
        ],
    )
    .await;
    r.ok();
    assert_eq!(r.field("lockState"), Some("compliance-cooloff"));
    assert_eq!(r.field("coolOffPeriod"), Some("24"));
    assert_eq!(r.field("coolOffPeriodExpiresOn"), Some(at(DAY).as_str()));
    delete(&emu).await.refused("IncorrectState");
    // Within the cool-off: shorter, and governance, are accepted.
    emu.advance_clock(DAY - 1);
    lock(
        &emu,
        &[
            ("LockMode", "compliance"),
            ("CoolOffPeriod", "24"),
            ("LockDuration", "10"),
        ],
    )
    .await
    .ok();
    assert_eq!(
        locked(&emu).await.field("lockExpiresOn"),
        Some(at(10 * DAY).as_str())
    );
    // Exactly at LockCreatedOn + CoolOffPeriod it is compliance.
    emu.advance_clock(1);
    let l = locked(&emu).await;
    assert_eq!(l.field("lockState"), Some("compliance"), "{}", l.body);
    unlock(&emu).await.refused("IncorrectState");
    delete(&emu).await.refused("IncorrectState");
    let shorter = [("LockMode", "compliance"), ("LockDuration", "9")];
    lock(&emu, &shorter).await.refused("IncorrectState");
    let earlier = at(10 * DAY - 1);
    lock(
        &emu,
        &[("LockMode", "compliance"), ("ExpirationDate", &earlier)],
    )
    .await
    .refused("IncorrectState");
    lock(&emu, &[("LockMode", "governance"), ("LockDuration", "100")])
        .await
        .refused("IncorrectState");
    lock(
        &emu,
        &[
            ("LockMode", "compliance"),
            ("CoolOffPeriod", "24"),
            ("LockDuration", "100"),
        ],
    )
    .await
    .refused("IncorrectState");
    // Nothing a refused call asked for took effect.
    let l = locked(&emu).await;
    assert_eq!(l.field("lockExpiresOn"), Some(at(10 * DAY).as_str()));
    assert_eq!(l.field("lockState"), Some("compliance"));
    // The same expiry, and a later one, are accepted; the cool-off stays as it was.
    lock(&emu, &[("LockMode", "compliance"), ("LockDuration", "10")])
        .await
        .ok();
    let r = lock(
        &emu,
        &[
            ("LockMode", "compliance"),
            ("ExpirationDate", &at(40 * DAY)),
        ],
    )
    .await;
    r.ok();
    assert_eq!(r.field("lockExpiresOn"), Some(at(40 * DAY).as_str()));
    assert_eq!(r.field("coolOffPeriod"), Some("24"));
    assert_eq!(r.field("lockState"), Some("compliance"));
}

#[tokio::test]
async fn unlock_is_allowed_in_the_last_second_of_the_cool_off_only() {
    let emu = seeded().await;
    let cool_off = [
        ("LockMode", "compliance"),
        ("CoolOffPeriod", "1"),
        ("LockDuration", "1"),
    ];
    lock(&emu, &cool_off).await.ok();
    emu.advance_clock(HOUR - 1);
    unlock(&emu).await.ok();
    lock(&emu, &cool_off).await.ok();
    emu.advance_clock(HOUR);
    unlock(&emu).await.refused("IncorrectState");
}

#[tokio::test]
async fn a_changed_cool_off_counts_from_lock_created_on() {
    // DESIGN.md 3.6: the reading that leaves the least time to undo.
    let emu = seeded().await;
    lock(
        &emu,
        &[
            ("LockMode", "compliance"),
            ("CoolOffPeriod", "24"),
            ("LockDuration", "30"),
        ],
    )
    .await
    .ok();
    emu.advance_clock(12 * HOUR);
    let r = lock(
        &emu,
        &[
            ("LockMode", "compliance"),
            ("CoolOffPeriod", "6"),
            ("LockDuration", "30"),
        ],
    )
    .await;
    r.ok();
    assert_eq!(r.field("lockState"), Some("compliance"));
    assert_eq!(
        r.field("coolOffPeriodExpiresOn"),
        Some(at(6 * HOUR).as_str())
    );
    // Without a CoolOffPeriod during the cool-off, the lock is final at once.
    let emu = seeded().await;
    lock(
        &emu,
        &[
            ("LockMode", "compliance"),
            ("CoolOffPeriod", "24"),
            ("LockDuration", "30"),
        ],
    )
    .await
    .ok();
    let r = lock(&emu, &[("LockMode", "compliance"), ("LockDuration", "30")]).await;
    assert_eq!(r.ok().field("lockState"), Some("compliance"));
    // A governance lock turned compliance keeps its LockCreatedOn too.
    let emu = seeded().await;
    lock(&emu, &[("LockMode", "governance"), ("LockDuration", "30")])
        .await
        .ok();
    emu.advance_clock(2 * DAY);
    let r = lock(
        &emu,
        &[
            ("LockMode", "compliance"),
            ("CoolOffPeriod", "24"),
            ("LockDuration", "30"),
        ],
    )
    .await;
    assert_eq!(r.ok().field("lockState"), Some("compliance"));
}

#[tokio::test]
async fn compliance_without_cool_off_is_final_at_once() {
    let emu = seeded().await;
    let r = lock(&emu, &[("LockMode", "compliance"), ("LockDuration", "1")]).await;
    assert_eq!(r.ok().field("lockState"), Some("compliance"));
    assert_eq!(r.field("coolOffPeriodExpiresOn"), None);
    unlock(&emu).await.refused("IncorrectState");
    delete(&emu).await.refused("IncorrectState");
}

#[tokio::test]
async fn an_expired_lock_protects_nothing_and_a_new_lock_starts_afresh() {
    let emu = seeded().await;
    let cool_off = [
        ("LockMode", "compliance"),
        ("CoolOffPeriod", "24"),
        ("LockDuration", "2"),
    ];
    lock(&emu, &cool_off).await.ok();
    emu.advance_clock(2 * DAY - 1);
    assert_eq!(locked(&emu).await.field("lockState"), Some("compliance"));
    emu.advance_clock(1);
    let l = locked(&emu).await;
    assert_eq!(l.field("lockState"), Some("expired"), "{}", l.body);
    unlock(&emu).await.refused("IncorrectState");
    // Locked again: a new LockCreatedOn, so a new cool-off (not one that ended long ago).
    let r = lock(&emu, &cool_off).await;
    r.ok();
    assert_eq!(r.field("lockState"), Some("compliance-cooloff"));
    assert_eq!(r.field("lockCreatedOn"), Some(at(2 * DAY).as_str()));
    assert_eq!(r.field("lockExpiresOn"), Some(at(4 * DAY).as_str()));
    emu.advance_clock(2 * DAY);
    delete(&emu).await.ok();
}

#[tokio::test]
async fn a_pending_snapshot_lock_counts_from_completion() {
    let emu = emulator().await;
    emu.seed(json!({"ec2": [{"snapshot_id": SNAP, "state": "pending"}]}))
        .unwrap();
    let r = lock(&emu, &[("LockMode", "compliance"), ("LockDuration", "5")]).await;
    r.ok();
    assert_eq!(r.field("lockExpiresOn"), None);
    assert_eq!(r.field("lockDurationStartTime"), None);
    emu.advance_clock(400 * DAY);
    assert_eq!(locked(&emu).await.field("lockState"), Some("compliance"));
    lock(&emu, &[("LockMode", "compliance"), ("LockDuration", "4")])
        .await
        .refused("IncorrectState");
    lock(&emu, &[("LockMode", "compliance"), ("LockDuration", "6")])
        .await
        .ok();
}

#[tokio::test]
async fn lock_snapshot_checks_its_parameters_before_the_snapshot() {
    let emu = seeded().await;
    for (params, code) in [
        (
            vec![
                ("LockMode", "governance"),
                ("LockDuration", "1"),
                ("ExpirationDate", "2027-01-01T00:00:00Z"),
            ],
            "InvalidParameterCombination",
        ),
        (vec![("LockMode", "governance")], "MissingParameter"),
        (vec![("LockDuration", "1")], "MissingParameter"),
        (
            vec![("LockMode", "legal"), ("LockDuration", "1")],
            "InvalidParameterValue",
        ),
        (
            vec![
                ("LockMode", "governance"),
                ("CoolOffPeriod", "1"),
                ("LockDuration", "1"),
            ],
            "InvalidParameterCombination",
        ),
        (
            vec![
                ("LockMode", "compliance"),
                ("CoolOffPeriod", "73"),
                ("LockDuration", "1"),
            ],
            "InvalidParameterValue",
        ),
        (
            vec![
                ("LockMode", "compliance"),
                ("CoolOffPeriod", "0"),
                ("LockDuration", "1"),
            ],
            "InvalidParameterValue",
        ),
        (
            vec![("LockMode", "governance"), ("LockDuration", "0")],
            "InvalidParameterValue",
        ),
        (
            vec![("LockMode", "governance"), ("LockDuration", "36501")],
            "InvalidParameterValue",
        ),
        (
            vec![("LockMode", "governance"), ("LockDuration", "ten")],
            "InvalidParameterValue",
        ),
        (
            vec![
                ("LockMode", "governance"),
                ("ExpirationDate", "2026-11-23T12:00:00Z"),
            ],
            "InvalidParameterValue",
        ),
        (
            vec![("LockMode", "governance"), ("ExpirationDate", "tomorrow")],
            "InvalidParameterValue",
        ),
    ] {
        lock(&emu, &params).await.refused(code);
    }
    ec2(
        &emu,
        &[
            ("Action", "LockSnapshot"),
            ("SnapshotId", "snap-0000000000000dead"),
            ("LockMode", "governance"),
            ("LockDuration", "1"),
        ],
    )
    .await
    .refused("InvalidSnapshot.NotFound");
    ec2(
        &emu,
        &[
            ("Action", "LockSnapshot"),
            ("SnapshotId", "snap-../../x"),
            ("LockMode", "governance"),
            ("LockDuration", "1"),
        ],
    )
    .await
    .refused("InvalidSnapshotID.Malformed");
    ec2(
        &emu,
        &[
            ("Action", "LockSnapshot"),
            ("LockMode", "governance"),
            ("LockDuration", "1"),
        ],
    )
    .await
    .refused("MissingParameter");
    // A dry run says it would succeed and changes nothing.
    let r = lock(
        &emu,
        &[
            ("LockMode", "governance"),
            ("LockDuration", "1"),
            ("DryRun", "true"),
        ],
    )
    .await;
    assert_eq!((r.status, r.code()), (412, Some("DryRunOperation")));
    assert_eq!(locked(&emu).await.all("item").len(), 0);
    assert!(emu.state()["ec2"][0].get("lock").is_none());
}

/// The snapshots (last digit of their ids) whose `legal-hold` tag matches `value`.
async fn tagged_legal_hold(emu: &Emulator, value: &str) -> Vec<String> {
    let r = ec2(
        emu,
        &[
            ("Action", "DescribeSnapshots"),
            ("Owner.1", "self"),
            ("Filter.1.Name", "tag:legal-hold"),
            ("Filter.1.Value.1", value),
        ],
    )
    .await;
    r.ok()
        .all("snapshotId")
        .iter()
        .map(|id| id.trim_start_matches("snap-0000000").to_string())
        .collect()
}

async fn lock_id(emu: &Emulator, id: &str, extra: &[(&str, &str)]) {
    let mut params = vec![("Action", "LockSnapshot"), ("SnapshotId", id)];
    params.extend_from_slice(extra);
    ec2(emu, &params).await.ok();
}

#[tokio::test]
async fn describe_snapshots_filters_tags_with_wildcards_and_escapes() {
    let emu = emulator().await;
    let tagged = |id: &str, value: &str| json!({"snapshot_id": id, "tags": [{"key": "legal-hold", "value": value}]});
    emu.seed(json!({"ec2": [
        tagged("snap-00000001", "true"),
        tagged("snap-00000002", "True"),
        tagged("snap-00000003", "t*e"),
        tagged("snap-00000004", "tree"),
        {"snapshot_id": "snap-00000005", "tags": [{"key": "other", "value": "true"}]},
    ]}))
    .unwrap();
    assert_eq!(tagged_legal_hold(&emu, "true").await, ["1"]);
    assert_eq!(tagged_legal_hold(&emu, "t*e").await, ["1", "3", "4"]);
    assert_eq!(tagged_legal_hold(&emu, "t??e").await, ["1", "4"]);
    assert_eq!(tagged_legal_hold(&emu, r"t\*e").await, ["3"]);
    assert!(tagged_legal_hold(&emu, r"t\?ee").await.is_empty());
    assert_eq!(tagged_legal_hold(&emu, "*").await, ["1", "2", "3", "4"]);
    let r = ec2(
        &emu,
        &[
            ("Action", "DescribeSnapshots"),
            ("SnapshotId.1", "snap-00000001"),
            ("SnapshotId.2", "snap-0000000a"),
            ("SnapshotId.3", "snap-0000000b"),
        ],
    )
    .await;
    r.refused("InvalidSnapshot.NotFound");
    assert!(
        r.body.contains("snap-0000000a") && r.body.contains("snap-0000000b"),
        "{}",
        r.body
    );
    // Paging: 5 per page, the token leads to the rest.
    let first = ec2(
        &emu,
        &[("Action", "DescribeSnapshots"), ("MaxResults", "5")],
    )
    .await;
    assert_eq!(first.ok().all("snapshotId").len(), 5);
    assert_eq!(first.field("nextToken"), None);
    let first = ec2(
        &emu,
        &[
            ("Action", "DescribeSnapshots"),
            ("MaxResults", "5"),
            ("Filter.1.Name", "tag-key"),
            ("Filter.1.Value.1", "*"),
        ],
    )
    .await;
    assert_eq!(first.ok().all("snapshotId").len(), 5);
    ec2(
        &emu,
        &[("Action", "DescribeSnapshots"), ("MaxResults", "4")],
    )
    .await
    .refused("InvalidParameterValue");
}

#[tokio::test]
async fn describe_locked_snapshots_lists_locks_by_state_in_pages() {
    let emu = emulator().await;
    let ids: Vec<String> = (1..=7).map(|i| format!("snap-0000000{i}")).collect();
    let entries: Vec<_> = ids.iter().map(|id| json!({"snapshot_id": id})).collect();
    emu.seed(json!({ "ec2": entries })).unwrap();
    let lock_one = lock_id;
    lock_one(
        &emu,
        &ids[0],
        &[("LockMode", "governance"), ("LockDuration", "9")],
    )
    .await;
    lock_one(
        &emu,
        &ids[1],
        &[("LockMode", "governance"), ("LockDuration", "9")],
    )
    .await;
    lock_one(
        &emu,
        &ids[2],
        &[
            ("LockMode", "compliance"),
            ("CoolOffPeriod", "72"),
            ("LockDuration", "9"),
        ],
    )
    .await;
    lock_one(
        &emu,
        &ids[3],
        &[("LockMode", "compliance"), ("LockDuration", "9")],
    )
    .await;
    lock_one(
        &emu,
        &ids[4],
        &[("LockMode", "governance"), ("LockDuration", "1")],
    )
    .await;
    lock_one(
        &emu,
        &ids[5],
        &[("LockMode", "governance"), ("LockDuration", "9")],
    )
    .await;
    emu.advance_clock(DAY);
    let all = ec2(&emu, &[("Action", "DescribeLockedSnapshots")]).await;
    assert_eq!(
        all.ok().all("lockState"),
        [
            "governance",
            "governance",
            "compliance-cooloff",
            "compliance",
            "expired",
            "governance"
        ]
    );
    assert_eq!(all.all("ownerId").len(), 6);
    let r = ec2(
        &emu,
        &[
            ("Action", "DescribeLockedSnapshots"),
            ("Filter.1.Name", "lock-state"),
            ("Filter.1.Value.1", "compliance"),
            ("Filter.1.Value.2", "expired"),
        ],
    )
    .await;
    assert_eq!(r.ok().all("snapshotId"), [&ids[3], &ids[4]]);
    let first = ec2(
        &emu,
        &[("Action", "DescribeLockedSnapshots"), ("MaxResults", "5")],
    )
    .await;
    assert_eq!(first.ok().all("snapshotId").len(), 5);
    let token = first.field("nextToken").unwrap().to_string();
    let rest = ec2(
        &emu,
        &[
            ("Action", "DescribeLockedSnapshots"),
            ("MaxResults", "5"),
            ("NextToken", &token),
        ],
    )
    .await;
    assert_eq!(rest.ok().all("snapshotId"), [&ids[5]]);
    assert_eq!(rest.field("nextToken"), None);
    // Never locked: not listed.
    let r = ec2(
        &emu,
        &[
            ("Action", "DescribeLockedSnapshots"),
            ("SnapshotId.1", &ids[6]),
        ],
    )
    .await;
    assert!(r.ok().all("item").is_empty());
    for (params, code) in [
        (vec![("MaxResults", "4")], "InvalidParameterValue"),
        (vec![("MaxResults", "1001")], "InvalidParameterValue"),
        (
            vec![
                ("Filter.1.Name", "lock-state"),
                ("Filter.1.Value.1", "locked"),
            ],
            "InvalidParameterValue",
        ),
        (
            vec![("Filter.1.Name", "owner-id"), ("Filter.1.Value.1", "x")],
            "InvalidParameterValue",
        ),
        (
            vec![("SnapshotId.1", "snap-0000000f")],
            "InvalidSnapshot.NotFound",
        ),
        (
            vec![("MaxResults", "5"), ("NextToken", "not-a-token")],
            "InvalidPaginationToken",
        ),
    ] {
        let mut all = vec![("Action", "DescribeLockedSnapshots")];
        all.extend(params);
        ec2(&emu, &all).await.refused(code);
    }
}

#[tokio::test]
async fn seeds_round_trip_through_state_and_bad_seeds_are_refused() {
    let emu = emulator().await;
    let doc = json!({"ec2": [
        {"region": "us-east-1", "account_id": "111111111111", "snapshot_id": SNAP,
         "state": "completed", "tags": [{"key": "legal-hold", "value": "true"}],
         "lock": {"mode": "compliance", "created": "2026-11-23T00:00:00Z", "duration_days": 30,
                  "cool_off_hours": 24}},
        {"region": "eu-west-1", "snapshot_id": "snap-00000001", "state": "pending",
         "lock": {"mode": "governance", "created": "2026-11-23T00:00:00Z",
                  "expiration_date": "2027-01-01T00:00:00Z"}}]});
    emu.seed(doc).unwrap();
    let state = emu.state();
    // In (account, region) order.
    assert_eq!(
        state["ec2"][0]["lock"],
        json!({"mode": "compliance", "created": "2026-11-23T00:00:00Z", "duration_days": 30,
               "duration_start": "2026-11-23T00:00:00Z", "cool_off_hours": 24})
    );
    assert_eq!(state["ec2"][0]["account_id"], "111111111111");
    assert_eq!(state["ec2"][1]["state"], "pending");
    assert!(state["ec2"][1]["lock"].get("duration_start").is_none());
    assert!(state["ec2"][1].get("account_id").is_none());
    let again = emulator().await;
    again.seed(state.clone()).unwrap();
    assert_eq!(again.state(), state);
    for bad in [
        json!({"snapshot_id": "snap-XYZ"}),
        json!({"snapshot_id": SNAP, "state": "error"}),
        json!({"snapshot_id": SNAP, "lock": {"mode": "legal", "created": "2026-11-23T00:00:00Z", "duration_days": 1}}),
        json!({"snapshot_id": SNAP, "lock": {"mode": "governance", "created": "2026-11-23T00:00:00Z", "duration_days": 1, "cool_off_hours": 1}}),
        json!({"snapshot_id": SNAP, "lock": {"mode": "compliance", "created": "2026-11-23T00:00:00Z", "duration_days": 1, "cool_off_hours": 73}}),
        json!({"snapshot_id": SNAP, "lock": {"mode": "compliance", "created": "2026-11-23T00:00:00Z"}}),
        json!({"snapshot_id": SNAP, "lock": {"mode": "compliance", "created": "2026-11-23T00:00:00Z", "duration_days": 1, "expiration_date": "2027-01-01T00:00:00Z"}}),
        json!({"snapshot_id": SNAP, "lock": {"mode": "compliance", "created": "2026-11-23T00:00:00Z", "duration_days": 36501}}),
    ] {
        let before = emu.state();
        assert!(emu.seed(json!({ "ec2": [bad] })).is_err(), "{bad}");
        assert_eq!(emu.state(), before);
    }
}

#[tokio::test]
async fn snapshots_are_per_account_and_region() {
    let emu = emulator().await;
    emu.seed(json!({"ec2": [
        {"snapshot_id": SNAP, "region": "eu-west-1"},
        {"snapshot_id": "snap-00000001", "account_id": "111111111111"}]}))
        .unwrap();
    let r = ec2(&emu, &[("Action", "DescribeSnapshots")]).await;
    assert!(r.ok().all("item").is_empty(), "{}", r.body);
    let eu = signed("ec2").replace("us-east-1", "eu-west-1");
    let r = ec2_as(&emu, &eu, &[("Action", "DescribeSnapshots")]).await;
    assert_eq!(r.ok().all("snapshotId"), [SNAP]);
    assert_eq!(r.field("ownerId"), Some("123456789012"));
    let r = ec2_as(
        &emu,
        &eu,
        &[("Action", "DescribeSnapshots"), ("Owner.1", "amazon")],
    )
    .await;
    assert!(r.ok().all("item").is_empty());
}

#[tokio::test]
async fn requests_route_to_ec2_by_scope_or_version_and_answer_its_error_shape() {
    let emu = seeded().await;
    let (status, head, body) = http(
        &emu,
        "POST",
        "/",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"Action=DescribeSnapshots&Version=2016-11-15",
    )
    .await;
    let body = String::from_utf8(body).unwrap();
    assert_eq!(status, 401, "{body}");
    assert!(
        body.contains("<Code>MissingAuthenticationToken</Code>"),
        "{body}"
    );
    assert!(head.contains("content-type: text/xml"), "{head}");
    let r = ec2(&emu, &[("Action", "RunInstances")]).await;
    r.refused("InvalidAction");
    let r = ec2(&emu, &[("Action", "DescribeSnapshots")]).await;
    assert!(
        r.ok().body.contains(
            "<DescribeSnapshotsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
        ),
        "{}",
        r.body
    );
    assert!(r.field("requestId").is_some());
}

#[tokio::test]
async fn the_call_log_flags_mutations_and_faults_apply() {
    let emu = seeded().await;
    emu.set_faults(
        json!({"rules": [{"operation": "LockSnapshot", "kind": "throttle", "times": 1}]}),
    )
    .unwrap();
    let governance = [("LockMode", "governance"), ("LockDuration", "1")];
    let r = lock(&emu, &governance).await;
    assert_eq!((r.status, r.code()), (503, Some("RequestLimitExceeded")));
    assert!(emu.state()["ec2"][0].get("lock").is_none(), "not applied");
    emu.set_faults(
        json!({"rules": [{"operation": "*", "kind": "error", "status": 500, "times": 1}]}),
    )
    .unwrap();
    let r = locked(&emu).await;
    assert_eq!((r.status, r.code()), (500, Some("InternalError")));
    emu.set_faults(json!({"rules": []})).unwrap();
    lock(&emu, &governance).await.ok();
    unlock(&emu).await.ok();
    delete(&emu).await.ok();
    assert_eq!(
        calls_of(&emu, "ec2"),
        [
            ("LockSnapshot".to_string(), true),
            ("DescribeLockedSnapshots".to_string(), false),
            ("LockSnapshot".to_string(), true),
            ("UnlockSnapshot".to_string(), true),
            ("DeleteSnapshot".to_string(), true),
        ]
    );
    let calls = emu.calls();
    assert_eq!(
        calls[2]["params"],
        json!({"SnapshotId": SNAP, "LockMode": "governance", "LockDuration": "1"})
    );
}
