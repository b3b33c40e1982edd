//! Amazon S3, restXml (API version 2006-03-01): buckets, versioning, Object Lock configuration and
//! the object calls a remote state backend needs (conditional PutObject, GetObject, HeadObject,
//! DeleteObject, ListObjectsV2).
//!
//! A request is S3's when its SigV4 credential scope names `s3`, or when its Host carries a bucket
//! label before a known endpoint host (virtual-hosted style: `bucket.localhost:PORT`,
//! `bucket.127.0.0.1:PORT`, `bucket.s3.REGION.amazonaws.com`, ...); otherwise the bucket is the
//! path's first segment (path style). Errors are `<Error><Code/><Message/>...</Error>` with the
//! status S3 gives each code. Bucket names are global: one namespace across accounts and regions.
//!
//! This file is S3's wire adapter; its model, seed and state view are in `model.rs` beside it.

mod model;

use axum::http::Method;
use axum::response::Response;
use base64::Engine;
use bytes::Bytes;
use jiff::Timestamp;
use md5::Digest;
use serde_json::{json, Value as Json};

use crate::clock::iso_millis;
pub use model::{
    new_version_id, valid_bucket_name, Bucket, DefaultRetention, Period, RetentionMode, S3Object,
    Versioning,
};
use crate::wire::{
    percent_decode, set_header, xml_escape, ApiError, Claim, Ctx, Operation, RawRequest, Service,
};

const XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// The region of a bucket created without a LocationConstraint.
const DEFAULT_REGION: &str = "us-east-1";

/// The most keys one ListObjectsV2 page holds.
const MAX_KEYS: usize = 1000;

/// The longest Object Lock periods S3 accepts.
const MAX_DAYS: u32 = 36_500;
const MAX_YEARS: u32 = 100;

/// Subresources S3 has and the emulator does not implement; a request for one answers 501.
const UNSUPPORTED_SUBRESOURCES: [&str; 27] = [
    "acl",
    "policy",
    "policyStatus",
    "tagging",
    "lifecycle",
    "cors",
    "encryption",
    "replication",
    "website",
    "logging",
    "notification",
    "accelerate",
    "requestPayment",
    "ownershipControls",
    "publicAccessBlock",
    "retention",
    "legal-hold",
    "uploads",
    "uploadId",
    "delete",
    "restore",
    "select",
    "attributes",
    "analytics",
    "metrics",
    "inventory",
    "versions",
];

/// Amazon S3: its registration (lib.rs) and its wire adapter.
#[derive(Debug)]
pub struct S3;

impl Service for S3 {
    fn name(&self) -> &'static str {
        "s3"
    }

    fn protocol(&self) -> &'static str {
        "restXml"
    }

    fn claim(&self, req: &RawRequest, scope_service: Option<&str>) -> Claim {
        if scope_service == Some("s3") {
            Claim::Signed
        } else if host_bucket(req).is_some() {
            Claim::ByHeader
        } else {
            Claim::No
        }
    }

    fn parse(&self, req: &RawRequest) -> Result<Operation, ApiError> {
        parse(req)
    }

    fn execute(
        &self,
        op: &Operation,
        req: &RawRequest,
        ctx: &mut Ctx,
        request_id: &str,
    ) -> Result<Response, ApiError> {
        let mut resp = execute(op, req, ctx)?;
        set_header(&mut resp, "x-amz-request-id", request_id);
        Ok(resp)
    }

    fn error(&self, err: &ApiError, request_id: &str) -> Response {
        error_response(err, request_id)
    }

    fn default_error_code(&self, status: u16) -> &'static str {
        match status {
            503 => "ServiceUnavailable",
            s if s >= 500 => "InternalError",
            _ => "InvalidRequest",
        }
    }

    fn throttling(&self) -> ApiError {
        ApiError::new(503, "SlowDown", "Please reduce your request rate.")
    }

    fn missing_auth(&self) -> ApiError {
        ApiError::new(403, "AccessDenied", "Access Denied")
    }

    fn invalid_token(&self) -> ApiError {
        ApiError::new(
            400,
            "InvalidToken",
            "The provided token is malformed or otherwise invalid.",
        )
    }

    fn expired_token(&self) -> ApiError {
        ApiError::new(400, "ExpiredToken", "The provided token has expired.")
    }
}

// ---- addressing -----------------------------------------------------------------------------

/// The bucket named by a virtual-hosted-style Host: a label (or several, for dotted names)
/// before a known endpoint host.
fn host_bucket(req: &RawRequest) -> Option<String> {
    let host = req.header("host")?;
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let host = host.to_ascii_lowercase();
    let bucket = ["localhost", "127.0.0.1", "s3.amazonaws.com"]
        .iter()
        .find_map(|endpoint| host.strip_suffix(&format!(".{endpoint}")))
        .map(str::to_string)
        .or_else(|| {
            // bucket.s3.REGION.amazonaws.com, bucket.s3-REGION.amazonaws.com,
            // bucket.s3.dualstack.REGION.amazonaws.com
            let rest = host.strip_suffix(".amazonaws.com")?;
            let (bucket, endpoint) = rest
                .split_once(".s3.dualstack.")
                .or_else(|| rest.rsplit_once(".s3."))
                .or_else(|| {
                    let (bucket, region) = rest.rsplit_once('.')?;
                    region.strip_prefix("s3-").map(|r| (bucket, r))
                })?;
            (!endpoint.contains('.')).then(|| bucket.to_string())
        })?;
    (!bucket.is_empty()).then_some(bucket)
}

