//! Fault injection: rules set through `POST /_emulator/faults` that delay, refuse or cut off
//! matching API calls, so tests can see how lockward behaves when AWS misbehaves.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

/// What a fault does to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Waits `ms` before handling the call.
    Latency,
    /// Performs the call, then waits `ms` before answering: the window in which a client has
    /// caused the effect but not yet heard of it (to kill it there, say).
    LatencyAfterApply,
    /// Answers ThrottlingException (400), which SDKs retry.
    Throttle,
    /// Answers the given `status` and `code` without performing the call.
    Error,
    /// Closes the connection without performing the call or answering.
    DropBeforeApply,
    /// Performs the call, then closes the connection without answering.
    DropAfterApply,
    /// Holds the call, unhandled, until the fault rules are next replaced or cleared: a test
    /// keeps a client waiting on its answer for exactly as long as it needs, with no margin of
    /// time to guess.
    Hold,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRuleDoc {
    operation: String,
    kind: FaultKind,
    #[serde(default)]
    times: Option<u64>,
    #[serde(default)]
    rate: Option<f64>,
    #[serde(default)]
    ms: Option<u64>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    /// Only calls on this S3 object key (e.g. the state object, not its lock).
    #[serde(default)]
    key: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultDoc {
    #[serde(default)]
    rules: Vec<FaultRuleDoc>,
    #[serde(default)]
    seed: Option<u64>,
}

#[derive(Debug, Clone)]
struct FaultRule {
    doc: FaultRuleDoc,
    /// Calls this rule still applies to, when it was given `times`.
    remaining: Option<u64>,
}

/// The fault to inflict on one call (beyond latency).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    Throttle,
    Error {
        status: u16,
        code: Option<String>,
        message: Option<String>,
    },
    DropBeforeApply,
    DropAfterApply,
}

/// What the rules decided for one call.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Waited before the call is handled.
    pub latency_ms: u64,
    /// Waited after the call took effect, before the answer is sent.
    pub latency_after_apply_ms: u64,
    /// Held until the rules change ([`Faults::changed`]) before the call is handled.
    pub hold: bool,
    pub fault: Option<Fault>,
}

/// The active fault rules and the random source for `rate` rules.
#[derive(Debug)]
pub struct Faults {
    rules: Vec<FaultRule>,
    rng: StdRng,
    /// Bumped whenever the rules are replaced or cleared: what held calls wait for.
    generation: tokio::sync::watch::Sender<u64>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            rules: Vec::new(),
            rng: StdRng::seed_from_u64(0),
            generation: tokio::sync::watch::Sender::new(0),
        }
    }
}

impl Faults {
    /// Replaces the rules with those of a `{"rules": [...], "seed": N}` document.
    pub fn replace(&mut self, doc: serde_json::Value) -> Result<(), String> {
        let doc: FaultDoc =
            serde_json::from_value(doc).map_err(|e| format!("invalid faults document: {e}"))?;
        for r in &doc.rules {
            if let Some(rate) = r.rate {
                if !(0.0..=1.0).contains(&rate) {
                    return Err(format!("rate {rate} is not within 0..=1"));
                }
            }
            if r.times.is_some() && r.rate.is_some() {
                return Err("a fault rule takes `times` or `rate`, not both".to_string());
            }
            if let Some(status) = r.status {
                if !(400..=599).contains(&status) {
                    return Err(format!("status {status} is not an error status"));
                }
            }
        }
        self.rng = match doc.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        self.rules = doc
            .rules
            .into_iter()
            .map(|doc| FaultRule {
                remaining: doc.times,
                doc,
            })
            .collect();
        self.generation.send_modify(|g| *g += 1);
        Ok(())
    }

