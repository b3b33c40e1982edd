//! AWS Organizations (API version 2016-11-28), awsJson1.1 (`POST /` with `X-Amz-Target:
//! AWSOrganizationsV20161128.{Op}`), read-only: DescribeOrganization, ListRoots, ListAccounts,
//! ListAccountsForParent and ListOrganizationalUnitsForParent, answered from one seeded
//! organisation (its root, its OUs and its accounts).
//!
//! Organizations is a global service: AWS signs it for `us-east-1` at its global endpoint, but an
//! SDK given a custom endpoint signs with the client's own region, so any region is accepted here
//! (and logged as signed).
//!
//! Only the management account may list; another member account gets AccessDeniedException, an
//! account outside the organisation (or any account when none is seeded)
//! AWSOrganizationsNotInUseException. DescribeOrganization answers any member. Listings page by
//! `MaxResults` (1..=20, else ValidationException; 20 when absent) and `NextToken`, and the first
//! page of a listing that does not fit in one page is always empty and carries a `NextToken` (AWS
//! documents that its List operations "can occasionally return an empty set of results even when
//! more results are available"; here it is deterministic, so tests can rely on it).

use std::collections::BTreeMap;

use axum::response::Response;
use base64::Engine;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};

use crate::clock::epoch_secs;
use crate::state::{EmulatedService, SeedContext, ViewContext};
use crate::wire::{
    aws_json_error, aws_json_params, aws_json_response, aws_json_target, ApiError, Claim, Ctx, Operation, RawRequest, Service,
};

pub const TARGET_PREFIX: &str = "AWSOrganizationsV20161128";

/// The largest `MaxResults` the model allows, and the page size when a request gives none.
pub const MAX_RESULTS: u64 = 20;

/// The values of the model's `AccountState`.
const ACCOUNT_STATES: [&str; 5] = [
    "PENDING_ACTIVATION",
    "ACTIVE",
    "SUSPENDED",
    "PENDING_CLOSURE",
    "CLOSED",
];

/// The policy types a root may have enabled (the model's `PolicyType`).
const POLICY_TYPES: [&str; 15] = [
    "SERVICE_CONTROL_POLICY",
    "RESOURCE_CONTROL_POLICY",
    "TAG_POLICY",
    "BACKUP_POLICY",
    "AISERVICES_OPT_OUT_POLICY",
    "CHATBOT_POLICY",
    "DECLARATIVE_POLICY_EC2",
    "SECURITYHUB_POLICY",
    "SECURITYHUB_CSPM_POLICY",
    "INSPECTOR_POLICY",
    "UPGRADE_ROLLOUT_POLICY",
    "BEDROCK_POLICY",
    "S3_POLICY",
    "NETWORK_SECURITY_DIRECTOR_POLICY",
    "GUARDDUTY_POLICY",
];

// ---- the model, its seed and its state view ------------------------------------------------

impl EmulatedService for Organizations {
    const STATE_KEY: Option<&'static str> = Some("organizations");
    const WIRE: &'static [&'static dyn Service] = &[&Organizations];
    const SINGLE: bool = true;
    type Model = Option<Organization>;
    type Entry = Option<SeedOrganization>;

    /// Seeding an organisation replaces the one there was (its tree is one entry); `null`
    /// removes it.
    fn seed(
        model: &mut Self::Model,
        entry: Option<SeedOrganization>,
        cx: &SeedContext,
    ) -> Result<(), String> {
        *model = entry.map(|o| Organization::from_seed(o, cx)).transpose()?;
        Ok(())
    }

    fn view(model: &Self::Model, _: &ViewContext) -> Vec<Option<SeedOrganization>> {
        model.iter().map(|o| Some(o.to_seed())).collect()
    }
}

/// The organisation: its management account, its root, OUs and accounts.
#[derive(Debug, Clone)]
pub struct Organization {
    pub id: String,
    pub management_account: String,
    pub feature_set: String,
    pub root: String,
    /// The policy types enabled in the root.
    pub policy_types: Vec<String>,
    /// By id.
    pub ous: BTreeMap<String, Ou>,
    /// By id; the management account is always one of them.
    pub accounts: BTreeMap<String, Account>,
}

/// An organizational unit.
#[derive(Debug, Clone)]
pub struct Ou {
    pub id: String,
    pub parent: String,
    pub name: String,
}

/// A member account.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub email: String,
    pub parent: String,
    pub state: String,
    pub joined_method: String,
    pub joined: Timestamp,
}

