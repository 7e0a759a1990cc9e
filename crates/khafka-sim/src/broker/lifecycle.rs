//! The broker's life: start (log recovery, registration), controlled shutdown, stop and power loss,
//! heartbeats and the metadata log it follows (Kafka's `BrokerLifecycleManager` and
//! `BrokerMetadataListener`).

use super::*;
use crate::protocol::{BrokerHeartbeat, MetadataFetch};

impl Broker {
    /// Starts (or restarts) the process: log recovery, then registration with the controller.
    pub fn start(&mut self, ctx: &mut Ctx) {
        self.status = BrokerStatus::Running;
        self.previous_broker_epoch = self.clean_shutdown_epoch.take();
        self.broker_epoch += 1;
        self.fenced = true;
        self.want_shutdown = false;
        self.metadata_offset = 0;
        // The metadata log is read again from the start (see `fetch_metadata`).
        self.metadata_cache.iter_mut().for_each(|c| *c = (None, 0));
        self.metadata_fetch_in_flight = None;
        self.metadata_retry_pending = false;
        self.starting = true;
        self.startup_beat_armed = false;
        self.registration_refusals = 0;
        self.initial_controller(ctx);
        self.fetchers.clear();
        self.parked_fetches.clear();
        self.delayed_produces.clear();
        self.fetch_check.reset();
        self.produce_check.reset();
        self.parked_check.reset();
        for r in self.replicas.values_mut() {
            // Log recovery: the HW comes back from the checkpoint file, clamped to the LEO.
            let hw = r.hw_checkpoint.min(r.log.log_end_offset());
            r.log.high_watermark = 0;
            r.log.set_high_watermark(hw);
            r.state.leader = None;
            r.state.isr.clear();
            self.followed_stale = true;
            r.remotes.clear();
            r.pending_isr = None;
            r.rebuild_producer_state(ctx.batches);
        }
        ctx.emit(TraceKind::BrokerStarted {
            broker: self.id,
            broker_epoch: self.broker_epoch,
        });
        // Each replica's HW as log recovery left it (the export's account of every HW change).
        let topo = ctx.topo;
        for r in self.replicas.values() {
            ctx.emit_hot(HotEvent::HighWatermark {
                partition: topo.part_name_ref(r.part),
                broker: self.id,
                high_watermark: r.log.high_watermark,
            });
        }
        self.send_heartbeat(ctx);
        self.fetch_metadata(ctx);
        let cfg = &ctx.topo.config;
        let lag = cfg.replica_lag_time_max_ms / 2;
        let hw_ckpt = cfg.replica_high_watermark_checkpoint_interval_ms;
        let hb = cfg.broker_heartbeat_interval_ms;
        ctx.timer_after_ms(lag.max(1), Timer::IsrExpiration);
        ctx.timer_after_ms(hb, Timer::Heartbeat);
        ctx.timer_after_ms(hw_ckpt, Timer::HwCheckpoint);
        // `LogManager.startup`: the retention check, and the cleaner thread when a topic is
        // compacted (or may become so: `cleanup.policy` can change while the broker runs).
        ctx.timer_after_ms(cfg.log.retention_check_interval_ms, Timer::RetentionCheck);
        ctx.timer_after_ms(cfg.log.cleaner_backoff_ms.max(1), Timer::CleanerWake);
    }

    /// Stops the process. Returns the requests it held, so the engine can reset their connections.
    pub fn stop(&mut self, ctx: &mut Ctx, clean: bool) -> Vec<(Node, u64)> {
        self.status = BrokerStatus::Stopped;
        if clean {
            for r in self.replicas.values_mut() {
                r.hw_checkpoint = r.log.high_watermark;
            }
            self.clean_shutdown_epoch = Some(self.broker_epoch);
        }
        let mut held: Vec<(Node, u64)> = self
            .parked_fetches
            .drain(..)
            .map(|p| (p.from, p.req_id))
            .collect();
        held.extend(self.delayed_produces.drain(..).map(|d| (d.from, d.req_id)));
        #[cfg(feature = "groups")]
        held.extend(self.group_coordinator.shutdown());
        self.fetchers.clear();
        ctx.emit(TraceKind::BrokerStopped {
            broker: self.id,
            clean,
        });
        held
    }

    /// A power loss: records that reached this disk less than `window_us` ago are gone, except
    /// those below the active segment: rolling a segment flushes every segment before it
    /// (`UnifiedLog.roll` schedules `flushUptoOffsetExclusive(newSegment.baseOffset)`), so only
    /// the active segment can lose records. What the cleaner wrote is never lost either: it
    /// cleans below the active segment only, and flushes before it swaps segments in.
    pub fn lose_unflushed(&mut self, ctx: &mut Ctx, window_us: u64) {
        let cutoff = ctx.now.as_us().saturating_sub(window_us);
        for r in self.replicas.values_mut() {
            let leo = r.log.log_end_offset();
            let flushed = r.log.segments().last().map_or(0, |s| s.base_offset);
            let keep = r
                .log
                .first_offset_appended_after(cutoff, ctx.batches)
                .max(flushed);
            if keep < leo {
                log_manager::truncate(ctx, &mut r.log, keep);
                r.hw_checkpoint = r.hw_checkpoint.min(keep);
                ctx.emit(TraceKind::Truncated {
                    partition: ctx.topo.part_name(r.part),
                    broker: self.id,
                    to_offset: keep,
                    removed: leo - keep,
                    reason: TruncationReason::PowerLoss,
                });
            }
        }
    }

    pub fn send_heartbeat(&mut self, ctx: &mut Ctx) {
        ctx.send(
            self.controller,
            Msg::BrokerHeartbeat(BrokerHeartbeat::Request {
                broker_epoch: self.broker_epoch,
                previous_broker_epoch: self.previous_broker_epoch,
                metadata_offset: self.metadata_offset,
                want_shutdown: self.want_shutdown,
            }),
        );
    }

    pub(super) fn fetch_metadata(&mut self, ctx: &mut Ctx) {
        let req_id = ctx.req_id();
        self.metadata_fetch_in_flight = Some(req_id);
        ctx.send(
            self.controller,
            Msg::MetadataFetch(MetadataFetch::Request {
                req_id,
                offset: self.metadata_offset,
            }),
        );
        ctx.timer_after_ms(
            METADATA_FETCH_TIMEOUT_MS,
            Timer::MetadataFetchTimeout { req_id },
        );
    }

    /// Begins a controlled shutdown.
    pub fn begin_shutdown(&mut self, ctx: &mut Ctx) {
        self.want_shutdown = true;
        self.send_heartbeat(ctx);
        ctx.timer_after_ms(SHUTDOWN_TIMEOUT_MS, Timer::ShutdownDeadline);
    }
}
