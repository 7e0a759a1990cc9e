//! A live cell: an editable scenario, Run / Reset / Step, a scrubber over the run, the cluster view,
//! Kafka's describe view, the provenance counts and the `expect` badges.
//!
//! The cell owns a [`Timeline`] (checkpoints plus replay), so seeking anywhere is a restore and a short
//! replay. Buttons inject faults at the current instant; each becomes a scenario line shown under the
//! controls, so what was done live can be replayed exactly.

use crate::advance::{Goal, SLICE_MS};
use crate::chart::Chart;
use crate::cluster_view::{fmt_time, ClusterView};
use crate::compare::RunSummary;
use crate::panic_banner::remember_scenario;
pub(crate) use crate::saved::{exercise_panel, load_saved, save, storage_key};
use crate::share::{self, Shared};
use crate::show::{Part, Show, CHART_KINDS};
use crate::story::StoryView;
use gloo::storage::{LocalStorage, Storage};
use khafka_scenario::{parse, ParseError, Scenario};
use khafka_sim::sim::describe_fault;
use khafka_sim::spec::{BrokerRef, Fault};
use khafka_sim::{SimOptions, SimTime, Timeline};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Playback speeds, 0.1× to 100× simulated per real time.
const SPEEDS: &[f64] = &[0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0];

#[derive(Properties, PartialEq)]
pub struct CellProps {
    /// Stable id (lesson slug and cell number) under which edits are saved.
    pub id: AttrValue,
    /// The scenario as the lesson wrote it.
    pub source: AttrValue,
    /// A state opened from a share link: run it, replay its actions, go to its instant.
    #[prop_or_default]
    pub shared: Option<Rc<Shared>>,
    /// The cells this one continues (```` ```khafka continue ````), earliest first, as `(id, original
    /// source)`: their scenarios — as the reader left them, edits included — run first, and this
    /// cell's lines add to them.
    #[prop_or_default]
    pub continues: Vec<(AttrValue, AttrValue)>,
    /// Knobs declared in the fence (```` knob=acks:0,1,all ````): each rewrites `key=value` in the
    /// scenario and re-runs.
    #[prop_or_default]
    pub knobs: Vec<Knob>,
    /// What the output shows under its headline (```` show=cluster,chart:lost ````); the rest is
    /// under "Details".
    #[prop_or_default]
    pub show: Show,
    /// Where a share link of this cell opens: the page's route and the cell's number on it (a
    /// lesson cell); `None` for the playground.
    #[prop_or_default]
    pub link_to: Option<(AttrValue, usize)>,
    /// A graded exercise (```` ```khafka exercise ````): the cell's own `expect` lines are the goal.
    #[prop_or_default]
    pub exercise: Option<Rc<Exercise>>,
}

/// A graded exercise: the lesson's `expect` lines are the goal, checked on the reader's run at its
/// end; the reference solution (the ```` ```khafka solution ```` block after the cell) is shown on
/// request.
#[derive(Debug, PartialEq)]
pub struct Exercise {
    /// The goal: the `expect` lines of the lesson's version of the cell (edits do not change it).
    pub goal: Vec<khafka_scenario::Expect>,
    pub solution: Option<String>,
    /// The lines the brief says to leave alone (```` keep=producer,at ````), by first word, and
    /// the lesson's text they are compared with.
    pub keep: Vec<String>,
    original: String,
}

impl Exercise {
    pub fn new(source: &str, solution: Option<String>, keep: Vec<String>) -> Exercise {
        Exercise {
            goal: parse(source).map(|s| s.expects).unwrap_or_default(),
            solution,
            keep,
            original: source.to_string(),
        }
    }

    /// The first kept line's keyword whose lines the reader changed (`None`: all kept).
    fn changed_kept(&self, source: &str) -> Option<&str> {
        khafka_scenario::changed_kept_lines(&self.original, source, &self.keep)
    }

    /// Each goal line's result on this run at its end: `(passed, actual value)`.
    fn grade(&self, sim: &khafka_sim::Sim) -> Vec<(bool, String)> {
        let outcome = sim.snapshot().outcome(sim);
        self.goal
            .iter()
            .map(|e| {
                let r = e.evaluate(&outcome);
                (r.passed, r.actual)
            })
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Knob {
    pub key: String,
    pub choices: Vec<String>,
}

impl Knob {
    /// Parses `acks:0,1,all` or `replication.factor:1..3`.
    pub fn parse(spec: &str) -> Option<Knob> {
        let (key, values) = spec.split_once(':')?;
        let choices: Vec<String> = match values.split_once("..") {
            Some((lo, hi)) => {
                let (lo, hi): (u32, u32) = (lo.parse().ok()?, hi.parse().ok()?);
                (lo..=hi.min(lo + 50)).map(|v| v.to_string()).collect()
            }
            None => values.split(',').map(str::to_string).collect(),
        };
        (!key.is_empty() && !choices.is_empty()).then(|| Knob {
            key: key.to_string(),
            choices,
        })
    }
}

/// The value `key=` has in `source` (first occurrence), if any.
fn knob_value(source: &str, key: &str) -> Option<String> {
    let pat = format!("{key}=");
    source
        .split_whitespace()
        .find_map(|tok| tok.strip_prefix(&pat).map(str::to_string))
}

/// Every value `key=` has in `source`, each once, in order of appearance.
fn knob_values(source: &str, key: &str) -> Vec<String> {
    let pat = format!("{key}=");
    let mut out: Vec<String> = Vec::new();
    for v in source
        .split_whitespace()
        .filter_map(|tok| tok.strip_prefix(&pat))
    {
        if !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    // A topic line without the setting takes the cluster line's (the broker default a topic
    // config overrides): not a default of its own.
    let inherited = knob_line(key) == Some("topic")
        && source
            .lines()
            .any(|l| l.split_whitespace().next() == Some("cluster") && sets_knob(l, key));
    // A line the setting belongs on that leaves it at its default, beside lines that set it.
    if !out.is_empty() && !inherited && source.lines().any(|l| lacks_knob(l, key)) {
        out.push("(default)".to_string());
    }
    out
}

/// What a knob's menu shows when the scenario's value is not one of its choices: `(default)`
/// when unset, the value when the menu does not offer it, every value when lines differ (a
/// choice then sets them all). `None`: the one value is a choice, shown selected.
fn knob_placeholder(values: &[String], choices: &[String]) -> Option<String> {
    match values {
        [] => Some("(default)".to_string()),
        [one] if choices.contains(one) => None,
        [one] => Some(format!("{one} (not offered)")),
        many => Some(format!("mixed: {}", many.join(", "))),
    }
}

/// Whether a knob's `value` cannot run on `source`: a replication factor above the cluster's
/// broker count (`cluster brokers=N`), which Kafka refuses when it creates the topic.
fn knob_refuses(source: &str, key: &str, value: &str) -> bool {
    let brokers = knob_value(source, "brokers").and_then(|b| b.parse::<u32>().ok());
    key == "replication.factor"
        && brokers
            .zip(value.parse::<u32>().ok())
            .is_some_and(|(b, rf)| rf > b)
}

/// The scenario lines a knob's setting belongs on when the scenario does not set it yet (the
/// keyword their first word is), for the settings knobs offer.
fn knob_line(key: &str) -> Option<&'static str> {
    match key {
        "acks" | "enable.idempotence" | "max.in.flight.requests.per.connection" | "retries" => {
            Some("producer")
        }
        "replication.factor" | "min.insync.replicas" | "unclean.leader.election.enable" => {
            Some("topic")
        }
        _ => None,
    }
}

/// Whether `line` is one the setting `key` belongs on (`knob_line`) and does not set it.
fn lacks_knob(line: &str, key: &str) -> bool {
    knob_line(key).is_some_and(|k| line.split_whitespace().next() == Some(k))
        && !sets_knob(line, key)
}

/// Whether `line` sets `key` (a `key=…` token before any comment).
fn sets_knob(line: &str, key: &str) -> bool {
    let pat = format!("{key}=");
    line.split('#')
        .next()
        .is_some_and(|code| code.split_whitespace().any(|t| t.starts_with(&pat)))
}

/// Whether `source` is `original` with only its knobs moved: each knob's one value in `source`
/// set on `original` gives `source` back. Picking a knob is what a lesson asks for, not an edit.
fn knobs_only(original: &str, source: &str, knobs: &[Knob]) -> bool {
    let mut text = original.to_string();
    for k in knobs {
        if let [v] = knob_values(source, &k.key).as_slice() {
            if knob_values(original, &k.key).first() != Some(v) {
                text = set_knob(&text, &k.key, v);
            }
        }
    }
    text == source
}

/// `source` with every `key=…` token set to `key=value`, and `key=value` added to the lines the
/// setting belongs on that do not set it (every producer line for `acks`).
fn set_knob(source: &str, key: &str, value: &str) -> String {
    let with = source
        .split_inclusive('\n')
        .map(|line| {
            if !lacks_knob(line, key) {
                return line.to_string();
            }
            let body = line.trim_end_matches(['\n', '\r']);
            let (code, comment) = match body.find('#') {
                Some(i) => (&body[..i], &body[i..]),
                None => (body, ""),
            };
            let sep = if comment.is_empty() { "" } else { " " };
            format!(
                "{} {key}={value}{sep}{comment}{}",
                code.trim_end(),
                &line[body.len()..]
            )
        })
        .collect::<String>();
    set_knob_tokens(&with, key, value)
}

/// `source` with every `key=…` token set to `key=value`.
fn set_knob_tokens(source: &str, key: &str, value: &str) -> String {
    let pat = format!("{key}=");
    source
        .split_inclusive('\n')
        .map(|line| {
            let mut out = String::new();
            let mut rest = line;
            while let Some(i) = rest.find(&pat) {
                let starts_token = i == 0 || rest[..i].ends_with(char::is_whitespace);
                out.push_str(&rest[..i + pat.len()]);
                rest = &rest[i + pat.len()..];
                if starts_token {
                    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    out.push_str(value);
                    rest = &rest[end..];
                }
            }
            out.push_str(rest);
            out
        })
        .collect()
}

/// The scenario with the actions injected live appended as scheduled lines.
fn with_live_actions(source: &str, run: Option<&Run>) -> String {
    let mut text = source.to_string();
    if let Some(r) = run {
        if !r.timeline.injected().is_empty() {
            text.push_str("\n# Actions injected live:\n");
            for s in r.timeline.injected() {
                text.push_str(&format!("at {} {}\n", s.at, describe_fault(&s.fault)));
            }
        }
    }
    text
}

/// The window event an edit in any cell sends (cells that continue another listen).
const EDITED: &str = "khafka-cell-edited";

/// Asks codec bundle `bundle` to encode a scenario's values (`request`), then dispatches `next()`
/// through the cell's dispatcher (`again`); a bundle that cannot answer says why (`refused`).
fn encode_then(
    bundle: (&'static str, &'static str),
    request: String,
    again: &Rc<RefCell<Option<Callback<Action>>>>,
    refused: &UseStateHandle<Option<String>>,
    next: impl Fn() -> Action + 'static,
) {
    let (again, refused) = (again.clone(), refused.clone());
    crate::codec_worker::ask(bundle, request, move |r| match r {
        Ok(()) => {
            if let Some(d) = again.borrow().as_ref() {
                d.emit(next());
            }
        }
        Err(why) => refused.set(Some(why)),
    });
}

/// Tells the cells that continue another that cell `id`'s text changed ([`EDITED`]).
fn announce_edit(id: &str) {
    if let Some(w) = web_sys::window() {
        let init = web_sys::CustomEventInit::new();
        init.set_detail(&id.into());
        if let Ok(e) = web_sys::CustomEvent::new_with_event_init_dict(EDITED, &init) {
            let _ = w.dispatch_event(&e);
        }
    }
}

/// The scenario a continuing cell starts from: the cells it continues as the reader left them.
fn current_prelude(chain: &[(AttrValue, AttrValue)]) -> String {
    if chain.is_empty() {
        return String::new();
    }
    let text: Vec<String> = chain
        .iter()
        .map(|(id, original)| load_saved(id).0.unwrap_or_else(|| original.to_string()))
        .collect();
    khafka_scenario::continuation_prelude(&text.join("\n"))
}

struct Run {
    scenario: Rc<Scenario>,
    timeline: Timeline,
}

/// A run being built in slices (`advance`), and where it must get to.
struct Build {
    run: Run,
    goal: Goal,
    /// The goal was reached in a slice: the next one hands the run over
    /// ([`Build::slice_then_hand_over`]).
    reached: bool,
}

impl Build {
    fn new(run: Run, goal: Goal) -> Build {
        Build {
            run,
            goal,
            reached: false,
        }
    }

    /// Build `run` to its end.
    fn to_end(run: Run) -> Build {
        let goal = Goal::to(run.scenario.spec.run_for);
        Build::new(run, goal)
    }

    /// Works on the build for one slice; the run, once it reached its goal.
    fn slice(slot: &mut Option<Build>) -> Option<Run> {
        let b = slot.as_mut()?;
        if b.goal.advance(&mut b.run.timeline, SLICE_MS) {
            slot.take().map(|b| b.run)
        } else {
            None
        }
    }

    /// [`Build::slice`], but a run that reaches its goal is handed over by the next slice: the
    /// last slice and the render of a long run's results (its charts and verdicts read every
    /// record) are two tasks, not one that blocks the page for both.
    fn slice_then_hand_over(slot: &mut Option<Build>) -> Option<Run> {
        let b = slot.as_mut()?;
        if b.reached {
            return slot.take().map(|b| b.run);
        }
        b.reached = b.goal.advance(&mut b.run.timeline, SLICE_MS);
        None
    }

    fn progress(&self) -> Progress {
        let (now, end) = self.goal.progress(&self.run.timeline);
        Progress {
            now,
            end,
            // Another text once reached, so the progress changes and the next slice is scheduled.
            what: if self.reached {
                "Drawing the result:"
            } else {
                "Running:"
            }
            .into(),
        }
    }
}

/// A knob's values run side by side: `(label, figures or why the scenario did not run)`.
pub struct Sweep {
    key: String,
    runs: Vec<(String, Result<RunSummary, String>)>,
}

/// Small multiples being built in slices: one run per knob value, one after another.
struct SweepBuild {
    key: String,
    /// `(label, scenario text)` not started yet.
    todo: std::collections::VecDeque<(String, String)>,
    current: Option<(String, Build)>,
    done: Vec<(String, Result<RunSummary, String>)>,
    total: usize,
}

impl SweepBuild {
    /// Works for one slice; the finished sweep once every value ran.
    fn slice(&mut self) -> Option<Sweep> {
        let started = crate::advance::wall_ms();
        loop {
            if self.current.is_none() {
                let Some((label, text)) = self.todo.pop_front() else {
                    return Some(Sweep {
                        key: self.key.clone(),
                        runs: std::mem::take(&mut self.done),
                    });
                };
                match prepare(&text, &[]) {
                    Ok(run) => self.current = Some((label, Build::to_end(run))),
                    Err(e) => self.done.push((label, Err(e.short()))),
                }
                continue;
            }
            let left = SLICE_MS - (crate::advance::wall_ms() - started);
            if left <= 0.0 {
                return None;
            }
            let Some((label, b)) = self.current.as_mut() else {
                continue;
            };
            if !b.goal.advance(&mut b.run.timeline, left) {
                return None;
            }
            let sim = b.run.timeline.sim();
            let summary = RunSummary::of(sim, &sim.snapshot(), label.clone(), None);
            self.done.push((label.clone(), Ok(summary)));
            self.current = None;
        }
    }

    fn progress(&self) -> Progress {
        let (now, end) = self
            .current
            .as_ref()
            .map_or((SimTime::ZERO, SimTime::ZERO), |(_, b)| {
                b.goal.progress(&b.run.timeline)
            });
        let label = self.current.as_ref().map_or("", |(l, _)| l.as_str());
        Progress {
            now,
            end,
            what: format!(
                "Running {label} ({} of {}):",
                self.done.len() + 1,
                self.total
            ),
        }
    }
}

/// A run (or small multiples) being built: how far, shown with Cancel.
#[derive(Clone, PartialEq)]
struct Progress {
    now: SimTime,
    end: SimTime,
    what: String,
}

pub enum Action {
    Edit(String),
    Run,
    OpenShared(Rc<Shared>),
    CopyLink,
    /// Open the story of a record (or close it).
    Story(Option<u64>),
    /// Keep this run's figures to compare the next runs with; `false` forgets them.
    Pin(bool),
    /// Run the scenario once for every value of a knob (same seed, same faults) and show the
    /// figures side by side; `None` closes them.
    Sweep(Option<String>),
    Knob(String, String),
    Filter(u8),
    Play,
    Speed(i32),
    ToggleCharts,
    DownloadScenario,
    DownloadTrace,
    Reset,
    Seek(SimTime),
    Step(u64),
    /// Open this scenario (with the actions injected so far) in presenter mode.
    Present,
    /// Run on to the next notable event (a fault, an election, an ISR change, an error, …).
    NextEvent,
    /// Build the next slice of a run or of small multiples (`crate::advance`).
    Slice,
    /// Stop building a long run.
    Cancel,
    Inject(Fault),
}

/// The cell "Present this" was pressed in (a session storage key, its id): the presenter's Leave
/// comes back to its page, and the cell is brought into view.
pub const RETURN_KEY: &str = "khafka-return-to-cell";

#[function_component(Cell)]
pub fn cell(props: &CellProps) -> Html {
    let id = props.id.to_string();
    let original = props.source.to_string();
    let shared = props.shared.clone();
    let chain = props.continues.clone();
    let (saved, notice) = {
        let id = id.clone();
        let from_link = shared.is_some();
        let loaded = use_memo((), move |_| {
            if from_link {
                (None, None)
            } else {
                load_saved(&id)
            }
        });
        (*loaded).clone()
    };
    let source = {
        let original = original.clone();
        let initial = shared
            .as_ref()
            .map(|s| s.own.clone().unwrap_or_else(|| s.source.clone()));
        use_state(move || initial.or(saved).unwrap_or(original))
    };
    let errors = use_state(Vec::<ParseError>::new);
    // Why the last Run was refused (too large for a tab), shown instead of a result.
    let refused = use_state(|| None::<String>);
    let run: Rc<RefCell<Option<Run>>> = use_mut_ref(|| None);
    // The cell's own text as it was when the run shown (or being built) started: an edit after it
    // leaves the result the previous text's, and the cell says so.
    let ran_text: Rc<RefCell<Option<String>>> = use_mut_ref(|| None);
    // And the cells it continues, as they were then (`None`: a shared state's, or none).
    let ran_prelude: Rc<RefCell<Option<String>>> = use_mut_ref(|| None);
    // Whether a cell it continues changed since that run: an edit of a cell in its chain asks
    // (a window event), and the cell renders again only when the answer changes.
    let prelude_stale = use_state_eq(|| false);
    {
        let chain = props.continues.clone();
        let ran_prelude = ran_prelude.clone();
        let prelude_stale = prelude_stale.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().filter(|_| !chain.is_empty()).map(|w| {
                gloo::events::EventListener::new(&w, EDITED, move |e| {
                    let edited = wasm_bindgen::JsCast::dyn_ref::<web_sys::CustomEvent>(e)
                        .and_then(|e| e.detail().as_string());
                    if edited.is_some_and(|id| chain.iter().any(|(c, _)| c.as_str() == id)) {
                        let ran = ran_prelude.borrow();
                        prelude_stale.set(ran.as_deref().is_some_and(|p| {
                            !khafka_scenario::same_statements(p, &current_prelude(&chain))
                        }));
                    }
                })
            });
            move || drop(listener)
        });
    }
    // A run being built in slices, and how far it got: `(now, end)`.
    let building: Rc<RefCell<Option<Build>>> = use_mut_ref(|| None);
    let progress = use_state(|| None::<Progress>);
    let sweeping: Rc<RefCell<Option<SweepBuild>>> = use_mut_ref(|| None);
    // Codec bundles asked for the comparison being started (a bound: one per knob value).
    let sweep_asks = use_mut_ref(|| 0usize);
    let cancelled = use_state(|| None::<String>);
    let link = use_state(|| None::<String>);
    // The record picked, and its story as it was when picked (kept while the reader seeks through
    // its steps).
    let story = use_state(|| None::<(u64, Option<Rc<StoryView>>)>);
    let pinned = use_state(|| None::<Rc<RunSummary>>);
    let sweep = use_state(|| None::<Rc<Sweep>>);
    // Events of Kafka's internal topics (`__consumer_offsets`'s fifty partitions) bury those of the
    // cell's own topics: off until asked for.
    let filters = use_state(|| !INTERNAL);
    let playing = use_state(|| false);
    let show_charts = use_state(|| false);
    let speed = use_state(|| 3usize);
    let reader = use_mut_ref(|| None::<gloo::file::callbacks::FileReader>);
    let tick = use_state(|| 0u32);
    // An exercise's grade on the current run, once it reached its end (`None`: not graded yet).
    let grade = use_mut_ref(|| None::<Vec<(bool, String)>>);
    // The dispatcher itself, for a run that waits for a codec bundle to run again.
    let again: Rc<RefCell<Option<Callback<Action>>>> = use_mut_ref(|| None);

