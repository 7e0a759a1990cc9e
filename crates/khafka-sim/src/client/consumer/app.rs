//! The application's poll loop of a group member (kafka-semantics.md §7.5, §7.6, S12), when it
//! takes time to process records (`sim.processing.time.ms`) or commits by hand (`sim.commit`):
//!
//! ```text
//! while (true) {
//!     records = consumer.poll(…);          // up to max.poll.records; rejoins and auto-commits happen here
//!     [commitSync() | commitAsync()]       // sim.commit.when=before-processing: at-most-once
//!     for (r : records) process(r);        // sim.processing.time.ms each
//!     [commitSync() | commitAsync()]       // sim.commit.when=after-processing: at-least-once
//! }
//! ```
//!
//! - Fetched records wait in a per-partition buffer until `poll()` hands them out; a partition
//!   with buffered records is not fetched (`AbstractFetch.fetchablePartitions`), nor is any other
//!   partition its leader leads (KAFKA-17182, `prepareFetchRequests`). The position is
//!   the next offset `poll()` will return, so a commit (manual or automatic) covers everything
//!   earlier polls returned, processed or not.
//! - Rejoins and auto-commits happen inside `poll()` (`ConsumerCoordinator.poll`), so a busy
//!   application delays them; if it does not call `poll()` within `max.poll.interval.ms` the
//!   heartbeat thread leaves the group (`group.rs`), and its next commit fails with
//!   `CommitFailedException`.
//! - `commitSync()` blocks and retries retriable errors until `default.api.timeout.ms`
//!   (`ConsumerCoordinator.commitOffsetsSync`), then the application logs the
//!   `TimeoutException` and polls on; `CommitFailedException` and `RebalanceInProgressException`
//!   are logged and the loop polls on (the records will be processed again by whoever owns the
//!   partition next). `commitAsync()` is sent once and never retried; its callback sees the error.
//! - A crash (or `stop consumer`) while processing keeps the records processed so far: the first
//!   `elapsed / sim.processing.time.ms` of the poll's records.
//!
//! Every record processed is kept as a range `(partition, offsets, leader epoch, generation)`:
//! offsets and epoch name the records (a reused offset after an unclean election has a new
//! epoch), so records processed twice and never processed are counted record by record.

use super::Consumer;
use crate::config::group_config::AppCommit;
use crate::ctx::{CheckTimer, Ctx, Timer};
use crate::log::BatchId;
use crate::spec::BrokerId;
use crate::trace::{HotEvent, TraceKind};
use serde::Serialize;

/// `retry.backoff.ms`, between `commitSync()` attempts.
const RETRY_BACKOFF_MS: u64 = 100;
/// The application's `poll(Duration.ofMillis(100))`: a turn of its loop without records every so
/// often, which calls the commit again when the last one did not succeed. Kafka Streams' `poll.ms`
/// (`StreamsConfig`, default 100) is the same.
const POLL_TIMEOUT_MS: u64 = 100;

/// Records of one partition the application processed (or was handed, for members without a
/// poll loop of their own), contiguous and of one leader epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Processed {
    /// The partition, within the consumer's topic.
    pub partition: u32,
    pub from: u64,
    pub to: u64,
    pub leader_epoch: u32,
    /// The member's generation when `poll()` returned them (-1: none).
    pub generation: i32,
    /// When the first poll's records of the run were done (a record of the run was processed
    /// between its poll and `at_us`).
    pub first_at_us: u64,
    /// When the last of them was processed.
    pub at_us: u64,
}

/// A commit the application made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppCommitRecord {
    pub at_us: u64,
    pub sync: bool,
    /// `(partition of the consumer's topic, offset)`.
    pub offsets: Vec<(u32, u64)>,
    /// `committed`, or the exception the application saw.
    pub outcome: String,
}

/// Fetched records not yet handed out by `poll()`.
#[derive(Clone, Debug)]
struct Buffered {
    from: u64,
    to: u64,
    broker: BrokerId,
    batches: Vec<BatchId>,
    /// The leader epoch the consumer knew when it sent the fetch (the position's
    /// `currentLeader`).
    leader_epoch: u32,
}

