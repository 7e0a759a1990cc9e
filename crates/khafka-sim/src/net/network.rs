//! The simulated network: per-link latency and loss, partitions, FIFO delivery.
//!
//! Connections are TCP: a link delivers in order, and a lost packet is retransmitted rather than
//! dropped, so loss shows up as delay (a retransmission timeout of 200 ms, doubling; Linux's minimum
//! RTO). Only a network partition makes messages vanish; the sender then learns of it through its
//! request timeout, as a real client does. A slow broker's delay is part of the delivery time, inside
//! the FIFO order: it handles a connection's requests later, never out of order.
//!
//! A link may have a bandwidth (bytes per second; unlimited by default). Then a message is
//! serialized onto it after the messages before it: it starts when the link is free, takes its
//! wire size (`protocol/wire.rs`) over the bandwidth, and arrives the link's latency after its last
//! byte left. Retransmissions after a loss take no bandwidth of their own.

use crate::ctx::Node;
use crate::rng::SimRng;
use crate::spec::{LinkSpec, NodeRef};
use serde::Serialize;

const MIN_RTO_US: u64 = 200_000;

/// When a message arrives, and how long after its send its last transmission left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub at_us: u64,
    /// How long after its send the message's last byte left: the time it waited for the link and
    /// took to serialize (with a bandwidth), plus the retransmission timeouts it waited (at most
    /// 12.6 s: six doublings of 200 ms).
    pub departs_after_us: u64,
    /// How long after its send its last byte was first written onto the link: the wait for the
    /// link and its serialization, without retransmissions (0 on a link without a bandwidth).
    pub written_after_us: u64,
}
/// The smallest bandwidth a link may have (1 byte per second).
pub const MIN_BANDWIDTH_BPS: u64 = 1;
/// The largest bandwidth a link may have (1 TB/s), beyond which "unlimited" says the same.
pub const MAX_BANDWIDTH_BPS: u64 = 1_000_000_000_000;

/// How long `bytes` take to serialize at `bps` bytes per second (µs, rounded up; 0 if unlimited).
pub fn transmission_us(bytes: u64, bps: u64) -> u64 {
    if bps == 0 {
        return 0;
    }
    let us = (bytes as u128 * 1_000_000).div_ceil(bps as u128);
    us.min(u64::MAX as u128) as u64
}
/// The smallest one-way latency of a link (50 µs, a fast LAN; loopback is tens of microseconds).
/// Every request and answer takes time, so no exchange of messages can loop at one instant
/// (a fetch with a zero wait, a zero backoff). Links below it are raised to it.
pub const MIN_LATENCY_US: u64 = 50;
/// The largest one-way latency of a link (60 s).
pub const MAX_LATENCY_US: u64 = 60_000_000;
/// At most this many retransmissions are simulated for one message (then it gets through).
const MAX_RETRANSMITS: u32 = 6;

#[derive(Clone, Debug, Serialize)]
pub struct Network {
    brokers: u32,
    producers: Vec<String>,
    consumers: Vec<String>,
    /// Quorum controllers, after the clients (0: the single controller only).
    controllers: u32,
    nodes: usize,
    links: Vec<LinkSpec>,
    blocked: Vec<bool>,
    /// Time of the last delivery scheduled on each link, to keep links FIFO.
    last_delivery_us: Vec<u64>,
    /// When each link has finished serializing the messages sent on it so far (links with a
    /// bandwidth only).
    busy_until_us: Vec<u64>,
    /// The longest a message waited for a busy link before its first byte left (µs).
    longest_wait_us: u64,
    /// One random stream per link, made when the link first carries a message: two runs of a seed
    /// that differ in one setting keep the same latencies on every link the change does not touch.
    #[serde(skip)]
    link_rngs: Vec<Option<SimRng>>,
    seed: u64,
    pub partitions: Vec<(Vec<Vec<NodeRef>>, bool)>,
    pub isolated: Vec<NodeRef>,
}

