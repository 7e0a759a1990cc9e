//! The event queue: earliest `(time, sequence)` first, ties broken by scheduling order.
//!
//! The heap holds only 16-byte keys; the events themselves sit in a slab and never move while the
//! heap sifts (events carry messages with record batches, and moving them was a tenth of the run
//! time). Freed slots are reused, so the slab's size is the peak number of pending events.

use crate::time::SimTime;

/// Bits of [`Key::seq_slot`] that hold the slot; the sequence number sits above them.
const SLOT_BITS: u32 = 24;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;

/// 16 bytes: the time, then the sequence number and the slot packed into one word (sequence in the
/// high bits, so comparing `(at, seq_slot)` compares `(time, sequence)`; sequence numbers are unique,
/// so no two keys are equal and the pop order does not depend on the heap's shape).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    at: SimTime,
    seq_slot: u64,
}

impl Key {
    #[inline]
    fn word(&self) -> u128 {
        ((self.at.as_us() as u128) << 64) | self.seq_slot as u128
    }

    fn slot(&self) -> usize {
        (self.seq_slot & SLOT_MASK) as usize
    }
}

/// A 4-ary min-heap of keys: half the depth of a binary heap, and the four children of a node share
/// a cache line. Pops sift the hole down to a leaf choosing the smallest child, then sift the last key
/// up from there (it usually belongs near the bottom), as `std::collections::BinaryHeap` does.
#[derive(Clone, Debug, Default)]
struct Heap {
    keys: Vec<Key>,
}

const ARITY: usize = 4;

impl Heap {
    #[inline]
    fn push(&mut self, key: Key) {
        self.keys.push(key);
        self.sift_up(self.keys.len() - 1, key);
    }

    #[inline]
    fn sift_up(&mut self, mut i: usize, key: Key) {
        let w = key.word();
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.keys[parent].word() <= w {
                break;
            }
            self.keys[i] = self.keys[parent];
            i = parent;
        }
        self.keys[i] = key;
    }

    #[inline]
    fn pop(&mut self) -> Option<Key> {
        let last = self.keys.pop()?;
        let n = self.keys.len();
        if n == 0 {
            return Some(last);
        }
        let top = self.keys[0];
        // Move the hole at the root down to a leaf along the smallest children.
        let mut hole = 0;
        loop {
            let first = ARITY * hole + 1;
            if first >= n {
                break;
            }
            let best = if first + ARITY <= n {
                // A full node: a branch-free tournament (the outcomes are unpredictable).
                let c = &self.keys[first..first + ARITY];
                let (w0, w1, w2, w3) = (c[0].word(), c[1].word(), c[2].word(), c[3].word());
                let (i01, w01) = if w1 < w0 { (1, w1) } else { (0, w0) };
                let (i23, w23) = if w3 < w2 { (3, w3) } else { (2, w2) };
                first + if w23 < w01 { i23 } else { i01 }
            } else {
                let mut best = first;
                let mut best_w = self.keys[first].word();
                for c in first + 1..n {
                    let w = self.keys[c].word();
                    if w < best_w {
                        best = c;
                        best_w = w;
                    }
                }
                best
            };
            self.keys[hole] = self.keys[best];
            hole = best;
        }
        self.sift_up(hole, last);
        Some(top)
    }

    fn peek(&self) -> Option<&Key> {
        self.keys.first()
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[derive(Clone, Debug)]
pub struct EventQueue<T> {
    heap: Heap,
    slots: Vec<Option<T>>,
    /// A word the caller keeps beside each event (the simulation: when a message was sent), outside
    /// the event so events stay small.
    aux: Vec<u64>,
    free: Vec<u32>,
    seq: u64,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue {
            heap: Heap::default(),
            slots: Vec::new(),
            aux: Vec::new(),
            free: Vec::new(),
            seq: 0,
        }
    }
}

impl<T> EventQueue<T> {
    /// Bytes a clone of the queue copies.
    pub fn clone_bytes(&self) -> u64 {
        (self.heap.keys.len() * std::mem::size_of::<Key>()
            + self.slots.len() * std::mem::size_of::<Option<T>>()
            + self.aux.len() * 8
            + self.free.len() * 4) as u64
    }

    pub fn push(&mut self, at: SimTime, event: T) {
        self.push_with(at, event, 0);
    }

