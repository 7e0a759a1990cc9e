//! Values that appear on the right of `key=value` and as statement arguments: numbers, durations,
//! rates, loss percentages, key sets, replica assignments, node sets and broker references.
//!
//! Each parser takes the text and its [`Span`] and returns either the value or a [`ParseError`] that
//! says what was expected, pointing as precisely as it can (inside the token when it knows where).

use crate::errors::{ParseError, Span};
use khafka_sim::spec::{BrokerId, KeySpec, NodeRef, TopicPartition};
use khafka_sim::time::parse_duration_us;

/// The largest production rate accepted, in records per second (keeps runs tractable in a browser).
pub const MAX_RATE_PER_SEC: u64 = 1_000_000;

/// The span of `len` characters starting `offset` characters into `span`.
pub fn sub(span: Span, offset: usize, len: usize) -> Span {
    let offset = u32::try_from(offset)
        .unwrap_or(0)
        .min(span.len.saturating_sub(1));
    let len = u32::try_from(len)
        .unwrap_or(1)
        .min(span.len.saturating_sub(offset));
    Span::new(span.line, span.column + offset, len)
}

/// A non-negative integer.
pub fn uint(text: &str, span: Span, what: &str) -> Result<u64, ParseError> {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        text.parse::<u64>().map_err(|_| {
            ParseError::new(
                span,
                format!("{what} `{text}` is too large: at most {}", u64::MAX),
            )
        })
    } else {
        Err(ParseError::new(
            span,
            format!("expected {what} (a non-negative integer), found `{text}`"),
        ))
    }
}

/// A non-negative integer that fits in 32 bits.
pub fn uint32(text: &str, span: Span, what: &str) -> Result<u32, ParseError> {
    let v = uint(text, span, what)?;
    u32::try_from(v).map_err(|_| {
        ParseError::new(
            span,
            format!("{what} `{text}` is too large: at most {}", u32::MAX),
        )
    })
}

/// A duration with a unit: `2s`, `1500ms`, `1.5s`, `250us`, `2m`, `1h`. Returns microseconds.
pub fn duration(text: &str, span: Span) -> Result<u64, ParseError> {
    if let Some(us) = parse_duration_us(text) {
        return Ok(us);
    }
    let err = ParseError::new(
        span,
        format!("expected a duration such as `2s`, `1500ms` or `1.5s`, found `{text}`"),
    );
    Err(if finer_than_a_microsecond(text) {
        err.hint("durations are whole microseconds: at most six decimals of a second, none of a microsecond")
    } else if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '.') {
        err.hint(format!("add a unit: `{text}s` or `{text}ms`"))
    } else if text.starts_with('-') {
        err.hint("durations cannot be negative")
    } else if let Some(fixed) = duration_spelled_out(text) {
        err.hint(format!("did you mean `{fixed}`?"))
    } else {
        err.hint("units are `us`, `ms`, `s`, `m` (or `min`) and `h`")
    })
}

/// A well-formed duration `parse_duration_us` refuses for its precision (`0.5us`,
/// `1.0000001s`), not its shape.
fn finer_than_a_microsecond(text: &str) -> bool {
    let Some(at) = text.find(|c: char| !(c.is_ascii_digit() || c == '.')) else {
        return false;
    };
    let (number, unit) = text.split_at(at);
    let Some((int, frac)) = number.split_once('.') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    // The same number in the unit's thousandths or millionths would parse: only its precision
    // is wrong.
    digits(int)
        && digits(frac)
        && matches!(unit, "us" | "µs" | "ms" | "s" | "m" | "min" | "h")
        && parse_duration_us(&format!("{int}{unit}")).is_some()
}

/// A duration whose unit is spelled out (`10sec`, `5mins`, `2hours`, `250millis`) in the
/// language's units (`10s`).
fn duration_spelled_out(text: &str) -> Option<String> {
    let at = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(at);
    let unit = match unit.to_ascii_lowercase().as_str() {
        "sec" | "secs" | "second" | "seconds" => "s",
        "msec" | "msecs" | "millis" | "millisecond" | "milliseconds" => "ms",
        "usec" | "usecs" | "µs" | "micros" | "microsecond" | "microseconds" => "us",
        "mins" | "minute" | "minutes" => "m",
        "hr" | "hrs" | "hour" | "hours" => "h",
        _ => return None,
    };
    let fixed = format!("{number}{unit}");
    parse_duration_us(&fixed).map(|_| fixed)
}

