#!/usr/bin/env node
// The entry point: the only place that handles signals and exits the process. No
// top-level await: Node reports exit code 13 when it exits with one still pending.
import { loadBundle } from '../dist/bundle-loader.js';
import { startEarly } from '../dist/early-start.js';

// analyze's own redis-server and counting threads start first, and get ready while the
// bundle loads (src/early-start.ts).
startEarly(process.argv, process.env)
  .then((started) => loadBundle().exports.run(started))
  .catch((err) => {
    process.stderr.write(`logcluster: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
