//! Drives the emulated AWS Organizations (awsJson1.1, `X-Amz-Target:
//! AWSOrganizationsV20161128.<Op>`) and STS AssumeRole into the organisation's accounts over raw
//! signed requests, on a frozen virtual clock: who may list, every page of every listing (the
//! empty first page with a token included), the members' shapes, the errors, external ids, the
//! sessions' accounts and their expiry, and the call log. lockward does not depend on the AWS
//! SDK's Organizations crate, so it is not built here; boto3 drives the same through the official
//! model (tests/boto3/check_organizations.py).

mod common;

use common::{emulator, http, signed};
use lockward_emulator::Emulator;
use serde_json::{json, Value};

const MANAGEMENT: &str = "123456789012";
const ROOT: &str = "r-ab12";
const PROD: &str = "ou-ab12-cdefgh34";
const PROD_EU: &str = "ou-ab12-eueueu01";
const DEV: &str = "ou-ab12-devdev01";
const ROLE: &str = "arn:aws:iam::111111111111:role/lockward";

/// Who signs a request: an access key and, for a session AssumeRole issued, its token.
#[derive(Clone)]
struct Caller {
    key: String,
    token: Option<String>,
}

fn me() -> Caller {
    Caller {
        key: "AKIDEXAMPLE".into(),
        token: None,
    }
}

fn auth(caller: &Caller, service: &str) -> String {
    signed(service).replace("AKIDEXAMPLE", &caller.key)
}

/// An organisation of three OUs (one nested) and five member accounts besides the management
/// account, which the seed does not list.
fn seed(emu: &Emulator) {
    emu.seed(json!({"organizations": {
        "management_account": MANAGEMENT, "root": ROOT, "id": "o-exampleorg1",
        "policy_types": ["SERVICE_CONTROL_POLICY"],
        "ous": [{"id": PROD, "parent": ROOT, "name": "prod"},
                {"id": PROD_EU, "parent": PROD, "name": "prod-eu"},
                {"id": DEV, "name": "dev"}],
        "accounts": [
            {"id": "111111111111", "name": "prod-a", "parent": PROD, "email": "prod-a@example.com",
             "joined_timestamp": "2026-01-02T03:04:05Z"},
            {"id": "222222222222", "name": "prod-b", "parent": PROD},
            {"id": "333333333333", "name": "prod-eu-a", "parent": PROD_EU, "state": "SUSPENDED"},
            {"id": "444444444444", "name": "dev-a", "parent": DEV, "state": "PENDING_ACTIVATION",
             "joined_method": "INVITED"},
            {"id": "555555555555", "name": "closed", "state": "CLOSED"}]},
        "roles": [{"arn": ROLE, "external_id": "lockward-prod"}]}))
        .unwrap();
}

/// An Organizations call: status and JSON body.
async fn org(emu: &Emulator, caller: &Caller, op: &str, body: Value) -> (u16, Value) {
    let target = format!("AWSOrganizationsV20161128.{op}");
    let auth = auth(caller, "organizations");
    let mut headers = vec![
        ("Authorization", auth.as_str()),
        ("X-Amz-Target", target.as_str()),
        ("Content-Type", "application/x-amz-json-1.1"),
    ];
    if let Some(t) = &caller.token {
        headers.push(("X-Amz-Security-Token", t));
    }
    let (status, head, out) = http(emu, "POST", "/", &headers, body.to_string().as_bytes()).await;
    assert!(
        head.contains("content-type: application/x-amz-json-1.1"),
        "{head}"
    );
    (status, serde_json::from_slice(&out).unwrap())
}

#[track_caller]
fn refused(answer: &(u16, Value), code: &str) {
    assert_eq!(answer.0, 400, "{}", answer.1);
    assert_eq!(answer.1["__type"], code, "{}", answer.1);
    assert!(answer.1["Message"].is_string(), "{}", answer.1);
}

