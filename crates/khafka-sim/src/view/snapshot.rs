//! Inspection: a serializable picture of the whole cluster at an instant, the records of a replica's
//! log, and the full story of one record. Views (the CLI, the site) read these; they never compute
//! Kafka behaviour themselves.

use crate::log::RecordId;
use crate::msg::{ErrorCode, PartIdx};
use crate::outcome::{PartitionView, ProvenanceCounts};
use crate::sim::{describe_fault, Sim};
use crate::spec::{BrokerId, Fault, NodeRef};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplicaSnapshot {
    pub partition: String,
    pub part: PartIdx,
    /// This broker believes it leads the partition (it may be a stale belief during a failover).
    pub is_leader: bool,
    /// The controller still names this broker leader, but it is down (not fenced yet).
    pub leader_down: bool,
    /// The controller has this broker in the partition's ISR.
    pub in_isr: bool,
    /// The first offset still in the log: retention or DeleteRecords deleted the records below it.
    pub log_start_offset: u64,
    pub log_end_offset: u64,
    pub high_watermark: u64,
    /// The leader epoch this broker knows for the partition.
    pub leader_epoch: u32,
    /// `(epoch, start offset)` pairs of the leader-epoch cache.
    pub epoch_cache: Vec<(u32, u64)>,
    /// The log's records by state, for a log bar (`None` on brokers holding more than
    /// [`STRIP_MAX_REPLICAS`] replicas).
    pub strip: Option<LogStrip>,
}

/// Brokers holding at most this many replicas get a [`LogStrip`] per replica in snapshots.
pub const STRIP_MAX_REPLICAS: usize = 16;
/// Segments of a log strip (a long log puts many records in each).
pub const STRIP_SEGMENTS: usize = 48;
/// Logs up to this long are examined record by record for their strip. Longer logs: the last
/// [`STRIP_TAIL_RECORDS`] records one by one, and [`STRIP_OLDER_SAMPLES`] older ones sampled (the
/// first record of every few batches, at an even stride: ten per segment), so a picture of a very
/// long run costs the same as a short one. Each sample is a few reads far apart in the run's tables
/// (cache misses, where the tail is read in order): with 2,000 of them the strips were most of a
/// snapshot of an hour-long run, and a presenter frame (nine strips) came near 100 ms in a tab.
pub const STRIP_EXACT_LOG: u64 = 8_000;
pub const STRIP_TAIL_RECORDS: u64 = 2_000;
pub const STRIP_OLDER_SAMPLES: usize = STRIP_SEGMENTS * 10;

/// What a record in a replica's log is, worst first (a strip segment shows its worst record).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// Acknowledged, but the partition's leader does not have it: this copy will be truncated.
    Lost,
    /// A second copy of a record already at an earlier offset of this log.
    Duplicate,
    /// At or above this replica's high watermark.
    Uncommitted,
    /// Committed, but its producer has no acknowledgement for it (yet, or it gave up).
    Unacknowledged,
    /// Committed and acknowledged.
    Acknowledged,
}

/// One replica's log in segments, each with the worst state of its records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogStrip {
    /// `(state, first offset, end offset)` runs covering `[0, log end offset)`, in offset order.
    pub runs: Vec<(RecordState, u64, u64)>,
    /// Lost records (their first copy in this log).
    pub lost: u64,
    /// Second and later copies of a record in this log, lost or not.
    pub duplicates: u64,
    pub unacknowledged: u64,
    /// The counts above are of the records from this offset on; older ones were sampled (see
    /// [`STRIP_EXACT_LOG`]).
    pub exact_from: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BrokerSnapshot {
    pub id: BrokerId,
    pub rack: Option<String>,
    pub running: bool,
    /// Fenced by the controller (missed heartbeats, shutting down, or not yet caught up), or a
    /// KRaft process started and not yet unfenced: it serves nothing, whatever the controller still
    /// says of its previous process (whose session may not have expired).
    pub fenced: bool,
    /// Cut off from every other node (`isolate`).
    pub isolated: bool,
    /// Extra processing delay (`slow broker`), µs.
    pub slow_us: u64,
    pub broker_epoch: u64,
    pub replicas: Vec<ReplicaSnapshot>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProducerSnapshot {
    pub name: String,
    pub topic: String,
    pub acks: &'static str,
    pub idempotent: bool,
    pub paused: bool,
    pub sent: u64,
    pub acknowledged: u64,
    pub failed: u64,
    /// Of `failed`, the records its value serializer refused (`SERIALIZATION_ERROR`).
    pub serialization_errors: u64,
    /// Records sent and not answered yet (neither acknowledged nor failed): the headline's
    /// pending, for this producer.
    pub pending: u64,
    pub requests_in_flight: usize,
    pub batches_queued: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConsumerSnapshot {
    pub name: String,
    /// Next offset to fetch per partition of its topic (`None` before the first fetch).
    pub positions: Vec<Option<u64>>,
    pub received: u64,
    /// Its consumer group, if it has a `group.id`.
    pub group: Option<String>,
    /// Crashed or closed (a `restart consumer` starts it again).
    pub stopped: bool,
    /// Stopped by a crash of its process (`crash consumer`), not closed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub crashed: bool,
    /// Records its value deserializer could not decode, and where it stopped at one (`orders-0
    /// @40`) with `LogAndFail`.
    pub deserialization_failures: u64,
    pub stopped_at: Vec<String>,
    /// Why its group membership stopped it for good (a fatal error from the coordinator, as
    /// `JoinGroup failed with INVALID_SESSION_TIMEOUT`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// Everything a view needs to draw the cluster at one instant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClusterSnapshot {
    pub time_us: u64,
    pub brokers: Vec<BrokerSnapshot>,
    /// The controller's view of every partition (leader, epoch, ISR, ELR, HW and LEO).
    pub partitions: Vec<PartitionView>,
    pub producers: Vec<ProducerSnapshot>,
    pub consumers: Vec<ConsumerSnapshot>,
    /// Active network faults, as scenario lines.
    pub network_faults: Vec<String>,
    pub provenance: ProvenanceCounts,
    pub trace_hash: String,
    pub events_processed: u64,
    /// Links that drop messages now (network partitions, isolated nodes): `(from, to)`.
    pub cut_links: Vec<(String, String)>,
    /// Requests and responses on the wire, earliest delivery first.
    pub in_flight: Vec<crate::sim::WireMessage>,
    /// The KRaft controller quorum, one per controller (empty without `controllers=N`).
    pub controllers: Vec<super::quorum::ControllerView>,
    /// The ZooKeeper-era controller runs the cluster (`controller=zookeeper`, or a version up to
    /// 3.9), not KRaft.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub zookeeper: bool,
}

/// One record in one replica's log, with what a log bar colours it by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogEntryView {
    pub offset: u64,
    pub record_id: RecordId,
    pub leader_epoch: u32,
    /// Below this replica's high watermark.
    pub committed: bool,
    /// The producer received a successful acknowledgement for this record.
    pub acknowledged: bool,
    /// An earlier offset of this log holds the same record (a duplicate written by a retry).
    pub duplicate: bool,
}

/// Where one copy of a record sits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordCopy {
    pub broker: BrokerId,
    pub offset: u64,
    pub leader_epoch: u32,
    pub below_high_watermark: bool,
}

