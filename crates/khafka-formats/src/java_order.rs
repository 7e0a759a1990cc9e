//! The iteration order of a Java `HashMap`/`HashSet`, so differences come out in the order the
//! Schema Registry lists them (its Protobuf diff walks `HashSet`s of names and tags).
//!
//! A Java hash table iterates bucket by bucket (`spread(hashCode) & (capacity − 1)`), entries in
//! a bucket in insertion order; resizing doubles the capacity when the size passes 3/4 of it and
//! keeps the relative order of entries that land in the same bucket.

/// `String.hashCode` over UTF-16 code units.
pub fn string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// A simulated Java hash set of keys with their `hashCode`s.
pub struct JavaHashSet<K: PartialEq + Clone> {
    table: Vec<Vec<(u32, K)>>,
    size: usize,
}

fn spread(h: i32) -> u32 {
    let h = h as u32;
    h ^ (h >> 16)
}

impl<K: PartialEq + Clone> Default for JavaHashSet<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: PartialEq + Clone> JavaHashSet<K> {
    /// `new HashMap<>()` / `new HashSet<>()`: capacity 16.
    pub fn new() -> Self {
        Self::with_capacity(16)
    }

    /// `new HashSet<>(collection)`: capacity `tableSizeFor(max(n / .75 + 1, 16))`.
    pub fn for_collection(n: usize) -> Self {
        let wanted = ((n as f32 / 0.75) as usize + 1).max(16);
        Self::with_capacity(wanted.next_power_of_two())
    }

    fn with_capacity(cap: usize) -> Self {
        JavaHashSet {
            table: vec![Vec::new(); cap],
            size: 0,
        }
    }

    pub fn insert(&mut self, hash: i32, key: K) {
        let h = spread(hash);
        let cap = self.table.len();
        let bucket = &mut self.table[(h as usize) & (cap - 1)];
        if bucket.iter().any(|(_, k)| *k == key) {
            return;
        }
        bucket.push((h, key));
        self.size += 1;
        if self.size > cap * 3 / 4 {
            let mut bigger = vec![Vec::new(); cap * 2];
            for b in self.table.drain(..) {
                for (h, k) in b {
                    bigger[(h as usize) & (cap * 2 - 1)].push((h, k));
                }
            }
            self.table = bigger;
        }
    }

    /// Keys in iteration order.
    pub fn keys(&self) -> Vec<K> {
        self.table
            .iter()
            .flatten()
            .map(|(_, k)| k.clone())
            .collect()
    }
}

/// `new HashSet<>(mapA.keySet())` then `addAll(mapB.keySet())`, each map filled in the given
/// order: the order the registry's diff visits names.
pub fn union_order(first: &[String], second: &[String]) -> Vec<String> {
    let keys = |names: &[String]| {
        let mut m = JavaHashSet::new();
        for n in names {
            m.insert(string_hash(n), n.clone());
        }
        m.keys()
    };
    let a = keys(first);
    let b = keys(second);
    let mut set = JavaHashSet::for_collection(a.len());
    for n in a.into_iter().chain(b) {
        set.insert(string_hash(&n), n);
    }
    set.keys()
}

/// The same for `Integer` keys (`hashCode` is the value).
pub fn union_order_ints(first: &[i32], second: &[i32]) -> Vec<i32> {
    let keys = |xs: &[i32]| {
        let mut m = JavaHashSet::new();
        for &x in xs {
            m.insert(x, x);
        }
        m.keys()
    };
    let a = keys(first);
    let b = keys(second);
    let mut set = JavaHashSet::for_collection(a.len());
    for x in a.into_iter().chain(b) {
        set.insert(x, x);
    }
    set.keys()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_string_hash_codes() {
        // Values of "…".hashCode() in Java.
        assert_eq!(string_hash(""), 0);
        assert_eq!(string_hash("a"), 97);
        assert_eq!(string_hash("hello"), 99_162_322);
        assert_eq!(string_hash("polygenelubricants"), i32::MIN);
    }

    #[test]
    fn small_ints_iterate_in_order_and_resize_keeps_order() {
        let xs: Vec<i32> = (0..40).rev().collect();
        assert_eq!(union_order_ints(&xs, &[]), (0..40).collect::<Vec<_>>());
    }
}