    /// Resolves when the rules are next replaced or cleared (for a held call). Take it while
    /// deciding, under the same lock, so that no change is missed.
    pub fn changed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.generation.subscribe();
        async move {
            let _ = rx.changed().await;
        }
    }

    pub fn clear(&mut self) {
        self.generation.send_modify(|g| *g += 1);
        self.rules.clear();
    }

    /// Decides what happens to a call of `operation` (on the S3 object `key`, if any),
    /// consuming `times` budgets. Latencies (of each kind) add up; the first matching rule of
    /// another kind is the fault.
    pub fn decide(&mut self, operation: &str, key: Option<&str>) -> Decision {
        let mut decision = Decision::default();
        for rule in &mut self.rules {
            if rule.doc.operation != "*" && rule.doc.operation != operation {
                continue;
            }
            if rule.doc.key.as_deref().is_some_and(|k| Some(k) != key) {
                continue;
            }
            let is_latency = matches!(
                rule.doc.kind,
                FaultKind::Latency | FaultKind::LatencyAfterApply | FaultKind::Hold
            );
            if !is_latency && decision.fault.is_some() {
                continue;
            }
            let applies = match (rule.remaining, rule.doc.rate) {
                (Some(0), _) => false,
                (Some(n), _) => {
                    rule.remaining = Some(n - 1);
                    true
                }
                (None, Some(rate)) => self.rng.random_bool(rate),
                (None, None) => true,
            };
            if !applies {
                continue;
            }
            match rule.doc.kind {
                FaultKind::Latency => {
                    decision.latency_ms =
                        decision.latency_ms.saturating_add(rule.doc.ms.unwrap_or(0))
                }
                FaultKind::LatencyAfterApply => {
                    decision.latency_after_apply_ms = decision
                        .latency_after_apply_ms
                        .saturating_add(rule.doc.ms.unwrap_or(0))
                }
                FaultKind::Hold => decision.hold = true,
                FaultKind::Throttle => decision.fault = Some(Fault::Throttle),
                FaultKind::Error => {
                    decision.fault = Some(Fault::Error {
                        status: rule.doc.status.unwrap_or(500),
                        code: rule.doc.code.clone(),
                        message: rule.doc.message.clone(),
                    })
                }
                FaultKind::DropBeforeApply => decision.fault = Some(Fault::DropBeforeApply),
                FaultKind::DropAfterApply => decision.fault = Some(Fault::DropAfterApply),
            }
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_limits_a_rule_to_its_first_matching_calls() {
        let mut f = Faults::default();
        f.replace(
            json!({"rules": [{"operation": "GetVaultLock", "kind": "throttle", "times": 2}]}),
        )
        .unwrap();
        assert_eq!(f.decide("ListVaults", None).fault, None);
        assert_eq!(f.decide("GetVaultLock", None).fault, Some(Fault::Throttle));
        assert_eq!(f.decide("GetVaultLock", None).fault, Some(Fault::Throttle));
        assert_eq!(f.decide("GetVaultLock", None).fault, None);
    }

    #[test]
    fn a_held_call_waits_until_the_rules_change() {
        let mut f = Faults::default();
        f.replace(
            json!({"rules": [{"operation": "InitiateVaultLock", "kind": "hold", "times": 1}]}),
        )
        .unwrap();
        assert!(!f.decide("GetVaultLock", None).hold);
        assert!(f.decide("InitiateVaultLock", None).hold);
        assert!(
            !f.decide("InitiateVaultLock", None).hold,
            "only `times` calls"
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut released = Box::pin(f.changed());
        let pending = rt.block_on(async {
            tokio::select! {
                biased;
                () = &mut released => false,
                () = std::future::ready(()) => true,
            }
        });
        assert!(pending, "nothing changed yet: the call stays held");
        f.clear();
        rt.block_on(released);
    }

    #[test]
    fn rate_with_a_seed_is_repeatable() {
        let doc = json!({"rules": [{"operation": "*", "kind": "error", "rate": 0.5}], "seed": 7});
        let run = || {
            let mut f = Faults::default();
            f.replace(doc.clone()).unwrap();
            (0..32)
                .map(|_| f.decide("X", None).fault.is_some())
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        assert!(first.iter().any(|b| *b) && first.iter().any(|b| !*b));
    }

    #[test]
    fn latency_adds_to_a_fault() {
        let mut f = Faults::default();
        f.replace(json!({"rules": [
            {"operation": "*", "kind": "latency", "ms": 20},
            {"operation": "*", "kind": "error", "status": 503, "code": "ServiceUnavailableException"}]}))
            .unwrap();
        let d = f.decide("X", None);
        assert_eq!(d.latency_ms, 20);
        assert!(matches!(d.fault, Some(Fault::Error { status: 503, .. })));
    }

    #[test]
    fn latency_after_apply_is_kept_apart_from_latency_before() {
        let mut f = Faults::default();
        f.replace(json!({"rules": [
            {"operation": "InitiateVaultLock", "kind": "latency_after_apply", "ms": 300, "times": 1},
            {"operation": "*", "kind": "latency", "ms": 20},
            {"operation": "InitiateVaultLock", "kind": "drop_after_apply", "times": 1}]}))
            .unwrap();
        let d = f.decide("InitiateVaultLock", None);
        assert_eq!((d.latency_ms, d.latency_after_apply_ms), (20, 300));
        assert_eq!(d.fault, Some(Fault::DropAfterApply));
        let d = f.decide("InitiateVaultLock", None);
        assert_eq!(
            (d.latency_ms, d.latency_after_apply_ms, d.fault),
            (20, 0, None)
        );
    }

    #[test]
    fn a_rule_with_a_key_matches_only_calls_on_that_object() {
        let mut f = Faults::default();
        f.replace(
            json!({"rules": [{"operation": "PutObject", "kind": "drop_after_apply",
                                    "key": "prod/state.json", "times": 1}]}),
        )
        .unwrap();
        assert_eq!(
            f.decide("PutObject", Some("prod/state.json.lock")).fault,
            None
        );
        assert_eq!(f.decide("PutObject", None).fault, None);
        assert_eq!(
            f.decide("PutObject", Some("prod/state.json")).fault,
            Some(Fault::DropAfterApply)
        );
        assert_eq!(f.decide("PutObject", Some("prod/state.json")).fault, None);
    }

    #[test]
    fn bad_documents_are_refused() {
        let mut f = Faults::default();
        assert!(f
            .replace(json!({"rules": [{"operation": "*", "kind": "explode"}]}))
            .is_err());
        assert!(f
            .replace(json!({"rules": [{"operation": "*", "kind": "error", "rate": 2.0}]}))
            .is_err());
    }
}
