//! Confirmation: nothing is called until the exact plan about to run has been approved.
//!
//! On a terminal, reversible actions need `yes`, and each action that is `delayed`,
//! `irreversible` or lowers protection needs its address typed back (for the instances of one
//! declared resource, its name and how many instances, once). Without a terminal,
//! `--approve DIGEST` approves exactly that plan and `--auto-approve` approves only plans whose
//! ready actions are all reversible and none lowers protection (DESIGN.md section 5 item 3):
//! weakening a lock is the first step of the attack locks exist to stop.

use std::io::{BufRead, Write};

use crate::plan::{Action, Plan, ResourcePlan, Reversibility};
use crate::render::describe::how_many;

/// Why a plan was not approved. Nothing was called.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("apply refused: no terminal to confirm on, and no approval given\nhint: review the plan, then run `lockward apply --approve {short}` (or pass --auto-approve if every action is reversible)")]
    NoApproval { short: String },
    #[error("apply refused: --approve {given} does not match this plan's digest {actual}\nhint: the plan changed since it was reviewed; run `lockward plan`, review it again, and approve its digest")]
    DigestMismatch { given: String, actual: String },
    #[error("apply refused: --approve needs at least the first 12 hex digits of the plan digest (got `{given}`)")]
    DigestTooShort { given: String },
    #[error("apply refused: --auto-approve approves only plans whose actions are all reversible and none lowers protection, and this plan has {count} {what} action(s): {addresses}\nhint: review the plan and run `lockward apply --approve {short}`")]
    NotAllReversible {
        count: usize,
        what: String,
        addresses: String,
        short: String,
    },
    #[error(
        "apply refused: `{typed}` does not confirm {action} on {address}; nothing was changed"
    )]
    Mistyped {
        typed: String,
        action: String,
        address: String,
    },
    #[error("apply refused: the answer was not `yes`; nothing was changed")]
    NotYes,
    #[error("apply refused: could not read the confirmation: {0}")]
    Io(String),
}

/// Something that can approve or refuse a plan before anything is called.
pub trait Confirm {
    fn confirm(&mut self, plan: &Plan) -> Result<(), Refusal>;

    /// Whether the approval was a person's answer to questions that waited: the world may
    /// have changed meanwhile, so apply plans again and goes on only with the digest the
    /// person confirmed (DESIGN.md section 5 item 3). An approval given on the command line
    /// names its digest and is checked against a plan made just before.
    fn waited(&self) -> bool {
        false
    }

    /// How an approval given by [`Confirm::confirm`] was given, for the journal.
    fn approval(&self) -> crate::apply::journal::Approval;
}

/// Approval given on the command line, for runs without a terminal (CI).
#[derive(Clone, Debug, Default)]
pub struct Scripted {
    pub approve: Option<String>,
    pub auto_approve: bool,
}

impl Confirm for Scripted {
    fn approval(&self) -> crate::apply::journal::Approval {
        if self.approve.is_some() {
            crate::apply::journal::Approval::Digest
        } else {
            crate::apply::journal::Approval::Auto
        }
    }

    fn confirm(&mut self, plan: &Plan) -> Result<(), Refusal> {
        if let Some(given) = &self.approve {
            return check_digest(given, plan);
        }
        if self.auto_approve {
            let strong: Vec<_> = plan
                .ready_actions()
                .filter(|(_, a)| a.needs_typed_confirmation())
                .collect();
            if strong.is_empty() {
                return Ok(());
            }
            let has = |f: &dyn Fn(&Action) -> bool| strong.iter().any(|(_, a)| f(a));
            let words: Vec<&str> = [
                (
                    has(&|a| a.reversibility == Reversibility::Irreversible),
                    "irreversible",
                ),
                (
                    has(&|a| a.reversibility == Reversibility::Delayed),
                    "delayed",
                ),
                (has(&|a| a.lowers_protection), "protection-lowering"),
            ]
            .into_iter()
            .filter_map(|(present, word)| present.then_some(word))
            .collect();
            let what = match words.split_last() {
                Some((last, [])) => last.to_string(),
                Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                None => String::new(),
            };
            let addresses: Vec<String> = strong
                .iter()
                .map(|(r, a)| {
                    let lowers = if a.lowers_protection {
                        ", lowers protection"
                    } else {
                        ""
                    };
                    format!("{} ({}{lowers})", r.address, a.action.as_str())
                })
                .collect();
            return Err(Refusal::NotAllReversible {
                count: strong.len(),
                what,
                addresses: addresses.join(", "),
                short: plan.short_digest().to_string(),
            });
        }
        Err(Refusal::NoApproval {
            short: plan.short_digest().to_string(),
        })
    }
}

