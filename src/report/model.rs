//! The compliance report: a pure value saying, per declared resource, what the configuration
//! wants, what AWS holds, what lockward recorded doing, and a verdict; plus the locks found in
//! the configured accounts and regions that no resource declares. Renderers put it into words
//! and decide nothing; [`super::build`] decides everything.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::plan::ResourcePlan;
use crate::state::Record;
use crate::vocabulary::{Address, Kind};
use crate::words::Phrase;

/// Version of the report JSON format (`lockward report --format json`).
pub const REPORT_FORMAT_VERSION: &str = "3";

/// Where a declared resource stands. Ordered from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Live matches the configuration.
    Compliant,
    /// Live does not match yet, and a change or a wait is planned to get there.
    Pending,
    /// A selection that matches nothing (an `ebs_snapshot_lock` whose `select` finds no
    /// snapshot): there is nothing to lock, and nothing is locked.
    Empty,
    /// A state record whose address the configuration no longer declares (a resource removed
    /// from it, an instance whose account left or region was dropped, a snapshot that lost
    /// its tag): lockward plans nothing for it and leaves its lock alone; the report shows
    /// the protection the record last knew.
    Undeclared,
    /// Live moved away from a state lockward had reached, as the state file records.
    Drift,
    /// The configuration can never be reached as things stand (a plan conflict).
    Violation,
    /// Its live state could not be read (the cause is in its findings): nothing can be said
    /// of it, and the rest of the report goes on.
    Unknown,
}

impl Verdict {
    pub const ALL: [Verdict; 7] = [
        Verdict::Compliant,
        Verdict::Pending,
        Verdict::Empty,
        Verdict::Undeclared,
        Verdict::Drift,
        Verdict::Violation,
        Verdict::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Compliant => "compliant",
            Verdict::Pending => "pending",
            Verdict::Empty => "empty",
            Verdict::Undeclared => "undeclared",
            Verdict::Drift => "drift",
            Verdict::Violation => "violation",
            Verdict::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `report --fail-on` (repeatable): what makes the command exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailOn {
    /// Any drift or violation (a violation is worse than drift).
    Drift,
    /// Any violation.
    Violation,
    /// Any lock nobody declared, of a kind the configuration uses.
    Unmanaged,
    /// Any state record the configuration no longer declares (verdict `undeclared`).
    Undeclared,
    /// Any resource whose live state could not be read (verdict `unknown`).
    Unknown,
}

impl FailOn {
    /// Whether a resource with verdict `v` is what `--fail-on` names (`drift` covers
    /// `violation` too; `unmanaged` is about locks no resource declares, never a verdict).
    pub fn covers(self, v: Verdict) -> bool {
        match self {
            FailOn::Drift => matches!(v, Verdict::Drift | Verdict::Violation),
            FailOn::Violation => v == Verdict::Violation,
            FailOn::Unknown => v == Verdict::Unknown,
            FailOn::Undeclared => v == Verdict::Undeclared,
            FailOn::Unmanaged => false,
        }
    }
}

impl FailOn {
    pub const ALL: [FailOn; 5] = [
        FailOn::Drift,
        FailOn::Violation,
        FailOn::Unmanaged,
        FailOn::Undeclared,
        FailOn::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Drift => "drift",
            FailOn::Violation => "violation",
            FailOn::Unmanaged => "unmanaged",
            FailOn::Undeclared => "undeclared",
            FailOn::Unknown => "unknown",
        }
    }
}

impl FromStr for FailOn {
    type Err = String;
    fn from_str(s: &str) -> Result<FailOn, String> {
        FailOn::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                format!("unknown verdict `{s}` (expected drift, violation, unmanaged, undeclared or unknown)")
            })
    }
}

