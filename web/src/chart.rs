//! One chart drawn at the width it is shown, so its 12–15 px text stays 12–15 px on a phone and on a
//! wide screen alike (an SVG drawn at a fixed size and scaled to fit shrinks its text with it).
//!
//! The figure measures its own width after it is laid out, and on window resize; the SVG is our own
//! markup from numbers and fixed labels (`khafka-charts`), no user text reaches it.

use khafka_charts::LineChart;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub chart: Rc<LineChart>,
}

/// Width before the first measurement (a lesson column).
const DEFAULT_WIDTH: u32 = 720;

fn height_for(width: u32) -> u32 {
    (width * 9 / 20).clamp(210, 250)
}

#[function_component(Chart)]
pub fn chart(props: &ChartProps) -> Html {
    let node = use_node_ref();
    let width = use_state(|| DEFAULT_WIDTH);
    {
        let node = node.clone();
        let width = width.clone();
        use_effect_with((), move |_| {
            let measure = {
                let node = node.clone();
                let width = width.clone();
                move || {
                    if let Some(el) = node.cast::<web_sys::Element>() {
                        let w = el.client_width().max(200) as u32;
                        if w != *width {
                            width.set(w);
                        }
                    }
                }
            };
            measure();
            let listener = web_sys::window().map(|w| {
                gloo::events::EventListener::new(w.unchecked_ref(), "resize", move |_| measure())
            });
            move || drop(listener)
        });
    }
    let c = &props.chart;
    let w = *width;
    let body = match khafka_charts::to_svg(c, w, height_for(w)) {
        Ok(svg) => Html::from_html_unchecked(AttrValue::from(svg)),
        Err(e) => html! { <p class="notice">{ format!("{}: {e}", c.title) }</p> },
    };
    html! {
        <figure class="chart" ref={node} aria-label={c.title.clone()}>{ body }</figure>
    }
}
