//! The playground: one full-width cell starting from a preset (the semantics scenarios the tests
//! check, or a blank cluster).

use crate::cell::{Cell, Knob};
use crate::share;
use crate::show::Show;
use gloo::storage::{LocalStorage, Storage};
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

/// Where the playground keeps the preset last chosen.
const PRESET_KEY: &str = "khafka.playground.preset";

const BLANK: &str = "# A blank cluster: add topics, producers, consumers and faults.
seed 1
cluster brokers=3
run 30s
";

/// Where a scenario's body starts: after its leading comment block (for developers, citing
/// Kafka's sources), which the playground replaces by its plain description.
const fn body_start(src: &[u8]) -> usize {
    let (mut i, mut line_start) = (0, true);
    while i < src.len() {
        if line_start && src[i] != b'#' {
            return i;
        }
        line_start = src[i] == b'\n';
        i += 1;
    }
    src.len()
}

/// The last `N` bytes of `src`, copied, so the bundle holds the body alone and not the file.
const fn tail<const N: usize>(src: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = src[src.len() - N + i];
        i += 1;
    }
    out
}

/// A tested semantics scenario without its leading comment block, evaluated when compiling.
macro_rules! scenario_body {
    ($path:literal) => {{
        const SRC: &[u8] = include_bytes!($path);
        const N: usize = SRC.len() - body_start(SRC);
        const BODY: [u8; N] = tail::<N>(SRC);
        match std::str::from_utf8(&BODY) {
            Ok(s) => s,
            Err(_) => panic!("a scenario is UTF-8"),
        }
    }};
}

/// `(key, label, what happens, scenario)`; the first is the default. Each keeps its own edits. The
/// scenarios are the tested semantics scenarios; their leading comments (written for developers,
/// citing Kafka's sources) are left out when compiling and replaced by the plain description.
const PRESETS: &[(&str, &str, &str, &str)] = &[
    ("failover", "Leader failover with acks=all", "", PRESET),
    (
        "acks1-loss",
        "acks=1 loses acknowledged records",
        "The followers stop fetching; the leader keeps acknowledging acks=1 writes only it has, then crashes: the new leader lacks them.",
        scenario_body!("../../tests/scenarios/semantics/s3-acks1-leader-crash-loses-acked.khafka"),
    ),
    (
        "unclean",
        "Unclean leader election",
        "The ISR shrinks to the leader alone, which keeps acknowledging writes, then crashes; broker 2, not in the ISR, is elected uncleanly and everything acknowledged since the shrink is lost.",
        scenario_body!("../../tests/scenarios/semantics/unclean-election-loses-acked.khafka"),
    ),
    (
        "duplicates",
        "Lost responses: retries write duplicates",
        "The leader's responses to the producer are dropped; requests time out and are resent, and without idempotence the log holds those records twice.",
        scenario_body!("../../tests/scenarios/semantics/s9-lost-response-duplicate.khafka"),
    ),
    (
        "min-isr",
        "min.insync.replicas refuses writes",
        "Two of three brokers crash; once the ISR is the leader alone (below min.insync.replicas=2), acks=all writes are refused with NOT_ENOUGH_REPLICAS.",
        scenario_body!("../../tests/scenarios/semantics/s4-min-isr-acks-all-not-enough-replicas.khafka"),
    ),
    ("blank", "Blank cluster", "", BLANK),
];

/// A preset's scenario for readers: `what` wrapped as a comment, then the scenario.
fn preset_source(what: &str, scenario: &str) -> String {
    let mut out = String::new();
    let mut line = String::from("#");
    for word in what.split_whitespace() {
        if line.len() + word.len() + 1 > 98 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    if line.len() > 1 {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(scenario);
    if !scenario.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[function_component(Playground)]
pub fn playground() -> Html {
    // The preset last chosen in this browser.
    let preset = use_state(|| {
        LocalStorage::raw()
            .get_item(PRESET_KEY)
            .ok()
            .flatten()
            .and_then(|k| PRESETS.iter().position(|(name, _, _, _)| *name == k))
            .unwrap_or(0)
    });
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let shared = share::from_hash(&hash).map(Rc::new);
    // A different link is a different cell state: key the cell by it.
    let (name, _, what, scenario) = PRESETS[*preset];
    let source = preset_source(what, scenario);
    let key = format!("{hash}|{name}");
    // The default preset keeps the id edits were saved under before presets existed.
    let id = if *preset == 0 {
        "playground".to_string()
    } else {
        format!("playground/{name}")
    };
    let onchange = {
        let preset = preset.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Some(i) = PRESETS.iter().position(|(k, _, _, _)| *k == select.value()) {
                let _ = LocalStorage::raw().set_item(PRESET_KEY, PRESETS[i].0);
                preset.set(i);
            }
        })
    };
    // The settings that decide what an acknowledgement promises, on every preset.
    let knobs: Vec<Knob> = [
        "acks:0,1,all",
        "replication.factor:1..5",
        "min.insync.replicas:1..3",
    ]
    .iter()
    .filter_map(|k| Knob::parse(k))
    .collect();
    let show = Show::parse("cluster,records,events,chart:records").unwrap_or_default();
    html! {
        <article class="playground">
            <h1>{ "Playground" }</h1>
            <p>{ "Edit the scenario (see " }<a href="#/language">{ "the scenario language" }</a>{ "), press Run, then scrub through time or inject faults. Your edits are kept in this browser, for each starting point." }</p>
            if shared.is_none() {
                <label class="preset">{ "Start from " }
                    <select {onchange}>
                        { for PRESETS.iter().enumerate().map(|(i, (k, label, _, _))| html! {
                            <option value={*k} selected={i == *preset}>{ *label }</option>
                        }) }
                    </select>
                </label>
            }
            <Cell {key} {id} source={source} {shared} {knobs} {show} />
        </article>
    }
}
