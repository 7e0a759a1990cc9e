//! What a handler may do: send messages, set timers, record provenance and trace events.
//!
//! Handlers (brokers, the controller, clients) never touch the event queue or the network directly.
//! They push [`Effect`]s into the outbox of a [`Ctx`]; the engine routes them. That keeps each actor a
//! pure function of its state and its input, testable alone (stateright's and raft-rs's shape).

use crate::log::{BatchId, BatchStore, RecordId};
use crate::msg::{FetchPartition, FetchedPartition, Msg, ProduceBatch};
use crate::provenance::Provenance;
use crate::spec::BrokerId;
use crate::time::SimTime;
use crate::topology::Topology;
use crate::trace::{HotEvent, Trace, TraceKind};
use serde::Serialize;

/// A node of the simulated network, by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Node {
    Broker(BrokerId),
    /// The single controller (no `controllers=` on the cluster line): never fails.
    Controller,
    Producer(u32),
    Consumer(u32),
    /// One controller of a KRaft quorum (`controllers=N`), by id `1..=N`.
    QuorumController(crate::protocol::raft::ControllerId),
}

/// Timers, each delivered back to the node that set it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Timer {
    // Broker timers.
    /// ZooKeeper mode: the session's next ping.
    Heartbeat,
    /// KRaft: the broker's next communication with the controller, the `seq`-th scheduled
    /// (`BrokerLifecycleManager.scheduleNextCommunication` replaces the one scheduled before).
    Communication {
        seq: u32,
    },
    /// KRaft: the heartbeat `req_id` may have timed out (the controller channel's request
    /// timeout, `broker.session.timeout.ms` / 2).
    HeartbeatTimeout {
        req_id: u64,
    },
    IsrExpiration,
    HwCheckpoint,
    /// Follower fetches unanswered after `replica.socket.timeout.ms` are abandoned.
    FetchTimeoutCheck {
        at_us: u64,
    },
    FetcherWake {
        leader: BrokerId,
    },
    /// Parked fetches past their `max_wait` are answered (one timer for the earliest deadline).
    ParkedFetchCheck {
        at_us: u64,
    },
    /// Parked acks=all produces past their timeout answer `REQUEST_TIMED_OUT`.
    ProduceDeadlineCheck {
        at_us: u64,
    },
    MetadataFetchTimeout {
        req_id: u64,
    },
    ShutdownDeadline,
    /// An `AlterPartition` made at `partition_epoch` still unanswered: send it again (the
    /// controller channel retries a request until it is answered).
    AlterPartitionRetry {
        part: crate::msg::PartIdx,
        partition_epoch: u32,
    },
    /// `log.retention.check.interval.ms`: delete old segments (`LogManager.cleanupLogs`).
    RetentionCheck,
    /// The log cleaner thread wakes (`log.cleaner.backoff.ms` after it found nothing to clean).
    CleanerWake,
    /// The group coordinator's earliest deadline (loads, sessions, join and sync phases, writes).
    #[cfg(feature = "groups")]
    GroupCoordinatorCheck {
        at_us: u64,
    },
    // Controller timers.
    SessionTimeout {
        broker: BrokerId,
        generation: u64,
    },
    LeaderImbalanceCheck,
    UncleanCheck,
    MetadataPollDeadline {
        broker: BrokerId,
        req_id: u64,
    },
    /// A quorum controller's Raft deadlines (election, fetch, check-quorum, parked fetches): one
    /// timer for the earliest (see [`CheckTimer`]).
    RaftPoll {
        at_us: u64,
    },
    // Client timers.
    Wake,
    /// The producer's sender loop, scheduled for `at_us`; stale ones (superseded) are ignored.
    SenderWake {
        at_us: u64,
    },
    RequestTimeout {
        req_id: u64,
    },
    /// A client's metadata may be `metadata.max.age.ms` old: refreshed if it is
    /// (`client/backoff.rs`, `MetadataUpdater::on_max_age`).
    MetadataMaxAge,
    /// Client requests unanswered after `request.timeout.ms` fail.
    RequestTimeoutCheck {
        at_us: u64,
    },
    /// An `acks=0` produce request's last byte has left the producer on a link with a bandwidth
    /// (`NetworkClient.handleCompletedSends`: a request that expects no response completes when
    /// its send does; `canSendMore` waits for it). Set by the engine, which routes the bytes.
    ProduceWritten {
        req_id: u64,
    },
    /// A group consumer's earliest deadline (heartbeat, auto-commit, backoff, request timeout).
    #[cfg(feature = "groups")]
    GroupTick {
        at_us: u64,
    },
    /// A group member's application: processing done, or a `commitSync()` retry due.
    #[cfg(feature = "groups")]
    AppTick {
        at_us: u64,
    },
}

#[derive(Clone, Debug)]
pub enum Effect {
    Send {
        from: Node,
        to: Node,
        msg: Msg,
    },
    Timer {
        node: Node,
        at: SimTime,
        timer: Timer,
    },
}

/// Counters the metrics sampler reads and resets each interval.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    pub isr_shrinks: u64,
    pub isr_expands: u64,
    pub leader_elections: u64,
    pub unclean_elections: u64,
    pub failed_produce_requests: u64,
    pub produce_requests: u64,
    /// Produce latencies (µs) in this interval, by acks: index 0 → acks=0, 1 → acks=1, 2 → all.
    pub produce_latency_us: [Vec<u64>; 3],
    /// Records whose send completed successfully in the interval.
    pub acked_records: u64,
    /// Bytes on the wire of the batches acknowledged in the interval.
    pub acked_bytes: u64,
}

