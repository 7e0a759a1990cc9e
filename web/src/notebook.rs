//! The site's simulator bundles: everything that runs the engine, built with consumer groups (the
//! engine's `groups` feature). Window cells are a bundle of their own (`windows.rs`). The main
//! bundle, the shell (`main.rs`), fetches one when a page shows one of its placeholders
//! (`notebook_loader.rs`), so a reader of the home page, the glossary or the documentation never
//! downloads the engine (issue 9's transfer budget).
//!
//! Two bundles from this file: the notebook (`khafka-notebook`, built without the `stage` feature:
//! lesson and documentation cells) and the stage (`khafka-stage`, with it: the cells and also the
//! playground, the presenter and the bench page). A lesson reader downloads only the cells; a page
//! of the stage downloads the stage, which can show cells too.
//!
//! Trunk builds each like a worker (nothing injected into `index.html`) with wasm-bindgen's `web`
//! target into `notebook-v1/` or `stage-v1/`; the shell adds the folder's start script
//! (`web/notebook-start.js`, `web/stage-start.js`), which starts it. It then listens for the
//! shell's window events `khafka-notebook` (or `khafka-stage`) — `{op: "mount", n, host, slot}` and
//! `{op: "unmount", n}` — and says `khafka-notebook-ready` (`khafka-stage-ready`).
//!
//! It renders every slot as a portal of one Yew app (`portals.rs`, which says why the root must be
//! created before any portal).

include!("notebook_app.rs");