/// The whole report.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Report {
    pub format_version: String,
    /// The lockward that made the report (its version).
    pub lockward_version: String,
    /// The time the report describes (lockward's "now": `LOCKWARD_NOW` or the system clock).
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub generated_at: Timestamp,
    /// The config file as the user named it.
    pub config: PathBuf,
    pub config_digest: String,
    /// The digest of the plan the verdicts were decided from: `lockward plan` prints the same
    /// one while nothing changes.
    pub plan_digest: String,
    pub state: StateSummary,
    pub journal: JournalSummary,
    /// Who the report read AWS as: per account, the caller STS names (GetCallerIdentity) and
    /// the providers that act in it, sorted by account.
    pub callers: Vec<Caller>,
    pub summary: ReportSummary,
    /// Per account and region, how many resources have each verdict and how many undeclared
    /// locks were found there; sorted by account and region.
    pub totals: Vec<ScopeTotals>,
    /// How many days ahead the horizon looks (`--horizon`).
    pub horizon_days: u32,
    /// Every point of no return, expiry and end of a delay within `horizon_days` of
    /// `generated_at`, soonest first.
    pub horizon: Vec<HorizonEntry>,
    /// Declared resources, sorted by address.
    pub resources: Vec<ResourceReport>,
    /// Locks that exist in a configured account and region but that no resource declares,
    /// sorted by region, kind and name.
    pub unmanaged: Vec<UnmanagedLock>,
    /// Where discovery looked.
    pub discovery: Vec<DiscoveryScope>,
    /// The `--target` and `--exclude` patterns the report was narrowed by, as the command
    /// line repeats them (`--target`, then the pattern); empty for the whole configuration.
    pub selection: Vec<String>,
    /// How many declared resources and found instances the selection left out: they were
    /// neither read nor reported. Records the configuration no longer declares are reported
    /// only when nothing is left out.
    pub not_selected: usize,
    /// Things about the report as a whole a reader must know (e.g. a damaged journal).
    pub notes: Vec<String>,
}

impl Report {
    /// The worst verdict of any declared resource (`compliant` when none is declared).
    pub fn worst(&self) -> Verdict {
        self.resources
            .iter()
            .map(|r| r.verdict)
            .max()
            .unwrap_or(Verdict::Compliant)
    }

    /// Whether `report --fail-on <fail_on>` exits 1.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        match fail_on {
            FailOn::Unmanaged => !self.unmanaged.is_empty(),
            other => self.resources.iter().any(|r| other.covers(r.verdict)),
        }
    }

    /// What makes the command exit 1 under every `--fail-on` given, in words (`2 violation(s)
    /// (--fail-on violation)`); empty when nothing does.
    pub fn failures(&self, fail_on: &[FailOn]) -> Vec<String> {
        let s = &self.summary;
        let mut seen = std::collections::BTreeSet::new();
        fail_on
            .iter()
            .filter(|f| seen.insert(**f) && self.fails(**f))
            .map(|f| {
                let what = match f {
                    FailOn::Drift => {
                        format!("{} drift(s) and {} violation(s)", s.drift, s.violation)
                    }
                    FailOn::Violation => format!("{} violation(s)", s.violation),
                    FailOn::Unmanaged => format!("{} unmanaged lock(s)", s.unmanaged),
                    FailOn::Undeclared => format!("{} undeclared record(s)", s.undeclared),
                    FailOn::Unknown => format!("{} unknown", s.unknown),
                };
                format!("{what} (--fail-on {})", f.as_str())
            })
            .collect()
    }
}

/// Who the credentials of some providers act as, in one account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Caller {
    /// The account, or empty when STS could not be asked.
    pub account: String,
    /// The caller's ARN as STS reports it, or why it is unknown.
    pub arn: String,
    /// The providers whose credentials act as this caller, sorted.
    pub providers: Vec<String>,
    /// The account's name in AWS Organizations, when an account set read there holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
}

/// The verdicts in one account and region.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ScopeTotals {
    pub account: String,
    pub region: String,
    pub compliant: usize,
    pub pending: usize,
    pub empty: usize,
    pub undeclared: usize,
    pub drift: usize,
    pub violation: usize,
    pub unknown: usize,
    pub unmanaged: usize,
}

impl ScopeTotals {
    pub fn count(&self, verdict: Verdict) -> usize {
        match verdict {
            Verdict::Compliant => self.compliant,
            Verdict::Pending => self.pending,
            Verdict::Empty => self.empty,
            Verdict::Undeclared => self.undeclared,
            Verdict::Drift => self.drift,
            Verdict::Violation => self.violation,
            Verdict::Unknown => self.unknown,
        }
    }

    pub(crate) fn add(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Compliant => self.compliant += 1,
            Verdict::Pending => self.pending += 1,
            Verdict::Empty => self.empty += 1,
            Verdict::Undeclared => self.undeclared += 1,
            Verdict::Drift => self.drift += 1,
            Verdict::Violation => self.violation += 1,
            Verdict::Unknown => self.unknown += 1,
        }
    }
}

