//! The one dispatch point between the generic engine and the lock kinds.
//!
//! Each kind lives in its folder (`backup/`, `glacier/`, `rbin/`, `s3/`, `snowball/`): its
//! config block as written and its checks (`config.rs`), its desired type, live type and
//! read, recorded type, transition table, action steps, its words for the plan renderers,
//! its report drift and import (`report.rs`), its AWS service trait with the SDK adapter and
//! its part of the in-memory fake, its discovery (`discover.rs`), its part of the demo
//! (`demo.rs`), and its tests. Each folder implements [`LockKind`].
//!
//! This file holds [`Kind`] and [`Kind::ALL`], the enums over the kinds' typed values
//! ([`Desired`], [`Live`], [`Record`]), [`Paired`] (one resource's values of one kind, paired
//! once), the kinds' sections of the config file ([`RawSections`], [`Blocks`],
//! [`CheckedDesired`]), their parts of the fake ([`FakeLocks`]), and the exhaustive matches
//! that reach each kind. No other file matches over kinds with a wildcard arm. Adding a kind
//! is its folder, one variant in each enum here with its one-line arms, and the emulator's
//! service file.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use jiff::Timestamp;
use schemars::JsonSchema;

use crate::apply::step::{Step, StepError};
use crate::aws::AwsError;
use crate::config::error::{Diagnostic, Source};
use crate::config::load::section;
use crate::config::validate::{Checker, Declared, PolicyFile};
use crate::config::yaml::Node;
use crate::plan::{Action, Attempt, Message, Outcome, Recovery, ResourcePlan, Reversibility};
use crate::vocabulary::Target;
use crate::vocabulary::{Address, Kind};

use backup::{BackupDesired, BackupRecord};
use ebs::{EbsDesired, EbsRecord};
use glacier::{GlacierDesired, GlacierRecord};
use rbin::{RbinDesired, RbinRecord};
use s3::{S3Desired, S3Record};
use snowball::{SnowballDesired, SnowballRecord};

/// Declares a kind's action enum: for each action its variant, its name in plans and journals,
/// the least class a plan may give it, the [`ActionKind`] constant that wraps it (e.g.
/// `ActionKind::COMPLETE_LOCK`), so engine and kind code name an action the same way, and the
/// IAM permissions its call needs (`lockward iam-policy`; the reads around it are the kind's
/// [`LockKind::READ_PERMISSIONS`]).
macro_rules! kind_actions {
    ($(#[$doc:meta])* $enum:ident in $wrap:ident {
        $( $(#[$vdoc:meta])* $variant:ident = $name:literal, $class:ident, $konst:ident,
            [$($permission:literal),*]; )+
    }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $enum {
            $( $(#[$vdoc])* $variant, )+
        }

        impl $enum {
            /// Every action of the kind.
            pub const ALL: &'static [$enum] = &[$($enum::$variant),+];

            /// Its name in plans and journals.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($enum::$variant => $name,)+
                }
            }

            /// The least class a plan may give it.
            pub fn reversibility(self) -> crate::plan::Reversibility {
                match self {
                    $($enum::$variant => crate::plan::Reversibility::$class,)+
                }
            }

            /// The IAM permissions its call needs (none for a step that calls no AWS API).
            pub fn permissions(self) -> &'static [&'static str] {
                match self {
                    $($enum::$variant => &[$($permission),*],)+
                }
            }
        }

        impl From<$enum> for crate::kinds::ActionKind {
            fn from(action: $enum) -> Self {
                crate::kinds::ActionKind::$wrap(action)
            }
        }

        impl crate::kinds::ActionKind {
            $( pub const $konst: crate::kinds::ActionKind =
                crate::kinds::ActionKind::$wrap($enum::$variant); )+
        }
    };
}
pub(crate) use kind_actions;

pub mod backup;
pub mod ebs;
pub mod glacier;
pub mod rbin;
pub mod s3;
pub mod snowball;

/// What one lock kind is to the engine: its typed values and the pure and the I/O parts the
/// engine calls. Static dispatch only: the engine reaches a kind through the exhaustive
/// matches in this file, never through a `dyn` registry, so two kinds' values can never meet.
pub trait LockKind {
    /// The kind's name in the config file and in addresses.
    const KIND: Kind;
    /// The AWS service its calls go to, as the SDK names it (`AWS_ENDPOINT_URL_<ID>`).
    const SERVICE: &'static str;
    /// Every action a plan for this kind may hold. The class each has in a plan is decided
    /// per resource by [`LockKind::decide`]; [`ActionKind::reversibility`] is only its floor.
    const ACTIONS: &'static [ActionKind];
    /// The kind's action enum (declared with `kind_actions!`), which [`ActionKind`] wraps.
    type Action: Copy + Into<ActionKind>;
    /// What one resource of the kind is called in AWS's words ("vault", "bucket").
    const NOUN: &'static str;
    /// The most requests one [`LockKind::read`] makes one after another: refresh starts the
    /// longest reads first, so that no long chain is left for the end.
    const READ_DEPTH: usize;
    /// Whether the read needs the target's account (S3 names it as the expected bucket owner).
    /// When it does not, refresh reads at once, while STS is still asked which account the
    /// provider acts in, and the target passed to the read has no account yet.
    const READ_NEEDS_ACCOUNT: bool = false;
    /// The IAM permissions `report`'s discovery of the kind's undeclared locks needs.
    const DISCOVER_PERMISSIONS: &'static [&'static str] = &[];
    /// How a number of the kind's resources listed by discovery reads in the report.
    const LISTED: crate::words::Counted;
    /// The IAM permissions `plan` needs for a resource of this kind.
    const READ_PERMISSIONS: &'static [&'static str];
    /// The config fields that name what the lock is on, or a file lockward reads or writes:
    /// `${account_name}` is refused there (a renamed account must never point a lock at
    /// another thing).
    const IDENTITY_FIELDS: &'static [&'static str];
    /// The fields a resource of the kind cannot have under a provider template (`for_each`),
    /// each with what to write instead.
    const TEMPLATE_REFUSES: &'static [(&'static str, &'static str)] = &[];
    /// What the config block asks for, after validation: the plan's `desired` value.
    type Desired: Serialize + JsonSchema;
    /// What AWS says now, as refresh reads it: the plan's `live` value.
    type Live: Serialize + JsonSchema;
    /// What the state file remembers about one resource of this kind.
    type Record: Serialize;

    /// The account and the id of the resource's physical key (DESIGN.md section 1). No
    /// account for a resource whose id is global (an S3 bucket): its key is then the kind and
    /// the id alone.
    fn physical_id<'a>(
        desired: &'a Self::Desired,
        target: &'a Target,
    ) -> (Option<&'a str>, &'a str);

    /// Reads the live state where `target` says the resource lives (the account its
    /// provider's credentials act in, the provider's region; the account is empty unless
    /// [`LockKind::READ_NEEDS_ACCOUNT`]). Makes only read-only calls. `now` is the run's
    /// clock: what a live value that depends on time (a lock date passed or not) is read as of.
    fn read(
        desired: &Self::Desired,
        config_dir: &Path,
        target: &Target,
        clients: &ProviderClients,
        now: Timestamp,
    ) -> impl Future<Output = Result<Self::Live, AwsError>> + Send;

    /// The instances a declared resource stands for when they are found at plan time (an
    /// `ebs_snapshot_lock`'s `select`): each one's key and desired value. `None` for a
    /// resource that stands for itself (every other kind's, and an instance already). Makes
    /// only read-only calls.
    fn instances(
        _desired: &Self::Desired,
        _clients: &ProviderClients,
    ) -> impl Future<Output = Result<Instances<Self::Desired>, AwsError>> + Send {
        async { Ok(None) }
    }

    /// Whether [`LockKind::instances`] finds the resource's instances at plan time (it stands
    /// for what it finds, not for itself).
    fn finds_instances(_desired: &Self::Desired) -> bool {
        false
    }

    /// The transition table (DESIGN.md section 3): pure, no I/O, no clock. `target` is where
    /// `live` was read (what a policy naming a resource is checked against). Marks each
    /// action that lowers protection (DESIGN.md section 1).
    fn decide(
        desired: &Self::Desired,
        live: &Self::Live,
        target: &Target,
        record: Option<&Self::Record>,
        attempts: &[&Attempt],
        now: Timestamp,
    ) -> Decision;

    /// The resource's live and desired values in words (its `words.rs`), or `None` for a
    /// shape this build does not know.
    fn describe(r: &ResourcePlan) -> Option<crate::words::ResourceWords>;

    /// What `action`'s class means for it, in a reviewer's terms; `None` for an action that
    /// is not one of [`LockKind::ACTIONS`].
    fn consequence(action: ActionKind, class: Reversibility) -> Option<&'static str>;

    /// Carries out one of [`LockKind::ACTIONS`] for this resource: a journal `intent` before
    /// each mutating call, the result in the state file, then `done` or `failed` (DESIGN.md
    /// section 5). Must be idempotent: apply again converges.
    fn step(
        action: Self::Action,
        desired: &Self::Desired,
        step: &Step<'_, '_>,
        clients: &ProviderClients,
    ) -> impl Future<Output = Result<String, StepError>>;
}

