//! Routes and the page frame. Hash routing (`/#/lesson/…`), so the site is plain static files.

use crate::doc_page::DocPage;
use crate::lessons::{self, LESSONS};
use crate::notebook_loader::NotebookSlot;
use crate::progress;
use crate::slot::Slot;
use yew::prelude::*;

/// The site's pages. The address's fragment is the route (`#/lesson/first-cluster`), optionally
/// followed by `?` and state (share links); a handful of fixed paths, so they are matched by hand
/// rather than with a router crate (yew-router and its history and matcher cost the main bundle
/// about 10 KB gzip).
#[derive(Clone, PartialEq, Debug)]
pub enum Route {
    Home,
    Lesson {
        slug: String,
    },
    Playground,
    Presenter,
    About,
    Language,
    Glossary,
    /// `khafka windows`, the command the window cells run.
    Windows,
    Formats,
    Bench,
    NotFound,
}

impl Route {
    /// The route of a location fragment (`#/lesson/x?s=…`, `#/`, or empty for the home page).
    pub fn from_hash(hash: &str) -> Route {
        let path = hash.strip_prefix('#').unwrap_or(hash);
        let path = path.split('?').next().unwrap_or_default();
        let path = path.strip_suffix('/').unwrap_or(path);
        match path {
            "" => Route::Home,
            "/playground" => Route::Playground,
            "/presenter" => Route::Presenter,
            "/about" => Route::About,
            "/language" => Route::Language,
            "/glossary" => Route::Glossary,
            "/windows" => Route::Windows,
            "/formats" => Route::Formats,
            "/bench" => Route::Bench,
            _ => match path.strip_prefix("/lesson/") {
                Some(slug) if !slug.is_empty() && !slug.contains('/') => Route::Lesson {
                    slug: slug.to_string(),
                },
                _ => Route::NotFound,
            },
        }
    }

    /// The link to this route.
    pub fn href(&self) -> String {
        let path = match self {
            Route::Home => "",
            Route::Lesson { slug } => return format!("#/lesson/{slug}"),
            Route::Playground => "playground",
            Route::Presenter => "presenter",
            Route::About => "about",
            Route::Language => "language",
            Route::Glossary => "glossary",
            Route::Windows => "windows",
            Route::Formats => "formats",
            Route::Bench => "bench",
            Route::NotFound => "404",
        };
        format!("#/{path}")
    }
}

fn current_hash() -> String {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return String::new();
    };
    let hash = location.hash().unwrap_or_default();
    // A lesson named by its file (`#/lesson/04b-consumer-groups-and-offsets`, a link from the
    // repository): its own address instead, replacing this one in the history.
    match canonical_lesson_hash(&hash) {
        Some(canonical) => {
            let _ = location.replace(&canonical);
            canonical
        }
        None => hash,
    }
}

