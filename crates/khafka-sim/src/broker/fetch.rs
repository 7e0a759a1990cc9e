//! The fetch path on the leader: `ReplicaManager.fetchMessages` / `Partition.readRecords` (the last
//! fetched epoch checked against the leader's epoch cache, KIP-101/279/320) and the fetch purgatory
//! (`DelayedFetch`, here `ParkedFetch`: a fetch with nothing to return waits up to its max wait).

use super::*;
use crate::protocol::Fetch;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParkedFetch {
    pub req_id: u64,
    pub from: Node,
    pub fetcher: Fetcher,
    pub partitions: Vec<FetchPartition>,
    /// When it is answered even without data (`max_wait`).
    pub deadline_us: u64,
    /// [`watch_bit`] of each of its partitions: a partition's change looks at the requests whose
    /// mask has its bit, without reading their partition lists (one cache miss each at scale).
    pub watching: u64,
    /// The follower's fetch session (KIP-227; 0 for none): see [`Fetch::Request`].
    pub session: u64,
}

/// The bit of `part` in a [`ParkedFetch`]'s `watching` mask (Fibonacci hashing over 64 bits).
fn watch_bit(part: PartIdx) -> u64 {
    1 << ((part as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58)
}

/// Which parked fetches a change to a partition can answer ([`Broker::wake_parked`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Woken {
    /// The leader's log end moved (an append): followers' fetches.
    Followers,
    /// The high watermark moved: consumers' fetches.
    Consumers,
    /// Leadership, the leader epoch or the replica itself changed: every fetch.
    All,
}

/// The leader's check of a fetch's last fetched epoch (`Partition.readRecords`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum EpochCheck {
    /// The follower's log agrees with ours up to its fetch offset.
    Ok,
    /// Its last fetched epoch ends earlier here (or is not ours): `(epoch, end offset)` to truncate to.
    Diverging(u32, u64),
    /// We cannot tell where its epoch ends (`UNDEFINED_EPOCH_OFFSET`): `OFFSET_OUT_OF_RANGE`.
    Undefined,
}

pub(super) fn diverging(log: &Log, fp: &FetchPartition, mode: Truncation) -> EpochCheck {
    if mode == Truncation::HighWatermark {
        return EpochCheck::Ok;
    }
    let Some(last) = fp.last_fetched_epoch else {
        return EpochCheck::Ok;
    };
    match log.end_offset_for(last) {
        Some((epoch, end)) if epoch < last || end < fp.fetch_offset => {
            EpochCheck::Diverging(epoch, end)
        }
        Some(_) => EpochCheck::Ok,
        None => EpochCheck::Undefined,
    }
}

impl Broker {
    // ---------------------------------------------------------------- fetch (leader side)

    /// A `Fetch` request from `from`: answered now when it has data or may not wait, else parked.
    pub(super) fn on_fetch(&mut self, ctx: &mut Ctx, from: Node, req: Fetch) {
        let Fetch::Request {
            req_id,
            fetcher,
            max_wait_us,
            partitions,
            session,
        } = req
        else {
            return;
        };
        if let Fetcher::Follower(f) = fetcher {
            for fp in &partitions {
                self.update_follower(ctx, f, fp);
            }
        }
        let deadline_us = ctx.now.as_us().saturating_add(max_wait_us);
        let watching = partitions.iter().fold(0, |m, fp| m | watch_bit(fp.part));
        let p = ParkedFetch {
            req_id,
            from,
            fetcher,
            partitions,
            deadline_us,
            watching,
            session,
        };
        if max_wait_us == 0 || self.fetch_has_data(&p, ctx.topo.config.truncation) {
            self.answer_fetch(ctx, &p);
            ctx.pools.fetch.give(p.partitions);
        } else {
            self.parked_fetches.push(p);
            self.parked_check
                .arm(ctx, deadline_us, |at_us| Timer::ParkedFetchCheck { at_us });
        }
    }

    /// Arms the parked-fetch check for the earliest deadline.
    pub(super) fn arm_parked_check(&mut self, ctx: &mut Ctx) {
        if let Some(at) = self.parked_fetches.iter().map(|p| p.deadline_us).min() {
            self.parked_check
                .arm(ctx, at, |at_us| Timer::ParkedFetchCheck { at_us });
        }
    }

