//! Template instances (DESIGN.md section 2.1): a resource whose provider has `for_each` is
//! one instance per account of the set and region, `<kind>.<name>[<account>/<region>]`,
//! whose strings have `${account}`, `${region}` and `${account_name}` substituted.
//!
//! Substitution is one typed pass over the YAML tree of the resource's block, before the
//! kind's checks: every scalar keeps its place in the file, so a check that fails after
//! substitution is located where the template is written and names the instance. Policy text
//! is substituted after it is parsed, inside JSON string values only ([`policy_string`]).

use super::error::{did_you_mean, Diagnostic};
use super::model::{AccountSet, AccountSource, AssumeRole, Member, Policy, ProviderTemplate};
use super::raw::{RawAccountSet, RawAssumeRole, RawProvider};
use super::validate::{check_region, check_role_arn, list, parse_duration, Check, Declared};
use super::yaml::{Content, Node, Span};

/// The values of one instance.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Vars<'a> {
    pub account: &'a str,
    pub region: &'a str,
    /// The account's name in AWS Organizations, when it is known and usable.
    pub account_name: Option<&'a str>,
    /// The fields `${account_name}` is refused in: the kind's
    /// [`crate::kinds::LockKind::IDENTITY_FIELDS`].
    pub identity_fields: &'a [&'a str],
}

/// The variables a template may use.
const VARIABLES: &str = "`${account}`, `${region}` and `${account_name}`";

/// Whether `name` (what is between `${` and `}`) is an IAM policy variable, which passes
/// through policy text unchanged: `${aws:username}`, `${*}`, `${?}`, `${$}`.
fn is_policy_variable(name: &str) -> bool {
    name.contains(':') || matches!(name, "*" | "?" | "$")
}

/// `text` with the variables of `vars` substituted, for the scalar of `field` outside
/// policy text: `$${` is a literal `${`; `vars` is `None` for a resource whose provider has no
/// `for_each`. `Ok(None)`: nothing to substitute.
pub(crate) fn scalar(
    text: &str,
    vars: Option<&Vars<'_>>,
    field: &str,
) -> Result<Option<String>, Diagnostic> {
    if !text.contains("${") {
        return Ok(None);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        if at > 0 && rest.as_bytes()[at - 1] == b'$' {
            out.push_str(&rest[..at - 1]);
            out.push_str("${");
            rest = &rest[at + 2..];
            continue;
        }
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let Some(end) = after.find('}') else {
            return Err(Diagnostic::new(format!("`${{` without its closing `}}` in `{text}`"))
                .hint("write `${account}`, `${region}` or `${account_name}`, or `$${` for a literal `${`"));
        };
        let name = &after[..end];
        out.push_str(&value_of(name, vars, field)?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Some(out))
}

/// The value of `${name}` in `field`.
fn value_of(name: &str, vars: Option<&Vars<'_>>, field: &str) -> Result<String, Diagnostic> {
    let known = matches!(name, "account" | "region" | "account_name");
    if !known {
        return Err(
            Diagnostic::new(format!("unknown variable `${{{name}}}`")).hint(format!(
                "a template may use {VARIABLES}; write `$${{` for a literal `${{`"
            )),
        );
    }
    let Some(vars) = vars else {
        return Err(Diagnostic::new(format!(
            "`${{{name}}}` needs a provider with for_each"
        ))
        .hint("give the resource a provider with `for_each: { accounts: <set>, regions: [...] }`, or write the value out"));
    };
    match name {
        "account" => Ok(vars.account.to_string()),
        "region" => Ok(vars.region.to_string()),
        _ if vars.identity_fields.contains(&field) => Err(Diagnostic::new(format!(
            "`${{account_name}}` cannot be used in `{field}`"
        ))
        .hint("an account's name can change; what a lock is on, and the files lockward writes and reads, are named by `${account}` and `${region}`")),
        _ => vars.account_name.map(str::to_string).ok_or_else(|| {
            Diagnostic::new("`${account_name}` needs an account set read from AWS Organizations")
                .hint("use `${account}`, or read the set with `organization:`")
        }),
    }
}

/// A copy of a resource's block `node` for one instance: every scalar substituted (see
/// [`scalar`]), `provider:` naming `provider` (the template's instance), `policy` left for
/// [`policy`]. Each problem is returned with where it is.
pub(crate) fn block(
    node: &Node,
    vars: Option<&Vars<'_>>,
    provider: Option<&str>,
    problems: &mut Vec<(Span, Diagnostic)>,
) -> Node {
    let Content::Map(entries) = &node.content else {
        return node.clone();
    };
    let entries = entries
        .iter()
        .map(|(k, v)| {
            let field = k.as_str().unwrap_or_default();
            let value = match (field, provider) {
                ("provider", Some(p)) => Node {
                    content: Content::Scalar {
                        text: p.to_string(),
                        plain: false,
                    },
                    span: v.span,
                },
                ("policy", _) => v.clone(),
                _ => tree(v, vars, field, problems),
            };
            (k.clone(), value)
        })
        .collect();
    Node {
        content: Content::Map(entries),
        span: node.span,
    }
}

fn tree(
    node: &Node,
    vars: Option<&Vars<'_>>,
    field: &str,
    problems: &mut Vec<(Span, Diagnostic)>,
) -> Node {
    let content = match &node.content {
        Content::Scalar { text, plain } => match scalar(text, vars, field) {
            Ok(Some(text)) => Content::Scalar { text, plain: false },
            Ok(None) => Content::Scalar {
                text: text.clone(),
                plain: *plain,
            },
            Err(d) => {
                problems.push((node.span, d));
                node.content.clone()
            }
        },
        Content::Seq(items) => Content::Seq(
            items
                .iter()
                .map(|i| tree(i, vars, field, problems))
                .collect(),
        ),
        Content::Map(entries) => Content::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), tree(v, vars, field, problems)))
                .collect(),
        ),
    };
    Node {
        content,
        span: node.span,
    }
}

