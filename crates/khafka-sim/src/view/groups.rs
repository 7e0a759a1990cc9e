//! Consumer groups as views read them (`kafka-consumer-groups --describe`, the JSON report,
//! expectations): each group's coordinator, state, generation, members and their assignments,
//! and per partition the committed offset, the log end offset and the lag.
//!
//! The coordinator's answer is the truth here, as it is for Kafka's tool: a group whose
//! coordinator is not loaded (failing over) shows state `Unknown` and no committed offsets. The
//! log end offset is the high watermark, what `ListOffsets(latest)` returns to the tool under
//! `read_uncommitted`; lag is that minus the committed offset.

use crate::coordinator::group::shard::{
    partition_names, GroupPartitionView, MemberView, UnreadPartition,
};
pub use crate::coordinator::group::GroupView;
use crate::log::RecordId;
use crate::msg::PartIdx;
use crate::protocol::group::partition_for;
use crate::sim::Sim;
use serde::Serialize;

/// Runs of one line said again and again (an idle poll loop commits the same positions at
/// every 100 ms turn) as their first line with how often and until when it was repeated.
fn collapse_repeats(lines: Vec<(u64, String)>) -> Vec<(u64, String)> {
    // The last line out: how many more times it was said, and when last.
    fn close(out: &mut [(u64, String)], n: u64, last: u64) {
        if let (Some(l), true) = (out.last_mut(), n > 0) {
            let again = if n == 1 {
                "once".to_string()
            } else {
                format!("{n} times")
            };
            l.1 = format!(
                "{} (again {again}, the last at {})",
                l.1,
                crate::SimTime(last)
            );
        }
    }
    let mut out: Vec<(u64, String)> = Vec::with_capacity(lines.len());
    let (mut n, mut last) = (0, 0);
    for (at, line) in lines {
        if out.last().is_some_and(|l| l.1 == line) {
            n += 1;
            last = at;
            continue;
        }
        close(&mut out, n, last);
        out.push((at, line));
        n = 0;
    }
    close(&mut out, n, last);
    out
}

/// Whether a member of the group that reads `topic` starts with `auto.offset.reset=earliest`
/// where the group has no committed offset.
fn resets_to_earliest(consumers: &[&crate::spec::ConsumerSpec], topic: &str) -> bool {
    consumers.iter().any(|c| {
        c.topics().any(|t| t == topic)
            && c.config.auto_offset_reset == crate::config::OffsetReset::Earliest
    })
}

/// A group's rebalance revocations and the pauses in its reading ([`Sim::rebalance_pauses`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pauses {
    /// Partitions revoked (`GroupView::partitions_revoked`).
    pub revoked: u64,
    /// µs summed over the pauses.
    pub total_us: u64,
    /// The longest pause, µs.
    pub longest_us: u64,
    /// The partition unread the longest now, if a pause is still running.
    pub unread: Option<UnreadPartition>,
    /// Every partition unread now, each since its earliest release still running.
    pub unread_now: Vec<UnreadPartition>,
}

/// What one group member did, in time order (`Sim::member_story`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MemberStory {
    pub consumer: String,
    pub group: String,
    /// The member id it has now (empty while it has none).
    pub member_id: String,
    pub generation: i32,
    /// `(time µs, what happened)`.
    pub lines: Vec<(u64, String)>,
}

impl MemberStory {
    /// As `khafka consumer-groups --member` prints it.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{} in group {} (member {}, generation {})\n",
            self.consumer,
            self.group,
            if self.member_id.is_empty() {
                "-"
            } else {
                &self.member_id
            },
            self.generation
        );
        for (at, line) in &self.lines {
            out.push_str(&format!(
                "{:>12}  {line}\n",
                crate::SimTime(*at).to_string()
            ));
        }
        out
    }
}

impl Sim {
    /// The group ids of the scenario's consumers, in the order first named.
    pub fn group_ids(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in &self.spec().consumers {
            if let Some(g) = &c.config.group.group_id {
                if !out.contains(g) {
                    out.push(g.clone());
                }
            }
        }
        out
    }

    /// Every group of the scenario.
    pub fn groups(&self) -> Vec<GroupView> {
        self.group_ids()
            .iter()
            .filter_map(|g| self.group_view(g))
            .collect()
    }

