//! Words shared by the human and Markdown renderers: what a live or desired value says, put
//! into a short phrase, and what each action's reversibility means. Nothing here decides:
//! every phrase restates a field of the plan.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use crate::plan::{Action, ActionStatus, Outcome, Plan, ResourcePlan, Reversibility, Summary};
use crate::vocabulary::{Address, Kind};
pub(crate) use crate::words::{when, Phrase, Piece, ResourceWords};

/// Describes a resource's live and desired values. A value of a shape this build does not
/// know is shown as its compact JSON, so nothing is ever hidden.
pub(crate) fn describe(r: &ResourcePlan) -> ResourceWords {
    let words = r.kind.describe(r);
    words.unwrap_or_else(|| ResourceWords {
        subject: Phrase::default(),
        live: Phrase::default().value(compact(&r.live)),
        desired: Phrase::default().value(compact(&r.desired)),
        in_full: None,
        diff_of: None,
    })
}

fn compact(v: &Value) -> String {
    crate::digest::canonical_json(v)
}

/// "This plan is valid until …": the earliest moment the mere passage of time changes one of
/// its decisions, in whole seconds (the exact value is in the JSON). `None` when no decision
/// waits on time.
pub(crate) fn valid_until_sentence(plan: &Plan) -> Option<String> {
    plan.valid_until.map(|t| {
        format!(
            "This plan is valid until {}: then time alone changes a decision, and apply refuses it; plan again after that.",
            when(t)
        )
    })
}

/// For a plan with an irreversible action ready against a local state file: what "at most
/// once per approval" rests on (DESIGN.md section 5.8).
pub(crate) fn state_store_sentence(plan: &Plan) -> Option<String> {
    match &plan.state_store {
        Some(crate::plan::StateStoreRef::Local { path, .. }) if plan.summary.irreversible > 0 => {
            Some(format!(
                "The state is the local file {path}: that an irreversible action runs at most once per approval holds per copy of this file. Runs that do not share it (other machines, other checkouts) must be serialised, or keep the state in S3 (`backend: s3`)."
            ))
        }
        _ => None,
    }
}

/// How every human and Markdown form marks an action that lowers protection (DESIGN.md
/// section 1).
pub(crate) const LOWERS_PROTECTION: &str = "lowers protection";

/// What a plan read back from a file says about its words: made again as of one clock reading
/// from the digested values, and when the file says it was planned (which the digest does not
/// cover); and, when a decision no longer holds, that apply refuses it.
pub(crate) fn sealed_sentences(sealed: &super::Sealed) -> Vec<String> {
    let mut out = vec![format!(
        "Words made again from the plan's digested values as of {}; planned at {} (not covered by the digest).",
        when(sealed.as_of),
        when(sealed.planned_at)
    )];
    if !sealed.holds {
        out.push(format!(
            "As of {}, this plan no longer holds: a decision changed since it was made (see the warnings), and apply refuses it; plan again.",
            when(sealed.as_of)
        ));
    }
    out
}

/// The reversibility class as a reviewer reads it; only the irreversible class shouts, so the
/// text reads correctly without colour.
pub(crate) fn reversibility_word(r: Reversibility) -> &'static str {
    match r {
        Reversibility::Reversible => "reversible",
        Reversibility::Delayed => "delayed",
        Reversibility::Irreversible => "IRREVERSIBLE",
    }
}

pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `3 changes (1 irreversible, 1 delayed), 2 unchanged, 1 blocked, 0 conflicts`, without the
/// `Plan: ` prefix and the final period.
///
/// Ready actions that lower protection are counted inside the parentheses when there are any:
/// `1 change (0 irreversible, 0 delayed, 1 lowers protection)`.
pub(crate) fn summary_counts(s: &Summary) -> String {
    let lowering = match s.lowers_protection {
        0 => String::new(),
        1 => format!(", 1 {LOWERS_PROTECTION}"),
        n => format!(", {n} lower protection"),
    };
    let unknown = match s.unknown {
        0 => String::new(),
        n => format!(", {n} unknown"),
    };
    format!(
        "{} ({} irreversible, {} delayed{lowering}), {} unchanged, {} blocked, {}{unknown}",
        count(s.change, "change", "changes"),
        s.irreversible,
        s.delayed,
        s.noop,
        s.blocked,
        count(s.conflict, "conflict", "conflicts"),
    )
}

