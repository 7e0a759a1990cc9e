//! The one line a cell's output opens with: what happened to the records, written from the engine's
//! verdict counts and its trace (the election a lost record's partition went through), never from
//! Kafka's rules restated here.
//!
//! The numbers are the snapshot's provenance counts, the same the Records table shows, so the
//! headline and the table always agree.

use crate::cluster_view::fmt_time;
use khafka_sim::log::RecordId;
use khafka_sim::snapshot::ClusterSnapshot;
use khafka_sim::trace::TraceKind;
use khafka_sim::view::groups::GroupView;
use khafka_sim::view::streams::StreamsView;
use khafka_sim::{Sim, SimTime};

/// The most lost records examined to name their partitions: the headline is drawn every frame
/// while a run plays, and a very long run may lose millions. Past this, no partition is named.
const LOST_EXAMINED: usize = 2_000;

/// Why a windowed result is not compared with the reference (as the expectations say it).
const NOT_JUDGED: &str = "the reference run reached the simulator's bound on windowed work";

/// What a cell is about when nothing went wrong: the figure its headline then leads with (a cell
/// that puts a throughput or latency chart on show is about that).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Focus {
    /// Records kept: "No acknowledged record lost".
    #[default]
    Records,
    Throughput,
    Latency,
    /// The consumer groups' lag (a cell that shows the lag chart).
    Lag,
    /// The consumer groups' rebalances (a cell that shows the groups panel and no chart above).
    Groups,
}

impl Focus {
    /// The focus of a cell's `show=` list: its first throughput, latency or lag chart, else its
    /// groups panel.
    pub fn of(show: &crate::show::Show) -> Focus {
        use crate::show::{ChartKind, Part};
        show.0
            .iter()
            .find_map(|p| match p {
                Part::Chart(ChartKind::Throughput | ChartKind::Bytes) => Some(Focus::Throughput),
                Part::Chart(ChartKind::Latency) => Some(Focus::Latency),
                Part::Chart(ChartKind::Lag) => Some(Focus::Lag),
                _ => None,
            })
            .or_else(|| show.0.contains(&Part::Groups).then_some(Focus::Groups))
            .unwrap_or_default()
    }
}