/// A moment within the horizon: a point of no return, an expiry, the end of a delay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct HorizonEntry {
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub at: Timestamp,
    pub address: Address,
    pub account: String,
    pub region: String,
    /// What happens then, in words (its kind's).
    pub what: String,
    /// Whether it is a point of no return: after it, the lock can never be undone.
    pub point_of_no_return: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct StateSummary {
    pub path: PathBuf,
    /// `None` while nothing was ever written to the state file.
    pub lineage: Option<String>,
    pub serial: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct JournalSummary {
    pub path: PathBuf,
    /// Readable records.
    pub records: usize,
    /// Lines that could not be read.
    pub damaged_lines: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ReportSummary {
    pub compliant: usize,
    pub pending: usize,
    pub empty: usize,
    pub undeclared: usize,
    pub drift: usize,
    pub violation: usize,
    pub unknown: usize,
    pub unmanaged: usize,
}

impl ReportSummary {
    pub(crate) fn add(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Compliant => self.compliant += 1,
            Verdict::Pending => self.pending += 1,
            Verdict::Empty => self.empty += 1,
            Verdict::Undeclared => self.undeclared += 1,
            Verdict::Drift => self.drift += 1,
            Verdict::Violation => self.violation += 1,
            Verdict::Unknown => self.unknown += 1,
        }
    }

    pub fn count(&self, verdict: Verdict) -> usize {
        match verdict {
            Verdict::Compliant => self.compliant,
            Verdict::Pending => self.pending,
            Verdict::Empty => self.empty,
            Verdict::Undeclared => self.undeclared,
            Verdict::Drift => self.drift,
            Verdict::Violation => self.violation,
            Verdict::Unknown => self.unknown,
        }
    }
}

/// One declared resource.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct ResourceReport {
    pub address: Address,
    pub kind: Kind,
    pub provider: String,
    /// The account and region the resource lives in (its plan's target).
    pub account: String,
    pub region: String,
    pub verdict: Verdict,
    /// For a `pending` lock that is already the intent but not final yet (a compliance lock in
    /// its grace period): when it becomes immutable.
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub immutable_from: Option<Timestamp>,
    /// The text in force that can never change (a locked vault's policy), as AWS reports it.
    pub locked_text: Option<LockedText>,
    /// Why this verdict, as sentences for a reviewer; the first says it in one line.
    pub findings: Vec<String>,
    /// The resource's plan: the desired and live values the verdict was decided from, the
    /// planned actions with their reversibility, messages and any policy diff. Absent for an
    /// `undeclared` record: nothing is planned, nor read, for what the configuration does not
    /// declare.
    pub plan: Option<ResourcePlan>,
    /// What the state file records for this address; for an `undeclared` record, the last
    /// protection lockward knew it to have. Never a secret.
    pub recorded: Option<Record>,
    /// What the journal records lockward did to this address: every outcome of a call
    /// (`done`, `failed`, `recovered`) and every import or state edit, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Where the config file declares it: the resource's key.
    pub declared_at: Option<SourceLocation>,
    /// Where a finding about it points: `declared_at`, or the policy file when the verdict is
    /// about the policy read from it (AWS holds another policy than the file's).
    pub located_at: Option<SourceLocation>,
}

/// A place in a file lockward read: the file as lockward opened it (the config as the user
/// named it; a policy file as the config's directory joined with the path written), and a
/// 1-based line and column (in characters).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SourceLocation {
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
}

/// A text a lock holds for good.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct LockedText {
    /// What the text is, e.g. `the vault lock policy`.
    pub what: String,
    /// The text, pretty-printed.
    pub text: String,
}

/// What a resource's kind says about it for the report beyond the plan (see
/// `crate::kinds::FromPlan::facts`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KindFacts {
    /// The live lock is the intent but not final until then: the verdict is `pending`.
    pub immutable_from: Option<Timestamp>,
    pub locked_text: Option<LockedText>,
    /// Moments ahead (or past), each with its words and whether it is a point of no return.
    pub moments: Vec<(Timestamp, String, bool)>,
    /// A selection that matched nothing: the verdict is `empty`.
    pub empty: bool,
}