/// A decimal number `int[.frac]` as (mantissa, number of fraction digits).
fn decimal(text: &str) -> Option<(u128, u32)> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty() || frac.len() > 9 || (text.contains('.') && frac.is_empty()) {
        return None;
    }
    if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) || int.len() > 20 {
        return None;
    }
    let digits = format!("{int}{frac}");
    Some((digits.parse().ok()?, frac.len() as u32))
}

/// A production rate `N/unit` (`100/s`, `0.5/s`, `2/ms`, `30/m`), as records per 1000 seconds.
pub fn rate(text: &str, span: Span) -> Result<u64, ParseError> {
    let bad = || {
        ParseError::new(
            span,
            format!("expected a rate such as `100/s`, `0.5/s` or `2/ms`, found `{text}`"),
        )
    };
    let (num, unit) = text
        .split_once('/')
        .ok_or_else(|| bad().hint(format!("give a unit: `rate={text}/s`")))?;
    let unit_us: u128 = match unit {
        "us" | "µs" => 1,
        "ms" => 1_000,
        "s" => 1_000_000,
        "m" | "min" => 60_000_000,
        "h" => 3_600_000_000,
        _ => return Err(bad().hint("the unit after `/` is `s`, `ms`, `us`, `m` or `h`")),
    };
    if num.starts_with('-') {
        return Err(bad().hint("a rate must be greater than 0"));
    }
    let (mantissa, frac_digits) = decimal(num).ok_or_else(bad)?;
    if mantissa == 0 {
        return Err(ParseError::new(span, "a rate must be greater than 0")
            .hint("to stop a producer, use `stop=` or `at … pause producer NAME`"));
    }
    // records per 1000 s = n * 1e9 µs / unit_us / 10^frac
    let per_ks = mantissa * 1_000_000_000 / (unit_us * 10u128.pow(frac_digits));
    if per_ks == 0 {
        return Err(ParseError::new(
            span,
            format!("rate `{text}` is below one record per 1000 seconds"),
        ));
    }
    if per_ks > u128::from(MAX_RATE_PER_SEC) * 1000 {
        return Err(ParseError::new(
            span,
            format!("rate `{text}` is above the simulator's limit of {MAX_RATE_PER_SEC}/s"),
        ));
    }
    Ok(per_ks as u64)
}

/// A link's bandwidth: `10MB/s`, `1.5Gbit/s`, `512KiB/s`, `100B/s`, or `unlimited`. Returns
/// bytes per second (0: unlimited), from 1 B/s to 1000 GB/s (10^12 B/s).
pub fn bandwidth(text: &str, span: Span) -> Result<u64, ParseError> {
    if text == "unlimited" {
        return Ok(0);
    }
    let bad = || {
        ParseError::new(
            span,
            format!(
                "expected a bandwidth such as `10MB/s`, `1Gbit/s` or `unlimited`, found `{text}`"
            ),
        )
    };
    let units = "units are `B/s`, `KB/s`, `MB/s`, `GB/s` (1000-based), `KiB/s`, `MiB/s`, `GiB/s` and `kbit/s`, `Mbit/s`, `Gbit/s`";
    let Some(num_end) = text.find(|c: char| !(c.is_ascii_digit() || c == '.')) else {
        return Err(bad().hint(format!("give a unit: `{text}MB/s`")));
    };
    let (num, unit) = text.split_at(num_end);
    // (multiplier, divisor): bytes per second per unit.
    let (mul, div): (u128, u128) = match unit {
        "B/s" => (1, 1),
        "KB/s" | "kB/s" => (1_000, 1),
        "MB/s" => (1_000_000, 1),
        "GB/s" => (1_000_000_000, 1),
        "KiB/s" => (1 << 10, 1),
        "MiB/s" => (1 << 20, 1),
        "GiB/s" => (1 << 30, 1),
        "bit/s" => (1, 8),
        "kbit/s" | "Kbit/s" => (1_000, 8),
        "Mbit/s" => (1_000_000, 8),
        "Gbit/s" => (1_000_000_000, 8),
        _ => return Err(bad().hint(units)),
    };
    let (mantissa, frac_digits) = decimal(num).ok_or_else(|| bad().hint(units))?;
    let bps = mantissa * mul / (div * 10u128.pow(frac_digits));
    let max = khafka_sim::net::MAX_BANDWIDTH_BPS as u128;
    if bps < khafka_sim::net::MIN_BANDWIDTH_BPS as u128 {
        return Err(ParseError::new(span, format!("bandwidth `{text}` is below 1 B/s"))
            .hint("a link carries at least one byte per second; to cut it, use `partition` or `isolate`"));
    }
    if bps > max {
        return Err(ParseError::new(
            span,
            format!("bandwidth `{text}` is above 1000 GB/s, the most a link may have"),
        )
        .hint("write `bandwidth=unlimited` for a link without a limit"));
    }
    Ok(bps as u64)
}

