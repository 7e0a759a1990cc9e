//! What one run may use. A scenario whose estimate is over the budget is refused before it starts
//! ([`check`], called by the scenario parser and again when a simulation is built), and a run that
//! loops at one instant or piles up pending events stops with the reason ([`crate::Sim::halted`])
//! instead of exhausting memory or never ending.
//!
//! The figures: about [`BYTES_PER_RECORD`] per record sent over a run (its provenance entry, one log
//! entry per replica, the verdict word and its share of messages: `docs/performance.md`), the
//! network's per-link tables (a few words for every ordered pair of nodes), a kilobyte per replica
//! of bookkeeping (measured: 100,000 partitions × 3 replicas without records peak at 225 MB), and
//! every broker's metadata entry for every partition.

use crate::config::topology::{assign_replicas, broker_racks};
use crate::spec::{Fault, ScenarioSpec};
use crate::time::SimTime;

/// The memory one run may use: 1.5 GiB, well inside a browser tab's 4 GiB of WebAssembly memory
/// with room for the page and the checkpoints of time travel.
pub const MEMORY_BUDGET_BYTES: u64 = 1_536 * 1024 * 1024;
/// Bytes a record costs over a run (measured: `docs/performance.md`, "Memory").
pub const BYTES_PER_RECORD: u64 = 200;
/// Bytes per ordered pair of nodes in the network's tables (link settings, cut flag, FIFO clock and
/// random stream).
pub const BYTES_PER_LINK: u64 = 72;
/// Bytes of one segment's bookkeeping (`log::Segment`).
pub const BYTES_PER_SEGMENT: u64 = 40;
/// Bytes of bookkeeping per replica (log, epoch cache, follower states) before any record.
pub const BYTES_PER_REPLICA: u64 = 1_024;
/// Bytes per partition on every broker (its metadata cache holds the whole cluster's partitions),
/// and per replica on every broker (the replica and ISR lists in it). Measured with
/// `/usr/bin/time -v khafka run` on a cluster line and one topic, `run 1s`: 1,000 brokers with
/// 1,000 partitions × 3 replicas peak at 295 MB (76 MB with 10 partitions), 1,000 brokers with
/// 100 and 300 partitions × 100 replicas at 182 and 396 MB, 100 brokers with 1,000 × 100 at 202 MB.
pub const BYTES_PER_PARTITION_PER_BROKER: u64 = 224;
pub const BYTES_PER_REPLICA_PER_BROKER: u64 = 8;
/// Bytes per partition for every client (a metadata answer lists every partition of the cluster):
/// measured in review, 400 producers with 100,000 partitions peaked at 694 MB, about 14 bytes per
/// producer per partition.
pub const BYTES_PER_PARTITION_PER_CLIENT: u64 = 16;
/// Bytes a record a Kafka Streams topology writes costs over a run (a join result, an aggregate
/// update, a changelog or repartition record): its provenance entry, its log entries and its share
/// of the application's state. Measured with `/usr/bin/time -v khafka run` on a stream–stream outer
/// join of one key whose results pile up: 579,000 records written in 90 simulated seconds, 203 MB.
pub const BYTES_PER_DERIVED_RECORD: u64 = 400;
/// Bytes a record a group coordinator writes to `__consumer_offsets` costs over a run (an offset
/// commit or a group's metadata: the record, its batch, each replica's log entry). Kafka compacts
/// that topic on disk; the simulator keeps every record. Measured with `/usr/bin/time -v khafka
/// describe --at 10m` on a topic of 1,000 partitions and a group committing synchronously on
/// every poll: 5,846,001 records in 10 simulated minutes, 835,560 KB peak, 145 bytes each.
pub const BYTES_PER_COORDINATOR_RECORD: u64 = 150;
/// The longest run: one simulated day.
pub const MAX_RUN: SimTime = SimTime::from_secs(24 * 3_600);
/// More events than this at one simulated instant is a loop that time would never end.
pub const MAX_EVENTS_AT_ONE_INSTANT: u64 = 1_000_000;
/// More pending events than this is a run outgrowing its budget (the queue holds 2^24 at most).
pub const MAX_PENDING_EVENTS: usize = 4_000_000;
/// More notable events than this (elections, ISR, quorum and group changes, each kept for the
/// timeline and the record stories: a run of quorum elections peaks at 158 MB at the bound, one of
/// rebalances at 460 MB) is a cluster that never settles: a
/// setting Kafka accepts, such as `controller.quorum.fetch.timeout.ms=1` or
/// `max.poll.interval.ms=1`, makes it elect or rebalance every few milliseconds, and its run would
/// grow by a gigabyte every few simulated minutes. Runs that settle keep far fewer: the lessons' cells
/// at most 353, the 2,000-seed sweep 18,914.
pub const MAX_NOTABLE_EVENTS: usize = 1_000_000;
/// More events than this in one run is more work than the simulator takes on. Measured natively
/// (`/usr/bin/time khafka run`): 6.6 s for a consumer auto-committing every microsecond and 9.3 s
/// for twenty zero-wait consumers, the cheapest events; at the standard run's 1.4 M events/s
/// (`khafka bench`) it would be 71 s, and more in a browser tab. A run within the memory budget
/// sends at most about eight million records, some 53 million events at the scale bench's 6.6
/// events per record; an hour of an idle cluster with three group consumers is 855,240 events.
pub const MAX_EVENTS: u64 = 100_000_000;
/// More partitions read than this in one run ([`crate::ctx::Ctx::fetch_reads`]: those the
/// brokers read to answer fetches, those the consumers look at to build them, and those the
/// brokers' periodic checks read: a check every millisecond over 10,000 replicas, which Kafka
/// accepts, read ten million a simulated second and ran for minutes) is more work
/// than the simulator takes on, however few the events: a fetch's work grows with its partitions,
/// so a consumer of 1,000 partitions with `fetch.max.wait.ms=0` makes every event hundreds of
/// times dearer and stayed under [`MAX_EVENTS`] for 15 minutes (a simulated day). Measured
/// natively (`/usr/bin/time khafka run`): that consumer reaches the bound at 500 simulated
/// seconds in 6.1 s, twenty consumers of 10,000 partitions each at 1,244 s in 26.8 s, the
/// dearest reads found. The standard run reads 1.4 million in its 60 s (a run within the memory
/// budget, at most some 200 million), an idle topic of 1,000 partitions × 3 replicas with one
/// consumer 43 million per simulated hour, and a group of 1,000 KIP-848 members on 1,000
/// partitions 2.3 million per simulated second (each member looks at every partition).
pub const MAX_FETCH_READS: u64 = 1_000_000_000;