/// The instances a declared resource found when lockward planned (see
/// [`LockKind::instances`]): each one's key and desired value; `None` for a resource that
/// stands for itself.
pub type Instances<D> = Option<Vec<(String, D)>>;

/// The clients of one provider, built once and shared by every resource that names it.
#[derive(Clone)]
pub struct ProviderClients {
    pub glacier: Arc<dyn glacier::GlacierApi>,
    pub rbin: Arc<dyn rbin::RbinApi>,
    pub snowball: Arc<dyn snowball::SnowballApi>,
    pub sts: Arc<dyn crate::aws::StsApi>,
    pub backup: Arc<dyn backup::BackupApi>,
    pub ec2: Arc<dyn ebs::Ec2Api>,
    pub s3: Arc<dyn s3::S3Api>,
    /// Where each service's calls go, by SDK id, when not to AWS's own endpoint: the
    /// provider's `endpoint_url`, or what the environment and the profile set. `None` for
    /// clients that are not the SDK's (the in-memory fake).
    pub endpoints: Option<BTreeMap<&'static str, String>>,
}

impl ProviderClients {
    /// Builds the clients: region, profile, endpoint and role from the provider; credentials
    /// from the standard chain (env, profile, SSO, web identity, IMDS) unless the provider
    /// names a profile, which is then the only source of credentials (see
    /// `aws::sdk::profile_credentials`); `AWS_ENDPOINT_URL` honoured as the SDK does. Every call the
    /// clients make, AssumeRole included, goes to the provider's `endpoint_url` when it has
    /// one. Makes no call: credentials are resolved on first use.
    pub async fn connect(
        provider: &crate::config::Provider,
        options: &crate::aws::ClientOptions,
    ) -> ProviderClients {
        use crate::aws::sdk::Lazy;
        let config = crate::aws::sdk::sdk_config(provider, options).await;
        let endpoints = SERVICES
            .iter()
            .filter_map(|&service| Some((service, crate::aws::sdk::endpoint_of(&config, service)?)))
            .collect();
        ProviderClients {
            glacier: Arc::new(glacier::SdkGlacier(Lazy::new(
                &config,
                aws_sdk_glacier::Client::new,
            ))),
            rbin: Arc::new(rbin::SdkRbin(Lazy::new(&config, aws_sdk_rbin::Client::new))),
            snowball: Arc::new(snowball::SdkSnowball(Lazy::new(
                &config,
                aws_sdk_snowball::Client::new,
            ))),
            sts: Arc::new(crate::aws::sdk::SdkSts(Lazy::new(
                &config,
                aws_sdk_sts::Client::new,
            ))),
            backup: Arc::new(backup::SdkBackup(Lazy::new(
                &config,
                aws_sdk_backup::Client::new,
            ))),
            ec2: Arc::new(ebs::query::QueryEc2::new(
                &config,
                crate::aws::sdk::endpoint_of(&config, "ec2"),
                options.max_attempts,
            )),
            s3: Arc::new(s3::SdkS3::client(&config)),
            endpoints: Some(endpoints),
        }
    }
}

/// The services [`ProviderClients`] has a client for, by SDK id (lowercase): every service a
/// provider's calls can reach.
pub const SERVICES: [&str; 7] = ["glacier", "rbin", "snowball", "sts", "backup", "s3", "ec2"];

impl ProviderClients {
    /// One value serving every service (the in-memory fake).
    pub fn every<T>(api: T) -> ProviderClients
    where
        T: glacier::GlacierApi
            + rbin::RbinApi
            + snowball::SnowballApi
            + crate::aws::StsApi
            + backup::BackupApi
            + ebs::Ec2Api
            + s3::S3Api
            + Clone
            + 'static,
    {
        ProviderClients {
            glacier: Arc::new(api.clone()),
            rbin: Arc::new(api.clone()),
            snowball: Arc::new(api.clone()),
            sts: Arc::new(api.clone()),
            backup: Arc::new(api.clone()),
            ec2: Arc::new(api.clone()),
            s3: Arc::new(api),
            endpoints: None,
        }
    }
}

/// Each kind's resources in the in-memory fake AWS (`aws::fake`); each kind's `fake.rs`
/// serves its calls from its part.
#[derive(Clone, Debug, Default)]
pub struct FakeLocks {
    pub backup_vaults: BTreeMap<String, backup::BackupVaultInfo>,
    /// EBS snapshots by id, with their locks.
    pub snapshots: BTreeMap<String, ebs::fake::FakeSnapshot>,
    pub vaults: BTreeMap<String, glacier::fake::FakeVault>,
    pub(crate) next_lock: u32,
    pub rules: BTreeMap<String, rbin::RuleInfo>,
    pub buckets: BTreeMap<String, s3::fake::FakeBucket>,
    /// Each job with its unlock code.
    pub jobs: BTreeMap<String, (snowball::JobInfo, String)>,
}

impl FakeLocks {
    /// Each kind's operations that change something (or disclose a secret).
    pub const MUTATING: [&[&str]; 6] = [
        backup::fake::MUTATING,
        ebs::fake::MUTATING,
        glacier::fake::MUTATING,
        rbin::fake::MUTATING,
        s3::fake::MUTATING,
        snowball::fake::MUTATING,
    ];
}

/// One resource's desired, live and recorded values, all of kind `K`.
pub struct Bound<'a, K: LockKind> {
    pub desired: &'a K::Desired,
    pub live: &'a K::Live,
    pub record: Option<&'a K::Record>,
}

impl<K: LockKind> Bound<'_, K> {
    fn decide(&self, target: &Target, attempts: &[&Attempt], now: Timestamp) -> Decision {
        K::decide(self.desired, self.live, target, self.record, attempts, now)
    }
}

