//! The seed sweep: random configurations under random fault schedules (crashes, restarts, network
//! partitions, isolation, slow brokers, lossy links). For every seed, every invariant holds, and with
//! `acks=all`, `min.insync.replicas` ≥ 2, replication factor ≥ 3 and unclean election off, no
//! acknowledged record is lost; and when every producer is idempotent or has one request in flight per
//! connection (and no unclean election or power loss, and no leader took a sequence from an
//! idempotent producer it knew nothing of — Kafka's `checkSequence` accepts any then), no record is
//! reordered. A failure prints the
//! seed and the generated scenario. Half the seeds also make the consumer one of two members of a
//! consumer group, with consumer crashes, closes and restarts and crashes of the group's coordinator
//! among the faults (half of those give the members an application poll loop — processing time,
//! commitSync or commitAsync before or after processing — and add seeks and reset-offsets; a third
//! use the KIP-848 consumer protocol); the group
//! invariant (no partition fetched by two members of one generation, or member epoch)
//! holds throughout, and after recovery (every consumer restarted, 400 s for groups: a lost
//! JoinGroup answer is given up after 305 s) the group is Stable, its members own every partition
//! once and have committed up to the high watermark (lag 0). A quarter of the seeds give every link
//! a bandwidth (1 or 10 MB/s, one link sometimes cut to 100 KB/s) and each producer a
//! `compression.type` and sometimes 1,000-byte records. A quarter of the seeds whose producers
//! share a key set run a Kafka Streams application (two instances counting `t` per key, with
//! instance crashes, closes and restarts; half of them count in tumbling or hopping windows over
//! input stamped partly late, a quarter join `t` with a table topic `tbl`, inner or left, with
//! tombstones and `max.task.idle.ms` 0, -1 or 100, a third of those with `tbl` as a stream
//! within a join window); after recovery its group is settled like `g`,
//! and once closed every record below its committed offsets was processed (at least once;
//! outside the no-loss promise, but for records at an offset it processed in another leader
//! epoch, whose first record a replica lost), its sums and counts cover the input (but for keys
//! a zombie instance's late changelog write set back, `zombie_writes`; a windowed run with one
//! is not judged), and,
//! under the no-loss promise, every stream record the join's reference joins has a result or was
//! dropped by an inner join that found no table value (a stream–stream join: every pair within
//! the window but those of records processed more than grace late, and no pair outside it). How many records it counted
//! twice (what `exactly_once_v2` would prevent; for windows, counts beyond one uninterrupted run's)
//! is measured and printed, not bounded.
//!
//!
//! After its faults every seed enters a recovery phase: every link healed (and back to the scenario's
//! latency and loss), no broker slow, every broker restarted (again once a controlled shutdown in
//! progress has ended), producers paused; then the cluster must converge: every partition has a
//! leader, its whole replica set in the ISR, and every replica the leader's log end offset and high
//! watermark; with consumer groups, every group settled (each partition fetched by one live
//! member, lag 0), given more time in steps when a backlog is still draining. The sweep also
//! counts how often the interesting states are reached (unclean and ELR
//! elections, truncations, duplicates, `NOT_ENOUGH_REPLICAS_AFTER_APPEND`, …) and fails if one never
//! is: a generator that stopped reaching them would make the sweep prove nothing.
//!
//! A failing or panicking seed prints its seed, what failed and the scenario as a `.khafka` file
//! (`khafka_scenario::print`; each seed checks that it parses back to the same spec), so `khafka run`
//! reproduces the main run.
//!
//! `KHAFKA_SWEEP_SEEDS` sets the number of seeds (default 2,000); `KHAFKA_SWEEP_START` the first;
//! `KHAFKA_SWEEP_TRACE=1` prints a failing seed's notable events (`=all`: every event).

use khafka_sim::config::Acks;
use khafka_sim::rng::SimRng;
use khafka_sim::spec::{
    BrokerRef, ConsumerSpec, Fault, KeySpec, LinkOverride, LinkSpec, NodeRef, ProducerSpec,
    ScenarioSpec, Scheduled, TopicPartition, TopicSpec,
};
use khafka_sim::trace::TraceKind;
use khafka_sim::{Sim, SimOptions, SimTime};
use std::collections::BTreeMap;

/// How long the recovery phase runs: longer than the largest `delivery.timeout.ms` the generator
/// picks (120 s), so every retry has ended, plus time to replicate and expand the ISR.
const RECOVERY: SimTime = SimTime::from_secs(180);
/// With a consumer group: a lost JoinGroup answer is given up after 305 s (see `recover`).
const GROUP_RECOVERY: SimTime = SimTime::from_secs(400);
/// A group that has not settled by then gets more time, in steps, up to this: a Kafka Streams
/// backlog written through 1 MB/s links as 20 KB join results (seed 29600: 4,235 one-record batches
/// queued in the instances' producers, which flush before each commit) takes minutes to drain, and
/// is slow, not stuck. A group still unsettled at the bound fails.
const GROUP_RECOVERY_MAX: SimTime = SimTime::from_secs(1_200);
const GROUP_RECOVERY_STEP: SimTime = SimTime::from_secs(100);
/// A controlled shutdown gives up after 30 s (`SHUTDOWN_TIMEOUT_MS`): restart again after that.
const SHUTDOWN_WAIT: SimTime = SimTime::from_secs(31);
/// How often, and how many times, the recovery phase restarts consumers that stopped (see `recover`).
const SUPERVISOR_EVERY: SimTime = SimTime::from_secs(60);
const SUPERVISOR_ROUNDS: u64 = 4;

fn pick<T: Clone>(rng: &mut SimRng, items: &[T]) -> T {
    items[rng.below(items.len() as u64) as usize].clone()
}

