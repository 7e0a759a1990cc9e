//! Kafka's `LogManager` on a broker: appends that roll segments (`UnifiedLog.maybeRoll`), the
//! retention check every `log.retention.check.interval.ms` (`LogManager.cleanupLogs` →
//! `UnifiedLog.deleteOldSegments`, on leaders and followers alike), the log start offset a
//! follower learns from its leader, and the log cleaner's thread (`LogCleaner.CleanerThread`:
//! cleans the filthiest compacted log, and sleeps `log.cleaner.backoff.ms` when none is dirty
//! enough). Each replica cleans its own log, as each broker runs its own cleaner.

use super::*;
use crate::log::cleaner::{self, CleanerRecordInfo};
use crate::log::{BatchId, BatchMeta, RetentionConfig, RollConfig, StartMoveCause};
use crate::topology::Topology;
use crate::trace::Piece;

/// A batch as a segment counts it: its size on the wire as the producer sent it (Kafka writes a
/// batch to the segment as it arrived), and its largest timestamp, stored by the leader that
/// appended it (its records' largest timestamp: the last record's send time, unless its producer
/// stamps records late).
/// Batches without a timestamp (coordinator records) take the appending replica's clock.
pub(super) fn batch_meta(store: &BatchStore, id: BatchId, now_us: u64) -> BatchMeta {
    BatchMeta {
        bytes: store.bytes(id),
        max_timestamp_ms: store.max_timestamp_ms(id).unwrap_or(now_us / 1_000),
    }
}

fn roll_config(topo: &Topology, part: PartIdx) -> RollConfig {
    let c = topo.log_config(part);
    RollConfig {
        segment_bytes: c.segment_bytes,
        segment_ms: c.segment_ms,
    }
}

/// Appends stored batch `id` to `log` (leader or follower), rolling a segment when due.
pub(super) fn append(ctx: &mut Ctx, broker: BrokerId, part: PartIdx, log: &mut Log, id: BatchId) {
    let now_us = ctx.now.as_us();
    let meta = batch_meta(ctx.batches, id, now_us);
    let (base, rolled) =
        log.append_with(id, ctx.batches, now_us, meta, roll_config(ctx.topo, part));
    if rolled {
        ctx.emit(TraceKind::SegmentRolled {
            partition: ctx.topo.part_name(part),
            broker,
            base_offset: base,
        });
    }
}

/// `UnifiedLog.appendAsFollower`: a fetched partition's batches go in one append, so one roll
/// decision for them all (`maybeRoll` with their total size and largest timestamp), and a
/// follower's segments need not start where its leader's do.
pub(super) fn append_fetched(
    ctx: &mut Ctx,
    broker: BrokerId,
    part: PartIdx,
    log: &mut Log,
    ids: &[BatchId],
) {
    let Some(&first) = ids.first() else {
        return;
    };
    if ids.len() == 1 {
        append(ctx, broker, part, log, first);
        return;
    }
    let now_us = ctx.now.as_us();
    let mut chunk = BatchMeta::default();
    for &id in ids {
        let meta = batch_meta(ctx.batches, id, now_us);
        chunk.bytes += meta.bytes;
        chunk.max_timestamp_ms = chunk.max_timestamp_ms.max(meta.max_timestamp_ms);
    }
    let base = ctx.batches.get(first).base_offset;
    if log.maybe_roll(base, chunk, roll_config(ctx.topo, part)) {
        ctx.emit(TraceKind::SegmentRolled {
            partition: ctx.topo.part_name(part),
            broker,
            base_offset: base,
        });
    }
    for &id in ids {
        let meta = batch_meta(ctx.batches, id, now_us);
        log.append_with(id, ctx.batches, now_us, meta, RollConfig::NEVER);
    }
}

/// Truncates `log` to `offset`, recounting the segment it ends in.
pub(super) fn truncate(ctx: &mut Ctx, log: &mut Log, offset: u64) -> u64 {
    let now_us = ctx.now.as_us();
    let store = &*ctx.batches;
    log.truncate_to_with(offset, store, &|id| batch_meta(store, id, now_us))
}

