//! What the site and the CLI read of Kafka Streams instances (`client/streams`): each instance's
//! tasks and restorations, and per key the truth against the result — how many records with the
//! key the input topic holds, and the last count the output topic holds for it. Under
//! `at_least_once` a count above the truth is a record counted twice: processed, its update written
//! to the changelog and the output, then processed again after a crash because its offset was not
//! committed yet.

use crate::client::streams::{windowed, Restoration, StreamsInstance, TaskState};
use crate::config::streams::{Aggregate, Windowing};
use crate::kernel::vec_map::VecMap;
use crate::log::Log;
use crate::msg::PartIdx;
use crate::sim::Sim;
use serde::Serialize;
use std::collections::BTreeMap;

/// One instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StreamsInstanceView {
    pub name: String,
    pub application_id: String,
    /// `running`, `crashed` or `closed`.
    pub state: &'static str,
    pub tasks: Vec<StreamsTaskView>,
    pub restorations: Vec<Restoration>,
    /// Records processed (a record processed twice counts twice).
    pub processed: u64,
    /// Updates sent to the output topic.
    pub forwarded: u64,
    /// Records the `filter` stopped.
    pub filtered: u64,
    /// Kafka's `dropped-records`: records the count skipped for a null key or value, a windowed
    /// count's skips of a record for an expired window (one per window), and a stream–stream
    /// join's records its stores skipped as expired.
    pub dropped: u64,
    /// Of those, a windowed count's skips for an expired window.
    pub dropped_late: u64,
    /// A join's stream records joined with a table value, those that found none, table records
    /// applied, and times a task processed past an empty partition (`enforced-processing-total`).
    pub joined: u64,
    pub unmatched: u64,
    pub table_updates: u64,
    pub enforced: u64,
    /// A stream–stream join's records too late for part of their window (the other store no longer
    /// returned its start, or their own store skipped them), and records its stores skipped as
    /// expired (`dropped-records`).
    pub join_late: u64,
    pub join_expired: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StreamsTaskView {
    /// `0_P`.
    pub id: String,
    pub partition: u32,
    /// `restoring` or `running`.
    pub state: &'static str,
    /// Keys in its store (windows, for a windowed count).
    pub keys: u64,
    pub processed: u64,
    /// A windowed count's observed stream time (`None` before its first record, or without
    /// windows), its close time (windows ending at or before it take no more records), the
    /// skips of a record for an expired window (one per window) and the largest lateness it saw
    /// (`record-lateness-max`).
    pub stream_time: Option<i64>,
    pub close_time: Option<i64>,
    pub dropped_late: u64,
    pub lateness_max: i64,
    /// A stream–stream left or outer join's records waiting in the shared outer store for
    /// their window to close.
    pub waiting: u64,
}

/// A window's result against the reference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WindowCount {
    pub key: String,
    /// As Kafka prints it: `[0,60000)`.
    pub window: String,
    pub start: i64,
    pub end: i64,
    /// What one task that never crashed computes from the input as it stands (`None`: no such
    /// window, e.g. a session merged into another).
    pub reference: Option<i64>,
    /// The last result the output topic holds for the window (`None`: none, or a tombstone).
    pub output: Option<i64>,
    /// How many results for the window the output holds.
    pub emitted: u64,
}

/// The windowed count's results, window by window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WindowedCounts {
    /// `tumbling`, `hopping`, `sliding` or `session`.
    pub kind: &'static str,
    /// The windows as Kafka Streams code writes them.
    pub java: String,
    pub on_window_close: bool,
    /// By window start, end, then key.
    pub windows: Vec<WindowCount>,
    /// Records the reference drops as late.
    pub reference_dropped: u64,
    /// Windows whose final result the output holds more than once (`onWindowClose`), and the
    /// first such result sent again (its story names the earlier one).
    pub final_results_twice: u64,
    pub first_twice: Option<crate::log::RecordId>,
    /// The reference reached the simulator's bound on windowed work
    /// ([`crate::client::streams::windowed::MAX_WINDOW_WORK`]): it is not shown, and the output
    /// is not judged against it.
    pub capped: bool,
}

/// A stream–table join's results against the reference: the same join run by one task per
/// partition that never crashed, over the input and the table below their high watermarks, taking
/// records in timestamp order with every record at hand (what timestamp synchronisation aims at).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JoinResults {
    /// `leftJoin`.
    pub left: bool,
    /// The join processor's name (`KSTREAM-JOIN-…` or `KSTREAM-LEFTJOIN-…`).
    pub processor: String,
    /// The table's topic and its store.
    pub table: String,
    pub store: String,
    /// Stream records the reference forwards a result for (with a table value, or — `leftJoin` —
    /// without), and of those, with one.
    pub reference: u64,
    pub reference_joined: u64,
    /// Results the output topic holds (below its high watermark), with a table value and without.
    pub results: u64,
    pub with_table: u64,
    pub without_table: u64,
    /// Stream records the output holds more than one result for (processed again after a crash
    /// under `at_least_once`), and the first of them.
    pub twice: u64,
    pub first_twice: Option<crate::log::RecordId>,
    /// Results whose table value is not the reference's: the table was not as of the stream
    /// record's time when the task processed it.
    pub mismatched: u64,
    /// Of those, stream records an inner join dropped (it found no table value) that the
    /// reference joins: not joined at all, rather than joined with another value.
    pub mismatched_dropped: u64,
    /// Stream records an inner join dropped at least once (found no table value), each once.
    pub dropped: u64,
    /// Stream records the reference forwards and the output has no result for (yet).
    pub missing: u64,
    /// The first mismatched results.
    pub examples: Vec<JoinMismatch>,
    /// A stream–stream join's `JoinWindows` (then a result is a pair, `reference` counts the
    /// pairs whose timestamps are within the window, `mismatched` results that pair records
    /// outside it, and `table` is the other stream).
    pub window: Option<String>,
    /// Pairs the reference has and the output does not because one of the two records came
    /// too late for part of its window (a stream–stream join).
    pub late_missing: u64,
    /// A stream–stream left or outer join's results with null for a record that has a partner
    /// in the reference: Kafka forwards null at once for a record whose window is already
    /// behind stream time, and a partner later than grace still pairs with it.
    pub nulls_with_partner: u64,
    /// The other side's join processor of a stream–stream join (`""` otherwise).
    pub other_processor: String,
    /// The reference reached the simulator's bound: results are not judged.
    pub capped: bool,
}

/// A result joined with another table value than the reference's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JoinMismatch {
    pub key: String,
    /// The stream record and its timestamp.
    pub stream: crate::log::RecordId,
    pub timestamp: u64,
    /// The table records joined and expected (`None`: none), with their timestamps.
    pub joined: Option<(crate::log::RecordId, u64)>,
    pub expected: Option<(crate::log::RecordId, u64)>,
}

/// A key's truth and result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyCount {
    pub key: String,
    /// Records with this key and a value in the input topic (below the high watermark); for a
    /// sum (`aggregate=sum`), the sum of their values; for `aggregate=max`, the largest (0, the
    /// initializer, if none is larger).
    pub input: u64,
    /// The last count the output topic holds for the key (below the high watermark).
    pub output: Option<i64>,
}