/// [`RecordDeletion::by`] for a copy the log cleaner removed.
pub const CLEANER: &str = "the cleaner";

/// A copy of a record that retention or the cleaner removed from a replica's live log (the
/// replica's history keeps it, for the verdicts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordDeletion {
    pub broker: BrokerId,
    pub offset: u64,
    pub leader_epoch: u32,
    /// When (µs): the log's record of its start offset's moves, or the cleaner's notable events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_us: Option<u64>,
    /// What removed it: `retention.ms`, `retention.bytes`, `DeleteRecords`, `its leader's log
    /// start offset` (a follower), or [`CLEANER`] (compaction).
    pub by: &'static str,
    /// The log start offset after a deletion that moved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_start_offset: Option<u64>,
}

/// The whole story of one record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordStory {
    pub record_id: RecordId,
    pub producer: String,
    pub partition: String,
    pub key: Option<u32>,
    /// Its value, for a producer that draws values from a set (`values=`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub sent_us: u64,
    /// Its timestamp (`CreateTime`, ms): the send time, or earlier for a producer that stamps
    /// records late (`lateness=`).
    pub timestamp_ms: u64,
    pub attempts: u16,
    /// `(broker, offset, leader epoch, time)` of the first append on a leader.
    pub first_append: Option<(BrokerId, u64, u32, u64)>,
    pub leader_appends: u16,
    /// Its appends on a leader after the first, each `(broker, offset, leader epoch, time)`:
    /// the copies a retry wrote again.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub later_appends: Vec<(BrokerId, u64, u32, u64)>,
    pub acknowledged_us: Option<u64>,
    pub ack_offset: Option<u64>,
    pub failed: Option<&'static str>,
    pub committed_us: Option<u64>,
    pub consumed_us: Option<u64>,
    /// Every copy in a replica's live log right now.
    pub copies: Vec<RecordCopy>,
    /// The copies retention or the cleaner removed, in broker order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deleted: Vec<RecordDeletion>,
    /// A tombstone's delete horizon on the verdict source (ms): the first cleaning that rewrote
    /// its batch set it to that cleaning's time plus `delete.retention.ms`, and a cleaning after it
    /// removes the tombstone (KIP-534).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_horizon_ms: Option<u64>,
    /// A live tombstone's later record of its key in the verdict source's log (its offset): the
    /// first cleaning that reaches it removes the tombstone, whatever its delete horizon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded: Option<u64>,
    /// A tombstone: its producer sends null values (`value=null`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub tombstone: bool,
    /// The verdict now: `lost`, `unavailable`, `duplicated`, `committed`, `pending`, `failed`, …
    pub verdict: &'static str,
    /// Why, in a sentence.
    pub explanation: String,
    /// What the producer's value serializer made of it: format, subject, version and schema id
    /// (`None`: no schema serializer).
    pub serializer: Option<String>,
    /// Each consumer whose value deserializer threw on it: `(consumer, offset, when, reason,
    /// skipped)` — skipped by the application, or the consumer stopped there.
    pub deserialization_failures: Vec<(String, u64, u64, String, bool)>,
    /// Which group members' applications processed it, and in which generation: once, twice,
    /// or not at all (it may also have been processed and then lost to an unclean election).
    #[cfg(feature = "groups")]
    pub processed_by: Vec<RecordProcessing>,
    /// The groups that committed its partition past it without any member processing it
    /// (committed before processing, then a crash; or a seek or reset past it).
    #[cfg(feature = "groups")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub never_processed_by: Vec<String>,
    /// A Kafka Streams windowed count skipped it as late: which window, and how late.
    #[cfg(feature = "groups")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub late_drop: Option<crate::client::streams::windowed::LateDrop>,
    /// A Kafka Streams windowed count's repartition record: the input record a task `0_P`
    /// re-keyed into it, and an earlier copy of the same input record (a second copy).
    #[cfg(feature = "groups")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_of: Option<RepartitionCopy>,
    /// A Kafka Streams join result: the stream record it joined, and the table record whose
    /// value it found (`None`: a left join's null).
    #[cfg(feature = "groups")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_of: Option<(RecordId, Option<RecordId>)>,
    /// The join results that joined this record, as the stream's record or as the table's
    /// value: the first ten.
    #[cfg(feature = "groups")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub joined_into: Vec<StreamsOutput>,
    /// An inner join found no table value for it and forwarded nothing (each time it was
    /// processed).
    #[cfg(feature = "groups")]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub join_dropped: bool,
    /// A Kafka Streams windowed count's result: its window and count, and, for a final result
    /// (`emit=onWindowClose`) emitted again, the earlier emission.
    #[cfg(feature = "groups")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_result: Option<WindowResultOf>,
    /// For a record an inner join dropped: what the table held for its key as of its timestamp
    /// in the reference (one task reading both sides in timestamp order; see
    /// [`crate::view::streams::JoinResults`]).
    #[cfg(feature = "groups")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_expected: Option<JoinExpected>,
    /// Sent by a Kafka Streams instance's producer: its timestamp is its input's, not a
    /// producer's lateness.
    #[cfg(feature = "groups")]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub from_streams: bool,
}

