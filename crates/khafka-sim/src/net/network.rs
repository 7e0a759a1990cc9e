//! The simulated network: per-link latency and loss, partitions, FIFO delivery.
//!
//! Connections are TCP: a link delivers in order, and a lost packet is retransmitted rather than
//! dropped, so loss shows up as delay (a retransmission timeout of 200 ms, doubling; Linux's minimum
//! RTO). Only a network partition makes messages vanish; the sender then learns of it through its
//! request timeout, as a real client does. A slow broker's delay is part of the delivery time, inside
//! the FIFO order: it handles a connection's requests later, never out of order.

use crate::ctx::Node;
use crate::rng::SimRng;
use crate::spec::{LinkSpec, NodeRef};
use serde::Serialize;

const MIN_RTO_US: u64 = 200_000;

/// When a message arrives, and how long after its send its last transmission left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub at_us: u64,
    /// The retransmission timeouts the message waited (at most 12.6 s: six doublings of 200 ms).
    pub retransmit_us: u64,
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

    /// When a message sent now arrives (`None`: dropped by a partition), and how long after the send
    /// its last transmission left (the retransmission timeouts it waited: the sender must be up
    /// until then). `extra_us` is added before the link's FIFO order is enforced: a slow broker
    /// handles a connection's requests later, but still in order.
    pub fn delivery(
        &mut self,
        now_us: u64,
        from: Node,
        to: Node,
        extra_us: u64,
    ) -> Option<Delivery> {
        if self.is_blocked(from, to) {
            return None;
        }
        let i = self.index(from) * self.nodes + self.index(to);
        let link = &self.links[i];
        let lo = link.latency_us_min.clamp(MIN_LATENCY_US, MAX_LATENCY_US);
        let hi = link.latency_us_max.clamp(lo, MAX_LATENCY_US);
        let loss = link.loss_ppm;
        if self.link_rngs[i].is_none() {
            // Made once per link, so the key (a hash of client names) is off the hot path.
            let key = self.link_key(from, to);
            self.link_rngs[i] = Some(SimRng::derive_indexed(self.seed, "link", key));
        }
        let rng = self.link_rngs[i].as_mut().expect("made above");
        let mut at = now_us
            .saturating_add(rng.range_inclusive(lo, hi))
            .saturating_add(extra_us);
        let mut rto = MIN_RTO_US;
        let mut tries = 0;
        let mut retransmit_us = 0;
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
            retransmit_us,
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
            a.delivery(t, Node::Broker(1), Node::Broker(2), 0)
                .map(|d| d.at_us);
            for _ in 0..3 {
                b.delivery(t, Node::Broker(1), Node::Broker(2), 0)
                    .map(|d| d.at_us);
            }
            a23.push(
                a.delivery(t, Node::Broker(2), Node::Broker(3), 0)
                    .map(|d| d.at_us)
                    .unwrap()
                    - t,
            );
            b23.push(
                b.delivery(t, Node::Broker(2), Node::Broker(3), 0)
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
                c.delivery(t, Node::Broker(2), Node::Broker(3), 0)
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
        };
        let mut d = Network::new(3, vec!["p".into()], vec!["c".into()], &link, 7);
        let d23: Vec<u64> = (0..200u64)
            .map(|i| {
                let t = i * 10_000_000;
                d.delivery(t, Node::Broker(2), Node::Broker(3), 0)
                    .map(|d| d.at_us)
                    .unwrap()
                    - t
            })
            .collect();
        assert_eq!(a23, d23);
    }
}