/// Every instance of the run, and the counts of one application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StreamsView {
    pub instances: Vec<StreamsInstanceView>,
    /// Per key, in key order; for the first application's input and output topics.
    pub keys: Vec<KeyCount>,
    /// Sum over keys of what the output says beyond the input: records counted twice.
    pub overcount: u64,
    /// Sum over keys of what the output is missing: records not counted (yet).
    pub undercount: u64,
    /// The first application's topics and its topology, as `Topology.describe()` prints it.
    pub input: String,
    pub output: String,
    pub changelog: String,
    /// `aggregate=sum`: `keys`, `overcount` and `undercount` are sums of values, not records.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sum: bool,
    /// `aggregate=max`: `keys` are each key's largest value; `overcount` and `undercount` how
    /// far the output's maxima are above or below the input's.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub max: bool,
    /// `groupBy`'s (or `map`'s) repartition topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repartition: Option<String>,
    /// The `map` before the count, as Java writes it (`map((key, value) -> KeyValue.pair(value, key))`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map: Option<&'static str>,
    /// The `filter`'s predicate (`value > 800`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    pub topology: String,
    /// For a windowed count: the results by window (then `keys` is empty).
    pub windowed: Option<WindowedCounts>,
    /// For a stream–table join: its results (then `keys` is empty).
    pub join: Option<JoinResults>,
    /// Changelog records an instance wrote after it had lost its task (`zombie_writes`).
    #[serde(skip_serializing_if = "crate::outcome::is_zero")]
    pub zombie_writes: u64,
    /// Output records (of the same commits) an instance wrote after it had lost its task: not
    /// counted in `zombie_writes`, which is the changelog's figure the site and the scenario
    /// language show.
    #[serde(skip_serializing_if = "crate::outcome::is_zero")]
    pub zombie_output_writes: u64,
    /// Of `undercount`, what the keys whose last changelog or output record is such a write are
    /// short (an aggregate per key; 0 for windows and joins).
    #[serde(skip_serializing_if = "crate::outcome::is_zero")]
    pub zombie_shortfall: u64,
}

impl Sim {
    /// The Kafka Streams instances, or `None` without any.
    pub fn streams_view(&self) -> Option<StreamsView> {
        let first = self.streams.first()?;
        let instances = self
            .streams
            .iter()
            .map(|s| {
                let c = &self.consumers[s.consumer as usize];
                StreamsInstanceView {
                    name: s.name.to_string(),
                    application_id: s.application_id.clone(),
                    state: if s.crashed {
                        "crashed"
                    } else if c.stopped {
                        "closed"
                    } else {
                        "running"
                    },
                    tasks: s
                        .tasks
                        .iter()
                        .flatten()
                        .map(|t| StreamsTaskView {
                            id: t.id(),
                            partition: t.partition,
                            state: match t.state {
                                TaskState::Restoring => "restoring",
                                TaskState::Running => "running",
                            },
                            keys: t.held(),
                            processed: t.processed,
                            stream_time: t
                                .windowed
                                .as_ref()
                                .map(|w| w.processor.stream_time())
                                .filter(|&st| st >= 0),
                            close_time: t.windowed.as_ref().and_then(|w| w.processor.close_time()),
                            dropped_late: t.windowed.as_ref().map_or(0, |w| w.dropped),
                            lateness_max: t.windowed.as_ref().map_or(0, |w| w.lateness_max),
                            waiting: t
                                .join
                                .as_ref()
                                .and_then(|j| j.windows.as_ref())
                                .map_or(0, |w| w.outer.values().map(|l| l.len() as u64).sum()),
                        })
                        .collect(),
                    restorations: s.restorations.clone(),
                    processed: s.processed,
                    forwarded: s.forwarded,
                    filtered: s.filtered,
                    dropped: s.dropped_null_key + s.dropped_late + s.join_expired,
                    dropped_late: s.dropped_late,
                    joined: s.joined,
                    unmatched: s.unmatched,
                    table_updates: s.table_updates,
                    enforced: s.enforced,
                    join_late: s.join_late,
                    join_expired: s.join_expired,
                }
            })
            .collect();
        let producer = &self.producers[first.producer as usize];
        let (zombie_writes, zombie_output_writes, zombie_keys) = self.zombie_writes(first);
        if let Some(j) = &first.spec.join {
            return Some(StreamsView {
                instances,
                keys: Vec::new(),
                overcount: 0,
                undercount: 0,
                input: first.spec.input.clone(),
                output: first.spec.output.clone(),
                changelog: first.spec.changelog_topics().join(", "),
                sum: false,
                max: false,
                repartition: None,
                map: None,
                filter: first.spec.filter.as_ref().map(|f| f.text()),
                topology: first.spec.describe_topology(),
                windowed: None,
                join: Some(match &j.window {
                    Some(w) => self.stream_join_results(first, j, w),
                    None => self.join_results(first, j),
                }),
                zombie_writes,
                zombie_output_writes,
                zombie_shortfall: 0,
            });
        }
        if let Some(w) = &first.spec.windowing {
            let windowed = self.windowed_counts(first, w);
            return Some(StreamsView {
                instances,
                keys: Vec::new(),
                overcount: windowed.1,
                undercount: windowed.2,
                input: first.spec.input.clone(),
                output: first.spec.output.clone(),
                changelog: first.spec.changelog_topic(),
                sum: first.spec.reduce_sum,
                max: first.spec.aggregate_max,
                repartition: first.spec.repartition_topic(),
                map: first.spec.map.map(|m| m.java()),
                filter: first.spec.filter.as_ref().map(|f| f.text()),
                topology: first.spec.describe_topology(),
                windowed: Some(windowed.0),
                join: None,
                zombie_writes,
                zombie_output_writes,
                zombie_shortfall: 0,
            });
        }
        let input = self.topo.topic_index(&first.spec.input)?;
        let input = &self.topo.topics[input as usize];
        // The stores' map type (`StreamsTask::store`, the timestamp left 0 here): one B-tree
        // instantiation in the site's notebook bundle, not two.
        let mut truth: BTreeMap<u32, (i64, u64)> = BTreeMap::new();
        let by_value = first.spec.keyed_by_value();
        let aggregate = first.spec.aggregate();
        for part in input.first_part..input.first_part + input.partitions {
            if let Some(log) = self.verdict_log(part) {
                log.for_each_record_id_dyn(0, log.high_watermark, &self.batches, &mut |_, id| {
                    // The count skips null keys and null values (tombstones); after
                    // `groupBy((k, v) -> v)` the key is the value.
                    if let Some((p, key)) = self.prov.producer_and_key(id) {
                        let info = &self.topo.producers[p as usize];
                        // The filter reads the record as it came in (before any re-keying).
                        let kept = first
                            .spec
                            .filter
                            .as_ref()
                            .is_none_or(|f| f.keeps(info, self.prov.seq(id), key));
                        let k = if by_value {
                            info.value_of(self.prov.seq(id))
                        } else {
                            key
                        };
                        // A sum adds the record's value (a record without one is skipped).
                        let add = if aggregate != Aggregate::Count {
                            info.value_of(self.prov.seq(id))
                                .and_then(|v| info.values.number(v))
                        } else {
                            Some(1)
                        };
                        if let (Some(k), Some(add), false, true) = (k, add, info.null_value, kept) {
                            let t = truth.entry(k).or_default();
                            t.0 = aggregate.apply(t.0, add);
                        }
                    }
                });
            }
        }
        let mut result: BTreeMap<u32, (i64, u64)> = BTreeMap::new();
        for local in 0..producer.partitions {
            let part = producer.global_part(local);
            if let Some(log) = self.verdict_log(part) {
                log.for_each_record_id_dyn(0, log.high_watermark, &self.batches, &mut |_, id| {
                    if let (Some((_, Some(k))), Some(v)) =
                        (self.prov.producer_and_key(id), self.streams_values.get(id))
                    {
                        result.insert(k, (v, 0));
                    }
                });
            }
        }
        let info = &self.topo.producers[first.producer as usize];
        let mut keys: Vec<u32> = truth.keys().chain(result.keys()).copied().collect();
        crate::kernel::small::sort_by(&mut keys, Ord::cmp);
        keys.dedup();
        let (mut overcount, mut undercount, mut zombie_shortfall) = (0u64, 0u64, 0u64);
        let mut name = String::new();
        let keys = keys
            .into_iter()
            .map(|k| {
                let input = truth.get(&k).map_or(0, |t| t.0).max(0) as u64;
                let output = result.get(&k).map(|r| r.0);
                let out = output.unwrap_or(0).max(0) as u64;
                overcount += out.saturating_sub(input);
                undercount += input.saturating_sub(out);
                if zombie_keys.binary_search(&k).is_ok() {
                    zombie_shortfall += input.saturating_sub(out);
                }
                name.clear();
                info.write_key(k, &mut name);
                KeyCount {
                    key: name.clone(),
                    input,
                    output,
                }
            })
            .collect();
        Some(StreamsView {
            instances,
            keys,
            overcount,
            undercount,
            input: first.spec.input.clone(),
            output: first.spec.output.clone(),
            changelog: first.spec.changelog_topic(),
            sum: first.spec.reduce_sum,
            max: first.spec.aggregate_max,
            repartition: first.spec.repartition_topic(),
            map: first.spec.map.map(|m| m.java()),
            filter: first.spec.filter.as_ref().map(|f| f.text()),
            topology: first.spec.describe_topology(),
            windowed: None,
            join: None,
            zombie_writes,
            zombie_output_writes,
            zombie_shortfall,
        })
    }