    /// The group's lag as `kafka-consumer-groups --describe` would add up its LAG column: for each
    /// partition of the group's topics with a committed offset, the high watermark minus that
    /// offset; and, in a group whose members reset to `earliest`, for each partition without one,
    /// the high watermark minus the log start offset (where its next owner starts:
    /// `GroupPartitionView::unread_from_log_start`). `None` while no coordinator has the group
    /// loaded or no partition counts. The lag chart's figure, sampled each metrics interval.
    pub fn group_lag_total(&self, group: &str) -> Option<u64> {
        let shard = self.loaded_shard(group)?;
        let key: std::sync::Arc<str> = std::sync::Arc::from(group);
        let consumers = self.group_consumer_specs(group);
        let mut topics: Vec<&str> = consumers.iter().flat_map(|c| c.topics()).collect();
        crate::kernel::small::sort_by(&mut topics, Ord::cmp);
        topics.dedup();
        let mut total = None;
        for t in topics {
            let Some(ti) = self.topo.topic_index(t) else {
                continue;
            };
            let info = &self.topo.topics[ti as usize];
            let earliest = resets_to_earliest(&consumers, t);
            for p in info.first_part..info.first_part + info.partitions {
                let committed = shard.offsets.get(&(key.clone(), p)).map(|c| c.offset);
                if committed.is_none() && !earliest {
                    continue;
                }
                let view = self.partition_view(p);
                let from = committed.unwrap_or(view.log_start_offset);
                *total.get_or_insert(0) += view.high_watermark.saturating_sub(from);
            }
        }
        total
    }

    /// The offset group `group` committed for `part`, as its coordinator holds it (`None`: no
    /// commit, or no loaded coordinator).
    pub fn committed_offset(&self, group: &str, part: PartIdx) -> Option<u64> {
        self.loaded_shard(group)?
            .offsets
            .get(&(std::sync::Arc::from(group), part))
            .map(|c| c.offset)
    }

    /// The coordinator shard of `group` on its `__consumer_offsets` leader, once loaded.
    fn loaded_shard(
        &self,
        group: &str,
    ) -> Option<&crate::coordinator::group::shard::CoordinatorShard> {
        let offsets = self.topo.offsets_topic()?;
        let part = offsets.first_part + partition_for(group, offsets.partitions);
        let leader = self.controller.parts[part as usize].leader?;
        self.brokers[(leader - 1) as usize]
            .group_coordinator
            .shards
            .get(&part)
            .filter(|s| s.loading_until_us.is_none())
    }

    /// The scenario's consumers with `group.id` `group`.
    fn group_consumer_specs(&self, group: &str) -> Vec<&crate::spec::ConsumerSpec> {
        self.spec()
            .consumers
            .iter()
            .filter(|c| c.config.group.group_id.as_deref() == Some(group))
            .collect()
    }

