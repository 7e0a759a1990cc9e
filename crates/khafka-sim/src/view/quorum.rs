//! The KRaft quorum as `kafka-metadata-quorum describe --status` shows it
//! (`MetadataQuorumCommand.handleDescribeStatus` over `DescribeQuorum`), with each controller's
//! `ActiveControllerCount`.

use crate::controller::raft::Role;
use crate::ctx::Node;
use crate::sim::Sim;
use crate::spec::NodeRef;
use serde::Serialize;

/// What the quorum's leader reports of one voter or observer (`QuorumInfo.ReplicaState`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplicaStatus {
    pub id: u32,
    /// The end offset the leader knows it has (`-1` when it has not fetched in this epoch).
    pub log_end_offset: i64,
    pub last_fetch_timestamp_ms: Option<u64>,
    pub last_caught_up_timestamp_ms: Option<u64>,
}

/// One controller as it sees itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ControllerStatus {
    pub id: u32,
    pub running: bool,
    /// `leader`, `follower`, `candidate`, `prospective`, `unattached`, `resigned` (or `down`).
    pub role: &'static str,
    pub epoch: u32,
    pub log_end_offset: u64,
    pub high_watermark: u64,
    /// `kafka.controller:type=KafkaController,name=ActiveControllerCount`: 1 on the active one.
    pub active_controller_count: u32,
}

/// One controller as the site draws it: its status, whether it is cut off, and how far behind it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ControllerView {
    pub status: ControllerStatus,
    /// Cut off from every other node (`isolate controller 2`, or `isolate controller`).
    pub isolated: bool,
    /// Metadata records it lacks: the Raft leader's log end offset (with no running leader, the
    /// longest running log's) minus its own, 0 when caught up.
    pub lag: u64,
}

/// `kafka-metadata-quorum describe --status`, from the leader's point of view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuorumStatus {
    pub cluster_id: &'static str,
    pub leader_id: Option<u32>,
    pub leader_epoch: u32,
    pub high_watermark: u64,
    pub max_follower_lag: u64,
    /// `-1` when a timestamp is unknown, as Kafka prints it.
    pub max_follower_lag_time_ms: i64,
    pub voters: Vec<ReplicaStatus>,
    /// Brokers follow the metadata log as observers.
    pub observers: Vec<ReplicaStatus>,
    pub controllers: Vec<ControllerStatus>,
}

/// A fixed cluster id (Kafka's is a random base64 UUID made by `kafka-storage format`).
pub const CLUSTER_ID: &str = "S2hhZmthU2ltQ2x1c3Rlcg";

impl Sim {
    /// The active controller's id, if a quorum runs and one is active.
    pub fn active_controller(&self) -> Option<u32> {
        self.quorum.iter().find(|q| q.is_active()).map(|q| q.id)
    }

    /// What `expect active_controller` and `expect controller_epoch` read.
    pub fn quorum_outcome(&self) -> Option<crate::outcome::QuorumOutcome> {
        (!self.quorum.is_empty()).then(|| crate::outcome::QuorumOutcome {
            active_controller: self.active_controller(),
            epoch: self
                .quorum
                .iter()
                .filter(|q| q.running)
                .map(|q| q.raft.epoch)
                .max()
                .unwrap_or(0),
        })
    }

