//! The plan: a pure value saying, per resource, what lockward would do and how reversible it is.
//! Renderers read it; the executor carries out its ready actions; nothing here does I/O.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::digest;
pub use crate::kinds::ActionKind;
use crate::vocabulary::{Address, Kind};
pub use crate::vocabulary::{Target, AWS_ENDPOINT};

/// Version of the plan JSON format (DESIGN.md section 6).
pub const PLAN_FORMAT_VERSION: &str = "3";

/// How far an action can be undone (DESIGN.md section 1). Ordered from least to most severe.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Reversibility {
    /// Can be undone at once.
    Reversible,
    /// Can be undone only after a waiting period.
    Delayed,
    /// Can never be undone.
    Irreversible,
}

impl Reversibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Reversibility::Reversible => "reversible",
            Reversibility::Delayed => "delayed",
            Reversibility::Irreversible => "irreversible",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Can be carried out now.
    Ready,
    /// Must wait until `not_before` (or on the outside world).
    Deferred,
    /// Never carried out as things stand: an attempt of it may be recorded where lockward
    /// cannot read it (DESIGN.md section 5.9); the reason says where.
    Refused,
}

impl ActionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Ready => "ready",
            ActionStatus::Deferred => "deferred",
            ActionStatus::Refused => "refused",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("allOf" = [
    {"if": {"properties": {"status": {"const": "ready"}}},
     "then": {"properties": {"not_before": {"const": null}}}},
    {"if": {"required": ["permanent_after"], "properties": {"permanent_after": {"type": "string"}}},
     "then": {"properties": {"reversibility": {"const": "irreversible"}}}}
]))]
pub struct Action {
    pub action: ActionKind,
    pub reversibility: Reversibility,
    pub status: ActionStatus,
    #[serde(with = "opt_timestamp")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub not_before: Option<Timestamp>,
    /// For an action that becomes permanent by itself unless undone within a grace period or
    /// cool-off: that period. `None` for every other action.
    pub permanent_after: Option<PermanentAfter>,
    /// Whether, after this action, something is allowed at some moment that was refused
    /// before (DESIGN.md section 1): an earlier expiry, a weaker mode, a longer window to undo,
    /// a removed default, a shorter retention. The kind decides it for each action it plans;
    /// independent of the class. `--auto-approve` never approves such an action.
    pub lowers_protection: bool,
    /// Why this action is planned, for people.
    pub reason: String,
}

impl Action {
    pub fn ready(action: ActionKind, reason: impl Into<String>) -> Action {
        Action {
            action,
            reversibility: action.reversibility(),
            status: ActionStatus::Ready,
            not_before: None,
            permanent_after: None,
            lowers_protection: false,
            reason: reason.into(),
        }
    }

    /// The same action, marked as lowering protection when `lowers` (see
    /// [`Action::lowers_protection`]). Only ever sets the mark: a kind that found one reason
    /// to mark an action cannot clear it with another.
    pub fn lowering_protection(mut self, lowers: bool) -> Action {
        self.lowers_protection |= lowers;
        self
    }

    /// Whether a person must type a confirmation for this action on a terminal, and
    /// `--auto-approve` must refuse it: it is delayed, irreversible or lowers protection
    /// (DESIGN.md section 5 item 3).
    pub fn needs_typed_confirmation(&self) -> bool {
        self.reversibility != Reversibility::Reversible || self.lowers_protection
    }

    /// The same action with another reversibility class, as the kind decides it for this
    /// resource. Only ever raises the class: the planner never lowers one.
    pub fn with_reversibility(mut self, reversibility: Reversibility) -> Action {
        self.reversibility = self.reversibility.max(reversibility);
        self
    }

    /// The same action, marked as becoming permanent by itself after `period` unless undone.
    pub fn permanent_after(mut self, period: PermanentAfter) -> Action {
        self.permanent_after = Some(period);
        self.reversibility = Reversibility::Irreversible;
        self
    }

    pub fn deferred(
        action: ActionKind,
        not_before: Option<Timestamp>,
        reason: impl Into<String>,
    ) -> Action {
        Action {
            action,
            reversibility: action.reversibility(),
            status: ActionStatus::Deferred,
            not_before,
            permanent_after: None,
            lowers_protection: false,
            reason: reason.into(),
        }
    }
}

/// How long after it runs an action becomes permanent by itself unless undone: an ISO 8601
/// duration in one canonical form (DESIGN.md section 1, plan format 3). `P<n>D` for a Backup
/// grace in days, `PT<n>H` for a cool-off in hours, `PT<n>S` for anything else; never zero,
/// never fractional, no leading zeros, so one period has one spelling and one digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PermanentAfter {
    count: u64,
    unit: PeriodUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum PeriodUnit {
    Days,
    Hours,
    Seconds,
}

/// The pattern every [`PermanentAfter`] matches (also in the plan schema).
pub const PERMANENT_AFTER_PATTERN: &str = r"^P(\d+D|T\d+[HS])$";

impl PermanentAfter {
    /// `P<n>D`; `None` for zero days (then the action is permanent at once).
    pub fn days(n: u32) -> Option<PermanentAfter> {
        Self::of(u64::from(n), PeriodUnit::Days)
    }

    /// `PT<n>H`; `None` for zero hours.
    pub fn hours(n: u32) -> Option<PermanentAfter> {
        Self::of(u64::from(n), PeriodUnit::Hours)
    }

