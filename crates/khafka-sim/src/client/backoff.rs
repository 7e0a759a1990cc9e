//! Kafka's client backoffs (KIP-580, Kafka 3.7+), shared by the producer and the consumer:
//! `ExponentialBackoff`, and when a client may ask for metadata again (`Metadata.timeToAllowUpdate`).
//!
//! Kafka's rules (clients/src/main/java/org/apache/kafka/clients/Metadata.java):
//! - an update is allowed `backoff(attempts - 1)` after the last refresh (`backoff(0)` when no
//!   request failed): so never sooner than `retry.backoff.ms` after the previous answer;
//! - and `backoff(equivalentResponseCount - 1)` after it, when the last answers taught nothing new:
//!   an answer counts as equivalent unless a partition's leader epoch rose (or was seen first), so
//!   a client asking again and again while an election is pending waits 100, 200, 400, 800 ms, then
//!   `retry.backoff.max.ms`;
//! - `backoff(n)` is `ExponentialBackoff(retry.backoff.ms, 2, retry.backoff.max.ms, 0.2)`.
//!
//! Kafka draws the jitter each time its network thread polls; here it is drawn once, when the
//! client wants an update. Metadata is also refreshed `metadata.max.age.ms` (5 minutes) after the
//! last answer when nothing asked sooner (`Metadata.timeToNextUpdate`).

use crate::ctx::{Ctx, Node, Timer};
use crate::msg::Msg;
use crate::protocol::Metadata;
use crate::rng::SimRng;
use crate::spec::BrokerId;
use serde::Serialize;

/// Kafka's `ExponentialBackoff` (multiplier 2, jitter 0.2) for attempt `n`, in µs: `base × 2^n`
/// with ±20% jitter, capped at `max`.
pub(crate) fn exponential_backoff_us(rng: &mut SimRng, base_ms: u64, n: u32, max_ms: u64) -> u64 {
    exponential_backoff_jitter_us(rng, base_ms, n, max_ms, 200)
}

/// [`exponential_backoff_us`] with a jitter of ±`jitter_per_mille` ‰ (Kafka's `jitter` × 1000).
pub(crate) fn exponential_backoff_jitter_us(
    rng: &mut SimRng,
    base_ms: u64,
    n: u32,
    max_ms: u64,
    jitter_per_mille: u64,
) -> u64 {
    // `ExponentialBackoff`'s constructor: the initial interval is at most the maximum, and when
    // the maximum is not above it the backoff is that interval, constant and without jitter
    // (`expMax == 0`): `retry.backoff.ms=1000000` waits `retry.backoff.max.ms`, one second.
    let initial = base_ms.min(max_ms);
    if max_ms <= initial {
        return initial.saturating_mul(1_000);
    }
    // initial · 2^min(n, expMax), where initial · 2^expMax is the maximum.
    let ms = initial.saturating_mul(1u64 << n.min(30)).min(max_ms);
    // Integer jitter: 800..=1200 per mille for 0.2 (ms × per mille = µs), then capped at the
    // maximum (`Math.min(backoffValue, maxInterval)`).
    ms.saturating_mul(1000 - jitter_per_mille + rng.below(2 * jitter_per_mille + 1))
        .min(max_ms.saturating_mul(1_000))
}

/// The refresh backoff's state (`Metadata`'s `lastRefreshMs`, `attempts` and
/// `equivalentResponseCount`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RefreshBackoff {
    /// When the last metadata request was answered or failed; `None` before the first (Kafka's
    /// 0: the first update is allowed at once).
    last_refresh_us: Option<u64>,
    /// Requests that failed (timed out or disconnected) since the last answer.
    attempts: u32,
    /// Answers in a row in which no partition's leader epoch rose.
    equivalent: u32,
}

