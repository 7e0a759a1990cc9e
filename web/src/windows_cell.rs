//! A window cell (```` ```khafka windows ````): the flags and records `khafka windows` takes, run
//! through one Kafka Streams windowed aggregation (`khafka_streams::text`) and drawn as a timeline —
//! event time across, arrival order down; each window a band from the record that opened it to
//! the record whose arrival moved stream time past its close time; late records marked with how
//! late they were; a step control to replay record by record; the forwarded results beside it.
//! An exercise (```` ```khafka windows exercise ````) grades the cell's `expect` lines on the
//! reader's text.

use khafka_streams::text::{self, lateness, output_line, Expect, Step};
use khafka_streams::{Emit, Event, Window, WindowSpec};
use std::rc::Rc;
use yew::prelude::*;

/// A window exercise: the lesson's `expect` lines and its solution.
#[derive(PartialEq)]
pub struct WindowExercise {
    pub goal: Vec<Expect>,
    pub solution: Option<String>,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub id: AttrValue,
    pub source: AttrValue,
    pub exercise: Option<Rc<WindowExercise>>,
}

/// A window as the eager run saw it: the record that opened it, the one that closed it (stream
/// time reached its close time) or merged it away (a session's tombstone), and its updates.
struct Band {
    key: String,
    window: Window,
    opened: usize,
    closes_at: i64,
    closed: Option<usize>,
    merged: Option<usize>,
    /// `(record, aggregate)` for each update.
    values: Vec<(usize, String)>,
}

fn bands(spec: &WindowSpec, eager: &[Step]) -> Vec<Band> {
    let mut out: Vec<Band> = Vec::new();
    for (i, step) in eager.iter().enumerate() {
        for e in &step.events {
            let Event::Result {
                key, window, value, ..
            } = e
            else {
                continue;
            };
            let b = match out
                .iter()
                .position(|b| &b.key == key && b.window == *window)
            {
                Some(b) => &mut out[b],
                None => {
                    let closes_at = spec.closes_at(window);
                    out.push(Band {
                        key: key.clone(),
                        window: *window,
                        opened: i,
                        closes_at,
                        closed: eager[i..]
                            .iter()
                            .position(|s| s.stream_time >= closes_at)
                            .map(|j| i + j),
                        merged: None,
                        values: Vec::new(),
                    });
                    out.last_mut().expect("pushed")
                }
            };
            match value {
                Some(v) => b.values.push((i, v.to_string())),
                None => b.merged = b.merged.or(Some(i)),
            }
        }
    }
    out
}

const W: f64 = 600.0;
/// Where the plot starts (the record labels are left of it).
const X0: f64 = 150.0;
const ROW: f64 = 18.0;
const TOP: f64 = 24.0;

