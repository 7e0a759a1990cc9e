//! The metadata log brokers follow (KRaft's `__cluster_metadata`, fetched by long-polling), and ISR
//! changes a leader asks for (`AlterPartition`).

use super::*;
use crate::protocol::MetadataFetch;

impl Controller {
    pub(super) fn answer_poll(&mut self, ctx: &mut Ctx, b: BrokerId, req_id: u64, from: u64) {
        let mut changed: Vec<PartIdx> = self.log[from as usize..]
            .iter()
            .flatten()
            .copied()
            .collect();
        crate::kernel::small::sort_by(&mut changed, |a, b| a.cmp(b));
        changed.dedup();
        let partitions = changed
            .iter()
            .map(|p| self.parts[*p as usize].clone())
            .collect();
        ctx.send(
            Node::Broker(b),
            Msg::MetadataFetch(MetadataFetch::Response {
                req_id,
                offset: self.log.len() as u64,
                partitions,
                ineligible: self.ineligible_list(),
            }),
        );
    }

    /// Answers parked long-polls after the log grew.
    pub(super) fn flush_polls(&mut self, ctx: &mut Ctx) {
        if self.polls.is_empty() {
            return;
        }
        let len = self.log.len() as u64;
        let polls = std::mem::take(&mut self.polls);
        for (b, req_id, offset) in polls {
            if offset < len {
                self.answer_poll(ctx, b, req_id, offset);
            } else {
                self.polls.push((b, req_id, offset));
            }
        }
    }

    pub(super) fn append(&mut self, part: PartIdx) {
        self.log.push(Some(part));
    }

    pub(super) fn alter_partition(
        &mut self,
        ctx: &mut Ctx,
        from: BrokerId,
        part: PartIdx,
        leader_epoch: u32,
        partition_epoch: u32,
        isr: Vec<BrokerId>,
    ) -> Result<PartitionState, ErrorCode> {
        let p = self
            .parts
            .get(part as usize)
            .ok_or(ErrorCode::UnknownTopicOrPartition)?;
        // `validateAlterPartitionData`, in its order (a request newer than the controller's
        // state cannot happen here: brokers see committed records only).
        if leader_epoch != p.leader_epoch {
            return Err(ErrorCode::FencedLeaderEpoch);
        }
        if p.leader != Some(from) {
            return Err(ErrorCode::InvalidRequest);
        }
        if partition_epoch != p.partition_epoch {
            return Err(ErrorCode::InvalidUpdateVersion);
        }
        // KIP-903: only active brokers may join the ISR.
        if isr
            .iter()
            .any(|b| !p.isr.contains(b) && !self.is_active(*b))
        {
            return Err(ErrorCode::IneligibleReplica);
        }
        let old_isr = p.isr.clone();
        let mut elr = p.elr.clone();
        if ctx.topo.config.eligible_leader_replicas_enable {
            let min_isr = ctx.topo.effective_min_isr(part);
            if isr.len() < min_isr {
                for b in &old_isr {
                    if !isr.contains(b) && !elr.contains(b) {
                        elr.push(*b);
                    }
                }
            } else {
                elr.clear();
            }
            elr.retain(|b| !isr.contains(b));
        }
        if isr.len() < old_isr.len() {
            ctx.counters.isr_shrinks += 1;
        } else if isr.len() > old_isr.len() {
            ctx.counters.isr_expands += 1;
        }
        self.change(ctx, part, isr, elr, false, ChangeReason::AlterPartition);
        self.flush_polls(ctx);
        let st = &self.parts[part as usize];
        if st.leader != Some(from) {
            // The ISR change completed a reassignment that moved leadership away: the change is
            // written, and the old leader learns of it from the metadata log.
            return Err(ErrorCode::NewLeaderElected);
        }
        Ok(st.clone())
    }
}