/// Accepts the full digest (with or without `sha256:`) or a prefix of at least 12 hex digits.
pub fn check_digest(given: &str, plan: &Plan) -> Result<(), Refusal> {
    let given_hex = given
        .trim()
        .strip_prefix("sha256:")
        .unwrap_or(given.trim())
        .to_ascii_lowercase();
    let actual_hex = plan.digest.strip_prefix("sha256:").unwrap_or(&plan.digest);
    if given_hex.len() < 12 || !given_hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Refusal::DigestTooShort {
            given: given.to_string(),
        });
    }
    if actual_hex.starts_with(&given_hex) {
        Ok(())
    } else {
        Err(Refusal::DigestMismatch {
            given: given.to_string(),
            actual: plan.digest.clone(),
        })
    }
}

/// Asks on a terminal: prompts go to `output` (the terminal itself), answers come from `input`.
pub struct Terminal<R, W> {
    pub input: R,
    pub output: W,
    /// Throws away what was typed before a question appeared, so type-ahead (or a paste meant
    /// for something else) never answers it: [`discard_terminal_input`] on a real terminal.
    pub discard_pending: Box<dyn FnMut()>,
}

/// Discards input the terminal `tty` received but nobody has read yet (`tcflush`,
/// `TCIFLUSH`). Best effort: on anything that is not a terminal it fails, which is ignored.
pub fn discard_terminal_input(tty: impl std::os::fd::AsFd) {
    let _ = rustix::termios::tcflush(tty, rustix::termios::QueueSelector::IFlush);
}

impl<R: BufRead, W: Write> Terminal<R, W> {
    fn ask(&mut self, prompt: &str) -> Result<String, Refusal> {
        let prompt = crate::render::escape::text(prompt);
        // What is answered is what was typed after the question was shown. Reading a terminal
        // line by line, `input` holds nothing beyond the last answer, so the terminal's own
        // queue is all there is to discard.
        (self.discard_pending)();
        write!(self.output, "{prompt}").map_err(|e| Refusal::Io(e.to_string()))?;
        self.output
            .flush()
            .map_err(|e| Refusal::Io(e.to_string()))?;
        let mut line = String::new();
        let n = self
            .input
            .read_line(&mut line)
            .map_err(|e| Refusal::Io(e.to_string()))?;
        if n == 0 {
            return Err(Refusal::Io("end of input".to_string()));
        }
        Ok(line.trim().to_string())
    }
}

impl<R: BufRead, W: Write> Confirm for Terminal<R, W> {
    fn approval(&self) -> crate::apply::journal::Approval {
        crate::apply::journal::Approval::Typed
    }

    fn waited(&self) -> bool {
        true
    }

