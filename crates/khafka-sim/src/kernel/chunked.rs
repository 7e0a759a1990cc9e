//! An append-mostly vector whose clones share storage.
//!
//! Time travel keeps a checkpoint (a clone of the whole simulation) every few simulated seconds. Logs
//! and per-record tables are the bulk of that state, and almost all of it is immutable once written,
//! so it lives in shared pieces: full chunks of [`CHUNK`] elements behind `Arc`, and full groups of
//! [`FANOUT`] chunks behind `Arc` again. A clone copies one pointer per full group, the pointers of
//! the chunks not yet grouped (fewer than [`FANOUT`]) and the last partial chunk (fewer than
//! [`CHUNK`] elements): a few kilobytes per table whatever its length, where one pointer per chunk
//! made a checkpoint of a 10-minute run cost about 700 KB. A write to an old element copies at most
//! the group and the chunk it touches, if they are still shared. The partial chunk (where appends and
//! most updates land) is owned outright, so writing it needs no atomic reference-count check
//! (`Arc::make_mut` on every append and update was ~5% of a run).

use serde::{Serialize, Serializer};
use std::cell::Cell;
use std::sync::Arc;

thread_local! {
    /// Bytes copied by writes to chunks or groups that a clone still shared (see
    /// [`take_copied_bytes`]).
    static COPIED: Cell<u64> = const { Cell::new(0) };
}

/// Bytes copied on write since the last call: storage a checkpoint keeps alive because the running
/// simulation wrote to a chunk they shared. A timeline counts it towards the checkpoint's cost.
pub fn take_copied_bytes() -> u64 {
    COPIED.with(|c| c.replace(0))
}

fn note_copy(bytes: usize) {
    COPIED.with(|c| c.set(c.get() + bytes as u64));
}

/// Elements per chunk.
pub const CHUNK: usize = 128;
/// Chunks per group.
pub const FANOUT: usize = 128;
const GROUP: usize = CHUNK * FANOUT;

/// A full chunk: a fixed-size array behind a thin pointer, so an element's index within it needs no
/// bounds check and a chunk pointer is one word.
type Chunk<T> = Arc<[T; CHUNK]>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkVec<T> {
    /// Full groups of exactly `FANOUT` full chunks.
    groups: Vec<Arc<[Chunk<T>; FANOUT]>>,
    /// Full chunks of exactly `CHUNK` elements after the groups (fewer than `FANOUT`).
    chunks: Vec<Chunk<T>>,
    /// The remaining elements (fewer than `CHUNK`).
    tail: Vec<T>,
}

impl<T> Default for ChunkVec<T> {
    fn default() -> Self {
        ChunkVec {
            groups: Vec::new(),
            chunks: Vec::new(),
            tail: Vec::new(),
        }
    }
}