/// `#/lesson/FILE` (with or without `.md`) as `#/lesson/SLUG`, keeping what follows `?`; `None`
/// when the fragment names no lesson file.
fn canonical_lesson_hash(hash: &str) -> Option<String> {
    let rest = hash.strip_prefix("#/lesson/")?;
    let (name, query) = rest
        .split_once('?')
        .map_or((rest, None), |(n, q)| (n, Some(q)));
    if lessons::find(name).is_some() {
        return None;
    }
    let name = name.strip_suffix(".md").unwrap_or(name);
    // The file's name, with or without its number (`04b-`, `01a-`).
    let unnumbered = |file: &str| {
        file.split_once('-')
            .filter(|(n, _)| n.starts_with(|c: char| c.is_ascii_digit()))
            .map(|(_, rest)| rest.to_string())
    };
    let lesson = lessons::LESSONS.iter().find(|l| {
        let file = l.file.strip_suffix(".md").unwrap_or(l.file);
        l.slug != name && (file == name || unnumbered(file).as_deref() == Some(name))
    })?;
    Some(match query {
        Some(q) => format!("#/lesson/{}?{q}", lesson.slug),
        None => format!("#/lesson/{}", lesson.slug),
    })
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
    let lesson_title = match &route {
        Route::Lesson { slug } => lessons::find(slug).map(lessons::numbered_title),
        _ => None,
    };
    set_title(match &route {
        Route::Home => "",
        Route::Lesson { .. } => lesson_title.as_deref().unwrap_or("Not found"),
        Route::Playground => "Playground",
        Route::Language => "The scenario language",
        Route::Glossary => "Glossary",
        Route::Windows => "khafka windows",
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
                // A share link made in one of its cells opens that cell in that state (the
                // notebook reads the state from the link).
                let hash = current_hash();
                let link = hash.contains('?').then(|| AttrValue::from(hash.clone()));
                // Keyed by lesson and link: another lesson, or another link, mounts fresh cells.
                let key = format!("{}|{}", l.slug, link.as_deref().unwrap_or_default());
                let route = format!("#/lesson/{}", l.slug);
                let file = format!("lessons/{}.json", l.file.trim_end_matches(".md"));
                html! {
                    <div class="lesson-page" {key}>
                        <crate::lesson_keys::LessonKeys slug={l.slug} />
                        { lesson_nav(l.slug, "lesson-nav top") }
                        <DocPage name={l.slug} {file} route={Some(AttrValue::from(route))} {link} />
                        { lesson_nav(l.slug, "lesson-nav bottom") }
                    </div>
                }
            }
            None => html! { <NotFound /> },
        },
        // The pages that run the engine are the notebook bundle's (`notebook_loader.rs`).
        Route::Playground => html! { <NotebookSlot slot={Slot::Playground} /> },
        Route::Presenter => {
            // Keyed by the link: opening another shared scenario starts a fresh presenter.
            let key = current_hash();
            html! { <NotebookSlot {key} slot={Slot::Presenter} /> }
        }
        Route::About => html! { <DocPage name="about" file="docs/what-khafka-models.json" /> },
        Route::Language => html! { <DocPage name="language" file="docs/scenario-language.json" /> },
        Route::Glossary => html! { <DocPage name="glossary" file="docs/glossary.json" /> },
        Route::Windows => html! { <DocPage name="windows" file="docs/windows.json" /> },
        Route::Bench => html! { <NotebookSlot slot={Slot::Bench} /> },
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
            <a href={Route::Lesson { slug: l.slug.to_string() }.href()} class={classes!(rel)}
                title={if rel == "prev" { "Previous lesson (← key)" } else { "Next lesson (→ key)" }}>
                { format!("{} {}", if rel == "prev" { "←" } else { "→" }, lessons::numbered_title(l)) }
            </a>
        }
    };
    html! {
        <nav class={class} aria-label="Lessons">
            { i.checked_sub(1).map(|p| link(&LESSONS[p], "prev")).unwrap_or_default() }
            <a href={Route::Home.href()} class="outline-link">{ format!("Lesson {} of {}", i + 1, LESSONS.len()) }</a>
            { LESSONS.get(i + 1).map(|n| link(n, "next")).unwrap_or_default() }
        </nav>
    }
}

#[function_component(NotFound)]
fn not_found() -> Html {
    html! { <article class="lesson"><h1>{ "Not found" }</h1><p><a href={Route::Home.href()}>{ "Back to the course" }</a></p></article> }
}

#[function_component(Home)]
fn home() -> Html {
    html! {
        <article class="home">
            <h1>{ "Khafka" }</h1>
            <p class="lead">{ "Learn Apache Kafka by running it — and breaking it. Every lesson is a notebook of live simulations: change acks, replication factor or min.insync.replicas, crash the leader, and see which records were acknowledged, committed, lost or duplicated, and why." }</p>
            <p class="start-here">
                <a href={Route::Lesson { slug: LESSONS[0].slug.to_string() }.href()} class="start">{ "Start here: " }{ lessons::numbered_title(&LESSONS[0]) }</a>
                { format!(" — about {} minutes; every lesson is live, nothing to install.", LESSONS[0].minutes) }
            </p>
            <crate::course_map::CourseMap />
            <p class="formats-link"><a href={Route::Formats.href()}>{ "Data formats on real bytes" }</a>{ " — a record in JSON, Avro and Protobuf, byte by byte, and schema evolution as the Schema Registry judges it." }</p>
            <p><a href={Route::Playground.href()}>{ "Open the playground" }</a>{ " — a free-form simulator with every control." }</p>
            <p><a href={Route::Presenter.href()}>{ "Presenter mode" }</a>{ " — for trainers: the cluster full screen, driven from the keyboard." }</p>
        </article>
    }
}

