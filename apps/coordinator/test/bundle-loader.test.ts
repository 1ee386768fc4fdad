import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The CLI as built, loaded with the code cache written by the build: in a process of its
// own, as V8 takes a cache only under the flags it was made with.
const APP = fileURLToPath(new URL('..', import.meta.url));
const LOADER = new URL('../dist/bundle-loader.js', import.meta.url).href;
// Copies live under the package so that the bundle finds node_modules as the built one does.
const COPIES = join(APP, 'test-artifacts', `bundle-loader-${process.pid}`);

/** Loads `bundle`, says what became of its code cache (stderr), and runs `logcluster --version` from it (stdout). */
function loadAndRun(
  bundle: string,
  nodeFlags: string[] = [],
): { codeCache: string; stdout: string; code: number | null } {
  const script = `
    const { loadBundle } = await import(${JSON.stringify(LOADER)});
    const { exports, codeCache } = loadBundle(process.argv[1]);
    process.stderr.write(codeCache);
    process.argv = [process.execPath, 'logcluster', '--version'];
    await exports.run();`;
  const result = spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script, bundle], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { codeCache: result.stderr, stdout: result.stdout, code: result.status };
}

/** A copy of the built bundle (and the package.json it reads its version from) in a directory of its own. */
async function copyOfBundle(name: string, withCache: boolean): Promise<string> {
  const dist = join(COPIES, name, 'dist');
  await mkdir(dist, { recursive: true });
  await copyFile(join(APP, 'package.json'), join(COPIES, name, 'package.json'));
  await copyFile(join(APP, 'dist', 'logcluster.cjs'), join(dist, 'logcluster.cjs'));
  if (withCache) await copyFile(join(APP, 'dist', 'logcluster.cjs.codecache'), join(dist, 'logcluster.cjs.codecache'));
  return join(dist, 'logcluster.cjs');
}

let version: string;

beforeAll(async () => {
  version = (JSON.parse(await readFile(join(APP, 'package.json'), 'utf8')) as { version: string }).version;
});

afterAll(async () => {
  await rm(COPIES, { recursive: true, force: true });
});

describe('the CLI bundle and its code cache', () => {
  it('the cache the build wrote is used', () => {
    const result = loadAndRun(join(APP, 'dist', 'logcluster.cjs'));
    expect(result).toEqual({ codeCache: 'used', stdout: `${version}\n`, code: 0 });
  });

  it('without a cache, the bundle is compiled from source', async () => {
    const result = loadAndRun(await copyOfBundle('absent', false));
    expect(result).toEqual({ codeCache: 'absent', stdout: `${version}\n`, code: 0 });
  });

  it('a cache made for another bundle of the same length is not used (V8 would check only the length)', async () => {
    const bundle = await copyOfBundle('stale', true);
    const source = await readFile(bundle, 'utf8');
    const changed = source.replace('Count ERROR and other patterns', 'Count FATAL and other patterns');
    expect(changed).not.toBe(source);
    expect(changed.length).toBe(source.length);
    await writeFile(bundle, changed);
    const result = loadAndRun(bundle);
    expect(result).toEqual({ codeCache: 'stale', stdout: `${version}\n`, code: 0 });
  });

  it('a damaged cache is not used (V8 does not check its bytes, and crashes on some)', async () => {
    const bundle = await copyOfBundle('damaged', true);
    const cache = await readFile(`${bundle}.codecache`);
    // The checksums in front (of the source and of the cache) stay; V8's part is damaged.
    cache.fill(0x5a, 64 + 8);
    await writeFile(`${bundle}.codecache`, cache);
    const result = loadAndRun(bundle);
    expect(result).toEqual({ codeCache: 'damaged', stdout: `${version}\n`, code: 0 });
  });

  it('a cache V8 refuses (made by another Node, or under other flags) leaves the bundle compiled from source', () => {
    const result = loadAndRun(join(APP, 'dist', 'logcluster.cjs'), ['--no-opt']);
    expect(result).toEqual({ codeCache: 'rejected', stdout: `${version}\n`, code: 0 });
  });
});