/// An STS call in the form encoding: status and XML body.
async fn sts(emu: &Emulator, caller: &Caller, params: &[(&str, &str)]) -> (u16, String) {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Version", "2011-06-15");
    for (k, v) in params {
        form.append_pair(k, v);
    }
    let auth = auth(caller, "sts");
    let mut headers = vec![
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    if let Some(t) = &caller.token {
        headers.push(("X-Amz-Security-Token", t));
    }
    let (status, _, out) = http(emu, "POST", "/", &headers, form.finish().as_bytes()).await;
    (status, String::from_utf8(out).unwrap())
}

fn field<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let len = xml[start..].find(&format!("</{name}>"))?;
    Some(&xml[start..start + len])
}

/// AssumeRole; the session's caller, or the refusal's status and code.
async fn assume(
    emu: &Emulator,
    role: &str,
    extra: &[(&str, &str)],
) -> Result<Caller, (u16, String)> {
    let mut params = vec![
        ("Action", "AssumeRole"),
        ("RoleArn", role),
        ("RoleSessionName", "lockward"),
    ];
    params.extend_from_slice(extra);
    let (status, body) = sts(emu, &me(), &params).await;
    if status != 200 {
        let code = field(&body, "Code").unwrap_or_default().to_string();
        return Err((status, code));
    }
    Ok(Caller {
        key: field(&body, "AccessKeyId").unwrap().to_string(),
        token: Some(field(&body, "SessionToken").unwrap().to_string()),
    })
}