    let dispatch = {
        let again = again.clone();
        let source = source.clone();
        let errors = errors.clone();
        let refused = refused.clone();
        let run = run.clone();
        let ran_text = ran_text.clone();
        let ran_prelude = ran_prelude.clone();
        let prelude_stale = prelude_stale.clone();
        let building = building.clone();
        let progress = progress.clone();
        let sweeping = sweeping.clone();
        let cancelled = cancelled.clone();
        let tick = tick.clone();
        let id = id.clone();
        let original = original.clone();
        let link = link.clone();
        let story = story.clone();
        let pinned = pinned.clone();
        let sweep = sweep.clone();
        let sweep_asks = sweep_asks.clone();
        let link_to = props.link_to.clone();
        let knobs = props.knobs.clone();
        let filters = filters.clone();
        let playing = playing.clone();
        let speed = speed.clone();
        let show_charts = show_charts.clone();
        let chain = chain.clone();
        let grade = grade.clone();
        let exercise = props.exercise.clone();
        Callback::from(move |action: Action| {
            // An exercise's goal is measured on every run, whatever the reader's text asks.
            let goal = exercise.as_ref().map_or(&[][..], |e| e.goal.as_slice());
            // Read when used: the reader may have edited the cells this one continues.
            let prelude = current_prelude(&chain);
            let prelude_len = prelude.lines().count() as u32;
            let full = |src: &str| format!("{prelude}{src}");
            // A story belongs to the run it was taken from; a grade too, and the run to the text it
            // was made from.
            let new_run = matches!(
                action,
                Action::Reset
                    | Action::Knob(..)
                    | Action::Run
                    | Action::OpenShared(_)
                    | Action::Inject(_)
            );
            if new_run {
                story.set(None);
            }
            if new_run || matches!(action, Action::Edit(_)) {
                *grade.borrow_mut() = None;
            }
            // "Compare every … value" was run from the text as it was: stale once it changes.
            if matches!(
                action,
                Action::Edit(_) | Action::Reset | Action::Knob(..) | Action::OpenShared(_)
            ) {
                sweep.set(None);
                if sweeping.borrow_mut().take().is_some() {
                    progress.set(None);
                }
            }
            match action {
                Action::Edit(text) => {
                    save(&id, &text);
                    source.set(text);
                    announce_edit(&id);
                    return;
                }
                Action::Reset => {
                    let _ = LocalStorage::raw().remove_item(&storage_key(&id));
                    source.set(original.clone());
                    announce_edit(&id);
                    errors.set(Vec::new());
                    *run.borrow_mut() = None;
                }
                Action::Knob(..) | Action::Run | Action::OpenShared(_) => {
                    // Once the codecs' table is in: a shared state again, else this cell's text.
                    let shared = match &action {
                        Action::OpenShared(sh) => Some(sh.clone()),
                        _ => None,
                    };
                    *ran_prelude.borrow_mut() = shared.is_none().then(|| prelude.clone());
                    prelude_stale.set(false);
                    // A shared state is opened at its own instant; a new run is built to its end.
                    let outcome = match action {
                        Action::Knob(key, value) => {
                            let text = set_knob(&source, &key, &value);
                            save(&id, &text);
                            announce_edit(&id);
                            source.set(text.clone());
                            *run.borrow_mut() = None;
                            *ran_text.borrow_mut() = Some(text.clone());
                            prepare(&full(&text), goal).map(Build::to_end)
                        }
                        Action::OpenShared(sh) => {
                            remember_scenario(&sh.source);
                            *run.borrow_mut() = None;
                            // The cell's own part of the shared state, as the cell shows it.
                            *ran_text.borrow_mut() =
                                Some(sh.own.clone().unwrap_or_else(|| sh.source.clone()));
                            open_shared(&sh, goal)
                        }
                        _ => {
                            remember_scenario(&full(&source));
                            // The previous run is freed before the next one is built.
                            *run.borrow_mut() = None;
                            *ran_text.borrow_mut() = Some((*source).clone());
                            prepare(&full(&source), goal).map(Build::to_end)
                        }
                    };
                    // A run being built is dropped for the new one.
                    *building.borrow_mut() = None;
                    progress.set(None);
                    cancelled.set(None);
                    match outcome {
                        Ok(b) => {
                            errors.set(Vec::new());
                            refused.set(None);
                            // The first slice at once: a lesson-sized run is done within it.
                            let mut slot = Some(b);
                            match Build::slice(&mut slot) {
                                Some(r) => *run.borrow_mut() = Some(r),
                                None => {
                                    progress.set(slot.as_ref().map(Build::progress));
                                    *building.borrow_mut() = slot;
                                }
                            }
                        }
                        Err(NotRun::Errors(errs)) => {
                            errors.set(shift_lines(errs, prelude_len));
                            refused.set(None);
                        }
                        Err(NotRun::TooLarge(why)) | Err(NotRun::Codecs(Err(why))) => {
                            errors.set(Vec::new());
                            refused.set(Some(why));
                        }
                        Err(NotRun::Codecs(Ok((request, bundle)))) => {
                            // Encoded once by a codec bundle, then run again.
                            errors.set(Vec::new());
                            refused.set(Some(format!(
                                "Loading the {} codec bundle to encode this scenario's values…",
                                bundle.1
                            )));
                            encode_then(bundle, request, &again, &refused, move || {
                                shared.clone().map_or(Action::Run, Action::OpenShared)
                            });
                        }
                    }
                }
                Action::Slice => {
                    // About 20 ms of simulating, then the page draws (the next slice is scheduled
                    // after the render).
                    let mut slot = building.borrow_mut();
                    if slot.is_some() {
                        match Build::slice_then_hand_over(&mut slot) {
                            Some(r) => {
                                *run.borrow_mut() = Some(r);
                                progress.set(None);
                            }
                            None => progress.set(slot.as_ref().map(Build::progress)),
                        }
                    } else if let Some(sb) = sweeping.borrow_mut().as_mut() {
                        match sb.slice() {
                            Some(sw) => {
                                sweep.set(Some(Rc::new(sw)));
                                progress.set(None);
                            }
                            None => progress.set(Some(sb.progress())),
                        }
                    }
                    if progress.is_none() {
                        *sweeping.borrow_mut() = None;
                    }
                }
                Action::Cancel => {
                    let taken = building.borrow_mut().take();
                    match taken {
                        // Finished, only not drawn yet: kept rather than thrown away.
                        Some(b) if b.reached => *run.borrow_mut() = Some(b.run),
                        Some(b) => {
                            let p = b.progress();
                            cancelled.set(Some(format!(
                                "Cancelled at {} of {} simulated. Run starts it again.",
                                fmt_time(p.now),
                                fmt_time(p.end)
                            )));
                        }
                        None => {}
                    }
                    *sweeping.borrow_mut() = None;
                    progress.set(None);
                }
                Action::CopyLink => {
                    if let Some(r) = run.borrow().as_ref() {
                        let fragment = match &link_to {
                            Some((route, i)) => share::fragment_at(
                                route,
                                Some((*i, &source)),
                                &full(&source),
                                r.timeline.injected(),
                                r.timeline.now(),
                            ),
                            None => share::fragment(
                                &full(&source),
                                r.timeline.injected(),
                                r.timeline.now(),
                            ),
                        };
                        let url = web_sys::window()
                            .map(|w| {
                                let loc = w.location();
                                format!(
                                    "{}{}{fragment}",
                                    loc.origin().unwrap_or_default(),
                                    loc.pathname().unwrap_or_default()
                                )
                            })
                            .unwrap_or(fragment);
                        copy_to_clipboard(&url);
                        link.set(Some(url));
                    }
                }
                Action::Story(id) => {
                    let view = id.and_then(|id| {
                        run.borrow()
                            .as_ref()
                            .and_then(|r| crate::story::story_view(r.timeline.sim(), id))
                            .map(Rc::new)
                    });
                    story.set(id.map(|id| (id, view)));
                }
                Action::Sweep(None) => sweep.set(None),
                Action::Sweep(Some(key)) => {
                    let choices = knobs
                        .iter()
                        .find(|k| k.key == key)
                        .map(|k| k.choices.clone())
                        .unwrap_or_default();
                    let todo: std::collections::VecDeque<(String, String)> = choices
                        .iter()
                        .filter(|value| !knob_refuses(&source, &key, value))
                        .map(|value| {
                            let label = format!("{key}={value}");
                            (label, full(&set_knob(&source, &key, value)))
                        })
                        .collect();
                    // Each value's schemas are encoded by a codec bundle first (once per text),
                    // then the comparison starts again; at most once per value.
                    let needs = todo
                        .iter()
                        .find_map(|(_, text)| match parse_within_budget(text) {
                            Err(NotRun::Codecs(Ok(needed))) => Some(needed),
                            _ => None,
                        });
                    let asked = *sweep_asks.borrow();
                    if let Some((request, bundle)) = needs.filter(|_| asked < todo.len()) {
                        *sweep_asks.borrow_mut() = asked + 1;
                        progress.set(Some(Progress {
                            now: SimTime::ZERO,
                            end: SimTime::ZERO,
                            what: format!(
                                "Encoding each {key} value's schemas with the {} codec bundle…",
                                bundle.1
                            ),
                        }));
                        encode_then(bundle, request, &again, &refused, move || {
                            Action::Sweep(Some(key.clone()))
                        });
                        return;
                    }
                    *sweep_asks.borrow_mut() = 0;
                    let mut sb = SweepBuild {
                        key,
                        total: todo.len(),
                        todo,
                        current: None,
                        done: Vec::new(),
                    };
                    sweep.set(None);
                    match sb.slice() {
                        Some(sw) => {
                            sweep.set(Some(Rc::new(sw)));
                            *sweeping.borrow_mut() = None;
                            progress.set(None);
                        }
                        None => {
                            progress.set(Some(sb.progress()));
                            *sweeping.borrow_mut() = Some(sb);
                        }
                    }
                }
                Action::Pin(on) => {
                    let summary = on
                        .then(|| {
                            run.borrow().as_ref().map(|r| {
                                let sim = r.timeline.sim();
                                Rc::new(RunSummary::of(
                                    sim,
                                    &sim.snapshot(),
                                    run_label(&knobs, &source),
                                    None,
                                ))
                            })
                        })
                        .flatten();
                    pinned.set(summary);
                }
                Action::Filter(bit) => filters.set(*filters ^ bit),
                Action::ToggleCharts => show_charts.set(!*show_charts),
                Action::Play => {
                    let at_end = run
                        .borrow()
                        .as_ref()
                        .is_some_and(|r| r.timeline.now() >= r.scenario.spec.run_for);
                    if at_end && !*playing {
                        if let Some(r) = run.borrow_mut().as_mut() {
                            r.timeline.seek(SimTime::ZERO);
                        }
                    }
                    playing.set(!*playing);
                }
                Action::Speed(d) => {
                    let i = (*speed as i32 + d).clamp(0, SPEEDS.len() as i32 - 1);
                    speed.set(i as usize);
                }
                Action::DownloadScenario => {
                    let text = with_live_actions(&full(&source), run.borrow().as_ref());
                    download("scenario.khafka", "text/plain", &text);
                }
                Action::Present => {
                    // Live actions become scheduled faults: the presenter's beats.
                    let text = with_live_actions(&full(&source), run.borrow().as_ref());
                    // At the instant the reader is on (from the start once the run has ended).
                    let at = run
                        .borrow()
                        .as_ref()
                        .map(|r| (r.timeline.now(), r.scenario.spec.run_for))
                        .filter(|(t, end)| t < end)
                        .map_or(String::new(), |(t, _)| format!("&t={}", t.as_us()));
                    if let Some(w) = web_sys::window() {
                        let s = share::encode(text.as_bytes());
                        // The presenter's Leave comes back here.
                        if let (Ok(from), Ok(Some(store))) =
                            (w.location().hash(), w.session_storage())
                        {
                            let _ =
                                store.set_item(crate::share::FROM_KEY, &format!("{from}\n{s}"));
                            // And to this cell on that page.
                            let _ = store.set_item(RETURN_KEY, &id);
                        }
                        let _ = w.location().set_hash(&format!("/presenter?s={s}{at}"));
                    }
                }
                Action::DownloadTrace => {
                    if let Some(r) = run.borrow().as_ref() {
                        // Every event is kept and written out at once: bounded, like a run.
                        let events = r.timeline.sim().events_processed();
                        if events > MAX_TRACE_EVENTS {
                            cancelled.set(Some(format!(
                                "The trace of this run has {events} events, more than the {MAX_TRACE_EVENTS} this page exports. Export the scenario (.khafka) and run `khafka run FILE --trace trace.jsonl`."
                            )));
                        } else {
                            download("trace.jsonl", "application/json", &full_trace(r));
                        }
                    }
                }
                Action::Seek(t) => {
                    if let Some(r) = run.borrow_mut().as_mut() {
                        let t = t.min(r.scenario.spec.run_for);
                        r.timeline.seek(t);
                    }
                }
                Action::Step(us) => {
                    if let Some(r) = run.borrow_mut().as_mut() {
                        let t = r
                            .timeline
                            .now()
                            .saturating_add_us(us)
                            .min(r.scenario.spec.run_for);
                        r.timeline.seek(t);
                        if t >= r.scenario.spec.run_for {
                            playing.set(false);
                        }
                    }
                }
                Action::NextEvent => {
                    if let Some(r) = run.borrow_mut().as_mut() {
                        let end = r.scenario.spec.run_for;
                        let shown = *filters;
                        // The first event after index `from` that the event filters show.
                        let next_shown = |sim: &khafka_sim::Sim, from: usize| {
                            sim.notable_events()
                                .skip(from)
                                .find_map(|e| shown_text(&e.kind, shown, false).map(|_| e.time))
                        };
                        let seen = r.timeline.sim().notable_events().len();
                        let mut t = r.timeline.now();
                        // Run on in 10 ms slices until a shown event happens, then land on it.
                        while t < end && next_shown(r.timeline.sim(), seen).is_none() {
                            t = t.saturating_add_us(10_000).min(end);
                            r.timeline.seek(t);
                        }
                        if let Some(at) = next_shown(r.timeline.sim(), seen) {
                            if at < t {
                                r.timeline.seek(at);
                            }
                        }
                    }
                }
                Action::Inject(fault) => {
                    if let Some(r) = run.borrow_mut().as_mut() {
                        r.timeline.inject(fault);
                        // Let the fault take effect (it runs at this instant) so the picture changes.
                        let t = r.timeline.now();
                        r.timeline.seek(t);
                    }
                }
            }
            tick.set(*tick + 1);
        })
    };
    *again.borrow_mut() = Some(dispatch.clone());

