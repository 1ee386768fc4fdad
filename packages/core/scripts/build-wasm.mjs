// Compiles the WebAssembly text sources of src/wasm/ into dist/wasm/ (run after tsc).
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import wabtInit from 'wabt';

const wabt = await wabtInit();
rmSync(new URL('../dist/wasm/', import.meta.url), { recursive: true, force: true });
mkdirSync(new URL('../dist/wasm/', import.meta.url), { recursive: true });
for (const file of readdirSync(new URL('../src/wasm/', import.meta.url)).filter((name) => name.endsWith('.wat'))) {
  const source = readFileSync(new URL(`../src/wasm/${file}`, import.meta.url), 'utf8');
  const module = wabt.parseWat(file, source, { simd: true });
  module.validate();
  const { buffer } = module.toBinary({});
  writeFileSync(new URL(`../dist/wasm/${file.replace(/\.wat$/, '.wasm')}`, import.meta.url), buffer);
  module.destroy();
}
