//! The controller: broker liveness, leader election, ISR changes, the metadata log.
//!
//! KRaft by default (`metadata/.../PartitionChangeBuilder.java`, `ReplicationControlManager`):
//! brokers heartbeat every `broker.heartbeat.interval.ms` and are fenced after
//! `broker.session.timeout.ms` without one; fencing removes the broker from every ISR (never the last
//! member, unless ELR is on) and elects new leaders in assignment order from the ISR, else from the
//! ELR (KIP-966), else uncleanly if `unclean.leader.election.enable`, else none (offline).
//! Every leader change bumps the leader epoch; since metadata version 3.6 an ISR shrink alone does not
//! (KAFKA-15021), while the ZooKeeper-era controller bumps it on every change it makes.
//!
//! Without `controllers=` on the cluster line the KRaft quorum is modelled as one controller node that
//! never fails (it can be cut off by network partitions). With `controllers=N` it is a Raft quorum of
//! N controllers (`raft/`, `quorum.rs`) that can crash and be partitioned; only the active one
//! decides. Brokers follow the metadata log by long-polling it, as KRaft brokers fetch
//! `__cluster_metadata`.
//!
//! Files: `registration.rs` (heartbeats, fencing, shutdown), `election.rs` (the pure election
//! function and partition changes), `metadata_log.rs` (the log brokers follow, `AlterPartition`),
//! `raft/` (KIP-595's Raft as a pure state machine), `quorum.rs` (one controller of a quorum),
//! `reassignment.rs` (KIP-455: adding replicas, completing when they are in sync, removing).

mod election;
mod metadata_log;
pub mod quorum;
pub mod raft;
pub mod reassignment;
mod registration;

use crate::protocol::{AlterPartition, BrokerHeartbeat, MetadataFetch};
pub use election::{elect_leader, isr_after_fencing, Election, ElectionInput};
use registration::Beat;
pub use registration::BrokerRegistration;

use crate::config::ControllerMode;
use crate::ctx::{Ctx, Node, Timer};
use crate::msg::{ErrorCode, Msg, PartIdx, PartitionState};
use crate::spec::BrokerId;
use crate::trace::{ChangeReason, FenceReason, TraceKind};
use serde::Serialize;

/// How long a metadata long-poll waits for news (KRaft's fetch max wait).
pub(crate) const METADATA_POLL_MAX_WAIT_MS: u64 = 500;
/// `unclean.leader.election.interval.ms` (KRaft's periodic unclean election check).
pub(crate) const UNCLEAN_CHECK_INTERVAL_MS: u64 = 300_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Controller {
    pub parts: Vec<PartitionState>,
    pub last_known_leader: Vec<Option<BrokerId>>,
    /// Index 0 is broker 1.
    pub brokers: Vec<BrokerRegistration>,
    /// The metadata log: which partition changed at each offset (`None`: broker fencing changed).
    pub log: Vec<Option<PartIdx>>,
    /// Parked metadata long-polls: `(broker, request id, offset asked from)`.
    pub polls: Vec<(BrokerId, u64, u64)>,
}

impl Controller {
    /// The initial metadata: every partition led by its preferred replica, full ISR, epoch 0.
    pub fn new(brokers: u32, assignments: impl Iterator<Item = Vec<BrokerId>>) -> Self {
        let parts: Vec<PartitionState> = assignments
            .enumerate()
            .map(|(i, replicas)| PartitionState {
                part: i as PartIdx,
                leader: replicas.first().copied(),
                leader_epoch: 0,
                partition_epoch: 0,
                isr: replicas.clone(),
                replicas,
                elr: Vec::new(),
                adding: Vec::new(),
                removing: Vec::new(),
            })
            .collect();
        let n = parts.len();
        Controller {
            last_known_leader: parts.iter().map(|p| p.leader).collect(),
            log: (0..n as PartIdx).map(Some).collect(),
            parts,
            brokers: vec![BrokerRegistration::default(); brokers as usize],
            polls: Vec::new(),
        }
    }

