//! The cluster at one instant: one card per broker (running, crashed, fenced, isolated, slow) with its
//! replicas — leader marked, ISR membership, and a log bar showing the committed part (below the high
//! watermark) and the uncommitted tail (up to the log end offset). State is never shown by colour
//! alone: every mark also has a word or a symbol.

use khafka_sim::snapshot::ClusterSnapshot;
use khafka_sim::spec::{BrokerRef, Fault, NodeRef};
use khafka_sim::trace::TraceKind;
use khafka_sim::view::quorum::ControllerView;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClusterViewProps {
    pub snapshot: Rc<ClusterSnapshot>,
    /// When set, each broker card offers direct manipulation (crash, restart, cut off, slow down).
    #[prop_or_default]
    pub on_fault: Option<Callback<Fault>>,
    /// The broker the presenter's keys act on (R, N), outlined on its card.
    #[prop_or_default]
    pub selected: Option<u32>,
}

#[function_component(ClusterView)]
pub fn cluster_view(props: &ClusterViewProps) -> Html {
    let s = &props.snapshot;
    let max_leo = s
        .brokers
        .iter()
        .flat_map(|b| b.replicas.iter().map(|r| r.log_end_offset))
        .max()
        .unwrap_or(0)
        .max(1);
    // Messages on the wire, per destination: what each node is about to receive.
    let incoming = |node: &str| -> String {
        let mut parts: Vec<String> = s
            .in_flight
            .iter()
            .filter(|m| m.to == node)
            .fold(
                khafka_sim::kernel::vec_map::VecMap::<&str, u32>::new(),
                |mut m, w| {
                    *m.get_or_default(w.kind) += 1;
                    m
                },
            )
            .iter()
            .map(|(k, n)| {
                // Not requests: the OS telling a node a connection is gone.
                let k = match *k {
                    "Disconnect" => "connection reset",
                    "ConnectionClosed" => "connection closed",
                    k => k,
                };
                format!("{n} {k}")
            })
            .collect();
        parts.truncate(4);
        parts.join(" · ")
    };
    let clients = html! {
        <div class="clients" aria-label="Controller and clients">
            if s.controllers.is_empty() && s.zookeeper {
                <div class="client controller" title="The ZooKeeper-era controller (Kafka 3.9 and before), modelled as one node that never fails (it can be cut off): it learns a broker failed when its ZooKeeper session expires">
                    <strong>{ "Controller" }</strong><span class="state">{ " ZooKeeper" }</span>
                    <div title="Brokers whose ZooKeeper session is alive (registered in /brokers/ids) of all brokers, and partitions with no leader (OfflinePartitionsCount)">{ controller_line(s, "registered") }</div>
                    <div class="wire">{ incoming("controller") }</div>
                </div>
            } else if s.controllers.is_empty() {
                <div class="client controller" title="The KRaft controller quorum, modelled as one node that never fails (it can be cut off); controllers=3 on the cluster line runs a real quorum">
                    <strong>{ "Controller" }</strong><span class="state">{ " KRaft" }</span>
                    <div title="Brokers the controller has unfenced (registered, heartbeating, caught up) of all brokers, and partitions with no leader (OfflinePartitionsCount)">{ controller_line(s, "unfenced") }</div>
                    <div class="wire">{ incoming("controller") }</div>
                </div>
            } else {
                { for s.controllers.iter().map(|c| controller_card(c, &incoming(&format!("controller {}", c.status.id)), props.on_fault.as_ref())) }
            }
            { for s.producers.iter().map(|p| html! {
                <div class="client producer">
                    <strong>{ format!("Producer {}", p.name) }</strong>
                    <span class="state">{ format!(" acks={}{}{}", p.acks, if p.idempotent { " · idempotent" } else { "" }, if p.paused { " · paused" } else { "" }) }</span>
                    // Pending: the unit the headline counts, shown in the presenter (style.css).
                    <div title="Records: sent by the application, acknowledged, failed, and not yet answered (the headline's pending)">{ format!("sent {} · acked {} · failed {}", p.sent, p.acknowledged, p.failed) }<span class="pending">{ format!(" · pending {}", p.pending) }</span></div>
                    if p.serialization_errors > 0 {
                        <div class="bad" title="send() threw a SerializationException: the registry refused the producer's schema">{ format!("{} not serialized (schema refused)", p.serialization_errors) }</div>
                    }
                    <div class="wire" title="Produce requests in flight, and batches waiting in the accumulator">{ p.requests_in_flight }<span class="unit">{ noun(p.requests_in_flight, " request", " requests") }</span>{ " in flight · " }{ p.batches_queued }<span class="unit">{ noun(p.batches_queued, " batch", " batches") }</span>{ " queued" }</div>
                </div>
            }) }
            { for s.consumers.iter().map(|c| html! {
                <div class={classes!("client", "consumer", c.stopped.then_some("down"))} title="A consumer: reads up to the high watermark every partition of its topic, or with a group.id those its group assigns it">
                    <strong>{ format!("Consumer {}", c.name) }</strong>
                    if c.stopped && c.crashed {
                        <span class="state" title="Its process crashed: it reads nothing until restarted">{ " · crashed" }</span>
                    } else if c.stopped {
                        <span class="state" title="Closed, or stopped by its group: it reads nothing until restarted">{ " · stopped" }</span>
                    }
                    <div title="Log entries fetched, duplicates included (the Records table counts distinct records)">{ format!("received {} entries", c.received) }</div>
                    if c.deserialization_failures > 0 {
                        <div class="bad" title="Records its value deserializer could not decode (RecordDeserializationException)">{
                            if c.stopped_at.is_empty() {
                                format!("{} not deserialized, skipped", c.deserialization_failures)
                            } else {
                                format!("stopped at {}: cannot deserialize it", c.stopped_at.join(", "))
                            }
                        }</div>
                    }
                    <div class="wire">{ incoming(&c.name) }</div>
                    { props.on_fault.as_ref().filter(|_| c.group.is_some()).map(|cb| consumer_buttons(cb, &c.name, c.stopped)).unwrap_or_default() }
                </div>
            }) }
        </div>
    };
    let link_controls = props.on_fault.as_ref().map(|cb| {
        let mut nodes: Vec<String> = s.brokers.iter().map(|b| b.id.to_string()).collect();
        if s.controllers.is_empty() {
            nodes.push("controller".into());
        }
        nodes.extend(
            s.controllers
                .iter()
                .map(|c| format!("controller {}", c.status.id)),
        );
        nodes.extend(s.producers.iter().map(|p| p.name.clone()));
        nodes.extend(s.consumers.iter().map(|c| c.name.clone()));
        html! { <LinkControls {nodes} any_cut={!s.cut_links.is_empty()} on_fault={cb.clone()} /> }
    });
    html! {
        <div class="cluster-view">
        { wire_view(s) }
        { link_controls.unwrap_or_default() }
        { clients }
        if s.brokers.iter().any(|b| b.replicas.iter().any(|r| r.strip.is_some())) {
            { strip_legend(s.brokers.iter().any(|b| b.replicas.iter().any(|r| r.log_start_offset > 0))) }
        }
        <div class="cluster" aria-label="Cluster">
            { for s.brokers.iter().map(|b| {
                let (state, word) = if !b.running {
                    ("down", "crashed")
                } else if b.isolated {
                    ("cut", "cut off")
                } else if b.fenced {
                    ("fenced", "fenced")
                } else if b.slow_us > 0 {
                    ("slow", "slow")
                } else {
                    ("up", "running")
                };
                html! {
                    <div class={classes!("broker", state, (props.selected == Some(b.id)).then_some("selected"))} data-broker={b.id.to_string()}>
                        <div class="broker-head">
                            <strong>{ format!("Broker {}", b.id) }</strong>
                            <span class="state">{ word }</span>
                            { b.rack.as_ref().map(|r| html! { <span class="rack">{ format!("rack {r}") }</span> }).unwrap_or_default() }
                        </div>
                        { props.on_fault.as_ref().map(|cb| broker_buttons(cb, b.id, b.running, b.isolated, b.slow_us > 0)).unwrap_or_default() }
                        <div class="wire" title="Requests and responses on their way to this broker">{ incoming(&b.id.to_string()) }</div>
                        if b.replicas.iter().any(|r| r.strip.is_none()) {
                            { compact_replicas(b) }
                        } else {
                            { replica_rows(b, &s.partitions, max_leo) }
                        }
                    </div>
                }
            }) }
        </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct LinkControlsProps {
    /// Node names as scenarios write them: brokers by id, `controller`, clients by name.
    nodes: Vec<String>,
    any_cut: bool,
    on_fault: Callback<Fault>,
}

fn node_ref(name: &str) -> NodeRef {
    if let Some(c) = name
        .strip_prefix("controller ")
        .and_then(|c| c.parse().ok())
    {
        return NodeRef::QuorumController(c);
    }
    match name.parse() {
        Ok(b) => NodeRef::Broker(b),
        Err(_) if name == "controller" => NodeRef::Controller,
        Err(_) => NodeRef::Client(name.to_string()),
    }
}

/// A controller's state in words (never by colour alone), and its class: `active`, `down`,
/// `cut`, or `up`.
fn controller_state(c: &ControllerView) -> (&'static str, String) {
    let st = &c.status;
    let (class, mut word) = match st.role {
        "down" => ("down", "crashed".to_string()),
        "leader" if st.active_controller_count > 0 => ("active", "★ active".to_string()),
        "leader" => ("up", "leader, replaying the log".to_string()),
        "prospective" => ("up", "prospective: asking for pre-votes".to_string()),
        "candidate" => ("up", "candidate: asking for votes".to_string()),
        role => ("up", role.to_string()),
    };
    if c.isolated && st.running {
        word.push_str(" · cut off");
        return ("cut", word);
    }
    (class, word)
}

/// The single controller's view in one line: brokers it counts as live (a crashed broker until
/// its session times out; a restarted one once it is unfenced), partitions without a leader.
fn controller_line(s: &ClusterSnapshot, live: &str) -> String {
    let up = s.brokers.iter().filter(|b| !b.fenced).count();
    let offline = s.partitions.iter().filter(|p| p.leader.is_none()).count();
    // Short enough for one line of a client card (the title says brokers and partitions).
    format!("{up}/{} {live} · {offline} offline", s.brokers.len())
}

/// One controller of a KRaft quorum: its role, Raft epoch, metadata log (high watermark, log end,
/// how far behind), and, when the view can inject faults, crash or restart and cut off or reconnect.
fn controller_card(c: &ControllerView, incoming: &str, on_fault: Option<&Callback<Fault>>) -> Html {
    let st = &c.status;
    let (class, word) = controller_state(c);
    let id = st.id;
    let lag = if c.lag == 0 {
        String::new()
    } else {
        format!(", {} behind", c.lag)
    };
    let buttons = on_fault.map(|cb| {
        let button = |label: String, fault: Fault| {
            let onclick = cb.reform(move |_: MouseEvent| fault.clone());
            let aria = format!("{label} (controller {id})");
            html! { <button class="small" {onclick} aria-label={aria}>{ label }</button> }
        };
        html! {
            <div class="broker-actions">
                if st.running {
                    { button(format!("Crash C{id}"), Fault::CrashController { controller: id }) }
                    if c.isolated {
                        { button("Reconnect".into(), Fault::Heal) }
                    } else {
                        { button("Cut off".into(), Fault::Isolate { node: NodeRef::QuorumController(id) }) }
                    }
                } else {
                    { button(format!("Restart C{id}"), Fault::RestartController { controller: id }) }
                }
            </div>
        }
    });
    html! {
        <div class={classes!("client", "controller", "quorum", class)} data-controller={id.to_string()}
            title="A KRaft controller: the quorum's Raft leader, once it has replayed the metadata log, is the active controller; the others follow it">
            <strong>{ format!("Controller {id}") }</strong>
            <span class="state">{ format!(" {word}") }</span>
            <div class="raft" title="Raft epoch; the metadata log's high watermark (committed: on a majority) and log end offset; records missing against the leader">{ format!("epoch {} · HW {} · LEO {}{lag}", st.epoch, st.high_watermark, st.log_end_offset) }</div>
            { buttons.unwrap_or_default() }
            <div class="wire">{ incoming }</div>
        </div>
    }
}

/// Cut the link between two nodes (both ways or one way) or heal the network: each becomes a
/// `partition {a} | {b}`, `partition {a} -> {b}` or `heal` line.
#[function_component(LinkControls)]
fn link_controls(props: &LinkControlsProps) -> Html {
    let from = use_state(|| props.nodes.first().cloned().unwrap_or_default());
    let to = use_state(|| props.nodes.get(1).cloned().unwrap_or_default());
    let one_way = use_state(|| false);
    let select = |state: &UseStateHandle<String>, label: &'static str| {
        let state2 = state.clone();
        let onchange = Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            state2.set(el.value());
        });
        html! {
            <select aria-label={label} {onchange}>
                { for props.nodes.iter().map(|n| html! {
                    <option value={n.clone()} selected={**state == *n}>{ if n.parse::<u32>().is_ok() { format!("broker {n}") } else { n.clone() } }</option>
                }) }
            </select>
        }
    };
    let mode = {
        let one_way = one_way.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            one_way.set(el.value() == "one-way");
        })
    };
    let cut = {
        let (from, to, one_way, cb) = (
            from.clone(),
            to.clone(),
            one_way.clone(),
            props.on_fault.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            if *from != *to {
                cb.emit(Fault::Partition {
                    groups: vec![vec![node_ref(&from)], vec![node_ref(&to)]],
                    one_way: *one_way,
                });
            }
        })
    };
    let heal = props.on_fault.reform(|_: MouseEvent| Fault::Heal);
    html! {
        <div class="link-controls" role="group" aria-label="Network links">
            <span>{ "Link" }</span>
            { select(&from, "From node") }
            <select aria-label="Direction" onchange={mode}>
                <option value="both" selected={!*one_way}>{ "↔ both ways" }</option>
                <option value="one-way" selected={*one_way}>{ "→ one way" }</option>
            </select>
            { select(&to, "To node") }
            <button class="small" onclick={cut} disabled={*from == *to}>{ "Cut" }</button>
            <button class="small" onclick={heal} disabled={!props.any_cut}>{ "Heal the network" }</button>
        </div>
    }
}

