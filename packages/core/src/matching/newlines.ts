import { NEWLINE } from '../char-codes.js';
import { CountingWorkspace } from './counting-workspace.js';

/** Below this many bytes, newlines are searched for one by one rather than copied to the kernel. */
const KERNEL_FROM = 4096;
/** This thread's workspace for counting the newlines of bytes held elsewhere (the coordinator's chunks). */
let scratch: CountingWorkspace | undefined;

/**
 * Number of `\n` bytes in `bytes`: with SIMD in the WebAssembly kernel — in place if
 * `workspace` holds them, else copied through a workspace of its own in cache-sized
 * blocks (a search for each `\n` was most of the coordinator's user CPU: docs/benchmarks.md,
 * "What limits the speed now") — or one by one for a few bytes.
 */
export function countNewlines(bytes: Uint8Array, workspace?: CountingWorkspace): number {
  if (workspace?.holds(bytes)) return workspace.countNewlinesIn(bytes);
  if (bytes.length < KERNEL_FROM) return searchNewlines(bytes);
  scratch ??= new CountingWorkspace();
  return scratch.countNewlinesIn(bytes);
}

function searchNewlines(bytes: Uint8Array): number {
  let count = 0;
  let at = bytes.indexOf(NEWLINE);
  while (at !== -1) {
    count++;
    at = bytes.indexOf(NEWLINE, at + 1);
  }
  return count;
}

/**
 * Lines in a run of bytes as grep counts them: every `\n` ends a line, and bytes after
 * the last `\n` are one more line.
 */
export function countLines(bytes: Uint8Array, workspace?: CountingWorkspace): number {
  return bytes.length === 0 ? 0 : linesOfNewlines(countNewlines(bytes, workspace), bytes);
}

/** The lines of `bytes`, which hold `newlines` newlines, as countLines counts them. */
export function linesOfNewlines(newlines: number, bytes: Uint8Array): number {
  return newlines + (bytes.length > 0 && bytes[bytes.length - 1] !== NEWLINE ? 1 : 0);
}