    /// Changelog and output records an instance of the first application wrote after it had
    /// lost its task: a record appended after one from another instance that restored the task
    /// after the writer last did (the writer's store never held that instance's state). A changelog
    /// partition has one writer at a time, its task's owner, and an owner that gives a task up
    /// in a rebalance flushes its sends first. One the group removed (its heartbeats stopped
    /// reaching the coordinator and its session expired) learns so only at its next commit or
    /// heartbeat; meanwhile its producer goes on retrying what it sent, it may go on processing
    /// what it fetched, and under `at_least_once` nothing fences it (under `exactly_once_v2` its
    /// transaction could not commit once the group moved on, and the writes would be aborted).
    /// Such a write lands after the new owner's — sent before them and retried, or computed
    /// later from the old store — so the topic's last value for its key goes back to the old
    /// owner's state, and so does the output topic, written in the same commit (either may be
    /// the one that lands late). Returns their number, and the keys whose last record in a
    /// changelog or in the output topic is one of them, sorted: `(changelog writes, output
    /// writes, keys)`.
    fn zombie_writes(
        &self,
        first: &crate::client::streams::StreamsInstance,
    ) -> (u64, u64, Vec<u32>) {
        let instances: Vec<&crate::client::streams::StreamsInstance> = self
            .streams
            .iter()
            .filter(|s| s.application_id == first.application_id)
            .collect();
        let producers: Vec<u32> = instances.iter().map(|s| s.producer).collect();
        // The stateful sub-topology's tasks own the changelogs (`1` after a repartition topic).
        let stateful = u32::from(first.spec.repartition_topic().is_some());
        let input_partitions = self
            .topo
            .topic_index(&first.spec.input)
            .map_or(0, |t| self.topo.topics[t as usize].partitions);
        // Each instance's producer with its restorations of the stateful sub-topology's tasks:
        // `(producer, task, when it began)`, in time order per producer.
        let restorations: Vec<(u32, u32, u64)> = instances
            .iter()
            .flat_map(|s| {
                s.restorations
                    .iter()
                    .filter(|r| r.subtopology == stateful)
                    .map(|r| (s.producer, r.partition, r.from_us))
            })
            .collect();
        let mut zombie = [0, 0];
        let mut keys = Vec::new();
        // The output topic too: it is written in the same commit, and a zombie's result can land
        // there late while its changelog record of the same commit got through in time (a
        // request to an unreachable leader timed out, its retry went on being refused by a
        // stale leader until metadata arrived).
        let changelogs = first.spec.changelog_topics();
        let topics = changelogs
            .iter()
            .map(|c| (0, c))
            .chain([(1, &first.spec.output)]);
        for (which, topic) in topics {
            let Some(t) = self.topo.topic_index(topic) else {
                continue;
            };
            let t = &self.topo.topics[t as usize];
            // Per key, whether its last record in this topic so far is a zombie's (1) or not
            // (0); the counts' map type (one B-tree instantiation in the site).
            let mut last: BTreeMap<u32, (i64, u64)> = BTreeMap::new();
            let tasks = t.partitions == input_partitions;
            for part in t.first_part..t.first_part + t.partitions {
                let task = part - t.first_part;
                let Some(log) = self.verdict_log(part) else {
                    continue;
                };
                // This partition's task's restorations (none where partitions are not tasks).
                let starts: Vec<(u32, u64)> = restorations
                    .iter()
                    .filter(|r| tasks && r.1 == task)
                    .map(|r| (r.0, r.2))
                    .collect();
                // When producer `p`'s instance last began to restore the task before `sent`
                // (µs): what its store holds of the others' writes. Without one, `sent` itself.
                let restored_at = |p: u32, sent: u64| {
                    starts
                        .iter()
                        .filter(|r| r.0 == p && r.1 <= sent)
                        .map(|r| r.1)
                        .max()
                        .unwrap_or(sent)
                };
                // Per instance's producer, its latest send among the records so far and when it
                // had last restored the task then.
                let mut latest: Vec<(u32, u64, u64)> = Vec::new();
                log.for_each_record_id_dyn(0, log.high_watermark, &self.batches, &mut |_, id| {
                    let (Some((p, key)), Some(sent)) =
                        (self.prov.producer_and_key(id), self.prov.sent_us(id))
                    else {
                        return;
                    };
                    if !producers.contains(&p) {
                        return;
                    }
                    // Stale: another instance took the task over after this writer last
                    // restored it (it restored it later, and wrote this partition since), so
                    // this record was computed without that instance's writes. Where partitions
                    // are not the tasks' (no restorations), a record sent before another
                    // instance's.
                    let since = restored_at(p, sent);
                    let stale = latest
                        .iter()
                        .any(|&(q, _, q_since)| q != p && q_since > since);
                    zombie[which] += u64::from(stale);
                    if let Some(k) = key {
                        last.insert(k, (i64::from(stale), 0));
                    }
                    match latest.iter_mut().find(|(q, _, _)| *q == p) {
                        Some(l) if l.1 >= sent => {}
                        Some(l) => *l = (p, sent, since),
                        None => latest.push((p, sent, since)),
                    }
                });
            }
            keys.extend(last.into_iter().filter(|e| e.1 .0 == 1).map(|e| e.0));
        }
        crate::kernel::small::sort_by(&mut keys, Ord::cmp);
        keys.dedup();
        (zombie[0], zombie[1], keys)
    }

