//! Simulated time.
//!
//! Time is an integer count of microseconds since the start of the run, owned by the simulation. The
//! engine never reads the OS clock: the clock jumps from one event to the next. Only the web layer maps
//! wall-clock time to simulated time (the speed slider).

use serde::{Deserialize, Serialize};
use std::fmt;

/// An instant of simulated time, in microseconds since the start of the run.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const fn from_us(us: u64) -> Self {
        SimTime(us)
    }
    pub const fn from_ms(ms: u64) -> Self {
        SimTime(ms_to_us(ms))
    }
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s * 1_000_000)
    }
    pub const fn as_us(self) -> u64 {
        self.0
    }
    pub const fn as_ms(self) -> u64 {
        self.0 / 1_000
    }
    /// The instant as scenario text in the largest unit that keeps it exact (`2s`, `1500ms`,
    /// `250us`): what the scenario language reads back to the same value.
    pub fn exact(self) -> String {
        let us = self.0;
        if us.is_multiple_of(1_000_000) {
            format!("{}s", us / 1_000_000)
        } else if us.is_multiple_of(1_000) {
            format!("{}ms", us / 1_000)
        } else {
            format!("{us}us")
        }
    }

    pub fn saturating_add_us(self, us: u64) -> Self {
        SimTime(self.0.saturating_add(us))
    }
    pub fn saturating_add_ms(self, ms: u64) -> Self {
        SimTime(self.0.saturating_add(ms.saturating_mul(1_000)))
    }
    /// Microseconds elapsed from `earlier` to `self` (zero if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Display for SimTime {
    /// Human form used in traces and the describe view: `12.345678s`, trailing zeros dropped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0 / 1_000_000;
        let frac = self.0 % 1_000_000;
        if frac == 0 {
            write!(f, "{secs}s")
        } else {
            let mut s = format!("{frac:06}");
            while s.ends_with('0') {
                s.pop();
            }
            write!(f, "{secs}.{s}s")
        }
    }
}

/// Parses a duration such as `10s`, `1.5s`, `500ms`, `250us`, `2m` into microseconds.
/// Returns `None` for anything else (no unit, negative, overflow, more than 6 decimals).
pub fn parse_duration_us(text: &str) -> Option<u64> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (num, unit) = text.split_at(split);
    let scale: u64 = match unit {
        "us" | "µs" => 1,
        "ms" => 1_000,
        "s" => 1_000_000,
        "m" | "min" => 60_000_000,
        "h" => 3_600_000_000,
        _ => return None,
    };
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    if int.is_empty() || frac.len() > 6 || (num.contains('.') && frac.is_empty()) {
        return None;
    }
    let int: u64 = int.parse().ok()?;
    let mut total = int.checked_mul(scale)?;
    if !frac.is_empty() {
        let digits: u64 = frac.parse().ok()?;
        let denom = 10u64.pow(frac.len() as u32);
        let part = digits.checked_mul(scale)?;
        // Whole microseconds only: `0.5us` is not rounded to nothing.
        if part % denom != 0 {
            return None;
        }
        total = total.checked_add(part / denom)?;
    }
    Some(total)
}

/// Milliseconds to microseconds, saturating: Kafka accepts `long` millisecond settings up to
/// 2^63 - 1, and such a setting means "never" within any run rather than an overflow.
pub const fn ms_to_us(ms: u64) -> u64 {
    ms.saturating_mul(1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration_us("10s"), Some(10_000_000));
        assert_eq!(parse_duration_us("1.5s"), Some(1_500_000));
        assert_eq!(parse_duration_us("500ms"), Some(500_000));
        assert_eq!(parse_duration_us("250us"), Some(250));
        assert_eq!(parse_duration_us("2m"), Some(120_000_000));
        assert_eq!(parse_duration_us("0s"), Some(0));
        assert_eq!(parse_duration_us("10"), None);
        assert_eq!(parse_duration_us("-1s"), None);
        assert_eq!(parse_duration_us("1.s"), None);
        assert_eq!(parse_duration_us("s"), None);
        assert_eq!(parse_duration_us("99999999999999999999s"), None);
    }

    #[test]
    fn display_drops_trailing_zeros() {
        assert_eq!(SimTime::from_ms(1500).to_string(), "1.5s");
        assert_eq!(SimTime::from_secs(3).to_string(), "3s");
        assert_eq!(SimTime::from_us(1).to_string(), "0.000001s");
    }
}