/// A resource whose desired value, live value and record are of one kind, paired once: no
/// code that holds one can meet a Glacier record for a Snowball address.
pub enum Paired<'a> {
    GlacierVaultLock(Bound<'a, glacier::Glacier>),
    RbinRuleLock(Bound<'a, rbin::Rbin>),
    SnowballUnlockCode(Bound<'a, snowball::Snowball>),
    BackupVaultLock(Bound<'a, backup::Backup>),
    EbsSnapshotLock(Bound<'a, ebs::Ebs>),
    S3ObjectLock(Bound<'a, s3::S3>),
}

impl<'a> Paired<'a> {
    /// Pairs `desired` with the live value refresh read for it and the record that speaks for
    /// it. `None` when `live` is of another kind: refresh reads each live value from its
    /// desired one, so only a snapshot assembled by hand for another config can do that. A
    /// record of another kind (a hand-edited state file) does not speak for the resource.
    pub fn new(desired: &'a Desired, live: &'a Live, record: Option<&'a Record>) -> Option<Self> {
        Some(match desired {
            Desired::GlacierVaultLock(desired) => Paired::GlacierVaultLock(Bound {
                desired,
                live: live.glacier()?,
                record: record.and_then(Record::glacier),
            }),
            Desired::RbinRuleLock(desired) => Paired::RbinRuleLock(Bound {
                desired,
                live: live.rbin()?,
                record: record.and_then(Record::rbin),
            }),
            Desired::SnowballUnlockCode(desired) => Paired::SnowballUnlockCode(Bound {
                desired,
                live: live.snowball()?,
                record: record.and_then(Record::snowball),
            }),
            Desired::BackupVaultLock(desired) => Paired::BackupVaultLock(Bound {
                desired,
                live: live.backup()?,
                record: record.and_then(Record::backup),
            }),
            Desired::EbsSnapshotLock(desired) => Paired::EbsSnapshotLock(Bound {
                desired,
                live: live.ebs()?,
                record: record.and_then(Record::ebs),
            }),
            Desired::S3ObjectLock(desired) => Paired::S3ObjectLock(Bound {
                desired,
                live: live.s3()?,
                record: record.and_then(Record::s3),
            }),
        })
    }

    /// What the kind's transition table decides for this resource.
    pub fn decide(&self, target: &Target, attempts: &[&Attempt], now: Timestamp) -> Decision {
        match self {
            Paired::GlacierVaultLock(b) => b.decide(target, attempts, now),
            Paired::RbinRuleLock(b) => b.decide(target, attempts, now),
            Paired::SnowballUnlockCode(b) => b.decide(target, attempts, now),
            Paired::BackupVaultLock(b) => b.decide(target, attempts, now),
            Paired::EbsSnapshotLock(b) => b.decide(target, attempts, now),
            Paired::S3ObjectLock(b) => b.decide(target, attempts, now),
        }
    }
}

/// One resource's desired, live and recorded values as a plan holds them (its digested
/// `desired`, `live` and `recorded` JSON), read back into the kind's own types: what a saved
/// plan's words are made from again (DESIGN.md section 5, "What the reviewer reads is
/// sealed"), so that no word of the file is ever shown.
pub struct FromPlan {
    desired: Desired,
    live: Live,
    record: Option<Record>,
    attempts: Vec<Attempt>,
    target: Target,
}

impl FromPlan {
    /// The values of `r`, or `None` when one of them is not of the shape its kind writes.
    pub fn read(r: &ResourcePlan) -> Option<FromPlan> {
        use serde_json::from_value as typed;
        let record = r.recorded.get("record").cloned();
        let (desired, live, record) = match r.kind {
            Kind::GlacierVaultLock => (
                Desired::GlacierVaultLock(typed(r.desired.clone()).ok()?),
                Live::GlacierVaultLock(typed(r.live.clone()).ok()?),
                record
                    .map(typed)
                    .transpose()
                    .ok()?
                    .map(Record::GlacierVaultLock),
            ),
            Kind::RbinRuleLock => (
                Desired::RbinRuleLock(typed(r.desired.clone()).ok()?),
                Live::RbinRuleLock(typed(r.live.clone()).ok()?),
                record
                    .map(typed)
                    .transpose()
                    .ok()?
                    .map(Record::RbinRuleLock),
            ),
            Kind::SnowballUnlockCode => {
                let mut desired: SnowballDesired = typed(r.desired.clone()).ok()?;
                let record: Option<SnowballRecord> = record.map(typed).transpose().ok()?;
                // The plan writes `deliver_to` relative to the config's directory and the
                // record as it was delivered: the record names the directory when it names
                // this path.
                if let Some(base) = record
                    .as_ref()
                    .and_then(|r| base_of(&r.deliver_to, &desired.deliver_to))
                {
                    desired.deliver_to = base.join(&desired.deliver_to);
                    desired.base = base;
                }
                (
                    Desired::SnowballUnlockCode(desired),
                    Live::SnowballUnlockCode(typed(r.live.clone()).ok()?),
                    record.map(Record::SnowballUnlockCode),
                )
            }
            Kind::BackupVaultLock => (
                Desired::BackupVaultLock(typed(r.desired.clone()).ok()?),
                Live::BackupVaultLock(typed(r.live.clone()).ok()?),
                record
                    .map(typed)
                    .transpose()
                    .ok()?
                    .map(Record::BackupVaultLock),
            ),
            Kind::EbsSnapshotLock => (
                Desired::EbsSnapshotLock(typed(r.desired.clone()).ok()?),
                Live::EbsSnapshotLock(typed(r.live.clone()).ok()?),
                record
                    .map(typed)
                    .transpose()
                    .ok()?
                    .map(Record::EbsSnapshotLock),
            ),
            Kind::S3ObjectLock => (
                Desired::S3ObjectLock(typed(r.desired.clone()).ok()?),
                Live::S3ObjectLock(typed(r.live.clone()).ok()?),
                record
                    .map(typed)
                    .transpose()
                    .ok()?
                    .map(Record::S3ObjectLock),
            ),
        };
        let attempts = match r.recorded.get("attempts") {
            None => Vec::new(),
            Some(list) => list
                .as_array()?
                .iter()
                .map(Attempt::from_recorded_json)
                .collect::<Option<Vec<_>>>()?,
        };
        Some(FromPlan {
            desired,
            live,
            record,
            attempts,
            target: r.target.clone(),
        })
    }

    /// What the kind's transition table decides from these values as of `now`: the same
    /// function the planner calls, so the words are the planner's words for these values.
    pub fn decide(&self, now: Timestamp) -> Option<Decision> {
        let paired = Paired::new(&self.desired, &self.live, self.record.as_ref())?;
        let attempts: Vec<&Attempt> = self.attempts.iter().collect();
        Some(paired.decide(&self.target, &attempts, now))
    }

    /// What the resource's kind says about it for the compliance report beyond the plan: when
    /// a lock that is the intent becomes final, a text locked for good, and the moments ahead
    /// (each kind's `report::facts`).
    pub fn facts(&self) -> crate::report::KindFacts {
        let Some(paired) = Paired::new(&self.desired, &self.live, self.record.as_ref()) else {
            return crate::report::KindFacts::default();
        };
        match paired {
            Paired::GlacierVaultLock(b) => glacier::report::facts(b.desired, b.live),
            Paired::RbinRuleLock(b) => rbin::report::facts(b.desired, b.live),
            Paired::SnowballUnlockCode(b) => snowball::report::facts(b.desired, b.live),
            Paired::BackupVaultLock(b) => backup::report::facts(b.desired, b.live),
            Paired::EbsSnapshotLock(b) => ebs::report::facts(b.desired, b.live),
            Paired::S3ObjectLock(_) => crate::report::KindFacts::default(),
        }
    }

    /// Whether AWS does not know the resource where it was looked for.
    pub fn live_is_missing(&self) -> bool {
        self.live.is_missing()
    }
}

/// The directory that, joined with the relative `tail`, gives `path`.
fn base_of(path: &Path, tail: &Path) -> Option<std::path::PathBuf> {
    if tail.is_absolute() || !path.ends_with(tail) {
        return None;
    }
    let mut base = path.to_path_buf();
    for _ in tail.components() {
        base.pop();
    }
    Some(base)
}

impl Desired {
    /// The account and the id of the resource's physical key in `target`.
    pub fn physical_id<'a>(&'a self, target: &'a Target) -> (Option<&'a str>, &'a str) {
        match self {
            Desired::GlacierVaultLock(d) => glacier::Glacier::physical_id(d, target),
            Desired::RbinRuleLock(d) => rbin::Rbin::physical_id(d, target),
            Desired::SnowballUnlockCode(d) => snowball::Snowball::physical_id(d, target),
            Desired::BackupVaultLock(d) => backup::Backup::physical_id(d, target),
            Desired::EbsSnapshotLock(d) => ebs::Ebs::physical_id(d, target),
            Desired::S3ObjectLock(d) => s3::S3::physical_id(d, target),
        }
    }

    /// Reads the live state of this resource (read-only calls).
    pub async fn read(
        &self,
        config_dir: &Path,
        target: &Target,
        clients: &ProviderClients,
        now: Timestamp,
    ) -> Result<Live, AwsError> {
        let (dir, t, c, n) = (config_dir, target, clients, now);
        Ok(match self {
            Desired::GlacierVaultLock(d) => {
                Live::GlacierVaultLock(glacier::Glacier::read(d, dir, t, c, n).await?)
            }
            Desired::RbinRuleLock(d) => {
                Live::RbinRuleLock(rbin::Rbin::read(d, dir, t, c, n).await?)
            }
            Desired::SnowballUnlockCode(d) => {
                Live::SnowballUnlockCode(snowball::Snowball::read(d, dir, t, c, n).await?)
            }
            Desired::BackupVaultLock(d) => {
                Live::BackupVaultLock(backup::Backup::read(d, dir, t, c, n).await?)
            }
            Desired::EbsSnapshotLock(d) => {
                Live::EbsSnapshotLock(ebs::Ebs::read(d, dir, t, c, n).await?)
            }
            Desired::S3ObjectLock(d) => Live::S3ObjectLock(s3::S3::read(d, dir, t, c, n).await?),
        })
    }
}

impl Desired {
    /// The instances this declared resource stands for, found at plan time (see
    /// [`LockKind::instances`]); `None` when it stands for itself.
    pub async fn instances(
        &self,
        clients: &ProviderClients,
    ) -> Result<Instances<Desired>, AwsError> {
        fn wrap<D>(found: Instances<D>, as_desired: fn(D) -> Desired) -> Instances<Desired> {
            found.map(|v| v.into_iter().map(|(k, d)| (k, as_desired(d))).collect())
        }
        let c = clients;
        Ok(match self {
            Desired::GlacierVaultLock(d) => wrap(
                glacier::Glacier::instances(d, c).await?,
                Desired::GlacierVaultLock,
            ),
            Desired::RbinRuleLock(d) => {
                wrap(rbin::Rbin::instances(d, c).await?, Desired::RbinRuleLock)
            }
            Desired::SnowballUnlockCode(d) => wrap(
                snowball::Snowball::instances(d, c).await?,
                Desired::SnowballUnlockCode,
            ),
            Desired::BackupVaultLock(d) => wrap(
                backup::Backup::instances(d, c).await?,
                Desired::BackupVaultLock,
            ),
            Desired::EbsSnapshotLock(d) => {
                wrap(ebs::Ebs::instances(d, c).await?, Desired::EbsSnapshotLock)
            }
            Desired::S3ObjectLock(d) => wrap(s3::S3::instances(d, c).await?, Desired::S3ObjectLock),
        })
    }

    /// Whether the resource finds its instances at plan time (see
    /// [`LockKind::finds_instances`]).
    pub fn finds_instances(&self) -> bool {
        match self {
            Desired::GlacierVaultLock(d) => glacier::Glacier::finds_instances(d),
            Desired::RbinRuleLock(d) => rbin::Rbin::finds_instances(d),
            Desired::SnowballUnlockCode(d) => snowball::Snowball::finds_instances(d),
            Desired::BackupVaultLock(d) => backup::Backup::finds_instances(d),
            Desired::EbsSnapshotLock(d) => ebs::Ebs::finds_instances(d),
            Desired::S3ObjectLock(d) => s3::S3::finds_instances(d),
        }
    }

    /// The name discovery lists this resource under (a vault's, a rule's, a bucket's), so that
    /// it is not reported as unmanaged; `None` for a kind discovery does not list.
    pub fn discovered_as(&self) -> Option<&str> {
        match self {
            Desired::GlacierVaultLock(d) => Some(&d.vault),
            Desired::RbinRuleLock(d) => Some(&d.rule_id),
            Desired::BackupVaultLock(d) => Some(&d.vault),
            Desired::EbsSnapshotLock(d) => d.snapshot_id.as_deref(),
            Desired::S3ObjectLock(d) => Some(&d.bucket),
            Desired::SnowballUnlockCode(_) => None,
        }
    }

    /// The policy text the desired state sets, for the kinds that set one: substituted for each
    /// instance of a template (`config/expand.rs`).
    pub fn policy_mut(&mut self) -> Option<&mut crate::config::Policy> {
        match self {
            Desired::GlacierVaultLock(d) => Some(&mut d.policy),
            Desired::BackupVaultLock(_)
            | Desired::EbsSnapshotLock(_)
            | Desired::RbinRuleLock(_)
            | Desired::S3ObjectLock(_)
            | Desired::SnowballUnlockCode(_) => None,
        }
    }

    /// The file the resource delivers a secret to, for a kind that delivers one (import
    /// looks at what is there).
    pub fn delivers_to(&self) -> Option<&Path> {
        match self {
            Desired::SnowballUnlockCode(d) => Some(&d.deliver_to),
            Desired::BackupVaultLock(_)
            | Desired::EbsSnapshotLock(_)
            | Desired::GlacierVaultLock(_)
            | Desired::RbinRuleLock(_)
            | Desired::S3ObjectLock(_) => None,
        }
    }

    /// The S3 bucket whose Object Lock this resource manages, if any: the S3 backend's state
    /// bucket must never be one (DESIGN.md section 8).
    pub fn object_lock_bucket(&self) -> Option<&str> {
        match self {
            Desired::S3ObjectLock(d) => Some(&d.bucket),
            Desired::BackupVaultLock(_)
            | Desired::EbsSnapshotLock(_)
            | Desired::GlacierVaultLock(_)
            | Desired::RbinRuleLock(_)
            | Desired::SnowballUnlockCode(_) => None,
        }
    }

    /// Carries out `action` for this resource (see [`LockKind::step`]).
    pub async fn step(
        &self,
        action: ActionKind,
        step: &Step<'_, '_>,
        clients: &ProviderClients,
    ) -> Result<String, StepError> {
        match (self, action) {
            (Desired::GlacierVaultLock(d), ActionKind::GlacierVaultLock(a)) => {
                glacier::Glacier::step(a, d, step, clients).await
            }
            (Desired::RbinRuleLock(d), ActionKind::RbinRuleLock(a)) => {
                rbin::Rbin::step(a, d, step, clients).await
            }
            (Desired::SnowballUnlockCode(d), ActionKind::SnowballUnlockCode(a)) => {
                snowball::Snowball::step(a, d, step, clients).await
            }
            (Desired::BackupVaultLock(d), ActionKind::BackupVaultLock(a)) => {
                backup::Backup::step(a, d, step, clients).await
            }
            (Desired::EbsSnapshotLock(d), ActionKind::EbsSnapshotLock(a)) => {
                ebs::Ebs::step(a, d, step, clients).await
            }
            (Desired::S3ObjectLock(d), ActionKind::S3ObjectLock(a)) => {
                s3::S3::step(a, d, step, clients).await
            }
            _ => Err(not_an_action_of(step.address(), action)),
        }
    }
}

impl Live {
    /// Whether AWS does not know the resource at all (no such vault, rule or job) where it was
    /// looked for.
    pub fn is_missing(&self) -> bool {
        match self {
            Live::GlacierVaultLock(l) => matches!(l, glacier::GlacierLive::VaultMissing),
            Live::RbinRuleLock(l) => matches!(l, rbin::RbinLive::RuleMissing),
            Live::SnowballUnlockCode(l) => matches!(l, snowball::SnowballLive::JobMissing { .. }),
            Live::BackupVaultLock(l) => matches!(l, backup::BackupLive::VaultMissing),
            Live::EbsSnapshotLock(l) => matches!(l, ebs::EbsLive::SnapshotMissing),
            Live::S3ObjectLock(l) => matches!(l, s3::S3Live::BucketMissing),
        }
    }

    fn glacier(&self) -> Option<&glacier::GlacierLive> {
        let Live::GlacierVaultLock(live) = self else {
            return None;
        };
        Some(live)
    }

    fn rbin(&self) -> Option<&rbin::RbinLive> {
        let Live::RbinRuleLock(live) = self else {
            return None;
        };
        Some(live)
    }

    fn snowball(&self) -> Option<&snowball::SnowballLive> {
        let Live::SnowballUnlockCode(live) = self else {
            return None;
        };
        Some(live)
    }

    fn ebs(&self) -> Option<&ebs::EbsLive> {
        let Live::EbsSnapshotLock(live) = self else {
            return None;
        };
        Some(live)
    }

    fn backup(&self) -> Option<&backup::BackupLive> {
        let Live::BackupVaultLock(live) = self else {
            return None;
        };
        Some(live)
    }

    fn s3(&self) -> Option<&s3::S3Live> {
        let Live::S3ObjectLock(live) = self else {
            return None;
        };
        Some(live)
    }
}

/// The desired state of one resource; the variant always matches `address.kind`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Desired {
    GlacierVaultLock(GlacierDesired),
    RbinRuleLock(RbinDesired),
    SnowballUnlockCode(SnowballDesired),
    BackupVaultLock(BackupDesired),
    S3ObjectLock(S3Desired),
    EbsSnapshotLock(EbsDesired),
}

/// The live state of one resource, as refresh read it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Live {
    GlacierVaultLock(glacier::GlacierLive),
    RbinRuleLock(rbin::RbinLive),
    SnowballUnlockCode(snowball::SnowballLive),
    BackupVaultLock(backup::BackupLive),
    S3ObjectLock(s3::S3Live),
    EbsSnapshotLock(ebs::EbsLive),
}

/// A default retention a lock applies to every object version written under it, as a kind's
/// discovery reports it for the compliance report (today S3 Object Lock's): the report carries
/// it, and shows it by its `Display`, without naming the kind.
pub type DefaultRetention = s3::DefaultRetention;

/// What lockward remembers about one resource. Tagged by kind so the file reads on its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    GlacierVaultLock(GlacierRecord),
    RbinRuleLock(RbinRecord),
    SnowballUnlockCode(SnowballRecord),
    BackupVaultLock(BackupRecord),
    S3ObjectLock(S3Record),
    EbsSnapshotLock(EbsRecord),
}

impl Record {
    /// Where the record was made, when the state file says.
    pub fn target(&self) -> Option<&Target> {
        match self {
            Record::GlacierVaultLock(r) => r.target.as_ref(),
            Record::RbinRuleLock(r) => r.target.as_ref(),
            Record::SnowballUnlockCode(r) => r.target.as_ref(),
            Record::BackupVaultLock(r) => r.target.as_ref(),
            Record::EbsSnapshotLock(r) => r.target.as_ref(),
            Record::S3ObjectLock(r) => r.target.as_ref(),
        }
    }

    /// The physical key of the resource, when the state file says.
    pub fn physical_key(&self) -> Option<&str> {
        match self {
            Record::GlacierVaultLock(r) => r.physical_key.as_deref(),
            Record::RbinRuleLock(r) => r.physical_key.as_deref(),
            Record::SnowballUnlockCode(r) => r.physical_key.as_deref(),
            Record::BackupVaultLock(r) => r.physical_key.as_deref(),
            Record::EbsSnapshotLock(r) => r.physical_key.as_deref(),
            Record::S3ObjectLock(r) => r.physical_key.as_deref(),
        }
    }

    /// The id of a lock the record holds that is not completed yet (Glacier's): AWS returns it
    /// only once and completing or aborting the lock needs it, so a record holding one is
    /// never forgotten by hand. Once the record says the lock was completed, the id can do
    /// nothing more and the record is settled.
    pub fn unfinished_lock_id(&self) -> Option<&str> {
        match self {
            Record::GlacierVaultLock(r) => {
                Some(r.lock_id.as_str()).filter(|id| !id.is_empty() && r.completed_at.is_none())
            }
            Record::RbinRuleLock(_)
            | Record::SnowballUnlockCode(_)
            | Record::BackupVaultLock(_)
            | Record::EbsSnapshotLock(_)
            | Record::S3ObjectLock(_) => None,
        }
    }

    /// Stamps the record with where it was made.
    pub fn locate(&mut self, target: &Target, physical_key: &str) {
        let (t, k) = match self {
            Record::GlacierVaultLock(r) => (&mut r.target, &mut r.physical_key),
            Record::RbinRuleLock(r) => (&mut r.target, &mut r.physical_key),
            Record::SnowballUnlockCode(r) => (&mut r.target, &mut r.physical_key),
            Record::BackupVaultLock(r) => (&mut r.target, &mut r.physical_key),
            Record::EbsSnapshotLock(r) => (&mut r.target, &mut r.physical_key),
            Record::S3ObjectLock(r) => (&mut r.target, &mut r.physical_key),
        };
        *t = Some(target.clone());
        *k = Some(physical_key.to_string());
    }

    /// The record as `(field, value)` pairs in a fixed order, for the state view.
    pub(crate) fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Record::GlacierVaultLock(r) => r.fields(),
            Record::RbinRuleLock(r) => r.fields(),
            Record::SnowballUnlockCode(r) => r.fields(),
            Record::BackupVaultLock(r) => r.fields(),
            Record::EbsSnapshotLock(r) => r.fields(),
            Record::S3ObjectLock(r) => r.fields(),
        }
    }

    /// The kind the record is of.
    pub fn kind(&self) -> Kind {
        match self {
            Record::GlacierVaultLock(_) => Kind::GlacierVaultLock,
            Record::RbinRuleLock(_) => Kind::RbinRuleLock,
            Record::SnowballUnlockCode(_) => Kind::SnowballUnlockCode,
            Record::BackupVaultLock(_) => Kind::BackupVaultLock,
            Record::EbsSnapshotLock(_) => Kind::EbsSnapshotLock,
            Record::S3ObjectLock(_) => Kind::S3ObjectLock,
        }
    }

    /// The record, if it is a Glacier vault lock's.
    pub fn glacier(&self) -> Option<&GlacierRecord> {
        let Record::GlacierVaultLock(r) = self else {
            return None;
        };
        Some(r)
    }

    /// The record, if it is a Recycle Bin rule lock's.
    pub fn rbin(&self) -> Option<&RbinRecord> {
        let Record::RbinRuleLock(r) = self else {
            return None;
        };
        Some(r)
    }

    /// The record, if it is a Snowball unlock code's.
    pub fn snowball(&self) -> Option<&SnowballRecord> {
        let Record::SnowballUnlockCode(r) = self else {
            return None;
        };
        Some(r)
    }

    /// The record, if it is an EBS snapshot lock's.
    pub fn ebs(&self) -> Option<&EbsRecord> {
        let Record::EbsSnapshotLock(r) = self else {
            return None;
        };
        Some(r)
    }

    /// The record, if it is an AWS Backup vault lock's.
    pub fn backup(&self) -> Option<&BackupRecord> {
        let Record::BackupVaultLock(r) = self else {
            return None;
        };
        Some(r)
    }

    /// The record, if it is an S3 bucket's Object Lock.
    pub fn s3(&self) -> Option<&S3Record> {
        let Record::S3ObjectLock(r) = self else {
            return None;
        };
        Some(r)
    }
}