/// Records the last `poll()` returned, one entry per run of one partition and leader epoch.
#[derive(Clone, Copy, Debug)]
struct Polled {
    partition: u32,
    from: u64,
    to: u64,
    leader_epoch: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum AppPhase {
    /// Inside `poll()`, waiting for records.
    Polling,
    /// In `commitSync()` before processing.
    CommitBefore,
    Processing,
    /// In `commitSync()` after processing.
    CommitAfter,
    /// A Kafka Streams loop waiting for its producer's flush before it commits.
    Flushing,
}

/// A `commitSync()` under way.
#[derive(Clone, Copy, Debug)]
struct SyncCommit {
    /// The request in flight, if any.
    req_id: Option<u64>,
    /// Retry at this time (after a retriable error).
    retry_at_us: Option<u64>,
    /// `default.api.timeout.ms` after the call.
    give_up_us: u64,
    /// Index in `commits` of this call's record.
    record: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct App {
    #[serde(skip)]
    buffered: Vec<Option<Buffered>>,
    /// Per partition, the leader epoch its last fetch was sent with.
    #[serde(skip)]
    pub(super) fetched_at_epoch: Vec<u32>,
    #[serde(skip)]
    batch: Vec<Polled>,
    batch_records: u64,
    pub phase: AppPhase,
    processing_since_us: u64,
    generation: i32,
    next_part: usize,
    check: CheckTimer,
    #[serde(skip)]
    sync: Option<SyncCommit>,
    /// `commitAsync()` calls in flight: `(request id, index in commits)`.
    async_commits: Vec<(u64, usize)>,
    /// Every commit the application made.
    pub commits: Vec<AppCommitRecord>,
    /// The positions its last commit call was made with: a Kafka Streams commit with nothing
    /// new to commit sends nothing (`app_streams_maybe_commit`).
    #[serde(skip)]
    last_commit_call: Vec<Option<u64>>,
    /// Whether the last commit call failed.
    last_commit_failed: bool,
    /// When the loop last called `poll()` (a Kafka Streams poll times out every `poll.ms` from
    /// it while no records arrive).
    pub(super) poll_since_us: u64,
    /// When a `poll()` last returned records: a classic consumer sends its next fetches then,
    /// before it returns (`ClassicKafkaConsumer.poll`'s pipelining).
    returned_at_us: Option<u64>,
}

impl App {
    pub fn new(partitions: u32) -> Self {
        App {
            buffered: vec![None; partitions as usize],
            fetched_at_epoch: vec![0; partitions as usize],
            batch: Vec::new(),
            batch_records: 0,
            phase: AppPhase::Polling,
            processing_since_us: 0,
            generation: -1,
            next_part: 0,
            check: CheckTimer::default(),
            sync: None,
            async_commits: Vec::new(),
            commits: Vec::new(),
            last_commit_call: vec![None; partitions as usize],
            last_commit_failed: false,
            poll_since_us: 0,
            returned_at_us: None,
        }
    }

    /// Whether `now_us` is one of the current `poll()`'s timeouts: it returns empty every
    /// `POLL_TIMEOUT_MS` from its start while no records arrive.
    fn at_poll_timeout(&self, now_us: u64) -> bool {
        let elapsed = now_us.saturating_sub(self.poll_since_us);
        elapsed > 0 && elapsed.is_multiple_of(crate::time::ms_to_us(POLL_TIMEOUT_MS))
    }

    /// The first of the current `poll()`'s timeouts at or after `target_us` (and after the poll's
    /// start).
    fn poll_timeout_from(&self, target_us: u64) -> u64 {
        let grid = crate::time::ms_to_us(POLL_TIMEOUT_MS);
        let timeouts = target_us
            .saturating_sub(self.poll_since_us)
            .div_ceil(grid)
            .max(1);
        self.poll_since_us
            .saturating_add(timeouts.saturating_mul(grid))
    }

    /// Whether partition `p` may be fetched: nothing of it waits for `poll()`.
    pub fn fetchable(&self, p: usize) -> bool {
        self.buffered[p].is_none()
    }

    /// The records of the last `poll()` still being processed (or waiting for a `commitSync()`
    /// before processing): `(partition, from, to, leader epoch)`.
    pub fn in_hand(&self) -> impl Iterator<Item = (u32, u64, u64, u32)> + '_ {
        self.batch
            .iter()
            .map(|b| (b.partition, b.from, b.to, b.leader_epoch))
    }

    /// Whether a fired tick is the armed one.
    pub fn fire(&mut self, at_us: u64) -> bool {
        self.check.fire(at_us)
    }
}

/// Whether to go on driving the loop at this instant.
enum Step {
    Continue,
    Wait,
}

impl Consumer {
    /// A fetch answer for a member with a poll loop: the records wait for `poll()`.
    pub(super) fn app_buffer(
        &mut self,
        p: usize,
        from: u64,
        to: u64,
        broker: BrokerId,
        batches: &[BatchId],
    ) {
        if let Some(app) = &mut self.app {
            app.buffered[p] = Some(Buffered {
                from,
                to,
                broker,
                batches: batches.to_vec(),
                leader_epoch: app.fetched_at_epoch[p],
            });
        }
    }

