//! EC2's snapshot-lock calls on the EC2 Query protocol (form-encoded POST,
//! `Version=2016-11-15`, XML answers), signed with SigV4 by the crates the AWS SDK already
//! brings: `aws-sigv4` signs, the provider's `SdkConfig` gives the credentials (its whole
//! chain, an assumed role included), `aws-smithy-http-client` sends, `aws-smithy-xml` reads.
//! lockward makes five EC2 calls; the SDK crate for EC2 would add minutes and gigabytes to
//! every build for them (README, "The EC2 client").
//!
//! Errors read as the SDK clients' do: AWS's `<Errors><Error><Code>` answer is `Rejected`
//! (a 5xx `Ambiguous`), a connection never made is `NotSent`, credentials that cannot be
//! loaded are `NotSent`. A read is retried after throttling or an unknown outcome, with a
//! growing pause, up to the provider's attempts; a mutating call only after throttling (a lost
//! answer is settled by the step, by reading), and a compliance lock not at all (see
//! `Step::once_per_intent`).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_smithy_xml::decode::{try_data, Document, ScopedDecoder};
use jiff::Timestamp;

use crate::aws::signed::SignedHttp;
use crate::aws::{AwsError, ErrorClass};

use super::aws::{Ec2Api, LockInfo, LockRequest, SnapshotInfo};

/// The EC2 API version every call names.
const VERSION: &str = "2016-11-15";
/// The largest page DescribeSnapshots and DescribeLockedSnapshots answer.
const PAGE: &str = "1000";
/// Ids per DescribeSnapshots or DescribeLockedSnapshots call.
const IDS_PER_CALL: usize = 200;

pub(crate) struct QueryEc2 {
    http: SignedHttp,
    max_attempts: u32,
}

impl QueryEc2 {
    /// A client for the provider's region and credentials, sending to `endpoint` (the
    /// provider's `endpoint_url` or the environment's, see `aws::sdk::endpoint_of`) or to
    /// EC2's own endpoint for the region.
    pub(crate) fn new(
        config: &aws_types::SdkConfig,
        endpoint: Option<String>,
        max_attempts: u32,
    ) -> QueryEc2 {
        let region = config
            .region()
            .map(|r| r.as_ref().to_string())
            .unwrap_or_default();
        let endpoint = endpoint.unwrap_or_else(|| format!("https://ec2.{region}.amazonaws.com"));
        QueryEc2 {
            http: SignedHttp::new(config, "ec2", region, endpoint),
            max_attempts: max_attempts.max(1),
        }
    }

