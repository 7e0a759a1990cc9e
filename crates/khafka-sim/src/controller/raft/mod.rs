//! KRaft's Raft (KIP-595) as a pure state machine: one voter's epoch, role, metadata log and high
//! watermark, driven by messages and deadlines, with no handler context (tested alone in
//! `tests/raft.rs` and the table `tests/tables/raft_vote.txt`).
//!
//! Followed from Kafka's `raft/` (`KafkaRaftClient`, `QuorumState`, `UnattachedState`,
//! `FollowerState`, `CandidateState`, `LeaderState`, `ReplicatedLog`; KIP-996's `ProspectiveState`
//! as Kafka 4.0 added it):
//! - a voter that hears nothing within its election timeout (`controller.quorum.election.timeout.ms`
//!   plus a uniform draw below it, `QuorumState.randomElectionTimeoutMs`), or a follower without a
//!   successful fetch for `controller.quorum.fetch.timeout.ms`, becomes prospective: it asks every
//!   other voter for a pre-vote in its current epoch (KIP-996), which changes nobody's state; a voter
//!   grants it if the prospective's log is up to date and it has no leader it heard from within its
//!   fetch timeout. With a majority of pre-votes it becomes a candidate: epoch + 1, a vote for
//!   itself, `Vote` to every other voter with its last epoch and end offset; refused, it goes back to
//!   following (or waiting). So a voter whose log is behind, or that was cut off, never raises the
//!   epoch and deposes a working leader;
//! - a vote is granted once per epoch, only to a candidate whose `(last epoch, end offset)` is at
//!   least the voter's, and never by a follower, a candidate or a leader of that epoch
//!   (`canGrantVote` of each state); a larger epoch in any request or response moves a voter to it;
//! - a prospective that grants a real vote records it, as an unattached voter does
//!   (`prospectiveAddVotedState`); a pre-vote's larger epoch moves the receiver to it, as any
//!   request's does; a resigned leader grants pre-votes to an up-to-date log;
//! - a candidate with a majority becomes leader, appends a `LeaderChange` record and sends
//!   `BeginQuorumEpoch` to every voter each half fetch timeout; a candidate rejected by enough
//!   voters waits out its election timeout, then becomes prospective again (KAFKA-18345, Kafka
//!   4.1: no exponential backoff);
//! - followers pull: `Fetch(fetchOffset, lastFetchedEpoch)`; the leader answers a diverging log with
//!   the end offset of the fetcher's epoch (`ReplicatedLog.validateOffsetAndEpoch`), the follower
//!   truncates there (`truncateToEndOffset`), never below its high watermark;
//! - the leader's high watermark is the end offset a majority of voters reached, once it is past the
//!   start of the leader's epoch (`LeaderState.maybeUpdateHighWatermark`); a fetch with nothing new
//!   waits up to 500 ms (`MAX_FETCH_WAIT_MS`) for records or a new high watermark;
//! - a leader that has not been fetched from by a majority for 1.5 × the fetch timeout resigns
//!   (check quorum, `LeaderState.timeUntilCheckQuorumExpires`) and waits an election timeout; a
//!   leader that restarts is resigned in its epoch. A resigned leader sends `EndQuorumEpoch` to
//!   the voters until they answer, naming its preferred successors (the other voters by the end
//!   offset they fetched, `nonLeaderVotersByDescendingFetchOffset`; none after a restart); a
//!   follower of it starts its election after `strictExponentialElectionBackoffMs` of its place
//!   in that list (at once for the first, or for everyone when the list is empty).

use crate::protocol::raft::{
    ControllerId, FetchError, FetchResponseData, MetadataRecord, RaftEntry, RaftMsg,
};
use crate::rng::SimRng;
use serde::Serialize;

/// `KafkaRaftClient.MAX_FETCH_WAIT_MS`.
pub const MAX_FETCH_WAIT_MS: u64 = 500;

/// The quorum's settings (`QuorumConfig`), in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RaftConfig {
    /// Voters `1..=voters`.
    pub voters: u32,
    pub election_timeout_ms: u64,
    pub fetch_timeout_ms: u64,
    pub election_backoff_max_ms: u64,
    /// `controller.quorum.request.timeout.ms`: an unanswered request is sent again after this long.
    pub request_timeout_ms: u64,
}

impl Default for RaftConfig {
    fn default() -> Self {
        RaftConfig {
            voters: 3,
            election_timeout_ms: 1_000,
            fetch_timeout_ms: 2_000,
            election_backoff_max_ms: 1_000,
            request_timeout_ms: 2_000,
        }
    }
}

/// What the leader knows of one voter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VoterProgress {
    /// The end offset the voter has (its last fetch offset; the leader's own log end for itself).
    pub end_offset: Option<u64>,
    pub last_fetch_us: Option<u64>,
    /// Last time the voter had fetched everything the leader had (`lastCaughtUpTimestamp`).
    pub last_caught_up_us: Option<u64>,
    /// When the `BeginQuorumEpoch` in flight to it was sent (none in flight: `None`).
    pub begin_sent_us: Option<u64>,
    /// It fetched since the check-quorum timer was last reset.
    pub fetched_in_check: bool,
}

/// A fetch the leader holds until records or a new high watermark arrive, or its wait ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParkedFetch {
    pub from: ControllerId,
    pub fetch_offset: u64,
    pub deadline_us: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeaderState {
    /// Offset of this epoch's `LeaderChange` record.
    pub epoch_start: u64,
    /// Index `id - 1`.
    pub voters: Vec<VoterProgress>,
    pub check_quorum_deadline_us: u64,
    /// The next round of `BeginQuorumEpoch` (`beginQuorumEpochTimer`: every half fetch timeout).
    pub begin_deadline_us: u64,
    pub parked: Vec<ParkedFetch>,
}