/// What `kind`'s discovery finds in `scope` (see [`crate::report::discover`]); `None` for a
/// kind with nothing to discover (a Snowball job is not a lock).
pub async fn discover(
    kind: Kind,
    scope: &crate::report::discover::Scope,
    c: &ProviderClients,
    parallelism: usize,
    now: Timestamp,
) -> Result<Option<crate::report::discover::Found>, crate::report::discover::DiscoveryError> {
    Ok(Some(match kind {
        Kind::GlacierVaultLock => glacier::discover::discover(scope, c, parallelism, now).await?,
        Kind::RbinRuleLock => rbin::discover::discover(scope, c, parallelism, now).await?,
        Kind::BackupVaultLock => backup::discover::discover(scope, c, parallelism, now).await?,
        Kind::EbsSnapshotLock => ebs::discover::discover(scope, c, parallelism, now).await?,
        Kind::S3ObjectLock => s3::discover::discover(scope, c, parallelism, now).await?,
        Kind::SnowballUnlockCode => return Ok(None),
    }))
}

/// How live moved away from what `record` says lockward reached, or `None` (the report's
/// drift). Only called when the plan is not a no-op: live that matches the configuration is
/// never drift. A record of another kind (a hand-edited state file) does not speak for the
/// resource.
pub fn drift(live: &Live, record: &Record, desired: &serde_json::Value) -> Option<String> {
    match live {
        Live::GlacierVaultLock(live) => glacier::report::drift(live, record.glacier()?),
        Live::RbinRuleLock(live) => rbin::report::drift(live, record.rbin()?),
        Live::SnowballUnlockCode(live) => {
            snowball::report::drift(live, record.snowball()?, desired)
        }
        Live::BackupVaultLock(live) => backup::report::drift(live, record.backup()?),
        Live::EbsSnapshotLock(live) => ebs::report::drift(live, record.ebs()?),
        Live::S3ObjectLock(live) => s3::report::drift(live, record.s3()?),
    }
}

