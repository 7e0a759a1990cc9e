//! A lesson's format cells (```` ```format encode ````, `compat`, `decode`; docs/writing-lessons.md),
//! rendered by this bundle into the hosts the main app's lesson page gives it
//! (`web/src/formats_loader.rs`, `FormatSlot`). Each cell is an editor with its text and a Run
//! button; running it sends the text to a codec bundle (`{"op":"cell"}`, `khafka_formats::cell::run`,
//! the function CI runs natively on every lesson) and shows the bytes, sizes, the registry's verdict
//! or what a consumer read, and the cell's `expect` lines graded. An exercise grades its goal (the
//! lesson's `expect` lines, whatever the editor holds) and keeps a pass in `khafka.progress`.
//!
//! As in the notebook (`web/src/notebook.rs`), one Yew app renders every cell as a portal into its
//! host; its root is a detached element created before any other root of this bundle's copy of Yew,
//! so it takes subtree 1 and the portals 2 and up, and the main app (subtree 1 of its own copy)
//! ignores events inside the hosts. The main app sends window events `khafka-format-cells` with
//! `{op: "mount", n, host, cell}` (the cell as JSON) or `{op: "unmount", n}`.

use crate::codec::{self, Answer, Bundle, CellReport, Request};
use crate::page::{layout_view, outcome, spaced, text_of};
use serde::Deserialize;
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// What the main app sends for a cell (`web/src/formats_loader.rs`, `FormatCellSpec`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Spec {
    /// `lesson-slug/fN`.
    pub id: String,
    /// `encode`, `compat` or `decode`.
    pub kind: String,
    pub source: String,
    pub exercise: bool,
    pub solution: Option<String>,
}

thread_local! {
    static SLOTS: crate::hosts::Hosts<Spec> = const { RefCell::new(Vec::new()) };
    static RERENDER: RefCell<Option<Callback<()>>> = const { RefCell::new(None) };
}

/// The `expect` lines of a cell's text, without `expect ` (`khafka_formats::cell::expect_lines`).
fn expect_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("expect "))
        .map(|l| l.trim().to_string())
        .collect()
}

/// The codec bundle a cell needs: its `format` line's.
fn bundle_of(text: &str) -> Bundle {
    let format = text
        .lines()
        .find_map(|l| l.strip_prefix("format "))
        .unwrap_or("")
        .trim();
    Bundle::for_format(format)
}

#[derive(Properties, PartialEq)]
struct CellProps {
    spec: Spec,
}