/// How a plan ends, for people: what they can do with it next.
pub(crate) enum Ending {
    /// At least one conflict, or a resource whose live state could not be read: the plan
    /// cannot be applied. The counts of each.
    Conflicts(usize, usize),
    /// Every resource matches its configuration.
    NoChanges,
    /// Nothing can run now; `usize` resources wait.
    OnlyBlocked(usize),
    /// Ready actions to approve.
    Apply,
}

pub(crate) fn ending(plan: &Plan) -> Ending {
    if !plan.is_applicable() {
        Ending::Conflicts(plan.summary.conflict, plan.summary.unknown)
    } else if plan.has_changes() {
        Ending::Apply
    } else if plan.summary.blocked > 0 {
        Ending::OnlyBlocked(plan.summary.blocked)
    } else {
        Ending::NoChanges
    }
}

pub(crate) const NO_CHANGES: &str = "No changes. Live lock state matches the configuration.";

pub(crate) fn conflicts_sentence(conflicts: usize, unknown: usize) -> String {
    let unread = match unknown {
        0 => String::new(),
        n => format!(
            "the live state of {} could not be read: plan again when AWS answers, or leave {} out with --exclude",
            count(n, "resource", "resources"),
            if n == 1 { "it" } else { "them" }
        ),
    };
    match (conflicts, unread.is_empty()) {
        (n, true) => format!(
            "This plan cannot be applied: {} must be resolved first.",
            count(n, "conflict", "conflicts")
        ),
        (0, false) => format!("This plan cannot be applied: {unread}."),
        (n, false) => format!(
            "This plan cannot be applied: {} must be resolved first, and {unread}.",
            count(n, "conflict", "conflicts")
        ),
    }
}

pub(crate) fn only_blocked_sentence(n: usize) -> String {
    let resources = count(n, "resource waits", "resources wait");
    format!("Nothing can be applied now: {resources} on time or on the outside world. Plan again later.")
}

// ---- plans at scale (DESIGN.md section 4) ---------------------------------------------------

/// The resources of one account and region, in address order, with their counts.
pub(crate) struct Area<'p> {
    pub account: &'p str,
    pub region: &'p str,
    pub resources: Vec<&'p ResourcePlan>,
    /// Counted as the plan's own summary is.
    pub summary: Summary,
}

impl Area<'_> {
    /// `account 111111111111 in us-east-1: 2 resources, 1 change (1 irreversible, 0 delayed),
    /// 1 unchanged, 0 blocked, 0 conflicts`.
    pub(crate) fn count_line(&self) -> String {
        format!(
            "{}: {}, {}",
            area_name(self.account, self.region),
            count(self.resources.len(), "resource", "resources"),
            summary_counts(&self.summary)
        )
    }
}

fn area_name(account: &str, region: &str) -> String {
    format!("{} in {region}", account_name(account))
}

fn account_name(account: &str) -> String {
    match account {
        "" => "an account STS did not name".to_string(),
        account => format!("account {account}"),
    }
}

/// The plan's resources grouped by account and region, sorted by both; each group in address
/// order.
pub(crate) fn areas(plan: &Plan) -> Vec<Area<'_>> {
    let mut by: BTreeMap<(&str, &str), Vec<&ResourcePlan>> = BTreeMap::new();
    for r in &plan.resources {
        by.entry((r.account.as_str(), r.region.as_str()))
            .or_default()
            .push(r);
    }
    by.into_iter()
        .map(|((account, region), resources)| Area {
            account,
            region,
            summary: summarize(&resources),
            resources,
        })
        .collect()
}

/// What [`Plan::new`] counts, for some of its resources.
fn summarize(resources: &[&ResourcePlan]) -> Summary {
    let mut s = Summary::default();
    for r in resources {
        match r.outcome {
            Outcome::Noop => s.noop += 1,
            Outcome::Change => s.change += 1,
            Outcome::Blocked => s.blocked += 1,
            Outcome::Conflict => s.conflict += 1,
            Outcome::Unknown => s.unknown += 1,
        }
        for a in r.actions.iter().filter(|a| a.status == ActionStatus::Ready) {
            match a.reversibility {
                Reversibility::Irreversible => s.irreversible += 1,
                Reversibility::Delayed => s.delayed += 1,
                Reversibility::Reversible => {}
            }
            s.lowers_protection += usize::from(a.lowers_protection);
        }
    }
    s
}