impl Paired<'_> {
    /// What importing the resource records (see [`crate::import::adopt`]).
    pub fn adopt(
        &self,
        delivered: &crate::import::DeliveredFile,
    ) -> Result<crate::import::Adoption, String> {
        match self {
            Paired::GlacierVaultLock(b) => glacier::report::adopt(b.desired, b.live, delivered),
            Paired::RbinRuleLock(b) => rbin::report::adopt(b.desired, b.live, delivered),
            Paired::SnowballUnlockCode(b) => snowball::report::adopt(b.desired, b.live, delivered),
            Paired::BackupVaultLock(b) => backup::report::adopt(b.desired, b.live, delivered),
            Paired::EbsSnapshotLock(b) => ebs::report::adopt(b.desired, b.live, delivered),
            Paired::S3ObjectLock(b) => s3::report::adopt(b.desired, b.live, delivered),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The config file's side of each kind: its section, typed; its checks; its resolution.

/// Each kind's section of the config file as written: the part of the config's JSON Schema
/// the kinds define (`config/raw.rs` flattens it into the top level).
#[derive(JsonSchema)]
pub struct RawSections {
    /// AWS Backup Vault Locks, by resource name (address `backup_vault_lock.<name>`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z][a-z0-9_]{0,63}$"}))]
    pub backup_vault_lock: Option<BTreeMap<String, backup::config::RawBackupVaultLock>>,

    /// EBS snapshot locks, by resource name (each snapshot is an instance:
    /// `ebs_snapshot_lock.<name>[snap-…]`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z][a-z0-9_]{0,63}$"}))]
    pub ebs_snapshot_lock: Option<BTreeMap<String, ebs::config::RawEbsSnapshotLock>>,

    /// Glacier vault locks, by resource name (address `glacier_vault_lock.<name>`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z][a-z0-9_]{0,63}$"}))]
    pub glacier_vault_lock: Option<BTreeMap<String, glacier::config::RawGlacierVaultLock>>,

    /// Recycle Bin retention rule locks, by resource name (address `rbin_rule_lock.<name>`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z][a-z0-9_]{0,63}$"}))]
    pub rbin_rule_lock: Option<BTreeMap<String, rbin::config::RawRbinRuleLock>>,

    /// Snowball job unlock codes to deliver, by resource name (address
    /// `snowball_unlock_code.<name>`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z][a-z0-9_]{0,63}$"}))]
    pub snowball_unlock_code: Option<BTreeMap<String, snowball::config::RawSnowballUnlockCode>>,

    /// S3 Object Lock on buckets and their default retention, by resource name (address
    /// `s3_object_lock.<name>`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-z][a-z0-9_]{0,63}$"}))]
    pub s3_object_lock: Option<BTreeMap<String, s3::config::RawS3ObjectLock>>,
}

/// Each kind's blocks of one config file, typed (`raw` is `None` where typing failed; those
/// errors are reported already).
#[derive(Default)]
pub(crate) struct Blocks<'a> {
    backup: Vec<Declared<'a, backup::config::RawBackupVaultLock>>,
    ebs: Vec<Declared<'a, ebs::config::RawEbsSnapshotLock>>,
    glacier: Vec<Declared<'a, glacier::config::RawGlacierVaultLock>>,
    rbin: Vec<Declared<'a, rbin::config::RawRbinRuleLock>>,
    s3: Vec<Declared<'a, s3::config::RawS3ObjectLock>>,
    snowball: Vec<Declared<'a, snowball::config::RawSnowballUnlockCode>>,
}

impl<'a> Blocks<'a> {
    /// Types `kind`'s section (`value`, the mapping of its blocks by name), reporting what
    /// does not type.
    pub(crate) fn add(
        &mut self,
        kind: Kind,
        value: &'a Node,
        source: &Source<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let (name, d) = (kind.as_str(), diagnostics);
        match kind {
            Kind::BackupVaultLock => self.backup.extend(section(name, value, source, d)),
            Kind::EbsSnapshotLock => self.ebs.extend(section(name, value, source, d)),
            Kind::GlacierVaultLock => self.glacier.extend(section(name, value, source, d)),
            Kind::RbinRuleLock => self.rbin.extend(section(name, value, source, d)),
            Kind::S3ObjectLock => self.s3.extend(section(name, value, source, d)),
            Kind::SnowballUnlockCode => self.snowball.extend(section(name, value, source, d)),
        }
    }

    /// Applies each kind's checks (its `config.rs`) to its blocks, kind by kind in address
    /// order.
    pub(crate) fn check(&self, cx: &mut Checker<'_>) {
        backup::config::check(&self.backup, cx);
        ebs::config::check(&self.ebs, cx);
        glacier::config::check(&self.glacier, cx);
        rbin::config::check(&self.rbin, cx);
        s3::config::check(&self.s3, cx);
        snowball::config::check(&self.snowball, cx);
    }
}

/// A resource's desired value once its block passed the pure checks: final, except for what
/// is still to be read from a file (a Glacier lock's `policy_file`).
#[derive(Debug)]
pub(crate) enum CheckedDesired {
    BackupVaultLock(BackupDesired),
    EbsSnapshotLock(EbsDesired),
    GlacierVaultLock(glacier::config::Pending),
    RbinRuleLock(RbinDesired),
    S3ObjectLock(S3Desired),
    SnowballUnlockCode(SnowballDesired),
}

impl CheckedDesired {
    /// The desired value, reading with `read_policy` the policy file it names, if any.
    pub(crate) fn resolve(
        self,
        read_policy: &mut dyn FnMut(&PolicyFile) -> Result<crate::config::Policy, Diagnostic>,
    ) -> Result<Desired, Diagnostic> {
        Ok(match self {
            CheckedDesired::BackupVaultLock(d) => Desired::BackupVaultLock(d),
            CheckedDesired::EbsSnapshotLock(d) => Desired::EbsSnapshotLock(d),
            CheckedDesired::GlacierVaultLock(p) => {
                Desired::GlacierVaultLock(p.resolve(read_policy)?)
            }
            CheckedDesired::RbinRuleLock(d) => Desired::RbinRuleLock(d),
            CheckedDesired::S3ObjectLock(d) => Desired::S3ObjectLock(d),
            CheckedDesired::SnowballUnlockCode(d) => Desired::SnowballUnlockCode(d),
        })
    }
}

/// A plan is made by the planner from the kind's own [`LockKind::ACTIONS`], and a saved plan
/// file is checked against its digest and the plan schema, which names each kind's actions.
/// An [`ActionKind`] knows its kind, but the resource it runs for is found by address in the
/// config, a second input: that the two are of one kind is checked here, at run time.
fn not_an_action_of(address: &Address, action: ActionKind) -> StepError {
    StepError(format!(
        "internal error: {address} cannot {}; this is a bug in lockward",
        action.as_str()
    ))
}

/// One API transition: one of a kind's actions (its `kind_actions!` enum), wrapped. Plans,
/// journals and the state name it by its name alone (`complete_lock`): names are unique across
/// kinds (a test checks), so the name says the kind too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionKind {
    BackupVaultLock(backup::BackupAction),
    EbsSnapshotLock(ebs::EbsAction),
    GlacierVaultLock(glacier::GlacierAction),
    RbinRuleLock(rbin::RbinAction),
    S3ObjectLock(s3::S3Action),
    SnowballUnlockCode(snowball::SnowballAction),
}

