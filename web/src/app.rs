//! Routes and the page frame. Hash routing (`/#/lesson/…`), so the site is plain static files.

use crate::doc_page::DocPage;
use crate::lessons::{self, LESSONS};
use crate::markdown;
use crate::playground::Playground;
use crate::presenter::Presenter;
use crate::progress;
use yew::prelude::*;
use yew_router::prelude::*;

#[derive(Clone, Routable, PartialEq)]
pub enum Route {
    #[at("/")]
    Home,
    #[at("/lesson/:slug")]
    Lesson { slug: String },
    #[at("/playground")]
    Playground,
    #[at("/presenter")]
    Presenter,
    #[at("/about")]
    About,
    #[at("/language")]
    Language,
    #[at("/glossary")]
    Glossary,
    #[at("/formats")]
    Formats,
    #[at("/bench")]
    Bench,
    #[not_found]
    #[at("/404")]
    NotFound,
}

/// The tab's title names the page (read by screen readers and shown in history).
fn set_title(page: &str) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        let title = if page.is_empty() {
            "Khafka — learn Apache Kafka by breaking it".to_string()
        } else {
            format!("{page} — Khafka")
        };
        doc.set_title(&title);
    }
}

fn switch(route: Route) -> Html {
    set_title(match &route {
        Route::Home => "",
        Route::Lesson { slug } => lessons::find(slug).map_or("Not found", |l| l.title),
        Route::Playground => "Playground",
        Route::Language => "The scenario language",
        Route::Glossary => "Glossary",
        Route::Presenter => "Presenter mode",
        Route::About => "What Khafka models",
        Route::Bench => "Engine benchmark",
        Route::Formats => "Data formats on real bytes",
        Route::NotFound => "Not found",
    });
    match route {
        Route::Home => html! { <Home /> },
        Route::Lesson { slug } => match lessons::find(&slug) {
            Some(l) => {
                progress::mark_read(l.slug);
                // A share link made in one of its cells opens that cell in that state.
                let hash = web_sys::window()
                    .and_then(|w| w.location().hash().ok())
                    .unwrap_or_default();
                let shared = crate::share::from_hash(&hash)
                    .filter(|s| s.cell.is_some())
                    .map(std::rc::Rc::new);
                // Keyed by lesson and link: another lesson, or another link, mounts fresh cells.
                let key = format!(
                    "{}|{}",
                    l.slug,
                    if shared.is_some() { hash.as_str() } else { "" }
                );
                let route = format!("#/lesson/{}", l.slug);
                html! {
                    <article class="lesson" {key}>
                        { lesson_nav(l.slug, "lesson-nav top") }
                        { markdown::render(l.slug, Some(&route), l.markdown, shared) }
                        { lesson_nav(l.slug, "lesson-nav bottom") }
                    </article>
                }
            }
            None => html! { <NotFound /> },
        },
        Route::Playground => html! { <Playground /> },
        Route::Presenter => {
            // Keyed by the link: opening another shared scenario starts a fresh presenter.
            let key = web_sys::window()
                .and_then(|w| w.location().hash().ok())
                .unwrap_or_default();
            html! { <Presenter {key} /> }
        }
        Route::About => html! { <DocPage name="about" file="what-khafka-models.md" /> },
        Route::Language => html! { <DocPage name="language" file="scenario-language.md" /> },
        Route::Glossary => html! { <DocPage name="glossary" file="glossary.md" /> },
        Route::Bench => html! { <crate::bench::Bench /> },
        Route::Formats => html! { <crate::formats_loader::FormatsLoader /> },
        Route::NotFound => html! { <NotFound /> },
    }
}

