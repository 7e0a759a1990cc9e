//! The application's poll loop (kafka-semantics.md §7): which buffered records a `poll()` hands
//! out.

use khafka_sim::trace::TraceKind;
use khafka_tests::traced_semantics_run;

/// `semantics/kip848-reconciles-after-the-batch-with-auto-commit.khafka`: c3 takes over t-0 and
/// t-1 at 70 s with a backlog on both, and a fetch returns 2,000 records of a partition. A poll
/// goes on with the fetch the last one did not finish (`FetchCollector.collectFetch` →
/// `FetchBuffer.nextInLineFetch`) before it takes another partition's: four polls of 500 records
/// of t-0, then t-1. (The engine used to move to the next partition after every poll: t-0, t-1,
/// t-0, t-1.)
#[test]
fn a_poll_finishes_the_fetch_the_last_one_cut_before_the_next_partition() {
    let sim = traced_semantics_run("kip848-reconciles-after-the-batch-with-auto-commit");
    let polls: Vec<(String, u32)> = sim
        .trace_events()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Consumed {
                consumer,
                partition,
                records,
                ..
            } if &**consumer == "c3" => Some((partition.to_string(), *records)),
            _ => None,
        })
        .take(5)
        .collect();
    let t0 = ("t-0".to_string(), 500);
    assert_eq!(
        polls,
        vec![
            t0.clone(),
            t0.clone(),
            t0.clone(),
            t0,
            ("t-1".to_string(), 500)
        ],
        "c3's first polls"
    );
}

/// `semantics/fetch-error-waits-for-the-poll.khafka`: c1's fetch to broker 2 after the preferred
/// election is answered NOT_LEADER_OR_FOLLOWER while it processes a batch of 100 records (500 ms).
/// A classic consumer sends fetches only inside `poll()`, so nothing is fetched from broker 1
/// before the poll at the batch's end, and the first records from broker 1 come more than
/// 500 ms after the poll before. (The engine used to fetch from broker 1 during the batch and
/// hand those records out exactly 500 ms after the poll before.)
#[test]
fn a_fetch_error_during_a_batch_waits_for_the_poll() {
    let sim = traced_semantics_run("fetch-error-waits-for-the-poll");
    let polls: Vec<(u64, u32)> = sim
        .trace_events()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Consumed { broker, .. } => Some((e.time.as_us(), *broker)),
            _ => None,
        })
        .collect();
    let first = polls
        .iter()
        .position(|&(t, b)| b == 1 && t > 30_000_000)
        .expect("records from broker 1 after the preferred election");
    let (before, _) = polls[first - 1];
    let (at, _) = polls[first];
    assert!(
        at - before > 500_000,
        "records from broker 1 at {at} µs, {} µs after the poll before",
        at - before
    );
}

/// `semantics/classic-consumer-fetches-only-in-poll.khafka`: a record appended while c1 processes
/// (after the fetch its last poll pipelined came back empty, 500 ms into the 650 ms batch) is
/// fetched by the next poll, so it is handed out one round trip after the batch ends, not at its
/// end. (The engine used to fetch again during the batch and hand it out exactly 650 ms after
/// the poll before.)
#[test]
fn a_classic_consumer_fetches_nothing_while_it_processes() {
    fetches_nothing_while_it_processes("classic-consumer-fetches-only-in-poll");
}

/// `semantics/kip848-consumer-fetches-only-in-poll.khafka`: the same for a KIP-848 consumer, whose
/// background thread fetches only when `poll()` asks (KAFKA-17439). (The engine's fetched
/// whenever a partition was fetchable.)
#[test]
fn a_kip848_consumer_fetches_nothing_while_it_processes() {
    fetches_nothing_while_it_processes("kip848-consumer-fetches-only-in-poll");
}

fn fetches_nothing_while_it_processes(scenario: &str) {
    let sim = traced_semantics_run(scenario);
    let mut appended = std::collections::BTreeMap::new();
    let mut polls = Vec::new();
    for e in sim.trace_events() {
        match &e.kind {
            TraceKind::Appended {
                partition,
                base_offset,
                ..
            } if &**partition == "t-0" => {
                appended.insert(*base_offset, e.time.as_us());
            }
            TraceKind::Consumed { base_offset, .. } => polls.push((e.time.as_us(), *base_offset)),
            _ => {}
        }
    }
    let mut checked = 0;
    for w in polls.windows(2) {
        let ((before, _), (at, offset)) = (w[0], w[1]);
        let appended_at = appended[&offset];
        if appended_at > before + 500_000 && appended_at < before + 650_000 {
            checked += 1;
            assert!(
                at > before + 650_000,
                "offset {offset}, appended at {appended_at} µs during the batch polled at \
                 {before} µs, handed out at {at} µs"
            );
        }
    }
    assert!(
        checked >= 3,
        "{checked} records appended late in a batch: {polls:?}"
    );
}

/// `semantics/kip848-consumer-validates-positions-only-in-poll.khafka`: a KIP-848 consumer learns
/// of the unclean election's epoch while it processes a batch, and validates its position at the
/// poll that ends it (`CheckAndUpdatePositionsEvent`), not from its background thread: the
/// truncation is detected outside every batch (10 ms per record). (The engine used to validate
/// at once and detected it 695 ms before the batch ended.)
#[test]
fn a_kip848_consumer_validates_its_position_only_in_poll() {
    let sim = traced_semantics_run("kip848-consumer-validates-positions-only-in-poll");
    let mut batches = Vec::new();
    let mut detected = Vec::new();
    for e in sim.trace_events() {
        match &e.kind {
            TraceKind::Consumed { records, .. } => {
                let start = e.time.as_us();
                batches.push((start, start + u64::from(*records) * 10_000));
            }
            TraceKind::Group { text, .. } if text.contains("truncation detected") => {
                detected.push(e.time.as_us());
            }
            _ => {}
        }
    }
    assert_eq!(detected.len(), 1, "one truncation: {detected:?}");
    let at = detected[0];
    let during = batches.iter().find(|(s, e)| *s < at && at < *e);
    assert!(
        during.is_none(),
        "truncation detected at {at} µs, during the batch {during:?}"
    );
}

/// `semantics/busy-member-removed-while-cut-off-fails-its-commit.khafka`: c2's generation is
/// reset while it processes a batch; its member story says, at the poll after the batch, that
/// the batch was processed, its commit failed, and only then that t-1 was lost
/// (`onPartitionsLost`, nothing committed), not revoked. (The story used to say nothing of the
/// loss.)
#[test]
fn a_member_story_says_when_its_partitions_were_lost() {
    let sim = traced_semantics_run("busy-member-removed-while-cut-off-fails-its-commit");
    let story = sim.member_story("c2").expect("c2 is a member");
    let at_76: Vec<&str> = story
        .lines
        .iter()
        .filter(|(at, _)| (76_000_000..77_000_000).contains(at))
        .map(|(_, text)| text.as_str())
        .collect();
    assert_eq!(
        at_76,
        [
            "processed t-1 offsets 0..499 (leader epoch 0, generation 1)",
            "commitSync(): CommitFailedException",
            "lost [t-1] (its generation or member epoch was gone: nothing committed for them)",
        ]
    );
    assert!(
        !story.lines.iter().any(|(_, t)| t.starts_with("revoked")),
        "{:?}",
        story.lines
    );
}
