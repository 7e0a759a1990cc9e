//! The application's poll loop (kafka-semantics.md §7): which buffered records a `poll()` hands
//! out.

use khafka_sim::trace::TraceKind;
use khafka_sim::SimOptions;
use khafka_tests::semantics_sim;

/// `semantics/kip848-reconciles-after-the-batch-with-auto-commit.khafka`: c3 takes over t-0 and
/// t-1 at 70 s with a backlog on both, and a fetch returns 2,000 records of a partition. A poll
/// goes on with the fetch the last one did not finish (`FetchCollector.collectFetch` →
/// `FetchBuffer.nextInLineFetch`) before it takes another partition's: four polls of 500 records
/// of t-0, then t-1. (The engine used to move to the next partition after every poll: t-0, t-1,
/// t-0, t-1.)
#[test]
fn a_poll_finishes_the_fetch_the_last_one_cut_before_the_next_partition() {
    let opts = SimOptions {
        keep_trace: true,
        ..SimOptions::default()
    };
    let mut sim = semantics_sim("kip848-reconciles-after-the-batch-with-auto-commit", opts);
    sim.run();
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
/// The answer waits for the poll at the batch's end, which only then fetches from broker 1: the
/// first records from broker 1 come more than 500 ms after the poll before. (Handled when it
/// came, the engine fetched from broker 1 during the batch and handed those records out exactly
/// 500 ms after the poll before.)
#[test]
fn a_fetch_error_during_a_batch_waits_for_the_poll() {
    let opts = SimOptions {
        keep_trace: true,
        ..SimOptions::default()
    };
    let mut sim = semantics_sim("fetch-error-waits-for-the-poll", opts);
    sim.run();
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