    /// The run starts with a healthy cluster: every broker registered (broker epoch 1) and unfenced,
    /// as if the topics were created after the brokers came up.
    pub fn start(&mut self, ctx: &mut Ctx) {
        let timeout = Self::session_timeout_ms(ctx);
        let initial = ctx.topo.initial_brokers as usize;
        for (i, r) in self.brokers.iter_mut().enumerate().take(initial) {
            *r = BrokerRegistration {
                registered: true,
                fenced: false,
                broker_epoch: 1,
                generation: 1,
                ..BrokerRegistration::default()
            };
            let broker = i as BrokerId + 1;
            ctx.timer_after_ms(
                timeout,
                Timer::SessionTimeout {
                    broker,
                    generation: 1,
                },
            );
        }
        let cfg = &ctx.topo.config;
        if cfg.auto_leader_rebalance_enable {
            let every = cfg
                .leader_imbalance_check_interval_seconds
                .saturating_mul(1_000);
            ctx.timer_after_ms(every, Timer::LeaderImbalanceCheck);
        }
        ctx.timer_after_ms(UNCLEAN_CHECK_INTERVAL_MS, Timer::UncleanCheck);
    }

    pub fn on_msg(&mut self, ctx: &mut Ctx, from: Node, msg: Msg) {
        let Node::Broker(b) = from else {
            return;
        };
        match msg {
            Msg::BrokerHeartbeat(BrokerHeartbeat::Request {
                req_id,
                broker_epoch,
                previous_broker_epoch,
                metadata_offset,
                want_shutdown,
            }) => {
                let beat = Beat {
                    req_id,
                    broker_epoch,
                    previous_broker_epoch,
                    metadata_offset,
                    want_shutdown,
                };
                self.on_heartbeat(ctx, b, beat)
            }
            Msg::MetadataFetch(MetadataFetch::Request { req_id, offset }) => {
                if (offset as usize) < self.log.len() {
                    self.answer_poll(ctx, b, req_id, offset);
                } else {
                    self.polls.push((b, req_id, offset));
                    ctx.timer_after_ms(
                        METADATA_POLL_MAX_WAIT_MS,
                        Timer::MetadataPollDeadline { broker: b, req_id },
                    );
                }
            }
            Msg::AlterPartition(AlterPartition::Request {
                part,
                leader_epoch,
                partition_epoch,
                isr,
            }) => {
                let result = self
                    .alter_partition(ctx, b, part, leader_epoch, partition_epoch, isr)
                    .map(Box::new);
                ctx.send(
                    from,
                    Msg::AlterPartition(AlterPartition::Response {
                        part,
                        partition_epoch,
                        result,
                    }),
                );
            }
            _ => {}
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        match timer {
            Timer::SessionTimeout { broker, generation } => {
                let r = self.reg(broker);
                if r.generation == generation && r.registered && !r.fenced {
                    self.fence(ctx, broker, FenceReason::SessionTimeout);
                }
            }
            Timer::LeaderImbalanceCheck => {
                self.rebalance_leaders(ctx);
                let every = ctx
                    .topo
                    .config
                    .leader_imbalance_check_interval_seconds
                    .saturating_mul(1_000);
                ctx.timer_after_ms(every, Timer::LeaderImbalanceCheck);
            }
            Timer::UncleanCheck => {
                for part in 0..self.parts.len() as PartIdx {
                    if self.parts[part as usize].leader.is_none() && ctx.topo.unclean_enabled(part)
                    {
                        self.elect(ctx, part, None, ChangeReason::PeriodicUncleanElectionCheck);
                    }
                }
                ctx.timer_after_ms(UNCLEAN_CHECK_INTERVAL_MS, Timer::UncleanCheck);
            }
            Timer::MetadataPollDeadline { broker, req_id } => {
                if let Some(i) = self
                    .polls
                    .iter()
                    .position(|p| (p.0, p.1) == (broker, req_id))
                {
                    self.polls.remove(i);
                    let offset = self.log.len() as u64;
                    self.answer_poll(ctx, broker, req_id, offset);
                }
            }
            _ => {}
        }
    }
}
