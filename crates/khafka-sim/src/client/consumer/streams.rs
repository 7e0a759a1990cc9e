//! What a Kafka Streams instance asks of its two consumers (`config/streams.rs`):
//!
//! - the **restore consumer** is assigned partitions by hand (`KafkaConsumer.assign`), reads each
//!   from its start (`seekToBeginning`) up to the end offset it found when restoring began
//!   (`StoreChangelogReader`: `endOffsets`, the high watermark), and hands every record it read to
//!   the instance, which puts it back into the task's store;
//! - the **main consumer** fetches a partition only once its task is restored (Streams pauses the
//!   partitions of restoring tasks), hands every record the poll loop processed to the topology,
//!   and commits what was processed every `commit.interval.ms`, after the producer is flushed.

use super::Consumer;
use crate::ctx::{Ctx, Node};
use crate::kernel::vec_map::VecMap;
use crate::log::RecordId;
use crate::msg::{Msg, PartIdx};
use crate::spec::BrokerId;
use serde::Serialize;

/// A restore consumer's assignment and what it read.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Manual {
    pub assigned: Vec<bool>,
    /// When each partition was last assigned (µs): answers to fetches sent before are ignored.
    #[serde(skip)]
    assigned_at_us: Vec<u64>,
    /// Per partition: the high watermark of the first answer since it was assigned, where
    /// restoring stops.
    pub end_offsets: Vec<Option<u64>>,
    /// Records read and not yet taken by the instance: `(partition, offset, record)`.
    #[serde(skip)]
    pub read: Vec<(u32, u64, RecordId)>,
}

impl Manual {
    /// Nothing assigned, among `partitions`.
    pub fn new(partitions: u32) -> Self {
        let n = partitions as usize;
        Manual {
            assigned: vec![false; n],
            assigned_at_us: vec![0; n],
            end_offsets: vec![None; n],
            read: Vec::new(),
        }
    }
}

/// A main consumer's link with its topology.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Tasks {
    /// Per partition: its task is restored, so the partition may be fetched.
    pub ready: Vec<bool>,
    /// Per partition: the offset after the last record the topology processed since the
    /// partition was assigned (what the instance commits).
    pub processed_to: Vec<Option<u64>>,
    /// Records the poll loop processed, not yet taken by the topology: `(partition, offset,
    /// record)`, in processing order.
    #[serde(skip)]
    pub processed: Vec<(u32, u64, RecordId)>,
    /// The records of the poll being processed, in order (moved to `processed` as they are).
    #[serde(skip)]
    pub(super) in_hand: Vec<(u32, u64, RecordId)>,
    /// Records were processed since the last commit call (`StreamTask.commitNeeded`): a task
    /// that processes records again after its commit was lost (a coordinator's power loss, then a
    /// rebalance back to the committed offset) reaches the same offsets as the last call, and
    /// still commits them.
    #[serde(skip)]
    pub(super) commit_needed: bool,
    /// When the loop's last `maybeCommit` that was due and not refused for a rebalance in
    /// progress returned, in milliseconds (`lastCommitMs`; `commit.interval.ms` runs from it).
    /// `None` before the first: Kafka's field starts at 0, so the first one is due at once.
    pub last_commit_ms: Option<u64>,
    /// The instance queues the records it is handed and says itself what its tasks processed
    /// (`processed_to`): a task reading two partitions takes their records in timestamp order.
    pub queued_by_tasks: bool,
    /// Per partition: the high watermark of the last fetch answer since the task was created
    /// (the consumer's `currentLag` is the distance from the position to it).
    pub fetched_hw: Vec<Option<u64>>,
    /// Per partition: paused by the instance (its task's queue is full).
    pub paused: Vec<bool>,
    /// When the loop last purged its repartition topics (`lastPurgeMs`), and its DeleteRecords
    /// requests not answered yet, with when they were sent.
    pub last_purge_us: u64,
    #[serde(skip)]
    pub purge_pending: Vec<(u64, u64)>,
}

/// The admin client's `request.timeout.ms`: a DeleteRecords request unanswered this long is
/// done (failed), and the next purge may go.
const ADMIN_REQUEST_TIMEOUT_MS: u64 = 30_000;