/// Where a node sits in the wire picture (a `width` × 170 box): clients and the controller on top,
/// brokers below. The box is as wide as its busiest row needs (140 per node, 420 to 1000), so a small
/// cluster is drawn large wherever the picture is narrow; 50 more on each side hold the names of
/// the nodes at the ends. More than six clients and controllers take
/// two rows (the second a little to the right), so that their names keep room and a readable size.
struct Layout {
    top: Vec<(String, String)>,
    /// How many of `top` are in the first row.
    first: usize,
    brokers: usize,
    width: f64,
    /// How far the brokers are moved down by a second row.
    lower: f64,
}

const TOP_Y: f64 = 24.0;
const BROKER_Y: f64 = 118.0;
const WIRE_H: f64 = 170.0;
const ROW_GAP: f64 = 44.0;

impl Layout {
    fn of(s: &ClusterSnapshot) -> Self {
        let mut top = if s.controllers.is_empty() {
            vec![("controller".to_string(), "controller".to_string())]
        } else {
            s.controllers
                .iter()
                .map(|c| {
                    let id = c.status.id;
                    let active = if c.status.active_controller_count > 0 {
                        "★"
                    } else {
                        ""
                    };
                    (format!("controller {id}"), format!("C{id}{active}"))
                })
                .collect()
        };
        top.extend(s.producers.iter().map(|p| (p.name.clone(), p.name.clone())));
        top.extend(s.consumers.iter().map(|c| (c.name.clone(), c.name.clone())));
        let n = top.len();
        let first = if n > 6 { n.div_ceil(2) } else { n };
        let busiest = first.max(s.brokers.len()) as f64;
        Layout {
            top,
            first,
            brokers: s.brokers.len(),
            width: (140.0 * busiest).clamp(420.0, 1000.0),
            lower: if first < n { ROW_GAP } else { 0.0 },
        }
    }