#[function_component(FormatCell)]
fn format_cell(props: &CellProps) -> Html {
    let spec = &props.spec;
    let text = use_state(|| spec.source.clone());
    let answer = use_state(|| None::<Answer>);
    let running = use_state(|| false);
    // The text of the run the output shows: an edit since makes the output stale.
    let ran = use_state(|| None::<String>);
    let goal = use_memo(spec.source.clone(), |s| expect_lines(s));
    let run = {
        let (text, answer, running, ran) =
            (text.clone(), answer.clone(), running.clone(), ran.clone());
        let (kind, exercise, id, goal) = (
            spec.kind.clone(),
            spec.exercise,
            spec.id.clone(),
            goal.clone(),
        );
        Callback::from(move |source: String| {
            running.set(true);
            let (answer, running, id, ran) =
                (answer.clone(), running.clone(), id.clone(), ran.clone());
            let answered = source.clone();
            let goal_lines = exercise.then(|| (*goal).clone());
            let passed_goal = exercise;
            codec::request(
                bundle_of(&source),
                &Request {
                    op: "cell",
                    kind: Some(&kind),
                    text: Some(&source),
                    goal: goal_lines,
                    ..Request::default()
                },
                Callback::from(move |a: Answer| {
                    if passed_goal {
                        if let Ok(r) = &a {
                            if r.ok && r.report.expects.iter().all(|g| g.holds) {
                                crate::progress::mark_passed(&id);
                            }
                        }
                    }
                    running.set(false);
                    answer.set(Some(a));
                    // Set with the answer, not the request: while a run is in flight the output
                    // still shows the previous text's result, and says so.
                    ran.set(Some(answered.clone()));
                }),
            );
            text.set(source);
        })
    };
    let stale = ran.as_ref().is_some_and(|r| *r != *text);
    // A cell runs once when it appears: the reader sees the bytes without a click.
    {
        let (run, source) = (run.clone(), spec.source.clone());
        use_effect_with((), move |_| run.emit(source));
    }
    let editor_id = format!("format-src-{}", spec.id.replace('/', "-"));
    // Tall enough for a lesson's longest cell (an exercise's line to change must not hide
    // below an inner scrollbar: walk 11).
    let rows = text.lines().count().clamp(3, 32).to_string();
    let on_run = {
        let (run, editor_id) = (run.clone(), editor_id.clone());
        Callback::from(move |_: MouseEvent| {
            let value = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(&editor_id))
                .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
                .map(|t| t.value())
                .unwrap_or_default();
            run.emit(value);
        })
    };
    let on_input = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| text.set(text_of(&e)))
    };
    let result = match (*answer).as_ref().map(outcome) {
        None => {
            html! { <p class="muted loading" role="status">{ "Loading the codec bundle…" }</p> }
        }
        Some(Err(e)) => html! { <p class="notice error format-error" role="alert">{ e }</p> },
        Some(Ok(r)) => report_view(&r.report, spec.exercise),
    };
    let status = if spec.exercise {
        let graded = match (*answer).as_ref().map(outcome) {
            Some(Ok(r)) if r.report.expects.len() == goal.len() => Some(&r.report.expects),
            _ => None,
        };
        let passed = graded.as_ref().is_some_and(|g| g.iter().all(|g| g.holds));
        // Each goal line with how the last run did against it, as a simulator exercise shows.
        let line = |i: usize, g: &String| match graded.as_ref().and_then(|r| r.get(i)) {
            Some(r) => html! {
                <li class={if r.holds { "holds" } else { "fails" }}>
                    { if r.holds { "✓ " } else { "✗ " } }<code>{ format!("expect {g}") }</code>{ format!(" (actual: {})", r.actual) }
                </li>
            },
            None => html! { <li><code>{ format!("expect {g}") }</code></li> },
        };
        html! {
            <div class="exercise-goal">
                <strong>{ "Goal" }</strong>
                <span class={classes!("status", if passed { "passed" } else { "not-yet" })}>
                    { if passed { "Passed" } else { "Not yet" } }
                </span>
                <ul>{ for goal.iter().enumerate().map(|(i, g)| line(i, g)) }</ul>
            </div>
        }
    } else {
        html! {}
    };
    let solution = match (&spec.solution, spec.exercise) {
        (Some(sol), true) => {
            let (run, sol2) = (run.clone(), sol.clone());
            html! {
                <details class="solution">
                    <summary>{ "Show a solution" }</summary>
                    <pre class="code"><code>{ sol.clone() }</code></pre>
                    <button class="use-solution" onclick={Callback::from(move |_: MouseEvent| run.emit(sol2.clone()))}>{ "Put it in the editor and run" }</button>
                </details>
            }
        }
        _ => html! {},
    };
    html! {
        <div class={classes!("format-cell", spec.kind.clone())} data-cell={spec.id.clone()}>
            { status }
            <label class="visually-hidden" for={editor_id.clone()}>{ format!("Format cell ({})", spec.kind) }</label>
            <textarea id={editor_id} class="format-source" spellcheck="false" {rows} value={(*text).clone()} oninput={on_input} />
            <p class="format-actions">
                <button class="run" onclick={on_run} disabled={*running}>{ if *running { "Running…" } else { "Run" } }</button>
            </p>
            if stale {
                <p class="format-stale" role="status">{
                    if *running { "Running the new text: the output below is the previous one's." }
                    else { "Edited since this ran: press Run to see what the new text does." }
                }</p>
            }
            <div class={classes!("format-output", stale.then_some("stale"))} aria-live="polite">{ result }</div>
            { solution }
        </div>
    }
}

fn bytes_line(hex: &str) -> Html {
    html! { <p class="format-bytes">{ format!("{} bytes: ", hex.len() / 2) }<code class="hex">{ spaced(hex) }</code></p> }
}