/// The bucket and key a request addresses (either may be absent).
fn address(req: &RawRequest) -> (Option<String>, Option<String>) {
    let path = req.path.strip_prefix('/').unwrap_or(&req.path);
    let (bucket, key) = match host_bucket(req) {
        Some(bucket) => (Some(bucket), path),
        None => match path.split_once('/') {
            Some((bucket, key)) => (Some(percent_decode(bucket)), key),
            None => ((!path.is_empty()).then(|| percent_decode(path)), ""),
        },
    };
    let key = (!key.is_empty()).then(|| percent_decode(key));
    (bucket, key)
}

fn has_query(req: &RawRequest, name: &str) -> bool {
    req.query.iter().any(|(k, _)| k == name)
}

// ---- parsing --------------------------------------------------------------------------------

/// A parsed XML element: its local name, its text and its children.
#[derive(Debug, Default)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

impl Element {
    /// The element as JSON: text for a leaf, an object of its children otherwise.
    fn to_json(&self) -> Json {
        if self.children.is_empty() {
            return json!(self.text.trim());
        }
        let mut m = serde_json::Map::new();
        for c in &self.children {
            m.insert(c.name.clone(), c.to_json());
        }
        Json::Object(m)
    }
}

fn malformed(detail: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        400,
        "MalformedXML",
        format!("The XML you provided was not well-formed or did not validate against our published schema: {detail}"),
    )
}

/// Reads a whole XML document into its root element.
fn parse_xml(body: &[u8]) -> Result<Element, ApiError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    let local = |name: &[u8]| String::from_utf8_lossy(name).into_owned();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(malformed)?;
        match event {
            Event::Start(e) => stack.push(Element {
                name: local(e.local_name().as_ref()),
                ..Element::default()
            }),
            Event::Empty(e) => {
                let el = Element {
                    name: local(e.local_name().as_ref()),
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| malformed("unbalanced end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let text = t.decode().map_err(malformed)?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::CData(t) => {
                let text = t.decode().map_err(malformed)?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(malformed)? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(malformed)?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| malformed(format!("unknown entity &{name};")))?
                            .to_string()
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err(malformed("the document ends inside an element"));
    }
    root.ok_or_else(|| malformed("the document is empty"))
}

/// The request body with any `aws-chunked` framing removed (SDKs stream bodies with trailing
/// checksums that way): `hex-size[;chunk-signature=..]\r\n data \r\n ... 0\r\n trailers \r\n`.
fn payload(req: &RawRequest) -> Result<Bytes, ApiError> {
    let chunked = req
        .header("content-encoding")
        .is_some_and(|e| e.split(',').any(|p| p.trim() == "aws-chunked"))
        || req
            .header("x-amz-content-sha256")
            .is_some_and(|s| s.starts_with("STREAMING-"));
    if !chunked {
        return Ok(req.body.clone());
    }
    let bad = || {
        ApiError::new(
            400,
            "IncompleteBody",
            "The request body is not valid aws-chunked encoding",
        )
    };
    let body = &req.body[..];
    let mut out = Vec::with_capacity(body.len());
    let mut at = 0;
    loop {
        let line_end = body[at..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(bad)?
            + at;
        let line = std::str::from_utf8(&body[at..line_end]).map_err(|_| bad())?;
        let size_hex = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| bad())?;
        at = line_end + 2;
        if size == 0 {
            break;
        }
        let end = at
            .checked_add(size)
            .filter(|e| *e <= body.len())
            .ok_or_else(bad)?;
        out.extend_from_slice(&body[at..end]);
        at = end;
        if body.get(at..at + 2) == Some(b"\r\n") {
            at += 2;
        }
    }
    Ok(Bytes::from(out))
}

/// Identifies the operation from the method, the address and the query, and reads the input
/// that the call log shows (never an object's body).
pub fn parse(req: &RawRequest) -> Result<Operation, ApiError> {
    let (bucket, key) = address(req);
    if let Some(sub) = UNSUPPORTED_SUBRESOURCES.iter().find(|s| has_query(req, s)) {
        return Err(ApiError::new(
            501,
            "NotImplemented",
            format!("The emulator does not implement the S3 subresource ?{sub}"),
        ));
    }
    let m = &req.method;
    let q = |name: &str| has_query(req, name);
    let (name, mutating) = match (m, &bucket, &key) {
        (&Method::GET, None, None) => ("ListBuckets", false),
        (&Method::PUT, Some(_), None) if q("versioning") => ("PutBucketVersioning", true),
        (&Method::PUT, Some(_), None) if q("object-lock") => ("PutObjectLockConfiguration", true),
        (&Method::PUT, Some(_), None) => ("CreateBucket", true),
        (&Method::HEAD, Some(_), None) => ("HeadBucket", false),
        (&Method::DELETE, Some(_), None) => ("DeleteBucket", true),
        (&Method::GET, Some(_), None) if q("location") => ("GetBucketLocation", false),
        (&Method::GET, Some(_), None) if q("versioning") => ("GetBucketVersioning", false),
        (&Method::GET, Some(_), None) if q("object-lock") => ("GetObjectLockConfiguration", false),
        (&Method::GET, Some(_), None) if req.query_param("list-type") == Some("2") => {
            ("ListObjectsV2", false)
        }
        (&Method::PUT, Some(_), Some(_)) if req.header("x-amz-copy-source").is_none() => {
            ("PutObject", true)
        }
        (&Method::GET, Some(_), Some(_)) => ("GetObject", false),
        (&Method::HEAD, Some(_), Some(_)) => ("HeadObject", false),
        (&Method::DELETE, Some(_), Some(_)) => ("DeleteObject", true),
        _ => {
            return Err(ApiError::new(
                501,
                "NotImplemented",
                format!("The emulator does not implement S3 {} {}", m, req.path),
            ))
        }
    };
    let mut params = serde_json::Map::new();
    if let Some(b) = &bucket {
        params.insert("Bucket".into(), json!(b));
    }
    if let Some(k) = &key {
        params.insert("Key".into(), json!(k));
    }
    for (header, member) in [
        ("x-amz-expected-bucket-owner", "ExpectedBucketOwner"),
        ("if-match", "IfMatch"),
        ("if-none-match", "IfNoneMatch"),
        (
            "x-amz-bucket-object-lock-enabled",
            "ObjectLockEnabledForBucket",
        ),
        ("content-md5", "ContentMD5"),
        ("x-amz-sdk-checksum-algorithm", "ChecksumAlgorithm"),
        ("x-amz-bucket-object-lock-token", "Token"),
    ] {
        if let Some(v) = req.header(header) {
            params.insert(member.into(), json!(v));
        }
    }
    for (query, member) in [
        ("prefix", "Prefix"),
        ("max-keys", "MaxKeys"),
        ("continuation-token", "ContinuationToken"),
        ("start-after", "StartAfter"),
        ("delimiter", "Delimiter"),
        ("max-buckets", "MaxBuckets"),
        ("bucket-region", "BucketRegion"),
        ("versionId", "VersionId"),
    ] {
        if let Some(v) = req.query_param(query) {
            params.insert(member.into(), json!(v));
        }
    }
    let body_member = match name {
        "CreateBucket" => Some("CreateBucketConfiguration"),
        "PutBucketVersioning" => Some("VersioningConfiguration"),
        "PutObjectLockConfiguration" => Some("ObjectLockConfiguration"),
        _ => None,
    };
    if let Some(member) = body_member {
        if !req.body.iter().all(u8::is_ascii_whitespace) {
            let body = payload(req)?;
            let root = parse_xml(&body)?;
            if root.name != member {
                return Err(malformed(format!(
                    "expected <{member}>, found <{}>",
                    root.name
                )));
            }
            params.insert(member.into(), root.to_json());
        }
    }
    if name == "PutObject" {
        params.insert(
            "ContentLength".into(),
            json!(payload(req).map(|b| b.len()).unwrap_or(req.body.len())),
        );
    }
    Ok(Operation {
        name,
        mutating,
        params: Json::Object(params),
    })
}

// ---- rendering ------------------------------------------------------------------------------

/// `<Error>` with Code, Message, any extra members, RequestId and HostId. A `BucketRegion`
/// member becomes the `x-amz-bucket-region` header instead, as on S3's redirects.
pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message>",
        xml_escape(&err.code),
        xml_escape(&err.message)
    );
    let mut region = None;
    for (k, v) in &err.fields {
        if *k == "BucketRegion" {
            region = Some(v.clone());
        } else {
            body.push_str(&format!("<{k}>{}</{k}>", xml_escape(v)));
        }
    }
    body.push_str(&format!(
        "<RequestId>{request_id}</RequestId><HostId>{}</HostId></Error>",
        host_id(request_id)
    ));
    let mut resp = crate::wire::response(err.status, "application/xml", body);
    set_header(&mut resp, "x-amz-request-id", request_id);
    set_header(&mut resp, "x-amz-id-2", &host_id(request_id));
    if let Some(region) = region {
        set_header(&mut resp, "x-amz-bucket-region", &region);
    }
    resp
}