/// A record a Kafka Streams instance sent (a join result, a window's result): which, when, and
/// which instance.
#[cfg(feature = "groups")]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StreamsOutput {
    pub result: RecordId,
    pub sent_us: u64,
    /// The Kafka Streams instance.
    pub by: String,
}

/// A windowed count's result record: which window, its count (`None`: a session's tombstone),
/// whether it is a final result, and the same window's earlier final result, if this one was
/// emitted again.
#[cfg(feature = "groups")]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WindowResultOf {
    pub window: String,
    pub key: String,
    pub count: Option<i64>,
    pub on_window_close: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earlier: Option<StreamsOutput>,
}

/// The table value a dropped stream record would have joined as of its timestamp.
#[cfg(feature = "groups")]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JoinExpected {
    /// The table record whose value it was, and that record's timestamp (ms).
    pub record: RecordId,
    pub timestamp_ms: u64,
    /// When a consumer first read the table record (µs; `None`: not yet), and whether that was
    /// after the stream record was first read (or never): the task could not have it then.
    pub first_read_us: Option<u64>,
    pub read_after: bool,
}

/// A group member's application processed a record.
#[cfg(feature = "groups")]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordProcessing {
    pub consumer: String,
    pub group: String,
    pub generation: i32,
    /// It was processed between these two instants (µs): when the first poll's records of the
    /// run of contiguous records it was processed in were done (or, if later, when it was first
    /// read), and when the run's last were (a member's runs are kept merged, not per poll).
    /// Equal for a run of one poll.
    pub from_us: u64,
    pub at_us: u64,
}

impl ClusterSnapshot {
    /// The outcome `expect` lines assert over, from this snapshot (no second pass over the logs).
    pub fn outcome(&self, sim: &Sim) -> crate::Outcome {
        sim.outcome_from(self.provenance.clone(), self.partitions.clone())
    }
}

impl Sim {
    /// The cluster at the current instant.
    pub fn snapshot(&self) -> ClusterSnapshot {
        let brokers = self
            .brokers
            .iter()
            .map(|b| BrokerSnapshot {
                id: b.id,
                rack: self.topo.racks[(b.id - 1) as usize].clone(),
                running: b.is_running(),
                fenced: !self.controller.is_active(b.id)
                    || (b.is_running() && !b.is_listening(self.topo.config.controller)),
                isolated: self.net.isolated.contains(&NodeRef::Broker(b.id)),
                slow_us: b.slow_us,
                broker_epoch: b.broker_epoch,
                replicas: b
                    .replicas
                    .values()
                    .map(|r| ReplicaSnapshot {
                        partition: self.topo.part_name(r.part).to_string(),
                        part: r.part,
                        is_leader: b.is_running() && r.is_leader(b.id),
                        leader_down: !b.is_running()
                            && self.controller.parts[r.part as usize].leader == Some(b.id),
                        in_isr: self.controller.parts[r.part as usize].isr.contains(&b.id),
                        log_start_offset: r.log.log_start_offset(),
                        log_end_offset: r.log.log_end_offset(),
                        high_watermark: r.log.high_watermark,
                        leader_epoch: r.state.leader_epoch,
                        epoch_cache: r.log.epoch_cache().to_vec(),
                        strip: (b.replicas.len() <= STRIP_MAX_REPLICAS)
                            .then(|| self.log_strip(r.part, b.id)),
                    })
                    .collect(),
            })
            .collect();
        let producers = self
            .producers
            .iter()
            .map(|p| ProducerSnapshot {
                name: p.spec.name.clone(),
                topic: p.spec.topic.clone(),
                acks: p.spec.config.acks.as_str(),
                idempotent: p.idempotent,
                paused: p.paused,
                sent: p.stats.sent,
                acknowledged: p.stats.acknowledged,
                failed: p.stats.failed,
                serialization_errors: p.stats.serialization_errors,
                pending: p
                    .stats
                    .sent
                    .saturating_sub(p.stats.acknowledged + p.stats.failed),
                requests_in_flight: p.in_flight.len(),
                batches_queued: p.queues.iter().map(|q| q.len()).sum(),
            })
            .collect();
        let consumers = self
            .consumers
            .iter()
            .map(|c| ConsumerSnapshot {
                name: c.name.to_string(),
                positions: c.positions.clone(),
                received: c.received,
                #[cfg(feature = "groups")]
                group: c.config.group.group_id.clone(),
                #[cfg(not(feature = "groups"))]
                group: None,
                stopped: c.stopped,
                crashed: c.crashed,
                deserialization_failures: c.poison.len() as u64,
                stopped_at: c
                    .poison
                    .iter()
                    .filter(|x| !x.skipped)
                    .map(|x| {
                        format!(
                            "{} @{}",
                            self.topo.part_name(c.subscribed.global(x.partition)),
                            x.offset
                        )
                    })
                    .collect(),
                #[cfg(feature = "groups")]
                failure: c.group.as_ref().and_then(|g| g.failure.clone()),
                #[cfg(not(feature = "groups"))]
                failure: None,
            })
            .collect();
        let mut network_faults: Vec<String> = self
            .net
            .partitions
            .iter()
            .map(|(groups, one_way)| {
                describe_fault(&Fault::Partition {
                    groups: groups.clone(),
                    one_way: *one_way,
                })
            })
            .collect();
        network_faults.extend(
            self.net
                .isolated
                .iter()
                .map(|n| describe_fault(&Fault::Isolate { node: n.clone() })),
        );
        ClusterSnapshot {
            time_us: self.now().as_us(),
            brokers,
            partitions: (0..self.topo.parts.len() as PartIdx)
                .map(|p| self.partition_view(p))
                .collect(),
            producers,
            consumers,
            network_faults,
            provenance: self.provenance_counts(),
            trace_hash: crate::trace::format_hash(self.trace_hash()),
            events_processed: self.events_processed,
            cut_links: self.cut_links(),
            in_flight: self.wire(),
            controllers: self.controller_views(),
            zookeeper: self.topo.config.zookeeper(),
        }
    }