/// A loss percentage `0.1%` (0% to 100%, up to four decimals), as parts per million.
pub fn loss(text: &str, span: Span) -> Result<u32, ParseError> {
    percent_ppm(
        text,
        span,
        "a loss percentage such as `0.1%`",
        "loss",
        "loss",
    )
}

/// A percentage from 0% to 100% with up to four decimals, as parts per million; `what` names it in
/// the message, `key` in the hint, `noun` in the too-large hint.
fn percent_ppm(
    text: &str,
    span: Span,
    what: &str,
    key: &str,
    noun: &str,
) -> Result<u32, ParseError> {
    let bad = |hint: &str| {
        ParseError::new(
            span,
            format!("expected {what} (0% to 100%), found `{text}`"),
        )
        .hint(hint.to_string())
    };
    let Some(num) = text.strip_suffix('%') else {
        return Err(bad(&format!("add `%`: `{key}={text}%`")));
    };
    let (mantissa, frac) = decimal(num).ok_or_else(|| bad("a number from 0 to 100, then `%`"))?;
    if frac > 4 {
        return Err(bad("at most four decimals (0.0001% is one in a million)"));
    }
    let ppm = mantissa * 10u128.pow(4 - frac);
    if ppm > 1_000_000 {
        return Err(bad(&format!("{noun} cannot exceed 100%")));
    }
    Ok(ppm as u32)
}

/// A latency: one duration (`1ms`) or a range (`0.5ms..1.5ms`). Returns (min, max) microseconds.
pub fn latency(text: &str, span: Span) -> Result<(u64, u64), ParseError> {
    let (lo, hi) = latency_range(text, span)?;
    let (min, max) = (
        khafka_sim::network::MIN_LATENCY_US,
        khafka_sim::network::MAX_LATENCY_US,
    );
    if lo < min || hi > max {
        return Err(ParseError::new(
            span,
            format!("a one-way latency must be between 0.05ms and 60s, found `{text}`"),
        )
        .hint("even loopback takes tens of microseconds each way; with no latency a request and its answer would take no time, and a zero-wait fetch would loop forever"));
    }
    Ok((lo, hi))
}

fn latency_range(text: &str, span: Span) -> Result<(u64, u64), ParseError> {
    duration_range(text, span, "latency")
}

/// A producer's record lateness: one duration (`30s`) or a range (`5s..90s`), at most a day.
/// Returns (min, max) milliseconds.
pub fn lateness(text: &str, span: Span) -> Result<(u64, u64), ParseError> {
    let (lo, hi) = duration_range(text, span, "lateness")?;
    let max = khafka_sim::spec::MAX_LATENESS_MS;
    if hi / 1_000 > max {
        return Err(ParseError::new(
            span,
            format!("a record's lateness must be at most 24h, found `{text}`"),
        )
        .hint("a run lasts at most a day; lateness is how long before its send time a record is stamped"));
    }
    Ok((lo / 1_000, hi / 1_000))
}

/// The share of a producer's records that are late: `25%` (0% to 100%, up to four decimals), as
/// parts per million.
pub fn late_share(text: &str, span: Span) -> Result<u32, ParseError> {
    percent_ppm(
        text,
        span,
        "a share of records such as `10%`",
        "late",
        "a share",
    )
}

fn duration_range(text: &str, span: Span, what: &str) -> Result<(u64, u64), ParseError> {
    match text.split_once("..") {
        None => duration(text, span).map(|d| (d, d)),
        Some((lo, hi)) => {
            let lo_len = lo.chars().count();
            let lo_us = duration(lo, sub(span, 0, lo_len))?;
            let hi_us = duration(hi, sub(span, lo_len + 2, hi.chars().count()))?;
            if lo_us > hi_us {
                return Err(ParseError::new(
                    span,
                    format!("{what} range `{text}` goes from high to low"),
                )
                .hint(format!("write it low..high: `{hi}..{lo}`")));
            }
            Ok((lo_us, hi_us))
        }
    }
}

