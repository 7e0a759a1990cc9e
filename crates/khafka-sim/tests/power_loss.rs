//! A machine that loses power retransmits nothing: what it had not delivered is gone.

use khafka_sim::config::Acks;
use khafka_sim::spec::{
    BrokerRef, Fault, LinkOverride, LinkSpec, NodeRef, ProducerSpec, ScenarioSpec, Scheduled,
    TopicSpec,
};
use khafka_sim::trace::TraceKind;
use khafka_sim::{Sim, SimOptions, SimTime};

#[test]
fn a_powered_off_leader_delivers_nothing_after_its_last_transmission() {
    // Leader 1's link to follower 2 loses 30% of its packets, so its fetch responses often arrive
    // after retransmissions (200 ms, doubling). Broker 1 loses power at 5 s; until the controller
    // fences it (~14 s) no other leader exists, so broker 2 may replicate nothing after 5 s plus
    // the link's latency. The engine used to deliver retransmissions of the dead broker's
    // responses for seconds, recreating records that were gone from every disk.
    let mut spec = ScenarioSpec {
        seed: 9,
        run_for: SimTime::from_secs(13),
        ..ScenarioSpec::default()
    };
    spec.topics.push(TopicSpec::new("t", 1, 3));
    let mut p = ProducerSpec::new("p", "t");
    p.config.acks = Acks::One;
    p.rate_per_ks = 2_000_000;
    spec.producers.push(p);
    let latency_max_us = 1_000;
    spec.schedule = vec![
        Scheduled {
            at: SimTime::ZERO,
            fault: Fault::Link(LinkOverride {
                from: vec![NodeRef::Broker(1)],
                to: vec![NodeRef::Broker(2)],
                link: LinkSpec {
                    latency_us_min: 500,
                    latency_us_max: latency_max_us,
                    loss_ppm: 300_000,
                    bandwidth_bps: 0,
                },
            }),
        },
        Scheduled {
            at: SimTime::from_secs(5),
            fault: Fault::Crash {
                broker: BrokerRef::Id(1),
                lose_unflushed: true,
            },
        },
    ];
    let opts = SimOptions {
        keep_trace: true,
        ..SimOptions::default()
    };
    let mut sim = Sim::with_options(spec, opts);
    sim.run();
    let cutoff = SimTime::from_secs(5).as_us() + latency_max_us;
    let replicated: Vec<u64> = sim
        .trace_events()
        .iter()
        .filter(|e| matches!(e.kind, TraceKind::Replicated { broker: 2, .. }))
        .map(|e| e.time.as_us())
        .collect();
    let before = replicated.len();
    let late: Vec<&u64> = replicated.iter().filter(|t| **t > cutoff).collect();
    assert!(
        before > 10,
        "broker 2 replicated too little to test anything: {before}"
    );
    assert!(
        late.is_empty(),
        "broker 2 replicated from the powered-off leader at {late:?} µs"
    );
}

#[test]
fn a_power_loss_keeps_the_segments_a_roll_flushed() {
    // Broker 1 holds the only replica; its segments roll every second (`segment.ms=1000`) and
    // it loses power at 5 s with the default 30 s unflushed window. Kafka flushes every segment
    // below the new active one when it rolls (`UnifiedLog.roll` →
    // `flushUptoOffsetExclusive(newSegment.baseOffset)`), so only the active segment — at most
    // about a second of records here — can be lost. The engine used to drop everything appended
    // in the window, reaching into segments the cleaner had already rewritten, which left a
    // compacted leader with a log end offset and no records below it (sweep seed 11959).
    let mut spec = ScenarioSpec {
        seed: 3,
        run_for: SimTime::from_secs(6),
        ..ScenarioSpec::default()
    };
    let mut topic = TopicSpec::new("t", 1, 1);
    topic.config.log.set("segment.ms", "1000").expect("valid");
    spec.topics.push(topic);
    let mut p = ProducerSpec::new("p", "t");
    p.config.acks = Acks::One;
    p.rate_per_ks = 100_000; // 100 records a second
    spec.producers.push(p);
    spec.schedule = vec![Scheduled {
        at: SimTime::from_secs(5),
        fault: Fault::Crash {
            broker: BrokerRef::Id(1),
            lose_unflushed: true,
        },
    }];
    let opts = SimOptions {
        keep_trace: true,
        ..SimOptions::default()
    };
    let mut sim = Sim::with_options(spec, opts);
    sim.run();
    let truncations: Vec<(u64, u64)> = sim
        .trace_events()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Truncated {
                to_offset, removed, ..
            } => Some((*to_offset, *removed)),
            _ => None,
        })
        .collect();
    let [(to_offset, removed)] = truncations[..] else {
        panic!("expected one power-loss truncation, got {truncations:?}");
    };
    assert!(
        to_offset >= 350 && removed > 0 && removed <= 200,
        "the power loss kept {to_offset} records and removed {removed}: only the active segment \
         (at most about two seconds of 100 records a second) may go"
    );
}
