//! `--target` / `--exclude` patterns (DESIGN.md section 2.1): which declared resources a
//! command works on.
//!
//! ```text
//! pattern = addr | "provider:" name | "account:" (12 digits | "*") | "region:" (region | "*")
//! addr    = (kind | "*") ["." (name | "*")] ["[" seg *("/" seg) "]"]     ; seg = literal | "*"
//! ```
//!
//! A resource is selected when some `--target` matches it (every resource when there is none)
//! and no `--exclude` does. A pattern that matches no declared resource is an error naming the
//! closest one: a typo never silently narrows a plan to nothing, nor excludes nothing. An
//! instance key (`[…]`) matches only a template's instances: a resource that is no instance
//! matches a pattern without brackets, or `[*]`.

use std::fmt;
use std::str::FromStr;

use crate::config::{Config, Resource};
use crate::vocabulary::{Address, Kind};

/// One `--target` or `--exclude` pattern.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pattern {
    /// `kind.name[key]`, each part `*` (`None`) or literal; no key: every instance.
    Address {
        kind: Option<Kind>,
        name: Option<String>,
        key: Option<Vec<Option<String>>>,
    },
    /// `provider:NAME`: every resource its provider is `NAME`.
    Provider(String),
    /// `region:NAME` (or `region:*`): every resource in that region.
    Region(Option<String>),
    /// `account:ID` (or `account:*`): every resource in that account, as the config says it:
    /// an instance's account, or the account of the role its provider assumes.
    Account(Option<String>),
}

impl Pattern {
    /// Whether the pattern selects `resource` of `config`.
    pub fn matches(&self, config: &Config, resource: &Resource) -> bool {
        match self {
            Pattern::Address { kind, name, key } => {
                let key_matches = match key {
                    None => true,
                    Some(segs) => {
                        // Each segment literal or `*`, position by position: a pattern of
                        // fewer segments names the instances under its segments.
                        let parts = key_parts(resource);
                        let prefix = segs
                            .iter()
                            .zip(&parts)
                            .all(|(s, p)| s.as_ref().is_none_or(|s| s == p));
                        if segs.len() <= parts.len() {
                            prefix
                        } else if resource.desired.finds_instances() {
                            // It may find the keys the pattern names.
                            prefix
                        } else {
                            // A resource that is no instance matches `[*]` only.
                            parts.is_empty() && segs.len() == 1 && segs[0].is_none()
                        }
                    }
                };
                kind.is_none_or(|k| k == resource.address.kind)
                    && name.as_ref().is_none_or(|n| *n == resource.address.name)
                    && key_matches
            }
            // A template's name matches every instance made from it.
            Pattern::Provider(p) => {
                *p == resource.provider
                    || config
                        .providers
                        .get(&resource.provider)
                        .and_then(|p| p.instance_of.as_ref())
                        .is_some_and(|i| i.template == *p)
            }
            Pattern::Account(account) => account.as_ref().is_none_or(|a| {
                config
                    .providers
                    .get(&resource.provider)
                    .and_then(provider_account)
                    .is_some_and(|acc| acc == a)
            }),
            Pattern::Region(region) => region.as_ref().is_none_or(|r| {
                config
                    .providers
                    .get(&resource.provider)
                    .is_some_and(|p| p.region == *r)
            }),
        }
    }

    /// Whether, as an `--exclude`, the pattern leaves `resource` out. A pattern with a key
    /// leaves out instances: a resource that finds its instances at plan time is still read,
    /// and only the instances the key names are left out of what it finds (excluding one
    /// snapshot of a selection must not exclude the others).
    pub fn excludes(&self, config: &Config, resource: &Resource) -> bool {
        let deeper = match self {
            Pattern::Address {
                key: Some(segs), ..
            } => segs.len() > key_parts(resource).len(),
            _ => false,
        };
        if deeper && resource.desired.finds_instances() {
            return false;
        }
        self.matches(config, resource)
    }

    /// The one address the pattern names exactly (`kind.name`, no wildcard, no key).
    pub fn address(&self) -> Option<Address> {
        match self {
            Pattern::Address {
                kind: Some(kind),
                name: Some(name),
                key: None,
            } => Some(Address::new(*kind, name.clone())),
            _ => None,
        }
    }

    /// What the pattern could have meant, for the error when it matches nothing.
    fn closest(&self, config: &Config) -> Option<String> {
        let candidates: Vec<String> = match self {
            Pattern::Address { .. } => config
                .resources
                .iter()
                .map(|r| r.address.to_string())
                .collect(),
            Pattern::Provider(_) => config
                .providers
                .keys()
                .map(|p| format!("provider:{p}"))
                .collect(),
            Pattern::Region(_) => config
                .providers
                .values()
                .map(|p| format!("region:{}", p.region))
                .collect(),
            Pattern::Account(_) => config
                .providers
                .values()
                .filter_map(provider_account)
                .map(|a| format!("account:{a}"))
                .collect(),
        };
        let typed = self.to_string();
        candidates
            .into_iter()
            .map(|c| (strsim::jaro_winkler(&typed, &c), c))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, c)| c)
    }
}

