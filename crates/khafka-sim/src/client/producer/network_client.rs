//! Kafka's `NetworkClient` as the producer uses it: connections to brokers (`ApiVersions` first,
//! reconnect backoff), and metadata requests.

use super::*;
use crate::protocol::Metadata;

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
}

impl Producer {
    /// Asks for metadata as soon as Kafka's refresh backoff allows (`client/backoff.rs`): at once,
    /// or when a timer set for that instant fires.
    pub(super) fn request_metadata(&mut self, ctx: &mut Ctx) {
        if self.metadata_in_flight.is_some() {
            return;
        }
        let now = ctx.now.as_us();
        let cfg = &self.spec.config;
        let at = self.metadata_backoff.allowed_at_us(
            &mut self.backoff_rng,
            cfg.retry_backoff_ms,
            cfg.retry_backoff_max_ms,
        );
        let req_id = ctx.req_id();
        if at > now {
            self.metadata_in_flight = Some(req_id);
            self.metadata_waiting = true;
            ctx.timer_after_us(at - now, Timer::RequestTimeout { req_id });
        } else {
            self.send_metadata(ctx, req_id);
        }
    }

    /// Sends the metadata request `req_id`, to the brokers in turn.
    pub(super) fn send_metadata(&mut self, ctx: &mut Ctx, req_id: u64) {
        let n = ctx.topo.brokers;
        let broker = 1 + self.metadata_next_broker % n;
        self.metadata_next_broker += 1;
        self.metadata_in_flight = Some(req_id);
        self.metadata_waiting = false;
        ctx.send(
            Node::Broker(broker),
            Msg::Metadata(Metadata::Request { req_id }),
        );
        ctx.timer_after_ms(
            self.spec.config.request_timeout_ms,
            Timer::RequestTimeout { req_id },
        );
    }

    /// The metadata request in flight timed out or lost its connection (`failedUpdate`): ask again
    /// after the backoff for one more failed attempt.
    pub(super) fn metadata_failed(&mut self, ctx: &mut Ctx) {
        self.metadata_in_flight = None;
        self.metadata_backoff.failed(ctx.now.as_us());
        self.request_metadata(ctx);
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
