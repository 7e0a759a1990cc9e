//! KRaft's Raft state machine (`controller/raft/`) driven alone: three or five voters on a toy
//! network that delays, drops and cuts messages, with crashes and restarts, over many seeds. It
//! checks KIP-595's safety properties — at most one leader per epoch, a committed record is never
//! lost (every later leader holds it, no voter truncates below its high watermark) — and that a
//! quorum with a majority up and connected elects a leader and commits again.

use khafka_sim::controller::raft::{Raft, RaftConfig, RaftEvent, Role};
use khafka_sim::protocol::raft::{BrokerRecord, ControllerId, MetadataRecord, RaftEntry, RaftMsg};
use khafka_sim::rng::SimRng;
use std::collections::BTreeMap;

const MS: u64 = 1_000;

struct Cluster {
    nodes: Vec<Raft>,
    up: Vec<bool>,
    /// Nodes cut off from every other until the given time.
    cut_until: Vec<u64>,
    /// `(deliver at, sequence) → (from, to, message)`.
    queue: BTreeMap<(u64, u64), (ControllerId, ControllerId, RaftMsg)>,
    seq: u64,
    rng: SimRng,
    node_rngs: Vec<SimRng>,
    now: u64,
    /// The leader of each epoch seen so far.
    leaders: BTreeMap<u32, ControllerId>,
    /// The longest committed prefix seen (the entries below the largest high watermark).
    committed: Vec<RaftEntry>,
    next_record: u64,
    violations: Vec<String>,
}

fn record(n: u64) -> MetadataRecord {
    MetadataRecord::Brokers(vec![BrokerRecord {
        registered: true,
        fenced: false,
        broker_epoch: n,
        shutting_down: false,
        unfence_at_offset: 0,
    }])
}

impl Cluster {
    fn new(voters: u32, seed: u64) -> Self {
        let cfg = RaftConfig {
            voters,
            ..RaftConfig::default()
        };
        let log = vec![RaftEntry {
            epoch: 1,
            record: MetadataRecord::LeaderChange { leader: 1 },
        }];
        let nodes: Vec<Raft> = (1..=voters)
            .map(|id| Raft::bootstrapped(id, cfg, 1, log.clone(), 0))
            .collect();
        let mut c = Cluster {
            up: vec![true; voters as usize],
            cut_until: vec![0; voters as usize],
            queue: BTreeMap::new(),
            seq: 0,
            rng: SimRng::derive(seed, "raft-test"),
            node_rngs: (1..=voters)
                .map(|i| SimRng::derive_indexed(seed, "raft-node", i as u64))
                .collect(),
            now: 0,
            leaders: BTreeMap::from([(1, 1)]),
            committed: log,
            next_record: 0,
            violations: Vec::new(),
            nodes,
        };
        for i in 0..voters as usize {
            c.flush(i);
        }
        c
    }

    fn cut(&self, i: usize) -> bool {
        self.cut_until[i] > self.now
    }

    /// Sends what node `i` queued, and checks what it did.
    fn flush(&mut self, i: usize) {
        let from = i as ControllerId + 1;
        for (to, m) in std::mem::take(&mut self.nodes[i].out) {
            let j = (to - 1) as usize;
            if self.cut(i) || self.cut(j) || self.rng.chance_ppm(10_000) {
                continue;
            }
            let at = self.now + self.rng.range_inclusive(MS / 2, 5 * MS);
            self.seq += 1;
            self.queue.insert((at, self.seq), (from, to, m));
        }
        for ev in std::mem::take(&mut self.nodes[i].events) {
            match ev {
                RaftEvent::Leader { epoch } => {
                    if let Some(other) = self.leaders.insert(epoch, from) {
                        self.violations
                            .push(format!("epoch {epoch} has two leaders: {other} and {from}"));
                    }
                    let log = &self.nodes[i].log;
                    if log.len() < self.committed.len()
                        || log[..self.committed.len()] != self.committed[..]
                    {
                        self.violations.push(format!(
                            "leader {from} of epoch {epoch} lacks committed records"
                        ));
                    }
                }
                RaftEvent::TruncationBelowHighWatermark { to, hw } => self
                    .violations
                    .push(format!("{from} truncated to {to} below its HW {hw}")),
                _ => {}
            }
        }
        let n = &self.nodes[i];
        let hw = n.high_watermark as usize;
        if hw > self.committed.len() {
            if n.log[..self.committed.len()] != self.committed[..] {
                self.violations.push(format!(
                    "{from} committed a log that differs from the committed one"
                ));
            }
            self.committed = n.log[..hw].to_vec();
        } else if n.log.len() >= hw && n.log[..hw] != self.committed[..hw] {
            self.violations.push(format!(
                "{from}'s committed prefix differs from the quorum's"
            ));
        }
    }

