//! `#/bench`: the engine alone in the browser — the standard scenario run to its end with no
//! checkpoints and no rendering in between, timed with `performance.now()`, so it can be compared
//! with the native `khafka bench` figure.

use khafka_sim::{Sim, SimOptions};
use yew::prelude::*;

const STANDARD: &str = include_str!("../../tests/scenarios/standard.khafka");

#[function_component(Bench)]
pub fn bench() -> Html {
    let result = use_state(|| None::<String>);
    let running = use_state(|| false);
    let onclick = {
        let result = result.clone();
        let running = running.clone();
        Callback::from(move |_: MouseEvent| {
            // Say so first: the runs block the page for a few seconds.
            running.set(true);
            result.set(None);
            let result = result.clone();
            let running = running.clone();
            gloo::timers::callback::Timeout::new(50, move || {
                let perf = web_sys::window().and_then(|w| w.performance());
                let now = || perf.as_ref().map_or(0.0, |p| p.now());
                let spec = khafka_scenario::parse(STANDARD)
                    .expect("the standard scenario parses")
                    .spec;
                let opts = SimOptions {
                    check_invariants: false,
                    ..SimOptions::default()
                };
                let mut times = Vec::new();
                let mut hash = 0;
                for _ in 0..3 {
                    let mut sim = Sim::with_options(spec.clone(), opts.clone());
                    let t0 = now();
                    sim.run();
                    times.push(now() - t0);
                    hash = sim.trace_hash();
                }
                khafka_sim::kernel::small::sort_by(&mut times, |a, b| a.total_cmp(b));
                result.set(Some(format!(
                    "standard scenario, engine only: median {:.0} ms of 3; trace hash {}",
                    times[1],
                    khafka_sim::trace::format_hash(hash)
                )));
                running.set(false);
            })
            .forget();
        })
    };
    html! {
        <article class="lesson">
            <h1>{ "Engine benchmark" }</h1>
            <p>{ "Runs the standard scenario (60 s simulated, 10,000 records/s) three times in this page, without checkpoints or rendering." }</p>
            <button class="primary" {onclick} disabled={*running}>{ "Run the benchmark" }</button>
            if *running {
                <p class="notice" aria-live="polite">{ "Running the standard scenario three times (the page is busy for a few seconds)…" }</p>
            }
            { (*result).clone().map(|r| html! { <p class="bench-result">{ r }</p> }).unwrap_or_default() }
        </article>
    }
}