impl Tasks {
    /// The topology processed these records (in order), or was handed them to queue.
    pub(super) fn processed(&mut self, records: impl IntoIterator<Item = (u32, u64, RecordId)>) {
        for (p, offset, rid) in records {
            self.commit_needed = true;
            if !self.queued_by_tasks {
                self.processed_to[p as usize] = Some(offset + 1);
            }
            self.processed.push((p, offset, rid));
        }
    }

    /// The first microsecond at which `now - lastCommitMs > commit.interval.ms` holds (in
    /// milliseconds, as `StreamThread.maybeCommit` compares them); 0 before the first commit.
    pub(super) fn commit_due_us(&self, interval_ms: u64) -> u64 {
        self.last_commit_ms.map_or(0, |l| {
            crate::time::ms_to_us(l.saturating_add(interval_ms).saturating_add(1))
        })
    }
}

impl Consumer {
    /// Whether partition `p` is assigned by hand (always, for a consumer that is not a restore
    /// consumer).
    pub(super) fn manually_assigned(&self, p: usize) -> bool {
        self.manual.as_ref().is_none_or(|m| m.assigned[p])
    }

    /// `assign`: adds (reading from the partition's start) or removes partition `p`.
    pub fn assign_by_hand(&mut self, ctx: &mut Ctx, p: u32, on: bool) {
        let Some(m) = &mut self.manual else { return };
        let i = p as usize;
        if i >= m.assigned.len() || m.assigned[i] == on {
            return;
        }
        m.assigned[i] = on;
        m.end_offsets[i] = None;
        m.assigned_at_us[i] = ctx.now.as_us();
        self.positions[i] = None;
        self.position_epochs[i] = None;
        self.validation.forget(i);
        if on {
            self.seek_reset[i] = Some(crate::config::OffsetReset::Earliest);
            self.pump(ctx);
        }
    }

    /// Records a fetch answer for a restore consumer: the end offset of a partition assigned
    /// before the fetch was sent. `false`: the answer is older than the assignment.
    pub(super) fn manual_answer(&mut self, p: usize, sent_us: u64, high_watermark: u64) -> bool {
        let Some(m) = &mut self.manual else {
            return true;
        };
        if m.assigned_at_us[p] > sent_us {
            return false;
        }
        m.end_offsets[p].get_or_insert(high_watermark);
        true
    }

    /// A restore consumer's records, read in order.
    pub(super) fn manual_read(&mut self, p: usize, offset: u64, rid: RecordId) {
        if let Some(m) = &mut self.manual {
            m.read.push((p as u32, offset, rid));
        }
    }

    /// Whether the restore consumer has read partition `p` up to its end offset.
    pub fn restored(&self, p: u32) -> bool {
        let Some(m) = &self.manual else { return false };
        match (m.end_offsets[p as usize], self.positions[p as usize]) {
            (Some(end), Some(pos)) => pos >= end,
            _ => false,
        }
    }

    /// The restore consumer's records not yet taken.
    pub fn take_read(&mut self) -> Vec<(u32, u64, RecordId)> {
        self.manual
            .as_mut()
            .map(|m| std::mem::take(&mut m.read))
            .unwrap_or_default()
    }

    /// Whether the main consumer has processed records the topology has not taken yet.
    pub fn has_processed(&self) -> bool {
        self.tasks.as_ref().is_some_and(|t| !t.processed.is_empty())
    }

    /// The main consumer's processed records not yet taken by the topology.
    pub fn take_processed(&mut self) -> Vec<(u32, u64, RecordId)> {
        self.tasks
            .as_mut()
            .map(|t| std::mem::take(&mut t.processed))
            .unwrap_or_default()
    }

    /// Marks partition `p`'s task restored (or not): the partition is fetched only when it is.
    /// A task not ready has processed nothing yet.
    pub fn set_task_ready(&mut self, ctx: &mut Ctx, p: u32, ready: bool) {
        let Some(t) = &mut self.tasks else { return };
        if !ready {
            t.processed_to[p as usize] = None;
            t.fetched_hw[p as usize] = None;
            t.paused[p as usize] = false;
        }
        if t.ready[p as usize] != ready {
            t.ready[p as usize] = ready;
            if ready {
                self.pump(ctx);
            }
        }
    }

    /// A task processed the record at `offset` of partition `p` (an instance that queues).
    pub fn task_processed(&mut self, p: u32, offset: u64) {
        if let Some(t) = &mut self.tasks {
            t.processed_to[p as usize] = Some(offset + 1);
        }
    }