/// A voter's state in its epoch (`QuorumState`'s `EpochState`s).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Role {
    /// No leader known in this epoch (`UnattachedState`), maybe with a vote cast.
    Unattached {
        voted: Option<ControllerId>,
        election_deadline_us: u64,
    },
    Follower {
        leader: ControllerId,
        fetch_deadline_us: u64,
        /// When the fetch in flight was sent.
        fetch_sent_us: Option<u64>,
        /// A fetch from the leader succeeded in this state (`hasFetchedFromLeader`).
        fetched: bool,
    },
    /// KIP-996: asking for pre-votes in the current epoch, remembering the leader and the vote
    /// it had.
    Prospective {
        election: VoteTally,
        leader: Option<ControllerId>,
        voted: Option<ControllerId>,
    },
    Candidate(VoteTally),
    Leader(Box<LeaderState>),
    /// A leader that gave up its epoch (`ResignedState`); it waits an election timeout, telling
    /// the voters with `EndQuorumEpoch`.
    Resigned {
        election_deadline_us: u64,
        /// The voters it prefers to succeed it, most caught up first.
        successors: Vec<ControllerId>,
        /// Voters that have not answered its `EndQuorumEpoch`.
        unacked: Vec<ControllerId>,
        /// When the request to each voter (index `id - 1`) was last sent.
        end_sent_us: Vec<Option<u64>>,
    },
}

/// A prospective's or a candidate's election (`EpochElection`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VoteTally {
    pub granted: Vec<ControllerId>,
    pub rejected: Vec<ControllerId>,
    pub election_deadline_us: u64,
    /// When the request to each voter (index `id - 1`) was last sent.
    pub vote_sent_us: Vec<Option<u64>>,
}

impl VoteTally {
    pub fn new(me: ControllerId, voters: u32, deadline_us: u64) -> Self {
        VoteTally {
            granted: vec![me],
            rejected: Vec::new(),
            election_deadline_us: deadline_us,
            vote_sent_us: vec![None; voters as usize],
        }
    }
}

