//! Java's hash-table iteration order, for the places where Kafka's assignors walk a `HashMap` or
//! `HashSet` and the walk decides the outcome (which member keeps its partitions first, which
//! partition of a movement set is moved back).
//!
//! `java.util.HashMap` keeps `capacity` buckets (16 at first, doubled once the size passes
//! three quarters of it, never shrunk) and iterates bucket by bucket, where an entry's bucket is
//! `(h ^ (h >>> 16)) & (capacity - 1)` of its `hashCode`. Inside a bucket entries stay in the
//! order they were inserted, also across a resize (the split keeps relative order). Not modelled:
//! a bucket of 8 or more colliding keys turns into a tree, ordered differently.

/// `String.hashCode`: `s[0]·31^(n−1) + … + s[n−1]` over UTF-16 code units, wrapping.
pub fn string_hash(s: &str) -> i32 {
    let mut h: i32 = 0;
    for unit in s.encode_utf16() {
        h = h.wrapping_mul(31).wrapping_add(i32::from(unit));
    }
    h
}

/// `TopicPartition.hashCode`: `31 · (31 + partition) + topic.hashCode()`.
pub fn topic_partition_hash(topic: &str, partition: i32) -> i32 {
    31i32
        .wrapping_mul(31i32.wrapping_add(partition))
        .wrapping_add(string_hash(topic))
}

/// Keys with their Java hash codes, iterated as a `HashSet`/`HashMap` built by the same inserts
/// and removals would iterate them.
#[derive(Clone, Debug)]
pub struct JavaHashOrder<K: PartialEq> {
    /// `(spread hash, insertion stamp, key)`.
    entries: Vec<(u32, u64, K)>,
    capacity: usize,
    stamp: u64,
}

impl<K: PartialEq> Default for JavaHashOrder<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: PartialEq> JavaHashOrder<K> {
    /// `new HashMap<>()`: 16 buckets.
    pub fn new() -> Self {
        JavaHashOrder {
            entries: Vec::new(),
            capacity: 16,
            stamp: 0,
        }
    }

    /// `put`/`add`: a key already present keeps its place.
    pub fn insert(&mut self, hash: i32, key: K) {
        if self.entries.iter().any(|(_, _, k)| *k == key) {
            return;
        }
        let h = hash as u32;
        self.entries.push((h ^ (h >> 16), self.stamp, key));
        self.stamp += 1;
        while self.entries.len() * 4 > self.capacity * 3 {
            self.capacity *= 2;
        }
    }

    /// `remove`: the table keeps its capacity.
    pub fn remove(&mut self, key: &K) {
        self.entries.retain(|(_, _, k)| k != key);
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keys in iteration order.
    pub fn iter(&self) -> impl Iterator<Item = &K> {
        let mask = (self.capacity - 1) as u32;
        let key = |i: usize| (self.entries[i].0 & mask, self.entries[i].1);
        // The shared index sort (stable): no sort instantiated for each key type.
        crate::kernel::small::sorted_indices(self.entries.len(), &|a, b| key(a).cmp(&key(b)))
            .into_iter()
            .map(move |i| &self.entries[i].2)
    }

    /// `iterator().next()`.
    pub fn first(&self) -> Option<&K> {
        let mask = (self.capacity - 1) as u32;
        self.entries
            .iter()
            .min_by_key(|(h, stamp, _)| (h & mask, *stamp))
            .map(|(_, _, k)| k)
    }
}

/// The order a `new HashMap<String, _>()` filled with `ids` (in this order) iterates its keys:
/// the positions of `ids`, rearranged.
pub fn hash_map_order(ids: &[&str]) -> Vec<usize> {
    let mut table = JavaHashOrder::new();
    for (i, id) in ids.iter().enumerate() {
        table.insert(string_hash(id), i);
    }
    table.iter().copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_hash_is_javas() {
        // Values of "…".hashCode() in Java.
        assert_eq!(string_hash(""), 0);
        assert_eq!(string_hash("a"), 97);
        assert_eq!(string_hash("consumer1"), -421_004_549);
        assert_eq!(string_hash("hello world"), 1_794_106_052);
    }

    #[test]
    fn small_keys_iterate_by_bucket_then_insertion() {
        // "a" (97 → bucket 1) comes before "b" (98 → bucket 2) whatever the insertion order.
        assert_eq!(hash_map_order(&["b", "a"]), vec![1, 0]);
        // Keys 16 apart share a bucket in a 16-bucket table and keep their insertion order.
        let mut t = JavaHashOrder::new();
        t.insert(17, "x");
        t.insert(1, "y");
        assert_eq!(t.iter().copied().collect::<Vec<_>>(), vec!["x", "y"]);
        assert_eq!(t.first(), Some(&"x"));
    }
}