    /// Whether a fetch is answered now (`ReplicaManager.fetchMessages`, `DelayedFetch.
    /// tryComplete`): a partition it may not read (an error), one with data past the fetch
    /// offset, or a follower's that diverges from the leader's log.
    pub(super) fn fetch_has_data(&self, p: &ParkedFetch, mode: Truncation) -> bool {
        p.partitions.iter().any(|fp| {
            let Some(r) = self.replicas.get(&fp.part) else {
                return true;
            };
            if !r.is_leader(self.id) || fp.current_leader_epoch != r.state.leader_epoch {
                return true;
            }
            let limit = match p.fetcher {
                Fetcher::Follower(_) => r.log.log_end_offset(),
                Fetcher::Consumer => r.log.high_watermark,
            };
            fp.fetch_offset != limit || diverging(&r.log, fp, mode) != EpochCheck::Ok
        })
    }

    /// Answers the parked fetches on `part` that have data now, after a change to `part` that
    /// `woken` says which fetches can see: a follower's fetch reads up to the log end and a
    /// consumer's up to the high watermark, so an append the high watermark does not follow
    /// changes nothing a parked consumer fetch checks, and a high watermark moving alone
    /// nothing a follower's checks (`DelayedFetch.tryComplete` would find no new bytes).
    pub(super) fn wake_parked(&mut self, ctx: &mut Ctx, part: PartIdx, woken: Woken) {
        if self.parked_fetches.is_empty() {
            return;
        }
        let bit = watch_bit(part);
        let mode = ctx.topo.config.truncation;
        self.answer_parked(ctx, |b, p| {
            p.watching & bit != 0
                && match woken {
                    Woken::Followers => p.fetcher != Fetcher::Consumer,
                    Woken::Consumers => p.fetcher == Fetcher::Consumer,
                    Woken::All => true,
                }
                && p.partitions.iter().any(|fp| fp.part == part)
                && b.fetch_has_data(p, mode)
        });
    }

    /// Answers the parked fetches `due` picks, in the order they were parked; keeps the others.
    pub(super) fn answer_parked(
        &mut self,
        ctx: &mut Ctx,
        due: impl Fn(&Self, &ParkedFetch) -> bool,
    ) {
        let mut parked = std::mem::take(&mut self.parked_fetches);
        parked.retain_mut(|p| {
            if due(self, p) {
                self.answer_fetch(ctx, p);
                ctx.pools.fetch.give(std::mem::take(&mut p.partitions));
                false
            } else {
                true
            }
        });
        self.parked_fetches = parked;
    }

    pub(super) fn answer_fetch(&mut self, ctx: &mut Ctx, p: &ParkedFetch) {
        let mut out = ctx.pools.fetched.take();
        out.reserve(p.partitions.len());
        *ctx.fetch_reads += p.partitions.len() as u64;
        for fp in &p.partitions {
            self.read_partition(ctx, p.fetcher, p.session, fp, &mut out);
        }
        ctx.send(
            p.from,
            Msg::Fetch(Fetch::Response {
                req_id: p.req_id,
                partitions: out,
            }),
        );
    }

    /// An answer to `fp` with `error` and nothing else; but a consumer told it asked the wrong
    /// broker, or with an old epoch, learns the leader this broker knows (KIP-951,
    /// `KafkaApis.handleFetchRequest`, fetch version 16+). Kafka puts it in followers' answers too,
    /// and their fetcher ignores it; here they get none.
    #[inline(never)]
    fn error_answer(
        &self,
        ctx: &Ctx,
        fetcher: Fetcher,
        fp: &FetchPartition,
        error: ErrorCode,
    ) -> FetchedPartition {
        let wrong = matches!(
            error,
            ErrorCode::NotLeaderOrFollower | ErrorCode::FencedLeaderEpoch
        );
        FetchedPartition {
            part: fp.part,
            error,
            high_watermark: 0,
            log_end_offset: 0,
            log_start_offset: 0,
            fetch_offset: fp.fetch_offset,
            batches: Vec::new(),
            base_offset: fp.fetch_offset,
            diverging_epoch: None,
            current_leader: if wrong && fetcher == Fetcher::Consumer {
                self.current_leader(ctx, fp.part)
            } else {
                None
            },
            latest_unavailable: false,
        }
    }

