import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { crc32 } from 'node:zlib';
import type { EarlyStart } from './early-start.js';

/**
 * Loads the bundled CLI (`dist/logcluster.cjs`, CommonJS) with V8's code cache for it.
 *
 * Node 20 has no compile cache of its own, and compiling the 1.6 MB bundle was a third of
 * the time a command took to start. The cache is written at build time next to the
 * bundle, after a sample analysis, and holds the bytecode of what that compiled: the
 * bundle's loading and a run's code, coordinator and worker (where the build has no
 * redis-server, as in the Docker image's build stage, that analysis stops at its start
 * and the cache holds less). It is used only if
 * it was made from this very bundle and is intact: V8 itself checks only the source's
 * length, its own version and its flags, so two CRC-32 checksums in front of the cache
 * check the rest, one of the source it was made from and one of the cache (what is
 * guarded against is a bundle rebuilt or a file damaged, not an attacker, who could as
 * well change the bundle; SHA-256 took 8-10 ms of the start for the same). Without a
 * usable cache, the bundle is compiled from source as usual, which is only slower.
 */

const BUNDLE = fileURLToPath(new URL('./logcluster.cjs', import.meta.url));
const CHECKSUM_BYTES = 4;

/** The bundle's exports: the CLI's `run`. */
export interface BundleExports {
  run(started?: EarlyStart): Promise<void>;
}

/**
 * What became of the code cache: `used`; `absent`; `stale`, made for another bundle;
 * `damaged`, its bytes changed since it was written (V8 does not check them, and crashes
 * on some); `rejected` by V8, made by another Node or under other flags.
 */
export type CodeCacheUse = 'used' | 'absent' | 'stale' | 'damaged' | 'rejected';

export function loadBundle(bundle = BUNDLE): { exports: BundleExports; codeCache: CodeCacheUse } {
  const { bytes, source } = readBundle(bundle);
  const cache = codeCacheFor(bundle, bytes);
  const { exports, script } = evaluate(bundle, source, typeof cache === 'string' ? undefined : cache);
  return {
    exports,
    codeCache: typeof cache === 'string' ? cache : script.cachedDataRejected === true ? 'rejected' : 'used',
  };
}

/**
 * Loads the bundle from source, runs the CLI with `args` (a sample analysis), and writes
 * the code cache as the process exits, however that run ended: the cache then holds
 * the bytecode of every function the run compiled, not only of what runs while the
 * bundle loads (`npm run build` does this).
 */
export async function writeCodeCache(args: string[], bundle = BUNDLE): Promise<void> {
  const { bytes, source } = readBundle(bundle);
  const { exports, script } = evaluate(bundle, source, undefined);
  process.on('exit', () => {
    const data = script.createCachedData();
    writeFileSync(codeCacheOf(bundle), Buffer.concat([checksum(bytes), checksum(data), data]));
  });
  process.argv = [process.execPath, 'logcluster', ...args];
  await exports.run();
}

function evaluate(
  bundle: string,
  source: string,
  cachedData: Buffer | undefined,
): { exports: BundleExports; script: Script } {
  // The wrapper Node puts around a CommonJS module, on the bundle's first line so that
  // line numbers in stack traces stay the bundle's; in strict mode, as the ES modules it
  // was bundled from ran (esbuild's own "use strict" comes after the banner, where it is
  // no directive).
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {'use strict';${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  const module = { exports: {} as BundleExports };
  (script.runInThisContext() as (...args: unknown[]) => void)(
    module.exports,
    createRequire(bundle),
    module,
    bundle,
    dirname(bundle),
  );
  return { exports: module.exports, script };
}

/**
 * The bundle's bytes, and its source. (Read as Latin-1, the ASCII esbuild writes makes
 * the same string, but one kept outside V8's heap, and the load took 10 ms longer.)
 */
function readBundle(bundle: string): { bytes: Buffer; source: string } {
  const bytes = readFileSync(bundle);
  return { bytes, source: bytes.toString('utf8') };
}

/** V8's cache data for the bundle of these bytes, if there is a cache, made for them, undamaged. */
function codeCacheFor(bundle: string, bytes: Buffer): Buffer | 'absent' | 'stale' | 'damaged' {
  let cache: Buffer;
  try {
    cache = readFileSync(codeCacheOf(bundle));
  } catch {
    return 'absent'; // built without one: compiled from source
  }
  if (cache.length <= 2 * CHECKSUM_BYTES) return 'damaged';
  const data = cache.subarray(2 * CHECKSUM_BYTES);
  if (!cache.subarray(0, CHECKSUM_BYTES).equals(checksum(bytes))) return 'stale';
  return cache.subarray(CHECKSUM_BYTES, 2 * CHECKSUM_BYTES).equals(checksum(data)) ? data : 'damaged';
}

function codeCacheOf(bundle: string): string {
  return `${bundle}.codecache`;
}

function checksum(bytes: Uint8Array): Buffer {
  const sum = Buffer.alloc(CHECKSUM_BYTES);
  sum.writeUInt32BE(crc32(bytes));
  return sum;
}
