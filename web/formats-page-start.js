// Starts the formats page's bundle (crates/khafka-formats-page) once its wasm-bindgen glue
// (formats-ui-v1/khafka-formats-page.js, wasm-bindgen's no-modules target) has run. Added to the page
// by the main app (web/src/formats_loader.rs) only when a reader opens /#/formats; a failure is
// reported to the main app, which shows it.
wasm_bindgen({ module_or_path: './formats-ui-v1/khafka-formats-page_bg.wasm' }).catch((e) => {
  dispatchEvent(new CustomEvent('khafka-formats-page-failed', { detail: String(e) }));
});