    /// Pushes the answer for one partition onto `out`, unless an incremental answer to a follower
    /// leaves it out (KIP-227's `CachedPartition.maybeUpdateResponseData`): no records, no error, no
    /// diverging epoch, and the high watermark and log start offset already sent in `session`
    /// without records. Left out, it changes nothing on the follower: its log ends at ours and it
    /// already holds that high watermark and log start offset.
    pub(super) fn read_partition(
        &mut self,
        ctx: &mut Ctx,
        fetcher: Fetcher,
        session: u64,
        fp: &FetchPartition,
        out: &mut Vec<FetchedPartition>,
    ) {
        // An error answer makes the session forget what it sent of the partition, so the answer
        // after the error is gone carries it again (Kafka caches a high watermark of -1).
        let forget = |r: &mut Replica| {
            if let Fetcher::Follower(f) = fetcher {
                if let Some(rs) = r.remotes.get_mut(&f) {
                    rs.sent = None;
                }
            }
        };
        let me = self.id;
        let Some(r) = self.replicas.get_mut(&fp.part) else {
            out.push(self.error_answer(ctx, fetcher, fp, ErrorCode::NotLeaderOrFollower));
            return;
        };
        // `Partition.getLocalLog`: the epoch first (`checkCurrentLeaderEpoch`), then leadership.
        let error = if fp.current_leader_epoch < r.state.leader_epoch {
            ErrorCode::FencedLeaderEpoch
        } else if fp.current_leader_epoch > r.state.leader_epoch {
            ErrorCode::UnknownLeaderEpoch
        } else if !r.is_leader(me) {
            ErrorCode::NotLeaderOrFollower
        } else {
            ErrorCode::None
        };
        if error != ErrorCode::None {
            forget(r);
            out.push(self.error_answer(ctx, fetcher, fp, error));
            return;
        }
        let leo = r.log.log_end_offset();
        let hw = r.log.high_watermark;
        let mut resp = FetchedPartition {
            part: fp.part,
            error: ErrorCode::None,
            high_watermark: hw,
            log_end_offset: leo,
            log_start_offset: r.log.log_start_offset(),
            fetch_offset: fp.fetch_offset,
            batches: Vec::new(),
            base_offset: fp.fetch_offset,
            diverging_epoch: None,
            current_leader: None,
            latest_unavailable: false,
        };
        // Read only with OFFSET_OUT_OF_RANGE (set there, off the path of every other answer):
        // after an election, until the high watermark reaches the epoch's start offset.
        let latest_unavailable =
            |r: &Replica| fetcher == Fetcher::Consumer && r.leader_epoch_start_offset > hw;
        match diverging(&r.log, fp, ctx.topo.config.truncation) {
            EpochCheck::Ok => {}
            EpochCheck::Diverging(epoch, end) => {
                resp.diverging_epoch = Some((epoch, end));
                out.push(resp);
                return;
            }
            EpochCheck::Undefined => {
                resp.error = ErrorCode::OffsetOutOfRange;
                resp.latest_unavailable = latest_unavailable(r);
                forget(r);
                out.push(resp);
                return;
            }
        }
        let limit = match fetcher {
            Fetcher::Follower(_) => leo,
            Fetcher::Consumer => hw,
        };
        // `UnifiedLog.read`: below the log start offset (`checkLogStartOffset`) or past the LEO.
        if fp.fetch_offset > leo || fp.fetch_offset < r.log.log_start_offset() {
            resp.error = ErrorCode::OffsetOutOfRange;
            resp.latest_unavailable = latest_unavailable(r);
            forget(r);
            out.push(resp);
            return;
        }
        // Whole batches from the one holding the fetch offset (or the first after it, in a gap
        // the cleaner left), up to the limit (a batch that crosses the consumer's limit, the HW,
        // is not returned), at least one batch, then while under 1 MiB (Kafka's
        // `replica.fetch.max.bytes` / `max.partition.fetch.bytes`) and about `MAX_FETCH_RECORDS`
        // records, and within the segment of the first one: `LocalLog.read` reads one segment,
        // the next only when that one has nothing at or past the offset.
        if fp.fetch_offset < limit {
            let store = &*ctx.batches;
            let mut batches = ctx.pools.batches.take();
            let mut records = 0u64;
            let mut bytes = 0u64;
            let mut segment_end = u64::MAX;
            for id in r.log.live_batches_from(fp.fetch_offset, store) {
                let b = store.get(id);
                if b.next_offset() > limit || records >= MAX_FETCH_RECORDS as u64 {
                    break;
                }
                let size = store.bytes(id);
                if !batches.is_empty()
                    && (bytes + size > MAX_PARTITION_FETCH_BYTES || b.base_offset >= segment_end)
                {
                    break;
                }
                if batches.is_empty() {
                    resp.base_offset = b.base_offset;
                    let segments = r.log.segments();
                    if segments.len() > 1 {
                        let next = segments.partition_point(|s| s.base_offset <= b.base_offset);
                        segment_end = segments.get(next).map_or(u64::MAX, |s| s.base_offset);
                    }
                }
                records += b.next_offset() - b.base_offset.max(fp.fetch_offset);
                bytes += size;
                batches.push(id);
            }
            resp.batches = batches;
        }
        // Records are always news; the session learns what it sent with the first answer
        // without them (the follower's log then ends at ours, so it holds the very values sent).
        // An answer in an older session (a fetch parked before the follower gave up on it) takes
        // the record over, so the newer session's next answer carries the partition again.
        let remote = match fetcher {
            Fetcher::Follower(f) if session != 0 && resp.batches.is_empty() => {
                r.remotes.get_mut(&f)
            }
            _ => None,
        };
        if let Some(rs) = remote {
            let now = Some((session, hw, resp.log_start_offset));
            if rs.sent == now {
                return;
            }
            rs.sent = now;
        }
        out.push(resp);
    }
}