/// One action planned identically on one or more resources: the same kind, action, class,
/// `lowers_protection`, status, `not_before` and `permanent_after`, the same desired value
/// and the same live value once each resource's own instance key, account and region are set
/// aside ([`canonical`]). (DESIGN.md section 4 groups on the live fields the action changes;
/// this groups on the whole live value, so it only ever splits more, never merges what
/// differs.)
pub(crate) struct ActionGroup<'p> {
    pub kind: Kind,
    /// The action as its first member plans it.
    pub action: &'p Action,
    /// In address order; at least one.
    pub members: Vec<&'p ResourcePlan>,
    /// Each member's own action, in the order of `members`.
    pub actions: Vec<&'p Action>,
}

impl ActionGroup<'_> {
    /// `300 instances in 100 accounts × 3 regions`.
    pub(crate) fn how_many(&self) -> String {
        how_many(&self.members)
    }
}

/// Every action of the plan, each in exactly one group, the groups in the order of their first
/// member's address and action.
pub(crate) fn action_groups(plan: &Plan) -> Vec<ActionGroup<'_>> {
    let mut groups: Vec<ActionGroup<'_>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for r in &plan.resources {
        // An instance found under another (a snapshot under a template's instance) names
        // itself by its key's last segment: set aside too, so that the same intent groups.
        let found_as = |text: String| match r.key.as_deref().and_then(|k| k.rsplit_once('/')) {
            Some((_, id)) if id != r.region && id != r.account && !text.contains("${found}") => {
                text.replace(id, "${found}")
            }
            _ => text,
        };
        let desired = found_as(identity(&crate::digest::canonical_json(&r.desired), r));
        let live = found_as(identity(&crate::digest::canonical_json(&r.live), r));
        for a in &r.actions {
            let key = format!(
                "{}\n{}\n{}\n{}\n{}\n{:?}\n{:?}\n{desired}\n{live}",
                r.kind,
                a.action.as_str(),
                a.reversibility.as_str(),
                a.lowers_protection,
                a.status.as_str(),
                a.not_before,
                a.permanent_after,
            );
            match index.get(&key) {
                Some(&i) => {
                    groups[i].members.push(r);
                    groups[i].actions.push(a);
                }
                None => {
                    index.insert(key, groups.len());
                    groups.push(ActionGroup {
                        kind: r.kind,
                        action: a,
                        members: vec![r],
                        actions: vec![a],
                    });
                }
            }
        }
    }
    groups
}

/// `text` (a desired or live value's canonical JSON, a policy) with the resource's own
/// instance key, account and region written `${key}`, `${account}` and `${region}`, so the
/// same intent stated for many accounts and regions reads the same. A text without `$` comes
/// back exactly by putting them back; a text with a `$` is left as it is (a literal
/// `${account}` could otherwise read as a name), and [`identity`] keeps the two apart.
pub(crate) fn canonical<'t>(text: &'t str, r: &ResourcePlan) -> Cow<'t, str> {
    if text.contains('$') {
        return Cow::Borrowed(text);
    }
    let own = [r.key.as_deref().unwrap_or(""), &r.account, &r.region];
    let mut out = Cow::Borrowed(text);
    for (value, name) in own.into_iter().zip(["${key}", "${account}", "${region}"]) {
        if !value.is_empty() && out.contains(value) {
            out = Cow::Owned(out.replace(value, name));
        }
    }
    out
}

/// What makes two resources' texts the same intent: equal [`canonical`] forms, both written
/// with names or both left as they are.
pub(crate) fn identity(text: &str, r: &ResourcePlan) -> String {
    let how = if text.contains('$') { "as is" } else { "named" };
    format!("{how}\n{}", canonical(text, r))
}

/// The names [`canonical`] wrote into `text`, in the order `${key}`, `${account}`,
/// `${region}`; empty when it wrote none (compare the text with the original).
pub(crate) fn names_in(text: &str) -> Vec<&'static str> {
    ["${key}", "${account}", "${region}"]
        .into_iter()
        .filter(|n| text.contains(n))
        .collect()
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `300 instances in 100 accounts × 3 regions`, `1 resource in account 123456789012 in
/// us-east-1`: how many resources, and where. `×` only when every account has every region.
pub(crate) fn how_many(members: &[&ResourcePlan]) -> String {
    let noun = if members.iter().all(|r| r.address.key.is_some()) {
        ("instance", "instances")
    } else {
        ("resource", "resources")
    };
    format!(
        "{} {}",
        count(members.len(), noun.0, noun.1),
        where_they_are(members)
    )
}