/// Bytes a second as the headline writes them: exact below 100 kB/s (lessons quote them), else in
/// kB/s or MB/s.
fn bytes_rate(b: u64) -> String {
    // Units switch on the rounded figure: 999,960 B/s is 1.00 MB/s, not 1000.0 kB/s.
    match b {
        0..=99_999 => format!("{b} B/s"),
        100_000..=999_949 => format!("{:.1} kB/s", b as f64 / 1e3),
        _ => format!("{:.2} MB/s", b as f64 / 1e6),
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Headline {
    /// `bad` for records lost or unavailable, `warn` for duplicates or reordering, `good` otherwise.
    pub tone: &'static str,
    pub text: String,
    /// A record whose story answers "why?".
    pub why: Option<RecordId>,
}

/// The election that made `leader` leader of `partition`, the last one up to now: `(time, unclean)`.
fn election_of(sim: &Sim, partition: &str, leader: u32) -> Option<(SimTime, bool)> {
    sim.notable_events()
        .filter(|e| e.time <= sim.now())
        .filter_map(|e| match &e.kind {
            TraceKind::LeaderElected {
                partition: p,
                leader: Some(l),
                unclean,
                ..
            } if &**p == partition && *l == leader => Some((e.time, *unclean)),
            _ => None,
        })
        .last()
}

/// A record a Kafka Streams application's consumers handed out again (processed again after a
/// crash, at least once): why its counts or sums are above one uninterrupted run's.
fn reprocessed(sim: &Sim, v: &StreamsView, groups: &[GroupView]) -> Option<RecordId> {
    groups
        .iter()
        // A group's example is a record never processed when it has one.
        .filter(|g| g.processed_twice > 0 && g.never_processed == 0)
        .filter(|g| v.instances.iter().any(|i| i.application_id == g.group))
        .find_map(|g| sim.group_example(g))
}

/// The headline for the run at its current instant.
/// `streams`: the run's Kafka Streams view, if it has `streams` lines (computed once by the caller).
pub fn headline(
    sim: &Sim,
    snapshot: &ClusterSnapshot,
    end: SimTime,
    streams: Option<&StreamsView>,
    groups: &[GroupView],
    focus: Focus,
) -> Headline {
    if let Some(why) = sim.halted() {
        // The engine refused to go on (its budget, or a loop at one instant): say so first.
        return Headline {
            tone: "bad",
            text: format!("Stopped early — {why}"),
            why: None,
        };
    }
    let p = &snapshot.provenance;
    let now = sim.now();
    let so_far = if now < end {
        format!("At {}: ", fmt_time(now))
    } else {
        String::new()
    };
    // Sent and neither acknowledged nor failed (in flight, or waiting for a leader): said, so the
    // difference is not read as missing records.
    let pending = |n: u64| {
        if n > 0 {
            format!(", {n} pending")
        } else {
            String::new()
        }
    };
    let mut also = Vec::new();
    // The failures lead the headline: not repeated after it.
    let mut failed_first = false;
    // Whether records wait, and how long the oldest has (read once: two branches say it).
    let waiting = stalled(sim, p, now);
    let (tone, main, why) = if p.lost > 0 {
        let ids = sim.records_with_verdict("lost", LOST_EXAMINED);
        let mut parts: Vec<u32> = ids
            .iter()
            .filter_map(|id| sim.record(*id).map(|i| i.part))
            .collect();
        khafka_sim::kernel::small::sort_by(&mut parts, Ord::cmp);
        parts.dedup();
        let all_seen = (ids.len() as u64) == p.lost;
        // Past the records examined, a partition is named only if it is the one a record can be
        // in (Kafka's internal topics hold none of the producers' records).
        let only_one = || {
            let mut user = snapshot
                .partitions
                .iter()
                .filter(|v| !v.topic.starts_with("__"));
            user.next().is_some() && user.next().is_none()
        };
        let cause = match parts.as_slice() {
            [part] if all_seen || only_one() => 'cause: {
                let view = &snapshot.partitions[*part as usize];
                let name = view.name();
                let Some(l) = view.leader else {
                    break 'cause format!("{name} has no leader");
                };
                // A leader down and not fenced yet: the verdicts read the replica its election
                // will pick (whatever elected the leader before).
                if let Some(s) = sim.verdict_source(*part).filter(|s| *s != l) {
                    break 'cause format!(
                        "{name}'s leader, broker {l}, is down, and the controller will elect \
                         broker {s}, which does not have them"
                    );
                }
                match election_of(sim, &name, l) {
                    Some((t, unclean)) => format!(
                        "broker {l} became leader of {name} at {}{} without them",
                        fmt_time(t),
                        if unclean { " (unclean election)" } else { "" }
                    ),
                    None => format!("{name}'s leader, broker {l}, does not have them"),
                }
            }
            _ if !all_seen => "the leaders of their partitions do not have them".to_string(),
            many => format!(
                "in {} partitions, whose leaders do not have them",
                many.len()
            ),
        };
        (
            "bad",
            format!(
                "{} lost — {cause}",
                plural(p.lost, "acknowledged record", "acknowledged records")
            ),
            ids.first().copied(),
        )
    } else if p.unavailable > 0 {
        let offline: Vec<String> = snapshot
            .partitions
            .iter()
            .filter(|v| v.leader.is_none())
            .map(|v| v.name())
            .collect();
        let which = match offline.as_slice() {
            [one] => format!("{one} has no leader"),
            many => format!("{} partitions have no leader", many.len()),
        };
        (
            "bad",
            format!(
                "{} unavailable — {which}, so nobody can read them",
                plural(p.unavailable, "acknowledged record", "acknowledged records")
            ),
            sim.records_with_verdict("unavailable", 1).first().copied(),
        )
    } else if p.duplicated > 0 {
        (
            "warn",
            format!(
                "{} in the log more than once, none lost",
                plural(p.duplicated, "record is", "records are")
            ),
            sim.records_with_verdict("duplicated", 1).first().copied(),
        )
    } else if let Some((v, w)) = streams.and_then(|v| v.windowed.as_ref().map(|w| (v, w))) {
        // A windowed count: its windows against one uninterrupted task's, and the late records.
        let dropped = dropped_late(v);
        let late = if dropped > 0 {
            format!(", {} dropped as late", plural(dropped, "record", "records"))
        } else {
            String::new()
        };
        let windows = plural(w.live().count() as u64, "window", "windows");
        // The story of the first late record says which window and how late.
        let first_late = sim.late_records().next().map(|(id, _)| id);
        // Without the reference (capped) the windows are not compared with it: saying they
        // match would be a guess. A final result sent twice is read from the output alone.
        let judged = !w.capped;
        // Whether the headline leads with the records dropped (then not said again after it).
        let leads_with_late =
            judged && v.overcount == 0 && w.final_results_twice == 0 && dropped > 0;
        let (tone, what) = if judged && v.overcount > 0 && (v.sum || v.max) {
            (
                "warn",
                format!(
                    "Kafka Streams' window {} are {} above what one uninterrupted run {}",
                    v.plural(),
                    v.overcount,
                    if v.sum { "adds up to" } else { "keeps" }
                ),
            )
        } else if judged && v.overcount > 0 {
            (
                "warn",
                format!(
                    "Kafka Streams' windows hold {} more than one uninterrupted run would",
                    plural(v.overcount, "count", "counts")
                ),
            )
        } else if w.final_results_twice > 0 {
            (
                "warn",
                format!(
                    "Kafka Streams emitted the final result of {} twice",
                    plural(w.final_results_twice, "window", "windows")
                ),
            )
        } else if !judged {
            (
                "warn",
                format!("Kafka Streams' windows not judged: {NOT_JUDGED}"),
            )
        } else if leads_with_late {
            // Records the windows lost: the result, even when one uninterrupted run (reading in
            // this order) drops them as well.
            (
                "warn",
                format!(
                    "{} dropped as late: Kafka Streams' windows match one uninterrupted run",
                    plural(dropped, "record", "records")
                ),
            )
        } else {
            (
                "good",
                "Kafka Streams' windows match one uninterrupted run".to_string(),
            )
        };
        let late = if leads_with_late { String::new() } else { late };
        // A final result sent twice is the headline's subject: its story, not a late record's.
        // Windows above the reference: the story of a record the application processed again.
        let why = match w.first_twice {
            Some(id) if w.final_results_twice > 0 && !(judged && v.overcount > 0) => Some(id),
            _ if judged && v.overcount > 0 => reprocessed(sim, v, groups).or(first_late),
            _ => first_late,
        };
        (tone, format!("{what} — {windows}{late}"), why)
    } else if let Some((v, j)) = streams.and_then(|v| {
        v.join
            .as_ref()
            .filter(|j| j.window.is_some())
            .map(|j| (v, j))
    }) {
        // A stream–stream join: pairs within the window (and, for a left or outer join, records
        // without a partner, with null), against the reference's.
        let mut found = format!("{} of the reference's {} results", j.results, j.reference);
        if j.without_table > 0 {
            found.push_str(&format!(", {} with null", j.without_table));
        }
        if j.missing > 0 {
            found.push_str(&format!(", {} on their way", j.missing));
        }
        // Pairs sent twice are read from the output alone; the rest needs the reference.
        let (tone, what) = if j.twice > 0 {
            (
                "warn",
                format!(
                    "Kafka Streams joined {} twice (at least once)",
                    plural(j.twice, "pair", "pairs")
                ),
            )
        } else if j.capped {
            (
                "warn",
                format!("Kafka Streams' join results not judged: {NOT_JUDGED}"),
            )
        } else if j.mismatched > 0 {
            (
                "warn",
                format!(
                    "Kafka Streams sent {} pairing records outside the window",
                    plural(j.mismatched, "result", "results")
                ),
            )
        } else if j.late_missing > 0 {
            (
                "warn",
                format!(
                    "Kafka Streams missed {}: a record came after its partner had left the \
                     other store (window + grace behind stream time), or was skipped as expired",
                    plural(j.late_missing, "pair", "pairs")
                ),
            )
        } else if j.nulls_with_partner > 0 {
            (
                "warn",
                format!(
                    "Kafka Streams sent {} with null although a partner is in the window (out of order, or later than grace)",
                    plural(j.nulls_with_partner, "record", "records")
                ),
            )
        } else {
            (
                "good",
                format!(
                    "Kafka Streams joined {} and {} as the reference does",
                    v.input, j.table
                ),
            )
        };
        (tone, format!("{what} — {found}"), j.first_twice)
    } else if let Some(j) = streams.and_then(|v| v.join.as_ref()) {
        // A stream–table join: its results against one uninterrupted, timestamp-ordered task.
        // Dropped with no table value at the record's time either: the drops the reference makes
        // too (those it would have joined lead the headline), once per record.
        let unmatched = j.dropped.saturating_sub(j.mismatched_dropped);
        let mut found = format!("{} with a {} value", j.with_table, j.table);
        if j.left {
            found.push_str(&format!(", {} with null", j.without_table));
        } else if unmatched > 0 && j.mismatched_dropped > 0 {
            // Not among the drops that lead the headline.
            found.push_str(&format!(
                ", {unmatched} more dropped that had no {} value at their time (the reference \
                 drops them too)",
                j.table
            ));
        } else if unmatched > 0 {
            found.push_str(&format!(
                ", {unmatched} dropped with no {} value at their time",
                j.table
            ));
        }
        if j.missing > 0 {
            found.push_str(&format!(", {} on their way", j.missing));
        }
        // The story of a record joined twice, or of the first mismatch, says what it was joined
        // into (or that the inner join dropped it).
        let why = j
            .first_twice
            .or_else(|| j.examples.first().map(|m| m.stream));
        let (tone, what) = if j.twice > 0 {
            (
                "warn",
                format!(
                    "Kafka Streams joined {} twice (at least once)",
                    plural(j.twice, "record", "records")
                ),
            )
        } else if j.mismatched > 0 {
            // An inner join that found no table value dropped the record: not joined at all.
            let (dropped, other) = (j.mismatched_dropped, j.mismatched - j.mismatched_dropped);
            let joined = format!(
                "joined {} with the {} table not as it stood at their time",
                plural(other, "record", "records"),
                j.table
            );
            let unjoined = format!(
                "dropped {} that the {} table, as it stood at their time, would have joined",
                plural(dropped, "record", "records"),
                j.table
            );
            let what = match (other, dropped) {
                (_, 0) => joined,
                (0, _) => unjoined,
                _ => format!("{joined}, and {unjoined}"),
            };
            ("warn", format!("Kafka Streams {what}"))
        } else {
            (
                "good",
                format!(
                    "Kafka Streams joined each record with {} as it stood at the record's time",
                    j.table
                ),
            )
        };
        (tone, format!("{what} — {found}"), why)
    } else if let Some(v) = streams {
        // A Kafka Streams run: what a reader of its output would see, against its input. A sum's
        // figures are in the values' units, a count's in records; a maximum cannot run ahead.
        let keys = plural(v.keys.len() as u64, "key", "keys");
        let passing = if v.filter.is_some() {
            " that passes the filter"
        } else {
            ""
        };
        let counted = counted_word(v);
        // Not "yet": an instance that had lost its task set keys back to its older state.
        let zombie = v.undercount > 0 && v.zombie_writes > 0;
        let later = match v.undercount {
            _ if zombie => String::new(),
            0 => String::new(),
            n if v.max => format!(", {n} below the input's yet"),
            // In the values' units: an amount, not a number of records.
            n if v.sum => format!(", their sums {n} below the input's yet"),
            n => format!(", {} not counted yet", plural(n, "record", "records")),
        };
        let (tone, what) = match (v.overcount, v.max) {
            _ if zombie => (
                "bad",
                format!(
                    "Kafka Streams' {} are {} short after {} by an instance that had lost its task",
                    v.plural(),
                    v.undercount,
                    plural(v.zombie_writes, "changelog write", "changelog writes")
                ),
            ),
            (0, true) => (
                "good",
                format!("Kafka Streams kept each key's largest value{passing}"),
            ),
            // Records still in a cache are not counted yet: "every record once" would say
            // they were.
            (0, false) if v.undercount > 0 => (
                "good",
                format!("Kafka Streams {counted} no record{passing} twice"),
            ),
            (0, false) => (
                "good",
                format!("Kafka Streams {counted} every record{passing} once"),
            ),
            (n, true) => (
                "bad",
                format!("Kafka Streams' maxima are {n} above the input's"),
            ),
            (n, false) => (
                "warn",
                format!(
                    "Kafka Streams {counted} {} twice (at least once), none lost",
                    if v.sum {
                        format!("{n} of value")
                    } else {
                        plural(n, "record", "records")
                    }
                ),
            ),
        };
        // Counted twice: the story of a record the application processed again.
        let why = (v.overcount > 0 && !v.max)
            .then(|| reprocessed(sim, v, groups))
            .flatten();
        (tone, format!("{what} — {keys}{later}"), why)
    } else if let Some(g) = groups
        .iter()
        .find(|g| g.processed_twice > 0 || g.never_processed > 0)
    {
        // The log kept every record, but a group's members handed some out twice (at least
        // once) or committed past some they never processed (at most once).
        let mut what = Vec::new();
        if g.never_processed > 0 {
            what.push(format!(
                "never processed {}",
                plural(g.never_processed, "record", "records")
            ));
        }
        if g.processed_twice > 0 {
            what.push(format!(
                "processed {} twice",
                plural(g.processed_twice, "record", "records")
            ));
        }
        (
            if g.never_processed > 0 { "bad" } else { "warn" },
            format!(
                "Group {} {} — no acknowledged record lost",
                g.group,
                what.join(" and ")
            ),
            // The story of one of them: never processed first, else processed twice.
            sim.group_example(g),
        )
    } else if p.sent == 0 {
        let offline = snapshot
            .partitions
            .iter()
            .filter(|v| v.leader.is_none())
            .count();
        let text = if offline > 0 {
            format!(
                "No records sent; {} without a leader",
                plural(offline as u64, "partition", "partitions")
            )
        } else {
            "No records sent; every partition has a leader".to_string()
        };
        ("good", text, None)
    } else if let Some((c, why)) = snapshot
        .consumers
        .iter()
        .find_map(|c| Some((c, c.failure.as_ref()?)))
    {
        // A member its coordinator refused for good: it reads nothing more.
        (
            "bad",
            format!(
                "Consumer {} stopped: {why} — no acknowledged record lost",
                c.name
            ),
            None,
        )
    } else if let Some(c) = snapshot.consumers.iter().find(|c| !c.stopped_at.is_empty()) {
        // A consumer that stops at a record it cannot decode (`LogAndFail`): the log kept it.
        (
            "warn",
            format!(
                "Consumer {} stopped at {}: it cannot deserialize the record there — no \
                 acknowledged record lost",
                c.name,
                c.stopped_at.join(", ")
            ),
            None,
        )
    } else if p.failed > p.acknowledged {
        failed_first = true;
        (
            "warn",
            format!(
                "{} of {} failed — {} acknowledged{}, none lost",
                p.failed,
                plural(p.sent, "record sent", "records sent"),
                p.acknowledged,
                pending(p.pending)
            ),
            None,
        )
    } else if let Some(oldest) = waiting.as_ref().filter(|_| focus != Focus::Throughput) {
        // Records wait (no leader, no controller, a full ISR missing, a batch retried): that is
        // the result, not the records acknowledged.
        (
            "warn",
            format!(
                "{} of {} waiting{oldest} — {} acknowledged, none lost",
                p.pending,
                plural(p.sent, "record", "records"),
                p.acknowledged
            ),
            None,
        )
    } else if let Some((e, error)) = last_failed_run(sim) {
        // The trainer's reset was refused (the group is active): the group reads on from where it
        // was, which the chart alone does not say.
        (
            "warn",
            format!(
                "{} for group {} at {} failed: {} — {}",
                e.tool,
                e.group,
                fmt_time(SimTime(e.at_us)),
                error.trim_start_matches("Error: ").trim_end_matches('.'),
                records_kept(p)
            ),
            None,
        )
    } else if let Some((g, u)) = groups
        .iter()
        .filter_map(|g| Some((g, g.unread.as_ref()?)))
        .filter(|(_, u)| now.as_us().saturating_sub(u.since_us) >= STALLED_AFTER_US)
        .min_by_key(|(_, u)| u.since_us)
    {
        // A partition nobody in its group reads: the member that held it crashed and its session
        // (or a Kafka Streams instance that closed) has not expired yet, or the group is still
        // rebalancing after it was revoked.
        // The others unread too: every partition of the group (a rebalance that waits for a
        // crashed member's session), or some.
        let others = g.unread_now.len().saturating_sub(1) as u64;
        let who = if others > 0 && g.unread_now.len() == g.partitions.len() {
            format!(" reads none of its {} partitions:", g.partitions.len())
        } else {
            ":".to_string()
        };
        let more = if others > 0 && g.unread_now.len() < g.partitions.len() {
            format!(
                ", and {} unread too",
                plural(others, "more partition is", "more partitions are")
            )
        } else {
            String::new()
        };
        (
            "warn",
            format!(
                "Group {}{who} nobody has read {} for {:.1} s, since {} {}{more} (group {}) — {}",
                g.group,
                u.partition,
                now.as_us().saturating_sub(u.since_us) as f64 / 1e6,
                u.holder,
                u.why.verb(),
                g.state,
                records_kept(p)
            ),
            None,
        )
    } else {
        let kept = format!(
            "{} of {} acknowledged{}",
            p.acknowledged,
            plural(p.sent, "record sent", "records sent"),
            pending(p.pending)
        );
        // "24928 of 25001 records, 73 pending" after an acknowledged figure; a throughput cell
        // whose records wait says how long the oldest has (it keeps leading with throughput).
        let kept_short = format!(
            "{} of {}{}{}",
            p.acknowledged,
            plural(p.sent, "record", "records"),
            pending(p.pending),
            waiting.unwrap_or_default()
        );
        // The percentiles read every acknowledged record: not for [`Focus::Records`], and the
        // cell asks for them only while the run is not playing (once per seek, not per frame).
        let t = match focus {
            Focus::Latency => sim.throughput_outcome(),
            _ => sim.throughput_rates(),
        };
        let text = match (focus, t.latency_p50_ms, t.latency_p99_ms) {
            (Focus::Throughput, ..) if p.acknowledged > 0 => format!(
                "{} records/s, {} acknowledged — {kept_short}, none lost",
                t.records_per_sec,
                bytes_rate(t.bytes_per_sec)
            ),
            (Focus::Latency, Some(p50), Some(p99)) => {
                format!("Acknowledged in {p50} ms (p50), {p99} ms (p99) — {kept_short}, none lost")
            }
            (Focus::Lag, ..) if !groups.is_empty() => {
                format!("{} — {kept}, none lost", lag_text(groups))
            }
            // A group that never rebalanced, or has no generation yet, has nothing to lead
            // with.
            (Focus::Groups, ..)
                if groups
                    .iter()
                    .any(|g| g.generation > 1 || g.partitions_revoked > 0)
                    && groups.iter().all(|g| g.generation >= 0) =>
            {
                format!("{} — {kept}, none lost", rebalances_text(groups))
            }
            _ => format!("No acknowledged record lost: {kept}"),
        };
        ("good", text, None)
    };
    if p.lost > 0 && p.duplicated > 0 {
        also.push(format!("{} duplicated", p.duplicated));
    }
    if p.reordered > 0 {
        also.push(format!("{} reordered", p.reordered));
    }
    if p.failed > 0 && !failed_first {
        also.push(plural(p.failed, "record failed", "records failed"));
    }
    // Failed records are explained when nothing else is (walk 11: a schema the registry refused).
    let why = why.or_else(|| sim.a_failed_record());
    if p.deleted > 0 {
        also.push(format!(
            "{} deleted by retention, compaction or DeleteRecords (not lost)",
            p.deleted
        ));
    }
    let mut text = format!("{so_far}{main}");
    for a in also {
        text.push_str(" · ");
        text.push_str(&a);
    }
    Headline { tone, text, why }
}

