//! A record's story as a timeline: what happened to it (sent, appended, acknowledged, committed,
//! consumed) merged in time order with what happened around it (faults, the elections and
//! truncations of its partition), each step a link that seeks the cell to that instant. Above it, one
//! line for the whole set of lost records.
//!
//! Everything comes from the engine: `Sim::record_story` (the verdict and its reason), the record's
//! provenance and the notable trace. The story is taken when the record is picked and kept while the
//! reader seeks through its steps ("as of" says when it was taken).

use crate::cluster_view::fmt_time;
use khafka_sim::log::RecordId;
use khafka_sim::trace::TraceKind;
use khafka_sim::{Sim, SimTime};
use yew::prelude::*;

/// At most this many events around the record are listed (a long run has many faults).
const EVENTS_MAX: usize = 16;
/// The most lost records examined for the summary line.
const SUMMARY_EXAMINED: usize = 10_000;

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub at: SimTime,
    pub text: String,
    /// The record's own step (sent, appended, …) rather than an event around it.
    pub own: bool,
    /// The step the verdict follows from (the election that made a leader without the record).
    pub cause: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StoryView {
    pub id: RecordId,
    pub as_of: SimTime,
    pub verdict: &'static str,
    pub explanation: String,
    pub steps: Vec<Step>,
    /// Facts without an instant: the error it failed with, where its copies are now.
    pub notes: Vec<String>,
}