/// `in 100 accounts × 3 regions`, `in account 123456789012 in us-east-1`, `in 3 accounts, 2
/// regions (5 of the 6 pairs)`.
pub(crate) fn where_they_are(members: &[&ResourcePlan]) -> String {
    let accounts: BTreeSet<&str> = members.iter().map(|r| r.account.as_str()).collect();
    let regions: BTreeSet<&str> = members.iter().map(|r| r.region.as_str()).collect();
    let pairs: BTreeSet<(&str, &str)> = members
        .iter()
        .map(|r| (r.account.as_str(), r.region.as_str()))
        .collect();
    let (Some(account), Some(region)) = (accounts.first(), regions.first()) else {
        return String::new();
    };
    if pairs.len() == 1 {
        return format!("in {}", area_name(account, region));
    }
    let accounts_words = match accounts.len() {
        1 => account_name(account),
        n => format!("{n} accounts"),
    };
    let regions_words = match regions.len() {
        1 => region.to_string(),
        n => format!("{n} regions"),
    };
    let all = accounts.len() * regions.len();
    if pairs.len() == all {
        format!("in {accounts_words} × {regions_words}")
    } else {
        format!(
            "in {accounts_words}, {regions_words} ({} of the {all} pairs)",
            pairs.len()
        )
    }
}

/// How the members of a group are named: one address each, except a declared resource whose
/// every instance in the plan is a member (and there are two or more), named once as
/// `<kind>.<name>[*]` with where its instances are.
pub(crate) struct Named {
    pub address: String,
    /// For `[*]`: `in 100 accounts × 3 regions` (its instances).
    pub spread: Option<String>,
}

/// How many instances each declared resource has in a plan, for [`named`].
pub(crate) struct InstanceCounts(HashMap<Address, usize>);

impl InstanceCounts {
    pub(crate) fn of(plan: &Plan) -> InstanceCounts {
        let mut counts: HashMap<Address, usize> = HashMap::new();
        for r in plan.resources.iter().filter(|r| r.address.key.is_some()) {
            *counts.entry(r.address.declared()).or_default() += 1;
        }
        InstanceCounts(counts)
    }
}

pub(crate) fn named(members: &[&ResourcePlan], in_plan: &InstanceCounts) -> Vec<Named> {
    let in_plan = &in_plan.0;
    let mut of: BTreeMap<Address, Vec<&ResourcePlan>> = BTreeMap::new();
    for r in members.iter().filter(|r| r.address.key.is_some()) {
        of.entry(r.address.declared()).or_default().push(r);
    }
    let mut out = Vec::new();
    let mut done: BTreeSet<Address> = BTreeSet::new();
    for r in members {
        let declared = r.address.declared();
        if done.contains(&declared) {
            continue;
        }
        let instances = of.get(&declared).map(Vec::as_slice).unwrap_or_default();
        let distinct: BTreeSet<&Address> = instances.iter().map(|r| &r.address).collect();
        let every = r.address.key.is_some()
            && distinct.len() >= 2
            && in_plan.get(&declared) == Some(&instances.len());
        if every {
            done.insert(declared.clone());
            out.push(Named {
                address: format!("{declared}[*]"),
                spread: Some(where_they_are(instances)),
            });
        } else {
            out.push(Named {
                address: r.address.to_string(),
                spread: None,
            });
        }
    }
    out
}

/// A text that actions set (a vault lock policy), with the resources that receive it: one per
/// distinct text once each resource's own key, account and region are set aside.
pub(crate) struct SetText<'p> {
    /// What the text is, and the text ([`canonical`]).
    pub in_full: crate::words::InFull,
    /// Whether the text holds `${key}`, `${account}` or `${region}` standing for each
    /// resource's own.
    pub has_names: bool,
    /// `sha256:…` of the text as shown.
    pub sha256: String,
    pub members: Vec<&'p ResourcePlan>,
}

