//! Presenter mode for trainers: the cluster full screen, large type, high contrast, driven by keys.
//!
//! Space play/pause · → / ← step forward / back (1 s) · Enter next beat (the next scheduled `at` line
//! of the scenario) · K crash the leader of the selected partition · R restart the selected broker ·
//! N cut the selected broker off the network (again to heal) · 1–9 select a broker · P next partition
//! · plus / minus speed · Home / End start / end · ? help. Every action becomes a scenario line, shown
//! at the bottom.
//!
//! `#/presenter?s=…` (a share link's scenario) presents that scenario instead of the demo.

use crate::cluster_view::{event_text, fmt_time, ClusterView};
use gloo::events::{EventListener, EventListenerOptions};
use khafka_scenario::parse;
use khafka_sim::sim::describe_fault;
use khafka_sim::spec::{BrokerRef, Fault, NodeRef};
use khafka_sim::{SimOptions, SimTime, Timeline, TopicPartition};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;
use yew::prelude::*;

const SPEEDS: &[f64] = &[0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0];
/// Checkpoint spacing: a seek replays at most this much simulated time.
const CHECKPOINT_EVERY_S: u64 = 2;

/// The prepared demo: a failover a trainer walks through beat by beat.
pub const DEMO: &str =
    "# Presenter demo: a leader failover with acks=all, then the old leader comes back.
seed 7
cluster brokers=3 racks=a,b,c
topic orders partitions=3 replication.factor=3 min.insync.replicas=2
producer p1 topic=orders acks=all rate=200/s keys=user-0..99
consumer c1 topic=orders auto.offset.reset=earliest
at 5s crash broker leader(orders-0)
at 20s restart broker 1
at 40s elect preferred
run 60s
";

struct State {
    timeline: Timeline,
    end: SimTime,
    beats: Vec<SimTime>,
    playing: bool,
    speed: usize,
    broker: u32,
    partition: u32,
    help: bool,
}

impl State {
    fn new(source: &str) -> Result<Self, String> {
        let scenario = parse(source).map_err(|e| e.to_string())?;
        let mut beats: Vec<SimTime> = scenario.spec.schedule.iter().map(|s| s.at).collect();
        beats.dedup();
        let end = scenario.spec.run_for;
        let opts = SimOptions {
            check_invariants: false,
            ..SimOptions::default()
        };
        let mut timeline =
            Timeline::new(scenario.spec, opts, SimTime::from_secs(CHECKPOINT_EVERY_S));
        // Run the start (brokers starting, registering) so the first picture is a live cluster.
        timeline.seek(SimTime::ZERO);
        Ok(State {
            timeline,
            end,
            beats,
            playing: false,
            speed: 3,
            broker: 1,
            partition: 0,
            help: false,
        })
    }

    fn seek(&mut self, t: SimTime) {
        self.timeline.seek(t.min(self.end));
    }

    fn selected_tp(&self) -> Option<TopicPartition> {
        let sim = self.timeline.sim();
        let p = sim.topo.parts.get(self.partition as usize)?;
        Some(TopicPartition::new(
            sim.topo.topics[p.topic as usize].name.clone(),
            p.partition,
        ))
    }

    fn inject(&mut self, fault: Fault) {
        self.timeline.inject(fault);
        // The fault runs at this instant: seeking to it applies it.
        let t = self.timeline.now();
        self.seek(t);
    }

    fn broker_running(&self, b: u32) -> bool {
        self.timeline
            .sim()
            .brokers
            .get((b as usize).wrapping_sub(1))
            .is_some_and(|b| b.is_running())
    }

    /// Handles one key; returns whether it was ours.
    fn key(&mut self, key: &str) -> bool {
        let now = self.timeline.now();
        match key {
            " " => self.playing = !self.playing,
            "ArrowRight" => self.seek(now.saturating_add_us(1_000_000)),
            "ArrowLeft" => self.seek(SimTime(now.as_us().saturating_sub(1_000_000))),
            "Home" => self.seek(SimTime::ZERO),
            "End" => self.seek(self.end),
            "Enter" => {
                // Just after the next scheduled fault, so the beat's effect is on screen.
                if let Some(t) = self.beats.iter().find(|t| **t > now).copied() {
                    self.seek(t);
                }
            }
            "k" | "K" => {
                // Only when the partition has a running leader: a no-op fault would still be
                // recorded as a scenario line.
                let leader = self.timeline.sim().controller.parts[self.partition as usize].leader;
                if let (Some(tp), Some(l)) = (self.selected_tp(), leader) {
                    if self.broker_running(l) && now < self.end {
                        self.inject(Fault::Crash {
                            broker: BrokerRef::LeaderOf(tp),
                            lose_unflushed: false,
                        });
                    }
                }
            }
            "r" | "R" => {
                if !self.broker_running(self.broker) && now < self.end {
                    self.inject(Fault::Restart {
                        broker: BrokerRef::Id(self.broker),
                    });
                }
            }
            "n" | "N" => {
                let node = NodeRef::Broker(self.broker);
                if self.timeline.sim().net.isolated.contains(&node) {
                    self.inject(Fault::Heal);
                } else {
                    self.inject(Fault::Isolate { node });
                }
            }
            "p" | "P" => {
                let n = self.timeline.sim().topo.parts.len().max(1) as u32;
                self.partition = (self.partition + 1) % n;
            }
            "+" | "=" => self.speed = (self.speed + 1).min(SPEEDS.len() - 1),
            "-" | "_" => self.speed = self.speed.saturating_sub(1),
            "f" | "F" => toggle_fullscreen(),
            "?" => self.help = !self.help,
            "Escape" => self.help = false,
            k if k.len() == 1 && k.as_bytes()[0].is_ascii_digit() && k != "0" => {
                let b: u32 = k.parse().unwrap_or(1);
                if b <= self.timeline.sim().topo.brokers {
                    self.broker = b;
                }
            }
            _ => return false,
        }
        true
    }
}