impl RefreshBackoff {
    /// The earliest instant (µs) the next metadata request may be sent.
    pub fn allowed_at_us(&self, rng: &mut SimRng, base_ms: u64, max_ms: u64) -> u64 {
        let Some(last) = self.last_refresh_us else {
            return 0;
        };
        let for_attempts = exponential_backoff_us(rng, base_ms, self.attempts.max(1) - 1, max_ms);
        let for_equivalent = match self.equivalent {
            0 => 0,
            n => exponential_backoff_us(rng, base_ms, n - 1, max_ms),
        };
        last.saturating_add(for_attempts.max(for_equivalent))
    }

    /// An answer arrived at `now_us`; `progressed`: a partition's leader epoch rose, or was
    /// learnt for the first time (`Metadata.update`, `updateLatestMetadata`).
    pub fn answered(&mut self, now_us: u64, progressed: bool) {
        self.last_refresh_us = Some(now_us);
        self.attempts = 0;
        self.equivalent = if progressed {
            0
        } else {
            self.equivalent.saturating_add(1)
        };
    }

    /// The metadata is older than `metadata.max.age.ms`: a refresh now is periodic, and answers
    /// in a row that taught nothing no longer count (`Metadata.timeToAllowUpdate`: "Periodic
    /// updates based on expiration resets the equivalent response count").
    pub fn expired(&mut self) {
        self.equivalent = 0;
    }

    /// A request failed at `now_us` (`Metadata.failedUpdate`).
    pub fn failed(&mut self, now_us: u64) {
        self.last_refresh_us = Some(now_us);
        self.attempts = self.attempts.saturating_add(1);
        self.equivalent = 0;
    }
}

/// One broker as Kafka's `NetworkClient.leastLoadedNode` sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeLoad {
    pub broker: BrokerId,
    /// `canSendRequest`: the connection is ready and may take one more request.
    pub can_send: bool,
    /// Requests in flight on the connection (`inFlightRequests.count`).
    pub in_flight: u32,
    /// A connection attempt is under way (`isPreparingConnection`).
    pub connecting: bool,
    /// Disconnected and past its reconnect backoff (`canConnect`).
    pub can_connect: bool,
    /// When the client last tried to connect (`lastConnectAttemptMs`; 0: never), in µs.
    pub last_attempt_us: u64,
}

/// Kafka's `NetworkClient.leastLoadedNode` over `nodes` (the index of the one chosen), scanned
/// from `offset` (Kafka draws it at random for each call): the first node that can take a
/// request and has none in flight; else the one with the fewest in flight (the first found
/// among equals); else one whose connection is being set up (the last found); else one it may
/// connect to, tried longest ago (the first found among equals); else none.
pub fn least_loaded_node(offset: usize, nodes: &[NodeLoad]) -> Option<usize> {
    let mut ready: Option<(usize, u32)> = None;
    let mut connecting = None;
    let mut can_connect: Option<usize> = None;
    for i in 0..nodes.len() {
        let idx = (offset + i) % nodes.len();
        let n = &nodes[idx];
        if n.can_send {
            if n.in_flight == 0 {
                return Some(idx);
            }
            if ready.is_none_or(|(_, least)| n.in_flight < least) {
                ready = Some((idx, n.in_flight));
            }
        } else if n.connecting {
            connecting = Some(idx);
        } else if n.can_connect
            && can_connect.is_none_or(|c| nodes[c].last_attempt_us > n.last_attempt_us)
        {
            can_connect = Some(idx);
        }
    }
    ready.map(|(i, _)| i).or(connecting).or(can_connect)
}

/// A client's metadata requests, shared by the producer and the consumer: one request at a
/// time, to the least loaded broker ([`least_loaded_node`]), no sooner than the
/// [`RefreshBackoff`] allows; and the last leader epoch an answer named for each of the client's
/// partitions, kept when it named no leader (`Metadata.lastSeenLeaderEpochs`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MetadataUpdater {
    /// The request in flight, or the backoff timer of the one waiting to be sent (`waiting`).
    in_flight: Option<u64>,
    waiting: bool,
    /// The broker the request in flight went to.
    to_broker: u32,
    /// The brokers the last answer named alive (`Metadata.fetch().nodes()`); before the first,
    /// the bootstrap servers: the cluster's initial brokers.
    nodes: Vec<BrokerId>,
    backoff: RefreshBackoff,
    seen_epochs: Vec<Option<u32>>,
    times: RequestTimes,
    /// When the last answer was taken (µs), and whether a [`Timer::MetadataMaxAge`] is set (one
    /// at a time: it sets the next when it fires early).
    last_answer_us: Option<u64>,
    max_age_timer: bool,
}

