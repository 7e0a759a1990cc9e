//! An append-mostly vector whose clones share storage.
//!
//! Time travel keeps a checkpoint (a clone of the whole simulation) every few simulated seconds. Logs
//! and per-record tables are the bulk of that state, and almost all of it is immutable once written, so
//! full chunks live behind `Arc`: a clone copies one pointer per full chunk, and a write to an old
//! record copies at most the one chunk it touches if that chunk is still shared. The last, partial
//! chunk (where appends and most updates land) is owned outright, so writing it needs no atomic
//! reference-count check (`Arc::make_mut` on every append and update was ~5% of a run); a clone copies
//! it, which a shared tail also paid at the next append.

use serde::{Serialize, Serializer};
use std::sync::Arc;

const CHUNK: usize = 256;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkVec<T> {
    /// Full chunks of exactly `CHUNK` elements.
    full: Vec<Arc<Vec<T>>>,
    /// The remaining `len % CHUNK` elements (fewer than `CHUNK`).
    tail: Vec<T>,
}

impl<T> Default for ChunkVec<T> {
    fn default() -> Self {
        ChunkVec {
            full: Vec::new(),
            tail: Vec::new(),
        }
    }
}

impl<T: Clone> ChunkVec<T> {
    pub fn new() -> Self {
        Self::default()
    }

    #[inline]
    fn full_len(&self) -> usize {
        self.full.len() * CHUNK
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.full_len() + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.full.is_empty() && self.tail.is_empty()
    }

    #[inline]
    pub fn push(&mut self, value: T) {
        if self.tail.len() == self.tail.capacity() {
            // A fresh tail, or a clone's exact-size copy: make room for the whole chunk once.
            self.tail.reserve_exact(CHUNK - self.tail.len());
        }
        self.tail.push(value);
        if self.tail.len() == CHUNK {
            let full = std::mem::take(&mut self.tail);
            self.full.push(Arc::new(full));
        }
    }

    #[inline]
    pub fn get(&self, index: usize) -> Option<&T> {
        let full = self.full_len();
        if index >= full {
            self.tail.get(index - full)
        } else {
            Some(&self.full[index / CHUNK][index % CHUNK])
        }
    }

    #[inline]
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        let full = self.full_len();
        if index >= full {
            self.tail.get_mut(index - full)
        } else {
            Some(&mut Arc::make_mut(&mut self.full[index / CHUNK])[index % CHUNK])
        }
    }

    pub fn last(&self) -> Option<&T> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// Keeps the first `len` elements.
    pub fn truncate(&mut self, len: usize) {
        let full = self.full_len();
        if len >= full {
            self.tail.truncate(len - full);
            return;
        }
        // The chunk holding the new end becomes the (owned) tail.
        let keep_full = len / CHUNK;
        let rest = len % CHUNK;
        let mut tail = Vec::with_capacity(CHUNK);
        tail.extend_from_slice(&self.full[keep_full][..rest]);
        self.full.truncate(keep_full);
        self.tail = tail;
    }

    /// Elements `[start, end)` (clamped to the length), chunk by chunk.
    pub fn range(&self, start: usize, end: usize) -> impl Iterator<Item = &T> + '_ {
        let end = end.min(self.len());
        let start = start.min(end);
        (start..end).map(move |i| self.get(i).expect("in range"))
    }

    /// Calls `f` with the elements `[start, end)` (clamped to the length), one slice per chunk.
    #[inline]
    pub fn for_each_slice(&self, start: usize, end: usize, mut f: impl FnMut(&[T])) {
        let end = end.min(self.len());
        let mut i = start.min(end);
        while i < end {
            let c = i / CHUNK;
            let chunk: &[T] = match self.full.get(c) {
                Some(full) => full,
                None => &self.tail,
            };
            let from = i % CHUNK;
            let to = (end - c * CHUNK).min(chunk.len());
            f(&chunk[from..to]);
            i = c * CHUNK + to;
        }
    }

    /// Appends elements `[start, end)` (clamped to the length) to `out`, a slice copy per chunk.
    pub fn extend_range_into(&self, start: usize, end: usize, out: &mut Vec<T>) {
        out.reserve(end.min(self.len()).saturating_sub(start));
        self.for_each_slice(start, end, |s| out.extend_from_slice(s));
    }

    /// Calls `f` on elements `[start, end)` (clamped to the length): a tight loop where `range`
    /// pays an index computation per element.
    #[inline]
    pub fn for_each_in(&self, start: usize, end: usize, mut f: impl FnMut(&T)) {
        self.for_each_slice(start, end, |s| s.iter().for_each(&mut f));
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.full
            .iter()
            .flat_map(|c| c.iter())
            .chain(self.tail.iter())
    }
}

impl<T: Serialize + Clone> Serialize for ChunkVec<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_until_written() {
        let mut a = ChunkVec::new();
        for i in 0..10_000u32 {
            a.push(i);
        }
        let b = a.clone();
        a.truncate(5_000);
        a.push(99);
        assert_eq!(b.len(), 10_000);
        assert_eq!(b.get(5_000), Some(&5_000));
        assert_eq!(a.get(5_000), Some(&99));
        assert_eq!(a.len(), 5_001);
        assert!(Arc::ptr_eq(&a.full[0], &b.full[0]));
        assert_eq!(
            a.range(4_999, 6_000).copied().collect::<Vec<_>>(),
            vec![4_999, 99]
        );
        if let Some(v) = a.get_mut(5_000) {
            *v = 7;
        }
        assert_eq!(b.get(5_000), Some(&5_000));
        assert_eq!(a.last(), Some(&7));
        for i in 0..3_000u32 {
            a.push(i);
        }
        assert_eq!(a.len(), 8_001);
        assert_eq!(a.get(8_000), Some(&2_999));
        assert_eq!(a.iter().count(), 8_001);
        a.truncate(2_048);
        assert_eq!(a.len(), 2_048);
        assert_eq!(a.last(), Some(&2_047));
        a.push(1);
        assert_eq!(a.get(2_048), Some(&1));
        assert_eq!(b.get(2_048), Some(&2_048));
        let mut out = vec![5];
        a.extend_range_into(1_000, 2_100, &mut out);
        assert_eq!(out.len(), 1 + 1_049);
        assert_eq!(
            out[1..],
            a.range(1_000, 2_100).copied().collect::<Vec<_>>()[..]
        );
        a.extend_range_into(2_049, 2_049, &mut out);
        a.extend_range_into(3_000, 2_000, &mut out);
        assert_eq!(out.len(), 1 + 1_049);
        a.truncate(0);
        assert!(a.is_empty());
        a.truncate(4096);
        assert_eq!(a.len(), 0);
    }
}
