//! Which controller a broker talks to (`NodeToControllerChannelManager`,
//! `RaftControllerNodeProvider`): with a quorum (`controllers=N`), the active controller it last
//! heard of. A `NOT_CONTROLLER` answer names the leader the answering controller knows, and the
//! broker sends there; an answer without a leader (an election is under way), a refused connection
//! or a metadata fetch unanswered for its timeout moves it on to the next controller. When it
//! switches, it sends its pending `AlterPartition`s there at once (the channel re-queues requests
//! a controller did not answer). The heartbeat in flight is sent again only when its own request
//! fails: at once to a leader a `NOT_CONTROLLER` names, else after `retry.backoff.ms`
//! (`NodeToControllerRequestThread.doWork` backs off rather than loop).

use super::*;
use crate::protocol::raft::ControllerId;

/// `retry.backoff.ms` of the controller channel before asking again without a leader to go to.
pub(super) const NO_LEADER_BACKOFF_MS: u64 = 100;

impl Broker {
    /// The controller to send to at start: the single controller, or the quorum's first.
    pub(super) fn initial_controller(&mut self, ctx: &Ctx) {
        let n = ctx.topo.config.controllers;
        if n > 0 && !matches!(self.controller, Node::QuorumController(c) if c <= n) {
            self.controller = Node::QuorumController(1);
        }
    }

    /// The next controller of the quorum after `c`.
    fn next_controller(ctx: &Ctx, c: Node) -> Node {
        let n = ctx.topo.config.controllers.max(1);
        match c {
            Node::QuorumController(c) => Node::QuorumController(c % n + 1),
            other => other,
        }
    }

    /// The current controller did not answer, or refused the connection: try the next one.
    pub(super) fn controller_unreachable(&mut self, ctx: &mut Ctx) {
        if ctx.topo.config.controllers > 0 {
            let next = Self::next_controller(ctx, self.controller);
            self.switch_controller(ctx, next);
        }
    }

    /// `NOT_CONTROLLER` from `from`, naming the leader it knows.
    pub(super) fn on_not_controller(
        &mut self,
        ctx: &mut Ctx,
        from: Node,
        req_id: Option<u64>,
        leader: Option<ControllerId>,
    ) {
        let target = match leader {
            Some(l) if Node::QuorumController(l) != from => Some(Node::QuorumController(l)),
            // The answering controller leads but is not active yet: ask it again shortly.
            Some(_) => None,
            None => {
                let next = Self::next_controller(ctx, from);
                self.switch_controller(ctx, next);
                None
            }
        };
        if let Some(t) = target {
            self.switch_controller(ctx, t);
        }
        if req_id.is_some() && req_id == self.comm.in_flight && Some(from) == self.comm.sent_to {
            if target.is_some() {
                self.resend_communication(ctx);
            } else {
                self.resend_communication_after(ctx, NO_LEADER_BACKOFF_MS);
            }
        }
        if req_id.is_some() && req_id == self.metadata_fetch_in_flight {
            if target.is_some() {
                self.fetch_metadata(ctx);
            } else if let Some(req_id) = req_id {
                self.metadata_retry_pending = true;
                ctx.timer_after_ms(NO_LEADER_BACKOFF_MS, Timer::MetadataFetchTimeout { req_id });
            }
        }
    }

    /// Sends to `to` from now on; the pending ISR changes go there at once.
    fn switch_controller(&mut self, ctx: &mut Ctx, to: Node) {
        if to == self.controller {
            return;
        }
        self.controller = to;
        if !self.is_running() {
            return;
        }
        let me = self.id;
        let pending: Vec<(PartIdx, Vec<BrokerId>)> = self
            .replicas
            .values()
            .filter(|r| r.is_leader(me))
            .filter_map(|r| r.pending_isr.clone().map(|isr| (r.part, isr)))
            .collect();
        for (part, isr) in pending {
            self.propose_isr(ctx, part, isr);
        }
    }
}