/// The organisation in the seed document and the state (`"organizations"`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedOrganization {
    /// `o-` and 10 to 32 lower-case letters or digits; derived from the management account when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    /// The document's `account_id` (else the emulator's account) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    management_account: Option<String>,
    #[serde(default = "default_feature_set")]
    feature_set: String,
    /// `r-` and 4 to 32 lower-case letters or digits; derived from the organisation's id when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    root: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    policy_types: Vec<String>,
    #[serde(default)]
    ous: Vec<SeedOu>,
    #[serde(default)]
    accounts: Vec<SeedAccount>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedOu {
    id: String,
    /// The root when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent: Option<String>,
    name: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedAccount {
    id: String,
    name: String,
    /// `<id>@example.com` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    /// The root when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent: Option<String>,
    #[serde(default = "default_state")]
    state: String,
    #[serde(default = "default_joined_method")]
    joined_method: String,
    /// The virtual "now" of the seed when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    joined_timestamp: Option<Timestamp>,
}

fn default_feature_set() -> String {
    "ALL".to_string()
}

fn default_state() -> String {
    "ACTIVE".to_string()
}

fn default_joined_method() -> String {
    "CREATED".to_string()
}

/// Whether `s` is `min..=max` lower-case letters or digits.
fn lower_alnum(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Whether `s` is `prefix` followed by `min..=max` lower-case letters or digits.
fn lower_alnum_id(s: &str, prefix: &str, min: usize, max: usize) -> bool {
    s.strip_prefix(prefix)
        .is_some_and(|rest| lower_alnum(rest, min, max))
}

/// `^r-[0-9a-z]{4,32}$`
fn valid_root_id(s: &str) -> bool {
    lower_alnum_id(s, "r-", 4, 32)
}

/// `^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`
fn valid_ou_id(s: &str) -> bool {
    s.strip_prefix("ou-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(a, b)| lower_alnum(a, 4, 32) && lower_alnum(b, 8, 32))
}

/// `^\d{12}$`
pub fn valid_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `[^\s@]+@[^\s@]+\.[^\s@]+`, 6 to 64 characters.
fn valid_email(s: &str) -> bool {
    let plain = |p: &str| !p.is_empty() && !p.chars().any(|c| c.is_whitespace() || c == '@');
    (6..=64).contains(&s.chars().count())
        && s.split_once('@').is_some_and(|(user, domain)| {
            plain(user)
                && domain
                    .rsplit_once('.')
                    .is_some_and(|(host, tld)| plain(host) && plain(tld))
        })
}

/// The friendly name of an account or OU: 1 to 128 characters.
fn valid_name(s: &str) -> bool {
    (1..=128).contains(&s.chars().count())
}

impl Organization {
    fn from_seed(o: SeedOrganization, cx: &SeedContext) -> Result<Organization, String> {
        let management = cx.account(o.management_account);
        if !valid_account_id(&management) {
            return Err(format!(
                "invalid organizations management_account {management:?}: expected 12 digits"
            ));
        }
        let id = o.id.unwrap_or_else(|| format!("o-{}", &management[..10]));
        if !lower_alnum_id(&id, "o-", 10, 32) {
            return Err(format!(
                "invalid organization id {id:?}: expected o- and 10 to 32 lower-case letters or digits"
            ));
        }
        let root = o.root.unwrap_or_else(|| format!("r-{}", &id[2..6]));
        if !valid_root_id(&root) {
            return Err(format!(
                "invalid organizations root {root:?}: expected r- and 4 to 32 lower-case letters or digits"
            ));
        }
        if !["ALL", "CONSOLIDATED_BILLING"].contains(&o.feature_set.as_str()) {
            return Err(format!(
                "invalid organizations feature_set {:?}: expected ALL or CONSOLIDATED_BILLING",
                o.feature_set
            ));
        }
        if let Some(t) = o
            .policy_types
            .iter()
            .find(|t| !POLICY_TYPES.contains(&t.as_str()))
        {
            return Err(format!("invalid organizations policy type {t:?}"));
        }
        let mut ous = BTreeMap::new();
        for ou in o.ous {
            if !valid_ou_id(&ou.id) {
                return Err(format!(
                    "invalid OU id {:?}: expected ou-, 4 to 32 and then 8 to 32 lower-case letters or digits",
                    ou.id
                ));
            }
            if !valid_name(&ou.name) {
                return Err(format!("invalid name of OU {}: 1 to 128 characters", ou.id));
            }
            let parent = ou.parent.unwrap_or_else(|| root.clone());
            let id = ou.id.clone();
            if ous
                .insert(
                    id.clone(),
                    Ou {
                        id,
                        parent,
                        name: ou.name,
                    },
                )
                .is_some()
            {
                return Err(format!("OU {} is listed twice", ou.id));
            }
        }
        // Every OU's parent is the root or another OU, and following parents reaches the root.
        for ou in ous.values() {
            let mut at = ou;
            for _ in 0..=ous.len() {
                if at.parent == root {
                    break;
                }
                at = ous.get(&at.parent).ok_or_else(|| {
                    format!(
                        "the parent {:?} of OU {} is neither the root nor a listed OU",
                        at.parent, at.id
                    )
                })?;
            }
            if at.parent != root {
                return Err(format!("OU {} is its own ancestor", ou.id));
            }
        }
        let mut accounts = BTreeMap::new();
        for a in o.accounts {
            if !valid_account_id(&a.id) {
                return Err(format!("invalid account id {:?}: expected 12 digits", a.id));
            }
            if !valid_name(&a.name) {
                return Err(format!(
                    "invalid name of account {}: 1 to 128 characters",
                    a.id
                ));
            }
            let email = a.email.unwrap_or_else(|| format!("{}@example.com", a.id));
            if !valid_email(&email) {
                return Err(format!("invalid email {email:?} of account {}", a.id));
            }
            let parent = a.parent.unwrap_or_else(|| root.clone());
            if parent != root && !ous.contains_key(&parent) {
                return Err(format!(
                    "the parent {parent:?} of account {} is neither the root nor a listed OU",
                    a.id
                ));
            }
            if !ACCOUNT_STATES.contains(&a.state.as_str()) {
                return Err(format!(
                    "invalid state {:?} of account {}: expected one of {}",
                    a.state,
                    a.id,
                    ACCOUNT_STATES.join(", ")
                ));
            }
            if !["INVITED", "CREATED"].contains(&a.joined_method.as_str()) {
                return Err(format!(
                    "invalid joined_method {:?} of account {}: expected INVITED or CREATED",
                    a.joined_method, a.id
                ));
            }
            let id = a.id.clone();
            let account = Account {
                id: a.id,
                name: a.name,
                email,
                parent,
                state: a.state,
                joined_method: a.joined_method,
                joined: a.joined_timestamp.unwrap_or(cx.now),
            };
            if accounts.insert(id.clone(), account).is_some() {
                return Err(format!("account {id} is listed twice"));
            }
        }
        // The management account is always a member, at the root unless the seed says otherwise.
        accounts
            .entry(management.clone())
            .or_insert_with(|| Account {
                id: management.clone(),
                name: "management".to_string(),
                email: format!("{management}@example.com"),
                parent: root.clone(),
                state: default_state(),
                joined_method: default_joined_method(),
                joined: cx.now,
            });
        Ok(Organization {
            id,
            management_account: management,
            feature_set: o.feature_set,
            root,
            policy_types: o.policy_types,
            ous,
            accounts,
        })
    }

    fn to_seed(&self) -> SeedOrganization {
        SeedOrganization {
            id: Some(self.id.clone()),
            management_account: Some(self.management_account.clone()),
            feature_set: self.feature_set.clone(),
            root: Some(self.root.clone()),
            policy_types: self.policy_types.clone(),
            ous: self
                .ous
                .values()
                .map(|ou| SeedOu {
                    id: ou.id.clone(),
                    parent: Some(ou.parent.clone()),
                    name: ou.name.clone(),
                })
                .collect(),
            accounts: self
                .accounts
                .values()
                .map(|a| SeedAccount {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    email: Some(a.email.clone()),
                    parent: Some(a.parent.clone()),
                    state: a.state.clone(),
                    joined_method: a.joined_method.clone(),
                    joined_timestamp: Some(a.joined),
                })
                .collect(),
        }
    }

    fn arn(&self, resource: &str) -> String {
        format!(
            "arn:aws:organizations::{}:{resource}",
            self.management_account
        )
    }

    fn describe(&self) -> Json {
        let available = if self.feature_set == "ALL" {
            json!([{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}])
        } else {
            json!([])
        };
        let management_email = self
            .accounts
            .get(&self.management_account)
            .map(|a| a.email.clone());
        json!({
            "Id": self.id,
            "Arn": self.arn(&format!("organization/{}", self.id)),
            "FeatureSet": self.feature_set,
            "MasterAccountArn": self.arn(&format!("account/{}/{}", self.id, self.management_account)),
            "MasterAccountId": self.management_account,
            "MasterAccountEmail": management_email,
            "AvailablePolicyTypes": available,
        })
    }

    fn root_json(&self) -> Json {
        let types: Vec<Json> = self
            .policy_types
            .iter()
            .map(|t| json!({"Type": t, "Status": "ENABLED"}))
            .collect();
        json!({
            "Id": self.root,
            "Arn": self.arn(&format!("root/{}/{}", self.id, self.root)),
            "Name": "Root",
            "PolicyTypes": types,
        })
    }

    fn account_json(&self, a: &Account) -> Json {
        let mut out = json!({
            "Id": a.id,
            "Arn": self.arn(&format!("account/{}/{}", self.id, a.id)),
            "Email": a.email,
            "Name": a.name,
            "State": a.state,
            "JoinedMethod": a.joined_method,
            "JoinedTimestamp": epoch_secs(a.joined),
        });
        if let Some(status) = legacy_status(&a.state) {
            out["Status"] = json!(status);
        }
        out
    }

    fn ou_json(&self, ou: &Ou) -> Json {
        json!({
            "Id": ou.id,
            "Arn": self.arn(&format!("ou/{}/{}", self.id, ou.id)),
            "Name": ou.name,
        })
    }
}

/// The deprecated `Status` (ACTIVE, SUSPENDED, PENDING_CLOSURE) that goes with a `State`: a
/// CLOSED account reads SUSPENDED (as AWS shows it during the closure period); a
/// PENDING_ACTIVATION account has none of those values, so it has no `Status`.
fn legacy_status(state: &str) -> Option<&'static str> {
    match state {
        "ACTIVE" => Some("ACTIVE"),
        "SUSPENDED" | "CLOSED" => Some("SUSPENDED"),
        "PENDING_CLOSURE" => Some("PENDING_CLOSURE"),
        _ => None,
    }
}

// ---- the wire adapter ------------------------------------------------------------------------

/// AWS Organizations: its registration (lib.rs) and its wire adapter.
#[derive(Debug)]
pub struct Organizations;

/// Every operation; none changes anything.
const OPERATIONS: [&str; 5] = [
    "DescribeOrganization",
    "ListRoots",
    "ListAccounts",
    "ListAccountsForParent",
    "ListOrganizationalUnitsForParent",
];

impl Service for Organizations {
    fn name(&self) -> &'static str {
        "organizations"
    }

    fn protocol(&self) -> &'static str {
        "awsJson1_1"
    }

    fn claim(&self, req: &RawRequest, scope_service: Option<&str>) -> Claim {
        match (aws_json_target(req, TARGET_PREFIX), scope_service) {
            (None, _) => Claim::No,
            (Some(_), Some("organizations")) => Claim::Signed,
            (Some(_), _) => Claim::ByHeader,
        }
    }

    fn parse(&self, req: &RawRequest) -> Result<Operation, ApiError> {
        let op = aws_json_target(req, TARGET_PREFIX).unwrap_or_default();
        let Some(&name) = OPERATIONS.iter().find(|n| **n == op) else {
            return Err(ApiError::new(
                400,
                "UnknownOperationException",
                format!("Organizations operation {op:?} is not supported"),
            ));
        };
        Ok(Operation {
            name,
            mutating: false,
            params: aws_json_params(req)?,
        })
    }

    fn execute(
        &self,
        op: &Operation,
        _: &RawRequest,
        ctx: &mut Ctx,
        _: &str,
    ) -> Result<Response, ApiError> {
        execute(op, ctx).map(|out| aws_json_response(200, &out))
    }

    fn error(&self, err: &ApiError, _: &str) -> Response {
        aws_json_error(err)
    }

    fn default_error_code(&self, status: u16) -> &'static str {
        match status {
            429 => "TooManyRequestsException",
            s if s >= 500 => "ServiceException",
            _ => "InvalidInputException",
        }
    }

    fn throttling(&self) -> ApiError {
        ApiError::new(
            400,
            "TooManyRequestsException",
            "You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later.",
        )
    }
}