impl From<&Address> for Pattern {
    fn from(address: &Address) -> Pattern {
        Pattern::Address {
            kind: Some(address.kind),
            name: Some(address.name.clone()),
            key: address
                .key
                .as_ref()
                .map(|k| k.split('/').map(|s| Some(s.to_string())).collect()),
        }
    }
}

impl FromStr for Pattern {
    type Err = String;

    fn from_str(s: &str) -> Result<Pattern, String> {
        const FORMS: &str = "expected <kind>.<name> (either may be `*`, e.g. \
                             `backup_vault_lock.*`), a kind alone, `provider:NAME`, \
                             `account:ID` or `region:NAME`";
        if let Some(name) = s.strip_prefix("provider:") {
            if name.is_empty() || name == "*" {
                return Err(format!("`{s}` names no provider: {FORMS}"));
            }
            return Ok(Pattern::Provider(name.to_string()));
        }
        if let Some(region) = s.strip_prefix("region:") {
            let ok = region == "*"
                || (!region.is_empty()
                    && region
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            if !ok {
                return Err(format!("`{s}` names no region (e.g. `region:eu-west-1`)"));
            }
            return Ok(Pattern::Region((region != "*").then(|| region.to_string())));
        }
        if let Some(account) = s.strip_prefix("account:") {
            let ok = account == "*"
                || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
            if !ok {
                return Err(format!(
                    "`{s}` names no account (12 digits, e.g. `account:123456789012`, or `*`)"
                ));
            }
            return Ok(Pattern::Account(
                (account != "*").then(|| account.to_string()),
            ));
        }
        if s.contains(':') {
            return Err(format!("`{s}` is not a pattern: {FORMS}"));
        }
        let (head, key) = match s.split_once('[') {
            Some((head, rest)) => {
                let inner = rest
                    .strip_suffix(']')
                    .ok_or_else(|| format!("`{s}`: an instance key ends with `]`"))?;
                if inner.is_empty() {
                    return Err(format!(
                        "`{s}`: an empty instance key; `[*]` means every one"
                    ));
                }
                let segs = inner
                    .split('/')
                    .map(|seg| match seg {
                        "*" => Ok(None),
                        "" => Err(format!("`{s}`: an empty segment in the instance key")),
                        seg if seg.contains(['*', '[', ']']) => Err(format!(
                            "`{s}`: a key segment is a literal or `*`, not `{seg}`"
                        )),
                        seg => Ok(Some(seg.to_string())),
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                (head, Some(segs))
            }
            None => (s, None),
        };
        let (kind, name) = match head.split_once('.') {
            Some((kind, name)) => (kind, Some(name)),
            None => (head, None),
        };
        let kind = match kind {
            "*" => None,
            k => Some(k.parse::<Kind>().map_err(|e| format!("`{s}`: {e}"))?),
        };
        let name = match name {
            None | Some("*") => None,
            Some(n) if Address::is_valid_name(n) => Some(n.to_string()),
            Some(n) => {
                return Err(format!(
                    "`{s}`: `{n}` is not a resource name ([a-z][a-z0-9_]{{0,63}}) nor `*`"
                ))
            }
        };
        Ok(Pattern::Address { kind, name, key })
    }
}

impl fmt::Display for Pattern {
    /// The normalised pattern: `*` for every wildcard part, `kind.*` written as `kind`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::Address { kind, name, key } => {
                match kind {
                    Some(k) => write!(f, "{k}")?,
                    None => f.write_str("*")?,
                }
                if let Some(n) = name {
                    write!(f, ".{n}")?;
                }
                if let Some(segs) = key {
                    let segs: Vec<&str> =
                        segs.iter().map(|s| s.as_deref().unwrap_or("*")).collect();
                    write!(f, "[{}]", segs.join("/"))?;
                }
                Ok(())
            }
            Pattern::Provider(p) => write!(f, "provider:{p}"),
            Pattern::Region(r) => write!(f, "region:{}", r.as_deref().unwrap_or("*")),
            Pattern::Account(a) => write!(f, "account:{}", a.as_deref().unwrap_or("*")),
        }
    }
}

/// The segments of a resource's instance key (none for a resource that is no instance).
fn key_parts(resource: &Resource) -> Vec<&str> {
    resource
        .address
        .key
        .as_deref()
        .map(|k| k.split('/').collect())
        .unwrap_or_default()
}

/// The account a provider acts in as the config says it: an instance's, or that of the role it
/// assumes; `None` when only STS can tell.
fn provider_account(p: &crate::config::Provider) -> Option<&str> {
    match (&p.instance_of, &p.assume_role) {
        (Some(i), _) => Some(&i.account),
        (None, Some(role)) => role.role_arn.split(':').nth(4),
        (None, None) => None,
    }
}