    fn confirm(&mut self, plan: &Plan) -> Result<(), Refusal> {
        let (strong, reversible) = strong_actions(plan);
        let questions = strong.len() + usize::from(reversible > 0);
        let mut asked = 0;
        let mut counter = || {
            asked += 1;
            if questions > 1 {
                format!(" (question {asked} of {questions})")
            } else {
                String::new()
            }
        };
        for (asked, actions) in strong {
            let mut instances: Vec<&ResourcePlan> = actions.iter().map(|(r, _)| *r).collect();
            instances.dedup_by(|a, b| a.address == b.address);
            let is_group = instances.iter().any(|r| r.address.key.is_some());
            // One line per distinct action and class, with how many instances where in a
            // group.
            let mut lines: Vec<(String, Vec<&ResourcePlan>)> = Vec::new();
            for (r, a) in &actions {
                let line = format!("  - {} is {}", a.action.as_str(), class_words(a));
                match lines.iter_mut().find(|(l, _)| *l == line) {
                    Some((_, members)) => members.push(r),
                    None => lines.push((line, vec![r])),
                }
            }
            let lines: Vec<String> = lines
                .into_iter()
                .map(|(line, members)| match is_group {
                    false => line,
                    true => format!("{line} ({})", how_many(&members)),
                })
                .collect();
            let heading = if is_group {
                let keys: Vec<&str> = instances
                    .iter()
                    .filter_map(|r| r.address.key.as_deref())
                    .collect();
                const SHOWN: usize = 10;
                let mut listed = keys
                    .iter()
                    .take(SHOWN)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ");
                if keys.len() > SHOWN {
                    listed.push_str(&format!(", and {} more", keys.len() - SHOWN));
                }
                format!("{}, {} [{listed}]", asked.address, how_many(&instances))
            } else {
                let mut targets: Vec<String> =
                    instances.iter().map(|r| r.target.to_string()).collect();
                targets.dedup();
                format!("{} ({})", asked.address, targets.join("; "))
            };
            let typed_text = asked.to_string();
            let what = if is_group {
                "its name and how many instances"
            } else {
                "the address"
            };
            let typed = self.ask(&format!(
                "\n{heading}{}:\n{}\n  Type {what} `{typed_text}` to confirm: ",
                counter(),
                lines.join("\n")
            ))?;
            if typed != typed_text {
                let mut names: Vec<&str> = actions.iter().map(|(_, a)| a.action.as_str()).collect();
                names.dedup();
                return Err(Refusal::Mistyped {
                    typed,
                    action: names.join(" and "),
                    address: typed_text,
                });
            }
        }
        if reversible > 0 {
            let answer = self.ask(&format!(
                "\nPerform {reversible} reversible action(s) of plan {}?{} Only `yes` is accepted: ",
                plan.short_digest(),
                counter()
            ))?;
            if answer != "yes" {
                return Err(Refusal::NotYes);
            }
        }
        Ok(())
    }
}

/// What a person types to confirm the strong actions of one resource: its address; for the
/// instances of one declared resource, its name and how many of its instances have such an
/// action (`ebs_snapshot_lock.hold 2`), so the count confirmed is the count that runs
/// (DESIGN.md section 5 item 3).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Asked {
    address: String,
    instances: Option<usize>,
}

impl std::fmt::Display for Asked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.instances {
            Some(n) => write!(f, "{} {n}", self.address),
            None => f.write_str(&self.address),
        }
    }
}

/// The actions a person confirms by typing (delayed, irreversible or lowering protection),
/// grouped by what is typed for them: a resource's own address, or for the instances of one
/// declared resource its name and count, once. Also how many reversible actions the plan
/// holds.
type Typed<'p> = Vec<(Asked, Vec<(&'p ResourcePlan, &'p Action)>)>;

fn strong_actions(plan: &Plan) -> (Typed<'_>, usize) {
    let mut reversible = 0;
    let mut strong: Vec<(String, Vec<(&ResourcePlan, &Action)>)> = Vec::new();
    for (resource, action) in plan.ready_actions() {
        if !action.needs_typed_confirmation() {
            reversible += 1;
            continue;
        }
        // A resource's own address; the declared resource's for an instance.
        let asked_for = resource.address.declared().to_string();
        match strong.last_mut() {
            Some((a, actions)) if *a == asked_for => actions.push((resource, action)),
            _ => strong.push((asked_for, vec![(resource, action)])),
        }
    }
    let strong = strong
        .into_iter()
        .map(|(address, actions)| {
            let mut instances: Vec<&str> = actions
                .iter()
                .filter_map(|(r, _)| r.address.key.as_deref())
                .collect();
            instances.dedup();
            let instances = (!instances.is_empty()).then_some(instances.len());
            (Asked { address, instances }, actions)
        })
        .collect();
    (strong, reversible)
}

