//! The SDK adapter and the read against the emulator over real HTTP.

use serde_json::json;

use super::*;

const OWNER: &str = lockward_emulator::DEFAULT_ACCOUNT_ID;

fn sdk(emu: &lockward_emulator::Emulator, region: &str) -> SdkS3 {
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .endpoint_url(emu.url())
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new("AKIDTEST", "secret", None, None, "test"),
            ),
        )
        .build();
    SdkS3::client(&config)
}

async fn emulator() -> lockward_emulator::Emulator {
    let emu = lockward_emulator::start(lockward_emulator::EmulatorConfig::default())
        .await
        .unwrap();
    emu.seed(json!({"s3": [
        {"bucket": "plain"},
        {"bucket": "suspended", "versioning": "Suspended"},
        {"bucket": "versioned", "versioning": "Enabled"},
        {"bucket": "locked", "object_lock": {"enabled": true}},
        {"bucket": "records", "object_lock": {"enabled": true, "default_retention":
            {"mode": "COMPLIANCE", "years": 7, "default_event_hold": {"days": 5}}}},
        {"bucket": "far-away", "region": "eu-west-1"}
    ]}))
    .unwrap();
    emu
}

#[tokio::test]
async fn every_live_state_reads_through_the_sdk() {
    let emu = emulator().await;
    let s3 = sdk(&emu, "us-east-1");
    let read = |bucket: &'static str| read_s3(&s3, bucket, OWNER, "us-east-1");
    assert_eq!(read("missing-bucket").await.unwrap(), S3Live::BucketMissing);
    assert_eq!(read("plain").await.unwrap(), S3Live::Unversioned);
    assert_eq!(
        read("suspended").await.unwrap(),
        S3Live::VersioningSuspended
    );
    assert_eq!(read("versioned").await.unwrap(), S3Live::Disabled);
    assert_eq!(
        read("locked").await.unwrap(),
        S3Live::Enabled {
            default_retention: None,
            default_event_hold: None
        }
    );
    assert_eq!(
        read("records").await.unwrap(),
        S3Live::Enabled {
            default_retention: Some(DefaultRetention {
                mode: RetentionMode::Compliance,
                period: RetentionPeriod::Years(7)
            }),
            default_event_hold: Some(RetentionPeriod::Days(5)),
        }
    );
    assert_eq!(
        read("far-away").await.unwrap(),
        S3Live::OtherRegion {
            bucket_region: "eu-west-1".to_string(),
            provider_region: "us-east-1".to_string()
        }
    );
    // Every call names the expected bucket owner.
    let calls = emu.calls();
    let calls = calls.as_array().unwrap();
    assert!(!calls.is_empty());
    for call in calls {
        assert_eq!(call["params"]["ExpectedBucketOwner"], OWNER, "{call}");
    }
}

#[tokio::test]
async fn another_owner_is_refused() {
    let emu = emulator().await;
    let s3 = sdk(&emu, "us-east-1");
    assert!(read_s3(&s3, "plain", "111111111111", "us-east-1")
        .await
        .is_err());
}

#[tokio::test]
async fn the_two_step_enable_and_the_puts_round_trip_keeping_the_event_hold() {
    let emu = emulator().await;
    let s3 = sdk(&emu, "us-east-1");
    let compliance = DefaultRetention {
        mode: RetentionMode::Compliance,
        period: RetentionPeriod::Days(2555),
    };
    let config = ObjectLockConfig {
        default_retention: Some(compliance),
        default_event_hold: None,
    };
    // Object Lock needs versioning first.
    assert!(s3
        .put_object_lock_configuration("plain", OWNER, &config)
        .await
        .is_err());
    s3.enable_versioning("plain", OWNER).await.unwrap();
    s3.put_object_lock_configuration("plain", OWNER, &config)
        .await
        .unwrap();
    assert_eq!(
        read_s3(&s3, "plain", OWNER, "us-east-1").await.unwrap(),
        S3Live::Enabled {
            default_retention: Some(compliance),
            default_event_hold: None
        }
    );
    // A put carries the live event hold; a put without a rule removes the default.
    let kept = ObjectLockConfig {
        default_retention: Some(compliance),
        default_event_hold: Some(RetentionPeriod::Days(5)),
    };
    s3.put_object_lock_configuration("records", OWNER, &kept)
        .await
        .unwrap();
    assert_eq!(
        s3.get_object_lock_configuration("records", OWNER)
            .await
            .unwrap(),
        Some(kept)
    );
    s3.put_object_lock_configuration("records", OWNER, &ObjectLockConfig::default())
        .await
        .unwrap();
    assert_eq!(
        read_s3(&s3, "records", OWNER, "us-east-1").await.unwrap(),
        S3Live::Enabled {
            default_retention: None,
            default_event_hold: None
        }
    );
}