/// Every page of a listing with `max` (None: no MaxResults): the ids on each page.
async fn pages(
    emu: &Emulator,
    op: &str,
    key: &str,
    body: Value,
    max: Option<u64>,
) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut req = body.clone();
        if let Some(max) = max {
            req["MaxResults"] = json!(max);
        }
        if let Some(t) = &token {
            req["NextToken"] = json!(t);
        }
        let (status, page) = org(emu, &me(), op, req).await;
        assert_eq!(status, 200, "{page}");
        out.push(
            page[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["Id"].as_str().unwrap().to_string())
                .collect(),
        );
        token = page["NextToken"].as_str().map(str::to_string);
        if token.is_none() {
            return out;
        }
        assert!(out.len() < 50, "the listing never ends: {out:?}");
    }
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn the_management_account_describes_the_organisation_and_its_root() {
    let emu = emulator().await;
    seed(&emu);
    let (status, d) = org(&emu, &me(), "DescribeOrganization", json!({})).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(
        d["Organization"],
        json!({"Id": "o-exampleorg1",
               "Arn": "arn:aws:organizations::123456789012:organization/o-exampleorg1",
               "FeatureSet": "ALL",
               "MasterAccountArn": "arn:aws:organizations::123456789012:account/o-exampleorg1/123456789012",
               "MasterAccountId": MANAGEMENT,
               "MasterAccountEmail": "123456789012@example.com",
               "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]})
    );
    let (status, roots) = org(&emu, &me(), "ListRoots", json!({})).await;
    assert_eq!(status, 200, "{roots}");
    assert_eq!(
        roots,
        json!({"Roots": [{"Id": ROOT, "Name": "Root",
                          "Arn": "arn:aws:organizations::123456789012:root/o-exampleorg1/r-ab12",
                          "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}]})
    );
}

#[tokio::test]
async fn accounts_carry_the_members_of_the_model() {
    let emu = emulator().await;
    seed(&emu);
    let (status, page) = org(&emu, &me(), "ListAccounts", json!({})).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.get("NextToken").is_none(), "{page}");
    let accounts = page["Accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 6, "the management account is a member too");
    assert_eq!(
        accounts[0],
        json!({"Id": "111111111111", "Name": "prod-a", "Email": "prod-a@example.com",
               "Arn": "arn:aws:organizations::123456789012:account/o-exampleorg1/111111111111",
               "Status": "ACTIVE", "State": "ACTIVE", "JoinedMethod": "CREATED",
               "JoinedTimestamp": 1767323045.0})
    );
    let by_id = |id: &str| accounts.iter().find(|a| a["Id"] == id).unwrap().clone();
    // The deprecated Status follows State where it has a value for it.
    assert_eq!(
        (
            by_id("333333333333")["State"].clone(),
            by_id("333333333333")["Status"].clone()
        ),
        (json!("SUSPENDED"), json!("SUSPENDED"))
    );
    assert_eq!(by_id("555555555555")["Status"], "SUSPENDED");
    assert_eq!(by_id("555555555555")["State"], "CLOSED");
    let pending = by_id("444444444444");
    assert_eq!(pending["State"], "PENDING_ACTIVATION");
    assert!(pending.get("Status").is_none(), "{pending}");
    assert_eq!(pending["JoinedMethod"], "INVITED");
    // Unset timestamps are the seed's virtual now.
    assert_eq!(
        by_id(MANAGEMENT)["JoinedTimestamp"],
        json!(common::t0().as_second() as f64)
    );
}

#[tokio::test]
async fn listings_page_to_the_end_and_a_listing_that_does_not_fit_starts_with_an_empty_page() {
    let emu = emulator().await;
    seed(&emu);
    // In account id order.
    let all = ids(&[
        "111111111111",
        MANAGEMENT,
        "222222222222",
        "333333333333",
        "444444444444",
        "555555555555",
    ]);
    // MaxResults 1: an empty first page with a token, then one account a page, to the end.
    let got = pages(&emu, "ListAccounts", "Accounts", json!({}), Some(1)).await;
    assert_eq!(got[0], Vec::<String>::new());
    assert_eq!(got[1..].concat(), all);
    assert!(got[1..].iter().all(|p| p.len() == 1), "{got:?}");
    // A page that holds everything comes whole, without a token.
    assert_eq!(
        pages(&emu, "ListAccounts", "Accounts", json!({}), Some(6)).await,
        vec![all.clone()]
    );
    let got = pages(&emu, "ListAccounts", "Accounts", json!({}), Some(4)).await;
    assert_eq!(got, vec![vec![], all[..4].to_vec(), all[4..].to_vec()]);

    let children = |parent: &str| json!({ "ParentId": parent });
    let ous = "ListOrganizationalUnitsForParent";
    assert_eq!(
        pages(&emu, ous, "OrganizationalUnits", children(ROOT), Some(1)).await,
        vec![vec![], ids(&[PROD]), ids(&[DEV])]
    );
    assert_eq!(
        pages(&emu, ous, "OrganizationalUnits", children(PROD), None).await,
        vec![ids(&[PROD_EU])]
    );
    assert_eq!(
        pages(&emu, ous, "OrganizationalUnits", children(DEV), Some(1)).await,
        vec![Vec::<String>::new()]
    );
    let accounts = "ListAccountsForParent";
    // Only the accounts directly in the parent, not in the OUs under it.
    assert_eq!(
        pages(&emu, accounts, "Accounts", children(PROD), Some(1)).await,
        vec![vec![], ids(&["111111111111"]), ids(&["222222222222"])]
    );
    assert_eq!(
        pages(&emu, accounts, "Accounts", children(PROD_EU), Some(1)).await,
        vec![ids(&["333333333333"])]
    );
    assert_eq!(
        pages(&emu, accounts, "Accounts", children(ROOT), None).await,
        vec![ids(&[MANAGEMENT, "555555555555"])]
    );
    assert_eq!(
        pages(&emu, "ListRoots", "Roots", json!({}), Some(1)).await,
        vec![ids(&[ROOT])]
    );

    // Without MaxResults a page holds 20: 25 accounts start with an empty page, then 20, then 5.
    let many: Vec<Value> = (0..24)
        .map(|i| json!({"id": format!("9000000000{i:02}"), "name": format!("a{i}")}))
        .collect();
    emu.seed(json!({"organizations": {"root": ROOT, "accounts": many}}))
        .unwrap();
    let got = pages(&emu, "ListAccounts", "Accounts", json!({}), None).await;
    assert_eq!(got.iter().map(Vec::len).collect::<Vec<_>>(), vec![0, 20, 5]);
}

#[tokio::test]
async fn an_account_joining_between_pages_is_listed_once_in_order() {
    let emu = emulator().await;
    seed(&emu);
    let (_, first) = org(&emu, &me(), "ListAccounts", json!({"MaxResults": 2})).await;
    let (_, second) = org(
        &emu,
        &me(),
        "ListAccounts",
        json!({"MaxResults": 2, "NextToken": first["NextToken"]}),
    )
    .await;
    // Seeding replaces the organisation: one account more, before the token's place
    // (the second page was 111111111111 and 123456789012).
    emu.seed(
        json!({"organizations": {"management_account": MANAGEMENT, "root": ROOT,
        "id": "o-exampleorg1", "accounts": [
            {"id": "111111111111", "name": "a"}, {"id": "150000000000", "name": "new"},
            {"id": "222222222222", "name": "b"}, {"id": "333333333333", "name": "c"}]}}),
    )
    .unwrap();
    let (status, third) = org(
        &emu,
        &me(),
        "ListAccounts",
        json!({"MaxResults": 2, "NextToken": second["NextToken"]}),
    )
    .await;
    assert_eq!(status, 200, "{third}");
    let got: Vec<&str> = third["Accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["Id"].as_str().unwrap())
        .collect();
    // The token names where the next page starts (an account id): nothing repeats, and an
    // account that joined behind that place is not listed.
    assert_eq!(got, ["222222222222", "333333333333"]);
    assert!(third.get("NextToken").is_none(), "{third}");
}

#[tokio::test]
async fn the_models_constraints_and_unknown_parents_are_refused() {
    let emu = emulator().await;
    seed(&emu);
    for max in [0, 21, -1] {
        for op in ["ListAccounts", "ListRoots"] {
            let answer = org(&emu, &me(), op, json!({"MaxResults": max})).await;
            refused(&answer, "ValidationException");
            assert!(
                answer.1["Message"].as_str().unwrap().contains("maxResults"),
                "{}",
                answer.1
            );
        }
        let answer = org(
            &emu,
            &me(),
            "ListAccountsForParent",
            json!({"ParentId": ROOT, "MaxResults": max}),
        )
        .await;
        refused(&answer, "ValidationException");
    }
    for op in ["ListAccountsForParent", "ListOrganizationalUnitsForParent"] {
        refused(
            &org(&emu, &me(), op, json!({})).await,
            "ValidationException",
        );
        refused(
            &org(&emu, &me(), op, json!({"ParentId": "111111111111"})).await,
            "ValidationException",
        );
        refused(
            &org(&emu, &me(), op, json!({"ParentId": "ou-ab12-nowhere0"})).await,
            "ParentNotFoundException",
        );
        refused(
            &org(&emu, &me(), op, json!({"ParentId": "r-zz99"})).await,
            "ParentNotFoundException",
        );
    }
    // A token is good only for the listing that issued it.
    let (_, page) = org(&emu, &me(), "ListAccounts", json!({"MaxResults": 1})).await;
    let token = page["NextToken"].clone();
    assert!(token.is_string());
    let answer = org(
        &emu,
        &me(),
        "ListAccountsForParent",
        json!({"ParentId": PROD, "NextToken": token}),
    )
    .await;
    refused(&answer, "InvalidInputException");
    assert_eq!(answer.1["Reason"], "INVALID_NEXT_TOKEN");
    refused(
        &org(
            &emu,
            &me(),
            "ListAccounts",
            json!({"NextToken": "not a token"}),
        )
        .await,
        "InvalidInputException",
    );
    let (status, body) = org(&emu, &me(), "CreateAccount", json!({})).await;
    assert_eq!(
        (status, &body["__type"]),
        (400, &json!("UnknownOperationException"))
    );
}

#[tokio::test]
async fn only_the_management_account_lists_and_non_members_find_no_organisation() {
    let emu = emulator().await;
    // No organisation at all.
    for op in ["DescribeOrganization", "ListRoots", "ListAccounts"] {
        refused(
            &org(&emu, &me(), op, json!({})).await,
            "AWSOrganizationsNotInUseException",
        );
    }
    seed(&emu);
    let member = assume(&emu, ROLE, &[("ExternalId", "lockward-prod")])
        .await
        .unwrap();
    let outsider = assume(&emu, "arn:aws:iam::999999999999:role/x", &[])
        .await
        .unwrap();
    let (status, d) = org(&emu, &member, "DescribeOrganization", json!({})).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["Organization"]["MasterAccountId"], MANAGEMENT);
    for (op, body) in [
        ("ListRoots", json!({})),
        ("ListAccounts", json!({})),
        ("ListAccountsForParent", json!({"ParentId": ROOT})),
        (
            "ListOrganizationalUnitsForParent",
            json!({"ParentId": ROOT}),
        ),
    ] {
        refused(
            &org(&emu, &member, op, body.clone()).await,
            "AccessDeniedException",
        );
        refused(
            &org(&emu, &outsider, op, body.clone()).await,
            "AWSOrganizationsNotInUseException",
        );
        // The model's constraints are checked before who is calling.
        let mut bad = body.clone();
        bad["MaxResults"] = json!(0);
        refused(&org(&emu, &member, op, bad).await, "ValidationException");
    }
    refused(
        &org(&emu, &outsider, "DescribeOrganization", json!({})).await,
        "AWSOrganizationsNotInUseException",
    );
    // The call log names each call's account.
    let calls = emu.calls();
    let org_calls: Vec<(&str, &str, bool)> = calls
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["service"] == "organizations")
        .map(|c| {
            (
                c["operation"].as_str().unwrap(),
                c["account"].as_str().unwrap(),
                c["mutating"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(org_calls[0], ("DescribeOrganization", MANAGEMENT, false));
    assert_eq!(
        org_calls[3],
        ("DescribeOrganization", "111111111111", false)
    );
    assert_eq!(org_calls[5], ("ListRoots", "999999999999", false));
    assert!(calls
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["account"].is_string()));
}

#[tokio::test]
async fn assume_role_checks_the_patterns_then_the_external_id() {
    let emu = emulator().await;
    seed(&emu);
    let denied = |r: Result<Caller, (u16, String)>| r.err().unwrap();
    assert!(assume(&emu, ROLE, &[("ExternalId", "lockward-prod")])
        .await
        .is_ok());
    assert_eq!(
        denied(assume(&emu, ROLE, &[("ExternalId", "lockward-dev")]).await),
        (403, "AccessDenied".to_string())
    );
    assert_eq!(
        denied(assume(&emu, ROLE, &[]).await),
        (403, "AccessDenied".to_string())
    );
    // STS's own checks come first: a malformed external id is a validation error, right or not.
    for bad in ["x", "lockward prod", &"a".repeat(1225), "lockward-prod!"] {
        assert_eq!(
            denied(assume(&emu, ROLE, &[("ExternalId", bad)]).await),
            (400, "ValidationError".to_string()),
            "{bad}"
        );
    }
    for ok in ["ab", "a+=,.@:/-_Z9", &"a".repeat(1224)] {
        // Allowed by the pattern: refused by the role's trust, not by validation.
        assert_eq!(
            denied(assume(&emu, ROLE, &[("ExternalId", ok)]).await).0,
            403
        );
    }
    for (name, value) in [
        ("RoleSessionName", "x"),
        ("RoleSessionName", "has space"),
        ("DurationSeconds", "899"),
        ("DurationSeconds", "43201"),
    ] {
        let (status, body) = sts(
            &emu,
            &me(),
            &[
                ("Action", "AssumeRole"),
                ("RoleArn", ROLE),
                ("ExternalId", "lockward-prod"),
                ("RoleSessionName", "lockward"),
                (name, value),
            ],
        )
        .await;
        assert_eq!(
            (status, field(&body, "Code")),
            (400, Some("ValidationError")),
            "{body}"
        );
    }
    // Every broken constraint is named at once.
    let (_, body) = sts(
        &emu,
        &me(),
        &[
            ("Action", "AssumeRole"),
            ("RoleArn", ROLE),
            ("RoleSessionName", "x"),
            ("ExternalId", "y"),
        ],
    )
    .await;
    assert!(body.contains("2 validation errors detected"), "{body}");
    // A role not listed takes any external id, or none.
    let other = "arn:aws:iam::222222222222:role/lockward";
    assert!(assume(&emu, other, &[("ExternalId", "anything")])
        .await
        .is_ok());
    assert!(assume(&emu, other, &[]).await.is_ok());
    // A role of an account the organisation does not know is assumed as before.
    let (status, body) = sts(
        &emu,
        &me(),
        &[
            ("Action", "AssumeRole"),
            ("RoleArn", "arn:aws:iam::210987654321:role/ops/deployer"),
            ("RoleSessionName", "s1"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        field(&body, "Arn"),
        Some("arn:aws:sts::210987654321:assumed-role/deployer/s1")
    );
}

#[tokio::test]
async fn sessions_act_in_the_role_account_and_expire_on_the_virtual_clock() {
    let emu = emulator().await;
    seed(&emu);
    let member = assume(
        &emu,
        ROLE,
        &[("ExternalId", "lockward-prod"), ("DurationSeconds", "900")],
    )
    .await
    .unwrap();
    let (status, who) = sts(&emu, &member, &[("Action", "GetCallerIdentity")]).await;
    assert_eq!(status, 200, "{who}");
    assert_eq!(field(&who, "Account"), Some("111111111111"));
    // The issued key is good only with its own token.
    let keyless = Caller {
        token: None,
        ..member.clone()
    };
    refused_status(
        &org(&emu, &keyless, "DescribeOrganization", json!({})).await,
        403,
        "UnrecognizedClientException",
    );
    let (status, body) = sts(&emu, &keyless, &[("Action", "GetCallerIdentity")]).await;
    assert_eq!(
        (status, field(&body, "Code")),
        (403, Some("InvalidClientTokenId"))
    );

    emu.advance_clock(899);
    assert_eq!(
        org(&emu, &member, "DescribeOrganization", json!({}))
            .await
            .0,
        200
    );
    emu.advance_clock(1);
    refused_status(
        &org(&emu, &member, "DescribeOrganization", json!({})).await,
        403,
        "ExpiredTokenException",
    );
    let (status, body) = sts(&emu, &member, &[("Action", "GetCallerIdentity")]).await;
    assert_eq!(
        (status, field(&body, "Code")),
        (400, Some("ExpiredToken")),
        "{body}"
    );
    assert!(body.contains("<ErrorResponse"), "{body}");
    // The default duration is an hour.
    let hour = assume(&emu, ROLE, &[("ExternalId", "lockward-prod")])
        .await
        .unwrap();
    emu.advance_clock(3599);
    assert_eq!(
        org(&emu, &hour, "DescribeOrganization", json!({})).await.0,
        200
    );
    emu.advance_clock(1);
    refused_status(
        &org(&emu, &hour, "DescribeOrganization", json!({})).await,
        403,
        "ExpiredTokenException",
    );
}

#[track_caller]
fn refused_status(answer: &(u16, Value), status: u16, code: &str) {
    assert_eq!(
        (answer.0, answer.1["__type"].as_str()),
        (status, Some(code)),
        "{}",
        answer.1
    );
}

#[tokio::test]
async fn state_shows_the_organisation_and_roles_as_seeded_and_faults_apply() {
    let emu = emulator().await;
    seed(&emu);
    let state = emu.state();
    let again = emulator().await;
    again.seed(state.clone()).unwrap();
    assert_eq!(again.state(), state);
    assert_eq!(state["organizations"]["ous"].as_array().unwrap().len(), 3);
    assert_eq!(
        state["roles"],
        json!([{"arn": ROLE, "external_id": "lockward-prod"}])
    );
    // An unsigned request is refused in the protocol's shape.
    let (status, _, body) = http(
        &emu,
        "POST",
        "/",
        &[("X-Amz-Target", "AWSOrganizationsV20161128.ListRoots")],
        b"{}",
    )
    .await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, body["__type"].as_str()),
        (403, Some("MissingAuthenticationTokenException"))
    );
    emu.set_faults(
        json!({"rules": [{"operation": "ListAccounts", "kind": "throttle", "times": 1}]}),
    )
    .unwrap();
    refused(
        &org(&emu, &me(), "ListAccounts", json!({})).await,
        "TooManyRequestsException",
    );
    assert_eq!(org(&emu, &me(), "ListAccounts", json!({})).await.0, 200);
    again.reset();
    assert_eq!(again.state()["organizations"], Value::Null);
    assert_eq!(again.state()["roles"], json!([]));
}
