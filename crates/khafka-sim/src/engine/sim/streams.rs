//! The engine's side of Kafka Streams instances (`client/streams`): after each event one of an
//! instance's clients handled, [`Sim::streams_after`] lets the instance follow its main
//! consumer's assignment, restore, process and flush, each client in its own context.

use super::Sim;
use crate::client::streams::StreamsInstance;
use crate::ctx::{Ctx, Node};
use crate::log::RecordId;
use crate::producer::Producer;

/// Rounds of [`Sim::streams_step`] at one event: a flush lets the loop commit and poll again,
/// which may process more records. What is left waits for the instance's next event.
const ROUNDS: usize = 8;

impl Sim {
    /// The instances, built from the spec's `streams` lines and the clients they brought.
    pub(super) fn build_streams(&mut self) {
        let spec = self.spec.clone();
        for s in &spec.streams {
            let find_c = |name: String| {
                self.consumers
                    .iter()
                    .position(|c| *c.name == *name)
                    .expect("add_streams added it") as u32
            };
            let c = find_c(s.consumer_name());
            let r = find_c(s.restore_consumer_name());
            let p = self
                .producers
                .iter()
                .position(|p| *p.name == *s.producer_name())
                .expect("add_streams added it") as u32;
            // One task per partition of the input (a join's table has as many).
            let input = self
                .topo
                .topic_index(&s.input)
                .map_or(0, |t| self.topo.topics[t as usize].partitions);
            self.streams.push(StreamsInstance::new(s, c, r, p, input));
        }
    }

    /// The instance whose client handled the event, if any, takes its turn.
    pub(super) fn streams_after(&mut self, node: Option<Node>) {
        if self.streams.is_empty() {
            return;
        }
        let i = match node {
            Some(Node::Consumer(c)) => self
                .streams
                .iter()
                .position(|s| s.consumer == c || s.restore_consumer == c),
            Some(Node::Producer(p)) => self.streams.iter().position(|s| s.producer == p),
            _ => None,
        };
        if let Some(i) = i {
            self.streams_step(i);
        }
    }

    /// One instance's turn (see `client/streams`).
    pub(super) fn streams_step(&mut self, i: usize) {
        // Record ids follow send order across producers: records due before now first.
        self.generate_due();
        let (c, r, p) = {
            let s = &self.streams[i];
            (
                s.consumer as usize,
                s.restore_consumer as usize,
                s.producer as usize,
            )
        };
        for _ in 0..ROUNDS {
            // The end of a batch and the revocation its `poll()` applies (`onJoinComplete`) can
            // come in one event: the batch's records go through their tasks first, as Kafka's
            // loop processed them before that poll.
            if self.consumers[c].has_processed()
                && self.streams[i].assignment_moves(&self.consumers[c])
            {
                let records = self.consumers[c].take_processed();
                self.streams_process(i, records, false);
            }
            let changes = {
                let mut ctx = ctx!(self, Node::Consumer(c as u32));
                self.streams[i].follow_assignment(
                    &mut ctx,
                    &mut self.consumers[c],
                    &self.streams_values,
                )
            };
            if !changes.is_empty() {
                let parts: Vec<(u32, bool)> = changes
                    .iter()
                    .flat_map(|&(task, on)| {
                        self.streams[i].restore_parts(task).map(move |p| (p, on))
                    })
                    .collect();
                let mut ctx = ctx!(self, Node::Consumer(r as u32));
                for (part, on) in parts {
                    self.consumers[r].assign_by_hand(&mut ctx, part, on);
                }
            }
            let done = {
                let mut ctx = ctx!(self, Node::Consumer(r as u32));
                self.streams[i].restore(&mut ctx, &mut self.consumers[r], &self.streams_values)
            };
            if !done.is_empty() {
                {
                    let parts: Vec<u32> = done
                        .iter()
                        .flat_map(|&task| self.streams[i].restore_parts(task))
                        .collect();
                    let mut ctx = ctx!(self, Node::Consumer(r as u32));
                    for part in parts {
                        self.consumers[r].assign_by_hand(&mut ctx, part, false);
                    }
                }
                let parts: Vec<u32> = done
                    .iter()
                    .flat_map(|&task| self.streams[i].task_parts(task))
                    .collect();
                let mut ctx = ctx!(self, Node::Consumer(c as u32));
                for part in parts {
                    self.consumers[c].set_task_ready(&mut ctx, part, true);
                }
            }
            let records = self.consumers[c].take_processed();
            // A join's queues may be ready with no new record (a fetch answer told a lag).
            let processed = !records.is_empty() || self.streams[i].spec.join.is_some();
            let flush = self.consumers[c].wants_flush();
            if processed || flush {
                self.streams_process(i, records, flush);
            }
            let flushed = flush && self.producers[p].idle();
            if flushed {
                self.producers[p].end_flush();
                // The commit carries each windowed task's last emitted close time.
                self.streams[i].commit_metadata(&mut self.streams_values);
                let mut ctx: Ctx = ctx!(self, Node::Consumer(c as u32));
                self.consumers[c].streams_flushed(&mut ctx);
            }
            if !flushed && done.is_empty() {
                break;
            }
        }
    }

