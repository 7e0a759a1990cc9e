//! `/#/formats`: data formats on real bytes (issue 9). A reader types a value and a schema per
//! format and sees the encoded record as hex, annotated byte by byte, with its size in JSON, Avro and
//! Protobuf side by side; below, a new schema is checked against an old one under a compatibility
//! mode, as the Schema Registry checks it.
//!
//! Nothing is encoded here: every answer comes from `khafka_formats::api::handle_json` running in a
//! codec bundle ([`crate::codec`]), fetched the first time this page opens. The page itself is
//! rendered into its own root, beside the main app's, hence its own `<main>`. The default schemas are
//! the ones in `docs/formats/` (a few hundred bytes compiled in).

use crate::batches::Batches;
use crate::codec::{self, Answer, Bundle, Reply, Request};
use crate::evolution::Evolution;
use wasm_bindgen::JsCast;
use yew::prelude::*;

pub const FORMATS: [(&str, &str); 3] =
    [("json", "JSON"), ("avro", "Avro"), ("protobuf", "Protobuf")];
const VALUE: &str = r#"{"id":7,"name":"Ann"}"#;

/// The example schema for `format` (`docs/formats/user.*`).
pub fn example_schema(format: &str) -> &'static str {
    match format {
        "avro" => include_str!("../../../docs/formats/user.avsc"),
        "protobuf" => include_str!("../../../docs/formats/user.proto"),
        _ => include_str!("../../../docs/formats/user.schema.json"),
    }
}