    /// `PT<n>S`; `None` for zero seconds.
    pub fn seconds(n: u64) -> Option<PermanentAfter> {
        Self::of(n, PeriodUnit::Seconds)
    }

    fn of(count: u64, unit: PeriodUnit) -> Option<PermanentAfter> {
        (count > 0).then_some(PermanentAfter { count, unit })
    }

    /// The canonical ISO 8601 text: `P3D`, `PT24H`, `PT90S`.
    pub fn iso8601(&self) -> String {
        match self.unit {
            PeriodUnit::Days => format!("P{}D", self.count),
            PeriodUnit::Hours => format!("PT{}H", self.count),
            PeriodUnit::Seconds => format!("PT{}S", self.count),
        }
    }

    /// The period for people: `3 days`, `1 hour`, `90 seconds`.
    pub fn words(&self) -> String {
        let unit = match self.unit {
            PeriodUnit::Days => "day",
            PeriodUnit::Hours => "hour",
            PeriodUnit::Seconds => "second",
        };
        let plural = if self.count == 1 { "" } else { "s" };
        format!("{} {unit}{plural}", self.count)
    }

    /// Reads the canonical form back; anything else (`P0D`, `P03D`, `PT1.5H`, `P1DT2H`,
    /// `PT30M`, lowercase) is refused, so a saved plan holds exactly what lockward wrote.
    pub fn parse(text: &str) -> Result<PermanentAfter, String> {
        let refuse = || {
            format!(
                "permanent_after {text:?} is not an ISO 8601 duration in lockward's one form (`P<n>D`, `PT<n>H` or `PT<n>S`, n > 0 without leading zeros)"
            )
        };
        let (digits, unit) = if let Some(rest) = text.strip_prefix("PT") {
            match rest.strip_suffix('H') {
                Some(d) => (d, PeriodUnit::Hours),
                None => (
                    rest.strip_suffix('S').ok_or_else(refuse)?,
                    PeriodUnit::Seconds,
                ),
            }
        } else {
            let rest = text.strip_prefix('P').ok_or_else(refuse)?;
            (rest.strip_suffix('D').ok_or_else(refuse)?, PeriodUnit::Days)
        };
        if digits.is_empty()
            || digits.starts_with('0')
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(refuse());
        }
        let count: u64 = digits.parse().map_err(|_| refuse())?;
        Self::of(count, unit).ok_or_else(refuse)
    }
}

impl std::fmt::Display for PermanentAfter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.iso8601())
    }
}

impl Serialize for PermanentAfter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PermanentAfter {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        PermanentAfter::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for PermanentAfter {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PermanentAfter".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "How long after it runs the action becomes permanent by itself unless undone: an ISO 8601 duration, `P<n>D` (days), `PT<n>H` (hours) or `PT<n>S` (seconds), n > 0.",
            "type": "string",
            "pattern": PERMANENT_AFTER_PATTERN
        })
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Noop,
    Change,
    /// Waits on time or on the outside world.
    Blocked,
    /// The intent can never be reached as things stand.
    Conflict,
    /// Its live state could not be read (`live` holds the cause). Like a conflict it is never
    /// applied, and it never hides the other resources' plans.
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Noop => "noop",
            Outcome::Change => "change",
            Outcome::Blocked => "blocked",
            Outcome::Conflict => "conflict",
            Outcome::Unknown => "unknown",
        }
    }
}

/// How much a message matters to the reader.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Context: what a wait waits for, what was recovered.
    Note,
    /// Something a reviewer should act on soon (a lock about to expire).
    Warning,
    /// Why the intent can never be reached as things stand (a conflict's reason).
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A message for people about one resource. May mention times relative to now, so it is not
/// covered by the digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub severity: Severity,
    pub text: String,
}

impl Message {
    pub fn note(text: impl Into<String>) -> Message {
        Message {
            severity: Severity::Note,
            text: text.into(),
        }
    }