impl Network {
    pub fn new(
        brokers: u32,
        producers: Vec<String>,
        consumers: Vec<String>,
        default: &LinkSpec,
        seed: u64,
    ) -> Self {
        let nodes = brokers as usize + 1 + producers.len() + consumers.len();
        Network {
            brokers,
            producers,
            consumers,
            controllers: 0,
            nodes,
            links: vec![default.clone(); nodes * nodes],
            blocked: vec![false; nodes * nodes],
            last_delivery_us: vec![0; nodes * nodes],
            busy_until_us: vec![0; nodes * nodes],
            longest_wait_us: 0,
            link_rngs: vec![None; nodes * nodes],
            seed,
            partitions: Vec::new(),
            isolated: Vec::new(),
        }
    }

    /// Adds the quorum's controllers (before any link override is set).
    pub fn add_controllers(&mut self, n: u32) {
        if n == 0 {
            return;
        }
        let default = self.links[0].clone();
        self.controllers = n;
        self.nodes += n as usize;
        let nn = self.nodes * self.nodes;
        self.links = vec![default; nn];
        self.blocked = vec![false; nn];
        self.last_delivery_us = vec![0; nn];
        self.busy_until_us = vec![0; nn];
        self.link_rngs = vec![None; nn];
    }

    pub fn index(&self, n: Node) -> usize {
        match n {
            Node::Broker(b) => (b - 1) as usize,
            Node::Controller => self.brokers as usize,
            Node::Producer(i) => self.brokers as usize + 1 + i as usize,
            Node::Consumer(i) => self.brokers as usize + 1 + self.producers.len() + i as usize,
            Node::QuorumController(c) => {
                self.brokers as usize + 1 + self.producers.len() + self.consumers.len() + c as usize
                    - 1
            }
        }
    }

    /// Every node a scenario name stands for: `controller` is every controller of a quorum.
    pub fn resolve_all(&self, r: &NodeRef) -> Vec<Node> {
        match r {
            NodeRef::Controller if self.controllers > 0 => {
                (1..=self.controllers).map(Node::QuorumController).collect()
            }
            _ => self.resolve(r).into_iter().collect(),
        }
    }

    /// Resolves a scenario node name; `None` if it names nothing.
    pub fn resolve(&self, r: &NodeRef) -> Option<Node> {
        match r {
            NodeRef::Broker(b) if *b >= 1 && *b <= self.brokers => Some(Node::Broker(*b)),
            NodeRef::Broker(_) => None,
            NodeRef::Controller => Some(Node::Controller),
            NodeRef::QuorumController(c) if *c >= 1 && *c <= self.controllers => {
                Some(Node::QuorumController(*c))
            }
            NodeRef::QuorumController(_) => None,
            NodeRef::Client(name) => {
                if let Some(i) = self.producers.iter().position(|p| p == name) {
                    Some(Node::Producer(i as u32))
                } else {
                    self.consumers
                        .iter()
                        .position(|c| c == name)
                        .map(|i| Node::Consumer(i as u32))
                }
            }
        }
    }

    fn all_nodes(&self) -> Vec<Node> {
        let mut v: Vec<Node> = (1..=self.brokers).map(Node::Broker).collect();
        v.push(Node::Controller);
        v.extend((0..self.producers.len() as u32).map(Node::Producer));
        v.extend((0..self.consumers.len() as u32).map(Node::Consumer));
        v.extend((1..=self.controllers).map(Node::QuorumController));
        v
    }

    pub fn set_link(&mut self, from: &[NodeRef], to: &[NodeRef], link: &LinkSpec) {
        let from: Vec<Node> = from.iter().flat_map(|r| self.resolve_all(r)).collect();
        let to: Vec<Node> = to.iter().flat_map(|r| self.resolve_all(r)).collect();
        for &f in &from {
            for &t in &to {
                let i = self.index(f) * self.nodes + self.index(t);
                self.links[i] = link.clone();
            }
        }
    }