/// How many records `spec`'s Kafka Streams applications may write in one run: what the memory
/// budget leaves after the run's own estimate. Their number depends on the data (a join of one
/// key writes a result for every pair), so it is judged as the run goes.
pub fn derived_records_allowed(spec: &ScenarioSpec) -> u64 {
    memory_left(spec) / BYTES_PER_DERIVED_RECORD
}

/// What the memory budget leaves after `spec`'s own estimate, for what a run writes that depends
/// on its data: Kafka Streams' records and the group coordinators' `__consumer_offsets` records.
pub fn memory_left(spec: &ScenarioSpec) -> u64 {
    MEMORY_BUDGET_BYTES.saturating_sub(estimate(spec).bytes)
}

/// The fewest events `spec`'s followers make over the run, idle: every broker that holds a
/// follower replica fetches from a leader at least once per `replica.fetch.wait.max.ms` (a
/// fetch with nothing to return is answered when that wait ends, and the next one follows at
/// once), a request and its answer each, with the links' longest latency both ways and
/// [`FETCH_ROUND_TRIP_US`] more. Counted from [`FETCH_STARTUP_US`] (brokers register, learn their
/// partitions and connect) to the first scheduled fault or change (a crash, a cut link or a new
/// broker changes who fetches from whom) or the run's end; 0 on a network with loss, a bandwidth
/// limit or links of their own, whose fetches may take longer.
pub fn idle_fetch_events(spec: &ScenarioSpec) -> u64 {
    let n = spec.cluster.brokers;
    let racks = broker_racks(spec, n);
    let mut follows = vec![false; n as usize + 1];
    let mut mark = |assignment: &[Vec<crate::spec::BrokerId>]| {
        for b in assignment.iter().flat_map(|r| r.iter().skip(1)) {
            if let Some(slot) = follows.get_mut(*b as usize) {
                *slot = true;
            }
        }
    };
    for t in &spec.topics {
        match &t.assignment {
            Some(a) => mark(a),
            None => mark(&assign_replicas(
                n,
                &racks,
                t.partitions,
                t.replication_factor,
            )),
        }
    }
    for (p, rf) in internal_topics(spec) {
        mark(&assign_replicas(n, &racks, p as u32, rf as u32));
    }
    let fetchers = follows.iter().filter(|f| **f).count() as u64;
    fetchers
        .saturating_mul(idle_fetch_cycles(spec))
        .saturating_mul(2)
}