fn report_view(r: &CellReport, exercise: bool) -> Html {
    let body = match r.kind.as_str() {
        "encode" => {
            let first = r.encoded.first();
            let more = r.encoded.len().saturating_sub(1);
            let batch = r.batch.as_ref().map(|b| {
                let total: usize = r.encoded.iter().map(|e| e.hex.len() / 2).sum();
                html! {
                    <table class="format-batch">
                        <tbody>
                            <tr><th scope="row">{ format!("{} value{}", r.encoded.len(), if r.encoded.len() == 1 { "" } else { "s" }) }</th><td class="num">{ format!("{total} B") }</td></tr>
                            <tr><th scope="row">{ "record batch, no compression" }</th><td class="num">{ format!("{} B", b.uncompressed.batch_bytes) }</td></tr>
                            if b.codec != "none" {
                                <tr><th scope="row">{ format!("record batch, {}", b.codec) }</th><td class="num">{ format!("{} B", b.compressed.batch_bytes) }</td></tr>
                            }
                        </tbody>
                    </table>
                }
            });
            html! {
                <>
                    // A batch cell is about sizes: its first value's layout is one click away.
                    { for first.map(|e| if more > 0 {
                        html! { <>{ bytes_line(&e.hex) }<details class="format-layout"><summary>{ "The first value, byte by byte" }</summary>{ layout_view(&e.hex, &e.layout) }</details></> }
                    } else {
                        html! { <>{ bytes_line(&e.hex) }{ layout_view(&e.hex, &e.layout) }</> }
                    }) }
                    if more > 0 { <p class="muted">{ format!("and {more} more value{} in the batch", if more == 1 { "" } else { "s" }) }</p> }
                    { for batch }
                </>
            }
        }
        "compat" => match &r.compat {
            Some(c) if c.result.compatible => {
                html! { <p class="format-verdict compatible">{ "compatible" }</p> }
            }
            Some(c) => {
                html! { <p class="format-verdict incompatible">{ format!("incompatible: {}", c.reason) }</p> }
            }
            None => html! {},
        },
        _ => {
            let bytes = r.encoded.first().map(|e| bytes_line(&e.hex));
            let read = match &r.decoded {
                Some(d) => match (&d.value, &d.error) {
                    (Some(v), _) => {
                        html! { <p class="format-verdict decodes">{ "The consumer reads " }<code>{ v.clone() }</code></p> }
                    }
                    (None, Some(e)) => {
                        html! { <p class="format-verdict fails">{ format!("The consumer fails: {e}") }</p> }
                    }
                    _ => html! {},
                },
                None => html! {},
            };
            html! { <>{ for bytes }{ read }</> }
        }
    };
    // An exercise's goal is shown above the editor; a cell's own lines are predictions.
    let predictions = if exercise || r.expects.is_empty() {
        html! {}
    } else {
        html! {
            <ul class="predictions">
                { for r.expects.iter().map(|g| html! {
                    <li class={if g.holds { "holds" } else { "fails" }}>
                        { if g.holds { "✓ " } else { "✗ " } }<code>{ format!("expect {}", g.line) }</code>{ format!(" — {}", g.actual) }
                    </li>
                }) }
            </ul>
        }
    };
    html! { <>{ body }{ predictions }</> }
}

#[derive(Properties, PartialEq)]
struct PortalProps {
    host: web_sys::Element,
    spec: Spec,
}

#[function_component(Portal)]
fn portal(props: &PortalProps) -> Html {
    create_portal(
        html! { <FormatCell spec={props.spec.clone()} /> },
        props.host.clone(),
    )
}

#[function_component(Cells)]
fn cells() -> Html {
    let update = use_force_update();
    use_effect_with((), move |_| {
        RERENDER.with(|r| *r.borrow_mut() = Some(Callback::from(move |_| update.force_update())));
    });
    let slots = SLOTS.with(|s| s.borrow().clone());
    html! {
        { for slots.into_iter().map(|(n, (host, spec))| html! { <Portal key={n} {host} {spec} /> }) }
    }
}

/// A message from the main app: `mount` a cell into its host, or `unmount` it.
fn on_message(detail: &wasm_bindgen::JsValue) {
    if SLOTS.with(|s| crate::hosts::apply(s, detail, "cell")) {
        if let Some(r) = RERENDER.with(|r| r.borrow().clone()) {
            r.emit(());
        }
    }
}

/// Starts the cells' app (before any other root of this bundle) and listens to the main app.
pub fn start(w: &web_sys::Window) {
    gloo::events::EventListener::new(w, "khafka-format-cells", |e| {
        if let Some(e) = e.dyn_ref::<web_sys::CustomEvent>() {
            on_message(&e.detail());
        }
    })
    .forget();
    if let Some(root) = w.document().and_then(|d| d.create_element("div").ok()) {
        yew::Renderer::<Cells>::with_root(root).render();
    }
}
