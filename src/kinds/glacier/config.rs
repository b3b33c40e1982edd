//! The checks of `glacier_vault_lock` blocks: every problem reported where it is (file, line, what to
//! do), and what passed turned into the kind's desired value.

use crate::config::model::*;
use crate::config::raw::*;
use crate::config::validate::*;
use crate::config::yaml::Span;
use crate::kinds::{Address, Kind};

/// Checks every `glacier_vault_lock` block, reporting each problem and keeping what passed.
pub(crate) fn check(resources: &[Declared<'_, RawGlacierVaultLock>], cx: &mut Checker<'_>) {
    let (source, paths) = (cx.source, cx.paths);
    let report =
        |subject: &str, span: Span, problem: Problem| located(source, subject, span, problem);
    // Glacier vault locks.
    for r in resources {
        let address = Address::new(Kind::GlacierVaultLock, r.name);
        let subject = address.to_string();
        let mut problems = Vec::new();
        if let Err(e) = check_name(r.name) {
            problems.push((r.key.span, e));
        }
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
            cx.out.diagnostics.extend(
                problems
                    .into_iter()
                    .map(|(span, e)| report(&subject, span, e)),
            );
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
                    Problem::new("both `policy` and `policy_file` are set")
                        .hint("keep one: the policy inline, or in a file"),
                ));
                None
            }
            (None, None) => {
                problems.push((
                    r.key.span,
                    Problem::new("no policy: set `policy` or `policy_file`").hint(format!(
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
                        problems.push(problem);
                        None
                    }
                }
            }
            (None, Some(file)) => match check_file_path(file) {
                Ok(()) => Some(PolicySource::File {
                    path: resolve_path(paths.dir, file),
                    span: r.value_span("policy_file"),
                }),
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
                desired: CheckedDesired::Glacier {
                    vault: raw.vault.clone(),
                    account_id,
                    policy,
                    state,
                    min_test_period,
                },
            }),
            (_, _, policy) => {
                if let Some(PolicySource::File { path, span }) = policy {
                    cx.out.other_policy_files.push((address, path, span));
                }
                cx.out.diagnostics.extend(
                    problems
                        .into_iter()
                        .map(|(span, e)| report(&subject, span, e)),
                );
            }
        }
    }
}
