//! Kafka's `AbstractStickyAssignor`, shared by `sticky` and `cooperative-sticky`: balance first
//! (sizes differ by at most one), then keep what members own.
//!
//! - `all_subscriptions_equal` reads each member's owned partitions and generation: a partition
//!   claimed by two members of the same generation is taken from both (and counted as moving);
//!   between generations the higher one keeps it.
//! - Equal subscriptions: the `ConstrainedAssignmentBuilder` (quotas, keep owned up to quota,
//!   deal the rest round robin to the unfilled members sorted by id).
//! - Otherwise: the `GeneralAssignmentBuilder` (keep valid owned partitions, give each
//!   unassigned partition to the least-loaded subscriber, then move partitions while it improves
//!   balance, undoing the moves when the balance score does not improve).
//!
//! Members are walked in Java hash order of their ids where Kafka walks its `HashMap`s; the
//! partition a movement "undoes" is the first of a Java `HashSet` (`java_hash.rs`). Rack-aware
//! parts are left out (no member has a rack).

use super::java_hash::{hash_map_order, topic_partition_hash, JavaHashOrder};
use super::{GroupAssignment, PartitionsPerTopic, Subscription, TopicPartition};
use crate::kernel::small::{map_of, set_of, sort_by};
use crate::kernel::vec_map::VecMap;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub const DEFAULT_GENERATION: i32 = -1;

/// The assignment and, from the constrained builder, `partitionsTransferringOwnership`
/// (partition → its new owner, by partition); `None` from the general builder.
pub struct StickyOutcome {
    pub assignment: GroupAssignment,
    pub transferring: Option<Vec<(TopicPartition, String)>>,
}

/// `assignPartitions` of `AbstractStickyAssignor`; `topics` holds only subscribed topics.
pub fn assign(topics: &PartitionsPerTopic, members: &[Subscription]) -> StickyOutcome {
    let ids: Vec<&str> = members.iter().map(|m| m.member_id.as_str()).collect();
    let order = hash_map_order(&ids);
    let claims = all_subscriptions_equal(topics, members, &order);
    if claims.all_equal {
        let mut b = Constrained::new(topics, members, &order, claims);
        let (assignment, transferring) = b.build();
        StickyOutcome {
            assignment: named(members, assignment),
            transferring: Some(
                transferring
                    .into_iter()
                    .map(|(tp, m)| (tp, members[m].member_id.clone()))
                    .collect(),
            ),
        }
    } else {
        let assignment = General::new(topics, members, &order, claims).build();
        StickyOutcome {
            assignment: named(members, assignment),
            transferring: None,
        }
    }
}

fn named(members: &[Subscription], lists: Vec<Vec<TopicPartition>>) -> GroupAssignment {
    map_of(
        members
            .iter()
            .zip(lists)
            .map(|(m, l)| (m.member_id.clone(), l)),
    )
}

struct Claims {
    all_equal: bool,
    /// Per member (by position): the owned partitions it may keep (`consumerToOwnedPartitions`).
    owned: Vec<Vec<TopicPartition>>,
    /// Claimed by two members of one generation (`partitionsWithMultiplePreviousOwners`).
    multiple_owners: BTreeSet<TopicPartition>,
    max_generation: i32,
}