    pub fn warning(text: impl Into<String>) -> Message {
        Message {
            severity: Severity::Warning,
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Message {
        Message {
            severity: Severity::Error,
            text: text.into(),
        }
    }

    /// Whether the text contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        self.text.contains(needle)
    }
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// What `apply` (and `import`) persist for a resource without calling AWS: a record found only
/// in the journal, a completion an earlier run could not record, a record moved from another
/// address. `plan` only shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recovery {
    /// The state record to keep for this address, as the state file writes it.
    pub record: Value,
    /// The address the record is stored under now, when it moves to this one.
    pub moved_from: Option<Address>,
    /// What was found, for people and the journal.
    pub found: String,
}

/// The plan for one resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("allOf" = [
    {"if": {"properties": {"outcome": {"const": "noop"}}},
     "then": {"properties": {"actions": {"maxItems": 0}}}},
    {"if": {"properties": {"outcome": {"const": "conflict"}}},
     "then": {"properties": {"actions": {"anyOf": [{"maxItems": 0},
        {"contains": {"properties": {"status": {"const": "refused"}}}}]}}}},
    {"if": {"properties": {"outcome": {"const": "change"}}},
     "then": {"properties": {"actions": {"contains": {"properties": {"status": {"const": "ready"}}}}}}},
    {"if": {"properties": {"outcome": {"const": "blocked"}}},
     "then": {"properties": {"actions": {"minItems": 1, "items": {"properties": {"status": {"const": "deferred"}}}}}}}
]))]
pub struct ResourcePlan {
    pub address: Address,
    pub kind: Kind,
    /// What the resource is in AWS: `<kind>:<account>:<region>:<id>` (S3: `<kind>:<bucket>`).
    pub physical_key: String,
    pub outcome: Outcome,
    pub target: Target,
    /// The account it lives in (its target's, empty when STS could not say), at the top level
    /// for tools that group a plan by account and region.
    pub account: String,
    /// The region it lives in (its target's).
    pub region: String,
    /// Its instance key (`snap-…` for a snapshot of an `ebs_snapshot_lock`), for an instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The live state the decision was made from (never a secret).
    #[schemars(extend("type" = "object", "required" = ["state"]))]
    pub live: Value,
    /// The desired state the decision was made from.
    #[schemars(extend("type" = "object"))]
    pub desired: Value,
    /// What the state file and the journal remember that the decision was made from: the
    /// record (if any) and every earlier attempt of an irreversible action that was done or
    /// whose effect is unknown.
    #[schemars(extend("type" = "object", "required" = ["state"]))]
    pub recorded: Value,
    /// In execution order. Empty for `noop`; for `conflict`, empty or holding a refused one.
    pub actions: Vec<Action>,
    /// Warnings, reasons for blocked and conflict outcomes, hints. Not covered by the digest.
    pub messages: Vec<Message>,
    /// Unified diff, live first, of a text the intent sets when the live one differs (the
    /// kind's words say what the text is: [`ResourceWords::diff_of`]). Its JSON key,
    /// `policy_diff`, is the plan format's since format 1. Not covered by the digest.
    ///
    /// [`ResourceWords::diff_of`]: crate::words::ResourceWords::diff_of
    #[serde(
        default,
        rename = "policy_diff",
        skip_serializing_if = "Option::is_none"
    )]
    pub text_diff: Option<String>,
    /// What apply persists without a call (see [`Recovery`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery: Option<Recovery>,
}

impl ResourcePlan {
    /// `sha256:…` of the live value and target: the fingerprint a saved plan keeps to detect
    /// that the resource changed between plan and apply.
    pub fn live_fingerprint(&self) -> String {
        let mut text = digest::canonical_json(&self.live);
        text.push('\n');
        text.push_str(&digest::canonical_json_of(&self.target));
        digest::sha256(text.as_bytes())
    }

    /// Derives the outcome from the actions: `change` while one is ready, `blocked` when all
    /// remaining actions wait, `noop` when there is nothing to do. Conflicts are set by the
    /// planner directly.
    pub fn outcome_of(actions: &[Action]) -> Outcome {
        if actions.is_empty() {
            Outcome::Noop
        } else if actions.iter().any(|a| a.status == ActionStatus::Ready) {
            Outcome::Change
        } else {
            Outcome::Blocked
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub change: usize,
    pub noop: usize,
    pub blocked: usize,
    pub conflict: usize,
    /// Resources whose live state could not be read.
    #[serde(default)]
    pub unknown: usize,
    /// Irreversible actions that are ready to run now (deferred ones are confirmed when they
    /// become ready, in a later plan).
    pub irreversible: usize,
    /// Delayed actions that are ready to run now.
    pub delayed: usize,
    /// Actions ready to run now that lower protection (see [`Action::lowers_protection`]),
    /// whatever their class.
    pub lowers_protection: usize,
}

/// Which state file the plan was made against.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StateRef {
    /// `None` before the first apply wrote a state file.
    pub lineage: Option<String>,
    pub serial: u64,
}

/// Which state store the plan was made against (DESIGN.md section 5.8): covered by the
/// digest, so an approval never runs against another state, whether the config or the
/// environment moved it. `lineage` is `None` for a store that does not exist yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "backend", rename_all = "snake_case")]
pub enum StateStoreRef {
    /// The local state file: `path` relative to the config's real directory when inside it,
    /// else its absolute real path.
    Local {
        path: String,
        lineage: Option<String>,
    },
    /// The S3 backend's state object.
    S3 {
        account: String,
        region: String,
        endpoint: Option<String>,
        /// Where the account was asked, when not at `endpoint` (see
        /// [`Target::identity_endpoint`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identity_endpoint: Option<String>,
        bucket: String,
        key: String,
        lineage: Option<String>,
    },
}

impl StateStoreRef {
    pub fn lineage(&self) -> Option<&str> {
        match self {
            StateStoreRef::Local { lineage, .. } | StateStoreRef::S3 { lineage, .. } => {
                lineage.as_deref()
            }
        }
    }
}

impl std::fmt::Display for StateStoreRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateStoreRef::Local { path, .. } => write!(f, "the local state file {path}")?,
            StateStoreRef::S3 {
                account,
                region,
                endpoint,
                bucket,
                key,
                ..
            } => {
                write!(f, "s3://{bucket}/{key} in account {account}, {region}")?;
                if let Some(e) = endpoint {
                    write!(f, " at {e}")?;
                }
            }
        }
        match self.lineage() {
            Some(l) => write!(f, " (lineage {l})"),
            None => write!(f, " (not created yet)"),
        }
    }
}

