//! Where an entry sits in a list kept in insertion order, found by a hash of the entry instead of
//! a scan: open addressing with linear probing over a power-of-two table of positions. The list
//! is the caller's (a cache's dirty entries, in the order first written), so its order — and
//! everything written from it — does not depend on the hash. No standard hash map: one table of
//! `u32`s, no per-type instantiation of a hasher in the site's bundles.

/// The positions of a list's entries by hash (`0`: an empty slot, else the position plus one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PositionIndex {
    slots: Vec<u32>,
}

/// A 64-bit mix of a word (SplitMix64's finaliser), to spread keys over the table.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl PositionIndex {
    /// The position of the entry with hash `hash` for which `is(position)` holds, if any.
    pub fn find(&self, hash: u64, is: impl Fn(usize) -> bool) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            match self.slots[i] {
                0 => return None,
                s if is(s as usize - 1) => return Some(s as usize - 1),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Records that the entry with hash `hash` is at `position`, the list's last (the list now
    /// holds `position + 1` entries); `hash_of(p)` gives the hash of the entry at `p`, to rebuild
    /// the table when it grows (kept at most half full).
    pub fn insert(&mut self, hash: u64, position: usize, hash_of: impl Fn(usize) -> u64) {
        let len = position + 1;
        if len * 2 > self.slots.len() {
            let size = (len * 2).next_power_of_two().max(16);
            self.slots.clear();
            self.slots.resize(size, 0);
            for p in 0..position {
                self.place(hash_of(p), p);
            }
        }
        self.place(hash, position);
    }

    fn place(&mut self, hash: u64, position: usize) {
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = position as u32 + 1;
    }

    /// Forgets every position (the list was emptied).
    pub fn clear(&mut self) {
        self.slots.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries found where they were put, absent ones not found, across growth and collisions
    /// (a hash that sends every entry to one slot).
    #[test]
    fn finds_every_entry_and_nothing_else() {
        for spread in [true, false] {
            let hash = |k: u64| if spread { mix(k) } else { 7 };
            let mut list: Vec<u64> = Vec::new();
            let mut index = PositionIndex::default();
            for k in (0..500u64).map(|i| i * 3) {
                assert_eq!(index.find(hash(k), |p| list[p] == k), None);
                list.push(k);
                let l = &list;
                index.insert(hash(k), list.len() - 1, |p| hash(l[p]));
            }
            for (p, &k) in list.iter().enumerate() {
                assert_eq!(index.find(hash(k), |q| list[q] == k), Some(p), "{k}");
                assert_eq!(index.find(hash(k + 1), |q| list[q] == k + 1), None);
            }
            index.clear();
            assert_eq!(index.find(hash(0), |q| list[q] == 0), None);
        }
    }
}