impl ActionKind {
    /// The kind whose action it is.
    pub fn kind(self) -> Kind {
        match self {
            ActionKind::BackupVaultLock(_) => Kind::BackupVaultLock,
            ActionKind::EbsSnapshotLock(_) => Kind::EbsSnapshotLock,
            ActionKind::GlacierVaultLock(_) => Kind::GlacierVaultLock,
            ActionKind::RbinRuleLock(_) => Kind::RbinRuleLock,
            ActionKind::S3ObjectLock(_) => Kind::S3ObjectLock,
            ActionKind::SnowballUnlockCode(_) => Kind::SnowballUnlockCode,
        }
    }

    /// Its name in plans and journals, e.g. `complete_lock`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::BackupVaultLock(a) => a.as_str(),
            ActionKind::EbsSnapshotLock(a) => a.as_str(),
            ActionKind::GlacierVaultLock(a) => a.as_str(),
            ActionKind::RbinRuleLock(a) => a.as_str(),
            ActionKind::S3ObjectLock(a) => a.as_str(),
            ActionKind::SnowballUnlockCode(a) => a.as_str(),
        }
    }

    /// How far the action can be undone at the least: a kind may raise the class for a
    /// resource ([`LockKind::decide`]), never lower it.
    pub fn reversibility(self) -> Reversibility {
        match self {
            ActionKind::BackupVaultLock(a) => a.reversibility(),
            ActionKind::EbsSnapshotLock(a) => a.reversibility(),
            ActionKind::GlacierVaultLock(a) => a.reversibility(),
            ActionKind::RbinRuleLock(a) => a.reversibility(),
            ActionKind::S3ObjectLock(a) => a.reversibility(),
            ActionKind::SnowballUnlockCode(a) => a.reversibility(),
        }
    }

    /// The IAM permissions the action's call needs.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            ActionKind::BackupVaultLock(a) => a.permissions(),
            ActionKind::EbsSnapshotLock(a) => a.permissions(),
            ActionKind::GlacierVaultLock(a) => a.permissions(),
            ActionKind::RbinRuleLock(a) => a.permissions(),
            ActionKind::S3ObjectLock(a) => a.permissions(),
            ActionKind::SnowballUnlockCode(a) => a.permissions(),
        }
    }

    /// Every kind's actions, kind by kind.
    pub fn all() -> impl Iterator<Item = ActionKind> {
        Kind::ALL
            .into_iter()
            .flat_map(|k| k.actions().iter().copied())
    }
}

impl std::str::FromStr for ActionKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ActionKind::all()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("unknown action `{s}`"))
    }
}

impl Serialize for ActionKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ActionKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for ActionKind {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ActionKind".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = ActionKind::all().map(ActionKind::as_str).collect();
        schemars::json_schema!({
            "description": "One API transition: the name of one of a kind's actions.",
            "type": "string",
            "enum": names
        })
    }
}

/// What a kind's transition table decided for one resource. Pure data; the planner wraps it
/// into a [`ResourcePlan`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decision {
    /// Set when the intent can never be reached as things stand; then no action runs.
    pub conflict: bool,
    pub actions: Vec<Action>,
    pub messages: Vec<Message>,
    pub text_diff: Option<String>,
    /// The earliest moment at which the mere passage of time changes this decision.
    pub valid_until: Option<Timestamp>,
    /// What apply persists without a call (a record found only in the journal, a completion
    /// an earlier run could not record).
    pub recovery: Option<Recovery>,
}

impl Decision {
    /// Marks the resource as a conflict, with the reason shown to the user.
    pub fn conflict(&mut self, reason: impl Into<String>) {
        self.conflict = true;
        self.messages.push(Message::error(reason));
    }

    /// Adds a note: context such as what a wait waits for.
    pub fn note(&mut self, text: impl Into<String>) {
        self.messages.push(Message::note(text));
    }

    /// Adds a warning: something a reviewer should act on.
    pub fn warn(&mut self, text: impl Into<String>) {
        self.messages.push(Message::warning(text));
    }

    /// The decision changes by itself at `t` (keeps the earliest such moment).
    pub fn valid_until(&mut self, t: Timestamp) {
        self.valid_until = Some(self.valid_until.map_or(t, |u| u.min(t)));
    }

    /// The outcome (DESIGN.md section 3): `conflict` if marked so; else `change` while an
    /// action is ready, `blocked` when every action waits, `noop` when there is none.
    pub fn outcome(&self) -> Outcome {
        if self.conflict {
            Outcome::Conflict
        } else {
            ResourcePlan::outcome_of(&self.actions)
        }
    }
}