    /// `broker`'s replica of `part` as a log strip of [`STRIP_SEGMENTS`] segments at most.
    pub fn log_strip(&self, part: PartIdx, broker: BrokerId) -> LogStrip {
        let mut strip = LogStrip {
            runs: Vec::new(),
            lost: 0,
            duplicates: 0,
            unacknowledged: 0,
            exact_from: 0,
        };
        let Some(r) = self
            .brokers
            .get((broker as usize).wrapping_sub(1))
            .and_then(|b| b.replicas.get(&part))
        else {
            return strip;
        };
        let leo = r.log.log_end_offset();
        let hw = r.log.high_watermark.min(leo);
        if leo == 0 {
            return strip;
        }
        let has_leader = self.verdict_source(part).is_some();
        // Copies on the leader come from the running verdict counts (current after `run_until`; if
        // events ran since, no copy is called lost).
        let current = self.provenance_counts_running().is_some();
        let segments = (leo as usize).min(STRIP_SEGMENTS) as u64;
        let seg_of = |offset: u64| offset * segments / leo;
        let mut worst: Vec<RecordState> = (0..segments)
            .map(|s| {
                // By offset alone: a segment reaching the HW holds uncommitted records.
                let end = ((s + 1) * leo).div_ceil(segments);
                if end > hw {
                    RecordState::Uncommitted
                } else {
                    RecordState::Acknowledged
                }
            })
            .collect();
        if leo > STRIP_EXACT_LOG {
            strip.exact_from = leo - STRIP_TAIL_RECORDS;
        }
        // The older records sampled as the first record of every few batches (each sample is two
        // reads of the run-wide batch store, where a partition's batches lie far apart), then the
        // tail record by record.
        let store = &self.batches;
        let mut records: Vec<(u64, RecordId)> = Vec::with_capacity(2 * STRIP_TAIL_RECORDS as usize);
        if strip.exact_from > 0 {
            let older = r.log.batch_index_of(strip.exact_from, store).unwrap_or(0);
            let stride = older.div_ceil(STRIP_OLDER_SAMPLES).max(1);
            for i in (0..older).step_by(stride) {
                let Some(e) = r.log.batches().get(i) else {
                    break;
                };
                records.push((store.get(e.batch).base_offset, store.record_id(e.batch, 0)));
            }
        }
        r.log
            .for_each_record_id_dyn(strip.exact_from, leo, store, &mut |o, id| {
                records.push((o, id))
            });
        for (offset, id) in records {
            let exact = offset >= strip.exact_from;
            let (acked, duplicate) = self.prov.acked_and_later_copy(id, offset, store);
            let lost = acked && has_leader && current && self.prov.scan.copies_of(id) == 0;
            let state = if lost {
                RecordState::Lost
            } else if duplicate {
                RecordState::Duplicate
            } else if offset >= hw {
                RecordState::Uncommitted
            } else if !acked {
                RecordState::Unacknowledged
            } else {
                RecordState::Acknowledged
            };
            if exact {
                // Records, not entries: a lost record's second copy is a duplicate copy, so the
                // count agrees with the headline's lost records.
                match state {
                    RecordState::Lost if duplicate => strip.duplicates += 1,
                    RecordState::Lost => strip.lost += 1,
                    RecordState::Duplicate => strip.duplicates += 1,
                    RecordState::Unacknowledged => strip.unacknowledged += 1,
                    _ => {}
                }
            }
            let w = &mut worst[seg_of(offset) as usize];
            *w = (*w).min(state);
        }
        for (s, state) in worst.into_iter().enumerate() {
            let (from, to) = (
                (s as u64 * leo).div_ceil(segments),
                ((s as u64 + 1) * leo).div_ceil(segments),
            );
            match strip.runs.last_mut() {
                Some(last) if last.0 == state => last.2 = to,
                _ => strip.runs.push((state, from, to)),
            }
        }
        strip
    }

    /// Records `[from, to)` of `broker`'s replica of `part` (empty if it has none).
    pub fn log_entries(
        &self,
        part: PartIdx,
        broker: BrokerId,
        from: u64,
        to: u64,
    ) -> Vec<LogEntryView> {
        let Some(r) = self
            .brokers
            .get((broker as usize).wrapping_sub(1))
            .and_then(|b| b.replicas.get(&part))
        else {
            return Vec::new();
        };
        let hw = r.log.high_watermark;
        let mut out = Vec::new();
        for (offset, rec) in r.log.records_in(from, to, &self.batches) {
            let info = self.prov.get(rec.record_id, &self.batches);
            let duplicate = info.is_some_and(|i| i.is_later_copy(offset));
            out.push(LogEntryView {
                offset,
                record_id: rec.record_id,
                leader_epoch: rec.leader_epoch,
                committed: offset < hw,
                acknowledged: info.is_some_and(|i| i.acked_us().is_some()),
                duplicate,
            });
        }
        out
    }

    /// What provenance knows of record `id` (`None` if no such record was sent).
    pub fn record(&self, id: RecordId) -> Option<crate::provenance::RecordView> {
        self.prov.get(id, &self.batches)
    }

