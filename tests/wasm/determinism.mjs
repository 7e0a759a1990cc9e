// The determinism check across platforms: runs every scenario of tests/golden/trace-hashes.txt in the
// wasm32 build of the engine (crates/khafka-probe, no wasm-bindgen, no imports) under Node, and
// compares each trace hash with the native one recorded in the golden file.
//   node tests/wasm/determinism.mjs target/wasm32-unknown-unknown/release/khafka_probe.wasm
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wasmPath = process.argv[2];
const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {});
const { memory, probe_alloc, probe_trace_hash } = instance.exports;
const golden = readFileSync(join(root, 'golden', 'trace-hashes.txt'), 'utf8').trim().split('\n');
let failed = 0;
for (const line of golden) {
  const [file, expected] = line.split(' ');
  const bytes = new TextEncoder().encode(readFileSync(join(root, 'scenarios', file), 'utf8'));
  const ptr = probe_alloc(bytes.length);
  new Uint8Array(memory.buffer, ptr, bytes.length).set(bytes);
  const t0 = performance.now();
  const hash = BigInt.asUintN(64, probe_trace_hash(ptr, bytes.length)).toString(16).padStart(16, '0');
  const ms = (performance.now() - t0).toFixed(1);
  const ok = hash === expected;
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${file} wasm ${hash} native ${expected} (${ms} ms in wasm)`);
}
if (failed) {
  console.error(`${failed} scenario(s) hash differently in wasm32 than natively`);
  process.exit(1);
}
console.log(`wasm32 and native trace hashes agree on ${golden.length} scenarios`);
