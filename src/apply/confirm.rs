//! Confirmation: nothing is called until the exact plan about to run has been approved.
//!
//! On a terminal, reversible actions need `yes`, and each `delayed` or `irreversible` action
//! needs its address typed back. Without a terminal, `--approve DIGEST` approves exactly that
//! plan and `--auto-approve` approves only plans whose actions are all reversible.

use std::io::{BufRead, Write};

use crate::plan::{Plan, Reversibility};

/// Why a plan was not approved. Nothing was called.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("apply refused: no terminal to confirm on, and no approval given\nhint: review the plan, then run `lockward apply --approve {short}` (or pass --auto-approve if every action is reversible)")]
    NoApproval { short: String },
    #[error("apply refused: --approve {given} does not match this plan's digest {actual}\nhint: the plan changed since it was reviewed; run `lockward plan`, review it again, and approve its digest")]
    DigestMismatch { given: String, actual: String },
    #[error("apply refused: --approve needs at least the first 12 hex digits of the plan digest (got `{given}`)")]
    DigestTooShort { given: String },
    #[error("apply refused: --auto-approve approves only plans whose actions are all reversible, and this plan has {count} {what} action(s): {addresses}\nhint: review the plan and run `lockward apply --approve {short}`")]
    NotAllReversible { count: usize, what: String, addresses: String, short: String },
    #[error("apply refused: `{typed}` does not confirm {action} on {address}; nothing was changed")]
    Mistyped { typed: String, action: String, address: String },
    #[error("apply refused: the answer was not `yes`; nothing was changed")]
    NotYes,
    #[error("apply refused: could not read the confirmation: {0}")]
    Io(String),
}

/// Something that can approve or refuse a plan before anything is called.
pub trait Confirm {
    fn confirm(&mut self, plan: &Plan) -> Result<(), Refusal>;
}

/// Approval given on the command line, for runs without a terminal (CI).
#[derive(Clone, Debug, Default)]
pub struct Scripted {
    pub approve: Option<String>,
    pub auto_approve: bool,
}

impl Confirm for Scripted {
    fn confirm(&mut self, plan: &Plan) -> Result<(), Refusal> {
        if let Some(given) = &self.approve {
            return check_digest(given, plan);
        }
        if self.auto_approve {
            let strong: Vec<_> = plan.ready_actions().filter(|(_, a)| a.reversibility != Reversibility::Reversible).collect();
            if strong.is_empty() {
                return Ok(());
            }
            let irreversible = strong.iter().filter(|(_, a)| a.reversibility == Reversibility::Irreversible).count();
            let what = match (irreversible, strong.len() - irreversible) {
                (0, _) => "delayed",
                (_, 0) => "irreversible",
                _ => "irreversible or delayed",
            };
            let addresses: Vec<String> = strong.iter().map(|(r, a)| format!("{} ({})", r.address, a.action.as_str())).collect();
            return Err(Refusal::NotAllReversible {
                count: strong.len(),
                what: what.to_string(),
                addresses: addresses.join(", "),
                short: plan.short_digest().to_string(),
            });
        }
        Err(Refusal::NoApproval { short: plan.short_digest().to_string() })
    }
}

/// Accepts the full digest (with or without `sha256:`) or a prefix of at least 12 hex digits.
pub fn check_digest(given: &str, plan: &Plan) -> Result<(), Refusal> {
    let given_hex = given.trim().strip_prefix("sha256:").unwrap_or(given.trim()).to_ascii_lowercase();
    let actual_hex = plan.digest.strip_prefix("sha256:").unwrap_or(&plan.digest);
    if given_hex.len() < 12 || !given_hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Refusal::DigestTooShort { given: given.to_string() });
    }
    if actual_hex.starts_with(&given_hex) {
        Ok(())
    } else {
        Err(Refusal::DigestMismatch { given: given.to_string(), actual: plan.digest.clone() })
    }
}

/// Asks on a terminal: prompts go to `output` (stderr), answers come from `input`.
pub struct Terminal<R, W> {
    pub input: R,
    pub output: W,
}

impl<R: BufRead, W: Write> Terminal<R, W> {
    fn ask(&mut self, prompt: &str) -> Result<String, Refusal> {
        write!(self.output, "{prompt}").map_err(|e| Refusal::Io(e.to_string()))?;
        self.output.flush().map_err(|e| Refusal::Io(e.to_string()))?;
        let mut line = String::new();
        let n = self.input.read_line(&mut line).map_err(|e| Refusal::Io(e.to_string()))?;
        if n == 0 {
            return Err(Refusal::Io("end of input".to_string()));
        }
        Ok(line.trim().to_string())
    }
}

impl<R: BufRead, W: Write> Confirm for Terminal<R, W> {
    fn confirm(&mut self, plan: &Plan) -> Result<(), Refusal> {
        let mut reversible = 0;
        for (resource, action) in plan.ready_actions() {
            if action.reversibility == Reversibility::Reversible {
                reversible += 1;
                continue;
            }
            let class = match action.reversibility {
                Reversibility::Irreversible => "IRREVERSIBLE: it can never be undone",
                _ => "DELAYED: undoing it takes a waiting period",
            };
            let address = resource.address.to_string();
            let typed = self.ask(&format!(
                "\n{} on {address} is {class}.\n  Type the address `{address}` to confirm: ",
                action.action.as_str()
            ))?;
            if typed != address {
                return Err(Refusal::Mistyped { typed, action: action.action.as_str().to_string(), address });
            }
        }
        if reversible > 0 {
            let answer = self.ask(&format!(
                "\nPerform {reversible} reversible action(s) of plan {}? Only `yes` is accepted: ",
                plan.short_digest()
            ))?;
            if answer != "yes" {
                return Err(Refusal::NotYes);
            }
        }
        Ok(())
    }
}
