//! Window specifications and Kafka's validation of them, message for message.
//!
//! - `TimeWindows.ofSizeAndGrace` / `ofSizeWithNoGrace` / `advanceBy` (kstream/TimeWindows.java),
//! - `SlidingWindows.ofTimeDifferenceAndGrace` / `ofTimeDifferenceWithNoGrace`,
//! - `SessionWindows.ofInactivityGapAndGrace` / `ofInactivityGapWithNoGrace`,
//!
//! each first turns its `Duration`s into milliseconds with `ApiUtils.validateMillisecondDuration`
//! (a `Duration` whose milliseconds overflow a long is refused with `Invalid value for parameter
//! "size" (value was: PT…). It can't be converted to milliseconds.`), then checks the values in
//! the private constructor, in the constructor's order. [`JavaDuration`] follows `java.time.Duration`
//! (`toMillis`, `toString`) so that those messages come out as Kafka writes them.

use std::fmt;

/// A `java.time.Duration`: seconds plus a nanosecond adjustment in `0..1_000_000_000`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JavaDuration {
    seconds: i64,
    nanos: i32,
}

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const NANOS_PER_MILLI: i64 = 1_000_000;

impl JavaDuration {
    /// `Duration.ofMillis`.
    pub fn of_millis(ms: i64) -> Self {
        JavaDuration {
            seconds: ms.div_euclid(1000),
            nanos: (ms.rem_euclid(1000) * NANOS_PER_MILLI) as i32,
        }
    }

    /// `Duration.ofSeconds`.
    pub fn of_seconds(s: i64) -> Self {
        JavaDuration {
            seconds: s,
            nanos: 0,
        }
    }

    /// `Duration.toMillis`: `None` where Java throws `ArithmeticException`.
    pub fn to_millis(self) -> Option<i64> {
        let (mut secs, mut nanos) = (self.seconds, i64::from(self.nanos));
        if secs < 0 {
            secs += 1;
            nanos -= NANOS_PER_SECOND;
        }
        secs.checked_mul(1000)?.checked_add(nanos / NANOS_PER_MILLI)
    }
}

impl fmt::Display for JavaDuration {
    /// `Duration.toString`, ISO-8601 as Java writes it (`PT0.01S`, `PT2562047788015H12M56S`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.seconds == 0 && self.nanos == 0 {
            return f.write_str("PT0S");
        }
        let mut total = self.seconds;
        if self.seconds < 0 && self.nanos > 0 {
            total += 1;
        }
        let hours = total / 3600;
        let minutes = (total % 3600) / 60;
        let secs = total % 60;
        let mut buf = String::from("PT");
        if hours != 0 {
            buf += &format!("{hours}H");
        }
        if minutes != 0 {
            buf += &format!("{minutes}M");
        }
        if secs == 0 && self.nanos == 0 && buf.len() > 2 {
            return f.write_str(&buf);
        }
        if self.seconds < 0 && self.nanos > 0 && secs == 0 {
            buf += "-0";
        } else {
            buf += &secs.to_string();
        }
        if self.nanos > 0 {
            let pos = buf.len();
            let frac = if self.seconds < 0 {
                2 * NANOS_PER_SECOND - i64::from(self.nanos)
            } else {
                i64::from(self.nanos) + NANOS_PER_SECOND
            };
            buf += &frac.to_string();
            while buf.ends_with('0') {
                buf.pop();
            }
            buf.replace_range(pos..pos + 1, ".");
        }
        buf.push('S');
        f.write_str(&buf)
    }
}

/// `ApiUtils.validateMillisecondDuration` with `prepareMillisCheckFailMsgPrefix(value, name)`.
fn millis(d: JavaDuration, name: &str) -> Result<i64, String> {
    d.to_millis().ok_or_else(|| {
        format!("Invalid value for parameter \"{name}\" (value was: {d}). It can't be converted to milliseconds.")
    })
}

/// A valid window specification, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowSpec {
    /// `TimeWindows`: tumbling when `advance == size`, hopping otherwise.
    Time { size: i64, advance: i64, grace: i64 },
    /// `SlidingWindows`.
    Sliding { difference: i64, grace: i64 },
    /// `SessionWindows`.
    Session { gap: i64, grace: i64 },
}

/// The largest number of windows one record may fall in (`size / advance` rounded up). Kafka has
/// no such limit; khafka keeps each record's work small.
pub const MAX_WINDOWS_PER_RECORD: i64 = 10_000;

impl WindowSpec {
    /// `TimeWindows.ofSizeAndGrace(size, grace)` (grace `0ms` is `ofSizeWithNoGrace`).
    pub fn tumbling(size: JavaDuration, grace: JavaDuration) -> Result<Self, String> {
        let size = millis(size, "size")?;
        let grace = millis(grace, "afterWindowEnd")?;
        Self::time(size, size, grace)
    }

    /// `TimeWindows.ofSizeAndGrace(size, grace).advanceBy(advance)`.
    pub fn hopping(
        size: JavaDuration,
        advance: JavaDuration,
        grace: JavaDuration,
    ) -> Result<Self, String> {
        let WindowSpec::Time { size, grace, .. } = Self::tumbling(size, grace)? else {
            unreachable!("tumbling gives time windows")
        };
        let advance = millis(advance, "advance")?;
        Self::time(size, advance, grace)
    }

    /// The private `TimeWindows` constructor's checks, in order.
    fn time(size: i64, advance: i64, grace: i64) -> Result<Self, String> {
        if size <= 0 {
            return Err("Window size (sizeMs) must be larger than zero.".into());
        }
        if advance <= 0 || advance > size {
            return Err(format!(
                "Window advancement interval should be more than zero and less than window \
                 duration which is {size} ms, but given advancement interval is: {advance} ms"
            ));
        }
        if grace < 0 {
            return Err("Grace period must not be negative.".into());
        }
        Ok(WindowSpec::Time {
            size,
            advance,
            grace,
        })
    }