    /// How broker `b`'s copy of record `id` at offset `off`, gone from its live log, went: below
    /// its log start offset (retention, DeleteRecords, or its leader's log start on a follower:
    /// the log's own record of its moves), or removed by the cleaner (the `Cleaned` events; the
    /// `nth` copy of the id the cleaner removed from this log takes its `nth` removal).
    fn deletion_of(
        &self,
        (b, part, log): (BrokerId, PartIdx, &crate::log::Log),
        (off, leader_epoch): (u64, u32),
        (id, sent): (RecordId, crate::SimTime),
        nth: usize,
    ) -> RecordDeletion {
        use crate::observe::trace::TraceKind;
        let name = self.topo.part_name(part);
        // Not before it was sent: after an unclean truncation an offset names other records. Only
        // a compacted topic's log is cleaned.
        let compacted = self.topo.log_config(part).cleanup.compact;
        let cleaned = self
            .notable_events_from(sent)
            .take_while(|_| compacted)
            .flat_map(|e| {
                let n = match &e.kind {
                    TraceKind::Cleaned {
                        partition,
                        broker,
                        removed,
                        ..
                    } if *broker == b && *partition == name => {
                        removed.iter().filter(|&&r| r == id).count()
                    }
                    _ => 0,
                };
                std::iter::repeat_n(e.time.as_us(), n)
            })
            .nth(nth);
        let moved = log.start_move_past(off, sent.as_us());
        let (at_us, by, log_start_offset) = match (cleaned, moved) {
            // A `compact,delete` topic's copy the cleaner dropped before retention moved the log
            // start past it.
            (Some(t), None) => (Some(t), CLEANER, None),
            (Some(t), Some(m)) if t <= m.at_us => (Some(t), CLEANER, None),
            (_, Some(m)) => (Some(m.at_us), m.cause.cause(), Some(m.to)),
            (None, None) if off < log.log_start_offset() => (
                None,
                crate::log::DeletionReason::LogStartOffset.cause(),
                Some(log.log_start_offset()),
            ),
            (None, None) => (None, CLEANER, None),
        };
        RecordDeletion {
            broker: b,
            offset: off,
            leader_epoch,
            at_us,
            by,
            log_start_offset,
        }
    }

    /// The batch of the live log (at or above the log start offset: the cleaner's kept part, then
    /// the history) that holds record `id` at `off`; `None` when retention or the cleaner
    /// removed it.
    fn live_batch_holding(
        &self,
        log: &crate::log::Log,
        off: u64,
        id: RecordId,
    ) -> Option<crate::log::BatchId> {
        if off < log.log_start_offset() {
            return None;
        }
        log.live_batches_from(off, &self.batches)
            .take_while(|&b| self.batches.get(b).base_offset <= off)
            .find(|&b| {
                let mut holds = false;
                self.batches.for_each_record_id(b, 0, |r| holds |= r == id);
                holds
            })
    }

    /// Whether a later record of record `id`'s key sits in `log` above `off` and below `end`,
    /// first appended on a leader at or before `t_us`. A cleaning that reaches `end` (its first
    /// uncleanable offset: the offset map holds the keys below it) removes a tombstone so
    /// superseded, whatever its delete horizon (`LogCleaner`: the key's latest offset is past it).
    fn superseded_at(
        &self,
        log: &crate::log::Log,
        (off, end): (u64, u64),
        id: RecordId,
        t_us: u64,
    ) -> Option<u64> {
        let key_of = |id: RecordId, out: &mut String| match self.prov.producer_and_key(id) {
            Some((p, Some(k))) => {
                out.clear();
                self.topo.producers[p as usize].write_key(k, out);
                true
            }
            _ => false,
        };
        let (mut key, mut other) = (String::new(), String::new());
        if !key_of(id, &mut key) {
            return None;
        }
        let end = end.min(log.log_end_offset());
        log.records_with_batch_in(off + 1, end, &self.batches)
            .find(|(_, _, rec)| {
                key_of(rec.record_id, &mut other)
                    && other == key
                    && self
                        .prov
                        .get(rec.record_id, &self.batches)
                        .and_then(|i| i.first_append())
                        .is_some_and(|a| a.3 <= t_us)
            })
            .map(|(o, _, _)| o)
    }

    /// The end offset of the cleaning on broker `b`'s log of `part` at `t_us` (the `Cleaned`
    /// event's `end_offset`).
    fn cleaning_end(&self, b: BrokerId, part: PartIdx, t_us: u64) -> Option<u64> {
        use crate::observe::trace::TraceKind;
        let name = self.topo.part_name(part);
        self.notable_events_from(crate::SimTime(t_us))
            .take_while(|e| e.time.as_us() == t_us)
            .find_map(|e| match &e.kind {
                TraceKind::Cleaned {
                    partition,
                    broker,
                    end_offset,
                    ..
                } if *broker == b && *partition == name => Some(*end_offset),
                _ => None,
            })
    }

    /// Why a record's copy on the verdict source is gone, in a sentence.
    fn deletion_reason(d: &RecordDeletion, tombstone: bool, superseded: bool) -> String {
        let why = match (d.by, d.log_start_offset) {
            (CLEANER, _) if tombstone && superseded => "a tombstone, the cleaner removed it: a \
                 later record has its key, and compaction keeps the latest of each key"
                .to_string(),
            (CLEANER, _) if tombstone => "a tombstone, the cleaner removed it past its delete \
                 horizon (delete.retention.ms): its key is gone from the log"
                .to_string(),
            (CLEANER, _) => "the cleaner removed it: a later record has its key, and \
                 compaction keeps the latest of each key"
                .to_string(),
            (by @ ("retention.ms" | "retention.bytes"), start) => format!(
                "deleted with its segment ({by}), which moved the log start to offset {}",
                start.unwrap_or(0)
            ),
            ("DeleteRecords", start) => format!(
                "below the log start offset, which a DeleteRecords request moved to {}",
                start.unwrap_or(0)
            ),
            (by, start) if by == crate::log::DeletionReason::LogStartOffset.cause() => {
                format!(
                    "below the log start offset, moved to {}",
                    start.unwrap_or(0)
                )
            }
            (by, start) => format!(
                "below the log start offset, moved to {} ({by})",
                start.unwrap_or(0)
            ),
        };
        format!("kept, then on broker {}: {why}", d.broker)
    }

