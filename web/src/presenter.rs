//! Presenter mode for trainers: the cluster full screen, large type, high contrast, driven by keys.
//!
//! Space play/pause · → / ← step forward / back (1 s) · Enter / Backspace next beat (paused there) /
//! back to the current one (the scenario's scheduled `at` lines and the live actions, in time order) · K crash the leader of the selected partition · R restart the
//! selected broker · N cut the selected broker off the network (again: back on it) · C crash the
//! active controller of a KRaft quorum (again: restart it) · 1–9 select a broker · P next partition · plus / minus speed · Home / End start / end · W the story of the headline's record · L light theme · S copy a link · Q leave · ? help.
//! Every key says what it did (or why it did nothing); every action becomes a scenario line.
//!
//! `#/presenter?s=…&a=…&t=…` presents that scenario, with those live actions, at that instant. The
//! presenter keeps its own state in the address as it goes (without a navigation), so a reload
//! comes back to the same state and the address is a link to it.

use crate::advance::{Goal, SLICE_MS};
use crate::cluster_view::{fault_text, fmt_time, ClusterView};
use gloo::events::{EventListener, EventListenerOptions};
use khafka_scenario::parse;
use khafka_sim::sim::describe_fault;
use khafka_sim::spec::{BrokerRef, Fault, NodeRef};
use khafka_sim::{SimTime, Timeline, TopicPartition};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;
use yew::prelude::*;

const SPEEDS: &[f64] = &[0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0];
/// Checkpoint spacing, at least (longer runs space them further, see `budget.rs`): a seek replays
/// at most one interval of simulated time.
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

/// The keys and what they do, as the help (?) lists them (constant markup, set as it is).
const KEYS: &str = concat!(
    "<dl>",
    "<dt>Space</dt><dd>play / pause</dd>",
    "<dt>→ / ←</dt><dd>step forward / back 1 s</dd>",
    "<dt>Enter</dt><dd>next beat (the scenario's next scheduled fault, or a live action of yours), paused there</dd>",
    "<dt>Backspace / B</dt><dd>back to the current beat (on it: the one before)</dd>",
    "<dt>K</dt><dd>crash the leader of the selected partition (and select its broker)</dd>",
    "<dt>R</dt><dd>restart the selected broker</dd>",
    "<dt>N</dt><dd>cut the selected broker off the network (again: back on it)</dd>",
    "<dt>C</dt><dd>crash the active controller (with controllers=3; again: restart it)</dd>",
    "<dt>1–9, 0</dt><dd>select broker 1 to 9, 10</dd>",
    "<dt>] / [</dt><dd>select the next / previous broker</dd>",
    "<dt>P</dt><dd>select the next partition of the scenario's topics</dd>",
    "<dt>X</dt><dd>clear the live actions: the scenario as written, at this instant</dd>",
    "<dt>+ / −</dt><dd>faster / slower (0.1× to 100×)</dd>",
    "<dt>Home / End</dt><dd>go to the start / the end</dd>",
    "<dt>W</dt><dd>why? the story of a record the headline counts (again: close it)</dd>",
    "<dt>L</dt><dd>light theme for a bright room (again: dark)</dd>",
    "<dt>F</dt><dd>full screen (again: leave it)</dd>",
    "<dt>Page Down / Up</dt><dd>scroll this help, an open record story, or the cards when there are more than fit</dd>",
    "<dt>S</dt><dd>copy a link to this state (scenario, live actions, instant)</dd>",
    "<dt>Q</dt><dd>leave: back to the page this was presented from</dd>",
    "<dt>?</dt><dd>this help</dd>",
    "<dt>Esc</dt><dd>close this help; stop a long jump where it got to</dd>",
    "</dl>"
);

use crate::share::FROM_KEY;

/// The page Leave goes to: the one this scenario was presented from, or the home page.
fn left_to() -> String {
    let w = web_sys::window();
    let here = w
        .as_ref()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    w.and_then(|w| w.session_storage().ok().flatten())
        .and_then(|s| s.get_item(FROM_KEY).ok().flatten())
        .and_then(|v| {
            let (from, s) = v.split_once('\n')?;
            let ours = here
                .split(['?', '&'])
                .any(|param| param.strip_prefix("s=") == Some(s))
                && from.starts_with("#/");
            ours.then(|| from.to_string())
        })
        .unwrap_or_else(|| "#/".to_string())
}

/// An instant a trainer steps to: a scheduled fault of the scenario, or a live action.
struct Beat {
    at: SimTime,
    what: String,
    /// A scheduled fault of the scenario is at this instant (its marker stays the scenario's).
    scheduled: bool,
    /// A live action (a key) is at this instant.
    live: bool,
}

/// How many of `marks` have happened by `now` (the current beat is the last of them).
fn beats_done(marks: &[Beat], now: SimTime) -> usize {
    marks.iter().filter(|b| b.at <= now).count()
}

struct State {
    source: String,
    timeline: Timeline,
    end: SimTime,
    /// The scenario's scheduled faults by instant: `(at, what)`, the beats a trainer steps through.
    beats: Vec<(SimTime, String)>,
    playing: bool,
    speed: usize,
    broker: u32,
    partition: u32,
    help: bool,
    /// The record whose story is open (W), in place of the latest events.
    story: Option<khafka_sim::log::RecordId>,
    light: bool,
    /// What the last key did, shown until the next one.
    said: Option<String>,
    /// Live actions after the instant of the last one injected, which it replaced (a new
    /// history branches there): said with the key that injected it.
    replaced: usize,
    /// A jump beyond what was simulated so far, worked on in slices between frames.
    goal: Option<Goal>,
    /// A slice of the jump ran outside its frame loop (a key's task, playback): the loop's next
    /// frame only draws, so no frame works two slices.
    sliced: bool,
}