/// The story of record `id` at the current instant, or `None` if no such record was sent.
pub fn story_view(sim: &Sim, id: RecordId) -> Option<StoryView> {
    let s = sim.record_story(id)?;
    let zk = sim.topology().config.zookeeper();
    let now = sim.now();
    let mut steps = vec![Step {
        at: SimTime(s.sent_us),
        text: format!(
            "sent by {} to {}{}",
            s.producer,
            s.partition,
            if s.attempts > 1 {
                format!(" ({} attempts)", s.attempts)
            } else {
                String::new()
            }
        ),
        own: true,
        cause: false,
    }];
    let own = |at: u64, text: String| Step {
        at: SimTime(at),
        text,
        own: true,
        cause: false,
    };
    if let Some(v) = &s.value {
        steps[0].text.push_str(&format!(", value \"{v}\""));
    }
    if s.tombstone {
        steps[0]
            .text
            .push_str(", a tombstone (a null value: its key is deleted)");
    }
    // A record stamped before it was sent (a producer with `lateness=`).
    let sent_ms = s.sent_us / 1_000;
    // (Kafka Streams' results carry their input's timestamps: not a producer's lateness.)
    let derived = s.from_streams;
    if s.timestamp_ms < sent_ms && !derived {
        steps[0].text.push_str(&format!(
            ", stamped {} ms earlier (timestamp {} ms)",
            sent_ms - s.timestamp_ms,
            s.timestamp_ms
        ));
    }
    if let Some((b, off, ep, t)) = s.first_append {
        steps.push(own(
            t,
            format!("appended on leader {b} at offset {off}, epoch {ep}"),
        ));
    }
    // A second copy while the first is still in a log; else the first was truncated or deleted.
    let first_kept = s.first_append.is_some_and(|(_, off, ep, _)| {
        s.copies
            .iter()
            .any(|c| (c.offset, c.leader_epoch) == (off, ep))
    });
    for &(b, off, ep, t) in &s.later_appends {
        steps.push(own(
            t,
            format!(
                "appended again on leader {b} at offset {off}, epoch {ep}{}",
                if first_kept {
                    ": a second copy"
                } else {
                    " (the earlier copy is no longer in the log)"
                }
            ),
        ));
    }
    if let Some(t) = s.acknowledged_us {
        steps.push(own(
            t,
            format!(
                "acknowledged{}",
                s.ack_offset
                    .map(|o| format!(" (offset {o})"))
                    .unwrap_or_else(|| " (no offset: acks=0)".into())
            ),
        ));
    }
    if let Some(t) = s.committed_us {
        steps.push(own(t, "committed (the leader's HW passed it)".into()));
    }
    if let Some(t) = s.consumed_us {
        steps.push(own(t, "first consumed".into()));
    }
    // Retention, DeleteRecords or the cleaner removed a copy: when, where and by what (undated
    // only for a copy below a log start whose move the log has no record of).
    let mut undated = Vec::new();
    for d in &s.deleted {
        let start = d
            .log_start_offset
            .map_or(String::new(), |o| format!(", moving the log start to {o}"));
        let text = format!("deleted from broker {}'s log: {}{start}", d.broker, d.by);
        match d.at_us {
            Some(t) => steps.push(own(t, text)),
            None => undated.push(text),
        }
    }
    if let Some(c) = &s.copy_of {
        let record = c
            .record
            .map_or(String::new(), |r| format!(" (record #{r})"));
        steps[0].text.push_str(&format!(
            ": Kafka Streams' copy of {} offset {}{record}, re-keyed by a task 0_P for the windowed count",
            c.input, c.offset
        ));
        if let Some(e) = c.earlier {
            steps[0].text.push_str(&format!(
                " — a second copy: record #{e} is an earlier one of the same input record, written before its task moved; the reference counts the first only"
            ));
        }
    }
    if let Some(wr) = &s.window_result {
        steps[0].text.push_str(&format!(
            ": Kafka Streams' {} for {}@{}{}",
            if wr.on_window_close {
                "final result"
            } else {
                "result"
            },
            wr.key,
            wr.window,
            wr.count
                .map_or(" (a tombstone)".to_string(), |c| format!(", value {c}"))
        ));
        if let Some(e) = &wr.earlier {
            steps.push(own(
                e.sent_us,
                format!(
                    "{} had sent the final result for {}@{} already, as record #{}",
                    e.by, wr.key, wr.window, e.result
                ),
            ));
        }
    }
    if let Some((stream, table)) = s.join_of {
        steps[0].text.push_str(&match table {
            Some(t) => format!(
                ": a Kafka Streams join result of record #{stream} with record #{t} (the table's value, or the other stream's record)"
            ),
            None => format!(
                ": a Kafka Streams left or outer join result of record #{stream}, with null (no table value, or no partner in the window)"
            ),
        });
    }
    // Each result when its instance sent it: a second result (processed again after a task
    // moved) is its own step, by the instance that made it.
    for same in s
        .joined_into
        .chunk_by(|a, b| a.sent_us == b.sent_us && a.by == b.by)
    {
        let ids: Vec<String> = same.iter().map(|j| format!("#{}", j.result)).collect();
        let mut text = format!(
            "joined by {} into result{} {}",
            same[0].by,
            if ids.len() > 1 { "s" } else { "" },
            ids.join(", ")
        );
        // One instance pairing it with the same record twice at once: a stream–stream join's
        // window store keeps duplicates, and held it twice.
        let partners: Vec<Option<RecordId>> = same
            .iter()
            .map(|j| {
                let (a, b) = sim.join_of(j.result)?;
                if a == s.record_id { b } else { Some(a) }
            })
            .collect();
        if let Some(p) = (1..partners.len())
            .find(|&i| partners[i].is_some() && partners[..i].contains(&partners[i]))
            .and_then(|i| partners[i])
        {
            // This record processed by another instance before, and by this one again: the
            // restored copy and its own. Otherwise either record may have been read twice.
            let by_this = |q: &&khafka_sim::view::snapshot::RecordProcessing| {
                q.consumer.starts_with(&format!("{}-", same[0].by))
            };
            let earlier = s.processed_by.iter().find(|q| !by_this(q)).filter(|_| {
                s.processed_by.iter().any(|q| by_this(&q))
            });
            text.push_str(&match earlier {
                Some(q) => format!(
                    " — the same pair with record #{p} twice: {}'s window store held this record \
                     twice, the copy {} wrote to the store's changelog before its offset was \
                     committed, restored, and its own when it processed the record again (at \
                     least once)",
                    same[0].by,
                    q.consumer.strip_suffix("-consumer").unwrap_or(&q.consumer)
                ),
                None => format!(
                    " — the same pair with record #{p} twice: one of the two was processed twice \
                     (at least once), and {}'s window store held it twice",
                    same[0].by
                ),
            });
        }
        steps.push(own(same[0].sent_us, text));
    }
    // What the table held for its key as of its timestamp, and when that value was first read.
    let not_read = s.join_expected.as_ref().map(|e| (e, e.read_after));
    if s.join_dropped {
        let mut text = "Kafka Streams' inner join found no table value for its key when it processed it, and forwarded nothing".to_string();
        if let Some((e, read_after)) = not_read {
            text.push_str(&format!(
                ": as of its timestamp the table held record #{} (@{:.2} s) for the key{}",
                e.record,
                e.timestamp_ms as f64 / 1e3,
                if read_after {
                    ", first read after this record"
                } else {
                    ""
                }
            ));
        }
        steps.push(own(s.consumed_us.unwrap_or(s.sent_us), text));
        if let Some((e, true)) = not_read {
            if let Some(r) = e.first_read_us {
                steps.push(own(
                    r,
                    format!(
                        "record #{}, the table value it would have joined, first read from the table's topic",
                        e.record
                    ),
                ));
            }
        }
    }
    if let Some(d) = &s.late_drop {
        steps.push(own(
            d.at_us,
            format!(
                "{} (task {}) skipped it as late: its window {} had expired (expiration {} ms \
                 at stream time {} ms); it was {} ms behind stream time (dropped-records)",
                d.instance,
                d.task,
                d.window,
                d.expiration,
                d.stream_time,
                d.lateness_ms()
            ),
        ));
    }
    // Each time a group member's application processed it, and in which generation: at the end
    // of its poll, or within a run of polls (a member's contiguous runs are kept merged).
    for pr in &s.processed_by {
        let within = if pr.from_us == pr.at_us {
            String::new()
        } else {
            format!(
                ", at one of its polls between {} and {}",
                fmt_time(SimTime(pr.from_us)),
                fmt_time(SimTime(pr.at_us))
            )
        };
        steps.push(own(
            pr.from_us,
            format!(
                "processed by {} (group {}, generation {}{within})",
                pr.consumer, pr.group, pr.generation
            ),
        ));
    }
    // A schema deserializer that threw on it: skipped, or the consumer stopped there.
    for (consumer, offset, t, why, skipped) in &s.deserialization_failures {
        steps.push(own(
            *t,
            format!(
                "{consumer} could not deserialize it at offset {offset} (RecordDeserializationException: {why}); {}",
                if *skipped {
                    "skipped (LogAndContinue)"
                } else {
                    "the consumer stops there (LogAndFail)"
                }
            ),
        ));
    }
    // The partition's events since the record was sent. For a lost or unavailable record, the
    // election that gave the partition its current leader (or none) is the step its verdict follows
    // from.
    let part = (0..sim.topology().parts.len() as u32)
        .find(|p| *sim.topology().part_name(*p) == *s.partition);
    let leader_now = part.and_then(|p| sim.partition_state(p as usize as u32).leader);
    let replicas: &[u32] = part.map_or(&[], |p| &sim.topology().parts[p as usize].replicas);
    let acked_at = s.acknowledged_us.map(SimTime);
    // From its send, or from the earlier emission of the same final result.
    let since_us = s
        .window_result
        .as_ref()
        .and_then(|w| w.earlier.as_ref())
        .map_or(s.sent_us, |e| e.sent_us.min(s.sent_us));
    let around: Vec<_> = sim
        .notable_events()
        .filter(|e| e.time >= SimTime(since_us) && e.time <= now)
        .filter(|e| match &e.kind {
            // A broker's fault, or a cut, that cannot touch its partition's replicas is another
            // record's story (walk 13: a record on broker 1 listed `slow broker 2 off`); so is a
            // consumer's fault, when other members processed the record.
            TraceKind::Fault { description }
                if !sim
                    .fault_touches(e.time, description, replicas)
                    .unwrap_or(true) =>
            {
                false
            }
            TraceKind::Fault { description } => description
                .split(' ')
                .skip_while(|w| *w != "consumer")
                .nth(1)
                .is_none_or(|c| {
                    !s.never_processed_by.is_empty()
                        || s.processed_by.is_empty()
                        || s.processed_by.iter().any(|p| p.consumer == c)
                }),
            TraceKind::LeaderElected { partition, .. }
            | TraceKind::Truncated { partition, .. }
            | TraceKind::IsrChanged { partition, .. } => **partition == *s.partition,
            // The errors its producer got from its partition: why a batch was sent again.
            TraceKind::ProduceError {
                producer,
                partition,
                ..
            } => **producer == *s.producer && **partition == *s.partition,
            _ => false,
        })
        .collect();
    let cause = match s.verdict {
        "lost" | "unavailable" => around.iter().rposition(|e| {
            matches!(&e.kind, TraceKind::LeaderElected { partition, leader, .. }
                if **partition == *s.partition && *leader == leader_now)
        }),
        // A duplicate: the last error before the acknowledgement made the producer send it again.
        "duplicated" => around.iter().rposition(|e| {
            matches!(e.kind, TraceKind::ProduceError { .. }) && acked_at.is_none_or(|t| e.time <= t)
        }),
        _ => None,
    };
    // Identical events in a row are one step ("×5, until …").
    let mut events: Vec<Step> = Vec::new();
    let mut repeats: Vec<(usize, SimTime)> = Vec::new();
    for (i, e) in around.iter().enumerate() {
        let text = crate::cluster_view::event_text(&e.kind, zk);
        match events.last_mut() {
            Some(last) if !last.own && last.text == text => {
                last.cause |= Some(i) == cause;
                if let Some(r) = repeats.last_mut() {
                    r.0 += 1;
                    r.1 = e.time;
                }
            }
            _ => {
                events.push(Step {
                    at: e.time,
                    text,
                    own: false,
                    cause: Some(i) == cause,
                });
                repeats.push((1, e.time));
            }
        }
    }
    for (step, (n, until)) in events.iter_mut().zip(&repeats) {
        if *n > 1 {
            step.text
                .push_str(&crate::cluster_view::repeat_note(*n, step.at, *until));
        }
    }
    // Keep the cause, and as many other events as fit, nearest the cause (or the end) first.
    if events.len() > EVENTS_MAX {
        let keep_from = events
            .iter()
            .position(|e| e.cause)
            .unwrap_or(events.len())
            .saturating_sub(EVENTS_MAX / 2)
            .min(events.len() - EVENTS_MAX);
        events = events.split_off(keep_from);
        events.truncate(EVENTS_MAX);
    }
    steps.extend(events);
    // The faults that began before it was sent and were still in effect then (a slow or
    // crashed replica, a network cut): its own events show only their end (walk 10, #7).
    let replicas = part.map(|p| sim.partition_state(p).replicas.clone());
    for f in sim.faults_in_effect(SimTime(since_us)) {
        if f.from < SimTime(since_us) && replicas.as_ref().is_none_or(|r| f.subject.touches(r)) {
            steps.push(Step {
                at: f.from,
                text: format!(
                    "⚡ {} (still in effect when it was sent)",
                    crate::cluster_view::fault_text(&f.description)
                ),
                own: false,
                cause: false,
            });
        }
    }
    // In time order; at the same instant the record's own steps first.
    khafka_sim::kernel::small::sort_by(&mut steps, |a, b| (a.at, !a.own).cmp(&(b.at, !b.own)));
    let mut notes = undated;
    if let Some(o) = s.superseded {
        notes.push(format!(
            "a later record of its key is at offset {o}: the first cleaning that reaches it (once \
             its segment is no longer the active one) removes the tombstone, whatever its delete \
             horizon"
        ));
    } else if let Some(h) = s.delete_horizon_ms {
        notes.push(format!(
            "its delete horizon is {}: the first cleaning that reached it set it to its own time \
             plus delete.retention.ms, and the first cleaning after it removes the tombstone",
            fmt_time(SimTime::from_ms(h))
        ));
    }
    // What a stream processor or a deserializer did with a record the log kept leads the story:
    // the reader asked why it is missing from a result, not whether Kafka committed it.
    // A record skipped as late, then read again by its application (a restored task, whose window
    // processor's `observedStreamTime` started over) and not skipped this time: the last drop is
    // `late_drop`, so a read after it did not drop it. Another group's read is not the
    // application's.
    let counted_after_drop = s.late_drop.as_ref().and_then(|d| {
        let app = sim
            .spec()
            .streams
            .iter()
            .find(|x| x.name == d.instance)?
            .config
            .application_id
            .as_str();
        s.processed_by
            .iter()
            .rev()
            .find(|p| p.group == app && p.from_us > d.at_us)
            .map(|p| (d, p))
    });
    let consumer_side: Option<(&'static str, String)> = if let Some((d, p)) = counted_after_drop {
        Some((
            "counted after a drop",
            format!(
                "{} skipped it as late, {} ms behind stream time: its window {} had closed; {} \
                 read it again in generation {}, after restoring the task, and added it to {}: the \
                 window processor's stream time (observedStreamTime) is not committed, so a \
                 restored task's processor starts it again from the first records it reads",
                d.instance,
                d.lateness_ms(),
                d.window,
                p.consumer,
                p.generation,
                d.window
            ),
        ))
    } else if let Some(d) = &s.late_drop {
        Some((
            "dropped",
            format!(
                "{} skipped it as late, {} ms behind stream time: its window {} had closed",
                d.instance,
                d.lateness_ms(),
                d.window
            ),
        ))
    } else if s.join_dropped {
        Some((
            "dropped",
            match not_read {
                Some((e, true)) => format!(
                    "Kafka Streams' inner join found no table value for its key and forwarded \
                     nothing: the table's value as of its timestamp, record #{} (@{:.2} s), was \
                     first read after this record",
                    e.record,
                    e.timestamp_ms as f64 / 1e3
                ),
                _ => "Kafka Streams' inner join found no table value for its key and forwarded \
                      nothing"
                    .to_string(),
            },
        ))
    } else if let Some((wr, e)) = s
        .window_result
        .as_ref()
        .and_then(|wr| wr.earlier.as_ref().map(|e| (wr, e)))
    {
        Some((
            "emitted twice",
            format!(
                "Kafka Streams emitted the final result for {}@{} a second time ({} sent it \
                 first, as record #{}): its task processed the input again from its last commit, \
                 which came before that emission, and the window closed again (at least once)",
                wr.key, wr.window, e.by, e.result
            ),
        ))
    } else if let Some(group) = s.never_processed_by.first() {
        Some((
            "never processed",
            format!(
                "group {group} committed its partition past it, but no member processed it: the \
                 offset was committed before the record was processed and the member stopped \
                 first, or a seek or a reset skipped it (at most once)"
            ),
        ))
    } else if let Some(twice) = s.processed_by.iter().find_map(|p| {
        // Within one group: two groups each reading it once is not twice.
        let by: Vec<_> = s
            .processed_by
            .iter()
            .filter(|q| q.group == p.group)
            .collect();
        (by.len() > 1).then_some(by)
    }) {
        let who: Vec<String> = twice
            .iter()
            .map(|p| format!("{} in generation {}", p.consumer, p.generation))
            .collect();
        Some((
            "processed twice",
            format!(
                "group {} processed it {} times, by {}: reading resumed from a committed offset \
                 below it (a member restarted or the partition moved before the commit that \
                 passed it; at least once)",
                twice[0].group,
                twice.len(),
                who.join(", then ")
            ),
        ))
    } else {
        s.deserialization_failures
            .first()
            .map(|(consumer, offset, _, _, skipped)| {
                (
                    "undecodable",
                    format!(
                        "{consumer} could not deserialize it at offset {offset} and {}",
                        if *skipped {
                            "skipped it"
                        } else {
                            "stops there"
                        }
                    ),
                )
            })
    };
    // Only over a verdict that is not itself the news (lost, duplicated, failed, … lead).
    let quiet = matches!(
        s.verdict,
        "committed" | "uncommitted" | "pending" | "deleted"
    );
    let (verdict, explanation) = match consumer_side.filter(|_| quiet) {
        Some((v, why)) => {
            notes.push(format!("in Kafka: {} — {}", s.verdict, s.explanation));
            (v, why)
        }
        None => (s.verdict, s.explanation),
    };
    if let Some(ser) = &s.serializer {
        notes.push(format!("value serializer: {ser}"));
    }
    if let Some(e) = s.failed {
        notes.push(format!("its send failed: {e}"));
    }
    notes.push(if s.copies.is_empty() && !s.deleted.is_empty() {
        "no copy in any replica's log now".to_string()
    } else if s.copies.is_empty() {
        "no copy on any replica now".to_string()
    } else {
        format!(
            "copies now: {}",
            s.copies
                .iter()
                .map(|c| format!(
                    "broker {} @{} (epoch {}{})",
                    c.broker,
                    c.offset,
                    c.leader_epoch,
                    if c.below_high_watermark {
                        ", committed"
                    } else {
                        ""
                    }
                ))
                .collect::<Vec<_>>()
                .join("; ")
        )
    });
    Some(StoryView {
        id,
        as_of: now,
        verdict,
        explanation,
        steps,
        notes,
    })
}