/// A client's `retry.backoff.ms`, `retry.backoff.max.ms`, `request.timeout.ms` and
/// `reconnect.backoff.ms`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RequestTimes {
    pub retry_backoff_ms: u64,
    pub retry_backoff_max_ms: u64,
    pub request_timeout_ms: u64,
    /// How long the client waits before it looks for a broker again when none can take a
    /// request (`DefaultMetadataUpdater.maybeUpdate` returns `reconnectBackoffMs`).
    pub reconnect_backoff_ms: u64,
    /// `metadata.max.age.ms`: a refresh this long after the last answer taken.
    pub metadata_max_age_ms: u64,
}

/// What the client knows of its connection to a broker at an instant (µs), for
/// [`least_loaded_node`].
pub type Loads<'a> = &'a dyn Fn(BrokerId, u64) -> NodeLoad;

/// What a client lends its [`MetadataUpdater`]: its random streams and its connections' loads.
pub struct Lent<'a> {
    /// The refresh backoff's jitter.
    pub jitter: &'a mut SimRng,
    /// Where `leastLoadedNode` starts its scan (Kafka's `NetworkClient.randOffset`).
    pub nodes: &'a mut SimRng,
    pub loads: Loads<'a>,
}

impl MetadataUpdater {
    /// For a client of `partitions` partitions, with its request `times`.
    pub fn new(partitions: usize, times: RequestTimes) -> Self {
        MetadataUpdater {
            seen_epochs: vec![None; partitions],
            times,
            ..MetadataUpdater::default()
        }
    }

    /// Whether a request is in flight or waiting for its backoff.
    pub fn in_flight(&self) -> bool {
        self.in_flight.is_some()
    }

    /// Asks for metadata as soon as the backoff allows: at once, or when a timer set for that
    /// instant fires ([`MetadataUpdater::on_timeout`]). Nothing if a request is already out.
    pub fn request(&mut self, ctx: &mut Ctx, c: &mut Lent) {
        if self.in_flight.is_some() {
            return;
        }
        let now = ctx.now.as_us();
        let t = self.times;
        if self.max_age_due_us().is_some_and(|due| now >= due) {
            self.backoff.expired();
        }
        let at = self
            .backoff
            .allowed_at_us(c.jitter, t.retry_backoff_ms, t.retry_backoff_max_ms);
        let req_id = ctx.req_id();
        if at > now {
            self.wait(ctx, req_id, at - now);
        } else {
            self.send(ctx, req_id, c);
        }
    }

    fn wait(&mut self, ctx: &mut Ctx, req_id: u64, us: u64) {
        self.in_flight = Some(req_id);
        self.waiting = true;
        ctx.timer_after_us(us, Timer::RequestTimeout { req_id });
    }