    fn step(&mut self, faults: bool) {
        self.now += MS;
        let now = self.now;
        while let Some((&(at, seq), _)) = self.queue.first_key_value() {
            if at > now {
                break;
            }
            let (from, to, m) = self.queue.remove(&(at, seq)).expect("first");
            let j = (to - 1) as usize;
            if self.up[j] {
                self.nodes[j].on_msg(from, m, now, &mut self.node_rngs[j]);
                self.flush(j);
            }
        }
        for i in 0..self.nodes.len() {
            if self.up[i] && self.nodes[i].next_deadline_us().is_some_and(|d| d <= now) {
                self.nodes[i].poll(now, &mut self.node_rngs[i]);
                self.flush(i);
            }
        }
        if now.is_multiple_of(50 * MS) {
            if let Some(i) =
                (0..self.nodes.len()).find(|&i| self.up[i] && self.nodes[i].is_leader())
            {
                self.next_record += 1;
                let r = record(self.next_record);
                self.nodes[i].append(r, now);
                self.flush(i);
            }
        }
        if faults && now.is_multiple_of(500 * MS) {
            let i = self.rng.below(self.nodes.len() as u64) as usize;
            match self.rng.below(6) {
                0 if self.up[i] => {
                    self.up[i] = false;
                    self.nodes[i].out.clear();
                    self.nodes[i].events.clear();
                }
                1 if !self.up[i] => {
                    self.up[i] = true;
                    self.nodes[i].restart(now, &mut self.node_rngs[i]);
                    self.flush(i);
                }
                2 => self.cut_until[i] = now + self.rng.range_inclusive(1_000, 8_000) * MS,
                _ => {}
            }
        }
    }

    fn heal(&mut self) {
        for i in 0..self.nodes.len() {
            self.cut_until[i] = 0;
            if !self.up[i] {
                self.up[i] = true;
                let now = self.now;
                self.nodes[i].restart(now, &mut self.node_rngs[i]);
                self.flush(i);
            }
        }
    }

    fn leader(&self) -> Option<usize> {
        (0..self.nodes.len()).find(|&i| self.up[i] && self.nodes[i].is_leader())
    }
}

#[test]
fn safety_and_liveness_under_crashes_and_partitions() {
    for voters in [3, 5] {
        for seed in 0..40 {
            let mut c = Cluster::new(voters, seed);
            for _ in 0..60_000 {
                c.step(true);
            }
            assert!(
                c.violations.is_empty(),
                "voters={voters} seed={seed}: {:?}",
                c.violations
            );
            c.heal();
            let committed_before = c.committed.len();
            for _ in 0..20_000 {
                c.step(false);
            }
            assert!(
                c.violations.is_empty(),
                "{voters}/{seed}: {:?}",
                c.violations
            );
            assert!(
                c.leader().is_some(),
                "voters={voters} seed={seed}: no leader: {:?}",
                c.nodes
                    .iter()
                    .map(|n| (n.epoch, n.role.clone(), n.end_offset(), n.high_watermark))
                    .collect::<Vec<_>>()
            );
            assert!(
                c.committed.len() > committed_before,
                "voters={voters} seed={seed}: nothing committed after healing"
            );
            assert!(c.leaders.len() > 1, "{voters}/{seed}: no election happened");
        }
    }
}

#[test]
fn a_lone_leader_resigns_and_the_majority_elects_another() {
    let mut c = Cluster::new(3, 7);
    c.cut_until[0] = u64::MAX;
    for _ in 0..10_000 {
        c.step(false);
    }
    assert!(c.violations.is_empty(), "{:?}", c.violations);
    // The old leader resigned at check quorum (1.5 × fetch timeout) and cannot win alone.
    assert!(!c.nodes[0].is_leader());
    let l = c.leader().expect("2 or 3 leads");
    assert_ne!(l, 0);
    assert!(c.nodes[l].epoch > 1);
    // The cut-off voter committed nothing new: its high watermark stayed where it was.
    assert_eq!(c.nodes[0].high_watermark, 1);
    assert!(c.nodes[l].high_watermark > 1);
}

