//! The aggregations: `count`, `sum` of integers and `concat` (Kafka Streams' test convention:
//! start from an initial string, append `+VALUE` per record), with the session `Merger` each needs.
//!
//! Kafka's `Long` arithmetic wraps on overflow (two's complement); `count` and `sum` wrap the
//! same way, so a sum past `i64::MAX` continues from `i64::MIN` exactly as a Java aggregator
//! `(k, v, agg) -> agg + v` would.

use std::fmt;

/// An aggregate value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Agg {
    Long(i64),
    Text(String),
}

impl fmt::Display for Agg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Agg::Long(n) => write!(f, "{n}"),
            Agg::Text(s) => f.write_str(s),
        }
    }
}

/// What is aggregated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Aggregation {
    /// `count()`: initializer `0L`, aggregator `agg + 1`, merger `a + b`.
    Count,
    /// Sum of the values read as longs: initializer `0L`, aggregator `agg + v`, merger `a + b`.
    Sum,
    /// The largest value read as a long: initializer `0L`, aggregator `Math.max(agg, v)`, merger
    /// `Math.max(a, b)` (the engine's `aggregate=max`; not offered by `khafka windows`).
    Max,
    /// `MockInitializer.STRING_INIT` / `MockAggregator.TOSTRING_ADDER`: starts from `init`
    /// (`"0"` in Kafka's tests and in the CLI) and appends `+VALUE`; the session merger of
    /// `SessionWindowedKStreamImplTest` joins two aggregates with `+`.
    Concat { init: String },
}

/// A record's value made ready for its aggregation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operand {
    One,
    Long(i64),
    Text(String),
}

impl Aggregation {
    /// `concat` from `"0"`, as in Kafka's tests and the CLI.
    pub fn concat() -> Self {
        Aggregation::Concat { init: "0".into() }
    }

    /// The initializer's value.
    pub fn init(&self) -> Agg {
        match self {
            Aggregation::Count | Aggregation::Sum | Aggregation::Max => Agg::Long(0),
            Aggregation::Concat { init } => Agg::Text(init.clone()),
        }
    }

    /// Reads a record's value; `sum` needs a long.
    pub fn operand(&self, value: &str) -> Result<Operand, String> {
        match self {
            Aggregation::Count => Ok(Operand::One),
            Aggregation::Sum | Aggregation::Max => value
                .parse::<i64>()
                .map(Operand::Long)
                .map_err(|_| format!("value `{value}` is not a long (sum adds integer values)")),
            Aggregation::Concat { .. } => Ok(Operand::Text(value.to_string())),
        }
    }

    /// The aggregator: the new aggregate after one more record.
    pub fn add(&self, agg: &Agg, operand: &Operand) -> Agg {
        match (agg, operand) {
            (Agg::Long(a), Operand::One) => Agg::Long(a.wrapping_add(1)),
            (Agg::Long(a), Operand::Long(v)) if *self == Aggregation::Max => Agg::Long(*a.max(v)),
            (Agg::Long(a), Operand::Long(v)) => Agg::Long(a.wrapping_add(*v)),
            (Agg::Text(a), Operand::Text(v)) => Agg::Text(format!("{a}+{v}")),
            // An operand always comes from `self.operand`, so the kinds match; keep the aggregate.
            (a, _) => a.clone(),
        }
    }

    /// The session merger: combines two sessions' aggregates.
    pub fn merge(&self, one: &Agg, two: &Agg) -> Agg {
        match (one, two) {
            (Agg::Long(a), Agg::Long(b)) if *self == Aggregation::Max => Agg::Long(*a.max(b)),
            (Agg::Long(a), Agg::Long(b)) => Agg::Long(a.wrapping_add(*b)),
            (Agg::Text(a), Agg::Text(b)) => Agg::Text(format!("{a}+{b}")),
            (a, _) => a.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_wraps_like_a_java_long() {
        let s = Aggregation::Sum;
        let near = Agg::Long(i64::MAX);
        assert_eq!(s.add(&near, &Operand::Long(1)), Agg::Long(i64::MIN));
    }

    #[test]
    fn concat_appends_and_merges_with_plus() {
        let c = Aggregation::concat();
        let one = c.add(&c.init(), &c.operand("1").unwrap());
        assert_eq!(one, Agg::Text("0+1".into()));
        assert_eq!(c.merge(&c.init(), &one), Agg::Text("0+0+1".into()));
    }

    #[test]
    fn max_keeps_the_larger_from_zero() {
        let m = Aggregation::Max;
        let a = m.add(&m.init(), &m.operand("-5").unwrap());
        assert_eq!(a, Agg::Long(0), "the initializer 0L beats a negative value");
        let a = m.add(&a, &m.operand("7").unwrap());
        assert_eq!(m.add(&a, &m.operand("3").unwrap()), Agg::Long(7));
        assert_eq!(m.merge(&Agg::Long(4), &Agg::Long(9)), Agg::Long(9));
    }

    #[test]
    fn sum_refuses_a_non_integer() {
        assert!(Aggregation::Sum.operand("x").is_err());
        assert!(Aggregation::Sum.operand("9223372036854775808").is_err());
    }
}
