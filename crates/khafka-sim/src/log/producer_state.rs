//! Kafka's `ProducerStateManager` (storage/.../ProducerStateManager.java, `ProducerStateEntry`): per
//! producer id, its epoch and the sequence ranges and offsets of its last
//! [`BATCHES_TO_RETAIN`] batches, which is how a leader recognises a retried batch it already has
//! (a duplicate gets the original offset) and a gap in sequences. Rebuilt from the log after a
//! truncation or a restart, as Kafka rebuilds it from the log and its snapshots.

use super::{BatchStore, Log};
use crate::vec_map::VecMap;
use serde::Serialize;
use std::collections::VecDeque;

/// `ProducerStateEntry.NUM_BATCHES_TO_RETAIN`.
pub const BATCHES_TO_RETAIN: usize = 5;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProducerEntry {
    pub epoch: u16,
    /// `(first sequence, last sequence, first offset)` of the last batches, oldest first.
    pub batches: VecDeque<(i32, i32, u64)>,
}

impl ProducerEntry {
    /// A new epoch forgets the old epoch's batches (`ProducerStateEntry` is replaced on a bump).
    pub fn enter_epoch(&mut self, epoch: u16) {
        if self.epoch != epoch {
            self.epoch = epoch;
            self.batches.clear();
        }
    }

    /// Records a batch `first..=last` at `offset` of `epoch`, keeping the last
    /// [`BATCHES_TO_RETAIN`].
    pub fn add_batch(&mut self, epoch: u16, first: i32, last: i32, offset: u64) {
        self.enter_epoch(epoch);
        self.batches.push_back((first, last, offset));
        if self.batches.len() > BATCHES_TO_RETAIN {
            self.batches.pop_front();
        }
    }
}

/// The producers' state of a replica's log, by producer id.
pub type ProducerStates = VecMap<u32, ProducerEntry>;

/// The producers' state read from `log`'s batches (`ProducerStateManager` rebuilt from the log).
pub fn rebuild(log: &Log, store: &BatchStore) -> ProducerStates {
    let mut producers = ProducerStates::new();
    for e in log.batches().iter() {
        let b = store.get(e.batch);
        if b.producer_id == 0 {
            continue;
        }
        producers.get_or_default(b.producer_id).add_batch(
            b.producer_epoch,
            b.base_sequence,
            b.last_sequence(),
            b.base_offset,
        );
    }
    producers
}

/// What a leader does with a client's idempotent batch, given the producer's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SequenceCheck {
    /// Append it.
    Append,
    /// Append it, though it does not start at sequence 0: the leader has no state for the
    /// producer (Kafka accepts any sequence then), so batches sent before it may land after it.
    AppendFromUnknownProducer,
    /// One of the last [`BATCHES_TO_RETAIN`] batches again (the same sequences): not appended,
    /// answered with the original batch's first `offset`.
    Duplicate { offset: u64 },
    /// `OutOfOrderSequenceException`.
    OutOfOrder,
    /// `InvalidProducerEpochException`: an epoch below the one the partition has seen.
    InvalidEpoch,
}

/// The leader's check of a client batch `first..=last` of `epoch`
/// (`UnifiedLog.analyzeAndValidateProducerState`): a duplicate of a retained batch of the same
/// epoch (`ProducerStateEntry.findDuplicateBatch`), then `ProducerAppendInfo.checkProducerEpoch`
/// and `checkSequence`. With no state for the producer (`NO_PRODUCER_EPOCH`: a leader that never
/// saw its batches, or whose batches retention deleted) any sequence is accepted; a new epoch
/// starts at 0; in an epoch, only the sequence after the last batch's (wrapping from
/// `i32::MAX` to 0) — an older batch than the retained ones is out of order too, the broker never
/// answers `DUPLICATE_SEQUENCE_NUMBER`. Table: `tests/tables/producer_state.txt`.
#[inline]
pub fn check_sequence(
    entry: Option<&ProducerEntry>,
    epoch: u16,
    first: i32,
    last: i32,
) -> SequenceCheck {
    let Some(e) = entry else {
        return if first == 0 {
            SequenceCheck::Append
        } else {
            SequenceCheck::AppendFromUnknownProducer
        };
    };
    if epoch == e.epoch {
        if let Some(&(_, _, offset)) = e.batches.iter().find(|(f, l, _)| *f == first && *l == last)
        {
            return SequenceCheck::Duplicate { offset };
        }
    }
    if epoch < e.epoch {
        return SequenceCheck::InvalidEpoch;
    }
    if epoch > e.epoch {
        return if first == 0 {
            SequenceCheck::Append
        } else {
            SequenceCheck::OutOfOrder
        };
    }
    // An entry always holds a batch of its epoch (`add_batch`); without one, 0 comes next.
    let next = match e.batches.back() {
        Some(&(_, l, _)) if l == i32::MAX => 0,
        Some(&(_, l, _)) => l + 1,
        None => 0,
    };
    if first == next {
        SequenceCheck::Append
    } else {
        SequenceCheck::OutOfOrder
    }
}
