//! The reader's progress: which lessons were opened and which exercises were passed, kept in
//! localStorage (a versioned JSON object; anything unreadable is treated as no progress).

use gloo::storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

const KEY: &str = "khafka.progress";

#[derive(Serialize, Deserialize, Default)]
struct Progress {
    v: u32,
    /// Lesson slugs opened.
    read: Vec<String>,
    /// Exercise cells passed, by cell id (`lesson-slug/N`); absent in progress saved before
    /// exercises existed.
    #[serde(default)]
    passed: Vec<String>,
}

fn load() -> Progress {
    LocalStorage::raw()
        .get_item(KEY)
        .ok()
        .flatten()
        .and_then(|t| serde_json::from_str::<Progress>(&t).ok())
        .filter(|p| p.v == 1)
        .unwrap_or(Progress {
            v: 1,
            ..Progress::default()
        })
}

fn store(p: &Progress) {
    if let Ok(json) = serde_json::to_string(p) {
        let _ = LocalStorage::raw().set_item(KEY, &json);
    }
}

pub fn read() -> Vec<String> {
    load().read
}

/// Exercise cells passed in this browser, by cell id (`lesson-slug/N`).
pub fn passed() -> Vec<String> {
    load().passed
}

pub fn mark_read(slug: &str) {
    add(|p| &mut p.read, slug);
}

/// Remembers an exercise cell (by id) as passed in this browser, for the course map.
pub fn mark_passed(cell: &str) {
    add(|p| &mut p.passed, cell);
}

/// Adds `item` to one of the lists, if it is not there yet.
fn add(list: impl Fn(&mut Progress) -> &mut Vec<String>, item: &str) {
    let mut p = load();
    if list(&mut p).iter().any(|s| s == item) {
        return;
    }
    list(&mut p).push(item.to_string());
    store(&p);
}