impl Broker {
    /// A consumer's OffsetsForLeaderEpoch (KIP-320): `ReplicaManager.lastOffsetForLeaderEpoch`
    /// with `fetchOnlyFromLeader = true`, `Partition.lastOffsetForLeaderEpoch`: the current leader
    /// epoch checked first (`checkCurrentLeaderEpoch`: FENCED_LEADER_EPOCH when the consumer's is
    /// older, UNKNOWN_LEADER_EPOCH when newer), then leadership, then the epoch cache's
    /// `endOffsetFor` (the same lookup a follower's divergence check uses); an undefined answer is
    /// NONE with no epoch and no offset.
    pub(super) fn on_offsets_for_leader_epoch(
        &self,
        ctx: &mut Ctx,
        from: Node,
        req_id: u64,
        partitions: Vec<crate::msg::OffsetForLeaderPartition>,
    ) {
        use crate::msg::EpochEndOffset;
        let answers = partitions
            .iter()
            .map(|p| {
                let answer = |error, end| EpochEndOffset {
                    part: p.part,
                    error,
                    end,
                };
                let Some(r) = self.replicas.get(&p.part) else {
                    return answer(ErrorCode::NotLeaderOrFollower, None);
                };
                if p.current_leader_epoch < r.state.leader_epoch {
                    return answer(ErrorCode::FencedLeaderEpoch, None);
                }
                if p.current_leader_epoch > r.state.leader_epoch {
                    return answer(ErrorCode::UnknownLeaderEpoch, None);
                }
                if !r.is_leader(self.id) {
                    return answer(ErrorCode::NotLeaderOrFollower, None);
                }
                answer(ErrorCode::None, r.log.end_offset_for(p.leader_epoch))
            })
            .collect();
        ctx.send(
            from,
            Msg::OffsetsForLeaderEpoch(crate::msg::OffsetsForLeaderEpoch::Response {
                req_id,
                partitions: answers,
            }),
        );
    }
}