    /// Drops buffered records whose partition was revoked or is pending an eager revocation
    /// (Kafka's fetch collector returns nothing of a partition pending revocation:
    /// `SubscriptionState.isFetchable`, so the commit before the rejoin covers every record
    /// handed out), or whose position moved (a seek, a truncation found by validation), or
    /// that KIP-320 validates (unless its Kafka Streams task paused it). `poll()` first
    /// validates every position whose leader changed since it was fetched, if it has an
    /// offset epoch (`updateFetchPositions` → `maybeValidatePositionForCurrentLeader`:
    /// `AWAIT_VALIDATION`), and then its fetch collector drains a buffered fetch of a
    /// partition that is not fetchable; a paused partition's fetch is set aside before that
    /// check (`FetchCollector.collectFetch`). So records fetched from the old leader are not
    /// handed out after a leader change, even when the engine's validation (sent as soon as
    /// the metadata arrived) has already passed: they are fetched again from the new leader.
    pub(super) fn app_drop_stale(&mut self) {
        let Some(app) = &mut self.app else { return };
        let Some(g) = &self.group else { return };
        let revoking = g.pending_revocation();
        for p in 0..app.buffered.len() {
            let validated = |b: &Buffered| {
                !self.tasks.as_deref().is_some_and(|t| t.paused[p])
                    && (!self.validation.fetchable(p)
                        || (self.position_epochs[p].is_some()
                            && self.leaders[p].is_some_and(|l| l.1 != b.leader_epoch)))
            };
            // KIP-848: a partition being revoked is not fetchable either.
            let revoking = revoking || (g.consumer_protocol && g.cp.revoking[p]);
            if app.buffered[p].as_ref().is_some_and(|b| {
                revoking || validated(b) || !g.assigned[p] || self.positions[p] != Some(b.from)
            }) {
                app.buffered[p] = None;
            }
        }
    }

    /// Whether the application is inside `poll()` collecting fetched data: a Kafka Streams member
    /// flushing before a rejoin is inside it too, but in its rebalance listener.
    fn app_collects(&self) -> bool {
        self.app
            .as_ref()
            .is_some_and(|a| a.phase == AppPhase::Polling)
            && !self.group.as_ref().is_some_and(|g| g.flush_wait)
    }

    /// Whether the consumer is inside `poll()` now: the only place it sends fetches and position
    /// validations (`updateFetchPositions` → `validatePositionsIfNeeded`), while it waits for
    /// records (`pollForFetches` → `sendFetches`) and as it returns some (`sendFetches()`, for a
    /// KIP-848 consumer `sendPrefetches`, before returning, so the next records are on their way
    /// while the application processes). A classic consumer's heartbeat thread reads their
    /// answers but sends none; a KIP-848 consumer's (`AsyncKafkaConsumer`) background thread
    /// sends a fetch only when `poll()` asked for one (`CreateFetchRequestsEvent`; KAFKA-17439,
    /// Kafka 4.0), and validations only from `CheckAndUpdatePositionsEvent`.
    pub(super) fn app_in_poll(&self, now_us: u64) -> bool {
        let Some(app) = &self.app else { return true };
        self.app_collects() || app.returned_at_us == Some(now_us)
    }

    /// Runs the application's loop as far as it goes now.
    pub(super) fn app_drive(&mut self, ctx: &mut Ctx) {
        if self.app.is_none() || self.stopped {
            return;
        }
        self.app_collect_commit_results(ctx);
        // Each turn either waits or hands out records (of which there are finitely many now).
        while let Step::Continue = self.app_step(ctx) {}
    }

    fn app_step(&mut self, ctx: &mut Ctx) -> Step {
        let now = ctx.now.as_us();
        let Some(app) = &mut self.app else {
            return Step::Wait;
        };
        match app.phase {
            // A Kafka Streams member committing before a rejoin or a close is inside `poll()`
            // (`onPartitionsRevoked`), flushing: it processes nothing meanwhile.
            AppPhase::Polling if self.group.as_ref().is_some_and(|g| g.flush_wait) => Step::Wait,
            AppPhase::Polling => self.app_poll(ctx),
            AppPhase::Processing => {
                let t = crate::time::ms_to_us(self.config.group.processing_time_ms);
                let end = app
                    .processing_since_us
                    .saturating_add(t.saturating_mul(app.batch_records));
                if now < end {
                    app.check.arm(ctx, end, |at_us| Timer::AppTick { at_us });
                    return Step::Wait;
                }
                let batch = std::mem::take(&mut app.batch);
                let generation = app.generation;
                for b in &batch {
                    self.app_processed(ctx, b, b.to, generation, end);
                }
                // Done processing: what the group's answers held is read now.
                self.with_group(ctx, |g, ctx, v| g.app_network_poll(ctx, v));
                let app = self.app.as_mut().expect("present");
                app.batch_records = 0;
                if let Some(t) = &mut self.tasks {
                    let done = std::mem::take(&mut t.in_hand);
                    t.processed(done);
                    return match self.app_streams_maybe_commit(ctx) {
                        Step::Wait => Step::Wait,
                        Step::Continue => {
                            self.app_back_to_poll(ctx);
                            Step::Continue
                        }
                    };
                }
                if self.config.group.commit_before_processing {
                    self.app_back_to_poll(ctx);
                    Step::Continue
                } else {
                    self.app_commit_call(ctx, AppPhase::CommitAfter)
                }
            }
            AppPhase::Flushing => Step::Wait,
            AppPhase::CommitBefore | AppPhase::CommitAfter => {
                let Some(sync) = app.sync else {
                    return self.app_after_commit(ctx);
                };
                if sync.req_id.is_some() {
                    return Step::Wait;
                }
                match sync.retry_at_us {
                    Some(at) if at > now => {
                        app.check.arm(ctx, at, |at_us| Timer::AppTick { at_us });
                        Step::Wait
                    }
                    _ => self.app_try_sync(ctx),
                }
            }
        }
    }

