/*
 * Installing logcluster outside the repository: `npm pack` at the root makes one
 * package (the CLI, the worker's thread bundle, the kernel, the Redis scripts and every
 * runtime dependency bundled in it), which `npm install -g` turns into a working
 * `logcluster` with nothing else from the registry.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunReport } from '@logcluster/core';
import { cleanEnv, grepCounts, grepLineCount } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAMPLE = join(ROOT, 'samples/app.log');
let dir: string;
let tarball: string;
let bin: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-package-'));
  // Built already (the tests run after the build): no prepare scripts, no registry.
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 64 << 20 });
  const [name] = (await readdir(dir)).filter((file) => file.endsWith('.tgz'));
  tarball = join(dir, name!);
  const prefix = join(dir, 'prefix');
  await run('npm', ['install', '--global', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], {
    cwd: dir,
    maxBuffer: 64 << 20,
  });
  bin = join(prefix, 'bin', 'logcluster');
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The installed `logcluster`, run from a directory outside the repository. */
async function logcluster(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(bin, args, { cwd: dir, env: cleanEnv(), maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm pack', () => {
  it('makes one package named logcluster, with built code and no sources or tests of the workspaces', async () => {
    const { stdout } = await run('tar', ['tzf', tarball], { maxBuffer: 64 << 20 });
    const files = stdout.split('\n').filter(Boolean);
    expect(tarball).toMatch(/logcluster-\d+\.\d+\.\d+\.tgz$/);
    for (const file of [
      'package/node_modules/@logcluster/coordinator/bin/logcluster',
      'package/node_modules/@logcluster/coordinator/bin/logcluster.js',
      'package/node_modules/@logcluster/coordinator/dist/logcluster.cjs',
      'package/node_modules/@logcluster/worker/dist/count-task.bundle.cjs',
      'package/node_modules/@logcluster/core/dist/wasm/kernel.wasm',
      'package/node_modules/@logcluster/core/dist/runs/lua/recordResults-10.lua',
    ])
      expect(files, file).toContain(file);
    expect(files.filter((file) => /^package\/node_modules\/@logcluster\/[^/]+\/(src|test)\//.test(file))).toEqual([]);
  });

  it('installs into a working logcluster: analyze counts as grep does, a schema loads ajv, serve has its help', async () => {
    const version = await logcluster(['--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);

    const analyzed = await logcluster(['analyze', '--json', SAMPLE]);
    expect(analyzed.code, analyzed.stderr).toBe(0);
    const report = JSON.parse(analyzed.stdout) as RunReport;
    expect(report.status).toBe('completed');
    expect(report.totals.lines).toBe(grepLineCount(SAMPLE));
    expect(report.totals.matches.ERROR).toEqual(grepCounts(SAMPLE, { pattern: 'ERROR' }));

    // ajv and its formats are loaded at a run's first schema, from the installed package.
    const schema = join(dir, 'schema.json');
    const lines = join(dir, 'lines.jsonl');
    await writeFile(schema, JSON.stringify({ type: 'object', required: ['level'] }));
    await writeFile(lines, '{"level":"error"}\n{"msg":"no level"}\n{"level":"info"}\n');
    const checked = await logcluster([
      'analyze',
      '--json',
      '--format',
      'json',
      '--schema',
      schema,
      '--by',
      'level',
      lines,
    ]);
    expect(checked.code, checked.stderr).toBe(0);
    const records = JSON.parse(checked.stdout) as RunReport;
    expect(records.rejected?.lines).toBe(1);
    expect(records.totals.selectedLines).toBe(2);

    const serve = await logcluster(['serve', '--help']);
    expect(serve.code, serve.stderr).toBe(0);
    expect(serve.stdout).toContain('LOGCLUSTER_DASHBOARD_PASSWORD_FILE');
  });
});
