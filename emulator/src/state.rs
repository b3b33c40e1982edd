//! The emulated world's generic part: the store that holds every registered service's model,
//! the STS sessions every service's authentication reads, and the seed / state / settle loop that
//! hands each service its part. What a service keeps, how it is seeded, shown and moved on by
//! time lives in the service's own file (see [`EmulatedService`] and [`services!`]).
//!
//! The JSON form is both the seed document and what `GET /_emulator/state` returns:
//! `{"account_id", "<state key>": [entry, ...], ...}`, one list per service that keeps state.
//! Time-driven transitions (a vault lock expiring 24 h after initiation, a rule leaving
//! `pending_unlock` when its delay ends) are applied by [`Store::settle`] before anything reads the
//! state, so every reader sees the state as of the virtual "now".

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use rand::Rng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::wire::Service;
use crate::ServiceStates;

/// One emulated AWS service, whole: its model, its part of the seed document, its state view, its
/// time rules and its wire adapters. Each service file implements it once and names itself in the
/// one [`services!`] invocation (lib.rs); the store then seeds, shows and settles it, and the
/// server routes to it, with nothing else to add.
pub trait EmulatedService {
    /// The key of its list in the seed document and in `GET /_emulator/state`; `None` for a
    /// service that keeps no state of its own (STS: its sessions are the store's).
    const STATE_KEY: Option<&'static str>;

    /// Its wire adapters, one per protocol it speaks, in the order that breaks a routing tie.
    const WIRE: &'static [&'static dyn Service];

    /// What it keeps (usually a [`Regional`] map: per account and region).
    type Model: std::fmt::Debug + Default + Clone;

    /// One entry of its list, as the seed document writes it and the state shows it.
    type Entry: Serialize + DeserializeOwned;

    /// Its part of the document is one entry rather than a list of them (AWS Organizations: one
    /// organisation). The document then holds the entry itself, and the state shows the first
    /// entry `view` gives (or `null` when it gives none).
    const SINGLE: bool = false;

    /// Adds one seeded entry, replacing the one with the same key. An error refuses the whole
    /// document: the store seeds a copy and keeps it only when every entry was accepted.
    fn seed(model: &mut Self::Model, entry: Self::Entry, cx: &SeedContext) -> Result<(), String>;

    /// Its entries as the state shows them, in order; seeding them again gives the same state.
    fn view(model: &Self::Model, cx: &ViewContext) -> Vec<Self::Entry>;

    /// Applies what the passage of time has done up to `now` (nothing, unless the service says).
    fn settle(_model: &mut Self::Model, _now: Timestamp) {}
}

/// Registers the emulated services, one `module::Type` line each (the type implements
/// [`EmulatedService`]), in the order that breaks a routing tie. From that line alone it declares
/// the module, gives the service its field in [`ServiceStates`] and reaches its routing, seed,
/// state view and time rules.
macro_rules! services {
    ($($module:ident :: $service:ident),+ $(,)?) => {
        $(mod $module;)+

        /// Every registered service's model, one field each, named after its module.
        #[derive(Debug, Default, Clone)]
        pub(crate) struct ServiceStates {
            $(pub(crate) $module: <$module::$service as $crate::state::EmulatedService>::Model,)+
        }

        impl ServiceStates {
            /// Every registered service's wire adapters, in registration order.
            pub(crate) const WIRE: &'static [&'static [&'static dyn $crate::wire::Service]] =
                &[$(<$module::$service as $crate::state::EmulatedService>::WIRE),+];

            /// The keys of the seed document's lists, in registration order.
            pub(crate) const STATE_KEYS: &'static [Option<&'static str>] =
                &[$(<$module::$service as $crate::state::EmulatedService>::STATE_KEY),+];

            fn seed(
                &mut self,
                sections: &mut serde_json::Map<String, serde_json::Value>,
                cx: &$crate::state::SeedContext,
            ) -> Result<(), String> {
                $($crate::state::seed_section::<$module::$service>(&mut self.$module, sections, cx)?;)+
                Ok(())
            }

            fn view(
                &self,
                cx: &$crate::state::ViewContext,
                doc: &mut serde_json::Map<String, serde_json::Value>,
            ) {
                $($crate::state::view_section::<$module::$service>(&self.$module, cx, doc);)+
            }

            fn settle(&mut self, now: jiff::Timestamp) {
                $(<$module::$service as $crate::state::EmulatedService>::settle(&mut self.$module, now);)+
            }
        }
    };
}
pub(crate) use services;