/// How many idle fetches one follower makes from one leader over the run, as
/// [`idle_fetch_events`] counts them (0 on a network whose fetches may take longer, or when
/// heartbeats cannot keep the brokers' sessions).
fn idle_fetch_cycles(spec: &ScenarioSpec) -> u64 {
    let Some(round_trip) = idle_round_trip_us(spec) else {
        return 0;
    };
    // Heartbeats too far apart for the session (Kafka accepts them): the controller fences the
    // brokers, partitions lose their leaders and followers stop fetching.
    let cfg = &spec.cluster.config;
    let session_ms = match cfg.controller {
        crate::config::ControllerMode::Kraft => cfg.broker_session_timeout_ms,
        _ => cfg.zookeeper_session_timeout_ms,
    };
    let beat_us = cfg
        .broker_heartbeat_interval_ms
        .saturating_mul(1_000)
        .saturating_add(round_trip);
    if beat_us >= session_ms.saturating_mul(1_000) {
        return 0;
    }
    let cycle_us = cfg
        .replica_fetch_wait_max_ms
        .saturating_mul(1_000)
        .saturating_add(round_trip);
    quiet_until(spec).as_us().saturating_sub(FETCH_STARTUP_US) / cycle_us
}

/// What an idle request and its answer add to a wait: the links' longest latency both ways and
/// [`FETCH_ROUND_TRIP_US`]. `None` on a network where they may take longer (loss, a bandwidth
/// limit, links of their own): the idle estimates count nothing there.
fn idle_round_trip_us(spec: &ScenarioSpec) -> Option<u64> {
    let net = &spec.network;
    (net.loss_ppm == 0 && net.bandwidth_bps == 0 && spec.links.is_empty()).then(|| {
        net.latency_us_max
            .saturating_mul(2)
            .saturating_add(FETCH_ROUND_TRIP_US)
    })
}

/// A broker's periodic checks that read all its replicas and do not wait for the first
/// retention check's delay: ISR expiration (every `replica.lag.time.max.ms` / 2) and
/// high-watermark checkpoints. Their intervals, µs.
fn check_intervals_us(spec: &ScenarioSpec) -> [u64; 2] {
    let cfg = &spec.cluster.config;
    [
        (cfg.replica_lag_time_max_ms / 2).max(1),
        cfg.replica_high_watermark_checkpoint_interval_ms.max(1),
    ]
    .map(|ms| ms.saturating_mul(1_000))
}