    /// The story of record `id`, or `None` if no such record was sent.
    pub fn record_story(&self, id: RecordId) -> Option<RecordStory> {
        let info = self.prov.get(id, &self.batches)?;
        let part = info.part;
        let st = &self.controller.parts[part as usize];
        let source = self.verdict_source(part);
        let mut copies = Vec::new();
        let mut deleted: Vec<RecordDeletion> = Vec::new();
        let mut delete_horizon_ms = None;
        let mut superseded = None;
        let tombstone = self.topo.producers[info.producer as usize].null_value;
        // A copy on the verdict source that is committed (`Sim::copy_is_committed`): below its
        // high watermark, or passed by an earlier leader's that the source's has not caught up.
        let top = self.highest_hw(part);
        let mut committed_on_source = false;
        for &b in &self.topo.parts[part as usize].replicas {
            let Some(r) = self.brokers[(b - 1) as usize].replicas.get(&part) else {
                continue;
            };
            for (off, copy, rec) in r.log.records_with_batch(&self.batches) {
                if rec.record_id == id {
                    let Some(live) = self.live_batch_holding(&r.log, off, id) else {
                        let sent = crate::SimTime(info.sent_us);
                        let copy = (off, rec.leader_epoch);
                        let nth = deleted
                            .iter()
                            .filter(|d| d.broker == b && d.by == CLEANER)
                            .count();
                        let d = self.deletion_of((b, part, &r.log), copy, (id, sent), nth);
                        deleted.push(d);
                        continue;
                    };
                    if Some(b) == source && self.copy_is_committed(&r.log, top, off, copy) {
                        committed_on_source = true;
                    }
                    // A tombstone's delete horizon, set on its batch by the first cleaning that
                    // rewrote it (KIP-534).
                    if Some(b) == source && tombstone {
                        delete_horizon_ms =
                            Some(self.batches.delete_horizon_ms(live)).filter(|&h| h != u64::MAX);
                        superseded =
                            self.superseded_at(&r.log, (off, u64::MAX), id, self.now.as_us());
                    }
                    copies.push(RecordCopy {
                        broker: b,
                        offset: off,
                        leader_epoch: rec.leader_epoch,
                        below_high_watermark: off < r.log.high_watermark,
                    });
                }
            }
        }
        let on_leader = |copies: &[RecordCopy]| match source {
            Some(l) => copies.iter().filter(|c| c.broker == l).count(),
            None => 0,
        };
        let n = on_leader(&copies);
        // Copies on the verdict source that retention or the cleaner removed: a duplicate whose
        // first copy the cleaner dropped (the retry has the same key) was still written twice.
        let on_source_deleted = deleted.iter().filter(|d| Some(d.broker) == source).count();
        let acked = info.acked_us().is_some();
        let pspec = &self.producers[info.producer as usize].spec;
        let phase = pspec
            .phase_at(info.sent_us, Some(self.prov.seq(id)))
            .map(|i| &pspec.value_phases[i]);
        let (verdict, explanation) = if acked && source.is_none() {
            let why = if st.leader.is_some() {
                "its leader is down and no other in-sync replica runs, so the partition will have no leader: nobody can read it until a replica that has it leads again"
            } else {
                "the partition has no leader: nobody can read it until a replica that has it leads again"
            };
            ("unavailable", format!("acknowledged, but {why}"))
        } else if n == 0 && (on_source_deleted > 0 || self.prov.is_deleted(id)) {
            // Deleted by policy, never lost: on the verdict source, or on a replica whose copy
            // went, when the source holds no trace of it (a follower that started its emptied log
            // at its leader's log start keeps no history below it), as the verdict counts say.
            let d = deleted
                .iter()
                .find(|d| Some(d.broker) == source)
                .or(deleted.first());
            let why = match d {
                Some(d) => {
                    // Superseded by a later record of its key that the cleaning reached.
                    let superseded = tombstone
                        && d.by == CLEANER
                        && d.at_us.is_some_and(|t| {
                            let end = self.cleaning_end(d.broker, part, t).unwrap_or(u64::MAX);
                            self.brokers[(d.broker - 1) as usize]
                                .replicas
                                .get(&part)
                                .is_some_and(|r| {
                                    self.superseded_at(&r.log, (d.offset, end), id, t).is_some()
                                })
                        });
                    Self::deletion_reason(d, tombstone, superseded)
                }
                None => "retention or the cleaner deleted it, and no replica's log holds it now"
                    .to_string(),
            };
            ("deleted", why)
        } else if acked && n == 0 {
            // Counted on the replica the next election will make leader, while the controller
            // still names the crashed one: said in the future tense.
            let coming = matches!((source, st.leader), (Some(s), Some(l)) if s != l);
            let why = match (self.topo.unclean_enabled(part), info.acks_all, coming) {
                (true, _, false) => "an unclean election made a replica without it leader, and the others truncated to match",
                (true, _, true) => "an election will make a replica without it leader, and the others will truncate to match",
                (false, true, _) => "the replicas that had it were lost or truncated (see the trace for the truncation)",
                (false, false, false) => "acknowledged by the leader alone (acks=0/1); the leader failed before a follower copied it, and a follower without it became leader",
                (false, false, true) => "acknowledged by the leader alone (acks=0/1); the leader failed before a follower copied it, and a follower without it will become leader",
            };
            let whose = if coming { "broker" } else { "leader" };
            (
                "lost",
                format!(
                    "acknowledged but absent from {whose} {}'s log: {why}",
                    source.unwrap_or(0)
                ),
            )
        } else if n + on_source_deleted > 1 {
            (
                "duplicated",
                format!(
                    "{} copies in the leader's log{}: a retry was appended again after the first attempt had been written (no idempotence, or a new producer epoch)",
                    n + on_source_deleted,
                    if on_source_deleted > 0 {
                        format!(", {on_source_deleted} of them deleted since by retention or the cleaner")
                    } else {
                        String::new()
                    }
                ),
            )
        } else if let (Some(ErrorCode::SerializationError), Some(Err(why))) =
            (info.failed, phase.map(|p| &p.bytes))
        {
            (
                "failed",
                format!("the value serializer threw before the record reached the accumulator (SerializationException, SERIALIZATION_ERROR): {why}"),
            )
        } else if info.failed == Some(ErrorCode::MessageTooLarge) && info.attempts > 0 {
            (
                "failed",
                "the leader refused its batch as larger than the topic's max.message.bytes \
                 (RecordTooLargeException, MESSAGE_TOO_LARGE): a batch of one record is not \
                 retried"
                    .to_string(),
            )
        } else if info.failed == Some(ErrorCode::MessageTooLarge) {
            (
                "failed",
                format!(
                    "send() threw before the record reached the accumulator: it is larger than \
                     max.request.size ({} bytes) when serialized (RecordTooLargeException, \
                     MESSAGE_TOO_LARGE)",
                    pspec.config.max_request_size
                ),
            )
        } else if let Some(err) = info.failed {
            let what = if n > 0 {
                "the send failed, yet the record is in the leader's log: it was written before the error"
            } else {
                "the send failed and the record is not in the leader's log"
            };
            ("failed", format!("{what} ({})", err.name()))
        } else if copies
            .iter()
            .any(|c| Some(c.broker) == source && c.below_high_watermark)
        {
            (
                "committed",
                "below the leader's high watermark: every ISR member has it".into(),
            )
        } else if committed_on_source {
            (
                "committed",
                "an earlier leader's high watermark passed it: every in-sync replica has it, \
                 though this leader's own high watermark has not caught up with it yet"
                    .into(),
            )
        } else if n > 0 {
            (
                "uncommitted",
                "in the leader's log above its high watermark: not every ISR member has it yet"
                    .into(),
            )
        } else {
            ("pending", "not yet written to the leader".into())
        };
        let explanation = match (source, st.leader) {
            (Some(s), Some(l)) if s != l => format!(
                "{explanation} (counted on broker {s}: leader {l} is down and not yet fenced, and a clean election will then make {s} leader)"
            ),
            _ => explanation,
        };
        // A record is its offset and the leader epoch of its batch, where it was first appended
        // and wherever a copy is now.
        #[cfg(feature = "groups")]
        let processed_by = {
            let mut names: Vec<(u64, u32)> = copies
                .iter()
                .map(|c| (c.offset, c.leader_epoch))
                .chain(deleted.iter().map(|d| (d.offset, d.leader_epoch)))
                .collect();
            if let Some((_, off, epoch, _)) = info.first_append() {
                names.push((off, epoch));
            }
            let mut by = Vec::new();
            for c in &self.consumers {
                let Some(g) = &c.group else { continue };
                for r in c
                    .processed
                    .iter()
                    .filter(|r| c.subscribed.global(r.partition) == part)
                {
                    if names
                        .iter()
                        .any(|&(o, e)| e == r.leader_epoch && (r.from..r.to).contains(&o))
                    {
                        by.push(RecordProcessing {
                            consumer: c.name.to_string(),
                            group: g.group_id.clone(),
                            generation: r.generation,
                            // Not before it was first read: a run can begin before the
                            // record existed.
                            from_us: r
                                .first_at_us
                                .max(info.consumed_us().unwrap_or(info.sent_us))
                                .min(r.at_us),
                            at_us: r.at_us,
                        });
                    }
                }
            }
            crate::kernel::small::sort_by(&mut by, |a, b| a.at_us.cmp(&b.at_us));
            by
        };
        // On the log the verdicts read: its copy there.
        #[cfg(feature = "groups")]
        let never_processed_by = {
            let mut groups: Vec<String> = Vec::new();
            // A live copy only: records retention or the cleaner deleted are not "never
            // processed" (they are gone, counted `deleted`, as the groups' counts have it).
            if let Some(c) = copies.iter().find(|c| Some(c.broker) == source) {
                for g in self.consumers.iter().filter_map(|c| c.group.as_ref()) {
                    let g = g.group_id.to_string();
                    if groups.contains(&g) {
                        continue;
                    }
                    let skipped = self.committed_offset(&g, part).is_some_and(|committed| {
                        self.never_processed_by(&g, part, c.offset, committed)
                    });
                    if skipped {
                        groups.push(g);
                    }
                }
            }
            groups
        };
        #[cfg(feature = "groups")]
        let join_dropped = self.streams_values.unjoined.iter().any(|r| *r == id);
        Some(RecordStory {
            record_id: id,
            producer: self.producers[info.producer as usize].spec.name.clone(),
            partition: self.topo.part_name(part).to_string(),
            key: info.key(),
            value: self
                .topo
                .producers
                .get(info.producer as usize)
                .and_then(|p| {
                    let mut v = String::new();
                    p.values.write(p.value_of(self.prov.seq(id))?, &mut v);
                    Some(v)
                }),
            sent_us: info.sent_us,
            timestamp_ms: self
                .prov
                .timestamp_ms(id, &self.topo)
                .unwrap_or(info.sent_us / 1_000),
            attempts: info.attempts,
            first_append: info.first_append(),
            leader_appends: info.leader_appends,
            later_appends: if info.leader_appends > 1 {
                self.prov.later_appends(id, &self.batches)
            } else {
                Vec::new()
            },
            acknowledged_us: info.acked_us(),
            ack_offset: info.ack_offset(),
            failed: info.failed.map(ErrorCode::name),
            committed_us: info.committed_us(),
            consumed_us: info.consumed_us(),
            copies,
            deleted,
            delete_horizon_ms,
            superseded,
            tombstone,
            verdict,
            explanation,
            serializer: phase.map(|p| match &p.bytes {
                Ok(b) => format!("{}: {b} bytes of value", p.label),
                Err(_) => format!("{}: refused", p.label),
            }),
            deserialization_failures: self
                .consumers
                .iter()
                .flat_map(|c| {
                    c.poison.iter().filter(|x| x.record == id).map(|x| {
                        (
                            c.name.to_string(),
                            x.offset,
                            x.at_us,
                            x.reason.clone(),
                            x.skipped,
                        )
                    })
                })
                .collect(),
            #[cfg(feature = "groups")]
            processed_by,
            #[cfg(feature = "groups")]
            never_processed_by,
            #[cfg(feature = "groups")]
            late_drop: self
                .streams_values
                .late
                .iter()
                .rev()
                .find(|(r, _)| *r == id)
                .map(|(_, d)| d.clone()),
            #[cfg(feature = "groups")]
            join_of: self
                .streams_values
                .joined
                .find_sorted(id)
                .map(|j| (j.stream, j.table)),
            #[cfg(feature = "groups")]
            joined_into: self
                .streams_values
                .joined
                .iter()
                .filter(|(_, j)| j.stream == id || j.table == Some(id))
                .take(10)
                .map(|(r, _)| self.streams_output(*r))
                .collect(),
            #[cfg(feature = "groups")]
            join_dropped,
            #[cfg(feature = "groups")]
            window_result: self.window_result_of(part, id),
            #[cfg(feature = "groups")]
            from_streams: self.streams.iter().any(|s| s.producer == info.producer),
            #[cfg(feature = "groups")]
            join_expected: join_dropped.then(|| self.join_expected(id)).flatten(),
            #[cfg(feature = "groups")]
            copy_of: self.repartition_copy(part, id),
        })
    }

