//! Broker registration and liveness (`ClusterControlManager`, `BrokerHeartbeatManager`): heartbeats,
//! fencing after the session timeout, controlled shutdown, and KAFKA-15586's unclean-shutdown rule.

use super::*;
use crate::protocol::BrokerHeartbeat;

/// A broker heartbeat (the first of an incarnation registers it).
#[derive(Clone, Copy, Debug)]
pub(super) struct Beat {
    pub(super) req_id: u64,
    pub(super) broker_epoch: u64,
    pub(super) previous_broker_epoch: Option<u64>,
    pub(super) metadata_offset: u64,
    pub(super) want_shutdown: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BrokerRegistration {
    pub registered: bool,
    pub fenced: bool,
    pub broker_epoch: u64,
    pub last_heartbeat_us: u64,
    pub generation: u64,
    pub shutting_down: bool,
    /// The broker is unfenced once it has replayed the metadata log up to here.
    pub unfence_at_offset: u64,
    /// The metadata offset its last heartbeat reported (`BrokerHeartbeatState.metadataOffset`).
    pub metadata_offset: u64,
    /// KRaft: the end of the log when its controlled shutdown moved its leaderships away
    /// (`BrokerHeartbeatState.controlledShutdownOffset`); it may stop once every active broker has
    /// reported an offset past it.
    pub controlled_shutdown_offset: Option<u64>,
}

impl Controller {
    pub(super) fn reg(&mut self, b: BrokerId) -> &mut BrokerRegistration {
        &mut self.brokers[(b - 1) as usize]
    }

    /// Active: registered, unfenced and not shutting down (eligible to lead).
    pub fn is_active(&self, b: BrokerId) -> bool {
        let r = &self.brokers[(b - 1) as usize];
        r.registered && !r.fenced && !r.shutting_down
    }

    /// The brokers not eligible to join an ISR: not active (fenced, never registered, or in
    /// controlled shutdown), each with whether it is alive.
    pub(super) fn ineligible_list(&self) -> Vec<crate::protocol::IneligibleBroker> {
        (1..=self.brokers.len() as BrokerId)
            .filter(|b| !self.is_active(*b))
            .map(|b| {
                let r = &self.brokers[(b - 1) as usize];
                crate::protocol::IneligibleBroker {
                    broker: b,
                    fenced: !r.registered || r.fenced,
                }
            })
            .collect()
    }

    pub(super) fn session_timeout_ms(ctx: &Ctx) -> u64 {
        match ctx.topo.config.controller {
            ControllerMode::Kraft => ctx.topo.config.broker_session_timeout_ms,
            ControllerMode::Zookeeper => ctx.topo.config.zookeeper_session_timeout_ms,
        }
    }

    pub(super) fn on_heartbeat(&mut self, ctx: &mut Ctx, b: BrokerId, beat: Beat) {
        let Beat {
            req_id,
            broker_epoch,
            previous_broker_epoch,
            metadata_offset,
            want_shutdown,
        } = beat;
        let log_len = self.log.len() as u64;
        let now = ctx.now.as_us();
        let r = self.reg(b);
        if broker_epoch < r.broker_epoch {
            return; // a heartbeat from a previous incarnation
        }
        // `ClusterControlManager.registerBroker`: a new incarnation is refused while the previous
        // one still has a valid session (`BrokerHeartbeatManager.hasValidSession`: unfenced, and
        // heard from within the session timeout), so a broker that crashed and came back quickly
        // waits for the controller to fence what it was. ZooKeeper mode keeps no such sessions
        // here.
        let timeout_us = crate::time::ms_to_us(Self::session_timeout_ms(ctx));
        if broker_epoch > r.broker_epoch
            && r.registered
            && !r.fenced
            && r.last_heartbeat_us.saturating_add(timeout_us) >= now
            && ctx.topo.config.controller == ControllerMode::Kraft
        {
            ctx.emit(TraceKind::RegistrationRefused {
                broker: b,
                broker_epoch,
            });
            ctx.send(
                Node::Broker(b),
                Msg::BrokerHeartbeat(BrokerHeartbeat::Response {
                    req_id,
                    broker_epoch,
                    fenced: true,
                    shutdown_ready: false,
                    refused: true,
                }),
            );
            return;
        }
        if broker_epoch > r.broker_epoch || !r.registered {
            // (Re-)registration: the broker starts fenced until it has caught up with the log.
            // `ClusterControlManager.registerBroker`: the shutdown was clean if the broker proves
            // it with the epoch it stopped at.
            let was_unfenced = r.registered && !r.fenced;
            let clean = previous_broker_epoch == Some(r.broker_epoch);
            // A broker registering for the first time (`add broker`) has no previous registration
            // to have shut down uncleanly (`registerBroker` checks only an existing one).
            let existed = r.registered || r.broker_epoch > 0;
            r.registered = true;
            r.broker_epoch = broker_epoch;
            r.fenced = true;
            r.shutting_down = false;
            r.controlled_shutdown_offset = None;
            r.unfence_at_offset = log_len;
            if ctx.topo.config.eligible_leader_replicas_enable && !clean && existed {
                self.unclean_shutdown(ctx, b);
            } else if was_unfenced {
                // The old incarnation was never fenced (it came back within the session timeout).
                self.fence(ctx, b, FenceReason::ReRegistered);
            }
        }
        let r = self.reg(b);
        r.last_heartbeat_us = now;
        r.metadata_offset = metadata_offset;
        r.generation += 1;
        let generation = r.generation;
        let timeout = Self::session_timeout_ms(ctx);
        ctx.timer_after_ms(
            timeout,
            Timer::SessionTimeout {
                broker: b,
                generation,
            },
        );
        let r = self.reg(b);
        if r.fenced && !r.shutting_down && !want_shutdown && metadata_offset >= r.unfence_at_offset
        {
            r.fenced = false;
            ctx.emit(TraceKind::BrokerUnfenced { broker: b });
            self.log.push(None);
            self.on_broker_available(ctx, b);
        }
        let mut shutdown_ready = false;
        if want_shutdown {
            shutdown_ready = self.controlled_shutdown(ctx, b);
            if shutdown_ready && !self.reg(b).fenced {
                self.fence(ctx, b, FenceReason::ControlledShutdown);
            }
        }
        let fenced = self.reg(b).fenced;
        ctx.send(
            Node::Broker(b),
            Msg::BrokerHeartbeat(BrokerHeartbeat::Response {
                req_id,
                broker_epoch,
                fenced,
                shutdown_ready,
                refused: false,
            }),
        );
        self.flush_polls(ctx);
    }

