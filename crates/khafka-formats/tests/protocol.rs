//! The codec bundles' protocol version is written in several places that cannot import it (the
//! pages do not link this crate, `index.html` is not Rust): the folder Trunk builds the workers
//! into, the folder `build-site` measures, and the version each page checks in the worker's ready
//! message. They must all name `api::PROTOCOL`, or a page would talk to a worker of another version.

use khafka_formats::api::{PROTOCOL, READY};

fn read(path: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");
    std::fs::read_to_string(format!("{root}{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_folder_and_the_pages_name_this_protocol() {
    let dir = format!("formats-v{PROTOCOL}");
    let ready: serde_json::Value = serde_json::from_str(READY).unwrap();
    assert_eq!(ready["ready"], true);
    assert_eq!(ready["protocol"], PROTOCOL);
    for (path, must) in [
        ("index.html", format!(r#"data-target-path="{dir}""#)),
        (
            "crates/xtask/src/main.rs",
            format!(r#"CODEC_DIR: &str = "{dir}""#),
        ),
        ("web/src/codec_worker.rs", format!(r#"DIR: &str = "{dir}""#)),
        (
            "web/src/codec_worker.rs",
            format!("READY: &str = r#\"{READY}\"#"),
        ),
        (
            "crates/khafka-formats-page/src/codec.rs",
            format!(r#"DIR: &str = "{dir}""#),
        ),
        (
            "crates/khafka-formats-page/src/codec.rs",
            format!("PROTOCOL: u32 = {PROTOCOL};"),
        ),
    ] {
        assert!(read(path).contains(&must), "{path} does not say `{must}`");
    }
    // No other version of the folder is named anywhere the site is built from.
    for path in [
        "index.html",
        "crates/xtask/src/main.rs",
        "tests/browser/e2e.mjs",
    ] {
        let text = read(path);
        let others = text
            .match_indices("formats-v")
            .filter(|(i, _)| !text[*i..].starts_with(&dir))
            .count();
        assert_eq!(others, 0, "{path} names another formats-vN folder");
    }
}