    // Playback: every frame, advance by the frame time × speed.
    {
        let dispatch = dispatch.clone();
        use_effect_with((*playing, *speed), move |(playing, speed)| {
            let rate = SPEEDS[*speed];
            let frames = playing.then(|| {
                crate::frames::FrameLoop::start(move |ms| {
                    let step_us = (ms * 1_000.0 * rate) as u64;
                    if step_us > 0 {
                        dispatch.emit(Action::Step(step_us));
                    }
                })
            });
            move || drop(frames)
        });
    }

    // A long run builds its next slice after each render, so the page draws in between.
    {
        let dispatch = dispatch.clone();
        use_effect_with((*progress).clone(), move |p| {
            let next = p.as_ref().map(|_| {
                gloo::timers::callback::Timeout::new(0, move || dispatch.emit(Action::Slice))
            });
            move || drop(next)
        });
    }

    // A share link runs at once, and a lesson cell it names is brought into view; so is the cell
    // the presenter's Leave comes back to.
    let section = use_node_ref();
    {
        let dispatch = dispatch.clone();
        let section = section.clone();
        let id = id.clone();
        use_effect_with((), move |_| {
            if let Some(sh) = shared {
                let in_lesson = sh.cell.is_some();
                dispatch.emit(Action::OpenShared(sh));
                if let Some(el) = section.cast::<web_sys::Element>().filter(|_| in_lesson) {
                    el.scroll_into_view();
                }
            } else if let Some(store) = web_sys::window().and_then(|w| w.session_storage().ok()?) {
                if store.get_item(RETURN_KEY).ok().flatten() == Some(id) {
                    let _ = store.remove_item(RETURN_KEY);
                    // After the page's own scroll to the top of a newly opened route.
                    gloo::timers::callback::Timeout::new(0, move || {
                        if let Some(el) = section.cast::<web_sys::Element>() {
                            el.scroll_into_view();
                        }
                    })
                    .forget();
                }
            }
        });
    }