/// `policy` with the variables substituted in its string values (never in keys, never making
/// structure); IAM policy variables pass through.
pub(crate) fn policy(policy: &Policy, vars: Option<&Vars<'_>>) -> Result<Policy, Diagnostic> {
    policy.substituted(&mut |text| policy_string(text, vars))
}

/// One string value of policy text, substituted.
fn policy_string(text: &str, vars: Option<&Vars<'_>>) -> Result<Option<String>, Diagnostic> {
    if !text.contains("${") {
        return Ok(None);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[at..]);
            return Ok(Some(out));
        };
        let name = &after[..end];
        if is_policy_variable(name) {
            out.push_str(&rest[at..at + 2 + end + 1]);
        } else {
            out.push_str(&value_of(name, vars, "policy")?);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Some(out))
}

/// An account name `${account_name}` may stand for: 1 to 64 of `[A-Za-z0-9_.-]`.
pub(crate) fn usable_name(member: &Member) -> Option<&str> {
    member.name.as_deref().filter(|n| {
        (1..=64).contains(&n.len())
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    })
}

/// An account id: 12 digits.
fn check_account_id(id: &str) -> Check<()> {
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(());
    }
    Err(Diagnostic::new(format!("`{id}` is not an AWS account id (12 digits)"))
        .hint("write account ids as quoted strings of 12 digits, e.g. \"123456789012\" (unquoted, YAML may read a leading zero away)"))
}

