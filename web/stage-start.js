// Starts the stage bundle (web/src/stage.rs: the notebook with the playground, the presenter and the
// bench page; wasm-bindgen's `web` target), as web/notebook-start.js starts the notebook: added by the
// main app (web/src/bundle.rs) with `?try=N`, the glue imported with the same suffix so that a retry
// fetches afresh; a failure is reported to the main app, which shows it with a retry.
const attempt = new URL(import.meta.url).search;
import(`./khafka-stage.js${attempt}`)
  .then((glue) => glue.default({ module_or_path: new URL('./khafka-stage_bg.wasm', import.meta.url) }))
  .then((wasm) => dispatchEvent(new CustomEvent('khafka-stage-started', { detail: { wasm } })))
  .catch((e) => dispatchEvent(new CustomEvent('khafka-stage-failed', { detail: String(e) })));