/// What a person types on a terminal to confirm `plan`, question by question: what each
/// question asks for, then `yes` when there are reversible actions.
pub fn answers_for(plan: &Plan) -> Vec<String> {
    let (strong, reversible) = strong_actions(plan);
    let mut answers: Vec<String> = strong.into_iter().map(|(a, _)| a.to_string()).collect();
    if reversible > 0 {
        answers.push("yes".to_string());
    }
    answers
}

/// What an action's class means, in the words a confirmation shows.
fn class_words(a: &Action) -> String {
    let class = match (a.reversibility, a.permanent_after) {
        (Reversibility::Irreversible, Some(period)) => format!(
            "IRREVERSIBLE: it becomes permanent by itself after {} unless undone",
            period.words()
        ),
        (Reversibility::Irreversible, None) => "IRREVERSIBLE: it can never be undone".to_string(),
        (Reversibility::Delayed, _) => "DELAYED: undoing it takes a waiting period".to_string(),
        (Reversibility::Reversible, _) => "reversible".to_string(),
    };
    let lowers = if a.lowers_protection {
        ", and lowers protection: after it, something is allowed that was refused before"
    } else {
        ""
    };
    format!("{class}{lowers}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::plan::{Action, ActionKind, ResourcePlan, StateRef};
    use crate::vocabulary::Address;

    fn resource(address: &str, actions: Vec<Action>) -> ResourcePlan {
        let address: Address = address.parse().unwrap();
        ResourcePlan {
            key: address.key.clone(),
            kind: address.kind,
            outcome: ResourcePlan::outcome_of(&actions),
            physical_key: format!("{}:123456789012:us-east-1:{}", address.kind, address.name),
            address,
            target: crate::plan::Target::for_tests(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            live: json!({}),
            desired: json!({}),
            recorded: json!({"state": "none"}),
            actions,
            messages: Vec::new(),
            text_diff: None,
            recovery: None,
        }
    }

    fn plan(resources: Vec<ResourcePlan>) -> Plan {
        Plan::new("sha256:config".into(), StateRef::default(), None, resources)
    }

    /// initiate + complete on a vault (reversible, irreversible), a rule lock (delayed), and a
    /// deferred complete_lock elsewhere that must not be asked about.
    fn mixed() -> Plan {
        plan(vec![
            resource(
                "glacier_vault_lock.audit",
                vec![
                    Action::ready(ActionKind::INITIATE_LOCK, "r"),
                    Action::ready(ActionKind::COMPLETE_LOCK, "r"),
                ],
            ),
            resource(
                "glacier_vault_lock.later",
                vec![Action::deferred(ActionKind::COMPLETE_LOCK, None, "waits")],
            ),
            resource(
                "rbin_rule_lock.ebs",
                vec![Action::ready(ActionKind::LOCK_RULE, "r")],
            ),
        ])
    }

    fn reversible_only() -> Plan {
        plan(vec![resource(
            "glacier_vault_lock.staging",
            vec![Action::ready(ActionKind::INITIATE_LOCK, "r")],
        )])
    }

    /// Runs a terminal confirmation with `answers` typed; the result and what was shown.
    fn terminal(plan: &Plan, answers: &str) -> (Result<(), Refusal>, String) {
        let mut output = Vec::new();
        let result = Terminal {
            input: answers.as_bytes(),
            output: &mut output,
            discard_pending: Box::new(|| {}),
        }
        .confirm(plan);
        (result, String::from_utf8(output).unwrap())
    }

    #[test]
    fn terminal_asks_each_delayed_or_irreversible_address_then_yes_for_the_reversible_ones() {
        let (result, shown) = terminal(
            &mixed(),
            "glacier_vault_lock.audit\nrbin_rule_lock.ebs\nyes\n",
        );
        assert_eq!(result, Ok(()));
        assert!(
            shown.contains("glacier_vault_lock.audit (account 123456789012 in us-east-1) (question 1 of 3):\n  - complete_lock is IRREVERSIBLE"),
            "{shown}"
        );
        assert!(
            shown.contains(
                "rbin_rule_lock.ebs (account 123456789012 in us-east-1) (question 2 of 3):\n  - lock_rule is DELAYED"
            ),
            "{shown}"
        );
        assert!(
            shown.contains("Perform 1 reversible action(s) of plan")
                && shown.contains("? (question 3 of 3) Only `yes`"),
            "each question says how many remain: {shown}"
        );
        assert!(
            !shown.contains("glacier_vault_lock.later"),
            "a deferred action is not confirmed now: {shown}"
        );
        assert_eq!(shown.matches("Type the address").count(), 2);
    }

    /// A resource with several delayed or irreversible actions is confirmed once, and the
    /// question names every one of them, with when a grace period ends in permanence.
    #[test]
    fn a_resource_with_several_strong_actions_has_its_address_typed_once_naming_each() {
        let plan = plan(vec![resource(
            "glacier_vault_lock.audit",
            vec![
                Action::ready(ActionKind::LOCK_RULE, "r"),
                Action::ready(ActionKind::COMPLETE_LOCK, "r")
                    .permanent_after(crate::plan::PermanentAfter::days(3).unwrap()),
            ],
        )]);
        let (result, shown) = terminal(&plan, "glacier_vault_lock.audit\n");
        assert_eq!(result, Ok(()));
        assert_eq!(shown.matches("Type the address").count(), 1, "{shown}");
        assert!(shown.contains("  - lock_rule is DELAYED"), "{shown}");
        assert!(
            shown.contains(
                "  - complete_lock is IRREVERSIBLE: it becomes permanent by itself after 3 days"
            ),
            "{shown}"
        );
        let (result, _) = terminal(&plan, "glacier_vault_lock.other\n");
        assert_eq!(
            result,
            Err(Refusal::Mistyped {
                typed: "glacier_vault_lock.other".into(),
                action: "lock_rule and complete_lock".into(),
                address: "glacier_vault_lock.audit".into(),
            })
        );
    }

    #[test]
    fn the_instances_of_one_resource_are_one_question_with_their_count() {
        let irreversible = || {
            Action::ready(ActionKind::COMPLETE_LOCK, "r")
                .permanent_after(crate::plan::PermanentAfter::hours(24).unwrap())
        };
        let plan = plan(vec![
            resource(
                "glacier_vault_lock.hold[snap-0aaaaaaaaaaaaaaa1]",
                vec![irreversible()],
            ),
            resource(
                "glacier_vault_lock.hold[snap-0aaaaaaaaaaaaaaa2]",
                vec![irreversible()],
            ),
            resource(
                "glacier_vault_lock.hold[snap-0aaaaaaaaaaaaaaa3]",
                vec![irreversible()],
            ),
            resource("glacier_vault_lock.other", vec![irreversible()]),
        ]);
        let (result, shown) = terminal(
            &plan,
            "glacier_vault_lock.hold 3\nglacier_vault_lock.other\n",
        );
        assert_eq!(result, Ok(()), "{shown}");
        assert_eq!(shown.matches("Type the address").count(), 1, "{shown}");
        assert!(
            shown.contains(
                "Type its name and how many instances `glacier_vault_lock.hold 3` to confirm"
            ),
            "{shown}"
        );
        assert!(shown.contains("glacier_vault_lock.hold, 3 instances in account 123456789012 in us-east-1 [snap-0aaaaaaaaaaaaaaa1, snap-0aaaaaaaaaaaaaaa2, snap-0aaaaaaaaaaaaaaa3]"), "{shown}");
        assert!(
            shown.contains("permanent by itself after 24 hours unless undone (3 instances in account 123456789012 in us-east-1)"),
            "{shown}"
        );
        // An instance's own address, or the name alone, or another count, does not confirm
        // the group.
        for typed in [
            "glacier_vault_lock.hold[snap-0aaaaaaaaaaaaaaa1]\n",
            "glacier_vault_lock.hold\n",
            "glacier_vault_lock.hold 2\n",
        ] {
            let (result, _) = terminal(&plan, typed);
            assert!(
                matches!(result, Err(Refusal::Mistyped { .. })),
                "{typed}: {result:?}"
            );
        }
        assert_eq!(
            answers_for(&plan),
            ["glacier_vault_lock.hold 3", "glacier_vault_lock.other"]
        );
    }

    /// 300 instances of one declared resource in 100 accounts × 3 regions, one of which gets
    /// a different action: one question, typed with the count of instances that have an
    /// action to confirm, each action's line saying how many instances where.
    #[test]
    fn the_instances_of_one_resource_in_many_accounts_are_one_question_with_where_they_are() {
        let mut resources = Vec::new();
        for account in 0..100 {
            for region in ["us-east-1", "eu-west-1", "ap-south-1"] {
                let account = format!("{:012}", 100_000_000_000u64 + account);
                let action = if account.ends_with("07") && region == "eu-west-1" {
                    Action::ready(ActionKind::DELETE_VAULT_LOCK, "r").lowering_protection(true)
                } else {
                    Action::ready(ActionKind::PUT_VAULT_LOCK, "r")
                        .permanent_after(crate::plan::PermanentAfter::days(3).unwrap())
                };
                let mut r = resource(
                    &format!("backup_vault_lock.prod[{account}/{region}]"),
                    vec![action],
                );
                r.account = account.clone();
                r.region = region.to_string();
                r.target.account = account;
                r.target.region = region.to_string();
                resources.push(r);
            }
        }
        let plan = plan(resources);
        let (result, shown) = terminal(&plan, "backup_vault_lock.prod 300\n");
        assert_eq!(result, Ok(()), "{shown}");
        assert_eq!(shown.matches("to confirm").count(), 1, "{shown}");
        assert!(
            shown.contains("backup_vault_lock.prod, 300 instances in 100 accounts × 3 regions ["),
            "{shown}"
        );
        assert!(shown.contains(", and 290 more]"), "{shown}");
        assert!(
            shown.contains("  - put_vault_lock is IRREVERSIBLE: it becomes permanent by itself after 3 days unless undone (299 instances in 100 accounts, 3 regions (299 of the 300 pairs))"),
            "{shown}"
        );
        assert!(
            shown.contains("  - delete_vault_lock is reversible, and lowers protection: after it, something is allowed that was refused before (1 instance in account 100000000007 in eu-west-1)"),
            "{shown}"
        );
        assert_eq!(answers_for(&plan), ["backup_vault_lock.prod 300"]);
    }

    #[test]
    fn terminal_refuses_a_mistyped_address_and_asks_nothing_more() {
        let (result, shown) = terminal(
            &mixed(),
            "glacier_vault_lock.aud1t\nrbin_rule_lock.ebs\nyes\n",
        );
        assert_eq!(
            result,
            Err(Refusal::Mistyped {
                typed: "glacier_vault_lock.aud1t".into(),
                action: "complete_lock".into(),
                address: "glacier_vault_lock.audit".into(),
            })
        );
        assert!(!shown.contains("rbin_rule_lock.ebs"), "{shown}");
        // `yes` is not an address.
        let (result, _) = terminal(&mixed(), "yes\n");
        assert!(matches!(result, Err(Refusal::Mistyped { .. })));
    }

    #[test]
    fn terminal_needs_exactly_yes_for_reversible_actions() {
        assert_eq!(terminal(&reversible_only(), "yes\n").0, Ok(()));
        assert_eq!(terminal(&reversible_only(), "  yes  \n").0, Ok(()));
        for answer in ["y\n", "YES\n", "glacier_vault_lock.staging\n", "\n"] {
            assert_eq!(
                terminal(&reversible_only(), answer).0,
                Err(Refusal::NotYes),
                "{answer:?}"
            );
        }
        // The address typed for the strong actions does not stand in for the final `yes`.
        let (result, _) = terminal(
            &mixed(),
            "glacier_vault_lock.audit\nrbin_rule_lock.ebs\nno\n",
        );
        assert_eq!(result, Err(Refusal::NotYes));
    }

    #[test]
    fn terminal_refuses_when_input_ends() {
        let (result, _) = terminal(&mixed(), "glacier_vault_lock.audit\n");
        assert!(matches!(result, Err(Refusal::Io(_))), "{result:?}");
    }

    #[test]
    fn scripted_accepts_the_full_digest_with_or_without_prefix_and_a_12_hex_prefix() {
        let plan = mixed();
        let hex = plan.digest.strip_prefix("sha256:").unwrap().to_string();
        for given in [
            plan.digest.clone(),
            hex.clone(),
            hex.to_uppercase(),
            hex[..12].to_string(),
            format!("sha256:{}", &hex[..12]),
        ] {
            let mut scripted = Scripted {
                approve: Some(given.clone()),
                auto_approve: false,
            };
            assert_eq!(scripted.confirm(&plan), Ok(()), "{given}");
        }
    }

    #[test]
    fn scripted_refuses_a_short_or_mismatched_digest() {
        let plan = mixed();
        let hex = plan.digest.strip_prefix("sha256:").unwrap().to_string();
        for short in [&hex[..11], "", "sha256:"] {
            let mut scripted = Scripted {
                approve: Some(short.to_string()),
                auto_approve: false,
            };
            assert_eq!(
                scripted.confirm(&plan),
                Err(Refusal::DigestTooShort {
                    given: short.to_string()
                })
            );
        }
        // Not hex at all: refused, never taken for a prefix.
        let mut scripted = Scripted {
            approve: Some("zzzzzzzzzzzz".into()),
            auto_approve: false,
        };
        assert!(matches!(
            scripted.confirm(&plan),
            Err(Refusal::DigestTooShort { .. })
        ));
        // Another plan's digest, full or prefix.
        let other = reversible_only();
        let other_hex = other.digest.strip_prefix("sha256:").unwrap();
        assert_ne!(other_hex[..12], hex[..12]);
        for given in [other.digest.clone(), other_hex[..12].to_string()] {
            let mut scripted = Scripted {
                approve: Some(given.clone()),
                auto_approve: false,
            };
            assert_eq!(
                scripted.confirm(&plan),
                Err(Refusal::DigestMismatch {
                    given,
                    actual: plan.digest.clone()
                })
            );
        }
        // A full digest with one more digit is not this plan's.
        let mut scripted = Scripted {
            approve: Some(format!("{hex}0")),
            auto_approve: false,
        };
        assert!(matches!(
            scripted.confirm(&plan),
            Err(Refusal::DigestMismatch { .. })
        ));
    }

    #[test]
    fn scripted_auto_approve_only_approves_all_reversible_plans() {
        let auto = || Scripted {
            approve: None,
            auto_approve: true,
        };
        assert_eq!(auto().confirm(&reversible_only()), Ok(()));
        let err = auto().confirm(&mixed()).unwrap_err();
        assert_eq!(
            err,
            Refusal::NotAllReversible {
                count: 2,
                what: "irreversible or delayed".into(),
                addresses:
                    "glacier_vault_lock.audit (complete_lock), rbin_rule_lock.ebs (lock_rule)"
                        .into(),
                short: mixed().short_digest().to_string(),
            }
        );
        // A deferred irreversible action is not run now, so it does not stand in the way.
        let deferred = plan(vec![resource(
            "glacier_vault_lock.audit",
            vec![
                Action::ready(ActionKind::INITIATE_LOCK, "r"),
                Action::deferred(ActionKind::COMPLETE_LOCK, None, "waits"),
            ],
        )]);
        assert_eq!(auto().confirm(&deferred), Ok(()));
        let retrieve = plan(vec![resource(
            "snowball_unlock_code.site_a",
            vec![Action::ready(ActionKind::RETRIEVE_UNLOCK_CODE, "r")],
        )]);
        assert!(
            matches!(auto().confirm(&retrieve), Err(Refusal::NotAllReversible { ref what, .. }) if what == "irreversible")
        );
    }

    /// A reversible action that lowers protection (a Backup lock deleted, an S3 default
    /// removed, a Glacier lock aborted) is never auto-approved, alone or beside others.
    fn lowering() -> Plan {
        plan(vec![
            resource(
                "backup_vault_lock.prod",
                vec![Action::ready(ActionKind::DELETE_VAULT_LOCK, "r").lowering_protection(true)],
            ),
            resource(
                "glacier_vault_lock.staging",
                vec![Action::ready(ActionKind::INITIATE_LOCK, "r")],
            ),
        ])
    }

    #[test]
    fn scripted_auto_approve_never_approves_an_action_that_lowers_protection() {
        let mut auto = Scripted {
            approve: None,
            auto_approve: true,
        };
        let err = auto.confirm(&lowering()).unwrap_err();
        assert_eq!(
            err,
            Refusal::NotAllReversible {
                count: 1,
                what: "protection-lowering".into(),
                addresses: "backup_vault_lock.prod (delete_vault_lock, lowers protection)".into(),
                short: lowering().short_digest().to_string(),
            }
        );
        assert!(err.to_string().contains("none lowers protection"), "{err}");
        // Beside irreversible and delayed ones, every word is named.
        let mut resources = mixed().resources;
        resources.extend(lowering().resources);
        let all = plan(resources);
        assert!(matches!(
            auto.confirm(&all),
            Err(Refusal::NotAllReversible { ref what, count: 3, .. })
                if what == "irreversible, delayed or protection-lowering"
        ));
        // A deferred lowering action does not run now.
        let deferred = plan(vec![resource(
            "backup_vault_lock.prod",
            vec![
                Action::deferred(ActionKind::DELETE_VAULT_LOCK, None, "waits")
                    .lowering_protection(true),
            ],
        )]);
        assert_eq!(auto.confirm(&deferred), Ok(()));
        // The digest approves it.
        let hex = lowering().digest;
        let mut approve = Scripted {
            approve: Some(hex),
            auto_approve: false,
        };
        assert_eq!(approve.confirm(&lowering()), Ok(()));
    }

    #[test]
    fn terminal_asks_the_address_of_an_action_that_lowers_protection() {
        let (result, shown) = terminal(&lowering(), "backup_vault_lock.prod\nyes\n");
        assert_eq!(result, Ok(()));
        assert!(
            shown.contains("  - delete_vault_lock is reversible, and lowers protection"),
            "{shown}"
        );
        assert!(shown.contains("Perform 1 reversible action(s)"), "{shown}");
        // `yes` alone does not do.
        let (result, _) = terminal(&lowering(), "yes\nyes\n");
        assert!(
            matches!(result, Err(Refusal::Mistyped { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn scripted_without_approval_is_refused_naming_the_digest() {
        let plan = mixed();
        let err = Scripted::default().confirm(&plan).unwrap_err();
        assert_eq!(
            err,
            Refusal::NoApproval {
                short: plan.short_digest().to_string()
            }
        );
        assert!(err
            .to_string()
            .contains(&format!("--approve {}", plan.short_digest())));
    }
}