fn all_subscriptions_equal(
    topics: &PartitionsPerTopic,
    members: &[Subscription],
    order: &[usize],
) -> Claims {
    let mut all_equal = true;
    // Topic sets as sorted, deduplicated vectors (no set type of their own in the bundle).
    fn topic_set(sub: &Subscription) -> Vec<&str> {
        let mut t: Vec<&str> = sub.topics.iter().map(String::as_str).collect();
        crate::kernel::small::sort_by(&mut t, Ord::cmp);
        t.dedup();
        t
    }
    let mut subscribed: Vec<&str> = Vec::new();
    let mut previous_owner: BTreeMap<TopicPartition, usize> = BTreeMap::new();
    let mut claims = Claims {
        all_equal: true,
        owned: vec![Vec::new(); members.len()],
        multiple_owners: BTreeSet::new(),
        max_generation: DEFAULT_GENERATION,
    };
    for &m in order {
        let sub = &members[m];
        let these = topic_set(sub);
        if subscribed.is_empty() {
            subscribed = these;
        } else if all_equal && these != subscribed {
            all_equal = false;
        }
        let generation = sub.generation.unwrap_or(DEFAULT_GENERATION);
        claims.max_generation = claims.max_generation.max(generation);
        for tp in &sub.owned_partitions {
            if !topics.contains_key(&tp.topic) {
                continue;
            }
            match previous_owner.get(tp).copied() {
                None => {
                    claims.owned[m].push(tp.clone());
                    previous_owner.insert(tp.clone(), m);
                }
                Some(other) => {
                    let other_generation = members[other].generation.unwrap_or(DEFAULT_GENERATION);
                    if generation == other_generation {
                        claims.multiple_owners.insert(tp.clone());
                        remove_first(&mut claims.owned[other], tp);
                        previous_owner.insert(tp.clone(), m);
                    } else if generation > other_generation {
                        claims.owned[m].push(tp.clone());
                        remove_first(&mut claims.owned[other], tp);
                        previous_owner.insert(tp.clone(), m);
                    }
                }
            }
        }
    }
    claims.all_equal = all_equal;
    claims
}

/// `List.remove(Object)`.
fn remove_first(list: &mut Vec<TopicPartition>, tp: &TopicPartition) {
    if let Some(i) = list.iter().position(|x| x == tp) {
        list.remove(i);
    }
}

fn all_partitions(topics: &PartitionsPerTopic, sorted_topics: &[&String]) -> Vec<TopicPartition> {
    sorted_topics
        .iter()
        .flat_map(|t| (0..topics[*t]).map(move |p| TopicPartition::new(t, p)))
        .collect()
}

/// `ConstrainedAssignmentBuilder`.
struct Constrained<'a> {
    topics: &'a PartitionsPerTopic,
    members: &'a [Subscription],
    order: &'a [usize],
    owned: Vec<Vec<TopicPartition>>,
    multiple_owners: BTreeSet<TopicPartition>,
    maybe_revoked: BTreeMap<TopicPartition, usize>,
    under_min: Vec<usize>,
    exactly_min: VecDeque<usize>,
    min_quota: usize,
    max_quota: usize,
    expected_over_min: usize,
    current_over_min: usize,
    assignment: Vec<Vec<TopicPartition>>,
    assigned: Vec<TopicPartition>,
    transferring: BTreeMap<TopicPartition, usize>,
}

impl<'a> Constrained<'a> {
    fn new(
        topics: &'a PartitionsPerTopic,
        members: &'a [Subscription],
        order: &'a [usize],
        claims: Claims,
    ) -> Self {
        let total: usize = topics.values().map(|&n| n as usize).sum();
        let n = members.len();
        Constrained {
            topics,
            members,
            order,
            owned: claims.owned,
            multiple_owners: claims.multiple_owners,
            maybe_revoked: BTreeMap::new(),
            under_min: Vec::new(),
            exactly_min: VecDeque::new(),
            min_quota: total / n,
            max_quota: total.div_ceil(n),
            expected_over_min: total % n,
            current_over_min: 0,
            assignment: vec![Vec::new(); n],
            assigned: Vec::new(),
            transferring: BTreeMap::new(),
        }
    }

