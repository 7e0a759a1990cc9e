//! A Kafka Streams application instance with one stream thread (`StreamThread`, `TaskManager`,
//! `StreamTask`, `StoreChangelogReader`), running `groupByKey().count()` (`config/streams.rs`).
//!
//! The instance drives three clients the engine runs as ordinary actors: the main consumer (a
//! member of the `application.id` group), the restore consumer and the producer. The engine calls
//! [`StreamsInstance::step`] after each event one of them handled; the step
//!
//! 1. follows the main consumer's assignment: a partition newly assigned is a task (`0_P`) that
//!    starts **restoring** — the restore consumer is assigned the changelog partition `P` and reads
//!    it from its start up to its end offset, putting every count back into the task's store — and a
//!    partition taken away closes its task (its store is dropped);
//! 2. moves a restored task to **running**: the main consumer may fetch its partition;
//! 3. runs every record the main consumer's loop processed through the topology: the count of its
//!    key goes up by one; without a cache the new count is written to the changelog and sent to the
//!    output topic at once, with one it waits in the cache (the last count per key) until the task
//!    commits (`statestore.cache.max.bytes`);
//! 4. flushes when the main consumer wants to commit (every `commit.interval.ms`, when a
//!    rebalance revokes tasks — with the revoked tasks' caches —, on close): the caches are emptied into the producer, and once the producer has nothing
//!    unacknowledged the consumer commits what it processed (`TaskManager.commit`).
//!
//! A crash loses the instance's memory: stores, caches, the producer's unsent records. Its tasks
//! are restored from the changelogs by whichever instance gets them next. Under `at_least_once`
//! the records processed since the last commit are processed again, so a count whose update
//! reached the changelog before the crash is counted twice (see `view/streams.rs`).
//!
//! Every count the producer sends is kept in [`StreamsValues`] by record id: the value of a record
//! on the wire, read back by the restore consumer and by the outcome.

pub mod join;
pub mod windowed;

use crate::chunked::ChunkVec;
use crate::config::streams::{KeyValueMap, StreamsSpec, COUNT_VALUE_BYTES};
use crate::consumer::Consumer;
use crate::ctx::Ctx;
use crate::log::RecordId;
use crate::producer::Producer;
use crate::trace::TraceKind;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The values of the counts the instances' producers sent, by record id (ids only grow, so the
/// table is sorted). Clones (checkpoints) share all but its last chunk.
#[derive(Clone, Debug, Default)]
pub struct StreamsValues {
    values: ChunkVec<(RecordId, i64)>,
    /// Windowed counts (and tombstones) by record id.
    pub windowed: windowed::WindowedValues,
    /// What each task committed with its offsets as processor metadata: the windowed count's
    /// `lastEmitWindowCloseTime`, by application and task index (`1_P` is `n + P`; a few entries:
    /// a list).
    pub committed_close: Vec<((String, u32), i64)>,
    /// Records a windowed count skipped as late, in the order they were skipped (a record
    /// processed again may be skipped again: its last skip is the last entry with its id).
    pub late: Vec<(RecordId, windowed::LateDrop)>,
    /// What each join result joined, by record id.
    pub joined: ChunkVec<(RecordId, join::Joined)>,
    /// A stream–stream join's changes of its shared outer store, by changelog record id.
    pub outer: ChunkVec<(RecordId, join::OuterChange)>,
    /// Stream records an inner join found no table value for (and forwarded nothing), in the
    /// order processed.
    pub unjoined: ChunkVec<RecordId>,
    /// A stream–stream join's records processed more than grace behind the newest record of the
    /// task's stores, in the order processed.
    pub join_late: ChunkVec<RecordId>,
}

impl StreamsValues {
    pub fn push(&mut self, id: RecordId, value: i64) {
        debug_assert!(self.values.last().is_none_or(|l| l.0 < id), "ids grow");
        self.values.push((id, value));
    }

    /// The value of record `id`, if an instance sent it.
    pub fn get(&self, id: RecordId) -> Option<i64> {
        self.values.find_sorted(id)
    }

    /// The values recorded for records sent before `id`, in send order.
    pub fn before(&self, id: RecordId) -> impl Iterator<Item = &(RecordId, i64)> + '_ {
        self.values.iter().take_while(move |e| e.0 < id)
    }

    pub fn clone_bytes(&self) -> u64 {
        self.values.clone_bytes()
            + self.windowed.clone_bytes()
            + self.late.len() as u64 * 128
            + self.committed_close.len() as u64 * 64
            + self.joined.clone_bytes()
            + self.unjoined.clone_bytes()
            + self.join_late.clone_bytes()
            + self.outer.clone_bytes()
    }
}

/// A task's lifecycle (`Task.State`, the ones the simulator shows).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TaskState {
    Restoring,
    Running,
}

/// A task (`0_P`: sub-topology 0, partition P of the input topic; `1_P`: sub-topology 1 after a
/// repartition topic, its partition P) and its store.
#[derive(Clone, Debug, Serialize)]
pub struct Task {
    pub partition: u32,
    /// 0, or 1 for the count after `groupBy`'s repartition topic (then sub-topology 0's tasks
    /// are stateless: they re-key and write the repartition topic).
    pub subtopology: u32,
    pub state: TaskState,
    /// The store: the count per key (the key's index in the input's key set) and its timestamp
    /// (`ValueAndTimestamp`: the newest timestamp of the records counted, ms).
    pub store: BTreeMap<u32, (i64, u64)>,
    /// The cache's dirty keys, in the order they were first updated since the last flush.
    #[serde(skip)]
    pub dirty: DirtyKeys,
    /// When restoring began, and how many changelog records it read.
    pub restore_from_us: u64,
    pub restored_records: u64,
    /// Records processed since the task was created.
    pub processed: u64,
    /// It skipped a record with a null key or value (the trace notes the first).
    #[serde(skip)]
    pub skipped: bool,
    /// The windowed count's processor and cache, for a windowed topology.
    #[serde(skip)]
    pub windowed: Option<Box<windowed::WindowedTask>>,
    /// The join's queues, for a stream–table join (then `store` is the table: per key, the id of
    /// the table record whose value it holds, or [`join::TABLE_TOMBSTONE`], and its timestamp).
    #[serde(skip)]
    pub join: Option<Box<join::JoinTask>>,
}

/// A cache's dirty keys, in the order last updated since the last flush (`NamedCache.put`:
/// "first remove and then add so we can maintain ordering as the arrival order of the records"),
/// each found by a hash rather than a scan (a cache of a million keys is a lookup per update, not
/// a million).
#[derive(Clone, Debug, Default)]
pub struct DirtyKeys {
    keys: Vec<u32>,
    order: crate::kernel::recency::Recency,
    index: crate::kernel::position_index::PositionIndex,
}