/// One outcome from the journal: a call that was made (or failed), an import, a recovery,
/// a state edit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct HistoryEntry {
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub ts: Timestamp,
    /// `complete_lock`, `lock_rule`, …, `import`, `recover`, `state_rm` or `state_mv`.
    pub action: String,
    /// How it ended: `done`, `failed`, or `recovered` (an earlier call whose outcome was
    /// lost, settled by reading AWS).
    pub outcome: HistoryOutcome,
    /// For a failed call: whether AWS's answer proves the call did nothing (`none`) or it may
    /// have taken effect (`unknown`).
    pub effect: Option<String>,
    /// What the journal says of it beyond the outcome: the error of a failed call, what a
    /// recovery found. Absent for a call that was done.
    pub note: Option<String>,
    /// The digest of the plan that was approved, when the change came from one.
    pub plan_digest: Option<String>,
    /// Who did it: the caller's ARN as STS reported it at the time, or why that is unknown.
    pub caller: Option<String>,
    /// How the plan was approved: `typed`, `digest` or `auto` (absent before lockward kept it,
    /// and for an import).
    pub approval: Option<crate::apply::journal::Approval>,
    /// The `apply --reason` given.
    pub reason: Option<String>,
    /// The AWS request id of the call's answer (for CloudTrail).
    pub request_id: Option<String>,
}

/// How a journaled step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HistoryOutcome {
    Done,
    Failed,
    Recovered,
}

impl HistoryOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryOutcome::Done => "done",
            HistoryOutcome::Failed => "failed",
            HistoryOutcome::Recovered => "recovered",
        }
    }
}

/// A lock that exists but that no resource declares. Its kind fills in what AWS reports of it
/// ([`crate::report::discover`]); nothing here names a kind's fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct UnmanagedLock {
    pub kind: Kind,
    /// The account its providers act in (empty when STS could not say); the report fills it.
    pub account: String,
    /// The providers whose account and region hold it.
    pub providers: Vec<String>,
    pub region: String,
    /// Its name in AWS: a vault's, a rule's identifier, a bucket's.
    pub name: String,
    /// Its state as AWS reports it (`Locked` or `InProgress` for a Glacier vault lock; `locked`
    /// or `pending_unlock` for a rule; …).
    pub lock_state: String,
    /// What else AWS reports of the lock, by field, as its kind names them (a rule's
    /// `resource_type`, a vault lock's `created` and `policy_digest`, a Backup lock's
    /// `lock_date`, a bucket's `default_retention`, …). See docs/pull-requests.md, "Reports
    /// for auditors".
    pub details: serde_json::Map<String, Value>,
    /// The lock in words, made by its kind from the same values: its state, then its details.
    #[serde(skip)]
    pub words: Phrase,
    /// The address lockward suggests declaring it under.
    pub suggested_address: Address,
    /// What to do about it.
    pub next_step: String,
    /// Where a finding about it points: the config's section of its kind (the report fills
    /// it).
    pub located_at: Option<SourceLocation>,
}

impl UnmanagedLock {
    /// A lock of `kind` named `name` in `lock_state`, found where `providers` reach `region`,
    /// to be declared as `suggested_address` (see [`UnmanagedLock::next_step`]); no details yet.
    pub fn new(
        kind: Kind,
        providers: Vec<String>,
        region: String,
        name: &str,
        lock_state: &str,
        suggested_address: Address,
        next_step: String,
    ) -> UnmanagedLock {
        UnmanagedLock {
            kind,
            account: String::new(),
            providers,
            region,
            name: name.to_string(),
            lock_state: lock_state.to_string(),
            details: serde_json::Map::new(),
            words: Phrase::default().value(lock_state),
            suggested_address,
            next_step,
            located_at: None,
        }
    }

    /// Adds a detail, `field` as its kind names it with its value as AWS reports it, and the
    /// words that say it after the state (`, expires `, then the value).
    pub fn detail(mut self, field: &str, value: impl Serialize, words: Phrase) -> UnmanagedLock {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.details.insert(field.to_string(), value);
        self.words.0.extend(words.0);
        self
    }
}

/// One account and region discovery searched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct DiscoveryScope {
    /// The account its first provider acts in (empty when STS could not say).
    pub account: String,
    /// The providers that reach this account and region.
    pub providers: Vec<String>,
    pub region: String,
    /// How many resources of each kind that discovers were listed (vaults, every Recycle Bin
    /// rule whatever its resource type, backup vaults, the buckets in the region).
    pub listed: std::collections::BTreeMap<Kind, usize>,
}

