//! `UniformAssignor`: balance first, then stickiness to the previous target assignment.
//!
//! - Homogeneous (`UniformHomogeneousAssignmentBuilder`, the 4.x version with `quotaHasExtraPartition`):
//!   quota `P/C`, and `P mod C` members take one more. Each member, in order, keeps its previous
//!   partitions up to `P/C + 1` while extra slots remain (`P/C` otherwise) and releases the rest; a
//!   member that cannot fill its extra slot from what it owns gives it up, and the last unfilled
//!   members take the slots left. The never-assigned partitions (topic by topic), then the
//!   released ones, are dealt in that order to the members with room left.
//! - Heterogeneous (`UniformHeterogeneousAssignmentBuilder`): every member keeps the previous
//!   partitions of topics it still subscribes to; unassigned partitions go, topic by topic (most
//!   partitions per subscriber first), to the least-loaded subscriber; then, for up to 16
//!   rounds over the topics, partitions move from the most- to the least-loaded subscribers of
//!   each topic until each topic's subscribers differ by at most one.

use super::{
    is_homogeneous, AssignorError, GroupAssignment, MemberAssignment, MemberSpec, TopicPartitions,
};
use crate::kernel::vec_map::VecMap;

pub fn assign(
    topics: &TopicPartitions,
    members: &[MemberSpec],
) -> Result<GroupAssignment, AssignorError> {
    if is_homogeneous(members) {
        homogeneous(topics, members)
    } else {
        Ok(Heterogeneous::new(topics, members).build())
    }
}

fn homogeneous(
    topics: &TopicPartitions,
    members: &[MemberSpec],
) -> Result<GroupAssignment, AssignorError> {
    let subscribed = &members[0].topics;
    if subscribed.is_empty() {
        return Ok(GroupAssignment::new());
    }
    // Whether a member owns a partition, looked up in the members' own sets (a set of pairs
    // would be one more B-tree type in the notebook bundle, about 650 B gzip).
    let owned = |t: &str, p: i32| {
        members
            .iter()
            .any(|m| m.assignment.get(t).is_some_and(|ps| ps.contains(&p)))
    };
    let mut unassigned: Vec<(String, i32)> = Vec::new();
    let mut total = 0usize;
    for t in subscribed {
        let n = topics[t];
        for p in 0..n {
            if !owned(t, p) {
                unassigned.push((t.clone(), p));
            }
        }
        total += n as usize;
    }
    let min_quota = total / members.len();
    // `remainingMembersToGetAnExtraPartition`.
    let mut with_extra = total % members.len();
    let mut target = GroupAssignment::new();
    let mut unfilled: Vec<(&str, usize)> = Vec::new();
    // `maybeRevokePartitions`.
    for m in members {
        let mut quota = min_quota;
        let mut has_extra = false;
        if with_extra > 0 {
            quota += 1;
            has_extra = true;
        }
        let mut kept = MemberAssignment::new();
        for (t, partitions) in &m.assignment {
            if !subscribed.contains(t) {
                continue;
            }
            if partitions.len() <= quota {
                quota -= partitions.len();
                kept.insert(t.clone(), partitions.clone());
            } else {
                for &p in partitions {
                    if quota > 0 {
                        quota -= 1;
                        kept.entry(t.clone()).or_default().insert(p);
                    } else {
                        unassigned.push((t.clone(), p));
                    }
                }
            }
        }
        if quota > 0 && has_extra {
            // It does not fill its extra slot with what it owns: give the slot up.
            quota -= 1;
            has_extra = false;
        }
        if quota == 0 && has_extra {
            with_extra -= 1;
        }
        if quota > 0 || (with_extra > 0 && !has_extra) {
            unfilled.push((m.member_id.as_str(), quota));
        }
        target.insert(m.member_id.clone(), kept);
    }
    // `assignRemainingPartitions`: the last unfilled members take the extra slots left.
    for u in unfilled.iter_mut().rev() {
        if with_extra > 0 {
            with_extra -= 1;
            u.1 += 1;
        }
    }
    unfilled.retain(|u| u.1 > 0);
    let mut next = unassigned.iter();
    for (member, quota) in unfilled {
        let assignment = target.get_mut(member).expect("every member has a target");
        for (t, p) in next.by_ref().take(quota) {
            assignment.entry(t.clone()).or_default().insert(*p);
        }
    }
    if next.next().is_some() {
        return Err(AssignorError("Partitions were left unassigned".into()));
    }
    Ok(target)
}

const MAX_ITERATION_COUNT: usize = 16;