#[test]
fn a_minority_cannot_commit() {
    let mut c = Cluster::new(3, 3);
    // Controllers 2 and 3 die: leader 1 appends but its high watermark cannot move; at check
    // quorum it resigns, and alone it never gets the pre-votes to raise the epoch.
    c.up[1] = false;
    c.up[2] = false;
    for _ in 0..5_000 {
        c.step(false);
    }
    assert_eq!(c.committed.len(), 1);
    assert_eq!(c.nodes[0].high_watermark, 1);
    assert!(c.nodes[0].epoch <= 2, "epoch {}", c.nodes[0].epoch);
    assert!(c.nodes[0].log.len() > 1 || !c.nodes[0].is_leader());
    assert!(matches!(
        c.nodes[0].role,
        Role::Resigned { .. } | Role::Prospective { .. } | Role::Unattached { .. }
    ));
}

/// A follower that restarts follows the leader its `quorum-state` file names and fetches from it
/// at once (`QuorumState.initialize`: a known leader makes a `FollowerState`), rather than waiting
/// out an election timeout as an unattached voter and asking for pre-votes.
#[test]
fn a_restarted_follower_fetches_from_the_leader_it_knew() {
    let (cfg, log) = three_voters();
    let mut node = Raft::bootstrapped(2, cfg, 1, log, 0);
    assert!(matches!(node.role, Role::Follower { leader: 1, .. }));
    node.out.clear();
    node.restart(5_000 * MS, &mut SimRng::derive(9, "raft-node"));
    assert!(
        matches!(node.role, Role::Follower { leader: 1, .. }),
        "{:?}",
        node.role
    );
    assert!(
        node.out
            .iter()
            .any(|(to, m)| *to == 1 && matches!(m, RaftMsg::Fetch { .. })),
        "{:?}",
        node.out
    );
    assert_eq!(
        node.high_watermark, 0,
        "the high watermark is not in the file"
    );
}

fn three_voters() -> (RaftConfig, Vec<RaftEntry>) {
    let cfg = RaftConfig {
        voters: 3,
        ..RaftConfig::default()
    };
    let log = vec![RaftEntry {
        epoch: 1,
        record: MetadataRecord::LeaderChange { leader: 1 },
    }];
    (cfg, log)
}