/// One line for the set of lost records: where they were appended and when they were acknowledged.
pub fn lost_summary(sim: &Sim, lost: u64) -> Option<String> {
    if lost == 0 {
        return None;
    }
    let ids = sim.records_with_verdict("lost", SUMMARY_EXAMINED);
    let infos: Vec<_> = ids.iter().filter_map(|id| sim.record(*id)).collect();
    // The distinct values of one field of the records' first appends, ascending.
    let distinct = |field: fn((u32, u64, u32, u64)) -> u32| {
        let mut v: Vec<u32> = infos
            .iter()
            .filter_map(|i| i.first_append().map(field))
            .collect();
        khafka_sim::kernel::small::sort_by(&mut v, Ord::cmp);
        v.dedup();
        v
    };
    let brokers = distinct(|a| a.0);
    let epochs = distinct(|a| a.2);
    let acked: Vec<u64> = infos.iter().filter_map(|i| i.acked_us()).collect();
    let (first, last) = (acked.iter().min()?, acked.iter().max()?);
    let list = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    let set = if infos.len() as u64 == lost {
        if lost == 1 {
            "The lost record was".to_string()
        } else {
            format!("All {lost} lost records were")
        }
    } else {
        format!("The first {} of {lost} lost records were", infos.len())
    };
    Some(format!(
        "{set} appended on broker{} {} in epoch{} {} and acknowledged between {} and {}.",
        if brokers.len() == 1 { "" } else { "s" },
        list(&brokers),
        if epochs.len() == 1 { "" } else { "s" },
        list(&epochs),
        fmt_time(SimTime(*first)),
        fmt_time(SimTime(*last)),
    ))
}