/// A whole plan. Build it with [`Plan::new`], which sorts resources and computes the summary
/// and the digest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    #[schemars(extend("const" = PLAN_FORMAT_VERSION))]
    pub format_version: String,
    /// `sha256:…` over the canonical JSON of what was decided (see DESIGN.md section 5): the
    /// same in every output format; `lockward apply --approve` takes it or its first 12 hex
    /// digits.
    #[schemars(regex(pattern = r"^sha256:[0-9a-f]{64}$"))]
    pub digest: String,
    /// `sha256:…` over the canonical JSON of the resolved configuration.
    #[schemars(regex(pattern = r"^sha256:[0-9a-f]{64}$"))]
    pub config_digest: String,
    pub state: StateRef,
    /// The earliest moment at which the mere passage of time would change a decision of this
    /// plan (a deferral ends, a lock expires, a lock date passes). Not covered by the digest.
    #[serde(with = "opt_timestamp")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub valid_until: Option<Timestamp>,
    pub summary: Summary,
    pub resources: Vec<ResourcePlan>,
    /// The state store the plan was made against; covered by the digest. Absent only from a
    /// plan made without one (the planner's own tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_store: Option<StateStoreRef>,
    /// State records whose address the configuration no longer declares (DESIGN.md section
    /// 2.1), sorted by address: nothing is planned for them and their locks are left alone.
    /// Their addresses are covered by the digest. Listed only in a plan of the whole
    /// configuration (a `--target` or `--exclude` selects declared resources only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undeclared: Vec<UndeclaredRecord>,
    /// The `--target`/`--exclude` patterns the plan was made with; absent from a plan of the
    /// whole configuration. The patterns are covered by the digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<PlanSelection>,
    /// The account sets the plan's instances were made from (DESIGN.md section 2.1), sorted
    /// by name: what a reviewer approves the plan for. Covered by the digest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub account_sets: Vec<AccountSetRef>,
}

/// The `--target`/`--exclude` patterns of a plan, normalised (see [`crate::select::Pattern`]),
/// sorted and without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanSelection {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// How many declared resources and found instances the patterns left out (they were not
    /// read). Not covered by the digest (a snapshot tagged since where the patterns do not
    /// look changes no decision), so a plan read back from a file does not say it.
    pub not_selected: usize,
}

impl PlanSelection {
    /// What the digest covers of it: the patterns, not how many they left out.
    pub fn digested(&self) -> Value {
        serde_json::json!({"exclude": self.exclude, "target": self.target})
    }
}

/// One account set as the plan was made from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountSetRef {
    pub name: String,
    /// Its member accounts' ids, sorted (`None`: it could not be read, and its instances are
    /// `unknown`).
    pub accounts: Option<Vec<String>>,
    /// For a set read from AWS Organizations: the organisation it was read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<OrganizationRef>,
}

/// The organisation an account set was read from (DescribeOrganization).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationRef {
    pub id: String,
    pub management_account: String,
    /// Whether the management account is one of the set's members.
    pub management_is_member: bool,
}

/// A state record at an address the configuration no longer declares: a resource removed from
/// it, an instance whose account left or whose region was dropped, a snapshot that lost the
/// tag its selection looks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UndeclaredRecord {
    pub address: Address,
    pub kind: Kind,
    /// Where the record was made (its target's account and region); empty for a record that
    /// predates targets.
    pub account: String,
    pub region: String,
}

impl Plan {
    pub fn new(
        config_digest: String,
        state: StateRef,
        valid_until: Option<Timestamp>,
        mut resources: Vec<ResourcePlan>,
    ) -> Plan {
        resources.sort_by(|a, b| a.address.cmp(&b.address));
        let mut summary = Summary::default();
        for r in &resources {
            match r.outcome {
                Outcome::Noop => summary.noop += 1,
                Outcome::Change => summary.change += 1,
                Outcome::Blocked => summary.blocked += 1,
                Outcome::Conflict => summary.conflict += 1,
                Outcome::Unknown => summary.unknown += 1,
            }
            for a in r.actions.iter().filter(|a| a.status == ActionStatus::Ready) {
                match a.reversibility {
                    Reversibility::Irreversible => summary.irreversible += 1,
                    Reversibility::Delayed => summary.delayed += 1,
                    Reversibility::Reversible => {}
                }
                summary.lowers_protection += usize::from(a.lowers_protection);
            }
        }
        let mut plan = Plan {
            format_version: PLAN_FORMAT_VERSION.to_string(),
            digest: String::new(),
            config_digest,
            state,
            valid_until,
            summary,
            resources,
            state_store: None,
            undeclared: Vec::new(),
            selection: None,
            account_sets: Vec::new(),
        };
        plan.digest = digest::sha256(plan.digest_text().as_bytes());
        plan
    }

    /// The plan made again from the values its digest covers (and those derived from them),
    /// for checking a plan read from a file: every part a plan carries is rebuilt here.
    pub fn rebuilt(&self) -> Plan {
        Plan::new(
            self.config_digest.clone(),
            self.state.clone(),
            self.valid_until,
            self.resources.clone(),
        )
        .edited(|p| {
            p.undeclared = self.undeclared.clone();
            p.selection = self.selection.clone();
            p.account_sets = self.account_sets.clone();
            p.state_store = self.state_store.clone();
        })
    }