/// A stand-in for S3's extended request id.
fn host_id(request_id: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(request_id.as_bytes())
}

fn xml_ok(body: String) -> Response {
    crate::wire::response(
        200,
        "application/xml",
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}"),
    )
}

/// A time as HTTP headers write it: `Fri, 20 Nov 2026 10:00:00 GMT`.
fn http_date(t: Timestamp) -> String {
    t.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The canonical user id S3 shows as an owner: 64 hex digits, fixed per account.
fn canonical_id(account: &str) -> String {
    let first = md5::Md5::digest(account.as_bytes());
    let second = md5::Md5::digest(first);
    first
        .iter()
        .chain(second.iter())
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn owner_xml(account: &str) -> String {
    format!(
        "<Owner><ID>{}</ID><DisplayName>account-{account}</DisplayName></Owner>",
        canonical_id(account)
    )
}

/// Percent-encodes as S3 does for `encoding-type=url` (everything but unreserved and `/`).
fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---- errors ---------------------------------------------------------------------------------

fn no_such_bucket(bucket: &str) -> ApiError {
    ApiError::new(404, "NoSuchBucket", "The specified bucket does not exist")
        .with("BucketName", bucket)
}

fn no_such_key(key: &str) -> ApiError {
    ApiError::new(404, "NoSuchKey", "The specified key does not exist.").with("Key", key)
}

fn access_denied() -> ApiError {
    ApiError::new(403, "AccessDenied", "Access Denied")
}

fn precondition_failed(condition: &str) -> ApiError {
    ApiError::new(
        412,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
    )
    .with("Condition", condition)
}

fn invalid_bucket_state(msg: impl Into<String>) -> ApiError {
    ApiError::new(409, "InvalidBucketState", msg)
}

fn invalid_argument(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidArgument", msg)
}

/// S3 refuses some calls without an integrity checksum: Content-MD5, an `x-amz-checksum-*`
/// header, or a declared algorithm whose checksum trails an aws-chunked body.
fn require_checksum(req: &RawRequest) -> Result<(), ApiError> {
    let header_checksum = req.headers.keys().any(|k| {
        let k = k.as_str();
        k == "content-md5" || (k.starts_with("x-amz-checksum-") && k != "x-amz-checksum-type")
    });
    let trailer_checksum = req.header("x-amz-sdk-checksum-algorithm").is_some()
        && req
            .header("x-amz-trailer")
            .is_some_and(|t| t.to_ascii_lowercase().contains("x-amz-checksum-"));
    if header_checksum || trailer_checksum {
        Ok(())
    } else {
        Err(ApiError::new(
            400,
            "InvalidRequest",
            "Missing required header for this request: Content-MD5 OR x-amz-checksum-*",
        ))
    }
}

/// Checks a Content-MD5 header against the body.
fn verify_content_md5(req: &RawRequest, body: &[u8]) -> Result<(), ApiError> {
    let Some(given) = req.header("content-md5") else {
        return Ok(());
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(given.trim())
        .ok()
        .filter(|d| d.len() == 16)
        .ok_or_else(|| {
            ApiError::new(
                400,
                "InvalidDigest",
                "The Content-MD5 you specified was invalid.",
            )
        })?;
    if decoded.as_slice() != md5::Md5::digest(body).as_slice() {
        return Err(ApiError::new(
            400,
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
        ));
    }
    Ok(())
}

/// Whether an `If-Match` value names this ETag (quotes optional, `*` matches any).
fn etag_matches(condition: &str, etag: &str) -> bool {
    condition.split(',').any(|c| {
        let c = c.trim();
        c == "*" || c.trim_matches('"') == etag.trim_matches('"')
    })
}

// ---- operations -----------------------------------------------------------------------------

/// The bucket the request addresses, owned by the caller and in the request's region; the
/// expected owner, when named, must be the bucket's account.
fn bucket_of<'a>(
    ctx: &'a mut Ctx,
    req: &RawRequest,
    name: &str,
    any_region: bool,
) -> Result<&'a mut Bucket, ApiError> {
    let (account, region) = (ctx.account.clone(), ctx.region.clone());
    let Some(bucket) = ctx.store.services.s3.get_mut(name) else {
        return Err(no_such_bucket(name));
    };
    if bucket.account != account {
        return Err(access_denied());
    }
    if let Some(expected) = req.header("x-amz-expected-bucket-owner") {
        if expected != bucket.account {
            return Err(access_denied());
        }
    }
    if !any_region && bucket.region != region {
        return Err(ApiError::new(
            301,
            "PermanentRedirect",
            "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
        )
        .with("Endpoint", format!("{name}.s3.{}.amazonaws.com", bucket.region))
        .with("Bucket", name)
        .with("BucketRegion", bucket.region.clone()));
    }
    Ok(bucket)
}

/// Carries out the operation.
pub fn execute(op: &Operation, req: &RawRequest, ctx: &mut Ctx) -> Result<Response, ApiError> {
    let (bucket_name, key) = address(req);
    let bucket_name = bucket_name.unwrap_or_default();
    let key = key.unwrap_or_default();
    match op.name {
        "ListBuckets" => list_buckets(req, ctx),
        "CreateBucket" => create_bucket(op, req, ctx, &bucket_name),
        "HeadBucket" => {
            // From another region's endpoint this is the 301 that names the bucket's region.
            let bucket = bucket_of(ctx, req, &bucket_name, false)?;
            let region = bucket.region.clone();
            let mut resp = crate::wire::empty(200);
            set_header(&mut resp, "x-amz-bucket-region", &region);
            set_header(&mut resp, "x-amz-access-point-alias", "false");
            set_header(
                &mut resp,
                "x-amz-bucket-arn",
                &format!("arn:aws:s3:::{bucket_name}"),
            );
            Ok(resp)
        }
        "DeleteBucket" => {
            let bucket = bucket_of(ctx, req, &bucket_name, false)?;
            if !bucket.objects.is_empty() {
                return Err(ApiError::new(
                    409,
                    "BucketNotEmpty",
                    "The bucket you tried to delete is not empty",
                )
                .with("BucketName", bucket_name.clone()));
            }
            ctx.store.services.s3.remove(&bucket_name);
            Ok(crate::wire::empty(204))
        }
        "GetBucketLocation" => {
            let bucket = bucket_of(ctx, req, &bucket_name, true)?;
            let body = if bucket.region == DEFAULT_REGION {
                format!("<LocationConstraint xmlns=\"{XMLNS}\"/>")
            } else {
                format!(
                    "<LocationConstraint xmlns=\"{XMLNS}\">{}</LocationConstraint>",
                    xml_escape(&bucket.region)
                )
            };
            Ok(xml_ok(body))
        }
        "GetBucketVersioning" => {
            let bucket = bucket_of(ctx, req, &bucket_name, false)?;
            let body = match bucket.versioning {
                Versioning::Unversioned => format!("<VersioningConfiguration xmlns=\"{XMLNS}\"/>"),
                v => format!(
                    "<VersioningConfiguration xmlns=\"{XMLNS}\"><Status>{v:?}</Status></VersioningConfiguration>"
                ),
            };
            Ok(xml_ok(body))
        }
        "PutBucketVersioning" => put_versioning(op, req, ctx, &bucket_name),
        "GetObjectLockConfiguration" => {
            let bucket = bucket_of(ctx, req, &bucket_name, false)?;
            match bucket.object_lock {
                None => Err(ApiError::new(
                    404,
                    "ObjectLockConfigurationNotFoundError",
                    "Object Lock configuration does not exist for this bucket",
                )
                .with("BucketName", bucket_name.clone())),
                Some(default) => Ok(xml_ok(object_lock_xml(default))),
            }
        }
        "PutObjectLockConfiguration" => put_object_lock(op, req, ctx, &bucket_name),
        "ListObjectsV2" => list_objects(req, ctx, &bucket_name),
        "PutObject" => put_object(req, ctx, &bucket_name, &key),
        "GetObject" | "HeadObject" => get_object(op, req, ctx, &bucket_name, &key),
        "DeleteObject" => delete_object(req, ctx, &bucket_name, &key),
        other => Err(ApiError::new(
            501,
            "NotImplemented",
            format!("unsupported operation {other}"),
        )),
    }
}

fn list_buckets(req: &RawRequest, ctx: &mut Ctx) -> Result<Response, ApiError> {
    let max = match req.query_param("max-buckets") {
        None => usize::MAX,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=10_000).contains(&n) => n,
            _ => {
                return Err(invalid_argument(format!(
                    "max-buckets {s} is not a number from 1 to 10000"
                )))
            }
        },
    };
    let prefix = req.query_param("prefix").unwrap_or_default();
    let region = req.query_param("bucket-region");
    let after = req.query_param("continuation-token").unwrap_or_default();
    let mine: Vec<&Bucket> = ctx
        .store
        .services
        .s3
        .values()
        .filter(|b| b.account == ctx.account)
        .filter(|b| b.name.starts_with(prefix))
        .filter(|b| region.is_none_or(|r| b.region == r))
        .filter(|b| after.is_empty() || b.name.as_str() > after)
        .collect();
    let mut body = format!(
        "<ListAllMyBucketsResult xmlns=\"{XMLNS}\">{}<Buckets>",
        owner_xml(&ctx.account)
    );
    for b in mine.iter().take(max) {
        body.push_str(&format!(
            "<Bucket><Name>{}</Name><CreationDate>{}</CreationDate><BucketRegion>{}</BucketRegion><BucketArn>arn:aws:s3:::{}</BucketArn></Bucket>",
            xml_escape(&b.name),
            iso_millis(b.created),
            xml_escape(&b.region),
            xml_escape(&b.name)
        ));
    }
    body.push_str("</Buckets>");
    if mine.len() > max {
        if let Some(last) = mine.get(max - 1) {
            body.push_str(&format!(
                "<ContinuationToken>{}</ContinuationToken>",
                xml_escape(&last.name)
            ));
        }
    }
    if !prefix.is_empty() {
        body.push_str(&format!("<Prefix>{}</Prefix>", xml_escape(prefix)));
    }
    body.push_str("</ListAllMyBucketsResult>");
    Ok(xml_ok(body))
}