    /// A stream–stream join's results against the reference: every pair of records of the two
    /// streams (below their high watermarks) with one key, non-null values and timestamps
    /// within the join window — what one task that never crashed computes with every record at
    /// hand, in timestamp order.
    fn stream_join_results(
        &self,
        first: &StreamsInstance,
        j: &crate::config::streams::TableJoin,
        w: &crate::config::streams::JoinWindow,
    ) -> JoinResults {
        use crate::log::RecordId;
        let f = first.spec.filter.is_some();
        let topic = |name: &str| {
            self.topo
                .topic_index(name)
                .map(|t| &self.topo.topics[t as usize])
        };
        // Pairs `(input record, other record)`, as rows of one shape with the results'.
        let mut expected: Vec<(RecordId, Option<RecordId>, Option<RecordId>)> = Vec::new();
        let mut capped = false;
        // Every record of both topics the logs hold (non-null), to judge results by.
        let mut present: Vec<(RecordId, Option<RecordId>, Option<RecordId>)> = Vec::new();
        if let (Some(input), Some(other)) = (topic(&first.spec.input), topic(&j.table)) {
            for p in 0..input.partitions.min(other.partitions) {
                if capped {
                    break;
                }
                // Per side and key, `(timestamp, record)` in timestamp order (the window
                // stores' own type: no new map or sort in the bundle).
                let mut sides: [VecMap<u32, Vec<(u64, RecordId)>>; 2] = Default::default();
                for (side, part) in [input.first_part + p, other.first_part + p]
                    .into_iter()
                    .enumerate()
                {
                    if let Some(log) = self.verdict_log(part) {
                        log.for_each_record_id_dyn(
                            0,
                            log.high_watermark,
                            &self.batches,
                            &mut |_, id| {
                                if let Some((pr, Some(k))) = self.prov.producer_and_key(id) {
                                    let info = &self.topo.producers[pr as usize];
                                    // A filter before the join reads the input's records only.
                                    let kept = side == 1
                                        || first.spec.filter.as_ref().is_none_or(|f| {
                                            f.keeps(info, self.prov.seq(id), Some(k))
                                        });
                                    if !info.null_value && kept {
                                        let ts =
                                            self.prov.timestamp_ms(id, &self.topo).unwrap_or(0);
                                        let list = sides[side].get_or_default(k);
                                        let at = list.partition_point(|e| e.0 <= ts);
                                        list.insert(at, (ts, id));
                                        present.push((id, None, None));
                                    }
                                }
                            },
                        );
                    }
                }
                let none = Vec::new();
                for (k, lefts) in sides[0].iter() {
                    if capped {
                        break;
                    }
                    let rights = sides[1].get(k).unwrap_or(&none);
                    for &(ts, id) in lefts {
                        let from = ts.saturating_sub(w.before_ms);
                        let to = ts.saturating_add(w.after_ms);
                        let a = rights.partition_point(|e| e.0 < from);
                        let partners = rights[a..].iter().take_while(|e| e.0 <= to);
                        let before = expected.len();
                        for &(_, id2) in partners {
                            expected.push((id, Some(id2), None));
                        }
                        if expected.len() as u64 > crate::client::streams::windowed::MAX_WINDOW_WORK
                        {
                            capped = true;
                            break;
                        }
                        // A left or outer join forwards a record of the input without a partner
                        // with null.
                        if expected.len() == before && (j.left || j.outer) {
                            expected.push((id, None, None));
                        }
                    }
                }
                // An outer join does the same for the other stream's records (marked by the
                // third column).
                if j.outer {
                    for (k, rights) in sides[1].iter() {
                        let lefts = sides[0].get(k).unwrap_or(&none);
                        for &(ts, id) in rights {
                            let from = ts.saturating_sub(w.after_ms);
                            let to = ts.saturating_add(w.before_ms);
                            let a = lefts.partition_point(|e| e.0 < from);
                            if lefts[a..].iter().take_while(|e| e.0 <= to).next().is_none() {
                                expected.push((id, None, Some(id)));
                            }
                        }
                    }
                }
            }
        }
        crate::kernel::small::sort_by(&mut present, Ord::cmp);
        crate::kernel::small::sort_by(&mut expected, Ord::cmp);
        let mut results: Vec<(RecordId, Option<RecordId>, Option<RecordId>)> = Vec::new();
        let producer = &self.producers[first.producer as usize];
        for local in 0..producer.partitions {
            let Some(log) = self.verdict_log(producer.global_part(local)) else {
                continue;
            };
            log.for_each_record_id_dyn(0, log.high_watermark, &self.batches, &mut |_, id| {
                if let Some(r) = self.streams_values.joined.find_sorted(id) {
                    results.push((r.stream, r.table, r.other_only.then_some(r.stream)));
                }
            });
        }
        let late = sorted_rows(&self.streams_values.join_late);
        let is_late = |id: Option<RecordId>| {
            id.is_some_and(|id| late.binary_search_by_key(&id, |e| e.0).is_ok())
        };
        let unjoined = results.iter().filter(|e| e.1.is_none()).count() as u64;
        let mut r = JoinResults {
            left: j.left || j.outer,
            processor: j.processor(f),
            table: j.table.clone(),
            store: j.store(f),
            reference: expected.len() as u64,
            reference_joined: expected.iter().filter(|e| e.1.is_some()).count() as u64,
            results: results.len() as u64,
            with_table: results.len() as u64 - unjoined,
            without_table: unjoined,
            twice: 0,
            first_twice: None,
            mismatched: 0,
            mismatched_dropped: 0,
            dropped: 0,
            missing: 0,
            examples: Vec::new(),
            window: Some(w.java()),
            late_missing: 0,
            nulls_with_partner: 0,
            other_processor: j.stream_processors(f)[1].clone(),
            capped,
        };
        crate::kernel::small::sort_by(&mut results, Ord::cmp);
        let info = |id: RecordId| {
            let k = self.prov.producer_and_key(id).and_then(|(_, k)| k);
            (k, self.prov.timestamp_ms(id, &self.topo).unwrap_or(0))
        };
        let mut name = String::new();
        for (i, &(a, b, c)) in results.iter().enumerate() {
            if i > 0 && results[i - 1] == results[i] {
                if i < 2 || results[i - 2] != results[i] {
                    r.twice += 1;
                    r.first_twice.get_or_insert(a);
                }
                continue;
            }
            // A result with a record the logs no longer hold (removed by retention, or by a
            // truncation after the application read it) cannot be judged.
            let held = |id: RecordId| present.binary_search(&(id, None, None)).is_ok();
            if capped || expected.binary_search(&(a, b, c)).is_ok() || !held(a) {
                continue;
            }
            if b.is_none() {
                // Null for a record that has a partner: Kafka's own order of events allows it.
                r.nulls_with_partner += 1;
            } else if held(b.unwrap_or(a)) {
                // A pair outside the window: no Kafka behaviour makes one.
                r.mismatched += 1;
                if r.examples.len() < 20 {
                    let (key, ts) = info(a);
                    name.clear();
                    if let Some(k) = key {
                        self.topo.producers[first.producer as usize].write_key(k, &mut name);
                    }
                    r.examples.push(JoinMismatch {
                        key: name.clone(),
                        stream: a,
                        timestamp: ts,
                        joined: b.map(|b| (b, info(b).1)),
                        expected: None,
                    });
                }
            }
        }
        for e in expected.iter().filter(|_| !capped) {
            if results.binary_search(e).is_ok() {
                continue;
            }
            if is_late(Some(e.0)) || is_late(e.1) {
                r.late_missing += 1;
            } else if !self.prov.is_deleted(e.0) && !e.1.is_some_and(|b| self.prov.is_deleted(b)) {
                r.missing += 1;
            }
        }
        r
    }