    fn build(&mut self) -> (Vec<Vec<TopicPartition>>, BTreeMap<TopicPartition, usize>) {
        self.assign_owned_partitions();
        let assigned: BTreeSet<TopicPartition> = set_of(self.assigned.iter().cloned());
        // A B-tree's keys come sorted.
        let sorted_topics: Vec<&String> = self.topics.keys().collect();
        let unassigned: Vec<TopicPartition> = all_partitions(self.topics, &sorted_topics)
            .into_iter()
            .filter(|tp| !assigned.contains(tp))
            .collect();
        let members = self.members;
        let by_id = |a: &usize, b: &usize| members[*a].member_id.cmp(&members[*b].member_id);
        sort_by(&mut self.under_min, by_id);
        sort_by(self.exactly_min.make_contiguous(), by_id);
        self.assign_round_robin(&unassigned);
        (
            std::mem::take(&mut self.assignment),
            std::mem::take(&mut self.transferring),
        )
    }

    fn assign_owned_partitions(&mut self) {
        for &m in self.order {
            let mut owned = self.owned[m].clone();
            sort_by(&mut owned, |a, b| {
                (a.partition, &a.topic).cmp(&(b.partition, &b.topic))
            });
            owned.retain(|tp| !self.multiple_owners.contains(tp));
            if owned.len() < self.min_quota {
                self.assignment[m].extend(owned.iter().cloned());
                self.assigned.extend(owned);
                self.under_min.push(m);
            } else if owned.len() >= self.max_quota
                && self.current_over_min < self.expected_over_min
            {
                self.current_over_min += 1;
                if self.current_over_min == self.expected_over_min {
                    self.exactly_min.clear();
                }
                self.keep(m, owned, self.max_quota);
            } else {
                self.keep(m, owned, self.min_quota);
                if self.current_over_min < self.expected_over_min {
                    self.exactly_min.push_back(m);
                }
            }
        }
    }

    fn keep(&mut self, m: usize, owned: Vec<TopicPartition>, quota: usize) {
        for (i, tp) in owned.into_iter().enumerate() {
            if i < quota {
                self.assignment[m].push(tp.clone());
                self.assigned.push(tp);
            } else {
                self.maybe_revoked.insert(tp, m);
            }
        }
    }

    fn assign_round_robin(&mut self, unassigned: &[TopicPartition]) {
        // `unfilledConsumerIter` over `under_min`: the index of the next member to return.
        let mut next = 0;
        for tp in unassigned {
            let from_under;
            let consumer = if next < self.under_min.len() {
                next += 1;
                from_under = true;
                self.under_min[next - 1]
            } else if self.under_min.is_empty() {
                from_under = false;
                match self.exactly_min.pop_front() {
                    Some(c) => c,
                    None => panic!("no more unfilled consumers to be assigned"),
                }
            } else {
                next = 1;
                from_under = true;
                self.under_min[0]
            };
            let count = self.assign_new_partition(tp, consumer);
            if count == self.min_quota && from_under {
                next -= 1;
                self.under_min.remove(next);
                self.exactly_min.push_back(consumer);
            } else if count == self.max_quota {
                self.current_over_min += 1;
            }
        }
    }

    fn assign_new_partition(&mut self, tp: &TopicPartition, consumer: usize) -> usize {
        self.assignment[consumer].push(tp.clone());
        let moved = self.maybe_revoked.get(tp).is_some_and(|&o| o != consumer);
        if moved || self.multiple_owners.contains(tp) {
            self.transferring.insert(tp.clone(), consumer);
        }
        self.assignment[consumer].len()
    }
}

/// A set of `(assignment size, member rank)` kept as a sorted vector, Java's `TreeSet` of
/// `sortedCurrentSubscriptions`: as many entries as members, each change a binary search and a
/// shift (the loops that read it walk every member anyway), and one B-tree type fewer in the
/// notebook bundle.
#[derive(Default)]
struct SortedSet(Vec<(usize, usize)>);

impl SortedSet {
    fn insert(&mut self, k: (usize, usize)) {
        if let Err(i) = self.0.binary_search(&k) {
            self.0.insert(i, k);
        }
    }

    fn remove(&mut self, k: (usize, usize)) {
        if let Ok(i) = self.0.binary_search(&k) {
            self.0.remove(i);
        }
    }