/// A random scenario for `seed`, and whether Kafka promises no acknowledged loss for it.
fn random_scenario(seed: u64) -> (ScenarioSpec, bool, bool) {
    let mut rng = SimRng::derive(seed, "sweep");
    // Half the seeds use a configuration under Kafka's no-loss promise; the rest anything.
    let strict = rng.below(2) == 0;
    let brokers = 3 + rng.below(3) as u32; // 3..=5
    let (rf, min_isr, unclean) = if strict {
        let rf = 3 + rng.below(brokers as u64 - 2) as u32; // 3..=brokers
        (rf, 2 + rng.below(rf as u64 - 1) as u32, false) // min.isr 2..=rf
    } else {
        let rf = 2 + rng.below(brokers as u64 - 1) as u32; // 2..=brokers
        (rf, 1 + rng.below(rf as u64) as u32, rng.below(3) == 0)
    };
    let mut spec = ScenarioSpec {
        seed,
        run_for: SimTime::from_secs(40 + rng.below(41)),
        ..ScenarioSpec::default()
    };
    spec.cluster.brokers = brokers;
    let pre37 = rng.below(4) == 0;
    if pre37 {
        spec.cluster.config.hw_rule = khafka_sim::config::HwRule::Pre37;
    }
    // Kafka 4.1's default is ELR on; no release has ELR with the pre-3.7 HW rule.
    spec.cluster.config.eligible_leader_replicas_enable = !pre37 && rng.below(2) == 0;
    spec.cluster
        .config
        .check_combination()
        .expect("the sweep generates only settings some Kafka release has");
    spec.cluster.config.replica_lag_time_max_ms = pick(&mut rng, &[10_000, 30_000]);
    spec.cluster.config.leader_imbalance_check_interval_seconds = pick(&mut rng, &[15, 300]);
    let tc = khafka_sim::TopicConfig {
        min_insync_replicas: Some(min_isr),
        unclean_leader_election_enable: Some(unclean),
        ..Default::default()
    };
    spec.topics.push(TopicSpec {
        name: "t".into(),
        partitions: 1 + rng.below(3) as u32,
        replication_factor: rf,
        assignment: None,
        config: tc,
    });
    let acks = if strict {
        Acks::All
    } else {
        pick(&mut rng, &[Acks::All, Acks::One, Acks::Zero])
    };
    let nprod = 1 + rng.below(2);
    for i in 0..nprod {
        let mut p = ProducerSpec::new(format!("p{i}"), "t");
        p.config.acks = acks;
        p.config.enable_idempotence = Some(acks == Acks::All && rng.below(2) == 0);
        p.config.linger_ms = pick(&mut rng, &[0, 5, 20]);
        p.config.max_in_flight_requests_per_connection = pick(&mut rng, &[1, 5]);
        p.config.request_timeout_ms = pick(&mut rng, &[5_000, 30_000]);
        // Kafka refuses delivery.timeout.ms below linger.ms + request.timeout.ms (ConfigException).
        p.config.delivery_timeout_ms = pick(&mut rng, &[20_000, 120_000])
            .max(p.config.linger_ms + p.config.request_timeout_ms);
        p.rate_per_ks = (20 + rng.below(180)) * 1_000;
        p.keys = if rng.below(2) == 0 {
            KeySpec::None
        } else {
            KeySpec::Range {
                prefix: "k".into(),
                lo: 0,
                hi: 49,
            }
        };
        spec.producers.push(p);
    }
    spec.consumers.push(ConsumerSpec::new("c", "t"));
    spec.network = LinkSpec {
        latency_us_min: 200,
        latency_us_max: 200 + rng.below(3_000),
        loss_ppm: pick(&mut rng, &[0, 0, 1_000, 20_000]) as u32,
        bandwidth_bps: 0,
    };
    let end = spec.run_for.as_us();
    let nfaults = rng.below(8);
    let broker_ref = |rng: &mut SimRng| {
        if rng.below(2) == 0 {
            BrokerRef::LeaderOf(TopicPartition::new("t", 0))
        } else {
            BrokerRef::Id(1 + rng.below(brokers as u64) as u32)
        }
    };
    let mut lossy_crash = false;
    for _ in 0..nfaults {
        let at = SimTime(rng.below(end));
        let fault = match rng.below(9) {
            0 | 1 => {
                let lose = !strict && rng.below(4) == 0;
                lossy_crash |= lose;
                Fault::Crash {
                    broker: broker_ref(&mut rng),
                    lose_unflushed: lose,
                }
            }
            2 => Fault::Restart {
                broker: BrokerRef::Id(1 + rng.below(brokers as u64) as u32),
            },
            3 => Fault::Shutdown {
                broker: broker_ref(&mut rng),
            },
            4 => {
                let mut a = Vec::new();
                let mut b = Vec::new();
                for id in 1..=brokers {
                    if rng.below(2) == 0 {
                        a.push(NodeRef::Broker(id));
                    } else {
                        b.push(NodeRef::Broker(id));
                    }
                }
                if rng.below(2) == 0 {
                    a.push(NodeRef::Controller);
                } else {
                    b.push(NodeRef::Controller);
                }
                let one_way = rng.below(3) == 0;
                if a.is_empty() || b.is_empty() {
                    // A side with nobody cuts nothing (and the language cannot write `{}`).
                    Fault::Heal
                } else {
                    Fault::Partition {
                        groups: vec![a, b],
                        one_way,
                    }
                }
            }
            5 => Fault::Isolate {
                node: NodeRef::Broker(1 + rng.below(brokers as u64) as u32),
            },
            6 => Fault::Heal,
            7 => Fault::Slow {
                broker: broker_ref(&mut rng),
                extra_us: pick(&mut rng, &[0, 20_000, 400_000]),
            },
            _ => Fault::Link(LinkOverride {
                from: vec![NodeRef::Broker(1 + rng.below(brokers as u64) as u32)],
                to: (1..=brokers).map(NodeRef::Broker).collect(),
                link: LinkSpec {
                    latency_us_min: 500,
                    latency_us_max: 5_000,
                    loss_ppm: 100_000,
                    bandwidth_bps: 0,
                },
            }),
        };
        spec.schedule.push(Scheduled { at, fault });
    }
    add_quorum(&mut spec, seed);
    add_throughput(&mut spec, seed);
    add_log_settings(&mut spec, seed);
    add_reassignment(&mut spec, seed);
    spec.schedule.sort_by_key(|s| s.at);
    add_group(&mut spec, seed);
    add_streams_app(&mut spec, seed);
    let promised = acks == Acks::All && min_isr >= 2 && rf >= 3 && !unclean && !lossy_crash;
    // Kafka keeps a producer's records in order with one request in flight per connection, or with
    // idempotence, as long as no replica loses records it had written.
    let ordered = !unclean
        && !lossy_crash
        && spec.producers.iter().all(|p| {
            p.config.max_in_flight_requests_per_connection == 1
                || p.config.idempotence() == Ok(true)
        });
    (spec, promised, ordered)
}

/// A quarter of the seeds give topic `t` short segments and retention (by time or by size) or
/// compaction (with keys on every producer and a producer of tombstones), with the retention check
/// and the cleaner running every second or two. Drawn from their own stream, so the rest of a
/// seed's scenario is what it was without them.
fn add_log_settings(spec: &mut ScenarioSpec, seed: u64) {
    let mut rng = SimRng::derive(seed, "sweep-log");
    if rng.below(4) != 0 {
        return;
    }
    let cluster = &mut spec.cluster.config;
    cluster
        .set(
            "log.retention.check.interval.ms",
            pick(&mut rng, &["500", "1000", "3000"]),
        )
        .unwrap();
    cluster
        .set(
            "log.cleaner.backoff.ms",
            pick(&mut rng, &["0", "500", "2000"]),
        )
        .unwrap();
    let topic = &mut spec.topics[0].config;
    let mut set = |k: &str, v: &str| topic.set(k, v).unwrap();
    match rng.below(3) {
        0 => {
            set("segment.ms", pick(&mut rng, &["1000", "3000"]));
            set("retention.ms", pick(&mut rng, &["2000", "4000", "15000"]));
        }
        1 => {
            set("segment.bytes", "1048576");
            set(
                "retention.bytes",
                pick(&mut rng, &["0", "2097152", "4194304"]),
            );
            for p in &mut spec.producers {
                p.record_size = 20_000;
            }
        }
        _ => {
            set(
                "cleanup.policy",
                pick(&mut rng, &["compact", "compact,delete"]),
            );
            set("segment.ms", pick(&mut rng, &["1000", "2000"]));
            set("retention.ms", "20000");
            set(
                "min.cleanable.dirty.ratio",
                pick(&mut rng, &["0.01", "0.5"]),
            );
            set("delete.retention.ms", pick(&mut rng, &["0", "5000"]));
            set("min.compaction.lag.ms", pick(&mut rng, &["0", "3000"]));
            let keys = KeySpec::Range {
                prefix: "k".into(),
                lo: 0,
                hi: 49,
            };
            for p in &mut spec.producers {
                p.keys = keys.clone();
            }
            let mut tomb = spec.producers[0].clone();
            tomb.name = "tomb".into();
            tomb.null_value = true;
            tomb.rate_per_ks = 5_000;
            spec.producers.push(tomb);
        }
    }
}

/// A quarter of the seeds give every link a bandwidth (1 or 10 MB/s, sometimes one link fault at
/// 100 KB/s), larger records on some, and a `compression.type` to each producer. Drawn from their
/// own stream, so the rest of a seed's scenario is what it was without them.
fn add_throughput(spec: &mut ScenarioSpec, seed: u64) {
    let mut rng = SimRng::derive(seed, "sweep-throughput");
    if rng.below(4) != 0 {
        return;
    }
    spec.network.bandwidth_bps = pick(&mut rng, &[1_000_000, 10_000_000]);
    for p in &mut spec.producers {
        p.record_size = pick(&mut rng, &[100, 100, 1_000]);
        let codec = pick(&mut rng, &["none", "gzip", "snappy", "lz4", "zstd"]);
        p.config.set("compression.type", codec).unwrap();
    }
    if rng.below(2) == 0 {
        let brokers = spec.cluster.brokers;
        spec.schedule.push(Scheduled {
            at: SimTime(rng.below(spec.run_for.as_us())),
            fault: Fault::Link(LinkOverride {
                from: vec![NodeRef::Broker(1 + rng.below(brokers as u64) as u32)],
                to: (1..=brokers).map(NodeRef::Broker).collect(),
                link: LinkSpec {
                    bandwidth_bps: 100_000,
                    ..spec.network.clone()
                },
            }),
        });
    }
}