impl<T: Clone> ChunkVec<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Elements in the groups and the grouped-or-not full chunks.
    #[inline]
    fn full_len(&self) -> usize {
        self.groups.len() * GROUP + self.chunks.len() * CHUNK
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.full_len() + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.chunks.is_empty() && self.tail.is_empty()
    }

    #[inline]
    pub fn push(&mut self, value: T) {
        if self.tail.len() == self.tail.capacity() {
            // A fresh tail, or a clone's exact-size copy: make room for the whole chunk once (the
            // tail is reused after each full chunk is copied out).
            self.tail.reserve_exact(CHUNK - self.tail.len());
        }
        self.tail.push(value);
        if self.tail.len() == CHUNK {
            self.seal_tail();
        }
    }

    /// Moves the full tail into a chunk of its own, and a full set of loose chunks into a group
    /// (out of line: once every `CHUNK` pushes, and it would keep `push` from being inlined).
    #[cold]
    #[inline(never)]
    fn seal_tail(&mut self) {
        // The tail's elements move into one allocation (the count and the elements together);
        // the next push gives the tail a fresh buffer.
        let chunk: Arc<[T]> = Arc::from(std::mem::take(&mut self.tail));
        let Ok(chunk) = Chunk::<T>::try_from(chunk) else {
            unreachable!("the tail holds exactly CHUNK elements")
        };
        self.chunks.push(chunk);
        if self.chunks.len() == FANOUT {
            let chunks = std::mem::replace(&mut self.chunks, Vec::with_capacity(FANOUT));
            let group: [Chunk<T>; FANOUT] = match chunks.try_into() {
                Ok(group) => group,
                Err(_) => unreachable!("exactly FANOUT chunks"),
            };
            self.groups.push(Arc::new(group));
        }
    }

    /// The full chunk number `c` (counting from the first), if it is full.
    #[inline]
    fn chunk(&self, c: usize) -> Option<&[T]> {
        let grouped = self.groups.len() * FANOUT;
        if c < grouped {
            Some(&self.groups[c / FANOUT][c % FANOUT][..])
        } else {
            self.chunks.get(c - grouped).map(|c| &c[..])
        }
    }

    /// Element `index`, looked for from the end: most reads and writes land in the tail or the
    /// loose chunks (recent records), and `CHUNK` and `GROUP` are powers of two (shifts, not divisions).
    #[inline]
    pub fn get(&self, index: usize) -> Option<&T> {
        let grouped = self.groups.len() * GROUP;
        if index >= grouped {
            let r = index - grouped;
            let c = r / CHUNK;
            match self.chunks.get(c) {
                Some(chunk) => Some(&chunk[r % CHUNK]),
                None => self.tail.get(r - self.chunks.len() * CHUNK),
            }
        } else {
            let group = &self.groups[index / GROUP];
            Some(&group[(index % GROUP) / CHUNK][index % CHUNK])
        }
    }

    #[inline]
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        let full = self.full_len();
        if index >= full {
            // The tail: owned, no reference count to check.
            return self.tail.get_mut(index - full);
        }
        self.get_mut_shared(index)
    }

    /// [`ChunkVec::get_mut`] for an element of a full chunk, copying the chunk (and its group) if a
    /// clone still shares it.
    #[inline(never)]
    fn get_mut_shared(&mut self, index: usize) -> Option<&mut T> {
        let grouped = self.groups.len() * GROUP;
        let chunk = if index >= grouped {
            let c = (index - grouped) / CHUNK;
            &mut self.chunks[c]
        } else {
            let group = &mut self.groups[index / GROUP];
            if Arc::strong_count(group) > 1 {
                note_copy(std::mem::size_of_val::<[Chunk<T>; FANOUT]>(group));
            }
            let group = Arc::make_mut(group);
            &mut group[(index % GROUP) / CHUNK]
        };
        if Arc::strong_count(chunk) > 1 {
            note_copy(std::mem::size_of_val::<[T; CHUNK]>(chunk));
        }
        Some(&mut Arc::make_mut(chunk)[index % CHUNK])
    }

    /// Bytes a clone copies rather than shares: the group and loose chunk pointers, and the tail.
    pub fn clone_bytes(&self) -> u64 {
        (self.groups.len() * std::mem::size_of::<Arc<[Chunk<T>; FANOUT]>>()
            + self.chunks.len() * std::mem::size_of::<Chunk<T>>()
            + self.tail.len() * std::mem::size_of::<T>()) as u64
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
        // The group holding the new end (if any) goes back to loose chunks.
        let keep_groups = len / GROUP;
        if keep_groups < self.groups.len() {
            self.chunks = self.groups[keep_groups].to_vec();
            self.groups.truncate(keep_groups);
        }
        // The chunk holding the new end becomes the (owned) tail.
        let rest = len - keep_groups * GROUP;
        let keep_chunks = rest / CHUNK;
        let mut tail = Vec::with_capacity(CHUNK);
        if let Some(c) = self.chunks.get(keep_chunks) {
            tail.extend_from_slice(&c[..rest % CHUNK]);
        }
        self.chunks.truncate(keep_chunks);
        self.tail = tail;
    }

    /// Elements `[start, end)` (clamped to the length). An index lookup per element: ranges are
    /// mostly a few batches long, where a slice iterator per chunk costs more to set up.
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
            let chunk: &[T] = self.chunk(c).unwrap_or(&self.tail);
            let from = i % CHUNK;
            let to = (end - c * CHUNK).min(chunk.len());
            f(&chunk[from..to]);
            i = c * CHUNK + to;
        }
    }

    /// Calls `f` on elements `[start, end)` (clamped to the length): a tight loop where `range`
    /// pays an index computation per element.
    #[inline]
    pub fn for_each_in(&self, start: usize, end: usize, mut f: impl FnMut(&T)) {
        self.for_each_slice(start, end, |s| s.iter().for_each(&mut f));
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.groups
            .iter()
            .flat_map(|g| g.iter())
            .chain(self.chunks.iter())
            .flat_map(|c| c.iter())
            .chain(self.tail.iter())
    }
}

