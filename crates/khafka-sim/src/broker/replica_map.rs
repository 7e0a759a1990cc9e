//! A broker's replicas, addressed by partition index.
//!
//! The same interface as the `BTreeMap<PartIdx, Replica>` it replaces (iteration in partition order,
//! `get`, `get_mut`, `values`, indexing), but a lookup is two array reads instead of a tree search: the
//! broker looks a replica up several times for every produce and fetch it handles.

use crate::broker::Replica;
use crate::msg::PartIdx;
use std::sync::Arc;

const ABSENT: u32 = u32::MAX;

#[derive(Clone, Debug, Default)]
pub struct ReplicaMap {
    /// The replicas, in partition order.
    replicas: Vec<Replica>,
    /// Position in `replicas` of each partition of the cluster, `ABSENT` if not hosted here. Changes
    /// only when a reassignment creates or deletes a replica (copied then), so checkpoints share it.
    slot: Arc<[u32]>,
}

impl ReplicaMap {
    /// Bytes a clone of the replicas copies rather than shares.
    pub(crate) fn clone_bytes(&self) -> u64 {
        self.replicas
            .iter()
            .map(|r| std::mem::size_of::<Replica>() as u64 + r.log.clone_bytes())
            .sum()
    }

    /// `replicas` in any order; `partitions` is the number of partitions in the cluster.
    pub fn new(mut replicas: Vec<Replica>, partitions: usize) -> Self {
        crate::kernel::small::sort_by(&mut replicas, |a, b| a.part.cmp(&b.part));
        let mut slot = vec![ABSENT; partitions];
        for (i, r) in replicas.iter().enumerate() {
            assert!(
                slot[r.part as usize] == ABSENT,
                "partition {} hosted twice",
                r.part
            );
            slot[r.part as usize] = i as u32;
        }
        ReplicaMap {
            replicas,
            slot: slot.into(),
        }
    }

    /// Hosts a new replica (a reassignment added this broker); `false` if already hosted.
    pub fn insert(&mut self, replica: Replica) -> bool {
        let part = replica.part;
        if self.position(part).is_some() || part as usize >= self.slot.len() {
            return false;
        }
        let at = self.replicas.partition_point(|r| r.part < part);
        self.replicas.insert(at, replica);
        self.reindex();
        true
    }

    /// Deletes a replica (a reassignment removed this broker), returning it.
    pub fn remove(&mut self, part: PartIdx) -> Option<Replica> {
        let i = self.position(part)?;
        let r = self.replicas.remove(i);
        self.reindex();
        Some(r)
    }

    fn reindex(&mut self) {
        let slot = std::sync::Arc::make_mut(&mut self.slot);
        slot.iter_mut().for_each(|s| *s = ABSENT);
        for (i, r) in self.replicas.iter().enumerate() {
            slot[r.part as usize] = i as u32;
        }
    }

    #[inline]
    fn position(&self, part: PartIdx) -> Option<usize> {
        match self.slot.get(part as usize) {
            Some(&i) if i != ABSENT => Some(i as usize),
            _ => None,
        }
    }

    #[inline]
    pub fn get(&self, part: &PartIdx) -> Option<&Replica> {
        self.position(*part).map(|i| &self.replicas[i])
    }

    #[inline]
    pub fn get_mut(&mut self, part: &PartIdx) -> Option<&mut Replica> {
        self.position(*part).map(|i| &mut self.replicas[i])
    }

    pub fn contains_key(&self, part: &PartIdx) -> bool {
        self.position(*part).is_some()
    }

    pub fn len(&self) -> usize {
        self.replicas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.replicas.is_empty()
    }

    /// The replicas in partition order.
    pub fn values(&self) -> std::slice::Iter<'_, Replica> {
        self.replicas.iter()
    }

    pub fn values_mut(&mut self) -> std::slice::IterMut<'_, Replica> {
        self.replicas.iter_mut()
    }

    /// `(partition, replica)` in partition order.
    pub fn iter(&self) -> impl Iterator<Item = (&PartIdx, &Replica)> + '_ {
        self.replicas.iter().map(|r| (&r.part, r))
    }
}

impl std::ops::Index<&PartIdx> for ReplicaMap {
    type Output = Replica;

    fn index(&self, part: &PartIdx) -> &Replica {
        self.get(part)
            .expect("no replica of this partition on this broker")
    }
}

impl<'a> IntoIterator for &'a ReplicaMap {
    type Item = (&'a PartIdx, &'a Replica);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, Replica>, fn(&Replica) -> (&PartIdx, &Replica)>;

    fn into_iter(self) -> Self::IntoIter {
        self.replicas.iter().map(|r| (&r.part, r))
    }
}
