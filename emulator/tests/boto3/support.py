"""What the Backup, S3 and moto cross-check scripts share: clients, the control API, error
assertions and a runner that reports every test and ends with the closing line CI reads."""

import json
import socket
import sys
import traceback
import urllib.request

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "us-east-1"
ACCOUNT = "123456789012"
T0 = "2026-11-23T12:00:00Z"
T0_EPOCH = 1795435200
DAY = 86400
NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})
CREDS = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret"}


def resolve_localhost_subdomains():
    """Lets `bucket.localhost` reach 127.0.0.1 (RFC 6761 reserves it; not every resolver does)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def control(url, method, what, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{url}/_emulator/{what}", data=data, method=method)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read() or b"null")


def client(url, service, region=REGION, config=NO_RETRIES, **creds):
    return boto3.session.Session().client(
        service, region_name=region, endpoint_url=url, config=config, **(creds or CREDS))


def s3_client(url, region=REGION, style="path"):
    config = NO_RETRIES.merge(Config(s3={"addressing_style": style}))
    return client(url, "s3", region=region, config=config)


def expect_error(code, status, fn, *args, **kwargs):
    try:
        result = fn(*args, **kwargs)
    except ClientError as e:
        got = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        assert got == (code, status), f"expected {(code, status)}, got {got}: {e}"
        return e
    raise AssertionError(f"expected {code} ({status}), got success: {result}")


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def raw(url, method, path, headers=None, body=b"", host=None):
    """A raw HTTP request (for what boto3 would never send): (status, headers, body)."""
    req = urllib.request.Request(f"{url}{path}", data=body or None, method=method,
                                 headers=headers or {})
    if host:
        req.add_header("Host", host)
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def signed(service):
    return {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/us-east-1/"
                             f"{service}/aws4_request, SignedHeaders=host, Signature=0"}


def run(tests, before_each, label):
    passed = failed = 0
    for test in tests:
        before_each()
        try:
            test()
            passed += 1
            print(f"ok   {test.__name__}")
        except Exception:  # noqa: BLE001 - report every failure and go on
            failed += 1
            print(f"FAIL {test.__name__}")
            traceback.print_exc()
    print(f"{label}: boto3 {boto3.__version__}, botocore {botocore.__version__}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def tests_of(module_globals):
    return [v for k, v in sorted(module_globals.items()) if k.startswith("test_")]


def url_arg():
    return sys.argv[1].rstrip("/")
