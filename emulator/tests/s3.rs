//! Drives every emulated S3 operation and error through the AWS SDK for Rust (`aws-sdk-s3`, the
//! crate lockward uses; path style, as it must be against an IP endpoint), and virtual-hosted
//! requests over raw HTTP.

mod common;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, DefaultRetention,
    EventHoldDuration, ObjectLockConfiguration, ObjectLockEnabled, ObjectLockRetentionMode,
    ObjectLockRule, VersioningConfiguration,
};
use aws_smithy_types::retry::RetryConfig;
use common::{calls_of, code, control, emulator, http, signed, static_credentials, ACCOUNT};
use lockward_emulator::Emulator;
use serde_json::{json, Value};

fn client_in(emu: &Emulator, region: &'static str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new(region))
            .endpoint_url(emu.url())
            .force_path_style(true)
            .credentials_provider(static_credentials())
            .retry_config(RetryConfig::disabled())
            .build(),
    )
}

fn client(emu: &Emulator) -> aws_sdk_s3::Client {
    client_in(emu, "us-east-1")
}

async fn new_bucket(s3: &aws_sdk_s3::Client, name: &str) {
    s3.create_bucket().bucket(name).send().await.unwrap();
}

async fn enable_versioning(s3: &aws_sdk_s3::Client, name: &str) {
    s3.put_bucket_versioning()
        .bucket(name)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

fn lock_config(mode: ObjectLockRetentionMode, days: i32) -> ObjectLockConfiguration {
    ObjectLockConfiguration::builder()
        .object_lock_enabled(ObjectLockEnabled::Enabled)
        .rule(
            ObjectLockRule::builder()
                .default_retention(DefaultRetention::builder().mode(mode).days(days).build())
                .build(),
        )
        .build()
}

/// The quoted MD5 hex of `body`, as S3 reports an ETag.
fn etag_of(body: &[u8]) -> String {
    use md5::Digest;
    let d = md5::Md5::digest(body);
    format!(
        "\"{}\"",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

#[tokio::test]
async fn buckets_create_head_list_locate() {
    let emu = emulator().await;
    let s3 = client(&emu);
    let eu = client_in(&emu, "eu-west-1");
    let created = s3
        .create_bucket()
        .bucket("acme-records")
        .send()
        .await
        .unwrap();
    assert_eq!(created.location(), Some("/acme-records"));
    // us-east-1 answers 200 to a bucket you already own there.
    new_bucket(&s3, "acme-records").await;
    eu.create_bucket()
        .bucket("acme-eu")
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let again = eu
        .create_bucket()
        .bucket("acme-eu")
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(again), "BucketAlreadyOwnedByYou");
    // Bucket names are global: another account's name is taken.
    emu.seed(json!({"account_id": "111111111111", "s3": [{"bucket": "theirs"}]}))
        .unwrap();
    assert_eq!(
        code(s3.create_bucket().bucket("theirs").send().await),
        "BucketAlreadyExists"
    );
    assert_eq!(
        code(s3.create_bucket().bucket("Bad_Name").send().await),
        "InvalidBucketName"
    );
    // A constraint that is not the endpoint's region, or none outside us-east-1.
    assert_eq!(
        code(eu.create_bucket().bucket("acme-nowhere").send().await),
        "IllegalLocationConstraintException"
    );
    assert_eq!(
        code(
            s3.create_bucket()
                .bucket("acme-nowhere")
                .create_bucket_configuration(
                    CreateBucketConfiguration::builder()
                        .location_constraint(BucketLocationConstraint::UsEast2)
                        .build()
                )
                .send()
                .await
        ),
        "IllegalLocationConstraintException"
    );

    let head = s3
        .head_bucket()
        .bucket("acme-records")
        .send()
        .await
        .unwrap();
    assert_eq!(head.bucket_region(), Some("us-east-1"));
    let head = eu.head_bucket().bucket("acme-eu").send().await.unwrap();
    assert_eq!(head.bucket_region(), Some("eu-west-1"));
    // From the wrong region, S3 answers a 301 that names the bucket's region.
    let err = s3.head_bucket().bucket("acme-eu").send().await.unwrap_err();
    let raw = err.raw_response().expect("an HTTP answer");
    assert_eq!(raw.status().as_u16(), 301);
    assert_eq!(raw.headers().get("x-amz-bucket-region"), Some("eu-west-1"));
    assert_eq!(
        code(s3.get_bucket_versioning().bucket("acme-eu").send().await),
        "PermanentRedirect"
    );
    let missing = s3.head_bucket().bucket("missing").send().await.unwrap_err();
    assert_eq!(missing.raw_response().unwrap().status().as_u16(), 404);
    assert!(missing.into_service_error().is_not_found());
    let theirs = s3.head_bucket().bucket("theirs").send().await.unwrap_err();
    assert_eq!(theirs.raw_response().unwrap().status().as_u16(), 403);

    // GetBucketLocation answers from any region; us-east-1 is the empty constraint.
    let loc = s3
        .get_bucket_location()
        .bucket("acme-eu")
        .send()
        .await
        .unwrap();
    assert_eq!(
        loc.location_constraint(),
        Some(&BucketLocationConstraint::EuWest1)
    );
    let loc = s3
        .get_bucket_location()
        .bucket("acme-records")
        .send()
        .await
        .unwrap();
    assert!(loc
        .location_constraint()
        .is_none_or(|c| c.as_str().is_empty()));

    let list = s3.list_buckets().send().await.unwrap();
    let names: Vec<_> = list.buckets().iter().map(|b| b.name().unwrap()).collect();
    assert_eq!(
        names,
        ["acme-eu", "acme-records"],
        "only the caller's buckets"
    );
    assert_eq!(list.buckets()[0].bucket_region(), Some("eu-west-1"));
    assert_eq!(list.owner().unwrap().id().unwrap().len(), 64);
    let page = s3.list_buckets().max_buckets(1).send().await.unwrap();
    assert_eq!(page.buckets().len(), 1);
    let rest = s3
        .list_buckets()
        .continuation_token(page.continuation_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.buckets()[0].name(), Some("acme-records"));
    assert!(rest.continuation_token().is_none());
}

#[tokio::test]
async fn versioning_and_object_lock_configuration() {
    let emu = emulator().await;
    let s3 = client(&emu);
    new_bucket(&s3, "records").await;
    let v = s3
        .get_bucket_versioning()
        .bucket("records")
        .send()
        .await
        .unwrap();
    assert!(v.status().is_none(), "a new bucket is unversioned");
    assert_eq!(
        code(
            s3.get_object_lock_configuration()
                .bucket("records")
                .send()
                .await
        ),
        "ObjectLockConfigurationNotFoundError"
    );
    // Object Lock needs versioning Enabled.
    let put = s3
        .put_object_lock_configuration()
        .bucket("records")
        .object_lock_configuration(lock_config(ObjectLockRetentionMode::Governance, 1))
        .send()
        .await;
    assert_eq!(code(put), "InvalidBucketState");
    enable_versioning(&s3, "records").await;
    s3.put_bucket_versioning()
        .bucket("records")
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Suspended)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        s3.get_bucket_versioning()
            .bucket("records")
            .send()
            .await
            .unwrap()
            .status(),
        Some(&BucketVersioningStatus::Suspended)
    );
    assert_eq!(
        code(
            s3.put_object_lock_configuration()
                .bucket("records")
                .object_lock_configuration(lock_config(ObjectLockRetentionMode::Governance, 1))
                .send()
                .await
        ),
        "InvalidBucketState"
    );
    enable_versioning(&s3, "records").await;
    // A bucket that already holds objects may get Object Lock (AWS allows it since 2023).
    s3.put_object()
        .bucket("records")
        .key("a")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    s3.put_object_lock_configuration()
        .bucket("records")
        .object_lock_configuration(lock_config(ObjectLockRetentionMode::Compliance, 2555))
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object_lock_configuration()
        .bucket("records")
        .send()
        .await
        .unwrap();
    let config = got.object_lock_configuration().unwrap();
    assert_eq!(
        config.object_lock_enabled(),
        Some(&ObjectLockEnabled::Enabled)
    );
    let retention = config.rule().unwrap().default_retention().unwrap();
    assert_eq!(retention.mode(), Some(&ObjectLockRetentionMode::Compliance));
    assert_eq!((retention.days(), retention.years()), (Some(2555), None));
    // Versioning can no longer be suspended.
    let suspend = s3
        .put_bucket_versioning()
        .bucket("records")
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Suspended)
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(suspend), "InvalidBucketState");
    // The default can be changed (shortening it changes nothing already written) and carries
    // a DefaultEventHold.
    s3.put_object_lock_configuration()
        .bucket("records")
        .object_lock_configuration(
            ObjectLockConfiguration::builder()
                .object_lock_enabled(ObjectLockEnabled::Enabled)
                .rule(
                    ObjectLockRule::builder()
                        .default_retention(
                            DefaultRetention::builder()
                                .mode(ObjectLockRetentionMode::Governance)
                                .years(7)
                                .default_event_hold(EventHoldDuration::builder().days(30).build())
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object_lock_configuration()
        .bucket("records")
        .send()
        .await
        .unwrap();
    let retention = got
        .object_lock_configuration()
        .unwrap()
        .rule()
        .unwrap()
        .default_retention()
        .unwrap();
    assert_eq!((retention.days(), retention.years()), (None, Some(7)));
    assert_eq!(retention.default_event_hold().unwrap().days(), Some(30));
    assert_eq!(
        emu.state()["s3"][0]["object_lock"],
        json!({"enabled": true, "default_retention": {"mode": "GOVERNANCE", "years": 7,
               "default_event_hold": {"days": 30}}})
    );
    // Removing the default keeps Object Lock on.
    s3.put_object_lock_configuration()
        .bucket("records")
        .object_lock_configuration(
            ObjectLockConfiguration::builder()
                .object_lock_enabled(ObjectLockEnabled::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object_lock_configuration()
        .bucket("records")
        .send()
        .await
        .unwrap();
    assert!(got.object_lock_configuration().unwrap().rule().is_none());

    // Bad defaults.
    let both = ObjectLockConfiguration::builder()
        .object_lock_enabled(ObjectLockEnabled::Enabled)
        .rule(
            ObjectLockRule::builder()
                .default_retention(
                    DefaultRetention::builder()
                        .mode(ObjectLockRetentionMode::Governance)
                        .days(1)
                        .years(1)
                        .build(),
                )
                .build(),
        )
        .build();
    assert_eq!(
        code(
            s3.put_object_lock_configuration()
                .bucket("records")
                .object_lock_configuration(both)
                .send()
                .await
        ),
        "MalformedXML"
    );
    for days in [0, -1, 36_501] {
        assert_eq!(
            code(
                s3.put_object_lock_configuration()
                    .bucket("records")
                    .object_lock_configuration(lock_config(
                        ObjectLockRetentionMode::Governance,
                        days
                    ))
                    .send()
                    .await
            ),
            "InvalidArgument",
            "{days}"
        );
    }

    // Created with Object Lock: versioning comes with it, no default.
    s3.create_bucket()
        .bucket("born-locked")
        .object_lock_enabled_for_bucket(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        s3.get_bucket_versioning()
            .bucket("born-locked")
            .send()
            .await
            .unwrap()
            .status(),
        Some(&BucketVersioningStatus::Enabled)
    );
    let got = s3
        .get_object_lock_configuration()
        .bucket("born-locked")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.object_lock_configuration()
            .unwrap()
            .object_lock_enabled(),
        Some(&ObjectLockEnabled::Enabled)
    );
    assert_eq!(
        code(s3.get_bucket_versioning().bucket("missing").send().await),
        "NoSuchBucket"
    );
}

#[tokio::test]
async fn lock_puts_need_a_checksum() {
    let emu = emulator().await;
    let s3 = client(&emu);
    new_bucket(&s3, "records").await;
    let auth = signed("s3");
    let versioning = b"<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>Enabled</Status></VersioningConfiguration>";
    let (status, _, body) = http(
        &emu,
        "PUT",
        "/records?versioning",
        &[("Authorization", &auth)],
        versioning,
    )
    .await;
    assert_eq!(status, 400);
    let body = String::from_utf8(body).unwrap();
    assert!(body.contains("<Code>InvalidRequest</Code>"), "{body}");
    assert!(body.contains("Content-MD5 OR x-amz-checksum-*"), "{body}");
    // A wrong Content-MD5 is refused; the right one, or any x-amz-checksum-*, is accepted.
    let (status, _, body) = http(
        &emu,
        "PUT",
        "/records?versioning",
        &[
            ("Authorization", &auth),
            ("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
        ],
        versioning,
    )
    .await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("<Code>BadDigest</Code>"));
    use base64::Engine;
    use md5::Digest;
    let md5 = base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(versioning));
    let (status, _, _) = http(
        &emu,
        "PUT",
        "/records?versioning",
        &[("Authorization", &auth), ("Content-MD5", &md5)],
        versioning,
    )
    .await;
    assert_eq!(status, 200);
    let lock = b"<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>";
    let (status, _, body) = http(
        &emu,
        "PUT",
        "/records?object-lock",
        &[("Authorization", &auth)],
        lock,
    )
    .await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    assert_eq!(emu.state()["s3"][0].get("object_lock"), None);
    let (status, _, _) = http(
        &emu,
        "PUT",
        "/records?object-lock",
        &[
            ("Authorization", &auth),
            ("x-amz-checksum-crc32", "AAAAAA=="),
        ],
        lock,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(emu.state()["s3"][0]["object_lock"]["enabled"], true);
    // What the SDK sends on its own is enough (it adds a checksum to these calls).
    s3.put_object_lock_configuration()
        .bucket("records")
        .object_lock_configuration(lock_config(ObjectLockRetentionMode::Governance, 1))
        .send()
        .await
        .unwrap();
    let logged = &emu.calls().as_array().unwrap().last().unwrap().clone();
    assert!(
        logged["params"].get("ChecksumAlgorithm").is_some()
            || logged["params"].get("ContentMD5").is_some(),
        "{logged}"
    );
}

#[tokio::test]
async fn expected_bucket_owner_is_honoured() {
    let emu = emulator().await;
    let s3 = client(&emu);
    new_bucket(&s3, "records").await;
    assert_eq!(
        code(
            s3.get_bucket_versioning()
                .bucket("records")
                .expected_bucket_owner("999999999999")
                .send()
                .await
        ),
        "AccessDenied"
    );
    assert_eq!(
        code(
            s3.get_object_lock_configuration()
                .bucket("records")
                .expected_bucket_owner("999999999999")
                .send()
                .await
        ),
        "AccessDenied"
    );
    s3.get_bucket_versioning()
        .bucket("records")
        .expected_bucket_owner(ACCOUNT)
        .send()
        .await
        .unwrap();
    // A bucket of another account is denied whatever the header says.
    emu.seed(json!({"account_id": "111111111111", "s3": [{"bucket": "theirs"}]}))
        .unwrap();
    assert_eq!(
        code(s3.get_bucket_versioning().bucket("theirs").send().await),
        "AccessDenied"
    );
}

#[tokio::test]
async fn conditional_writes_for_a_state_backend() {
    let emu = emulator().await;
    let s3 = client(&emu);
    new_bucket(&s3, "state").await;
    enable_versioning(&s3, "state").await;
    let lock_body = br#"{"id":"L1","pid":1}"#;
    let created = s3
        .put_object()
        .bucket("state")
        .key("prod/lockward.state.json.lock")
        .if_none_match("*")
        .body(ByteStream::from_static(lock_body))
        .send()
        .await
        .unwrap();
    let etag = created.e_tag().unwrap().to_string();
    assert_eq!(etag, etag_of(lock_body));
    assert!(created.version_id().is_some());
    // A second holder is refused.
    let second = s3
        .put_object()
        .bucket("state")
        .key("prod/lockward.state.json.lock")
        .if_none_match("*")
        .body(ByteStream::from_static(b"other"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(second.raw_response().unwrap().status().as_u16(), 412);
    assert_eq!(code(Err::<(), _>(second)), "PreconditionFailed");

    // If-Match: the ETag read wins, a stale one is refused, a missing key is NoSuchKey.
    let v2 = s3
        .put_object()
        .bucket("state")
        .key("prod/lockward.state.json.lock")
        .if_match(&etag)
        .body(ByteStream::from_static(b"v2"))
        .send()
        .await
        .unwrap();
    assert_eq!(v2.e_tag(), Some(etag_of(b"v2").as_str()));
    assert_eq!(
        code(
            s3.put_object()
                .bucket("state")
                .key("prod/lockward.state.json.lock")
                .if_match(&etag)
                .body(ByteStream::from_static(b"v3"))
                .send()
                .await
        ),
        "PreconditionFailed"
    );
    assert_eq!(
        code(
            s3.put_object()
                .bucket("state")
                .key("nothing-here")
                .if_match(&etag)
                .body(ByteStream::from_static(b"v3"))
                .send()
                .await
        ),
        "NoSuchKey"
    );

    let got = s3
        .get_object()
        .bucket("state")
        .key("prod/lockward.state.json.lock")
        .send()
        .await
        .unwrap();
    assert_eq!(got.e_tag(), Some(etag_of(b"v2").as_str()));
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        b"v2"
    );
    let head = s3
        .head_object()
        .bucket("state")
        .key("prod/lockward.state.json.lock")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(2));
    assert_eq!(head.e_tag(), Some(etag_of(b"v2").as_str()));
    assert!(head.last_modified().is_some());
    assert_eq!(
        code(s3.get_object().bucket("state").key("missing").send().await),
        "NoSuchKey"
    );
    let missing = s3
        .head_object()
        .bucket("state")
        .key("missing")
        .send()
        .await
        .unwrap_err();
    assert!(missing.into_service_error().is_not_found());
    assert_eq!(
        code(s3.get_object().bucket("nobucket").key("k").send().await),
        "NoSuchBucket"
    );

    // Deleting with If-Match: stale refused, own ETag deletes, then a 404 says it is gone.
    assert_eq!(
        code(
            s3.delete_object()
                .bucket("state")
                .key("prod/lockward.state.json.lock")
                .if_match(&etag)
                .send()
                .await
        ),
        "PreconditionFailed"
    );
    s3.delete_object()
        .bucket("state")
        .key("prod/lockward.state.json.lock")
        .if_match(etag_of(b"v2"))
        .send()
        .await
        .unwrap();
    let gone = s3
        .delete_object()
        .bucket("state")
        .key("prod/lockward.state.json.lock")
        .if_match(etag_of(b"v2"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(gone.raw_response().unwrap().status().as_u16(), 404);
    assert_eq!(code(Err::<(), _>(gone)), "NoSuchKey");
    // Without a condition, deleting a missing key succeeds (204), as S3 does.
    s3.delete_object()
        .bucket("state")
        .key("prod/lockward.state.json.lock")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn list_objects_v2_pages_prefixes_and_delimiters() {
    let emu = emulator().await;
    let s3 = client(&emu);
    emu.seed(
        json!({"s3": [{"bucket": "state", "versioning": "Enabled", "objects": [
        {"key": "prod/a.json", "body": "a"}, {"key": "prod/b.json", "body": "bb"},
        {"key": "prod/journal/1.jsonl", "body": "1"}, {"key": "prod/journal/2.jsonl", "body": "2"},
        {"key": "prod/z weird+key.json", "body": "z"}, {"key": "test/c.json", "body": "c"}]}]}),
    )
    .unwrap();
    let mut keys = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = s3
            .list_objects_v2()
            .bucket("state")
            .prefix("prod/")
            .max_keys(2)
            .set_continuation_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        assert_eq!(page.key_count(), Some(page.contents().len() as i32));
        keys.extend(page.contents().iter().map(|o| o.key().unwrap().to_string()));
        token = page.next_continuation_token().map(str::to_string);
        assert_eq!(page.is_truncated(), Some(token.is_some()));
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        keys,
        [
            "prod/a.json",
            "prod/b.json",
            "prod/journal/1.jsonl",
            "prod/journal/2.jsonl",
            "prod/z weird+key.json"
        ]
    );
    let page = s3
        .list_objects_v2()
        .bucket("state")
        .prefix("prod/")
        .delimiter("/")
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = page.contents().iter().map(|o| o.key().unwrap()).collect();
    assert_eq!(
        keys,
        ["prod/a.json", "prod/b.json", "prod/z weird+key.json"]
    );
    let prefixes: Vec<_> = page
        .common_prefixes()
        .iter()
        .map(|p| p.prefix().unwrap())
        .collect();
    assert_eq!(prefixes, ["prod/journal/"]);
    assert_eq!(page.contents()[1].size(), Some(2));
    assert_eq!(page.contents()[1].e_tag(), Some(etag_of(b"bb").as_str()));
    let after = s3
        .list_objects_v2()
        .bucket("state")
        .start_after("prod/journal/2.jsonl")
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = after.contents().iter().map(|o| o.key().unwrap()).collect();
    assert_eq!(keys, ["prod/z weird+key.json", "test/c.json"]);
    assert_eq!(
        code(s3.list_objects_v2().bucket("missing").send().await),
        "NoSuchBucket"
    );
}

#[tokio::test]
async fn virtual_hosted_requests_and_the_error_shape() {
    let emu = emulator().await;
    let s3 = client(&emu);
    new_bucket(&s3, "records").await;
    let auth = signed("s3");
    let host = format!("records.localhost:{}", emu.addr().port());
    let (status, head, _) = http(
        &emu,
        "PUT",
        "/dir/state.json",
        &[("Host", &host), ("Authorization", &auth)],
        b"hello",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        head.contains(&format!("etag: {}", etag_of(b"hello"))),
        "{head}"
    );
    let (status, _, body) = http(
        &emu,
        "GET",
        "/dir/state.json",
        &[("Host", &host), ("Authorization", &auth)],
        b"",
    )
    .await;
    assert_eq!((status, body.as_slice()), (200, b"hello".as_slice()));
    // The same object, path style through the SDK.
    let got = s3
        .get_object()
        .bucket("records")
        .key("dir/state.json")
        .send()
        .await
        .unwrap();
    assert_eq!(got.e_tag(), Some(etag_of(b"hello").as_str()));
    // An AWS-shaped host works too, and a bucket-level call on it.
    let (status, _, body) = http(
        &emu,
        "GET",
        "/?versioning",
        &[
            ("Host", "records.s3.us-east-1.amazonaws.com"),
            ("Authorization", &auth),
        ],
        b"",
    )
    .await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("<VersioningConfiguration"));

    // Errors: S3's XML shape, the bucket named.
    let (status, head, body) = http(
        &emu,
        "GET",
        "/missing-bucket/key",
        &[("Authorization", &auth)],
        b"",
    )
    .await;
    assert_eq!(status, 404);
    assert!(head.contains("x-amz-request-id"), "{head}");
    let body = String::from_utf8(body).unwrap();
    assert!(body.starts_with("<?xml"), "{body}");
    assert!(body.contains("<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>missing-bucket</BucketName>"), "{body}");
    // Unsigned virtual-hosted requests are refused as S3 refuses anonymous access.
    let (status, _, body) = http(&emu, "GET", "/dir/state.json", &[("Host", &host)], b"").await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("<Code>AccessDenied</Code>"));
    // Unimplemented subresources say so.
    let (status, _, body) = http(
        &emu,
        "GET",
        "/records?acl",
        &[("Authorization", &auth)],
        b"",
    )
    .await;
    assert_eq!(status, 501);
    assert!(String::from_utf8_lossy(&body).contains("<Code>NotImplemented</Code>"));
}

#[tokio::test]
async fn faults_and_the_call_log_cover_s3() {
    let emu = emulator().await;
    let s3 = client(&emu);
    new_bucket(&s3, "state").await;
    enable_versioning(&s3, "state").await;
    emu.set_faults(
        json!({"rules": [{"operation": "PutObject", "kind": "drop_after_apply", "times": 1}]}),
    )
    .unwrap();
    let err = s3
        .put_object()
        .bucket("state")
        .key("k")
        .if_none_match("*")
        .body(ByteStream::from_static(b"written"))
        .send()
        .await
        .unwrap_err();
    assert!(
        err.raw_response().is_none(),
        "expected a transport error, got {err:?}"
    );
    // The write landed although the client never heard of it: a retry with If-None-Match fails.
    assert_eq!(
        code(
            s3.put_object()
                .bucket("state")
                .key("k")
                .if_none_match("*")
                .body(ByteStream::from_static(b"written"))
                .send()
                .await
        ),
        "PreconditionFailed"
    );
    emu.set_faults(json!({"rules": [{"operation": "PutObjectLockConfiguration", "kind": "drop_before_apply", "times": 1}]}))
        .unwrap();
    s3.put_object_lock_configuration()
        .bucket("state")
        .object_lock_configuration(lock_config(ObjectLockRetentionMode::Compliance, 1))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(
            s3.get_object_lock_configuration()
                .bucket("state")
                .send()
                .await
        ),
        "ObjectLockConfigurationNotFoundError"
    );
    emu.set_faults(
        json!({"rules": [{"operation": "HeadBucket", "kind": "throttle", "times": 1},
        {"operation": "GetObject", "kind": "error", "status": 503, "times": 1}]}),
    )
    .unwrap();
    let throttled = s3.head_bucket().bucket("state").send().await.unwrap_err();
    assert_eq!(throttled.raw_response().unwrap().status().as_u16(), 503);
    assert_eq!(
        code(s3.get_object().bucket("state").key("k").send().await),
        "ServiceUnavailable"
    );

    let ops = calls_of(&emu, "s3");
    let expected: Vec<(String, bool)> = [
        ("CreateBucket", true),
        ("PutBucketVersioning", true),
        ("PutObject", true),
        ("PutObject", true),
        ("PutObjectLockConfiguration", true),
        ("GetObjectLockConfiguration", false),
        ("HeadBucket", false),
        ("GetObject", false),
    ]
    .iter()
    .map(|(o, m)| (o.to_string(), *m))
    .collect();
    assert_eq!(ops, expected);
    let put = &emu.calls()[2];
    assert_eq!(put["params"]["Bucket"], "state");
    assert_eq!(put["params"]["Key"], "k");
    assert_eq!(put["params"]["IfNoneMatch"], "*");
    assert_eq!(put["params"]["ContentLength"], 7);
    assert!(
        !put["params"].to_string().contains("written"),
        "the call log never holds an object's body"
    );
    let (_, calls) = control(&emu, "GET", "calls", Value::Null).await;
    assert_eq!(calls, emu.calls());
}