/// The report JSON Schema (draft 2020-12), generated from these types: what
/// `schema/report.schema.json` holds (a test checks that it does).
pub fn schema() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let mut schema = generator.into_root_schema_for::<Report>();
    schema.insert(
        "$id".into(),
        Value::String(format!(
            "urn:lockward:schema:report:{REPORT_FORMAT_VERSION}"
        )),
    );
    schema.insert("title".into(), Value::String("lockward report".into()));
    schema.insert(
        "description".into(),
        Value::String(format!(
            "The report JSON that `lockward report --format json` writes (format_version {REPORT_FORMAT_VERSION}). Generated from the Rust types in src/report/model.rs."
        )),
    );
    serde_json::to_value(&schema).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::sample;

    fn report_with(verdicts: &[Verdict]) -> Report {
        let plan = |name: &str| ResourcePlan {
            address: sample::address(name),
            kind: sample::KIND,
            physical_key: format!("{}:123456789012:us-east-1:{name}", sample::KIND),
            outcome: crate::plan::Outcome::Noop,
            target: crate::plan::Target::for_tests(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            key: None,
            live: serde_json::Value::Null,
            desired: serde_json::Value::Null,
            recorded: serde_json::json!({"state": "none"}),
            actions: vec![],
            messages: vec![],
            text_diff: None,
            recovery: None,
        };
        Report {
            format_version: REPORT_FORMAT_VERSION.into(),
            lockward_version: "0".into(),
            generated_at: Timestamp::UNIX_EPOCH,
            config: "lockward.yaml".into(),
            config_digest: String::new(),
            plan_digest: String::new(),
            state: StateSummary {
                path: "s".into(),
                lineage: None,
                serial: 0,
            },
            journal: JournalSummary {
                path: "j".into(),
                records: 0,
                damaged_lines: 0,
            },
            callers: vec![],
            summary: ReportSummary::default(),
            totals: vec![],
            horizon_days: 30,
            horizon: vec![],
            resources: verdicts
                .iter()
                .enumerate()
                .map(|(i, v)| ResourceReport {
                    address: sample::address(&format!("r{i}")),
                    kind: sample::KIND,
                    provider: "default".into(),
                    account: "123456789012".into(),
                    region: "us-east-1".into(),
                    verdict: *v,
                    immutable_from: None,
                    locked_text: None,
                    findings: vec![],
                    plan: Some(plan(&format!("r{i}"))),
                    recorded: None,
                    history: vec![],
                    declared_at: None,
                    located_at: None,
                })
                .collect(),
            unmanaged: vec![],
            discovery: vec![],
            selection: vec![],
            not_selected: 0,
            notes: vec![],
        }
    }

    #[test]
    fn fail_on_drift_includes_violations_and_fail_on_violation_only_those() {
        use Verdict::*;
        for (verdicts, drift, violation) in [
            (vec![], false, false),
            (vec![Compliant, Pending], false, false),
            (vec![Compliant, Drift], true, false),
            (vec![Violation, Pending], true, true),
        ] {
            let r = report_with(&verdicts);
            assert_eq!(r.fails(FailOn::Drift), drift, "{verdicts:?}");
            assert_eq!(r.fails(FailOn::Violation), violation, "{verdicts:?}");
        }
        assert_eq!("violation".parse::<FailOn>(), Ok(FailOn::Violation));
        assert_eq!("unmanaged".parse::<FailOn>(), Ok(FailOn::Unmanaged));
        assert!("pending".parse::<FailOn>().is_err());
    }

    #[test]
    fn fail_on_unmanaged_fails_only_on_an_undeclared_lock_and_each_fail_on_counts_once() {
        let mut r = report_with(&[Verdict::Compliant]);
        assert!(r.failures(&[FailOn::Unmanaged, FailOn::Drift]).is_empty());
        r.unmanaged.push(UnmanagedLock::new(
            crate::kinds::sample::KIND,
            vec!["default".into()],
            "us-east-1".into(),
            "stray",
            "Locked",
            crate::kinds::sample::address("stray"),
            String::new(),
        ));
        r.summary.unmanaged = 1;
        assert!(!r.fails(FailOn::Drift));
        assert_eq!(
            r.failures(&[FailOn::Unmanaged, FailOn::Unmanaged, FailOn::Violation]),
            vec!["1 unmanaged lock(s) (--fail-on unmanaged)".to_string()]
        );
    }
}