    /// Sends the request to the least loaded broker; with none that can take it, looks again
    /// after `reconnect.backoff.ms` ("Give up sending metadata request since no node is
    /// available"). Kafka first connects to a broker it has no connection to; here the request
    /// goes at once (the producer's and consumer's connection setup is not modelled for it).
    fn send(&mut self, ctx: &mut Ctx, req_id: u64, c: &mut Lent) {
        let now = ctx.now.as_us();
        let bootstrap = ctx.topo.initial_brokers;
        let at_bootstrap = |nodes: &[BrokerId]| {
            nodes.len() == bootstrap as usize && (1..=bootstrap).all(|b| nodes[b as usize - 1] == b)
        };
        if self.nodes.is_empty() {
            self.rebootstrap(bootstrap);
        }
        let mut chosen = self.pick(c, now);
        // `metadata.recovery.strategy=rebootstrap` (Kafka 4's default): with no broker available
        // the client goes back to its bootstrap servers.
        if chosen.is_none() && !at_bootstrap(&self.nodes) {
            self.rebootstrap(bootstrap);
            chosen = self.pick(c, now);
        }
        let Some(broker) = chosen else {
            let backoff = crate::time::ms_to_us(self.times.reconnect_backoff_ms).max(1);
            self.wait(ctx, req_id, backoff);
            return;
        };
        self.to_broker = broker;
        self.in_flight = Some(req_id);
        self.waiting = false;
        ctx.send(
            Node::Broker(broker),
            Msg::Metadata(Metadata::Request { req_id }),
        );
        ctx.timer_after_ms(
            self.times.request_timeout_ms,
            Timer::RequestTimeout { req_id },
        );
    }

    /// The known brokers become the bootstrap servers, the cluster's initial brokers.
    fn rebootstrap(&mut self, initial_brokers: u32) {
        self.nodes.clear();
        for b in 1..=initial_brokers {
            self.nodes.push(b);
        }
    }

    /// [`least_loaded_node`] over the known brokers, from a random start.
    fn pick(&self, c: &mut Lent, now: u64) -> Option<BrokerId> {
        Self::pick_among(&self.nodes, c, now)
    }

    /// `NetworkClient.leastLoadedNode` for a request other than metadata (a group member's
    /// `FindCoordinator`): over the brokers the last answer named alive, or the bootstrap servers
    /// (the cluster's `initial_brokers`) before the first answer.
    pub fn least_loaded(&self, c: &mut Lent, now: u64, initial_brokers: u32) -> Option<BrokerId> {
        if self.nodes.is_empty() {
            let bootstrap: Vec<BrokerId> = (1..=initial_brokers).collect();
            return Self::pick_among(&bootstrap, c, now);
        }
        self.pick(c, now)
    }

    fn pick_among(nodes: &[BrokerId], c: &mut Lent, now: u64) -> Option<BrokerId> {
        if nodes.is_empty() {
            return None;
        }
        let mut loads = Vec::with_capacity(nodes.len());
        for &b in nodes {
            loads.push((c.loads)(b, now));
        }
        let offset = c.nodes.below(loads.len() as u64) as usize;
        least_loaded_node(offset, &loads).map(|i| loads[i].broker)
    }

    /// The request in flight failed (`failedUpdate`): ask again after the backoff for one more
    /// failed attempt.
    fn failed(&mut self, ctx: &mut Ctx, c: &mut Lent) {
        self.in_flight = None;
        self.backoff.failed(ctx.now.as_us());
        self.request(ctx, c);
    }

    /// A `RequestTimeout` timer fired for the request waiting for its backoff: it is sent.
    /// `false` if the timer is not about it. (A request in flight that times out closes its
    /// connection: the client calls [`MetadataUpdater::on_connection_closed`], see
    /// [`MetadataUpdater::sent_to`].)
    pub fn on_timeout(&mut self, ctx: &mut Ctx, c: &mut Lent, req_id: u64) -> bool {
        if self.in_flight != Some(req_id) || !self.waiting {
            return false;
        }
        self.send(ctx, req_id, c);
        true
    }

    /// The connection of request `req_id` closed: `true` if it was the metadata request in flight
    /// (asked again after the backoff).
    pub fn on_disconnect(&mut self, ctx: &mut Ctx, c: &mut Lent, req_id: u64) -> bool {
        if self.in_flight != Some(req_id) || self.waiting {
            return false;
        }
        self.failed(ctx, c);
        true
    }

    /// The broker the metadata request `req_id` went to, if it is the one in flight (sent, not
    /// waiting for its backoff).
    pub fn sent_to(&self, req_id: u64) -> Option<BrokerId> {
        (self.in_flight == Some(req_id) && !self.waiting).then_some(self.to_broker)
    }