impl Kind {
    /// The hint for each required key of the kind's block, when it is missing.
    pub(crate) fn missing_hints(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Kind::BackupVaultLock => backup::config::MISSING_HINTS,
            Kind::EbsSnapshotLock => ebs::config::MISSING_HINTS,
            Kind::GlacierVaultLock => glacier::config::MISSING_HINTS,
            Kind::RbinRuleLock => rbin::config::MISSING_HINTS,
            Kind::S3ObjectLock => s3::config::MISSING_HINTS,
            Kind::SnowballUnlockCode => snowball::config::MISSING_HINTS,
        }
    }

    /// The schema of the kind's live value in the plan JSON.
    pub fn live_schema(self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        match self {
            Kind::GlacierVaultLock => {
                generator.subschema_for::<<glacier::Glacier as LockKind>::Live>()
            }
            Kind::RbinRuleLock => generator.subschema_for::<<rbin::Rbin as LockKind>::Live>(),
            Kind::SnowballUnlockCode => {
                generator.subschema_for::<<snowball::Snowball as LockKind>::Live>()
            }
            Kind::BackupVaultLock => {
                generator.subschema_for::<<backup::Backup as LockKind>::Live>()
            }
            Kind::EbsSnapshotLock => generator.subschema_for::<<ebs::Ebs as LockKind>::Live>(),
            Kind::S3ObjectLock => generator.subschema_for::<<s3::S3 as LockKind>::Live>(),
        }
    }

    /// The schema of the kind's desired value in the plan JSON.
    pub fn desired_schema(self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        match self {
            Kind::GlacierVaultLock => {
                generator.subschema_for::<<glacier::Glacier as LockKind>::Desired>()
            }
            Kind::RbinRuleLock => generator.subschema_for::<<rbin::Rbin as LockKind>::Desired>(),
            Kind::SnowballUnlockCode => {
                generator.subschema_for::<<snowball::Snowball as LockKind>::Desired>()
            }
            Kind::BackupVaultLock => {
                generator.subschema_for::<<backup::Backup as LockKind>::Desired>()
            }
            Kind::EbsSnapshotLock => generator.subschema_for::<<ebs::Ebs as LockKind>::Desired>(),
            Kind::S3ObjectLock => generator.subschema_for::<<s3::S3 as LockKind>::Desired>(),
        }
    }

    /// The resource's live and desired values in words, or `None` for a shape this build does
    /// not know.
    pub(crate) fn describe(self, r: &ResourcePlan) -> Option<crate::words::ResourceWords> {
        match self {
            Kind::GlacierVaultLock => glacier::Glacier::describe(r),
            Kind::RbinRuleLock => rbin::Rbin::describe(r),
            Kind::SnowballUnlockCode => snowball::Snowball::describe(r),
            Kind::BackupVaultLock => backup::Backup::describe(r),
            Kind::EbsSnapshotLock => ebs::Ebs::describe(r),
            Kind::S3ObjectLock => s3::S3::describe(r),
        }
    }

    /// What `action`'s class means for it ([`LockKind::consequence`]); empty for an action
    /// of another kind, which no plan of this build holds for it.
    pub(crate) fn consequence(self, action: ActionKind, class: Reversibility) -> &'static str {
        let words = match self {
            Kind::GlacierVaultLock => glacier::Glacier::consequence(action, class),
            Kind::RbinRuleLock => rbin::Rbin::consequence(action, class),
            Kind::SnowballUnlockCode => snowball::Snowball::consequence(action, class),
            Kind::BackupVaultLock => backup::Backup::consequence(action, class),
            Kind::EbsSnapshotLock => ebs::Ebs::consequence(action, class),
            Kind::S3ObjectLock => s3::S3::consequence(action, class),
        };
        words.unwrap_or_default()
    }

    /// The IAM permissions `plan` needs for a resource of this kind.
    pub fn read_permissions(self) -> &'static [&'static str] {
        match self {
            Kind::GlacierVaultLock => glacier::Glacier::READ_PERMISSIONS,
            Kind::RbinRuleLock => rbin::Rbin::READ_PERMISSIONS,
            Kind::SnowballUnlockCode => snowball::Snowball::READ_PERMISSIONS,
            Kind::BackupVaultLock => backup::Backup::READ_PERMISSIONS,
            Kind::EbsSnapshotLock => ebs::Ebs::READ_PERMISSIONS,
            Kind::S3ObjectLock => s3::S3::READ_PERMISSIONS,
        }
    }

    /// The IAM permissions `apply` may need for a resource of this kind beyond `plan`'s: each
    /// of its actions' calls.
    pub fn write_permissions(self) -> impl Iterator<Item = &'static str> {
        self.actions()
            .iter()
            .flat_map(|a| a.permissions().iter().copied())
    }

    /// Whether the kind's names are global (an S3 bucket's), not per account and region.
    pub fn names_are_global(self) -> bool {
        match self {
            Kind::GlacierVaultLock
            | Kind::RbinRuleLock
            | Kind::SnowballUnlockCode
            | Kind::BackupVaultLock
            | Kind::EbsSnapshotLock => false,
            Kind::S3ObjectLock => true,
        }
    }

    /// How deep the kind's read is ([`LockKind::READ_DEPTH`]).
    pub fn read_depth(self) -> usize {
        match self {
            Kind::GlacierVaultLock => glacier::Glacier::READ_DEPTH,
            Kind::RbinRuleLock => rbin::Rbin::READ_DEPTH,
            Kind::SnowballUnlockCode => snowball::Snowball::READ_DEPTH,
            Kind::BackupVaultLock => backup::Backup::READ_DEPTH,
            Kind::EbsSnapshotLock => ebs::Ebs::READ_DEPTH,
            Kind::S3ObjectLock => s3::S3::READ_DEPTH,
        }
    }

    /// Whether the kind's read needs the target's account ([`LockKind::READ_NEEDS_ACCOUNT`]).
    pub fn read_needs_account(self) -> bool {
        match self {
            Kind::GlacierVaultLock => glacier::Glacier::READ_NEEDS_ACCOUNT,
            Kind::RbinRuleLock => rbin::Rbin::READ_NEEDS_ACCOUNT,
            Kind::SnowballUnlockCode => snowball::Snowball::READ_NEEDS_ACCOUNT,
            Kind::BackupVaultLock => backup::Backup::READ_NEEDS_ACCOUNT,
            Kind::EbsSnapshotLock => ebs::Ebs::READ_NEEDS_ACCOUNT,
            Kind::S3ObjectLock => s3::S3::READ_NEEDS_ACCOUNT,
        }
    }

    /// The kind's block in `lockward demo`'s configuration.
    pub(crate) fn demo_config(self) -> &'static str {
        match self {
            Kind::GlacierVaultLock => glacier::demo::CONFIG,
            Kind::RbinRuleLock => rbin::demo::CONFIG,
            Kind::SnowballUnlockCode => snowball::demo::CONFIG,
            Kind::BackupVaultLock => backup::demo::CONFIG,
            Kind::EbsSnapshotLock => ebs::demo::CONFIG,
            Kind::S3ObjectLock => s3::demo::CONFIG,
        }
    }

    /// Writes the files the kind's demo resources need into `dir`.
    pub(crate) fn demo_files(self, dir: &Path) -> std::io::Result<()> {
        match self {
            Kind::GlacierVaultLock => glacier::demo::files(dir),
            Kind::RbinRuleLock => rbin::demo::files(dir),
            Kind::SnowballUnlockCode => snowball::demo::files(dir),
            Kind::BackupVaultLock => backup::demo::files(dir),
            Kind::EbsSnapshotLock => ebs::demo::files(dir),
            Kind::S3ObjectLock => s3::demo::files(dir),
        }
    }

    /// The emulator's seed for the kind's demo resources (under the kind's service name).
    pub(crate) fn demo_seed(self, now: Timestamp) -> serde_json::Value {
        match self {
            Kind::GlacierVaultLock => glacier::demo::seed(now),
            Kind::RbinRuleLock => rbin::demo::seed(now),
            Kind::SnowballUnlockCode => snowball::demo::seed(now),
            Kind::BackupVaultLock => backup::demo::seed(now),
            Kind::EbsSnapshotLock => ebs::demo::seed(now),
            Kind::S3ObjectLock => s3::demo::seed(now),
        }
    }

    /// How a number of the kind's resources listed by discovery reads ([`LockKind::LISTED`]).
    pub fn listed(self) -> crate::words::Counted {
        match self {
            Kind::GlacierVaultLock => glacier::Glacier::LISTED,
            Kind::RbinRuleLock => rbin::Rbin::LISTED,
            Kind::SnowballUnlockCode => snowball::Snowball::LISTED,
            Kind::BackupVaultLock => backup::Backup::LISTED,
            Kind::EbsSnapshotLock => ebs::Ebs::LISTED,
            Kind::S3ObjectLock => s3::S3::LISTED,
        }
    }

    /// What one resource of the kind is called in AWS's words ("vault", "bucket").
    pub fn noun(self) -> &'static str {
        match self {
            Kind::GlacierVaultLock => glacier::Glacier::NOUN,
            Kind::RbinRuleLock => rbin::Rbin::NOUN,
            Kind::SnowballUnlockCode => snowball::Snowball::NOUN,
            Kind::BackupVaultLock => backup::Backup::NOUN,
            Kind::EbsSnapshotLock => ebs::Ebs::NOUN,
            Kind::S3ObjectLock => s3::S3::NOUN,
        }
    }

    /// See [`LockKind::IDENTITY_FIELDS`].
    pub fn identity_fields(self) -> &'static [&'static str] {
        match self {
            Kind::GlacierVaultLock => glacier::Glacier::IDENTITY_FIELDS,
            Kind::RbinRuleLock => rbin::Rbin::IDENTITY_FIELDS,
            Kind::SnowballUnlockCode => snowball::Snowball::IDENTITY_FIELDS,
            Kind::BackupVaultLock => backup::Backup::IDENTITY_FIELDS,
            Kind::EbsSnapshotLock => ebs::Ebs::IDENTITY_FIELDS,
            Kind::S3ObjectLock => s3::S3::IDENTITY_FIELDS,
        }
    }

    /// See [`LockKind::TEMPLATE_REFUSES`].
    pub fn template_refuses(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Kind::GlacierVaultLock => glacier::Glacier::TEMPLATE_REFUSES,
            Kind::RbinRuleLock => rbin::Rbin::TEMPLATE_REFUSES,
            Kind::SnowballUnlockCode => snowball::Snowball::TEMPLATE_REFUSES,
            Kind::BackupVaultLock => backup::Backup::TEMPLATE_REFUSES,
            Kind::EbsSnapshotLock => ebs::Ebs::TEMPLATE_REFUSES,
            Kind::S3ObjectLock => s3::S3::TEMPLATE_REFUSES,
        }
    }

    /// The IAM permissions discovery of this kind needs.
    pub fn discover_permissions(self) -> &'static [&'static str] {
        match self {
            Kind::GlacierVaultLock => glacier::Glacier::DISCOVER_PERMISSIONS,
            Kind::RbinRuleLock => rbin::Rbin::DISCOVER_PERMISSIONS,
            Kind::SnowballUnlockCode => snowball::Snowball::DISCOVER_PERMISSIONS,
            Kind::BackupVaultLock => backup::Backup::DISCOVER_PERMISSIONS,
            Kind::EbsSnapshotLock => ebs::Ebs::DISCOVER_PERMISSIONS,
            Kind::S3ObjectLock => s3::S3::DISCOVER_PERMISSIONS,
        }
    }

    /// The actions of this kind that can never be undone, whatever their values: what an
    /// unreadable record of it may hide (`state quarantine`).
    pub fn irreversible_actions(self) -> impl Iterator<Item = ActionKind> {
        self.actions()
            .iter()
            .copied()
            .filter(|a| a.reversibility() == crate::plan::Reversibility::Irreversible)
    }

    /// The actions a plan for this kind may hold.
    pub fn actions(self) -> &'static [ActionKind] {
        match self {
            Kind::GlacierVaultLock => glacier::Glacier::ACTIONS,
            Kind::RbinRuleLock => rbin::Rbin::ACTIONS,
            Kind::SnowballUnlockCode => snowball::Snowball::ACTIONS,
            Kind::BackupVaultLock => backup::Backup::ACTIONS,
            Kind::EbsSnapshotLock => ebs::Ebs::ACTIONS,
            Kind::S3ObjectLock => s3::S3::ACTIONS,
        }
    }

    /// The AWS service the kind's calls go to, as the SDK names it (`AWS_ENDPOINT_URL_<ID>`).
    pub fn service(self) -> &'static str {
        match self {
            Kind::GlacierVaultLock => glacier::Glacier::SERVICE,
            Kind::RbinRuleLock => rbin::Rbin::SERVICE,
            Kind::SnowballUnlockCode => snowball::Snowball::SERVICE,
            Kind::BackupVaultLock => backup::Backup::SERVICE,
            Kind::EbsSnapshotLock => ebs::Ebs::SERVICE,
            Kind::S3ObjectLock => s3::S3::SERVICE,
        }
    }
}