/// Why nothing is presented (yet).
enum Blocked {
    /// The scenario's schemas are to be encoded by a codec bundle (`codec_worker.rs`): the
    /// request and the bundle to ask first.
    Loading(String, crate::codec_worker::Bundle),
    Error(String),
}

impl From<String> for Blocked {
    fn from(e: String) -> Self {
        Blocked::Error(e)
    }
}

impl State {
    fn new(source: &str) -> Result<Self, Blocked> {
        let mut scenario = parse(source).map_err(|e| e.to_string())?;
        // Schema (de)serializers: the codecs' table first, as a lesson cell does.
        if let Err(needs) = crate::codec_worker::apply(&mut scenario) {
            return Err(match needs {
                crate::codec_worker::Needs::Table(request, bundle) => {
                    Blocked::Loading(request, bundle)
                }
                crate::codec_worker::Needs::Failed(why) => Blocked::Error(why),
            });
        }
        if let Some(why) = crate::budget::refusal(&scenario.spec) {
            return Err(why.into());
        }
        let mut beats: Vec<(SimTime, String)> = Vec::new();
        // In time order: lines may be written out of order, and live actions come after the
        // scenario's own lines (a stable sort keeps the written order within an instant).
        let mut schedule: Vec<_> = scenario.spec.schedule.iter().collect();
        khafka_sim::kernel::small::sort_by(&mut schedule, |a, b| a.at.cmp(&b.at));
        for s in schedule {
            let what = fault_text(&describe_fault(&s.fault));
            match beats.last_mut() {
                Some((at, text)) if *at == s.at => {
                    text.push_str(" + ");
                    text.push_str(&what);
                }
                _ => beats.push((s.at, what)),
            }
        }
        let end = scenario.spec.run_for;
        // What the scenario's expectations read is measured (step latencies, invariants), as in
        // a lesson cell.
        let opts = scenario.sim_options();
        let mut timeline =
            crate::budget::timeline(&scenario.spec, opts, SimTime::from_secs(CHECKPOINT_EVERY_S));
        // Run the start (brokers starting, registering) so the first picture is a live cluster.
        timeline.seek(SimTime::ZERO);
        Ok(State {
            source: source.to_string(),
            timeline,
            end,
            beats,
            playing: false,
            speed: 3,
            broker: 1,
            partition: 0,
            help: false,
            story: None,
            light: false,
            said: None,
            replaced: 0,
            goal: None,
            sliced: false,
        })
    }

    /// A shared state: the scenario, its live actions replayed at their instants, its position.
    fn open(shared: &crate::share::Shared) -> Result<Self, Blocked> {
        let mut s = State::new(&shared.source)?;
        let actions = crate::share::parse_actions(&shared.source, &shared.actions)?;
        s.goal = Some(Goal::replaying(actions, shared.at.min(s.end)));
        s.work_now();
        Ok(s)
    }

    /// The beats a trainer steps through (Enter, Backspace), in time order: the scenario's
    /// scheduled faults and the live actions injected with keys, where the trainer was (a live
    /// action at a scheduled beat's instant joins that beat).
    fn marks(&self) -> Vec<Beat> {
        let mut all: Vec<Beat> = self
            .beats
            .iter()
            .map(|(at, what)| Beat {
                at: *at,
                what: what.clone(),
                scheduled: true,
                live: false,
            })
            .collect();
        for l in self.timeline.injected() {
            let what = fault_text(&describe_fault(&l.fault));
            match all.iter_mut().find(|b| b.at == l.at) {
                // A scheduled beat keeps its marker; one key can inject several lines at one
                // instant (N's heal and cuts again), said once as live.
                Some(b) => {
                    b.what.push_str(if b.live { " + " } else { " + live: " });
                    b.what.push_str(&what);
                    b.live = true;
                }
                None => all.push(Beat {
                    at: l.at,
                    what: format!("live: {what}"),
                    scheduled: false,
                    live: true,
                }),
            }
        }
        // Stable: the scenario's beats keep their order, and live actions come at their instants.
        khafka_sim::kernel::small::sort_by(&mut all, |a, b| a.at.cmp(&b.at));
        all
    }

    /// "Beat 2/3 · 20s: restart broker 1", or what comes first.
    fn caption(&self) -> String {
        let marks = self.marks();
        let n = marks.len();
        match beats_done(&marks, self.timeline.now()) {
            _ if n == 0 => {
                "No beats: this scenario schedules no faults (K, R, N and C add live ones)"
                    .to_string()
            }
            0 => format!(
                "Before beat 1/{n} · Enter: {} at {}",
                marks[0].what,
                fmt_time(marks[0].at)
            ),
            done => {
                let b = &marks[done - 1];
                format!("Beat {done}/{n} · {}: {}", fmt_time(b.at), b.what)
            }
        }
    }

    /// The address of this state: scenario, live actions, instant.
    fn fragment(&self) -> String {
        // The selection too, so the keys of an opened link act on the same broker and partition,
        // and the speed and the theme the trainer chose for the room.
        let state =
            crate::share::fragment(&self.source, self.timeline.injected(), self.timeline.now())
                .replacen("#/playground", "#/presenter", 1);
        format!(
            "{state}&b={}&p={}&v={}&l={}",
            self.broker,
            self.partition,
            SPEEDS[self.speed],
            u8::from(self.light)
        )
    }