/// The fewest events `spec`'s brokers make over the run on their own, idle. Each asks the
/// controller for metadata it has not seen, and the controller answers a request with nothing new
/// when its 500 ms wait ends; the broker then asks again: four events a cycle (the request, the
/// controller's deadline, the answer and the broker's own request timeout). Each heartbeats every
/// `broker.heartbeat.interval.ms` (its timer, the request and the answer), and wakes for its
/// ISR-expiration checks, high-watermark checkpoints and retention checks. Counted over the
/// same span and with the same exclusions as [`idle_fetch_events`].
pub fn idle_broker_events(spec: &ScenarioSpec) -> u64 {
    let Some(round_trip) = idle_round_trip_us(spec) else {
        return 0;
    };
    let cfg = &spec.cluster.config;
    let counted_us = quiet_until(spec).as_us().saturating_sub(FETCH_STARTUP_US);
    let every = |us: u64, events: u64| (counted_us / us.max(1)).saturating_mul(events);
    let [isr_us, checkpoint_us] = check_intervals_us(spec);
    let per_broker = [
        every(
            (crate::controller::METADATA_POLL_MAX_WAIT_MS * 1_000).saturating_add(round_trip),
            4,
        ),
        every(
            cfg.broker_heartbeat_interval_ms
                .saturating_mul(1_000)
                .saturating_add(round_trip),
            3,
        ),
        every(isr_us, 1),
        every(checkpoint_us, 1),
    ]
    .iter()
    .fold(retention_checks(spec), |a, b| a.saturating_add(*b));
    u64::from(spec.cluster.brokers).saturating_mul(per_broker)
}

/// How many retention checks one broker makes over the quiet span: every
/// `log.retention.check.interval.ms` after `log.initial.task.delay.ms`.
fn retention_checks(spec: &ScenarioSpec) -> u64 {
    let log = &spec.cluster.config.log;
    quiet_until(spec)
        .as_us()
        .saturating_sub(log.initial_task_delay_ms.saturating_mul(1_000))
        / log.retention_check_interval_ms.saturating_mul(1_000).max(1)
}

/// The fewest partitions `spec`'s brokers read over the run ([`MAX_FETCH_READS`]), idle: every
/// replica at each of [`check_intervals_us`]' checks and each retention check (from
/// `log.initial.task.delay.ms`), and every follower replica at each of its fetcher's idle
/// fetches (see [`idle_fetch_events`]). Counted to the first scheduled fault or change, from
/// [`FETCH_STARTUP_US`] for the fetches.
pub fn idle_reads(spec: &ScenarioSpec) -> u64 {
    let until_us = quiet_until(spec).as_us();
    let (replicas, followers) = spec
        .topics
        .iter()
        .map(|t| (t.partitions as u64, t.replication_factor as u64))
        .chain(internal_topics(spec))
        .fold((0u64, 0u64), |(r, f), (p, rf)| {
            (
                r.saturating_add(p.saturating_mul(rf)),
                f.saturating_add(p.saturating_mul(rf.saturating_sub(1))),
            )
        });
    let checks = check_intervals_us(spec)
        .iter()
        .map(|every_us| until_us / every_us)
        .fold(retention_checks(spec), u64::saturating_add);
    replicas
        .saturating_mul(checks)
        .saturating_add(followers.saturating_mul(idle_fetch_cycles(spec)))
}

/// Until the first scheduled fault or change (a crash, a cut link or a new broker changes who
/// fetches from whom), or the run's end.
fn quiet_until(spec: &ScenarioSpec) -> SimTime {
    spec.schedule
        .iter()
        .map(|s| s.at)
        .min()
        .map_or(spec.run_for, |first| first.min(spec.run_for))
}

/// What [`idle_fetch_events`] allows a fetch beyond the wait and the links' latency.
pub const FETCH_ROUND_TRIP_US: u64 = 5_000;
/// When [`idle_fetch_events`] starts counting: ten seconds into the run.
pub const FETCH_STARTUP_US: u64 = 10_000_000;

/// A run's size before it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Estimate {
    /// Records the producers will send (rates times active time, capped by their counts).
    pub records: u64,
    /// Memory the run needs, in bytes.
    pub bytes: u64,
}