    /// Instance `i`'s topology processes `records` its main consumer handed out; with `flush`,
    /// its caches are flushed and its producer begins a flush (a commit waits for it), else the
    /// producer sends what it can. Tasks whose queues are full pause their partitions.
    fn streams_process(&mut self, i: usize, records: Vec<(u32, u64, RecordId)>, flush: bool) {
        let (c, p) = (
            self.streams[i].consumer as usize,
            self.streams[i].producer as usize,
        );
        let pauses = {
            let mut ctx = ctx!(self, Node::Producer(p as u32));
            let producer: &mut Producer = &mut self.producers[p];
            let s = &mut self.streams[i];
            let pauses = s.process(
                &mut ctx,
                records,
                &mut self.consumers[c],
                producer,
                &mut self.streams_values,
            );
            if flush {
                s.flush_caches(&mut ctx, producer, &mut self.streams_values);
                producer.begin_flush(&mut ctx);
            } else {
                producer.drain(&mut ctx);
            }
            pauses
        };
        if !pauses.is_empty() {
            let mut ctx = ctx!(self, Node::Consumer(c as u32));
            for (part, paused) in pauses {
                self.consumers[c].set_task_paused(&mut ctx, part, paused);
            }
        }
    }

    /// `crash streams NAME`, `stop streams NAME`, `restart streams NAME`.
    pub(super) fn streams_fault(&mut self, kind: &str, name: &str) {
        let Some(i) = self.streams.iter().position(|s| &*s.name == name) else {
            return;
        };
        let (c, r, p) = {
            let s = &self.streams[i];
            (
                s.consumer as usize,
                s.restore_consumer as usize,
                s.producer as usize,
            )
        };
        if kind.starts_with("crash") {
            {
                let mut ctx = ctx!(self, Node::Consumer(c as u32));
                self.consumers[c].crash(&mut ctx);
                // What it processed and had not sent dies with it.
                self.consumers[c].take_processed();
            }
            {
                let mut ctx = ctx!(self, Node::Consumer(r as u32));
                self.consumers[r].crash(&mut ctx);
            }
            self.producers[p].crash();
            self.streams[i].crash();
            let text = format!("{name}: the instance's process dies: its stores, caches and unsent records are gone");
            self.trace.emit(
                self.now,
                crate::trace::TraceKind::Group {
                    group: self.streams[i].application_id.clone(),
                    text,
                },
            );
        } else if kind.starts_with("stop") {
            // `KafkaStreams.close()`: the main consumer commits after a flush, then leaves.
            let mut ctx = ctx!(self, Node::Consumer(c as u32));
            self.consumers[c].close(&mut ctx);
            self.streams_step(i);
            // A member that is not Stable (a rebalance under way, its coordinator unknown) leaves
            // at once, with no commit: Kafka's `TaskManager.shutdown` still flushes every task's
            // cache (`prepareCommit`); the commit fails, the tasks close dirty, and the producer
            // sends what the flush handed it as it closes.
            if self.streams[i].has_closing() && !self.consumers[c].wants_flush() {
                let mut ctx = ctx!(self, Node::Producer(p as u32));
                let producer: &mut Producer = &mut self.producers[p];
                self.streams[i].flush_caches(&mut ctx, producer, &mut self.streams_values);
                producer.drain(&mut ctx);
            }
        } else {
            if !self.streams[i].crashed && !self.consumers[c].stopped {
                return;
            }
            let seed = self.spec.seed;
            let old = &self.producers[p];
            let mut fresh = Producer::new(
                old.idx,
                old.spec.clone(),
                old.topic,
                old.first_part,
                old.partitions,
                seed,
            );
            if let Some((first, n)) = old.changelog {
                fresh = fresh.with_changelog(first, n);
            }
            fresh.stats = old.stats.clone();
            fresh.incarnation = old.incarnation + 1;
            if fresh.idempotent {
                // A new process gets a new producer id (`InitProducerId`).
                fresh.producer_id += fresh.incarnation * crate::producer::PRODUCER_ID_STRIDE;
            }
            self.producers[p] = fresh;
            {
                let mut ctx = ctx!(self, Node::Producer(p as u32));
                self.producers[p].start(&mut ctx);
            }
            // A new process: nothing of the old one's tasks or caches is left (a stop flushed
            // them; a crash lost them).
            self.streams[i].crash();
            self.streams[i].crashed = false;
            for (idx, spec) in [
                (c, self.spec.consumers[c].clone()),
                (r, self.spec.consumers[r].clone()),
            ] {
                let mut ctx = ctx!(self, Node::Consumer(idx as u32));
                self.consumers[idx].restart(&mut ctx, &spec);
            }
        }
    }
}
