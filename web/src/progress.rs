//! The reader's progress: which lessons were opened, kept in localStorage (a versioned JSON list;
//! anything unreadable is treated as no progress).

use gloo::storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

const KEY: &str = "khafka.progress";

#[derive(Serialize, Deserialize, Default)]
struct Progress {
    v: u32,
    read: Vec<String>,
}

pub fn read() -> Vec<String> {
    LocalStorage::raw()
        .get_item(KEY)
        .ok()
        .flatten()
        .and_then(|t| serde_json::from_str::<Progress>(&t).ok())
        .filter(|p| p.v == 1)
        .map(|p| p.read)
        .unwrap_or_default()
}

pub fn mark_read(slug: &str) {
    let mut read = read();
    if read.iter().any(|s| s == slug) {
        return;
    }
    read.push(slug.to_string());
    if let Ok(json) = serde_json::to_string(&Progress { v: 1, read }) {
        let _ = LocalStorage::raw().set_item(KEY, &json);
    }
}