pub fn text_of(e: &Event) -> String {
    let t = e.target();
    if let Some(a) = t
        .clone()
        .and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
    {
        return a.value();
    }
    if let Some(s) = t
        .clone()
        .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
    {
        return s.value();
    }
    t.and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

/// An answer as shown: the worker's result, or its error message, or the bundle's failure.
pub fn outcome(answer: &Answer) -> Result<&Reply, String> {
    match answer {
        Err(why) => Err(why.clone()),
        Ok(r) if r.ok => Ok(r),
        Ok(r) => Err(r.error.message.clone()),
    }
}

/// `089601` → `08 96 01`.
pub fn spaced(hex: &str) -> String {
    hex.as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The bytes `start..end` of `hex`, spaced, at most 16 of them.
fn span_hex(hex: &str, start: usize, end: usize) -> String {
    let shown = end.min(start + 16);
    let mut s = spaced(hex.get(2 * start..2 * shown).unwrap_or(""));
    if end > shown {
        s.push_str(&format!(" … ({} bytes)", end - start));
    }
    s
}

fn layout_table(answer: &Reply) -> Html {
    layout_view(&answer.hex, &answer.layout)
}

/// An encoding's bytes, one row per labelled span.
pub fn layout_view(hex: &str, layout: &codec::Layout) -> Html {
    let omitted = layout.spans_omitted;
    html! {
        <>
            <table class="layout">
                <thead><tr><th>{ "offset" }</th><th>{ "bytes" }</th><th>{ "what they are" }</th></tr></thead>
                <tbody>
                    { for layout.spans.iter().map(|s| {
                        let (start, end) = (s.start, s.end);
                        html! {
                            <tr>
                                <td class="num">{ if end > start + 1 { format!("{start}–{}", end - 1) } else { start.to_string() } }</td>
                                <td><code>{ span_hex(hex, start, end) }</code></td>
                                <td class={format!("depth-{}", s.depth.min(5))}>{ s.label.clone() }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            if omitted > 0 { <p class="muted">{ format!("{omitted} more labels left out.") }</p> }
        </>
    }
}

#[derive(Clone, PartialEq)]
struct Inputs {
    value: String,
    schemas: [String; 3],
    message: String,
    schema_id: String,
}

#[function_component(FormatsPage)]
pub fn formats_page() -> Html {
    let inputs = use_state(|| Inputs {
        value: VALUE.to_string(),
        schemas: FORMATS.map(|(f, _)| example_schema(f).to_string()),
        message: String::new(),
        schema_id: String::new(),
    });
    let shown = use_state(|| "avro".to_string());
    // One answer per format, `None` while its bundle has not answered yet.
    let answers = use_reducer(Answers::default);
    {
        let answers = answers.clone();
        use_effect_with((*inputs).clone(), move |inputs| {
            for (i, (format, _)) in FORMATS.iter().enumerate() {
                let message = inputs.message.trim();
                let r = Request {
                    op: "explain",
                    format,
                    schema: Some(&inputs.schemas[i]),
                    value: Some(&inputs.value),
                    message: (*format == "protobuf" && !message.is_empty()).then_some(message),
                    schema_id: inputs.schema_id.trim().parse().ok(),
                    ..Request::default()
                };
                let answers = answers.clone();
                codec::request(
                    Bundle::for_format(format),
                    &r,
                    Callback::from(move |a| answers.dispatch((i, a))),
                );
            }
        });
    }
    let set = |f: fn(&mut Inputs, String)| {
        let inputs = inputs.clone();
        Callback::from(move |e: InputEvent| {
            let mut next = (*inputs).clone();
            f(&mut next, text_of(&e));
            inputs.set(next);
        })
    };
    let shown_i = FORMATS
        .iter()
        .position(|(f, _)| *f == shown.as_str())
        .unwrap_or(1);
    let loading: Vec<&str> = [Bundle::Avro, Bundle::Protobuf]
        .iter()
        .filter(|b| {
            FORMATS
                .iter()
                .enumerate()
                .any(|(i, (f, _))| Bundle::for_format(f) == **b && answers.0[i].is_none())
        })
        .map(|b| b.name())
        .collect();
    // The records encoded so far, for the batch sizes.
    let hexes: [Option<String>; 3] = std::array::from_fn(|i| {
        answers.0[i]
            .as_ref()
            .and_then(|a| outcome(a).ok())
            .map(|r| r.hex.clone())
    });
    html! {
        <main><article class="lesson formats">
            <h1>{ "Data formats on real bytes" }</h1>
            <p class="lead">{ "Type a value and a schema for each format: the record is encoded by real Avro, Protobuf and JSON encoders (the same code as " }<code>{ "khafka encode" }</code>{ "), shown byte by byte, with its size in each format." }</p>
            if !loading.is_empty() {
                <p class="muted loading" role="status">{ format!("Loading the codec bundle ({})…", loading.join(", ")) }</p>
            }
            <div class="format-inputs">
                <label>{ "Value (JSON)" }
                    <textarea class="value" rows="3" spellcheck="false" value={inputs.value.clone()} oninput={set(|i, v| i.value = v)} />
                </label>
                <label class="inline">{ "Confluent schema id (empty: none) " }
                    <input type="number" class="schema-id" min="0" value={inputs.schema_id.clone()} oninput={set(|i, v| i.schema_id = v)} />
                </label>
                <label class="inline">{ "Protobuf message (empty: the first) " }
                    <input type="text" class="message" value={inputs.message.clone()} oninput={set(|i, v| i.message = v)} />
                </label>
            </div>
            <div class="schemas">
                { for FORMATS.iter().enumerate().map(|(i, (f, name))| {
                    let value = inputs.schemas[i].clone();
                    let inputs = inputs.clone();
                    let oninput = Callback::from(move |e: InputEvent| {
                        let mut next = (*inputs).clone();
                        next.schemas[i] = text_of(&e);
                        inputs.set(next);
                    });
                    html! {
                        <label class={classes!("schema", *f)}>{ format!("{name} schema") }
                            <textarea rows="9" spellcheck="false" {value} {oninput} />
                        </label>
                    }
                }) }
            </div>
            <table class="sizes">
                <thead><tr><th>{ "format" }</th><th>{ "bytes" }</th><th>{ "encoded (hex)" }</th></tr></thead>
                <tbody>
                    { for FORMATS.iter().enumerate().map(|(i, (f, name))| {
                        let row = match answers.0[i].as_ref().map(outcome) {
                            None => html! { <><td class="num">{ "…" }</td><td class="muted">{ "loading" }</td></> },
                            Some(Ok(v)) => {
                                let hex = v.hex.as_str();
                                html! { <><td class="num">{ hex.len() / 2 }</td><td><code class="hex">{ spaced(hex) }</code></td></> }
                            }
                            Some(Err(e)) => html! { <><td class="num">{ "—" }</td><td class="error">{ e }</td></> },
                        };
                        html! { <tr class={*f}><th scope="row">{ *name }</th>{ row }</tr> }
                    }) }
                </tbody>
            </table>
            <Batches {hexes} />
            <h2>{ "Byte by byte" }</h2>
            <p class="format-pick" role="group" aria-label="Format to annotate">
                { for FORMATS.iter().map(|(f, name)| {
                    let shown2 = shown.clone();
                    let f = f.to_string();
                    let pressed = *shown == f;
                    html! { <button class={classes!("pick", pressed.then_some("on"))} aria-pressed={pressed.to_string()} onclick={Callback::from(move |_| shown2.set(f.clone()))}>{ *name }</button> }
                }) }
            </p>
            { match answers.0[shown_i].as_ref().map(outcome) {
                None => html! { <p class="muted">{ "Waiting for the codec bundle…" }</p> },
                Some(Ok(v)) => html! {
                    <div class="explained">
                        <p>{ format!("{} bytes: ", v.hex.len() / 2) }<code class="hex">{ spaced(&v.hex) }</code></p>
                        { layout_table(v) }
                    </div>
                },
                Some(Err(e)) => html! { <p class="notice error" role="alert">{ e }</p> },
            } }
            <Evolution />
        </article></main>
    }
}

/// The latest answer for each of [`FORMATS`].
#[derive(Default, PartialEq)]
struct Answers([Option<Answer>; 3]);

impl Reducible for Answers {
    type Action = (usize, Answer);
    fn reduce(self: std::rc::Rc<Self>, (i, a): (usize, Answer)) -> std::rc::Rc<Self> {
        let mut next = Answers(self.0.clone());
        next.0[i] = Some(a);
        next.into()
    }
}
