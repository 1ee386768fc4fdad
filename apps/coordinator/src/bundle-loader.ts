import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

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
 * length, its own version and its flags, so two SHA-256 digests in front of the cache
 * check the rest, one of the source it was made from and one of the cache. Without a
 * usable cache, the bundle is compiled from source as usual, which is only slower.
 */

const BUNDLE = fileURLToPath(new URL('./logcluster.cjs', import.meta.url));
const DIGEST_BYTES = 32;

/** The bundle's exports: the CLI's `run`. */
export interface BundleExports {
  run(): Promise<void>;
}

/**
 * What became of the code cache: `used`; `absent`; `stale`, made for another bundle;
 * `damaged`, its bytes changed since it was written (V8 does not check them, and crashes
 * on some); `rejected` by V8, made by another Node or under other flags.
 */
export type CodeCacheUse = 'used' | 'absent' | 'stale' | 'damaged' | 'rejected';

export function loadBundle(bundle = BUNDLE): { exports: BundleExports; codeCache: CodeCacheUse } {
  const source = readFileSync(bundle, 'utf8');
  const cache = codeCacheFor(bundle, source);
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
  const source = readFileSync(bundle, 'utf8');
  const { exports, script } = evaluate(bundle, source, undefined);
  process.on('exit', () => {
    const data = script.createCachedData();
    writeFileSync(codeCacheOf(bundle), Buffer.concat([digest(source), digest(data), data]));
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

/** V8's cache data for this source, if there is a cache, made for this source, undamaged. */
function codeCacheFor(bundle: string, source: string): Buffer | 'absent' | 'stale' | 'damaged' {
  let cache: Buffer;
  try {
    cache = readFileSync(codeCacheOf(bundle));
  } catch {
    return 'absent'; // built without one: compiled from source
  }
  if (cache.length <= 2 * DIGEST_BYTES) return 'damaged';
  const data = cache.subarray(2 * DIGEST_BYTES);
  if (!cache.subarray(0, DIGEST_BYTES).equals(digest(source))) return 'stale';
  return cache.subarray(DIGEST_BYTES, 2 * DIGEST_BYTES).equals(digest(data)) ? data : 'damaged';
}

function codeCacheOf(bundle: string): string {
  return `${bundle}.codecache`;
}

function digest(content: string | Buffer): Buffer {
  return createHash('sha256').update(content).digest();
}