    /// The broker the metadata request in flight went to, if one is.
    pub fn in_flight_to(&self) -> Option<BrokerId> {
        self.in_flight.and_then(|id| self.sent_to(id))
    }

    /// The client closed its connection to `broker` (a request to it timed out): a metadata
    /// request in flight to it fails with the rest (`NetworkClient.cancelInFlightRequests` →
    /// `handleFailedRequest`) and is asked again after the backoff. `true` if there was one.
    pub fn on_connection_closed(&mut self, ctx: &mut Ctx, c: &mut Lent, broker: u32) -> bool {
        if self.in_flight.is_none() || self.waiting || self.to_broker != broker {
            return false;
        }
        self.failed(ctx, c);
        true
    }

    /// The brokers an answer named alive become the ones requests go to (kept if it named none).
    pub fn learn_brokers(&mut self, brokers: Vec<BrokerId>) {
        if !brokers.is_empty() {
            self.nodes = brokers;
        }
    }

    /// An answer to `req_id`: `true` (and no request out any more) if it is the one in flight.
    pub fn take_answer(&mut self, req_id: u64) -> bool {
        if self.in_flight != Some(req_id) {
            return false;
        }
        self.in_flight = None;
        true
    }

    /// Whether an answer's `epoch` for the client's partition `i` is taken: not older than the
    /// last one seen (`updateLatestMetadata`); `progressed` is set when it is newer, or the first.
    pub fn accept(&mut self, i: usize, epoch: u32, progressed: &mut bool) -> bool {
        let seen = self.seen_epochs[i];
        *progressed |= seen.is_none_or(|e| epoch > e);
        if seen.is_some_and(|e| epoch < e) {
            return false;
        }
        self.seen_epochs[i] = Some(epoch);
        true
    }

    /// Whether broker `b` is among the brokers the last answer named alive.
    pub fn knows_broker(&self, b: BrokerId) -> bool {
        self.nodes.contains(&b)
    }

    /// The newest leader epoch seen for partition `i` (with or without a leader).
    pub fn seen_epoch(&self, i: usize) -> Option<u32> {
        self.seen_epochs[i]
    }

    /// KIP-951 (`Metadata.updatePartitionLeadership`): whether the leader an error answer names
    /// for partition `i` is news to a client whose metadata says `current` (leader, epoch); if
    /// so it is seen ([`MetadataUpdater::saw_leader`]). Not news when its epoch is not newer than
    /// the partition's in the client's metadata, with or without a leader
    /// (`currentLeader(partition).epoch`), nor when it names a broker neither alive in the answer
    /// nor known.
    pub fn leader_hint(
        &mut self,
        i: usize,
        current: Option<(BrokerId, u32)>,
        hint: crate::protocol::CurrentLeader,
    ) -> bool {
        let known = self.seen_epoch(i).max(current.map(|l| l.1));
        if known.is_some_and(|e| hint.leader_epoch <= e)
            || (!hint.alive && !self.knows_broker(hint.leader))
        {
            return false;
        }
        self.saw_leader(i, hint.leader_epoch, hint.leader, hint.alive);
        true
    }

    /// An error answer named partition `i`'s leader `leader` with a newer `epoch`, alive
    /// (KIP-951's `Metadata.updatePartitionLeadership`: the epoch is seen, and the answer's
    /// endpoint of an alive leader joins the known brokers).
    pub fn saw_leader(&mut self, i: usize, epoch: u32, leader: BrokerId, alive: bool) {
        if self.seen_epochs[i].is_none_or(|e| e < epoch) {
            self.seen_epochs[i] = Some(epoch);
        }
        if alive && !self.nodes.is_empty() && !self.nodes.contains(&leader) {
            self.nodes.push(leader);
        }
    }

    /// The answer taken was read now; `progressed` as [`MetadataUpdater::accept`] set it. Kafka
    /// refreshes again `metadata.max.age.ms` after it even when nothing asks
    /// (`Metadata.timeToNextUpdate`: the time to expire from `lastSuccessfulRefreshMs`).
    pub fn answered(&mut self, ctx: &mut Ctx, progressed: bool) {
        let now = ctx.now.as_us();
        self.backoff.answered(now, progressed);
        self.last_answer_us = Some(now);
        if !self.max_age_timer {
            self.arm_max_age(ctx);
        }
    }