/// Marks the records of `log`'s history in `[from, to)` deleted (they fell below its log start).
/// When this replica's own retention moved the start (`by_retention`), it also keeps the largest
/// timestamp of those the log still held, for the retention invariant: records its cleaner had
/// removed (superseded by a later record of their key) were not deleted by this move, and may be
/// younger than the segments retention deletes. A start learnt from the leader is not this
/// replica's retention decision: the leader's segments, cut from a log its own cleaner had
/// compacted, may end before a record this follower still holds and the leader had already
/// dropped as superseded, so the follower rightly deletes it younger than `retention.ms`. The
/// leader's own deletion is what the invariant checks. A `DeleteRecords` request deletes what it
/// is asked to, whatever its age.
fn mark_deleted(ctx: &mut Ctx, log: &mut Log, from: u64, to: u64, by_retention: bool) {
    let prov = &mut *ctx.prov;
    let topo = ctx.topo;
    log.for_each_record_id(from, to, ctx.batches, |_, id| {
        prov.mark_deleted(id);
    });
    if !by_retention {
        return;
    }
    let mut max_ts = log.deleted_max_timestamp_ms;
    log.for_each_live_record_id(from, to, ctx.batches, |id| {
        // Its timestamp: the send time, or earlier for a producer that stamps records late.
        if let Some(t) = prov.timestamp_ms(id, topo) {
            max_ts = Some(max_ts.map_or(t, |m| m.max(t)));
        }
    });
    log.deleted_max_timestamp_ms = max_ts;
}

/// Moves a replica's log start offset up to `offset` (never down, never past its high
/// watermark), marking the records below deleted: a follower that read its leader's in a fetch
/// response, or a leader a DeleteRecords request asked to.
pub(super) fn increment_log_start(
    ctx: &mut Ctx,
    broker: BrokerId,
    part: PartIdx,
    log: &mut Log,
    offset: u64,
    cause: StartMoveCause,
) {
    let old = log.log_start_offset();
    if log.maybe_increment_log_start(offset) {
        let new = log.log_start_offset();
        log.note_start_move(ctx.now.as_us(), new, cause);
        mark_deleted(ctx, log, old, new, false);
        ctx.emit(TraceKind::LogStartOffset {
            partition: ctx.topo.part_name(part),
            broker,
            log_start_offset: log.log_start_offset(),
        });
    }
}

impl Broker {
    /// `LogManager.cleanupLogs`: `deleteOldSegments` on every log that is not compacted (the
    /// cleaner thread deletes a compacted one's old segments: `on_cleaner_wake`).
    pub(super) fn on_retention_check(&mut self, ctx: &mut Ctx) {
        self.delete_old_segments(ctx, false);
        let every = ctx.topo.config.log.retention_check_interval_ms;
        ctx.timer_after_ms(every, Timer::RetentionCheck);
    }

    /// `UnifiedLog.deleteOldSegments` on every log whose `cleanup.policy` has `compact` or not,
    /// as `compacted` says.
    fn delete_old_segments(&mut self, ctx: &mut Ctx, compacted: bool) {
        *ctx.fetch_reads += self.replicas.len() as u64;
        let now_ms = ctx.now.as_us() / 1_000;
        let me = self.id;
        for r in self.replicas.values_mut() {
            let c = ctx.topo.log_config(r.part);
            if c.cleanup.compact != compacted {
                continue;
            }
            let cfg = RetentionConfig {
                delete: c.cleanup.delete,
                retention_ms: c.retention_ms,
                retention_bytes: c.retention_bytes,
            };
            for d in r.log.delete_old_segments(now_ms, &cfg) {
                if d.log_start_offset > d.old_log_start {
                    let cause = StartMoveCause::Retention(d.reason);
                    // Each step's own start: one check can delete by size, then by age.
                    r.log
                        .note_start_move(ctx.now.as_us(), d.log_start_offset, cause);
                }
                mark_deleted(ctx, &mut r.log, d.old_log_start, d.log_start_offset, true);
                if d.rolled {
                    ctx.emit(TraceKind::SegmentRolled {
                        partition: ctx.topo.part_name(r.part),
                        broker: me,
                        base_offset: r.log.log_end_offset(),
                    });
                }
                ctx.emit(TraceKind::SegmentsDeleted {
                    partition: ctx.topo.part_name(r.part),
                    broker: me,
                    segments: d.segments,
                    log_start_offset: d.log_start_offset,
                    reason: d.reason,
                });
            }
        }
    }