fn create_bucket(
    op: &Operation,
    req: &RawRequest,
    ctx: &mut Ctx,
    name: &str,
) -> Result<Response, ApiError> {
    if !valid_bucket_name(name) {
        return Err(ApiError::new(
            400,
            "InvalidBucketName",
            "The specified bucket is not valid.",
        )
        .with("BucketName", name));
    }
    let constraint = op
        .params
        .get("CreateBucketConfiguration")
        .and_then(|c| c.get("LocationConstraint"))
        .and_then(Json::as_str)
        .filter(|c| !c.is_empty());
    let location = match constraint {
        None => DEFAULT_REGION.to_string(),
        Some(DEFAULT_REGION) => {
            return Err(ApiError::new(
                400,
                "InvalidLocationConstraint",
                "The specified location-constraint is not valid",
            )
            .with("LocationConstraint", DEFAULT_REGION))
        }
        Some("EU") => "eu-west-1".to_string(),
        Some(c) => c.to_string(),
    };
    if location != ctx.region {
        let what = constraint.map_or("unspecified".to_string(), |c| format!("{c:?}"));
        return Err(ApiError::new(
            400,
            "IllegalLocationConstraintException",
            format!(
                "The {what} location constraint is incompatible for the region specific endpoint this request was sent to."
            ),
        ));
    }
    if let Some(existing) = ctx.store.services.s3.get(name) {
        if existing.account != ctx.account {
            return Err(ApiError::new(
                409,
                "BucketAlreadyExists",
                "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
            )
            .with("BucketName", name));
        }
        // us-east-1 answers 200 to a bucket you already own there; every other region refuses.
        if existing.region != DEFAULT_REGION || ctx.region != DEFAULT_REGION {
            return Err(ApiError::new(
                409,
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already own it.",
            )
            .with("BucketName", name));
        }
    } else {
        let lock = req
            .header("x-amz-bucket-object-lock-enabled")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        ctx.store.services.s3.insert(
            name.to_string(),
            Bucket {
                name: name.to_string(),
                account: ctx.account.clone(),
                region: location,
                created: ctx.now,
                versioning: if lock {
                    Versioning::Enabled
                } else {
                    Versioning::Unversioned
                },
                object_lock: lock.then_some(None),
                objects: Default::default(),
            },
        );
    }
    let mut resp = crate::wire::empty(200);
    set_header(&mut resp, "location", &format!("/{name}"));
    set_header(
        &mut resp,
        "x-amz-bucket-arn",
        &format!("arn:aws:s3:::{name}"),
    );
    Ok(resp)
}