    /// `poll()`: up to `max.poll.records` buffered records, partition after partition from where
    /// the last poll stopped.
    fn app_poll(&mut self, ctx: &mut Ctx) -> Step {
        self.app_drop_stale();
        let now = ctx.now.as_us();
        let max = u64::from(self.config.max_poll_records.max(1));
        let n = self.partitions as usize;
        let topo = ctx.topo;
        let store = &*ctx.batches;
        let app = self.app.as_mut().expect("present");
        let mut taken = 0u64;
        let mut batch = Vec::new();
        let mut consumed = Vec::new();
        // Partition after partition from where the last poll stopped (read once: the loop moves
        // `next_part` past each partition it takes from, and reading it there skipped the
        // partition after the first, which starved it whenever the first had records).
        let start = app.next_part;
        let decoder = self.decoder.clone();
        // Records the deserializer threw on: `(partition, offset, record, skipped)`, for the trace.
        let mut undecoded = Vec::new();
        let mut i = 0;
        // Set when the poll stops before a record it cannot decode (returned by the next poll).
        let mut stop = false;
        while i < n && taken < max && !stop {
            let p = (start + i) % n;
            // A partition its Kafka Streams task paused keeps its fetched records for later
            // (`poll()` returns nothing of a paused partition).
            let paused = self.tasks.as_deref().is_some_and(|t| t.paused[p]);
            let Some(buf) = app.buffered[p].as_mut().filter(|_| !paused) else {
                i += 1;
                continue;
            };
            let from = buf.from;
            // Up to `max.poll.records` records, not offsets: a compacted log's gaps hold none
            // (`CompletedFetch.fetchRecords` counts the records it returns).
            let mut to = offset_after_records(store, &buf.batches, from, buf.to, max - taken);
            // The deserializer runs as `poll()` hands records out (`CompletedFetch.fetchRecords`):
            // a record it cannot decode ends the poll after the records before it, and the next
            // poll throws `RecordDeserializationException` at it with nothing else. The position
            // stays on the record; `LogAndContinue` seeks past it, `LogAndFail` stops there.
            if let Some((offset, record, reason)) = decoder
                .as_deref()
                .and_then(|d| first_undecodable(d, ctx, &buf.batches, from, to))
            {
                if offset > from || taken > 0 {
                    to = offset;
                    stop = true;
                } else {
                    let skipped = decoder.as_deref().is_some_and(|d| d.skip);
                    self.poison.push(super::PoisonPill {
                        partition: p as u32,
                        offset,
                        record,
                        at_us: now,
                        reason,
                        skipped,
                    });
                    undecoded.push((p, offset, record, skipped));
                    if skipped {
                        buf.from = offset + 1;
                        self.positions[p] = Some(offset + 1);
                        if buf.from >= buf.to {
                            app.buffered[p] = None;
                            i += 1;
                        }
                    } else {
                        self.stuck[p] = true;
                        app.buffered[p] = None;
                        i += 1;
                    }
                    continue;
                }
            }
            i += 1;
            if to <= from {
                app.next_part = p;
                continue;
            }
            let mut last_epoch = None;
            let mut records = 0;
            for &id in &buf.batches {
                let b = store.get(id);
                let (lo, hi) = (b.base_offset.max(from), b.next_offset().min(to));
                if lo >= hi {
                    continue;
                }
                records += hi - lo;
                let skip = (lo - b.base_offset) as usize;
                for (i, rid) in store
                    .record_ids(id)
                    .skip(skip)
                    .take((hi - lo) as usize)
                    .enumerate()
                {
                    ctx.prov.consume(rid, now);
                    if let Some(t) = &mut self.tasks {
                        t.in_hand.push((p as u32, lo + i as u64, rid));
                    }
                }
                match batch.last_mut() {
                    Some(Polled {
                        partition,
                        to: t,
                        leader_epoch,
                        ..
                    }) if *partition == p as u32 && *t == lo && *leader_epoch == b.leader_epoch => {
                        *t = hi
                    }
                    _ => batch.push(Polled {
                        partition: p as u32,
                        from: lo,
                        to: hi,
                        leader_epoch: b.leader_epoch,
                    }),
                }
                last_epoch = Some(b.leader_epoch);
            }
            consumed.push((p, from, to, buf.broker));
            app.returned_at_us = Some(now);
            taken += records;
            self.received += records;
            self.positions[p] = Some(to);
            if let Some(e) = last_epoch {
                self.position_epochs[p] = Some(e);
            }
            buf.from = to;
            let drained = to >= buf.to;
            if drained {
                app.buffered[p] = None;
            }
            // A fetch the poll did not drain is next in line (`FetchBuffer.nextInLineFetch`):
            // the next poll goes on with it before any other partition's.
            app.next_part = if stop || !drained { p } else { (p + 1) % n };
        }
        for (p, offset, record, skipped) in undecoded {
            ctx.emit(TraceKind::NotDeserialized {
                consumer: self.name.clone(),
                partition: topo.part_name(self.subscribed.global(p as u32)),
                offset,
                record,
                skipped,
            });
        }
        for (p, from, to, broker) in consumed {
            ctx.emit_hot(HotEvent::Consumed {
                consumer: &self.name,
                partition: topo.part_name_ref(self.subscribed.global(p as u32)),
                base_offset: from,
                records: (to - from) as u32,
                broker,
            });
        }
        if taken == 0 {
            if let Some(g) = &mut self.group {
                g.app_busy_since = None;
            }
            if self.tasks.is_some() {
                return self.app_streams_idle(ctx);
            }
            if self.config.group.commit == AppCommit::None {
                return Step::Wait;
            }
            // A turn of the loop without records: its `poll(100 ms)` returns when it times out,
            // every 100 ms from the poll's start while nothing arrives, and the turn calls the
            // commit. `commitSync()` and `commitAsync()` without arguments commit
            // `subscriptions.allConsumed()`, the position of every assigned partition, whether
            // or not it moved (`ConsumerCoordinator.commitOffsetsSync` sends unless the map is
            // empty): so an idle member commits its positions again every 100 ms, which puts
            // back a commit the coordinator lost.
            if app.at_poll_timeout(now) {
                app.batch_records = 0;
                return self.app_commit_call(ctx, AppPhase::CommitAfter);
            }
            let at = app.poll_timeout_from(now);
            app.check.arm(ctx, at, |at_us| Timer::AppTick { at_us });
            return Step::Wait;
        }
        app.batch = batch;
        app.batch_records = taken;
        app.generation = self.group.as_ref().map_or(-1, |g| g.generation);
        if let Some(g) = &mut self.group {
            g.app_busy_since = Some(now);
        }
        if self.config.group.commit_before_processing {
            self.app_commit_call(ctx, AppPhase::CommitBefore)
        } else {
            self.app_start_processing(ctx);
            Step::Continue
        }
    }