    /// A stream–table join's reference: per stream record it forwards a result for, the table
    /// record it joins, and the one it would join if the table's updates with the record's very
    /// timestamp came after it (Kafka leaves the order of equal timestamps open: either is
    /// right); sorted by stream record. One task per partition that never crashed, reading both
    /// sides below the high watermark in timestamp order.
    fn join_reference(
        &self,
        first: &StreamsInstance,
        j: &crate::config::streams::TableJoin,
    ) -> Vec<(
        crate::log::RecordId,
        Option<crate::log::RecordId>,
        Option<crate::log::RecordId>,
    )> {
        use crate::log::RecordId;
        let mut expected: Vec<(RecordId, Option<RecordId>, Option<RecordId>)> = Vec::new();
        let topic = |name: &str| {
            self.topo
                .topic_index(name)
                .map(|t| &self.topo.topics[t as usize])
        };
        let info = |id: RecordId| self.key_null_timestamp(id);
        if let (Some(input), Some(table)) = (topic(&first.spec.input), topic(&j.table)) {
            for p in 0..input.partitions.min(table.partitions) {
                // `(timestamp, record)` in offset order, per side.
                let mut sides: [Vec<(u64, RecordId)>; 2] = [Vec::new(), Vec::new()];
                for (side, part) in [input.first_part + p, table.first_part + p]
                    .into_iter()
                    .enumerate()
                {
                    if let Some(log) = self.verdict_log(part) {
                        log.for_each_record_id_dyn(
                            0,
                            log.high_watermark,
                            &self.batches,
                            &mut |_, id| {
                                // A filter before the join: the stream records it stops join nothing.
                                if let (0, Some(f)) = (side, &first.spec.filter) {
                                    let (from, key) =
                                        self.prov.producer_and_key(id).unwrap_or((0, None));
                                    if !f.keeps(
                                        &self.topo.producers[from as usize],
                                        self.prov.seq(id),
                                        key,
                                    ) {
                                        return;
                                    }
                                }
                                let ts = self.prov.timestamp_ms(id, &self.topo).unwrap_or(0);
                                sides[side].push((ts, id));
                            },
                        );
                    }
                }
                // The table (the tasks' map type): per key, the record whose value it holds (-1:
                // deleted) and that update's timestamp; and the value before the updates with
                // that timestamp.
                let mut store: BTreeMap<u32, (i64, u64)> = BTreeMap::new();
                let mut before: BTreeMap<u32, (i64, u64)> = BTreeMap::new();
                let id_of = |v: i64| (v >= 0).then_some(v as RecordId);
                let (mut a, mut b) = (0, 0);
                while a < sides[0].len() || b < sides[1].len() {
                    let stream_next = match (sides[0].get(a), sides[1].get(b)) {
                        // Ties: the table's first (`join.rs`).
                        (Some(x), Some(y)) => x.0 < y.0,
                        (x, _) => x.is_some(),
                    };
                    if stream_next {
                        let (ts, id) = sides[0][a];
                        a += 1;
                        let (key, null, _) = info(id).unwrap_or((None, true, 0));
                        if null || (key.is_none() && !j.left) {
                            continue;
                        }
                        let (now, earlier) = match key.and_then(|k| store.get(&k).map(|v| (k, *v)))
                        {
                            Some((k, (v, at))) if at == ts => {
                                (id_of(v), before.get(&k).and_then(|b| id_of(b.0)))
                            }
                            Some((_, (v, _))) => (id_of(v), id_of(v)),
                            None => (None, None),
                        };
                        if now.is_some() || earlier.is_some() || j.left {
                            expected.push((id, now, earlier));
                        }
                    } else {
                        let (ts, id) = sides[1][b];
                        b += 1;
                        if let Some((Some(k), null, _)) = info(id) {
                            let old = store.get(&k).copied().unwrap_or((-1, 0));
                            if old.1 < ts || !store.contains_key(&k) {
                                before.insert(k, old);
                            }
                            store.insert(k, (if null { -1 } else { id as i64 }, ts));
                        }
                    }
                }
            }
        }
        // One sort for every table below (each sort instantiation is kilobytes of the bundle):
        // rows `(record, Option, Option)`, sorted whole.
        crate::kernel::small::sort_by(&mut expected, Ord::cmp);
        expected
    }

    /// Record `id`'s key, whether its value is null (its producer's `null_value`), and its
    /// timestamp (ms): what a join reads of a record.
    fn key_null_timestamp(&self, id: crate::log::RecordId) -> Option<(Option<u32>, bool, u64)> {
        let (p, k) = self.prov.producer_and_key(id)?;
        let null = self.topo.producers.get(p as usize)?.null_value;
        Some((k, null, self.prov.timestamp_ms(id, &self.topo).unwrap_or(0)))
    }

    /// Stream record `id`'s row in its stream–table join's reference (see
    /// [`Sim::join_reference`]), if the first Kafka Streams application joins a table.
    pub(crate) fn join_reference_of(
        &self,
        id: crate::log::RecordId,
    ) -> Option<(
        crate::log::RecordId,
        Option<crate::log::RecordId>,
        Option<crate::log::RecordId>,
    )> {
        let first = self.streams.first()?;
        let j = first.spec.join.as_ref().filter(|j| j.window.is_none())?;
        let reference = self.join_reference(first, j);
        let i = reference.binary_search_by_key(&id, |e| e.0).ok()?;
        Some(reference[i])
    }

    /// A join's results against the reference (see [`JoinResults`]). Sorted vectors and the
    /// stores' map type only (no new B-tree type in the notebook bundle).
    fn join_results(
        &self,
        first: &StreamsInstance,
        j: &crate::config::streams::TableJoin,
    ) -> JoinResults {
        use crate::client::streams::join::Joined;
        use crate::log::RecordId;
        let f = first.spec.filter.is_some();
        let expected = self.join_reference(first, j);
        let info = |id: RecordId| self.key_null_timestamp(id);
        let mut r = JoinResults {
            left: j.left,
            processor: j.processor(f),
            table: j.table.clone(),
            store: j.store(f),
            reference: expected.iter().filter(|e| e.1.is_some() || j.left).count() as u64,
            reference_joined: expected.iter().filter(|e| e.1.is_some()).count() as u64,
            results: 0,
            with_table: 0,
            without_table: 0,
            twice: 0,
            first_twice: None,
            mismatched: 0,
            mismatched_dropped: 0,
            dropped: 0,
            missing: 0,
            examples: Vec::new(),
            window: None,
            late_missing: 0,
            nulls_with_partner: 0,
            other_processor: String::new(),
            capped: false,
        };
        // Every result: `(stream record, its place in the output, table record joined)`.
        let mut results: Vec<(RecordId, Option<RecordId>, Option<RecordId>)> = Vec::new();
        let producer = &self.producers[first.producer as usize];
        for local in 0..producer.partitions {
            let part = producer.global_part(local);
            let Some(log) = self.verdict_log(part) else {
                continue;
            };
            log.for_each_record_id_dyn(0, log.high_watermark, &self.batches, &mut |_, id| {
                if let Some(Joined { stream, table, .. }) =
                    self.streams_values.joined.find_sorted(id)
                {
                    results.push((stream, Some(results.len() as RecordId), table));
                }
            });
        }
        r.results = results.len() as u64;
        r.with_table = results.iter().filter(|e| e.2.is_some()).count() as u64;
        r.without_table = r.results - r.with_table;
        // By stream record, the first result of each first.
        crate::kernel::small::sort_by(&mut results, Ord::cmp);
        // What the reference joins the record with, either way round equal timestamps.
        let want = |stream: RecordId| {
            expected
                .binary_search_by_key(&stream, |e| e.0)
                .map_or((None, None), |i| (expected[i].1, expected[i].2))
        };
        // The first mismatches: `(stream record, table record joined, expected)`.
        let mut shown: Vec<(RecordId, Option<RecordId>, Option<RecordId>)> = Vec::new();
        let mut mismatch =
            |r: &mut JoinResults, m: (RecordId, Option<RecordId>, Option<RecordId>)| {
                r.mismatched += 1;
                if shown.len() < 20 {
                    shown.push(m);
                }
            };
        for (i, &(stream, _, table)) in results.iter().enumerate() {
            if i > 0 && results[i - 1].0 == stream {
                if i < 2 || results[i - 2].0 != stream {
                    r.twice += 1;
                    r.first_twice.get_or_insert(stream);
                }
                continue;
            }
            let (now, earlier) = want(stream);
            if table != now && table != earlier {
                mismatch(&mut r, (stream, table, now));
            }
        }
        // A stream record the reference joins and the output has no result for: processed by an
        // inner join that found no table value (a mismatch), or not processed yet.
        let unjoined = sorted_rows(&self.streams_values.unjoined);
        r.dropped = (0..unjoined.len())
            .filter(|&i| i == 0 || unjoined[i - 1].0 != unjoined[i].0)
            .count() as u64;
        let unjoined = |id: RecordId| unjoined.binary_search_by_key(&id, |e| e.0).is_ok();
        for &(stream, now, earlier) in &expected {
            if results.binary_search_by_key(&stream, |e| e.0).is_ok() {
                continue;
            }
            // An inner join with nothing to join either way round forwards nothing.
            if !j.left && (now.is_none() || earlier.is_none()) {
                if now.is_some() && !unjoined(stream) && !self.prov.is_deleted(stream) {
                    r.missing += 1;
                }
                continue;
            }
            if !unjoined(stream) {
                // A record compaction or retention removed on some replica may have been gone
                // before an instance read it.
                if !self.prov.is_deleted(stream) {
                    r.missing += 1;
                }
                continue;
            }
            r.mismatched_dropped += 1;
            mismatch(&mut r, (stream, None, now));
        }
        let with_ts = |t: Option<RecordId>| t.map(|t| (t, info(t).map_or(0, |i| i.2)));
        let mut name = String::new();
        for (stream, joined, want) in shown {
            let (key, ts) = info(stream).map_or((None, 0), |(k, _, ts)| (k, ts));
            name.clear();
            if let Some(k) = key {
                self.topo.producers[first.producer as usize].write_key(k, &mut name);
            }
            r.examples.push(JoinMismatch {
                key: name.clone(),
                stream,
                timestamp: ts,
                joined: with_ts(joined),
                expected: with_ts(want),
            });
        }
        r
    }

