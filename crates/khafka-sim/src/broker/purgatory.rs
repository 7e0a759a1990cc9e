//! Kafka's `DelayedOperationPurgatory`: requests parked until something they wait for happens
//! (a fetch until data arrives or its `max_wait`, a produce until the ISR has its records or its
//! timeout), each watched under the partitions it waits on, so that a change to one partition
//! checks only the requests watching it (`checkAndComplete(key)`), in the order they were parked.

use crate::msg::PartIdx;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Purgatory<T> {
    next: u64,
    /// Parked requests by arrival number (ascending: the order they were parked), with the
    /// partitions each is watched under.
    items: BTreeMap<u64, (Vec<PartIdx>, T)>,
    /// By partition, the arrival numbers of the requests watching it (ascending).
    watchers: Vec<Vec<u64>>,
}

impl<T> Default for Purgatory<T> {
    fn default() -> Self {
        Purgatory {
            next: 0,
            items: BTreeMap::new(),
            watchers: Vec::new(),
        }
    }
}

impl<T> Purgatory<T> {
    /// Parks `item`, watched under each of `parts`.
    pub fn insert(&mut self, parts: impl IntoIterator<Item = PartIdx>, item: T) {
        let n = self.next;
        self.next += 1;
        let mut watched = Vec::new();
        for p in parts {
            let i = p as usize;
            if self.watchers.len() <= i {
                self.watchers.resize_with(i + 1, Vec::new);
            }
            if self.watchers[i].last() != Some(&n) {
                self.watchers[i].push(n);
                watched.push(p);
            }
        }
        self.items.insert(n, (watched, item));
    }

    /// Drops request `n`'s watcher entries, except under `skip` (being rewritten by the caller).
    fn unwatch(watchers: &mut [Vec<u64>], n: u64, parts: &[PartIdx], skip: Option<PartIdx>) {
        for &p in parts {
            if Some(p) == skip {
                continue;
            }
            let list = &mut watchers[p as usize];
            if let Ok(i) = list.binary_search(&n) {
                list.remove(i);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The parked requests, in the order they were parked.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.items.values().map(|(_, t)| t)
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        self.items.values_mut().map(|(_, t)| t)
    }

    /// Forgets every request.
    pub fn clear(&mut self) {
        self.items.clear();
        self.watchers.clear();
    }

    /// Removes every request, in the order they were parked.
    pub fn drain(&mut self) -> impl Iterator<Item = T> + '_ {
        self.watchers.clear();
        std::mem::take(&mut self.items)
            .into_values()
            .map(|(_, t)| t)
    }

    /// Calls `done` on each request watching `part`, in the order they were parked; a request for
    /// which it returns true leaves the purgatory.
    pub fn check_part(&mut self, part: PartIdx, mut done: impl FnMut(&mut T) -> bool) {
        let Some(list) = self.watchers.get_mut(part as usize) else {
            return;
        };
        let mut list = std::mem::take(list);
        list.retain(|n| {
            let Some((_, item)) = self.items.get_mut(n) else {
                return false;
            };
            if !done(item) {
                return true;
            }
            let (parts, _) = self.items.remove(n).expect("present");
            Self::unwatch(&mut self.watchers, *n, &parts, Some(part));
            false
        });
        self.watchers[part as usize] = list;
    }

    /// Calls `done` on every request, in the order they were parked; a request for which it
    /// returns true leaves the purgatory.
    pub fn check_all(&mut self, mut done: impl FnMut(&mut T) -> bool) {
        let watchers = &mut self.watchers;
        self.items.retain(|n, (parts, item)| {
            if done(item) {
                Self::unwatch(watchers, *n, parts, None);
                false
            } else {
                true
            }
        });
    }

    /// Watcher entries in all (for tests: every entry belongs to a parked request).
    #[cfg(test)]
    fn watcher_entries(&self) -> usize {
        self.watchers.iter().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partition_checks_only_its_watchers_in_parking_order() {
        let mut p: Purgatory<&str> = Purgatory::default();
        p.insert([1, 2], "a");
        p.insert([2], "b");
        p.insert([3, 2], "c");
        let mut seen = Vec::new();
        p.check_part(2, |x| {
            seen.push(*x);
            *x == "b"
        });
        assert_eq!(seen, ["a", "b", "c"]);
        assert_eq!(p.iter().copied().collect::<Vec<_>>(), ["a", "c"]);
        let mut seen = Vec::new();
        p.check_part(1, |x| {
            seen.push(*x);
            true
        });
        assert_eq!(seen, ["a"]);
        p.check_part(7, |_| panic!("nobody watches 7"));
        assert_eq!(p.watcher_entries(), 2, "a's entry under 2 left with it");
        p.check_all(|x| *x == "c");
        assert!(p.is_empty());
        assert_eq!(p.watcher_entries(), 0, "nothing stale stays watched");
        let mut seen = Vec::new();
        p.check_part(2, |x| {
            seen.push(*x);
            true
        });
        assert!(seen.is_empty(), "requests that left are not checked again");
        p.insert([2], "d");
        assert_eq!(p.drain().collect::<Vec<_>>(), ["d"]);
        assert_eq!(p.len(), 0);
    }
}
