//! A map kept as a vector sorted by key: for the few entries a replica keeps per follower or per
//! producer. A `BTreeMap` put them in a separately allocated node reached through a pointer, and at
//! scale (6,000 replicas) looking them up missed the cache on every fetch and produce; a sorted
//! vector keeps them in one allocation scanned in order. Iteration is in key order, like the
//! `BTreeMap` it replaces, so nothing observable depends on the change.

use serde::ser::{Serialize, SerializeMap, Serializer};
use std::borrow::Borrow;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }
}

/// `map[&k]`, as `BTreeMap`'s: panics when `k` is absent.
impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for VecMap<K, V> {
    type Output = V;
    fn index(&self, k: &Q) -> &V {
        self.get(k).expect("a key of the map")
    }
}

impl<K: Ord, V> VecMap<K, V> {
    pub const fn new() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }

    /// Where the key that borrows as `k` is (`Ok`), or would go (`Err`). Keys borrow as themselves,
    /// and `Arc<str>` keys as `&str`, as with `BTreeMap`.
    #[inline]
    fn find<Q: Ord + ?Sized>(&self, k: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        // Keys often arrive in increasing order (request ids): check the end first.
        match self.entries.last() {
            Some((last, _)) if last.borrow() < k => return Err(self.entries.len()),
            None => return Err(0),
            _ => {}
        }
        if self.entries.len() > 16 {
            return self
                .entries
                .binary_search_by(|(key, _)| key.borrow().cmp(k));
        }
        // Most maps hold a handful of entries, where a scan beats a binary search.
        for (i, (key, _)) in self.entries.iter().enumerate() {
            match key.borrow().cmp(k) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => return Ok(i),
                std::cmp::Ordering::Greater => return Err(i),
            }
        }
        Err(self.entries.len())
    }

    #[inline]
    pub fn get<Q: Ord + ?Sized>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(k).ok().map(|i| &self.entries[i].1)
    }

    #[inline]
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(k).ok().map(|i| &mut self.entries[i].1)
    }

    /// The stored key and its value, for the key that borrows as `k`.
    pub fn get_key_value<Q: Ord + ?Sized>(&self, k: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        self.find(k)
            .ok()
            .map(|i| (&self.entries[i].0, &self.entries[i].1))
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, k: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(k).is_ok()
    }

    /// The entry for `k`, inserted with `V::default()` if absent (`entry(k).or_default()`).
    #[inline]
    pub fn get_or_default(&mut self, k: K) -> &mut V
    where
        V: Default,
    {
        match self.find(&k) {
            Ok(i) => &mut self.entries[i].1,
            Err(i) => self.insert_default_at(i, k),
        }
    }

    /// The insertion of [`VecMap::get_or_default`], out of line: rare (a new follower, producer or
    /// fetcher), and it kept the lookup from being inlined.
    #[cold]
    #[inline(never)]
    fn insert_default_at(&mut self, i: usize, k: K) -> &mut V
    where
        V: Default,
    {
        self.entries.insert(i, (k, V::default()));
        &mut self.entries[i].1
    }

    /// The map of `entries`, which are sorted by key with no key twice.
    pub fn from_sorted(entries: Vec<(K, V)>) -> Self {
        debug_assert!(
            entries.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, unique keys"
        );
        VecMap { entries }
    }

    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        match self.find(&k) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, v)),
            Err(i) => {
                self.entries.insert(i, (k, v));
                None
            }
        }
    }

    /// The values in key order, taken out.
    pub fn into_values(self) -> impl Iterator<Item = V> {
        self.entries.into_iter().map(|(_, v)| v)
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, k: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(k).ok().map(|i| self.entries.remove(i).1)
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Keeps the entries `f` accepts, in order.
    pub fn retain(&mut self, mut f: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| f(k, v));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in key order from the first key at or above `k` (`BTreeMap::range(k..)`).
    pub fn iter_from<Q: Ord + ?Sized>(&self, k: &Q) -> impl Iterator<Item = (&K, &V)> + '_
    where
        K: Borrow<Q>,
    {
        let i = self.find(k).unwrap_or_else(|i| i);
        self.entries[i..].iter().map(|(k, v)| (k, v))
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> + '_ {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> + '_ {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> + '_ {
        self.entries.iter_mut().map(|(_, v)| v)
    }
}

impl<'a, K: Ord + Copy, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Ord + Copy, V> FromIterator<(K, V)> for VecMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut m = VecMap::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

/// Serialized as a map, exactly as the `BTreeMap` it replaces.
impl<K: Serialize, V: Serialize> Serialize for VecMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn behaves_like_a_btree_map() {
        let mut m = VecMap::new();
        let mut r = BTreeMap::new();
        let mut x: u64 = 7;
        for _ in 0..2_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            let k = ((x >> 50) % 40) as u32;
            match (x >> 40) % 4 {
                0 => assert_eq!(m.insert(k, x), r.insert(k, x)),
                1 => assert_eq!(m.remove(&k), r.remove(&k)),
                2 => *m.get_or_default(k) += 1,
                _ => assert_eq!(m.get(&k), r.get(&k)),
            }
            if (x >> 40) % 4 == 2 {
                *r.entry(k).or_default() += 1;
            }
            assert!(m.iter().eq(r.iter()));
        }
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            serde_json::to_string(&r).unwrap()
        );
    }
}