    fn app_start_processing(&mut self, ctx: &mut Ctx) {
        let app = self.app.as_mut().expect("present");
        app.phase = AppPhase::Processing;
        app.processing_since_us = ctx.now.as_us();
        if let Some(g) = &mut self.group {
            g.app_processing = true;
        }
    }

    /// Records `[b.from, to)` of a polled run as processed.
    fn app_processed(&mut self, ctx: &mut Ctx, b: &Polled, to: u64, generation: i32, at_us: u64) {
        if to <= b.from {
            return;
        }
        self.record_processed(b.partition, b.from, to, b.leader_epoch, generation, at_us);
        let group = self
            .group
            .as_ref()
            .map_or(String::new(), |g| g.group_id.clone());
        ctx.emit(TraceKind::Processed {
            consumer: self.name.to_string(),
            group,
            partition: ctx.topo.part_name(self.subscribed.global(b.partition)),
            base_offset: b.from,
            records: to - b.from,
            leader_epoch: b.leader_epoch,
            generation,
        });
    }

    /// The application's `commitSync()` or `commitAsync()` at `phase` (before or after
    /// processing).
    fn app_commit_call(&mut self, ctx: &mut Ctx, phase: AppPhase) -> Step {
        let mode = self.config.group.commit;
        let app = self.app.as_mut().expect("present");
        app.phase = phase;
        // What the call covers: the positions, or what the tasks processed when they queue what
        // they are handed (the positions run ahead of it).
        match self.tasks.as_deref() {
            Some(t) if t.queued_by_tasks => app.last_commit_call.clone_from(&t.processed_to),
            _ => app.last_commit_call.clone_from(&self.positions),
        }
        if let Some(t) = self.tasks.as_deref_mut() {
            t.commit_needed = false;
        }
        app.last_commit_failed = false;
        match mode {
            AppCommit::None => {
                app.sync = None;
                self.app_after_commit(ctx)
            }
            AppCommit::Async => {
                let now = ctx.now.as_us();
                let result = self.app_send_commit(ctx);
                let app = self.app.as_mut().expect("present");
                match result {
                    Ok(Some((req_id, offsets))) => {
                        app.commits.push(AppCommitRecord {
                            at_us: now,
                            sync: false,
                            offsets,
                            outcome: "in flight".into(),
                        });
                        let i = app.commits.len() - 1;
                        app.async_commits.push((req_id, i));
                    }
                    Ok(None) => {}
                    Err(e) => {
                        let text = app_exception(e, false);
                        app.last_commit_failed = true;
                        app.commits.push(AppCommitRecord {
                            at_us: now,
                            sync: false,
                            offsets: Vec::new(),
                            outcome: text.clone(),
                        });
                        self.app_note(ctx, format!("commitAsync callback: {text}"));
                    }
                }
                let app = self.app.as_mut().expect("present");
                app.sync = None;
                self.app_after_commit(ctx)
            }
            AppCommit::Sync => {
                let now = ctx.now.as_us();
                let give_up = now.saturating_add(crate::time::ms_to_us(
                    self.config.group.default_api_timeout_ms,
                ));
                app.commits.push(AppCommitRecord {
                    at_us: now,
                    sync: true,
                    offsets: Vec::new(),
                    outcome: "in flight".into(),
                });
                app.sync = Some(SyncCommit {
                    req_id: None,
                    retry_at_us: None,
                    give_up_us: give_up,
                    record: app.commits.len() - 1,
                });
                self.app_try_sync(ctx)
            }
        }
    }