    /// When the metadata of the last answer is `metadata.max.age.ms` old.
    fn max_age_due_us(&self) -> Option<u64> {
        let age = crate::time::ms_to_us(self.times.metadata_max_age_ms);
        self.last_answer_us.map(|a| a.saturating_add(age))
    }

    /// Sets the [`Timer::MetadataMaxAge`] for the last answer's age.
    fn arm_max_age(&mut self, ctx: &mut Ctx) {
        if let Some(due) = self.max_age_due_us() {
            self.max_age_timer = true;
            ctx.timer_after_us(due.saturating_sub(ctx.now.as_us()), Timer::MetadataMaxAge);
        }
    }

    /// The [`Timer::MetadataMaxAge`] fired: metadata `metadata.max.age.ms` old is refreshed
    /// (within the backoff, as any refresh); if a later answer came, the timer is set for its
    /// age instead.
    pub fn on_max_age(&mut self, ctx: &mut Ctx, c: &mut Lent) {
        self.max_age_timer = false;
        match self.max_age_due_us() {
            Some(due) if ctx.now.as_us() >= due => self.request(ctx, c),
            Some(_) => self.arm_max_age(ctx),
            None => {}
        }
    }

    /// The client now has `partitions` partitions (a Kafka Streams producer's changelogs; set
    /// before the run starts).
    pub fn resize(&mut self, partitions: usize) {
        self.seen_epochs = vec![None; partitions];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bounds of a jittered backoff of `ms` (±20%, capped at `max_ms`).
    fn within(us: u64, ms: u64, max_ms: u64) -> bool {
        let lo = ms * 800;
        let hi = (ms * 1_200).min(max_ms * 1_000);
        (lo..=hi).contains(&us)
    }

    #[test]
    fn the_first_request_goes_at_once_and_the_next_not_before_retry_backoff() {
        let mut rng = SimRng::derive(1, "metadata");
        let mut b = RefreshBackoff::default();
        assert_eq!(b.allowed_at_us(&mut rng, 100, 1_000), 0);
        b.answered(5_000_000, true);
        let at = b.allowed_at_us(&mut rng, 100, 1_000);
        assert!(within(at - 5_000_000, 100, 1_000), "{at}");
    }

    /// Metadata older than `metadata.max.age.ms` forgets the answers in a row that taught
    /// nothing (`Metadata.timeToAllowUpdate`): the next refresh waits `retry.backoff.ms`, not the
    /// second it had reached.
    #[test]
    fn expired_metadata_forgets_equivalent_answers() {
        let mut rng = SimRng::derive(3, "metadata");
        let mut b = RefreshBackoff::default();
        for _ in 0..6 {
            b.answered(0, false);
        }
        assert!(within(b.allowed_at_us(&mut rng, 100, 1_000), 1_000, 1_000));
        b.expired();
        let at = b.allowed_at_us(&mut rng, 100, 1_000);
        assert!(within(at, 100, 1_000), "{at}");
    }

    #[test]
    fn equivalent_answers_back_off_exponentially_up_to_the_maximum() {
        let mut rng = SimRng::derive(2, "metadata");
        let mut b = RefreshBackoff::default();
        b.answered(0, true);
        for (answers, ms) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1_000),
            (9, 1_000),
        ] {
            let mut b = b;
            for _ in 0..answers {
                b.answered(0, false);
            }
            for _ in 0..50 {
                let at = b.allowed_at_us(&mut rng, 100, 1_000);
                assert!(within(at, ms, 1_000), "{answers} answers: {at} µs");
            }
        }
        // An answer with a new leader epoch ends it.
        b.answered(0, false);
        b.answered(0, false);
        b.answered(0, true);
        assert!(within(b.allowed_at_us(&mut rng, 100, 1_000), 100, 1_000));
    }

    #[test]
    fn failed_requests_back_off_by_attempts_and_reset_the_equivalent_count() {
        let mut rng = SimRng::derive(3, "metadata");
        let mut b = RefreshBackoff::default();
        for _ in 0..4 {
            b.answered(0, false);
        }
        b.failed(0);
        assert!(within(b.allowed_at_us(&mut rng, 100, 1_000), 100, 1_000));
        b.failed(0);
        b.failed(0);
        assert!(within(b.allowed_at_us(&mut rng, 100, 1_000), 400, 1_000));
    }

    /// `NetworkClient.leastLoadedNode`'s preferences, case by case: `R<n>` a ready connection
    /// with `n` requests in flight, `C` a connection being set up, `D<t>` a closed one past its
    /// backoff last tried at `t`, `-` one that can do nothing now.
    #[test]
    fn the_least_loaded_node_is_kafkas() {
        let node = |s: &str| {
            let (kind, n) = s.split_at(1);
            let n: u64 = n.parse().unwrap_or(0);
            match kind {
                "R" => NodeLoad {
                    can_send: true,
                    in_flight: n as u32,
                    ..NodeLoad::default()
                },
                "C" => NodeLoad {
                    connecting: true,
                    ..NodeLoad::default()
                },
                "D" => NodeLoad {
                    can_connect: true,
                    last_attempt_us: n,
                    ..NodeLoad::default()
                },
                _ => NodeLoad::default(),
            }
        };
        // (nodes, scan start, chosen index)
        let cases: &[(&str, usize, Option<usize>)] = &[
            // A ready node with nothing in flight ends the scan at once.
            ("R1 R0 R0", 0, Some(1)),
            ("R1 R0 R0", 2, Some(2)),
            // Otherwise the fewest in flight, the first found among equals.
            ("R2 R1 R1", 0, Some(1)),
            ("R2 R1 R1", 2, Some(2)),
            ("R3 R2 R5", 1, Some(1)),
            // Any ready node before one being set up, which comes before one to connect to.
            ("C D0 R4", 0, Some(2)),
            ("D0 C -", 0, Some(1)),
            // Several being set up: the last found.
            ("C C -", 0, Some(1)),
            ("C C -", 1, Some(0)),
            // To connect to: the one tried longest ago (never tried: 0), the first among equals.
            ("D5 D3 D9", 0, Some(1)),
            ("D0 D0 D0", 2, Some(2)),
            // Nothing available.
            ("- - -", 0, None),
            ("- - -", 2, None),
        ];
        for &(nodes, offset, want) in cases {
            let loads: Vec<NodeLoad> = nodes.split(' ').map(node).collect();
            assert_eq!(
                least_loaded_node(offset, &loads),
                want,
                "{nodes} from {offset}"
            );
        }
    }

    /// Kafka's `ExponentialBackoff` (`clients/…/common/utils/ExponentialBackoff.java`): doubling from the
    /// initial interval with ±20% jitter, never above the maximum; and an initial interval above
    /// the maximum is the maximum, constant and without jitter.
    #[test]
    fn backoff_doubles_with_jitter_up_to_the_maximum() {
        let mut rng = SimRng::derive(1, "backoff");
        for n in 0..12u32 {
            let us = exponential_backoff_us(&mut rng, 100, n, 1_000);
            let term = (100u64 << n).min(1_000) * 1_000;
            assert!(
                us >= term * 8 / 10 && us <= (term * 12 / 10).min(1_000_000),
                "{n}: {us}"
            );
        }
        // retry.backoff.ms above retry.backoff.max.ms: the maximum from the first attempt.
        for n in 0..5 {
            assert_eq!(
                exponential_backoff_us(&mut rng, 1_000_000, n, 1_000),
                1_000_000
            );
            assert_eq!(exponential_backoff_us(&mut rng, 1_000, n, 1_000), 1_000_000);
        }
        assert_eq!(exponential_backoff_us(&mut rng, 0, 3, 1_000), 0);
    }
}