fn put_versioning(
    op: &Operation,
    req: &RawRequest,
    ctx: &mut Ctx,
    name: &str,
) -> Result<Response, ApiError> {
    let bucket = bucket_of(ctx, req, name, false)?;
    require_checksum(req)?;
    verify_content_md5(req, &payload(req)?)?;
    let config = op
        .params
        .get("VersioningConfiguration")
        .ok_or_else(|| malformed("a VersioningConfiguration is required"))?;
    if config.get("MfaDelete").and_then(Json::as_str) == Some("Enabled") {
        return Err(ApiError::new(
            400,
            "InvalidRequest",
            "MFA Delete needs the x-amz-mfa header of the root account's MFA device; the emulator does not model it",
        ));
    }
    let status = match config.get("Status").and_then(Json::as_str) {
        Some("Enabled") => Versioning::Enabled,
        Some("Suspended") => Versioning::Suspended,
        None => return Ok(crate::wire::empty(200)),
        Some(other) => return Err(malformed(format!("invalid versioning Status {other:?}"))),
    };
    if status == Versioning::Suspended && bucket.object_lock.is_some() {
        return Err(invalid_bucket_state(
            "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
        ));
    }
    bucket.versioning = status;
    Ok(crate::wire::empty(200))
}

fn period_xml(p: Period) -> String {
    match p {
        Period::Days(d) => format!("<Days>{d}</Days>"),
        Period::Years(y) => format!("<Years>{y}</Years>"),
    }
}