    /// One attempt of a `commitSync()`.
    fn app_try_sync(&mut self, ctx: &mut Ctx) -> Step {
        let now = ctx.now.as_us();
        let result = self.app_send_commit(ctx);
        let app = self.app.as_mut().expect("present");
        let Some(sync) = &mut app.sync else {
            return Step::Continue;
        };
        let record = sync.record;
        match result {
            Ok(Some((req_id, offsets))) => {
                sync.req_id = Some(req_id);
                sync.retry_at_us = None;
                app.commits[record].offsets = offsets;
                Step::Wait
            }
            Ok(None) => {
                // `commitSync()` with no assigned position returns without a request.
                app.commits.truncate(record);
                app.sync = None;
                self.app_after_commit(ctx)
            }
            Err(super::group::AppCommitResult::Retriable(_)) if now < sync.give_up_us => {
                let at = now + crate::time::ms_to_us(RETRY_BACKOFF_MS);
                sync.retry_at_us = Some(at);
                app.check.arm(ctx, at, |at_us| Timer::AppTick { at_us });
                Step::Wait
            }
            Err(e) => {
                let text = app_exception(e, true);
                app.commits[record].outcome = text.clone();
                app.sync = None;
                app.last_commit_failed = true;
                self.app_note(ctx, format!("commitSync: {text}"));
                self.app_after_commit(ctx)
            }
        }
    }

    fn app_send_commit(
        &mut self,
        ctx: &mut Ctx,
    ) -> Result<Option<super::group::SentCommit>, super::group::AppCommitResult> {
        let mut result = Ok(None);
        let queue = self.config.group.commit == AppCommit::Async;
        self.with_group(ctx, |g, ctx, v| result = g.app_commit(ctx, v, queue));
        let subscribed = &self.subscribed;
        result.map(|o| {
            o.map(|(id, offs)| {
                let local = |p| subscribed.local(p).expect("a committed partition is read") as u32;
                (id, offs.into_iter().map(|(p, o)| (local(p), o)).collect())
            })
        })
    }

    /// Outcomes of the application's commits that arrived.
    fn app_collect_commit_results(&mut self, ctx: &mut Ctx) {
        let Some(g) = &mut self.group else { return };
        let results = std::mem::take(&mut g.app_results);
        let now = ctx.now.as_us();
        let mut purge = None;
        let purges = self.config.group.streams_purge_interval_ms.is_some();
        for (req_id, result) in results {
            let app = self.app.as_mut().expect("present");
            if let Some(i) = app.async_commits.iter().position(|c| c.0 == req_id) {
                let (_, record) = app.async_commits.remove(i);
                let text = match result {
                    super::group::AppCommitResult::Committed => "committed".to_string(),
                    e => app_exception(e, false),
                };
                app.commits[record].outcome = text.clone();
                if record + 1 == app.commits.len() {
                    app.last_commit_failed = text != "committed";
                }
                if text != "committed" {
                    self.app_note(ctx, format!("commitAsync callback: {text}"));
                }
                continue;
            }
            let Some(sync) = app.sync.as_mut().filter(|s| s.req_id == Some(req_id)) else {
                continue;
            };
            sync.req_id = None;
            let record = sync.record;
            match result {
                super::group::AppCommitResult::Committed => {
                    app.commits[record].outcome = "committed".into();
                    app.sync = None;
                    if purges {
                        purge = Some(app.commits[record].offsets.clone());
                    }
                }
                super::group::AppCommitResult::Retriable(_) if now < sync.give_up_us => {
                    sync.retry_at_us = Some(now + crate::time::ms_to_us(RETRY_BACKOFF_MS));
                }
                e => {
                    let text = app_exception(e, true);
                    app.commits[record].outcome = text.clone();
                    app.sync = None;
                    app.last_commit_failed = true;
                    self.app_note(ctx, format!("commitSync: {text}"));
                }
            }
        }
        #[cfg(feature = "groups")]
        if let Some(committed) = purge {
            self.streams_maybe_purge(ctx, &committed);
        }
    }

    /// The commit call returned (or there was none): process (before) or poll again (after).
    fn app_after_commit(&mut self, ctx: &mut Ctx) -> Step {
        let app = self.app.as_mut().expect("present");
        // Kafka Streams' `maybeCommit` restarts its clock when its commit returns (a commit that
        // threw leaves it: the next turn's is due again).
        if let Some(t) = self.tasks.as_deref_mut() {
            if app.phase == AppPhase::CommitAfter && !app.last_commit_failed {
                t.last_commit_ms = Some(ctx.now.as_us() / 1_000);
            }
        }
        match app.phase {
            AppPhase::CommitBefore => self.app_start_processing(ctx),
            _ => self.app_back_to_poll(ctx),
        }
        Step::Continue
    }