    /// `SlidingWindows.ofTimeDifferenceAndGrace(difference, grace)`.
    pub fn sliding(difference: JavaDuration, grace: JavaDuration) -> Result<Self, String> {
        let difference = millis(difference, "timeDifference")?;
        let grace = millis(grace, "afterWindowEnd")?;
        if difference < 0 {
            return Err("Window time difference must not be negative.".into());
        }
        if grace < 0 {
            return Err("Window grace period must not be negative.".into());
        }
        Ok(WindowSpec::Sliding { difference, grace })
    }

    /// `SessionWindows.ofInactivityGapAndGrace(gap, grace)`.
    pub fn session(gap: JavaDuration, grace: JavaDuration) -> Result<Self, String> {
        let gap = millis(gap, "inactivityGap")?;
        let grace = millis(grace, "afterWindowEnd")?;
        if gap <= 0 {
            return Err("Gap time cannot be zero or negative.".into());
        }
        if grace < 0 {
            return Err("Grace period must not be negative.".into());
        }
        Ok(WindowSpec::Session { gap, grace })
    }

    /// The grace period in ms.
    pub fn grace(&self) -> i64 {
        match *self {
            WindowSpec::Time { grace, .. }
            | WindowSpec::Sliding { grace, .. }
            | WindowSpec::Session { grace, .. } => grace,
        }
    }

    /// The same windows with another grace period (ms).
    pub fn with_grace(self, g: i64) -> Self {
        match self {
            WindowSpec::Time { size, advance, .. } => WindowSpec::Time {
                size,
                advance,
                grace: g,
            },
            WindowSpec::Sliding { difference, .. } => WindowSpec::Sliding {
                difference,
                grace: g,
            },
            WindowSpec::Session { gap, .. } => WindowSpec::Session { gap, grace: g },
        }
    }

    /// khafka's own limits on a specification Kafka accepts, each saying why. Kafka computes
    /// these sums in Java longs, where they would wrap.
    pub fn check_bounds(&self) -> Result<(), String> {
        match *self {
            WindowSpec::Time {
                size,
                advance,
                grace,
            } => {
                let per_record = size.div_euclid(advance) + i64::from(size % advance != 0);
                if per_record > MAX_WINDOWS_PER_RECORD {
                    return Err(format!(
                        "size/advance = {size}/{advance}: a record would fall in {per_record} hopping \
                         windows; Kafka computes them all, khafka refuses more than \
                         {MAX_WINDOWS_PER_RECORD} windows per record to bound the work"
                    ));
                }
                size.checked_add(grace).map(|_| ()).ok_or_else(|| {
                    "size + grace overflows a long (Kafka's window store retention is size + grace ms)"
                        .to_string()
                })
            }
            WindowSpec::Sliding { difference, grace } => difference
                .checked_mul(2)
                .and_then(|d2| d2.checked_add(grace))
                .map(|_| ())
                .ok_or_else(|| {
                    "2 * difference + grace overflows a long (sliding windows look back 2 * \
                     difference ms and keep windows for grace ms more)"
                        .to_string()
                }),
            WindowSpec::Session { gap, grace } => {
                gap.checked_add(grace).map(|_| ()).ok_or_else(|| {
                    "gap + grace overflows a long (Kafka's session store retention is gap + grace ms)"
                        .to_string()
                })
            }
        }
    }

    /// The largest timestamp whose windows' ends still fit in a long: a window end is
    /// `ts + size` (time), `ts + 1 + difference` (a right sliding window) or `ts + gap` (the
    /// session search). Past it, Kafka's arithmetic would wrap.
    pub fn max_timestamp(&self) -> i64 {
        match *self {
            WindowSpec::Time { size, .. } => i64::MAX - size,
            WindowSpec::Sliding { difference, .. } => i64::MAX - 1 - difference,
            WindowSpec::Session { gap, .. } => i64::MAX - gap,
        }
    }

    /// The window brackets Kafka prints: `)` for time windows, `]` for the others.
    pub fn bounds(&self) -> crate::Bounds {
        match self {
            WindowSpec::Time { .. } => crate::Bounds::HalfOpen,
            _ => crate::Bounds::Closed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_duration_strings() {
        assert_eq!(JavaDuration::of_millis(0).to_string(), "PT0S");
        assert_eq!(JavaDuration::of_millis(10).to_string(), "PT0.01S");
        assert_eq!(JavaDuration::of_millis(-10).to_string(), "PT-0.01S");
        assert_eq!(JavaDuration::of_millis(-1500).to_string(), "PT-1.5S");
        assert_eq!(JavaDuration::of_seconds(3661).to_string(), "PT1H1M1S");
        assert_eq!(JavaDuration::of_seconds(7200).to_string(), "PT2H");
    }

    #[test]
    fn millis_overflow_is_refused_with_kafkas_message() {
        let big = JavaDuration::of_seconds(i64::MAX / 1000 + 1);
        assert_eq!(big.to_millis(), None);
        assert_eq!(
            WindowSpec::tumbling(big, JavaDuration::of_millis(0)).unwrap_err(),
            "Invalid value for parameter \"size\" (value was: PT2562047788015H12M56S). \
             It can't be converted to milliseconds."
        );
        assert_eq!(
            JavaDuration::of_seconds(i64::MAX / 1000).to_millis(),
            Some(i64::MAX / 1000 * 1000)
        );
        assert_eq!(
            JavaDuration::of_millis(i64::MIN).to_millis(),
            Some(i64::MIN)
        );
    }
}