/// Values of kinds for the engine's own unit tests (the state store, saved plans, the
/// renderers), so that those tests name no kind: one kind with a record ([`KIND`]) and
/// another ([`OTHER_KIND`]).
#[cfg(test)]
pub(crate) mod sample {
    use super::*;

    /// A kind whose record holds an id lockward must never lose (a Glacier vault lock).
    pub const KIND: Kind = Kind::GlacierVaultLock;
    /// Another kind (a Snowball unlock code).
    pub const OTHER_KIND: Kind = Kind::SnowballUnlockCode;

    /// `name`'s address, of [`KIND`].
    pub fn address(name: &str) -> Address {
        Address::new(KIND, name)
    }

    /// A record of [`KIND`] holding the id `id`.
    pub fn record(id: &str) -> Record {
        let mut record = record_with(|field| match field {
            "id" => id.to_string(),
            "digest" => crate::digest::sha256(b"{}"),
            _ => "audit-logs".to_string(),
        });
        if let Record::GlacierVaultLock(r) = &mut record {
            r.initiated_at = "2026-11-20T10:00:00Z".parse().ok();
        }
        record
    }

    /// A record of [`KIND`] whose every text is `text` of its field's name (`name`, `id`,
    /// `digest`).
    pub fn record_with(text: impl Fn(&str) -> String) -> Record {
        Record::GlacierVaultLock(GlacierRecord {
            target: None,
            physical_key: None,
            vault: text("name"),
            lock_id: text("id"),
            initiated_at: None,
            policy_digest: text("digest"),
            completed_at: None,
        })
    }

    /// The id a record of [`KIND`] holds.
    pub fn id_of(record: &Record) -> Option<&str> {
        record.glacier().map(|r| r.lock_id.as_str())
    }

    /// A record of [`OTHER_KIND`].
    pub fn other_record() -> Record {
        Record::SnowballUnlockCode(SnowballRecord {
            target: None,
            physical_key: None,
            job_id: "JID123e4567-e89b-12d3-a456-426655440000".to_string(),
            fingerprint: crate::digest::sha256(b"code"),
            deliver_to: std::path::PathBuf::from("secrets/site-a.code"),
            delivered_at: "2026-11-21T00:00:00Z".parse().unwrap_or_default(),
        })
    }

    /// A plan for `address(name)`: live in the state `live_state`, one ready action when
    /// `outcome` is a change.
    pub fn resource_plan(name: &str, live_state: &str, outcome: Outcome) -> ResourcePlan {
        let actions = if outcome == Outcome::Change {
            vec![Action::ready(
                ActionKind::COMPLETE_LOCK,
                "the policy has been tested",
            )]
        } else {
            vec![]
        };
        let address = address(name);
        ResourcePlan {
            physical_key: format!("{KIND}:123456789012:us-east-1:{name}"),
            address,
            kind: KIND,
            outcome,
            target: Target::for_tests(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            key: None,
            live: serde_json::json!({"state": live_state, "policy": {"Version": "2012-10-17"}}),
            desired: serde_json::json!({"state": "locked", "vault": "audit-logs"}),
            recorded: serde_json::json!({"state": "none"}),
            actions,
            messages: vec![Message::note("expires in 3 h")],
            text_diff: None,
            recovery: None,
        }
    }
}

#[cfg(test)]
mod executor_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_belongs_to_its_kind_and_its_name_says_which() {
        let mut names = std::collections::BTreeSet::new();
        for kind in Kind::ALL {
            assert!(!kind.actions().is_empty(), "{kind} has no action");
            for &action in kind.actions() {
                assert_eq!(action.kind(), kind, "{}", action.as_str());
                assert!(
                    names.insert(action.as_str()),
                    "{} is named twice",
                    action.as_str()
                );
                assert_eq!(action.as_str().parse::<ActionKind>(), Ok(action));
                let json = serde_json::to_value(action).unwrap();
                assert_eq!(json, serde_json::Value::String(action.as_str().into()));
                assert_eq!(serde_json::from_value::<ActionKind>(json).unwrap(), action);
            }
        }
        assert_eq!(names.len(), ActionKind::all().count());
        assert!("initiate".parse::<ActionKind>().is_err());
        // Each kind's ACTIONS lists every action of its enum.
        let every = [
            backup::BackupAction::ALL.len(),
            ebs::EbsAction::ALL.len(),
            glacier::GlacierAction::ALL.len(),
            rbin::RbinAction::ALL.len(),
            s3::S3Action::ALL.len(),
            snowball::SnowballAction::ALL.len(),
        ];
        let listed: Vec<usize> = Kind::ALL.iter().map(|k| k.actions().len()).collect();
        assert_eq!(listed, every);
    }
}