/// A quarter of the seeds add a broker to the running cluster (half of those) and reassign one or
/// two partitions of the topic to random replica sets of the same size (KIP-455), at random times:
/// before the added broker registered, a target naming it is refused. Drawn from their own stream,
/// so the rest of a seed's scenario is what it was without them.
fn add_reassignment(spec: &mut ScenarioSpec, seed: u64) {
    let mut rng = SimRng::derive(seed, "sweep-reassign");
    if rng.below(4) != 0 {
        return;
    }
    let run = spec.run_for.as_us();
    let mut brokers = spec.cluster.brokers;
    if rng.below(2) == 0 {
        brokers += 1;
        spec.schedule.push(Scheduled {
            at: SimTime(rng.below(run / 2)),
            fault: Fault::AddBroker { broker: brokers },
        });
    }
    let topic = spec.topics[0].clone();
    for _ in 0..1 + rng.below(2) {
        let mut pool: Vec<u32> = (1..=brokers).collect();
        let mut target = Vec::new();
        for _ in 0..topic.replication_factor.min(brokers) {
            let i = rng.below(pool.len() as u64) as usize;
            target.push(pool.remove(i));
        }
        spec.schedule.push(Scheduled {
            at: SimTime(rng.below(run)),
            fault: Fault::Reassign {
                partition: TopicPartition::new(
                    topic.name.clone(),
                    rng.below(u64::from(topic.partitions)) as u32,
                ),
                replicas: target,
            },
        });
    }
}

/// Half the seeds make the consumer a member of group `g` with a second member, and schedule
/// consumer crashes, closes and restarts and crashes of the group's coordinator (the leader of
/// `__consumer_offsets-3`). Drawn from their own stream, so the rest of a seed's scenario is what it
/// was without groups.
fn add_group(spec: &mut ScenarioSpec, seed: u64) {
    let mut rng = SimRng::derive(seed, "sweep-groups");
    if rng.below(2) == 0 {
        return;
    }
    // Five partitions keep the checks cheap; g still lives in partition 103 % 5 = 3.
    spec.cluster
        .config
        .set("offsets.topic.num.partitions", "5")
        .unwrap();
    let mut second = spec.consumers[0].clone();
    second.name = "c2".into();
    spec.consumers.push(second);
    // The KIP-848 consumer protocol for a third of the group seeds, drawn from its own stream so
    // the other seeds keep their scenarios (the classic-only strategy key is then left unset).
    // KHAFKA_SWEEP_KIP848=0 turns it off (to tell a classic regression from a KIP-848 one).
    let kip848 = std::env::var("KHAFKA_SWEEP_KIP848").map_or(true, |v| v != "0")
        && SimRng::derive(seed, "sweep-kip848").below(3) == 0;
    for c in &mut spec.consumers {
        c.config.set("group.id", "g").unwrap();
        if kip848 {
            c.config.set("group.protocol", "consumer").unwrap();
        }
        if rng.below(2) == 0 {
            c.config.set("auto.offset.reset", "earliest").unwrap();
        }
        if rng.below(3) == 0 && !kip848 {
            c.config
                .set("partition.assignment.strategy", "CooperativeStickyAssignor")
                .unwrap();
        }
    }
    let end = spec.run_for.as_us();
    for _ in 0..rng.below(5) {
        let at = SimTime(rng.below(end));
        let consumer = pick(&mut rng, &["c", "c2"]).to_string();
        let fault = match rng.below(4) {
            0 => Fault::CrashConsumer { consumer },
            1 => Fault::StopConsumer { consumer },
            2 => Fault::RestartConsumer { consumer },
            _ => Fault::Crash {
                broker: BrokerRef::LeaderOf(TopicPartition::new("__consumer_offsets", 3)),
                lose_unflushed: false,
            },
        };
        spec.schedule.push(Scheduled { at, fault });
    }
    add_second_topic(spec, seed);
    add_application(spec, seed);
    spec.schedule.sort_by_key(|s| s.at);
}

/// A third of the group seeds add a topic `u` (1 to 4 partitions) with a producer of its own, and
/// both members subscribe to `t` and `u` (`topic=t,u`): the assignors share both topics' partitions
/// and every group check covers them. Its own stream, so the other group seeds keep their
/// scenarios.
fn add_second_topic(spec: &mut ScenarioSpec, seed: u64) {
    let mut rng = SimRng::derive(seed, "sweep-two-topics");
    if rng.below(3) != 0 {
        return;
    }
    let t = spec.topics[0].clone();
    let compacted = t
        .config
        .log
        .cleanup_policy
        .as_ref()
        .is_some_and(|c| c.compact);
    spec.topics.push(TopicSpec {
        name: "u".into(),
        partitions: 1 + rng.below(4) as u32,
        ..t
    });
    let mut p = ProducerSpec::new("pu", "u");
    p.rate_per_ks = (50 + rng.below(450)) * 1_000;
    // A compacted topic's producers need keys, as the scenario language says.
    if rng.below(2) == 0 || compacted {
        p.keys = KeySpec::Range {
            prefix: "u".into(),
            lo: 0,
            hi: 49,
        };
    }
    spec.producers.push(p);
    for c in &mut spec.consumers {
        c.more_topics.push("u".into());
    }
}

/// Half the group seeds give the members an application poll loop (processing time per record,
/// commitSync or commitAsync before or after processing) and add seeks and reset-offsets to the
/// faults. Their own stream, so the other group seeds keep their scenarios.
fn add_application(spec: &mut ScenarioSpec, seed: u64) {
    use khafka_sim::spec::{ResetOffsets, ResetTo, SeekTo};
    let mut rng = SimRng::derive(seed, "sweep-consumer-app");
    if rng.below(2) == 0 {
        return;
    }
    for c in &mut spec.consumers {
        let ms = pick(&mut rng, &["0", "1", "2"]);
        c.config.set("sim.processing.time.ms", ms).unwrap();
        let commit = pick(&mut rng, &["none", "sync", "async"]);
        c.config.set("sim.commit", commit).unwrap();
        let when = pick(&mut rng, &["after-processing", "before-processing"]);
        c.config.set("sim.commit.when", when).unwrap();
        if commit != "none" && rng.below(2) == 0 {
            c.config.set("enable.auto.commit", "false").unwrap();
        }
        if rng.below(2) == 0 {
            c.config.set("max.poll.records", "50").unwrap();
        }
    }
    let partitions = spec.topics[0].partitions as u64;
    let end = spec.run_for.as_us();
    for _ in 0..rng.below(4) {
        let at = SimTime(rng.below(end));
        let partition = TopicPartition::new("t", rng.below(partitions) as u32);
        let fault = match rng.below(3) {
            0 => Fault::Seek {
                consumer: pick(&mut rng, &["c", "c2"]).to_string(),
                partition,
                to: match rng.below(3) {
                    0 => SeekTo::Beginning,
                    1 => SeekTo::End,
                    _ => SeekTo::Offset(rng.below(2_000)),
                },
            },
            _ => Fault::ResetOffsets(ResetOffsets {
                group: "g".into(),
                topic: "t".into(),
                partition: (rng.below(2) == 0).then_some(partition.partition),
                to: match rng.below(4) {
                    0 => ResetTo::Earliest,
                    1 => ResetTo::Latest,
                    2 => ResetTo::ShiftBy(rng.below(200) as i64 - 100),
                    _ => ResetTo::Datetime(rng.below(end)),
                },
                dry_run: rng.below(4) == 0,
            }),
        };
        spec.schedule.push(Scheduled { at, fault });
    }
}