/// Links to the previous and next lessons (and the course outline).
fn lesson_nav(slug: &str, class: &'static str) -> Html {
    let Some(i) = LESSONS.iter().position(|l| l.slug == slug) else {
        return html! {};
    };
    let link = |l: &lessons::Lesson, rel: &'static str| {
        html! {
            <Link<Route> to={Route::Lesson { slug: l.slug.to_string() }} classes={classes!(rel)}>
                { format!("{} {}", if rel == "prev" { "←" } else { "→" }, l.title) }
            </Link<Route>>
        }
    };
    html! {
        <nav class={class} aria-label="Lessons">
            { i.checked_sub(1).map(|p| link(&LESSONS[p], "prev")).unwrap_or_default() }
            <Link<Route> to={Route::Home} classes="outline-link">{ format!("Lesson {} of {}", i + 1, LESSONS.len()) }</Link<Route>>
            { LESSONS.get(i + 1).map(|n| link(n, "next")).unwrap_or_default() }
        </nav>
    }
}

#[function_component(NotFound)]
fn not_found() -> Html {
    html! { <article class="lesson"><h1>{ "Not found" }</h1><p><Link<Route> to={Route::Home}>{ "Back to the course" }</Link<Route>></p></article> }
}

#[function_component(Home)]
fn home() -> Html {
    let read = progress::read();
    html! {
        <article class="home">
            <h1>{ "Khafka" }</h1>
            <p class="lead">{ "Learn Apache Kafka by running it — and breaking it. Every lesson is a notebook of live simulations: change acks, replication factor or min.insync.replicas, crash the leader, and see which records were acknowledged, committed, lost or duplicated, and why." }</p>
            <p class="start-here">
                <Link<Route> to={Route::Lesson { slug: LESSONS[0].slug.to_string() }} classes="start">{ "Start here: " }{ LESSONS[0].title }</Link<Route>>
                { " — about 10 minutes; every lesson is live, nothing to install." }
            </p>
            <h2>{ "The course" }</h2>
            <p class="muted">{ format!("{} of {} lessons opened in this browser.", LESSONS.iter().filter(|l| read.contains(&l.slug.to_string())).count(), LESSONS.len()) }</p>
            <ol class="outline">
                { for LESSONS.iter().map(|l| {
                    let read = read.contains(&l.slug.to_string());
                    html! {
                        <li class={classes!(read.then_some("read"))}>
                            <Link<Route> to={Route::Lesson { slug: l.slug.to_string() }}>{ l.title }</Link<Route>>
                            if read { <span class="progress">{ " ✓ opened" }</span> }
                            <p>{ l.summary }</p>
                        </li>
                    }
                }) }
            </ol>
            <p class="formats-link"><Link<Route> to={Route::Formats}>{ "Data formats on real bytes" }</Link<Route>>{ " — a record in JSON, Avro and Protobuf, byte by byte, and schema evolution as the Schema Registry judges it." }</p>
            <p><Link<Route> to={Route::Playground}>{ "Open the playground" }</Link<Route>>{ " — a free-form simulator with every control." }</p>
            <p><Link<Route> to={Route::Presenter}>{ "Presenter mode" }</Link<Route>>{ " — for trainers: the cluster full screen, driven from the keyboard." }</p>
        </article>
    }
}

#[function_component(App)]
pub fn app() -> Html {
    html! {
        <HashRouter>
            <header class="top">
                <Link<Route> to={Route::Home} classes="brand">{ "Khafka" }</Link<Route>>
                <nav aria-label="Main">
                    <Link<Route> to={Route::Home}>{ "Course" }</Link<Route>>
                    <Link<Route> to={Route::Playground}>{ "Playground" }</Link<Route>>
                    <Link<Route> to={Route::Presenter}>{ "Presenter" }</Link<Route>>
                    <Link<Route> to={Route::Formats}>{ "Data formats" }</Link<Route>>
                    <Link<Route> to={Route::Language}>{ "Scenario language" }</Link<Route>>
                    <Link<Route> to={Route::Glossary}>{ "Glossary" }</Link<Route>>
                    <Link<Route> to={Route::About}>{ "What it models" }</Link<Route>>
                </nav>
            </header>
            <main><Switch<Route> render={switch} /></main>
        </HashRouter>
    }
}