    /// Sends `action` with `params`, retrying throttling and 5xx answers unless `once`; the
    /// answer's body. A `mutating` call's request id is kept for the step.
    async fn call(
        &self,
        action: &str,
        params: &[(String, String)],
        once: bool,
        mutating: bool,
    ) -> Result<String, AwsError> {
        let mut pause = Duration::from_millis(100);
        let mut attempt = 1;
        loop {
            match self.send(action, params, mutating).await {
                // A read is sent again after any answer that proves nothing; a mutating call
                // only after throttling, which proves AWS did nothing: one whose answer was
                // lost may have taken effect, and sent again it could answer an error (an
                // unlock that took effect answers "not locked"). The step settles it by reading.
                Err(e)
                    if !once
                        && attempt < self.max_attempts
                        && (e.is_throttling()
                            || (!mutating && e.class == ErrorClass::Ambiguous)) =>
                {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn send(
        &self,
        action: &str,
        params: &[(String, String)],
        mutating: bool,
    ) -> Result<String, AwsError> {
        let body = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("Action", action);
            form.append_pair("Version", VERSION);
            for (k, v) in params {
                form.append_pair(k, v);
            }
            form.finish()
        };
        let answer = self
            .http
            .post(
                &[(
                    "content-type",
                    "application/x-www-form-urlencoded; charset=utf-8",
                )],
                body,
            )
            .await?;
        let (status, header_id, text) = (answer.status, answer.request_id, answer.body);
        let ok = (200..300).contains(&status);
        // Only a mutating call's id is kept, for the step's journal records (see
        // `aws::request_id`): a read never lends its id to the call it checks.
        if mutating {
            let id = element_text(&text, if ok { "requestId" } else { "RequestID" });
            if let Some(id) = id.or(header_id) {
                crate::aws::request_id::note_id(&id);
            }
        }
        if ok {
            return Ok(text);
        }
        let (code, message) = error_of(&text);
        Err(AwsError {
            class: if status >= 500 {
                ErrorClass::Ambiguous
            } else {
                ErrorClass::Rejected
            },
            code,
            message: message.unwrap_or_else(|| format!("EC2 answered HTTP {status}")),
        })
    }

    /// Every page of a Describe call, each read by `items`.
    async fn pages<T>(
        &self,
        action: &str,
        params: Vec<(String, String)>,
        paged: bool,
        items: fn(&str) -> Result<Vec<T>, AwsError>,
    ) -> Result<Vec<T>, AwsError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut p = params.clone();
            if paged {
                p.push(("MaxResults".into(), PAGE.into()));
            }
            if let Some(t) = &token {
                p.push(("NextToken".into(), t.clone()));
            }
            let body = self.call(action, &p, false, false).await?;
            out.extend(items(&body)?);
            token = element_text(&body, "nextToken").filter(|t| !t.is_empty());
            if token.is_none() {
                return Ok(out);
            }
        }
    }
}

fn ids(params: &mut Vec<(String, String)>, ids: &[String]) {
    for (i, id) in ids.iter().enumerate() {
        params.push((format!("SnapshotId.{}", i + 1), id.clone()));
    }
}

#[async_trait]
impl Ec2Api for QueryEc2 {
    async fn describe_snapshots(&self, wanted: &[String]) -> Result<Vec<SnapshotInfo>, AwsError> {
        let mut out = Vec::new();
        for chunk in wanted.chunks(IDS_PER_CALL) {
            let mut p = vec![("Owner.1".to_string(), "self".to_string())];
            ids(&mut p, chunk);
            // EC2 refuses MaxResults beside SnapshotIds.
            out.extend(self.pages("DescribeSnapshots", p, false, snapshots).await?);
        }
        Ok(out)
    }

    async fn snapshots_tagged(
        &self,
        tags: &BTreeMap<String, String>,
    ) -> Result<Vec<SnapshotInfo>, AwsError> {
        let mut p = vec![("Owner.1".to_string(), "self".to_string())];
        for (i, (k, v)) in tags.iter().enumerate() {
            p.push((format!("Filter.{}.Name", i + 1), format!("tag:{k}")));
            // A filter value is a pattern: `*` and `?` are wildcards, `\` escapes.
            p.push((format!("Filter.{}.Value.1", i + 1), escape_filter(v)));
        }
        self.pages("DescribeSnapshots", p, true, snapshots).await
    }

    async fn locked_snapshots(&self, wanted: &[String]) -> Result<Vec<LockInfo>, AwsError> {
        if wanted.is_empty() {
            return self
                .pages("DescribeLockedSnapshots", Vec::new(), true, locks)
                .await;
        }
        let mut out = Vec::new();
        for chunk in wanted.chunks(IDS_PER_CALL) {
            let mut p = Vec::new();
            ids(&mut p, chunk);
            out.extend(
                self.pages("DescribeLockedSnapshots", p, false, locks)
                    .await?,
            );
        }
        Ok(out)
    }

    async fn lock_snapshot(&self, id: &str, r: LockRequest) -> Result<LockInfo, AwsError> {
        let mut p = vec![
            ("SnapshotId".to_string(), id.to_string()),
            ("LockMode".to_string(), r.mode.as_str().to_string()),
        ];
        if let Some(days) = r.duration_days {
            p.push(("LockDuration".into(), days.to_string()));
        }
        if let Some(at) = r.expiration_date {
            p.push((
                "ExpirationDate".into(),
                at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ));
        }
        if let Some(hours) = r.cool_off_hours {
            p.push(("CoolOffPeriod".into(), hours.to_string()));
        }
        // A compliance lock is sent once per intent (the step repeats it after throttling).
        let once = r.mode == super::LockMode::Compliance;
        let body = self.call("LockSnapshot", &p, once, true).await?;
        let mut lock = fields_of(&body, lock_item)?;
        if lock.snapshot_id.is_empty() {
            lock.snapshot_id = id.to_string();
        }
        Ok(lock)
    }