    /// `pause` / `resume` partition `p` for its task's queue.
    pub fn set_task_paused(&mut self, ctx: &mut Ctx, p: u32, paused: bool) {
        let Some(t) = &mut self.tasks else { return };
        if t.paused[p as usize] != paused {
            t.paused[p as usize] = paused;
            if !paused {
                self.pump(ctx);
            }
        }
    }

    /// The fetched lag of partition `p` (`KafkaConsumer.currentLag`): `None` while no fetch
    /// answer since its task was created told the high watermark; otherwise how far the
    /// consumer's position is behind it. Records fetched and not yet handed to the instance
    /// are not lag (Kafka's task has them in its queue): see [`Consumer::holds_unhanded`].
    pub fn fetched_lag(&self, p: u32) -> Option<u64> {
        let t = self.tasks.as_ref()?;
        let hw = t.fetched_hw[p as usize]?;
        let pos = self.positions[p as usize]?;
        Some(hw.saturating_sub(pos))
    }

    /// Whether records of partition `p` were fetched (or polled) and not yet handed to the
    /// instance.
    pub fn holds_unhanded(&self, p: u32) -> bool {
        self.app.as_ref().is_some_and(|a| !a.fetchable(p as usize))
            || self
                .tasks
                .as_ref()
                .is_some_and(|t| t.in_hand.iter().any(|r| r.0 == p))
    }

    /// Whether the instance must flush its producer now: the loop waits to commit, or its group
    /// membership waits to commit before a rejoin or a close.
    pub fn wants_flush(&self) -> bool {
        if self.stopped {
            return false;
        }
        self.app_flushing() || self.group.as_ref().is_some_and(|g| g.flush_wait)
    }

    /// After a successful commit of `committed` (local partition, offset): Kafka Streams'
    /// `maybePurgeCommittedRecords` once `repartition.purge.interval.ms` passed since the last
    /// purge — each repartition partition's leader is asked to delete the records below the
    /// committed offset, unless an earlier request is still out.
    pub(super) fn streams_maybe_purge(&mut self, ctx: &mut Ctx, committed: &[(u32, u64)]) {
        let Some(interval) = self.config.group.streams_purge_interval_ms else {
            return;
        };
        let Some(t) = &mut self.tasks else { return };
        let now = ctx.now.as_us();
        // `now - lastPurgeMs > purgeTimeMs`.
        if now.saturating_sub(t.last_purge_us) <= crate::time::ms_to_us(interval) {
            return;
        }
        t.last_purge_us = now;
        let timeout = crate::time::ms_to_us(ADMIN_REQUEST_TIMEOUT_MS);
        t.purge_pending
            .retain(|&(_, at)| now < at.saturating_add(timeout));
        if !t.purge_pending.is_empty() {
            return;
        }
        let first = self.subscribed.first_topic_partitions();
        let mut by_leader: VecMap<BrokerId, Vec<(PartIdx, u64)>> = VecMap::new();
        for &(p, offset) in committed.iter().filter(|c| c.0 >= first) {
            if let Some((b, _)) = self.leaders[p as usize] {
                by_leader
                    .get_or_default(b)
                    .push((self.subscribed.global(p), offset));
            }
        }
        for (&b, partitions) in &by_leader {
            let partitions = partitions.clone();
            let req_id = ctx.req_id();
            t.purge_pending.push((req_id, now));
            ctx.send(
                Node::Broker(b),
                Msg::DeleteRecords(crate::msg::DeleteRecords::Request { req_id, partitions }),
            );
        }
    }

    /// A DeleteRecords request was answered, or its connection closed: true if it was a purge.
    pub(super) fn streams_purge_done(&mut self, req_id: u64) -> bool {
        let Some(t) = &mut self.tasks else {
            return false;
        };
        let n = t.purge_pending.len();
        t.purge_pending.retain(|e| e.0 != req_id);
        n != t.purge_pending.len()
    }

    /// The instance's producer has nothing unacknowledged: the commits that waited go.
    pub fn streams_flushed(&mut self, ctx: &mut Ctx) {
        if self.stopped {
            return;
        }
        if self.group.as_ref().is_some_and(|g| g.flush_wait) {
            self.with_group(ctx, |g, ctx, v| g.streams_flushed(ctx, v));
        }
        // A no-op unless the loop waits in `Flushing`.
        self.app_streams_commit(ctx);
        self.pump(ctx);
    }
}