/// The latest admin tool run that failed and was the last for its group (a later run that
/// succeeded clears it), with its error.
fn last_failed_run(sim: &Sim) -> Option<(&khafka_sim::ToolRun, &str)> {
    let runs = sim.tool_runs();
    runs.iter().enumerate().rev().find_map(|(i, r)| {
        let error = r.error.as_deref()?;
        let last = !runs[i + 1..].iter().any(|later| later.group == r.group);
        last.then_some((r, error))
    })
}

/// "8998 of 9001 records acknowledged, none lost", after a group's figure.
fn records_kept(p: &khafka_sim::ProvenanceCounts) -> String {
    format!(
        "{} of {} {} acknowledged, none lost",
        p.acknowledged,
        p.sent,
        if p.sent == 1 { "record" } else { "records" }
    )
}

/// Each group's lag as the lag chart draws it (committed offsets behind the log end, and a
/// partition without a commit from its log start where the group resets to earliest): "Group
/// billing's lag: 1167 records", or "Lag: billing 1167, audit 0 records".
fn lag_text(groups: &[GroupView]) -> String {
    match groups {
        [g] => {
            let n = g.lag_total();
            format!(
                "Group {}'s lag: {n} {}",
                g.group,
                if n == 1 { "record" } else { "records" }
            )
        }
        _ => format!(
            "Lag: {} records",
            groups
                .iter()
                .map(|g| format!("{} {}", g.group, g.lag_total()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `1 record`, `2 records`.
fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Each group's state and what its rebalances cost: "Group billing: Stable in generation 2, 6
/// partitions revoked, longest pause 1471 ms" (groups apart with "; ").
fn rebalances_text(groups: &[GroupView]) -> String {
    let one = |g: &GroupView| {
        let pause = if g.longest_pause_ms > 0 {
            format!(", longest pause {} ms", g.longest_pause_ms)
        } else {
            String::new()
        };
        format!(
            "{} in {} {}, {} revoked{pause}",
            g.state,
            if g.group_type == "consumer" {
                "group epoch"
            } else {
                "generation"
            },
            g.generation,
            plural(g.partitions_revoked, "partition", "partitions"),
        )
    };
    match groups {
        [g] => format!("Group {}: {}", g.group, one(g)),
        _ => groups
            .iter()
            .map(|g| format!("{}: {}", g.group, one(g)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// How long the oldest record not acknowledged yet has waited before writes count as stalled:
/// far above a healthy cluster's latency (milliseconds), below a failover's (seconds).
const STALLED_AFTER_US: u64 = 2_000_000;

/// Whether the records waiting are the run's result, and what the headline says of the oldest
/// (`, the oldest 3.1 s on orders-1`): most records sent wait (after the first second,
/// while the first batches linger), or one has waited longer than [`STALLED_AFTER_US`].
fn stalled(sim: &Sim, p: &khafka_sim::ProvenanceCounts, now: SimTime) -> Option<String> {
    if p.pending == 0 {
        return None;
    }
    let oldest = sim.oldest_pending().and_then(|(t, part)| {
        let waited = now.as_us().saturating_sub(t.as_us());
        (waited >= STALLED_AFTER_US).then(|| {
            format!(
                ", the oldest {:.1} s on {}",
                waited as f64 / 1e6,
                sim.topology().part_name(part)
            )
        })
    });
    // The first second after the first send, while the first batches linger, is not judged.
    let started = sim.provenance().first_sent_us().unwrap_or(u64::MAX);
    match oldest {
        Some(o) => Some(o),
        None if p.pending > p.acknowledged && now.as_us() >= started.saturating_add(1_000_000) => {
            Some(String::new())
        }
        None => None,
    }
}

/// Records the Kafka Streams instances dropped as later than their window's grace period.
fn dropped_late(v: &StreamsView) -> u64 {
    v.instances.iter().map(|i| i.dropped_late).sum()
}

/// What a sum does to a record ("added"), and a count ("counted").
fn counted_word(v: &StreamsView) -> &'static str {
    if v.sum {
        "added"
    } else {
        "counted"
    }
}

/// The figures the headline is written from, named, for comparing runs (`compare.rs`): what Kafka
/// Streams did against its reference (counted twice, not yet, dropped as late, joined twice, …) and
/// the consumer groups' lag (summed) and each member's partitions. Empty for a run
/// without either.
pub fn figures(sim: &Sim, streams: Option<&StreamsView>) -> Vec<(&'static str, String)> {
    let mut rows: Vec<(&'static str, u64)> = Vec::new();
    if let Some(v) = streams {
        if let Some(w) = v.windowed.as_ref() {
            let above = match (v.sum, v.max) {
                (true, _) => "sums above one uninterrupted run's",
                (_, true) => "maxima above one uninterrupted run's",
                _ => "counts above one uninterrupted run's",
            };
            rows.extend([
                ("windows", w.live().count() as u64),
                ("dropped as late", dropped_late(v)),
                (above, v.overcount),
                ("final results sent twice", w.final_results_twice),
            ]);
        } else if let Some(j) = v.join.as_ref().filter(|j| j.window.is_none()) {
            // A stream–table join: a click joined with another profile than the reference's,
            // one dropped although the table had a value at its time, one dropped with none.
            rows.extend([
                ("results", j.results),
                ("joined twice", j.twice),
                (
                    "joined another value than the reference's",
                    j.mismatched - j.mismatched_dropped,
                ),
                ("dropped though the table had a value", j.mismatched_dropped),
            ]);
            // A left join sends those with null; an inner join drops them.
            rows.push(if j.left {
                ("sent with null", j.without_table)
            } else {
                (
                    "dropped with no table value",
                    j.dropped.saturating_sub(j.mismatched_dropped),
                )
            });
        } else if let Some(j) = v.join.as_ref() {
            rows.extend([
                ("results", j.results),
                ("joined twice", j.twice),
                ("results unlike the reference's", j.mismatched),
                ("pairs missed as late", j.late_missing),
            ]);
        } else {
            let (twice, not_yet) = match (v.sum, v.max) {
                (true, _) => ("added twice", "not added yet"),
                (_, true) => ("maxima above the input's", "maxima below the input's"),
                _ => ("counted twice", "not counted yet"),
            };
            rows.extend([(twice, v.overcount), (not_yet, v.undercount)]);
        }
    }
    let mut out: Vec<(&'static str, String)> =
        rows.into_iter().map(|(n, v)| (n, v.to_string())).collect();
    let groups = sim.groups();
    if !groups.is_empty() {
        let lag: u64 = groups.iter().map(GroupView::lag_total).sum();
        out.push(("lag", lag.to_string()));
        let owners: Vec<String> = groups
            .iter()
            .flat_map(|g| &g.members)
            .map(|m| {
                format!(
                    "{} {} ({})",
                    m.client_id,
                    m.assignment.len(),
                    m.assignment.join(" ")
                )
            })
            .collect();
        out.push(("partitions per member", owners.join(", ")));
    }
    out
}

/// The `khafka` cells of a lesson (`lessons/FILE`), in order, each without its fence line.
#[cfg(test)]
pub(crate) fn lesson_cells(file: &str) -> Vec<String> {
    let path = format!("{}/../lessons/{file}", env!("CARGO_MANIFEST_DIR"));
    let md = std::fs::read_to_string(path).unwrap();
    md.split("```khafka")
        .skip(1)
        .filter_map(|c| c.split_once('\n'))
        .filter_map(|(_, body)| body.split("```").next())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    /// The headline of the `n`-th cell (from 0) of a lesson, run to its end.
    fn of_cell_headline(file: &str, n: usize) -> super::Headline {
        headline_of(&super::lesson_cells(file)[n], None, false)
    }

    /// The headline of a cell with the focus its fence gives it (`show=…,chart:throughput`).
    fn of_cell_focused(file: &str, n: usize, focus: super::Focus) -> String {
        headline_focused(&super::lesson_cells(file)[n], None, false, focus).text
    }

    /// The headline of a scenario's text run to `until_ms` (its end if `None`), with its Kafka
    /// Streams view if `streams`.
    fn headline_of(text: &str, until_ms: Option<u64>, streams: bool) -> super::Headline {
        headline_focused(text, until_ms, streams, super::Focus::Records)
    }

    /// [`headline_of`] with a cell's focus.
    fn headline_focused(
        text: &str,
        until_ms: Option<u64>,
        streams: bool,
        focus: super::Focus,
    ) -> super::Headline {
        let scenario = khafka_scenario::parse(text).unwrap();
        let mut sim = khafka_sim::Sim::with_options(scenario.spec.clone(), scenario.sim_options());
        sim.run_until(until_ms.map_or(scenario.spec.run_for, khafka_sim::SimTime::from_ms));
        let view = streams.then(|| sim.streams_view()).flatten();
        let end = scenario.spec.run_for;
        super::headline(
            &sim,
            &sim.snapshot(),
            end,
            view.as_ref(),
            &sim.groups(),
            focus,
        )
    }

    fn of_cell(file: &str, n: usize) -> String {
        of_cell_headline(file, n).text
    }

    /// Retention and compaction events read as sentences in the events list, not as JSON (walk
    /// 10, #1).
    #[test]
    fn retention_and_cleaning_events_are_sentences() {
        let mut seen = [false; 3];
        for cell in super::lesson_cells("06-retention-and-compaction.md") {
            let Ok(scenario) = khafka_scenario::parse(&cell) else {
                continue; // a `continue` cell's lines alone
            };
            let mut sim =
                khafka_sim::Sim::with_options(scenario.spec.clone(), scenario.sim_options());
            sim.run_until(scenario.spec.run_for);
            for e in sim.notable_events() {
                let text = crate::cluster_view::event_text(&e.kind, false);
                assert!(!text.starts_with('{'), "{text}");
                for (i, w) in ["old segment", "cleaner compacted", "is out of range"]
                    .iter()
                    .enumerate()
                {
                    seen[i] |= text.contains(w);
                }
            }
        }
        assert_eq!(seen, [true; 3]);
    }

    /// The unclean lesson's exercise asks whether broker 2's election is still unclean: with the
    /// solution, the events list says it came from the ELR (walk 10, #11); as given, it is UNCLEAN.
    #[test]
    fn an_election_from_the_elr_says_so() {
        let cells = super::lesson_cells("04-unclean-leader-election.md");
        let elections = |text: &str| -> Vec<String> {
            let scenario = khafka_scenario::parse(text).unwrap();
            let mut sim =
                khafka_sim::Sim::with_options(scenario.spec.clone(), scenario.sim_options());
            sim.run_until(scenario.spec.run_for);
            sim.notable_events()
                .map(|e| crate::cluster_view::event_text(&e.kind, false))
                .filter(|t| t.starts_with("orders-0: ") && t.contains(" leader 2 "))
                .collect()
        };
        let n = cells.len();
        let (given, solution) = (elections(&cells[n - 2]), elections(&cells[n - 1]));
        assert!(
            given.iter().any(|t| t.contains("UNCLEAN leader 2")),
            "{given:?}"
        );
        assert!(
            given.iter().all(|t| !t.contains("from the ELR")),
            "{given:?}"
        );
        assert!(
            solution
                .iter()
                .any(|t| t.contains("new leader 2") && t.contains("from the ELR")),
            "{solution:?}"
        );
    }

    /// A cell's focus: its first throughput, latency or lag chart, else its groups panel.
    #[test]
    fn a_cell_s_focus_follows_its_show_list() {
        let of = |show: &str| super::Focus::of(&crate::show::Show::parse(show).unwrap());
        assert_eq!(of("groups"), super::Focus::Groups);
        assert_eq!(of("groups,chart:lag"), super::Focus::Lag);
        assert_eq!(
            of("cluster,chart:throughput,groups"),
            super::Focus::Throughput
        );
        assert_eq!(of("cluster"), super::Focus::Records);
    }

    /// A cell about rebalances (the groups panel, no chart) leads with what they cost, not with
    /// the producer's acknowledgements (walk 9, #8).
    #[test]
    fn a_rebalance_cell_leads_with_its_group() {
        let cell = super::lesson_cells("04c-partition-assignment.md")
            .into_iter()
            .find(|c| c.contains("partition.assignment.strategy=StickyAssignor"))
            .expect("the eager cell");
        let h = headline_focused(&cell, None, false, super::Focus::Groups).text;
        assert_eq!(
            h,
            "Group billing: Stable in generation 2, 6 partitions revoked, longest pause 1471 ms — \
             17996 of 18001 records sent acknowledged, 5 pending, none lost"
        );
    }

    /// A rebalance that waits for a crashed member's session: every partition is unread, and the
    /// headline says so, not only the crashed member's (walk 9, #5).
    #[test]
    fn a_group_that_reads_none_of_its_partitions_says_so() {
        let cell = super::lesson_cells("04c-partition-assignment.md")
            .into_iter()
            .find(|c| c.contains("at 25s restart consumer c2") && !c.contains("group.instance.id"))
            .expect("the session timeout cell")
            .replace("session.timeout.ms=20000", "session.timeout.ms=45000");
        leads(
            &headline_of(&cell, None, false).text,
            "Group billing reads none of its 3 partitions: nobody has read orders-1 for 40.0 s, \
             since c2 crashed (group PreparingRebalance) — ",
        );
        // Before the others rejoin (and give theirs up), only the crashed member's partition.
        leads(
            &headline_of(&cell, Some(26_000), false).text,
            "At 26s: Group billing: nobody has read orders-1 for 6.0 s, since c2 crashed (group \
             PreparingRebalance)",
        );
    }

    /// `text` starts with `prefix` (the headline's lead; what follows it varies with the run).
    fn leads(text: &str, prefix: &str) {
        assert!(text.starts_with(prefix), "{text}");
    }

    /// Window sums above one uninterrupted run's: "why?" tells the story of an order the restored
    /// task read again, not of one only dropped as late.
    #[test]
    fn a_sum_above_the_reference_tells_the_story_of_a_record_read_again() {
        let cells = super::lesson_cells("08-real-time-analytics.md");
        let cell = cells
            .iter()
            .find(|c| c.contains("aggregate=sum window=tumbling"))
            .expect("the revenue cell");
        let scenario = khafka_scenario::parse(cell).unwrap();
        let mut sim = khafka_sim::Sim::with_options(scenario.spec.clone(), scenario.sim_options());
        sim.run_until(scenario.spec.run_for);
        let view = sim.streams_view();
        let h = super::headline(
            &sim,
            &sim.snapshot(),
            scenario.spec.run_for,
            view.as_ref(),
            &sim.groups(),
            super::Focus::Records,
        );
        assert!(h.text.contains("1027 above"), "{}", h.text);
        // The first order rev2 read again: rev1 had skipped it as late, rev2 added it (the 52 of
        // the lesson's 975 + 52).
        let story = crate::story::story_view(&sim, h.why.expect("a why")).unwrap();
        assert_eq!(
            (story.verdict, story.explanation.as_str()),
            (
                "counted after a drop",
                "rev1 skipped it as late, 66611 ms behind stream time: its window [0,60000) had \
                 closed; rev2-consumer read it again in generation 4, after restoring the task, \
                 and added it to [0,60000): the window processor's stream time \
                 (observedStreamTime) is not committed, so a restored task's processor starts it \
                 again from the first records it reads"
            )
        );
        assert!(story.steps.iter().any(|s| s.text.contains("value \"52\"")));
    }

    /// A leader elected earlier in the run that is now down and not yet fenced: the headline
    /// names the election to come, not the leader's own election.
    #[test]
    fn a_once_elected_leader_down_is_not_said_to_have_become_leader_without_them() {
        let text = "seed 3\ncluster brokers=3\ntopic orders partitions=1 replication.factor=3 \
                    replicas=1,2,3 min.insync.replicas=1\nproducer p1 topic=orders acks=1 \
                    enable.idempotence=false rate=100/s keys=user-0..99\nat 5s crash broker 1\n\
                    at 15s restart broker 1\nat 20s partition {2} | {1,3}\nat 25s crash broker 2\n\
                    run 60s\n";
        let h = headline_of(text, Some(28_000), false);
        assert!(
            h.text.contains(
                "orders-0's leader, broker 2, is down, and the controller will elect broker"
            ),
            "{}",
            h.text
        );
    }

    /// A stream–table join that never waits for the table: its inner join drops clicks the
    /// table as of their time would have joined, and the headline says dropped, not joined.
    #[test]
    fn a_join_that_found_no_table_value_says_dropped() {
        let cell = super::lesson_cells("06d-stream-table-joins.md")[0]
            .replace("max.task.idle.ms=0", "max.task.idle.ms=-1");
        let h = headline_of(&cell, None, true);
        assert!(
            h.text.starts_with(
                "Kafka Streams dropped 2241 records that the users table, as it stood at their \
                 time, would have joined — 2363 with a users value, 1387 more dropped that had no \
                 users value at their time (the reference drops them too)"
            ),
            "{}",
            h.text
        );
    }

    /// Between the leader's crash and its fencing, the records only it had are counted lost (the
    /// election to come will pick a replica without them): the headline says the leader is down
    /// and whom the controller will elect, not that the leader does not have them; after the
    /// election, who was elected.
    #[test]
    fn records_only_on_a_crashed_leader_are_lost_to_the_election_to_come() {
        let cell = &super::lesson_cells("02-acks-and-durability.md")[0];
        let scenario = khafka_scenario::parse(cell).unwrap();
        let mut sim = khafka_sim::Sim::with_options(scenario.spec.clone(), scenario.sim_options());
        let at = |sim: &khafka_sim::Sim| {
            super::headline(
                sim,
                &sim.snapshot(),
                scenario.spec.run_for,
                None,
                &sim.groups(),
                super::Focus::Records,
            )
            .text
        };
        sim.run_until(khafka_sim::SimTime::from_ms(8_000));
        assert_eq!(
            at(&sim),
            "At 8s: 200 acknowledged records lost — orders-0's leader, broker 1, is down, and \
             the controller will elect broker 2, which does not have them"
        );
        sim.run_until(khafka_sim::SimTime::from_ms(12_000));
        assert!(
            at(&sim).contains("broker 2 became leader of orders-0 at 11.003s without them"),
            "{}",
            at(&sim)
        );
    }

    /// Members the coordinator refused for good (a session timeout below the broker's
    /// `group.min.session.timeout.ms`) read nothing: the headline says so, not only that the
    /// log lost nothing.
    #[test]
    fn a_member_the_coordinator_refused_leads_the_headline() {
        let text = "seed 2\ncluster brokers=3\ntopic orders partitions=3 replication.factor=3\n\
                    producer p1 topic=orders acks=all rate=300/s\nconsumer c1 topic=orders \
                    group.id=billing session.timeout.ms=5000\nrun 20s\n";
        let h = headline_of(text, None, false);
        assert_eq!(
            (h.tone, h.text.as_str()),
            (
                "bad",
                "Consumer c1 stopped: JoinGroup failed with INVALID_SESSION_TIMEOUT — no \
                 acknowledged record lost"
            )
        );
    }

    /// A member crashed and its session has not expired: its partition goes unread, and the
    /// headline says so rather than that every acknowledged record was kept (walk 5, #8).
    #[test]
    fn a_partition_nobody_reads_leads_the_headline() {
        let cell = super::lesson_cells("04b-consumer-groups-and-offsets.md")[1]
            .replace("session.timeout.ms=10000", "session.timeout.ms=45000");
        let h = headline_of(&cell, None, false);
        assert_eq!(h.tone, "warn", "{}", h.text);
        assert!(
            h.text.starts_with(
                "Group billing: nobody has read orders-1 for 16.0 s, since c2 crashed (group \
                 Stable) — "
            ),
            "{}",
            h.text
        );
        // With the lesson's 10 s, generation 2 gives orders-1 to c1 at 24.1 s.
        let h = of_cell_headline("04b-consumer-groups-and-offsets.md", 1);
        assert!(!h.text.contains("nobody has read"), "{}", h.text);
        // During the pause, 6 s after the crash, the headline already says it.
        leads(
            &headline_of(&cell, Some(20_000), false).text,
            "At 20s: Group billing: nobody has read orders-1 for 6.0 s",
        );
        // A member that closed (its revocation is the close's): "closed", not "gave it up".
        let alone: String = cell
            .lines()
            .filter(|l| !l.starts_with("consumer c2") && !l.starts_with("consumer c3"))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            .replace("at 14s crash consumer c2", "at 14s stop consumer c1");
        let h = headline_of(&alone, Some(20_000), false);
        assert!(
            h.text.starts_with(
                "At 20s: Group billing reads none of its 3 partitions: nobody has read orders-0 \
                 for 6.0 s, since c1 closed (group Empty)"
            ),
            "{}",
            h.text
        );
    }

    /// A reset the tool refused (the group has a member) leads the headline: on a lag chart
    /// alone nothing shows it (walk 5, #8).
    #[test]
    fn a_refused_reset_leads_the_headline() {
        let cells = super::lesson_cells("04b-consumer-groups-and-offsets.md");
        let text = format!(
            "{}{}",
            cells[4].replace("run 30s\n", ""),
            cells[5].replace("at 24s reset", "at 21s reset")
        );
        let h = headline_of(&text, None, false);
        assert_eq!(
            (h.tone, h.text.as_str()),
            (
                "warn",
                "kafka-consumer-groups --reset-offsets for group audit at 21s failed: \
                 Assignments can only be reset if the group 'audit' is inactive, but the current \
                 state is Stable — 6000 of 6000 records acknowledged, none lost"
            )
        );
        // A reset at 21 s refused, then the lesson's at 24 s done: the last one stands.
        let both = format!(
            "{}{}",
            cells[4].replace("run 30s\n", ""),
            cells[5].replace(
                "at 24s reset",
                "at 21s reset-offsets audit orders to-earliest\nat 24s reset"
            )
        );
        let h = headline_of(&both, None, false);
        assert!(!h.text.contains("failed"), "{}", h.text);
    }

    /// A windowed count whose windows match the reference but dropped records as late leads
    /// with the records lost, as a warning (walk 6: the repartition cell of the analytics lesson
    /// was green while 1,227 views went missing).
    #[test]
    fn windows_that_dropped_records_lead_with_them() {
        let cells = super::lesson_cells("08-real-time-analytics.md");
        let cell = cells.iter().find(|c| c.starts_with("seed")).expect("a run");
        let h = headline_of(cell, None, true);
        assert_eq!(h.tone, "warn", "{}", h.text);
        assert!(
            h.text.starts_with(
                "143 records dropped as late: Kafka Streams' windows match one uninterrupted run — "
            ) && h.text.matches("dropped as late").count() == 1,
            "{}",
            h.text
        );
    }

    /// A partition the group never committed counts on the lag chart from its log start when the
    /// group resets to earliest: its next owner reads all of it (walk 5, #3). Kafka's describe
    /// prints `-`, and so does the panel's LAG, with the count beside it.
    #[test]
    fn a_partition_without_a_commit_counts_from_the_log_start_on_the_lag_chart() {
        let run = |reset: &str| {
            let text = format!(
                "seed 1\ncluster brokers=3\ntopic orders partitions=2 replication.factor=3\n\
                 producer p1 topic=orders acks=all rate=200/s\nconsumer c1 topic=orders \
                 group.id=billing auto.offset.reset={reset} enable.auto.commit=false\nrun 10s\n"
            );
            let scenario = khafka_scenario::parse(&text).unwrap();
            let mut sim =
                khafka_sim::Sim::with_options(scenario.spec.clone(), scenario.sim_options());
            sim.run_until(scenario.spec.run_for);
            let g = sim.group_view("billing").unwrap();
            let last = sim.metrics().group_lag[0].1.last().copied().flatten();
            (g, last)
        };
        let (g, last) = run("earliest");
        let hw: u64 = g.partitions.iter().map(|p| p.log_end_offset).sum();
        assert!(hw > 1_500, "{hw}");
        assert!(g.partitions.iter().all(|p| p.committed.is_none()
            && p.lag.is_none()
            && p.unread_from_log_start == Some(p.log_end_offset)));
        // The last sample is at most a second old: within a second's records of the end.
        let last = last.expect("a lag point") as u64;
        assert!(last <= hw && last + 250 >= hw, "{last} against {hw}");
        let (g, last) = run("latest");
        assert!(g
            .partitions
            .iter()
            .all(|p| p.unread_from_log_start.is_none()));
        assert_eq!(last, None);
    }

    /// A cell that shows the lag chart, where nothing went wrong, leads with the lag (walk 5,
    /// #8): the panel's lag column added up.
    #[test]
    fn a_lag_cell_leads_with_the_lag() {
        let h = of_cell_focused("04b-consumer-groups-and-offsets.md", 0, super::Focus::Lag);
        assert!(h.starts_with("Group billing's lag: 1167 records — "), "{h}");
    }

    /// A group that committed before processing and crashed: the headline says what the group
    /// did with the records (at most once), not only that the log lost none.
    #[test]
    fn a_group_that_skipped_records_says_so_first() {
        let cell = super::lesson_cells("04b-consumer-groups-and-offsets.md")[2].replace(
            "sim.commit.when=after-processing",
            "sim.commit.when=before-processing",
        );
        let h = headline_of(&cell, None, false);
        assert_eq!(
            (h.tone, h.text.as_str()),
            (
                "bad",
                "Group billing never processed 9 records — no acknowledged record lost"
            )
        );
        let h = of_cell_headline("04b-consumer-groups-and-offsets.md", 2);
        assert_eq!(h.tone, "warn", "{}", h.text);
        assert!(
            h.text
                .starts_with("Group billing processed 42 records twice"),
            "{}",
            h.text
        );
    }

    /// More lost records than the headline examines, all in the one partition of the scenario's
    /// topic (`__consumer_offsets` aside): that partition is named, in the singular.
    #[test]
    fn many_lost_records_of_one_partition_name_it() {
        let text = of_cell("04-unclean-leader-election.md", 2);
        assert!(
            text.starts_with(
                "5500 acknowledged records lost — broker 2 became leader of orders-0 at "
            ) && text.contains("(unclean election) without them"),
            "{text}"
        );
    }

    /// A headline that counts records the registry refused explains one (walk 11, #3): its why?
    /// opens the story of the app's first send, which failed with a serialization error.
    #[test]
    fn refused_records_have_a_why() {
        let cell = &super::lesson_cells("07b-multi-format-pipelines.md")[0];
        let mut scenario = khafka_scenario::parse(cell).unwrap();
        // The codecs' table, natively (the site asks a codec bundle's worker).
        let request = scenario.formats_request().expect("schemas");
        scenario
            .apply_formats(&khafka_formats::api::handle_json(&request))
            .unwrap();
        let mut sim = khafka_sim::Sim::with_options(scenario.spec.clone(), scenario.sim_options());
        sim.run_until(scenario.spec.run_for);
        let h = super::headline(
            &sim,
            &sim.snapshot(),
            sim.now(),
            None,
            &sim.groups(),
            super::Focus::Records,
        );
        assert!(
            h.text.contains("100 of 150 records sent failed"),
            "{}",
            h.text
        );
        let story = sim
            .record_story(h.why.expect("a record to explain"))
            .unwrap();
        assert_eq!((story.verdict, story.producer.as_str()), ("failed", "app"));
        assert!(
            story.explanation.contains("different schema type"),
            "{}",
            story.explanation
        );
    }

    /// The benefits lesson's batching cell quotes its latencies at each linger.ms (walk 10, #4):
    /// the producer starts once the cluster is up, so the comparison is the batching's.
    #[test]
    fn the_batching_cell_s_latencies_are_the_prose_s() {
        let cell = &super::lesson_cells("05-benefits-and-limits.md")[2];
        let at = |linger: &str| {
            headline_focused(
                &cell.replace("linger.ms=5", &format!("linger.ms={linger}")),
                None,
                false,
                super::Focus::Latency,
            )
            .text
        };
        let (zero, five, fifty) = (at("0"), at("5"), at("50"));
        assert!(
            zero.starts_with("Acknowledged in 6 ms (p50), 8 ms (p99)"),
            "{zero}"
        );
        assert!(
            five.starts_with("Acknowledged in 6 ms (p50), 9 ms (p99)")
                && five.contains("49929 of 50001"),
            "{five}"
        );
        assert!(
            fifty.starts_with("Acknowledged in 28 ms (p50), 53 ms (p99)"),
            "{fifty}"
        );
    }

    /// A ZooKeeper-era cluster says so: its controller card, and a broker's failure as its
    /// ZooKeeper session expiring, not as KRaft's fencing (walk 13).
    #[test]
    fn a_zookeeper_cluster_is_not_called_kraft() {
        let run = |mode: &str| {
            let scenario = khafka_scenario::parse(&format!(
                "seed 1\ncluster brokers=3 controller={mode}\ntopic t partitions=1 \
                 replication.factor=3\nat 2s crash broker 1\nrun 30s\n"
            ))
            .unwrap();
            let mut sim = khafka_sim::Sim::with_options(scenario.spec.clone(), scenario.sim_options());
            sim.run_until(scenario.spec.run_for);
            let zk = sim.snapshot().zookeeper;
            // The failure, and the election it caused.
            let fenced: Vec<String> = sim
                .notable_events()
                .filter(|e| {
                    matches!(
                        e.kind,
                        khafka_sim::trace::TraceKind::BrokerFenced { .. }
                            | khafka_sim::trace::TraceKind::LeaderElected { .. }
                    )
                })
                .map(|e| crate::cluster_view::event_text(&e.kind, zk))
                .collect();
            (zk, fenced)
        };
        let (zk, fenced) = run("zookeeper");
        assert!(zk);
        assert_eq!(
            fenced,
            [
                "broker 1's ZooKeeper session expired (zookeeper.session.timeout.ms): the controller handles it as failed",
                "t-0: new leader 2 (epoch 1; leader failed)"
            ]
        );
        let (zk, fenced) = run("kraft");
        assert!(!zk);
        assert_eq!(
            fenced,
            [
                "broker 1 fenced (session timeout)",
                "t-0: new leader 2 (epoch 1; leader fenced)"
            ]
        );
    }

    /// The latency chart plots what the headline counts, each record from its send() to its
    /// acknowledgement: at linger.ms=50 its p50 in each second agrees with the headline's
    /// (walk 13: it plotted each batch from its first record, near 85 ms against 60).
    #[test]
    fn the_latency_chart_counts_records_as_the_headline_does() {
        let cell = super::lesson_cells("05-benefits-and-limits.md")[2].replace("linger.ms=5", "linger.ms=50");
        let scenario = khafka_scenario::parse(&cell).unwrap();
        let mut sim = khafka_sim::Sim::with_options(scenario.spec.clone(), scenario.sim_options());
        sim.run_until(scenario.spec.run_for);
        let outcome = sim.outcome();
        let p50 = outcome.throughput.latency_p50_ms.unwrap() as f64;
        let series = sim.metrics().series.iter().find(|(k, _)| **k == "ProduceLatencyP50Ms.acks=all").unwrap().1;
        let mut busy: Vec<f64> = series.iter().copied().filter(|v| *v > 0.0).collect();
        busy.sort_by(f64::total_cmp);
        let median = busy[busy.len() / 2];
        assert!((median - p50).abs() <= 3.0, "chart {median} ms, headline {p50} ms: {series:?}");
    }

    /// A cell about throughput or latency (its fence shows that chart) leads with that figure
    /// when nothing went wrong; most records failed, or waiting, lead with that.
    #[test]
    fn a_good_headline_leads_with_what_the_cell_is_about() {
        use super::Focus;
        let throughput = of_cell_focused("04a-throughput-and-scalability.md", 0, Focus::Throughput);
        let latency = of_cell_focused("01c-example-data-flow.md", 0, Focus::Latency);
        let held = headline_of(
            &super::lesson_cells("02-acks-and-durability.md")[1]
                .replace("min.insync.replicas=2", "min.insync.replicas=3"),
            None,
            false,
        );
        let waiting = of_cell_headline("01a-coordination-from-zookeeper-to-kraft.md", 2);
        assert_eq!(
            throughput,
            "4985 records/s, 5.09 MB/s acknowledged — 24928 of 25001 records, 73 pending, none \
             lost"
        );
        assert_eq!(
            latency,
            "Acknowledged in 17 ms (p50), 19 ms (p99) — 5998 of 6001 records, 3 pending, none lost"
        );
        // min.insync.replicas=3 with a broker down: the producer retries NOT_ENOUGH_REPLICAS.
        assert_eq!(
            (held.tone, held.text.as_str()),
            (
                "warn",
                "1801 of 2001 records waiting, the oldest 18.0 s on orders-0 \
                  — 200 acknowledged, none lost"
            )
        );
        let timed_out = headline_of(
            "seed 1\ncluster brokers=3\ntopic orders partitions=1 replication.factor=3 \
             min.insync.replicas=3\nproducer p1 topic=orders acks=all rate=100/s \
             request.timeout.ms=1000 delivery.timeout.ms=2000\nat 1s crash broker 3\nrun 20s\n",
            None,
            false,
        );
        // The same, with a delivery timeout: the records fail.
        assert_eq!(
            (timed_out.tone, timed_out.text.as_str()),
            (
                "warn",
                "1742 of 2001 records sent failed — 100 acknowledged, 159 pending, none lost"
            )
        );
        // The presenter's demo at 8 s, 3 s after its leader crash: the failover is under way.
        let failover = headline_of(crate::presenter::DEMO, Some(8_000), false);
        assert_eq!(
            (failover.tone, failover.text.as_str()),
            (
                "warn",
                "At 8s: 601 of 1601 records waiting, the oldest 3.0 s on orders-2 \
                  — 1000 acknowledged, none lost"
            )
        );
        // No controller: no leader can be elected, the records wait.
        assert_eq!(
            (waiting.tone, waiting.text.as_str()),
            (
                "warn",
                "2501 of 3001 records waiting, the oldest 25.0 s on orders-0 \
                  — 500 acknowledged, none lost"
            )
        );
    }

    /// A consumer with `LogAndFail` stops at the first record it cannot deserialize: the
    /// headline says where, ahead of the records the log kept.
    #[test]
    fn a_consumer_stopped_on_a_poison_pill_leads_the_headline() {
        let cell = &super::lesson_cells("07b-multi-format-pipelines.md")[1];
        let mut scenario = khafka_scenario::parse(cell).unwrap();
        let request = scenario.formats_request().expect("a cell with schemas");
        let answer = khafka_formats::api::handle_json(&request);
        scenario.apply_formats(&answer).unwrap();
        let mut sim = khafka_sim::Sim::with_options(scenario.spec.clone(), scenario.sim_options());
        sim.run_until(scenario.spec.run_for);
        let h = super::headline(
            &sim,
            &sim.snapshot(),
            scenario.spec.run_for,
            None,
            &sim.groups(),
            super::Focus::Records,
        );
        assert_eq!(
            (h.tone, h.text.as_str()),
            (
                "warn",
                "Consumer billing stopped at orders-0 @2: it cannot deserialize the record there \
                 — no acknowledged record lost"
            )
        );
    }
}
