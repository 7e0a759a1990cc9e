//! A page of the course or the documentation (a lesson, the scenario language, what Khafka models,
//! the glossary) fetched from the site when opened, not compiled into the wasm. `cargo xtask
//! build-site` parses the Markdown into events at build time (`dist/lessons/*.json`,
//! `dist/docs/*.json`; see `markdown.rs`); the CSP allows fetching from the site itself.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DocPageProps {
    /// The id prefix for its cells' saved edits (`language`, `about`, `glossary`; a lesson's slug).
    pub name: AttrValue,
    /// The page's events on the site (`docs/glossary.json`, `lessons/02-acks-and-durability.json`).
    pub file: AttrValue,
    /// For a lesson: its route, which its cells' share links point to.
    #[prop_or_default]
    pub route: Option<AttrValue>,
    /// For a lesson opened from a share link: the address's fragment (the state and the cell it
    /// names).
    #[prop_or_default]
    pub link: Option<AttrValue>,
}

/// Fetches `url` as text; `done` gets the text or why it could not. The three small callbacks are
/// leaked once per page opened (a promise callback must outlive this call).
pub(crate) fn fetch_text(url: &str, done: Callback<Result<String, String>>) {
    type Cb = Closure<dyn FnMut(JsValue)>;
    let Some(window) = web_sys::window() else {
        return;
    };
    let failed: Cb = {
        let done = done.clone();
        Closure::new(move |e: JsValue| {
            done.emit(Err(e.as_string().unwrap_or_else(|| "network error".into())))
        })
    };
    let on_response: Cb = Closure::new(move |r: JsValue| match r.dyn_into::<web_sys::Response>() {
        Ok(r) if r.ok() => match r.text() {
            Ok(p) => {
                let done = done.clone();
                let on_text: Cb = Closure::new(move |t: JsValue| {
                    done.emit(t.as_string().ok_or_else(|| "not text".to_string()))
                });
                let _ = p.then(&on_text);
                on_text.forget();
            }
            Err(_) => done.emit(Err("unreadable response".into())),
        },
        Ok(r) => done.emit(Err(format!("HTTP {}", r.status()))),
        Err(_) => done.emit(Err("not a response".into())),
    });
    let _ = window.fetch_with_str(url).then2(&on_response, &failed);
    on_response.forget();
    failed.forget();
}

#[function_component(DocPage)]
pub fn doc_page(props: &DocPageProps) -> Html {
    let text = use_state(|| None::<Result<String, String>>);
    {
        let text = text.clone();
        use_effect_with(props.file.clone(), move |file| {
            text.set(None);
            fetch_text(file, Callback::from(move |r| text.set(Some(r))));
        });
    }
    html! {
        <article class="lesson">
            { match &*text {
                None => html! { <p class="muted" role="status">{ "Loading…" }</p> },
                Some(Ok(json)) => match serde_json::from_str(json) {
                    Ok(events) => crate::markdown::render(
                        &props.name,
                        props.route.as_deref(),
                        events,
                        props.link.as_deref(),
                    ),
                    Err(e) => html! { <p class="notice" role="alert">{ format!("This page could not be read ({e}). Reload to try again.") }</p> },
                },
                Some(Err(e)) => html! { <p class="notice" role="alert">{ format!("This page could not be loaded ({e}). Reload to try again.") }</p> },
            } }
        </article>
    }
}
