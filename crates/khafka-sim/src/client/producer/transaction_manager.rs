//! Kafka's `TransactionManager` as the idempotent producer uses it (KIP-98, KIP-360): sequence numbers
//! per partition, unresolved sequences after an expiry, and epoch bumps.

use super::*;

impl Producer {
    /// The sequence after partition `p`'s last expired batch, if its sequences are unresolved.
    pub(super) fn unresolved_next(&self, p: u32) -> Option<i32> {
        self.unresolved
            .iter()
            .find(|(u, _)| *u == p)
            .map(|&(_, next)| next)
    }

    pub(super) fn request_bump(&mut self, p: u32) {
        if !self.bump_partitions.contains(&p) {
            self.bump_partitions.push(p);
        }
    }

    /// Batches of partition `p` that have a sequence and are neither acknowledged nor failed: those
    /// in flight, and the retried ones at the head of its queue (`insertInSequenceOrder` puts them
    /// ahead of every batch not sent yet, so the scan stops at the first of those: a queue of
    /// a million unsent batches is not read at every drain).
    pub(super) fn sequenced_batches(&self, p: u32) -> impl Iterator<Item = &Batch> + '_ {
        self.in_flight
            .values()
            .flat_map(|f| f.batches.iter())
            .filter(move |b| b.partition == p && b.base_sequence.is_some())
            .chain(
                self.queues[p as usize]
                    .iter()
                    .take_while(|b| b.base_sequence.is_some()),
            )
    }

    /// `TransactionManager.maybeResolveSequences` and `bumpIdempotentProducerEpoch`: once a partition
    /// with unresolved sequences has no batch left in flight, it is resolved if its last
    /// acknowledged sequence is the last one sent, and otherwise needs an epoch bump; a bump starts
    /// the partitions that need it over at sequence 0, renumbering their batches still in flight in
    /// order (KIP-360).
    pub(super) fn resolve_sequences(&mut self) {
        if self.unresolved.is_empty() && self.bump_partitions.is_empty() {
            return;
        }
        let bumps = &mut self.bump_partitions;
        self.unresolved.retain(|&(p, _)| {
            let i = p as usize;
            if self.sequenced[i] > 0 {
                return true; // still waiting for its batches in flight
            }
            if self.last_acked[i] + 1 != self.next_sequence[i] && !bumps.contains(&p) {
                bumps.push(p);
            }
            false
        });
        if self.bump_partitions.is_empty() {
            return;
        }
        self.producer_epoch = self.producer_epoch.wrapping_add(1);
        let epoch = self.producer_epoch;
        for p in std::mem::take(&mut self.bump_partitions) {
            // `(base sequence, records)` of the batches still in flight, in sequence order...
            let mut sequenced: Vec<(i32, i32)> = self
                .sequenced_batches(p)
                .filter_map(|b| b.base_sequence.map(|s| (s, b.records.len() as i32)))
                .collect();
            crate::kernel::small::sort_small(&mut sequenced);
            // ...renumbered from 0: old base sequence -> new one.
            let mut next = 0;
            let renumber: Vec<(i32, i32)> = sequenced
                .into_iter()
                .map(|(old, len)| {
                    let new = next;
                    next += len;
                    (old, new)
                })
                .collect();
            let rewrite = |b: &mut Batch| {
                if b.partition == p {
                    if let Some(old) = b.base_sequence {
                        if let Some(&(_, new)) = renumber.iter().find(|(o, _)| *o == old) {
                            b.base_sequence = Some(new);
                            b.producer_epoch = epoch;
                            b.sequence_reset = true;
                        }
                    }
                }
            };
            self.in_flight
                .values_mut()
                .flat_map(|f| f.batches.iter_mut())
                .for_each(rewrite);
            self.queues[p as usize].iter_mut().for_each(rewrite);
            let i = p as usize;
            self.next_sequence[i] = next;
            self.last_acked[i] = -1;
            self.part_epoch[i] = epoch;
            self.unresolved.retain(|&(u, _)| u != p);
        }
    }
}