/// A constraint of the model broken (the framework's answer, before the operation runs).
fn validation(member: &str, value: &str, constraint: &str) -> ApiError {
    ApiError::new(
        400,
        "ValidationException",
        format!("1 validation error detected: Value {value} at '{member}' failed to satisfy constraint: Member must {constraint}"),
    )
}

fn not_in_use() -> ApiError {
    ApiError::new(
        400,
        "AWSOrganizationsNotInUseException",
        "Your account is not a member of an organization.",
    )
}

fn access_denied() -> ApiError {
    ApiError::new(
        400,
        "AccessDeniedException",
        "You don't have permissions to access this resource.",
    )
}

fn invalid_token() -> ApiError {
    ApiError::new(
        400,
        "InvalidInputException",
        "You specified an invalid value for nextToken. You must get the value from the response to a previous call to the API.",
    )
    .with("Reason", "INVALID_NEXT_TOKEN")
}

/// The page a listing asked for.
struct PageRequest {
    max: usize,
    token: Option<String>,
}

/// Reads and checks `MaxResults` and `NextToken`.
fn page_request(p: &Json) -> Result<PageRequest, ApiError> {
    let max = match p.get("MaxResults") {
        None | Some(Json::Null) => MAX_RESULTS,
        Some(v) => {
            let n = v.as_i64().ok_or_else(|| {
                ApiError::new(
                    400,
                    "SerializationException",
                    format!("MaxResults must be an integer, not {v}"),
                )
            })?;
            if n < 1 {
                return Err(validation(
                    "maxResults",
                    &format!("'{n}'"),
                    "have value greater than or equal to 1",
                ));
            }
            if n > MAX_RESULTS as i64 {
                return Err(validation(
                    "maxResults",
                    &format!("'{n}'"),
                    "have value less than or equal to 20",
                ));
            }
            n as u64
        }
    };
    let token = match p.get("NextToken") {
        None | Some(Json::Null) => None,
        Some(Json::String(t)) if t.len() <= 100_000 => Some(t.clone()),
        Some(_) => return Err(invalid_token()),
    };
    Ok(PageRequest {
        max: max as usize,
        token,
    })
}

