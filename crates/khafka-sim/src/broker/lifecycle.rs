//! The broker's life: start (log recovery, registration), controlled shutdown, stop and power loss,
//! heartbeats and the metadata log it follows (Kafka's `BrokerLifecycleManager` and
//! `BrokerMetadataListener`).

use super::*;
use crate::protocol::{BrokerHeartbeat, MetadataFetch};

/// `BrokerLifecycleManager`'s communication with the controller in KRaft mode: one heartbeat in
/// flight at a time (the first of an incarnation registers it). The next is scheduled when it is
/// answered: 10 ms while starting, 50 ms after the first answer to a controlled shutdown,
/// `broker.heartbeat.interval.ms` otherwise; or, when it failed (refused, or timed out after
/// `broker.session.timeout.ms` / 2, the controller channel's request timeout), after
/// `ExponentialBackoff(100 ms, 2, broker.session.timeout.ms, 0.02)`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Communication {
    /// The heartbeat in flight, and the controller it was last sent to.
    pub(super) in_flight: Option<u64>,
    pub(super) sent_to: Option<Node>,
    /// When it was created: the controller channel sends it again (to another controller, after
    /// a disconnect or `NOT_CONTROLLER`) only within its timeout from here.
    created_us: u64,
    /// When its last send times out.
    deadline_us: u64,
    /// How many communications were scheduled; a timer of an earlier one does nothing
    /// (`scheduleDeferred("communication", …)` replaces the scheduled event).
    pub(super) scheduled: u32,
    /// A communication came due while one was in flight: the next goes at once.
    next_immediate: bool,
    /// Failures in a row (`failedAttempts`).
    failed_attempts: u32,
    /// The controller answered a controlled-shutdown heartbeat once.
    got_shutdown_response: bool,
    /// At its deadline the heartbeat in flight is sent again rather than failed.
    resend_due: bool,
}

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
        self.comm = Communication::default();
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
        if self.kraft(ctx) {
            self.communicate(ctx);
        } else {
            self.send_heartbeat(ctx);
            ctx.timer_after_ms(
                ctx.topo.config.broker_heartbeat_interval_ms,
                Timer::Heartbeat,
            );
        }
        self.fetch_metadata(ctx);
        let cfg = &ctx.topo.config;
        let lag = cfg.replica_lag_time_max_ms / 2;
        let hw_ckpt = cfg.replica_high_watermark_checkpoint_interval_ms;
        ctx.timer_after_ms(lag.max(1), Timer::IsrExpiration);
        ctx.timer_after_ms(hw_ckpt, Timer::HwCheckpoint);
        // `LogManager.startup`: the retention check (first after `log.initial.task.delay.ms`,
        // then every `log.retention.check.interval.ms`), and the cleaner thread when a topic is
        // compacted (or may become so: `cleanup.policy` can change while the broker runs), whose
        // first pass runs at once (`CleanerThread.doWork`).
        ctx.timer_after_ms(cfg.log.initial_task_delay_ms, Timer::RetentionCheck);
        ctx.timer_after_ms(0, Timer::CleanerWake);
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

    /// KRaft: the request id of the heartbeat in flight, if one is.
    pub fn heartbeat_in_flight(&self) -> Option<u64> {
        self.comm.in_flight
    }

    fn kraft(&self, ctx: &Ctx) -> bool {
        ctx.topo.config.controller == crate::config::ControllerMode::Kraft
    }

    /// Sends a heartbeat (request `req_id`) to the controller.
    fn send_heartbeat_as(&mut self, ctx: &mut Ctx, req_id: u64) {
        ctx.send(
            self.controller,
            Msg::BrokerHeartbeat(BrokerHeartbeat::Request {
                req_id,
                broker_epoch: self.broker_epoch,
                previous_broker_epoch: self.previous_broker_epoch,
                metadata_offset: self.metadata_offset,
                want_shutdown: self.want_shutdown,
            }),
        );
    }

    /// ZooKeeper mode: the session's ping, whatever is in flight.
    pub fn send_heartbeat(&mut self, ctx: &mut Ctx) {
        let req_id = ctx.req_id();
        self.send_heartbeat_as(ctx, req_id);
    }

    /// The request timeout of the controller channel the heartbeats use (`BrokerServer`:
    /// `broker.session.timeout.ms / 2`, KAFKA-14392; at most `controller.socket.timeout.ms`).
    fn heartbeat_timeout_ms(ctx: &Ctx) -> u64 {
        (ctx.topo.config.broker_session_timeout_ms / 2).clamp(1, CONTROLLER_SOCKET_TIMEOUT_MS)
    }

    /// `CommunicationEvent`: the scheduled communication is due. It waits for the one in flight.
    pub(super) fn communicate(&mut self, ctx: &mut Ctx) {
        if self.comm.in_flight.is_some() {
            self.comm.next_immediate = true;
            return;
        }
        let req_id = ctx.req_id();
        self.comm.in_flight = Some(req_id);
        self.comm.created_us = ctx.now.as_us();
        self.send_communication(ctx, req_id);
    }

    fn send_communication(&mut self, ctx: &mut Ctx, req_id: u64) {
        self.comm.resend_due = false;
        self.comm.sent_to = Some(self.controller);
        let timeout = Self::heartbeat_timeout_ms(ctx);
        self.comm.deadline_us = ctx.now.as_us() + crate::time::ms_to_us(timeout);
        self.send_heartbeat_as(ctx, req_id);
        ctx.timer_after_ms(timeout, Timer::HeartbeatTimeout { req_id });
    }

    /// The controller channel sends the heartbeat in flight again (to the controller it now
    /// talks to), unless it is older than its timeout (`generateRequests` then times it out).
    pub(super) fn resend_communication(&mut self, ctx: &mut Ctx) {
        let Some(req_id) = self.comm.in_flight else {
            return;
        };
        let timeout_us = crate::time::ms_to_us(Self::heartbeat_timeout_ms(ctx));
        if ctx.now.as_us() >= self.comm.created_us.saturating_add(timeout_us) {
            self.comm.in_flight = None;
            self.after_failure(ctx);
        } else {
            self.send_communication(ctx, req_id);
        }
    }

    /// The heartbeat in flight goes again to the same controller in `after_ms`.
    pub(super) fn resend_communication_after(&mut self, ctx: &mut Ctx, after_ms: u64) {
        let Some(req_id) = self.comm.in_flight else {
            return;
        };
        self.comm.resend_due = true;
        self.comm.deadline_us = ctx.now.as_us() + crate::time::ms_to_us(after_ms);
        ctx.timer_after_ms(after_ms, Timer::HeartbeatTimeout { req_id });
    }

    pub(super) fn heartbeat_timed_out(&mut self, ctx: &mut Ctx, req_id: u64) {
        if self.comm.in_flight != Some(req_id) || ctx.now.as_us() < self.comm.deadline_us {
            return;
        }
        if std::mem::take(&mut self.comm.resend_due) {
            self.resend_communication(ctx);
        } else {
            self.comm.in_flight = None;
            self.after_failure(ctx);
        }
    }

    /// `scheduleNextCommunication`: the next communication in `delay_us` (at once if one came
    /// due while the last was in flight).
    fn schedule(&mut self, ctx: &mut Ctx, delay_us: u64) {
        let delay_us = if self.comm.next_immediate {
            0
        } else {
            delay_us
        };
        self.comm.next_immediate = false;
        self.comm.scheduled = self.comm.scheduled.wrapping_add(1);
        let seq = self.comm.scheduled;
        ctx.timer_after_us(delay_us, Timer::Communication { seq });
    }

    /// `scheduleNextCommunicationAfterFailure`: the backoff, never at once.
    fn after_failure(&mut self, ctx: &mut Ctx) {
        let max = ctx.topo.config.broker_session_timeout_ms;
        let wait = crate::client::backoff::exponential_backoff_jitter_us(
            &mut self.registration_rng,
            REGISTRATION_BACKOFF_MS,
            self.comm.failed_attempts,
            max,
            20,
        );
        self.comm.failed_attempts = self.comm.failed_attempts.saturating_add(1);
        self.comm.next_immediate = false;
        self.schedule(ctx, wait);
    }

    /// The controller answered heartbeat `req_id` of this incarnation.
    pub(super) fn on_heartbeat_answer(
        &mut self,
        ctx: &mut Ctx,
        req_id: u64,
        fenced: bool,
        shutdown_ready: bool,
        refused: bool,
    ) -> BrokerAction {
        if !self.kraft(ctx) {
            self.fenced = fenced;
            if !fenced {
                self.starting = false;
            }
            if self.want_shutdown && shutdown_ready {
                return BrokerAction::Stop { clean: true };
            }
            return BrokerAction::None;
        }
        // An answer to a heartbeat that timed out never arrives: the channel closed its
        // connection.
        if self.comm.in_flight != Some(req_id) {
            return BrokerAction::None;
        }
        self.comm.in_flight = None;
        self.comm.resend_due = false;
        if refused {
            // `DUPLICATE_BROKER_REGISTRATION`.
            self.after_failure(ctx);
            return BrokerAction::None;
        }
        self.comm.failed_attempts = 0;
        self.fenced = fenced;
        let interval = ctx.topo.config.broker_heartbeat_interval_ms;
        let next_ms = if self.want_shutdown {
            if shutdown_ready {
                return BrokerAction::Stop { clean: true };
            }
            let first = !self.comm.got_shutdown_response;
            self.comm.got_shutdown_response = true;
            if first {
                SHUTDOWN_HEARTBEAT_MS
            } else {
                interval
            }
        } else if self.starting && fenced {
            // STARTING (and RECOVERY, which `setReadyToUnfence` ends at once): every 10 ms until
            // the controller unfences it.
            STARTING_HEARTBEAT_MS
        } else {
            self.starting = false;
            interval
        };
        self.schedule(ctx, crate::time::ms_to_us(next_ms));
        BrokerAction::None
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

    /// Begins a controlled shutdown (`BeginControlledShutdownEvent`): a KRaft broker not yet
    /// RUNNING (still starting) shuts down at once, without one.
    pub fn begin_shutdown(&mut self, ctx: &mut Ctx) -> BrokerAction {
        self.want_shutdown = true;
        self.followed_stale = true;
        if self.kraft(ctx) {
            if self.starting {
                return BrokerAction::Stop { clean: true };
            }
            // The next heartbeat at once.
            self.schedule(ctx, 0);
        } else {
            self.send_heartbeat(ctx);
        }
        ctx.timer_after_ms(SHUTDOWN_TIMEOUT_MS, Timer::ShutdownDeadline);
        BrokerAction::None
    }
}
