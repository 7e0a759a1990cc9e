//! An append-mostly vector whose clones share storage.
//!
//! Time travel keeps a checkpoint (a clone of the whole simulation) every few simulated seconds. Logs
//! and per-record tables are the bulk of that state, and almost all of it is immutable once written, so
//! they live in fixed-size chunks behind `Arc`: a clone copies one pointer per chunk, and a write copies
//! at most the one chunk it touches if that chunk is still shared.

use serde::{Serialize, Serializer};
use std::sync::Arc;

const CHUNK: usize = 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkVec<T> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for ChunkVec<T> {
    fn default() -> Self {
        ChunkVec {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Clone> ChunkVec<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, value: T) {
        if self.len.is_multiple_of(CHUNK) {
            self.chunks.push(Arc::new(Vec::with_capacity(CHUNK)));
        }
        let last = self.chunks.last_mut().expect("a chunk was just ensured");
        Arc::make_mut(last).push(value);
        self.len += 1;
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        if index >= self.len {
            return None;
        }
        Some(&self.chunks[index / CHUNK][index % CHUNK])
    }

    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        if index >= self.len {
            return None;
        }
        Some(&mut Arc::make_mut(&mut self.chunks[index / CHUNK])[index % CHUNK])
    }

    pub fn last(&self) -> Option<&T> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    /// Keeps the first `len` elements.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        let keep_chunks = len.div_ceil(CHUNK);
        self.chunks.truncate(keep_chunks);
        if !len.is_multiple_of(CHUNK) {
            let last = self.chunks.last_mut().expect("len > 0 keeps a chunk");
            Arc::make_mut(last).truncate(len % CHUNK);
        }
        self.len = len;
    }

    /// Elements `[start, end)` (clamped to the length), chunk by chunk.
    pub fn range(&self, start: usize, end: usize) -> impl Iterator<Item = &T> + '_ {
        let end = end.min(self.len);
        let start = start.min(end);
        (start..end).map(move |i| &self.chunks[i / CHUNK][i % CHUNK])
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
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
        assert!(Arc::ptr_eq(&a.chunks[0], &b.chunks[0]));
        assert_eq!(
            a.range(4_999, 6_000).copied().collect::<Vec<_>>(),
            vec![4_999, 99]
        );
        a.truncate(0);
        assert!(a.is_empty());
        a.truncate(4096);
        assert_eq!(a.len(), 0);
    }
}