/// A producer's keys: `none`, a range `user-0..99`, or a list `a,b,c`.
pub fn keys(text: &str, span: Span) -> Result<KeySpec, ParseError> {
    string_set(text, span, "key")
}

/// A producer's `values=`: a set written like `keys=` (a range or a list).
pub fn value_set(text: &str, span: Span) -> Result<KeySpec, ParseError> {
    string_set(text, span, "value")
}

/// A set of strings, `PREFIX-LOW..HIGH` or `a,b,c`; `what` names its members in messages.
fn string_set(text: &str, span: Span, what: &str) -> Result<KeySpec, ParseError> {
    if text == "none" {
        return Ok(KeySpec::None);
    }
    if let Some((left, hi)) = text.split_once("..") {
        let digits = left
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let prefix_len = left.chars().count() - digits;
        let prefix: String = left.chars().take(prefix_len).collect();
        let lo_text: String = left.chars().skip(prefix_len).collect();
        let example = if what == "key" {
            "user-0..99"
        } else {
            "page-0..19"
        };
        let hint = format!("a {what} range is `PREFIX-LOW..HIGH`, e.g. `{example}`");
        let hint = hint.as_str();
        let lo_span = sub(span, prefix_len, digits.max(1));
        let hi_span = sub(span, left.chars().count() + 2, hi.chars().count().max(1));
        if lo_text.is_empty() {
            return Err(
                ParseError::new(lo_span, format!("the {what} range needs a start number"))
                    .hint(hint),
            );
        }
        let lo = uint(&lo_text, lo_span, &format!("the first {what} number"))
            .map_err(|e| e.hint(hint))?;
        let hi = uint(hi, hi_span, &format!("the last {what} number")).map_err(|e| e.hint(hint))?;
        if lo > hi {
            return Err(ParseError::new(
                span,
                format!("{what} range `{text}` is empty: {lo} is greater than {hi}"),
            ));
        }
        if hi - lo >= khafka_sim::spec::MAX_KEY_SET {
            return Err(ParseError::new(
                span,
                format!(
                    "range `{text}` holds {} strings: at most {} are allowed",
                    (hi - lo) as u128 + 1,
                    khafka_sim::spec::MAX_KEY_SET
                ),
            )
            .hint("a narrower range, e.g. `user-0..9999`"));
        }
        return Ok(KeySpec::Range { prefix, lo, hi });
    }
    let mut list = Vec::new();
    let mut offset = 0usize;
    for k in text.split(',') {
        let n = k.chars().count();
        if k.is_empty() {
            return Err(ParseError::new(
                sub(span, offset.saturating_sub(1), 1),
                format!("empty {what} in the list"),
            )
            .hint(format!(
                "{what}s are separated by single commas: `{what}s=a,b,c`"
            )));
        }
        list.push(k.to_string());
        offset += n + 1;
    }
    Ok(KeySpec::List(list))
}

/// An explicit replica assignment: `1,2,3;2,3,1` (partitions separated by `;`, replicas by `,`).
/// Returns each broker with its span so missing brokers can be pointed at later.
pub fn replicas(text: &str, span: Span) -> Result<Vec<Vec<(BrokerId, Span)>>, ParseError> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    for part in text.split(';') {
        let mut group = Vec::new();
        for b in part.split(',') {
            let n = b.chars().count();
            let s = sub(span, offset, n.max(1));
            let id = uint32(b, s, "a broker id").map_err(|e| {
                e.hint("replicas are broker ids, `,` between replicas and `;` between partitions: `1,2,3;2,3,1`")
            })?;
            group.push((id, s));
            offset += n + 1;
        }
        out.push(group);
    }
    Ok(out)
}

/// `orders-0`: a topic and a partition number.
pub fn topic_partition(text: &str, span: Span) -> Result<TopicPartition, ParseError> {
    TopicPartition::parse(text).ok_or_else(|| {
        ParseError::new(
            span,
            format!("expected a partition such as `orders-0`, found `{text}`"),
        )
        .hint("write the topic name, a dash and the partition number")
    })
}

/// A broker reference as written: an id or `leader(orders-0)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BrokerArg {
    Id(BrokerId, Span),
    LeaderOf(TopicPartition, Span),
}