    fn first(&self) -> Option<&(usize, usize)> {
        self.0.first()
    }

    fn last(&self) -> Option<&(usize, usize)> {
        self.0.last()
    }

    fn iter(&self) -> std::slice::Iter<'_, (usize, usize)> {
        self.0.iter()
    }
}

/// `PartitionMovements`: which partitions moved between which pair of members, per topic, and
/// each moved partition's pair (sorted vectors, looked up by binary search: three B-tree types
/// fewer in the notebook bundle; an insert moves the entries after it, cheap next to the
/// assignor's own balancing passes over every partition).
#[derive(Default)]
struct Movements {
    by_topic: VecMap<String, VecMap<(usize, usize), JavaHashOrder<TopicPartition>>>,
    moves: VecMap<TopicPartition, (usize, usize)>,
}

impl Movements {
    fn remove_record(&mut self, tp: &TopicPartition) -> (usize, usize) {
        let pair = self.moves.remove(tp).expect("a recorded movement");
        let topic = self.by_topic.get_mut(&tp.topic).expect("topic movements");
        let set = topic.get_mut(&pair).expect("pair movements");
        set.remove(tp);
        if set.is_empty() {
            topic.remove(&pair);
        }
        if topic.is_empty() {
            self.by_topic.remove(&tp.topic);
        }
        pair
    }

    fn add_record(&mut self, tp: &TopicPartition, pair: (usize, usize)) {
        self.moves.insert(tp.clone(), pair);
        self.by_topic
            .get_or_default(tp.topic.clone())
            .get_or_default(pair)
            .insert(topic_partition_hash(&tp.topic, tp.partition), tp.clone());
    }

    fn move_partition(&mut self, tp: &TopicPartition, old: usize, new: usize) {
        if self.moves.contains_key(tp) {
            let existing = self.remove_record(tp);
            if existing.0 != new {
                self.add_record(tp, (existing.0, new));
            }
        } else {
            self.add_record(tp, (old, new));
        }
    }

    fn actual_partition_to_move(
        &self,
        tp: &TopicPartition,
        old: usize,
        new: usize,
    ) -> TopicPartition {
        let Some(topic) = self.by_topic.get(&tp.topic) else {
            return tp.clone();
        };
        let old = self.moves.get(tp).map_or(old, |pair| pair.0);
        match topic.get(&(new, old)).and_then(|set| set.first()) {
            Some(reverse) => reverse.clone(),
            None => tp.clone(),
        }
    }
}

/// `GeneralAssignmentBuilder`.
struct General<'a> {
    topics: &'a PartitionsPerTopic,
    members: &'a [Subscription],
    order: &'a [usize],
    max_generation: i32,
    /// `topic2AllPotentialConsumers` (members in map order).
    topic_consumers: VecMap<&'a str, Vec<usize>>,
    /// `consumer2AllPotentialTopics`.
    consumer_topics: Vec<Vec<&'a str>>,
    /// `currentAssignment`; `None` while a member is set aside as fixed.
    current: Vec<Option<Vec<TopicPartition>>>,
    partition_consumer: BTreeMap<TopicPartition, usize>,
    sorted_all: Vec<TopicPartition>,
    /// `sortedCurrentSubscriptions`: (assignment size, rank of the member id).
    sorted_subs: SortedSet,
    rank: Vec<usize>,
    by_rank: Vec<usize>,
    revocation_required: bool,
    movements: Movements,
}

