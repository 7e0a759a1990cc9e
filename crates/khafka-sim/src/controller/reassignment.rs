//! Partition reassignment as KRaft does it (KIP-455; `ReplicationControlManager
//! .changePartitionReassignment`, `PartitionReassignmentReplicas`, `PartitionChangeBuilder
//! .completeReassignmentIfNeeded`):
//!
//! 1. `kafka-reassign-partitions --execute` writes one partition change: the replicas become the
//!    target followed by the replicas being removed, with `adding` (target − current) and `removing`
//!    (current − target) set. The leader stays if it is still a valid leader.
//! 2. The new replicas are created by the brokers that read the change, fetch from the leader as
//!    followers, and join the ISR through the leader's `AlterPartition` once caught up.
//! 3. The change whose ISR holds every target replica completes it: `removing` leaves the replicas
//!    and the ISR, both lists are cleared, and a leader being removed is replaced by the first target
//!    replica in the ISR (the leader that asked gets `NEW_LEADER_ELECTED`). A replica set that lost
//!    members bumps the leader epoch; the removed brokers delete their replicas.
//!
//! A reassignment that only reorders replicas, or whose targets are already in the ISR, completes in
//! the first change.

use super::*;

/// Kafka's `INVALID_REPLICA_ASSIGNMENT` (error 39).
pub const INVALID_REPLICA_ASSIGNMENT: &str = "INVALID_REPLICA_ASSIGNMENT";

/// `PartitionReassignmentReplicas(current, target)`: `(replicas, adding, removing)` — the target
/// followed by the replicas being removed; target − current and current − target, each ascending.
pub fn reassignment_replicas(
    current: &[BrokerId],
    target: &[BrokerId],
) -> (Vec<BrokerId>, Vec<BrokerId>, Vec<BrokerId>) {
    let diff = |a: &[BrokerId], b: &[BrokerId]| {
        let mut d: Vec<BrokerId> = a.iter().copied().filter(|x| !b.contains(x)).collect();
        crate::kernel::small::sort_small(&mut d);
        d.dedup();
        d
    };
    let removing = diff(current, target);
    let adding = diff(target, current);
    let mut replicas = target.to_vec();
    replicas.extend(&removing);
    (replicas, adding, removing)
}

/// `PartitionReassignmentReplicas.maybeCompleteReassignment` on the partition as it will be: when
/// its ISR (without the replicas being removed) holds every replica that stays, the removed ones
/// leave the replicas and the ISR and the reassignment is over. Returns whether it completed.
pub fn complete_if_needed(p: &mut PartitionState) -> bool {
    if p.adding.is_empty() && p.removing.is_empty() {
        return false;
    }
    let mut isr = p.isr.clone();
    let mut replicas = p.replicas.clone();
    if !p.removing.is_empty() {
        isr.retain(|b| !p.removing.contains(b));
        replicas.retain(|b| !p.removing.contains(b));
        if isr.is_empty() || replicas.is_empty() {
            return false;
        }
    }
    if !replicas.iter().all(|b| isr.contains(b)) {
        return false;
    }
    p.isr = isr;
    p.replicas = replicas;
    p.adding.clear();
    p.removing.clear();
    true
}

impl Controller {
    /// `AlterPartitionReassignments` for one partition: validates the target as
    /// `validateManualPartitionAssignment` does and writes the first change of the reassignment.
    /// The error is Kafka's name and message.
    pub fn reassign(
        &mut self,
        ctx: &mut Ctx,
        part: PartIdx,
        target: &[BrokerId],
    ) -> Result<(), (&'static str, String)> {
        if target.is_empty() {
            return Err((
                INVALID_REPLICA_ASSIGNMENT,
                "The manual partition assignment includes an empty replica list.".into(),
            ));
        }
        let mut sorted = target.to_vec();
        crate::kernel::small::sort_small(&mut sorted);
        let mut prev = None;
        for &b in &sorted {
            let registered = b >= 1
                && (b as usize) <= self.brokers.len()
                && self.brokers[(b - 1) as usize].registered;
            if !registered {
                return Err((
                    INVALID_REPLICA_ASSIGNMENT,
                    format!(
                        "The manual partition assignment includes broker {b}, but no such broker \
                         is registered."
                    ),
                ));
            }
            if prev == Some(b) {
                return Err((
                    INVALID_REPLICA_ASSIGNMENT,
                    format!(
                        "The manual partition assignment includes the broker {b} more than once."
                    ),
                ));
            }
            prev = Some(b);
        }
        let old = self.parts[part as usize].clone();
        let (replicas, adding, removing) = reassignment_replicas(&old.replicas, target);
        let mut new = old.clone();
        new.replicas = replicas;
        // changePartitionReassignment sets the builder's targets only when non-empty: an empty list
        // leaves the partition's own (a reassignment already in progress keeps them).
        if !removing.is_empty() {
            new.removing = removing;
        }
        if !adding.is_empty() {
            new.adding = adding;
        }
        let completed = complete_if_needed(&mut new);
        self.apply_change(ctx, part, old, new, completed, ChangeReason::Reassignment);
        self.flush_polls(ctx);
        Ok(())
    }

