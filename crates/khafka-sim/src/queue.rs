//! The event queue: earliest `(time, sequence)` first, ties broken by scheduling order.
//!
//! The heap holds only 24-byte keys; the events themselves sit in a slab and never move while the
//! heap sifts (events carry messages with record batches, and moving them was a tenth of the run
//! time). Freed slots are reused, so the slab's size is the peak number of pending events.

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    at: SimTime,
    seq: u64,
    slot: u32,
}

impl PartialOrd for Key {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Key {
    /// Reversed, so the max-heap pops the earliest `(time, seq)` first.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.at, o.seq).cmp(&(self.at, self.seq))
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
        self.heap.push(Key {
            at,
            seq: self.seq,
            slot,
        });
    }

    pub fn pop(&mut self) -> Option<(SimTime, T)> {
        let k = self.heap.pop()?;
        let event = self.slots[k.slot as usize]
            .take()
            .expect("a queued slot holds its event");
        self.free.push(k.slot);
        Some((k.at, event))
    }

    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|k| k.at)
    }

    /// The pending events, in no particular order.
    pub fn pending(&self) -> impl Iterator<Item = &T> + '_ {
        self.slots.iter().flatten()
    }

    /// The pending events with their time and scheduling sequence, in no particular order.
    pub fn pending_with_time(&self) -> impl Iterator<Item = (SimTime, u64, &T)> + '_ {
        self.heap.iter().filter_map(|k| {
            self.slots[k.slot as usize]
                .as_ref()
                .map(|e| (k.at, k.seq, e))
        })
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