    /// A heartbeat that asks to shut down: whether `b` may stop now
    /// (`BrokerHeartbeatManager.calculateNextBrokerState`). A fenced broker, or an unfenced one
    /// that leads nothing, may stop at once. One that leads enters controlled shutdown: its
    /// leaderships move away and it leaves every ISR, and it may stop once it leads nothing and
    /// every active broker has reported a metadata offset past those changes (KRaft; the
    /// ZooKeeper controller answers once the leaderships moved).
    fn controlled_shutdown(&mut self, ctx: &mut Ctx, b: BrokerId) -> bool {
        let kraft = ctx.topo.config.controller == ControllerMode::Kraft;
        let leads = |c: &Self| c.parts.iter().any(|p| p.leader == Some(b));
        if !self.reg(b).shutting_down {
            let r = self.reg(b);
            r.shutting_down = true;
            let enter = !r.fenced && leads(self);
            self.move_leadership_away(ctx, b);
            if kraft && enter {
                let end = self.log.len() as u64;
                self.reg(b).controlled_shutdown_offset = Some(end);
                return false;
            }
            return !leads(self);
        }
        // A broker fenced meanwhile (its session expired) stops at once
        // (`BrokerHeartbeatManager.touch` forgets its controlled-shutdown offset).
        if self.reg(b).fenced {
            self.reg(b).controlled_shutdown_offset = None;
            return true;
        }
        if leads(self) {
            return false;
        }
        let lowest_active = self
            .brokers
            .iter()
            .filter(|r| r.registered && !r.fenced && !r.shutting_down)
            .map(|r| r.metadata_offset)
            .min()
            .unwrap_or(u64::MAX);
        self.reg(b)
            .controlled_shutdown_offset
            .is_none_or(|o| o <= lowest_active)
    }

    // ------------------------------------------------------------ elections and ISR

    pub(super) fn fence(&mut self, ctx: &mut Ctx, b: BrokerId, why: FenceReason) {
        self.reg(b).fenced = true;
        ctx.emit(TraceKind::BrokerFenced {
            broker: b,
            reason: why,
        });
        self.log.push(None);
        let elr_on = ctx.topo.config.eligible_leader_replicas_enable;
        let zk = ctx.topo.config.controller == ControllerMode::Zookeeper;
        for part in 0..self.parts.len() as PartIdx {
            let p = &self.parts[part as usize];
            if !p.replicas.contains(&b) {
                continue;
            }
            if !p.isr.contains(&b) && p.leader != Some(b) {
                continue;
            }
            let (isr, elr) = isr_after_fencing(p, b, elr_on, ctx.topo.effective_min_isr(part));
            if p.leader == Some(b) {
                self.change(ctx, part, isr, elr, true, ChangeReason::LeaderFenced);
            } else if isr != p.isr || elr != p.elr {
                self.change(ctx, part, isr, elr, zk, ChangeReason::ReplicaFenced);
            }
        }
        self.flush_polls(ctx);
    }

    /// `ReplicationControlManager.handleBrokerUncleanShutdown` (KAFKA-15586; with ELR only): a broker
    /// that restarts without proving a clean shutdown may have lost records it had acknowledged as a
    /// follower, so it leaves every ISR *and* every ELR, and cannot lead.
    pub(super) fn unclean_shutdown(&mut self, ctx: &mut Ctx, b: BrokerId) {
        ctx.emit(TraceKind::BrokerFenced {
            broker: b,
            reason: FenceReason::UncleanShutdown,
        });
        self.log.push(None);
        for part in 0..self.parts.len() as PartIdx {
            let p = &self.parts[part as usize];
            if !p.isr.contains(&b) && !p.elr.contains(&b) && p.leader != Some(b) {
                continue;
            }
            let isr: Vec<BrokerId> = p.isr.iter().copied().filter(|x| *x != b).collect();
            let elr: Vec<BrokerId> = p.elr.iter().copied().filter(|x| *x != b).collect();
            let reelect = p.leader == Some(b);
            self.change(ctx, part, isr, elr, reelect, ChangeReason::UncleanShutdown);
        }
        self.flush_polls(ctx);
    }
}