/// A quarter of the seeds whose producers of `t` share a key set run a Kafka Streams application,
/// `app`: two instances counting `t`'s records per key into topic `counts` (the second starting
/// later), with random `commit.interval.ms`, record cache on or off and processing time, and
/// instance crashes, closes and restarts among the faults. Drawn from their own stream, so the
/// other seeds keep their scenarios.
fn add_streams_app(spec: &mut ScenarioSpec, seed: u64) {
    use khafka_sim::config::streams::{StreamsConfig, StreamsSpec, DEFAULT_CACHE_MAX_BYTES};
    let mut rng = SimRng::derive(seed, "sweep-streams");
    if rng.below(4) != 0 {
        return;
    }
    let inputs = inputs_keys(spec);
    if inputs.windows(2).any(|w| w[0] != w[1]) {
        return;
    }
    let t = spec.topics[0].clone();
    spec.topics.push(TopicSpec {
        name: "counts".into(),
        partitions: t.partitions,
        replication_factor: t.replication_factor,
        assignment: None,
        config: khafka_sim::TopicConfig {
            min_insync_replicas: t.config.min_insync_replicas,
            unclean_leader_election_enable: t.config.unclean_leader_election_enable,
            ..Default::default()
        },
    });
    spec.cluster
        .config
        .set("offsets.topic.num.partitions", "5")
        .unwrap();
    // Half of the applications count in windows (tumbling or hopping, emitted on update or on
    // close), their input stamped partly late: drawn from their own stream.
    let mut wrng = SimRng::derive(seed, "sweep-windows");
    let windowing = (wrng.below(2) == 0).then(|| {
        use khafka_sim::config::streams::{Windowing, Windows};
        let size = pick(&mut wrng, &[1_000, 5_000, 30_000]);
        let advance = if wrng.below(2) == 0 { size } else { size / 5 };
        for p in spec.producers.iter_mut().filter(|p| p.topic == "t") {
            p.lateness = Some(khafka_sim::spec::Lateness {
                min_ms: 0,
                max_ms: pick(&mut wrng, &[500, 5_000, 40_000]),
                late_ppm: pick(&mut wrng, &[100_000, 500_000]) as u32,
            });
        }
        Windowing {
            windows: Windows::Time { size, advance },
            grace_ms: pick(&mut wrng, &[0, 1_000, 10_000]),
            on_window_close: wrng.below(2) == 0,
        }
    });
    // Half of the others join `t` with a table, topic `tbl` (co-partitioned, written by `ptbl`
    // under `t`'s keys, some of its records tombstones), inner or left, waiting for an empty
    // partition or not: drawn from their own stream.
    let mut jrng = SimRng::derive(seed, "sweep-join");
    let join = (windowing.is_none() && !inputs.is_empty() && jrng.below(2) == 0).then(|| {
        let keys = inputs[0].clone();
        spec.topics.push(TopicSpec {
            name: "tbl".into(),
            ..spec.topics[0].clone()
        });
        let mut p = ProducerSpec::new("ptbl", "tbl");
        p.rate_per_ks = pick(&mut jrng, &[5, 50, 200]) * 1_000;
        p.keys = keys.clone();
        spec.producers.push(p);
        if jrng.below(2) == 0 {
            let mut d = ProducerSpec::new("ptbl-deletes", "tbl");
            d.rate_per_ks = 2_000;
            d.keys = keys;
            d.null_value = true;
            spec.producers.push(d);
        }
        // A third of them join `tbl` as a stream within a window (inner only).
        let window = (jrng.below(3) == 0).then(|| {
            let d = pick(&mut jrng, &[100, 1_000, 10_000]);
            khafka_sim::config::streams::JoinWindow {
                before_ms: d,
                after_ms: d,
                grace_ms: pick(&mut jrng, &[0, 1_000]),
            }
        });
        khafka_sim::config::streams::TableJoin {
            table: "tbl".into(),
            left: window.is_none() && jrng.below(2) == 0,
            window,
            outer: false,
        }
    });
    // A third of the counts (plain or windowed) group by value (`groupBy((k, v) -> v)`, or a
    // `map`): `t`'s producers then carry values from a set, and the count runs after a
    // repartition topic, purged every few seconds. Drawn from their own stream.
    let mut grng = SimRng::derive(seed, "sweep-group-by");
    let group_by_value = join.is_none() && grng.below(3) == 0;
    if group_by_value {
        let hi = pick(&mut grng, &[4, 49]);
        for p in spec
            .producers
            .iter_mut()
            .filter(|p| p.topic == "t" && !p.null_value)
        {
            p.values = KeySpec::Range {
                prefix: "v-".into(),
                lo: 0,
                hi,
            };
            // A value's size is its string's.
            p.record_size = ProducerSpec::new("", "").record_size;
        }
    }
    // Tombstones on `t` (a compacted run's): `Long.parseLong(null)` would stop a sum's or a
    // maximum's thread, and a map's null value is not carried through the repartition topic, so
    // those are refused with them (`add_streams`) and not drawn here.
    let tombstones = spec
        .producers
        .iter()
        .any(|p| p.topic == "t" && p.null_value);
    let keyless = spec
        .producers
        .iter()
        .any(|p| p.topic == "t" && p.keys == KeySpec::None);
    let purge_ms = pick(&mut grng, &[1_000, 30_000]);
    // Half of those re-key with a `map` before `groupByKey()` instead (value,key: per value;
    // key,value: per key, through a repartition topic all the same), from their own stream.
    let mut mrng = SimRng::derive(seed, "sweep-map");
    let map = (group_by_value && mrng.below(2) == 0 && !tombstones).then(|| {
        use khafka_sim::config::streams::KeyValueMap;
        match pick(&mut mrng, &[KeyValueMap::ValueKey, KeyValueMap::KeyValue]) {
            // Records without a key would get a null value.
            KeyValueMap::ValueKey if keyless => KeyValueMap::KeyValue,
            m => m,
        }
    });
    // A third of the other plain counts sum integer values instead (`reduce(Long::sum)`).
    let reduce_sum = windowing.is_none()
        && join.is_none()
        && !group_by_value
        && grng.below(3) == 0
        && !tombstones;
    // `t`'s producers draw integer values 1..100 (a value's size is its string's).
    let integer_values = |spec: &mut ScenarioSpec| {
        for p in spec
            .producers
            .iter_mut()
            .filter(|p| p.topic == "t" && !p.null_value)
        {
            p.values = KeySpec::Range {
                prefix: String::new(),
                lo: 1,
                hi: 100,
            };
            p.record_size = ProducerSpec::new("", "").record_size;
        }
    };
    // A third of the windowed counts sum integer values instead (`windowedBy(…).reduce(Long::sum)`),
    // drawn from their own stream.
    let windowed_sum = windowing.is_some()
        && !group_by_value
        && SimRng::derive(seed, "sweep-windowed-sum").below(3) == 0
        && !tombstones;
    let reduce_sum = reduce_sum || windowed_sum;
    // A quarter of the other counts per key or per window keep each key's largest value instead
    // (`aggregate(() -> 0L, (k, v, max) -> Math.max(max, v))`), drawn from their own stream.
    let aggregate_max = !reduce_sum
        && join.is_none()
        && !group_by_value
        && SimRng::derive(seed, "sweep-max").below(4) == 0
        && !tombstones;
    if reduce_sum || aggregate_max {
        integer_values(spec);
    }
    // A third of the applications (counts per key, per value or windowed, sums, joins) filter
    // their input first
    // (`filter((k, v) -> …)`), on integer values or on the values a `groupBy` groups by; drawn
    // from their own stream.
    let mut frng = SimRng::derive(seed, "sweep-filter");
    let filter = (frng.below(3) == 0).then(|| {
        use khafka_sim::config::streams::ValueFilter;
        // Before a `groupBy`, on the values it groups by (strings `v-N`).
        if group_by_value {
            return match frng.below(2) {
                0 => ValueFilter::Ne("v-1".into()),
                _ => ValueFilter::Eq("v-2".into()),
            };
        }
        // Half of the others read the key (`!"KEY".equals(k)`, `"KEY".equals(k)`): no
        // values needed; drawn from their own stream.
        let mut krng = SimRng::derive(seed, "sweep-key-filter");
        if let Some(keys) = inputs.first().filter(|_| krng.below(2) == 0) {
            let mut key = String::new();
            keys.write(krng.below(2) as u32, &mut key);
            return match krng.below(2) {
                0 => ValueFilter::KeyNe(key),
                _ => ValueFilter::KeyEq(key),
            };
        }
        integer_values(spec);
        match frng.below(3) {
            0 => ValueFilter::Ge(pick(&mut frng, &[30, 90])),
            1 => ValueFilter::Lt(pick(&mut frng, &[10, 60])),
            _ => ValueFilter::Ne("7".into()),
        }
    });
    let idle = pick(&mut jrng, &[0, 0, -1, 100]);
    let end = spec.run_for.as_us();
    for (name, start) in [("s1", 0), ("s2", rng.below(end / 2))] {
        let mut config = StreamsConfig::new("app");
        config.commit_interval_ms = pick(&mut rng, &[100, 1_000, 5_000]);
        config.cache_max_bytes = pick(&mut rng, &[0, DEFAULT_CACHE_MAX_BYTES]);
        config.processing_time_ms = pick(&mut rng, &[0, 0, 1]);
        if join.is_some() {
            config.max_task_idle_ms = idle;
        }
        if group_by_value {
            config.repartition_purge_interval_ms = purge_ms;
        }
        let s = StreamsSpec {
            name: name.into(),
            config,
            input: "t".into(),
            output: "counts".into(),
            start: SimTime(start),
            created_changelog: false,
            windowing,
            join: join.clone(),
            group_by_value: group_by_value && map.is_none(),
            map,
            reduce_sum,
            aggregate_max,
            filter: filter.clone(),
        };
        spec.add_streams(s).expect("one key set, declared topics");
    }
    for _ in 0..rng.below(5) {
        let at = SimTime(rng.below(end));
        let streams = pick(&mut rng, &["s1", "s2"]).to_string();
        let fault = match rng.below(3) {
            0 => Fault::CrashStreams { streams },
            1 => Fault::StopStreams { streams },
            _ => Fault::RestartStreams { streams },
        };
        spec.schedule.push(Scheduled { at, fault });
    }
    spec.schedule.sort_by_key(|s| s.at);
}