    /// The selection (`b=` broker, `p=` partition), speed (`v=`, one of `SPEEDS`) and theme
    /// (`l=1` light) a link carries, where they exist.
    fn select_from(&mut self, hash: &str) {
        let sim = self.timeline.sim();
        let (brokers, parts) = (sim.topology().brokers, sim.topology().parts.len() as u32);
        for (k, v) in hash.split(['?', '&']).filter_map(|kv| kv.split_once('=')) {
            if k == "v" {
                // Compared as printed: parsing a float would add its parser to the bundle.
                if let Some(i) = SPEEDS.iter().position(|x| x.to_string() == v) {
                    self.speed = i;
                }
                continue;
            }
            match (k, v.parse::<u32>()) {
                ("b", Ok(b)) if (1..=brokers).contains(&b) => self.broker = b,
                ("p", Ok(p)) if p < parts => self.partition = p,
                ("l", Ok(l)) => self.light = l == 1,
                _ => {}
            }
        }
    }

    /// Moves to `t`: at once within what was simulated (a checkpoint and a short replay), in slices
    /// beyond it, so a jump of an hour never blocks the page.
    fn seek(&mut self, t: SimTime) {
        let t = t.min(self.end);
        self.goal = None;
        if t <= self.timeline.horizon() {
            self.timeline.seek(t);
        } else {
            self.goal = Some(Goal::to(t));
            self.work_now();
        }
    }

    /// [`State::work`] outside the jump's frame loop (a key's task, playback, a link opened): the
    /// loop's next frame then only draws.
    fn work_now(&mut self) {
        self.work();
        self.sliced = self.goal.is_some();
    }

    /// One slice of the pending jump, if any.
    fn work(&mut self) {
        if let Some(goal) = self.goal.as_mut() {
            if goal.advance(&mut self.timeline, SLICE_MS) {
                self.goal = None;
            }
        }
    }

    fn selected_tp(&self) -> Option<TopicPartition> {
        let sim = self.timeline.sim();
        let p = sim.topology().parts.get(self.partition as usize)?;
        Some(TopicPartition::new(
            sim.topology().topics[p.topic as usize].name.clone(),
            p.partition,
        ))
    }

    fn inject(&mut self, fault: Fault) {
        let before = self.timeline.injected().len();
        self.timeline.inject(fault);
        self.replaced = (before + 1).saturating_sub(self.timeline.injected().len());
        // The fault runs at this instant: seeking to it applies it.
        let t = self.timeline.now();
        self.seek(t);
    }

    /// Whether a record's story is on screen (its record may not be sent yet at this instant).
    fn story_shown(&self) -> bool {
        self.story
            .is_some_and(|id| self.timeline.sim().record_story(id).is_some())
    }

    /// The record the headline's "why?" tells the story of, at this instant.
    fn headline_why(&self) -> Option<khafka_sim::log::RecordId> {
        let sim = self.timeline.sim();
        let groups = sim.groups();
        crate::headline::headline(
            sim,
            &sim.snapshot(),
            self.end,
            sim.streams_view().as_ref(),
            &groups,
            crate::headline::Focus::Records,
        )
        .why
    }

    fn broker_running(&self, b: u32) -> bool {
        self.timeline.sim().broker_running(b)
    }

