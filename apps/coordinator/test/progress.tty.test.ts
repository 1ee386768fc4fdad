import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOGCLUSTER_BIN, cleanEnv, runCli, syntheticLog } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-tty-'));
  file = join(dir, 'app.log');
  await writeFile(file, syntheticLog({ lines: 400_000, seed: 7 }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('progress', () => {
  it('is drawn on stderr when stderr is a terminal', () => {
    // script(1) gives the command a pseudo-terminal; stdout goes to a file so that only
    // stderr reaches the terminal.
    // The line is first drawn 250 ms into the run: the run is made to last seconds, with
    // its bytes through Redis one 64 KiB chunk at a time (read directly, files are counted
    // too fast for that).
    const out = join(dir, 'report.txt');
    const command = `${process.execPath} ${LOGCLUSTER_BIN} analyze --no-direct-read --chunk-size 64KiB --max-in-flight 64KiB --threads 1 ${file} > ${out}`;
    const result = spawnSync('script', ['-qefc', command, '/dev/null'], { env: cleanEnv(), encoding: 'utf8', timeout: 120_000 });
    expect(result.status).toBe(0);
    // The line is redrawn in place: carriage return, erase line, then the status.
    expect(result.stdout).toContain('\r\u001b[Krun r-');
    expect(result.stdout).toMatch(/run r-\S+ {2}running {2}\d+\/\d+ chunks settled/);
  });

  it('is not written when stderr is not a terminal', async () => {
    const result = await runCli(['analyze', '--chunk-size', '64KiB', file]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});