    fn spread(&self, i: usize, n: usize) -> f64 {
        (i as f64 + 0.5) * self.width / n.max(1) as f64
    }

    /// Where the `i`-th client or controller sits.
    fn top_at(&self, i: usize) -> (f64, f64) {
        let (first, n) = (self.first, self.top.len());
        match i.checked_sub(first) {
            None => (self.spread(i, first), TOP_Y),
            Some(j) => (
                self.spread(j, n - first) + self.width / (5 * (n - first)) as f64,
                TOP_Y + ROW_GAP,
            ),
        }
    }

    /// Position of a node named as in scenarios, and whether it is a broker.
    fn at(&self, name: &str) -> Option<(f64, f64, bool)> {
        if let Some(i) = self.top.iter().position(|(n, _)| n == name) {
            let (x, y) = self.top_at(i);
            return Some((x, y, false));
        }
        let b: usize = name.parse().ok()?;
        (b >= 1 && b <= self.brokers).then(|| {
            (
                self.spread(b - 1, self.brokers),
                BROKER_Y + self.lower,
                true,
            )
        })
    }
}

/// Whether two positions are in one row (broker to broker, controller to controller): such paths
/// bow below the row instead of running through the nodes between them.
fn same_row(a: (f64, f64, bool), b: (f64, f64, bool)) -> bool {
    a.1 == b.1
}

