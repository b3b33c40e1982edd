//! Account sets and template providers while a config loads (DESIGN.md section 2.1): the
//! sets and templates are checked, and each resource whose provider is a template becomes one
//! block per instance (`<name>[<account>/<region>]`, substituted by [`super::expand`]) before
//! the kinds' checks, which then check every instance like any resource.

use std::collections::BTreeMap;

use super::error::{Diagnostic, Source};
use super::expand::{self, Vars};
use super::model::{
    AccountSet, AccountSource, Desired, InstanceOf, Member, Membership, Provider, ProviderTemplate,
    Resource, SetMembers,
};
use super::raw::{RawAccountSet, RawProvider};
use super::validate::{located, Declared};
use super::yaml::{Content, Node, Span};
use crate::aws::{AwsError, ErrorClass};
use crate::vocabulary::{Address, Kind};

/// The account used to check a template whose set is not known yet.
const PLACEHOLDER: &str = "000000000000";

/// The sets, the templates, and what expanding the resources made.
pub(crate) struct Fleet {
    sets: BTreeMap<String, AccountSet>,
    set_spans: BTreeMap<String, Span>,
    templates: BTreeMap<String, ProviderTemplate>,
    membership: Membership,
    instances: BTreeMap<String, Provider>,
    /// Each instance's values, by address (a placeholder's under the declared address).
    vars: BTreeMap<Address, (String, String, Option<String>)>,
    templated: BTreeMap<Address, String>,
    /// Templates' resources planned as one `unknown` each, with why.
    placeholders: BTreeMap<Address, AwsError>,
    unknown: BTreeMap<Address, AwsError>,
}

/// What [`Fleet::finish`] gives the [`super::Config`].
pub(crate) struct Done {
    pub accounts: BTreeMap<String, AccountSet>,
    pub templates: BTreeMap<String, ProviderTemplate>,
    pub templated: BTreeMap<Address, String>,
    pub membership: Membership,
    pub unknown: BTreeMap<Address, AwsError>,
}

