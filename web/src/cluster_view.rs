//! The cluster at one instant: one card per broker (running, crashed, fenced, isolated, slow) with its
//! replicas — leader marked, ISR membership, and a log bar showing the committed part (below the high
//! watermark) and the uncommitted tail (up to the log end offset). State is never shown by colour
//! alone: every mark also has a word or a symbol.

use khafka_sim::snapshot::ClusterSnapshot;
use khafka_sim::spec::{BrokerRef, Fault, NodeRef};
use khafka_sim::trace::TraceKind;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClusterViewProps {
    pub snapshot: Rc<ClusterSnapshot>,
    /// When set, each broker card offers direct manipulation (crash, restart, cut off, slow down).
    #[prop_or_default]
    pub on_fault: Option<Callback<Fault>>,
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
            .filter(|(_, to, _, _)| to == node)
            .fold(
                std::collections::BTreeMap::<&str, u32>::new(),
                |mut m, (_, _, k, n)| {
                    *m.entry(*k).or_default() += n;
                    m
                },
            )
            .into_iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        parts.truncate(4);
        parts.join(" · ")
    };
    let clients = html! {
        <div class="clients" aria-label="Controller and clients">
            <div class="client controller" title="The KRaft controller quorum, modelled as one node that never fails (it can be cut off)">
                <strong>{ "Controller" }</strong><span class="state">{ " KRaft" }</span>
                <div class="wire">{ incoming("controller") }</div>
            </div>
            { for s.producers.iter().map(|p| html! {
                <div class="client producer">
                    <strong>{ format!("Producer {}", p.name) }</strong>
                    <span class="state">{ format!(" acks={}{}{}", p.acks, if p.idempotent { " · idempotent" } else { "" }, if p.paused { " · paused" } else { "" }) }</span>
                    <div>{ format!("sent {} · acked {} · failed {}", p.sent, p.acknowledged, p.failed) }</div>
                    <div class="wire">{ format!("{} request(s) in flight · {} batch(es) queued", p.requests_in_flight, p.batches_queued) }</div>
                </div>
            }) }
            { for s.consumers.iter().map(|c| html! {
                <div class="client consumer" title="A simple consumer: no group, reads every partition of its topic up to the high watermark">
                    <strong>{ format!("Consumer {}", c.name) }</strong>
                    <div>{ format!("received {}", c.received) }</div>
                    <div class="wire">{ incoming(&c.name) }</div>
                </div>
            }) }
        </div>
    };
    html! {
        <>
        { clients }
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
                    <div class={classes!("broker", state)} data-broker={b.id.to_string()}>
                        <div class="broker-head">
                            <strong>{ format!("Broker {}", b.id) }</strong>
                            <span class="state">{ word }</span>
                            { b.rack.as_ref().map(|r| html! { <span class="rack">{ format!("rack {r}") }</span> }).unwrap_or_default() }
                        </div>
                        { props.on_fault.as_ref().map(|cb| broker_buttons(cb, b.id, b.running, b.isolated, b.slow_us > 0)).unwrap_or_default() }
                        <div class="wire" title="Requests and responses on their way to this broker">{ incoming(&b.id.to_string()) }</div>
                        <ul class="replicas">
                            { for b.replicas.iter().map(|r| {
                                let committed = (r.high_watermark * 100 / max_leo) as u32;
                                let tail = ((r.log_end_offset - r.high_watermark.min(r.log_end_offset)) * 100 / max_leo) as u32;
                                let role = if r.is_leader { "★ leader" } else if r.in_isr { "in ISR" } else { "out of ISR" };
                                html! {
                                    <li class={classes!("replica", r.is_leader.then_some("leader"), (!r.in_isr).then_some("out"))}
                                        title={format!("{}: LEO {} HW {} epoch {}", r.partition, r.log_end_offset, r.high_watermark, r.leader_epoch)}>
                                        <span class="pname">{ &r.partition }</span>
                                        <span class="role">{ role }</span>
                                        <span class="bar" aria-hidden="true">
                                            <span class="committed" style={format!("width:{committed}%")}></span>
                                            <span class="uncommitted" style={format!("width:{tail}%")}></span>
                                        </span>
                                        <span class="offsets">{ format!("HW {} · LEO {}", r.high_watermark, r.log_end_offset) }</span>
                                    </li>
                                }
                            }) }
                        </ul>
                    </div>
                }
            }) }
        </div>
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
        html! { <button class="small" {onclick}>{ label }</button> }
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

/// One line for the event log.
pub fn event_text(kind: &TraceKind) -> String {
    match kind {
        TraceKind::Fault { description } => format!("⚡ {description}"),
        TraceKind::BrokerStarted { broker, .. } => format!("broker {broker} started"),
        TraceKind::BrokerStopped { broker, clean } => {
            format!(
                "broker {broker} {}",
                if *clean { "shut down" } else { "crashed" }
            )
        }
        TraceKind::BrokerFenced { broker, reason } => format!("broker {broker} fenced ({reason})"),
        TraceKind::BrokerUnfenced { broker } => format!("broker {broker} unfenced"),
        TraceKind::LeaderElected {
            partition,
            leader,
            leader_epoch,
            unclean,
            reason,
            ..
        } => format!(
            "{partition}: {} leader {} (epoch {leader_epoch}; {reason})",
            if *unclean { "UNCLEAN" } else { "new" },
            leader.map_or("none".to_string(), |l| l.to_string())
        ),
        TraceKind::IsrChanged { partition, isr, .. } => format!("{partition}: ISR {isr:?}"),
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
        } => format!("{producer} → {partition}: {records} record(s) failed ({error})"),
        TraceKind::Violation { text } => format!("INVARIANT VIOLATED: {text}"),
        other => format!("{other:?}"),
    }
}