/// A point `t` (0..1) of the way along the path from `a` to `b`. Paths within a row bow below it;
/// every path is shifted a little to its right so requests and responses use two lanes.
fn along(a: (f64, f64, bool), b: (f64, f64, bool), t: f64) -> (f64, f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (nx, ny) = (-dy / len * 5.0, dx / len * 5.0);
    if same_row(a, b) {
        let c = ((a.0 + b.0) / 2.0, a.1 + 22.0 + dx.abs() * 0.06);
        let u = 1.0 - t;
        let x = u * u * a.0 + 2.0 * u * t * c.0 + t * t * b.0;
        let y = u * u * a.1 + 2.0 * u * t * c.1 + t * t * b.1;
        return (x, y + if dx > 0.0 { 3.0 } else { -3.0 });
    }
    (a.0 + dx * t + nx, a.1 + dy * t + ny)
}

fn path_d(a: (f64, f64, bool), b: (f64, f64, bool)) -> String {
    if same_row(a, b) {
        let c = ((a.0 + b.0) / 2.0, a.1 + 22.0 + (b.0 - a.0).abs() * 0.06);
        format!(
            "M{:.1} {:.1} Q{:.1} {:.1} {:.1} {:.1}",
            a.0, a.1, c.0, c.1, b.0, b.1
        )
    } else {
        format!("M{:.1} {:.1} L{:.1} {:.1}", a.0, a.1, b.0, b.1)
    }
}

/// Most dots drawn per link and direction (the cards say how many there are in all).
const DOTS_PER_LINK: usize = 4;

/// Requests and responses in flight, each a dot moving from sender to receiver as time passes:
/// filled for requests, hollow for responses; produce, fetch and controller traffic also differ in
/// shape, so nothing is told by colour alone.
fn wire_view(s: &ClusterSnapshot) -> Html {
    let layout = Layout::of(s);
    let now = s.time_us;
    let mut links: khafka_sim::kernel::vec_map::VecMap<
        (&str, &str),
        Vec<&khafka_sim::sim::WireMessage>,
    > = khafka_sim::kernel::vec_map::VecMap::new();
    for m in &s.in_flight {
        links.get_or_default((&m.from, &m.to)).push(m);
    }
    // Links drawn: every client and controller to every broker, faintly; broker-to-broker and
    // controller-to-controller paths only while they carry something.
    let mut paths: Vec<Html> = Vec::new();
    for (name, _) in &layout.top {
        let Some(a) = layout.at(name) else { continue };
        for b in 1..=layout.brokers {
            let Some(bp) = layout.at(&b.to_string()) else {
                continue;
            };
            paths.push(html! { <path class="link" d={path_d(a, bp)} /> });
        }
    }
    // Cut links: a dashed line with a cross in the middle; one-way cuts say which way in their title.
    let mut cuts: Vec<Html> = Vec::new();
    for (from, to) in &s.cut_links {
        let both = s.cut_links.iter().any(|(f, t)| f == to && t == from);
        if both && from > to {
            continue;
        }
        let (Some(a), Some(b)) = (layout.at(from), layout.at(to)) else {
            continue;
        };
        let (mx, my) = along(a, b, 0.5);
        let title = if both {
            format!("cut: {from} ↔ {to}")
        } else {
            format!("cut one way: {from} → {to}")
        };
        cuts.push(html! {
            <g class="cut">
                <title>{ title }</title>
                <path class="link cut" d={path_d(a, b)} />
                <path class="cut-mark" d={format!("M{:.1} {:.1} l8 8 m0 -8 l-8 8", mx - 4.0, my - 4.0)} />
            </g>
        });
    }
    for (from, to) in links.keys() {
        if let (Some(a), Some(b)) = (layout.at(from), layout.at(to)) {
            if same_row(a, b) && from < to {
                paths.push(html! { <path class="link busy" d={path_d(a, b)} /> });
            } else if same_row(a, b) && !links.contains_key(&(*to, *from)) {
                paths.push(html! { <path class="link busy" d={path_d(b, a)} /> });
            }
        }
    }
    let mut dots: Vec<Html> = Vec::new();
    // Keys given so far and how often (a few hundred dots at most: a list, not a map type).
    let mut seen: Vec<(String, u32)> = Vec::new();
    for ((from, to), msgs) in &links {
        let (Some(a), Some(b)) = (layout.at(from), layout.at(to)) else {
            continue;
        };
        for m in msgs.iter().take(DOTS_PER_LINK) {
            let span = m.deliver_us.saturating_sub(m.sent_us).max(1) as f64;
            let t = (now.saturating_sub(m.sent_us) as f64 / span).clamp(0.0, 1.0);
            let (x, y) = along(a, b, t);
            let response = m.kind.ends_with("Response");
            let family = if m.kind.starts_with("Produce") {
                "produce"
            } else if m.kind.starts_with("Fetch") {
                "fetch"
            } else {
                "control"
            };
            let class = classes!("dot", family, response.then_some("response"));
            let title = format!("{} {} → {}", m.kind, m.from, m.to);
            let shape = match family {
                "fetch" => html! { <rect {class} x="-4.5" y="-4.5" width="9" height="9" /> },
                "control" => html! { <path {class} d="M0 -5 l5 5 l-5 5 l-5 -5 z" /> },
                _ => html! { <circle {class} r="5" /> },
            };
            // Keyed by message, so a message keeps its element from frame to frame (only its
            // position changes) instead of elements being replaced as dots come and go.
            let data_key = format!("{}>{}@{}", m.from, m.to, m.sent_us);
            let n = match seen.iter_mut().find(|e| e.0 == data_key) {
                Some(e) => {
                    e.1 += 1;
                    e.1
                }
                None => {
                    seen.push((data_key.clone(), 1));
                    1
                }
            };
            let key = format!("{data_key}#{}#{}", m.kind, n);
            dots.push(html! {
                <g key={key} class="msg" transform={format!("translate({x:.1} {y:.1})")}
                   data-key={data_key}>
                    <title>{ title }</title>
                    { shape }
                </g>
            });
        }
    }
    let nodes: Vec<Html> = layout
        .top
        .iter()
        .enumerate()
        .map(|(i, (_, label))| {
            let (x, y) = layout.top_at(i);
            html! { <text class="node-label" x={format!("{x:.1}")} y={format!("{:.1}", y - 12.0)} text-anchor="middle">{ label }</text> }
        })
        .chain(s.brokers.iter().map(|b| {
            let x = layout.spread((b.id - 1) as usize, layout.brokers);
            let y = BROKER_Y + layout.lower;
            let state = if !b.running { "down" } else if b.isolated || b.fenced { "cut" } else { "up" };
            html! {
                <g class={classes!("node", state)}>
                    <circle cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="9" />
                    <text class="node-label" x={format!("{x:.1}")} y={format!("{:.1}", y + 26.0)} text-anchor="middle">{ format!("B{}", b.id) }</text>
                </g>
            }
        }))
        .chain(layout.top.iter().enumerate().map(|(i, (name, _))| {
            let (x, y) = layout.top_at(i);
            let state = name
                .strip_prefix("controller ")
                .and_then(|id| s.controllers.iter().find(|c| c.status.id.to_string() == id))
                .map(|c| controller_state(c).0);
            html! { <rect class={classes!("client-node", state)} x={format!("{:.1}", x - 8.0)} y={format!("{:.1}", y - 6.0)} width="16" height="12" rx="3" /> }
        }))
        .collect();
    let label = format!(
        "{} message(s) on the wire: {}{}",
        s.in_flight.len(),
        links
            .iter()
            .map(|((f, t), m)| format!("{} {f}→{t}", m.len()))
            .collect::<Vec<_>>()
            .join(", "),
        if s.cut_links.is_empty() {
            String::new()
        } else {
            format!(". {} link(s) cut", s.cut_links.len())
        }
    );
    html! {
        <figure class="wire-view">
            // Shown on phones only, where the picture is wider than the screen and scrolls.
            <p class="scroll-cue" aria-hidden="true">{ "← swipe sideways to see every node →" }</p>
            // `--w`: the picture's width in its own units, so the presenter can size the node
            // labels to what the picture is scaled down to (style.css).
            <svg viewBox={format!("-50 0 {} {}", layout.width + 100.0, WIRE_H + layout.lower)} style={format!("--w: {}", layout.width + 100.0)} role="img" aria-label={label}>
                { for paths }
                { for cuts }
                { for nodes }
                <g class="dots">{ for dots }</g>
            </svg>
            <figcaption class="wire-legend">
                { Html::from_html_unchecked(AttrValue::Static(WIRE_LEGEND)) }
                if !s.cut_links.is_empty() {
                    <span class="cut-legend">{ "✕ dashed: link cut" }</span>
                }
            </figcaption>
        </figure>
    }
}