    /// Handles one key: what it did (or why it did nothing), or `None` if the key is not ours.
    fn key(&mut self, key: &str) -> Option<String> {
        // The help covers the picture: a key of the presenter's closes it and does nothing else
        // (Tab, F5 and the like stay the browser's).
        let ours = key.chars().count() == 1
            || matches!(
                key,
                "Enter" | "Backspace" | "Escape" | "ArrowLeft" | "ArrowRight" | "Home" | "End"
            );
        if self.help && ours {
            self.help = false;
            let key = if key == "Escape" { "Esc" } else { key };
            return Some(format!("{key}: help closed"));
        }
        let now = self.timeline.now();
        let ended = now >= self.end;
        let said = match key {
            " " => {
                self.playing = !self.playing && !ended;
                if ended {
                    "Space: the run has ended (Home goes back to the start)".to_string()
                } else if self.playing {
                    "Space: playing".to_string()
                } else {
                    "Space: paused".to_string()
                }
            }
            "ArrowRight" => {
                self.seek(now.saturating_add_us(1_000_000));
                format!("→: {}", fmt_time(self.timeline.now()))
            }
            "ArrowLeft" => {
                self.seek(SimTime(now.as_us().saturating_sub(1_000_000)));
                format!("←: {}", fmt_time(self.timeline.now()))
            }
            "Home" => {
                self.seek(SimTime::ZERO);
                "Home: the start".to_string()
            }
            "End" => {
                self.seek(self.end);
                "End: the end of the run".to_string()
            }
            "Enter" => match self.marks().into_iter().find(|b| b.at > now) {
                // Just after the next scheduled fault, so the beat's effect is on screen, and
                // paused there: the beat is the moment the trainer talks about (Space plays on).
                Some(b) => {
                    let paused = std::mem::take(&mut self.playing);
                    self.seek(b.at);
                    let paused = if paused { " (paused)" } else { "" };
                    format!("Enter: next beat, {}{paused}", b.what)
                }
                None => "Enter: no beat after this one".to_string(),
            },
            "Backspace" | "b" | "B" => {
                // Past the current beat's instant: back to it, to replay it; on it: the one before.
                let marks = self.marks();
                let done = beats_done(&marks, now);
                let back = match done.checked_sub(1) {
                    Some(i) if now > marks[i].at => Some(i),
                    _ => done.checked_sub(2),
                };
                match back {
                    Some(i) => {
                        self.seek(marks[i].at);
                        format!("{key}: back to beat {}, {}", i + 1, marks[i].what)
                    }
                    None => {
                        self.seek(SimTime::ZERO);
                        format!("{key}: back to the start")
                    }
                }
            }
            "k" | "K" => {
                let leader = self
                    .timeline
                    .sim()
                    .partition_state(self.partition as usize as u32)
                    .leader;
                match (self.selected_tp(), leader) {
                    _ if ended => "K: the run has ended; go back in time first".to_string(),
                    (Some(tp), Some(l)) if self.broker_running(l) => {
                        self.inject(Fault::Crash {
                            broker: BrokerRef::LeaderOf(tp.clone()),
                            lose_unflushed: false,
                        });
                        // R then restarts the broker K crashed.
                        self.broker = l;
                        format!(
                            "K: crashed broker {l}, the leader of {tp} (selected: R restarts it)"
                        )
                    }
                    // A no-op fault would still be recorded as a scenario line.
                    (Some(tp), _) => format!("K: {tp} has no running leader to crash"),
                    (None, _) => "K: no partition selected".to_string(),
                }
            }
            "r" | "R" => {
                let b = self.broker;
                if ended {
                    "R: the run has ended; go back in time first".to_string()
                } else if self.broker_running(b) {
                    format!("R: broker {b} is running, nothing to restart")
                } else {
                    let cut = self
                        .timeline
                        .sim()
                        .isolated_nodes()
                        .contains(&NodeRef::Broker(b));
                    self.inject(Fault::Restart {
                        broker: BrokerRef::Id(b),
                    });
                    if cut {
                        format!(
                            "R: restarted broker {b}, still cut off the network (N puts it back)"
                        )
                    } else {
                        format!("R: restarted broker {b}")
                    }
                }
            }
            "n" | "N" => {
                let b = self.broker;
                let node = NodeRef::Broker(b);
                let sim = self.timeline.sim();
                if ended {
                    "N: the run has ended; go back in time first".to_string()
                } else if sim.isolated_nodes().contains(&node) {
                    // The scenario language heals the whole network at once: heal, then cut again
                    // what was cut besides this broker.
                    let others: Vec<NodeRef> = sim
                        .isolated_nodes()
                        .iter()
                        .filter(|n| **n != node)
                        .cloned()
                        .collect();
                    let partitions = sim.network_partitions().to_vec();
                    self.inject(Fault::Heal);
                    for node in others {
                        self.inject(Fault::Isolate { node });
                    }
                    for (groups, one_way) in partitions {
                        self.inject(Fault::Partition { groups, one_way });
                    }
                    format!("N: broker {b} is back on the network (other cuts kept)")
                } else {
                    // A machine that is down can be unplugged too: it comes back cut off.
                    let down = !self.broker_running(b);
                    self.inject(Fault::Isolate { node });
                    if down {
                        format!("N: broker {b} (down) cut off the network: R restarts it cut off; N again puts it back")
                    } else {
                        format!("N: broker {b} cut off the network")
                    }
                }
            }
            "c" | "C" => {
                let controllers = self.timeline.sim().controller_statuses();
                let down = controllers.iter().find(|c| !c.running).map(|c| c.id);
                let active = controllers
                    .iter()
                    .find(|c| c.active_controller_count > 0)
                    .map(|c| c.id);
                match (down, active) {
                    _ if controllers.is_empty() => {
                        "C: this scenario's controller is one simulated node, not a quorum to crash \
                         (controllers=3 on the cluster line makes one)"
                            .to_string()
                    }
                    _ if ended => "C: the run has ended; go back in time first".to_string(),
                    (Some(c), _) => {
                        self.inject(Fault::RestartController { controller: c });
                        format!("C: restarted controller {c}")
                    }
                    (None, Some(c)) => {
                        self.inject(Fault::CrashController { controller: c });
                        format!("C: crashed controller {c}, the active controller")
                    }
                    (None, None) => {
                        "C: no active controller to crash (the quorum is electing one)".to_string()
                    }
                }
            }
            "p" | "P" => {
                // The scenario's own topics: `__consumer_offsets` is the coordinators'.
                let topo = self.timeline.sim().topology();
                let n = topo.parts.len().max(1) as u32;
                for _ in 0..n {
                    self.partition = (self.partition + 1) % n;
                    if !topo.is_internal(self.partition) {
                        break;
                    }
                }
                format!(
                    "P: selected {}",
                    self.selected_tp()
                        .map(|t| t.to_string())
                        .unwrap_or_default()
                )
            }
            "+" | "=" => {
                self.speed = (self.speed + 1).min(SPEEDS.len() - 1);
                format!("+: speed {}×", SPEEDS[self.speed])
            }
            "-" | "_" => {
                self.speed = self.speed.saturating_sub(1);
                format!("−: speed {}×", SPEEDS[self.speed])
            }
            "f" | "F" => {
                toggle_fullscreen();
                "F: full screen on or off".to_string()
            }
            "x" | "X" => match self.timeline.injected().len() {
                0 => "X: no live actions to clear".to_string(),
                n => match State::new(&self.source) {
                    Ok(mut fresh) => {
                        (fresh.speed, fresh.light) = (self.speed, self.light);
                        (fresh.broker, fresh.partition) = (self.broker, self.partition);
                        // An open story stays open: the record is the same in the scenario as
                        // written (its story then tells that run).
                        fresh.story = self.story;
                        fresh.seek(now);
                        *self = fresh;
                        format!(
                            "X: cleared {n} live action{}: the scenario as written",
                            if n == 1 { "" } else { "s" }
                        )
                    }
                    Err(_) => "X: the scenario could not be built again".to_string(),
                },
            },
            "w" | "W" if self.story_shown() => {
                self.story = None;
                "W: story closed".to_string()
            }
            "w" | "W" => match self.headline_why() {
                Some(id) => {
                    self.story = Some(id);
                    format!("W: the story of record {id}")
                }
                None => {
                    self.story = None;
                    "W: the headline names no record to explain".to_string()
                }
            },
            "l" | "L" => {
                self.light = !self.light;
                format!("L: {} theme", if self.light { "light" } else { "dark" })
            }
            "?" => {
                self.help = !self.help;
                "?: keys".to_string()
            }
            "Escape" if self.goal.is_some() => {
                self.goal = None;
                self.playing = false;
                format!("Esc: stopped at {}", fmt_time(self.timeline.now()))
            }
            "Escape" if self.story_shown() => {
                self.story = None;
                "Esc: story closed".to_string()
            }
            // (With the help open, Esc closed it above.)
            "Escape" => "Esc: no help open and no long jump to stop".to_string(),
            k if k.len() == 1 && k.as_bytes()[0].is_ascii_digit() => {
                // 0 is the tenth key of the row: broker 10.
                let b: u32 = k.parse::<u32>().map_or(1, |d| if d == 0 { 10 } else { d });
                let n = self.timeline.sim().topology().brokers;
                if b <= n {
                    self.broker = b;
                    format!("{k}: selected broker {b}")
                } else {
                    format!("{k}: there are {n} brokers")
                }
            }
            // Every broker, however many (digits reach ten).
            "]" | "[" => {
                let n = self.timeline.sim().topology().brokers.max(1);
                let step = if key == "]" { 1 } else { n - 1 };
                self.broker = (self.broker.clamp(1, n) - 1 + step) % n + 1;
                format!("{key}: selected broker {}", self.broker)
            }
            // Any other character: said, so the last message does not seem to answer it.
            k if k.chars().count() == 1 => format!("{k}: not a presenter key (? lists them)"),
            _ => return None,
        };
        match std::mem::take(&mut self.replaced) {
            0 => Some(said),
            n => Some(format!(
                "{said} (replacing the {n} live action{} injected after this instant)",
                if n == 1 { "" } else { "s" }
            )),
        }
    }
}