    /// A windowed count's results by window against the reference: what the same count run by
    /// one task per partition that never crashed forwards, over the input below the high
    /// watermark in offset order (with `onWindowClose`, only closed windows). Returns the counts, what the output says beyond the reference (records counted
    /// twice, or late records a restarted task accepted) and what it is missing.
    fn windowed_counts(
        &self,
        first: &StreamsInstance,
        w: &Windowing,
    ) -> (WindowedCounts, u64, u64) {
        // By (start, end, key): the reference's last result, the output's and how many results
        // the output holds for the window.
        #[derive(Default)]
        struct Entry {
            reference: Option<i64>,
            output: Option<i64>,
            emitted: u64,
            /// The record of its second result.
            second: Option<crate::log::RecordId>,
        }
        // Sorted by its key (a binary search per record: no map type of its own in the bundle).
        let mut table: Vec<((i64, i64, u32), Entry)> = Vec::new();
        fn slot_of(table: &mut Vec<((i64, i64, u32), Entry)>, key: (i64, i64, u32)) -> &mut Entry {
            let i = match table.binary_search_by_key(&key, |e| e.0) {
                Ok(i) => i,
                Err(i) => {
                    table.insert(i, (key, Entry::default()));
                    i
                }
            };
            &mut table[i].1
        }
        let mut reference_dropped = 0u64;
        // The reference's work over every partition: past the bound on windowed work it stops
        // (a hopping window advancing by 1 ms keeps 10,000 windows open per key and second of
        // size), and the output is not judged.
        let mut work = 0u64;
        let aggregate = first.spec.aggregate();
        // After `groupBy` or `map`, the windows count what sub-topology 1 reads: the repartition
        // topic, in its order, each input record once (its first copy).
        let repartition = first.spec.repartition_topic();
        let read = repartition.as_deref().unwrap_or(&first.spec.input);
        if let Some(input) = self.topo.topic_index(read) {
            let input = &self.topo.topics[input as usize];
            let mut cache = self.streams_reference.borrow_mut();
            for part in input.first_part..input.first_part + input.partitions {
                let Some(mut log) = self.verdict_log(part) else {
                    continue;
                };
                // A repartition partition is purged: a replica that fell behind its log start
                // keeps a history from there only (`truncateFullyAndStartAt`), so the reference
                // reads a replica that holds it all, if one does.
                if repartition.is_some() && log.history_start() > 0 {
                    let whole = (1..=self.brokers.len() as crate::BrokerId)
                        .filter_map(|b| self.replica_log(b, part))
                        .find(|l| l.history_start() == 0);
                    log = whole.unwrap_or(log);
                }
                let hw = log.high_watermark;
                // Carried from the last view, if the log below it is unchanged: the offset it
                // reached still holds the record it read there (an unclean election may truncate
                // below the high watermark; time travel hands back an older run with its own).
                let slot = match cache.iter().position(|r| r.part == part) {
                    Some(i) => i,
                    None => {
                        cache.push(ReferencePart::new(part, w, aggregate));
                        cache.len() - 1
                    }
                };
                let r = &mut cache[slot];
                let mut same = r.upto <= hw;
                if same && r.upto > 0 {
                    let mut at = None;
                    log.for_each_record_id_dyn(r.upto - 1, r.upto, &self.batches, &mut |_, id| {
                        at = Some(id);
                    });
                    same = at == r.last_id;
                }
                if !same {
                    *r = ReferencePart::new(part, w, aggregate);
                }
                // The results of this pass, in the order produced: merged into the sorted
                // `results` after it (a sorted insert per result is quadratic in the windows a
                // hopping window keeps open).
                let mut fresh: Vec<WindowResult> = Vec::new();
                work += r.processor.work();
                // Past the bound, it stops at the first record it leaves unread, so that a later
                // view goes on from there (what it read never depends on earlier views).
                let mut stopped_at: Option<u64> = None;
                log.for_each_record_id_dyn(r.upto, hw, &self.batches, &mut |offset, id| {
                    if stopped_at.is_some() || work > windowed::MAX_WINDOW_WORK {
                        stopped_at.get_or_insert(offset);
                        return;
                    }
                    r.last_id = Some(id);
                    let Some((from, Some(k))) = self.prov.producer_and_key(id) else {
                        return;
                    };
                    let info = &self.topo.producers[from as usize];
                    if repartition.is_some() {
                        // A task that processes its input again after a crash writes its copies
                        // again, in input order from its committed offset: a copy at or below
                        // the furthest offset seen from its input partition is a later one.
                        let Some(src) = self.streams_values.get(id) else {
                            return;
                        };
                        let (q, offset) = crate::client::streams::source_parts(src);
                        let (q, next) = (q as usize, offset as i64 + 1);
                        if r.seen.len() <= q {
                            r.seen.resize(q + 1, 0);
                        }
                        if next <= r.seen[q] {
                            return;
                        }
                        r.seen[q] = next;
                    } else if info.null_value && crate::client::streams::skips_null_values(Some(w))
                        || first
                            .spec
                            .filter
                            .as_ref()
                            .is_some_and(|f| !f.keeps(info, self.prov.seq(id), Some(k)))
                    {
                        return;
                    }
                    // A sum or a maximum reads the record's value (a record without one is
                    // skipped).
                    let value = if aggregate != Aggregate::Count {
                        match info
                            .value_of(self.prov.seq(id))
                            .and_then(|v| info.values.number(v))
                        {
                            Some(n) => n.to_string(),
                            None => return,
                        }
                    } else {
                        String::new()
                    };
                    let ts = self.prov.timestamp_ms(id, &self.topo).unwrap_or(0) as i64;
                    let record = khafka_streams::Record {
                        key: k.to_string(),
                        value,
                        timestamp: ts,
                    };
                    // The results it forwards, as the instances forward theirs: every update
                    // (the last is the window's count), or each window's final count.
                    let before = r.processor.work();
                    let events = r.processor.process(&record).unwrap_or_default();
                    work += r.processor.work() - before;
                    for e in events {
                        match e {
                            khafka_streams::Event::Result {
                                key, window, value, ..
                            } => {
                                let k: u32 = key.parse().unwrap_or(k);
                                let key = (window.start, window.end, k);
                                fresh.push((key, value.as_ref().map(windowed::long)));
                            }
                            khafka_streams::Event::Dropped(_) => r.dropped += 1,
                        }
                    }
                    r.processor.take_writes();
                });
                merge_results(&mut r.results, fresh);
                r.upto = stopped_at.unwrap_or(hw);
                reference_dropped += r.dropped;
                for &(key, v) in &r.results {
                    slot_of(&mut table, key).reference = v;
                }
            }
        }
        let producer = &self.producers[first.producer as usize];
        for local in 0..producer.partitions {
            let part = producer.global_part(local);
            if let Some(log) = self.verdict_log(part) {
                log.for_each_record_id_dyn(0, log.high_watermark, &self.batches, &mut |_, id| {
                    if let (Some((_, Some(k))), Some(v)) = (
                        self.prov.producer_and_key(id),
                        self.streams_values.windowed.get(id),
                    ) {
                        let e = slot_of(&mut table, (v.start, v.end, k));
                        e.output = v.count;
                        e.emitted += u64::from(v.count.is_some());
                        if e.emitted == 2 && v.count.is_some() {
                            e.second = Some(id);
                        }
                    }
                });
            }
        }
        let capped = work > windowed::MAX_WINDOW_WORK;
        let info = &self.topo.producers[first.producer as usize];
        let (mut over, mut under, mut twice) = (0u64, 0u64, 0u64);
        let mut first_twice: Option<crate::log::RecordId> = None;
        let mut name = String::new();
        let windows = table
            .into_iter()
            // A capped reference is left out: what it reached depends on how the views read it.
            .filter(|(_, e)| !capped || e.output.is_some() || e.emitted > 0)
            .map(|((start, end, k), mut e)| {
                if capped {
                    e.reference = e.output;
                }
                let rv = e.reference.unwrap_or(0).max(0) as u64;
                let ov = e.output.unwrap_or(0).max(0) as u64;
                over += ov.saturating_sub(rv);
                under += rv.saturating_sub(ov);
                if w.on_window_close && e.emitted > 1 {
                    twice += 1;
                    first_twice = match (first_twice, e.second) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
                info.write_key(k, &mut name);
                WindowCount {
                    key: name.clone(),
                    window: windowed::window_text(w, start, end),
                    start,
                    end,
                    reference: e.reference.filter(|_| !capped),
                    output: e.output,
                    emitted: e.emitted,
                }
            })
            .collect();
        (
            WindowedCounts {
                kind: w.kind(),
                java: w.java(),
                on_window_close: w.on_window_close,
                windows,
                reference_dropped: if capped { 0 } else { reference_dropped },
                final_results_twice: twice,
                first_twice,
                capped,
            },
            over,
            under,
        )
    }

    /// Records a windowed count skipped as late, by record id, with which window and how late.
    pub fn late_records(
        &self,
    ) -> impl Iterator<Item = (crate::log::RecordId, &windowed::LateDrop)> {
        self.streams_values.late.iter().map(|(id, d)| (*id, d))
    }

    /// The log the verdicts read for partition `part` (its leader's; see `Sim::verdict_source`).
    pub(crate) fn verdict_log(&self, part: PartIdx) -> Option<&Log> {
        self.replica_log(self.verdict_source(part)?, part)
    }
}

/// What a summary line adds when its reference stopped at the bound on windowed work.
const CAPPED: &str = " (the reference reached the simulator's bound: not judged)";

/// The reference run over one input partition, as far as the last view read it.
#[derive(Clone, Debug)]
pub struct ReferencePart {
    part: PartIdx,
    /// The offset it has read up to (exclusive), and the record it read last.
    upto: u64,
    last_id: Option<crate::log::RecordId>,
    processor: khafka_streams::WindowedAggregation,
    /// After a repartition topic: per input partition, one past the furthest input offset whose
    /// copy it counted.
    seen: Vec<i64>,
    /// Its last result per `(start, end, key)`, sorted.
    results: Vec<WindowResult>,
    dropped: u64,
}

/// A windowed result's key `(window start, window end, key)` and its value.
type WindowResult = ((i64, i64, u32), Option<i64>);

/// Takes `fresh` results, in the order produced, into the sorted `results`: a window's last
/// result replaces what it had (a stable sort, then one merge; a sorted insert per result is
/// quadratic in the windows a hopping window keeps open).
fn merge_results(results: &mut Vec<WindowResult>, mut fresh: Vec<WindowResult>) {
    if fresh.is_empty() {
        return;
    }
    crate::kernel::small::sort_by(&mut fresh, |a, b| a.0.cmp(&b.0));
    let mut old = std::mem::take(results).into_iter().peekable();
    let mut merged = Vec::with_capacity(old.len() + fresh.len());
    for (i, &(key, v)) in fresh.iter().enumerate() {
        if fresh.get(i + 1).is_some_and(|next| next.0 == key) {
            continue;
        }
        while let Some(o) = old.next_if(|o| o.0 < key) {
            merged.push(o);
        }
        old.next_if(|o| o.0 == key);
        merged.push((key, v));
    }
    merged.extend(old);
    *results = merged;
}

impl ReferencePart {
    fn new(part: PartIdx, w: &Windowing, aggregate: Aggregate) -> Self {
        ReferencePart {
            part,
            upto: 0,
            last_id: None,
            processor: windowed::processor(w, aggregate),
            seen: Vec::new(),
            results: Vec::new(),
            dropped: 0,
        }
    }
}

impl WindowedCounts {
    /// The windows that hold a count in the output or the reference (sessions merged away, a
    /// tombstone in both, are left out).
    pub fn live(&self) -> impl Iterator<Item = &WindowCount> {
        self.windows
            .iter()
            .filter(|c| c.output.is_some() || c.reference.is_some())
    }
}

impl JoinResults {
    /// The results, what they joined, and the reference's.
    pub fn totals(&self) -> String {
        if let Some(w) = &self.window {
            let nulls = if self.without_table > 0 {
                format!(" ({} with null)", self.without_table)
            } else {
                String::new()
            };
            return format!(
                "{} results{nulls} in the output topic · reference {} within {w} · not in it yet {}",
                self.results, self.reference, self.missing
            );
        }
        format!(
            "{} results in the output topic · {} with a {} value, {} without · reference {} ({} with) · not in it yet {}",
            self.results,
            self.with_table,
            self.table,
            self.without_table,
            self.reference,
            self.reference_joined,
            self.missing
        )
    }
}

impl StreamsView {
    /// What `expect` reads.
    pub fn outcome(&self) -> crate::outcome::StreamsOutcome {
        crate::outcome::StreamsOutcome {
            keys: self.keys.len() as u64,
            counted_twice: self.overcount,
            not_counted: self.undercount,
            restored_records: self
                .instances
                .iter()
                .flat_map(|i| &i.restorations)
                .map(|r| r.records)
                .sum(),
            dropped_records: self.instances.iter().map(|i| i.dropped).sum(),
            late_records: self.instances.iter().map(|i| i.dropped_late).sum(),
            windows: self.windowed.as_ref().map_or(0, |w| {
                w.windows.iter().filter(|c| c.output.is_some()).count() as u64
            }),
            final_results_twice: self.windowed.as_ref().map_or(0, |w| w.final_results_twice),
            joined: self.join.as_ref().map_or(0, |j| j.with_table),
            unmatched: self.instances.iter().map(|i| i.unmatched).sum(),
            joined_twice: self.join.as_ref().map_or(0, |j| j.twice),
            join_mismatches: self.join.as_ref().map_or(0, |j| j.mismatched),
            join_pairs_missed_late: self.join.as_ref().map_or(0, |j| j.late_missing),
            joined_with_null: self.join.as_ref().map_or(0, |j| j.without_table),
            zombie_writes: self.zombie_writes,
            reference_capped: self.windowed.as_ref().is_some_and(|w| w.capped)
                || self.join.as_ref().is_some_and(|j| j.capped),
        }
    }