/// A replica's role as this broker sees it (a word or two, for the role column), what qualifies it
/// (for the full-width line under it) and why (the tooltip). Where the controller has decided
/// otherwise and the broker has not heard yet, both show: the describe view is the controller's.
struct Role {
    word: &'static str,
    detail: Option<String>,
    why: Option<String>,
    /// The broker has not heard the controller's decision yet (drawn apart).
    unheard: bool,
}

fn role(
    b: &khafka_sim::snapshot::BrokerSnapshot,
    r: &khafka_sim::snapshot::ReplicaSnapshot,
    parts: &[khafka_sim::PartitionView],
) -> Role {
    let elected = parts.get(r.part as usize).and_then(|p| p.leader);
    // A reassignment in progress (KIP-455) names the replicas it adds and removes.
    let moving = parts.get(r.part as usize).and_then(|p| {
        if p.adding.contains(&b.id) {
            Some("adding")
        } else if p.removing.contains(&b.id) {
            Some("removing")
        } else {
            None
        }
    });
    let mut role = role_plain(b, r, elected);
    if let Some(m) = moving {
        let said = format!("reassignment: {m}");
        role.detail = Some(match role.detail.take() {
            Some(d) => format!("{d} · {said}"),
            None => said,
        });
        role.why = role.why.or_else(|| Some(format!(
            "A reassignment is {m} this replica: {}",
            if m == "adding" {
                "it fetches from the leader and joins the ISR once caught up; then the replicas being removed go."
            } else {
                "it stays until every target replica is in the ISR, then the controller removes it and the broker deletes its log."
            }
        )));
    }
    role
}

fn role_plain(
    b: &khafka_sim::snapshot::BrokerSnapshot,
    r: &khafka_sim::snapshot::ReplicaSnapshot,
    elected: Option<u32>,
) -> Role {
    let plain = |word| Role {
        word,
        detail: None,
        why: None,
        unheard: false,
    };
    match elected {
        Some(l) if r.is_leader && l != b.id => Role {
            word: "★ leader?",
            detail: Some(format!("the controller elected broker {l}; not heard yet")),
            why: Some(format!("Broker {} still acts as leader; the controller has made broker {l} leader and broker {} has not heard yet (brokers learn it from the metadata log).", b.id, b.id)),
            unheard: true,
        },
        Some(l) if !r.is_leader && l == b.id && !r.leader_down => Role {
            word: "★ elected",
            detail: Some("not heard yet".to_string()),
            why: Some(format!("The controller has made broker {l} leader; broker {l} has not heard yet (it learns it from the metadata log).")),
            unheard: true,
        },
        _ if r.is_leader => plain("★ leader"),
        _ if r.leader_down => plain("★ leader (down)"),
        _ if r.in_isr => plain("in ISR"),
        _ => plain("out of ISR"),
    }
}

