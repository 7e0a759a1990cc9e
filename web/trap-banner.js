// A WebAssembly trap that is not a Rust panic — above all running out of memory, which aborts
// without one — must never leave a dead page (issue 13 §1). This handler is plain JavaScript, loaded
// before the wasm: after an allocation failure the wasm cannot be trusted to allocate the text of
// its own banner. Rust panics write their banner first (web/src/panic_banner.rs, with the message
// and the scenario); the trap that follows a panic then finds it and adds nothing.
(function () {
  function show(text) {
    if (document.querySelector('.panic-banner')) return;
    var banner = document.createElement('pre');
    banner.className = 'panic-banner';
    banner.setAttribute('role', 'alert');
    banner.textContent = text;
    (document.body || document.documentElement).prepend(banner);
  }
  function trapped(message) {
    message = String(message || '');
    if (!/RuntimeError|unreachable|out of memory|Out of memory/.test(message)) return;
    var scenario = '';
    try { scenario = sessionStorage.getItem('khafka-last-scenario') || ''; } catch (e) { /* storage off */ }
    show('Khafka stopped: ' + message + '. This usually means the run needed more memory than the tab has. ' +
      'Reload the page to go on.' + (scenario ? '\n\nScenario:\n' + scenario : ''));
  }
  addEventListener('error', function (e) { trapped(e.message || (e.error && String(e.error))); });
  addEventListener('unhandledrejection', function (e) { trapped(e.reason && (e.reason.stack || String(e.reason))); });
})();