    let oninput = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            dispatch.emit(Action::Edit(area.value()));
        })
    };
    let on_run = dispatch.reform(|_: MouseEvent| Action::Run);
    // Ctrl+Enter (⌘+Enter) in the editor runs the cell, as in a notebook.
    let on_key = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) {
                e.prevent_default();
                dispatch.emit(Action::Run);
            }
        })
    };
    let on_import = {
        let dispatch = dispatch.clone();
        let reader = reader.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let dispatch = dispatch.clone();
            let task = gloo::file::callbacks::read_as_text(&file.into(), move |text| {
                // Shown as text in the editor; the parser decides whether it is valid.
                if let Ok(text) = text {
                    dispatch.emit(Action::Edit(text));
                }
            });
            *reader.borrow_mut() = Some(task);
        })
    };
    let on_reset = dispatch.reform(|_: MouseEvent| Action::Reset);
    let file_input = use_node_ref();
    let rows = (source.lines().count() + 1).clamp(4, 60) as u32;

    let error_list = if errors.is_empty() {
        html! {}
    } else {
        html! {
            <ul class="parse-errors" role="alert">
                { for errors.iter().map(|e| html! {
                    <li>
                        <span class="pos">{ format!("line {}, column {}", e.line, e.column) }</span>
                        { ": " }{ with_code(&e.message) }
                        { e.hint.as_ref().map(|h| html! { <span class="hint">{ " — " }{ with_code(h) }</span> }).unwrap_or_default() }
                        { e.kafka_error.map(|k| html! { <code class="kafka-error">{ k }</code> }).unwrap_or_default() }
                    </li>
                }) }
            </ul>
        }
    };

    // The reader changed the run: an edit, a knob, a live action, or an edit in a cell this one
    // continues.
    let changed = *source != original
        || props
            .continues
            .iter()
            .any(|(id, _)| load_saved(id).0.is_some())
        || run
            .borrow()
            .as_ref()
            .is_some_and(|r| !r.timeline.injected().is_empty());
    // An exercise is graded when its run reaches the end; a pass is remembered in this browser.
    if let (Some(ex), Some(r)) = (&props.exercise, run.borrow().as_ref()) {
        let at_end = r.timeline.now() >= r.scenario.spec.run_for;
        if at_end && grade.borrow().is_none() && !ex.goal.is_empty() {
            let mut g = ex.grade(r.timeline.sim());
            // Graded, not listed: the hint names the lines to put back.
            if !ex.keep.is_empty() {
                g.push((
                    ex.changed_kept(&with_live_actions(&source, Some(r)))
                        .is_none(),
                    String::new(),
                ));
            }
            if g.iter().all(|(ok, _)| *ok) {
                crate::progress::mark_passed(&id);
            }
            *grade.borrow_mut() = Some(g);
        }
    }
    let exercise_panel = props.exercise.as_ref().map(|ex| {
        let g = grade.borrow();
        let goal: Vec<&str> = ex.goal.iter().map(|e| e.text.as_str()).collect();
        let solution = ex.solution.clone().map(|sol| {
            let put = dispatch.reform({
                let sol = sol.clone();
                move |_: MouseEvent| Action::Edit(sol.clone())
            });
            (sol, put)
        });
        let hint = match ex.changed_kept(&with_live_actions(&source, run.borrow().as_ref())) {
            Some(k) => format!(
                "{} The goal, checked at the end of your run:",
                khafka_scenario::kept_lines_hint(k)
            ),
            None => "Change the scenario (not the goal) and run it. The goal, checked at the end of your run:".into(),
        };
        exercise_panel(
            &hint,
            &goal,
            g.as_deref(),
            solution,
            &original,
            crate::progress::passed().contains(&id),
        )
    });
    let has_groups = run
        .borrow()
        .as_ref()
        .is_some_and(|r| !r.timeline.sim().group_ids().is_empty());
    let has_streams = run
        .borrow()
        .as_ref()
        .is_some_and(|r| !r.timeline.sim().spec().streams.is_empty());
    let (body, run_details, announced) = match run.borrow().as_ref() {
        None => (html! {}, html! {}, String::new()),
        Some(r) => render_run(
            r,
            View {
                dispatch: &dispatch,
                link: (*link).clone(),
                story: (*story).clone(),
                filters: *filters,
                playing: *playing,
                speed: SPEEDS[*speed],
                show_charts: *show_charts,
                show: &props.show,
                changed,
                exercise: props.exercise.is_some(),
                pinned: (*pinned).clone(),
                label: run_label(&props.knobs, &source),
            },
        ),
    };

    let knobs = props.knobs.iter().map(|k| {
        let values = knob_values(&source, &k.key);
        let placeholder = knob_placeholder(&values, &k.choices);
        // The value shown selected, only when the scenario has exactly that one.
        let current = match (&placeholder, values.first()) {
            (None, Some(v)) => v.clone(),
            _ => String::new(),
        };
        let key = k.key.clone();
        let onchange = dispatch.reform(move |e: Event| {
            let sel: web_sys::HtmlSelectElement = e.target_unchecked_into();
            Action::Knob(key.clone(), sel.value())
        });
        html! {
            <label class="knob">{ format!("{} ", k.key) }
                <select {onchange}>
                    if let Some(p) = placeholder { <option value="" selected=true disabled=true>{ p }</option> }
                    { for k.choices.iter().filter(|c| **c == current || !knob_refuses(&source, &k.key, c)).map(|c| html! { <option value={c.clone()} selected={*c == current}>{ c }</option> }) }
                </select>
            </label>
        }
    });
    // The result shown is an earlier text's: the reader edited the scenario since it ran (a
    // comment or a blank line changes nothing the run shows).
    let stale = run.borrow().is_some()
        && ran_text
            .borrow()
            .as_deref()
            .is_some_and(|t| !khafka_scenario::same_statements(t, &source));
    // Or of a cell it continues.
    let stale_prelude = !stale && run.borrow().is_some() && *prelude_stale;
    html! {
        <section class="cell" aria-label="live simulation cell" ref={section}>
            { notice.map(|n| html! { <p class="notice">{ n }</p> }).unwrap_or_default() }
            if !props.continues.is_empty() {
                <p class="continues">{
                    if props.continues.iter().any(|(id, _)| load_saved(id).0.is_some()) {
                        "Continues the previous cell, with your edits: its scenario runs first, then these lines."
                    } else {
                        "Continues the previous cell: its scenario runs first, then these lines."
                    }
                }</p>
            }
            { exercise_panel.unwrap_or_default() }
            if *source != original && !knobs_only(&original, &source, &props.knobs) {
                <p class="edited">{ "Edited (kept in this browser) · " }
                    <button class="link" onclick={dispatch.reform(|_: MouseEvent| Action::Reset)}>{ "back to the original" }</button></p>
            }
            if !props.knobs.is_empty() {
                <div class="knobs" aria-label="Knobs">
                    { for knobs }
                    { for props.knobs.iter().map(|k| {
                        let key = k.key.clone();
                        html! { <button class="small sweep-button" onclick={dispatch.reform(move |_: MouseEvent| Action::Sweep(Some(key.clone())))}
                            title="Run the scenario once for each value (same seed, same faults) and compare">{ format!("Compare every {} value", k.key) }</button> }
                    }) }
                </div>
            }
            { sweep.as_ref().map(|sw| crate::compare::render_sweep(&sw.key, &sw.runs, dispatch.reform(|_: MouseEvent| Action::Sweep(None)))).unwrap_or_default() }
            <label class="visually-hidden" for={format!("src-{id}")}>{ "Scenario" }</label>
            <div class="editor">
                { crate::highlight::highlighted(&source, &errors) }
                <textarea id={format!("src-{id}")} class="scenario" spellcheck="false" rows={rows.to_string()}
                    value={(*source).clone()} {oninput} onkeydown={on_key} />
            </div>
            { error_list }
            { refused.as_ref().map(|why| html! { <p class="notice refused" role="alert">{ why }</p> }).unwrap_or_default() }
            { (*progress).clone().map(|Progress { now, end, what }| html! {
                <div class="building" role="status">
                    <progress max={end.as_ms().to_string()} value={now.as_ms().to_string()} />
                    <span>{ format!(" {what} {} of {} simulated ", fmt_time(now), fmt_time(end)) }</span>
                    <button onclick={dispatch.reform(|_: MouseEvent| Action::Cancel)}>{ "Cancel" }</button>
                </div>
            }).unwrap_or_default() }
            { cancelled.as_ref().map(|c| html! { <p class="notice cancelled">{ c }</p> }).unwrap_or_default() }
            <div class="controls">
                <button class="primary" onclick={on_run} title="Ctrl+Enter in the editor runs it too">{ "Run" }</button>
                <button onclick={on_reset} title="Return to the lesson's original scenario">{ "Reset" }</button>
            </div>
            if stale {
                <p class="notice stale">{ "You edited the scenario since this run: the result below is still the earlier text's. Run to update it." }</p>
            } else if stale_prelude {
                <p class="notice stale">{ "You edited a cell this one continues since this run: the result below is still from its earlier text. Run to update it." }</p>
            }
            // A live region that stays while runs come and go, so screen readers announce each
            // result (a region created with its text is not announced).
            <p class="visually-hidden announce" role="status" aria-live="polite">{ announced }</p>
            { body }
            // Everything else, one click away: the panels the author did not put on show, all the
            // charts, exports, import and the trace hash.
            <details class="more">
                <summary>{ details_summary(&props.show, has_groups, has_streams) }</summary>
                { run_details }
                <div class="files">
                    <button onclick={dispatch.reform(|_: MouseEvent| Action::DownloadScenario)}>{ "Export .khafka" }</button>
                    // A labelled button opens the file picker (a bare file input reads "Choose file").
                    <button onclick={{
                        let file_input = file_input.clone();
                        Callback::from(move |_: MouseEvent| {
                            if let Some(i) = file_input.cast::<HtmlInputElement>() {
                                i.click();
                            }
                        })
                    }}>{ "Import .khafka…" }</button>
                    <input ref={file_input.clone()} class="visually-hidden" type="file" accept=".khafka,text/plain" onchange={on_import}
                        aria-label="Import a .khafka scenario file" tabindex="-1" />
                </div>
            </details>
        </section>
    }
}

/// Why a scenario was not run.
enum NotRun {
    Errors(Vec<ParseError>),
    /// Too large for a browser tab (see `budget.rs`), with the estimate.
    TooLarge(String),
    /// Its schema (de)serializers need the codecs' table first: the request for a codec bundle
    /// (`codec_worker.rs`), or why no bundle can answer it.
    Codecs(Result<(String, (&'static str, &'static str)), String>),
}

impl NotRun {
    /// One line for a run that is one of many (small multiples, a shared state).
    fn short(&self) -> String {
        match self {
            NotRun::Errors(errs) => errs
                .first()
                .map_or("does not parse".into(), |e| e.message.clone()),
            NotRun::TooLarge(_) => "too large for a browser tab".into(),
            NotRun::Codecs(Ok(_)) => "its schemas are not encoded yet: press Run first".into(),
            NotRun::Codecs(Err(why)) => why.clone(),
        }
    }
}

/// Parses a scenario and checks it fits the tab's memory budget.
fn parse_within_budget(text: &str) -> Result<Scenario, NotRun> {
    let scenario = parse(text).map_err(|e| match e.errors() {
        // Over the simulator's own budget: a refusal with its estimate, not a mistake in the text.
        [only] if only.message.starts_with(khafka_scenario::TOO_LARGE) => {
            NotRun::TooLarge(format!(
                "Not run: {}",
                &only.message[khafka_scenario::TOO_LARGE.len()..]
            ))
        }
        errs => NotRun::Errors(errs.to_vec()),
    })?;
    let mut scenario = scenario;
    // The codecs' table: from the codec bundles' workers, asked once per scenario text.
    crate::codec_worker::apply(&mut scenario).map_err(|n| {
        NotRun::Codecs(match n {
            crate::codec_worker::Needs::Table(request, bundle) => Ok((request, bundle)),
            crate::codec_worker::Needs::Failed(why) => Err(why),
        })
    })?;
    match crate::budget::refusal(&scenario.spec) {
        Some(why) => Err(NotRun::TooLarge(why)),
        None => Ok(scenario),
    }
}

/// Parses a scenario into a run at its start (built by whoever calls: at once, or in slices).
fn prepare(text: &str, goal: &[khafka_scenario::Expect]) -> Result<Run, NotRun> {
    let scenario = parse_within_budget(text)?;
    // Every figure an expectation reads is computed (invariant checks when it reads `violations`),
    // and every figure an exercise's goal reads, whatever the reader left of the cell's own.
    let opts = scenario.sim_options_reading(goal);
    let timeline = crate::budget::timeline(&scenario.spec, opts, SimTime::from_secs(1));
    Ok(Run {
        scenario: Rc::new(scenario),
        timeline,
    })
}

/// Error positions relative to this cell's own lines (the prelude comes first).
fn shift_lines(errors: Vec<ParseError>, by: u32) -> Vec<ParseError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.line = e.line.saturating_sub(by).max(1);
            e
        })
        .collect()
}

/// A shared state to build: the scenario, its injected actions at their instants, then its position.
fn open_shared(sh: &Shared, goal: &[khafka_scenario::Expect]) -> Result<Build, NotRun> {
    let run = prepare(&sh.source, goal)?;
    let actions = share::parse_actions(&sh.source, &sh.actions).unwrap_or_default();
    let goal = Goal::replaying(actions, sh.at.min(run.scenario.spec.run_for));
    Ok(Build::new(run, goal))
}

/// Event-log categories and their filter bits.
const EVENT_CATEGORIES: &[(&str, u8)] = &[
    ("faults", 1),
    ("brokers & leaders", 2),
    ("ISR", 4),
    ("producer errors", 8),
    ("truncation", 16),
    ("violations", 32),
    ("internal topics", INTERNAL),
];
/// The filter bit of events about Kafka's internal topics (`__consumer_offsets`), whatever their
/// category.
const INTERNAL: u8 = 64;

/// An event's text, if the event filters show it.
fn shown_text(kind: &khafka_sim::trace::TraceKind, filters: u8, zk: bool) -> Option<String> {
    let text = crate::cluster_view::event_text(kind, zk);
    // Internal topics' names start with `__`, and so does the text of an event about one.
    let internal = text.starts_with("__") && filters & INTERNAL == 0;
    (filters & event_category(kind).1 != 0 && !internal).then_some(text)
}

fn event_category(kind: &khafka_sim::trace::TraceKind) -> (&'static str, u8) {
    use khafka_sim::trace::TraceKind as K;
    match kind {
        K::Fault { .. } | K::AdminError { .. } => EVENT_CATEGORIES[0],
        K::IsrChanged { .. } => EVENT_CATEGORIES[2],
        K::ProduceError { .. }
        | K::SendFailed { .. }
        | K::UnknownProducerAccepted { .. }
        | K::RequestTimeoutDisconnect { .. } => EVENT_CATEGORIES[3],
        K::Truncated { .. } => EVENT_CATEGORIES[4],
        K::Violation { .. } => EVENT_CATEGORIES[5],
        _ => EVENT_CATEGORIES[1],
    }
}

/// What the output of a run is drawn with, besides the run itself.
struct View<'a> {
    dispatch: &'a Callback<Action>,
    link: Option<String>,
    story: Option<(u64, Option<Rc<StoryView>>)>,
    filters: u8,
    playing: bool,
    speed: f64,
    show_charts: bool,
    show: &'a Show,
    /// The reader changed the run (an edit, a knob, a live action, or an edited cell it continues):
    /// a prediction that does not hold is then a result, not a failure.
    changed: bool,
    /// An exercise: its `expect` lines are a goal, shown with the exercise, not as predictions.
    exercise: bool,
    pinned: Option<Rc<RunSummary>>,
    /// The knob settings of this run, for comparisons.
    label: String,
}