/// Buffers handed back by receivers for senders to reuse. Fetches, produce requests and their
/// responses carry vectors (partitions, records) that the sender allocates and the receiver frees,
/// hundreds of thousands of times per run. Reuse is invisible to the model: a taken vector is always empty.
#[derive(Clone, Debug, Default)]
pub struct Pools {
    /// Batches of a fetched partition.
    pub batches: Pool<BatchId>,
    /// Partitions of a fetch response.
    pub fetched: Pool<FetchedPartition>,
    /// Partitions of a fetch request.
    pub fetch: Pool<FetchPartition>,
    /// Batches of a produce request.
    pub produce: Pool<ProduceBatch>,
    /// Record ids of a produce batch.
    pub record_ids: Pool<RecordId>,
    /// Per-partition results of a produce response.
    pub produce_results: Pool<crate::protocol::PartitionResponse>,
}

/// At most this many spare vectors are kept per pool, each of capacity at most `POOLED_CAPACITY_MAX`.
const POOLED_MAX: usize = 64;
const POOLED_CAPACITY_MAX: usize = 4_096;

#[derive(Clone, Debug)]
pub struct Pool<T> {
    spare: Vec<Vec<T>>,
}

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Pool { spare: Vec::new() }
    }
}

impl<T> Pool<T> {
    /// An empty vector, reusing a returned one if any.
    #[inline]
    pub fn take(&mut self) -> Vec<T> {
        self.spare.pop().unwrap_or_default()
    }

    /// Returns a vector for reuse (its contents are dropped).
    #[inline]
    pub fn give(&mut self, mut v: Vec<T>) {
        if v.capacity() > 0 && v.capacity() <= POOLED_CAPACITY_MAX && self.spare.len() < POOLED_MAX
        {
            v.clear();
            self.spare.push(v);
        }
    }
}

pub struct Ctx<'a> {
    pub now: SimTime,
    pub me: Node,
    pub topo: &'a Topology,
    pub out: &'a mut Vec<Effect>,
    pub prov: &'a mut Provenance,
    /// Every batch a leader appended (replicas' logs refer to them).
    pub batches: &'a mut BatchStore,
    pub trace: &'a mut Trace,
    pub counters: &'a mut Counters,
    pub next_req_id: &'a mut u64,
    /// Partitions read over the run: those the brokers read to answer fetches, those the
    /// consumers look at each time they decide what to fetch, and those a broker's periodic
    /// checks read (retention, the cleaner, ISR expiration, high-watermark checkpoints, offsets
    /// expiration). The work of a fetch or a check grows with its partitions, so the run's budget
    /// bounds them as it bounds events ([`crate::budget::MAX_FETCH_READS`]).
    pub fetch_reads: &'a mut u64,
    pub violations: &'a mut Vec<String>,
    pub producer_errors: &'a mut crate::vec_map::VecMap<&'static str, u64>,
    pub pools: &'a mut Pools,
    /// The network the engine routes messages through, read-only (none in the single-actor
    /// harness, whose links are unlimited).
    pub net: Option<&'a crate::net::network::Network>,
}

impl Ctx<'_> {
    pub fn send(&mut self, to: Node, msg: Msg) {
        self.out.push(Effect::Send {
            from: self.me,
            to,
            msg,
        });
    }

    pub fn timer_after_us(&mut self, after_us: u64, timer: Timer) {
        self.out.push(Effect::Timer {
            node: self.me,
            at: self.now.saturating_add_us(after_us),
            timer,
        });
    }

    pub fn timer_after_ms(&mut self, after_ms: u64, timer: Timer) {
        self.timer_after_us(after_ms.saturating_mul(1_000), timer);
    }

    pub fn req_id(&mut self) -> u64 {
        *self.next_req_id += 1;
        *self.next_req_id
    }

    pub fn emit(&mut self, kind: TraceKind) {
        self.trace.emit(self.now, kind);
    }

    /// Emits a frequent event without building a `TraceKind` (see [`HotEvent`]).
    #[inline]
    pub fn emit_hot(&mut self, ev: HotEvent) {
        self.trace.emit_hot(self.now, ev);
    }

    /// Records a broken invariant (the engine reports it with the seed and the event).
    pub fn violation(&mut self, text: String) {
        self.trace
            .emit(self.now, TraceKind::Violation { text: text.clone() });
        self.violations.push(format!("at {}: {}", self.now, text));
    }
}

/// One pending timer for "the earliest of many deadlines" (request timeouts and the like), instead of
/// one timer per request: a node arms it for its earliest deadline and re-arms it after handling.
/// A fired timer that is no longer the armed one is stale and ignored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckTimer {
    at_us: Option<u64>,
}

impl CheckTimer {
    /// Makes sure a check happens at or before `at_us`.
    pub fn arm(&mut self, ctx: &mut Ctx, at_us: u64, timer: fn(u64) -> Timer) {
        let now = ctx.now.as_us();
        if self.at_us.is_none_or(|a| at_us < a || a < now) {
            self.at_us = Some(at_us);
            ctx.timer_after_us(at_us.saturating_sub(now), timer(at_us));
        }
    }

    /// Whether a fired check for `at_us` is the armed one (and disarms it).
    pub fn fire(&mut self, at_us: u64) -> bool {
        if self.at_us == Some(at_us) {
            self.at_us = None;
            true
        } else {
            false
        }
    }

    pub fn reset(&mut self) {
        self.at_us = None;
    }
}
