// Starts the windows bundle (web/src/windows.rs, wasm-bindgen's `web` target). Added to the page as
// a module script by the main app (web/src/bundle.rs) when a page first shows a window cell,
// with `?try=N`: the glue is imported with the same suffix, so a retry
// fetches afresh. A failure is reported to the main app, which shows it with a retry.
const attempt = new URL(import.meta.url).search;
import(`./khafka-windows.js${attempt}`)
  .then((glue) => glue.default({ module_or_path: new URL('./khafka-windows_bg.wasm', import.meta.url) }))
  .then((wasm) => dispatchEvent(new CustomEvent('khafka-windows-started', { detail: { wasm } })))
  .catch((e) => dispatchEvent(new CustomEvent('khafka-windows-failed', { detail: String(e) })));