impl DirtyKeys {
    fn hash(key: u32) -> u64 {
        crate::kernel::position_index::mix(key as u64)
    }

    fn position(&self, key: u32) -> Option<usize> {
        self.index.find(Self::hash(key), |p| self.keys[p] == key)
    }

    pub fn contains(&self, key: u32) -> bool {
        self.position(key).is_some()
    }

    /// Marks `key` updated now: it moves behind every key updated before.
    pub fn insert(&mut self, key: u32) {
        if let Some(p) = self.position(key) {
            self.order.touch(p);
            return;
        }
        self.keys.push(key);
        self.order.push();
        let keys = &self.keys;
        self.index
            .insert(Self::hash(key), keys.len() - 1, |p| Self::hash(keys[p]));
    }

    /// The keys in the order last updated; the cache is empty after.
    pub fn take(&mut self) -> Vec<u32> {
        self.index.clear();
        let keys = std::mem::take(&mut self.keys);
        self.order.take().into_iter().map(|p| keys[p]).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl Task {
    /// Its id as Kafka Streams names it (`TaskId`: `<sub-topology>_<partition>`).
    pub fn id(&self) -> String {
        format!("{}_{}", self.subtopology, self.partition)
    }

    /// What its stores hold: windows (a windowed count), records (a stream–stream join's two
    /// window stores) or keys.
    pub fn held(&self) -> u64 {
        match (
            &self.windowed,
            self.join.as_ref().and_then(|j| j.windows.as_ref()),
        ) {
            (Some(wt), _) => wt.processor.live_windows() as u64,
            (None, Some(wj)) => wj.stores[0].len + wj.stores[1].len,
            (None, None) => self.store.len() as u64,
        }
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A finished restoration, for the views.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Restoration {
    pub partition: u32,
    /// The task's sub-topology (`1` for `groupBy`'s count after its repartition topic).
    #[serde(skip_serializing_if = "is_zero")]
    pub subtopology: u32,
    pub from_us: u64,
    pub to_us: u64,
    pub records: u64,
    /// The store's keys when it was restored.
    pub keys: u64,
}

/// One `streams` line of the scenario: its clients and its tasks.
#[derive(Clone, Debug, Serialize)]
pub struct StreamsInstance {
    pub name: Arc<str>,
    pub application_id: String,
    #[serde(skip)]
    pub spec: Arc<StreamsSpec>,
    /// The main consumer, the restore consumer and the producer (indexes in the engine's lists).
    pub consumer: u32,
    pub restore_consumer: u32,
    pub producer: u32,
    /// Tasks by input partition.
    pub tasks: Vec<Option<Task>>,
    pub restorations: Vec<Restoration>,
    /// Tasks revoked by a rebalance whose cache still holds updates: flushed with the commit of
    /// the revoked tasks (`TaskManager.handleRevocation`), then gone.
    #[serde(skip)]
    closing: Vec<Task>,
    /// Records dropped by the count: a null key or a null value (`dropped-records`, "Skipping
    /// record due to null key or value").
    pub dropped_null_key: u64,
    /// Records the `filter` stopped.
    pub filtered: u64,
    /// Skips of a record for an expired window (`dropped-records`, "Skipping record for expired
    /// window": one for each window a record was late for).
    pub dropped_late: u64,
    /// Windows and sessions its windowed processors read or wrote over the run (bounded by
    /// `windowed::MAX_WINDOW_WORK`).
    pub window_work: u64,
    /// Records processed (each time: a record processed again counts again).
    pub processed: u64,
    /// Updates forwarded downstream (sent to the output topic).
    pub forwarded: u64,
    /// A join's stream records joined with a table value, those that found none, table records
    /// applied, and times a task processed past an empty partition (`enforced-processing-total`).
    pub joined: u64,
    pub unmatched: u64,
    pub table_updates: u64,
    pub enforced: u64,
    /// A stream–stream join's records that came more than grace behind the newest record its
    /// stores saw, and records its stores skipped as expired.
    pub join_late: u64,
    pub join_expired: u64,
    /// The input's partitions (one task each).
    partitions: u32,
    pub crashed: bool,
}

impl StreamsInstance {
    pub fn new(
        spec: &StreamsSpec,
        consumer: u32,
        restore_consumer: u32,
        producer: u32,
        input_partitions: u32,
    ) -> Self {
        StreamsInstance {
            name: spec.name.as_str().into(),
            application_id: spec.config.application_id.clone(),
            spec: Arc::new(spec.clone()),
            consumer,
            restore_consumer,
            producer,
            // `groupBy`: tasks 0_P (local partition P), then 1_P (the repartition topic's P).
            tasks: vec![None; input_partitions as usize * (1 + spec.repartitioned() as usize)],
            restorations: Vec::new(),
            closing: Vec::new(),
            dropped_null_key: 0,
            filtered: 0,
            dropped_late: 0,
            window_work: 0,
            processed: 0,
            forwarded: 0,
            joined: 0,
            unmatched: 0,
            table_updates: 0,
            enforced: 0,
            join_late: 0,
            join_expired: 0,
            partitions: input_partitions,
            crashed: false,
        }
    }

    fn note(&self, ctx: &mut Ctx, text: String) {
        ctx.emit(TraceKind::Group {
            group: self.application_id.clone(),
            text: format!("{}: {text}", self.name),
        });
    }

    /// Whether the main consumer's assignment takes a task away from this instance (a task it
    /// runs is no longer assigned): [`Self::follow_assignment`] would close it.
    pub fn assignment_moves(&self, main: &Consumer) -> bool {
        let assigned: &[bool] = match &main.group {
            Some(g) if !main.stopped && !self.crashed => &g.assigned,
            _ => return false,
        };
        self.tasks
            .iter()
            .enumerate()
            .any(|(p, t)| t.is_some() && !assigned.get(p).copied().unwrap_or(false))
    }

    /// Follows the main consumer's assignment: new tasks restore, revoked tasks close.
    /// `main` is borrowed in the main consumer's context; `restore` needs its own, so the
    /// partitions to assign by hand are returned: `(partition, assign)`.
    pub fn follow_assignment(
        &mut self,
        ctx: &mut Ctx,
        main: &mut Consumer,
        values: &StreamsValues,
    ) -> Vec<(u32, bool)> {
        let mut changes = Vec::new();
        if self.crashed {
            return changes;
        }
        let assigned: Vec<bool> = match &main.group {
            Some(g) if !main.stopped => g.assigned.clone(),
            _ => vec![false; self.tasks.len()],
        };
        // A join's task P reads the input's partition P and the table's (`stream` assigns them
        // together): the input's says.
        let joins = self.spec.join.is_some();
        let n = self.partitions;
        for (p, &on) in assigned.iter().enumerate().take(self.tasks.len()) {
            let p32 = p as u32;
            // `groupBy`'s sub-topology 0 has no store: its tasks run at once.
            let stateless = self.spec.repartitioned() && p32 < n;
            match (&self.tasks[p], on) {
                (None, true) => {
                    self.tasks[p] = Some(Task {
                        partition: p32 % n,
                        subtopology: p32 / n * self.spec.repartitioned() as u32,
                        state: if stateless {
                            TaskState::Running
                        } else {
                            TaskState::Restoring
                        },
                        store: BTreeMap::new(),
                        dirty: DirtyKeys::default(),
                        restore_from_us: ctx.now.as_us(),
                        restored_records: 0,
                        processed: 0,
                        skipped: false,
                        // A windowed count's processor (in sub-topology 1 after a repartition).
                        windowed: self
                            .spec
                            .windowing
                            .as_ref()
                            .filter(|_| !stateless)
                            .map(|w| {
                                let close = values
                                    .committed_close
                                    .iter()
                                    .find(|((app, part), _)| {
                                        *app == self.application_id && *part == p32
                                    })
                                    .map(|e| e.1);
                                Box::new(windowed::WindowedTask::new(
                                    w,
                                    self.spec.aggregate(),
                                    close,
                                ))
                            }),
                        join: joins.then(|| {
                            Box::new(join::JoinTask {
                                windows: self.window().map(|_| Box::new(join::WindowJoin::new())),
                                ..Default::default()
                            })
                        }),
                    });
                    let id = self.tasks[p].as_ref().expect("just made").id();
                    if stateless {
                        main.set_task_ready(ctx, p32, true);
                        self.note(
                            ctx,
                            format!("task {id} assigned; stateless, it processes at once"),
                        );
                        continue;
                    }
                    for part in self.task_parts(p32) {
                        main.set_task_ready(ctx, part, false);
                    }
                    changes.push((p32, true));
                    self.note(
                        ctx,
                        format!("task {id} assigned; restoring its store from the changelog"),
                    );
                }
                (Some(t), false) => {
                    let running = t.state == TaskState::Running;
                    let task = self.tasks[p].take().expect("matched");
                    let id = task.id();
                    // Revoked from a live member: its updates are flushed before the commit.
                    let dirty = !task.dirty.is_empty()
                        || task.windowed.as_ref().is_some_and(|w| w.has_dirty());
                    if running && !main.stopped && dirty {
                        self.closing.push(task);
                    }
                    for part in self.task_parts(p32) {
                        main.set_task_ready(ctx, part, false);
                    }
                    if !running {
                        changes.push((p32, false));
                    }
                    // Closed with its instance (`TaskManager.shutdown`): nothing was revoked.
                    let how = if main.stopped {
                        "closed with its instance"
                    } else {
                        "revoked"
                    };
                    self.note(ctx, format!("task {id} {how}; its store is closed"));
                }
                _ => {}
            }
        }
        changes
    }

    /// A stream–stream join's windows.
    pub fn window(&self) -> Option<crate::config::streams::JoinWindow> {
        self.spec.join.as_ref().and_then(|j| j.window)
    }

    /// The restore consumer's partitions of task `0_P`: `P` of each changelog (a stream–stream
    /// join has two, one after the other).
    /// `groupBy`'s task `1_P` restores changelog partition `P`; its `0_P` has no store.
    pub fn restore_parts(&self, task: u32) -> impl Iterator<Item = u32> {
        let n = self.partitions;
        let (stores, task) = match &self.spec.join {
            Some(j) if j.window.is_some() => {
                (j.stores(self.spec.filter.is_some()).len() as u32, task)
            }
            _ if self.spec.repartitioned() => ((task >= n) as u32, task % n),
            _ => (1, task),
        };
        (0..stores).map(move |s| s * n + task)
    }

    /// The task a restore consumer's partition belongs to, and which of its stores it restores.
    fn restore_task(&self, p: u32) -> (u32, usize) {
        let n = self.partitions;
        if self.spec.repartitioned() {
            return (n + p, 0);
        }
        (p % n, (p / n) as usize)
    }

    /// The main consumer's partitions of task `0_P`: the input's `P`, and the table's for a join
    /// (`groupBy`'s tasks read one each: the task's index is its partition's).
    pub fn task_parts(&self, task: u32) -> impl Iterator<Item = u32> {
        let [stream, table] = join::parts(task, self.partitions);
        std::iter::once(stream).chain(self.spec.join.is_some().then_some(table))
    }

    /// Takes what the restore consumer read into the restoring stores; returns the partitions
    /// whose restoration finished (to unassign from the restore consumer and resume).
    pub fn restore(
        &mut self,
        ctx: &mut Ctx,
        restore: &mut Consumer,
        values: &StreamsValues,
    ) -> Vec<u32> {
        let window = self.window();
        for (p, _offset, rid) in restore.take_read() {
            let (task, side) = self.restore_task(p);
            let Some(t) = self.tasks[task as usize].as_mut() else {
                continue;
            };
            if t.state != TaskState::Restoring {
                continue;
            }
            let key = ctx.prov.producer_and_key(rid).and_then(|(_, k)| k);
            if let (Some(w), Some(wj)) = (&window, t.join.as_mut().and_then(|j| j.windows.as_mut()))
            {
                if side == 2 {
                    // The shared outer store: a record added to a list, or a list deleted.
                    if let Some(c) = values.outer.find_sorted(rid) {
                        let k = (c.ts, c.side, c.key);
                        if c.record < 0 {
                            wj.outer.remove(&k);
                        } else {
                            wj.outer.get_or_default(k).push(c.record as RecordId);
                        }
                    }
                    t.restored_records += 1;
                    continue;
                }
                // A window store's changelog record: the record put, with its timestamp
                // (restoring puts it back through the segments' expiry).
                if let (Some(k), Some(v)) = (key, values.get(rid).filter(|&v| v >= 0)) {
                    let ts = ctx.prov.timestamp_ms(rid, ctx.topo).unwrap_or(0);
                    wj.stores[side].put(k, ts, v as RecordId, w);
                }
                t.restored_records += 1;
                continue;
            }
            match (&mut t.windowed, self.spec.windowing.as_ref(), key) {
                (Some(wt), Some(w), Some(k)) => {
                    if let Some(v) = values.windowed.get(rid) {
                        wt.restore(w, k, &v);
                    }
                }
                _ => {
                    if let (Some(k), Some(v)) = (key, values.get(rid)) {
                        // The changelog record's timestamp is the count's (`ChangeLoggingKeyValueBytesStore`).
                        let ts = ctx.prov.timestamp_ms(rid, ctx.topo).unwrap_or(0);
                        if v == join::TABLE_TOMBSTONE {
                            t.store.remove(&k);
                        } else {
                            t.store.insert(k, (v, ts));
                        }
                    }
                }
            }
            t.restored_records += 1;
        }
        let mut done = Vec::new();
        let now = ctx.now.as_us();
        for p in 0..self.tasks.len() {
            let restored = self
                .restore_parts(p as u32)
                .all(|part| restore.restored(part));
            let Some(t) = self.tasks[p].as_mut() else {
                continue;
            };
            if t.state == TaskState::Restoring && restored {
                t.state = TaskState::Running;
                let r = Restoration {
                    partition: t.partition,
                    subtopology: t.subtopology,
                    from_us: t.restore_from_us,
                    to_us: now,
                    records: t.restored_records,
                    keys: t.held(),
                };
                let what = if t.windowed.is_some() {
                    "windows"
                } else if window.is_some() {
                    "records in the join windows"
                } else {
                    "keys"
                };
                let text = format!(
                    "task {} restored {} records ({} {what}) in {} ms; processing",
                    t.id(),
                    r.records,
                    r.keys,
                    (r.to_us - r.from_us) / 1_000
                );
                self.restorations.push(r);
                self.note(ctx, text);
                done.push(p as u32);
            }
        }
        done
    }

    /// Runs the processed records through the topology, sending what it forwards now. A join
    /// queues them and processes what timestamp order allows; it returns the partitions whose
    /// fetching to pause (`true`) or resume.
    pub fn process(
        &mut self,
        ctx: &mut Ctx,
        records: Vec<(u32, u64, RecordId)>,
        main: &mut Consumer,
        producer: &mut Producer,
        values: &mut StreamsValues,
    ) -> Vec<(u32, bool)> {
        if self.spec.join.is_some() {
            return self.process_join(ctx, records, main, producer, values);
        }
        let cached = self.spec.config.cache_max_bytes > 0;
        // Session and sliding windows emitting on close have no cache
        // (`SessionStoreMaterializer`, `SlidingWindowStoreMaterializer`: "do not enable cache if
        // the emit final strategy is used"); time windows keep theirs.
        let window_cached = cached
            && self.spec.windowing.as_ref().is_none_or(|w| {
                !w.on_window_close
                    || matches!(w.windows, crate::config::streams::Windows::Time { .. })
            });
        for (p, offset, rid) in records {
            let Some(t) = self.tasks[p as usize].as_mut() else {
                continue;
            };
            self.processed += 1;
            t.processed += 1;
            // `KSTREAM-FILTER`: a record that fails the predicate goes no further (the windowed
            // aggregate's stream time is its own, so it does not move either). Before a
            // `groupBy` it is in sub-topology 0: the repartition topic holds only what passed.
            if let Some(f) = self.spec.filter.as_ref().filter(|_| t.subtopology == 0) {
                let (from, key) = ctx.prov.producer_and_key(rid).unwrap_or((0, None));
                if !f.keeps(&ctx.topo.producers[from as usize], ctx.prov.seq(rid), key) {
                    self.filtered += 1;
                    continue;
                }
            }
            if self.spec.repartitioned() && t.subtopology == 0 {
                // `KSTREAM-KEY-SELECT` (or `KSTREAM-MAP`), then the repartition sink: the value
                // becomes the key (`map=key,value` keeps the key); the record (timestamp
                // unchanged; the value too, or the old key after `map=value,key`) goes to the
                // repartition topic's partition for its new key (`murmur2`, as the default
                // partitioner).
                let (from, old_key) = ctx.prov.producer_and_key(rid).unwrap_or((0, None));
                let info = &ctx.topo.producers[from as usize];
                let seq = ctx.prov.seq(rid);
                let (value, bytes) = match self.spec.map {
                    Some(KeyValueMap::KeyValue) => (old_key, info.value_bytes_of(seq)),
                    Some(KeyValueMap::ValueKey) => {
                        let mut text = String::new();
                        if let Some(k) = old_key {
                            info.write_key(k, &mut text);
                        }
                        (info.value_of(seq), text.len() as u32)
                    }
                    None => (info.value_of(seq), info.value_bytes_of(seq)),
                };
                let ts = ctx.prov.timestamp_ms(rid, ctx.topo).unwrap_or(0);
                let n = self.partitions;
                let part = value.map_or(t.partition, |v| {
                    let mut key = String::new();
                    ctx.topo.producers[self.producer as usize].write_key(v, &mut key);
                    crate::client::partitioner::partition_for_key(key.as_bytes(), n)
                });
                // The repartition topic follows the changelog in the producer's list.
                let id = producer.send_now(ctx, value, Some(producer.partitions + n + part), bytes);
                ctx.prov.set_timestamp(id, ts);
                // Where the copy came from (input partition, offset): a windowed count's reference
                // counts each input record once, its first copy.
                if self.spec.windowing.is_some() {
                    values.push(id, source_of(t.partition, offset));
                }
                self.forwarded += 1;
                continue;
            }
            // `KStreamAggregate` and `KStreamSlidingWindowAggregate` skip a record with a null key
            // or a null value (a tombstone); `KStreamWindowAggregate` and
            // `KStreamSessionWindowAggregate` only a null key (a count counts a null value).
            let (key, null_value, _) = record_of(ctx, rid);
            let values_matter = skips_null_values(self.spec.windowing.as_ref());
            // What the record adds: one to a count; its value (`Long.parseLong`) to a sum or a
            // maximum.
            let aggregate = self.spec.aggregate();
            let add = if aggregate != crate::config::streams::Aggregate::Count {
                ctx.prov.producer_and_key(rid).and_then(|(from, _)| {
                    let info = &ctx.topo.producers[from as usize];
                    info.values.number(info.value_of(ctx.prov.seq(rid))?)
                })
            } else {
                Some(1)
            };
            let Some((key, add)) = key.filter(|_| !(null_value && values_matter)).zip(add) else {
                self.dropped_null_key += 1;
                // Kafka logs a warning for each; the trace keeps a task's first.
                if !t.skipped {
                    t.skipped = true;
                    let what = if values_matter {
                        "null key or value"
                    } else {
                        "null key"
                    };
                    let topic = match t.subtopology {
                        0 => self.spec.input.clone(),
                        _ => self.spec.repartition_topic().unwrap_or_default(),
                    };
                    let text = format!(
                        "task {}: Skipping record due to {what}. topic=[{topic}] \
                         partition=[{}] offset=[{offset}] (dropped-records)",
                        t.id(),
                        t.partition
                    );
                    self.note(ctx, text);
                }
                continue;
            };
            let (sub, part) = (t.subtopology, t.partition);
            if let Some(wt) = t.windowed.as_mut() {
                let ts = ctx.prov.timestamp_ms(rid, ctx.topo).unwrap_or(0) as i64;
                let before = wt.processor.work();
                let out = wt.process(key, ts, add, window_cached);
                self.window_work += wt.processor.work() - before;
                for (k, v) in out.changelog {
                    send_windowed(ctx, producer, values, Some(part), k, v);
                }
                for (k, v) in out.output {
                    self.forwarded += 1;
                    send_windowed(ctx, producer, values, None, k, v);
                }
                if let Some(d) = out.dropped {
                    self.dropped_late += out.dropped_windows;
                    let w = self.spec.windowing.as_ref().expect("a windowed task");
                    if let khafka_streams::DropReason::ExpiredWindow {
                        window,
                        expiration,
                        stream_time,
                    } = &d.reason
                    {
                        let drop = windowed::LateDrop {
                            instance: self.name.to_string(),
                            task: format!("{sub}_{part}"),
                            timestamp: d.timestamp,
                            window: windowed::window_text(w, window.start, window.end),
                            expiration: *expiration,
                            stream_time: *stream_time,
                            at_us: ctx.now.as_us(),
                        };
                        values.late.push((rid, drop));
                    }
                    // Kafka logs a warning for each; the trace keeps a task's first.
                    if !wt.logged_late {
                        wt.logged_late = true;
                        let topic = match sub {
                            0 => self.spec.input.clone(),
                            _ => self.spec.repartition_topic().unwrap_or_default(),
                        };
                        let meta = khafka_streams::RecordMetadata {
                            topic,
                            partition: part as i32,
                            offset: offset as i64,
                        };
                        let text = format!(
                            "task {sub}_{part}: {} (dropped-records; later skips are counted, not logged here)",
                            d.log_message(Some(&meta))
                        );
                        ctx.emit(TraceKind::Group {
                            group: self.application_id.clone(),
                            text: format!("{}: {text}", self.name),
                        });
                    }
                }
                continue;
            }
            // `KStreamAggregate`: the new count's timestamp is the newest of the record's and the
            // old count's, and the update is forwarded (and logged) with it.
            let ts = ctx.prov.timestamp_ms(rid, ctx.topo).unwrap_or(0);
            let entry = t.store.entry(key).or_insert((0, ts));
            entry.0 = aggregate.apply(entry.0, add);
            entry.1 = entry.1.max(ts);
            let (count, ts) = *entry;
            if cached {
                t.dirty.insert(key);
            } else {
                self.forwarded += 1;
                send_update(ctx, producer, values, t.partition, key, count, ts);
            }
        }
        Vec::new()
    }

    /// A join's turn: queue the records handed over, then process each task's queues in
    /// timestamp order as far as `readyToProcess` allows (`join.rs`).
    fn process_join(
        &mut self,
        ctx: &mut Ctx,
        records: Vec<(u32, u64, RecordId)>,
        main: &mut Consumer,
        producer: &mut Producer,
        values: &mut StreamsValues,
    ) -> Vec<(u32, bool)> {
        let n = self.partitions;
        for (p, offset, rid) in records {
            let (task, side) = (p % n, (p / n) as usize);
            // A task created since these records were fetched (revoked and assigned again)
            // starts from its committed offsets: they are fetched again.
            if let Some(j) = self.tasks[task as usize]
                .as_mut()
                .filter(|t| t.state == TaskState::Running)
                .and_then(|t| t.join.as_mut())
            {
                join::enqueue(j, ctx, side, offset, rid);
            }
        }
        let idle = self.spec.config.max_task_idle_ms;
        let now = ctx.now.as_us();
        let mut pauses = Vec::new();
        for task in 0..n {
            let parts = join::parts(task, n);
            while let Some(t) = self.tasks[task as usize].as_mut() {
                if t.state != TaskState::Running {
                    break;
                }
                let j = t.join.as_mut().expect("a join's task");
                let enforced = j.enforced;
                let Some(side) = join::next_side(j, main, parts, idle, now) else {
                    break;
                };
                if j.enforced > enforced {
                    self.enforced += 1;
                    if !j.logged_enforced {
                        j.logged_enforced = true;
                        let text = format!(
                            "task 0_{task}: Continuing to process although some partitions are empty on the broker \
                             (max.task.idle.ms={idle}); there may be out-of-order processing (enforced-processing)"
                        );
                        self.note(ctx, text);
                    }
                }
                let q = self.tasks[task as usize]
                    .as_mut()
                    .and_then(|t| t.join.as_mut())
                    .and_then(|j| j.queues[side].pop_front())
                    .expect("a record at the head");
                main.task_processed(parts[side], q.offset);
                // `KSTREAM-FILTER` between the input's source and the join: a stream record that
                // fails it joins nothing (and enters no window store).
                if let (0, Some(f)) = (side, &self.spec.filter) {
                    let (from, key) = ctx.prov.producer_and_key(q.rid).unwrap_or((0, None));
                    if !f.keeps(&ctx.topo.producers[from as usize], ctx.prov.seq(q.rid), key) {
                        self.processed += 1;
                        self.filtered += 1;
                        if let Some(t) = self.tasks[task as usize].as_mut() {
                            t.processed += 1;
                        }
                        continue;
                    }
                }
                if self.window().is_some() {
                    self.join_window_record(ctx, task, side, q, producer, values);
                } else if side == 0 {
                    self.join_stream_record(ctx, task, q, producer, values);
                } else {
                    self.join_table_record(ctx, task, q, producer, values);
                }
            }
            if let Some(j) = self.tasks[task as usize]
                .as_ref()
                .and_then(|t| t.join.as_ref())
            {
                for (queue, &p) in j.queues.iter().zip(&parts) {
                    let full = queue.len() > crate::config::streams::BUFFERED_RECORDS_PER_PARTITION;
                    if main
                        .tasks
                        .as_ref()
                        .is_some_and(|t| t.paused[p as usize] != full)
                    {
                        pauses.push((p, full));
                    }
                }
            }
        }
        pauses
    }

    /// `KStreamKTableJoinProcessor.process` on a stream record of task `0_P`.
    fn join_stream_record(
        &mut self,
        ctx: &mut Ctx,
        task: u32,
        q: join::Queued,
        producer: &mut Producer,
        values: &mut StreamsValues,
    ) {
        let left = self.spec.join.as_ref().is_some_and(|j| j.left);
        let (key, null_value, stream_bytes) = record_of(ctx, q.rid);
        self.processed += 1;
        let t = self.tasks[task as usize].as_mut().expect("running");
        t.processed += 1;
        let j = t.join.as_mut().expect("a join's task");
        let keep_null_key = left && key.is_none() && !null_value;
        if !keep_null_key && (key.is_none() || null_value) {
            self.dropped_null_key += 1;
            if !j.logged_null {
                j.logged_null = true;
                let text = format!(
                    "task 0_{task}: Skipping record due to null join key or value. topic=[{}] \
                     partition=[{task}] offset=[{}] (dropped-records)",
                    self.spec.input, q.offset
                );
                self.note(ctx, text);
            }
            return;
        }
        let found = key.and_then(|k| join::live(t.store.get(&k)));
        match found {
            Some(_) => self.joined += 1,
            None => self.unmatched += 1,
        }
        if found.is_none() && !left {
            values.unjoined.push(q.rid);
            return;
        }
        // A joiner that concatenates the two values.
        let table_bytes = found.map_or(0, |(id, _)| record_of(ctx, id).2);
        let bytes = stream_bytes.saturating_add(table_bytes);
        // The result keeps the stream record's key and timestamp.
        let id = producer.send_now(ctx, key, None, bytes);
        ctx.prov.set_timestamp(id, q.ts);
        values.joined.push((
            id,
            join::Joined {
                stream: q.rid,
                table: found.map(|(id, _)| id),
                other_only: false,
            },
        ));
        self.forwarded += 1;
    }

    /// A stream–stream join's record of task `0_P` from `side` (0: the input, 1: the other
    /// stream): its `KStreamJoinWindow` forwards it to its join processor
    /// (`KStreamKStreamJoin.process`), which
    ///
    /// 1. advances the task's shared stream time; forwards a record without a key unjoined if
    ///    its side is outer, and otherwise skips a record with a null key or value;
    /// 2. with a shared outer store (left and outer joins), when the record is the newest,
    ///    forwards the held records whose window has closed (`emitNonJoinedOuterRecords`);
    /// 3. joins it with every record of the other side's window store with its key and a
    ///    timestamp in its window (the result takes the larger timestamp), removing each partner
    ///    from the outer store;
    /// 4. if its side is outer and it found no partner: forwards it with null at once when its
    ///    own window is already behind stream time, else holds it in the outer store;
    ///
    /// then the record is put into its own side's store and that store's changelog.
    fn join_window_record(
        &mut self,
        ctx: &mut Ctx,
        task: u32,
        side: usize,
        q: join::Queued,
        producer: &mut Producer,
        values: &mut StreamsValues,
    ) {
        let (Some(w), Some(spec)) = (self.window(), self.spec.join.clone()) else {
            return;
        };
        let outer_side = spec.outer_side(side);
        let shared = spec.left || spec.outer;
        let (key, null_value, bytes) = record_of(ctx, q.rid);
        self.processed += 1;
        let n = self.partitions;
        let changelog = producer.partitions + side as u32 * n + task;
        let shared_changelog = producer.partitions + 2 * n + task;
        let now_ms = ctx.now.as_us() / 1_000;
        let t = self.tasks[task as usize].as_mut().expect("running");
        t.processed += 1;
        let j = t.join.as_mut().expect("a join's task");
        let wj = j.windows.as_mut().expect("a stream–stream join's task");
        wj.stream_time = wj.stream_time.max(q.ts as i64);
        if outer_side && key.is_none() && !null_value {
            self.forwarded += 1;
            forward_unjoined(ctx, producer, values, None, q.rid, side, bytes, q.ts);
            return;
        }
        let Some(key) = key.filter(|_| !null_value) else {
            self.dropped_null_key += 1;
            if !j.logged_null {
                j.logged_null = true;
                let topic = match side {
                    0 => self.spec.input.clone(),
                    _ => spec.table.clone(),
                };
                let text = format!(
                    "task 0_{task}: Skipping record due to null key or value. topic=[{topic}] \
                     partition=[{task}] offset=[{}] (dropped-records)",
                    q.offset
                );
                self.note(ctx, text);
            }
            // A null value with a key still reaches the store's changelog layer, which logs it
            // (the store itself keeps no null with duplicates retained).
            if let Some(k) = key {
                let id = producer.send_now(ctx, Some(k), Some(changelog), 0);
                ctx.prov.set_timestamp(id, q.ts);
                values.push(id, join::TABLE_TOMBSTONE);
            }
            return;
        };
        // The other side looks the other way: its before is this side's after.
        let (before, after) = match side {
            0 => (w.before_ms, w.after_ms),
            _ => (w.after_ms, w.before_ms),
        };
        // Too late for part of its window: the other store no longer returns what lies at its
        // window's start (a partner there, already gone, is missed; so is one put later into an
        // expired segment of this side's store, below).
        let oldest = wj.stores[1 - side].observed - w.retention_ms() as i64 + 1;
        let late = (q.ts.saturating_sub(before) as i64) < oldest;
        if late {
            self.join_late += 1;
            values.join_late.push(q.rid);
        }
        if shared && q.ts as i64 == wj.stream_time {
            if let Some(out) = emit_closed_outer(wj, &w, after, now_ms) {
                // Kafka walks the store on each look: counted toward the run's budget.
                self.window_work += wj.outer.len() as u64;
                // The keys forwarded, in the store's order (a list is never empty): deleted.
                let mut closed: Vec<join::OuterKey> = out.iter().map(|e| e.0).collect();
                closed.dedup();
                wj.outer.retain(|k, _| closed.binary_search(k).is_err());
                for ((ts, side_byte, k), rid) in out {
                    self.forwarded += 1;
                    let other = usize::from(side_byte == 0);
                    let b = record_of(ctx, rid).2;
                    forward_unjoined(ctx, producer, values, Some(k), rid, other, b, ts);
                }
                for k in closed {
                    send_outer_change(ctx, producer, values, shared_changelog, k, -1, q.ts);
                }
            }
        }
        let from = q.ts.saturating_sub(before);
        let to = q.ts.saturating_add(after);
        let matches = wj.stores[1 - side].fetch(key, from, to, &w).to_vec();
        self.window_work += matches.len() as u64 + 1;
        if matches.is_empty() {
            self.unmatched += 1;
        }
        for &(other_ts, other) in &matches {
            if shared {
                // `putIfAbsent(otherKey, null)`: the partner no longer waits unjoined.
                let k = (other_ts, join::side_byte(1 - side), key);
                if wj.outer.remove(&k).is_some() {
                    send_outer_change(ctx, producer, values, shared_changelog, k, -1, q.ts);
                }
            }
            let out = bytes.saturating_add(record_of(ctx, other).2);
            let id = producer.send_now(ctx, Some(key), None, out);
            ctx.prov.set_timestamp(id, q.ts.max(other_ts));
            let (stream, table) = match side {
                0 => (q.rid, other),
                _ => (other, q.rid),
            };
            values.joined.push((
                id,
                join::Joined {
                    stream,
                    table: Some(table),
                    other_only: false,
                },
            ));
            self.joined += 1;
            self.forwarded += 1;
        }
        if outer_side && matches.is_empty() {
            if !shared || (to as i64) < wj.stream_time {
                self.forwarded += 1;
                forward_unjoined(ctx, producer, values, Some(key), q.rid, side, bytes, q.ts);
            } else {
                wj.min_time = wj.min_time.min(q.ts as i64);
                let k = (q.ts, join::side_byte(side), key);
                wj.outer.get_or_default(k).push(q.rid);
                send_outer_change(
                    ctx,
                    producer,
                    values,
                    shared_changelog,
                    k,
                    q.rid as i64,
                    q.ts,
                );
            }
        }
        if !wj.stores[side].put(key, q.ts, q.rid, &w) {
            wj.expired += 1;
            self.join_expired += 1;
            if !late {
                self.join_late += 1;
                values.join_late.push(q.rid);
            }
            if !wj.logged_expired {
                wj.logged_expired = true;
                let text = format!(
                    "task 0_{task}: a record at {} ms is older than its store's retention allows \
                     (observed stream time {} ms, retention {} ms): skipped for an expired segment \
                     (dropped-records); it still goes to the changelog",
                    q.ts,
                    wj.stores[side].observed,
                    w.retention_ms()
                );
                self.note(ctx, text);
            }
        }
        let id = producer.send_now(ctx, Some(key), Some(changelog), bytes);
        ctx.prov.set_timestamp(id, q.ts);
        values.push(id, q.rid as i64);
    }

    /// `KTableSource.process` on a table record of task `0_P`: the store, and its changelog.
    fn join_table_record(
        &mut self,
        ctx: &mut Ctx,
        task: u32,
        q: join::Queued,
        producer: &mut Producer,
        values: &mut StreamsValues,
    ) {
        let cached = self.spec.config.cache_max_bytes > 0;
        let (table, store) = match &self.spec.join {
            Some(j) => (j.table.clone(), j.store(self.spec.filter.is_some())),
            None => return,
        };
        let (key, null_value, _) = record_of(ctx, q.rid);
        self.processed += 1;
        let t = self.tasks[task as usize].as_mut().expect("running");
        t.processed += 1;
        let j = t.join.as_mut().expect("a join's task");
        let Some(key) = key else {
            self.dropped_null_key += 1;
            if !j.logged_table_null_key {
                j.logged_table_null_key = true;
                let text = format!(
                    "task 0_{task}: Skipping record due to null key. topic=[{table}] \
                     partition=[{task}] offset=[{}] (dropped-records)",
                    q.offset
                );
                self.note(ctx, text);
            }
            return;
        };
        if let Some((_, old_ts)) = join::live(t.store.get(&key)) {
            if q.ts < old_ts && !j.logged_out_of_order {
                j.logged_out_of_order = true;
                let text = format!(
                    "task 0_{task}: Detected out-of-order KTable update for {store}, old \
                     timestamp=[{old_ts}] new timestamp=[{}]. topic=[{table}] partition=[{task}] \
                     offset=[{}].",
                    q.ts, q.offset
                );
                self.note(ctx, text);
            }
        }
        let t = self.tasks[task as usize].as_mut().expect("running");
        self.table_updates += 1;
        let value = if null_value {
            join::TABLE_TOMBSTONE
        } else {
            q.rid as i64
        };
        if cached {
            // Deleting a key the store does not hold writes nothing when the cache flushes
            // (`CachingKeyValueStore.putAndMaybeForward`: old and new value both null).
            if null_value && join::live(t.store.get(&key)).is_none() && !t.dirty.contains(key) {
                return;
            }
            // A deleted key stays in the cache as a tombstone until the commit writes it.
            t.store.insert(key, (value, q.ts));
            t.dirty.insert(key);
        } else {
            if null_value {
                t.store.remove(&key);
            } else {
                t.store.insert(key, (value, q.ts));
            }
            send_table_change(ctx, producer, values, task, key, value, q.ts);
        }
    }

    /// Empties the caches into the producer (a commit's `flush`).
    pub fn flush_caches(
        &mut self,
        ctx: &mut Ctx,
        producer: &mut Producer,
        values: &mut StreamsValues,
    ) {
        for t in self
            .tasks
            .iter_mut()
            .flatten()
            .chain(self.closing.iter_mut())
        {
            if let Some(wt) = t.windowed.as_mut() {
                let (entries, downstream) = wt.flush();
                for (k, v) in entries {
                    send_windowed(ctx, producer, values, Some(t.partition), k, v);
                    if downstream {
                        self.forwarded += 1;
                        send_windowed(ctx, producer, values, None, k, v);
                    }
                }
                continue;
            }
            if t.join.is_some() {
                // The table's cached writes go to its changelog only (a table update forwards
                // nothing); the tombstones among them leave the store.
                for key in t.dirty.take() {
                    let (value, ts) = t.store.get(&key).copied().unwrap_or((0, 0));
                    send_table_change(ctx, producer, values, t.partition, key, value, ts);
                }
                t.store.retain(|_, v| v.0 != join::TABLE_TOMBSTONE);
                continue;
            }
            for key in t.dirty.take() {
                let (count, ts) = t.store.get(&key).copied().unwrap_or((0, 0));
                self.forwarded += 1;
                send_update(ctx, producer, values, t.partition, key, count, ts);
            }
        }
        self.closing.clear();
    }

    /// Whether tasks revoked from a live member still hold cache entries for the next flush.
    pub fn has_closing(&self) -> bool {
        !self.closing.is_empty()
    }

    /// The task metadata a commit writes with the offsets: each windowed task's
    /// `lastEmitWindowCloseTime` (`StreamTask.commitNeeded` → `processorMetadata`).
    pub fn commit_metadata(&self, values: &mut StreamsValues) {
        // By task index, as `follow_assignment` reads it back (`1_P` is `n + P`).
        for (i, t) in self.tasks.iter().enumerate() {
            if let Some(wt) = t.as_ref().and_then(|t| t.windowed.as_ref()) {
                let close = wt.processor.last_emit_close();
                if close != khafka_streams::NO_TIMESTAMP {
                    let key = (self.application_id.clone(), i as u32);
                    match values.committed_close.iter_mut().find(|e| e.0 == key) {
                        Some(e) => e.1 = close,
                        None => values.committed_close.push((key, close)),
                    }
                }
            }
        }
    }

    /// The process died: every task and store is gone.
    pub fn crash(&mut self) {
        self.crashed = true;
        self.closing.clear();
        for t in &mut self.tasks {
            *t = None;
        }
    }
}

/// A repartition record's source, as its entry in [`StreamsValues`]: the input partition in the
/// high bits, the offset in the low 40.
pub fn source_of(partition: u32, offset: u64) -> i64 {
    (i64::from(partition) << 40) | offset as i64
}

/// The input partition and offset of a [`source_of`] entry.
pub fn source_parts(source: i64) -> (u32, u64) {
    ((source >> 40) as u32, (source & ((1 << 40) - 1)) as u64)
}

/// Whether the topology's aggregation skips records with a null value as well as a null key:
/// `KStreamAggregate` (the count per key) and `KStreamSlidingWindowAggregate` do;
/// `KStreamWindowAggregate` and `KStreamSessionWindowAggregate` check the key only, [4.1].
pub fn skips_null_values(windowing: Option<&crate::config::streams::Windowing>) -> bool {
    windowing.is_none_or(|w| matches!(w.windows, crate::config::streams::Windows::Sliding { .. }))
}

/// A windowed store write to the changelog partition `changelog`, or a windowed result to the
/// output topic (`None`): the key is `Windowed<K>` (partitioned by the key alone,
/// `WindowedStreamPartitioner`), the value a `Long` or null.
fn send_windowed(
    ctx: &mut Ctx,
    producer: &mut Producer,
    values: &mut StreamsValues,
    changelog: Option<u32>,
    key: u32,
    v: windowed::WindowedValue,
) {
    let bytes = if v.count.is_some() {
        COUNT_VALUE_BYTES
    } else {
        0
    };
    let part = changelog.map(|p| producer.partitions + p);
    let id = producer.send_now(ctx, Some(key), part, bytes);
    // A window's result and its store write carry the window's timestamp (the newest of its
    // records', `ValueAndTimestamp`), as Kafka Streams forwards and logs them.
    ctx.prov.set_timestamp(id, v.timestamp.max(0) as u64);
    values.windowed.push(id, v);
}

/// What the topology reads of record `rid`: its key (an index in its producer's key set), whether
/// its value is null (a tombstone), and its value's bytes.
fn record_of(ctx: &Ctx, rid: RecordId) -> (Option<u32>, bool, u32) {
    let (from, key) = ctx.prov.producer_and_key(rid).unwrap_or((0, None));
    let info = ctx.topo.producers.get(from as usize);
    (
        key,
        info.is_some_and(|i| i.null_value),
        info.map_or(0, |i| i.value_bytes_of(ctx.prov.seq(rid))),
    )
}

/// A table store write to the changelog partition of task `0_P`: the table record's value (its
/// id in `values`) or a tombstone, with the table record's timestamp.
fn send_table_change(
    ctx: &mut Ctx,
    producer: &mut Producer,
    values: &mut StreamsValues,
    partition: u32,
    key: u32,
    value: i64,
    ts: u64,
) {
    let bytes = if value == join::TABLE_TOMBSTONE {
        0
    } else {
        record_of(ctx, value as RecordId).2
    };
    let changelog = producer.partitions + partition;
    let id = producer.send_now(ctx, Some(key), Some(changelog), bytes);
    ctx.prov.set_timestamp(id, ts);
    values.push(id, value);
}

/// A store update: to the changelog partition of the task (`ChangeLoggingKeyValueBytesStore`),
/// then downstream to the output topic (`KTABLE-TOSTREAM` then the sink), each a `Long`.
fn send_update(
    ctx: &mut Ctx,
    producer: &mut Producer,
    values: &mut StreamsValues,
    partition: u32,
    key: u32,
    count: i64,
    ts: u64,
) {
    let changelog = producer.partitions + partition;
    let id = producer.send_now(ctx, Some(key), Some(changelog), COUNT_VALUE_BYTES);
    ctx.prov.set_timestamp(id, ts);
    values.push(id, count);
    let id = producer.send_now(ctx, Some(key), None, COUNT_VALUE_BYTES);
    ctx.prov.set_timestamp(id, ts);
    values.push(id, count);
}

/// `emitNonJoinedOuterRecords`: the held records whose window has closed, in the outer store's
/// order, as `((timestamp, side byte, key), record)` — after its two guards (nothing can have
/// closed: `minTime + after + grace >= streamTime`, Java's long arithmetic; the last emission
/// less than the emit interval ago: `None`, no look). `after` is the calling processor's.
fn emit_closed_outer(
    wj: &mut join::WindowJoin,
    w: &crate::config::streams::JoinWindow,
    after: u64,
    now_ms: u64,
) -> Option<Vec<(join::OuterKey, RecordId)>> {
    if wj.min_time.wrapping_add((after + w.grace_ms) as i64) >= wj.stream_time
        || now_ms < wj.next_emit_ms
    {
        return None;
    }
    let mut out = Vec::new();
    wj.next_emit_ms = now_ms + join::OUTER_EMIT_INTERVAL_MS;
    wj.min_time = i64::MAX;
    let mut open = [false; 2];
    for (&k, list) in wj.outer.iter() {
        wj.min_time = k.0 as i64;
        if open[0] && open[1] {
            break;
        }
        // The input's records look back `after`, the other stream's `before`.
        let look_back = if k.1 == 1 { w.after_ms } else { w.before_ms };
        if wj.min_time.wrapping_add((look_back + w.grace_ms) as i64) >= wj.stream_time {
            open[k.1 as usize] = true;
            continue;
        }
        out.extend(list.iter().map(|&rid| (k, rid)));
    }
    Some(out)
}

/// A stream–stream left or outer join's result without a partner: the record's key, its value
/// with null for the other side, its timestamp.
#[allow(clippy::too_many_arguments)]
fn forward_unjoined(
    ctx: &mut Ctx,
    producer: &mut Producer,
    values: &mut StreamsValues,
    key: Option<u32>,
    rid: RecordId,
    side: usize,
    bytes: u32,
    ts: u64,
) {
    let id = producer.send_now(ctx, key, None, bytes);
    ctx.prov.set_timestamp(id, ts);
    values.joined.push((
        id,
        join::Joined {
            stream: rid,
            table: None,
            other_only: side == 1,
        },
    ));
}

/// A change of the shared outer store, to its changelog partition: a record added to the list
/// at `k` (its id), or the list deleted (-1, a tombstone). The changelog record carries the
/// record's timestamp being processed (`context.timestamp()`); the list's key is kept beside it.
fn send_outer_change(
    ctx: &mut Ctx,
    producer: &mut Producer,
    values: &mut StreamsValues,
    partition: u32,
    k: (u64, u8, u32),
    record: i64,
    ts: u64,
) {
    let bytes = if record < 0 {
        0
    } else {
        record_of(ctx, record as RecordId).2
    };
    let id = producer.send_now(ctx, Some(k.2), Some(partition), bytes);
    ctx.prov.set_timestamp(id, ts);
    values.outer.push((
        id,
        join::OuterChange {
            ts: k.0,
            side: k.1,
            key: k.2,
            record,
        },
    ));
}

#[cfg(test)]
mod tests {
    /// `NamedCache.put`: a key updated again moves behind the others, so the flush forwards in
    /// the order of each key's last update.
    #[test]
    fn dirty_keys_flush_in_the_order_of_last_update() {
        let mut d = super::DirtyKeys::default();
        for key in [1, 2, 1, 3] {
            d.insert(key);
        }
        assert!(d.contains(1));
        assert_eq!(d.take(), vec![2, 1, 3]);
        assert!(d.is_empty());
    }
}
