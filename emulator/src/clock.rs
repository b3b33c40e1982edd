//! The virtual clock every time-based rule of the emulator reads.
//!
//! It starts at real time and then moves with it; tests shift it forward (or set it) to make a
//! 24 h vault-lock expiry or a 7-day unlock delay happen at once, without sleeping. Frozen, it
//! stands still and moves only when it is set or advanced, so a test can rely on exact times.

use jiff::{SignedDuration, Timestamp};

/// Real time plus an offset that the control API and the library move, or, while frozen, a
/// fixed time.
#[derive(Debug, Default, Clone, Copy)]
pub struct VirtualClock {
    offset: SignedDuration,
    frozen: Option<Timestamp>,
}

/// The real clock: the one place the emulator reads it (the virtual clock is an offset from it).
#[allow(clippy::disallowed_methods)]
fn real_now() -> Timestamp {
    Timestamp::now()
}

impl VirtualClock {
    /// The emulator's "now".
    pub fn now(&self) -> Timestamp {
        self.frozen
            .unwrap_or_else(|| shift(real_now(), self.offset))
    }

    /// Makes "now" equal `t` (and keeps moving from there, unless frozen).
    pub fn set(&mut self, t: Timestamp) {
        match &mut self.frozen {
            Some(frozen) => *frozen = t,
            None => self.offset = t.duration_since(real_now()),
        }
    }

    /// Moves "now" by `secs` (negative moves it back). Saturates instead of overflowing.
    pub fn advance(&mut self, secs: i64) {
        let d = SignedDuration::from_secs(secs);
        match &mut self.frozen {
            Some(frozen) => *frozen = shift(*frozen, d),
            None => self.offset = self.offset.saturating_add(d),
        }
    }

    /// Stops the clock at its current "now" (`true`), or lets it move with real time again
    /// from where it stands (`false`). Either is a no-op when the clock is already so.
    pub fn freeze(&mut self, frozen: bool) {
        match (frozen, self.frozen) {
            (true, None) => self.frozen = Some(self.now()),
            (false, Some(t)) => {
                self.frozen = None;
                self.set(t);
            }
            _ => {}
        }
    }

    /// Whether the clock stands still.
    pub fn is_frozen(&self) -> bool {
        self.frozen.is_some()
    }
}

/// `t + d`, saturating at the ends of jiff's range instead of failing.
pub fn shift(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(if d.is_negative() {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// `t + days`, saturating.
pub fn plus_days(t: Timestamp, days: i64) -> Timestamp {
    shift(t, SignedDuration::from_hours(days.saturating_mul(24)))
}

/// ISO 8601 with milliseconds, as Glacier writes its dates: `2026-11-20T10:00:00.000Z`.
pub fn iso_millis(t: Timestamp) -> String {
    format!("{:.3}", t.round(jiff::Unit::Millisecond).unwrap_or(t))
}

/// ISO 8601 to the second, as STS and the control API write times: `2026-11-20T10:00:00Z`.
pub fn iso_secs(t: Timestamp) -> String {
    format!("{:.0}", t.round(jiff::Unit::Second).unwrap_or(t))
}

/// Seconds since the Unix epoch with millisecond precision (restJson1 / awsJson1.1 / CBOR tag 1).
pub fn epoch_secs(t: Timestamp) -> f64 {
    t.as_millisecond() as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_forward_by_a_day() {
        let mut clock = VirtualClock::default();
        let before = clock.now();
        clock.advance(86_400);
        let moved = clock.now().duration_since(before);
        assert!(moved >= SignedDuration::from_hours(24));
        assert!(moved < SignedDuration::from_hours(25));
    }

    #[test]
    fn set_then_now_is_close_to_the_set_time() {
        let mut clock = VirtualClock::default();
        let t: Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
        clock.set(t);
        assert!(clock.now().duration_since(t) < SignedDuration::from_secs(5));
    }

    #[test]
    fn a_frozen_clock_moves_only_when_told() {
        let mut clock = VirtualClock::default();
        let t: Timestamp = "2026-11-20T10:00:00.123Z".parse().unwrap();
        clock.freeze(true);
        clock.set(t);
        assert!(clock.is_frozen());
        std::thread::yield_now();
        assert_eq!(clock.now(), t);
        clock.advance(90);
        assert_eq!(clock.now(), "2026-11-20T10:01:30.123Z".parse().unwrap());
        clock.freeze(true);
        assert_eq!(clock.now(), "2026-11-20T10:01:30.123Z".parse().unwrap());
        clock.freeze(false);
        assert!(!clock.is_frozen());
        let moved = clock
            .now()
            .duration_since("2026-11-20T10:01:30.123Z".parse().unwrap());
        assert!(moved >= SignedDuration::ZERO && moved < SignedDuration::from_secs(5));
    }

    #[test]
    fn formats() {
        let t: Timestamp = "2026-11-20T10:00:00.5Z".parse().unwrap();
        assert_eq!(iso_millis(t), "2026-11-20T10:00:00.500Z");
        assert_eq!(
            iso_secs("2026-11-20T10:00:00Z".parse().unwrap()),
            "2026-11-20T10:00:00Z"
        );
        assert_eq!(epoch_secs(t), 1_795_168_800.5);
    }
}