#[function_component(WindowsCell)]
pub fn windows_cell(props: &Props) -> Html {
    // The reader's edit is kept in this browser like a scenario cell's (`cell::save`).
    let src = use_state(|| {
        crate::saved::load_saved(&props.id)
            .0
            .unwrap_or_else(|| props.source.to_string())
    });
    // Records processed so far; `None`: all of them.
    let step = use_state(|| None::<usize>);
    let parsed = text::parse_cell(&src).and_then(|cell| {
        let steps = cell.run()?;
        let eager = if cell.flags.emit == Emit::Eager {
            steps.clone()
        } else {
            let mut flags = cell.flags.clone();
            flags.emit = Emit::Eager;
            let records: Vec<_> = cell.records.iter().map(|(_, r)| r.clone()).collect();
            text::run(&flags, &records, text::MAX_CELL_WORK)?
        };
        Ok((cell, steps, eager))
    });
    let exercise = props.exercise.as_ref().map(|ex| {
        // The brief asks for a window (its grace) that copes with these records: reordering or
        // dropping them is not an answer.
        let given = text::parse_cell(&props.source).map(|c| c.records);
        let records_changed = parsed.as_ref().is_ok_and(|(cell, _, _)| {
            !given.as_ref().is_ok_and(|r| {
                r.len() == cell.records.len()
                    && r.iter().zip(&cell.records).all(|(a, b)| a.1 == b.1)
            })
        });
        let grades: Option<Vec<(bool, String)>> = parsed.as_ref().ok().map(|(_, steps, _)| {
            let mut g: Vec<(bool, String)> = ex.goal.iter().map(|e| e.check(steps)).collect();
            // Graded, not listed: the hint says it when it fails.
            g.push((!records_changed, String::new()));
            g
        });
        let passed = grades
            .as_ref()
            .is_some_and(|g| !g.is_empty() && g.iter().all(|(ok, _)| *ok));
        if passed {
            crate::progress::mark_passed(&props.id);
        }
        // Passed with more grace than it needs: the smallest that passes too.
        let smallest = parsed
            .as_ref()
            .ok()
            .filter(|_| passed)
            .and_then(|(cell, _, _)| text::smallest_grace(cell, &ex.goal));
        let solution = ex.solution.clone().map(|s| {
            let (src, step, sol, id) = (src.clone(), step.clone(), s.clone(), props.id.clone());
            let put = Callback::from(move |_: MouseEvent| {
                crate::saved::save(&id, &sol);
                src.set(sol.clone());
                step.set(None);
            });
            (s, put)
        });
        let goal: Vec<&str> = ex.goal.iter().map(|e| e.text.as_str()).collect();
        let panel = crate::saved::exercise_panel(
            if records_changed {
                "The records changed: put them back, and change only the window."
            } else {
                "Change the window, not the records or the goal:"
            },
            &goal,
            grades.as_deref(),
            solution,
            &props.source,
            crate::progress::passed().iter().any(|p| *p == *props.id),
        );
        html! {<>
            { panel }
            if let Some(g) = smallest {
                <p class="muted exercise-note">{ if g == 0 { "It passes with no grace too (grace=0ms).".to_string() } else { format!("It passes with less grace too: with grace={g}ms, though not with {}ms.", g - 1) } }</p>
            }
        </>}
    });
    let oninput = {
        let (src, step, id) = (src.clone(), step.clone(), props.id.clone());
        Callback::from(move |e: InputEvent| {
            let text = e
                .target_unchecked_into::<web_sys::HtmlTextAreaElement>()
                .value();
            crate::saved::save(&id, &text);
            src.set(text);
            step.set(None);
        })
    };
    let reset = {
        let (src, step, original, id) = (
            src.clone(),
            step.clone(),
            props.source.to_string(),
            props.id.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            use gloo::storage::Storage;
            let _ = gloo::storage::LocalStorage::raw().remove_item(&crate::saved::storage_key(&id));
            src.set(original.clone());
            step.set(None);
        })
    };
    // Every line on show (one more for the box's padding), up to ten, fewer as the picture grows
    // with more records: the whole cell must fit a 1280×720 screen (longer texts scroll in the
    // box; the predictions' verdicts beside the picture repeat the `expect` lines).
    let records = parsed.as_ref().map_or(0, |(cell, _, _)| cell.records.len());
    let rows = (src.lines().count() + 1)
        .clamp(4, 10)
        .min(16usize.saturating_sub(records).max(6));
    // Outside an exercise, the cell's `expect` lines are the lesson's predictions: checked on all
    // the records, like a scenario cell's at the end of its run.
    let predictions = match (&parsed, props.exercise.is_some()) {
        (Ok((cell, steps, _)), false) if !cell.expects.is_empty() => {
            let changed = *src != props.source.as_str();
            html! {
                <div class="predictions">
                    <span class="predictions-head">{ format!("Predictions, after all {} records:", steps.len()) }</span>
                    <ul class="expects" aria-label="Predictions">
                        { for cell.expects.iter().map(|e| {
                            let (ok, actual) = e.check(steps);
                            let (class, mark) = match (ok, changed) {
                                (true, _) => ("pass", "✓ held"),
                                (false, true) => ("changed", "prediction did not hold"),
                                (false, false) => ("fail", "✗ did not hold"),
                            };
                            html! { <li class={class}><span class="badge">{ mark }</span><code>{ e.text.clone() }</code>
                                <span class="actual">{ format!(" (actual: {actual})") }</span></li> }
                        }) }
                    </ul>
                </div>
            }
        }
        _ => Html::default(),
    };
    let body = match &parsed {
        Err(e) => html! { <>
            <p class="notice error" role="alert">{ e.clone() }</p>
            <button class="small" onclick={reset}>{ "Reset" }</button>
        </> },
        Ok((cell, steps, eager)) => timeline(cell, steps, eager, &step, reset, predictions),
    };
    html! {
        <section class="wcell" aria-label="window cell" id={format!("cell-{}", props.id)}>
            { exercise.unwrap_or_default() }
            <textarea class="scenario wsrc" spellcheck="false" rows={rows.to_string()}
                aria-label="khafka windows' flags, then KEY VALUE TIMESTAMP_MS a line in arrival order, then expect lines" value={(*src).clone()} {oninput} />
            { body }
        </section>
    }
}

