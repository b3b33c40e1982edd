//! The checks of `glacier_vault_lock` blocks: every problem reported where it is (file, line, what to
//! do), and what passed turned into the kind's desired value.

use jiff::SignedDuration;
use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::config::error::{Diagnostic, Source};
use crate::config::policy::{self, Policy, PolicyErrorKind, PolicyValue};
use crate::config::validate::*;
use crate::config::yaml::{Node, Span};
use crate::kinds::glacier::{GlacierDesired, VaultLockState};
use crate::kinds::CheckedDesired;
use crate::vocabulary::Kind;

/// A Glacier vault lock: a policy that, once completed, can never be changed or removed.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{"required": ["policy"]}, {"required": ["policy_file"]}]))]
pub struct RawGlacierVaultLock {
    /// The vault's name: 1 to 255 of `A-Z a-z 0-9 _ . -`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.\-]{1,255}$"))]
    pub vault: String,

    /// The account that owns the vault: `-` (the credentials' own account, the default) or 12
    /// digits. Quote it: `"-"`.
    #[serde(default)]
    #[schemars(regex(pattern = r"^(-|[0-9]{12})$"), extend("default" = "-"))]
    pub account_id: Option<String>,

    /// The provider to use; `default` when absent.
    #[serde(default)]
    pub provider: Option<String>,

    /// The lock policy inline: JSON text, or the policy written as a YAML mapping. At most
    /// 20 KiB in canonical JSON, with a `Statement`. Exactly one of `policy` and
    /// `policy_file` is required.
    #[serde(default)]
    pub policy: Option<RawPolicy>,

    /// A file holding the lock policy as JSON, relative to this config file's directory.
    #[serde(default)]
    pub policy_file: Option<String>,

    /// `locked`: the lock is completed (irreversible); `in_progress`: initiated and left in
    /// its 24-hour test window; `unlocked`: no lock in progress (a completed lock cannot be
    /// undone).
    pub state: RawVaultLockState,

    /// Do not complete the lock until it has been in progress this long: `90m`, `2h`, `1d`,
    /// `1h30m`. More than 0 and at most 24h. Only `state: locked` completes locks.
    #[serde(default)]
    #[schemars(regex(pattern = "^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"))]
    pub min_test_period: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawVaultLockState {
    /// The lock policy is in force and can never be removed.
    Locked,
    /// The lock is initiated and can still be aborted (it expires after 24 hours).
    InProgress,
    /// No lock is in progress.
    Unlocked,
}

/// An inline policy: JSON text, or the policy document written as a YAML mapping.
#[derive(Clone, Debug, PartialEq)]
pub enum RawPolicy {
    Text(String),
    /// A YAML mapping. Its content is read from the YAML tree (`policy::from_yaml`), where
    /// every scalar still has the text it was written with; typing it through serde here would
    /// turn `1e2` into a float and refuse a 23-digit integer.
    Document,
}

impl<'de> Deserialize<'de> for RawPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PolicyVisitor;
        impl<'de> Visitor<'de> for PolicyVisitor {
            type Value = RawPolicy;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON text or a mapping")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawPolicy, E> {
                Ok(RawPolicy::Text(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawPolicy, A::Error> {
                while map.next_entry::<String, de::IgnoredAny>()?.is_some() {}
                Ok(RawPolicy::Document)
            }
        }
        d.deserialize_any(PolicyVisitor)
    }
}

impl JsonSchema for RawPolicy {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RawPolicy".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A vault lock policy: JSON text, or the policy document as a YAML mapping.",
            "oneOf": [
                {"type": "string", "description": "The policy as JSON text."},
                {"type": "object", "required": ["Statement"], "description": "The policy document."}
            ]
        })
    }
}

/// A Glacier vault name: 1 to 255 of `A-Z a-z 0-9 _ . -`.
pub fn check_vault(vault: &str) -> Check<()> {
    if vault.is_empty() {
        return Err(Diagnostic::new("the vault name is empty"));
    }
    if vault.len() > 255 {
        return Err(Diagnostic::new(format!(
            "the vault name is {} characters long; at most 255 are allowed",
            vault.chars().count()
        )));
    }
    if let Some(c) = vault
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(
            Diagnostic::new(format!("the vault name `{vault}` contains {c:?}"))
                .hint("vault names use only letters, digits, `_`, `.` and `-`"),
        );
    }
    Ok(())
}

/// `-` (the credentials' own account) or 12 digits.
pub fn check_account_id(id: &str) -> Check<()> {
    if id == "-" || (id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())) {
        return Ok(());
    }
    let problem = Diagnostic::new(format!(
        "`{id}` is not an account id: expected \"-\" or 12 digits"
    ));
    let digits = id.bytes().filter(u8::is_ascii_digit).count();
    Err(if id.bytes().all(|b| b.is_ascii_digit()) {
        problem.hint(format!(
            "an AWS account id has exactly 12 digits; this one has {digits}"
        ))
    } else if digits == 12 {
        problem.hint(format!(
            "write the digits only: \"{}\"",
            id.chars().filter(char::is_ascii_digit).collect::<String>()
        ))
    } else {
        problem.hint("use \"-\" for the account of the credentials lockward runs with")
    })
}