    /// The view as the CLI prints it.
    pub fn text(&self) -> String {
        let mut out = self.topology.clone();
        let topics = if self.changelog.contains(", ") {
            "topics"
        } else {
            "topic"
        };
        out.push_str(&format!("changelog {topics}: {}\n", self.changelog));
        if let Some(r) = &self.repartition {
            out.push_str(&format!("repartition topic: {r}\n"));
        }
        if let Some(f) = &self.filter {
            out.push_str(&format!("filter: {f}\n"));
        }
        for i in &self.instances {
            out.push_str(&format!(
                "streams {} (application.id {}): {} · processed {} · forwarded {} · dropped {}\n",
                i.name, i.application_id, i.state, i.processed, i.forwarded, i.dropped
            ));
            if self.filter.is_some() {
                out.push_str(&format!("\tstopped by the filter {}\n", i.filtered));
            }
            let windowed_join = self.join.as_ref().is_some_and(|j| j.window.is_some());
            if windowed_join {
                out.push_str(&format!(
                    "\tresults {} · records with no partner in the window {} · too late for part of their window {} · skipped by an expired segment {} · enforced processing {}\n",
                    i.joined, i.unmatched, i.join_late, i.join_expired, i.enforced
                ));
            } else if self.join.is_some() {
                out.push_str(&format!(
                    "\tjoined {} · no table value {} · table updates {} · enforced processing {}\n",
                    i.joined, i.unmatched, i.table_updates, i.enforced
                ));
            }
            let held = if windowed_join { "records" } else { "keys" };
            for t in &i.tasks {
                if self.windowed.is_some() {
                    let time = |t: Option<i64>| t.map_or("none".to_string(), |t| t.to_string());
                    out.push_str(&format!(
                        "\ttask {} {} · {} windows · processed {} · stream time {} · close time {} · dropped late {} · record-lateness-max {} ms\n",
                        t.id,
                        t.state,
                        t.keys,
                        t.processed,
                        time(t.stream_time),
                        time(t.close_time),
                        t.dropped_late,
                        t.lateness_max
                    ));
                    continue;
                }
                let waiting = if t.waiting > 0 {
                    format!(" · {} waiting for their window to close", t.waiting)
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    "\ttask {} {} · {} {held} · processed {}{waiting}\n",
                    t.id, t.state, t.keys, t.processed
                ));
            }
            for r in &i.restorations {
                out.push_str(&format!(
                    "\trestored task {}_{} at {} ms: {} changelog records, {} {}, in {} ms\n",
                    r.subtopology,
                    r.partition,
                    r.from_us / 1_000,
                    r.records,
                    r.keys,
                    if self.windowed.is_some() {
                        "windows"
                    } else {
                        held
                    },
                    (r.to_us - r.from_us) / 1_000
                ));
            }
        }
        if let Some(w) = &self.windowed {
            out.push_str(&format!(
                "windows: {} ({}), {}\n",
                w.kind,
                w.java,
                if w.on_window_close {
                    "emitted on window close"
                } else {
                    "emitted on every update"
                }
            ));
            const SHOWN: usize = 40;
            let shown: Vec<&WindowCount> = w.live().collect();
            for c in shown.iter().take(SHOWN) {
                let v = |v: Option<i64>| v.map_or("-".to_string(), |v| v.to_string());
                out.push_str(&format!(
                    "\t{}@{} output {} · reference {}{}\n",
                    c.key,
                    c.window,
                    v(c.output),
                    v(c.reference),
                    if c.emitted > 1 && w.on_window_close {
                        format!(" · emitted {} times", c.emitted)
                    } else {
                        String::new()
                    }
                ));
            }
            if shown.len() > SHOWN {
                out.push_str(&format!("\t… {} more windows\n", shown.len() - SHOWN));
            }
            let dropped: u64 = self.instances.iter().map(|i| i.dropped_late).sum();
            out.push_str(&format!(
                "windowed {}: {} windows · dropped late {} (reference {}) · over the reference {} · missing {}{}{}\n",
                self.plural(),
                shown.len(),
                dropped,
                w.reference_dropped,
                self.overcount,
                self.undercount,
                if w.on_window_close {
                    format!(" · final results emitted twice {}", w.final_results_twice)
                } else {
                    String::new()
                },
                if w.capped { CAPPED } else { "" }
            ));
            return out;
        }
        if let Some((j, w)) = self
            .join
            .as_ref()
            .and_then(|j| j.window.as_ref().map(|w| (j, w)))
        {
            out.push_str(&format!(
                "join results ({w}): {} results ({} without a partner) · reference {} · missing (yet) {} · missing because a record came late {} · joined twice {} · outside the window {} · null although a partner is in the window {}{}\n",
                j.results, j.without_table, j.reference, j.missing, j.late_missing, j.twice, j.mismatched, j.nulls_with_partner,
                if j.capped { CAPPED } else { "" }
            ));
            return out;
        }
        if let Some(j) = &self.join {
            out.push_str(&format!(
                "join results: {} · joined twice {} · not as of the record's time {}\n",
                j.totals(),
                j.twice,
                j.mismatched
            ));
            let ts = |t: Option<(crate::log::RecordId, u64)>| {
                t.map_or("none".to_string(), |(id, ts)| format!("record {id} @{ts}"))
            };
            for m in &j.examples {
                out.push_str(&format!(
                    "\t{} record {} @{}: joined {} · as of its time {}\n",
                    m.key,
                    m.stream,
                    m.timestamp,
                    ts(m.joined),
                    ts(m.expected)
                ));
            }
            return out;
        }
        let what = self.plural();
        out.push_str(&format!("{what}: {}\n", self.count_totals()));
        out
    }
}

