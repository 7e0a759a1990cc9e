//! Kafka's `NetworkClient` as the producer uses it: connections to brokers (`ApiVersions` first,
//! reconnect backoff), and metadata requests.

use super::*;
use crate::client::backoff::{Lent, MetadataUpdater, NodeLoad, RequestTimes};

/// The producer's connection to one broker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Conn {
    /// Established: an answer came back since the last failure.
    pub up: bool,
    /// The `ApiVersions` request of a connection attempt in flight, if any.
    pub connecting: Option<u64>,
    /// Consecutive failed attempts (for the exponential backoff).
    pub failures: u32,
    /// No new attempt before this instant (µs).
    pub backoff_until_us: u64,
    /// When the last attempt started (µs; 0: never), for `leastLoadedNode`.
    pub last_attempt_us: u64,
}

/// The producer's connection to broker `b` at `now` (µs) as `leastLoadedNode` sees it: ready
/// once up, and it may take a request while it has fewer than
/// `max.in.flight.requests.per.connection` in flight.
fn node_load(
    conns: &[Conn],
    in_flight: &VecMap<u64, InFlight>,
    max_in_flight: u32,
    b: BrokerId,
    now: u64,
) -> NodeLoad {
    let c = conns.get(b as usize).copied().unwrap_or_default();
    let n = in_flight.values().filter(|f| f.broker == b).count() as u32;
    NodeLoad {
        broker: b,
        can_send: c.up && n < max_in_flight,
        in_flight: n,
        connecting: !c.up && c.connecting.is_some(),
        can_connect: !c.up && c.connecting.is_none() && now >= c.backoff_until_us,
        last_attempt_us: c.last_attempt_us,
    }
}

/// The producer's metadata request times (`retry.backoff.ms`, `retry.backoff.max.ms`,
/// `request.timeout.ms`).
pub(super) fn request_times(cfg: &crate::config::ProducerConfig) -> RequestTimes {
    RequestTimes {
        retry_backoff_ms: cfg.retry_backoff_ms,
        retry_backoff_max_ms: cfg.retry_backoff_max_ms,
        request_timeout_ms: cfg.request_timeout_ms,
        reconnect_backoff_ms: cfg.reconnect_backoff_ms,
        metadata_max_age_ms: cfg.metadata_max_age_ms,
    }
}

impl Producer {
    /// Asks for metadata as soon as Kafka's refresh backoff allows (`client/backoff.rs`).
    pub(super) fn request_metadata(&mut self, ctx: &mut Ctx) {
        self.with_metadata(ctx, &mut |m, ctx, c| {
            m.request(ctx, c);
            true
        });
    }

    /// Runs `f` on the metadata updater with the producer's random streams (backoff jitter,
    /// `leastLoadedNode`'s start) and its connections' loads.
    pub(super) fn with_metadata(
        &mut self,
        ctx: &mut Ctx,
        f: &mut dyn FnMut(&mut MetadataUpdater, &mut Ctx, &mut Lent) -> bool,
    ) -> bool {
        let max = self.spec.config.max_in_flight_requests_per_connection;
        let (conns, in_flight) = (&self.conns, &self.in_flight);
        let loads = move |b, now| node_load(conns, in_flight, max, b, now);
        let mut lent = Lent {
            jitter: &mut self.backoff_rng,
            nodes: &mut self.node_rng,
            loads: &loads,
        };
        f(&mut self.metadata, ctx, &mut lent)
    }

    /// Removes the requests in flight to broker `b` and returns them oldest first, as
    /// `InFlightRequests.clearAll` hands them to `cancelInFlightRequests` when the connection
    /// closes.
    pub(super) fn take_in_flight_to(&mut self, b: BrokerId) -> Vec<InFlight> {
        let ids: Vec<u64> = self
            .in_flight
            .iter()
            .filter(|(_, f)| f.broker == b)
            .map(|(id, _)| *id)
            .collect();
        ids.iter()
            .filter_map(|id| self.in_flight.remove(id))
            .collect()
    }

    /// `NetworkClient.handleTimedOutRequests`: a request to `b` (a produce request or the metadata
    /// request) went past `request.timeout.ms`, so the node is disconnected; every request in
    /// flight to it is cancelled as timed out, oldest first (`InFlightRequests.clearAll`), a
    /// metadata request among them is asked again, and metadata is refreshed
    /// (`handleServerDisconnect`).
    #[inline(never)]
    pub(super) fn disconnect_timed_out(&mut self, ctx: &mut Ctx, b: BrokerId) {
        self.connection_failed(ctx, b);
        let cancelled = self.take_in_flight_to(b);
        self.with_metadata(ctx, &mut |m, ctx, c| m.on_connection_closed(ctx, c, b));
        ctx.emit(TraceKind::RequestTimeoutDisconnect {
            producer: self.name.clone(),
            broker: b,
            requests: cancelled.len() as u32,
            request_timeout_ms: self.spec.config.request_timeout_ms,
        });
        for f in cancelled {
            self.fail_request(ctx, f, ErrorCode::RequestTimedOut);
        }
    }

    /// The connection to `b` failed (refused, reset or timed out): back off, then try again; the
    /// leader may have moved, so ask for metadata.
    pub(super) fn connection_failed(&mut self, ctx: &mut Ctx, b: BrokerId) {
        let now = ctx.now.as_us();
        let cfg = &self.spec.config;
        let (base, max) = (cfg.reconnect_backoff_ms, cfg.reconnect_backoff_max_ms);
        let Some(c) = self.conns.get_mut(b as usize) else {
            return;
        };
        let wait = exponential_backoff_us(&mut self.backoff_rng, base, c.failures, max);
        c.up = false;
        c.connecting = None;
        c.failures += 1;
        c.backoff_until_us = now.saturating_add(wait);
        self.request_metadata(ctx);
    }
}
