//! The course map on the home page: the lessons in order, grouped into parts, each with its minutes,
//! what to read first, and the reader's progress in this browser (opened, exercises passed), read
//! from `progress.rs`.

use crate::app::Route;
use crate::lessons::{self, Lesson, LESSONS, PARTS};
use crate::progress;
use yew::prelude::*;

/// Exercises of `lesson` passed, from the stored cell ids (`slug/N`).
fn passed_in(lesson: &Lesson, passed: &[String]) -> usize {
    let prefix = format!("{}/", lesson.slug);
    passed
        .iter()
        .filter(|id| id.starts_with(&prefix))
        .count()
        .min(lesson.exercises)
}

fn lesson_item(l: &Lesson, read: &[String], passed: &[String]) -> Html {
    let opened = read.iter().any(|s| s == l.slug);
    let done = passed_in(l, passed);
    let needs: Vec<String> = l
        .needs
        .iter()
        .filter_map(|n| lessons::number(n))
        .map(|n| n.to_string())
        .collect();
    let needs_title: Vec<&str> = l
        .needs
        .iter()
        .filter_map(|n| lessons::find(n))
        .map(|n| n.title)
        .collect();
    let exercises = match l.exercises {
        0 => String::new(),
        1 => " · 1 exercise".to_string(),
        n => format!(" · {n} exercises"),
    };
    html! {
        <li class={classes!(opened.then_some("read"), (l.exercises > 0 && done == l.exercises).then_some("passed"))} data-slug={l.slug}>
            <a href={Route::Lesson { slug: l.slug.to_string() }.href()}>{ lessons::numbered_title(l) }</a>
            <span class="progress">
                if opened { <span class="opened">{ " ✓ opened" }</span> }
                if l.exercises > 0 && done > 0 {
                    <span class="exercises-passed">{ format!(" · {done} of {} exercise{} passed", l.exercises, if l.exercises == 1 { "" } else { "s" }) }</span>
                }
            </span>
            <p>{ l.summary }</p>
            <p class="lesson-meta">
                { format!("{} min{exercises}", l.minutes) }
                if !needs.is_empty() {
                    <span title={format!("Read first: {}", needs_title.join("; "))}>
                        { format!(" · after lesson{} {}", if needs.len() == 1 { "" } else { "s" }, needs.join(", ")) }
                    </span>
                }
            </p>
        </li>
    }
}

#[function_component(CourseMap)]
pub fn course_map() -> Html {
    let read = progress::read();
    let passed = progress::passed();
    let opened = LESSONS
        .iter()
        .filter(|l| read.iter().any(|s| s == l.slug))
        .count();
    let exercises: usize = LESSONS.iter().map(|l| l.exercises).sum();
    let done: usize = LESSONS.iter().map(|l| passed_in(l, &passed)).sum();
    let minutes: u32 = LESSONS.iter().map(|l| l.minutes).sum();
    html! {
        <section class="course-map" aria-label="The course">
            <h2>{ "The course" }</h2>
            <p class="muted">{ format!(
                "{opened} of {} lessons opened · {done} of {exercises} exercises passed in this browser · about {} h {} min in all.",
                LESSONS.len(), minutes / 60, minutes % 60
            ) }</p>
            { for PARTS.iter().enumerate().map(|(p, name)| {
                let first = LESSONS.iter().position(|l| l.part == p).unwrap_or(0);
                html! {
                    <div class="course-part">
                        <h3>{ format!("Part {} · {name}", p + 1) }</h3>
                        <ol class="outline" start={(first + 1).to_string()}>
                            { for LESSONS.iter().filter(|l| l.part == p).map(|l| lesson_item(l, &read, &passed)) }
                        </ol>
                    </div>
                }
            }) }
        </section>
    }
}
