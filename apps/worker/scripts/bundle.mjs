// Bundles the piscina task (after tsc) into one file, so that a counting thread starts
// by loading one module rather than dozens: threads start when a worker does.
//
// The bundle is CommonJS. piscina loads a task with require() first; on Node 20 an ES
// module loaded that way can abort the whole process (a native assertion) when the pool
// is destroyed while a thread is still loading it, as on a failure at start-up.
import { bundleCjs } from '../../../scripts/bundle-cjs.mjs';

await bundleCjs({
  entry: new URL('../dist/count-task.js', import.meta.url).pathname,
  outfile: new URL('../dist/count-task.bundle.cjs', import.meta.url).pathname,
  // Core loads ajv with a require of its own at a run's first --schema (records/schema-validator.ts).
  importMetaUrl: true,
});