/// What seeding an entry may need besides the entry.
#[derive(Debug)]
pub struct SeedContext {
    /// The document's `account_id`, else the emulator's account.
    default_account: String,
    /// The virtual "now": what an entry without a `created` time gets.
    pub now: Timestamp,
}

impl SeedContext {
    /// The account an entry belongs to: its own `account_id`, else the document's default.
    pub fn account(&self, given: Option<String>) -> String {
        given.unwrap_or_else(|| self.default_account.clone())
    }
}

/// What showing an entry may need besides the model.
#[derive(Debug)]
pub struct ViewContext<'a> {
    account_id: &'a str,
}

impl ViewContext<'_> {
    /// An entry's `account_id` as the state shows it: left out for the emulator's own account.
    pub fn account_id(&self, account: &str) -> Option<String> {
        (account != self.account_id).then(|| account.to_string())
    }
}

/// What a service keeps per account and region, in (account, region) order.
#[derive(Debug, Clone)]
pub struct Regional<T>(BTreeMap<(String, String), T>);

impl<T> Default for Regional<T> {
    fn default() -> Self {
        Regional(BTreeMap::new())
    }
}

impl<T: Default> Regional<T> {
    /// What is kept in one account and region (created empty on first use).
    pub fn at(&mut self, account: &str, region: &str) -> &mut T {
        self.0
            .entry((account.to_string(), region.to_string()))
            .or_default()
    }
}

impl<T> Regional<T> {
    /// Every account and region with what is kept there, in (account, region) order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &T)> {
        self.0
            .iter()
            .map(|((account, region), t)| (account.as_str(), region.as_str(), t))
    }

    /// What is kept in every account and region.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.0.values_mut()
    }
}

/// Temporary credentials issued by AssumeRole.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_key_id: String,
    pub account_id: String,
    pub role_name: String,
    pub role_id: String,
    pub session_name: String,
    pub expires: Timestamp,
}

/// The whole emulated world.
#[derive(Debug, Clone)]
pub struct Store {
    /// The caller's account when no emulator-issued session says otherwise.
    pub account_id: String,
    /// Keyed by session token.
    pub sessions: HashMap<String, Session>,
    /// Every registered service's model.
    pub(crate) services: ServiceStates,
}

/// The seed document's own member; the rest of it are the services' lists.
#[derive(Deserialize)]
struct SeedDoc {
    #[serde(default)]
    account_id: Option<String>,
}

impl Store {
    pub fn new(account_id: String) -> Self {
        Store {
            account_id,
            sessions: HashMap::new(),
            services: ServiceStates::default(),
        }
    }

    /// Empties the state (the configured account stays).
    pub fn clear(&mut self) {
        self.sessions.clear();
        self.services = ServiceStates::default();
    }

    /// Applies every transition that the passage of time has caused up to `now`.
    pub fn settle(&mut self, now: Timestamp) {
        self.services.settle(now);
    }

    /// Adds (or replaces, by key) everything in a seed document. A document with any error
    /// changes nothing.
    pub fn seed(&mut self, doc: Json, now: Timestamp) -> Result<(), String> {
        let invalid = |e: serde_json::Error| format!("invalid seed document: {e}");
        let head = SeedDoc::deserialize(&doc).map_err(invalid)?;
        let Json::Object(mut sections) = doc else {
            return Err("invalid seed document: expected an object".to_string());
        };
        sections.remove("account_id");
        let keys = || ServiceStates::STATE_KEYS.iter().flatten();
        if let Some(unknown) = sections.keys().find(|k| !keys().any(|key| key == k)) {
            let expected: Vec<String> = std::iter::once(&"account_id")
                .chain(keys())
                .map(|key| format!("`{key}`"))
                .collect();
            return Err(format!(
                "invalid seed document: unknown field `{unknown}`, expected one of {}",
                expected.join(", ")
            ));
        }
        let cx = SeedContext {
            default_account: head.account_id.unwrap_or_else(|| self.account_id.clone()),
            now,
        };
        // Seed a copy, so a bad document changes nothing.
        let mut staged = self.services.clone();
        staged.seed(&mut sections, &cx)?;
        self.services = staged;
        Ok(())
    }

    /// The whole state in the seed document's shape.
    pub fn to_json(&self) -> Json {
        let mut doc = Map::new();
        doc.insert(
            "account_id".to_string(),
            Json::from(self.account_id.clone()),
        );
        let cx = ViewContext {
            account_id: &self.account_id,
        };
        self.services.view(&cx, &mut doc);
        Json::Object(doc)
    }
}