    /// A Kafka Streams loop whose `poll()` returned no records. Its `poll(poll.ms)` returns when
    /// it times out, every `poll.ms` from the poll's start while nothing arrives, and that turn
    /// of the loop calls `maybeCommit` (`StreamThread.runOnceWithoutProcessingThreads`). Between
    /// timeouts the loop waits, with a check armed for the first timeout at which a commit is
    /// due (a refused one is retried once the assignment has come: its answer drives the loop).
    fn app_streams_idle(&mut self, ctx: &mut Ctx) -> Step {
        let now = ctx.now.as_us();
        if self.app.as_ref().is_some_and(|a| a.at_poll_timeout(now)) {
            if let Step::Wait = self.app_streams_maybe_commit(ctx) {
                return Step::Wait;
            }
            // The next turn's `poll()`.
            if let Some(app) = &mut self.app {
                app.poll_since_us = now;
            }
        }
        let refused = self.group.as_ref().is_some_and(|g| g.rebalance_in_progress);
        let interval = self.config.group.streams_commit_interval_ms.unwrap_or(0);
        let (Some(app), Some(t)) = (&mut self.app, &self.tasks) else {
            return Step::Wait;
        };
        let due_us = t.commit_due_us(interval);
        if refused && due_us <= now {
            return Step::Wait;
        }
        let at = app.poll_timeout_from(due_us.max(now + 1));
        app.check.arm(ctx, at, |at_us| Timer::AppTick { at_us });
        Step::Wait
    }

    /// Kafka Streams' `maybeCommit` (`StreamThread`): due once `now - lastCommitMs >
    /// commit.interval.ms` (in milliseconds; at once the first time), and refused while a
    /// rebalance is in progress (`TaskManager.commit` returns -1 and the clock stays). A due
    /// commit with nothing new to commit commits nothing and restarts the clock; one with
    /// something waits for the producer's flush (`Step::Wait`), then commits, and the clock
    /// restarts when the commit returns. `Continue`: nothing to wait for.
    fn app_streams_maybe_commit(&mut self, ctx: &mut Ctx) -> Step {
        let now_ms = ctx.now.as_us() / 1_000;
        let interval = self.config.group.streams_commit_interval_ms.unwrap_or(0);
        let refused = self.group.as_ref().is_some_and(|g| g.rebalance_in_progress);
        let (Some(app), Some(t)) = (&mut self.app, &mut self.tasks) else {
            return Step::Continue;
        };
        if ctx.now.as_us() < t.commit_due_us(interval) || refused {
            return Step::Continue;
        }
        let covered = if t.queued_by_tasks {
            &t.processed_to
        } else {
            &self.positions
        };
        // Records handed to a topology that queues them are processed before the commit (the
        // engine runs the topology, then the flush, after this turn): Kafka's loop processes,
        // then calls `maybeCommit`.
        let moved = app.last_commit_call != *covered
            || app.last_commit_failed
            || (t.queued_by_tasks && !t.processed.is_empty())
            || t.commit_needed;
        if !moved {
            t.last_commit_ms = Some(now_ms);
            return Step::Continue;
        }
        app.phase = AppPhase::Flushing;
        Step::Wait
    }

    /// Whether a Kafka Streams loop waits for its producer's flush before it commits.
    pub(super) fn app_flushing(&self) -> bool {
        self.app
            .as_ref()
            .is_some_and(|a| a.phase == AppPhase::Flushing)
    }

    /// The producer is flushed: the Kafka Streams loop's `commitSync()`.
    pub(super) fn app_streams_commit(&mut self, ctx: &mut Ctx) {
        if self
            .app
            .as_ref()
            .is_none_or(|a| a.phase != AppPhase::Flushing)
        {
            return;
        }
        // What follows the call (poll again) runs when the caller pumps the loop.
        let _ = self.app_commit_call(ctx, AppPhase::CommitAfter);
    }

    /// Back in `poll()`: a rejoin or an auto-commit that waited for it happens now.
    fn app_back_to_poll(&mut self, ctx: &mut Ctx) {
        let app = self.app.as_mut().expect("present");
        app.phase = AppPhase::Polling;
        app.poll_since_us = ctx.now.as_us();
        if let Some(g) = &mut self.group {
            g.app_busy_since = None;
        }
        self.with_group(ctx, |g, ctx, v| g.tick(ctx, v));
    }

