//! Schema evolution as the Schema Registry judges it: a new schema against the versions registered
//! under a subject, under each compatibility mode (the transitive ones check every version, the
//! others the latest), and which versions it can read and be read by. Every verdict is the codec
//! bundle's (`khafka_formats::api`'s `compat` request), the same check as `khafka schema-compat`.

use crate::codec::{self, Answer, Bundle, Compat, Request};
use crate::page::{example_schema, outcome, text_of, FORMATS};
use std::rc::Rc;
use yew::prelude::*;

const MODES: [&str; 7] = [
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
    "NONE",
];

/// The example for `format`: the registered versions (oldest first) and a new schema.
///
/// Avro's shows why the transitive modes exist: version 2 widened `id` to a long and added `email`
/// with a default; the new schema drops that default. It still reads version 2's data (BACKWARD),
/// but not version 1's, which has no email (BACKWARD_TRANSITIVE), and version 1's readers cannot
/// read its long ids (FORWARD_TRANSITIVE).
fn example(format: &str) -> (Vec<String>, String) {
    match format {
        "avro" => {
            let v2 = include_str!("../../../docs/formats/user-v2.avsc");
            let new = v2.replace(
                r#"{"name": "email", "type": "string", "default": "none"}"#,
                r#"{"name": "email", "type": "string"}"#,
            );
            (
                vec![example_schema("avro").to_string(), v2.to_string()],
                new,
            )
        }
        "protobuf" => {
            let old = example_schema("protobuf");
            let new = old.replace(
                "  google.protobuf.Timestamp created = 3;\n",
                "  google.protobuf.Timestamp created = 3;\n  string email = 4;\n",
            );
            (vec![old.to_string()], new)
        }
        _ => {
            let old = example_schema("json");
            let new = old.replace(
                "\"name\": {\"type\": \"string\"}\n",
                "\"name\": {\"type\": \"string\"},\n   \"email\": {\"type\": \"string\"}\n",
            );
            (vec![old.to_string()], new)
        }
    }
}

#[derive(Clone, PartialEq)]
struct Evolve {
    format: String,
    mode: String,
    new: String,
    /// The registered versions, oldest first (version `i + 1`); never empty.
    versions: Vec<String>,
}

/// The checks the panel shows, for the latest inputs.
#[derive(Default, PartialEq)]
struct Checks {
    /// One per [`MODES`]: the new schema against every registered version.
    modes: [Option<Answer>; 7],
    /// Per version: (the new schema reads its data, its readers read the new schema's data).
    reads: Vec<(Option<Answer>, Option<Answer>)>,
}

enum Action {
    Clear(usize),
    Mode(usize, Answer),
    Reads(usize, bool, Answer),
}

impl Reducible for Checks {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = Checks {
            modes: self.modes.clone(),
            reads: self.reads.clone(),
        };
        match action {
            Action::Clear(versions) => {
                next = Checks {
                    reads: vec![(None, None); versions],
                    ..Checks::default()
                }
            }
            Action::Mode(m, a) => next.modes[m] = Some(a),
            Action::Reads(v, forward, a) => {
                if let Some(r) = next.reads.get_mut(v) {
                    if forward {
                        r.1 = Some(a);
                    } else {
                        r.0 = Some(a);
                    }
                }
            }
        }
        next.into()
    }
}

/// The registry's first reason in words: the `description` of its first message
/// (`{errorType:'…', description:'…', additionalInfo:'…'}`), or the whole message, and how many
/// more there are.
fn first_reason(messages: &[String]) -> String {
    let errors: Vec<&String> = messages
        .iter()
        .filter(|m| !m.starts_with("{oldSchemaVersion"))
        .collect();
    let Some(first) = errors.first() else {
        return String::new();
    };
    let described = first
        .split_once("description:'")
        .and_then(|(_, rest)| rest.split_once("', additionalInfo:").map(|(d, _)| d))
        .unwrap_or(first);
    match errors.len() {
        1 => described.to_string(),
        n => format!("{described} (and {} more)", n - 1),
    }
}

/// A table cell for one check: `yes` when compatible, else `no`'s verdict and reason.
fn check_cell(answer: &Option<Answer>, yes: &str, no: fn(&Compat) -> (String, String)) -> Html {
    match answer.as_ref().map(outcome) {
        None => html! { <td class="muted">{ "…" }</td> },
        Some(Ok(r)) if r.result.compatible => html! { <td class="ok">{ yes }</td> },
        Some(Ok(r)) => {
            let (verdict, why) = no(&r.result);
            html! { <td class="bad"><strong>{ verdict }</strong>{ " — " }{ why }</td> }
        }
        Some(Err(e)) => html! { <td class="error">{ e }</td> },
    }
}

/// A pairwise check's refusal: the first rule and where it applies.
fn refused_pair(r: &Compat) -> (String, String) {
    let why = r
        .incompatibilities
        .first()
        .map(|i| format!("{} at {}", i.error_type, i.path))
        .unwrap_or_else(|| first_reason(&r.messages));
    ("no".into(), why)
}