    async fn unlock_snapshot(&self, id: &str) -> Result<(), AwsError> {
        let p = vec![("SnapshotId".to_string(), id.to_string())];
        self.call("UnlockSnapshot", &p, false, true).await?;
        Ok(())
    }
}

/// A tag value as an exact-match filter value: `*`, `?` and `\` escaped with `\`.
pub(crate) fn escape_filter(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn unreadable(what: impl std::fmt::Display) -> AwsError {
    AwsError {
        class: ErrorClass::Ambiguous,
        code: None,
        message: format!("EC2's answer could not be read: {what}"),
    }
}

/// The text of the first element named `name` anywhere in `body`.
fn element_text(body: &str, name: &str) -> Option<String> {
    let mut doc = Document::new(body);
    while let Some(start) = doc.next_start_element() {
        if start.local() == name {
            let mut scoped = doc.scoped_to(start);
            return try_data(&mut scoped).ok().map(|t| t.into_owned());
        }
    }
    None
}

/// The code and message of an `<Errors><Error>` answer.
fn error_of(body: &str) -> (Option<String>, Option<String>) {
    (element_text(body, "Code"), element_text(body, "Message"))
}

/// Reads the answer's root element with `read`.
fn fields_of<T>(
    body: &str,
    read: impl FnOnce(&mut ScopedDecoder<'_, '_>) -> Result<T, AwsError>,
) -> Result<T, AwsError> {
    let mut doc = Document::new(body);
    let mut root = doc.root_element().map_err(unreadable)?;
    read(&mut root)
}

/// Each `<item>` of the answer's `<snapshotSet>`, read with `item`.
fn items_of<T>(
    body: &str,
    item: fn(&mut ScopedDecoder<'_, '_>) -> Result<T, AwsError>,
) -> Result<Vec<T>, AwsError> {
    fields_of(body, |root| {
        let mut out = Vec::new();
        while let Some(mut tag) = root.next_tag() {
            if !tag.start_el().matches("snapshotSet") {
                continue;
            }
            while let Some(mut entry) = tag.next_tag() {
                if entry.start_el().matches("item") {
                    out.push(item(&mut entry)?);
                }
            }
        }
        Ok(out)
    })
}

fn snapshots(body: &str) -> Result<Vec<SnapshotInfo>, AwsError> {
    items_of(body, |item| {
        let mut s = SnapshotInfo::default();
        while let Some(mut field) = item.next_tag() {
            let name = field.start_el().local().to_string();
            match name.as_str() {
                "snapshotId" => s.id = text(&mut field)?,
                "status" => s.state = text(&mut field)?,
                "tagSet" => {
                    while let Some(mut tag) = field.next_tag() {
                        let (mut key, mut value) = (String::new(), String::new());
                        while let Some(mut kv) = tag.next_tag() {
                            let which = kv.start_el().local().to_string();
                            match which.as_str() {
                                "key" => key = text(&mut kv)?,
                                "value" => value = text(&mut kv)?,
                                _ => {}
                            }
                        }
                        s.tags.push((key, value));
                    }
                }
                _ => {}
            }
        }
        Ok(s)
    })
}

fn locks(body: &str) -> Result<Vec<LockInfo>, AwsError> {
    items_of(body, lock_item)
}

/// The lock members of an `<item>` of DescribeLockedSnapshots, or of LockSnapshot's answer.
fn lock_item(item: &mut ScopedDecoder<'_, '_>) -> Result<LockInfo, AwsError> {
    let mut l = LockInfo::default();
    while let Some(mut field) = item.next_tag() {
        let name = field.start_el().local().to_string();
        match name.as_str() {
            "snapshotId" => l.snapshot_id = text(&mut field)?,
            "lockState" => l.state = text(&mut field)?,
            "lockDuration" => l.duration_days = Some(number(&mut field)?),
            "coolOffPeriod" => l.cool_off_hours = Some(number(&mut field)?),
            "coolOffPeriodExpiresOn" => l.cool_off_ends = Some(instant(&mut field)?),
            "lockCreatedOn" => l.created = Some(instant(&mut field)?),
            "lockDurationStartTime" => l.duration_start = Some(instant(&mut field)?),
            "lockExpiresOn" => l.expires = Some(instant(&mut field)?),
            _ => {}
        }
    }
    Ok(l)
}

fn text(tag: &mut ScopedDecoder<'_, '_>) -> Result<String, AwsError> {
    try_data(tag).map(|t| t.into_owned()).map_err(unreadable)
}

fn number(tag: &mut ScopedDecoder<'_, '_>) -> Result<u32, AwsError> {
    let t = text(tag)?;
    t.trim()
        .parse()
        .map_err(|_| unreadable(format!("`{t}` is not a number")))
}

fn instant(tag: &mut ScopedDecoder<'_, '_>) -> Result<Timestamp, AwsError> {
    let t = text(tag)?;
    t.trim()
        .parse()
        .map_err(|_| unreadable(format!("`{t}` is not a date and time")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_value_is_matched_exactly_not_as_a_pattern() {
        assert_eq!(escape_filter("true"), "true");
        assert_eq!(escape_filter("a*b?c\\d"), "a\\*b\\?c\\\\d");
    }

    #[test]
    fn answers_read_as_ec2_writes_them() {
        let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeLockedSnapshotsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>r-1</requestId>
    <snapshotSet>
        <item>
            <ownerId>123456789012</ownerId>
            <snapshotId>snap-0123456789abcdef0</snapshotId>
            <lockState>compliance-cooloff</lockState>
            <lockDuration>30</lockDuration>
            <coolOffPeriod>24</coolOffPeriod>
            <coolOffPeriodExpiresOn>2026-12-02T00:00:00.000Z</coolOffPeriodExpiresOn>
            <lockCreatedOn>2026-12-01T00:00:00.000Z</lockCreatedOn>
            <lockDurationStartTime>2026-12-01T00:00:00.000Z</lockDurationStartTime>
            <lockExpiresOn>2026-12-31T00:00:00.000Z</lockExpiresOn>
        </item>
    </snapshotSet>
    <nextToken>abc</nextToken>
</DescribeLockedSnapshotsResponse>"#;
        let got = locks(body).unwrap();
        assert_eq!(got.len(), 1);
        let l = &got[0];
        assert_eq!(l.snapshot_id, "snap-0123456789abcdef0");
        assert_eq!(l.state, "compliance-cooloff");
        assert_eq!((l.duration_days, l.cool_off_hours), (Some(30), Some(24)));
        assert_eq!(l.expires, Some("2026-12-31T00:00:00Z".parse().unwrap()));
        assert_eq!(element_text(body, "nextToken").as_deref(), Some("abc"));
        let error = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidSnapshot.NotFound</Code><Message>The snapshot 'snap-1' does not exist.</Message></Error></Errors><RequestID>r-2</RequestID></Response>"#;
        let (code, message) = error_of(error);
        assert_eq!(code.as_deref(), Some("InvalidSnapshot.NotFound"));
        assert!(message.unwrap().contains("does not exist"));
        let snaps = snapshots(
            r#"<DescribeSnapshotsResponse><snapshotSet><item><snapshotId>snap-11111111</snapshotId><status>pending</status><tagSet><item><key>legal-hold</key><value>true</value></item></tagSet></item></snapshotSet></DescribeSnapshotsResponse>"#,
        )
        .unwrap();
        assert_eq!(snaps[0].id, "snap-11111111");
        assert_eq!(snaps[0].state, "pending");
        assert_eq!(snaps[0].tags, vec![("legal-hold".into(), "true".into())]);
    }
}