    /// The same plan with `edit` made to its parts beside the resources (`undeclared`,
    /// `selection`, `account_sets`, `state_store`), put in their order, and digested once.
    pub fn edited(mut self, edit: impl FnOnce(&mut Plan)) -> Plan {
        edit(&mut self);
        self.undeclared.sort_by(|a, b| a.address.cmp(&b.address));
        self.account_sets.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(s) = &mut self.selection {
            for patterns in [&mut s.target, &mut s.exclude] {
                patterns.sort();
                patterns.dedup();
            }
        }
        self.digest = digest::sha256(self.digest_text().as_bytes());
        self
    }

    /// The same plan, made with `selection` (its digest covers the patterns).
    pub fn with_selection(self, selection: Option<PlanSelection>) -> Plan {
        self.edited(|p| p.selection = selection)
    }

    /// The same plan, listing `undeclared` (its digest covers their addresses).
    pub fn with_undeclared(self, undeclared: Vec<UndeclaredRecord>) -> Plan {
        self.edited(|p| p.undeclared = undeclared)
    }

    /// The same plan, made against `store` (its digest covers it).
    pub fn with_state_store(self, store: Option<StateStoreRef>) -> Plan {
        self.edited(|p| p.state_store = store)
    }

    /// What the digest covers: per resource its address, kind, physical key, target, outcome,
    /// desired, live and recorded values, and each action's name, reversibility,
    /// `lowers_protection`, status, `not_before` and `permanent_after`. Not covered: reasons and messages (they may say
    /// "expires in 3 h"), `valid_until`, the state serial and anything else that changes with
    /// the mere passage of time, so the same decision planned twice has the same digest.
    pub fn digest_input(&self) -> Value {
        let resources: Vec<Value> = self
            .resources
            .iter()
            .map(|r| {
                serde_json::json!({
                    "address": r.address,
                    "kind": r.kind,
                    "physical_key": r.physical_key,
                    "target": r.target,
                    "outcome": r.outcome,
                    "desired": r.desired,
                    "live": r.live,
                    "recorded": r.recorded,
                    "actions": r.actions.iter().map(|a| serde_json::json!({
                        "action": a.action,
                        "reversibility": a.reversibility,
                        "lowers_protection": a.lowers_protection,
                        "status": a.status,
                        "not_before": a.not_before.map(|t| t.to_string()),
                        "permanent_after": a.permanent_after,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let mut input =
            serde_json::json!({ "format_version": PLAN_FORMAT_VERSION, "resources": resources });
        if let (false, Value::Object(map)) = (self.account_sets.is_empty(), &mut input) {
            map.insert(
                "account_sets".to_string(),
                serde_json::to_value(&self.account_sets).unwrap_or(Value::Null),
            );
        }
        if let (Some(selection), Value::Object(map)) = (&self.selection, &mut input) {
            map.insert("selection".to_string(), selection.digested());
        }
        if let (Some(store), Value::Object(map)) = (&self.state_store, &mut input) {
            map.insert(
                "state_store".to_string(),
                serde_json::to_value(store).unwrap_or(Value::Null),
            );
        }
        if let (false, Value::Object(map)) = (self.undeclared.is_empty(), &mut input) {
            let addresses: Vec<String> = self
                .undeclared
                .iter()
                .map(|u| u.address.to_string())
                .collect();
            map.insert("undeclared".to_string(), serde_json::json!(addresses));
        }
        input
    }

    /// `canonical_json(&self.digest_input())`, written straight from the plan without building
    /// the intermediate value (planning 10,000 resources spent most of its time on that copy).
    pub fn digest_text(&self) -> String {
        let mut out = String::with_capacity(320 * self.resources.len() + 64);
        out.push('{');
        // Keys in sorted order: account_sets, format_version, resources, selection,
        // state_store, undeclared; the optional ones only when there are any, so a plan
        // without them keeps the digest it always had.
        if !self.account_sets.is_empty() {
            out.push_str("\"account_sets\":");
            out.push_str(&digest::canonical_json_of(&self.account_sets));
            out.push(',');
        }
        out.push_str("\"format_version\":");
        digest::write_json_str(PLAN_FORMAT_VERSION, &mut out);
        out.push_str(",\"resources\":[");
        for (i, r) in self.resources.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            // Keys in sorted order: actions, address, desired, kind, live, outcome,
            // physical_key, recorded, target.
            out.push_str("{\"actions\":[");
            for (j, a) in r.actions.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                // Keys in sorted order: action, lowers_protection, not_before,
                // permanent_after, reversibility, status.
                out.push_str("{\"action\":");
                digest::write_json_str(a.action.as_str(), &mut out);
                out.push_str(",\"lowers_protection\":");
                out.push_str(if a.lowers_protection { "true" } else { "false" });
                out.push_str(",\"not_before\":");
                match a.not_before {
                    Some(t) => digest::write_json_str(&t.to_string(), &mut out),
                    None => out.push_str("null"),
                }
                out.push_str(",\"permanent_after\":");
                match a.permanent_after {
                    Some(period) => digest::write_json_str(&period.iso8601(), &mut out),
                    None => out.push_str("null"),
                }
                out.push_str(",\"reversibility\":");
                digest::write_json_str(a.reversibility.as_str(), &mut out);
                out.push_str(",\"status\":");
                digest::write_json_str(a.status.as_str(), &mut out);
                out.push('}');
            }
            out.push_str("],\"address\":");
            digest::write_json_str(&r.address.to_string(), &mut out);
            out.push_str(",\"desired\":");
            digest::write_canonical(&r.desired, &mut out);
            out.push_str(",\"kind\":");
            digest::write_json_str(r.kind.as_str(), &mut out);
            out.push_str(",\"live\":");
            digest::write_canonical(&r.live, &mut out);
            out.push_str(",\"outcome\":");
            digest::write_json_str(r.outcome.as_str(), &mut out);
            out.push_str(",\"physical_key\":");
            digest::write_json_str(&r.physical_key, &mut out);
            out.push_str(",\"recorded\":");
            digest::write_canonical(&r.recorded, &mut out);
            // Keys in sorted order: account, endpoint, identity_endpoint (only when set, as
            // the target serializes), region.
            out.push_str(",\"target\":{\"account\":");
            digest::write_json_str(&r.target.account, &mut out);
            out.push_str(",\"endpoint\":");
            match &r.target.endpoint {
                Some(e) => digest::write_json_str(e, &mut out),
                None => out.push_str("null"),
            }
            if let Some(sts) = &r.target.identity_endpoint {
                out.push_str(",\"identity_endpoint\":");
                digest::write_json_str(sts, &mut out);
            }
            out.push_str(",\"region\":");
            digest::write_json_str(&r.target.region, &mut out);
            out.push_str("}}");
        }
        out.push(']');
        if let Some(selection) = &self.selection {
            out.push_str(",\"selection\":");
            out.push_str(&digest::canonical_json(&selection.digested()));
        }
        if let Some(store) = &self.state_store {
            out.push_str(",\"state_store\":");
            out.push_str(&digest::canonical_json_of(store));
        }
        // Only when there is one, so a plan without any keeps the digest it always had.
        if !self.undeclared.is_empty() {
            out.push_str(",\"undeclared\":[");
            for (i, u) in self.undeclared.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                digest::write_json_str(&u.address.to_string(), &mut out);
            }
            out.push(']');
        }
        out.push('}');
        out
    }

    /// The first 12 hex digits of the digest: enough to approve with `--approve`.
    pub fn short_digest(&self) -> &str {
        let hex = self.digest.strip_prefix("sha256:").unwrap_or(&self.digest);
        &hex[..hex.len().min(12)]
    }

    pub fn has_conflict(&self) -> bool {
        self.summary.conflict > 0
    }

    /// Whether a resource's live state could not be read.
    pub fn has_unknown(&self) -> bool {
        self.summary.unknown > 0
    }

    /// Whether the plan may be saved and applied: no conflict and nothing unread.
    pub fn is_applicable(&self) -> bool {
        !self.has_conflict() && !self.has_unknown()
    }

    /// The resources whose live state could not be read.
    pub fn unknown(&self) -> impl Iterator<Item = &ResourcePlan> {
        self.resources
            .iter()
            .filter(|r| r.outcome == Outcome::Unknown)
    }

    /// Whether any action is ready to run.
    pub fn has_changes(&self) -> bool {
        self.summary.change > 0
    }

    /// Ready actions, with their resource, in address order.
    pub fn ready_actions(&self) -> impl Iterator<Item = (&ResourcePlan, &Action)> {
        self.resources
            .iter()
            .flat_map(|r| r.actions.iter().map(move |a| (r, a)))
            .filter(|(_, a)| a.status == ActionStatus::Ready)
    }

    /// Resources with something to persist without a call (see [`Recovery`]).
    pub fn recoveries(&self) -> impl Iterator<Item = (&ResourcePlan, &Recovery)> {
        self.resources
            .iter()
            .filter_map(|r| r.recovery.as_ref().map(|rec| (r, rec)))
    }
}

/// The plan JSON Schema (draft 2020-12), generated from these types: what
/// `schema/plan.schema.json` holds (a test checks that it does).
pub fn schema() -> Value {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let live: Vec<(Value, Value)> = Kind::ALL
        .iter()
        .map(|k| {
            let live = serde_json::to_value(k.live_schema(&mut generator));
            let desired = serde_json::to_value(k.desired_schema(&mut generator));
            (live.unwrap_or(Value::Null), desired.unwrap_or(Value::Null))
        })
        .collect();
    let mut schema = generator.into_root_schema_for::<Plan>();
    schema.insert(
        "$id".into(),
        Value::String(format!("urn:lockward:schema:plan:{PLAN_FORMAT_VERSION}")),
    );
    schema.insert("title".into(), Value::String("lockward plan".into()));
    schema.insert(
        "description".into(),
        Value::String(format!(
            "The plan JSON that `lockward plan --format json` and `lockward show --format json` write (DESIGN.md section 6, format_version {PLAN_FORMAT_VERSION}). Resources are sorted by address. Generated from the Rust types in src/plan/model.rs."
        )),
    );
    let mut value = serde_json::to_value(&schema).unwrap_or(Value::Null);
    // What the types cannot say: each kind's addresses and actions, and each action's least
    // class (a kind may raise it for a resource, never lower it).
    let per_kind: Vec<Value> = Kind::ALL
        .iter()
        .zip(live)
        .map(|(kind, (live, desired))| {
            let actions: Vec<Value> = kind
                .actions()
                .iter()
                .map(|a| {
                    let allowed: Vec<&str> = [
                        Reversibility::Reversible,
                        Reversibility::Delayed,
                        Reversibility::Irreversible,
                    ]
                    .into_iter()
                    .filter(|r| *r >= a.reversibility())
                    .map(Reversibility::as_str)
                    .collect();
                    serde_json::json!({
                        "if": {"properties": {"action": {"const": a.as_str()}}},
                        "then": {"properties": {"reversibility": {"enum": allowed}}}
                    })
                })
                .collect();
            let names: Vec<&str> = kind.actions().iter().map(|a| a.as_str()).collect();
            serde_json::json!({
                "if": {"properties": {"kind": {"const": kind.as_str()}}},
                "then": {"properties": {
                    "address": {"pattern": format!("^{}\\.", kind.as_str())},
                    "live": live,
                    "desired": desired,
                    "actions": {"items": {
                        "properties": {"action": {"enum": names}},
                        "allOf": actions
                    }}
                }}
            })
        })
        .collect();
    if let Some(Value::Array(all_of)) = value.pointer_mut("/$defs/ResourcePlan/allOf") {
        all_of.extend(per_kind);
    }
    value
}

mod opt_timestamp {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.collect_str(t),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| t.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        let action = |kind: ActionKind, not_before: Option<&str>| Action {
            action: kind,
            reversibility: kind.reversibility(),
            status: if not_before.is_some() {
                ActionStatus::Deferred
            } else {
                ActionStatus::Ready
            },
            not_before: not_before.map(|t| t.parse().unwrap()),
            permanent_after: None,
            lowers_protection: false,
            reason: "r".into(),
        };
        let resource = |address: &str, outcome: Outcome, actions: Vec<Action>| {
            let address: Address = address.parse().unwrap();
            ResourcePlan {
                kind: address.kind,
                physical_key: format!("{}:123456789012:us-east-1:{}", address.kind, address.name),
                address,
                outcome,
                target: Target::for_tests(),
                account: "123456789012".into(),
                region: "us-east-1".into(),
                key: None,
                live: serde_json::json!({"state": "in_progress", "policy": {"b": [1, {"z": null, "a": "\"quoted\" é"}], "a": true}}),
                desired: serde_json::json!({"vault": "v", "deliver_to": "secrets/a \\ b.code"}),
                recorded: serde_json::json!({"state": "recorded", "attempts": [{"action": "retrieve_unlock_code", "effect": "unknown"}]}),
                actions,
                messages: vec![Message::note("expires in 3h")],
                text_diff: None,
                recovery: None,
            }
        };
        Plan::new(
            "sha256:c".into(),
            StateRef::default(),
            None,
            vec![
                resource(
                    "snowball_unlock_code.z",
                    Outcome::Blocked,
                    vec![action(
                        ActionKind::RETRIEVE_UNLOCK_CODE,
                        Some("2026-11-24T10:00:00Z"),
                    )],
                ),
                resource(
                    "glacier_vault_lock.a",
                    Outcome::Change,
                    vec![
                        action(ActionKind::INITIATE_LOCK, None),
                        action(ActionKind::COMPLETE_LOCK, Some("2026-11-23T12:00:00Z")),
                    ],
                ),
                resource("rbin_rule_lock.r", Outcome::Noop, vec![]),
            ],
        )
    }

    #[test]
    fn the_digest_is_the_canonical_json_of_its_documented_input() {
        let plan = plan();
        assert_eq!(
            plan.digest_text(),
            digest::canonical_json(&plan.digest_input())
        );
        assert_eq!(
            plan.digest,
            digest::sha256(digest::canonical_json(&plan.digest_input()).as_bytes())
        );
    }

    #[test]
    fn messages_and_reasons_do_not_change_the_digest() {
        let a = plan();
        let mut resources = a.resources.clone();
        resources[0].messages = vec![Message::warning("expires in 2h")];
        resources[0].actions[0].reason = "other words".into();
        let b = Plan::new(
            a.config_digest.clone(),
            StateRef {
                lineage: Some("l".into()),
                serial: 9,
            },
            Some("2026-11-24T10:00:00Z".parse().unwrap()),
            resources,
        );
        assert_eq!(a.digest, b.digest);
    }

    #[test]
    fn the_digest_covers_the_target_and_the_recorded_history() {
        let a = plan();
        let changed = |f: &dyn Fn(&mut ResourcePlan)| {
            let mut resources = a.resources.clone();
            f(&mut resources[0]);
            Plan::new(a.config_digest.clone(), a.state.clone(), None, resources).digest
        };
        assert_ne!(a.digest, changed(&|r| r.target.region = "us-west-2".into()));
        assert_ne!(
            a.digest,
            changed(&|r| r.target.account = "210987654321".into())
        );
        assert_ne!(
            a.digest,
            changed(&|r| r.target.endpoint = Some("http://127.0.0.1:4566".into()))
        );
        let asked_elsewhere = changed(&|r| r.target.identity_endpoint = Some("aws".into()));
        assert_ne!(a.digest, asked_elsewhere);
        // The fast writer agrees with the documented input when the field is there too.
        let mut resources = a.resources.clone();
        resources[0].target.identity_endpoint = Some("http://127.0.0.1:4566".into());
        let b = Plan::new(a.config_digest.clone(), a.state.clone(), None, resources);
        assert_eq!(b.digest_text(), digest::canonical_json(&b.digest_input()));
        assert_ne!(
            a.digest,
            changed(&|r| r.recorded = serde_json::json!({"state": "none"}))
        );
        assert_ne!(a.digest, changed(&|r| r.physical_key.push('x')));
        assert_ne!(
            a.digest,
            changed(&|r| r.actions[0].permanent_after = PermanentAfter::days(3))
        );
        assert_ne!(
            changed(&|r| r.actions[0].permanent_after = PermanentAfter::days(3)),
            changed(&|r| r.actions[0].permanent_after = PermanentAfter::hours(72))
        );
        // Whether an action lowers protection is part of what was approved.
        let lowering = changed(&|r| r.actions[0].lowers_protection = true);
        assert_ne!(a.digest, lowering);
        let mut resources = a.resources.clone();
        resources[0].actions[0].lowers_protection = true;
        resources[0].actions[0].permanent_after = PermanentAfter::hours(24);
        let b = Plan::new(a.config_digest.clone(), a.state.clone(), None, resources);
        assert_eq!(b.digest_text(), digest::canonical_json(&b.digest_input()));
    }

    #[test]
    fn the_digest_covers_the_undeclared_records_addresses_only_when_there_are_any() {
        let a = plan();
        let undeclared = |names: &[&str]| -> Vec<UndeclaredRecord> {
            names
                .iter()
                .map(|n| UndeclaredRecord {
                    address: Address::new(Kind::RbinRuleLock, *n),
                    kind: Kind::RbinRuleLock,
                    account: "123456789012".into(),
                    region: "us-east-1".into(),
                })
                .collect()
        };
        // None: the digest a plan always had.
        assert_eq!(a.clone().with_undeclared(vec![]).digest, a.digest);
        let one = a.clone().with_undeclared(undeclared(&["old"]));
        assert_ne!(one.digest, a.digest);
        assert_eq!(
            one.digest_text(),
            digest::canonical_json(&one.digest_input())
        );
        let other = a.clone().with_undeclared(undeclared(&["older"]));
        assert_ne!(one.digest, other.digest);
        // Sorted: the order they were found in does not matter.
        let both = a.clone().with_undeclared(undeclared(&["b", "a"]));
        assert_eq!(
            both.digest,
            a.clone().with_undeclared(undeclared(&["a", "b"])).digest
        );
        assert_eq!(
            both.digest_text(),
            digest::canonical_json(&both.digest_input())
        );
        // The account and region are shown, not digested: the address is the record.
        let mut moved = undeclared(&["old"]);
        moved[0].region = "eu-west-1".into();
        assert_eq!(a.clone().with_undeclared(moved).digest, one.digest);
    }

    #[test]
    fn the_summary_counts_ready_actions_that_lower_protection() {
        let a = plan();
        assert_eq!(a.summary.lowers_protection, 0);
        let mut resources = a.resources.clone();
        // In address order: the vault (a ready initiation, a deferred completion), the rule
        // (no action), the deferred retrieval.
        resources[0].actions[0].lowers_protection = true;
        resources[0].actions[1].lowers_protection = true;
        resources[2].actions[0].lowers_protection = true;
        let b = Plan::new(a.config_digest.clone(), a.state.clone(), None, resources);
        assert_eq!(
            b.summary.lowers_protection, 1,
            "deferred actions are not counted now"
        );
    }

    #[test]
    fn permanent_after_has_one_canonical_iso_8601_form() {
        let shown = |p: Option<PermanentAfter>| p.unwrap().to_string();
        assert_eq!(shown(PermanentAfter::days(3)), "P3D");
        assert_eq!(shown(PermanentAfter::hours(24)), "PT24H");
        assert_eq!(shown(PermanentAfter::seconds(90)), "PT90S");
        assert_eq!(PermanentAfter::days(0), None);
        assert_eq!(PermanentAfter::hours(0), None);
        assert_eq!(PermanentAfter::days(1).unwrap().words(), "1 day");
        assert_eq!(PermanentAfter::hours(72).unwrap().words(), "72 hours");
        let schema = serde_json::json!({"type": "string", "pattern": PERMANENT_AFTER_PATTERN});
        let validator = jsonschema::validator_for(&schema).unwrap();
        let pattern = |text: &str| validator.is_valid(&serde_json::json!(text));
        for text in ["P3D", "PT24H", "PT90S", "P36500D"] {
            let p = PermanentAfter::parse(text).unwrap();
            assert_eq!(p.to_string(), text);
            assert!(pattern(text), "{text}");
            let json = serde_json::to_value(p).unwrap();
            assert_eq!(json, serde_json::json!(text));
            assert_eq!(serde_json::from_value::<PermanentAfter>(json).unwrap(), p);
        }
        for text in [
            "P0D",
            "PT0H",
            "P03D",
            "PT1.5H",
            "P1DT2H",
            "PT30M",
            "p3d",
            "3",
            "P",
            "PT",
            "PD",
            "P3",
            "P-3D",
            "P+3D",
            " P3D",
            "P3D ",
            "P99999999999999999999D",
        ] {
            assert!(PermanentAfter::parse(text).is_err(), "{text} was accepted");
        }
        assert!(serde_json::from_value::<PermanentAfter>(serde_json::json!(3)).is_err());
    }
}
