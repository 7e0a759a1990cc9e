//! `key=value` pairs: splitting, duplicate detection, and forwarding to the engine's config structs.
//!
//! Statement-specific keys (`partitions=`, `rate=`, …) are handled by each statement; every other key
//! goes to `BrokerConfig::set`, `TopicConfig::set`, `ProducerConfig::set` or `ConsumerConfig::set`, so
//! the list of Kafka keys lives in one place: the engine. A key that is unknown gets a "did you mean"
//! over the statement's own keys plus the config's `KEYS`, or, if the key belongs to another kind of
//! statement, a hint saying where it goes.

use crate::errors::{ParseError, Span};
use crate::lexer::Token;
use crate::suggest::suggest;
use khafka_sim::config::ConfigError;
use khafka_sim::{BrokerConfig, ConsumerConfig, ProducerConfig, TopicConfig};

/// One `key=value` token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pair {
    pub key: String,
    pub value: String,
    pub key_span: Span,
    pub value_span: Span,
}

/// Splits tokens into pairs. Tokens that are not `key=value`, pairs with an empty key or value, and
/// keys given twice are reported (with a "did you mean" over `allowed` for a bare word).
pub fn pairs(tokens: &[Token], allowed: &[&str], errors: &mut Vec<ParseError>) -> Vec<Pair> {
    let mut out: Vec<Pair> = Vec::new();
    // Keys seen, for the duplicate check (a line may carry thousands of pairs). Owned strings:
    // the engine's B-tree of `String` serves, where one of `&str` would be a type of its own
    // in the site's notebook bundle (about 650 B gzip).
    let mut seen: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        i += 1;
        // `acks = all`, `acks =all`, `acks= all`: one setting written with spaces, one error.
        if let Some((parts, written)) = spaced_pair(&tokens[i - 1..]) {
            let last = &tokens[i - 1 + parts - 1].span;
            let span = Span::new(
                t.span.line,
                t.span.column,
                last.column + last.len - t.span.column,
            );
            errors.push(
                ParseError::new(span, format!("spaces around `=` in `{written}`")).hint(format!(
                    "write `{}`, with no spaces",
                    written.replace(' ', "")
                )),
            );
            i += parts - 1;
            continue;
        }
        let Some((key, value)) = t.text.split_once('=') else {
            let e = ParseError::new(t.span, format!("expected `key=value`, found `{}`", t.text));
            let e = match suggest(&t.text, allowed) {
                Some(k) => e.hint(format!("did you mean `{k}=…`?")),
                None => e.hint("write settings as `key=value`, with no spaces around `=`"),
            };
            errors.push(e);
            continue;
        };
        let key_len = key.chars().count();
        let key_span = Span::new(t.span.line, t.span.column, key_len as u32);
        let value_span = Span::new(
            t.span.line,
            t.span.column + key_len as u32 + 1,
            value.chars().count() as u32,
        );
        if key.is_empty() {
            errors.push(
                ParseError::new(t.span, format!("`{}` has no key before `=`", t.text))
                    .hint("write settings as `key=value`, with no spaces around `=`"),
            );
            continue;
        }
        if value.is_empty() {
            errors.push(
                ParseError::new(t.span, format!("`{key}=` has no value"))
                    .hint("write settings as `key=value`, with no spaces around `=`"),
            );
            continue;
        }
        if !seen.insert(key.to_string()) {
            errors.push(
                ParseError::new(key_span, format!("`{key}` is set twice on this line"))
                    .hint("remove one of them"),
            );
            continue;
        }
        out.push(Pair {
            key: key.to_string(),
            value: value.to_string(),
            key_span,
            value_span,
        });
    }
    out
}

/// A setting written with spaces around its `=` at the start of `tokens` (`acks = all`, `acks =all`,
/// `acks= all`): how many tokens it takes and how it was written. Only tokens on one line, with
/// nothing but a key on the left and a value with no `=` on the right.
fn spaced_pair(tokens: &[Token]) -> Option<(usize, String)> {
    let word = |t: &Token| !t.text.is_empty() && !t.text.contains('=');
    let same_line = |n: usize| {
        tokens[..n]
            .iter()
            .all(|t| t.span.line == tokens[0].span.line)
    };
    let first = tokens.first()?;
    let second = tokens.get(1)?;
    let found = if let Some(key) = first.text.strip_suffix('=') {
        // `acks= all`
        (!key.is_empty() && !key.contains('=') && word(second))
            .then(|| (2, format!("{} {}", first.text, second.text)))
    } else if !word(first) {
        None
    } else if second.text == "=" {
        // `acks = all`
        let third = tokens.get(2)?;
        word(third).then(|| (3, format!("{} = {}", first.text, third.text)))
    } else {
        // `acks =all`
        let value = second.text.strip_prefix('=')?;
        (!value.is_empty() && !value.contains('='))
            .then(|| (2, format!("{} {}", first.text, second.text)))
    };
    found.filter(|&(n, _)| same_line(n))
}