/// Copies the address of this state (Copy link, S) and says so.
fn copy_link(s: &mut State, said: &str) {
    remember(s);
    let url = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    crate::cell::copy_to_clipboard(&url);
    s.said = Some(said.to_string());
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

/// What the address asks to present: a share link's state (`#/presenter?s=…`), else the demo.
fn initial() -> Result<State, Blocked> {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    match crate::share::from_hash(&hash) {
        Some(shared) => State::open(&shared).map(|mut s| {
            s.select_from(&hash);
            s
        }),
        // A link that carries a state but cannot be read: said, rather than the demo presented
        // in its place.
        None if hash.contains("s=") => Err(Blocked::Error(
            "This link is damaged (cut short, or edited): its scenario, live actions or instant \
             cannot be read. Copy it again from the page it came from."
                .to_string(),
        )),
        None => State::new(DEMO),
    }
}

#[function_component(Presenter)]
pub fn presenter() -> Html {
    // A share link (`#/presenter?s=…`) brings its own scenario; otherwise the prepared demo.
    let state: Rc<RefCell<Result<State, Blocked>>> = use_mut_ref(initial);
    let update = use_force_update();
    // Read once, as the page opens: live actions rewrite the link, not where Leave goes.
    let leave_to = use_memo((), |_| left_to());
    // Left by Leave (the link or Q): the cell it was presented from is brought into view there.
    // Left any other way (the address, a bookmark), that cell forgets it, so it does not scroll
    // into view when its page opens later.
    let leaving = use_mut_ref(|| false);
    {
        let leaving = leaving.clone();
        use_effect_with((), move |_| {
            move || {
                if !*leaving.borrow() {
                    if let Some(store) =
                        web_sys::window().and_then(|w| w.session_storage().ok().flatten())
                    {
                        let _ = store.remove_item(crate::cell::RETURN_KEY);
                    }
                }
            }
        });
    }
    let on_leave = {
        let leaving = leaving.clone();
        Callback::from(move |_: MouseEvent| *leaving.borrow_mut() = true)
    };

    // Keys, for as long as the page is open.
    {
        let state = state.clone();
        let update = update.clone();
        let leave_to = (*leave_to).clone();
        let leaving = leaving.clone();
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
                    let key = e.key();
                    // Enter or Space on a focused button or link (Copy link, Leave) is that
                    // control's: reached with Tab, it works as anywhere else.
                    let on_control = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|t| matches!(t.tag_name().as_str(), "A" | "BUTTON"));
                    if on_control && matches!(key.as_str(), "Enter" | " ") {
                        return;
                    }
                    if matches!(key.as_str(), "PageDown" | "PageUp") {
                        // The page keys scroll the help when it is open, else a record's story,
                        // else the cards past the screen (many brokers).
                        let doc = web_sys::window().and_then(|w| w.document());
                        let first = |sel: &str| {
                            doc.as_ref()
                                .and_then(|d| d.query_selector(sel).ok().flatten())
                        };
                        if let Some(main) = first(".presenter .p-help")
                            .or_else(|| first(".presenter .p-story"))
                            .or_else(|| first(".presenter .p-main"))
                        {
                            let step = f64::from(main.client_height()) * 0.8;
                            let dy = if key == "PageDown" { step } else { -step };
                            main.scroll_by_with_x_and_y(0.0, dy);
                            e.prevent_default();
                        }
                        return;
                    }
                    // With the help open, a key only closes it (`State::key`).
                    let help = matches!(&*state.borrow(), Ok(s) if s.help);
                    if matches!(key.as_str(), "q" | "Q") && !help {
                        // Leave: back to the page this was presented from.
                        *leaving.borrow_mut() = true;
                        if let Some(loc) = web_sys::window().map(|w| w.location()) {
                            let _ = loc.set_hash(leave_to.trim_start_matches('#'));
                        }
                        return;
                    }
                    if let Ok(s) = state.borrow_mut().as_mut() {
                        if matches!(key.as_str(), "s" | "S") && !help {
                            e.prevent_default();
                            copy_link(s, "S: link to this state copied");
                            update.force_update();
                            return;
                        }
                        if let Some(said) = s.key(&key) {
                            e.prevent_default();
                            s.said = Some(said);
                            if !s.playing {
                                remember(s);
                            }
                            update.force_update();
                            // A story just opened: its "← why" step in view, within the story.
                            if matches!(key.as_str(), "w" | "W") && s.story.is_some() {
                                gloo::timers::callback::Timeout::new(0, || {
                                    let cause = web_sys::window()
                                        .and_then(|w| w.document())
                                        .and_then(|d| {
                                            d.query_selector(".presenter .p-story li.cause")
                                                .ok()
                                                .flatten()
                                        });
                                    if let Some(c) = cause {
                                        c.scroll_into_view_with_bool(false);
                                    }
                                })
                                .forget();
                            }
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
                        if s.goal.is_some() {
                            // Catching up to a jump first (its own loop works on it).
                            return;
                        }
                        let step = (ms * 1_000.0 * SPEEDS[s.speed]) as u64;
                        let t = s.timeline.now().saturating_add_us(step);
                        s.seek(t);
                        if s.timeline.now() >= s.end {
                            s.playing = false;
                            s.said = Some("The run has ended (Home goes back to the start)".into());
                            remember(s);
                        }
                    }
                    update.force_update();
                })
            });
            move || drop(frames)
        });
    }

    // A jump beyond what was simulated: a slice per frame, the picture drawn in between.
    let jumping = matches!(&*state.borrow(), Ok(s) if s.goal.is_some());
    {
        let state = state.clone();
        let update = update.clone();
        use_effect_with(jumping, move |jumping| {
            let frames = jumping.then(|| {
                crate::frames::FrameLoop::start(move |_| {
                    if let Ok(s) = state.borrow_mut().as_mut() {
                        if !std::mem::take(&mut s.sliced) {
                            s.work();
                        }
                        if s.goal.is_none() && !s.playing {
                            remember(s);
                        }
                    }
                    update.force_update();
                })
            });
            move || drop(frames)
        });
    }

    // "Present this" opens at the top of the page. A scenario with schema (de)serializers gets its
    // table from the codec bundles first (the loading state meanwhile), then is presented.
    {
        let state = state.clone();
        let update = update.clone();
        use_effect_with((), move |_| {
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
            let loading = match &*state.borrow() {
                Err(Blocked::Loading(request, bundle)) => Some((request.clone(), *bundle)),
                _ => None,
            };
            if let Some((request, bundle)) = loading {
                crate::codec_worker::ask(bundle, request, move |r| {
                    *state.borrow_mut() = r.map_err(Blocked::Error).and_then(|()| initial());
                    update.force_update();
                });
            }
        });
    }
    let on_copy = {
        let state = state.clone();
        let update = update.clone();
        Callback::from(move |e: MouseEvent| {
            if let Ok(s) = state.borrow_mut().as_mut() {
                copy_link(s, "Link to this state copied");
            }
            // Clicked, not tabbed to: Space and Enter go back to the presenter's keys.
            if let Some(button) = e.target_dyn_into::<web_sys::HtmlElement>() {
                let _ = button.blur();
            }
            update.force_update();
        })
    };

    // A step of the record story seeks there.
    let on_seek = {
        let state = state.clone();
        let update = update.clone();
        Callback::from(move |t: SimTime| {
            if let Ok(s) = state.borrow_mut().as_mut() {
                s.seek(t);
                s.said = Some(format!("story: {}", fmt_time(t)));
                if !s.playing {
                    remember(s);
                }
            }
            update.force_update();
        })
    };

    let guard = state.borrow();
    let s = match &*guard {
        Ok(s) => s,
        Err(Blocked::Error(e)) => {
            return html! {
                <div class="presenter-error">
                    <p class="parse-errors">{ e.clone() }</p>
                    <p><a class="p-exit" href={(*leave_to).clone()} onclick={on_leave.clone()}>{ "Leave" }</a></p>
                </div>
            }
        }
        Err(Blocked::Loading(_, bundle)) => {
            return html! {
                <p class="notice refused presenter-loading">
                    { format!("Loading the {} codec bundle to encode this scenario's values…", bundle.1) }
                </p>
            }
        }
    };
    let sim = s.timeline.sim();
    let snapshot = Rc::new(sim.snapshot());
    let now = sim.now();
    let zk = snapshot.zookeeper;
    let tp = s.selected_tp().map(|t| t.to_string()).unwrap_or_default();
    let p = &snapshot.provenance;
    let pct = |t: SimTime| t.as_us() as f64 * 100.0 / s.end.as_us().max(1) as f64;
    // The latest events first, so the one that just happened is never the one cut off; those of
    // Kafka's internal topics (`__consumer_offsets`) left out, as in a cell's event log.
    let recent: Vec<String> = sim
        .notable_events()
        .filter(|e| e.time <= now)
        .collect::<Vec<_>>()
        .iter()
        .rev()
        .map(|e| (e.time, crate::cluster_view::event_text(&e.kind, zk)))
        .filter(|(_, text)| !text.starts_with("__"))
        .take(5)
        .map(|(t, text)| format!("{} {}", fmt_time(t), crate::cluster_view::short_member_ids(&text)))
        .collect();
    let streams = sim.streams_view();
    let groups = sim.groups();
    let headline = crate::headline::headline(
        sim,
        &snapshot,
        s.end,
        streams.as_ref(),
        &groups,
        crate::headline::Focus::Records,
    );
    // Beats closer than their markers' width take turns above and below the track.
    let marks = s.marks();
    let mut last = [f64::MIN; 2];
    let rows: Vec<usize> = marks
        .iter()
        .map(|b| {
            let x = pct(b.at);
            let row = usize::from(x - last[0] < 3.0 && x - last[1] >= 3.0);
            last[row] = x;
            row
        })
        .collect();
    let done = beats_done(&marks, now);
    // Rounded to the millisecond, as every time the page prints (`fmt_time`).
    let clock_ms = (now.as_us() + 500) / 1_000;
    html! {
        <div class={classes!("presenter", s.light.then_some("light"), s.story.is_some().then_some("with-story"))} tabindex="0" aria-label="Presenter mode: press ? for keys">
            <div class="p-status">
                <span class="p-clock">{ format!("{}.{:03} s", clock_ms / 1000, clock_ms % 1000) }</span>
                <span>{ if s.playing { "▶ playing" } else { "❚❚ paused" } }</span>
                <span>{ format!("speed {}×", SPEEDS[s.speed]) }</span>
                <span>{ format!("selected: broker {} · {tp}", s.broker) }</span>
                <span class={classes!((p.lost > 0).then_some("bad"))}>{ format!("acked {} · lost {} · duplicated {}", p.acknowledged, p.lost, p.duplicated) }</span>
                <span class="p-links">
                    <button class="p-copy" onclick={on_copy}>{ "Copy link" }</button>
                    <a class="p-exit" href={(*leave_to).clone()} onclick={on_leave.clone()}>{ "Leave" }</a>
                </span>
            </div>
            <p class={classes!("p-headline", headline.tone)}>{ headline.text }
                if headline.why.is_some() { <span class="p-why">{ " · W: why?" }</span> }
            </p>
            <div class="p-beats">
                <strong class="p-caption">{ s.caption() }</strong>
                <span class="p-said" role="status" aria-live="polite">{ s.said.clone().unwrap_or_else(|| "Press ? for keys".to_string()) }</span>
                { s.goal.as_ref().map(|g| {
                    let (at, to) = g.progress(&s.timeline);
                    html! {
                        <span class="p-jump">
                            <progress max={to.as_ms().to_string()} value={at.as_ms().to_string()} />
                            { format!(" simulating to {} · Esc stops", fmt_time(to)) }
                        </span>
                    }
                }).unwrap_or_default() }
            </div>
            <div class="p-timeline" aria-label={format!("Timeline: {} of {}, {} beats", fmt_time(now), fmt_time(s.end), marks.len())}>
                <div class="p-track"></div>
                { for marks.iter().enumerate().map(|(i, b)| html! {
                    <span class={classes!("p-beat", (i < done).then_some("done"), (rows[i] == 1).then_some("low"), (!b.scheduled).then_some("live"))} style={format!("left: {:.2}%", pct(b.at))}
                        title={format!("Beat {}: {} at {}", i + 1, b.what, fmt_time(b.at))}>{ i + 1 }</span>
                }) }
                <span class="p-now" style={format!("left: {:.2}%", pct(now))}></span>
                { for ticks(s.end).map(|t| html! { <span class="p-tick" style={format!("left: {:.2}%", pct(t))}>{ fmt_time(t) }</span> }) }
            </div>
            // Many clients: their cards and the wire picture are drawn smaller (style.css).
            <div class={classes!("p-main", (snapshot.producers.len() + snapshot.consumers.len() > 5).then_some("busy"))}>
                <ClusterView snapshot={snapshot.clone()} selected={Some(s.broker)} />
            </div>
            <div class="p-foot">
                // W: the record's story, as of this instant, where the events were (the cluster
                // stays in view as a step's time is clicked).
                if let Some(view) = s.story.and_then(|id| crate::story::story_view(sim, id)) {
                    <div class="p-story" aria-label="Record story">
                        { crate::story::render(&view, &on_seek) }
                        <p class="p-story-hint">{ "W or Esc closes the story · a step's time goes there" }</p>
                    </div>
                } else {
                    <ul class="p-events" aria-label="Latest events, the last first">{ for recent.iter().map(|l| html! { <li>{ l }</li> }) }</ul>
                }
                // A run with consumer groups shows them (owners, committed offsets, lag) instead:
                // the brokers' cards already show each partition's leader and ISR.
                if groups.is_empty() {
                    <pre class="describe">{ sim.describe_topics(true) }</pre>
                } else {
                    { crate::cell::groups_panel(&groups, &snapshot, None) }
                }
                if !s.timeline.injected().is_empty() {
                    <pre class="injected">{ for s.timeline.injected().iter().map(|i| format!("at {} {}\n", i.at, describe_fault(&i.fault))) }</pre>
                }
            </div>
            if s.help {
                <div class="p-help" role="dialog" aria-label="Keys">
                    <h2>{ "Keys" }</h2>
                    { Html::from_html_unchecked(AttrValue::Static(KEYS)) }
                </div>
            }
        </div>
    }
}