/// The run's output: what is on show (headline, timebar, predictions and the parts the author
/// chose), and what goes under "Details".
fn render_run(r: &Run, v: View) -> (Html, Html, String) {
    let dispatch = v.dispatch;
    let sim = r.timeline.sim();
    let end = r.scenario.spec.run_for;
    let now = sim.now();
    let snapshot = sim.snapshot();
    let on_scrub = dispatch.reform(|e: InputEvent| {
        let input: HtmlInputElement = e.target_unchecked_into();
        let ms: u64 = input.value().parse().unwrap_or(0);
        Action::Seek(SimTime::from_ms(ms))
    });
    let first_tp = sim.topology().parts.first().map(|p| {
        let t = &sim.topology().topics[p.topic as usize];
        khafka_sim::TopicPartition::new(t.name.clone(), p.partition)
    });
    let at_end = now >= end;
    // A leader to crash: one the controller names and that runs (a crashed leader waiting to be
    // fenced is still named).
    let first_has_leader = !sim.topology().parts.is_empty()
        && sim
            .partition_state(0)
            .leader
            .is_some_and(|l| sim.broker_running(l));
    let crash_leader = first_tp.clone().map(|tp| {
        let label = format!("Crash the leader of {tp}");
        let onclick = dispatch.reform(move |_: MouseEvent| {
            Action::Inject(Fault::Crash {
                broker: BrokerRef::LeaderOf(tp.clone()),
                lose_unflushed: false,
            })
        });
        html! { <button {onclick} disabled={at_end || !first_has_leader}>{ label }</button> }
    });
    // The outcome reads every record (latencies, verdicts): computed at the end, where the
    // predictions are judged; before it each is "not yet", and a frame does not pay for it.
    let results: Vec<(_, Option<_>)> = if at_end {
        let outcome = snapshot.outcome(sim);
        (r.scenario.evaluate(&outcome).into_iter())
            .map(|(e, res)| (e, Some(res)))
            .collect()
    } else {
        r.scenario.expects.iter().map(|e| (e, None)).collect()
    };
    let p = &snapshot.provenance;
    // Walk the input and output logs and the groups' processed records: once a frame, for the
    // headline and the panels.
    let streams = sim.streams_view();
    let group_views = sim.groups();
    let headline = crate::headline::headline(
        sim,
        &snapshot,
        end,
        streams.as_ref(),
        &group_views,
        // Latency percentiles read every acknowledged record: not at every frame of a playing run.
        match crate::headline::Focus::of(v.show) {
            crate::headline::Focus::Latency if v.playing => crate::headline::Focus::Records,
            f => f,
        },
    );
    let on_seek = dispatch.reform(Action::Seek);

    let panel = |part: Part| match part {
        Part::Records => records_panel(p),
        Part::Events => events_panel(sim, dispatch, v.filters),
        Part::Describe => html! {
            <div class="panel describe-panel">
                <h4>{ "kafka-topics --describe" }</h4>
                // One block per line: a line that wraps beside the picture keeps a hanging
                // indent, so `Replicas:` does not read as a line of its own (walk 10, #10).
                <pre class="describe">{ for sim.describe().lines().map(|l| html! { <span>{ l.to_string() }</span> }) }</pre>
                if sim.log_settings_changed() {
                    <h4>{ "kafka-log-dirs --describe: each replica's segments" }</h4>
                    <pre class="describe log-dirs">{ sim.describe_log_dirs() }</pre>
                }
            </div>
        },
        Part::Metrics => metrics_panel(sim),
        Part::Story => story_panel(sim, dispatch, v.story.as_ref().map(|s| s.0)),
        Part::Groups => groups_panel(
            &group_views,
            &snapshot,
            (!at_end).then(|| dispatch.reform(Action::Inject)),
        ),
        Part::Streams => streams_panel(
            streams.as_ref(),
            (!at_end).then(|| dispatch.reform(Action::Inject)),
        ),
        Part::Cluster | Part::Chart(_) => html! {},
    };
    // An operator's action the tool refused (`reset-offsets` on an active group) is marked as
    // refused: it changed nothing.
    let refused: Vec<(SimTime, &str)> = sim
        .tool_runs()
        .iter()
        .filter(|r| r.error.is_some() && SimTime(r.at_us) <= end)
        .map(|r| (SimTime(r.at_us), r.group.as_str()))
        .collect();
    let faults: Vec<(f64, String)> = sim
        .notable_events()
        .filter(|e| e.time <= end)
        .filter_map(|e| match &e.kind {
            khafka_sim::trace::TraceKind::Fault { description } => {
                // `reset-offsets GROUP …`: refused at this instant for this group.
                let mut words = description.split_whitespace();
                let refused = words.next() == Some("reset-offsets")
                    && words.next().is_some_and(|g| refused.contains(&(e.time, g)));
                let text = if refused {
                    format!("{description} (refused)")
                } else {
                    description.clone()
                };
                Some((e.time.as_us() as f64 / 1e6, text))
            }
            // A classic group's rebalance: each generation after the first, when it is Stable.
            khafka_sim::trace::TraceKind::Group { group, text } => text
                .strip_prefix("generation ")
                .and_then(|t| t.split_once(" is Stable"))
                .filter(|(n, _)| *n != "1")
                .map(|(n, _)| {
                    (
                        e.time.as_us() as f64 / 1e6,
                        format!("↻ {group} generation {n}"),
                    )
                }),
            _ => None,
        })
        .collect();
    let timed = |c: khafka_charts::LineChart| {
        let c = Rc::new(c.with_time(
            end.as_us() as f64 / 1e6,
            faults.clone(),
            Some(now.as_us() as f64 / 1e6),
        ));
        html! { <Chart chart={c} /> }
    };
    // The cluster picture, on show or under Details.
    let cluster = html! {
        <ClusterView snapshot={Rc::new(snapshot.clone())} on_fault={(!at_end).then(|| dispatch.reform(Action::Inject))} />
    };
    let (cluster_on_show, cluster_in_details) = if v.show.has(Part::Cluster) {
        (cluster, html! {})
    } else {
        (html! {}, cluster)
    };
    let story = v.story.as_ref().map(|(id, view)| {
        let body = match view {
            Some(view) => crate::story::render(view, &on_seek),
            None => html! {
                <p class="notice">{ format!("There is no record {id}: this run has sent {}, numbered 0 to {} in the order they were sent.", p.sent, p.sent.saturating_sub(1)) }</p>
            },
        };
        html! {
            <section class="story-open" aria-label="Record story">
                if let Some(line) = crate::story::lost_summary(sim, p.lost) {
                    <p class="lost-summary">{ line }</p>
                }
                { body }
                <button class="small" onclick={dispatch.reform(|_: MouseEvent| Action::Story(None))}>{ "Close the story" }</button>
            </section>
        }
    });
    // On a wide screen the wire picture leaves half its row empty, and the output must fit one
    // screen: the part the author put right after the cluster goes beside it.
    // The first part after the cluster (a chart, the events, …) goes beside the wire picture.
    let beside = v
        .show
        .0
        .iter()
        .position(|p| *p == Part::Cluster)
        .and_then(|i| v.show.0.get(i + 1).copied());
    let on_main: Vec<Part> = v
        .show
        .0
        .iter()
        .copied()
        .filter(|p| Some(*p) != beside)
        .collect();
    let main = html! {
        <div class="run">
            <p class={classes!("headline", headline.tone)}>
                <span class="headline-text">{ &headline.text }</span>
                { headline.why.map(|id| {
                    // The story opens under the headline, often below the fold: scrolled to.
                    let dispatch = dispatch.clone();
                    let onclick = Callback::from(move |e: MouseEvent| {
                        dispatch.emit(Action::Story(Some(id)));
                        show_story(&e);
                    });
                    html! {
                        <>{ " · " }<button class="link why" {onclick}
                            title="The story of one of these records, step by step">{ "why?" }</button></>
                    }
                }).unwrap_or_default() }
            </p>
            if let Some(pin) = v.pinned.as_ref() {
                { crate::compare::render(pin, &RunSummary::of(sim, &snapshot, v.label.clone(), streams.as_ref()), dispatch.reform(|_: MouseEvent| Action::Pin(false))) }
            }
            { story.unwrap_or_default() }
            <div class="timebar">
                <button onclick={dispatch.reform(|_: MouseEvent| Action::Seek(SimTime::ZERO))} aria-label="Rewind to 0 s">{ "Rewind" }</button>
                <button onclick={dispatch.reform(|_: MouseEvent| Action::Step(100_000))} aria-label="Step 100 ms" disabled={at_end}>{ "+100 ms" }</button>
                <button onclick={dispatch.reform(|_: MouseEvent| Action::Step(1_000_000))} aria-label="Step 1 s" disabled={at_end}>{ "+1 s" }</button>
                <button onclick={dispatch.reform(|_: MouseEvent| Action::NextEvent)} aria-label="Step to the next event" title="Run on to the next event the event filters show" disabled={at_end}>{ "Next event" }</button>
                <button class="play" onclick={dispatch.reform(|_: MouseEvent| Action::Play)} aria-pressed={v.playing.to_string()}>{ if v.playing { "Pause" } else { "Play" } }</button>
                <button onclick={dispatch.reform(|_: MouseEvent| Action::Speed(-1))} aria-label="Slower">{ "−" }</button>
                <span class="speed" aria-live="polite">{ format!("{}×", v.speed) }</span>
                <button onclick={dispatch.reform(|_: MouseEvent| Action::Speed(1))} aria-label="Faster">{ "+" }</button>
                <input type="range" min="0" max={end.as_ms().to_string()} value={now.as_ms().to_string()} step="100"
                    aria-label="Simulated time" aria-valuetext={format!("{} of {}", fmt_time(now), fmt_time(end))} oninput={on_scrub} />
                <span class="clock">{ format!("{} / {}", fmt_time(now), fmt_time(end)) }</span>
            </div>
            <div class="actions">
                { crash_leader.unwrap_or_default() }
                { for snapshot.brokers.iter().filter(|b| !b.running).map(|b| {
                    let id = b.id;
                    html! { <button onclick={dispatch.reform(move |_: MouseEvent| Action::Inject(Fault::Restart { broker: BrokerRef::Id(id) }))}>
                        { format!("Restart broker {id}") }</button> }
                }) }
                if v.pinned.is_none() {
                    <button onclick={dispatch.reform(|_: MouseEvent| Action::Pin(true))} title="Keep these figures; change the run (a knob, an edit, a fault) and compare">{ "Pin to compare" }</button>
                } else {
                    <button onclick={dispatch.reform(|_: MouseEvent| Action::Pin(true))} title="Pin these figures instead">{ "Pin these figures instead" }</button>
                }
                <button onclick={dispatch.reform(|_: MouseEvent| Action::CopyLink)}>{ "Copy link to this state" }</button>
                <button class="present" onclick={dispatch.reform(|_: MouseEvent| Action::Present)} title="Open this scenario full screen, driven from the keyboard; actions you injected become its beats">{ "Present this" }</button>
                if at_end {
                    <span class="muted end-hint">{ "Ended: rewind to act on the cluster." }</span>
                }
            </div>
            if let Some(url) = v.link {
                <div class="share"><input class="share-link" readonly=true value={url} aria-label="Share link" /></div>
            }
            if !r.timeline.injected().is_empty() {
                <pre class="injected" aria-label="Actions as scenario lines">{ for r.timeline.injected().iter().map(|s| format!("at {} {}\n", s.at, describe_fault(&s.fault))) }</pre>
            }
            { for sim.topology().topics.iter().filter_map(|t| {
                // The engine decides the effective minimum (capped from Kafka 3.7 on); the notice
                // only says which case this run is in.
                let configured = sim.topology().configured_min_isr(t.first_part);
                let effective = sim.topology().effective_min_isr(t.first_part) as u32;
                let rf = t.replication_factor;
                (configured > rf).then(|| {
                    let consequence = if effective < configured {
                        format!("Kafka 3.7 and later use {effective} (the effective minimum ISR is capped at the number of replicas).")
                    } else {
                        "Before Kafka 3.7 it is not capped: every acks=all write is refused with NOT_ENOUGH_REPLICAS.".to_string()
                    };
                    html! {
                        <p class="notice">{ format!("Topic {}: min.insync.replicas={configured} is above its replication factor {rf}. {consequence}", t.name) }</p>
                    }
                })
            }) }
            if !r.scenario.run_given {
                <p class="notice no-run">{ format!("No `run` line: this run lasts the default {}. Add one, for example `run 60s`, to choose.", fmt_time(end)) }</p>
            }
            { for r.scenario.spec.schedule.iter().filter(|s| s.at > end).map(|s| html! {
                <p class="notice late-fault">{ format!("at {} {} comes after the end of the run ({}): it never happens. Make `run` longer to see it.", s.at, describe_fault(&s.fault), fmt_time(end)) }</p>
            }) }
            if !results.is_empty() && !v.exercise {
                <div class="predictions">
                    <span class="predictions-head">{ format!("Predictions for {} (the end of the run):", fmt_time(end)) }</span>
                    <ul class="expects" aria-label="Predictions">
                        { for results.iter().map(|(e, res)| {
                            let (class, mark) = match res {
                                None => ("pending", "… not yet"),
                                Some(res) if res.passed => ("pass", "✓ held"),
                                Some(_) if v.changed => ("changed", "prediction did not hold"),
                                Some(_) => ("fail", "✗ did not hold"),
                            };
                            html! { <li class={class}><span class="badge">{ mark }</span><code>{ e.text.clone() }</code>
                                if let Some(res) = res { <span class="actual">{ format!(" (actual: {})", res.actual) }</span> }</li> }
                        }) }
                    </ul>
                    if v.changed && results.iter().any(|(_, res)| res.as_ref().is_some_and(|r| !r.passed)) {
                        <p class="muted changed-note">{ "The predictions were written for the original run: with your change (a knob, an edit or a live action) some do not hold. That is what the change does, not an error." }</p>
                    }
                </div>
            }
            { for groups(&on_main).into_iter().map(|group| match group.as_slice() {
                [Part::Cluster] => html! {
                    <div class={classes!("stage", beside.is_some().then_some("with-chart"))}>
                        { cluster_on_show.clone() }
                        { match beside {
                            Some(Part::Chart(k)) => timed(k.chart(sim.metrics())),
                            Some(p) => html! { <div class="beside">{ panel(p) }</div> },
                            None => html! {},
                        } }
                    </div>
                },
                [Part::Chart(kind)] => timed(kind.chart(sim.metrics())),
                panels => html! { <div class="panels">{ for panels.iter().map(|p| panel(*p)) }</div> },
            }) }
        </div>
    };
    let has_groups = !sim.group_ids().is_empty();
    let has_streams = !sim.spec().streams.is_empty();
    let hidden = [
        Part::Records,
        Part::Events,
        Part::Groups,
        // The story before the describe output, which lists every partition (with a group,
        // `__consumer_offsets`' fifty).
        Part::Story,
        Part::Streams,
        Part::Metrics,
        Part::Describe,
    ]
    .into_iter()
    .filter(|p| {
        !v.show.has(*p)
            && (*p != Part::Groups || has_groups)
            && (*p != Part::Streams || has_streams)
    });
    let details = html! {
        <>
            { cluster_in_details }
            <div class="panels">{ for hidden.map(panel) }</div>
            <p><button onclick={dispatch.reform(|_: MouseEvent| Action::DownloadTrace)}>{ "Export trace (JSON lines)" }</button></p>
            // Charts are drawn only while open: they are the heaviest part of a frame.
            <details class="charts" open={v.show_charts}>
                <summary onclick={dispatch.reform(|e: MouseEvent| { e.prevent_default(); Action::ToggleCharts })}>{ "All charts" }</summary>
                if v.show_charts {
                    <div class="chart-grid">
                        { for CHART_KINDS.iter().map(|(_, k)| timed(k.chart(sim.metrics()))) }
                    </div>
                }
            </details>
            <p class="hash">{ format!("trace hash {}", snapshot.trace_hash) }</p>
        </>
    };
    // While playing, the result changes every frame: it is announced when playback stops.
    let announced = if v.playing {
        "Playing".to_string()
    } else {
        headline.text
    };
    (main, details, announced)
}