    /// A link's identity for its random stream: its two ends by what they are (broker id, the
    /// controller, a client's name), not by position, so adding a broker or a client leaves every
    /// other link's stream as it was.
    fn link_key(&self, from: Node, to: Node) -> u64 {
        let fnv = |tag: u64, name: &str| {
            name.bytes().fold(0xcbf2_9ce4_8422_2325 ^ tag, |h, b| {
                (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
            })
        };
        let key = |n: Node| match n {
            Node::Broker(b) => b as u64,
            Node::Controller => 1 << 40,
            Node::Producer(p) => fnv(1, &self.producers[p as usize]),
            Node::Consumer(c) => fnv(2, &self.consumers[c as usize]),
            Node::QuorumController(c) => (1 << 41) | c as u64,
        };
        key(from).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ key(to)
    }

    #[inline]
    pub fn is_blocked(&self, from: Node, to: Node) -> bool {
        self.blocked[self.index(from) * self.nodes + self.index(to)]
    }

    /// Adds a partition: messages between different groups (or only from the first group to the
    /// second when `one_way`) are dropped.
    pub fn partition(&mut self, groups: Vec<Vec<NodeRef>>, one_way: bool) {
        self.partitions.push((groups, one_way));
        self.recompute();
    }

    pub fn isolate(&mut self, node: NodeRef) {
        self.isolated.push(node);
        self.recompute();
    }

    pub fn heal(&mut self) {
        self.partitions.clear();
        self.isolated.clear();
        self.recompute();
    }

    /// Reconnects an isolated node (toggle used by the UI's "cut off" key).
    pub fn unisolate(&mut self, node: &NodeRef) {
        self.isolated.retain(|n| n != node);
        self.recompute();
    }

    fn recompute(&mut self) {
        self.blocked.iter_mut().for_each(|b| *b = false);
        let nodes = self.nodes;
        let block = |net: &mut Vec<bool>, a: usize, b: usize| {
            net[a * nodes + b] = true;
        };
        let mut blocked = std::mem::take(&mut self.blocked);
        for (groups, one_way) in &self.partitions {
            let sets: Vec<Vec<usize>> = groups
                .iter()
                .map(|g| {
                    g.iter()
                        .flat_map(|r| self.resolve_all(r))
                        .map(|n| self.index(n))
                        .collect()
                })
                .collect();
            if *one_way {
                if let [from, to] = sets.as_slice() {
                    for &a in from {
                        for &b in to {
                            block(&mut blocked, a, b);
                        }
                    }
                }
            } else {
                for (i, gi) in sets.iter().enumerate() {
                    for (j, gj) in sets.iter().enumerate() {
                        if i != j {
                            for &a in gi {
                                for &b in gj {
                                    block(&mut blocked, a, b);
                                }
                            }
                        }
                    }
                }
            }
        }
        let all: Vec<usize> = self
            .all_nodes()
            .into_iter()
            .map(|n| self.index(n))
            .collect();
        for r in &self.isolated {
            for n in self.resolve_all(r) {
                let a = self.index(n);
                for &b in &all {
                    if a != b {
                        block(&mut blocked, a, b);
                        block(&mut blocked, b, a);
                    }
                }
            }
        }
        self.blocked = blocked;
    }

    /// A node lost power: what it had not yet serialized onto its links is gone, so they are free
    /// from `now_us`.
    pub fn drop_queued_from(&mut self, node: Node, now_us: u64) {
        let from = self.index(node);
        for to in 0..self.nodes {
            let b = &mut self.busy_until_us[from * self.nodes + to];
            *b = (*b).min(now_us);
        }
    }

    /// The longest a message has waited for a link with a bandwidth to be free (µs).
    pub fn longest_wait_us(&self) -> u64 {
        self.longest_wait_us
    }

    /// Whether a message on the link from `from` to `to` takes time to write (the link has a
    /// bandwidth): the one rule by which an `acks=0` produce request stays in flight until its
    /// last byte leaves (`Timer::ProduceWritten`), read by the producer and by the router.
    #[inline]
    pub fn takes_time_to_write(&self, from: Node, to: Node) -> bool {
        self.bandwidth_bps(from, to) > 0
    }

    /// The bandwidth of the link from `from` to `to` (bytes/s, 0: unlimited).
    #[inline]
    pub fn bandwidth_bps(&self, from: Node, to: Node) -> u64 {
        self.links[self.index(from) * self.nodes + self.index(to)].bandwidth_bps
    }

    /// When a message sent now arrives (`None`: dropped by a partition), and how long after the send
    /// its last transmission left (the wait for the link, its serialization and the retransmission
    /// timeouts: the sender must be up until then). `size` gives the message's wire size, asked
    /// only when the link has a bandwidth. `extra_us` is added before the link's FIFO order is
    /// enforced: a slow broker handles a connection's requests later, but still in order.
    pub fn delivery(
        &mut self,
        now_us: u64,
        from: Node,
        to: Node,
        extra_us: u64,
        size: impl FnOnce() -> u64,
    ) -> Option<Delivery> {
        if self.is_blocked(from, to) {
            return None;
        }
        let i = self.index(from) * self.nodes + self.index(to);
        let link = &self.links[i];
        let lo = link.latency_us_min.clamp(MIN_LATENCY_US, MAX_LATENCY_US);
        let hi = link.latency_us_max.clamp(lo, MAX_LATENCY_US);
        let loss = link.loss_ppm;
        // Serialization: after the messages before it, at the link's bandwidth.
        let departs = match link.bandwidth_bps {
            0 => now_us,
            bps => {
                let bps = bps.clamp(MIN_BANDWIDTH_BPS, MAX_BANDWIDTH_BPS);
                let start = now_us.max(self.busy_until_us[i]);
                self.longest_wait_us = self.longest_wait_us.max(start - now_us);
                let end = start.saturating_add(transmission_us(size(), bps));
                self.busy_until_us[i] = end;
                end
            }
        };
        if self.link_rngs[i].is_none() {
            // Made once per link, so the key (a hash of client names) is off the hot path.
            let key = self.link_key(from, to);
            self.link_rngs[i] = Some(SimRng::derive_indexed(self.seed, "link", key));
        }
        let rng = self.link_rngs[i].as_mut().expect("made above");
        let mut at = departs
            .saturating_add(rng.range_inclusive(lo, hi))
            .saturating_add(extra_us);
        let mut rto = MIN_RTO_US;
        let mut tries = 0;
        let written_after_us = departs - now_us;
        let mut retransmit_us = written_after_us;
        while tries < MAX_RETRANSMITS && rng.chance_ppm(loss) {
            at = at.saturating_add(rto);
            retransmit_us += rto;
            rto *= 2;
            tries += 1;
        }
        let at = at.max(self.last_delivery_us[i]);
        self.last_delivery_us[i] = at;
        Some(Delivery {
            at_us: at,
            departs_after_us: retransmit_us,
            written_after_us,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(seed: u64) -> Network {
        let link = LinkSpec {
            latency_us_min: 100,
            latency_us_max: 5_000,
            loss_ppm: 100_000,
            bandwidth_bps: 0,
        };
        Network::new(3, vec!["p".into()], Vec::new(), &link, seed)
    }

    #[test]
    fn each_link_draws_from_its_own_stream() {
        // Run A sends on links 1→2 and 2→3 alternately; run B sends three times as much on 1→2
        // (a setting that changes traffic there only). Link 2→3 sees the same latencies in both.
        let (mut a, mut b) = (net(7), net(7));
        let (mut a23, mut b23) = (Vec::new(), Vec::new());
        for i in 0..200u64 {
            let t = i * 10_000_000;
            a.delivery(t, Node::Broker(1), Node::Broker(2), 0, || 0)
                .map(|d| d.at_us);
            for _ in 0..3 {
                b.delivery(t, Node::Broker(1), Node::Broker(2), 0, || 0)
                    .map(|d| d.at_us);
            }
            a23.push(
                a.delivery(t, Node::Broker(2), Node::Broker(3), 0, || 0)
                    .map(|d| d.at_us)
                    .unwrap()
                    - t,
            );
            b23.push(
                b.delivery(t, Node::Broker(2), Node::Broker(3), 0, || 0)
                    .map(|d| d.at_us)
                    .unwrap()
                    - t,
            );
        }
        assert_eq!(a23, b23);
        // And the streams differ between links and seeds.
        let mut c = net(8);
        let c23: Vec<u64> = (0..200u64)
            .map(|i| {
                let t = i * 10_000_000;
                c.delivery(t, Node::Broker(2), Node::Broker(3), 0, || 0)
                    .map(|d| d.at_us)
                    .unwrap()
                    - t
            })
            .collect();
        assert_ne!(a23, c23);
        // Adding a client (which shifts every node's position) leaves the brokers' links alone.
        let link = LinkSpec {
            latency_us_min: 100,
            latency_us_max: 5_000,
            loss_ppm: 100_000,
            bandwidth_bps: 0,
        };
        let mut d = Network::new(3, vec!["p".into()], vec!["c".into()], &link, 7);
        let d23: Vec<u64> = (0..200u64)
            .map(|i| {
                let t = i * 10_000_000;
                d.delivery(t, Node::Broker(2), Node::Broker(3), 0, || 0)
                    .map(|d| d.at_us)
                    .unwrap()
                    - t
            })
            .collect();
        assert_eq!(a23, d23);
    }

    fn limited(bps: u64) -> Network {
        let link = LinkSpec {
            latency_us_min: 1_000,
            latency_us_max: 1_000,
            loss_ppm: 0,
            bandwidth_bps: bps,
        };
        Network::new(2, vec!["p".into()], Vec::new(), &link, 1)
    }

    #[test]
    fn a_message_waits_for_the_ones_before_it_then_takes_size_over_bandwidth() {
        // 1,000 B/s: three 500-byte messages sent at once leave at 0.5 s, 1 s and 1.5 s and
        // arrive 1 ms later, in order; a fourth sent at 10 s finds the link free.
        let mut n = limited(1_000);
        let (p, b) = (Node::Producer(0), Node::Broker(1));
        let at: Vec<u64> = (0..3)
            .map(|_| n.delivery(0, p, b, 0, || 500).unwrap().at_us)
            .collect();
        assert_eq!(at, vec![501_000, 1_001_000, 1_501_000]);
        let d = n.delivery(10_000_000, p, b, 0, || 500).unwrap();
        assert_eq!(d.at_us, 10_501_000);
        assert_eq!(d.departs_after_us, 500_000);
        // The other direction and other links have their own queues.
        assert_eq!(n.delivery(0, b, p, 0, || 500).unwrap().at_us, 501_000);
        assert_eq!(
            n.delivery(0, p, Node::Broker(2), 0, || 1).unwrap().at_us,
            2_000
        );
    }

    #[test]
    fn unlimited_links_never_ask_the_size() {
        let mut n = limited(0);
        let d = n
            .delivery(0, Node::Producer(0), Node::Broker(1), 0, || {
                panic!("the size of a message on an unlimited link")
            })
            .unwrap();
        assert_eq!(d.at_us, 1_000);
        assert_eq!(d.departs_after_us, 0);
    }

    #[test]
    fn extreme_sizes_and_bandwidths_saturate() {
        // 1 B/s and a 1 MB message: 10^6 s on the wire, exactly.
        let mut n = limited(1);
        let (p, b) = (Node::Producer(0), Node::Broker(1));
        let d = n.delivery(0, p, b, 0, || 1_000_000).unwrap();
        assert_eq!(d.at_us, 1_000_000_000_000 + 1_000);
        // The largest size saturates instead of overflowing, and so does what follows it.
        let d = n.delivery(0, p, b, 0, || u64::MAX).unwrap();
        assert_eq!(d.at_us, u64::MAX);
        assert_eq!(n.delivery(5, p, b, 0, || 1).unwrap().at_us, u64::MAX);
        // The fastest link still takes time per message (its latency), never zero.
        let mut n = limited(MAX_BANDWIDTH_BPS);
        assert_eq!(n.delivery(7, p, b, 0, || 1).unwrap().at_us, 7 + 1 + 1_000);
        assert_eq!(transmission_us(0, 1), 0);
        assert_eq!(transmission_us(1, MAX_BANDWIDTH_BPS), 1);
    }
}