    /// The quorum's status at this instant (`None` without `controllers=`, or with no running
    /// leader to answer `DescribeQuorum`).
    pub fn quorum_status(&self) -> Option<QuorumStatus> {
        let controllers = self.controller_statuses();
        let leader = self
            .quorum
            .iter()
            .filter(|q| q.running && q.raft.is_leader())
            .max_by_key(|q| q.raft.epoch)?;
        let l = leader.raft.leader_state()?;
        let now_ms = self.now().as_us() / 1_000;
        let voters: Vec<ReplicaStatus> = l
            .voters
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let id = i as u32 + 1;
                if id == leader.id {
                    ReplicaStatus {
                        id,
                        log_end_offset: leader.raft.end_offset() as i64,
                        last_fetch_timestamp_ms: Some(now_ms),
                        last_caught_up_timestamp_ms: Some(now_ms),
                    }
                } else {
                    ReplicaStatus {
                        id,
                        log_end_offset: v.end_offset.map_or(-1, |o| o as i64),
                        last_fetch_timestamp_ms: v.last_fetch_us.map(|t| t / 1_000),
                        last_caught_up_timestamp_ms: v.last_caught_up_us.map(|t| t / 1_000),
                    }
                }
            })
            .collect();
        // Brokers fetch the committed log (`MetadataFetch`): their offset as they last heard it.
        let observers = self
            .brokers
            .iter()
            .filter(|b| b.is_running() && b.controller == Node::QuorumController(leader.id))
            .map(|b| ReplicaStatus {
                id: b.id,
                log_end_offset: b.metadata_offset as i64,
                last_fetch_timestamp_ms: None,
                last_caught_up_timestamp_ms: None,
            })
            .collect();
        // `handleDescribeStatus`: the follower with the smallest end offset.
        let me = voters.iter().find(|v| v.id == leader.id)?;
        let lagging = voters.iter().min_by_key(|v| v.log_end_offset)?;
        let max_follower_lag = (me.log_end_offset - lagging.log_end_offset).max(0) as u64;
        let max_follower_lag_time_ms = if lagging.id == me.id {
            0
        } else {
            match (
                me.last_caught_up_timestamp_ms,
                lagging.last_caught_up_timestamp_ms,
            ) {
                (Some(a), Some(b)) => a as i64 - b as i64,
                _ => -1,
            }
        };
        Some(QuorumStatus {
            cluster_id: CLUSTER_ID,
            leader_id: Some(leader.id),
            leader_epoch: leader.raft.epoch,
            high_watermark: leader.raft.high_watermark,
            max_follower_lag,
            max_follower_lag_time_ms,
            voters,
            observers,
            controllers,
        })
    }

    /// `kafka-metadata-quorum describe --status` as text, then each controller's role and
    /// `ActiveControllerCount`.
    pub fn describe_quorum(&self) -> String {
        if self.quorum.is_empty() {
            return "this cluster has one controller that never fails (add `controllers=3` to the \
                    cluster line for a KRaft quorum)\n"
                .into();
        }
        let mut out = String::new();
        match self.quorum_status() {
            Some(s) => {
                let nodes = |v: &[ReplicaStatus], endpoints: bool| {
                    let items: Vec<String> = v
                        .iter()
                        .map(|r| {
                            if endpoints {
                                format!(
                                    "{{\"id\": {}, \"directoryId\": null, \"endpoints\": [\"CONTROLLER://controller-{}:9093\"]}}",
                                    r.id, r.id
                                )
                            } else {
                                format!("{{\"id\": {}, \"directoryId\": null}}", r.id)
                            }
                        })
                        .collect();
                    format!("[{}]", items.join(", "))
                };
                out.push_str(&format!("ClusterId:              {}\n", s.cluster_id));
                out.push_str(&format!(
                    "LeaderId:               {}\n",
                    s.leader_id.map_or(-1, i64::from)
                ));
                out.push_str(&format!("LeaderEpoch:            {}\n", s.leader_epoch));
                out.push_str(&format!("HighWatermark:          {}\n", s.high_watermark));
                out.push_str(&format!("MaxFollowerLag:         {}\n", s.max_follower_lag));
                out.push_str(&format!(
                    "MaxFollowerLagTimeMs:   {}\n",
                    s.max_follower_lag_time_ms
                ));
                out.push_str(&format!(
                    "CurrentVoters:          {}\n",
                    nodes(&s.voters, true)
                ));
                out.push_str(&format!(
                    "CurrentObservers:       {}\n",
                    nodes(&s.observers, false)
                ));
            }
            None => out.push_str(
                "no leader: DescribeQuorum has no controller to answer it (an election is under way, or a majority is down)\n",
            ),
        }
        out.push('\n');
        for c in self.controller_statuses() {
            out.push_str(&format!(
                "controller {}: {:<11} epoch {:<3} log end {:<5} high watermark {:<5} ActiveControllerCount {}\n",
                c.id, c.role, c.epoch, c.log_end_offset, c.high_watermark, c.active_controller_count
            ));
        }
        out
    }

    /// Each controller of the quorum as the site draws it (empty without `controllers=N`).
    pub fn controller_views(&self) -> Vec<ControllerView> {
        let statuses = self.controller_statuses();
        let leader_end = statuses
            .iter()
            .filter(|c| c.running && c.role == "leader")
            .max_by_key(|c| c.epoch)
            .or_else(|| {
                statuses
                    .iter()
                    .filter(|c| c.running)
                    .max_by_key(|c| c.log_end_offset)
            })
            .map_or(0, |c| c.log_end_offset);
        statuses
            .into_iter()
            .map(|status| ControllerView {
                isolated: self.net.isolated.iter().any(|n| {
                    matches!(n, NodeRef::Controller) || *n == NodeRef::QuorumController(status.id)
                }),
                lag: leader_end.saturating_sub(status.log_end_offset),
                status,
            })
            .collect()
    }

    /// Each controller's role, epoch, log and `ActiveControllerCount`.
    pub fn controller_statuses(&self) -> Vec<ControllerStatus> {
        self.quorum
            .iter()
            .map(|q| ControllerStatus {
                id: q.id,
                running: q.running,
                role: if !q.running {
                    "down"
                } else {
                    match &q.raft.role {
                        Role::Leader(_) => "leader",
                        Role::Follower { .. } => "follower",
                        Role::Candidate(_) => "candidate",
                        Role::Prospective { .. } => "prospective",
                        Role::Unattached { .. } => "unattached",
                        Role::Resigned { .. } => "resigned",
                    }
                },
                epoch: q.raft.epoch,
                log_end_offset: q.raft.end_offset(),
                high_watermark: q.raft.high_watermark,
                active_controller_count: u32::from(q.is_active()),
            })
            .collect()
    }
}