/// The timeline's labelled instants: 0, every round step (at most 8 steps), and the end.
fn ticks(end: SimTime) -> impl Iterator<Item = SimTime> {
    let secs = end.as_us() / 1_000_000;
    let step = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]
        .into_iter()
        .find(|s| secs / s <= 8)
        .unwrap_or((secs / 8 / 3600 + 1) * 3600);
    // A round step too close to the end is left out, so the two labels never overlap.
    // A run shorter than a second still gets its 0 s.
    (0..secs.max(1))
        .step_by(step as usize)
        .filter(move |t| *t == 0 || (secs - t) * 16 >= step * 8)
        .map(SimTime::from_secs)
        .chain(std::iter::once(end))
}

/// Writes the state into the address without a navigation, so a reload comes back to it and the
/// address is a link to it.
fn remember(s: &State) {
    let Some(w) = web_sys::window() else { return };
    let fragment = s.fragment();
    if w.location().hash().ok().as_deref() == Some(fragment.as_str()) {
        return;
    }
    if let Ok(history) = w.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&fragment));
    }
}

#[cfg(test)]
mod tests {
    use khafka_sim::SimTime;

    #[test]
    fn member_ids_are_shortened_to_their_last_digits() {
        let text = "group g1: generation 1 is Stable: c1-00000003-0000-4000-8000-000000000001 → [t-0]; c2-00000003-0000-4000-8000-00000000000a → []";
        assert_eq!(
            crate::cluster_view::short_member_ids(text),
            "group g1: generation 1 is Stable: c1-03…0001 → [t-0]; c2-03…000a → []"
        );
        assert_eq!(crate::cluster_view::short_member_ids("crash broker 1"), "crash broker 1");
    }