/// The size of `spec`'s run.
pub fn estimate(spec: &ScenarioSpec) -> Estimate {
    let run = spec.run_for.as_us();
    let records: u64 = spec
        .producers
        .iter()
        .map(|p| {
            let end = p.stop.map_or(run, |s| s.as_us().min(run));
            let active_us = end.saturating_sub(p.start.as_us()) as u128;
            // rate_per_ks records per 1,000 s = per 10^9 µs; one more for the first at `start`.
            let n = (active_us * p.rate_per_ks as u128 / 1_000_000_000) as u64;
            let n = n.saturating_add(u64::from(p.rate_per_ks > 0));
            p.count.map_or(n, |c| n.min(c))
        })
        .fold(0u64, u64::saturating_add);
    // `add broker` actions start more brokers during the run.
    let brokers = spec.cluster.brokers as u64 + spec.added_brokers() as u64;
    let nodes = brokers + 1 + spec.producers.len() as u64 + spec.consumers.len() as u64;
    // The internal `__consumer_offsets` topic counts like any other (`offsets.topic.num.partitions`
    // is a Kafka int: two billion partitions must be refused here, not allocated).
    let internal = internal_topics(spec);
    let replicas: u64 = spec
        .topics
        .iter()
        .map(|t| t.partitions as u64 * t.replication_factor as u64)
        .chain(internal.iter().map(|(p, rf)| p * rf))
        // A reassignment adds its new replicas (the old ones stay until the new ones caught up).
        .chain(spec.schedule.iter().map(|s| match &s.fault {
            Fault::Reassign { replicas, .. } => replicas.len() as u64,
            _ => 0,
        }))
        .fold(0u64, u64::saturating_add);
    let partitions: u64 = spec
        .topics
        .iter()
        .map(|t| t.partitions as u64)
        .chain(internal.iter().map(|(p, _)| *p))
        .fold(0u64, u64::saturating_add);
    let clients = spec.producers.len() as u64 + spec.consumers.len() as u64;
    let metadata = partitions
        .saturating_mul(BYTES_PER_PARTITION_PER_BROKER)
        .saturating_add(replicas.saturating_mul(BYTES_PER_REPLICA_PER_BROKER))
        .saturating_mul(brokers)
        .saturating_add(
            partitions
                .saturating_mul(clients)
                .saturating_mul(BYTES_PER_PARTITION_PER_CLIENT),
        );
    // Segments: a short `segment.ms` (or `log.roll.ms`) rolls one per batch at worst, on every
    // replica; retention frees them, but the estimate does not count on it.
    let run_ms = run / 1_000;
    let segments: u64 = spec
        .topics
        .iter()
        .map(|t| {
            let roll_ms = spec
                .cluster
                .config
                .log
                .resolve(&t.config.log)
                .segment_ms
                .max(1);
            let per_replica = (run_ms / roll_ms)
                .saturating_add(1)
                .min(records.saturating_add(1));
            per_replica
                .saturating_mul(t.partitions as u64)
                .saturating_mul(t.replication_factor as u64)
        })
        .fold(0u64, u64::saturating_add);
    let bytes = records
        .saturating_mul(BYTES_PER_RECORD)
        .saturating_add(segments.saturating_mul(BYTES_PER_SEGMENT))
        .saturating_add(nodes.saturating_mul(nodes).saturating_mul(BYTES_PER_LINK))
        .saturating_add(replicas.saturating_mul(BYTES_PER_REPLICA))
        .saturating_add(metadata);
    Estimate { records, bytes }
}

