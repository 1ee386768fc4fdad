// Bundles the CLI into one file (after tsc): loading one module instead of hundreds
// takes a Node 20 process from start to work in about half the time, which matters for
// a tool run once per analysis. piscina stays outside: it starts its threads from a
// file of its own package.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  // Error class names show in messages, stacks and dead-letter entries.
  keepNames: true,
  // Bundled CommonJS modules call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __logclusterRequire } from 'node:module'; const require = __logclusterRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: [new URL('../dist/entry.js', import.meta.url).pathname],
  outfile: new URL('../dist/logcluster.mjs', import.meta.url).pathname,
  // Loaded by `serve` only, from node_modules: Bull Board serves its UI's files from its
  // own package directory.
  external: ['piscina', 'express', '@bull-board/*'],
});