fn object_lock_xml(default: Option<DefaultRetention>) -> String {
    let mut body = format!(
        "<ObjectLockConfiguration xmlns=\"{XMLNS}\"><ObjectLockEnabled>Enabled</ObjectLockEnabled>"
    );
    if let Some(r) = default {
        body.push_str(&format!(
            "<Rule><DefaultRetention><Mode>{}</Mode>{}",
            r.mode.as_str(),
            period_xml(r.period)
        ));
        if let Some(hold) = r.event_hold {
            body.push_str(&format!(
                "<DefaultEventHold>{}</DefaultEventHold>",
                period_xml(hold)
            ));
        }
        body.push_str("</DefaultRetention></Rule>");
    }
    body.push_str("</ObjectLockConfiguration>");
    body
}

/// One period member (`Days` or `Years`) of an XML element read as JSON, if present.
fn period_number(el: &Json, what: &str, name: &str) -> Result<Option<u32>, ApiError> {
    let Some(text) = el.get(name).and_then(Json::as_str) else {
        return Ok(None);
    };
    let n: i64 = text
        .parse()
        .map_err(|_| malformed(format!("{what} {name} {text:?} is not an integer")))?;
    if n <= 0 {
        return Err(invalid_argument(format!(
            "{what} period must be a positive integer value, not {n}"
        )));
    }
    u32::try_from(n)
        .map(Some)
        .map_err(|_| invalid_argument(format!("{what} {name} {n} is too large")))
}

/// Exactly one of `Days` or `Years`, each a positive number within S3's bounds.
fn parse_period(el: &Json, what: &str) -> Result<Period, ApiError> {
    match (
        period_number(el, what, "Days")?,
        period_number(el, what, "Years")?,
    ) {
        (Some(d), None) if d <= MAX_DAYS => Ok(Period::Days(d)),
        (None, Some(y)) if y <= MAX_YEARS => Ok(Period::Years(y)),
        (Some(d), None) => Err(invalid_argument(format!(
            "{what} Days {d} exceeds the maximum of {MAX_DAYS}"
        ))),
        (None, Some(y)) => Err(invalid_argument(format!(
            "{what} Years {y} exceeds the maximum of {MAX_YEARS}"
        ))),
        (Some(_), Some(_)) => Err(malformed(format!("{what} takes Days or Years, not both"))),
        (None, None) => Err(malformed(format!("{what} needs Days or Years"))),
    }
}

fn put_object_lock(
    op: &Operation,
    req: &RawRequest,
    ctx: &mut Ctx,
    name: &str,
) -> Result<Response, ApiError> {
    let bucket = bucket_of(ctx, req, name, false)?;
    require_checksum(req)?;
    verify_content_md5(req, &payload(req)?)?;
    let config = op
        .params
        .get("ObjectLockConfiguration")
        .ok_or_else(|| malformed("an ObjectLockConfiguration is required"))?;
    match config.get("ObjectLockEnabled").and_then(Json::as_str) {
        Some("Enabled") => {}
        None if bucket.object_lock.is_some() => {}
        None => return Err(malformed("ObjectLockEnabled must be Enabled")),
        Some(other) => return Err(malformed(format!("invalid ObjectLockEnabled {other:?}"))),
    }
    let default = match config.get("Rule") {
        None => None,
        Some(rule) => {
            let r = rule
                .get("DefaultRetention")
                .ok_or_else(|| malformed("a Rule needs a DefaultRetention"))?;
            let mode = r
                .get("Mode")
                .and_then(Json::as_str)
                .ok_or_else(|| malformed("DefaultRetention needs a Mode"))?;
            let mode = RetentionMode::parse(mode)
                .ok_or_else(|| malformed(format!("invalid retention Mode {mode:?}")))?;
            let event_hold = r
                .get("DefaultEventHold")
                .map(|h| parse_period(h, "DefaultEventHold"))
                .transpose()?;
            Some(DefaultRetention {
                mode,
                period: parse_period(r, "DefaultRetention")?,
                event_hold,
            })
        }
    };
    if bucket.versioning != Versioning::Enabled {
        return Err(invalid_bucket_state(
            "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
        ));
    }
    bucket.object_lock = Some(default);
    Ok(crate::wire::empty(200))
}

