//! ← and → move between lessons, as the previous / next links do — except while the reader types
//! or works a control (an editor, a field, a drop-down, a scrubber) or has the focus in a live
//! cell (its buttons), where the arrows are theirs: a run is not left by a stray arrow.

use crate::app::Route;
use crate::lessons::LESSONS;
use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LessonKeysProps {
    /// The lesson on screen.
    pub slug: &'static str,
}

/// The lesson an arrow key leads to from `slug`, if any.
pub fn target(slug: &str, key: &str) -> Option<&'static str> {
    let i = LESSONS.iter().position(|l| l.slug == slug)?;
    let j = match key {
        "ArrowLeft" => i.checked_sub(1)?,
        "ArrowRight" => i + 1,
        _ => return None,
    };
    LESSONS.get(j).map(|l| l.slug)
}

/// Whether the key press belongs to what has the focus: a text field, an editor, a drop-down, a
/// slider, anything editable, anything in a live cell (a notebook slot's host) or a format cell.
fn typing(e: &KeyboardEvent) -> bool {
    let Some(el) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        || el
            .closest(
                "[contenteditable], [role=textbox], [role=slider], .presenter, .notebook-slot, \
                 .format-slot",
            )
            .ok()
            .flatten()
            .is_some()
}

/// Renders nothing; listens for the arrows while a lesson is open.
#[function_component(LessonKeys)]
pub fn lesson_keys(props: &LessonKeysProps) -> Html {
    let slug = props.slug;
    use_effect_with(slug, move |slug| {
        let slug = *slug;
        let listener = web_sys::window().and_then(|w| w.document()).map(|doc| {
            EventListener::new(&doc, "keydown", move |e| {
                let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                if e.ctrl_key() || e.meta_key() || e.alt_key() || e.shift_key() {
                    return;
                }
                if e.default_prevented() || typing(e) {
                    return;
                }
                if let Some(to) = target(slug, &e.key()) {
                    let href = Route::Lesson { slug: to.into() }.href();
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().set_hash(&href);
                        w.scroll_to_with_x_and_y(0.0, 0.0);
                    }
                }
            })
        });
        move || drop(listener)
    });
    html! {}
}

#[cfg(test)]
mod tests {
    use super::target;
    use crate::lessons::LESSONS;

    #[test]
    fn arrows_lead_to_the_neighbouring_lessons_and_stop_at_the_ends() {
        let first = LESSONS[0].slug;
        let last = LESSONS[LESSONS.len() - 1].slug;
        assert_eq!(target(first, "ArrowLeft"), None);
        assert_eq!(target(first, "ArrowRight"), Some(LESSONS[1].slug));
        assert_eq!(target(LESSONS[1].slug, "ArrowLeft"), Some(first));
        assert_eq!(target(last, "ArrowRight"), None);
        assert_eq!(target(first, "Enter"), None);
        assert_eq!(target("no-such-lesson", "ArrowRight"), None);
    }
}
