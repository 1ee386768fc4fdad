// Bundles the piscina task (after tsc) into one file, so that a counting thread starts
// by loading one module rather than dozens: threads start when a worker does.
//
// The bundle is CommonJS. piscina loads a task with require() first; on Node 20 an ES
// module loaded that way can abort the whole process (a native assertion) when the pool
// is destroyed while a thread is still loading it, as on a failure at start-up.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../dist/count-task.js', import.meta.url).pathname],
  outfile: new URL('../dist/count-task.bundle.cjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  keepNames: true,
  // import.meta.resolve (used to find the WebAssembly module) has no CommonJS form: resolve
  // through require, which honours the same package exports.
  banner: { js: "const __logclusterResolve = (specifier) => require('node:url').pathToFileURL(require.resolve(specifier)).href;" },
  define: { 'import.meta.resolve': '__logclusterResolve' },
  sourcemap: true,
  logLevel: 'warning',
});
