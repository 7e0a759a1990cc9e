//! The order in which the slots of a growing vector were last touched, as a `LinkedHashSet` keeps
//! it when an entry is removed and added again: touching a slot moves it behind every other, in
//! constant time and with no sort at the end.

/// Slots `0..len` in the order last touched (a slot is touched when it is added, and again
/// whenever [`Recency::touch`] is called on it).
#[derive(Clone, Debug, Default)]
pub struct Recency {
    prev: Vec<u32>,
    next: Vec<u32>,
    head: u32,
    tail: u32,
}

const NONE: u32 = u32::MAX;

impl Recency {
    /// Adds the next slot (`len()` before the call) at the back.
    pub fn push(&mut self) {
        let p = self.prev.len() as u32;
        if p == 0 {
            self.head = NONE;
            self.tail = NONE;
        }
        self.prev.push(self.tail);
        self.next.push(NONE);
        self.link_back(p);
    }

    fn link_back(&mut self, p: u32) {
        self.prev[p as usize] = self.tail;
        self.next[p as usize] = NONE;
        if self.tail == NONE {
            self.head = p;
        } else {
            self.next[self.tail as usize] = p;
        }
        self.tail = p;
    }

    /// Moves slot `p` behind every other.
    pub fn touch(&mut self, p: usize) {
        let p = p as u32;
        if self.tail == p {
            return;
        }
        let (before, after) = (self.prev[p as usize], self.next[p as usize]);
        if before == NONE {
            self.head = after;
        } else {
            self.next[before as usize] = after;
        }
        // `p` is not the tail, so something follows it.
        self.prev[after as usize] = before;
        self.link_back(p);
    }

    /// The slots, least recently touched first; the order is empty after.
    pub fn take(&mut self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.prev.len());
        let mut p = if self.prev.is_empty() {
            NONE
        } else {
            self.head
        };
        while p != NONE {
            out.push(p as usize);
            p = self.next[p as usize];
        }
        self.prev.clear();
        self.next.clear();
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_touched_slot_moves_to_the_back() {
        let mut r = super::Recency::default();
        for _ in 0..4 {
            r.push();
        }
        r.touch(0);
        r.touch(2);
        r.touch(2);
        r.touch(3);
        assert_eq!(r.take(), vec![1, 0, 2, 3]);
        assert_eq!(r.take(), Vec::<usize>::new());
        r.push();
        r.push();
        r.touch(0);
        assert_eq!(r.take(), vec![1, 0]);
    }
}