    #[test]
    fn the_timeline_is_labelled_at_round_instants() {
        let secs = |end: u64| {
            super::ticks(SimTime::from_secs(end))
                .map(|t| t.as_us() / 1_000_000)
                .collect::<Vec<_>>()
        };
        assert_eq!(secs(60), [0, 10, 20, 30, 40, 50, 60]);
        assert_eq!(secs(30), [0, 5, 10, 15, 20, 25, 30]);
        // 3,600 s: every 600 s; 10 s: every 2 s.
        assert_eq!(secs(3600), [0, 600, 1200, 1800, 2400, 3000, 3600]);
        assert_eq!(secs(10), [0, 2, 4, 6, 8, 10]);
        // 62 s: 60 is too close to the end to be labelled beside it.
        assert_eq!(secs(62), [0, 10, 20, 30, 40, 50, 62]);
        // Under a second: its start and its end; 10 hours: every 2 hours.
        let ms = |end_ms: u64| {
            super::ticks(SimTime::from_ms(end_ms))
                .map(|t| t.as_us() / 1_000)
                .collect::<Vec<_>>()
        };
        assert_eq!(ms(500), [0, 500]);
        assert_eq!(secs(36_000), [0, 7_200, 14_400, 21_600, 28_800, 36_000]);
    }