    /// Kafka Streams' output record `id`: when it was sent, and by which instance.
    #[cfg(feature = "groups")]
    fn streams_output(&self, id: RecordId) -> StreamsOutput {
        let info = self.prov.get(id, &self.batches);
        let by = info.and_then(|i| self.streams.iter().find(|s| s.producer == i.producer));
        StreamsOutput {
            result: id,
            sent_us: info.map_or(0, |i| i.sent_us),
            by: by.map_or(String::new(), |s| s.name.to_string()),
        }
    }

    /// Record `id` of partition `part` as a windowed count's result (see [`WindowResultOf`]):
    /// for a final result, the same window's and key's first result below it in the log.
    #[cfg(feature = "groups")]
    fn window_result_of(&self, part: PartIdx, id: RecordId) -> Option<WindowResultOf> {
        let first = self.streams.first()?;
        let w = first.spec.windowing.as_ref()?;
        let v = self.streams_values.windowed.get(id)?;
        let key = self.prov.producer_and_key(id).and_then(|(_, k)| k);
        let mut name = String::new();
        if let Some(k) = key {
            self.topo.producers[first.producer as usize].write_key(k, &mut name);
        }
        let mut earlier = None;
        if w.on_window_close && v.count.is_some() {
            if let Some(log) = self.verdict_log(part) {
                let mut done = false;
                log.for_each_record_id_dyn(0, log.log_end_offset(), &self.batches, &mut |_, r| {
                    done |= r == id;
                    if done || earlier.is_some() {
                        return;
                    }
                    let same =
                        self.streams_values.windowed.get(r).is_some_and(|o| {
                            (o.start, o.end) == (v.start, v.end) && o.count.is_some()
                        }) && self.prov.producer_and_key(r).and_then(|(_, k)| k) == key;
                    if same {
                        earlier = Some(r);
                    }
                });
                // Only below the record itself: one the log does not hold has none.
                if !done {
                    earlier = None;
                }
            }
        }
        Some(WindowResultOf {
            window: crate::client::streams::windowed::window_text(w, v.start, v.end),
            key: name,
            count: v.count,
            on_window_close: w.on_window_close,
            earlier: earlier.map(|r| self.streams_output(r)),
        })
    }

