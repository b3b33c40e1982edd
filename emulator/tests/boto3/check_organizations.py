"""Cross-checks the emulator's AWS Organizations (awsJson1.1; botocore reads the official
`organizations/2016-11-28` model) and STS AssumeRole into the organisation's accounts against
boto3: DescribeOrganization, ListRoots, ListAccounts, ListAccountsForParent and
ListOrganizationalUnitsForParent with every page to the end (the empty first page that carries a
NextToken included), their errors (MaxResults 0 and 21, an unknown parent, a member account that
is not the management account, an account outside any organisation), and AssumeRole with the
right, a wrong and no external id and a session that expired on the virtual clock.
Usage: check_organizations.py http://127.0.0.1:PORT
"""

import sys

import botocore.exceptions
from botocore.config import Config

from support import (ACCOUNT, NO_RETRIES, T0, T0_EPOCH, check, client, control, expect_error, run,
                     tests_of, url_arg)

URL = url_arg()
ROOT = "r-ab12"
PROD = "ou-ab12-cdefgh34"
DEV = "ou-ab12-devdev01"
ROLE = "arn:aws:iam::111111111111:role/lockward"
MEMBERS = ["111111111111", "222222222222", "333333333333", "444444444444"]
# The model says MaxResults >= 1 and botocore checks that before sending; the emulator's own
# check is reached only with botocore's parameter validation off.
UNVALIDATED = NO_RETRIES.merge(Config(parameter_validation=False))


def seed():
    control(URL, "POST", "seed", {
        "organizations": {
            "id": "o-exampleorg1", "management_account": ACCOUNT, "root": ROOT,
            "ous": [{"id": PROD, "parent": ROOT, "name": "prod"},
                    {"id": DEV, "parent": ROOT, "name": "dev"}],
            "accounts": [{"id": "111111111111", "name": "prod-a", "parent": PROD},
                         {"id": "222222222222", "name": "prod-b", "parent": PROD},
                         {"id": "333333333333", "name": "dev-a", "parent": DEV, "state": "SUSPENDED"},
                         {"id": "444444444444", "name": "loose", "email": "loose@example.org"}]},
        "roles": [{"arn": ROLE, "external_id": "lockward-prod"}]})


def orgs(**kwargs):
    return client(URL, "organizations", **kwargs)


