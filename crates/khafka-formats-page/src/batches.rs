//! The encoded record in a record batch under each `compression.type`: real sizes, measured by the
//! codec bundle encoding and compressing the batch (`khafka_formats::api`'s `batch` request), for
//! one record or several copies of it.

use crate::codec::{self, Answer, Bundle, Request};
use crate::page::{outcome, text_of, FORMATS};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// The codecs measured (`compression.type`); zstd has no pure-Rust encoder here (docs/formats.md).
const CODECS: [&str; 4] = ["none", "gzip", "snappy", "lz4"];
/// At most this many copies in a batch (the request must stay under the bundle's size limit).
const COPIES_MAX: usize = 1000;

#[derive(Properties, PartialEq)]
pub struct BatchesProps {
    /// Each format's encoded record (hex), `None` until it is encoded or when it could not be.
    pub hexes: [Option<String>; 3],
}

/// The answers for the latest inputs, by format and codec.
#[derive(Default, PartialEq)]
struct Sizes([[Option<Answer>; 4]; 3]);

enum Action {
    Clear,
    Set(usize, usize, Box<Answer>),
}

impl Reducible for Sizes {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::Clear => Sizes::default().into(),
            Action::Set(f, c, a) => {
                let mut next = Sizes(self.0.clone());
                next.0[f][c] = Some(*a);
                next.into()
            }
        }
    }
}

fn cell(answer: &Option<Answer>, pick: fn(&crate::codec::BatchSizes) -> usize) -> Html {
    match answer.as_ref().map(outcome) {
        None => html! { <td class="num">{ "…" }</td> },
        Some(Ok(r)) => html! { <td class="num">{ pick(&r.sizes) }</td> },
        Some(Err(e)) => html! { <td class="error">{ e }</td> },
    }
}

/// Which codec gives the smallest batch, from the measured sizes (once all are in).
fn summary(answers: &[Option<Answer>; 4]) -> Option<String> {
    let mut sizes = Vec::new();
    for a in answers {
        sizes.push(outcome(a.as_ref()?).ok()?.sizes.batch_bytes);
    }
    let none = sizes[0];
    let (best, bytes) = (1..CODECS.len())
        .map(|c| (c, sizes[c]))
        .min_by_key(|&(_, b)| b)?;
    Some(if bytes < none {
        format!(
            "{} is smallest, {bytes} bytes against {none} uncompressed ({:.0} % less)",
            CODECS[best],
            100.0 * (none - bytes) as f64 / none as f64
        )
    } else {
        format!("no codec makes the batch smaller than its {none} bytes uncompressed")
    })
}

#[function_component(Batches)]
pub fn batches(props: &BatchesProps) -> Html {
    let copies = use_state(|| 1usize);
    let sizes = use_reducer(Sizes::default);
    // Answers to earlier inputs still arrive (in order): only the latest inputs' are kept.
    let generation = use_mut_ref(|| 0u32);
    {
        let (sizes, generation) = (sizes.clone(), generation.clone());
        use_effect_with(
            (props.hexes.clone(), *copies),
            move |(hexes, copies): &([Option<String>; 3], usize)| {
                let g = {
                    let mut g = generation.borrow_mut();
                    *g = g.wrapping_add(1);
                    *g
                };
                sizes.dispatch(Action::Clear);
                for (f, (format, _)) in FORMATS.iter().enumerate() {
                    let Some(hex) = &hexes[f] else { continue };
                    let values = vec![hex.as_str(); *copies];
                    for (c, name) in CODECS.iter().enumerate() {
                        let r = Request {
                            op: "batch",
                            codec: Some(name),
                            values: Some(values.clone()),
                            ..Request::default()
                        };
                        let (sizes, generation): (_, Rc<RefCell<u32>>) =
                            (sizes.clone(), generation.clone());
                        codec::request(
                            Bundle::for_format(format),
                            &r,
                            Callback::from(move |a| {
                                if *generation.borrow() == g {
                                    sizes.dispatch(Action::Set(f, c, Box::new(a)));
                                }
                            }),
                        );
                    }
                }
            },
        );
    }
    let on_copies = {
        let copies = copies.clone();
        Callback::from(move |e: InputEvent| {
            if let Ok(n) = text_of(&e).trim().parse::<usize>() {
                copies.set(n.clamp(1, COPIES_MAX));
            }
        })
    };
    let n = *copies;
    html! {
        <section class="batches">
            <h2>{ "In a batch, compressed" }</h2>
            <p>
                { "A producer sends records in a record batch (format v2: a 61-byte header, then each record framed with varint lengths), compressed as a whole by its " }
                <code>{ "compression.type" }</code>
                { ". These are the batch's real sizes in bytes, encoded and compressed by the codec bundle." }
            </p>
            <label class="inline">{ "Copies of the record in the batch " }
                <input type="number" class="batch-copies" min="1" max={COPIES_MAX.to_string()} value={n.to_string()} oninput={on_copies} />
            </label>
            <div class="explained">
                <table class="batch-sizes">
                    <thead>
                        <tr><th>{ "format" }</th><th>{ "values" }</th><th>{ "records, framed" }</th>
                            { for CODECS.iter().map(|c| html! { <th>{ format!("batch, {c}") }</th> }) }
                        </tr>
                    </thead>
                    <tbody>
                        { for FORMATS.iter().enumerate().map(|(f, (format, name))| {
                            let row = if props.hexes[f].is_none() {
                                html! { <td class="muted" colspan="6">{ "no record encoded (see above)" }</td> }
                            } else {
                                let answers = &sizes.0[f];
                                html! {
                                    <>
                                        { cell(&answers[0], |s| s.payload_bytes) }
                                        { cell(&answers[0], |s| s.records_bytes) }
                                        { for answers.iter().map(|a| cell(a, |s| s.batch_bytes)) }
                                    </>
                                }
                            };
                            html! { <tr class={*format}><th scope="row">{ *name }</th>{ row }</tr> }
                        }) }
                    </tbody>
                </table>
            </div>
            <p class="batch-summary">{ for FORMATS.iter().enumerate().filter_map(|(f, (_, name))| {
                summary(&sizes.0[f]).map(|s| html! { <span>{ format!("{name}: {s}. ") }</span> })
            }) }</p>
            <p class="muted">{ "Copies of one record compress better than real traffic of different records (docs/formats.md measures 500 different users). zstd is not measured: no pure-Rust zstd encoder is used here." }</p>
        </section>
    }
}
