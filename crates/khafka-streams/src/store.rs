//! In-memory window and session stores with the lookups the processors make, in the orders
//! Kafka's stores give.
//!
//! - [`WindowStore`]: per key by window start (`fetch(key, from, to)`), and across keys by
//!   start then key bytes (`fetchAll(from, to)` of the time-ordered store that emit-final uses).
//! - [`SessionStore`]: per key by session end (`findSessions(key, earliestEnd, latestStart)`),
//!   across keys by end, key, start (the time-ordered session store's `findSessions(from, to)`).
//!   Its searches hide sessions that fall out of the store's retention as RocksDB's segmented
//!   store does (`actualFrom = max(from, observedStreamTime - retention + 1)`).
//!
//! Strings order as their UTF-8 bytes, like RocksDB's byte-wise comparator over `Serdes.String()`.

use crate::Agg;
use std::collections::{BTreeMap, BTreeSet};

/// A window's aggregate and the largest timestamp that went into it (`ValueAndTimestamp`).
pub(crate) type Stamped = (Agg, i64);

/// A write to a store as its changelog records it: the key, the window's start and (for
/// sessions) end, and the new value, `None` for a deletion.
pub(crate) type Write = (String, i64, Option<i64>, Option<Stamped>);

/// Both stores index by the same key types (a window store's third component is 0), so the
/// site's bundles carry one `BTreeMap` and one `BTreeSet` instantiation for them, not two each.
type ByKey = BTreeMap<(String, i64, i64), Stamped>;
type ByTime = BTreeSet<(i64, String, i64)>;

#[derive(Clone, Default, Debug)]
pub(crate) struct WindowStore {
    by_key: ByKey,
    by_time: ByTime,
    /// Every put since the last take, when the store is logged (`ChangeLoggingWindowBytesStore`).
    pub log: Option<Vec<Write>>,
}

impl WindowStore {
    pub fn get(&self, key: &str, start: i64) -> Option<&Stamped> {
        self.by_key.get(&(key.to_string(), start, 0))
    }

    pub fn put(&mut self, key: &str, start: i64, value: Stamped) {
        if let Some(log) = &mut self.log {
            log.push((key.to_string(), start, None, Some(value.clone())));
        }
        self.put_unlogged(key, start, value);
    }

    /// A put that the store's changelog does not see (a restoration).
    pub fn put_unlogged(&mut self, key: &str, start: i64, value: Stamped) {
        self.by_key.insert((key.to_string(), start, 0), value);
        self.by_time.insert((start, key.to_string(), 0));
    }

    /// Every window, by key then start.
    pub fn entries(&self) -> impl Iterator<Item = (&str, i64, &Stamped)> + '_ {
        self.by_key.iter().map(|((k, s, _), v)| (k.as_str(), *s, v))
    }

    /// Deletes a window (a tombstone read back from the changelog).
    pub fn remove(&mut self, key: &str, start: i64) {
        self.by_key.remove(&(key.to_string(), start, 0));
        self.by_time.remove(&(start, key.to_string(), 0));
    }

    /// One key's windows with `from <= start <= to`, by start.
    pub fn fetch(&self, key: &str, from: i64, to: i64) -> Vec<(i64, Stamped)> {
        if from > to {
            return Vec::new();
        }
        let k = key.to_string();
        self.by_key
            .range((k.clone(), from, 0)..=(k, to, 0))
            .map(|((_, s, _), v)| (*s, v.clone()))
            .collect()
    }

    /// Every key's windows with `from <= start <= to`, by start then key.
    pub fn fetch_all(&self, from: i64, to: i64) -> Vec<(i64, String)> {
        if from > to {
            return Vec::new();
        }
        self.by_time
            .range((from, String::new(), 0)..)
            .take_while(|(s, _, _)| *s <= to)
            .map(|(s, k, _)| (*s, k.clone()))
            .collect()
    }

    /// Forgets every window that starts before `start`.
    pub fn purge_before(&mut self, start: i64) {
        while let Some((s, k, _)) = self.by_time.first().cloned() {
            if s >= start {
                break;
            }
            self.by_time.pop_first();
            self.by_key.remove(&(k, s, 0));
        }
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }
}