/// What "Details" holds for a cell showing `show`: the panels it does not show, then the rest
/// (the groups panel when the run has consumer groups, the streams panel when it has Kafka Streams
/// instances).
fn details_summary(show: &Show, has_groups: bool, has_streams: bool) -> String {
    let names = [
        (Part::Cluster, "cluster"),
        (Part::Records, "records"),
        (Part::Events, "events"),
        (Part::Groups, "groups"),
        (Part::Story, "record story"),
        (Part::Streams, "streams"),
        (Part::Metrics, "metrics"),
        (Part::Describe, "describe"),
    ];
    let mut parts: Vec<&str> = names
        .iter()
        .filter(|(p, _)| {
            !show.has(*p)
                && (*p != Part::Groups || has_groups)
                && (*p != Part::Streams || has_streams)
        })
        .map(|(_, n)| *n)
        .collect();
    parts.extend(["all charts", "export and import"]);
    format!("Details: {}", parts.join(", "))
}

/// The parts in order, neighbouring panels (records, events, …) grouped to share a row; the
/// cluster and each chart alone.
fn groups(parts: &[Part]) -> Vec<Vec<Part>> {
    let mut out: Vec<Vec<Part>> = Vec::new();
    for p in parts {
        let alone = matches!(p, Part::Cluster | Part::Chart(_));
        match out.last_mut() {
            Some(last) if !alone && !matches!(last[0], Part::Cluster | Part::Chart(_)) => {
                last.push(*p)
            }
            _ => out.push(vec![*p]),
        }
    }
    out
}

/// The Records table: distinct records by what happened to them.
fn records_panel(p: &khafka_sim::ProvenanceCounts) -> Html {
    html! {
        <div class="panel records-panel">
            <h4 title="Distinct records, by what happened to them in the log. Committed: below the current leader's high watermark (a new leader's can lag behind the old one's for a moment); not a group's committed offset. Duplicated: in the leader's log more than once; a group processing a record twice is in the groups panel.">{ "Records in the log (distinct)" }</h4>
            <table class="provenance">
                { for [
                    ("sent", p.sent),
                    ("acknowledged", p.acknowledged),
                    ("committed", p.committed),
                    ("consumed", p.consumed),
                    ("lost (acknowledged, gone)", p.lost),
                    ("unavailable", p.unavailable),
                    ("duplicated in the log", p.duplicated),
                    ("reordered", p.reordered),
                    ("failed", p.failed),
                    ("acknowledged before committed", p.acked_before_commit),
                ].into_iter().enumerate().map(|(i, (name, n))| html! {
                    // Lost records, the fifth row, in red.
                    <tr class={classes!((i == 4 && n > 0).then_some("bad"))}><th>{ name }</th><td>{ n }</td></tr>
                }) }
            </table>
        </div>
    }
}

/// The groups panel's note on a lag counted from the log start.
const FROM_LOG_START: &str = "No committed offset: counted from the log start offset, where \
                              auto.offset.reset=earliest starts the partition's next owner \
                              (kafka-consumer-groups --describe prints -).";

/// Each consumer group as its coordinator has it (`kafka-consumer-groups --describe`): state,
/// generation, assignor, members; per partition the member that owns it, the committed offset, the
/// log end offset (the high watermark) and the lag.
///
/// Before the end of the run, each group lists its consumers with a button that crashes (or
/// restarts) its process, as the consumer's card in the cluster picture does.
pub(crate) fn groups_panel(
    groups: &[khafka_sim::view::groups::GroupView],
    snapshot: &khafka_sim::snapshot::ClusterSnapshot,
    on_fault: Option<Callback<Fault>>,
) -> Html {
    let dash = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
    html! {
        <div class="panel groups-panel">
            <h4 title="As the group coordinator has it: what kafka-consumer-groups --describe prints. Log end offset: the partition's high watermark; lag: log end minus committed.">{ "Consumer groups" }</h4>
            if groups.is_empty() {
                <p class="muted">{ "No consumer has a group.id." }</p>
            }
            { for groups.iter().map(|g| {
                let kip848 = g.group_type == "consumer";
                // The coordinator's assignment, with what its owner did if nobody reads it now
                // (revoked for a rebalance that has not ended, crashed, closed).
                let owner = |p: &khafka_sim::coordinator::group::shard::GroupPartitionView| {
                    let name = p.client_id.clone().unwrap_or_else(|| "-".into());
                    let tp = format!("{}-{}", p.topic, p.partition);
                    match g.unread_now.iter().find(|u| u.partition == tp) {
                        Some(u) if u.holder == name => format!("{name} ({} at {})", u.why.verb(), fmt_time(SimTime(u.since_us))),
                        Some(u) => format!("{name} ({} {} at {})", u.holder, u.why.verb(), fmt_time(SimTime(u.since_us))),
                        None => name,
                    }
                };
                // A member that crashed or closed without leaving (a Kafka Streams instance)
                // stays until its session expires: its restarted process joins beside it.
                let twice = g.members.iter().enumerate().filter(|(i, m)| g.members[..*i].iter().any(|o| o.client_id == m.client_id)).count();
                // No coordinator has the group loaded: Kafka's describe fails with
                // COORDINATOR_NOT_AVAILABLE (or COORDINATOR_LOAD_IN_PROGRESS); the members do not
                // know it yet and keep reading what they were assigned.
                let unknown = (g.state == "Unknown").then(|| format!(
                    "{} · no coordinator has the group loaded ({}): its state, members and committed offsets are unknown until one does; the members keep reading what they were assigned",
                    g.group,
                    g.coordinator.map_or("no leader for its __consumer_offsets partition".to_string(), |b| format!("broker {b} is down or loading it")),
                ));
                let summary = unknown.unwrap_or_else(|| format!(
                    "{} · {} · {} {} · {} member{} · coordinator {} · assignor {}",
                    g.group,
                    g.state,
                    if kip848 { "group epoch" } else { "generation" },
                    g.generation,
                    g.members.len(),
                    match (g.members.len(), twice) {
                        (1, _) => "",
                        (_, 0) => "s",
                        _ => "s (one that crashed or closed stays until its session expires)",
                    },
                    g.coordinator.map_or("none".to_string(), |b| format!("broker {b}")),
                    g.protocol.clone().unwrap_or_else(|| "-".into()),
                ));
                html! {
                    <div class="group">
                        <p class="group-summary"><strong>{ summary }</strong>
                            if g.partitions_revoked > 0 {
                                <span class="revoked" title="Partitions the members gave up in rebalances or on close (onPartitionsRevoked).">{ format!(" · {} partition{} revoked", g.partitions_revoked, if g.partitions_revoked == 1 { "" } else { "s" }) }</span>
                            }
                            if g.longest_pause_ms > 0 {
                                <span class="revoked" title="The longest a partition went unread: from its revocation, or from the crash or close of the member that held it, to its next owner.">{ format!(" · longest pause {} ms", g.longest_pause_ms) }</span>
                            }
                            if !kip848 && g.state == "Stable" && g.members.iter().any(|m| m.assignment.is_empty()) {
                                <span title="Members the assignor gave no partition: they heartbeat and wait.">{ format!(" · idle: {}", g.members.iter().filter(|m| m.assignment.is_empty()).map(|m| m.client_id.as_str()).collect::<Vec<_>>().join(", ")) }</span>
                            }
                            if g.processed_twice > 0 {
                                <span class="bad">{ format!(" · {} records handed out twice", g.processed_twice) }</span>
                            }
                            if g.never_processed > 0 {
                                <span class="bad">{ format!(" · {} never processed", g.never_processed) }</span>
                            }
                        </p>
                        { on_fault.as_ref().map(|cb| html! {
                            <div class="group-processes">{ for snapshot.consumers.iter().filter(|c| c.group.as_deref() == Some(g.group.as_str())).map(|c| crate::cluster_view::consumer_buttons(cb, &c.name, c.stopped)) }</div>
                        }).unwrap_or_default() }
                        if kip848 {
                            <ul class="group-members" title="KIP-848: each member reconciles to its target on its own heartbeats; a partition moves only after its owner revoked it.">
                                { for g.members.iter().map(|m| {
                                    let target = m.target_assignment.clone().unwrap_or_default();
                                    let line = format!(
                                        "{} · epoch {} · {} · owns [{}]{}",
                                        m.client_id,
                                        m.member_epoch.unwrap_or(0),
                                        m.member_state.clone().unwrap_or_default(),
                                        m.assignment.join(", "),
                                        if target == m.assignment { String::new() } else { format!(" · target [{}]", target.join(", ")) },
                                    );
                                    html! { <li>{ line }</li> }
                                }) }
                            </ul>
                        }
                        <table class="group-offsets">
                            <tr><th>{ "partition" }</th><th>{ "member" }</th><th>{ "committed" }</th><th>{ "log end" }</th><th>{ "lag" }</th></tr>
                            { for g.partitions.iter().map(|p| html! {
                                <tr>
                                    <td>{ format!("{}-{}", p.topic, p.partition) }</td>
                                    <td>{ owner(p) }</td>
                                    <td>{ dash(p.committed) }</td>
                                    <td>{ p.log_end_offset }</td>
                                    if let Some(n) = p.unread_from_log_start {
                                        <td title={FROM_LOG_START}>{ format!("{n}*") }</td>
                                    } else {
                                        <td>{ dash(p.lag) }</td>
                                    }
                                </tr>
                            }) }
                        </table>
                        if g.partitions.iter().any(|p| p.unread_from_log_start.is_some()) {
                            <p class="muted footnote">{ format!("* {FROM_LOG_START}") }</p>
                        }
                    </div>
                }
            }) }
        </div>
    }
}

/// Kafka Streams instances: each instance's state (with a button that crashes or restarts its
/// process before the end of the run), its tasks — restoring their store from the changelog, or
/// running — and its restorations; then per key the records the input topic holds against the
/// last count the output topic holds, a count above the input being records counted twice.
fn streams_panel(
    v: Option<&khafka_sim::view::streams::StreamsView>,
    on_fault: Option<Callback<Fault>>,
) -> Html {
    /// Keys listed at most (the rest are summed in the totals line).
    const MAX_KEYS: usize = 32;
    let Some(v) = v else {
        return html! {
            <div class="panel streams-panel">
                <h4>{ "Kafka Streams" }</h4>
                <p class="muted">{ "No streams line." }</p>
            </div>
        };
    };
    let totals = v.count_totals();
    html! {
        <div class="panel streams-panel">
            <h4 title={if v.join.as_ref().is_some_and(|j| j.window.is_some()) {
                "stream.join(otherStream, JoinWindows): each task keeps each stream's recent records in a window store backed by a changelog topic; a record joins the other stream's records with its key and a timestamp within the window, then joins its own store; a task that moves restores both stores first."
            } else if v.join.is_some() {
                "stream.join(table): each task keeps the table's latest value per key in a state store backed by a changelog topic, and joins each stream record with it; a task that moves restores its store from the changelog first."
            } else if v.windowed.is_some() {
                "groupByKey().windowedBy(…) then count(), reduce(Long::sum) or aggregate(…Math.max…) — or, after groupBy or map, a count behind a repartition topic: each task keeps a result per window and key in a window store backed by a changelog topic; stream time closes windows, and a record whose windows have closed is dropped as late."
            } else if v.sum {
                "mapValues(Long::parseLong).groupByKey().reduce(Long::sum): each task keeps a sum of the values per key in a state store backed by a changelog topic; a task that moves restores its store from the changelog first."
            } else if v.max {
                "mapValues(Long::parseLong).groupByKey().aggregate(() -> 0L, (key, value, max) -> Math.max(max, value)): each task keeps each key's largest value in a state store backed by a changelog topic; a task that moves restores its store from the changelog first."
            } else if v.map.is_some() {
                "map(…).groupByKey().count(): tasks 0_P apply the map and write each record to the repartition topic, partitioned by its (possibly new) key; tasks 1_P read that topic and keep a count per key in a state store backed by a changelog topic."
            } else if v.repartition.is_some() {
                "groupBy((key, value) -> value).count(): tasks 0_P re-key each record by its value and write it to the repartition topic, partitioned by the new key; tasks 1_P read that topic and keep a count per value in a state store backed by a changelog topic."
            } else {
                "groupByKey().count(): each task keeps a count per key in a state store backed by a changelog topic; a task that moves restores its store from the changelog first."
            }}>{ format!("Kafka Streams · {}", v.instances.first().map_or("", |i| i.application_id.as_str())) }</h4>
            { for v.instances.iter().map(|i| {
                let button = on_fault.as_ref().map(|cb| {
                    let (label, fault) = if i.state == "running" {
                        ("Crash", Fault::CrashStreams { streams: i.name.clone() })
                    } else {
                        ("Restart", Fault::RestartStreams { streams: i.name.clone() })
                    };
                    let aria = format!("{label} {} (Kafka Streams instance {})", i.name, i.name);
                    html! {
                        <button class="small" aria-label={aria} onclick={cb.reform(move |_: MouseEvent| fault.clone())}>
                            { format!("{label} {}", i.name) }
                        </button>
                    }
                });
                let tasks: Vec<String> = i
                    .tasks
                    .iter()
                    .map(|t| match (t.state, t.stream_time, t.close_time) {
                        ("running", Some(st), Some(close)) => format!(
                            "{} ({} window{} in its store, stream time {}, closed up to {}{})",
                            t.id,
                            t.keys,
                            if t.keys == 1 { "" } else { "s" },
                            event_secs(st),
                            event_secs(close),
                            if t.dropped_late > 0 {
                                format!(", {} late", t.dropped_late)
                            } else {
                                String::new()
                            }
                        ),
                        // Sub-topology 0 before a repartition topic: no store.
                        ("running", _, _) if v.repartition.is_some() && t.id.starts_with("0_") => {
                            format!("{} (stateless)", t.id)
                        }
                        ("running", _, _) if v.windowed.is_some() => {
                            format!("{} ({} window{}, no record yet)", t.id, t.keys, if t.keys == 1 { "" } else { "s" })
                        }
                        ("running", _, _) if v.join.as_ref().is_some_and(|j| j.window.is_some()) => {
                            let waiting = if t.waiting > 0 { format!(", {} waiting", t.waiting) } else { String::new() };
                            format!("{} ({} records stored{waiting})", t.id, t.keys)
                        }
                        ("running", _, _) => format!("{} ({} key{})", t.id, t.keys, if t.keys == 1 { "" } else { "s" }),
                        (state, _, _) => format!("{} {state}", t.id),
                    })
                    .collect();
                let tasks = if tasks.is_empty() { "none".to_string() } else { tasks.join(", ") };
                html! {
                    <div class="streams-instance">
                        <p><strong>{ format!("{} · {}", i.name, i.state) }</strong>
                            { format!(" · tasks {tasks} · processed {} · forwarded {}", i.processed, i.forwarded) }
                            if v.filter.is_some() { { format!(" · stopped by the filter {}", i.filtered) } }
                            if v.instances.iter().any(|o| o.application_id != i.application_id) {
                                { format!(" · application.id {}", i.application_id) }
                            }
                            if i.dropped > i.dropped_late + i.join_expired {
                                <span class="bad">{ format!(" · dropped {} (null key or value)", i.dropped - i.dropped_late - i.join_expired) }</span>
                            }
                            if i.join_expired > 0 {
                                <span class="warn">{ format!(" · {} skipped by an expired store segment", i.join_expired) }</span>
                            }
                            if i.dropped_late > 0 {
                                <span class="warn">{ format!(" · dropped {} late (dropped-records)", i.dropped_late) }</span>
                            }
                            if let Some(j) = &v.join {
                                if j.window.is_some() {
                                    { format!(" · pairs joined {} · no partner when processed {}", i.joined, i.unmatched) }
                                    if i.join_late > 0 {
                                        <span class="warn">{ format!(" · {} records too late for part of their window", i.join_late) }</span>
                                    }
                                } else {
                                    { format!(" · joined {} · no {} value {}", i.joined, j.table, i.unmatched) }
                                }
                            }
                            { " " }{ button.unwrap_or_default() }
                        </p>
                        if i.restorations.iter().any(|r| r.records > 0) {
                            <ul class="streams-restored">
                                { for i.restorations.iter().filter(|r| r.records > 0).map(|r| html! {
                                    <li>{ format!(
                                        "restored task {}_{} at {:.1} s: {} changelog record{}, {} {}, in {} ms",
                                        r.subtopology, r.partition, r.from_us as f64 / 1e6, r.records,
                                        if r.records == 1 { "" } else { "s" },
                                        r.keys,
                                        match (v.windowed.is_some(), r.keys == 1) {
                                            _ if v.join.as_ref().is_some_and(|j| j.window.is_some()) => "in its join windows",
                                            (true, true) => "window",
                                            (true, false) => "windows",
                                            (false, true) => "key",
                                            (false, false) => "keys",
                                        },
                                        (r.to_us - r.from_us) / 1_000
                                    ) }</li>
                                }) }
                            </ul>
                        }
                    </div>
                }
            }) }
            <details class="streams-topology">
                <summary>{ "Topology" }</summary>
                { topology_graph(v) }
                <pre class="describe">{ v.topology.clone() }</pre>
            </details>
            if let Some(w) = &v.windowed {
                { windowed_counts(w, v) }
            } else if let Some(j) = &v.join {
                { join_results(j) }
            } else {
            <p class="streams-totals">{ totals }</p>
            <ul class="streams-counts" title="Per key: the records the input topic holds → the last count the output topic holds. Bold orange-red: counted twice.">
                { for v.keys.iter().take(MAX_KEYS).map(|k| {
                    let out = k.output.map_or("-".to_string(), |o| o.to_string());
                    let twice = k.output.is_some_and(|o| o > k.input as i64);
                    html! {
                        <li class={classes!(twice.then_some("bad"))}>
                            <span class="key">{ k.key.clone() }</span>{ format!(" {} → {}", k.input, out) }
                        </li>
                    }
                }) }
            </ul>
            if v.keys.len() > MAX_KEYS {
                <p class="muted">{ format!("… and {} more keys", v.keys.len() - MAX_KEYS) }</p>
            }
            }
        </div>
    }
}