/// `min_test_period`: a duration more than 0 and at most 24 hours.
pub fn check_min_test_period(text: &str) -> Check<SignedDuration> {
    let d = parse_duration(text)?;
    if d.is_zero() {
        return Err(Diagnostic::new("`min_test_period` is 0")
            .hint("remove `min_test_period` to complete the lock without a test period"));
    }
    if d >= MAX_TEST_PERIOD {
        return Err(Diagnostic::new(format!("`min_test_period` is {text}; it must be less than 24h"))
            .hint("an in-progress vault lock expires 24 hours after it was initiated, so a test period that long could never end before the lock expires; leave time to complete it, e.g. `20h`"));
    }
    Ok(d)
}

/// A `min_test_period` must be shorter than this: an in-progress lock expires 24 h after it was
/// initiated.
pub const MAX_TEST_PERIOD: SignedDuration = SignedDuration::from_hours(24);

/// The largest vault lock policy AWS accepts, measured on the canonical JSON lockward sends
/// (keys sorted, no insignificant whitespace): 20 KiB.
pub const MAX_POLICY_BYTES: usize = 20 * 1024;

/// A vault lock policy: a JSON object with a non-empty `Statement`, at most
/// [`MAX_POLICY_BYTES`] in canonical JSON.
pub fn check_policy(policy: Policy) -> Check<Policy> {
    let document = policy.document();
    let kind = match document {
        PolicyValue::Object(_) => None,
        PolicyValue::Array(_) => Some("a list"),
        PolicyValue::String(_) => Some("a string"),
        PolicyValue::Number(_) => Some("a number"),
        PolicyValue::Bool(_) => Some("a boolean"),
        PolicyValue::Null => Some("null"),
    };
    if let Some(kind) = kind {
        return Err(Diagnostic::new(format!(
            "the policy must be a JSON object, not {kind}"
        )));
    }
    match document.get("Statement") {
        None => {
            return Err(Diagnostic::new("the policy has no `Statement`")
                .hint("a vault lock policy needs at least one statement, e.g. one that denies glacier:DeleteArchive"))
        }
        Some(PolicyValue::Array(items)) if items.is_empty() => return Err(Diagnostic::new("the policy's `Statement` list is empty")),
        Some(PolicyValue::Array(_) | PolicyValue::Object(_)) => {}
        Some(_) => return Err(Diagnostic::new("the policy's `Statement` must be a list of statements or one statement object")),
    }
    let size = policy.canonical().len();
    if size > MAX_POLICY_BYTES {
        return Err(Diagnostic::new(format!(
            "the policy is {size} bytes in canonical JSON (keys sorted, no whitespace), more than the {MAX_POLICY_BYTES} bytes (20 KiB) AWS accepts"
        )));
    }
    Ok(policy)
}

/// An inline policy (`node` is the value of `policy:`): JSON text is read strictly, a YAML
/// mapping with every scalar as written. A problem comes with its place in the config file.
pub(crate) fn check_inline_policy(
    raw: &RawPolicy,
    node: &Node,
    source: &Source<'_>,
) -> Result<Policy, Box<(Span, Diagnostic)>> {
    let policy = match raw {
        RawPolicy::Text(text) => Policy::parse_written(text).map_err(|e| {
            let at =
                policy::inline_position(node, source, text, e.line, e.col).unwrap_or(node.span);
            let problem = match &e.kind {
                PolicyErrorKind::UnsafeCharacter => {
                    Diagnostic::new(format!("the inline policy: {e}"))
                        .hint(policy::UNSAFE_CHARACTER_HINT)
                }
                PolicyErrorKind::Invalid => Diagnostic::new(format!(
                    "the inline policy is not valid JSON: {e}"
                ))
                .hint("write the policy as JSON text (e.g. in a `|` block) or as a YAML mapping"),
                PolicyErrorKind::DuplicateKey { first, .. } => Diagnostic::new(format!(
                    "the inline policy has a {e} of its text (first written at line {} column {})",
                    first.0,
                    first.1 + 1
                ))
                .hint(DUPLICATE_POLICY_KEY_HINT),
            };
            Box::new((at, problem))
        })?,
        RawPolicy::Document => policy::from_yaml(node).map_err(|(at, message)| {
            Box::new((at, Diagnostic::new(format!("the inline policy: {message}"))))
        })?,
    };
    check_policy(policy).map_err(|p| Box::new((node.span, p)))
}

/// The hint for each required key of a block, when it is missing.
pub(crate) const MISSING_HINTS: &[(&str, &str)] = &[
    ("vault", "add `vault: <the vault's name>`"),
    ("state", "add `state: locked`, `in_progress` or `unlocked`"),
];

