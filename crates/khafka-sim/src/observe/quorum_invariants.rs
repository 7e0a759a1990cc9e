//! The KRaft quorum's invariants (KIP-595, checked with `controllers=N` when invariants are on):
//! - **election safety**: at most one controller is ever leader of a given epoch;
//! - **no committed record lost**: every controller's log, below its high watermark, agrees with the
//!   longest committed prefix seen so far, and a leader of epoch E holds every record committed in
//!   an epoch before E (leader completeness: no later election drops a record a majority had; a
//!   deposed leader that has not heard of the next epoch yet may lack what that epoch committed).

use crate::protocol::raft::RaftEntry;
use crate::sim::Sim;

/// What the checks remember between events.
#[derive(Clone, Debug, Default)]
pub struct QuorumInvariants {
    /// The leader of each epoch seen.
    leaders: crate::vec_map::VecMap<u32, u32>,
    /// The longest committed prefix of the metadata log seen.
    committed: Vec<RaftEntry>,
    /// For each of those records, the epoch of the controller that first reported it committed.
    committed_in: Vec<u32>,
}

/// Checks the quorum after an event; returns the problems found.
pub fn check(sim: &mut Sim) -> Vec<String> {
    let mut problems = Vec::new();
    let mut inv = std::mem::take(&mut sim.inv.quorum);
    for q in sim.quorum.iter().filter(|q| q.running) {
        let r = &q.raft;
        if r.is_leader() {
            match inv.leaders.get(&r.epoch) {
                Some(&other) if other != q.id => problems.push(format!(
                    "controllers {other} and {} both led epoch {}",
                    q.id, r.epoch
                )),
                Some(_) => {}
                None => {
                    inv.leaders.insert(r.epoch, q.id);
                }
            }
            let n = inv
                .committed_in
                .iter()
                .take_while(|e| **e < r.epoch)
                .count();
            if r.log.len() < n || r.log[..n] != inv.committed[..n] {
                problems.push(format!(
                    "controller {} leads epoch {} without every committed metadata record ({n})",
                    q.id, r.epoch
                ));
            }
        }
        let hw = (r.high_watermark as usize).min(r.log.len());
        let common = hw.min(inv.committed.len());
        if r.log[..common] != inv.committed[..common] {
            problems.push(format!(
                "controller {}'s committed metadata log differs from the quorum's below offset {common}",
                q.id
            ));
        } else if hw > inv.committed.len() {
            let n = inv.committed.len();
            inv.committed.extend_from_slice(&r.log[n..hw]);
            inv.committed_in.resize(hw, r.epoch);
        }
    }
    sim.inv.quorum = inv;
    problems
}