    /// One group, if a consumer names it.
    pub fn group_view(&self, group: &str) -> Option<GroupView> {
        let consumers = self.group_consumer_specs(group);
        if consumers.is_empty() {
            return None;
        }
        let offsets_part = self
            .topo
            .offsets_topic()
            .map(|t| t.first_part + partition_for(group, t.partitions));
        let coordinator = offsets_part.and_then(|p| self.controller.parts[p as usize].leader);
        let shard = match (coordinator, offsets_part) {
            (Some(b), Some(p)) => self.brokers[(b - 1) as usize]
                .group_coordinator
                .shards
                .get(&p)
                .filter(|s| s.loading_until_us.is_none()),
            _ => None,
        };
        let g = shard.and_then(|s| s.groups.get(group));
        let cg = shard.and_then(|s| s.consumer_groups.get(group));
        // Sorted by topic then partition, as the classic members' (`partition_names`).
        let names = |ps: &mut dyn Iterator<Item = &PartIdx>| -> Vec<String> {
            let mut parts: Vec<PartIdx> = ps.copied().collect();
            let key = |p: PartIdx| {
                let info = &self.topo.parts[p as usize];
                (
                    self.topo.topics[info.topic as usize].name.as_str(),
                    info.partition,
                )
            };
            crate::kernel::small::sort_by(&mut parts, |a, b| key(*a).cmp(&key(*b)));
            parts
                .iter()
                .map(|p| self.topo.part_name(*p).to_string())
                .collect()
        };
        let members: Vec<MemberView> = match (g, cg) {
            (_, Some(cg)) => cg
                .members()
                .iter()
                // A static member away (epoch -2) is listed: it keeps its partitions.
                .map(|m| MemberView {
                    member_id: m.member_id.clone(),
                    client_id: m.client_id.clone(),
                    group_instance_id: m.instance_id.clone(),
                    host: format!("/{}", m.client_id),
                    assignment: names(&mut m.assigned.iter().chain(&m.pending_revocation)),
                    member_epoch: Some(m.member_epoch),
                    target_assignment: Some(names(&mut m.target.iter())),
                    member_state: Some(m.state.name().to_string()),
                })
                .collect(),
            (Some(g), None) => g
                .members
                .iter()
                .map(|m| MemberView {
                    member_id: m.member_id.clone(),
                    client_id: m.client_id.clone(),
                    group_instance_id: m.group_instance_id.clone(),
                    host: format!("/{}", m.client_id),
                    assignment: partition_names(&m.assignment),
                    member_epoch: None,
                    target_assignment: None,
                    member_state: None,
                })
                .collect(),
            (None, None) => Vec::new(),
        };
        let mut topics: Vec<&str> = consumers.iter().flat_map(|c| c.topics()).collect();
        crate::kernel::small::sort_by(&mut topics, Ord::cmp);
        topics.dedup();
        let mut partitions = Vec::new();
        let mut partitions_committed = Vec::new();
        for t in topics {
            let Some(ti) = self.topo.topic_index(t) else {
                continue;
            };
            let info = &self.topo.topics[ti as usize];
            let earliest = resets_to_earliest(&consumers, t);
            for p in 0..info.partitions {
                let part = info.first_part + p;
                let name = format!("{t}-{p}");
                let committed = shard.and_then(|s| {
                    s.offsets
                        .get(&(std::sync::Arc::from(group), part))
                        .map(|c| c.offset)
                });
                if let Some(c) = committed {
                    partitions_committed.push((part, c));
                }
                let view = self.partition_view(part);
                let leo = view.high_watermark;
                let owner = members.iter().find(|m| m.assignment.contains(&name));
                partitions.push(GroupPartitionView {
                    topic: t.to_string(),
                    partition: p,
                    committed,
                    log_end_offset: leo,
                    lag: committed.map(|c| leo.saturating_sub(c)),
                    unread_from_log_start: (committed.is_none() && shard.is_some() && earliest)
                        .then(|| leo.saturating_sub(view.log_start_offset)),
                    consumer_id: owner.map(|m| m.member_id.clone()),
                    host: owner.map(|m| m.host.clone()),
                    client_id: owner.map(|m| m.client_id.clone()),
                });
            }
        }
        let pauses = self.rebalance_pauses(group);
        let never = partitions_committed
            .iter()
            .map(|&(part, c)| self.never_processed_split(group, part, c, 0..u64::MAX))
            .fold((0, 0, None), |a, n| (a.0 + n.0, a.1 + n.1, a.2.or(n.2)));
        let (processed_twice, twice_first) = self.processed_twice_split(group);
        Some(GroupView {
            group: group.to_string(),
            coordinator,
            // A loaded coordinator without the group: it does not exist (Kafka's describe says
            // Dead); no loaded coordinator: unknown.
            group_type: if cg.is_some() { "consumer" } else { "classic" }.to_string(),
            state: match (g, cg, shard) {
                (_, Some(cg), _) => cg.state().name(),
                (Some(g), None, _) => g.state.name(),
                (None, None, Some(_)) => "Dead",
                (None, None, None) => "Unknown",
            }
            .to_string(),
            protocol_type: "consumer".to_string(),
            protocol: match cg {
                Some(cg) => cg.assignor().map(|a| a.name().to_string()),
                None => g.and_then(|g| g.protocol.clone()),
            },
            generation: match cg {
                Some(cg) => cg.group_epoch(),
                None => g.map_or(-1, |g| g.generation),
            },
            leader: g.and_then(|g| g.leader.clone()),
            members,
            partitions,
            processed_twice,
            // The story of one of them: never processed first, else processed twice.
            example: never
                .2
                .or_else(|| twice_first.and_then(|(p, e, o)| self.record_at(p, e, o))),
            never_processed: never.0,
            never_processed_reused_offsets: never.1,
            commits_failed: self
                .consumers
                .iter()
                .filter(|c| c.group.as_ref().is_some_and(|g| g.group_id == group))
                .filter_map(|c| c.app.as_ref())
                .flat_map(|a| &a.commits)
                .filter(|c| {
                    !matches!(
                        c.outcome.as_str(),
                        "committed" | "in flight" | "nothing to commit"
                    )
                })
                .count() as u64,
            truncations_detected: self.truncations(group, false),
            log_truncation_exceptions: self.truncations(group, true),
            partitions_revoked: pauses.revoked,
            pause_ms: pauses.total_us / 1000,
            longest_pause_ms: pauses.longest_us / 1000,
            unread: pauses.unread,
            unread_now: pauses.unread_now,
        })
    }