/// `UniformHeterogeneousAssignmentBuilder`, members by index in the given order.
struct Heterogeneous<'a> {
    topics: &'a TopicPartitions,
    members: &'a [MemberSpec],
    subscribers: VecMap<&'a str, Vec<usize>>,
    sizes: Vec<usize>,
    /// Topic → owner of each partition (`usize::MAX`: none).
    owners: VecMap<&'a str, Vec<usize>>,
}

const NONE: usize = usize::MAX;

impl<'a> Heterogeneous<'a> {
    fn new(topics: &'a TopicPartitions, members: &'a [MemberSpec]) -> Self {
        let mut subscribers: VecMap<&str, Vec<usize>> = VecMap::new();
        for (i, m) in members.iter().enumerate() {
            for t in &m.topics {
                subscribers.get_or_default(t.as_str()).push(i);
            }
        }
        let mut owners = VecMap::new();
        for t in subscribers.keys() {
            owners.insert(*t, vec![NONE; topics[*t] as usize]);
        }
        Heterogeneous {
            topics,
            members,
            subscribers,
            sizes: vec![0; members.len()],
            owners,
        }
    }

    fn partitions(&self, topic: &str) -> usize {
        self.topics[topic] as usize
    }

    /// `topicComparator`: most partitions per subscriber first, then fewer subscribers, then id
    /// (names are unique, so an unstable sort gives the one order).
    fn sort_topics(&self, topics: &mut [&'a str]) {
        let copy = topics.to_vec();
        let order = super::sorted_indices(copy.len(), &|i, j| {
            let (a, b) = (copy[i], copy[j]);
            let (pa, sa) = (self.partitions(a), self.subscribers[&a].len());
            let (pb, sb) = (self.partitions(b), self.subscribers[&b].len());
            // pb/sb vs pa/sa as doubles, compared exactly: pb·sa vs pa·sb.
            (pb * sa).cmp(&(pa * sb)).then(sa.cmp(&sb)).then(a.cmp(b))
        });
        for (k, i) in order.into_iter().enumerate() {
            topics[k] = copy[i];
        }
    }

    fn build(mut self) -> GroupAssignment {
        if self.subscribers.is_empty() {
            return GroupAssignment::new();
        }
        // `maybeRevokePartitions`: keep what is still subscribed.
        for (i, m) in self.members.iter().enumerate() {
            for (t, ps) in &m.assignment {
                if m.topics.contains(t) {
                    let owners = self.owners.get_mut(&t.as_str()).expect("subscribed topic");
                    for &p in ps {
                        owners[p as usize] = i;
                    }
                    self.sizes[i] += ps.len();
                }
            }
        }
        // `computeUnassignedPartitions` + `assignRemainingPartitions`.
        let mut with_unassigned: Vec<&str> = self
            .owners
            .iter()
            .filter(|(_, o)| o.contains(&NONE))
            .map(|(t, _)| *t)
            .collect();
        self.sort_topics(&mut with_unassigned);
        for t in with_unassigned {
            let free: Vec<usize> = (0..self.partitions(t))
                .filter(|&p| self.owners[&t][p] == NONE)
                .collect();
            let mut balancer = Balancer::default();
            balancer.initialize(&self.subscribers[&t], &self.sizes);
            for p in free {
                let m = balancer.next_least_loaded(&self.sizes);
                self.assign_partition(t, p, m);
            }
        }
        // `balance`.
        let mut topic_ids: Vec<&str> = self
            .subscribers
            .iter()
            .filter(|(_, s)| s.len() >= 2)
            .map(|(t, _)| *t)
            .collect();
        if !topic_ids.is_empty() {
            self.sort_topics(&mut topic_ids);
            self.balance_topics(&topic_ids);
        }
        let mut out = GroupAssignment::new();
        for m in self.members {
            out.insert(m.member_id.clone(), MemberAssignment::new());
        }
        for (t, owners) in &self.owners {
            for (p, &o) in owners.iter().enumerate() {
                if o != NONE {
                    let a = out.get_mut(&self.members[o].member_id).expect("member");
                    a.entry(t.to_string()).or_default().insert(p as i32);
                }
            }
        }
        out
    }

    fn assign_partition(&mut self, topic: &'a str, p: usize, m: usize) {
        let owners = self.owners.get_mut(&topic).expect("subscribed topic");
        if owners[p] != NONE {
            self.sizes[owners[p]] -= 1;
        }
        owners[p] = m;
        self.sizes[m] += 1;
    }

    fn balance_topics(&mut self, topics: &[&'a str]) {
        let mut last_rebalanced: Option<usize> = None;
        for _ in 0..MAX_ITERATION_COUNT {
            for (i, t) in topics.iter().enumerate() {
                if last_rebalanced == Some(i) {
                    return;
                }
                let moved = self.balance_topic(t);
                if moved > 0 || last_rebalanced.is_none() {
                    last_rebalanced = Some(i);
                }
            }
        }
    }

    fn balance_topic(&mut self, topic: &'a str) -> usize {
        let mut moved = 0;
        let mut balancer = Balancer::default();
        let imbalance = balancer.initialize(&self.subscribers[&topic], &self.sizes);
        if imbalance <= 1 {
            return moved;
        }
        let owners = self.owners[&topic].clone();
        let partitions =
            super::sorted_indices(owners.len(), &|a, b| (owners[a], a).cmp(&(owners[b], b)));
        // Sorted vectors (a few members): no B-tree code of their own in the site's bundle.
        let mut start: VecMap<usize, usize> = VecMap::new();
        let mut end: VecMap<usize, usize> = VecMap::new();
        for (i, &p) in partitions.iter().enumerate() {
            if !start.contains_key(&owners[p]) {
                start.insert(owners[p], i);
            }
            end.insert(owners[p], i + 1);
        }
        while !balancer.is_balanced() {
            let mut most;
            loop {
                most = balancer.next_most_loaded(&self.sizes);
                let Some(m) = most else { break };
                let empty = match (start.get(&m), end.get(&m)) {
                    (Some(s), Some(e)) => e <= s,
                    _ => true,
                };
                if empty {
                    balancer.exclude_most_loaded();
                    continue;
                }
                break;
            }
            let Some(most) = most else { break };
            let e = *end.get(&most).expect("a member with partitions");
            let p = partitions[e - 1];
            end.insert(most, e - 1);
            let least = balancer.next_least_loaded(&self.sizes);
            if balancer.is_balanced() {
                break;
            }
            self.assign_partition(topic, p, least);
            moved += 1;
        }
        moved
    }
}

/// `MemberAssignmentBalancer`: walks a topic's subscribers from least and from most loaded.
#[derive(Default)]
struct Balancer {
    sorted: Vec<usize>,
    least_end: usize,
    least_count: i64,
    next_least: usize,
    most_start: usize,
    most_end: usize,
    most_count: i64,
    next_most: i64,
}

impl Balancer {
    fn initialize(&mut self, members: &[usize], sizes: &[usize]) -> usize {
        let order = super::sorted_indices(members.len(), &|a, b| {
            let (ma, mb) = (members[a], members[b]);
            (sizes[ma], ma).cmp(&(sizes[mb], mb))
        });
        self.sorted = order.into_iter().map(|i| members[i]).collect();
        let first = sizes[self.sorted[0]];
        let last = sizes[*self.sorted.last().expect("a subscriber")];
        self.least_end = 0;
        self.least_count = first as i64 - 1;
        self.next_least = 0;
        self.most_start = self.sorted.len();
        self.most_end = self.sorted.len();
        self.most_count = last as i64 + 1;
        self.next_most = self.sorted.len() as i64 - 1;
        last - first
    }

    fn next_least_loaded(&mut self, sizes: &[usize]) -> usize {
        if self.next_least >= self.least_end {
            self.least_count += 1;
            while self.least_end < self.sorted.len()
                && sizes[self.sorted[self.least_end]] as i64 == self.least_count
            {
                self.least_end += 1;
            }
            self.next_least = 0;
        }
        let m = self.sorted[self.next_least];
        self.next_least += 1;
        m
    }

    fn next_most_loaded(&mut self, sizes: &[usize]) -> Option<usize> {
        if self.next_most < self.most_start as i64 {
            if self.most_end <= self.most_start && self.most_start > 0 {
                self.most_count = sizes[self.sorted[self.most_start - 1]] as i64;
            } else {
                self.most_count -= 1;
            }
            while self.most_start > 0
                && sizes[self.sorted[self.most_start - 1]] as i64 == self.most_count
            {
                self.most_start -= 1;
            }
            self.next_most = self.most_end as i64 - 1;
        }
        if self.next_most < 0 {
            return None;
        }
        let m = self.sorted[self.next_most as usize];
        self.next_most -= 1;
        Some(m)
    }

    fn exclude_most_loaded(&mut self) {
        let at = (self.next_most + 1) as usize;
        self.sorted.swap(at, self.most_end - 1);
        self.most_end -= 1;
    }

    fn is_balanced(&self) -> bool {
        self.most_count - self.least_count <= 1
    }
}
