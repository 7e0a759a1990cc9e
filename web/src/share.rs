//! Share links: the URL carries the scenario, the actions injected live, and the position, so opening
//! it reproduces exactly the same state (the engine is deterministic; injections are replayed at the
//! same instants). Everything is base64url in the fragment, so nothing is sent to a server.

use khafka_sim::spec::{Fault, Scheduled};
use khafka_sim::SimTime;

/// Where "Present this" was pressed (a session storage key): the page, a line break and the
/// scenario it presented (`s=`), so Leave goes back there from that scenario only.
pub const FROM_KEY: &str = "khafka-presented-from";

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 3);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

pub fn decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    // Standard base64 too (`+`, `/`, `=` padding), as a hand-made or re-encoded link may be.
    for c in text.trim_end_matches('=').bytes() {
        let c = match c {
            b'+' => b'-',
            b'/' => b'_',
            c => c,
        };
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// What a share link carries.
#[derive(Clone, Debug, PartialEq)]
pub struct Shared {
    pub source: String,
    /// Injected actions as scenario lines (`at 2s crash broker 1`), in order.
    pub actions: String,
    pub at: SimTime,
    /// The lesson cell the link was made in (its number on the page), if not the playground.
    pub cell: Option<usize>,
    /// That cell's own lines, when `source` also holds the cells it continues.
    pub own: Option<String>,
}

/// The fragment for a shared state, e.g. `#/playground?s=…&a=…&t=2500`.
pub fn fragment(source: &str, injected: &[Scheduled], at: SimTime) -> String {
    fragment_at("#/playground", None, source, injected, at)
}

/// The fragment for a state shared from a page other than the playground: `route` (e.g.
/// `#/lesson/acks-and-durability`), and the cell's number and own lines.
pub fn fragment_at(
    route: &str,
    cell: Option<(usize, &str)>,
    source: &str,
    injected: &[Scheduled],
    at: SimTime,
) -> String {
    let actions: String = injected
        .iter()
        .map(|s| {
            format!(
                "at {} {}\n",
                s.at,
                khafka_sim::sim::describe_fault(&s.fault)
            )
        })
        .collect();
    let cell = cell
        .map(|(i, own)| format!("cell={i}&o={}&", encode(own.as_bytes())))
        .unwrap_or_default();
    format!(
        "{route}?{cell}s={}&a={}&t={}",
        encode(source.as_bytes()),
        encode(actions.as_bytes()),
        at.as_us()
    )
}

/// Reads a shared state from a location hash; `None` if it carries none (or is malformed).
pub fn from_hash(hash: &str) -> Option<Shared> {
    let query = hash.split_once('?')?.1;
    let mut shared = Shared {
        source: String::new(),
        actions: String::new(),
        at: SimTime::ZERO,
        cell: None,
        own: None,
    };
    let mut has_source = false;
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=')?;
        match k {
            "s" => {
                shared.source = String::from_utf8(decode(v)?).ok()?;
                has_source = true;
            }
            "a" => shared.actions = String::from_utf8(decode(v)?).ok()?,
            "t" => shared.at = SimTime(v.parse().ok()?),
            "cell" => shared.cell = Some(v.parse().ok()?),
            "o" => shared.own = Some(String::from_utf8(decode(v)?).ok()?),
            _ => {}
        }
    }
    has_source.then_some(shared)
}

/// Parses injected action lines against their scenario: the faults the lines add to the schedule.
pub fn parse_actions(source: &str, actions: &str) -> Result<Vec<(SimTime, Fault)>, String> {
    let base = khafka_scenario::parse(source).map_err(|e| e.to_string())?;
    // The actions' lines follow the scenario's: an error there is said of the action, not of a
    // line of a text the reader never sees.
    let first = source.split('\n').count() as u32 + 1;
    let with = khafka_scenario::parse(&format!("{source}\n{actions}")).map_err(|errs| {
        let said: Vec<String> = errs
            .0
            .iter()
            .map(|e| match e.line.checked_sub(first) {
                Some(i) => format!(
                    "live action {} (`{}`): {}",
                    i + 1,
                    actions.lines().nth(i as usize).unwrap_or_default().trim(),
                    e.explained()
                ),
                None => e.to_string(),
            })
            .collect();
        said.join("\n")
    })?;
    Ok(with.spec.schedule[base.spec.schedule.len()..]
        .iter()
        .map(|s| (s.at, s.fault.clone()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips() {
        for s in [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "seed 42\ncluster brokers=3\n",
            "µs ü ✓",
        ] {
            assert_eq!(decode(&encode(s.as_bytes())).unwrap(), s.as_bytes());
        }
        assert!(decode("a b").is_none());
        // Standard base64 with its padding reads as well: "seed 1\n?>" is "c2VlZCAxCj8+" there.
        assert_eq!(decode("c2VlZCAxCj8+").unwrap(), b"seed 1\n?>");
        assert_eq!(decode("c2VlZCAxCj8-").unwrap(), b"seed 1\n?>");
        assert_eq!(decode("YQ==").unwrap(), b"a");
    }

    #[test]
    fn an_unreadable_live_action_is_named_not_numbered_as_a_line() {
        let src = "seed 1\ncluster brokers=3\nrun 5s\n";
        let e = parse_actions(src, "at 1s crash broker 1\nat 2s crash broker 9").unwrap_err();
        assert!(
            e.starts_with("live action 2 (`at 2s crash broker 9`): ") && e.contains("broker 9"),
            "{e}"
        );
        assert_eq!(parse_actions(src, "at 1s crash broker 1").unwrap().len(), 1);
    }

    #[test]
    fn a_fragment_reads_back() {
        let f = fragment("seed 1\nrun 5s\n", &[], SimTime::from_ms(2500));
        let s = from_hash(&f).unwrap();
        assert_eq!(s.source, "seed 1\nrun 5s\n");
        assert_eq!(s.at, SimTime::from_ms(2500));
        assert!(from_hash("#/playground").is_none());
        let f = fragment_at(
            "#/lesson/acks",
            Some((2, "at 25s restart broker 1\n")),
            "seed 1\nat 25s restart broker 1\n",
            &[],
            SimTime::ZERO,
        );
        let s = from_hash(&f).unwrap();
        assert!(f.starts_with("#/lesson/acks?cell=2&o="));
        assert_eq!(
            (s.cell, s.own.as_deref()),
            (Some(2), Some("at 25s restart broker 1\n"))
        );
        assert!(from_hash("#/playground?s=%%%").is_none());
    }
}