    /// The group's rebalance revocations and the pauses in its reading. A pause runs from a
    /// member's revocation of a partition (`Membership::revocations`), or from the crash of the
    /// member's process that held it (`Membership::crashed_with`) or the close of a Kafka
    /// Streams instance, which revokes nothing (`Membership::closed_with`), to the next time a
    /// member of the group is assigned it (`Membership::assignments`), or to now. Partitions lost with a generation are not
    /// counted: the group has usually given them to another member before their holder knows.
    pub fn rebalance_pauses(&self, group: &str) -> Pauses {
        let members: Vec<_> = self
            .consumers
            .iter()
            .filter_map(|c| c.group.as_ref().map(|g| (&*c.name, &c.subscribed, g)))
            .filter(|(_, _, g)| g.group_id == group)
            .collect();
        let now = self.now().as_us();
        let mut out = Pauses::default();
        use crate::coordinator::group::shard::Released;
        for (name, subscribed, g) in &members {
            // A revocation at the member's close is the close's (`onLeavePrepare`).
            let revoked = g.revocations.iter().map(|r| {
                let closed = g.closed_at_us.contains(&r.0);
                (
                    r,
                    true,
                    if closed {
                        Released::Closed
                    } else {
                        Released::Revoked
                    },
                )
            });
            let crashed = g.crashed_with.iter().map(|r| (r, false, Released::Crashed));
            let closed = g.closed_with.iter().map(|r| (r, false, Released::Closed));
            for ((at, parts), is_revocation, why) in revoked.chain(crashed).chain(closed) {
                for p in parts {
                    let part = subscribed.global(*p);
                    let next = members
                        .iter()
                        .flat_map(|(_, s2, g2)| g2.assignments.iter().map(move |a| (*s2, a)))
                        .filter(|(s2, (t, _, ps))| {
                            *t >= *at && ps.iter().any(|q| s2.global(*q) == part)
                        })
                        .map(|(_, (t, _, _))| *t)
                        .min();
                    let pause = next.unwrap_or(now).saturating_sub(*at);
                    out.revoked += u64::from(is_revocation);
                    out.total_us += pause;
                    out.longest_us = out.longest_us.max(pause);
                    if next.is_none() {
                        let u = UnreadPartition {
                            partition: self.topo.part_name(part).to_string(),
                            since_us: *at,
                            holder: name.to_string(),
                            why,
                        };
                        // Unread still: the longest such pause (the first on a tie) is the
                        // group's; each partition is listed once, with its earliest.
                        match out
                            .unread_now
                            .iter_mut()
                            .find(|x| x.partition == u.partition)
                        {
                            Some(x) if u.since_us < x.since_us => *x = u.clone(),
                            Some(_) => {}
                            None => out.unread_now.push(u.clone()),
                        }
                        if out.unread.as_ref().is_none_or(|x| u.since_us < x.since_us) {
                            out.unread = Some(u);
                        }
                    }
                }
            }
        }
        out
    }

    /// Records of `part` below the group's committed offset `committed` that no member processed
    /// (committed before processing and then lost with a crash, or skipped by a seek or a reset),
    /// counted from the lowest offset a member processed: in the log the verdicts read, a record
    /// is its offset and the leader epoch of its batch. Records retention or the cleaner deleted
    /// are not counted: nobody could read them.
    pub fn never_processed(&self, group: &str, part: PartIdx, committed: u64) -> u64 {
        self.never_processed_split(group, part, committed, 0..u64::MAX)
            .0
    }