/// Seeds one service from its list in the document, if the document has one.
pub(crate) fn seed_section<S: EmulatedService>(
    model: &mut S::Model,
    sections: &mut Map<String, Json>,
    cx: &SeedContext,
) -> Result<(), String> {
    let Some(section) = S::STATE_KEY.and_then(|key| sections.remove(key)) else {
        return Ok(());
    };
    let invalid = |e: serde_json::Error| format!("invalid seed document: {e}");
    let entries: Vec<S::Entry> = if S::SINGLE {
        vec![serde_json::from_value(section).map_err(invalid)?]
    } else {
        serde_json::from_value(section).map_err(invalid)?
    };
    for entry in entries {
        S::seed(model, entry, cx)?;
    }
    Ok(())
}

/// Adds one service's list to the state document.
pub(crate) fn view_section<S: EmulatedService>(
    model: &S::Model,
    cx: &ViewContext,
    doc: &mut Map<String, Json>,
) {
    if let Some(key) = S::STATE_KEY {
        let entries = S::view(model, cx);
        let entries = if S::SINGLE {
            entries
                .into_iter()
                .next()
                .map_or(Ok(Json::Null), serde_json::to_value)
        } else {
            serde_json::to_value(entries)
        }
        .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }));
        doc.insert(key.to_string(), entries);
    }
}

/// Where an entry without a `region` is.
pub fn default_region() -> String {
    "us-east-1".to_string()
}