    /// Pushes an event with a word kept beside it (see [`EventQueue::pending_with_time`]).
    pub fn push_with(&mut self, at: SimTime, event: T, aux: u64) {
        self.seq += 1;
        // 2^40 events and 2^24 pending events: far beyond any run (and checked, not wrapped).
        assert!(
            self.seq < 1 << (64 - SLOT_BITS),
            "event queue: sequence numbers exhausted"
        );
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(event);
                self.aux[s as usize] = aux;
                s
            }
            None => {
                self.slots.push(Some(event));
                self.aux.push(aux);
                (self.slots.len() - 1) as u32
            }
        };
        assert!(
            (slot as u64) <= SLOT_MASK,
            "event queue: more than 2^24 pending events"
        );
        self.heap.push(Key {
            at,
            seq_slot: (self.seq << SLOT_BITS) | slot as u64,
        });
    }

    pub fn pop(&mut self) -> Option<(SimTime, T)> {
        let k = self.heap.pop()?;
        let slot = k.slot();
        let event = self.slots[slot]
            .take()
            .expect("a queued slot holds its event");
        self.free.push(slot as u32);
        Some((k.at, event))
    }

    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|k| k.at)
    }

    /// The pending events with their time, scheduling sequence and the word pushed beside them, in
    /// no particular order.
    pub fn pending_with_time(&self) -> impl Iterator<Item = (SimTime, u64, u64, &T)> + '_ {
        self.heap.keys.iter().filter_map(|k| {
            self.slots[k.slot()]
                .as_ref()
                .map(|e| (k.at, k.seq_slot >> SLOT_BITS, self.aux[k.slot()], e))
        })
    }

    /// Removes the pending events `keep(time, event, word beside it)` refuses (a rare operation: it
    /// rebuilds the heap). The remaining events pop in the same `(time, sequence)` order as before.
    pub fn retain(&mut self, mut keep: impl FnMut(SimTime, &T, u64) -> bool) {
        let keys = std::mem::take(&mut self.heap.keys);
        for k in keys {
            let slot = k.slot();
            let aux = self.aux[slot];
            let kept = self.slots[slot]
                .as_ref()
                .is_some_and(|e| keep(k.at, e, aux));
            if kept {
                self.heap.push(k);
            } else {
                self.slots[slot] = None;
                self.free.push(slot as u32);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_ties_in_scheduling_order() {
        let mut q = EventQueue::default();
        q.push(SimTime(5), "b");
        q.push(SimTime(1), "a");
        q.push(SimTime(5), "c");
        assert_eq!(q.pop(), Some((SimTime(1), "a")));
        q.push(SimTime(5), "d");
        assert_eq!(q.pop(), Some((SimTime(5), "b")));
        assert_eq!(q.pop(), Some((SimTime(5), "c")));
        assert_eq!(q.pop(), Some((SimTime(5), "d")));
        assert_eq!(q.pop(), None);
        assert!(q.is_empty());
    }

    #[test]
    fn retain_drops_events_and_keeps_the_order_of_the_rest() {
        let mut q = EventQueue::default();
        for (t, v) in [(5, 1), (1, 2), (5, 3), (3, 4), (2, 5), (5, 6)] {
            q.push(SimTime(t), v);
        }
        q.retain(|_, v, _| v % 2 == 0);
        q.push(SimTime(5), 8);
        let order: Vec<i32> = std::iter::from_fn(|| q.pop().map(|(_, v)| v)).collect();
        assert_eq!(order, vec![2, 4, 6, 8]);
    }

    #[test]
    fn pops_in_time_then_scheduling_order_at_scale() {
        // A deterministic mix of pushes and pops against a sorted reference.
        let mut q = EventQueue::default();
        let mut reference = std::collections::BTreeSet::new();
        let mut x: u64 = 12345;
        let mut n = 0u64;
        for round in 0..20_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let pushes = 1 + (x >> 60) as usize % 3;
            for _ in 0..pushes {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let at = round + (x >> 54) % 64;
                n += 1;
                q.push(SimTime(at), n);
                reference.insert((at, n));
            }
            // Pops fall behind pushes, so the heap grows to thousands of keys.
            for _ in 0..1 + round % 2 {
                let want = reference.pop_first();
                assert_eq!(q.pop().map(|(t, v)| (t.as_us(), v)), want);
            }
        }
        assert_eq!(q.len(), reference.len());
        assert!(q.len() > 1_000);
        while let Some(want) = reference.pop_first() {
            assert_eq!(q.pop().map(|(t, v)| (t.as_us(), v)), Some(want));
        }
        assert!(q.is_empty());
    }
}