/// The key sets of `t`'s producers.
fn inputs_keys(spec: &ScenarioSpec) -> Vec<KeySpec> {
    spec.producers
        .iter()
        .filter(|p| p.topic == "t" && p.keys != KeySpec::None)
        .map(|p| p.keys.clone())
        .collect()
}

/// After the recovery phase a group's live members own every partition of its topics once, and
/// have committed up to the high watermark (lag 0).
fn group_settled(sim: &Sim, group: &str) -> Vec<String> {
    let mut stuck = Vec::new();
    let Some(g) = sim.group_view(group) else {
        return stuck;
    };
    if g.state != "Stable" {
        stuck.push(format!("group {group} is {} after recovery", g.state));
    }
    let topo = sim.topology();
    for p in &g.partitions {
        let part = topo
            .part_index(&TopicPartition::new(p.topic.clone(), p.partition))
            .expect("a group's partition");
        let owners = sim
            .consumers()
            .iter()
            .filter(|c| c.group.as_ref().is_some_and(|m| m.group_id == group))
            .filter(|c| c.subscribed.local(part).is_some_and(|l| c.fetches(l)))
            .count();
        if owners != 1 {
            stuck.push(format!(
                "group {group}: {}-{} fetched by {owners} members after recovery",
                p.topic, p.partition
            ));
        }
        // A Kafka Streams task commits the offsets of records it processed: a partition whose
        // records retention deleted before it read them keeps its older committed offset (or
        // none), with nothing left to process.
        let streams = group == "app";
        let log_start = sim
            .verdict_source(part)
            .and_then(|b| sim.replica_log(b, part))
            .map_or(0, |l| l.log_start_offset());
        let drained = streams && p.committed.unwrap_or(0).max(log_start) >= p.log_end_offset;
        if p.lag != Some(0) && !drained {
            stuck.push(format!(
                "group {group}: {}-{} lag {:?} (committed {:?}, end {}) after recovery",
                p.topic, p.partition, p.lag, p.committed, p.log_end_offset
            ));
        }
    }
    stuck
}

/// A quarter of the seeds run a KRaft quorum of three controllers (`controllers=3`) with controller
/// crashes, restarts and partitions added to their faults. Drawn from a stream of their own, so the
/// other seeds keep the scenarios they had.
fn add_quorum(spec: &mut ScenarioSpec, seed: u64) {
    let mut rng = SimRng::derive(seed, "sweep-quorum");
    if rng.below(4) != 0 {
        return;
    }
    spec.cluster.config.controllers = 3;
    let end = spec.run_for.as_us();
    for _ in 0..1 + rng.below(4) {
        let at = SimTime(rng.below(end));
        let c = 1 + rng.below(3) as u32;
        let fault = match rng.below(4) {
            0 | 1 => Fault::CrashController { controller: c },
            2 => Fault::RestartController { controller: c },
            _ => {
                let mut others: Vec<NodeRef> = (1..=3)
                    .filter(|o| *o != c)
                    .map(NodeRef::QuorumController)
                    .collect();
                // The cut-off controller keeps the brokers, or loses them too.
                let mut alone = vec![NodeRef::QuorumController(c)];
                let brokers = (1..=spec.cluster.brokers).map(NodeRef::Broker);
                if rng.below(2) == 0 {
                    others.extend(brokers);
                } else {
                    alone.extend(brokers);
                }
                Fault::Partition {
                    groups: vec![alone, others],
                    one_way: false,
                }
            }
        };
        spec.schedule.push(Scheduled { at, fault });
    }
}

/// The story of the first lost record, to make a failure readable.
fn first_lost(sim: &Sim) -> String {
    for (id, info) in sim.provenance().briefs() {
        if !info.acked {
            continue;
        }
        let view = sim.partition_view(info.part);
        let Some(l) = sim.verdict_source(info.part) else {
            continue;
        };
        let Some(log) = sim.replica_log(l, info.part) else {
            return format!("record {id}: its verdict source, broker {l}, has no log of it");
        };
        if !log
            .records(sim.batch_store())
            .any(|(_, r)| r.record_id == id)
        {
            return format!(
                "record {id} {info:?}; final leader {l} epoch {} LEO {} HW {} cache {:?}; describe: {}",
                view.leader_epoch,
                log.log_end_offset(),
                log.high_watermark,
                log.epoch_cache(),
                view.describe_line()
            );
        }
    }
    "none found".into()
}

/// The recovery phase (see the module doc). Returns what did not converge.
fn recover(
    sim: &mut Sim,
    spec: &ScenarioSpec,
    promised: bool,
    reached: &mut BTreeMap<&'static str, u64>,
) -> Vec<String> {
    let brokers = spec.cluster.brokers + spec.added_brokers();
    let mut nodes: Vec<NodeRef> = (1..=brokers).map(NodeRef::Broker).collect();
    nodes.push(NodeRef::Controller);
    nodes.extend(
        spec.producers
            .iter()
            .map(|p| NodeRef::Client(p.name.clone())),
    );
    nodes.extend(
        spec.consumers
            .iter()
            .map(|c| NodeRef::Client(c.name.clone())),
    );
    let t0 = sim.now();
    sim.inject(Fault::Heal);
    sim.inject(Fault::Link(LinkOverride {
        from: nodes.clone(),
        to: nodes,
        link: spec.network.clone(),
    }));
    for p in &spec.producers {
        sim.inject(Fault::PauseProducer {
            producer: p.name.clone(),
        });
    }
    for c in &spec.consumers {
        sim.inject(Fault::RestartConsumer {
            consumer: c.name.clone(),
        });
    }
    // A member that stops on an error its client treats as fatal (a coordinator that lost the
    // group to a power loss answers GROUP_ID_NOT_FOUND to a KIP-848 heartbeat, as Kafka's does) is
    // restarted as a supervisor would restart the application: every minute while the group
    // settles (a restart of a running consumer does nothing).
    for round in 1..=SUPERVISOR_ROUNDS {
        for c in &spec.consumers {
            sim.schedule(
                t0.saturating_add_us(SUPERVISOR_EVERY.as_us() * round),
                Fault::RestartConsumer {
                    consumer: c.name.clone(),
                },
            );
        }
    }
    for controller in 1..=spec.cluster.config.controllers {
        sim.inject(Fault::RestartController { controller });
    }
    for b in 1..=brokers {
        sim.inject(Fault::Slow {
            broker: BrokerRef::Id(b),
            extra_us: 0,
        });
        sim.inject(Fault::Restart {
            broker: BrokerRef::Id(b),
        });
        sim.schedule(
            t0.saturating_add_us(SHUTDOWN_WAIT.as_us()),
            Fault::Restart {
                broker: BrokerRef::Id(b),
            },
        );
    }
    // A JoinGroup whose answer was lost (a coordinator cut off while it held the request) is given
    // up only after max(request.timeout.ms, max.poll.interval.ms + 5 s) = 305 s, as Kafka's
    // client does (`AbstractCoordinator.sendJoinGroupRequest`): groups get that long to settle.
    let recovery = if sim.group_ids().is_empty() {
        RECOVERY
    } else {
        GROUP_RECOVERY
    };
    sim.run_until(t0.saturating_add_us(recovery.as_us()));
    let settled = |sim: &Sim| {
        let mut stuck = group_settled(sim, "g");
        stuck.extend(group_settled(sim, "app"));
        stuck
    };
    let mut stuck = settled(sim);
    let mut ran = recovery;
    while !stuck.is_empty() && !sim.group_ids().is_empty() && ran < GROUP_RECOVERY_MAX {
        ran = SimTime(ran.as_us() + GROUP_RECOVERY_STEP.as_us());
        sim.run_until(t0.saturating_add_us(ran.as_us()));
        stuck = settled(sim);
    }

    if !sim.group_ids().is_empty() {
        // Group members write to __consumer_offsets every auto.commit.interval.ms: close them so
        // that its replicas can be compared at rest (their last commit and LeaveGroup replicated).
        for c in &spec.consumers {
            sim.inject(Fault::StopConsumer {
                consumer: c.name.clone(),
            });
        }
        let now = sim.now();
        sim.run_until(now.saturating_add_us(SimTime::from_secs(10).as_us()));
        // At least once: a Kafka Streams instance commits only what it processed and flushed, so
        // every record below the application's committed offsets was processed — except, when
        // replicas may lose records (outside the no-loss promise), where one lost the record an
        // instance processed at an offset and another took its place behind the instance's
        // position: Kafka's consumer cannot always tell (KIP-320 compares the position with the
        // new leader's epochs, and a poll that fills `max.poll.records` before it reaches an
        // old leader's fetch, or a fetch that was in flight, still hands such records out).
        if let Some(g) = sim.group_view("app") {
            let reused = g.never_processed_reused_offsets;
            let never = g.never_processed - if promised { 0 } else { reused };
            *reached
                .entry("Kafka Streams record at a reused offset never processed")
                .or_default() += u64::from(reused > 0);
            if never > 0 {
                stuck.push(format!(
                    "Kafka Streams application app: {never} records below its committed offsets never processed"
                ));
            }
        }
    }
    for view in sim.outcome().partitions {
        let name = view.name();
        let Some(leader) = view.leader else {
            stuck.push(format!("{name} has no leader after recovery"));
            continue;
        };
        if !view.adding.is_empty() || !view.removing.is_empty() {
            stuck.push(format!(
                "{name}: a reassignment is still in progress after recovery (adding {:?}, removing {:?})",
                view.adding, view.removing
            ));
        }
        let mut isr = view.isr.clone();
        let mut replicas = view.replicas.clone();
        isr.sort_unstable();
        replicas.sort_unstable();
        if isr != replicas {
            stuck.push(format!(
                "{name}: ISR {:?} is not the replica set {:?} after recovery",
                view.isr, view.replicas
            ));
        }
        let lead = view
            .replica_states
            .iter()
            .find(|r| r.broker == leader)
            .expect("the leader is a replica");
        for r in &view.replica_states {
            if !r.online
                || r.log_end_offset != lead.log_end_offset
                || r.high_watermark != lead.high_watermark
            {
                stuck.push(format!(
                    "{name}: replica {} (online {}) has LEO {} HW {}, leader {leader} LEO {} HW {} after recovery",
                    r.broker, r.online, r.log_end_offset, r.high_watermark, lead.log_end_offset, lead.high_watermark
                ));
            }
        }
    }
    stuck
}

