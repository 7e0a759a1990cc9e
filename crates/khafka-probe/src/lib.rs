//! A bare WebAssembly module around the engine, with a C ABI and no imports, so that Node (or any
//! wasm runtime) can run a scenario and report its trace hash. `tests/wasm/determinism.mjs` compares
//! those hashes with the native ones in `tests/golden/trace-hashes.txt`. Scenarios with schema
//! (de)serializers run the codecs of `khafka-formats` here too, so their determinism is checked.

use khafka_sim::{Sim, SimOptions};

/// Runs a scenario and returns its trace hash; `u64::MAX` if it does not parse.
pub fn hash_scenario(source: &str) -> u64 {
    let Ok(mut scenario) = khafka_scenario::parse(source) else {
        return u64::MAX;
    };
    // Schema (de)serializers: the formats table is computed with the real codecs, in wasm32 too,
    // as the CLI and the site's codec worker do before a run.
    if let Some(req) = scenario.formats_request() {
        let answer = khafka_formats::api::handle_json(&req);
        if scenario.apply_formats(&answer).is_err() {
            return u64::MAX;
        }
    }
    let opts = SimOptions {
        check_invariants: false,
        ..SimOptions::default()
    };
    let mut sim = Sim::with_options(scenario.spec, opts);
    sim.run();
    sim.trace_hash()
}

/// Allocates `len` bytes for the caller to write a scenario into.
#[no_mangle]
pub extern "C" fn probe_alloc(len: usize) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(len);
    let ptr = buf.as_mut_ptr();
    std::mem::forget(buf);
    ptr
}

/// Runs the UTF-8 scenario at `ptr..ptr+len` (from `probe_alloc`, consumed) and returns its hash.
///
/// # Safety
/// `ptr` must come from `probe_alloc(len)` with `len` bytes written.
#[no_mangle]
pub unsafe extern "C" fn probe_trace_hash(ptr: *mut u8, len: usize) -> u64 {
    // SAFETY: the caller passes a buffer from `probe_alloc(len)` with `len` initialised bytes.
    let bytes = unsafe { Vec::from_raw_parts(ptr, len, len) };
    match String::from_utf8(bytes) {
        Ok(s) => hash_scenario(&s),
        Err(_) => u64::MAX,
    }
}