/// A change worth a trace event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RaftEvent {
    Prospective {
        epoch: u32,
    },
    Candidate {
        epoch: u32,
    },
    Leader {
        epoch: u32,
    },
    Follower {
        epoch: u32,
        leader: ControllerId,
    },
    Resigned {
        epoch: u32,
    },
    Truncated {
        to: u64,
        removed: u64,
    },
    /// The leader asked a truncation below this voter's high watermark (a broken invariant).
    TruncationBelowHighWatermark {
        to: u64,
        hw: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Raft {
    pub id: ControllerId,
    pub cfg: RaftConfig,
    pub epoch: u32,
    pub role: Role,
    pub log: Vec<RaftEntry>,
    pub high_watermark: u64,
    /// Messages to send, drained by the caller.
    #[serde(skip)]
    pub out: Vec<(ControllerId, RaftMsg)>,
    #[serde(skip)]
    pub events: Vec<RaftEvent>,
}

impl Raft {
    /// A voter of a healthy quorum at the start of a run: the bootstrap `log` is committed, voter 1
    /// leads `epoch` (its `LeaderChange` ends the log), the others follow it.
    pub fn bootstrapped(
        id: ControllerId,
        cfg: RaftConfig,
        epoch: u32,
        log: Vec<RaftEntry>,
        now_us: u64,
    ) -> Self {
        let hw = log.len() as u64;
        let mut r = Raft {
            id,
            cfg,
            epoch,
            role: Role::Unattached {
                voted: None,
                election_deadline_us: 0,
            },
            log,
            high_watermark: hw,
            out: Vec::new(),
            events: Vec::new(),
        };
        if id == 1 {
            let mut st = r.new_leader_state(now_us, hw.saturating_sub(1));
            // The quorum formed before the run: the next round is half a fetch timeout away.
            st.begin_deadline_us = now_us + r.begin_interval_us();
            st.voters[0].end_offset = Some(hw);
            r.role = Role::Leader(Box::new(st));
        } else {
            r.role = Role::Follower {
                leader: 1,
                fetch_deadline_us: now_us + ms(cfg.fetch_timeout_ms),
                fetch_sent_us: None,
                fetched: false,
            };
            r.send_fetch(now_us);
        }
        r
    }

    /// After a restart: the log and the `quorum-state` file (epoch, vote, leader) survived, the high
    /// watermark did not (`QuorumState.initialize`). A former leader is resigned in its epoch and
    /// ends it with `EndQuorumEpoch` naming no successor; a follower (or a prospective, whose
    /// state is not written) follows the leader it knew and fetches from it at once; the others
    /// are unattached, keeping their vote.
    pub fn restart(&mut self, now_us: u64, rng: &mut SimRng) {
        let was_leader = matches!(self.role, Role::Leader(_) | Role::Resigned { .. });
        let leader = match self.role {
            Role::Follower { leader, .. }
            | Role::Prospective {
                leader: Some(leader),
                ..
            } => Some(leader),
            _ => None,
        };
        let voted = match &self.role {
            Role::Unattached { voted, .. } => *voted,
            Role::Candidate(_) => Some(self.id),
            Role::Prospective { voted, .. } => *voted,
            _ => None,
        };
        self.high_watermark = 0;
        self.out.clear();
        let deadline = now_us + self.random_election_timeout_us(rng);
        if let Some(leader) = leader {
            return self.become_follower(self.epoch, leader, now_us);
        }
        self.role = if was_leader {
            self.resigned(deadline, Vec::new())
        } else {
            Role::Unattached {
                voted,
                election_deadline_us: deadline,
            }
        };
        self.send_end_quorum_epoch(now_us);
    }

    /// `ResignedState`: every other voter still to be told.
    fn resigned(&self, election_deadline_us: u64, successors: Vec<ControllerId>) -> Role {
        Role::Resigned {
            election_deadline_us,
            successors,
            unacked: self.voter_ids().collect(),
            end_sent_us: vec![None; self.cfg.voters as usize],
        }
    }

    pub fn majority(&self) -> usize {
        self.cfg.voters as usize / 2 + 1
    }

    pub fn end_offset(&self) -> u64 {
        self.log.len() as u64
    }

    pub fn last_epoch(&self) -> u32 {
        self.log.last().map_or(0, |e| e.epoch)
    }

    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader(_))
    }

    /// The leader this voter knows in its epoch (a prospective remembers the one it followed).
    pub fn leader(&self) -> Option<ControllerId> {
        match &self.role {
            Role::Leader(_) => Some(self.id),
            Role::Follower { leader, .. } => Some(*leader),
            Role::Prospective { leader, .. } => *leader,
            _ => None,
        }
    }

    pub fn leader_state(&self) -> Option<&LeaderState> {
        match &self.role {
            Role::Leader(l) => Some(l),
            _ => None,
        }
    }

    /// `(epoch, end offset)` of the largest epoch ≤ `epoch` in the log (`endOffsetForEpoch`);
    /// `(0, 0)` if there is none.
    pub fn end_offset_for_epoch(&self, epoch: u32) -> (u32, u64) {
        match self.log.iter().rposition(|e| e.epoch <= epoch) {
            Some(i) => (self.log[i].epoch, i as u64 + 1),
            None => (0, 0),
        }
    }

    fn random_election_timeout_us(&self, rng: &mut SimRng) -> u64 {
        let t = self.cfg.election_timeout_ms;
        ms(t + rng.below(t.max(1)))
    }

    fn voter_ids(&self) -> impl Iterator<Item = ControllerId> + '_ {
        (1..=self.cfg.voters).filter(move |v| *v != self.id)
    }

    fn new_leader_state(&self, now_us: u64, epoch_start: u64) -> LeaderState {
        LeaderState {
            epoch_start,
            voters: vec![VoterProgress::default(); self.cfg.voters as usize],
            check_quorum_deadline_us: now_us + self.check_quorum_us(),
            begin_deadline_us: now_us,
            parked: Vec::new(),
        }
    }

    fn check_quorum_us(&self) -> u64 {
        ms(self.cfg.fetch_timeout_ms.saturating_mul(3) / 2)
    }

    /// `LeaderState.beginQuorumEpochTimeoutMs`: half the fetch timeout.
    fn begin_interval_us(&self) -> u64 {
        ms(self.cfg.fetch_timeout_ms / 2)
    }

    // ------------------------------------------------------------------ transitions

    /// `QuorumState.transitionToUnattached`: a candidate, an unattached voter, a prospective that
    /// was not refused and a resigned leader keep the election time they had left (a candidate that
    /// cannot win must not hold off the others' timers by raising the epoch); any other state draws
    /// a new election timeout.
    fn become_unattached(&mut self, epoch: u32, now_us: u64, rng: &mut SimRng) {
        let lose_at = self.lose_at();
        let deadline = match &self.role {
            Role::Candidate(e) => e.election_deadline_us,
            Role::Prospective { election: e, .. } if e.rejected.len() < lose_at => {
                e.election_deadline_us
            }
            Role::Unattached {
                election_deadline_us,
                ..
            }
            | Role::Resigned {
                election_deadline_us,
                ..
            } => *election_deadline_us,
            _ => now_us + self.random_election_timeout_us(rng),
        };
        self.epoch = epoch;
        self.role = Role::Unattached {
            voted: None,
            election_deadline_us: deadline,
        };
    }

    fn become_follower(&mut self, epoch: u32, leader: ControllerId, now_us: u64) {
        self.epoch = epoch;
        self.role = Role::Follower {
            leader,
            fetch_deadline_us: now_us + ms(self.cfg.fetch_timeout_ms),
            fetch_sent_us: None,
            fetched: false,
        };
        self.events.push(RaftEvent::Follower { epoch, leader });
        self.send_fetch(now_us);
    }

    /// Rejections that lose an election.
    fn lose_at(&self) -> usize {
        self.cfg.voters as usize - self.majority() + 1
    }

    /// KIP-996 `transitionToProspective`: ask for pre-votes in the current epoch.
    fn become_prospective(&mut self, now_us: u64, rng: &mut SimRng) {
        let (leader, voted) = match &self.role {
            Role::Candidate(_) => (None, Some(self.id)),
            Role::Follower { leader, .. } => (Some(*leader), None),
            Role::Unattached { voted, .. } => (None, *voted),
            _ => (None, None),
        };
        let deadline = now_us + self.random_election_timeout_us(rng);
        self.role = Role::Prospective {
            election: VoteTally::new(self.id, self.cfg.voters, deadline),
            leader,
            voted,
        };
        self.events
            .push(RaftEvent::Prospective { epoch: self.epoch });
        if self.majority() <= 1 {
            self.become_candidate(now_us, rng);
        } else {
            self.send_votes(now_us);
        }
    }

    /// A prospective refused by enough voters, or whose election timed out, follows the leader it
    /// knew, else waits unattached in its epoch (`prospectiveTransitionAfterElectionLoss`).
    fn prospective_lost(&mut self, now_us: u64, rng: &mut SimRng) {
        let lose_at = self.lose_at();
        let Role::Prospective {
            election,
            leader,
            voted,
        } = &self.role
        else {
            return;
        };
        let (leader, voted) = (*leader, *voted);
        match leader {
            Some(l) => self.become_follower(self.epoch, l, now_us),
            None => {
                let deadline = if election.rejected.len() >= lose_at {
                    now_us + self.random_election_timeout_us(rng)
                } else {
                    election.election_deadline_us
                };
                self.role = Role::Unattached {
                    voted,
                    election_deadline_us: deadline,
                };
            }
        }
    }

    fn become_candidate(&mut self, now_us: u64, rng: &mut SimRng) {
        self.epoch += 1;
        let deadline = now_us + self.random_election_timeout_us(rng);
        self.role = Role::Candidate(VoteTally::new(self.id, self.cfg.voters, deadline));
        self.events.push(RaftEvent::Candidate { epoch: self.epoch });
        if self.majority() <= 1 {
            self.become_leader(now_us);
        } else {
            self.send_votes(now_us);
        }
    }

    fn become_leader(&mut self, now_us: u64) {
        let start = self.end_offset();
        let st = self.new_leader_state(now_us, start);
        self.role = Role::Leader(Box::new(st));
        self.events.push(RaftEvent::Leader { epoch: self.epoch });
        // "The high watermark can only be advanced once we have written a record from the new
        // leader's epoch": the LeaderChange control record (`onBecomeLeader`).
        self.append(MetadataRecord::LeaderChange { leader: self.id }, now_us);
        self.send_begin_quorum_epoch(now_us);
    }

    /// `transitionToResigned(nonLeaderVotersByDescendingFetchOffset())`.
    fn resign(&mut self, now_us: u64, rng: &mut SimRng) {
        let (parked, successors) = match &mut self.role {
            Role::Leader(l) => {
                let mut others: Vec<(ControllerId, Option<u64>)> = (1..=self.cfg.voters)
                    .filter(|v| *v != self.id)
                    .map(|v| (v, l.voters[(v - 1) as usize].end_offset))
                    .collect();
                // Largest end offset first, voters never fetched last, ties by id.
                let key = |&(v, end): &(ControllerId, Option<u64>)| {
                    (std::cmp::Reverse(end.map(|e| e + 1)), v)
                };
                crate::kernel::small::sort_by(&mut others, |a, b| key(a).cmp(&key(b)));
                (
                    std::mem::take(&mut l.parked),
                    others.into_iter().map(|(v, _)| v).collect(),
                )
            }
            _ => (Vec::new(), Vec::new()),
        };
        let deadline = now_us + self.random_election_timeout_us(rng);
        self.role = self.resigned(deadline, successors);
        self.events.push(RaftEvent::Resigned { epoch: self.epoch });
        for p in parked {
            let m = self.fetch_answer(Some(FetchError::NotLeaderOrFollower), Vec::new(), None);
            self.out.push((p.from, m));
        }
        self.send_end_quorum_epoch(now_us);
    }

    /// A fetch response from this voter as it stands.
    fn fetch_answer(
        &self,
        error: Option<FetchError>,
        entries: Vec<RaftEntry>,
        diverging: Option<(u32, u64)>,
    ) -> RaftMsg {
        RaftMsg::FetchResponse(FetchResponseData {
            epoch: self.epoch,
            leader: self.leader(),
            error,
            high_watermark: self.high_watermark,
            entries,
            diverging,
        })
    }

    /// `KafkaRaftClient.maybeTransition`: a request or response names `epoch` (and its leader).
    fn maybe_transition(
        &mut self,
        leader: Option<ControllerId>,
        epoch: u32,
        now_us: u64,
        rng: &mut SimRng,
    ) {
        if epoch > self.epoch {
            match leader {
                Some(l) => self.become_follower(epoch, l, now_us),
                None => self.become_unattached(epoch, now_us, rng),
            }
        } else if epoch == self.epoch {
            if let Some(l) = leader {
                if self.leader().is_none() && l != self.id {
                    self.become_follower(epoch, l, now_us);
                }
            }
        }
    }

    // ------------------------------------------------------------------ sending

    /// Sends `Vote` (a pre-vote when prospective) to the voters that have not answered, at most
    /// once per request timeout.
    fn send_votes(&mut self, now_us: u64) {
        let (last_epoch, last_offset) = (self.last_epoch(), self.end_offset());
        let epoch = self.epoch;
        let ids: Vec<ControllerId> = self.voter_ids().collect();
        let timeout = ms(self.cfg.request_timeout_ms);
        let lose_at = self.lose_at();
        let (pre_vote, e) = match &mut self.role {
            Role::Prospective { election, .. } => (true, election),
            Role::Candidate(e) => (false, e),
            _ => return,
        };
        // "Continue sending Vote requests as long as we still have a chance to win."
        if e.rejected.len() >= lose_at {
            return;
        }
        for v in ids {
            let i = (v - 1) as usize;
            if e.granted.contains(&v) || e.rejected.contains(&v) {
                continue;
            }
            if e.vote_sent_us[i].is_some_and(|t| t + timeout > now_us) {
                continue;
            }
            e.vote_sent_us[i] = Some(now_us);
            self.out.push((
                v,
                RaftMsg::Vote {
                    epoch,
                    last_epoch,
                    last_offset,
                    pre_vote,
                },
            ));
        }
    }

    /// `maybeSendBeginQuorumEpochRequests`: when its timer is up, to every voter without one in
    /// flight; the timer starts again.
    fn send_begin_quorum_epoch(&mut self, now_us: u64) {
        let epoch = self.epoch;
        let timeout = ms(self.cfg.request_timeout_ms);
        let interval = self.begin_interval_us();
        let ids: Vec<ControllerId> = self.voter_ids().collect();
        let Role::Leader(l) = &mut self.role else {
            return;
        };
        if ids.is_empty() || l.begin_deadline_us > now_us {
            return;
        }
        l.begin_deadline_us = now_us + interval;
        for v in ids {
            let p = &mut l.voters[(v - 1) as usize];
            if p.begin_sent_us.is_some_and(|t| t + timeout > now_us) {
                continue;
            }
            p.begin_sent_us = Some(now_us);
            self.out.push((v, RaftMsg::BeginQuorumEpoch { epoch }));
        }
    }

    /// `pollResigned`: `EndQuorumEpoch` to every voter that has not answered, at most once per
    /// request timeout.
    fn send_end_quorum_epoch(&mut self, now_us: u64) {
        let (epoch, me) = (self.epoch, self.id);
        let timeout = ms(self.cfg.request_timeout_ms);
        let Role::Resigned {
            successors,
            unacked,
            end_sent_us,
            ..
        } = &mut self.role
        else {
            return;
        };
        for &v in unacked.iter() {
            let sent = &mut end_sent_us[(v - 1) as usize];
            if sent.is_some_and(|t| t + timeout > now_us) {
                continue;
            }
            *sent = Some(now_us);
            self.out.push((
                v,
                RaftMsg::EndQuorumEpoch {
                    epoch,
                    leader: me,
                    successors: successors.clone(),
                },
            ));
        }
    }

    /// `strictExponentialElectionBackoffMs` for this voter's place among `successors`: none for
    /// the first (or when there is no list), then `election.backoff.max.ms >> (n - 1)` doubling
    /// with each place; the most for a voter not listed.
    fn end_epoch_election_backoff_ms(&self, successors: &[ControllerId]) -> u64 {
        let max = self.cfg.election_backoff_max_ms;
        let n = successors.len();
        let position = successors.iter().position(|v| *v == self.id).unwrap_or(n);
        if position == 0 {
            0
        } else if position >= n {
            max
        } else {
            let base = max >> (n - 1).min(63);
            base.checked_shl((position - 1) as u32)
                .map_or(max, |b| b.min(max))
        }
    }

    fn send_fetch(&mut self, now_us: u64) {
        let (epoch, fetch_offset, last_fetched_epoch) =
            (self.epoch, self.end_offset(), self.last_epoch());
        if let Role::Follower {
            leader,
            fetch_sent_us,
            ..
        } = &mut self.role
        {
            *fetch_sent_us = Some(now_us);
            self.out.push((
                *leader,
                RaftMsg::Fetch {
                    epoch,
                    fetch_offset,
                    last_fetched_epoch,
                },
            ));
        }
    }

    // ------------------------------------------------------------------ the leader's log

    /// The leader appends a record in its epoch. Returns its offset.
    pub fn append(&mut self, record: MetadataRecord, now_us: u64) -> u64 {
        let offset = self.end_offset();
        self.append_batch(vec![record], now_us);
        offset
    }

    /// The leader appends records as one batch: a fetch returns it whole, so it commits whole.
    pub fn append_batch(&mut self, records: Vec<MetadataRecord>, now_us: u64) {
        debug_assert!(self.is_leader());
        if records.is_empty() {
            return;
        }
        let epoch = self.epoch;
        self.log.extend(
            records
                .into_iter()
                .map(|record| RaftEntry { epoch, record }),
        );
        let end = self.end_offset();
        let me = self.id;
        if let Role::Leader(l) = &mut self.role {
            let p = &mut l.voters[(me - 1) as usize];
            p.end_offset = Some(end);
            p.last_caught_up_us = Some(now_us);
        }
        self.maybe_update_high_watermark();
        self.complete_parked(now_us, |_| true);
    }

    /// `LeaderState.maybeUpdateHighWatermark`. Returns whether it moved.
    fn maybe_update_high_watermark(&mut self) -> bool {
        let Role::Leader(l) = &self.role else {
            return false;
        };
        let mut ends: Vec<Option<u64>> = l.voters.iter().map(|v| v.end_offset).collect();
        // A handful of voters: the shared index sort, not a sort instantiated for this type.
        crate::kernel::small::sort_by(&mut ends, |a, b| b.cmp(a));
        let Some(Some(candidate)) = ends.get(self.cfg.voters as usize / 2).copied() else {
            return false;
        };
        if candidate > l.epoch_start && candidate > self.high_watermark {
            self.high_watermark = candidate;
            return true;
        }
        false
    }

    /// Answers parked fetches that `now_done` says are complete.
    fn complete_parked(&mut self, now_us: u64, now_done: impl Fn(&ParkedFetch) -> bool) {
        let Role::Leader(l) = &mut self.role else {
            return;
        };
        if l.parked.is_empty() {
            return;
        }
        let (done, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut l.parked)
            .into_iter()
            .partition(now_done);
        l.parked = keep;
        for p in done {
            self.answer_fetch(p.from, p.fetch_offset, now_us);
        }
    }

    fn answer_fetch(&mut self, to: ControllerId, fetch_offset: u64, _now_us: u64) {
        // Everything from the fetch offset: a response never splits a batch (the metadata log of a
        // run is small; Kafka caps a response at 8 MiB of whole batches).
        let from = (fetch_offset as usize).min(self.log.len());
        let m = self.fetch_answer(None, self.log[from..].to_vec(), None);
        self.out.push((to, m));
    }

    // ------------------------------------------------------------------ inputs

    /// Handles a message from voter `from`.
    pub fn on_msg(&mut self, from: ControllerId, msg: RaftMsg, now_us: u64, rng: &mut SimRng) {
        if from == 0 || from > self.cfg.voters || from == self.id {
            return;
        }
        match msg {
            RaftMsg::Vote {
                epoch,
                last_epoch,
                last_offset,
                pre_vote,
            } => self.on_vote(
                from,
                epoch,
                (last_epoch, last_offset),
                pre_vote,
                now_us,
                rng,
            ),
            RaftMsg::VoteResponse {
                epoch,
                leader,
                granted,
                pre_vote,
            } => self.on_vote_response(from, epoch, leader, granted, pre_vote, now_us, rng),
            RaftMsg::BeginQuorumEpoch { epoch } => {
                if epoch >= self.epoch {
                    self.maybe_transition(Some(from), epoch, now_us, rng);
                }
                self.out.push((
                    from,
                    RaftMsg::BeginQuorumEpochResponse {
                        epoch: self.epoch,
                        leader: self.leader(),
                    },
                ));
            }
            RaftMsg::BeginQuorumEpochResponse { epoch, leader } => {
                if epoch > self.epoch {
                    self.maybe_transition(leader, epoch, now_us, rng);
                } else if epoch == self.epoch {
                    if let Role::Leader(l) = &mut self.role {
                        l.voters[(from - 1) as usize].begin_sent_us = None;
                    }
                }
            }
            RaftMsg::EndQuorumEpoch {
                epoch,
                leader,
                successors,
            } => self.on_end_quorum_epoch(from, epoch, leader, &successors, now_us, rng),
            RaftMsg::EndQuorumEpochResponse { epoch, leader } => {
                if epoch == self.epoch {
                    if let Role::Resigned { unacked, .. } = &mut self.role {
                        unacked.retain(|v| *v != from);
                    }
                }
                // `maybeHandleCommonResponse`: a larger epoch, or the epoch's leader, is news.
                self.maybe_transition(leader, epoch, now_us, rng);
            }
            RaftMsg::Fetch {
                epoch,
                fetch_offset,
                last_fetched_epoch,
            } => self.on_fetch(from, epoch, fetch_offset, last_fetched_epoch, now_us),
            RaftMsg::FetchResponse(data) => self.on_fetch_response(from, data, now_us, rng),
        }
    }

    /// `handleEndQuorumEpochRequest`: a stale epoch is refused; otherwise the voter moves to the
    /// epoch (following the resigning leader), and a follower of that leader lets its fetch
    /// timeout expire after its place among the successors (`overrideFetchTimeout`).
    fn on_end_quorum_epoch(
        &mut self,
        from: ControllerId,
        epoch: u32,
        leader: ControllerId,
        successors: &[ControllerId],
        now_us: u64,
        rng: &mut SimRng,
    ) {
        if epoch >= self.epoch && leader == from {
            self.maybe_transition(Some(leader), epoch, now_us, rng);
            let backoff = ms(self.end_epoch_election_backoff_ms(successors));
            if let Role::Follower {
                leader: l,
                fetch_deadline_us,
                ..
            } = &mut self.role
            {
                if *l == leader {
                    *fetch_deadline_us = now_us + backoff;
                }
            }
        }
        self.out.push((
            from,
            RaftMsg::EndQuorumEpochResponse {
                epoch: self.epoch,
                leader: self.leader(),
            },
        ));
    }

    /// Whether this voter's state grants a vote or a pre-vote (`EpochState.canGrantVote`).
    pub fn can_grant_vote(
        &self,
        candidate: ControllerId,
        log_up_to_date: bool,
        pre_vote: bool,
    ) -> bool {
        match &self.role {
            Role::Unattached { .. }
            | Role::Prospective { .. }
            | Role::Candidate(_)
            | Role::Resigned { .. }
                if pre_vote =>
            {
                log_up_to_date
            }
            // A follower that has fetched from its leader refuses a pre-vote (KIP-996's
            // `FollowerState.canGrantVote`): the leader is alive as far as it knows.
            Role::Follower { fetched, .. } if pre_vote => log_up_to_date && !fetched,
            Role::Unattached { voted: Some(v), .. } | Role::Prospective { voted: Some(v), .. } => {
                *v == candidate
            }
            Role::Prospective {
                leader: Some(_), ..
            } => false,
            Role::Unattached { voted: None, .. } | Role::Prospective { voted: None, .. } => {
                log_up_to_date
            }
            Role::Follower { .. }
            | Role::Candidate(_)
            | Role::Leader(_)
            | Role::Resigned { .. } => false,
        }
    }

    fn on_vote(
        &mut self,
        candidate: ControllerId,
        epoch: u32,
        last: (u32, u64),
        pre_vote: bool,
        now_us: u64,
        rng: &mut SimRng,
    ) {
        // A pre-vote is asked in the prospective's epoch, a vote in the next one.
        let invalid = if pre_vote {
            last.0 > epoch
        } else {
            last.0 >= epoch
        };
        if invalid || epoch < self.epoch {
            // INVALID_REQUEST, or FENCED_LEADER_EPOCH: the candidate's epoch is stale.
            let m = RaftMsg::VoteResponse {
                epoch: self.epoch,
                leader: self.leader(),
                granted: false,
                pre_vote,
            };
            self.out.push((candidate, m));
            return;
        }
        // A pre-vote's epoch moves the voter too (`handleVoteRequest`).
        if epoch > self.epoch {
            self.become_unattached(epoch, now_us, rng);
        }
        let up_to_date = last >= (self.last_epoch(), self.end_offset());
        let granted = self.can_grant_vote(candidate, up_to_date, pre_vote);
        if granted && !pre_vote {
            // `unattachedAddVotedState` / `prospectiveAddVotedState`: a new state holding the
            // vote, with a new election timeout (a prospective asks for pre-votes again).
            let deadline = now_us + self.random_election_timeout_us(rng);
            let voters = self.cfg.voters;
            match &mut self.role {
                Role::Unattached { voted: None, .. } => {
                    self.role = Role::Unattached {
                        voted: Some(candidate),
                        election_deadline_us: deadline,
                    };
                }
                Role::Prospective {
                    voted: voted @ None,
                    election,
                    ..
                } => {
                    *voted = Some(candidate);
                    *election = VoteTally::new(self.id, voters, deadline);
                    self.send_votes(now_us);
                }
                _ => {}
            }
        }
        self.out.push((
            candidate,
            RaftMsg::VoteResponse {
                epoch: self.epoch,
                leader: self.leader(),
                granted,
                pre_vote,
            },
        ));
    }

    #[allow(clippy::too_many_arguments)]
    fn on_vote_response(
        &mut self,
        from: ControllerId,
        epoch: u32,
        leader: Option<ControllerId>,
        granted: bool,
        pre_vote: bool,
        now_us: u64,
        rng: &mut SimRng,
    ) {
        if epoch < self.epoch {
            return;
        }
        if epoch > self.epoch || (leader.is_some() && self.leader().is_none()) {
            self.maybe_transition(leader, epoch, now_us, rng);
            return;
        }
        let majority = self.majority();
        let lose_at = self.lose_at();
        let (e, prospective) = match &mut self.role {
            Role::Prospective { election, .. } if pre_vote => (election, true),
            Role::Candidate(e) if !pre_vote => (e, false),
            _ => return,
        };
        if granted {
            if !e.granted.contains(&from) {
                e.granted.push(from);
            }
            if e.granted.len() >= majority {
                if prospective {
                    self.become_candidate(now_us, rng);
                } else {
                    self.become_leader(now_us);
                }
            }
            return;
        }
        if !e.rejected.contains(&from) {
            e.rejected.push(from);
        }
        // A candidate that lost waits out its election timeout (`maybeHandleElectionLoss`).
        if e.rejected.len() >= lose_at && prospective {
            self.prospective_lost(now_us, rng);
        }
    }

    fn on_fetch(
        &mut self,
        from: ControllerId,
        epoch: u32,
        fetch_offset: u64,
        last_fetched_epoch: u32,
        now_us: u64,
    ) {
        let error = if epoch < self.epoch {
            Some(FetchError::FencedLeaderEpoch)
        } else if epoch > self.epoch {
            Some(FetchError::UnknownLeaderEpoch)
        } else if !self.is_leader() {
            Some(FetchError::NotLeaderOrFollower)
        } else {
            None
        };
        if error.is_some() {
            let m = self.fetch_answer(error, Vec::new(), None);
            self.out.push((from, m));
            return;
        }
        // `ReplicatedLog.validateOffsetAndEpoch`.
        if fetch_offset > 0 {
            let (e, end) = self.end_offset_for_epoch(last_fetched_epoch);
            if e != last_fetched_epoch || end < fetch_offset {
                let m = self.fetch_answer(None, Vec::new(), Some((e, end)));
                self.out.push((from, m));
                return;
            }
        }
        let end = self.end_offset();
        let majority_others = self.majority() - 1;
        let check_us = self.check_quorum_us();
        let Role::Leader(l) = &mut self.role else {
            return;
        };
        let p = &mut l.voters[(from - 1) as usize];
        p.end_offset = Some(fetch_offset);
        p.last_fetch_us = Some(now_us);
        if fetch_offset >= end {
            p.last_caught_up_us = Some(now_us);
        }
        // `updateCheckQuorumForFollowingVoter`: a majority fetched, the timer starts again.
        p.fetched_in_check = true;
        if l.voters.iter().filter(|v| v.fetched_in_check).count() >= majority_others {
            l.voters.iter_mut().for_each(|v| v.fetched_in_check = false);
            l.check_quorum_deadline_us = now_us + check_us;
        }
        l.parked.retain(|p| p.from != from);
        let hw_moved = self.maybe_update_high_watermark();
        if fetch_offset < end {
            self.answer_fetch(from, fetch_offset, now_us);
        } else if let Role::Leader(l) = &mut self.role {
            l.parked.push(ParkedFetch {
                from,
                fetch_offset,
                deadline_us: now_us + ms(MAX_FETCH_WAIT_MS),
            });
        }
        if hw_moved {
            // `onUpdateLeaderHighWatermark` completes the fetches waiting for it.
            self.complete_parked(now_us, |_| true);
        }
    }

    fn on_fetch_response(
        &mut self,
        from: ControllerId,
        data: FetchResponseData,
        now_us: u64,
        rng: &mut SimRng,
    ) {
        let FetchResponseData {
            epoch,
            leader,
            error,
            high_watermark,
            entries,
            diverging,
        } = data;
        let from_my_leader = matches!(self.role, Role::Follower { leader: l, .. } if l == from);
        if from_my_leader {
            if let Role::Follower { fetch_sent_us, .. } = &mut self.role {
                *fetch_sent_us = None;
            }
        }
        if epoch < self.epoch || error == Some(FetchError::UnknownLeaderEpoch) {
            if from_my_leader {
                self.send_fetch(now_us);
            }
            return;
        }
        if epoch > self.epoch || error.is_some() {
            self.maybe_transition(leader, epoch, now_us, rng);
            return;
        }
        if !from_my_leader {
            self.maybe_transition(leader, epoch, now_us, rng);
            return;
        }
        if let Some((e, end)) = diverging {
            let to = if e == 0 {
                end.min(self.end_offset())
            } else {
                let (local_e, local_end) = self.end_offset_for_epoch(e);
                if local_e == e {
                    local_end.min(end)
                } else {
                    local_end
                }
            };
            if to < self.high_watermark {
                self.events.push(RaftEvent::TruncationBelowHighWatermark {
                    to,
                    hw: self.high_watermark,
                });
            }
            let removed = self.end_offset().saturating_sub(to);
            self.log.truncate(to as usize);
            self.events.push(RaftEvent::Truncated { to, removed });
        } else {
            self.log.extend(entries);
            let hw = high_watermark.min(self.end_offset());
            if hw > self.high_watermark {
                self.high_watermark = hw;
            }
        }
        if let Role::Follower {
            fetch_deadline_us,
            fetched,
            ..
        } = &mut self.role
        {
            *fetch_deadline_us = now_us + ms(self.cfg.fetch_timeout_ms);
            *fetched = true;
        }
        self.send_fetch(now_us);
    }

    /// The earliest deadline this voter waits for.
    pub fn next_deadline_us(&self) -> Option<u64> {
        match &self.role {
            Role::Unattached {
                election_deadline_us,
                ..
            } => Some(*election_deadline_us),
            Role::Resigned {
                election_deadline_us,
                unacked,
                end_sent_us,
                ..
            } => {
                let timeout = ms(self.cfg.request_timeout_ms);
                let resend = unacked
                    .iter()
                    .filter_map(|v| end_sent_us[(*v - 1) as usize].map(|t| t + timeout))
                    .min();
                Some(resend.map_or(*election_deadline_us, |r| r.min(*election_deadline_us)))
            }
            Role::Follower {
                fetch_deadline_us,
                fetch_sent_us,
                ..
            } => {
                let resend = fetch_sent_us.map(|t| t + ms(self.cfg.request_timeout_ms));
                Some(resend.map_or(*fetch_deadline_us, |r| r.min(*fetch_deadline_us)))
            }
            Role::Candidate(e) | Role::Prospective { election: e, .. } => {
                if e.rejected.len() >= self.lose_at() {
                    return Some(e.election_deadline_us);
                }
                let timeout = ms(self.cfg.request_timeout_ms);
                let resend = (1..=self.cfg.voters)
                    .filter(|v| *v != self.id && !e.granted.contains(v) && !e.rejected.contains(v))
                    .filter_map(|v| e.vote_sent_us[(v - 1) as usize].map(|t| t + timeout))
                    .min();
                Some(resend.map_or(e.election_deadline_us, |r| r.min(e.election_deadline_us)))
            }
            Role::Leader(l) => {
                let parked = l.parked.iter().map(|p| p.deadline_us).min();
                // The next round, once a voter has no request in flight (`maybeSendRequest`
                // waits for it): a timer of 0 ms still waits for the answers.
                let timeout = ms(self.cfg.request_timeout_ms);
                let sendable = (1..=self.cfg.voters)
                    .filter(|v| *v != self.id)
                    .map(|v| {
                        l.voters[(v - 1) as usize]
                            .begin_sent_us
                            .map_or(0, |t| t + timeout)
                    })
                    .min();
                let begin = sendable.map(|t| t.max(l.begin_deadline_us));
                let check = (self.cfg.voters > 1).then_some(l.check_quorum_deadline_us);
                [parked, begin, check].into_iter().flatten().min()
            }
        }
    }

    /// Acts on every deadline that has passed (`KafkaRaftClient.poll*`).
    pub fn poll(&mut self, now_us: u64, rng: &mut SimRng) {
        match &mut self.role {
            Role::Unattached {
                election_deadline_us,
                ..
            } => {
                if *election_deadline_us <= now_us {
                    self.become_prospective(now_us, rng);
                }
            }
            Role::Resigned {
                election_deadline_us,
                ..
            } => {
                // "Resigned transitions to Unattached: after … expiration of the election timeout",
                // in the next epoch; its time is up, so it becomes prospective at once.
                if *election_deadline_us > now_us {
                    self.send_end_quorum_epoch(now_us);
                } else {
                    let epoch = self.epoch + 1;
                    self.become_unattached(epoch, now_us, rng);
                    self.become_prospective(now_us, rng);
                }
            }
            Role::Follower {
                fetch_deadline_us,
                fetch_sent_us,
                ..
            } => {
                if *fetch_deadline_us <= now_us {
                    self.become_prospective(now_us, rng);
                } else if fetch_sent_us
                    .is_some_and(|t| t + ms(self.cfg.request_timeout_ms) <= now_us)
                {
                    self.send_fetch(now_us);
                }
            }
            Role::Candidate(e) => {
                if e.election_deadline_us <= now_us {
                    // `pollCandidate`: "Election was not granted, transitioning to prospective".
                    self.become_prospective(now_us, rng);
                } else {
                    self.send_votes(now_us);
                }
            }
            Role::Prospective { election, .. } => {
                if election.election_deadline_us <= now_us {
                    self.prospective_lost(now_us, rng);
                } else {
                    self.send_votes(now_us);
                }
            }
            Role::Leader(l) => {
                if self.cfg.voters > 1 && l.check_quorum_deadline_us <= now_us {
                    self.resign(now_us, rng);
                    return;
                }
                self.complete_parked(now_us, |p| p.deadline_us <= now_us);
                self.send_begin_quorum_epoch(now_us);
            }
        }
    }
}

fn ms(v: u64) -> u64 {
    v.saturating_mul(1_000)
}
