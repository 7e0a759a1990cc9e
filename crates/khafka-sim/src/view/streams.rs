//! What the site and the CLI read of Kafka Streams instances (`client/streams`): each instance's
//! tasks and restorations, and per key the truth against the result — how many records with the
//! key the input topic holds, and the last count the output topic holds for it. Under
//! `at_least_once` a count above the truth is a record counted twice: processed, its update written
//! to the changelog and the output, then processed again after a crash because its offset was not
//! committed yet.

use crate::client::streams::{Restoration, TaskState};
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
    /// Records the count skipped: a null key or value (`dropped-records`).
    pub dropped: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StreamsTaskView {
    /// `0_P`.
    pub id: String,
    pub partition: u32,
    /// `restoring` or `running`.
    pub state: &'static str,
    /// Keys in its store.
    pub keys: u64,
    pub processed: u64,
}

/// A key's truth and result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyCount {
    pub key: String,
    /// Records with this key and a value in the input topic (below the high watermark).
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
    pub topology: String,
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
                            id: format!("0_{}", t.partition),
                            partition: t.partition,
                            state: match t.state {
                                TaskState::Restoring => "restoring",
                                TaskState::Running => "running",
                            },
                            keys: t.store.len() as u64,
                            processed: t.processed,
                        })
                        .collect(),
                    restorations: s.restorations.clone(),
                    processed: s.processed,
                    forwarded: s.forwarded,
                    dropped: s.dropped_null_key,
                }
            })
            .collect();
        let producer = &self.producers[first.producer as usize];
        let input = self.topo.topic_index(&first.spec.input)?;
        let input = &self.topo.topics[input as usize];
        let mut truth: BTreeMap<u32, u64> = BTreeMap::new();
        for part in input.first_part..input.first_part + input.partitions {
            if let Some(log) = self.verdict_log(part) {
                log.for_each_record_id(0, log.high_watermark, &self.batches, |_, id| {
                    // The count skips null keys and null values (tombstones).
                    if let Some((p, Some(k))) = self.prov.producer_and_key(id) {
                        if !self.topo.producers[p as usize].null_value {
                            *truth.entry(k).or_default() += 1;
                        }
                    }
                });
            }
        }
        let mut result: BTreeMap<u32, i64> = BTreeMap::new();
        for local in 0..producer.partitions {
            let part = producer.global_part(local);
            if let Some(log) = self.verdict_log(part) {
                log.for_each_record_id(0, log.high_watermark, &self.batches, |_, id| {
                    if let (Some((_, Some(k))), Some(v)) =
                        (self.prov.producer_and_key(id), self.streams_values.get(id))
                    {
                        result.insert(k, v);
                    }
                });
            }
        }
        let info = &self.topo.producers[first.producer as usize];
        let mut keys: Vec<u32> = truth.keys().chain(result.keys()).copied().collect();
        keys.sort_unstable();
        keys.dedup();
        let (mut overcount, mut undercount) = (0u64, 0u64);
        let mut name = String::new();
        let keys = keys
            .into_iter()
            .map(|k| {
                let input = truth.get(&k).copied().unwrap_or(0);
                let output = result.get(&k).copied();
                let out = output.unwrap_or(0).max(0) as u64;
                overcount += out.saturating_sub(input);
                undercount += input.saturating_sub(out);
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
            changelog: first.spec.config.changelog_topic(),
            topology: first.spec.describe_topology(),
        })
    }

    /// The log the verdicts read for partition `part` (its leader's; see `Sim::verdict_source`).
    fn verdict_log(&self, part: PartIdx) -> Option<&Log> {
        self.replica_log(self.verdict_source(part)?, part)
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
        }
    }

    /// The view as the CLI prints it.
    pub fn text(&self) -> String {
        let mut out = self.topology.clone();
        out.push_str(&format!("changelog topic: {}\n", self.changelog));
        for i in &self.instances {
            out.push_str(&format!(
                "streams {} (application.id {}): {} · processed {} · forwarded {} · dropped {}\n",
                i.name, i.application_id, i.state, i.processed, i.forwarded, i.dropped
            ));
            for t in &i.tasks {
                out.push_str(&format!(
                    "\ttask {} {} · {} keys · processed {}\n",
                    t.id, t.state, t.keys, t.processed
                ));
            }
            for r in &i.restorations {
                out.push_str(&format!(
                    "\trestored task 0_{} at {} ms: {} changelog records, {} keys, in {} ms\n",
                    r.partition,
                    r.from_us / 1_000,
                    r.records,
                    r.keys,
                    (r.to_us - r.from_us) / 1_000
                ));
            }
        }
        let input: u64 = self.keys.iter().map(|k| k.input).sum();
        out.push_str(&format!(
            "counts: {} keys · {} input records · counted twice {} · not counted (yet) {}\n",
            self.keys.len(),
            input,
            self.overcount,
            self.undercount
        ));
        out
    }
}