    /// What the group's members processed of `part`, and what a live member has in hand, as
    /// `(leader epoch, from, to)`.
    fn group_processed_ranges(&self, group: &str, part: PartIdx) -> Vec<(u32, u64, u64)> {
        let mut ranges: Vec<(u32, u64, u64)> = Vec::new();
        for c in &self.consumers {
            if c.group.as_ref().is_none_or(|g| g.group_id != group) {
                continue;
            }
            for r in c
                .processed
                .iter()
                .filter(|r| c.subscribed.global(r.partition) == part)
            {
                ranges.push((r.leader_epoch, r.from, r.to));
            }
            // A live member's records in hand are being processed, not skipped.
            if let Some(app) = c.app.as_ref().filter(|_| !c.stopped) {
                for (p, from, to, epoch) in app.in_hand() {
                    if c.subscribed.global(p) == part {
                        ranges.push((epoch, from, to));
                    }
                }
            }
        }
        ranges
    }

    /// `never_processed` among the offsets of `window`, how many of those records sit at an
    /// offset a member processed in another leader epoch
    /// (`GroupView::never_processed_reused_offsets`), and the first of them.
    fn never_processed_split(
        &self,
        group: &str,
        part: PartIdx,
        committed: u64,
        window: std::ops::Range<u64>,
    ) -> (u64, u64, Option<RecordId>) {
        let ranges = self.group_processed_ranges(group, part);
        let Some(start) = ranges.iter().map(|r| r.1).min() else {
            return (0, 0, None);
        };
        let start = start.max(window.start);
        let Some(b) = self.verdict_source(part) else {
            return (0, 0, None);
        };
        let Some(r) = self.brokers[(b - 1) as usize].replicas.get(&part) else {
            return (0, 0, None);
        };
        let log = &r.log;
        let end = committed.min(log.log_end_offset()).min(window.end);
        let Some(first) = log.batch_index_of(start.max(log.log_start_offset()), &self.batches)
        else {
            return (0, 0, None);
        };
        let (mut never, mut reused, mut example) = (0, 0, None);
        for e in log.batches().range(first, log.batches().len()) {
            let sb = self.batches.get(e.batch);
            if sb.base_offset >= end {
                break;
            }
            let (lo, hi) = (sb.base_offset.max(start), sb.next_offset().min(end));
            // The part of [lo, hi) no processed range of this epoch covers.
            let mut covered: Vec<(u64, u64)> = ranges
                .iter()
                .filter(|r| r.0 == sb.leader_epoch && r.1 < hi && r.2 > lo)
                .map(|r| (r.1.max(lo), r.2.min(hi)))
                .collect();
            crate::kernel::small::sort_by(&mut covered, Ord::cmp);
            // What members processed of [lo, hi) in another epoch (mostly nothing): the ranges
            // are filtered once a batch, not once a record.
            let other: Vec<(u64, u64)> = ranges
                .iter()
                .filter(|r| r.0 != sb.leader_epoch && r.1 < hi && r.2 > lo)
                .map(|r| (r.1, r.2))
                .collect();
            // Records the cleaner or retention deleted before anyone read them were not skipped:
            // they are gone (counted `deleted`). Of the others, those at an offset a member
            // processed in another epoch.
            let mut count = |from: u64, to: u64| {
                for o in from..to {
                    let id = self.batches.record_id(e.batch, (o - sb.base_offset) as u32);
                    if self.prov.is_deleted(id) {
                        continue;
                    }
                    never += 1;
                    example.get_or_insert(id);
                    reused += u64::from(other.iter().any(|&(a, z)| a <= o && o < z));
                }
            };
            let mut at = lo;
            for (a, z) in covered {
                if a > at {
                    count(at, a);
                }
                at = at.max(z);
            }
            count(at, hi.max(at));
        }
        (never, reused, example)
    }

    /// Whether group `group` committed `part` past the record at `offset` on the log the
    /// verdicts read without any member processing it: what `never_processed` counts, for that
    /// one offset (the same scan).
    pub fn never_processed_by(
        &self,
        group: &str,
        part: PartIdx,
        offset: u64,
        committed: u64,
    ) -> bool {
        self.never_processed_split(group, part, committed, offset..offset + 1)
            .0
            == 1
    }

    /// A record that tells a group's headline: the first one no member processed below the
    /// committed offset (at most once), else the first one processed twice (at least once).
    /// `group_view` finds it with the counts ([`GroupView::example`]).
    pub fn group_example(&self, view: &GroupView) -> Option<RecordId> {
        view.example
    }