/// An AWS Organizations parent: a root (`r-…`) or an organisational unit (`ou-…-…`).
fn check_parent(parent: &str) -> Check<()> {
    let id = |s: &str, min: usize| {
        (min..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    let ok = match parent.strip_prefix("r-") {
        Some(root) => id(root, 4),
        None => parent
            .strip_prefix("ou-")
            .and_then(|ou| ou.split_once('-'))
            .is_some_and(|(root, unit)| id(root, 4) && id(unit, 8)),
    };
    if ok {
        return Ok(());
    }
    Err(Diagnostic::new(format!("`{parent}` is not an organisation root or unit id"))
        .hint("roots look like `r-ab12`, units like `ou-ab12-cdefgh34`; `aws organizations list-roots` and `list-organizational-units-for-parent` list them"))
}

/// Checks one account set; `providers` are the (non-template) providers declared.
pub(crate) fn check_set(
    set: &Declared<'_, RawAccountSet>,
    providers: &[&str],
    problems: &mut Vec<(Span, Diagnostic)>,
) -> Option<AccountSet> {
    let (raw, before) = (set.raw.as_ref()?, problems.len());
    if let Err(e) = super::validate::check_name(set.name) {
        problems.push((set.key.span, e));
    }
    let source = match (&raw.ids, &raw.organization) {
        (Some(ids), None) => {
            if ids.is_empty() {
                problems.push((
                    set.value_span("ids"),
                    Diagnostic::new("`ids` is empty")
                        .hint("list at least one account id, or remove the set"),
                ));
            }
            let mut seen = std::collections::BTreeSet::new();
            for (i, id) in ids.iter().enumerate() {
                let span = item_span(set.node, "ids", i).unwrap_or(set.key.span);
                if let Err(e) = check_account_id(id) {
                    problems.push((span, e));
                } else if !seen.insert(id) {
                    problems.push((
                        span,
                        Diagnostic::new(format!("account `{id}` is listed twice"))
                            .hint("remove one"),
                    ));
                }
            }
            AccountSource::Ids(seen.into_iter().cloned().collect())
        }
        (None, Some(org)) => {
            let span = |f: &str| {
                set.node
                    .get("organization")
                    .and_then(|(_, o)| o.get(f))
                    .map_or(set.key.span, |(_, v)| v.span)
            };
            if !providers.contains(&org.provider.as_str()) {
                let problem = Diagnostic::new(format!(
                    "unknown provider `{}` (it must be a provider without for_each)",
                    org.provider
                ));
                problems.push((
                    span("provider"),
                    match did_you_mean(&org.provider, providers.iter().copied()) {
                        Some(close) => problem.hint(format!("did you mean `{close}`?")),
                        None => problem.hint(format!("declared providers: {}", list(providers))),
                    },
                ));
            }
            if org.parents.is_empty() {
                problems.push((
                    span("parents"),
                    Diagnostic::new("`parents` is empty")
                        .hint("name the organisation's root (`r-…`) or units (`ou-…`)"),
                ));
            }
            for parent in &org.parents {
                if let Err(e) = check_parent(parent) {
                    problems.push((span("parents"), e));
                }
            }
            for id in &org.exclude {
                if let Err(e) = check_account_id(id) {
                    problems.push((span("exclude"), e));
                }
            }
            AccountSource::Organization {
                provider: org.provider.clone(),
                parents: org.parents.clone(),
                exclude: org.exclude.clone(),
                allow_empty: org.allow_empty,
            }
        }
        _ => {
            problems.push((set.key.span, Diagnostic::new("an account set has either `ids` or `organization`").hint("write `ids: [\"123456789012\"]`, or `organization: { provider: <name>, parents: [ou-…] }`")));
            return None;
        }
    };
    (problems.len() == before).then(|| AccountSet {
        name: set.name.to_string(),
        source,
    })
}

/// The span of item `i` of the list under `field`.
fn item_span(node: &Node, field: &str, i: usize) -> Option<Span> {
    match &node.get(field)?.1.content {
        Content::Seq(items) => items.get(i).map(|n| n.span),
        _ => None,
    }
}

/// The role a provider assumes, checked: in a template (`template`) the ARN's account field
/// is `${account}` exactly, elsewhere 12 digits.
pub(crate) fn check_assume_role(
    raw: &RawAssumeRole,
    template: bool,
    span: &dyn Fn(&str) -> Span,
    problems: &mut Vec<(Span, Diagnostic)>,
) -> Option<AssumeRole> {
    let before = problems.len();
    let arn = raw.role_arn();
    let arn_span = match raw {
        RawAssumeRole::Arn(_) => span(""),
        RawAssumeRole::Role(_) => span("role_arn"),
    };
    let account = arn.split(':').nth(4).unwrap_or_default();
    match (template, account) {
        (true, "${account}") => {
            if let Err(e) = check_role_arn(&arn.replacen("${account}", "000000000000", 1)) {
                problems.push((arn_span, e));
            }
        }
        (true, _) => problems.push((arn_span, Diagnostic::new(format!("`{arn}` does not have `${{account}}` as its account"))
            .hint("a template assumes the role in each account: write `arn:aws:iam::${account}:role/<name>`"))),
        (false, _) if arn.contains("${") => problems.push((arn_span, Diagnostic::new("`${account}` needs a provider with for_each")
            .hint("add `for_each: { accounts: <set>, regions: [...] }` to the provider, or write the account id"))),
        (false, _) => {
            if let Err(e) = check_role_arn(arn) {
                problems.push((arn_span, e));
            }
        }
    }
    let RawAssumeRole::Role(role) = raw else {
        return (problems.len() == before).then(|| AssumeRole::arn(arn));
    };
    let pattern = |text: &str, min: usize, max: usize, extra: &[u8]| {
        (min..=max).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || extra.contains(&b))
    };
    if let Some(e) = &role.external_id {
        if !pattern(e, 2, 1224, b"+=,.@:/-") {
            problems.push((
                span("external_id"),
                Diagnostic::new(format!("`{e}` is not an external id STS accepts"))
                    .hint("2 to 1224 letters, digits and `_+=,.@:/-`"),
            ));
        }
    }
    if let Some(n) = &role.session_name {
        if !pattern(n, 2, 64, b"+=,.@-") {
            problems.push((
                span("session_name"),
                Diagnostic::new(format!("`{n}` is not a session name STS accepts"))
                    .hint("2 to 64 letters, digits and `_+=,.@-`"),
            ));
        }
    }
    let duration = match &role.duration {
        None => None,
        Some(text) => match parse_duration(text) {
            Ok(d) if (900..=43_200).contains(&d.as_secs()) => u32::try_from(d.as_secs()).ok(),
            Ok(_) => {
                problems.push((
                    span("duration"),
                    Diagnostic::new(format!(
                        "`duration` is {text}; STS sessions last 15m to 12h"
                    ))
                    .hint("a session of a role assumed from another role lasts at most 1h"),
                ));
                None
            }
            Err(e) => {
                problems.push((span("duration"), e));
                None
            }
        },
    };
    (problems.len() == before).then(|| AssumeRole {
        role_arn: role.role_arn.clone(),
        external_id: role.external_id.clone(),
        session_name: role.session_name.clone(),
        duration,
    })
}

/// Checks one template provider (one with `for_each`).
pub(crate) fn check_template(
    p: &Declared<'_, RawProvider>,
    declared_sets: &[&str],
    problems: &mut Vec<(Span, Diagnostic)>,
) -> Option<ProviderTemplate> {
    let raw = p.raw.as_ref()?;
    let for_each = raw.for_each.as_ref()?;
    let before = problems.len();
    let in_for_each = |f: &str| {
        p.node
            .get("for_each")
            .and_then(|(_, v)| v.get(f))
            .map_or(p.key.span, |(_, v)| v.span)
    };
    if raw.region.is_some() {
        problems.push((
            p.key_span("region"),
            Diagnostic::new("a provider with `for_each` has no `region`")
                .hint("its regions are `for_each.regions`; remove `region`"),
        ));
    }
    if !declared_sets.contains(&for_each.accounts.as_str()) {
        let problem = Diagnostic::new(format!("unknown account set `{}`", for_each.accounts));
        problems.push((
            in_for_each("accounts"),
            match did_you_mean(&for_each.accounts, declared_sets.iter().copied()) {
                Some(close) => problem.hint(format!("did you mean `{close}`?")),
                None if declared_sets.is_empty() => problem.hint(format!(
                    "declare it: `accounts: {{ {}: {{ ids: [\"123456789012\"] }} }}`",
                    for_each.accounts
                )),
                None => problem.hint(format!("declared sets: {}", list(declared_sets))),
            },
        ));
    }
    if for_each.regions.is_empty() {
        problems.push((
            in_for_each("regions"),
            Diagnostic::new("`for_each.regions` is empty")
                .hint("list at least one region, e.g. `[us-east-1]`"),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for region in &for_each.regions {
        if let Err(e) = check_region(region) {
            problems.push((in_for_each("regions"), e));
        } else if !seen.insert(region) {
            problems.push((
                in_for_each("regions"),
                Diagnostic::new(format!("region `{region}` is listed twice")).hint("remove one"),
            ));
        }
    }
    let role_span = |f: &str| p.role_span(f);
    let assume_role = match &raw.assume_role {
        Some(role) => check_assume_role(role, true, &role_span, problems),
        None => {
            problems.push((p.key.span, Diagnostic::new("a provider with `for_each` needs `assume_role`")
                .hint("each account is reached through a role in it: `assume_role: { role_arn: \"arn:aws:iam::${account}:role/lockward\" }`")));
            None
        }
    };
    if let Some(url) = &raw.endpoint_url {
        if let Err(e) = super::validate::check_endpoint_url(url) {
            problems.push((p.value_span("endpoint_url"), e));
        }
    }
    if let Some(profile) = &raw.profile {
        if let Err(e) = super::validate::check_profile(profile) {
            problems.push((p.value_span("profile"), e));
        }
    }
    (problems.len() == before).then(|| ProviderTemplate {
        name: p.name.to_string(),
        accounts: for_each.accounts.clone(),
        regions: for_each.regions.clone(),
        profile: raw.profile.clone(),
        endpoint_url: raw.endpoint_url.clone(),
        assume_role,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const VARS: Vars<'static> = Vars {
        account: "111111111111",
        region: "eu-west-1",
        account_name: Some("prod-a"),
        identity_fields: &["vault", "policy_file"],
    };

    #[test]
    fn scalars_take_the_instance_values() {
        let got = scalar("backups-${region}-${account}", Some(&VARS), "vault").unwrap();
        assert_eq!(got.as_deref(), Some("backups-eu-west-1-111111111111"));
        assert_eq!(scalar("plain", Some(&VARS), "vault").unwrap(), None);
        // `$${` is a literal `${`, and what follows it is not a variable.
        let got = scalar("a$${region}b", Some(&VARS), "deliver_to").unwrap();
        assert_eq!(got.as_deref(), Some("a${region}b"));
    }

    #[test]
    fn unknown_and_misplaced_variables_are_errors() {
        let e = scalar("x-${acount}", Some(&VARS), "vault").unwrap_err();
        assert!(
            e.message.contains("unknown variable `${acount}`"),
            "{}",
            e.message
        );
        let e = scalar("x-${account}", None, "vault").unwrap_err();
        assert!(
            e.message.contains("needs a provider with for_each"),
            "{}",
            e.message
        );
        let e = scalar("x-${account_name}", Some(&VARS), "vault").unwrap_err();
        assert!(
            e.message.contains("cannot be used in `vault`"),
            "{}",
            e.message
        );
        let e = scalar("x-${region", Some(&VARS), "vault").unwrap_err();
        assert!(e.message.contains("closing"), "{}", e.message);
        let none = Vars {
            account_name: None,
            ..VARS
        };
        let e = scalar("${account_name}", Some(&none), "min_test_period").unwrap_err();
        assert!(
            e.message.contains("read from AWS Organizations"),
            "{}",
            e.message
        );
    }

    #[test]
    fn policy_text_is_substituted_inside_strings_only() {
        let written = r#"{"Statement":[{"Resource":"arn:aws:glacier:${region}:${account}:vaults/x","Condition":{"StringLike":{"aws:username":"${aws:username}"}},"Sid":"${account_name}\"}"}]}"#;
        let policy = Policy::parse_written(written).unwrap();
        let got = super::policy(
            &policy,
            Some(&Vars {
                account_name: Some("a\"b"),
                ..VARS
            }),
        )
        .unwrap();
        let text = got.canonical();
        assert!(
            text.contains("arn:aws:glacier:eu-west-1:111111111111:vaults/x"),
            "{text}"
        );
        // An IAM policy variable passes through; a name with a quote stays inside its string.
        assert!(text.contains("${aws:username}"), "{text}");
        assert!(text.contains(r#""Sid":"a\"b\"}""#), "{text}");
        let e = super::policy(&policy, None).unwrap_err();
        assert!(
            e.message.contains("needs a provider with for_each"),
            "{}",
            e.message
        );
    }

    #[test]
    fn only_safe_account_names_are_usable() {
        let named = |n: &str| Member {
            id: "1".repeat(12),
            name: Some(n.to_string()),
        };
        assert_eq!(usable_name(&named("prod-a_1.x")), Some("prod-a_1.x"));
        assert_eq!(usable_name(&named("Prod A")), None);
        assert_eq!(usable_name(&named("a/b")), None);
        assert_eq!(usable_name(&named(&"x".repeat(65))), None);
    }
}