/// A block that passed the pure checks, its policy possibly still in a file.
#[derive(Debug)]
pub(crate) struct Pending {
    vault: String,
    account_id: String,
    policy: PolicySource,
    state: VaultLockState,
    min_test_period: Option<SignedDuration>,
}

impl Pending {
    /// The desired value, the policy read with `read_policy` if it is in a file.
    pub(crate) fn resolve(
        self,
        read_policy: &mut dyn FnMut(&PolicyFile) -> Result<Policy, Diagnostic>,
    ) -> Result<GlacierDesired, Diagnostic> {
        let policy = match self.policy {
            PolicySource::Inline(p) => p,
            PolicySource::File(file) => read_policy(&file)?,
        };
        Ok(GlacierDesired {
            vault: self.vault,
            account_id: self.account_id,
            policy,
            state: self.state,
            min_test_period: self.min_test_period,
        })
    }
}

/// Checks every `glacier_vault_lock` block, reporting each problem and keeping what passed.
pub(crate) fn check(resources: &[Declared<'_, RawGlacierVaultLock>], cx: &mut Checker<'_>) {
    let (source, paths) = (cx.source, cx.paths);
    // Glacier vault locks.
    for r in resources {
        let (address, mut problems) = r.resource(Kind::GlacierVaultLock);
        let subject = address.to_string();
        let Some(raw) = &r.raw else {
            untyped_fields(
                r,
                &[
                    ("vault", check_vault),
                    ("account_id", check_account_id),
                    ("policy_file", check_file_path),
                    ("min_test_period", |t| check_min_test_period(t).map(drop)),
                ],
                &mut problems,
            );
            cx.report_all(&subject, problems);
            continue;
        };
        if let Err(e) = check_vault(&raw.vault) {
            problems.push((r.value_span("vault"), e));
        }
        let account_id = raw.account_id.clone().unwrap_or_else(|| "-".to_string());
        if let Err(e) = check_account_id(&account_id) {
            problems.push((r.value_span("account_id"), e));
        }
        let provider = cx
            .provider_of(raw.provider.as_deref())
            .map_err(|e| problems.push((r.value_span("provider"), e)))
            .ok();
        let policy = match (&raw.policy, &raw.policy_file) {
            (Some(_), Some(_)) => {
                let (a, b) = (r.key_span("policy"), r.key_span("policy_file"));
                let later = if (a.line, a.col) > (b.line, b.col) {
                    a
                } else {
                    b
                };
                problems.push((
                    later,
                    Diagnostic::new("both `policy` and `policy_file` are set")
                        .hint("keep one: the policy inline, or in a file"),
                ));
                None
            }
            (None, None) => {
                problems.push((
                    r.key.span,
                    Diagnostic::new("no policy: set `policy` or `policy_file`").hint(format!(
                        "add `policy_file: policies/{}.json`, or the policy inline under `policy:`",
                        r.name
                    )),
                ));
                None
            }
            (Some(inline), None) => {
                let node = r.node.get("policy").map_or(r.key, |(_, v)| v);
                match check_inline_policy(inline, node, source) {
                    Ok(p) => Some(PolicySource::Inline(p)),
                    Err(problem) => {
                        problems.push(*problem);
                        None
                    }
                }
            }
            (None, Some(file)) => match check_file_path(file) {
                Ok(()) => Some(PolicySource::File(PolicyFile {
                    path: resolve_path(paths.dir, file),
                    span: r.value_span("policy_file"),
                    check: check_policy,
                })),
                Err(e) => {
                    problems.push((r.value_span("policy_file"), e));
                    None
                }
            },
        };
        let min_test_period = match raw
            .min_test_period
            .as_deref()
            .map(check_min_test_period)
            .transpose()
        {
            Ok(d) => d,
            Err(e) => {
                problems.push((r.value_span("min_test_period"), e));
                None
            }
        };
        if let Some(provider) = &provider {
            if let Some(target) = cx.target_of(provider) {
                let key = format!("{target} {account_id} {}", raw.vault);
                if let Some(d) = cx.collide(
                    Kind::GlacierVaultLock,
                    key,
                    &address,
                    r.key.span,
                    &format!("vault `{}`", raw.vault),
                ) {
                    cx.out.diagnostics.push(d);
                }
            }
        }
        let state = match raw.state {
            RawVaultLockState::Locked => VaultLockState::Locked,
            RawVaultLockState::InProgress => VaultLockState::InProgress,
            RawVaultLockState::Unlocked => VaultLockState::Unlocked,
        };
        match (problems.is_empty(), provider, policy) {
            (true, Some(provider), Some(policy)) => cx.out.resources.push(Checked {
                address,
                provider,
                desired: CheckedDesired::GlacierVaultLock(Pending {
                    vault: raw.vault.clone(),
                    account_id,
                    policy,
                    state,
                    min_test_period,
                }),
            }),
            (_, _, policy) => {
                if let Some(PolicySource::File(file)) = policy {
                    cx.out.other_policy_files.push((address, file));
                }
                cx.report_all(&subject, problems);
            }
        }
    }
}
