// Bundles the CLI into one file (after tsc): loading one module instead of hundreds
// takes a Node 20 process from start to work in about half the time, which matters for
// a tool run once per analysis. piscina stays outside: it starts its threads from a
// file of its own package.
//
// The bundle is CommonJS so that bin/logcluster.js can compile it with V8's code cache,
// written here too (src/bundle-loader.ts): Node 20 caches no ES module's code.
import { spawnSync } from 'node:child_process';
import { bundleCjs } from '../../../scripts/bundle-cjs.mjs';

await bundleCjs({
  entry: new URL('../dist/entry.js', import.meta.url).pathname,
  outfile: new URL('../dist/logcluster.cjs', import.meta.url).pathname,
  importMetaUrl: true,
  // import() of a package (serve's Express and Bull Board) as require(): a function
  // compiled from a code cache has no callback for import() to load through.
  supported: { 'dynamic-import': false },
  // Loaded by `serve` only, from node_modules: Bull Board serves its UI's files from its
  // own package directory.
  external: ['piscina', 'express', '@bull-board/*'],
});

// In a process of its own, as the CLI runs (V8 takes a cache only under the flags it was
// made with), after an analysis of the bundled sample, so that the cache also holds what
// a run compiles. Without redis-server (a build stage with no Redis), that run fails
// early and the cache holds less: the CLI is then only slower to start.
const warmUp = spawnSync(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    "await (await import('./dist/bundle-loader.js')).writeCodeCache(['analyze', '--json', '--threads', '1', '../../samples/app.log'])",
  ],
  {
    cwd: new URL('..', import.meta.url).pathname,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 60_000,
  },
);
if (warmUp.status !== 0)
  process.stderr.write(
    `bundle: the code cache was written without a full sample run: ${warmUp.stderr.trim() || `exit ${warmUp.status}`}\n`,
  );
