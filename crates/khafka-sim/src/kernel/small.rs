//! Code-size helpers for the notebook bundle (a wasm file fetched over the network): building a
//! B-tree with `collect()` sorts the items first, and every element type sorted instantiates the
//! standard library's sort again (a few KB of wasm each). These build by inserts instead (the
//! same result: a later duplicate key replaces the value, as `collect()` keeps the last), and
//! `sorted_indices` is the one sort shared by the assignors' comparators.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// `iter.collect::<BTreeSet<_>>()`, by inserts.
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut s = BTreeSet::new();
    for x in items {
        s.insert(x);
    }
    s
}

/// `iter.collect::<BTreeMap<_, _>>()`, by inserts.
pub fn map_of<K: Ord, V>(items: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut m = BTreeMap::new();
    for (k, v) in items {
        m.insert(k, v);
    }
    m
}

/// `0..n` sorted by `cmp`, ties kept in index order (a stable sort of the indexes): one
/// instantiation of the standard sort for every comparator passed.
pub fn sorted_indices(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    v.sort_unstable_by(|a, b| cmp(*a, *b).then(a.cmp(b)));
    v
}

/// Sorts `v` stably by `cmp` through [`sorted_indices`].
pub fn sort_by<T>(v: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    let mut order = sorted_indices(v.len(), &|a, b| cmp(&v[a], &v[b]));
    // Apply the permutation in place: position k takes the item at `order[k]`.
    for i in 0..order.len() {
        let mut j = i;
        while order[j] != i {
            let k = order[j];
            v.swap(j, k);
            order[j] = j;
            j = k;
        }
        order[j] = j;
    }
}

/// Sorts the few items of a hot path (a producer's brokers, a broker's partitions) by insertion:
/// no allocation, and a few hundred bytes of wasm per element type instead of the standard
/// sort's few KB. A long slice (a broker leading thousands of partitions) goes to [`sort_by`]
/// instead, which insertion would take quadratic time over.
pub fn sort_small<T: Ord + Copy>(v: &mut [T]) {
    if v.len() > 32 {
        return sort_by(v, T::cmp);
    }
    for i in 1..v.len() {
        let x = v[i];
        let mut j = i;
        while j > 0 && v[j - 1] > x {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_by_is_a_stable_sort() {
        let mut v = vec![(3, 'a'), (1, 'b'), (3, 'c'), (0, 'd'), (1, 'e'), (2, 'f')];
        let mut want = v.clone();
        want.sort_by_key(|x| x.0);
        sort_by(&mut v, |a, b| a.0.cmp(&b.0));
        assert_eq!(v, want);
        let mut w: Vec<u32> = (0..50).map(|i| (i * 37) % 23).collect();
        let mut w_want = w.clone();
        w_want.sort();
        sort_by(&mut w, |a, b| a.cmp(b));
        assert_eq!(w, w_want);
    }

    #[test]
    fn sort_small_sorts_as_the_standard_sort_does() {
        // Short (by insertion) and long (through the shared sort).
        for n in [20, 40, 500] {
            let mut v: Vec<(u32, u32)> = (0..n).map(|i| ((i * 17) % 7, (i * 29) % n)).collect();
            let mut want = v.clone();
            want.sort_unstable();
            sort_small(&mut v);
            assert_eq!(v, want);
        }
        let mut e: [u32; 0] = [];
        sort_small(&mut e);
    }

    #[test]
    fn collected_by_inserts_as_collect_does() {
        let items = [(2, "x"), (1, "y"), (2, "z")];
        assert_eq!(map_of(items), items.into_iter().collect::<BTreeMap<_, _>>());
        assert_eq!(set_of([3, 1, 3, 2]), [3, 1, 3, 2].into_iter().collect());
    }
}
