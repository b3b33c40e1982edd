//! The virtual clock every time-based rule of the emulator reads.
//!
//! It starts at real time and then moves with it; tests shift it forward (or set it) to make a
//! 24 h vault-lock expiry or a 7-day unlock delay happen at once, without sleeping.

use jiff::{SignedDuration, Timestamp};

/// Real time plus an offset that the control API and the library move.
#[derive(Debug, Default, Clone, Copy)]
pub struct VirtualClock {
    offset: SignedDuration,
}

impl VirtualClock {
    /// The emulator's "now".
    pub fn now(&self) -> Timestamp {
        shift(Timestamp::now(), self.offset)
    }

    /// Makes "now" equal `t` (and keeps moving from there).
    pub fn set(&mut self, t: Timestamp) {
        self.offset = t.duration_since(Timestamp::now());
    }

    /// Moves "now" by `secs` (negative moves it back). Saturates instead of overflowing.
    pub fn advance(&mut self, secs: i64) {
        self.offset = self.offset.saturating_add(SignedDuration::from_secs(secs));
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