/// The step control, the timeline, the windows, and beside them the predictions' verdicts and the
/// results.
fn timeline(
    cell: &text::Cell,
    steps: &[Step],
    eager: &[Step],
    step: &UseStateHandle<Option<usize>>,
    reset: Callback<MouseEvent>,
    predictions: Html,
) -> Html {
    let n = steps.len();
    let k = step.unwrap_or(n).min(n);
    let spec = &cell.flags.spec;
    let bands = bands(spec, eager);
    let stream_time = if k == 0 { -1 } else { steps[k - 1].stream_time };
    // The event-time range on show.
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for (_, r) in &cell.records {
        lo = lo.min(r.timestamp);
        hi = hi.max(r.timestamp);
    }
    for b in &bands {
        lo = lo.min(b.window.start);
        hi = hi.max(b.window.end);
    }
    if lo > hi {
        (lo, hi) = (0, 1);
    }
    let span = (hi - lo).max(1) as f64;
    let x = |t: i64| X0 + (t.clamp(lo, hi) - lo) as f64 / span * (W - X0 - 10.0);
    let y = |i: usize| TOP + i as f64 * ROW + ROW / 2.0;
    let keys: Vec<&str> = {
        let mut v: Vec<&str> = Vec::new();
        for (_, r) in &cell.records {
            if !v.contains(&r.key.as_str()) {
                v.push(&r.key);
            }
        }
        v
    };
    let hue = |key: &str| keys.iter().position(|k| *k == key).unwrap_or(0) % 6;
    let dropped_at = |i: usize| {
        steps[i].events.iter().find_map(|e| match e {
            Event::Dropped(d) => Some(d),
            _ => None,
        })
    };
    let set = |to: Option<usize>| {
        let step = step.clone();
        Callback::from(move |_: MouseEvent| step.set(to))
    };
    let onrange = {
        let step = step.clone();
        Callback::from(move |e: InputEvent| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlInputElement>()
                .value();
            step.set(v.parse().ok().filter(|v| *v < n));
        })
    };
    let height = TOP + n.max(1) as f64 * ROW + 6.0;
    // Event time's tick marks, with a faint line down the picture each.
    let grid = ticks(lo, hi);
    let band_view = bands.iter().filter(|b| b.opened < k).map(|b| {
        let ended = b.merged.or(b.closed).filter(|e| *e < k);
        let last = ended.unwrap_or(k - 1);
        let (x1, x2) = (x(b.window.start), x(b.window.end));
        let state = match (b.merged.filter(|m| *m < k), b.closed.filter(|c| *c < k)) {
            (Some(_), _) => "merged",
            (_, Some(_)) => "closed",
            _ => "open",
        };
        let value = b.values.iter().rev().find(|(i, _)| *i < k).map_or("", |(_, v)| v.as_str());
        let top = y(b.opened) - ROW / 2.0 + 1.0;
        // Windows of different keys can share a range: each names its key inside its top-left
        // corner (their tops are a row apart), where the band is wide enough.
        let named = x2 - x1 > 8.0 * b.key.chars().count() as f64 + 6.0;
        html! { <g>
            <rect class={format!("band k{} {state}", hue(&b.key))} x={format!("{x1:.1}")} y={format!("{top:.1}")}
                width={format!("{:.1}", (x2 - x1).max(2.0))} height={format!("{:.1}", y(last) - y(b.opened) + ROW - 2.0)}>
                <title>{ format!("{}@{} = {value} · {state} · closes when stream time reaches {}", b.key, b.window, b.closes_at) }</title>
            </rect>
            if named {
                <text class={format!("bkey k{} {state}", hue(&b.key))} x={format!("{:.1}", x2 - 3.0)} y={format!("{:.1}", top + 11.0)}>{ &b.key }</text>
            }
        </g> }
    });
    let stream_path: String = steps[..k]
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let sx = x(s.stream_time);
            if i == 0 {
                format!("M{sx:.1},{:.1}V{:.1}", y(i) - ROW / 2.0, y(i) + ROW / 2.0)
            } else {
                format!("H{sx:.1}V{:.1}", y(i) + ROW / 2.0)
            }
        })
        .collect();
    let records = cell.records.iter().enumerate().map(|(i, (_, r))| {
        let seen = i < k;
        let late = dropped_at(i).filter(|_| seen);
        let cls = classes!("rec", format!("k{}", hue(&r.key)), (!seen).then_some("future"), late.map(|_| "late"), (i + 1 == k).then_some("now"));
        html! { <g class={cls}>
            <text x="4" y={format!("{:.1}", y(i) + 4.0)}>{ format!("#{i} {} {} @{}", r.key, r.value, r.timestamp) }</text>
            <circle cx={format!("{:.1}", x(r.timestamp))} cy={format!("{:.1}", y(i))} r="4" />
            if let Some(d) = late {
                <text class="why" x={format!("{:.1}", (x(r.timestamp) + 7.0).min(W - 120.0))} y={format!("{:.1}", y(i) + 4.0)}>
                    { format!("late by {} ms", steps[i].stream_time - d.timestamp) }</text>
            }
        </g> }
    });
    let results = steps[..k].iter().enumerate().flat_map(|(i, s)| {
        s.events.iter().map(move |e| {
            let why = match e {
                Event::Dropped(d) => lateness(spec, &d.reason).map(|(w, closed, now)| {
                    format!(" — window {w} closed at stream time {closed}; stream time was {now}, {} ms past the record", now - d.timestamp)
                }),
                _ => None,
            };
            let cls = classes!(matches!(e, Event::Dropped(_)).then_some("dropped"), (i + 1 == k).then_some("new"));
            html! { <li class={cls}><span class="muted">{ format!("#{i} ") }</span><code>{ output_line(e) }</code>{ why.unwrap_or_default() }</li> }
        }).collect::<Vec<_>>()
    });
    let dropped: usize = steps[..k]
        .iter()
        .flat_map(|s| &s.events)
        .filter(|e| matches!(e, Event::Dropped(_)))
        .count();
    let windows = bands.iter().filter(|b| b.opened < k).map(|b| {
        let value = b.values.iter().rev().find(|(i, _)| *i < k).map_or("—", |(_, v)| v.as_str());
        let state = match (b.merged.filter(|m| *m < k), b.closed.filter(|c| *c < k)) {
            (Some(m), _) => format!("merged away at #{m}"),
            (_, Some(c)) => format!("closed at #{c}"),
            _ => "open".into(),
        };
        html! { <tr><td><code>{ format!("{}@{}", b.key, b.window) }</code></td><td>{ value }</td><td>{ b.closes_at }</td><td>{ state }</td></tr> }
    });
    html! { <>
        <div class="wsteps" role="group" aria-label="Records">
            <button class="small" onclick={set(Some(0))} aria-label="Rewind">{ "|◀" }</button>
            <button class="small" onclick={set(k.checked_sub(1).map(Some).unwrap_or(Some(0)))} aria-label="Back one record">{ "◀" }</button>
            <button class="small" onclick={set((k + 1 < n).then_some(k + 1))} aria-label="Step one record">{ "Step ▶" }</button>
            <input type="range" min="0" max={n.to_string()} value={k.to_string()} oninput={onrange} aria-label="Records processed" />
            <span class="wnow" role="status">{ format!("{k} of {n} records · stream time {} · dropped-records-total {dropped}",
                if stream_time < 0 { "none yet".to_string() } else { stream_time.to_string() }) }</span>
            <button class="small" onclick={reset}>{ "Reset" }</button>
        </div>
        <div class="wgrid">
            <div>
                <svg class="wtl" viewBox={format!("0 0 {W} {height:.0}")} role="img"
                    aria-label={format!("Event time {lo} to {hi} ms across, arrival order down")}>
                    { for grid.iter().enumerate().map(|(i, t)| html! { <g class="tick">
                        <line x1={format!("{:.1}", x(*t))} x2={format!("{:.1}", x(*t))} y1="16" y2={format!("{height:.0}")} />
                        <text class={if x(*t) > W - 60.0 { "axis end" } else { "axis mid" }} x={format!("{:.1}", x(*t).min(W - 2.0))} y="12">
                            { if i + 1 == grid.len() { format!("{t} ms") } else { t.to_string() } }</text>
                    </g> }) }
                    <text class="axis" x="4" y="12">{ "- - stream time" }</text>
                    { for band_view }
                    <path class="stime" d={stream_path}><title>{ "stream time" }</title></path>
                    { for records }
                </svg>
                <table class="wwin"><thead><tr><th scope="col">{ "window" }</th><th scope="col">{ "aggregate" }</th>
                    <th scope="col">{ "closes at stream time" }</th><th scope="col">{ "state" }</th></tr></thead>
                    <tbody>{ for windows }</tbody></table>
            </div>
            <div class="wout">
                { predictions }
                <strong>{ "Forwarded, and dropped as late" }</strong>
                <ol class="wres" aria-label="Forwarded results and records dropped as late">{ for results }</ol>
            </div>
        </div>
    </> }
}

/// Tick marks for event times `lo..=hi`: the multiples of 1, 2 or 5 × 10^k in it, at most six.
fn ticks(lo: i64, hi: i64) -> Vec<i64> {
    let span = hi.saturating_sub(lo).max(1);
    let mut power: i64 = 1;
    loop {
        for m in [1, 2, 5] {
            let step = power.saturating_mul(m);
            if span / step <= 5 {
                let first = lo.div_euclid(step).saturating_add(1).saturating_mul(step);
                let first = if lo.rem_euclid(step) == 0 { lo } else { first };
                return (0..6)
                    .map(|i| first.saturating_add(step.saturating_mul(i)))
                    .take_while(|t| *t <= hi)
                    .collect();
            }
        }
        power = power.saturating_mul(10);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ticks_are_round_and_few() {
        assert_eq!(super::ticks(0, 180_000), vec![0, 50_000, 100_000, 150_000]);
        assert_eq!(super::ticks(1_000, 122_000), vec![50_000, 100_000]);
        assert_eq!(super::ticks(0, 60_000), vec![0, 20_000, 40_000, 60_000]);
        assert_eq!(super::ticks(5, 5), vec![5]);
        assert!(super::ticks(i64::MIN, i64::MAX).len() <= 6);
    }
}
