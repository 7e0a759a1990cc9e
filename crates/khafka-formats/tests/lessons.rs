//! Every lesson's format cells, run natively by the code the site runs in its codec bundle
//! (`khafka_formats::cell`): a cell's own `expect` lines must hold, and an exercise must fail at least
//! one goal line as written and pass them all with its solution (docs/writing-lessons.md).

use std::path::Path;

#[test]
fn every_format_cell_holds_and_every_format_exercise_fails_then_passes_with_its_solution() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lessons");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    let (mut cells, mut exercises, mut problems) = (0, 0, Vec::new());
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let fenced = khafka_formats::cell::fenced(&text);
        exercises += fenced
            .iter()
            .filter(|c| c.info.split_whitespace().any(|w| w == "exercise"))
            .count();
        match khafka_formats::cell::check_lesson(&text) {
            Ok(lines) => cells += lines.len(),
            Err(p) => problems.extend(p.into_iter().map(|p| format!("{}: {p}", f.display()))),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The formats lessons have at least this many; a lesson that loses its cells fails here.
    assert!(cells >= 15, "{cells} format cells");
    assert!(exercises >= 2, "{exercises} format exercises");
}

/// The checker itself: a start that passes, a solution that fails, a changed goal, and a missing
/// solution are each refused.
#[test]
fn the_exercise_check_refuses_what_it_should() {
    let order = r#"{"type":"record","name":"O","fields":[{"name":"id","type":"long"}]}"#;
    let cell = |words: &str, value: u32, expect: &str| {
        format!("```format encode {words}\nformat avro\nschema {order}\nvalue {{\"id\":{value}}}\nexpect {expect}\n```\n")
    };
    // 63 is one byte as a zig-zag varint, 64 two.
    let ok = cell("exercise", 64, "size == 1") + &cell("solution", 63, "size == 1");
    assert!(khafka_formats::cell::check_lesson(&ok).is_ok());
    for (md, says) in [
        (
            cell("exercise", 63, "size == 1") + &cell("solution", 63, "size == 1"),
            "passes as written",
        ),
        (
            cell("exercise", 64, "size == 1") + &cell("solution", 64, "size == 1"),
            "the solution fails",
        ),
        (
            cell("exercise", 64, "size == 1") + &cell("solution", 63, "size < 2"),
            "not the exercise's",
        ),
        (cell("exercise", 64, "size == 1"), "without a solution"),
        (cell("", 64, "size == 1"), "predictions fail"),
    ] {
        let e = khafka_formats::cell::check_lesson(&md).unwrap_err();
        assert!(e.iter().any(|p| p.contains(says)), "{md}\n{e:?}");
    }
}