    #[test]
    fn every_broker_of_a_large_cluster_can_be_selected_from_the_keyboard() {
        let src = "cluster brokers=12\ntopic t partitions=1 replication.factor=3\nrun 5s\n";
        let mut s = super::State::new(src).unwrap_or_else(|_| panic!("the scenario presents"));
        assert_eq!(s.key("0").as_deref(), Some("0: selected broker 10"));
        assert_eq!(s.key("]").as_deref(), Some("]: selected broker 11"));
        s.key("]");
        assert_eq!(s.key("]").as_deref(), Some("]: selected broker 1"));
        assert_eq!(s.key("[").as_deref(), Some("[: selected broker 12"));
        assert_eq!(s.key("9").as_deref(), Some("9: selected broker 9"));
    }

    /// N on a broker that is down cuts it off and says it will come back cut off; R then says it
    /// is still cut off, and the broker runs isolated.
    #[test]
    fn a_down_broker_cut_off_comes_back_cut_off_and_the_keys_say_so() {
        let src = "cluster brokers=3\ntopic t partitions=1 replication.factor=3\nat 1s crash broker 1\nrun 10s\n";
        let mut s = super::State::new(src).unwrap_or_else(|_| panic!("the scenario presents"));
        s.timeline.seek(SimTime::from_secs(2));
        assert!(!s.broker_running(1));
        assert_eq!(
            s.key("n").as_deref(),
            Some("N: broker 1 (down) cut off the network: R restarts it cut off; N again puts it back")
        );
        assert_eq!(
            s.key("r").as_deref(),
            Some("R: restarted broker 1, still cut off the network (N puts it back)")
        );
        let node = khafka_sim::spec::NodeRef::Broker(1);
        assert!(s.broker_running(1) && s.timeline.sim().isolated_nodes().contains(&node));
        assert_eq!(
            s.key("n").as_deref(),
            Some("N: broker 1 is back on the network (other cuts kept)")
        );
    }
}