/// One row per replica with its log strip. (A broker holding more than
/// `khafka_sim::snapshot::STRIP_MAX_REPLICAS` replicas has no strips in the snapshot: its card shows
/// one chip per replica instead, so large clusters stay readable and cheap to redraw every frame.)
fn replica_rows(
    b: &khafka_sim::snapshot::BrokerSnapshot,
    parts: &[khafka_sim::PartitionView],
    max_leo: u64,
) -> Html {
    html! {
        <ul class="replicas">
            { for b.replicas.iter().map(|r| {
                let width = r.log_end_offset as f64 * 100.0 / max_leo as f64;
                let Role { word, detail, why, unheard } = role(b, r, parts);
                let unheard = unheard.then_some("unheard");
                let mut offsets = format!("HW {} · LEO {}", r.high_watermark, r.log_end_offset);
                // Retention or DeleteRecords deleted the records below the log start.
                let start = r.log_start_offset.min(r.log_end_offset);
                if start > 0 {
                    offsets = format!("start {start} · {offsets}");
                }
                if let Some(st) = &r.strip {
                    for (n, word) in [(st.lost, "lost"), (st.duplicates, "duplicate copies"), (st.unacknowledged, "not acknowledged")] {
                        if n > 0 {
                            offsets.push_str(&format!(" · {n} {word}"));
                        }
                    }
                    if st.exact_from > 0 && st.lost + st.duplicates + st.unacknowledged > 0 {
                        // A long log: counted in its tail, older records sampled for the bar.
                        offsets.push_str(&format!(" (counted from offset {})", st.exact_from));
                    }
                }
                html! {
                    <li class={classes!("replica", r.is_leader.then_some("leader"), (!r.in_isr).then_some("out"))}
                        title={format!("{}: LEO {} HW {} epoch {}", r.partition, r.log_end_offset, r.high_watermark, r.leader_epoch)}>
                        <span class="pname">{ &r.partition }</span>
                        <span class={classes!("role", unheard)} title={why}>{ word }</span>
                        <span class="bar" aria-hidden="true">
                            <svg class="strip" style={format!("width:{width:.1}%")} viewBox={format!("0 0 {} 1", r.log_end_offset.max(1))} preserveAspectRatio="none">
                                if start > 0 {
                                    <rect class="deleted" x="0" width={start.to_string()} height="1" />
                                }
                                { for r.strip.iter().flat_map(|st| st.runs.iter()).filter(|run| run.2 > start).map(|&(state, from, to)| html! {
                                    <rect class={state_class(state)} x={from.max(start).to_string()} width={(to - from.max(start)).to_string()} height="1" />
                                }) }
                            </svg>
                        </span>
                        <span class="offsets" title="Counted in this replica's log: entries, so a record written twice counts twice (the Records table counts distinct records)">
                            { for detail.map(|d| html! { <><span class={classes!("detail", unheard)}>{ d }</span>{ " · " }</> }) }
                            { offsets }
                        </span>
                    </li>
                }
            }) }
        </ul>
    }
}

fn state_class(s: khafka_sim::snapshot::RecordState) -> &'static str {
    use khafka_sim::snapshot::RecordState::*;
    match s {
        Lost => "lost",
        Duplicate => "duplicate",
        Uncommitted => "uncommitted",
        Unacknowledged => "unacked",
        Acknowledged => "acked",
    }
}

/// What the colours of the log bars mean (each state is also counted in words under its bar).
/// (Constant markup, set as it is: cheaper in the bundle than the elements built one by one.)
fn strip_legend(deleted: bool) -> Html {
    const DELETED: &str = r#"<span><svg viewBox="0 0 2 1" aria-hidden="true"><rect class="deleted" width="2" height="1"/></svg>deleted: below the log start</span>"#;
    let legend = AttrValue::Static(STRIP_LEGEND);
    if !deleted {
        return Html::from_html_unchecked(legend);
    }
    let at = STRIP_LEGEND.len() - "</p>".len();
    Html::from_html_unchecked(AttrValue::from(format!(
        "{}{DELETED}</p>",
        &STRIP_LEGEND[..at]
    )))
}

/// The log bars' legend (see [`strip_legend`]).
const STRIP_LEGEND: &str = concat!(
        r#"<p class="strip-legend">"#,
        r#"<span><svg viewBox="0 0 2 1" aria-hidden="true"><rect class="acked" width="2" height="1"/></svg>committed, acknowledged</span>"#,
        r#"<span><svg viewBox="0 0 2 1" aria-hidden="true"><rect class="unacked" width="2" height="1"/></svg>committed, not acknowledged</span>"#,
        r#"<span><svg viewBox="0 0 2 1" aria-hidden="true"><rect class="uncommitted" width="2" height="1"/></svg>above the HW</span>"#,
        r#"<span><svg viewBox="0 0 2 1" aria-hidden="true"><rect class="duplicate" width="2" height="1"/></svg>duplicate</span>"#,
        r#"<span><svg viewBox="0 0 2 1" aria-hidden="true"><rect class="lost" width="2" height="1"/></svg>lost: acknowledged, not on the leader</span>"#,
        "</p>"
);

/// What the wire picture's shapes mean (constant markup, as [`strip_legend`]).
const WIRE_LEGEND: &str = concat!(
    r#"<span><svg viewBox="0 0 12 12" aria-hidden="true"><circle class="dot produce" cx="6" cy="6" r="5"/></svg> produce</span>"#,
    r#"<span><svg viewBox="0 0 12 12" aria-hidden="true"><rect class="dot fetch" x="1.5" y="1.5" width="9" height="9"/></svg> fetch</span>"#,
    r#"<span><svg viewBox="0 0 12 12" aria-hidden="true"><path class="dot control" d="M6 1 l5 5 l-5 5 l-5 -5 z"/></svg> controller</span>"#,
    "<span>filled: request · hollow: response · at most 4 drawn per link</span>"
);