    /// The cleaner thread: cleans every compacted log that is dirty enough, filthiest first,
    /// deletes the compacted logs' old segments, then sleeps `log.cleaner.backoff.ms` (at least 1 ms of simulated time: a thread that found
    /// nothing to do must let time pass).
    pub(super) fn on_cleaner_wake(&mut self, ctx: &mut Ctx) {
        let now_ms = ctx.now.as_us() / 1_000;
        let me = self.id;
        let mut done: Vec<PartIdx> = Vec::new();
        // At most one cleaning per log per wake: a cleaned log has nothing dirty left.
        for _ in 0..self.replicas.len() {
            *ctx.fetch_reads += self.replicas.len() as u64;
            let mut best: Option<(f64, PartIdx, cleaner::Cleanable)> = None;
            for r in self.replicas.values() {
                let c = ctx.topo.log_config(r.part);
                let topic = ctx.topo.topic_of(r.part);
                if !c.cleanup.compact
                    || topic.internal
                    || topic.windowed_keys
                    || done.contains(&r.part)
                {
                    continue;
                }
                let Some(cl) = cleaner::cleanable(&r.log, now_ms, c.min_compaction_lag_ms) else {
                    continue;
                };
                if cl.eligible(c.min_cleanable_ratio) && best.is_none_or(|b| cl.ratio() > b.0) {
                    best = Some((cl.ratio(), r.part, cl));
                }
            }
            let Some((_, part, cl)) = best else {
                break;
            };
            done.push(part);
            let c = ctx.topo.log_config(part);
            let r = self.replicas.get_mut(&part).expect("listed");
            let topo = ctx.topo;
            let prov = &*ctx.prov;
            let timestamp = |producer: u32, id: u64| {
                let late = topo.producers[producer as usize].lateness.is_some();
                prov.stamped_ms(id, topo, late)
            };
            let mut read = |id: u64, key: &mut String| match prov.producer_and_key(id) {
                Some((producer, Some(k))) => {
                    let p = &topo.producers[producer as usize];
                    p.write_key(k, key);
                    CleanerRecordInfo {
                        has_key: true,
                        tombstone: p.null_value,
                        timestamp_ms: timestamp(producer, id),
                    }
                }
                Some((producer, None)) => CleanerRecordInfo {
                    has_key: false,
                    tombstone: false,
                    timestamp_ms: timestamp(producer, id),
                },
                None => CleanerRecordInfo {
                    has_key: false,
                    tombstone: false,
                    timestamp_ms: None,
                },
            };
            let out = cleaner::clean(
                &r.log,
                ctx.batches,
                &cl,
                now_ms,
                c.delete_retention_ms,
                &mut read,
            );
            let now_us = ctx.now.as_us();
            let store = &*ctx.batches;
            r.log.install_cleaned(
                out.kept,
                out.end,
                store,
                &|id| batch_meta(store, id, now_us),
                c.segment_bytes,
            );
            for &id in &out.removed {
                ctx.prov.mark_deleted(id);
            }
            ctx.emit(TraceKind::Cleaned {
                partition: ctx.topo.part_name(part),
                broker: me,
                end_offset: out.end,
                removed: out.removed,
                pieces: out
                    .pieces
                    .into_iter()
                    .map(|(batch, source, skip, count)| Piece {
                        batch,
                        source,
                        skip,
                        count,
                    })
                    .collect(),
            });
        }
        // `LogCleaner.cleanFilthiestLog`: after cleaning, `deleteOldSegments` on every compacted
        // log (`LogCleanerManager.deletableLogs`), so a `compact,delete` topic's retention runs
        // at the cleaner's pace, not the retention check's.
        self.delete_old_segments(ctx, true);
        let backoff = ctx.topo.config.log.cleaner_backoff_ms.max(1);
        ctx.timer_after_ms(backoff, Timer::CleanerWake);
    }
}

impl Broker {
    /// DeleteRecords (`ReplicaManager.deleteRecords`, `Partition.deleteRecordsOnLeader`): on the
    /// leader, the log start offset moves up to the offset asked; an offset above the high
    /// watermark is `OFFSET_OUT_OF_RANGE`. Kafka answers once every replica's log start offset
    /// reached it (`DelayedDeleteRecords`); the simulated leader answers at once with its own —
    /// the only sender, Kafka Streams, does not wait for the answer.
    pub(super) fn on_delete_records(
        &mut self,
        ctx: &mut Ctx,
        from: Node,
        req_id: u64,
        partitions: Vec<(PartIdx, u64)>,
    ) {
        use crate::msg::{DeleteRecords, DeletedRecords};
        let me = self.id;
        let answers = partitions
            .into_iter()
            .map(|(part, offset)| {
                let answer = |error, low_watermark| DeletedRecords {
                    part,
                    error,
                    low_watermark,
                };
                let Some(r) = self.replicas.get_mut(&part).filter(|r| r.is_leader(me)) else {
                    return answer(ErrorCode::NotLeaderOrFollower, 0);
                };
                // "Records of partition … can not be deleted due to the configured policy": a
                // compacted topic keeps each key's latest record wherever it is in the log.
                if !ctx.topo.log_config(part).cleanup.delete {
                    return answer(ErrorCode::PolicyViolation, 0);
                }
                if offset > r.log.high_watermark {
                    return answer(ErrorCode::OffsetOutOfRange, 0);
                }
                let cause = StartMoveCause::DeleteRecords;
                increment_log_start(ctx, me, part, &mut r.log, offset, cause);
                answer(ErrorCode::None, r.log.log_start_offset())
            })
            .collect();
        ctx.send(
            from,
            Msg::DeleteRecords(DeleteRecords::Response {
                req_id,
                partitions: answers,
            }),
        );
    }
}