fn list_objects(req: &RawRequest, ctx: &mut Ctx, name: &str) -> Result<Response, ApiError> {
    let owner = (req.query_param("fetch-owner") == Some("true")).then(|| owner_xml(&ctx.account));
    let bucket = bucket_of(ctx, req, name, false)?;
    let prefix = req.query_param("prefix").unwrap_or_default();
    let delimiter = req.query_param("delimiter").filter(|d| !d.is_empty());
    let start_after = req.query_param("start-after").unwrap_or_default();
    let url = req.query_param("encoding-type") == Some("url");
    let max_keys = match req.query_param("max-keys") {
        None => MAX_KEYS,
        Some(s) => match s.parse::<usize>() {
            Ok(n) => n.min(MAX_KEYS),
            Err(_) => {
                return Err(invalid_argument(format!(
                    "Provided max-keys not an integer or within integer range: {s}"
                )))
            }
        },
    };
    let token = req.query_param("continuation-token");
    let resume_after = match token {
        None => start_after.to_string(),
        Some(t) => base64::engine::general_purpose::STANDARD
            .decode(t.as_bytes())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| invalid_argument("The continuation token provided is incorrect"))?,
    };
    let enc = |s: &str| if url { url_encode(s) } else { s.to_string() };
    // Entries in key order: objects, and common prefixes rolled up under the delimiter.
    let mut entries: Vec<(String, Option<&S3Object>)> = Vec::new();
    for (key, object) in bucket.objects.range::<str, _>((
        std::ops::Bound::Excluded(resume_after.as_str()),
        std::ops::Bound::Unbounded,
    )) {
        if !key.starts_with(prefix) {
            continue;
        }
        let rolled = delimiter.and_then(|d| {
            key[prefix.len()..]
                .find(d)
                .map(|i| key[..prefix.len() + i + d.len()].to_string())
        });
        match rolled {
            Some(common) => {
                if common.as_str() <= resume_after.as_str() {
                    continue;
                }
                if entries.last().map(|(k, _)| k) != Some(&common) {
                    entries.push((common, None));
                }
            }
            None => entries.push((key.clone(), Some(object))),
        }
    }
    let truncated = entries.len() > max_keys;
    let page = &entries[..entries.len().min(max_keys)];
    let mut body = format!(
        "<ListBucketResult xmlns=\"{XMLNS}\"><Name>{}</Name><Prefix>{}</Prefix><KeyCount>{}</KeyCount><MaxKeys>{max_keys}</MaxKeys>",
        xml_escape(name),
        xml_escape(&enc(prefix)),
        page.len()
    );
    if let Some(d) = delimiter {
        body.push_str(&format!("<Delimiter>{}</Delimiter>", xml_escape(&enc(d))));
    }
    body.push_str(&format!("<IsTruncated>{truncated}</IsTruncated>"));
    for (key, object) in page {
        if let Some(o) = object {
            body.push_str(&format!(
                "<Contents><Key>{}</Key><LastModified>{}</LastModified><ETag>{}</ETag><Size>{}</Size>{}<StorageClass>STANDARD</StorageClass></Contents>",
                xml_escape(&enc(key)),
                iso_millis(o.last_modified),
                xml_escape(&o.etag),
                o.body.len(),
                owner.as_deref().unwrap_or_default()
            ));
        }
    }
    for (common, object) in page {
        if object.is_none() {
            body.push_str(&format!(
                "<CommonPrefixes><Prefix>{}</Prefix></CommonPrefixes>",
                xml_escape(&enc(common))
            ));
        }
    }
    if let Some(t) = token {
        body.push_str(&format!(
            "<ContinuationToken>{}</ContinuationToken>",
            xml_escape(t)
        ));
    }
    if truncated {
        if let Some((last, _)) = page.last() {
            let next = base64::engine::general_purpose::STANDARD.encode(last.as_bytes());
            body.push_str(&format!(
                "<NextContinuationToken>{next}</NextContinuationToken>"
            ));
        }
    }
    if !start_after.is_empty() {
        body.push_str(&format!(
            "<StartAfter>{}</StartAfter>",
            xml_escape(&enc(start_after))
        ));
    }
    if url {
        body.push_str("<EncodingType>url</EncodingType>");
    }
    body.push_str("</ListBucketResult>");
    Ok(xml_ok(body))
}

fn put_object(
    req: &RawRequest,
    ctx: &mut Ctx,
    name: &str,
    key: &str,
) -> Result<Response, ApiError> {
    let now = ctx.now;
    let bucket = bucket_of(ctx, req, name, false)?;
    let body = payload(req)?;
    verify_content_md5(req, &body)?;
    let lock_headers = req.header("x-amz-object-lock-mode").is_some()
        || req.header("x-amz-object-lock-retain-until-date").is_some();
    let default_retention = bucket.object_lock.is_some_and(|d| d.is_some());
    if lock_headers || default_retention {
        require_checksum(req).map_err(|_| {
            ApiError::new(
                400,
                "InvalidRequest",
                "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters",
            )
        })?;
    }
    let existing = bucket.objects.get(key);
    if let Some(condition) = req.header("if-none-match") {
        if condition.trim() != "*" {
            return Err(ApiError::new(
                501,
                "NotImplemented",
                "A header you provided implies functionality that is not implemented",
            )
            .with("Header", "If-None-Match"));
        }
        if existing.is_some() {
            return Err(precondition_failed("If-None-Match"));
        }
    }
    if let Some(condition) = req.header("if-match") {
        match existing {
            None => return Err(no_such_key(key)),
            Some(o) if !etag_matches(condition, &o.etag) => {
                return Err(precondition_failed("If-Match"))
            }
            Some(_) => {}
        }
    }
    let mut object = S3Object::new(body, now, req.header("content-type").map(str::to_string));
    if bucket.versioning == Versioning::Enabled {
        object.version_id = Some(new_version_id(&mut rand::rng()));
    }
    let mut resp = crate::wire::empty(200);
    set_header(&mut resp, "etag", &object.etag);
    if let Some(v) = &object.version_id {
        set_header(&mut resp, "x-amz-version-id", v);
    }
    bucket.objects.insert(key.to_string(), object);
    Ok(resp)
}

fn get_object(
    op: &Operation,
    req: &RawRequest,
    ctx: &mut Ctx,
    name: &str,
    key: &str,
) -> Result<Response, ApiError> {
    let bucket = bucket_of(ctx, req, name, false)?;
    let Some(object) = bucket.objects.get(key) else {
        return Err(no_such_key(key));
    };
    if let Some(condition) = req.header("if-match") {
        if !etag_matches(condition, &object.etag) {
            return Err(precondition_failed("If-Match"));
        }
    }
    let not_modified = req
        .header("if-none-match")
        .is_some_and(|c| etag_matches(c, &object.etag));
    let mut resp = if not_modified {
        crate::wire::empty(304)
    } else if op.name == "HeadObject" {
        crate::wire::empty(200)
    } else {
        crate::wire::response(
            200,
            object
                .content_type
                .as_deref()
                .unwrap_or("binary/octet-stream"),
            object.body.clone(),
        )
    };
    if op.name == "HeadObject" && !not_modified {
        set_header(
            &mut resp,
            "content-type",
            object
                .content_type
                .as_deref()
                .unwrap_or("binary/octet-stream"),
        );
        set_header(&mut resp, "content-length", &object.body.len().to_string());
    }
    set_header(&mut resp, "etag", &object.etag);
    set_header(&mut resp, "last-modified", &http_date(object.last_modified));
    set_header(&mut resp, "accept-ranges", "bytes");
    if let Some(v) = &object.version_id {
        set_header(&mut resp, "x-amz-version-id", v);
    }
    Ok(resp)
}