/// A mode's refusal: the version that fails and the registry's first reason.
fn refused_mode(r: &Compat) -> (String, String) {
    let with = r
        .old_schema_version
        .map(|v| format!(" with version {v}"))
        .unwrap_or_default();
    (format!("incompatible{with}"), first_reason(&r.messages))
}

/// Which versions `mode` checks, for `n` registered versions.
fn checked(mode: &str, n: usize) -> String {
    if mode == "NONE" {
        "none".into()
    } else if mode.ends_with("_TRANSITIVE") && n > 1 {
        format!("versions 1–{n}")
    } else {
        format!("version {n} (the latest)")
    }
}

/// The verdict under the chosen mode, with the registry's reasons and rules.
fn verdict(answer: Option<&Answer>, mode: &str) -> Html {
    match answer.map(outcome) {
        None => html! { <p class="muted compat-verdict" role="status">{ "Checking…" }</p> },
        Some(Ok(v)) => {
            let r = &v.result;
            if r.compatible {
                return html! { <p class="compat-verdict ok" role="status">{ "compatible" }</p> };
            }
            let messages = r
                .messages
                .iter()
                .filter(|m| !m.starts_with("{oldSchemaVersion"));
            let found = &r.incompatibilities;
            html! {
                <div class="compat-verdict bad" role="status">
                    <p><strong>{ "incompatible" }</strong>{ format!(" under {mode}") }</p>
                    <ul class="reasons">
                        { for messages.map(|m| html! { <li>{ m.clone() }</li> }) }
                    </ul>
                    if !found.is_empty() {
                        <table class="rules">
                            <thead><tr><th>{ "rule" }</th><th>{ "where" }</th></tr></thead>
                            <tbody>
                                { for found.iter().map(|f| html! {
                                    <tr><td><code>{ f.error_type.clone() }</code></td><td><code>{ f.path.clone() }</code></td></tr>
                                }) }
                            </tbody>
                        </table>
                    }
                </div>
            }
        }
        Some(Err(e)) => html! { <p class="notice error compat-verdict" role="alert">{ e }</p> },
    }
}