/// Full screen on a projector (F), and back.
fn toggle_fullscreen() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if doc.fullscreen_element().is_some() {
        doc.exit_fullscreen();
    } else if let Some(root) = doc.document_element() {
        let _ = root.request_fullscreen();
    }
}

#[function_component(Presenter)]
pub fn presenter() -> Html {
    // A share link (`#/presenter?s=…`) brings its own scenario; otherwise the prepared demo.
    let state: Rc<RefCell<Result<State, String>>> = use_mut_ref(|| {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        match crate::share::from_hash(&hash) {
            Some(shared) => State::new(&shared.source),
            None => State::new(DEMO),
        }
    });
    let update = use_force_update();

    // Keys, for as long as the page is open.
    {
        let state = state.clone();
        let update = update.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().and_then(|w| w.document()).map(|doc| {
                let opts = EventListenerOptions::enable_prevent_default();
                EventListener::new_with_options(&doc, "keydown", opts, move |e| {
                    let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    if e.ctrl_key() || e.meta_key() || e.alt_key() {
                        return;
                    }
                    if let Ok(s) = state.borrow_mut().as_mut() {
                        if s.key(&e.key()) {
                            e.prevent_default();
                            update.force_update();
                        }
                    }
                })
            });
            move || drop(listener)
        });
    }

    // Playback: advance speed × frame time every frame while playing.
    let playing = matches!(&*state.borrow(), Ok(s) if s.playing);
    {
        let state = state.clone();
        let update = update.clone();
        use_effect_with(playing, move |playing| {
            let frames = playing.then(|| {
                crate::frames::FrameLoop::start(move |ms| {
                    if let Ok(s) = state.borrow_mut().as_mut() {
                        let step = (ms * 1_000.0 * SPEEDS[s.speed]) as u64;
                        let t = s.timeline.now().saturating_add_us(step);
                        s.seek(t);
                        if s.timeline.now() >= s.end {
                            s.playing = false;
                        }
                    }
                    update.force_update();
                })
            });
            move || drop(frames)
        });
    }

    let guard = state.borrow();
    let s = match &*guard {
        Ok(s) => s,
        Err(e) => return html! { <p class="parse-errors">{ e.clone() }</p> },
    };
    let sim = s.timeline.sim();
    let snapshot = Rc::new(sim.snapshot());
    let now = sim.now();
    let recent: Vec<String> = sim
        .trace
        .notable
        .iter()
        .filter(|e| e.time <= now)
        .collect::<Vec<_>>()
        .iter()
        .rev()
        .take(6)
        .rev()
        .map(|e| format!("{} {}", fmt_time(e.time), event_text(&e.kind)))
        .collect();
    let tp = s.selected_tp().map(|t| t.to_string()).unwrap_or_default();
    let p = &snapshot.provenance;
    html! {
        <div class="presenter" tabindex="0" aria-label="Presenter mode: press ? for keys">
            <div class="p-status">
                <span class="p-clock">{ format!("{}.{:03} s", now.as_ms() / 1000, now.as_ms() % 1000) }</span>
                <span>{ if s.playing { "▶ playing" } else { "❚❚ paused" } }</span>
                <span>{ format!("speed {}×", SPEEDS[s.speed]) }</span>
                <span>{ format!("selected: broker {} · {tp}", s.broker) }</span>
                <span class={classes!((p.lost > 0).then_some("bad"))}>{ format!("acked {} · lost {} · duplicated {}", p.acknowledged, p.lost, p.duplicated) }</span>
                <a class="p-exit" href="#/">{ "Leave presenter mode" }</a>
            </div>
            <ClusterView snapshot={snapshot.clone()} />
            <pre class="describe">{ sim.describe() }</pre>
            <ol class="p-events">{ for recent.iter().map(|l| html! { <li>{ l }</li> }) }</ol>
            if !s.timeline.injected().is_empty() {
                <pre class="injected">{ for s.timeline.injected().iter().map(|i| format!("at {} {}\n", i.at, describe_fault(&i.fault))) }</pre>
            }
            <p class="p-hint">{ "Press ? for keys" }</p>
            if s.help {
                <div class="p-help" role="dialog" aria-label="Keys">
                    <h2>{ "Keys" }</h2>
                    <dl>
                        <dt>{ "Space" }</dt><dd>{ "play / pause" }</dd>
                        <dt>{ "→ / ←" }</dt><dd>{ "step forward / back 1 s" }</dd>
                        <dt>{ "Enter" }</dt><dd>{ "next beat (the scenario's next scheduled fault)" }</dd>
                        <dt>{ "K" }</dt><dd>{ "crash the leader of the selected partition" }</dd>
                        <dt>{ "R" }</dt><dd>{ "restart the selected broker" }</dd>
                        <dt>{ "N" }</dt><dd>{ "cut the selected broker off the network (again: heal)" }</dd>
                        <dt>{ "1–9" }</dt><dd>{ "select a broker" }</dd>
                        <dt>{ "P" }</dt><dd>{ "select the next partition" }</dd>
                        <dt>{ "+ / −" }</dt><dd>{ "faster / slower (0.1× to 100×)" }</dd>
                        <dt>{ "Home / End" }</dt><dd>{ "go to the start / the end" }</dd>
                        <dt>{ "F" }</dt><dd>{ "full screen (again: leave it)" }</dd>
                        <dt>{ "?" }</dt><dd>{ "this help" }</dd>
                    </dl>
                </div>
            }
        </div>
    }
}