fn delete_object(
    req: &RawRequest,
    ctx: &mut Ctx,
    name: &str,
    key: &str,
) -> Result<Response, ApiError> {
    let bucket = bucket_of(ctx, req, name, false)?;
    if let Some(condition) = req.header("if-match") {
        match bucket.objects.get(key) {
            None => return Err(no_such_key(key)),
            Some(o) if !etag_matches(condition, &o.etag) => {
                return Err(precondition_failed("If-Match"))
            }
            Some(_) => {}
        }
    }
    let versioned = bucket.versioning == Versioning::Enabled;
    let removed = bucket.objects.remove(key);
    let mut resp = crate::wire::empty(204);
    if versioned && removed.is_some() {
        set_header(&mut resp, "x-amz-delete-marker", "true");
        set_header(
            &mut resp,
            "x-amz-version-id",
            &new_version_id(&mut rand::rng()),
        );
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn req(
        method: Method,
        path: &str,
        headers: &[(&'static str, &str)],
        body: &[u8],
    ) -> RawRequest {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().unwrap());
        }
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        RawRequest {
            method,
            path: path.to_string(),
            query: form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            headers: h,
            body: Bytes::copy_from_slice(body),
        }
    }

    #[test]
    fn virtual_hosted_and_path_style_addresses() {
        let r = req(
            Method::GET,
            "/a/b%20c",
            &[("host", "records.localhost:4566")],
            b"",
        );
        assert_eq!(address(&r), (Some("records".into()), Some("a/b c".into())));
        let r = req(
            Method::GET,
            "/k",
            &[("host", "my.dotted.bucket.s3.eu-west-1.amazonaws.com")],
            b"",
        );
        assert_eq!(address(&r).0.as_deref(), Some("my.dotted.bucket"));
        let r = req(
            Method::GET,
            "/",
            &[("host", "b1.s3-us-west-2.amazonaws.com")],
            b"",
        );
        assert_eq!(address(&r), (Some("b1".into()), None));
        let r = req(Method::GET, "/", &[("host", "b2.127.0.0.1:9000")], b"");
        assert_eq!(address(&r).0.as_deref(), Some("b2"));
        let r = req(
            Method::GET,
            "/bucket/dir//key",
            &[("host", "127.0.0.1:4566")],
            b"",
        );
        assert_eq!(
            address(&r),
            (Some("bucket".into()), Some("dir//key".into()))
        );
        for host in [
            "127.0.0.1:4566",
            "localhost:4566",
            "s3.us-east-1.amazonaws.com",
            "s3.amazonaws.com",
        ] {
            let r = req(Method::GET, "/", &[("host", host)], b"");
            assert_eq!(address(&r), (None, None), "{host}");
        }
    }

    #[test]
    fn operations_by_method_address_and_query() {
        let name = |m: Method, path: &str| parse(&req(m, path, &[], b"")).map(|op| op.name);
        assert_eq!(name(Method::GET, "/").unwrap(), "ListBuckets");
        assert_eq!(name(Method::PUT, "/b").unwrap(), "CreateBucket");
        assert_eq!(
            name(Method::GET, "/b?object-lock").unwrap(),
            "GetObjectLockConfiguration"
        );
        assert_eq!(
            name(Method::GET, "/b?list-type=2&prefix=x").unwrap(),
            "ListObjectsV2"
        );
        assert_eq!(
            name(Method::PUT, "/b/k?x-id=PutObject").unwrap(),
            "PutObject"
        );
        assert_eq!(name(Method::HEAD, "/b/k").unwrap(), "HeadObject");
        assert_eq!(
            name(Method::GET, "/b?acl").unwrap_err().code,
            "NotImplemented"
        );
    }

    #[test]
    fn aws_chunked_bodies_are_unframed() {
        let body = b"5;chunk-signature=abc\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n";
        let r = req(
            Method::PUT,
            "/b/k",
            &[
                ("content-encoding", "aws-chunked"),
                ("x-amz-trailer", "x-amz-checksum-crc32"),
            ],
            body,
        );
        assert_eq!(payload(&r).unwrap(), Bytes::from_static(b"hello world"));
        let r = req(
            Method::PUT,
            "/b/k",
            &[("content-encoding", "aws-chunked")],
            b"zz\r\n",
        );
        assert_eq!(payload(&r).unwrap_err().code, "IncompleteBody");
    }

    #[test]
    fn xml_with_namespaces_and_entities() {
        let root = parse_xml(
            br#"<?xml version="1.0"?><ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>3</Days></DefaultRetention></Rule><Note>a &amp; b &#65;</Note></ObjectLockConfiguration>"#,
        )
        .unwrap();
        assert_eq!(root.name, "ObjectLockConfiguration");
        assert_eq!(
            root.to_json(),
            json!({"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": "3"}}, "Note": "a & b A"})
        );
        assert_eq!(parse_xml(b"<a><b></a>").unwrap_err().code, "MalformedXML");
    }

    #[test]
    fn etag_conditions() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("abc", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
        assert_eq!(url_encode("a b/c+d"), "a%20b/c%2Bd");
        assert_eq!(
            http_date("2026-11-20T10:00:00Z".parse().unwrap()),
            "Fri, 20 Nov 2026 10:00:00 GMT"
        );
    }
}