/// The topology as a row of processors: the input's (and for a join, the table's above it), the
/// store on the processor that keeps it.
fn topology_graph(v: &khafka_sim::view::streams::StreamsView) -> Html {
    use khafka_sim::config::streams::{
        chain, group_by_chain, join_name, join_processors, outer_shared_store,
        stream_join_processors,
    };
    let app = v
        .instances
        .first()
        .map_or("", |i| i.application_id.as_str());
    let store = |name: String| {
        html! {
            <span class="store">{ format!("store {name} ⇄ {app}-{name}-changelog") }</span>
        }
    };
    let row = |topic: &str, names: &[&str], store_at: usize, store_name: &str, to: Option<&str>| {
        html! {
            <div class="topology-row">
                <span class="topic">{ topic.to_string() }</span>{ "→" }
                { for names.iter().enumerate().map(|(i, n)| html! {
                    <>
                        <span class="processor">{ *n }
                            if i == store_at { { store(store_name.to_string()) } }
                        </span>
                        if i + 1 < names.len() || to.is_some() { { "→" } }
                    </>
                }) }
                if let Some(t) = to { <span class="topic">{ t.to_string() }</span> }
            </div>
        }
    };
    // A filter between the input's source and the join (`KSTREAM-FILTER-0000000001`).
    let f = v.filter.as_deref();
    let filter_name = join_name("KSTREAM-FILTER-", 1, false);
    let filter_row = f.map(|f| {
        html! { <div class="topology-row">{ format!("{filter_name} keeps a stream record when {f}") }</div> }
    });
    match &v.join {
        Some(j) if j.window.is_some() => {
            let s = stream_join_processors(f.is_some());
            let other = format!("{}-store", j.other_processor);
            let mut input = vec![s[0].as_str(), &s[2], &j.processor, &s[6], &s[7]];
            if f.is_some() {
                input.insert(1, &filter_name);
            }
            html! {
                <div class="topology-graph" role="img" aria-label={format!("Topology: {} joined with the stream {} within a window into {}; each stream's window store is backed by a changelog topic", v.input, j.table, v.output)}>
                    { row(&j.table, &[&s[1], &s[3], &j.other_processor, &s[6]], 1, &other, None) }
                    { row(&v.input, &input, input.len() - 4, &j.store, Some(&v.output)) }
                    if j.left {
                        <div class="topology-row">{ store(outer_shared_store(f.is_some())) }{ " shared by both join processors: records without a partner, until their window closes" }</div>
                    }
                    { filter_row }
                </div>
            }
        }
        Some(j) => {
            let [source, table_source, ktable, _, sink] = join_processors(f.is_some());
            let mut input = vec![source.as_str(), &j.processor, &sink];
            if f.is_some() {
                input.insert(1, &filter_name);
            }
            html! {
                <div class="topology-graph" role="img" aria-label={format!("Topology: {} joined with the table {} into {}; the table's store is backed by {}", v.input, j.table, v.output, v.changelog)}>
                    { row(&j.table, &[&table_source, &ktable], 1, &j.store, None) }
                    { row(&v.input, &input, input.len() - 2, &j.store, Some(&v.output)) }
                    { filter_row }
                </div>
            }
        }
        None if v.repartition.is_some() => {
            let r = v.repartition.clone().unwrap_or_default();
            let (first, second, store) = group_by_chain(v.filter.is_some(), v.map.is_some());
            let first: Vec<&str> = first.iter().map(String::as_str).collect();
            let second: Vec<&str> = second.iter().map(String::as_str).collect();
            let how = v.map.unwrap_or("re-keyed by value");
            html! {
                <div class="topology-graph" role="img" aria-label={format!("Topology: {} {how} into the repartition topic {r}, then counted per key into {}; the count's store is backed by {}", v.input, v.output, v.changelog)}>
                    { row(&v.input, &first, usize::MAX, "", Some(&r)) }
                    { row(&r, &second, 1, &store, Some(&v.output)) }
                    if let Some(f) = &v.filter {
                        <div class="topology-row">{ format!("{} keeps a record when {f}", first[1]) }</div>
                    }
                    if let Some(m) = v.map {
                        <div class="topology-row">{ format!("{} is {m}: Kafka Streams cannot see whether it changes the key, so it repartitions", first[first.len() - 3]) }</div>
                    }
                </div>
            }
        }
        None => {
            let f = v.filter.as_deref();
            use khafka_sim::config::streams::Aggregate;
            let what = match v.aggregate() {
                Aggregate::Sum => "a sum",
                Aggregate::Max => "a maximum",
                Aggregate::Count => "a count",
            };
            let (nodes, store) = chain(f.is_some(), v.aggregate());
            let names: Vec<&str> = nodes.iter().map(String::as_str).collect();
            html! {
                <div class="topology-graph" role="img" aria-label={format!("Topology: {} to {}, through {}{what} whose store is backed by {}", v.input, v.output, f.map_or(String::new(), |f| format!("a filter ({f}) and ")), v.changelog)}>
                    { row(&v.input, &names, names.len() - 3, &store, Some(&v.output)) }
                    if let Some(f) = f {
                        <div class="topology-row">{ format!("{} keeps a record when {f}", names[1]) }</div>
                    }
                </div>
            }
        }
    }
}

/// A join's results against one uninterrupted task that processes by timestamp with every record
/// at hand, and the first results joined with a table value not as of their record's time.
fn join_results(j: &khafka_sim::view::streams::JoinResults) -> Html {
    const SHOWN: usize = 8;
    let totals = j.totals();
    let ts = |t: Option<(u64, u64)>| {
        t.map_or("nothing".to_string(), |(id, ts)| {
            format!("#{id} @{:.2} s", ts as f64 / 1e3)
        })
    };
    html! {
        <>
            <p class="streams-totals">{ totals }
                if j.twice > 0 {
                    <span class="warn">{ format!(" · joined twice {}", j.twice) }</span>
                }
                if j.late_missing > 0 {
                    <span class="warn">{ format!(" · missed because a record came late {}", j.late_missing) }</span>
                }
                if j.nulls_with_partner > 0 {
                    <span class="warn">{ format!(" · null although a partner is in the window {}", j.nulls_with_partner) }</span>
                }
                if j.mismatched > 0 {
                    <span class="bad">{ format!(" · {} {}", if j.window.is_some() { "outside the window" } else { "not as of the record's time" }, j.mismatched) }</span>
                }
            </p>
            if !j.examples.is_empty() {
                <ul class="streams-counts" title="Results whose table value is not the one the table held at the stream record's timestamp.">
                    { for j.examples.iter().take(SHOWN).map(|m| html! {
                        <li class="bad">
                            <span class="key">{ m.key.clone() }</span>
                            { format!(" #{} @{:.2} s joined {}; as of its time, the table had {}", m.stream, m.timestamp as f64 / 1e3, ts(m.joined), ts(m.expected)) }
                        </li>
                    }) }
                </ul>
            }
        </>
    }
}

/// A windowed count's results: per window, the output's last count against what one task that
/// never crashed computes (the reference). Red: beyond the reference (a record counted twice, or a
/// late record a restored task accepted); amber: a final result emitted more than once.
fn windowed_counts(
    w: &khafka_sim::view::streams::WindowedCounts,
    v: &khafka_sim::view::streams::StreamsView,
) -> Html {
    /// Windows listed at most: the latest ones.
    const MAX_WINDOWS: usize = 40;
    let late: u64 = v.instances.iter().map(|i| i.dropped_late).sum();
    let shown: Vec<&khafka_sim::view::streams::WindowCount> = w.live().collect();
    let shown_n = shown.len();
    let totals = format!(
        "{shown_n} windows · dropped late {late} · beyond the reference {} · missing (yet) {}{}",
        v.overcount,
        v.undercount,
        if w.on_window_close {
            format!(" · final results emitted twice {}", w.final_results_twice)
        } else {
            String::new()
        }
    );
    let skip = shown.len().saturating_sub(MAX_WINDOWS);
    let cell_class = |c: &khafka_sim::view::streams::WindowCount| {
        if c.output.unwrap_or(0) > c.reference.unwrap_or(0) {
            Some("bad")
        } else if w.on_window_close && c.emitted > 1 {
            Some("warn")
        } else {
            None
        }
    };
    // Tumbling and hopping windows are the same for every key: a table of windows by key.
    let mut keys: Vec<&str> = Vec::new();
    let mut starts: Vec<(i64, i64, &str)> = Vec::new();
    for c in &shown {
        if !keys.contains(&c.key.as_str()) {
            keys.push(&c.key);
        }
        if starts.last().is_none_or(|l| (l.0, l.1) != (c.start, c.end)) {
            starts.push((c.start, c.end, &c.window));
        }
    }
    let aligned = matches!(w.kind, "tumbling" | "hopping") && keys.len() <= 8;
    const MAX_ROWS: usize = 12;
    let first_row = starts.len().saturating_sub(MAX_ROWS);
    let table = aligned.then(|| html! {
        <table class="window-counts" title="The last count the output topic holds per window and key; (ref N): what one uninterrupted task computes. Red: beyond the reference; amber: a final result emitted twice.">
            <tr><th>{ "window" }</th>{ for keys.iter().map(|k| html! { <th>{ *k }</th> }) }</tr>
            { for starts.iter().skip(first_row).map(|(start, end, label)| html! {
                <tr>
                    <th>{ *label }</th>
                    { for keys.iter().map(|k| {
                        let c = shown.iter().find(|c| c.start == *start && c.end == *end && c.key == *k);
                        match c {
                            None => html! { <td class="muted">{ "-" }</td> },
                            Some(c) => html! {
                                <td class={classes!(cell_class(c))}>
                                    { c.output.map_or("-".to_string(), |o| o.to_string()) }
                                    if c.output != c.reference {
                                        <span class="muted">{ format!(" (ref {})", c.reference.map_or("-".to_string(), |o| o.to_string())) }</span>
                                    }
                                    if w.on_window_close && c.emitted > 1 {
                                        { format!(" ×{}", c.emitted) }
                                    }
                                </td>
                            },
                        }
                    }) }
                </tr>
            }) }
        </table>
    });
    html! {
        <>
            <p class="streams-totals">
                <code>{ w.java.clone() }</code>
                { if v.sum { " · the sum of the values per window" } else if v.max { " · the largest value per window" } else { "" } }
                { if w.on_window_close { " · emitted on window close" } else { " · emitted on every update" } }
            </p>
            <p class="streams-totals">{ totals }</p>
            if let Some(t) = table {
                { t }
                if first_row > 0 {
                    <p class="muted">{ format!("… and {first_row} earlier windows") }</p>
                }
            } else {
            <ul class="streams-counts windowed" title="Per window: the last count the output topic holds (reference: one uninterrupted task). Red: beyond the reference; amber: a final result emitted twice.">
                { for shown.iter().skip(skip).map(|c| {
                    let out = c.output.map_or("-".to_string(), |o| o.to_string());
                    let reference = c.reference.map_or("-".to_string(), |o| o.to_string());
                    let twice = w.on_window_close && c.emitted > 1;
                    html! {
                        <li class={classes!(cell_class(c))}>
                            <span class="key">{ format!("{}@{}", c.key, c.window) }</span>
                            { format!(" {out}") }
                            if c.output != c.reference {
                                <span class="muted">{ format!(" (ref {reference})") }</span>
                            }
                            if twice {
                                { format!(" ×{}", c.emitted) }
                            }
                        </li>
                    }
                }) }
            </ul>
            if skip > 0 {
                <p class="muted">{ format!("… and {skip} earlier windows") }</p>
            }
            }
        </>
    }
}