    /// A crash or a close while processing: the records processed so far are kept.
    pub(super) fn app_interrupted(&mut self, ctx: &mut Ctx) {
        let Some(app) = &mut self.app else { return };
        if app.phase != AppPhase::Processing {
            return;
        }
        let t = crate::time::ms_to_us(self.config.group.processing_time_ms);
        let now = ctx.now.as_us();
        let mut done = match now.saturating_sub(app.processing_since_us).checked_div(t) {
            Some(d) => d,
            None => app.batch_records,
        };
        let batch = std::mem::take(&mut app.batch);
        let generation = app.generation;
        let total = app.batch_records;
        app.batch_records = 0;
        let since = app.processing_since_us;
        let processed = done.min(total);
        if let Some(t) = &mut self.tasks {
            let mut in_hand = std::mem::take(&mut t.in_hand);
            in_hand.truncate(processed as usize);
            t.processed(in_hand);
        }
        for b in &batch {
            let n = (b.to - b.from).min(done);
            done -= n;
            self.app_processed(ctx, b, b.from + n, generation, since + processed * t);
        }
        self.app_note(
            ctx,
            format!("stops with {processed} of the {total} records of its last poll processed"),
        );
    }

    /// The application calls `seek(tp, offset)`, `seekToBeginning` or `seekToEnd` for partition
    /// `p` of its topic. A group member may seek only a partition assigned to it
    /// (`IllegalStateException: No current assignment for partition`). A seek to an offset has no
    /// leader epoch, so it is not validated (`seekUnvalidated` without `offsetEpoch`); the two
    /// others reset the position from the log's bounds at the next fetch.
    pub fn seek(&mut self, ctx: &mut Ctx, p: u32, to: crate::spec::SeekTo) {
        use crate::config::OffsetReset;
        use crate::spec::SeekTo;
        let p = p as usize;
        if self.stopped || p >= self.partitions as usize {
            return;
        }
        if let Some(g) = &mut self.group {
            if !g.assigned[p] {
                let part = ctx.topo.part_name(self.subscribed.global(p as u32));
                self.app_note(
                    ctx,
                    format!(
                        "seek: IllegalStateException: No current assignment for partition {part}"
                    ),
                );
                return;
            }
            g.ready[p] = true;
            g.no_offset[p] = false;
        }
        self.no_offset[p] = false;
        // Seeking is how an application gets past a record it cannot deserialize
        // (`RecordDeserializationException`): the next poll fetches from the new position.
        self.stuck[p] = false;
        self.position_epochs[p] = None;
        let leader_epoch = self.leaders[p].map(|l| l.1);
        self.validation.position_reset(p, leader_epoch);
        self.validation.failed[p] = false;
        match to {
            SeekTo::Offset(o) => {
                self.positions[p] = Some(o);
                self.seek_reset[p] = None;
            }
            SeekTo::Beginning | SeekTo::End => {
                self.positions[p] = None;
                self.seek_reset[p] = Some(if to == SeekTo::Beginning {
                    OffsetReset::Earliest
                } else {
                    OffsetReset::Latest
                });
            }
        }
        if let Some(app) = &mut self.app {
            app.buffered[p] = None;
        }
        self.pump(ctx);
    }

    fn app_note(&self, ctx: &mut Ctx, text: String) {
        if let Some(g) = &self.group {
            ctx.emit(TraceKind::Group {
                group: g.group_id.clone(),
                text: format!("{}: {text}", self.name),
            });
        }
    }
}

/// What the application sees of a failed commit.
fn app_exception(e: super::group::AppCommitResult, sync: bool) -> String {
    use super::group::AppCommitResult::*;
    match e {
        Committed => "committed".into(),
        Retriable(code) if sync => format!(
            "TimeoutException (default.api.timeout.ms ran out; last error {})",
            code.name()
        ),
        Retriable(code) => format!("RetriableCommitFailedException ({})", code.name()),
        Failed(name, crate::msg::ErrorCode::None) => name.to_string(),
        Failed(name, code) => format!("{name} ({})", code.name()),
    }
}

/// The first record in `[from, to)` of `batches` that deserializer `d` cannot decode: its offset,
/// id and the deserializer's message.
fn first_undecodable(
    d: &crate::spec::ValueDecoder,
    ctx: &Ctx,
    batches: &[BatchId],
    from: u64,
    to: u64,
) -> Option<(u64, crate::log::RecordId, String)> {
    let store = &*ctx.batches;
    for &id in batches {
        let b = store.get(id);
        let (lo, hi) = (b.base_offset.max(from), b.next_offset().min(to));
        if lo >= hi {
            continue;
        }
        let skip = (lo - b.base_offset) as usize;
        for (k, rid) in store
            .record_ids(id)
            .skip(skip)
            .take((hi - lo) as usize)
            .enumerate()
        {
            if let Some(why) = super::undecodable(d, ctx, rid) {
                return Some((lo + k as u64, rid, why));
            }
        }
    }
    None
}

/// The offset after the first `n` records of `batches` from `from` (below `to`), or `to` when
/// fewer are there.
fn offset_after_records(
    store: &crate::log::BatchStore,
    batches: &[crate::log::BatchId],
    from: u64,
    to: u64,
    n: u64,
) -> u64 {
    let mut left = n;
    for &id in batches {
        let b = store.get(id);
        let (lo, hi) = (b.base_offset.max(from), b.next_offset().min(to));
        if lo >= hi {
            continue;
        }
        if hi - lo >= left {
            return lo + left;
        }
        left -= hi - lo;
    }
    to
}