/// Checks the account sets and template providers; `membership` holds the sets read from AWS
/// Organizations (`None`: not read).
pub(crate) fn check(
    providers: &[Declared<'_, RawProvider>],
    sets: &[Declared<'_, RawAccountSet>],
    membership: Option<&Membership>,
    source: &Source<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Fleet {
    let plain: Vec<&str> = providers
        .iter()
        .filter(|p| p.raw.as_ref().is_some_and(|r| r.for_each.is_none()))
        .map(|p| p.name)
        .collect();
    let mut fleet = Fleet {
        sets: BTreeMap::new(),
        set_spans: BTreeMap::new(),
        templates: BTreeMap::new(),
        membership: Membership::default(),
        instances: BTreeMap::new(),
        vars: BTreeMap::new(),
        templated: BTreeMap::new(),
        placeholders: BTreeMap::new(),
        unknown: BTreeMap::new(),
    };
    for set in sets {
        let mut problems = Vec::new();
        if let Some(checked) = expand::check_set(set, &plain, &mut problems) {
            let members = match &checked.source {
                AccountSource::Ids(ids) => Some(Ok(SetMembers {
                    accounts: ids
                        .iter()
                        .map(|id| Member {
                            id: id.clone(),
                            name: None,
                        })
                        .collect(),
                    organization: None,
                })),
                AccountSource::Organization { .. } => {
                    membership.and_then(|m| m.sets.get(set.name).cloned())
                }
            };
            if let Some(members) = members {
                fleet.membership.sets.insert(set.name.to_string(), members);
            }
            fleet.set_spans.insert(set.name.to_string(), set.key.span);
            fleet.sets.insert(set.name.to_string(), checked);
        }
        report(
            source,
            &format!("accounts.{}", set.name),
            problems,
            diagnostics,
        );
    }
    let declared_sets: Vec<&str> = sets.iter().map(|s| s.name).collect();
    for p in providers {
        if p.raw.as_ref().is_none_or(|r| r.for_each.is_none()) {
            continue;
        }
        let mut problems = Vec::new();
        if let Some(t) = expand::check_template(p, &declared_sets, &mut problems) {
            fleet.templates.insert(t.name.clone(), t);
        }
        report(
            source,
            &format!("providers.{}", p.name),
            problems,
            diagnostics,
        );
    }
    // An empty set is a mistake unless it says it may be empty.
    for (name, members) in &fleet.membership.sets {
        let allow_empty = matches!(
            fleet.sets.get(name).map(|s| &s.source),
            Some(AccountSource::Organization {
                allow_empty: true,
                ..
            })
        );
        if matches!(members, Ok(m) if m.accounts.is_empty()) && !allow_empty {
            let span = fleet.set_spans.get(name).copied().unwrap_or(Span::at(1, 0));
            diagnostics.push(located(
                source,
                &format!("accounts.{name}"),
                span,
                Diagnostic::new(format!("account set `{name}` has no member"))
                    .hint("check its parents and exclude in AWS Organizations, or add `allow_empty: true` to its `organization`"),
            ));
        }
    }
    fleet
}

fn report(
    source: &Source<'_>,
    subject: &str,
    problems: Vec<(Span, Diagnostic)>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    diagnostics.extend(
        problems
            .into_iter()
            .map(|(span, d)| located(source, subject, span, d)),
    );
}

impl Fleet {
    /// The provider instances made so far.
    pub(crate) fn instance_providers(&self) -> Vec<Provider> {
        self.instances.values().cloned().collect()
    }

    /// A kind's section (`value`, its blocks by name) with every block substituted, and each
    /// block of a template replaced by its instances: `value` itself, not a copy, when nothing
    /// in it is a template's or holds `${`.
    pub(crate) fn expand_section<'v>(
        &mut self,
        kind: Kind,
        value: &'v Node,
        source: &Source<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> std::borrow::Cow<'v, Node> {
        let Content::Map(entries) = &value.content else {
            return std::borrow::Cow::Borrowed(value);
        };
        let templated = entries.iter().any(|(_, block)| {
            block
                .get("provider")
                .and_then(|(_, v)| v.as_str())
                .is_some_and(|p| self.templates.contains_key(p))
        });
        if !templated && !mentions(value, "${") {
            return std::borrow::Cow::Borrowed(value);
        }
        let mut out = Vec::with_capacity(entries.len());
        for (key, block) in entries {
            let name = key.as_str().unwrap_or_default();
            let provider = block
                .get("provider")
                .and_then(|(_, v)| v.as_str())
                .unwrap_or_default();
            let mut problems = Vec::new();
            let subject = format!("{kind}.{name}");
            let Some(template) = self.templates.get(provider).cloned() else {
                out.push((key.clone(), expand::block(block, None, None, &mut problems)));
                report(source, &subject, problems, diagnostics);
                continue;
            };
            let declared = Address::new(kind, name);
            self.templated
                .insert(declared.clone(), template.name.clone());
            let refused: Vec<_> = kind
                .template_refuses()
                .iter()
                .filter_map(|(field, hint)| Some((block.get(field)?.0.span, field, hint)))
                .collect();
            for (span, field, hint) in &refused {
                diagnostics.push(located(
                    source,
                    &subject,
                    *span,
                    Diagnostic::new(format!(
                        "`{field}` cannot be used with a provider with for_each"
                    ))
                    .hint(hint.to_string()),
                ));
            }
            if !refused.is_empty() {
                continue;
            }
            let members = match self.membership.sets.get(&template.accounts) {
                Some(Ok(m)) => Ok(m.clone()),
                Some(Err(e)) => Err(e.clone()),
                None => Err(AwsError {
                    class: ErrorClass::NotSent,
                    code: None,
                    message: format!(
                        "the members of account set `{}` were not read from AWS Organizations",
                        template.accounts
                    ),
                }),
            };
            let from_organization = self
                .sets
                .get(&template.accounts)
                .is_some_and(|s| s.organization_provider().is_some());
            let members = match members {
                Ok(m) => m,
                Err(e) => {
                    // Checked with a stand-in account; planned as one `unknown` resource.
                    let region = template.regions[0].clone();
                    let stand_in = Member {
                        id: PLACEHOLDER.to_string(),
                        name: from_organization.then(|| "placeholder".to_string()),
                    };
                    let node = self.instance(
                        &template,
                        &stand_in,
                        &region,
                        &declared,
                        block,
                        &mut problems,
                    );
                    out.push((key.clone(), node));
                    self.placeholders.insert(declared, e);
                    report(source, &subject, problems, diagnostics);
                    continue;
                }
            };
            let uses_name = mentions(block, "${account_name}");
            for member in &members.accounts {
                for region in &template.regions {
                    let address = declared.instance(format!("{}/{region}", member.id));
                    let mut problems = Vec::new();
                    let mut member = member.clone();
                    if uses_name && from_organization && expand::usable_name(&member).is_none() {
                        self.unknown.insert(address.clone(), AwsError {
                            class: ErrorClass::NotSent,
                            code: None,
                            message: format!(
                                "account {}'s name ({:?}) cannot be used as `${{account_name}}`: it must be 1 to 64 of A-Z a-z 0-9 _ . -",
                                member.id,
                                member.name.as_deref().unwrap_or("")
                            ),
                        });
                        member.name = Some("unusable".to_string());
                    }
                    let node =
                        self.instance(&template, &member, region, &address, block, &mut problems);
                    let mut key = key.clone();
                    key.content = Content::Scalar {
                        text: address.to_string()[kind.as_str().len() + 1..].to_string(),
                        plain: false,
                    };
                    out.push((key, node));
                    report(source, &address.to_string(), problems, diagnostics);
                }
            }
        }
        std::borrow::Cow::Owned(Node {
            content: Content::Map(out),
            span: value.span,
        })
    }

    /// The block of one instance, and its provider made if it was not yet.
    fn instance(
        &mut self,
        template: &ProviderTemplate,
        member: &Member,
        region: &str,
        address: &Address,
        block: &Node,
        problems: &mut Vec<(Span, Diagnostic)>,
    ) -> Node {
        let name = Provider::instance_name(&template.name, &member.id, region);
        self.instances
            .entry(name.clone())
            .or_insert_with(|| Provider {
                name: name.clone(),
                region: region.to_string(),
                profile: template.profile.clone(),
                endpoint_url: template.endpoint_url.clone(),
                assume_role: template.assume_role.clone().map(|mut r| {
                    r.role_arn = r.role_arn.replacen("${account}", &member.id, 1);
                    r
                }),
                instance_of: Some(InstanceOf {
                    template: template.name.clone(),
                    account: member.id.clone(),
                    session_region: template.regions[0].clone(),
                }),
            });
        // Only a name `${account_name}` may stand for is ever substituted: where the block
        // uses an unusable one the instance is `unknown` already (see `expand_section`), and a
        // policy file that uses it fails to load rather than receive it.
        let account_name = expand::usable_name(member).map(str::to_string);
        self.vars.insert(
            address.clone(),
            (member.id.clone(), region.to_string(), account_name.clone()),
        );
        let vars = Vars {
            account: &member.id,
            region,
            account_name: account_name.as_deref(),
            identity_fields: address.kind.identity_fields(),
        };
        expand::block(block, Some(&vars), Some(&name), problems)
    }

    /// `desired` with its policy text substituted for the instance at `address` (or checked
    /// for misplaced variables, for a resource that is no instance).
    pub(crate) fn substitute_policy(
        &self,
        address: &Address,
        mut desired: Desired,
    ) -> Result<Desired, Diagnostic> {
        let Some(policy) = desired.policy_mut() else {
            return Ok(desired);
        };
        let vars = self.vars.get(address).map(|(account, region, name)| Vars {
            account,
            region,
            account_name: name.as_deref(),
            identity_fields: address.kind.identity_fields(),
        });
        *policy = expand::policy(policy, vars.as_ref())?;
        Ok(desired)
    }

    /// Gives the config its providers and resources as planned: a template's resource whose
    /// set is not known stands as one resource under its declared address, `unknown`.
    pub(crate) fn finish(
        mut self,
        providers: &mut BTreeMap<String, Provider>,
        resources: &mut [Resource],
    ) -> Done {
        for r in resources.iter_mut() {
            if let Some(error) = self.placeholders.remove(&r.address) {
                providers.remove(&r.provider);
                if let Some(template) = self.templated.get(&r.address) {
                    r.provider = template.clone();
                }
                self.unknown.insert(r.address.clone(), error);
            }
        }
        Done {
            accounts: self.sets,
            templates: self.templates,
            templated: self.templated,
            membership: self.membership,
            unknown: self.unknown,
        }
    }
}

/// Whether any scalar of `node` holds `text`.
fn mentions(node: &Node, text: &str) -> bool {
    match &node.content {
        Content::Scalar { text: t, .. } => t.contains(text),
        Content::Seq(items) => items.iter().any(|i| mentions(i, text)),
        Content::Map(entries) => entries.iter().any(|(_, v)| mentions(v, text)),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Member, Membership, OrganizationFacts, SetMembers};

    fn config(allow_empty: &str) -> crate::config::Config {
        let text = format!(
            "version: 1\naccounts:\n  prod:\n    organization: {{ provider: m, parents: [ou-ab12-cdefgh34]{allow_empty} }}\n\
             providers:\n  m: {{ region: us-east-1 }}\n  t:\n    for_each: {{ accounts: prod, regions: [us-east-1] }}\n    \
             assume_role: \"arn:aws:iam::${{account}}:role/lockward\"\n\
             glacier_vault_lock:\n  b:\n    provider: t\n    vault: v\n    state: unlocked\n    \
             policy: '{{\"Statement\":[{{\"Sid\":\"${{account_name}}\"}}]}}'\n"
        );
        crate::config::load_str(&text, std::path::Path::new("lockward.yaml")).unwrap()
    }

    fn read(members: &[(&str, &str)]) -> Membership {
        let set = SetMembers {
            accounts: members
                .iter()
                .map(|(id, name)| Member {
                    id: id.to_string(),
                    name: Some(name.to_string()),
                })
                .collect(),
            organization: Some(OrganizationFacts {
                id: "o-abcdefghij".into(),
                management_account: "123456789012".into(),
                management_is_member: false,
            }),
        };
        Membership {
            sets: [("prod".to_string(), Ok(set))].into(),
        }
    }

    #[test]
    fn an_empty_set_is_an_error_unless_it_may_be_empty() {
        let e = config("").expand(&read(&[])).unwrap_err().to_string();
        assert!(e.contains("account set `prod` has no member"), "{e}");
        let allowed = config(", allow_empty: true").expand(&read(&[])).unwrap();
        assert!(allowed.resources.is_empty());
    }

    #[test]
    fn an_unusable_account_name_makes_only_its_instance_unknown_and_is_never_substituted() {
        let c = config("")
            .expand(&read(&[
                ("111111111111", "prod-a"),
                ("222222222222", "Prod B"),
            ]))
            .unwrap();
        let good: crate::vocabulary::Address = "glacier_vault_lock.b[111111111111/us-east-1]"
            .parse()
            .unwrap();
        let bad: crate::vocabulary::Address = "glacier_vault_lock.b[222222222222/us-east-1]"
            .parse()
            .unwrap();
        assert!(!c.unknown.contains_key(&good));
        assert!(c.unknown[&bad]
            .message
            .contains("cannot be used as `${account_name}`"));
        let vaults: Vec<String> = c
            .resources
            .iter()
            .map(|r| serde_json::to_value(&r.desired).unwrap()["policy"].to_string())
            .collect();
        assert!(vaults.iter().all(|v| !v.contains("Prod B")), "{vaults:?}");
        assert!(vaults.iter().any(|v| v.contains("prod-a")), "{vaults:?}");
    }

    /// Each kind's identity fields refuse `${account_name}` once the set is read, naming the
    /// field; the other fields of the same block take it.
    #[test]
    fn each_kinds_identity_fields_refuse_an_account_name() {
        for (kind, block, field) in [
            ("s3_object_lock", "bucket: \"b-${account_name}\"\n    object_lock: enabled\n    default_retention: none", "bucket"),
            ("backup_vault_lock", "vault: \"v-${account_name}\"\n    mode: governance\n    min_retention_days: 1", "vault"),
            ("rbin_rule_lock", "rule_id: \"${account_name}\"\n    state: locked\n    unlock_delay_days: 7", "rule_id"),
            ("glacier_vault_lock", "vault: v\n    account_id: \"${account_name}\"\n    state: unlocked", "account_id"),
            ("snowball_unlock_code", "job_id: JID123e4567-e89b-12d3-a456-426655440000\n    deliver_to: \"c-${account_name}\"", "deliver_to"),
        ] {
            let text = format!(
                "version: 1\naccounts:\n  prod:\n    organization: {{ provider: m, parents: [ou-ab12-cdefgh34] }}\n\
                 providers:\n  m: {{ region: us-east-1 }}\n  t:\n    for_each: {{ accounts: prod, regions: [us-east-1] }}\n    \
                 assume_role: \"arn:aws:iam::${{account}}:role/lockward\"\n\
                 {kind}:\n  x:\n    provider: t\n    {block}\n"
            );
            // Refused when the config is loaded (checked with a stand-in account), or else
            // once the set is read.
            let e = crate::config::load_str(&text, std::path::Path::new("lockward.yaml"))
                .map_err(|e| e.to_string())
                .and_then(|c| {
                    c.expand(&read(&[("111111111111", "prod-a")]))
                        .map_err(|e| e.to_string())
                })
                .map(|c| format!("{:?}", c.resources))
                .unwrap_err();
            assert!(e.contains(&format!("cannot be used in `{field}`")), "{kind}: {e}");
        }
        assert!(crate::vocabulary::Kind::ALL
            .iter()
            .all(|k| !k.identity_fields().is_empty()));
    }

    /// A policy file the block does not show is never given an unusable name: loading fails.
    #[test]
    fn a_policy_file_never_receives_an_unusable_account_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("p.json"),
            r#"{"Statement":[{"Sid":"${account_name}"}]}"#,
        )
        .unwrap();
        let text = "version: 1\naccounts:\n  prod:\n    organization: { provider: m, parents: [ou-ab12-cdefgh34] }\n\
                    providers:\n  m: { region: us-east-1 }\n  t:\n    for_each: { accounts: prod, regions: [us-east-1] }\n    \
                    assume_role: \"arn:aws:iam::${account}:role/lockward\"\n\
                    glacier_vault_lock:\n  b:\n    provider: t\n    vault: v\n    state: unlocked\n    policy_file: p.json\n";
        let config = crate::config::load_str(text, &dir.path().join("lockward.yaml")).unwrap();
        let e = config
            .expand(&read(&[("222222222222", "Prod B")]))
            .map(|c| format!("{:?}", c.resources))
            .unwrap_err()
            .to_string();
        assert!(!e.contains("Prod B"), "{e}");
    }
}