/// The story as HTML: verdict and reason, the timeline, the notes.
pub fn render(view: &StoryView, on_seek: &Callback<SimTime>) -> Html {
    html! {
        <div class="story">
            <p><strong class={classes!("verdict", view.verdict)}>{ view.verdict }</strong>
                { format!(" — record {}: {}", view.id, view.explanation) }
                <span class="muted">{ format!(" (as of {})", fmt_time(view.as_of)) }</span></p>
            <ol class="timeline" aria-label="What happened to the record, in time order">
                { for view.steps.iter().map(|st| {
                    let at = st.at;
                    html! {
                        <li class={classes!(st.own.then_some("own"), st.cause.then_some("cause"))}>
                            <button class="link" onclick={on_seek.reform(move |_: MouseEvent| at)}
                                aria-label={format!("Go to {}", fmt_time(at))}>{ fmt_time(at) }</button>
                            { format!(" {}", st.text) }
                            if st.cause { <span class="cause-mark">{ " ← why" }</span> }
                        </li>
                    }
                }) }
            </ol>
            <ul class="notes">{ for view.notes.iter().map(|n| html! { <li>{ n }</li> }) }</ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    /// The scenario `text` run to its end.
    fn run_to_end(text: &str) -> khafka_sim::Sim {
        let scenario = khafka_scenario::parse(text).unwrap();
        let mut sim = khafka_sim::Sim::with_options(scenario.spec.clone(), scenario.sim_options());
        sim.run_until(scenario.spec.run_for);
        sim
    }

    /// A record sent while its partition's broker was slow names the slowdown, which began
    /// before it was sent (walk 10, #7); a record on a broker that was not slow does not.
    #[test]
    fn a_fault_in_effect_at_the_send_is_in_the_story() {
        let sim = run_to_end(&crate::headline::lesson_cells("00-events-keys-and-ordering.md")[1]);
        // A record's fault steps, each with its time (µs).
        let faults = |id| -> Vec<String> {
            super::story_view(&sim, id)
                .unwrap()
                .steps
                .into_iter()
                .filter(|st| st.text.contains('⚡'))
                .map(|st| format!("{} {}", st.at.as_us(), st.text))
                .collect()
        };
        let in_effect = |id| -> Vec<String> {
            faults(id)
                .into_iter()
                .filter(|t| t.contains("(still in effect when it was sent)"))
                .collect()
        };
        // Record 21, dave's, on orders-1 (broker 2), sent at 1.05 s.
        let dave = in_effect(21);
        assert_eq!(dave.len(), 1, "{dave:?}");
        assert!(
            dave[0].starts_with("1000000 ⚡") && dave[0].contains("broker 2"),
            "{dave:?}"
        );
        // Record 22, alice's, on orders-0 (broker 1): nor does the fault's end, an event after
        // it was sent, belong to alice's story; it does to dave's (walk 13).
        assert_eq!(faults(22), Vec::<String>::new());
        assert!(faults(21).iter().any(|t| t.contains("off")), "{:?}", faults(21));
    }

    /// A duplicate's story has a step for each append on the leader, the second copy's
    /// included (walk 10, #9): the retries lesson says "appended twice, at two offsets".
    #[test]
    fn a_duplicate_s_story_names_both_appends() {
        let cell = &crate::headline::lesson_cells("03-retries-and-idempotence.md")[0];
        let sim = run_to_end(cell);
        let id = *sim
            .records_with_verdict("duplicated", 1)
            .first()
            .expect("a duplicate");
        let v = super::story_view(&sim, id).unwrap();
        let appends: Vec<&str> = v
            .steps
            .iter()
            .filter(|st| st.text.starts_with("appended"))
            .map(|st| st.text.as_str())
            .collect();
        assert_eq!(appends.len(), 2, "{appends:?}");
        assert!(
            appends[1].starts_with("appended again on leader")
                && appends[1].ends_with(": a second copy"),
            "{appends:?}"
        );
        // The two offsets differ, and the acknowledgement names the second.
        let s = sim.record_story(id).unwrap();
        let (first, again) = (s.first_append.unwrap().1, s.later_appends[0].1);
        assert_ne!(first, again);
        assert_eq!(s.ack_offset, Some(again));
    }

    /// A retry that reached a new leader after its first copy, never replicated, was truncated:
    /// appended again, one copy, committed — not "a second copy" (review of session 54, M3).
    #[test]
    fn a_retry_after_a_failover_is_not_a_second_copy() {
        let sim = run_to_end(
            "seed 5\ncluster brokers=3\ntopic orders partitions=1 replication.factor=3 \
             min.insync.replicas=2\nproducer p1 topic=orders acks=all rate=50/s \
             enable.idempotence=true\nat 5s partition {1} | {2,3,controller}\nat 50s heal\n\
             run 60s\n",
        );
        let again: Vec<_> = (0..sim.records_sent())
            .filter_map(|id| sim.record_story(id))
            .filter(|s| s.leader_appends > 1)
            .collect();
        assert!(!again.is_empty(), "no record was appended twice");
        for s in &again {
            assert_eq!(s.verdict, "committed", "{s:?}");
            assert_eq!(s.copies.iter().filter(|c| c.broker == 2).count(), 1);
            let v = super::story_view(&sim, s.record_id).unwrap();
            let step = v
                .steps
                .iter()
                .find(|st| st.text.starts_with("appended again"))
                .expect("the retry's append");
            assert!(
                step.text
                    .ends_with("(the earlier copy is no longer in the log)"),
                "{}",
                step.text
            );
        }
    }

    /// A record retention or the cleaner removed is `deleted`, with when and by what, and no copy
    /// left in any log (walk 12, #1); a tombstone names its delete horizon until it goes.
    #[test]
    fn deleted_records_say_when_and_by_what() {
        let cells = crate::headline::lesson_cells("06-retention-and-compaction.md");
        let step = |sim: &khafka_sim::Sim, id| -> (String, Vec<String>, Vec<String>) {
            let v = super::story_view(sim, id).unwrap();
            let steps = v
                .steps
                .iter()
                .map(|st| format!("{} {}", crate::cluster_view::fmt_time(st.at), st.text))
                .collect();
            (format!("{}: {}", v.verdict, v.explanation), steps, v.notes)
        };
        // Retention: the first segments went at 45 s, the log starting at 1010.
        let sim = run_to_end(&cells[0]);
        let (verdict, steps, notes) = step(&sim, 5);
        assert!(
            verdict.starts_with(
                "deleted: kept, then on broker 1: deleted with its segment (retention.ms)"
            ),
            "{verdict}"
        );
        assert!(
            steps
                .iter()
                .any(|s| s == "45s deleted from broker 1's log: retention.ms, moving the log start to 1010"),
            "{steps:?}"
        );
        assert!(
            notes
                .iter()
                .any(|n| n == "no copy in any replica's log now"),
            "{notes:?}"
        );
        // Compaction: user-3's value goes at 11 s, its tombstone (offset 501) at 17 s.
        let tombstones = &cells[3];
        let sim = run_to_end(tombstones);
        let (verdict, steps, _) = step(&sim, 0);
        assert!(
            verdict.starts_with("deleted: kept, then on broker 1: the cleaner removed it"),
            "{verdict}"
        );
        assert!(
            steps
                .iter()
                .any(|s| s == "11s deleted from broker 1's log: the cleaner"),
            "{steps:?}"
        );
        let (verdict, steps, _) = step(&sim, 502);
        assert!(
            verdict.starts_with("deleted: kept, then on broker 1: a tombstone"),
            "{verdict}"
        );
        assert!(
            steps[0].ends_with("a tombstone (a null value: its key is deleted)"),
            "{steps:?}"
        );
        assert!(
            steps
                .iter()
                .any(|s| s == "17s deleted from broker 1's log: the cleaner"),
            "{steps:?}"
        );
        // At 14 s the tombstone is still there, until its horizon.
        let scenario = khafka_scenario::parse(tombstones).unwrap();
        let mut sim = khafka_sim::Sim::with_options(scenario.spec.clone(), scenario.sim_options());
        sim.run_until(khafka_sim::SimTime::from_secs(14));
        let (verdict, _, notes) = step(&sim, 502);
        assert!(verdict.starts_with("committed"), "{verdict}");
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with("its delete horizon is 16s")),
            "{notes:?}"
        );
    }

    /// A tombstone a later record of its key superseded goes at the next cleaning, whatever its
    /// delete horizon, and its story says that is why; one that stayed its key's latest goes
    /// past its horizon (review of session 55, #9).
    #[test]
    fn a_tombstones_story_says_which_rule_removed_it() {
        let cell = crate::headline::lesson_cells("06-retention-and-compaction.md")[3].replace(
            "run 30s",
            "producer again topic=users acks=all rate=1/s keys=user-3 count=1 start=12s\nrun 30s",
        );
        let scenario = khafka_scenario::parse(&cell).unwrap();
        let mut sim = khafka_sim::Sim::with_options(scenario.spec.clone(), scenario.sim_options());
        // The tombstone (record 502, sent at 10 s), then user-3's new value (sent at 12 s).
        let tombstone = 502;
        sim.run_until(khafka_sim::SimTime::from_ms(12_500));
        let v = super::story_view(&sim, tombstone).unwrap();
        assert_eq!(v.verdict, "committed", "{}", v.explanation);
        assert!(
            v.notes.iter().any(|n| n.starts_with("a later record of its key is at offset")),
            "{:?}",
            v.notes
        );
        sim.run_until(scenario.spec.run_for);
        let s = sim.record_story(tombstone).unwrap();
        assert!(s.tombstone, "{s:?}");
        // Before its horizon (16 s): the later record, not the horizon, removed it.
        let gone = s.deleted.iter().find(|d| d.broker == 1).and_then(|d| d.at_us);
        assert!(gone.is_some_and(|t| t < 16_000_000), "{s:?}");
        assert_eq!(
            (s.verdict, s.explanation.as_str()),
            (
                "deleted",
                "kept, then on broker 1: a tombstone, the cleaner removed it: a later record has \
                 its key, and compaction keeps the latest of each key"
            )
        );
    }

    /// A record retention deleted is `deleted`, not `lost`, on a leader that holds no trace of
    /// it: a follower that came back below its leader's log start emptied its log and started
    /// it there (Kafka's `truncateFullyAndStartAt`), then led (review of session 55, #1).
    #[test]
    fn a_leader_that_never_held_a_deleted_record_does_not_call_it_lost() {
        let sim = run_to_end(
            "seed 2\ncluster brokers=2 log.retention.check.interval.ms=1000\ntopic logs \
             partitions=1 replication.factor=2 min.insync.replicas=1 replicas=1,2 \
             segment.ms=2000 retention.ms=10000\nproducer p1 topic=logs acks=all rate=100/s\n\
             at 5s crash broker 2\nat 40s restart broker 2\nat 50s crash broker 1\nrun 60s\n",
        );
        assert_eq!(sim.outcome().provenance.lost, 0);
        let s = sim.record_story(0).unwrap();
        assert!(s.copies.is_empty(), "{s:?}");
        assert_eq!(
            (s.verdict, s.explanation.as_str()),
            (
                "deleted",
                "kept, then on broker 1: deleted with its segment (retention.ms), which moved \
                 the log start to offset 1903"
            )
        );
    }

    /// A repartition topic's records go below the log start by DeleteRecords (Kafka Streams
    /// purges what it committed): the leader's copy is dated by the request, a follower's by its
    /// leader's log start, which it learns in a fetch (review of session 55, #5).
    #[test]
    fn purged_repartition_records_say_delete_records_and_when() {
        // Its internal topics with three replicas, so that followers learn the log start.
        let cell = crate::headline::lesson_cells("06c-stateful-stream-processing.md")[5]
            .replace("statestore.cache.max.bytes=0", "statestore.cache.max.bytes=0 replication.factor=3");
        let sim = run_to_end(&cell);
        let s = (0..sim.records_sent())
            .filter_map(|id| sim.record_story(id))
            .find(|s| s.deleted.iter().any(|d| d.by == "DeleteRecords"))
            .expect("a record DeleteRecords removed");
        let causes: Vec<&str> = s.deleted.iter().map(|d| d.by).collect();
        assert!(
            causes.contains(&"its leader's log start offset"),
            "{causes:?}"
        );
        for d in &s.deleted {
            let at = d.at_us.expect("dated");
            assert!(at > s.sent_us, "{d:?}");
            assert!(d.log_start_offset.is_some_and(|o| o > d.offset), "{d:?}");
        }
        assert_eq!(s.verdict, "deleted", "{}", s.explanation);
        assert!(
            s.explanation
                .contains("below the log start offset, which a DeleteRecords request moved to"),
            "{}",
            s.explanation
        );
        let v = super::story_view(&sim, s.record_id).unwrap();
        assert!(
            v.steps
                .iter()
                .any(|st| st.text.contains("'s log: DeleteRecords, moving the log start to")),
            "{:?}",
            v.steps
        );
    }

    /// Both copies of a duplicate the cleaner removed at different cleanings keep their own
    /// times: the first when the retry superseded it, the second when a later record of its key
    /// did (review of session 55, #8).
    #[test]
    fn a_duplicates_copies_the_cleaner_removed_keep_their_own_times() {
        let cell = crate::headline::lesson_cells("03-retries-and-idempotence.md")[0]
            .replace(
                "min.insync.replicas=2",
                "min.insync.replicas=2 cleanup.policy=compact segment.ms=1000 \
                 min.cleanable.dirty.ratio=0.01",
            )
            .replace("keys=user-0..99", "keys=user-0..2999");
        let sim = run_to_end(&cell);
        let mut twice = 0;
        for s in (0..sim.records_sent()).filter_map(|id| sim.record_story(id)) {
            let on_1: Vec<_> = s
                .deleted
                .iter()
                .filter(|d| d.broker == 1 && d.by == khafka_sim::view::snapshot::CLEANER)
                .collect();
            if let [first, second] = on_1[..] {
                assert!(first.offset < second.offset);
                assert!(first.at_us.unwrap() <= second.at_us.unwrap(), "{s:?}");
                if first.at_us < second.at_us {
                    twice += 1;
                }
            }
        }
        assert!(twice > 0, "no duplicate with its copies cleaned apart");
    }

    /// The pair in 06e's output twice: the story of its impression says why the instance that
    /// took the task over paired it twice, and with whom (walk 13, #11).
    #[test]
    fn a_pair_joined_twice_says_the_store_held_its_record_twice() {
        let cell = &crate::headline::lesson_cells("06e-stream-stream-joins.md")[2];
        let sim = run_to_end(cell);
        let v = super::story_view(&sim, 6159).unwrap();
        let step = v
            .steps
            .iter()
            .find(|st| st.text.starts_with("joined by s2 into results #11998, #11999"))
            .expect("the joined step");
        assert!(
            step.text.ends_with(
                " — the same pair with record #7201 twice: s2's window store held this record \
                 twice, the copy s1 wrote to the store's changelog before its offset was \
                 committed, restored, and its own when it processed the record again (at least \
                 once)"
            ),
            "{}",
            step.text
        );
    }

    /// Between a leader's crash and its fencing, a lost record is counted on the replica the
    /// election will make leader, and its story says so in the future tense: nothing was elected
    /// yet (walk 14, #3).
    #[test]
    fn a_loss_counted_before_the_election_is_told_in_the_future() {
        let cell = &crate::headline::lesson_cells("02-acks-and-durability.md")[0];
        let scenario = khafka_scenario::parse(cell).unwrap();
        let mut sim = khafka_sim::Sim::with_options(scenario.spec.clone(), scenario.sim_options());
        sim.run_until(khafka_sim::SimTime::from_ms(4_800));
        let s = sim.record_story(200).unwrap();
        assert_eq!(
            (s.verdict, s.explanation.as_str()),
            (
                "lost",
                "acknowledged but absent from broker 2's log: acknowledged by the leader alone \
                 (acks=0/1); the leader failed before a follower copied it, and a follower \
                 without it will become leader (counted on broker 2: leader 1 is down and not \
                 yet fenced, and a clean election will then make 2 leader)"
            )
        );
        sim.run_until(scenario.spec.run_for);
        let s = sim.record_story(200).unwrap();
        assert!(
            s.explanation
                .starts_with("acknowledged but absent from leader 2's log"),
            "{}",
            s.explanation
        );
        assert!(s.explanation.ends_with("became leader"), "{}", s.explanation);
    }

    /// A late view another group reads later is still dropped: only its application's read
    /// after a restore counts it (review of session 53, #1).
    #[test]
    fn another_group_reading_a_dropped_record_does_not_count_it() {
        let cell = crate::headline::lesson_cells("08-real-time-analytics.md")[5].replace(
            "run 200s",
            "consumer audit topic=page-views group.id=audit auto.offset.reset=earliest start=150s\nrun 200s",
        );
        let sim = run_to_end(&cell);
        let mut dropped = 0;
        for (id, _) in sim.late_records() {
            let v = super::story_view(&sim, id).unwrap();
            let s = sim.record_story(id).unwrap();
            // Read by the audit group after the drop, and still dropped.
            if s.processed_by.iter().any(|p| p.group == "audit") {
                assert_eq!(v.verdict, "dropped", "{}", v.explanation);
                dropped += 1;
            }
        }
        assert!(dropped > 0, "no late record read by audit");
    }

    /// A view Kafka Streams dropped as late: its story leads with the drop, and says what Kafka
    /// did with it (committed) among the notes.
    #[test]
    fn a_record_dropped_as_late_leads_its_story_with_the_drop() {
        let cell = &crate::headline::lesson_cells("08-real-time-analytics.md")[5];
        let sim = run_to_end(cell);
        let (id, _) = sim.late_records().next().expect("a late record");
        let v = super::story_view(&sim, id).unwrap();
        assert_eq!(
            (v.verdict, v.explanation.as_str()),
            (
                "dropped",
                "dash1 skipped it as late, 32363 ms behind stream time: its window [0,60000) had \
                 closed"
            )
        );
        assert_eq!(
            v.notes[0],
            "in Kafka: committed — below the leader's high watermark: every ISR member has it"
        );
    }

    /// A group's headline names a record (its "why?"): one processed twice tells who processed
    /// it in which generation; one the group committed past before processing it says so.
    #[test]
    fn a_group_headline_record_tells_who_processed_it_twice_or_never() {
        let run = |cell: &str| {
            let sim = run_to_end(cell);
            let view = sim.group_view("billing").unwrap();
            let id = sim.group_example(&view).expect("a record to explain");
            super::story_view(&sim, id).unwrap()
        };
        let cell = &crate::headline::lesson_cells("04b-consumer-groups-and-offsets.md")[2];
        let v = run(cell);
        assert_eq!(v.verdict, "processed twice", "{}", v.explanation);
        assert!(
            v.explanation
                .starts_with("group billing processed it 2 times, by c1 in generation 1, then ")
                && v.explanation.contains("at least once"),
            "{}",
            v.explanation
        );
        let processed: Vec<&str> = v
            .steps
            .iter()
            .filter(|st| st.text.starts_with("processed by"))
            .map(|st| st.text.as_str())
            .collect();
        assert_eq!(processed.len(), 2, "{processed:?}");
        let v = run(&cell.replace(
            "sim.commit.when=after-processing",
            "sim.commit.when=before-processing",
        ));
        assert_eq!(v.verdict, "never processed", "{}", v.explanation);
        assert!(
            v.explanation
                .starts_with("group billing committed its partition past it")
                && v.steps
                    .iter()
                    .all(|st| !st.text.starts_with("processed by")),
            "{v:?}"
        );
    }

    /// A stream record an inner join dropped because its task had not read the table's value
    /// yet (`max.task.idle.ms=-1`): its story names that value and when it was first read.
    #[test]
    fn a_record_a_join_dropped_names_the_table_value_not_read_yet() {
        let cell = &crate::headline::lesson_cells("06d-stream-table-joins.md")[0];
        assert!(cell.contains("max.task.idle.ms=0"), "{cell}");
        let sim = run_to_end(&cell.replace("max.task.idle.ms=0", "max.task.idle.ms=-1"));
        let j = sim.streams_view().and_then(|v| v.join).expect("a join");
        let m = j.examples.first().expect("a mismatch");
        let (expected, _) = m.expected.expect("the reference joins it");
        let v = super::story_view(&sim, m.stream).unwrap();
        assert_eq!(v.verdict, "dropped", "{v:?}");
        assert!(
            v.explanation.contains(&format!("record #{expected} (@"))
                && v.explanation.ends_with("was first read after this record"),
            "{}",
            v.explanation
        );
        let at = |prefix: &str| {
            v.steps
                .iter()
                .find(|st| st.text.starts_with(prefix))
                .map(|st| st.at)
                .unwrap_or_else(|| panic!("no step {prefix}: {v:?}"))
        };
        let read = at(&format!("record #{expected}, the table value"));
        assert!(at("Kafka Streams' inner join found no table value") < read);
    }

    /// A stream record joined twice (its task moved before the commit): each result is dated
    /// when its instance sent it, by that instance.
    #[test]
    fn a_record_joined_twice_shows_each_result_by_its_instance() {
        let cell = &crate::headline::lesson_cells("06d-stream-table-joins.md")[2];
        let sim = run_to_end(cell);
        let j = sim.streams_view().and_then(|v| v.join).expect("a join");
        let v = super::story_view(&sim, j.first_twice.expect("a record joined twice")).unwrap();
        let joins: Vec<_> = v
            .steps
            .iter()
            .filter(|st| st.text.starts_with("joined by "))
            .collect();
        assert_eq!(joins.len(), 2, "{v:?}");
        assert!(joins[0].at < joins[1].at, "{joins:?}");
        let by = |t: &str| t.split(' ').nth(2).unwrap_or("").to_string();
        assert_ne!(by(&joins[0].text), by(&joins[1].text), "{joins:?}");
    }

    /// A windowed count that emitted a final result twice (a crash before the commit after
    /// the emission): the headline's record is the second emission, and its story names the
    /// first.
    #[test]
    fn a_final_result_emitted_twice_names_the_first_emission() {
        let cell = crate::headline::lesson_cells("08-real-time-analytics.md")
            .into_iter()
            .find(|c| c.contains("expect final_results_twice >= 1"))
            .expect("the crash cell");
        let sim = run_to_end(&cell);
        let view = sim.streams_view();
        let h = crate::headline::headline(
            &sim,
            &sim.snapshot(),
            sim.now(),
            view.as_ref(),
            &sim.groups(),
            crate::headline::Focus::Records,
        );
        assert!(h.text.contains("emitted the final result of"), "{}", h.text);
        let v = super::story_view(&sim, h.why.expect("a record")).unwrap();
        assert_eq!(v.verdict, "emitted twice", "{v:?}");
        let first = v
            .steps
            .iter()
            .find(|st| st.text.contains("had sent the final result for "))
            .expect("the first emission");
        let sent = v
            .steps
            .iter()
            .find(|st| st.text.starts_with("sent by dash"))
            .expect("its send");
        assert!(first.at < sent.at, "{v:?}");
        assert!(
            sent.text
                .contains(": Kafka Streams' final result for home@[0,60000), value "),
            "{v:?}"
        );
        // The crash between the two emissions is in the story.
        assert!(
            v.steps
                .iter()
                .any(|st| st.text.contains("crash streams dash1") && st.at > first.at),
            "{v:?}"
        );
    }

    /// Two groups each processing a record once is not "processed twice" (the count is per
    /// group).
    #[test]
    fn two_groups_reading_a_record_once_each_is_not_twice() {
        let cells = crate::headline::lesson_cells("04b-consumer-groups-and-offsets.md");
        let cell = cells
            .iter()
            .find(|c| c.contains("group.id=audit") && c.contains("group.id=billing"))
            .expect("the two-groups cell");
        let sim = run_to_end(cell);
        let id = (0..2_000)
            .find(|id| {
                sim.record_story(*id).is_some_and(|r| {
                    r.processed_by.len() == 2 && r.processed_by[0].group != r.processed_by[1].group
                })
            })
            .expect("a record both groups processed");
        let v = super::story_view(&sim, id).unwrap();
        assert_eq!(v.verdict, "committed", "{v:?}");
    }

    /// A consumer's crash is in the story of a record it processed, not in one only another
    /// member processed.
    #[test]
    fn a_story_leaves_out_the_faults_of_consumers_that_never_had_the_record() {
        let cell = &crate::headline::lesson_cells("04b-consumer-groups-and-offsets.md")[1];
        let sim = run_to_end(cell);
        let crash = |v: &super::StoryView| {
            v.steps
                .iter()
                .any(|st| st.text.contains("crash consumer c2"))
        };
        let view = sim.group_view("billing").unwrap();
        let twice = super::story_view(&sim, sim.group_example(&view).unwrap()).unwrap();
        assert!(crash(&twice), "{twice:?}");
        let by_c3 = (3_000..4_000)
            .find(|id| {
                sim.record_story(*id).is_some_and(|r| {
                    !r.processed_by.is_empty() && r.processed_by.iter().all(|p| p.consumer == "c3")
                })
            })
            .expect("a record c3 processed");
        let v = super::story_view(&sim, by_c3).unwrap();
        assert!(!crash(&v), "{v:?}");
    }

    /// Between a leader's crash and its successor's first fetches: every record the old
    /// leader's high watermark passed is committed in its story too, as in the count.
    #[test]
    fn a_record_an_earlier_leader_committed_is_committed_in_its_story() {
        let path = format!(
            "{}/../tests/scenarios/semantics/records-committed-before-a-failover-stay-committed.khafka",
            env!("CARGO_MANIFEST_DIR")
        );
        let sim = run_to_end(&std::fs::read_to_string(path).unwrap());
        let acked: Vec<u64> = (0..sim.records_sent())
            .filter(|id| sim.record(*id).is_some_and(|r| r.acked_us().is_some()))
            .collect();
        assert_eq!(acked.len(), 300);
        let uncommitted: Vec<u64> = acked
            .iter()
            .copied()
            .filter(|id| super::story_view(&sim, *id).unwrap().verdict != "committed")
            .collect();
        assert_eq!(uncommitted, Vec::<u64>::new());
    }
}
