// Bundles the piscina task (after tsc) into one file, so that a counting thread starts
// by loading one module rather than dozens: threads start when a worker does.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../dist/count-task.js', import.meta.url).pathname],
  outfile: new URL('../dist/count-task.bundle.mjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  keepNames: true,
  banner: { js: "import { createRequire as __logclusterRequire } from 'node:module'; const require = __logclusterRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
});