    /// What the table held for stream record `id`'s key as of its timestamp, in a stream–table
    /// join's reference (`None`: nothing, or no such join).
    #[cfg(feature = "groups")]
    fn join_expected(&self, id: RecordId) -> Option<JoinExpected> {
        // Both ways round equal timestamps (Kafka leaves their order open): else the drop is
        // not a mismatch.
        let (_, now, earlier) = self.join_reference_of(id)?;
        earlier?;
        let record = now?;
        let read_us = |r: RecordId| {
            self.prov
                .get(r, &self.batches)
                .and_then(|i| i.consumed_us())
        };
        let first_read_us = read_us(record);
        Some(JoinExpected {
            record,
            timestamp_ms: self.prov.timestamp_ms(record, &self.topo).unwrap_or(0),
            first_read_us,
            read_after: match (first_read_us, read_us(id)) {
                (None, _) => true,
                (Some(r), Some(c)) => r > c,
                (Some(_), None) => false,
            },
        })
    }

    /// What record `id` of partition `part` is a copy of, if it is a windowed count's
    /// repartition record (see [`RepartitionCopy`]).
    #[cfg(feature = "groups")]
    fn repartition_copy(&self, part: PartIdx, id: RecordId) -> Option<RepartitionCopy> {
        let s = self.streams.first()?;
        s.spec.windowing.as_ref()?;
        let topic = |name: &str| {
            let t = self.topo.topic_index(name)?;
            Some(&self.topo.topics[t as usize])
        };
        let r = topic(&s.spec.repartition_topic()?)?;
        if !(r.first_part..r.first_part + r.partitions).contains(&part) {
            return None;
        }
        let src = self.streams_values.get(id)?;
        let (q, offset) = crate::client::streams::source_parts(src);
        let input = topic(&s.spec.input)?.first_part + q;
        let mut record = None;
        if let Some(log) = self.verdict_log(input) {
            log.for_each_record_id_dyn(offset, offset + 1, &self.batches, &mut |_, r| {
                record = Some(r)
            });
        }
        // The same source among the records sent before it, in the repartition topic (the
        // other values are counts and record ids) and committed there: a copy still in flight
        // when its instance died never reached the log.
        let earlier = self
            .streams_values
            .before(id)
            .filter(|e| e.1 == src)
            .map(|e| e.0)
            .find(|&e| {
                self.prov
                    .get(e, &self.batches)
                    .is_some_and(|v| v.part == part && v.committed_us().is_some())
            });
        Some(RepartitionCopy {
            input: self.topo.part_name(input).to_string(),
            offset,
            record,
            earlier,
        })
    }
}

/// A repartition record's source: the input partition and offset a task `0_P` read it from, the
/// input record (if the log still has it), and an earlier copy of it, when this one was written
/// again after a crash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RepartitionCopy {
    pub input: String,
    pub offset: u64,
    pub record: Option<RecordId>,
    pub earlier: Option<RecordId>,
}
