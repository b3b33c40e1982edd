"""Cross-checks the emulator's S3 service against boto3 (botocore reads the official
`s3/2006-03-01` model): every operation and error, path style and virtual-hosted style.
Usage: check_s3.py http://127.0.0.1:PORT
"""

import base64
import hashlib
import sys

import botocore.exceptions

from support import (ACCOUNT, check, control, expect_error, raw, resolve_localhost_subdomains,
                     run, s3_client, signed, tests_of, url_arg)

URL = url_arg()
PORT = URL.rsplit(":", 1)[1]
resolve_localhost_subdomains()


def etag(body):
    return '"' + hashlib.md5(body).hexdigest() + '"'


def lock_config(mode="COMPLIANCE", **period):
    return {"ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": mode, **(period or {"Days": 1})}}}


def test_buckets():
    s3 = s3_client(URL)
    eu = s3_client(URL, region="eu-west-1")
    r = s3.create_bucket(Bucket="acme-records")
    check(r["Location"] == "/acme-records", r)
    s3.create_bucket(Bucket="acme-records")  # us-east-1 answers 200 to its owner
    eu.create_bucket(Bucket="acme-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    expect_error("BucketAlreadyOwnedByYou", 409, eu.create_bucket, Bucket="acme-eu",
                 CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    control(URL, "POST", "seed", {"account_id": "111111111111", "s3": [{"bucket": "theirs"}]})
    expect_error("BucketAlreadyExists", 409, s3.create_bucket, Bucket="theirs")
    expect_error("IllegalLocationConstraintException", 400, eu.create_bucket, Bucket="acme-x")
    expect_error("InvalidLocationConstraint", 400, s3.create_bucket, Bucket="acme-x",
                 CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    h = s3.head_bucket(Bucket="acme-records")
    check(h["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1", h)
    h = eu.head_bucket(Bucket="acme-eu")
    check(h["BucketRegion"] == "eu-west-1", h)
    expect_error("404", 404, s3.head_bucket, Bucket="missing")
    expect_error("403", 403, s3.head_bucket, Bucket="theirs")
    check(s3.get_bucket_location(Bucket="acme-eu")["LocationConstraint"] == "eu-west-1", "eu")
    check(s3.get_bucket_location(Bucket="acme-records")["LocationConstraint"] is None, "us-east-1")
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    check(names == ["acme-eu", "acme-records"], names)
    page = s3.list_buckets(MaxBuckets=1)
    check(len(page["Buckets"]) == 1 and "ContinuationToken" in page, page)
    rest = s3.list_buckets(ContinuationToken=page["ContinuationToken"])
    check([b["Name"] for b in rest["Buckets"]] == ["acme-records"], rest)
    # Discovery lists one region's buckets: ListBuckets' BucketRegion filter.
    eu_only = s3.list_buckets(BucketRegion="eu-west-1")["Buckets"]
    check([(b["Name"], b["BucketRegion"]) for b in eu_only] == [("acme-eu", "eu-west-1")], eu_only)


def test_wrong_region_redirects():
    s3 = s3_client(URL)
    eu = s3_client(URL, region="eu-west-1")
    eu.create_bucket(Bucket="acme-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    # botocore follows S3's 301 to the bucket's region on its own, as it does against AWS.
    check(s3.get_bucket_versioning(Bucket="acme-eu").get("Status") is None, "redirect followed")
    calls = [c for c in control(URL, "GET", "calls") if c["operation"] == "GetBucketVersioning"]
    check([c["region"] for c in calls] == ["us-east-1", "eu-west-1"], calls)
    status, headers, body = raw(URL, "GET", "/acme-eu?versioning", signed("s3"))
    check(status == 301 and b"<Code>PermanentRedirect</Code>" in body, (status, body))
    check(headers.get("x-amz-bucket-region") == "eu-west-1", headers)


def test_versioning_and_object_lock():
    s3 = s3_client(URL)
    s3.create_bucket(Bucket="records")
    check("Status" not in s3.get_bucket_versioning(Bucket="records"), "unversioned")
    expect_error("ObjectLockConfigurationNotFoundError", 404, s3.get_object_lock_configuration,
                 Bucket="records")
    expect_error("InvalidBucketState", 409, s3.put_object_lock_configuration, Bucket="records",
                 ObjectLockConfiguration=lock_config())
    s3.put_bucket_versioning(Bucket="records", VersioningConfiguration={"Status": "Enabled"})
    check(s3.get_bucket_versioning(Bucket="records")["Status"] == "Enabled", "enabled")
    s3.put_object(Bucket="records", Key="already-here", Body=b"x")
    # AWS allows Object Lock on a bucket that holds objects (since 2023).
    s3.put_object_lock_configuration(Bucket="records",
                                     ObjectLockConfiguration=lock_config("COMPLIANCE", Days=2555))
    got = s3.get_object_lock_configuration(Bucket="records")["ObjectLockConfiguration"]
    check(got == lock_config("COMPLIANCE", Days=2555), got)
    expect_error("InvalidBucketState", 409, s3.put_bucket_versioning, Bucket="records",
                 VersioningConfiguration={"Status": "Suspended"})
    s3.put_object_lock_configuration(Bucket="records", ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {
            "Mode": "GOVERNANCE", "Years": 7, "DefaultEventHold": {"Days": 30}}}})
    got = s3.get_object_lock_configuration(Bucket="records")["ObjectLockConfiguration"]
    check(got["Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Years": 7,
                                              "DefaultEventHold": {"Days": 30}}, got)
    expect_error("MalformedXML", 400, s3.put_object_lock_configuration, Bucket="records",
                 ObjectLockConfiguration=lock_config("GOVERNANCE", Days=1, Years=1))
    expect_error("InvalidArgument", 400, s3.put_object_lock_configuration, Bucket="records",
                 ObjectLockConfiguration=lock_config("GOVERNANCE", Days=0))
    s3.create_bucket(Bucket="born-locked", ObjectLockEnabledForBucket=True)
    check(s3.get_bucket_versioning(Bucket="born-locked")["Status"] == "Enabled", "versioned")
    got = s3.get_object_lock_configuration(Bucket="born-locked")["ObjectLockConfiguration"]
    check(got == {"ObjectLockEnabled": "Enabled"}, got)
    expect_error("NoSuchBucket", 404, s3.get_bucket_versioning, Bucket="missing")


def test_checksum_required_on_lock_puts():
    s3 = s3_client(URL)
    s3.create_bucket(Bucket="records")
    body = (b'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b"<Status>Enabled</Status></VersioningConfiguration>")
    status, _, err = raw(URL, "PUT", "/records?versioning", signed("s3"), body)
    check(status == 400 and b"<Code>InvalidRequest</Code>" in err, (status, err))
    status, _, err = raw(URL, "PUT", "/records?versioning",
                         {**signed("s3"), "Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}, body)
    check(status == 400 and b"<Code>BadDigest</Code>" in err, (status, err))
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    status, _, _ = raw(URL, "PUT", "/records?versioning", {**signed("s3"), "Content-MD5": md5}, body)
    check(status == 200, status)
    lock = b"<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>"
    status, _, err = raw(URL, "PUT", "/records?object-lock", signed("s3"), lock)
    check(status == 400 and b"Content-MD5 OR x-amz-checksum-*" in err, (status, err))
    # boto3 adds the checksum the model requires on its own.
    s3.put_object_lock_configuration(Bucket="records", ObjectLockConfiguration=lock_config())
    call = control(URL, "GET", "calls")[-1]
    check("ChecksumAlgorithm" in call["params"] or "ContentMD5" in call["params"], call)


def test_expected_bucket_owner():
    s3 = s3_client(URL)
    s3.create_bucket(Bucket="records")
    expect_error("AccessDenied", 403, s3.get_bucket_versioning, Bucket="records",
                 ExpectedBucketOwner="999999999999")
    expect_error("AccessDenied", 403, s3.put_object, Bucket="records", Key="k", Body=b"x",
                 ExpectedBucketOwner="999999999999")
    s3.get_bucket_versioning(Bucket="records", ExpectedBucketOwner=ACCOUNT)


def test_conditional_writes():
    s3 = s3_client(URL)
    s3.create_bucket(Bucket="state")
    key = "prod/lockward.state.json.lock"
    r = s3.put_object(Bucket="state", Key=key, Body=b"holder-1", IfNoneMatch="*")
    check(r["ETag"] == etag(b"holder-1"), r)
    expect_error("PreconditionFailed", 412, s3.put_object, Bucket="state", Key=key, Body=b"holder-2",
                 IfNoneMatch="*")
    r = s3.put_object(Bucket="state", Key=key, Body=b"v2", IfMatch=etag(b"holder-1"))
    check(r["ETag"] == etag(b"v2"), r)
    expect_error("PreconditionFailed", 412, s3.put_object, Bucket="state", Key=key, Body=b"v3",
                 IfMatch=etag(b"holder-1"))
    expect_error("NoSuchKey", 404, s3.put_object, Bucket="state", Key="absent", Body=b"v3",
                 IfMatch=etag(b"v2"))
    got = s3.get_object(Bucket="state", Key=key)
    check((got["Body"].read(), got["ETag"]) == (b"v2", etag(b"v2")), got)
    head = s3.head_object(Bucket="state", Key=key)
    check((head["ContentLength"], head["ETag"]) == (2, etag(b"v2")), head)
    expect_error("NoSuchKey", 404, s3.get_object, Bucket="state", Key="absent")
    expect_error("404", 404, s3.head_object, Bucket="state", Key="absent")
    expect_error("PreconditionFailed", 412, s3.delete_object, Bucket="state", Key=key,
                 IfMatch=etag(b"holder-1"))
    r = s3.delete_object(Bucket="state", Key=key, IfMatch=etag(b"v2"))
    check(r["ResponseMetadata"]["HTTPStatusCode"] == 204, r)
    expect_error("NoSuchKey", 404, s3.delete_object, Bucket="state", Key=key, IfMatch=etag(b"v2"))
    r = s3.delete_object(Bucket="state", Key=key)
    check(r["ResponseMetadata"]["HTTPStatusCode"] == 204, r)
    expect_error("NoSuchBucket", 404, s3.put_object, Bucket="nobucket", Key="k", Body=b"x")


def test_list_objects_v2():
    s3 = s3_client(URL)
    s3.create_bucket(Bucket="state")
    keys = ["prod/a.json", "prod/b.json", "prod/journal/1.jsonl", "prod/journal/2.jsonl",
            "prod/z weird+%key.json", "test/c.json"]
    for k in keys:
        s3.put_object(Bucket="state", Key=k, Body=k.encode())
    pages = list(s3.get_paginator("list_objects_v2").paginate(
        Bucket="state", Prefix="prod/", PaginationConfig={"PageSize": 2}))
    check(len(pages) == 3, pages)
    got = [o["Key"] for p in pages for o in p.get("Contents", [])]
    check(got == keys[:5], got)
    r = s3.list_objects_v2(Bucket="state", Prefix="prod/", Delimiter="/")
    check([o["Key"] for o in r["Contents"]] == ["prod/a.json", "prod/b.json", "prod/z weird+%key.json"], r)
    check([p["Prefix"] for p in r["CommonPrefixes"]] == ["prod/journal/"], r)
    check(r["Contents"][0]["ETag"] == etag(b"prod/a.json") and r["Contents"][0]["Size"] == 11, r)
    expect_error("NoSuchBucket", 404, s3.list_objects_v2, Bucket="missing")


def test_virtual_hosted_style():
    path = s3_client(URL)
    path.create_bucket(Bucket="records")
    virtual = s3_client(f"http://localhost:{PORT}", style="virtual")
    sent = []
    virtual.meta.events.register("before-send.s3", lambda request, **_: sent.append(request.url))
    r = virtual.put_object(Bucket="records", Key="dir/x.json", Body=b"hello", IfNoneMatch="*")
    check(r["ETag"] == etag(b"hello"), r)
    check(virtual.get_object(Bucket="records", Key="dir/x.json")["Body"].read() == b"hello", "get")
    check(virtual.get_bucket_versioning(Bucket="records").get("Status") is None, "bucket call")
    virtual.put_bucket_versioning(Bucket="records", VersioningConfiguration={"Status": "Enabled"})
    check(path.get_bucket_versioning(Bucket="records")["Status"] == "Enabled", "same bucket")
    names = [o["Key"] for o in virtual.list_objects_v2(Bucket="records")["Contents"]]
    check(names == ["dir/x.json"], names)
    check(sent and all(u.startswith(f"http://records.localhost:{PORT}/") for u in sent), sent)
    status, _, body = raw(URL, "GET", "/dir/x.json", host=f"records.localhost:{PORT}")
    check(status == 403 and b"<Code>AccessDenied</Code>" in body, (status, body))


def test_faults_and_call_log():
    s3 = s3_client(URL)
    s3.create_bucket(Bucket="state")
    control(URL, "POST", "faults", {"rules": [{"operation": "PutObject", "kind": "drop_after_apply",
                                               "times": 1}]})
    try:
        s3.put_object(Bucket="state", Key="k", Body=b"written", IfNoneMatch="*")
        raise AssertionError("expected a dropped connection")
    except botocore.exceptions.BotoCoreError:
        pass
    expect_error("PreconditionFailed", 412, s3.put_object, Bucket="state", Key="k", Body=b"again",
                 IfNoneMatch="*")
    control(URL, "POST", "faults", {"rules": [{"operation": "PutBucketVersioning",
                                               "kind": "drop_before_apply", "times": 1}]})
    try:
        s3.put_bucket_versioning(Bucket="state", VersioningConfiguration={"Status": "Enabled"})
        raise AssertionError("expected a dropped connection")
    except botocore.exceptions.BotoCoreError:
        pass
    check("Status" not in s3.get_bucket_versioning(Bucket="state"), "not applied")
    control(URL, "POST", "faults", {"rules": [{"operation": "GetObject", "kind": "throttle", "times": 1}]})
    expect_error("SlowDown", 503, s3.get_object, Bucket="state", Key="k")
    calls = [c for c in control(URL, "GET", "calls") if c["service"] == "s3"]
    got = [(c["operation"], c["mutating"]) for c in calls]
    check(got == [("CreateBucket", True), ("PutObject", True), ("PutObject", True),
                  ("PutBucketVersioning", True), ("GetBucketVersioning", False),
                  ("GetObject", False)], got)
    check(calls[1]["params"]["IfNoneMatch"] == "*" and "written" not in str(calls[1]), calls[1])


def before_each():
    control(URL, "POST", "reset")
    control(URL, "POST", "faults", {"rules": []})


if __name__ == "__main__":
    sys.exit(run(tests_of(globals()), before_each, "S3"))