fn compact_replicas(b: &khafka_sim::snapshot::BrokerSnapshot) -> Html {
    // A crashed broker the controller still names leader counts its leaderships, as its chips
    // star them ("down").
    let leads = |r: &&khafka_sim::snapshot::ReplicaSnapshot| r.is_leader || r.leader_down;
    let leaders = b.replicas.iter().filter(leads).count();
    let down = if b.replicas.iter().any(|r| r.leader_down) { " (down)" } else { "" };
    let out = b.replicas.iter().filter(|r| !r.in_isr).count();
    let topic = |r: &khafka_sim::snapshot::ReplicaSnapshot| {
        r.partition.rsplit_once('-').map_or("", |t| t.0).to_string()
    };
    html! {
        <>
        <p class="replica-summary" title="Many replicas: one chip each (★ leader, ! out of ISR), one for all of an internal topic's. Log bars with HW and LEO are drawn when a broker holds at most 16 replicas.">{ format!("{} replicas · {leaders} leader(s){down} · {out} out of ISR", b.replicas.len()) }</p>
        <ul class="chips" aria-label={format!("Replicas on broker {}", b.id)}>
            { for b.replicas.iter().enumerate().map(|(i, r)| {
                // Each topic's chips after its name; Kafka's internal topics (`__consumer_offsets`'s
                // fifty partitions) in one chip.
                let t = topic(r);
                let first = i == 0 || topic(&b.replicas[i - 1]) != t;
                let internal = t.starts_with("__");
                if internal && !first {
                    return Html::default();
                }
                let (class, text, title) = if internal {
                    let all: Vec<_> = b.replicas.iter().filter(|o| topic(o) == t).collect();
                    let lead = all.iter().filter(|r| leads(r)).count();
                    let out = all.iter().filter(|r| !r.in_isr).count();
                    let text = format!("{} · ★{lead}{}", all.len(), if out > 0 { format!(" · !{out}") } else { String::new() });
                    ((out > 0).then_some("out"), text, format!("{} replicas of {t}: {lead} leaders, {out} out of ISR", all.len()))
                } else {
                    let (class, mark, role) = if r.is_leader {
                        ("leader", "★", "leader")
                    } else if r.leader_down {
                        ("leader down", "★", "leader, down (not fenced yet)")
                    } else if r.in_isr {
                        ("follower", "", "follower in ISR")
                    } else {
                        ("out", "!", "out of ISR")
                    };
                    let n = r.partition.rsplit('-').next().unwrap_or(&r.partition);
                    (Some(class), format!("{mark}{n}"), format!("{}: {role}", r.partition))
                };
                html! {
                    <>
                    if first {
                        <li class="chip-topic" title={t.clone()}>{ t }</li>
                    }
                    <li class={classes!("chip", class)} {title}>{ text }</li>
                    </>
                }
            }) }
        </ul>
        </>
    }
}

fn broker_buttons(
    cb: &Callback<Fault>,
    id: u32,
    running: bool,
    isolated: bool,
    slow: bool,
) -> Html {
    let button = |label: String, fault: Fault| {
        let onclick = cb.reform(move |_: MouseEvent| fault.clone());
        let aria = format!("{label} (broker {id})");
        html! { <button class="small" {onclick} aria-label={aria}>{ label }</button> }
    };
    let b = BrokerRef::Id(id);
    if !running {
        return html! { <div class="broker-actions">{ button(format!("Restart {id}"), Fault::Restart { broker: b }) }</div> };
    }
    html! {
        <div class="broker-actions">
            { button(format!("Crash {id}"), Fault::Crash { broker: b.clone(), lose_unflushed: false }) }
            { if isolated {
                button("Reconnect".into(), Fault::Heal)
            } else {
                button("Cut off".into(), Fault::Isolate { node: NodeRef::Broker(id) })
            } }
            { if slow {
                button("Normal speed".into(), Fault::Slow { broker: b, extra_us: 0 })
            } else {
                button("Slow (+200 ms)".into(), Fault::Slow { broker: b, extra_us: 200_000 })
            } }
        </div>
    }
}

/// A group member's faults: its process crashes (no commit, no LeaveGroup), or starts again.
pub(crate) fn consumer_buttons(cb: &Callback<Fault>, name: &str, stopped: bool) -> Html {
    let consumer = name.to_string();
    let (label, fault) = if stopped {
        (
            format!("Restart {name}"),
            Fault::RestartConsumer { consumer },
        )
    } else {
        (format!("Crash {name}"), Fault::CrashConsumer { consumer })
    };
    let onclick = cb.reform(move |_: MouseEvent| fault.clone());
    let aria = format!("{label} (consumer {name})");
    html! { <div class="broker-actions"><button class="small" {onclick} aria-label={aria}>{ label }</button></div> }
}

/// A simulated instant for people: to the millisecond (`11.001s`), trailing zeros dropped. Scenario
/// lines keep the exact microsecond form, so replays stay exact.
pub fn fmt_time(t: khafka_sim::SimTime) -> String {
    let ms = (t.as_us() + 500) / 1_000;
    khafka_sim::SimTime::from_ms(ms).to_string()
}

/// What follows an event repeated `n` times in a row from `first` to `last`: " (×5)" when all
/// came at one instant (as the milliseconds show it), " (×5, until 9.5s)" otherwise.
pub fn repeat_note(n: usize, first: khafka_sim::SimTime, last: khafka_sim::SimTime) -> String {
    let until = fmt_time(last);
    if until == fmt_time(first) {
        format!(" (×{n})")
    } else {
        format!(" (×{n}, until {until})")
    }
}

/// One line for the event log.
/// A fault's scenario line as a reader sees it: without a link's loss when it loses nothing.
pub fn fault_text(line: &str) -> String {
    line.replace(" loss=0.0000%", "")
}

