//! The event queue: earliest `(time, sequence)` first, ties broken by scheduling order.
//!
//! The heap holds only 16-byte keys; the events themselves sit in a slab and never move while the
//! heap sifts (events carry messages with record batches, and moving them was a tenth of the run
//! time). Freed slots are reused, so the slab's size is the peak number of pending events.

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Bits of [`Key::seq_slot`] that hold the slot; the sequence number sits above them.
const SLOT_BITS: u32 = 24;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;

/// 16 bytes: the time, then the sequence number and the slot packed into one word (sequence in the
/// high bits, so comparing the words compares `(time, sequence)`; sequence numbers are unique).
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

impl PartialOrd for Key {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Key {
    /// Reversed, so the max-heap pops the earliest `(time, seq)` first.
    #[inline]
    fn cmp(&self, o: &Self) -> Ordering {
        o.word().cmp(&self.word())
    }
}

#[derive(Clone, Debug)]
pub struct EventQueue<T> {
    heap: BinaryHeap<Key>,
    slots: Vec<Option<T>>,
    free: Vec<u32>,
    seq: u64,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            seq: 0,
        }
    }
}

impl<T> EventQueue<T> {
    pub fn push(&mut self, at: SimTime, event: T) {
        self.seq += 1;
        // 2^40 events and 2^24 pending events: far beyond any run (and checked, not wrapped).
        assert!(
            self.seq < 1 << (64 - SLOT_BITS),
            "event queue: sequence numbers exhausted"
        );
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(event);
                s
            }
            None => {
                self.slots.push(Some(event));
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

    /// The pending events, in no particular order.
    pub fn pending(&self) -> impl Iterator<Item = &T> + '_ {
        self.slots.iter().flatten()
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
}