/// The interesting states a run reached, by name (counted once per run).
/// The state in which a leader took a sequence from an idempotent producer it knew nothing of.
const UNKNOWN_PRODUCER_ACCEPTED: &str = "leader took an unknown producer's sequence";

fn reached(sim: &Sim, outcome: &khafka_sim::Outcome, tally: &mut BTreeMap<&'static str, u64>) {
    let mut seen = |name: &'static str, hit: bool| {
        *tally.entry(name).or_default() += u64::from(hit);
    };
    let notable: Vec<&TraceKind> = sim.notable_events().map(|e| &e.kind).collect();
    let any = |f: &dyn Fn(&TraceKind) -> bool| notable.iter().any(|k| f(k));
    seen(
        "unclean election",
        any(&|k| matches!(k, TraceKind::LeaderElected { unclean: true, .. })),
    );
    seen(
        "ELR election",
        any(&|k| matches!(k, TraceKind::LeaderElected { from_elr: true, .. })),
    );
    seen(
        "partition offline",
        any(&|k| matches!(k, TraceKind::LeaderElected { leader: None, .. })),
    );
    seen(
        "truncation",
        any(&|k| matches!(k, TraceKind::Truncated { .. })),
    );
    seen(
        "replica deleted by a reassignment",
        any(&|k| matches!(k, TraceKind::ReplicaHosted { hosted: false, .. })),
    );
    seen(
        "reassignment refused",
        any(&|k| matches!(k, TraceKind::AdminError { .. })),
    );
    seen(
        "ISR change",
        any(&|k| matches!(k, TraceKind::IsrChanged { .. })),
    );
    seen(
        "controller failover",
        any(&|k| {
            matches!(
                k,
                TraceKind::Quorum {
                    change: khafka_sim::trace::QuorumChange::Active,
                    epoch: 2..,
                    ..
                }
            )
        }),
    );
    seen("duplicate", outcome.provenance.duplicated > 0);
    seen(
        UNKNOWN_PRODUCER_ACCEPTED,
        any(&|k| matches!(k, TraceKind::UnknownProducerAccepted { .. })),
    );
    // A link with a bandwidth so full that a message waited 100 ms for it.
    seen("full link", sim.longest_link_wait_us() >= 100_000);
    seen(
        "compressed batches acknowledged",
        outcome.throughput.acked_bytes > 0
            && sim
                .spec()
                .producers
                .iter()
                .any(|p| p.config.compression_type != khafka_sim::msg::CompressionType::None),
    );
    seen(
        "group rebalance",
        outcome.groups.iter().any(|g| g.generation >= 2),
    );
    seen(
        "group over two topics rebalanced",
        outcome.groups.iter().any(|g| g.generation >= 2)
            && sim
                .spec()
                .consumers
                .iter()
                .any(|c| !c.more_topics.is_empty()),
    );
    seen(
        "group coordinator failover",
        any(
            &|k| matches!(k, TraceKind::Group { text, .. } if text.starts_with("loaded by broker")),
        ),
    );
    seen(
        "record processed twice by a group",
        outcome.groups.iter().any(|g| g.processed_twice > 0),
    );
    seen(
        "record never processed by a group",
        outcome.groups.iter().any(|g| g.never_processed > 0),
    );
    seen(
        "application commit failed",
        outcome.groups.iter().any(|g| g.commits_failed > 0),
    );
    seen(
        "offsets reset by kafka-consumer-groups",
        any(&|k| {
            matches!(k, TraceKind::Group { text, .. }
                if text.starts_with("reset-offsets: ") && !text.contains("Error") && !text.contains("dry run"))
        }),
    );
    seen("acknowledged record lost", outcome.provenance.lost > 0);
    seen(
        "segments deleted by retention",
        any(&|k| {
            matches!(
                k,
                TraceKind::SegmentsDeleted {
                    reason: khafka_sim::trace::DeletionReason::RetentionMs
                        | khafka_sim::trace::DeletionReason::RetentionBytes,
                    ..
                }
            )
        }),
    );
    seen(
        "log compacted",
        any(&|k| matches!(k, TraceKind::Cleaned { removed, .. } if !removed.is_empty())),
    );
    for error in [
        "NOT_ENOUGH_REPLICAS",
        "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
        "REQUEST_TIMED_OUT",
        "NOT_LEADER_OR_FOLLOWER",
        "NETWORK_EXCEPTION",
    ] {
        seen(
            error,
            outcome.producer_errors.get(error).is_some_and(|n| *n > 0),
        );
    }
}

/// What one seed's run found.
struct SeedRun {
    problems: Vec<String>,
    acked: u64,
    reached: BTreeMap<&'static str, u64>,
    /// Records a Kafka Streams application counted twice (at least once), after recovery.
    counted_twice: u64,
}