#[function_component(App)]
pub fn app() -> Html {
    // The whole fragment, not only the route: a new share link on the same page mounts it afresh.
    let hash = use_state_eq(current_hash);
    {
        let hash = hash.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| {
                gloo::events::EventListener::new(&w, "hashchange", move |_| {
                    hash.set(current_hash())
                })
            });
            move || drop(listener)
        });
    }
    // The formats page renders itself beside this app (formats_loader.rs): there `main` holds at
    // most its loading state or error, and is hidden when empty (style.css).
    let route = Route::from_hash(&hash);
    html! {
        <>
            <header class="top">
                <a href={Route::Home.href()} class="brand">{ "Khafka" }</a>
                <nav aria-label="Main">
                    <a href={Route::Home.href()}>{ "Course" }</a>
                    <a href={Route::Playground.href()}>{ "Playground" }</a>
                    <a href={Route::Presenter.href()}>{ "Presenter" }</a>
                    <a href={Route::Formats.href()}>{ "Data formats" }</a>
                    <a href={Route::Language.href()}>{ "Scenario language" }</a>
                    <a href={Route::Glossary.href()}>{ "Glossary" }</a>
                    <a href={Route::About.href()}>{ "What it models" }</a>
                </nav>
                <crate::search::Search />
            </header>
            <main>{ switch(route) }</main>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn routes_round_trip_and_ignore_state() {
        let all = [
            Route::Home,
            Route::Lesson {
                slug: "first-cluster".into(),
            },
            Route::Playground,
            Route::Presenter,
            Route::About,
            Route::Language,
            Route::Glossary,
            Route::Windows,
            Route::Formats,
            Route::Bench,
        ];
        for r in all {
            assert_eq!(Route::from_hash(&r.href()), r);
        }
        assert_eq!(Route::from_hash(""), Route::Home);
        assert_eq!(Route::from_hash("#"), Route::Home);
        assert_eq!(Route::from_hash("#/presenter?s=abc"), Route::Presenter);
        assert_eq!(
            Route::from_hash("#/lesson/acks?s=1"),
            Route::Lesson {
                slug: "acks".into()
            }
        );
        assert_eq!(Route::from_hash("#/nope"), Route::NotFound);
        // A lesson's file name leads to the lesson (walk 12).
        assert_eq!(
            super::canonical_lesson_hash("#/lesson/04b-consumer-groups-and-offsets.md").as_deref(),
            Some("#/lesson/consumer-groups-and-offsets")
        );
        assert_eq!(
            super::canonical_lesson_hash("#/lesson/02-acks-and-durability?s=x").as_deref(),
            Some("#/lesson/acks-and-durability?s=x")
        );
        assert_eq!(
            super::canonical_lesson_hash("#/lesson/acks-and-durability"),
            None
        );
        // The file's name without its number, where the slug differs (walk 13).
        assert_eq!(
            super::canonical_lesson_hash("#/lesson/coordination-from-zookeeper-to-kraft")
                .as_deref(),
            Some("#/lesson/coordination-zookeeper-to-kraft")
        );
        assert_eq!(Route::from_hash("#/lesson/"), Route::NotFound);
    }

    /// Every link to a page of the site (`](#/…)`) in the lessons and the documentation opens a
    /// page: a route, and for a lesson one that exists.
    #[test]
    fn every_link_in_the_course_opens_a_page() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let markdown = |dir: &str| {
            std::fs::read_dir(root.join(dir))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect::<Vec<_>>()
        };
        let files = [markdown("lessons"), markdown("docs")].concat();
        let mut checked = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (i, _) in text.match_indices("](#/") {
                let rest = &text[i + 2..];
                let link = &rest[..rest.find(')').unwrap()];
                let ok = match Route::from_hash(link) {
                    Route::NotFound => false,
                    Route::Lesson { slug } => crate::lessons::find(&slug).is_some(),
                    _ => true,
                };
                assert!(ok, "{}: {link} opens no page", file.display());
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked} links");
    }
}