/// Every distinct text the plan's actions set, in the order of their first resource.
pub(crate) fn texts_set(plan: &Plan) -> Vec<SetText<'_>> {
    let mut out: Vec<SetText<'_>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for r in plan.resources.iter().filter(|r| !r.actions.is_empty()) {
        let Some(mut in_full) = describe(r).in_full else {
            continue;
        };
        let text = canonical(&in_full.text, r).into_owned();
        let has_names = text != in_full.text;
        let sha256 = crate::digest::sha256(text.as_bytes());
        match index.get(&identity(&in_full.text, r)) {
            Some(&i) => out[i].members.push(r),
            None => {
                index.insert(identity(&in_full.text, r), out.len());
                in_full.text = text;
                out.push(SetText {
                    in_full,
                    has_names,
                    sha256,
                    members: vec![r],
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, ActionKind, StateRef, Target};

    fn instance(account: &str, region: &str, policy: &str) -> ResourcePlan {
        let address: Address = format!("glacier_vault_lock.archive[{account}/{region}]")
            .parse()
            .unwrap();
        ResourcePlan {
            key: address.key.clone(),
            kind: address.kind,
            physical_key: format!("glacier_vault_lock:{account}:{region}:archive"),
            address,
            outcome: Outcome::Change,
            target: Target {
                account: account.into(),
                region: region.into(),
                endpoint: None,
                identity_endpoint: None,
            },
            account: account.into(),
            region: region.into(),
            live: serde_json::json!({"state": "none"}),
            desired: serde_json::json!({"vault": "archive", "policy": policy}),
            recorded: serde_json::json!({"state": "none"}),
            actions: vec![Action::ready(ActionKind::COMPLETE_LOCK, "r")],
            messages: Vec::new(),
            text_diff: None,
            recovery: None,
        }
    }

    #[test]
    fn an_instance_s_own_account_and_region_read_as_names_and_nothing_else_does() {
        let a = instance("111111111111", "us-east-1", "arn:us-east-1:111111111111:x");
        assert_eq!(
            canonical("arn:us-east-1:111111111111:x", &a),
            "arn:${region}:${account}:x"
        );
        // Another account's id stays what it is.
        assert_eq!(
            canonical("arn:us-east-1:222222222222:x", &a),
            "arn:${region}:222222222222:x"
        );
        // A text that holds a `$` is left as it is, and never taken for one written with
        // names: else a literal `${account}` (or `$` before an instance's own account) and an
        // instance's own account would read the same.
        let literal = "arn:${region}:${account}:x";
        let b = instance("222222222222", "eu-west-1", literal);
        assert_eq!(canonical(literal, &b), literal);
        let dollar = instance("333333333333", "us-east-1", "$333333333333");
        let named = instance("444444444444", "us-east-1", "$${account}");
        assert_ne!(
            identity("$333333333333", &dollar),
            identity("$${account}", &named)
        );
        let plan = Plan::new(
            "sha256:c".into(),
            StateRef::default(),
            None,
            vec![a, b, dollar, named],
        );
        let groups = action_groups(&plan);
        assert_eq!(groups.len(), 4, "a literal name is not the template");
        // An account STS did not name is never a name.
        let mut c = instance("", "us-east-1", "x");
        c.key = None;
        assert_eq!(canonical("x", &c), "x");
    }

    #[test]
    fn where_they_are_says_times_only_for_every_pair() {
        let all: Vec<ResourcePlan> = ["111111111111", "222222222222"]
            .iter()
            .flat_map(|a| ["us-east-1", "eu-west-1"].map(|r| instance(a, r, "p")))
            .collect();
        let refs: Vec<&ResourcePlan> = all.iter().collect();
        assert_eq!(how_many(&refs), "4 instances in 2 accounts × 2 regions");
        assert_eq!(
            how_many(&refs[..3]),
            "3 instances in 2 accounts, 2 regions (3 of the 4 pairs)"
        );
        assert_eq!(
            how_many(&refs[..1]),
            "1 instance in account 111111111111 in us-east-1"
        );
        let plan = Plan::new("sha256:c".into(), StateRef::default(), None, all.clone());
        let counts = InstanceCounts::of(&plan);
        let names = named(&refs[..3], &counts);
        assert_eq!(names.len(), 3, "not every instance: each named");
        let names = named(&refs, &counts);
        assert_eq!(names.len(), 1);
        assert_eq!(names[0].address, "glacier_vault_lock.archive[*]");
        assert_eq!(
            names[0].spread.as_deref(),
            Some("in 2 accounts × 2 regions")
        );
    }
}