/// Runs one seed's scenario and its recovery phase, checking everything the module doc lists.
fn check_seed(spec: &ScenarioSpec, promised: bool, ordered: bool) -> SeedRun {
    let mut reached_here = BTreeMap::new();
    let mut problems: Vec<String> = Vec::new();
    let opts = SimOptions {
        check_invariants: true,
        // KHAFKA_SWEEP_TRACE=all prints every event of a failing seed, not only the notable ones.
        keep_trace: std::env::var("KHAFKA_SWEEP_TRACE").is_ok_and(|v| v == "all"),
        ..SimOptions::default()
    };
    let mut sim = Sim::with_options(spec.clone(), opts);
    // Run in steps, checking at each that the running verdict counts equal a count from scratch.
    let step = SimTime::from_secs(5).as_us();
    let mut t = 0;
    while t < spec.run_for.as_us() {
        t = (t + step).min(spec.run_for.as_us());
        sim.run_until(SimTime(t));
        let running = sim.provenance_counts_running();
        let recomputed = sim.provenance_counts_recomputed();
        if running.as_ref() != Some(&recomputed) {
            problems.push(format!(
                "at {t} µs the running verdict counts {running:?} differ from {recomputed:?}"
            ));
            break;
        }
    }
    let outcome = sim.outcome();
    reached(&sim, &outcome, &mut reached_here);
    problems.extend(outcome.violations.iter().cloned());
    problems.extend(outcome.halted.clone());
    if promised && outcome.provenance.lost > 0 {
        problems.push(format!(
            "{} acknowledged acks=all records lost; first: {}",
            outcome.provenance.lost,
            first_lost(&sim)
        ));
    }
    // A leader that knew nothing of an idempotent producer takes any sequence
    // (`ProducerAppendInfo.checkSequence`): batches sent before the one it took may land after
    // it, in Kafka too, so order is promised only where that never happened.
    let unknown_producer_accepted = reached_here
        .get(UNKNOWN_PRODUCER_ACCEPTED)
        .is_some_and(|n| *n > 0);
    if ordered && !unknown_producer_accepted && outcome.provenance.reordered > 0 {
        problems.push(format!(
                "{} records reordered although every producer keeps order (idempotence or one request in flight)",
                outcome.provenance.reordered
            ));
    }
    problems.extend(recover(&mut sim, spec, promised, &mut reached_here));
    // Kafka Streams under at_least_once, measured once the recovery phase closed every instance
    // (its last commit flushed every cache): records counted twice, per run.
    let mut counted_twice = 0;
    if let Some(v) = sim.streams_view() {
        let st = v.outcome();
        counted_twice = st.counted_twice;
        *reached_here
            .entry("Kafka Streams store restored")
            .or_default() += u64::from(st.restored_records > 0);
        *reached_here
            .entry("Kafka Streams record counted twice")
            .or_default() += u64::from(st.counted_twice > 0);
        *reached_here
            .entry("Kafka Streams late record dropped")
            .or_default() += u64::from(st.late_records > 0);
        // An instance that lost its task but whose retried sends landed after the new owner's
        // results (a zombie: nothing fences it under at_least_once) sets its keys back to its
        // own, older state: an aggregate's last value then rightly falls short of the input.
        // What is short beyond those keys (a count per key) is a problem; windows are not
        // attributed, so a windowed run with a zombie write is not judged.
        let zombie = st.zombie_writes > 0 || v.zombie_output_writes > 0;
        *reached_here
            .entry("Kafka Streams zombie write")
            .or_default() += u64::from(zombie);
        let short = match v.windowed {
            Some(_) if zombie => 0,
            Some(_) => st.not_counted,
            None => st.not_counted - v.zombie_shortfall,
        };
        let gave_up = sim
            .snapshot()
            .producers
            .iter()
            .any(|p| p.name.ends_with("-producer") && p.failed > 0);
        // Whether a topic's log starts above offset 0 (retention deleted some of its records, or
        // a purge did), or is compacted (the cleaner may remove records in the middle).
        let topo = sim.topology();
        let trimmed = |topic: &str, compaction: bool| {
            (0..)
                .map_while(|p| topo.part_index(&TopicPartition::new(topic.to_string(), p)))
                .any(|part| {
                    (compaction && topo.log_config(part).cleanup.compact)
                        || sim
                            .verdict_source(part)
                            .and_then(|b| sim.replica_log(b, part))
                            .is_some_and(|l| l.log_start_offset() > 0)
                })
        };
        // A sum (`reduce`): every instance closed after processing everything below the high
        // watermarks, so each key's sum covers its input values — unless retention or
        // compaction deleted input records before a task read them (the reference reads the
        // input's whole history).
        // A windowed sum is held to what a windowed count is (its windows against the reference
        // are not checked here); the sweep counts the runs that have one.
        *reached_here
            .entry("Kafka Streams windowed sum")
            .or_default() += u64::from(v.sum && v.windowed.is_some());
        // A maximum per key: processing a record twice cannot raise it, whatever crashed.
        *reached_here.entry("Kafka Streams maximum").or_default() += u64::from(v.max);
        *reached_here
            .entry("Kafka Streams map repartitioned")
            .or_default() += u64::from(v.map.is_some());
        *reached_here
            .entry("Kafka Streams windowed count after a repartition")
            .or_default() += u64::from(v.repartition.is_some() && v.windowed.is_some());
        if v.max && v.windowed.is_none() && promised && !trimmed("t", true) && st.counted_twice > 0
        {
            problems.push(format!(
                "Kafka Streams aggregate: maxima {} above the input's",
                st.counted_twice
            ));
        }
        if (v.sum || v.max)
            && v.windowed.is_none()
            && promised
            && !gave_up
            && !trimmed("t", true)
            && short > 0
        {
            problems.push(format!(
                "Kafka Streams {}: {short} short of the input's values after recovery",
                v.plural(),
            ));
        }
        *reached_here
            .entry("Kafka Streams filter on the key")
            .or_default() += u64::from(v.filter.as_ref().is_some_and(|f| f.starts_with("key")));
        *reached_here
            .entry("Kafka Streams filter before a join")
            .or_default() += u64::from(v.filter.is_some() && v.join.is_some());
        if v.filter.is_some() {
            *reached_here
                .entry("Kafka Streams record filtered")
                .or_default() += u64::from(v.instances.iter().any(|i| i.filtered > 0));
            // A filtered count per key: each key's count covers the input records that pass
            // the filter (the reference applies the same predicate).
            if v.windowed.is_none()
                && !v.sum
                && promised
                && !gave_up
                && !trimmed("t", true)
                && short > 0
            {
                problems.push(format!(
                    "Kafka Streams filter: {short} input records that pass the filter not counted after recovery"
                ));
            }
        }
        if let Some(r) = &v.repartition {
            // `groupBy`: the same for each value's count (the purges deleted only what the
            // tasks committed).
            *reached_here
                .entry("Kafka Streams repartition topic purged")
                .or_default() += u64::from(trimmed(r, false));
            if promised && !gave_up && !trimmed("t", true) && short > 0 {
                problems.push(format!(
                    "Kafka Streams groupBy: {short} input records not counted after recovery"
                ));
            }
        }
        if let Some(j) = &v.join {
            *reached_here
                .entry("Kafka Streams join result sent twice")
                .or_default() += u64::from(j.twice > 0);
            if j.window.is_none() {
                *reached_here
                    .entry("Kafka Streams join not as of the record's time")
                    .or_default() += u64::from(j.mismatched > 0);
            } else {
                *reached_here
                    .entry("Kafka Streams stream–stream join result")
                    .or_default() += u64::from(j.results > 0);
            }
            if j.window.is_some() && j.mismatched > 0 {
                // A stream–stream join's result pairs records outside its window: a bug.
                problems.push(format!(
                    "Kafka Streams stream–stream join: {} results pair records outside the window",
                    j.mismatched
                ));
            }
            // Every instance closed after processing everything below the high watermarks: each
            // stream record the reference joins has a result, or was dropped by an inner join
            // that found no table value — unless the output lost acknowledged records, or an
            // instance's producer gave up on some (Kafka Streams' production exception handler
            // would stop the thread; the simulator's instance goes on: not modelled).
            // (A stream–stream join's missing pairs leave out those of records that came more
            // than grace late: Kafka Streams may rightly miss them.)
            if promised && !gave_up && j.missing > 0 {
                problems.push(format!(
                    "Kafka Streams join: {} stream records (or pairs) the reference joins have no result after recovery",
                    j.missing
                ));
            }
        }
    }
    if let Some(why) = sim.halted() {
        problems.push(format!("during recovery: {why}"));
    }
    if !problems.is_empty() && std::env::var("KHAFKA_SWEEP_TRACE").is_ok() {
        let all = std::env::var("KHAFKA_SWEEP_TRACE").is_ok_and(|v| v == "all");
        if all {
            for e in sim.trace_events() {
                eprintln!("{} {:?}", e.time, e.kind);
            }
        } else {
            for e in sim.notable_events() {
                eprintln!("{} {:?}", e.time, e.kind);
            }
        }
    }
    SeedRun {
        problems,
        acked: outcome.provenance.acknowledged,
        reached: reached_here,
        counted_twice,
    }
}