/// The `--target` and `--exclude` patterns of one command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub targets: Vec<Pattern>,
    pub excludes: Vec<Pattern>,
}

impl Selection {
    pub fn new(targets: &[Pattern], excludes: &[Pattern]) -> Selection {
        Selection {
            targets: targets.to_vec(),
            excludes: excludes.to_vec(),
        }
    }

    /// Exactly these addresses.
    pub fn addresses(addresses: &[Address]) -> Selection {
        Selection {
            targets: addresses.iter().map(Pattern::from).collect(),
            excludes: Vec::new(),
        }
    }

    pub fn is_everything(&self) -> bool {
        self.targets.is_empty() && self.excludes.is_empty()
    }

    /// What a plan made with this selection records of it (`None` for everything), with how
    /// many declared resources and found instances it left out.
    pub fn plan_selection(&self, not_selected: usize) -> Option<crate::plan::PlanSelection> {
        let normalised = |patterns: &[Pattern]| patterns.iter().map(ToString::to_string).collect();
        (!self.is_everything()).then(|| crate::plan::PlanSelection {
            target: normalised(&self.targets),
            exclude: normalised(&self.excludes),
            not_selected,
        })
    }

    /// The declared resources selected, in address order. A pattern that matches no declared
    /// resource is an error naming the closest one (`config_name` is the config as the user
    /// knows it).
    pub fn select<'c>(
        &self,
        config: &'c Config,
        config_name: &str,
    ) -> Result<Vec<&'c Resource>, String> {
        for (flag, patterns) in [("--target", &self.targets), ("--exclude", &self.excludes)] {
            for p in patterns {
                if !config.resources.iter().any(|r| p.matches(config, r)) {
                    let closest = match p.closest(config) {
                        Some(c) => format!("the closest is `{c}`"),
                        None => "it declares no resources".to_string(),
                    };
                    return Err(format!(
                        "{flag} {p} matches no resource {config_name} declares\nhint: {closest}; \
                         `lockward validate -c {config_name}` counts what it declares"
                    ));
                }
            }
        }
        Ok(config
            .resources
            .iter()
            .filter(|r| self.selects(config, r))
            .collect())
    }

    /// Whether the selection holds `resource` (declared, or an instance found at plan time):
    /// some `--target` matches it (or there is none) and no `--exclude` does.
    pub fn selects(&self, config: &Config, resource: &Resource) -> bool {
        (self.targets.is_empty() || self.targets.iter().any(|p| p.matches(config, resource)))
            && !self.excludes.iter().any(|p| p.excludes(config, resource))
    }

    /// The command-line words that repeat the selection: `--target P`… `--exclude P`…, each
    /// pattern quoted for a POSIX shell when it needs it.
    pub fn words(&self) -> Vec<String> {
        let normalised = |patterns: &[Pattern]| -> Vec<String> {
            patterns.iter().map(ToString::to_string).collect()
        };
        crate::render::selection_words(&normalised(&self.targets), &normalised(&self.excludes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_read_back_as_written_normalised() {
        for (typed, normal) in [
            ("glacier_vault_lock.audit", "glacier_vault_lock.audit"),
            ("glacier_vault_lock", "glacier_vault_lock"),
            ("glacier_vault_lock.*", "glacier_vault_lock"),
            ("*", "*"),
            ("*.audit", "*.audit"),
            ("backup_vault_lock.prod[*]", "backup_vault_lock.prod[*]"),
            (
                "backup_vault_lock.prod[111111111111/*]",
                "backup_vault_lock.prod[111111111111/*]",
            ),
            ("provider:prod", "provider:prod"),
            ("region:eu-west-1", "region:eu-west-1"),
            ("region:*", "region:*"),
        ] {
            let p: Pattern = typed.parse().unwrap_or_else(|e| panic!("{typed}: {e}"));
            assert_eq!(p.to_string(), normal, "{typed}");
            assert_eq!(normal.parse::<Pattern>(), Ok(p), "{typed}");
        }
    }

    #[test]
    fn malformed_patterns_are_refused_with_what_is_expected() {
        for bad in [
            "glacier_vault_lock.Audit",
            "vault_lock.audit",
            "provider:",
            "region:EU",
            "account:123",
            "backup_vault_lock.prod[",
            "backup_vault_lock.prod[]",
            "backup_vault_lock.prod[a//b]",
            "backup_vault_lock.prod[a*]",
        ] {
            let err = bad.parse::<Pattern>().unwrap_err();
            assert!(err.contains(bad), "{bad}: {err}");
        }
    }

    #[test]
    fn words_quote_what_a_shell_would_expand() {
        let s = Selection::new(
            &["glacier_vault_lock.*".parse().unwrap()],
            &["*.audit".parse().unwrap(), "provider:prod".parse().unwrap()],
        );
        assert_eq!(
            s.words(),
            [
                "--target",
                "glacier_vault_lock",
                "--exclude",
                "'*.audit'",
                "--exclude",
                "provider:prod"
            ]
        );
    }
}