/// An event as the page says it. In a cluster run by the ZooKeeper-era controller
/// (`zookeeper`: `controller=zookeeper`, or a version up to 3.9) brokers are not fenced: a
/// broker's ZooKeeper session expires and the controller handles it as failed (kafka-semantics.md
/// §1.10), so the controller's reasons are said in those words.
pub fn event_text(kind: &TraceKind, zookeeper: bool) -> String {
    match kind {
        TraceKind::Fault { description } => format!("⚡ {}", fault_text(description)),
        TraceKind::BrokerStarted { broker, .. } => format!("broker {broker} started"),
        TraceKind::BrokerStopped { broker, clean } => {
            format!(
                "broker {broker} {}",
                if *clean { "shut down" } else { "crashed" }
            )
        }
        TraceKind::BrokerFenced {
            broker,
            reason: khafka_sim::trace::FenceReason::SessionTimeout,
        } if zookeeper => format!(
            "broker {broker}'s ZooKeeper session expired (zookeeper.session.timeout.ms): the \
             controller handles it as failed"
        ),
        TraceKind::BrokerFenced { broker, reason } => format!("broker {broker} fenced ({reason})"),
        TraceKind::BrokerUnfenced { broker } => format!("broker {broker} unfenced"),
        TraceKind::RegistrationRefused { broker, .. } => {
            format!("broker {broker} refused: old session still valid")
        }
        TraceKind::LeaderElected {
            partition,
            leader,
            leader_epoch,
            unclean,
            from_elr,
            reason,
            ..
        } => format!(
            "{partition}: {} leader {} (epoch {leader_epoch}; {}{})",
            if *unclean { "UNCLEAN" } else { "new" },
            leader.map_or("none".to_string(), |l| l.to_string()),
            match reason {
                khafka_sim::trace::ChangeReason::LeaderFenced if zookeeper => {
                    "leader failed".to_string()
                }
                khafka_sim::trace::ChangeReason::ReplicaFenced if zookeeper => {
                    "replica failed".to_string()
                }
                reason => reason.to_string(),
            },
            if *from_elr {
                "; from the ELR, the eligible leader replicas"
            } else {
                ""
            }
        ),
        TraceKind::IsrChanged { partition, isr, .. } => format!("{partition}: ISR {isr:?}"),
        TraceKind::ReplicasChanged {
            partition,
            replicas,
            adding,
            removing,
            ..
        } => {
            if adding.is_empty() && removing.is_empty() {
                format!("{partition}: replicas {replicas:?} (reassignment complete)")
            } else {
                format!(
                    "{partition}: reassigning, replicas {replicas:?} adding {adding:?} removing {removing:?}"
                )
            }
        }
        TraceKind::ReplicaHosted {
            partition,
            broker,
            hosted,
        } => {
            if *hosted {
                format!("{partition}: broker {broker} created its replica")
            } else {
                format!("{partition}: broker {broker} deleted its replica")
            }
        }
        TraceKind::AdminError { action, error } => format!("{action} refused: {error}"),
        TraceKind::RequestTimeoutDisconnect {
            producer,
            broker,
            requests,
            request_timeout_ms,
        } => format!(
            "{producer} closed its connection to broker {broker}: no answer within request.timeout.ms ({request_timeout_ms} ms); {} fail with REQUEST_TIMED_OUT",
            match requests {
                1 => "its request in flight".to_string(),
                n => format!("all {n} requests in flight"),
            }
        ),
        TraceKind::UnknownProducerAccepted {
            partition,
            broker,
            producer,
            base_sequence,
            ..
        } => format!(
            "{partition}: leader {broker} knew nothing of producer {producer} and took sequence {base_sequence} (earlier batches may land after it)"
        ),
        TraceKind::Truncated {
            partition,
            broker,
            to_offset,
            removed,
            ..
        } => format!(
            "{partition}: broker {broker} truncated {removed} record(s) to offset {to_offset}"
        ),
        TraceKind::ProduceError {
            producer,
            partition,
            error,
            ..
        } => format!("{producer} → {partition}: {error}"),
        TraceKind::SendFailed {
            producer,
            partition,
            error,
            records,
            ..
        } => format!("{producer} → {partition}: {records} record(s) failed ({error})"),
        TraceKind::Violation { text } => format!("INVARIANT VIOLATED: {text}"),
        // A consumer without a group: its KIP-320 validation.
        TraceKind::Group { group, text } if group.is_empty() => text.clone(),
        TraceKind::Group { group, text } => format!("group {group}: {text}"),
        TraceKind::Quorum {
            controller,
            epoch,
            change,
        } => format!("controller {controller}: {change} (Raft epoch {epoch})"),
        TraceKind::NotDeserialized {
            consumer,
            partition,
            offset,
            skipped,
            ..
        } => format!(
            "{consumer} could not deserialize {partition}@{offset}: {}",
            if *skipped {
                "skipped (LogAndContinue)"
            } else {
                "it stops there (LogAndFail)"
            }
        ),
        TraceKind::SegmentsDeleted {
            reason,
            partition,
            broker,
            segments,
            log_start_offset,
        } => format!(
            "{partition}: broker {broker} deleted {segments} old {} ({}); log start offset now {log_start_offset}",
            noun(*segments as usize, "segment", "segments"),
            reason.cause()
        ),
        TraceKind::Cleaned {
            partition,
            broker,
            end_offset,
            removed,
            ..
        } => {
            // The first few records by number (a record's story opens from its number).
            let mut ids: Vec<String> = removed.iter().take(6).map(|r| format!("#{r}")).collect();
            if removed.len() > ids.len() {
                ids.push("…".into());
            }
            format!(
                "{partition}: broker {broker}'s cleaner compacted the log below offset {end_offset}, removing {} {}{}",
                removed.len(),
                noun(removed.len(), "record", "records"),
                if ids.is_empty() { String::new() } else { format!(" ({})", ids.join(", ")) }
            )
        }
        TraceKind::OffsetReset {
            reset_to,
            consumer,
            partition,
            position,
            log_start_offset,
        } => format!(
            "{consumer}: {partition} position {position} is out of range (log start {log_start_offset}): {}",
            match reset_to {
                Some(to) => format!("auto.offset.reset moved it to {to}"),
                None => "auto.offset.reset=none, it stops reading the partition".to_string(),
            }
        ),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// The noun for `n` things: `one` for 1, else `many`.
fn noun(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// Group member ids shortened for the projector and the events list:
/// `c1-00000003-0000-4000-8000-000000000001`
/// becomes `c1-03…0001` (the coordinator that named it and its count there: a member that
/// rejoins through another coordinator does not read as the one before).
pub(crate) fn short_member_ids(text: &str) -> String {
    let is_uuid = |b: &[u8]| {
        b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
    };
    let b = text.as_bytes();
    let (mut out, mut from, mut i) = (String::new(), 0, 0);
    while i + 36 <= b.len() {
        if is_uuid(&b[i..i + 36]) {
            out.push_str(&text[from..i]);
            out.push_str(&text[i + 6..i + 8]);
            out.push('…');
            out.push_str(&text[i + 32..i + 36]);
            i += 36;
            from = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[from..]);
    out
}
