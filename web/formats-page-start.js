// Starts the formats page's bundle (crates/khafka-formats-page, wasm-bindgen's `web` target). Added
// to the page as a module script by the main app (web/src/bundle.rs) only when a reader opens
// /#/formats, with `?try=N`: the glue is imported with the same suffix, so a retry fetches afresh.
// A failure is reported to the main app, which shows it.
const attempt = new URL(import.meta.url).search;
import(`./khafka-formats-page.js${attempt}`)
  .then((glue) => glue.default({ module_or_path: new URL('./khafka-formats-page_bg.wasm', import.meta.url) }))
  .catch((e) => dispatchEvent(new CustomEvent('khafka-formats-page-failed', { detail: String(e) })));