/// `n` characters drawn from `alphabet`.
pub fn random_from(rng: &mut impl Rng, alphabet: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
pub const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
pub const HEX: &[u8] = b"0123456789abcdef";

/// A request id, UUID-shaped.
pub fn new_request_id(rng: &mut impl Rng) -> String {
    let g = [8, 4, 4, 4, 12].map(|n| random_from(rng, HEX, n));
    g.join("-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        "2026-11-23T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn seed_of_design_example_round_trips_through_state() {
        let doc = json!({"account_id": "123456789012",
            "glacier": [{"region": "us-east-1", "vault": "audit-logs",
                "lock": {"state": "InProgress", "policy": "{}", "lock_id": "AE863rKkWZU53SLW5be4DUcW",
                         "created": "2026-11-22T10:00:00Z"}}],
            "rbin": [{"region": "us-east-1", "identifier": "a1B2c3D4e5F", "resource_type": "EBS_SNAPSHOT",
                "retention_days": 30, "resource_tags": [], "exclude_resource_tags": [],
                "lock_state": "pending_unlock", "unlock_delay_days": 7,
                "lock_end_time": "2026-11-25T00:00:00Z"}],
            "snowball": [{"region": "us-east-1", "job_id": "JID123e4567-e89b-12d3-a456-426655440000",
                "state": "WithCustomer", "created": "2026-10-01T00:00:00Z",
                "unlock_code": "12345-abcde-56789-fghij-01234"}]});
        let mut store = Store::new("123456789012".into());
        store.seed(doc, now()).unwrap();
        let state = store.to_json();
        let mut again = Store::new("123456789012".into());
        again.seed(state.clone(), now()).unwrap();
        assert_eq!(again.to_json(), state);
        assert_eq!(state["rbin"][0]["lock_state"], "pending_unlock");
        assert_eq!(
            state["glacier"][0]["lock"]["lock_id"],
            "AE863rKkWZU53SLW5be4DUcW"
        );
    }

    #[test]
    fn backup_and_s3_seed_of_design_example_round_trips_through_state() {
        let doc = json!({"account_id": "123456789012",
            "backup": [{"region": "us-east-1", "vault": "prod-backups", "vault_type": "BACKUP_VAULT",
                "recovery_points": 0,
                "lock": {"min_retention_days": 35, "max_retention_days": 365,
                         "lock_date": "2026-12-04T00:00:00Z"}}],
            "s3": [{"region": "us-east-1", "bucket": "acme-records-2026", "versioning": "Enabled",
                    "object_lock": {"enabled": true, "default_retention": {"mode": "COMPLIANCE", "days": 2555}}},
                   {"region": "us-east-1", "bucket": "acme-lockward-state", "versioning": "Enabled",
                    "objects": [{"key": "prod/lockward.state.json", "body": "{}"}]}]});
        let mut store = Store::new("123456789012".into());
        store.seed(doc, now()).unwrap();
        let state = store.to_json();
        let mut again = Store::new("123456789012".into());
        again.seed(state.clone(), now()).unwrap();
        assert_eq!(again.to_json(), state);
        assert_eq!(
            state["backup"][0]["lock"]["lock_date"],
            "2026-12-04T00:00:00Z"
        );
        assert_eq!(state["backup"][0]["vault_type"], "BACKUP_VAULT");
        // Buckets are listed by name.
        assert_eq!(
            state["s3"][1]["object_lock"],
            json!({"enabled": true, "default_retention": {"mode": "COMPLIANCE", "days": 2555}})
        );
        assert_eq!(state["s3"][0]["objects"][0]["body"], "{}");
        let bucket = &store.services.s3["acme-lockward-state"];
        assert_eq!(
            bucket.objects["prod/lockward.state.json"].etag,
            "\"99914b932bd37a50b983c5e7c90ae93b\""
        );
    }

    #[test]
    fn bad_backup_and_s3_seeds_are_refused() {
        let mut store = Store::new("123456789012".into());
        for (doc, needle) in [
            (json!({"backup": [{"vault": "x"}]}), "name"),
            (
                json!({"backup": [{"vault": "vv", "vault_type": "OTHER"}]}),
                "vault_type",
            ),
            (
                json!({"backup": [{"vault": "vv", "lock": {"max_retention_days": 36501}}]}),
                "36501",
            ),
            (
                json!({"backup": [{"vault": "vv", "lock": {"min_retention_days": 9, "max_retention_days": 8}}]}),
                "greater",
            ),
            (
                json!({"backup": [{"vault": "vv", "vault_type": "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"}]}),
                "air-gapped",
            ),
            (json!({"s3": [{"bucket": "Upper"}]}), "bucket name"),
            (
                json!({"s3": [{"bucket": "b-1", "versioning": "Suspended", "object_lock": {"enabled": true}}]}),
                "versioning",
            ),
            (
                json!({"s3": [{"bucket": "b-1", "object_lock": {"enabled": true, "default_retention": {"mode": "COMPLIANCE", "days": 1, "years": 1}}}]}),
                "not both",
            ),
        ] {
            let err = store.seed(doc, now()).unwrap_err();
            assert!(err.contains(needle), "{err} should mention {needle}");
        }
        let empty = Store::new("123456789012".into()).to_json();
        assert_eq!(store.to_json(), empty);
        store
            .seed(
                json!({"account_id": "111111111111", "s3": [{"bucket": "taken"}]}),
                now(),
            )
            .unwrap();
        let err = store
            .seed(json!({"s3": [{"bucket": "taken"}]}), now())
            .unwrap_err();
        assert!(err.contains("global"), "{err}");
    }

    #[test]
    fn the_document_names_only_registered_lists() {
        let mut store = Store::new("123456789012".into());
        for (doc, needle) in [
            (json!({"foo": []}), "unknown field `foo`"),
            // STS's list is its roles, under that name.
            (json!({"sts": []}), "unknown field `sts`"),
            (json!("nope"), "expected struct SeedDoc"),
            (json!(["123456789012"]), "expected an object"),
        ] {
            let err = store.seed(doc, now()).unwrap_err();
            assert!(err.contains(needle), "{err} should mention {needle}");
        }
        let state = store.to_json();
        let keys: Vec<&str> = state
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "account_id",
                "backup",
                "ec2",
                "glacier",
                "organizations",
                "rbin",
                "roles",
                "s3",
                "snowball"
            ]
        );
        assert!(state["glacier"].as_array().unwrap().is_empty());
        // One organisation, not a list: none is null.
        assert_eq!(state["organizations"], Json::Null);
    }

    #[test]
    fn organizations_and_roles_of_design_example_round_trip_through_state() {
        let doc = json!({"account_id": "123456789012",
            "organizations": {"management_account": "123456789012", "root": "r-ab12",
                "ous": [{"id": "ou-ab12-cdefgh34", "parent": "r-ab12", "name": "prod"}],
                "accounts": [{"id": "111111111111", "name": "prod-a", "parent": "ou-ab12-cdefgh34", "state": "ACTIVE"}]},
            "roles": [{"arn": "arn:aws:iam::111111111111:role/lockward", "external_id": "lockward-prod"}]});
        let mut store = Store::new("123456789012".into());
        store.seed(doc, now()).unwrap();
        let state = store.to_json();
        let mut again = Store::new("123456789012".into());
        again.seed(state.clone(), now()).unwrap();
        assert_eq!(again.to_json(), state);
        let org = &state["organizations"];
        assert_eq!(org["id"], "o-1234567890");
        assert_eq!(org["feature_set"], "ALL");
        // The management account is a member (at the root) though the seed did not list it.
        assert_eq!(
            org["accounts"],
            json!([
                {"id": "111111111111", "name": "prod-a", "email": "111111111111@example.com",
                 "parent": "ou-ab12-cdefgh34", "state": "ACTIVE", "joined_method": "CREATED",
                 "joined_timestamp": "2026-11-23T00:00:00Z"},
                {"id": "123456789012", "name": "management", "email": "123456789012@example.com",
                 "parent": "r-ab12", "state": "ACTIVE", "joined_method": "CREATED",
                 "joined_timestamp": "2026-11-23T00:00:00Z"}
            ])
        );
        assert_eq!(
            state["roles"],
            json!([{"arn": "arn:aws:iam::111111111111:role/lockward", "external_id": "lockward-prod"}])
        );
        // `null` removes the organisation.
        store.seed(json!({"organizations": null}), now()).unwrap();
        assert_eq!(store.to_json()["organizations"], Json::Null);
    }

    #[test]
    fn bad_organizations_and_roles_seeds_are_refused() {
        let mut store = Store::new("123456789012".into());
        let org = |extra: Json| {
            let mut o = json!({"root": "r-ab12"});
            o.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            json!({ "organizations": o })
        };
        for (doc, needle) in [
            (org(json!({"root": "r-AB12"})), "root"),
            (org(json!({"id": "o-short"})), "organization id"),
            (
                org(json!({"management_account": "1234"})),
                "management_account",
            ),
            (org(json!({"feature_set": "SOME"})), "feature_set"),
            (
                org(json!({"ous": [{"id": "ou-ab12-x", "name": "p"}]})),
                "OU id",
            ),
            (
                org(
                    json!({"ous": [{"id": "ou-ab12-cdefgh34", "parent": "ou-ab12-zzzzzzzz", "name": "p"}]}),
                ),
                "neither the root nor a listed OU",
            ),
            (
                org(
                    json!({"ous": [{"id": "ou-ab12-aaaaaaaa", "parent": "ou-ab12-bbbbbbbb", "name": "a"},
                                   {"id": "ou-ab12-bbbbbbbb", "parent": "ou-ab12-aaaaaaaa", "name": "b"}]}),
                ),
                "its own ancestor",
            ),
            (
                org(json!({"accounts": [{"id": "111111111111", "name": "a", "state": "GONE"}]})),
                "state",
            ),
            (
                org(json!({"accounts": [{"id": "111111111111", "name": "a", "parent": "r-zz99"}]})),
                "parent",
            ),
            (
                org(
                    json!({"accounts": [{"id": "111111111111", "name": "a"}, {"id": "111111111111", "name": "b"}]}),
                ),
                "twice",
            ),
            (
                org(json!({"accounts": [{"id": "111111111111", "name": "a", "email": "nope"}]})),
                "email",
            ),
            (
                json!({"roles": [{"arn": "arn:aws:iam::1111:role/x"}]}),
                "invalid role",
            ),
            (
                json!({"roles": [{"arn": "arn:aws:iam::111111111111:role/x", "external_id": "a b"}]}),
                "external_id",
            ),
        ] {
            let err = store.seed(doc, now()).unwrap_err();
            assert!(err.contains(needle), "{err} should mention {needle}");
        }
        assert_eq!(store.to_json()["organizations"], Json::Null);
    }

    #[test]
    fn bad_seed_changes_nothing() {
        let mut store = Store::new("123456789012".into());
        let empty = store.to_json();
        // Whichever list is seeded first, and a bad entry after a good one in the same list.
        for (doc, needle) in [
            (
                json!({"glacier": [{"vault": "ok"}], "snowball": [{"job_id": "nope"}]}),
                "job_id",
            ),
            (
                json!({"glacier": [{"vault": "bad name"}],
                       "snowball": [{"job_id": "JID123e4567-e89b-12d3-a456-426655440000"}]}),
                "vault name",
            ),
            (
                json!({"glacier": [{"vault": "ok"}, {"vault": "bad name"}]}),
                "vault name",
            ),
        ] {
            let err = store.seed(doc, now()).unwrap_err();
            assert!(err.contains(needle), "{err} should mention {needle}");
            assert_eq!(store.to_json(), empty);
        }
    }
}