/// The most `__consumer_offsets` partitions per broker a run takes. A broker's group coordinator
/// loads every partition it comes to lead, and each load ends with a check that reads every
/// shard the broker holds: loads that end apart cost work growing with the square of the
/// shards. 30,000 partitions on 3 brokers, one of them shut down, read a billion shards
/// ([`MAX_FETCH_READS`]) in 2.4 simulated seconds. The bound keeps the loads within it; a long
/// run with many shards can still reach it later, since each check of a group's deadlines also
/// reads every shard once per shard that wrote (it stops there with the reason).
pub const MAX_OFFSETS_PARTITIONS_PER_BROKER: u64 = 4_000;

/// `(partitions, replication factor)` of the internal topics `spec` creates.
#[cfg(feature = "groups")]
fn internal_topics(spec: &ScenarioSpec) -> Vec<(u64, u64)> {
    let cfg = &spec.cluster.config.group;
    let rf = cfg.offsets_topic_replication_factor;
    if crate::coordinator::group::offsets_topic::wanted(spec) && rf <= spec.cluster.brokers {
        vec![(cfg.offsets_topic_num_partitions as u64, rf as u64)]
    } else {
        Vec::new()
    }
}

#[cfg(not(feature = "groups"))]
fn internal_topics(_: &ScenarioSpec) -> Vec<(u64, u64)> {
    Vec::new()
}

/// `Ok` with the estimate if `spec` fits the budget, else why not, in a sentence a reader can act on.
pub fn check(spec: &ScenarioSpec) -> Result<Estimate, String> {
    if spec.run_for > MAX_RUN {
        return Err(format!(
            "a run lasts at most {} (one simulated day); this one asks for {}",
            MAX_RUN, spec.run_for
        ));
    }
    let e = estimate(spec);
    let record_bytes = e.records.saturating_mul(BYTES_PER_RECORD);
    if e.bytes > MEMORY_BUDGET_BYTES && record_bytes < e.bytes / 2 {
        // Most of it is the cluster itself: brokers, partitions, replicas, clients.
        return Err(format!(
            "the cluster's brokers, partitions, replicas and clients (with about {} records) \
             would need about {} of memory, more than the simulator's budget of {} per run; \
             use fewer brokers, partitions, replicas or clients",
            human_count(e.records),
            human_bytes(e.bytes),
            human_bytes(MEMORY_BUDGET_BYTES)
        ));
    }
    if e.bytes > MEMORY_BUDGET_BYTES {
        return Err(format!(
            "about {} records over {} s of simulated time would need about {} of memory, more \
             than the simulator's budget of {} per run; lower the rates, shorten `run` or set a \
             `count=`",
            human_count(e.records),
            spec.run_for.as_us() / 1_000_000,
            human_bytes(e.bytes),
            human_bytes(MEMORY_BUDGET_BYTES)
        ));
    }
    if let Some((offsets, _)) = internal_topics(spec).first() {
        let most = MAX_OFFSETS_PARTITIONS_PER_BROKER * u64::from(spec.cluster.brokers);
        if *offsets > most {
            return Err(format!(
                "offsets.topic.num.partitions={offsets} is more than the simulator takes with {} \
                 broker{}: at most {most} ({MAX_OFFSETS_PARTITIONS_PER_BROKER} per broker; a group \
                 coordinator's loads do work that grows with the square of the partitions a broker \
                 leads). Kafka's default is 50",
                spec.cluster.brokers,
                if spec.cluster.brokers == 1 { "" } else { "s" }
            ));
        }
    }
    // After the memory checks: it places every partition's replicas.
    let idle = idle_fetch_events(spec);
    let reads = idle_reads(spec);
    if reads > MAX_FETCH_READS {
        return Err(format!(
            "the brokers would read at least {} partitions over {} s of simulated time, idle \
             (each follower's fetch and each periodic check reads its partitions: ISR \
             expiration every replica.lag.time.max.ms / 2, high-watermark checkpoints, \
             retention checks), more than the {} M one run may take; use fewer partitions or \
             brokers, longer check intervals, or shorten `run`",
            human_count(reads),
            spec.run_for.as_us() / 1_000_000,
            MAX_FETCH_READS / 1_000_000
        ));
    }
    let brokers = idle_broker_events(spec);
    if idle.saturating_add(brokers) > MAX_EVENTS {
        return Err(format!(
            "the brokers' own requests alone would take at least {} events over {} s of \
             simulated time, more than the {} M one run may take (each broker asks the \
             controller for metadata every 500 ms and heartbeats every \
             broker.heartbeat.interval.ms={}, and each that holds a follower fetches at least \
             every replica.fetch.wait.max.ms={}); use fewer brokers or shorten `run`",
            human_count(idle.saturating_add(brokers)),
            spec.run_for.as_us() / 1_000_000,
            MAX_EVENTS / 1_000_000,
            spec.cluster.config.broker_heartbeat_interval_ms,
            spec.cluster.config.replica_fetch_wait_max_ms
        ));
    }
    Ok(e)
}