/// A session of one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Span {
    pub start: i64,
    pub end: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct SessionStore {
    /// `(key, end, start)` → the aggregate and the session's end (its timestamp).
    by_key: ByKey,
    by_time: ByTime,
    /// The largest session end ever written (the segmented store's `observedStreamTime`).
    observed: i64,
    retention: i64,
    /// Every put and remove since the last take, when the store is logged.
    pub log: Option<Vec<Write>>,
}

impl SessionStore {
    pub fn new(retention: i64) -> Self {
        SessionStore {
            by_key: BTreeMap::new(),
            by_time: BTreeSet::new(),
            observed: crate::NO_TIMESTAMP,
            retention,
            log: None,
        }
    }

    /// The smallest session end a search still sees.
    pub fn visible_from(&self) -> i64 {
        self.observed
            .saturating_sub(self.retention)
            .saturating_add(1)
    }

    /// `findSessions(key, earliestSessionEndTime, latestSessionStartTime)`: the key's sessions
    /// with `end >= earliest` and `start <= latest`, by end then start.
    pub fn find(&self, key: &str, earliest_end: i64, latest_start: i64) -> Vec<(Span, Agg)> {
        let from = earliest_end.max(self.visible_from());
        let k = key.to_string();
        self.by_key
            .range((k.clone(), from, i64::MIN)..=(k, i64::MAX, i64::MAX))
            // The sessions a search sees are more than a gap apart, so ordered by end they are
            // ordered by start too: stop at the first that starts too late.
            .take_while(|((_, _, start), _)| *start <= latest_start)
            .map(|((_, end, start), (agg, _))| {
                (
                    Span {
                        start: *start,
                        end: *end,
                    },
                    agg.clone(),
                )
            })
            .collect()
    }

    /// Every key's sessions with `from <= end <= to`, by end, key, start.
    pub fn find_all(&self, from: i64, to: i64) -> Vec<(String, Span, Agg)> {
        if from > to {
            return Vec::new();
        }
        self.by_time
            .range((from, String::new(), i64::MIN)..)
            .take_while(|(e, _, _)| *e <= to)
            .map(|(end, key, start)| {
                let agg = self.by_key[&(key.clone(), *end, *start)].0.clone();
                (
                    key.clone(),
                    Span {
                        start: *start,
                        end: *end,
                    },
                    agg,
                )
            })
            .collect()
    }

    pub fn put(&mut self, key: &str, span: Span, agg: Agg) {
        if let Some(log) = &mut self.log {
            log.push((
                key.to_string(),
                span.start,
                Some(span.end),
                Some((agg.clone(), span.end)),
            ));
        }
        self.observed = self.observed.max(span.end);
        self.by_key
            .insert((key.to_string(), span.end, span.start), (agg, span.end));
        self.by_time.insert((span.end, key.to_string(), span.start));
    }

    pub fn remove(&mut self, key: &str, span: Span) {
        if let Some(log) = &mut self.log {
            log.push((key.to_string(), span.start, Some(span.end), None));
        }
        self.observed = self.observed.max(span.end);
        self.by_key.remove(&(key.to_string(), span.end, span.start));
        self.by_time
            .remove(&(span.end, key.to_string(), span.start));
    }

    /// Forgets every session that ends before `end`.
    pub fn purge_before(&mut self, end: i64) {
        while let Some((e, k, s)) = self.by_time.first().cloned() {
            if e >= end {
                break;
            }
            self.by_time.pop_first();
            self.by_key.remove(&(k, e, s));
        }
    }

    /// Every session, by key then end.
    pub fn entries(&self) -> impl Iterator<Item = (&str, Span, &Agg)> + '_ {
        self.by_key.iter().map(|((k, end, start), (a, _))| {
            (
                k.as_str(),
                Span {
                    start: *start,
                    end: *end,
                },
                a,
            )
        })
    }

    /// The sessions a search can still see, by key then end.
    pub fn visible(&self) -> Vec<(String, Span)> {
        let from = self.visible_from();
        self.by_key
            .keys()
            .filter(|(_, end, _)| *end >= from)
            .map(|(k, end, start)| {
                (
                    k.clone(),
                    Span {
                        start: *start,
                        end: *end,
                    },
                )
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }
}