/// A leader that restarts is resigned in its epoch and ends it with `EndQuorumEpoch` naming no
/// successor (`QuorumState.initialize`, `pollResigned`); a follower of it that hears so starts
/// its election at once (`handleEndQuorumEpochRequest`: `strictExponentialElectionBackoffMs` of
/// place 0), not after its 2 s fetch timeout.
#[test]
fn a_restarted_leader_ends_its_epoch_and_its_followers_elect_at_once() {
    let (cfg, log) = three_voters();
    let mut rng = SimRng::derive(1, "raft-node");
    let mut leader = Raft::bootstrapped(1, cfg, 1, log.clone(), 0);
    let mut follower = Raft::bootstrapped(2, cfg, 1, log, 0);
    leader.out.clear();
    follower.out.clear();
    leader.restart(300 * MS, &mut rng);
    assert!(
        matches!(leader.role, Role::Resigned { .. }),
        "{:?}",
        leader.role
    );
    let ends: Vec<_> = leader
        .out
        .iter()
        .filter_map(|(to, m)| match m {
            RaftMsg::EndQuorumEpoch {
                epoch: 1,
                leader: 1,
                successors,
            } => Some((*to, successors.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(ends, vec![(2, vec![]), (3, vec![])]);
    let (_, end) = leader.out.remove(0);
    follower.on_msg(1, end, 301 * MS, &mut rng);
    assert!(
        follower.out.iter().any(
            |(to, m)| *to == 1 && matches!(m, RaftMsg::EndQuorumEpochResponse { epoch: 1, .. })
        ),
        "{:?}",
        follower.out
    );
    assert_eq!(follower.next_deadline_us(), Some(301 * MS));
    follower.poll(301 * MS, &mut rng);
    assert!(
        matches!(follower.role, Role::Prospective { .. }),
        "{:?}",
        follower.role
    );
    // The answer acknowledges the follower: the resigned leader stops telling it.
    let (_, answer) = follower
        .out
        .iter()
        .find(|(_, m)| matches!(m, RaftMsg::EndQuorumEpochResponse { .. }))
        .cloned()
        .expect("answered");
    leader.out.clear();
    leader.on_msg(2, answer, 302 * MS, &mut rng);
    let Role::Resigned { unacked, .. } = &leader.role else {
        panic!("{:?}", leader.role)
    };
    assert_eq!(unacked, &vec![3]);
}

/// A leader that resigns at check quorum names the voters by the end offset they fetched; the
/// second of two waits `election.backoff.max.ms >> 1` = 500 ms before its election.
#[test]
fn a_resigned_leaders_second_successor_waits_half_the_backoff() {
    let (cfg, log) = three_voters();
    let mut rng = SimRng::derive(2, "raft-node");
    let mut leader = Raft::bootstrapped(1, cfg, 1, log.clone(), 0);
    leader.out.clear();
    leader.append(record(1), MS);
    // Voter 3 fetched everything, voter 2 only the first record; then neither fetches again.
    leader.on_msg(
        3,
        RaftMsg::Fetch {
            epoch: 1,
            fetch_offset: 2,
            last_fetched_epoch: 1,
        },
        2 * MS,
        &mut rng,
    );
    leader.on_msg(
        2,
        RaftMsg::Fetch {
            epoch: 1,
            fetch_offset: 1,
            last_fetched_epoch: 1,
        },
        2 * MS,
        &mut rng,
    );
    leader.out.clear();
    let mut now = 2 * MS;
    while leader.is_leader() {
        now = leader.next_deadline_us().expect("a deadline");
        leader.poll(now, &mut rng);
    }
    let Role::Resigned { successors, .. } = &leader.role else {
        panic!("{:?}", leader.role)
    };
    assert_eq!(successors, &vec![3, 2]);
    let mut follower = Raft::bootstrapped(3, cfg, 1, log, now);
    // Voter 3 is first: at once. As voter 2 would be, a follower placed second waits 500 ms.
    let end = |s: Vec<ControllerId>| RaftMsg::EndQuorumEpoch {
        epoch: 1,
        leader: 1,
        successors: s,
    };
    follower.on_msg(1, end(vec![2, 3]), now, &mut rng);
    assert_eq!(follower.next_deadline_us(), Some(now + 500 * MS));
    follower.on_msg(1, end(vec![3, 2]), now, &mut rng);
    assert_eq!(follower.next_deadline_us(), Some(now));
}

/// KAFKA-18345 (Kafka 4.1): a candidate rejected by a majority sends no more votes and waits
/// out the rest of its election timeout, then asks for pre-votes again; no exponential backoff.
#[test]
fn a_rejected_candidate_waits_out_its_election_timeout() {
    let (cfg, log) = three_voters();
    let mut rng = SimRng::derive(3, "raft-node");
    let mut node = Raft::bootstrapped(2, cfg, 1, log, 0);
    node.out.clear();
    // Its fetch timeout passes: prospective; two pre-votes make it a candidate of epoch 2.
    node.poll(2_000 * MS, &mut rng);
    for from in [1, 3] {
        node.on_msg(
            from,
            RaftMsg::VoteResponse {
                epoch: 1,
                leader: None,
                granted: true,
                pre_vote: true,
            },
            2_001 * MS,
            &mut rng,
        );
    }
    let Role::Candidate(e) = &node.role else {
        panic!("{:?}", node.role)
    };
    let deadline = e.election_deadline_us;
    for from in [1, 3] {
        node.on_msg(
            from,
            RaftMsg::VoteResponse {
                epoch: 2,
                leader: None,
                granted: false,
                pre_vote: false,
            },
            2_002 * MS,
            &mut rng,
        );
    }
    node.out.clear();
    assert_eq!(node.next_deadline_us(), Some(deadline));
    node.poll(deadline - 1, &mut rng);
    assert!(matches!(node.role, Role::Candidate(_)));
    assert!(node.out.is_empty(), "no more votes: {:?}", node.out);
    node.poll(deadline, &mut rng);
    assert!(
        matches!(node.role, Role::Prospective { .. }),
        "{:?}",
        node.role
    );
}