impl<'a> General<'a> {
    fn new(
        topics: &'a PartitionsPerTopic,
        members: &'a [Subscription],
        order: &'a [usize],
        claims: Claims,
    ) -> Self {
        // Topics in name order (the keys of `topics`), so each insert appends.
        let mut topic_consumers: VecMap<&str, Vec<usize>> = VecMap::new();
        for t in topics.keys() {
            topic_consumers.insert(t.as_str(), Vec::new());
        }
        let mut consumer_topics = vec![Vec::new(); members.len()];
        for &m in order {
            let mut seen = BTreeSet::new();
            for t in &members[m].topics {
                if let Some(list) = topic_consumers.get_mut(&t.as_str()) {
                    if seen.insert(t.as_str()) {
                        consumer_topics[m].push(t.as_str());
                        list.push(m);
                    }
                }
            }
        }
        let current: Vec<Option<Vec<TopicPartition>>> =
            claims.owned.into_iter().map(Some).collect();
        let mut partition_consumer = BTreeMap::new();
        for &m in order {
            for tp in current[m].iter().flatten() {
                partition_consumer.insert(tp.clone(), m);
            }
        }
        // `TopicComparator`: fewer potential consumers first, then by name.
        let mut sorted_topics: Vec<&String> = topics.keys().collect();
        sort_by(&mut sorted_topics, |a, b| {
            (topic_consumers[&a.as_str()].len(), a.as_str())
                .cmp(&(topic_consumers[&b.as_str()].len(), b.as_str()))
        });
        let sorted_all = all_partitions(topics, &sorted_topics);
        let mut by_rank: Vec<usize> = (0..members.len()).collect();
        sort_by(&mut by_rank, |a, b| {
            members[*a].member_id.cmp(&members[*b].member_id)
        });
        let mut rank = vec![0; members.len()];
        for (r, &m) in by_rank.iter().enumerate() {
            rank[m] = r;
        }
        General {
            topics,
            members,
            order,
            max_generation: claims.max_generation,
            topic_consumers,
            consumer_topics,
            current,
            partition_consumer,
            sorted_all,
            sorted_subs: SortedSet::default(),
            rank,
            by_rank,
            revocation_required: false,
            movements: Movements::default(),
        }
    }

    fn size(&self, m: usize) -> usize {
        self.current[m].as_ref().map_or(0, Vec::len)
    }

    fn key(&self, m: usize) -> (usize, usize) {
        (self.size(m), self.rank[m])
    }

    fn build(mut self) -> Vec<Vec<TopicPartition>> {
        let prev = self.prepopulate_current_assignments();
        let assigned = self.assign_owned_partitions();
        let unassigned: Vec<TopicPartition> = self
            .sorted_all
            .iter()
            .filter(|tp| !assigned.contains(tp))
            .cloned()
            .collect();
        for m in 0..self.members.len() {
            let k = self.key(m);
            self.sorted_subs.insert(k);
        }
        self.balance(&prev, unassigned);
        self.current
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect()
    }

    /// `prevAssignment`: partitions owned in an older generation, by their latest owner (the
    /// first member in order among those of that generation). Built as a sorted vector: one
    /// B-tree type fewer in the notebook bundle.
    fn prepopulate_current_assignments(&self) -> VecMap<TopicPartition, (usize, i32)> {
        let mut owned: Vec<(TopicPartition, (usize, i32))> = Vec::new();
        for &m in self.order {
            let sub = &self.members[m];
            let generation = match sub.generation {
                Some(g) if g < self.max_generation => g,
                None if self.max_generation > DEFAULT_GENERATION => DEFAULT_GENERATION,
                _ => continue,
            };
            owned.extend(
                sub.owned_partitions
                    .iter()
                    .map(|tp| (tp.clone(), (m, generation))),
            );
        }
        // Per partition the highest generation first; a stable sort keeps member order among equals
        // (`sort_by`: the assignors' one instantiation of the standard sort).
        sort_by(&mut owned, |a, b| a.0.cmp(&b.0).then(b.1 .1.cmp(&a.1 .1)));
        owned.dedup_by(|later, first| later.0 == first.0);
        VecMap::from_sorted(owned)
    }