def assumed(role=ROLE, **kwargs):
    """Clients acting as the role's account: (organizations, sts)."""
    creds = client(URL, "sts").assume_role(RoleArn=role, RoleSessionName="lockward", **kwargs)["Credentials"]
    keys = {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"]}
    return client(URL, "organizations", **keys), client(URL, "sts", **keys)


def every_page(call, key, **kwargs):
    pages, token = [], None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        pages.append([e["Id"] for e in page[key]])
        token = page.get("NextToken")
        if not token:
            return pages
        check(len(pages) < 50, pages)


def test_describe_organization_and_list_roots():
    seed()
    o = orgs()
    d = o.describe_organization()["Organization"]
    check(d["Id"] == "o-exampleorg1" and d["MasterAccountId"] == ACCOUNT and d["FeatureSet"] == "ALL", d)
    check(d["Arn"] == f"arn:aws:organizations::{ACCOUNT}:organization/o-exampleorg1", d)
    check(d["MasterAccountArn"] == f"arn:aws:organizations::{ACCOUNT}:account/o-exampleorg1/{ACCOUNT}", d)
    check(d["MasterAccountEmail"] == f"{ACCOUNT}@example.com", d)
    roots = o.list_roots()["Roots"]
    check(roots == [{"Id": ROOT, "Arn": f"arn:aws:organizations::{ACCOUNT}:root/o-exampleorg1/{ROOT}",
                     "Name": "Root", "PolicyTypes": []}], roots)
    check(every_page(o.list_roots, "Roots", MaxResults=1) == [[ROOT]], "one root fits a page")


def test_accounts_carry_the_members_of_the_model():
    seed()
    accounts = orgs().list_accounts()["Accounts"]
    check([a["Id"] for a in accounts] == sorted(MEMBERS + [ACCOUNT]), accounts)
    a = accounts[0]
    check(set(a) == {"Id", "Arn", "Email", "Name", "Status", "State", "JoinedMethod", "JoinedTimestamp"}, a)
    check(a["Arn"] == f"arn:aws:organizations::{ACCOUNT}:account/o-exampleorg1/111111111111", a)
    check((a["Name"], a["Email"], a["State"], a["Status"], a["JoinedMethod"]) ==
          ("prod-a", "111111111111@example.com", "ACTIVE", "ACTIVE", "CREATED"), a)
    check(a["JoinedTimestamp"].timestamp() == T0_EPOCH, a)
    suspended = next(x for x in accounts if x["Id"] == "333333333333")
    check((suspended["State"], suspended["Status"]) == ("SUSPENDED", "SUSPENDED"), suspended)


def test_every_listing_pages_to_the_end_with_max_results_1():
    seed()
    o = orgs()
    pages = every_page(o.list_accounts, "Accounts", MaxResults=1)
    # More accounts than a page holds: the first page is empty and carries a NextToken.
    check(pages[0] == [], pages)
    check(all(len(p) == 1 for p in pages[1:]) and sum(pages, []) == sorted(MEMBERS + [ACCOUNT]), pages)
    pages = every_page(o.list_accounts_for_parent, "Accounts", ParentId=PROD, MaxResults=1)
    check(pages == [[], ["111111111111"], ["222222222222"]], pages)
    pages = every_page(o.list_accounts_for_parent, "Accounts", ParentId=ROOT, MaxResults=1)
    check(pages == [[], [ACCOUNT], ["444444444444"]], pages)
    pages = every_page(o.list_organizational_units_for_parent, "OrganizationalUnits", ParentId=ROOT, MaxResults=1)
    check(pages == [[], [PROD], [DEV]], pages)
    check(every_page(o.list_organizational_units_for_parent, "OrganizationalUnits", ParentId=PROD) == [[]],
          "an OU without OUs")
    # boto3's paginators follow the empty page too.
    got = [a["Id"] for page in o.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": 1})
           for a in page["Accounts"]]
    check(got == sorted(MEMBERS + [ACCOUNT]), got)
    ous = o.list_organizational_units_for_parent(ParentId=ROOT, MaxResults=2)
    check([u["Name"] for u in ous["OrganizationalUnits"]] == ["prod", "dev"] and "NextToken" not in ous, ous)
    check(ous["OrganizationalUnits"][0]["Arn"] == f"arn:aws:organizations::{ACCOUNT}:ou/o-exampleorg1/{PROD}", ous)


def test_max_results_outside_1_to_20_and_bad_tokens_are_refused():
    seed()
    try:
        orgs().list_accounts(MaxResults=0)
        raise AssertionError("botocore sends MaxResults=0")
    except botocore.exceptions.ParamValidationError:
        pass
    o = orgs(config=UNVALIDATED)
    for max_results in (0, 21):
        expect_error("ValidationException", 400, o.list_accounts, MaxResults=max_results)
        expect_error("ValidationException", 400, o.list_roots, MaxResults=max_results)
        expect_error("ValidationException", 400, o.list_accounts_for_parent, ParentId=ROOT, MaxResults=max_results)
        expect_error("ValidationException", 400, o.list_organizational_units_for_parent, ParentId=ROOT,
                     MaxResults=max_results)
    check(len(o.list_accounts(MaxResults=20)["Accounts"]) == 5, "20 is allowed")
    token = o.list_accounts(MaxResults=1)["NextToken"]
    e = expect_error("InvalidInputException", 400, o.list_accounts_for_parent, ParentId=PROD, NextToken=token)
    check(e.response["Reason"] == "INVALID_NEXT_TOKEN", e.response)
    expect_error("InvalidInputException", 400, o.list_accounts, NextToken="garbage")


def test_unknown_and_malformed_parents_are_refused():
    seed()
    o = orgs(config=UNVALIDATED)
    for call in (o.list_accounts_for_parent, o.list_organizational_units_for_parent):
        expect_error("ParentNotFoundException", 400, call, ParentId="ou-ab12-nowhere0")
        expect_error("ParentNotFoundException", 400, call, ParentId="r-zz99")
        expect_error("ValidationException", 400, call, ParentId="111111111111")


def test_only_the_management_account_lists():
    seed()
    member, _ = assumed(ExternalId="lockward-prod")
    check(member.describe_organization()["Organization"]["MasterAccountId"] == ACCOUNT, "a member describes")
    expect_error("AccessDeniedException", 400, member.list_roots)
    expect_error("AccessDeniedException", 400, member.list_accounts)
    expect_error("AccessDeniedException", 400, member.list_accounts_for_parent, ParentId=ROOT)
    expect_error("AccessDeniedException", 400, member.list_organizational_units_for_parent, ParentId=ROOT)
    outsider, _ = assumed("arn:aws:iam::999999999999:role/lockward")
    expect_error("AWSOrganizationsNotInUseException", 400, outsider.describe_organization)
    expect_error("AWSOrganizationsNotInUseException", 400, outsider.list_accounts)
    calls = [c for c in control(URL, "GET", "calls") if c["service"] == "organizations"]
    got = [(c["operation"], c["account"], c["mutating"]) for c in calls]
    check(got == [("DescribeOrganization", "111111111111", False), ("ListRoots", "111111111111", False),
                  ("ListAccounts", "111111111111", False), ("ListAccountsForParent", "111111111111", False),
                  ("ListOrganizationalUnitsForParent", "111111111111", False),
                  ("DescribeOrganization", "999999999999", False), ("ListAccounts", "999999999999", False)], got)


def test_no_organisation_is_not_in_use():
    o = orgs()
    for call in (o.describe_organization, o.list_roots, o.list_accounts):
        expect_error("AWSOrganizationsNotInUseException", 400, call)


def test_any_signing_region_is_accepted():
    # AWS signs Organizations for us-east-1 at its global endpoint; with a custom endpoint an SDK
    # signs with the client's region.
    seed()
    o = client(URL, "organizations", region="eu-west-1")
    check(o.list_roots()["Roots"][0]["Id"] == ROOT, "listed")
    check(control(URL, "GET", "calls")[-1]["region"] == "eu-west-1", "logged as signed")


def test_assume_role_checks_the_external_id_after_the_patterns():
    seed()
    sts = client(URL, "sts")
    got = sts.assume_role(RoleArn=ROLE, RoleSessionName="lockward", ExternalId="lockward-prod")
    check(got["AssumedRoleUser"]["Arn"] == "arn:aws:sts::111111111111:assumed-role/lockward/lockward", got)
    expect_error("AccessDenied", 403, sts.assume_role, RoleArn=ROLE, RoleSessionName="lockward",
                 ExternalId="lockward-dev")
    expect_error("AccessDenied", 403, sts.assume_role, RoleArn=ROLE, RoleSessionName="lockward")
    # STS's own pattern check comes first.
    expect_error("ValidationError", 400, sts.assume_role, RoleArn=ROLE, RoleSessionName="lockward",
                 ExternalId="lockward prod")
    expect_error("ValidationError", 400, sts.assume_role, RoleArn=ROLE, RoleSessionName="has space",
                 ExternalId="lockward-prod")
    expect_error("ValidationError", 400, client(URL, "sts", config=UNVALIDATED).assume_role, RoleArn=ROLE,
                 RoleSessionName="lockward", ExternalId="lockward-prod", DurationSeconds=899)
    # A role not listed takes any external id.
    sts.assume_role(RoleArn="arn:aws:iam::222222222222:role/lockward", RoleSessionName="s1", ExternalId="xx")
    member_orgs, member_sts = assumed(ExternalId="lockward-prod")
    check(member_sts.get_caller_identity()["Account"] == "111111111111", "acts in the role's account")


def test_a_session_expires_on_the_virtual_clock():
    seed()
    member_orgs, member_sts = assumed(ExternalId="lockward-prod", DurationSeconds=900)
    member_orgs.describe_organization()
    control(URL, "POST", "clock", {"advance_secs": 899})
    member_orgs.describe_organization()
    control(URL, "POST", "clock", {"advance_secs": 1})
    expect_error("ExpiredTokenException", 403, member_orgs.describe_organization)
    expect_error("ExpiredToken", 400, member_sts.get_caller_identity)


def before_each():
    control(URL, "POST", "reset")
    control(URL, "POST", "faults", {"rules": []})
    control(URL, "POST", "clock", {"set": T0, "frozen": True})


if __name__ == "__main__":
    sys.exit(run(tests_of(globals()), before_each, "Organizations and AssumeRole"))