fn human_count(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=9_999_999 => format!("{} k", n / 1_000),
        _ => format!("{} M", n / 1_000_000),
    }
}

fn human_bytes(b: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if b >= 1024 * MB {
        format!(
            "{}.{} GB",
            b / (1024 * MB),
            b % (1024 * MB) * 10 / (1024 * MB)
        )
    } else {
        format!("{} MB", b.div_ceil(MB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ProducerSpec, TopicSpec};

    fn spec(rate_per_sec: u64, secs: u64) -> ScenarioSpec {
        let mut s = ScenarioSpec {
            run_for: SimTime::from_secs(secs),
            ..ScenarioSpec::default()
        };
        s.topics.push(TopicSpec::new("t", 3, 3));
        let mut p = ProducerSpec::new("p", "t");
        p.rate_per_ks = rate_per_sec * 1_000;
        s.producers.push(p);
        s
    }

    #[test]
    fn estimates_records_from_rates_and_refuses_what_cannot_fit() {
        // The 10-minute standard run's size (10,000 records/s) fits.
        let e = check(&spec(10_000, 600)).unwrap();
        assert_eq!(e.records, 6_000_001);
        // One producer at 1 M/s for 30 s does not: 30 M records, about 6 GB.
        let err = check(&spec(1_000_000, 30)).unwrap_err();
        assert!(err.contains("30 M records"), "{err}");
        // A count caps the estimate.
        let mut s = spec(1_000_000, 30);
        s.producers[0].count = Some(1_000);
        assert_eq!(check(&s).unwrap().records, 1_000);
        // Runs longer than a day are refused whatever their rate.
        assert!(check(&spec(0, 2 * 86_400))
            .unwrap_err()
            .contains("one simulated day"));
    }

    #[test]
    fn a_cluster_too_large_is_refused_for_its_size_not_its_records() {
        // 1,000 brokers with 1,000 partitions × 1,000 replicas took more than 4 GB (every broker's
        // metadata holds every replica list): refused, and the message names the cluster.
        let mut s = spec(0, 1);
        s.cluster.brokers = 1_000;
        s.topics[0] = TopicSpec::new("t", 1_000, 1_000);
        let err = check(&s).unwrap_err();
        assert!(err.contains("fewer brokers, partitions, replicas"), "{err}");
        // 1,000 brokers with 300 × 100 peaked at 396 MB: accepted.
        s.topics[0] = TopicSpec::new("t", 300, 100);
        let e = check(&s).unwrap();
        assert!(e.bytes > 300 << 20 && e.bytes < 600 << 20, "{}", e.bytes);
        // Reassignments count the replicas they add: 200 of a partition to all 1,000 brokers.
        s.topics[0] = TopicSpec::new("t", 1_000, 1);
        assert!(check(&s).is_ok());
        for p in 0..200 {
            s.schedule.push(crate::spec::Scheduled {
                at: SimTime::from_secs(1),
                fault: Fault::Reassign {
                    partition: crate::spec::TopicPartition::new("t", p),
                    replicas: (1..=1_000).collect(),
                },
            });
        }
        assert!(check(&s).is_err());
    }
}