    /// The record at `offset` of `part` in leader epoch `epoch`, on the log the verdicts read.
    fn record_at(&self, part: PartIdx, epoch: u32, offset: u64) -> Option<RecordId> {
        let b = self.verdict_source(part)?;
        let log = &self.brokers[(b - 1) as usize].replicas.get(&part)?.log;
        let i = log.batch_index_of(offset, &self.batches)?;
        let id = log.batches().get(i)?.batch;
        let sb = self.batches.get(id);
        // A log with gaps (cleaned pieces) may have no batch at the offset.
        (sb.leader_epoch == epoch && offset >= sb.base_offset && offset < sb.next_offset())
            .then(|| self.batches.record_id(id, (offset - sb.base_offset) as u32))
    }

    /// A member's story, by consumer name: its group, and in time order what it was assigned in
    /// each generation, what its application processed (partition, offsets, leader epoch,
    /// generation), the commits its application made and their outcome, and the truncations it
    /// detected. `None` for a consumer without a `group.id`.
    pub fn member_story(&self, consumer: &str) -> Option<MemberStory> {
        let c = self.consumers.iter().find(|c| &*c.name == consumer)?;
        let g = c.group.as_ref()?;
        let names = |parts: &[u32]| -> String {
            let names: Vec<&str> = parts
                .iter()
                .map(|p| &**self.topo.part_name_ref(c.subscribed.global(*p)))
                .collect();
            names.join(", ")
        };
        let name = |p: u32| self.topo.part_name(c.subscribed.global(p)).to_string();
        // At one instant, in the order the application sees them: a batch processed, its
        // commit, then the `poll()` that gives partitions up (revoked or lost) and then takes
        // the new assignment.
        let mut lines: Vec<(u64, u8, String)> = Vec::new();
        for (at, generation, parts) in &g.assignments {
            let line = format!("generation {generation}: assigned [{}]", names(parts));
            lines.push((*at, 4, line));
        }
        for (at, parts) in &g.revocations {
            lines.push((*at, 3, format!("revoked [{}]", names(parts))));
        }
        for (at, parts) in &g.lost {
            let line = format!(
                "lost [{}] (its generation or member epoch was gone: nothing committed for them)",
                names(parts)
            );
            lines.push((*at, 3, line));
        }
        // A run of contiguous records, from its first poll's end to its last's.
        for r in &c.processed {
            let until = if r.at_us == r.first_at_us {
                String::new()
            } else {
                format!(", polls done until {}", crate::SimTime(r.at_us))
            };
            lines.push((
                r.first_at_us,
                0,
                format!(
                    "processed {} offsets {}..{} (leader epoch {}, generation {}{until})",
                    name(r.partition),
                    r.from,
                    r.to - 1,
                    r.leader_epoch,
                    r.generation
                ),
            ));
        }
        for cm in c.app.iter().flat_map(|a| &a.commits) {
            let offsets: Vec<String> = cm
                .offsets
                .iter()
                .map(|(p, o)| format!("{}={o}", name(*p)))
                .collect();
            let call = if cm.sync { "commitSync" } else { "commitAsync" };
            lines.push((
                cm.at_us,
                1,
                format!("{call}({}): {}", offsets.join(", "), cm.outcome),
            ));
        }
        for t in &c.validation.detected {
            let what = if t.exception {
                "LogTruncationException"
            } else {
                "truncation detected"
            };
            let divergent = t
                .divergent_offset
                .map_or("unknown".to_string(), |o| o.to_string());
            lines.push((
                t.at_us,
                2,
                format!(
                    "{what} on {} at offset {} (divergent offset {divergent})",
                    name(t.partition),
                    t.position
                ),
            ));
        }
        crate::kernel::small::sort_by(&mut lines, |a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let lines = lines.into_iter().map(|(at, _, text)| (at, text)).collect();
        let lines = collapse_repeats(lines);
        Some(MemberStory {
            consumer: consumer.to_string(),
            group: g.group_id.clone(),
            member_id: g.member_id.clone(),
            generation: g.generation,
            lines,
        })
    }

    /// KIP-320 truncations the group's members detected (`exceptions`: only those that raised
    /// `LogTruncationException`).
    pub fn truncations(&self, group: &str, exceptions: bool) -> u64 {
        self.consumers
            .iter()
            .filter(|c| c.group.as_ref().is_some_and(|g| g.group_id == group))
            .flat_map(|c| &c.validation.detected)
            .filter(|t| !exceptions || t.exception)
            .count() as u64
    }

    /// Records the group's members processed more than once (a record handed to the
    /// application again, by the same member after a restart or by another after a rebalance).
    pub fn processed_twice(&self, group: &str) -> u64 {
        self.processed_twice_split(group).0
    }

    /// `processed_twice`, and where the first of them is: `(partition, leader epoch, offset)`.
    fn processed_twice_split(&self, group: &str) -> (u64, Option<(PartIdx, u32, u64)>) {
        // A record is a partition, an offset and the leader epoch of its batch.
        let mut ranges: crate::vec_map::VecMap<(PartIdx, u32), Vec<(u64, u64)>> =
            crate::vec_map::VecMap::new();
        for c in &self.consumers {
            if c.group.as_ref().is_none_or(|g| g.group_id != group) {
                continue;
            }
            for r in &c.processed {
                ranges
                    .get_or_default((c.subscribed.global(r.partition), r.leader_epoch))
                    .push((r.from, r.to));
            }
        }
        let mut twice = 0;
        let mut first = None;
        for (&(part, epoch), rs) in ranges.iter_mut() {
            crate::kernel::small::sort_by(rs, Ord::cmp);
            let total: u64 = rs.iter().map(|(a, b)| b - a).sum();
            let mut union = 0;
            let mut cur: Option<(u64, u64)> = None;
            for &(a, b) in rs.iter() {
                match cur {
                    Some((ca, cb)) if a <= cb => {
                        if a < cb {
                            first.get_or_insert((part, epoch, a));
                        }
                        cur = Some((ca, cb.max(b)))
                    }
                    Some((ca, cb)) => {
                        union += cb - ca;
                        cur = Some((a, b));
                    }
                    None => cur = Some((a, b)),
                }
            }
            if let Some((a, b)) = cur {
                union += b - a;
            }
            twice += total - union;
        }
        (twice, first)
    }

    /// `kafka-consumer-groups --describe` for every group: Kafka's columns and widths
    /// (`ConsumerGroupCommand.printOffsets`: each column at least 15 wide, as wide as its
    /// longest value; `-` for a missing value).
    pub fn describe_groups(&self) -> String {
        let mut out = String::new();
        for g in self.groups() {
            if g.members.is_empty() {
                out.push_str(&format!(
                    "\nConsumer group '{}' has no active members.\n",
                    g.group
                ));
            }
            let dash = |o: Option<String>| o.unwrap_or_else(|| "-".to_string());
            let rows: Vec<[String; 9]> = g
                .partitions
                .iter()
                .map(|p| {
                    [
                        g.group.clone(),
                        p.topic.clone(),
                        p.partition.to_string(),
                        dash(p.committed.map(|c| c.to_string())),
                        p.log_end_offset.to_string(),
                        dash(p.lag.map(|l| l.to_string())),
                        dash(p.consumer_id.clone()),
                        dash(p.host.clone()),
                        dash(p.client_id.clone()),
                    ]
                })
                .collect();
            let width = |i: usize| rows.iter().map(|r| r[i].len()).max().unwrap_or(0).max(15);
            let (wg, wt, wc, wh) = (width(0), width(1), width(6), width(7));
            let line = |r: &[String; 9]| {
                format!(
                    "\n{:<wg$} {:<wt$} {:<10} {:<15} {:<15} {:<15} {:<wc$} {:<wh$} {}",
                    r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]
                )
            };
            let header = [
                "GROUP",
                "TOPIC",
                "PARTITION",
                "CURRENT-OFFSET",
                "LOG-END-OFFSET",
                "LAG",
                "CONSUMER-ID",
                "HOST",
                "CLIENT-ID",
            ]
            .map(String::from);
            out.push_str(&line(&header));
            for r in &rows {
                out.push_str(&line(r));
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::collapse_repeats;

    #[test]
    fn a_repeated_line_is_told_once_with_its_count_and_last_time() {
        let line = |at: u64, s: &str| (at, s.to_string());
        let got = collapse_repeats(vec![
            line(1_000_000, "a"),
            line(2_000_000, "b"),
            line(2_100_000, "b"),
            line(2_200_000, "b"),
            line(3_000_000, "c"),
            line(3_100_000, "c"),
            line(4_000_000, "b"),
        ]);
        assert_eq!(
            got,
            vec![
                line(1_000_000, "a"),
                line(2_000_000, "b (again 2 times, the last at 2.2s)"),
                line(3_000_000, "c (again once, the last at 3.1s)"),
                line(4_000_000, "b"),
            ]
        );
    }
}