/// A new schema against the registered versions under each compatibility mode: `compatible`, or
/// the registry's reason for refusing it.
#[function_component(Evolution)]
pub fn evolution() -> Html {
    let inputs = use_state(|| {
        let (versions, new) = example("avro");
        Evolve {
            format: "avro".into(),
            mode: "BACKWARD".into(),
            new,
            versions,
        }
    });
    let checks = use_reducer(Checks::default);
    // Answers to earlier inputs still arrive (in order): only the latest inputs' are kept.
    let generation = use_mut_ref(|| 0u32);
    {
        let (checks, generation) = (checks.clone(), generation.clone());
        let key = (
            inputs.format.clone(),
            inputs.new.clone(),
            inputs.versions.clone(),
        );
        use_effect_with(key, move |(format, new, versions)| {
            let g = {
                let mut g = generation.borrow_mut();
                *g = g.wrapping_add(1);
                *g
            };
            checks.dispatch(Action::Clear(versions.len()));
            let bundle = Bundle::for_format(format);
            let ask = |level: &str, previous: Vec<&str>, action: Box<dyn Fn(Answer) -> Action>| {
                let r = Request {
                    op: "compat",
                    format,
                    level: Some(level),
                    new: Some(new),
                    previous: Some(previous),
                    ..Request::default()
                };
                let (checks, generation) = (checks.clone(), generation.clone());
                codec::request(
                    bundle,
                    &r,
                    Callback::from(move |a| {
                        if *generation.borrow() == g {
                            checks.dispatch(action(a));
                        }
                    }),
                );
            };
            let newest_first: Vec<&str> = versions.iter().rev().map(String::as_str).collect();
            for (m, mode) in MODES.iter().enumerate() {
                ask(
                    mode,
                    newest_first.clone(),
                    Box::new(move |a| Action::Mode(m, a)),
                );
            }
            for (v, old) in versions.iter().enumerate() {
                ask(
                    "BACKWARD",
                    vec![old],
                    Box::new(move |a| Action::Reads(v, false, a)),
                );
                ask(
                    "FORWARD",
                    vec![old],
                    Box::new(move |a| Action::Reads(v, true, a)),
                );
            }
        });
    }
    let update = |f: fn(&mut Evolve, String)| {
        let inputs = inputs.clone();
        move |text: String| {
            let mut next = (*inputs).clone();
            f(&mut next, text);
            inputs.set(next);
        }
    };
    let on_mode = {
        let set = update(|e, v| e.mode = v);
        Callback::from(move |e: Event| set(text_of(&e)))
    };
    let on_text = |f: fn(&mut Evolve, String)| {
        let set = update(f);
        Callback::from(move |e: InputEvent| set(text_of(&e)))
    };
    let on_format = {
        let inputs = inputs.clone();
        Callback::from(move |e: Event| {
            let format = text_of(&e);
            let (versions, new) = example(&format);
            inputs.set(Evolve {
                format,
                mode: inputs.mode.clone(),
                new,
                versions,
            });
        })
    };
    let n = inputs.versions.len();
    let mode_i = MODES
        .iter()
        .position(|m| *m == inputs.mode)
        .unwrap_or_default();
    let chosen = checks.modes[mode_i].as_ref();
    let accepted = matches!(chosen.map(outcome), Some(Ok(r)) if r.result.compatible);
    let on_register = {
        let set = update(|e, _| e.versions.push(e.new.clone()));
        Callback::from(move |_: MouseEvent| set(String::new()))
    };
    let forget = |v: usize| {
        let inputs = inputs.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*inputs).clone();
            if next.versions.len() > 1 {
                next.versions.remove(v);
            }
            inputs.set(next);
        })
    };
    html! {
        <section class="evolution">
            <h2>{ "Schema evolution" }</h2>
            <p>{ "Is a new version of a schema accepted after the versions already registered? The check is the Schema Registry's, with its rules and messages: the transitive modes check every registered version, the others only the latest." }</p>
            <p class="evolve-controls">
                <label>{ "Format " }
                    <select class="evolve-format" onchange={on_format}>
                        { for FORMATS.iter().map(|(f, name)| html! { <option value={*f} selected={inputs.format == *f}>{ *name }</option> }) }
                    </select>
                </label>
                { " " }
                <label>{ "Compatibility " }
                    <select class="mode" onchange={on_mode}>
                        { for MODES.iter().map(|m| html! { <option value={*m} selected={inputs.mode == *m}>{ *m }</option> }) }
                    </select>
                </label>
            </p>
            <div class="schemas two">
                <label>{ "New schema" }
                    <textarea class="new-schema" rows="9" spellcheck="false" value={inputs.new.clone()} oninput={on_text(|e, v| e.new = v)} />
                </label>
                <label>{ format!("Version {n}, the latest registered") }
                    <textarea class="old-schema" rows="9" spellcheck="false" value={inputs.versions[n - 1].clone()}
                        oninput={on_text(|e, v| if let Some(last) = e.versions.last_mut() { *last = v })} />
                </label>
            </div>
            { verdict(chosen, &inputs.mode) }
            <p>
                <button class="register" disabled={!accepted} onclick={on_register}>{ format!("Register the new schema as version {}", n + 1) }</button>
                { if accepted { "" } else { " (the registry refuses it under this mode)" } }
            </p>
            if n > 1 {
                <div class="older-versions">
                    <p>{ "Older versions, still checked by the transitive modes:" }</p>
                    { for inputs.versions[..n - 1].iter().enumerate().map(|(v, text)| html! {
                        <details class="older">
                            <summary>{ format!("Version {}", v + 1) }{ " " }<button class="forget" onclick={forget(v)}>{ "Delete" }</button></summary>
                            <pre>{ text.clone() }</pre>
                        </details>
                    }) }
                </div>
            }
            <h3>{ "Under each compatibility mode" }</h3>
            <div class="explained">
                <table class="modes">
                    <thead><tr><th>{ "mode (checks the new schema against)" }</th><th>{ "verdict" }</th></tr></thead>
                    <tbody>
                        { for MODES.iter().enumerate().map(|(m, mode)| {
                            let cell = check_cell(&checks.modes[m], "compatible", refused_mode);
                            html! { <tr class={classes!(mode.to_lowercase(), (m == mode_i).then_some("chosen"))}><th scope="row"><code>{ *mode }</code><span class="against">{ checked(mode, n) }</span></th>{ cell }</tr> }
                        }) }
                    </tbody>
                </table>
            </div>
            <h3>{ "Which versions it reads, and is read by" }</h3>
            <div class="explained">
                <table class="reads">
                    <thead><tr><th>{ "version" }</th><th>{ "the new schema reads its data" }</th><th>{ "its readers read the new schema's data" }</th></tr></thead>
                    <tbody>
                        { for checks.reads.iter().enumerate().map(|(v, (reads, read_by))| html! {
                            <tr><th scope="row">{ v + 1 }</th>{ check_cell(reads, "yes", refused_pair) }{ check_cell(read_by, "yes", refused_pair) }</tr>
                        }) }
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::{checked, first_reason};

    #[test]
    fn the_first_reason_is_the_registry_description() {
        let messages = [
            "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'email' at path '/fields/2' in the new schema has no default value and is missing in the old schema', additionalInfo:'email'}".to_string(),
            "{errorType:'TYPE_MISMATCH', description:'x', additionalInfo:'y'}".to_string(),
            "{oldSchemaVersion: 1}".to_string(),
        ];
        assert_eq!(
            first_reason(&messages),
            "The field 'email' at path '/fields/2' in the new schema has no default value and is missing in the old schema (and 1 more)"
        );
        assert_eq!(first_reason(&messages[1..2]), "x");
        assert_eq!(first_reason(&["plain".to_string()]), "plain");
        assert_eq!(first_reason(&[]), "");
    }

    #[test]
    fn transitive_modes_check_every_version() {
        assert_eq!(checked("BACKWARD", 3), "version 3 (the latest)");
        assert_eq!(checked("FULL_TRANSITIVE", 3), "versions 1–3");
        assert_eq!(checked("FULL_TRANSITIVE", 1), "version 1 (the latest)");
        assert_eq!(checked("NONE", 3), "none");
    }
}
