#!/usr/bin/env node
// The entry point: the only place that handles signals and exits the process.
import { run } from '../dist/entry.js';

await run();