/// Reads and checks `ParentId` (required; a root or OU id).
fn parent_id(p: &Json) -> Result<String, ApiError> {
    match p.get("ParentId") {
        None | Some(Json::Null) => Err(validation("parentId", "null", "not be null")),
        Some(Json::String(id)) if valid_root_id(id) || valid_ou_id(id) => Ok(id.clone()),
        Some(v) => Err(validation(
            "parentId",
            &format!("'{}'", v.as_str().unwrap_or_default()),
            "satisfy regular expression pattern: ^(r-[0-9a-z]{4,32})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$",
        )),
    }
}

/// A `NextToken` of one listing (operation and parent), starting at the entry with key `from`.
fn token_for(listing: &str, from: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{listing}\n{from}"))
}

/// The page of `items` (in key order) that `page` asks for. A listing's first page (no
/// `NextToken`) is empty and carries a token whenever the listing does not fit in one page.
fn paginate(
    listing: &str,
    items: Vec<(String, Json)>,
    page: &PageRequest,
) -> Result<(Vec<Json>, Option<String>), ApiError> {
    let start = match &page.token {
        None if items.len() > page.max => {
            return Ok((Vec::new(), Some(token_for(listing, &items[0].0))));
        }
        None => 0,
        Some(t) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(invalid_token)?;
            let (of, from) = decoded.split_once('\n').ok_or_else(invalid_token)?;
            if of != listing {
                return Err(invalid_token());
            }
            items.partition_point(|(key, _)| key.as_str() < from)
        }
    };
    let next = items.get(start + page.max).map(|(k, _)| token_for(listing, k));
    let entries = items
        .into_iter()
        .skip(start)
        .take(page.max)
        .map(|(_, v)| v)
        .collect();
    Ok((entries, next))
}