    fn assign_owned_partitions(&mut self) -> BTreeSet<TopicPartition> {
        let mut assigned = BTreeSet::new();
        for &m in self.order {
            let list = self.current[m].take().unwrap_or_default();
            let mut kept = Vec::with_capacity(list.len());
            for tp in list {
                if !self.topic_consumers.contains_key(&tp.topic.as_str()) {
                    self.partition_consumer.remove(&tp);
                } else if !self.consumer_topics[m].contains(&tp.topic.as_str()) {
                    self.revocation_required = true;
                } else {
                    assigned.insert(tp.clone());
                    kept.push(tp);
                }
            }
            self.current[m] = Some(kept);
        }
        assigned
    }

    fn max_assignment_size(&self, m: usize) -> usize {
        self.consumer_topics[m]
            .iter()
            .map(|t| self.topics[*t] as usize)
            .sum()
    }

    fn is_balanced(&self) -> bool {
        let (Some(first), Some(last)) = (self.sorted_subs.first(), self.sorted_subs.last()) else {
            return true;
        };
        if first.0 + 1 >= last.0 {
            return true;
        }
        for &(count, r) in self.sorted_subs.iter() {
            let m = self.by_rank[r];
            if count == self.max_assignment_size(m) {
                continue;
            }
            for topic in &self.consumer_topics[m] {
                for p in 0..self.topics[*topic] {
                    let tp = TopicPartition::new(topic, p);
                    let Some(&other) = self.partition_consumer.get(&tp) else {
                        continue;
                    };
                    if other == m || self.current[other].is_none() {
                        continue;
                    }
                    if count + 1 < self.size(other) {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// `getBalanceScore`: the sum over pairs of members of their size difference.
    fn balance_score(lists: &[Option<Vec<TopicPartition>>]) -> i64 {
        let mut sizes: Vec<i64> = lists.iter().flatten().map(|l| l.len() as i64).collect();
        sort_by(&mut sizes, Ord::cmp);
        let n = sizes.len() as i64;
        sizes
            .iter()
            .enumerate()
            .map(|(i, s)| s * (2 * i as i64 - n + 1))
            .sum()
    }

    fn maybe_assign_partition(&mut self, tp: &TopicPartition) {
        let found = self
            .sorted_subs
            .iter()
            .map(|&(_, r)| self.by_rank[r])
            .find(|&m| self.consumer_topics[m].contains(&tp.topic.as_str()));
        if let Some(m) = found {
            let k = self.key(m);
            self.sorted_subs.remove(k);
            self.current[m]
                .get_or_insert_with(Vec::new)
                .push(tp.clone());
            self.partition_consumer.insert(tp.clone(), m);
            let k = self.key(m);
            self.sorted_subs.insert(k);
        }
    }

    fn can_topic_participate(&self, topic: &str) -> bool {
        self.topic_consumers[&topic].len() >= 2
    }

    fn can_consumer_participate(&self, m: usize) -> bool {
        if self.size(m) < self.max_assignment_size(m) {
            return true;
        }
        self.current[m]
            .iter()
            .flatten()
            .any(|tp| self.can_topic_participate(&tp.topic))
    }

    fn balance(
        &mut self,
        prev: &VecMap<TopicPartition, (usize, i32)>,
        unassigned: Vec<TopicPartition>,
    ) {
        let initializing = self
            .sorted_subs
            .last()
            .is_none_or(|&(_, r)| self.size(self.by_rank[r]) == 0);
        for tp in &unassigned {
            if !self.topic_consumers[&tp.topic.as_str()].is_empty() {
                self.maybe_assign_partition(tp);
            }
        }
        // The map's keys are sorted and distinct.
        let fixed_topics: Vec<&str> = self
            .topic_consumers
            .keys()
            .copied()
            .filter(|t| !self.can_topic_participate(t))
            .collect();
        let mut sorted_all = std::mem::take(&mut self.sorted_all);
        sorted_all.retain(|tp| fixed_topics.binary_search(&tp.topic.as_str()).is_err());
        let mut unassigned = unassigned;
        unassigned.retain(|tp| fixed_topics.binary_search(&tp.topic.as_str()).is_err());

        let mut fixed: Vec<(usize, Vec<TopicPartition>)> = Vec::new();
        for m in 0..self.members.len() {
            if !self.can_consumer_participate(m) {
                let k = self.key(m);
                self.sorted_subs.remove(k);
                fixed.push((m, self.current[m].take().unwrap_or_default()));
            }
        }
        let pre_balance = self.current.clone();
        let pre_balance_owners = self.partition_consumer.clone();
        if !self.revocation_required {
            self.perform_reassignments(&unassigned, prev);
        }
        let performed = self.perform_reassignments(&sorted_all, prev);
        if !initializing
            && performed
            && Self::balance_score(&self.current) >= Self::balance_score(&pre_balance)
        {
            self.current = pre_balance;
            self.partition_consumer = pre_balance_owners;
        }
        for (m, list) in fixed {
            self.current[m] = Some(list);
            let k = self.key(m);
            self.sorted_subs.insert(k);
        }
    }

    fn perform_reassignments(
        &mut self,
        partitions: &[TopicPartition],
        prev: &VecMap<TopicPartition, (usize, i32)>,
    ) -> bool {
        let mut performed = false;
        loop {
            let mut modified = false;
            // `isBalanced` before every partition, as Kafka's loop asks it; its answer changes
            // only when a partition moves, so it is worked out again only then (it reads every
            // member's topics: asked afresh for each of 20,000 partitions it took seconds).
            let mut balanced: Option<bool> = None;
            for tp in partitions {
                if *balanced.get_or_insert_with(|| self.is_balanced()) {
                    break;
                }
                let Some(&consumer) = self.partition_consumer.get(tp) else {
                    continue;
                };
                if self.current[consumer].is_none() {
                    continue;
                }
                if let Some(&(prev_consumer, _)) = prev.get(tp) {
                    if self.current[prev_consumer].is_some()
                        && self.size(consumer) > self.size(prev_consumer) + 1
                    {
                        self.reassign_partition_to(tp, prev_consumer);
                        performed = true;
                        modified = true;
                        balanced = None;
                        continue;
                    }
                }
                let heavier = self.topic_consumers[&tp.topic.as_str()]
                    .iter()
                    .any(|&o| self.current[o].is_some() && self.size(consumer) > self.size(o) + 1);
                if heavier {
                    self.reassign_partition(tp);
                    performed = true;
                    modified = true;
                    balanced = None;
                }
            }
            if !modified {
                return performed;
            }
        }
    }

    fn reassign_partition(&mut self, tp: &TopicPartition) {
        let new = self
            .sorted_subs
            .iter()
            .map(|&(_, r)| self.by_rank[r])
            .find(|&m| self.consumer_topics[m].contains(&tp.topic.as_str()))
            .expect("a subscriber of a reassignable topic");
        self.reassign_partition_to(tp, new);
    }

    fn reassign_partition_to(&mut self, tp: &TopicPartition, new: usize) {
        let consumer = self.partition_consumer[tp];
        let moved = self.movements.actual_partition_to_move(tp, consumer, new);
        self.process_partition_movement(&moved, new);
    }

    fn process_partition_movement(&mut self, tp: &TopicPartition, new: usize) {
        let old = self.partition_consumer[tp];
        let (ko, kn) = (self.key(old), self.key(new));
        self.sorted_subs.remove(ko);
        self.sorted_subs.remove(kn);
        self.movements.move_partition(tp, old, new);
        if let Some(list) = self.current[old].as_mut() {
            remove_first(list, tp);
        }
        self.current[new]
            .get_or_insert_with(Vec::new)
            .push(tp.clone());
        self.partition_consumer.insert(tp.clone(), new);
        let (ko, kn) = (self.key(old), self.key(new));
        self.sorted_subs.insert(kn);
        self.sorted_subs.insert(ko);
    }
}