pub fn broker_ref(text: &str, span: Span) -> Result<BrokerArg, ParseError> {
    if let Some(inner) = text
        .strip_prefix("leader(")
        .and_then(|r| r.strip_suffix(')'))
    {
        let inner_span = sub(span, 7, inner.chars().count().max(1));
        let tp = topic_partition(inner.trim(), inner_span)?;
        return Ok(BrokerArg::LeaderOf(tp, inner_span));
    }
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        return Ok(BrokerArg::Id(uint32(text, span, "a broker id")?, span));
    }
    Err(ParseError::new(
        span,
        format!("expected a broker id or `leader(TOPIC-PARTITION)`, found `{text}`"),
    )
    .hint("e.g. `crash broker 2` or `crash broker leader(orders-0)`"))
}

/// One node of the network as written: a broker id, `controller`, or a client name.
pub fn node(text: &str, span: Span) -> Result<(NodeRef, Span), ParseError> {
    if text == "controller" {
        return Ok((NodeRef::Controller, span));
    }
    if let Some(id) = text.strip_prefix("controller ") {
        let id = id.trim_start();
        return Ok((
            NodeRef::QuorumController(uint32(id, span, "a controller id")?),
            span,
        ));
    }
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        return Ok((NodeRef::Broker(uint32(text, span, "a broker id")?), span));
    }
    if text.contains(',') {
        return Err(
            ParseError::new(span, format!("`{text}` names several nodes"))
                .hint(format!("put a set of nodes in braces: `{{{text}}}`")),
        );
    }
    if client_name_problem(text).is_none() {
        return Ok((NodeRef::Client(text.to_string()), span));
    }
    Err(ParseError::new(
        span,
        format!(
            "expected a node (a broker id, `controller`, `controller N` or a client name), found `{text}`"
        ),
    ))
}

/// A node or a set of nodes: `1`, `p1`, `controller`, `{1,2}`, `{1, p1}`.
pub fn node_set(text: &str, span: Span) -> Result<Vec<(NodeRef, Span)>, ParseError> {
    let Some(body) = text.strip_prefix('{') else {
        return node(text, span).map(|n| vec![n]);
    };
    let Some(body) = body.strip_suffix('}') else {
        return Err(ParseError::new(
            span,
            format!("`{text}` is missing its closing `}}`"),
        ));
    };
    let mut out = Vec::new();
    let mut offset = 1usize;
    for item in body.split(',') {
        let n = item.chars().count();
        let lead = n - item.trim_start().chars().count();
        let trimmed = item.trim();
        let s = sub(span, offset + lead, trimmed.chars().count().max(1));
        if trimmed.is_empty() {
            return Err(ParseError::new(s, "empty element in a node set")
                .hint("list nodes separated by commas: `{1,2,p1}`"));
        }
        let node = node(trimmed, s)?;
        if out.iter().any(|(n, _)| *n == node.0) {
            return Err(ParseError::new(s, format!("`{trimmed}` is listed twice")));
        }
        out.push(node);
        offset += n + 1;
    }
    Ok(out)
}