impl<T: Serialize + Clone> Serialize for ChunkVec<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<K: Copy + Ord, V: Copy> ChunkVec<(K, V)> {
    /// In a table of `(key, value)` pairs sorted by key, the value stored for `key` (binary search).
    pub fn find_sorted(&self, key: K) -> Option<V> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            let (k, v) = *self.get(mid)?;
            match k.cmp(&key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(v),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation against a plain `Vec`, across chunk and group boundaries.
    #[test]
    fn behaves_like_a_vec_across_chunks_and_groups() {
        let mut a = ChunkVec::new();
        let mut model: Vec<u32> = Vec::new();
        let check = |a: &ChunkVec<u32>, model: &Vec<u32>| {
            assert_eq!(a.len(), model.len());
            assert_eq!(a.iter().copied().collect::<Vec<_>>(), *model);
            for i in [
                0,
                1,
                CHUNK - 1,
                CHUNK,
                GROUP - 1,
                GROUP,
                GROUP + 5,
                model.len(),
            ] {
                assert_eq!(a.get(i), model.get(i), "get({i})");
            }
            assert_eq!(a.last(), model.last());
            let (s, e) = (CHUNK / 2, (GROUP + 3 * CHUNK + 7).min(model.len()));
            let mut walked = Vec::new();
            a.for_each_in(s, e, |v| walked.push(*v));
            assert_eq!(walked, model[s.min(e)..e]);
            assert_eq!(
                a.range(s, e).copied().collect::<Vec<_>>(),
                model[s.min(e)..e]
            );
        };
        for i in 0..(2 * GROUP + 3 * CHUNK + 5) as u32 {
            a.push(i);
            model.push(i);
        }
        check(&a, &model);
        let b = a.clone();
        // Truncate into the second group, into a loose chunk, into the tail, to nothing.
        for len in [
            GROUP + 2 * CHUNK + 3,
            GROUP + 1,
            GROUP,
            GROUP - 1,
            CHUNK + 6,
            CHUNK,
            3,
            0,
        ] {
            a.truncate(len);
            model.truncate(len);
            check(&a, &model);
            a.push(7);
            model.push(7);
            check(&a, &model);
        }
        assert_eq!(b.len(), 2 * GROUP + 3 * CHUNK + 5, "the clone is untouched");
        assert_eq!(b.get(GROUP + 1), Some(&(GROUP as u32 + 1)));
        // Refill past a group and write an old element: the clone keeps its value.
        let mut c = b.clone();
        *c.get_mut(5).unwrap() = 99;
        let loose = 2 * GROUP + CHUNK;
        *c.get_mut(loose).unwrap() = 98;
        *c.get_mut(c.len() - 1).unwrap() = 97;
        assert_eq!((c.get(5), b.get(5)), (Some(&99), Some(&5)));
        assert_eq!(c.get(loose), Some(&98));
        assert_eq!(b.get(loose), Some(&(loose as u32)));
        assert_eq!(c.last(), Some(&97));
        assert!(
            Arc::ptr_eq(&b.groups[1], &c.groups[1]),
            "untouched groups are shared"
        );
        assert!(
            !Arc::ptr_eq(&b.groups[0], &c.groups[0]),
            "a written group is copied"
        );
        a.truncate(4096);
        assert_eq!(a.len(), 1);
    }
}