    /// Partitions with a reassignment in progress (`kafka-reassign-partitions --list`).
    pub fn reassigning(&self) -> impl Iterator<Item = &PartitionState> {
        self.parts
            .iter()
            .filter(|p| !p.adding.is_empty() || !p.removing.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The partition as `PartitionReassignmentReplicas(current, target)` leaves it, with `isr`.
    fn started(current: &[u32], target: &[u32], isr: &[u32]) -> PartitionState {
        let (replicas, adding, removing) = reassignment_replicas(current, target);
        PartitionState {
            part: 0,
            leader: current.first().copied(),
            leader_epoch: 0,
            partition_epoch: 0,
            replicas,
            isr: isr.to_vec(),
            elr: Vec::new(),
            adding,
            removing,
        }
    }

    /// Kafka's `PartitionReassignmentReplicasTest`, case by case.
    #[test]
    fn replicas_are_target_then_removing() {
        let r = |c: &[u32], t: &[u32]| reassignment_replicas(c, t);
        // testNoneAddedOrRemoved
        assert_eq!(r(&[3, 2, 1], &[3, 2, 1]), (vec![3, 2, 1], vec![], vec![]));
        // testAdditions
        assert_eq!(
            r(&[3, 2, 1], &[3, 6, 2, 1, 5]),
            (vec![3, 6, 2, 1, 5], vec![5, 6], vec![])
        );
        // testRemovals
        assert_eq!(
            r(&[3, 2, 1, 0], &[3, 1]),
            (vec![3, 1, 0, 2], vec![], vec![0, 2])
        );
        // testAdditionsAndRemovals
        assert_eq!(
            r(&[3, 2, 1, 0], &[7, 3, 1, 9]),
            (vec![7, 3, 1, 9, 0, 2], vec![7, 9], vec![0, 2])
        );
        // testRearrangement
        assert_eq!(
            r(&[3, 2, 1, 0], &[0, 1, 3, 2]),
            (vec![0, 1, 3, 2], vec![], vec![])
        );
    }

    #[test]
    fn completes_only_when_every_staying_replica_is_in_sync() {
        // testDoesNotCompleteReassignment
        let mut p = started(&[0, 1, 2], &[3, 4, 5], &[0, 1, 2, 3, 4]);
        assert!(!complete_if_needed(&mut p));
        // testDoesNotCompleteReassignmentIfNoneOngoing
        let mut p = started(&[0, 1, 2], &[0, 1, 2], &[0, 1, 2]);
        assert!(!complete_if_needed(&mut p));
        // testDoesCompleteReassignmentAllNewReplicas
        let mut p = started(&[0, 1, 2], &[3, 4, 5], &[0, 1, 2, 3, 4, 5]);
        assert!(complete_if_needed(&mut p));
        assert_eq!((&p.isr, &p.replicas), (&vec![3, 4, 5], &vec![3, 4, 5]));
        assert!(p.adding.is_empty() && p.removing.is_empty());
        // testDoesCompleteReassignmentSomeNewReplicas
        let mut p = started(&[0, 1, 2], &[0, 1, 3], &[0, 1, 2, 3]);
        assert!(complete_if_needed(&mut p));
        assert_eq!((&p.isr, &p.replicas), (&vec![0, 1, 3], &vec![0, 1, 3]));
        // testDoesNotCompleteReassignmentIfIsrDoesNotHaveAllTargetReplicas
        let mut p = started(&[0, 1, 2], &[0, 1, 3], &[3]);
        assert!(!complete_if_needed(&mut p));
    }
}