/// Why `name` cannot be a producer or consumer name, if it cannot.
pub fn client_name_problem(name: &str) -> Option<String> {
    let first = name.chars().next()?;
    if !first.is_ascii_alphabetic() {
        return Some(format!(
            "client name `{name}` must start with a letter (numbers name brokers)"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Some(format!(
            "client name `{name}` contains `{c}`; use letters, digits, `_`, `-` and `.`"
        ));
    }
    if matches!(name, "controller" | "broker" | "leader" | "none") {
        return Some(format!(
            "`{name}` is a reserved word and cannot name a client"
        ));
    }
    None
}

/// Why `name` is not a legal Kafka topic name, if it is not (`[a-zA-Z0-9._-]`, 1 to 249 characters,
/// not `.` or `..`).
pub fn topic_name_problem(name: &str) -> Option<String> {
    if name == "." || name == ".." {
        return Some(format!(
            "topic name `{name}` is illegal: it cannot be `.` or `..`"
        ));
    }
    if name.chars().count() > 249 {
        return Some(format!(
            "topic name is illegal: it is {} characters long, the maximum is 249",
            name.chars().count()
        ));
    }
    name.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .map(|c| {
            // Control characters (a NUL, a tab) escaped, so the message shows them.
            format!(
                "topic name `{}` is illegal: it contains `{}`; Kafka allows ASCII letters, digits, `.`, `_` and `-`",
                name.escape_debug(),
                c.escape_debug()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> Span {
        Span::new(1, 10, 12)
    }

    #[test]
    fn rates() {
        assert_eq!(rate("100/s", s()), Ok(100_000));
        assert_eq!(rate("0.5/s", s()), Ok(500));
        assert_eq!(rate("2/ms", s()), Ok(2_000_000));
        assert_eq!(rate("60/m", s()), Ok(1_000));
        assert!(rate("0/s", s()).is_err());
        assert!(rate("-1/s", s()).is_err());
        assert!(rate("abc", s()).is_err());
        assert!(rate("1/day", s()).is_err());
        assert_eq!(rate("36/h", s()), Ok(10));
        assert!(rate("1/h", s()).is_err(), "below one per 1000 s");
        assert!(rate("9999999999/s", s()).is_err());
        assert!(rate("0.0000001/s", s()).is_err());
    }

    #[test]
    fn bandwidths() {
        assert_eq!(bandwidth("10MB/s", s()), Ok(10_000_000));
        assert_eq!(bandwidth("1Gbit/s", s()), Ok(125_000_000));
        assert_eq!(bandwidth("1.5KiB/s", s()), Ok(1_536));
        assert_eq!(bandwidth("1B/s", s()), Ok(1));
        assert_eq!(bandwidth("1TB/s", s()).ok(), None);
        assert_eq!(bandwidth("1000GB/s", s()), Ok(1_000_000_000_000));
        assert_eq!(bandwidth("unlimited", s()), Ok(0));
        for bad in [
            "0B/s", "10", "10MB", "-1MB/s", "1bit/s", "1001GB/s", "10 MB/s", "10mb/s",
        ] {
            assert!(bandwidth(bad, s()).is_err(), "{bad}");
        }
    }

    #[test]
    fn losses_and_latencies() {
        assert_eq!(loss("0.1%", s()), Ok(1_000));
        assert_eq!(loss("100%", s()), Ok(1_000_000));
        assert_eq!(loss("0%", s()), Ok(0));
        assert_eq!(loss("0.0001%", s()), Ok(1));
        assert!(loss("101%", s()).is_err());
        assert!(loss("0.1", s()).is_err());
        assert_eq!(latency("1ms", s()), Ok((1_000, 1_000)));
        assert_eq!(latency("0.5ms..1.5ms", s()), Ok((500, 1_500)));
        assert!(latency("2ms..1ms", s()).is_err());
        let e = latency("1ms..x", s()).unwrap_err();
        assert_eq!((e.column, e.len), (15, 1));
    }

    #[test]
    fn key_specs() {
        assert_eq!(keys("none", s()), Ok(KeySpec::None));
        assert_eq!(
            keys("user-0..99", s()),
            Ok(KeySpec::Range {
                prefix: "user-".into(),
                lo: 0,
                hi: 99
            })
        );
        assert_eq!(
            keys("a,b,c", s()),
            Ok(KeySpec::List(vec!["a".into(), "b".into(), "c".into()]))
        );
        assert!(keys("user-9..1", s()).is_err());
        assert!(keys("user-..9", s()).is_err());
        assert!(keys("a,,b", s()).is_err());
    }

    #[test]
    fn nodes_and_brokers() {
        let set = node_set("{1, p1,controller}", Span::new(1, 1, 18)).unwrap();
        assert_eq!(
            set.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
            vec![
                NodeRef::Broker(1),
                NodeRef::Client("p1".into()),
                NodeRef::Controller
            ]
        );
        assert_eq!(set[1].1, Span::new(1, 5, 2));
        assert!(node_set("{1,1}", s()).is_err());
        assert!(node_set("{1,}", s()).is_err());
        assert!(node_set("2,3", s()).is_err());
        assert_eq!(
            broker_ref("leader(orders-0)", Span::new(1, 10, 16)),
            Ok(BrokerArg::LeaderOf(
                TopicPartition::new("orders", 0),
                Span::new(1, 17, 8)
            ))
        );
        assert!(broker_ref("leader(orders)", s()).is_err());
        assert_eq!(
            replicas("1,2;2,1", Span::new(1, 1, 7)).unwrap()[1][0],
            (2, Span::new(1, 5, 1))
        );
    }

    #[test]
    fn names() {
        assert!(topic_name_problem("orders.v2_x-1").is_none());
        assert!(topic_name_problem("a/b").is_some());
        assert!(topic_name_problem("..").is_some());
        assert!(topic_name_problem(&"a".repeat(250)).is_some());
        assert!(client_name_problem("p1").is_none());
        assert!(client_name_problem("1p").is_some());
        assert!(client_name_problem("controller").is_some());
    }
}