/// Which engine config a statement forwards its other keys to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigKind {
    Broker,
    Topic,
    Producer,
    Consumer,
}

impl ConfigKind {
    fn keys(self) -> &'static [&'static str] {
        match self {
            ConfigKind::Broker => BrokerConfig::KEYS,
            ConfigKind::Topic => TopicConfig::KEYS,
            ConfigKind::Producer => ProducerConfig::KEYS,
            ConfigKind::Consumer => ConsumerConfig::KEYS,
        }
    }

    fn statement(self) -> &'static str {
        match self {
            ConfigKind::Broker => "cluster",
            ConfigKind::Topic => "topic",
            ConfigKind::Producer => "producer",
            ConfigKind::Consumer => "consumer",
        }
    }

    fn label(self) -> &'static str {
        match self {
            ConfigKind::Broker => "a broker",
            ConfigKind::Topic => "a topic",
            ConfigKind::Producer => "a producer",
            ConfigKind::Consumer => "a consumer",
        }
    }
}

/// Turns a `ConfigError` from `set(key, value)` into a positioned error.
pub fn config_error(
    err: ConfigError,
    pair: &Pair,
    kind: ConfigKind,
    own_keys: &[&'static str],
) -> ParseError {
    match err {
        ConfigError::InvalidValue(expected) => {
            let e = ParseError::new(
                pair.value_span,
                format!(
                    "invalid value `{}` for `{}`: expected {expected}",
                    pair.value, pair.key
                ),
            );
            if kind == ConfigKind::Topic {
                e.kafka("INVALID_CONFIG")
            } else {
                e
            }
        }
        ConfigError::UnknownKey => unknown_key(pair, kind, own_keys),
    }
}

/// `message` at `pair`'s key, with the closest of `own` as the hint ("did you mean"), else
/// `otherwise`: a statement's own unknown setting.
pub fn unknown_in(pair: &Pair, message: String, own: &[&str], otherwise: &str) -> ParseError {
    let e = ParseError::new(pair.key_span, message);
    match suggest(&pair.key, own) {
        Some(s) => e.hint(format!("did you mean `{s}`?")),
        None => e.hint(otherwise),
    }
}

/// "unknown config `k`" with the best hint available.
pub fn unknown_key(pair: &Pair, kind: ConfigKind, own_keys: &[&'static str]) -> ParseError {
    let key = pair.key.as_str();
    let e = ParseError::new(pair.key_span, format!("unknown config `{key}`"));
    let candidates: Vec<&str> = own_keys.iter().chain(kind.keys()).copied().collect();
    if let Some(s) = suggest(key, &candidates) {
        return e.hint(format!("did you mean `{s}`?"));
    }
    let kinds = [
        ConfigKind::Broker,
        ConfigKind::Topic,
        ConfigKind::Producer,
        ConfigKind::Consumer,
    ];
    if let Some(other) = kinds
        .iter()
        .find(|k| **k != kind && k.keys().contains(&key))
    {
        return e.hint(format!(
            "`{key}` is {} config: put it on a `{}` line",
            other.label(),
            other.statement()
        ));
    }
    e.hint(format!(
        "a `{}` line accepts: {}",
        kind.statement(),
        candidates.join(", ")
    ))
}

/// Applies `pair` to a config with `set`, reporting errors.
pub fn apply(
    set: impl FnOnce(&str, &str) -> Result<(), ConfigError>,
    pair: &Pair,
    kind: ConfigKind,
    own_keys: &[&'static str],
    errors: &mut Vec<ParseError>,
) {
    #[cfg(not(feature = "groups"))]
    if matches!(kind, ConfigKind::Broker | ConfigKind::Consumer)
        && khafka_sim::config::BROKER_GROUP_KEYS
            .iter()
            .chain(khafka_sim::config::CONSUMER_GROUP_KEYS)
            .any(|k| *k == pair.key)
    {
        errors.push(crate::groups_unavailable(pair.key_span.to(pair.value_span)));
        return;
    }
    if let Err(e) = set(&pair.key, &pair.value) {
        errors.push(config_error(e, pair, kind, own_keys));
    }
}
