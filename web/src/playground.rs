//! The playground: one full-width cell starting from a preset.

use crate::cell::Cell;
use crate::share;
use std::rc::Rc;
use yew::prelude::*;

const PRESET: &str = "# A three-broker cluster; crash the leader and watch the failover.
seed 42
cluster brokers=3 racks=a,b,c
topic orders partitions=3 replication.factor=3 min.insync.replicas=2
producer p1 topic=orders acks=all rate=100/s keys=user-0..99
consumer c1 topic=orders auto.offset.reset=earliest
at 5s crash broker leader(orders-0)
at 20s restart broker 1
run 30s
expect lost == 0
";

#[function_component(Playground)]
pub fn playground() -> Html {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let shared = share::from_hash(&hash).map(Rc::new);
    // A different link is a different cell state: key the cell by it.
    let key = hash.clone();
    html! {
        <article class="playground">
            <h1>{ "Playground" }</h1>
            <p>{ "Edit the scenario (the language is described in the docs), press Run, then scrub through time or inject faults. Your edits are kept in this browser." }</p>
            <Cell {key} id="playground" source={PRESET} {shared} />
        </article>
    }
}