#[test]
fn invariants_hold_and_acks_all_loses_nothing_across_seeds() {
    let n: u64 = std::env::var("KHAFKA_SWEEP_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let start: u64 = std::env::var("KHAFKA_SWEEP_START")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut failures = Vec::new();
    let mut promised_runs = 0u64;
    let mut acked_total = 0;
    let mut counted_twice_total = 0u64;
    let mut tally: BTreeMap<&'static str, u64> = BTreeMap::new();
    for seed in start..start + n {
        let (spec, promised, ordered) = random_scenario(seed);
        // The reproduction: the printed scenario must parse back to this very spec.
        let text = khafka_scenario::print::scenario(&spec);
        let mut problems: Vec<String> = Vec::new();
        match khafka_scenario::parse(&text) {
            Ok(s) if s.spec == spec => {}
            Ok(_) => problems.push("the printed scenario parses to a different spec".into()),
            Err(e) => problems.push(format!("the printed scenario does not parse: {e}")),
        }
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check_seed(&spec, promised, ordered)
        }));
        match run {
            Ok(seed_run) => {
                problems.extend(seed_run.problems);
                promised_runs += u64::from(promised);
                acked_total += seed_run.acked;
                counted_twice_total += seed_run.counted_twice;
                for (k, v) in seed_run.reached {
                    *tally.entry(k).or_default() += v;
                }
            }
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                problems.push(format!("the engine panicked: {msg}"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "seed {seed}: {}\n(then the recovery phase: heal, restart every broker, pause producers, run {})\n{text}",
                problems.join("; "),
                RECOVERY.exact(),
            ));
            if failures.len() >= 5 {
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing seeds (first shown):\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("interesting states reached (runs of {n}): {tally:?}");
    eprintln!(
        "Kafka Streams at least once: {counted_twice_total} records counted twice in all, in {} runs",
        tally.get("Kafka Streams record counted twice").copied().unwrap_or(0)
    );
    // States too rare to require of CI's 2,000 seeds (about one run in 10,000): counted only.
    const RARE: &[&str] = &[
        "Kafka Streams zombie write",
        "Kafka Streams record at a reused offset never processed",
    ];
    let never: Vec<&&str> = tally
        .iter()
        .filter(|(k, n)| **n == 0 && !RARE.contains(k))
        .map(|(k, _)| k)
        .collect();
    // Judged on runs of CI's size: a few hundred seeds may miss the rarest states by chance.
    assert!(
        failures.len() >= 5 || n < 1_000 || never.is_empty(),
        "the sweep never reached {never:?}: its generator no longer explores them"
    );
    assert!(
        acked_total > 0,
        "the sweep acknowledged nothing: the generator is broken"
    );
    assert!(
        promised_runs * 3 >= n,
        "too few runs ({promised_runs} of {n}) fall under the no-loss promise"
    );
}

/// Seeds beyond CI's 2,000 that failed by hand (the 10,000-seed run of session 9), kept so their
/// fixes stay fixed: 2613 and 4253, a follower whose 2,000-record fetches of 20 KB records took
/// longer than the socket timeout on a 1 MB/s link, forever (fetches now stop at 1 MiB per
/// partition, as Kafka's `replica.fetch.max.bytes`); 6463 (KIP-848) and 7331, a member told its
/// assignment before the coordinator's write of it was committed, which a coordinator failover
/// then lost (two members owned t-0 in one generation).
///
/// - 4692 and 6710: a Kafka Streams instance processed records fetched from the old leader
///   after a leader change, which an unclean election had replaced with others at the same
///   offsets: the engine validated the position (KIP-320) as soon as the metadata arrived,
///   found it below the divergence, and the next `poll()` handed the old leader's buffered
///   records out. Kafka validates in `poll()` and drains such a fetch there (records fetched
///   from the old leader are dropped at the first poll after the change).
/// - 10140 and 13975 (`cleanup.policy=compact,delete`): a follower's log start followed its
///   leader's past records its own cleaner had already removed (superseded by a later record of
///   their key), and the retention invariant counted their timestamps as if retention had
///   deleted them — younger than `retention.ms`. Only records the log still held count now.
/// - 9692 failed a check that asked more than Kafka promises:
///   an instance the group had removed while its producer retried a changelog write (30 s
///   request timeouts) — a zombie — whose write landed after the new owner's, setting a sum
///   back to the zombie's older state. Since a request timeout closes the producer's connection
///   (as Kafka's `NetworkClient` does), the zombie's changelog record of that commit lands in
///   time and only its output record lands late: zombie writes are looked for in the output
///   topic too. Since the clients send metadata requests to the least loaded broker
///   (`leastLoadedNode`), the zombie's producer no longer waits 30 s for an answer from a broker
///   cut off from it; the output-topic detector is pinned by
///   `a_zombie_s_late_writes_are_found_in_the_output_topic_too` (tests/scenarios.rs). Since a
///   member's `FindCoordinator` goes to the least loaded broker, the seed reaches another kind of
///   zombie: `s2`, removed from the group at 86 s while cut off from its coordinator, processes
///   one more record at 92.5 s from its old store and writes key 22's sum after `s1`'s newer
///   one — sent later, so not a late landing. A zombie write is now one computed without the
///   others' writes: appended after a record from another instance that restored the task
///   after the writer last did.
/// - 11959 (compacted topic, power losses): a leader lost power and its log went back to an
///   offset below what its cleaner had rewritten, leaving a log end offset with no records below
///   it, which no follower could ever fetch. Kafka flushes every segment below the active one
///   when it rolls, so a power loss reaches only the active segment.
/// - 12695 (KIP-848): a commit's NOT_COORDINATOR cut off the heartbeat whose answer carried
///   "revoke t-2"; the member's next heartbeat to the new coordinator was not full, so it never
///   got its assignment again and the group stayed Reconciling.
/// - 11627 (Kafka Streams, `groupBy` with windows): an instance stopped while it rejoined for a
///   cooperative rebalance left at once without flushing its cache; the revoked task's cache
///   stayed in memory and was flushed 74 s later, after the instance restarted, setting four
///   windows' counts back. `close()` flushes every task's cache whatever the group's state, and
///   a restart is a new process.
/// - 29600 (Kafka Streams join over 20 KB records at 1 MB/s): not stuck but slow. The two
///   instances' producers still held 2,480 and 1,755 one-record batches (join results above
///   `batch.size`) at the end of the 400 s recovery, each instance waiting in its pre-commit
///   flush; with more time the group settles. The recovery now extends a group's time in 100 s
///   steps, up to 1,200 s.
/// - 35741 (a plain group, `sim.commit=sync`): a coordinator whose `__consumer_offsets` partition
///   had shrunk to its own replica lost power and the member's last commit with it; the member,
///   idle with nothing left to read, never committed its unchanged position again, so lag stayed
///   at 820. Kafka's `commitSync()` commits every assigned position at every turn of the loop,
///   moved or not.
/// - 37944 (Kafka Streams, a network partition): broker 2, leader of the group's
///   `__consumer_offsets` partition, was cut off from the controller, which elected broker 3.
///   Broker 2 went on answering JoinGroups, as Kafka's does (a JoinGroup answer needs no
///   write), and formed a generation 2 that no log holds; broker 3 formed its own generation 2.
///   The invariant took the two for one and found t-1 owned twice. A generation is the
///   coordinator's: members whose generation came from a deposed coordinator are not compared.
/// - 43620 (Kafka Streams, a power loss): the coordinator lost the instance's last commits
///   (5,140 back to 1,428); after the rebalance the instance processed 1,428..5,139 again and
///   reached the offsets of its last commit call, which the engine took for nothing to commit:
///   lag stayed at 3,712. Kafka's task commits whenever it processed records since its last
///   commit (`StreamTask.commitNeeded`).
/// - 51344 (compaction and retention, a reassignment): a new replica copied a log its leader had
///   just compacted, became leader, and its retention deleted a segment that ended before a
///   superseded record the old follower still held; the follower deleted it with the learnt log
///   start, 20 s old, and the retention invariant took that for its own retention decision. Only
///   a replica's own retention is checked now (as in
///   `follower-deletes-superseded-record-below-leader-log-start.khafka`).
/// - 52007 (acks=0 over a slow link): every request completed when sent, so the link queued
///   minutes of them and appends went on long after the recovery phase paused the producer. A
///   fire-and-forget request now completes when written and holds its connection until then
///   (`acks0-producer-faster-than-its-link-queues-in-its-buffer.khafka`).
/// - 725 (in the CI range; failed once the clients' metadata backoff kept a leaderless
///   partition's epoch): a Kafka Streams instance closing resent its commit after a coordinator
///   error with offsets recomputed, including a record it handled after flushing its producer;
///   that record's changelog write was still unsent, so its new owner restored a store without
///   it and 19 join pairs went missing. A close's commit now keeps the offsets it first sent.
#[test]
fn seeds_found_failing_by_hand_stay_fixed() {
    let mut failures = Vec::new();
    for seed in [
        2613, 4253, 6463, 7331, 4692, 6710, 10140, 13975, 11959, 12695, 11627, 22302, 29600, 35741,
        37944, 43620, 51344, 52007, 725, 9692,
    ] {
        let (spec, promised, ordered) = random_scenario(seed);
        let run = check_seed(&spec, promised, ordered);
        if !run.problems.is_empty() {
            failures.push(format!("seed {seed}: {}", run.problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