impl StreamsView {
    /// What the topology aggregates (the `sum` and `max` flags the JSON output carries).
    pub fn aggregate(&self) -> Aggregate {
        match (self.sum, self.max) {
            (true, _) => Aggregate::Sum,
            (_, true) => Aggregate::Max,
            _ => Aggregate::Count,
        }
    }

    /// What the output holds, as the CLI names it: `counts`, `sums` or `maxima`.
    pub fn plural(&self) -> &'static str {
        match self.aggregate() {
            Aggregate::Sum => "sums",
            Aggregate::Max => "maxima",
            Aggregate::Count => "counts",
        }
    }

    /// The count's (or the sum's, or the maximum's) totals, as the CLI (after `counts: `,
    /// `sums: ` or `maxima: `) and the panel print them.
    pub fn count_totals(&self) -> String {
        let input: u64 = self.keys.iter().map(|k| k.input).sum();
        let (keys, over, under) = (self.keys.len(), self.overcount, self.undercount);
        let passing = if self.filter.is_some() {
            " that pass the filter"
        } else {
            ""
        };
        let zombie = match self.zombie_writes {
            0 => String::new(),
            n => format!(" · changelog writes of an instance that had lost its task (zombie) {n}"),
        };
        let totals = if self.sum {
            format!(
                "{keys} keys · the input's values{passing} add up to {input} · added twice {over} · not added (yet) {under}"
            )
        } else if self.max {
            format!(
                "{keys} keys · each key's largest value{passing} · above it {over} · below it (yet) {under}"
            )
        } else {
            format!(
                "{keys} keys · {input} input records{passing} · counted twice {over} · not counted (yet) {under}"
            )
        };
        totals + &zombie
    }
}

/// Record ids as the join views' rows, sorted (one row shape, one sort in the bundle).
#[allow(clippy::type_complexity)]
fn sorted_rows(
    ids: &crate::chunked::ChunkVec<crate::log::RecordId>,
) -> Vec<(
    crate::log::RecordId,
    Option<crate::log::RecordId>,
    Option<crate::log::RecordId>,
)> {
    let mut rows: Vec<_> = ids.iter().map(|&id| (id, None, None)).collect();
    crate::kernel::small::sort_by(&mut rows, Ord::cmp);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The merge gives what a sorted insert (or update) per result gives, in order.
    #[test]
    fn merged_results_are_the_last_per_window_sorted() {
        let k = |s: i64, key: u32| (s, s + 10, key);
        let mut by_insert: Vec<WindowResult> = Vec::new();
        let mut merged = by_insert.clone();
        let passes: [&[WindowResult]; 3] = [
            &[(k(0, 1), Some(1)), (k(0, 1), Some(2)), (k(5, 0), Some(1))],
            &[
                (k(0, 0), Some(1)),
                (k(5, 0), None),
                (k(0, 1), Some(3)),
                (k(0, 0), Some(2)),
            ],
            &[(k(9, 2), Some(1)), (k(0, 0), Some(4))],
        ];
        for pass in passes {
            for &(key, v) in pass {
                match by_insert.binary_search_by_key(&key, |e| e.0) {
                    Ok(i) => by_insert[i].1 = v,
                    Err(i) => by_insert.insert(i, (key, v)),
                }
            }
            merge_results(&mut merged, pass.to_vec());
            assert_eq!(merged, by_insert);
        }
        assert_eq!(merged.len(), 4);
    }
}