/// The organisation the caller belongs to.
fn member_org<'a>(ctx: &'a Ctx) -> Result<&'a Organization, ApiError> {
    ctx.store
        .services
        .organizations
        .as_ref()
        .filter(|o| o.accounts.contains_key(&ctx.account))
        .ok_or_else(not_in_use)
}

/// The organisation, when the caller is its management account.
fn managed_org<'a>(ctx: &'a Ctx) -> Result<&'a Organization, ApiError> {
    let org = member_org(ctx)?;
    if org.management_account != ctx.account {
        return Err(access_denied());
    }
    Ok(org)
}

/// Checks that `parent` is the root or an OU of `org`.
fn existing_parent(org: &Organization, parent: &str) -> Result<(), ApiError> {
    if parent == org.root || org.ous.contains_key(parent) {
        Ok(())
    } else {
        Err(ApiError::new(
            400,
            "ParentNotFoundException",
            "We can't find a root or OU with the ParentId that you specified.",
        ))
    }
}

fn page_json(key: &str, (entries, next): (Vec<Json>, Option<String>)) -> Json {
    let mut out = json!({ key: entries });
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    out
}

/// Carries out the operation: input checks first, then who may call, then the parent.
pub fn execute(op: &Operation, ctx: &mut Ctx) -> Result<Json, ApiError> {
    let p = &op.params;
    match op.name {
        "DescribeOrganization" => Ok(json!({"Organization": member_org(ctx)?.describe()})),
        "ListRoots" => {
            let page = page_request(p)?;
            let org = managed_org(ctx)?;
            let roots = vec![(org.root.clone(), org.root_json())];
            Ok(page_json("Roots", paginate(op.name, roots, &page)?))
        }
        "ListAccounts" => {
            let page = page_request(p)?;
            let org = managed_org(ctx)?;
            let accounts = org
                .accounts
                .values()
                .map(|a| (a.id.clone(), org.account_json(a)))
                .collect();
            Ok(page_json("Accounts", paginate(op.name, accounts, &page)?))
        }
        "ListAccountsForParent" => {
            let parent = parent_id(p)?;
            let page = page_request(p)?;
            let org = managed_org(ctx)?;
            existing_parent(org, &parent)?;
            let accounts = org
                .accounts
                .values()
                .filter(|a| a.parent == parent)
                .map(|a| (a.id.clone(), org.account_json(a)))
                .collect();
            let listing = format!("{}/{parent}", op.name);
            Ok(page_json("Accounts", paginate(&listing, accounts, &page)?))
        }
        "ListOrganizationalUnitsForParent" => {
            let parent = parent_id(p)?;
            let page = page_request(p)?;
            let org = managed_org(ctx)?;
            existing_parent(org, &parent)?;
            let ous = org
                .ous
                .values()
                .filter(|ou| ou.parent == parent)
                .map(|ou| (ou.id.clone(), org.ou_json(ou)))
                .collect();
            let listing = format!("{}/{parent}", op.name);
            Ok(page_json(
                "OrganizationalUnits",
                paginate(&listing, ous, &page)?,
            ))
        }
        other => Err(ApiError::new(
            400,
            "UnknownOperationException",
            format!("Organizations operation {other:?} is not supported"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_model_patterns() {
        assert!(valid_root_id("r-ab12"));
        assert!(!valid_root_id("r-AB12"));
        assert!(!valid_root_id("r-ab1"));
        assert!(valid_ou_id("ou-ab12-cdefgh34"));
        assert!(!valid_ou_id("ou-ab12-cdefgh3"));
        assert!(!valid_ou_id("ou-ab12cdefgh34"));
        assert!(!valid_ou_id("ou-ab1-cdefgh34"));
        assert!(valid_email("a@b.co"));
        assert!(!valid_email("a@b"));
        assert!(!valid_email("a b@c.de"));
        assert!(valid_account_id("111111111111"));
        assert!(!valid_account_id("11111111111a"));
    }

    #[test]
    fn the_first_page_of_a_listing_that_does_not_fit_is_empty() {
        let items = |n: usize| -> Vec<(String, Json)> {
            (0..n).map(|i| (format!("k{i}"), json!(i))).collect()
        };
        let page = |token: Option<String>| PageRequest { max: 2, token };
        let (first, next) = paginate("L", items(2), &page(None)).unwrap();
        assert_eq!((first.len(), next), (2, None));
        let (first, next) = paginate("L", items(3), &page(None)).unwrap();
        assert!(first.is_empty());
        let (second, next) = paginate("L", items(3), &page(next)).unwrap();
        assert_eq!(second, vec![json!(0), json!(1)]);
        let (third, next) = paginate("L", items(3), &page(next)).unwrap();
        assert_eq!((third, next), (vec![json!(2)], None));
        // A token of another listing is refused.
        let (_, other) = paginate("M", items(3), &page(None)).unwrap();
        let err = paginate("L", items(3), &page(other)).unwrap_err();
        assert_eq!(err.code, "InvalidInputException");
        let err = paginate("L", items(3), &page(Some("garbage".into()))).unwrap_err();
        assert_eq!(err.fields, vec![("Reason", "INVALID_NEXT_TOKEN".to_string())]);
    }
}