/// The event log up to now: the last 30 entries the filters show, each run of identical
/// consecutive events as one entry ("×12, until 9.5s"), numbered by its place in the whole log.
fn events_panel(sim: &khafka_sim::Sim, dispatch: &Callback<Action>, filters: u8) -> Html {
    let now = sim.now();
    let zk = sim.topology().config.zookeeper();
    // `(number of the first event, its time, the last time, text, count)`
    let mut groups: Vec<(usize, SimTime, SimTime, String, usize)> = Vec::new();
    for (i, (e, text)) in sim
        .notable_events()
        .filter(|e| e.time <= now)
        .filter_map(|e| shown_text(&e.kind, filters, zk).map(|t| (e, t)))
        .enumerate()
    {
        match groups.last_mut() {
            Some(g) if g.3 == text => {
                g.2 = e.time;
                g.4 += 1;
            }
            _ => groups.push((i + 1, e.time, e.time, text, 1)),
        }
    }
    let skipped = groups.len().saturating_sub(30);
    let filter_boxes = EVENT_CATEGORIES.iter().map(|(name, bit)| {
        let bit = *bit;
        html! {
            <label class="filter"><input type="checkbox" checked={filters & bit != 0}
                onchange={dispatch.reform(move |_: Event| Action::Filter(bit))} />{ *name }</label>
        }
    });
    html! {
        <div class="panel events-panel">
            <h4>{ "Events" }</h4>
            <div class="filters" aria-label="Event filters">{ for filter_boxes }</div>
            <ol class="events">
                { for groups.iter().skip(skipped).map(|(n, t, last, text, count)| {
                    let t = *t;
                    let repeat = (*count > 1).then(|| crate::cluster_view::repeat_note(*count, t, *last));
                    // Member ids shortened (`c1-03…0001`), the full line as a tooltip.
                    let short = crate::cluster_view::short_member_ids(text);
                    let full = (short != *text).then(|| text.clone());
                    html! { <li value={n.to_string()} title={full}><button class="link" onclick={dispatch.reform(move |_: MouseEvent| Action::Seek(t))} aria-label={format!("Go to {}", fmt_time(t))}>{ fmt_time(t) }</button>
                        { format!(" {short}") }{ repeat.unwrap_or_default() }</li> }
                }) }
            </ol>
        </div>
    }
}

/// The knob settings of a run (`acks=1 · min.insync.replicas=2`), or "this run" without knobs.
fn run_label(knobs: &[Knob], source: &str) -> String {
    let set: Vec<String> = knobs
        .iter()
        .filter_map(|k| knob_value(source, &k.key).map(|v| format!("{}={v}", k.key)))
        .collect();
    if set.is_empty() {
        "this run".to_string()
    } else {
        set.join(" · ")
    }
}

/// Best effort: the Clipboard API exists only in secure contexts, and may be refused; the link is
/// also shown in a field either way.
pub(crate) fn copy_to_clipboard(text: &str) {
    use wasm_bindgen::JsValue;
    let Some(w) = web_sys::window() else { return };
    let nav = w.navigator();
    let has = js_sys::Reflect::get(&nav, &JsValue::from_str("clipboard"))
        .map(|c| !c.is_undefined() && !c.is_null())
        .unwrap_or(false);
    if has {
        let ignore = wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
        let _ = nav.clipboard().write_text(text).catch(&ignore);
        // The promise settles later; the no-op handler must outlive this call.
        ignore.forget();
    }
}

/// Kafka's metrics at the last sample, and how each changed since the one before.
fn metrics_panel(sim: &khafka_sim::Sim) -> Html {
    let m = sim.metrics();
    html! {
        <div class="panel metrics">
            <h4>{ "Metrics (last second)" }</h4>
            <p class="muted unit-note">{ "Kafka's metrics, sampled once per simulated second: they trail the Records table by up to a second, and their record totals count log entries (copies included), where the Records table counts distinct records." }</p>
            <table>
                { for khafka_sim::metrics::METRICS.iter().filter(|(n, _)| !n.starts_with("ProduceLatency")).map(|(name, mbean)| {
                    let v = m
                        .series
                        .iter()
                        .find(|(k, _)| *k == name)
                        .map_or(&[][..], |(_, v)| v.as_slice());
                    let last = v.last().copied().unwrap_or(0.0);
                    let prev = v.len().checked_sub(2).map(|i| v[i]).unwrap_or(last);
                    let delta = last - prev;
                    let change = if delta > 0.0 { format!("↑ {}", fmt_num(delta)) } else if delta < 0.0 { format!("↓ {}", fmt_num(-delta)) } else { String::new() };
                    html! { <tr title={*mbean}><th>{ *name }</th><td>{ fmt_num(last) }</td><td class="delta">{ change }</td></tr> }
                }) }
            </table>
        </div>
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Once the cell has drawn the story a pick opened (under the headline, a screen or more above
/// the picker), scrolls it into view.
fn show_story(e: &Event) {
    let Some(cell) = e
        .target()
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        .and_then(|el| el.closest(".cell").ok().flatten())
    else {
        return;
    };
    gloo::timers::callback::Timeout::new(0, move || {
        if let Ok(Some(story)) = cell.query_selector(".story-open") {
            story.scroll_into_view();
        }
    })
    .forget();
}

/// The record story picker: a lost, duplicated or any record by id (the story opens under the
/// headline, and is scrolled to once picked).
fn story_panel(sim: &khafka_sim::Sim, dispatch: &Callback<Action>, story: Option<u64>) -> Html {
    let pick = |verdict: &'static str| {
        sim.records_with_verdict(verdict, 1).first().map(|id| {
            let id = *id;
            let dispatch = dispatch.clone();
            let onclick = Callback::from(move |e: MouseEvent| {
                dispatch.emit(Action::Story(Some(id)));
                show_story(&e);
            });
            html! { <button class="small" {onclick}>{ format!("a {verdict} record") }</button> }
        })
    };
    let on_input = dispatch.reform(|e: InputEvent| {
        let input: HtmlInputElement = e.target_unchecked_into();
        Action::Story(input.value().parse().ok())
    });
    html! {
        <div class="panel story-panel">
            <h4>{ "Record story" }</h4>
            <div class="story-pick">
                // Typed: the story follows each keystroke; scrolled to on Enter or leaving the field.
                <label>{ "record #" }<input type="number" min="0" value={story.map(|s| s.to_string()).unwrap_or_default()} oninput={on_input} onchange={Callback::from(|e: Event| show_story(&e))} /></label>
                { pick("lost").unwrap_or_default() }
                { pick("duplicated").unwrap_or_default() }
            </div>
            if let Some(id) = story {
                <p class="muted">{ format!("Record {id}'s story is open under the headline, above the time bar.") }</p>
            } else {
                <p class="muted">{ "Pick a record to see what happened to it, step by step. Records are numbered in the order producers sent them (not by offset)." }</p>
            }
        </div>
    }
}

/// The full trace up to the current instant, as JSON lines: the run is replayed with trace keeping
/// on (deterministic, so it is the same run).
/// The most events a trace export holds (the standard 60 s scenario has about 450,000; each is a
/// JSON line of about 200 bytes, built in one go).
const MAX_TRACE_EVENTS: u64 = 1_000_000;

fn full_trace(r: &Run) -> String {
    let opts = SimOptions {
        keep_trace: true,
        ..r.scenario.sim_options()
    };
    let mut tl = Timeline::new(r.scenario.spec.clone(), opts, r.scenario.spec.run_for);
    for s in r.timeline.injected() {
        tl.seek(s.at);
        tl.inject(s.fault.clone());
    }
    tl.seek(r.timeline.now());
    let mut out = String::new();
    for e in tl.sim().trace_events() {
        if let Ok(line) = serde_json::to_string(e) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    if let Ok(line) = serde_json::to_string(&tl.sim().trace_end()) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Saves `text` as a file through a temporary object URL.
fn download(name: &str, mime: &str, text: &str) {
    use wasm_bindgen::{JsCast, JsValue};
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(a) = doc
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// An event time in milliseconds for people, exact and as every time on the page reads:
/// `199.95s`, `-5s` (a close time before the first window's end).
fn event_secs(ms: i64) -> String {
    let s = khafka_sim::SimTime::from_ms(ms.unsigned_abs()).to_string();
    if ms < 0 {
        format!("-{s}")
    } else {
        s
    }
}

/// A parse error's sentence with its `quoted` parts as code, as the CLI's backticks mean them.
fn with_code(text: &str) -> Html {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                html! { <code>{ part }</code> }
            } else {
                html! { { part } }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The playground's replication.factor knob greys out what its three brokers cannot hold.
    #[test]
    fn a_replication_factor_above_the_brokers_is_refused() {
        let src = "cluster brokers=3\ntopic t partitions=1 replication.factor=3\nrun 5s\n";
        assert!(!knob_refuses(src, "replication.factor", "3"));
        assert!(knob_refuses(src, "replication.factor", "4"));
        assert!(!knob_refuses(src, "acks", "4"));
    }

    /// A knob picked is not an edit ("Edited … back to the original" is for edits); an edit
    /// beside it is.
    #[test]
    fn a_knob_alone_is_not_an_edit() {
        let knobs = vec![Knob {
            key: "acks".into(),
            choices: ["0", "1", "all"].map(String::from).to_vec(),
        }];
        let original = "producer p1\nproducer p2 acks=1\nrun 5s\n";
        let picked = set_knob(original, "acks", "0");
        assert!(knobs_only(original, &picked, &knobs));
        assert!(!knobs_only(
            original,
            &picked.replace("run 5s", "run 6s"),
            &knobs
        ));
        assert!(!knobs_only(
            original,
            "producer p1 acks=0\nrun 5s\n",
            &knobs
        ));
    }

    #[test]
    fn knob_menus_never_show_a_value_the_scenario_does_not_have() {
        let choices: Vec<String> = ["0", "1", "all"].map(String::from).to_vec();
        let src = "producer p1 acks=all\nproducer p2 acks=1\n";
        assert_eq!(
            knob_placeholder(&knob_values(src, "acks"), &choices).as_deref(),
            Some("mixed: all, 1")
        );
        // A producer that leaves acks at its default, beside one that sets it.
        let src = "producer p1 acks=0\nproducer p2\n";
        assert_eq!(
            knob_placeholder(&knob_values(src, "acks"), &choices).as_deref(),
            Some("mixed: 0, (default)")
        );
        assert_eq!(
            set_knob(src, "acks", "all"),
            "producer p1 acks=all\nproducer p2 acks=all\n"
        );
        let src = "producer p1 acks=2\n";
        assert_eq!(
            knob_placeholder(&knob_values(src, "acks"), &choices).as_deref(),
            Some("2 (not offered)")
        );
        assert_eq!(
            knob_placeholder(&knob_values("producer p1\n", "acks"), &choices).as_deref(),
            Some("(default)")
        );
        assert_eq!(
            knob_placeholder(&knob_values("producer p1 acks=1\n", "acks"), &choices),
            None
        );
        // A topic without the setting takes the cluster line's: one value, shown selected
        // (walk 10, #3: the unclean election lesson read "mixed: false, (default)").
        let bools: Vec<String> = ["false", "true"].map(String::from).to_vec();
        let src = "cluster brokers=3 unclean.leader.election.enable=false\ntopic t partitions=1\n";
        let key = "unclean.leader.election.enable";
        assert_eq!(knob_placeholder(&knob_values(src, key), &bools), None);
        assert_eq!(
            set_knob(src, key, "true"),
            "cluster brokers=3 unclean.leader.election.enable=true\ntopic t partitions=1 \
             unclean.leader.election.enable=true\n"
        );
    }

    #[test]
    fn knobs_rewrite_only_whole_keys() {
        let src =
            "producer p1 topic=t acks=all rate=10/s\ntopic t min.insync.replicas=2 x.acks=9\n";
        let out = set_knob(src, "acks", "1");
        assert_eq!(
            out,
            "producer p1 topic=t acks=1 rate=10/s\ntopic t min.insync.replicas=2 x.acks=9\n"
        );
        assert_eq!(knob_value(&out, "acks").as_deref(), Some("1"));
        assert_eq!(knob_value(src, "min.insync.replicas").as_deref(), Some("2"));
        let k = Knob::parse("replication.factor:1..3").unwrap();
        assert_eq!(k.choices, vec!["1", "2", "3"]);
        assert_eq!(Knob::parse("acks:0,1,all").unwrap().choices.len(), 3);
        assert!(Knob::parse("nonsense").is_none());
        // A setting the scenario leaves to its default is added where it belongs.
        let src = "topic t partitions=1 # one\nproducer p topic=t\nrun 5s\n";
        assert_eq!(
            set_knob(src, "min.insync.replicas", "2"),
            "topic t partitions=1 min.insync.replicas=2 # one\nproducer p topic=t\nrun 5s\n"
        );
        assert_eq!(
            set_knob(src, "acks", "1"),
            "topic t partitions=1 # one\nproducer p topic=t acks=1\nrun 5s\n"
        );
    }
}

